//! Every preset runs, and its lesson is what actually happens.

use aorlab_sim::{preset, run_text, Trace, PRESETS};

fn run(name: &str) -> Trace {
    run_text(preset(name).expect("preset exists").text).unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

fn dev<'a>(t: &'a Trace, name: &str) -> &'a aorlab_sim::DeviceSummary {
    t.devices.iter().find(|d| d.device == name).expect("device")
}

fn rejected(t: &Trace) -> usize {
    t.records
        .iter()
        .filter(|r| r.change.as_deref() == Some("rejected"))
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
        .find(|r| r.kind == "dial")
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
    assert!(desk.rejections_403 >= 1);
    assert!(desk.gave_up);
    let inc = &desk.incidents[0];
    assert!(inc.cause.contains("403"), "{inc:?}");
    assert_eq!(inc.end_ms, None, "never recovers");
    // the refresh came from a new public port: rewrite_contact made it a new binding
    assert!(t.records.iter().any(|r| r.kind == "nat"
        && r.summary.contains("new mapping 192.168.1.10:5060")
        && r.at_ms > 0));
    assert!(t
        .summary
        .iter()
        .any(|l| l.starts_with("desk lost its registration")));
    assert_eq!(
        dev(&t, "soft").incidents.len(),
        0,
        "soft keeps its mapping alive with CRLF keep-alives"
    );
}

#[test]
fn remove_existing_evicts_instead_of_refusing() {
    let t = run("remove-existing");
    assert_eq!(rejected(&t), 0);
    assert!(t.records.iter().any(|r| r
        .log
        .as_deref()
        .is_some_and(|l| l.contains("due to remove existing"))));
    assert!(!dev(&t, "desk").gave_up);
}

#[test]
fn double_max_absorbs_stale_bindings() {
    let t = run("double-max");
    assert_eq!(rejected(&t), 0);
    assert!(
        t.counts.iter().any(|c| c.bindings > 2),
        "stale bindings pile up"
    );
    assert!(t.bindings.iter().any(|b| b.ended_by == "expired"));
}

#[test]
fn tcp_drop_depends_on_rewrite_contact() {
    let t = run("tcp-drop");
    assert!(t
        .bindings
        .iter()
        .any(|b| b.aor == "alice" && b.ended_by == "connection closed"));
    assert_eq!(dev(&t, "deskA").rejections_403, 0);
    assert!(
        dev(&t, "deskB").rejections_403 >= 1,
        "stale TCP binding without rewrite blocks the reconnect"
    );
    let inc = &dev(&t, "deskB").incidents[0];
    assert!(
        inc.end_ms.is_some(),
        "recovers once the stale binding expires"
    );
}

#[test]
fn restart_prunes_only_connection_bound_bindings() {
    let t = run("restart");
    let pruned: Vec<_> = t
        .bindings
        .iter()
        .filter(|b| b.ended_by == "pruned at boot")
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
        .filter(|b| b.ended_by == "remove existing")
        .collect();
    assert!(!removed.is_empty());
    // the same text with version 22 removes nothing (3 slots, 2 phones)
    let text = preset("old-remove-existing")
        .unwrap()
        .text
        .replace("asterisk 13.17", "asterisk 22");
    let t22 = run_text(&text).unwrap();
    assert!(t22.bindings.iter().all(|b| b.ended_by != "remove existing"));
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
        .any(|b| b.device.as_deref() == Some("dead") && b.ended_by == "remove unavailable"));
    assert_eq!(dev(&t, "live").rejections_403, 0);
}

#[test]
fn ring_order_is_by_contact_id() {
    let t = run("ring-order");
    let dial = t
        .records
        .iter()
        .find(|r| r.kind == "dial" && r.summary.starts_with("Dial alice:"))
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
