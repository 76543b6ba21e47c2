//! A sans-IO model of Asterisk's PJSIP registrar (`res_pjsip_registrar` and the
//! parts of `res_pjsip_nat`, the transport monitor, the expiry sweep and qualify
//! that decide a binding's life). No clock, no sockets: every input has `now`.

mod binding;
mod change;
pub mod config;
mod log;
mod names;
mod nat;
mod profile;
mod received;
mod register;
mod registrar;
mod response;
mod store;
mod time;
mod views;

pub use binding::{dynamic_id, static_id, uri_md5, Binding, ConnId, Status};
pub use change::{AorRead, Change, ChangeKind, Count, Why};
pub use config::{parse_pjsip_conf, parse_pjsip_conf_for, Config, ConfigDiagnostic, Protocol};
pub use log::{LogLine, LogText};
pub use nat::Addr;
pub use profile::{Behaviour, Milestone, Profile, Since, BRANCHES, TABLE};
pub use received::Received;
pub use register::{expiration_for, find_aor_name, MAX_HOSTNAME, MAX_URL_SIZE};
pub use registrar::{
    AorNumber, Outcome, QualifyRequest, QualifyResult, Registrar, RowHint, StatusMove,
};
pub use response::{reason_phrase, Response, ResponseContact};
pub use time::{http_date, log_timestamp, stored_seconds, Millis};
pub use views::{show_contacts_table, ContactRow, DialError};
