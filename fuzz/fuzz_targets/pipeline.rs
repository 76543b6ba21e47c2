//! The whole pipeline on valid-looking scenarios (aorlab-gen turns the fuzzer's bytes into
//! choices): text → parse → run → trace → JSON, and the same text runs to the same JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = aorlab_gen::Unstructured::new(data);
    let Ok(text) = aorlab_gen::scenario(&mut u) else { return };
    let trace = match aorlab_sim::run_text(&text) {
        Ok(trace) => trace,
        Err(errors) => panic!("a generated scenario does not parse: {errors:?}\n{text}"),
    };
    let json = serde_json::to_string(&trace).expect("a trace serialises");
    for pair in trace.records.windows(2) {
        assert!(pair[0].at_ms <= pair[1].at_ms, "time went back\n{text}");
    }
    let _ = trace.state_at(trace.end_ms / 2);
    // Determinism is cheap to check on a fraction of the inputs only.
    if data.first() == Some(&0) {
        let again = serde_json::to_string(&aorlab_sim::run_text(&text).unwrap()).unwrap();
        assert!(json == again, "same text, different trace\n{text}");
    }
});
