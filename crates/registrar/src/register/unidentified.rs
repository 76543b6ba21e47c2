//! `pjsip_distributor.c`'s notice for a request no endpoint matched: logged at
//! once, or — when `endpoint_identifier_order` names `auth_username` — only
//! after `unidentified_request_count` requests from one source IP within
//! `unidentified_request_period` seconds of the first (13.10+/14+; before,
//! always at once and without the method).

use super::receive::Request;
use crate::profile::Profile;
use crate::registrar::Registrar;
use crate::time::Millis;

/// The distributor's source file, as its log lines name it.
const DISTRIBUTOR_C: &str = "res_pjsip/pjsip_distributor.c";

/// Unidentified requests seen from one source IP (`pkt_info.src_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unidentified {
    first_seen: Millis,
    count: u32,
}

impl Registrar {
    /// A request from `req`'s source was identified: its count is dropped.
    /// Inline, and the source read only when some source is counted: on a
    /// refresh that is a cold line of the request for nothing.
    #[inline]
    pub(super) fn forget_unidentified(&mut self, req: &Request) {
        if !self.unidentified.is_empty() {
            self.unidentified.remove(&req.rx.source().ip);
        }
    }

    /// No endpoint matched `req`: the NOTICE Asterisk logs now, if any.
    pub(super) fn unidentified_notice(&mut self, req: &Request) -> Option<String> {
        let now = req.now;
        self.prune_unidentified(now);
        let g = &self.config.global;
        let (limit, period) = (g.unidentified_request_count, g.unidentified_request_period);
        let profile = self.profile;
        let counting = profile.counts_unidentified_requests()
            && g.endpoint_identifier_order
                .iter()
                .any(|m| m == "auth_username");
        let ip = &req.rx.source().ip;
        if let Some(u) = self.unidentified.get_mut(ip) {
            let ms = now.saturating_sub(u.first_seen);
            u.count = u.count.saturating_add(1);
            let tries = Some((u.count, ms));
            return (ms < u64::from(period) * 1000 && u.count >= limit)
                .then(|| notice(req, profile, tries));
        }
        if counting {
            let first = Unidentified {
                first_seen: now,
                count: 1,
            };
            self.unidentified.insert(ip.clone(), first);
            return None;
        }
        Some(notice(req, profile, None))
    }

    /// `prune_task`, run every prune_interval seconds since boot: counts whose
    /// first request is more than 4 periods old at the latest run are dropped
    /// (Asterisk doubles the period twice). Done lazily: the latest run decides.
    fn prune_unidentified(&mut self, now: Millis) {
        let g = &self.config.global;
        let every = u64::from(g.unidentified_request_prune_interval) * 1000;
        let since = now.saturating_sub(self.booted_at);
        let last_run = match every {
            0 => now,
            _ if since < every => return,
            _ => now - since % every,
        };
        let max_age = u64::from(g.unidentified_request_period) * 4 * 1000;
        self.unidentified
            .retain(|_, u| last_run.saturating_sub(u.first_seen) <= max_age);
    }
}

/// `log_failed_request`: the address as `pj_sockaddr_print` with flags 3
/// (IPv6 in brackets, with the port) where the release has it, else
/// `src_name:port`; the elapsed time is milliseconds / 1000 printed with the
/// unit "ms", as Asterisk does.
fn notice(req: &Request, profile: Profile, tries: Option<(u32, Millis)>) -> String {
    let src = req.rx.source();
    let addr = if src.ip.contains(':') && profile.brackets_ipv6_source() {
        format!("[{}]:{}", src.ip, src.port)
    } else {
        format!("{}:{}", src.ip, src.port)
    };
    let call_id = req.rx.parsed.call_id.as_str();
    let from = &req.from.uri;
    let after = tries.map_or(String::new(), |(count, ms)| {
        format!(" after {count} tries in {:.3} ms", ms as f64 / 1000.0)
    });
    let method = if profile.counts_unidentified_requests() {
        " 'REGISTER'"
    } else {
        ""
    };
    format!(
        "NOTICE {DISTRIBUTOR_C}: Request{method} from '{from}' failed for '{addr}' \
         (callid: {call_id}) - No matching endpoint found{after}"
    )
}
