//! Version profiles: which Asterisk behaviour applies (reference §11).

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Profile {
    /// 13.17 and older: remove_existing removes every other binding, no
    /// connection monitor, no prune at boot, no x-ast-orig-host, non-SIP Contacts skipped.
    V13_17,
    /// 13.18–13.30, 16.0–16.7: new remove_existing, monitor, prune at boot.
    V13_18,
    /// 16.8–16.21, 18.0–18.7: adds x-ast-orig-host.
    V16_8,
    /// 16.22+, 18.8+, 20.x, 22.x: adds remove_unavailable. The default.
    #[default]
    V22,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::V13_17,
        Profile::V13_18,
        Profile::V16_8,
        Profile::V22,
    ];

    /// Parse a version as users write it: `13.17`, `16`, `18.8.0`, `22`.
    pub fn from_version(v: &str) -> Option<Profile> {
        let mut it = v.trim().split('.');
        let major: u32 = it.next()?.parse().ok()?;
        let minor: u32 = match it.next() {
            Some(m) => m.parse().ok()?,
            None => u32::MAX,
        };
        if let Some(p) = it.next() {
            p.parse::<u32>().ok()?;
        }
        Some(match major {
            13 if minor <= 17 => Profile::V13_17,
            13 => Profile::V13_18,
            14 if minor < 7 => Profile::V13_17,
            14 => Profile::V13_18,
            15 if minor < 1 => Profile::V13_17,
            15 => Profile::V13_18,
            16 if minor < 8 => Profile::V13_18,
            16 if minor < 22 => Profile::V16_8,
            16 => Profile::V22,
            17 => Profile::V16_8,
            18 if minor < 8 => Profile::V16_8,
            18..=23 => Profile::V22,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Profile::V13_17 => "13.17 and older",
            Profile::V13_18 => "13.18–16.7",
            Profile::V16_8 => "16.8–16.21 / 18.0–18.7",
            Profile::V22 => "16.22+ / 18.8+ / 20 / 22",
        }
    }

    /// "evict the excess, soonest first" instead of "remove all untouched".
    pub fn evicts_soonest_expiring(self) -> bool {
        self >= Profile::V13_18
    }
    /// TCP/TLS/WS bindings tied to their connection; prune at boot.
    pub fn has_transport_monitor(self) -> bool {
        self >= Profile::V13_18
    }
    /// Non-SIP Contacts rejected upstream with 416 (earlier: silently skipped).
    pub fn rejects_non_sip_contact(self) -> bool {
        self >= Profile::V13_18
    }
    pub fn has_orig_host(self) -> bool {
        self >= Profile::V16_8
    }
    pub fn has_remove_unavailable(self) -> bool {
        self >= Profile::V22
    }
    /// Whether this version has an `[aor]` option at all (an unknown one makes
    /// sorcery refuse the AOR). `qualify_2xx_only` (20.12/21.7/22.2+) is taken
    /// as known from this profile on, although 16.22–20.11 lack it.
    pub fn knows_aor_option(self, name: &str) -> bool {
        match name {
            "remove_unavailable" | "qualify_2xx_only" => self >= Profile::V22,
            _ => true,
        }
    }
    /// Source address in the "will exceed max contacts" warning (16.17/18.3+).
    pub fn logs_source_on_max_contacts(self) -> bool {
        self >= Profile::V16_8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_profiles() {
        assert_eq!(Profile::from_version("13.17"), Some(Profile::V13_17));
        assert_eq!(Profile::from_version("13.18.0"), Some(Profile::V13_18));
        assert_eq!(Profile::from_version("16.8"), Some(Profile::V16_8));
        assert_eq!(Profile::from_version("16.22"), Some(Profile::V22));
        assert_eq!(Profile::from_version("17"), Some(Profile::V16_8));
        assert_eq!(Profile::from_version("18.7"), Some(Profile::V16_8));
        assert_eq!(Profile::from_version("20"), Some(Profile::V22));
        assert_eq!(Profile::from_version("22"), Some(Profile::V22));
        assert_eq!(Profile::from_version("12"), None);
        assert_eq!(Profile::from_version("x"), None);
    }
}
