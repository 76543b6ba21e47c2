//! Reference §2.7 and §2.11: Path support (`registrar_validate_path`, 420 Bad
//! Extension, stored path, Path + Supported in the 200 OK).

mod common;
use common::*;

fn pbx(support: bool) -> Pbx {
    Pbx::new(&alice(&format!(
        "max_contacts=2\nsupport_path={}",
        if support { "yes" } else { "no" }
    )))
}

#[test]
fn path_without_supported_path_is_420() {
    let mut p = pbx(true);
    let out = p.expect(
        &reg("alice")
            .c("sip:alice@10.0.0.1:5060")
            .header("Path", "<sip:edge1.example.com;lr>"),
        420,
    );
    assert_eq!(reason(&out), "Bad Extension");
    assert_eq!(resp_header(&out, "Unsupported"), None);
    assert!(has_log(
        &out,
        "Invalid modifications made to REGISTER request from 'alice' by intervening proxy"
    ));
    assert!(p.stored("alice").is_empty());
    // a Supported header without `path` is no better
    p.expect(
        &reg("alice")
            .c("sip:alice@10.0.0.1:5060")
            .header("Path", "<sip:edge1.example.com;lr>")
            .header("Supported", "replaces, outbound"),
        420,
    );
}

#[test]
fn only_the_first_supported_header_counts() {
    let mut p = pbx(true);
    p.expect(
        &reg("alice")
            .c("sip:alice@10.0.0.1:5060")
            .header("Path", "<sip:edge1.example.com;lr>")
            .header("Supported", "replaces")
            .header("Supported", "path"),
        420,
    );
    p.ok(&reg("alice")
        .c("sip:alice@10.0.0.1:5060")
        .header("Path", "<sip:edge1.example.com;lr>")
        .header("Supported", "replaces, PATH")
        .header("Supported", "timer"));
}

#[test]
fn path_is_stored_joined_and_echoed() {
    let mut p = pbx(true);
    let out = p.ok(&reg("alice")
        .c("sip:alice@10.0.0.1:5060")
        .header("Path", "<sip:edge1.example.com;lr>")
        .header("Path", "<sip:core.example.com;lr>")
        .header("Supported", "path"));
    let b = p.r.bindings().next().unwrap().clone();
    assert_eq!(
        b.path,
        "<sip:edge1.example.com;lr>,<sip:core.example.com;lr>"
    );
    assert_eq!(
        resp_header(&out, "Path").as_deref(),
        Some("<sip:edge1.example.com;lr>,<sip:core.example.com;lr>")
    );
    assert_eq!(resp_header(&out, "Supported").as_deref(), Some("path"));
    // a refresh without Path keeps the stored path …
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(p.r.bindings().next().unwrap().path, b.path);
    assert_eq!(resp_header(&out, "Supported").as_deref(), Some("path"));
    // … a refresh with one overwrites it
    p.ok(&reg("alice")
        .c("sip:alice@10.0.0.1:5060")
        .header("Path", "<sip:edge2.example.com;lr>")
        .header("Supported", "path"));
    assert_eq!(
        p.r.bindings().next().unwrap().path,
        "<sip:edge2.example.com;lr>"
    );
}

#[test]
fn without_support_path_the_header_is_ignored() {
    let mut p = pbx(false);
    let out = p.ok(&reg("alice")
        .c("sip:alice@10.0.0.1:5060")
        .header("Path", "<sip:edge1.example.com;lr>"));
    assert_eq!(p.r.bindings().next().unwrap().path, "");
    assert_eq!(resp_header(&out, "Path"), None);
    assert_eq!(resp_header(&out, "Supported"), None);
}

#[test]
fn query_without_path_gets_supported_but_no_path() {
    let mut p = pbx(true);
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(resp_header(&out, "Path"), None);
    assert_eq!(resp_header(&out, "Supported").as_deref(), Some("path"));
}

#[test]
fn path_and_supported_follow_the_first_listed_contact() {
    // two devices: the 200 OK's Path is the lowest-id binding's path, whoever asked
    let mut p = pbx(true);
    let (a, b) = ("sip:alice@10.0.0.1:5060", "sip:alice@10.0.0.2:5060");
    p.ok(&reg("alice")
        .c(a)
        .header("Path", "<sip:edge-a.example.com;lr>")
        .header("Supported", "path"));
    let out = p.ok(&reg("alice")
        .c(b)
        .header("Path", "<sip:edge-b.example.com;lr>")
        .header("Supported", "path"));
    let first = p.stored("alice")[0].clone();
    let want = if first == a {
        "<sip:edge-a.example.com;lr>"
    } else {
        "<sip:edge-b.example.com;lr>"
    };
    assert_eq!(resp_header(&out, "Path").as_deref(), Some(want));
    // no binding left at all: no response contact, so neither header
    let out = p.ok(&reg("alice").contact("*").expires(0));
    assert!(resp_contacts(&out).is_empty());
    assert_eq!(resp_header(&out, "Supported"), None);
    assert_eq!(resp_header(&out, "Path"), None);
}

#[test]
fn a_static_first_contact_gives_supported_without_path() {
    let mut p = Pbx::new(&alice(
        "max_contacts=2\nsupport_path=yes\ncontact=sip:desk@192.0.2.9:5060",
    ));
    let out = p.ok(&reg("alice"));
    assert_eq!(resp_contacts(&out), ["<sip:desk@192.0.2.9:5060>"]);
    assert_eq!(resp_header(&out, "Supported").as_deref(), Some("path"));
    assert_eq!(resp_header(&out, "Path"), None);
}
