//! A phone: its REGISTER transactions (RFC 3261 §17.1.2 timers), refreshes,
//! retries after failures (RFC 5626 §4.5 back-off) and keep-alives (RFC 5626 §4.4.1).

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Register,
    Unregister,
    UnregisterAll,
}

#[derive(Debug)]
pub(super) struct Tx {
    pub(super) dev: usize,
    pub(super) kind: Kind,
    /// Shared with its held record and with what the node last read: a
    /// REGISTER's text is copied only when a record of it is written.
    pub(super) text: Rc<str>,
    pub(super) branch: String,
    /// The CSeq number in `text`.
    pub(super) cseq: u32,
    pub(super) started: SimMs,
    pub(super) next_retrans: SimMs,
    pub(super) done: bool,
}

/// Where a phone's own registration stands, as the phone sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not asked to register, or unregistered.
    Idle,
    /// Asked to register; no answer yet.
    Registering,
    /// The last REGISTER got 200 OK.
    Registered,
    /// The last REGISTER failed; a retry is scheduled.
    Failed,
    GaveUp,
}

/// Laid out in order: what routing reads of a device for every packet (its
/// socket, its NAT, whether it answers OPTIONS) comes first, on one cache line.
/// A qualify reads nothing else of the phone, and at thousands of phones the
/// device is cold when its turn comes.
#[derive(Debug)]
#[repr(C, align(64))]
pub(super) struct DevState {
    /// Open connection: (id, local port).
    pub(super) conn: Option<(u64, u16)>,
    /// Index of the NAT it sits behind (the spec names it; this saves the search).
    pub(super) nat: Option<usize>,
    /// `ip` parsed, kept in step with it (routing looks it up per device per event).
    pub(super) ip_addr: IpAddr,
    pub(super) port: u16,
    pub(super) online: bool,
    /// The spec's protocol and `answers_options` (a spec never changes), here
    /// on the first line with the socket.
    pub(super) protocol: Protocol,
    pub(super) answers_options: bool,
    pub(super) spec: Device,
    pub(super) ip: String,
    pub(super) call_id: String,
    pub(super) tag: String,
    pub(super) cseq: u32,
    pub(super) rinstance: String,
    /// Timer generation: bumping it cancels pending refresh/retry timers.
    pub(super) gen: u64,
    /// Keep-alive chain generation.
    pub(super) ka_gen: u64,
    pub(super) retry_ms: Option<SimMs>,
    pub(super) wants: bool,
    pub(super) boots: u32,
    pub(super) last_failure: Option<String>,
    pub(super) phase: Phase,
    /// The latest thing that could have cut the phone off (for incidents).
    pub(super) cause: Option<Cause>,
    /// Why the last REGISTER was refused, from the registrar ("max_contacts").
    pub(super) reject_reason: Option<String>,
    /// RFC 5626 §4.5 consecutive failures.
    pub(super) failures: u32,
    /// Public port Asterisk saw in the last successful REGISTER (STUN compares).
    pub(super) public_port: Option<u16>,
    /// The NAT forgot this TCP connection: the next packet gets a reset.
    pub(super) conn_dead: bool,
    /// Its Contact URI's text and parse, as last read from a 200 OK: parsed again
    /// only when the text moves (parsing it on every answer was about 3 % of a
    /// 500-phone day).
    pub(super) own_contact: Option<(String, Option<Uri>)>,
}

impl World {
    // ---------------------------------------------------------------- devices

    pub(super) fn contact_uri(&self, i: usize) -> String {
        let mut s = String::with_capacity(64);
        self.push_contact_uri(i, &mut s);
        s
    }

    /// [`World::contact_uri`] appended to `s` (a REGISTER is sent for every
    /// refresh: pieces appended, not formatted).
    fn push_contact_uri(&self, i: usize, s: &mut String) {
        let d = &self.devs[i];
        s.push_str("sip:");
        s.push_str(&d.spec.user);
        s.push('@');
        s.push_str(&d.ip);
        s.push(':');
        s.push_str(itoa::Buffer::new().format(self.local_port(i)));
        if d.spec.protocol != Protocol::Udp {
            s.push_str(";transport=");
            s.push_str(d.spec.protocol.as_str());
        }
        s.push_str(&d.spec.contact_params);
        if d.spec.rinstance {
            s.push_str(";rinstance=");
            s.push_str(&d.rinstance);
        }
    }

    /// The Contact header's value: `<contact URI>`.
    fn contact_header(&self, i: usize) -> String {
        let mut s = String::with_capacity(64);
        s.push('<');
        self.push_contact_uri(i, &mut s);
        s.push('>');
        s
    }

    pub(super) fn send_register(&mut self, i: usize, kind: Kind) {
        if !self.devs[i].online {
            return;
        }
        self.reset_dead_conn(i);
        self.ensure_conn(i);
        let src = self.source_of(i);
        let d = &mut self.devs[i];
        d.cseq += 1;
        let tx_id = self.next_tx;
        self.next_tx += 1;
        let mut branch = String::with_capacity(32);
        branch.push_str("z9hG4bK");
        branch.extend(d.spec.name.chars().filter(char::is_ascii_alphanumeric));
        branch.push('x');
        branch.push_str(itoa::Buffer::new().format(tx_id));
        let proto = d.spec.protocol.pjsip_name();
        let via_port = if d.spec.protocol.is_reliable() {
            d.conn.map(|c| c.1).unwrap_or(d.port)
        } else {
            d.port
        };
        let (contact, expires) = match kind {
            Kind::Register => (self.contact_header(i), self.devs[i].spec.expires),
            Kind::Unregister => (self.contact_header(i), 0),
            Kind::UnregisterAll => ("*".to_string(), 0),
        };
        let text: Rc<str> =
            register_text(&self.devs[i], proto, via_port, &branch, &contact, expires).into();
        let name = self.devs[i].spec.name.clone();
        let (at_ms, sent, from) = (self.now, Rc::clone(&text), src.clone());
        let make = move || register_record(at_ms, name, kind, expires, &from, sent);
        // A refresh that may be routine is held from its first record, as the
        // recipe that makes it: built only if the exchange is written after all.
        // (No other exchange is held while a phone sends: holds last one step.)
        debug_assert!(self.routine.holding.is_none());
        self.routine.holding = self.may_be_routine(i, kind).then_some(tx_id);
        self.record_with(make);
        self.routine.holding = None;
        self.txs.insert(
            tx_id,
            Tx {
                dev: i,
                kind,
                text,
                branch,
                cseq: self.devs[i].cseq,
                started: self.now,
                next_retrans: T1,
                done: false,
            },
        );
        self.schedule(self.now + DELAY_MS, Ev::Arrive(i, tx_id, src));
        if !self.devs[i].spec.protocol.is_reliable() {
            self.schedule(self.now + T1, Ev::Retransmit(tx_id));
        }
        self.schedule(self.now + TIMER_F, Ev::TimerF(tx_id));
    }

    /// `src`: the address the NAT gave the packet when it left the phone.
    pub(super) fn reply(&mut self, tx_id: u64, resp: &Answer, dst: Addr) {
        let Some(tx) = self.txs.get(&tx_id) else {
            return;
        };
        if tx.done {
            return;
        }
        let i = tx.dev;
        let kind = tx.kind;
        let proto = self.devs[i].spec.protocol;
        let name = self.devs[i].spec.name.clone();
        // Does the answer still reach the phone?
        match self.route(&dst.ip, dst.port, proto) {
            Some(j) if j == i => {}
            _ => {
                self.flush(tx_id);
                let r = self.record(RecordKind::Device, &name, format!("answer to {dst} never arrives: no NAT mapping/connection leads to {name} any more"));
                r.devices = vec![name];
                return;
            }
        }
        if let Some(t) = self.txs.get_mut(&tx_id) {
            t.done = true;
        }
        self.inbound(i);
        let code = resp.status();
        if code != 200 || kind != Kind::Register {
            self.flush(tx_id);
        }
        self.devs[i].gen += 1;
        let gen = self.devs[i].gen;
        if code == 200 {
            let d = &mut self.devs[i];
            d.retry_ms = None;
            d.last_failure = None;
            d.failures = 0;
            d.cause = None;
            d.public_port = Some(dst.port);
            if kind != Kind::Register {
                self.devs[i].wants = false;
                self.devs[i].phase = Phase::Idle;
                let r = self.record(RecordKind::Device, &name, "unregistered".into());
                r.devices = vec![name];
                return;
            }
            // Find our own binding in the 200 OK.
            let text = self.contact_uri(i);
            let own = &mut self.devs[i].own_contact;
            if own.as_ref().is_none_or(|(t, _)| *t != text) {
                let parsed = Uri::parse(&text).ok();
                *own = Some((text, parsed));
            }
            let mine = own.as_ref().and_then(|(_, u)| u.as_ref());
            let mut granted: Option<u32> = None;
            // The typed answer is what the text says: each Contact as sent with
            // its expires parameter (a negative one reads as none, as in text).
            for (uri, expires) in resp.response.contacts_as_sent() {
                if mine.is_some_and(|m| aorlab_sip::uri_eq(&uri, m).is_ok()) {
                    granted = expires.and_then(|e| u32::try_from(e).ok());
                }
            }
            let granted = granted
                .or_else(|| resp.response.expires())
                .unwrap_or(self.devs[i].spec.expires);
            let wait = match self.devs[i].spec.refresh {
                Refresh::Before { ms } => (granted as u64 * 1000).saturating_sub(ms).max(1000),
                Refresh::Fraction { f } => ((granted as f64 * 1000.0 * f) as u64).max(1000),
            };
            self.devs[i].phase = Phase::Registered;
            let held = self.routine.is_held(tx_id);
            self.routine.holding = held.then_some(tx_id);
            let at_ms = self.now;
            self.record_with(move || {
                let what = format!(
                    "registered for {granted} s; refreshes in {}",
                    crate::duration::format_duration(wait)
                );
                let mut r = Record::new(at_ms, RecordKind::Device, &name, what);
                r.devices = vec![name];
                r
            });
            self.routine.holding = None;
            if held {
                self.settle_refresh(tx_id, i);
            }
            self.schedule(self.now + wait, Ev::Refresh(i, gen));
        } else {
            self.devs[i].last_failure =
                Some(format!("{code} {}", aorlab_registrar::reason_phrase(code)));
            let reason = self.devs[i]
                .reject_reason
                .take()
                .unwrap_or_else(|| aorlab_registrar::reason_phrase(code).to_string());
            self.devs[i].cause = Some(Cause::Rejected { code, reason });
            let policy = self.devs[i].spec.on_403;
            self.fail(
                i,
                policy,
                &format!("got {code} {}", aorlab_registrar::reason_phrase(code)),
                Some(code),
            );
        }
    }

    pub(super) fn fail(&mut self, i: usize, policy: Failure, what: &str, code: Option<u16>) {
        let name = self.devs[i].spec.name.clone();
        self.devs[i].gen += 1;
        let gen = self.devs[i].gen;
        match policy {
            Failure::GiveUp => {
                self.devs[i].phase = Phase::GaveUp;
                let r = self.record(
                    RecordKind::Device,
                    &name,
                    format!("{what}: gives up registering"),
                );
                r.why = Some(format!("{name} is configured to give up after a failure; it stays unregistered until rebooted."));
                r.devices = vec![name];
                r.phone = Some(PhoneEvent::Failed {
                    code,
                    gave_up: true,
                });
            }
            Failure::Retry { .. } | Failure::Backoff { .. } => {
                self.devs[i].phase = Phase::Failed;
                let wait = self.retry_wait(i, policy);
                let r = self.record(
                    RecordKind::Device,
                    &name,
                    format!(
                        "{what}: retries in {}",
                        crate::duration::format_duration(wait)
                    ),
                );
                r.devices = vec![name];
                r.phone = Some(PhoneEvent::Failed {
                    code,
                    gave_up: false,
                });
                self.schedule(self.now + wait, Ev::Retry(i, gen));
            }
        }
    }

    /// How long to wait before the next attempt, advancing the schedule.
    pub(super) fn retry_wait(&mut self, i: usize, policy: Failure) -> SimMs {
        match policy {
            Failure::GiveUp => 0,
            Failure::Retry {
                after_ms,
                backoff,
                max_ms,
            } => {
                let wait = self.devs[i].retry_ms.unwrap_or(after_ms);
                self.devs[i].retry_ms =
                    Some(((wait as f64 * backoff) as u64).min(max_ms).max(after_ms));
                wait
            }
            // RFC 5626 §4.5: W = min(max-time, base-time × 2^consecutive-failures),
            // then a random wait between 50 % and 100 % of W.
            Failure::Backoff { base_ms, max_ms } => {
                self.devs[i].failures = (self.devs[i].failures + 1).min(30);
                let w = base_ms
                    .saturating_mul(1u64 << self.devs[i].failures)
                    .min(max_ms)
                    .max(2);
                w / 2 + self.random() % (w / 2 + 1)
            }
        }
    }

    pub(super) fn start_keepalive(&mut self, i: usize) {
        let Some(every) = self.devs[i].spec.keepalive.every_ms() else {
            return;
        };
        // A new chain replaces any running one.
        self.devs[i].ka_gen += 1;
        let gen = self.devs[i].ka_gen;
        self.schedule(self.now + every, Ev::KeepAlive(i, gen));
    }

    /// One keep-alive (RFC 5626 §4.4.1): it goes out through the NAT; a failed
    /// flow (connection reset, STUN showing a new public address) means
    /// registering again at once.
    pub(super) fn keepalive(&mut self, i: usize) {
        let name = self.devs[i].spec.name.clone();
        if self.reset_dead_conn(i) {
            let r = self.record(
                RecordKind::Device,
                &name,
                "keep-alive failed (connection reset): registers again".into(),
            );
            r.why = Some("RFC 5626 §4.4.1: a flow whose keep-alive fails is dead; the phone registers a new one.".into());
            r.devices = vec![name];
            self.send_register(i, Kind::Register);
            return;
        }
        let src = self.source_of(i);
        match self.devs[i].spec.keepalive {
            KeepAlive::Stun { .. } => {
                // The Binding response comes back and names the public address.
                self.inbound(i);
                let seen = self.devs[i].public_port;
                if self.devs[i].phase == Phase::Registered && seen.is_some_and(|p| p != src.port) {
                    let r = self.record(RecordKind::Device,
                        &name,
                        format!(
                            "STUN keep-alive shows a new public address {src} (was :{}): registers again",
                            seen.unwrap_or(0)
                        ),
                    );
                    r.why = Some("RFC 5626 §4.4.1: a changed XOR-MAPPED-ADDRESS means the flow failed; the phone registers again so Asterisk learns the new port.".into());
                    r.devices = vec![name];
                    self.send_register(i, Kind::Register);
                }
            }
            KeepAlive::Options { .. } => self.inbound(i),
            KeepAlive::Crlf { .. } | KeepAlive::None => {}
        }
    }

    /// Timer E (RFC 3261 §17.1.2.2): a UDP REGISTER goes again, at doubling
    /// intervals up to T2, until answered or Timer F.
    pub(super) fn retransmit(&mut self, tx_id: u64) {
        let Some(tx) = self.txs.get_mut(&tx_id) else {
            return;
        };
        if tx.done || self.now.saturating_sub(tx.started) >= TIMER_F {
            return;
        }
        let i = tx.dev;
        let next = (tx.next_retrans * 2).min(T2);
        tx.next_retrans = next;
        if !self.devs[i].online {
            return;
        }
        let text = tx.text.clone();
        self.flush(tx_id);
        let src = self.source_of(i);
        let name = self.devs[i].spec.name.clone();
        let r = self.record(
            RecordKind::Sip,
            &name,
            format!("REGISTER retransmitted (Timer E) from {src}"),
        );
        r.sip = Some(SipText {
            from: name.clone(),
            to: "asterisk".into(),
            first_line: text.lines().next().unwrap_or("").to_string(),
            expires: SipText::expires_header(&text),
            text: text.to_string(),
            method: "REGISTER".into(),
            code: None,
        });
        r.devices = vec![name];
        self.schedule(self.now + DELAY_MS, Ev::Arrive(i, tx_id, src));
        self.schedule(self.now + next, Ev::Retransmit(tx_id));
    }

    /// Timer F: no final answer within 64·T1.
    pub(super) fn timer_f(&mut self, tx_id: u64) {
        let Some(tx) = self.txs.remove(&tx_id) else {
            return;
        };
        self.flush(tx_id);
        if tx.done {
            return;
        }
        let i = tx.dev;
        self.devs[i].last_failure = Some("no answer".into());
        self.devs[i].cause = Some(Cause::NoAnswer);
        let policy = self.devs[i].spec.on_timeout;
        self.fail(i, policy, "no answer within 32 s (Timer F)", None);
    }

    /// A refresh or retry timer fires (unless a newer timer replaced it).
    pub(super) fn refresh(&mut self, i: usize, gen: u64) {
        if self.devs[i].gen == gen && self.devs[i].wants && self.devs[i].online {
            self.send_register(i, Kind::Register);
        }
    }

    /// The keep-alive chain `gen` ticks (a newer chain replaces it).
    pub(super) fn keepalive_due(&mut self, i: usize, gen: u64) {
        if self.devs[i].ka_gen == gen {
            // Offline phones send nothing but resume when back online.
            if self.devs[i].online && self.devs[i].wants {
                self.keepalive(i);
            }
            let Some(every) = self.devs[i].spec.keepalive.every_ms() else {
                return;
            };
            self.schedule(self.now + every, Ev::KeepAlive(i, gen));
        }
    }
}

/// The record of a REGISTER the phone sends.
fn register_record(
    at_ms: SimMs,
    name: String,
    kind: Kind,
    expires: u32,
    src: &Addr,
    text: Rc<str>,
) -> Record {
    let what = match kind {
        Kind::Register => format!("REGISTER (Expires {expires}) from {src}"),
        Kind::Unregister => format!("REGISTER Expires 0 (unregister) from {src}"),
        Kind::UnregisterAll => format!("REGISTER Contact: * (unregister all) from {src}"),
    };
    let mut r = Record::new(at_ms, RecordKind::Sip, &name, what);
    r.sip = Some(SipText {
        from: name.clone(),
        to: "asterisk".into(),
        first_line: format!("REGISTER sip:{ASTERISK_IP}:{ASTERISK_PORT} SIP/2.0"),
        text: text.to_string(),
        method: "REGISTER".into(),
        code: None,
        expires: Some(expires),
    });
    r.devices = vec![name];
    r
}

/// The text of phone `d`'s REGISTER, appended piece by piece: an eleven-argument
/// `format!` was most of the cost of sending a REGISTER (about 1.6 % of a
/// 1,000-phone run under cachegrind).
fn register_text(
    d: &DevState,
    proto: &str,
    via_port: u16,
    branch: &str,
    contact: &str,
    expires: u32,
) -> String {
    let (user, name) = (d.spec.user.as_str(), d.spec.name.as_str());
    let (mut port, mut cseq, mut exp, mut listen) = (
        itoa::Buffer::new(),
        itoa::Buffer::new(),
        itoa::Buffer::new(),
        itoa::Buffer::new(),
    );
    let asterisk = ASTERISK_IP;
    let asterisk_port = listen.format(ASTERISK_PORT);
    let parts = [
        "REGISTER sip:",
        asterisk,
        ":",
        asterisk_port,
        " SIP/2.0\r\nVia: SIP/2.0/",
        proto,
        " ",
        &d.ip,
        ":",
        port.format(via_port),
        ";rport;branch=",
        branch,
        "\r\nMax-Forwards: 70\r\nFrom: <sip:",
        user,
        "@",
        asterisk,
        ">;tag=",
        &d.tag,
        "\r\nTo: <sip:",
        user,
        "@",
        asterisk,
        ">\r\nCall-ID: ",
        &d.call_id,
        "\r\nCSeq: ",
        cseq.format(d.cseq),
        " REGISTER\r\nContact: ",
        contact,
        "\r\nExpires: ",
        exp.format(expires),
        "\r\nUser-Agent: aorlab-",
        name,
        "\r\nContent-Length: 0\r\n\r\n",
    ];
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        text.push_str(p);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn what_routing_reads_of_a_phone_is_on_its_first_cache_line() {
        use std::mem::{align_of, offset_of, size_of};
        assert_eq!(align_of::<DevState>(), 64);
        assert!(offset_of!(DevState, answers_options) < 64);
        assert!(offset_of!(DevState, protocol) < 64 && offset_of!(DevState, online) < 64);
        assert!(offset_of!(DevState, ip_addr) + size_of::<IpAddr>() <= 64);
        assert!(offset_of!(DevState, conn) + size_of::<Option<(u64, u16)>>() <= 64);
        assert!(offset_of!(DevState, nat) + size_of::<Option<usize>>() <= 64);
        // The copies agree with the spec they come from.
        let run = run_until(NAT_PAIR, 0);
        for d in &run.world.devs {
            assert_eq!(
                (d.protocol, d.answers_options),
                (d.spec.protocol, d.spec.answers_options)
            );
        }
    }

    #[test]
    fn a_phone_registers_and_schedules_its_refresh_from_the_granted_time() {
        let run = run_until(NAT_PAIR, 1_000);
        let w = &run.world;
        let q = dev(w, "quiet");
        assert_eq!(w.devs[q].phase, Phase::Registered);
        assert_eq!(w.contact_uri(q), "sip:quiet@192.168.1.10:5060");
        let line = w
            .records
            .iter()
            .find(|r| r.kind == RecordKind::Device && r.actor == "quiet")
            .expect("a device record");
        // Asterisk grants what is left of the whole second it stored.
        assert!(line.summary.starts_with("registered for 299 s"), "{line:?}");
        let req = w
            .records
            .iter()
            .find(|r| r.kind == RecordKind::Sip)
            .unwrap();
        let sip = req.sip.as_ref().unwrap();
        assert_eq!((sip.method.as_str(), sip.code), ("REGISTER", None));
        assert!(sip.text.contains("Expires: 300\r\n"));
    }

    #[test]
    fn retry_waits_grow_by_the_backoff_up_to_the_maximum() {
        let mut w = world(NAT_PAIR);
        let policy = Failure::Retry {
            after_ms: 60_000,
            backoff: 2.0,
            max_ms: 300_000,
        };
        let waits: Vec<SimMs> = (0..4).map(|_| w.retry_wait(0, policy)).collect();
        assert_eq!(waits, [60_000, 120_000, 240_000, 300_000]);
    }

    #[test]
    fn rfc5626_backoff_stays_between_half_and_all_of_the_window() {
        let mut w = world(NAT_PAIR);
        let policy = Failure::Backoff {
            base_ms: 30_000,
            max_ms: 1_800_000,
        };
        for n in 1..8u32 {
            let window = (30_000u64 << n).min(1_800_000);
            let wait = w.retry_wait(0, policy);
            assert!(
                wait >= window / 2 && wait <= window,
                "{n}: {wait} of {window}"
            );
        }
    }
}
