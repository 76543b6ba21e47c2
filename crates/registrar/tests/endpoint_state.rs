//! Reference §8 (endpoint state) and the bookkeeping lines other modules log
//! around registrar changes: "Contact …/… has been deleted" (pjsip_options.c)
//! and "Endpoint … is now Reachable/Unreachable" (pjsip_configuration.c), as in
//! the recordings.

mod common;
use aorlab_registrar::QualifyResult;
use common::*;

const EP: &str = "VERBOSE res_pjsip/pjsip_configuration.c: Endpoint alice is now";

#[test]
fn unqualified_endpoint_is_reachable_while_it_has_a_binding() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    assert!(!p.r.endpoint_reachable("alice"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(
        all_logs(&out),
        [
            "VERBOSE res_pjsip_registrar.c: Added contact 'sip:alice@10.0.0.1:5060' to AOR 'alice' with expiration of 3600 seconds".to_string(),
            format!("{EP} Reachable"),
        ]
    );
    assert!(p.r.endpoint_reachable("alice"));
    // a second binding changes nothing
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.2:5060"));
    assert_eq!(all_logs(&out).len(), 1);
    // removing both (in id order): each deletion is noticed right after its
    // registrar line, then the endpoint goes down (c08)
    let out = p.ok(&reg("alice").contact("*").expires(0));
    let l = all_logs(&out);
    assert_eq!(l.len(), 5);
    for pair in l[..4].chunks(2) {
        let uri = pair[0].split('\'').nth(1).unwrap();
        assert!(pair[0].ends_with("due to request"));
        assert_eq!(
            pair[1],
            format!("VERBOSE res_pjsip/pjsip_options.c: Contact alice/{uri} has been deleted")
        );
    }
    assert_eq!(l[4], format!("{EP} Unreachable"));
}

#[test]
fn a_lazily_expired_binding_takes_the_endpoint_down_and_a_new_one_up() {
    // c10c: deleted, Unreachable, Reachable, all within one REGISTER
    let mut p = Pbx::new(&alice("max_contacts=1\nminimum_expiration=2"));
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 2));
    p.wait(4);
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.2:5060", 2));
    let l = all_logs(&out);
    assert_eq!(
        l[0],
        "VERBOSE res_pjsip/pjsip_options.c: Contact alice/sip:alice@10.0.0.1:5060 has been deleted"
    );
    assert_eq!(l[1], format!("{EP} Unreachable"));
    assert!(l[2].contains("Added contact 'sip:alice@10.0.0.2:5060'"));
    assert_eq!(l[3], format!("{EP} Reachable"));
    // the deletion is on the record, as a read's, without a registrar log line
    let removed: Vec<_> = out
        .changes
        .iter()
        .filter(|c| c.kind == aorlab_registrar::ChangeKind::Removed)
        .collect();
    assert_eq!(removed.len(), 1);
    assert!(matches!(
        removed[0].why,
        aorlab_registrar::Why::ExpiredOnRead {
            read: aorlab_registrar::AorRead::Register,
            ..
        }
    ));
    assert_eq!(removed[0].log, None);
}

#[test]
fn sweep_close_and_boot_update_the_state() {
    let conf = "[alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n[alice]\ntype=aor\nmax_contacts=2\n\
                [bob]\ntype=endpoint\naors=bob\n[bob]\ntype=aor\nmax_contacts=2\nminimum_expiration=10\n";
    let mut p = Pbx::new(conf);
    p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .tcp(1)
        .c("sip:alice@192.168.1.20:5060"));
    p.ok(&reg("bob").ce("sip:bob@10.0.0.9:5060", 10));
    let out = p.r.on_connection_closed(p.now, 1);
    assert_eq!(all_logs(&out).last().unwrap(), &format!("{EP} Unreachable"));
    let outs = p.run_until(p.now + 30_000);
    let l: Vec<String> = outs.iter().flat_map(all_logs).collect();
    assert!(
        l.contains(
            &"VERBOSE res_pjsip/pjsip_configuration.c: Endpoint bob is now Unreachable".to_string()
        ),
        "{l:?}"
    );
    // after a restart an endpoint with persisted bindings comes up again (c14a)
    p.ok(&reg("bob").c("sip:bob@10.0.0.9:5060"));
    p.r.on_stop(p.now);
    assert!(!p.r.endpoint_reachable("bob"));
    let out = p.r.on_start(p.now + 5_000);
    assert_eq!(
        all_logs(&out),
        ["VERBOSE res_pjsip/pjsip_configuration.c: Endpoint bob is now Reachable"]
    );
}

#[test]
fn static_contacts_make_an_unqualified_endpoint_reachable_at_boot() {
    let p = Pbx::new(&alice("max_contacts=1\ncontact=sip:desk@192.0.2.9:5060"));
    assert!(p.r.endpoint_reachable("alice"));
}

#[test]
fn qualified_endpoint_needs_a_reachable_contact() {
    let mut p = Pbx::new(&alice("max_contacts=2\nqualify_frequency=60"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert!(all_logs(&out).iter().all(|l| !l.contains("Endpoint")));
    assert!(!p.r.endpoint_reachable("alice"));
    let id = p.id_of("sip:alice@10.0.0.1:5060");
    let out = p.r.on_qualify_result(
        p.now,
        &id,
        QualifyResult::Answered {
            code: 200,
            rtt_ms: 0.5,
        },
    );
    assert_eq!(
        all_logs(&out),
        [
            "VERBOSE res_pjsip/pjsip_options.c: Contact alice/sip:alice@10.0.0.1:5060 is now Reachable.  RTT: 0.500 msec".to_string(),
            format!("{EP} Reachable"),
        ]
    );
    let out = p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
    assert_eq!(all_logs(&out)[1], format!("{EP} Unreachable"));
}
