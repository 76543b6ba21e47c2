//! What the Asterisk node last read from each phone. A phone's refresh is the
//! same REGISTER as its last one but for the top Via's `branch` and the CSeq
//! number, so the node reads it from the last one (`Received::resent`) instead of
//! parsing the text again: parsing was the largest part of a refresh's cost.
//! In debug builds every such read is checked against a full parse.

use aorlab_registrar::{Addr, ConnId, Protocol, Received};
use aorlab_sip::Message;
use std::rc::Rc;

/// One phone's last REGISTER as read: its text, where its branch and CSeq number
/// sit in that text, and the request as the registrar received it.
pub(super) struct LastRead {
    /// Shared with the transaction that sent it.
    text: Rc<str>,
    /// Byte range of the top Via's branch value.
    branch: (usize, usize),
    /// Byte range of the CSeq number.
    cseq: (usize, usize),
    rx: Received,
}

impl LastRead {
    /// Keep `rx`, read from `text` whose top Via carries `branch`; `None` when the
    /// text does not have the phone's shape (the branch ends its Via, the CSeq
    /// header follows it).
    pub fn of(text: &Rc<str>, branch: &str, rx: Received) -> Option<LastRead> {
        let b0 = aorlab_sip::find(text, ";branch=")? + ";branch=".len();
        let b1 = b0 + branch.len();
        if text.get(b0..b1)? != branch || !text[b1..].starts_with("\r\n") {
            return None;
        }
        let c0 = b1 + aorlab_sip::find(&text[b1..], "\r\nCSeq: ")? + "\r\nCSeq: ".len();
        let digits = text[c0..].bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        Some(LastRead {
            text: Rc::clone(text),
            branch: (b0, b1),
            cseq: (c0, c0 + digits),
            rx,
        })
    }

    /// The phone's next read, of `text` (top Via `branch`, CSeq `cseq`), which
    /// [`LastRead::reread`] read from this one: only the branch and the CSeq
    /// number moved, so where they sit follows from their lengths, unsearched.
    pub fn following(&self, text: &Rc<str>, branch: &str, cseq: u32, rx: Received) -> LastRead {
        let b1 = self.branch.0 + branch.len();
        let c0 = self.cseq.0 - self.branch.1 + b1;
        let c1 = c0 + itoa::Buffer::new().format(cseq).len();
        let next = LastRead {
            text: Rc::clone(text),
            branch: (self.branch.0, b1),
            cseq: (c0, c1),
            rx,
        };
        debug_assert!(
            LastRead::of(text, branch, next.rx.clone())
                .is_some_and(|l| (l.branch, l.cseq) == (next.branch, next.cseq))
        );
        next
    }

    /// The request `text` (top Via `branch`, CSeq `cseq`) as the registrar
    /// receives it from `source`, read from the last one when `text` is that one
    /// with only the branch and the CSeq number changed.
    pub fn reread(
        &self,
        text: &str,
        branch: &str,
        cseq: u32,
        from: (&Addr, Protocol, Option<ConnId>, Option<&str>),
    ) -> Option<Received> {
        let (source, protocol, conn, transport) = from;
        let rx = &self.rx;
        if rx.source() != source
            || rx.protocol() != protocol
            || rx.conn() != conn
            || rx.transport() != transport
        {
            return None;
        }
        let mut n = itoa::Buffer::new();
        let n = n.format(cseq);
        let old = &self.text;
        let ((b0, b1), (c0, c1)) = (self.branch, self.cseq);
        let parts = [&old[..b0], branch, &old[b1..c0], n, &old[c1..]];
        if text.len() != parts.iter().map(|p| p.len()).sum::<usize>() {
            return None;
        }
        let mut at = 0;
        for p in parts {
            if &text[at..at + p.len()] != p {
                return None;
            }
            at += p.len();
        }
        let new = rx.resent(branch, cseq)?;
        debug_assert_eq!(
            Some(&new),
            Message::parse_checked(text)
                .ok()
                .map(|m| Received::checked(
                    m,
                    source.clone(),
                    protocol,
                    conn,
                    transport.map(str::to_string)
                ))
                .as_ref(),
            "a REGISTER read from the last one differs from its parse"
        );
        Some(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(branch: &str, cseq: u32, expires: u32) -> String {
        format!(
            "REGISTER sip:198.51.100.10:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;rport;branch={branch}\r\nMax-Forwards: 70\r\nFrom: <sip:alice@198.51.100.10>;tag=t1\r\nTo: <sip:alice@198.51.100.10>\r\nCall-ID: c1\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:alice@10.0.0.5:5060>\r\nExpires: {expires}\r\nUser-Agent: aorlab-alice\r\nContent-Length: 0\r\n\r\n"
        )
    }

    fn parsed(t: &str, src: &Addr) -> Received {
        let m = Message::parse_checked(t).unwrap();
        Received::checked(
            m,
            src.clone(),
            Protocol::Udp,
            None,
            Some("transport-udp".into()),
        )
    }

    #[test]
    fn a_refresh_is_read_from_the_last_register_as_its_parse_would_read_it() {
        let src = Addr::new("203.0.113.7", 20001);
        let first = text("z9hG4bKax1", 1, 600);
        let last = LastRead::of(
            &Rc::from(first.as_str()),
            "z9hG4bKax1",
            parsed(&first, &src),
        )
        .unwrap();
        let from = (&src, Protocol::Udp, None, Some("transport-udp"));
        // A longer branch and a CSeq with more digits shift the text after them.
        let next = text("z9hG4bKax123456", 10, 600);
        let rx = last.reread(&next, "z9hG4bKax123456", 10, from).unwrap();
        assert_eq!(rx, parsed(&next, &src));
        assert_eq!(rx.request().headers.get("CSeq"), Some("10 REGISTER"));
        // The next read knows where the branch and the CSeq sit without a search,
        // and reads the refresh after it (a shorter branch, fewer digits) too.
        let next_text: Rc<str> = Rc::from(next.as_str());
        let second = last.following(&next_text, "z9hG4bKax123456", 10, rx.clone());
        let searched = LastRead::of(&next_text, "z9hG4bKax123456", rx).unwrap();
        assert_eq!(
            (second.branch, second.cseq),
            (searched.branch, searched.cseq)
        );
        let third = text("z9hG4bKa7", 9, 600);
        let rx = second.reread(&third, "z9hG4bKa7", 9, from).unwrap();
        assert_eq!(rx, parsed(&third, &src));
    }

    #[test]
    fn anything_else_that_differs_is_parsed_again() {
        let src = Addr::new("203.0.113.7", 20001);
        let first = text("z9hG4bKax1", 1, 600);
        let last = LastRead::of(
            &Rc::from(first.as_str()),
            "z9hG4bKax1",
            parsed(&first, &src),
        )
        .unwrap();
        let from = (&src, Protocol::Udp, None, Some("transport-udp"));
        // Another Expires: the text differs outside the branch and the CSeq.
        let other = text("z9hG4bKax2", 2, 0);
        assert!(last.reread(&other, "z9hG4bKax2", 2, from).is_none());
        // The same text from another source (the NAT gave a new port).
        let moved = Addr::new("203.0.113.7", 20002);
        let same = text("z9hG4bKax2", 2, 600);
        let from_moved = (&moved, Protocol::Udp, None, Some("transport-udp"));
        assert!(last.reread(&same, "z9hG4bKax2", 2, from_moved).is_none());
        // A CSeq that does not match the one in the text.
        assert!(last.reread(&same, "z9hG4bKax2", 3, from).is_none());
        assert!(last.reread(&same, "z9hG4bKax2", 2, from).is_some());
    }
}
