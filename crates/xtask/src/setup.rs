//! Installs what the build and the tests need when it is missing: the rustup wasm target,
//! Debian's Chromium and its WebDriver, the page's npm packages.

use std::path::Path;
use std::process::Command;

use crate::util::{self, run};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `rustup target add wasm32-unknown-unknown` unless the toolchain already has it.
/// (rust-toolchain.toml names the target, but rustup only adds it when it installs the
/// toolchain itself, not when that toolchain was already there.)
pub fn wasm_target() -> Result<(), String> {
    let sysroot = util::rustc_sysroot().ok_or("could not run `rustc --print sysroot`")?;
    let lib = sysroot.join("lib/rustlib").join(WASM_TARGET);
    if lib.is_dir() {
        return Ok(());
    }
    println!("xtask: the {WASM_TARGET} target is missing; adding it");
    run(Command::new("rustup")
        .current_dir(util::root())
        .args(["target", "add", WASM_TARGET]))
    .map_err(|e| format!("{e}\n  (needs rustup; or install the `{WASM_TARGET}` target by hand)"))
}

/// Debian's `chromium` and `chromium-driver` (browsers cannot be downloaded by Playwright here).
pub fn chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        return Ok(());
    }
    println!(
        "xtask: {CHROMIUM} or {CHROMEDRIVER} is missing; installing chromium + chromium-driver"
    );
    apt_install(&["chromium", "chromium-driver"])
}

/// A C and a C++ compiler: the CLI's allocator (mimalloc) is C, and the fuzz step's libFuzzer
/// (libfuzzer-sys) is C++, both built from source by their crates' build scripts.
pub fn c_compilers() -> Result<(), String> {
    if util::on_path("cc") && util::on_path("c++") {
        return Ok(());
    }
    println!("xtask: no C/C++ compiler (cc, c++) on PATH; installing build-essential");
    apt_install(&["build-essential"])
}

/// `npm ci` in www/ when node_modules is missing or older than package-lock.json.
pub fn npm_packages() -> Result<(), String> {
    let www = util::www();
    let installed = www.join("node_modules/.package-lock.json");
    let lock = www.join("package-lock.json");
    let fresh = match (util::mtime(&installed), util::mtime(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if !util::on_path("npm") {
        println!("xtask: npm is missing; installing Node.js");
        apt_install(&["nodejs", "npm"])?;
    }
    run(Command::new("npm")
        .current_dir(&www)
        .args(["ci", "--no-audit", "--no-fund"]))
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    let how = format!("apt-get install -y {}", packages.join(" "));
    if !util::on_path("apt-get") {
        return Err(format!(
            "no apt-get here: install {} by hand",
            packages.join(", ")
        ));
    }
    let root = util::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let (program, prefix): (&str, &[&str]) = if root {
        ("apt-get", &[])
    } else if util::on_path("sudo") {
        ("sudo", &["-n", "apt-get"])
    } else {
        return Err(format!("not root and no sudo: run `{how}` as root"));
    };
    let apt = |args: &[&str]| {
        let mut command = Command::new(program);
        command
            .args(prefix)
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q"]);
    install.args(packages);
    run(&mut install).map_err(|e| format!("{e}\n  (try `{how}` as root)"))
}
