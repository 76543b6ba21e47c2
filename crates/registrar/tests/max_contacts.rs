//! Reference §2.8: the max_contacts check — both count formulas, the
//! remove_unavailable pre-pass (all-or-nothing) and its recount quirks.

mod common;
use aorlab_registrar::{ChangeKind, QualifyResult, Status, Why};
use common::*;

const A: &str = "sip:alice@10.0.0.1:5060";
const B: &str = "sip:alice@10.0.0.2:5060";
const C: &str = "sip:alice@10.0.0.3:5060";
const D: &str = "sip:alice@10.0.0.4:5060";

fn count_of(out: &aorlab_registrar::Outcome) -> aorlab_registrar::Count {
    match &out.changes.last().expect("a change").why {
        Why::MaxContactsExceeded { count, .. } => count.clone(),
        w => panic!("not a max_contacts rejection: {w:?}"),
    }
}

#[test]
fn remove_existing_no_counts_existing_plus_added_minus_deleted() {
    let mut p = Pbx::new(&alice("max_contacts=2"));
    p.ok(&reg("alice").c(A).c(B));
    let before: Vec<_> = p.r.bindings().cloned().collect();
    let out = p.expect(&reg("alice").c(C), 403);
    assert_eq!(reason(&out), "Forbidden");
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: Registration attempt from endpoint 'alice' (10.0.0.1:5060) to AOR 'alice' will exceed max contacts of 2"]
    );
    let c = count_of(&out);
    assert_eq!(
        (c.existing, c.added, c.deleted, c.count, c.max_contacts),
        (2, 1, 0, 3, 2)
    );
    assert!(out.changes[0]
        .explain()
        .contains("2 existing + 1 new − 0 removed = 3"));
    assert_eq!(before, p.r.bindings().cloned().collect::<Vec<_>>());
    // replacing one binding in the same REGISTER: 2 + 1 − 1 = 2
    p.ok(&reg("alice").ce(A, 0).c(C));
    assert_eq!(p.stored("alice").len(), 2);
    assert!(!p.stored("alice").contains(&A.to_string()));
}

#[test]
fn remove_existing_yes_counts_only_this_registers_bindings() {
    let mut p = Pbx::new(&alice("max_contacts=2\nremove_existing=yes"));
    p.ok(&reg("alice").c(A).c(B));
    // one new binding: max(0 + 1 − 0, 0) = 1 ≤ 2, an old one is evicted instead
    p.ok(&reg("alice").c(C));
    assert_eq!(p.stored("alice").len(), 2);
    // three in one REGISTER: 3 > 2 → 403, whatever is stored
    let out = p.expect(&reg("alice").c(A).c(B).c(D), 403);
    let c = count_of(&out);
    assert_eq!(
        (c.added, c.updated, c.count, c.remove_existing),
        (2, 1, 3, true)
    );
    assert!(out.changes[0]
        .explain()
        .contains("this REGISTER's own 3 binding(s)"));
    // deletions offset additions, and the result is clamped at 0
    p.ok(&reg("alice").ce(C, 0).ce(D, 0).ce(A, 0));
}

const ABC_MAX3: &str = "max_contacts=3";

fn three_then_lowered(extra: &str) -> Pbx {
    let mut p = Pbx::new(&alice(&format!("{ABC_MAX3}\n{extra}")));
    p.ok(&reg("alice").c(A).c(B).c(C));
    p.reload(&alice(&format!("max_contacts=2\n{extra}")));
    assert_eq!(p.stored("alice").len(), 3, "a reload keeps bindings");
    p
}

#[test]
fn pure_refresh_is_rejected_when_already_over_max_after_a_reload() {
    let mut p = three_then_lowered("");
    let out = p.expect(&reg("alice").c(A), 403);
    assert_eq!(count_of(&out).count, 3);
    // a query (no Contact) is refused the same way
    let out = p.expect(&reg("alice"), 403);
    assert_eq!(count_of(&out).count, 3);
    // unregistering one brings it to 3 − 1 = 2: accepted
    p.ok(&reg("alice").ce(B, 0));
    // now refreshes work again
    p.ok(&reg("alice").c(A));
}

#[test]
fn remove_existing_yes_after_a_reload_evicts_down_to_max() {
    let mut p = three_then_lowered("remove_existing=yes");
    p.wait(5);
    let out = p.ok(&reg("alice").c(A));
    // the refreshed A stays; one of the two untouched (same expiry second) goes
    assert_eq!(removed_uris(&out).len(), 1);
    assert_eq!(p.stored("alice").len(), 2);
    assert!(p.stored("alice").contains(&A.to_string()));
}

fn qualified(opts: &str) -> Pbx {
    Pbx::new(&alice(&format!("qualify_frequency=60\n{opts}")))
}

fn mark(p: &mut Pbx, uri: &str, result: QualifyResult) {
    let id = p.id_of(uri);
    p.r.on_qualify_result(p.now, &id, result);
}

#[test]
fn remove_unavailable_evicts_just_enough_unreachable_bindings() {
    let mut p = qualified("max_contacts=2\nremove_unavailable=yes");
    p.ok(&reg("alice").ce(A, 600));
    p.ok(&reg("alice").ce(B, 300));
    mark(&mut p, A, QualifyResult::TimedOut);
    mark(
        &mut p,
        B,
        QualifyResult::Answered {
            code: 200,
            rtt_ms: 1.0,
        },
    );
    let out = p.ok(&reg("alice").c(C));
    assert_eq!(
        logs(&out)[0],
        "VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to remove unavailable"
    );
    assert!(matches!(out.changes[0].why, Why::RemoveUnavailable { .. }));
    let mut s = p.stored("alice");
    s.sort();
    assert_eq!(s, [B, C]);
}

#[test]
fn remove_unavailable_is_all_or_nothing() {
    let mut p = qualified("max_contacts=2\nremove_unavailable=yes");
    p.ok(&reg("alice").c(A).c(B));
    mark(&mut p, A, QualifyResult::TimedOut);
    // 2 + 2 = 4; removing the one unreachable still leaves 3 > 2 → nothing removed
    let out = p.expect(&reg("alice").c(C).c(D), 403);
    assert!(changes(&out, ChangeKind::Removed).is_empty());
    assert_eq!(p.stored("alice").len(), 2);
}

#[test]
fn remove_unavailable_without_qualify_has_no_effect() {
    let mut p = Pbx::new(&alice("max_contacts=1\nremove_unavailable=yes"));
    p.ok(&reg("alice").c(A));
    p.expect(&reg("alice").c(B), 403);
}

#[test]
fn remove_unavailable_picks_soonest_expiring_unreachable() {
    let mut p = qualified("max_contacts=3\nremove_unavailable=yes");
    p.ok(&reg("alice").ce(A, 600).ce(B, 300).ce(C, 900));
    for u in [A, B, C] {
        mark(&mut p, u, QualifyResult::TimedOut);
    }
    let out = p.ok(&reg("alice").c(D));
    assert_eq!(removed_uris(&out), [B]);
}

#[test]
fn with_remove_existing_the_prepass_can_reject_after_evicting() {
    // remove_existing=yes: only a REGISTER carrying > max bindings triggers the
    // pre-pass, and the recount uses the other formula.
    let mut p = qualified("max_contacts=1\nremove_existing=yes\nremove_unavailable=yes");
    p.ok(&reg("alice").c(A));
    p.ok(&reg("alice").src("10.0.0.2:5060").c(B));
    // B evicted A (remove_existing); re-add A and make B unreachable
    assert_eq!(p.stored("alice"), [B]);
    mark(&mut p, B, QualifyResult::TimedOut);
    // 2 new > 1; U = {B}; 2 − 1 ≤ 1 → B evicted; recount 0 + 2 = 2 > 1 → 403
    let out = p.expect(&reg("alice").c(C).c(D), 403);
    assert_eq!(removed_uris(&out), [B]);
    assert!(matches!(out.changes[0].why, Why::RemoveExisting { .. }));
    assert!(p.stored("alice").is_empty());
}

#[test]
fn prepass_quirk_a_refreshed_unreachable_binding_is_evicted_then_recreated() {
    let mut p = qualified("max_contacts=2\nremove_unavailable=yes");
    p.ok(&reg("alice").c(A).c(B));
    mark(&mut p, A, QualifyResult::TimedOut);
    let out = p.ok(&reg("alice").c(A).c(C));
    let kinds: Vec<_> = out.changes.iter().map(|c| (c.kind, &*c.uri)).collect();
    assert_eq!(
        kinds,
        [
            (ChangeKind::Removed, A),
            (ChangeKind::Added, A),
            (ChangeKind::Added, C)
        ]
    );
    // the AOR now holds max_contacts + 1 bindings, and A is NonQualified again
    assert_eq!(p.stored("alice").len(), 3);
    assert_eq!(p.r.status_of(&p.id_of(A)), Status::NonQualified);
}

#[test]
fn prepass_quirk_b_an_unreachable_static_contact_is_chosen_but_not_deleted() {
    let s = "sip:desk@192.0.2.9:5060";
    let mut p = qualified(&format!(
        "max_contacts=1\nremove_unavailable=yes\ncontact={s}"
    ));
    p.ok(&reg("alice").c(A));
    let sid = aorlab_registrar::static_id("alice", s);
    p.r.on_qualify_result(p.now, &sid, QualifyResult::TimedOut);
    assert_eq!(p.r.status_of(&sid), Status::Unreachable);
    let out = p.ok(&reg("alice").c(B));
    // nothing deleted, the static contact left the 200 OK, and 2 > max dynamic bindings
    assert!(changes(&out, ChangeKind::Removed).is_empty());
    assert_eq!(p.stored("alice").len(), 2);
    assert!(resp_contacts(&out).iter().all(|c| !c.contains("desk@")));
    // the static contact is still configured (and still listed by the CLI view)
    let now = p.now;
    let rows = p.r.contact_rows(now, Some("alice"));
    assert!(rows.iter().any(|r| r.is_static && r.uri == s));
    // a pure refresh of B now: 2 dynamic > 1, the static one is "evicted" again
    let out = p.ok(&reg("alice").c(B));
    assert!(resp_contacts(&out).iter().all(|c| !c.contains("desk@")));
}

#[test]
fn static_contacts_never_count() {
    let mut p = Pbx::new(&alice(
        "max_contacts=1\ncontact=sip:desk@192.0.2.9:5060\ncontact=sip:desk2@192.0.2.10:5060",
    ));
    p.ok(&reg("alice").c(A));
    p.expect(&reg("alice").c(B), 403);
}

#[test]
fn log_without_source_before_16_17() {
    let mut p = Pbx::with_profile(
        aorlab_registrar::Profile::new(16, 6, 0),
        &alice("max_contacts=1"),
    );
    p.ok(&reg("alice").c(A));
    let out = p.expect(&reg("alice").c(B), 403);
    assert_eq!(
        logs(&out),
        ["WARNING res_pjsip_registrar.c: Registration attempt from endpoint 'alice' to AOR 'alice' will exceed max contacts of 1"]
    );
}

#[test]
fn classification_uses_the_pre_register_state_so_delete_and_readd_passes_max() {
    // found by the property test: A is counted once as deleted and once as
    // updated, but the apply loop deletes it and then creates it again.
    let mut p = Pbx::new(&alice("max_contacts=3"));
    p.ok(&reg("alice").c(A).c(B).c(C));
    let out = p.ok(&reg("alice").c(D).ce(A, 0).c(A));
    let seq: Vec<_> = out.changes.iter().map(|c| (c.kind, &*c.uri)).collect();
    assert_eq!(
        seq,
        [
            (ChangeKind::Added, D),
            (ChangeKind::Removed, A),
            (ChangeKind::Added, A)
        ]
    );
    assert_eq!(p.stored("alice").len(), 4, "3 + 1 − 1 = 3 passed the check");
}

#[test]
fn remove_existing_own_bindings_can_exceed_max_when_the_register_also_deletes() {
    // max(updated + added − deleted, 0) = max(0 + 2 − 1, 0) = 1 ≤ 1
    let mut p = Pbx::new(&alice("max_contacts=1\nremove_existing=yes"));
    p.ok(&reg("alice").c(A));
    p.ok(&reg("alice").ce(A, 0).c(B).c(C));
    assert_eq!(p.stored("alice").len(), 2);
}

#[test]
fn remove_existing_post_pass_still_sees_what_the_prepass_evicted() {
    // register_aor_core builds existing_contacts before the remove_unavailable
    // pre-pass. A binding the pre-pass evicts and the same REGISTER re-creates
    // (same id) is "evicted" again by the post-pass: storage loses it although
    // the 200 OK (which unlinks by object) still lists it.
    let opts = "remove_existing=yes\nremove_unavailable=yes\nqualify_frequency=60";
    let mut p = Pbx::new(&alice(&format!("max_contacts=2\n{opts}")));
    p.ok(&reg("alice").ce(A, 300).ce(B, 600));
    mark(&mut p, A, QualifyResult::TimedOut);
    mark(&mut p, B, QualifyResult::TimedOut);
    p.reload(&alice(&format!("max_contacts=1\n{opts}")));
    let out = p.ok(&reg("alice").ce(A, 300).ce(B, 600));
    assert_eq!(
        logs(&out),
        [
            "VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to remove existing",
            "VERBOSE res_pjsip_registrar.c: Added contact 'sip:alice@10.0.0.1:5060' to AOR 'alice' with expiration of 300 seconds",
            "DEBUG res_pjsip_registrar.c: Refreshed contact 'sip:alice@10.0.0.2:5060' on AOR 'alice' with new expiration of 600 seconds",
            "VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to remove existing",
        ]
    );
    assert_eq!(p.stored("alice"), [B]);
    let mut listed = resp_contacts(&out);
    listed.sort();
    assert_eq!(
        listed,
        [format!("<{A}>;expires=299"), format!("<{B}>;expires=599")]
    );
}
