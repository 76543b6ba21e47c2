//! `aorlab run --set`, `compare` and `advise` as a user runs them.

use serde_json::Value;

mod common;
use common::aorlab;

fn json(args: &[&str]) -> Value {
    let (code, out, err) = aorlab(args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).expect("JSON")
}

fn total_403(trace: &Value) -> u64 {
    trace["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rejections_403"].as_u64().unwrap())
        .sum()
}

#[test]
fn nat_403_first_suggestion_applied_with_set_leaves_no_403() {
    let adv = json(&["advise", "--preset", "nat-403", "--json"]);
    assert!(!adv["already_right"].as_bool().unwrap());
    assert_eq!(adv["before"]["total"]["rejections_403"], 1);
    let first = &adv["suggestions"][0];
    assert_eq!(first["removes_every_lost_registration"], true);
    let mut args = vec!["run", "--preset", "nat-403", "--json"];
    let sets: Vec<String> = first["set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert!(!sets.is_empty());
    for s in &sets {
        args.push("--set");
        args.push(s);
    }
    let before = json(&["run", "--preset", "nat-403", "--json"]);
    assert_eq!(total_403(&before), 1);
    let after = json(&args);
    assert_eq!(total_403(&after), 0, "{sets:?}");
    assert!(after["devices"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["unregistered_ms"] == 0 && d["gave_up"] == false));
    // The search is bounded and says how many runs it made.
    let runs = adv["runs"].as_u64().unwrap();
    assert!((2..=200).contains(&runs), "{runs}");
}

/// remove-existing: three phones behind a NAT that forgets idle mappings. The
/// stale spells of `evict` are fixed only by traffic through the NAT (qualify or
/// keep-alives), never by a registrar option alone.
#[test]
fn remove_existing_advice_names_qualify_or_keepalives_for_stale_spells() {
    let adv = json(&["advise", "--preset", "remove-existing", "--json"]);
    let notes: Vec<&str> = adv["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["text"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("evict and refuse are unreachable")
                && n.contains("keep-alives")),
        "{notes:?}"
    );
    let registrar_only = |s: &Value| {
        s["set"].as_array().unwrap().iter().all(|x| {
            let x = x.as_str().unwrap();
            [
                "max_contacts",
                "remove_existing",
                "remove_unavailable",
                "rewrite_contact",
            ]
            .iter()
            .any(|o| x.contains(o))
        })
    };
    let sugg = adv["suggestions"].as_array().unwrap();
    for s in sugg.iter().filter(|s| registrar_only(s)) {
        assert!(s["after"]["unreachable_ms"].as_u64().unwrap() > 0, "{s}");
    }
    // What does remove all stale time: qualify below the NAT timeout, or keep-alives.
    let clears: Vec<&Value> = sugg
        .iter()
        .filter(|s| s["after"]["unreachable_ms"] == 0)
        .collect();
    assert!(!clears.is_empty());
    for s in clears {
        assert!(s["set"].as_array().unwrap().iter().any(|x| x
            .as_str()
            .unwrap()
            .contains("aor.evict.qualify_frequency=")
            || x.as_str()
                .unwrap()
                .contains("aor.evict.maximum_expiration=")));
    }
    let phone = &adv["phone_side"][0];
    assert!(phone["change"].as_str().unwrap().contains("keepalive"));
    assert_eq!(phone["after"]["unreachable_ms"], 0);
}

/// With qualify already below the NAT's timeout, a stale spell after Asterisk's restart
/// comes from the restart's silence: the note says so, and does not offer a shorter
/// qualify_frequency (the phones already have one); keep-alives do fix it.
#[test]
fn a_stale_spell_after_a_restart_is_blamed_on_the_restart_not_on_qualify() {
    let dir = std::env::temp_dir().join(format!("aorlab-restart-note-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("restart.aorlab");
    let aors: String = ["a1", "a2"]
        .iter()
        .map(|a| format!("[{a}](phone-ep)\naors = {a}\n[{a}](phone-aor)\n"))
        .collect();
    std::fs::write(
        &file,
        format!(
            "title restart gap\nasterisk 22\nseed 1\npjsip.conf {{\n[phone-ep](!)\ntype = endpoint\nrewrite_contact = yes\n[phone-aor](!)\ntype = aor\nmax_contacts = 2\nremove_existing = yes\nqualify_frequency = 60\n{aors}}}\nnat n1 public 203.0.113.1 udp-timeout 120s\ndevice a1 a1 udp 10.2.0.2:5060 behind n1 expires 600\ndevice a2 a2 udp 10.2.0.3:5060 behind n1 expires 600\nat 0s register a1 a2\nat 20m50s asterisk restart graceful down 20s\nuntil 40m\n"
        ),
    )
    .unwrap();
    let adv = json(&["advise", file.to_str().unwrap(), "--json"]);
    let note = adv["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "nat_forgets_idle")
        .expect("a NAT note");
    assert_eq!(note["qualify_s"], 60, "{note}");
    assert_eq!(note["outage_at_ms"], 1_250_000, "{note}");
    assert_eq!(note["nats"], serde_json::json!(["n1"]));
    let text = note["text"].as_str().unwrap();
    assert!(
        text.contains("around Asterisk's restart at 20:50"),
        "{text}"
    );
    assert!(!text.contains("qualify_frequency below"), "{text}");
    assert_eq!(adv["phone_side"][0]["after"]["unreachable_ms"], 0);
    std::fs::remove_dir_all(&dir).ok();
}

/// A change's cost in traffic is on the record: maximum_expiration=60 makes nat-403's
/// phones refresh about every 30 s instead of every 150 s, and the requests say so.
#[test]
fn the_requests_figure_shows_what_a_shorter_expiry_costs() {
    let c = json(&[
        "compare",
        "--preset",
        "nat-403",
        "--set",
        "aor.alice.maximum_expiration=60",
        "--json",
    ]);
    let (a, b) = (
        c["a"]["total"]["requests"].as_u64().unwrap(),
        c["b"]["total"]["requests"].as_u64().unwrap(),
    );
    assert!(a > 0 && b > 4 * a, "A {a} requests, B {b}");
    let (_, out, _) = aorlab(&[
        "compare",
        "--preset",
        "nat-403",
        "--set",
        "aor.alice.maximum_expiration=60",
    ]);
    assert!(
        out.contains(&format!("SIP requests (REGISTER, OPTIONS): {b}")),
        "{out}"
    );
}

#[test]
fn a_scenario_with_every_setting_right_says_so() {
    let (code, out, _) = aorlab(&["advise", "--preset", "three-phones"]);
    assert_eq!(code, 0);
    assert!(out.contains("every setting is already right"), "{out}");
    let adv = json(&["advise", "--preset", "three-phones", "--json"]);
    assert_eq!(adv["already_right"], true);
    assert_eq!(adv["suggestions"].as_array().unwrap().len(), 0);
    assert_eq!(adv["runs"], 1);
}

#[test]
fn compare_lists_what_b_removes_and_adds() {
    let c = json(&[
        "compare",
        "--preset",
        "nat-403",
        "--set",
        "aor.alice.max_contacts=3",
        "--json",
    ]);
    assert_eq!(c["a"]["total"]["rejections_403"], 1);
    assert_eq!(c["b"]["total"]["rejections_403"], 0);
    let diffs = c["differences"].as_array().unwrap();
    assert!(diffs.iter().any(|d| d["change"] == "removes"
        && d["device"] == "desk"
        && d["state"] == "gave_up"
        && d["end_ms"].is_null()));
    // More room means desk's old binding stays: B adds stale spells for desk.
    assert!(diffs
        .iter()
        .any(|d| d["change"] == "adds" && d["state"] == "stale"));
    let (code, out, _) = aorlab(&[
        "compare",
        "--preset",
        "nat-403",
        "--set",
        "aor.alice.max_contacts=3",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("B removes desk's lost registration (gave up) 4:49–30:00"),
        "{out}"
    );
}

#[test]
fn set_errors_name_the_problem_with_a_hint() {
    let (code, _, err) = aorlab(&[
        "run",
        "--preset",
        "nat-403",
        "--set",
        "aor.alice.max_contact=3",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean 'max_contacts'"), "{err}");
    let (code, _, err) = aorlab(&[
        "run",
        "--preset",
        "nat-403",
        "--set",
        "aor.alicee.max_contacts=3",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean 'alice'"), "{err}");
    let (code, _, err) = aorlab(&["run", "--preset", "nat-403", "--set", "aor.alice"]);
    assert_eq!(code, 2);
    assert!(err.contains("TYPE.SECTION.OPTION=VALUE"), "{err}");
    let (code, _, err) = aorlab(&["run", "--preset", "nat-403", "--set", "asterisk=99"]);
    assert_eq!(code, 2);
    assert!(err.contains("aorlab knows Asterisk"), "{err}");
}

#[test]
fn set_global_and_release_change_the_run() {
    let t = json(&[
        "run",
        "--preset",
        "nat-403",
        "--json",
        "--set",
        "global.contact_expiration_check_interval=10",
        "--set",
        "asterisk=20.15.2",
    ]);
    assert_eq!(t["version"].as_str().unwrap(), "20.15.2");
}
