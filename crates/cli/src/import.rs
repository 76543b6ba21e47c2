//! `aorlab import FILE [--conf pjsip.conf] [--asterisk RELEASE] [--out FILE]
//! [--anonymise] [--json] [--check]`: a real site's evidence (Asterisk log with
//! the pjsip logger, or pcap/pcapng) as a story of devices and REGISTERs, and
//! with `--conf` the registrar model held against every captured answer.

use aorlab_capture::check::{check_with, Answer, CheckReport, Field, Verdict};
use aorlab_capture::story::{story, AddressChange, Story};
use aorlab_capture::{read, BlindSpot, Capture, InputKind, ServerEvent};
use aorlab_registrar::{log_timestamp, parse_pjsip_conf, Profile};
use serde::Serialize;
use std::process::ExitCode;

struct Args {
    file: String,
    conf: Option<String>,
    release: Option<String>,
    out: Option<String>,
    anonymise: bool,
    json: bool,
    check: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        file: String::new(),
        conf: None,
        release: None,
        out: None,
        anonymise: false,
        json: false,
        check: false,
    };
    let mut it = args.iter();
    while let Some(x) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match x.as_str() {
            "--conf" => a.conf = Some(value("--conf")?),
            "--asterisk" => a.release = Some(value("--asterisk")?),
            "--out" => a.out = Some(value("--out")?),
            "--anonymise" | "--anonymize" => a.anonymise = true,
            "--json" => a.json = true,
            "--check" => a.check = true,
            f if f.starts_with("--") => return Err(format!("unknown option '{f}'")),
            f if a.file.is_empty() => a.file = f.to_string(),
            f => return Err(format!("unexpected '{f}' (one input file)")),
        }
    }
    if a.file.is_empty() {
        return Err("no input file".into());
    }
    Ok(a)
}

/// Which release the model plays, and where that came from.
#[derive(Serialize)]
struct Release {
    profile: Profile,
    name: String,
    from: &'static str,
}

fn release(arg: Option<&str>, cap: &Capture) -> Result<Release, String> {
    let numeric = |v: &str| v.split(['-', ' ']).next().unwrap_or("").to_string();
    if let Some(r) = arg {
        let p =
            Profile::from_version(&numeric(r)).ok_or(format!("unknown Asterisk release '{r}'"))?;
        return Ok(Release {
            profile: p,
            name: r.to_string(),
            from: "--asterisk",
        });
    }
    if let Some(v) = &cap.asterisk_version {
        if let Some(p) = Profile::from_version(&numeric(v)) {
            return Ok(Release {
                profile: p,
                name: v.clone(),
                from: "the capture",
            });
        }
    }
    Ok(Release {
        profile: Profile::default(),
        name: "22 (default)".into(),
        from: "default: the capture does not name one",
    })
}

/// What only pjsip.conf can say; shown when it is not given.
const UNKNOWN_WITHOUT_CONF: &str = "max_contacts, remove_existing, remove_unavailable, rewrite_contact, minimum/maximum/default_expiration, qualify_frequency/qualify_timeout";

#[derive(Serialize)]
struct BlindSpotOut {
    kind: BlindSpot,
    explain: &'static str,
}

#[derive(Serialize)]
struct Report<'a> {
    file: &'a str,
    capture: &'a Capture,
    story: &'a Story,
    release: Release,
    blind_spots: Vec<BlindSpotOut>,
    /// Settings that decide the answers but are unknown (no --conf).
    unknown_settings: Option<&'static str>,
    check: Option<CheckReport>,
}

fn clock_us(us: u64) -> String {
    // log_timestamp gives "YYYY-MM-DD HH:MM:SS.mmm"; the time of day suffices here.
    let ts = log_timestamp(us / 1000);
    ts.split_once(' ').map(|x| x.1.to_string()).unwrap_or(ts)
}

fn answer_text(a: &Option<Answer>) -> String {
    match a {
        None => "no answer".into(),
        Some(a) => {
            let c: Vec<String> = a
                .contacts
                .iter()
                .map(|(u, e)| format!("{u}{}", e.map(|e| format!(" ({e}s)")).unwrap_or_default()))
                .collect();
            let mut s = format!("{} {}", a.status, a.reason);
            if !c.is_empty() {
                s.push_str(&format!(" [{}]", c.join(", ")));
            }
            s
        }
    }
}

/// A question that points at the setting most likely behind a difference.
fn hint(v: &Verdict) -> Option<&'static str> {
    let f = v.differences.first()?.field;
    let (c, m) = (
        v.captured.as_ref()?.status,
        v.model.as_ref().map(|m| m.status),
    );
    Some(match f {
        Field::Status if c == 403 || m == Some(403) => "is max_contacts / remove_existing on the server what this pjsip.conf says? Were there bindings from before the capture?",
        Field::Status if c == 404 || m == Some(404) => "is this AOR in the server's pjsip.conf (and identify_by / endpoint name)?",
        Field::Status => "does the server's pjsip.conf (and release) match the one given?",
        Field::Contacts => "bindings from before the capture, rewrite_contact, or remove_existing may differ on the server",
        Field::ContactExpires | Field::ExpiresHeader => "minimum_expiration / maximum_expiration / default_expiration may differ on the server",
        Field::Reason | Field::Answered => return None,
    })
}

fn render(
    file: &str,
    cap: &Capture,
    st: &Story,
    rel: &Release,
    report: Option<&CheckReport>,
    conf_given: bool,
) -> String {
    let mut s = String::new();
    let kind = match cap.input {
        InputKind::AsteriskLog => "Asterisk log",
        InputKind::Pcap => "pcap",
        InputKind::PcapNg => "pcapng",
    };
    let units = if cap.input == InputKind::AsteriskLog {
        "lines"
    } else {
        "packets"
    };
    s.push_str(&format!(
        "{file}: {kind}, {} {units}, {} SIP messages, {} REGISTERs from {} devices; model: Asterisk {} ({})\n",
        cap.units_read,
        cap.packets.len(),
        st.registers.iter().filter(|r| !r.retransmission).count(),
        st.devices.len(),
        rel.name,
        rel.from
    ));
    if let Some(off) = cap.utc_offset_s.filter(|o| *o != 0) {
        s.push_str(&format!(
            "log times were UTC{:+}h (from the Date: headers); shown in UTC\n",
            off as f64 / 3600.0
        ));
    }
    s.push_str("\nDevices\n");
    for d in &st.devices {
        let addrs: Vec<String> = d
            .addresses
            .iter()
            .map(|a| {
                let why = match a.change {
                    Some(AddressChange::NewPort) => " (new port: NAT rebinding?)",
                    Some(AddressChange::NewAddress) => " (new address)",
                    Some(AddressChange::NewConnection) => " (new connection)",
                    None => "",
                };
                format!("{} {}{why}", a.transport.as_str(), a.peer)
            })
            .collect();
        s.push_str(&format!(
            "  {:<12} AOR {:<10} {}\n",
            d.name,
            d.aor,
            addrs.join(" → ")
        ));
        if let Some(ua) = &d.user_agent {
            s.push_str(&format!(
                "  {:<12} {ua}; Call-ID {}\n",
                "",
                d.call_ids.join(", ")
            ));
        }
    }
    s.push_str("\nTimeline (UTC)\n");
    let verdicts: std::collections::BTreeMap<usize, &Verdict> = report
        .map(|r| r.verdicts.iter().map(|v| (v.register, v)).collect())
        .unwrap_or_default();
    let mut lines: Vec<(u64, String)> = Vec::new();
    for (i, r) in st.registers.iter().enumerate() {
        let dev = &st.devices[r.device].name;
        if r.retransmission {
            lines.push((r.at_us, format!("{:<12} REGISTER retransmitted", dev)));
            continue;
        }
        let contact = r.contacts.join(", ");
        let expires = r
            .expires
            .as_deref()
            .map(|e| format!(" Expires {e}"))
            .unwrap_or_default();
        let captured = r
            .answer
            .and_then(|a| aorlab_sip::Message::parse(&cap.packets[a].text).ok());
        let captured = captured.as_ref().and_then(aorlab_capture::check::answer_of);
        let mut t = format!(
            "{dev:<12} REGISTER {} {} Contact {contact}{expires}\n{:>14}Asterisk: {}",
            r.transport.as_str(),
            r.peer,
            "",
            answer_text(&captured)
        );
        if let Some(v) = verdicts.get(&i) {
            if captured.is_some() {
                if v.differences.is_empty() {
                    t.push_str(&format!("\n{:>14}model:    same", ""));
                } else {
                    t.push_str(&format!(
                        "\n{:>14}model:    {}  DIFFERS",
                        "",
                        answer_text(&v.model)
                    ));
                    for d in &v.differences {
                        let what = d
                            .contact
                            .as_deref()
                            .map(|c| format!(" {c}"))
                            .unwrap_or_default();
                        t.push_str(&format!(
                            "\n{:>16}{:?}{what}: Asterisk {}, model {}",
                            "", d.field, d.captured, d.model
                        ));
                    }
                    if let Some(h) = hint(v) {
                        t.push_str(&format!("\n{:>16}? {h}", ""));
                    }
                }
            }
        }
        lines.push((r.at_us, t));
    }
    for e in &cap.events {
        let t = match e {
            ServerEvent::ConnectionClosed {
                conn,
                peer,
                by,
                how,
                ..
            } => {
                format!(
                    "{:<12} TCP connection {conn} to {peer} closed ({how:?}{})",
                    "connection",
                    by.map(|b| format!(" by {b:?}"))
                        .unwrap_or_else(|| ", seen only in Asterisk's log".into())
                )
            }
            ServerEvent::Stopped { how, .. } => {
                format!("{:<12} Asterisk stopped ({how:?})", "asterisk")
            }
            ServerEvent::Booted { version, .. } => format!(
                "{:<12} Asterisk ready{}",
                "asterisk",
                version
                    .as_deref()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default()
            ),
            ServerEvent::Qualify {
                aor, uri, status, ..
            } => format!("{:<12} {aor}/{uri} is now {status:?}", "qualify"),
            ServerEvent::Log { text, .. } => format!("{:<12} log: {text}", "asterisk"),
        };
        lines.push((e.at_us(), t));
    }
    lines.sort_by_key(|l| l.0);
    for (at, t) in lines {
        s.push_str(&format!("  {}  {t}\n", clock_us(at)));
    }
    s.push_str("\nWhat this input can't tell\n");
    for b in &cap.blind_spots {
        s.push_str(&format!("  - {}\n", b.explain()));
    }
    if !conf_given {
        s.push_str(&format!("  - without --conf the server's settings are unknown ({UNKNOWN_WITHOUT_CONF}); the answers above are Asterisk's alone and nothing is inferred. Give --conf pjsip.conf to hold the model against them.\n"));
    }
    if !cap.warnings.is_empty() {
        s.push_str("\nWarnings\n");
        for w in &cap.warnings {
            match w.place {
                Some(p) => s.push_str(&format!("  {file}: {p}: {}\n", w.message)),
                None => s.push_str(&format!("  {file}: {}\n", w.message)),
            }
        }
    }
    if let Some(r) = report {
        if r.unanswered > 0 {
            s.push_str(&format!(
                "\n{} REGISTERs have no captured answer (not counted)\n",
                r.unanswered
            ));
        }
        s.push_str(&format!("\n{}\n", r.summary_line()));
    }
    s
}

/// The command. Prints to stdout; exit 1 when `--check` finds differences,
/// 2 on usage or input errors.
pub fn main_import(args: &[String]) -> ExitCode {
    let a = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("aorlab import: {e}\nusage: aorlab import FILE [--conf pjsip.conf] [--asterisk RELEASE] [--out FILE] [--anonymise] [--json] [--check]");
            return ExitCode::from(2);
        }
    };
    match import(&a) {
        Ok((text, ok)) => {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{}", text.trim_end());
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("{}", e.trim_end());
            ExitCode::from(2)
        }
    }
}

/// Everything but the printing: the output text and whether the check passed.
fn import(a: &Args) -> Result<(String, bool), String> {
    let bytes = std::fs::read(&a.file).map_err(|e| format!("{}: {e}", a.file))?;
    let mut cap = read(&bytes).map_err(|e| format!("{}: {e}", a.file))?;
    let conf_text = match &a.conf {
        Some(f) => Some(std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?),
        None => None,
    };
    if a.check && conf_text.is_none() {
        return Err(format!(
            "{}: --check needs --conf pjsip.conf: the answers depend on {UNKNOWN_WITHOUT_CONF}, which a capture cannot show",
            a.file
        ));
    }
    let mut conf_text = conf_text;
    if a.anonymise {
        let map = aorlab_capture::anonymise::anonymise(&mut cap);
        conf_text = conf_text.map(|c| map.conf(&c));
    }
    let rel = release(a.release.as_deref(), &cap)?;
    let st = story(&cap);
    let report = conf_text.as_deref().map(|c| {
        let (config, _) = parse_pjsip_conf(c);
        check_with(&cap, &st, &config, rel.profile, !a.anonymise)
    });
    if let Some(out) = &a.out {
        let text =
            aorlab_capture::scenario::scenario_text(&cap, &st, conf_text.as_deref(), &rel.name);
        std::fs::write(out, text).map_err(|e| format!("{out}: {e}"))?;
    }
    let ok = report.as_ref().is_none_or(|r| r.failed == 0);
    let text = if a.json {
        let blind_spots = cap
            .blind_spots
            .iter()
            .map(|b| BlindSpotOut {
                kind: *b,
                explain: b.explain(),
            })
            .collect();
        let r = Report {
            file: &a.file,
            capture: &cap,
            story: &st,
            release: rel,
            blind_spots,
            unknown_settings: conf_text.is_none().then_some(UNKNOWN_WITHOUT_CONF),
            check: report,
        };
        serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
    } else {
        let mut t = render(
            &a.file,
            &cap,
            &st,
            &rel,
            report.as_ref(),
            conf_text.is_some(),
        );
        if a.anonymise && report.is_some() {
            t.push_str("(--anonymise: Contacts compared as sets; Asterisk orders them by the MD5 of the real URIs)\n");
        }
        t
    };
    Ok((text, ok))
}
