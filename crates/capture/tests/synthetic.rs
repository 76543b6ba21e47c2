//! Hand-built captures: IPv4 UDP and IPv6 TCP on unusual ports, one message over
//! two segments and two messages in one segment, out-of-order delivery, a FIN;
//! and bad files (truncated, not a capture, over the packet limit's form).

use aorlab_capture::story::story;
use aorlab_capture::{read, BlindSpot, CloseHow, ServerEvent, Side, Transport};
use common::pcap::{fragments_v4, udp_datagram, Pcap};
use etherparse::PacketBuilder;

mod common;

fn register(user: &str, cseq: u32, call: &str) -> String {
    format!("REGISTER sip:pbx.example SIP/2.0\r\nVia: SIP/2.0/TCP [2001:db8::2]:40000;branch=z9hG4bK{call}{cseq}\r\nFrom: <sip:{user}@pbx.example>;tag=1\r\nTo: <sip:{user}@pbx.example>\r\nCall-ID: {call}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@[2001:db8::2]:40000;transport=tcp>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n")
}

fn ok(call: &str, cseq: u32) -> String {
    format!("SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP [2001:db8::2]:40000;branch=z9hG4bK{call}{cseq}\r\nCall-ID: {call}\r\nCSeq: {cseq} REGISTER\r\nContent-Length: 0\r\n\r\n")
}

const DEV6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
const SRV6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

fn tcp6(from_dev: bool, seq: u32, syn: bool, fin: bool, payload: &[u8]) -> Vec<u8> {
    let (s, d, sp, dp) = if from_dev {
        (DEV6, SRV6, 40000, 5062)
    } else {
        (SRV6, DEV6, 5062, 40000)
    };
    let mut b = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv6(s, d, 64)
        .tcp(sp, dp, seq, 65000);
    if syn {
        b = b.syn();
    }
    if fin {
        b = b.fin();
    }
    let b = b.ack(1);
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn udp4(from_dev: bool, payload: &[u8]) -> Vec<u8> {
    let (s, d, sp, dp) = if from_dev {
        ([192, 168, 1, 10], [198, 51, 100, 1], 5060, 5080)
    } else {
        ([198, 51, 100, 1], [192, 168, 1, 10], 5080, 5060)
    };
    let mut out = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(s, d, 64)
        .udp(sp, dp)
        .write(&mut out, payload)
        .unwrap();
    out
}

#[test]
fn udp_v4_and_tcp_v6_with_split_and_joined_messages() {
    let mut p = Pcap::new();
    p.packet(0, &udp4(true, register("bob", 1, "u1").as_bytes()));
    p.packet(2, &udp4(false, ok("u1", 1).as_bytes()));
    p.packet(10, &tcp6(true, 999, true, false, b""));
    let a = register("alice", 1, "t1");
    let b = register("alice", 2, "t1");
    let mut stream = a.clone().into_bytes();
    stream.extend_from_slice(b.as_bytes());
    let (first, rest) = stream.split_at(100);
    // Out of order: the second segment (rest of A + all of B) arrives first.
    p.packet(20, &tcp6(true, 1000 + 100, false, false, rest));
    p.packet(21, &tcp6(true, 1000, false, false, first));
    let answers = format!("{}{}", ok("t1", 1), ok("t1", 2));
    p.packet(22, &tcp6(false, 5000, false, false, answers.as_bytes()));
    p.packet(
        30,
        &tcp6(true, 1000 + stream.len() as u32, false, true, b""),
    );

    let cap = read(&p.0).unwrap();
    assert!(cap.warnings.is_empty(), "{:?}", cap.warnings);
    let st = story(&cap);
    assert_eq!(st.registers.len(), 3);
    let tcp: Vec<_> = st
        .registers
        .iter()
        .filter(|r| r.transport == Transport::Tcp)
        .collect();
    assert_eq!(tcp.len(), 2);
    assert_eq!(tcp[0].peer, "[2001:db8::2]:40000");
    assert_eq!(cap.packets[tcp[0].packet].text, a);
    assert_eq!(cap.packets[tcp[1].packet].text, b);
    assert!(st.registers.iter().all(|r| r.status == Some(200)));
    assert_eq!(st.registers[0].peer, "192.168.1.10:5060");
    assert_eq!(cap.packets[0].server.as_deref(), Some("198.51.100.1:5080"));
    assert_eq!(st.devices.len(), 2);
    assert!(cap.events.iter().any(|e| matches!(
        e,
        ServerEvent::ConnectionClosed {
            by: Some(Side::Device),
            how: CloseHow::Fin,
            conn: 1,
            ..
        }
    )));
}

#[test]
fn truncated_and_foreign_files_are_reported_not_panicked() {
    let mut p = Pcap::new();
    p.packet(0, &udp4(true, register("bob", 1, "u1").as_bytes()));
    p.packet(2, &udp4(false, ok("u1", 1).as_bytes()));
    // Cut inside the second packet: the first is kept, a warning says where.
    let cut = &p.0[..p.0.len() - 40];
    let cap = read(cut).unwrap();
    assert_eq!(cap.packets.len(), 1);
    assert!(
        cap.warnings.iter().any(|w| w.message.contains("truncated")),
        "{:?}",
        cap.warnings
    );
    // Header only: no REGISTER.
    let e = read(&p.0[..24]).unwrap_err();
    assert!(e.message.contains("no SIP messages"), "{e}");
    // Every prefix of a valid file reads or fails cleanly.
    for n in 0..p.0.len() {
        let _ = read(&p.0[..n]);
    }
    // Only a pcap magic: not readable.
    assert!(read(&[0xd4, 0xc3, 0xb2, 0xa1, 0, 0]).is_err());
}

/// A REGISTER too big for one 1500-byte packet (a long header, as some phones send).
fn big_register(call: &str) -> String {
    register("carol", 1, call).replacen(
        "Expires: 300\r\n",
        &format!("Expires: 300\r\nX-Pad: {}\r\n", "x".repeat(3000)),
        1,
    )
}

/// The same over IPv6 (a fragment extension header per packet).
fn fragments_v6(datagram: &[u8], id: u32) -> Vec<Vec<u8>> {
    use etherparse::{
        EtherType, Ethernet2Header, IpFragOffset, IpNumber, Ipv6FragmentHeader, Ipv6Header,
    };
    datagram
        .chunks(1448)
        .enumerate()
        .map(|(i, chunk)| {
            let mut out = Vec::new();
            Ethernet2Header {
                source: [1; 6],
                destination: [2; 6],
                ether_type: EtherType::IPV6,
            }
            .write(&mut out)
            .unwrap();
            Ipv6Header {
                payload_length: (chunk.len() + 8) as u16,
                next_header: IpNumber::IPV6_FRAGMENTATION_HEADER,
                hop_limit: 64,
                source: DEV6,
                destination: SRV6,
                ..Default::default()
            }
            .write(&mut out)
            .unwrap();
            Ipv6FragmentHeader {
                next_header: IpNumber::UDP,
                fragment_offset: IpFragOffset::try_new((i * 1448 / 8) as u16).unwrap(),
                more_fragments: (i + 1) * 1448 < datagram.len(),
                identification: id,
            }
            .write(&mut out)
            .unwrap();
            out.extend_from_slice(chunk);
            out
        })
        .collect()
}

#[test]
fn ip_fragments_are_reassembled_v4_and_v6_in_any_order() {
    let a = big_register("f4");
    let b = big_register("f6");
    let mut p = Pcap::new();
    let mut v4 = fragments_v4(&udp_datagram(a.as_bytes()), 77);
    assert!(v4.len() >= 3);
    v4.reverse(); // last fragment first
    for (i, f) in v4.iter().enumerate() {
        p.packet(i as u32, f);
    }
    for (i, f) in fragments_v6(&udp_datagram(b.as_bytes()), 78)
        .iter()
        .enumerate()
    {
        p.packet(100 + i as u32, f);
    }
    let cap = read(&p.0).unwrap();
    assert!(cap.warnings.is_empty(), "{:?}", cap.warnings);
    assert!(!cap.blind_spots.contains(&BlindSpot::Fragments));
    let st = story(&cap);
    assert_eq!(st.registers.len(), 2);
    assert_eq!(cap.packets[st.registers[0].packet].text, a);
    assert_eq!(st.registers[0].peer, "192.168.1.20:5060");
    assert_eq!(cap.packets[st.registers[1].packet].text, b);
    assert_eq!(st.registers[1].peer, "[2001:db8::2]:5060");
}

#[test]
fn a_datagram_with_a_missing_fragment_is_reported() {
    let mut p = Pcap::new();
    p.packet(0, &udp4(true, register("bob", 1, "u1").as_bytes()));
    let frags = fragments_v4(&udp_datagram(big_register("lost").as_bytes()), 9);
    p.packet(1, &frags[0]);
    p.packet(2, &frags[2]); // the middle one never arrives
    let cap = read(&p.0).unwrap();
    assert!(cap.blind_spots.contains(&BlindSpot::Fragments));
    assert!(
        cap.warnings.iter().any(|w| w
            .message
            .contains("1 fragmented IP datagrams could not be reassembled")),
        "{:?}",
        cap.warnings
    );
    assert_eq!(story(&cap).registers.len(), 1);
}
