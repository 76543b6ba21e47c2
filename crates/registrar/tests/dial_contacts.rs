//! Reference §9: PJSIP_DIAL_CONTACTS, Dial(PJSIP/endpoint) and the CLI views.

mod common;
use aorlab_registrar::{uri_md5, DialError, Status};
use common::*;

const CONF: &str = "[alice]\ntype=endpoint\naors=alice,office\n\
[alice]\ntype=aor\nmax_contacts=5\ncontact=sip:desk@192.0.2.9:5060\n\
[office]\ntype=aor\nmax_contacts=5\n\
[empty]\ntype=endpoint\naors=nothing,empty\n[empty]\ntype=aor\nmax_contacts=1\n";

fn devices() -> Vec<String> {
    (1..=4)
        .map(|i| format!("sip:alice@10.0.0.{i}:5060"))
        .collect()
}

fn pbx() -> Pbx {
    let mut p = Pbx::new(CONF);
    for d in devices() {
        p.ok(&reg("alice").c(&d));
        p.wait(1);
    }
    p
}

fn by_md5(mut v: Vec<String>) -> Vec<String> {
    v.sort_by_key(|u| uri_md5(u));
    v
}

#[test]
fn md5_order_not_registration_order_statics_last() {
    let mut p = pbx();
    let mut want: Vec<String> = by_md5(devices())
        .iter()
        .map(|u| format!("PJSIP/alice/{u}"))
        .collect();
    want.push("PJSIP/alice/sip:desk@192.0.2.9:5060".into());
    let now = p.now;
    assert_eq!(
        p.r.dial_contacts(now, "alice", None, None).unwrap(),
        want.join("&")
    );
    assert_ne!(by_md5(devices()), devices(), "the example really reorders");
}

#[test]
fn request_user_and_aor_arguments() {
    let mut p = pbx();
    p.ok(&reg("alice")
        .to("<sip:office@example.com>")
        .c("sip:alice@10.0.0.1:5060"));
    let now = p.now;
    assert_eq!(
        p.r.dial_contacts(now, "alice", Some("office"), Some("100"))
            .unwrap(),
        "PJSIP/100@alice/sip:alice@10.0.0.1:5060"
    );
    assert_eq!(
        p.r.dial_contacts(now, "alice", Some("office"), None)
            .unwrap(),
        "PJSIP/alice/sip:alice@10.0.0.1:5060"
    );
    // an empty aor argument means the endpoint's list; no de-duplication across AORs
    let all = p.r.dial_contacts(now, "alice", Some(""), None).unwrap();
    assert_eq!(all.matches("sip:alice@10.0.0.1:5060").count(), 2);
    assert!(
        all.ends_with("PJSIP/alice/sip:alice@10.0.0.1:5060"),
        "office comes after alice"
    );
    // an AOR argument that does not exist gives nothing
    assert_eq!(
        p.r.dial_contacts(now, "alice", Some("nope"), None).unwrap(),
        ""
    );
}

#[test]
fn unknown_endpoint_is_an_error_and_no_contacts_is_empty() {
    let mut p = pbx();
    let now = p.now;
    let e = p.r.dial_contacts(now, "bob", None, None).unwrap_err();
    assert_eq!(e, DialError::NoEndpoint("bob".into()));
    assert_eq!(e.to_string(), "Specified endpoint 'bob' was not found"); // dialplan_functions.c
    assert_eq!(p.r.dial_contacts(now, "empty", None, None).unwrap(), "");
    assert_eq!(p.r.dial_first(now, "empty"), None);
    assert_eq!(p.r.dial_first(now, "bob"), None);
}

#[test]
fn stored_uri_is_used_verbatim() {
    let mut p = Pbx::new("[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=1\n");
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    let now = p.now;
    assert_eq!(
        p.r.dial_contacts(now, "alice", None, None).unwrap(),
        "PJSIP/alice/sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060"
    );
}

#[test]
fn dial_first_is_the_lowest_id_of_the_first_aor_with_one() {
    let mut p = pbx();
    let now = p.now;
    let first = p.r.dial_first(now, "alice").unwrap();
    assert_eq!(first.uri, by_md5(devices())[0]);
    assert_eq!(first.aor, "alice");
    // statics are dialed when nothing dynamic is left
    p.ok(&reg("alice").contact("*").expires(0));
    let now = p.now;
    assert_eq!(
        p.r.dial_first(now, "alice").unwrap().uri,
        "sip:desk@192.0.2.9:5060"
    );
    let id = p.r.dial_first(now, "alice").unwrap().id;
    p.r.set_status(&id, Status::Unreachable, None);
    assert_eq!(p.r.dial_first(now, "alice"), None);
}

#[test]
fn pjsip_show_contacts_text() {
    let mut p = Pbx::new("[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=2\n");
    p.ok(&reg("alice").contact("<sip:alice@127.100.0.2:5060>"));
    let now = p.now;
    assert_eq!(
        p.r.show_contacts(now),
        "\n  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>\n\
         ==========================================================================================\n\n\
         \x20 Contact:  alice/sip:alice@127.100.0.2:5060               8548f4fda9 NonQual         nan\n\
         \nObjects found: 1\n\n"
    );
    let aor = p.r.show_aor(now, "alice").unwrap();
    assert!(
        aor.contains("      Aor:  alice                                                2\n"),
        "{aor}"
    );
    assert!(aor.contains("    Contact:  alice/sip:alice@127.100.0.2:5060             8548f4fda9 NonQual         nan\n"), "{aor}");
    assert_eq!(p.r.show_aor(now, "nope"), None);
}

#[test]
fn contact_rows_carry_expiry_and_status() {
    let mut p = pbx();
    let now = p.now + 500;
    let rows = p.r.contact_rows(now, Some("alice"));
    assert_eq!(rows.len(), 5);
    assert!(rows[4].is_static && rows[4].expires_in_s.is_none());
    let ids: Vec<_> = rows.iter().map(|r| r.id.clone()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let r1 = rows.iter().find(|r| r.uri == devices()[0]).unwrap();
    // created at T0 for 3600 s, read at …057.029: stored …3652 − now = 3594.971 → 3594
    assert_eq!(r1.expires_in_s, Some(3594));
    assert_eq!(r1.status, Status::NonQualified);
}
