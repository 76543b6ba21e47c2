//! `cargo xtask test`: everything, in order, stopping at the first failing step.

use std::process::Command;
use std::time::Instant;

use crate::build;
use crate::setup;
use crate::util::{self, run};

/// (short key for `cargo xtask test <key>…`, what it does, the step)
type Step = (&'static str, &'static str, fn() -> Result<(), String>);

pub const STEPS: &[Step] = &[
    ("setup", "setup (wasm target, chromium, npm ci)", setup_all),
    ("fmt", "cargo fmt --check", fmt),
    (
        "clippy",
        "cargo clippy (native, -D warnings)",
        clippy_native,
    ),
    (
        "clippy-wasm",
        "cargo clippy (wasm32, -D warnings)",
        clippy_wasm,
    ),
    ("rust", "cargo test (all crates, native)", test_native),
    (
        "fuzz",
        "fuzz every target briefly (libFuzzer, stable)",
        fuzz_briefly,
    ),
    ("wasm", "wasm tests in headless Chromium", test_wasm),
    ("build", "cargo xtask build", build_page),
    (
        "pgo",
        "cargo xtask pgo (the CLI with profile-guided optimisation)",
        crate::pgo::pgo,
    ),
    ("tsc", "tsc --noEmit (page types)", typecheck),
    ("e2e", "end-to-end browser tests", e2e),
];

/// Runs every step, or only those named in `only` (by short key), in order.
pub fn test(only: &[String]) -> Result<(), String> {
    for key in only {
        if !STEPS.iter().any(|(k, _, _)| k == key) {
            let keys: Vec<&str> = STEPS.iter().map(|(k, _, _)| *k).collect();
            return Err(format!("no test step `{key}`; steps: {}", keys.join(", ")));
        }
    }
    let steps: Vec<&Step> = STEPS
        .iter()
        .filter(|(key, _, _)| only.is_empty() || only.iter().any(|o| o == key))
        .collect();
    let start = Instant::now();
    let mut done: Vec<(&str, String)> = Vec::new();
    for (_, name, step) in steps.iter().copied() {
        println!("\nxtask test: ── {name} ──");
        let step_start = Instant::now();
        if let Err(message) = step() {
            let took = util::secs(step_start);
            println!("\nxtask test: FAILED at `{name}` after {took}:\n{message}");
            summary(&steps, &done, Some((name, took)), start);
            return Err(format!("step `{name}` failed"));
        }
        done.push((name, util::secs(step_start)));
    }
    summary(&steps, &done, None, start);
    Ok(())
}

fn summary(
    steps: &[&Step],
    done: &[(&str, String)],
    failed: Option<(&str, String)>,
    start: Instant,
) {
    println!("\nxtask test: summary ({} total)", util::secs(start));
    for (name, took) in done {
        println!("  ok      {name:<42} {took:>8}");
    }
    if let Some((name, took)) = &failed {
        println!("  FAILED  {name:<42} {took:>8}");
        for (_, name, _) in steps.iter().skip(done.len() + 1) {
            println!("  skipped {name}");
        }
    }
    let failed = usize::from(failed.is_some());
    println!("{} passed, {failed} failed", done.len());
}

fn setup_all() -> Result<(), String> {
    setup::wasm_target()?;
    setup::c_compilers()?;
    setup::chromium()?;
    setup::npm_packages()
}

fn fmt() -> Result<(), String> {
    run(util::cargo().args(["fmt", "--all", "--check"]))
        .map_err(|e| format!("{e}\n  fix with `cargo fmt --all`"))
}

fn clippy_native() -> Result<(), String> {
    run(util::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn clippy_wasm() -> Result<(), String> {
    run(util::cargo().args([
        "clippy",
        "--package",
        "aorlab-wasm",
        "--package",
        "aorlab-import-wasm",
        "--no-deps", // the native step already lints the other crates
        "--all-targets",
        "--target",
        setup::WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))
}

fn typecheck() -> Result<(), String> {
    let www = util::www();
    run(Command::new(www.join("node_modules/.bin/tsc"))
        .current_dir(&www)
        .args(["--noEmit", "-p", "."]))
}

fn test_native() -> Result<(), String> {
    // xtask on its own: built together with the rest, cargo would unify dependency features
    // across the workspace and compile xtask's large tree (wasm-bindgen-cli, walrus, clap, …)
    // a second time; alone, it reuses the build that `cargo xtask` itself runs from.
    run(util::cargo().args([
        "test",
        "--workspace",
        "--exclude",
        "xtask",
        "--exclude",
        "aorlab-parity", // wasm-only tests (the `wasm` step)
        "--no-fail-fast",
    ]))?;
    run(util::cargo().args(["test", "--package", "xtask"]))
}

/// 4 s per target (about 20 s in all), the committed seeds first: a smoke run, not a campaign.
/// A 3 s hang limit: libFuzzer's is wall-clock time and CI machines are shared (the slowest
/// generated pipeline input takes 0.25 s of CPU; the campaign uses 1 s).
fn fuzz_briefly() -> Result<(), String> {
    let args = ["--seconds", "4", "--timeout", "3"].map(String::from);
    crate::fuzz::Options::parse(&args).and_then(crate::fuzz::fuzz)
}

fn test_wasm() -> Result<(), String> {
    // The runner (.cargo/config.toml) is wasm-bindgen's test runner linked into xtask; it
    // drives /usr/bin/chromium through chromedriver with crates/wasm/webdriver.json.
    // No `-q`: cargo would hand `--quiet` to the runner.
    let mut command = util::cargo();
    command
        .args([
            "test",
            "--package",
            "aorlab-wasm",
            "--package",
            "aorlab-parity", // native = wasm: its build script is the native side
            "--target",
            setup::WASM_TARGET,
        ])
        .env_remove("NO_HEADLESS")
        .env("CHROMEDRIVER", setup::CHROMEDRIVER);
    run(&mut command)
}

fn build_page() -> Result<(), String> {
    build::build().map(|_| ())
}

fn e2e() -> Result<(), String> {
    let www = util::www();
    let xtask = std::env::current_exe().map_err(|e| format!("where am I? {e}"))?;
    let screenshots = util::target_dir().join("screenshots");
    run(Command::new("node")
        .current_dir(&www)
        .args(["--test", "--test-reporter=spec", "tests/"])
        .env("AORLAB_XTASK", xtask)
        .env("AORLAB_SCREENSHOTS", &screenshots)
        .env("AORLAB_CHROMIUM", setup::CHROMIUM))?;
    println!("xtask test: screenshots in {}", screenshots.display());
    Ok(())
}
