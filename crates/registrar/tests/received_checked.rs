//! A REGISTER read with `Message::parse_checked` + `Received::checked` (the
//! world's path: validation's Via/From/To/Contact are not parsed again) reads
//! exactly as `Message::parse` + `Received::new`, whatever the request holds.

use aorlab_registrar::{Addr, Protocol, Received};
use aorlab_sip::Message;

const REQUESTS: &[&str] = &[
    // Plain, with rport and a User-Agent.
    "REGISTER sip:198.51.100.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;rport;branch=z9hG4bKa\r\nFrom: <sip:alice@198.51.100.10>;tag=1\r\nTo: <sip:alice@198.51.100.10>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.2:5060>;expires=60\r\nExpires: 600\r\nUser-Agent: desk\r\nContent-Length: 0\r\n\r\n",
    // Compact forms, folded Contact, two Vias, Path and Supported.
    "REGISTER sip:h SIP/2.0\r\nv: SIP/2.0/TCP 10.0.0.3:5060;branch=z9hG4bKb, SIP/2.0/UDP p;branch=z9hG4bKc\r\nf: \"A\" <sip:a@h>;tag=2\r\nt: sip:a@h\r\ni: c2\r\nCSeq: 7 REGISTER\r\nm: <sip:a@10.0.0.3>,\r\n <sip:a@10.0.0.4>;q=0.5\r\nPath: <sip:edge;lr>\r\nk: path, gruu\r\nl: 0\r\n\r\n",
    // Contact: * with Expires 0.
    "REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKd\r\nFrom: <sip:a@h>;tag=3\r\nTo: <sip:a@h>\r\nCall-ID: c3\r\nCSeq: 2 REGISTER\r\nContact: *\r\nExpires: 0\r\n\r\n",
    // A bad Expires header and a Contact expires that is not a number.
    "REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKe\r\nFrom: <sip:a@h>;tag=4\r\nTo: <sip:a@h>\r\nCall-ID: c4\r\nCSeq: 3 REGISTER\r\nContact: <sip:a@10.0.0.2>;expires=abc\r\n\r\n",
    // A response (no To tag needed) and an OPTIONS without Contact.
    "OPTIONS sip:a@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10;branch=z9hG4bKf\r\nFrom: <sip:b@h>;tag=5\r\nTo: <sip:a@10.0.0.2>\r\nCall-ID: c5\r\nCSeq: 9 OPTIONS\r\n\r\n",
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKg\r\nCall-ID: c6\r\nCSeq: 1 REGISTER\r\n\r\n",
];

#[test]
fn checked_reading_equals_reading_again() {
    for text in REQUESTS {
        let plain = Message::parse(text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let checked = Message::parse_checked(text).unwrap();
        assert_eq!(plain, checked.0, "the message itself");
        let src = || Addr::new("203.0.113.7", 4000);
        let transport = || Some("transport-udp".to_string());
        let again = Received::new(plain, src(), Protocol::Udp, None, transport());
        let once = Received::checked(checked, src(), Protocol::Udp, None, transport());
        assert_eq!(format!("{again:?}"), format!("{once:?}"), "{text}");
    }
}

#[test]
fn what_validation_parsed_is_what_the_readers_return() {
    for text in REQUESTS {
        let (m, c) = Message::parse_checked(text).unwrap();
        let h = &m.headers;
        assert_eq!(c.contacts, h.contacts().unwrap());
        assert_eq!(c.vias, h.get("Via").map(|_| h.vias().unwrap()));
        assert_eq!(c.from, h.get("From").map(|_| h.from().unwrap()));
        assert_eq!(c.to, h.get("To").map(|_| h.to().unwrap()));
    }
}
