//! The `aorlab` command line.

use aorlab_cli::replay::{case_files, replay_case, summary_line};
use std::process::ExitCode;

const USAGE: &str = "usage: aorlab <command> …

commands:
  run FILE [--json] [--at TIME] [--verbose]
                      run a scenario: timeline, then a summary per device
  run --preset NAME   run a built-in preset
  run FILE --set TYPE.SECTION.OPTION=VALUE …
                      run with pjsip.conf changed: aor.alice.max_contacts=3,
                      endpoint.alice.rewrite_contact=no, global.OPTION=VALUE,
                      asterisk=20.15.2 (overrides in the object's own section)
  compare FILE --set … [--json]
                      run as written (A) and with the changes (B); what B removes and adds
  advise FILE [--json]
                      search the settings that decide registrations; smallest fix first
  check FILE          print every problem in a scenario file (exit 1 on errors)
  link FILE [--embed] [--base URL]
                      print the share (or embed) link for a scenario file
                      (FILE may be preset:NAME)
  run LINK            run a scenario from a share link
  presets [--print NAME]
                      list the built-in presets, or print one's text
  import FILE [--conf pjsip.conf] [--asterisk RELEASE] [--out FILE] [--anonymise] [--json] [--check]
                      read an Asterisk log (pjsip logger on) or a pcap/pcapng: devices,
                      REGISTERs and answers; --check holds the model against them
  gen site --phones N [--nats M] [--hours H] [--qualify S] [--seed X]
                      print a whole-site scenario (each phone on its own AOR behind
                      M NATs, default 20 NATs, 24 h, qualify 60 s, seed 1)
  replay FILE.json…   replay recordings of a real Asterisk against the registrar
                      (a folder replays every *.json in it)
";

fn replay(args: &[String]) -> ExitCode {
    let mut files = Vec::new();
    for a in args {
        let p = std::path::Path::new(a);
        if p.is_dir() {
            files.extend(case_files(p));
        } else {
            files.push(p.to_path_buf());
        }
    }
    if files.is_empty() {
        eprintln!("aorlab replay: no case files given\n\n{USAGE}");
        return ExitCode::from(2);
    }
    let mut reports = Vec::new();
    for f in &files {
        let r = std::fs::read_to_string(f)
            .map_err(|e| format!("{}: {e}", f.display()))
            .and_then(|t| {
                serde_json::from_str(&t).map_err(|e| format!("{}: not JSON: {e}", f.display()))
            })
            .and_then(|v| replay_case(&v));
        match &r {
            Ok(c) if c.mismatches.is_empty() => {
                println!("ok    {} ({} steps, {} checks)", c.case, c.steps, c.checks)
            }
            Ok(c) => {
                println!(
                    "FAIL  {} ({} of {} checks differ)",
                    c.case,
                    c.mismatches.len(),
                    c.checks
                );
                for m in &c.mismatches {
                    println!("  {m}");
                }
            }
            Err(e) => println!("ERROR {}: {e}", f.display()),
        }
        reports.push(r);
    }
    let line = summary_line(&reports);
    println!("{line}");
    if line.ends_with(" 0 failed") {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// mimalloc instead of the system allocator: a whole site allocates and frees
/// millions of small strings and records, where glibc's malloc spent about a
/// fifth of the run (consolidating and unlinking chunks). Native CLI only; the
/// engine and the page's wasm build are untouched.
#[global_allocator]
static ALLOC: aorlab_alloc::Mimalloc = aorlab_alloc::Mimalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("replay") => replay(&args[1..]),
        Some("import") => aorlab_cli::import::main_import(&args[1..]),
        Some(cmd @ ("run" | "check" | "presets" | "link" | "compare" | "advise" | "gen")) => {
            let r = match cmd {
                "gen" => aorlab_cli::gen::main_gen(&args[1..]),
                "run" => match aorlab_cli::run::main_run(&args[1..], &mut std::io::stdout()) {
                    Ok(None) => return ExitCode::SUCCESS,
                    Ok(Some(s)) => Ok(s),
                    Err(e) => Err(e),
                },
                "compare" => aorlab_cli::compare::main_compare(&args[1..]),
                "advise" => aorlab_cli::compare::main_advise(&args[1..]),
                "link" => aorlab_cli::run::main_link(&args[1..]),
                "check" => aorlab_cli::run::main_check(&args[1..]),
                _ => aorlab_cli::run::main_presets(&args[1..]),
            };
            match r {
                Ok(s) => {
                    // A closed pipe (`| head`) is not an error worth a panic.
                    use std::io::Write;
                    let _ = writeln!(std::io::stdout(), "{}", s.trim_end());
                    ExitCode::SUCCESS
                }
                Err((code, s)) => {
                    eprintln!("{}", s.trim_end());
                    ExitCode::from(code)
                }
            }
        }
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("aorlab: unknown command '{other}'\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
