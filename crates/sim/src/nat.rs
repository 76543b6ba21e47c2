//! A NAT box as RFC 4787 (UDP) and RFC 5382 (TCP) describe it: mappings from an
//! inside address to a public port, refreshed by traffic and forgotten when idle.
//! Pure state: the world decides when packets pass and records what happens.

use crate::scenario::{Nat, NatBehaviour, NatRefresh, SimMs};
use aorlab_registrar::Protocol;
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::cell::Cell;
use std::net::IpAddr;
use std::rc::Rc;

/// Inside address, inside port, protocol, and — for address-dependent mapping
/// (RFC 4787 REQ-1 not met) — the remote IP the mapping was made for.
pub(crate) type MapKey = (IpAddr, u16, Protocol, Option<IpAddr>);

#[derive(Debug, Clone)]
pub(crate) struct Mapping {
    pub public_port: u16,
    /// When a packet last refreshed it.
    pub last_ms: SimMs,
    /// Remote IPs the inside has sent to (address-dependent filtering admits only these).
    pub peers: Peers,
    /// Its pending idle check (kept here: a packet refreshes both in one look-up).
    check: Option<IdleCheck>,
}

/// The remote IPs a mapping was used for. Phones send to one Asterisk: the
/// first is kept in the mapping itself, so a packet refreshing it reads no
/// other memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Peers {
    first: Option<IpAddr>,
    more: Vec<IpAddr>,
}

impl Peers {
    fn of(ip: IpAddr) -> Peers {
        Peers {
            first: Some(ip),
            more: Vec::new(),
        }
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.first.as_ref() == Some(ip) || self.more.contains(ip)
    }

    fn push(&mut self, ip: IpAddr) {
        match self.first {
            None => self.first = Some(ip),
            Some(_) => self.more.push(ip),
        }
    }
}

/// A mapping's idle check, coalesced: one pending queue entry per mapping
/// instead of one per packet.
///
/// The world used to schedule one check per packet at `last + timeout` (ordered by
/// the event sequence number taken when the packet passed), each a no-op unless the
/// mapping's `last_ms` still equalled its `last`. A mapping's `last_ms` only moves
/// forward and every check is scheduled with the `last_ms` it just set, so only the
/// earliest check carrying the latest `last` can ever act. This keeps that one —
/// (latest `last`, its due time, the sequence number of its first scheduling) — and
/// the (time, sequence) of the one armed queue entry; when the armed entry comes
/// due for a check that has since been superseded, it is re-armed at the newer
/// check's own (time, sequence), so the check runs at exactly the place in the
/// event order the per-packet scheme gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleCheck {
    last: SimMs,
    due: (SimMs, u64),
    armed: (SimMs, u64),
}

/// What an armed idle-check entry does when it comes due.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum IdleDue {
    /// Run the idle check for a mapping last refreshed at this time.
    Check(SimMs),
    /// Superseded: arm a new entry at this (time, sequence).
    Rearm(SimMs, u64),
    /// Not an armed entry (never happens; kept harmless).
    Stale,
}

impl IdleCheck {
    /// A check idle since `last`, due at `at`, scheduled as sequence number `seq`.
    /// Returns the (time, sequence) of a queue entry to push, or `None` when an
    /// armed entry already covers it.
    fn note(
        slot: &mut Option<IdleCheck>,
        last: SimMs,
        at: SimMs,
        seq: u64,
    ) -> Option<(SimMs, u64)> {
        match slot {
            None => {
                *slot = Some(IdleCheck {
                    last,
                    due: (at, seq),
                    armed: (at, seq),
                });
                Some((at, seq))
            }
            Some(c) => {
                // An equal `last`: the earlier check acts first, the later is a no-op.
                if last > c.last {
                    c.last = last;
                    c.due = (at, seq);
                }
                None
            }
        }
    }

    /// The armed entry at (`at`, `seq`) came due.
    fn fire(slot: &mut Option<IdleCheck>, at: SimMs, seq: u64) -> IdleDue {
        let Some(c) = slot else {
            return IdleDue::Stale;
        };
        if c.armed != (at, seq) {
            return IdleDue::Stale;
        }
        if c.due == c.armed {
            let last = c.last;
            *slot = None;
            return IdleDue::Check(last);
        }
        c.armed = c.due;
        IdleDue::Rearm(c.due.0, c.due.1)
    }
}

/// What an outbound packet did to its mapping.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Outbound {
    pub port: u16,
    pub created: bool,
    /// An idle-check entry to queue at (time, sequence), if none was armed.
    pub arm: Option<(SimMs, u64)>,
}

#[derive(Debug)]
pub(crate) struct NatState {
    pub spec: Nat,
    /// Live mappings (hashed: looked up for every packet; nothing iterates them
    /// into the trace).
    pub map: HashMap<MapKey, Mapping>,
    /// Public port → the mappings holding it (the reverse map: an answer to a
    /// public port finds its inside address at once).
    by_port: HashMap<u16, Vec<MapKey>>,
    pub public: IpAddr,
    pub next_port: u16,
    /// Ticks whenever a mapping appears, moves or goes (shared with the world,
    /// whose routing cache is valid while it stands still).
    moved: Rc<Cell<u64>>,
    /// Pending idle checks of mappings that are gone: they outlive them, as the
    /// per-packet checks did (one may still meet a mapping made again at the
    /// same instant), and go back into a new mapping of the same key.
    orphan_checks: HashMap<MapKey, IdleCheck>,
}

/// Lowest and highest public port handed out (deterministic, wraps around).
const PORT_LO: u16 = 20000;
const PORT_HI: u16 = 65000;

impl NatState {
    pub fn new(spec: Nat, public: IpAddr, first_port: u16) -> NatState {
        NatState {
            spec,
            map: HashMap::default(),
            by_port: HashMap::default(),
            public,
            next_port: first_port,
            moved: Rc::default(),
            orphan_checks: HashMap::default(),
        }
    }

    /// Count this NAT's mapping changes on `clock` (the world's routing clock).
    pub fn with_route_clock(mut self, clock: Rc<Cell<u64>>) -> NatState {
        self.moved = clock;
        self
    }

    fn moved(&self) {
        self.moved.set(self.moved.get() + 1);
    }

    /// RFC 4787 REQ-5 (UDP) or RFC 5382 REQ-5 (TCP established) idle timeout.
    pub fn timeout(&self, proto: Protocol) -> SimMs {
        if proto.is_reliable() {
            self.spec.tcp_timeout_ms
        } else {
            self.spec.udp_timeout_ms
        }
    }

    pub fn key(&self, ip: IpAddr, port: u16, proto: Protocol, remote: IpAddr) -> MapKey {
        let r = (self.spec.mapping == NatBehaviour::AddressDependent).then_some(remote);
        (ip, port, proto, r)
    }

    /// The public port of a live mapping, if any. A mapping lives until its
    /// expiry check forgets it (so the forgetting is always recorded first).
    pub fn lookup(&self, k: &MapKey, _now: SimMs) -> Option<u16> {
        self.map.get(k).map(|m| m.public_port)
    }

    /// A packet from inside to `remote`: refreshes the mapping (RFC 4787 REQ-6) or
    /// makes a new one, and notes its idle check (taken as sequence number `seq`).
    /// Returns the public port, whether it is new, and an idle-check entry to queue.
    pub fn outbound(&mut self, k: MapKey, remote: IpAddr, now: SimMs, seq: u64) -> Outbound {
        let at = now + self.timeout(k.2);
        if let Some(m) = self.map.get_mut(&k) {
            m.last_ms = now;
            if !m.peers.contains(&remote) {
                m.peers.push(remote);
            }
            let arm = IdleCheck::note(&mut m.check, now, at, seq);
            return Outbound {
                port: m.public_port,
                created: false,
                arm,
            };
        }
        let p = self.allocate();
        self.moved();
        let mut check = self.orphan_check(&k);
        let arm = IdleCheck::note(&mut check, now, at, seq);
        self.map.insert(
            k,
            Mapping {
                public_port: p,
                last_ms: now,
                peers: Peers::of(remote),
                check,
            },
        );
        self.by_port.entry(p).or_default().push(k);
        Outbound {
            port: p,
            created: true,
            arm,
        }
    }

    /// A gone mapping's pending check, for a new mapping of the same key.
    fn orphan_check(&mut self, k: &MapKey) -> Option<IdleCheck> {
        if self.orphan_checks.is_empty() {
            return None;
        }
        self.orphan_checks.remove(k)
    }

    /// The slot of `k`'s idle check: in its mapping, or among the orphans.
    fn check_slot<R>(&mut self, k: &MapKey, f: impl FnOnce(&mut Option<IdleCheck>) -> R) -> R {
        if let Some(m) = self.map.get_mut(k) {
            return f(&mut m.check);
        }
        let mut slot = self.orphan_checks.remove(k);
        let r = f(&mut slot);
        if let Some(c) = slot {
            self.orphan_checks.insert(*k, c);
        }
        r
    }

    /// Note an idle check of `k` for a refresh at `last` (sequence number `seq`):
    /// the entry to queue, if none is armed.
    pub fn note_check(&mut self, k: &MapKey, last: SimMs, seq: u64) -> Option<(SimMs, u64)> {
        let at = last + self.timeout(k.2);
        self.check_slot(k, |slot| IdleCheck::note(slot, last, at, seq))
    }

    /// `k`'s armed idle-check entry at (`at`, `seq`) came due.
    pub fn fire_check(&mut self, k: &MapKey, at: SimMs, seq: u64) -> IdleDue {
        self.check_slot(k, |slot| IdleCheck::fire(slot, at, seq))
    }

    /// Does a packet from `remote` pass inward through this live mapping
    /// (RFC 4787 REQ-8)? With `refresh both` it also restarts the idle timer.
    pub fn inbound(&mut self, k: &MapKey, remote: IpAddr, now: SimMs) -> bool {
        if self.lookup(k, now).is_none() {
            return false;
        }
        let both = self.spec.refresh == NatRefresh::Both;
        let filtering = self.spec.filtering;
        let m = self.map.get_mut(k).expect("looked up");
        let admitted = filtering == NatBehaviour::EndpointIndependent || m.peers.contains(&remote);
        if admitted && both {
            m.last_ms = now;
        }
        admitted
    }

    /// Forget the mapping if it has been idle for its whole timeout since `last_ms`
    /// (a later refresh cancels this check). Returns the forgotten mapping.
    pub fn expire(&mut self, k: &MapKey, last_ms: SimMs, now: SimMs) -> Option<Mapping> {
        let m = self.map.get(k)?;
        if m.last_ms != last_ms || now.saturating_sub(m.last_ms) < self.timeout(k.2) {
            return None;
        }
        self.remove(k)
    }

    /// A new public port for an existing inside address (a NAT "rebinding").
    pub fn rebind(&mut self, k: MapKey, now: SimMs) -> (Option<u16>, u16) {
        let p = self.allocate();
        self.moved();
        let check = self.orphan_check(&k);
        let old = self.map.insert(
            k,
            Mapping {
                public_port: p,
                last_ms: now,
                peers: Peers::default(),
                check,
            },
        );
        if let (Some(o), Some(m)) = (&old, self.map.get_mut(&k)) {
            m.peers = o.peers.clone();
            m.check = o.check;
        }
        if let Some(o) = &old {
            self.unindex(o.public_port, &k);
        }
        self.by_port.entry(p).or_default().push(k);
        (old.map(|m| m.public_port), p)
    }

    /// A reboot forgets every mapping and starts handing out ports elsewhere.
    /// The mappings holding public port `port`.
    pub fn keys_at(&self, port: u16) -> &[MapKey] {
        self.by_port.get(&port).map_or(&[], |v| v.as_slice())
    }

    /// Forget one mapping.
    pub fn remove(&mut self, k: &MapKey) -> Option<Mapping> {
        let m = self.map.remove(k)?;
        if let Some(c) = m.check {
            self.orphan_checks.insert(*k, c);
        }
        self.moved();
        self.unindex(m.public_port, k);
        Some(m)
    }

    /// Forget every mapping of an inside address and port (a closed connection's).
    pub fn forget_inside(&mut self, ip: IpAddr, port: u16, proto: Protocol) {
        // Rare (a connection closes): a pass over this NAT's mappings is fine.
        let keys: Vec<MapKey> = self
            .map
            .keys()
            .filter(|k| k.0 == ip && k.1 == port && k.2 == proto)
            .copied()
            .collect();
        for k in keys {
            self.remove(&k);
        }
    }

    fn unindex(&mut self, port: u16, k: &MapKey) {
        if let Some(v) = self.by_port.get_mut(&port) {
            v.retain(|x| x != k);
            if v.is_empty() {
                self.by_port.remove(&port);
            }
        }
    }

    pub fn reboot(&mut self) {
        self.moved();
        for (k, m) in self.map.drain() {
            if let Some(c) = m.check {
                self.orphan_checks.insert(k, c);
            }
        }
        self.by_port.clear();
        self.next_port = self.next_port.wrapping_add(1000).clamp(PORT_LO, PORT_HI);
    }

    fn allocate(&mut self) -> u16 {
        let p = self.next_port;
        self.next_port = if p >= PORT_HI { PORT_LO } else { p + 1 };
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nat(refresh: NatRefresh, filtering: NatBehaviour) -> NatState {
        NatState::new(
            Nat {
                name: "home".into(),
                public_ip: "203.0.113.7".into(),
                udp_timeout_ms: 60_000,
                tcp_timeout_ms: 7_440_000,
                refresh,
                mapping: NatBehaviour::EndpointIndependent,
                filtering,
                first_port: 40000,
                line: 1,
            },
            "203.0.113.7".parse().unwrap(),
            40000,
        )
    }
    const IN: &str = "192.168.1.10";
    const AST: &str = "198.51.100.10";
    const OTHER: &str = "192.0.2.99";

    fn key(n: &NatState) -> MapKey {
        n.key(
            IN.parse().unwrap(),
            5060,
            Protocol::Udp,
            AST.parse().unwrap(),
        )
    }

    /// A packet out at `now`: (public port, new mapping).
    fn out(n: &mut NatState, k: MapKey, now: SimMs) -> (u16, bool) {
        let o = n.outbound(k, AST.parse().unwrap(), now, 0);
        (o.port, o.created)
    }

    #[test]
    fn outbound_packets_refresh_and_idle_mappings_expire() {
        let mut n = nat(NatRefresh::Outbound, NatBehaviour::AddressDependent);
        let k = key(&n);
        assert_eq!(out(&mut n, k, 0), (40000, true));
        assert_eq!(out(&mut n, k, 50_000), (40000, false));
        assert_eq!(
            n.expire(&k, 0, 60_000).map(|m| m.public_port),
            None,
            "refreshed at 50 s"
        );
        assert_eq!(n.expire(&k, 50_000, 109_999).map(|m| m.public_port), None);
        assert!(n.lookup(&k, 109_999).is_some());
        assert_eq!(
            n.expire(&k, 50_000, 110_000).map(|m| m.public_port),
            Some(40000)
        );
        assert_eq!(
            out(&mut n, k, 111_000),
            (40001, true),
            "a new port after forgetting"
        );
    }

    #[test]
    fn inbound_refresh_only_with_refresh_both() {
        let ast = AST.parse().unwrap();
        let mut out = nat(NatRefresh::Outbound, NatBehaviour::AddressDependent);
        let k = key(&out);
        out.outbound(k, ast, 0, 0);
        assert!(out.inbound(&k, ast, 30_000));
        assert!(
            out.expire(&k, 0, 60_000).is_some(),
            "inbound did not refresh"
        );
        let mut both = nat(NatRefresh::Both, NatBehaviour::AddressDependent);
        both.outbound(k, ast, 0, 0);
        assert!(both.inbound(&k, ast, 30_000));
        assert!(both.expire(&k, 0, 60_000).is_none(), "inbound refreshed");
        assert!(both.lookup(&k, 60_000).is_some());
    }

    #[test]
    fn idle_checks_keep_one_entry_per_mapping_and_act_at_the_latest_checks_place() {
        let mut n = nat(NatRefresh::Outbound, NatBehaviour::EndpointIndependent);
        let k = key(&n);
        let ast = AST.parse().unwrap();
        // Packets at 0 s (seq 1), 0 s again (seq 2), 30 s (seq 7); timeout 60 s.
        assert_eq!(n.outbound(k, ast, 0, 1).arm, Some((60_000, 1)));
        assert_eq!(
            n.outbound(k, ast, 0, 2).arm,
            None,
            "covered by the armed entry"
        );
        assert_eq!(n.outbound(k, ast, 30_000, 7).arm, None);
        // The entry armed for (60 s, 1) is superseded: re-armed at the 30 s packet's place.
        assert_eq!(n.fire_check(&k, 60_000, 1), IdleDue::Rearm(90_000, 7));
        assert_eq!(
            n.fire_check(&k, 60_000, 1),
            IdleDue::Stale,
            "no longer armed"
        );
        assert_eq!(n.fire_check(&k, 90_000, 7), IdleDue::Check(30_000));
        assert!(n.expire(&k, 30_000, 90_000).is_some());
        // A packet after that makes a new mapping with a new armed entry.
        let o = n.outbound(k, ast, 95_000, 9);
        assert!(o.created);
        assert_eq!(o.arm, Some((155_000, 9)));
        assert_eq!(n.fire_check(&k, 155_000, 9), IdleDue::Check(95_000));
    }

    #[test]
    fn a_pending_check_outlives_its_mapping_and_meets_the_next_one() {
        let mut n = nat(NatRefresh::Outbound, NatBehaviour::EndpointIndependent);
        let k = key(&n);
        let ast = AST.parse().unwrap();
        assert_eq!(n.outbound(k, ast, 10_000, 1).arm, Some((70_000, 1)));
        n.reboot();
        // Made again at the same instant: the old check (seq 1) acts first, as the
        // per-packet check scheduled first would have.
        let o = n.outbound(k, ast, 10_000, 4);
        assert!(o.created);
        assert_eq!(o.arm, None, "the old entry is still armed");
        assert_eq!(n.fire_check(&k, 70_000, 1), IdleDue::Check(10_000));
        // Gone and not made again: the orphan fires harmlessly.
        assert_eq!(n.outbound(k, ast, 20_000, 5).arm, Some((80_000, 5)));
        n.reboot();
        assert_eq!(n.fire_check(&k, 80_000, 5), IdleDue::Check(20_000));
        assert!(n.expire(&k, 20_000, 80_000).is_none(), "nothing to forget");
        assert!(n.orphan_checks.is_empty());
    }

    #[test]
    fn address_dependent_filtering_drops_strangers() {
        let ast = AST.parse().unwrap();
        let other = OTHER.parse().unwrap();
        let mut adf = nat(NatRefresh::Outbound, NatBehaviour::AddressDependent);
        let k = key(&adf);
        adf.outbound(k, ast, 0, 0);
        assert!(adf.inbound(&k, ast, 1));
        assert!(!adf.inbound(&k, other, 1));
        let mut eif = nat(NatRefresh::Outbound, NatBehaviour::EndpointIndependent);
        eif.outbound(k, ast, 0, 0);
        assert!(eif.inbound(&k, other, 1));
    }
}
