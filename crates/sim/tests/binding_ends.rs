//! Every binding's life ends in exactly one recorded way, and the bindings
//! without an end are exactly the contacts Asterisk still holds at the end.
//! Checked over every preset (in every branch's latest release) and over
//! random scenarios (NAT rebinds, roaming, drops, restarts, dials, qualify).

use aorlab_sim::{preset, run_text, EndedBy, Trace, PRESETS};
use std::collections::BTreeSet;

fn check(name: &str, t: &Trace) {
    let open: BTreeSet<(String, String)> = t
        .bindings
        .iter()
        .filter(|b| b.removed_ms.is_none())
        .map(|b| (b.aor.clone(), b.uri.clone()))
        .collect();
    // final_state lists what has not expired; an expired binding that no sweep
    // or read has deleted yet is still stored, and still open.
    let end = t.end_ms;
    let fin: BTreeSet<(String, String)> = t
        .final_state
        .contacts
        .iter()
        .filter(|c| c.status != "static")
        .map(|c| (c.aor.clone(), c.uri.clone()))
        .collect();
    for b in &t.bindings {
        match b.removed_ms {
            None => assert_eq!(b.ended_by, EndedBy::Present, "{name}: {b:?}"),
            Some(r) => {
                assert_ne!(b.ended_by, EndedBy::Present, "{name}: {b:?}");
                assert!(r >= b.added_ms && r <= end, "{name}: {b:?}");
                assert!(b.end_why.is_some(), "{name}: {b:?}");
                if b.ended_by == EndedBy::DeletedOnRead {
                    let e = b.expired_ms.expect("expiry of a read-deleted binding");
                    assert!(e <= r, "{name}: deleted before it expired: {b:?}");
                    let why = b.end_why.as_deref().unwrap();
                    assert!(why.contains("without a log line"), "{name}: {why}");
                }
            }
        }
    }
    assert!(
        fin.is_subset(&open),
        "{name}: contacts without an open binding: {:?}",
        fin.difference(&open).collect::<Vec<_>>()
    );
    // the rest are stored but expired, waiting for the next sweep (≤ 60 s here)
    // or read: Asterisk has not deleted them yet
    for b in t.bindings.iter().filter(|b| b.removed_ms.is_none()) {
        if !fin.contains(&(b.aor.clone(), b.uri.clone())) {
            assert!(
                b.expires_ms <= end && end - b.expires_ms <= 61_000,
                "{name}: open binding neither current nor just expired: {b:?}"
            );
        }
    }
}

#[test]
fn every_preset_in_every_branch_ends_every_binding() {
    for p in PRESETS {
        for v in ["13", "16", "17", "18", "20.15.2", "20", "22"] {
            let text = aorlab_sim::edit::set_version(preset(p.name).unwrap().text, v);
            let Ok(t) = run_text(&text) else {
                continue; // an option this release lacks: an error, not a trace
            };
            check(&format!("{} @ {v}", p.name), &t);
        }
    }
}

#[test]
fn the_ghosts_of_tcp_drop_and_double_max_are_gone() {
    for name in ["tcp-drop", "double-max"] {
        let t = run_text(preset(name).unwrap().text).unwrap();
        let fin: BTreeSet<_> = t
            .final_state
            .contacts
            .iter()
            .map(|c| c.uri.clone())
            .collect();
        for b in t.bindings.iter().filter(|b| b.removed_ms.is_none()) {
            assert!(fin.contains(&b.uri), "{name}: ghost {b:?}");
        }
        // and at least one binding there ends because a read found it expired
        assert!(
            t.bindings
                .iter()
                .any(|b| b.ended_by == EndedBy::DeletedOnRead),
            "{name}"
        );
    }
}

/// splitmix64: a tiny deterministic generator for the scenarios below.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_scenario(seed: u64) -> String {
    let mut r = Rng(seed);
    let version = r.pick(&["13.17", "16.7", "18", "20.15.2", "20", "22"]);
    let mut s = format!("asterisk {version}\nseed {seed}\n\npjsip.conf {{\n[global]\ntype = global\ncontact_expiration_check_interval = {}\n", r.pick(&["5", "30", "60"]));
    let users = ["alice", "bob"];
    for u in users {
        s += &format!(
            "[{u}]\ntype = endpoint\naors = {u}\nrewrite_contact = {}\n\n[{u}]\ntype = aor\nmax_contacts = {}\nremove_existing = {}\nminimum_expiration = 10\nqualify_frequency = {}\n\n",
            r.pick(&["yes", "no"]),
            1 + r.below(3),
            r.pick(&["yes", "no"]),
            r.pick(&["0", "0", "20"]),
        );
    }
    s += "}\n\nnat home public 203.0.113.7 udp-timeout 45s\n";
    let devs = ["d0", "d1", "d2", "d3"];
    for (i, d) in devs.iter().enumerate() {
        let user = users[i % 2];
        let tr = r.pick(&["udp", "udp", "tcp"]);
        let behind = if r.below(2) == 0 { " behind home" } else { "" };
        s += &format!(
            "device {d} {user} {tr} 192.168.1.{}:5060{behind} expires {} on-403 retry {}s\n",
            10 + i,
            r.pick(&["20", "60", "120"]),
            r.pick(&["15", "40"]),
        );
    }
    s += "\n";
    let mut t = 0;
    for d in devs {
        s += &format!("at {t}s register {d}\n");
        t += 1 + r.below(5);
    }
    for _ in 0..12 {
        t += 5 + r.below(90);
        let d = r.pick(&devs);
        let line = match r.below(9) {
            0 => format!("offline {d}"),
            1 => format!("online {d}"),
            2 => format!("drop {d}"),
            3 => format!("reboot {d}"),
            4 => format!("nat home rebind {d}"),
            5 => format!("dial {}", r.pick(&users)),
            6 => format!("unregister {d}"),
            7 => "asterisk restart".to_string(),
            _ => format!("roam {d} 192.168.2.{}:5060", 10 + r.below(50)),
        };
        s += &format!("at {t}s {line}\n");
    }
    s += &format!("until {}s\n", t + r.below(400));
    s
}

#[test]
fn random_scenarios_end_every_binding() {
    let mut ends = std::collections::BTreeMap::<String, usize>::new();
    for seed in 0..60 {
        let text = random_scenario(seed);
        let t = run_text(&text).unwrap_or_else(|d| panic!("seed {seed}: {d:?}\n{text}"));
        check(&format!("seed {seed}:\n{text}"), &t);
        for b in &t.bindings {
            *ends.entry(b.ended_by.to_string()).or_default() += 1;
        }
    }
    // the scenarios reach every way a binding ends
    for e in [
        "present",
        "expired",
        "deleted on read",
        "connection closed",
        "request",
        "remove existing",
    ] {
        assert!(ends.get(e).is_some_and(|n| *n > 0), "no '{e}' in {ends:?}");
    }
}
