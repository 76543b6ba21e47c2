//! What if, grounded in the captured traffic: the captured REGISTERs replayed
//! (exactly as captured, at their captured times, from their captured source
//! addresses) against the registrar model with changed settings. Which
//! REGISTERs would have been answered differently, why (the model's log lines,
//! in Asterisk's words), and how long each phone would have stayed registered.
//! Settings change with `aorlab run --set`'s syntax and edit logic.

use crate::check::{captured_answer, differences, replay, Answer, CheckReport, Difference};
use crate::evidence::{Capture, Micros};
use crate::registered::{registered_ms, stretches, Stretch};
use crate::story::Story;
use aorlab_registrar::{parse_pjsip_conf, Profile};
use aorlab_sim::edit::Controls;
use serde::Serialize;

/// What the replay cannot know, said with every what-if.
pub const CANNOT_KNOW: &[&str] = &[
    "The replay sends only the captured REGISTERs, at their captured times. A phone answered 200 instead of 403 would in reality have stopped retrying, and one refused instead of accepted would have retried or given up: those requests are not in the capture, so the what-if cannot show them.",
    "Registered time is read from the 200 OKs (Asterisk's, or the model's): a binding counts from the 200 that lists it until its listed expiry, or until a later 200 for the same AOR no longer lists it. A removal between REGISTERs (qualify, a closed TCP connection) shows at the next 200 only.",
    "Bindings stored before the capture began are unknown; the model starts with none.",
];

/// One captured REGISTER the changed settings would answer differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Changed {
    /// Index into `Story::registers`.
    pub register: usize,
    pub at_us: Micros,
    pub clock: String,
    pub device: String,
    pub captured: Option<Answer>,
    pub whatif: Option<Answer>,
    pub differences: Vec<Difference>,
    /// Why, in Asterisk's words: the model's registrar log lines for this REGISTER.
    pub why: Vec<String>,
    /// With the site's own pjsip.conf the model already answers this one
    /// differently from Asterisk: the change is not (only) what moves it.
    pub baseline_differs: bool,
}

/// One device's registered time: captured against what-if.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceTime {
    pub device: String,
    pub captured: Vec<Stretch>,
    pub whatif: Vec<Stretch>,
    pub captured_ms: u64,
    pub whatif_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// The changes, as given (`TYPE.SECTION.OPTION=VALUE`, `asterisk=RELEASE`).
    pub sets: Vec<String>,
    /// The release the what-if model plays.
    pub release: String,
    /// The pjsip.conf with the changes made.
    pub conf: String,
    /// REGISTERs with a captured answer (the ones compared).
    pub compared: usize,
    pub changed: Vec<Changed>,
    pub devices: Vec<DeviceTime>,
    /// The capture's span, for "registered N of M".
    pub span_ms: u64,
    pub cannot_know: Vec<&'static str>,
}

/// A bare pjsip.conf as the scenario editor reads it.
fn as_scenario(conf: &str) -> String {
    format!("pjsip.conf {{\n{}\n}}\n", conf.trim_end_matches('\n'))
}

/// The quick controls' values for a pjsip.conf (each with where it is written),
/// so the page offers the same settings as the playground's controls.
pub fn controls(conf: &str) -> Controls {
    aorlab_sim::edit::controls(&as_scenario(conf))
}

/// Apply `--set` changes to a bare pjsip.conf with the scenario editor's logic
/// (`aorlab run --set`): the conf goes into a scenario's `pjsip.conf {` block
/// and back out. Returns the changed conf and the release an `asterisk=` set named.
pub fn edit_conf(conf: &str, sets: &[String]) -> Result<(String, Option<String>), String> {
    if conf.lines().any(|l| l.trim() == "}") {
        return Err(
            "this pjsip.conf has a line with only '}', which --set cannot edit around".into(),
        );
    }
    let edited = aorlab_sim::compare::apply_sets(&as_scenario(conf), sets)?;
    let lines: Vec<&str> = edited.lines().collect();
    let release = lines.iter().find_map(|l| {
        let mut w = l.split_whitespace();
        (w.next() == Some("asterisk")).then(|| w.next().map(str::to_string))?
    });
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("pjsip.conf {"))
        .ok_or("the edited pjsip.conf block is gone")?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.trim() == "}")
        .ok_or("the edited pjsip.conf block has no end")?
        + start
        + 1;
    let mut out = lines[start + 1..end].join("\n");
    out.push('\n');
    Ok((out, release))
}

/// `[2026-11-30 09:24:45.573] VERBOSE res_pjsip_registrar.c: Added …` →
/// `res_pjsip_registrar.c: Added …` (the time is on the row already).
fn without_stamp(line: &str) -> String {
    line.strip_prefix('[')
        .and_then(|l| l.split_once("] "))
        .and_then(|(_, rest)| rest.split_once(' '))
        .map_or(line, |(_, rest)| rest)
        .to_string()
}

/// The registrar's own lines for a REGISTER (its reason, in Asterisk's words);
/// side effects logged elsewhere (qualify) only when it logged nothing itself.
fn why(log: &[String]) -> Vec<String> {
    let lines: Vec<String> = log.iter().map(|l| without_stamp(l)).collect();
    let own: Vec<String> = lines
        .iter()
        .filter(|l| {
            l.starts_with("res_pjsip_registrar.c:") || l.starts_with("res_pjsip/location.c:")
        })
        .cloned()
        .collect();
    if own.is_empty() {
        lines
    } else {
        own
    }
}

/// When the capture ends: its last message or event.
pub fn capture_end(cap: &Capture) -> Micros {
    let p = cap.packets.last().map_or(0, |p| p.at_us);
    let e = cap.events.last().map_or(0, |e| e.at_us());
    p.max(e)
}

/// Per device, its registered stretches as Asterisk's captured 200 OKs list them.
pub fn captured_stretches(cap: &Capture, story: &Story) -> Vec<Vec<Stretch>> {
    let answers: Vec<(usize, Option<Answer>)> = story
        .registers
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.retransmission)
        .map(|(i, r)| (i, captured_answer(cap, r)))
        .collect();
    let refs: Vec<(usize, Option<&Answer>)> =
        answers.iter().map(|(i, a)| (*i, a.as_ref())).collect();
    stretches(cap, story, &refs, capture_end(cap))
}

/// The what-if: replay with `conf` (already changed) and `profile`, against the
/// captured answers; `baseline` is the check with the site's own conf.
pub fn what_if(
    cap: &Capture,
    story: &Story,
    sets: &[String],
    conf: &str,
    profile: Profile,
    baseline: &CheckReport,
    contact_order: bool,
) -> WhatIf {
    let steps = replay(cap, story, &parse_pjsip_conf(conf).0, profile);
    let mut changed = Vec::new();
    let mut compared = 0;
    for step in &steps {
        let r = &story.registers[step.register];
        let captured = captured_answer(cap, r);
        if captured.is_none() {
            continue;
        }
        compared += 1;
        let diffs = differences(cap, &captured, step, contact_order);
        if diffs.is_empty() {
            continue;
        }
        changed.push(Changed {
            register: step.register,
            at_us: step.at_us,
            clock: crate::report::clock(step.at_us),
            device: story.devices[r.device].name.clone(),
            captured,
            whatif: step.model.clone(),
            differences: diffs,
            why: why(&step.log),
            baseline_differs: baseline
                .verdicts
                .iter()
                .any(|v| v.register == step.register && !v.differences.is_empty()),
        });
    }
    let end = capture_end(cap);
    let model: Vec<(usize, Option<&Answer>)> = steps
        .iter()
        .map(|s| (s.register, s.model.as_ref()))
        .collect();
    let whatif = stretches(cap, story, &model, end);
    let captured = captured_stretches(cap, story);
    let start = cap.packets.first().map_or(end, |p| p.at_us);
    WhatIf {
        sets: sets.to_vec(),
        release: profile.to_string(),
        conf: conf.to_string(),
        compared,
        changed,
        devices: story
            .devices
            .iter()
            .zip(captured.into_iter().zip(whatif))
            .map(|(d, (c, w))| DeviceTime {
                device: d.name.clone(),
                captured_ms: registered_ms(&c),
                whatif_ms: registered_ms(&w),
                captured: c,
                whatif: w,
            })
            .collect(),
        span_ms: end.saturating_sub(start) / 1000,
        cannot_know: CANNOT_KNOW.to_vec(),
    }
}
