//! The distributor's "No matching endpoint found" NOTICE for a REGISTER no
//! endpoint matches (`pjsip_distributor.c`: `endpoint_lookup`,
//! `check_endpoint`, `log_failed_request`, `prune_task`).

mod common;
use aorlab_registrar::{Addr, Profile};
use common::*;

const CONF: &str = "[alice]\ntype=endpoint\naors=alice\n\n[alice]\ntype=aor\nmax_contacts=1\n";

fn with_global(g: &str) -> String {
    format!("[global]\ntype=global\n{g}\n\n{CONF}")
}

fn mallory() -> Reg {
    reg("mallory").c("sip:mallory@10.0.0.9:5060")
}

const NOTICE: &str = "NOTICE res_pjsip/pjsip_distributor.c: Request 'REGISTER' from \
     'sip:mallory@example.com' failed for '10.0.0.1:5060' (callid: cid-mallory) - No matching endpoint found";

#[test]
fn without_auth_username_every_unknown_request_logs_at_once() {
    let mut p = Pbx::new(CONF);
    for _ in 0..3 {
        let out = p.expect(&mallory(), 401);
        assert_eq!(logs(&out), [NOTICE]);
        p.wait_ms(100);
    }
    // an IPv6 source is printed in brackets, with the port
    let mut v6 = mallory();
    v6.src = Addr::new("2001:db8::7", 5070);
    let out = p.expect(&v6, 401);
    assert_eq!(
        logs(&out),
        [NOTICE.replace("'10.0.0.1:5060'", "'[2001:db8::7]:5070'")]
    );
}

#[test]
fn with_auth_username_the_notice_waits_for_the_count_within_the_period() {
    let conf = with_global("endpoint_identifier_order=ip,username,auth_username");
    let mut p = Pbx::new(&conf);
    // defaults: count 5, period 5 s. The first request is only recorded.
    for _ in 0..4 {
        let out = p.expect(&mallory(), 401);
        assert!(logs(&out).is_empty(), "{:?}", out.log);
        p.wait_ms(250);
    }
    // the 5th, 1 s after the first: "after 5 tries in 1.000 ms" (ms / 1000, as Asterisk prints it)
    let out = p.expect(&mallory(), 401);
    assert_eq!(logs(&out), [format!("{NOTICE} after 5 tries in 1.000 ms")]);
    p.wait_ms(1500);
    let out = p.expect(&mallory(), 401);
    assert_eq!(logs(&out), [format!("{NOTICE} after 6 tries in 2.500 ms")]);
    // another source IP has its own count
    let out = p.expect(&mallory().src("10.0.0.2:5060"), 401);
    assert!(logs(&out).is_empty(), "{:?}", out.log);
    // past the period from the first request: counted but silent
    p.wait_ms(2500);
    let out = p.expect(&mallory(), 401);
    assert!(logs(&out).is_empty(), "{:?}", out.log);
}

#[test]
fn settings_are_read_from_global() {
    let conf = with_global(
        "endpoint_identifier_order=auth_username,username\n\
         unidentified_request_count=2\nunidentified_request_period=1",
    );
    let mut p = Pbx::new(&conf);
    assert!(logs(&p.expect(&mallory(), 401)).is_empty());
    p.wait_ms(999);
    let out = p.expect(&mallory(), 401);
    assert_eq!(logs(&out), [format!("{NOTICE} after 2 tries in 0.999 ms")]);
    p.wait_ms(1);
    assert!(logs(&p.expect(&mallory(), 401)).is_empty());
}

#[test]
fn an_identified_request_from_that_ip_resets_the_count() {
    let conf = with_global("endpoint_identifier_order=ip,username,auth_username");
    let mut p = Pbx::new(&conf);
    for _ in 0..4 {
        p.expect(&mallory(), 401);
    }
    // alice from the same IP (another port) is identified: the count is dropped
    p.ok(&reg("alice")
        .c("sip:alice@10.0.0.1:5062")
        .src("10.0.0.1:5062"));
    for _ in 0..4 {
        assert!(logs(&p.expect(&mallory(), 401)).is_empty());
    }
    let out = p.expect(&mallory(), 401);
    assert_eq!(logs(&out), [format!("{NOTICE} after 5 tries in 0.000 ms")]);
}

#[test]
fn the_prune_task_drops_counts_older_than_four_periods() {
    // prune every 30 s from boot; entries more than 4 × 5 s old go
    let conf = with_global("endpoint_identifier_order=ip,username,auth_username");
    let mut p = Pbx::new(&conf);
    p.wait(5);
    p.expect(&mallory(), 401); // first seen at 5 s
    p.wait(24); // 29 s: no prune run yet, counted (2nd), silent: past the period
    assert!(logs(&p.expect(&mallory(), 401)).is_empty());
    p.wait(2); // 31 s: the run at 30 s dropped it (25 s old); this one starts afresh
    for _ in 0..4 {
        assert!(logs(&p.expect(&mallory(), 401)).is_empty());
    }
    let out = p.expect(&mallory(), 401);
    assert_eq!(logs(&out), [format!("{NOTICE} after 5 tries in 0.000 ms")]);
}

#[test]
fn older_releases_print_no_method_never_count_and_no_ipv6_brackets() {
    let conf = with_global("endpoint_identifier_order=ip,username,auth_username");
    let mut v6 = mallory();
    v6.src = Addr::new("2001:db8::7", 5070);
    // 13.9: "Request from", logged at once even with auth_username, src_name:port
    let mut p = Pbx::with_profile(Profile::new(13, 9, 0), &conf);
    let out = p.expect(&v6, 401);
    assert_eq!(
        logs(&out),
        [NOTICE
            .replace("Request 'REGISTER' from", "Request from")
            .replace("'10.0.0.1:5060'", "'2001:db8::7:5070'")]
    );
    // 16.0: counted, still unbracketed
    let mut p = Pbx::with_profile(
        Profile::new(16, 0, 0),
        &with_global("endpoint_identifier_order=auth_username\nunidentified_request_count=1"),
    );
    p.expect(&v6, 401);
    let out = p.expect(&v6, 401);
    let want = format!("{NOTICE} after 2 tries in 0.000 ms")
        .replace("'10.0.0.1:5060'", "'2001:db8::7:5070'");
    assert_eq!(logs(&out), [want]);
}
