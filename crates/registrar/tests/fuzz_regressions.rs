//! Inputs the fuzzer (fuzz/, `cargo xtask fuzz`) found, kept as regression tests.

use aorlab_registrar::parse_pjsip_conf;

/// A multi-byte character inside a `;-- … --;` block comment: the comment scanner stepped
/// one byte at a time and sliced the line inside the character (panic).
#[test]
fn block_comment_around_multibyte_text() {
    let text = "[alice]\ntype = aor\n;-- a block comment with ü and 大 --; max_contacts = 2\nremove;--istin\u{fffd} = no\n";
    let (config, _) = parse_pjsip_conf(text);
    assert_eq!(config.aors["alice"].max_contacts, 2);
}

/// The did-you-mean hint survives the bounded distance that keeps long garbage words cheap.
#[test]
fn misspelt_option_still_gets_a_hint_and_garbage_gets_none() {
    let (_, diags) = parse_pjsip_conf("[alice]\ntype = aor\nmax_contact = 2\n");
    assert!(
        diags
            .iter()
            .any(|d| d.hint.as_deref() == Some("did you mean 'max_contacts'?")),
        "{diags:?}"
    );
    let garbage = "x".repeat(20_000);
    let (_, diags) = parse_pjsip_conf(&format!("[alice]\ntype = aor\n{garbage} = 2\n"));
    assert!(diags.iter().all(|d| d
        .hint
        .as_deref()
        .is_none_or(|h| !h.starts_with("did you mean"))));
}
