//! pjsip.conf parser: any text, read as one of the Asterisk releases where the behaviour
//! changes (chosen by the first byte). `parse_pjsip_conf_for` runs the release-free parse and
//! then that release's restrictions, so one call per input covers both.
#![no_main]

use std::sync::OnceLock;

use aorlab_registrar::{parse_pjsip_conf_for, Profile};
use libfuzzer_sys::fuzz_target;

/// Every release where registrar behaviour changes and every branch's latest, computed once
/// (building the list per input was a tenth of the run time).
fn releases() -> &'static [Profile] {
    static RELEASES: OnceLock<Vec<Profile>> = OnceLock::new();
    RELEASES.get_or_init(|| {
        Profile::milestones()
            .iter()
            .map(|m| Profile::parse(&m.version).unwrap_or_default())
            .collect()
    })
}

fuzz_target!(|data: &[u8]| aorlab_fuzz::within_cpu_limit(|| check(data)));

fn check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let releases = releases();
    let profile = releases[data.first().map_or(0, |b| *b as usize) % releases.len()];
    let _ = parse_pjsip_conf_for(&text, profile);
}
