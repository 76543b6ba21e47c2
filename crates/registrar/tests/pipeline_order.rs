//! Reference §2.13: the order in which the checks of one REGISTER answer —
//! filter (416) → endpoint (401) → no aors (403) → AOR (404) → max_contacts=0
//! (403) → contacts (400) → Path (420) → max_contacts (403) → 200.

mod common;
use aorlab_registrar::Why;
use common::*;

const CONF: &str =
    "[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=1\nsupport_path=yes\n";

fn why(p: &mut Pbx, r: Reg) -> (u16, Why) {
    let out = p.send(&r);
    (status(&out), out.changes.last().unwrap().why.clone())
}

#[test]
fn each_check_hides_the_later_ones() {
    let mut p = Pbx::new(CONF);
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let too_long = format!("sip:alice@{}", "h".repeat(300));
    // everything wrong at once: the filter answers first
    let all_bad = || {
        reg("alice")
            .c(&too_long)
            .c("sip:alice@10.0.0.2:5060")
            .header("Path", "<sip:edge;lr>")
    };
    let (code, w) = why(&mut p, all_bad().c("tel:+1555"));
    assert_eq!(code, 416);
    assert!(matches!(w, Why::UnsupportedUriScheme { .. }));
    let (code, w) = why(&mut p, all_bad().to("<sip:nobody@example.com>"));
    assert_eq!(code, 404);
    assert!(matches!(w, Why::AorNotFound { .. }));
    // invalid contacts (400) before the missing Supported: path (420)
    let (code, w) = why(&mut p, all_bad());
    assert_eq!(code, 400);
    assert!(matches!(w, Why::InvalidContacts { .. }));
    // 420 before the max_contacts check (2 > 1 would be 403)
    let (code, w) = why(
        &mut p,
        reg("alice")
            .c("sip:alice@10.0.0.2:5060")
            .header("Path", "<sip:edge;lr>"),
    );
    assert_eq!(code, 420);
    assert_eq!(w, Why::PathNotSupported);
    let (code, w) = why(&mut p, reg("alice").c("sip:alice@10.0.0.2:5060"));
    assert_eq!(code, 403);
    assert!(matches!(w, Why::MaxContactsExceeded { .. }));
    // and nothing of it changed the stored binding
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.1:5060"]);
}

#[test]
fn unknown_endpoint_is_challenged_before_any_registrar_check() {
    let mut p = Pbx::new(CONF);
    let (code, w) = why(
        &mut p,
        reg("mallory")
            .to("<sip:nobody@example.com>")
            .contact("*")
            .c("sip:x@10.0.0.1"),
    );
    assert_eq!(code, 401);
    assert!(matches!(w, Why::UnknownEndpoint { .. }));
}
