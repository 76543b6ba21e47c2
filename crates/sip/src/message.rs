//! Whole SIP messages: start line, headers (compact forms expanded), body.

use crate::error::ParseError;
use crate::header::{
    parse_contact_values, parse_delta_seconds, parse_via_values, pj_strtoul_u32, Contact, NameAddr,
    Via,
};
use crate::param::Param;
use crate::uri::{Uri, UriContext};
use std::borrow::Cow;
use std::fmt;

/// What validating a message parsed ([`Message::parse_checked`]): each as its
/// `Headers` reader returns it (`None`: the header is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub vias: Option<Vec<Via>>,
    pub from: Option<(NameAddr, Vec<Param>)>,
    pub to: Option<(NameAddr, Vec<Param>)>,
    pub contacts: Vec<Contact>,
}

/// Compact header forms (RFC 3261 §7.3.3) and their full names.
const COMPACT: &[(&str, &str)] = &[
    ("i", "Call-ID"),
    ("m", "Contact"),
    ("e", "Content-Encoding"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("f", "From"),
    ("s", "Subject"),
    ("k", "Supported"),
    ("t", "To"),
    ("v", "Via"),
];

/// Headers in message order; names keep their spelling except compact forms,
/// which are expanded. Look-ups are case-insensitive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Every Contact entry of every Contact header, in order.
    pub fn contacts(&self) -> Result<Vec<Contact>, ParseError> {
        let mut out = Vec::new();
        for v in self.all("Contact") {
            out.extend(parse_contact_values(v)?);
        }
        Ok(out)
    }
    /// Every Via entry, top first.
    pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
        let mut out = Vec::new();
        for v in self.all("Via") {
            out.extend(parse_via_values(v)?);
        }
        Ok(out)
    }
    /// The Expires header: `None` if absent, `Some(Err)` if not a number.
    pub fn expires(&self) -> Option<Result<u32, String>> {
        self.get("Expires").map(|v| {
            parse_delta_seconds(v).ok_or_else(|| format!("bad Expires header '{}'", v.trim()))
        })
    }
    /// The first Expires header as pjsip stores it (`pj_strtoul` into 32 bits: a
    /// huge value wraps instead of saturating). `None` if absent. Use [`expires`]
    /// for the saturating, validating reading.
    ///
    /// [`expires`]: Headers::expires
    pub fn expires_pjsip(&self) -> Option<u32> {
        self.get("Expires").map(|v| pj_strtoul_u32(v.trim()))
    }
    pub fn call_id(&self) -> Option<&str> {
        self.get("Call-ID").map(str::trim)
    }
    /// CSeq number and method; `None` when absent or malformed. Read like pjsip's
    /// `parse_hdr_cseq`: digits (value below 2^31), optional LWS, a method token.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        let v = self.get("CSeq")?.trim();
        let digits = v.bytes().take_while(u8::is_ascii_digit).count();
        let n = crate::escape::pj_strtoi_validate(&v[..digits], 0, i64::from(i32::MAX))?;
        let m = v[digits..].trim_start();
        is_token(m).then_some((n as u32, m))
    }
    pub fn from(&self) -> Result<(NameAddr, Vec<Param>), ParseError> {
        NameAddr::parse_with_params(
            self.get("From")
                .ok_or_else(|| ParseError::new(0, "no From header"))?,
        )
    }
    pub fn to(&self) -> Result<(NameAddr, Vec<Param>), ParseError> {
        NameAddr::parse_with_params(
            self.get("To")
                .ok_or_else(|| ParseError::new(0, "no To header"))?,
        )
    }
    pub fn user_agent(&self) -> Option<&str> {
        self.get("User-Agent").map(str::trim)
    }
    /// Option tags of every Supported header, lower-cased.
    pub fn supported(&self) -> Vec<String> {
        self.all("Supported")
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect()
    }
    /// Values of every Path header, joined with ',' the way Asterisk stores them.
    pub fn path(&self) -> Option<String> {
        let parts: Vec<&str> = self.all("Path").map(str::trim).collect();
        (!parts.is_empty()).then(|| parts.join(","))
    }
}

// Not boxed: callers match `StartLine::Request { uri, .. }` directly.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request { method: String, uri: Uri },
    Response { code: u16, reason: String },
}

/// A request or a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    pub headers: Headers,
    pub body: String,
}

pub type Request = Message;
pub type Response = Message;

impl Message {
    pub fn request(method: &str, uri: Uri) -> Message {
        Message {
            start: StartLine::Request {
                method: method.to_string(),
                uri,
            },
            headers: Headers::default(),
            body: String::new(),
        }
    }
    pub fn response(code: u16, reason: &str) -> Message {
        Message {
            start: StartLine::Response {
                code,
                reason: reason.to_string(),
            },
            headers: Headers::default(),
            body: String::new(),
        }
    }
    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            _ => None,
        }
    }
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => Some(*code),
            _ => None,
        }
    }
    pub fn request_uri(&self) -> Option<&Uri> {
        match &self.start {
            StartLine::Request { uri, .. } => Some(uri),
            _ => None,
        }
    }

    /// Parse a message. Checks what a stateless SIP element would: the start line,
    /// header syntax, Content-Length against the body, CSeq against the method and,
    /// for requests, the mandatory headers. Every header pjsip parses itself (Via,
    /// From, To, Contact, CSeq, Call-ID, Expires, Max-Forwards, Content-Length) must
    /// parse, as pjsip drops a message with any header it cannot parse.
    ///
    /// Like pjsip: leading empty lines are skipped, LWS between the parts of the
    /// start line is tolerated, and the body is cut to Content-Length (the rest of
    /// a datagram is ignored, RFC 3261 §18.3).
    pub fn parse(text: &str) -> Result<Message, ParseError> {
        Message::parse_checked(text).map(|(m, _)| m)
    }

    /// [`Message::parse`], also handing over the headers its validation parsed
    /// (Via, From, To, Contact), so a reader needs not parse them again.
    pub fn parse_checked(text: &str) -> Result<(Message, Checked), ParseError> {
        // Logical lines up to the first empty line; continuation lines are unfolded
        // (only they are copied).
        let mut lines: Vec<(usize, Cow<str>)> = Vec::with_capacity(16);
        let mut off = 0;
        let mut body_off = text.len();
        let mut started = false;
        while off < text.len() {
            let (raw, next) = match memchr::memchr(b'\n', &text.as_bytes()[off..]) {
                Some(n) => (&text[off..off + n], off + n + 1),
                None => (&text[off..], text.len()),
            };
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                if !started {
                    off = next;
                    continue;
                }
                body_off = next;
                break;
            }
            started = true;
            if (line.starts_with(' ') || line.starts_with('\t')) && lines.len() > 1 {
                let last = lines.last_mut().expect("checked").1.to_mut();
                last.push(' ');
                last.push_str(line.trim_matches(|c| c == ' ' || c == '\t'));
            } else {
                lines.push((off, Cow::Borrowed(line)));
            }
            off = next;
        }
        let body = text.get(body_off..).unwrap_or("");
        let Some((_, first)) = lines.first() else {
            return Err(ParseError::new(0, "empty message"));
        };
        let start = parse_start_line(first).map_err(|e| e.shifted(lines[0].0))?;
        let mut headers = Headers(Vec::with_capacity(lines.len() - 1));
        for (loff, line) in &lines[1..] {
            let colon = memchr::memchr(b':', line.as_bytes()).ok_or_else(|| {
                ParseError::new(*loff, format!("header line without ':': '{}'", clip(line)))
            })?;
            let name = line[..colon].trim_end_matches([' ', '\t']);
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c))
            {
                return Err(ParseError::new(
                    *loff,
                    format!("bad header name '{}'", clip(name)),
                ));
            }
            let full = match name.len() {
                1 => COMPACT
                    .iter()
                    .find(|(c, _)| c.eq_ignore_ascii_case(name))
                    .map_or(name, |(_, f)| *f),
                _ => name,
            };
            headers.push(
                full,
                line[colon + 1..].trim_matches(|c| c == ' ' || c == '\t'),
            );
        }
        let mut msg = Message {
            start,
            headers,
            body: body.to_string(),
        };
        let checked = msg.validate(body_off)?;
        Ok((msg, checked))
    }

    fn validate(&mut self, body_off: usize) -> Result<Checked, ParseError> {
        let h = &self.headers;
        for single in ["Call-ID", "CSeq", "From", "To", "Max-Forwards"] {
            if h.all(single).nth(1).is_some() {
                return Err(ParseError::new(0, format!("more than one {single} header")));
            }
        }
        let mut clen: Option<usize> = None;
        for cl in h.all("Content-Length") {
            let n = parse_digits(cl)
                .filter(|n| *n <= i32::MAX as u64)
                .ok_or_else(|| {
                    ParseError::new(body_off, format!("bad Content-Length '{}'", clip(cl)))
                })? as usize;
            if clen.is_some_and(|c| c != n) {
                return Err(ParseError::new(
                    body_off,
                    "several Content-Length headers with different values",
                ));
            }
            clen = Some(n);
        }
        if let Some(n) = clen {
            if n > self.body.len() {
                return Err(ParseError::new(
                    body_off,
                    format!(
                        "Content-Length {n} is larger than the body ({} bytes)",
                        self.body.len()
                    ),
                ));
            }
        }
        if let Some(c) = h.get("CSeq") {
            h.cseq().ok_or_else(|| {
                ParseError::new(
                    0,
                    format!(
                        "bad CSeq header '{}' (expected '<number below 2^31> <METHOD>')",
                        clip(c)
                    ),
                )
            })?;
        }
        if let Some(v) = h.get("Max-Forwards") {
            if parse_digits(v).is_none() {
                return Err(ParseError::new(
                    0,
                    format!("bad Max-Forwards '{}'", clip(v)),
                ));
            }
        }
        if let Some(Err(e)) = h.expires() {
            return Err(ParseError::new(0, e));
        }
        let vias = match h.get("Via") {
            Some(_) => Some(h.vias().map_err(|e| in_header(e, "Via"))?),
            None => None,
        };
        let from = match h.get("From") {
            Some(_) => Some(h.from().map_err(|e| in_header(e, "From"))?),
            None => None,
        };
        let to = match h.get("To") {
            Some(_) => Some(h.to().map_err(|e| in_header(e, "To"))?),
            None => None,
        };
        let contacts = h.contacts().map_err(|e| in_header(e, "Contact"))?;
        let checked = Checked {
            vias,
            from,
            to,
            contacts,
        };
        if let Some(method) = self.method() {
            for required in ["Via", "From", "To", "Call-ID", "CSeq"] {
                if h.get(required).is_none() {
                    return Err(ParseError::new(
                        0,
                        format!("request has no {required} header"),
                    ));
                }
            }
            let (_, cseq_method) = h.cseq().expect("checked above");
            if cseq_method != method {
                return Err(ParseError::new(
                    0,
                    format!(
                        "CSeq method '{}' does not match request method '{}'",
                        clip(cseq_method),
                        clip(method)
                    ),
                ));
            }
            if h.call_id().is_none_or(str::is_empty) {
                return Err(ParseError::new(0, "empty Call-ID"));
            }
        }
        if let Some(n) = clen {
            // A datagram may carry trailing bytes after the body; they are ignored.
            let mut end = n;
            while !self.body.is_char_boundary(end) {
                end += 1;
            }
            self.body.truncate(end);
        }
        Ok(checked)
    }

    /// Print with CRLF line ends; Content-Length is (re)computed.
    pub fn to_text(&self) -> String {
        self.to_string()
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Digits only (LWS around allowed), as a number; `None` if empty, not digits or
/// too large for u64.
fn parse_digits(v: &str) -> Option<u64> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn in_header(e: ParseError, name: &str) -> ParseError {
    ParseError::new(e.offset, format!("{name} header: {}", e.message))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c))
}

fn parse_start_line(line: &str) -> Result<StartLine, ParseError> {
    let ws = |c: char| c == ' ' || c == '\t';
    if line.len() >= 4 && line.as_bytes()[..4].eq_ignore_ascii_case(b"SIP/") {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        let rest = &line[4..];
        let ver = rest.split(ws).next().unwrap_or("");
        if ver != "2.0" {
            return Err(ParseError::new(
                4,
                format!("unsupported SIP version '{}'", clip(ver)),
            ));
        }
        let rest = rest[3..].trim_start_matches(ws);
        let code_txt = rest.split(ws).next().unwrap_or("");
        // pjsip: DIGIT run, then strtoi_validate(100..=999)
        let code: u16 = Some(code_txt)
            .filter(|c| !c.is_empty() && c.bytes().all(|d| d.is_ascii_digit()))
            .and_then(|c| crate::escape::pj_strtoi_validate(c, 100, 999))
            .map(|c| c as u16)
            .ok_or_else(|| ParseError::new(8, format!("bad status code '{}'", clip(code_txt))))?;
        let reason = rest[code_txt.len()..].trim_matches(ws);
        return Ok(StartLine::Response {
            code,
            reason: reason.to_string(),
        });
    }
    // Request-Line = Method SP Request-URI SP SIP-Version. pjsip's scanner skips
    // any run of LWS between the three parts (RFC 4475 lwsstart/trws).
    let parts: Vec<&str> = line.split(ws).filter(|p| !p.is_empty()).collect();
    if parts.len() != 3 {
        return Err(ParseError::new(
            0,
            "request line must be 'METHOD URI SIP/2.0'",
        ));
    }
    let (method, uri, ver) = (parts[0], parts[1], parts[2]);
    if !is_token(method) {
        return Err(ParseError::new(0, format!("bad method '{}'", clip(method))));
    }
    let uri_off = line.find(uri).unwrap_or(0);
    if !ver.eq_ignore_ascii_case("SIP/2.0") {
        return Err(ParseError::new(
            line.rfind(ver).unwrap_or(0),
            format!("unsupported SIP version '{}'", clip(ver)),
        ));
    }
    let uri = Uri::parse(uri).map_err(|e| e.shifted(uri_off))?;
    Ok(StartLine::Request {
        method: method.to_string(),
        uri,
    })
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.start {
            StartLine::Request { method, uri } => write!(
                f,
                "{method} {} SIP/2.0\r\n",
                uri.print(UriContext::RequestUri)
            )?,
            StartLine::Response { code, reason } => write!(f, "SIP/2.0 {code} {reason}\r\n")?,
        }
        for (n, v) in &self.headers.0 {
            if n.eq_ignore_ascii_case("Content-Length") {
                continue;
            }
            write!(f, "{n}: {v}\r\n")?;
        }
        write!(
            f,
            "Content-Length: {}\r\n\r\n{}",
            self.body.len(),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "REGISTER sip:127.0.0.1:15060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.100.0.2:5060;rport;branch=z9hG4bK5345\r\nMax-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=3b7e\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: 4df4@127.100.0.2\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@127.100.0.2:5060>\r\nExpires: 300\r\nUser-Agent: regoracle-A\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn parses_a_register() {
        let m = Message::parse(REG).unwrap();
        assert_eq!(m.method(), Some("REGISTER"));
        assert_eq!(m.headers.expires(), Some(Ok(300)));
        assert_eq!(m.headers.cseq(), Some((1, "REGISTER")));
        assert_eq!(m.headers.contacts().unwrap().len(), 1);
        assert_eq!(m.headers.user_agent(), Some("regoracle-A"));
        assert_eq!(m.headers.vias().unwrap()[0].branch(), Some("z9hG4bK5345"));
        // printing then parsing gives the same message
        assert_eq!(Message::parse(&m.to_text()).unwrap(), m);
    }

    #[test]
    fn compact_forms_and_folding() {
        let t = "REGISTER sip:h SIP/2.0\r\nv: SIP/2.0/UDP a\r\nf: <sip:x@h>;tag=1\r\nt: <sip:x@h>\r\ni: c1\r\nCSeq: 2\r\n REGISTER\r\nm: <sip:x@a>\r\nl: 0\r\n\r\n";
        let m = Message::parse(t).unwrap();
        assert_eq!(m.headers.call_id(), Some("c1"));
        assert_eq!(m.headers.cseq(), Some((2, "REGISTER")));
        assert_eq!(m.headers.contacts().unwrap().len(), 1);
    }

    #[test]
    fn rejects_broken_messages() {
        assert!(Message::parse("").is_err());
        assert!(Message::parse("REGISTER sip:h SIP/3.0\r\n\r\n").is_err());
        assert!(Message::parse(&REG.replace("CSeq: 1 REGISTER", "CSeq: 1 INVITE")).is_err());
        assert!(Message::parse(&REG.replace("Content-Length: 0", "Content-Length: 10")).is_err());
        assert!(Message::parse(&REG.replace("Call-ID: 4df4@127.100.0.2\r\n", "")).is_err());
        assert!(Message::parse(&REG.replace("Expires: 300", "Expires: soon")).is_err());
    }

    #[test]
    fn datagram_framing() {
        // leading CRLFs are skipped; bytes after Content-Length are ignored
        let t = format!(
            "\r\n\r\n{}",
            REG.replace(
                "Content-Length: 0\r\n\r\n",
                "Content-Length: 3\r\n\r\nabcJUNK"
            )
        );
        let m = Message::parse(&t).unwrap();
        assert_eq!(m.body, "abc");
        // without Content-Length the body runs to the end
        let t = REG.replace("Content-Length: 0\r\n\r\n", "\r\nxyz");
        assert_eq!(Message::parse(&t).unwrap().body, "xyz");
        // LF-only line ends
        let t = REG.replace("\r\n", "\n");
        assert_eq!(
            Message::parse(&t).unwrap().headers.cseq(),
            Some((1, "REGISTER"))
        );
    }

    #[test]
    fn start_line_whitespace_like_pjsip() {
        let t = REG.replace(
            "REGISTER sip:127.0.0.1:15060 SIP/2.0",
            "REGISTER  sip:127.0.0.1:15060 \tSIP/2.0  ",
        );
        assert!(Message::parse(&t).is_ok());
        let t = REG.replace(
            "REGISTER sip:127.0.0.1:15060 SIP/2.0",
            "REGISTER sip:127.0.0.1:15060; lr SIP/2.0",
        );
        assert!(Message::parse(&t).is_err());
        assert!(Message::parse("SIP/2.0 200\r\n\r\n").is_ok());
        assert!(Message::parse("SIP/2.0 99 x\r\n\r\n").is_err());
        assert!(Message::parse("SIP/2.0 2000 x\r\n\r\n").is_err());
        assert!(Message::parse("SIP/2.0 20x x\r\n\r\n").is_err());
        // pjsip reads the code with strtoi_validate: leading zeros are fine
        assert_eq!(
            Message::parse("SIP/2.0 0200 OK\r\n\r\n").unwrap().status(),
            Some(200)
        );
    }

    #[test]
    fn header_checks_like_pjsip() {
        // every Contact must parse, in requests and responses
        assert!(Message::parse(&REG.replace(
            "<sip:alice@127.100.0.2:5060>",
            "<sip:alice@127.100.0.2:5060>;;"
        ))
        .is_err());
        // CSeq must be below 2^31 and end in a token; pjsip needs no space between
        assert_eq!(
            Message::parse(&REG.replace("CSeq: 1 REGISTER", "CSeq: 0001REGISTER"))
                .unwrap()
                .headers
                .cseq(),
            Some((1, "REGISTER"))
        );
        assert!(Message::parse(&REG.replace("CSeq: 1 REGISTER", "CSeq: 1 REGISTER x")).is_err());
        assert!(
            Message::parse(&REG.replace("CSeq: 1 REGISTER", "CSeq: 2147483648 REGISTER")).is_err()
        );
        assert!(
            Message::parse(&REG.replace("CSeq: 1 REGISTER", "CSeq: 2147483647 REGISTER")).is_ok()
        );
        // Expires must be digits
        assert!(Message::parse(&REG.replace("Expires: 300", "Expires: 300s")).is_err());
        assert!(Message::parse(&REG.replace("Expires: 300", "Expires: -1")).is_err());
        // single-valued headers
        assert!(Message::parse(&REG.replace(
            "CSeq: 1 REGISTER\r\n",
            "CSeq: 1 REGISTER\r\nCSeq: 1 REGISTER\r\n"
        ))
        .is_err());
        // Call-ID is any non-empty text (pjsip NOT_NEWLINE)
        assert!(Message::parse(&REG.replace("Call-ID: 4df4@127.100.0.2", "Call-ID: a b")).is_ok());
        assert!(Message::parse(&REG.replace("Call-ID: 4df4@127.100.0.2", "Call-ID:")).is_err());
        // Max-Forwards must be digits
        assert!(Message::parse(&REG.replace("Max-Forwards: 70", "Max-Forwards: seventy")).is_err());
        // unknown headers are not checked
        assert!(Message::parse(&REG.replace("User-Agent: regoracle-A", "X-Weird: ;;,,<")).is_ok());
    }

    #[test]
    fn pjsip_expires_header() {
        let m = Message::parse(&REG.replace("Expires: 300", "Expires: 4294967296")).unwrap();
        assert_eq!(m.headers.expires(), Some(Ok(u32::MAX)));
        assert_eq!(m.headers.expires_pjsip(), Some(0));
    }
}
