//! The page's door into the simulation: a thin wasm-bindgen façade over `aorlab-sim`.
//!
//! No logic lives here. Every function converts its input, calls the sim crate and hands the
//! result to JavaScript as plain objects (maps become objects, not `Map`s).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use aorlab_sim as sim;

/// What [`run_scenario`] returns: the trace, or the diagnostics that stopped the run.
#[derive(Serialize)]
#[serde(untagged)]
enum RunOutcome {
    Ok {
        ok: bool,
        trace: sim::Trace,
    },
    Err {
        ok: bool,
        diagnostics: Vec<sim::Diagnostic>,
    },
}

impl RunOutcome {
    fn from_result(result: Result<sim::Trace, Vec<sim::Diagnostic>>) -> Self {
        match result {
            Ok(trace) => RunOutcome::Ok { ok: true, trace },
            Err(diagnostics) => RunOutcome::Err {
                ok: false,
                diagnostics,
            },
        }
    }
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(console_error_panic_hook::set_once);
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| {
        JsError::new(&format!(
            "aorlab: could not hand the result to the page: {e}"
        ))
    })
}

/// Runs scenario text. Returns `{ ok: true, trace }` or `{ ok: false, diagnostics }`.
#[wasm_bindgen]
pub fn run_scenario(text: &str) -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&RunOutcome::from_result(sim::run_text(text)))
}

/// The built-in demo scenario the page starts with.
#[wasm_bindgen]
pub fn demo_scenario() -> String {
    install_panic_hook();
    sim::DEMO_SCENARIO.to_string()
}

/// The version of this build, for the page footer and bug reports.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The JavaScript side is tested in a real browser (tests/browser.rs); this checks the
    // shape natively, so `cargo test --workspace` catches a broken contract early.
    #[test]
    fn outcome_is_ok_with_a_trace_or_not_ok_with_diagnostics() {
        let ok = serde_json::to_value(RunOutcome::from_result(sim::run_text(sim::DEMO_SCENARIO)))
            .unwrap();
        assert_eq!(ok["ok"], true);
        assert!(!ok["trace"]["records"].as_array().unwrap().is_empty());
        assert!(ok.get("diagnostics").is_none());

        let bad = serde_json::to_value(RunOutcome::from_result(sim::run_text(
            "this is not a scenario !!!\n",
        )))
        .unwrap();
        assert_eq!(bad["ok"], false);
        assert!(!bad["diagnostics"].as_array().unwrap().is_empty());
        assert!(bad.get("trace").is_none());
    }
}
