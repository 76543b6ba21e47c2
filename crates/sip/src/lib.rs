//! SIP text for aorlab: URIs, the headers a registrar reads, whole messages.
//!
//! Parsing follows pjproject's behaviour where it decides what Asterisk stores
//! (checked against `sip_parser.c` / `sip_uri.c`):
//!
//! * URI components are unescaped on parse (a malformed `%` escape is kept as
//!   written) and re-escaped on print with lower-case hex; '%' itself is never
//!   re-escaped, so a decoded `%41` prints as `%41` (RFC 4475 esc01 quirk).
//! * Known URI parameters (`user`, `method`, `transport`, `ttl`, `maddr`, `lr`) are
//!   pulled out only when they have a value (`lr` always) and printed in pjsip's
//!   fixed order; which ones appear depends on the [`UriContext`].
//! * Without angle brackets, a Contact/From/To URI ends after `host[:port]`; its
//!   `;params` belong to the header.
//! * LWS is tolerated where pjsip's scanner skips it (around `/ : ; = ,` in Via,
//!   inside `< … >`, between the parts of the start line); unquoted display
//!   names run up to '<'.
//! * A message whose Via, From, To, Contact, CSeq, Call-ID, Expires,
//!   Max-Forwards or Content-Length does not parse is rejected, as pjsip drops it;
//!   numbers are range-checked like `strtoi_validate` (CSeq < 2^31, ports,
//!   ttl, q); the body is cut to Content-Length.
//! * Comparison follows `pjsip_uri_cmp` in Contact context.
//!
//! Deliberate differences from pjsip: IPv6 references must be valid addresses
//! (RFC 5954; pjsip takes anything up to ']'), quoted URI parameter values are
//! refused, and text stays UTF-8 (non-UTF-8 escaped bytes become U+FFFD).
//! No registrar knowledge lives here.

mod compare;
mod error;
mod escape;
mod exercise;
mod header;
mod message;
mod param;
mod search;
mod uri;

pub use compare::{uri_eq, UriMismatch};
pub use error::ParseError;
pub use exercise::{exercise, exercise_fragment};
pub use header::{
    parse_contact_values, parse_via_values, pj_strtoul_u32, Contact, ContactValue, NameAddr, Via,
};
pub use message::{Checked, Headers, Message, Request, Response, StartLine};
pub use param::Param;
pub use search::find;
pub use uri::{Host, Scheme, Uri, UriContext};
