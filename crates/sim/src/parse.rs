//! The scenario language parser: collects every problem with line:column and a
//! hint, never panics, and checks the limits.

use crate::duration::parse_duration;
use crate::scenario::*;
use aorlab_registrar::config::options::nearest;
use aorlab_registrar::{parse_pjsip_conf_for, Config, Profile, Protocol};
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem in the scenario text, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnostic {
    pub line: u32,
    pub col: u32,
    pub end_col: u32,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
    /// Problems that only follow from this one (the same template line refusing
    /// several objects, endpoints naming an AOR that was refused, …): shown under it
    /// as "and N more caused by this" instead of drowning it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_ons: Vec<Diagnostic>,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {sev}: {}", self.line, self.col, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n    hint: {h}")?;
        }
        if !self.follow_ons.is_empty() {
            write!(
                f,
                "\n    and {} more caused by this:",
                self.follow_ons.len()
            )?;
            for d in &self.follow_ons {
                write!(f, "\n      {}:{}: {}", d.line, d.col, d.message)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    col: u32,
}

fn words(line: &str) -> Result<Vec<Word>, (u32, String)> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c == '#' {
            break;
        }
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let col = line[..i].chars().count() as u32 + 1;
        if c == '"' {
            chars.next();
            let mut t = String::new();
            let mut closed = false;
            for (_, c) in chars.by_ref() {
                if c == '"' {
                    closed = true;
                    break;
                }
                t.push(c);
            }
            if !closed {
                return Err((col, "unterminated quoted text".into()));
            }
            out.push(Word { text: t, col });
        } else {
            let mut t = String::new();
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                t.push(c);
                chars.next();
            }
            out.push(Word { text: t, col });
        }
    }
    Ok(out)
}

/// Unknown device names in actions that get a did-you-mean hint (each looks at every device).
const MAX_HINTED_NAMES: usize = 100;

struct P {
    diags: Vec<Diagnostic>,
    /// Names declared so far (a scan of every earlier device per device was quadratic: a
    /// pasted 5 MB file of 116,000 devices took minutes instead of a fraction of a second).
    device_names: HashSet<String>,
    nat_names: HashSet<String>,
}

impl P {
    fn err(&mut self, line: u32, w: &Word, msg: impl Into<String>, hint: Option<String>) {
        self.diags.push(Diagnostic {
            line,
            col: w.col,
            end_col: w.col + w.text.chars().count().max(1) as u32,
            severity: Severity::Error,
            message: msg.into(),
            hint,
            follow_ons: Vec::new(),
        });
    }
    fn err_at(&mut self, line: u32, col: u32, msg: impl Into<String>, hint: Option<String>) {
        self.diags.push(Diagnostic {
            line,
            col,
            end_col: col + 1,
            severity: Severity::Error,
            message: msg.into(),
            hint,
            follow_ons: Vec::new(),
        });
    }
    /// A problem underlining a word found again on its line (`(col, end_col)` from
    /// [`word_place`]), for the cross-checks made after the line was read.
    fn at_word(
        &mut self,
        severity: Severity,
        line: u32,
        (col, end_col): (u32, u32),
        msg: impl Into<String>,
        hint: Option<String>,
    ) {
        self.diags.push(Diagnostic {
            line,
            col,
            end_col,
            severity,
            message: msg.into(),
            hint,
            follow_ons: Vec::new(),
        });
    }
    fn warn(&mut self, line: u32, col: u32, msg: impl Into<String>, hint: Option<String>) {
        self.diags.push(Diagnostic {
            line,
            col,
            end_col: col + 1,
            severity: Severity::Warning,
            message: msg.into(),
            hint,
            follow_ons: Vec::new(),
        });
    }
    fn duration(&mut self, line: u32, w: &Word) -> Option<SimMs> {
        match parse_duration(&w.text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(line, w, e, Some("write times like 90s, 5m, 1h30m".into()));
                None
            }
        }
    }
}

/// Statements a line may start with.
pub const TOP_KEYWORDS: &[&str] = &[
    "asterisk",
    "seed",
    "title",
    "lesson",
    "systemname",
    "pjsip.conf",
    "nat",
    "device",
    "at",
    "until",
];
/// What an `at TIME …` line may do.
pub const ACTIONS: &[&str] = &[
    "register",
    "unregister",
    "unregister-all",
    "reboot",
    "roam",
    "offline",
    "online",
    "drop",
    "nat",
    "asterisk",
    "dial",
];
/// Options of a `device` line.
pub const DEVICE_OPTS: &[&str] = &[
    "behind",
    "expires",
    "refresh",
    "on-403",
    "on-timeout",
    "keepalive",
    "answers-options",
    "contact-params",
    "rinstance",
    "offline",
];

/// Read a `{ … }` block of pjsip.conf text starting after the line `start`.
fn read_block(lines: &[&str], start: usize) -> Option<(String, usize)> {
    let mut text = String::new();
    let mut i = start + 1;
    while i < lines.len() {
        if lines[i].trim() == "}" {
            return Some((text, i));
        }
        text.push_str(lines[i]);
        text.push('\n');
        i += 1;
    }
    None
}

fn addr(s: &str) -> Option<(String, u16)> {
    let (ip, port) = s.rsplit_once(':')?;
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    ip.parse::<std::net::IpAddr>().ok()?;
    Some((ip.to_string(), port.parse().ok()?))
}

/// Parse scenario text. Errors stop the run; warnings are returned with the scenario.
pub fn parse(text: &str) -> Result<(Scenario, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut p = P {
        diags: Vec::new(),
        device_names: HashSet::new(),
        nat_names: HashSet::new(),
    };
    let mut sc = Scenario {
        title: String::new(),
        lesson: String::new(),
        profile: Profile::default(),
        version_text: "22".into(),
        seed: 1,
        systemname: String::new(),
        pjsip_conf: String::new(),
        config: Config::default(),
        nats: Vec::new(),
        devices: Vec::new(),
        events: Vec::new(),
        until: 0,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut seen_conf = false;
    let mut conf_blocks: Vec<(Option<usize>, u32, String)> = Vec::new();
    let mut i = 0;
    let mut last_at: Option<(SimMs, u32)> = None;
    while i < lines.len() {
        let ln = i as u32 + 1;
        let ws = match words(lines[i]) {
            Ok(w) => w,
            Err((col, m)) => {
                p.err_at(ln, col, m, Some("close the quote on the same line".into()));
                i += 1;
                continue;
            }
        };
        i += 1;
        let Some(first) = ws.first() else { continue };
        match first.text.as_str() {
            "asterisk" => match ws.get(1) {
                Some(v) => match Profile::parse(&v.text) {
                    Ok(pr) => {
                        sc.profile = pr;
                        sc.version_text = v.text.clone();
                        no_extra(&mut p, ln, &ws, 2);
                    }
                    Err(why) => p.err(
                        ln,
                        v,
                        format!("unknown Asterisk version '{}'", v.text),
                        Some(format!("{why}; a branch (22) means its latest release")),
                    ),
                },
                None => p.err(
                    ln,
                    first,
                    "'asterisk' needs a version",
                    Some("e.g. asterisk 22".into()),
                ),
            },
            "seed" => match ws.get(1).map(|w| (w, w.text.parse::<u64>())) {
                Some((_, Ok(s))) => {
                    sc.seed = s;
                    no_extra(&mut p, ln, &ws, 2);
                }
                Some((w, Err(_))) => p.err(ln, w, "the seed must be a whole number", None),
                None => p.err(ln, first, "'seed' needs a number", None),
            },
            "title" | "lesson" => {
                let raw = lines[i - 1].trim_start();
                let rest = raw[first.text.len()..].trim().trim_matches('"').to_string();
                if first.text == "title" {
                    sc.title = rest;
                } else {
                    sc.lesson = rest;
                }
            }
            "systemname" => match ws.get(1) {
                Some(w) => {
                    sc.systemname = w.text.clone();
                    no_extra(&mut p, ln, &ws, 2);
                }
                None => p.err(
                    ln,
                    first,
                    "'systemname' needs a name (asterisk.conf's systemname)",
                    None,
                ),
            },
            "pjsip.conf" => {
                if ws.get(1).map(|w| w.text.as_str()) != Some("{") {
                    p.err(
                        ln,
                        first,
                        "expected 'pjsip.conf {' and the configuration on the next lines",
                        Some("end the block with a line holding only '}'".into()),
                    );
                    continue;
                }
                let Some((conf, end)) = read_block(&lines, i - 1) else {
                    p.err(
                        ln,
                        first,
                        "the pjsip.conf block is never closed",
                        Some("end it with a line holding only '}'".into()),
                    );
                    break;
                };
                // Parsed for real once the version is known (below).
                conf_blocks.push((None, ln, conf.clone()));
                let cfg = Config::default();
                if seen_conf {
                    p.err(
                        ln,
                        first,
                        "a second pjsip.conf block",
                        Some(
                            "use 'at TIME asterisk reload {' to change the configuration later"
                                .into(),
                        ),
                    );
                }
                seen_conf = true;
                sc.pjsip_conf = conf;
                sc.config = cfg;
                i = end + 1;
            }
            "nat" => parse_nat(&mut p, &mut sc, ln, &ws),
            "device" => parse_device(&mut p, &mut sc, ln, &ws),
            "until" => match ws.get(1) {
                Some(w) => {
                    if let Some(d) = p.duration(ln, w) {
                        if d > MAX_DURATION_MS {
                            p.err(ln, w, "simulated time is limited to 31 days", None);
                        } else {
                            sc.until = d;
                            no_extra(&mut p, ln, &ws, 2);
                        }
                    }
                }
                None => p.err(
                    ln,
                    first,
                    "'until' needs a time",
                    Some("e.g. until 2h".into()),
                ),
            },
            "at" => {
                let Some(tw) = ws.get(1) else {
                    p.err(
                        ln,
                        first,
                        "'at' needs a time and an action",
                        Some("e.g. at 5m register desk".into()),
                    );
                    continue;
                };
                let Some(at) = p.duration(ln, tw) else {
                    continue;
                };
                if at > MAX_DURATION_MS {
                    p.err(ln, tw, "simulated time is limited to 31 days", None);
                    continue;
                }
                if let Some((prev, pl)) = last_at {
                    if at < prev {
                        p.warn(
                            ln,
                            tw.col,
                            format!(
                                "this time is earlier than line {pl}'s; events run in time order"
                            ),
                            None,
                        );
                    }
                }
                last_at = Some((at, ln));
                let rest = &ws[2..];
                let Some(aw) = rest.first() else {
                    p.err(
                        ln,
                        tw,
                        "'at TIME' needs an action",
                        Some(format!("one of: {}", ACTIONS.join(", "))),
                    );
                    continue;
                };
                // `asterisk reload {` reads a block.
                if aw.text == "asterisk" && rest.get(1).map(|w| w.text.as_str()) == Some("reload") {
                    if rest.get(2).map(|w| w.text.as_str()) != Some("{") {
                        p.err(
                            ln,
                            &rest[1],
                            "expected 'asterisk reload {' and the new pjsip.conf on the next lines",
                            None,
                        );
                        continue;
                    }
                    let Some((conf, end)) = read_block(&lines, i - 1) else {
                        p.err(
                            ln,
                            aw,
                            "the reload block is never closed",
                            Some("end it with a line holding only '}'".into()),
                        );
                        break;
                    };
                    conf_blocks.push((Some(sc.events.len()), ln, conf.clone()));
                    let cfg = Config::default();
                    sc.events.push(Event {
                        at,
                        action: Action::Reload {
                            conf,
                            config: Box::new(cfg),
                        },
                        line: ln,
                    });
                    i = end + 1;
                    continue;
                }
                if let Some(action) = parse_action(&mut p, ln, rest) {
                    sc.events.push(Event {
                        at,
                        action,
                        line: ln,
                    });
                }
            }
            other => {
                let hint = nearest(other, TOP_KEYWORDS.iter().copied())
                    .map(|n| format!("did you mean '{n}'?"))
                    .unwrap_or_else(|| {
                        format!("lines start with one of: {}", TOP_KEYWORDS.join(", "))
                    });
                p.err(
                    ln,
                    first,
                    format!("unknown statement '{other}'"),
                    Some(hint),
                );
            }
        }
    }
    // pjsip.conf as the chosen version reads it (a version refuses options it lacks).
    for (event, ln, conf) in conf_blocks {
        let (cfg, diags) = parse_pjsip_conf_for(&conf, sc.profile);
        push_conf_diags(&mut p, &lines, ln, diags);
        match event {
            None => sc.config = cfg,
            Some(k) => {
                if let Action::Reload { config, .. } = &mut sc.events[k].action {
                    **config = cfg;
                }
            }
        }
    }
    // Cross-checks.
    if !seen_conf {
        p.err_at(
            1,
            1,
            "the scenario has no pjsip.conf block",
            Some("add 'pjsip.conf {' … '}' with your [aor] and [endpoint] sections".into()),
        );
    }
    let dev_names: Vec<String> = sc.devices.iter().map(|d| d.name.clone()).collect();
    let nat_names: Vec<String> = sc.nats.iter().map(|n| n.name.clone()).collect();
    for d in &sc.devices {
        if let Some(n) = &d.behind {
            if !nat_names.contains(n) {
                let hint = nearest(n, nat_names.iter().map(String::as_str))
                    .map(|x| format!("did you mean '{x}'?"));
                p.at_word(
                    Severity::Error,
                    d.line,
                    word_place(&lines, d.line, 3, n),
                    format!(
                        "device '{}' is behind NAT '{n}', which is not declared",
                        d.name
                    ),
                    hint.or(Some("declare it with: nat NAME public IP".into())),
                );
            }
        }
        if seen_conf && !sc.config.endpoints.contains_key(&d.user) {
            let hint = nearest(&d.user, sc.config.endpoints.keys().map(String::as_str))
                .map(|x| format!("did you mean '{x}'?"));
            let at = word_place(&lines, d.line, 2, &d.user);
            p.at_word(Severity::Warning, d.line, at, format!("device '{}' registers as '{}', but pjsip.conf has no such endpoint (Asterisk will answer 401)", d.name, d.user), hint);
        }
    }
    // Action lines are `at TIME ACTION NAME…`: names start after the third word.
    // Did-you-mean looks through every device, so only the first unknown names get one.
    let mut hinted = 0;
    let mut check_dev = |p: &mut P, lines: &[&str], line: u32, name: &str| {
        if !p.device_names.contains(name) {
            hinted += 1;
            let hint = (hinted <= MAX_HINTED_NAMES)
                .then(|| nearest(name, dev_names.iter().map(String::as_str)))
                .flatten()
                .map(|x| format!("did you mean '{x}'?"));
            p.at_word(
                Severity::Error,
                line,
                word_place(lines, line, 3, name),
                format!("no device named '{name}'"),
                hint.or(Some("declare it with a 'device' line".into())),
            );
        }
    };
    let check_nat = |p: &mut P, line: u32, nat: &str| {
        if !nat_names.iter().any(|n| n == nat) {
            let at = word_place(&lines, line, 3, nat);
            p.at_word(
                Severity::Error,
                line,
                at,
                format!("no NAT named '{nat}'"),
                None,
            );
        }
    };
    for e in &sc.events {
        match &e.action {
            Action::Register { devices }
            | Action::Unregister { devices }
            | Action::UnregisterAll { devices }
            | Action::Reboot { devices }
            | Action::Offline { devices }
            | Action::Online { devices }
            | Action::Drop { devices } => {
                for d in devices {
                    check_dev(&mut p, &lines, e.line, d);
                }
            }
            Action::Roam { device, .. } => check_dev(&mut p, &lines, e.line, device),
            Action::NatRebind { nat, device } => {
                check_dev(&mut p, &lines, e.line, device);
                check_nat(&mut p, e.line, nat);
            }
            Action::NatReboot { nat } => check_nat(&mut p, e.line, nat),
            Action::Dial { endpoint }
                if seen_conf && !sc.config.endpoints.contains_key(endpoint) =>
            {
                p.at_word(
                    Severity::Warning,
                    e.line,
                    word_place(&lines, e.line, 3, endpoint),
                    format!("dial: pjsip.conf has no endpoint '{endpoint}'"),
                    None,
                );
            }
            _ => {}
        }
    }
    if sc.devices.len() > MAX_DEVICES {
        p.err_at(
            1,
            1,
            format!("{} devices; the limit is {MAX_DEVICES}", sc.devices.len()),
            None,
        );
    }
    if sc.events.len() > MAX_EVENTS {
        p.err_at(
            1,
            1,
            format!(
                "{} timeline events; the limit is {MAX_EVENTS}",
                sc.events.len()
            ),
            None,
        );
    }
    sc.events.sort_by_key(|e| e.at); // stable: same time keeps text order
    let last = sc.events.last().map(|e| e.at).unwrap_or(0);
    if sc.until == 0 {
        sc.until = (last + 3_600_000).min(MAX_DURATION_MS);
    } else if sc.until < last {
        p.warn(
            1,
            1,
            "'until' is before the last event; later events are not run",
            None,
        );
    }
    p.diags.sort_by_key(|d| (d.line, d.col));
    if p.diags.iter().any(|d| d.severity == Severity::Error) {
        Err(p.diags)
    } else {
        Ok((sc, p.diags))
    }
}

/// pjsip.conf problems, moved to scenario lines (the block starts after `ln`), each
/// underlining its word, and the ones that follow from another (`cause`) folded under
/// it: one typo in a template read by three AORs is one entry, not nine.
fn push_conf_diags(
    p: &mut P,
    lines: &[&str],
    ln: u32,
    diags: Vec<aorlab_registrar::ConfigDiagnostic>,
) {
    let mut roots: Vec<((u32, u32), Diagnostic)> = Vec::new();
    let mut followers: Vec<((u32, u32), Diagnostic)> = Vec::new();
    for d in diags {
        let line = ln + d.line;
        let diag = Diagnostic {
            line,
            col: d.col,
            end_col: word_end(lines, line, d.col),
            severity: match d.severity {
                aorlab_registrar::config::Severity::Error => Severity::Error,
                aorlab_registrar::config::Severity::Warning => Severity::Warning,
            },
            message: d.message,
            hint: d.hint,
            follow_ons: Vec::new(),
        };
        match d.cause {
            Some(c) => followers.push((c, diag)),
            None => roots.push(((d.line, d.col), diag)),
        }
    }
    for (cause, f) in followers {
        match roots.iter_mut().find(|(at, _)| *at == cause) {
            Some((_, root)) => {
                // The group stops the run if any of it does.
                if f.severity == Severity::Error {
                    root.severity = Severity::Error;
                }
                root.follow_ons.push(f);
            }
            None => roots.push((cause, f)),
        }
    }
    p.diags.extend(roots.into_iter().map(|(_, d)| d));
}

/// The column after the word starting at `col` of scenario line `line` (1-based).
fn word_end(lines: &[&str], line: u32, col: u32) -> u32 {
    let text = lines.get(line as usize - 1).copied().unwrap_or("");
    let rest = text.chars().skip(col as usize - 1);
    let len = rest
        .take_while(|c| !c.is_whitespace() && !matches!(c, '=' | ';' | ',' | ']'))
        .count() as u32;
    col + len.max(1)
}

/// Column and end of the first word `name` on scenario line `line` after its
/// first `skip` words; column 1 if it is not there.
fn word_place(lines: &[&str], line: u32, skip: usize, name: &str) -> (u32, u32) {
    let text = lines.get(line as usize - 1).copied().unwrap_or("");
    words(text)
        .ok()
        .and_then(|ws| ws.into_iter().skip(skip).find(|w| w.text == name))
        .map_or((1, 2), |w| (w.col, w.col + w.text.chars().count() as u32))
}

/// Words after a complete statement are a mistake, not decoration.
fn no_extra(p: &mut P, ln: u32, ws: &[Word], used: usize) {
    if let Some(w) = ws.get(used) {
        p.err(
            ln,
            w,
            format!("unexpected '{}'", w.text),
            Some("this statement takes nothing more; start a comment with #".into()),
        );
    }
}

/// Options of a `nat` line (each takes one value).
pub const NAT_OPTS: &[&str] = &[
    "public",
    "udp-timeout",
    "tcp-timeout",
    "refresh",
    "mapping",
    "filtering",
    "first-port",
];

fn nat_behaviour(text: &str) -> Option<NatBehaviour> {
    match text {
        "endpoint-independent" => Some(NatBehaviour::EndpointIndependent),
        "address-dependent" => Some(NatBehaviour::AddressDependent),
        _ => None,
    }
}

fn parse_nat(p: &mut P, sc: &mut Scenario, ln: u32, ws: &[Word]) {
    let Some(name) = ws.get(1) else {
        p.err(
            ln,
            &ws[0],
            "'nat' needs a name",
            Some("e.g. nat home public 203.0.113.7 udp-timeout 60s".into()),
        );
        return;
    };
    let mut nat = Nat {
        name: name.text.clone(),
        public_ip: String::new(),
        udp_timeout_ms: 120_000,
        tcp_timeout_ms: 7_440_000,
        refresh: NatRefresh::Outbound,
        mapping: NatBehaviour::EndpointIndependent,
        filtering: NatBehaviour::AddressDependent,
        first_port: 0,
        line: ln,
    };
    let mut k = 2;
    while k < ws.len() {
        let w = &ws[k];
        let val = ws.get(k + 1);
        match (w.text.as_str(), val) {
            ("public", Some(v)) => {
                if v.text.parse::<std::net::IpAddr>().is_ok() {
                    nat.public_ip = v.text.clone();
                } else {
                    p.err(ln, v, format!("'{}' is not an IP address", v.text), None);
                }
            }
            ("udp-timeout", Some(v)) => {
                if let Some(d) = p.duration(ln, v) {
                    nat.udp_timeout_ms = d.max(1);
                }
            }
            ("tcp-timeout", Some(v)) => {
                if let Some(d) = p.duration(ln, v) {
                    nat.tcp_timeout_ms = d.max(1);
                }
            }
            ("refresh", Some(v)) => match v.text.as_str() {
                "outbound" => nat.refresh = NatRefresh::Outbound,
                "both" => nat.refresh = NatRefresh::Both,
                _ => p.err(
                    ln,
                    v,
                    "refresh takes outbound or both",
                    Some(
                        "outbound: only packets from inside keep a mapping (RFC 4787 REQ-6)".into(),
                    ),
                ),
            },
            (o @ ("mapping" | "filtering"), Some(v)) => match nat_behaviour(&v.text) {
                Some(b) if o == "mapping" => nat.mapping = b,
                Some(b) => nat.filtering = b,
                None => p.err(
                    ln,
                    v,
                    format!("{o} takes endpoint-independent or address-dependent"),
                    None,
                ),
            },
            ("first-port", Some(v)) => match v.text.parse::<u16>() {
                Ok(n) if n >= 1024 => nat.first_port = n,
                _ => p.err(ln, v, "first-port must be 1024–65535", None),
            },
            (o, None) if NAT_OPTS.contains(&o) => {
                p.err(ln, w, format!("'{o}' needs a value"), None)
            }
            (o, _) => {
                let hint =
                    nearest(o, NAT_OPTS.iter().copied()).map(|n| format!("did you mean '{n}'?"));
                p.err(
                    ln,
                    w,
                    format!("unknown NAT option '{o}'"),
                    hint.or(Some(format!(
                        "options: {} (each with a value)",
                        NAT_OPTS.join(", ")
                    ))),
                );
                k += if ws
                    .get(k + 1)
                    .is_some_and(|x| !NAT_OPTS.contains(&x.text.as_str()))
                {
                    2
                } else {
                    1
                };
                continue;
            }
        }
        k += 2;
    }
    if nat.public_ip.is_empty() {
        p.err(
            ln,
            name,
            format!("NAT '{}' needs a public address", nat.name),
            Some("add: public 203.0.113.7".into()),
        );
    }
    if !p.nat_names.insert(nat.name.clone()) {
        p.err(
            ln,
            name,
            format!("NAT '{}' is declared twice", nat.name),
            None,
        );
    }
    sc.nats.push(nat);
}

fn parse_failure(p: &mut P, ln: u32, ws: &[Word], k: &mut usize) -> Option<Failure> {
    let Some(w) = ws.get(*k + 1) else {
        p.err(
            ln,
            &ws[*k],
            format!("'{}' needs give-up or retry TIME", ws[*k].text),
            Some("e.g. on-403 retry 30s backoff 2 max 10m".into()),
        );
        *k += 1;
        return None;
    };
    *k += 2;
    match w.text.as_str() {
        "give-up" => Some(Failure::GiveUp),
        "retry" => {
            // `retry` alone: RFC 5626 §4.5 backoff; `retry 30s …`: a fixed schedule.
            let Some(after) = ws
                .get(*k)
                .filter(|t| t.text.starts_with(|c: char| c.is_ascii_digit()))
                .and_then(|t| p.duration(ln, t))
            else {
                return Some(RFC5626_RETRY);
            };
            *k += 1;
            let mut f = Failure::Retry {
                after_ms: after,
                backoff: 1.0,
                max_ms: after,
            };
            let mut max_set = false;
            loop {
                match ws.get(*k).map(|t| t.text.as_str()) {
                    Some("backoff") => {
                        let v = ws
                            .get(*k + 1)
                            .and_then(|t| t.text.parse::<f64>().ok())
                            .filter(|b| (1.0..=10.0).contains(b));
                        match v {
                            Some(b) => {
                                if let Failure::Retry {
                                    backoff,
                                    max_ms,
                                    after_ms,
                                } = &mut f
                                {
                                    *backoff = b;
                                    if !max_set {
                                        *max_ms = after_ms.saturating_mul(16);
                                    }
                                }
                            }
                            None => p.err(ln, &ws[*k], "backoff needs a factor from 1 to 10", None),
                        }
                        *k += 2;
                    }
                    Some("max") => {
                        match ws.get(*k + 1) {
                            Some(t) => {
                                if let Some(m) = p.duration(ln, t) {
                                    if let Failure::Retry { max_ms, .. } = &mut f {
                                        *max_ms = m;
                                    }
                                    max_set = true;
                                }
                            }
                            None => p.err(ln, &ws[*k], "'max' needs a time, e.g. max 10m", None),
                        }
                        *k += 2;
                    }
                    _ => break,
                }
            }
            Some(f)
        }
        other => {
            p.err(
                ln,
                w,
                format!("'{other}' is not give-up or retry"),
                Some("e.g. on-403 give-up, or on-403 retry 30s".into()),
            );
            None
        }
    }
}

fn parse_device(p: &mut P, sc: &mut Scenario, ln: u32, ws: &[Word]) {
    if ws.len() < 5 {
        p.err(
            ln,
            &ws[0],
            "a device needs: device NAME USER TRANSPORT ADDRESS:PORT",
            Some("e.g. device desk alice udp 192.168.1.10:5060 behind home".into()),
        );
        return;
    }
    let (name, user, tp, ad) = (&ws[1], &ws[2], &ws[3], &ws[4]);
    let Some(protocol) = Protocol::parse(&tp.text) else {
        p.err(
            ln,
            tp,
            format!("unknown transport '{}'", tp.text),
            Some("one of udp, tcp, tls, ws, wss".into()),
        );
        return;
    };
    let Some((ip, port)) = addr(&ad.text) else {
        p.err(
            ln,
            ad,
            format!("'{}' is not an IP:port address", ad.text),
            Some("e.g. 192.168.1.10:5060".into()),
        );
        return;
    };
    let mut d = Device {
        name: name.text.clone(),
        user: user.text.clone(),
        protocol,
        ip,
        port,
        behind: None,
        expires: 3600,
        refresh: Refresh::Before { ms: 10_000 },
        on_403: RFC5626_RETRY,
        on_timeout: RFC5626_RETRY,
        keepalive: KeepAlive::None,
        answers_options: true,
        contact_params: String::new(),
        rinstance: false,
        online: true,
        line: ln,
    };
    let mut k = 5;
    while k < ws.len() {
        let w = &ws[k];
        let v = ws.get(k + 1);
        match w.text.as_str() {
            "behind" => {
                match v {
                    Some(v) => d.behind = Some(v.text.clone()),
                    None => p.err(ln, w, "'behind' needs a NAT name", None),
                }
                k += 2;
            }
            "expires" => {
                match v.map(|v| (v, v.text.parse::<u32>())) {
                    Some((_, Ok(0))) => p.err(
                        ln,
                        v.unwrap_or(w),
                        "expires 0 would unregister on every REGISTER",
                        Some(
                            "use at least 1, and 'at TIME unregister DEVICE' to unregister".into(),
                        ),
                    ),
                    Some((_, Ok(e))) => d.expires = e,
                    Some((v, Err(_))) => p.err(
                        ln,
                        v,
                        "expires takes whole seconds",
                        Some("e.g. expires 300".into()),
                    ),
                    None => p.err(ln, w, "'expires' needs seconds", None),
                }
                k += 2;
            }
            "refresh" => {
                match v.map(|v| v.text.as_str()) {
                    Some(t) if t.starts_with("expires-") || t.starts_with('-') => {
                        match parse_duration(t.trim_start_matches("expires").trim_start_matches('-')) {
                            Ok(ms) => d.refresh = Refresh::Before { ms },
                            Err(e) => p.err(ln, v.unwrap_or(w), e, None),
                        }
                    }
                    Some(t) if t.ends_with('%') => match t[..t.len() - 1].parse::<f64>() {
                        Ok(f) if f > 0.0 && f <= 100.0 => {
                            d.refresh = Refresh::Fraction { f: f / 100.0 }
                        }
                        _ => p.err(
                            ln,
                            v.unwrap_or(w),
                            "refresh percentage must be 1–100%",
                            None,
                        ),
                    },
                    _ => p.err(
                        ln,
                        w,
                        "refresh takes -10s (before the granted expiry) or 50% (of the granted time)",
                        None,
                    ),
                }
                k += 2;
            }
            "on-403" => {
                if let Some(f) = parse_failure(p, ln, ws, &mut k) {
                    d.on_403 = f;
                }
            }
            "on-timeout" => {
                if let Some(f) = parse_failure(p, ln, ws, &mut k) {
                    d.on_timeout = f;
                }
            }
            "keepalive" => {
                match v.map(|v| v.text.as_str()) {
                    Some("none") => {
                        d.keepalive = KeepAlive::None;
                        k += 2;
                    }
                    Some(kind @ ("crlf" | "stun" | "options")) => {
                        let every = ws.get(k + 2).and_then(|t| p.duration(ln, t));
                        match every {
                            Some(every_ms) if every_ms >= 1000 => {
                                d.keepalive = match kind {
                                    "crlf" => KeepAlive::Crlf { every_ms },
                                    "stun" => KeepAlive::Stun { every_ms },
                                    _ => KeepAlive::Options { every_ms },
                                }
                            }
                            _ => p.err(ln, w, "keepalive needs an interval of at least 1s, e.g. keepalive crlf 30s", None),
                        }
                        if kind == "stun" && d.protocol.is_reliable() {
                            p.err(
                                ln,
                                &ws[k + 1],
                                "STUN keep-alives are for UDP (RFC 5626 §4.4.1)",
                                Some("over TCP/TLS use keepalive crlf".into()),
                            );
                        }
                        k += 3;
                    }
                    _ => {
                        p.err(
                            ln,
                            w,
                            "keepalive takes none, crlf TIME, stun TIME or options TIME",
                            None,
                        );
                        k += 2;
                    }
                }
            }
            "answers-options" => {
                match v.map(|v| v.text.as_str()) {
                    Some("yes") => d.answers_options = true,
                    Some("no") => d.answers_options = false,
                    _ => p.err(ln, w, "answers-options takes yes or no", None),
                }
                k += 2;
            }
            "contact-params" => {
                match v {
                    Some(v) if v.text.starts_with(';') => d.contact_params = v.text.clone(),
                    _ => p.err(
                        ln,
                        w,
                        "contact-params takes URI parameters starting with ';', e.g. ;ob",
                        None,
                    ),
                }
                k += 2;
            }
            "rinstance" => {
                d.rinstance = true;
                k += 1;
            }
            "offline" => {
                d.online = false;
                k += 1;
            }
            other => {
                let hint = nearest(other, DEVICE_OPTS.iter().copied())
                    .map(|n| format!("did you mean '{n}'?"));
                p.err(
                    ln,
                    w,
                    format!("unknown device option '{other}'"),
                    hint.or(Some(format!("options: {}", DEVICE_OPTS.join(", ")))),
                );
                k += 1;
                // Its value (a word that is not an option name) goes with it.
                if ws
                    .get(k)
                    .is_some_and(|x| !DEVICE_OPTS.contains(&x.text.as_str()))
                {
                    k += 1;
                }
            }
        }
    }
    if !p.device_names.insert(d.name.clone()) {
        p.err(
            ln,
            name,
            format!("device '{}' is declared twice", d.name),
            None,
        );
    }
    sc.devices.push(d);
}

fn names(ws: &[Word]) -> Vec<String> {
    ws.iter().map(|w| w.text.clone()).collect()
}

fn parse_action(p: &mut P, ln: u32, ws: &[Word]) -> Option<Action> {
    let a = &ws[0];
    let rest = &ws[1..];
    let need_devices = |p: &mut P| {
        if rest.is_empty() {
            p.err(
                ln,
                a,
                format!("'{}' needs at least one device name", a.text),
                None,
            );
            true
        } else {
            false
        }
    };
    Some(match a.text.as_str() {
        "register" if !need_devices(p) => Action::Register {
            devices: names(rest),
        },
        "unregister" if !need_devices(p) => Action::Unregister {
            devices: names(rest),
        },
        "unregister-all" if !need_devices(p) => Action::UnregisterAll {
            devices: names(rest),
        },
        "reboot" if !need_devices(p) => Action::Reboot {
            devices: names(rest),
        },
        "offline" if !need_devices(p) => Action::Offline {
            devices: names(rest),
        },
        "online" if !need_devices(p) => Action::Online {
            devices: names(rest),
        },
        "drop" if !need_devices(p) => Action::Drop {
            devices: names(rest),
        },
        "roam" => {
            let (Some(dev), Some(ad)) = (rest.first(), rest.get(1)) else {
                p.err(
                    ln,
                    a,
                    "roam needs a device and its new address",
                    Some("e.g. at 10m roam mobile 10.20.0.9:5060".into()),
                );
                return None;
            };
            let Some((ip, port)) = addr(&ad.text) else {
                p.err(
                    ln,
                    ad,
                    format!("'{}' is not an IP:port address", ad.text),
                    None,
                );
                return None;
            };
            Action::Roam {
                device: dev.text.clone(),
                ip,
                port,
            }
        }
        "nat" => {
            let (Some(n), Some(what)) = (rest.first(), rest.get(1)) else {
                p.err(
                    ln,
                    a,
                    "nat needs a name and reboot or rebind DEVICE",
                    Some("e.g. at 4m nat home reboot".into()),
                );
                return None;
            };
            match what.text.as_str() {
                "reboot" => Action::NatReboot {
                    nat: n.text.clone(),
                },
                "rebind" => match rest.get(2) {
                    Some(d) => Action::NatRebind {
                        nat: n.text.clone(),
                        device: d.text.clone(),
                    },
                    None => {
                        p.err(
                            ln,
                            what,
                            "rebind needs the device whose mapping changes",
                            None,
                        );
                        return None;
                    }
                },
                o => {
                    p.err(
                        ln,
                        what,
                        format!("unknown NAT event '{o}'"),
                        Some("reboot (all mappings lost) or rebind DEVICE (one new port)".into()),
                    );
                    return None;
                }
            }
        }
        "asterisk" => match rest.first().map(|w| w.text.as_str()) {
            Some("restart") => {
                let mut crash = false;
                let mut down_ms = 5_000;
                let mut k = 1;
                while k < rest.len() {
                    match rest[k].text.as_str() {
                        "graceful" => crash = false,
                        "crash" => crash = true,
                        "down" => {
                            match rest.get(k + 1) {
                                Some(t) => {
                                    if let Some(d) = p.duration(ln, t) {
                                        down_ms = d;
                                    }
                                }
                                None => {
                                    p.err(ln, &rest[k], "'down' needs a time, e.g. down 30s", None)
                                }
                            }
                            k += 1;
                        }
                        o => p.err(
                            ln,
                            &rest[k],
                            format!("unknown restart option '{o}'"),
                            Some("graceful, crash, down TIME".into()),
                        ),
                    }
                    k += 1;
                }
                Action::Restart { crash, down_ms }
            }
            _ => {
                p.err(
                    ln,
                    a,
                    "asterisk takes restart [graceful|crash] [down TIME] or reload {",
                    None,
                );
                return None;
            }
        },
        "dial" => match rest.first() {
            Some(e) => {
                no_extra(p, ln, rest, 1);
                Action::Dial {
                    endpoint: e.text.clone(),
                }
            }
            None => {
                p.err(ln, a, "dial needs an endpoint name", None);
                return None;
            }
        },
        "register" | "unregister" | "unregister-all" | "reboot" | "offline" | "online" | "drop" => {
            return None
        }
        other => {
            let hint =
                nearest(other, ACTIONS.iter().copied()).map(|n| format!("did you mean '{n}'?"));
            p.err(
                ln,
                a,
                format!("unknown action '{other}'"),
                hint.or(Some(format!("one of: {}", ACTIONS.join(", ")))),
            );
            return None;
        }
    })
}
