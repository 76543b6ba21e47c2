//! Header values a registrar reads: name-addr, Contact, Via, generic parameters.

use crate::error::ParseError;
use crate::uri::{Uri, UriContext};
use std::fmt;

/// A `;name[=value]` parameter (value unquoted when it was a quoted string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Option<String>,
}

impl Param {
    pub fn new(name: &str, value: Option<&str>) -> Param {
        Param {
            name: name.to_string(),
            value: value.map(str::to_string),
        }
    }
}

pub(crate) fn find_param<'a>(params: &'a [Param], name: &str) -> Option<&'a Param> {
    params.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

fn print_params(params: &[Param], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for p in params {
        write!(f, ";{}", p.name)?;
        if let Some(v) = &p.value {
            let needs_quotes = v.is_empty()
                || v.bytes()
                    .any(|c| !(c.is_ascii_alphanumeric() || b"-.!%*_+`'~:[]".contains(&c)));
            if needs_quotes {
                write!(f, "=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))?;
            } else {
                write!(f, "={v}")?;
            }
        }
    }
    Ok(())
}

/// Split a header value at top-level commas (not inside quotes or angle brackets).
pub(crate) fn split_top_level(s: &str) -> Result<Vec<(usize, &str)>, ParseError> {
    let mut out = Vec::new();
    let (mut start, mut in_q, mut in_a, mut esc) = (0usize, false, false, false);
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if in_q => esc = true,
            '"' if !in_a => in_q = !in_q,
            '<' if !in_q => in_a = true,
            '>' if !in_q => in_a = false,
            ',' if !in_q && !in_a => {
                out.push((start, &s[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    if in_q {
        return Err(ParseError::new(s.len(), "unterminated quoted string"));
    }
    if in_a {
        return Err(ParseError::new(s.len(), "'<' without '>'"));
    }
    out.push((start, &s[start..]));
    Ok(out)
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

/// Parse `;a=b;c;d="q"` (the leading ';' already present in `s`).
fn parse_header_params(s: &str, base: usize) -> Result<Vec<Param>, ParseError> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    while i < b.len() {
        if b[i] != b';' {
            return Err(ParseError::new(base + i, "expected ';' before a parameter"));
        }
        i += 1;
        skip_ws(&mut i);
        let ns = i;
        while i < b.len() && is_token_char(b[i]) {
            i += 1;
        }
        if ns == i {
            return Err(ParseError::new(base + i, "empty parameter name"));
        }
        let name = s[ns..i].to_string();
        skip_ws(&mut i);
        let mut value = None;
        if i < b.len() && b[i] == b'=' {
            i += 1;
            skip_ws(&mut i);
            if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut v = String::new();
                let mut closed = false;
                while i < b.len() {
                    match b[i] {
                        b'\\' if i + 1 < b.len() => {
                            v.push(b[i + 1] as char);
                            i += 2;
                        }
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        _ => {
                            let ch = s[i..].chars().next().unwrap_or(' ');
                            v.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                }
                if !closed {
                    return Err(ParseError::new(
                        base + i,
                        "unterminated quoted parameter value",
                    ));
                }
                value = Some(v);
            } else {
                let vs = i;
                while i < b.len() && (is_token_char(b[i]) || b"[]:".contains(&b[i])) {
                    i += 1;
                }
                if vs == i {
                    return Err(ParseError::new(
                        base + i,
                        format!("empty value for parameter '{name}'"),
                    ));
                }
                value = Some(s[vs..i].to_string());
            }
        }
        out.push(Param { name, value });
        skip_ws(&mut i);
    }
    Ok(out)
}

/// `"Display" <uri>` or a bare addr-spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    pub display: Option<String>,
    pub uri: Uri,
}

impl NameAddr {
    /// Parse a name-addr or addr-spec followed by header parameters.
    pub fn parse_with_params(s: &str) -> Result<(NameAddr, Vec<Param>), ParseError> {
        let lead = s.len() - s.trim_start().len();
        let t = s.trim();
        let (display, uri_txt, uri_off, rest, rest_off, bracketed);
        if let Some(lt) = find_unquoted(t, '<') {
            let d = t[..lt].trim();
            display = if d.is_empty() {
                None
            } else if let Some(q) = d.strip_prefix('"') {
                let q = q
                    .strip_suffix('"')
                    .ok_or_else(|| ParseError::new(lead, "unterminated display name"))?;
                Some(q.replace("\\\"", "\"").replace("\\\\", "\\"))
            } else {
                if !d
                    .bytes()
                    .all(|c| is_token_char(c) || c == b' ' || c == b'\t')
                {
                    return Err(ParseError::new(
                        lead,
                        "display name with special characters must be quoted",
                    ));
                }
                Some(d.split_whitespace().collect::<Vec<_>>().join(" "))
            };
            let gt = t[lt..]
                .find('>')
                .ok_or_else(|| ParseError::new(lead + lt, "'<' without '>'"))?
                + lt;
            uri_txt = &t[lt + 1..gt];
            uri_off = lead + lt + 1;
            rest = &t[gt + 1..];
            rest_off = lead + gt + 1;
            bracketed = true;
        } else {
            display = None;
            let end = t.find(';').unwrap_or(t.len());
            uri_txt = t[..end].trim_end();
            uri_off = lead;
            rest = &t[end..];
            rest_off = lead + end;
            bracketed = false;
        }
        let uri = if bracketed {
            Uri::parse(uri_txt)
        } else {
            Uri::parse_bare(uri_txt)
        }
        .map_err(|e| e.shifted(uri_off))?;
        let params = parse_header_params(rest, rest_off)?;
        Ok((NameAddr { display, uri }, params))
    }

    pub fn parse(s: &str) -> Result<NameAddr, ParseError> {
        Ok(Self::parse_with_params(s)?.0)
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "\"{}\" ", d.replace('\\', "\\\\").replace('"', "\\\""))?;
        }
        write!(f, "<{}>", self.uri.print(UriContext::Contact))
    }
}

fn find_unquoted(s: &str, ch: char) -> Option<usize> {
    let mut in_q = false;
    let mut esc = false;
    for (i, c) in s.char_indices() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if in_q => esc = true,
            '"' => in_q = !in_q,
            c if c == ch && !in_q => return Some(i),
            _ => {}
        }
    }
    None
}

/// One Contact value: an address with its header parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactValue {
    pub addr: NameAddr,
    pub params: Vec<Param>,
}

impl ContactValue {
    /// The `expires` parameter. `Err` when present but not a number.
    pub fn expires(&self) -> Result<Option<u32>, String> {
        match find_param(&self.params, "expires") {
            None => Ok(None),
            Some(p) => {
                let v = p.value.as_deref().unwrap_or("");
                parse_delta_seconds(v)
                    .map(Some)
                    .ok_or_else(|| format!("bad expires parameter '{v}'"))
            }
        }
    }
    pub fn param(&self, name: &str) -> Option<&Param> {
        find_param(&self.params, name)
    }
}

impl fmt::Display for ContactValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.addr)?;
        print_params(&self.params, f)
    }
}

/// delta-seconds; values past u32 saturate (pjsip clamps large Expires too).
pub fn parse_delta_seconds(v: &str) -> Option<u32> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(
        v.parse::<u64>()
            .map(|n| n.min(u32::MAX as u64) as u32)
            .unwrap_or(u32::MAX),
    )
}

/// A Contact header entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *`
    Star,
    Addr(ContactValue),
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Star => f.write_str("*"),
            Contact::Addr(v) => write!(f, "{v}"),
        }
    }
}

/// Parse one Contact header's value (may hold several comma-separated entries).
pub fn parse_contact_values(s: &str) -> Result<Vec<Contact>, ParseError> {
    let mut out = Vec::new();
    for (off, part) in split_top_level(s)? {
        let t = part.trim();
        if t.is_empty() {
            return Err(ParseError::new(off, "empty Contact entry"));
        }
        if t == "*" {
            out.push(Contact::Star);
            continue;
        }
        let (addr, params) = NameAddr::parse_with_params(part).map_err(|e| e.shifted(off))?;
        out.push(Contact::Addr(ContactValue { addr, params }));
    }
    Ok(out)
}

/// One Via entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Transport as written (`UDP`, `TCP`, `TLS`, `WS`, `WSS`…).
    pub transport: String,
    pub host: String,
    pub port: Option<u16>,
    pub params: Vec<Param>,
}

impl Via {
    pub fn branch(&self) -> Option<&str> {
        find_param(&self.params, "branch").and_then(|p| p.value.as_deref())
    }
    pub fn received(&self) -> Option<&str> {
        find_param(&self.params, "received").and_then(|p| p.value.as_deref())
    }
    /// `Some(None)` for a bare `;rport`, `Some(Some(n))` once filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        find_param(&self.params, "rport").map(|p| p.value.as_deref().and_then(|v| v.parse().ok()))
    }
    /// Set (or add) a parameter, keeping its position when it exists.
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        match self
            .params
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => p.value = value.map(str::to_string),
            None => self.params.push(Param::new(name, value)),
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} ", self.transport)?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        print_params(&self.params, f)
    }
}

/// Parse one Via header's value (possibly several comma-separated entries).
pub fn parse_via_values(s: &str) -> Result<Vec<Via>, ParseError> {
    let mut out = Vec::new();
    for (off, part) in split_top_level(s)? {
        let lead = part.len() - part.trim_start().len();
        let t = part.trim();
        let mut it = t.splitn(2, |c: char| c == ' ' || c == '\t');
        let proto = it.next().unwrap_or("");
        let rest = it.next().unwrap_or("").trim_start();
        let pieces: Vec<&str> = proto.split('/').map(str::trim).collect();
        if pieces.len() != 3
            || !pieces[0].eq_ignore_ascii_case("SIP")
            || pieces[1] != "2.0"
            || pieces[2].is_empty()
        {
            return Err(ParseError::new(
                off + lead,
                format!("bad Via protocol '{proto}' (expected SIP/2.0/UDP …)"),
            ));
        }
        let rest_off = off + lead + (t.len() - rest.len());
        let (hostport, params_txt) = match rest.find(';') {
            Some(i) => (rest[..i].trim(), &rest[i..]),
            None => (rest.trim(), ""),
        };
        let (host, port) =
            if let Some(v6) = hostport.strip_prefix('[') {
                let end = v6
                    .find(']')
                    .ok_or_else(|| ParseError::new(rest_off, "IPv6 Via host without ']'"))?;
                let p = v6[end + 1..].trim();
                let port = match p.strip_prefix(':') {
                    Some(n) => Some(
                        n.trim()
                            .parse::<u16>()
                            .map_err(|_| ParseError::new(rest_off, "bad Via port"))?,
                    ),
                    None if p.is_empty() => None,
                    None => return Err(ParseError::new(rest_off, "bad Via sent-by")),
                };
                (v6[..end].to_string(), port)
            } else {
                match hostport.rsplit_once(':') {
                    Some((h, p)) => (
                        h.trim().to_string(),
                        Some(p.trim().parse::<u16>().map_err(|_| {
                            ParseError::new(rest_off, format!("bad Via port '{p}'"))
                        })?),
                    ),
                    None => (hostport.to_string(), None),
                }
            };
        if host.is_empty()
            || !host
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-._:".contains(&c))
        {
            return Err(ParseError::new(rest_off, format!("bad Via host '{host}'")));
        }
        let params = parse_header_params(params_txt, rest_off + (rest.len() - params_txt.len()))?;
        out.push(Via {
            transport: pieces[2].to_string(),
            host,
            port,
            params,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_forms() {
        let v = parse_contact_values(
            "\"Desk, 1\" <sip:a@h;transport=tcp>;expires=60;+sip.instance=\"<urn:uuid:1>\", sip:b@h;q=0.5",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        let Contact::Addr(a) = &v[0] else { panic!() };
        assert_eq!(a.addr.display.as_deref(), Some("Desk, 1"));
        assert_eq!(a.addr.uri.transport_param.as_deref(), Some("tcp"));
        assert_eq!(a.expires(), Ok(Some(60)));
        assert_eq!(
            a.param("+sip.instance").unwrap().value.as_deref(),
            Some("<urn:uuid:1>")
        );
        let Contact::Addr(b) = &v[1] else { panic!() };
        // Without brackets the ;q belongs to the header, not the URI.
        assert!(b.addr.uri.other_params.is_empty());
        assert_eq!(b.param("q").unwrap().value.as_deref(), Some("0.5"));
    }

    #[test]
    fn bare_contact_params_are_header_params() {
        let v = parse_contact_values("sip:a@h:5060;transport=tcp").unwrap();
        let Contact::Addr(a) = &v[0] else { panic!() };
        assert_eq!(a.addr.uri.transport_param, None);
        assert_eq!(a.param("transport").unwrap().value.as_deref(), Some("tcp"));
    }

    #[test]
    fn star_and_errors() {
        assert_eq!(parse_contact_values(" * ").unwrap(), vec![Contact::Star]);
        assert!(parse_contact_values("<sip:a@h").is_err());
        assert!(parse_contact_values("<sip:a@h>;expires=\"x").is_err());
        let v = parse_contact_values("<sip:a@h>;expires=abc").unwrap();
        let Contact::Addr(a) = &v[0] else { panic!() };
        assert!(a.expires().is_err());
    }

    #[test]
    fn via_parts() {
        let v = parse_via_values(
            "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKx, SIP/2.0/TCP [::1]:5061",
        )
        .unwrap();
        assert_eq!(v[0].host, "10.0.0.1");
        assert_eq!(v[0].rport(), Some(None));
        assert_eq!(v[0].branch(), Some("z9hG4bKx"));
        assert_eq!(v[1].host, "::1");
        assert_eq!(v[1].port, Some(5061));
        assert_eq!(
            v[0].to_string(),
            "SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKx"
        );
    }
}
