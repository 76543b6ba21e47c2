//! Replay of recordings of a real Asterisk (`shared/oracle/cases/*.json`, replay
//! schema 1) against the registrar, comparing every observable.

use aorlab_registrar::{
    parse_pjsip_conf_for, Addr, Millis, Profile, Protocol, Received, Registrar, Status,
};
use aorlab_sip::{Message, UriContext};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// How long after `snapshot_at_ms` a full snapshot's CLI reads still happen.
const CLI_READ_WINDOW_MS: Millis = 10;
/// How long after `snapshot_at_ms` a recording without `dial_contacts.<aor>.at_ms`
/// may have read PJSIP_DIAL_CONTACTS (the recorder's CLI round trips).
const DIAL_READ_WINDOW_MS: Millis = 1000;

/// The case recordings in a folder: every `*.json` but the folder's INDEX.json.
pub fn case_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter(|p| p.file_stem().is_some_and(|s| s != "INDEX"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The release a recording names (`Asterisk 22.11.0-rc1 built by …` → 22.11.0).
pub fn case_profile(case: &Value) -> Result<Profile, String> {
    let v = case["asterisk_version"]
        .as_str()
        .ok_or("no asterisk_version")?;
    let word = v
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(v);
    let release = word.split('-').next().unwrap_or(word);
    Profile::parse(release).map_err(|e| format!("asterisk_version '{v}': {e}"))
}

/// One difference between the recording and the registrar.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub case: String,
    pub step: usize,
    pub field: String,
    pub expected: String,
    pub got: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} step {}: {}\n    expected: {}\n    got:      {}",
            self.case, self.step, self.field, self.expected, self.got
        )
    }
}

/// Result of one case.
#[derive(Debug, Clone)]
pub struct CaseReport {
    pub case: String,
    pub steps: usize,
    pub checks: usize,
    pub mismatches: Vec<Mismatch>,
}

/// `[2026-11-26 21:54:52.023] …` → epoch ms.
fn log_time_ms(line: &str) -> Option<Millis> {
    let ts = line.strip_prefix('[')?.get(..23)?;
    let (date, time) = ts.split_once(' ')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>());
    let (y, m, dd) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let (hms, ms) = time.split_once('.')?;
    let mut t = hms.split(':').map(|x| x.parse::<i64>());
    let (hh, mi, ss) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let ms: i64 = ms.parse().ok()?;
    let days = aorlab_capture::days_from_civil(y, m, dd);
    Some(((days * 86400 + hh * 3600 + mi * 60 + ss) * 1000 + ms) as Millis)
}

/// The part of a log line a replay compares: registrar binding changes.
fn is_binding_line(l: &str) -> bool {
    l.contains("Added contact '") || l.contains("Removed contact '")
}

fn strip_log_prefix(l: &str) -> String {
    // "[ts] LEVEL[thread] file: text" or "[ts] LEVEL file: text" → "file: text"
    let rest = l.split_once("] ").map(|x| x.1).unwrap_or(l);
    let rest = rest.split_once(' ').map(|x| x.1).unwrap_or(rest);
    rest.to_string()
}

struct Ctx<'a> {
    case: &'a str,
    step: usize,
    checks: usize,
    out: Vec<Mismatch>,
}

impl Ctx<'_> {
    fn check(
        &mut self,
        field: impl Into<String>,
        expected: impl fmt::Display,
        got: impl fmt::Display,
        ok: bool,
    ) {
        self.checks += 1;
        if !ok {
            self.out.push(Mismatch {
                case: self.case.to_string(),
                step: self.step,
                field: field.into(),
                expected: expected.to_string(),
                got: got.to_string(),
            });
        }
    }
    fn eq<T: PartialEq + fmt::Debug>(&mut self, field: impl Into<String>, expected: T, got: T) {
        let ok = expected == got;
        self.check(field, format!("{expected:?}"), format!("{got:?}"), ok);
    }
}

fn status_label(s: Status) -> &'static str {
    s.cli_label()
}

/// Replay one recorded case (parsed JSON).
pub fn replay_case(case: &Value) -> Result<CaseReport, String> {
    let name = case["case"].as_str().unwrap_or("?").to_string();
    let rc = &case["replay_config"];
    let conf = rc["pjsip.conf"]
        .as_str()
        .ok_or("replay_config has no pjsip.conf")?;
    let profile = case_profile(case)?;
    let (config, _diags) = parse_pjsip_conf_for(conf, profile);
    let t0 = (case["t0_epoch"].as_f64().ok_or("no t0_epoch")? * 1000.0).round() as Millis;
    let steps = case["steps"].as_array().ok_or("no steps")?;
    let interval = config.global.contact_expiration_check_interval as u64 * 1000;

    // The sweep thread's phase is whatever it was at boot; recover it from the
    // first "due to expiration" line, else assume it never fired in between.
    let mut first_expiry_log: Option<Millis> = None;
    for s in steps {
        for l in s["after"]["log"].as_array().into_iter().flatten() {
            let l = l.as_str().unwrap_or("");
            if l.contains("due to expiration") && first_expiry_log.is_none() {
                first_expiry_log = log_time_ms(l);
            }
        }
    }
    let mut reg = Registrar::new(profile, config, t0.saturating_sub(1));
    let phase_sweep = |from: Millis| -> Option<Millis> {
        let p = first_expiry_log?;
        if interval == 0 {
            return None;
        }
        // The first sweep at or after `from` that falls on the recorded phase.
        let k = (from as i64 - p as i64).div_euclid(interval as i64);
        let mut at = (p as i64 + k * interval as i64) as Millis;
        while at < from {
            at += interval;
        }
        Some(at)
    };
    reg.set_next_sweep(phase_sweep(t0));

    // Qualify results as recorded.
    let mut qualify: Vec<(Millis, String, String, Status, Option<f64>)> = Vec::new();
    for q in case["qualify_trace"].as_array().into_iter().flatten() {
        let st = match q["status"].as_str().unwrap_or("") {
            "Avail" => Status::Reachable,
            "Unavail" => Status::Unreachable,
            "NonQual" => Status::NonQualified,
            _ => continue,
        };
        qualify.push((
            t0 + q["at_ms"].as_u64().unwrap_or(0),
            q["aor"].as_str().unwrap_or("").to_string(),
            q["uri"].as_str().unwrap_or("").to_string(),
            st,
            q["rtt_ms"].as_f64(),
        ));
    }
    let mut qi = 0;

    let mut conns: BTreeMap<String, u64> = BTreeMap::new();
    let mut conn_id = |s: &str| -> u64 {
        let n = conns.len() as u64 + 1;
        *conns.entry(s.to_string()).or_insert(n)
    };
    let mut ctx = Ctx {
        case: &name,
        step: 0,
        checks: 0,
        out: Vec::new(),
    };
    let mut log: Vec<String> = Vec::new();

    let advance = |reg: &mut Registrar,
                   until: Millis,
                   log: &mut Vec<String>,
                   qi: &mut usize,
                   inclusive_q: bool| {
        loop {
            let tick = reg.next_wakeup().filter(|t| *t <= until);
            let q = qualify.get(*qi).filter(|q| {
                if inclusive_q {
                    q.0 <= until
                } else {
                    q.0 < until
                }
            });
            match (tick, q) {
                (Some(t), Some(q)) if t <= q.0 => log.extend(lines(reg.on_tick(t))),
                (Some(t), None) => log.extend(lines(reg.on_tick(t))),
                (_, Some(q)) => {
                    let id = aorlab_registrar::dynamic_id(&q.1, &q.2);
                    if reg.bindings().any(|b| b.id == id) {
                        reg.set_status(&id, q.3, q.4);
                    }
                    *qi += 1;
                }
                (None, None) => break,
            }
        }
    };

    for (i, s) in steps.iter().enumerate() {
        ctx.step = s["step"].as_u64().map(|x| x as usize).unwrap_or(i + 1);
        let r = &s["replay"];
        let at = t0 + r["at_ms"].as_u64().ok_or("step without at_ms")?;
        let kind = r["kind"].as_str().unwrap_or("");
        advance(&mut reg, at, &mut log, &mut qi, false);
        match kind {
            "register" => {
                let raw = r["raw"].as_str().ok_or("register without raw")?;
                let msg = Message::parse(raw)
                    .map_err(|e| format!("step {}: cannot parse request: {e}", ctx.step))?;
                let protocol = Protocol::parse(r["transport"].as_str().unwrap_or("udp"))
                    .unwrap_or(Protocol::Udp);
                let source = Addr::parse(r["src"].as_str().unwrap_or("")).ok_or("bad src")?;
                let conn = r["conn"].as_str().map(&mut conn_id);
                let transport = Some(format!("transport-{}", protocol.as_str()));
                let rx = Received::new(msg, source, protocol, conn, transport);
                let outcome = reg.on_register(at, &rx);
                log.extend(outcome.log.iter().map(|l| l.to_string()));
                compare_response(
                    &mut ctx,
                    &s["response"],
                    outcome.response.as_ref().map(|r| r.to_message()).as_ref(),
                    &outcome,
                );
            }
            "close" => {
                let conn = conn_id(r["conn"].as_str().unwrap_or(""));
                log.extend(lines(reg.on_connection_closed(at, conn)));
            }
            "restart" => {
                reg.on_stop(at);
                for c in r["closed_conns"].as_array().into_iter().flatten() {
                    conn_id(c.as_str().unwrap_or(""));
                }
                let up = t0
                    + r["up_at_ms"].as_u64().unwrap_or(
                        r["at_ms"].as_u64().unwrap_or(0) + r["down_ms"].as_u64().unwrap_or(0),
                    );
                advance(&mut reg, up, &mut log, &mut qi, true);
                log.extend(lines(reg.on_start(up)));
                let next = phase_sweep(up).or_else(|| reg.next_wakeup());
                if first_expiry_log.is_some() {
                    reg.set_next_sweep(next);
                }
            }
            "observe" => {}
            other => return Err(format!("unknown step kind '{other}'")),
        }
        let Some(snap_at) = r["snapshot_at_ms"].as_u64() else {
            continue;
        };
        let snap_at = t0 + snap_at;
        advance(&mut reg, snap_at, &mut log, &mut qi, true);
        let snapshot = r["snapshot"].as_str().unwrap_or("");
        if snapshot == "full" {
            // A full snapshot reads statuses through the CLI a few ms after its
            // astdb read: qualify results logged in that window are already seen.
            while let Some(q) = qualify
                .get(qi)
                .filter(|q| q.0 <= snap_at + CLI_READ_WINDOW_MS)
            {
                let id = aorlab_registrar::dynamic_id(&q.1, &q.2);
                if reg.bindings().any(|b| b.id == id) {
                    reg.set_status(&id, q.3, q.4);
                }
                qi += 1;
            }
        }
        // Results logged later inside the CLI window may or may not have been
        // read yet (a loaded recorder's `pjsip show` takes up to about a second):
        // the status each would give is also accepted.
        let late: BTreeMap<String, Status> = if snapshot == "full" {
            qualify[qi..]
                .iter()
                .take_while(|q| q.0 <= snap_at + DIAL_READ_WINDOW_MS)
                .map(|q| (q.2.clone(), q.3))
                .collect()
        } else {
            BTreeMap::new()
        };
        compare_state(
            &mut ctx,
            &mut reg,
            &s["after"],
            snap_at,
            t0,
            snapshot == "full",
            &late,
        );
        // binding log lines since the previous snapshot
        let expected: Vec<String> = s["after"]["log"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str())
            .filter(|l| is_binding_line(l))
            .map(strip_log_prefix)
            .collect();
        let got: Vec<String> = log
            .iter()
            .filter(|l| is_binding_line(l))
            .map(|l| strip_log_prefix(l))
            .collect();
        ctx.eq("log (Added/Removed contact lines)", expected, got);
        log.clear();
    }
    let (checks, mismatches) = (ctx.checks, ctx.out);
    Ok(CaseReport {
        case: name,
        steps: steps.len(),
        checks,
        mismatches,
    })
}

/// An outcome's log lines as text.
fn lines(o: aorlab_registrar::Outcome) -> impl Iterator<Item = String> {
    o.log.into_iter().map(String::from)
}

fn compare_response(
    ctx: &mut Ctx,
    expected: &Value,
    got: Option<&Message>,
    outcome: &aorlab_registrar::Outcome,
) {
    if expected.is_null() {
        ctx.check(
            "response",
            "none",
            got.map(|m| m.status().unwrap_or(0).to_string())
                .unwrap_or("none".into()),
            got.is_none(),
        );
        return;
    }
    let Some(m) = got else {
        ctx.check("response", expected["status"].to_string(), "none", false);
        return;
    };
    let (code, reason) = match &m.start {
        aorlab_sip::StartLine::Response { code, reason } => (*code, reason.clone()),
        _ => (0, String::new()),
    };
    ctx.eq(
        "response status",
        expected["status"].as_u64().unwrap_or(0) as u16,
        code,
    );
    ctx.eq(
        "response reason",
        expected["reason"].as_str().unwrap_or("").to_string(),
        reason,
    );
    ctx.eq(
        "response Expires header",
        expected["expires_header"].as_u64(),
        m.headers
            .get("Expires")
            .and_then(|e| e.trim().parse::<u64>().ok()),
    );
    // Contacts granted by this very request must match exactly; others ±1 s.
    let fresh: Vec<String> = outcome
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                aorlab_registrar::ChangeKind::Added | aorlab_registrar::ChangeKind::Refreshed
            )
        })
        .filter_map(|c| aorlab_sip::Uri::parse(&c.uri).ok())
        .map(|mut u| {
            if let Some(Some(v)) = u.remove_param("x-ast-orig-host") {
                if let Some((h, p)) = v.split_once(':') {
                    u.host = aorlab_sip::Host(h.to_string());
                    u.port = p.parse().ok().filter(|p| *p != 0);
                }
            }
            u.print(UriContext::Contact)
        })
        .collect();
    let got_contacts = aorlab_capture::check::answer_of(m)
        .map(|a| a.contacts)
        .unwrap_or_default();
    let exp_contacts: Vec<(String, Option<i64>)> = expected["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["uri"].as_str().unwrap_or("").to_string(),
                c["expires"].as_i64(),
            )
        })
        .collect();
    ctx.eq(
        "response Contact URIs (in order)",
        exp_contacts.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
        got_contacts.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
    );
    for (e, g) in exp_contacts.iter().zip(got_contacts.iter()) {
        if e.0 != g.0 {
            continue;
        }
        let tol = if fresh.contains(&e.0) { 0 } else { 1 };
        let ok = match (e.1, g.1) {
            (Some(a), Some(b)) => (a - b).abs() <= tol,
            (a, b) => a == b,
        };
        ctx.check(
            format!("response Contact {} expires (±{tol})", e.0),
            format!("{:?}", e.1),
            format!("{:?}", g.1),
            ok,
        );
    }
}

fn compare_state(
    ctx: &mut Ctx,
    reg: &mut Registrar,
    after: &Value,
    now: Millis,
    t0: Millis,
    full: bool,
    late: &BTreeMap<String, Status>,
) {
    // Live bindings as recorded: expires_in_s > 0.
    let exp: Vec<&Value> = after["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["expires_in_s"].as_f64().unwrap_or(0.0) > 0.0)
        .collect();
    // A full snapshot runs the CLI views (lazy prune); an astdb read has no side effect.
    let rows: Vec<(String, String, i64, bool, Status)> = if full {
        reg.contact_rows(now, None)
            .into_iter()
            .filter(|r| !r.is_static)
            .map(|r| {
                (
                    r.aor,
                    r.uri,
                    r.expires_in_s.unwrap_or(0),
                    r.prune_on_boot,
                    r.status,
                )
            })
            .collect()
    } else {
        reg.bindings()
            .filter(|b| !b.is_expired(now))
            .map(|b| {
                (
                    b.aor.clone(),
                    b.uri.clone(),
                    b.expires_in_ms(now) / 1000,
                    b.prune_on_boot,
                    reg.status_of(&b.id),
                )
            })
            .collect()
    };
    ctx.eq(
        "stored bindings (aor, uri) in id order",
        exp.iter()
            .map(|c| {
                (
                    c["aor"].as_str().unwrap_or("").to_string(),
                    c["uri"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect::<Vec<_>>(),
        rows.iter()
            .map(|r| (r.0.clone(), r.1.clone()))
            .collect::<Vec<_>>(),
    );
    for c in &exp {
        let uri = c["uri"].as_str().unwrap_or("");
        let Some(r) = rows.iter().find(|r| r.1 == uri) else {
            continue;
        };
        let e = c["expires_in_s"].as_f64().unwrap_or(0.0);
        let diff = (e - r.2 as f64).abs();
        ctx.check(
            format!("{uri} expires_in_s (±1)"),
            format!("{e:.3}"),
            r.2.to_string(),
            diff <= 1.0 + 1e-9,
        );
        ctx.eq(
            format!("{uri} prune_on_boot"),
            c["prune_on_boot"].as_str() == Some("yes"),
            r.3,
        );
        if let Some(st) = c["qualify_status"].as_str().or(c["status"].as_str()) {
            if full {
                let now_label = status_label(r.4);
                let later = late.get(uri).map(|s| status_label(*s));
                let ok = st == now_label || later == Some(st);
                let got = if later == Some(st) { st } else { now_label };
                ctx.check(
                    format!("{uri} status"),
                    format!("{st:?}"),
                    format!("{got:?}"),
                    ok,
                );
            }
        }
    }
    if full {
        if let Some(map) = after["dial_contacts"].as_object() {
            for (aor, v) in map {
                let expected = v["value"].as_str().unwrap_or("").to_string();
                let field = format!("PJSIP_DIAL_CONTACTS({aor})");
                if let Some(at) = v["at_ms"].as_u64() {
                    // The recording says when it read: evaluate then.
                    let got = reg
                        .dial_contacts((t0 + at).max(now), aor, None, None)
                        .unwrap_or_default();
                    ctx.eq(field, expected, got);
                    continue;
                }
                // Read some time in the CLI window: right at its start or at its
                // end (a binding expiring inside it may or may not be gone).
                let first = reg.dial_contacts(now, aor, None, None).unwrap_or_default();
                let last = reg
                    .clone()
                    .dial_contacts(now + DIAL_READ_WINDOW_MS, aor, None, None)
                    .unwrap_or_default();
                let ok = expected == first || expected == last;
                let got = if expected == last { last } else { first };
                ctx.check(field, format!("{expected:?}"), format!("{got:?}"), ok);
            }
        }
    }
}

/// Summary over many case files.
pub fn summary_line(reports: &[Result<CaseReport, String>]) -> String {
    let passed = reports
        .iter()
        .filter(|r| matches!(r, Ok(c) if c.mismatches.is_empty()))
        .count();
    format!("{passed} passed, {} failed", reports.len() - passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_log_timestamps() {
        assert_eq!(
            log_time_ms("[2026-11-26 21:54:12.538] VERBOSE"),
            Some(1_795_730_052_538)
        );
        assert_eq!(
            strip_log_prefix(
                "[2026-11-26 21:54:12.538] VERBOSE[3572] res_pjsip_registrar.c: Added contact 'x'"
            ),
            "res_pjsip_registrar.c: Added contact 'x'"
        );
        assert_eq!(
            strip_log_prefix(
                "[2026-11-26 21:54:12.538] VERBOSE res_pjsip_registrar.c: Added contact 'x'"
            ),
            "res_pjsip_registrar.c: Added contact 'x'"
        );
    }
}
