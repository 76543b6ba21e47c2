//! `remove_excess_contacts`: which bindings go when an AOR is over max_contacts
//! (remove_existing's post-pass here; remove_unavailable's pre-pass in
//! [`super::count`] uses the same selection and deletion).

use super::{Job, Work, REGISTRAR_C};
use crate::binding::Status;
use crate::change::{verbose, Count, Why};
use crate::config::Aor;
use crate::registrar::{Outcome, Registrar};
use crate::time::Millis;

impl Registrar {
    /// remove_existing after the apply loop: ≤13.17 drops every binding this
    /// REGISTER did not touch (silently); 13.18+ drops the soonest-expiring of
    /// the bindings as loaded until the AOR is within max_contacts.
    pub(super) fn remove_existing(&mut self, job: &mut Job, out: &mut Outcome) {
        if !job.res.aor.remove_existing {
            return;
        }
        let now = job.req.now;
        if !self.profile.evicts_soonest_expiring() {
            let doomed: Vec<std::sync::Arc<str>> = job
                .work
                .iter()
                .filter(|w| !w.is_static && !job.touched.contains(&w.id))
                .map(|w| w.id.clone())
                .collect();
            for id in doomed {
                self.remove_binding(now, &id, Why::RemoveExistingAll, None, out);
                job.work.retain(|w| w.id != id);
            }
        } else if let Some(ex) = job.existing.take() {
            let n = ex.len() as i64 + job.tally.updated + job.tally.added;
            let max = job.res.aor.max_contacts as i64;
            if n > max {
                let untouched = ex.len() as u32;
                let chosen = self.pick_excess(&ex, (n - max) as usize, &job.res.aor);
                let count = Count {
                    untouched: Some(untouched),
                    ..job.count(n)
                };
                self.evict(
                    now,
                    job,
                    chosen,
                    |c| Why::RemoveExisting { count: c },
                    count,
                    out,
                );
            }
        }
    }

    /// `remove_excess_contacts` selection: the `n` smallest of `candidates` under
    /// (unavailable first when remove_unavailable, then expiration), stable in
    /// container order; returned in the order Asterisk deletes them (last first).
    pub(super) fn pick_excess(&self, candidates: &[Work], n: usize, aor: &Aor) -> Vec<Work> {
        let key = |w: &Work| {
            let unavailable =
                aor.remove_unavailable && self.status_of(&w.id) == Status::Unreachable;
            (!unavailable, w.exp_ms)
        };
        let mut sorted: Vec<Work> = candidates.to_vec();
        sorted.sort_by_key(|w| key(w)); // stable: ties keep container order
        sorted.truncate(n);
        sorted.reverse();
        sorted
    }

    /// Delete the chosen bindings (`registrar_contact_delete`) and unlink them from
    /// the working set. A static contact cannot be deleted but still leaves the
    /// working set. A candidate that is already gone from storage is logged again
    /// (Asterisk logs whether or not the delete found it); one whose id a binding
    /// re-created by this REGISTER now holds takes that binding out of storage,
    /// while the 200 OK still lists it (the unlink matches by object).
    pub(super) fn evict(
        &mut self,
        now: Millis,
        job: &mut Job,
        chosen: Vec<Work>,
        why: impl Fn(Count) -> Why,
        count: Count,
        out: &mut Outcome,
    ) {
        for c in &chosen {
            if c.is_static {
                continue;
            }
            let w = why(count.clone());
            if self.store.contains_key(&c.id) {
                self.remove_binding(now, &c.id, w, Some(REGISTRAR_C), out);
            } else if let Some(reason) = self.profile.removal_reason(&w) {
                out.line(
                    now,
                    verbose(
                        REGISTRAR_C,
                        format!(
                            "Removed contact '{}' from AOR '{}' due to {reason}",
                            c.uri, job.res.aor.name
                        ),
                    ),
                );
            }
        }
        job.work
            .retain(|w| !chosen.iter().any(|c| c.id == w.id && !w.fresh));
    }
}
