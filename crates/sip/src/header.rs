//! Header values a registrar reads: name-addr, Contact, Via, generic parameters.

use crate::error::ParseError;
use crate::escape::pj_strtoi_validate;
use crate::param::{find_param, Param};
use crate::uri::{clip, is_valid_ipv6_reference, Uri, UriContext};
use std::fmt;

/// Print `;name[=value]`, quoting a value the parser would not read back as a
/// bare token (`unquoted` is the character set the parser accepts there).
fn print_params(
    params: &[Param],
    unquoted: fn(u8) -> bool,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let mut out = String::new();
    for p in params {
        push_param(&p.name, p.value.as_deref(), unquoted, &mut out);
    }
    f.write_str(&out)
}

/// `;name` or `;name=value` appended to `out`, the value quoted (with `\` and
/// `"` escaped) when empty or when it holds a byte outside `unquoted`.
fn push_param(name: &str, value: Option<&str>, unquoted: fn(u8) -> bool, out: &mut String) {
    out.push(';');
    out.push_str(name);
    let Some(v) = value else { return };
    if v.is_empty() || !v.bytes().all(unquoted) {
        out.push_str("=\"");
        for c in v.chars() {
            if matches!(c, '\\' | '"') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push('=');
        out.push_str(v);
    }
}

fn is_lws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_lws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_lws(b[i]) {
        i += 1;
    }
    i
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&c)
}

/// Via parameter values may also hold an IPv6 address (pjsip `VIA_PARAM_SPEC`).
fn is_via_value_char(c: u8) -> bool {
    is_token_char(c) || b"[]:".contains(&c)
}

/// A quoted string starting at `b[i] == '"'`: its unescaped content and the index
/// after the closing quote. Works on bytes so multibyte text cannot split.
fn parse_quoted(s: &str, i: usize) -> Result<(String, usize), ParseError> {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if j + 1 < b.len() => {
                out.push(b[j + 1]);
                j += 2;
            }
            b'"' => return Ok((String::from_utf8_lossy(&out).into_owned(), j + 1)),
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
    Err(ParseError::new(i, "unterminated quoted string"))
}

/// Header parameters `*(LWS ";" LWS name [LWS "=" LWS (value / quoted-string)])`
/// from `i`; returns them and the index of the first byte that is not part of them.
/// As in pjsip, `;x=` (empty value) is the same as `;x`.
fn parse_params_at(
    s: &str,
    mut i: usize,
    value_char: fn(u8) -> bool,
) -> Result<(Vec<Param>, usize), ParseError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    loop {
        let j = skip_lws(b, i);
        if j >= b.len() || b[j] != b';' {
            return Ok((out, j));
        }
        i = skip_lws(b, j + 1);
        let ns = i;
        while i < b.len() && is_token_char(b[i]) {
            i += 1;
        }
        if ns == i {
            return Err(ParseError::new(i, "empty parameter name"));
        }
        let name = s[ns..i].to_string();
        let k = skip_lws(b, i);
        let mut value = None;
        if k < b.len() && b[k] == b'=' {
            i = skip_lws(b, k + 1);
            if i < b.len() && b[i] == b'"' {
                let (v, e) = parse_quoted(s, i)?;
                value = Some(v);
                i = e;
            } else {
                let vs = i;
                while i < b.len() && value_char(b[i]) {
                    i += 1;
                }
                value = Some(s[vs..i].to_string()).filter(|v| !v.is_empty());
            }
        }
        out.push(Param { name, value });
    }
}

fn unexpected(s: &str, i: usize, what: &str) -> ParseError {
    let c = s.get(i..).and_then(|t| t.chars().next()).unwrap_or('?');
    ParseError::new(i, format!("unexpected '{}' {what}", c.escape_default()))
}

/// End of an addr-spec that stands without angle brackets, found the way pjsip
/// scans it: `sip:`/`sips:` stop after host[:port] (a userinfo is recognised by an
/// '@' before the next space or '>'), other schemes run over `GENERIC_URI_CHARS`.
fn bare_uri_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_alphanumeric() || b"+-.".contains(&b[j])) {
        j += 1;
    }
    if j >= b.len() || b[j] != b':' {
        // no scheme: take the word, the URI parser reports the error
        while j < b.len() && !is_lws(b[j]) && !b";,".contains(&b[j]) {
            j += 1;
        }
        return j;
    }
    let scheme = &b[i..j];
    j += 1;
    if !(scheme.eq_ignore_ascii_case(b"sip") || scheme.eq_ignore_ascii_case(b"sips")) {
        while j < b.len()
            && (b[j].is_ascii_alphanumeric() || b"#?;:@&=+-_.!~*'()%$,/".contains(&b[j]))
        {
            j += 1;
        }
        return j;
    }
    let mut k = j;
    while k < b.len() && !b"@ \t\r\n>".contains(&b[k]) {
        k += 1;
    }
    if k < b.len() && b[k] == b'@' {
        j = k + 1;
    }
    if j < b.len() && b[j] == b'[' {
        while j < b.len() && b[j] != b']' {
            j += 1;
        }
        j = (j + 1).min(b.len());
    } else {
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b"-._".contains(&b[j])) {
            j += 1;
        }
    }
    if j < b.len() && b[j] == b':' {
        j += 1;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
    }
    j
}

/// `"Display" <uri>` or a bare addr-spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    pub display: Option<String>,
    pub uri: Uri,
}

impl NameAddr {
    /// Parse a name-addr or addr-spec starting at `i` (after optional LWS); returns
    /// it and the index after it. Follows pjsip's `int_parse_uri_or_name_addr`:
    /// a quoted display name, or an unquoted one (anything up to '<' without ':'),
    /// LWS tolerated just inside the angle brackets, and a bare URI whose `;params`
    /// are left for the header.
    fn parse_at(s: &str, i: usize) -> Result<(NameAddr, usize), ParseError> {
        let b = s.as_bytes();
        let mut i = skip_lws(b, i);
        if i >= b.len() {
            return Err(ParseError::new(i, "missing address"));
        }
        let mut display = None;
        if b[i] == b'"' {
            let (d, e) = parse_quoted(s, i)?;
            display = Some(d);
            i = skip_lws(b, e);
            if i >= b.len() || b[i] != b'<' {
                return Err(ParseError::new(
                    i,
                    "a quoted display name must be followed by <URI>",
                ));
            }
        } else if b[i] != b'<' {
            let mut j = i;
            while j < b.len() && !b":\r\n<".contains(&b[j]) {
                j += 1;
            }
            if j < b.len() && b[j] == b'<' {
                display = Some(s[i..j].trim_matches(|c| c == ' ' || c == '\t').to_string());
                i = j;
            }
        }
        if b[i] == b'<' {
            let gt = s[i..]
                .find('>')
                .map(|g| g + i)
                .ok_or_else(|| ParseError::new(i, "'<' without '>'"))?;
            let inner = &s[i + 1..gt];
            let lead = inner.len() - inner.trim_start_matches(is_lws_char).len();
            let uri_txt = inner.trim_matches(is_lws_char);
            let uri = Uri::parse(uri_txt).map_err(|e| e.shifted(i + 1 + lead))?;
            Ok((NameAddr { display, uri }, gt + 1))
        } else {
            let end = bare_uri_end(b, i);
            let uri = Uri::parse_bare(&s[i..end]).map_err(|e| e.shifted(i))?;
            Ok((NameAddr { display, uri }, end))
        }
    }

    /// Parse a name-addr or addr-spec followed by header parameters (a whole
    /// From/To value).
    pub fn parse_with_params(s: &str) -> Result<(NameAddr, Vec<Param>), ParseError> {
        let (addr, i) = Self::parse_at(s, 0)?;
        let (params, i) = parse_params_at(s, i, is_token_char)?;
        let i = skip_lws(s.as_bytes(), i);
        if i < s.len() {
            return Err(unexpected(s, i, "after the address and its parameters"));
        }
        Ok((addr, params))
    }

    pub fn parse(s: &str) -> Result<NameAddr, ParseError> {
        Ok(Self::parse_with_params(s)?.0)
    }
}

fn is_lws_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display {
            write!(f, "\"{}\" ", d.replace('\\', "\\\\").replace('"', "\\\""))?;
        }
        write!(f, "<{}>", self.uri.print(UriContext::Contact))
    }
}

/// One Contact value: an address with its header parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactValue {
    pub addr: NameAddr,
    pub params: Vec<Param>,
}

impl ContactValue {
    /// The `expires` parameter: `Ok(None)` when absent, `Err` when not a number.
    /// Like pjsip, a valueless `;expires` counts as absent and, if there are
    /// several, the last one with a value is used. Values past u32 saturate; see
    /// [`expires_pjsip`](Self::expires_pjsip) for pjsip's exact (wrapping) reading.
    pub fn expires(&self) -> Result<Option<u32>, String> {
        match self
            .params
            .iter()
            .rev()
            .filter(|p| p.name.eq_ignore_ascii_case("expires"))
            .find_map(|p| p.value.as_deref().filter(|v| !v.is_empty()))
        {
            None => Ok(None),
            Some(v) => parse_delta_seconds(v)
                .map(Some)
                .ok_or_else(|| format!("bad expires parameter '{}'", clip(v))),
        }
    }
    pub fn param(&self, name: &str) -> Option<&Param> {
        find_param(&self.params, name)
    }

    /// The `expires` parameter exactly as pjsip reads it (`int_parse_contact_param`):
    /// the last `expires` with a value wins, its leading digits are read by
    /// `pj_strtoul` (so `expires=abc` is 0 and `expires=60x` is 60), the number
    /// wraps modulo 2^64 and is stored in 32 bits, and 0xFFFFFFFF (pjsip's "not
    /// specified") becomes 0xFFFFFFFE. `None` when there is no such parameter.
    /// Not modelled: pjsip keeps the quotes of `expires="60"`, which reads as 0.
    pub fn expires_pjsip(&self) -> Option<u32> {
        let v = self
            .params
            .iter()
            .rev()
            .filter(|p| p.name.eq_ignore_ascii_case("expires"))
            .find_map(|p| p.value.as_deref().filter(|v| !v.is_empty()))?;
        let n = pj_strtoul_u32(v);
        Some(if n == u32::MAX { n - 1 } else { n })
    }
}

/// pjlib's `pj_strtoul` as pjsip stores its result in a `pj_uint32_t`: leading
/// ASCII digits, accumulated modulo 2^64 (LP64 `unsigned long`), then truncated.
pub fn pj_strtoul_u32(v: &str) -> u32 {
    let mut acc: u64 = 0;
    for c in v.bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        acc = acc.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
    }
    acc as u32
}

impl fmt::Display for ContactValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.addr)?;
        print_params(&self.params, is_token_char, f)
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
// Not boxed: callers match `Contact::Addr(v)` directly.
#[allow(clippy::large_enum_variant)]
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

/// Parse one Contact header's value (may hold several comma-separated entries),
/// scanning left to right as pjsip's `parse_hdr_contact` does.
pub fn parse_contact_values(s: &str) -> Result<Vec<Contact>, ParseError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        i = skip_lws(b, i);
        if i >= b.len() {
            return Err(ParseError::new(
                i,
                if out.is_empty() {
                    "empty Contact header"
                } else {
                    "empty Contact entry after ','"
                },
            ));
        }
        if b[i] == b'*' {
            out.push(Contact::Star);
            i += 1;
        } else {
            let (addr, j) = NameAddr::parse_at(s, i)?;
            let (params, j) = parse_params_at(s, j, is_token_char)?;
            // pjsip (int_parse_contact_param) validates q: the part before '.' must
            // be a number in 0..=2147483; otherwise the whole header fails.
            for p in params.iter().filter(|p| p.name.eq_ignore_ascii_case("q")) {
                if let Some(v) = p.value.as_deref() {
                    let int_part = v.split('.').next().unwrap_or("");
                    if pj_strtoi_validate(int_part, 0, i64::from(i32::MAX / 1000)).is_none() {
                        return Err(ParseError::new(j, format!("bad q value '{}'", clip(v))));
                    }
                }
            }
            out.push(Contact::Addr(ContactValue { addr, params }));
            i = j;
        }
        i = skip_lws(b, i);
        if i >= b.len() {
            return Ok(out);
        }
        if b[i] != b',' {
            return Err(unexpected(s, i, "in Contact (expected ',' or the end)"));
        }
        i += 1;
    }
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

impl Via {
    /// This Via as [`Display`](fmt::Display) prints it, but with `params` (name,
    /// value) in place of its own, appended to `out`: a response prints each
    /// request Via with its parameters reordered and two of them replaced.
    pub fn push_with_params<'a>(
        &self,
        params: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
        out: &mut String,
    ) {
        out.push_str("SIP/2.0/");
        out.push_str(&self.transport);
        out.push(' ');
        if self.host.contains(':') {
            out.push('[');
            out.push_str(&self.host);
            out.push(']');
        } else {
            out.push_str(&self.host);
        }
        if let Some(p) = self.port {
            out.push(':');
            out.push_str(itoa::Buffer::new().format(p));
        }
        for (name, value) in params {
            push_param(name, value, is_via_value_char, out);
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::with_capacity(64);
        let own = self
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_deref()));
        self.push_with_params(own, &mut out);
        f.write_str(&out)
    }
}

/// Parse one Via header's value (possibly several comma-separated entries). LWS is
/// allowed around '/', ':', ';' and '=' as pjsip's scanner skips it.
pub fn parse_via_values(s: &str) -> Result<Vec<Via>, ParseError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        i = skip_lws(b, i);
        let ps = i;
        while i < b.len() && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let proto_ok = s[ps..i].eq_ignore_ascii_case("SIP") && {
            i = skip_lws(b, i);
            let slash1 = i < b.len() && b[i] == b'/';
            i = skip_lws(b, i + 1);
            let v2 = b.get(i..i + 3) == Some(b"2.0");
            i = skip_lws(b, i + 3);
            let slash2 = i < b.len() && b[i] == b'/';
            slash1 && v2 && slash2
        };
        if !proto_ok {
            return Err(ParseError::new(
                ps,
                "bad Via protocol (expected SIP/2.0/<transport>)",
            ));
        }
        i = skip_lws(b, i + 1);
        let ts = i;
        while i < b.len() && is_token_char(b[i]) {
            i += 1;
        }
        if ts == i {
            return Err(ParseError::new(i, "Via without a transport"));
        }
        let transport = s[ts..i].to_string();
        i = skip_lws(b, i);
        let hs = i;
        let host = if i < b.len() && b[i] == b'[' {
            let end = s[i..]
                .find(']')
                .map(|e| e + i)
                .ok_or_else(|| ParseError::new(i, "IPv6 Via host without ']'"))?;
            let h = &s[i + 1..end];
            if !is_valid_ipv6_reference(h) {
                return Err(ParseError::new(i + 1, "bad IPv6 address in Via"));
            }
            i = end + 1;
            h.to_string()
        } else {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"-._".contains(&b[i])) {
                i += 1;
            }
            s[hs..i].to_string()
        };
        if host.is_empty() {
            return Err(ParseError::new(hs, "Via without a host"));
        }
        i = skip_lws(b, i);
        let mut port = None;
        if i < b.len() && b[i] == b':' {
            i = skip_lws(b, i + 1);
            let ds = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            // 0 is pjsip's "no port"
            port = Some(parse_port(&s[ds..i]).ok_or_else(|| {
                ParseError::new(ds, format!("bad Via port '{}'", clip(&s[ds..i])))
            })?)
            .filter(|p| *p != 0);
        }
        let (params, j) = parse_params_at(s, i, is_via_value_char)?;
        for p in &params {
            let v = p.value.as_deref().unwrap_or("");
            // pjsip validates these two with strtoi_validate when they have a value
            let bad = if p.name.eq_ignore_ascii_case("rport") {
                p.value.is_some() && pj_strtoi_validate(v, 0, 65535).is_none()
            } else if p.name.eq_ignore_ascii_case("ttl") {
                p.value.is_some() && pj_strtoi_validate(v, 0, 255).is_none()
            } else {
                false
            };
            if bad {
                return Err(ParseError::new(
                    j,
                    format!("bad Via {} parameter '{}'", p.name, clip(v)),
                ));
            }
        }
        i = skip_lws(b, j);
        if i < b.len() && b[i] == b'(' {
            let close = s[i..]
                .find(')')
                .map(|c| c + i)
                .ok_or_else(|| ParseError::new(i, "unterminated Via comment"))?;
            i = skip_lws(b, close + 1);
        }
        out.push(Via {
            transport,
            host,
            port,
            params,
        });
        if i >= b.len() {
            return Ok(out);
        }
        if b[i] != b',' {
            return Err(unexpected(s, i, "in Via (expected ';', ',' or the end)"));
        }
        i += 1;
    }
}

/// A port: digits (pjsip DIGIT_SPEC) with a value of at most 65535.
fn parse_port(d: &str) -> Option<u16> {
    if d.is_empty() || !d.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    pj_strtoi_validate(d, 0, 65535).map(|p| p as u16)
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

    #[test]
    fn via_with_lws_and_comment() {
        let v = parse_via_values(
            "SIP  /   2.0\r\n /UDP\r\n    192.0.2.2 : 5060 ;branch = z9hG4bKx ;rport (a comment) ,SIP/2.0/TCP h",
        )
        .unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            (v[0].transport.as_str(), v[0].host.as_str(), v[0].port),
            ("UDP", "192.0.2.2", Some(5060))
        );
        assert_eq!(v[0].branch(), Some("z9hG4bKx"));
        assert_eq!(v[0].rport(), Some(None));
        assert_eq!(v[1].host, "h");
        for bad in [
            "SIP/2.0/UDP",
            "SIP/2.0 UDP h",
            "SIP/3.0/UDP h",
            "SIP/2.0/UDP h:70000",
            "SIP/2.0/UDP h;rport=x",
            "SIP/2.0/UDP h;ttl=256",
            "SIP/2.0/UDP h;;branch=1",
            "SIP/2.0/UDP h (open",
            "SIP/2.0/UDP h h2",
            "SIP/2.0/UDP h,",
        ] {
            assert!(parse_via_values(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn name_addr_like_pjsip() {
        // unquoted display names run up to '<' (pjsip DISPLAY_SPEC), LWS inside <> skipped
        let (a, p) = NameAddr::parse_with_params("Bell, Alexander < sip:a@b >;tag=1").unwrap();
        assert_eq!(a.display.as_deref(), Some("Bell, Alexander"));
        assert_eq!(a.uri.host.as_str(), "b");
        assert_eq!(p, vec![Param::new("tag", Some("1"))]);
        // quoted-pairs, also before multibyte characters
        let (a, _) = NameAddr::parse_with_params("\"a\\\"\\é\" <sip:a@b>").unwrap();
        assert_eq!(a.display.as_deref(), Some("a\"é"));
        // a bare URI's user part may hold ';' (pjsip looks for '@' first)
        let (a, p) = NameAddr::parse_with_params("sip:user;par=u%40x@example.com;tag=2").unwrap();
        assert_eq!(a.uri.user.as_deref(), Some("user;par=u@x"));
        assert_eq!(p, vec![Param::new("tag", Some("2"))]);
        for bad in [
            "",
            "\"a\" sip:a@b",
            "\"a <sip:a@b>",
            "<sip:a@b",
            "<sip:a@b> x",
            "sip:a@b?x=1",
            "<sip:a@b>;",
            "<sip:a@b>;=1",
            "<sip:a@b>;x=[::1]",
        ] {
            assert!(NameAddr::parse_with_params(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn contact_list_scanning() {
        let v =
            parse_contact_values("<sip:a@h>;q=1 , sip:b@h;expires=0,\"x,y\" <sip:c@h>").unwrap();
        assert_eq!(v.len(), 3);
        for bad in ["", " ", "<sip:a@h>,", "<sip:a@h> <sip:b@h>", "*;x", "* *"] {
            assert!(parse_contact_values(bad).is_err(), "{bad:?}");
        }
        // pjsip reads text up to '<' as a display name, even a lone ','
        let v = parse_contact_values(",<sip:a@h>").unwrap();
        let Contact::Addr(a) = &v[0] else { panic!() };
        assert_eq!(a.addr.display.as_deref(), Some(","));
        // `expires=` with no value is no expires at all (pjsip needs a value)
        let v = parse_contact_values("<sip:a@h>;expires=").unwrap();
        let Contact::Addr(a) = &v[0] else { panic!() };
        assert_eq!(a.expires(), Ok(None));
        assert_eq!(a.expires_pjsip(), None);
    }

    #[test]
    fn pjsip_expires_reading() {
        let c = |s: &str| match parse_contact_values(s).unwrap().remove(0) {
            Contact::Addr(a) => a,
            Contact::Star => panic!(),
        };
        assert_eq!(c("<sip:a@h>;expires=60").expires_pjsip(), Some(60));
        // pj_strtoul stops at the first non-digit
        assert_eq!(c("<sip:a@h>;expires=abc").expires_pjsip(), Some(0));
        assert!(c("<sip:a@h>;expires=abc").expires().is_err());
        assert_eq!(c("<sip:a@h>;expires=60x").expires_pjsip(), Some(60));
        // the last expires with a value wins, as in pjsip
        assert_eq!(c("<sip:a@h>;expires=1;expires=2").expires_pjsip(), Some(2));
        assert_eq!(
            c("<sip:a@h>;expires=1;expires=2;expires").expires(),
            Ok(Some(2))
        );
        // 2^32 wraps to 0; 2^32-1 is pjsip's "not specified" and becomes 2^32-2
        assert_eq!(c("<sip:a@h>;expires=4294967296").expires_pjsip(), Some(0));
        assert_eq!(
            c("<sip:a@h>;expires=4294967295").expires_pjsip(),
            Some(4294967294)
        );
        assert_eq!(
            c("<sip:a@h>;expires=4294967296").expires(),
            Ok(Some(u32::MAX))
        );
    }

    #[test]
    fn contact_q_is_validated_like_pjsip() {
        for ok in ["q=0.5", "q=1", "q=0", "q=1.000", "q", "q=2"] {
            assert!(
                parse_contact_values(&format!("<sip:a@h>;{ok}")).is_ok(),
                "{ok}"
            );
        }
        for bad in ["q=abc", "q=.5", "q=-1", "q=2147484"] {
            assert!(
                parse_contact_values(&format!("<sip:a@h>;{bad}")).is_err(),
                "{bad}"
            );
        }
        // From/To have no q semantics
        assert!(NameAddr::parse_with_params("<sip:a@h>;q=abc").is_ok());
        // Via rport/ttl read like strtoi_validate: leading digits count
        let v = parse_via_values("SIP/2.0/UDP h;rport=5060x;ttl=1").unwrap();
        assert_eq!(
            v[0].rport(),
            Some(None),
            "rport() itself wants a clean number"
        );
        assert!(parse_via_values("SIP/2.0/UDP h;rport=65536").is_err());
    }
}
