//! The option table: every option aorlab knows per object type, with its kind,
//! default and a one-line description. The parser and the page's completion both
//! read it, so they never drift apart.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptionKind {
    Bool,
    Uint {
        min: u32,
        max: u32,
    },
    Float {
        min: f64,
        max: f64,
    },
    Text,
    List,
    Choice {
        values: &'static [&'static str],
    },
    /// Accepted and kept out of the model: it has no effect on registrations.
    NoEffect,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct OptionSpec {
    pub section: &'static str,
    pub name: &'static str,
    #[serde(flatten)]
    pub kind: OptionKind,
    pub default: &'static str,
    pub doc: &'static str,
}

const fn o(
    section: &'static str,
    name: &'static str,
    kind: OptionKind,
    default: &'static str,
    doc: &'static str,
) -> OptionSpec {
    OptionSpec {
        section,
        name,
        kind,
        default,
        doc,
    }
}

use OptionKind::*;
const U32: OptionKind = Uint {
    min: 0,
    max: u32::MAX,
};

/// Object types a `type=` line may name.
pub const TYPES: &[&str] = &[
    "aor",
    "endpoint",
    "global",
    "transport",
    "domain_alias",
    "auth",
    "identify",
    "system",
    "registration",
    "contact",
    "phoneprov",
    "outbound-publish",
    "inbound-publication",
    "resource_list",
    "acl",
];

pub static OPTIONS: &[OptionSpec] = &[
    // [aor]
    o("aor", "max_contacts", U32, "0", "How many REGISTER bindings the AOR may hold. 0 = registration refused (403), not unlimited."),
    o("aor", "remove_existing", Bool, "no", "When a REGISTER would exceed max_contacts, evict the binding(s) that expire soonest instead of answering 403."),
    o("aor", "remove_unavailable", Bool, "no", "When a REGISTER would exceed max_contacts, first remove bindings whose qualify status is Unreachable (16.22+/18.8+)."),
    o("aor", "minimum_expiration", U32, "60", "Shorter requested expiries are raised to this (no 423 is ever sent)."),
    o("aor", "maximum_expiration", U32, "7200", "Longer requested expiries are cut to this."),
    o("aor", "default_expiration", U32, "3600", "Expiry used when the REGISTER names none."),
    o("aor", "qualify_frequency", Uint { min: 0, max: 86400 }, "0", "Seconds between OPTIONS pings to each contact; 0 = never."),
    o("aor", "qualify_timeout", Float { min: 0.0, max: 86400.0 }, "3.0", "Seconds to wait for an OPTIONS answer before the contact is Unreachable."),
    o("aor", "qualify_2xx_only", Bool, "no", "Only a 2xx answer to OPTIONS counts as Reachable (20.12+/22.2+)."),
    o("aor", "authenticate_qualify", Bool, "no", "Documented as having no effect."),
    o("aor", "outbound_proxy", Text, "", "Proxy for OPTIONS sent to contacts."),
    o("aor", "support_path", Bool, "no", "Store Path headers; a Path without 'Supported: path' gets 420."),
    o("aor", "contact", List, "", "Static contacts: never counted against max_contacts, never removed by REGISTER."),
    o("aor", "mailboxes", NoEffect, "", "Voicemail (no effect on registration)."),
    o("aor", "voicemail_extension", NoEffect, "", "Voicemail (no effect on registration)."),
    o("aor", "type", Text, "", "Object type."),
    // [endpoint]
    o("endpoint", "aors", List, "", "AORs this endpoint may register to; empty → 403."),
    o("endpoint", "rewrite_contact", Bool, "no", "Store the packet's source address instead of the Contact host:port; a new source port becomes a new binding."),
    o("endpoint", "force_rport", Bool, "yes", "Answer to the packet's source port."),
    o("endpoint", "rtp_symmetric", Bool, "no", "Media only; no effect on registration."),
    o("endpoint", "identify_by", List, "username,ip", "How incoming requests find this endpoint: username, auth_username, ip, header, request_uri."),
    o("endpoint", "auth", Text, "", "Inbound authentication (digest challenge before the registrar)."),
    o("endpoint", "transport", Text, "", "Transport for outbound requests."),
    o("endpoint", "outbound_proxy", Text, "", "Proxy for outbound requests."),
    o("endpoint", "context", Text, "default", "Dialplan context for calls (no effect on registration)."),
    o("endpoint", "type", Text, "", "Object type."),
    // [transport]
    o("transport", "protocol", Choice { values: &["udp", "tcp", "tls", "ws", "wss", "flow"] }, "udp", "Transport protocol."),
    o("transport", "bind", Text, "", "Address:port to listen on."),
    o("transport", "symmetric_transport", Bool, "no", "Append x-ast-txp=<transport> to the first Contact."),
    o("transport", "external_signaling_address", Text, "", "NAT: public address for signalling."),
    o("transport", "external_signaling_port", Uint { min: 0, max: 65535 }, "0", "NAT: public port for signalling."),
    o("transport", "external_media_address", NoEffect, "", "Media only."),
    o("transport", "local_net", List, "", "Networks considered local (NAT)."),
    o("transport", "type", Text, "", "Object type."),
    // [global]
    o("global", "contact_expiration_check_interval", U32, "30", "Seconds between sweeps that delete expired bindings; 0 disables the sweep."),
    o("global", "keep_alive_interval", U32, "90", "CRLF keep-alives on reliable transports."),
    o("global", "max_initial_qualify_time", U32, "0", "Spread of the first qualify after start."),
    o("global", "ignore_uri_user_options", Bool, "no", "Cut the To user at ';' before looking up the AOR."),
    o("global", "endpoint_identifier_order", List, "ip,username,anonymous", "Order in which identifiers run."),
    o("global", "unidentified_request_count", U32, "5", "Unidentified requests from one IP before the notice (with auth_username in endpoint_identifier_order)."),
    o("global", "unidentified_request_period", U32, "5", "Seconds those requests must fall within."),
    o("global", "unidentified_request_prune_interval", U32, "30", "Seconds between prunes of per-IP counts older than 4 periods."),
    o("global", "user_agent", Text, "Asterisk PBX", "Server/User-Agent header."),
    o("global", "send_contact_status_on_update_registration", Bool, "no", "AMI event on refresh."),
    o("global", "debug", Bool, "no", "SIP debug."),
    o("global", "type", Text, "", "Object type."),
    // [domain_alias]
    o("domain_alias", "domain", Text, "", "The domain this alias stands for (AOR lookup pass 2)."),
    o("domain_alias", "type", Text, "", "Object type."),
];

/// Endpoint options that exist in Asterisk but do not touch registration: accepted
/// silently so a pasted real configuration gives no false warnings.
pub static ENDPOINT_NO_EFFECT: &[&str] = &[
    "100rel",
    "accountcode",
    "acl",
    "aggregate_mwi",
    "allow",
    "allow_overlap",
    "allow_subscribe",
    "allow_transfer",
    "allow_unauthenticated_options",
    "asymmetric_rtp_codec",
    "bind_rtp_to_media_address",
    "bundle",
    "call_group",
    "callerid",
    "callerid_privacy",
    "callerid_tag",
    "codec_prefs_incoming_answer",
    "codec_prefs_incoming_offer",
    "codec_prefs_outgoing_answer",
    "codec_prefs_outgoing_offer",
    "connected_line_method",
    "contact_acl",
    "contact_deny",
    "contact_permit",
    "contact_user",
    "cos_audio",
    "cos_video",
    "deny",
    "device_state_busy_at",
    "direct_media",
    "direct_media_glare_mitigation",
    "direct_media_method",
    "disable_direct_media_on_nat",
    "disallow",
    "dtls_auto_generate_cert",
    "dtls_ca_file",
    "dtls_ca_path",
    "dtls_cert_file",
    "dtls_cipher",
    "dtls_fingerprint",
    "dtls_private_key",
    "dtls_rekey",
    "dtls_setup",
    "dtls_verify",
    "dtmf_mode",
    "fax_detect",
    "fax_detect_timeout",
    "follow_early_media_fork",
    "from_domain",
    "from_user",
    "g726_non_standard",
    "ice_support",
    "identify_by_header",
    "ignore_183_without_sdp",
    "inband_progress",
    "incoming_call_offer_pref",
    "incoming_mwi_mailbox",
    "language",
    "mailboxes",
    "max_audio_streams",
    "max_video_streams",
    "media_address",
    "media_encryption",
    "media_encryption_optimistic",
    "media_use_received_transport",
    "message_context",
    "moh_passthrough",
    "moh_suggest",
    "mwi_from_user",
    "mwi_subscribe_replaces_unsolicited",
    "named_call_group",
    "named_pickup_group",
    "notify_early_inuse_ringing",
    "one_touch_recording",
    "outbound_auth",
    "outgoing_call_offer_pref",
    "permit",
    "pickup_group",
    "preferred_codec_only",
    "record_off_feature",
    "record_on_feature",
    "redirect_method",
    "refer_blind_progress",
    "rpid_immediate",
    "rtcp_mux",
    "rtp_engine",
    "rtp_ipv6",
    "rtp_keepalive",
    "rtp_timeout",
    "rtp_timeout_hold",
    "sdp_owner",
    "sdp_session",
    "security_mitigation",
    "security_negotiation",
    "send_connected_line",
    "send_diversion",
    "send_history_info",
    "send_pai",
    "send_rpid",
    "set_var",
    "srtp_tag_32",
    "stir_shaken",
    "stir_shaken_profile",
    "sub_min_expiry",
    "subscribe_context",
    "suppress_q850_reason_headers",
    "t38_bind_rtp_to_media_address",
    "t38_udptl",
    "t38_udptl_ec",
    "t38_udptl_ipv6",
    "t38_udptl_maxdatagram",
    "t38_udptl_nat",
    "timers",
    "timers_min_se",
    "timers_sess_expires",
    "tone_zone",
    "tos_audio",
    "tos_video",
    "trust_connected_line",
    "trust_id_inbound",
    "trust_id_outbound",
    "use_avpf",
    "use_ptime",
    "user_eq_phone",
    "voicemail_extension",
    "webrtc",
    "geoloc_incoming_call_profile",
    "geoloc_outgoing_call_profile",
    "overlap_context",
    "tenantid",
    "allow_unauthenticated_options",
    "send_aoc",
    "max_video_streams",
];

/// Transport options that do not touch registration.
pub static TRANSPORT_NO_EFFECT: &[&str] = &[
    "allow_reload",
    "allow_wildcard_certs",
    "async_operations",
    "ca_list_file",
    "ca_list_path",
    "cert_file",
    "cipher",
    "cos",
    "domain",
    "method",
    "password",
    "priv_key_file",
    "require_client_cert",
    "tos",
    "verify_client",
    "verify_server",
    "websocket_write_timeout",
    "tcp_keepalive_enable",
    "tcp_keepalive_idle_time",
    "tcp_keepalive_interval_time",
    "tcp_keepalive_probe_count",
];

/// Global options that do not touch registration.
pub static GLOBAL_NO_EFFECT: &[&str] = &[
    "default_from_user",
    "default_outbound_endpoint",
    "default_realm",
    "default_voicemail_extension",
    "disable_multi_domain",
    "ignore_uri_user_options",
    "mwi_disable_initial_unsolicited",
    "mwi_tps_queue_high",
    "mwi_tps_queue_low",
    "max_forwards",
    "norefersub",
    "regcontext",
    "taskprocessor_overload_trigger",
    "use_callerid_contact",
    "allow_sending_180_after_183",
    "all_codecs_on_empty_reinvite",
    "send_contact_status_on_update_registration",
    "noreferrer",
    "feature_digit_timeout",
];

pub fn find(section: &str, name: &str) -> Option<&'static OptionSpec> {
    OPTIONS
        .iter()
        .find(|o| o.section == section && o.name == name)
}

/// Options of a section type, for hints and completion.
pub fn names_for(section: &str) -> impl Iterator<Item = &'static str> + '_ {
    OPTIONS
        .iter()
        .filter(move |o| o.section == section)
        .map(|o| o.name)
}

/// Known but registration-irrelevant options of a section type.
pub fn no_effect_names(section: &str) -> &'static [&'static str] {
    match section {
        "endpoint" => ENDPOINT_NO_EFFECT,
        "transport" => TRANSPORT_NO_EFFECT,
        "global" => GLOBAL_NO_EFFECT,
        _ => &[],
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

/// The distance when it is at most `max` (hints are computed for every unknown word of a
/// pasted file, so this must stay cheap).
fn within(a: &str, b: &str, max: usize) -> Option<usize> {
    let d = if b.is_ascii() && (1..=64).contains(&b.len()) {
        bit_parallel(a, b.as_bytes())
    } else {
        table(a, b, max)?
    };
    Some(d).filter(|d| *d <= max)
}

/// Myers' bit-vector edit distance in Hyyrö's form for whole strings (Hyyrö 2001, "Explaining
/// and extending the bit-parallel approximate string matching algorithm of Myers"): the
/// column of the distance table for `b` (≤ 64 ASCII bytes) is kept as +1/−1 bit vectors and
/// advanced one character of `a` at a time, a few word operations per character instead of
/// `b.len()` cells (option names are all short ASCII).
fn bit_parallel(a: &str, b: &[u8]) -> usize {
    let mut peq = [0u64; 128];
    for (j, &c) in b.iter().enumerate() {
        peq[usize::from(c)] |= 1 << j;
    }
    let last = 1u64 << (b.len() - 1);
    let (mut pv, mut mv, mut score) = (!0u64, 0u64, b.len());
    for ca in a.chars() {
        let eq = if ca.is_ascii() { peq[ca as usize] } else { 0 };
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        if ph & last != 0 {
            score += 1;
        } else if mh & last != 0 {
            score -= 1;
        }
        // Row 0 of the table grows by one per character of `a`: a +1 enters at the bottom.
        let ph = (ph << 1) | 1;
        let mh = mh << 1;
        pv = mh | !(xv | ph);
        mv = ph & xv;
    }
    score
}

/// The plain table, row by row, for long or non-ASCII candidates; stops at the first row
/// that is already further than `max`.
fn table(a: &str, b: &str, max: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        if cur.iter().min().is_some_and(|m| *m > max) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|d| *d <= max)
}

/// The closest candidate within a small distance.
pub fn nearest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // The distance is at least the difference in length: skipping those candidates first keeps
    // a long garbage word (a pasted binary, a fuzzer's input) from costing length × length each.
    let chars = word.chars().count();
    candidates
        .filter(|c| chars.abs_diff(c.chars().count()) <= 2.max(c.len() / 4))
        .filter_map(|c| Some((within(word, c, 2.max(c.len() / 4))?, c)))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::{bit_parallel, table};

    /// Every string over a small alphabet (with a non-ASCII letter) up to length `n`.
    fn all_strings(n: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..n {
            last = last
                .iter()
                .flat_map(|s| ['a', 'b', 'é'].map(|c| format!("{s}{c}")))
                .collect();
            out.extend(last.iter().cloned());
        }
        out
    }

    #[test]
    fn bit_parallel_distance_equals_the_table_on_all_short_strings() {
        let words = all_strings(4);
        for a in &words {
            for b in words.iter().filter(|b| b.is_ascii() && !b.is_empty()) {
                assert_eq!(
                    bit_parallel(a, b.as_bytes()),
                    table(a, b, usize::MAX).unwrap(),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn bit_parallel_distance_equals_the_table_up_to_64_characters() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..2_000 {
            let (a_len, b_len) = (next(80), 1 + next(64));
            let a: String = (0..a_len)
                .map(|_| b"abcdefgh_"[next(9) as usize] as char)
                .collect();
            let b: String = (0..b_len)
                .map(|_| b"abcdefgh_"[next(9) as usize] as char)
                .collect();
            assert_eq!(
                bit_parallel(&a, b.as_bytes()),
                table(&a, &b, usize::MAX).unwrap(),
                "{a:?} vs {b:?}"
            );
        }
    }
}
