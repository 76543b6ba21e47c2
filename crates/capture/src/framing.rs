//! Cutting SIP messages out of bytes: a UDP datagram holds one, a TCP stream
//! holds many back to back, each ending after `Content-Length` body bytes
//! (RFC 3261 §18.3). CRLF keep-alives between messages are skipped (RFC 5626 §4.4.1).

use crate::limits::MAX_MESSAGE_BYTES;

/// Whether bytes begin like a SIP message (a request line or a status line).
pub(crate) fn looks_like_sip(b: &[u8]) -> bool {
    let line_end = b
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(b.len().min(200));
    let line = &b[..line_end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.starts_with(b"SIP/2.0 ") {
        return true;
    }
    // METHOD SP Request-URI SP SIP/2.0
    let method_ok = line
        .iter()
        .take_while(|&&c| c != b' ')
        .all(|c| c.is_ascii_uppercase());
    method_ok && line.ends_with(b" SIP/2.0") && line.contains(&b' ')
}

/// Leading CR/LF bytes (keep-alives).
pub(crate) fn keepalive_len(b: &[u8]) -> usize {
    b.iter().take_while(|&&c| c == b'\r' || c == b'\n').count()
}

/// The result of looking for one message at the start of a stream buffer.
#[derive(Debug, PartialEq)]
pub(crate) enum Frame {
    /// A whole message of this many bytes.
    Complete(usize),
    /// Not enough bytes yet.
    NeedMore,
    /// The bytes are not SIP, or a message is over the limit.
    Bad(&'static str),
}

/// Find the first message in `b` (which starts at a message, keep-alives skipped).
pub(crate) fn next_frame(b: &[u8]) -> Frame {
    if !b.contains(&b'\n') {
        // The start line is not complete yet: judge by its bytes so far.
        let printable = b.iter().all(|c| (0x20..0x7f).contains(c) || *c == b'\r');
        return if printable && b.len() < 1024 {
            Frame::NeedMore
        } else {
            Frame::Bad("not SIP")
        };
    }
    if !looks_like_sip(b) {
        return Frame::Bad("not SIP");
    }
    let Some(head_end) = find(b, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(b, b"\n\n").map(|i| i + 2))
    else {
        return if b.len() > MAX_MESSAGE_BYTES {
            Frame::Bad("header over the size limit")
        } else {
            Frame::NeedMore
        };
    };
    let len = content_length(&b[..head_end]).unwrap_or(0);
    let total = head_end + len;
    if total > MAX_MESSAGE_BYTES {
        return Frame::Bad("message over the size limit");
    }
    if b.len() < total {
        Frame::NeedMore
    } else {
        Frame::Complete(total)
    }
}

/// `Content-Length` (or compact `l`) of a header block.
pub(crate) fn content_length(head: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(head);
    text.lines().skip(1).find_map(|l| {
        let (n, v) = l.split_once(':')?;
        let n = n.trim();
        (n.eq_ignore_ascii_case("content-length") || n == "l")
            .then(|| v.trim().parse().ok())
            .flatten()
    })
}

fn find(h: &[u8], needle: &[u8]) -> Option<usize> {
    h.windows(needle.len()).position(|w| w == needle)
}

/// Message bytes as text with CRLF line ends (logs print LF).
pub(crate) fn to_crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_back_to_back_messages() {
        let one = b"REGISTER sip:a SIP/2.0\r\nContent-Length: 3\r\n\r\nabc";
        let mut two = one.to_vec();
        two.extend_from_slice(b"SIP/2.0 200 OK\r\nl: 0\r\n\r\n");
        assert_eq!(next_frame(&two), Frame::Complete(one.len()));
        assert_eq!(next_frame(&two[one.len()..]), Frame::Complete(24));
        assert_eq!(next_frame(&one[..20]), Frame::NeedMore);
        assert_eq!(next_frame(&one[..one.len() - 1]), Frame::NeedMore);
        assert_eq!(
            next_frame(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc"),
            Frame::Bad("not SIP")
        );
        assert_eq!(keepalive_len(b"\r\n\r\nREG"), 4);
        assert_eq!(to_crlf("a\nb\r\nc"), "a\r\nb\r\nc");
    }
}
