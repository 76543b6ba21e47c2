//! pjsip.conf: the object model and a parser for real configuration text.

mod model;
pub mod options;
mod parse;

pub use model::{Aor, Config, Endpoint, Global, IdentifyBy, Protocol, Transport};
pub use parse::{parse_pjsip_conf, ConfigDiagnostic, Severity};
