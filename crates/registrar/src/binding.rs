//! A stored binding (`struct ast_sip_contact`) and its identity.

use crate::time::Millis;
use md5::{Digest, Md5};
use serde::Serialize;

/// Qualify status of a binding (`enum ast_sip_contact_status_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    /// CREATED: never qualified, or qualify disabled.
    NonQualified,
    /// AVAILABLE: the last OPTIONS got a final response.
    Reachable,
    /// UNAVAILABLE: the last OPTIONS timed out or failed.
    Unreachable,
}

impl Status {
    /// The label `pjsip show contacts` prints (16+).
    pub fn cli_label(self) -> &'static str {
        match self {
            Status::NonQualified => "NonQual",
            Status::Reachable => "Avail",
            Status::Unreachable => "Unavail",
        }
    }
    /// The longer label of AMI/the endpoint state.
    pub fn label(self) -> &'static str {
        match self {
            Status::NonQualified => "NonQualified",
            Status::Reachable => "Reachable",
            Status::Unreachable => "Unreachable",
        }
    }
}

/// Connection id of a TCP/TLS/WS connection (chosen by the caller).
pub type ConnId = u64;

/// One stored contact, as it sits in astdb (`registrar/contact/<id>`).
///
/// Laid out in order: what a refresh reads and writes (the expiration, the
/// qualify settings, the Path and User-Agent it compares) is one cache line, the
/// first of the binding in its store row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[repr(C)]
pub struct Binding {
    /// Stored expiration, whole Unix seconds (`expiration_struct2str`).
    pub expiration: u64,
    pub qualify_frequency: u32,
    pub authenticate_qualify: bool,
    pub prune_on_boot: bool,
    pub via_port: u16,
    pub path: String,
    pub user_agent: String,
    pub reg_server: String,
    pub id: String,
    pub aor: String,
    pub uri: String,
    pub via_addr: String,
    pub call_id: String,
    pub endpoint: String,
    pub qualify_timeout: f64,
    pub outbound_proxy: String,
    /// When the binding was created (simulation bookkeeping, not in astdb).
    pub created_at: Millis,
}

impl Binding {
    /// Seconds left, as `pjsip show contacts`/the 200 OK compute them from storage.
    pub fn expires_in_ms(&self, now: Millis) -> i64 {
        (self.expiration as i64) * 1000 - now as i64
    }
    /// Expired for a lookup: the remaining whole milliseconds are not positive.
    pub fn is_expired(&self, now: Millis) -> bool {
        self.expires_in_ms(now) <= 0
    }
}

/// md5 of the stored URI, lower-case hex (the contact id suffix).
pub fn uri_md5(uri: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Md5::digest(uri.as_bytes());
    let mut s = String::with_capacity(32);
    for b in digest {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// `<aor>;@<md5>` for dynamic bindings.
pub fn dynamic_id(aor: &str, uri: &str) -> String {
    format!("{aor};@{}", uri_md5(uri))
}

/// `<aor>@@<md5>` for static (`contact=`) entries.
pub fn static_id(aor: &str, uri: &str) -> String {
    format!("{aor}@@{}", uri_md5(uri))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_asterisk() {
        // From a recording of Asterisk 22.11.
        assert_eq!(
            dynamic_id("alice", "sip:alice@127.100.0.2:5060"),
            "alice;@8548f4fda96d6690af5a9f866ff8fcb2"
        );
        // ';' sorts before '@': dynamic bindings come before static ones.
        assert!(dynamic_id("a", "sip:x@h") < static_id("a", "sip:x@h"));
    }
}
