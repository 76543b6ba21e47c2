//! `cargo xtask fuzz`: coverage-guided fuzzing with libFuzzer on the pinned *stable* toolchain.
//!
//! cargo-fuzz is not needed: it only builds with extra flags and starts the binary. The flags
//! that matter — SanitizerCoverage's inline 8-bit counters, PC table and comparison tracing —
//! are plain LLVM passes that stable rustc runs with `-C passes=sancov-module` and
//! `-C llvm-args`; no `-Z` flag and no RUSTC_BOOTSTRAP. What stable cannot do is AddressSanitizer
//! (`-Z sanitizer`), which safe Rust without `unsafe` code hardly needs. `--target` is passed
//! so the flags reach the fuzzed code but not build scripts or proc macros (they would not link
//! without libFuzzer).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::util::{self, run};

/// (target, what it feeds, -max_len, -rss_limit_mb)
pub const TARGETS: &[(&str, &str, u32, u32)] = &[
    (
        "sip_message",
        "SIP message parser + every header accessor + print/parse round trip",
        65_536,
        512,
    ),
    (
        "pjsip_conf",
        "pjsip.conf parser, as each release where registrar behaviour changes",
        65_536,
        512,
    ),
    ("scenario", "scenario parser", 65_536, 512),
    (
        "link",
        "share-link decoder + re-encode round trip",
        40_000,
        512,
    ),
    (
        "pipeline",
        "generated scenario (mostly short worlds) → parse → run (work budget 300) → trace → JSON",
        4_096,
        1_024,
    ),
];

/// The wall-clock guard for an input that never returns (libFuzzer `-timeout`). The hang rule
/// itself — more than 1 s of CPU for one input — is checked inside every target on the
/// thread's CPU clock (fuzz/src/lib.rs), because on a shared machine wall time is not CPU
/// time. `--timeout` changes the guard.
const TIMEOUT_S: u32 = 10;

const FLAGS: &[&str] = &[
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "--cfg=fuzzing",
    "-Cdebug-assertions",
    "-Coverflow-checks",
];

pub struct Options {
    seconds: u32,
    /// Stop a target after this many executions (libFuzzer `-runs`), if it is sooner.
    runs: Option<u64>,
    timeout: u32,
    merge: bool,
    targets: Vec<&'static str>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            seconds: 60,
            runs: None,
            timeout: TIMEOUT_S,
            merge: false,
            targets: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => {
                    let n = args.next().ok_or("--seconds needs a number")?;
                    options.seconds = n.parse().map_err(|_| format!("--seconds {n}?"))?;
                }
                "--runs" => {
                    let n = args.next().ok_or("--runs needs a number")?;
                    options.runs = Some(n.parse().map_err(|_| format!("--runs {n}?"))?);
                }
                "--timeout" => {
                    let n = args.next().ok_or("--timeout needs seconds")?;
                    options.timeout = n.parse().map_err(|_| format!("--timeout {n}?"))?;
                }
                "--merge" => options.merge = true,
                name => match TARGETS.iter().find(|t| t.0 == name) {
                    Some(t) => options.targets.push(t.0),
                    None => return Err(format!("no fuzz target `{name}`; targets: {}", names())),
                },
            }
        }
        if options.targets.is_empty() {
            options.targets = TARGETS.iter().map(|t| t.0).collect();
        }
        Ok(options)
    }
}

fn names() -> String {
    TARGETS.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
}

/// Builds the targets, then fuzzes each for `seconds` in turn (`--seconds 0`: not at all, only
/// `--merge`); fails on the first finding.
pub fn fuzz(options: Options) -> Result<(), String> {
    let bin = build()?;
    let mut rows = Vec::new();
    for name in &options.targets {
        let target = TARGETS.iter().find(|t| t.0 == *name).expect("checked");
        if options.seconds > 0 {
            rows.push((*name, run_target(&bin, target, &options)?));
        }
        if options.merge {
            merge(&bin, name)?;
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    println!(
        "\nxtask fuzz: {:<12} {:>12} {:>8} {:>9}",
        "target", "executions", "exec/s", "peak RSS"
    );
    for (name, stats) in rows {
        let rate = stats.execs / stats.seconds.max(1);
        println!(
            "  {name:<12} {:>12} {rate:>8} {:>6} MB",
            stats.execs, stats.rss_mb
        );
    }
    Ok(())
}

fn fuzz_dir() -> PathBuf {
    util::target_dir().join("fuzz")
}

fn build() -> Result<PathBuf, String> {
    let host = util::output(Command::new("rustc").arg("-vV"))
        .and_then(|v| {
            v.lines()
                .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        })
        .ok_or("could not ask rustc for the host triple")?;
    let start = Instant::now();
    run(util::cargo()
        .current_dir(util::root().join("fuzz"))
        .args(["build", "--release", "--bins", "--target", &host])
        .env("CARGO_TARGET_DIR", fuzz_dir())
        .env("RUSTFLAGS", FLAGS.join(" ")))?;
    println!("xtask fuzz: built in {}", util::secs(start));
    Ok(fuzz_dir().join(host).join("release"))
}

#[derive(Default)]
struct Stats {
    execs: u64,
    seconds: u64,
    rss_mb: u64,
}

/// Runs one target with the committed seeds (read only) and a growing corpus under target/.
fn run_target(
    bin: &Path,
    target: &(&str, &str, u32, u32),
    options: &Options,
) -> Result<Stats, String> {
    let (name, what, max_len, rss) = *target;
    let seconds = options.seconds;
    println!("\nxtask fuzz: ── {name}: {what} ({seconds} s) ──");
    let corpus = fuzz_dir().join("corpus").join(name);
    let artifacts = fuzz_dir().join("artifacts").join(name);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let log = fuzz_dir().join(format!("{name}.log"));
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let mut command = Command::new(bin.join(name));
    if let Some(runs) = options.runs {
        command.arg(format!("-runs={runs}"));
    }
    let started = Instant::now();
    let status = command
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={}", options.timeout))
        .arg(format!("-rss_limit_mb={rss}"))
        .arg(format!("-max_len={max_len}"))
        .arg("-print_final_stats=1")
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(&corpus)
        .arg(util::root().join("fuzz/corpus").join(name))
        .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
        .stderr(log_file)
        .status()
        .map_err(|e| format!("could not start {name}: {e}"))?;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    // The last figures in the log: a run sharing the file (another `xtask fuzz`) writes first.
    let stat = |key: &str| {
        text.lines()
            .rev()
            .find_map(|l| l.strip_prefix(key)?.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let stats = Stats {
        execs: stat("stat::number_of_executed_units:"),
        seconds: started.elapsed().as_secs(),
        rss_mb: stat("stat::peak_rss_mb:"),
    };
    println!(
        "xtask fuzz: {name}: {} executions in {} s, peak RSS {} MB",
        stats.execs, stats.seconds, stats.rss_mb
    );
    if status.success() {
        return Ok(stats);
    }
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "{name} found a problem ({status}); the input is in {}\n  reproduce: {} <that file>\n  log: {}\n{}",
        artifacts.display(),
        bin.join(name).display(),
        log.display(),
        tail.join("\n")
    ))
}

/// Minimises the committed seeds in fuzz/corpus/<target> (libFuzzer `-merge=1`: the smallest
/// set of them with the same coverage). What a campaign found stays in target/fuzz/corpus: it
/// would make the repository grow by megabytes and every `cargo xtask test` replay it.
fn merge(bin: &Path, name: &str) -> Result<(), String> {
    let seeds = util::root().join("fuzz/corpus").join(name);
    let before = dir_size(&seeds)?;
    let merged = fuzz_dir().join("merged").join(name);
    let _ = std::fs::remove_dir_all(&merged);
    std::fs::create_dir_all(&merged).map_err(|e| e.to_string())?;
    run(Command::new(bin.join(name))
        .arg("-merge=1")
        .arg(format!("-timeout={TIMEOUT_S}"))
        .arg(&merged)
        .arg(&seeds))?;
    std::fs::remove_dir_all(&seeds).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&seeds).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(&merged).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        // libFuzzer names a file by its SHA-1; fuzz/seeds.py by the first 16 digits of it.
        let sha1 = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("odd file name")?;
        std::fs::copy(&path, seeds.join(sha1.get(..16).unwrap_or(sha1)))
            .map_err(|e| e.to_string())?;
    }
    let after = dir_size(&seeds)?;
    println!(
        "xtask fuzz: {name}: fuzz/corpus/{name} {} files, {} KB → {} files, {} KB",
        before.0,
        before.1 / 1024,
        after.0,
        after.1 / 1024
    );
    Ok(())
}

/// Files and bytes in a directory.
fn dir_size(dir: &Path) -> Result<(u64, u64), String> {
    let mut total = (0, 0);
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let meta = entry.map_err(|e| e.to_string())?.metadata();
        total.0 += 1;
        total.1 += meta.map_err(|e| e.to_string())?.len();
    }
    Ok(total)
}
