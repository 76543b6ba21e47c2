//! One import, start to end, for every front end (CLI `--json`, the page):
//! read → (anonymise) → story → (check against a pjsip.conf) → scenario text,
//! plus flat rows the page lists without computing anything.

use crate::check::{captured_answer, check_with, Answer, CheckReport, Difference, Field, Verdict};
use crate::error::ImportError;
use crate::evidence::{BlindSpot, Capture, Micros, Transport};
use crate::registered::Stretch;
use crate::story::{story, Story};
use crate::whatif::{captured_stretches, controls, edit_conf, what_if, WhatIf};
use aorlab_registrar::{log_timestamp, parse_pjsip_conf, Profile};
use aorlab_sim::edit::Controls;
use serde::Serialize;

/// What only pjsip.conf can say; listed when it is not given.
pub const UNKNOWN_WITHOUT_CONF: &str = "max_contacts, remove_existing, remove_unavailable, rewrite_contact, minimum/maximum/default_expiration, qualify_frequency/qualify_timeout";

/// What to import and how.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub conf: Option<&'a str>,
    /// A release as users write it (`22`, `20.15.2`); `None`: the capture's, else 22.
    pub release: Option<&'a str>,
    pub anonymise: bool,
    /// What-if changes (`aorlab run --set` syntax); need `conf`.
    pub sets: &'a [String],
}

/// Which release the model plays, and where that came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    pub profile: Profile,
    pub name: String,
    pub from: ReleaseSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseSource {
    /// Given by the user.
    Given,
    /// Named by the input (boot banner, `Server:` header).
    Capture,
    /// Neither: the latest 22.
    Default,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlindSpotNote {
    pub kind: BlindSpot,
    pub explain: &'static str,
}

/// One captured REGISTER as the page lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub at_us: Micros,
    /// `HH:MM:SS.mmm` UTC.
    pub clock: String,
    pub device: String,
    pub aor: String,
    pub transport: Transport,
    pub peer: String,
    pub contacts: Vec<String>,
    pub expires: Option<String>,
    pub retransmission: bool,
    pub captured: Option<Answer>,
    /// Only with a pjsip.conf.
    pub model: Option<Answer>,
    pub differences: Vec<Difference>,
    /// A question pointing at the setting most likely behind a difference.
    pub hint: Option<&'static str>,
}

/// Per device, what the captured answers did to it and what the model's would have:
/// the what-if's headline ("which phones would have stayed registered").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceOutcome {
    pub device: String,
    /// REGISTERs with a captured answer.
    pub answered: usize,
    /// Of those, refused (status 300 or more) by Asterisk.
    pub refused_by_asterisk: usize,
    /// … and by the model (only with a pjsip.conf).
    pub refused_by_model: Option<usize>,
    /// Status of the device's last answered REGISTER.
    pub last_status_asterisk: Option<u16>,
    pub last_status_model: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub capture: Capture,
    pub story: Story,
    pub release: Release,
    pub blind_spots: Vec<BlindSpotNote>,
    /// Settings that decide the answers but are unknown (no pjsip.conf).
    pub unknown_settings: Option<&'static str>,
    pub rows: Vec<Row>,
    pub outcomes: Vec<DeviceOutcome>,
    pub check: Option<CheckReport>,
    /// Per device (as `story.devices`), registered as Asterisk's 200 OKs listed it.
    pub registered: Vec<Vec<Stretch>>,
    /// The site's pjsip.conf as the quick controls show it (with a conf).
    pub controls: Option<Controls>,
    /// With `sets`: the captured REGISTERs replayed with the changed settings.
    pub whatif: Option<WhatIf>,
    /// The capture as a `.aorlab` scenario.
    pub scenario: String,
}

fn release(arg: Option<&str>, cap: &Capture) -> Result<Release, ImportError> {
    let numeric = |v: &str| v.split(['-', ' ']).next().unwrap_or("").to_string();
    if let Some(r) = arg.map(str::trim).filter(|r| !r.is_empty()) {
        let profile = Profile::parse(&numeric(r)).map_err(|why| {
            ImportError::new(format!("unknown Asterisk release '{r}': {why}"))
                .hint("write it like 22, 20.15.2 or 18.7")
        })?;
        return Ok(Release {
            profile,
            name: r.to_string(),
            from: ReleaseSource::Given,
        });
    }
    if let Some(v) = &cap.asterisk_version {
        if let Some(profile) = Profile::from_version(&numeric(v)) {
            return Ok(Release {
                profile,
                name: v.clone(),
                from: ReleaseSource::Capture,
            });
        }
    }
    let profile = Profile::default();
    Ok(Release {
        profile,
        name: profile.to_string(),
        from: ReleaseSource::Default,
    })
}

/// A question that points at the setting most likely behind a difference.
pub fn hint(v: &Verdict) -> Option<&'static str> {
    let f = v.differences.first()?.field;
    let (c, m) = (
        v.captured.as_ref()?.status,
        v.model.as_ref().map(|m| m.status),
    );
    Some(match f {
        Field::Status if c == 403 || m == Some(403) => "is max_contacts / remove_existing on the server what this pjsip.conf says? Were there bindings from before the capture?",
        Field::Status if c == 404 || m == Some(404) => "is this AOR in the server's pjsip.conf (and identify_by / endpoint name)?",
        Field::Status => "does the server's pjsip.conf (and release) match the one given?",
        Field::Contacts => "bindings from before the capture, rewrite_contact, or remove_existing may differ on the server",
        Field::ContactExpires | Field::ExpiresHeader => "minimum_expiration / maximum_expiration / default_expiration may differ on the server",
        Field::Reason | Field::Answered => return None,
    })
}

/// Time of day, UTC, to the millisecond.
pub fn clock(us: Micros) -> String {
    let ts = log_timestamp(us / 1000);
    ts.split_once(' ').map(|x| x.1.to_string()).unwrap_or(ts)
}

fn rows(cap: &Capture, st: &Story, report: Option<&CheckReport>) -> Vec<Row> {
    st.registers
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let verdict = report.and_then(|rep| rep.verdicts.iter().find(|v| v.register == i));
            let captured = captured_answer(cap, r);
            Row {
                at_us: r.at_us,
                clock: clock(r.at_us),
                device: st.devices[r.device].name.clone(),
                aor: r.aor.clone(),
                transport: r.transport,
                peer: r.peer.clone(),
                contacts: r.contacts.clone(),
                expires: r.expires.clone(),
                retransmission: r.retransmission,
                captured,
                model: verdict.and_then(|v| v.model.clone()),
                differences: verdict.map(|v| v.differences.clone()).unwrap_or_default(),
                hint: verdict.and_then(hint),
            }
        })
        .collect()
}

fn outcomes(st: &Story, rows: &[Row], checked: bool) -> Vec<DeviceOutcome> {
    st.devices
        .iter()
        .map(|d| {
            let mine: Vec<&Row> = rows
                .iter()
                .filter(|r| r.device == d.name && !r.retransmission && r.captured.is_some())
                .collect();
            let refused = |a: Option<&Answer>| a.is_some_and(|a| a.status >= 300);
            DeviceOutcome {
                device: d.name.clone(),
                answered: mine.len(),
                refused_by_asterisk: mine.iter().filter(|r| refused(r.captured.as_ref())).count(),
                refused_by_model: checked.then(|| {
                    mine.iter()
                        .filter(|r| r.model.is_none() || refused(r.model.as_ref()))
                        .count()
                }),
                last_status_asterisk: mine
                    .last()
                    .and_then(|r| r.captured.as_ref())
                    .map(|a| a.status),
                last_status_model: mine.last().and_then(|r| r.model.as_ref()).map(|a| a.status),
            }
        })
        .collect()
}

/// Import one input.
pub fn import(bytes: &[u8], req: &Request) -> Result<Report, ImportError> {
    let mut cap = crate::read(bytes)?;
    let mut conf = req.conf.map(str::to_string);
    let mut sets = req.sets.to_vec();
    if req.anonymise {
        let map = crate::anonymise::anonymise(&mut cap);
        conf = conf.map(|c| map.conf(&c));
        sets = sets.iter().map(|s| map.set(s)).collect();
    }
    let release = release(req.release, &cap)?;
    let st = story(&cap);
    // Anonymised URIs hash differently, so Asterisk's Contact order (by MD5 of
    // the real URI) cannot be compared then.
    let check = conf.as_deref().map(|c| {
        check_with(
            &cap,
            &st,
            &parse_pjsip_conf(c).0,
            release.profile,
            !req.anonymise,
        )
    });
    let whatif = whatif(
        &cap,
        &st,
        req,
        &sets,
        conf.as_deref(),
        &release,
        check.as_ref(),
    )?;
    let scenario = crate::scenario::scenario_text(&cap, &st, conf.as_deref(), &release.name);
    let rows = rows(&cap, &st, check.as_ref());
    Ok(Report {
        outcomes: outcomes(&st, &rows, check.is_some()),
        rows,
        blind_spots: cap
            .blind_spots
            .iter()
            .map(|b| BlindSpotNote {
                kind: *b,
                explain: b.explain(),
            })
            .collect(),
        unknown_settings: conf.is_none().then_some(UNKNOWN_WITHOUT_CONF),
        release,
        registered: captured_stretches(&cap, &st),
        whatif,
        controls: conf.as_deref().map(controls),
        check,
        scenario,
        capture: cap,
        story: st,
    })
}

/// The what-if of a request with `sets` (none without).
fn whatif(
    cap: &Capture,
    st: &Story,
    req: &Request,
    sets: &[String],
    conf: Option<&str>,
    release: &Release,
    baseline: Option<&CheckReport>,
) -> Result<Option<WhatIf>, ImportError> {
    if sets.is_empty() {
        return Ok(None);
    }
    let (Some(conf), Some(baseline)) = (conf, baseline) else {
        return Err(
            ImportError::new("a what-if (--set) needs the site's pjsip.conf")
                .hint("give --conf pjsip.conf: the changes are made to it"),
        );
    };
    let (changed, named) = edit_conf(conf, sets).map_err(|e| {
        ImportError::new(e).hint(
            "write changes as TYPE.SECTION.OPTION=VALUE, global.OPTION=VALUE or asterisk=RELEASE",
        )
    })?;
    let profile = match named {
        Some(v) => {
            Profile::parse(&v).map_err(|e| ImportError::new(format!("asterisk={v}: {e}")))?
        }
        None => release.profile,
    };
    Ok(Some(what_if(
        cap,
        st,
        sets,
        &changed,
        profile,
        baseline,
        !req.anonymise,
    )))
}
