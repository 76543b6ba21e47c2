//! Shared by the CLI's integration tests: run the built `aorlab` as a user would.

use std::process::Command;

/// Runs `aorlab ARGS…`: (exit code, stdout, stderr).
pub fn aorlab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aorlab"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
