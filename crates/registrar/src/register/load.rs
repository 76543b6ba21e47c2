//! `register_aor` reads the AOR's contacts: the read deletes expired bindings
//! (lazy expiry), then the REGISTER works on its own container of them.

use super::receive::Request;
use super::{Job, Resolved, Tally, Work};
use crate::binding::static_id;
use crate::change::{AorRead, Why};
use crate::registrar::{Outcome, Registrar};
use aorlab_sip::Uri;
use std::sync::Arc;

impl Registrar {
    /// The working set: the AOR's live dynamic bindings and its static contacts,
    /// in the order the release's container holds them.
    pub(super) fn load<'a>(
        &mut self,
        req: Request<'a>,
        res: Arc<Resolved>,
        out: &mut Outcome,
    ) -> Job<'a> {
        let now = req.now;
        let aor = &*res.aor;
        // One walk of the AOR's rows: the expired ones are deleted first (as
        // `prune_expired` does), the others are the working set. Stored URIs are
        // re-parsed by Asterisk on every REGISTER; the result never changes, so
        // it is parsed once per binding and kept.
        // The last REGISTER's buffer, emptied: no allocation per decision.
        let mut work: Vec<Work> = std::mem::take(&mut self.spare_work);
        let mut expired: Vec<(Arc<str>, u64)> = Vec::new();
        // The 200 OK lists stored URIs restored: each row restores its own once.
        let restores = self.profile.has_orig_host();
        for (slot, r) in self.store.rows_of_ix(res.aor_ix) {
            if r.b.is_expired(now) {
                expired.push((r.id.clone(), r.b.expiration * 1000));
            } else {
                work.push(Work {
                    id: r.id.clone(),
                    slot,
                    uri: r.uri.clone(),
                    parsed: r.parsed(),
                    sip: r.sip,
                    sent: restores.then(|| r.as_sent()).flatten(),
                    exp_ms: r.b.expiration as i64 * 1000,
                    is_static: false,
                    fresh: false,
                });
            }
        }
        for (id, expired_at) in expired {
            let why = Why::ExpiredOnRead {
                read: AorRead::Register,
                expired_at,
            };
            self.remove_binding(now, &id, why, None, out);
        }
        self.update_endpoint_states(now, out);
        for s in &aor.contacts {
            let parsed = Uri::parse(s).ok().map(Arc::new);
            work.push(Work {
                id: static_id(&aor.name, s).into(),
                slot: u32::MAX,
                uri: s.as_str().into(),
                sip: parsed.as_ref().is_some_and(|u| u.is_sip()),
                parsed,
                sent: None,
                exp_ms: 0,
                is_static: true,
                fresh: false,
            });
        }
        // astdb hands rows back in key order; static contacts follow (their own
        // container is sorted by URI) unless sorcery sorts everything by id.
        let sorted = self.profile.sorts_retrieved_contacts();
        if sorted {
            work.sort_by(|a, b| a.id.cmp(&b.id));
        } else {
            work.sort_by(|a, b| (a.is_static, &a.uri).cmp(&(b.is_static, &b.uri)));
            let n = work.iter().filter(|w| !w.is_static).count();
            work[..n].sort_by(|a, b| a.id.cmp(&b.id));
        }
        let permanent = aor.contacts.len() as i64;
        let existing_dynamic = work.iter().filter(|w| !w.is_static).count() as u32;
        let tracks_touched = aor.remove_existing && !self.profile.evicts_soonest_expiring();
        Job {
            req,
            res,
            work,
            sorted,
            permanent,
            existing_dynamic,
            tally: Tally::default(),
            existing: None,
            path: None,
            touched: Vec::new(),
            tracks_touched,
            new_ids: Vec::new(),
        }
    }
}
