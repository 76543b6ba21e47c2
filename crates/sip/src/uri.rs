//! SIP/SIPS URIs: parsing and pjsip-style printing.

use crate::error::ParseError;
use crate::escape::{
    escape, is_header_char, is_param_char, is_password_char, is_user_char, pj_strtoi_validate,
    unescape,
};
use crate::param::Param;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scheme {
    Sip,
    Sips,
    /// Any other scheme (`tel:`, `mailto:` …), kept only so the registrar can refuse it.
    Other(String),
}

/// Host as pjsip keeps it: IPv6 without brackets, names and IPv4 as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host(pub String);

impl Host {
    pub fn is_ipv6(&self) -> bool {
        self.0.contains(':')
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipv6() {
            write!(f, "[{}]", self.0)
        } else {
            f.write_str(&self.0)
        }
    }
}

/// `n` in decimal, without a temporary `String`.
fn push_u32(out: &mut String, n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(d as char);
    }
}

/// Where a URI is printed; pjsip leaves out some parameters depending on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriContext {
    RequestUri,
    FromTo,
    Contact,
    Routing,
    Other,
}

/// A parsed URI. For `sip:`/`sips:` every component is filled; for other schemes
/// only `scheme` and `opaque` are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub scheme: Scheme,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: Host,
    /// `None` when absent: pjsip treats an absent port as 0, which differs from 5060.
    pub port: Option<u16>,
    pub user_param: Option<String>,
    pub method_param: Option<String>,
    pub transport_param: Option<String>,
    pub ttl_param: Option<u32>,
    pub maddr_param: Option<String>,
    pub lr_param: bool,
    /// Every other URI parameter, in arrival order.
    pub other_params: Vec<Param>,
    /// `?name=value` header fields, in arrival order.
    pub headers: Vec<Param>,
    /// The text after `scheme:` for non-SIP schemes.
    pub opaque: String,
}

impl Uri {
    /// A plain `sip:user@host[:port]` URI.
    pub fn sip(user: Option<&str>, host: &str, port: Option<u16>) -> Uri {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_string),
            password: None,
            host: Host(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_string(),
            ),
            port,
            user_param: None,
            method_param: None,
            transport_param: None,
            ttl_param: None,
            maddr_param: None,
            lr_param: false,
            other_params: Vec::new(),
            headers: Vec::new(),
            opaque: String::new(),
        }
    }

    pub fn is_sip(&self) -> bool {
        matches!(self.scheme, Scheme::Sip | Scheme::Sips)
    }

    /// Parse a whole URI (addr-spec). URI parameters and headers are part of it.
    pub fn parse(s: &str) -> Result<Uri, ParseError> {
        parse_uri(s, true)
    }

    /// Parse a URI that stood without angle brackets in a header: there the
    /// `;params` belong to the header, so pjsip stops the URI before them.
    pub fn parse_bare(s: &str) -> Result<Uri, ParseError> {
        parse_uri(s, false)
    }

    /// The URI as pjsip prints it in the given context.
    pub fn print(&self, ctx: UriContext) -> String {
        let mut out = String::with_capacity(48);
        match &self.scheme {
            Scheme::Sip => out.push_str("sip:"),
            Scheme::Sips => out.push_str("sips:"),
            Scheme::Other(s) => {
                out.push_str(s);
                out.push(':');
                out.push_str(&self.opaque);
                return out;
            }
        }
        if let Some(user) = self.user.as_deref().filter(|u| !u.is_empty()) {
            escape(user, is_user_char, &mut out);
            if let Some(pw) = self.password.as_deref().filter(|p| !p.is_empty()) {
                out.push(':');
                escape(pw, is_password_char, &mut out);
            }
            out.push('@');
        }
        if self.host.is_ipv6() {
            out.push('[');
            out.push_str(&self.host.0);
            out.push(']');
        } else {
            out.push_str(&self.host.0);
        }
        if let Some(port) = self.port.filter(|p| *p != 0) {
            out.push(':');
            push_u32(&mut out, port.into());
        }
        let pair = |out: &mut String, name: &str, v: &Option<String>| {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                out.push(';');
                out.push_str(name);
                out.push('=');
                escape(v, is_param_char, out);
            }
        };
        // pjsip prints the user parameter without escaping (copy_advance_pair_check)
        if let Some(v) = self.user_param.as_deref().filter(|v| !v.is_empty()) {
            out.push_str(";user=");
            out.push_str(v);
        }
        if ctx == UriContext::Other {
            pair(&mut out, "method", &self.method_param);
        }
        if ctx != UriContext::FromTo {
            pair(&mut out, "transport", &self.transport_param);
        }
        if let Some(ttl) = self.ttl_param {
            if ctx != UriContext::FromTo && ctx != UriContext::Routing {
                out.push_str(";ttl=");
                push_u32(&mut out, ttl);
            }
        }
        if let Some(m) = self.maddr_param.as_deref().filter(|m| !m.is_empty()) {
            if ctx != UriContext::FromTo {
                if m.contains(':') {
                    // pjsip prints an IPv6 maddr inside brackets, unescaped
                    out.push_str(";maddr=");
                    if m.starts_with('[') {
                        out.push_str(m);
                    } else {
                        out.push('[');
                        out.push_str(m);
                        out.push(']');
                    }
                } else {
                    pair(&mut out, "maddr", &self.maddr_param);
                }
            }
        }
        if self.lr_param && ctx != UriContext::FromTo && ctx != UriContext::Contact {
            out.push_str(";lr");
        }
        for p in &self.other_params {
            out.push(';');
            escape(&p.name, is_param_char, &mut out);
            if let Some(v) = p.value.as_deref().filter(|v| !v.is_empty()) {
                out.push('=');
                escape(v, is_param_char, &mut out);
            }
        }
        if matches!(ctx, UriContext::Contact | UriContext::Other) {
            for (i, h) in self.headers.iter().enumerate() {
                out.push(if i == 0 { '?' } else { '&' });
                escape(&h.name, is_header_char, &mut out);
                if let Some(v) = h.value.as_deref().filter(|v| !v.is_empty()) {
                    out.push('=');
                    escape(v, is_header_char, &mut out);
                }
            }
        }
        out
    }

    /// Value of an "other" parameter (case-insensitive name).
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.other_params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Remove an "other" parameter; returns its value when it was present.
    pub fn remove_param(&mut self, name: &str) -> Option<Option<String>> {
        let i = self
            .other_params
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))?;
        Some(self.other_params.remove(i).value)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.print(UriContext::Other))
    }
}

fn parse_uri(s: &str, with_params: bool) -> Result<Uri, ParseError> {
    let colon = s
        .find(':')
        .ok_or_else(|| ParseError::new(0, "URI has no scheme (expected e.g. 'sip:')"))?;
    let scheme_txt = &s[..colon];
    if scheme_txt.is_empty()
        || !scheme_txt
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c))
        || !scheme_txt.as_bytes()[0].is_ascii_alphabetic()
    {
        return Err(ParseError::new(0, format!("bad URI scheme '{scheme_txt}'")));
    }
    let scheme = if scheme_txt.eq_ignore_ascii_case("sip") {
        Scheme::Sip
    } else if scheme_txt.eq_ignore_ascii_case("sips") {
        Scheme::Sips
    } else {
        let rest = &s[colon + 1..];
        if rest.is_empty() {
            return Err(ParseError::new(colon + 1, "empty URI after the scheme"));
        }
        if let Some(bad) = rest.bytes().position(|c| !is_other_uri_char(c)) {
            return Err(ParseError::new(colon + 1 + bad, "bad characters in URI"));
        }
        let mut u = Uri::sip(None, "", None);
        u.scheme = Scheme::Other(scheme_txt.to_ascii_lowercase());
        u.opaque = rest.to_string();
        return Ok(u);
    };
    let base = colon + 1;
    let rest = &s[base..];
    if let Some(bad) = rest
        .bytes()
        .position(|c| c <= b' ' || c == 0x7f || c == b'<' || c == b'>' || c == b'"')
    {
        return Err(ParseError::new(
            base + bad,
            "URI contains a space, control character, quote or angle bracket",
        ));
    }
    // userinfo ends at the last '@' before the host (users may contain ';' '?' '/').
    let (userinfo, hostpart, host_off) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..], base + at + 1),
        None => (None, rest, base),
    };
    let mut uri = Uri::sip(None, "", None);
    uri.scheme = scheme;
    if let Some(ui) = userinfo {
        let (user, pw) = match ui.find(':') {
            Some(c) => (&ui[..c], Some(&ui[c + 1..])),
            None => (ui, None),
        };
        if user.is_empty() {
            return Err(ParseError::new(base, "empty user part before '@'"));
        }
        // pjsip parses the user part with USER_SPEC_LENIENT, which also allows '#'.
        if let Some(bad) = user
            .bytes()
            .position(|c| !(is_user_char(c) || c == b'%' || c == b'#'))
        {
            return Err(ParseError::new(
                base + bad,
                "character not allowed in URI user part",
            ));
        }
        uri.user = Some(unescape(user));
        if let Some(pw) = pw {
            if let Some(bad) = pw.bytes().position(|c| !(is_password_char(c) || c == b'%')) {
                return Err(ParseError::new(
                    base + user.len() + 1 + bad,
                    "character not allowed in URI password",
                ));
            }
            uri.password = Some(unescape(pw));
        }
    }
    // host[:port]
    let (host, after_host) = if let Some(v6) = hostpart.strip_prefix('[') {
        let end = v6
            .find(']')
            .ok_or_else(|| ParseError::new(host_off, "IPv6 reference without ']'"))?;
        let addr = &v6[..end];
        if !is_valid_ipv6_reference(addr) {
            return Err(ParseError::new(
                host_off + 1,
                format!("bad IPv6 address '{}'", clip(addr)),
            ));
        }
        (addr.to_string(), &v6[end + 1..])
    } else {
        let end = hostpart.find([':', ';', '?']).unwrap_or(hostpart.len());
        let h = &hostpart[..end];
        if h.is_empty() {
            return Err(ParseError::new(host_off, "URI has no host"));
        }
        if let Some(bad) = h
            .bytes()
            .position(|c| !(c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_'))
        {
            return Err(ParseError::new(
                host_off + bad,
                "character not allowed in host name",
            ));
        }
        (h.to_string(), &hostpart[end..])
    };
    uri.host = Host(host);
    let mut off = host_off + (hostpart.len() - after_host.len());
    let mut tail = after_host;
    if let Some(p) = tail.strip_prefix(':') {
        let end = p.find([';', '?']).unwrap_or(p.len());
        let digits = &p[..end];
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(ParseError::new(off + 1, format!("bad port '{digits}'")));
        }
        let port: u32 = digits
            .parse()
            .map_err(|_| ParseError::new(off + 1, "port too large"))?;
        if port > 65535 {
            return Err(ParseError::new(
                off + 1,
                format!("port {port} is out of range (0–65535)"),
            ));
        }
        // pjsip keeps "no port" as 0, so an explicit :0 is the same as none
        uri.port = Some(port as u16).filter(|p| *p != 0);
        off += 1 + end;
        tail = &p[end..];
    }
    if !with_params {
        if !tail.is_empty() {
            return Err(ParseError::new(off, "unexpected text after URI"));
        }
        return Ok(uri);
    }
    let (params, headers) = match tail.find('?') {
        Some(q) => (&tail[..q], Some(&tail[q + 1..])),
        None => (tail, None),
    };
    if !params.is_empty() {
        let Some(list) = params.strip_prefix(';') else {
            return Err(ParseError::new(off, "unexpected text after host"));
        };
        let mut poff = off + 1;
        for item in list.split(';') {
            let p = parse_uri_param(item).map_err(|e| e.shifted(poff))?;
            poff += item.len() + 1;
            apply_param(&mut uri, p).map_err(|e| e.shifted(poff))?;
        }
    }
    if let Some(h) = headers {
        let mut hoff = off + params.len() + 1;
        for item in h.split('&') {
            // pjsip (int_parse_hparam): `name[=value]`, both hnv chars, %-escapes decoded.
            let (n, v) = match item.find('=') {
                Some(e) => (&item[..e], Some(&item[e + 1..])),
                None => (item, None),
            };
            if n.is_empty() {
                return Err(ParseError::new(hoff, "empty URI header name"));
            }
            if let Some(bad) = item
                .bytes()
                .position(|c| !(is_header_char(c) || c == b'%' || c == b'='))
            {
                return Err(ParseError::new(
                    hoff + bad,
                    "character not allowed in URI header",
                ));
            }
            let name = unescape(n);
            let value = v.map(unescape);
            uri.headers.push(Param {
                name,
                // an empty value is the same as none for pjsip (printed as `name`)
                value: value.filter(|v| !v.is_empty()),
            });
            hoff += item.len() + 1;
        }
    }
    Ok(uri)
}

fn parse_uri_param(item: &str) -> Result<Param, ParseError> {
    let (n, v) = match item.find('=') {
        Some(e) => (&item[..e], Some(&item[e + 1..])),
        None => (item, None),
    };
    if n.is_empty() {
        return Err(ParseError::new(0, "empty URI parameter name"));
    }
    // name and value are pjsip PARAM_CHAR runs ('=' only as the separator)
    for (i, c) in item.bytes().enumerate() {
        if !(is_param_char(c) || (c == b'=' && i == n.len())) {
            return Err(ParseError::new(i, "character not allowed in URI parameter"));
        }
    }
    let name = unescape(n);
    let value = v.map(unescape);
    // `;x=` and `;x` are the same to pjsip (an empty pj_str_t); keep them as `None`.
    Ok(Param {
        name,
        value: value.filter(|v| !v.is_empty()),
    })
}

fn apply_param(uri: &mut Uri, p: Param) -> Result<(), ParseError> {
    let name = p.name.to_ascii_lowercase();
    // pjsip (int_parse_sip_url) only takes user/method/transport/ttl/maddr out of the
    // list when they have a value; a valueless one stays an "other" parameter.
    let Some(val) = p.value.clone().filter(|v| !v.is_empty()) else {
        if name == "lr" {
            uri.lr_param = true;
        } else {
            uri.other_params.push(p);
        }
        return Ok(());
    };
    match name.as_str() {
        "user" => uri.user_param = Some(val),
        "method" => uri.method_param = Some(val),
        "transport" => uri.transport_param = Some(val),
        "maddr" => uri.maddr_param = Some(val),
        "lr" => uri.lr_param = true,
        "ttl" => {
            // pjsip: strtoi_validate(0..=255) — "5x" reads as 5, "x" fails the URI
            let ttl = pj_strtoi_validate(&val, 0, 255)
                .ok_or_else(|| ParseError::new(0, format!("bad ttl '{}' (0–255)", clip(&val))))?;
            uri.ttl_param = Some(ttl as u32);
        }
        _ => uri.other_params.push(p),
    }
    Ok(())
}

/// Characters pjsip accepts in the body of a non-SIP URI (`GENERIC_URI_CHARS`).
fn is_other_uri_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"#?;:@&=+-_.!~*'()%$,/".contains(&c)
}

/// An IPv6 reference without its brackets: a valid RFC 4291 text address (this
/// rejects RFC 5118 §4.10's three-colon form, which pjsip's scanner would take),
/// optionally followed by a zone id (`%25eth0`, RFC 6874).
pub(crate) fn is_valid_ipv6_reference(addr: &str) -> bool {
    let (ip, zone) = match addr.find('%') {
        Some(p) => (&addr[..p], Some(&addr[p..])),
        None => (addr, None),
    };
    if ip.parse::<std::net::Ipv6Addr>().is_err() {
        return false;
    }
    match zone {
        None => true,
        Some(z) => {
            z.len() > 3
                && z.starts_with("%25")
                && z[3..]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-._~%".contains(&c))
        }
    }
}

pub(crate) fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(s: &str) -> String {
        Uri::parse(s).unwrap().print(UriContext::Contact)
    }

    #[test]
    fn prints_known_params_in_pjsip_order() {
        assert_eq!(
            rt("sip:a@h;foo=1;maddr=m;transport=tcp;user=phone;ttl=3"),
            "sip:a@h;user=phone;transport=tcp;ttl=3;maddr=m;foo=1"
        );
    }

    #[test]
    fn contact_context_drops_lr_and_method() {
        assert_eq!(rt("sip:a@h;lr;method=INVITE;x"), "sip:a@h;x");
        let u = Uri::parse("sip:a@h;lr;method=INVITE").unwrap();
        assert_eq!(u.print(UriContext::Other), "sip:a@h;method=INVITE;lr");
    }

    #[test]
    fn ipv6_keeps_brackets_when_printed() {
        let u = Uri::parse("sip:[2001:db8::10]:5070").unwrap();
        assert_eq!(u.host.as_str(), "2001:db8::10");
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.print(UriContext::Contact), "sip:[2001:db8::10]:5070");
    }

    #[test]
    fn escapes_are_normalised() {
        assert_eq!(rt("sip:%61lice@h"), "sip:alice@h");
        assert_eq!(rt("sip:a%20b@h"), "sip:a%20b@h");
        assert_eq!(rt("sip:a@h;x=%41"), "sip:a@h;x=A");
    }

    #[test]
    fn headers_only_in_contact_and_other() {
        let u = Uri::parse("sip:a@h?subject=x&priority=urgent").unwrap();
        assert_eq!(
            u.print(UriContext::Contact),
            "sip:a@h?subject=x&priority=urgent"
        );
        assert_eq!(u.print(UriContext::RequestUri), "sip:a@h");
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "sip:",
            "sip:a@",
            "sip:a@h:99999",
            "sip:a@h:x",
            "sip:[::1",
            "sip:a b@h",
            "sip:a@h;ttl=999",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn other_schemes_are_kept_opaque() {
        let u = Uri::parse("tel:+1-555-0100").unwrap();
        assert!(!u.is_sip());
        assert_eq!(u.to_string(), "tel:+1-555-0100");
    }

    #[test]
    fn valueless_known_params_stay_other_params() {
        // pjsip only takes user/method/transport/ttl/maddr out when they have a value
        let u = Uri::parse("sip:a@h;transport;user=;maddr;ttl").unwrap();
        assert_eq!(u.transport_param, None);
        assert_eq!(u.user_param, None);
        assert_eq!(u.ttl_param, None);
        let names: Vec<_> = u.other_params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["transport", "user", "maddr", "ttl"]);
        assert!(u.other_params.iter().all(|p| p.value.is_none()));
        assert_eq!(
            u.print(UriContext::Contact),
            "sip:a@h;transport;user;maddr;ttl"
        );
    }

    #[test]
    fn uri_headers_without_value() {
        let u = Uri::parse("sip:a@h?x&y=&z=1").unwrap();
        let hs: Vec<_> = u
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_deref()))
            .collect();
        assert_eq!(hs, [("x", None), ("y", None), ("z", Some("1"))]);
        assert_eq!(u.print(UriContext::Contact), "sip:a@h?x&y&z=1");
        assert!(Uri::parse("sip:a@h?").is_err());
        assert!(Uri::parse("sip:a@h?=1").is_err());
        assert!(Uri::parse("sip:a@h?a=<").is_err());
    }

    #[test]
    fn ipv6_maddr_is_bracketed_like_pjsip() {
        let u = Uri::parse("sip:a@h;maddr=2001:db8::1").unwrap();
        assert_eq!(u.print(UriContext::Contact), "sip:a@h;maddr=[2001:db8::1]");
        let u = Uri::parse("sip:a@h;maddr=[2001:db8::1]").unwrap();
        assert_eq!(u.maddr_param.as_deref(), Some("[2001:db8::1]"));
        assert_eq!(u.print(UriContext::Contact), "sip:a@h;maddr=[2001:db8::1]");
    }

    #[test]
    fn hash_in_user_is_accepted_and_escaped_on_print() {
        // pjsip parses users with USER_SPEC_LENIENT ('#' allowed) and prints with
        // USER_SPEC (allow_tx_hash_in_uri off by default)
        let u = Uri::parse("sip:*97#@h").unwrap();
        assert_eq!(u.user.as_deref(), Some("*97#"));
        assert_eq!(u.print(UriContext::Contact), "sip:*97%23@h");
    }

    #[test]
    fn ipv6_references_are_validated() {
        assert!(Uri::parse("sip:[::1]").is_ok());
        assert!(Uri::parse("sip:[::ffff:192.0.2.1]:5060").is_ok());
        assert!(Uri::parse("sip:[2001:db8:::192.0.2.1]").is_err());
        assert!(Uri::parse("sip:[1:2:3:4:5:6:7:8:9]").is_err());
        assert!(Uri::parse("sip:[fe80::1%25eth0]").is_ok());
        assert!(Uri::parse("sip:[fe80::1%eth0]").is_err());
    }

    #[test]
    fn other_scheme_characters() {
        assert!(Uri::parse("tel:+1-555;phone-context=x").is_ok());
        assert!(Uri::parse("urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6").is_ok());
        assert!(Uri::parse("tel:").is_err());
        assert!(Uri::parse("tel:a b").is_err());
        assert!(Uri::parse("tel:\"x\"").is_err());
    }

    #[test]
    fn user_param_is_printed_unescaped_like_pjsip() {
        let u = Uri::parse("sip:a@h;user=ph%6Fne").unwrap();
        assert_eq!(u.user_param.as_deref(), Some("phone"));
        assert_eq!(u.print(UriContext::Contact), "sip:a@h;user=phone");
        let u = Uri::parse("sip:a@h;user=a%3bb").unwrap();
        assert_eq!(u.print(UriContext::Contact), "sip:a@h;user=a;b");
    }

    #[test]
    fn port_zero_is_no_port() {
        let u = Uri::parse("sip:a@h:0").unwrap();
        assert_eq!(u.port, None);
        assert_eq!(u.print(UriContext::Contact), "sip:a@h");
        assert_eq!(Uri::parse("sip:a@h:0005060").unwrap().port, Some(5060));
    }
}
