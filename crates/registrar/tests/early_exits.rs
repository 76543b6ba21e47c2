//! Reference §2.1: the early exits of `registrar_on_rx_request`, in order, each
//! stateless, with pjsip's default reason phrase and Asterisk's warning.

mod common;
use aorlab_registrar::{ChangeKind, Profile, Why};
use common::*;

const CONF: &str = "[alice]\ntype=endpoint\naors=alice\n\n[alice]\ntype=aor\nmax_contacts=1\n\n\
[noaors]\ntype=endpoint\n\n\
[zero]\ntype=endpoint\naors=zero\n\n[zero]\ntype=aor\n\n\
[ghost]\ntype=endpoint\naors=ghost\n";

#[test]
fn endpoint_without_aors_gets_403() {
    let mut p = Pbx::new(CONF);
    let out = p.expect(&reg("noaors").c("sip:noaors@10.0.0.1:5060"), 403);
    assert_eq!(reason(&out), "Forbidden");
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: Endpoint 'noaors' (10.0.0.1:5060) has no configured AORs"]
    );
    assert_eq!(out.changes[0].why, Why::NoAors);
    assert_eq!(p.r.bindings().count(), 0);
}

#[test]
fn to_uri_not_sip_gets_416_from_the_message_filter() {
    // on_rx_process_uris (13.18+) answers before endpoint identification:
    // no registrar warning, and even an unknown endpoint or one without AORs gets 416
    let mut p = Pbx::new(CONF);
    for user in ["alice", "noaors", "mallory"] {
        let out = p.expect(
            &reg(user).to("<tel:+15551234>").c("sip:x@10.0.0.1:5060"),
            416,
        );
        assert_eq!(reason(&out), "Unsupported URI Scheme");
        assert!(out.log.is_empty(), "{:?}", out.log);
    }
    // so does a non-SIP From or Request-URI
    p.expect(
        &reg("alice")
            .from("<tel:+15551234>;tag=1")
            .c("sip:x@10.0.0.1:5060"),
        416,
    );
    let text = reg("alice").c("sip:x@10.0.0.1:5060").text().replacen(
        "REGISTER sip:example.com",
        "REGISTER tel:+1555",
        1,
    );
    let r = reg("alice").c("sip:x@10.0.0.1:5060").received();
    let rx = with_request(&r, aorlab_sip::Message::parse(&text).unwrap());
    assert_eq!(status(&p.r.on_register(p.now, &rx)), 416);
    assert_eq!(p.r.bindings().count(), 0);
}

#[test]
fn registrar_to_check_with_its_warning_before_13_18() {
    // without the filter the registrar's own check answers, after the no-AORs one
    let mut p = Pbx::with_profile(Profile::new(13, 17, 2), CONF);
    let out = p.expect(
        &reg("alice")
            .to("<tel:+15551234>")
            .c("sip:alice@10.0.0.1:5060"),
        416,
    );
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: Endpoint 'alice' attempted to register to an AOR with a non-SIP URI"]
    );
    p.expect(&reg("noaors").to("<tel:+1555>").c("sip:x@10.0.0.1"), 403);
}

#[test]
fn unknown_aor_gets_404_with_empty_name_in_the_log() {
    let mut p = Pbx::new(CONF);
    let out = p.expect(
        &reg("alice")
            .to("<sip:carol@example.com>")
            .c("sip:alice@10.0.0.1:5060"),
        404,
    );
    assert_eq!(reason(&out), "Not Found");
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: AOR '' not found for endpoint 'alice' (10.0.0.1:5060)"]
    );
    assert_eq!(out.changes.len(), 1);
    assert_eq!(out.changes[0].kind, ChangeKind::Rejected);
    assert!(matches!(out.changes[0].why, Why::AorNotFound { .. }));
}

#[test]
fn aor_named_but_not_defined_gets_404() {
    let mut p = Pbx::new(CONF);
    let out = p.expect(&reg("ghost").c("sip:ghost@10.0.0.1:5060"), 404);
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: AOR 'ghost' not found for endpoint 'ghost' (10.0.0.1:5060)"]
    );
}

#[test]
fn max_contacts_zero_gets_403_not_unlimited() {
    let mut p = Pbx::new(CONF);
    let out = p.expect(&reg("zero").c("sip:zero@10.0.0.1:5060"), 403);
    assert_eq!(reason(&out), "Forbidden");
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: AOR 'zero' has no configured max_contacts. Endpoint 'zero' (10.0.0.1:5060) unable to register"]
    );
    // even a query or an unregister is refused
    p.expect(&reg("zero"), 403);
    p.expect(&reg("zero").contact("*").expires(0), 403);
}

#[test]
fn unknown_endpoint_is_challenged_with_401_and_only_the_distributor_notice() {
    let mut p = Pbx::new(CONF);
    let out = p.expect(&reg("mallory").c("sip:mallory@10.0.0.1:5060"), 401);
    assert_eq!(reason(&out), "Unauthorized");
    // no registrar warning; the distributor's notice (see unidentified.rs)
    assert_eq!(out.log.len(), 1);
    assert!(has_log(&out, "No matching endpoint found"), "{:?}", out.log);
    let www = resp_header(&out, "WWW-Authenticate").expect("challenge");
    assert!(www.starts_with("Digest realm=\"asterisk\""), "{www}");
    assert!(matches!(out.changes[0].why, Why::UnknownEndpoint { ref user } if user == "mallory"));
}

#[test]
fn error_responses_carry_no_contacts_and_no_date() {
    let mut p = Pbx::new(CONF);
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    for r in [
        reg("alice")
            .to("<sip:carol@example.com>")
            .c("sip:alice@10.0.0.1:5060"),
        reg("zero").c("sip:zero@10.0.0.1:5060"),
        reg("alice").c("sip:alice@10.0.0.9:5060"), // over max_contacts=1
    ] {
        let out = p.send(&r);
        assert_ne!(status(&out), 200);
        assert!(resp_contacts(&out).is_empty());
        assert_eq!(resp_header(&out, "Date"), None);
        assert_eq!(resp_header(&out, "Expires"), None);
    }
}

#[test]
fn asterisk_down_answers_nothing() {
    let mut p = Pbx::new(CONF);
    p.r.on_stop(p.now);
    let out = p.send(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert!(out.response.is_none());
    assert!(out.changes.is_empty());
}
