//! What a log cannot tell is said, not guessed: a log without the packet logger
//! is refused with what it does have; registrar lines whose REGISTER is not in
//! the log (the logger was off then) are a blind spot at their line.

mod common;
use aorlab_capture::{read, BlindSpot, Place};
use common::{answer, register};

const ADDED: &str = "[2026-11-30 09:24:40.100] VERBOSE[7] res_pjsip_registrar.c: Added contact 'sip:alice@192.0.2.10:40009' to AOR 'alice' with expiration of 60 seconds\n";

#[test]
fn a_log_without_the_packet_logger_says_what_it_has() {
    let e = read(ADDED.as_bytes()).unwrap_err();
    assert!(
        e.message.contains("1 registrar lines") && e.message.contains("no packet-logger blocks"),
        "{e}"
    );
    assert!(e.hint.unwrap().contains("pjsip set logger on"));
}

#[test]
fn registrar_lines_without_their_register_mean_the_logger_was_off() {
    // The logger was turned on after a phone registered at 09:24:40.
    let log = format!(
        "{ADDED}{}{}",
        register("09:24:45.000", "a", 40001, 1),
        answer("09:24:45.001", "a", 40001, 1, "200 OK", &[40001])
    );
    let cap = read(log.as_bytes()).unwrap();
    assert!(cap.blind_spots.contains(&BlindSpot::UnloggedRegisters));
    let w = cap
        .warnings
        .iter()
        .find(|w| w.message.contains("packet logger was off"))
        .unwrap();
    assert_eq!(w.place, Some(Place::Line(1)));
    // With the REGISTER logged just before its line, nothing is said.
    let fine = format!(
        "{}{}",
        register("09:24:45.000", "a", 40001, 1),
        ADDED.replace("09:24:40.100", "09:24:45.001")
    );
    let cap = read(fine.as_bytes()).unwrap();
    assert!(!cap.blind_spots.contains(&BlindSpot::UnloggedRegisters));
}
