//! Native = wasm: the generated scenarios, run in headless Chromium, give byte-identical JSON
//! traces to the native run of build.rs — as serde_json text computed inside wasm (all 500),
//! and as the page receives them (`run_scenario` → JavaScript objects → `JSON.stringify`,
//! every fifth, to keep the debug-build run short).
#![cfg(target_arch = "wasm32")]

use aorlab_parity::{line, SCENARIOS};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NATIVE: &str = include_str!(concat!(env!("OUT_DIR"), "/native.txt"));

/// Gives the browser a turn (a `setTimeout(0)`), so the driver's polls are answered while
/// hundreds of scenarios run.
async fn yield_to_browser() {
    let promise = Promise::new(&mut |resolve, _| {
        let set_timeout: Function = Reflect::get(&js_sys::global(), &"setTimeout".into())
            .expect("setTimeout")
            .into();
        set_timeout
            .call2(&JsValue::NULL, &resolve, &JsValue::from(0))
            .expect("setTimeout runs");
    });
    JsFuture::from(promise).await.expect("a timer resolves");
}

fn page_json(text: &str) -> String {
    let outcome = aorlab_wasm::run_scenario(text)
        .unwrap_or_else(|e| panic!("run_scenario threw: {:?}", JsValue::from(e)));
    let trace = Reflect::get(&outcome, &"trace".into()).expect("a trace");
    js_sys::JSON::stringify(&trace).expect("JSON").into()
}

#[wasm_bindgen_test]
async fn generated_traces_match_native() {
    let native: Vec<&str> = NATIVE.lines().collect();
    assert_eq!(
        native.len() as u64,
        SCENARIOS,
        "build.rs wrote every scenario"
    );
    let mut differ = Vec::new();
    for (seed, expected) in (0..SCENARIOS).zip(native) {
        let text = aorlab_gen::from_seed(seed);
        let trace = aorlab_sim::run_text(&text).expect("the generated scenario parses in wasm");
        let got = line(seed, &serde_json::to_string(&trace).unwrap());
        if got != expected {
            differ.push(format!("native {expected} / wasm {got}"));
        }
        if seed % 5 == 0 {
            let page = line(seed, &page_json(&text));
            if page != expected {
                differ.push(format!("native {expected} / page {page}"));
            }
        }
        yield_to_browser().await;
    }
    assert!(
        differ.is_empty(),
        "{} differences (seed digest length):\n{}\nreproduce natively: aorlab_gen::from_seed(seed)",
        differ.len(),
        differ.join("\n")
    );
}
