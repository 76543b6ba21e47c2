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

/// The endpoint state computed from scratch from what the registrar shows: an
/// endpoint is Reachable while one of its AORs has a binding or static contact
/// (qualify off) or a Reachable one (qualify on).
fn reachable_from_scratch(r: &aorlab_registrar::Registrar, endpoint: &str) -> bool {
    let cfg = r.config();
    let Some(e) = cfg.endpoints.get(endpoint) else {
        return false;
    };
    e.aors.iter().any(|name| {
        let Some(a) = cfg.aors.get(name) else {
            return false;
        };
        let mut ids: Vec<String> = r
            .bindings()
            .filter(|b| &b.aor == name)
            .map(|b| b.id.clone())
            .collect();
        ids.extend(
            a.contacts
                .iter()
                .map(|c| aorlab_registrar::static_id(name, c)),
        );
        if a.qualify_frequency == 0 {
            !ids.is_empty()
        } else {
            ids.iter()
                .any(|id| r.status_of(id) == aorlab_registrar::Status::Reachable)
        }
    })
}

#[test]
fn only_touched_endpoints_are_rechecked_and_none_is_missed() {
    // Endpoints sharing AORs, one qualified AOR with a static contact, TCP
    // bindings, expiry by sweep and by read, qualify results and a reload: after
    // every input the incremental state equals the state computed from scratch.
    let text = "[alice]\ntype=endpoint\naors=alice,shared\n\
                [bob]\ntype=endpoint\naors=bob,shared\n\
                [carol]\ntype=endpoint\naors=carol\n\
                [alice]\ntype=aor\nmax_contacts=2\nminimum_expiration=5\n\
                [bob]\ntype=aor\nmax_contacts=2\nqualify_frequency=30\nminimum_expiration=5\n\
                [shared]\ntype=aor\nmax_contacts=2\nminimum_expiration=5\n\
                [carol]\ntype=aor\nmax_contacts=1\nqualify_frequency=30\ncontact=sip:carol@192.0.2.9\n";
    let mut p = Pbx::new(text);
    let check = |p: &Pbx, step: &str| {
        for ep in ["alice", "bob", "carol"] {
            assert_eq!(
                p.r.endpoint_reachable(ep),
                reachable_from_scratch(&p.r, ep),
                "{ep} after {step}"
            );
        }
    };
    check(&p, "boot");
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 10));
    check(&p, "alice registers");
    p.ok(&reg("bob").ce("sip:bob@10.0.0.2:5060", 60).tcp(7));
    check(&p, "bob registers over TCP");
    let bob = p.id_of("sip:bob@10.0.0.2:5060");
    p.r.on_qualify_result(
        p.now,
        &bob,
        QualifyResult::Answered {
            code: 200,
            rtt_ms: 1.0,
        },
    );
    check(&p, "bob answers OPTIONS");
    let carol = aorlab_registrar::static_id("carol", "sip:carol@192.0.2.9");
    p.r.on_qualify_result(
        p.now,
        &carol,
        QualifyResult::Answered {
            code: 200,
            rtt_ms: 1.0,
        },
    );
    check(&p, "carol's static contact answers");
    p.ok(&reg("alice")
        .to("<sip:shared@198.51.100.10>")
        .ce("sip:alice@10.0.0.3:5060", 10));
    check(&p, "alice registers to the shared AOR");
    p.wait(30);
    p.run_until(p.now + 60_000);
    check(&p, "sweep");
    p.r.on_connection_closed(p.now, 7);
    check(&p, "bob's connection closes");
    p.r.on_qualify_result(p.now, &carol, QualifyResult::TimedOut);
    check(&p, "carol times out");
    p.r.set_status(&carol, aorlab_registrar::Status::Reachable, Some(2.0));
    p.r.on_tick(p.now);
    check(&p, "carol's status set by replay");
    p.reload(&text.replace("aors=bob,shared", "aors=bob"));
    check(&p, "reload");
    p.r.on_stop(p.now);
    p.r.on_start(p.now + 1000);
    check(&p, "restart");
}
