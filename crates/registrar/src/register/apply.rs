//! The apply loop of `register_aor_core`: each Contact in order adds a binding,
//! refreshes the one with the same URI, or removes it (expires 0, or `*`).

use super::validate::expiration_for;
use super::{find_match, insert_in_order, Job, Work, REGISTRAR_C};
use crate::binding::{dynamic_id, Binding};
use crate::change::{verbose, Change, ChangeKind, Why};
use crate::log::LogText;
use crate::nat::will_survive_restart;
use crate::registrar::{Outcome, Registrar};
use std::sync::Arc;

impl Registrar {
    pub(super) fn apply(&mut self, job: &mut Job, out: &mut Outcome) {
        // The Contacts are read while the working set changes.
        let res = Arc::clone(&job.res);
        for (i, fact) in res.facts.iter().enumerate() {
            if fact.star {
                self.remove_all(job, out);
                break;
            }
            // A non-SIP URI is skipped.
            let Some(printed) = &fact.printed else {
                continue;
            };
            let e = expiration_for(
                &job.res.aor,
                job.req.contact_expires[i],
                job.req.header_expires,
            );
            let uri_text: &str = printed;
            let found = find_match(&job.work, &res, i).map(|k| job.work.remove(k));
            // `ao2_unlink(existing_contacts, contact)` matches by object: only a
            // binding as loaded leaves the list, not one this REGISTER re-created.
            if let (Some(f), Some(ex)) = (&found, job.existing.as_mut()) {
                if !f.fresh {
                    ex.retain(|w| w.id != f.id);
                }
            }
            match found {
                None if e == 0 => {
                    let log = verbose(
                        REGISTRAR_C,
                        format!(
                            "Attempted to remove non-existent contact '{uri_text}' from AOR '{}' by request",
                            job.res.aor.name
                        ),
                    );
                    let log = log.map(LogText::printed);
                    out.change(change(
                        job,
                        ChangeKind::Ignored,
                        Arc::clone(printed),
                        0,
                        log,
                    ));
                }
                None => self.add(job, i, printed, e, out),
                Some(f) if e > 0 => self.refresh(job, f, printed, e, out),
                Some(f) => {
                    let now = job.req.now;
                    self.remove_binding(now, &f.id, Why::Request, Some(REGISTRAR_C), out);
                    job.touch(f.id);
                }
            }
        }
    }

    /// `Contact: *` with `Expires: 0`: every dynamic binding goes; the loop ends.
    fn remove_all(&mut self, job: &mut Job, out: &mut Outcome) {
        let ids: Vec<Arc<str>> = job
            .work
            .iter()
            .filter(|w| !w.is_static)
            .map(|w| w.id.clone())
            .collect();
        for id in ids {
            self.remove_binding(job.req.now, &id, Why::Request, Some(REGISTRAR_C), out);
            job.touch(id);
        }
        job.work.retain(|w| w.is_static);
        job.existing = None;
    }

    /// A new binding (`ast_sip_location_create_contact`), tied to its connection
    /// when the transport monitor would prune it.
    fn add(&mut self, job: &mut Job, i: usize, uri: &Arc<str>, e: u32, out: &mut Outcome) {
        let res = Arc::clone(&job.res);
        // A Contact with a printed URI is a SIP one: this always finds it.
        let Some(v) = res.uri(i) else {
            return;
        };
        let (now, rx, aor) = (job.req.now, job.req.rx, &job.res.aor);
        let exp_ms = now as i64 + e as i64 * 1000;
        let prune_on_boot = self.profile.has_transport_monitor()
            && !will_survive_restart(
                v,
                rx.source(),
                rx.protocol(),
                job.res.endpoint.rewrite_contact,
            );
        let parsed = &rx.parsed;
        let (via_addr, via_port) = parsed
            .last_via()
            .map(|v| (v.host.clone(), v.port.unwrap_or(0)))
            .unwrap_or_default();
        let id_text = dynamic_id(&aor.name, uri);
        let id: Arc<str> = Arc::from(id_text.as_str());
        let binding = Binding {
            id: id_text,
            aor: aor.name.clone(),
            uri: uri.to_string(),
            expiration: (exp_ms / 1000) as u64,
            path: job.path.clone().unwrap_or_default(),
            user_agent: parsed.user_agent.clone().unwrap_or_default(),
            via_addr,
            via_port,
            call_id: parsed.call_id.clone(),
            endpoint: job.res.endpoint.name.clone(),
            reg_server: self.systemname.clone(),
            prune_on_boot,
            qualify_frequency: aor.qualify_frequency,
            qualify_timeout: aor.qualify_timeout,
            authenticate_qualify: aor.authenticate_qualify,
            outbound_proxy: aor.outbound_proxy.clone(),
            created_at: now,
        };
        // A new binding was never qualified, whatever a replay set for its id
        // before it was stored; its row starts NonQualified.
        self.status.remove(&*id);
        let ix = self.store.insert(binding, Arc::clone(uri));
        self.touch_aor(ix);
        if prune_on_boot {
            if let Some(conn) = rx.conn() {
                self.monitors.insert(id.to_string(), conn);
            }
        }
        let log = Some(LogText::added(uri.clone(), &job.res.aor_name, e));
        out.change(change(job, ChangeKind::Added, uri.clone(), e, log));
        let w = Work {
            id: id.clone(),
            slot: u32::MAX,
            uri: Arc::clone(uri),
            parsed: Some(Arc::new(v.clone())),
            sip: v.is_sip(),
            sent: None,
            exp_ms,
            is_static: false,
            fresh: true,
        };
        insert_in_order(job.sorted, &mut job.work, w);
        job.touch(id.clone());
        job.new_ids.push(id);
    }

    /// The binding with the same URI gets the new expiration (and the AOR's
    /// qualify settings, the Path, the User-Agent, this system's name).
    fn refresh(&mut self, job: &mut Job, f: Work, uri: &Arc<str>, e: u32, out: &mut Outcome) {
        let (now, aor) = (job.req.now, &job.res.aor);
        let exp_ms = now as i64 + e as i64 * 1000;
        let user_agent = job.req.rx.parsed.user_agent.as_deref();
        let (path, systemname) = (&job.path, &self.systemname);
        self.store.update(&f.id, f.slot, |b| {
            b.expiration = (exp_ms / 1000) as u64;
            b.qualify_frequency = aor.qualify_frequency;
            b.authenticate_qualify = aor.authenticate_qualify;
            // Assigned only when they differ: a refresh usually repeats them.
            if let Some(p) = path.as_ref().filter(|p| **p != b.path) {
                b.path = p.clone();
            }
            if let Some(ua) = user_agent.filter(|ua| *ua != b.user_agent) {
                b.user_agent = ua.to_string();
            }
            if !systemname.is_empty() && *systemname != b.reg_server {
                b.reg_server = systemname.clone();
            }
        });
        // The line names the Contact as sent; the change, the binding as stored.
        let line_uri = if Arc::ptr_eq(uri, &f.uri) || **uri == *f.uri {
            f.uri.clone()
        } else {
            Arc::clone(uri)
        };
        let log = Some(LogText::refreshed(line_uri, &job.res.aor_name, e));
        out.change(change(job, ChangeKind::Refreshed, f.uri.clone(), e, log));
        job.touch(f.id.clone());
        let w = Work {
            exp_ms,
            fresh: true,
            ..f
        };
        insert_in_order(job.sorted, &mut job.work, w);
    }
}

/// A change this REGISTER made by request.
fn change(job: &Job, kind: ChangeKind, uri: Arc<str>, e: u32, log: Option<LogText>) -> Change {
    Change {
        at: job.req.now,
        kind,
        aor: job.res.aor_name.clone(),
        endpoint: job.res.endpoint_name.clone(),
        uri,
        expires: Some(e),
        why: Why::Request,
        log,
    }
}
