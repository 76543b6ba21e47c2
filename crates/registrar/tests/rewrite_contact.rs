//! Reference §0 and §5: what happens to Contacts before the registrar sees them —
//! the message filter (x-ast-* stripped, symmetric_transport), the WebSocket
//! always-rewrite, and res_pjsip_nat's rewrite_contact / x-ast-orig-host.

mod common;
use aorlab_registrar::{ChangeKind, Protocol};
use common::*;

fn conf(rewrite: bool, max: u32) -> String {
    format!(
        "[transport-udp]\ntype=transport\nprotocol=udp\n\
         [transport-sym]\ntype=transport\nprotocol=udp\nsymmetric_transport=yes\n\
         [alice]\ntype=endpoint\naors=alice\nrewrite_contact={}\n\
         [alice]\ntype=aor\nmax_contacts={max}\n",
        if rewrite { "yes" } else { "no" }
    )
}

fn stored_after(rewrite: bool, r: Reg) -> Vec<String> {
    let mut p = Pbx::new(&conf(rewrite, 5));
    p.ok(&r);
    let mut s = p.stored("alice");
    s.sort();
    s
}

#[test]
fn rewrite_table() {
    let nat = "203.0.113.7:40001";
    let cases: &[(Protocol, &str, &str)] = &[
        // host differs: original saved as the last param
        (
            Protocol::Udp,
            "sip:alice@192.168.1.20:5060",
            "sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060",
        ),
        // absent port saved as 0
        (
            Protocol::Udp,
            "sip:alice@192.168.1.20",
            "sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:0",
        ),
        // only the port differs: nothing saved
        (
            Protocol::Udp,
            "sip:alice@203.0.113.7:5060",
            "sip:alice@203.0.113.7:40001",
        ),
        // UDP removes any transport param
        (
            Protocol::Udp,
            "sip:alice@203.0.113.7:5060;transport=udp",
            "sip:alice@203.0.113.7:40001",
        ),
        (
            Protocol::Udp,
            "sip:alice@203.0.113.7:5060;transport=tcp",
            "sip:alice@203.0.113.7:40001",
        ),
        // reliable transports set the pjsip type name, upper case
        (
            Protocol::Tcp,
            "sip:alice@203.0.113.7:5060;transport=tcp",
            "sip:alice@203.0.113.7:40001;transport=TCP",
        ),
        (
            Protocol::Tcp,
            "sip:alice@203.0.113.7:5060",
            "sip:alice@203.0.113.7:40001;transport=TCP",
        ),
        (
            Protocol::Tls,
            "sip:alice@192.168.1.20:5061;transport=tls",
            "sip:alice@203.0.113.7:40001;transport=TLS;x-ast-orig-host=192.168.1.20:5061",
        ),
        // host compare is case-sensitive text: a name never equals the IP
        (
            Protocol::Udp,
            "sip:alice@pc.example:5060",
            "sip:alice@203.0.113.7:40001;x-ast-orig-host=pc.example:5060",
        ),
        // other params keep their place, the saved host goes last
        (
            Protocol::Udp,
            "sip:alice@192.168.1.20:5060;ob;rinstance=7",
            "sip:alice@203.0.113.7:40001;ob;rinstance=7;x-ast-orig-host=192.168.1.20:5060",
        ),
    ];
    for &(proto, contact, want) in cases {
        let conn = proto.is_reliable().then_some(1);
        let got = stored_after(true, reg("alice").src(nat).proto(proto, conn).c(contact));
        assert_eq!(got, [want], "{proto:?} {contact}");
    }
}

#[test]
fn only_the_first_contact_is_rewritten() {
    let got = stored_after(
        true,
        reg("alice")
            .src("203.0.113.7:40001")
            .contact("<sip:alice@192.168.1.20:5060>, <sip:alice@192.168.1.21:5060>")
            .c("sip:alice@192.168.1.22:5060"),
    );
    let mut want = vec![
        "sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060".to_string(),
        "sip:alice@192.168.1.21:5060".to_string(),
        "sip:alice@192.168.1.22:5060".to_string(),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn without_rewrite_the_contact_is_stored_as_sent() {
    assert_eq!(
        stored_after(
            false,
            reg("alice")
                .src("203.0.113.7:40001")
                .c("sip:alice@192.168.1.20:5060;transport=udp")
        ),
        ["sip:alice@192.168.1.20:5060;transport=udp"]
    );
}

#[test]
fn websocket_contacts_are_always_rewritten() {
    let contact = "sip:k2j4h5@df7jal23ls0d.invalid;transport=ws";
    // no rewrite_contact, WS and WSS alike: transport=ws, original saved unconditionally
    for proto in [Protocol::Ws, Protocol::Wss] {
        assert_eq!(
            stored_after(
                false,
                reg("alice")
                    .src("198.51.100.4:53211")
                    .proto(proto, Some(7))
                    .c(contact)
            ),
            ["sip:k2j4h5@198.51.100.4:53211;transport=ws;x-ast-orig-host=df7jal23ls0d.invalid:0"],
            "{proto:?}"
        );
    }
    // saved even when the host already is the source
    assert_eq!(
        stored_after(
            false,
            reg("alice")
                .src("198.51.100.4:53211")
                .proto(Protocol::Ws, Some(7))
                .c("sip:u@198.51.100.4:53211;transport=ws")
        ),
        ["sip:u@198.51.100.4:53211;transport=ws;x-ast-orig-host=198.51.100.4:53211"]
    );
    // with rewrite_contact too: WSS stays ws, WS becomes the type name WS; no second saved host
    assert_eq!(
        stored_after(
            true,
            reg("alice")
                .src("198.51.100.4:53211")
                .proto(Protocol::Wss, Some(7))
                .c(contact)
        ),
        ["sip:k2j4h5@198.51.100.4:53211;transport=ws;x-ast-orig-host=df7jal23ls0d.invalid:0"]
    );
    assert_eq!(
        stored_after(
            true,
            reg("alice")
                .src("198.51.100.4:53211")
                .proto(Protocol::Ws, Some(7))
                .c(contact)
        ),
        ["sip:k2j4h5@198.51.100.4:53211;transport=WS;x-ast-orig-host=df7jal23ls0d.invalid:0"]
    );
}

#[test]
fn websocket_reconnects_make_new_bindings_and_the_200_shows_the_original() {
    let mut p = Pbx::new(&conf(false, 5));
    let c = "sip:k2j4h5@df7jal23ls0d.invalid;transport=ws";
    let out = p.ok(&reg("alice")
        .src("198.51.100.4:53211")
        .proto(Protocol::Wss, Some(1))
        .c(c));
    assert_eq!(resp_contacts(&out), [format!("<{c}>;expires=3599")]);
    let out = p.ok(&reg("alice")
        .src("198.51.100.4:53300")
        .proto(Protocol::Wss, Some(2))
        .c(c));
    assert_eq!(out.changes[0].kind, ChangeKind::Added);
    assert_eq!(p.stored("alice").len(), 2);
}

#[test]
fn x_ast_params_from_clients_are_stripped() {
    let got = stored_after(
        false,
        reg("alice")
            .c("sip:alice@192.168.1.20:5060;x-ast-orig-host=evil:1;X-AST-TXP=t;x-astro=1;x-ast-txp=t2")
            .c("sip:alice@192.168.1.21:5060;x-ast-foo"),
    );
    // the prefix test is case-sensitive (pj_strncmp2): X-AST-TXP survives
    assert_eq!(
        got,
        [
            "sip:alice@192.168.1.20:5060;X-AST-TXP=t;x-astro=1",
            "sip:alice@192.168.1.21:5060"
        ]
    );
}

#[test]
fn websocket_rewrites_only_the_first_contact_header() {
    // the second Contact is stored as sent
    let got = stored_after(
        false,
        reg("alice")
            .src("198.51.100.4:53211")
            .proto(Protocol::Wss, Some(7))
            .c("sip:u@a.invalid;transport=ws")
            .c("sip:u@b.invalid;transport=ws"),
    );
    let mut want = vec![
        "sip:u@198.51.100.4:53211;transport=ws;x-ast-orig-host=a.invalid:0".to_string(),
        "sip:u@b.invalid;transport=ws".to_string(),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn symmetric_transport_tags_the_first_contact() {
    let got = stored_after(
        true,
        reg("alice")
            .src("203.0.113.7:40001")
            .transport("transport-sym")
            .c("sip:alice@192.168.1.20:5060")
            .c("sip:alice@192.168.1.21:5060"),
    );
    let mut want = vec![
        "sip:alice@203.0.113.7:40001;x-ast-txp=transport-sym;x-ast-orig-host=192.168.1.20:5060"
            .to_string(),
        "sip:alice@192.168.1.21:5060".to_string(),
    ];
    want.sort();
    assert_eq!(got, want);
    // a transport without the option adds nothing
    assert_eq!(
        stored_after(
            false,
            reg("alice")
                .transport("transport-udp")
                .c("sip:alice@192.168.1.20:5060")
        ),
        ["sip:alice@192.168.1.20:5060"]
    );
}

#[test]
fn nat_rebinding_with_rewrite_is_a_new_binding_and_403_at_max_1() {
    // reference §12.1: rewrite_contact=yes, max_contacts=1, remove_existing=no
    let mut p = Pbx::new(&conf(true, 1));
    let r = reg("alice").c("sip:alice@192.168.1.20:5060");
    p.ok(&r.clone().src("203.0.113.7:40001"));
    let out = p.expect(&r.clone().src("203.0.113.7:40999"), 403);
    assert!(has_log(&out, "Registration attempt from endpoint 'alice' (203.0.113.7:40999) to AOR 'alice' will exceed max contacts of 1"));
    // the same source refreshes
    let out = p.ok(&r.src("203.0.113.7:40001"));
    assert_eq!(out.changes[0].kind, ChangeKind::Refreshed);
}

#[test]
fn a_changed_private_address_behind_the_same_mapping_is_a_new_binding() {
    let mut p = Pbx::new(&conf(true, 5));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    let out = p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.99:5060"));
    assert_eq!(out.changes[0].kind, ChangeKind::Added);
    assert_eq!(p.stored("alice").len(), 2);
}

#[test]
fn force_rport_answers_to_the_source() {
    let mut p = Pbx::new(&conf(false, 1));
    let out = p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    let via = resp_header(&out, "Via").unwrap();
    assert_eq!(
        via,
        "SIP/2.0/UDP 203.0.113.7:40001;rport=40001;received=203.0.113.7;branch=z9hG4bK-cid-alice-1"
    );
}

#[test]
fn non_sip_contact_is_refused_upstream_with_416() {
    let mut p = Pbx::new(&conf(false, 5));
    let out = p.expect(
        &reg("alice")
            .c("sip:alice@192.168.1.20:5060")
            .c("tel:+15551234"),
        416,
    );
    assert_eq!(reason(&out), "Unsupported URI Scheme");
    assert!(p.stored("alice").is_empty());
}

#[test]
fn ipv6_original_host_is_saved_without_brackets_and_restored_wrongly() {
    // save: "%.*s:%d" of the bracket-less host; restore splits at the first ':'
    let mut p = Pbx::new(&conf(true, 2));
    let out = p.ok(&reg("alice")
        .src("[2001:db8::99]:40001")
        .c("sip:alice@[2001:db8::5]:5060"));
    assert_eq!(
        p.stored("alice"),
        ["sip:alice@[2001:db8::99]:40001;x-ast-orig-host=2001:db8::5:5060"]
    );
    // strtol("db8::5:5060") = 0: no port
    assert_eq!(resp_contacts(&out), ["<sip:alice@2001>;expires=3599"]);
    // an IPv6 source with an IPv6 Contact equal to it: nothing saved
    let mut p = Pbx::new(&conf(true, 2));
    p.ok(&reg("alice")
        .src("[2001:db8::99]:40001")
        .c("sip:alice@[2001:db8::99]:5060"));
    assert_eq!(p.stored("alice"), ["sip:alice@[2001:db8::99]:40001"]);
}

#[test]
fn saved_host_on_one_side_only_still_matches() {
    // reference §2.12: a param present on one side only is ignored
    let mut p = Pbx::new(&conf(true, 5));
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    // the phone learned its public address (STUN): no x-ast-orig-host is added
    let out = p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@203.0.113.7:5060"));
    assert_eq!(out.changes[0].kind, ChangeKind::Refreshed);
    assert_eq!(
        p.stored("alice"),
        ["sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060"]
    );
    // the 200 OK still shows the saved original
    assert_eq!(
        resp_contacts(&out),
        ["<sip:alice@192.168.1.20:5060>;expires=3599"]
    );
}
