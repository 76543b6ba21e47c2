//! Incremental observation: after each event only what moved is looked at again.
//! Handlers mark devices (their address, connection, NAT mapping, phase) and AORs
//! (their bindings, statuses) as dirty; bindings' expiries, lazy in Asterisk, are
//! watched through a time-ordered queue so a phone's reachability changes exactly
//! when its binding's grant runs out. A reverse index (target address → devices,
//! target address → rows) turns "who does this binding reach?" into one look-up.

use super::*;
use crate::state_log::{Row, StateLog};
use std::collections::BTreeSet;

/// What the observers know, kept in step event by event.
#[derive(Default)]
pub(super) struct Watch {
    /// Devices that may have moved since the last evaluation.
    pub dirty_devs: Marks,
    /// AORs whose rows may have moved since the last evaluation.
    dirty_aors: AorMarks,
    /// Re-evaluate everything (start, restart, reload).
    pub all: bool,
    /// Where each device can be reached now.
    dev_target: Vec<Option<Target>>,
    /// Devices reachable at each address: the lowest index wins a shared one.
    devs_at: HashMap<Target, BTreeSet<usize>>,
    /// Live rows (AOR, URI) whose URI points at each address, and how many of them
    /// are stored bindings (static contacts do not make a phone reachable).
    rows_at: HashMap<Target, (BTreeSet<(String, String)>, u32)>,
    /// (expiration, AOR mark number): when a stored binding's grant runs out,
    /// in absolute ms. A refresh adds the new time and leaves the old entry,
    /// which is passed over when it comes (see [`Watch::grant_ends`]).
    expiries: BinaryHeap<Reverse<(u64, u32)>>,
    /// Each AOR's rows as last written (URI → (row, its target)), by the AOR's
    /// mark number: a look-up by name happens once, when the AOR is marked.
    rows: Vec<AorRows>,
    /// Each AOR's number in the state book, by mark number, once a row of it
    /// was written: a row change then hashes no name.
    book_aor: Vec<Option<u32>>,
    /// Each AOR's number in the registrar, by mark number, once it has one:
    /// reading the AOR again then hashes no name either.
    reg_aor: Vec<Option<aorlab_registrar::AorNumber>>,
    /// Each AOR's last count point (bindings, max_contacts), by mark number, so
    /// a new one is written only when it moves.
    last_count: Vec<Option<(u32, u32)>>,
    /// (AOR, URI) each device's REGISTERs made (mirror of `World::owner`).
    pub owned_by: Vec<BTreeSet<(Arc<str>, Arc<str>)>>,
    /// What the last evaluation looked at (for the work budget).
    pub work: u64,
    /// Vectors an evaluation fills and empties, kept for their allocations
    /// (boxed: taken and put back as one pointer).
    scratch: Option<Box<Scratch>>,
}

/// An evaluation's working vectors, reused from one evaluation to the next.
#[derive(Default)]
struct Scratch {
    devs: Vec<usize>,
    check: Marks,
    checked: Vec<usize>,
    aors: Vec<(Rc<str>, u32)>,
}

impl Watch {
    pub fn new(devices: usize) -> Watch {
        Watch {
            dev_target: vec![None; devices],
            owned_by: vec![BTreeSet::new(); devices],
            all: true,
            ..Watch::default()
        }
    }

    /// The device a packet to `t` reaches (the first device at that address).
    pub fn winner(&self, t: &Target) -> Option<usize> {
        self.devs_at.get(t).and_then(|s| s.first().copied())
    }

    /// Nothing is marked and no binding's grant has run out by `now_abs`: an
    /// evaluation would look at nothing.
    fn is_settled(&self, now_abs: u64) -> bool {
        !self.all
            && self.dirty_devs.0.is_empty()
            && self.dirty_aors.marked.is_empty()
            && self
                .expiries
                .peek()
                .is_none_or(|Reverse((t, _))| *t > now_abs)
    }

    fn stored_at(&self, t: &Target) -> u32 {
        self.rows_at.get(t).map_or(0, |r| r.1)
    }

    /// Whether a stored binding of AOR `k` (mark number), as last written,
    /// has run out by `now_abs`. A refresh's earlier grant has not: reading
    /// the AOR again for it would find nothing moved (a refresh comes a few
    /// seconds before its grant ends, so this is once per refresh).
    fn grant_ends(&self, k: u32, now_abs: u64) -> bool {
        self.rows.get(k as usize).is_some_and(|rows| {
            rows.values()
                .filter_map(|(r, _)| r.expires_at_ms.filter(|_| !r.is_static))
                .any(|e| e + EPOCH_MS <= now_abs)
        })
    }

    /// `aor`'s rows as last written, if it has any.
    fn rows_of(&self, aor: &str) -> Option<&AorRows> {
        self.dirty_aors
            .ix
            .get(aor)
            .and_then(|&k| self.rows.get(k as usize))
    }
}

/// AORs marked since they were last read, by a number of their own (not the
/// state book's: marking must not change the order the book names AORs in),
/// read once each in name order.
#[derive(Default)]
struct AorMarks {
    ix: HashMap<String, u32>,
    names: Vec<Rc<str>>,
    marked: Vec<u32>,
}

impl AorMarks {
    fn insert(&mut self, aor: &str) {
        let i = self.number(aor);
        self.marked.push(i);
    }

    /// `aor`'s own number (given on first sight).
    fn number(&mut self, aor: &str) -> u32 {
        match self.ix.get(aor) {
            Some(&i) => i,
            None => {
                let i = self.names.len() as u32;
                self.ix.insert(aor.to_string(), i);
                self.names.push(Rc::from(aor));
                i
            }
        }
    }

    /// Every AOR marked (name, number), in name order, once each, written into
    /// `names` (emptied first); the marks are cleared, their vector kept.
    fn take_sorted(&mut self, names: &mut Vec<(Rc<str>, u32)>) {
        self.marked.sort_unstable();
        self.marked.dedup();
        names.clear();
        names.extend(
            self.marked
                .drain(..)
                .map(|i| (Rc::clone(&self.names[i as usize]), i)),
        );
        names.sort_unstable();
    }
}

/// Indexes marked since they were last read, read once in ascending order: a
/// vector sorted when read costs less than a tree kept sorted at every mark.
#[derive(Default)]
pub(super) struct Marks(Vec<usize>);

impl Marks {
    pub fn insert(&mut self, i: usize) {
        self.0.push(i);
    }

    pub fn extend(&mut self, it: impl IntoIterator<Item = usize>) {
        self.0.extend(it);
    }

    /// Every index marked, ascending, once each, handed over in `out` (whose
    /// old contents are dropped and whose vector takes the marks' place): an
    /// evaluation after each event allocates nothing.
    pub fn take_sorted(&mut self, out: &mut Vec<usize>) {
        self.0.sort_unstable();
        self.0.dedup();
        out.clear();
        std::mem::swap(out, &mut self.0);
    }
}

/// One AOR's rows by URI, sorted by URI (an AOR holds a few rows: a sorted
/// vector costs one allocation where a map costs a node per AOR and event),
/// each with its URI's number in the state book once written (`NOT_WRITTEN`
/// before). A stored binding's URI is the registrar's own `Arc` (the row's),
/// so the next read finds it again by address, without comparing texts.
#[derive(Default)]
pub(super) struct AorRows(Vec<AorRow>);

/// A row's URI, its number in the state book, the row and its URI's target.
type AorRow = (Arc<str>, u32, (Row, Option<Target>));

/// A row read again, with where it was among the rows last written.
type ReadRow = (AorRow, Option<usize>);

/// A row's URI number before the row is first written to the state book.
const NOT_WRITTEN: u32 = u32::MAX;

impl AorRows {
    /// Rows in the order read, a later row for the same URI replacing an
    /// earlier one; each keeps where it was among the last rows.
    fn from_read(mut rows: Vec<ReadRow>) -> Vec<ReadRow> {
        // Stable: rows for one URI stay in read order; keep the last of each run.
        if rows.len() > 1 {
            rows.sort_by(|a, b| a.0 .0.cmp(&b.0 .0));
        }
        let mut out: Vec<ReadRow> = Vec::with_capacity(rows.len());
        for r in rows {
            match out.last_mut() {
                Some(last) if last.0 .0 == r.0 .0 => *last = r,
                _ => out.push(r),
            }
        }
        out
    }

    pub fn get(&self, uri: &str) -> Option<&(Row, Option<Target>)> {
        self.position(uri).map(|k| &self.0[k].2)
    }

    /// Where the row for `uri` is, by its text.
    fn position(&self, uri: &str) -> Option<usize> {
        self.0.binary_search_by(|(u, ..)| (**u).cmp(uri)).ok()
    }

    /// Where the row for `uri` is: by address first (the same stored binding,
    /// its text not read), then by text.
    fn find(&self, uri: &Arc<str>) -> Option<usize> {
        (self.0.iter().position(|(u, ..)| Arc::ptr_eq(u, uri))).or_else(|| self.position(uri))
    }

    pub fn values(&self) -> impl Iterator<Item = &(Row, Option<Target>)> {
        self.0.iter().map(|(_, _, v)| v)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Interns names and writes row changes with periodic checkpoints.
pub(super) struct StateBook {
    pub log: StateLog,
    aor_ix: HashMap<String, u32>,
    uri_ix: HashMap<String, u32>,
    /// Every live row now, by (AOR, URI) index.
    current: BTreeMap<(u32, u32), Row>,
    since_checkpoint: usize,
}

impl StateBook {
    pub fn new(devices: Vec<String>, statics_by_id: bool) -> StateBook {
        StateBook {
            log: StateLog {
                devices,
                statics_by_id,
                ..StateLog::default()
            },
            aor_ix: HashMap::default(),
            uri_ix: HashMap::default(),
            current: BTreeMap::new(),
            since_checkpoint: 0,
        }
    }

    pub fn aor(&mut self, name: &str) -> u32 {
        intern(&mut self.aor_ix, &mut self.log.aors, name)
    }

    fn uri(&mut self, uri: &str) -> u32 {
        let n = self.log.uris.len();
        let i = intern(&mut self.uri_ix, &mut self.log.uris, uri);
        if self.log.uris.len() > n {
            self.log.uri_md5.push(aorlab_registrar::uri_md5(uri));
        }
        i
    }

    /// Row `uri` of `aor` is now `row` (or gone). Returns the AOR's number.
    #[cfg(test)]
    pub fn set(&mut self, at_ms: SimMs, aor: &str, uri: &str, row: Option<Row>) -> u32 {
        let (a, u) = (self.aor(aor), self.uri(uri));
        self.set_ix(at_ms, a, u, row);
        a
    }

    /// Row `u` (a URI's number) of AOR `a` (its number) is now `row` (or gone).
    fn set_ix(&mut self, at_ms: SimMs, a: u32, u: u32, row: Option<Row>) {
        match &row {
            Some(r) => self.current.insert((a, u), r.clone()),
            None => self.current.remove(&(a, u)),
        };
        self.log.changes.push(crate::state_log::RowChange {
            at_ms,
            aor: a,
            uri: u,
            row,
        });
        self.since_checkpoint += 1;
        // A checkpoint costs the rows it copies: one every few times that many
        // changes keeps checkpoints a fraction of the log and `state_at` bounded.
        if self.since_checkpoint >= (4 * self.current.len()).max(1024) {
            self.since_checkpoint = 0;
            self.log.checkpoints.push(crate::state_log::Checkpoint {
                changes: self.log.changes.len(),
                rows: self
                    .current
                    .iter()
                    .map(|((a, u), r)| (*a, *u, r.clone()))
                    .collect(),
            });
        }
    }
}

/// A round trip in ms as whole microseconds.
fn rtt_us(ms: Option<f64>) -> Option<u64> {
    ms.map(|ms| (ms * 1000.0).round() as u64)
}

fn intern(ix: &mut HashMap<String, u32>, names: &mut Vec<String>, name: &str) -> u32 {
    if let Some(&i) = ix.get(name) {
        return i;
    }
    let i = names.len() as u32;
    ix.insert(name.to_string(), i);
    names.push(name.to_string());
    i
}

impl World {
    /// Mark the devices named by records written since `from` as moved.
    pub(super) fn touch_recorded(&mut self, from: usize) {
        for r in &self.records[from..] {
            for d in &r.devices {
                if let Some(&i) = self.by_name.get(d) {
                    self.watch.dirty_devs.insert(i);
                }
            }
        }
    }

    pub(super) fn touch_aor(&mut self, aor: &str) {
        self.watch.dirty_aors.insert(aor);
    }

    /// Bring the observers up to `now`: targets, rows, reachability, counts, state.
    pub(super) fn evaluate(&mut self) {
        let now_abs = self.abs();
        self.watch.work = 0;
        // Most events (a routine qualify, its answer) mark nothing: nothing to read.
        if self.watch.is_settled(now_abs) {
            return;
        }
        if std::mem::take(&mut self.watch.all) {
            self.watch.dirty_devs.extend(0..self.devs.len());
            let aors: Vec<String> = self.reg.config().aors.keys().cloned().collect();
            for a in &aors {
                self.watch.dirty_aors.insert(a);
            }
            // AORs no longer configured may still hold rows.
            for (k, rows) in self.watch.rows.iter().enumerate() {
                if !rows.is_empty() {
                    self.watch.dirty_aors.marked.push(k as u32);
                }
            }
            self.note_endpoints();
        }
        while let Some(Reverse((t, _))) = self.watch.expiries.peek() {
            if *t > now_abs {
                break;
            }
            let Some(Reverse((_, k))) = self.watch.expiries.pop() else {
                break;
            };
            if self.watch.grant_ends(k, now_abs) {
                self.watch.dirty_aors.marked.push(k);
            }
        }
        let mut sc = self.watch.scratch.take().unwrap_or_default();
        let mut moved_targets: BTreeSet<Target> = BTreeSet::new();
        self.watch.dirty_devs.take_sorted(&mut sc.devs);
        for &i in &sc.devs {
            self.watch.work += 1;
            sc.check.insert(i);
            let t = self.target_of(i);
            let old = std::mem::replace(&mut self.watch.dev_target[i], t);
            if old == t {
                continue;
            }
            for (target, add) in [(old, false), (t, true)] {
                let Some(target) = target else { continue };
                sc.check.extend(self.watch.winner(&target));
                let set = self.watch.devs_at.entry(target).or_default();
                if add {
                    set.insert(i);
                } else {
                    set.remove(&i);
                    if set.is_empty() {
                        self.watch.devs_at.remove(&target);
                    }
                }
                sc.check.extend(self.watch.winner(&target));
                moved_targets.insert(target);
            }
        }
        // Rows at an address whose device changed now reach someone else: their
        // AORs' rows move, and their owners may have become stale (or not).
        for t in &moved_targets {
            if let Some((rows, _)) = self.watch.rows_at.get(t) {
                for (aor, uri) in rows.clone() {
                    self.watch.work += 1;
                    sc.check.extend(self.owner_of(&aor, &uri));
                    self.touch_aor(&aor);
                }
            }
        }
        self.watch.dirty_aors.take_sorted(&mut sc.aors);
        for (aor, k) in &sc.aors {
            self.reread_aor(aor, *k, &mut sc.check);
        }
        sc.check.take_sorted(&mut sc.checked);
        for &i in &sc.checked {
            let state = self.reach_of(i);
            self.set_reach(i, state);
        }
        self.note_counts(&sc.aors);
        self.watch.scratch = Some(sc);
    }

    /// Read `aor`'s rows again from the registrar (one AOR, not the site) and
    /// write what moved.
    fn reread_aor(&mut self, aor: &str, k: u32, check: &mut Marks) {
        let k = k as usize;
        if self.watch.rows.len() <= k {
            self.watch.rows.resize_with(k + 1, AorRows::default);
        }
        let old = std::mem::take(&mut self.watch.rows[k]);
        let fresh = AorRows::from_read(self.read_rows(aor, k, &old));
        self.watch.work += 1 + fresh.len() as u64;
        // A row last written that is not read again is gone. Both lists are in
        // URI order, so the rows read again name theirs in increasing order.
        let mut kept = fresh.iter().filter_map(|(_, was)| *was).peekable();
        for (j, (uri, u, (row, target))) in old.0.iter().enumerate() {
            if kept.next_if_eq(&j).is_some() {
                continue;
            }
            let a = self.book_aor(k, aor);
            self.book.set_ix(self.now, a, *u, None);
            if let Some(t) = target {
                self.unplace(t, aor, uri, row.is_static, check);
            }
        }
        debug_assert!(kept.next().is_none(), "rows read again out of URI order");
        drop(kept);
        let mut rows = Vec::with_capacity(fresh.len());
        for ((uri, _, (row, target)), was) in fresh {
            let before = was.map(|j| &old.0[j]);
            // A row written before keeps its URI's number.
            let mut u = before.map_or(NOT_WRITTEN, |(_, u, _)| *u);
            if !before.is_some_and(|(_, _, (r, _))| *r == row) {
                let a = self.book_aor(k, aor);
                if u == NOT_WRITTEN {
                    u = self.book.uri(&uri);
                }
                self.book.set_ix(self.now, a, u, Some(row.clone()));
                if let Some(e) = row.expires_at_ms {
                    self.watch.expiries.push(Reverse((e + EPOCH_MS, k as u32)));
                }
                if before.is_none() {
                    if let Some(t) = target {
                        self.place(t, aor, &uri, row.is_static, check);
                    }
                }
            }
            rows.push((uri, u, (row, target)));
        }
        self.watch.rows[k] = AorRows(rows);
    }

    /// `aor`'s live rows as the registrar holds them now, in read order (stored
    /// bindings, then static contacts), each with where it was in `old`.
    fn read_rows(&mut self, aor: &str, k: usize, old: &AorRows) -> Vec<ReadRow> {
        let now = self.abs();
        let mut fresh = Vec::new();
        // An AOR without a number in the registrar is neither configured nor
        // holds a binding.
        let number = self.reg_aor(k, aor);
        let reg = &self.reg;
        let live = number
            .into_iter()
            .flat_map(|n| reg.bindings_with_status_of(n));
        let config = number.and_then(|n| reg.aor_of(n));
        for (b, uri, status, rtt) in live.filter(|(b, ..)| !b.is_expired(now)) {
            let was = old.find(uri);
            // A row written before has its URI's target (a URI's target is its text's).
            let target = match was {
                Some(j) => old.0[j].2 .1,
                None => self.uri_target(uri),
            };
            let row = Row {
                is_static: false,
                expires_at_ms: Some(self.now + b.expires_in_ms(now).max(0) as SimMs),
                status,
                rtt_us: rtt_us(rtt),
                reaches: target.and_then(|t| self.watch.winner(&t)).map(|d| d as u32),
            };
            fresh.push(((Arc::clone(uri), NOT_WRITTEN, (row, target)), was));
        }
        if let Some(a) = config {
            for c in &a.contacts {
                let id = aorlab_registrar::static_id(aor, c);
                let was = old.position(c);
                let target = self.uri_target(c);
                let row = Row {
                    is_static: true,
                    expires_at_ms: None,
                    status: self.reg.status_of(&id),
                    rtt_us: rtt_us(self.reg.rtt_of(&id)),
                    reaches: target.and_then(|t| self.watch.winner(&t)).map(|d| d as u32),
                };
                let uri = was.map_or_else(|| Arc::from(c.as_str()), |j| Arc::clone(&old.0[j].0));
                fresh.push(((uri, NOT_WRITTEN, (row, target)), was));
            }
        }
        fresh
    }

    /// AOR `aor`'s (mark number `k`) number in the registrar, kept once known.
    fn reg_aor(&mut self, k: usize, aor: &str) -> Option<aorlab_registrar::AorNumber> {
        if let Some(Some(n)) = self.watch.reg_aor.get(k) {
            return Some(*n);
        }
        let n = self.reg.aor_number(aor)?;
        if self.watch.reg_aor.len() <= k {
            self.watch.reg_aor.resize(k + 1, None);
        }
        self.watch.reg_aor[k] = Some(n);
        Some(n)
    }

    /// AOR `aor`'s (mark number `k`) number in the state book, given there the
    /// first time one of its rows is written (the book lists AORs in that order).
    fn book_aor(&mut self, k: usize, aor: &str) -> u32 {
        if let Some(Some(a)) = self.watch.book_aor.get(k) {
            return *a;
        }
        let a = self.book.aor(aor);
        if self.watch.book_aor.len() <= k {
            self.watch.book_aor.resize(k + 1, None);
        }
        self.watch.book_aor[k] = Some(a);
        a
    }

    /// A live row now points at `t`: the device there (and the row's owner) may change.
    fn place(&mut self, t: Target, aor: &str, uri: &str, is_static: bool, c: &mut Marks) {
        let e = self.watch.rows_at.entry(t).or_default();
        e.0.insert((aor.to_string(), uri.to_string()));
        e.1 += u32::from(!is_static);
        c.extend(self.watch.winner(&t));
        c.extend(self.owner_of(aor, uri));
    }

    fn unplace(&mut self, t: &Target, aor: &str, uri: &str, is_static: bool, c: &mut Marks) {
        if let Some(e) = self.watch.rows_at.get_mut(t) {
            e.0.remove(&(aor.to_string(), uri.to_string()));
            e.1 -= u32::from(!is_static);
            if e.0.is_empty() {
                self.watch.rows_at.remove(t);
            }
        }
        c.extend(self.watch.winner(t));
        c.extend(self.owner_of(aor, uri));
    }

    /// Phone `i`'s state now, from Asterisk's bindings and the phone's own view.
    pub(super) fn reach_of(&self, i: usize) -> Reach {
        let d = &self.devs[i];
        let reached = self.watch.dev_target[i]
            .is_some_and(|t| self.watch.winner(&t) == Some(i) && self.watch.stored_at(&t) > 0);
        // A live binding this phone made that leads nowhere.
        let owns = || {
            self.watch.owned_by[i].iter().any(|(aor, uri)| {
                self.watch
                    .rows_of(aor)
                    .and_then(|r| r.get(uri))
                    .is_some_and(|(row, t)| {
                        !row.is_static && t.and_then(|t| self.watch.winner(&t)).is_none()
                    })
            })
        };
        match d.phase {
            _ if !d.online => Reach::Offline,
            _ if reached => Reach::Reachable,
            Phase::Idle => Reach::Idle,
            Phase::GaveUp => Reach::GaveUp,
            Phase::Failed => Reach::Unregistered,
            _ if owns() => Reach::Stale,
            Phase::Registering => Reach::Registering,
            Phase::Registered => Reach::Unregistered,
        }
    }

    /// A count point for every AOR (of `aors`) whose live binding count or limit
    /// moved, in AOR name order.
    fn note_counts(&mut self, aors: &[(Rc<str>, u32)]) {
        for (name, k) in aors {
            let (name, k) = (&**name, *k as usize);
            let Some(a) = self.reg.aor(name) else {
                continue;
            };
            let max = a.max_contacts;
            let n = self
                .watch
                .rows
                .get(k)
                .map_or(0, |r| r.values().filter(|(r, _)| !r.is_static).count())
                as u32;
            if self.watch.last_count.len() <= k {
                self.watch.last_count.resize(k + 1, None);
            }
            let last = &mut self.watch.last_count[k];
            if *last != Some((n, max)) {
                *last = Some((n, max));
                self.counts.push(CountPoint {
                    at_ms: self.now,
                    aor: name.to_string(),
                    bindings: n,
                    max_contacts: max,
                });
            }
        }
    }

    /// The endpoints and their AORs, for dial strings at any time.
    fn note_endpoints(&mut self) {
        let eps: Vec<(String, Vec<String>)> = self
            .reg
            .config()
            .endpoints
            .values()
            .map(|e| (e.name.clone(), e.aors.clone()))
            .collect();
        let endpoints = eps
            .into_iter()
            .map(|(e, aors)| (e, aors.iter().map(|a| self.book.aor(a)).collect()))
            .collect();
        let at_ms = self.now;
        let log = &mut self.book.log;
        if log
            .endpoints
            .last()
            .is_some_and(|l| l.endpoints == endpoints)
        {
            return;
        }
        if log.endpoints.last().is_some_and(|l| l.at_ms == at_ms) {
            log.endpoints.pop();
        }
        log.endpoints
            .push(crate::state_log::EndpointsAt { at_ms, endpoints });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    /// After any evaluation the incremental observers agree with a computation from
    /// scratch over every binding and device: on every preset, event by event.
    #[test]
    fn incremental_reachability_always_equals_the_full_pass() {
        for p in crate::PRESETS {
            let mut run = world(p.text).start(Vec::new());
            let mut steps = 0;
            while !run.advance(1).done {
                run.world.evaluate();
                let full = run.world.reach_from_scratch();
                let kept: Vec<Reach> = run
                    .world
                    .reach
                    .iter()
                    .map(|r| r.as_ref().unwrap().1)
                    .collect();
                assert_eq!(kept, full, "{} at {} ms", p.name, run.world.now);
                steps += 1;
            }
            assert!(steps > 10, "{}", p.name);
        }
    }

    #[test]
    fn the_state_book_checkpoints_and_replays_to_the_same_rows() {
        let mut book = StateBook::new(vec!["d".into()], true);
        let row = |e: SimMs| Row {
            is_static: false,
            expires_at_ms: Some(e),
            status: aorlab_registrar::Status::NonQualified,
            rtt_us: None,
            reaches: Some(0),
        };
        for k in 0..3000u64 {
            let uri = format!("sip:u{}@h", k % 7);
            book.set(k, "a", &uri, (k % 5 != 0).then(|| row(k + 10_000)));
        }
        assert!(!book.log.checkpoints.is_empty());
        // The state from checkpoints equals a replay of every change from the start.
        for t in [0, 1023, 1024, 1500, 2999] {
            let mut replay = StateLog {
                checkpoints: Vec::new(),
                ..book.log.clone()
            };
            replay.checkpoints.clear();
            assert_eq!(book.log.state_at(t), replay.state_at(t), "at {t}");
        }
    }
}
