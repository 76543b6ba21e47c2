//! `aorlab import FILE [--conf pjsip.conf] [--asterisk RELEASE] [--set …]
//! [--out FILE] [--anonymise] [--json] [--check]`: a real site's evidence
//! (Asterisk log with the pjsip logger, or pcap/pcapng) as a story of devices
//! and REGISTERs; with `--conf` the registrar model held against every captured
//! answer; with `--set` the captured REGISTERs replayed with changed settings.
//! The work is `aorlab_capture::report::import`; this file parses arguments and
//! prints.

use aorlab_capture::check::Answer;
use aorlab_capture::report::{clock, import, ReleaseSource, Report, Request, UNKNOWN_WITHOUT_CONF};
use aorlab_capture::story::AddressChange;
use aorlab_capture::whatif::WhatIf;
use aorlab_capture::{InputKind, ServerEvent};
use std::process::ExitCode;

const USAGE: &str = "usage: aorlab import FILE [--conf pjsip.conf] [--asterisk RELEASE] [--set TYPE.SECTION.OPTION=VALUE]… [--out FILE] [--anonymise] [--json] [--check]";

#[derive(Default)]
struct Args {
    file: String,
    conf: Option<String>,
    release: Option<String>,
    sets: Vec<String>,
    out: Option<String>,
    anonymise: bool,
    json: bool,
    check: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(x) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match x.as_str() {
            "--conf" => a.conf = Some(value("--conf")?),
            "--asterisk" => a.release = Some(value("--asterisk")?),
            "--set" => a.sets.push(value("--set (TYPE.SECTION.OPTION=VALUE)")?),
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

fn render_devices(r: &Report, s: &mut String) {
    s.push_str("\nDevices\n");
    for d in &r.story.devices {
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
        if let Some(o) = r.outcomes.iter().find(|o| o.device == d.name) {
            let model = o
                .refused_by_model
                .map(|m| format!("; the model would refuse {m}"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  {:<12} Asterisk refused {} of {} answered REGISTERs{model}\n",
                "", o.refused_by_asterisk, o.answered
            ));
        }
        if let Some(ua) = &d.user_agent {
            s.push_str(&format!(
                "  {:<12} {ua}; Call-ID {}\n",
                "",
                d.call_ids.join(", ")
            ));
        }
    }
}

fn render_timeline(r: &Report, s: &mut String) {
    s.push_str("\nTimeline (UTC)\n");
    let mut lines: Vec<(u64, String)> = Vec::new();
    for row in &r.rows {
        if row.retransmission {
            lines.push((
                row.at_us,
                format!("{:<12} REGISTER retransmitted", row.device),
            ));
            continue;
        }
        let expires = row
            .expires
            .as_deref()
            .map(|e| format!(" Expires {e}"))
            .unwrap_or_default();
        let mut t = format!(
            "{:<12} REGISTER {} {} Contact {}{expires}\n{:>14}Asterisk: {}",
            row.device,
            row.transport.as_str(),
            row.peer,
            row.contacts.join(", "),
            "",
            answer_text(&row.captured)
        );
        if r.check.is_some() && row.captured.is_some() {
            if row.differences.is_empty() {
                t.push_str(&format!("\n{:>14}model:    same", ""));
            } else {
                t.push_str(&format!(
                    "\n{:>14}model:    {}  DIFFERS",
                    "",
                    answer_text(&row.model)
                ));
                for d in &row.differences {
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
                if let Some(h) = row.hint {
                    t.push_str(&format!("\n{:>16}? {h}", ""));
                }
            }
        }
        lines.push((row.at_us, t));
    }
    for e in &r.capture.events {
        let t = match e {
            ServerEvent::ConnectionClosed {
                conn,
                peer,
                by,
                how,
                ..
            } => format!(
                "{:<12} TCP connection {conn} to {peer} closed ({how:?}{})",
                "connection",
                by.map(|b| format!(" by {b:?}"))
                    .unwrap_or_else(|| ", seen only in Asterisk's log".into())
            ),
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
        s.push_str(&format!("  {}  {t}\n", clock(at)));
    }
}

fn render(file: &str, r: &Report, anonymised: bool) -> String {
    let cap = &r.capture;
    let (kind, units) = match cap.input {
        InputKind::AsteriskLog => ("Asterisk log", "lines"),
        InputKind::Pcap => ("pcap", "packets"),
        InputKind::PcapNg => ("pcapng", "packets"),
    };
    let from = match r.release.from {
        ReleaseSource::Given => "--asterisk",
        ReleaseSource::Capture => "named by the capture",
        ReleaseSource::Default => "default: the capture names none",
    };
    let mut s = format!(
        "{file}: {kind}, {} {units}, {} SIP messages, {} REGISTERs from {} devices; model: Asterisk {} ({from})\n",
        cap.units_read,
        cap.packets.len(),
        r.rows.iter().filter(|x| !x.retransmission).count(),
        r.story.devices.len(),
        r.release.name,
    );
    if let Some(off) = cap.utc_offset_s.filter(|o| *o != 0) {
        s.push_str(&format!(
            "log times were UTC{:+}h (from the Date: headers); shown in UTC\n",
            off as f64 / 3600.0
        ));
    }
    render_devices(r, &mut s);
    render_timeline(r, &mut s);
    s.push_str("\nWhat this input can't tell\n");
    for b in &r.blind_spots {
        s.push_str(&format!("  - {}\n", b.explain));
    }
    if r.unknown_settings.is_some() {
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
    if let Some(c) = &r.check {
        if anonymised {
            s.push_str("\n(--anonymise: Contacts compared as sets; Asterisk orders them by the MD5 of the real URIs)\n");
        }
        if c.unanswered > 0 {
            s.push_str(&format!(
                "\n{} REGISTERs have no captured answer (not counted)\n",
                c.unanswered
            ));
        }
        s.push_str(&format!("\n{}\n", c.summary_line()));
    }
    if let Some(w) = &r.whatif {
        render_whatif(w, &mut s);
    }
    s
}

fn seconds(ms: u64) -> String {
    format!("{:.3} s", ms as f64 / 1000.0)
}

/// The what-if: REGISTERs answered differently, registered time per device,
/// and what the replay cannot know.
fn render_whatif(w: &WhatIf, s: &mut String) {
    s.push_str(&format!(
        "\nWhat if {} (Asterisk {}): the captured REGISTERs replayed\n",
        w.sets.join(" "),
        w.release
    ));
    s.push_str(&format!(
        "  {} of {} captured REGISTERs would be answered differently\n",
        w.changed.len(),
        w.compared
    ));
    for c in &w.changed {
        s.push_str(&format!(
            "  {}  {:<12} {} → {}\n",
            c.clock,
            c.device,
            answer_text(&c.captured),
            answer_text(&c.whatif)
        ));
        for why in &c.why {
            s.push_str(&format!("{:>16}why: {why}\n", ""));
        }
        if c.baseline_differs {
            s.push_str(&format!(
                "{:>16}(the model already answers this one differently with the site's pjsip.conf)\n",
                ""
            ));
        }
    }
    s.push_str(&format!(
        "\n  Registered during the capture ({}), captured → what if\n",
        seconds(w.span_ms)
    ));
    for d in &w.devices {
        let mark = match d.whatif_ms.cmp(&d.captured_ms) {
            std::cmp::Ordering::Greater => "  longer",
            std::cmp::Ordering::Less => "  shorter",
            std::cmp::Ordering::Equal => "",
        };
        s.push_str(&format!(
            "  {:<12} {} → {}{mark}\n",
            d.device,
            seconds(d.captured_ms),
            seconds(d.whatif_ms)
        ));
    }
    s.push_str("\n  What the replay cannot know\n");
    for c in &w.cannot_know {
        s.push_str(&format!("  - {c}\n"));
    }
}

/// Everything but the printing: the output text and whether the check passed.
fn run(a: &Args) -> Result<(String, bool), String> {
    let bytes = std::fs::read(&a.file).map_err(|e| format!("{}: {e}", a.file))?;
    let conf = match &a.conf {
        Some(f) => Some(std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?),
        None => None,
    };
    if a.check && conf.is_none() {
        return Err(format!(
            "{}: --check needs --conf pjsip.conf: the answers depend on {UNKNOWN_WITHOUT_CONF}, which a capture cannot show",
            a.file
        ));
    }
    if !a.sets.is_empty() && conf.is_none() {
        return Err(format!(
            "{}: --set needs --conf pjsip.conf: the what-if changes the site's settings, which a capture cannot show",
            a.file
        ));
    }
    let req = Request {
        conf: conf.as_deref(),
        release: a.release.as_deref(),
        anonymise: a.anonymise,
        sets: &a.sets,
    };
    let r = import(&bytes, &req).map_err(|e| format!("{}: {e}", a.file))?;
    if let Some(out) = &a.out {
        std::fs::write(out, &r.scenario).map_err(|e| format!("{out}: {e}"))?;
    }
    let ok = r.check.as_ref().is_none_or(|c| c.failed == 0);
    let text = if a.json {
        serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
    } else {
        render(&a.file, &r, a.anonymise)
    };
    Ok((text, ok))
}

/// The command. Prints to stdout; exit 1 when `--check` finds differences,
/// 2 on usage or input errors.
pub fn main_import(args: &[String]) -> ExitCode {
    let a = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("aorlab import: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&a) {
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
