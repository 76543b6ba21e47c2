//! The page's editor colours and completes the scenario language from word
//! lists in www/src/editor/language.ts. They must be the parser's own lists:
//! this test fails the moment one side gains a word the other lacks.

use std::collections::BTreeSet;

fn ts_list(src: &str, name: &str) -> BTreeSet<String> {
    let start = src
        .find(&format!("export const {name} = ["))
        .unwrap_or_else(|| panic!("{name} not in language.ts"));
    let body = &src[start..];
    let body = &body[body.find('[').unwrap() + 1..body.find("];").unwrap()];
    body.split(',')
        .map(|w| w.trim().trim_matches('"').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn editor_word_lists_match_the_parser() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../www/src/editor/language.ts"
    );
    let Ok(src) = std::fs::read_to_string(path) else {
        panic!("{path} is missing: the editor's word lists moved; update this test");
    };
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(ts_list(&src, "STATEMENTS"), set(aorlab_sim::TOP_KEYWORDS));
    assert_eq!(ts_list(&src, "ACTIONS"), set(aorlab_sim::ACTIONS));
    assert_eq!(
        ts_list(&src, "DEVICE_OPTIONS"),
        set(aorlab_sim::DEVICE_OPTS)
    );
}
