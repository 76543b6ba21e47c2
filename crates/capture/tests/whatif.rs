//! The what-if: captured REGISTERs replayed with changed settings. A hand-written
//! Asterisk log (two phones on one AOR, max_contacts = 1): the second phone is
//! refused with 403, the first refreshes. Changing max_contacts or
//! remove_existing changes exactly the answers and registered times it should.

mod common;
use aorlab_capture::registered::End;
use aorlab_capture::report::{import, Report, Request};
use common::{answer, register};

/// Phone a registers (200), phone b is refused (403), phone a refreshes (200).
fn log() -> String {
    [
        register("09:24:45.000", "a", 40001, 1),
        answer("09:24:45.001", "a", 40001, 1, "200 OK", &[40001]),
        register("09:24:46.000", "b", 40002, 1),
        answer("09:24:46.001", "b", 40002, 1, "403 Forbidden", &[]),
        register("09:24:47.000", "a", 40001, 2),
        answer("09:24:47.001", "a", 40001, 2, "200 OK", &[40001]),
    ]
    .concat()
}

const CONF: &str =
    "[alice]\ntype = endpoint\naors = alice\n\n[alice]\ntype = aor\nmax_contacts = 1\n";

fn run(sets: &[&str], anonymise: bool) -> Result<Report, String> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    import(
        log().as_bytes(),
        &Request {
            conf: Some(CONF),
            release: Some("22"),
            anonymise,
            sets: &sets,
        },
    )
    .map_err(|e| e.to_string())
}

#[test]
fn the_site_conf_reproduces_the_capture() {
    let r = run(&[], false).unwrap();
    let c = r.check.as_ref().unwrap();
    assert_eq!((c.passed, c.failed), (3, 0), "{:?}", c.verdicts);
    assert!(r.whatif.is_none());
    // Registered as Asterisk's 200 OKs listed it: a all along, b never.
    assert_eq!(r.registered[0].len(), 1);
    assert_eq!(r.registered[0][0].end, End::CaptureEnd);
    assert!(r.registered[1].is_empty());
}

#[test]
fn more_contacts_would_have_accepted_the_second_phone() {
    let r = run(&["aor.alice.max_contacts=2"], false).unwrap();
    let w = r.whatif.unwrap();
    assert_eq!(w.compared, 3);
    assert_eq!(
        w.changed.len(),
        2,
        "b accepted, and a's refresh then lists b too"
    );
    let b = &w.changed[0];
    assert_eq!(b.device, "alice-2");
    assert_eq!(b.captured.as_ref().unwrap().status, 403);
    assert_eq!(b.whatif.as_ref().unwrap().status, 200);
    assert!(
        b.why.iter().any(|l| l.contains("Added contact")),
        "{:?}",
        b.why
    );
    assert!(!b.baseline_differs);
    assert!(w.conf.contains("max_contacts = 2"), "{}", w.conf);
    let b_time = &w.devices[1];
    assert_eq!(b_time.captured_ms, 0);
    assert_eq!(
        b_time.whatif_ms, 1_001,
        "from b's 200 at 46.000 to the end at 47.001"
    );
    assert_eq!(w.devices[0].captured_ms, w.devices[0].whatif_ms);
    assert!(w.cannot_know[0].contains("stopped retrying"));
}

#[test]
fn remove_existing_would_have_swapped_the_phones() {
    let r = run(&["aor.alice.remove_existing=yes"], false).unwrap();
    let w = r.whatif.unwrap();
    let statuses: Vec<(u16, u16)> = w
        .changed
        .iter()
        .map(|c| {
            (
                c.captured.as_ref().unwrap().status,
                c.whatif.as_ref().unwrap().status,
            )
        })
        .collect();
    assert_eq!(statuses[0], (403, 200));
    // a: registered, replaced by b at 46.000, back at 47.000.
    let a = &w.devices[0].whatif;
    assert_eq!(a.len(), 2, "{a:?}");
    assert_eq!(a[0].end, End::NotListed);
    assert!(w.devices[0].whatif_ms < w.devices[0].captured_ms);
    assert_eq!(w.devices[1].whatif[0].end, End::NotListed);
}

#[test]
fn a_release_change_and_bad_changes() {
    let r = run(&["asterisk=18"], false).unwrap();
    assert!(r.whatif.unwrap().release.starts_with("18."));
    let e = run(&["aor.alice.max_contact=2"], false).unwrap_err();
    assert!(e.contains("did you mean 'max_contacts'"), "{e}");
    let e = run(&["aor.bob.max_contacts=2"], false).unwrap_err();
    assert!(e.contains("no [bob]"), "{e}");
    let sets = vec!["aor.alice.max_contacts=2".to_string()];
    let e = import(
        log().as_bytes(),
        &Request {
            conf: None,
            sets: &sets,
            ..Request::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("needs the site's pjsip.conf"), "{e}");
}

#[test]
fn anonymised_what_if_names_no_original() {
    let r = run(&["aor.alice.max_contacts=2"], true).unwrap();
    let json = serde_json::to_string(&r).unwrap();
    for secret in ["alice", "192.0.2.10", "198.51.100.1", "Yealink", "00:15:65"] {
        assert!(!json.contains(secret), "{secret} in the anonymised report");
    }
    let w = r.whatif.unwrap();
    assert_eq!(w.sets, vec!["aor.user1.max_contacts=2".to_string()]);
    assert_eq!(w.changed.len(), 2);
}
