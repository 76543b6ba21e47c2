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

    pub fn state_at(&self, t: SimMs) -> State {
        let rows = self.rows_at(t);
        let device = |r: &Row| r.reaches.map(|d| self.devices[d as usize].clone());
        // Stored bindings in id order (as astdb holds them).
        let mut dynamic: Vec<(String, &(u32, u32), &Row)> = rows
            .iter()
            .filter(|(_, r)| !r.is_static)
            .map(|(k, r)| (self.id(k.0, k.1, false), k, r))
            .collect();
        dynamic.sort_by(|a, b| a.0.cmp(&b.0));
        let contacts = dynamic
            .iter()
            .map(|(_, (a, u), r)| {
                let at = r.expires_at_ms.unwrap_or(t);
                ContactRow {
                    aor: self.aors[*a as usize].clone(),
                    uri: self.uris[*u as usize].clone(),
                    expires_in_s: ((at - t) / 1000) as i64,
                    expires_at_ms: at,
                    status: r.status.label().to_string(),
                    reaches: device(r),
                }
            })
            .collect();
        let show_contacts = show_contacts_table(rows.iter().map(|((a, u), r)| {
            (
                self.aors[*a as usize].as_str(),
                self.uris[*u as usize].as_str(),
                r.status,
                r.rtt_us.map(|us| us as f64 / 1000.0),
            )
        }));
        let (dial, dial_targets) = self.dial_at(t, &rows);
        State {
            at_ms: t,
            contacts,
            show_contacts,
            dial,
            dial_targets,
        }
    }

    /// PJSIP_DIAL_CONTACTS per endpoint: each AOR's rows in Asterisk's retrieval
    /// order, Unreachable ones left out.
    fn dial_at(&self, t: SimMs, rows: &Rows) -> (Vec<(String, String)>, Vec<DialTarget>) {
        let k = self.endpoints.partition_point(|e| e.at_ms <= t);
        let Some(eps) = k.checked_sub(1).map(|k| &self.endpoints[k]) else {
            return (Vec::new(), Vec::new());
        };
        let (mut dial, mut targets) = (Vec::new(), Vec::new());
        for (ep, aors) in &eps.endpoints {
            let mut parts = Vec::new();
            for &a in aors {
                let mut of_aor: Vec<(bool, String, u32, &Row)> = rows
                    .range((a, 0)..=(a, u32::MAX))
                    .filter(|(_, r)| r.status != Status::Unreachable)
                    .map(|((_, u), r)| {
                        let key = if r.is_static && !self.statics_by_id {
                            self.uris[*u as usize].clone()
                        } else {
                            self.id(a, *u, r.is_static)
                        };
                        (r.is_static && !self.statics_by_id, key, *u, r)
                    })
                    .collect();
                of_aor.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
                for (_, _, u, r) in of_aor {
                    let uri = &self.uris[u as usize];
                    parts.push(format!("PJSIP/{ep}/{uri}"));
                    targets.push(DialTarget {
                        endpoint: ep.clone(),
                        aor: self.aors[a as usize].clone(),
                        uri: uri.clone(),
                        reaches: r.reaches.map(|d| self.devices[d as usize].clone()),
                    });
                }
            }
            dial.push((ep.clone(), parts.join("&")));
        }
        (dial, targets)
    }
}
