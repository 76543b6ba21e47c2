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
}

fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

impl Map {
    fn ip(&mut self, ip: &str) -> String {
        let n = self.ips.len() + 1;
        self.ips
            .entry(ip.to_string())
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

    /// Replace IPv4 addresses, bracketed IPv6 addresses, URI users and hosts,
    /// quoted AOR names and display names in a text.
    pub fn text(&mut self, s: &str) -> String {
        let s = self.ipv4s(s);
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

    fn ipv6s(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find('[') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find(']') {
                Some(j) if after[..j].parse::<std::net::Ipv6Addr>().is_ok() => {
                    let r = self.ip(&after[..j]);
                    out.push_str(&format!("[{r}]"));
                    rest = &after[j + 1..];
                }
                _ => {
                    out.push('[');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
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

    /// The same replacements in a pjsip.conf: section names and values naming
    /// an AOR/endpoint/user, addresses; passwords removed.
    pub fn conf(&self, text: &str) -> String {
        let mut m = self.clone();
        let mut out = String::new();
        for line in text.lines() {
            let t = line.trim();
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
                line.to_string()
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
        let conf = m.conf("[alice]\ntype = aor\npassword = secret\naors = alice\n");
        assert_eq!(
            conf,
            "[user1]\ntype = aor\npassword = (removed by --anonymise)\naors = user1\n"
        );
    }
}
