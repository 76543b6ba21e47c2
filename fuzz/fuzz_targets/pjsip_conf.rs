//! pjsip.conf parser: any text, read as every Asterisk release reads it.
#![no_main]

use aorlab_registrar::{parse_pjsip_conf, parse_pjsip_conf_for, Profile};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = parse_pjsip_conf(&text);
    // The release is chosen by the first byte so one input explores one release deeply:
    // every release where registrar behaviour changes, and every branch's latest.
    let releases = Profile::milestones();
    let pick = &releases[data.first().map_or(0, |b| *b as usize) % releases.len()];
    let profile = Profile::parse(&pick.version).unwrap_or_default();
    let _ = parse_pjsip_conf_for(&text, profile);
});
