//! Reference §8: qualify (OPTIONS) and contact status.

mod common;
use aorlab_registrar::{static_id, QualifyResult, Status};
use common::*;

fn pbx(opts: &str) -> Pbx {
    Pbx::new(&format!(
        "[global]\ntype=global\ncontact_expiration_check_interval=0\n\
         [alice]\ntype=endpoint\naors=alice\nrewrite_contact=yes\n\
         [alice]\ntype=aor\nmax_contacts=5\n{opts}\n"
    ))
}

#[test]
fn no_qualify_frequency_no_options_and_nonqualified() {
    let mut p = pbx("");
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert!(out.qualify.is_empty());
    assert_eq!(p.r.next_wakeup(), None);
    let id = p.r.bindings().next().unwrap().id.clone();
    assert_eq!(p.r.status_of(&id), Status::NonQualified);
}

#[test]
fn a_new_binding_qualifies_every_contact_of_the_aor_at_once() {
    let mut p = pbx("qualify_frequency=60\nqualify_timeout=2.5\ncontact=sip:desk@192.0.2.9:5060");
    let out = p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060"));
    assert_eq!(out.qualify.len(), 2);
    let out = p.ok(&reg("alice")
        .src("203.0.113.7:40001")
        .c("sip:alice@192.168.1.20:5060"));
    let mut got: Vec<(String, String, u64)> = out
        .qualify
        .iter()
        .map(|q| {
            (
                q.uri.to_string(),
                p.r.qualify_request_uri(q).to_string(),
                q.timeout_ms,
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "sip:alice@10.0.0.1:5060".into(),
                "sip:alice@10.0.0.1:5060".into(),
                2500
            ),
            (
                "sip:alice@203.0.113.7:40001;x-ast-orig-host=192.168.1.20:5060".into(),
                "sip:alice@203.0.113.7:40001".into(),
                2500
            ),
            (
                "sip:desk@192.0.2.9:5060".into(),
                "sip:desk@192.0.2.9:5060".into(),
                2500
            ),
        ]
    );
    assert!(out
        .qualify
        .iter()
        .any(|q| *q.contact_id == *static_id("alice", "sip:desk@192.0.2.9:5060")));
    // a refresh does not qualify
    let out = p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060"));
    assert!(out.qualify.is_empty());
    // then every qualify_frequency seconds
    assert_eq!(p.r.next_wakeup(), Some(p.now + 60_000));
    let outs = p.run_until(p.now + 60_000);
    assert_eq!(outs.last().unwrap().qualify.len(), 3);
}

#[test]
fn results_set_the_status() {
    let mut p = pbx("qualify_frequency=60");
    p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060"));
    let id = p.r.bindings().next().unwrap().id.clone();
    let out = p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
    assert_eq!(p.r.status_of(&id), Status::Unreachable);
    assert_eq!(
        logs(&out),
        ["VERBOSE res_pjsip/pjsip_options.c: Contact alice/sip:alice@10.0.0.1:5060 is now Unreachable.  RTT: 0.000 msec"]
    );
    // any final response, even 404 or 503, means Reachable
    for code in [200, 404, 503] {
        p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
        let out =
            p.r.on_qualify_result(p.now, &id, QualifyResult::Answered { code, rtt_ms: 1.25 });
        assert_eq!(p.r.status_of(&id), Status::Reachable, "{code}");
        assert!(has_log(&out, "is now Reachable.  RTT: 1.250 msec"));
    }
    assert_eq!(p.r.rtt_of(&id), Some(1.25));
    // no log when the status does not change
    let out = p.r.on_qualify_result(
        p.now,
        &id,
        QualifyResult::Answered {
            code: 200,
            rtt_ms: 2.0,
        },
    );
    assert!(out.log.is_empty());
}

/// Statuses are memory, not astdb: a restart forgets them, a removed binding
/// takes its status along, and the same URI registered again starts over.
/// The per-row view the observers read agrees with `status_of` throughout.
#[test]
fn a_status_lives_as_long_as_its_binding_and_its_asterisk() {
    let mut p = pbx("qualify_frequency=60\ncontact=sip:desk@192.0.2.9:5060");
    let phone = reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060");
    p.ok(&phone);
    let id = p.id_of("sip:alice@10.0.0.1:5060");
    let desk = static_id("alice", "sip:desk@192.0.2.9:5060");
    let answered = QualifyResult::Answered {
        code: 200,
        rtt_ms: 3.0,
    };
    p.r.on_qualify_result(p.now, &id, answered);
    p.r.on_qualify_result(p.now, &desk, QualifyResult::TimedOut);
    let rows = |p: &Pbx| -> Vec<(Status, Option<f64>)> {
        p.r.bindings_with_status("alice")
            .map(|(_, _, s, rtt)| (s, rtt))
            .collect()
    };
    assert_eq!(rows(&p), [(Status::Reachable, Some(3.0))]);
    // By the AOR's number: the same rows (the same shared URI) and configuration.
    let n =
        p.r.aor_number("alice")
            .expect("a configured AOR has a number");
    let by_name: Vec<_> = p.r.bindings_with_status("alice").collect();
    let by_number: Vec<_> = p.r.bindings_with_status_of(n).collect();
    assert_eq!(by_name.len(), by_number.len());
    for (a, b) in by_name.iter().zip(&by_number) {
        assert!(std::ptr::eq(a.0, b.0) && std::sync::Arc::ptr_eq(a.1, b.1));
        assert_eq!((a.2, a.3), (b.2, b.3));
    }
    assert!(std::ptr::eq(
        p.r.aor_of(n).unwrap(),
        p.r.aor("alice").unwrap()
    ));
    assert_eq!(p.r.aor_number("nobody"), None);
    assert_eq!(
        (p.r.status_of(&id), p.r.rtt_of(&id)),
        (Status::Reachable, Some(3.0))
    );
    assert_eq!(p.r.status_of(&desk), Status::Unreachable);

    p.r.on_stop(p.now);
    p.r.on_start(p.now);
    assert_eq!(
        rows(&p),
        [(Status::NonQualified, None)],
        "the binding stays, its status goes"
    );
    assert_eq!(p.r.status_of(&id), Status::NonQualified);
    assert_eq!(p.r.status_of(&desk), Status::NonQualified);

    p.r.on_qualify_result(p.now, &id, answered);
    p.ok(&phone.clone().expires(0));
    assert!(p.r.binding(&id).is_none());
    assert_eq!(p.r.status_of(&id), Status::NonQualified);
    p.ok(&phone);
    assert_eq!(
        rows(&p),
        [(Status::NonQualified, None)],
        "registered again: never qualified"
    );
}

/// A qualify request's row hint is only a hint: when its binding is gone and
/// another one took its row, the answer changes nothing, and the other binding
/// keeps its own status.
#[test]
fn a_row_hint_never_lands_on_another_binding() {
    let mut p = pbx("qualify_frequency=60");
    let a = reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060");
    let out = p.ok(&a);
    let q = out
        .qualify
        .first()
        .expect("a new binding is qualified")
        .clone();
    assert!(p.r.still_stored(&q.contact_id, q.row, &q.uri));
    // The binding goes; another takes its place in the store.
    p.ok(&a.clone().expires(0));
    p.ok(&reg("alice")
        .src("10.0.0.2:5060")
        .c("sip:alice@10.0.0.2:5060"));
    let other = p.id_of("sip:alice@10.0.0.2:5060");
    assert!(!p.r.still_stored(&q.contact_id, q.row, &q.uri));
    let (out, moved) =
        p.r.on_qualify_answer_at(p.now, &q.contact_id, q.row, QualifyResult::TimedOut);
    assert_eq!(moved, None, "the contact is gone: nothing moved");
    assert!(out.log.is_empty());
    assert_eq!(p.r.status_of(&other), Status::NonQualified);
    // The same URI registered again has a new row: the old hint still finds it by id.
    p.ok(&a);
    assert!(p.r.still_stored(&q.contact_id, q.row, &q.uri));
    let (_, moved) =
        p.r.on_qualify_answer_at(p.now, &q.contact_id, q.row, QualifyResult::TimedOut);
    assert!(moved.is_some());
    assert_eq!(p.r.status_of(&q.contact_id), Status::Unreachable);
    assert_eq!(p.r.status_of(&other), Status::NonQualified);
}

#[test]
fn qualify_2xx_only_makes_other_answers_unreachable() {
    let mut p = pbx("qualify_frequency=60\nqualify_2xx_only=yes");
    p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060"));
    let id = p.r.bindings().next().unwrap().id.clone();
    p.r.on_qualify_result(
        p.now,
        &id,
        QualifyResult::Answered {
            code: 404,
            rtt_ms: 1.0,
        },
    );
    assert_eq!(p.r.status_of(&id), Status::Unreachable);
    p.r.on_qualify_result(
        p.now,
        &id,
        QualifyResult::Answered {
            code: 200,
            rtt_ms: 1.0,
        },
    );
    assert_eq!(p.r.status_of(&id), Status::Reachable);
}

#[test]
fn unreachable_bindings_stay_until_expiry_but_are_not_dialed() {
    let mut p = pbx("qualify_frequency=60");
    p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060"));
    p.ok(&reg("alice")
        .src("10.0.0.2:5060")
        .c("sip:alice@10.0.0.2:5060"));
    let first = p.stored("alice")[0].clone();
    let second = p.stored("alice")[1].clone();
    let id = p.id_of(&first);
    p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
    let outs = p.run_until(p.now + 600_000);
    assert!(outs.iter().all(|o| o.changes.is_empty()));
    assert_eq!(p.stored("alice").len(), 2);
    let now = p.now;
    assert_eq!(
        p.r.dial_contacts(now, "alice", None, None).unwrap(),
        format!("PJSIP/alice/{second}")
    );
    assert_eq!(p.r.dial_first(now, "alice").unwrap().uri, second);
    // NonQualified (never answered) ones are dialed
    let id2 = p.id_of(&second);
    p.r.set_status(&id2, Status::NonQualified, None);
    assert_eq!(p.r.dial_first(now, "alice").unwrap().uri, second);
    p.r.on_qualify_result(now, &id2, QualifyResult::TimedOut);
    assert_eq!(p.r.dial_contacts(now, "alice", None, None).unwrap(), "");
    assert_eq!(p.r.dial_first(now, "alice"), None);
}

#[test]
fn a_result_for_a_deleted_binding_is_ignored() {
    let mut p = pbx("qualify_frequency=60");
    p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .c("sip:alice@10.0.0.1:5060"));
    let id = p.r.bindings().next().unwrap().id.clone();
    p.ok(&reg("alice")
        .src("10.0.0.1:5060")
        .ce("sip:alice@10.0.0.1:5060", 0));
    let out = p.r.on_qualify_result(p.now, &id, QualifyResult::TimedOut);
    assert!(out.log.is_empty());
    assert_eq!(p.r.status_of(&id), Status::NonQualified);
}

#[test]
fn first_qualify_after_boot_is_within_the_frequency_or_max_initial_time() {
    let text = "[global]\ntype=global\ncontact_expiration_check_interval=0\n\
                [alice]\ntype=aor\nmax_contacts=1\nqualify_frequency=60\n";
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..20u64 {
        let r =
            aorlab_registrar::Registrar::new(aorlab_registrar::Profile::default(), conf(text), T0)
                .with_seed(seed);
        let t = r.next_wakeup().unwrap();
        assert!(t > T0 && t <= T0 + 60_000, "{t}");
        // the same seed draws the same time
        let again =
            aorlab_registrar::Registrar::new(aorlab_registrar::Profile::default(), conf(text), T0)
                .with_seed(seed);
        assert_eq!(again.next_wakeup(), Some(t));
        seen.insert(t);
    }
    assert!(
        seen.len() > 10,
        "the seed spreads the first qualify: {seen:?}"
    );
    let p = Pbx::new(
        "[global]\ntype=global\ncontact_expiration_check_interval=0\nmax_initial_qualify_time=5\n\
         [alice]\ntype=aor\nmax_contacts=1\nqualify_frequency=600\n",
    );
    let t = p.r.next_wakeup().unwrap();
    assert!(t > T0 && t <= T0 + 5_000, "{t}");
}

#[test]
fn a_reload_starts_changes_and_stops_qualify_timers() {
    let base = "[global]\ntype=global\ncontact_expiration_check_interval=0\n\
                [alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts=5\n";
    let mut p = Pbx::new(base);
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    assert_eq!(p.r.next_wakeup(), None);
    // qualify switched on: first OPTIONS within the frequency, for the stored binding
    p.reload(&format!("{base}qualify_frequency=30\n"));
    let t = p.r.next_wakeup().unwrap();
    assert!(t > p.now && t <= p.now + 30_000);
    let outs = p.run_until(t);
    assert_eq!(outs.last().unwrap().qualify.len(), 1);
    // a new frequency restarts the timer
    p.reload(&format!("{base}qualify_frequency=300\n"));
    assert_eq!(p.r.next_wakeup(), Some(p.now + 300_000));
    // 0 stops it
    p.reload(base);
    assert_eq!(p.r.next_wakeup(), None);
}
