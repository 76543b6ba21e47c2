//! Every recording of a real Asterisk in ../shared/oracle/cases must replay with
//! zero mismatches. New recordings dropped into that folder are picked up as-is.

use aorlab_cli::replay::replay_case;
use std::path::PathBuf;

fn oracle_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("AORLAB_ORACLE_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle/cases");
    d.is_dir().then_some(d)
}

#[test]
fn every_recorded_case_replays_without_mismatch() {
    let Some(dir) = oracle_dir() else {
        eprintln!("SKIPPED: no oracle recordings (../shared/oracle/cases next to the repository, or AORLAB_ORACLE_DIR)");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("oracle dir readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json in {}", dir.display());
    let mut failures = Vec::new();
    let mut checks = 0;
    for f in &files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        match replay_case(&v) {
            Ok(r) => {
                checks += r.checks;
                failures.extend(r.mismatches.iter().map(|m| m.to_string()));
            }
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    eprintln!("replayed {} cases, {checks} checks", files.len());
    assert!(
        checks > 100 * files.len() / 4,
        "suspiciously few checks: {checks}"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
