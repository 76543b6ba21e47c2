//! The `aorlab` command as a user runs it.

mod common;
use common::aorlab;

#[test]
fn presets_lists_name_then_title() {
    let (code, out, _) = aorlab(&["presets"]);
    assert_eq!(code, 0);
    let first = out
        .lines()
        .find(|l| l.starts_with("nat-403"))
        .expect("nat-403 listed");
    assert!(first.contains("403"), "{first}");
    assert!(out.lines().count() >= 10);
    let (code, text, _) = aorlab(&["presets", "--print", "nat-403"]);
    assert_eq!(code, 0);
    assert!(text.contains("pjsip.conf {"));
}

#[test]
fn run_preset_shows_the_lesson_in_the_summary() {
    let (code, out, _) = aorlab(&["run", "--preset", "nat-403"]);
    assert_eq!(code, 0);
    let summary = out
        .split("\nSummary (worst first)\n")
        .nth(1)
        .expect("summary");
    let first = summary.lines().next().unwrap_or_default();
    assert!(first.starts_with("  desk: unreachable 3m 49s"), "{summary}");
    assert!(
        first.contains("from 1:00 unreachable: home forgot the idle UDP mapping"),
        "{summary}"
    );
    assert!(
        first.contains("from 4:49 gave up, not registered: REGISTER rejected, 403 max_contacts"),
        "{summary}"
    );
    assert!(summary.contains("1 × 403"));
    assert!(!out.contains("403s"));
    assert!(out.contains("will exceed max contacts of 2"));
}

#[test]
fn json_is_byte_identical_across_runs() {
    let (_, a, _) = aorlab(&["run", "--preset", "tcp-drop", "--json"]);
    let (_, b, _) = aorlab(&["run", "--preset", "tcp-drop", "--json"]);
    assert!(a.len() > 1000);
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert!(v["records"].as_array().unwrap().len() > 10);
}

#[test]
fn streamed_json_is_the_compact_trace_on_one_line() {
    // `run --json` writes the trace straight to stdout (a whole site's is tens of
    // MB): the bytes are what printing one compact string gives, then a newline.
    let (code, out, _) = aorlab(&["run", "--preset", "nat-403", "--json"]);
    assert_eq!(code, 0);
    let t = aorlab_sim::run_text(aorlab_sim::preset("nat-403").unwrap().text).unwrap();
    assert!(
        out == serde_json::to_string(&t).unwrap() + "\n",
        "run --json is not the compact trace"
    );
    assert_eq!(out.lines().count(), 1);
}

#[test]
fn state_at_a_time() {
    let (code, out, _) = aorlab(&["run", "--preset", "three-phones", "--at", "2m"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.matches("sip:alice@").count(),
        3 + 3,
        "three rows and three dial entries:\n{out}"
    );
}

#[test]
fn check_reports_every_error_in_one_run() {
    let dir = std::env::temp_dir().join(format!("aorlab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("broken.aorlab");
    std::fs::write(&f, "asterisk 99\npjsip.conf {\n[a]\ntype=aor\nmax_contacts=x\n}\ndevce d a udp 1.2.3.4:5060\nat 5q register d\n").unwrap();
    let (code, _, err) = aorlab(&["check", f.to_str().unwrap()]);
    assert_eq!(code, 1);
    for needle in [
        ":1:10: error: unknown Asterisk version",
        ":5:",
        "max_contacts=x",
        ":7:1: error: unknown statement 'devce'",
        "did you mean 'device'?",
        ":8:4: error",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    // the bad value also makes Asterisk refuse the whole [a] object: listed under it
    assert!(
        err.contains("and 1 more caused by this:\n      5:14: Could not create an object of type 'aor' with id 'a'"),
        "{err}"
    );
    assert!(
        err.trim_end().ends_with("4 errors (+1 caused by them)"),
        "{err}"
    );
}

#[test]
fn links_round_trip_and_run() {
    let (code, link, _) = aorlab(&[
        "link",
        "preset:remove-existing",
        "--base",
        "https://docs.example/aorlab",
    ]);
    assert_eq!(code, 0);
    let link = link.trim();
    assert!(
        link.starts_with("https://docs.example/aorlab/#v1."),
        "{link}"
    );
    let (code, out, _) = aorlab(&["run", link]);
    assert_eq!(code, 0);
    assert!(out.contains("due to remove existing"));
    let (_, embed, _) = aorlab(&["link", "preset:demo", "--embed"]);
    assert!(embed
        .trim()
        .starts_with("http://127.0.0.1:8080/embed.html#v1."));
    let (code, _, err) = aorlab(&["run", &link[..link.len() - 40]]);
    assert_eq!(code, 1);
    assert!(err.contains("could not be opened"), "{err}");
}

fn fixture(name: &str) -> String {
    format!(
        "{}/../../tests/scenarios/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn a_users_own_file_with_templates_runs() {
    let (code, out, err) = aorlab(&["check", &fixture("office.aorlab")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok (0 warnings)"));
    let (code, out, _) = aorlab(&["run", &fixture("office.aorlab")]);
    assert_eq!(code, 0);
    // the NAT reboot at 20m strands desk101's binding until its next refresh
    assert!(
        out.contains("from 20:00 unreachable: office rebooted"),
        "{out}"
    );
    assert!(out.contains("Dial 102: rings"));
}

#[test]
fn the_broken_fixture_reports_everything() {
    let (code, _, err) = aorlab(&["check", &fixture("broken.aorlab")]);
    assert_eq!(code, 1);
    assert!(
        err.trim_end().ends_with("4 errors (+1 caused by them)"),
        "{err}"
    );
}
