//! A run the page's worker drives in slices and then questions: `Session` keeps the scenario
//! running (or its finished trace) in wasm memory, so progress can be posted between slices,
//! a cancel is a terminated worker, and the page receives only what it draws.

use wasm_bindgen::prelude::*;

use aorlab_sim as sim;

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::Deserialize;

use crate::queries::{Finished, RecordFilter, RecordQuery};
use crate::{install_panic_hook, to_js};

thread_local! {
    /// A smaller work budget for the page's tests (`work_budget_for_test`); `None`: the
    /// engine's own.
    static BUDGET: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
    /// A smaller record budget for the page's tests (`record_budget_for_test`).
    static RECORDS: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Sets the work budget of the sessions made after it (0: the engine's own), so the page's
/// tests can see a run cut by the budget without simulating a huge site. Never called by the
/// page itself.
#[wasm_bindgen]
pub fn work_budget_for_test(budget: f64) {
    let b = (budget.is_finite() && budget >= 1.0).then_some(budget as u64);
    BUDGET.set(b);
}

/// Sets how many records the sessions made after it keep (0: the engine's own), so the
/// page's tests can see a run cut by the record guard without a site that fails for hours.
/// Never called by the page itself.
#[wasm_bindgen]
pub fn record_budget_for_test(budget: f64) {
    let b = (budget.is_finite() && budget >= 1.0).then_some(budget as usize);
    RECORDS.set(b);
}

enum Stage {
    /// Parsed, running.
    Running(Box<sim::Run>),
    Done(Box<Finished>),
    /// The text did not parse.
    Refused(Vec<sim::Diagnostic>),
    /// Only while a stage is being replaced.
    Gone,
}

#[wasm_bindgen]
pub struct Session {
    stage: Stage,
    /// Where the scenario asked to stop (a cut run's progress ends earlier).
    until_ms: u64,
}

fn done(s: &Session) -> Result<&Finished, JsError> {
    match &s.stage {
        Stage::Done(f) => Ok(f),
        _ => Err(JsError::new("aorlab: the run has not finished")),
    }
}

#[wasm_bindgen]
impl Session {
    /// Parses the text; `problems()` says whether it can run.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Session {
        install_panic_hook();
        let run = sim::parse(text).map(|(scenario, warnings)| {
            let mut world = sim::World::new(scenario);
            if let Some(budget) = BUDGET.get() {
                world = world.with_work_budget(budget);
            }
            if let Some(budget) = RECORDS.get() {
                world = world.with_record_budget(budget);
            }
            world.start(warnings)
        });
        match run {
            Ok(run) => Session {
                until_ms: run.progress().until_ms,
                stage: Stage::Running(Box::new(run)),
            },
            Err(problems) => Session {
                stage: Stage::Refused(problems),
                until_ms: 0,
            },
        }
    }

    /// The errors that stop this text from running, or `null`.
    pub fn problems(&self) -> Result<JsValue, JsError> {
        match &self.stage {
            Stage::Refused(p) => to_js(p),
            _ => Ok(JsValue::NULL),
        }
    }

    /// Runs at most `max_events` more events; `{ at_ms, until_ms, events, done }`. When done,
    /// the trace is kept here for the queries below.
    pub fn advance(&mut self, max_events: u32) -> Result<JsValue, JsError> {
        let Stage::Running(run) = &mut self.stage else {
            return Err(JsError::new("aorlab: nothing left to run"));
        };
        let progress = run.advance(max_events);
        if progress.done {
            let Stage::Running(run) = std::mem::replace(&mut self.stage, Stage::Gone) else {
                unreachable!("matched above")
            };
            self.stage = Stage::Done(Box::new(Finished::new(run.finish(), self.until_ms)));
        }
        to_js(&progress)
    }

    /// The finished run for the views, without its records (see `queries::RunView`).
    pub fn view(&self) -> Result<JsValue, JsError> {
        to_js(&done(self)?.view())
    }

    /// The contacts and dial strings at `t`, those matching `filter`, at most `limit` each.
    pub fn state_at(&self, t: f64, filter: &str, limit: u32) -> Result<JsValue, JsError> {
        let t = if t.is_finite() { t.max(0.0) as u64 } else { 0 };
        to_js(&done(self)?.state_at(t, &filter.to_lowercase(), limit as usize))
    }

    /// Records around a moment: those matching the filter (empty strings match all; `kind` is
    /// a record kind's name), at most `before` at or before `around_ms` and `after` after it →
    /// `{ items: [{ index, record }], matched, total, first, at }`. Plain arguments rather than
    /// an object: a deserializer for one would cost the module kilobytes.
    #[allow(clippy::too_many_arguments)]
    pub fn records(
        &mut self,
        device: String,
        aor: String,
        kind: &str,
        text: &str,
        messages: bool,
        around_ms: f64,
        before: u32,
        after: u32,
    ) -> Result<JsValue, JsError> {
        let kind = if kind.is_empty() {
            None
        } else {
            Some(
                sim::RecordKind::deserialize(StrDeserializer::<ValueError>::new(kind))
                    .map_err(|_| JsError::new(&format!("aorlab: no record kind '{kind}'")))?,
            )
        };
        let q = RecordQuery {
            filter: RecordFilter {
                device,
                aor,
                kind,
                text: text.to_lowercase(),
                messages,
            },
            around_ms: around_ms.max(0.0) as u64,
            before,
            after,
        };
        match &mut self.stage {
            Stage::Done(f) => to_js(&f.records(&q)),
            _ => Err(JsError::new("aorlab: the run has not finished")),
        }
    }

    /// One record by its index, or `null`.
    pub fn record(&self, index: u32) -> Result<JsValue, JsError> {
        to_js(&done(self)?.record(index))
    }

    /// The timeline's marker rows between `from` and `to` (see `queries::MarkerRow`).
    pub fn markers(
        &self,
        from: f64,
        to: f64,
        buckets: u32,
        max_items: u32,
    ) -> Result<JsValue, JsError> {
        let from = from.max(0.0) as u64;
        let to = (to.max(0.0) as u64).max(from);
        to_js(&done(self)?.markers(from, to, buckets, max_items))
    }

    /// The next moment something happened after `t` (`dir` > 0) or the last one before it.
    pub fn step(&self, t: f64, dir: i32) -> Result<f64, JsError> {
        Ok(done(self)?.step(t.max(0.0) as u64, dir) as f64)
    }
}
