//! The deterministic discrete-event world: devices, NAT boxes, connections and
//! one Asterisk, exchanging real SIP text. Virtual milliseconds; no wall clock.

use crate::duration::clock;
use crate::incidents::{state_words, summarize, PhoneFacts};
use crate::nat::{MapKey, NatState};
use crate::scenario::*;
use crate::trace::*;
use aorlab_registrar::{
    Addr, Change, ChangeKind, Outcome, Protocol, QualifyRequest, QualifyResult, Received,
    Registrar, Status,
};
use aorlab_sip::{Contact, Message, Uri};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::net::{IpAddr, Ipv4Addr};

/// Where a packet goes: IP, port, reliable transport or not.
type Target = (IpAddr, u16, bool);

/// Addresses come from the parser (checked), so this never falls back in practice.
fn ip_of(s: &str) -> IpAddr {
    s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// How many binding/device checks one run may make (about 8 s natively, in
/// release; more in a browser).
pub const WORK_BUDGET: u64 = 15_000_000;
/// 2026-01-01T00:00:00Z: simulated time 0, so Date headers are stable.
pub const EPOCH_MS: u64 = 1_767_225_600_000;
/// Where Asterisk listens.
pub const ASTERISK_IP: &str = "198.51.100.10";
pub const ASTERISK_PORT: u16 = 5060;
/// One-way network delay between any device and Asterisk.
pub const DELAY_MS: SimMs = 20;
/// RFC 3261 timers for a UDP client transaction.
const T1: SimMs = 500;
const T2: SimMs = 4000;
const TIMER_F: SimMs = 64 * T1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Register,
    Unregister,
    UnregisterAll,
}

#[derive(Debug)]
struct Tx {
    dev: usize,
    kind: Kind,
    text: String,
    branch: String,
    started: SimMs,
    next_retrans: SimMs,
    done: bool,
}

#[derive(Debug)]
enum Ev {
    Scenario(usize),
    Send(usize, Kind),
    /// A REGISTER (or its retransmission) reaches Asterisk from this source.
    Arrive(usize, u64, Addr),
    Retransmit(u64),
    TimerF(u64),
    Reply(u64, Box<Message>, Addr),
    Refresh(usize, u64),
    Retry(usize, u64),
    KeepAlive(usize, u64),
    Tick,
    OptionsDone(String, bool, SimMs),
    AsteriskUp,
    /// A binding may have timed out: re-evaluate who is reachable.
    NatCheck,
    /// NAT `usize`'s mapping may have been idle since the given time: forget it.
    NatExpire(usize, MapKey, SimMs),
}

/// Where a phone's own registration stands, as the phone sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
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

#[derive(Debug)]
struct DevState {
    spec: Device,
    ip: String,
    /// `ip` parsed, kept in step with it (routing looks it up per device per event).
    ip_addr: IpAddr,
    /// Index of the NAT it sits behind (the spec names it; this saves the search).
    nat: Option<usize>,
    port: u16,
    online: bool,
    call_id: String,
    tag: String,
    cseq: u32,
    rinstance: String,
    /// Open connection: (id, local port).
    conn: Option<(u64, u16)>,
    /// Timer generation: bumping it cancels pending refresh/retry timers.
    gen: u64,
    /// Keep-alive chain generation.
    ka_gen: u64,
    retry_ms: Option<SimMs>,
    wants: bool,
    gave_up: bool,
    rejections: u32,
    boots: u32,
    last_failure: Option<String>,
    phase: Phase,
    /// The latest thing that could have cut the phone off (for incidents).
    cause: Option<Cause>,
    /// Why the last REGISTER was refused, from the registrar ("max_contacts").
    reject_reason: Option<String>,
    /// RFC 5626 §4.5 consecutive failures.
    failures: u32,
    /// Public port Asterisk saw in the last successful REGISTER (STUN compares).
    public_port: Option<u16>,
    /// The NAT forgot this TCP connection: the next packet gets a reset.
    conn_dead: bool,
    first_wanted: Option<SimMs>,
}

pub struct World {
    sc: Scenario,
    now: SimMs,
    seq: u64,
    queue: BinaryHeap<Reverse<(SimMs, u64, usize)>>,
    events: Vec<Option<Ev>>,
    reg: Registrar,
    devs: Vec<DevState>,
    nats: Vec<NatState>,
    txs: BTreeMap<u64, Tx>,
    next_tx: u64,
    next_conn: u64,
    /// conn id → device
    conns: BTreeMap<u64, usize>,
    rng: u64,
    records: Vec<Record>,
    states: Vec<State>,
    lives: Vec<BindingLife>,
    counts: Vec<CountPoint>,
    /// Each AOR's last count point (bindings, max_contacts), so a new one is
    /// written only when it moves.
    last_count: HashMap<String, (u32, u32)>,
    reach: Vec<Option<(SimMs, Reach, Option<Cause>)>>,
    /// (aor, stored URI) → the phone whose REGISTER made the binding.
    /// Keyed by AOR, then URI, so look-ups borrow instead of allocating.
    owner: HashMap<String, HashMap<String, usize>>,
    spans: Vec<Span>,
    /// Stateful 200s Asterisk keeps for retransmissions: branch → (response, until).
    answered: BTreeMap<String, (Message, SimMs)>,
    pending_options: BTreeMap<String, u64>,
    uri_cache: RefCell<HashMap<String, Option<Target>>>,
    budget: u64,
}

impl World {
    pub fn new(sc: Scenario) -> World {
        let reg = Registrar::new(sc.profile, sc.config.clone(), EPOCH_MS)
            .with_seed(sc.seed)
            .with_systemname(&sc.systemname);
        let mut rng = sc.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1;
        let nats = sc
            .nats
            .iter()
            .map(|n| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                let first = if n.first_port > 0 {
                    n.first_port
                } else {
                    20000 + (rng % 30000) as u16
                };
                NatState::new(n.clone(), ip_of(&n.public_ip), first)
            })
            .collect();
        let devs = sc
            .devices
            .iter()
            .map(|d| DevState {
                spec: d.clone(),
                ip: d.ip.clone(),
                ip_addr: ip_of(&d.ip),
                nat: d
                    .behind
                    .as_deref()
                    .and_then(|n| sc.nats.iter().position(|x| x.name == n)),
                port: d.port,
                online: d.online,
                call_id: String::new(),
                tag: String::new(),
                cseq: 0,
                rinstance: String::new(),
                conn: None,
                gen: 0,
                ka_gen: 0,
                retry_ms: None,
                wants: false,
                gave_up: false,
                rejections: 0,
                boots: 0,
                last_failure: None,
                phase: Phase::Idle,
                cause: None,
                reject_reason: None,
                failures: 0,
                public_port: None,
                conn_dead: false,
                first_wanted: None,
            })
            .collect::<Vec<_>>();
        let n = devs.len();
        let mut w = World {
            sc,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            events: Vec::new(),
            reg,
            devs,
            nats,
            txs: BTreeMap::new(),
            next_tx: 1,
            next_conn: 1,
            conns: BTreeMap::new(),
            rng,
            records: Vec::new(),
            states: Vec::new(),
            lives: Vec::new(),
            counts: Vec::new(),
            last_count: HashMap::new(),
            reach: vec![None; n],
            owner: HashMap::new(),
            spans: Vec::new(),
            answered: BTreeMap::new(),
            pending_options: BTreeMap::new(),
            uri_cache: RefCell::new(HashMap::new()),
            budget: WORK_BUDGET,
        };
        for i in 0..w.devs.len() {
            w.new_identity(i);
        }
        for i in 0..w.sc.events.len() {
            let at = w.sc.events[i].at;
            w.schedule(at, Ev::Scenario(i));
        }
        w.schedule_tick();
        w
    }

    /// A smaller (or larger) work budget than [`WORK_BUDGET`].
    pub fn with_work_budget(mut self, budget: u64) -> World {
        self.budget = budget;
        self
    }

    fn random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    fn schedule(&mut self, at: SimMs, ev: Ev) {
        self.seq += 1;
        self.events.push(Some(ev));
        self.queue
            .push(Reverse((at, self.seq, self.events.len() - 1)));
    }

    fn schedule_tick(&mut self) {
        if let Some(t) = self.reg.next_wakeup() {
            let at = t.saturating_sub(EPOCH_MS).max(self.now);
            self.schedule(at, Ev::Tick);
        }
    }

    fn abs(&self) -> u64 {
        EPOCH_MS + self.now
    }

    fn new_identity(&mut self, i: usize) {
        let r = self.random();
        let d = &mut self.devs[i];
        d.boots += 1;
        d.call_id = format!("{:016x}@{}", r, d.ip);
        d.tag = format!("{:08x}", (r >> 16) as u32);
        d.cseq = 0;
        d.rinstance = format!("{:016x}", r.rotate_left(17));
    }

    fn record(&mut self, kind: &str, actor: &str, summary: String) -> &mut Record {
        self.records.push(Record {
            at_ms: self.now,
            kind: kind.to_string(),
            actor: actor.to_string(),
            summary,
            log: None,
            why: None,
            sip: None,
            change: None,
            aor: None,
            devices: Vec::new(),
            nat: None,
        });
        self.records.last_mut().expect("just pushed")
    }

    // ---------------------------------------------------------------- addressing

    fn local_port(&self, i: usize) -> u16 {
        let d = &self.devs[i];
        match d.conn {
            Some((_, p)) if d.spec.protocol.is_reliable() => p,
            _ => d.port,
        }
    }

    fn nat_index(&self, i: usize) -> Option<usize> {
        self.devs[i].nat
    }

    fn asterisk_ip() -> IpAddr {
        ip_of(ASTERISK_IP)
    }

    /// Device `i`'s mapping key in its NAT, for its current socket.
    fn map_key(&self, ni: usize, i: usize) -> MapKey {
        let d = &self.devs[i];
        self.nats[ni].key(
            ip_of(&d.ip),
            self.local_port(i),
            d.spec.protocol,
            Self::asterisk_ip(),
        )
    }

    /// The address Asterisk sees for a packet device `i` sends now: an outbound
    /// packet creates or refreshes its NAT mapping (RFC 4787 REQ-6).
    fn source_of(&mut self, i: usize) -> Addr {
        let port = self.local_port(i);
        let Some(ni) = self.nat_index(i) else {
            return Addr::new(&self.devs[i].ip.clone(), port);
        };
        let key = self.map_key(ni, i);
        let now = self.now;
        let (p, created) = self.nats[ni].outbound(key, Self::asterisk_ip(), now);
        let timeout = self.nats[ni].timeout(key.2);
        self.schedule(now + timeout, Ev::NatExpire(ni, key, now));
        if created {
            let (ip, dev) = (self.devs[i].ip.clone(), self.devs[i].spec.name.clone());
            let proto = key.2.as_str();
            let public = self.nats[ni].spec.public_ip.clone();
            let name = self.nats[ni].spec.name.clone();
            let r = self.record(
                "nat",
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
        Addr::new(&self.nats[ni].spec.public_ip, p)
    }

    /// A packet from Asterisk reaches device `i` through its NAT: with `refresh
    /// both` it restarts the mapping's idle timer (RFC 4787 REQ-6 allows it).
    fn inbound(&mut self, i: usize) {
        let Some(ni) = self.nat_index(i) else {
            return;
        };
        let key = self.map_key(ni, i);
        let now = self.now;
        if self.nats[ni].inbound(&key, Self::asterisk_ip(), now)
            && self.nats[ni].spec.refresh == NatRefresh::Both
        {
            let timeout = self.nats[ni].timeout(key.2);
            self.schedule(now + timeout, Ev::NatExpire(ni, key, now));
        }
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
                    let at = tick + nat.timeout(key.2);
                    self.schedule(at, Ev::NatExpire(ni, key, tick));
                    return;
                }
            }
        }
        let Some(m) = self.nats[ni].expire(&key, last, now) else {
            return;
        };
        let nat_name = self.nats[ni].spec.name.clone();
        let owner = (0..self.devs.len()).find(|&j| {
            self.devs[j].spec.behind.as_deref() == Some(nat_name.as_str())
                && ip_of(&self.devs[j].ip) == key.0
                && self.local_port(j) == key.1
                && self.devs[j].spec.protocol == key.2
        });
        let private = format!("{}:{}", key.0, key.1);
        let idle_ms = now - last;
        let proto = key.2.as_str().to_string();
        let dev = owner.map(|j| self.devs[j].spec.name.clone());
        let whose = dev
            .as_deref()
            .map(|d| format!("{d}'s "))
            .unwrap_or_default();
        let r = self.record(
            "nat",
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
    fn target_of(&self, i: usize) -> Option<Target> {
        let d = &self.devs[i];
        let reliable = d.spec.protocol.is_reliable();
        if !d.online || (reliable && d.conn.is_none()) {
            return None;
        }
        let lp = self.local_port(i);
        if d.spec.behind.is_none() {
            return Some((d.ip_addr, lp, reliable));
        }
        let nat = &self.nats[d.nat?];
        let key = nat.key(d.ip_addr, lp, d.spec.protocol, Self::asterisk_ip());
        let p = nat.lookup(&key, self.now)?;
        Some((nat.public, p, reliable))
    }

    /// Where each device can be reached right now: (ip, port, reliable) → device
    /// (the first device wins a shared address). Built once per evaluation so bulk
    /// look-ups stay O(1) each.
    fn route_index(&self) -> HashMap<Target, usize> {
        let mut idx = HashMap::new();
        for i in 0..self.devs.len() {
            if let Some(t) = self.target_of(i) {
                idx.entry(t).or_insert(i);
            }
        }
        idx
    }

    /// The device a single packet to `t` reaches: the same answer as the route
    /// index, without building it (one packet, one scan, no allocation).
    fn route_target(&self, t: Target) -> Option<usize> {
        (0..self.devs.len()).find(|&i| self.target_of(i) == Some(t))
    }

    /// Which device (if any) a packet to `addr` over `proto` reaches right now.
    fn route(&self, addr_ip: &str, port: u16, proto: Protocol) -> Option<usize> {
        let ip = addr_ip.parse::<IpAddr>().ok()?;
        self.route_target((ip, port, proto.is_reliable()))
    }

    /// Host, port and reliability of a stored URI (parsed once, then cached).
    fn uri_target(&self, uri: &str) -> Option<Target> {
        if let Some(t) = self.uri_cache.borrow().get(uri) {
            return *t;
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
        self.uri_cache.borrow_mut().insert(uri.to_string(), t);
        t
    }

    fn route_uri_in(&self, idx: &HashMap<Target, usize>, uri: &str) -> Option<usize> {
        idx.get(&self.uri_target(uri)?).copied()
    }

    fn route_uri(&self, uri: &str) -> Option<usize> {
        self.route_target(self.uri_target(uri)?)
    }

    // ---------------------------------------------------------------- devices

    fn contact_uri(&self, i: usize) -> String {
        let d = &self.devs[i];
        let mut s = format!("sip:{}@{}:{}", d.spec.user, d.ip, self.local_port(i));
        if d.spec.protocol != Protocol::Udp {
            s.push_str(&format!(";transport={}", d.spec.protocol.as_str()));
        }
        s.push_str(&d.spec.contact_params);
        if d.spec.rinstance {
            s.push_str(&format!(";rinstance={}", d.rinstance));
        }
        s
    }

    fn ensure_conn(&mut self, i: usize) {
        if self.devs[i].spec.protocol.is_reliable() && self.devs[i].conn.is_none() {
            let id = self.next_conn;
            self.next_conn += 1;
            let port = 40000 + (id % 20000) as u16;
            self.devs[i].conn = Some((id, port));
            self.conns.insert(id, i);
            let name = self.devs[i].spec.name.clone();
            let proto = self.devs[i].spec.protocol.as_str().to_uppercase();
            let r = self.record(
                "connection",
                &name,
                format!("opens {proto} connection #{id} from port {port}"),
            );
            r.devices = vec![name.clone()];
        }
    }

    fn close_conn(&mut self, i: usize, why: &str, tell_asterisk: bool) {
        if let Some((id, port)) = self.devs[i].conn.take() {
            self.conns.remove(&id);
            self.devs[i].conn_dead = false;
            self.devs[i].cause = Some(Cause::ConnectionClosed { why: why.into() });
            let name = self.devs[i].spec.name.clone();
            let r = self.record(
                "connection",
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
                let ip = ip_of(&self.devs[i].ip);
                let proto = self.devs[i].spec.protocol;
                self.nats[ni]
                    .map
                    .retain(|k, _| !(k.0 == ip && k.1 == port && k.2 == proto));
            }
        }
    }

    /// The NAT forgot this phone's TCP connection: its next packet meets a reset
    /// (RFC 5382 §6 allows a RST), so it reconnects before sending.
    fn reset_dead_conn(&mut self, i: usize) -> bool {
        if !self.devs[i].conn_dead {
            return false;
        }
        let cause = self.devs[i].cause.clone();
        self.close_conn(i, "reset: the NAT had forgotten it", false);
        // The first cause stays the NAT's forgetting.
        self.devs[i].cause = cause;
        true
    }

    fn send_register(&mut self, i: usize, kind: Kind) {
        if !self.devs[i].online {
            return;
        }
        self.reset_dead_conn(i);
        self.devs[i].first_wanted.get_or_insert(self.now);
        self.ensure_conn(i);
        let src = self.source_of(i);
        let d = &mut self.devs[i];
        d.cseq += 1;
        let tx_id = self.next_tx;
        self.next_tx += 1;
        let branch = format!(
            "z9hG4bK{}x{tx_id}",
            d.spec
                .name
                .replace(|c: char| !c.is_ascii_alphanumeric(), "")
        );
        let proto = d.spec.protocol.pjsip_name();
        let via_port = if d.spec.protocol.is_reliable() {
            d.conn.map(|c| c.1).unwrap_or(d.port)
        } else {
            d.port
        };
        let (contact, expires) = match kind {
            Kind::Register => (
                format!("<{}>", self.contact_uri(i)),
                self.devs[i].spec.expires,
            ),
            Kind::Unregister => (format!("<{}>", self.contact_uri(i)), 0),
            Kind::UnregisterAll => ("*".to_string(), 0),
        };
        let d = &self.devs[i];
        let text = format!(
            "REGISTER sip:{ASTERISK_IP}:{ASTERISK_PORT} SIP/2.0\r\nVia: SIP/2.0/{proto} {}:{via_port};rport;branch={branch}\r\nMax-Forwards: 70\r\nFrom: <sip:{user}@{ASTERISK_IP}>;tag={tag}\r\nTo: <sip:{user}@{ASTERISK_IP}>\r\nCall-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\nContact: {contact}\r\nExpires: {expires}\r\nUser-Agent: aorlab-{name}\r\nContent-Length: 0\r\n\r\n",
            d.ip,
            user = d.spec.user,
            tag = d.tag,
            cid = d.call_id,
            cseq = d.cseq,
            name = d.spec.name,
        );
        let name = d.spec.name.clone();
        let what = match kind {
            Kind::Register => format!("REGISTER (Expires {expires}) from {src}"),
            Kind::Unregister => format!("REGISTER Expires 0 (unregister) from {src}"),
            Kind::UnregisterAll => format!("REGISTER Contact: * (unregister all) from {src}"),
        };
        let r = self.record("sip", &name, what);
        r.sip = Some(SipText {
            from: name.clone(),
            to: "asterisk".into(),
            first_line: format!("REGISTER sip:{ASTERISK_IP}:{ASTERISK_PORT} SIP/2.0"),
            text: text.clone(),
        });
        r.devices = vec![name];
        self.txs.insert(
            tx_id,
            Tx {
                dev: i,
                kind,
                text,
                branch,
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
    fn arrive(&mut self, i: usize, tx_id: u64, src: Addr) {
        let Some(tx) = self.txs.get(&tx_id) else {
            return;
        };
        let text = tx.text.clone();
        let branch = tx.branch.clone();
        if !self.reg.is_up() {
            return; // nobody answers
        }
        let proto = self.devs[i].spec.protocol;
        if let Some((resp, until)) = self.answered.get(&branch) {
            if *until >= self.now {
                let resp = resp.clone();
                self.schedule(self.now + DELAY_MS, Ev::Reply(tx_id, Box::new(resp), src));
                return;
            }
        }
        let Ok(msg) = Message::parse(&text) else {
            return;
        };
        let conn = self.devs[i]
            .conn
            .map(|c| c.0)
            .filter(|_| proto.is_reliable());
        let transport = Some(format!("transport-{}", proto.as_str()));
        let rx = Received::new(msg, src.clone(), proto, conn, transport);
        let out = self.reg.on_register(self.abs(), &rx);
        let resp = out.response.as_ref().map(|r| r.to_message());
        self.apply_outcome(out, Some(i));
        if let Some(resp) = resp {
            let code = resp.status().unwrap_or(0);
            if code == 200 {
                self.answered
                    .insert(branch, (resp.clone(), self.now + TIMER_F));
            }
            let first = resp.to_text().lines().next().unwrap_or("").to_string();
            let name = self.devs[i].spec.name.clone();
            let r = self.record(
                "sip",
                "asterisk",
                format!("{} → {name} ({src})", first.trim_start_matches("SIP/2.0 ")),
            );
            r.sip = Some(SipText {
                from: "asterisk".into(),
                to: name.clone(),
                first_line: first,
                text: resp.to_text(),
            });
            r.devices = vec![name];
            self.schedule(self.now + DELAY_MS, Ev::Reply(tx_id, Box::new(resp), src));
        }
    }

    fn reply(&mut self, tx_id: u64, resp: Message, dst: Addr) {
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
                let r = self.record("device", &name, format!("answer to {dst} never arrives: no NAT mapping/connection leads to {name} any more"));
                r.devices = vec![name];
                return;
            }
        }
        if let Some(t) = self.txs.get_mut(&tx_id) {
            t.done = true;
        }
        self.inbound(i);
        let code = resp.status().unwrap_or(0);
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
                let r = self.record("device", &name, "unregistered".into());
                r.devices = vec![name];
                return;
            }
            // Find our own binding in the 200 OK.
            let mine = self.contact_uri(i);
            let mine = Uri::parse(&mine).ok();
            let mut granted: Option<u32> = None;
            for c in resp.headers.contacts().unwrap_or_default() {
                if let (Contact::Addr(v), Some(m)) = (c, &mine) {
                    if aorlab_sip::uri_eq(&v.addr.uri, m).is_ok() {
                        granted = v
                            .param("expires")
                            .and_then(|p| p.value.as_deref())
                            .and_then(|e| e.parse().ok());
                    }
                }
            }
            let granted = granted
                .or_else(|| resp.headers.expires().and_then(|e| e.ok()))
                .unwrap_or(self.devs[i].spec.expires);
            let wait = match self.devs[i].spec.refresh {
                Refresh::Before { ms } => (granted as u64 * 1000).saturating_sub(ms).max(1000),
                Refresh::Fraction { f } => ((granted as f64 * 1000.0 * f) as u64).max(1000),
            };
            self.devs[i].phase = Phase::Registered;
            let r = self.record(
                "device",
                &name,
                format!(
                    "registered for {granted} s; refreshes in {}",
                    crate::duration::format_duration(wait)
                ),
            );
            r.devices = vec![name];
            self.schedule(self.now + wait, Ev::Refresh(i, gen));
        } else {
            self.devs[i].rejections += u32::from(code == 403);
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
            );
        }
    }

    fn fail(&mut self, i: usize, policy: Failure, what: &str) {
        let name = self.devs[i].spec.name.clone();
        self.devs[i].gen += 1;
        let gen = self.devs[i].gen;
        match policy {
            Failure::GiveUp => {
                self.devs[i].gave_up = true;
                self.devs[i].phase = Phase::GaveUp;
                let r = self.record("device", &name, format!("{what}: gives up registering"));
                r.why = Some(format!("{name} is configured to give up after a failure; it stays unregistered until rebooted."));
                r.devices = vec![name];
            }
            Failure::Retry { .. } | Failure::Backoff { .. } => {
                self.devs[i].phase = Phase::Failed;
                let wait = self.retry_wait(i, policy);
                let r = self.record(
                    "device",
                    &name,
                    format!(
                        "{what}: retries in {}",
                        crate::duration::format_duration(wait)
                    ),
                );
                r.devices = vec![name];
                self.schedule(self.now + wait, Ev::Retry(i, gen));
            }
        }
    }

    /// How long to wait before the next attempt, advancing the schedule.
    fn retry_wait(&mut self, i: usize, policy: Failure) -> SimMs {
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

    fn start_keepalive(&mut self, i: usize) {
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
    fn keepalive(&mut self, i: usize) {
        let name = self.devs[i].spec.name.clone();
        if self.reset_dead_conn(i) {
            let r = self.record(
                "device",
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
                    let r = self.record(
                        "device",
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

    // ---------------------------------------------------------------- Asterisk side

    fn apply_outcome(&mut self, out: Outcome, dev: Option<usize>) {
        for c in &out.changes {
            self.note_change(c, dev);
        }
        for q in out.qualify {
            self.send_options(q);
        }
        self.schedule_tick();
    }

    /// Who made each binding, and what a removal or refusal means for that phone.
    fn note_owner(&mut self, c: &Change, dev: Option<usize>) {
        match c.kind {
            ChangeKind::Added | ChangeKind::Refreshed => {
                if let Some(i) = dev {
                    self.owner
                        .entry(c.aor.clone())
                        .or_default()
                        .insert(c.uri.clone(), i);
                }
            }
            ChangeKind::Removed => {
                let j = self
                    .owner
                    .get_mut(&c.aor)
                    .and_then(|m| m.remove(&c.uri))
                    .or_else(|| self.route_uri(&c.uri));
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

    fn note_change(&mut self, c: &Change, dev: Option<usize>) {
        self.note_owner(c, dev);
        if let (ChangeKind::Added | ChangeKind::Refreshed, Some(e)) = (c.kind, c.expires) {
            // The binding stops counting the moment it expires, sweep or not.
            let at = (c.at + e as u64 * 1000).saturating_sub(EPOCH_MS) + 1;
            self.schedule(at, Ev::NatCheck);
        }
        // A removal concerns the phone the binding leads to, not the one registering.
        let routed = self
            .route_uri(&c.uri)
            .map(|i| self.devs[i].spec.name.clone());
        let device = match c.kind {
            ChangeKind::Removed => routed,
            _ => dev.map(|i| self.devs[i].spec.name.clone()).or(routed),
        };
        let (verb, kind) = match c.kind {
            ChangeKind::Added => ("added", "added"),
            ChangeKind::Refreshed => ("refreshed", "refreshed"),
            ChangeKind::Removed => ("removed", "removed"),
            ChangeKind::Rejected => ("rejected", "rejected"),
            ChangeKind::Ignored => ("ignored", "ignored"),
        };
        let reason = crate::world::reason_label(&c.why);
        let summary = match c.kind {
            ChangeKind::Rejected => format!("REGISTER rejected for AOR '{}' ({reason})", c.aor),
            ChangeKind::Added | ChangeKind::Refreshed => {
                format!("binding {verb}: {} ({} s)", c.uri, c.expires.unwrap_or(0))
            }
            _ => format!("binding {verb}: {} ({reason})", c.uri),
        };
        let why = c.explain();
        let log = c.log_line();
        let r = self.record("change", "asterisk", summary);
        r.log = log;
        r.why = Some(why);
        r.change = Some(kind.to_string());
        r.aor = Some(c.aor.clone());
        r.devices = device.clone().into_iter().collect();
        match c.kind {
            ChangeKind::Added => self.lives.push(BindingLife {
                aor: c.aor.clone(),
                uri: c.uri.clone(),
                device,
                added_ms: self.now,
                removed_ms: None,
                ended_by: "present".into(),
                end_why: None,
                expires_ms: grant_end(c),
                expired_ms: None,
                refreshes: 0,
            }),
            ChangeKind::Refreshed => {
                if let Some(l) = self
                    .lives
                    .iter_mut()
                    .rev()
                    .find(|l| l.uri == c.uri && l.aor == c.aor && l.removed_ms.is_none())
                {
                    l.refreshes += 1;
                    l.expires_ms = grant_end(c);
                }
            }
            ChangeKind::Removed => {
                if let Some(l) = self
                    .lives
                    .iter_mut()
                    .rev()
                    .find(|l| l.uri == c.uri && l.aor == c.aor && l.removed_ms.is_none())
                {
                    l.removed_ms = Some(self.now);
                    l.ended_by = reason.to_string();
                    l.end_why = Some(c.explain());
                    l.expired_ms = match c.why {
                        aorlab_registrar::Why::ExpiredOnRead { expired_at, .. } => {
                            Some(expired_at.saturating_sub(EPOCH_MS))
                        }
                        _ => None,
                    };
                }
            }
            _ => {}
        }
    }

    fn send_options(&mut self, q: QualifyRequest) {
        let target = self.route_uri(&q.uri);
        if let Some(i) = target {
            self.inbound(i);
        }
        let answered = target.is_some_and(|i| self.devs[i].spec.answers_options);
        let devices: Vec<String> = target
            .map(|i| self.devs[i].spec.name.clone())
            .into_iter()
            .collect();
        let n = self.random();
        let user = Uri::parse(&q.request_uri)
            .ok()
            .and_then(|u| u.user)
            .unwrap_or_default();
        let text = format!(
            "OPTIONS {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {ASTERISK_IP}:{ASTERISK_PORT};rport;branch=z9hG4bKPj{n:016x}\r\nFrom: <sip:{user}@{ASTERISK_IP}>;tag={tag:08x}\r\nTo: <{ruri}>\r\nContact: <sip:{user}@{ASTERISK_IP}:{ASTERISK_PORT}>\r\nCall-ID: {cid:016x}\r\nCSeq: {cseq} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            ruri = q.request_uri,
            tag = (n >> 32) as u32,
            cid = n.rotate_left(21),
            cseq = n % 60000 + 1,
        );
        let to = devices.first().cloned().unwrap_or_else(|| "nobody".into());
        let r = self.record(
            "qualify",
            "asterisk",
            format!("OPTIONS {} ({}) → {to}", q.request_uri, q.aor),
        );
        r.sip = Some(SipText {
            from: "asterisk".into(),
            to,
            first_line: format!("OPTIONS {} SIP/2.0", q.request_uri),
            text,
        });
        r.devices = devices;
        let n = self
            .pending_options
            .entry(q.contact_id.clone())
            .or_insert(0);
        *n += 1;
        if answered {
            self.schedule(
                self.now + 2 * DELAY_MS,
                Ev::OptionsDone(q.contact_id, true, 2 * DELAY_MS),
            );
        } else {
            self.schedule(
                self.now + q.timeout_ms.max(1),
                Ev::OptionsDone(q.contact_id, false, 0),
            );
        }
    }

    // ---------------------------------------------------------------- main loop

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::Scenario(k) => self.scenario_event(k),
            Ev::Send(i, kind) => self.send_register(i, kind),
            Ev::Arrive(i, tx, src) => self.arrive(i, tx, src),
            Ev::Retransmit(tx_id) => {
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
                let src = self.source_of(i);
                let name = self.devs[i].spec.name.clone();
                let r = self.record(
                    "sip",
                    &name,
                    format!("REGISTER retransmitted (Timer E) from {src}"),
                );
                r.sip = Some(SipText {
                    from: name.clone(),
                    to: "asterisk".into(),
                    first_line: text.lines().next().unwrap_or("").to_string(),
                    text,
                });
                r.devices = vec![name];
                self.schedule(self.now + DELAY_MS, Ev::Arrive(i, tx_id, src));
                self.schedule(self.now + next, Ev::Retransmit(tx_id));
            }
            Ev::TimerF(tx_id) => {
                let Some(tx) = self.txs.remove(&tx_id) else {
                    return;
                };
                if tx.done {
                    return;
                }
                let i = tx.dev;
                self.devs[i].last_failure = Some("no answer".into());
                self.devs[i].cause = Some(Cause::NoAnswer);
                let policy = self.devs[i].spec.on_timeout;
                self.fail(i, policy, "no answer within 32 s (Timer F)");
            }
            Ev::Reply(tx, resp, dst) => self.reply(tx, *resp, dst),
            Ev::Refresh(i, gen) | Ev::Retry(i, gen) => {
                if self.devs[i].gen == gen && self.devs[i].wants && self.devs[i].online {
                    self.send_register(i, Kind::Register);
                }
            }
            Ev::KeepAlive(i, gen) => {
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
            Ev::Tick => {
                if self.reg.next_wakeup().is_some_and(|t| t <= self.abs()) {
                    let out = self.reg.on_tick(self.abs());
                    self.apply_outcome(out, None);
                }
            }
            Ev::OptionsDone(id, ok, rtt) => {
                if ok {
                    let uri = self
                        .reg
                        .bindings()
                        .find(|b| b.id == id)
                        .map(|b| b.uri.clone());
                    if let Some(i) = uri.and_then(|u| self.route_uri(&u)) {
                        // The answer goes out through the NAT: it refreshes the mapping.
                        let src = self.source_of(i);
                        let name = self.devs[i].spec.name.clone();
                        let r = self.record(
                            "sip",
                            &name,
                            format!("200 OK (to OPTIONS) from {src} → asterisk"),
                        );
                        r.sip = Some(SipText {
                            from: name.clone(),
                            to: "asterisk".into(),
                            first_line: "SIP/2.0 200 OK".into(),
                            text: format!("SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nUser-Agent: aorlab-{name}\r\nContent-Length: 0\r\n\r\n"),
                        });
                        r.devices = vec![name];
                    }
                }
                let res = if ok {
                    QualifyResult::Answered {
                        code: 200,
                        rtt_ms: rtt as f64,
                    }
                } else {
                    QualifyResult::TimedOut
                };
                let before = self.reg.status_of(&id);
                let out = self.reg.on_qualify_result(self.abs(), &id, res);
                let after = self.reg.status_of(&id);
                if before != after {
                    let uri = self
                        .reg
                        .bindings()
                        .find(|b| b.id == id)
                        .map(|b| b.uri.clone())
                        .unwrap_or_default();
                    let line = out.log.first().map(|l| l.to_string());
                    let r = self.record(
                        "qualify",
                        "asterisk",
                        format!("{uri} is now {}", after.label()),
                    );
                    r.log = line;
                    r.why = Some(if ok {
                        "It answered Asterisk's OPTIONS.".into()
                    } else {
                        "It did not answer Asterisk's OPTIONS in time (qualify_timeout): PJSIP_DIAL_CONTACTS now leaves it out.".into()
                    });
                }
            }
            Ev::NatCheck => {}
            Ev::NatExpire(ni, key, last) => self.nat_expire(ni, key, last),
            Ev::AsteriskUp => {
                let out = self.reg.on_start(self.abs());
                let r = self.record("asterisk", "asterisk", "Asterisk is up again".into());
                r.why = Some(
                    "Bindings were kept in astdb; connection-bound ones are pruned at boot.".into(),
                );
                self.apply_outcome(out, None);
            }
        }
    }

    fn device_names(&self, names: &[String]) -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| self.devs.iter().position(|d| &d.spec.name == n))
            .collect()
    }

    fn scenario_event(&mut self, k: usize) {
        let ev = self.sc.events[k].clone();
        match ev.action {
            Action::Register { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].wants = true;
                    self.devs[i].gave_up = false;
                    self.devs[i].retry_ms = None;
                    self.devs[i].phase = Phase::Registering;
                    self.start_keepalive(i);
                    self.send_register(i, Kind::Register);
                }
            }
            Action::Unregister { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].gen += 1;
                    self.send_register(i, Kind::Unregister);
                    self.devs[i].wants = false;
                    self.devs[i].phase = Phase::Idle;
                }
            }
            Action::UnregisterAll { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].gen += 1;
                    self.send_register(i, Kind::UnregisterAll);
                    self.devs[i].wants = false;
                    self.devs[i].phase = Phase::Idle;
                }
            }
            Action::Reboot { devices } => {
                for i in self.device_names(&devices) {
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record(
                        "device",
                        &name,
                        "reboots (new Call-ID, new connection, new rinstance)".into(),
                    );
                    r.devices = vec![name];
                    self.close_conn(i, "device reboot", true);
                    self.new_identity(i);
                    self.devs[i].gen += 1;
                    self.devs[i].online = true;
                    self.devs[i].wants = true;
                    self.devs[i].gave_up = false;
                    self.devs[i].retry_ms = None;
                    self.devs[i].phase = Phase::Registering;
                    self.start_keepalive(i);
                    self.schedule(self.now + 2000, Ev::Send(i, Kind::Register));
                }
            }
            Action::Roam { device, ip, port } => {
                if let Some(i) = self.device_names(&[device]).first().copied() {
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record("device", &name, format!("moves to {ip}:{port}"));
                    r.devices = vec![name];
                    self.close_conn(i, "address changed", false);
                    self.devs[i].cause = Some(Cause::Moved {
                        address: format!("{ip}:{port}"),
                    });
                    self.devs[i].ip_addr = ip_of(&ip);
                    self.devs[i].ip = ip;
                    self.devs[i].port = port;
                    if self.devs[i].wants {
                        self.devs[i].gen += 1;
                        self.send_register(i, Kind::Register);
                    }
                }
            }
            Action::Offline { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].online = false;
                    self.devs[i].gen += 1;
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record("device", &name, "goes offline".into());
                    r.devices = vec![name];
                }
            }
            Action::Online { devices } => {
                for i in self.device_names(&devices) {
                    self.devs[i].online = true;
                    let name = self.devs[i].spec.name.clone();
                    let r = self.record("device", &name, "comes back online".into());
                    r.devices = vec![name];
                    if self.devs[i].wants {
                        self.devs[i].gen += 1;
                        self.devs[i].gave_up = false;
                        if self.devs[i].phase == Phase::GaveUp {
                            self.devs[i].phase = Phase::Registering;
                        }
                        self.send_register(i, Kind::Register);
                    }
                }
            }
            Action::Drop { devices } => {
                for i in self.device_names(&devices) {
                    if self.devs[i].conn.is_none() {
                        let name = self.devs[i].spec.name.clone();
                        let r = self.record(
                            "connection",
                            &name,
                            "has no open connection to drop (UDP or not connected)".into(),
                        );
                        r.devices = vec![name];
                        continue;
                    }
                    self.close_conn(i, "dropped", true);
                    if self.devs[i].wants {
                        self.devs[i].gen += 1;
                        self.schedule(self.now + 1000, Ev::Send(i, Kind::Register));
                    }
                }
            }
            Action::NatReboot { nat } => {
                if let Some(n) = self.nats.iter_mut().find(|n| n.spec.name == nat) {
                    n.reboot();
                }
                let inside: Vec<usize> = (0..self.devs.len())
                    .filter(|&i| self.devs[i].spec.behind.as_deref() == Some(nat.as_str()))
                    .collect();
                let names: Vec<String> = inside
                    .iter()
                    .map(|&i| self.devs[i].spec.name.clone())
                    .collect();
                let r = self.record("nat", &nat, "reboots: every mapping is forgotten".into());
                r.why = Some(
                    "Packets from inside get new public ports; answers to old ports go nowhere."
                        .into(),
                );
                r.nat = Some(NatEvent::Reboot);
                r.devices = names;
                for i in inside {
                    self.devs[i].cause = Some(Cause::NatReboot { nat: nat.clone() });
                    if self.devs[i].spec.protocol.is_reliable() {
                        // The connection silently dies; Asterisk does not see a FIN.
                        self.close_conn(i, "NAT reboot", false);
                    }
                }
            }
            Action::NatRebind { nat, device } => {
                if let Some(i) = self
                    .device_names(std::slice::from_ref(&device))
                    .first()
                    .copied()
                {
                    if let Some(ni) = self.nats.iter().position(|n| n.spec.name == nat) {
                        let key = self.map_key(ni, i);
                        let (old, p) = self.nats[ni].rebind(key, self.now);
                        let timeout = self.nats[ni].timeout(key.2);
                        self.schedule(self.now + timeout, Ev::NatExpire(ni, key, self.now));
                        self.devs[i].cause = Some(Cause::NatRebind {
                            nat: nat.clone(),
                            new_port: p,
                        });
                        let r = self.record(
                            "nat",
                            &nat,
                            format!(
                                "rebinds {device}: public port {} → {p}",
                                old.map(|o| o.to_string()).unwrap_or("-".into())
                            ),
                        );
                        r.devices = vec![device.clone()];
                        r.nat = Some(NatEvent::Rebind {
                            device,
                            old_port: old,
                            new_port: p,
                        });
                    }
                }
            }
            Action::Restart { crash, down_ms } => {
                let r = self.record(
                    "asterisk",
                    "asterisk",
                    format!(
                        "{} (down for {})",
                        if crash { "crashes" } else { "restarts" },
                        crate::duration::format_duration(down_ms)
                    ),
                );
                r.why = Some(
                    "Bindings persist in astdb; qualify status and connection monitors are lost."
                        .into(),
                );
                self.reg.on_stop(self.abs());
                self.answered.clear();
                for i in 0..self.devs.len() {
                    if self.devs[i].conn.is_some() {
                        self.close_conn(i, "Asterisk stopped", false);
                        if self.devs[i].wants {
                            self.devs[i].gen += 1;
                            self.schedule(self.now + 1000, Ev::Send(i, Kind::Register));
                        }
                    }
                }
                self.schedule(self.now + down_ms, Ev::AsteriskUp);
            }
            Action::Reload { config, .. } => {
                let out = self.reg.on_reload(self.abs(), *config);
                let r = self.record(
                    "asterisk",
                    "asterisk",
                    "pjsip reload with the new configuration".into(),
                );
                r.why = Some(
                    "Existing bindings stay; the new limits apply to the next REGISTER.".into(),
                );
                self.apply_outcome(out, None);
            }
            Action::Dial { endpoint } => {
                let now = self.abs();
                let value = self.reg.dial_contacts(now, &endpoint, None, None);
                // The read deleted the AOR's expired bindings: on the record first.
                for c in self.reg.take_read_changes() {
                    self.note_change(&c, None);
                }
                match value {
                    Ok(v) => {
                        let mut ring = Vec::new();
                        let mut dead = 0;
                        for part in v.split('&').filter(|p| !p.is_empty()) {
                            let uri = part.splitn(3, '/').nth(2).unwrap_or("");
                            match self.route_uri(uri) {
                                Some(i) => ring.push(self.devs[i].spec.name.clone()),
                                None => dead += 1,
                            }
                        }
                        let who = if ring.is_empty() {
                            "nobody".to_string()
                        } else {
                            ring.join(", ")
                        };
                        let r = self.record(
                            "dial",
                            "asterisk",
                            format!(
                                "Dial {endpoint}: rings {who}{}",
                                if dead > 0 {
                                    format!(
                                        " ({dead} stale binding{} ring{} nothing)",
                                        if dead == 1 { "" } else { "s" },
                                        if dead == 1 { "s" } else { "" }
                                    )
                                } else {
                                    String::new()
                                }
                            ),
                        );
                        r.log = Some(format!(
                            "PJSIP_DIAL_CONTACTS({endpoint}) = {}",
                            if v.is_empty() { "(empty)" } else { &v }
                        ));
                        r.why = Some("PJSIP_DIAL_CONTACTS lists every binding that is not Unreachable, ordered by contact id (md5 of the URI), not by registration time; all of them ring at once.".into());
                        r.devices = ring;
                    }
                    Err(e) => {
                        let r = self.record("dial", "asterisk", format!("Dial {endpoint}: {e}"));
                        r.log = Some(format!("PJSIP_DIAL_CONTACTS: {e}"));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- derived state

    fn snapshot(&self, idx: &HashMap<Target, usize>) -> State {
        let now = self.abs();
        let mut contacts = Vec::new();
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            contacts.push(ContactRow {
                aor: b.aor.clone(),
                uri: b.uri.clone(),
                expires_in_s: b.expires_in_ms(now) / 1000,
                expires_at_ms: self.now + b.expires_in_ms(now).max(0) as SimMs,
                status: self.reg.status_of(&b.id).label().to_string(),
                reaches: self
                    .route_uri_in(idx, &b.uri)
                    .map(|i| self.devs[i].spec.name.clone()),
            });
        }
        // Live, reachable binding URIs per AOR, in store order: one pass, not
        // one per endpoint.
        let mut by_aor: HashMap<&str, Vec<&str>> = HashMap::new();
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            if self.reg.status_of(&b.id) != Status::Unreachable {
                by_aor.entry(b.aor.as_str()).or_default().push(&b.uri);
            }
        }
        let mut dial = Vec::new();
        for ep in self.reg.config().endpoints.values() {
            let mut parts = Vec::new();
            for a in &ep.aors {
                for uri in by_aor.get(a.as_str()).into_iter().flatten() {
                    parts.push(format!("PJSIP/{}/{uri}", ep.name));
                }
            }
            dial.push((ep.name.clone(), parts.join("&")));
        }
        let show_contacts = self.reg.show_contacts_at(now);
        State {
            at_ms: self.now,
            contacts,
            show_contacts,
            dial,
        }
    }

    /// What a state snapshot would show, hashed (cheap): bindings with their stored
    /// expiry, status and where they lead.
    fn state_signature(&self, idx: &HashMap<Target, usize>) -> u64 {
        use std::hash::{Hash, Hasher};
        let now = self.abs();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            b.id.hash(&mut h);
            // A refresh moves the expiry: the state at later times must know.
            b.expiration.hash(&mut h);
            (self.reg.status_of(&b.id) as u8).hash(&mut h);
            self.route_uri_in(idx, &b.uri).hash(&mut h);
        }
        h.finish()
    }

    /// Each phone's state now, from Asterisk's bindings and the phone's own view.
    fn reach_now(&self, idx: &HashMap<Target, usize>) -> Vec<Reach> {
        let now = self.abs();
        let n = self.devs.len();
        let (mut reached, mut owns) = (vec![false; n], vec![false; n]);
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            if let Some(i) = self.route_uri_in(idx, &b.uri) {
                reached[i] = true;
            } else if let Some(&j) = self.owner.get(&b.aor).and_then(|m| m.get(&b.uri)) {
                owns[j] = true;
            }
        }
        (0..n)
            .map(|i| {
                let d = &self.devs[i];
                match d.phase {
                    _ if !d.online => Reach::Offline,
                    _ if reached[i] => Reach::Reachable,
                    Phase::Idle => Reach::Idle,
                    Phase::GaveUp => Reach::GaveUp,
                    Phase::Failed => Reach::Unregistered,
                    _ if owns[i] => Reach::Stale,
                    Phase::Registering => Reach::Registering,
                    Phase::Registered => Reach::Unregistered,
                }
            })
            .collect()
    }

    fn update_reachability(&mut self, idx: &HashMap<Target, usize>) {
        let states = self.reach_now(idx);
        for (i, state) in states.into_iter().enumerate() {
            if self.reach[i].as_ref().is_some_and(|(_, s, _)| *s == state) {
                continue;
            }
            let name = self.devs[i].spec.name.clone();
            if let Some((from, s, cause)) = self.reach[i].take() {
                if self.now > from {
                    self.spans.push(Span {
                        device: name.clone(),
                        from_ms: from,
                        to_ms: self.now,
                        state: s,
                        cause,
                    });
                }
            }
            let cause = state.is_trouble().then(|| {
                let d = &self.devs[i];
                match (&d.cause, state) {
                    (Some(c), _) => c.clone(),
                    // A registered phone's binding vanished with no removal logged:
                    // it expired before the refresh arrived.
                    (None, Reach::Unregistered) => Cause::BindingRemoved {
                        reason: "expired".into(),
                    },
                    _ => Cause::Unknown,
                }
            });
            // The first REGISTER on its way is not news.
            if state != Reach::Registering && (self.now > 0 || state != Reach::Idle) {
                let why = match (state, &cause) {
                    (Reach::Reachable, _) => {
                        "Asterisk holds a binding that leads to this phone: calls reach it."
                            .to_string()
                    }
                    (Reach::Stale, Some(c)) => format!(
                        "Asterisk still holds this phone's binding, but it leads nowhere: {}.",
                        c.text()
                    ),
                    (Reach::GaveUp, Some(c)) => format!(
                        "The phone stopped trying after a failure ({}); no binding leads to it.",
                        c.text()
                    ),
                    (Reach::Unregistered, Some(c)) => {
                        format!("No binding leads to this phone: {}.", c.text())
                    }
                    (Reach::Offline, _) => "The phone is offline.".to_string(),
                    (Reach::Idle, _) => "The phone is not asked to register.".to_string(),
                    _ => "The phone's REGISTER is on its way.".to_string(),
                };
                let text = match state {
                    Reach::GaveUp => format!("{name} gave up: not registered"),
                    Reach::Stale => {
                        format!("{name} is now unreachable (registered, stale binding)")
                    }
                    s => format!("{name} is now {}", state_words(s)),
                };
                let r = self.record("reachability", &name, text);
                r.why = Some(why);
                r.devices = vec![name];
            }
            self.reach[i] = Some((self.now, state, cause));
        }
    }

    /// A count point for every AOR whose live binding count (or limit) moved.
    /// One pass over the bindings, then one look-up per AOR: no scan of the
    /// history, which grows all day.
    fn note_counts(&mut self) {
        let now = self.abs();
        let mut live: HashMap<&str, u32> = HashMap::new();
        for b in self.reg.bindings().filter(|b| !b.is_expired(now)) {
            *live.entry(b.aor.as_str()).or_default() += 1;
        }
        for a in self.reg.config().aors.values() {
            let n = live.get(a.name.as_str()).copied().unwrap_or(0);
            let same = self
                .last_count
                .get(&a.name)
                .is_some_and(|&(b, m)| b == n && m == a.max_contacts);
            if !same {
                self.last_count.insert(a.name.clone(), (n, a.max_contacts));
                self.counts.push(CountPoint {
                    at_ms: self.now,
                    aor: a.name.clone(),
                    bindings: n,
                    max_contacts: a.max_contacts,
                });
            }
        }
    }

    /// Run to the end and produce the trace.
    pub fn run(mut self, mut warnings: Vec<crate::Diagnostic>) -> Trace {
        let mut until = self.sc.until;
        let mut last_state_sig = 0u64;
        // Deterministic work budget: each re-evaluation looks at every binding and
        // device, so a huge site for a long time is cut short (and says so).
        let mut work: u64 = 0;
        self.update_reachability(&self.route_index());
        self.note_counts();
        while let Some(Reverse((at, _, idx))) = self.queue.pop() {
            if at > until {
                break;
            }
            self.now = at;
            let Some(ev) = self.events[idx].take() else {
                continue;
            };
            let nrec = self.records.len();
            let recheck = matches!(ev, Ev::NatCheck);
            self.handle(ev);
            // Nothing happened (a cancelled timer): nothing to re-evaluate.
            if self.records.len() == nrec && !recheck {
                continue;
            }
            work += (self.reg.bindings().count() + self.devs.len()) as u64 + 1;
            if work > self.budget {
                warnings.push(crate::Diagnostic {
                    line: 1,
                    col: 1,
                    end_col: 2,
                    severity: crate::Severity::Warning,
                    message: format!(
                        "the simulation stopped at {} of {}: {} phones over this long need more work than the playground allows",
                        clock(self.now),
                        clock(until),
                        self.devs.len()
                    ),
                    hint: Some("shorten 'until', or try the same with fewer phones".into()),
                    follow_ons: Vec::new(),
                });
                until = self.now;
                break;
            }
            // Expiry is lazy: make the state at this instant reflect it. Routes
            // do not move while it is written down, so one index serves all three.
            let routes = self.route_index();
            self.update_reachability(&routes);
            self.note_counts();
            if self.records.len() != nrec || recheck {
                let sig = self.state_signature(&routes);
                if sig != last_state_sig {
                    last_state_sig = sig;
                    let s = self.snapshot(&routes);
                    // A snapshot formats every row (md5 for the CLI hash): it costs more.
                    work += 4 * s.contacts.len() as u64;
                    self.states.push(s);
                }
            }
        }
        self.now = until;
        let routes = self.route_index();
        self.update_reachability(&routes);
        let final_state = self.snapshot(&routes);
        for (i, r) in self.reach.clone().into_iter().enumerate() {
            if let Some((from, s, cause)) = r {
                if until > from {
                    self.spans.push(Span {
                        device: self.devs[i].spec.name.clone(),
                        from_ms: from,
                        to_ms: until,
                        state: s,
                        cause,
                    });
                }
            }
        }
        self.spans
            .sort_by(|a, b| a.device.cmp(&b.device).then(a.from_ms.cmp(&b.from_ms)));
        let phones: Vec<PhoneFacts> = self
            .devs
            .iter()
            .map(|d| PhoneFacts {
                name: &d.spec.name,
                rejections_403: d.rejections,
                gave_up: d.gave_up,
                first_wanted: d.first_wanted,
            })
            .collect();
        let devices = summarize(&phones, &self.spans, until);
        let summary = devices.iter().map(|d| d.line.clone()).collect();
        Trace {
            title: self.sc.title.clone(),
            lesson: self.sc.lesson.clone(),
            version: self.sc.version_text.clone(),
            end_ms: until,
            epoch_ms: EPOCH_MS,
            records: self.records,
            final_state,
            states: self.states,
            bindings: self.lives,
            reachability: self.spans,
            counts: self.counts,
            devices,
            summary,
            warnings,
        }
    }
}

/// When an Added/Refreshed change's grant runs out, in sim ms (whole stored seconds).
fn grant_end(c: &Change) -> SimMs {
    ((c.at / 1000 + c.expires.unwrap_or(0) as u64) * 1000).saturating_sub(EPOCH_MS)
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
