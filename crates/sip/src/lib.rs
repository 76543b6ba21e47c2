//! SIP text for aorlab: URIs, the headers a registrar reads, whole messages.
//!
//! Parsing follows pjproject's behaviour where it decides what Asterisk stores:
//! URI components are unescaped on parse and re-escaped on print, known URI
//! parameters (`user`, `transport`, `ttl`, `maddr`, `lr`, `method`) are pulled out
//! and printed in pjsip's fixed order, and comparison follows `pjsip_uri_cmp`.
//! No registrar knowledge lives here.

mod compare;
mod error;
mod escape;
mod header;
mod message;
mod uri;

pub use compare::{uri_eq, UriMismatch};
pub use error::ParseError;
pub use header::{
    parse_contact_values, parse_via_values, pj_strtoul_u32, Contact, ContactValue, NameAddr, Param,
    Via,
};
pub use message::{Headers, Message, Request, Response, StartLine};
pub use uri::{Host, Scheme, Uri, UriContext};
