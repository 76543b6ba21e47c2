//! Share links: links made by earlier versions must open to the same scenario
//! forever (golden files), and every preset fits in a short link.

use aorlab_sim::link::{decode, encode, View};
use aorlab_sim::PRESETS;

#[derive(serde::Deserialize, serde::Serialize)]
struct Golden {
    name: String,
    link: String,
    text: String,
    view: View,
}

const GOLDEN_V1: &str = include_str!("golden/links-v1.json");

#[test]
fn old_links_keep_opening_to_the_same_scenario() {
    let golden: Vec<Golden> = serde_json::from_str(GOLDEN_V1).unwrap();
    assert!(golden.len() >= 10);
    for g in &golden {
        let d = decode(&g.link);
        assert_eq!(d.problem, None, "{}", g.name);
        assert_eq!(d.text, g.text, "{}", g.name);
        assert_eq!(d.view, g.view, "{}", g.name);
    }
}

/// Regenerate with `UPDATE_GOLDEN_LINKS=1 cargo test -p aorlab-sim --test links`
/// only when adding a new format; never rewrite an existing golden file.
#[test]
fn write_golden_when_asked() {
    if std::env::var("UPDATE_GOLDEN_LINKS").is_err() {
        return;
    }
    let golden: Vec<Golden> = PRESETS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let view = View {
                t: Some(i as u64 * 60_000),
                panel: Some(["contacts", "ladder", "log"][i % 3].into()),
            };
            Golden {
                name: p.name.into(),
                link: encode(p.text, &view),
                text: p.text.into(),
                view,
            }
        })
        .collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/links-v1.json");
    std::fs::write(path, serde_json::to_string_pretty(&golden).unwrap()).unwrap();
}

#[test]
fn presets_make_short_links() {
    for p in PRESETS {
        let n = encode(p.text, &View::default()).len();
        let lines = p.text.lines().count();
        eprintln!("{:<20} {lines:>3} lines → {n:>4} chars", p.name);
        if lines <= 30 {
            assert!(n <= 700, "{}: {lines} lines make {n} characters", p.name);
        }
    }
}

#[test]
fn damaged_links_never_panic() {
    let link = encode(PRESETS[2].text, &View::default());
    let bytes = link.as_bytes();
    let mut x: u64 = 99;
    for _ in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut b = bytes.to_vec();
        let i = 3 + (x as usize) % (b.len() - 3);
        match x % 3 {
            0 => b[i] ^= 1 << ((x >> 8) % 7),
            1 => b.truncate(i),
            _ => b.insert(i, b"!<>\"'%"[(x >> 20) as usize % 6]),
        }
        let d = decode(&String::from_utf8_lossy(&b));
        assert!(d.problem.is_some() || !d.text.is_empty());
    }
}
