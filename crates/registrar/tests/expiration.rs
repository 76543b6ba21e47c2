//! Reference §2.5: `registrar_get_expiration` — Contact param > Expires header >
//! default_expiration, clamped to [minimum, maximum], 0 never clamped, no 423.

mod common;
use aorlab_registrar::{config::Aor, expiration_for};
use common::*;

fn aor(min: u32, max: u32, def: u32) -> Aor {
    let mut a = Aor::new("a");
    a.minimum_expiration = min;
    a.maximum_expiration = max;
    a.default_expiration = def;
    a
}

#[test]
fn precedence_and_clamp_table() {
    let a = aor(60, 7200, 3600);
    // (contact param, Expires header) -> granted
    let table: &[(Option<u32>, Option<u32>, u32)] = &[
        (Some(120), Some(300), 120),
        (None, Some(300), 300),
        (None, None, 3600),
        (Some(0), Some(300), 0),
        (Some(300), Some(0), 300),
        (None, Some(0), 0),
        (Some(1), None, 60),
        (Some(59), None, 60),
        (Some(60), None, 60),
        (Some(7200), None, 7200),
        (Some(7201), None, 7200),
        (Some(u32::MAX), None, 7200),
    ];
    for &(c, h, want) in table {
        assert_eq!(expiration_for(&a, c, h), want, "contact {c:?} header {h:?}");
    }
}

#[test]
fn default_expiration_is_clamped_too() {
    assert_eq!(expiration_for(&aor(60, 7200, 10_000), None, None), 7200);
    assert_eq!(expiration_for(&aor(600, 7200, 100), None, None), 600);
}

#[test]
fn minimum_above_maximum_gives_minimum_to_short_and_maximum_to_long() {
    let a = aor(600, 300, 3600);
    assert_eq!(expiration_for(&a, Some(100), None), 600);
    assert_eq!(expiration_for(&a, Some(400), None), 600);
    assert_eq!(expiration_for(&a, Some(1000), None), 300);
    assert_eq!(expiration_for(&a, Some(0), None), 0);
}

#[test]
fn contact_param_beats_header_in_a_real_register() {
    let mut p = Pbx::new(&alice("max_contacts=3"));
    let out = p.ok(&reg("alice")
        .ce("sip:alice@10.0.0.1:5060", 120)
        .c("sip:alice@10.0.0.2:5060")
        .expires(300));
    assert_eq!(
        logs(&out)[..2],
        [
            "VERBOSE res_pjsip_registrar.c: Added contact 'sip:alice@10.0.0.1:5060' to AOR 'alice' with expiration of 120 seconds",
            "VERBOSE res_pjsip_registrar.c: Added contact 'sip:alice@10.0.0.2:5060' to AOR 'alice' with expiration of 300 seconds",
        ]
    );
    let e: Vec<u64> = p.r.bindings().map(|b| b.expiration).collect();
    let now_s = p.now / 1000;
    let mut want = vec![now_s + 120, now_s + 300];
    want.sort();
    let mut got = e.clone();
    got.sort();
    assert_eq!(got, want);
    // the 200 OK echoes the Expires header (clamped), not the contact params
    assert_eq!(resp_header(&out, "Expires").as_deref(), Some("300"));
}

#[test]
fn too_short_is_raised_silently_no_423() {
    let mut p = Pbx::new(&alice("max_contacts=1\nminimum_expiration=120"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060").expires(5));
    assert!(has_log(&out, "with expiration of 120 seconds"));
    assert_eq!(
        resp_contacts(&out),
        ["<sip:alice@10.0.0.1:5060>;expires=119"]
    );
    // the echoed Expires header is clamped the same way
    assert_eq!(resp_header(&out, "Expires").as_deref(), Some("120"));
    assert_eq!(resp_header(&out, "Min-Expires"), None);
}

#[test]
fn too_long_is_capped() {
    let mut p = Pbx::new(&alice("max_contacts=1\nmaximum_expiration=600"));
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 86400));
    assert!(has_log(&out, "with expiration of 600 seconds"));
    assert_eq!(
        resp_contacts(&out),
        ["<sip:alice@10.0.0.1:5060>;expires=599"]
    );
    assert_eq!(resp_header(&out, "Expires"), None);
}

#[test]
fn zero_is_a_removal_even_with_a_minimum() {
    let mut p = Pbx::new(&alice("max_contacts=1\nminimum_expiration=300"));
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let out = p.ok(&reg("alice").ce("sip:alice@10.0.0.1:5060", 0));
    assert_eq!(
        logs(&out),
        ["VERBOSE res_pjsip_registrar.c: Removed contact 'sip:alice@10.0.0.1:5060' from AOR 'alice' due to request"]
    );
    assert!(p.stored("alice").is_empty());
    assert!(resp_contacts(&out).is_empty());
    // Expires: 0 in the response stays 0
    p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060"));
    let out = p.ok(&reg("alice").c("sip:alice@10.0.0.1:5060").expires(0));
    assert_eq!(resp_header(&out, "Expires").as_deref(), Some("0"));
}

#[test]
fn misconfigured_min_above_max_in_a_register() {
    let mut p = Pbx::new(&alice(
        "max_contacts=2\nminimum_expiration=600\nmaximum_expiration=300",
    ));
    let out = p.ok(&reg("alice")
        .ce("sip:alice@10.0.0.1:5060", 100)
        .ce("sip:alice@10.0.0.2:5060", 1000));
    assert!(has_log(
        &out,
        "'sip:alice@10.0.0.1:5060' to AOR 'alice' with expiration of 600 seconds"
    ));
    assert!(has_log(
        &out,
        "'sip:alice@10.0.0.2:5060' to AOR 'alice' with expiration of 300 seconds"
    ));
}
