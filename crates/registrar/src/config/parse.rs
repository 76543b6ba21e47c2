//! Parse pjsip.conf text the way Asterisk's config loader and sorcery read it:
//! `;` comments and `;-- --;` blocks, `[name]`, templates `[name](!)` and
//! `[name](tmpl,…)`, `[name](+)` to extend a category, `key = value` / `key => value`,
//! one object per (name, type). Problems are collected, never fatal to the others.

use super::model::{Aor, Config, Endpoint, IdentifyBy, Protocol, Transport};
use super::options::{self, OptionKind};
use serde::Serialize;

mod templates;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem in pjsip.conf, with 1-based line and column inside that text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigDiagnostic {
    pub line: u32,
    pub col: u32,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
    /// Line and column of the problem this one follows from (the object refused
    /// there, or the same template line already reported for another section), so
    /// a reader can show it under its cause instead of beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
struct Item {
    key: String,
    value: String,
    line: u32,
    col: u32,
    value_col: u32,
    /// Written `name += value`: appended to the previous `name` of the category.
    append: bool,
}

#[derive(Debug, Clone)]
struct Section {
    name: String,
    line: u32,
    template: bool,
    inherits: Vec<(String, u32)>,
    items: Vec<Item>,
}

#[derive(Default)]
struct Diags {
    list: Vec<ConfigDiagnostic>,
    places: Places,
    /// "did you mean" for an unknown (section type, option), computed once.
    hints: std::collections::HashMap<(String, String), Option<String>>,
}

/// The places (line, column) of the problems before a mark, for
/// [`Diags::link_repeats`]: a set grown as the mark moves, so linking costs in
/// proportion to the new problems, not to everything reported so far.
#[derive(Default)]
struct Places {
    seen: std::collections::HashSet<(u32, u32)>,
    upto: usize,
}

impl Diags {
    fn push(&mut self, sev: Severity, line: u32, col: u32, message: String, hint: Option<String>) {
        self.list.push(ConfigDiagnostic {
            line,
            col,
            severity: sev,
            message,
            hint,
            cause: None,
        });
    }
    /// Links the problems pushed since `first` to problems reported at the same
    /// place before `first` (one template line read by several sections).
    fn link_repeats(&mut self, first: usize) {
        let places = &mut self.places;
        if first < places.upto {
            places.seen.clear();
            places.upto = 0;
        }
        let (before, new) = self.list.split_at_mut(first);
        places
            .seen
            .extend(before[places.upto..].iter().map(|b| (b.line, b.col)));
        places.upto = first;
        for x in new.iter_mut() {
            if x.cause.is_none() && places.seen.contains(&(x.line, x.col)) {
                x.cause = Some((x.line, x.col));
            }
        }
    }
    fn error(&mut self, line: u32, col: u32, message: String, hint: Option<String>) {
        self.push(Severity::Error, line, col, message, hint);
    }
    fn warn(&mut self, line: u32, col: u32, message: String, hint: Option<String>) {
        self.push(Severity::Warning, line, col, message, hint);
    }
}

/// Strip a `;` comment (a `\;` stays a literal semicolon) and handle block comments.
fn strip_comment(line: &str, in_block: &mut bool) -> String {
    let mut out = String::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if *in_block {
            // Bytes, not `line[i..]`: inside a block comment `i` steps over UTF-8 one byte at a time.
            if b[i..].starts_with(b"--;") {
                *in_block = false;
                i += 3;
            } else {
                i += 1;
            }
            continue;
        }
        if b[i] == b'\\' && i + 1 < b.len() && b[i + 1] == b';' {
            out.push(';');
            i += 2;
            continue;
        }
        if b[i] == b';' {
            if b[i..].starts_with(b";--") {
                *in_block = true;
                i += 3;
                continue;
            }
            break;
        }
        let ch = line[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

fn lex(text: &str, d: &mut Diags) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut in_block = false;
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx as u32 + 1;
        let line = strip_comment(raw, &mut in_block);
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let col = (line.len() - line.trim_start().len()) as u32 + 1;
        if trimmed.starts_with('#') {
            d.warn(
                line_no,
                col,
                format!(
                    "'{}' is not followed here",
                    trimmed.split_whitespace().next().unwrap_or("#")
                ),
                Some("aorlab reads one pjsip.conf; paste the included sections instead".into()),
            );
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(close) = rest.find(']') else {
                d.error(
                    line_no,
                    col,
                    "section header without ']'".into(),
                    Some("write it as [name]".into()),
                );
                continue;
            };
            let name = rest[..close].trim().to_string();
            if name.is_empty() {
                d.error(line_no, col, "empty section name".into(), None);
                continue;
            }
            let after = rest[close + 1..].trim();
            let mut template = false;
            let mut inherits = Vec::new();
            let mut extend = false;
            if !after.is_empty() {
                let Some(inner) = after.strip_prefix('(').and_then(|a| a.strip_suffix(')')) else {
                    d.error(
                        line_no,
                        col + close as u32 + 2,
                        format!("unexpected text after [{name}]"),
                        Some(
                            "templates are written [name](!) and uses of them [name](template)"
                                .into(),
                        ),
                    );
                    continue;
                };
                for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match part {
                        "!" => template = true,
                        "+" => extend = true,
                        t => inherits.push((t.to_string(), line_no)),
                    }
                }
            }
            if extend {
                if let Some(prev) = sections.iter().rposition(|s| s.name == name) {
                    // `(+)` continues the latest category of that name.
                    let s = sections.remove(prev);
                    sections.push(s);
                    continue;
                }
                d.error(
                    line_no,
                    col,
                    format!("[{name}](+) extends a category that does not exist yet"),
                    None,
                );
                continue;
            }
            sections.push(Section {
                name,
                line: line_no,
                template,
                inherits,
                items: Vec::new(),
            });
            continue;
        }
        let (key, value, vcol) = if let Some(eq) = trimmed.find('=') {
            let k = trimmed[..eq].trim();
            let mut v = &trimmed[eq + 1..];
            if let Some(stripped) = v.strip_prefix('>') {
                v = stripped;
            }
            let vstart =
                line.len() - line.trim_start().len() + eq + 1 + (trimmed[eq + 1..].len() - v.len());
            let vt = v.trim();
            let lead = v.len() - v.trim_start().len();
            (k.to_string(), vt.to_string(), (vstart + lead) as u32 + 1)
        } else {
            d.error(
                line_no,
                col,
                format!("'{trimmed}' is neither a [section] nor an option"),
                Some("options are written name = value".into()),
            );
            continue;
        };
        let Some(section) = sections.last_mut() else {
            d.error(
                line_no,
                col,
                format!("option '{key}' before any [section]"),
                Some("start with e.g. [alice]".into()),
            );
            continue;
        };
        // `name += value` (config.c): the text is appended to the category's last
        // `name`; with none to extend it is an ordinary assignment.
        let (key, append) = match key.strip_suffix('+') {
            Some(k) => (k.trim_end().to_string(), true),
            None => (key, false),
        };
        if key.is_empty() {
            d.error(line_no, col, "option without a name".into(), None);
            continue;
        }
        if append {
            if let Some(prev) = section.items.iter_mut().rev().find(|i| i.key == key) {
                prev.value.push_str(&value);
                continue;
            }
        }
        section.items.push(Item {
            key,
            value,
            line: line_no,
            col,
            value_col: vcol,
            append,
        });
    }
    sections
}

/// The sections' indices by name, ascending: `[name](tmpl)` reads the latest
/// `tmpl` above it without scanning every section.
type ByName<'a> = std::collections::HashMap<&'a str, Vec<usize>>;

fn by_name(sections: &[Section]) -> ByName<'_> {
    let mut m: ByName = std::collections::HashMap::with_capacity(sections.len());
    for (i, s) in sections.iter().enumerate() {
        m.entry(s.name.as_str()).or_default().push(i);
    }
    m
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" | "t" | "1" | "on" => Some(true),
        "no" | "false" | "n" | "f" | "0" | "off" => Some(false),
        _ => None,
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Parse pjsip.conf text. The config holds every object that could be built;
/// diagnostics say what was skipped or doubtful, each with line:column.
pub fn parse_pjsip_conf(text: &str) -> (Config, Vec<ConfigDiagnostic>) {
    let mut d = Diags::default();
    let sections = lex(text, &mut d);
    let mut cfg = Config::default();
    let names = by_name(&sections);
    let mut templates = templates::Templates::new(&sections, &names);
    let mut seen: std::collections::HashSet<(&str, String)> = Default::default();
    // Where each refused AOR was refused, for the problems that follow from it.
    let mut refused_aors: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    let mut first = 0;
    for (idx, s) in sections.iter().enumerate() {
        // The previous section's problems, if already seen through an earlier one.
        d.link_repeats(first);
        first = d.list.len();
        if s.template {
            continue;
        }
        let items = templates.items(idx, &mut d);
        let Some(type_item) = items.iter().rev().find(|i| i.key == "type") else {
            d.error(
                s.line,
                1,
                format!("[{}] has no 'type' option, so Asterisk ignores it", s.name),
                Some("add e.g. 'type = aor' or 'type = endpoint'".into()),
            );
            continue;
        };
        let ty = type_item.value.to_ascii_lowercase();
        if !options::TYPES.contains(&ty.as_str()) {
            let hint = options::nearest(&ty, options::TYPES.iter().copied())
                .map(|n| format!("did you mean '{n}'?"));
            d.error(
                type_item.line,
                type_item.value_col,
                format!("unknown object type '{}' for [{}]", type_item.value, s.name),
                hint,
            );
            continue;
        }
        if !seen.insert((s.name.as_str(), ty.clone())) {
            d.warn(
                s.line,
                1,
                format!(
                    "[{}] of type {ty} is defined twice; the later one replaces the earlier",
                    s.name
                ),
                None,
            );
        }
        // The first option Asterisk refuses makes it skip the whole object
        // ("Could not create an object of type …"); aorlab reports every problem.
        let mut refusal: Option<Refusal> = None;
        let mut note = |r: Option<Refusal>| {
            if refusal.is_none() {
                refusal = r;
            }
        };
        match ty.as_str() {
            "aor" => {
                let mut aor = Aor::new(&s.name);
                aor.line = s.line;
                for it in &items {
                    note(apply(&mut d, "aor", &s.name, it, |k, v| {
                        apply_aor(&mut aor, k, v)
                    }));
                    if it.key != "type" {
                        aor.written.push((it.key.clone(), it.line, it.col));
                    }
                }
                if aor.minimum_expiration > aor.maximum_expiration {
                    d.warn(
                        s.line,
                        1,
                        format!(
                            "AOR '{}': minimum_expiration {} is above maximum_expiration {}",
                            s.name, aor.minimum_expiration, aor.maximum_expiration
                        ),
                        Some(
                            "short requests then get the minimum and long ones the maximum".into(),
                        ),
                    );
                }
                if refusal.is_none() {
                    cfg.aors.insert(s.name.clone(), aor);
                }
            }
            "endpoint" => {
                let mut ep = Endpoint::new(&s.name);
                ep.line = s.line;
                for it in &items {
                    note(apply(&mut d, "endpoint", &s.name, it, |k, v| {
                        apply_endpoint(&mut ep, k, v)
                    }));
                }
                if refusal.is_none() {
                    cfg.endpoints.insert(s.name.clone(), ep);
                }
            }
            "transport" => {
                let mut t = Transport::new(&s.name);
                t.line = s.line;
                for it in &items {
                    note(apply(&mut d, "transport", &s.name, it, |k, v| {
                        apply_transport(&mut t, k, v)
                    }));
                }
                if refusal.is_none() {
                    cfg.transports.insert(s.name.clone(), t);
                }
            }
            "global" => {
                let mut g = cfg.global.clone();
                for it in &items {
                    note(apply(&mut d, "global", &s.name, it, |k, v| {
                        apply_global(&mut g, k, v)
                    }));
                }
                if refusal.is_none() {
                    cfg.global = g;
                }
            }
            "domain_alias" => {
                let mut domain = String::new();
                for it in &items {
                    note(apply(&mut d, "domain_alias", &s.name, it, |k, v| {
                        if k == "domain" {
                            domain = v.to_string();
                        }
                        Ok(())
                    }));
                }
                if refusal.is_none() {
                    cfg.domain_aliases.insert(s.name.clone(), domain);
                }
            }
            // Other types are valid Asterisk objects that do not decide registrations.
            _ => {}
        }
        if let Some((line, col, sev)) = refusal {
            let what = match ty.as_str() {
                "aor" => "REGISTERs to this AOR get 404",
                "endpoint" => "REGISTERs from this endpoint are challenged and never registered",
                "global" => "every global option keeps its default",
                _ => "it does not exist for Asterisk",
            };
            d.push(
                sev,
                line,
                col,
                format!(
                    "Could not create an object of type '{ty}' with id '{}' from configuration file 'pjsip.conf'",
                    s.name
                ),
                Some(format!("Asterisk skips the whole [{}] until this is fixed: {what}", s.name)),
            );
            // It follows from the option problem reported at the same place.
            if let Some(last) = d.list.last_mut() {
                last.cause = Some((line, col));
            }
            if ty == "aor" {
                refused_aors.insert(s.name.clone(), (line, col));
            }
            cfg.rejected.push((ty.clone(), s.name.clone()));
        }
    }
    d.link_repeats(first);
    // Cross references Asterisk would trip over at REGISTER time.
    for ep in cfg.endpoints.values() {
        for a in &ep.aors {
            if !cfg.aors.contains_key(a) {
                let hint = options::nearest(a, cfg.aors.keys().map(String::as_str))
                    .map(|n| format!("did you mean '{n}'?"));
                d.warn(ep.line, 1, format!("endpoint '{}' lists AOR '{a}', which is not defined (REGISTERs to it get 404)", ep.name), hint);
                if let Some(last) = d.list.last_mut() {
                    last.cause = refused_aors.get(a).copied();
                }
            }
        }
    }
    let used_aors: std::collections::HashSet<&str> = cfg
        .endpoints
        .values()
        .flat_map(|e| e.aors.iter().map(String::as_str))
        .collect();
    for aor in cfg.aors.values() {
        if aor.max_contacts == 0 && aor.contacts.is_empty() {
            let used = used_aors.contains(aor.name.as_str());
            if used {
                d.warn(
                    aor.line,
                    1,
                    format!(
                        "AOR '{}' has max_contacts = 0: every REGISTER to it is refused with 403",
                        aor.name
                    ),
                    Some("0 does not mean unlimited; set e.g. max_contacts = 1".into()),
                );
            }
        }
    }
    d.list.sort_by_key(|x| (x.line, x.col));
    (cfg, d.list)
}

/// Parse pjsip.conf text as a given version reads it: on top of
/// `parse_pjsip_conf`, options that version does not have yet make it refuse the
/// object (e.g. `remove_unavailable` before 16.22/18.8).
pub fn parse_pjsip_conf_for(
    text: &str,
    profile: crate::profile::Profile,
) -> (Config, Vec<ConfigDiagnostic>) {
    let (mut cfg, mut diags) = parse_pjsip_conf(text);
    diags.extend(restrict_to_profile(&mut cfg, profile));
    diags.sort_by_key(|x| (x.line, x.col));
    (cfg, diags)
}

/// Drop the AORs that use an option `profile` does not know, as that version's
/// sorcery would ("Could not find option …" → "Could not create an object …").
pub(crate) fn restrict_to_profile(
    cfg: &mut Config,
    profile: crate::profile::Profile,
) -> Vec<ConfigDiagnostic> {
    let mut d = Diags::default();
    let refused: Vec<String> = cfg
        .aors
        .values()
        .filter_map(|a| {
            let (name, line, col) = a
                .written
                .iter()
                .find(|(k, _, _)| !profile.knows_aor_option(k))?;
            d.warn(
                *line,
                *col,
                format!("Could not find option suitable for category '{}' named '{name}' at line {line} of pjsip.conf", a.name),
                Some(format!("'{name}' does not exist in Asterisk {}", profile.label())),
            );
            d.warn(
                *line,
                *col,
                format!(
                    "Could not create an object of type 'aor' with id '{}' from configuration file 'pjsip.conf'",
                    a.name
                ),
                Some(format!(
                    "Asterisk {} skips the whole [{}]: REGISTERs to this AOR get 404",
                    profile.label(),
                    a.name
                )),
            );
            // The refusal follows from the missing option; a template line read by
            // several AORs is one problem.
            let n = d.list.len();
            d.list[n - 1].cause = Some((*line, *col));
            d.link_repeats(n - 2);
            Some(a.name.clone())
        })
        .collect();
    for name in refused {
        cfg.aors.remove(&name);
        cfg.rejected.push(("aor".to_string(), name));
    }
    d.list
}

/// Validate one option against the table and hand it to the object.
/// Where and how Asterisk refused an object (`aco_process_var` failed): the
/// object is then not created at all.
type Refusal = (u32, u32, Severity);

/// Object types whose complete option list aorlab knows: an unknown option there
/// certainly makes Asterisk refuse the object.
const COMPLETE_OPTION_LISTS: &[&str] = &["aor", "domain_alias"];

/// Validate one option against the table and hand it to the object. Returns
/// `Some` when Asterisk would refuse the whole object because of it.
fn apply(
    d: &mut Diags,
    section: &str,
    name: &str,
    it: &Item,
    set: impl FnOnce(&str, &str) -> Result<(), String>,
) -> Option<Refusal> {
    if it.key == "type" {
        return None;
    }
    let key = it.key.as_str();
    let spec = options::find(section, key);
    if spec.is_none() {
        if options::no_effect_names(section).contains(&key) {
            return None;
        }
        // One template line read by thousands of sections asks the same question.
        let hint = d
            .hints
            .entry((section.to_string(), key.to_string()))
            .or_insert_with(|| {
                let cands = options::names_for(section)
                    .chain(options::no_effect_names(section).iter().copied());
                options::nearest(key, cands).map(|n| format!("did you mean '{n}'?"))
            })
            .clone();
        let certain = COMPLETE_OPTION_LISTS.contains(&section);
        let fallback = if certain {
            format!("Asterisk has no {section} option '{key}'")
        } else {
            format!("aorlab does not model this {section} option; it is ignored")
        };
        d.warn(it.line, it.col,
            format!("Could not find option suitable for category '{name}' named '{key}' at line {} of pjsip.conf", it.line),
            hint.or(Some(fallback)));
        return certain.then_some((it.line, it.col, Severity::Warning));
    }
    let spec = spec.expect("checked");
    let v = it.value.as_str();
    let refused = Some((it.line, it.value_col, Severity::Error));
    let bad = |d: &mut Diags, why: String, hint: Option<String>| {
        d.error(
            it.line,
            it.value_col,
            format!(
                "Error parsing {key}={v} at line {} of pjsip.conf: {why}",
                it.line
            ),
            hint,
        );
    };
    match spec.kind {
        OptionKind::Bool if parse_bool(v).is_none() => {
            bad(d, "not a yes/no value".into(), Some("use yes or no".into()));
            return refused;
        }
        OptionKind::Uint { min, max } => match v.parse::<u64>() {
            Ok(n) if n >= min as u64 && n <= max as u64 => {}
            _ => {
                bad(
                    d,
                    format!("expected a whole number from {min} to {max}"),
                    None,
                );
                return refused;
            }
        },
        OptionKind::Float { min, max } => match v.parse::<f64>() {
            Ok(n) if n >= min && n <= max => {}
            _ => {
                bad(d, format!("expected a number from {min} to {max}"), None);
                return refused;
            }
        },
        OptionKind::Choice { values } if !values.contains(&v.to_ascii_lowercase().as_str()) => {
            let hint = options::nearest(&v.to_ascii_lowercase(), values.iter().copied())
                .map(|n| format!("did you mean '{n}'?"))
                .unwrap_or_else(|| format!("one of: {}", values.join(", ")));
            bad(d, "not an allowed value".into(), Some(hint));
            return refused;
        }
        _ => {}
    }
    if let Err(why) = set(key, v) {
        bad(d, why, None);
        return refused;
    }
    None
}

fn num(v: &str) -> u32 {
    v.parse().unwrap_or(0)
}

fn apply_aor(a: &mut Aor, k: &str, v: &str) -> Result<(), String> {
    let b = || parse_bool(v).unwrap_or(false);
    match k {
        "max_contacts" => a.max_contacts = num(v),
        "remove_existing" => a.remove_existing = b(),
        "remove_unavailable" => a.remove_unavailable = b(),
        "minimum_expiration" => a.minimum_expiration = num(v),
        "maximum_expiration" => a.maximum_expiration = num(v),
        "default_expiration" => a.default_expiration = num(v),
        "qualify_frequency" => a.qualify_frequency = num(v),
        "qualify_timeout" => a.qualify_timeout = v.parse().unwrap_or(3.0),
        "qualify_2xx_only" => a.qualify_2xx_only = b(),
        "authenticate_qualify" => a.authenticate_qualify = b(),
        "outbound_proxy" => a.outbound_proxy = v.to_string(),
        "support_path" => a.support_path = b(),
        "contact" => {
            for c in list(v) {
                if !validate_uri_length(&c) {
                    return Err(format!("Contact uri or hostname length exceeds pjproject limit or is not a sip(s) uri: {c}"));
                }
                // the static contacts container rejects a second equal id (same md5)
                if !a.contacts.contains(&c) {
                    a.contacts.push(c);
                }
            }
        }
        "mailboxes" => a.mailboxes = v.to_string(),
        "voicemail_extension" => a.voicemail_extension = v.to_string(),
        _ => {}
    }
    Ok(())
}

/// `ast_sip_validate_uri_length`: a `sip:`/`sips:` prefix, at most 511
/// characters, and a host of at most 255 characters (245 without a port, to leave
/// room for an SRV prefix).
fn validate_uri_length(uri: &str) -> bool {
    if uri.len() > crate::register::MAX_URL_SIZE - 1 {
        return false;
    }
    let c = uri.trim_start_matches('<').trim_end_matches('>');
    let lower = c.to_ascii_lowercase();
    let mut host = if lower.starts_with("sip:") {
        &c[4..]
    } else if lower.starts_with("sips:") {
        &c[5..]
    } else {
        return false;
    };
    if let Some(at) = c.find('@') {
        host = &c[at + 1..];
    }
    let mut port = false;
    let host = if host.starts_with('[') {
        let Some(close) = host.find(']') else {
            return false;
        };
        port = host[close + 1..].starts_with(':');
        &host[..=close]
    } else {
        let h = host.split([';', '?']).next().unwrap_or("");
        match h.split_once(':') {
            Some((h, _)) => {
                port = true;
                h
            }
            None => h,
        }
    };
    let mut max = crate::register::MAX_HOSTNAME - 1;
    if !port {
        max -= "_sips.tcp.".len();
    }
    host.len() <= max
}

fn apply_endpoint(e: &mut Endpoint, k: &str, v: &str) -> Result<(), String> {
    let b = || parse_bool(v).unwrap_or(false);
    match k {
        "aors" => e.aors = list(v),
        "rewrite_contact" => e.rewrite_contact = b(),
        "force_rport" => e.force_rport = b(),
        "rtp_symmetric" => e.rtp_symmetric = b(),
        "identify_by" => {
            let mut out = Vec::new();
            for m in list(v) {
                out.push(match m.as_str() {
                    "username" => IdentifyBy::Username,
                    "auth_username" => IdentifyBy::AuthUsername,
                    "ip" => IdentifyBy::Ip,
                    "header" => IdentifyBy::Header,
                    "request_uri" => IdentifyBy::RequestUri,
                    other => return Err(format!("unknown identify_by method '{other}'")),
                });
            }
            e.identify_by = out;
        }
        "auth" => e.auth = v.to_string(),
        "transport" => e.transport = v.to_string(),
        "outbound_proxy" => e.outbound_proxy = v.to_string(),
        "context" => e.context = v.to_string(),
        _ => {}
    }
    Ok(())
}

fn apply_transport(t: &mut Transport, k: &str, v: &str) -> Result<(), String> {
    match k {
        "protocol" => {
            t.protocol =
                Protocol::parse(v).ok_or_else(|| format!("protocol '{v}' is not modelled"))?;
        }
        "bind" => t.bind = v.to_string(),
        "symmetric_transport" => t.symmetric_transport = parse_bool(v).unwrap_or(false),
        "external_signaling_address" => t.external_signaling_address = v.to_string(),
        "external_signaling_port" => t.external_signaling_port = num(v),
        "local_net" => t.local_net.extend(list(v)),
        _ => {}
    }
    Ok(())
}

fn apply_global(g: &mut super::model::Global, k: &str, v: &str) -> Result<(), String> {
    match k {
        "contact_expiration_check_interval" => g.contact_expiration_check_interval = num(v),
        "keep_alive_interval" => g.keep_alive_interval = num(v),
        "max_initial_qualify_time" => g.max_initial_qualify_time = num(v),
        "ignore_uri_user_options" => g.ignore_uri_user_options = parse_bool(v).unwrap_or(false),
        "endpoint_identifier_order" => g.endpoint_identifier_order = list(v),
        "user_agent" => g.user_agent = v.to_string(),
        "unidentified_request_count" => g.unidentified_request_count = num(v),
        "unidentified_request_period" => g.unidentified_request_period = num(v),
        "unidentified_request_prune_interval" => g.unidentified_request_prune_interval = num(v),
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_name_two_types_and_defaults() {
        let (c, d) = parse_pjsip_conf("[alice]\ntype=endpoint\naors=alice\n\n[alice]\ntype=aor\nmax_contacts=2 ; two phones\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.endpoints["alice"].aors, vec!["alice"]);
        assert!(!c.endpoints["alice"].rewrite_contact);
        assert_eq!(c.aors["alice"].max_contacts, 2);
        assert_eq!(c.aors["alice"].default_expiration, 3600);
        assert_eq!(c.global.contact_expiration_check_interval, 30);
    }

    #[test]
    fn templates_inherit_and_override() {
        let t = "[aor-base](!)\ntype=aor\nmax_contacts=1\nremove_existing=yes\n\n[bob](aor-base)\nmax_contacts=3\n";
        let (c, d) = parse_pjsip_conf(t);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.aors["bob"].max_contacts, 3);
        assert!(c.aors["bob"].remove_existing);
        assert!(!c.aors.contains_key("aor-base"));
    }

    #[test]
    fn unknown_options_and_bad_values_have_places_and_hints() {
        let t = "[a]\ntype=aor\nmax_contact=2\nremove_existing=maybe\nqualify_frequency=99999\n";
        let (c, d) = parse_pjsip_conf(t);
        assert_eq!(d.len(), 4, "{d:?}");
        assert_eq!((d[0].line, d[0].col), (3, 1));
        assert_eq!(d[0].hint.as_deref(), Some("did you mean 'max_contacts'?"));
        // Asterisk then refuses the whole object (at its first problem)
        assert_eq!((d[1].line, d[1].col), (3, 1));
        assert!(d[1]
            .message
            .starts_with("Could not create an object of type 'aor' with id 'a'"));
        assert!(!c.aors.contains_key("a"));
        assert_eq!(c.rejected, [("aor".to_string(), "a".to_string())]);
        assert_eq!(
            (d[2].line, d[2].col, d[2].severity),
            (4, 17, Severity::Error)
        );
        assert!(d[3].message.contains("0 to 86400"));
    }

    #[test]
    fn comments_blocks_and_arrows() {
        let t = ";-- a block\n[x]\ntype=aor --;\n[x]\ntype => aor\nmax_contacts => 4 ; four\n";
        let (c, d) = parse_pjsip_conf(t);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.aors["x"].max_contacts, 4);
    }

    #[test]
    fn missing_type_and_template() {
        let (_, d) = parse_pjsip_conf("[x]\nmax_contacts=1\n[y](nope)\ntype=aor\n");
        assert_eq!(d.len(), 2);
        assert!(d[0].message.contains("no 'type'"));
        assert!(d[1].message.contains("template 'nope'"));
    }

    #[test]
    fn duplicates_templates_and_repeats_by_index() {
        // A template redefined below a user: the user reads the one above it; a
        // later user reads the later one. A duplicate (name, type) is warned once
        // per repeat; a template line's problem read by three sections is one
        // problem, the later two linked to it.
        let t = "[t](!)\ntype=endpoint\nqualify_frequency=1\n\
                 [a](t)\n[b](t)\n\
                 [t](!)\ntype=aor\nmax_contacts=3\n\
                 [c](t)\n[c](t)\n[c](+)\nmax_contacts=4\n";
        let (c, d) = parse_pjsip_conf(t);
        assert!(c.endpoints.contains_key("a") && c.endpoints.contains_key("b"));
        assert_eq!(c.aors["c"].max_contacts, 4);
        let places: Vec<_> = d.iter().map(|x| (x.line, x.col, x.cause)).collect();
        assert_eq!(
            places,
            [(3, 1, None), (3, 1, Some((3, 1))), (10, 1, None)],
            "{d:#?}"
        );
        assert!(d[2].message.contains("[c] of type aor is defined twice"));
    }

    #[test]
    fn max_contacts_zero_is_flagged() {
        let (_, d) = parse_pjsip_conf("[a]\ntype=endpoint\naors=a\n[a]\ntype=aor\n");
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("max_contacts = 0"));
    }
}
