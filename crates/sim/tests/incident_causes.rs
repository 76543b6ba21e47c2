//! Incidents name their first cause: a NAT forgetting a mapping that qualify kept open is, when
//! Asterisk was down in that idle time, the restart's doing (the whole world, not a hand-made
//! trace: incidents.rs has the unit cases).

use aorlab_sim::{run_text, Cause, QualifySilenced};

/// `phones` phones behind one NAT that forgets UDP mappings after 120 s idle, their AORs
/// qualifying every 60 s (OPTIONS at :20 past each minute), registering for 10 minutes (they
/// refresh at 9:49, 19:38 and 29:27); `events` appended.
fn site(phones: usize, events: &str) -> String {
    let mut s = String::from("asterisk 22\npjsip.conf {\n");
    for i in 0..phones {
        s.push_str(&format!(
            "[p{i}]\ntype = endpoint\naors = p{i}\nrewrite_contact = yes\n\n[p{i}]\ntype = aor\nmax_contacts = 2\nremove_existing = yes\nqualify_frequency = 60\n\n"
        ));
    }
    s.push_str("}\nnat office public 203.0.113.7 udp-timeout 120s\n");
    for i in 0..phones {
        s.push_str(&format!(
            "device p{i} p{i} udp 10.0.0.{}:5060 behind office expires 600\n",
            i + 10
        ));
    }
    let all: Vec<String> = (0..phones).map(|i| format!("p{i}")).collect();
    s.push_str(&format!(
        "at 0s register {}\n{events}until 40m\n",
        all.join(" ")
    ));
    s
}

#[test]
fn a_restart_that_silenced_qualify_is_named_before_the_nat() {
    let t = run_text(&site(40, "at 25m asterisk restart graceful down 20s\n")).expect("runs");
    let forgotten: Vec<_> = (t.devices.iter())
        .flat_map(|d| &d.incidents)
        .filter(|i| matches!(i.cause, Cause::MappingForgotten { .. }))
        .collect();
    // The last OPTIONS before the restart at 25:00 went out at 24:00:20; Asterisk qualifies
    // again at a random point of the minute after it is up at 25:20, and a mapping idle since
    // 24:00:20 is forgotten at 26:00:20: about a third of the phones lose theirs.
    assert!(
        !forgotten.is_empty(),
        "no mapping was forgotten:\n{:#?}",
        t.summary
    );
    for i in &forgotten {
        assert_eq!(
            i.qualify_silenced,
            Some(QualifySilenced {
                restart_at_ms: 1_500_000,
                qualify_s: 60
            }),
            "{}",
            i.text
        );
        assert!(
            i.start_ms > 1_500_000 && i.start_ms <= 1_500_000 + 20_000 + 120_000,
            "{}",
            i.text
        );
        assert!(
            i.text.contains(
                "Asterisk restarted at 25:00 and qualify (every 60 s) stopped, so office forgot"
            ),
            "{}",
            i.text
        );
    }
    let line = (t.summary.iter())
        .find(|l| l.contains("unreachable"))
        .expect("a phone in trouble");
    assert!(line.contains(": Asterisk restarted at 25:00"), "{line}");
    // Without the restart, qualify keeps every mapping open.
    let calm = run_text(&site(40, "")).expect("runs");
    assert!(
        calm.devices.iter().all(|d| d.incidents.is_empty()),
        "{:#?}",
        calm.summary
    );
}
