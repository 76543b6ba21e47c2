//! Invariants of the simulated world on random scenarios from `aorlab-gen` (valid-looking:
//! several AORs and phones, NAT boxes, every transport, drops, roams, reboots, restarts and
//! reloads). Each case runs the scenario once and checks every invariant on its trace.
//!
//! `PROPTEST_CASES=N` runs more (the default is sized for about 30 s in a debug build).

use std::collections::{BTreeMap, BTreeSet};

use aorlab_sim::{run_text, BindingChange, StateIndex, Trace};
use proptest::prelude::*;

fn scenario_from(bytes: &[u8]) -> String {
    aorlab_gen::scenario(&mut aorlab_gen::Unstructured::new(bytes)).expect("never fails")
}

fn run(text: &str) -> Trace {
    run_text(text).unwrap_or_else(|e| panic!("a generated scenario must parse: {e:?}\n{text}"))
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 300,
        ..ProptestConfig::default()
    }
}

/// Simulated time never goes back, in the records and in the snapshots.
fn time_never_goes_back(t: &Trace) -> Result<(), String> {
    for w in t.records.windows(2) {
        if w[1].at_ms < w[0].at_ms {
            return Err(format!(
                "record at {} after one at {}",
                w[1].at_ms, w[0].at_ms
            ));
        }
    }
    for w in t.state_log.changes.windows(2) {
        if w[1].at_ms < w[0].at_ms {
            return Err(format!(
                "row change at {} after one at {}",
                w[1].at_ms, w[0].at_ms
            ));
        }
    }
    match t.records.last() {
        Some(r) if r.at_ms > t.end_ms => {
            Err(format!("record at {} after the end {}", r.at_ms, t.end_ms))
        }
        _ => Ok(()),
    }
}

/// Every binding has one start and at most one end: an end never comes before its start, and
/// there are as many starts and ends as "added" and "removed" change records.
fn one_start_at_most_one_end(t: &Trace) -> Result<(), String> {
    for l in &t.bindings {
        if l.removed_ms.is_some_and(|end| end < l.added_ms) {
            return Err(format!("{} ends before it starts", l.uri));
        }
    }
    let changes = |kind: BindingChange| t.records.iter().filter(|r| r.change == Some(kind)).count();
    let ends = t.bindings.iter().filter(|l| l.removed_ms.is_some()).count();
    if changes(BindingChange::Added) != t.bindings.len() || changes(BindingChange::Removed) != ends
    {
        return Err(format!(
            "{} added / {} removed records, {} lifetimes / {ends} ends",
            changes(BindingChange::Added),
            changes(BindingChange::Removed),
            t.bindings.len()
        ));
    }
    Ok(())
}

/// The lifetimes of one (AOR, URI) never overlap: a binding is not added again while it
/// still exists. (Fails today when an expired, not yet deleted binding is registered again:
/// the old life never ends; the same root as `open_bindings_are_the_final_contacts`.)
/// A binding's (start, end) in ms.
type Life = (u64, Option<u64>);

fn lives_never_overlap(t: &Trace) -> Result<(), String> {
    let mut lives: BTreeMap<(&str, &str), Vec<Life>> = BTreeMap::new();
    for l in &t.bindings {
        lives
            .entry((&l.aor, &l.uri))
            .or_default()
            .push((l.added_ms, l.removed_ms));
    }
    for ((aor, uri), spans) in &lives {
        for w in spans.windows(2) {
            match w[0].1 {
                Some(end) if end <= w[1].0 => {}
                _ => {
                    return Err(format!(
                        "{aor} {uri}: started again before it ended: {spans:?}"
                    ))
                }
            }
        }
    }
    Ok(())
}

/// After every change, no AOR holds more than its max_contacts. Asterisk itself allows more
/// in one case: a reload that lowers max_contacts keeps the existing bindings
/// (res_pjsip_registrar only counts at the next REGISTER), so counts after a reload are exempt.
fn at_most_max_contacts(t: &Trace, text: &str) -> Result<(), String> {
    let reload = text.contains("asterisk reload {");
    for c in &t.counts {
        if c.bindings > c.max_contacts && !reload {
            return Err(format!(
                "{} holds {} bindings at {} ms; max_contacts = {}",
                c.aor, c.bindings, c.at_ms, c.max_contacts
            ));
        }
    }
    Ok(())
}

fn contacts_at(t: &Trace, at: u64) -> BTreeSet<(String, String)> {
    t.state_at(at)
        .contacts
        .into_iter()
        .map(|c| (c.aor, c.uri))
        .collect()
}

/// `state_at(t)` equals replaying the binding lifetimes up to `t` (at every moment something
/// was added or removed, just after it).
fn state_at_is_the_replay(t: &Trace) -> Result<(), String> {
    let mut moments: Vec<u64> = t
        .bindings
        .iter()
        .flat_map(|l| [Some(l.added_ms), l.removed_ms])
        .flatten()
        .collect();
    moments.sort_unstable();
    moments.dedup();
    for at in moments {
        let replay: BTreeSet<(String, String)> = t
            .bindings
            .iter()
            .filter(|l| l.added_ms <= at && l.removed_ms.is_none_or(|end| end > at))
            .map(|l| (l.aor.clone(), l.uri.clone()))
            .collect();
        let state = contacts_at(t, at);
        // An expired binding lingers in the replay until Asterisk deletes it (its expiry sweep,
        // or the next read of the AOR), while state_at already hides it, as Asterisk's contact
        // retrieval skips expired contacts.
        let lingering: BTreeSet<(String, String)> = t
            .bindings
            .iter()
            .filter(|l| l.added_ms <= at && l.expires_ms <= at)
            .map(|l| (l.aor.clone(), l.uri.clone()))
            .collect();
        let unexplained = replay.difference(&state).any(|b| !lingering.contains(b));
        if !state.is_subset(&replay) || unexplained {
            let only_state: Vec<_> = state.difference(&replay).collect();
            let only_replay: Vec<_> = replay.difference(&state).collect();
            return Err(format!(
                "at {at} ms: only in state_at {only_state:?}; only in the replay {only_replay:?}"
            ));
        }
    }
    Ok(())
}

/// The bindings that never end are exactly the final state's contacts, but for those that
/// expired and are still stored at the end (Asterisk deletes them at its next sweep or read of
/// the AOR; the final state, like its contact retrieval, no longer shows them).
fn open_bindings_are_the_final_contacts(t: &Trace) -> Result<(), String> {
    let open: BTreeSet<(String, String)> = t
        .bindings
        .iter()
        .filter(|l| l.removed_ms.is_none() && l.expires_ms > t.end_ms)
        .map(|l| (l.aor.clone(), l.uri.clone()))
        .collect();
    let last: BTreeSet<(String, String)> = t
        .final_state
        .contacts
        .iter()
        .map(|c| (c.aor.clone(), c.uri.clone()))
        .collect();
    if open != last {
        return Err(format!(
            "open but not in the final state: {:?}; in the final state but ended: {:?}",
            open.difference(&last).collect::<Vec<_>>(),
            last.difference(&open).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// The state the log gives at the end (checkpoints + changes, text made on demand)
/// is the one the registrar itself showed when the run ended: rows, `pjsip show
/// contacts`, dial strings and targets.
fn state_at_end_is_the_final_state(t: &Trace) -> Result<(), String> {
    let s = t.state_at(t.end_ms);
    if s != t.final_state {
        return Err(format!(
            "state_at(end) differs from the final state:\n{s:#?}\n{:#?}",
            t.final_state
        ));
    }
    Ok(())
}

/// Every SIP message's typed `expires` is the Expires header of its text (requests; `None`
/// for responses), so the page reads the field and never the text.
fn expires_fields_are_the_headers(t: &Trace) -> Result<(), String> {
    for r in &t.records {
        let Some(sip) = &r.sip else { continue };
        let header = aorlab_sip::Message::parse(&sip.text)
            .ok()
            .and_then(|m| m.headers.expires()?.ok());
        let want = if sip.code.is_some() { None } else { header };
        if sip.expires != want {
            return Err(format!(
                "{} at {} ms: expires {:?}, the text says {want:?}",
                sip.first_line, r.at_ms, sip.expires
            ));
        }
        if sip.code.is_none() && sip.method == "REGISTER" && sip.expires.is_none() {
            return Err(format!("REGISTER at {} ms has no Expires", r.at_ms));
        }
    }
    Ok(())
}

/// The page's windowed state (`StateIndex::window`) is `state_at`'s state filtered and cut:
/// at every change, just before it and at every expiry, with no filter and with filters on an
/// AOR, a URI, a device and an endpoint, at limits from 0 to all.
fn windows_are_state_at_cut(t: &Trace) -> Result<(), String> {
    let index = StateIndex::new(&t.state_log);
    let log = &t.state_log;
    let mut moments: Vec<u64> = vec![0, t.end_ms];
    for c in &log.changes {
        moments.extend([c.at_ms, c.at_ms.saturating_sub(1)]);
        moments.extend(c.row.as_ref().and_then(|r| r.expires_at_ms));
    }
    moments.sort_unstable();
    moments.dedup();
    let mut filters = vec![String::new()];
    filters.extend(log.aors.first().map(|a| a.to_lowercase()));
    filters.extend(log.uris.last().map(|u| u.to_lowercase()));
    filters.extend(log.devices.first().map(|d| d.to_lowercase()));
    filters.push("no-such-thing".into());
    for &at in &moments {
        let s = t.state_at(at);
        for f in &filters {
            let has = |x: &str| f.is_empty() || x.to_lowercase().contains(f.as_str());
            let contacts: Vec<_> = s
                .contacts
                .iter()
                .filter(|c| has(&c.aor) || has(&c.uri) || c.reaches.as_deref().is_some_and(has))
                .cloned()
                .collect();
            let dial: Vec<_> = s.dial.iter().filter(|(e, _)| has(e)).collect();
            for limit in [0, 1, 3, usize::MAX] {
                let w = index.window(log, at, f, limit);
                let want: Vec<_> = contacts.iter().take(limit).cloned().collect();
                let whole = f.is_empty() && s.contacts.len() <= limit;
                let dial_want: Vec<_> = dial
                    .iter()
                    .take(limit)
                    .map(|(e, v)| {
                        let targets: Vec<_> = s
                            .dial_targets
                            .iter()
                            .filter(|d| &d.endpoint == e)
                            .cloned()
                            .collect();
                        (e.clone(), v.clone(), targets)
                    })
                    .collect();
                let dial_have: Vec<_> = w
                    .dial
                    .iter()
                    .map(|d| (d.endpoint.clone(), d.value.clone(), d.targets.clone()))
                    .collect();
                let problem = if w.contacts != want {
                    "contacts"
                } else if w.contacts_total != s.contacts.len() {
                    "contacts_total"
                } else if w.contacts_matched != contacts.len() {
                    "contacts_matched"
                } else if dial_have != dial_want {
                    "dial"
                } else if w.dial_total != s.dial.len() || w.dial_matched != dial.len() {
                    "dial counts"
                } else if w.show_contacts != whole.then(|| s.show_contacts.clone()) {
                    "show_contacts"
                } else {
                    continue;
                };
                return Err(format!(
                    "window at {at} ms, filter {f:?}, limit {limit}: {problem} differ\n{w:#?}\n{s:#?}"
                ));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn worlds_keep_their_invariants(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let text = scenario_from(&bytes);
        let trace = run(&text);
        for check in [
            time_never_goes_back(&trace),
            one_start_at_most_one_end(&trace),
            at_most_max_contacts(&trace, &text),
            state_at_is_the_replay(&trace),
            state_at_end_is_the_final_state(&trace),
            windows_are_state_at_cut(&trace),
            expires_fields_are_the_headers(&trace),
        ] {
            prop_assert!(check.is_ok(), "{}\n--- scenario ---\n{text}", check.unwrap_err());
        }
    }

}

proptest! {
    // Two runs per case: half the cases.
    #![proptest_config(ProptestConfig { cases: 150, ..config() })]

    #[test]
    fn same_text_same_trace(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let text = scenario_from(&bytes);
        let a = serde_json::to_string(&run(&text)).unwrap();
        let b = serde_json::to_string(&run(&text)).unwrap();
        prop_assert!(a == b, "two runs differ\n--- scenario ---\n{text}");
    }

}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn each_binding_lives_once_and_open_ones_are_the_final_state(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let text = scenario_from(&bytes);
        let trace = run(&text);
        for check in [lives_never_overlap(&trace), open_bindings_are_the_final_contacts(&trace)] {
            prop_assert!(check.is_ok(), "{}\n--- scenario ---\n{text}", check.unwrap_err());
        }
    }
}
