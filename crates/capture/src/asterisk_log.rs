//! Reading an Asterisk `full` log (or console paste) with `pjsip set logger on`:
//! the `<--- Received/Transmitting SIP request/response (N bytes) from/to
//! UDP:ip:port --->` blocks, the registrar's own lines, boots and stops.

use crate::error::ImportError;
use crate::evidence::*;
use crate::framing::{content_length, to_crlf};
use crate::limits::{MAX_MESSAGES, MAX_MESSAGE_BYTES};
use crate::log_time::{split_stamp, year_of, Stamp};
use std::collections::BTreeMap;

/// The header of one packet-logger block.
struct BlockHead {
    at_us: Micros,
    direction: Direction,
    transport: Transport,
    peer: String,
    announced: usize,
    line: u32,
}

/// Parse `<--- Received SIP request (382 bytes) from UDP:127.0.0.2:41101 --->`.
fn block_head(rest: &str) -> Option<(Direction, Transport, String, usize)> {
    let i = rest.find("<--- ")?;
    let s = rest[i + 5..].trim_end().strip_suffix("--->")?.trim_end();
    let (direction, s) = if let Some(s) = s.strip_prefix("Received SIP ") {
        (Direction::ToServer, s)
    } else {
        (Direction::FromServer, s.strip_prefix("Transmitting SIP ")?)
    };
    let s = s
        .strip_prefix("request (")
        .or_else(|| s.strip_prefix("response ("))?;
    let (bytes, s) = s.split_once(" bytes) ")?;
    let s = s.strip_prefix("from ").or_else(|| s.strip_prefix("to "))?;
    let (tp, addr) = s.split_once(':')?;
    Some((
        direction,
        Transport::parse(tp)?,
        addr.to_string(),
        bytes.parse().ok()?,
    ))
}

/// The year for stamps without one: the first stamp with a year, else the first
/// `Date:` header.
fn find_year(text: &str) -> Option<i64> {
    text.lines()
        .filter_map(|l| split_stamp(l).and_then(|(s, _)| s.year))
        .next()
        .or_else(|| {
            text.lines()
                .filter_map(|l| l.strip_prefix("Date:"))
                .find_map(|d| httpdate::parse_http_date(d.trim()).ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| year_of(d.as_micros() as u64))
        })
}

struct Reader {
    cap: Capture,
    year: i64,
    last_month: i64,
    last_us: Option<Micros>,
    /// TCP/TLS/WS connections open now: (transport, peer) → number.
    conns: BTreeMap<(Transport, String), u32>,
    next_conn: u32,
    /// Stored URI → where the REGISTER that added it came from.
    added_from: BTreeMap<String, (Transport, String)>,
    last_register: Option<(Transport, String)>,
    boot: Option<(Micros, Option<String>)>,
    up: bool,
    stopped: bool,
}

impl Reader {
    fn time(&mut self, s: &Stamp) -> Option<Micros> {
        if s.year.is_none() {
            // Yearless stamps roll over at New Year.
            if s.month < self.last_month {
                self.year += 1;
            }
            self.last_month = s.month;
        }
        s.micros(self.year)
    }

    fn conn_for(&mut self, transport: Transport, peer: &str) -> Option<u32> {
        if !transport.is_reliable() {
            return None;
        }
        let key = (transport, peer.to_string());
        if let Some(c) = self.conns.get(&key) {
            return Some(*c);
        }
        self.next_conn += 1;
        self.conns.insert(key, self.next_conn);
        Some(self.next_conn)
    }

    fn line(&mut self, at: Micros, rest: &str, place: Place) {
        if rest.starts_with("Asterisk ") && rest.contains(" built by ") {
            if self.up && !self.stopped {
                let at_us = self.last_us.unwrap_or(at);
                self.stop(at_us, StopHow::Unlogged, place);
            }
            let version = rest.split_whitespace().nth(1).map(str::to_string);
            self.boot = Some((at, version));
            return;
        }
        // "VERBOSE[6112] file.c: text" → "file.c: text"
        let text = rest.split_once(' ').map(|x| x.1).unwrap_or(rest);
        if text.contains("asterisk.c: Asterisk Ready.") {
            let (started_us, version) = self.boot.take().unwrap_or((at, None));
            if version.is_some() {
                self.cap.asterisk_version = version.clone();
            }
            self.cap.events.push(ServerEvent::Booted {
                at_us: at,
                started_us,
                version,
                place,
            });
            self.up = true;
            self.stopped = false;
        } else if text.contains("asterisk.c: Asterisk cleanly ending") {
            self.stop(at, StopHow::Graceful, place);
        } else if let Some(q) = text.strip_prefix("res_pjsip/pjsip_options.c: Contact ") {
            self.qualify(at, q, place);
        } else if text.starts_with("res_pjsip_registrar.c:")
            || text.starts_with("res_pjsip/location.c:")
        {
            self.registrar_line(at, text, place);
        }
    }

    fn stop(&mut self, at_us: Micros, how: StopHow, place: Place) {
        self.cap
            .events
            .push(ServerEvent::Stopped { at_us, how, place });
        self.stopped = true;
        self.up = false;
        // A stop closes every connection; later REGISTERs come on new ones.
        self.conns.clear();
    }

    fn qualify(&mut self, at: Micros, q: &str, place: Place) {
        let Some((who, st)) = q.split_once(" is now ") else {
            return;
        };
        let Some((aor, uri)) = who.split_once('/') else {
            return;
        };
        let status = if st.starts_with("Reachable") {
            QualifyStatus::Reachable
        } else if st.starts_with("Unreachable") {
            QualifyStatus::Unreachable
        } else {
            return;
        };
        let rtt_ms = st
            .split_once("RTT: ")
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|r| r.parse().ok());
        self.cap.events.push(ServerEvent::Qualify {
            at_us: at,
            aor: aor.to_string(),
            uri: uri.to_string(),
            status,
            rtt_ms,
            place,
        });
    }

    fn registrar_line(&mut self, at: Micros, text: &str, place: Place) {
        let quoted = text.split('\'').nth(1).unwrap_or("").to_string();
        if text.contains(": Added contact '") {
            if let Some(from) = self.last_register.clone() {
                self.added_from.insert(quoted.clone(), from);
            }
        } else if text.contains(": Removed contact '") && text.ends_with("due to shutdown") {
            // The transport monitor removed it: its connection closed now.
            if let Some((tp, peer)) = self.added_from.get(&quoted).cloned() {
                if let Some(conn) = self.conns.remove(&(tp, peer.clone())) {
                    self.cap.events.push(ServerEvent::ConnectionClosed {
                        at_us: at,
                        conn,
                        peer,
                        by: None,
                        how: CloseHow::LoggedRemoval,
                        place,
                    });
                }
            }
        }
        self.cap.events.push(ServerEvent::Log {
            at_us: at,
            text: text.to_string(),
            place,
        });
    }

    fn packet(&mut self, head: BlockHead, lines: &[&str]) -> Result<(), ImportError> {
        let place = Place::Line(head.line);
        let mut end = lines.len();
        while end > 0 && lines[end - 1].trim_end_matches('\r').is_empty() {
            end -= 1;
        }
        let mut text = to_crlf(&lines[..end].join("\n"));
        if !text.contains("\r\n\r\n") {
            text.push_str("\r\n\r\n");
        } else if content_length(text.as_bytes()).unwrap_or(0) > 0 {
            // The logger printed the body's last line end; blank-line trimming took it.
            text.push_str("\r\n");
        }
        // A body's trailing blank lines may be lost to trimming: allow 2 bytes.
        if text.len() + 2 < head.announced {
            self.cap.blind(BlindSpot::TruncatedBlocks);
            self.cap.warn(
                Some(place),
                format!(
                    "message block has {} bytes, its header says {}: truncated",
                    text.len(),
                    head.announced
                ),
            );
        }
        if !crate::framing::looks_like_sip(text.as_bytes()) {
            self.cap.warn(
                Some(place),
                "message block does not start with a SIP start line; skipped",
            );
            return Ok(());
        }
        if self.cap.packets.len() >= MAX_MESSAGES {
            return Err(ImportError::new(format!(
                "more than {MAX_MESSAGES} SIP messages: over the import limit"
            ))
            .at(place)
            .hint(
                "cut the log to the time of interest (for example with sed -n '/09:00/,/10:00/p')",
            ));
        }
        if head.direction == Direction::ToServer && text.starts_with("REGISTER ") {
            self.last_register = Some((head.transport, head.peer.clone()));
        }
        let conn = self.conn_for(head.transport, &head.peer);
        self.cap.packets.push(SipPacket {
            at_us: head.at_us,
            direction: head.direction,
            transport: head.transport,
            peer: head.peer,
            server: None,
            conn,
            text,
            place,
        });
        Ok(())
    }
}

/// Read a whole log text.
pub fn read_log(text: &str) -> Result<Capture, ImportError> {
    let Some(year) = find_year(text) else {
        return Err(ImportError::new("no dated line and no Date: header: cannot tell when this happened")
            .hint("give the `full` log file with its timestamps (logger.conf: `dateformat = %F %T.%3q` gives milliseconds)"));
    };
    let mut r = Reader {
        cap: Capture::new(InputKind::AsteriskLog),
        year,
        last_month: 0,
        last_us: None,
        conns: BTreeMap::new(),
        next_conn: 0,
        added_from: BTreeMap::new(),
        last_register: None,
        boot: None,
        up: false,
        stopped: false,
    };
    r.cap.blind(BlindSpot::ConnectionCloses);
    r.cap.blind(BlindSpot::ServerAddress);
    let lines: Vec<&str> = text.split('\n').collect();
    r.cap.units_read = lines.len() as u64;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\r');
        let n = (i + 1) as u32;
        i += 1;
        let (at, rest, fine) = match split_stamp(line) {
            Some((s, rest)) => (r.time(&s), rest, s.fine),
            None => (None, line, false),
        };
        if let Some((direction, transport, peer, announced)) = block_head(rest) {
            if !fine {
                // Only the messages' own times matter for stored expiry.
                r.cap.blind(BlindSpot::SecondResolution);
            }
            let Some(at_us) = at.or(r.last_us) else {
                return Err(ImportError::new("packet-logger block without a timestamp")
                    .at(Place::Line(n))
                    .hint("paste the lines from the `full` log file, which carry timestamps"));
            };
            // The block: headers up to the blank line, then Content-Length bytes of body.
            let start = i;
            while i < lines.len() && !lines[i].trim_end_matches('\r').is_empty() {
                if split_stamp(lines[i]).is_some() && block_head(lines[i]).is_some() {
                    break;
                }
                i += 1;
            }
            let head_text = lines[start..i].join("\n");
            let length = content_length(head_text.as_bytes()).unwrap_or(0);
            if announced.max(length) > MAX_MESSAGE_BYTES {
                // Read no body: the lines after are taken as log lines again.
                r.cap.warn(
                    Some(Place::Line(n)),
                    format!(
                        "a message of {} bytes is over the {MAX_MESSAGE_BYTES}-byte limit; skipped",
                        announced.max(length)
                    ),
                );
                continue;
            }
            let mut body = length as i64;
            if i < lines.len() {
                i += 1; // the blank line
            }
            while body > 0 && i < lines.len() {
                body -= lines[i].trim_end_matches('\r').len() as i64 + 2;
                i += 1;
            }
            let head = BlockHead {
                at_us,
                direction,
                transport,
                peer,
                announced,
                line: n,
            };
            r.packet(head, &lines[start..i])?;
            r.last_us = Some(at_us);
            continue;
        }
        if let Some(at) = at {
            r.line(at, rest, Place::Line(n));
            r.last_us = Some(at);
        }
    }
    if r.cap.packets.is_empty() {
        let lines = registrar_lines(&r.cap).count();
        let what = if lines > 0 {
            format!("no SIP messages in this log: it has {lines} registrar lines (bindings added, refreshed, removed) but no packet-logger blocks, so the REGISTERs and Asterisk's answers are not in it")
        } else {
            "no SIP messages in this log".to_string()
        };
        return Err(ImportError::new(what)
            .hint("turn the packet logger on (`pjsip set logger on`) before the problem happens; a log without it shows no REGISTERs"));
    }
    unlogged_registers(&mut r.cap);
    apply_utc_offset(&mut r.cap);
    r.cap.finish();
    Ok(r.cap)
}

/// Registrar lines only a REGISTER causes, with their time and place.
fn registrar_lines(cap: &Capture) -> impl Iterator<Item = (Micros, Place)> + '_ {
    cap.events.iter().filter_map(|e| match e {
        ServerEvent::Log { at_us, text, place }
            if text.contains("Added contact")
                || text.contains("Refreshed contact")
                || text.contains("due to request") =>
        {
            Some((*at_us, *place))
        }
        _ => None,
    })
}

/// A registrar line that only a REGISTER causes, with no REGISTER logged just
/// before it, means the packet logger was off then (turned on late, or off for
/// a while): those REGISTERs and answers are unknown. Said, never guessed.
fn unlogged_registers(cap: &mut Capture) {
    let registers: Vec<Micros> = cap
        .packets
        .iter()
        .filter(|p| p.direction == Direction::ToServer && p.text.starts_with("REGISTER "))
        .map(|p| p.at_us)
        .collect();
    // Whole-second stamps: a REGISTER up to 2 s before (or 1 s after) its line.
    let logged = |t: Micros| {
        registers
            .iter()
            .any(|&r| r + 2_000_000 >= t && r <= t + 1_000_000)
    };
    let missing: Vec<Place> = registrar_lines(cap)
        .filter(|(t, _)| !logged(*t))
        .map(|x| x.1)
        .collect();
    if let Some(first) = missing.first() {
        cap.blind(BlindSpot::UnloggedRegisters);
        cap.warn(
            Some(*first),
            format!("{} registrar lines (from here on) have no REGISTER in the log: the packet logger was off then", missing.len()),
        );
    }
}

/// Log times are local; a response's `Date:` header is GMT (RFC 3261 §20.17).
/// Their difference, rounded to a quarter hour, is the log's zone.
fn apply_utc_offset(cap: &mut Capture) {
    let offset = cap.packets.iter().find_map(|p| {
        if p.direction != Direction::FromServer || !p.text.starts_with("SIP/2.0") {
            return None;
        }
        let date = p
            .text
            .lines()
            .take_while(|l| !l.is_empty())
            .find_map(|l| l.strip_prefix("Date:"))?;
        let t = httpdate::parse_http_date(date.trim()).ok()?;
        let utc = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
        let log = (p.at_us / 1_000_000) as i64;
        Some(((log - utc) as f64 / 900.0).round() as i64 * 900)
    });
    match offset {
        Some(off) => {
            cap.utc_offset_s = Some(off);
            if off != 0 {
                let shift = |t: &mut Micros| *t = (*t as i64 - off * 1_000_000).max(0) as Micros;
                for p in &mut cap.packets {
                    shift(&mut p.at_us);
                }
                for e in &mut cap.events {
                    match e {
                        ServerEvent::ConnectionClosed { at_us, .. }
                        | ServerEvent::Stopped { at_us, .. }
                        | ServerEvent::Qualify { at_us, .. }
                        | ServerEvent::Log { at_us, .. } => shift(at_us),
                        ServerEvent::Booted {
                            at_us, started_us, ..
                        } => {
                            shift(at_us);
                            shift(started_us);
                        }
                    }
                }
            }
        }
        None => cap.blind(BlindSpot::TimeZone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_block_heads() {
        let h = block_head("VERBOSE[6117] res_pjsip_logger.c: <--- Received SIP request (382 bytes) from UDP:127.0.0.2:41101 --->").unwrap();
        assert_eq!(
            h,
            (
                Direction::ToServer,
                Transport::Udp,
                "127.0.0.2:41101".into(),
                382
            )
        );
        let h =
            block_head("<--- Transmitting SIP response (516 bytes) to TCP:[2001:db8::7]:5060 --->")
                .unwrap();
        assert_eq!(
            h,
            (
                Direction::FromServer,
                Transport::Tcp,
                "[2001:db8::7]:5060".into(),
                516
            )
        );
        assert!(block_head("<--- nonsense --->").is_none());
    }

    const LOG: &str = "[2026-11-30 10:00:00.500] VERBOSE[1] res_pjsip_logger.c: <--- Received SIP request (10 bytes) from UDP:10.0.0.2:5060 --->
REGISTER sip:pbx SIP/2.0
Call-ID: a
CSeq: 1 REGISTER
Content-Length: 0


[2026-11-30 10:00:00.501] VERBOSE[2] res_pjsip_registrar.c: Added contact 'sip:a@10.0.0.2' to AOR 'a' with expiration of 60 seconds
[2026-11-30 10:00:00.501] VERBOSE[2] res_pjsip_logger.c: <--- Transmitting SIP response (10 bytes) to UDP:10.0.0.2:5060 --->
SIP/2.0 200 OK
Date: Mon, 30 Nov 2026 09:00:00 GMT
Content-Length: 0


";

    #[test]
    fn reads_a_log_and_its_zone() {
        let c = read_log(LOG).unwrap();
        assert_eq!(c.packets.len(), 2);
        assert_eq!(c.utc_offset_s, Some(3600));
        // 10:00:00.500 local at UTC+1 is 09:00:00.500 UTC.
        assert_eq!(
            c.packets[0].at_us % 86_400_000_000,
            9 * 3_600_000_000 + 500_000
        );
        assert!(c.packets[0].text.ends_with("Content-Length: 0\r\n\r\n"));
        assert_eq!(c.events.len(), 1);
        assert!(read_log("hello\nworld\n").is_err());
    }
}
