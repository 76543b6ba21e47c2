//! Reading a whole site's pjsip.conf: `cargo bench -p aorlab-registrar --bench pjsip_conf`.
//!
//! N phones, each an endpoint and an AOR built from two templates, the endpoint's
//! carrying an option aorlab does not model (so every section repeats a problem at the same
//! place and the diagnostics link to it). Time per section must stay flat from
//! 2,000 to 20,000 sections: the duplicate check, template look-up, repeat
//! linking and AOR-use check are set/map look-ups, not scans.

use aorlab_registrar::parse_pjsip_conf;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn site_conf(phones: usize) -> String {
    let mut conf = String::from(
        "[phone-ep](!)\ntype=endpoint\nrewrite_contact=yes\nqualify_frequency=60\n[phone-aor](!)\ntype=aor\nmax_contacts=2\nremove_existing=yes\nqualify_frequency=60\n",
    );
    for i in 0..phones {
        conf.push_str(&format!("[p{i}](phone-ep)\naors=p{i}\n[p{i}](phone-aor)\n"));
    }
    conf
}

fn parse_site(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse pjsip.conf, sections");
    for phones in [1_000usize, 10_000] {
        let conf = site_conf(phones);
        let (cfg, diags) = parse_pjsip_conf(&conf);
        assert_eq!(cfg.aors.len(), phones);
        assert_eq!(cfg.endpoints.len(), phones);
        assert!(
            !diags.is_empty(),
            "the template's unknown option is reported"
        );
        let sections = 2 * phones;
        g.throughput(Throughput::Elements(sections as u64));
        g.bench_with_input(BenchmarkId::from_parameter(sections), &conf, |b, conf| {
            b.iter(|| parse_pjsip_conf(black_box(conf)))
        });
    }
    g.finish();
}

criterion_group!(benches, parse_site);
criterion_main!(benches);
