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

use aorlab_registrar::{parse_pjsip_conf, Addr, Profile, Protocol, Received, Registrar};
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

const T0: u64 = 1_767_225_600_000;

/// A REGISTER from `user`, its `n`-th phone behind a NAT.
fn register(user: &str, n: usize) -> Received {
    let (a, b) = (n / 250 % 250, n % 250);
    let text = format!(
        "REGISTER sip:198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.{a}.{b}:5060;rport;branch=z9hG4bK{n}\r\nFrom: <sip:{user}@198.51.100.10>;tag=t{n}\r\nTo: <sip:{user}@198.51.100.10>\r\nCall-ID: c{n}\r\nCSeq: 1 REGISTER\r\nContact: <sip:{user}@10.0.{a}.{b}:5060>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
    );
    Received::new(
        aorlab_sip::Message::parse(&text).unwrap(),
        Addr::new("203.0.113.7", 20000 + (n % 40000) as u16),
        Protocol::Udp,
        None,
        None,
    )
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

/// `n` phones, each its own endpoint and AOR (max_contacts 2, remove_existing),
/// each registered once; returns the registrar and the refreshes.
fn site(n: usize) -> (Registrar, Vec<Received>) {
    let mut conf = String::new();
    for i in 0..n {
        conf.push_str(&format!(
            "[p{i}]\ntype=endpoint\naors=p{i}\nrewrite_contact=yes\n[p{i}]\ntype=aor\nmax_contacts=2\nremove_existing=yes\n"
        ));
    }
    let (cfg, _) = parse_pjsip_conf(&conf);
    let mut r = Registrar::new(Profile::default(), cfg, T0);
    let regs: Vec<Received> = (0..n).map(|i| register(&format!("p{i}"), i)).collect();
    for (i, rx) in regs.iter().enumerate() {
        let out = r.on_register(T0 + i as u64, rx);
        assert_eq!(out.response.map(|m| m.status()), Some(200));
    }
    (r, regs)
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
