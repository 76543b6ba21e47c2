//! Reference §7: lazy removal on every read (silent) and the periodic sweep
//! every contact_expiration_check_interval ("due to expiration").

mod common;
use aorlab_registrar::{AorRead, ChangeKind, Why};
use common::*;

fn pbx(interval: u32, max: u32) -> Pbx {
    Pbx::new(&format!(
        "[global]\ntype=global\ncontact_expiration_check_interval={interval}\n\
         [alice]\ntype=endpoint\naors=alice\n[alice]\ntype=aor\nmax_contacts={max}\nminimum_expiration=10\n"
    ))
}

/// Stored second of a binding created at T0 with `e` seconds.
fn stored_at(e: u64) -> u64 {
    (T0 / 1000 + e) * 1000
}

#[test]
fn lazy_expiry_at_the_stored_second_is_silent_and_frees_the_slot() {
    let mut p = pbx(0, 1);
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 60));
    // one millisecond before the stored second: still there, still counted
    p.now = stored_at(60) - 1;
    p.expect(&reg("alice").ce("sip:alice@10.0.0.2:5060", 60), 403);
    // at the stored second it is gone for any read, with no registrar log line;
    // the change is recorded as the REGISTER's read deleting it
    p.now = stored_at(60);
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.2:5060", 60));
    assert_eq!(removed_uris(&out), ["sip:alice@10.0.0.1:5060"]);
    let gone = out
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Removed)
        .unwrap();
    assert_eq!(
        gone.why,
        Why::ExpiredOnRead {
            read: AorRead::Register,
            expired_at: stored_at(60)
        }
    );
    assert!(gone
        .explain()
        .contains("without a log line, when the next REGISTER for alice read the AOR"));
    assert_eq!(logs(&out).len(), 1, "only the Added line: {:?}", out.log);
    // only the options module notices the deletion
    assert_eq!(
        all_logs(&out)[0],
        "VERBOSE res_pjsip/pjsip_options.c: Contact alice/sip:alice@10.0.0.1:5060 has been deleted"
    );
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.2:5060"]);
}

#[test]
fn whole_second_storage_makes_a_binding_expire_early() {
    // registered at …052.529 for 60 s: gone at …112.000, 529 ms before "now + 60"
    let mut p = pbx(0, 1);
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 60));
    let now = stored_at(60);
    assert!(now < T0 + 60_000);
    assert!(p.r.contact_rows(now, Some("alice")).is_empty());
    assert!(p.stored("alice").is_empty(), "the read deleted it");
}

#[test]
fn views_prune_lazily_too() {
    let mut p = pbx(0, 2);
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 60));
    p.ok(&reg("alice").ce("sip:alice@10.0.0.2:5060", 600));
    let at = stored_at(60);
    assert_eq!(
        p.r.dial_contacts(at, "alice", None, None).unwrap(),
        "PJSIP/alice/sip:alice@10.0.0.2:5060"
    );
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.2:5060"]);
    // with interval 0 nothing else would ever have removed it
    assert_eq!(p.r.next_wakeup(), None);
}

#[test]
fn the_sweep_runs_every_interval_and_logs_due_to_expiration() {
    let mut p = pbx(30, 2);
    assert_eq!(p.r.next_wakeup(), Some(T0 + 30_000));
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 45));
    p.ok(&reg("alice").ce("sip:alice@10.0.0.2:5060", 600));
    // first sweep at +30 s: nothing expired
    let outs = p.run_until(T0 + 30_000);
    assert_eq!(outs.len(), 1);
    assert!(outs[0].changes.is_empty());
    assert_eq!(p.r.next_wakeup(), Some(T0 + 60_000));
    // +60 s: the 45 s binding (stored …097) is removed by the sweep
    let outs = p.run_until(T0 + 60_000);
    assert_eq!(
        logs(&outs[0]),
        ["VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to expiration"]
    );
    assert_eq!(outs[0].changes[0].why, aorlab_registrar::Why::Expiration);
    assert_eq!(outs[0].log[0], "[2026-11-26 21:55:12.529] VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to expiration");
    assert_eq!(p.stored("alice"), ["sip:alice@10.0.0.2:5060"]);
}

#[test]
fn a_late_tick_keeps_the_sweep_phase() {
    let mut p = pbx(10, 1);
    p.now = T0 + 35_000;
    p.r.on_tick(p.now);
    assert_eq!(p.r.next_wakeup(), Some(T0 + 40_000));
}

#[test]
fn interval_zero_disables_and_a_reload_restarts_the_sweep() {
    let mut p = pbx(30, 1);
    p.reload(&format!(
        "[global]\ntype=global\ncontact_expiration_check_interval=0\n{}",
        alice("max_contacts=1\nminimum_expiration=10")
    ));
    assert_eq!(p.r.next_wakeup(), None);
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 10));
    p.wait(100);
    assert!(p.r.on_tick(p.now).changes.is_empty());
    assert_eq!(p.stored("alice").len(), 1, "expired but not swept");
    p.reload(&format!(
        "[global]\ntype=global\ncontact_expiration_check_interval=5\n{}",
        alice("max_contacts=1\nminimum_expiration=10")
    ));
    assert_eq!(p.r.next_wakeup(), Some(p.now + 5_000));
    let outs = p.run_until(p.now + 5_000);
    assert_eq!(removed_uris(&outs[0]), ["sip:alice@10.0.0.1:5060"]);
}

#[test]
fn sweep_needs_a_millisecond_past_the_stored_second() {
    let mut p = pbx(1, 1);
    p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 10));
    p.r.set_next_sweep(Some(stored_at(10)));
    assert!(p.r.on_tick(stored_at(10)).changes.is_empty());
    assert_eq!(p.stored("alice").len(), 1);
    p.r.set_next_sweep(Some(stored_at(10) + 1));
    assert_eq!(p.r.on_tick(stored_at(10) + 1).changes.len(), 1);
}
