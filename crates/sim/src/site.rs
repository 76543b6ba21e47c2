//! A whole site as scenario text: many phones, each on its own AOR, behind a
//! few NATs, for hours, with a NAT reboot and an Asterisk restart. `aorlab gen
//! site` prints it and the `site` benchmark runs it, so anyone can rerun the
//! scale figures in README.

/// What [`site_scenario`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSpec {
    pub phones: usize,
    /// 1 to [`MAX_SITE_NATS`].
    pub nats: usize,
    pub hours: u32,
    /// `qualify_frequency` in seconds; 0 leaves qualify off.
    pub qualify_s: u32,
    pub seed: u64,
}

/// Public and private addresses are derived from the NAT's number, one octet.
pub const MAX_SITE_NATS: usize = 250;
/// Phones behind one NAT: 10.K.x.y with x, y from the phone's number.
const PER_NAT_MAX: usize = 250 * 250;
/// Phones whose first REGISTER leaves in the same second (a site boots in waves).
const WAVE: usize = 50;

impl SiteSpec {
    /// Why this spec cannot be written, in the user's words.
    pub fn check(&self) -> Result<(), String> {
        if self.phones == 0 {
            return Err("--phones must be at least 1".into());
        }
        if self.nats == 0 || self.nats > MAX_SITE_NATS {
            return Err(format!("--nats must be 1 to {MAX_SITE_NATS}"));
        }
        if self.phones.div_ceil(self.nats) > PER_NAT_MAX {
            return Err(format!("at most {PER_NAT_MAX} phones per NAT"));
        }
        if self.hours == 0 || self.hours > 24 * 31 {
            return Err("--hours must be 1 to 744 (31 days)".into());
        }
        Ok(())
    }
}

/// The scenario text. Phone `i` (from 1) is `pNNNNN` on AOR `pNNNNN`, behind
/// NAT `natKK` (round robin), UDP, expires 600. One NAT reboots a third of the
/// way in; Asterisk restarts (graceful, down 20 s) two thirds of the way in.
pub fn site_scenario(s: &SiteSpec) -> String {
    let name = |i: usize| format!("p{i:05}");
    let mut t = String::with_capacity(200 * s.phones + 1024);
    t.push_str(&format!(
        "# Generated: aorlab gen site --phones {} --nats {} --hours {} --qualify {} --seed {}\n",
        s.phones, s.nats, s.hours, s.qualify_s, s.seed
    ));
    t.push_str(&format!(
        "title A site: {} phones behind {} NATs for {} h\n",
        s.phones, s.nats, s.hours
    ));
    t.push_str("asterisk 22\n");
    t.push_str(&format!("seed {}\n\npjsip.conf {{\n", s.seed));
    t.push_str("[phone-ep](!)\ntype = endpoint\nrewrite_contact = yes\n\n");
    t.push_str("[phone-aor](!)\ntype = aor\nmax_contacts = 2\nremove_existing = yes\n");
    if s.qualify_s > 0 {
        t.push_str(&format!("qualify_frequency = {}\n", s.qualify_s));
    }
    for i in 1..=s.phones {
        let n = name(i);
        t.push_str(&format!(
            "\n[{n}](phone-ep)\naors = {n}\n[{n}](phone-aor)\n"
        ));
    }
    t.push_str("}\n\n");
    for k in 1..=s.nats {
        t.push_str(&format!(
            "nat nat{k:02} public 203.0.113.{k} udp-timeout 120s\n"
        ));
    }
    for i in 1..=s.phones {
        let (k, j) = ((i - 1) % s.nats + 1, (i - 1) / s.nats);
        t.push_str(&format!(
            "device {n} {n} udp 10.{k}.{}.{}:5060 behind nat{k:02} expires 600\n",
            j / 250,
            j % 250 + 2,
            n = name(i)
        ));
    }
    t.push('\n');
    let names: Vec<String> = (1..=s.phones).map(name).collect();
    for (w, chunk) in names.chunks(WAVE).enumerate() {
        t.push_str(&format!("at {w}s register {}\n", chunk.join(" ")));
    }
    let min = u64::from(s.hours) * 60;
    t.push_str(&format!("at {}m nat nat01 reboot\n", min / 3));
    t.push_str(&format!(
        "at {}m asterisk restart graceful down 20s\n",
        2 * min / 3
    ));
    t.push_str(&format!("until {}h\n", s.hours));
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{BindingChange, RecordKind};

    fn spec(phones: usize, nats: usize) -> SiteSpec {
        SiteSpec {
            phones,
            nats,
            hours: 1,
            qualify_s: 60,
            seed: 1,
        }
    }

    #[test]
    fn small_site_parses_and_every_phone_registers() {
        let t = crate::run_text(&site_scenario(&spec(12, 3))).expect("parses");
        assert!(t.warnings.is_empty(), "{:?}", t.warnings);
        assert_eq!(t.devices.len(), 12);
        // Every phone's first REGISTER is accepted: one "added" per phone at least.
        for i in 1..=12 {
            let n = format!("p{i:05}");
            assert!(
                t.records
                    .iter()
                    .any(|r| r.change == Some(BindingChange::Added) && r.summary.contains(&n)),
                "{n} never added"
            );
        }
        // The NAT reboot and the restart are in the timeline.
        assert!(t
            .records
            .iter()
            .any(|r| r.kind == RecordKind::Nat && r.actor == "nat01"));
        assert!(t.records.iter().any(|r| r.kind == RecordKind::Asterisk));
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(spec(0, 1).check().is_err());
        assert!(spec(10, 0).check().is_err());
        assert!(spec(10, 251).check().is_err());
        assert!(spec(10, 2).check().is_ok());
    }
}
