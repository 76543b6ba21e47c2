//! Prints the scenario a fuzz input (or a seed) stands for:
//! `cargo run -p aorlab-gen --example scenario -- target/fuzz/artifacts/pipeline/crash-…`
//! or `… -- --seed 42` (the native = wasm check's scenarios).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = match args.as_slice() {
        [flag, seed] if flag == "--seed" => aorlab_gen::from_seed(seed.parse().expect("a number")),
        [path] => {
            let bytes = std::fs::read(path).expect("a readable file");
            let size = aorlab_gen::fuzz_size(&bytes);
            aorlab_gen::scenario_sized(&mut aorlab_gen::Unstructured::new(&bytes), size)
                .expect("never fails")
        }
        _ => {
            eprintln!("usage: scenario FILE | --seed N");
            std::process::exit(2);
        }
    };
    print!("{text}");
}
