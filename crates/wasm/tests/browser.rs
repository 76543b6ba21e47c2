//! The façade, run for real in headless Chromium (`cargo test -p aorlab-wasm --target
//! wasm32-unknown-unknown`, via the runner in .cargo/config.toml). These tests read the
//! JavaScript objects the page reads, so a change in shape or content shows up here first.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key))
        .unwrap_or_else(|_| panic!("no property `{key}` on {value:?}"))
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    get(value, key).as_string()
}

fn array(value: &JsValue, key: &str) -> Array {
    get(value, key)
        .dyn_into::<Array>()
        .unwrap_or_else(|_| panic!("`{key}` is not an array"))
}

fn run_demo() -> JsValue {
    let outcome = aorlab_wasm::run_scenario(&aorlab_wasm::demo_scenario())
        .unwrap_or_else(|e| panic!("run_scenario threw: {:?}", JsValue::from(e)));
    assert_eq!(
        get(&outcome, "ok"),
        JsValue::TRUE,
        "the demo must run: {outcome:?}"
    );
    get(&outcome, "trace")
}

#[wasm_bindgen_test]
fn demo_text_is_the_two_phone_max_contacts_story() {
    let demo = aorlab_wasm::demo_scenario();
    assert!(demo.contains("max_contacts"), "{demo}");
    assert!(demo.contains("alice"), "{demo}");
}

#[wasm_bindgen_test]
fn demo_trace_is_a_plain_object_with_records() {
    let trace = run_demo();
    // json_compatible(): objects, not Maps, so the page can read fields directly.
    assert!(trace.is_object());
    assert!(!trace.is_instance_of::<js_sys::Map>());
    assert!(get(&trace, "end_ms").as_f64().unwrap() > 0.0);
    assert!(array(&trace, "records").length() > 0);
}

#[wasm_bindgen_test]
fn demo_rejects_the_second_phone_with_403() {
    let trace = run_demo();
    let records = array(&trace, "records");
    let rejected = records
        .iter()
        .find(|r| text(r, "log").is_some_and(|log| log.contains("will exceed max contacts of 1")));
    let rejected = rejected.expect("a record with Asterisk's 'will exceed max contacts' line");
    let log = text(&rejected, "log").unwrap();
    assert!(log.contains("to AOR 'alice'"), "{log}");

    let forbidden = records.iter().any(|r| {
        let sip = get(&r, "sip");
        !sip.is_null()
            && !sip.is_undefined()
            && text(&sip, "first_line").is_some_and(|l| l.contains("403"))
    });
    assert!(forbidden, "a SIP response with status 403 is in the trace");
}

#[wasm_bindgen_test]
fn demo_keeps_exactly_the_first_phones_contact() {
    let trace = run_demo();
    let contacts = array(&get(&trace, "final_state"), "contacts");
    assert_eq!(contacts.length(), 1, "max_contacts=1 leaves one binding");
    let row = contacts.get(0);
    assert_eq!(text(&row, "aor").as_deref(), Some("alice"));
    let uri = text(&row, "uri").unwrap();
    assert!(uri.starts_with("sip:alice@"), "{uri}");
}

#[wasm_bindgen_test]
fn bad_text_gives_diagnostics_with_a_place() {
    let outcome = aorlab_wasm::run_scenario("this is not a scenario !!!\n").unwrap();
    assert_eq!(get(&outcome, "ok"), JsValue::FALSE);
    let diagnostics = array(&outcome, "diagnostics");
    assert!(diagnostics.length() > 0);
    let first = diagnostics.get(0);
    assert!(get(&first, "line").as_f64().unwrap() >= 1.0);
    assert!(text(&first, "message").is_some_and(|m| !m.is_empty()));
}

#[wasm_bindgen_test]
fn presets_reach_javascript_as_plain_objects() {
    let list = aorlab_wasm::presets().unwrap();
    let list: Array = list.dyn_into().expect("presets() is an array");
    assert!(list.length() >= 2);
    let nat = list
        .iter()
        .find(|p| text(p, "name").as_deref() == Some("nat-403"))
        .expect("nat-403 is a preset");
    assert!(text(&nat, "title").is_some_and(|t| !t.is_empty()));
    assert!(text(&nat, "lesson").is_some_and(|t| !t.is_empty()));
    assert!(text(&nat, "text").is_some_and(|t| t.contains("pjsip.conf")));
}

#[wasm_bindgen_test]
fn option_table_reaches_javascript() {
    let table: Array = aorlab_wasm::option_table().unwrap().dyn_into().unwrap();
    let max = table
        .iter()
        .find(|o| text(o, "name").as_deref() == Some("max_contacts"))
        .expect("max_contacts");
    assert_eq!(text(&max, "section").as_deref(), Some("aor"));
    assert_eq!(text(&max, "kind").as_deref(), Some("uint"));
}

#[wasm_bindgen_test]
fn controls_and_edits_reach_javascript() {
    let demo = aorlab_wasm::demo_scenario();
    let controls = aorlab_wasm::controls(&demo).unwrap();
    let aors = array(&controls, "aors");
    assert_eq!(text(&aors.get(0), "name").as_deref(), Some("alice"));
    // Where the value comes from, as fields the page reads.
    let max = get(&aors.get(0), "max_contacts");
    assert_eq!(
        text(&get(&max, "source"), "from").as_deref(),
        Some("section")
    );
    let edited =
        aorlab_wasm::edit_option(&demo, "aor", "alice", None, "max_contacts", "3").unwrap();
    assert_eq!(get(&edited, "ok").as_bool(), Some(true));
    assert!(text(&edited, "text").unwrap().contains("max_contacts = 3"));
    assert_eq!(
        array(&edited, "affects").get(0).as_string().as_deref(),
        Some("alice")
    );
    let refused =
        aorlab_wasm::edit_option(&demo, "aor", "nobody", None, "max_contacts", "3").unwrap();
    assert_eq!(get(&refused, "ok").as_bool(), Some(false));
    assert!(text(&refused, "problem").unwrap().contains("nobody"));
    assert!(aorlab_wasm::set_version(&demo, "13.17").contains("asterisk 13.17"));
}

#[wasm_bindgen_test]
fn links_round_trip_and_never_throw() {
    let demo = aorlab_wasm::demo_scenario();
    let fragment = aorlab_wasm::encode_link(&demo, Some(60_000.0), Some("log".into()));
    let decoded = aorlab_wasm::decode_link(&format!("#{fragment}")).unwrap();
    assert_eq!(text(&decoded, "text").as_deref(), Some(demo.as_str()));
    assert!(get(&decoded, "problem").is_null());
    assert_eq!(get(&get(&decoded, "view"), "t").as_f64(), Some(60_000.0));
    let damaged = aorlab_wasm::decode_link(&fragment[..fragment.len() / 2]).unwrap();
    assert!(text(&damaged, "problem").is_some());
}
