//! A REGISTER as the registrar receives it, and what pjsip parses out of it,
//! read once when it arrives: the registrar's decisions read these typed values
//! instead of parsing header text again.

use crate::binding::ConnId;
use crate::config::Protocol;
use crate::nat::Addr;
use crate::response::ResponseHead;
use aorlab_sip::{Checked, Contact, Message, NameAddr, Via};
use std::sync::Arc;

/// A REGISTER as the registrar receives it. Built by [`Received::new`], which
/// reads the headers the registrar needs once; the fields are read-only.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    request: Message,
    source: Addr,
    protocol: Protocol,
    conn: Option<ConnId>,
    transport: Option<String>,
    pub(crate) parsed: Parsed,
}

/// What pjsip parsed from the REGISTER before the registrar runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    /// Contacts, Expires, To and From; `Err` holds the 400's detail.
    pub(crate) read: Result<Read, String>,
    /// Every Via, top first (empty when one does not parse).
    pub(crate) vias: Vec<Via>,
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
    /// The request's part of every response (Vias, Call-ID, From, To, CSeq).
    pub(crate) head: Arc<ResponseHead>,
}

/// Contacts, Expires, To and From as pjsip reads them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Read {
    pub(crate) contacts: Vec<Contact>,
    pub(crate) header_expires: Option<u32>,
    /// Each Contact's `;expires=` (`None` for a `*`).
    pub(crate) contact_expires: Vec<Option<u32>>,
    pub(crate) to: NameAddr,
    pub(crate) from: NameAddr,
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
            request,
            source,
            protocol,
            conn,
            transport,
            parsed,
        }
    }
    /// This REGISTER sent again as a new transaction, as a phone refreshes: the
    /// same request with the top Via's `branch` and the CSeq number replaced, read
    /// from this one instead of parsed again (parsing was most of the cost of a
    /// refresh). The result equals what parsing the new text gives. `None` when the
    /// request does not carry a `;branch=` in its first Via header and a CSeq of
    /// the form `N REGISTER`: then parse the new text.
    pub fn resent(&self, branch: &str, cseq: u32) -> Option<Received> {
        let mut vias = self.parsed.vias.clone();
        let old = vias.first()?.branch()?;
        let mut request = self.request.clone();
        let headers = &mut request.headers.0;
        let via = headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("via") || n.eq_ignore_ascii_case("v"))?;
        via.1 = with_branch(&via.1, old, branch)?;
        let cs = headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case("cseq"))?;
        let n = cs.1.strip_suffix(" REGISTER")?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        cs.1.clear();
        cs.1.push_str(itoa::Buffer::new().format(cseq));
        cs.1.push_str(" REGISTER");
        vias[0].set_param("branch", Some(branch));
        let head = Arc::new(ResponseHead::of(&request, &vias, &self.source));
        Some(Received {
            request,
            source: self.source.clone(),
            protocol: self.protocol,
            conn: self.conn,
            transport: self.transport.clone(),
            parsed: Parsed {
                vias,
                head,
                ..self.parsed.clone()
            },
        })
    }

    pub fn request(&self) -> &Message {
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
        Parsed {
            read,
            head: Arc::new(ResponseHead::of(req, &vias, source)),
            vias,
            user_agent: headers.user_agent().map(str::to_string),
            call_id: headers.call_id().unwrap_or("").to_string(),
            path: headers.path(),
            supports_path: headers
                .get("Supported")
                .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("path"))),
            from_src: [" (", &src, ")"].concat(),
            src,
        }
    }
}

/// A Via header's value with its first `;branch=old` (a whole parameter value)
/// made `;branch=new`.
fn with_branch(value: &str, old: &str, new: &str) -> Option<String> {
    let pat = [";branch=", old].concat();
    let at = value.find(&pat)?;
    let end = at + pat.len();
    // In the first Via of the header (a later one's branch is not the top one).
    if value[..at].contains(',') {
        return None;
    }
    if !matches!(value.as_bytes().get(end), None | Some(b';' | b',' | b' ')) {
        return None;
    }
    Some([&value[..at + 8], new, &value[end..]].concat())
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
        contacts,
        header_expires,
        contact_expires,
        to,
        from,
    })
}
