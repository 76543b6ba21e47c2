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

/// `[c](c,c,…)` chains (the `pjsip_conf` fuzz target, 3.9 KB → 1.9 s and 737 MB): Asterisk
/// copies a template's options once per listing, so each step multiplies. Resolving every
/// listed template again made the work grow with the number of paths; this chain has 16^11
/// of them, so that version never returns. Now each category takes at most 1,000 options
/// from its templates, and says so.
#[test]
fn template_fan_out_is_bounded_and_reported() {
    let fan_out = vec!["c"; 16].join(",");
    let mut text = String::from("[c]\ntype = aor\nmax_contacts = 3\n");
    for _ in 0..11 {
        text.push_str(&format!("[c]({fan_out})\n"));
    }
    let (config, diags) = parse_pjsip_conf(&text);
    // The options Asterisk copies first still arrive.
    assert_eq!(config.aors["c"].max_contacts, 3);
    let limit: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("inherits more than 1000 options"))
        .collect();
    // 16^k × 2 options pass 1,000 from the third chained section on (lines 6..=14).
    assert_eq!(
        limit.iter().map(|d| d.line).collect::<Vec<_>>(),
        (6..=14).collect::<Vec<_>>(),
        "{limit:?}"
    );
    assert!(limit[0]
        .hint
        .as_deref()
        .unwrap()
        .contains("list each template once"));
    // Bounded output: the limits and the redefinition warnings, nothing per copy.
    assert!(diags.len() < 40, "{} diagnostics", diags.len());
}

/// The same chain with an unknown option in the base: every copy is reported (as Asterisk
/// would trip over each), so before the limit the diagnostics alone grew with 8^k.
#[test]
fn template_fan_out_reports_at_most_the_limit_per_category() {
    let mut text = String::from("[c]\ntype = aor\nbogus_option = 1\n");
    for _ in 0..6 {
        text.push_str("[c](c,c,c,c,c,c,c,c)\n");
    }
    let (_, diags) = parse_pjsip_conf(&text);
    let unknown = diags
        .iter()
        .filter(|d| d.message.contains("bogus_option"))
        .count();
    // Before: 1 + 8 + 64 + … + 8^6 = 299,593 reports of line 3.
    assert!(
        unknown <= 7 * 1000,
        "{unknown} reports of the unknown option"
    );
    assert!(unknown >= 1 + 8 + 64 + 512, "{unknown}");
}

/// What templates copy into the whole file is bounded too (500,000 options), so many
/// categories each just under the per-category limit cannot add up without end; the limit
/// is reported once, where it is hit.
#[test]
fn templates_copy_at_most_the_file_limit() {
    let mut text = String::from("[t](!)\ntype = aor\n");
    for i in 0..998 {
        text.push_str(&format!("mailboxes = {i}\n"));
    }
    for i in 0..520 {
        text.push_str(&format!("[p{i}](t)\n"));
    }
    let (config, diags) = parse_pjsip_conf(&text);
    let hit: Vec<_> = diags
        .iter()
        .filter(|d| d.message.contains("templates have copied 500000 options"))
        .collect();
    assert_eq!(hit.len(), 1, "{hit:?}");
    assert!(hit[0].message.contains("[p500]"), "{}", hit[0].message);
    // The categories before the limit are whole; p500 and later lost (some of) their options.
    assert_eq!(config.aors["p499"].mailboxes, "997");
    assert!(!config.aors.contains_key("p519"));
}

/// Memoised resolution keeps Asterisk's order: a template listed twice is copied twice,
/// `+=` extends the value inherited last, later templates win, and a problem in a shared
/// template is reported once per category that reaches it.
#[test]
fn shared_templates_resolve_as_before() {
    let text = "\
[base](!)
type = aor
max_contacts = 1
mailboxes = a
[two](!,base)
mailboxes += b
[odd](!,base,nowhere)
max_contacts = 2
[phone](two,odd,two)
[phone2](odd,odd)
";
    let (config, diags) = parse_pjsip_conf(text);
    assert_eq!(config.aors["phone"].max_contacts, 1);
    assert_eq!(config.aors["phone"].mailboxes, "ab");
    assert_eq!(config.aors["phone2"].max_contacts, 2);
    let nowhere: Vec<(u32, Option<(u32, u32)>)> = diags
        .iter()
        .filter(|d| d.message.contains("'nowhere'"))
        .map(|d| (d.line, d.cause))
        .collect();
    // Reported at line 7 once for [phone] and once for [phone2], which follows from the first.
    assert_eq!(nowhere, vec![(7, None), (7, Some((7, 1)))], "{diags:?}");
}
