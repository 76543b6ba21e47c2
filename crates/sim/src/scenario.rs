//! The parsed scenario: what the world is made of and what happens when.

use aorlab_registrar::{Config, Profile, Protocol};
use serde::Serialize;

/// Time in the simulation: milliseconds since the scenario started.
pub type SimMs = u64;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nat {
    pub name: String,
    pub public_ip: String,
    /// Idle time after which a UDP mapping is forgotten (RFC 4787 REQ-5).
    pub udp_timeout_ms: SimMs,
    /// Idle time after which an established TCP mapping is forgotten (RFC 5382 REQ-5).
    pub tcp_timeout_ms: SimMs,
    /// Which packets restart a mapping's idle timer (RFC 4787 REQ-6).
    pub refresh: NatRefresh,
    /// Whether a mapping is reused for every destination (RFC 4787 REQ-1).
    pub mapping: NatBehaviour,
    /// Which outside senders may use a mapping (RFC 4787 REQ-8).
    pub filtering: NatBehaviour,
    /// First public port handed out (then +1, deterministic).
    pub first_port: u16,
    pub line: u32,
}

/// RFC 4787 REQ-6: outbound packets always refresh a mapping; inbound ones may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NatRefresh {
    Outbound,
    Both,
}

/// RFC 4787 §4.1 / §5: endpoint-independent, or address-dependent (per remote IP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NatBehaviour {
    EndpointIndependent,
    AddressDependent,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Refresh {
    /// Refresh this long before the granted expiry (Asterisk's own client: 10 s).
    Before { ms: SimMs },
    /// Refresh at this fraction of the granted expiry (e.g. 0.5).
    Fraction { f: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// Stop trying: the phone shows "registration failed" until someone acts.
    GiveUp,
    /// Try again after `after`, multiplied by `backoff` each time, capped at `max`.
    Retry {
        after_ms: SimMs,
        backoff: f64,
        max_ms: SimMs,
    },
    /// RFC 5626 §4.5: wait a random 50–100 % of min(max, base × 2^failures).
    Backoff { base_ms: SimMs, max_ms: SimMs },
}

/// RFC 5626 §4.5 defaults: base-time 30 s (every flow failed), max-time 1800 s.
pub const RFC5626_RETRY: Failure = Failure::Backoff {
    base_ms: 30_000,
    max_ms: 1_800_000,
};

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeepAlive {
    None,
    /// RFC 5626 §3.5.1 double-CRLF ping (also sent over UDP by many phones).
    Crlf {
        every_ms: SimMs,
    },
    /// RFC 5626 §3.5.2 STUN Binding request (UDP only): also learns the public address.
    Stun {
        every_ms: SimMs,
    },
    Options {
        every_ms: SimMs,
    },
}

impl KeepAlive {
    pub fn every_ms(self) -> Option<SimMs> {
        match self {
            KeepAlive::None => None,
            KeepAlive::Crlf { every_ms }
            | KeepAlive::Stun { every_ms }
            | KeepAlive::Options { every_ms } => Some(every_ms),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub name: String,
    /// The endpoint/AOR user it registers as (From/To user).
    pub user: String,
    pub protocol: Protocol,
    /// Its own (private) address.
    pub ip: String,
    pub port: u16,
    pub behind: Option<String>,
    pub expires: u32,
    pub refresh: Refresh,
    pub on_403: Failure,
    pub on_timeout: Failure,
    pub keepalive: KeepAlive,
    pub answers_options: bool,
    /// Extra Contact URI parameters, e.g. `;ob`.
    pub contact_params: String,
    /// Adds `;rinstance=<random>` that changes on every reboot.
    pub rinstance: bool,
    pub online: bool,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Register {
        devices: Vec<String>,
    },
    Unregister {
        devices: Vec<String>,
    },
    UnregisterAll {
        devices: Vec<String>,
    },
    Reboot {
        devices: Vec<String>,
    },
    Roam {
        device: String,
        ip: String,
        port: u16,
    },
    Offline {
        devices: Vec<String>,
    },
    Online {
        devices: Vec<String>,
    },
    Drop {
        devices: Vec<String>,
    },
    NatReboot {
        nat: String,
    },
    NatRebind {
        nat: String,
        device: String,
    },
    Restart {
        crash: bool,
        down_ms: SimMs,
    },
    Reload {
        conf: String,
        config: Box<Config>,
    },
    Dial {
        endpoint: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub at: SimMs,
    pub action: Action,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub title: String,
    pub lesson: String,
    pub profile: Profile,
    pub version_text: String,
    pub seed: u64,
    pub systemname: String,
    pub pjsip_conf: String,
    pub config: Config,
    pub nats: Vec<Nat>,
    pub devices: Vec<Device>,
    pub events: Vec<Event>,
    pub until: SimMs,
}

/// Limits, checked and reported by the parser.
pub const MAX_DEVICES: usize = 10_000;
pub const MAX_EVENTS: usize = 200_000;
pub const MAX_DURATION_MS: SimMs = 31 * 24 * 3600 * 1000;
