//! REGISTER handling, in the order Asterisk applies its rules
//! (message filter → WebSocket → endpoint identification → res_pjsip_nat →
//! `registrar_on_rx_request` → `register_aor_core`).

use crate::binding::{dynamic_id, static_id, Binding, Status};
use crate::change::{debug, verbose, warning, AorRead, Change, ChangeKind, Count, Why};
use crate::config::{Aor, Endpoint, IdentifyBy, Protocol};
use crate::nat::{
    rewrite_contact, strip_x_ast_params, websocket_rewrite, will_survive_restart, TXP,
};
use crate::registrar::{Outcome, Received, Registrar};
use crate::response::{build_response, ResponseContact};
use crate::time::Millis;
use aorlab_sip::{uri_eq, Contact, ContactValue, Param, Uri, UriContext};

/// pjsip's URL buffer (`PJSIP_MAX_URL_SIZE` in Asterisk's bundled pjproject).
/// The registrar's source file, as its log lines name it.
const REGISTRAR_C: &str = "res_pjsip_registrar.c";

pub const MAX_URL_SIZE: usize = 512;
/// `PJ_MAX_HOSTNAME` in Asterisk's bundled pjproject.
pub const MAX_HOSTNAME: usize = 256;

/// A binding in the working set of one REGISTER.
#[derive(Debug, Clone)]
struct Work {
    id: String,
    uri: String,
    parsed: Option<Uri>,
    /// Exact expiration in ms (whole seconds × 1000 for rows read from astdb).
    exp_ms: i64,
    is_static: bool,
    /// Created or refreshed by this REGISTER (sub-second expiration in memory).
    fresh: bool,
}

/// `registrar_get_expiration`: Contact param > Expires header > default, clamped.
pub fn expiration_for(aor: &Aor, contact_expires: Option<u32>, header_expires: Option<u32>) -> u32 {
    let e = contact_expires
        .or(header_expires)
        .unwrap_or(aor.default_expiration);
    if e == 0 {
        return 0;
    }
    if e < aor.minimum_expiration {
        aor.minimum_expiration
    } else if e > aor.maximum_expiration {
        aor.maximum_expiration
    } else {
        e
    }
}

/// `find_aor_name`: user@domain, user@alias-target, then user alone (byte-equal).
pub fn find_aor_name(
    user: &str,
    domain: &str,
    aors: &[String],
    aliases: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    let id_domain = format!("{user}@{domain}");
    if let Some(a) = aors.iter().find(|a| !a.is_empty() && **a == id_domain) {
        return Some(a.clone());
    }
    if let Some(target) = aliases.get(domain) {
        let id_alias = format!("{user}@{target}");
        if let Some(a) = aors.iter().find(|a| !a.is_empty() && **a == id_alias) {
            return Some(a.clone());
        }
    }
    if user.is_empty() {
        return None;
    }
    aors.iter().find(|a| *a == user).cloned()
}

impl Registrar {
    /// Handle one REGISTER. `Outcome.response` is `None` only while Asterisk is down.
    pub fn on_register(&mut self, now: Millis, rx: &Received) -> Outcome {
        let mut out = self.register(now, rx);
        if self.up {
            self.update_endpoint_states(now, &mut out);
        }
        out
    }

    fn register(&mut self, now: Millis, rx: &Received) -> Outcome {
        let mut out = Outcome::default();
        if !self.up {
            return out;
        }
        let req = &rx.request;
        // pjsip's `src_name`: an IPv6 source is printed without brackets.
        let src = format!("{}:{}", rx.source.ip, rx.source.port);
        let from_src = if self.profile.logs_source_address() {
            format!(" ({src})")
        } else {
            String::new()
        };
        let server = self.server.clone();
        let reject = |out: &mut Outcome,
                      code: u16,
                      aor: &str,
                      endpoint: &str,
                      uri: &str,
                      why: Why,
                      log: Option<String>| {
            out.change(Change {
                at: now,
                kind: ChangeKind::Rejected,
                aor: aor.to_string(),
                endpoint: endpoint.to_string(),
                uri: uri.to_string(),
                expires: None,
                why,
                log,
            });
            out.response = Some(build_response(now, &server, rx, code, &[], None, None));
        };

        // --- pjsip parsing of what the registrar reads ---------------------------------
        let (mut contacts, header_expires, contact_expires, to, from) = match read_request(req) {
            Ok(parts) => parts,
            Err(detail) => {
                reject(&mut out, 400, "", "", "", Why::Malformed { detail }, None);
                return out;
            }
        };

        // --- message filter (transport layer) ----------------------------------------
        // `on_rx_process_uris`: Request-URI, From, To, then every Contact must be
        // sip:/sips: (a `*` passes), else a stateless 416 before any endpoint lookup.
        if self.profile.rejects_non_sip_contact() {
            let ruri_ok = req.request_uri().is_none_or(|u| u.is_sip());
            let bad = if !ruri_ok {
                Some(("Request-URI", req.request_uri().map(|u| u.to_string())))
            } else if !from.uri.is_sip() {
                Some(("From", Some(from.uri.to_string())))
            } else if !to.uri.is_sip() {
                Some(("To", Some(to.uri.to_string())))
            } else {
                contacts
                    .iter()
                    .find_map(|c| match c {
                        Contact::Addr(v) if !v.addr.uri.is_sip() => Some(v.addr.uri.to_string()),
                        _ => None,
                    })
                    .map(|u| ("Contact", Some(u)))
            };
            if let Some((what, uri)) = bad {
                let uri = uri.unwrap_or_default();
                reject(
                    &mut out,
                    416,
                    "",
                    "",
                    &uri,
                    Why::UnsupportedUriScheme {
                        detail: format!("{what} '{uri}' is not a sip: or sips: URI"),
                    },
                    None,
                );
                return out;
            }
        }
        if self.profile.has_orig_host() {
            for c in contacts.iter_mut() {
                if let Contact::Addr(v) = c {
                    strip_x_ast_params(&mut v.addr.uri);
                }
            }
        }
        // `on_rx_process_symmetric_transport`: the first Contact header only (not a `*`).
        let first_contact = contacts
            .first()
            .and_then(|c| matches!(c, Contact::Addr(v) if v.addr.uri.is_sip()).then_some(0));
        if let (Some(i), Some(tname)) = (first_contact, rx.transport.as_deref()) {
            if self
                .config
                .transports
                .get(tname)
                .is_some_and(|t| t.symmetric_transport)
            {
                if let Contact::Addr(v) = &mut contacts[i] {
                    v.addr.uri.other_params.push(Param::new(TXP, Some(tname)));
                }
            }
        }
        if matches!(rx.protocol, Protocol::Ws | Protocol::Wss) {
            // `websocket_on_rx_msg`: the first Contact header, if it is a SIP URI.
            if let Some(Contact::Addr(v)) = first_contact.map(|i| &mut contacts[i]) {
                websocket_rewrite(&mut v.addr.uri, &rx.source, self.profile);
            }
        }

        // --- endpoint identification (by From user) ----------------------------------
        let from_user = from.uri.user.clone().unwrap_or_default();
        let Some(endpoint) = self.identify_endpoint(&from_user, from.uri.host.as_str()) else {
            reject(
                &mut out,
                401,
                "",
                "",
                &from_user,
                Why::UnknownEndpoint {
                    user: from_user.clone(),
                },
                None,
            );
            return out;
        };

        // --- res_pjsip_nat: rewrite_contact on the first Contact ---------------------
        if endpoint.rewrite_contact {
            if let Some(Contact::Addr(v)) = contacts.first_mut() {
                if v.addr.uri.is_sip() {
                    rewrite_contact(&mut v.addr.uri, &rx.source, rx.protocol, self.profile);
                }
            }
        }

        // --- registrar_on_rx_request ---------------------------------------------------
        let ep = endpoint.name.clone();
        if endpoint.aors.is_empty() {
            let log = warning(
                "res_pjsip_registrar.c",
                format!("Endpoint '{ep}'{from_src} has no configured AORs"),
            );
            reject(&mut out, 403, "", &ep, "", Why::NoAors, log);
            return out;
        }
        if !to.uri.is_sip() {
            let log = warning(
                "res_pjsip_registrar.c",
                format!(
                    "Endpoint '{ep}'{from_src} attempted to register to an AOR with a non-SIP URI"
                ),
            );
            reject(
                &mut out,
                416,
                "",
                &ep,
                &to.uri.to_string(),
                Why::UnsupportedUriScheme {
                    detail: "the To URI is not a sip: or sips: URI".into(),
                },
                log,
            );
            return out;
        }
        let aor_name = self.resolve_aor(&endpoint, &to.uri, req);
        let aor = aor_name
            .as_ref()
            .and_then(|n| self.config.aors.get(n))
            .cloned();
        let Some(aor) = aor else {
            let shown = aor_name.clone().unwrap_or_default();
            let log = warning(
                "res_pjsip_registrar.c",
                format!("AOR '{shown}' not found for endpoint '{ep}'{from_src}"),
            );
            let user = to.uri.user.clone().unwrap_or_default();
            reject(
                &mut out,
                404,
                &shown,
                &ep,
                &user,
                Why::AorNotFound {
                    aor: shown.clone(),
                    source: src.clone(),
                },
                log,
            );
            return out;
        };
        if aor.max_contacts == 0 {
            let log = warning(
                "res_pjsip_registrar.c",
                format!("AOR '{}' has no configured max_contacts. Endpoint '{ep}'{from_src} unable to register", aor.name),
            );
            reject(
                &mut out,
                403,
                &aor.name,
                &ep,
                "",
                Why::MaxContactsZero {
                    source: src.clone(),
                },
                log,
            );
            return out;
        }

        // --- register_aor: load (lazy expiry) ----------------------------------------
        self.prune_expired(now, Some(&aor.name), AorRead::Register, &mut out);
        self.update_endpoint_states(now, &mut out);
        // Stored URIs are re-parsed by Asterisk on every REGISTER; the result never
        // changes, so it is parsed once per binding and kept.
        let ids: Vec<(String, String, i64)> = self
            .store
            .of_aor(&aor.name)
            .map(|b| (b.id.clone(), b.uri.clone(), b.expiration as i64 * 1000))
            .collect();
        let mut work: Vec<Work> = ids
            .into_iter()
            .map(|(id, uri, exp_ms)| {
                let parsed = self
                    .parsed_uris
                    .entry(id.clone())
                    .or_insert_with(|| Uri::parse(&uri).ok())
                    .clone();
                Work {
                    id,
                    uri,
                    parsed,
                    exp_ms,
                    is_static: false,
                    fresh: false,
                }
            })
            .collect();
        for s in &aor.contacts {
            work.push(Work {
                id: static_id(&aor.name, s),
                uri: s.clone(),
                parsed: Uri::parse(s).ok(),
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

        // --- registrar_validate_contacts ---------------------------------------------
        let (mut added, mut updated, mut deleted) = (0i64, 0i64, 0i64);
        let mut previous_star: Option<bool> = None;
        // ≤13.17 never recorded a `*` as the previous Contact, so a Contact (or a
        // second `*`) after it passed validation; the apply loop stops at the `*`.
        let star_is_previous = self.profile.evicts_soonest_expiring();
        let mut invalid: Option<String> = None;
        for (i, c) in contacts.iter().enumerate() {
            let e = expiration_for(&aor, contact_expires[i], header_expires);
            match c {
                Contact::Star => {
                    if e != 0 || previous_star.is_some() {
                        invalid = Some(if e != 0 {
                            "'Contact: *' needs 'Expires: 0'".into()
                        } else {
                            "'Contact: *' must be the only Contact".into()
                        });
                        break;
                    }
                    // ≤13.17 did not count a `*`'s deletions either.
                    if star_is_previous {
                        deleted = work.len() as i64 - permanent;
                        previous_star = Some(true);
                    }
                    continue;
                }
                Contact::Addr(v) => {
                    if previous_star == Some(true) {
                        invalid = Some("no other Contact may follow 'Contact: *'".into());
                        break;
                    }
                    previous_star = Some(false);
                    if !v.addr.uri.is_sip() {
                        continue;
                    }
                    let printed = v.addr.uri.print(UriContext::Contact);
                    if printed.len() >= MAX_URL_SIZE {
                        invalid = Some(format!(
                            "Contact URI is {} characters, more than pjsip's {MAX_URL_SIZE}",
                            printed.len()
                        ));
                        break;
                    }
                    if v.addr.uri.host.as_str().len() >= MAX_HOSTNAME {
                        invalid = Some(format!(
                            "Contact host is longer than pjsip's {MAX_HOSTNAME} characters"
                        ));
                        break;
                    }
                    let found = find_match(&work, &v.addr.uri).is_some();
                    match (found, e > 0) {
                        (false, true) => added += 1,
                        (false, false) => {}
                        (true, true) => updated += 1,
                        (true, false) => deleted += 1,
                    }
                }
            }
        }
        if let Some(detail) = invalid {
            let log = warning(
                "res_pjsip_registrar.c",
                format!("Failed to validate contacts in REGISTER request from '{ep}'"),
            );
            reject(
                &mut out,
                400,
                &aor.name,
                &ep,
                "",
                Why::InvalidContacts { detail },
                log,
            );
            return out;
        }

        // --- registrar_validate_path --------------------------------------------------
        let path = if aor.support_path {
            req.headers.path()
        } else {
            None
        };
        // Only the first `Supported:` header is read (`pjsip_msg_find_hdr`).
        let first_supported_has_path = req
            .headers
            .get("Supported")
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("path")));
        if path.is_some() && !first_supported_has_path {
            let log = warning(
                "res_pjsip_registrar.c",
                format!("Invalid modifications made to REGISTER request from '{ep}' by intervening proxy"),
            );
            reject(
                &mut out,
                420,
                &aor.name,
                &ep,
                "",
                Why::PathNotSupported,
                log,
            );
            return out;
        }

        // --- max_contacts -------------------------------------------------------------
        let old_rules = !self.profile.evicts_soonest_expiring();
        let count_of = |work: &Vec<Work>| work.len() as i64 - permanent + added - deleted;
        let mut contact_count = if old_rules {
            // ≤13.17: `*` deletions were not counted, and counts were clamped.
            (added - deleted).max(0)
                + if aor.remove_existing {
                    0
                } else {
                    existing_dynamic as i64
                }
        } else if aor.remove_existing {
            (updated + added - deleted).max(0)
        } else {
            count_of(&work)
        };
        let mk_count = |count: i64| Count {
            existing: existing_dynamic,
            added: added as u32,
            updated: updated as u32,
            deleted: deleted as u32,
            count,
            max_contacts: aor.max_contacts,
            remove_existing: aor.remove_existing,
            untouched: None,
        };
        // `existing_contacts`: with remove_existing, the non-static bindings as loaded,
        // taken *before* the remove_unavailable pre-pass (so a binding that pass
        // evicts stays a candidate of the post-pass, as in Asterisk).
        let mut existing: Option<Vec<Work>> = (aor.remove_existing && !old_rules)
            .then(|| work.iter().filter(|w| !w.is_static).cloned().collect());
        // `contact_count` is a signed int compared with the unsigned max_contacts:
        // a negative count (more removals than bindings) is huge, so over the limit.
        let over = |count: i64| count as i32 as u32 > aor.max_contacts;
        if over(contact_count) && aor.remove_unavailable && self.profile.has_remove_unavailable() {
            let unavail: Vec<Work> = work
                .iter()
                .filter(|w| self.status_of(&w.id) == Status::Unreachable)
                .cloned()
                .collect();
            if !over(contact_count - unavail.len() as i64) {
                let to_remove = (contact_count - aor.max_contacts as i64) as usize;
                let chosen = self.pick_excess(&unavail, to_remove, &aor);
                let count = mk_count(contact_count);
                self.evict(
                    now,
                    &mut work,
                    chosen,
                    &aor,
                    &ep,
                    |c| {
                        if aor.remove_existing {
                            Why::RemoveExisting { count: c }
                        } else {
                            Why::RemoveUnavailable { count: c }
                        }
                    },
                    count,
                    &mut out,
                );
                contact_count = count_of(&work);
            }
        }
        if over(contact_count) {
            let log = warning(
                "res_pjsip_registrar.c",
                format!("Registration attempt from endpoint '{ep}'{from_src} to AOR '{}' will exceed max contacts of {}", aor.name, aor.max_contacts),
            );
            let first_uri = contacts.iter().find_map(|c| match c {
                Contact::Addr(v) => Some(v.addr.uri.print(UriContext::Contact)),
                _ => None,
            });
            let count = mk_count(contact_count);
            reject(
                &mut out,
                403,
                &aor.name,
                &ep,
                &first_uri.unwrap_or_default(),
                Why::MaxContactsExceeded {
                    count,
                    source: src.clone(),
                },
                log,
            );
            return out;
        }

        // --- apply loop -----------------------------------------------------------------
        let user_agent = req.headers.user_agent().map(str::to_string);
        let vias = req.headers.vias().unwrap_or_default();
        let (via_addr, via_port) = vias
            .last()
            .map(|v| (v.host.clone(), v.port.unwrap_or(0)))
            .unwrap_or_default();
        let call_id = req.headers.call_id().unwrap_or("").to_string();
        let mut touched: Vec<String> = Vec::new();
        let mut new_ids: Vec<String> = Vec::new();
        for (i, c) in contacts.iter().enumerate() {
            let v: &ContactValue = match c {
                Contact::Star => {
                    let dynamic: Vec<usize> =
                        (0..work.len()).filter(|&k| !work[k].is_static).collect();
                    let ids: Vec<String> = dynamic.iter().map(|&k| work[k].id.clone()).collect();
                    for id in ids {
                        self.remove_binding(now, &id, Why::Request, Some(REGISTRAR_C), &mut out);
                        touched.push(id.clone());
                    }
                    work.retain(|w| w.is_static);
                    existing = None;
                    break;
                }
                Contact::Addr(v) => v,
            };
            if !v.addr.uri.is_sip() {
                continue;
            }
            let e = expiration_for(&aor, contact_expires[i], header_expires);
            let uri_text = v.addr.uri.print(UriContext::Contact);
            let found = find_match(&work, &v.addr.uri).map(|k| work.remove(k));
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
                        &mut work,
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
                        &mut work,
                        Work {
                            exp_ms,
                            fresh: true,
                            ..f
                        },
                    );
                }
                Some(f) => {
                    self.remove_binding(now, &f.id, Why::Request, Some(REGISTRAR_C), &mut out);
                    touched.push(f.id.clone());
                }
            }
        }

        // --- remove_existing ----------------------------------------------------------
        if aor.remove_existing {
            if old_rules {
                // ≤13.17: every binding this REGISTER did not touch goes, silently.
                let doomed: Vec<String> = work
                    .iter()
                    .filter(|w| !w.is_static && !touched.contains(&w.id))
                    .map(|w| w.id.clone())
                    .collect();
                for id in doomed {
                    self.remove_binding(now, &id, Why::RemoveExistingAll, None, &mut out);
                    work.retain(|w| w.id != id);
                }
            } else if let Some(ex) = existing {
                let n = ex.len() as i64 + updated + added;
                if n > aor.max_contacts as i64 {
                    let untouched = ex.len() as u32;
                    let chosen =
                        self.pick_excess(&ex, (n - aor.max_contacts as i64) as usize, &aor);
                    self.evict(
                        now,
                        &mut work,
                        chosen,
                        &aor,
                        &ep,
                        |c| Why::RemoveExisting { count: c },
                        Count {
                            untouched: Some(untouched),
                            ..mk_count(n)
                        },
                        &mut out,
                    );
                }
            }
        }

        // --- qualify: a new binding makes the AOR qualify all its contacts at once
        // (before 13.22: only the new binding is qualified) ----------------------------
        if !new_ids.is_empty() && aor.qualify_frequency > 0 {
            if self.profile.qualifies_whole_aor() {
                out.qualify = self.qualify_aor(now, &aor.name, None);
                self.next_qualify
                    .insert(aor.name.clone(), now + aor.qualify_frequency as u64 * 1000);
            } else {
                out.qualify = self.qualify_aor(now, &aor.name, Some(&new_ids));
            }
        }

        // --- 200 OK ---------------------------------------------------------------------
        // `registrar_add_contact` skips (with a warning) what does not parse as sip(s).
        for w in work
            .iter()
            .filter(|w| !w.parsed.as_ref().is_some_and(|u| u.is_sip()))
        {
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
        let listed: Vec<ResponseContact> = work
            .iter()
            .filter_map(|w| {
                let uri = w.parsed.clone()?;
                if !uri.is_sip() {
                    return None;
                }
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
                Some(ResponseContact { uri, expires })
            })
            .collect();
        let mut listed = listed;
        // Before 16.17 (ASTERISK-29235) `process_nat` overwrote the first Contact of
        // the 200 OK with the transport's external_signaling_address when the UA
        // was outside local_net. Modelled for the profiles before 16.8.
        if !self.profile.keeps_response_contact() {
            if let (Some(t), Some(first)) = (
                rx.transport
                    .as_deref()
                    .and_then(|n| self.config.transports.get(n)),
                listed.first_mut(),
            ) {
                if !t.external_signaling_address.is_empty()
                    && !crate::nat::in_local_net(&rx.source.ip, &t.local_net)
                {
                    let ext = &t.external_signaling_address;
                    let host = crate::nat::Addr::parse(ext)
                        .map(|a| a.ip)
                        .unwrap_or_else(|| ext.trim_matches(['[', ']']).to_string());
                    first.uri.host = aorlab_sip::Host(host);
                    if t.external_signaling_port > 0 {
                        first.uri.port = Some(t.external_signaling_port as u16);
                    }
                }
            }
        }
        let expires_header = header_expires.map(|h| expiration_for(&aor, None, Some(h)));
        // res_pjsip_path (`path_outgoing_response`) looks at the response's contact,
        // the first of the working set: none → neither Supported nor Path; a
        // static one or one without a path → Supported only.
        let first = work.first();
        let path_first = first
            .filter(|w| !w.is_static)
            .and_then(|w| self.store.get(&w.id))
            .map(|b| b.path.clone())
            .filter(|p| !p.is_empty());
        let mut resp = build_response(
            now,
            &self.server,
            rx,
            200,
            &listed,
            expires_header,
            Some(self.profile),
        );
        if aor.support_path && first.is_some() {
            resp.headers.push("Supported", "path");
            if let Some(p) = path_first {
                resp.headers.push("Path", p);
            }
        }
        out.response = Some(resp);
        out
    }

    /// The endpoint a REGISTER comes from, by its From user (`username` identifier):
    /// `user@domain`, then `user@<domain_alias target>`, then `user`.
    fn identify_endpoint(&self, user: &str, host: &str) -> Option<Endpoint> {
        let eps = &self.config.endpoints;
        eps.get(&format!("{user}@{host}"))
            .or_else(|| {
                self.config
                    .domain_aliases
                    .get(host)
                    .and_then(|target| eps.get(&format!("{user}@{target}")))
            })
            .or_else(|| eps.get(user))
            .cloned()
    }

    /// `find_registrar_aor`.
    fn resolve_aor(
        &self,
        endpoint: &Endpoint,
        to: &Uri,
        req: &aorlab_sip::Message,
    ) -> Option<String> {
        let mut user = to.user.clone().unwrap_or_default();
        if self.config.global.ignore_uri_user_options {
            if let Some(i) = user.find(';') {
                user.truncate(i);
            }
        }
        // Before 13.30/16.7 the alias was written into the wrong buffer, so the
        // domain_alias pass compared against garbage: treated as never matching.
        let no_aliases = std::collections::BTreeMap::new();
        let aliases = if self.profile.uses_domain_aliases() {
            &self.config.domain_aliases
        } else {
            &no_aliases
        };
        let by_to = || find_aor_name(&user, to.host.as_str(), &endpoint.aors, aliases);
        let by_auth = || {
            req.headers.all("Authorization").find_map(|h| {
                // the scheme compares case-insensitively (`pj_stricmp2(scheme, "digest")`)
                let h = h.trim();
                let (scheme, rest) = h.split_at(h.find(char::is_whitespace)?);
                if !scheme.eq_ignore_ascii_case("digest") {
                    return None;
                }
                let field = |name: &str| {
                    rest.split(',').find_map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        (k.trim().eq_ignore_ascii_case(name))
                            .then(|| v.trim().trim_matches('"').to_string())
                    })
                };
                find_aor_name(
                    &field("username")?,
                    &field("realm").unwrap_or_default(),
                    &endpoint.aors,
                    aliases,
                )
            })
        };
        if self.profile.aor_from_to_first() {
            // 20.21/22.11+: the To URI first, then Authorization if identify_by allows.
            by_to().or_else(|| {
                endpoint
                    .identify_by
                    .contains(&IdentifyBy::AuthUsername)
                    .then(by_auth)
                    .flatten()
            })
        } else {
            endpoint.identify_by.iter().find_map(|m| match m {
                IdentifyBy::Username => by_to(),
                IdentifyBy::AuthUsername => by_auth(),
                _ => None,
            })
        }
    }

    /// `remove_excess_contacts` selection: the `n` smallest of `candidates` under
    /// (unavailable first when remove_unavailable, then expiration), stable in
    /// container order; returned in the order Asterisk deletes them (last first).
    fn pick_excess(&self, candidates: &[Work], n: usize, aor: &Aor) -> Vec<Work> {
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
    #[allow(clippy::too_many_arguments)]
    fn evict(
        &mut self,
        now: Millis,
        work: &mut Vec<Work>,
        chosen: Vec<Work>,
        aor: &Aor,
        _ep: &str,
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
                            c.uri, aor.name
                        ),
                    ),
                );
            }
        }
        work.retain(|w| !chosen.iter().any(|c| c.id == w.id && !w.fresh));
    }
}

/// What pjsip parses before the registrar runs: Contacts, the Expires header,
/// each Contact's `expires`, To and From. A syntax error is a 400.
#[allow(clippy::type_complexity)]
fn read_request(
    req: &aorlab_sip::Message,
) -> Result<
    (
        Vec<Contact>,
        Option<u32>,
        Vec<Option<u32>>,
        aorlab_sip::NameAddr,
        aorlab_sip::NameAddr,
    ),
    String,
> {
    let contacts = req
        .headers
        .contacts()
        .map_err(|e| format!("bad Contact header: {}", e.message))?;
    // A non-numeric Expires header is a syntax error (400); a number is read as
    // pjsip stores it. A Contact's `;expires=` is read by `pj_strtoul`, so
    // `expires=abc` means 0 — an unregistration, as Asterisk sees it.
    req.headers.expires().transpose()?;
    let header_expires = req.headers.expires_pjsip();
    let contact_expires = contacts
        .iter()
        .map(|c| match c {
            Contact::Star => None,
            Contact::Addr(v) => v.expires_pjsip(),
        })
        .collect::<Vec<_>>();
    let (to, _) = req.headers.to().map_err(|e| e.message)?;
    let (from, _) = req.headers.from().map_err(|e| e.message)?;
    Ok((contacts, header_expires, contact_expires, to, from))
}

/// `registrar_find_contact`: the first non-static binding, in container order,
/// whose URI pjsip considers equal.
fn find_match(work: &[Work], uri: &Uri) -> Option<usize> {
    work.iter()
        .position(|w| !w.is_static && w.parsed.as_ref().is_some_and(|p| uri_eq(uri, p).is_ok()))
}

/// `ao2_link` into the REGISTER's container: in id order where sorcery sorts
/// (20.16/21.11/22.6/23.0+), else appended after everything loaded.
fn insert_in_order(sorted: bool, work: &mut Vec<Work>, w: Work) {
    if sorted {
        let at = work.partition_point(|x| x.id < w.id);
        work.insert(at, w);
    } else {
        work.push(w);
    }
}
