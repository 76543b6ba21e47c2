//! The whole pipeline on valid-looking scenarios (aorlab-gen turns the fuzzer's bytes into
//! choices): text → parse → run → trace → JSON, and the same text runs to the same JSON.
//!
//! Bounded so one input costs milliseconds, not a second: the world runs with a work budget
//! of [`WORK`] (the simulation's own deterministic guard, see `World::with_work_budget`; the
//! page allows 15 M). A generated world with 1 s keep-alives or a 1 % refresh over hours is
//! cut there, with the "simulation stopped" warning, after a few thousand records — the
//! events, the registrar and the trace up to that point are still all checked, and the
//! fuzzer's coverage feedback favours inputs whose timeline fits in the budget. Without it
//! the target ran 20–40 inputs a second, mostly repeating refreshes.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Binding-and-device re-evaluations one input may cost (≈ 500–1,000 records here).
const WORK: u64 = 10_000;

fn run(text: &str) -> aorlab_sim::Trace {
    match aorlab_sim::parse(text) {
        Ok((scenario, warnings)) => aorlab_sim::World::new(scenario)
            .with_work_budget(WORK)
            .run(warnings),
        Err(errors) => panic!("a generated scenario does not parse: {errors:?}\n{text}"),
    }
}

fuzz_target!(|data: &[u8]| aorlab_fuzz::within_cpu_limit(|| check(data)));

fn check(data: &[u8]) {
    let mut u = aorlab_gen::Unstructured::new(data);
    let Ok(text) = aorlab_gen::scenario(&mut u) else {
        return;
    };
    let trace = run(&text);
    let json = serde_json::to_string(&trace).expect("a trace serialises");
    for pair in trace.records.windows(2) {
        assert!(pair[0].at_ms <= pair[1].at_ms, "time went back\n{text}");
    }
    assert!(
        trace.records.iter().all(|r| r.at_ms <= trace.end_ms),
        "a record after the end\n{text}"
    );
    let _ = trace.state_at(trace.end_ms / 2);
    // Determinism is cheap to check on a fraction of the inputs only.
    if data.first() == Some(&0) {
        let again = serde_json::to_string(&run(&text)).unwrap();
        assert!(json == again, "same text, different trace\n{text}");
    }
}
