//! Paths and process helpers shared by the commands.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime};

/// The repository root (the folder holding the workspace Cargo.toml).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .expect("crates/xtask sits two levels below the root")
        .to_path_buf()
}

/// Cargo's target folder: `CARGO_TARGET_DIR` if set (relative to the root), else `target/`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

pub fn www() -> PathBuf {
    root().join("www")
}

pub fn dist() -> PathBuf {
    www().join("dist")
}

/// The cargo that started us (so rustup's toolchain choice carries over).
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root());
    command
}

/// Runs a command, echoing it first; an error names the command and its exit status.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = show(command);
    println!("$ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// Runs a command quietly and returns its stdout, or None when it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `rustc` as this workspace runs it (rust-toolchain.toml picks the toolchain by folder).
fn rustc() -> Command {
    let mut c = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    c.current_dir(root());
    c
}

/// The toolchain's sysroot (`rustc --print sysroot`).
pub fn rustc_sysroot() -> Option<PathBuf> {
    output(rustc().args(["--print", "sysroot"])).map(|s| PathBuf::from(s.trim()))
}

/// The host triple (the `host:` line of `rustc -vV`).
pub fn rustc_host() -> Option<String> {
    output(rustc().arg("-vV")).and_then(|v| host_of(&v).map(str::to_owned))
}

fn host_of(version: &str) -> Option<&str> {
    version
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::trim)
}

pub fn show(command: &Command) -> String {
    let mut parts = vec![command.get_program().to_string_lossy().into_owned()];
    parts.extend(command.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.contains(' ') {
            format!("'{a}'")
        } else {
            a.into_owned()
        }
    }));
    parts.join(" ")
}

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

pub fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Seconds since `start`, for the step timings.
pub fn secs(start: Instant) -> String {
    format!("{:.1} s", start.elapsed().as_secs_f64())
}

/// Human size: bytes and KiB.
pub fn size(bytes: usize) -> String {
    format!("{bytes} B ({:.1} KiB)", bytes as f64 / 1024.0)
}

/// The newest modification time of any file under `dir` (recursively), skipping build output.
pub fn newest_under(dir: &Path, newest: &mut Option<SystemTime>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "node_modules" || name == "dist" || name == "target" {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            newest_under(&path, newest);
        } else if let Ok(modified) = meta.modified() {
            if newest.is_none_or(|n| modified > n) {
                *newest = Some(modified);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_read_from_rustc_verbose_version() {
        let v = "rustc 1.95.0 (59807616e 2026-04-14)\nbinary: rustc\nhost: x86_64-unknown-linux-gnu\nrelease: 1.95.0\n";
        assert_eq!(host_of(v), Some("x86_64-unknown-linux-gnu"));
        assert_eq!(host_of("rustc 1.95.0\n"), None);
    }
}
