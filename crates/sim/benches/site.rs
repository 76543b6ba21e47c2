//! A whole site through the whole world (parse + run + trace), as `aorlab gen
//! site` writes it: each phone on its own AOR, 20 NATs, qualify 60 s, a NAT
//! reboot and an Asterisk restart. The work budget is lifted so a slow world
//! shows up as time, not as a run cut short. One simulated hour per iteration
//! keeps criterion's ten samples within minutes; the cost is linear in time, and
//! README's table of whole days comes from the release CLI on the same scenarios.
//! It runs on the CLI's allocator (`crates/alloc`, mimalloc), as the registrar
//! bench does; until stop 32 it ran on the system's.

use aorlab_sim::{parse, site_scenario, SiteSpec, StateIndex, World};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

#[global_allocator]
static ALLOC: aorlab_alloc::Mimalloc = aorlab_alloc::Mimalloc;

fn run_site(text: &str) -> usize {
    let (sc, warnings) = parse(text).expect("generated site parses");
    let t = World::new(sc).with_work_budget(u64::MAX).run(warnings);
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    t.records.len()
}

fn site(c: &mut Criterion) {
    let mut g = c.benchmark_group("site");
    g.sample_size(10);
    let sizes: &[usize] = if std::env::var_os("AORLAB_BENCH_10K").is_some() {
        &[100, 1_000, 2_000, 10_000]
    } else {
        &[100, 1_000, 2_000]
    };
    for &phones in sizes {
        let text = site_scenario(&SiteSpec {
            phones,
            nats: 20,
            hours: 1,
            qualify_s: 60,
            seed: 1,
        });
        g.bench_function(format!("{phones} phones x 1 h"), |b| {
            b.iter(|| run_site(black_box(&text)))
        });
    }
    g.finish();
}

/// Moving the page's cursor: the state at a time of a 2,000-phone hour, from the
/// state log (checkpoint + changes, `pjsip show contacts` and dial strings made), and the
/// windowed state the page asks for (`StateIndex::window`).
fn state_at(c: &mut Criterion) {
    let text = site_scenario(&SiteSpec {
        phones: 2_000,
        nats: 20,
        hours: 1,
        qualify_s: 60,
        seed: 1,
    });
    let (sc, warnings) = parse(&text).expect("generated site parses");
    let t = World::new(sc).with_work_budget(u64::MAX).run(warnings);
    let mut g = c.benchmark_group("state_at");
    g.sample_size(20);
    g.bench_function("2000 phones, mid-hour", |b| {
        b.iter(|| t.state_at(black_box(1_800_000)).contacts.len())
    });
    // What the page asks on a cursor move: 25 rows and 8 dial strings (no filter).
    let index = StateIndex::new(&t.state_log);
    g.bench_function("2000 phones, mid-hour, page window", |b| {
        b.iter(|| {
            index
                .window(&t.state_log, black_box(1_800_000), "", 25)
                .contacts
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, state_at, site);
criterion_main!(benches);
