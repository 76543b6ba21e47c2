//! What should I set: a bounded search over the pjsip.conf settings that decide
//! registrations, each candidate measured by running the scenario with it.

use crate::compare::{apply_sets, compare, outcome, Figures, Outcome};
use crate::format_duration;
use crate::scenario::{KeepAlive, Scenario};
use crate::trace::{Cause, Trace};
use crate::{parse, run_text};
use serde::Serialize;

/// At most this many single changes are run (the AORs with trouble come first).
pub const MAX_SINGLES: usize = 80;
/// Pairs are formed from this many of the best single changes.
pub const PAIR_FROM: usize = 8;
/// Suggestions listed.
pub const MAX_SUGGESTIONS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// Each string is valid for `aorlab run/compare --set`.
    pub set: Vec<String>,
    pub before: Figures,
    pub after: Figures,
    /// There were lost registrations, and after it no phone is refused, gives up
    /// or goes unregistered.
    pub removes_every_lost_registration: bool,
    /// Figures it makes worse (it trades one problem for another).
    pub trades: Vec<String>,
    /// The difference list against the scenario as written.
    pub differences: Vec<String>,
}

/// A change on the phone or network, not in pjsip.conf, measured the same way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneSide {
    pub change: String,
    pub after: Figures,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub before: Outcome,
    /// Nothing to fix: no phone lost its registration or was unreachable.
    pub already_right: bool,
    pub suggestions: Vec<Suggestion>,
    pub phone_side: Vec<PhoneSide>,
    /// Honest remarks: what no setting fixes, and trade-offs.
    pub notes: Vec<String>,
    /// Scenario runs made (the scenario as written included).
    pub runs: u32,
}

/// One candidate: a few `--set` strings changing one idea.
type Candidate = Vec<String>;

fn on_off(b: bool) -> &'static str {
    if b {
        "no"
    } else {
        "yes"
    }
}

/// The shortest NAT UDP timeout in seconds among the NATs `devices` sit behind.
fn nat_timeout_s(sc: &Scenario, devices: &[&str]) -> Option<u32> {
    sc.devices
        .iter()
        .filter(|d| devices.contains(&d.name.as_str()))
        .filter_map(|d| d.behind.as_ref())
        .filter_map(|n| sc.nats.iter().find(|x| &x.name == n))
        .map(|n| (n.udp_timeout_ms / 1000) as u32)
        .min()
}

/// The single changes worth trying for the phones in trouble.
fn candidates(sc: &Scenario, troubled: &[&str]) -> Vec<Candidate> {
    let cfg = &sc.config;
    let mut aors: Vec<String> = Vec::new();
    let mut endpoints: Vec<String> = Vec::new();
    for d in sc
        .devices
        .iter()
        .filter(|d| troubled.contains(&d.name.as_str()))
    {
        let mine = match cfg.endpoints.get(&d.user) {
            Some(e) => {
                endpoints.push(e.name.clone());
                e.aors.clone()
            }
            None => vec![d.user.clone()],
        };
        aors.extend(mine.into_iter().filter(|a| cfg.aors.contains_key(a)));
    }
    aors.dedup();
    endpoints.dedup();
    let half = nat_timeout_s(sc, troubled).map(|t| (t / 2).max(1));
    let mut out: Vec<Candidate> = Vec::new();
    for name in &aors {
        let a = &cfg.aors[name];
        let on_aor = sc
            .devices
            .iter()
            .filter(|d| {
                cfg.endpoints
                    .get(&d.user)
                    .map_or(d.user == *name, |e| e.aors.contains(name))
            })
            .count() as u32;
        let set = |o: &str, v: String| vec![format!("aor.{name}.{o}={v}")];
        let mut max = vec![on_aor, on_aor + 1, a.max_contacts * 2];
        max.sort_unstable();
        max.dedup();
        for m in max.into_iter().filter(|&m| m != a.max_contacts && m > 0) {
            out.push(set("max_contacts", m.to_string()));
        }
        out.push(set("remove_existing", on_off(a.remove_existing).into()));
        out.push(set(
            "remove_unavailable",
            on_off(a.remove_unavailable).into(),
        ));
        if let Some(h) = half {
            if a.qualify_frequency == 0 || a.qualify_frequency > h {
                out.push(set("qualify_frequency", h.to_string()));
            }
            // Refreshes more often than the NAT forgets: maximum_expiration below its timeout.
            if a.maximum_expiration > h {
                let mut c = set("maximum_expiration", h.to_string());
                if a.minimum_expiration > h {
                    c.insert(0, format!("aor.{name}.minimum_expiration={h}"));
                }
                out.push(c);
            }
        }
        if a.qualify_frequency != 0 {
            out.push(set("qualify_frequency", "0".into()));
        }
    }
    for e in &endpoints {
        let rw = cfg.endpoints[e].rewrite_contact;
        out.push(vec![format!("endpoint.{e}.rewrite_contact={}", on_off(rw))]);
    }
    for v in [10, 30] {
        if cfg.global.contact_expiration_check_interval != v {
            out.push(vec![format!(
                "global.contact_expiration_check_interval={v}"
            )]);
        }
    }
    for b in aorlab_registrar::BRANCHES {
        if b.major != sc.profile.major {
            out.push(vec![format!("asterisk={}", b.major)]);
        }
    }
    out.truncate(MAX_SINGLES);
    out
}

/// Options a candidate changes (a pair must not change one twice).
fn keys(c: &Candidate) -> Vec<&str> {
    c.iter().filter_map(|s| s.split('=').next()).collect()
}

struct Measured {
    set: Candidate,
    trace: Trace,
    figures: Figures,
}

fn measure(text: &str, set: Candidate, runs: &mut u32) -> Option<Measured> {
    let t = apply_sets(text, &set).ok()?;
    *runs += 1;
    let trace = run_text(&t).ok()?;
    let figures = outcome(&trace).total;
    Some(Measured {
        set,
        trace,
        figures,
    })
}

/// Search, run and rank. `text` must parse.
pub fn advise(text: &str) -> Result<Advice, String> {
    let (sc, _) = parse(text).map_err(|d| format!("{} errors in the scenario", d.len()))?;
    let base = run_text(text).map_err(|_| "the scenario does not run".to_string())?;
    let before = outcome(&base);
    let mut runs = 1;
    let mut advice = Advice {
        before: before.clone(),
        already_right: before.total.all_clear(),
        suggestions: Vec::new(),
        phone_side: Vec::new(),
        notes: Vec::new(),
        runs,
    };
    if advice.already_right {
        advice.notes.push(
            "every setting is already right: no phone lost its registration or was unreachable, nothing rang a stale binding".into(),
        );
        return Ok(advice);
    }
    let troubled: Vec<&str> = base
        .devices
        .iter()
        .filter(|d| !d.incidents.is_empty() || d.rejections_403 > 0 || d.gave_up)
        .map(|d| d.device.as_str())
        .collect();
    let singles: Vec<Measured> = candidates(&sc, &troubled)
        .into_iter()
        .filter_map(|c| measure(text, c, &mut runs))
        .collect();
    let better = |m: &Measured| m.figures.key() < before.total.key();
    let mut best: Vec<&Measured> = singles.iter().filter(|m| better(m)).collect();
    best.sort_by_key(|m| m.figures.key());
    best.truncate(PAIR_FROM);
    let mut pairs = Vec::new();
    for (i, x) in best.iter().enumerate() {
        for y in &best[i + 1..] {
            let (kx, ky) = (keys(&x.set), keys(&y.set));
            if kx.iter().any(|k| ky.contains(k)) || x.figures.all_clear() {
                continue;
            }
            let set: Candidate = x.set.iter().chain(&y.set).cloned().collect();
            // A pair is worth listing only when it beats both its halves.
            let floor = x.figures.key().min(y.figures.key());
            pairs.extend(measure(text, set, &mut runs).filter(|m| m.figures.key() < floor));
        }
    }
    let mut all: Vec<Measured> = singles.into_iter().chain(pairs).filter(better).collect();
    // The smallest change that removes every lost registration first, then the rest by figures.
    let had_lost = !before.total.no_lost_registration();
    all.sort_by_key(|m| {
        let fixes = had_lost && m.figures.no_lost_registration();
        let size = m.set.len();
        if fixes {
            (0, size, m.figures.key())
        } else {
            (1, 0, m.figures.key())
        }
    });
    for m in all.iter().take(MAX_SUGGESTIONS) {
        let cmp = compare(&base, &m.trace, &m.set);
        advice.suggestions.push(Suggestion {
            set: m.set.clone(),
            before: before.total.clone(),
            after: m.figures.clone(),
            removes_every_lost_registration: had_lost && m.figures.no_lost_registration(),
            trades: m.figures.worse_than(&before.total),
            differences: cmp.summary,
        });
    }
    honest_notes(text, &sc, &base, &all, &mut advice, &mut runs);
    advice.runs = runs;
    Ok(advice)
}

/// What no pjsip.conf setting fixes, with the phone-side fix measured.
fn honest_notes(
    text: &str,
    sc: &Scenario,
    base: &Trace,
    all: &[Measured],
    advice: &mut Advice,
    runs: &mut u32,
) {
    if advice.suggestions.is_empty() {
        advice
            .notes
            .push("no Asterisk setting tried makes any figure better".into());
    } else if !advice.suggestions[0].removes_every_lost_registration
        && !advice.before.total.no_lost_registration()
    {
        advice
            .notes
            .push("no Asterisk setting tried removes every lost registration".into());
    }
    if base_unreachable(base) == 0 {
        return;
    }
    let setting_clears = all.iter().any(|m| m.figures.unreachable_ms == 0);
    if !setting_clears {
        advice.notes.push(
            "no pjsip.conf setting tried removes all the time phones are unreachable (stale bindings)"
                .into(),
        );
    }
    // Stale spells from a NAT that forgets idle mappings: the fix is traffic through the NAT.
    let mut quiet: Vec<(String, String, u64)> = Vec::new();
    for d in &base.devices {
        for i in &d.incidents {
            if let Cause::MappingForgotten { nat, idle_ms, .. } = &i.cause {
                if !quiet.iter().any(|q| q.0 == d.device) {
                    quiet.push((d.device.clone(), nat.clone(), *idle_ms / 1000));
                }
            }
        }
    }
    for (dev, nat, idle) in &quiet {
        advice.notes.push(format!(
            "{dev} is unreachable between refreshes because {nat} forgets idle mappings after {idle} s; no registrar option (max_contacts, remove_existing, remove_unavailable, rewrite_contact) changes that; only traffic through the NAT more often than every {idle} s does: keep-alives on the phone, or qualify_frequency below {idle} s"
        ));
    }
    if quiet.is_empty() {
        return;
    }
    let names: Vec<&str> = quiet.iter().map(|q| q.0.as_str()).collect();
    let every = (quiet.iter().map(|q| q.2).min().unwrap_or(60) / 2).max(1);
    if let Some(t) = with_keepalives(text, sc, &names, every) {
        *runs += 1;
        if let Ok(tr) = run_text(&t) {
            advice.phone_side.push(PhoneSide {
                change: format!("keepalive crlf {every}s on {}", names.join(", ")),
                after: outcome(&tr).total,
            });
        }
    }
}

fn base_unreachable(t: &Trace) -> u64 {
    t.devices.iter().map(|d| d.unreachable_ms).sum()
}

/// The scenario with `keepalive crlf Ns` added to the device lines of `names`
/// that have no keep-alive yet.
fn with_keepalives(text: &str, sc: &Scenario, names: &[&str], every_s: u64) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut changed = false;
    for d in sc
        .devices
        .iter()
        .filter(|d| names.contains(&d.name.as_str()))
    {
        if !matches!(d.keepalive, KeepAlive::None) {
            continue;
        }
        let l = lines.get_mut(d.line as usize - 1)?;
        let (code, comment) = l.split_at(l.find('#').unwrap_or(l.len()));
        *l = format!("{} keepalive crlf {every_s}s {comment}", code.trim_end())
            .trim_end()
            .to_string();
        changed = true;
    }
    changed.then(|| lines.join("\n") + "\n")
}

/// Before → after in words, for one suggestion.
pub fn figures_line(b: &Figures, a: &Figures) -> String {
    format!(
        "not registered {} → {}, unreachable {} → {}, 403s {} → {}, gave up {} → {}, stale bindings at end {} → {}",
        format_duration(b.not_registered_ms),
        format_duration(a.not_registered_ms),
        format_duration(b.unreachable_ms),
        format_duration(a.unreachable_ms),
        b.rejections_403,
        a.rejections_403,
        b.gave_up,
        a.gave_up,
        b.stale_bindings_at_end,
        a.stale_bindings_at_end
    )
}
