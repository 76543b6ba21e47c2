//! Everything a registrar may call on a parsed message, in one place for the robustness
//! tests (`tests/no_panic.rs`) and the coverage-guided fuzz target (`fuzz/`), so both keep
//! calling the same accessors as the crate grows. Not part of the API.

use crate::{
    parse_contact_values, parse_via_values, uri_eq, Contact, Message, NameAddr, Uri, UriContext,
};

/// Calls every header accessor, the URI/Contact/Via parsers and printers on `m`, and checks
/// that the printed message parses back and prints the same (panics otherwise).
#[doc(hidden)]
pub fn exercise(m: &Message) {
    let h = &m.headers;
    if let Ok(contacts) = h.contacts() {
        for c in contacts {
            let _ = parse_contact_values(&c.to_string());
            if let Contact::Addr(v) = c {
                let _ = (v.expires(), v.expires_pjsip(), v.param("q"));
                for ctx in [UriContext::Contact, UriContext::Other, UriContext::FromTo] {
                    if let Ok(back) = Uri::parse(&v.addr.uri.print(ctx)) {
                        let _ = uri_eq(&back, &v.addr.uri);
                    }
                }
                let _ = uri_eq(&v.addr.uri, &v.addr.uri);
            }
        }
    }
    if let Ok(vias) = h.vias() {
        for mut v in vias {
            let _ = (v.branch(), v.received(), v.rport());
            v.set_param("received", Some("192.0.2.99"));
            v.set_param("rport", Some("5060"));
            let _ = parse_via_values(&v.to_string());
        }
    }
    let _ = (
        h.from().map(|(a, _)| a.to_string()),
        h.to().map(|(a, _)| a.to_string()),
    );
    let _ = (h.expires(), h.expires_pjsip(), h.cseq(), h.call_id());
    let _ = (h.user_agent(), h.path(), h.supported());
    if let Some(u) = m.request_uri() {
        let _ = u.print(UriContext::RequestUri);
    }
    let printed = m.to_text();
    let again = Message::parse(&printed)
        .unwrap_or_else(|e| panic!("printed message does not parse back: {e:?}\n{printed:?}"));
    assert_eq!(
        again.to_text(),
        printed,
        "print → parse → print changed the text"
    );
}

/// Feeds `text` to every parser of a message's parts (URI, name-addr, Contact, Via values).
#[doc(hidden)]
pub fn exercise_fragment(text: &str) {
    let _ = Uri::parse(text).map(|u| u.print(UriContext::Contact));
    let _ = Uri::parse_bare(text);
    let _ = NameAddr::parse_with_params(text);
    let _ = parse_contact_values(text);
    let _ = parse_via_values(text);
}
