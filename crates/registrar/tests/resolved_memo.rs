//! A request keeps what a registrar resolved about it (endpoint, AOR, the
//! Contacts as rewritten) for its resends. What it keeps must never outlive the
//! configuration it came from, nor leak to another registrar's.

mod common;
use aorlab_registrar::Registrar;
use common::*;

fn conf(rewrite: &str, max_contacts: u32) -> String {
    format!(
        "[alice]\ntype=endpoint\naors=alice\nrewrite_contact={rewrite}\n\
         [alice]\ntype=aor\nmax_contacts={max_contacts}\nremove_existing=yes\n"
    )
}

fn phone() -> Reg {
    reg("alice")
        .c("sip:alice@192.168.1.20:5060")
        .src("203.0.113.7:40001")
}

#[test]
fn a_resend_after_a_reload_is_decided_under_the_new_configuration() {
    let mut p = Pbx::new(&conf("yes", 5));
    let rx = phone().received();
    p.r.on_register(p.now, &rx);
    assert_eq!(
        p.stored("alice"),
        ["sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060"]
    );
    // rewrite_contact off: the same request, resent, is a new binding that
    // replaces the old one (max_contacts 1, remove_existing).
    p.reload(&conf("no", 1));
    p.wait(10);
    let again = rx.resent("z9hG4bK-second", 2).expect("resendable");
    assert_eq!(status(&p.r.on_register(p.now, &again)), 200);
    assert_eq!(p.stored("alice"), ["sip:alice@192.168.1.20:5060"]);
    // max_contacts 0: the AOR kept with the request must not be the old one.
    p.reload(&conf("no", 0));
    let third = rx.resent("z9hG4bK-third", 3).expect("resendable");
    assert_eq!(status(&p.r.on_register(p.now, &third)), 403);
}

#[test]
fn two_registrars_reading_one_request_each_decide_with_their_own() {
    let rx = phone().received();
    let mut a = Registrar::new(Default::default(), common::conf(&conf("yes", 5)), T0);
    let mut b = Registrar::new(Default::default(), common::conf(&conf("no", 5)), T0);
    for _ in 0..2 {
        let (oa, ob) = (a.on_register(T0, &rx), b.on_register(T0, &rx));
        assert_eq!(status(&oa), 200);
        assert_eq!(status(&ob), 200);
    }
    let uris = |r: &Registrar| r.bindings().map(|b| b.uri.clone()).collect::<Vec<_>>();
    assert_eq!(
        uris(&a),
        ["sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060"]
    );
    assert_eq!(uris(&b), ["sip:alice@192.168.1.20:5060"]);
}

#[test]
fn a_refused_request_is_refused_again_after_a_reload_that_lets_it_in() {
    // No AOR for the endpoint: 403. Nothing is kept for a refusal, so the same
    // request is read again after the reload and accepted.
    let mut p = Pbx::new("[alice]\ntype=endpoint\n[alice]\ntype=aor\nmax_contacts=1\n");
    let rx = phone().received();
    assert_eq!(status(&p.r.on_register(p.now, &rx)), 403);
    p.reload(&conf("yes", 5));
    assert_eq!(status(&p.r.on_register(p.now, &rx)), 200);
}
