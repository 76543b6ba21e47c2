//! The same scenario text gives a byte-identical trace.

use aorlab_sim::{run_text, PRESETS};

#[test]
fn same_text_same_json() {
    for p in PRESETS {
        let a = serde_json::to_string(&run_text(p.text).unwrap()).unwrap();
        let b = serde_json::to_string(&run_text(p.text).unwrap()).unwrap();
        assert_eq!(a, b, "{}", p.name);
    }
}

#[test]
fn the_seed_changes_nat_ports() {
    let text = aorlab_sim::preset("nat-403").unwrap().text;
    let a = serde_json::to_string(&run_text(text).unwrap()).unwrap();
    let b = serde_json::to_string(&run_text(&text.replace("seed 7", "seed 8")).unwrap()).unwrap();
    assert_ne!(a, b);
}
