//! The deterministic discrete-event world: devices, NAT boxes, connections and
//! one Asterisk, exchanging real SIP text. Virtual milliseconds; no wall clock.

use crate::duration::clock;
use crate::incidents::{phone_facts, state_words, summarize, Silences};
use crate::nat::{IdleDue, MapKey, NatState};
use crate::scenario::*;
use crate::trace::*;
use aorlab_registrar::{
    Addr, Change, ChangeKind, Outcome, Protocol, QualifyRequest, QualifyResult, Received,
    Registrar, RowHint, Status, StatusMove,
};
use aorlab_sip::{Message, Uri};
use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::sync::Arc;

/// Hash maps on the per-event path: foldhash's fixed state (fast, and seedless,
/// so native and wasm behave the same; nothing iterates them into the trace).
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

mod asterisk;
mod last_read;
mod network;
mod observers;
mod phone;
mod queue;
mod routine;
mod run;
mod script;
mod shared_key;
mod watch;

use asterisk::{ended_by, grant_end};
use network::{ip_of, Target};
use phone::{DevState, Kind, Phase, Tx};
pub use run::{Progress, Run};
use shared_key::{ByArc, SharedKey, SharedMap};

/// The work one run may do: every event handled counts one, and every device,
/// AOR row or address the observers look at again counts one. A guard against a
/// run that would take hours, far above a day of 10,000 phones (see README).
pub const WORK_BUDGET: u64 = 2_000_000_000;
/// The records one run may write in full. Routine exchanges are counted, not
/// written, so a healthy site writes few (a day of 10,000 phones about 160,000);
/// a site whose phones fail over and over writes each exchange in full (1,000
/// phones with no keepalive behind 120 s NATs: 1.6 million records a day, 1.9 GB).
/// A guard on memory: the run stops there with its partial result.
pub const RECORD_BUDGET: usize = 500_000;
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
/// Asterisk's answer to a REGISTER: the registrar's typed response, which the
/// phone reads, printed as SIP only when a record shows it (a routine refresh's
/// answer is never printed).
#[derive(Debug)]
pub(super) struct Answer {
    response: aorlab_registrar::Response,
    message: std::cell::OnceCell<Message>,
}

impl Answer {
    fn new(response: aorlab_registrar::Response) -> Answer {
        Answer {
            response,
            message: std::cell::OnceCell::new(),
        }
    }
    fn status(&self) -> u16 {
        self.response.status()
    }
    /// The answer as sent, printed on first use.
    fn message(&self) -> &Message {
        self.message.get_or_init(|| self.response.to_message())
    }
}

#[derive(Debug)]
enum Ev {
    Scenario(usize),
    Send(usize, Kind),
    /// A REGISTER (or its retransmission) reaches Asterisk from this source.
    Arrive(usize, u64, Addr),
    Retransmit(u64),
    TimerF(u64),
    /// The answer is shared with the stateful copy kept for retransmissions.
    Reply(u64, Rc<Answer>, Addr),
    Refresh(usize, u64),
    Retry(usize, u64),
    KeepAlive(usize, u64),
    Tick,
    /// An OPTIONS's answer comes back, or its time is up.
    OptionsDone(asterisk::OptionsSent),
    AsteriskUp,
    /// A binding may have timed out: re-evaluate who is reachable.
    NatCheck,
    /// NAT `usize`'s mapping may have been idle too long: its armed idle check
    /// (queued as this sequence number; see `nat::IdleChecks`).
    NatExpire(usize, MapKey, u64),
}
/// What the world keeps of one stored binding.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Slot {
    /// The phone whose REGISTER made (or last refreshed) it.
    owner: Option<usize>,
    /// Its life's index in `World::lives`, while open.
    life: Option<usize>,
}

/// (routing clock tick, device reached then) of a stored URI.
type CachedRoute = Cell<(u64, Option<usize>)>;
/// A shared URI (kept, so its address stays its own), its target and route.
type SharedRoute = (Arc<str>, Option<Target>, CachedRoute);

pub struct World {
    sc: Scenario,
    now: SimMs,
    seq: u64,
    queue: queue::Queue,
    events: Vec<Option<Ev>>,
    /// Slots of `events` free for reuse.
    free_slots: Vec<usize>,
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
    /// Incremental observers' indexes and dirty marks.
    watch: watch::Watch,
    /// Contact rows over time, for `Trace::state_at`.
    book: watch::StateBook,
    /// Routine exchanges at scale: counted, not stored.
    routine: routine::Routine,
    /// The order each record was written in (held records are written back into
    /// their place by it).
    record_seq: Vec<u64>,
    next_record_seq: u64,
    /// Something happened in this event (written, held or counted).
    activity: bool,
    /// Device name → index.
    by_name: HashMap<String, usize>,
    /// (NAT, private IP) → devices there, lowest index first.
    by_nat_ip: HashMap<(usize, IpAddr), Vec<usize>>,
    /// Own IP → devices not behind a NAT, lowest index first.
    by_ip: HashMap<IpAddr, Vec<usize>>,
    /// Public IP → NATs.
    nat_by_public: HashMap<IpAddr, Vec<usize>>,
    lives: Vec<BindingLife>,
    /// Each stored binding the world knows, by AOR, then URI (look-ups borrow
    /// instead of allocating): the phone whose REGISTER made it and its open life.
    /// One look-up serves both on a refresh; keyed by the registrar's own
    /// `Arc`s, compared by address first.
    slots: SharedMap<SharedMap<Slot>>,
    counts: Vec<CountPoint>,
    reach: Vec<Option<(SimMs, Reach, Option<Cause>)>>,
    spans: Vec<Span>,
    /// Stateful 200s Asterisk keeps for retransmissions: branch → (response, until).
    answered: HashMap<String, (Rc<Answer>, SimMs)>,
    /// Each phone's last REGISTER as Asterisk read it (a refresh is read from it).
    last_read: Vec<Option<last_read::LastRead>>,
    /// (until, branch) of `answered`, to forget them when their time is over. A
    /// queue in time order: every `until` is its answer's time plus Timer F.
    answered_until: VecDeque<(SimMs, String)>,
    /// Stored URI → its target, and the device it reached when the routing
    /// clock last stood at the given tick.
    uri_cache: RefCell<HashMap<String, (Option<Target>, CachedRoute)>>,
    /// Routes of URIs the registrar's store shares (`Arc<str>`), by the
    /// allocation's address: found without hashing or comparing the text. Each
    /// entry keeps its `Arc`, so the address cannot be reused by another URI.
    shared_routes: RefCell<HashMap<usize, SharedRoute>>,
    /// Ticks whenever anything a route depends on moves: a NAT mapping appears
    /// or goes, a device opens or closes a connection, moves, goes on or offline.
    route_clock: Rc<Cell<u64>>,
    budget: u64,
    /// At most this many records (see [`RECORD_BUDGET`]).
    record_budget: usize,
    /// Idle checks coalesced into an armed one (no queue entry of their own): still
    /// counted against the work budget, once, when scheduled, so the budget
    /// measures about what it did when each was an event.
    uncounted: u64,
}

impl World {
    pub fn new(sc: Scenario) -> World {
        let reg = Registrar::new(sc.profile, sc.config.clone(), EPOCH_MS)
            .with_seed(sc.seed)
            .with_systemname(&sc.systemname);
        let mut rng = sc.seed.wrapping_mul(0x2545_f491_4f6c_dd1d) | 1;
        let route_clock: Rc<Cell<u64>> = Rc::default();
        let nats: Vec<NatState> = sc
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
                    .with_route_clock(Rc::clone(&route_clock))
            })
            .collect();
        let devs = sc
            .devices
            .iter()
            .map(|d| DevState {
                protocol: d.protocol,
                answers_options: d.answers_options,
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
                boots: 0,
                last_failure: None,
                phase: Phase::Idle,
                cause: None,
                reject_reason: None,
                failures: 0,
                public_port: None,
                conn_dead: false,
                own_contact: None,
            })
            .collect::<Vec<_>>();
        let n = devs.len();
        let names: Vec<String> = devs.iter().map(|d| d.spec.name.clone()).collect();
        let by_name = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let mut by_nat_ip: HashMap<(usize, IpAddr), Vec<usize>> = HashMap::default();
        let mut by_ip: HashMap<IpAddr, Vec<usize>> = HashMap::default();
        for (i, d) in devs.iter().enumerate() {
            match d.nat {
                Some(ni) => by_nat_ip.entry((ni, d.ip_addr)).or_default().push(i),
                None => by_ip.entry(d.ip_addr).or_default().push(i),
            }
        }
        let mut nat_by_public: HashMap<IpAddr, Vec<usize>> = HashMap::default();
        for (ni, n) in nats.iter().enumerate() {
            nat_by_public.entry(n.public).or_default().push(ni);
        }
        let statics_by_id = sc.profile.sorts_retrieved_contacts();
        let mut w = World {
            sc,
            now: 0,
            seq: 0,
            queue: queue::Queue::default(),
            events: Vec::new(),
            free_slots: Vec::new(),
            reg,
            devs,
            nats,
            txs: BTreeMap::new(),
            next_tx: 1,
            next_conn: 1,
            conns: BTreeMap::new(),
            rng,
            records: Vec::new(),
            watch: watch::Watch::new(n),
            book: watch::StateBook::new(names, statics_by_id),
            routine: routine::Routine::new(n),
            activity: false,
            record_seq: Vec::new(),
            next_record_seq: 0,
            by_name,
            by_nat_ip,
            by_ip,
            nat_by_public,
            lives: Vec::new(),
            slots: SharedMap::default(),
            counts: Vec::new(),
            reach: vec![None; n],
            spans: Vec::new(),
            answered: HashMap::default(),
            last_read: (0..n).map(|_| None).collect(),
            answered_until: VecDeque::new(),
            uri_cache: RefCell::new(HashMap::default()),
            shared_routes: RefCell::new(HashMap::default()),
            route_clock,
            budget: WORK_BUDGET,
            record_budget: RECORD_BUDGET,
            uncounted: 0,
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

    /// Count routine exchanges instead of writing them (default: above
    /// [`routine::ROUTINE_ABOVE_DEVICES`] devices).
    pub fn with_routine_counted(mut self, counted: bool) -> World {
        self.routine.on = counted;
        self
    }

    /// A smaller (or larger) work budget than [`WORK_BUDGET`].
    pub fn with_work_budget(mut self, budget: u64) -> World {
        self.budget = budget;
        self
    }

    /// A smaller (or larger) record budget than [`RECORD_BUDGET`].
    pub fn with_record_budget(mut self, budget: usize) -> World {
        self.record_budget = budget;
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
        self.push_event(at, self.seq, ev);
    }

    /// Queue `ev` at (`at`, `seq`): a sequence number taken earlier keeps an
    /// event's place among others at the same instant.
    fn push_event(&mut self, at: SimMs, seq: u64, ev: Ev) {
        // Slots of handled events are reused: memory follows what is pending, not
        // everything ever scheduled.
        let slot = match self.free_slots.pop() {
            Some(k) => {
                self.events[k] = Some(ev);
                k
            }
            None => {
                self.events.push(Some(ev));
                self.events.len() - 1
            }
        };
        self.queue.push(at, seq, slot);
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

    fn record(&mut self, kind: RecordKind, actor: &str, summary: String) -> &mut Record {
        self.activity = true;
        let r = Record::new(self.now, kind, actor, summary);
        let seq = self.take_record_seq();
        if let Some(tx) = self.routine.holding {
            return self.routine.hold(tx, seq, r);
        }
        self.records.push(r);
        self.record_seq.push(seq);
        self.records.last_mut().expect("just pushed")
    }

    /// Write the record `make` builds. While an exchange is held (possibly
    /// routine), `make` runs only if the exchange is written after all: most
    /// routine records are never formatted.
    fn record_with(&mut self, make: impl FnOnce() -> Record + 'static) {
        self.activity = true;
        let seq = self.take_record_seq();
        match self.routine.holding {
            Some(tx) => self.routine.hold_later(tx, seq, Box::new(make)),
            None => {
                self.records.push(make());
                self.record_seq.push(seq);
            }
        }
    }

    /// The place of the next record written (or held) in the order of writing.
    fn take_record_seq(&mut self) -> u64 {
        let seq = self
            .record_seq
            .last()
            .map_or(0, |s| s + 1)
            .max(self.next_record_seq);
        self.next_record_seq = seq + 1;
        seq
    }
}

#[cfg(test)]
pub(super) mod testing {
    use super::*;

    /// Two UDP phones behind one NAT (60 s UDP timeout), each on its own AOR;
    /// `quiet` sends no keep-alives and is qualified every 90 s (too seldom to
    /// keep its mapping), `chatty` sends keep-alives every 20 s.
    pub const NAT_PAIR: &str = "asterisk 22
seed 3
pjsip.conf {
[quiet]
type = endpoint
aors = quiet
rewrite_contact = yes

[quiet]
type = aor
max_contacts = 1
remove_existing = yes
qualify_frequency = 90

[chatty]
type = endpoint
aors = chatty
rewrite_contact = yes

[chatty]
type = aor
max_contacts = 1
remove_existing = yes
}
nat home public 203.0.113.7 udp-timeout 60s
device quiet  quiet  udp 192.168.1.10:5060 behind home expires 300
device chatty chatty udp 192.168.1.11:5060 behind home expires 300 keepalive crlf 20s
at 0s register quiet chatty
until 10m
";

    pub fn world(text: &str) -> World {
        let (sc, _) = crate::parse(text).expect("test scenarios are valid");
        World::new(sc)
    }

    /// Handle every event up to and including `t` (observers included).
    pub fn run_until(text: &str, t: SimMs) -> Run {
        let mut run = world(text).start(Vec::new());
        while run.world.queue.peek().is_some_and(|(at, _)| at <= t) {
            run.advance(1);
        }
        run
    }

    pub fn dev(w: &World, name: &str) -> usize {
        w.devs
            .iter()
            .position(|d| d.spec.name == name)
            .expect("device exists")
    }
}
