//! Golden summaries: what `aorlab run --preset NAME` concludes, per preset.
//! A change in the registrar or the world that changes a conclusion shows up
//! here as a reviewed snapshot diff (`cargo insta review`).

use aorlab_sim::{clock, preset, run_text, PRESETS};

fn summary(name: &str) -> String {
    let t = run_text(preset(name).unwrap().text).unwrap();
    let mut s = format!("{}\n{}\n\n", t.title, t.lesson);
    // One line per phone, worst first; then every incident with its cause.
    for d in &t.devices {
        s.push_str(&format!(
            "{} (reachable {} of {})\n",
            d.line,
            clock(d.reachable_ms),
            clock(d.wanted_ms)
        ));
        for i in &d.incidents {
            s.push_str(&format!("  - {}\n", i.text));
        }
    }
    s.push_str("\nbindings:\n");
    for b in &t.bindings {
        s.push_str(&format!(
            "  {} {} {}..{} {}\n",
            b.aor,
            b.uri,
            clock(b.added_ms),
            b.removed_ms.map(clock).unwrap_or_else(|| "end".into()),
            b.ended_by
        ));
    }
    s
}

#[test]
fn preset_summaries() {
    for p in PRESETS {
        insta::assert_snapshot!(p.name, summary(p.name));
    }
}
