//! The network between phones and Asterisk: NAT mappings (RFC 4787 / RFC 5382),
//! connections, and routing a packet or a stored contact URI to the device it reaches.

use super::*;

/// Where a packet goes: IP, port, reliable transport or not.
pub(super) type Target = (IpAddr, u16, bool);

/// Addresses come from the parser (checked), so this never falls back in practice.
pub(super) fn ip_of(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

impl World {
    // ---------------------------------------------------------------- addressing

    pub(super) fn local_port(&self, i: usize) -> u16 {
        let d = &self.devs[i];
        match d.conn {
            Some((_, p)) if d.protocol.is_reliable() => p,
            _ => d.port,
        }
    }

    pub(super) fn nat_index(&self, i: usize) -> Option<usize> {
        self.devs[i].nat
    }

    /// [`ASTERISK_IP`] as an address (a test holds the two together).
    pub(super) const fn asterisk_ip() -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10))
    }

    /// Device `i`'s mapping key in its NAT, for its current socket.
    pub(super) fn map_key(&self, ni: usize, i: usize) -> MapKey {
        let d = &self.devs[i];
        self.nats[ni].key(
            d.ip_addr,
            self.local_port(i),
            d.protocol,
            Self::asterisk_ip(),
        )
    }

    /// The address Asterisk sees for a packet device `i` sends now: an outbound
    /// packet creates or refreshes its NAT mapping (RFC 4787 REQ-6).
    pub(super) fn source_of(&mut self, i: usize) -> Addr {
        match self.send_out(i) {
            Some((ni, p)) => Addr::new(&self.nats[ni].spec.public_ip, p),
            None => Addr::new(&self.devs[i].ip, self.local_port(i)),
        }
    }

    /// A packet leaves device `i`: its NAT mapping is created or refreshed (RFC
    /// 4787 REQ-6). `Some((NAT, public port))` behind a NAT; `None` when the phone
    /// is on a public address. [`World::source_of`] without the address built (a
    /// routine answer to OPTIONS only refreshes the mapping).
    pub(super) fn send_out(&mut self, i: usize) -> Option<(usize, u16)> {
        let port = self.local_port(i);
        let ni = self.nat_index(i)?;
        let key = self.map_key(ni, i);
        let now = self.now;
        // The packet's idle check takes its sequence number, as an event would.
        self.seq += 1;
        let out = self.nats[ni].outbound(key, Self::asterisk_ip(), now, self.seq);
        self.arm_idle_check(ni, key, out.arm);
        let (p, created) = (out.port, out.created);
        if created {
            let (ip, dev) = (self.devs[i].ip.clone(), self.devs[i].spec.name.clone());
            let proto = key.2.as_str();
            let public = self.nats[ni].spec.public_ip.clone();
            let name = self.nats[ni].spec.name.clone();
            let r = self.record(
                RecordKind::Nat,
                &name,
                format!("new mapping {ip}:{port} → {public}:{p} ({proto})"),
            );
            r.devices = vec![dev.clone()];
            r.nat = Some(NatEvent::Mapped {
                device: dev,
                private: format!("{ip}:{port}"),
                public_port: p,
                protocol: proto.to_string(),
            });
        }
        Some((ni, p))
    }

    /// A packet from Asterisk reaches device `i` through its NAT: with `refresh
    /// both` it restarts the mapping's idle timer (RFC 4787 REQ-6 allows it).
    pub(super) fn inbound(&mut self, i: usize) {
        let Some(ni) = self.nat_index(i) else {
            return;
        };
        // Only `refresh both` lets an inbound packet change anything.
        if self.nats[ni].spec.refresh != NatRefresh::Both {
            return;
        }
        let key = self.map_key(ni, i);
        let now = self.now;
        if self.nats[ni].inbound(&key, Self::asterisk_ip(), now) {
            self.schedule_idle_check(ni, key, now);
        }
    }

    /// The mapping `key` of NAT `ni` was refreshed at `last`: check at `last` +
    /// its timeout whether it is still idle. Takes a sequence number like any
    /// scheduled event, but queues an entry only if none is armed for the key.
    pub(super) fn schedule_idle_check(&mut self, ni: usize, key: MapKey, last: SimMs) {
        self.seq += 1;
        let arm = self.nats[ni].note_check(&key, last, self.seq);
        self.arm_idle_check(ni, key, arm);
    }

    /// Queue the idle check's entry, or count the check it covers.
    fn arm_idle_check(&mut self, ni: usize, key: MapKey, arm: Option<(SimMs, u64)>) {
        match arm {
            Some((at, seq)) => self.push_event(at, seq, Ev::NatExpire(ni, key, seq)),
            None => self.uncounted += 1,
        }
    }

    /// NAT `ni`'s armed idle check for `key` (queued as `seq`) came due. `false`:
    /// it was only re-armed (not an event of its own).
    pub(super) fn idle_check_due(&mut self, ni: usize, key: MapKey, seq: u64) -> bool {
        match self.nats[ni].fire_check(&key, self.now, seq) {
            IdleDue::Check(last) => self.nat_expire(ni, key, last),
            IdleDue::Rearm(at, seq) => {
                self.push_event(at, seq, Ev::NatExpire(ni, key, seq));
                return false;
            }
            IdleDue::Stale => {}
        }
        true
    }

    /// A mapping idle since `last` times out, unless traffic refreshed it.
    fn nat_expire(&mut self, ni: usize, key: MapKey, last: SimMs) {
        let now = self.now;
        // Asterisk's CRLF keep-alives on connections (keep_alive_interval, every
        // N s on every connection) are inbound traffic: with `refresh both` they
        // keep a TCP mapping open. Its thread ticks at multiples of N.
        let every = u64::from(self.reg.config().global.keep_alive_interval) * 1000;
        let nat = &mut self.nats[ni];
        if key.2.is_reliable() && nat.spec.refresh == NatRefresh::Both && every > 0 {
            let tick = now / every * every;
            if let Some(m) = nat.map.get_mut(&key) {
                if m.last_ms == last && tick > last {
                    m.last_ms = tick;
                    self.schedule_idle_check(ni, key, tick);
                    return;
                }
            }
        }
        let Some(m) = self.nats[ni].expire(&key, last, now) else {
            return;
        };
        let nat_name = self.nats[ni].spec.name.clone();
        let owner = self
            .inside(ni, key.0)
            .iter()
            .copied()
            .find(|&j| self.local_port(j) == key.1 && self.devs[j].spec.protocol == key.2);
        let private = format!("{}:{}", key.0, key.1);
        let idle_ms = now - last;
        let proto = key.2.as_str().to_string();
        let dev = owner.map(|j| self.devs[j].spec.name.clone());
        let whose = dev
            .as_deref()
            .map(|d| format!("{d}'s "))
            .unwrap_or_default();
        let r = self.record(
            RecordKind::Nat,
            &nat_name,
            format!(
                "{nat_name} forgot {whose}{} mapping {private} → :{} after {} s idle",
                proto.to_uppercase(),
                m.public_port,
                idle_ms / 1000
            ),
        );
        r.why = Some(if key.2.is_reliable() {
            "The NAT dropped an idle TCP connection's state (RFC 5382): packets on it now go nowhere; the phone learns it at its next send, Asterisk not at all.".into()
        } else {
            "No packet went out from the phone within the NAT's UDP timeout (RFC 4787 REQ-5): answers to the old public port now go nowhere.".into()
        });
        r.devices = dev.clone().into_iter().collect();
        r.nat = Some(NatEvent::Forgot {
            device: dev.unwrap_or_default(),
            private: private.clone(),
            public_port: m.public_port,
            protocol: proto.clone(),
            idle_ms,
        });
        if let Some(j) = owner {
            self.devs[j].cause = Some(Cause::MappingForgotten {
                nat: nat_name,
                private,
                public_port: m.public_port,
                protocol: proto,
                idle_ms,
            });
            if key.2.is_reliable() {
                self.devs[j].conn_dead = true;
            }
        }
    }

    /// Where device `i` can be reached right now, if anywhere: its own address,
    /// or its NAT's public address and mapped port.
    pub(super) fn target_of(&self, i: usize) -> Option<Target> {
        let d = &self.devs[i];
        let reliable = d.protocol.is_reliable();
        if !d.online || (reliable && d.conn.is_none()) {
            return None;
        }
        let lp = self.local_port(i);
        if d.spec.behind.is_none() {
            return Some((d.ip_addr, lp, reliable));
        }
        let nat = &self.nats[d.nat?];
        let key = nat.key(d.ip_addr, lp, d.protocol, Self::asterisk_ip());
        let p = nat.lookup(&key, self.now)?;
        Some((nat.public, p, reliable))
    }

    /// Where each device can be reached right now: (ip, port, reliable) → device
    /// (the first device wins a shared address). Built once per evaluation so bulk
    /// look-ups stay O(1) each.
    pub(super) fn route_index(&self) -> HashMap<Target, usize> {
        let mut idx = HashMap::default();
        for i in 0..self.devs.len() {
            if let Some(t) = self.target_of(i) {
                idx.entry(t).or_insert(i);
            }
        }
        idx
    }

    /// The device a single packet to `t` reaches: the same answer as the route
    /// index (the lowest-numbered device at that address), from the reverse maps:
    /// devices by their own address, and a NAT's public port → mapping → the
    /// devices at its inside address.
    pub(super) fn route_target(&self, t: Target) -> Option<usize> {
        // Plain loops: this runs for every OPTIONS and every answer.
        let mut best: Option<usize> = None;
        let mut consider = |i: usize| {
            if best.is_none_or(|b| i < b) && self.target_of(i) == Some(t) {
                best = Some(i);
            }
        };
        if let Some(direct) = self.by_ip.get(&t.0) {
            for &i in direct {
                consider(i);
            }
        }
        if let Some(nats) = self.nat_by_public.get(&t.0) {
            for &ni in nats {
                for k in self.nats[ni].keys_at(t.1) {
                    for &i in self.inside(ni, k.0) {
                        consider(i);
                    }
                }
            }
        }
        best
    }

    /// Devices behind NAT `ni` at private address `ip`, lowest index first.
    pub(super) fn inside(&self, ni: usize, ip: IpAddr) -> &[usize] {
        self.by_nat_ip.get(&(ni, ip)).map_or(&[], |v| v.as_slice())
    }

    /// Device `i` moved to `ip`: keep the address indexes in step.
    pub(super) fn readdress(&mut self, i: usize, ip: IpAddr) {
        let old = self.devs[i].ip_addr;
        let index = match self.devs[i].nat {
            Some(ni) => self.by_nat_ip.entry((ni, old)).or_default(),
            None => self.by_ip.entry(old).or_default(),
        };
        index.retain(|&j| j != i);
        let index = match self.devs[i].nat {
            Some(ni) => self.by_nat_ip.entry((ni, ip)).or_default(),
            None => self.by_ip.entry(ip).or_default(),
        };
        index.push(i);
        index.sort_unstable();
        self.devs[i].ip_addr = ip;
        self.routes_moved();
    }

    /// Which device (if any) a packet to `addr` over `proto` reaches right now.
    pub(super) fn route(&self, addr_ip: &str, port: u16, proto: Protocol) -> Option<usize> {
        let ip = addr_ip.parse::<IpAddr>().ok()?;
        self.route_target((ip, port, proto.is_reliable()))
    }

    /// Host, port and reliability of a stored URI (parsed once, then cached).
    pub(super) fn uri_target(&self, uri: &str) -> Option<Target> {
        self.uri_entry(uri, |t, _| t)
    }

    /// `f` applied to a stored URI's cached target and route cell (the URI parsed
    /// and cached the first time it is seen): one look-up per question.
    fn uri_entry<R>(&self, uri: &str, f: impl FnOnce(Option<Target>, &CachedRoute) -> R) -> R {
        if let Some((t, route)) = self.uri_cache.borrow().get(uri) {
            return f(*t, route);
        }
        let t = Uri::parse(uri)
            .ok()
            .map(|u| {
                let reliable = matches!(
                    u.transport_param
                        .as_deref()
                        .map(|t| t.to_ascii_lowercase())
                        .as_deref(),
                    Some("tcp" | "tls" | "ws" | "wss")
                );
                (
                    u.host.as_str().parse::<IpAddr>().ok(),
                    u.port.unwrap_or(5060),
                    reliable,
                )
            })
            .and_then(|(ip, port, r)| Some((ip?, port, r)));
        // u64::MAX: no route cached yet.
        let route = Cell::new((u64::MAX, None));
        let r = f(t, &route);
        self.uri_cache
            .borrow_mut()
            .insert(uri.to_string(), (t, route));
        r
    }

    /// [`World::route_uri`] for a URI as the registrar hands it out. A stored
    /// binding's URI is shared with the store (one allocation for the binding's
    /// life) and is found by its address; any other (a static contact's, made
    /// afresh for each OPTIONS) goes by its text.
    pub(super) fn route_shared_uri(&self, uri: &Arc<str>) -> Option<usize> {
        if Arc::strong_count(uri) < 2 {
            return self.route_uri(uri);
        }
        let key = Arc::as_ptr(uri) as *const u8 as usize;
        let now = self.route_clock.get();
        let mut routes = self.shared_routes.borrow_mut();
        let (_, t, cell) = routes.entry(key).or_insert_with(|| {
            (
                Arc::clone(uri),
                self.uri_target(uri),
                Cell::new((u64::MAX, None)),
            )
        });
        self.cached_route(uri, *t, cell, now)
    }

    /// The device target `t` (of `uri`) reaches at routing tick `now`, from
    /// `cell` when it was filled at that tick.
    fn cached_route(
        &self,
        uri: &str,
        t: Option<Target>,
        cell: &CachedRoute,
        now: u64,
    ) -> Option<usize> {
        let t = t?;
        let (at, dev) = cell.get();
        if at == now {
            debug_assert_eq!(dev, self.route_target(t), "stale route for {uri}");
            return dev;
        }
        let dev = self.route_target(t);
        cell.set((now, dev));
        dev
    }

    /// Something a route depends on moved (a device's connection, address or
    /// presence; NAT mappings tick the clock themselves).
    pub(super) fn routes_moved(&self) {
        self.route_clock.set(self.route_clock.get() + 1);
    }

    pub(super) fn route_uri_in(&self, idx: &HashMap<Target, usize>, uri: &str) -> Option<usize> {
        idx.get(&self.uri_target(uri)?).copied()
    }

    /// The device a stored URI leads to now. Asked for every OPTIONS and every
    /// change: the answer is cached per URI while nothing a route depends on moved.
    pub(super) fn route_uri(&self, uri: &str) -> Option<usize> {
        let now = self.route_clock.get();
        self.uri_entry(uri, |t, cell| self.cached_route(uri, t, cell, now))
    }

    pub(super) fn ensure_conn(&mut self, i: usize) {
        if self.devs[i].spec.protocol.is_reliable() && self.devs[i].conn.is_none() {
            let id = self.next_conn;
            self.next_conn += 1;
            let port = 40000 + (id % 20000) as u16;
            self.devs[i].conn = Some((id, port));
            self.routes_moved();
            self.conns.insert(id, i);
            let name = self.devs[i].spec.name.clone();
            let proto = self.devs[i].spec.protocol.as_str().to_uppercase();
            let r = self.record(
                RecordKind::Connection,
                &name,
                format!("opens {proto} connection #{id} from port {port}"),
            );
            r.devices = vec![name.clone()];
        }
    }

    pub(super) fn close_conn(&mut self, i: usize, why: &str, tell_asterisk: bool) {
        if let Some((id, port)) = self.devs[i].conn.take() {
            self.routes_moved();
            self.conns.remove(&id);
            self.devs[i].conn_dead = false;
            self.devs[i].cause = Some(Cause::ConnectionClosed { why: why.into() });
            let name = self.devs[i].spec.name.clone();
            let r = self.record(
                RecordKind::Connection,
                &name,
                format!("connection #{id} closed ({why})"),
            );
            r.devices = vec![name];
            if tell_asterisk {
                let out = self.reg.on_connection_closed(self.abs(), id);
                self.apply_outcome(out, None);
            }
            // A closed connection's NAT state goes with it (RFC 5382 §5).
            if let Some(ni) = self.nat_index(i) {
                let ip = self.devs[i].ip_addr;
                let proto = self.devs[i].spec.protocol;
                self.nats[ni].forget_inside(ip, port, proto);
            }
        }
    }

    /// The NAT forgot this phone's TCP connection: its next packet meets a reset
    /// (RFC 5382 §6 allows a RST), so it reconnects before sending.
    pub(super) fn reset_dead_conn(&mut self, i: usize) -> bool {
        if !self.devs[i].conn_dead {
            return false;
        }
        let cause = self.devs[i].cause.clone();
        self.close_conn(i, "reset: the NAT had forgotten it", false);
        // The first cause stays the NAT's forgetting.
        self.devs[i].cause = cause;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn asterisk_address_is_its_text() {
        assert_eq!(World::asterisk_ip(), ip_of(ASTERISK_IP));
    }

    #[test]
    fn a_registered_phone_is_reached_through_its_nat_mapping() {
        let run = run_until(NAT_PAIR, 1_000);
        let w = &run.world;
        let q = dev(w, "quiet");
        let (ip, port, reliable) = w.target_of(q).expect("mapped");
        assert_eq!(ip.to_string(), "203.0.113.7");
        assert!(!reliable);
        let stored = format!("sip:quiet@203.0.113.7:{port}");
        assert_eq!(w.route_uri(&stored), Some(q));
        assert_eq!(w.route_uri("sip:quiet@203.0.113.7:1"), None);
    }

    #[test]
    fn an_idle_udp_mapping_is_forgotten_and_the_phone_learns_why() {
        let run = run_until(NAT_PAIR, 90_000);
        let w = &run.world;
        let (q, c) = (dev(w, "quiet"), dev(w, "chatty"));
        assert_eq!(w.target_of(q), None, "quiet sent nothing for 60 s");
        assert!(
            w.target_of(c).is_some(),
            "chatty's keep-alives keep it open"
        );
        assert!(matches!(
            w.devs[q].cause,
            Some(Cause::MappingForgotten {
                idle_ms: 60_000,
                ..
            })
        ));
        let forgot = w
            .records
            .iter()
            .find(|r| matches!(r.nat, Some(NatEvent::Forgot { .. })))
            .expect("a NAT record");
        assert_eq!(forgot.devices, ["quiet"]);
    }
}
