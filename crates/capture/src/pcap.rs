//! Reading pcap and pcapng files: the container through `pcap-parser`, the link,
//! IP and transport layers through `etherparse`; TCP through [`crate::tcp`].
//! Which end is the registrar is decided by where the REGISTERs go.

use crate::error::ImportError;
use crate::evidence::*;
use crate::framing::{keepalive_len, looks_like_sip, next_frame, Frame};
use crate::limits::{MAX_MESSAGES, MAX_PACKETS};
use crate::tcp::{RawClose, RawMsg, Segment, Streams};
use etherparse::defrag::IpDefragPool;
use etherparse::{NetSlice, SlicedPacket, TcpSlice, TransportSlice, UdpSlice};
use pcap_parser::pcapng::Block;
use pcap_parser::{create_reader, Linktype, PcapBlockOwned, PcapError};
use std::collections::BTreeSet;

/// Per interface: link type and timestamp units per second and offset.
#[derive(Clone, Copy)]
struct Iface {
    linktype: Linktype,
    units: u64,
    offset: i64,
}

/// IP reassembly gives up on a datagram after this long (Linux's ipfrag_time).
const FRAGMENT_TIMEOUT_US: Micros = 30_000_000;
/// Datagrams reassembled at once; past it the oldest are dropped (a hostile
/// capture of many unfinished datagrams would otherwise hold 64 KiB each).
const MAX_OPEN_DATAGRAMS: usize = 256;

#[derive(Default)]
struct Layers {
    msgs: Vec<RawMsg>,
    closes: Vec<RawClose>,
    streams: Streams,
    /// IPv4 and IPv6 fragments, reassembled by etherparse.
    defrag: IpDefragPool<Micros, ()>,
    reassembled: u64,
    /// Fragments that could not be reassembled (bad, or their datagram incomplete).
    fragments_lost: u64,
    not_sip_udp: u64,
    unsupported_link: Option<i32>,
    undecodable: u64,
}

fn addr(ip: std::net::IpAddr, port: u16) -> String {
    match ip {
        std::net::IpAddr::V4(a) => format!("{a}:{port}"),
        std::net::IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// Where a transport payload came from and went.
struct Ends {
    src: std::net::IpAddr,
    dst: std::net::IpAddr,
    at_us: Micros,
    place: Place,
}

impl Layers {
    fn packet(&mut self, lt: Linktype, data: &[u8], at_us: Micros, n: u32, cap: &mut Capture) {
        let sliced = match lt.0 {
            1 => SlicedPacket::from_ethernet(data),
            113 => SlicedPacket::from_linux_sll(data),
            276 => SlicedPacket::from_ip(data.get(20..).unwrap_or(&[])),
            0 | 108 => SlicedPacket::from_ip(data.get(4..).unwrap_or(&[])),
            101 | 228 | 229 | 12 | 14 => SlicedPacket::from_ip(data),
            other => {
                self.unsupported_link = Some(other);
                return;
            }
        };
        let Ok(p) = sliced else {
            self.undecodable += 1;
            return;
        };
        let (src, dst) = match &p.net {
            Some(NetSlice::Ipv4(v4)) => (
                std::net::IpAddr::V4(v4.header().source_addr()),
                std::net::IpAddr::V4(v4.header().destination_addr()),
            ),
            Some(NetSlice::Ipv6(v6)) => (
                std::net::IpAddr::V6(v6.header().source_addr()),
                std::net::IpAddr::V6(v6.header().destination_addr()),
            ),
            _ => return,
        };
        let ends = Ends {
            src,
            dst,
            at_us,
            place: Place::Packet(n),
        };
        if p.is_ip_payload_fragmented() {
            self.fragment(&p, ends, cap);
            return;
        }
        match &p.transport {
            Some(TransportSlice::Udp(u)) => self.udp(
                &ends,
                u.source_port(),
                u.destination_port(),
                u.payload(),
                cap,
            ),
            Some(TransportSlice::Tcp(t)) => self.tcp(&ends, t, cap),
            _ => {}
        }
    }

    /// One IP fragment: held until its datagram is whole, then read as UDP or TCP.
    fn fragment(&mut self, p: &SlicedPacket, ends: Ends, cap: &mut Capture) {
        let now = ends.at_us;
        let before = self.open_datagrams();
        self.defrag
            .retain(|since| now.saturating_sub(*since) <= FRAGMENT_TIMEOUT_US);
        let open = self.open_datagrams();
        self.fragments_lost += (before - open) as u64;
        if open >= MAX_OPEN_DATAGRAMS {
            self.defrag.retain(|_| false);
            self.fragments_lost += open as u64;
        }
        match self.defrag.process_sliced_packet(p, now, ()) {
            Ok(None) => {}
            Err(_) => self.fragments_lost += 1,
            Ok(Some(whole)) => {
                self.reassembled += 1;
                match whole.ip_number {
                    etherparse::IpNumber::UDP => match UdpSlice::from_slice(&whole.payload) {
                        Ok(u) => self.udp(
                            &ends,
                            u.source_port(),
                            u.destination_port(),
                            u.payload(),
                            cap,
                        ),
                        Err(_) => self.fragments_lost += 1,
                    },
                    etherparse::IpNumber::TCP => match TcpSlice::from_slice(&whole.payload) {
                        Ok(t) => self.tcp(&ends, &t, cap),
                        Err(_) => self.fragments_lost += 1,
                    },
                    _ => {}
                }
                self.defrag.return_buf(whole);
            }
        }
    }

    fn udp(&mut self, e: &Ends, sport: u16, dport: u16, payload: &[u8], cap: &mut Capture) {
        let payload = &payload[keepalive_len(payload)..];
        if payload.is_empty() {
            return;
        }
        if !looks_like_sip(payload) {
            self.not_sip_udp += 1;
            return;
        }
        let len = match next_frame(payload) {
            Frame::Complete(len) => len,
            _ => {
                cap.warn(Some(e.place), "UDP datagram holds an incomplete SIP message (cut by the capture's snap length?); skipped");
                return;
            }
        };
        self.msgs.push(RawMsg {
            at_us: e.at_us,
            src: addr(e.src, sport),
            dst: addr(e.dst, dport),
            conn: None,
            bytes: payload[..len].to_vec(),
            place: e.place,
        });
    }

    fn tcp(&mut self, e: &Ends, t: &TcpSlice, cap: &mut Capture) {
        let seg = Segment {
            at_us: e.at_us,
            src: addr(e.src, t.source_port()),
            dst: addr(e.dst, t.destination_port()),
            seq: t.sequence_number(),
            syn: t.syn(),
            ack: t.ack(),
            fin: t.fin(),
            rst: t.rst(),
            payload: t.payload(),
            place: e.place,
        };
        self.streams
            .segment(seg, &mut self.msgs, &mut self.closes, cap);
    }

    /// Datagrams being reassembled. (The pool has no count; its `retain` calls the
    /// predicate once per datagram when nothing is dropped.)
    fn open_datagrams(&mut self) -> usize {
        let n = std::cell::Cell::new(0usize);
        self.defrag.retain(|_| {
            n.set(n.get() + 1);
            true
        });
        n.get()
    }

    /// Datagrams still incomplete when the capture ends.
    fn unfinished_fragments(&mut self) -> u64 {
        let n = self.open_datagrams();
        self.defrag.retain(|_| false);
        n as u64
    }
}

/// Read a whole pcap or pcapng file.
pub fn read_pcap(bytes: &[u8]) -> Result<Capture, ImportError> {
    let mut reader = create_reader(1 << 20, bytes).map_err(|e| match e {
        PcapError::HeaderNotRecognized => ImportError::new("not a pcap or pcapng file"),
        _ => ImportError::new("the file ends inside the pcap header (truncated)"),
    })?;
    let mut cap = Capture::new(InputKind::Pcap);
    let mut layers = Layers::default();
    let mut legacy: Option<(Linktype, bool)> = None;
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut n: u64 = 0;
    loop {
        let (mut refill, mut truncated) = (false, false);
        match reader.next() {
            Ok((offset, block)) => {
                let frame: Option<(Linktype, Micros, &[u8])> = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy = Some((h.network, h.is_nanosecond_precision()));
                        None
                    }
                    PcapBlockOwned::Legacy(b) => legacy.map(|(lt, ns)| {
                        let frac = if ns {
                            b.ts_usec as u64 / 1000
                        } else {
                            b.ts_usec as u64
                        };
                        (lt, b.ts_sec as u64 * 1_000_000 + frac, b.data)
                    }),
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        cap.input = InputKind::PcapNg;
                        ifaces.clear();
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        ifaces.push(Iface {
                            linktype: idb.linktype,
                            units: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                            offset: idb.ts_offset(),
                        });
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        ifaces.get(epb.if_id as usize).map(|i| {
                            let (s, f) = epb.decode_ts(i.offset.max(0) as u64, i.units);
                            let us = s as u64 * 1_000_000 + f as u64 * 1_000_000 / i.units;
                            let len = (epb.caplen as usize).min(epb.data.len());
                            (i.linktype, us, &epb.data[..len])
                        })
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                if let Some((lt, at_us, data)) = frame {
                    n += 1;
                    if n > MAX_PACKETS {
                        return Err(ImportError::new(format!(
                            "more than {MAX_PACKETS} packets: over the import limit"
                        ))
                        .hint("keep only SIP, e.g. `tshark -r in.pcap -Y sip -w sip.pcap`, or cut the time with `editcap -A/-B`"));
                    }
                    layers.packet(lt, data, at_us, n as u32, &mut cap);
                    if layers.msgs.len() > MAX_MESSAGES {
                        return Err(ImportError::new(format!(
                            "more than {MAX_MESSAGES} SIP messages: over the import limit"
                        ))
                        .at(Place::Packet(n as u32))
                        .hint("cut the capture to the time of interest with `editcap -A/-B`"));
                    }
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => refill = true,
            Err(PcapError::UnexpectedEof) => truncated = true,
            Err(e) => {
                if n == 0 {
                    return Err(ImportError::new(format!("not a readable capture: {e:?}")));
                }
                cap.warn(
                    None,
                    format!("unreadable block after packet {n}; stopped there"),
                );
                break;
            }
        }
        if refill && !reader.reader_exhausted() && reader.refill().is_ok() {
            continue;
        }
        if refill || truncated {
            let at = n + 1;
            cap.warn(
                None,
                format!("the file ends inside packet {at} (truncated capture); read up to there"),
            );
            break;
        }
    }
    cap.units_read = n;
    layers.streams.finish(&mut cap);
    if let Some(lt) = layers.unsupported_link.filter(|_| layers.msgs.is_empty()) {
        return Err(ImportError::new(format!("link type {lt} is not supported"))
            .hint("supported: Ethernet, Linux cooked (SLL, SLL2), raw IP, BSD loopback"));
    }
    layers.fragments_lost += layers.unfinished_fragments();
    if layers.fragments_lost > 0 {
        cap.blind(BlindSpot::Fragments);
        cap.warn(
            None,
            format!(
                "{} fragmented IP datagrams could not be reassembled (fragments missing, conflicting, or over {MAX_OPEN_DATAGRAMS} at once); their messages are missing",
                layers.fragments_lost
            ),
        );
    }
    to_capture(layers, cap)
}

/// Decide the registrar's addresses and turn raw messages into packets.
fn to_capture(layers: Layers, mut cap: Capture) -> Result<Capture, ImportError> {
    let is_register = |m: &RawMsg| m.bytes.starts_with(b"REGISTER ");
    let servers: BTreeSet<String> = layers
        .msgs
        .iter()
        .filter(|m| is_register(m))
        .map(|m| m.dst.clone())
        .collect();
    if servers.is_empty() {
        let what = if layers.msgs.is_empty() {
            "no SIP messages"
        } else {
            "SIP messages but no REGISTER"
        };
        return Err(ImportError::new(format!("this capture has {what}"))
            .hint("capture on the Asterisk host with a filter that keeps the SIP port, e.g. `tcpdump -i any -s 0 -w site.pcap port 5060`"));
    }
    let mut others = 0;
    for m in layers.msgs {
        let (direction, peer, server) = if servers.contains(&m.dst) {
            (Direction::ToServer, m.src, m.dst)
        } else if servers.contains(&m.src) {
            (Direction::FromServer, m.dst, m.src)
        } else {
            others += 1;
            continue;
        };
        cap.packets.push(SipPacket {
            at_us: m.at_us,
            direction,
            transport: if m.conn.is_some() {
                Transport::Tcp
            } else {
                Transport::Udp
            },
            peer,
            server: Some(server),
            conn: m.conn,
            text: String::from_utf8_lossy(&m.bytes).into_owned(),
            place: m.place,
        });
    }
    if others > 0 {
        cap.warn(None, format!("{others} SIP messages between other hosts ignored (not to or from the registrar at {})", servers.iter().cloned().collect::<Vec<_>>().join(", ")));
    }
    for c in layers.closes {
        let (by, peer) = if servers.contains(&c.closer) {
            (Side::Server, c.other)
        } else if servers.contains(&c.other) {
            (Side::Device, c.closer)
        } else {
            continue;
        };
        cap.events.push(ServerEvent::ConnectionClosed {
            at_us: c.at_us,
            conn: c.conn,
            peer,
            by: Some(by),
            how: c.how,
            place: c.place,
        });
    }
    if layers.not_sip_udp > 0 {
        cap.warn(
            None,
            format!(
                "{} UDP datagrams were not SIP and were ignored",
                layers.not_sip_udp
            ),
        );
    }
    for b in [
        BlindSpot::Restarts,
        BlindSpot::LogLines,
        BlindSpot::QualifyFromOptions,
    ] {
        cap.blind(b);
    }
    cap.finish();
    Ok(cap)
}
