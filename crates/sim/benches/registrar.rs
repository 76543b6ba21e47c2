//! The registrar core alone: one REGISTER against an AOR holding many bindings.

use aorlab_registrar::{parse_pjsip_conf, Addr, Profile, Protocol, Received, Registrar};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn register(n: usize) -> Received {
    let text = format!(
        "REGISTER sip:198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.{}.{}:5060;rport;branch=z9hG4bK{n}\r\nFrom: <sip:alice@198.51.100.10>;tag=t{n}\r\nTo: <sip:alice@198.51.100.10>\r\nCall-ID: c{n}\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.{}.{}:5060>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n",
        n / 250, n % 250, n / 250, n % 250
    );
    Received {
        request: aorlab_sip::Message::parse(&text).unwrap(),
        source: Addr::new("203.0.113.7", 20000 + n as u16),
        protocol: Protocol::Udp,
        conn: None,
        transport: None,
    }
}

fn bench(c: &mut Criterion) {
    let (cfg, _) = parse_pjsip_conf("[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=100\nremove_existing=yes\n");
    let now = 1_767_225_600_000u64;
    let mut base = Registrar::new(Profile::default(), cfg, now);
    for i in 0..100 {
        base.on_register(now + i as u64, &register(i));
    }
    let refresh = register(50);
    let newcomer = register(500);
    c.bench_function("refresh, AOR with 100 bindings", |b| {
        b.iter_batched(
            || base.clone(),
            |mut r| black_box(r.on_register(now + 1000, &refresh)),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("new binding evicts one of 100 (remove_existing)", |b| {
        b.iter_batched(
            || base.clone(),
            |mut r| black_box(r.on_register(now + 1000, &newcomer)),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("parse REGISTER text", |b| {
        let text = refresh.request.to_text();
        b.iter(|| aorlab_sip::Message::parse(black_box(&text)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
