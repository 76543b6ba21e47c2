//! Reference §2.9 and §1.1: the apply loop — create, refresh, delete, and which
//! stored fields a refresh changes.

mod common;
use aorlab_registrar::ChangeKind;
use common::*;

#[test]
fn create_records_the_request_details() {
    let mut p = Pbx::new(&alice("max_contacts=2\nqualify_frequency=30\nqualify_timeout=2.5\noutbound_proxy=sip:proxy.example.com\\;lr"));
    p.ok(&reg("alice")
        .via("SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-proxy")
        .via("SIP/2.0/UDP 10.0.0.1:5062;rport;branch=z9hG4bK-ua")
        .header("User-Agent", "Desk/1.0")
        .header("User-Agent", "ignored/2")
        .c("sip:alice@10.0.0.1:5062"));
    let b = p.r.bindings().next().unwrap().clone();
    assert_eq!(b.uri, "sip:alice@10.0.0.1:5062");
    assert_eq!(b.aor, "alice");
    assert_eq!(b.endpoint, "alice");
    assert_eq!(b.user_agent, "Desk/1.0");
    assert_eq!(
        (b.via_addr.as_str(), b.via_port),
        ("10.0.0.1", 5062),
        "last Via"
    );
    assert_eq!(b.call_id, "cid-alice");
    assert_eq!(b.expiration, T0 / 1000 + 3600);
    assert_eq!(b.qualify_frequency, 30);
    assert_eq!(b.qualify_timeout, 2.5);
    assert_eq!(b.outbound_proxy, "sip:proxy.example.com;lr");
    assert!(!b.prune_on_boot);
    assert_eq!(b.reg_server, "");
}

#[test]
fn refresh_updates_expiry_and_user_agent_but_not_call_id_or_via() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.ok(&reg("alice")
        .header("User-Agent", "Desk/1.0")
        .c("sip:alice@10.0.0.1:5060"));
    p.wait(100);
    let out = p.ok(&reg("alice")
        .call_id("other-call")
        .src("10.0.0.9:6000")
        .c("sip:alice@10.0.0.1:5060")
        .expires(120));
    assert_eq!(
        logs(&out),
        ["DEBUG res_pjsip_registrar.c: Refreshed contact 'sip:alice@10.0.0.1:5060' on AOR 'alice' with new expiration of 120 seconds"]
    );
    let b = p.r.bindings().next().unwrap().clone();
    assert_eq!(b.expiration, p.now / 1000 + 120);
    assert_eq!(b.call_id, "cid-alice");
    assert_eq!(b.via_addr, "10.0.0.1");
    assert_eq!(b.user_agent, "Desk/1.0", "no User-Agent: unchanged");
    p.ok(&reg("alice")
        .header("User-Agent", "Desk/2.0")
        .c("sip:alice@10.0.0.1:5060"));
    assert_eq!(p.r.bindings().next().unwrap().user_agent, "Desk/2.0");
}

#[test]
fn refresh_recopies_qualify_frequency_but_not_timeout() {
    let mut p = Pbx::new(&alice(
        "max_contacts=2\nqualify_frequency=30\nqualify_timeout=2.0",
    ));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    p.reload(&alice(
        "max_contacts=2\nqualify_frequency=45\nqualify_timeout=9.0",
    ));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let b = p.r.bindings().next().unwrap();
    assert_eq!((b.qualify_frequency, b.qualify_timeout), (45, 2.0));
}

#[test]
fn reg_server_is_the_systemname() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.r = p.r.clone().with_systemname("pbx1");
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(p.r.bindings().next().unwrap().reg_server, "pbx1");
}

#[test]
fn contacts_are_applied_in_message_order() {
    let mut p = Pbx::new(&alice("max_contacts=3"));
    p.ok(&reg("alice").c("sip:a@10.0.0.1").c("sip:b@10.0.0.2"));
    let out = p.ok(&reg("alice")
        .ce("sip:b@10.0.0.2", 0)
        .c("sip:c@10.0.0.3")
        .ce("sip:a@10.0.0.1", 60)
        .ce("sip:zz@10.0.0.4", 0));
    let seq: Vec<_> = out.changes.iter().map(|c| (c.kind, &*c.uri)).collect();
    assert_eq!(
        seq,
        [
            (ChangeKind::Removed, "sip:b@10.0.0.2"),
            (ChangeKind::Added, "sip:c@10.0.0.3"),
            (ChangeKind::Refreshed, "sip:a@10.0.0.1"),
            (ChangeKind::Ignored, "sip:zz@10.0.0.4"),
        ]
    );
    assert_eq!(p.stored("alice").len(), 2);
}

#[test]
fn star_removes_only_this_aors_bindings() {
    let conf = "[alice]\ntype=endpoint\naors=alice,office\n[alice]\ntype=aor\nmax_contacts=2\n[office]\ntype=aor\nmax_contacts=2\n";
    let mut p = Pbx::new(conf);
    p.ok(&reg("alice").c("sip:a@10.0.0.1"));
    p.ok(&reg("alice")
        .to("<sip:office@example.com>")
        .c("sip:a@10.0.0.1"));
    p.ok(&reg("alice").contact("*").expires(0));
    assert!(p.stored("alice").is_empty());
    assert_eq!(p.stored("office"), ["sip:a@10.0.0.1"]);
}

#[test]
fn explain_sentences_carry_the_numbers() {
    let mut p = Pbx::new(&alice("max_contacts=1"));
    let out = p.ok(&reg("alice").ce("sip:a@10.0.0.1", 300));
    assert_eq!(
        out.changes[0].explain(),
        "New binding sip:a@10.0.0.1 stored for AOR 'alice' for 300 s: no existing binding has the same URI."
    );
    assert_eq!(
        out.changes[0].log_line().unwrap(),
        "[2026-11-26 21:54:12.529] VERBOSE res_pjsip_registrar.c: Added contact 'sip:a@10.0.0.1' to AOR 'alice' with expiration of 300 seconds"
    );
    assert_eq!(out.log[0], out.changes[0].log_line().unwrap());
}
