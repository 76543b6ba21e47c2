//! The trace a run produces, and what is derived from it for people.

use crate::duration::clock;
use crate::scenario::SimMs;
pub use crate::state_log::{
    Checkpoint, DialEntry, EndpointsAt, Row, RowChange, StateIndex, StateLog, StateWindow,
};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SipText {
    pub from: String,
    pub to: String,
    pub first_line: String,
    pub text: String,
    /// The request's method, or the answered request's (CSeq) for a response.
    pub method: String,
    /// A response's status code (`None` for a request).
    pub code: Option<u16>,
    /// A request's Expires header (seconds), `None` when it has none, and for responses.
    pub expires: Option<u32>,
}

impl SipText {
    /// The Expires header of a message's text, read by the SIP parser (`None` when it has
    /// none, or a value that is not a number).
    pub fn expires_header(text: &str) -> Option<u32> {
        aorlab_sip::Message::parse(text)
            .ok()?
            .headers
            .expires()?
            .ok()
    }
}

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A SIP message between a phone and Asterisk.
    Sip,
    /// The registrar changed (or refused to change) a binding.
    Change,
    /// A phone did something (registered, retries, gave up, reboots, moves …).
    Device,
    Nat,
    Connection,
    /// Asterisk restarts, boots or reloads.
    Asterisk,
    /// A phone became reachable, stale, unregistered …
    Reachability,
    /// PJSIP_DIAL_CONTACTS was read.
    Dial,
    /// Asterisk's OPTIONS to a contact, or a contact's status moving.
    Qualify,
}

/// What a registrar change did to a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BindingChange {
    Added,
    Refreshed,
    Removed,
    Rejected,
    Ignored,
}

/// How a binding's life ended (or `Present`: it still exists at the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum EndedBy {
    /// The sweep (or its own timer) deleted it after its grant ran out.
    #[serde(rename = "expired")]
    Expired,
    /// It had expired; the first read of its AOR deleted it.
    #[serde(rename = "deleted on read")]
    DeletedOnRead,
    #[serde(rename = "remove existing")]
    RemoveExisting,
    #[serde(rename = "remove unavailable")]
    RemoveUnavailable,
    /// Its connection closed (the monitor removed it).
    #[serde(rename = "connection closed")]
    ConnectionClosed,
    #[serde(rename = "pruned at boot")]
    PrunedAtBoot,
    /// The phone asked (Expires 0 or Contact: *).
    #[serde(rename = "request")]
    Request,
    #[serde(rename = "registration failure")]
    RegistrationFailure,
    /// Still stored when the run ended.
    #[serde(rename = "present")]
    Present,
}

impl EndedBy {
    /// The words the JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            EndedBy::Expired => "expired",
            EndedBy::DeletedOnRead => "deleted on read",
            EndedBy::RemoveExisting => "remove existing",
            EndedBy::RemoveUnavailable => "remove unavailable",
            EndedBy::ConnectionClosed => "connection closed",
            EndedBy::PrunedAtBoot => "pruned at boot",
            EndedBy::Request => "request",
            EndedBy::RegistrationFailure => "registration failure",
            EndedBy::Present => "present",
        }
    }
}

impl std::fmt::Display for EndedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One binding `PJSIP_DIAL_CONTACTS(endpoint)` dials (from the registrar's view:
/// not Unreachable, in Asterisk's retrieval order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DialTarget {
    pub endpoint: String,
    pub aor: String,
    pub uri: String,
    /// The device a call to it reaches now, if any.
    pub reaches: Option<String>,
}

/// One timestamped thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Record {
    pub at_ms: SimMs,
    pub kind: RecordKind,
    pub actor: String,
    pub summary: String,
    /// Asterisk's own log line, when there is one.
    pub log: Option<String>,
    /// A plain explanation.
    pub why: Option<String>,
    pub sip: Option<SipText>,
    pub change: Option<BindingChange>,
    pub aor: Option<String>,
    /// Devices this record concerns.
    pub devices: Vec<String>,
    /// For NAT records: what happened to which mapping.
    pub nat: Option<NatEvent>,
    /// The binding's stored URI (change and qualify records).
    pub uri: Option<String>,
    /// A refusal's status code (rejected changes), or a SIP response's.
    pub code: Option<u16>,
    /// What a phone's own record means for its registration (the summary counts these).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub phone: Option<PhoneEvent>,
}

impl Record {
    /// A record with only its time, kind, actor and summary set.
    pub fn new(at_ms: SimMs, kind: RecordKind, actor: &str, summary: String) -> Record {
        Record {
            at_ms,
            kind,
            actor: actor.to_string(),
            summary,
            log: None,
            why: None,
            sip: None,
            change: None,
            aor: None,
            devices: Vec::new(),
            nat: None,
            uri: None,
            code: None,
            phone: None,
        }
    }
}

/// A phone's turn that the per-phone summary is built from, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PhoneEvent {
    /// Its REGISTER failed: a final error response (`code`) or no answer (`None`, Timer F);
    /// `gave_up` when its policy is to stop trying.
    Failed { code: Option<u16>, gave_up: bool },
    /// It starts trying again after a reboot or coming back online.
    Resumed,
}

/// Something a NAT box did, with the numbers (the page reads these, not the summary).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NatEvent {
    /// A packet from inside made a new mapping.
    Mapped {
        device: String,
        private: String,
        public_port: u16,
        protocol: String,
    },
    /// An idle mapping timed out (RFC 4787 REQ-5, RFC 5382 REQ-5).
    Forgot {
        device: String,
        private: String,
        public_port: u16,
        protocol: String,
        idle_ms: SimMs,
    },
    /// Every mapping gone at once.
    Reboot,
    /// The same inside address got a new public port.
    Rebind {
        device: String,
        old_port: Option<u16>,
        new_port: u16,
    },
}

/// Why a phone stopped being reachable or registered: the first cause, typed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// The NAT forgot the mapping Asterisk's binding points at.
    MappingForgotten {
        nat: String,
        private: String,
        public_port: u16,
        protocol: String,
        idle_ms: SimMs,
    },
    NatReboot {
        nat: String,
    },
    NatRebind {
        nat: String,
        new_port: u16,
    },
    /// The connection the binding uses closed (why: dropped, Asterisk stopped, …).
    ConnectionClosed {
        why: String,
    },
    /// The phone moved to a new address.
    Moved {
        address: String,
    },
    /// Asterisk refused the REGISTER (e.g. 403, max_contacts).
    Rejected {
        code: u16,
        reason: String,
    },
    /// No final answer before Timer F (RFC 3261 §17.1.2.2).
    NoAnswer,
    /// Asterisk removed the phone's binding (remove existing, expired, …).
    BindingRemoved {
        reason: String,
    },
    /// Nothing recorded explains it.
    Unknown,
}

impl Cause {
    /// The cause in a few words, for people.
    pub fn text(&self) -> String {
        match self {
            Cause::MappingForgotten {
                nat,
                private,
                public_port,
                protocol,
                idle_ms,
            } => format!(
                "{nat} forgot the idle {} mapping {private} → :{public_port} after {} s idle",
                protocol.to_uppercase(),
                idle_ms / 1000
            ),
            Cause::NatReboot { nat } => format!("{nat} rebooted and forgot every mapping"),
            Cause::NatRebind { nat, new_port } => {
                format!("{nat} rebound the phone to a new public port {new_port}")
            }
            Cause::ConnectionClosed { why } => format!("its connection closed ({why})"),
            Cause::Moved { address } => format!("the phone moved to {address}"),
            Cause::Rejected { code, reason } => format!("REGISTER rejected, {code} {reason}"),
            Cause::NoAnswer => "no answer to REGISTER within 32 s (Timer F)".into(),
            Cause::BindingRemoved { reason } => format!("binding removed ({reason})"),
            Cause::Unknown => "no binding leads to the phone".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactRow {
    pub aor: String,
    pub uri: String,
    pub expires_in_s: i64,
    /// When it expires (sim ms): whole-second `expires_in_s` alone would hide a binding up to a
    /// second early, or keep it a second late, between snapshots.
    pub expires_at_ms: SimMs,
    pub status: String,
    /// The device this binding reaches now, if any.
    pub reaches: Option<String>,
}

/// The state at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct State {
    pub at_ms: SimMs,
    pub contacts: Vec<ContactRow>,
    pub show_contacts: String,
    /// PJSIP_DIAL_CONTACTS(endpoint) per endpoint.
    pub dial: Vec<(String, String)>,
    /// What each endpoint's PJSIP_DIAL_CONTACTS dials, one binding a row.
    pub dial_targets: Vec<DialTarget>,
}

/// A binding from added to removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BindingLife {
    pub aor: String,
    pub uri: String,
    /// The port in `uri` when it names one (the page labels lanes "desk :48908" with it).
    pub port: Option<u16>,
    pub device: Option<String>,
    pub added_ms: SimMs,
    /// `None` while it still exists at the end.
    pub removed_ms: Option<SimMs>,
    pub ended_by: EndedBy,
    /// The plain explanation of the end (the removing Change's), if it ended.
    pub end_why: Option<String>,
    /// When its last grant runs out (sim ms): after this it no longer counts,
    /// although it stays stored until the sweep or a read deletes it.
    pub expires_ms: SimMs,
    /// For "deleted on read": when it expired (it was deleted at `removed_ms`,
    /// by the first read of its AOR after that).
    pub expired_ms: Option<SimMs>,
    pub refreshes: u32,
}

/// What a phone's registration looks like at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Asterisk holds a binding that leads to the phone.
    Reachable,
    /// Registered (Asterisk holds its binding) but the binding leads nowhere.
    Stale,
    /// Not registered: refused, no answer, or the binding is gone; still trying.
    Unregistered,
    /// Not registered and stopped trying.
    GaveUp,
    /// First REGISTER on its way.
    Registering,
    /// Not asked to register (before `register`, after `unregister`).
    Idle,
    Offline,
}

impl Reach {
    /// Counts against the phone (an incident).
    pub fn is_trouble(self) -> bool {
        matches!(self, Reach::Stale | Reach::Unregistered | Reach::GaveUp)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Span {
    pub device: String,
    pub from_ms: SimMs,
    pub to_ms: SimMs,
    pub state: Reach,
    /// For trouble: what caused it, as it stood when the span began.
    pub cause: Option<Cause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountPoint {
    pub at_ms: SimMs,
    pub aor: String,
    pub bindings: u32,
    pub max_contacts: u32,
}

/// What kind of routine exchange a count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    /// Asterisk's OPTIONS answered 200 by the phone that answered the last one.
    Qualify,
    /// A registered phone's REGISTER refreshing its binding, 200 OK received.
    Refresh,
}

/// Routine exchanges of one phone that were counted, not written as records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutineCount {
    pub device: String,
    pub kind: RoutineKind,
    pub count: u64,
    pub first_ms: SimMs,
    pub last_ms: SimMs,
}

/// On sites with more than `above_devices` devices (`counted`), routine exchanges
/// are counted per phone instead of written out; the first of each kind per phone
/// (and per contact) and every one that differs are still written in full.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutineSummary {
    pub counted: bool,
    pub above_devices: u32,
    pub exchanges: Vec<RoutineCount>,
}

/// A stretch where a phone that wanted to be reachable was not: one state, one cause.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Incident {
    pub device: String,
    pub start_ms: SimMs,
    /// `None`: still lost at the end.
    pub end_ms: Option<SimMs>,
    /// stale (registered but unreachable), unregistered or gave_up.
    pub state: Reach,
    pub cause: Cause,
    /// A forgotten mapping that qualify would have kept open, had Asterisk not been down: the
    /// first cause is then the restart, not the NAT.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub qualify_silenced: Option<QualifySilenced>,
    /// "from 1:00 to 4:49 (3m 49s) unreachable: home forgot …"
    pub text: String,
}

/// Asterisk restarted (or crashed) within the idle time after which a NAT forgot a phone's
/// mapping, and the phone's AOR qualifies more often than that idle time: the OPTIONS that kept
/// the mapping open stopped while Asterisk was down and start again only up to one interval
/// after it is up (res_pjsip/pjsip_options.c, `sip_options_determine_initial_qualify_time`: the
/// first qualify at a random point of `qualify_frequency`, or of `max_initial_qualify_time`
/// when that is shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QualifySilenced {
    /// When Asterisk went down.
    pub restart_at_ms: SimMs,
    /// The AOR's qualify_frequency.
    pub qualify_s: u64,
}

impl Incident {
    /// The first cause in a few words: the restart before the NAT when it silenced qualify.
    pub fn cause_text(&self) -> String {
        match self.qualify_silenced {
            Some(q) => format!(
                "Asterisk restarted at {} and qualify (every {} s) stopped, so {}",
                clock(q.restart_at_ms),
                q.qualify_s,
                self.cause.text()
            ),
            None => self.cause.text(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceSummary {
    pub device: String,
    pub reachable_ms: SimMs,
    /// From its first REGISTER to the end.
    pub wanted_ms: SimMs,
    /// Registered, but the binding led nowhere.
    pub unreachable_ms: SimMs,
    /// Not registered (refused, no answer, binding gone, gave up).
    pub unregistered_ms: SimMs,
    pub rejections_403: u32,
    pub gave_up: bool,
    pub incidents: Vec<Incident>,
    /// One line with the totals, e.g. "desk: unreachable 3m 49s, not registered 25m 11s, 1 × 403, gave up".
    pub line: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    pub title: String,
    pub lesson: String,
    pub version: String,
    pub end_ms: SimMs,
    /// Absolute Unix ms of simulated time 0 (for Date headers and log times).
    pub epoch_ms: u64,
    pub records: Vec<Record>,
    pub final_state: State,
    /// Contact rows over time (checkpoints and changes): `state_at` reads it.
    pub state_log: StateLog,
    pub bindings: Vec<BindingLife>,
    pub reachability: Vec<Span>,
    pub counts: Vec<CountPoint>,
    /// Routine exchanges counted instead of written (large sites only).
    pub routine: RoutineSummary,
    /// Worst first (most time unreachable or unregistered).
    pub devices: Vec<DeviceSummary>,
    /// One line per phone, worst first (the `line` of each device).
    pub summary: Vec<String>,
    pub warnings: Vec<crate::Diagnostic>,
}

impl Trace {
    /// The state at time `t`: the last checkpoint at or before it, the row changes
    /// since, rows expired by `t` hidden (to the millisecond, as Asterisk's retrieval
    /// compares) and the rest showing the whole seconds left, as `pjsip show contacts`
    /// does. Cost: one checkpoint plus at most one interval of changes.
    pub fn state_at(&self, t: SimMs) -> State {
        self.state_log.state_at(t)
    }
}
