//! TCP stream reassembly for SIP: segments in sequence order (retransmissions
//! and overlaps trimmed, out-of-order segments held back), then messages cut
//! at their Content-Length. A SYN starts a new connection number; the first FIN
//! or RST of a connection is its close.

use crate::evidence::{BlindSpot, Capture, CloseHow, Micros, Place};
use crate::framing::{keepalive_len, next_frame, Frame};
use crate::limits::MAX_TCP_PENDING;
use std::collections::{BTreeMap, HashMap};

/// A message cut out of a stream (or a datagram).
#[derive(Debug, Clone)]
pub(crate) struct RawMsg {
    pub at_us: Micros,
    pub src: String,
    pub dst: String,
    pub conn: Option<u32>,
    pub bytes: Vec<u8>,
    pub place: Place,
}

#[derive(Debug, Clone)]
pub(crate) struct RawClose {
    pub at_us: Micros,
    pub conn: u32,
    pub closer: String,
    pub other: String,
    pub how: CloseHow,
    pub place: Place,
}

/// One TCP segment as the packet layer gives it.
pub(crate) struct Segment<'a> {
    pub at_us: Micros,
    pub src: String,
    pub dst: String,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
    pub place: Place,
}

#[derive(Default)]
struct Direction {
    next_seq: Option<u32>,
    buf: Vec<u8>,
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
    /// Not SIP (TLS, or joined mid-message): ignored from here on.
    unreadable: bool,
}

struct Conn {
    id: u32,
    isn: Option<u32>,
    closed: bool,
}

#[derive(Default)]
pub(crate) struct Streams {
    conns: HashMap<(String, String), Conn>,
    dirs: HashMap<(String, String), Direction>,
    next_id: u32,
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl Streams {
    pub fn segment(
        &mut self,
        s: Segment,
        msgs: &mut Vec<RawMsg>,
        closes: &mut Vec<RawClose>,
        cap: &mut Capture,
    ) {
        let key = pair(&s.src, &s.dst);
        let new_conn = match self.conns.get(&key) {
            None => true,
            Some(c) => s.syn && !s.ack && c.isn != Some(s.seq),
        };
        if new_conn {
            self.next_id += 1;
            let isn = (s.syn && !s.ack).then_some(s.seq);
            self.conns.insert(
                key.clone(),
                Conn {
                    id: self.next_id,
                    isn,
                    closed: false,
                },
            );
            self.dirs.remove(&(s.src.clone(), s.dst.clone()));
            self.dirs.remove(&(s.dst.clone(), s.src.clone()));
        }
        let Some(conn) = self.conns.get_mut(&key) else {
            return;
        };
        let id = conn.id;
        if (s.fin || s.rst) && !conn.closed {
            conn.closed = true;
            closes.push(RawClose {
                at_us: s.at_us,
                conn: id,
                closer: s.src.clone(),
                other: s.dst.clone(),
                how: if s.rst { CloseHow::Rst } else { CloseHow::Fin },
                place: s.place,
            });
        }
        let d = self.dirs.entry((s.src.clone(), s.dst.clone())).or_default();
        if s.syn {
            d.next_seq = Some(s.seq.wrapping_add(1));
        }
        if s.payload.is_empty() || d.unreadable || s.rst {
            return;
        }
        if !d.push(s.seq, s.payload) {
            cap.blind(BlindSpot::TcpGaps);
            cap.warn(Some(s.place), format!("TCP {} → {}: bytes missing before this segment (not captured); reading on from here", s.src, s.dst));
        }
        while !d.unreadable {
            let k = keepalive_len(&d.buf);
            d.buf.drain(..k);
            match next_frame(&d.buf) {
                Frame::Complete(n) => {
                    let bytes: Vec<u8> = d.buf.drain(..n).collect();
                    msgs.push(RawMsg {
                        at_us: s.at_us,
                        src: s.src.clone(),
                        dst: s.dst.clone(),
                        conn: Some(id),
                        bytes,
                        place: s.place,
                    });
                }
                Frame::NeedMore => break,
                Frame::Bad(why) => {
                    d.unreadable = true;
                    d.buf.clear();
                    cap.blind(BlindSpot::UnreadableStreams);
                    cap.warn(
                        Some(s.place),
                        format!("TCP {} → {}: {why}; this stream is skipped", s.src, s.dst),
                    );
                }
            }
        }
    }

    /// Streams that end inside a message or with a hole.
    pub fn finish(&self, cap: &mut Capture) {
        let mut open: Vec<_> = self
            .dirs
            .iter()
            .filter(|(_, d)| !d.unreadable && (!d.buf.is_empty() || !d.pending.is_empty()))
            .map(|(k, _)| k.clone())
            .collect();
        open.sort();
        for (src, dst) in open {
            cap.blind(BlindSpot::TcpGaps);
            cap.warn(
                None,
                format!(
                    "TCP {src} → {dst}: the capture ends inside a message or with bytes missing"
                ),
            );
        }
    }
}

impl Direction {
    /// Add a segment; false when a gap had to be skipped.
    fn push(&mut self, seq: u32, payload: &[u8]) -> bool {
        let mut whole = true;
        let next = *self.next_seq.get_or_insert(seq);
        let off = seq.wrapping_sub(next) as i32;
        if off > 0 {
            if self.pending_bytes + payload.len() > MAX_TCP_PENDING {
                // Too much held back: the hole will not be filled.
                self.pending.clear();
                self.pending_bytes = 0;
                self.buf.clear();
                self.next_seq = Some(seq);
                whole = false;
            } else {
                self.pending_bytes += payload.len();
                self.pending.insert(seq, payload.to_vec());
                return true;
            }
        }
        self.append(seq, payload);
        // Held-back segments that now fit.
        loop {
            let next = self.next_seq.unwrap_or(seq);
            let Some(k) = self
                .pending
                .keys()
                .copied()
                .find(|k| k.wrapping_sub(next) as i32 <= 0)
            else {
                break;
            };
            if let Some(p) = self.pending.remove(&k) {
                self.pending_bytes -= p.len();
                self.append(k, &p);
            }
        }
        whole
    }

    fn append(&mut self, seq: u32, payload: &[u8]) {
        let next = self.next_seq.unwrap_or(seq);
        let skip = next.wrapping_sub(seq) as usize;
        if skip < payload.len() {
            self.buf.extend_from_slice(&payload[skip..]);
            self.next_seq = Some(seq.wrapping_add(payload.len() as u32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::InputKind;

    fn seg(seq: u32, payload: &[u8], n: u32) -> Segment<'_> {
        Segment {
            at_us: n as u64,
            src: "10.0.0.2:4000".into(),
            dst: "10.0.0.1:5060".into(),
            seq,
            syn: false,
            ack: true,
            fin: false,
            rst: false,
            payload,
            place: Place::Packet(n),
        }
    }

    #[test]
    fn reassembles_out_of_order_split_and_joined_messages() {
        let m1 = b"REGISTER sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n";
        let m2 = b"REGISTER sip:b SIP/2.0\r\nContent-Length: 2\r\n\r\nhi";
        let mut all = m1.to_vec();
        all.extend_from_slice(m2);
        let (a, b) = all.split_at(30);
        let mut st = Streams::default();
        let (mut msgs, mut closes) = (vec![], vec![]);
        let mut cap = Capture::new(InputKind::Pcap);
        // second part first, then the first, then a retransmission of the first
        st.segment(seg(1000, a, 1), &mut msgs, &mut closes, &mut cap);
        st.segment(
            seg(1030 + 10, &b[10..], 2),
            &mut msgs,
            &mut closes,
            &mut cap,
        );
        assert_eq!(msgs.len(), 0);
        st.segment(seg(1030, &b[..10], 3), &mut msgs, &mut closes, &mut cap);
        st.segment(seg(1000, a, 4), &mut msgs, &mut closes, &mut cap);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].bytes, m1.to_vec());
        assert_eq!(msgs[1].bytes, m2.to_vec());
        assert_eq!(msgs[1].at_us, 3);
        let mut fin = seg(1000 + all.len() as u32, b"", 5);
        fin.fin = true;
        st.segment(fin, &mut msgs, &mut closes, &mut cap);
        assert_eq!(closes.len(), 1);
        assert!(cap.warnings.is_empty());
    }

    #[test]
    fn out_of_order_bytes_past_the_limit_are_a_reported_gap() {
        let mut st = Streams::default();
        let (mut msgs, mut closes) = (vec![], vec![]);
        let mut cap = Capture::new(InputKind::Pcap);
        let m = b"REGISTER sip:a SIP/2.0\r\nContent-Length: 0\r\n\r\n";
        st.segment(seg(1000, m, 1), &mut msgs, &mut closes, &mut cap);
        // A hole of 100 bytes that never fills, then more than MAX_TCP_PENDING behind it.
        let chunk = vec![b'x'; 60_000];
        let mut seq = 1000 + m.len() as u32 + 100;
        for n in 0..(MAX_TCP_PENDING / chunk.len() + 2) as u32 {
            st.segment(seg(seq, &chunk, 2 + n), &mut msgs, &mut closes, &mut cap);
            seq += chunk.len() as u32;
        }
        let d = st.dirs.values().next().unwrap();
        assert!(d.pending_bytes <= MAX_TCP_PENDING);
        assert_eq!(msgs.len(), 1);
        assert!(
            cap.warnings
                .iter()
                .any(|w| w.message.contains("bytes missing")),
            "{:?}",
            cap.warnings
        );
    }
}
