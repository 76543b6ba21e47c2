//! What the page asks of a finished run, answered from the `Trace` kept in wasm memory: the
//! page never holds the whole trace (a site-size day has millions of records), only what it
//! draws. Pure functions over the trace, tested natively.

use serde::Serialize;

use aorlab_sim as sim;
use sim::{
    BindingChange, BindingLife, CountPoint, DeviceSummary, Record, RecordKind, RoutineKind, Span,
    Trace,
};

/// Everything the views draw without asking again: the trace minus its records and states,
/// plus the indexes the page used to compute from the records.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RunView<'a> {
    pub title: &'a str,
    pub lesson: &'a str,
    pub version: &'a str,
    pub end_ms: u64,
    /// Where the scenario asked to stop; above `end_ms` when the work budget cut the run.
    pub until_ms: u64,
    pub epoch_ms: u64,
    pub record_count: usize,
    pub message_count: usize,
    pub bindings: &'a [BindingLife],
    pub reachability: &'a [Span],
    pub counts: &'a [CountPoint],
    pub devices: &'a [DeviceSummary],
    pub warnings: &'a [sim::Diagnostic],
    /// Each device behind a NAT: `[device, nat]`, from the NAT records.
    pub nat_of: Vec<(&'a str, &'a str)>,
    /// For the log's filters: every device, AOR and record kind that occurs.
    pub device_names: Vec<&'a str>,
    pub aors: Vec<&'a str>,
    pub kinds: Vec<RecordKind>,
    /// Routine exchanges counted instead of written as records (sites over
    /// `Trace::routine.above_devices` phones; docs/world.md "At scale"): successful qualify
    /// exchanges and refreshes. Both 0 when nothing was counted.
    pub routine_qualify: u64,
    pub routine_refresh: u64,
}

/// A filter over records (the log's device / AOR / kind / text, the ladder's messages).
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct RecordFilter {
    pub device: String,
    pub aor: String,
    pub kind: Option<RecordKind>,
    /// Lower-case text looked for in the summary, log line, explanation and actor.
    pub text: String,
    /// Only messages on the wire (SIP, qualify OPTIONS).
    pub messages: bool,
}

/// Records around a moment: up to `before` at or before `around_ms`, `after` after it.
#[derive(Debug, Clone)]
pub struct RecordQuery {
    pub filter: RecordFilter,
    pub around_ms: u64,
    pub before: u32,
    pub after: u32,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Indexed<'a> {
    pub index: u32,
    pub record: &'a Record,
}

#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct RecordWindow<'a> {
    pub items: Vec<Indexed<'a>>,
    /// How many records match the filter; `total` in the run.
    pub matched: usize,
    pub total: usize,
    /// Position (among the matches) of the first item.
    pub first: usize,
    /// Position of the last match at or before `around_ms`, −1 when none.
    pub at: i64,
}

pub use sim::StateWindow;

/// One marker row of the timeline: its records in the window, or, when there are too many to
/// draw, how many fall in each of `buckets` equal slices of the window.
#[derive(Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct MarkerRow<'a> {
    pub key: &'static str,
    pub total: usize,
    pub items: Option<Vec<Indexed<'a>>>,
    pub counts: Option<Vec<u32>>,
}

/// The kinds of event the timeline marks, each on its own row.
pub const MARKER_KEYS: [&str; 7] = [
    "rejected",
    "nat-forgot",
    "nat",
    "connection",
    "asterisk",
    "dial",
    "qualify",
];

/// Which marker row a record belongs on, if any.
pub fn marker_key(r: &Record) -> Option<&'static str> {
    if r.change == Some(BindingChange::Rejected) {
        return Some("rejected");
    }
    match r.kind {
        RecordKind::Nat if matches!(r.nat, Some(sim::NatEvent::Forgot { .. })) => {
            Some("nat-forgot")
        }
        RecordKind::Nat => Some("nat"),
        RecordKind::Connection => Some("connection"),
        RecordKind::Asterisk => Some("asterisk"),
        RecordKind::Dial => Some("dial"),
        // A contact's qualify status moving (Asterisk's OPTIONS themselves are messages).
        RecordKind::Qualify if r.sip.is_none() => Some("qualify"),
        _ => None,
    }
}

/// A message on the wire: a REGISTER, its answer, or Asterisk's qualify OPTIONS.
pub fn is_message(r: &Record) -> bool {
    r.sip.is_some()
}

fn matches(r: &Record, f: &RecordFilter) -> bool {
    if f.messages && !is_message(r) {
        return false;
    }
    if !f.device.is_empty() && r.actor != f.device && !r.devices.contains(&f.device) {
        return false;
    }
    if !f.aor.is_empty() && r.aor.as_deref() != Some(f.aor.as_str()) {
        return false;
    }
    if f.kind.is_some_and(|k| r.kind != k) {
        return false;
    }
    if f.text.is_empty() {
        return true;
    }
    let has = |s: &str| s.to_lowercase().contains(&f.text);
    has(&r.summary)
        || r.log.as_deref().is_some_and(has)
        || r.why.as_deref().is_some_and(has)
        || has(&r.actor)
}

/// A finished run and the indexes its queries use, built once.
pub struct Finished {
    pub trace: Trace,
    until_ms: u64,
    messages: Vec<u32>,
    markers: Vec<Vec<u32>>,
    /// Every moment something happened (records, binding starts and ends), sorted, unique.
    moments: Vec<u64>,
    /// The last filter asked for and its matches (the log asks again on every cursor move).
    cached: Option<(RecordFilter, Vec<u32>)>,
    state_index: sim::StateIndex,
}

impl Finished {
    pub fn new(trace: Trace, until_ms: u64) -> Finished {
        let mut messages = Vec::new();
        let mut markers = vec![Vec::new(); MARKER_KEYS.len()];
        let mut moments = vec![0, trace.end_ms];
        for (i, r) in trace.records.iter().enumerate() {
            if is_message(r) {
                messages.push(i as u32);
            }
            if let Some(key) = marker_key(r) {
                let row = MARKER_KEYS.iter().position(|k| *k == key).unwrap_or(0);
                markers[row].push(i as u32);
            }
            moments.push(r.at_ms);
        }
        for b in &trace.bindings {
            moments.push(b.added_ms);
            moments.extend(b.removed_ms);
        }
        moments.sort_unstable();
        moments.dedup();
        Finished {
            state_index: sim::StateIndex::new(&trace.state_log),
            trace,
            until_ms,
            messages,
            markers,
            moments,
            cached: None,
        }
    }

    pub fn view(&self) -> RunView<'_> {
        let t = &self.trace;
        let mut nat_of: Vec<(&str, &str)> = Vec::new();
        let mut device_names: Vec<&str> = t.devices.iter().map(|d| d.device.as_str()).collect();
        let mut aors: Vec<&str> = Vec::new();
        let mut kinds: Vec<RecordKind> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in &t.records {
            if r.kind == RecordKind::Nat {
                for d in &r.devices {
                    if seen.insert(("nat", d.as_str())) {
                        nat_of.push((d, &r.actor));
                    }
                }
            }
            for d in &r.devices {
                if seen.insert(("device", d.as_str())) && !t.devices.iter().any(|x| x.device == *d)
                {
                    device_names.push(d);
                }
            }
            if let Some(a) = &r.aor {
                if seen.insert(("aor", a.as_str())) {
                    aors.push(a);
                }
            }
            if !kinds.contains(&r.kind) {
                kinds.push(r.kind);
            }
        }
        let routine = |k: RoutineKind| -> u64 {
            t.routine
                .exchanges
                .iter()
                .filter(|e| e.kind == k)
                .map(|e| e.count)
                .sum()
        };
        RunView {
            routine_qualify: routine(RoutineKind::Qualify),
            routine_refresh: routine(RoutineKind::Refresh),
            title: &t.title,
            lesson: &t.lesson,
            version: &t.version,
            end_ms: t.end_ms,
            until_ms: self.until_ms.max(t.end_ms),
            epoch_ms: t.epoch_ms,
            record_count: t.records.len(),
            message_count: self.messages.len(),
            bindings: &t.bindings,
            reachability: &t.reachability,
            counts: &t.counts,
            devices: &t.devices,
            warnings: &t.warnings,
            nat_of,
            device_names,
            aors,
            kinds,
        }
    }

    fn matching(&mut self, f: &RecordFilter) -> &[u32] {
        let only_messages = f.device.is_empty()
            && f.aor.is_empty()
            && f.kind.is_none()
            && f.text.is_empty()
            && f.messages;
        if only_messages {
            return &self.messages;
        }
        let hit = matches!(&self.cached, Some((c, _)) if c == f);
        if !hit {
            let list = self
                .trace
                .records
                .iter()
                .enumerate()
                .filter(|(_, r)| matches(r, f))
                .map(|(i, _)| i as u32)
                .collect();
            self.cached = Some((f.clone(), list));
        }
        &self.cached.as_ref().expect("just filled").1
    }

    pub fn records(&mut self, q: &RecordQuery) -> RecordWindow<'_> {
        let list = self.matching(&q.filter).to_vec();
        let records = &self.trace.records;
        let after_cursor = list.partition_point(|&i| records[i as usize].at_ms <= q.around_ms);
        let from = after_cursor.saturating_sub(q.before as usize);
        let to = (after_cursor + q.after as usize).min(list.len());
        RecordWindow {
            items: list[from..to]
                .iter()
                .map(|&i| Indexed {
                    index: i,
                    record: &records[i as usize],
                })
                .collect(),
            matched: list.len(),
            total: records.len(),
            first: from,
            at: after_cursor as i64 - 1,
        }
    }

    pub fn record(&self, index: u32) -> Option<&Record> {
        self.trace.records.get(index as usize)
    }

    /// The timeline's marker rows for `[from, to]`: each row's records when at most
    /// `max_items`, else its counts in `buckets` slices.
    pub fn markers(&self, from: u64, to: u64, buckets: u32, max_items: u32) -> Vec<MarkerRow<'_>> {
        let records = &self.trace.records;
        let mut rows = Vec::new();
        for (k, key) in MARKER_KEYS.iter().enumerate() {
            let list = &self.markers[k];
            if list.is_empty() {
                continue;
            }
            let a = list.partition_point(|&i| records[i as usize].at_ms < from);
            let b = list.partition_point(|&i| records[i as usize].at_ms <= to);
            let shown = &list[a..b];
            let (items, counts) = if shown.len() <= max_items as usize {
                let items = shown
                    .iter()
                    .map(|&i| Indexed {
                        index: i,
                        record: &records[i as usize],
                    })
                    .collect();
                (Some(items), None)
            } else {
                let n = buckets.max(1) as u64;
                let span = (to - from).max(1);
                let mut counts = vec![0u32; n as usize];
                for &i in shown {
                    let at = records[i as usize].at_ms - from;
                    counts[((at * n) / (span + 1)) as usize] += 1;
                }
                (None, Some(counts))
            };
            rows.push(MarkerRow {
                key,
                total: list.len(),
                items,
                counts,
            });
        }
        rows
    }

    /// The next moment something happened after `t` (`dir` > 0), or the last before it.
    pub fn step(&self, t: u64, dir: i32) -> u64 {
        let m = &self.moments;
        if dir > 0 {
            let i = m.partition_point(|&x| x <= t);
            m.get(i).copied().unwrap_or(self.trace.end_ms)
        } else {
            let i = m.partition_point(|&x| x < t);
            if i == 0 {
                0
            } else {
                m[i - 1]
            }
        }
    }

    /// The contacts and dial strings at `t`: those whose AOR, URI or device contains
    /// `filter` (lower case), at most `limit` of each (`StateIndex::window`: the cost is the
    /// rows shown, not the site's size).
    pub fn state_at(&self, t: u64, filter: &str, limit: usize) -> StateWindow {
        self.state_index
            .window(&self.trace.state_log, t, filter, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Finished {
        let run = sim::Run::new(sim::DEMO_SCENARIO).unwrap();
        let until = run.progress().until_ms;
        Finished::new(run.finish(), until)
    }

    #[test]
    fn the_view_has_no_records_but_counts_them() {
        let f = demo();
        let v = serde_json::to_value(f.view()).unwrap();
        assert!(v.get("records").is_none() && v.get("states").is_none());
        assert_eq!(v["record_count"], f.trace.records.len());
        assert!(v["kinds"].as_array().unwrap().iter().any(|k| k == "sip"));
        assert!(v["kinds"].as_array().unwrap().iter().any(|k| k == "change"));
        assert!(v["message_count"].as_u64().unwrap() > 0);
    }

    #[test]
    fn a_window_is_around_the_cursor_and_counts_the_matches() {
        let mut f = demo();
        let total = f.trace.records.len();
        let mid = f.trace.records[total / 2].at_ms;
        let w = f.records(&RecordQuery {
            filter: RecordFilter::default(),
            around_ms: mid,
            before: 3,
            after: 2,
        });
        assert_eq!(w.total, total);
        assert_eq!(w.matched, total);
        assert_eq!(w.items.len(), 5);
        assert!(w.items[2].record.at_ms <= mid && w.items[3].record.at_ms > mid);
        assert_eq!(w.at as usize, w.first + 2);

        let rejected = f.records(&RecordQuery {
            filter: RecordFilter {
                text: "403".into(),
                ..RecordFilter::default()
            },
            around_ms: 0,
            before: 0,
            after: 1000,
        });
        assert!(rejected.matched > 0 && rejected.matched < total);
        assert!(rejected
            .items
            .iter()
            .all(|i| format!("{:?}", i.record).contains("403")));
    }

    #[test]
    fn markers_are_items_or_counts_and_steps_find_moments() {
        let f = demo();
        let end = f.trace.end_ms;
        let rows = f.markers(0, end, 10, 1000);
        let rejected = rows
            .iter()
            .find(|r| r.key == "rejected")
            .expect("demo has a 403");
        assert_eq!(rejected.items.as_ref().unwrap().len(), rejected.total);
        let squeezed = f.markers(0, end, 10, 0);
        let counts = squeezed[0].counts.as_ref().unwrap();
        assert_eq!(counts.len(), 10);
        assert_eq!(counts.iter().sum::<u32>() as usize, squeezed[0].total);

        let first = f.trace.records[0].at_ms;
        assert_eq!(
            f.step(0, 1),
            f.trace
                .records
                .iter()
                .map(|r| r.at_ms)
                .find(|&t| t > 0)
                .unwrap()
        );
        assert_eq!(f.step(first + 1, -1), first);
        assert_eq!(f.step(end, 1), end);
        assert_eq!(f.step(0, -1), 0);
    }

    #[test]
    fn state_windows_filter_and_limit() {
        let f = demo();
        let end = f.trace.end_ms;
        let full = f.trace.state_at(end);
        let w = f.state_at(end, "", 1000);
        assert_eq!(w.contacts, full.contacts);
        assert_eq!(
            w.show_contacts.as_deref(),
            Some(full.show_contacts.as_str())
        );
        let one = f.state_at(end, "", 1);
        assert!(one.contacts.len() <= 1 && one.contacts_matched == full.contacts.len());
        let none = f.state_at(end, "no-such-thing", 10);
        assert!(none.contacts.is_empty() && none.show_contacts.is_none());
        assert_eq!(none.contacts_total, full.contacts.len());
    }
}
