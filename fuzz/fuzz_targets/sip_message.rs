//! SIP message parser: any bytes; everything a registrar calls on a parsed message; and
//! printing a parsed message gives text that parses back and prints the same.
#![no_main]

use aorlab_sip::{exercise, exercise_fragment, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| aorlab_fuzz::within_cpu_limit(|| check(data)));

fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    exercise_fragment(&text);
    for line in text.split("\r\n") {
        if let Some((_, value)) = line.split_once(':') {
            exercise_fragment(value.trim());
        }
    }
    if let Ok(m) = Message::parse(&text) {
        exercise(&m);
    }
}
