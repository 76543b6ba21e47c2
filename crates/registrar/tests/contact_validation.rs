//! Reference §2.6: `registrar_validate_contacts` — `*` rules, size limits,
//! classification (added / updated / deleted / forgiving no-op), 400 leaves
//! everything unchanged.

mod common;
use aorlab_registrar::{ChangeKind, Why, MAX_HOSTNAME, MAX_URL_SIZE};
use common::*;

fn two() -> Pbx {
    let mut p = Pbx::new(&alice("max_contacts=5\ncontact=sip:desk@192.0.2.9:5060"));
    p.ok(&reg("alice")
        .c("sip:alice@10.0.0.1:5060")
        .c("sip:alice@10.0.0.2:5060"));
    p
}

fn assert_400_unchanged(p: &mut Pbx, r: &Reg) {
    let before: Vec<_> = p.r.bindings().cloned().collect();
    let out = p.expect(r, 400);
    assert_eq!(reason(&out), "Bad Request");
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: Failed to validate contacts in REGISTER request from 'alice'"]
    );
    assert!(matches!(out.changes[0].why, Why::InvalidContacts { .. }));
    let after: Vec<_> = p.r.bindings().cloned().collect();
    assert_eq!(before, after);
}

#[test]
fn star_with_expires_zero_removes_every_dynamic_binding() {
    let mut p = two();
    let out = p.ok(&reg("alice").contact("*").expires(0));
    assert_eq!(removed_uris(&out).len(), 2);
    assert!(out
        .changes
        .iter()
        .all(|c| c.kind == ChangeKind::Removed && c.why == Why::Request));
    assert!(has_log(
        &out,
        "Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to request"
    ));
    assert!(p.stored("alice").is_empty());
    // the static contact stays and is listed, without expires
    assert_eq!(resp_contacts(&out), ["<sip:desk@192.0.2.9:5060>"]);
    assert_eq!(resp_header(&out, "Expires").as_deref(), Some("0"));
}

#[test]
fn star_needs_expires_zero() {
    let mut p = two();
    // no Expires header: default_expiration (3600) applies → 400
    assert_400_unchanged(&mut p, &reg("alice").contact("*"));
    assert_400_unchanged(&mut p, &reg("alice").contact("*").expires(300));
}

#[test]
fn star_must_be_first_and_alone() {
    let mut p = two();
    assert_400_unchanged(
        &mut p,
        &reg("alice")
            .ce("sip:alice@10.0.0.1:5060", 0)
            .contact("*")
            .expires(0),
    );
    // anything after `*` → 400, in the same header or the next
    assert_400_unchanged(
        &mut p,
        &reg("alice")
            .contact("*")
            .c("sip:alice@10.0.0.1:5060")
            .expires(0),
    );
    assert_400_unchanged(
        &mut p,
        &reg("alice")
            .contact("*, <sip:alice@10.0.0.1:5060>")
            .expires(0),
    );
    assert_400_unchanged(&mut p, &reg("alice").contact("*").contact("*").expires(0));
}

#[test]
fn uri_of_512_characters_is_refused_511_accepted() {
    let head = "sip:alice@10.0.0.7:5060;x=";
    let fill = |len: usize| format!("{head}{}", "a".repeat(len - head.len()));
    let mut p = two();
    assert_eq!(MAX_URL_SIZE, 512);
    assert_400_unchanged(&mut p, &reg("alice").c(&fill(512)));
    assert_400_unchanged(&mut p, &reg("alice").c(&fill(600)));
    p.ok(&reg("alice").c(&fill(511)));
    assert!(p.stored("alice").contains(&fill(511)));
}

#[test]
fn host_of_256_characters_is_refused_255_accepted() {
    assert_eq!(MAX_HOSTNAME, 256);
    let host = |n: usize| format!("{}.example", "h".repeat(n - 8));
    let mut p = two();
    assert_400_unchanged(&mut p, &reg("alice").c(&format!("sip:a@{}", host(256))));
    p.ok(&reg("alice").c(&format!("sip:a@{}", host(255))));
}

#[test]
fn a_bad_contact_anywhere_refuses_the_whole_register() {
    let mut p = two();
    let long = format!("sip:alice@{}", "h".repeat(300));
    assert_400_unchanged(&mut p, &reg("alice").c("sip:alice@10.0.0.3:5060").c(&long));
}

#[test]
fn removing_an_unknown_contact_is_a_forgiving_no_op() {
    let mut p = two();
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.99:5060", 0));
    assert_eq!(
        logs(&out),
        ["VERBOSE res_pjsip_registrar.c: Attempted to remove non-existent contact 'sip:alice@10.0.0.99:5060' from AOR 'alice' by request"]
    );
    assert_eq!(out.changes.len(), 1);
    assert_eq!(out.changes[0].kind, ChangeKind::Ignored);
    assert_eq!(p.stored("alice").len(), 2);
    assert_eq!(resp_contacts(&out).len(), 3);
}

#[test]
fn forgiving_no_op_does_not_count_against_max_contacts() {
    let mut p = Pbx::new(&alice("max_contacts=1"));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    // deletes nothing, adds nothing: 1 + 0 - 0 = 1, accepted
    p.ok(&reg("alice").ce("sip:alice@10.0.0.99:5060", 0));
}

#[test]
fn uri_listed_twice_counts_as_two_added_but_is_stored_once() {
    // classification sees two new bindings: 2 > 1 → 403
    let mut p = Pbx::new(&alice("max_contacts=1"));
    let out = p.expect(
        &reg("alice")
            .c("sip:alice@10.0.0.1:5060")
            .c("sip:alice@10.0.0.1:5060"),
        403,
    );
    match &out.changes[0].why {
        Why::MaxContactsExceeded { count, .. } => {
            assert_eq!((count.added, count.count), (2, 2))
        }
        w => panic!("{w:?}"),
    }
    // with room for two: created once, then refreshed by the second header
    let mut p = Pbx::new(&alice("max_contacts=2"));
    let out = p.ok(&reg("alice")
        .ce("sip:alice@10.0.0.1:5060", 300)
        .ce("sip:alice@10.0.0.1:5060", 600));
    let kinds: Vec<_> = out.changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::Added, ChangeKind::Refreshed]);
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.1:5060"]);
    assert_eq!(
        p.r.bindings().next().unwrap().expiration,
        p.now / 1000 + 600
    );
    assert_eq!(
        resp_contacts(&out),
        ["<sip:alice@10.0.0.1:5060>;expires=599"]
    );
}

#[test]
fn header_params_are_not_part_of_the_stored_uri() {
    let mut p = Pbx::new(&alice("max_contacts=1"));
    p.ok(&reg("alice").contact(
        "\"Alice\" <sip:alice@10.0.0.1:5060;ob>;q=0.7;+sip.instance=\"<urn:uuid:1>\";reg-id=1;expires=300",
    ));
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.1:5060;ob"]);
}

#[test]
fn non_numeric_contact_expires_reads_as_zero_like_pjsip() {
    // pjsip reads `;expires=` with pj_strtoul: "soon" is 0, an unregistration.
    let mut p = two();
    let r = reg("alice").c("sip:alice@10.0.0.3:5060");
    let rx = r.received();
    let mut request = rx.request().clone();
    request
        .headers
        .0
        .retain(|(n, _)| !n.eq_ignore_ascii_case("Contact"));
    request
        .headers
        .push("Contact", "<sip:alice@10.0.0.3:5060>;expires=soon");
    let rx = with_request(&rx, request);
    let out = p.r.on_register(p.now, &rx);
    assert_eq!(status(&out), 200);
    assert!(
        out.log
            .iter()
            .any(|l| l.contains("Attempted to remove non-existent contact")),
        "{:?}",
        out.log
    );
    assert_eq!(p.stored("alice").len(), 2);
    // A non-numeric Expires *header* is a syntax error: 400, nothing changes.
    let rx = r.received();
    let mut request = rx.request().clone();
    request
        .headers
        .0
        .retain(|(n, _)| !n.eq_ignore_ascii_case("Expires"));
    request.headers.push("Expires", "soon");
    let rx = with_request(&rx, request);
    let out = p.r.on_register(p.now, &rx);
    assert_eq!(status(&out), 400);
    assert_eq!(p.stored("alice").len(), 2);
}
