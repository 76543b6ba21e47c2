//! Reference §2.10: `remove_excess_contacts` — which untouched bindings
//! remove_existing evicts, in which order, with which log.

mod common;
use aorlab_registrar::{uri_md5, ChangeKind, QualifyResult, Why};
use common::*;

fn uris(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("sip:alice@10.0.0.{i}:5060"))
        .collect()
}

#[test]
fn soonest_expiring_goes_first_not_the_oldest() {
    let mut p = Pbx::new(&alice("max_contacts=2\nremove_existing=yes"));
    let u = uris(3);
    p.ok(&reg("alice").ce(&u[0], 600));
    p.wait(1);
    p.ok(&reg("alice").ce(&u[1], 300)); // newer, but expires sooner
    p.wait(1);
    let out = p.ok(&reg("alice").c(&u[2]));
    // the new binding is added first, the eviction follows (post-pass)
    assert_eq!(
        logs(&out),
        [
            "VERBOSE res_pjsip_registrar.c: Added contact 'sip:alice@10.0.0.3:5060' to AOR 'alice' with expiration of 3600 seconds",
            "VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.2:5060' from AOR 'alice' due to remove existing"
        ]
    );
    match &out.changes[1].why {
        Why::RemoveExisting { count } => assert_eq!((count.count, count.max_contacts), (3, 2)),
        w => panic!("{w:?}"),
    }
    let mut s = p.stored("alice");
    s.sort();
    assert_eq!(s, [u[0].clone(), u[2].clone()]);
}

#[test]
fn same_whole_second_ties_go_to_the_lower_md5() {
    // T0 is …052.529 s: +300 ms is still the same whole second.
    for (a, b) in [
        ("sip:alice@10.0.0.1:5060", "sip:alice@10.0.0.2:5060"),
        ("sip:alice@10.0.0.2:5060", "sip:alice@10.0.0.1:5060"),
        ("sip:x@h1", "sip:y@h2"),
        ("sip:y@h2", "sip:x@h1"),
    ] {
        let mut p = Pbx::new(&alice("max_contacts=2\nremove_existing=yes"));
        p.ok(&reg("alice").ce(a, 300));
        p.wait_ms(300);
        p.ok(&reg("alice").ce(b, 300));
        let exp: Vec<u64> = p.r.bindings().map(|x| x.expiration).collect();
        assert_eq!(exp[0], exp[1], "same stored second");
        p.wait(2);
        let out = p.ok(&reg("alice").c("sip:alice@10.0.0.9:5060"));
        let lower = if uri_md5(a) < uri_md5(b) { a } else { b };
        assert_eq!(removed_uris(&out), [lower], "{a} vs {b}");
    }
}

#[test]
fn sub_second_differences_do_not_count() {
    // A registered at .529 for 300 s, B at .829 for 300 s: stored alike although
    // B really expires later; but A at .529 for 301 s is a whole second later.
    let mut p = Pbx::new(&alice("max_contacts=2\nremove_existing=yes"));
    let (a, b) = ("sip:x@h1", "sip:y@h2");
    // make the lower-md5 URI expire one second later: the other one goes
    let (lo, hi) = if uri_md5(a) < uri_md5(b) {
        (a, b)
    } else {
        (b, a)
    };
    p.ok(&reg("alice").ce(lo, 301));
    p.wait_ms(300);
    p.ok(&reg("alice").ce(hi, 300));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.9:5060"));
    assert_eq!(removed_uris(&out), [hi]);
}

#[test]
fn several_evictions_are_logged_latest_expiring_first() {
    let mut p = Pbx::new(&alice("max_contacts=4\nremove_existing=yes"));
    let u = uris(4);
    p.ok(&reg("alice")
        .ce(&u[0], 100)
        .ce(&u[1], 200)
        .ce(&u[2], 300)
        .ce(&u[3], 400));
    p.reload(&alice("max_contacts=2\nremove_existing=yes"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.9:5060"));
    // n = 4 untouched + 1 added = 5 > 2: the three soonest go, deleted last-first
    assert_eq!(
        removed_uris(&out),
        [u[2].clone(), u[1].clone(), u[0].clone()]
    );
    let mut s = p.stored("alice");
    s.sort();
    assert_eq!(s, [u[3].clone(), "sip:alice@10.0.0.9:5060".to_string()]);
}

#[test]
fn refreshed_bindings_are_never_candidates() {
    let mut p = Pbx::new(&alice("max_contacts=2\nremove_existing=yes"));
    let u = uris(3);
    p.ok(&reg("alice").ce(&u[0], 60).ce(&u[1], 600));
    // refresh u0 (soonest) and add u2: n = 1 untouched + 1 updated + 1 added = 3
    let out = p.ok(&reg("alice").ce(&u[0], 60).c(&u[2]));
    assert_eq!(removed_uris(&out), [u[1].clone()]);
}

#[test]
fn static_contacts_are_never_evicted() {
    let mut p = Pbx::new(&alice(
        "max_contacts=1\nremove_existing=yes\ncontact=sip:desk@192.0.2.9:5060",
    ));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.2:5060"));
    assert_eq!(removed_uris(&out), ["sip:alice@10.0.0.1:5060"]);
    assert_eq!(
        resp_contacts(&out),
        [
            "<sip:alice@10.0.0.2:5060>;expires=3599",
            "<sip:desk@192.0.2.9:5060>"
        ]
    );
}

#[test]
fn unavailable_first_only_with_remove_unavailable() {
    let u = uris(3);
    for (flag, victim) in [(true, 1usize), (false, 0usize)] {
        let mut p = Pbx::new(&alice(&format!(
            "max_contacts=2\nremove_existing=yes\nqualify_frequency=60\nremove_unavailable={}",
            if flag { "yes" } else { "no" }
        )));
        p.ok(&reg("alice").ce(&u[0], 300).ce(&u[1], 900));
        let id = p.id_of(&u[1]);
        p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
        let id = p.id_of(&u[0]);
        p.r.on_qualify_result(
            p.now,
            &id,
            QualifyResult::Answered {
                code: 200,
                rtt_ms: 2.0,
            },
        );
        let out = p.ok(&reg("alice").c(&u[2]));
        assert_eq!(
            removed_uris(&out),
            [u[victim].clone()],
            "remove_unavailable={flag}"
        );
        // the post-pass keeps the "remove existing" reason either way
        assert!(has_log(&out, "due to remove existing"));
    }
}

#[test]
fn star_skips_the_post_pass() {
    let mut p = Pbx::new(&alice("max_contacts=1\nremove_existing=yes"));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let out = p.ok(&reg("alice").contact("*").expires(0));
    assert_eq!(changes(&out, ChangeKind::Removed).len(), 1);
    assert!(has_log(&out, "due to request"));
    assert!(!has_log(&out, "remove existing"));
}
