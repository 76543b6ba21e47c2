//! Reference §2.12: which incoming Contact refreshes which stored binding
//! (`registrar_find_contact` → `pjsip_uri_cmp` in Contact context).

mod common;
use aorlab_registrar::ChangeKind;
use common::*;

/// Register `stored`, then `incoming`: does the second refresh the first?
fn same_binding(stored: &str, incoming: &str) -> bool {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.ok(&reg("alice").c(stored));
    let out = p.ok(&reg("alice").c(incoming));
    let refreshed = out.changes.iter().any(|c| c.kind == ChangeKind::Refreshed);
    assert_eq!(p.stored("alice").len(), if refreshed { 1 } else { 2 });
    refreshed
}

#[test]
fn identity_table() {
    let table: &[(&str, &str, bool)] = &[
        ("sip:100@1.2.3.4:5060", "sip:100@1.2.3.4:5060", true),
        // host: case-insensitive, no DNS
        ("sip:100@Example.COM:5060", "sip:100@example.com:5060", true),
        ("sip:100@example.com", "sip:100@93.184.216.34", false),
        // user and password: case-sensitive
        ("sip:Alice@1.2.3.4", "sip:alice@1.2.3.4", false),
        ("sip:a:Secret@1.2.3.4", "sip:a:secret@1.2.3.4", false),
        ("sip:a:secret@1.2.3.4", "sip:a:secret@1.2.3.4", true),
        // scheme
        ("sip:100@1.2.3.4", "sips:100@1.2.3.4", false),
        // port: numeric, absent ≠ 5060
        ("sip:100@1.2.3.4:5060", "sip:100@1.2.3.4", false),
        ("sip:100@1.2.3.4:5060", "sip:100@1.2.3.4:40000", false),
        ("sip:100@1.2.3.4:5060", "sip:100@1.2.3.4:05060", true),
        // transport / user / maddr: case-insensitive, absent ≠ present
        ("sip:100@1.2.3.4;transport=udp", "sip:100@1.2.3.4", false),
        (
            "sip:100@1.2.3.4;transport=udp",
            "sip:100@1.2.3.4;transport=UDP",
            true,
        ),
        ("sip:100@1.2.3.4;user=phone", "sip:100@1.2.3.4", false),
        (
            "sip:100@1.2.3.4;maddr=10.0.0.1",
            "sip:100@1.2.3.4;maddr=10.0.0.2",
            false,
        ),
        (
            "sip:100@1.2.3.4;maddr=h.example",
            "sip:100@1.2.3.4;maddr=H.EXAMPLE",
            true,
        ),
        // ttl: equal values, absent ≠ present
        ("sip:100@1.2.3.4;ttl=1", "sip:100@1.2.3.4", false),
        ("sip:100@1.2.3.4;ttl=1", "sip:100@1.2.3.4;ttl=1", true),
        // other params: only compared when on both sides
        ("sip:100@1.2.3.4:5060", "sip:100@1.2.3.4:5060;ob", true),
        (
            "sip:100@1.2.3.4:5060;rinstance=abc",
            "sip:100@1.2.3.4:5060",
            true,
        ),
        (
            "sip:100@1.2.3.4:5060;rinstance=abc",
            "sip:100@1.2.3.4:5060;rinstance=def",
            false,
        ),
        (
            "sip:100@1.2.3.4:5060;rinstance=abc",
            "sip:100@1.2.3.4:5060;rinstance=ABC",
            true,
        ),
        // header fields: every incoming one must be in the stored URI
        ("sip:100@1.2.3.4", "sip:100@1.2.3.4?X-Foo=1", false),
        ("sip:100@1.2.3.4?X-Foo=1", "sip:100@1.2.3.4", true),
        ("sip:100@1.2.3.4?X-Foo=1", "sip:100@1.2.3.4?X-Foo=2", false),
    ];
    for &(stored, incoming, want) in table {
        assert_eq!(
            same_binding(stored, incoming),
            want,
            "{stored} vs {incoming}"
        );
    }
}

#[test]
fn display_name_and_header_params_play_no_part() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.ok(&reg("alice")
        .contact("\"Desk\" <sip:100@1.2.3.4:5060>;q=1.0;+sip.instance=\"<urn:uuid:a>\""));
    let out =
        p.ok(&reg("alice").contact("<sip:100@1.2.3.4:5060>;q=0.1;+sip.instance=\"<urn:uuid:b>\""));
    assert_eq!(out.changes[0].kind, ChangeKind::Refreshed);
}

#[test]
fn the_stored_uri_string_never_changes_on_refresh() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.ok(&reg("alice").c("sip:100@PBX.Example.com:5060"));
    let id = p.id_of("sip:100@PBX.Example.com:5060");
    let out = p.ok(&reg("alice").c("sip:100@pbx.example.com:5060;ob"));
    assert_eq!(out.changes[0].kind, ChangeKind::Refreshed);
    assert_eq!(p.stored("alice"), ["sip:100@PBX.Example.com:5060"]);
    assert_eq!(p.r.bindings().next().unwrap().id, id);
    assert_eq!(
        resp_contacts(&out),
        ["<sip:100@PBX.Example.com:5060>;expires=3599"]
    );
}

#[test]
fn a_contact_refreshes_only_the_first_match_in_id_order() {
    // two stored URIs that both match a param-less incoming one
    let (x, y) = ("sip:100@1.2.3.4:5060;a=1", "sip:100@1.2.3.4:5060;a=2");
    let mut p = Pbx::new(&alice("max_contacts=3"));
    p.ok(&reg("alice").c(x).c(y));
    let first = p.stored("alice")[0].clone();
    let out = p.ok(&reg("alice").ce("sip:100@1.2.3.4:5060", 0));
    assert_eq!(removed_uris(&out), [first]);
    assert_eq!(p.stored("alice").len(), 1);
}

#[test]
fn stored_id_is_aor_semicolon_at_md5_of_the_printed_uri() {
    let mut p = Pbx::new(&alice("max_contacts=1"));
    p.ok(&reg("alice").contact("<sip:alice@127.100.0.2:5060>;expires=60"));
    let b = p.r.bindings().next().unwrap();
    assert_eq!(b.id, "alice;@8548f4fda96d6690af5a9f866ff8fcb2");
}
