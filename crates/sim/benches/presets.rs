//! How long a whole scenario takes natively: parse + run + trace, per preset.
//! (The page re-runs on every edit, so this bounds edit-to-redraw.)

use aorlab_sim::{run_text, PRESETS};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn presets(c: &mut Criterion) {
    let mut g = c.benchmark_group("run_preset");
    for p in PRESETS {
        g.bench_function(p.name, |b| b.iter(|| run_text(black_box(p.text)).unwrap()));
    }
    g.finish();
}

fn big_world(c: &mut Criterion) {
    // 200 phones behind 10 NATs for a day: the scale a "what if" on a real site needs.
    let mut text = String::from("pjsip.conf {\n[site]\ntype=endpoint\naors=site\nrewrite_contact=yes\n[site]\ntype=aor\nmax_contacts=400\nremove_existing=yes\n}\n");
    for n in 0..10 {
        text.push_str(&format!(
            "nat n{n} public 203.0.113.{} udp-timeout 60s\n",
            n + 1
        ));
    }
    for i in 0..200 {
        text.push_str(&format!(
            "device d{i} site udp 192.168.{}.{}:5060 behind n{} expires 600\n",
            i / 200,
            i % 200 + 2,
            i % 10
        ));
    }
    text.push_str("at 0s register");
    for i in 0..200 {
        text.push_str(&format!(" d{i}"));
    }
    text.push_str("\nuntil 1d\n");
    let mut g = c.benchmark_group("big_world");
    g.sample_size(10);
    g.bench_function("200 phones, 10 NATs, 1 day", |b| {
        b.iter(|| run_text(black_box(&text)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, presets, big_world);
criterion_main!(benches);
