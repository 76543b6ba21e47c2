//! `registrar_on_rx_request`: the AOR a REGISTER is for (`find_registrar_aor`),
//! and the refusals before any contact is read: an endpoint without AORs, a
//! non-SIP To URI, an AOR not found, max_contacts 0.

use super::receive::{refuse_for, Request};
use super::{Step, REGISTRAR_C};
use crate::change::{warning, Why};
use crate::config::{Aor, Endpoint, IdentifyBy};
use crate::registrar::Registrar;
use aorlab_sip::Uri;
use std::sync::Arc;

/// `find_aor_name`: user@domain, user@alias-target, then user alone (byte-equal).
pub fn find_aor_name(
    user: &str,
    domain: &str,
    aors: &[String],
    aliases: &std::collections::BTreeMap<String, String>,
) -> Option<String> {
    find_aor_in(user, domain, aors, aliases).map(str::to_string)
}

/// [`find_aor_name`], borrowing the name from `aors`.
fn find_aor_in<'a>(
    user: &str,
    domain: &str,
    aors: &'a [String],
    aliases: &std::collections::BTreeMap<String, String>,
) -> Option<&'a str> {
    // `a == format!("{user}@{domain}")`, without building the string.
    let is = |a: &str, domain: &str| {
        a.len() == user.len() + 1 + domain.len()
            && a.starts_with(user)
            && a[user.len()..].starts_with('@')
            && a.ends_with(domain)
    };
    if let Some(a) = aors.iter().find(|a| !a.is_empty() && is(a, domain)) {
        return Some(a);
    }
    if let Some(target) = aliases.get(domain) {
        if let Some(a) = aors.iter().find(|a| !a.is_empty() && is(a, target)) {
            return Some(a);
        }
    }
    if user.is_empty() {
        return None;
    }
    aors.iter().find(|a| *a == user).map(String::as_str)
}

impl Registrar {
    /// The AOR the REGISTER names, or the refusal Asterisk answers with.
    pub(super) fn find_aor(&self, req: &Request, endpoint: &Endpoint) -> Step<Arc<Aor>> {
        let ep = endpoint.name.as_str();
        let from_src = req.source_note();
        if endpoint.aors.is_empty() {
            let log = warning(
                REGISTRAR_C,
                format!("Endpoint '{ep}'{from_src} has no configured AORs"),
            );
            return Err(refuse_for(403, ep, "", "", Why::NoAors, log));
        }
        if !req.to.uri.is_sip() {
            let log = warning(
                REGISTRAR_C,
                format!(
                    "Endpoint '{ep}'{from_src} attempted to register to an AOR with a non-SIP URI"
                ),
            );
            let why = Why::UnsupportedUriScheme {
                detail: "the To URI is not a sip: or sips: URI".into(),
            };
            return Err(refuse_for(416, ep, "", &req.to.uri.to_string(), why, log));
        }
        let aor_name = self.resolve_aor(endpoint, &req.to.uri, req.rx.unchanged_request());
        let aor = aor_name.and_then(|n| self.aors.get(n)).cloned();
        let Some(aor) = aor else {
            let shown = aor_name.unwrap_or_default().to_string();
            let log = warning(
                REGISTRAR_C,
                format!("AOR '{shown}' not found for endpoint '{ep}'{from_src}"),
            );
            let user = req.to.uri.user.clone().unwrap_or_default();
            let why = Why::AorNotFound {
                aor: shown.clone(),
                source: req.src().to_string(),
            };
            return Err(refuse_for(404, ep, &shown, &user, why, log));
        };
        if aor.max_contacts == 0 {
            let log = warning(
                REGISTRAR_C,
                format!("AOR '{}' has no configured max_contacts. Endpoint '{ep}'{from_src} unable to register", aor.name),
            );
            let why = Why::MaxContactsZero {
                source: req.src().to_string(),
            };
            return Err(refuse_for(403, ep, &aor.name, "", why, log));
        }
        Ok(aor)
    }

    /// `find_registrar_aor`.
    fn resolve_aor<'e>(
        &self,
        endpoint: &'e Endpoint,
        to: &Uri,
        req: &aorlab_sip::Message,
    ) -> Option<&'e str> {
        let mut user = to.user.as_deref().unwrap_or_default();
        if self.config.global.ignore_uri_user_options {
            if let Some(i) = user.find(';') {
                user = &user[..i];
            }
        }
        // Before 13.30/16.7 the alias was written into the wrong buffer, so the
        // domain_alias pass compared against garbage: treated as never matching.
        let no_aliases = std::collections::BTreeMap::new();
        let aliases = if self.profile.uses_domain_aliases() {
            &self.config.domain_aliases
        } else {
            &no_aliases
        };
        let by_to = || find_aor_in(user, to.host.as_str(), &endpoint.aors, aliases);
        let by_auth = || {
            req.headers.all("Authorization").find_map(|h| {
                // the scheme compares case-insensitively (`pj_stricmp2(scheme, "digest")`)
                let h = h.trim();
                let (scheme, rest) = h.split_at(h.find(char::is_whitespace)?);
                if !scheme.eq_ignore_ascii_case("digest") {
                    return None;
                }
                let field = |name: &str| {
                    rest.split(',').find_map(|kv| {
                        let (k, v) = kv.split_once('=')?;
                        (k.trim().eq_ignore_ascii_case(name))
                            .then(|| v.trim().trim_matches('"').to_string())
                    })
                };
                find_aor_in(
                    &field("username")?,
                    &field("realm").unwrap_or_default(),
                    &endpoint.aors,
                    aliases,
                )
            })
        };
        if self.profile.aor_from_to_first() {
            // 20.21/22.11+: the To URI first, then Authorization if identify_by allows.
            by_to().or_else(|| {
                endpoint
                    .identify_by
                    .contains(&IdentifyBy::AuthUsername)
                    .then(by_auth)
                    .flatten()
            })
        } else {
            endpoint.identify_by.iter().find_map(|m| match m {
                IdentifyBy::Username => by_to(),
                IdentifyBy::AuthUsername => by_auth(),
                _ => None,
            })
        }
    }
}
