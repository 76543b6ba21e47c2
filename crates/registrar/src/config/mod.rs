//! pjsip.conf: the object model and a parser for real configuration text.

mod model;
pub mod options;
mod parse;

pub use model::{Aor, Config, Endpoint, Global, IdentifyBy, Protocol, Transport};
pub(crate) use parse::restrict_to_profile;
pub use parse::{parse_pjsip_conf, parse_pjsip_conf_for, ConfigDiagnostic, Severity};
