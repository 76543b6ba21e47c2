//! Compare and Advise for the page: thin wrappers over `aorlab_sim::{compare, advise}`.
//!
//! The costly calls (`compare_texts`, `advise_start`, `advise_measure`) run whole
//! scenarios and belong in Web Workers; `advise_next_round` and `advise_conclude`
//! only read measured figures and are cheap enough for the page's own thread.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use aorlab_sim as sim;
use sim::advise::{Baseline, Job, Measured};

use super::{install_panic_hook, to_js};

/// `{ ok: true, value }` or `{ ok: false, problem }`: every call here answers with one.
#[derive(Serialize)]
#[serde(untagged)]
enum Answer<T: Serialize> {
    Ok { ok: bool, value: T },
    Err { ok: bool, problem: String },
}

fn answer<T: Serialize>(r: Result<T, String>) -> Result<JsValue, JsError> {
    to_js(&match r {
        Ok(value) => Answer::Ok { ok: true, value },
        Err(problem) => Answer::Err { ok: false, problem },
    })
}

fn from_js<T: DeserializeOwned>(v: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(v).map_err(|e| {
        JsError::new(&format!(
            "aorlab: {what} is not what the page should send: {e}"
        ))
    })
}

/// The text with `--set` changes applied (`aor.alice.max_contacts=3`, `asterisk=20`, …):
/// `{ ok, value: text }` or `{ ok: false, problem }`.
#[wasm_bindgen]
pub fn apply_sets(text: &str, sets: JsValue) -> Result<JsValue, JsError> {
    install_panic_hook();
    let sets: Vec<String> = from_js(sets, "the list of changes")?;
    answer(sim::compare::apply_sets(text, &sets))
}

/// Both sides of a comparison, run.
#[derive(Serialize)]
struct Compared {
    a: Box<sim::Trace>,
    b: Box<sim::Trace>,
    comparison: sim::compare::Comparison,
}

fn compare_both(a: &str, b: &str, sets: &[String]) -> Result<Compared, String> {
    let run = |side: &str, text: &str| {
        sim::run_text(text).map_err(|d| {
            let first = d.first().map_or(String::new(), |d| {
                format!(" (line {}:{}: {})", d.line, d.col, d.message)
            });
            format!("side {side} has {} problem(s){first}", d.len())
        })
    };
    let (ta, tb) = (run("A", a)?, run("B", b)?);
    let comparison = sim::compare::compare(&ta, &tb, sets);
    Ok(Compared {
        a: Box::new(ta),
        b: Box::new(tb),
        comparison,
    })
}

/// Runs A and B and compares them: `{ ok, value: { a, b, comparison } }`.
/// `sets` only labels B (the changes it was made with, may be empty).
#[wasm_bindgen]
pub fn compare_texts(a: &str, b: &str, sets: JsValue) -> Result<JsValue, JsError> {
    install_panic_hook();
    let sets: Vec<String> = from_js(sets, "the list of changes")?;
    answer(compare_both(a, b, &sets))
}

/// Runs the scenario as written: `{ ok, value: { baseline, jobs } }`.
#[wasm_bindgen]
pub fn advise_start(text: &str) -> Result<JsValue, JsError> {
    install_panic_hook();
    answer(sim::advise::start(text))
}

/// Runs one job: `{ ok, value: measured }`. `progress(at_ms, until_ms)` is called as the
/// run goes (every few thousand events), for the page's progress bar.
#[wasm_bindgen]
pub fn advise_measure(
    text: &str,
    job: JsValue,
    progress: Option<js_sys::Function>,
) -> Result<JsValue, JsError> {
    install_panic_hook();
    let job: Job = from_js(job, "an advise job")?;
    answer(sim::advise::measure_with(text, &job, |p| {
        if let Some(f) = &progress {
            // A progress callback that throws must not stop the run.
            let _ = f.call2(
                &JsValue::NULL,
                &JsValue::from_f64(p.at_ms as f64),
                &JsValue::from_f64(p.until_ms as f64),
            );
        }
    }))
}

/// The next round of jobs (empty when the search is over). Cheap: no runs.
#[wasm_bindgen]
pub fn advise_next_round(baseline: JsValue, measured: JsValue) -> Result<JsValue, JsError> {
    install_panic_hook();
    let baseline: Baseline = from_js(baseline, "the baseline")?;
    let measured: Vec<Measured> = from_js(measured, "the measured jobs")?;
    to_js(&sim::advise::next_round(&baseline, &measured))
}

/// The ranked advice. Cheap: no runs.
#[wasm_bindgen]
pub fn advise_conclude(baseline: JsValue, measured: JsValue) -> Result<JsValue, JsError> {
    install_panic_hook();
    let baseline: Baseline = from_js(baseline, "the baseline")?;
    let measured: Vec<Measured> = from_js(measured, "the measured jobs")?;
    to_js(&sim::advise::conclude(&baseline, &measured))
}

/// The share-link fragment for both sides of a comparison (opens into Compare).
#[wasm_bindgen]
pub fn encode_pair_link(a: &str, b: &str, t: Option<f64>) -> String {
    install_panic_hook();
    sim::link::encode_pair(a, b, &super::view_of(t, Some("compare".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_both_runs_each_side_and_names_the_broken_one() {
        let nat = sim::preset("nat-403").unwrap().text;
        let b = sim::compare::apply_sets(nat, &["aor.alice.max_contacts=3".into()]).unwrap();
        let c = compare_both(nat, &b, &[]).unwrap();
        assert!(c
            .comparison
            .differences
            .iter()
            .any(|d| d.change == sim::compare::Change::Removes));
        let err = compare_both(nat, "nonsense here\n", &[]).err().unwrap();
        assert!(err.starts_with("side B has"), "{err}");
    }

    #[test]
    fn advise_steps_pass_plain_values() {
        // What the page does: start, measure each job (in workers), next rounds, conclude,
        // with every value going through JSON as it does through postMessage.
        let text = sim::preset("nat-403").unwrap().text;
        let s = sim::advise::start(text).unwrap();
        let base: Baseline =
            serde_json::from_value(serde_json::to_value(&s.baseline).unwrap()).unwrap();
        let mut measured: Vec<Measured> = Vec::new();
        let mut jobs = s.jobs.clone();
        while !jobs.is_empty() {
            for j in &jobs {
                let m = sim::advise::measure(text, j).unwrap();
                measured.push(serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap());
            }
            jobs = sim::advise::next_round(&base, &measured);
        }
        let advice = sim::advise::conclude(&base, &measured);
        assert_eq!(advice, sim::advise::advise(text).unwrap());
        assert!(advice.suggestions[0].removes_every_lost_registration);
    }
}
