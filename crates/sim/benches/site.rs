//! A whole site through the whole world (parse + run + trace), as `aorlab gen
//! site` writes it: each phone on its own AOR, 20 NATs, qualify 60 s, a NAT
//! reboot and an Asterisk restart. The work budget is lifted so a slow world
//! shows up as time, not as a run cut short. README's scale table comes from
//! the release CLI on the same scenarios; this keeps the curve from regressing.

use aorlab_sim::{parse, site_scenario, SiteSpec, World};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn run_site(text: &str) -> usize {
    let (sc, warnings) = parse(text).expect("generated site parses");
    let t = World::new(sc).with_work_budget(u64::MAX).run(warnings);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    t.records.len()
}

fn site(c: &mut Criterion) {
    let mut g = c.benchmark_group("site");
    g.sample_size(10);
    // Small enough to measure in a minute today (the world still costs a pass
    // over the site per event); grow these as the world gets linear.
    for (phones, hours) in [(25, 1), (50, 1), (100, 1)] {
        let text = site_scenario(&SiteSpec {
            phones,
            nats: 20,
            hours,
            qualify_s: 60,
            seed: 1,
        });
        g.bench_function(format!("{phones} phones x {hours} h"), |b| {
            b.iter(|| run_site(black_box(&text)))
        });
    }
    g.finish();
}

criterion_group!(benches, site);
criterion_main!(benches);
