//! Reference §2.2: which AOR a REGISTER binds to (`find_registrar_aor`,
//! `find_aor_name`), including the pre-22.11 identify_by walk.

mod common;
use aorlab_registrar::{find_aor_name, Profile};
use common::*;
use std::collections::BTreeMap;

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn find_aor_name_passes_in_order() {
    let mut aliases = BTreeMap::new();
    aliases.insert("alias.org".to_string(), "example.com".to_string());
    let aors = names(&["alice", "alice@example.com", "bob@example.com"]);
    // pass 1: user@domain wins over user even if listed later
    assert_eq!(
        find_aor_name("alice", "example.com", &aors, &aliases).as_deref(),
        Some("alice@example.com")
    );
    // pass 2: user@alias-target
    assert_eq!(
        find_aor_name("bob", "alias.org", &aors, &aliases).as_deref(),
        Some("bob@example.com")
    );
    // pass 3: user alone
    assert_eq!(
        find_aor_name("alice", "other.net", &aors, &aliases).as_deref(),
        Some("alice")
    );
    // byte-equal: case matters
    assert_eq!(find_aor_name("Alice", "other.net", &aors, &aliases), None);
    // empty user: only the user@domain passes could match
    assert_eq!(
        find_aor_name("", "other.net", &names(&[""]), &aliases),
        None
    );
    assert_eq!(find_aor_name("bob", "nowhere", &aors, &aliases), None);
}

const MULTI: &str = "[alice]\ntype=endpoint\naors=alice, alice@example.com , office\n\n\
[alice]\ntype=aor\nmax_contacts=5\n\n[alice@example.com]\ntype=aor\nmax_contacts=5\n\n\
[office]\ntype=aor\nmax_contacts=5\n\n[bob]\ntype=aor\nmax_contacts=5\n\n\
[example.org]\ntype=domain_alias\ndomain=example.com\n";

#[test]
fn user_at_domain_first_then_alias_then_user() {
    let mut p = Pbx::new(MULTI);
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(p.stored("alice@example.com"), ["sip:alice@10.0.0.1:5060"]);
    p.ok(&reg("alice")
        .to("<sip:alice@example.org>")
        .c("sip:alice@10.0.0.2:5060"));
    assert_eq!(p.stored("alice@example.com").len(), 2);
    p.ok(&reg("alice")
        .to("<sip:alice@elsewhere.net>")
        .c("sip:alice@10.0.0.3:5060"));
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.3:5060"]);
    p.ok(&reg("alice")
        .to("<sip:office@elsewhere.net>")
        .c("sip:alice@10.0.0.4:5060"));
    assert_eq!(p.stored("office"), ["sip:alice@10.0.0.4:5060"]);
}

#[test]
fn only_the_endpoints_own_aors_are_candidates() {
    let mut p = Pbx::new(MULTI);
    // [bob] exists but is not in alice's list
    p.expect(
        &reg("alice")
            .to("<sip:bob@example.com>")
            .c("sip:alice@10.0.0.1:5060"),
        404,
    );
}

#[test]
fn ignore_uri_user_options_cuts_the_user_at_semicolon() {
    let base = "[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=1\n";
    let to = "<sip:alice;npdi=yes@example.com>";
    let mut p = Pbx::new(base);
    p.expect(&reg("alice").to(to).c("sip:alice@10.0.0.1:5060"), 404);
    let mut p = Pbx::new(&format!(
        "[global]\ntype=global\nignore_uri_user_options=yes\n{base}"
    ));
    p.ok(&reg("alice").to(to).c("sip:alice@10.0.0.1:5060"));
    assert_eq!(p.stored("alice").len(), 1);
}

const AUTH: &str = "[alice]\ntype=endpoint\naors=alice-aor\nidentify_by=username,auth_username\n\n\
[alice-aor]\ntype=aor\nmax_contacts=1\n";

#[test]
fn authorization_username_is_tried_after_the_to_uri() {
    let mut p = Pbx::new(AUTH);
    let out = p.send(
        &reg("alice")
            .header(
                "Authorization",
                "Digest username=\"alice-aor\", realm=\"asterisk\", nonce=\"x\", uri=\"sip:example.com\", response=\"0\"",
            )
            .c("sip:alice@10.0.0.1:5060"),
    );
    assert_eq!(status(&out), 200);
    assert_eq!(p.stored("alice-aor"), ["sip:alice@10.0.0.1:5060"]);
}

#[test]
fn authorization_scheme_is_case_insensitive_and_other_schemes_are_skipped() {
    let mut p = Pbx::new(AUTH);
    p.expect(
        &reg("alice")
            .header("Authorization", "Basic dXNlcjpwYXNz")
            .c("sip:alice@10.0.0.1:5060"),
        404,
    );
    p.ok(&reg("alice")
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .header(
            "Authorization",
            "DIGEST username=\"alice-aor\",realm=\"asterisk\"",
        )
        .c("sip:alice@10.0.0.1:5060"));
}

#[test]
fn authorization_is_ignored_without_auth_username_in_identify_by() {
    let mut p = Pbx::new(&AUTH.replace("username,auth_username", "username"));
    p.expect(
        &reg("alice")
            .header(
                "Authorization",
                "Digest username=\"alice-aor\", realm=\"asterisk\"",
            )
            .c("sip:alice@10.0.0.1:5060"),
        404,
    );
}

const BY_IP: &str = "[alice]\ntype=endpoint\naors=alice\nidentify_by=ip\n\n\
[alice]\ntype=aor\nmax_contacts=1\n";

#[test]
fn identify_by_ip_only_finds_the_aor_from_22_11_on() {
    // 20.21/22.11+: the To URI is always tried first.
    let mut p = Pbx::new(BY_IP);
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    // older releases walked identify_by and only read the To URI for `username`:
    // asterisk/asterisk#1398, "AOR '' not found".
    for prof in [Profile::new(16, 6, 0), Profile::new(18, 7, 0)] {
        let mut p = Pbx::with_profile(prof, BY_IP);
        let out = p.expect(&reg("alice").c("sip:alice@10.0.0.1:5060"), 404);
        assert!(
            has_log(&out, "AOR '' not found for endpoint 'alice'"),
            "{:?}",
            out.log
        );
    }
    // with the default identify_by (username,ip) old releases find it too
    let mut p = Pbx::with_profile(
        Profile::new(18, 7, 0),
        "[alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=1\n",
    );
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
}

#[test]
fn endpoint_by_from_user_at_domain_then_alias_then_user() {
    let conf = "[alice@example.com]\ntype=endpoint\naors=a1\n[a1]\ntype=aor\nmax_contacts=1\n\
                [alice]\ntype=endpoint\naors=a2\n[a2]\ntype=aor\nmax_contacts=1\n\
                [example.org]\ntype=domain_alias\ndomain=example.com\n";
    let mut p = Pbx::new(conf);
    let r = |from: &str| {
        reg("alice")
            .from(&format!("<sip:alice@{from}>;tag=1"))
            .to("<sip:a9@x>")
            .c("sip:alice@10.0.0.1:5060")
    };
    // the AOR lookup fails on purpose (404): its log names the endpoint found
    let out = p.expect(&r("example.com"), 404);
    assert!(has_log(&out, "for endpoint 'alice@example.com'"));
    let out = p.expect(&r("example.org"), 404);
    assert!(has_log(&out, "for endpoint 'alice@example.com'"));
    let out = p.expect(&r("other.net"), 404);
    assert!(has_log(&out, "for endpoint 'alice'"));
}
