//! What if: `--set TYPE.SECTION.OPTION=VALUE` changes applied to a scenario's
//! pjsip.conf, and two finished runs compared. Passes over text and traces, not
//! code inside the event loop.

use crate::duration::clock;
use crate::edit::{controls, edit_global, edit_option, set_version};
use crate::scenario::SimMs;
use crate::trace::{Reach, RecordKind, Trace};
use aorlab_registrar::config::options;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Section types a `--set` may name (the ones the registrar reads options of).
const TYPES: &[&str] = &["aor", "endpoint", "global", "transport"];

/// Apply one `--set` change. `aor.NAME.OPTION=VALUE` and `endpoint.NAME.OPTION=VALUE`
/// override the option in the object's own section (a template it inherits from is
/// left alone, so exactly one object changes); `global.OPTION=VALUE` edits the
/// `[global]` section (added when missing); `asterisk=RELEASE` sets the release.
pub fn apply_set(text: &str, set: &str) -> Result<String, String> {
    let (path, value) = set
        .split_once('=')
        .ok_or_else(|| format!("--set {set}: expected TYPE.SECTION.OPTION=VALUE"))?;
    let (path, value) = (path.trim(), value.trim());
    if path == "asterisk" {
        aorlab_registrar::Profile::parse(value)
            .map_err(|e| format!("--set asterisk={value}: {e}"))?;
        return Ok(set_version(text, value));
    }
    let parts: Vec<&str> = path.split('.').collect();
    let kind = parts[0];
    if !TYPES.contains(&kind) {
        let hint = options::nearest(kind, TYPES.iter().copied())
            .map_or(String::new(), |n| format!(" (did you mean '{n}'?)"));
        return Err(format!(
            "--set {set}: unknown type '{kind}'{hint}; use aor, endpoint, global, transport or asterisk"
        ));
    }
    let option = *parts.last().unwrap_or(&"");
    if options::find(kind, option).is_none() {
        let hint = options::nearest(option, options::names_for(kind))
            .map_or(String::new(), |n| format!(" (did you mean '{n}'?)"));
        return Err(format!(
            "--set {set}: {kind} has no option '{option}'{hint}"
        ));
    }
    match (kind, parts.len()) {
        ("global", 2) => edit_global(text, option, value).map(|e| e.text),
        (_, 3) => {
            let name = parts[1];
            edit_option(text, kind, name, None, option, value)
                .or_else(|e| edit_template(text, kind, name, option, value).ok_or(e))
                .map(|e| e.text)
                .map_err(|e| {
                    // Objects and the templates they use are both valid names.
                    let all = objects_and_templates(text, kind);
                    let names: Vec<&str> = all
                        .iter()
                        .flat_map(|(o, t)| std::iter::once(o).chain(t))
                        .map(String::as_str)
                        .collect();
                    let hint = options::nearest(name, names.iter().copied())
                        .map_or(String::new(), |n| format!(" (did you mean '{n}'?)"));
                    format!("--set {set}: {e}{hint}")
                })
        }
        _ => Err(format!(
            "--set {set}: expected {}",
            if kind == "global" {
                "global.OPTION=VALUE"
            } else {
                "TYPE.SECTION.OPTION=VALUE"
            }
        )),
    }
}

/// Every object of `kind` (aor or endpoint) with the templates it inherits from.
fn objects_and_templates(text: &str, kind: &str) -> Vec<(String, Vec<String>)> {
    let c = controls(text);
    let names = |name: &str, t: &[crate::edit::TemplateRef]| {
        (
            name.to_string(),
            t.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        )
    };
    match kind {
        "aor" => c
            .aors
            .iter()
            .map(|a| names(&a.name, &a.templates))
            .collect(),
        "endpoint" => c
            .endpoints
            .iter()
            .map(|e| names(&e.name, &e.templates))
            .collect(),
        _ => Vec::new(),
    }
}

/// `SECTION` named a template (`[phone-aor](!)`) rather than an object: edit the
/// template through one of the objects that inherit it (changes all its users).
fn edit_template(
    text: &str,
    kind: &str,
    template: &str,
    option: &str,
    value: &str,
) -> Option<crate::edit::Edited> {
    let (user, _) = objects_and_templates(text, kind)
        .into_iter()
        .find(|(_, t)| t.iter().any(|t| t == template))?;
    edit_option(text, kind, &user, Some(template), option, value).ok()
}

/// Apply every change in order.
pub fn apply_sets(text: &str, sets: &[String]) -> Result<String, String> {
    sets.iter()
        .try_fold(text.to_string(), |t, s| apply_set(&t, s))
}

/// The figures a run is judged by (a whole site, or one phone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Time phones wanted to be registered and were not (refused, gave up, expired).
    pub not_registered_ms: SimMs,
    /// Time phones were registered but their binding led nowhere (stale).
    pub unreachable_ms: SimMs,
    pub rejections_403: u32,
    pub gave_up: u32,
    /// `dial` actions that rang no phone at all.
    pub dials_ringing_nobody: u32,
    /// Bindings at the end that lead to no phone (a call would ring them for nothing).
    pub stale_bindings_at_end: u32,
    /// SIP requests between the phones and Asterisk: REGISTERs (retransmissions too),
    /// Asterisk's OPTIONS, the phones' OPTIONS pings. What a change costs in traffic: shown
    /// beside what it fixes, never a reason to suggest it, and not a "problem" it trades for
    /// (a phone that stays registered sends more than one that gave up).
    pub requests: u64,
}

impl Figures {
    /// No lost registration: nothing refused, nobody gave up, never unregistered.
    pub fn no_lost_registration(&self) -> bool {
        self.not_registered_ms == 0 && self.rejections_403 == 0 && self.gave_up == 0
    }

    pub fn all_clear(&self) -> bool {
        self.no_lost_registration()
            && self.unreachable_ms == 0
            && self.dials_ringing_nobody == 0
            && self.stale_bindings_at_end == 0
    }

    /// The ranking order: time not registered, time unreachable, calls ringing nobody.
    pub fn key(&self) -> (SimMs, u32, SimMs, u32, u32) {
        (
            self.not_registered_ms,
            self.rejections_403 + self.gave_up,
            self.unreachable_ms,
            self.dials_ringing_nobody,
            self.stale_bindings_at_end,
        )
    }

    /// Each figure with its name, in the order they are listed.
    fn named(&self) -> [(Figure, u64); 6] {
        [
            (Figure::NotRegistered, self.not_registered_ms),
            (Figure::Unreachable, self.unreachable_ms),
            (Figure::Rejections403, u64::from(self.rejections_403)),
            (Figure::GaveUp, u64::from(self.gave_up)),
            (
                Figure::DialsRingingNobody,
                u64::from(self.dials_ringing_nobody),
            ),
            (
                Figure::StaleBindingsAtEnd,
                u64::from(self.stale_bindings_at_end),
            ),
        ]
    }

    /// The figures that are worse than in `base` (a trade-off).
    pub fn worse_than(&self, base: &Figures) -> Vec<Trade> {
        self.named()
            .into_iter()
            .zip(base.named())
            .filter(|((_, a), (_, b))| a > b)
            .map(|((figure, after), (_, before))| Trade {
                figure,
                before,
                after,
                text: figure.change_words(before, after),
            })
            .collect()
    }
}

/// A figure a run is judged by (the names the JSON and the page use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    NotRegistered,
    Unreachable,
    Rejections403,
    GaveUp,
    DialsRingingNobody,
    StaleBindingsAtEnd,
}

impl Figure {
    /// Durations are in ms; the others are counts.
    pub fn is_duration(self) -> bool {
        matches!(self, Figure::NotRegistered | Figure::Unreachable)
    }

    fn name(self) -> &'static str {
        match self {
            Figure::NotRegistered => "time not registered",
            Figure::Unreachable => "time unreachable",
            Figure::Rejections403 => "403s",
            Figure::GaveUp => "phones giving up",
            Figure::DialsRingingNobody => "dials ringing nobody",
            Figure::StaleBindingsAtEnd => "stale bindings at the end",
        }
    }

    fn change_words(self, before: u64, after: u64) -> String {
        if self.is_duration() {
            format!(
                "{} {} → {}",
                self.name(),
                crate::format_duration(before),
                crate::format_duration(after)
            )
        } else {
            format!("{} {before} → {after}", self.name())
        }
    }
}

/// How many times the SIP requests a change makes, when that is a quarter more or beyond
/// (what the page and the CLI say it costs in traffic).
pub fn traffic_factor(before: &Figures, after: &Figures) -> Option<f64> {
    (before.requests > 0 && after.requests * 4 >= before.requests * 5)
        .then(|| after.requests as f64 / before.requests as f64)
}

/// A figure a change makes worse: it trades one problem for another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trade {
    pub figure: Figure,
    pub before: u64,
    pub after: u64,
    /// "time unreachable 3m 49s → 22m 54s"
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhoneFigures {
    pub device: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A run's outcome: totals and per-phone figures (worst first, as in the trace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub version: String,
    pub total: Figures,
    pub phones: Vec<PhoneFigures>,
}

/// Requests per phone (the written SIP requests it sent or was sent, plus the routine
/// exchanges counted instead of written, one request each), and all of them (OPTIONS
/// to a binding that leads nowhere included).
fn requests_per_phone(t: &Trace) -> (HashMap<&str, u64>, u64) {
    let mut n: HashMap<&str, u64> = HashMap::new();
    let mut all = 0;
    for r in &t.records {
        let request = matches!(r.kind, RecordKind::Sip | RecordKind::Qualify)
            && r.sip.as_ref().is_some_and(|s| s.code.is_none());
        if !request {
            continue;
        }
        all += 1;
        for d in &r.devices {
            *n.entry(d.as_str()).or_default() += 1;
        }
    }
    for c in &t.routine.exchanges {
        *n.entry(c.device.as_str()).or_default() += c.count;
        all += c.count;
    }
    (n, all)
}

pub fn outcome(t: &Trace) -> Outcome {
    let mut total = Figures::default();
    let (requests, all_requests) = requests_per_phone(t);
    let phones: Vec<PhoneFigures> = t
        .devices
        .iter()
        .map(|d| PhoneFigures {
            device: d.device.clone(),
            figures: Figures {
                not_registered_ms: d.unregistered_ms,
                unreachable_ms: d.unreachable_ms,
                rejections_403: d.rejections_403,
                gave_up: u32::from(d.gave_up),
                requests: requests.get(d.device.as_str()).copied().unwrap_or(0),
                ..Figures::default()
            },
        })
        .collect();
    for p in &phones {
        total.not_registered_ms += p.figures.not_registered_ms;
        total.unreachable_ms += p.figures.unreachable_ms;
        total.rejections_403 += p.figures.rejections_403;
        total.gave_up += p.figures.gave_up;
    }
    total.requests = all_requests;
    total.dials_ringing_nobody = t
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Dial && r.devices.is_empty())
        .count() as u32;
    total.stale_bindings_at_end = t
        .final_state
        .contacts
        .iter()
        .filter(|c| c.reaches.is_none())
        .count() as u32;
    Outcome {
        version: t.version.clone(),
        total,
        phones,
    }
}

/// One incident of a run, as far as comparing needs it (small enough to send
/// between workers instead of a whole trace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spell {
    pub device: String,
    pub state: Reach,
    pub start_ms: SimMs,
    /// `None`: lasted to the end.
    pub end_ms: Option<SimMs>,
}

/// A run's incidents and its end: what [`differences`] compares.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spells {
    pub end_ms: SimMs,
    pub spells: Vec<Spell>,
}

pub fn spells(t: &Trace) -> Spells {
    Spells {
        end_ms: t.end_ms,
        spells: t
            .devices
            .iter()
            .flat_map(|d| &d.incidents)
            .map(|i| Spell {
                device: i.device.clone(),
                state: i.state,
                start_ms: i.start_ms,
                end_ms: i.end_ms,
            })
            .collect(),
    }
}

/// One incident that only one side has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    pub change: Change,
    pub device: String,
    pub state: Reach,
    pub start_ms: SimMs,
    /// `None`: lasted to the end.
    pub end_ms: Option<SimMs>,
    pub text: String,
}

/// Which side has an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// A has it, B does not.
    Removes,
    /// B has it, A does not.
    Adds,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Change::Removes => "removes",
            Change::Adds => "adds",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub sets: Vec<String>,
    pub a: Outcome,
    pub b: Outcome,
    pub differences: Vec<Difference>,
    /// The difference list in plain words, built from the typed fields above.
    pub summary: Vec<String>,
}

fn state_word(s: Reach) -> &'static str {
    match s {
        Reach::Stale => "unreachable spell (stale binding)",
        Reach::GaveUp => "lost registration (gave up)",
        _ => "lost registration",
    }
}

fn lost(s: Reach) -> bool {
    matches!(s, Reach::Unregistered | Reach::GaveUp)
}

/// Incidents of `x` with no overlapping incident of the same kind (lost vs stale)
/// for the same phone in `y`.
fn only_in(x: &Spells, y: &Spells, change: Change, out: &mut Vec<Difference>) {
    let end = |e: Option<SimMs>, s: &Spells| e.unwrap_or(s.end_ms);
    // A site has thousands of spells: look each phone's up once.
    let mut theirs: std::collections::HashMap<&str, Vec<&Spell>> = Default::default();
    for j in &y.spells {
        theirs.entry(j.device.as_str()).or_default().push(j);
    }
    for i in &x.spells {
        let same_phone = theirs
            .get(i.device.as_str())
            .map_or(&[][..], |v| v.as_slice());
        let matched = same_phone.iter().any(|j| {
            lost(j.state) == lost(i.state)
                && j.start_ms < end(i.end_ms, x)
                && i.start_ms < end(j.end_ms, y)
        });
        if !matched {
            out.push(Difference {
                change,
                device: i.device.clone(),
                state: i.state,
                start_ms: i.start_ms,
                end_ms: i.end_ms,
                text: format!(
                    "B {} {}'s {} {}–{}",
                    change.word(),
                    i.device,
                    state_word(i.state),
                    clock(i.start_ms),
                    clock(end(i.end_ms, x))
                ),
            });
        }
    }
}

/// What B removes (A's incidents B does not have) and adds.
pub fn differences(a: &Spells, b: &Spells) -> Vec<Difference> {
    let mut out = Vec::new();
    only_in(a, b, Change::Removes, &mut out);
    only_in(b, a, Change::Adds, &mut out);
    out
}

/// The difference list in words, with "B removes nothing" / "B adds nothing".
pub fn summary_lines(differences: &[Difference]) -> Vec<String> {
    let mut summary: Vec<String> = differences.iter().map(|d| d.text.clone()).collect();
    for c in [Change::Removes, Change::Adds] {
        if !differences.iter().any(|d| d.change == c) {
            summary.push(format!("B {} nothing", c.word()));
        }
    }
    summary
}

/// A against B: both outcomes and what B removes and adds.
pub fn compare(a: &Trace, b: &Trace, sets: &[String]) -> Comparison {
    let differences = differences(&spells(a), &spells(b));
    let (oa, ob) = (outcome(a), outcome(b));
    let mut summary = summary_lines(&differences);
    for (w, x, y) in [
        (
            "stale bindings ring nobody at the end",
            oa.total.stale_bindings_at_end,
            ob.total.stale_bindings_at_end,
        ),
        (
            "dials ring nobody",
            oa.total.dials_ringing_nobody,
            ob.total.dials_ringing_nobody,
        ),
    ] {
        if x != y {
            summary.push(format!("A: {x} {w}; B: {y}"));
        }
    }
    Comparison {
        sets: sets.to_vec(),
        a: oa,
        b: ob,
        differences,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TPL: &str = "pjsip.conf {\n[aor-tpl](!)\ntype=aor\nmax_contacts=1\n\n[101](aor-tpl)\n[102](aor-tpl)\n}\nuntil 1m\n";

    #[test]
    fn more_requests_is_a_cost_not_a_trade() {
        let base = Figures {
            requests: 100,
            ..Figures::default()
        };
        let at = |requests| Figures {
            requests,
            ..Figures::default()
        };
        assert!(at(1_000).worse_than(&base).is_empty());
        assert_eq!(traffic_factor(&base, &at(124)), None, "a retry or two");
        assert_eq!(traffic_factor(&base, &at(250)), Some(2.5));
        assert_eq!(traffic_factor(&base, &at(50)), None);
        // Traffic alone never ranks a change: it is not in the key.
        assert_eq!(at(50).key(), base.key());
    }

    #[test]
    fn set_overrides_in_the_section_and_leaves_the_template() {
        let t = apply_set(TPL, "aor.101.max_contacts=3").unwrap();
        assert!(t.contains("[101](aor-tpl)\nmax_contacts = 3\n[102]"), "{t}");
        assert!(t.contains("type=aor\nmax_contacts=1\n"), "{t}");
        let err = apply_set(TPL, "aor.101.max_contcts=3").unwrap_err();
        assert!(err.contains("did you mean 'max_contacts'"), "{err}");
        let err = apply_set(TPL, "aorr.101.max_contacts=3").unwrap_err();
        assert!(err.contains("did you mean 'aor'"), "{err}");
        let t = apply_sets(TPL, &["global.contact_expiration_check_interval=5".into()]).unwrap();
        assert!(t.contains("[global]\ntype = global\ncontact_expiration_check_interval = 5\n}"));
    }
}
