//! Anonymise a capture before it is shared: every IP address, SIP user and host
//! name is replaced, consistently (the same value always becomes the same
//! stand-in), so the story and the model's answers are unchanged. Display names
//! are emptied. pjsip.conf passwords are removed.

use crate::evidence::{Capture, ServerEvent};
use std::collections::BTreeMap;

/// The replacements made (original → stand-in).
#[derive(Debug, Default, Clone)]
pub struct Map {
    pub ips: BTreeMap<String, String>,
    pub users: BTreeMap<String, String>,
    pub hosts: BTreeMap<String, String>,
    pub agents: BTreeMap<String, String>,
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

impl Map {
    fn ip(&mut self, ip: &str) -> String {
        let n = self.ips.len() + 1;
        // One address written two ways (`2001:DB8:0::5`, `2001:db8::5`) is one address.
        let canonical = ip
            .parse::<std::net::IpAddr>()
            .map_or_else(|_| ip.to_string(), |a| a.to_string());
        self.ips
            .entry(canonical)
            .or_insert_with(|| {
                if ip.contains(':') {
                    format!("2001:db8::{n:x}")
                } else {
                    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
                }
            })
            .clone()
    }
    fn user(&mut self, u: &str) -> String {
        let n = self.users.len() + 1;
        self.users
            .entry(u.to_string())
            .or_insert_with(|| format!("user{n}"))
            .clone()
    }
    fn host(&mut self, h: &str) -> String {
        let n = self.hosts.len() + 1;
        self.hosts
            .entry(h.to_string())
            .or_insert_with(|| format!("host{n}.invalid"))
            .clone()
    }

    /// Replace User-Agent values, IPv4 and IPv6 addresses, URI users and hosts,
    /// quoted AOR names and display names in a text.
    pub fn text(&mut self, s: &str) -> String {
        let s = self.user_agents(s);
        let s = self.ipv4s(&s);
        let s = self.ipv6s(&s);
        let s = self.uris(&s);
        self.quoted(&s)
    }

    fn ipv4s(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            let boundary = i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.');
            if boundary && b[i].is_ascii_digit() {
                let end = i + b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == b'.')
                    .count();
                let cand = s[i..end].trim_end_matches('.');
                if is_ipv4(cand) {
                    let r = self.ip(cand);
                    out.push_str(&r);
                    i += cand.len();
                    continue;
                }
            }
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
        out
    }

    /// IPv6 addresses, bracketed (`[2001:db8::5]:5060`) or bare
    /// (`received=2001:db8::5`): runs of hex digits, colons and dots that parse
    /// as one. A digit and two colons are required, so times (`09:24:45`), MACs
    /// and words like `add::` stay.
    fn ipv6s(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let part = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < b.len() {
            if part(b[i]) && (i == 0 || !(part(b[i - 1]) || b[i - 1].is_ascii_alphanumeric())) {
                let end = i + b[i..].iter().take_while(|c| part(**c)).count();
                let run = &s[i..end];
                let cand = [run, run.trim_end_matches(['.', ':'])]
                    .into_iter()
                    .find(|c| {
                        c.matches(':').count() >= 2
                            && c.bytes().any(|x| x.is_ascii_digit())
                            && c.parse::<std::net::Ipv6Addr>().is_ok()
                    });
                let word_follows = b.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
                if let Some(c) = cand.filter(|_| !word_follows) {
                    let r = self.ip(c);
                    out.push_str(&r);
                    i += c.len();
                    continue;
                }
                out.push_str(run);
                i = end;
                continue;
            }
            let ch = s[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
        out
    }

    /// `User-Agent:` values (models, firmware, serials, MACs) become `ua1`, `ua2`, …;
    /// Asterisk's own (`Asterisk PBX 22.11.0`) names only the release and stays.
    fn user_agents(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for piece in s.split_inclusive('\n') {
            let (line, eol) = match piece.find(['\r', '\n']) {
                Some(k) => piece.split_at(k),
                None => (piece, ""),
            };
            match line.split_once(':') {
                Some((name, value))
                    if name.trim().eq_ignore_ascii_case("user-agent")
                        && !value.trim().starts_with("Asterisk PBX") =>
                {
                    let n = self.agents.len() + 1;
                    let r = self
                        .agents
                        .entry(value.trim().to_string())
                        .or_insert_with(|| format!("ua{n}"))
                        .clone();
                    out.push_str(&format!("{name}: {r}"));
                }
                _ => out.push_str(line),
            }
            out.push_str(eol);
        }
        out
    }

    fn uris(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("sip:").or_else(|| rest.find("sips:")) {
            let skip = if rest[i..].starts_with("sips:") { 5 } else { 4 };
            out.push_str(&rest[..i + skip]);
            let after = &rest[i + skip..];
            let end = after
                .find(['>', ';', ',', ' ', '\r', '\n', '\'', '"', '?'])
                .unwrap_or(after.len());
            let part = &after[..end];
            let (user, hostport) = match part.rsplit_once('@') {
                Some((u, h)) => (Some(u), h),
                None => (None, part),
            };
            if let Some(u) = user {
                let (name, pw) = u
                    .split_once(':')
                    .map(|(a, _)| (a, true))
                    .unwrap_or((u, false));
                out.push_str(&self.user(name));
                if pw {
                    out.push_str(":x");
                }
                out.push('@');
            }
            let host = hostport
                .rsplit_once(':')
                .filter(|(_, p)| p.parse::<u16>().is_ok())
                .map(|x| x.0)
                .unwrap_or(hostport);
            let is_addr = is_ipv4(host) || host.starts_with('[') || host.is_empty();
            if is_addr {
                out.push_str(hostport);
            } else {
                out.push_str(&self.host(host));
                out.push_str(&hostport[host.len()..]);
            }
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }

    /// `'alice'` (AOR names in log lines) and `"Alice Smith" <` display names.
    fn quoted(&mut self, s: &str) -> String {
        let mut out = s.to_string();
        for (u, r) in self.users.clone() {
            out = out.replace(&format!("'{u}'"), &format!("'{r}'"));
            out = out.replace(&format!("Contact {u}/"), &format!("Contact {r}/"));
        }
        let mut res = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while let Some(i) = rest.find('"') {
            let after = &rest[i + 1..];
            match after.find('"') {
                Some(j) if after[j + 1..].trim_start().starts_with('<') => {
                    res.push_str(&rest[..i]);
                    res.push_str("\"\"");
                    rest = &after[j + 1..];
                }
                _ => {
                    res.push_str(&rest[..=i]);
                    rest = after;
                }
            }
        }
        res.push_str(rest);
        res
    }

    fn word(&self, w: &str) -> String {
        self.users.get(w).cloned().unwrap_or_else(|| w.to_string())
    }

    /// A `--set TYPE.SECTION.OPTION=VALUE` with its section named as in the
    /// anonymised pjsip.conf.
    pub fn set(&self, s: &str) -> String {
        let Some((path, value)) = s.split_once('=') else {
            return s.to_string();
        };
        let parts: Vec<String> = path.split('.').map(|p| self.word(p.trim())).collect();
        format!("{}={value}", parts.join("."))
    }

    /// The same replacements in a pjsip.conf: section names and values naming
    /// an AOR/endpoint/user, addresses; passwords removed.
    pub fn conf(&self, text: &str) -> String {
        let mut m = self.clone();
        let mut out = String::new();
        for line in text.lines() {
            // Comments can say anything (names, sites, tickets): they go.
            let code = line
                .char_indices()
                .find(|&(i, c)| c == ';' && !line[..i].ends_with('\\'))
                .map_or(line, |(i, _)| &line[..i]);
            if code.trim().is_empty() && !line.trim().is_empty() {
                continue;
            }
            let t = code.trim();
            let new = if let Some(name) = t.strip_prefix('[').and_then(|x| x.split_once(']')) {
                format!("[{}]{}", self.word(name.0), name.1)
            } else if let Some((k, v)) = t.split_once('=') {
                let key = k.trim();
                if key == "password" || key == "md5_cred" {
                    format!("{key} = (removed by --anonymise)")
                } else {
                    let v: Vec<String> = v.split(',').map(|w| self.word(w.trim())).collect();
                    m.text(&format!("{key} = {}", v.join(",")))
                }
            } else {
                code.to_string()
            };
            out.push_str(&new);
            out.push('\n');
        }
        out
    }
}

/// Anonymise a capture in place; the map also serves its pjsip.conf.
pub fn anonymise(cap: &mut Capture) -> Map {
    let mut m = Map::default();
    for p in &mut cap.packets {
        p.text = m.text(&p.text);
        p.peer = m.text(&p.peer);
        p.server = p.server.as_deref().map(|s| m.text(s));
    }
    for e in &mut cap.events {
        match e {
            ServerEvent::ConnectionClosed { peer, .. } => *peer = m.text(peer),
            ServerEvent::Qualify { aor, uri, .. } => {
                *uri = m.text(uri);
                *aor = m.user(aor);
            }
            ServerEvent::Log { text, .. } => *text = m.text(text),
            ServerEvent::Stopped { .. } | ServerEvent::Booted { .. } => {}
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_consistently() {
        let mut m = Map::default();
        let a = m.text("From: \"Alice Smith\" <sip:alice@pbx.example.com>;tag=1\r\nVia: SIP/2.0/UDP 192.168.1.10:5060;received=192.168.1.10\r\nContact: <sip:alice@[2001:db8:1::5]:5060>");
        assert_eq!(a, "From: \"\" <sip:user1@host1.invalid>;tag=1\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;received=10.0.0.1\r\nContact: <sip:user1@[2001:db8::2]:5060>");
        assert_eq!(
            m.text("AOR 'alice' at 192.168.1.10"),
            "AOR 'user1' at 10.0.0.1"
        );
        assert_eq!(
            m.text("Via: SIP/2.0/UDP [2001:DB8:1:0::5]:5060;received=2001:db8:1::5;rport\r\nUser-Agent: Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc\r\nServer: Asterisk PBX 22.11.0\r\nUser-Agent: Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc\r\n"),
            "Via: SIP/2.0/UDP [2001:db8::2]:5060;received=2001:db8::2;rport\r\nUser-Agent: ua1\r\nServer: Asterisk PBX 22.11.0\r\nUser-Agent: ua1\r\n"
        );
        // Times, MACs and words with colons are not addresses.
        let plain = "[2026-11-30 09:24:45.869] add:: 00:15:65:aa:bb:cc fe80";
        assert_eq!(m.text(plain), plain);
        let conf = m.conf("; Alice's phone, ticket 42\n[alice]\ntype = aor ; alice at home\npassword = secret\naors = alice\n");
        assert_eq!(
            conf,
            "[user1]\ntype = aor\npassword = (removed by --anonymise)\naors = user1\n"
        );
    }
}
