//! The contact rows over a run, kept as changes with periodic checkpoints, so the
//! state at any time costs one checkpoint plus at most one interval of changes
//! (instead of a full snapshot stored per change). `pjsip show contacts` text and
//! dial strings are made when a state is asked for, not stored.

use crate::scenario::SimMs;
use crate::trace::{ContactRow, DialTarget, State};
use aorlab_registrar::{show_contacts_table, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// One contact row (a stored binding, or a static contact) as `pjsip show
/// contacts` sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub is_static: bool,
    /// When it expires (sim ms); static contacts never do.
    pub expires_at_ms: Option<SimMs>,
    pub status: Status,
    /// Qualify round trip in whole microseconds (an integer, so the JSON is the
    /// same whether serde_json or the browser prints it).
    pub rtt_us: Option<u64>,
    /// Index into `StateLog::devices` of the device it reaches now, if any.
    pub reaches: Option<u32>,
}

/// A row of `aor` (index into `aors`) for `uri` (index into `uris`) is now `row`,
/// or gone (`None`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowChange {
    pub at_ms: SimMs,
    pub aor: u32,
    pub uri: u32,
    pub row: Option<Row>,
}

/// Every row after the first `changes` changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checkpoint {
    pub changes: usize,
    pub rows: Vec<(u32, u32, Row)>,
}

/// From `at_ms` on, each endpoint (configuration order) and its AORs (indexes).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointsAt {
    pub at_ms: SimMs,
    pub endpoints: Vec<(String, Vec<u32>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StateLog {
    pub aors: Vec<String>,
    pub uris: Vec<String>,
    /// md5 of each URI, lower-case hex: contact ids are `aor;@md5` (stored) and
    /// `aor@@md5` (static), and rows are ordered by id.
    pub uri_md5: Vec<String>,
    pub devices: Vec<String>,
    /// Static contacts sort among the stored ones by id (20.16/21.11/22.6/23.0+);
    /// before, after them by URI.
    pub statics_by_id: bool,
    pub endpoints: Vec<EndpointsAt>,
    /// Time-ordered.
    pub changes: Vec<RowChange>,
    pub checkpoints: Vec<Checkpoint>,
}

type Rows = BTreeMap<(u32, u32), Row>;

impl StateLog {
    /// The rows after the changes made at or before `t`.
    fn rows_at(&self, t: SimMs) -> Rows {
        let n = self.changes.partition_point(|c| c.at_ms <= t);
        let k = self.checkpoints.partition_point(|c| c.changes <= n);
        let (mut rows, from) = match k.checked_sub(1).map(|k| &self.checkpoints[k]) {
            Some(cp) => (
                cp.rows
                    .iter()
                    .map(|(a, u, r)| ((*a, *u), r.clone()))
                    .collect::<Rows>(),
                cp.changes,
            ),
            None => (Rows::new(), 0),
        };
        for c in &self.changes[from..n] {
            match &c.row {
                Some(r) => rows.insert((c.aor, c.uri), r.clone()),
                None => rows.remove(&(c.aor, c.uri)),
            };
        }
        rows.retain(|_, r| r.expires_at_ms.is_none_or(|e| e > t));
        rows
    }

    fn id(&self, aor: u32, uri: u32, is_static: bool) -> String {
        let (a, md5) = (&self.aors[aor as usize], &self.uri_md5[uri as usize]);
        if is_static {
            format!("{a}@@{md5}")
        } else {
            format!("{a};@{md5}")
        }
    }

    fn contact_row(&self, a: u32, u: u32, r: &Row, t: SimMs) -> ContactRow {
        let at = r.expires_at_ms.unwrap_or(t);
        ContactRow {
            aor: self.aors[a as usize].clone(),
            uri: self.uris[u as usize].clone(),
            expires_in_s: ((at - t) / 1000) as i64,
            expires_at_ms: at,
            status: r.status.label().to_string(),
            reaches: r.reaches.map(|d| self.devices[d as usize].clone()),
        }
    }

    fn show_contacts<'a>(&self, rows: impl Iterator<Item = (u32, u32, &'a Row)>) -> String {
        show_contacts_table(rows.map(|(a, u, r)| {
            (
                self.aors[a as usize].as_str(),
                self.uris[u as usize].as_str(),
                r.status,
                r.rtt_us.map(|us| us as f64 / 1000.0),
            )
        }))
    }

    /// The endpoints (configuration order, with their AORs) in force at `t`.
    fn endpoints_at(&self, t: SimMs) -> &[(String, Vec<u32>)] {
        let k = self.endpoints.partition_point(|e| e.at_ms <= t);
        k.checked_sub(1)
            .map_or(&[], |k| self.endpoints[k].endpoints.as_slice())
    }

    pub fn state_at(&self, t: SimMs) -> State {
        let rows = self.rows_at(t);
        // Stored bindings in id order (as astdb holds them).
        let mut dynamic: Vec<(String, &(u32, u32), &Row)> = rows
            .iter()
            .filter(|(_, r)| !r.is_static)
            .map(|(k, r)| (self.id(k.0, k.1, false), k, r))
            .collect();
        dynamic.sort_by(|a, b| a.0.cmp(&b.0));
        let contacts = dynamic
            .iter()
            .map(|(_, (a, u), r)| self.contact_row(*a, *u, r, t))
            .collect();
        let show_contacts = self.show_contacts(rows.iter().map(|((a, u), r)| (*a, *u, r)));
        let (mut dial, mut dial_targets) = (Vec::new(), Vec::new());
        for (ep, aors) in self.endpoints_at(t) {
            let (value, targets) = self.dial_of(ep, aors, |a| {
                rows.range((a, 0)..=(a, u32::MAX))
                    .map(|((_, u), r)| (*u, r))
                    .collect()
            });
            dial.push((ep.clone(), value));
            dial_targets.extend(targets);
        }
        State {
            at_ms: t,
            contacts,
            show_contacts,
            dial,
            dial_targets,
        }
    }

    /// PJSIP_DIAL_CONTACTS of one endpoint and what it dials: each AOR's rows (`rows_of`)
    /// in Asterisk's retrieval order, Unreachable ones left out.
    fn dial_of<'a>(
        &self,
        ep: &str,
        aors: &[u32],
        rows_of: impl Fn(u32) -> Vec<(u32, &'a Row)>,
    ) -> (String, Vec<DialTarget>) {
        let (mut parts, mut targets) = (Vec::new(), Vec::new());
        for &a in aors {
            let mut of_aor: Vec<(bool, String, u32, &Row)> = rows_of(a)
                .into_iter()
                .filter(|(_, r)| r.status != Status::Unreachable)
                .map(|(u, r)| {
                    let key = if r.is_static && !self.statics_by_id {
                        self.uris[u as usize].clone()
                    } else {
                        self.id(a, u, r.is_static)
                    };
                    (r.is_static && !self.statics_by_id, key, u, r)
                })
                .collect();
            of_aor.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
            for (_, _, u, r) in of_aor {
                let uri = &self.uris[u as usize];
                parts.push(format!("PJSIP/{ep}/{uri}"));
                targets.push(DialTarget {
                    endpoint: ep.to_string(),
                    aor: self.aors[a as usize].clone(),
                    uri: uri.clone(),
                    reaches: r.reaches.map(|d| self.devices[d as usize].clone()),
                });
            }
        }
        (parts.join("&"), targets)
    }
}

/// PJSIP_DIAL_CONTACTS for one endpoint: the string, and the bindings it dials (with the
/// device each reaches), from the registrar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DialEntry {
    pub endpoint: String,
    pub value: String,
    pub targets: Vec<DialTarget>,
}

/// The contacts at a moment, windowed: at most `limit` rows and dial entries that match.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StateWindow {
    pub at_ms: SimMs,
    pub contacts: Vec<ContactRow>,
    pub contacts_total: usize,
    pub contacts_matched: usize,
    pub dial: Vec<DialEntry>,
    pub dial_total: usize,
    pub dial_matched: usize,
    /// `pjsip show contacts`, only when every contact is shown (a site's is megabytes).
    pub show_contacts: Option<String>,
}

/// Indexes over a `StateLog` that make a windowed state at any time cost the rows shown, not
/// the rows stored: each row's changes (a binary search per row looked at), the rows in
/// contact-id order, each AOR's rows, and the number of stored bindings over time.
#[derive(Debug, Clone, Default)]
pub struct StateIndex {
    /// Each row key `(aor, uri)` that ever had a row, ordered by key.
    keys: Vec<(u32, u32)>,
    /// Per key: indexes into `StateLog::changes`, time-ordered.
    changes_of: Vec<Vec<u32>>,
    /// Keys in stored-binding id order (`aor;@md5`), as `state_at`'s contacts are.
    by_id: Vec<u32>,
    /// Per AOR: its keys, by URI index.
    of_aor: Vec<Vec<u32>>,
    /// The number of stored (non-static, unexpired) bindings from each time on.
    stored: Vec<(SimMs, u32)>,
}

impl StateIndex {
    pub fn new(log: &StateLog) -> StateIndex {
        let mut slot: std::collections::HashMap<(u32, u32), u32> = Default::default();
        let mut keys = Vec::new();
        let mut changes_of: Vec<Vec<u32>> = Vec::new();
        for (i, c) in log.changes.iter().enumerate() {
            let k = *slot.entry((c.aor, c.uri)).or_insert_with(|| {
                keys.push((c.aor, c.uri));
                changes_of.push(Vec::new());
                (keys.len() - 1) as u32
            });
            changes_of[k as usize].push(i as u32);
        }
        // Order keys by (aor, uri), as the state's BTreeMap does.
        let mut order: Vec<u32> = (0..keys.len() as u32).collect();
        order.sort_unstable_by_key(|&k| keys[k as usize]);
        let keys: Vec<(u32, u32)> = order.iter().map(|&k| keys[k as usize]).collect();
        let mut changes_of: Vec<Vec<u32>> = order
            .iter()
            .map(|&k| std::mem::take(&mut changes_of[k as usize]))
            .collect();
        changes_of.shrink_to_fit();
        let mut by_id: Vec<u32> = (0..keys.len() as u32).collect();
        by_id.sort_by_cached_key(|&k| log.id(keys[k as usize].0, keys[k as usize].1, false));
        let mut of_aor = vec![Vec::new(); log.aors.len()];
        for (k, (a, _)) in keys.iter().enumerate() {
            of_aor[*a as usize].push(k as u32);
        }
        let stored = stored_over_time(log, &changes_of);
        StateIndex {
            keys,
            changes_of,
            by_id,
            of_aor,
            stored,
        }
    }

    /// Key `k`'s row at `t`, if it has one that has not expired.
    fn row_at<'a>(&self, log: &'a StateLog, k: u32, t: SimMs) -> Option<&'a Row> {
        let of = &self.changes_of[k as usize];
        let n = of.partition_point(|&c| log.changes[c as usize].at_ms <= t);
        let c = &log.changes[of[n.checked_sub(1)?] as usize];
        c.row
            .as_ref()
            .filter(|r| r.expires_at_ms.is_none_or(|e| e > t))
    }

    fn stored_at(&self, t: SimMs) -> usize {
        let n = self.stored.partition_point(|(at, _)| *at <= t);
        n.checked_sub(1).map_or(0, |n| self.stored[n].1 as usize)
    }

    /// The state at `t` as the page's contacts panel shows it: the stored bindings and the
    /// endpoints whose AOR, URI, device (contacts) or name (endpoints) contain `filter`
    /// (lower case), at most `limit` of each, with how many there are and match. Without a
    /// filter the cost is the rows shown (a binary search each), whatever the site's size.
    pub fn window(&self, log: &StateLog, t: SimMs, filter: &str, limit: usize) -> StateWindow {
        let has = |x: &str| filter.is_empty() || x.to_lowercase().contains(filter);
        let contacts_total = self.stored_at(t);
        let mut contacts = Vec::new();
        let mut contacts_matched = 0;
        for &k in &self.by_id {
            if filter.is_empty() && contacts.len() >= limit {
                contacts_matched = contacts_total;
                break;
            }
            let Some(r) = self.row_at(log, k, t).filter(|r| !r.is_static) else {
                continue;
            };
            let (a, u) = self.keys[k as usize];
            let device = r.reaches.map(|d| log.devices[d as usize].as_str());
            if has(&log.aors[a as usize]) || has(&log.uris[u as usize]) || device.is_some_and(has) {
                contacts_matched += 1;
                if contacts.len() < limit {
                    contacts.push(log.contact_row(a, u, r, t));
                }
            }
        }
        let show_contacts = (filter.is_empty() && contacts_total <= limit).then(|| {
            let rows = (0..self.keys.len() as u32).filter_map(|k| {
                let (a, u) = self.keys[k as usize];
                self.row_at(log, k, t).map(|r| (a, u, r))
            });
            log.show_contacts(rows)
        });
        let endpoints = log.endpoints_at(t);
        let mut dial = Vec::new();
        let mut dial_matched = 0;
        for (ep, aors) in endpoints {
            if !has(ep) {
                continue;
            }
            dial_matched += 1;
            if dial.len() < limit {
                let (value, targets) = log.dial_of(ep, aors, |a| {
                    self.of_aor[a as usize]
                        .iter()
                        .filter_map(|&k| {
                            self.row_at(log, k, t).map(|r| (self.keys[k as usize].1, r))
                        })
                        .collect()
                });
                dial.push(DialEntry {
                    endpoint: ep.clone(),
                    value,
                    targets,
                });
            } else if filter.is_empty() {
                dial_matched = endpoints.len();
                break;
            }
        }
        StateWindow {
            at_ms: t,
            contacts,
            contacts_total,
            contacts_matched,
            dial,
            dial_total: endpoints.len(),
            dial_matched,
            show_contacts,
        }
    }
}

/// Each key's stored binding counts from the change that made its row until the next change
/// of that key or the row's expiry (whichever is first): the steps of the total over time.
fn stored_over_time(log: &StateLog, changes_of: &[Vec<u32>]) -> Vec<(SimMs, u32)> {
    let mut deltas: Vec<(SimMs, i32)> = Vec::new();
    for of in changes_of {
        for (i, &c) in of.iter().enumerate() {
            let c = &log.changes[c as usize];
            let Some(r) = c.row.as_ref().filter(|r| !r.is_static) else {
                continue;
            };
            let next = of.get(i + 1).map(|&n| log.changes[n as usize].at_ms);
            let end = match (next, r.expires_at_ms) {
                (Some(n), Some(e)) => Some(n.min(e)),
                (n, e) => n.or(e),
            };
            if end.is_none_or(|end| end > c.at_ms) {
                deltas.push((c.at_ms, 1));
                deltas.extend(end.map(|end| (end, -1)));
            }
        }
    }
    deltas.sort_unstable();
    let mut steps: Vec<(SimMs, u32)> = Vec::new();
    let mut n: i64 = 0;
    for (at, d) in deltas {
        n += d as i64;
        match steps.last_mut() {
            Some(last) if last.0 == at => last.1 = n as u32,
            _ => steps.push((at, n as u32)),
        }
    }
    steps
}
