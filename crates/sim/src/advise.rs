//! What should I set: a bounded search over the pjsip.conf settings that decide
//! registrations, each candidate measured by running the scenario with it.
//!
//! The search is split into steps that pass plain values, so that the runs (the
//! only costly part) can happen anywhere: one after another ([`advise`]), on
//! threads (the CLI) or in Web Workers (the page). [`start`] runs the scenario as
//! written and lists the first round of [`Job`]s; [`measure`] runs one job;
//! [`next_round`] reads what was measured and lists the next round (pairs, then
//! triples, only while no change fixes everything); [`conclude`] ranks.

use crate::compare::{
    apply_sets, differences, outcome, spells, Difference, Figures, Outcome, Spells, Trade,
};
use crate::duration::clock;
use crate::edit::controls;
use crate::format_duration;
use crate::incidents::Silences;
use crate::scenario::{KeepAlive, Scenario, SimMs};
use crate::trace::Cause;
use crate::{parse, run_text};
use serde::{Deserialize, Serialize};

/// At most this many single changes are run.
pub const MAX_SINGLES: usize = 80;
/// Pairs are formed from this many of the best single changes.
pub const PAIR_FROM: usize = 5;
/// Triples: the best this-many pairs, each with one more of the best singles.
pub const TRIPLE_FROM: usize = 3;
pub const MAX_TRIPLES: usize = 6;
/// Suggestions listed.
pub const MAX_SUGGESTIONS: usize = 10;

/// One run to make: the scenario with `set` applied (or, on the phone side, with
/// keep-alives added to some devices).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// Each string is valid for `aorlab run/compare --set`.
    pub set: Vec<String>,
    /// How many ideas the change combines (1 single, 2 pair, 3 triple).
    pub ideas: u32,
    /// A phone-side change instead of a setting.
    pub keepalive: Option<PhoneKeepalive>,
}

/// `keepalive crlf EVERY_S s` added to these devices' lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneKeepalive {
    pub devices: Vec<String>,
    pub every_s: u64,
}

/// A job's result: small enough to send between workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub job: Job,
    pub figures: Figures,
    pub spells: Spells,
}

/// A phone unreachable between refreshes because its NAT forgets idle mappings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietPhone {
    pub device: String,
    pub nat: String,
    pub idle_s: u64,
    /// Its AOR's qualify_frequency, when that alone would keep the mapping (below `idle_s`).
    pub qualify_s: Option<u64>,
    /// When Asterisk went down (restart or crash) inside the silence that let the NAT
    /// forget: its outage, not the settings, made the gap.
    pub outage_at_ms: Option<SimMs>,
}

/// The scenario as written, measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub outcome: Outcome,
    pub spells: Spells,
    /// Nothing to fix: no phone lost its registration or was unreachable.
    pub already_right: bool,
    pub quiet: Vec<QuietPhone>,
}

/// What [`start`] gives: the baseline and the first round of jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub baseline: Baseline,
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// Each string is valid for `aorlab run/compare --set`.
    pub set: Vec<String>,
    pub ideas: u32,
    pub before: Figures,
    pub after: Figures,
    /// There were lost registrations, and after it no phone is refused, gives up
    /// or goes unregistered.
    pub removes_every_lost_registration: bool,
    /// After it nothing is wrong at all: no lost registration, never unreachable, no
    /// stale binding, no dial ringing nobody.
    pub all_clear: bool,
    /// Figures it makes worse (it trades one problem for another).
    pub trades: Vec<Trade>,
    /// What it removes and adds against the scenario as written.
    pub differences: Vec<Difference>,
}

/// A change on the phone or network, not in pjsip.conf, measured the same way.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneSide {
    pub keepalive: PhoneKeepalive,
    /// "keepalive crlf 30s on evict"
    pub change: String,
    pub after: Figures,
}

/// An honest remark, typed (the page words it from the fields; `text` is the CLI's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoteKind {
    AlreadyRight,
    /// No setting tried makes any figure better.
    NothingHelps,
    /// Some help, none removes every lost registration.
    NoneRemovesEveryLost,
    /// No setting tried removes all the unreachable time.
    NoneClearsUnreachable,
    /// No registrar option fixes these phones' stale spells; traffic through the NAT does.
    /// One note per cause: the NATs' idle timeout, and whether qualify already runs more
    /// often than that (then an Asterisk outage, or nothing known, made the silence).
    NatForgetsIdle {
        devices: Vec<String>,
        nats: Vec<String>,
        idle_s: u64,
        qualify_s: Option<u64>,
        outage_at_ms: Option<SimMs>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    #[serde(flatten)]
    pub what: NoteKind,
    pub text: String,
}

impl From<NoteKind> for Note {
    fn from(what: NoteKind) -> Note {
        let text = match &what {
            NoteKind::AlreadyRight => "every setting is already right: no phone lost its registration or was unreachable, nothing rang a stale binding".into(),
            NoteKind::NothingHelps => "no Asterisk setting tried makes any figure better".into(),
            NoteKind::NoneRemovesEveryLost => "no Asterisk setting tried removes every lost registration".into(),
            NoteKind::NoneClearsUnreachable => "no pjsip.conf setting tried removes all the time phones are unreachable (stale bindings)".into(),
            NoteKind::NatForgetsIdle {
                devices,
                nats,
                idle_s,
                qualify_s,
                outage_at_ms,
            } => nat_note_text(devices, nats, *idle_s, *qualify_s, *outage_at_ms),
        };
        Note { what, text }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub before: Outcome,
    /// When the scenario ends (an incident with no end lasts until then).
    pub end_ms: crate::scenario::SimMs,
    /// Nothing to fix: no phone lost its registration or was unreachable.
    pub already_right: bool,
    pub suggestions: Vec<Suggestion>,
    pub phone_side: Vec<PhoneSide>,
    /// Honest remarks: what no setting fixes.
    pub notes: Vec<Note>,
    /// Scenario runs made (the scenario as written included).
    pub runs: u32,
}

/// "p1", "p1 and p2", "p1, p2 and p3", "16 phones (p1, p2, p3, …)".
fn phones_words(devices: &[String]) -> String {
    match devices {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, c] => format!("{a}, {b} and {c}"),
        [a, b, c, ..] => format!("{} phones ({a}, {b}, {c}, …)", devices.len()),
    }
}

fn nat_note_text(
    devices: &[String],
    nats: &[String],
    idle_s: u64,
    qualify_s: Option<u64>,
    outage_at_ms: Option<SimMs>,
) -> String {
    let who = phones_words(devices);
    let nats = nats.join(", ");
    let one = devices.len() == 1;
    let (is, forgets) = (
        if one { "is" } else { "are" },
        if nats.contains(", ") {
            "forget"
        } else {
            "forgets"
        },
    );
    let no_option = "no registrar option (max_contacts, remove_existing, remove_unavailable, rewrite_contact) changes that";
    match (qualify_s, outage_at_ms) {
        (Some(q), Some(at)) => format!(
            "{who} lost {} NAT mapping around Asterisk's restart at {}: qualify runs every {q} s, but from the last OPTIONS before the restart to the first after it more than {idle_s} s passed, and {nats} {forgets} idle mappings after {idle_s} s; {no_option}; only traffic the phone itself sends (keep-alives more often than every {idle_s} s) keeps a mapping through an outage, and a shorter registration interval shortens the stale time",
            if one { "its" } else { "their" },
            clock(at)
        ),
        (Some(q), None) => format!(
            "{who} {is} unreachable because {nats} {forgets} idle mappings after {idle_s} s, although qualify runs every {q} s (no OPTIONS reached the phone for that long); {no_option}; only traffic the phone itself sends more often than every {idle_s} s (keep-alives) keeps the mapping"
        ),
        (None, _) => format!(
            "{who} {is} unreachable between refreshes because {nats} {forgets} idle mappings after {idle_s} s; {no_option}; only traffic through the NAT more often than every {idle_s} s does: keep-alives on the phone, or qualify_frequency below {idle_s} s"
        ),
    }
}

fn flipped(b: bool) -> &'static str {
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

/// Where a change is written: an object's own section, or a template that two or
/// more of the troubled objects share (one change for all its users).
struct Target {
    section: String,
    /// The objects in trouble it reaches (their values decide what to try).
    objects: Vec<String>,
}

/// Group troubled objects by the nearest template they share with another
/// troubled object; the rest stay on their own section.
fn targets(objects: &[String], templates_of: impl Fn(&str) -> Option<String>) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for o in objects {
        let shared = templates_of(o).filter(|t| {
            objects
                .iter()
                .filter(|x| templates_of(x).as_ref() == Some(t))
                .count()
                >= 2
        });
        let section = shared.unwrap_or_else(|| o.clone());
        match out.iter_mut().find(|t| t.section == section) {
            Some(t) => t.objects.push(o.clone()),
            None => out.push(Target {
                section,
                objects: vec![o.clone()],
            }),
        }
    }
    out
}

fn job(set: Vec<String>) -> Job {
    Job {
        set,
        ideas: 1,
        keepalive: None,
    }
}

/// The changes tried on one AOR (or the template its troubled siblings share): `a` holds
/// its current values, `on_aor` the phones registering to it, `half` half the NAT timeout.
fn aor_candidates(
    name: &str,
    a: &aorlab_registrar::config::Aor,
    on_aor: u32,
    half: Option<u32>,
) -> Vec<Job> {
    let set = |o: &str, v: String| vec![format!("aor.{name}.{o}={v}")];
    let mut out = Vec::new();
    let mut max = vec![on_aor, on_aor + 1, a.max_contacts * 2];
    max.sort_unstable();
    max.dedup();
    for m in max.into_iter().filter(|&m| m != a.max_contacts && m > 0) {
        out.push(job(set("max_contacts", m.to_string())));
    }
    out.push(job(set(
        "remove_existing",
        flipped(a.remove_existing).into(),
    )));
    out.push(job(set(
        "remove_unavailable",
        flipped(a.remove_unavailable).into(),
    )));
    if let Some(h) = half {
        if a.qualify_frequency == 0 || a.qualify_frequency > h {
            out.push(job(set("qualify_frequency", h.to_string())));
        }
        // Refreshes more often than the NAT forgets: maximum_expiration below its timeout.
        if a.maximum_expiration > h {
            let mut c = set("maximum_expiration", h.to_string());
            if a.minimum_expiration > h {
                c.insert(0, format!("aor.{name}.minimum_expiration={h}"));
            }
            out.push(job(c));
        }
    }
    if a.qualify_frequency != 0 {
        out.push(job(set("qualify_frequency", "0".into())));
    }
    out
}

/// The single changes worth trying for the phones in trouble.
fn candidates(text: &str, sc: &Scenario, troubled: &[&str]) -> Vec<Job> {
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
    for list in [&mut aors, &mut endpoints] {
        let mut seen = std::collections::BTreeSet::new();
        list.retain(|x| seen.insert(x.clone()));
    }
    let c = controls(text);
    let nearest = |list: Vec<(String, Option<String>)>| {
        move |name: &str| {
            list.iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, t)| t.clone())
        }
    };
    let aor_tpl = nearest(
        c.aors
            .iter()
            .map(|a| (a.name.clone(), a.templates.first().map(|t| t.name.clone())))
            .collect(),
    );
    let ep_tpl = nearest(
        c.endpoints
            .iter()
            .map(|a| (a.name.clone(), a.templates.first().map(|t| t.name.clone())))
            .collect(),
    );
    let phones_on = |aor: &str| {
        sc.devices
            .iter()
            .filter(|d| {
                cfg.endpoints
                    .get(&d.user)
                    .map_or(d.user == aor, |e| e.aors.iter().any(|a| a == aor))
            })
            .count() as u32
    };
    let half = nat_timeout_s(sc, troubled).map(|t| (t / 2).max(1));
    let mut out: Vec<Job> = Vec::new();
    for t in targets(&aors, aor_tpl) {
        let on_aor = t.objects.iter().map(|o| phones_on(o)).max().unwrap_or(1);
        out.extend(aor_candidates(
            &t.section,
            &cfg.aors[&t.objects[0]],
            on_aor,
            half,
        ));
    }
    for t in targets(&endpoints, ep_tpl) {
        let rw = cfg.endpoints[&t.objects[0]].rewrite_contact;
        out.push(job(vec![format!(
            "endpoint.{}.rewrite_contact={}",
            t.section,
            flipped(rw)
        )]));
    }
    for v in [10, 30] {
        if cfg.global.contact_expiration_check_interval != v {
            out.push(job(vec![format!(
                "global.contact_expiration_check_interval={v}"
            )]));
        }
    }
    // Only upgrades: going back to an older (often end-of-life) branch is not advice an admin
    // can take, even where an old release happens to behave better in the simulation.
    for b in aorlab_registrar::BRANCHES {
        if b.major > sc.profile.major {
            out.push(job(vec![format!("asterisk={}", b.major)]));
        }
    }
    out.truncate(MAX_SINGLES);
    out
}

/// Options a job changes (a combination must not change one twice).
fn keys(j: &Job) -> Vec<&str> {
    j.set.iter().filter_map(|s| s.split('=').next()).collect()
}

/// Phones whose stale spells come from a NAT forgetting idle mappings (the first
/// such spell of each phone).
fn quiet_phones(t: &crate::Trace, sc: &Scenario) -> Vec<QuietPhone> {
    let silences = Silences::new(sc);
    let mut quiet: Vec<QuietPhone> = Vec::new();
    for d in &t.devices {
        let first = d.incidents.iter().find_map(|i| match &i.cause {
            Cause::MappingForgotten { nat, idle_ms, .. } => Some((i, nat, *idle_ms)),
            _ => None,
        });
        if let Some((incident, nat, idle_ms)) = first {
            quiet.push(QuietPhone {
                device: d.device.clone(),
                nat: nat.clone(),
                idle_s: idle_ms / 1000,
                qualify_s: silences
                    .qualify_s(&d.device)
                    .filter(|&q| q * 1000 < idle_ms),
                // The same fact the incident states (incidents.rs).
                outage_at_ms: incident.qualify_silenced.map(|q| q.restart_at_ms),
            });
        }
    }
    quiet
}

/// One note per cause, the phones (and their NATs) listed together.
fn nat_notes(quiet: &[QuietPhone]) -> Vec<NoteKind> {
    let mut notes: Vec<NoteKind> = Vec::new();
    for q in quiet {
        let same = notes.iter_mut().find(|n| match n {
            NoteKind::NatForgetsIdle {
                idle_s,
                qualify_s,
                outage_at_ms,
                ..
            } => (*idle_s, *qualify_s, *outage_at_ms) == (q.idle_s, q.qualify_s, q.outage_at_ms),
            _ => false,
        });
        match same {
            Some(NoteKind::NatForgetsIdle { devices, nats, .. }) => {
                devices.push(q.device.clone());
                if !nats.contains(&q.nat) {
                    nats.push(q.nat.clone());
                }
            }
            _ => notes.push(NoteKind::NatForgetsIdle {
                devices: vec![q.device.clone()],
                nats: vec![q.nat.clone()],
                idle_s: q.idle_s,
                qualify_s: q.qualify_s,
                outage_at_ms: q.outage_at_ms,
            }),
        }
    }
    for n in &mut notes {
        if let NoteKind::NatForgetsIdle { devices, nats, .. } = n {
            devices.sort();
            nats.sort();
        }
    }
    notes
}

/// Run the scenario as written and list the first round: every single change,
/// and keep-alives on the phones a NAT forgets (nothing when already right).
pub fn start(text: &str) -> Result<Start, String> {
    let (sc, _) = parse(text).map_err(|d| format!("{} errors in the scenario", d.len()))?;
    let base = run_text(text).map_err(|_| "the scenario does not run".to_string())?;
    let outcome = outcome(&base);
    let already_right = outcome.total.all_clear();
    let quiet = quiet_phones(&base, &sc);
    let mut jobs = Vec::new();
    if !already_right {
        let troubled: Vec<&str> = base
            .devices
            .iter()
            .filter(|d| !d.incidents.is_empty() || d.rejections_403 > 0 || d.gave_up)
            .map(|d| d.device.as_str())
            .collect();
        jobs = candidates(text, &sc, &troubled);
        if !quiet.is_empty() {
            let every_s = (quiet.iter().map(|q| q.idle_s).min().unwrap_or(60) / 2).max(1);
            let devices: Vec<String> = quiet.iter().map(|q| q.device.clone()).collect();
            jobs.push(Job {
                set: Vec::new(),
                ideas: 1,
                keepalive: Some(PhoneKeepalive { devices, every_s }),
            });
        }
    }
    Ok(Start {
        baseline: Baseline {
            spells: spells(&base),
            outcome,
            already_right,
            quiet,
        },
        jobs,
    })
}

/// Events a run handles between two progress reports.
pub const PROGRESS_EVERY_EVENTS: u32 = 20_000;

/// The scenario text a job runs.
fn job_text(text: &str, job: &Job) -> Result<String, String> {
    match &job.keepalive {
        Some(k) => {
            let (sc, _) = parse(text).map_err(|_| "the scenario does not parse".to_string())?;
            with_keepalives(text, &sc, &k.devices, k.every_s)
                .ok_or_else(|| "every one of those phones already sends keep-alives".into())
        }
        None => apply_sets(text, &job.set),
    }
}

/// Run one job against the scenario text.
pub fn measure(text: &str, job: &Job) -> Result<Measured, String> {
    measure_with(text, job, |_| {})
}

/// Run one job, telling `progress` how far the run has come every
/// [`PROGRESS_EVERY_EVENTS`] events (the page's progress bar).
pub fn measure_with(
    text: &str,
    job: &Job,
    mut progress: impl FnMut(&crate::Progress),
) -> Result<Measured, String> {
    let changed = job_text(text, job)?;
    let mut run = crate::Run::new(&changed).map_err(|d| {
        let first = d.first().map_or(String::new(), |d| d.message.clone());
        format!("with {}: {first}", job.set.join(" "))
    })?;
    loop {
        let p = run.advance(PROGRESS_EVERY_EVENTS);
        progress(&p);
        if p.done {
            break;
        }
    }
    let trace = run.finish();
    Ok(Measured {
        job: job.clone(),
        figures: outcome(&trace).total,
        spells: spells(&trace),
    })
}

fn is_setting(m: &&Measured) -> bool {
    m.job.keepalive.is_none()
}

/// Better than the scenario as written, and (for a combination) better than
/// every smaller change it is made of.
fn kept(base: &Baseline, measured: &[Measured], m: &Measured) -> bool {
    let key = m.figures.key();
    key < base.outcome.total.key()
        && measured
            .iter()
            .filter(is_setting)
            .filter(|p| {
                p.job.ideas < m.job.ideas && p.job.set.iter().all(|s| m.job.set.contains(s))
            })
            .all(|p| key < p.figures.key())
}

/// The best kept settings of exactly `ideas` ideas, best first.
fn best<'a>(base: &Baseline, measured: &'a [Measured], ideas: u32, n: usize) -> Vec<&'a Measured> {
    let mut v: Vec<&Measured> = measured
        .iter()
        .filter(is_setting)
        .filter(|m| m.job.ideas == ideas && kept(base, measured, m))
        .collect();
    v.sort_by_key(|m| m.figures.key());
    v.truncate(n);
    v
}

/// The object a `--set` string changes (`aor.refuse`, `global`, `asterisk`).
fn section_of(set: &str) -> &str {
    let path = set.split('=').next().unwrap_or(set);
    match path.match_indices('.').nth(1) {
        Some((i, _)) => &path[..i],
        None => path.split('.').next().unwrap_or(path),
    }
}

/// `n` of `ranked` (best first), the best of each object first, so that pairs
/// combine fixes for different phones rather than two fixes for the same one.
fn diverse(ranked: Vec<&Measured>, n: usize) -> Vec<&Measured> {
    let mut out: Vec<&Measured> = Vec::new();
    let mut sections: Vec<&str> = Vec::new();
    for m in &ranked {
        let s = m.job.set.first().map_or("", |s| section_of(s));
        if !sections.contains(&s) && out.len() < n {
            sections.push(s);
            out.push(m);
        }
    }
    for m in ranked {
        if out.len() < n && !out.iter().any(|o| std::ptr::eq(*o, m)) {
            out.push(m);
        }
    }
    out
}

/// The next round: pairs after singles, triples after pairs, and nothing once a
/// change clears every figure (or after triples).
pub fn next_round(base: &Baseline, measured: &[Measured]) -> Vec<Job> {
    let settings = || measured.iter().filter(is_setting);
    if base.already_right || settings().any(|m| m.figures.all_clear()) {
        return Vec::new();
    }
    let round = settings().map(|m| m.job.ideas).max().unwrap_or(0);
    let singles = diverse(best(base, measured, 1, usize::MAX), PAIR_FROM);
    let bases: Vec<&Measured> = match round {
        1 => singles.clone(),
        2 => best(base, measured, 2, TRIPLE_FROM),
        _ => return Vec::new(),
    };
    let mut out: Vec<Job> = Vec::new();
    let mut seen: Vec<Vec<String>> = settings()
        .map(|m| {
            let mut s = m.job.set.clone();
            s.sort();
            s
        })
        .collect();
    for x in &bases {
        for y in &singles {
            let (kx, ky) = (keys(&x.job), keys(&y.job));
            if kx.iter().any(|k| ky.contains(k)) {
                continue;
            }
            let set: Vec<String> = x.job.set.iter().chain(&y.job.set).cloned().collect();
            let mut sorted = set.clone();
            sorted.sort();
            if seen.contains(&sorted) {
                continue;
            }
            seen.push(sorted);
            out.push(Job {
                set,
                ideas: round + 1,
                keepalive: None,
            });
        }
    }
    if round == 2 {
        out.truncate(MAX_TRIPLES);
    }
    out
}

/// Rank what was measured and say what no setting fixes.
pub fn conclude(base: &Baseline, measured: &[Measured]) -> Advice {
    let before = &base.outcome.total;
    let mut advice = Advice {
        before: base.outcome.clone(),
        end_ms: base.spells.end_ms,
        already_right: base.already_right,
        suggestions: Vec::new(),
        phone_side: Vec::new(),
        notes: Vec::new(),
        runs: 1 + measured.len() as u32,
    };
    if base.already_right {
        advice.notes.push(NoteKind::AlreadyRight.into());
        return advice;
    }
    let had_lost = !before.no_lost_registration();
    let fixes = |m: &Measured| had_lost && m.figures.no_lost_registration();
    let mut all: Vec<&Measured> = measured
        .iter()
        .filter(is_setting)
        .filter(|m| kept(base, measured, m))
        .collect();
    // The smallest change that removes every lost registration first, then the rest by
    // figures (the size of the change breaking ties).
    all.sort_by_key(|m| (m.figures.key(), m.job.ideas));
    if let Some(i) = (0..all.len())
        .filter(|&i| fixes(all[i]))
        .min_by_key(|&i| (all[i].job.ideas, i))
    {
        let first = all.remove(i);
        all.insert(0, first);
    }
    for m in all.iter().take(MAX_SUGGESTIONS) {
        advice.suggestions.push(Suggestion {
            set: m.job.set.clone(),
            ideas: m.job.ideas,
            before: before.clone(),
            after: m.figures.clone(),
            removes_every_lost_registration: fixes(m),
            all_clear: m.figures.all_clear(),
            trades: m.figures.worse_than(before),
            differences: differences(&base.spells, &m.spells),
        });
    }
    for m in measured.iter().filter(|m| !is_setting(m)) {
        let k = m
            .job
            .keepalive
            .clone()
            .expect("not a setting: a phone-side job");
        advice.phone_side.push(PhoneSide {
            change: format!("keepalive crlf {}s on {}", k.every_s, k.devices.join(", ")),
            keepalive: k,
            after: m.figures.clone(),
        });
    }
    if advice.suggestions.is_empty() {
        advice.notes.push(NoteKind::NothingHelps.into());
    } else if had_lost && !advice.suggestions[0].removes_every_lost_registration {
        advice.notes.push(NoteKind::NoneRemovesEveryLost.into());
    }
    if before.unreachable_ms > 0 && !all.iter().any(|m| m.figures.unreachable_ms == 0) {
        advice.notes.push(NoteKind::NoneClearsUnreachable.into());
    }
    for n in nat_notes(&base.quiet) {
        advice.notes.push(n.into());
    }
    advice
}

/// The whole search, with `run_all` making each round's runs (in any order, on
/// any threads; a job that fails to run is left out).
pub fn advise_with(
    text: &str,
    mut run_all: impl FnMut(&[Job]) -> Vec<Measured>,
) -> Result<Advice, String> {
    let s = start(text)?;
    let mut measured = run_all(&s.jobs);
    loop {
        let jobs = next_round(&s.baseline, &measured);
        if jobs.is_empty() {
            break;
        }
        measured.extend(run_all(&jobs));
    }
    Ok(conclude(&s.baseline, &measured))
}

/// Search, run and rank, one run after another. `text` must parse.
pub fn advise(text: &str) -> Result<Advice, String> {
    advise_with(text, |jobs| {
        jobs.iter().filter_map(|j| measure(text, j).ok()).collect()
    })
}

/// The scenario with `keepalive crlf Ns` added to the device lines of `names`
/// that have no keep-alive yet.
fn with_keepalives(text: &str, sc: &Scenario, names: &[String], every_s: u64) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut changed = false;
    for d in sc.devices.iter().filter(|d| names.contains(&d.name)) {
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
        "not registered {} → {}, unreachable {} → {}, 403s {} → {}, gave up {} → {}, stale bindings at end {} → {}, requests {} → {}",
        format_duration(b.not_registered_ms),
        format_duration(a.not_registered_ms),
        format_duration(b.unreachable_ms),
        format_duration(a.unreachable_ms),
        b.rejections_403,
        a.rejections_403,
        b.gave_up,
        a.gave_up,
        b.stale_bindings_at_end,
        a.stale_bindings_at_end,
        b.requests,
        a.requests
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{apply_sets, Spells};

    /// nat-403 twice over, both AORs and endpoints from one template each.
    const TEMPLATED: &str = "asterisk 22\nseed 7\npjsip.conf {\n[phone-ep](!)\ntype = endpoint\nrewrite_contact = yes\n\n[phone-aor](!)\ntype = aor\nmax_contacts = 2\nremove_existing = no\n\n[alice](phone-ep)\naors = alice\n[alice](phone-aor)\n\n[bob](phone-ep)\naors = bob\n[bob](phone-aor)\n}\nnat home public 203.0.113.7 udp-timeout 60s\ndevice desk alice udp 192.168.1.10:5060 behind home expires 300 on-403 give-up\ndevice soft alice udp 192.168.1.11:5062 behind home expires 300 keepalive crlf 30s\ndevice desk2 bob udp 192.168.1.12:5060 behind home expires 300 on-403 give-up\ndevice soft2 bob udp 192.168.1.13:5062 behind home expires 300 keepalive crlf 30s\nat 0s register desk soft desk2 soft2\nuntil 30m\n";

    #[test]
    fn phones_sharing_a_template_get_one_change_on_the_template() {
        let a = advise(TEMPLATED).unwrap();
        assert_eq!(a.before.total.rejections_403, 2, "{:?}", a.before);
        let first = &a.suggestions[0];
        assert!(first.removes_every_lost_registration);
        assert!(
            first
                .set
                .iter()
                .all(|s| s.starts_with("aor.phone-aor.") || s.starts_with("endpoint.phone-ep.")),
            "{:?}",
            first.set
        );
        // No per-AOR variant was tried: the template stands for both.
        assert!(a
            .suggestions
            .iter()
            .all(|s| s.set.iter().all(|x| !x.starts_with("aor.alice."))));
        // Applied, it reaches both AORs: nobody is refused any more.
        let fixed = crate::run_text(&apply_sets(TEMPLATED, &first.set).unwrap()).unwrap();
        assert!(fixed
            .devices
            .iter()
            .all(|d| d.rejections_403 == 0 && !d.gave_up));
    }

    #[test]
    fn a_set_may_name_a_template() {
        let t = apply_sets(TEMPLATED, &["aor.phone-aor.max_contacts=5".into()]).unwrap();
        assert!(t.contains("type = aor\nmax_contacts = 5\n"), "{t}");
        assert!(!t.contains("[alice](phone-aor)\nmax_contacts"), "{t}");
        let err = apply_sets(TEMPLATED, &["aor.phone-ao.max_contacts=5".into()]).unwrap_err();
        assert!(err.contains("did you mean"), "{err}");
    }

    #[test]
    fn pairs_combine_fixes_for_different_phones() {
        // remove-existing: refuse is refused, evict goes stale; no single change fixes both.
        let text = crate::preset("remove-existing").unwrap().text;
        let a = advise(text).unwrap();
        assert_eq!(a.suggestions[0].ideas, 1);
        assert!(a.suggestions[0].removes_every_lost_registration);
        let pair = a
            .suggestions
            .iter()
            .find(|s| s.all_clear)
            .expect("a pair clears all");
        assert_eq!(pair.ideas, 2, "{:?}", pair.set);
        assert!(pair.set.iter().any(|s| s.starts_with("aor.refuse.")));
        assert!(pair.set.iter().any(|s| s.starts_with("aor.evict.")));
        // Ranked right after the smallest fix, before fixes that leave phones unreachable.
        assert_eq!(a.suggestions[1].set, pair.set);
    }

    #[test]
    fn no_pairs_once_a_single_change_clears_everything() {
        let text = crate::preset("nat-403").unwrap().text;
        let s = start(text).unwrap();
        let measured: Vec<Measured> = s.jobs.iter().map(|j| measure(text, j).unwrap()).collect();
        assert!(measured.iter().any(|m| m.figures.all_clear()));
        assert!(next_round(&s.baseline, &measured).is_empty());
    }

    fn fake(set: &[&str], ideas: u32, unreachable_ms: u64) -> Measured {
        Measured {
            job: Job {
                set: set.iter().map(|s| s.to_string()).collect(),
                ideas,
                keepalive: None,
            },
            figures: Figures {
                unreachable_ms,
                ..Figures::default()
            },
            spells: Spells::default(),
        }
    }

    #[test]
    fn triples_extend_the_best_pairs_when_no_pair_clears_everything() {
        let base = Baseline {
            outcome: Outcome {
                version: "22".into(),
                total: Figures {
                    unreachable_ms: 100,
                    ..Figures::default()
                },
                phones: Vec::new(),
            },
            spells: Spells::default(),
            already_right: false,
            quiet: Vec::new(),
        };
        let measured = vec![
            fake(&["aor.a.qualify_frequency=30"], 1, 60),
            fake(&["aor.b.qualify_frequency=30"], 1, 70),
            fake(&["aor.c.qualify_frequency=30"], 1, 80),
            fake(
                &["aor.a.qualify_frequency=30", "aor.b.qualify_frequency=30"],
                2,
                30,
            ),
        ];
        let next = next_round(&base, &measured);
        assert!(!next.is_empty() && next.len() <= MAX_TRIPLES);
        assert!(next.iter().all(|j| j.ideas == 3));
        assert_eq!(
            next[0].set,
            [
                "aor.a.qualify_frequency=30",
                "aor.b.qualify_frequency=30",
                "aor.c.qualify_frequency=30"
            ]
        );
        // A pair that does not beat both its halves is not kept.
        let worse = fake(
            &["aor.a.qualify_frequency=30", "aor.c.qualify_frequency=30"],
            2,
            65,
        );
        assert!(!kept(
            &base,
            &[measured.clone(), vec![worse.clone()]].concat(),
            &worse
        ));
        // After triples, the search ends.
        let mut all = measured;
        all.push(fake(&["x.y.z=1", "x.y.w=2", "x.y.v=3"], 3, 20));
        assert!(next_round(&base, &all).is_empty());
    }
}
