//! The scenario language: constructs, errors with line:column and hints, limits.

use aorlab_sim::{parse, run_text, Action, Severity};

const CONF: &str = "pjsip.conf {\n[a]\ntype=endpoint\naors=a\n[a]\ntype=aor\nmax_contacts=2\n}\n";

#[test]
fn every_construct_parses() {
    let text = format!(
        "# comment\ntitle T\nlesson L\nasterisk 16.8\nseed 42\nsystemname pbx1\n{CONF}nat home public 203.0.113.7 udp-timeout 45s first-port 30000\n\
device d a udp 10.0.0.1:5060 behind home expires 120 refresh 50% on-403 retry 30s backoff 2 max 10m on-timeout give-up keepalive crlf 20s answers-options no contact-params ;ob rinstance\n\
device t a tcp 10.0.0.2:5060 refresh expires-30s\n\
at 0s register d t\nat 1m unregister d\nat 2m unregister-all t\nat 3m reboot d\nat 4m roam d 10.0.0.9:5070\nat 5m offline d\nat 6m online d\n\
at 7m drop t\nat 8m nat home reboot\nat 9m nat home rebind d\nat 10m asterisk restart crash down 30s\nat 11m asterisk reload {{\n[a]\ntype=endpoint\naors=a\n[a]\ntype=aor\nmax_contacts=1\n}}\nat 1h30m dial a\nuntil 2h\n"
    );
    let (sc, warnings) = parse(&text).unwrap_or_else(|d| panic!("{d:?}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(sc.seed, 42);
    assert_eq!(sc.devices.len(), 2);
    assert_eq!(sc.nats[0].udp_timeout_ms, 45_000);
    assert_eq!(sc.events.len(), 13);
    assert_eq!(sc.until, 7_200_000);
    assert!(matches!(
        sc.events.last().unwrap().action,
        Action::Dial { .. }
    ));
    assert!(sc.devices[0].rinstance);
    // and it runs
    run_text(&text).unwrap();
}

#[test]
fn all_errors_are_reported_at_once_with_places_and_hints() {
    let text = format!("asterisk 99\n{CONF}devce x a udp 1.2.3.4:5060\ndevice d a udp nowhere\ndevice e a udp 1.2.3.4:5060 expires soon behnd home\nat 5x register d\nat 1m regster e\nat 2m register ghost\n");
    let d = parse(&text).unwrap_err();
    let errors: Vec<_> = d.iter().filter(|x| x.severity == Severity::Error).collect();
    let at = |line: u32| {
        errors
            .iter()
            .find(|e| e.line == line)
            .unwrap_or_else(|| panic!("no error on line {line}: {errors:?}"))
    };
    assert!(at(1).message.contains("unknown Asterisk version"));
    assert_eq!(at(10).hint.as_deref(), Some("did you mean 'device'?"));
    assert_eq!((at(10).col, at(10).end_col), (1, 6));
    assert!(at(11).message.contains("not an IP:port"));
    assert_eq!(at(11).col, 16);
    assert!(errors
        .iter()
        .any(|e| e.line == 12 && e.message.contains("whole seconds")));
    assert!(errors
        .iter()
        .any(|e| e.line == 12 && e.hint.as_deref() == Some("did you mean 'behind'?")));
    assert!(at(13).message.contains("unit"));
    assert_eq!(at(14).hint.as_deref(), Some("did you mean 'register'?"));
    assert!(at(15).message.contains("no device named 'ghost'"));
}

#[test]
fn pjsip_conf_problems_point_into_the_block() {
    let text = "pjsip.conf {\n[a]\ntype=aor\nmax_contact=2\n}\n";
    let (_, w) = parse(text).unwrap();
    assert_eq!(w[0].line, 4);
    assert_eq!(w[0].hint.as_deref(), Some("did you mean 'max_contacts'?"));
    let bad = "pjsip.conf {\n[a]\ntype=aor\nmax_contacts=lots\n}\n";
    let e = parse(bad).unwrap_err();
    assert_eq!((e[0].line, e[0].severity), (4, Severity::Error));
    let open = "pjsip.conf {\n[a]\ntype=aor\n";
    assert!(parse(open).unwrap_err()[0].message.contains("never closed"));
}

#[test]
fn limits_are_accepted_and_checked() {
    let mut text = String::from(CONF);
    for i in 0..1000 {
        text.push_str(&format!(
            "device d{i} a udp 10.0.{}.{}:5060\n",
            i / 250,
            i % 250 + 1
        ));
    }
    for i in 0..100_000u64 {
        text.push_str(&format!("at {}s dial a\n", i * 25));
    }
    text.push_str("until 30d\n");
    let (sc, _) = parse(&text).unwrap_or_else(|d| panic!("{:?}", &d[..d.len().min(3)]));
    assert_eq!(sc.devices.len(), 1000);
    assert_eq!(sc.events.len(), 100_000);
    let too_long = format!("{CONF}until 40d\n");
    assert!(parse(&too_long).unwrap_err()[0].message.contains("31 days"));
}

#[test]
fn garbage_never_panics() {
    let seeds = [
        "device d a udp 1.2.3.4:5060 on-403",
        "device d a udp 1.2.3.4:5060 on-timeout retry",
        "",
        "}",
        "{",
        "pjsip.conf {",
        "at",
        "device",
        "nat x public",
        "\"",
        "at 1m asterisk reload {",
        "\u{1F600} 💥",
    ];
    for s in seeds {
        let _ = parse(s);
        let _ = run_text(s);
    }
    let mut x: u64 = 12345;
    let base = aorlab_sim::preset("nat-403")
        .unwrap()
        .text
        .as_bytes()
        .to_vec();
    for _ in 0..300 {
        let mut b = base.clone();
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x as usize) % b.len();
            b[i] = b" \n{}#\"09a:;."[(x >> 40) as usize % 12];
        }
        let s = String::from_utf8_lossy(&b);
        let _ = run_text(&s);
    }
}

#[test]
fn loose_input_is_reported_not_guessed() {
    let text = format!(
        "title Fix #3 for desk\nseed 5 extra\n{CONF}device d a udp abc:5060\ndevice e a udp 1.2.3.4:5060 expires 0\ndevice f a udp 1.2.3.4:5060 expire 3 behind\nat 1m dial a junk\nat 2m asterisk restart down\n"
    );
    let d = parse(&text).unwrap_err();
    let has = |line: u32, text: &str| d.iter().any(|x| x.line == line && x.message.contains(text));
    assert!(has(2, "unexpected 'extra'"));
    assert!(has(11, "not an IP:port"));
    assert!(has(12, "expires 0"));
    assert!(has(13, "unknown device option 'expire'"));
    assert!(!has(13, "unknown device option '3'"), "no cascade: {d:?}");
    assert!(has(14, "unexpected 'junk'"));
    assert!(has(15, "'down' needs a time"));
    let ok = format!("title Fix #3 for desk\n{CONF}");
    assert_eq!(parse(&ok).unwrap().0.title, "Fix #3 for desk");
}

#[test]
fn reload_blocks_keep_their_warnings() {
    let text = format!("{CONF}at 1m asterisk reload {{\n[a]\ntype=aor\nmax_contact=1\n}}\n");
    let (_, w) = parse(&text).unwrap();
    assert!(
        w.iter()
            .any(|x| x.line == 12 && x.message.contains("max_contact")),
        "{w:?}"
    );
}

#[test]
fn the_version_decides_which_options_exist() {
    let conf = "pjsip.conf {\n[a]\ntype=endpoint\naors=a\n[a]\ntype=aor\nmax_contacts=1\nremove_unavailable=yes\n}\n";
    assert!(parse(&format!("asterisk 22\n{conf}")).is_ok());
    // 16.8 has no remove_unavailable: Asterisk refuses the AOR
    let old = parse(&format!("asterisk 16.8\n{conf}"));
    let all = match old {
        Ok((_, w)) => w,
        Err(d) => d,
    };
    assert!(
        all.iter().any(|d| d.message.contains("remove_unavailable")),
        "{all:?}"
    );
}

#[test]
fn an_oversized_run_stops_and_says_so() {
    let text = aorlab_sim::preset("double-max").unwrap().text;
    let (sc, w) = parse(text).unwrap();
    let t = aorlab_sim::World::new(sc).with_work_budget(200).run(w);
    assert!(t.end_ms < 30 * 60_000, "stopped early: {}", t.end_ms);
    let warn = t
        .warnings
        .iter()
        .find(|w| w.message.contains("simulation stopped"))
        .expect("says so");
    assert!(warn.hint.as_deref().unwrap().contains("until"));
}
