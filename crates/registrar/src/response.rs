//! Responses as Asterisk/pjsip send them.

use crate::binding::uri_md5;
use crate::nat::restore_orig_host;
use crate::profile::Profile;
use crate::registrar::Received;
use crate::time::{http_date, Millis};
use aorlab_sip::{Message, Param, Uri, UriContext, Via};

/// One Contact of a 200 OK.
#[derive(Debug, Clone)]
pub struct ResponseContact {
    /// Shared with the working set (copied only when the 200 OK changes it).
    pub uri: std::sync::Arc<Uri>,
    /// `None` for static contacts (no expires parameter since 13.36/16.13).
    pub expires: Option<i64>,
}

pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        500 => "Internal Server Error",
        _ => "Unknown",
    }
}

/// pjsip prints Via parameters in a fixed order: ttl, rport, maddr, received, branch, others.
fn response_via(v: &Via, rx: &Received, top: bool) -> Via {
    let mut v = v.clone();
    if top {
        if v.rport().is_some() {
            v.set_param("rport", Some(&rx.source.port.to_string()));
        }
        v.set_param("received", Some(&rx.source.ip));
    }
    let order = ["ttl", "rport", "maddr", "received", "branch"];
    let mut params: Vec<Param> = Vec::new();
    for name in order {
        if let Some(p) = v.params.iter().find(|p| p.name.eq_ignore_ascii_case(name)) {
            params.push(p.clone());
        }
    }
    params.extend(
        v.params
            .iter()
            .filter(|p| !order.iter().any(|o| p.name.eq_ignore_ascii_case(o)))
            .cloned(),
    );
    v.params = params;
    v
}

/// Build a response to `rx`. `contacts` and `expires` only matter for 200.
pub fn build_response(
    now: Millis,
    server: &str,
    rx: &Received,
    code: u16,
    contacts: &[ResponseContact],
    expires: Option<u32>,
    restore_profile: Option<Profile>,
) -> Message {
    let req = &rx.request;
    let mut m = Message::response(code, reason_phrase(code));
    let vias = req.headers.vias().unwrap_or_default();
    for (i, v) in vias.iter().enumerate() {
        m.headers
            .push("Via", response_via(v, rx, i == 0).to_string());
    }
    if let Some(c) = req.headers.get("Call-ID") {
        m.headers.push("Call-ID", c);
    }
    if let Some(f) = req.headers.get("From") {
        m.headers.push("From", f);
    }
    if let Some(t) = req.headers.get("To") {
        // pjsip answers with a To tag; for REGISTER it is the top branch.
        let tag = vias
            .first()
            .and_then(|v| v.branch())
            .unwrap_or("z9hG4bK")
            .to_string();
        if t.contains(";tag=") {
            m.headers.push("To", t);
        } else {
            m.headers.push("To", format!("{t};tag={tag}"));
        }
    }
    if let Some(c) = req.headers.get("CSeq") {
        m.headers.push("CSeq", c);
    }
    if code == 200 {
        m.headers.push("Date", http_date(now));
        for c in contacts {
            let printed = if restore_profile.is_some_and(|p| p.has_orig_host()) {
                let mut uri = Uri::clone(&c.uri);
                restore_orig_host(&mut uri);
                uri.print(UriContext::Contact)
            } else {
                c.uri.print(UriContext::Contact)
            };
            let mut v = String::with_capacity(printed.len() + 20);
            v.push('<');
            v.push_str(&printed);
            v.push('>');
            if let Some(e) = c.expires {
                use std::fmt::Write;
                let _ = write!(v, ";expires={e}");
            }
            m.headers.push("Contact", v);
        }
        if let Some(e) = expires {
            m.headers.push("Expires", e.to_string());
        }
    }
    if code == 401 {
        let nonce = format!(
            "{}/{}",
            now / 1000,
            uri_md5(&format!("{}{}", now / 1000, rx.source))
        );
        let opaque = &uri_md5(&rx.source.to_string())[..16];
        m.headers.push(
            "WWW-Authenticate",
            format!("Digest realm=\"asterisk\",nonce=\"{nonce}\",opaque=\"{opaque}\",algorithm=MD5,qop=\"auth\""),
        );
    }
    m.headers.push("Server", server);
    m
}
