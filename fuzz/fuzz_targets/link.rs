//! Share-link decoder: any fragment decodes (possibly with a problem) without panicking, and
//! a link made from the decoded text decodes back to the same text and view.
#![no_main]

use aorlab_sim::link::{decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aorlab_fuzz::within_cpu_limit(|| check(data)));

fn check(data: &[u8]) {
    let fragment = String::from_utf8_lossy(data);
    let decoded = decode(&fragment);
    if decoded.problem.is_none() {
        let again = decode(&encode(&decoded.text, &decoded.view));
        assert_eq!(again.text, decoded.text, "re-encoded link lost text");
        assert_eq!(again.view, decoded.view, "re-encoded link lost the view");
    }
}
