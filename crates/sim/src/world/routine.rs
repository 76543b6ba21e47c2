//! Routine exchanges at scale: counted, not stored. A day of 2,000 phones makes
//! about 3 M qualify exchanges and 300 k refreshes that all look alike; written
//! out in full they would be gigabytes of SIP text. Above [`ROUTINE_ABOVE_DEVICES`]
//! devices the world keeps the first exchange of each kind per phone (and contact)
//! and every exchange that differs, and counts the rest per phone
//! (`Trace::routine`). What is routine:
//! - a qualify exchange answered by the same phone that answered the contact's
//!   previous OPTIONS (its status cannot move);
//! - a refresh: a REGISTER from a registered phone whose decision is one
//!   `refreshed` change and whose 200 OK reaches the phone (REGISTER, 200 OK,
//!   change and the phone's "registered for" line are held while in flight and
//!   written at their places if the exchange turns out otherwise; each is held
//!   as the closure that makes it, so a routine refresh formats none of them).

use super::*;
use crate::trace::{RoutineCount, RoutineKind, RoutineSummary};

/// Above this many devices routine exchanges are counted, not stored.
pub const ROUTINE_ABOVE_DEVICES: usize = 50;

/// A held record: made, or to be made only if the exchange is written.
// Not boxed: an exchange holds four records at most, briefly; a box would be
// one more allocation per record.
#[allow(clippy::large_enum_variant)]
pub(super) enum Held {
    Made(Record),
    Later(Box<dyn FnOnce() -> Record>),
}

impl Held {
    fn into_record(self) -> Record {
        match self {
            Held::Made(r) => r,
            Held::Later(make) => make(),
        }
    }
}

#[derive(Default)]
pub(super) struct Routine {
    pub on: bool,
    /// Per phone, per kind (qualify, refresh): (count, first, last). Indexed, not
    /// a map: counted for every routine exchange; read in (phone, kind) order.
    counts: Vec<[Option<(u64, SimMs, SimMs)>; 2]>,
    /// Contact id → the phone that answered its last OPTIONS (None: nobody did).
    last_qualify: SharedMap<Option<usize>>,
    /// Phones whose first refresh is already written in full.
    kept_refresh: Vec<bool>,
    /// Records of REGISTER exchanges in flight that may be routine, by transaction.
    held: HashMap<u64, Vec<(u64, Held)>>,
    /// While set, `record` writes into this transaction's held records.
    pub holding: Option<u64>,
}

impl Routine {
    pub fn new(devices: usize) -> Routine {
        Routine {
            on: devices > ROUTINE_ABOVE_DEVICES,
            kept_refresh: vec![false; devices],
            counts: vec![[None; 2]; devices],
            ..Routine::default()
        }
    }

    pub fn is_held(&self, tx: u64) -> bool {
        self.held.contains_key(&tx)
    }

    /// Transactions with held records, oldest first.
    pub fn in_flight(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.held.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// Hold record `r` (written as the `seq`-th record) of transaction `tx`.
    pub fn hold(&mut self, tx: u64, seq: u64, r: Record) -> &mut Record {
        let v = self.held.entry(tx).or_default();
        v.push((seq, Held::Made(r)));
        match v.last_mut() {
            Some((_, Held::Made(r))) => r,
            _ => unreachable!("just held"),
        }
    }

    /// Hold the record `make` would build (written as the `seq`-th record).
    pub fn hold_later(&mut self, tx: u64, seq: u64, make: Box<dyn FnOnce() -> Record>) {
        self.held
            .entry(tx)
            .or_default()
            .push((seq, Held::Later(make)));
    }

    fn count(&mut self, dev: usize, kind: RoutineKind, at: SimMs) {
        let c = self.counts[dev][kind as usize].get_or_insert((0, at, at));
        c.0 += 1;
        c.2 = at;
    }

    pub fn summary(&self, names: &[String]) -> RoutineSummary {
        RoutineSummary {
            counted: self.on,
            above_devices: ROUTINE_ABOVE_DEVICES as u32,
            exchanges: self
                .counts
                .iter()
                .enumerate()
                .flat_map(|(d, kinds)| {
                    [RoutineKind::Qualify, RoutineKind::Refresh]
                        .into_iter()
                        .filter_map(move |kind| {
                            let (count, first_ms, last_ms) = kinds[kind as usize]?;
                            Some(RoutineCount {
                                device: names[d].clone(),
                                kind,
                                count,
                                first_ms,
                                last_ms,
                            })
                        })
                })
                .collect(),
        }
    }
}

impl World {
    /// Is this OPTIONS (to `target`, answered or not) routine? Remembers who answered.
    pub(super) fn qualify_is_routine(
        &mut self,
        id: &Arc<str>,
        target: Option<usize>,
        answered: bool,
    ) -> bool {
        if !self.routine.on {
            return false;
        }
        let by = target.filter(|_| answered);
        let before = match self.routine.last_qualify.get_mut(&ByArc(id)) {
            Some(v) => Some(std::mem::replace(v, by)),
            None => self.routine.last_qualify.insert(SharedKey::of(id), by),
        };
        let routine = by.is_some() && before == Some(by);
        if let (true, Some(i)) = (routine, by) {
            self.routine.count(i, RoutineKind::Qualify, self.now);
            // Not written, but something happened: the observers still look.
            self.activity = true;
        }
        routine
    }

    /// Whether phone `i` sending `kind` starts an exchange that may be routine:
    /// a refresh by a registered phone.
    pub(super) fn may_be_routine(&self, i: usize, kind: Kind) -> bool {
        self.routine.on && kind == Kind::Register && self.devs[i].phase == Phase::Registered
    }

    /// The exchange turned out otherwise: write its held records at their places.
    pub(super) fn flush(&mut self, tx: u64) {
        let Some(held) = self.routine.held.remove(&tx) else {
            return;
        };
        for (seq, r) in held {
            let r = r.into_record();
            for d in &r.devices {
                if let Some(&i) = self.by_name.get(d) {
                    self.watch.dirty_devs.insert(i);
                }
            }
            // Back where it was written, among the records written since.
            let pos = self.record_seq.partition_point(|&s| s < seq);
            self.records.insert(pos, r);
            self.record_seq.insert(pos, seq);
        }
        self.activity = true;
    }

    /// The refresh `tx` of phone `i` completed as routine: count it (the phone's
    /// first one is written in full, as an example).
    pub(super) fn settle_refresh(&mut self, tx: u64, i: usize) {
        if !self.routine.kept_refresh[i] {
            self.routine.kept_refresh[i] = true;
            self.flush(tx);
            return;
        }
        self.routine.held.remove(&tx);
        self.routine.count(i, RoutineKind::Refresh, self.now);
        self.watch.dirty_devs.insert(i);
        self.activity = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{site_scenario, SiteSpec};

    fn site(phones: usize, counted: bool) -> Trace {
        let text = site_scenario(&SiteSpec {
            phones,
            nats: 3,
            hours: 1,
            qualify_s: 60,
            seed: 1,
        });
        let (sc, w) = crate::parse(&text).unwrap();
        World::new(sc).with_routine_counted(counted).run(w)
    }

    #[test]
    fn counting_routine_exchanges_changes_nothing_but_the_records_it_leaves_out() {
        let (full, counted) = (site(60, false), site(60, true));
        assert!(!full.routine.counted && full.routine.exchanges.is_empty());
        assert!(counted.routine.counted);
        assert_eq!(full.reachability, counted.reachability);
        assert_eq!(full.bindings, counted.bindings);
        assert_eq!(full.counts, counted.counts);
        assert_eq!(full.devices, counted.devices);
        assert_eq!(full.final_state, counted.final_state);
        assert_eq!(full.state_at(1_800_000), counted.state_at(1_800_000));
        // What is written is the full trace's records, in order, minus the counted ones.
        let mut rest = full.records.iter();
        for r in &counted.records {
            assert!(
                rest.any(|f| f == r),
                "{r:?} is not in the full trace in order"
            );
        }
        let left_out = full.records.len() - counted.records.len();
        let per_exchange: u64 = counted
            .routine
            .exchanges
            .iter()
            .map(|c| c.count * if c.kind == RoutineKind::Refresh { 4 } else { 2 })
            .sum();
        assert_eq!(
            left_out as u64, per_exchange,
            "qualify: OPTIONS + 200; refresh: 4 records"
        );
        // Each phone's first refresh is still written in full.
        for d in 0..60 {
            let name = format!("p{:05}", d + 1);
            let registered = counted
                .records
                .iter()
                .filter(|r| r.actor == name && r.summary.starts_with("registered for"))
                .count();
            assert!(
                registered >= 2,
                "{name}: the first REGISTER and the first refresh"
            );
        }
    }

    #[test]
    fn small_sites_write_everything() {
        let (sc, w) = crate::parse(&site_scenario(&SiteSpec {
            phones: 12,
            nats: 3,
            hours: 1,
            qualify_s: 60,
            seed: 1,
        }))
        .unwrap();
        let t = World::new(sc).run(w);
        assert!(!t.routine.counted);
        assert!(t.routine.exchanges.is_empty());
    }
}
