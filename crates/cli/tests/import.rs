//! `aorlab import` on the real captures in ../shared/captures (skipped when
//! absent) and on bad input.

use std::path::PathBuf;

mod common;
use common::aorlab;

fn captures_dir() -> Option<PathBuf> {
    let d = std::env::var("AORLAB_CAPTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures")
        });
    d.is_dir().then_some(d)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aorlab-import-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn every_capture_checks_clean_from_log_and_pcap() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures (../shared/captures next to the repository, or AORLAB_CAPTURES_DIR)");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "INDEX.json")
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for n in &names {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{n}.json"))).unwrap())
                .unwrap();
        let conf = conf_of(&dir, n);
        let answered = case["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["replay"]["kind"] == "register" && !s["response"].is_null())
            .count();
        for ext in ["full.log", "pcap"] {
            let f = dir.join(format!("{n}.{ext}"));
            let (code, out, err) = import_with_conf(&f, &conf, &["--check"]);
            assert_eq!(code, 0, "{n}.{ext}: {out}{err}");
            assert!(
                out.trim_end()
                    .ends_with(&format!("{answered} passed, 0 failed")),
                "{n}.{ext}: {out}"
            );
        }
    }
}

#[test]
fn a_wrong_conf_fails_the_check_and_says_where() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    let n = "c04_rewrite_nat_rebind_max1_remove_existing_no";
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{n}.json"))).unwrap())
            .unwrap();
    let conf = tmp("wrong.conf");
    let text = case["replay_config"]["pjsip.conf"]
        .as_str()
        .unwrap()
        .replace("max_contacts = 1", "max_contacts = 2");
    std::fs::write(&conf, text).unwrap();
    let f = dir.join(format!("{n}.pcap"));
    let (code, out, _) = import_with_conf(&f, &conf, &["--check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Status: Asterisk 403, model 200"), "{out}");
    assert!(out.contains("max_contacts"), "{out}");
    // The what-if's headline: with max_contacts=2 the rebinding phone is never refused.
    assert!(
        out.contains("Asterisk refused 1 of 5 answered REGISTERs; the model would refuse 0"),
        "{out}"
    );
    assert!(
        out.trim_end().ends_with("failed") && !out.trim_end().ends_with(" 0 failed"),
        "{out}"
    );
}

#[test]
fn without_conf_it_says_what_it_cannot_know_and_check_refuses() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    let f = dir.join("c14a_restart_graceful.pcap");
    let (code, out, _) = aorlab(&["import", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out.contains("without --conf the server's settings are unknown"),
        "{out}"
    );
    assert!(out.contains("cannot show an Asterisk restart"), "{out}");
    let (code, _, err) = aorlab(&["import", f.to_str().unwrap(), "--check"]);
    assert_eq!(code, 2);
    assert!(err.contains("--check needs --conf"), "{err}");
    let (code, out, _) = aorlab(&["import", f.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["blind_spots"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["kind"] == "restarts"));
    assert!(v["unknown_settings"]
        .as_str()
        .unwrap()
        .contains("max_contacts"));
    assert_eq!(v["story"]["devices"].as_array().unwrap().len(), 5);
}

#[test]
fn out_writes_a_scenario_that_parses_and_anonymise_hides_addresses_and_users() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    let f = dir.join("c07a_tcp_close_rewrite_yes.full.log");
    let out = tmp("site.aorlab");
    let (code, _, err) = aorlab(&[
        "import",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--anonymise",
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        !text.contains("127.0.0.") && !text.contains("alice"),
        "{text}"
    );
    assert!(text.contains("drop user1-1"), "{text}");
    let (code, out2, err) = aorlab(&["check", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{out2}{err}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let junk = tmp("junk.bin");
    std::fs::write(&junk, [0u8, 1, 2, 0xff, 0xfe, 7, 8, 9]).unwrap();
    let (code, _, err) = aorlab(&["import", junk.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("neither a pcap/pcapng file nor a text log"),
        "{err}"
    );
    let text = tmp("notes.txt");
    std::fs::write(&text, "[2026-11-30 10:00:00.000] VERBOSE[1] pbx.c: hello\n").unwrap();
    let (code, _, err) = aorlab(&["import", text.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no SIP messages") && err.contains("pjsip set logger on"),
        "{err}"
    );
    let (code, _, err) = aorlab(&["import"]);
    assert_eq!(code, 2);
    assert!(err.contains("usage"), "{err}");
}

/// The case's pjsip.conf, written next to the other temporary files.
fn conf_of(dir: &std::path::Path, case: &str) -> PathBuf {
    // A file per call: tests run in parallel, and one writing a case's conf while another's
    // `aorlab import` reads the same path gave it an empty pjsip.conf (a CI failure).
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{case}.json"))).unwrap())
            .unwrap();
    let conf = tmp(&format!("{case}-{call}.conf"));
    std::fs::write(&conf, json["replay_config"]["pjsip.conf"].as_str().unwrap()).unwrap();
    conf
}

/// `aorlab import FILE --conf CONF ARGS…`.
fn import_with_conf(
    f: &std::path::Path,
    conf: &std::path::Path,
    args: &[&str],
) -> (i32, String, String) {
    let mut all = vec![
        "import",
        f.to_str().unwrap(),
        "--conf",
        conf.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    aorlab(&all)
}

#[test]
fn what_if_replays_the_captured_registers_with_changed_settings() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    let case = "c04_rewrite_nat_rebind_max1_remove_existing_no";
    let conf = conf_of(&dir, case);
    for ext in ["full.log", "pcap"] {
        let f = dir.join(format!("{case}.{ext}"));
        let (code, out, err) = import_with_conf(&f, &conf, &["--set", "aor.alice.max_contacts=2"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains("What if aor.alice.max_contacts=2")
                && out.contains("1 of 6 captured REGISTERs would be answered differently")
                && out.contains("403 Forbidden → 200 OK")
                && out.contains("why: res_pjsip_registrar.c: Added contact")
                && out.contains("stopped retrying"),
            "{ext}: {out}"
        );
    }
    let f = dir.join(format!("{case}.full.log"));
    let (code, _, err) = aorlab(&[
        "import",
        f.to_str().unwrap(),
        "--set",
        "aor.alice.max_contacts=2",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--set needs --conf"), "{err}");
    let (code, _, err) = import_with_conf(&f, &conf, &["--set", "aor.alice.max_contact=2"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean 'max_contacts'"), "{err}");
}

#[test]
fn anonymise_leaves_no_original_address_user_host_or_user_agent() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    for case in [
        "c04_rewrite_nat_rebind_max1_remove_existing_no",
        "c07a_tcp_close_rewrite_yes",
        "c14a_restart_graceful",
    ] {
        let conf = conf_of(&dir, case);
        for ext in ["full.log", "pcap"] {
            let f = dir.join(format!("{case}.{ext}"));
            let (code, out, err) = import_with_conf(
                &f,
                &conf,
                &["--set", "aor.alice.max_contacts=3", "--anonymise", "--json"],
            );
            assert_eq!(code, 0, "{case}.{ext}: {err}");
            // The JSON holds everything: packets, story, rows, the what-if's conf
            // and sets, and the scenario a link would be made from.
            for original in ["127.0.0.", "127.100.0.", "alice", "regoracle", "localhost"] {
                assert!(
                    !out.contains(original),
                    "{case}.{ext}: '{original}' in {out}"
                );
            }
        }
    }
}
