//! URI equality as pjproject's `pjsip_uri_cmp` decides it (RFC 3261 §19.1.4).
//! This is what decides whether a REGISTER refreshes an existing binding.

use crate::param::Param;
use crate::uri::{Scheme as S, Uri};

/// Why two URIs differ (the first rule that failed), for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriMismatch {
    Scheme,
    User,
    Password,
    Host,
    Port,
    TransportParam,
    TtlParam,
    UserParam,
    MethodParam,
    MaddrParam,
    OtherParam,
    Header,
}

impl UriMismatch {
    pub fn describe(self) -> &'static str {
        match self {
            UriMismatch::Scheme => "the scheme differs (sip vs sips)",
            UriMismatch::User => "the user part differs (compared case-sensitively)",
            UriMismatch::Password => "the password differs",
            UriMismatch::Host => "the host differs",
            UriMismatch::Port => "the port differs (an absent port is not 5060)",
            UriMismatch::TransportParam => "the transport parameter differs (absent is not udp)",
            UriMismatch::TtlParam => "the ttl parameter differs",
            UriMismatch::UserParam => "the user parameter differs",
            UriMismatch::MethodParam => "the method parameter differs",
            UriMismatch::MaddrParam => "the maddr parameter differs",
            UriMismatch::OtherParam => "a parameter present on both sides has different values",
            UriMismatch::Header => {
                "a URI header of the new Contact is missing or different in the stored one"
            }
        }
    }
}

/// pjsip keeps an absent parameter as an empty string, so absent == empty.
fn opt_ieq(a: &Option<String>, b: &Option<String>) -> bool {
    a.as_deref()
        .unwrap_or("")
        .eq_ignore_ascii_case(b.as_deref().unwrap_or(""))
}

fn other_params_agree(a: &[Param], b: &[Param]) -> bool {
    a.iter().all(
        |p| match b.iter().find(|q| q.name.eq_ignore_ascii_case(&p.name)) {
            Some(q) => p
                .value
                .as_deref()
                .unwrap_or("")
                .eq_ignore_ascii_case(q.value.as_deref().unwrap_or("")),
            None => true,
        },
    )
}

/// Compare `incoming` with `stored`: `Ok(())` when pjsip considers them equal.
pub fn uri_eq(incoming: &Uri, stored: &Uri) -> Result<(), UriMismatch> {
    use UriMismatch::*;
    match (&incoming.scheme, &stored.scheme) {
        (S::Sip, S::Sip) | (S::Sips, S::Sips) => {}
        (S::Other(a), S::Other(b)) if a == b => {
            return if incoming.opaque == stored.opaque {
                Ok(())
            } else {
                Err(User)
            };
        }
        _ => return Err(Scheme),
    }
    if incoming.user.as_deref().unwrap_or("") != stored.user.as_deref().unwrap_or("") {
        return Err(User);
    }
    if incoming.password.as_deref().unwrap_or("") != stored.password.as_deref().unwrap_or("") {
        return Err(Password);
    }
    if !incoming.host.0.eq_ignore_ascii_case(&stored.host.0) {
        return Err(Host);
    }
    if incoming.port.unwrap_or(0) != stored.port.unwrap_or(0) {
        return Err(Port);
    }
    if !opt_ieq(&incoming.transport_param, &stored.transport_param) {
        return Err(TransportParam);
    }
    if incoming.ttl_param != stored.ttl_param {
        return Err(TtlParam);
    }
    if !opt_ieq(&incoming.user_param, &stored.user_param) {
        return Err(UserParam);
    }
    // pjsip compares the method parameter only in the "other" context, never for
    // Contacts (sip_uri.c, pjsip_url_compare).
    if !opt_ieq(&incoming.maddr_param, &stored.maddr_param) {
        return Err(MaddrParam);
    }
    if !other_params_agree(&incoming.other_params, &stored.other_params) {
        return Err(OtherParam);
    }
    for h in &incoming.headers {
        match stored
            .headers
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&h.name))
        {
            Some(s)
                if s.value
                    .as_deref()
                    .unwrap_or("")
                    .eq_ignore_ascii_case(h.value.as_deref().unwrap_or("")) => {}
            _ => return Err(Header),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str) -> bool {
        uri_eq(&Uri::parse(a).unwrap(), &Uri::parse(b).unwrap()).is_ok()
    }

    /// The comparison table of the reference (§2.12) and RFC 3261 §19.1.4.
    #[test]
    fn reference_table() {
        let cases = [
            (
                "sip:100@1.2.3.4:5060",
                "sip:100@1.2.3.4:5060;x-ast-orig-host=10.0.0.5:5060",
                true,
            ),
            (
                "sip:100@1.2.3.4:5060;x-ast-orig-host=10.0.0.6:5060",
                "sip:100@1.2.3.4:5060;x-ast-orig-host=10.0.0.5:5060",
                false,
            ),
            ("sip:a@h;rinstance=abc", "sip:a@h;rinstance=def", false),
            ("sip:100@1.2.3.4:5060", "sip:100@1.2.3.4:40000", false),
            ("sip:a@h", "sip:a@h:5060", false),
            ("sip:a@h", "sip:a@h;transport=udp", false),
            ("sip:a@h;transport=TCP", "sip:a@h;transport=tcp", true),
            ("sip:Alice@h", "sip:alice@h", false),
            ("sip:alice@EXAMPLE.com", "sip:alice@example.com", true),
            ("sip:a@h", "sips:a@h", false),
            ("sip:%61lice@h", "sip:alice@h", true),
            ("sip:a@h;maddr=x", "sip:a@h", false),
            ("sip:a@h;ttl=1", "sip:a@h", false),
            ("sip:a@h;user=phone", "sip:a@h", false),
            ("sip:a@h;foo=Bar", "sip:a@h;FOO=bar", true),
            ("sip:a@h;lr", "sip:a@h", true),
            ("sip:a@h?x=1", "sip:a@h", false),
            ("sip:a@h", "sip:a@h?x=1", true),
            ("sip:a@h?x=1", "sip:a@h?x=1&y=2", true),
            // header values compare case-insensitively (pj_stricmp)
            ("sip:a@h?x=ABC", "sip:a@h?X=abc", true),
            ("sip:a@h?x=1", "sip:a@h?x=2", false),
            // the method parameter is not compared in Contact context
            ("sip:a@h;method=INVITE", "sip:a@h", true),
            ("sip:a@h;method=INVITE", "sip:a@h;method=BYE", true),
            // IPv6 hosts compare as strings, case-insensitively (no normalisation)
            ("sip:a@[2001:DB8::1]", "sip:a@[2001:db8::1]", true),
            ("sip:a@[2001:db8:0::1]", "sip:a@[2001:db8::1]", false),
            // user=phone etc. only count when they have a value
            ("sip:a@h;transport", "sip:a@h", true),
        ];
        for (a, b, want) in cases {
            assert_eq!(eq(a, b), want, "{a} vs {b}");
        }
    }
}
