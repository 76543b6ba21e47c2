//! Which Asterisk release the registrar behaves like.
//!
//! A `Profile` is one release (`20.15.2`). What it does is read from a table
//! keyed by release: for each registrar behaviour, the first release of every
//! branch that has it (and the commit that brought it). Callers ask named
//! yes/no questions (`sorts_retrieved_contacts`, …), never compare numbers:
//! a higher number on another branch says nothing (17.0 lacks what 16.8 has).
//! Sources and commits: docs/asterisk-versions.md.

use serde::{Deserialize, Serialize};

/// One Asterisk release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Profile {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

/// A registrar behaviour that some releases have and others lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// Expired bindings are deleted by a sweep every
    /// `contact_expiration_check_interval` (before: a timer per binding fired
    /// at its expiry).
    PeriodicExpirySweep,
    /// remove_existing evicts only the excess, soonest-expiring first (before:
    /// every binding the REGISTER did not touch).
    EvictsSoonestExpiring,
    /// TCP/TLS/WS bindings tied to their connection; pruned at boot.
    TransportMonitor,
    /// Non-SIP URIs refused with 416 by the message filter (before: skipped).
    RejectsNonSipUris,
    /// A new binding makes Asterisk qualify every contact of the AOR (before:
    /// only the new contact).
    QualifiesWholeAor,
    /// Removals logged with one wording per reason, the sweep included (before:
    /// "due to transport shutdown" / "due to remove_existing", a silent sweep).
    LogsEveryRemovalReason,
    /// The domain_alias pass of the AOR lookup works (before: it compared
    /// against the wrong buffer and never matched).
    DomainAliasLookup,
    /// rewrite_contact saves `x-ast-orig-host`; the 200 OK restores it.
    SavesOrigHost,
    /// `process_nat` no longer overwrites the first Contact of a 200 OK.
    KeepsResponseContact,
    /// The five registrar warnings name the source `(ip:port)`.
    LogsSourceAddress,
    /// `remove_unavailable` exists.
    RemoveUnavailable,
    /// WebSocket Contacts keep their original host in `x-ast-orig-host`.
    WebsocketOrigHost,
    /// `qualify_2xx_only` exists.
    Qualify2xxOnly,
    /// Sorcery returns contacts sorted by id, and keeps them sorted (before:
    /// astdb key order, static contacts after, this REGISTER's own appended last).
    SortsRetrievedContacts,
    /// The AOR is looked up from the To URI first, whatever `identify_by` says.
    AorFromToFirst,
    /// The unknown-endpoint notice names the method ("Request 'REGISTER' from")
    /// and is counted per source IP when `endpoint_identifier_order` has
    /// `auth_username` (before: "Request from", always logged at once).
    CountsUnidentifiedRequests,
    /// The unknown-endpoint notice prints the source with `pj_sockaddr_print`:
    /// IPv6 in brackets (before: `src_name:port`, unbracketed).
    BracketsIpv6Source,
}

/// The first release of each branch with a behaviour, and the commit on that branch.
pub struct Since {
    pub behaviour: Behaviour,
    /// What changed, as the version menu says it.
    pub what: &'static str,
    /// (branch, minor, patch, commit). A branch not listed never has it.
    pub first: &'static [(u16, u16, u16, &'static str)],
}

/// The behaviour table. Verified against the Asterisk git history
/// (`git tag --contains` on each branch's commit); see docs/asterisk-versions.md.
pub const TABLE: &[Since] = &[
    Since {
        behaviour: Behaviour::PeriodicExpirySweep,
        what: "expired bindings deleted by a sweep every contact_expiration_check_interval",
        first: &[
            (13, 9, 0, "5aa5c49413"),
            (14, 0, 0, "c948ce9651"),
            (15, 0, 0, "c948ce9651"),
            (16, 0, 0, "c948ce9651"),
            (17, 0, 0, "c948ce9651"),
            (18, 0, 0, "c948ce9651"),
            (19, 0, 0, "c948ce9651"),
            (20, 0, 0, "c948ce9651"),
            (21, 0, 0, "c948ce9651"),
            (22, 0, 0, "c948ce9651"),
            (23, 0, 0, "c948ce9651"),
        ],
    },
    Since {
        behaviour: Behaviour::EvictsSoonestExpiring,
        what: "remove_existing evicts only the excess, soonest-expiring first",
        first: &[
            (13, 18, 0, "d388c18abf"),
            (14, 7, 0, "b145619594"),
            (15, 1, 0, "6014a8743d"),
            (16, 0, 0, "fb19799b62"),
            (17, 0, 0, "fb19799b62"),
            (18, 0, 0, "fb19799b62"),
            (19, 0, 0, "fb19799b62"),
            (20, 0, 0, "fb19799b62"),
            (21, 0, 0, "fb19799b62"),
            (22, 0, 0, "fb19799b62"),
            (23, 0, 0, "fb19799b62"),
        ],
    },
    Since {
        behaviour: Behaviour::TransportMonitor,
        what: "TCP/TLS/WS bindings removed when their connection closes, pruned at boot",
        first: &[
            (13, 18, 0, "07d026b4cd"),
            (14, 7, 0, "86b74dc0ee"),
            (15, 1, 0, "b9f6697f06"),
            (16, 0, 0, "82f4ade959"),
            (17, 0, 0, "82f4ade959"),
            (18, 0, 0, "82f4ade959"),
            (19, 0, 0, "82f4ade959"),
            (20, 0, 0, "82f4ade959"),
            (21, 0, 0, "82f4ade959"),
            (22, 0, 0, "82f4ade959"),
            (23, 0, 0, "82f4ade959"),
        ],
    },
    Since {
        behaviour: Behaviour::RejectsNonSipUris,
        what: "non-SIP URIs answered 416",
        first: &[
            (13, 18, 0, "63900374fa"),
            (14, 7, 0, "cf8d1d8cc7"),
            (15, 1, 0, "40722149d7"),
            (16, 0, 0, "d178f497d2"),
            (17, 0, 0, "d178f497d2"),
            (18, 0, 0, "d178f497d2"),
            (19, 0, 0, "d178f497d2"),
            (20, 0, 0, "d178f497d2"),
            (21, 0, 0, "d178f497d2"),
            (22, 0, 0, "d178f497d2"),
            (23, 0, 0, "d178f497d2"),
        ],
    },
    Since {
        behaviour: Behaviour::QualifiesWholeAor,
        what: "a new binding qualifies every contact of the AOR",
        first: &[
            (13, 22, 0, "bea52b3706"),
            (15, 5, 0, "228bc1890b"),
            (16, 0, 0, "882e79b77e"),
            (17, 0, 0, "882e79b77e"),
            (18, 0, 0, "882e79b77e"),
            (19, 0, 0, "882e79b77e"),
            (20, 0, 0, "882e79b77e"),
            (21, 0, 0, "882e79b77e"),
            (22, 0, 0, "882e79b77e"),
            (23, 0, 0, "882e79b77e"),
        ],
    },
    Since {
        behaviour: Behaviour::LogsEveryRemovalReason,
        what: "every removal logged with its reason, the expiry sweep included",
        first: &[
            (13, 26, 0, "41effb7d4d"),
            (16, 3, 0, "b3ebb51086"),
            (17, 0, 0, "930a7fe910"),
            (18, 0, 0, "930a7fe910"),
            (19, 0, 0, "930a7fe910"),
            (20, 0, 0, "930a7fe910"),
            (21, 0, 0, "930a7fe910"),
            (22, 0, 0, "930a7fe910"),
            (23, 0, 0, "930a7fe910"),
        ],
    },
    Since {
        behaviour: Behaviour::DomainAliasLookup,
        what: "domain_alias used when finding the AOR",
        first: &[
            (13, 30, 0, "890f8a79d4"),
            (16, 7, 0, "5c20cc4c3a"),
            (17, 1, 0, "f26e5bacc0"),
            (18, 0, 0, "0183e2bc67"),
            (19, 0, 0, "0183e2bc67"),
            (20, 0, 0, "0183e2bc67"),
            (21, 0, 0, "0183e2bc67"),
            (22, 0, 0, "0183e2bc67"),
            (23, 0, 0, "0183e2bc67"),
        ],
    },
    Since {
        behaviour: Behaviour::SavesOrigHost,
        what: "rewrite_contact keeps the phone's own host (x-ast-orig-host) for the 200 OK",
        first: &[
            (13, 31, 0, "02576bfef7"),
            (16, 8, 0, "63b8664bfa"),
            (17, 2, 0, "fd14d7302f"),
            (18, 0, 0, "cbc1136704"),
            (19, 0, 0, "cbc1136704"),
            (20, 0, 0, "cbc1136704"),
            (21, 0, 0, "cbc1136704"),
            (22, 0, 0, "cbc1136704"),
            (23, 0, 0, "cbc1136704"),
        ],
    },
    Since {
        behaviour: Behaviour::KeepsResponseContact,
        what: "the 200 OK's first Contact no longer overwritten by external_signaling_address",
        first: &[
            (16, 17, 0, "d65041ebea"),
            (18, 3, 0, "976b1a1d7a"),
            (19, 0, 0, "2c1b6b7b15"),
            (20, 0, 0, "2c1b6b7b15"),
            (21, 0, 0, "2c1b6b7b15"),
            (22, 0, 0, "2c1b6b7b15"),
            (23, 0, 0, "2c1b6b7b15"),
        ],
    },
    Since {
        behaviour: Behaviour::LogsSourceAddress,
        what: "registrar warnings name the source ip:port",
        first: &[
            (16, 17, 0, "13b1ee8aa5"),
            (18, 3, 0, "5f1c21e4ca"),
            (19, 0, 0, "6f67f24afd"),
            (20, 0, 0, "6f67f24afd"),
            (21, 0, 0, "6f67f24afd"),
            (22, 0, 0, "6f67f24afd"),
            (23, 0, 0, "6f67f24afd"),
        ],
    },
    Since {
        behaviour: Behaviour::RemoveUnavailable,
        what: "remove_unavailable",
        first: &[
            (16, 22, 0, "722b81904e"),
            (18, 8, 0, "4368764032"),
            (19, 0, 0, "6a04c43035"),
            (20, 0, 0, "47cb177baf"),
            (21, 0, 0, "47cb177baf"),
            (22, 0, 0, "47cb177baf"),
            (23, 0, 0, "47cb177baf"),
        ],
    },
    Since {
        behaviour: Behaviour::WebsocketOrigHost,
        what: "WebSocket Contacts keep their own host (x-ast-orig-host)",
        first: &[
            (16, 27, 0, "73a01aed5e"),
            (18, 13, 0, "9f6bda1821"),
            (19, 5, 0, "d457838b77"),
            (20, 0, 0, "4848d6eeb9"),
            (21, 0, 0, "4848d6eeb9"),
            (22, 0, 0, "4848d6eeb9"),
            (23, 0, 0, "4848d6eeb9"),
        ],
    },
    Since {
        behaviour: Behaviour::Qualify2xxOnly,
        what: "qualify_2xx_only",
        first: &[
            (20, 12, 0, "ef66694b7b"),
            (21, 7, 0, "85f5a047c1"),
            (22, 2, 0, "21dba60ff2"),
            (23, 0, 0, "3dee037446"),
        ],
    },
    Since {
        behaviour: Behaviour::SortsRetrievedContacts,
        what: "200 OK Contacts sorted by id",
        first: &[
            (20, 16, 0, "dfeb54a00f"),
            (21, 11, 0, "317c935988"),
            (22, 6, 0, "44034cf841"),
            (23, 0, 0, "144f04d733"),
        ],
    },
    Since {
        behaviour: Behaviour::AorFromToFirst,
        what: "the AOR looked up from the To URI first",
        first: &[
            (20, 21, 0, "f5cc170a5a"),
            (22, 11, 0, "29d4bfc42a"),
            (23, 5, 0, "3f7356f6a3"),
        ],
    },
    Since {
        behaviour: Behaviour::CountsUnidentifiedRequests,
        what: "unknown-endpoint notice names the method; counted per IP with auth_username",
        first: &[
            (13, 10, 0, "38bed4515d"),
            (14, 0, 0, "4ebf9a938d"),
            (15, 0, 0, "4ebf9a938d"),
            (16, 0, 0, "4ebf9a938d"),
            (17, 0, 0, "4ebf9a938d"),
            (18, 0, 0, "4ebf9a938d"),
            (19, 0, 0, "4ebf9a938d"),
            (20, 0, 0, "4ebf9a938d"),
            (21, 0, 0, "4ebf9a938d"),
            (22, 0, 0, "4ebf9a938d"),
            (23, 0, 0, "4ebf9a938d"),
        ],
    },
    Since {
        behaviour: Behaviour::BracketsIpv6Source,
        what: "unknown-endpoint notice prints an IPv6 source in brackets",
        first: &[
            (13, 24, 0, "d3c869c736"),
            (15, 7, 0, "5f6bef4e5b"),
            (16, 1, 0, "887a315e17"),
            (17, 0, 0, "07cb13f75f"),
            (18, 0, 0, "07cb13f75f"),
            (19, 0, 0, "07cb13f75f"),
            (20, 0, 0, "07cb13f75f"),
            (21, 0, 0, "07cb13f75f"),
            (22, 0, 0, "07cb13f75f"),
            (23, 0, 0, "07cb13f75f"),
        ],
    },
];

/// Every branch aorlab knows, with its latest release (release candidates of
/// the newest releases included: 20.21.0, 22.11.0 and 23.5.0 were at rc1 when
/// the table was made).
pub const BRANCHES: &[Profile] = &[
    Profile::new(13, 38, 3),
    Profile::new(14, 7, 8),
    Profile::new(15, 7, 4),
    Profile::new(16, 30, 1),
    Profile::new(17, 9, 4),
    Profile::new(18, 26, 4),
    Profile::new(19, 8, 1),
    Profile::new(20, 21, 0),
    Profile::new(21, 12, 3),
    Profile::new(22, 11, 0),
    Profile::new(23, 5, 0),
];

/// The oldest release of the oldest branch that the table describes.
const OLDEST: Profile = Profile::new(13, 0, 0);

/// A release worth a place in the version menu, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Milestone {
    /// `20.16.0`, or `22` style branch latest written in full.
    pub version: String,
    /// What changed there ("200 OK Contacts sorted by id"), or "latest 20".
    pub what: Vec<String>,
    pub latest_of_branch: bool,
}

impl Default for Profile {
    /// The latest 22.
    fn default() -> Self {
        Profile::new(22, 11, 0)
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Profile {
    pub const fn new(major: u16, minor: u16, patch: u16) -> Profile {
        Profile {
            major,
            minor,
            patch,
        }
    }

    /// The latest release of a branch.
    pub fn latest_of(major: u16) -> Option<Profile> {
        BRANCHES.iter().copied().find(|b| b.major == major)
    }

    /// Parse a version as users write it: `22` (the branch's latest), `18.20`
    /// (= 18.20.0), `20.15.2`. An error says what exists.
    pub fn parse(v: &str) -> Result<Profile, String> {
        let bad = || format!("'{v}' is not a version: write e.g. 22, 20.15 or 20.15.2");
        let parts: Vec<&str> = v.trim().split('.').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<u16>().map_err(|_| bad());
        let major = num(parts[0])?;
        let latest = Self::latest_of(major).ok_or_else(|| {
            format!(
                "aorlab knows Asterisk {}–{}, not {major}",
                BRANCHES[0].major,
                BRANCHES[BRANCHES.len() - 1].major
            )
        })?;
        if parts.len() == 1 {
            return Ok(latest);
        }
        let minor = num(parts[1])?;
        let patch = parts.get(2).map(|p| num(p)).transpose()?.unwrap_or(0);
        let p = Profile::new(major, minor, patch);
        if minor > latest.minor {
            return Err(format!(
                "{p} does not exist: the latest {major} is {latest}"
            ));
        }
        if p < OLDEST {
            return Err(format!("aorlab starts at {OLDEST}"));
        }
        Ok(p)
    }

    /// `parse`, without the reason.
    pub fn from_version(v: &str) -> Option<Profile> {
        Self::parse(v).ok()
    }

    pub fn label(self) -> String {
        self.to_string()
    }

    /// Whether this release has a behaviour (the table's answer).
    pub fn has(self, b: Behaviour) -> bool {
        // One row per behaviour (a test checks it): stop at it.
        TABLE.iter().find(|s| s.behaviour == b).is_some_and(|s| {
            s.first.iter().any(|&(major, minor, patch, _)| {
                major == self.major && self >= Profile::new(major, minor, patch)
            })
        })
    }

    /// The releases a version menu should offer: every branch's latest, and
    /// every first release of a behaviour, each with what changed there.
    pub fn milestones() -> Vec<Milestone> {
        let mut by_release: std::collections::BTreeMap<Profile, Vec<String>> = Default::default();
        for s in TABLE {
            for &(major, minor, patch, _) in s.first {
                // `x.0.0` of a branch that an older branch already had it in is no news.
                let inherited = minor == 0 && patch == 0 && s.first.iter().any(|f| f.0 < major);
                if !inherited {
                    by_release
                        .entry(Profile::new(major, minor, patch))
                        .or_default()
                        .push(s.what.to_string());
                }
            }
        }
        for b in BRANCHES {
            by_release.entry(*b).or_default();
        }
        by_release
            .into_iter()
            .map(|(p, what)| Milestone {
                version: p.to_string(),
                latest_of_branch: BRANCHES.contains(&p),
                what,
            })
            .collect()
    }

    pub fn sweeps_periodically(self) -> bool {
        self.has(Behaviour::PeriodicExpirySweep)
    }
    /// "evict the excess, soonest first" instead of "remove all untouched".
    pub fn evicts_soonest_expiring(self) -> bool {
        self.has(Behaviour::EvictsSoonestExpiring)
    }
    /// TCP/TLS/WS bindings tied to their connection; prune at boot.
    pub fn has_transport_monitor(self) -> bool {
        self.has(Behaviour::TransportMonitor)
    }
    /// Non-SIP Contacts rejected upstream with 416 (earlier: silently skipped).
    pub fn rejects_non_sip_contact(self) -> bool {
        self.has(Behaviour::RejectsNonSipUris)
    }
    pub fn qualifies_whole_aor(self) -> bool {
        self.has(Behaviour::QualifiesWholeAor)
    }
    pub fn logs_every_removal_reason(self) -> bool {
        self.has(Behaviour::LogsEveryRemovalReason)
    }
    pub fn uses_domain_aliases(self) -> bool {
        self.has(Behaviour::DomainAliasLookup)
    }
    pub fn has_orig_host(self) -> bool {
        self.has(Behaviour::SavesOrigHost)
    }
    pub fn keeps_response_contact(self) -> bool {
        self.has(Behaviour::KeepsResponseContact)
    }
    pub fn logs_source_address(self) -> bool {
        self.has(Behaviour::LogsSourceAddress)
    }
    pub fn has_remove_unavailable(self) -> bool {
        self.has(Behaviour::RemoveUnavailable)
    }
    pub fn websocket_saves_orig_host(self) -> bool {
        self.has(Behaviour::WebsocketOrigHost)
    }
    pub fn sorts_retrieved_contacts(self) -> bool {
        self.has(Behaviour::SortsRetrievedContacts)
    }
    pub fn counts_unidentified_requests(self) -> bool {
        self.has(Behaviour::CountsUnidentifiedRequests)
    }
    pub fn brackets_ipv6_source(self) -> bool {
        self.has(Behaviour::BracketsIpv6Source)
    }
    pub fn aor_from_to_first(self) -> bool {
        self.has(Behaviour::AorFromToFirst)
    }
    /// Whether this release has an `[aor]` option at all (an unknown one makes
    /// sorcery refuse the AOR).
    pub fn knows_aor_option(self, name: &str) -> bool {
        match name {
            "remove_unavailable" => self.has(Behaviour::RemoveUnavailable),
            "qualify_2xx_only" => self.has(Behaviour::Qualify2xxOnly),
            _ => true,
        }
    }
    /// The `due to …` words of a removal, as this release logs them; `None`
    /// where it removes without a line.
    pub fn removal_reason(self, why: &crate::Why) -> Option<&'static str> {
        use crate::Why::*;
        let per_reason = self.logs_every_removal_reason();
        match why {
            Request => Some("request"),
            RemoveExisting { .. } | RemoveUnavailable { .. } if per_reason => Some(match why {
                RemoveUnavailable { .. } => "remove unavailable",
                _ => "remove existing",
            }),
            RemoveExisting { .. } if self.evicts_soonest_expiring() => Some("remove_existing"),
            Expiration if per_reason => Some("expiration"),
            Shutdown if per_reason => Some("shutdown"),
            Shutdown if self.has_transport_monitor() => Some("transport shutdown"),
            SystemBoot => Some("system boot"),
            RegistrationFailure if per_reason => Some("registration failure"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_behaviour_has_one_row() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(
                TABLE[i + 1..].iter().all(|b| b.behaviour != a.behaviour),
                "{:?} has two rows: `has` reads only the first",
                a.behaviour
            );
        }
    }

    #[test]
    fn versions_parse() {
        assert_eq!(Profile::parse("20.15.2"), Ok(Profile::new(20, 15, 2)));
        assert_eq!(Profile::parse("18.20"), Ok(Profile::new(18, 20, 0)));
        assert_eq!(Profile::parse("18"), Ok(Profile::new(18, 26, 4)));
        assert_eq!(Profile::parse("22"), Ok(Profile::default()));
        assert!(Profile::parse("18.30").is_err());
        assert!(Profile::parse("12").is_err());
        assert!(Profile::parse("x").is_err());
        assert!(Profile::parse("20..1").is_err());
    }

    #[test]
    fn a_higher_number_on_another_branch_is_not_newer() {
        // 16.8 saves x-ast-orig-host, 17.0 and 17.1 do not.
        assert!(Profile::new(16, 8, 0).has_orig_host());
        assert!(!Profile::new(17, 1, 0).has_orig_host());
        assert!(Profile::new(17, 2, 0).has_orig_host());
    }

    #[test]
    fn milestones_list_branch_latests_and_changes() {
        let m = Profile::milestones();
        let find = |v: &str| m.iter().find(|x| x.version == v).cloned();
        assert!(find("20.16.0")
            .unwrap()
            .what
            .contains(&"200 OK Contacts sorted by id".to_string()));
        assert!(find("18.26.4").unwrap().latest_of_branch);
        // 18.0.0 inherited everything from master: no entry of its own.
        assert!(find("18.0.0").is_none());
    }
}
