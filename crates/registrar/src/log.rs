//! Asterisk's log lines as values: the data of a line is kept, its text is
//! printed the first time a reader asks (a decision that nobody reads the log
//! of does not format it). The text is byte-for-byte what Asterisk logs.

use crate::time::{log_timestamp, Millis};
use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// One log line without its timestamp: `LEVEL file: text`.
#[derive(Clone, PartialEq)]
pub struct LogText(Body);

#[derive(Clone, PartialEq)]
enum Body {
    /// Printed when logged (the lines of the rarer paths).
    Printed(String),
    /// `res_pjsip_registrar.c`'s line for a binding added or refreshed.
    Contact {
        refreshed: bool,
        uri: Arc<str>,
        /// The AOR's name (shared with the change, whose line is already read).
        aor: Arc<str>,
        expires: u32,
    },
}

impl LogText {
    pub(crate) fn printed(text: String) -> LogText {
        LogText(Body::Printed(text))
    }
    /// `Added contact '…' to AOR '…' with expiration of N seconds` (VERBOSE).
    pub(crate) fn added(uri: Arc<str>, aor: &Arc<str>, expires: u32) -> LogText {
        LogText(Body::Contact {
            refreshed: false,
            uri,
            aor: aor.clone(),
            expires,
        })
    }
    /// `Refreshed contact '…' on AOR '…' with new expiration of N seconds` (DEBUG).
    pub(crate) fn refreshed(uri: Arc<str>, aor: &Arc<str>, expires: u32) -> LogText {
        LogText(Body::Contact {
            refreshed: true,
            uri,
            aor: aor.clone(),
            expires,
        })
    }
}

impl fmt::Display for LogText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Body::Printed(t) => f.write_str(t),
            Body::Contact {
                refreshed: false,
                uri,
                aor,
                expires,
            } => write!(
                f,
                "VERBOSE res_pjsip_registrar.c: Added contact '{uri}' to AOR '{aor}' with expiration of {expires} seconds"
            ),
            Body::Contact {
                refreshed: true,
                uri,
                aor,
                expires,
            } => write!(
                f,
                "DEBUG res_pjsip_registrar.c: Refreshed contact '{uri}' on AOR '{aor}' with new expiration of {expires} seconds"
            ),
        }
    }
}

impl fmt::Debug for LogText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl Serialize for LogText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq<&str> for LogText {
    fn eq(&self, other: &&str) -> bool {
        // Printed only to compare (tests, readers); a decision never does.
        let printed: String = self.to_string();
        printed.as_str() == *other
    }
}

/// A whole log line, `[timestamp] LEVEL file: text`, read as a `&str` (printed
/// on first read, then kept).
#[derive(Clone)]
pub struct LogLine {
    at: Millis,
    text: LogText,
    printed: OnceLock<String>,
}

impl LogLine {
    pub(crate) fn new(at: Millis, text: LogText) -> LogLine {
        LogLine {
            at,
            text,
            printed: OnceLock::new(),
        }
    }
    /// When it was logged.
    pub fn at(&self) -> Millis {
        self.at
    }
    /// The line without its timestamp.
    pub fn text(&self) -> &LogText {
        &self.text
    }
    pub fn as_str(&self) -> &str {
        self.printed
            .get_or_init(|| format!("[{}] {}", log_timestamp(self.at), self.text))
    }
}

impl Deref for LogLine {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for LogLine {
    fn eq(&self, other: &LogLine) -> bool {
        self.at == other.at && self.text == other.text
    }
}

impl PartialEq<str> for LogLine {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for LogLine {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for LogLine {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl From<LogLine> for String {
    fn from(l: LogLine) -> String {
        match l.printed.into_inner() {
            Some(s) => s,
            None => format!("[{}] {}", log_timestamp(l.at), l.text),
        }
    }
}

impl Serialize for LogLine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_print_as_asterisk_logs_them() {
        let aor: Arc<str> = "alice".into();
        let at = 1_795_730_052_529; // 2026-11-26 21:54:12.529 UTC
        let added = LogLine::new(at, LogText::added("sip:a@10.0.0.1:5060".into(), &aor, 600));
        assert_eq!(
            added,
            "[2026-11-26 21:54:12.529] VERBOSE res_pjsip_registrar.c: Added contact 'sip:a@10.0.0.1:5060' to AOR 'alice' with expiration of 600 seconds"
        );
        let refreshed = LogText::refreshed("sip:a@10.0.0.1:5060".into(), &aor, 60);
        assert_eq!(
            refreshed,
            "DEBUG res_pjsip_registrar.c: Refreshed contact 'sip:a@10.0.0.1:5060' on AOR 'alice' with new expiration of 60 seconds"
        );
        let printed = LogLine::new(at, LogText::printed("WARNING x.c: y".into()));
        assert_eq!(String::from(printed.clone()), printed.as_str());
        assert!(printed.ends_with("] WARNING x.c: y"));
    }
}
