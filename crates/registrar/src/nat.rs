//! What happens to the first Contact before the registrar sees it
//! (`res_pjsip_nat.c`, `res_pjsip_transport_websocket.c`, the message filter),
//! and the host restoration on the way out.

use crate::config::Protocol;
use crate::profile::Profile;
use aorlab_sip::{Param, Uri};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A transport address: IP text and port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Addr {
    pub ip: String,
    pub port: u16,
}

impl Addr {
    pub fn new(ip: &str, port: u16) -> Addr {
        Addr {
            ip: ip.trim_start_matches('[').trim_end_matches(']').to_string(),
            port,
        }
    }
    /// Parse `ip:port` or `[v6]:port`.
    pub fn parse(s: &str) -> Option<Addr> {
        if let Some(rest) = s.strip_prefix('[') {
            let (ip, port) = rest.split_once("]:")?;
            return Some(Addr::new(ip, port.parse().ok()?));
        }
        let (ip, port) = s.rsplit_once(':')?;
        Some(Addr::new(ip, port.parse().ok()?))
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ip.contains(':') {
            write!(f, "[{}]:{}", self.ip, self.port)
        } else {
            write!(f, "{}:{}", self.ip, self.port)
        }
    }
}

pub const ORIG_HOST: &str = "x-ast-orig-host";
pub const TXP: &str = "x-ast-txp";

/// The message filter strips every `x-ast-*` URI parameter a client sent.
/// The prefix test is case-sensitive (`pj_strncmp2(name, "x-ast-", 6)`).
pub fn strip_x_ast_params(uri: &mut Uri) {
    uri.other_params.retain(|p| !p.name.starts_with("x-ast-"));
}

fn orig_host_value(uri: &Uri) -> String {
    format!("{}:{}", uri.host.as_str(), uri.port.unwrap_or(0))
}

/// `rewrite_contact=yes` on the first Contact (`rewrite_uri`).
pub fn rewrite_contact(uri: &mut Uri, source: &Addr, protocol: Protocol, profile: Profile) {
    if profile.has_orig_host() && uri.host.as_str() != source.ip {
        let v = orig_host_value(uri);
        uri.other_params.push(Param::new(ORIG_HOST, Some(&v)));
    }
    uri.host = aorlab_sip::Host(source.ip.clone());
    uri.port = Some(source.port);
    match protocol {
        Protocol::Wss => {}
        Protocol::Udp => uri.transport_param = None,
        p => uri.transport_param = Some(p.pjsip_name().to_string()),
    }
}

/// WebSocket transports always rewrite the first Contact to the packet source
/// with `transport=ws`, saving the original host (20.0/18.13/16.27+).
pub fn websocket_rewrite(uri: &mut Uri, source: &Addr, profile: Profile) {
    if profile.websocket_saves_orig_host() {
        let v = orig_host_value(uri);
        uri.other_params.push(Param::new(ORIG_HOST, Some(&v)));
    }
    uri.host = aorlab_sip::Host(source.ip.clone());
    uri.port = Some(source.port);
    uri.transport_param = Some("ws".to_string());
}

/// Contacts in responses get their saved host:port back (`restore_orig_contact_host`).
/// The saved value is split at the first ':' (so IPv6 originals come back wrong, as in Asterisk).
/// Without a ':' the parameter is only removed; the port is read like `strtol`
/// (leading digits, 0 when there are none).
/// A copy of `uri` as the 200 OK lists it: x-ast-orig-host restored.
pub(crate) fn restored(uri: &Uri) -> Uri {
    let mut u = uri.clone();
    restore_orig_host(&mut u);
    u
}

pub fn restore_orig_host(uri: &mut Uri) {
    if let Some(v) = uri.remove_param(ORIG_HOST) {
        let v = v.unwrap_or_default();
        if let Some((host, rest)) = v.split_once(':') {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let port = digits.parse::<u64>().unwrap_or(0).min(u16::MAX as u64) as u16;
            uri.host = aorlab_sip::Host(host.to_string());
            uri.port = (port != 0).then_some(port);
        }
    }
}

/// `ast_sip_will_uri_survive_restart`: false marks a new binding `prune_on_boot`
/// and ties it to the connection it arrived on.
pub fn will_survive_restart(
    uri: &Uri,
    source: &Addr,
    protocol: Protocol,
    rewrite_contact: bool,
) -> bool {
    if uri.port.unwrap_or(0) != source.port
        || uri.host.as_str() != source.ip
        || !protocol.is_reliable()
    {
        return true;
    }
    let type_name = match protocol {
        Protocol::Wss => "ws",
        p => p.pjsip_name(),
    };
    let tp = uri.transport_param.as_deref().unwrap_or("");
    !(tp.eq_ignore_ascii_case(type_name) && (rewrite_contact || tp.eq_ignore_ascii_case("ws")))
}

/// Whether `ip` is inside one of the transport's `local_net` entries
/// (`a.b.c.d`, `a.b.c.d/bits` or `a.b.c.d/m.a.s.k`; IPv4 only). With no
/// local_net at all nothing is local (`process_nat` skips the check).
pub fn in_local_net(ip: &str, nets: &[String]) -> bool {
    fn v4(s: &str) -> Option<u32> {
        s.trim().parse::<std::net::Ipv4Addr>().ok().map(u32::from)
    }
    let Some(addr) = v4(ip) else {
        return false;
    };
    nets.iter().any(|n| {
        let (net, mask) = match n.split_once('/') {
            Some((net, m)) => {
                let mask = match m.trim().parse::<u32>() {
                    Ok(0) => 0,
                    Ok(b) if b <= 32 => u32::MAX << (32 - b),
                    Ok(_) => return false,
                    Err(_) => match v4(m) {
                        Some(m) => m,
                        None => return false,
                    },
                };
                (net, mask)
            }
            None => (n.as_str(), u32::MAX),
        };
        v4(net).is_some_and(|net| addr & mask == net & mask)
    })
}

/// The Request-URI for OPTIONS to a stored contact: x-ast-orig-host is stripped
/// from outgoing Request-URIs (16.11+).
pub fn options_request_uri(stored: &Uri) -> Uri {
    let mut u = stored.clone();
    u.remove_param(ORIG_HOST);
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use aorlab_sip::UriContext;

    fn rw(contact: &str, src: &str, p: Protocol, prof: Profile) -> String {
        let mut u = Uri::parse(contact).unwrap();
        rewrite_contact(&mut u, &Addr::parse(src).unwrap(), p, prof);
        u.print(UriContext::Contact)
    }

    #[test]
    fn rewrite_rules() {
        assert_eq!(
            rw(
                "sip:alice@127.100.0.2:5060",
                "127.0.0.2:40201",
                Protocol::Udp,
                Profile::default()
            ),
            "sip:alice@127.0.0.2:40201;x-ast-orig-host=127.100.0.2:5060"
        );
        // only the port differs: no saved host
        assert_eq!(
            rw(
                "sip:a@1.2.3.4:5060",
                "1.2.3.4:4000",
                Protocol::Udp,
                Profile::default()
            ),
            "sip:a@1.2.3.4:4000"
        );
        // absent port is saved as 0; TCP gets transport=TCP
        assert_eq!(
            rw(
                "sip:a@10.0.0.5;transport=tcp",
                "1.2.3.4:4000",
                Protocol::Tcp,
                Profile::default()
            ),
            "sip:a@1.2.3.4:4000;transport=TCP;x-ast-orig-host=10.0.0.5:0"
        );
        // UDP removes transport=udp
        assert_eq!(
            rw(
                "sip:a@1.2.3.4:5060;transport=udp",
                "1.2.3.4:4000",
                Protocol::Udp,
                Profile::default()
            ),
            "sip:a@1.2.3.4:4000"
        );
        // before 16.8 nothing is saved
        assert_eq!(
            rw(
                "sip:a@10.0.0.5:5060",
                "1.2.3.4:4000",
                Protocol::Udp,
                Profile::new(16, 7, 0)
            ),
            "sip:a@1.2.3.4:4000"
        );
    }

    #[test]
    fn restore_splits_at_the_first_colon_like_strtol() {
        let mut u = Uri::parse("sip:a@1.2.3.4:4000;x-ast-orig-host=10:20::1:5060").unwrap();
        restore_orig_host(&mut u);
        assert_eq!(u.print(UriContext::Contact), "sip:a@10:20");
        let mut u = Uri::parse("sip:a@1.2.3.4:4000;x-ast-orig-host=nocolon").unwrap();
        restore_orig_host(&mut u);
        assert_eq!(u.print(UriContext::Contact), "sip:a@1.2.3.4:4000");
    }

    #[test]
    fn restore_puts_the_original_back() {
        let mut u =
            Uri::parse("sip:a@1.2.3.4:4000;transport=TCP;x-ast-orig-host=10.0.0.5:5060").unwrap();
        restore_orig_host(&mut u);
        assert_eq!(
            u.print(UriContext::Contact),
            "sip:a@10.0.0.5:5060;transport=TCP"
        );
    }

    #[test]
    fn survival() {
        let src = Addr::parse("1.2.3.4:4000").unwrap();
        let u = Uri::parse("sip:a@1.2.3.4:4000;transport=TCP").unwrap();
        assert!(!will_survive_restart(&u, &src, Protocol::Tcp, true));
        assert!(will_survive_restart(&u, &src, Protocol::Tcp, false));
        assert!(will_survive_restart(&u, &src, Protocol::Udp, true));
        let ws = Uri::parse("sip:a@1.2.3.4:4000;transport=ws").unwrap();
        assert!(!will_survive_restart(&ws, &src, Protocol::Wss, false));
    }
}
