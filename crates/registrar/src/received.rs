//! A REGISTER as the registrar receives it, and what pjsip parses out of it,
//! read once when it arrives: the registrar's decisions read these typed values
//! instead of parsing header text again.

use crate::binding::ConnId;
use crate::config::Protocol;
use crate::nat::Addr;
use crate::register::Resolved;
use crate::response::{cseq_value, ResponseHead};
use aorlab_sip::{Checked, Contact, Message, NameAddr, Via};
use smallvec::SmallVec;
use std::sync::{Arc, Mutex, OnceLock};

/// A REGISTER as the registrar receives it. Built by [`Received::new`], which
/// reads the headers the registrar needs once; the fields are read-only.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request as first read; a resend ([`Received::resent`]) shares it and
    /// keeps its own top Via and CSeq in `resend`.
    request: Arc<Message>,
    resend: Option<Resend>,
    source: Addr,
    protocol: Protocol,
    conn: Option<ConnId>,
    transport: Option<String>,
    pub(crate) parsed: Parsed,
}

/// What a resend changed in the request it shares: its CSeq number (its top
/// branch is `Parsed::branch`); the whole message is built only if someone asks.
#[derive(Debug, Clone)]
struct Resend {
    cseq: u32,
    /// Boxed: rarely built, and a `Received` stays a few cache lines long.
    message: OnceLock<Box<Message>>,
}

impl PartialEq for Received {
    fn eq(&self, other: &Received) -> bool {
        self.request() == other.request()
            && self.source == other.source
            && self.protocol == other.protocol
            && self.conn == other.conn
            && self.transport == other.transport
            && self.parsed == other.parsed
    }
}

/// Where the first Via header and the CSeq header sit among a request's headers.
fn via_and_cseq(headers: &[(String, String)]) -> (Option<usize>, Option<usize>) {
    let via = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("via") || n.eq_ignore_ascii_case("v"));
    let cseq = headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case("cseq"));
    (via, cseq)
}

/// `request` with its first Via header's value and its CSeq header's replaced
/// (a resend's message; a resendable request has both headers).
fn with_via_and_cseq(request: &Message, via: &str, cseq: String) -> Message {
    let mut m = request.clone();
    let (v, c) = via_and_cseq(&m.headers.0);
    if let Some(v) = v {
        via.clone_into(&mut m.headers.0[v].1);
    }
    if let Some(c) = c {
        m.headers.0[c].1 = cseq;
    }
    m
}

/// What pjsip parsed from the REGISTER before the registrar runs. The parts a
/// resend does not change are shared with it ([`Received::resent`]); the
/// registrar reads them through `Deref`.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    /// Every Via as first read, top first (empty when one does not parse),
    /// shared by the resends; a resend's own top branch is `branch`.
    vias: Arc<[Via]>,
    /// A resend's top Via branch (`None`: the one in `vias`), shared with its
    /// response head.
    branch: Option<Arc<str>>,
    /// The request's part of every response (Vias, Call-ID, From, To, CSeq).
    pub(crate) head: Arc<ResponseHead>,
    same: Arc<Unchanged>,
}

/// The part of [`Parsed`] a resend (new branch, new CSeq) leaves as it was.
#[derive(Debug)]
#[repr(C)]
pub(crate) struct Unchanged {
    /// What registrars decided about this request before reading any binding,
    /// by configuration generation: the same for every resend, so a refresh does
    /// not identify its endpoint, find its AOR and rewrite its Contacts again.
    /// First, and inline, with `read` next: what every refresh reads (at
    /// 10,000 AORs each is a cold line).
    resolved: Mutex<KeptResolved>,
    /// Contacts, Expires, To and From; `Err` holds the 400's detail.
    pub(crate) read: Result<Read, String>,
    /// Compared with the binding's on every refresh.
    pub(crate) user_agent: Option<String>,
    pub(crate) call_id: String,
    /// The Path headers joined as Asterisk stores them.
    pub(crate) path: Option<String>,
    /// Whether the first `Supported:` header names `path`.
    pub(crate) supports_path: bool,
    /// pjsip's `src_name` with the port (`ip:port`, IPv6 unbracketed).
    pub(crate) src: String,
    /// `" (<src>)"`, as the releases that name the source print it.
    pub(crate) from_src: String,
    /// What a resend needs of the headers, copied so it reads no others; `None`
    /// when the request cannot be resent ([`Received::resent`]).
    resend_from: Option<ResendFrom>,
}

/// What each configuration generation resolved about a request: one inline.
type KeptResolved = SmallVec<[(u64, Arc<Resolved>); 1]>;

/// How many configurations' [`Resolved`] one request keeps (a page compares two).
const RESOLVED_KEPT: usize = 4;

impl Unchanged {
    /// What the registrar with configuration `generation` resolved, if it did.
    pub(crate) fn resolved(&self, generation: u64) -> Option<Arc<Resolved>> {
        let kept = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        kept.iter()
            .find(|(g, _)| *g == generation)
            .map(|(_, r)| Arc::clone(r))
    }

    /// Keep what the registrar with configuration `generation` resolved.
    pub(crate) fn keep_resolved(&self, generation: u64, r: Arc<Resolved>) {
        let mut kept = self.resolved.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() == RESOLVED_KEPT {
            kept.remove(0);
        }
        kept.push((generation, r));
    }
}

impl PartialEq for Unchanged {
    /// Not `resend_from`: it copies headers of the first send, which the compared
    /// requests hold (a resend's top Via is its own).
    fn eq(&self, o: &Unchanged) -> bool {
        self.read == o.read
            && self.user_agent == o.user_agent
            && self.call_id == o.call_id
            && self.path == o.path
            && self.supports_path == o.supports_path
            && self.src == o.src
            && self.from_src == o.from_src
    }
}

/// The first Via header's value and the To header's, of a request whose CSeq
/// is `N REGISTER` and whose top branch (`branch`, as parsed) can be swapped in
/// that value's text.
#[derive(Debug)]
struct ResendFrom {
    first_via: String,
    /// Byte range of the top branch in `first_via`.
    branch_at: (usize, usize),
    to: Option<Arc<str>>,
}

impl ResendFrom {
    fn of(req: &Message, branch: Option<&str>) -> Option<ResendFrom> {
        let headers = &req.headers.0;
        let (via, cseq) = via_and_cseq(headers);
        let (first_via, cseq) = (&headers[via?], &headers[cseq?]);
        let n = cseq.1.strip_suffix(" REGISTER")?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(ResendFrom {
            branch_at: branch_at(&first_via.1, branch?)?,
            first_via: first_via.1.clone(),
            to: req.headers.get("To").map(Arc::from),
        })
    }

    /// The first Via header's value with the top branch `branch`.
    fn via_with(&self, branch: &str) -> String {
        let (b0, b1) = self.branch_at;
        [&self.first_via[..b0], branch, &self.first_via[b1..]].concat()
    }
}

impl std::ops::Deref for Parsed {
    type Target = Unchanged;
    fn deref(&self) -> &Unchanged {
        &self.same
    }
}

/// Contacts, Expires, To and From as pjsip reads them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Read {
    pub(crate) contacts: Box<[Contact]>,
    pub(crate) header_expires: Option<u32>,
    /// Each Contact's `;expires=` (`None` for a `*`), inline while one.
    pub(crate) contact_expires: SmallVec<[Option<u32>; 2]>,
    /// To and From, boxed together: read only when a request is first
    /// resolved, so what a refresh reads stays on as few cache lines as it can.
    to_from: Box<[NameAddr; 2]>,
}

impl Read {
    pub(crate) fn header_to(&self) -> &NameAddr {
        &self.to_from[0]
    }
    pub(crate) fn header_from(&self) -> &NameAddr {
        &self.to_from[1]
    }
}

impl Received {
    /// A REGISTER that arrived from `source` over `protocol` (on connection
    /// `conn` for TCP/TLS/WS; `None` for UDP), through the `[transport]` named
    /// `transport` if known.
    pub fn new(
        request: Message,
        source: Addr,
        protocol: Protocol,
        conn: Option<ConnId>,
        transport: Option<String>,
    ) -> Received {
        Received::arrived(request, None, source, protocol, conn, transport)
    }
    /// [`Received::new`] for a request read by [`Message::parse_checked`]: the
    /// headers its validation parsed are not parsed again.
    pub fn checked(
        (request, checked): (Message, Checked),
        source: Addr,
        protocol: Protocol,
        conn: Option<ConnId>,
        transport: Option<String>,
    ) -> Received {
        Received::arrived(request, Some(checked), source, protocol, conn, transport)
    }
    fn arrived(
        request: Message,
        checked: Option<Checked>,
        source: Addr,
        protocol: Protocol,
        conn: Option<ConnId>,
        transport: Option<String>,
    ) -> Received {
        let parsed = Parsed::of(&request, &source, checked);
        Received {
            request: Arc::new(request),
            resend: None,
            source,
            protocol,
            conn,
            transport,
            parsed,
        }
    }

    /// This REGISTER sent again as a new transaction, as a phone refreshes: the
    /// same request with the top Via's `branch` and the CSeq number replaced, read
    /// from this one instead of parsed again (parsing was a large part of a
    /// refresh's cost). For a text that is this one's with only those two changed
    /// (the caller checks the text: `world/last_read.rs`), the result equals what
    /// parsing it gives. `None` when the request does not carry a `;branch=` in its
    /// first Via header and a CSeq of the form `N REGISTER`: then parse the text.
    pub fn resent(&self, branch: &str, cseq: u32) -> Option<Received> {
        // Read from copies kept at the first parse: the message's own headers
        // are separate allocations, cold by the time the phone refreshes.
        let from = self.parsed.same.resend_from.as_ref()?;
        let branch: Arc<str> = Arc::from(branch);
        let head = match self.parsed.head.resent(from.to.as_ref(), cseq, &branch) {
            Some(h) => h,
            None => {
                let via = from.via_with(&branch);
                let request = with_via_and_cseq(&self.request, &via, cseq_value(cseq));
                let mut vias = self.parsed.vias.to_vec();
                vias[0].set_param("branch", Some(&branch));
                ResponseHead::of(&request, &vias, &self.source)
            }
        };
        Some(Received {
            request: Arc::clone(&self.request),
            resend: Some(Resend {
                cseq,
                message: OnceLock::new(),
            }),
            source: self.source.clone(),
            protocol: self.protocol,
            conn: self.conn,
            transport: self.transport.clone(),
            parsed: Parsed {
                vias: Arc::clone(&self.parsed.vias),
                branch: Some(branch),
                head: Arc::new(head),
                same: Arc::clone(&self.parsed.same),
            },
        })
    }

    /// The request as received (a resend's top Via and CSeq included).
    pub fn request(&self) -> &Message {
        let (Some(r), Some(b)) = (&self.resend, &self.parsed.branch) else {
            return &self.request;
        };
        r.message.get_or_init(|| {
            // A resend's request had a `ResendFrom` (its first send's).
            let via = self.parsed.same.resend_from.as_ref().map(|f| f.via_with(b));
            Box::new(with_via_and_cseq(
                &self.request,
                via.as_deref().unwrap_or(""),
                cseq_value(r.cseq),
            ))
        })
    }

    /// The request as first read, for what a resend leaves as it was (the
    /// Request-URI, Authorization): its top Via and CSeq may be an earlier
    /// send's. Saves building a resend's whole message.
    pub(crate) fn unchanged_request(&self) -> &Message {
        &self.request
    }

    pub fn source(&self) -> &Addr {
        &self.source
    }
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
    pub fn conn(&self) -> Option<ConnId> {
        self.conn
    }
    pub fn transport(&self) -> Option<&str> {
        self.transport.as_deref()
    }
}

impl Parsed {
    fn of(req: &Message, source: &Addr, checked: Option<Checked>) -> Parsed {
        let headers = &req.headers;
        let (vias, read) = match checked {
            Some(c) => (
                c.vias.unwrap_or_default(),
                read_checked(req, c.contacts, c.to, c.from),
            ),
            None => (headers.vias().unwrap_or_default(), read(req)),
        };
        let mut src = String::with_capacity(source.ip.len() + 6);
        src.push_str(&source.ip);
        src.push(':');
        src.push_str(itoa::Buffer::new().format(source.port));
        let same = Unchanged {
            read,
            user_agent: headers.user_agent().map(str::to_string),
            call_id: headers.call_id().unwrap_or("").to_string(),
            path: headers.path(),
            supports_path: headers
                .get("Supported")
                .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("path"))),
            from_src: [" (", &src, ")"].concat(),
            src,
            resend_from: ResendFrom::of(req, vias.first().and_then(Via::branch)),
            resolved: Mutex::new(SmallVec::new()),
        };
        Parsed {
            head: Arc::new(ResponseHead::of(req, &vias, source)),
            vias: vias.into(),
            branch: None,
            same: Arc::new(same),
        }
    }

    /// The bottom Via, the sender's own: its host and port are every send's
    /// (only the top one's branch changes).
    pub(crate) fn last_via(&self) -> Option<&Via> {
        self.vias.last()
    }

    /// Every Via as this send carries them.
    fn vias(&self) -> Vec<Via> {
        let mut vias = self.vias.to_vec();
        if let (Some(b), Some(top)) = (&self.branch, vias.first_mut()) {
            top.set_param("branch", Some(b));
        }
        vias
    }
}

impl PartialEq for Parsed {
    fn eq(&self, o: &Parsed) -> bool {
        self.head == o.head && self.same == o.same && self.vias() == o.vias()
    }
}

/// Where the top Via's `branch` value sits in a Via header's `value`: the first
/// `;branch=` in the text is it, a whole parameter value of the first Via (a
/// later one's branch is not the top one). `None` when the text is not so
/// plain; then a resend is parsed afresh.
fn branch_at(value: &str, branch: &str) -> Option<(usize, usize)> {
    let at = aorlab_sip::find(value, ";branch=")?;
    let (b0, b1) = (at + ";branch=".len(), at + ";branch=".len() + branch.len());
    if value.get(b0..b1)? != branch || value.as_bytes()[..at].contains(&b',') {
        return None;
    }
    if !matches!(value.as_bytes().get(b1), None | Some(b';' | b',' | b' ')) {
        return None;
    }
    Some((b0, b1))
}

/// What pjsip parses before the registrar runs: Contacts, the Expires header,
/// each Contact's `expires`, To and From. A syntax error is a 400 (its detail).
fn read(req: &Message) -> Result<Read, String> {
    let contacts = req
        .headers
        .contacts()
        .map_err(|e| format!("bad Contact header: {}", e.message))?;
    read_checked(req, contacts, None, None)
}

type Named = (NameAddr, Vec<aorlab_sip::Param>);

/// [`read`] with the Contacts (and the To and From, when given) already parsed.
fn read_checked(
    req: &Message,
    contacts: Vec<Contact>,
    to: Option<Named>,
    from: Option<Named>,
) -> Result<Read, String> {
    let headers = &req.headers;
    // A non-numeric Expires header is a syntax error (400); a number is read as
    // pjsip stores it. A Contact's `;expires=` is read by `pj_strtoul`, so
    // `expires=abc` means 0 — an unregistration, as Asterisk sees it.
    headers.expires().transpose()?;
    let header_expires = headers.expires_pjsip();
    let contact_expires = contacts
        .iter()
        .map(|c| match c {
            Contact::Star => None,
            Contact::Addr(v) => v.expires_pjsip(),
        })
        .collect();
    let (to, _) = to.map_or_else(|| headers.to(), Ok).map_err(|e| e.message)?;
    let (from, _) = from
        .map_or_else(|| headers.from(), Ok)
        .map_err(|e| e.message)?;
    Ok(Read {
        contacts: contacts.into(),
        header_expires,
        contact_expires,
        to_from: Box::new([to, from]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::Response;

    fn received(branch: &str, cseq: u32, to: &str) -> Received {
        let text = format!(
            "REGISTER sip:198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;rport;branch={branch};x=1, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKproxy\r\nFrom: <sip:alice@198.51.100.10>;tag=f1\r\nTo: {to}\r\nCall-ID: c1\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:alice@10.0.0.5:5060>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n"
        );
        let m = Message::parse_checked(&text).unwrap();
        let src = Addr::new("203.0.113.7", 20001);
        Received::checked(m, src, Protocol::Udp, None, Some("transport-udp".into()))
    }

    #[test]
    fn a_resent_register_equals_the_parse_of_its_new_text() {
        for to in [
            "<sip:alice@198.51.100.10>",
            "<sip:alice@198.51.100.10>;tag=t9",
        ] {
            let first = received("z9hG4bK1", 1, to);
            for (branch, cseq) in [("z9hG4bK2", 2), ("z9hG4bKlonger-one.2", 1000)] {
                let again = first.resent(branch, cseq).expect("the phone's shape");
                assert_eq!(again, received(branch, cseq, to), "{to} {branch}");
                // A resend of a resend, as a phone refreshes all day.
                let third = again.resent("z9hG4bK3", cseq + 1).expect("still its shape");
                assert_eq!(third, received("z9hG4bK3", cseq + 1, to), "{to} {branch}");
                let text = |r: &Received| {
                    Response::refusal(0, &Arc::from("s"), &r.parsed.head, r.source(), 403).to_text()
                };
                assert_eq!(text(&third), text(&received("z9hG4bK3", cseq + 1, to)));
            }
        }
    }

    #[test]
    fn a_branch_that_prints_quoted_still_gives_the_parse() {
        // A branch outside the plain characters: the head is built afresh.
        let first = received("z9hG4bK1", 1, "<sip:alice@198.51.100.10>");
        let again = first.resent("z9hG4bK[2]", 2).unwrap();
        assert_eq!(
            again,
            received("z9hG4bK[2]", 2, "<sip:alice@198.51.100.10>")
        );
    }
}
