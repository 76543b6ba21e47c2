//! Scenario parser: any text gives a scenario or errors with a position inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aorlab_fuzz::within_cpu_limit(|| check(data)));

fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Err(errors) = aorlab_sim::parse(&text) {
        assert!(!errors.is_empty(), "an Err without a diagnostic");
    }
}
