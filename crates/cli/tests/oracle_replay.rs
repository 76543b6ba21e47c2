//! Every recording of a real Asterisk under ../shared/oracle (every folder:
//! cases/ and random-22/ from 22.11, cases-20/ from 20.15.2, cases-18/ from
//! 18.26.4, and whatever is added later) must replay with zero mismatches, each
//! with the behaviour of the release it names. New recordings are picked up as-is.

use aorlab_cli::replay::{case_files, replay_case};
use std::path::PathBuf;

fn oracle_root() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("AORLAB_ORACLE_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle");
    d.is_dir().then_some(d)
}

/// The folders holding recordings: the root itself if it has any, and each subfolder.
fn folders(root: &PathBuf) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("oracle dir readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.push(root.clone());
    v.sort();
    v.retain(|d| !case_files(d).is_empty());
    v
}

#[test]
fn every_recorded_case_replays_without_mismatch() {
    let Some(root) = oracle_root() else {
        eprintln!("SKIPPED: no oracle recordings (../shared/oracle next to the repository, or AORLAB_ORACLE_DIR)");
        return;
    };
    let dirs = folders(&root);
    assert!(!dirs.is_empty(), "no recordings under {}", root.display());
    let mut failures = Vec::new();
    let mut cases = 0;
    for dir in &dirs {
        let files = case_files(dir);
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
        eprintln!("{}: {} cases, {checks} checks", dir.display(), files.len());
        assert!(
            checks > 100 * files.len() / 4,
            "{}: suspiciously few checks: {checks}",
            dir.display()
        );
        cases += files.len();
    }
    eprintln!("replayed {cases} cases in {} folders", dirs.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
