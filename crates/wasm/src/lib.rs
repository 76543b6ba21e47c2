//! The page's door into the simulation: a thin wasm-bindgen façade over `aorlab-sim`.
//!
//! No registrar or world logic lives here. Every function converts its input, calls the sim
//! crate and hands the result to JavaScript as plain objects (maps become objects, not `Map`s);
//! `Session` (session.rs) keeps a run in wasm memory and answers the page's windowed queries
//! (queries.rs) so the page never holds a whole site-size trace.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use aorlab_sim as sim;

mod compare;
#[cfg(test)]
mod generated;
mod queries;
mod session;
mod site;
pub use session::Session;
pub use site::site_scenario;

/// What [`run_scenario`] returns: the trace, or the diagnostics that stopped the run.
#[derive(Serialize)]
#[serde(untagged)]
enum RunOutcome {
    Ok {
        ok: bool,
        trace: Box<sim::Trace>,
    },
    Err {
        ok: bool,
        diagnostics: Vec<sim::Diagnostic>,
    },
}

impl RunOutcome {
    fn from_result(result: Result<sim::Trace, Vec<sim::Diagnostic>>) -> Self {
        match result {
            Ok(trace) => RunOutcome::Ok {
                ok: true,
                trace: Box::new(trace),
            },
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

/// One built-in scenario for the presets menu.
#[derive(Serialize)]
struct PresetEntry {
    name: &'static str,
    title: &'static str,
    lesson: &'static str,
    text: &'static str,
}

fn preset_entries() -> Vec<PresetEntry> {
    sim::PRESETS
        .iter()
        .map(|p| PresetEntry {
            name: p.name,
            title: p.title(),
            lesson: p.lesson(),
            text: p.text,
        })
        .collect()
}

/// Every built-in preset: `[{ name, title, lesson, text }]`.
#[wasm_bindgen]
pub fn presets() -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&preset_entries())
}

/// The registrar's option table (`[{ section, name, kind, …, default, doc }]`), for the
/// editor's completion: the same table the parser reads, so they never drift.
#[wasm_bindgen]
pub fn option_table() -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&aorlab_registrar::config::options::OPTIONS)
}

/// One entry of the version menu.
#[derive(Serialize)]
struct ReleaseEntry {
    /// What to write after `asterisk`: `22` for a branch's latest, `20.16` for a change.
    value: String,
    /// The full release: `22.11.0`.
    release: String,
    latest_of_branch: bool,
    /// What changed in the registrar at this release (empty for a plain branch latest).
    changes: Vec<String>,
}

fn release_entries() -> Vec<ReleaseEntry> {
    aorlab_registrar::Profile::milestones()
        .into_iter()
        .map(|m| {
            let p = aorlab_registrar::Profile::parse(&m.version).expect("table releases parse");
            let value = if m.latest_of_branch {
                p.major.to_string()
            } else if p.patch == 0 {
                format!("{}.{}", p.major, p.minor)
            } else {
                m.version.clone()
            };
            ReleaseEntry {
                value,
                release: m.version,
                latest_of_branch: m.latest_of_branch,
                changes: m.what,
            }
        })
        .collect()
}

/// The version menu: every branch's latest release and every release where
/// registrar behaviour changes, oldest first, each with what changed there:
/// `[{ value, release, latest_of_branch, changes: [...] }]`.
#[wasm_bindgen]
pub fn asterisk_releases() -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&release_entries())
}

/// What the quick controls show: `{ version, aors: [...], endpoints: [...] }`.
#[wasm_bindgen]
pub fn controls(text: &str) -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&sim::edit::controls(text))
}

/// Sets `option = value` for object `[name]` of type `kind`: in its own section when
/// `template` is undefined, else in that template of its chain. Returns
/// `{ ok: true, text, line, affects: [section names] }` or `{ ok: false, problem }`.
#[wasm_bindgen]
pub fn edit_option(
    text: &str,
    kind: &str,
    name: &str,
    template: Option<String>,
    option: &str,
    value: &str,
) -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&EditOutcome::from(sim::edit::edit_option(
        text,
        kind,
        name,
        template.as_deref(),
        option,
        value,
    )))
}

/// What [`edit_option`] returns.
#[derive(Serialize)]
#[serde(untagged)]
enum EditOutcome {
    Ok {
        ok: bool,
        #[serde(flatten)]
        edited: sim::edit::Edited,
    },
    Err {
        ok: bool,
        problem: String,
    },
}

impl From<Result<sim::edit::Edited, String>> for EditOutcome {
    fn from(r: Result<sim::edit::Edited, String>) -> Self {
        match r {
            Ok(edited) => EditOutcome::Ok { ok: true, edited },
            Err(problem) => EditOutcome::Err { ok: false, problem },
        }
    }
}

/// The text with its `asterisk VERSION` line set.
#[wasm_bindgen]
pub fn set_version(text: &str, version: &str) -> String {
    install_panic_hook();
    sim::edit::set_version(text, version)
}

fn view_of(t: Option<f64>, panel: Option<String>) -> sim::link::View {
    sim::link::View {
        t: t.filter(|t| t.is_finite() && *t >= 0.0).map(|t| t as u64),
        panel,
    }
}

/// The share-link fragment (`v1.…`, without `#`) for a scenario and optional view.
#[wasm_bindgen]
pub fn encode_link(text: &str, t: Option<f64>, panel: Option<String>) -> String {
    install_panic_hook();
    sim::link::encode(text, &view_of(t, panel))
}

/// Opens a link fragment (with or without `#`, or a whole URL). Never throws:
/// `{ text, view: { t, panel }, problem }`, `problem` set (and `text` what could be
/// recovered) when the link is damaged or refused.
#[wasm_bindgen]
pub fn decode_link(fragment: &str) -> Result<JsValue, JsError> {
    install_panic_hook();
    to_js(&sim::link::decode(sim::link::fragment_of(fragment)))
}

/// The limits the parser and the link codec enforce (aorlab-sim), for the page to name them.
#[derive(Serialize)]
struct Limits {
    devices: usize,
    events: usize,
    duration_ms: u64,
    /// Characters of a share link's fragment.
    link_chars: usize,
    /// UTF-8 bytes of text (with its view line) a share link may inflate to.
    link_text_bytes: usize,
}

/// `{ devices, events, duration_ms, link_chars, link_text_bytes }`.
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    to_js(&Limits {
        devices: sim::MAX_DEVICES,
        events: sim::MAX_EVENTS,
        duration_ms: sim::MAX_DURATION_MS,
        link_chars: sim::link::MAX_LINK_CHARS,
        link_text_bytes: sim::link::MAX_INFLATED_BYTES,
    })
}

/// Panics on purpose: lets the page's tests check that a panic inside wasm is caught,
/// shown, and survived. Never called by the page itself.
#[wasm_bindgen]
pub fn panic_for_test() {
    install_panic_hook();
    panic!("aorlab: panic_for_test was called");
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

    #[test]
    fn presets_have_names_titles_lessons_and_text() {
        let all = serde_json::to_value(preset_entries()).unwrap();
        let all = all.as_array().unwrap();
        assert_eq!(all.len(), sim::PRESETS.len());
        for p in all {
            for key in ["name", "title", "lesson", "text"] {
                assert!(!p[key].as_str().unwrap().is_empty(), "{key} of {p}");
            }
        }
        assert!(all.iter().any(|p| p["name"] == "nat-403"));
    }

    #[test]
    fn option_table_has_kinds_and_docs() {
        let table = serde_json::to_value(aorlab_registrar::config::options::OPTIONS).unwrap();
        let max = table
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["section"] == "aor" && o["name"] == "max_contacts")
            .expect("max_contacts is in the table");
        assert_eq!(max["kind"], "uint");
        assert!(!max["doc"].as_str().unwrap().is_empty());
    }

    #[test]
    fn links_round_trip_and_damage_is_a_value() {
        let f = encode_link(sim::DEMO_SCENARIO, Some(5000.0), Some("ladder".into()));
        assert!(f.starts_with("v1."));
        let d = serde_json::to_value(sim::link::decode(&f)).unwrap();
        assert_eq!(d["text"], sim::DEMO_SCENARIO);
        assert_eq!(d["view"]["t"], 5000);
        assert_eq!(d["view"]["panel"], "ladder");
        assert!(d["problem"].is_null());
        let bad = serde_json::to_value(sim::link::decode("v1.!!!")).unwrap();
        assert!(bad["problem"].is_string());
        assert_eq!(view_of(Some(f64::NAN), None).t, None);
    }

    #[test]
    fn releases_list_branch_latests_and_changes() {
        let r = release_entries();
        let find = |v: &str| r.iter().find(|e| e.value == v);
        assert_eq!(find("22").unwrap().release, "22.11.0");
        assert_eq!(find("18").unwrap().release, "18.26.4");
        assert!(find("20.16")
            .unwrap()
            .changes
            .iter()
            .any(|c| c.contains("sorted by id")));
        // every value is a version the scenario language accepts
        for e in &r {
            assert!(
                aorlab_registrar::Profile::parse(&e.value).is_ok(),
                "{}",
                e.value
            );
        }
    }

    #[test]
    fn controls_edit_the_text() {
        let c = serde_json::to_value(sim::edit::controls(sim::DEMO_SCENARIO)).unwrap();
        assert_eq!(c["aors"][0]["name"], "alice");
        assert!(c["aors"][0]["max_contacts"]["value"].is_number());
        assert!(c["aors"][0]["max_contacts"]["source"]["from"].is_string());
        let e = serde_json::to_value(EditOutcome::from(sim::edit::edit_option(
            sim::DEMO_SCENARIO,
            "aor",
            "alice",
            None,
            "max_contacts",
            "4",
        )))
        .unwrap();
        assert_eq!(e["ok"], true);
        assert_eq!(e["affects"][0], "alice");
        let bad = serde_json::to_value(EditOutcome::from(sim::edit::edit_option(
            sim::DEMO_SCENARIO,
            "aor",
            "nobody",
            None,
            "max_contacts",
            "4",
        )))
        .unwrap();
        assert_eq!(bad["ok"], false);
        assert!(bad["problem"].is_string());
        assert!(set_version(sim::DEMO_SCENARIO, "16.8").contains("asterisk 16.8"));
    }
}
