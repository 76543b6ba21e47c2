//! What if: `--set TYPE.SECTION.OPTION=VALUE` changes applied to a scenario's
//! pjsip.conf, and two finished runs compared. Passes over text and traces, not
//! code inside the event loop.

use crate::duration::clock;
use crate::edit::{controls, edit_global, edit_option, set_version};
use crate::scenario::SimMs;
use crate::trace::{Reach, RecordKind, Trace};
use aorlab_registrar::config::options;
use serde::Serialize;

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
                .map(|e| e.text)
                .map_err(|e| {
                    let c = controls(text);
                    let names: Vec<&str> = match kind {
                        "aor" => c.aors.iter().map(|a| a.name.as_str()).collect(),
                        "endpoint" => c.endpoints.iter().map(|a| a.name.as_str()).collect(),
                        _ => Vec::new(),
                    };
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

/// Apply every change in order.
pub fn apply_sets(text: &str, sets: &[String]) -> Result<String, String> {
    sets.iter()
        .try_fold(text.to_string(), |t, s| apply_set(&t, s))
}

/// The figures a run is judged by (a whole site, or one phone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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

    /// Which figures are worse than in `base` (a trade-off), in words.
    pub fn worse_than(&self, base: &Figures) -> Vec<String> {
        let mut w = Vec::new();
        let ms = |n: &str, a: SimMs, b: SimMs, w: &mut Vec<String>| {
            if a > b {
                w.push(format!(
                    "{n} {} → {}",
                    crate::format_duration(b),
                    crate::format_duration(a)
                ))
            }
        };
        ms(
            "time not registered",
            self.not_registered_ms,
            base.not_registered_ms,
            &mut w,
        );
        ms(
            "time unreachable",
            self.unreachable_ms,
            base.unreachable_ms,
            &mut w,
        );
        let n = |name: &str, a: u32, b: u32, w: &mut Vec<String>| {
            if a > b {
                w.push(format!("{name} {b} → {a}"))
            }
        };
        n("403s", self.rejections_403, base.rejections_403, &mut w);
        n("phones giving up", self.gave_up, base.gave_up, &mut w);
        n(
            "dials ringing nobody",
            self.dials_ringing_nobody,
            base.dials_ringing_nobody,
            &mut w,
        );
        n(
            "stale bindings at the end",
            self.stale_bindings_at_end,
            base.stale_bindings_at_end,
            &mut w,
        );
        w
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhoneFigures {
    pub device: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A run's outcome: totals and per-phone figures (worst first, as in the trace).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub version: String,
    pub total: Figures,
    pub phones: Vec<PhoneFigures>,
}

pub fn outcome(t: &Trace) -> Outcome {
    let mut total = Figures::default();
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

/// One incident that only one side has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// `removes`: A has it, B does not; `adds`: B has it, A does not.
    pub change: &'static str,
    pub device: String,
    pub state: Reach,
    pub start_ms: SimMs,
    /// `None`: lasted to the end.
    pub end_ms: Option<SimMs>,
    pub text: String,
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
fn only_in(x: &Trace, y: &Trace, change: &'static str, out: &mut Vec<Difference>) {
    let end = |e: Option<SimMs>, t: &Trace| e.unwrap_or(t.end_ms);
    for d in &x.devices {
        let other = y.devices.iter().find(|o| o.device == d.device);
        for i in &d.incidents {
            let matched = other.is_some_and(|o| {
                o.incidents.iter().any(|j| {
                    lost(j.state) == lost(i.state)
                        && j.start_ms < end(i.end_ms, x)
                        && i.start_ms < end(j.end_ms, y)
                })
            });
            if !matched {
                out.push(Difference {
                    change,
                    device: d.device.clone(),
                    state: i.state,
                    start_ms: i.start_ms,
                    end_ms: i.end_ms,
                    text: format!(
                        "B {change} {}'s {} {}–{}",
                        d.device,
                        state_word(i.state),
                        clock(i.start_ms),
                        clock(end(i.end_ms, x))
                    ),
                });
            }
        }
    }
}

/// A against B: both outcomes and what B removes and adds.
pub fn compare(a: &Trace, b: &Trace, sets: &[String]) -> Comparison {
    let mut differences = Vec::new();
    only_in(a, b, "removes", &mut differences);
    only_in(b, a, "adds", &mut differences);
    let (oa, ob) = (outcome(a), outcome(b));
    let mut summary: Vec<String> = differences.iter().map(|d| d.text.clone()).collect();
    if !differences.iter().any(|d| d.change == "removes") {
        summary.push("B removes nothing".into());
    }
    if !differences.iter().any(|d| d.change == "adds") {
        summary.push("B adds nothing".into());
    }
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
