//! `cargo xtask pgo`: the command-line `aorlab` built with profile-guided
//! optimisation, into `target/pgo/aorlab`.
//!
//! Why: a whole-site day is branchy code spread over many functions (the
//! registrar, the world's actors, the observers); on the 500-phone day the
//! plain release build missed the simulated 32 KiB instruction cache more often
//! than the data cache. With a profile LLVM lays hot paths out together and
//! inlines by measured calls: cachegrind counted 17 % fewer instructions for
//! the same output (docs/performance.md, stop 32).
//!
//! How (rustc's own PGO support, no extra crates): build the CLI with
//! `-Cprofile-generate`, run it on a training set (a generated site day and
//! every preset, in both output forms), merge the raw profiles with
//! `llvm-profdata` from rustup's `llvm-tools` component (installed when
//! missing), build again with `-Cprofile-use`. Each build has its own target
//! folder under `target/pgo/`, so the ordinary release build is untouched. The
//! optimised binary must print exactly what the instrumented one printed for
//! the site day: a build flag may change speed, never the trace.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::util::{self, run};

/// The training site: big enough that a whole day's event mix dominates.
const SITE: &[&str] = &[
    "gen",
    "site",
    "--phones",
    "300",
    "--nats",
    "20",
    "--hours",
    "24",
    "--qualify",
    "60",
];

pub fn pgo() -> Result<(), String> {
    let start = Instant::now();
    let profdata = llvm_profdata()?;
    let base = util::target_dir().join("pgo");
    let profiles = base.join("profiles");
    let training = base.join("training");
    build_cli(
        &base.join("gen"),
        &format!("-Cprofile-generate={}", profiles.display()),
    )?;
    // Build scripts ran instrumented too: only the training's profiles count.
    let _ = std::fs::remove_dir_all(&profiles);
    std::fs::create_dir_all(&training).map_err(|e| format!("{}: {e}", training.display()))?;
    let trained = base.join("gen/release/aorlab");
    let site_json = train(&trained, &training)?;
    let merged = profiles.join("merged.profdata");
    let mut merge = Command::new(&profdata);
    merge.arg("merge").arg("-o").arg(&merged);
    for entry in std::fs::read_dir(&profiles).map_err(|e| format!("{}: {e}", profiles.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "profraw") {
            merge.arg(path);
        }
    }
    run(&mut merge)?;
    build_cli(
        &base.join("use"),
        &format!("-Cprofile-use={}", merged.display()),
    )?;
    let out = base.join("aorlab");
    std::fs::copy(base.join("use/release/aorlab"), &out)
        .map_err(|e| format!("copying the optimised CLI to {}: {e}", out.display()))?;
    let again = capture(
        Command::new(&out)
            .arg("run")
            .arg(training.join("site.aorlab"))
            .arg("--json"),
    )?;
    if again != site_json {
        return Err(format!(
            "{} printed another trace for the training site than the instrumented build did",
            out.display()
        ));
    }
    println!(
        "xtask pgo: {} (same trace as the instrumented build on the training site; {})",
        crate::build::rel(&out),
        util::secs(start)
    );
    Ok(())
}

/// `cargo build --release -p aorlab` into `dir` with `rustflags`.
fn build_cli(dir: &Path, rustflags: &str) -> Result<(), String> {
    run(util::cargo()
        .args(["build", "--release", "--package", "aorlab"])
        .env("CARGO_TARGET_DIR", dir)
        .env("RUSTFLAGS", rustflags))
}

/// Runs the instrumented CLI on the training set; returns the site day's JSON.
fn train(cli: &Path, dir: &Path) -> Result<String, String> {
    let site = capture(Command::new(cli).args(SITE))?;
    let site_file = dir.join("site.aorlab");
    std::fs::write(&site_file, site).map_err(|e| format!("{}: {e}", site_file.display()))?;
    let json = capture(Command::new(cli).arg("run").arg(&site_file).arg("--json"))?;
    let list = capture(Command::new(cli).arg("presets"))?;
    for name in preset_names(&list) {
        capture(Command::new(cli).args(["run", "--preset", name]))?;
        capture(Command::new(cli).args(["run", "--preset", name, "--json"]))?;
    }
    Ok(json)
}

/// The names `aorlab presets` lists: the first word of each line.
fn preset_names(list: &str) -> Vec<&str> {
    list.lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

/// Runs `command`, echoing it; its stdout, or an error with its stderr.
fn capture(command: &mut Command) -> Result<String, String> {
    let shown = util::show(command);
    println!("$ {shown}");
    let out = command
        .output()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{shown}` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("`{shown}` printed non-UTF-8: {e}"))
}

/// `llvm-profdata` of the active toolchain (rustup's `llvm-tools`, added if
/// missing: its LLVM must be the one rustc writes profiles for).
fn llvm_profdata() -> Result<PathBuf, String> {
    let (sysroot, host) = util::rustc_sysroot()
        .zip(util::rustc_host())
        .ok_or("could not ask rustc for its sysroot and host")?;
    let p = sysroot.join(format!("lib/rustlib/{host}/bin/llvm-profdata"));
    if !p.is_file() {
        run(Command::new("rustup").args(["component", "add", "llvm-tools"])).map_err(|e| {
            format!("{e}\nhint: PGO needs llvm-profdata from rustup's llvm-tools component")
        })?;
    }
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "{} is missing after `rustup component add llvm-tools`",
            p.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_names_are_the_first_word_of_each_listed_preset() {
        let list =
            "demo                 Two phones, max_contacts=1\nnat-403              NAT forgets\n\n";
        assert_eq!(preset_names(list), ["demo", "nat-403"]);
    }
}
