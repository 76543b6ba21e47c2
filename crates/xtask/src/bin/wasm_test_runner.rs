//! The `runner` for `cargo test --target wasm32-unknown-unknown` (see .cargo/config.toml):
//! wasm-bindgen's own test runner, linked as a library so nothing has to be `cargo install`ed,
//! with defaults that suit this project: Debian's chromedriver, headless always under CI, and
//! the libtest flags it does not understand dropped instead of failing the run.

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    if std::env::var_os("CHROMEDRIVER").is_none() && Path::new("/usr/bin/chromedriver").is_file() {
        std::env::set_var("CHROMEDRIVER", "/usr/bin/chromedriver");
    }
    // wasm-bindgen's defaults (20 s per run, 5 s for the driver to start) are tight for a
    // cold Chromium on a busy two-core CI machine.
    for (name, seconds) in [
        ("WASM_BINDGEN_TEST_TIMEOUT", "120"),
        ("WASM_BINDGEN_TEST_DRIVER_TIMEOUT", "30"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, seconds);
        }
    }
    if std::env::var_os("CI").is_some() && std::env::var_os("NO_HEADLESS").is_some() {
        eprintln!("wasm-test-runner: ignoring NO_HEADLESS under CI (it would wait for a person)");
        std::env::remove_var("NO_HEADLESS");
    }
    let args: Vec<OsString> = std::env::args_os()
        .filter(|arg| !matches!(arg.to_str(), Some("-q" | "--quiet" | "--show-output")))
        .collect();
    match wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-test-runner: {e:?}");
            ExitCode::FAILURE
        }
    }
}
