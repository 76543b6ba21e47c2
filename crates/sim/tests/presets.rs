//! Every preset runs, and its lesson is what actually happens.

use aorlab_sim::{
    preset, run_text, BindingChange, Cause, EndedBy, Incident, NatEvent, Reach, RecordKind, Trace,
    PRESETS,
};

/// Every preset whose lesson a test below checks. A new preset without claims fails.
const CHECKED: &[&str] = &[
    "demo",
    "three-phones",
    "nat-403",
    "remove-existing",
    "double-max",
    "tcp-drop",
    "restart",
    "old-remove-existing",
    "max-contacts-zero",
    "remove-unavailable",
    "ring-order",
    "qualify-nat",
    "keepalives",
    "tcp-nat-idle",
];

#[test]
fn every_preset_lesson_is_checked() {
    let mut names: Vec<_> = PRESETS.iter().map(|p| p.name).collect();
    let mut checked = CHECKED.to_vec();
    names.sort();
    checked.sort();
    assert_eq!(names, checked);
}

fn forgot(t: &Trace, device: &str) -> Vec<u64> {
    t.records
        .iter()
        .filter(|r| matches!(&r.nat, Some(NatEvent::Forgot { device: d, .. }) if d == device))
        .map(|r| r.at_ms)
        .collect()
}

fn incidents<'a>(t: &'a Trace, name: &str) -> &'a [Incident] {
    &dev(t, name).incidents
}

fn run(name: &str) -> Trace {
    run_text(preset(name).expect("preset exists").text).unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

fn dev<'a>(t: &'a Trace, name: &str) -> &'a aorlab_sim::DeviceSummary {
    t.devices.iter().find(|d| d.device == name).expect("device")
}

fn rejected(t: &Trace) -> usize {
    t.records
        .iter()
        .filter(|r| r.change == Some(BindingChange::Rejected))
        .count()
}

#[test]
fn every_preset_has_title_lesson_and_runs_without_warnings() {
    assert!(PRESETS.len() >= 10);
    for p in PRESETS {
        assert!(
            !p.title().is_empty() && !p.lesson().is_empty(),
            "{}",
            p.name
        );
        let t = run(p.name);
        if p.name == "max-contacts-zero" {
            // the checker warns about exactly the mistake this preset shows
            assert!(t
                .warnings
                .iter()
                .any(|w| w.message.contains("max_contacts = 0")));
        } else {
            assert!(t.warnings.is_empty(), "{}: {:?}", p.name, t.warnings);
        }
        assert!(!t.summary.is_empty(), "{}", p.name);
    }
}

#[test]
fn demo_second_phone_gets_403() {
    let t = run("demo");
    assert_eq!(dev(&t, "soft").rejections_403, 1);
    assert!(dev(&t, "soft").gave_up);
    let inc = &dev(&t, "soft").incidents[0];
    assert_eq!((inc.start_ms / 1000, inc.state), (5, Reach::GaveUp));
    assert!(matches!(inc.cause, Cause::Rejected { code: 403, .. }));
    assert!(dev(&t, "desk").incidents.is_empty());
    assert_eq!(t.final_state.contacts.len(), 1);
    assert_eq!(t.final_state.contacts[0].uri, "sip:alice@192.168.1.10:5060");
    assert!(t.records.iter().any(|r| r
        .log
        .as_deref()
        .is_some_and(|l| l.contains("will exceed max contacts of 1"))));
}

#[test]
fn three_phones_all_ring() {
    let t = run("three-phones");
    let dial = t
        .records
        .iter()
        .find(|r| r.kind == RecordKind::Dial)
        .expect("dial record");
    let mut ring = dial.devices.clone();
    ring.sort();
    assert_eq!(ring, vec!["home", "mobile", "office"]);
    assert_eq!(rejected(&t), 0);
}

#[test]
fn nat_403_loses_the_desk_phone() {
    let t = run("nat-403");
    let desk = dev(&t, "desk");
    assert_eq!(desk.rejections_403, 1);
    assert!(desk.gave_up);
    // From 1:00 the NAT has forgotten desk's mapping: registered but unreachable…
    assert_eq!(forgot(&t, "desk")[0], 60_000);
    let inc = &desk.incidents[0];
    assert_eq!((inc.start_ms, inc.state), (60_000, Reach::Stale));
    assert!(
        matches!(
            inc.cause,
            Cause::MappingForgotten {
                idle_ms: 60_000,
                ..
            }
        ),
        "{inc:?}"
    );
    // …and from its refresh at 4:49 not registered: 403 max_contacts, never recovering.
    let inc = &desk.incidents[1];
    assert_eq!(inc.state, Reach::GaveUp);
    assert_eq!(inc.start_ms / 1000, 289);
    assert_eq!(
        inc.cause,
        Cause::Rejected {
            code: 403,
            reason: "max_contacts".into()
        }
    );
    assert_eq!(inc.end_ms, None, "never recovers");
    // the refresh came from a new public port: rewrite_contact made it a new binding
    assert!(t.records.iter().any(|r| r.kind == RecordKind::Nat
        && r.summary.contains("new mapping 192.168.1.10:5060")
        && r.at_ms > 0));
    assert!(
        t.summary[0].starts_with("desk: unreachable 3m 49s"),
        "{:?}",
        t.summary
    );
    assert_eq!(
        dev(&t, "soft").incidents.len(),
        0,
        "soft keeps its mapping alive with CRLF keep-alives"
    );
    assert!(forgot(&t, "soft").is_empty());
}

#[test]
fn remove_existing_refuses_evicts_or_keeps() {
    let t = run("remove-existing");
    // refuse: remove_existing=no answers 403 and the phone gives up.
    let refuse = dev(&t, "refuse");
    assert_eq!(refuse.rejections_403, 1);
    assert!(refuse.gave_up);
    // evict: every refresh evicts its own stale binding; never refused, never
    // unregistered, but unreachable between refreshes because the NAT forgets.
    let evict = dev(&t, "evict");
    assert_eq!(evict.rejections_403, 0);
    assert_eq!(evict.unregistered_ms, 0, "the registration is never lost");
    assert!(evict.unreachable_ms > 0);
    assert!(evict
        .incidents
        .iter()
        .all(|i| i.state == Reach::Stale && matches!(i.cause, Cause::MappingForgotten { .. })));
    assert!(t
        .bindings
        .iter()
        .any(|b| b.aor == "evict" && b.ended_by == EndedBy::RemoveExisting));
    // keep: keep-alives hold the mapping; reachable throughout.
    let keep = dev(&t, "keep");
    assert!(keep.incidents.is_empty());
    assert!(forgot(&t, "keep").is_empty());
    assert_eq!(
        keep.reachable_ms,
        keep.wanted_ms - 20,
        "all but the first REGISTER's trip"
    );
    assert_eq!(rejected(&t), 1);
}

#[test]
fn qualify_keeps_the_nat_open() {
    let t = run("qualify-nat");
    assert!(
        forgot(&t, "desk").is_empty(),
        "desk's OPTIONS answers refresh its mapping"
    );
    assert!(incidents(&t, "desk").is_empty());
    assert!(
        t.records
            .iter()
            .filter(|r| r.kind == RecordKind::Sip
                && r.actor == "desk"
                && r.summary.starts_with("200 OK (to OPTIONS)"))
            .count()
            >= 30
    );
    assert_eq!(forgot(&t, "lobby")[0], 45_000);
    let inc = &incidents(&t, "lobby")[0];
    assert_eq!((inc.start_ms, inc.state), (45_000, Reach::Stale));
    let dial = |ep: &str| {
        t.records
            .iter()
            .find(|r| r.kind == RecordKind::Dial && r.summary.starts_with(&format!("Dial {ep}:")))
            .unwrap()
            .devices
            .clone()
    };
    assert_eq!(dial("desk"), vec!["desk"]);
    assert!(dial("lobby").is_empty(), "calls cannot reach lobby");
}

#[test]
fn keepalives_hold_the_mapping_and_stun_notices_a_rebind() {
    let t = run("keepalives");
    assert_eq!(forgot(&t, "quiet")[0], 60_000);
    assert!(incidents(&t, "quiet")
        .iter()
        .all(|i| i.state == Reach::Stale && matches!(i.cause, Cause::MappingForgotten { .. })));
    for d in ["crlf", "stun"] {
        assert!(forgot(&t, d).is_empty(), "{d}");
        let inc = incidents(&t, d);
        assert_eq!(inc.len(), 1, "{d}: only the rebind");
        assert_eq!(inc[0].start_ms, 310_000);
        assert!(matches!(inc[0].cause, Cause::NatRebind { .. }));
    }
    let gap = |d: &str| incidents(&t, d)[0].end_ms.unwrap() - 310_000;
    assert!(
        gap("stun") <= 25_000,
        "stun registers again at its next keep-alive"
    );
    assert!(gap("crlf") > 4 * 60_000, "crlf waits for its refresh");
    assert!(t.records.iter().any(|r| r.actor == "stun"
        && r.summary
            .starts_with("STUN keep-alive shows a new public address")));
}

#[test]
fn tcp_through_a_nat_that_drops_idle_connections() {
    let t = run("tcp-nat-idle");
    let quiet = incidents(&t, "quiet");
    assert_eq!(forgot(&t, "quiet")[0], 300_000);
    assert_eq!((quiet[0].start_ms, quiet[0].state), (300_000, Reach::Stale));
    assert!(
        matches!(&quiet[0].cause, Cause::MappingForgotten { protocol, .. } if protocol == "tcp")
    );
    // the hourly refresh meets a reset, reconnects and registers again
    let back = quiet[0].end_ms.expect("recovers at its refresh");
    assert!((59 * 60_000..61 * 60_000).contains(&back), "{back}");
    assert!(t
        .records
        .iter()
        .any(|r| r.actor == "quiet" && r.summary.contains("reset: the NAT had forgotten it")));
    for d in ["crlf", "both"] {
        assert!(forgot(&t, d).is_empty(), "{d}");
        assert!(incidents(&t, d).is_empty(), "{d}");
    }
}

#[test]
fn double_max_absorbs_stale_bindings() {
    let t = run("double-max");
    assert_eq!(rejected(&t), 0);
    assert!(
        t.counts.iter().any(|c| c.bindings > 2),
        "stale bindings pile up"
    );
    assert!(t.bindings.iter().any(|b| b.ended_by == EndedBy::Expired));
}

#[test]
fn tcp_drop_depends_on_rewrite_contact() {
    let t = run("tcp-drop");
    assert!(t
        .bindings
        .iter()
        .any(|b| b.aor == "alice" && b.ended_by == EndedBy::ConnectionClosed));
    assert_eq!(dev(&t, "deskA").rejections_403, 0);
    assert!(
        dev(&t, "deskB").rejections_403 >= 1,
        "stale TCP binding without rewrite blocks the reconnect"
    );
    // deskB: the stale binding blocks the reconnect with 403 until it expires.
    let inc = &dev(&t, "deskB").incidents;
    assert_eq!(inc[0].state, Reach::Stale);
    assert!(matches!(inc[0].cause, Cause::ConnectionClosed { .. }));
    assert_eq!(inc[1].state, Reach::Unregistered);
    assert!(matches!(inc[1].cause, Cause::Rejected { code: 403, .. }));
    assert!(
        inc[1].end_ms.is_some(),
        "recovers once the stale binding expires"
    );
    // deskA: the binding goes with the connection and comes back a second later.
    let a = dev(&t, "deskA");
    assert_eq!(a.unregistered_ms / 1000, 1);
}

#[test]
fn restart_prunes_only_connection_bound_bindings() {
    let t = run("restart");
    let pruned: Vec<_> = t
        .bindings
        .iter()
        .filter(|b| b.ended_by == EndedBy::PrunedAtBoot)
        .collect();
    assert_eq!(pruned.len(), 1);
    assert!(pruned[0].uri.contains("transport=TCP"));
    assert!(t
        .bindings
        .iter()
        .any(|b| b.device.as_deref() == Some("desk") && b.removed_ms.is_none()));
}

#[test]
fn old_remove_existing_removes_every_other_binding() {
    let t = run("old-remove-existing");
    let removed: Vec<_> = t
        .bindings
        .iter()
        .filter(|b| b.ended_by == EndedBy::RemoveExisting)
        .collect();
    assert!(!removed.is_empty());
    // the same text with version 22 removes nothing (3 slots, 2 phones)
    let text = preset("old-remove-existing")
        .unwrap()
        .text
        .replace("asterisk 13.17", "asterisk 22");
    let t22 = run_text(&text).unwrap();
    assert!(t22
        .bindings
        .iter()
        .all(|b| b.ended_by != EndedBy::RemoveExisting));
}

#[test]
fn max_contacts_zero_refuses_everything() {
    let t = run("max-contacts-zero");
    assert!(
        dev(&t, "desk").rejections_403 >= 3,
        "retries keep getting 403"
    );
    assert_eq!(dev(&t, "desk").reachable_ms, 0);
    assert!(t.records.iter().any(|r| r
        .log
        .as_deref()
        .is_some_and(|l| l.contains("has no configured max_contacts"))));
}

#[test]
fn remove_unavailable_makes_room() {
    let t = run("remove-unavailable");
    assert!(t
        .bindings
        .iter()
        .any(|b| b.device.as_deref() == Some("dead") && b.ended_by == EndedBy::RemoveUnavailable));
    assert_eq!(dev(&t, "live").rejections_403, 0);
}

#[test]
fn ring_order_is_by_contact_id() {
    let t = run("ring-order");
    let dial = t
        .records
        .iter()
        .find(|r| r.kind == RecordKind::Dial && r.summary.starts_with("Dial alice:"))
        .unwrap();
    let value = dial.log.as_deref().unwrap();
    // both ring; order follows the md5 of the stored URI, not registration order
    let ids: Vec<String> = value
        .trim_start_matches("PJSIP_DIAL_CONTACTS(alice) = ")
        .split('&')
        .map(|p| aorlab_registrar::uri_md5(p.split_once("/alice/").unwrap().1))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert_eq!(dial.devices.len(), 2);
}

#[test]
fn the_state_at_any_time_reflects_refreshes() {
    // Bindings refreshed every ~10 minutes are present (with a fresh expiry) all along.
    let t = run("three-phones");
    for minute in [5u64, 12, 20, 29] {
        let s = t.state_at(minute * 60_000);
        assert_eq!(s.contacts.len(), 3, "at {minute}m: {:?}", s.contacts);
        for c in &s.contacts {
            assert!(
                c.expires_in_s > 0 && c.expires_in_s <= 600,
                "at {minute}m: {c:?}"
            );
        }
    }
    // Right after soft's refresh at 4:49 in nat-403 its binding has ~300 s again.
    let t = run("nat-403");
    let s = t.state_at(4 * 60_000 + 50_000);
    let soft = s
        .contacts
        .iter()
        .find(|c| c.reaches.as_deref() == Some("soft"))
        .expect("soft's binding");
    assert!(soft.expires_in_s >= 290, "{soft:?}");
}
