//! The registrar core alone, REGISTERs already parsed (`Received::new` reads
//! their headers once, outside the timed part):
//! `cargo bench -p aorlab-registrar --bench registrar`.
//!
//! * one REGISTER against an AOR holding 100 bindings (refresh, eviction);
//! * a site of N AORs (one phone, one binding each) refreshed round-robin: the
//!   cost of a decision must not grow with N.
//!
//! Times are the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not
//! wall time: the build machine is shared, and a loaded machine stretches wall
//! time by waiting for a core, which says nothing about the code.

mod common;

use aorlab_registrar::{parse_pjsip_conf, Profile, Registrar};
use common::{register, site, T0};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{criterion_group, criterion_main, BenchmarkId, Throughput};
use std::hint::black_box;
use std::time::Duration;

type Criterion = criterion::Criterion<CpuTime>;

/// The calling thread's CPU time.
struct CpuTime;

fn thread_cpu() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

static WALL: WallTime = WallTime;

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;
    fn start(&self) -> Duration {
        thread_cpu()
    }
    fn end(&self, started: Duration) -> Duration {
        thread_cpu().saturating_sub(started)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, v: &Duration) -> f64 {
        v.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

fn cpu_time() -> Criterion {
    criterion::Criterion::default().with_measurement(CpuTime)
}

fn one_aor(c: &mut Criterion) {
    let (cfg, _) = parse_pjsip_conf("[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=100\nremove_existing=yes\n");
    let mut base = Registrar::new(Profile::default(), cfg, T0);
    for i in 0..100 {
        base.on_register(T0 + i as u64, &register("alice", i));
    }
    let refresh = register("alice", 50);
    let newcomer = register("alice", 500);
    c.bench_function("refresh, AOR with 100 bindings", |b| {
        // `_ref`: the cloned registrar is dropped outside the timed part.
        b.iter_batched_ref(
            || base.clone(),
            |r| black_box(r.on_register(T0 + 1000, &refresh)),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("new binding evicts one of 100 (remove_existing)", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |r| black_box(r.on_register(T0 + 1000, &newcomer)),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("parse REGISTER text", |b| {
        let text = refresh.request().to_text();
        b.iter(|| aorlab_sip::Message::parse(black_box(&text)).unwrap())
    });
}

fn site_refresh(c: &mut Criterion) {
    let mut g = c.benchmark_group("refresh, one binding per AOR");
    g.throughput(Throughput::Elements(1));
    for n in [100usize, 1_000, 10_000] {
        let (mut r, regs) = site(n);
        // 1 ms of simulated time per decision: every AOR is refreshed long
        // before its 600 s run out, whatever the number of iterations.
        let mut i = 0u64;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                i += 1;
                let rx = &regs[i as usize % regs.len()];
                black_box(r.on_register(T0 + 60_000 + i, rx))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = cpu_time();
    targets = one_aor, site_refresh
}
criterion_main!(benches);
