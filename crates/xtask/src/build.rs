//! `cargo xtask build`: the wasm (profile `wasm`), its JS glue, and the page bundle, into www/dist.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use wasm_bindgen_cli_support::Bindgen;

use crate::setup;
use crate::util::{self, run};

/// Files copied as they are from www/ into www/dist.
const STATIC_FILES: &[&str] = &[
    "index.html",
    "embed.html",
    "docs-example.html",
    "style.css",
    "shell.css",
    "favicon.svg",
];

/// Page bundles: the playground, the simulation's worker, the embed view.
const ENTRY_POINTS: &[&str] = &[
    "src/main.ts",
    "src/worker.ts",
    "src/import/worker.ts",
    "src/compare/worker.ts",
    "src/embed.ts",
    "src/docs-example.ts",
];

/// What a build produced, for the size report.
pub struct Built {
    pub wasm_bytes: usize,
    pub wasm_gzip_bytes: usize,
}

/// Writes www/src/generated/trace.ts from the Rust types: the ts-rs declarations that
/// crates/wasm/src/generated.rs collects (its test checks the committed file; with
/// AORLAB_WRITE_TYPES it writes it instead).
pub fn types() -> Result<(), String> {
    run(util::cargo()
        .args([
            "test",
            "--quiet",
            "--package",
            "aorlab-wasm",
            "--lib",
            "generated::generated_typescript_types_are_current",
        ])
        .env("AORLAB_WRITE_TYPES", "1"))
}

/** The Cargo profile of the page's wasm (size first; native builds use `release`). */
pub const WASM_PROFILE: &str = "wasm";

pub fn build() -> Result<Built, String> {
    let start = Instant::now();
    setup::wasm_target()?;
    setup::npm_packages()?;
    // 0. The page's types, generated from the Rust types it receives.
    types()?;

    // 1. The wasm module, `wasm` profile (the release profile tuned for size, root Cargo.toml).
    run(util::cargo().args([
        "build",
        "--package",
        "aorlab-wasm",
        // The capture import: its own module, fetched only when someone imports.
        "--package",
        "aorlab-import-wasm",
        "--profile",
        WASM_PROFILE,
        "--target",
        setup::WASM_TARGET,
    ]))?;
    let input = util::target_dir()
        .join(setup::WASM_TARGET)
        .join(WASM_PROFILE)
        .join("aorlab_wasm.wasm");

    // 2. The JS glue, as `wasm-bindgen --target web` would write it.
    let dist = util::dist();
    let pkg = dist.join("pkg");
    if pkg.exists() {
        fs::remove_dir_all(&pkg).map_err(|e| format!("cannot clear {}: {e}", pkg.display()))?;
    }
    for name in ["aorlab_wasm", "aorlab_import_wasm"] {
        let input = input.with_file_name(format!("{name}.wasm"));
        println!("$ wasm-bindgen --target web --out-dir www/dist/pkg {name}.wasm (wasm-bindgen-cli-support)");
        Bindgen::new()
            .input_path(&input)
            .web(true)
            .map_err(|e| format!("wasm-bindgen: {e}"))?
            .omit_default_module_path(false)
            .remove_name_section(true)
            .typescript(true)
            .generate(&pkg)
            .map_err(|e| format!("wasm-bindgen on {}: {e:#}", input.display()))?;
    }
    let wasm = pkg.join("aorlab_wasm_bg.wasm");

    // 3. The page: TypeScript bundled by esbuild, plus the static files.
    let www = util::www();
    let esbuild = www.join("node_modules/.bin/esbuild");
    run(Command::new(&esbuild)
        .current_dir(&www)
        .args(ENTRY_POINTS)
        .args([
            "--bundle",
            "--format=esm",
            "--target=es2022",
            "--minify",
            "--sourcemap",
            "--log-level=warning",
            "--outdir=dist",
        ]))?;
    for name in STATIC_FILES {
        let from = www.join(name);
        if from.exists() {
            fs::copy(&from, dist.join(name))
                .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
        }
    }

    let built = measure(&wasm)?;
    let js_size = |name: &str| {
        fs::metadata(dist.join(name))
            .map(|m| m.len() as usize)
            .unwrap_or(0)
    };
    println!(
        "xtask build: {} in {}\n  wasm {} raw, {} gzip\n  main.js {}, worker.js {}, embed.js {}",
        rel(&dist),
        util::secs(start),
        util::size(built.wasm_bytes),
        util::size(built.wasm_gzip_bytes),
        util::size(js_size("main.js")),
        util::size(js_size("worker.js")),
        util::size(js_size("embed.js")),
    );
    Ok(built)
}

fn measure(wasm: &Path) -> Result<Built, String> {
    let bytes = fs::read(wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    Ok(Built {
        wasm_bytes: bytes.len(),
        wasm_gzip_bytes: gzip_len(&bytes),
    })
}

pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(bytes)
        .expect("writing to a Vec cannot fail");
    encoder
        .finish()
        .expect("writing to a Vec cannot fail")
        .len()
}

pub fn rel(path: &Path) -> String {
    path.strip_prefix(util::root())
        .unwrap_or(path)
        .display()
        .to_string()
}
