//! The registrar's tables with the indexes that keep each decision's cost
//! independent of the site's size: a REGISTER reads one AOR's bindings, a sweep
//! reads what expires, a closed connection reads its own bindings, a tick reads
//! the qualifies that are due. Iteration orders are the ones Asterisk shows
//! (binding id, AOR name), so the indexes never change an output.

use crate::binding::{Binding, ConnId};
use crate::names::NameMap;
use crate::time::Millis;
use aorlab_sip::Uri;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::sync::{Arc, OnceLock};

/// A hash map for the per-decision look-ups: foldhash's fixed (seedless, so
/// deterministic) hasher costs a fraction of SipHash on short string keys.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// An AOR's number in the store (dense, from 0): what a REGISTER's resolved
/// AOR, the qualify timers and the endpoint-state marks hold instead of its name.
pub(crate) type AorIx = u32;

/// astdb's `registrar/contact/<id>` rows, with the indexes a decision reads.
/// Rows live in a slab; every index holds the row's slot, so reading one AOR's
/// rows is one hash look-up and a walk of its (small) id-ordered map, with no
/// string hashing per row. Ids and URIs are shared (`Arc<str>`) between the
/// indexes and each REGISTER's working set instead of copied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    rows: Vec<Option<Row>>,
    free: Vec<u32>,
    by_id: FastMap<Arc<str>, u32>,
    /// Every id in id order (the order astdb lists them).
    order: BTreeMap<Arc<str>, u32>,
    /// Each AOR's number ([`AorIx`]), given the first time a binding or a
    /// configuration names it and kept for the process (astdb outlives a
    /// restart, and so do these numbers).
    aor_ix: NameMap<AorIx>,
    aor_names: Vec<Arc<str>>,
    /// Each AOR's rows (slots) in id order, by AOR number: a decision that
    /// knows its AOR's number reads them with no hashing.
    by_aor: Vec<Slots>,
    /// Stored expiration in whole seconds → (row number, slot) armed for it,
    /// dropped lazily; see [`Store::settle`].
    by_expiry: BTreeMap<u64, VecDeque<(u64, u32)>>,
    /// How many entries `by_expiry` holds, armed or not.
    expiry_entries: usize,
    /// Each slot's (row number, expiration) as armed, beside the rows so that
    /// checking an entry reads no row.
    armed: Vec<(u64, u64)>,
    next_row: u64,
}

/// Laid out in order, a row to a cache line: what a qualify reads (id, URI,
/// status, AOR) is the first line, what a refresh reads of its own (the URIs
/// made from the stored one, the expiry key) next, then the binding, whose
/// first line is what a refresh reads and writes. At 10,000 AORs every row is
/// cold when its turn comes, so each line a qualify or a refresh touches is a
/// miss.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub(crate) struct Row {
    pub(crate) id: Arc<str>,
    pub(crate) uri: Arc<str>,
    /// Qualify status and last RTT (memory, not astdb: cleared when Asterisk
    /// stops). Kept with the row so a qualify result, and an observer reading
    /// the AOR, find it without a second look-up by id text.
    pub(crate) status: Qualified,
    /// Its AOR's number.
    pub(crate) aor: AorIx,
    /// Whether the stored URI parses as sip:/sips: (what a 200 OK lists), known
    /// from the first line so a refresh does not read the parsed URI for it.
    pub(crate) sip: bool,
    /// The stored URI parsed when the row is stored. Asterisk parses it on
    /// every REGISTER; the result never changes for a row (its id is the AOR
    /// and the URI's md5), so it is kept with the row.
    parsed: Option<Arc<Uri>>,
    /// The stored URI as a 200 OK lists it where the release restores
    /// x-ast-orig-host, made on the first 200 OK that lists it: it never changes
    /// for a row either (a copy restored per answer was about 2 % of a
    /// 500-phone day).
    as_sent: OnceLock<Option<Arc<Uri>>>,
    /// Where qualify's OPTIONS go (the stored URI without x-ast-orig-host),
    /// printed on the first qualify: it never changes for a row either.
    options_uri: OnceLock<Arc<str>>,
    /// Its key in `by_expiry` with the expiration: unique per row.
    n: u64,
    /// Zero-sized: starts the binding on a cache line of its own.
    _binding_line: [CacheLine; 0],
    pub(crate) b: Binding,
}

/// A cache line's alignment, for [`Row`]'s layout.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub(crate) struct CacheLine;

/// An `armed` entry for an empty slot.
const DISARMED: (u64, u64) = (u64::MAX, u64::MAX);

/// A contact's qualify status and its last round trip (ms).
pub(crate) type Qualified = (crate::binding::Status, Option<f64>);

/// What a contact that was never qualified shows.
pub(crate) const NOT_QUALIFIED: Qualified = (crate::binding::Status::NonQualified, None);

impl Row {
    /// The Request-URI of this binding's OPTIONS.
    pub(crate) fn options_uri(&self) -> &Arc<str> {
        self.options_uri.get_or_init(|| match self.parsed() {
            Some(u) => crate::nat::options_request_uri(&u)
                .print(aorlab_sip::UriContext::RequestUri)
                .into(),
            None => self.uri.clone(),
        })
    }

    /// The stored URI with x-ast-orig-host restored (`None` if it does not parse).
    pub(crate) fn as_sent(&self) -> Option<Arc<Uri>> {
        // Without x-ast-orig-host it is the stored URI itself: the same `Arc`,
        // so a 200 OK's contact touches one object, not two.
        self.as_sent
            .get_or_init(|| {
                self.parsed().map(|u| {
                    let sent = crate::nat::restored(&u);
                    if sent == *u {
                        u
                    } else {
                        Arc::new(sent)
                    }
                })
            })
            .clone()
    }

    /// The stored URI parsed (`None` if it does not parse).
    pub(crate) fn parsed(&self) -> Option<Arc<Uri>> {
        self.parsed.clone()
    }
}

impl Store {
    fn row(&self, slot: u32) -> Option<&Row> {
        self.rows.get(slot as usize).and_then(Option::as_ref)
    }
    pub(crate) fn get(&self, id: &str) -> Option<&Binding> {
        self.get_row(id).map(|r| &r.b)
    }
    pub(crate) fn get_row(&self, id: &str) -> Option<&Row> {
        self.by_id.get(id).and_then(|&s| self.row(s))
    }
    /// Where the row with this id is (one look-up, for a caller that reads
    /// and then changes it).
    pub(crate) fn slot_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }
    /// [`Store::slot_of`], trying `hint` first: the row there is taken if it
    /// holds this id (the same `Arc`, or the same text), with no hashing.
    pub(crate) fn slot_hinted(&self, id: &Arc<str>, hint: u32) -> Option<u32> {
        match self.row(hint) {
            Some(r) if Arc::ptr_eq(&r.id, id) || *r.id == **id => Some(hint),
            _ => self.slot_of(id),
        }
    }
    pub(crate) fn row_at(&self, slot: u32) -> Option<&Row> {
        self.row(slot)
    }
    /// The qualify status of the row at `slot`, to change in place.
    pub(crate) fn status_at(&mut self, slot: u32) -> Option<&mut Qualified> {
        Some(&mut self.rows.get_mut(slot as usize)?.as_mut()?.status)
    }
    /// Asterisk stopped or booted: every status is forgotten.
    pub(crate) fn forget_statuses(&mut self) {
        for r in self.rows.iter_mut().flatten() {
            r.status = NOT_QUALIFIED;
        }
    }
    pub(crate) fn contains_key(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }
    /// Every binding in id order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Binding> {
        self.rows().map(|r| &r.b)
    }
    /// Every row in id order.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &Row> {
        self.order.values().filter_map(|&s| self.row(s))
    }

    /// Store `b`, not yet qualified; returns its AOR's number.
    /// `uri` is `b.uri`, shared with the request that stored it.
    pub(crate) fn insert(&mut self, b: Binding, uri: Arc<str>) -> AorIx {
        debug_assert_eq!(*uri, *b.uri);
        self.remove(&b.id);
        let n = self.next_row;
        self.next_row += 1;
        let id: Arc<str> = Arc::from(b.id.as_str());
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.rows.push(None);
                (self.rows.len() - 1) as u32
            }
        };
        self.arm(b.expiration, n, slot);
        self.order.insert(id.clone(), slot);
        let ix = self.intern_aor(&b.aor);
        let rows = &self.rows;
        let slots = &mut self.by_aor[ix as usize];
        let at = slots
            .as_slice()
            .partition_point(|&s| rows[s as usize].as_ref().is_some_and(|r| r.id < id));
        slots.insert(at, slot);
        self.by_id.insert(id.clone(), slot);
        let parsed = Uri::parse(&b.uri).ok().map(Arc::new);
        self.rows[slot as usize] = Some(Row {
            n,
            b,
            aor: ix,
            sip: parsed.as_ref().is_some_and(|u| u.is_sip()),
            id,
            uri,
            parsed,
            _binding_line: [],
            as_sent: OnceLock::new(),
            options_uri: OnceLock::new(),
            status: NOT_QUALIFIED,
        });
        self.settle();
        ix
    }

    /// Delete the row with this id: the binding and its AOR's number.
    pub(crate) fn remove(&mut self, id: &str) -> Option<(Binding, AorIx)> {
        let slot = self.by_id.remove(id)?;
        let Row { b, aor, .. } = self.rows.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        self.armed[slot as usize] = DISARMED;
        self.settle();
        self.order.remove(id);
        self.by_aor[aor as usize].remove(slot);
        Some((b, aor))
    }

    /// Change a stored binding in place (the expiry index follows; the id and
    /// AOR do not change). `slot` is where the caller read it (`Row::slot`),
    /// used when the row there still is that id (no hash look-up).
    pub(crate) fn update(&mut self, id: &Arc<str>, slot: u32, f: impl FnOnce(&mut Binding)) {
        let here = self
            .row(slot)
            .is_some_and(|r| Arc::ptr_eq(&r.id, id) || *r.id == **id);
        let slot = match here {
            true => slot,
            false => match self.by_id.get(&**id) {
                Some(&s) => s,
                None => return,
            },
        };
        let Some(Some(Row { n, b, .. })) = self.rows.get_mut(slot as usize) else {
            return;
        };
        let before = b.expiration;
        f(b);
        if b.expiration != before {
            let (e, n) = (b.expiration, *n);
            self.arm(e, n, slot);
            self.settle();
        }
    }

    /// Row `n` in `slot` now expires at `expiration`: an entry in its second's
    /// bucket (an entry for its earlier expiration stays, disarmed).
    fn arm(&mut self, expiration: u64, n: u64, slot: u32) {
        let i = slot as usize;
        if self.armed.len() <= i {
            self.armed.resize(i + 1, DISARMED);
        }
        self.armed[i] = (n, expiration);
        self.by_expiry
            .entry(expiration)
            .or_default()
            .push_back((n, slot));
        self.expiry_entries += 1;
    }

    /// Whether an entry of `expiration`'s bucket still stands for its row.
    fn is_armed(&self, expiration: u64, (n, slot): (u64, u32)) -> bool {
        self.armed.get(slot as usize) == Some(&(n, expiration))
    }

    /// The expiry index drops entries lazily, as a refresh or a removal leaves
    /// them: a refresh appends to its new second's bucket instead of finding the
    /// old entry (a tree keyed by binding costs cache misses at every level).
    /// Disarmed entries leave the front of the first bucket here, so its first
    /// entry is always armed; the index is rebuilt from the rows when disarmed
    /// entries outnumber armed ones by far.
    fn settle(&mut self) {
        while let Some(mut first) = self.by_expiry.first_entry() {
            let e = *first.key();
            while let Some(&entry) = first.get().front() {
                if self.armed.get(entry.1 as usize) == Some(&(entry.0, e)) {
                    break;
                }
                first.get_mut().pop_front();
                self.expiry_entries -= 1;
            }
            if !first.get().is_empty() {
                break;
            }
            first.remove();
        }
        if self.expiry_entries > 4 * self.by_id.len() + 64 {
            self.rebuild_expiry();
        }
    }

    /// `by_expiry` with armed entries only, in row order within a second.
    fn rebuild_expiry(&mut self) {
        let mut armed: Vec<(u64, u64, u32)> = (self.rows.iter().enumerate())
            .filter_map(|(slot, r)| Some((r.as_ref()?.b.expiration, r.as_ref()?.n, slot as u32)))
            .collect();
        armed.sort_unstable();
        self.by_expiry.clear();
        self.expiry_entries = armed.len();
        for (e, n, slot) in armed {
            self.by_expiry.entry(e).or_default().push_back((n, slot));
        }
    }

    /// One AOR's rows in id order, with their slots.
    pub(crate) fn rows_of<'a>(&'a self, aor: &str) -> impl Iterator<Item = (u32, &'a Row)> + 'a {
        self.rows_of_ix(self.aor_ix(aor).unwrap_or(AorIx::MAX))
    }

    /// [`Store::rows_of`] by the AOR's number (none for an unknown number).
    pub(crate) fn rows_of_ix<'a>(&'a self, ix: AorIx) -> impl Iterator<Item = (u32, &'a Row)> + 'a {
        (self.by_aor.get(ix as usize))
            .map(Slots::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|&s| self.row(s).map(|r| (s, r)))
    }

    /// `aor`'s number, given now if it has none yet.
    pub(crate) fn intern_aor(&mut self, aor: &str) -> AorIx {
        if let Some(&ix) = self.aor_ix.get(aor) {
            return ix;
        }
        let ix = self.aor_names.len() as AorIx;
        self.aor_ix.insert(aor, ix);
        self.aor_names.push(Arc::from(aor));
        self.by_aor.push(Slots::default());
        ix
    }

    /// `aor`'s number, if it has one.
    pub(crate) fn aor_ix(&self, aor: &str) -> Option<AorIx> {
        self.aor_ix.get(aor).copied()
    }

    /// The name of AOR number `ix`.
    pub(crate) fn aor_name(&self, ix: AorIx) -> &Arc<str> {
        &self.aor_names[ix as usize]
    }

    /// One AOR's bindings in id order.
    pub(crate) fn of_aor<'a>(&'a self, aor: &str) -> impl Iterator<Item = &'a Binding> + 'a {
        self.rows_of(aor).map(|(_, r)| &r.b)
    }

    /// Ids of the bindings whose stored expiry (× 1000) is at or before
    /// `limit_ms`, in id order (the order Asterisk deletes them).
    pub(crate) fn expiring_by(&self, limit_ms: Millis) -> Vec<String> {
        let limit = limit_ms / 1000;
        let mut slots: Vec<u32> = (self.by_expiry.range(..=limit))
            .flat_map(|(&e, entries)| {
                (entries.iter())
                    .filter(move |&&entry| self.is_armed(e, entry))
                    .map(|&(_, slot)| slot)
            })
            .collect();
        // A row back at an expiration it had before is in its bucket twice.
        slots.sort_unstable();
        slots.dedup();
        let mut ids: Vec<&Arc<str>> = slots
            .iter()
            .filter_map(|&s| self.row(s))
            .map(|r| &r.id)
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(|id| id.to_string()).collect()
    }

    /// The earliest stored expiration (whole seconds): the first bucket's
    /// first entry is armed (see [`Store::settle`]).
    pub(crate) fn first_expiration(&self) -> Option<u64> {
        self.by_expiry.keys().next().copied()
    }
}

/// One AOR's slots in id order, inline while they are few (an AOR holds one
/// or two bindings, mostly): reading them costs no look-up beyond the AOR's.
#[derive(Debug, Clone)]
pub(crate) enum Slots {
    Inline(u8, [u32; 5]),
    Heap(Vec<u32>),
}

impl Default for Slots {
    fn default() -> Slots {
        Slots::Inline(0, [0; 5])
    }
}

impl Slots {
    fn as_slice(&self) -> &[u32] {
        match self {
            Slots::Inline(n, a) => &a[..*n as usize],
            Slots::Heap(v) => v,
        }
    }
    fn insert(&mut self, at: usize, slot: u32) {
        match self {
            Slots::Inline(n, a) if (*n as usize) < a.len() => {
                a.copy_within(at..*n as usize, at + 1);
                a[at] = slot;
                *n += 1;
            }
            Slots::Inline(n, a) => {
                let mut v = a[..*n as usize].to_vec();
                v.insert(at, slot);
                *self = Slots::Heap(v);
            }
            Slots::Heap(v) => v.insert(at, slot),
        }
    }
    fn remove(&mut self, slot: u32) {
        let Some(at) = self.as_slice().iter().position(|&s| s == slot) else {
            return;
        };
        match self {
            Slots::Inline(n, a) => {
                a.copy_within(at + 1..*n as usize, at);
                *n -= 1;
            }
            Slots::Heap(v) => {
                v.remove(at);
            }
        }
    }
}

/// The transport monitor's binding → connection ties, with the reverse index.
#[derive(Debug, Clone, Default)]
pub(crate) struct Monitors {
    by_id: FastMap<String, ConnId>,
    by_conn: FastMap<ConnId, BTreeSet<String>>,
}

impl Monitors {
    pub(crate) fn get(&self, id: &str) -> Option<ConnId> {
        self.by_id.get(id).copied()
    }
    pub(crate) fn insert(&mut self, id: String, conn: ConnId) {
        if let Some(old) = self.by_id.insert(id.clone(), conn) {
            self.unlink(old, &id);
        }
        self.by_conn.entry(conn).or_default().insert(id);
    }
    pub(crate) fn remove(&mut self, id: &str) {
        if let Some(conn) = self.by_id.remove(id) {
            self.unlink(conn, id);
        }
    }
    fn unlink(&mut self, conn: ConnId, id: &str) {
        if let Some(set) = self.by_conn.get_mut(&conn) {
            set.remove(id);
            if set.is_empty() {
                self.by_conn.remove(&conn);
            }
        }
    }
    pub(crate) fn clear(&mut self) {
        self.by_id.clear();
        self.by_conn.clear();
    }
    /// The bindings tied to `conn`, in id order.
    pub(crate) fn of_conn(&self, conn: ConnId) -> Vec<String> {
        self.by_conn
            .get(&conn)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Each qualified AOR's next OPTIONS time, with a time-ordered index, by the
/// AOR's number in the [`Store`] ([`AorIx`]): the index orders (time, number),
/// so a tick compares integers, and re-arming a timer allocates nothing. Its
/// entries are dropped lazily: an entry is live while its generation is the
/// AOR's (re-arming or removing a timer only bumps the generation), and a stale
/// entry is skipped when it reaches the front, so the front is always live.
///
/// The index is two queues. A tick re-arms each due AOR at now + its qualify
/// frequency, so with one frequency on a site the times come in order: those
/// go to a FIFO (`runs`), pushed and popped in O(1). An entry earlier than the
/// FIFO's last (a first qualify, another frequency) goes to a heap. At 10,000
/// AORs the heap's sift-down was a third of a tick's own time, most of it
/// mispredicted compares.
#[derive(Debug, Clone, Default)]
pub(crate) struct QualifyTimers {
    /// By AOR number: the armed time and the generation of its entry.
    at: Vec<(Option<Millis>, u32)>,
    /// (time, number, generation) packed by [`timer_key`], times nondecreasing.
    runs: VecDeque<u128>,
    /// The entries that came out of order, packed the same way.
    queue: BinaryHeap<Reverse<u128>>,
}

/// (time, AOR number, generation) as one integer ordered as the tuple.
fn timer_key((at, i, gen): (Millis, AorIx, u32)) -> u128 {
    (u128::from(at) << 64) | (u128::from(i) << 32) | u128::from(gen)
}

fn timer_parts(k: u128) -> (Millis, AorIx, u32) {
    ((k >> 64) as Millis, (k >> 32) as AorIx, k as u32)
}

/// An entry's time.
fn timer_at(k: u128) -> Millis {
    (k >> 64) as Millis
}

impl QualifyTimers {
    /// Arm (or re-arm) AOR `i`'s timer for `at`.
    pub(crate) fn insert_ix(&mut self, i: AorIx, at: Millis) {
        if self.at.len() <= i as usize {
            self.at.resize(i as usize + 1, (None, 0));
        }
        let slot = &mut self.at[i as usize];
        slot.1 = slot.1.wrapping_add(1);
        slot.0 = Some(at);
        let key = timer_key((at, i, slot.1));
        if self.runs.back().is_none_or(|&last| timer_at(last) <= at) {
            self.runs.push_back(key);
        } else {
            self.queue.push(Reverse(key));
        }
        self.prune();
    }
    pub(crate) fn remove_ix(&mut self, i: AorIx) {
        let Some(slot) = self.at.get_mut(i as usize) else {
            return;
        };
        if slot.0.take().is_some() {
            slot.1 = slot.1.wrapping_add(1);
            self.prune();
        }
    }
    fn is_live(&self, (at, i, gen): (Millis, AorIx, u32)) -> bool {
        self.at[i as usize] == (Some(at), gen)
    }
    /// Drop stale entries from both fronts.
    fn prune(&mut self) {
        while let Some(&k) = self.runs.front() {
            if self.is_live(timer_parts(k)) {
                break;
            }
            self.runs.pop_front();
        }
        while let Some(&Reverse(k)) = self.queue.peek() {
            if self.is_live(timer_parts(k)) {
                break;
            }
            self.queue.pop();
        }
    }
    pub(crate) fn contains_ix(&self, i: AorIx) -> bool {
        self.at.get(i as usize).is_some_and(|t| t.0.is_some())
    }
    pub(crate) fn clear(&mut self) {
        for t in &mut self.at {
            *t = (None, t.1.wrapping_add(1));
        }
        self.runs.clear();
        self.queue.clear();
    }
    /// Disarm every timer whose AOR `keep` refuses.
    pub(crate) fn retain(&mut self, keep: impl Fn(AorIx) -> bool) {
        for i in 0..self.at.len() as AorIx {
            if self.at[i as usize].0.is_some() && !keep(i) {
                self.remove_ix(i);
            }
        }
    }
    /// The earliest timer.
    pub(crate) fn next(&self) -> Option<Millis> {
        let run = self.runs.front().map(|&k| timer_at(k));
        let heap = self.queue.peek().map(|&Reverse(k)| timer_at(k));
        match (run, heap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    /// The AORs due at `now` (number and name, named by `store`), in AOR name
    /// order (the order Asterisk walks its containers), not by time. Their
    /// timers are disarmed: the caller re-arms each (`insert_ix`) or leaves it off.
    #[cfg(test)]
    pub(crate) fn due(&mut self, now: Millis, store: &Store) -> Vec<(AorIx, Arc<str>)> {
        let mut due = Vec::new();
        self.due_into(now, store, &mut due);
        due
    }

    /// [`QualifyTimers::due`] written into `due` (emptied first): a tick reuses
    /// one vector instead of growing a new one.
    pub(crate) fn due_into(
        &mut self,
        now: Millis,
        store: &Store,
        due: &mut Vec<(AorIx, Arc<str>)>,
    ) {
        due.clear();
        while let Some(&k) = self.runs.front().filter(|&&k| timer_at(k) <= now) {
            self.runs.pop_front();
            self.take_due(timer_parts(k), store, due);
        }
        while let Some(&Reverse(k)) = self.queue.peek().filter(|r| timer_at(r.0) <= now) {
            self.queue.pop();
            self.take_due(timer_parts(k), store, due);
        }
        self.prune();
        if due.len() > 1 {
            due.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        }
    }

    /// A due entry, if live: its timer is disarmed and its AOR listed.
    fn take_due(
        &mut self,
        e: (Millis, AorIx, u32),
        store: &Store,
        due: &mut Vec<(AorIx, Arc<str>)>,
    ) {
        if self.is_live(e) {
            self.at[e.1 as usize].0 = None;
            due.push((e.1, store.aor_name(e.1).clone()));
        }
    }
}

/// The AOR part of a contact id (`<aor>;@<md5>` or `<aor>@@<md5>`).
pub(crate) fn aor_of_id(id: &str) -> Option<&str> {
    let cut = id.len().checked_sub(34)?;
    let tail = id.get(cut..)?;
    (tail.starts_with(";@") || tail.starts_with("@@")).then(|| &id[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout the row's comment promises: a qualify's fields on the first
    /// line, the URIs a refresh reads and the expiry key on the second, the
    /// binding's expiration to its User-Agent on the third.
    #[test]
    fn a_row_keeps_a_qualify_and_a_refresh_on_a_line_each() {
        use std::mem::{offset_of, size_of};
        assert!(offset_of!(Row, sip) < 64 && offset_of!(Row, aor) < 64);
        assert!(offset_of!(Row, status) + size_of::<Qualified>() <= 64);
        assert!(offset_of!(Row, parsed) >= 64 && offset_of!(Row, n) + 8 <= 128);
        assert_eq!(offset_of!(Row, b), 128);
        assert!(offset_of!(Binding, user_agent) + size_of::<String>() <= 64);
        assert!(offset_of!(Binding, expiration) < 64 && offset_of!(Binding, path) < 64);
    }

    /// Store `b` with its URI as the registrar shares it.
    fn put(s: &mut Store, b: Binding) -> AorIx {
        let uri = Arc::from(b.uri.as_str());
        s.insert(b, uri)
    }

    /// The lazily pruned heap answers `next` and `due` exactly as a map of armed
    /// times would, over a long random mix of arming, re-arming, removing,
    /// clearing and ticks.
    #[test]
    fn qualify_timers_agree_with_a_plain_map_of_armed_times() {
        let mut t = QualifyTimers::default();
        let mut names = Store::default();
        let mut model: BTreeMap<String, Millis> = BTreeMap::new();
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut now = 0;
        for step in 0..20_000 {
            let name = format!("a{}", rnd(40));
            let ix = names.intern_aor(&name);
            match rnd(10) {
                0..=3 => {
                    let at = now + rnd(5_000);
                    t.insert_ix(ix, at);
                    model.insert(name.clone(), at);
                }
                4 => {
                    t.remove_ix(ix);
                    model.remove(&name);
                }
                5 if step % 500 == 0 => {
                    t.clear();
                    model.clear();
                }
                _ => {
                    now += rnd(700);
                    let due: Vec<String> = t
                        .due(now, &names)
                        .iter()
                        .map(|(_, n)| n.to_string())
                        .collect();
                    let want: Vec<String> = model
                        .iter()
                        .filter(|(_, &at)| at <= now)
                        .map(|(n, _)| n.clone())
                        .collect();
                    assert_eq!(due, want, "step {step}");
                    // Re-arm half of them, leave the rest off (as a tick does).
                    for (k, n) in due.iter().enumerate() {
                        model.remove(n);
                        if k % 2 == 0 {
                            t.insert_ix(names.intern_aor(n), now + 1_000);
                            model.insert(n.clone(), now + 1_000);
                        }
                    }
                }
            }
            assert_eq!(t.next(), model.values().min().copied(), "step {step}");
            assert_eq!(t.contains_ix(ix), model.contains_key(&name));
        }
        assert!(
            t.queue.len() <= 4 * 40 + 64,
            "stale entries are pruned: {}",
            t.queue.len()
        );
    }

    fn binding(aor: &str, uri: &str, expiration: u64) -> Binding {
        Binding {
            id: crate::binding::dynamic_id(aor, uri),
            aor: aor.into(),
            uri: uri.into(),
            expiration,
            path: String::new(),
            user_agent: String::new(),
            via_addr: String::new(),
            via_port: 0,
            call_id: String::new(),
            endpoint: aor.into(),
            reg_server: String::new(),
            prune_on_boot: false,
            qualify_frequency: 0,
            qualify_timeout: 3.0,
            authenticate_qualify: false,
            outbound_proxy: String::new(),
            created_at: 0,
        }
    }

    #[test]
    fn of_aor_reads_only_that_aor_even_when_names_share_a_prefix() {
        let mut s = Store::default();
        put(&mut s, binding("a", "sip:1@h", 10));
        put(&mut s, binding("a;@x", "sip:2@h", 10));
        put(&mut s, binding("ab", "sip:3@h", 10));
        put(&mut s, binding("a", "sip:4@h", 10));
        let uris: Vec<&str> = s.of_aor("a").map(|b| b.uri.as_str()).collect();
        assert_eq!(uris.len(), 2);
        assert!(uris.contains(&"sip:1@h") && uris.contains(&"sip:4@h"));
    }

    #[test]
    fn an_aors_rows_stay_in_id_order_past_the_inline_slots() {
        let mut s = Store::default();
        let uris: Vec<String> = (0..9).map(|i| format!("sip:{i}@h")).collect();
        for u in &uris {
            put(&mut s, binding("a", u, 10));
        }
        put(&mut s, binding("b", "sip:x@h", 10));
        let ids = |s: &Store| s.of_aor("a").map(|b| b.id.clone()).collect::<Vec<_>>();
        let mut want: Vec<String> = uris
            .iter()
            .map(|u| crate::binding::dynamic_id("a", u))
            .collect();
        want.sort();
        assert_eq!(ids(&s), want);
        for gone in [want[0].clone(), want[4].clone(), want[8].clone()] {
            s.remove(&gone);
            want.retain(|w| *w != gone);
        }
        assert_eq!(ids(&s), want);
        // a refresh through a stale slot hint still finds its row by id
        let (slot, _) = s.rows_of("b").next().unwrap();
        let id: Arc<str> = Arc::from(want[0].as_str());
        s.update(&id, slot, |b| b.expiration = 99);
        assert_eq!(s.get(&want[0]).map(|b| b.expiration), Some(99));
        assert_eq!(s.of_aor("b").next().map(|b| b.expiration), Some(10));
    }

    #[test]
    fn expiry_index_follows_updates_and_removals() {
        let mut s = Store::default();
        let b1 = binding("a", "sip:1@h", 10);
        let b2 = binding("b", "sip:2@h", 20);
        let (id1, id2) = (b1.id.clone(), b2.id.clone());
        put(&mut s, b1);
        put(&mut s, b2);
        assert_eq!(s.first_expiration(), Some(10));
        assert_eq!(s.expiring_by(10_000), vec![id1.clone()]);
        s.update(&Arc::from(id1.as_str()), u32::MAX, |b| b.expiration = 30);
        assert_eq!(s.first_expiration(), Some(20));
        assert_eq!(s.expiring_by(30_999), {
            let mut v = vec![id1.clone(), id2.clone()];
            v.sort();
            v
        });
        s.remove(&id2);
        assert_eq!(s.expiring_by(29_999), Vec::<String>::new());
        assert_eq!(s.first_expiration(), Some(30));
    }

    #[test]
    fn the_lazy_expiry_index_stays_small_and_lists_a_row_once() {
        let mut s = Store::default();
        let b = binding("a", "sip:1@h", 10);
        let other = binding("b", "sip:2@h", 5_000);
        let id: Arc<str> = Arc::from(b.id.as_str());
        put(&mut s, b);
        put(&mut s, other);
        // A refresh leaves its old entry behind; they never pile up.
        for e in 11..10_000 {
            s.update(&id, u32::MAX, |b| b.expiration = e);
            assert!(
                s.expiry_entries <= 4 * 2 + 64,
                "{} entries",
                s.expiry_entries
            );
        }
        assert_eq!(s.first_expiration(), Some(5_000));
        assert_eq!(s.expiring_by(9_998_999).len(), 1, "only b by 9,998 s");
        // Back to an expiration it had before: armed twice, listed once.
        s.update(&id, u32::MAX, |b| b.expiration = 7_000);
        s.update(&id, u32::MAX, |b| b.expiration = 8_000);
        s.update(&id, u32::MAX, |b| b.expiration = 7_000);
        assert_eq!(s.expiring_by(7_000_000).len(), 2);
        s.remove(&id);
        assert_eq!(s.expiring_by(u64::MAX).len(), 1);
        assert_eq!(s.first_expiration(), Some(5_000));
    }

    #[test]
    fn monitors_and_timers_keep_their_reverse_indexes() {
        let mut m = Monitors::default();
        m.insert("x".into(), 1);
        m.insert("y".into(), 1);
        m.insert("x".into(), 2);
        assert_eq!(m.of_conn(1), vec!["y".to_string()]);
        assert_eq!(m.of_conn(2), vec!["x".to_string()]);
        m.remove("y");
        assert!(m.of_conn(1).is_empty());

        // Timers by AOR number, due in AOR name order ("b" is numbered first).
        let mut st = Store::default();
        let (b, a) = (st.intern_aor("b"), st.intern_aor("a"));
        assert_eq!((b, a, st.intern_aor("b")), (0, 1, 0), "one number per name");
        let mut q = QualifyTimers::default();
        q.insert_ix(b, 5);
        q.insert_ix(a, 7);
        q.insert_ix(b, 9);
        assert_eq!(q.next(), Some(7));
        let names = |v: Vec<(u32, Arc<str>)>| {
            v.into_iter()
                .map(|(_, n)| n.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(q.due(9, &st)), vec!["a".to_string(), "b".to_string()]);
        // Due timers are off until the caller re-arms them.
        assert_eq!(q.next(), None);
        assert!(!q.contains_ix(a) && !q.contains_ix(b));
        q.insert_ix(a, 7);
        q.insert_ix(b, 9);
        assert_eq!(names(q.due(8, &st)), vec!["a".to_string()]);
        q.insert_ix(a, 7);
        q.retain(|i| i != a);
        assert!(!q.contains_ix(a) && q.contains_ix(b));
        assert_eq!(names(q.due(9, &st)), vec!["b".to_string()]);
        q.clear();
        assert_eq!(q.next(), None);
    }

    #[test]
    fn aor_of_id_cuts_the_md5() {
        let d = crate::binding::dynamic_id("alice", "sip:a@h");
        let s = crate::binding::static_id("a;@b", "sip:a@h");
        assert_eq!(aor_of_id(&d), Some("alice"));
        assert_eq!(aor_of_id(&s), Some("a;@b"));
        assert_eq!(aor_of_id("short"), None);
    }
}
