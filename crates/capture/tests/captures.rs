//! Every real Asterisk session in ../shared/captures, read from its `full` log and
//! from its pcap: the import must find exactly the REGISTERs of the recording's
//! JSON (same text, source, transport, answer) and the model, given the case's
//! pjsip.conf, must answer each one as Asterisk did.

use aorlab_capture::check::{answer_of, check};
use aorlab_capture::story::story;
use aorlab_capture::{read, Capture, CloseHow, ServerEvent, Side};
use aorlab_registrar::{parse_pjsip_conf, Profile};
use serde_json::Value;
use std::path::PathBuf;

fn captures_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("AORLAB_CAPTURES_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures");
    d.is_dir().then_some(d)
}

fn cases(dir: &PathBuf) -> Vec<(String, Value)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("INDEX.json"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().to_string();
            (
                stem,
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The capture's REGISTERs and answers equal the recording's register steps.
fn same_registers(name: &str, cap: &Capture, case: &Value) -> Vec<String> {
    let st = story(cap);
    let mut errs = Vec::new();
    let got: Vec<_> = st.registers.iter().filter(|r| !r.retransmission).collect();
    let want: Vec<&Value> = case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["replay"]["kind"] == "register")
        .collect();
    if got.len() != want.len() {
        errs.push(format!(
            "{name}: {} REGISTERs, the recording has {}",
            got.len(),
            want.len()
        ));
    }
    let t0 = (case["t0_epoch"].as_f64().unwrap() * 1000.0).round() as i64;
    for (g, w) in got.iter().zip(&want) {
        let r = &w["replay"];
        let text = &cap.packets[g.packet].text;
        if text != r["raw"].as_str().unwrap() {
            errs.push(format!("{name}: REGISTER text differs at {}", r["at_ms"]));
        }
        if g.peer != r["src"].as_str().unwrap()
            || g.transport.as_str() != r["transport"].as_str().unwrap()
        {
            errs.push(format!(
                "{name}: source {} {:?} vs {} {}",
                g.peer, g.transport, r["src"], r["transport"]
            ));
        }
        let at = (g.at_us / 1000) as i64 - t0;
        if (at - r["at_ms"].as_i64().unwrap()).abs() > 5 {
            errs.push(format!(
                "{name}: REGISTER at {at} ms, recorded {}",
                r["at_ms"]
            ));
        }
        let captured = g
            .answer
            .and_then(|a| aorlab_sip::Message::parse(&cap.packets[a].text).ok());
        let captured = captured.as_ref().and_then(answer_of);
        let status = captured.as_ref().map(|a| a.status as u64);
        if status != w["response"]["status"].as_u64() {
            errs.push(format!(
                "{name}: answer {status:?}, recorded {}",
                w["response"]["status"]
            ));
        }
        if let Some(a) = &captured {
            let uris: Vec<&str> = a.contacts.iter().map(|c| c.0.as_str()).collect();
            let rec: Vec<&str> = w["response"]["contacts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["uri"].as_str().unwrap())
                .collect();
            if uris != rec {
                errs.push(format!(
                    "{name}: answer Contacts {uris:?}, recorded {rec:?}"
                ));
            }
        }
    }
    errs
}

fn model_agrees(name: &str, cap: &Capture, case: &Value) -> Vec<String> {
    let (config, _) = parse_pjsip_conf(case["replay_config"]["pjsip.conf"].as_str().unwrap());
    let st = story(cap);
    let report = check(cap, &st, &config, Profile::default());
    let answered = case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["replay"]["kind"] == "register" && !s["response"].is_null())
        .count();
    let mut errs = Vec::new();
    if report.passed != answered || report.failed != 0 {
        errs.push(format!(
            "{name}: {} (want {answered} passed)",
            report.summary_line()
        ));
    }
    for v in report.verdicts.iter().filter(|v| !v.differences.is_empty()) {
        errs.push(format!(
            "{name}: REGISTER {}: {:?}",
            v.register + 1,
            v.differences
        ));
    }
    errs
}

#[test]
fn every_captured_session_imports_from_log_and_pcap_and_the_model_agrees() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures (../shared/captures next to the repository, or AORLAB_CAPTURES_DIR)");
        return;
    };
    let cases = cases(&dir);
    assert!(!cases.is_empty(), "no case JSON in {}", dir.display());
    let mut errs = Vec::new();
    for (name, case) in &cases {
        for ext in ["full.log", "pcap"] {
            let path = dir.join(format!("{name}.{ext}"));
            let bytes = std::fs::read(&path).unwrap();
            let cap = match read(&bytes) {
                Ok(c) => c,
                Err(e) => {
                    errs.push(format!("{name}.{ext}: {e}"));
                    continue;
                }
            };
            let label = format!("{name}.{ext}");
            errs.extend(same_registers(&label, &cap, case));
            errs.extend(model_agrees(&label, &cap, case));
        }
    }
    assert!(
        errs.is_empty(),
        "{} problems:\n{}",
        errs.len(),
        errs.join("\n")
    );
}

#[test]
fn pcap_closes_and_log_restarts_are_found() {
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    for (name, case) in cases(&dir) {
        let steps = case["steps"].as_array().unwrap();
        let t0 = (case["t0_epoch"].as_f64().unwrap() * 1000.0).round() as i64;
        let pcap = read(&std::fs::read(dir.join(format!("{name}.pcap"))).unwrap()).unwrap();
        for s in steps.iter().filter(|s| s["replay"]["kind"] == "close") {
            let r = &s["replay"];
            let how = if r["how"] == "rst" {
                CloseHow::Rst
            } else {
                CloseHow::Fin
            };
            let found = pcap.events.iter().any(|e| matches!(e, ServerEvent::ConnectionClosed { at_us, peer, by: Some(Side::Device), how: h, .. }
                if peer == r["src"].as_str().unwrap() && *h == how && ((*at_us / 1000) as i64 - t0 - r["at_ms"].as_i64().unwrap()).abs() <= 5));
            assert!(found, "{name}: close of {} not found in the pcap", r["src"]);
        }
        let log = read(&std::fs::read(dir.join(format!("{name}.full.log"))).unwrap()).unwrap();
        let restarts = steps
            .iter()
            .filter(|s| s["replay"]["kind"] == "restart")
            .count();
        let stops = log
            .events
            .iter()
            .filter(|e| matches!(e, ServerEvent::Stopped { .. }))
            .count();
        let boots = log
            .events
            .iter()
            .filter(|e| matches!(e, ServerEvent::Booted { .. }))
            .count();
        assert_eq!(stops, restarts, "{name}: stops in the log");
        assert_eq!(
            boots,
            restarts + 1,
            "{name}: boots in the log (the first one included)"
        );
    }
}

/// Registered stretches as Asterisk's 200 OKs listed the bindings, on two real
/// sessions: a NAT rebinding refused with 403 (the binding from the old port
/// stays listed until the phone unregisters), and phones behind one address
/// sending the same Contact over TCP (a listed binding counts for one phone).
#[test]
fn registered_stretches_follow_the_captured_200s() {
    use aorlab_capture::registered::End;
    use aorlab_capture::whatif::captured_stretches;
    let Some(dir) = captures_dir() else {
        eprintln!("SKIPPED: no real captures");
        return;
    };
    for ext in ["full.log", "pcap"] {
        // Each device's stretches, and the times of the (non-retransmitted) REGISTERs.
        let stretches = |name: &str| {
            let cap = read(&std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap()).unwrap();
            let st = story(&cap);
            let times: Vec<u64> = st
                .registers
                .iter()
                .filter(|r| !r.retransmission)
                .map(|r| r.at_us)
                .collect();
            (captured_stretches(&cap, &st), times)
        };
        let (s, at) = stretches("c04_rewrite_nat_rebind_max1_remove_existing_no");
        // alice-1: from its first 200 (the 403 and the Expires 0 from the new port
        // leave it listed) until its own Expires 0 from the old port.
        assert_eq!(s[0].len(), 1, "{ext}: {:?}", s[0]);
        assert_eq!(
            (s[0][0].from_us, s[0][0].to_us, s[0][0].end),
            (at[0], at[4], End::NotListed)
        );
        assert_eq!(s[1].len(), 1);
        assert_eq!((s[1][0].from_us, s[1][0].end), (at[5], End::CaptureEnd));

        let (s, at) = stretches("c07a_tcp_close_rewrite_yes");
        // alice-1's connection closed: alice-2's 200 lists one binding, alice-2's.
        assert_eq!(
            (s[0][0].to_us, s[0][0].end),
            (at[1], End::NotListed),
            "{ext}"
        );
        assert_eq!(s[1][0].end, End::CaptureEnd);
        assert!(s[2].is_empty(), "alice-3 was refused");
    }
}
