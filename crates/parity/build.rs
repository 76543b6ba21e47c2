//! Runs the generated scenarios natively and writes `OUT_DIR/native.txt`, one
//! `seed digest length` line per scenario, for the wasm test to compare with.

#[path = "src/lib.rs"]
mod parity;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/lib.rs");
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("native.txt");
    // Only the wasm test reads the digests; native builds (clippy, check) skip the runs.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        std::fs::write(path, "").expect("OUT_DIR is writable");
        return;
    }
    let mut out = String::new();
    for seed in 0..parity::SCENARIOS {
        let text = aorlab_gen::from_seed(seed);
        let json = match aorlab_sim::run_text(&text) {
            Ok(trace) => serde_json::to_string(&trace).expect("a trace serialises"),
            Err(e) => panic!("generated scenario {seed} does not parse: {e:?}\n{text}"),
        };
        out.push_str(&parity::line(seed, &json));
        out.push('\n');
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("native.txt");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}
