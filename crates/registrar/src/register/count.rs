//! The max_contacts decision: the count `register_aor_core` compares with
//! max_contacts (its formula depends on the release and on remove_existing),
//! remove_unavailable's pre-pass, and the 403 when the REGISTER would exceed it.

use super::{Job, Step};
use crate::binding::Status;
use crate::change::{warning, Why};
use crate::registrar::{Outcome, Registrar};
use aorlab_sip::{Contact, UriContext};

impl Registrar {
    pub(super) fn check_max_contacts(&mut self, job: &mut Job, out: &mut Outcome) -> Step<()> {
        let now = job.req.now;
        let old_rules = !self.profile.evicts_soonest_expiring();
        let t = job.tally;
        let count_of = |job: &Job| job.work.len() as i64 - job.permanent + t.added - t.deleted;
        let mut contact_count = if old_rules {
            // ≤13.17: `*` deletions were not counted, and counts were clamped.
            (t.added - t.deleted).max(0)
                + if job.res.aor.remove_existing {
                    0
                } else {
                    job.existing_dynamic as i64
                }
        } else if job.res.aor.remove_existing {
            (t.updated + t.added - t.deleted).max(0)
        } else {
            count_of(job)
        };
        // `existing_contacts`: with remove_existing, the non-static bindings as loaded,
        // taken *before* the remove_unavailable pre-pass (so a binding that pass
        // evicts stays a candidate of the post-pass, as in Asterisk).
        // The post-pass counts what is left of them plus `updated + added`: when
        // even all of them fit within max_contacts it cannot evict, so the list
        // is not built (a routine refresh).
        let may_evict =
            job.existing_dynamic as i64 + t.updated + t.added > job.res.aor.max_contacts as i64;
        job.existing = (job.res.aor.remove_existing && !old_rules && may_evict)
            .then(|| job.work.iter().filter(|w| !w.is_static).cloned().collect());
        // `contact_count` is a signed int compared with the unsigned max_contacts:
        // a negative count (more removals than bindings) is huge, so over the limit.
        let max = job.res.aor.max_contacts;
        let over = |count: i64| count as i32 as u32 > max;
        if over(contact_count)
            && job.res.aor.remove_unavailable
            && self.profile.has_remove_unavailable()
        {
            let unavail: Vec<_> = job
                .work
                .iter()
                .filter(|w| self.status_of(&w.id) == Status::Unreachable)
                .cloned()
                .collect();
            if !over(contact_count - unavail.len() as i64) {
                let to_remove = (contact_count - max as i64) as usize;
                let chosen = self.pick_excess(&unavail, to_remove, &job.res.aor);
                let count = job.count(contact_count);
                let remove_existing = job.res.aor.remove_existing;
                self.evict(
                    now,
                    job,
                    chosen,
                    |c| {
                        if remove_existing {
                            Why::RemoveExisting { count: c }
                        } else {
                            Why::RemoveUnavailable { count: c }
                        }
                    },
                    count,
                    out,
                );
                contact_count = count_of(job);
            }
        }
        if over(contact_count) {
            let log = warning(
                "res_pjsip_registrar.c",
                format!(
                    "Registration attempt from endpoint '{}'{} to AOR '{}' will exceed max contacts of {}",
                    job.ep(),
                    job.req.source_note(),
                    job.res.aor.name,
                    max
                ),
            );
            let first_uri = job.res.contacts.iter().find_map(|c| match c {
                Contact::Addr(v) => Some(v.addr.uri.print(UriContext::Contact)),
                _ => None,
            });
            let why = Why::MaxContactsExceeded {
                count: job.count(contact_count),
                source: job.req.src().to_string(),
            };
            return Err(job.reject(403, &first_uri.unwrap_or_default(), why, log));
        }
        Ok(())
    }
}
