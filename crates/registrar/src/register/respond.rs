//! After the changes: a new binding starts qualify, and the 200 OK lists the
//! AOR's contacts (`registrar_add_contact`, `res_pjsip_path`, and before 16.17
//! `process_nat`'s overwrite of the first Contact).

use super::validate::expiration_for;
use super::Job;
use crate::change::warning;
use crate::registrar::{Outcome, Registrar};
use crate::response::{Contacts, Response, ResponseContact};

impl Registrar {
    /// A new binding makes the AOR qualify all its contacts at once (before
    /// 13.22: only the new binding is qualified).
    pub(super) fn qualify_new(&mut self, job: &Job, out: &mut Outcome) {
        let aor = &job.res.aor;
        if job.new_ids.is_empty() || aor.qualify_frequency == 0 {
            return;
        }
        let now = job.req.now;
        if self.profile.qualifies_whole_aor() {
            out.qualify = self.qualify_aor(job.res.aor_ix, None);
            self.next_qualify
                .insert_ix(job.res.aor_ix, now + aor.qualify_frequency as u64 * 1000);
        } else {
            out.qualify = self.qualify_aor(job.res.aor_ix, Some(&job.new_ids));
        }
    }

    /// The 200 OK, its warnings logged into `out`.
    pub(super) fn ok_response(&self, job: &Job, out: &mut Outcome) -> Response {
        let (now, rx, aor, work) = (job.req.now, job.req.rx, &job.res.aor, &job.work);
        let header_expires = job.req.header_expires;
        // `registrar_add_contact` skips (with a warning) what does not parse as sip(s).
        for w in work.iter().filter(|w| !w.sip) {
            out.line(
                now,
                warning(
                    "res_pjsip_registrar.c",
                    format!(
                        "Skipping invalid Contact URI \"{}\" for AOR {}",
                        w.uri, aor.name
                    ),
                ),
            );
        }
        let listed: Contacts = work
            .iter()
            .filter_map(|w| {
                if !w.sip {
                    return None;
                }
                let uri = w.parsed.clone()?;
                let expires = if w.is_static {
                    None
                } else if w.fresh && self.profile.evicts_soonest_expiring() {
                    Some(((w.exp_ms - now as i64 - 1) / 1000).max(0))
                } else if w.fresh {
                    // ≤13.22 re-read storage for the 200 OK: whole seconds for all.
                    Some((w.exp_ms / 1000 * 1000 - now as i64) / 1000)
                } else {
                    Some((w.exp_ms - now as i64) / 1000)
                };
                let sent = w.sent.clone();
                Some(ResponseContact { uri, sent, expires })
            })
            .collect();
        let mut listed = listed;
        // Before 16.17 (ASTERISK-29235) `process_nat` overwrote the first Contact of
        // the 200 OK with the transport's external_signaling_address when the UA
        // was outside local_net. Modelled for the profiles before 16.8.
        if !self.profile.keeps_response_contact() {
            if let (Some(t), Some(first)) = (
                rx.transport().and_then(|n| self.config.transports.get(n)),
                listed.first_mut(),
            ) {
                if !t.external_signaling_address.is_empty()
                    && !crate::nat::in_local_net(&rx.source().ip, &t.local_net)
                {
                    let ext = &t.external_signaling_address;
                    let host = crate::nat::Addr::parse(ext)
                        .map(|a| a.ip)
                        .unwrap_or_else(|| ext.trim_matches(['[', ']']).to_string());
                    first.sent = None;
                    let uri = std::sync::Arc::make_mut(&mut first.uri);
                    uri.host = aorlab_sip::Host(host);
                    if t.external_signaling_port > 0 {
                        uri.port = Some(t.external_signaling_port as u16);
                    }
                }
            }
        }
        let expires_header = header_expires.map(|h| expiration_for(aor, None, Some(h)));
        // res_pjsip_path (`path_outgoing_response`) looks at the response's contact,
        // the first of the working set: none → neither Supported nor Path; a
        // static one or one without a path → Supported only.
        let first = work.first().filter(|_| aor.support_path);
        let path = first.map(|w| {
            Some(w)
                .filter(|w| !w.is_static)
                .and_then(|w| self.store.get(&w.id))
                .map(|b| b.path.clone())
                .filter(|p| !p.is_empty())
        });
        Response::ok(
            now,
            &self.server,
            &rx.parsed.head,
            listed,
            self.profile.has_orig_host(),
            expires_header,
            path,
        )
    }
}
