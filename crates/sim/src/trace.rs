//! The trace a run produces, and what is derived from it for people.

use crate::scenario::SimMs;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SipText {
    pub from: String,
    pub to: String,
    pub first_line: String,
    pub text: String,
}

/// One timestamped thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub at_ms: SimMs,
    /// "sip", "change", "device", "nat", "connection", "asterisk", "reachability", "dial", "qualify"
    pub kind: String,
    pub actor: String,
    pub summary: String,
    /// Asterisk's own log line, when there is one.
    pub log: Option<String>,
    /// A plain explanation.
    pub why: Option<String>,
    pub sip: Option<SipText>,
    /// For changes: added, refreshed, removed, rejected, ignored.
    pub change: Option<String>,
    pub aor: Option<String>,
    /// Devices this record concerns.
    pub devices: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactRow {
    pub aor: String,
    pub uri: String,
    pub expires_in_s: i64,
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
}

/// A binding from added to removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BindingLife {
    pub aor: String,
    pub uri: String,
    pub device: Option<String>,
    pub added_ms: SimMs,
    /// `None` while it still exists at the end.
    pub removed_ms: Option<SimMs>,
    /// expired, deleted on read, remove existing, remove unavailable, connection
    /// closed, pruned at boot, request, or "present".
    pub ended_by: String,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Span {
    pub device: String,
    pub from_ms: SimMs,
    pub to_ms: SimMs,
    /// "reachable", "unreachable", "gave_up", "offline"
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountPoint {
    pub at_ms: SimMs,
    pub aor: String,
    pub bindings: u32,
    pub max_contacts: u32,
}

/// A stretch where a device that wanted to be registered was not reachable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub device: String,
    pub start_ms: SimMs,
    /// `None`: still lost at the end.
    pub end_ms: Option<SimMs>,
    pub cause: String,
    /// The binding still existed but led nowhere (stale NAT port or closed
    /// connection): "unreachable" rather than "lost its registration".
    pub stale: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceSummary {
    pub device: String,
    pub reachable_ms: SimMs,
    pub wanted_ms: SimMs,
    pub rejections_403: u32,
    pub gave_up: bool,
    pub incidents: Vec<Incident>,
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
    pub states: Vec<State>,
    pub bindings: Vec<BindingLife>,
    pub reachability: Vec<Span>,
    pub counts: Vec<CountPoint>,
    pub devices: Vec<DeviceSummary>,
    pub summary: Vec<String>,
    pub warnings: Vec<crate::Diagnostic>,
}

impl Trace {
    /// The state at time `t` (the last snapshot at or before it, expiries recomputed).
    pub fn state_at(&self, t: SimMs) -> State {
        let idx = self.states.partition_point(|s| s.at_ms <= t);
        let mut s = if idx == 0 {
            self.states
                .first()
                .cloned()
                .unwrap_or_else(|| self.final_state.clone())
        } else {
            self.states[idx - 1].clone()
        };
        let dt = (t.saturating_sub(s.at_ms) / 1000) as i64;
        for c in &mut s.contacts {
            c.expires_in_s -= dt;
        }
        s.contacts
            .retain(|c| c.expires_in_s > 0 || c.status == "static");
        s.at_ms = t;
        s
    }
}
