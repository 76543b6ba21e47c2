//! The apply loop of `register_aor_core`: each Contact in order adds a binding,
//! refreshes the one with the same URI, or removes it (expires 0, or `*`).

use super::validate::expiration_for;
use super::{find_match, insert_in_order, Job, Work, REGISTRAR_C};
use crate::binding::{dynamic_id, Binding, Status};
use crate::change::{debug, verbose, Change, ChangeKind, Why};
use crate::nat::will_survive_restart;
use crate::registrar::{Outcome, Registrar};
use aorlab_sip::{Contact, ContactValue, UriContext};

impl Registrar {
    pub(super) fn apply(&mut self, job: &mut Job, out: &mut Outcome) {
        let Job {
            req,
            endpoint,
            aor,
            work,
            sorted,
            existing,
            path,
            touched,
            new_ids,
            ..
        } = job;
        let (now, rx, sorted) = (req.now, req.rx, *sorted);
        let ep = endpoint.name.clone();
        let (contacts, contact_expires, header_expires) =
            (&req.contacts, &req.contact_expires, req.header_expires);
        let user_agent = rx.request.headers.user_agent().map(str::to_string);
        let vias = rx.request.headers.vias().unwrap_or_default();
        let (via_addr, via_port) = vias
            .last()
            .map(|v| (v.host.clone(), v.port.unwrap_or(0)))
            .unwrap_or_default();
        let call_id = rx.request.headers.call_id().unwrap_or("").to_string();
        for (i, c) in contacts.iter().enumerate() {
            let v: &ContactValue = match c {
                Contact::Star => {
                    let dynamic: Vec<usize> =
                        (0..work.len()).filter(|&k| !work[k].is_static).collect();
                    let ids: Vec<String> = dynamic.iter().map(|&k| work[k].id.clone()).collect();
                    for id in ids {
                        self.remove_binding(now, &id, Why::Request, Some(REGISTRAR_C), out);
                        touched.push(id.clone());
                    }
                    work.retain(|w| w.is_static);
                    *existing = None;
                    break;
                }
                Contact::Addr(v) => v,
            };
            if !v.addr.uri.is_sip() {
                continue;
            }
            let e = expiration_for(aor, contact_expires[i], header_expires);
            let uri_text = v.addr.uri.print(UriContext::Contact);
            let found = find_match(work, &v.addr.uri).map(|k| work.remove(k));
            // `ao2_unlink(existing_contacts, contact)` matches by object: only a
            // binding as loaded leaves the list, not one this REGISTER re-created.
            if let (Some(f), Some(ex)) = (&found, existing.as_mut()) {
                if !f.fresh {
                    ex.retain(|w| w.id != f.id);
                }
            }
            match found {
                None if e == 0 => {
                    out.change(Change {
                        at: now,
                        kind: ChangeKind::Ignored,
                        aor: aor.name.clone(),
                        endpoint: ep.clone(),
                        uri: uri_text.clone(),
                        expires: Some(0),
                        why: Why::Request,
                        log: verbose(
                            "res_pjsip_registrar.c",
                            format!("Attempted to remove non-existent contact '{uri_text}' from AOR '{}' by request", aor.name),
                        ),
                    });
                }
                None => {
                    let exp_ms = now as i64 + e as i64 * 1000;
                    let prune_on_boot = self.profile.has_transport_monitor()
                        && !will_survive_restart(
                            &v.addr.uri,
                            &rx.source,
                            rx.protocol,
                            endpoint.rewrite_contact,
                        );
                    let id = dynamic_id(&aor.name, &uri_text);
                    let b = Binding {
                        id: id.clone(),
                        aor: aor.name.clone(),
                        uri: uri_text.clone(),
                        expiration: (exp_ms / 1000) as u64,
                        path: path.clone().unwrap_or_default(),
                        user_agent: user_agent.clone().unwrap_or_default(),
                        via_addr: via_addr.clone(),
                        via_port,
                        call_id: call_id.clone(),
                        endpoint: ep.clone(),
                        reg_server: self.systemname.clone(),
                        prune_on_boot,
                        qualify_frequency: aor.qualify_frequency,
                        qualify_timeout: aor.qualify_timeout,
                        authenticate_qualify: aor.authenticate_qualify,
                        outbound_proxy: aor.outbound_proxy.clone(),
                        created_at: now,
                    };
                    self.store.insert(b);
                    self.touch_aor(&aor.name);
                    self.put_status(&id, (Status::NonQualified, None));
                    if prune_on_boot {
                        if let Some(conn) = rx.conn {
                            self.monitors.insert(id.clone(), conn);
                        }
                    }
                    out.change(Change {
                        at: now,
                        kind: ChangeKind::Added,
                        aor: aor.name.clone(),
                        endpoint: ep.clone(),
                        uri: uri_text.clone(),
                        expires: Some(e),
                        why: Why::Request,
                        log: verbose(
                            "res_pjsip_registrar.c",
                            format!("Added contact '{uri_text}' to AOR '{}' with expiration of {e} seconds", aor.name),
                        ),
                    });
                    insert_in_order(
                        sorted,
                        work,
                        Work {
                            id: id.clone(),
                            uri: uri_text,
                            parsed: Some(v.addr.uri.clone()),
                            exp_ms,
                            is_static: false,
                            fresh: true,
                        },
                    );
                    touched.push(id.clone());
                    new_ids.push(id);
                }
                Some(f) if e > 0 => {
                    let exp_ms = now as i64 + e as i64 * 1000;
                    let systemname = &self.systemname;
                    self.store.update(&f.id, |b| {
                        b.expiration = (exp_ms / 1000) as u64;
                        b.qualify_frequency = aor.qualify_frequency;
                        b.authenticate_qualify = aor.authenticate_qualify;
                        if let Some(p) = &path {
                            b.path = p.clone();
                        }
                        if let Some(ua) = &user_agent {
                            b.user_agent = ua.clone();
                        }
                        if !systemname.is_empty() {
                            b.reg_server = systemname.clone();
                        }
                    });
                    out.change(Change {
                        at: now,
                        kind: ChangeKind::Refreshed,
                        aor: aor.name.clone(),
                        endpoint: ep.clone(),
                        uri: f.uri.clone(),
                        expires: Some(e),
                        why: Why::Request,
                        log: debug(
                            "res_pjsip_registrar.c",
                            format!("Refreshed contact '{uri_text}' on AOR '{}' with new expiration of {e} seconds", aor.name),
                        ),
                    });
                    touched.push(f.id.clone());
                    insert_in_order(
                        sorted,
                        work,
                        Work {
                            exp_ms,
                            fresh: true,
                            ..f
                        },
                    );
                }
                Some(f) => {
                    self.remove_binding(now, &f.id, Why::Request, Some(REGISTRAR_C), out);
                    touched.push(f.id.clone());
                }
            }
        }
    }
}
