//! Diagnostics a person can act on: follow-on problems grouped under their cause,
//! and places that point at the word, not at column 1.

use aorlab_sim::{parse, Severity};

/// One typo in a template read by three AORs, whose endpoints then name AORs that
/// Asterisk refused: one entry with everything else under it.
const TEMPLATE_TYPO: &str = "\
pjsip.conf {
[aor-tpl](!)
type = aor
max_contact = 2
[101](aor-tpl)
[102](aor-tpl)
[103](aor-tpl)
[ep-tpl](!)
type = endpoint
[101](ep-tpl)
aors = 101
[102](ep-tpl)
aors = 102
[103](ep-tpl)
aors = 103
}
device a 101 udp 10.0.0.1:5060
at 0s register a
";

#[test]
fn a_template_typo_is_one_entry_with_its_follow_ons() {
    let diags = match parse(TEMPLATE_TYPO) {
        Ok((_, w)) => w,
        Err(d) => d,
    };
    let at_typo: Vec<_> = diags.iter().filter(|d| d.line == 4).collect();
    assert_eq!(at_typo.len(), 1, "{diags:#?}");
    let cause = at_typo[0];
    assert!(
        cause.message.contains("named 'max_contact'"),
        "{}",
        cause.message
    );
    assert_eq!(
        (cause.col, cause.end_col),
        (1, 12),
        "underlines the option name"
    );
    assert_eq!(cause.hint.as_deref(), Some("did you mean 'max_contacts'?"));
    assert_eq!(cause.follow_ons.len(), 8, "{:#?}", cause.follow_ons);
    let creates = cause
        .follow_ons
        .iter()
        .filter(|d| {
            d.message
                .starts_with("Could not create an object of type 'aor'")
        })
        .count();
    let endpoints = cause
        .follow_ons
        .iter()
        .filter(|d| d.message.contains("lists AOR"))
        .count();
    assert_eq!((creates, endpoints), (3, 3));
    // Nothing else is reported on its own about the same cause.
    assert!(
        !diags
            .iter()
            .any(|d| d.line != 4 && d.message.contains("lists AOR")),
        "{diags:#?}"
    );
    let text = cause.to_string();
    assert!(text.contains("and 8 more caused by this:"), "{text}");
}

#[test]
fn unrelated_problems_stay_apart() {
    let text = "\
pjsip.conf {
[a]
type = aor
max_contacts = lots
[b]
type = aor
max_contacts = 0
[b]
type = endpoint
aors = b
}
until 1h
";
    let diags = parse(text).unwrap_err();
    let bad = diags.iter().find(|d| d.line == 4).expect("the bad value");
    assert_eq!(bad.severity, Severity::Error);
    assert_eq!(bad.col, 16, "points at the value");
    assert_eq!(bad.follow_ons.len(), 1, "its refusal: {bad:#?}");
    assert!(diags.iter().any(|d| d.message.contains("max_contacts = 0")));
}

#[test]
fn names_point_at_the_word() {
    let text = "\
pjsip.conf {
[alice]
type = aor
max_contacts = 1
[alice]
type = endpoint
aors = alice
}
nat home public 203.0.113.7
device mobile alice udp 10.0.0.1:5060 behind hom
device desk bob udp 10.0.0.2:5060
at 0s register mobile mob104
at 1m nat house reboot
";
    let diags = parse(text).unwrap_err();
    let find = |needle: &str| {
        diags
            .iter()
            .find(|d| d.message.contains(needle))
            .unwrap_or_else(|| panic!("no '{needle}' in {diags:#?}"))
    };
    let d = find("no device named 'mob104'");
    assert_eq!((d.line, d.col, d.end_col), (12, 23, 29));
    let d = find("behind NAT 'hom'");
    assert_eq!((d.line, d.col), (10, 46));
    let d = find("registers as 'bob'");
    assert_eq!((d.line, d.col, d.end_col), (11, 13, 16));
    let d = find("no NAT named 'house'");
    assert_eq!((d.line, d.col), (13, 11));
}
