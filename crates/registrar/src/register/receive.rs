//! Before the registrar runs: pjsip's parsing of what the registrar reads, the
//! transport layer's message filter and Contact rewrites, endpoint
//! identification (by From user) and `res_pjsip_nat`'s rewrite_contact.

use super::{Rejection, Step};
use crate::change::Why;
use crate::config::{Endpoint, Protocol};
use crate::nat::{rewrite_contact, strip_x_ast_params, websocket_rewrite, TXP};
use crate::profile::Profile;
use crate::received::Received;
use crate::registrar::Registrar;
use crate::time::Millis;
use aorlab_sip::{Contact, NameAddr, Param};
use std::sync::Arc;

/// The REGISTER as the registrar module sees it: what pjsip parsed when it
/// arrived, and the Contacts the transport and NAT layers may rewrite.
pub(super) struct Request<'a> {
    pub(super) now: Millis,
    pub(super) rx: &'a Received,
    /// The Contacts as parsed, before any rewrite (see [`Resolved`]).
    ///
    /// [`Resolved`]: super::Resolved
    pub(super) contacts: &'a [Contact],
    pub(super) header_expires: Option<u32>,
    /// Each Contact's `;expires=` (`None` for a `*`).
    pub(super) contact_expires: &'a [Option<u32>],
    pub(super) to: &'a NameAddr,
    pub(super) from: &'a NameAddr,
    /// Whether the release's warnings name the source ([`Request::source_note`]).
    logs_source: bool,
}

impl<'a> Request<'a> {
    /// pjsip's `src_name`: an IPv6 source is printed without brackets. Read
    /// only by the rarer paths' messages (not kept in the request: a refresh
    /// would read a cold line for it).
    pub(super) fn src(&self) -> &'a str {
        &self.rx.parsed.src
    }
    /// " (<src>)" where the release's warnings name the source, else "".
    pub(super) fn source_note(&self) -> &'a str {
        if self.logs_source {
            &self.rx.parsed.from_src
        } else {
            ""
        }
    }
}

/// A refusal before any AOR is known.
fn refuse(code: u16, endpoint: &str, uri: &str, why: Why, log: Option<String>) -> Box<Rejection> {
    Box::new(Rejection {
        code,
        aor: String::new(),
        endpoint: endpoint.to_string(),
        uri: uri.to_string(),
        why,
        log,
    })
}

/// The REGISTER as parsed on arrival; a syntax error is a 400.
pub(super) fn read_request(now: Millis, rx: &Received, profile: Profile) -> Step<Request<'_>> {
    let p = &rx.parsed;
    let read = p.read.as_ref().map_err(|detail| {
        let why = Why::Malformed {
            detail: detail.clone(),
        };
        refuse(400, "", "", why, None)
    })?;
    Ok(Request {
        now,
        rx,
        contacts: &read.contacts,
        header_expires: read.header_expires,
        contact_expires: &read.contact_expires,
        to: read.header_to(),
        from: read.header_from(),
        logs_source: profile.logs_source_address(),
    })
}

impl Registrar {
    /// `on_rx_process_uris`: Request-URI, From, To, then every Contact must be
    /// sip:/sips: (a `*` passes), else a stateless 416 before any endpoint lookup.
    /// (Its removal of `x-ast-orig-host` is in [`Registrar::rewritten_contacts`].)
    pub(super) fn message_filter(&self, req: &Request) -> Step<()> {
        if self.profile.rejects_non_sip_contact() {
            let m = req.rx.unchanged_request();
            let ruri_ok = m.request_uri().is_none_or(|u| u.is_sip());
            let bad = if !ruri_ok {
                Some(("Request-URI", m.request_uri().map(|u| u.to_string())))
            } else if !req.from.uri.is_sip() {
                Some(("From", Some(req.from.uri.to_string())))
            } else if !req.to.uri.is_sip() {
                Some(("To", Some(req.to.uri.to_string())))
            } else {
                req.contacts
                    .iter()
                    .find_map(|c| match c {
                        Contact::Addr(v) if !v.addr.uri.is_sip() => Some(v.addr.uri.to_string()),
                        _ => None,
                    })
                    .map(|u| ("Contact", Some(u)))
            };
            if let Some((what, uri)) = bad {
                let uri = uri.unwrap_or_default();
                let detail = format!("{what} '{uri}' is not a sip: or sips: URI");
                return Err(refuse(
                    416,
                    "",
                    &uri,
                    Why::UnsupportedUriScheme { detail },
                    None,
                ));
            }
        }
        Ok(())
    }

    /// The Contacts as the registrar stores them: the message filter's removal
    /// of `x-ast-orig-host` (13.18+), the transport's rewrites, then
    /// `res_pjsip_nat`'s for `endpoint`. Identification reads none of them.
    pub(super) fn rewritten_contacts(&self, req: &Request, endpoint: &Endpoint) -> Vec<Contact> {
        let mut contacts = req.contacts.to_vec();
        if self.profile.has_orig_host() {
            for c in contacts.iter_mut() {
                if let Contact::Addr(v) = c {
                    strip_x_ast_params(&mut v.addr.uri);
                }
            }
        }
        self.transport_rewrites(req.rx, &mut contacts);
        self.nat_rewrite(endpoint, req.rx, &mut contacts);
        contacts
    }

    /// `on_rx_process_symmetric_transport` and `websocket_on_rx_msg`: the first
    /// Contact header only, if it is a SIP URI (not a `*`).
    fn transport_rewrites(&self, rx: &Received, contacts: &mut [Contact]) {
        let first = contacts.first_mut().and_then(|c| match c {
            Contact::Addr(v) if v.addr.uri.is_sip() => Some(&mut v.addr.uri),
            _ => None,
        });
        let Some(uri) = first else {
            return;
        };
        if let Some(tname) = rx.transport() {
            if self
                .config
                .transports
                .get(tname)
                .is_some_and(|t| t.symmetric_transport)
            {
                uri.other_params.push(Param::new(TXP, Some(tname)));
            }
        }
        if matches!(rx.protocol(), Protocol::Ws | Protocol::Wss) {
            websocket_rewrite(uri, rx.source(), self.profile);
        }
    }

    /// The endpoint a REGISTER comes from, by its From user (`username` identifier):
    /// `user@domain`, then `user@<domain_alias target>`, then `user`.
    pub(super) fn identify_endpoint(&self, req: &Request) -> Step<Arc<Endpoint>> {
        let user = req.from.uri.user.as_deref().unwrap_or_default();
        let host = req.from.uri.host.as_str();
        let eps = &self.endpoints;
        let mut key = KeyBuf::default();
        // The `user@…` keys can only name an endpoint whose name has an '@'.
        let with_at = self.endpoint_name_has_at;
        (with_at.then(|| eps.get(key.join(user, host))).flatten())
            .or_else(|| {
                with_at
                    .then(|| self.config.domain_aliases.get(host))
                    .flatten()
                    .and_then(|target| eps.get(key.join(user, target)))
            })
            .or_else(|| eps.get(user))
            .cloned()
            .ok_or_else(|| {
                let why = Why::UnknownEndpoint {
                    user: user.to_string(),
                };
                refuse(401, "", user, why, None)
            })
    }

    /// `res_pjsip_nat`: rewrite_contact on the first Contact.
    fn nat_rewrite(&self, endpoint: &Endpoint, rx: &Received, contacts: &mut [Contact]) {
        if !endpoint.rewrite_contact {
            return;
        }
        if let Some(Contact::Addr(v)) = contacts.first_mut() {
            if v.addr.uri.is_sip() {
                rewrite_contact(&mut v.addr.uri, rx.source(), rx.protocol(), self.profile);
            }
        }
    }
}

/// `user@host` for a look-up, built on the stack when it is short (it almost
/// always is): identification runs for every REGISTER.
struct KeyBuf {
    buf: [u8; 128],
    long: String,
}

impl Default for KeyBuf {
    fn default() -> KeyBuf {
        KeyBuf {
            buf: [0; 128],
            long: String::new(),
        }
    }
}

impl KeyBuf {
    fn join(&mut self, user: &str, host: &str) -> &str {
        let n = user.len() + 1 + host.len();
        if n > self.buf.len() {
            self.long = format!("{user}@{host}");
            return &self.long;
        }
        self.buf[..user.len()].copy_from_slice(user.as_bytes());
        self.buf[user.len()] = b'@';
        self.buf[user.len() + 1..n].copy_from_slice(host.as_bytes());
        // two `str`s and an ASCII '@': always UTF-8
        std::str::from_utf8(&self.buf[..n]).unwrap_or_default()
    }
}

/// A refusal naming the endpoint but no AOR yet (`registrar_on_rx_request`).
pub(super) fn refuse_for(
    code: u16,
    endpoint: &str,
    aor: &str,
    uri: &str,
    why: Why,
    log: Option<String>,
) -> Box<Rejection> {
    Box::new(Rejection {
        aor: aor.to_string(),
        ..*refuse(code, endpoint, uri, why, log)
    })
}
