//! Reference §2.11: the 200 OK — Date, every binding in id order, expires as
//! granted−1 / whole remaining seconds, statics last, Expires echo,
//! x-ast-orig-host restored per binding.

mod common;
use aorlab_registrar::{http_date, uri_md5};
use common::*;

#[test]
fn date_header_is_rfc1123_gmt() {
    let mut p = Pbx::new(&alice("max_contacts=1"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(
        resp_header(&out, "Date").as_deref(),
        Some("Thu, 26 Nov 2026 21:54:12 GMT")
    );
    assert_eq!(http_date(T0), "Thu, 26 Nov 2026 21:54:12 GMT");
    assert_eq!(reason(&out), "OK");
    // the response echoes Call-ID, CSeq, From and To (with a tag)
    let m = out.response.as_ref().unwrap().to_message();
    assert_eq!(m.headers.get("Call-ID"), Some("cid-alice"));
    assert_eq!(m.headers.get("CSeq"), Some("1 REGISTER"));
    assert!(m.headers.get("To").unwrap().contains(";tag="));
    assert!(m
        .headers
        .get("Server")
        .unwrap()
        .starts_with("Asterisk PBX 22"));
}

#[test]
fn contacts_are_listed_in_md5_order_with_granted_minus_one_and_whole_seconds() {
    let mut p = Pbx::new(&alice("max_contacts=5"));
    let devices: Vec<String> = (1..=4)
        .map(|i| format!("sip:alice@10.0.0.{i}:5060"))
        .collect();
    for d in &devices[..3] {
        p.ok(&reg("alice").ce(d, 300));
        p.wait_ms(3_300);
    }
    let out = p.ok(&reg("alice").ce(&devices[3], 600));
    let mut by_md5 = devices.clone();
    by_md5.sort_by_key(|u| uri_md5(u));
    let got: Vec<String> = resp_contacts(&out);
    let uris: Vec<&str> = got
        .iter()
        .map(|c| c.trim_start_matches('<').split('>').next().unwrap())
        .collect();
    assert_eq!(uris, by_md5);
    // expires: fresh = 599; others = whole seconds left from the stored second
    let now = p.now;
    for c in &got {
        let uri = c.trim_start_matches('<').split('>').next().unwrap();
        let e: i64 = c.rsplit_once("expires=").unwrap().1.parse().unwrap();
        let b = p.r.bindings().find(|b| b.uri == uri).unwrap();
        if uri == devices[3] {
            assert_eq!(e, 599);
        } else {
            assert_eq!(e, (b.expiration as i64 * 1000 - now as i64) / 1000, "{uri}");
        }
    }
    // T0 = …052.529; device 1 stored …352; now = T0 + 9.9 s = …062.429 → 289
    let first = got.iter().find(|c| c.contains("10.0.0.1:")).unwrap();
    assert!(first.ends_with(";expires=289"), "{first}");
}

#[test]
fn an_untouched_binding_with_less_than_a_second_left_shows_zero() {
    let mut p = Pbx::new(&alice("max_contacts=2\nminimum_expiration=1"));
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 10));
    // stored expiry = …062 s; at …061.600 there are 400 ms left
    p.now = (T0 / 1000 + 9) * 1000 + 600;
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.2:5060", 10));
    assert!(resp_contacts(&out).contains(&"<sip:alice@10.0.0.1:5060>;expires=0".to_string()));
}

#[test]
fn other_devices_and_static_contacts_are_listed_statics_last_without_expires() {
    let mut p = Pbx::new(&alice(
        "max_contacts=3\ncontact=sip:desk@192.0.2.9:5060, sip:aaa@192.0.2.8",
    ));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let out = p.ok(&reg("alice")
        .src("10.0.0.2:5060")
        .c("sip:alice@10.0.0.2:5060"));
    let got = resp_contacts(&out);
    assert_eq!(got.len(), 4);
    let mut statics = ["sip:desk@192.0.2.9:5060", "sip:aaa@192.0.2.8"];
    statics.sort_by_key(|u| uri_md5(u));
    assert_eq!(got[2], format!("<{}>", statics[0]));
    assert_eq!(got[3], format!("<{}>", statics[1]));
    assert!(got[..2].iter().all(|c| c.contains(";expires=")));
}

#[test]
fn query_lists_everything_in_whole_seconds_and_no_expires_header() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 300));
    p.wait(10);
    let out = p.ok(&reg("alice"));
    // stored …352; now …062.529 → 289.471 → 289 (a fresh one would say 299)
    assert_eq!(
        resp_contacts(&out),
        ["<sip:alice@10.0.0.1:5060>;expires=289"]
    );
    assert_eq!(resp_header(&out, "Expires"), None);
    assert!(out.changes.is_empty());
}

#[test]
fn expires_header_only_when_requested() {
    let mut p = Pbx::new(&alice("max_contacts=2\nmaximum_expiration=1000"));
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 300));
    assert_eq!(resp_header(&out, "Expires"), None);
    let out = p.ok(&reg("alice")
        .ce("sip:alice@10.0.0.1:5060", 300)
        .expires(5000));
    assert_eq!(resp_header(&out, "Expires").as_deref(), Some("1000"));
}

#[test]
fn each_binding_gets_its_own_original_host_back() {
    let conf = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=3\n";
    let mut p = Pbx::new(conf);
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    let out = p.ok(&reg("alice")
        .src("203.0.113.8:40002")
        .c("sip:alice@192.168.1.30"));
    let mut stored = p.stored("alice");
    stored.sort();
    assert_eq!(
        stored,
        [
            "sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060",
            "sip:alice@203.0.113.8:40002;x-ast-orig-host=192.168.1.30:0",
        ]
    );
    let mut got = resp_contacts(&out);
    got.sort();
    assert_eq!(
        got,
        [
            "<sip:alice@192.168.1.20:5060>;expires=3599",
            "<sip:alice@192.168.1.30>;expires=3599",
        ]
    );
}

#[test]
fn an_unparsable_static_contact_is_skipped_with_a_warning() {
    // passes ast_sip_validate_uri_length at load, fails pjsip's parser later
    let bad = "sip:desk@192.0.2.9:port";
    let mut p = Pbx::new(&alice(&format!("max_contacts=1\ncontact={bad}")));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(
        resp_contacts(&out),
        ["<sip:alice@10.0.0.1:5060>;expires=3599"]
    );
    assert!(logs(&out).contains(&format!(
        "WARNING res_pjsip_registrar.c: Skipping invalid Contact URI \"{bad}\" for AOR alice"
    )));
}
