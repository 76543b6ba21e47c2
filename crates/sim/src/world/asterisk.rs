//! The Asterisk node: it wraps the registrar, takes REGISTERs as they arrive,
//! answers (keeping stateful 200s for retransmissions), sends qualify OPTIONS,
//! and stops and starts.

use super::last_read::LastRead;
use super::*;

/// An OPTIONS in flight: what its answer (or its timeout) needs.
#[derive(Debug)]
pub(super) struct OptionsSent {
    /// The contact's id and its stored URI.
    id: Arc<str>,
    uri: Arc<str>,
    /// Where the registrar held the binding.
    row: RowHint,
    rtt: SimMs,
    /// The routing clock when it was sent and the device the URI led to then.
    route: (u64, Option<u32>),
    /// Answered (else: timed out).
    ok: bool,
    /// Routine: counted, not written.
    quiet: bool,
}

impl World {
    // ---------------------------------------------------------------- Asterisk side

    pub(super) fn apply_outcome(&mut self, out: Outcome, dev: Option<usize>) {
        for c in out.changes {
            self.note_change(c, dev);
        }
        for q in out.qualify {
            self.send_options(q);
        }
        self.schedule_tick();
    }

    /// The phone that made binding `uri` of `aor`, if the world saw it.
    pub(super) fn owner_of(&self, aor: &str, uri: &str) -> Option<usize> {
        self.slots
            .get(aor)
            .and_then(|m| m.get(uri))
            .and_then(|s| s.owner)
    }

    /// The world's slot for binding `uri` of `aor`, by the registrar's `Arc`s.
    pub(super) fn slot(&self, aor: &Arc<str>, uri: &Arc<str>) -> Option<&Slot> {
        self.slots.get(&ByArc(aor)).and_then(|m| m.get(&ByArc(uri)))
    }

    /// [`World::slot`], to change.
    pub(super) fn slot_mut(&mut self, aor: &Arc<str>, uri: &Arc<str>) -> Option<&mut Slot> {
        self.slots
            .get_mut(&ByArc(aor))
            .and_then(|m| m.get_mut(&ByArc(uri)))
    }

    /// A refresh by the phone that made the binding: nothing moves but the phone
    /// and the life's grant, found with one look-up. `false`: not such a refresh.
    fn refreshed_by_owner(&mut self, c: &Change, dev: Option<usize>) -> bool {
        let Some(i) = dev.filter(|_| c.kind == ChangeKind::Refreshed) else {
            return false;
        };
        let slot = self.slot(&c.aor, &c.uri).copied();
        let Some(slot) = slot.filter(|s| s.owner == Some(i)) else {
            return false;
        };
        self.watch.dirty_devs.insert(i);
        if let Some(k) = slot.life {
            self.life_refreshed(k, c);
        }
        true
    }

    /// Who made each binding, and what a removal or refusal means for that phone.
    pub(super) fn note_owner(&mut self, c: &Change, dev: Option<usize>) {
        match c.kind {
            ChangeKind::Added | ChangeKind::Refreshed => {
                if let Some(i) = dev {
                    if self.slot(&c.aor, &c.uri).and_then(|s| s.owner) == Some(i) {
                        // A refresh by its owner: nothing moves but the phone itself.
                        self.watch.dirty_devs.insert(i);
                        return;
                    }
                    let slot = self
                        .slots
                        .entry(SharedKey::of(&c.aor))
                        .or_default()
                        .entry(SharedKey::of(&c.uri))
                        .or_default();
                    let before = slot.owner.replace(i);
                    let key = (c.aor.clone(), c.uri.clone());
                    if let Some(b) = before.filter(|&b| b != i) {
                        self.watch.owned_by[b].remove(&key);
                        self.watch.dirty_devs.insert(b);
                    }
                    self.watch.owned_by[i].insert(key);
                    self.watch.dirty_devs.insert(i);
                }
            }
            ChangeKind::Removed => {
                let slot = self.slot_mut(&c.aor, &c.uri);
                let owner = slot.and_then(|s| s.owner.take());
                if let Some(o) = owner {
                    self.watch.owned_by[o].remove(&(c.aor.clone(), c.uri.clone()));
                    self.watch.dirty_devs.insert(o);
                }
                let j = owner.or_else(|| self.route_uri(&c.uri));
                if let Some(j) = j {
                    self.devs[j].cause = Some(Cause::BindingRemoved {
                        reason: reason_label(&c.why).to_string(),
                    });
                }
            }
            ChangeKind::Rejected => {
                if let Some(i) = dev {
                    let label = reason_label(&c.why);
                    let reason = label.split_once(", ").map_or(label, |(_, r)| r);
                    self.devs[i].reject_reason = Some(reason.to_string());
                }
            }
            ChangeKind::Ignored => {}
        }
    }

    pub(super) fn note_change(&mut self, c: Change, dev: Option<usize>) {
        let refresh = self.refreshed_by_owner(&c, dev);
        if !refresh {
            self.note_owner(&c, dev);
        }
        self.touch_aor(&c.aor);
        if let (ChangeKind::Added | ChangeKind::Refreshed, Some(e)) = (c.kind, c.expires) {
            // The binding stops counting the moment it expires, sweep or not.
            let at = (c.at + e as u64 * 1000).saturating_sub(EPOCH_MS) + 1;
            self.schedule(at, Ev::NatCheck);
        }
        // A removal concerns the phone the binding leads to, not the one registering.
        let device = match (c.kind, dev) {
            (ChangeKind::Removed, _) | (_, None) => self
                .route_uri(&c.uri)
                .map(|i| self.devs[i].spec.name.clone()),
            (_, Some(i)) => Some(self.devs[i].spec.name.clone()),
        };
        let life_device = device.clone().filter(|_| c.kind == ChangeKind::Added);
        if !refresh {
            self.note_life(&c, life_device);
        }
        let at_ms = self.now;
        self.record_with(move || change_record(at_ms, &c, device));
    }

    pub(super) fn send_options(&mut self, q: QualifyRequest) {
        let (clock, target) = (self.route_clock.get(), self.route_shared_uri(&q.uri));
        if let Some(i) = target {
            self.inbound(i);
        }
        let answered = target.is_some_and(|i| self.devs[i].answers_options);
        let quiet = self.qualify_is_routine(&q.contact_id, target, answered);
        let n = self.random();
        if !quiet {
            let request_uri = self.reg.qualify_request_uri(&q);
            let devices: Vec<String> = target
                .map(|i| self.devs[i].spec.name.clone())
                .into_iter()
                .collect();
            let user = Uri::parse(&request_uri)
                .ok()
                .and_then(|u| u.user)
                .unwrap_or_default();
            let text = format!(
                "OPTIONS {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ASTERISK_IP}:{ASTERISK_PORT};rport;branch=z9hG4bKPj{n:016x}\r\nFrom: <sip:{user}@{ASTERISK_IP}>;tag={tag:08x}\r\nTo: <{ruri}>\r\nContact: <sip:{user}@{ASTERISK_IP}:{ASTERISK_PORT}>\r\nCall-ID: {cid:016x}\r\nCSeq: {cseq} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                ruri = request_uri,
                tag = (n >> 32) as u32,
                cid = n.rotate_left(21),
                cseq = n % 60000 + 1,
            );
            let to = devices.first().cloned().unwrap_or_else(|| "nobody".into());
            let r = self.record(
                RecordKind::Qualify,
                "asterisk",
                format!("OPTIONS {} ({}) → {to}", request_uri, q.aor),
            );
            r.sip = Some(SipText {
                from: "asterisk".into(),
                to,
                first_line: format!("OPTIONS {} SIP/2.0", request_uri),
                text,
                method: "OPTIONS".into(),
                code: None,
                expires: None,
            });
            r.uri = Some(q.uri.to_string());
            r.devices = devices;
        }
        let (after, rtt) = match answered {
            true => (2 * DELAY_MS, 2 * DELAY_MS),
            false => (q.timeout_ms.max(1), 0),
        };
        let sent = OptionsSent {
            id: q.contact_id,
            uri: q.uri,
            row: q.row,
            rtt,
            route: (clock, target.map(|i| i as u32)),
            ok: answered,
            quiet,
        };
        self.schedule(self.now + after, Ev::OptionsDone(sent));
    }

    pub(super) fn arrive(&mut self, i: usize, tx_id: u64, src: Addr) {
        let Some(tx) = self.txs.get(&tx_id) else {
            return;
        };
        let branch = tx.branch.clone();
        if !self.reg.is_up() {
            return; // nobody answers
        }
        let proto = self.devs[i].spec.protocol;
        if let Some((resp, until)) = self.answered.get(&branch) {
            if *until >= self.now {
                let resp = Rc::clone(resp);
                self.flush(tx_id);
                self.schedule(self.now + DELAY_MS, Ev::Reply(tx_id, resp, src));
                return;
            }
        }
        let conn = self.devs[i]
            .conn
            .map(|c| c.0)
            .filter(|_| proto.is_reliable());
        let Some((rx, reread)) = self.read_register(i, tx_id, &src, proto, conn) else {
            return;
        };
        let mut out = self.reg.on_register(self.abs(), &rx);
        let tx = &self.txs[&tx_id];
        self.last_read[i] = match (&self.last_read[i], reread) {
            (Some(last), true) => Some(last.following(&tx.text, &tx.branch, tx.cseq, rx)),
            _ => LastRead::of(&tx.text, &tx.branch, rx),
        };
        let resp = out.response.take().map(|r| Rc::new(Answer::new(r)));
        // A refresh in flight stays held only if the decision is one refresh.
        let held = self.routine.is_held(tx_id);
        let refresh_only = matches!(out.changes.as_slice(), [c] if c.kind == ChangeKind::Refreshed)
            && out.qualify.is_empty()
            && resp.as_ref().is_some_and(|r| r.status() == 200);
        self.routine.holding = held.then_some(tx_id);
        self.watch.dirty_devs.insert(i);
        self.apply_outcome(out, Some(i));
        if let Some(resp) = resp {
            let code = resp.status();
            if code == 200 {
                self.forget_answers();
                let until = self.now + TIMER_F;
                self.answered_until.push_back((until, branch.clone()));
                self.answered.insert(branch, (Rc::clone(&resp), until));
            }
            let to = self.devs[i].spec.name.clone();
            let (answer, at_ms, from) = (Rc::clone(&resp), self.now, src.clone());
            self.record_with(move || answer_record(at_ms, answer.message(), to, &from));
            self.schedule(self.now + DELAY_MS, Ev::Reply(tx_id, resp, src));
        }
        self.routine.holding = None;
        if held && !refresh_only {
            self.flush(tx_id);
        }
    }

    /// Transaction `tx_id`'s REGISTER from phone `i` as the registrar receives it:
    /// read from the phone's last one when only its branch and CSeq moved, else
    /// parsed (`None`: it does not parse; nobody answers). `true`: read from
    /// the last one.
    fn read_register(
        &self,
        i: usize,
        tx_id: u64,
        src: &Addr,
        proto: Protocol,
        conn: Option<u64>,
    ) -> Option<(Received, bool)> {
        let tx = self.txs.get(&tx_id)?;
        let transport = transport_name(proto);
        if let Some(last) = &self.last_read[i] {
            let from = (src, proto, conn, Some(transport));
            if let Some(rx) = last.reread(&tx.text, &tx.branch, tx.cseq, from) {
                return Some((rx, true));
            }
        }
        let msg = Message::parse_checked(&tx.text).ok()?;
        let rx = Received::checked(msg, src.clone(), proto, conn, Some(transport.to_string()));
        Some((rx, false))
    }

    /// Stateful answers whose time is over are gone (they would never be resent).
    fn forget_answers(&mut self) {
        while self
            .answered_until
            .front()
            .is_some_and(|(until, _)| *until < self.now)
        {
            if let Some((until, branch)) = self.answered_until.pop_front() {
                if self.answered.get(&branch).is_some_and(|(_, u)| *u == until) {
                    self.answered.remove(&branch);
                }
            }
        }
    }

    /// Asterisk's OPTIONS to a contact was answered (or timed out).
    pub(super) fn options_done(&mut self, sent: OptionsSent) {
        let OptionsSent {
            id,
            uri,
            row,
            rtt,
            route,
            ok,
            quiet,
        } = sent;
        if quiet {
            self.activity = true;
        }
        if ok {
            // The binding is still stored (its id names its URI, so it is the
            // same URI): the answer goes back where that URI leads now.
            let stored = self.reg.still_stored(&id, row, &uri);
            let target = stored.then(|| self.route_now(&uri, route)).flatten();
            if let Some(i) = target {
                // The answer goes out through the NAT: it refreshes the mapping.
                if quiet {
                    self.send_out(i);
                    return self.qualify_result(id, row, ok, rtt);
                }
                let src = self.source_of(i);
                let name = self.devs[i].spec.name.clone();
                let r = self.record(
                    RecordKind::Sip,
                    &name,
                    format!("200 OK (to OPTIONS) from {src} → asterisk"),
                );
                r.sip = Some(SipText {
                    from: name.clone(),
                    to: "asterisk".into(),
                    first_line: "SIP/2.0 200 OK".into(),
                    text: format!("SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nUser-Agent: aorlab-{name}\r\nContent-Length: 0\r\n\r\n"),
                    method: "OPTIONS".into(),
                    code: Some(200),
                    expires: None,
                });
                r.code = Some(200);
                r.devices = vec![name];
            }
        }
        self.qualify_result(id, row, ok, rtt);
    }

    /// Where `uri` leads now, given where it led (`route`: the routing clock
    /// and the device then): the same device while nothing a route depends on
    /// moved, without a look-up.
    fn route_now(&self, uri: &Arc<str>, (clock, dev): (u64, Option<u32>)) -> Option<usize> {
        if clock == self.route_clock.get() {
            let dev = dev.map(|i| i as usize);
            debug_assert_eq!(dev, self.route_shared_uri(uri), "stale route for {uri}");
            return dev;
        }
        self.route_shared_uri(uri)
    }

    /// The registrar learns the OPTIONS result; a status that moves is written down.
    fn qualify_result(&mut self, id: Arc<str>, row: RowHint, ok: bool, rtt: SimMs) {
        let res = if ok {
            QualifyResult::Answered {
                code: 200,
                rtt_ms: rtt as f64,
            }
        } else {
            QualifyResult::TimedOut
        };
        let (out, moved) = self.reg.on_qualify_answer_at(self.abs(), &id, row, res);
        let Some(StatusMove { before, after }) = moved else {
            return; // the contact is gone: nothing moved
        };
        // Its row's status (and RTT) may have moved.
        if before != after {
            if let Some(aor) = id.split_once(";@").or_else(|| id.split_once("@@")) {
                self.touch_aor(aor.0);
            }
        }
        if before.0 != after.0 {
            let uri = self
                .reg
                .binding(&id)
                .map(|b| b.uri.clone())
                .unwrap_or_default();
            let line = out.log.first().map(|l| l.to_string());
            let r = self.record(
                RecordKind::Qualify,
                "asterisk",
                format!("{uri} is now {}", after.0.label()),
            );
            r.log = line;
            r.uri = Some(uri);
            r.why = Some(if ok {
                "It answered Asterisk's OPTIONS.".into()
            } else {
                "It did not answer Asterisk's OPTIONS in time (qualify_timeout): PJSIP_DIAL_CONTACTS now leaves it out.".into()
            });
        }
    }

    /// Asterisk boots again after a restart.
    pub(super) fn asterisk_up(&mut self) {
        let out = self.reg.on_start(self.abs());
        self.watch.all = true;
        let r = self.record(
            RecordKind::Asterisk,
            "asterisk",
            "Asterisk is up again".into(),
        );
        r.why =
            Some("Bindings were kept in astdb; connection-bound ones are pruned at boot.".into());
        self.apply_outcome(out, None);
    }
}

/// When an Added/Refreshed change's grant runs out, in sim ms (whole stored seconds).
/// The record of a binding change (`device`: the phone it concerns).
fn change_record(at_ms: SimMs, c: &Change, device: Option<String>) -> Record {
    let (verb, kind) = match c.kind {
        ChangeKind::Added => ("added", BindingChange::Added),
        ChangeKind::Refreshed => ("refreshed", BindingChange::Refreshed),
        ChangeKind::Removed => ("removed", BindingChange::Removed),
        ChangeKind::Rejected => ("rejected", BindingChange::Rejected),
        ChangeKind::Ignored => ("ignored", BindingChange::Ignored),
    };
    let reason = reason_label(&c.why);
    let summary = match c.kind {
        ChangeKind::Rejected => format!("REGISTER rejected for AOR '{}' ({reason})", c.aor),
        ChangeKind::Added | ChangeKind::Refreshed => {
            format!("binding {verb}: {} ({} s)", c.uri, c.expires.unwrap_or(0))
        }
        _ => format!("binding {verb}: {} ({reason})", c.uri),
    };
    let mut r = Record::new(at_ms, RecordKind::Change, "asterisk", summary);
    r.log = c.log_line();
    r.why = Some(c.explain());
    r.change = Some(kind);
    r.aor = Some(c.aor.to_string());
    r.uri = Some(c.uri.to_string());
    r.code = rejection_code(&c.why).filter(|_| c.kind == ChangeKind::Rejected);
    r.devices = device.into_iter().collect();
    r
}

/// The record of Asterisk's answer to a REGISTER from `to`, sent to `dst`.
fn answer_record(at_ms: SimMs, resp: &Message, to: String, dst: &Addr) -> Record {
    let code = resp.status().unwrap_or(0);
    let text = resp.to_text();
    let first = text.lines().next().unwrap_or("").to_string();
    let summary = format!("{} → {to} ({dst})", first.trim_start_matches("SIP/2.0 "));
    let mut r = Record::new(at_ms, RecordKind::Sip, "asterisk", summary);
    r.sip = Some(SipText {
        from: "asterisk".into(),
        to: to.clone(),
        first_line: first,
        text,
        method: "REGISTER".into(),
        code: Some(code),
        expires: None,
    });
    r.code = Some(code);
    r.devices = vec![to];
    r
}

/// The `[transport]` section a REGISTER over `proto` arrives through (the
/// world's Asterisk has one per protocol).
fn transport_name(proto: Protocol) -> &'static str {
    match proto {
        Protocol::Udp => "transport-udp",
        Protocol::Tcp => "transport-tcp",
        Protocol::Tls => "transport-tls",
        Protocol::Ws => "transport-ws",
        Protocol::Wss => "transport-wss",
    }
}

pub(super) fn grant_end(c: &Change) -> SimMs {
    ((c.at / 1000 + c.expires.unwrap_or(0) as u64) * 1000).saturating_sub(EPOCH_MS)
}

/// How a removal reason ends a binding's life.
pub(super) fn ended_by(w: &aorlab_registrar::Why) -> EndedBy {
    use aorlab_registrar::Why::*;
    match w {
        Expiration => EndedBy::Expired,
        ExpiredOnRead { .. } => EndedBy::DeletedOnRead,
        RemoveExisting { .. } | RemoveExistingAll => EndedBy::RemoveExisting,
        RemoveUnavailable { .. } => EndedBy::RemoveUnavailable,
        Shutdown => EndedBy::ConnectionClosed,
        SystemBoot => EndedBy::PrunedAtBoot,
        RegistrationFailure => EndedBy::RegistrationFailure,
        // The rest are refusals: they never remove a binding; a removal the
        // registrar reports with one is the phone's own request.
        _ => EndedBy::Request,
    }
}

/// The status code Asterisk answers a refused REGISTER with, for this reason.
pub(super) fn rejection_code(w: &aorlab_registrar::Why) -> Option<u16> {
    use aorlab_registrar::Why::*;
    match w {
        MaxContactsExceeded { .. } | NoAors | MaxContactsZero { .. } => Some(403),
        AorNotFound { .. } => Some(404),
        InvalidContacts { .. } | Malformed { .. } => Some(400),
        UnsupportedUriScheme { .. } => Some(416),
        UnknownEndpoint { .. } => Some(401),
        PathNotSupported => Some(420),
        _ => None,
    }
}

pub(crate) fn reason_label(w: &aorlab_registrar::Why) -> &'static str {
    use aorlab_registrar::Why::*;
    match w {
        Request => "request",
        RemoveExisting { .. } | RemoveExistingAll => "remove existing",
        RemoveUnavailable { .. } => "remove unavailable",
        Expiration => "expired",
        ExpiredOnRead { .. } => "deleted on read",
        Shutdown => "connection closed",
        SystemBoot => "pruned at boot",
        RegistrationFailure => "registration failure",
        MaxContactsExceeded { .. } => "403, max_contacts",
        NoAors => "403, no aors",
        AorNotFound { .. } => "404, no such AOR",
        MaxContactsZero { .. } => "403, max_contacts=0",
        InvalidContacts { .. } => "400, invalid Contact",
        UnsupportedUriScheme { .. } => "416",
        UnknownEndpoint { .. } => "401, unknown endpoint",
        PathNotSupported => "420",
        Malformed { .. } => "400",
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use aorlab_registrar::Why;

    #[test]
    fn a_register_arriving_makes_a_binding_and_a_typed_200() {
        let run = run_until(NAT_PAIR, 1_000);
        let w = &run.world;
        let added: Vec<_> = w
            .records
            .iter()
            .filter(|r| r.change == Some(BindingChange::Added))
            .collect();
        assert_eq!(added.len(), 2);
        assert!(added[0]
            .uri
            .as_deref()
            .unwrap()
            .starts_with("sip:quiet@203.0.113.7:"));
        let ok = w
            .records
            .iter()
            .find(|r| r.kind == RecordKind::Sip && r.actor == "asterisk")
            .unwrap();
        assert_eq!(ok.code, Some(200));
        assert_eq!(ok.sip.as_ref().unwrap().method, "REGISTER");
        assert_eq!(w.lives.len(), 2);
    }

    #[test]
    fn qualify_marks_a_contact_behind_a_forgotten_mapping_unreachable() {
        let run = run_until(NAT_PAIR, 200_000);
        let w = &run.world;
        let down = w
            .records
            .iter()
            .find(|r| r.kind == RecordKind::Qualify && r.summary.ends_with("Unreachable"))
            .expect("quiet's contact goes Unreachable");
        assert!(down.uri.as_deref().unwrap().starts_with("sip:quiet@"));
        assert!(down.at_ms > 60_000, "only after the NAT forgot it");
    }

    #[test]
    fn removal_reasons_end_lives_and_refusals_carry_their_code() {
        assert_eq!(ended_by(&Why::Expiration), EndedBy::Expired);
        assert_eq!(ended_by(&Why::Shutdown), EndedBy::ConnectionClosed);
        assert_eq!(ended_by(&Why::SystemBoot), EndedBy::PrunedAtBoot);
        assert_eq!(rejection_code(&Why::PathNotSupported), Some(420));
        assert_eq!(rejection_code(&Why::NoAors), Some(403));
        assert_eq!(rejection_code(&Why::Expiration), None);
    }
}
