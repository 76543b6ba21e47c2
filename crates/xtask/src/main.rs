//! `cargo xtask …`: build, serve and test orchestration for aorlab.
//!
//! ```text
//! cargo xtask build                       release wasm + page into www/dist
//! cargo xtask types                       www/src/generated/*.ts from the Rust types
//! cargo xtask size [--top N]              where the playground's wasm bytes go
//! cargo xtask serve [--port 8080] [--host 127.0.0.1] [--watch] [--no-build]
//! cargo xtask test [STEP…]                everything CI runs (installs what is missing)
//! cargo xtask pgo                         the CLI built with profile-guided optimisation
//! cargo xtask fuzz [--seconds N] [--runs N] [--timeout S] [--merge] [TARGET…]   coverage-guided fuzzing (stable)
//! ```

mod build;
mod fuzz;
mod pgo;
mod serve;
mod setup;
mod size;
mod test;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  build                 build the release wasm and the page into www/dist
                        (writing the generated TypeScript types first)
  types                 write www/src/generated/*.ts from the Rust types (ts-rs);
                        the Rust tests fail while the committed files differ
  size                  build, then show where the playground's wasm bytes go:
                        code by crate, by generic family, largest functions
      --top <n>         lines in each list                                 [25]
  serve                 build, then serve www/dist (default http://127.0.0.1:8080/)
      --port <n>        port to listen on (0 picks a free one)            [8080]
      --host <addr>     address to bind                                   [127.0.0.1]
      --watch           rebuild when files under crates/ or www/ change
      --no-build        serve what is already in www/dist
  test [STEP…]          fmt, clippy, Rust tests, wasm tests in headless Chromium,
                        build, end-to-end browser tests; installs what is missing.
                        STEPs (default: all, in this order): setup fmt clippy
                        clippy-wasm rust fuzz wasm build pgo tsc e2e
  fuzz [TARGET…]        coverage-guided fuzzing with libFuzzer on stable Rust;
                        targets: sip_message pjsip_conf scenario link pipeline
      --seconds <n>     how long each target runs                         [60]
      --runs <n>        stop a target sooner, after n executions
      --timeout <n>     wall-clock seconds before an input counts as stuck  [10]
                        (a hang is > 1 s of CPU, checked inside each target)
      --merge           minimise the committed seeds in fuzz/corpus/<target>, keeping
                        their coverage (libFuzzer -merge=1; with --seconds 0 only that)
  pgo                   build the command-line aorlab with profile-guided optimisation
                        into target/pgo/aorlab (trained on a 300-phone day and every
                        preset; adds rustup's llvm-tools when missing)
  help                  this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "build" => no_options(rest).and_then(|()| build::build().map(|_| ())),
        "types" => no_options(rest).and_then(|()| build::types()),
        "size" => size::size(rest),
        "serve" => serve::Options::parse(rest).and_then(serve::serve),
        "test" => test::test(rest),
        "fuzz" => fuzz::Options::parse(rest).and_then(fuzz::fuzz),
        "pgo" => no_options(rest).and_then(|()| pgo::pgo()),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn no_options(rest: &[String]) -> Result<(), String> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(format!("unexpected argument `{arg}`\n\n{USAGE}")),
    }
}
