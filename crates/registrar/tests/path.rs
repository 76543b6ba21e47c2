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
