//! SIP message parser: any bytes; everything a registrar calls on a parsed message; and
//! printing a parsed message gives text that parses back and prints the same.
#![no_main]

use aorlab_sip::{
    parse_contact_values, parse_via_values, uri_eq, Contact, Message, NameAddr, Uri, UriContext,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aorlab_fuzz::within_cpu_limit(|| check(data)));

fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    fragments(&text);
    for line in text.split("\r\n") {
        if let Some((_, value)) = line.split_once(':') {
            fragments(value.trim());
        }
    }
    let Ok(m) = Message::parse(&text) else { return };
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

fn fragments(text: &str) {
    let _ = Uri::parse(text).map(|u| u.print(UriContext::Contact));
    let _ = Uri::parse_bare(text);
    let _ = NameAddr::parse_with_params(text);
    let _ = parse_contact_values(text);
    let _ = parse_via_values(text);
}
