//! Every stated limit (crates/capture/src/limits.rs) is reported with a message
//! that names it, never crashed into: input size, packets, SIP messages, bytes
//! per message, IP datagrams reassembled at once; and an unreadable source
//! address is a warning at its line.

use aorlab_capture::limits::{MAX_INPUT_BYTES, MAX_MESSAGES, MAX_MESSAGE_BYTES, MAX_PACKETS};
use aorlab_capture::{read, BlindSpot, Place};
use common::pcap::{fragments_v4, udp_datagram, Pcap};

mod common;

/// A pcap (Ethernet) with these frames, 1 ms apart.
fn pcap(frames: impl Iterator<Item = Vec<u8>>) -> Vec<u8> {
    let mut p = Pcap::new();
    for (i, f) in frames.enumerate() {
        p.packet(i as u32, &f);
    }
    p.0
}

fn log_block(n: usize, peer: &str, body: usize) -> String {
    let msg = format!(
        "REGISTER sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP {peer};branch=z9hG4bK{n}\r\nFrom: <sip:a@pbx>;tag=1\r\nTo: <sip:a@pbx>\r\nCall-ID: c{n}\r\nCSeq: {n} REGISTER\r\nContact: <sip:a@192.0.2.1>\r\nContent-Length: {body}\r\n\r\n"
    );
    format!(
        "[2026-11-30 09:00:00.000] VERBOSE[1] res_pjsip_logger.c: <--- Received SIP request ({} bytes) from UDP:{peer} --->\n{}\n",
        msg.len() + body,
        msg.replace("\r\n", "\n")
    )
}

#[test]
fn input_over_the_size_limit() {
    let e = read(&vec![b'a'; MAX_INPUT_BYTES + 1]).unwrap_err();
    assert!(e.message.contains("the limit is 64 MiB"), "{e}");
    assert!(e.hint.as_deref().unwrap_or("").contains("editcap"), "{e}");
}

#[test]
fn pcap_over_the_packet_limit() {
    // Minimal Ethernet frames carrying nothing: only the count matters.
    let frames = (0..=MAX_PACKETS).map(|_| vec![0u8; 14]);
    let e = read(&pcap(frames)).unwrap_err();
    assert!(
        e.message
            .contains(&format!("more than {MAX_PACKETS} packets")),
        "{e}"
    );
    assert!(e.hint.as_deref().unwrap_or("").contains("tshark"), "{e}");
}

#[test]
fn log_over_the_message_limit() {
    let text: String = (0..=MAX_MESSAGES)
        .map(|n| log_block(n, "192.0.2.1:5060", 0))
        .collect();
    let e = read(text.as_bytes()).unwrap_err();
    assert!(
        e.message
            .contains(&format!("more than {MAX_MESSAGES} SIP messages")),
        "{e}"
    );
    // It names where it stopped.
    assert!(matches!(e.place, Some(Place::Line(_))), "{e}");
}

#[test]
fn a_message_over_the_byte_limit_is_skipped_with_a_warning() {
    let text = format!(
        "{}{}{}",
        log_block(1, "192.0.2.1:5060", 0),
        log_block(2, "192.0.2.1:5060", MAX_MESSAGE_BYTES + 10),
        log_block(3, "192.0.2.1:5060", 0)
    );
    let cap = read(text.as_bytes()).unwrap();
    assert_eq!(
        cap.packets.len(),
        2,
        "the big one is skipped, the others read"
    );
    assert!(
        cap.warnings
            .iter()
            .any(|w| w.message.contains("over the 65535-byte limit")),
        "{:?}",
        cap.warnings
    );
}

#[test]
fn too_many_unfinished_ip_datagrams_are_dropped_and_reported() {
    // The first fragments of 300 different datagrams, none ever finished.
    let frames = (0..300u16).map(|id| fragments_v4(&udp_datagram(&[0u8; 3000]), id).remove(0));
    // And one whole REGISTER after them.
    let mut reg = Vec::new();
    etherparse::PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4([192, 0, 2, 1], [198, 51, 100, 1], 64)
        .udp(5060, 5060)
        .write(
            &mut reg,
            log_block(1, "192.0.2.1:5060", 0)
                .split_once('\n')
                .unwrap()
                .1
                .replace('\n', "\r\n")
                .as_bytes(),
        )
        .unwrap();
    let cap = read(&pcap(frames.chain(std::iter::once(reg)))).unwrap();
    assert_eq!(cap.packets.len(), 1);
    assert!(cap.blind_spots.contains(&BlindSpot::Fragments));
    assert!(
        cap.warnings.iter().any(|w| w
            .message
            .starts_with("300 fragmented IP datagrams could not be reassembled")),
        "{:?}",
        cap.warnings
    );
}

#[test]
fn an_unreadable_source_address_is_a_warning_at_its_line() {
    let text = format!(
        "{}{}",
        log_block(1, "192.0.2.1:5060", 0),
        log_block(2, "phone.example:sip", 0)
    );
    let cap = read(text.as_bytes()).unwrap();
    let w: Vec<_> = cap
        .warnings
        .iter()
        .filter(|w| w.message.contains("not an ip:port"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", cap.warnings);
    assert!(w[0].message.contains("'phone.example:sip'"));
    assert!(matches!(w[0].place, Some(Place::Line(n)) if n > 1));
    assert!(!cap.blind_spots.contains(&BlindSpot::Fragments));
}
