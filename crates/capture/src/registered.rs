//! When each device was registered, read from the registrar's 200 OKs the way
//! an admin reads them: a binding counts from the 200 that lists it until the
//! expiry listed with it, or until a later 200 for the same AOR no longer lists
//! it. A listed binding counts for one device only (phones behind one NAT can
//! send the same Contact); the device the 200 OK answers claims first. The same reading serves Asterisk's captured answers and the model's
//! what-if answers, so the two are compared like for like.

use crate::check::Answer;
use crate::evidence::{Capture, Micros};
use crate::story::{Register, Story};
use aorlab_sip::{Contact, Message, Uri};
use serde::Serialize;
use std::collections::BTreeSet;

/// Why a registered stretch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// The expiry the last 200 OK listed passed without a refresh.
    Expired,
    /// A later 200 OK for the AOR no longer listed it (unregistered, replaced,
    /// or removed between REGISTERs).
    NotListed,
    /// Still registered when the capture ends.
    CaptureEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stretch {
    pub from_us: Micros,
    pub to_us: Micros,
    pub end: End,
}

/// Total registered time of some stretches, in milliseconds.
pub fn registered_ms(stretches: &[Stretch]) -> u64 {
    stretches.iter().map(|s| (s.to_us - s.from_us) / 1000).sum()
}

/// `user@host:port`: what identifies a binding across Asterisk's ways of
/// printing it (parameters, `x-ast-orig-host`, a rewritten host).
fn key(uri: &Uri) -> String {
    format!(
        "{}@{}:{}",
        uri.user.as_deref().unwrap_or(""),
        uri.host.0.to_ascii_lowercase(),
        uri.port.unwrap_or(5060)
    )
}

/// The keys a REGISTER's Contacts can be listed under: as sent, and as
/// `rewrite_contact` stores them (host and port = the source address).
fn request_keys(cap: &Capture, r: &Register) -> Vec<String> {
    let Ok(m) = Message::parse(&cap.packets[r.packet].text) else {
        return vec![];
    };
    let source = aorlab_registrar::Addr::parse(&r.peer);
    let mut out = Vec::new();
    for c in m.headers.contacts().unwrap_or_default() {
        let Contact::Addr(v) = c else { continue };
        let mut uri = v.addr.uri.clone();
        out.push(key(&uri));
        if let Some(s) = &source {
            uri.host = aorlab_sip::Host(s.ip.to_string());
            uri.port = Some(s.port);
            out.push(key(&uri));
        }
    }
    out
}

/// Per device (index into `Story::devices`), its registered stretches as the
/// answers show them. `answers` pairs REGISTERs (index into `Story::registers`)
/// with the answer to read, in time order; `end_us` is when the capture ends.
pub fn stretches(
    cap: &Capture,
    story: &Story,
    answers: &[(usize, Option<&Answer>)],
    end_us: Micros,
) -> Vec<Vec<Stretch>> {
    let n = story.devices.len();
    let mut known: Vec<BTreeSet<String>> = vec![BTreeSet::new(); n];
    let mut open: Vec<Option<(Micros, Micros)>> = vec![None; n];
    let mut out: Vec<Vec<Stretch>> = vec![Vec::new(); n];
    for &(i, answer) in answers {
        let r = &story.registers[i];
        let at = r.at_us;
        for d in 0..n {
            if let Some((from, until)) = open[d].filter(|o| o.1 <= at) {
                out[d].push(Stretch {
                    from_us: from,
                    to_us: until,
                    end: End::Expired,
                });
                open[d] = None;
            }
        }
        known[r.device].extend(request_keys(cap, r));
        let Some(a) = answer.filter(|a| (200..300).contains(&a.status)) else {
            continue;
        };
        // Each listed binding belongs to one device: phones behind one NAT can
        // send the same Contact. The device this answer is for claims first.
        let mut listed: Vec<(String, i64, bool)> = Vec::new();
        for (uri, expires) in &a.contacts {
            let Ok(u) = Uri::parse(uri) else { continue };
            let e = expires.unwrap_or(a.expires_header.unwrap_or(0) as i64);
            listed.push((key(&u), e, false));
        }
        let order = std::iter::once(r.device)
            .chain((0..n).filter(|&d| d != r.device && story.devices[d].aor == r.aor));
        for d in order {
            let claim = listed
                .iter_mut()
                .filter(|(k, _, taken)| !taken && known[d].contains(k))
                .max_by_key(|(_, e, _)| *e);
            match claim {
                Some((_, e, taken)) if *e > 0 => {
                    *taken = true;
                    let from = open[d].map_or(at, |o| o.0);
                    open[d] = Some((from, at + *e as u64 * 1_000_000));
                }
                _ => {
                    if let Some((from, _)) = open[d].take() {
                        out[d].push(Stretch {
                            from_us: from,
                            to_us: at,
                            end: End::NotListed,
                        });
                    }
                }
            }
        }
    }
    for d in 0..n {
        if let Some((from, until)) = open[d] {
            let (to_us, end) = if until <= end_us {
                (until, End::Expired)
            } else {
                (end_us.max(from), End::CaptureEnd)
            };
            out[d].push(Stretch {
                from_us: from,
                to_us,
                end,
            });
        }
    }
    out
}
