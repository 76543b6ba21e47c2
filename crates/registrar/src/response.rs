//! Responses as Asterisk/pjsip send them: a typed value ([`Response`]) built per
//! decision, printed to a [`Message`] only when a reader asks.

use crate::binding::uri_md5;
use crate::nat::{restored, Addr};
use crate::time::{http_date, Millis};
use aorlab_sip::{Message, Uri, UriContext, Via};
use std::borrow::Cow;
use std::sync::Arc;

/// A 200 OK's Contacts, inline while they are few.
pub(crate) type Contacts = smallvec::SmallVec<[ResponseContact; 2]>;

/// One Contact of a 200 OK.
#[derive(Debug, Clone)]
pub struct ResponseContact {
    /// Shared with the working set (copied only when the 200 OK changes it).
    pub uri: Arc<Uri>,
    /// `uri` with x-ast-orig-host restored, when its row already made it (shared
    /// with the row); `None`: restored from `uri` when read.
    pub sent: Option<Arc<Uri>>,
    /// `None` for static contacts (no expires parameter since 13.36/16.13).
    pub expires: Option<i64>,
}

/// Equal when they print the same: `sent` is a cache of what `uri` gives.
impl PartialEq for ResponseContact {
    fn eq(&self, other: &ResponseContact) -> bool {
        self.uri == other.uri && self.expires == other.expires
    }
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

/// The request's part of every response to it, built once per REGISTER: the
/// Vias (top one with received/rport), Call-ID, From, To (with pjsip's tag), CSeq.
/// A resend's head shares the first send's and keeps only what the resend
/// changed, put in when the response is printed: a routine refresh's answer is
/// mostly read as values and never printed.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseHead {
    base: Arc<HeadBase>,
    resend: Option<HeadResend>,
}

/// The first send's head.
#[derive(Debug, Default)]
struct HeadBase {
    headers: Vec<(&'static str, String)>,
    /// Where the top branch sits in the first Via header's value, when a resend
    /// can swap it in place: a plain token, printed once, ending a parameter.
    branch_at: Option<(usize, usize)>,
    /// Whether `headers` has a To header: known when built, so a resend does
    /// not scan the (cold) headers for it.
    has_to: bool,
}

/// What a resend changed: its top branch, and its CSeq number. `to` is the
/// request's To header, tagged with the new branch when it has no tag.
#[derive(Debug, Clone)]
struct HeadResend {
    branch: Arc<str>,
    to: Option<Arc<str>>,
    cseq: u32,
}

/// Whether a branch prints as itself, unquoted (pjsip's token characters).
fn plain(b: &str) -> bool {
    !b.is_empty()
        && b.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c))
}

impl ResponseHead {
    pub(crate) fn of(req: &Message, vias: &[Via], source: &Addr) -> ResponseHead {
        let mut headers = Vec::with_capacity(vias.len() + 4);
        for (i, v) in vias.iter().enumerate() {
            headers.push(("Via", response_via(v, source, i == 0)));
        }
        let h = &req.headers;
        if let Some(c) = h.get("Call-ID") {
            headers.push(("Call-ID", c.to_string()));
        }
        if let Some(f) = h.get("From") {
            headers.push(("From", f.to_string()));
        }
        if let Some(t) = h.get("To") {
            let branch = vias.first().and_then(|v| v.branch());
            headers.push(("To", to_with_tag(t, branch)));
        }
        if let Some(c) = h.get("CSeq") {
            headers.push(("CSeq", c.to_string()));
        }
        let top = vias.first().and_then(|v| v.branch());
        let branch_at = top.zip(headers.first()).and_then(|(b, (_, via))| {
            let pat = [";branch=", b].concat();
            let at = aorlab_sip::find(via, &pat)?;
            let end = at + pat.len();
            // Exactly one such text (a quoted parameter value could hold another).
            let once = aorlab_sip::find(&via[end..], &pat).is_none()
                && matches!(via.as_bytes().get(end), None | Some(b';'));
            (plain(b) && once).then_some((at + ";branch=".len(), end))
        });
        ResponseHead {
            base: Arc::new(HeadBase {
                has_to: headers.iter().any(|(n, _)| *n == "To"),
                headers,
                branch_at,
            }),
            resend: None,
        }
    }

    /// This head for the same request resent with the top Via's branch `branch`
    /// and the CSeq number `cseq` (`to`: the request's To): shares the first
    /// send's head, nothing printed. `None` when the first send's top branch
    /// cannot be swapped in place or `branch` would print quoted: then the head
    /// is built from the resend's request.
    pub(crate) fn resent(
        &self,
        to: Option<&Arc<str>>,
        cseq: u32,
        branch: &Arc<str>,
    ) -> Option<ResponseHead> {
        self.base.branch_at?;
        if !plain(branch) || (self.base.has_to && to.is_none()) {
            return None;
        }
        Some(ResponseHead {
            base: Arc::clone(&self.base),
            resend: Some(HeadResend {
                branch: Arc::clone(branch),
                to: to.cloned(),
                cseq,
            }),
        })
    }

    /// Each header as the response carries it, in order.
    fn each(&self, mut f: impl FnMut(&'static str, &str)) {
        let Some(r) = &self.resend else {
            for (name, value) in &self.base.headers {
                f(name, value);
            }
            return;
        };
        let mut top = true;
        for (name, value) in &self.base.headers {
            match *name {
                "Via" if std::mem::take(&mut top) => {
                    // `resent` made sure the first send's head has the place.
                    let (b0, b1) = self.base.branch_at.unwrap_or_default();
                    f(name, &[&value[..b0], &r.branch, &value[b1..]].concat());
                }
                "To" => f(
                    name,
                    &to_with_tag(r.to.as_deref().unwrap_or(""), Some(&r.branch)),
                ),
                "CSeq" => f(name, &cseq_value(r.cseq)),
                _ => f(name, value),
            }
        }
    }

    /// The headers as printed, for comparing heads.
    fn printed(&self) -> Vec<(&'static str, String)> {
        let mut v = Vec::with_capacity(self.base.headers.len());
        self.each(|n, value| v.push((n, value.to_string())));
        v
    }
}

/// Equal when they print the same (a resend's head equals the one its request
/// gives when read afresh).
impl PartialEq for ResponseHead {
    fn eq(&self, other: &ResponseHead) -> bool {
        self.printed() == other.printed()
    }
}

/// `N REGISTER`, a REGISTER's CSeq header value.
pub(crate) fn cseq_value(n: u32) -> String {
    [itoa::Buffer::new().format(n), " REGISTER"].concat()
}

/// The response's To: the request's, with a tag when it had none. pjsip tags a
/// REGISTER's answer with its top branch.
fn to_with_tag(to: &str, top_branch: Option<&str>) -> String {
    if to.contains(";tag=") {
        to.to_string()
    } else {
        [to, ";tag=", top_branch.unwrap_or("z9hG4bK")].concat()
    }
}

/// A request Via as the response carries it: on the top one `rport` takes the
/// source port (when the request asked for it) and `received` the source IP;
/// pjsip prints the parameters in a fixed order: ttl, rport, maddr, received,
/// branch, then the others (a repeated one of the five only once).
fn response_via(v: &Via, source: &Addr, top: bool) -> String {
    let mut port = itoa::Buffer::new();
    let port = port.format(source.port);
    // (name as written, value), with the top Via's two replaced or added.
    let mut params: Vec<(&str, Option<&str>)> = v
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_deref()))
        .collect();
    if top {
        if let Some(p) = params
            .iter_mut()
            .find(|p| p.0.eq_ignore_ascii_case("rport"))
        {
            p.1 = Some(port);
        }
        match params
            .iter_mut()
            .find(|p| p.0.eq_ignore_ascii_case("received"))
        {
            Some(p) => p.1 = Some(&source.ip),
            None => params.push(("received", Some(&source.ip))),
        }
    }
    const ORDER: [&str; 5] = ["ttl", "rport", "maddr", "received", "branch"];
    let first = ORDER
        .iter()
        .filter_map(|o| params.iter().find(|p| p.0.eq_ignore_ascii_case(o)));
    let rest = params
        .iter()
        .filter(|p| !ORDER.iter().any(|o| p.0.eq_ignore_ascii_case(o)));
    let mut out = String::with_capacity(96);
    v.push_with_params(first.chain(rest).copied(), &mut out);
    out
}

/// The registrar's answer to one REGISTER, as values: the code, the request's
/// ids, and for a 200 OK the contacts with their expires. [`Response::to_message`]
/// prints it exactly as Asterisk sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    code: u16,
    head: Arc<ResponseHead>,
    /// When it was sent (the 200 OK's Date).
    at: Millis,
    /// The 200 OK's Contacts, in order.
    contacts: Contacts,
    /// 13.18+: the Contacts lose the x-ast-orig-host parameter again.
    restore_orig_host: bool,
    /// The 200 OK's Expires header.
    expires: Option<u32>,
    /// `Supported: path`, with the Path of the first binding if it has one.
    path: Option<Option<String>>,
    /// The 401's WWW-Authenticate value.
    challenge: Option<String>,
    server: Arc<str>,
}

impl Response {
    /// Any response but a 200 OK.
    pub(crate) fn refusal(
        now: Millis,
        server: &Arc<str>,
        head: &Arc<ResponseHead>,
        source: &Addr,
        code: u16,
    ) -> Response {
        let challenge = (code == 401).then(|| {
            let nonce = format!(
                "{}/{}",
                now / 1000,
                uri_md5(&format!("{}{}", now / 1000, source))
            );
            let opaque = &uri_md5(&source.to_string())[..16];
            format!("Digest realm=\"asterisk\",nonce=\"{nonce}\",opaque=\"{opaque}\",algorithm=MD5,qop=\"auth\"")
        });
        Response {
            code,
            head: head.clone(),
            at: now,
            contacts: Contacts::new(),
            restore_orig_host: false,
            expires: None,
            path: None,
            challenge,
            server: server.clone(),
        }
    }

    /// A 200 OK listing `contacts`.
    pub(crate) fn ok(
        now: Millis,
        server: &Arc<str>,
        head: &Arc<ResponseHead>,
        contacts: Contacts,
        restore_orig_host: bool,
        expires: Option<u32>,
        path: Option<Option<String>>,
    ) -> Response {
        Response {
            code: 200,
            head: head.clone(),
            at: now,
            contacts,
            restore_orig_host,
            expires,
            path,
            challenge: None,
            server: server.clone(),
        }
    }

    pub fn status(&self) -> u16 {
        self.code
    }
    pub fn reason(&self) -> &'static str {
        reason_phrase(self.code)
    }
    /// The 200 OK's Contacts (URIs as stored, before x-ast-orig-host is restored).
    pub fn contacts(&self) -> &[ResponseContact] {
        &self.contacts
    }

    /// The Expires header (a 200 OK's only).
    pub fn expires(&self) -> Option<u32> {
        self.expires.filter(|_| self.code == 200)
    }
    /// A 200 OK's Contacts as sent (x-ast-orig-host restored where the release
    /// does), each with its `expires` parameter: what the phone reads, without
    /// printing and parsing the message.
    pub fn contacts_as_sent(&self) -> impl Iterator<Item = (Cow<'_, Uri>, Option<i64>)> + '_ {
        let listed = if self.code == 200 {
            &self.contacts[..]
        } else {
            &[]
        };
        listed.iter().map(|c| (self.uri_as_sent(c), c.expires))
    }
    fn uri_as_sent<'a>(&self, c: &'a ResponseContact) -> Cow<'a, Uri> {
        if self.restore_orig_host {
            if let Some(sent) = &c.sent {
                return Cow::Borrowed(sent);
            }
            Cow::Owned(restored(&c.uri))
        } else {
            Cow::Borrowed(&c.uri)
        }
    }

    /// The response as Asterisk sends it.
    pub fn to_message(&self) -> Message {
        let mut m = Message::response(self.code, reason_phrase(self.code));
        self.head.each(|name, value| m.headers.push(name, value));
        if self.code == 200 {
            m.headers.push("Date", http_date(self.at));
            for c in &self.contacts {
                m.headers.push("Contact", self.contact_value(c));
            }
            if let Some(e) = self.expires {
                m.headers.push("Expires", e.to_string());
            }
        }
        if let Some(c) = &self.challenge {
            m.headers.push("WWW-Authenticate", c.as_str());
        }
        m.headers.push("Server", &*self.server);
        if let Some(path) = &self.path {
            m.headers.push("Supported", "path");
            if let Some(p) = path {
                m.headers.push("Path", p.as_str());
            }
        }
        m
    }

    /// The response's text (start line, headers, empty body).
    pub fn to_text(&self) -> String {
        self.to_message().to_text()
    }

    fn contact_value(&self, c: &ResponseContact) -> String {
        let printed = self.uri_as_sent(c).print(UriContext::Contact);
        let mut v = String::with_capacity(printed.len() + 20);
        v.push('<');
        v.push_str(&printed);
        v.push('>');
        if let Some(e) = c.expires {
            use std::fmt::Write;
            let _ = write!(v, ";expires={e}");
        }
        v
    }
}
