//! `registrar_validate_contacts` (each Contact's expiration, the `*` rules,
//! pjsip's size limits, and the added/updated/deleted tally the max_contacts
//! count starts from) and `registrar_validate_path`.

use super::{find_match, Job, Step};
use crate::change::{warning, Why};
use crate::config::Aor;
use crate::registrar::Registrar;

/// pjsip's URL buffer (`PJSIP_MAX_URL_SIZE` in Asterisk's bundled pjproject).
pub const MAX_URL_SIZE: usize = 512;
/// `PJ_MAX_HOSTNAME` in Asterisk's bundled pjproject.
pub const MAX_HOSTNAME: usize = 256;

/// `registrar_get_expiration`: Contact param > Expires header > default, clamped.
pub fn expiration_for(aor: &Aor, contact_expires: Option<u32>, header_expires: Option<u32>) -> u32 {
    let e = contact_expires
        .or(header_expires)
        .unwrap_or(aor.default_expiration);
    if e == 0 {
        return 0;
    }
    if e < aor.minimum_expiration {
        aor.minimum_expiration
    } else if e > aor.maximum_expiration {
        aor.maximum_expiration
    } else {
        e
    }
}

impl Registrar {
    /// Every Contact is checked (and tallied against the working set) before
    /// anything changes; one bad Contact refuses the whole REGISTER (400).
    pub(super) fn validate_contacts(&self, job: &mut Job) -> Step<()> {
        let mut previous_star: Option<bool> = None;
        // ≤13.17 never recorded a `*` as the previous Contact, so a Contact (or a
        // second `*`) after it passed validation; the apply loop stops at the `*`.
        let star_is_previous = self.profile.evicts_soonest_expiring();
        let req = &job.req;
        let mut tally = job.tally;
        let mut invalid: Option<String> = None;
        for (i, c) in job.res.facts.iter().enumerate() {
            let e = expiration_for(&job.res.aor, req.contact_expires[i], req.header_expires);
            if c.star {
                if e != 0 || previous_star.is_some() {
                    invalid = Some(if e != 0 {
                        "'Contact: *' needs 'Expires: 0'".into()
                    } else {
                        "'Contact: *' must be the only Contact".into()
                    });
                    break;
                }
                // ≤13.17 did not count a `*`'s deletions either.
                if star_is_previous {
                    tally.deleted = job.work.len() as i64 - job.permanent;
                    previous_star = Some(true);
                }
                continue;
            }
            if previous_star == Some(true) {
                invalid = Some("no other Contact may follow 'Contact: *'".into());
                break;
            }
            previous_star = Some(false);
            // A non-SIP URI is skipped.
            let Some(printed) = &c.printed else {
                continue;
            };
            if printed.len() >= MAX_URL_SIZE {
                invalid = Some(format!(
                    "Contact URI is {} characters, more than pjsip's {MAX_URL_SIZE}",
                    printed.len()
                ));
                break;
            }
            if c.host_len as usize >= MAX_HOSTNAME {
                invalid = Some(format!(
                    "Contact host is longer than pjsip's {MAX_HOSTNAME} characters"
                ));
                break;
            }
            let found = find_match(&job.work, &job.res, i).is_some();
            match (found, e > 0) {
                (false, true) => tally.added += 1,
                (false, false) => {}
                (true, true) => tally.updated += 1,
                (true, false) => tally.deleted += 1,
            }
        }
        if let Some(detail) = invalid {
            let log = warning(
                "res_pjsip_registrar.c",
                format!(
                    "Failed to validate contacts in REGISTER request from '{}'",
                    job.ep()
                ),
            );
            return Err(job.reject(400, "", Why::InvalidContacts { detail }, log));
        }
        job.tally = tally;
        Ok(())
    }

    /// `registrar_validate_path`: a Path header (read only where the AOR supports
    /// it) needs `path` in the first `Supported:` header, else 420.
    pub(super) fn validate_path(&self, job: &mut Job) -> Step<()> {
        let parsed = &job.req.rx.parsed;
        let path = if job.res.aor.support_path {
            parsed.path.clone()
        } else {
            None
        };
        // Only the first `Supported:` header is read (`pjsip_msg_find_hdr`).
        let first_supported_has_path = parsed.supports_path;
        if path.is_some() && !first_supported_has_path {
            let log = warning(
                "res_pjsip_registrar.c",
                format!(
                    "Invalid modifications made to REGISTER request from '{}' by intervening proxy",
                    job.ep()
                ),
            );
            return Err(job.reject(420, "", Why::PathNotSupported, log));
        }
        job.path = path;
        Ok(())
    }
}
