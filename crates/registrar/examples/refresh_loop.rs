//! The registrar bench's site refreshed round-robin, outside criterion, for a
//! profiler: `valgrind --tool=callgrind target/release/examples/refresh_loop
//! 10000 400000` (AORs, decisions). Prints the mean time per decision.

#[path = "../benches/common/mod.rs"]
mod common;

use common::{site, T0};
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>());
    let (Some(Ok(n)), Some(Ok(k))) = (args.next(), args.next()) else {
        eprintln!("usage: refresh_loop AORS DECISIONS");
        std::process::exit(2);
    };
    let (mut r, regs) = site(n as usize);
    let t = std::time::Instant::now();
    for i in 1..=k {
        let rx = &regs[i as usize % regs.len()];
        black_box(r.on_register(T0 + 60_000 + i, rx));
    }
    let ns = t.elapsed().as_nanos() as f64 / k.max(1) as f64;
    eprintln!("{n} AORs: {ns:.0} ns per decision");
}
