//! The pjsip.conf objects the registrar reads, with Asterisk's defaults.

use serde::Serialize;
use std::collections::BTreeMap;

/// `[aor]` — `location.c`, `ast_sip_initialize_sorcery_location`.
///
/// Laid out in order from a cache line's start: what every REGISTER reads (the
/// limits, the expirations, the static contacts) is the first line. At 10,000
/// AORs each AOR is cold when its phone refreshes, so each line is a miss.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[repr(C, align(64))]
pub struct Aor {
    /// 0 means "registration not allowed", not "unlimited".
    pub max_contacts: u32,
    pub minimum_expiration: u32,
    pub maximum_expiration: u32,
    pub default_expiration: u32,
    pub qualify_frequency: u32,
    pub remove_existing: bool,
    pub remove_unavailable: bool,
    pub authenticate_qualify: bool,
    pub support_path: bool,
    /// Static contacts (`contact=`), in configuration order.
    pub contacts: Vec<String>,
    pub name: String,
    /// Seconds; 0 = no own timeout.
    pub qualify_timeout: f64,
    pub qualify_2xx_only: bool,
    pub outbound_proxy: String,
    pub mailboxes: String,
    pub voicemail_extension: String,
    /// Line of the `[name]` header that defined it (for messages).
    pub line: u32,
    /// Options written for this object (after templates), with their line and
    /// column: an option a version does not know makes that version refuse the AOR.
    pub written: Vec<(String, u32, u32)>,
}

impl Aor {
    pub fn new(name: &str) -> Aor {
        Aor {
            name: name.to_string(),
            max_contacts: 0,
            remove_existing: false,
            remove_unavailable: false,
            minimum_expiration: 60,
            maximum_expiration: 7200,
            default_expiration: 3600,
            qualify_frequency: 0,
            qualify_timeout: 3.0,
            qualify_2xx_only: false,
            authenticate_qualify: false,
            outbound_proxy: String::new(),
            support_path: false,
            contacts: Vec::new(),
            mailboxes: String::new(),
            voicemail_extension: String::new(),
            line: 0,
            written: Vec::new(),
        }
    }
}

/// How an endpoint may be identified (`identify_by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifyBy {
    Username,
    AuthUsername,
    Ip,
    Header,
    RequestUri,
}

/// `[endpoint]` — only the options that touch registration are modelled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    pub name: String,
    pub aors: Vec<String>,
    pub rewrite_contact: bool,
    pub force_rport: bool,
    pub rtp_symmetric: bool,
    pub identify_by: Vec<IdentifyBy>,
    pub auth: String,
    pub transport: String,
    pub outbound_proxy: String,
    pub context: String,
    pub line: u32,
}

impl Endpoint {
    pub fn new(name: &str) -> Endpoint {
        Endpoint {
            name: name.to_string(),
            aors: Vec::new(),
            rewrite_contact: false,
            force_rport: true,
            rtp_symmetric: false,
            identify_by: vec![IdentifyBy::Username, IdentifyBy::Ip],
            auth: String::new(),
            transport: String::new(),
            outbound_proxy: String::new(),
            context: "default".to_string(),
            line: 0,
        }
    }
}

/// Transport protocol of a `[transport]` or of a received packet.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Protocol {
    /// Connection-oriented transports (bindings may be tied to the connection).
    pub fn is_reliable(self) -> bool {
        !matches!(self, Protocol::Udp)
    }
    /// pjsip's transport type name, as `rewrite_contact` writes it.
    pub fn pjsip_name(self) -> &'static str {
        match self {
            Protocol::Udp => "UDP",
            Protocol::Tcp => "TCP",
            Protocol::Tls => "TLS",
            Protocol::Ws => "WS",
            Protocol::Wss => "WSS",
        }
    }
    pub fn parse(s: &str) -> Option<Protocol> {
        Some(match s.to_ascii_lowercase().as_str() {
            "udp" => Protocol::Udp,
            "tcp" => Protocol::Tcp,
            "tls" => Protocol::Tls,
            "ws" => Protocol::Ws,
            "wss" => Protocol::Wss,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
            Protocol::Ws => "ws",
            Protocol::Wss => "wss",
        }
    }
}

/// `[transport]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transport {
    pub name: String,
    pub protocol: Protocol,
    pub bind: String,
    pub symmetric_transport: bool,
    pub external_signaling_address: String,
    /// 0 = keep the port.
    pub external_signaling_port: u32,
    pub local_net: Vec<String>,
    pub line: u32,
}

impl Transport {
    pub fn new(name: &str) -> Transport {
        Transport {
            name: name.to_string(),
            protocol: Protocol::Udp,
            bind: String::new(),
            symmetric_transport: false,
            external_signaling_address: String::new(),
            external_signaling_port: 0,
            local_net: Vec::new(),
            line: 0,
        }
    }
}

/// `[global]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Global {
    /// Seconds between expiry sweeps; 0 disables the sweep.
    pub contact_expiration_check_interval: u32,
    pub keep_alive_interval: u32,
    pub max_initial_qualify_time: u32,
    pub ignore_uri_user_options: bool,
    pub endpoint_identifier_order: Vec<String>,
    pub user_agent: String,
    /// Unidentified requests from one source IP before the notice is logged
    /// (only counted when `endpoint_identifier_order` has `auth_username`).
    pub unidentified_request_count: u32,
    /// Seconds in which those requests must arrive for the notice.
    pub unidentified_request_period: u32,
    /// Seconds between prunes of old per-IP counts.
    pub unidentified_request_prune_interval: u32,
}

impl Default for Global {
    fn default() -> Self {
        Global {
            contact_expiration_check_interval: 30,
            keep_alive_interval: 90,
            max_initial_qualify_time: 0,
            ignore_uri_user_options: false,
            endpoint_identifier_order: vec!["ip".into(), "username".into(), "anonymous".into()],
            user_agent: String::new(),
            unidentified_request_count: 5,
            unidentified_request_period: 5,
            unidentified_request_prune_interval: 30,
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Config {
    pub aors: BTreeMap<String, Aor>,
    pub endpoints: BTreeMap<String, Endpoint>,
    pub transports: BTreeMap<String, Transport>,
    /// `[domain_alias]` name → domain.
    pub domain_aliases: BTreeMap<String, String>,
    pub global: Global,
    /// Objects Asterisk refused to create (type, id): an unknown option or a bad
    /// value. On a reload Asterisk keeps the previous version of such an object.
    pub rejected: Vec<(String, String)>,
}
