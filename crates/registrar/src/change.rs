//! What the registrar did, why, and how Asterisk logs it.

use crate::log::LogText;
use crate::time::{log_timestamp, Millis};
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Refreshed,
    Removed,
    /// The REGISTER was refused (no binding changed).
    Rejected,
    /// A REGISTER asked to remove a binding that does not exist (nothing changed).
    Ignored,
}

/// The numbers behind a max_contacts decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Dynamic bindings the AOR held when the REGISTER arrived.
    pub existing: u32,
    pub added: u32,
    pub updated: u32,
    pub deleted: u32,
    /// The number compared with max_contacts.
    pub count: i64,
    pub max_contacts: u32,
    pub remove_existing: bool,
    /// For remove_existing evictions: the bindings this REGISTER left untouched
    /// (the count is untouched + added + updated).
    pub untouched: Option<u32>,
}

/// A read of an AOR's contacts (`location.c`), which deletes its expired ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AorRead {
    /// REGISTER handling loads the AOR before deciding.
    Register,
    /// `PJSIP_DIAL_CONTACTS`.
    DialContacts,
    /// `Dial(PJSIP/endpoint)` picks the first contact.
    Dial,
    /// `pjsip show aor` (and `pjsip show contacts` for AORs with static contacts).
    Cli,
}

/// Why a change happened, mirroring Asterisk's reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Why {
    /// The REGISTER asked for it (add, refresh, Expires 0, `*`).
    Request,
    /// Evicted to make room (`remove_existing`).
    RemoveExisting { count: Count },
    /// 13.17 and older: remove_existing removed every binding the REGISTER did
    /// not touch, whatever max_contacts was.
    RemoveExistingAll,
    /// Evicted because Unreachable (`remove_unavailable`).
    RemoveUnavailable { count: Count },
    /// The expiry sweep found it expired.
    Expiration,
    /// Expired, and deleted without a log line when `read` loaded the AOR
    /// before the sweep came (`expired_at`: the stored expiry).
    ExpiredOnRead { read: AorRead, expired_at: Millis },
    /// Its TCP/TLS/WS connection closed.
    Shutdown,
    /// Pruned when Asterisk started (connection-bound binding).
    SystemBoot,
    /// Storing the refresh failed.
    RegistrationFailure,
    /// Too many bindings: 403.
    MaxContactsExceeded { count: Count, source: String },
    /// The endpoint has no `aors`: 403.
    NoAors,
    /// No AOR matched the To URI: 404.
    AorNotFound { aor: String, source: String },
    /// The AOR has max_contacts = 0: 403.
    MaxContactsZero { source: String },
    /// Contact validation failed: 400.
    InvalidContacts { detail: String },
    /// A non-SIP URI: 416.
    UnsupportedUriScheme { detail: String },
    /// No endpoint matched the sender: 401 challenge.
    UnknownEndpoint { user: String },
    /// Path without `Supported: path`: 420.
    PathNotSupported,
    /// The request could not be parsed: 400.
    Malformed { detail: String },
}

/// One registrar change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub at: Millis,
    pub kind: ChangeKind,
    /// Names and URI are shared with the registrar's own copies (a refresh
    /// makes a change on every REGISTER; copying three strings was most of it).
    pub aor: Arc<str>,
    pub endpoint: Arc<str>,
    /// The stored URI (or the URI the request named).
    pub uri: Arc<str>,
    /// Granted seconds for Added/Refreshed.
    pub expires: Option<u32>,
    pub why: Why,
    /// Asterisk's own log line (level, file and text; timestamp added by `log_line`).
    pub log: Option<LogText>,
}

impl Change {
    /// The full log line as Asterisk prints it, `[timestamp] LEVEL[thread] file: text`.
    pub fn log_line(&self) -> Option<String> {
        self.log
            .as_ref()
            .map(|l| format!("[{}] {l}", log_timestamp(self.at)))
    }

    /// A plain sentence for people learning what happened.
    pub fn explain(&self) -> String {
        let uri = &self.uri;
        let aor = &self.aor;
        match (&self.kind, &self.why) {
            (ChangeKind::Added, _) => format!(
                "New binding {uri} stored for AOR '{aor}' for {} s: no existing binding has the same URI.",
                self.expires.unwrap_or(0)
            ),
            (ChangeKind::Refreshed, _) => format!(
                "Binding {uri} of AOR '{aor}' refreshed for {} s: the REGISTER's Contact matches it.",
                self.expires.unwrap_or(0)
            ),
            (ChangeKind::Ignored, _) => format!(
                "The REGISTER asked to remove {uri}, but AOR '{aor}' holds no such binding; nothing changed."
            ),
            (ChangeKind::Removed, Why::Request) => {
                format!("Binding {uri} removed from AOR '{aor}' because the phone unregistered it (expires 0).")
            }
            (ChangeKind::Removed, Why::RemoveExisting { count }) => format!(
                "Binding {uri} evicted from AOR '{aor}' to make room: {} would exceed max_contacts {}, and remove_existing=yes removes the binding that expires soonest.",
                count_text(count), count.max_contacts
            ),
            (ChangeKind::Removed, Why::RemoveUnavailable { count }) => format!(
                "Binding {uri} evicted from AOR '{aor}' because it is Unreachable (qualify failed) and {} would exceed max_contacts {}; remove_unavailable=yes removes unreachable bindings first.",
                count_text(count), count.max_contacts
            ),
            (ChangeKind::Removed, Why::RemoveExistingAll) => format!(
                "Binding {uri} removed from AOR '{aor}': in this release remove_existing=yes removes every binding the REGISTER did not refresh, whatever max_contacts is."
            ),
            (ChangeKind::Removed, Why::Expiration) => format!(
                "Binding {uri} of AOR '{aor}' expired: it was not refreshed in time, and the expiry sweep deleted it."
            ),
            (ChangeKind::Removed, Why::ExpiredOnRead { read, expired_at }) => format!(
                "Binding {uri} expired at {}; Asterisk deleted it, without a log line, when {} read the AOR (before the expiry sweep came).",
                clock_of_day(*expired_at),
                match read {
                    AorRead::Register => format!("the next REGISTER for {aor}"),
                    AorRead::DialContacts => format!("PJSIP_DIAL_CONTACTS for {aor}"),
                    AorRead::Dial => format!("a Dial to {aor}"),
                    AorRead::Cli => "the CLI".to_string(),
                }
            ),
            (ChangeKind::Removed, Why::Shutdown) => format!(
                "Binding {uri} removed from AOR '{aor}' because the TCP/TLS/WebSocket connection it was registered over closed."
            ),
            (ChangeKind::Removed, Why::SystemBoot) => format!(
                "Binding {uri} removed from AOR '{aor}' at start-up: it was tied to a connection that a restart necessarily closed."
            ),
            (ChangeKind::Removed, _) => format!("Binding {uri} removed from AOR '{aor}'."),
            (ChangeKind::Rejected, Why::MaxContactsExceeded { count, .. }) => format!(
                "403 Forbidden: {} > max_contacts {} and remove_existing={} — Asterisk refuses the whole REGISTER instead of replacing a binding.",
                count_text(count),
                count.max_contacts,
                if count.remove_existing { "yes" } else { "no" }
            ),
            (ChangeKind::Rejected, Why::NoAors) => {
                "403 Forbidden: the endpoint has no aors= setting, so it may not register.".to_string()
            }
            (ChangeKind::Rejected, Why::AorNotFound { .. }) => format!(
                "404 Not Found: the To user '{uri}' names no AOR in the endpoint's aors list."
            ),
            (ChangeKind::Rejected, Why::MaxContactsZero { .. }) => format!(
                "403 Forbidden: AOR '{aor}' has max_contacts = 0, which means registration is not allowed (not unlimited)."
            ),
            (ChangeKind::Rejected, Why::InvalidContacts { detail }) => {
                format!("400 Bad Request: {detail}. Nothing changed.")
            }
            (ChangeKind::Rejected, Why::UnsupportedUriScheme { detail }) => {
                format!("416 Unsupported URI Scheme: {detail}.")
            }
            (ChangeKind::Rejected, Why::UnknownEndpoint { user }) => format!(
                "401 Unauthorized: no endpoint is named '{user}', so Asterisk challenges the sender and never reaches the registrar."
            ),
            (ChangeKind::Rejected, Why::PathNotSupported) => {
                "420 Bad Extension: the REGISTER carries Path but does not say 'Supported: path'.".to_string()
            }
            (ChangeKind::Rejected, Why::Malformed { detail }) => format!("400 Bad Request: {detail}."),
            (ChangeKind::Rejected, _) => "The REGISTER was refused.".to_string(),
        }
    }
}

/// `4:10` / `1:04:10`: the time of day (the simulator's clock starts at midnight).
fn clock_of_day(at: Millis) -> String {
    let s = at / 1000 % 86_400;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn count_text(c: &Count) -> String {
    if let Some(u) = c.untouched {
        format!(
            "{u} binding(s) this REGISTER did not touch + {} new + {} refreshed = {}",
            c.added, c.updated, c.count
        )
    } else if c.remove_existing {
        format!(
            "this REGISTER's own {} binding(s) ({} new + {} refreshed − {} removed)",
            c.count, c.added, c.updated, c.deleted
        )
    } else {
        format!(
            "{} existing + {} new − {} removed = {}",
            c.existing, c.added, c.deleted, c.count
        )
    }
}

/// Log text helpers (level, file, thread-less text).
pub(crate) fn verbose(file: &str, text: String) -> Option<String> {
    Some(format!("VERBOSE {file}: {text}"))
}
pub(crate) fn warning(file: &str, text: String) -> Option<String> {
    Some(format!("WARNING {file}: {text}"))
}
pub(crate) fn error(file: &str, text: String) -> Option<String> {
    Some(format!("ERROR {file}: {text}"))
}
