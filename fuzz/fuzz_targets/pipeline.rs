//! The whole pipeline on valid-looking scenarios (aorlab-gen turns the fuzzer's bytes into
//! choices): text → parse → run → trace → JSON, and the same text runs to the same JSON.
//!
//! Bounded so one input costs a fraction of a millisecond, not a second. Most inputs stand for
//! a short world ([`aorlab_gen::Size::SMALL`]: two AORs, two phones, four events, minutes);
//! one in 32, picked by the last byte (`aorlab_gen::fuzz_size`), for a full one (four AORs, eight phones, 24
//! events, hours). Every world runs with a work budget of [`WORK`] (the simulation's own
//! deterministic guard, see `World::with_work_budget`; the page allows 15 M): a world with
//! 1 s keep-alives or a 1 % refresh is cut there, with the "simulation stopped" warning,
//! and everything up to that point is still checked. The fuzzer's coverage feedback favours
//! fast inputs anyway; full worlds keep the combinations only they reach in the corpus.
//! Before (every world full, budget 10,000): 20–106 inputs a second.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Binding-and-device re-evaluations one input may cost (≈ 100 records of a full world, 40 of
/// a short one).
const WORK: u64 = 300;

/// Inputs whose first byte is a multiple of this also run their text a second time.
const TWICE_EVERY: u8 = 16;

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
    let Ok(text) = aorlab_gen::scenario_sized(&mut u, aorlab_gen::fuzz_size(data)) else {
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
    // Determinism doubles an input's cost, so it is checked on a sixteenth of them: the same
    // text run again must give byte-identical JSON.
    if data.first().is_some_and(|b| b % TWICE_EVERY == 0) {
        let again = serde_json::to_string(&run(&text)).unwrap();
        assert!(json == again, "same text, different trace\n{text}");
    }
}
