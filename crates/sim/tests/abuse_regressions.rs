//! Inputs the page under abuse (www/tests/abuse.test.mjs) and the fuzzer found, kept as tests.

use aorlab_sim::{parse, Severity, MAX_DEVICES};

const CONF: &str =
    "pjsip.conf {\n[alice]\ntype = aor\nmax_contacts = 1\n\n[alice]\ntype = endpoint\naors = alice\n}\n";

fn devices(n: usize) -> String {
    let mut text = format!("asterisk 22\n{CONF}");
    for i in 0..n {
        text += &format!(
            "device phone{i} alice udp 10.{}.{}.{}:5060\n",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        );
    }
    text
}

/// A pasted 5 MB file of 100,000 device lines: each device was checked against every earlier
/// one (quadratic: the page's worker gave up after 20 s). Now one error, the limit, named.
#[test]
fn pasted_file_of_100k_devices_gives_one_error_naming_the_limit() {
    let errors = parse(&devices(100_000)).unwrap_err();
    let errors: Vec<_> = errors
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{:?}", &errors[..errors.len().min(3)]);
    assert_eq!(
        errors[0].message,
        format!("100000 devices; the limit is {MAX_DEVICES}")
    );
}

/// The set that replaced the scan still finds a device declared twice, far apart.
#[test]
fn a_device_declared_twice_among_many_is_still_found() {
    let text = devices(MAX_DEVICES - 1) + "device phone7 alice udp 10.9.9.9:5060\n";
    let errors = parse(&text).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|d| d.message == "device 'phone7' is declared twice"),
        "{errors:?}"
    );
}

/// 50,000 actions naming unknown devices: each looked for a did-you-mean among all devices.
/// The first 100 get one; the rest the plain hint; every one is still reported.
#[test]
fn unknown_device_names_get_a_hint_only_for_the_first_hundred() {
    let mut text = devices(500);
    for i in 0..50_000 {
        text += &format!("at 5s register phone{i}x\n");
    }
    let errors = parse(&text).unwrap_err();
    let unknown: Vec<_> = errors
        .iter()
        .filter(|d| d.message.starts_with("no device named"))
        .collect();
    assert_eq!(unknown.len(), 50_000);
    assert_eq!(
        unknown[0].hint.as_deref(),
        Some("did you mean 'phone0'?"),
        "a typo near a real name still gets one"
    );
    assert_eq!(
        unknown[100].hint.as_deref(),
        Some("declare it with a 'device' line")
    );
}

/// The quick controls look each option up through the templates. On the fuzzer's
/// `[c](c,c,…)` chains (each section listing the one before it eight times) an option no
/// section sets was searched once per path, 8^15 of them: the page's controls never came
/// back. Each template is now searched once per depth. (The registrar reports the chain:
/// Asterisk copies every listing, so it reads only the first 1,000 options.)
#[test]
fn quick_controls_of_a_template_fan_out_come_back() {
    let mut conf = String::from("[c](!)\ntype = aor\n\n");
    for _ in 0..14 {
        conf += "[c](!,c,c,c,c,c,c,c,c)\n\n";
    }
    conf += "[alice](c)\n\n[alice]\ntype = endpoint\naors = alice\n";
    let text = format!("asterisk 22\npjsip.conf {{\n{conf}}}\nuntil 1m\n");
    let c = aorlab_sim::edit::controls(&text);
    let alice = c
        .aors
        .iter()
        .find(|a| a.name == "alice")
        .expect("alice's controls");
    // Nothing sets max_contacts: Asterisk's default (0), found after searching every template.
    assert_eq!(alice.max_contacts.value, 0);
    assert!(matches!(
        alice.max_contacts.source,
        aorlab_sim::edit::Source::Default
    ));
    let edited =
        aorlab_sim::edit::edit_option(&text, "aor", "alice", Some("c"), "max_contacts", "3")
            .expect("the template edit");
    assert!(edited.text.contains("max_contacts = 3"));
}
