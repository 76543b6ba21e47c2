//! `aorlab compare` and `aorlab advise`: what if, and what should I set.

use crate::run::{load, print_diagnostics};
use aorlab_sim::advise::{advise_with, figures_line, measure, Advice, Job, Measured};
use aorlab_sim::compare::{
    apply_sets, compare, summary_lines, traffic_factor, Comparison, Outcome,
};
use aorlab_sim::{format_duration, run_text};

/// FILE (or --preset NAME), --json and every --set.
struct Args {
    name_text: (String, String),
    json: bool,
    sets: Vec<String>,
}

fn read_args(args: &[String], usage: &str) -> Result<Args, (u8, String)> {
    let (mut json, mut sets, mut file, mut preset) = (false, Vec::new(), None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--set" => sets.push(
                it.next()
                    .ok_or((2, "--set needs TYPE.SECTION.OPTION=VALUE".to_string()))?
                    .clone(),
            ),
            "--preset" => preset = Some(it.next().ok_or((2, usage.to_string()))?.clone()),
            f => file = Some(f.to_string()),
        }
    }
    if file.is_none() && preset.is_none() {
        return Err((2, usage.to_string()));
    }
    Ok(Args {
        name_text: load(preset, file)?,
        json,
        sets,
    })
}

fn run(name: &str, text: &str) -> Result<aorlab_sim::Trace, (u8, String)> {
    run_text(text).map_err(|d| (1, print_diagnostics(name, &d)))
}

/// One side's per-phone figures.
fn render_outcome(label: &str, o: &Outcome) -> String {
    let mut s = format!("{label} (Asterisk {})\n", o.version);
    for p in &o.phones {
        let f = &p.figures;
        s.push_str(&format!(
            "  {:<12} not registered {:>8}  unreachable {:>8}  403s {}  {}\n",
            p.device,
            format_duration(f.not_registered_ms),
            format_duration(f.unreachable_ms),
            f.rejections_403,
            if f.gave_up > 0 { "gave up" } else { "" }
        ));
    }
    s.push_str(&format!(
        "  stale bindings at the end: {}; dials ringing nobody: {}; SIP requests (REGISTER, OPTIONS): {}\n",
        o.total.stale_bindings_at_end, o.total.dials_ringing_nobody, o.total.requests
    ));
    s
}

pub fn render_comparison(c: &Comparison) -> String {
    let mut s = render_outcome("A: as written", &c.a);
    s.push_str(&render_outcome(&format!("B: {}", c.sets.join(" ")), &c.b));
    s.push_str("\nDifferences\n");
    for l in &c.summary {
        s.push_str(&format!("  {l}\n"));
    }
    s
}

/// `aorlab compare FILE --set … [--json]`.
pub fn main_compare(args: &[String]) -> Result<String, (u8, String)> {
    let a = read_args(
        args,
        "aorlab compare FILE --set TYPE.SECTION.OPTION=VALUE… [--json]",
    )?;
    if a.sets.is_empty() {
        return Err((2, "aorlab compare needs at least one --set".into()));
    }
    let (name, text) = &a.name_text;
    let b_text = apply_sets(text, &a.sets).map_err(|e| (2, e))?;
    let c = compare(&run(name, text)?, &run(name, &b_text)?, &a.sets);
    Ok(if a.json {
        serde_json::to_string_pretty(&c).expect("comparison serializes")
    } else {
        render_comparison(&c)
    })
}

/// Difference lines printed per suggestion (a site can have hundreds).
const DIFFERENCES_SHOWN: usize = 6;

pub fn render_advice(a: &Advice) -> String {
    let mut s = render_outcome("As written", &a.before);
    s.push('\n');
    if a.already_right {
        for n in &a.notes {
            s.push_str(&format!("{}\n", n.text));
        }
        s.push_str(&format!("({} run)\n", a.runs));
        return s;
    }
    s.push_str("Suggestions (best first; each line works as --set)\n");
    for (i, g) in a.suggestions.iter().enumerate() {
        let sets: Vec<String> = g.set.iter().map(|x| format!("--set {x}")).collect();
        s.push_str(&format!("{}. {}\n", i + 1, sets.join(" ")));
        s.push_str(&format!("     {}\n", figures_line(&g.before, &g.after)));
        if g.removes_every_lost_registration {
            s.push_str("     removes every lost registration\n");
        }
        if !g.trades.is_empty() {
            let t: Vec<&str> = g.trades.iter().map(|t| t.text.as_str()).collect();
            s.push_str(&format!("     trades: worse {}\n", t.join(", ")));
        }
        if let Some(x) = traffic_factor(&g.before, &g.after) {
            s.push_str(&format!(
                "     costs: SIP requests ×{x:.1} ({} → {})\n",
                g.before.requests, g.after.requests
            ));
        }
        let lines = summary_lines(&g.differences);
        for d in lines.iter().take(DIFFERENCES_SHOWN) {
            s.push_str(&format!("     {d}\n"));
        }
        if lines.len() > DIFFERENCES_SHOWN {
            let more = lines.len() - DIFFERENCES_SHOWN;
            s.push_str(&format!("     … and {more} more (--json lists them all)\n"));
        }
    }
    if a.suggestions.is_empty() {
        s.push_str("  (none)\n");
    }
    for n in &a.notes {
        s.push_str(&format!("\nNote: {}\n", n.text));
    }
    for p in &a.phone_side {
        s.push_str(&format!(
            "Measured on the phone side: {} → {}\n",
            p.change,
            figures_line(&a.before.total, &p.after)
        ));
    }
    s.push_str(&format!("\n({} runs)\n", a.runs));
    s
}

/// `aorlab advise FILE [--json]`.
pub fn main_advise(args: &[String]) -> Result<String, (u8, String)> {
    let a = read_args(args, "aorlab advise FILE [--json]")?;
    let (name, text) = &a.name_text;
    let text = apply_sets(text, &a.sets).map_err(|e| (2, e))?;
    run(name, &text)?;
    let adv = advise_with(&text, |jobs| run_parallel(&text, jobs))
        .map_err(|e| (1, format!("{name}: {e}")))?;
    Ok(if a.json {
        serde_json::to_string_pretty(&adv).expect("advice serializes")
    } else {
        render_advice(&adv)
    })
}

/// Each job on one of as many threads as the machine has cores (the runs are
/// independent; results come back in job order, failed runs left out).
fn run_parallel(text: &str, jobs: &[Job]) -> Vec<Measured> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, Measured)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.min(jobs.len()))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        if let Ok(m) = measure(text, job) {
                            mine.push((i, m));
                        }
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("an advise run panicked"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, m)| m).collect()
}
