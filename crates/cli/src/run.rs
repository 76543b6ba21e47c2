//! `aorlab run` / `check` / `presets`: scenario text to readable output.

use std::io::Write;

use aorlab_sim::{
    clock, parse, parse_duration, run_text, BindingChange, Diagnostic, RecordKind, Severity, Trace,
    PRESETS,
};

pub fn print_diagnostics(file: &str, diags: &[Diagnostic]) -> String {
    let mut s = String::new();
    for d in diags {
        s.push_str(&format!("{file}:{d}\n"));
    }
    s
}

/// "1 warning", "0 warnings".
fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Up to this many phones, the summary lists each phone's incidents without --verbose.
const DETAILED_UP_TO: usize = 10;

/// A readable timeline and a per-device summary.
pub fn render_timeline(t: &Trace, verbose: bool) -> String {
    let mut s = String::new();
    if !t.title.is_empty() {
        s.push_str(&format!("# {}\n", t.title));
    }
    if !t.lesson.is_empty() {
        s.push_str(&format!("# {}\n", t.lesson));
    }
    s.push('\n');
    for r in &t.records {
        if !verbose
            && (r.kind == RecordKind::Sip
                || r.kind == RecordKind::Qualify
                || (r.kind == RecordKind::Change && r.change == Some(BindingChange::Refreshed)))
        {
            continue;
        }
        s.push_str(&format!(
            "{:>8}  {:<10} {}\n",
            clock(r.at_ms),
            r.actor,
            r.summary
        ));
        if let Some(l) = &r.log {
            s.push_str(&format!("{:>8}  {:<10}   log: {l}\n", "", ""));
        }
        if let Some(w) = &r.why {
            if r.kind == RecordKind::Change || r.kind == RecordKind::Dial {
                s.push_str(&format!("{:>8}  {:<10}   why: {w}\n", "", ""));
            }
        }
    }
    s.push_str("\nSummary (worst first)\n");
    // One line per phone; the incidents under it for a few phones, or all with --verbose.
    let details = verbose || t.devices.len() <= DETAILED_UP_TO;
    for d in &t.devices {
        s.push_str(&format!("  {}\n", d.line));
        if details && (d.incidents.len() > 1 || verbose) {
            let shown = if verbose { usize::MAX } else { 6 };
            for i in d.incidents.iter().take(shown) {
                s.push_str(&format!("      {}\n", i.text));
            }
            if d.incidents.len() > shown {
                s.push_str(&format!(
                    "      … {} more (--verbose shows all)\n",
                    d.incidents.len() - shown
                ));
            }
        }
    }
    s
}

pub fn render_state(t: &Trace, at: u64) -> String {
    let st = t.state_at(at);
    let mut s = format!("State at {}\n\n", clock(at));
    for c in &st.contacts {
        s.push_str(&format!(
            "  {}/{}  expires in {} s  {}  → {}\n",
            c.aor,
            c.uri,
            c.expires_in_s,
            c.status,
            c.reaches.as_deref().unwrap_or("nobody (stale)")
        ));
    }
    if st.contacts.is_empty() {
        s.push_str("  (no bindings)\n");
    }
    s.push('\n');
    for (ep, d) in &st.dial {
        s.push_str(&format!(
            "  PJSIP_DIAL_CONTACTS({ep}) = {}\n",
            if d.is_empty() { "(empty)" } else { d }
        ));
    }
    s
}

/// What `aorlab run` was asked for.
struct RunArgs {
    json: bool,
    verbose: bool,
    at: Option<u64>,
    name: String,
    text: String,
}

fn run_args(args: &[String]) -> Result<RunArgs, (u8, String)> {
    let mut json = false;
    let mut verbose = false;
    let mut at: Option<u64> = None;
    let mut file: Option<String> = None;
    let mut preset: Option<String> = None;
    let mut sets: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--verbose" | "-v" => verbose = true,
            "--at" => {
                let v = it
                    .next()
                    .ok_or((2, "--at needs a time, e.g. --at 10m".to_string()))?;
                at = Some(parse_duration(v).map_err(|e| (2, e))?);
            }
            "--set" => sets.push(
                it.next()
                    .ok_or((2, "--set needs TYPE.SECTION.OPTION=VALUE".to_string()))?
                    .clone(),
            ),
            "--preset" => {
                preset = Some(
                    it.next()
                        .ok_or((2, "--preset needs a name (see aorlab presets)".to_string()))?
                        .clone(),
                )
            }
            f => file = Some(f.to_string()),
        }
    }
    let (name, text) = load(preset, file)?;
    let text = aorlab_sim::compare::apply_sets(&text, &sets).map_err(|e| (2, e))?;
    Ok(RunArgs {
        json,
        verbose,
        at,
        name,
        text,
    })
}

/// `aorlab run`: the trace as JSON (`--json`, written straight to `out`: a whole
/// site's JSON is hundreds of MB, so it is never held as one string), or a
/// readable timeline / state returned as text.
pub fn main_run(
    args: &[String],
    out: &mut dyn std::io::Write,
) -> Result<Option<String>, (u8, String)> {
    let a = run_args(args)?;
    let t = run_text(&a.text).map_err(|d| (1, print_diagnostics(&a.name, &d)))?;
    if a.json {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        // Compact, not indented: a 2,000-phone day is 72 MB instead of 128 MB, and
        // the indenting writer was about 4 % of a 500-phone day's instructions.
        let written = serde_json::to_writer(&mut w, &t).map_err(std::io::Error::from);
        // A closed pipe (`| head`) is not an error worth a panic or a message.
        let _ = written.and_then(|()| writeln!(w)).and_then(|()| w.flush());
        // The process ends next: freeing a whole day's records one by one would
        // only cost time (about 1.5 % of a 10,000-phone run).
        std::mem::forget(t);
        return Ok(None);
    }
    let mut s = String::new();
    if !t.warnings.is_empty() {
        s.push_str(&print_diagnostics(&a.name, &t.warnings));
    }
    s.push_str(&match a.at {
        Some(at) => render_state(&t, at),
        None => render_timeline(&t, a.verbose),
    });
    Ok(Some(s))
}

pub fn main_check(args: &[String]) -> Result<String, (u8, String)> {
    let f = args.first().ok_or((2, "aorlab check FILE".to_string()))?;
    let text = std::fs::read_to_string(f).map_err(|e| (2, format!("{f}: {e}")))?;
    match parse(&text) {
        Ok((_, warnings)) => Ok(format!(
            "{}{f}: ok ({})",
            print_diagnostics(f, &warnings),
            count(warnings.len(), "warning")
        )),
        Err(d) => {
            let errors = d.iter().filter(|x| x.severity == Severity::Error).count();
            // Follow-on problems are listed under their cause and counted apart.
            let more: usize = d.iter().map(|x| x.follow_ons.len()).sum();
            let more = if more > 0 {
                format!(" (+{more} caused by them)")
            } else {
                String::new()
            };
            Err((
                1,
                format!(
                    "{}{f}: {}{more}",
                    print_diagnostics(f, &d),
                    count(errors, "error")
                ),
            ))
        }
    }
}

pub fn main_presets(args: &[String]) -> Result<String, (u8, String)> {
    if args.first().map(String::as_str) == Some("--print") {
        let n = args
            .get(1)
            .ok_or((2, "--print needs a preset name".to_string()))?;
        return aorlab_sim::preset(n)
            .map(|p| p.text.to_string())
            .ok_or((2, format!("no preset '{n}'")));
    }
    Ok(PRESETS
        .iter()
        .map(|p| format!("{:<20} {}", p.name, p.title()))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// A share link (URL or bare `v1.` fragment) rather than a file name.
fn looks_like_link(s: &str) -> bool {
    s.contains("#v")
        || (s.starts_with('v')
            && s.split_once('.')
                .is_some_and(|(p, _)| p[1..].chars().all(|c| c.is_ascii_digit()))
            && !std::path::Path::new(s).exists())
}

/// `aorlab link FILE [--embed] [--base URL]`.
pub fn main_link(args: &[String]) -> Result<String, (u8, String)> {
    let mut embed = false;
    let mut base = "http://127.0.0.1:8080".to_string();
    let mut file = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--embed" => embed = true,
            "--base" => {
                base = it
                    .next()
                    .ok_or((2, "--base needs a URL".to_string()))?
                    .clone()
            }
            f => file = Some(f.to_string()),
        }
    }
    let f = file.ok_or((2, "aorlab link FILE [--embed] [--base URL]".to_string()))?;
    let text = match aorlab_sim::preset(f.trim_start_matches("preset:")) {
        Some(p) if f.starts_with("preset:") => p.text.to_string(),
        _ => std::fs::read_to_string(&f).map_err(|e| (2, format!("{f}: {e}")))?,
    };
    if let Err(d) = parse(&text) {
        return Err((
            1,
            format!(
                "{}{f}: fix the errors before sharing",
                print_diagnostics(&f, &d)
            ),
        ));
    }
    Ok(aorlab_sim::link::url(
        &base,
        &text,
        &aorlab_sim::link::View::default(),
        embed,
    ))
}

/// The scenario text and a name for messages: a preset, a share link or a file.
pub fn load(
    preset: Option<String>,
    file: Option<String>,
) -> Result<(String, String), (u8, String)> {
    Ok(match (preset, file) {
        (Some(p), _) => {
            let pr = aorlab_sim::preset(&p)
                .ok_or((2, format!("no preset '{p}' (see aorlab presets)")))?;
            (format!("preset:{p}"), pr.text.to_string())
        }
        (None, Some(f)) if looks_like_link(&f) => {
            let d = aorlab_sim::link::decode(aorlab_sim::link::fragment_of(&f));
            if let Some(problem) = d.problem {
                return Err((1, format!("{problem}\n{}", d.text)));
            }
            ("link".to_string(), d.text)
        }
        (None, Some(f)) => (
            f.clone(),
            std::fs::read_to_string(&f).map_err(|e| (2, format!("{f}: {e}")))?,
        ),
        (None, None) => {
            return Err((
                2,
                "aorlab run FILE [--json] [--at TIME] [--verbose] [--set TYPE.SECTION.OPTION=VALUE]… | aorlab run --preset NAME"
                    .into(),
            ))
        }
    })
}
