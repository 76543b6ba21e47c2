//! Small, exact edits of scenario text for the page's quick controls. The text
//! stays the single source of truth: a control changes one line (or adds one)
//! and leaves everything else — comments, spacing, order — as the user wrote it.

mod conf;

use conf::{conf_block, strip_comment, Conf, Section};
use serde::Serialize;

/// Where a control's value comes from, so the page can say it and edit the right line.
/// Lines are 1-based lines of the scenario text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "lowercase")]
pub enum Source {
    /// Written in the object's own section.
    Section { line: u32 },
    /// Inherited from template `name`, which `user_count` sections use (the first
    /// [`USERS_LISTED`] of them in `users`).
    Template {
        name: String,
        line: u32,
        users: Vec<String>,
        user_count: usize,
    },
    /// Not written anywhere: Asterisk's default.
    Default,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// A template in an object's chain: a control can change it instead of the section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateRef {
    pub name: String,
    pub line: u32,
    /// The non-template sections that inherit from it (what changing it affects): the first
    /// [`USERS_LISTED`], and how many in all. A site's template has thousands of users, and
    /// every object names its templates: listing them all would be quadratic.
    pub users: Vec<String>,
    pub user_count: usize,
}

/// How many of a template's users are named.
pub const USERS_LISTED: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AorControls {
    pub name: String,
    /// The line of the section header Asterisk builds this AOR from.
    pub line: u32,
    pub max_contacts: Setting<u32>,
    pub remove_existing: Setting<bool>,
    pub remove_unavailable: Setting<bool>,
    /// Seconds between Asterisk's OPTIONS to each contact (0: never): what keeps a NAT's
    /// mapping alive from Asterisk's side, and what Advise suggests most often.
    pub qualify_frequency: Setting<u32>,
    /// The longest registration Asterisk grants: a phone asking for more refreshes sooner.
    pub maximum_expiration: Setting<u32>,
    pub templates: Vec<TemplateRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointControls {
    pub name: String,
    pub line: u32,
    pub rewrite_contact: Setting<bool>,
    pub templates: Vec<TemplateRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Controls {
    pub version: String,
    pub aors: Vec<AorControls>,
    pub endpoints: Vec<EndpointControls>,
}

/// The scenario text split into lines, with the pjsip.conf block read.
struct Doc<'a> {
    lines: Vec<&'a str>,
    conf: Conf,
    /// Each template's users, found once.
    users: std::collections::HashMap<usize, Vec<usize>>,
}

impl<'a> Doc<'a> {
    fn read(text: &'a str) -> Option<(Doc<'a>, (usize, usize))> {
        let lines: Vec<&str> = text.lines().collect();
        let block = conf_block(&lines)?;
        let conf = Conf::read(&lines, block.0, block.1);
        let users = conf.all_users();
        Some((Doc { lines, conf, users }, block))
    }

    fn names(&self, idx: &[usize]) -> Vec<String> {
        idx.iter()
            .map(|&i| self.conf.sections[i].name.clone())
            .collect()
    }

    /// The first users of template `t` and how many there are.
    fn users_of(&self, t: usize) -> (Vec<String>, usize) {
        let all = self.users.get(&t).map_or(&[][..], |v| &v[..]);
        (self.names(&all[..all.len().min(USERS_LISTED)]), all.len())
    }

    /// Where `option` of the object in section `idx` is decided.
    fn source(&self, idx: usize, option: &str) -> Source {
        match self.conf.lookup(idx, option) {
            None => Source::Default,
            Some((at, item)) if at == idx => Source::Section {
                line: item.line as u32 + 1,
            },
            Some((at, item)) => {
                let (users, user_count) = self.users_of(at);
                Source::Template {
                    name: self.conf.sections[at].name.clone(),
                    line: item.line as u32 + 1,
                    users,
                    user_count,
                }
            }
        }
    }

    fn templates(&self, idx: usize) -> Vec<TemplateRef> {
        self.conf
            .chain(idx)
            .into_iter()
            .map(|t| {
                let (users, user_count) = self.users_of(t);
                TemplateRef {
                    name: self.conf.sections[t].name.clone(),
                    line: self.conf.sections[t].header as u32 + 1,
                    users,
                    user_count,
                }
            })
            .collect()
    }

    fn setting<T>(&self, idx: Option<usize>, option: &str, value: T) -> Setting<T> {
        let source = idx.map_or(Source::Default, |i| self.source(i, option));
        Setting { value, source }
    }
}

fn version_of(text: &str) -> String {
    text.lines()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("asterisk"))
                .then(|| w.next().map(str::to_string))
                .flatten()
        })
        .unwrap_or_else(|| "22".into())
}

/// The current values the controls show, each with where it comes from.
pub fn controls(text: &str) -> Controls {
    let mut out = Controls {
        version: version_of(text),
        aors: Vec::new(),
        endpoints: Vec::new(),
    };
    let Some((doc, (a, b))) = Doc::read(text) else {
        return out;
    };
    let (cfg, _) = aorlab_registrar::parse_pjsip_conf(&doc.lines[a..b].join("\n"));
    for x in cfg.aors.values() {
        let idx = doc.conf.object(&x.name, "aor", &doc.lines);
        out.aors.push(AorControls {
            name: x.name.clone(),
            line: idx.map_or(0, |i| doc.conf.sections[i].header as u32 + 1),
            max_contacts: doc.setting(idx, "max_contacts", x.max_contacts),
            remove_existing: doc.setting(idx, "remove_existing", x.remove_existing),
            remove_unavailable: doc.setting(idx, "remove_unavailable", x.remove_unavailable),
            qualify_frequency: doc.setting(idx, "qualify_frequency", x.qualify_frequency),
            maximum_expiration: doc.setting(idx, "maximum_expiration", x.maximum_expiration),
            templates: idx.map(|i| doc.templates(i)).unwrap_or_default(),
        });
    }
    for e in cfg.endpoints.values() {
        let idx = doc.conf.object(&e.name, "endpoint", &doc.lines);
        out.endpoints.push(EndpointControls {
            name: e.name.clone(),
            line: idx.map_or(0, |i| doc.conf.sections[i].header as u32 + 1),
            rewrite_contact: doc.setting(idx, "rewrite_contact", e.rewrite_contact),
            templates: idx.map(|i| doc.templates(i)).unwrap_or_default(),
        });
    }
    out
}

/// What an option edit did: the new text, the line written (1-based) and every
/// section whose value it changes (one for an override, all users for a template).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edited {
    pub text: String,
    pub line: u32,
    pub affects: Vec<String>,
}

/// Set `option = value` for object `[name]` of type `kind`: in its own section
/// (`template: None`, an override there), or in `template`, one of the templates
/// it inherits from (changing every section that uses it). Replaces the line that
/// sets the option there (keeping its comment) or adds one. Never a silent no-op:
/// an edit that cannot be made is an `Err` that says why.
pub fn edit_option(
    text: &str,
    kind: &str,
    name: &str,
    template: Option<&str>,
    option: &str,
    value: &str,
) -> Result<Edited, String> {
    let (doc, _) = Doc::read(text).ok_or("the scenario has no pjsip.conf block")?;
    let obj = doc
        .conf
        .object(name, kind, &doc.lines)
        .ok_or_else(|| format!("pjsip.conf has no [{name}] of type {kind}"))?;
    let (target, affects) = match template {
        None => (obj, vec![name.to_string()]),
        Some(t) => {
            let idx = doc
                .conf
                .chain(obj)
                .into_iter()
                .find(|&i| doc.conf.sections[i].name == t)
                .ok_or_else(|| format!("[{name}] does not use a template named '{t}'"))?;
            (idx, doc.names(doc.users.get(&idx).map_or(&[][..], |v| v)))
        }
    };
    let (lines, at) = write_option(&doc.lines, &doc.conf.sections[target], option, value);
    Ok(edited(text, &lines, at, affects))
}

/// The edit's result: `lines` joined, ending in a newline when `text` did.
fn edited(text: &str, lines: &[String], at: usize, affects: Vec<String>) -> Edited {
    let mut s = lines.join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    Edited {
        text: s,
        line: at as u32 + 1,
        affects,
    }
}

/// Set a `[global]` option: in the (last) section of type `global`, or in a new
/// `[global]` section added at the end of the pjsip.conf block when there is none.
pub fn edit_global(text: &str, option: &str, value: &str) -> Result<Edited, String> {
    let (doc, (_, end)) = Doc::read(text).ok_or("the scenario has no pjsip.conf block")?;
    let global = (0..doc.conf.sections.len()).rev().find(|&i| {
        !doc.conf.sections[i].template && doc.conf.kind(i, &doc.lines).as_deref() == Some("global")
    });
    let (lines, at) = match global {
        Some(i) => write_option(&doc.lines, &doc.conf.sections[i], option, value),
        None => {
            let mut out: Vec<String> = doc.lines.iter().map(|l| l.to_string()).collect();
            let new = [
                "",
                "[global]",
                "type = global",
                &format!("{option} = {value}"),
            ];
            for (k, l) in new.iter().enumerate() {
                out.insert(end + k, l.to_string());
            }
            (out, end + 3)
        }
    };
    Ok(edited(text, &lines, at, vec!["global".into()]))
}

/// The lines with `option = value` written in `sec`: its last line for the
/// option replaced, else a new line after its `type` line (or its header).
fn write_option(lines: &[&str], sec: &Section, option: &str, value: &str) -> (Vec<String>, usize) {
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    if let Some(item) = sec.items.iter().rev().find(|i| i.key == option) {
        out[item.line] = replace_value(lines[item.line], option, value);
        return (out, item.line);
    }
    let after = sec
        .items
        .iter()
        .find(|i| i.key == "type")
        .map_or(sec.header, |i| i.line);
    // Follow the section's own spacing (`a = b` or `a=b`).
    let sample = sec.items.first().map_or(" = ", |i| lines[i.line]);
    let new = if sample.contains(" = ") || sec.items.is_empty() {
        format!("{option} = {value}")
    } else {
        format!("{option}={value}")
    };
    out.insert(after + 1, new);
    (out, after + 1)
}

/// `key = old ; comment` with the value replaced, spacing, `=>` and comment kept.
fn replace_value(line: &str, option: &str, value: &str) -> String {
    let mut in_block = false;
    let code = strip_comment(line, &mut in_block);
    let comment = &line[code.len()..];
    let (left, right) = code.split_once('=').unwrap_or((option, ""));
    let arrow = right.starts_with('>');
    let rest = right.trim_start_matches('>');
    let pad = if rest.starts_with(' ') || left.ends_with(' ') {
        " "
    } else {
        ""
    };
    let mut new = format!("{left}={}{pad}{value}", if arrow { ">" } else { "" });
    if !comment.is_empty() {
        new.push(' ');
        new.push_str(comment.trim_start());
    }
    new
}

/// Set the `asterisk VERSION` line (added at the top when missing).
pub fn set_version(text: &str, version: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match lines
        .iter()
        .position(|l| l.split_whitespace().next() == Some("asterisk") && !l.contains('{'))
    {
        Some(i)
            if !lines[i]
                .split_whitespace()
                .nth(1)
                .is_some_and(|w| w == "restart" || w == "reload") =>
        {
            lines[i] = format!("asterisk {version}");
        }
        _ => {
            let at = lines
                .iter()
                .position(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
                .unwrap_or(0);
            lines.insert(at, format!("asterisk {version}"));
        }
    }
    let mut s = lines.join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "# hi\nasterisk 22\npjsip.conf {\n[alice]\ntype = endpoint\naors = alice\n\n[alice]\ntype = aor\nmax_contacts = 2 ; two phones\n}\nuntil 1h\n";

    #[test]
    fn reads_controls() {
        let c = controls(T);
        assert_eq!(c.version, "22");
        assert_eq!(c.aors[0].max_contacts.value, 2);
        assert_eq!(c.aors[0].max_contacts.source, Source::Section { line: 10 });
        assert!(!c.endpoints[0].rewrite_contact.value);
        assert_eq!(c.endpoints[0].rewrite_contact.source, Source::Default);
    }

    #[test]
    fn replaces_in_place_keeping_comments() {
        let t = edit_option(T, "aor", "alice", None, "max_contacts", "6")
            .unwrap()
            .text;
        assert!(t.contains("max_contacts = 6 ; two phones\n"), "{t}");
        assert_eq!(t.lines().count(), T.lines().count());
        assert_eq!(controls(&t).aors[0].max_contacts.value, 6);
    }

    #[test]
    fn inserts_after_type_in_the_right_section() {
        let t = edit_option(T, "endpoint", "alice", None, "rewrite_contact", "yes")
            .unwrap()
            .text;
        assert!(
            t.contains("type = endpoint\nrewrite_contact = yes\naors = alice"),
            "{t}"
        );
        assert!(controls(&t).endpoints[0].rewrite_contact.value);
        assert!(edit_option(T, "aor", "bob", None, "max_contacts", "1").is_err());
    }

    #[test]
    fn global_option_is_added_or_replaced() {
        let e = edit_global(T, "contact_expiration_check_interval", "10").unwrap();
        assert!(
            e.text
                .contains("\n[global]\ntype = global\ncontact_expiration_check_interval = 10\n}"),
            "{}",
            e.text
        );
        let again = edit_global(&e.text, "contact_expiration_check_interval", "5").unwrap();
        assert_eq!(again.text.lines().count(), e.text.lines().count());
        assert!(again.text.contains("contact_expiration_check_interval = 5"));
    }

    #[test]
    fn version_line() {
        assert!(set_version(T, "13.17").contains("\nasterisk 13.17\n"));
        let no = "pjsip.conf {\n}\n";
        assert!(set_version(no, "16").starts_with("asterisk 16\n"));
    }

    const TPL: &str = "pjsip.conf {\n[aor-tpl](!)\ntype=aor\nmax_contacts=1 ; one phone each\n\n[ep-tpl](!)\ntype=endpoint\nrewrite_contact=yes\n\n[101](aor-tpl)\n[102](aor-tpl)\nremove_existing=yes\n[103](aor-tpl)\n\n[101](ep-tpl)\naors=101\n[102](ep-tpl)\naors=102\n}\n";

    #[test]
    fn templated_values_say_where_they_come_from() {
        let c = controls(TPL);
        let a101 = c.aors.iter().find(|a| a.name == "101").unwrap();
        assert_eq!(a101.max_contacts.value, 1);
        let users = vec!["101".to_string(), "102".into(), "103".into()];
        assert_eq!(
            a101.max_contacts.source,
            Source::Template {
                name: "aor-tpl".into(),
                line: 4,
                users: users.clone(),
                user_count: 3,
            }
        );
        assert_eq!(a101.remove_existing.source, Source::Default);
        assert_eq!(
            a101.templates,
            vec![TemplateRef {
                name: "aor-tpl".into(),
                line: 2,
                users,
                user_count: 3,
            }]
        );
        let a102 = c.aors.iter().find(|a| a.name == "102").unwrap();
        assert!(a102.remove_existing.value);
        assert_eq!(a102.remove_existing.source, Source::Section { line: 12 });
        let e102 = c.endpoints.iter().find(|e| e.name == "102").unwrap();
        assert!(e102.rewrite_contact.value);
        assert!(
            matches!(&e102.rewrite_contact.source, Source::Template { name, .. } if name == "ep-tpl")
        );
    }

    #[test]
    fn override_in_a_templated_section_without_a_type_line() {
        let e = edit_option(TPL, "aor", "101", None, "remove_existing", "yes").unwrap();
        assert!(
            e.text
                .contains("[101](aor-tpl)\nremove_existing = yes\n[102]"),
            "{}",
            e.text
        );
        assert_eq!(e.affects, vec!["101".to_string()]);
        assert_eq!(e.line, 11);
        let c = controls(&e.text);
        assert!(
            c.aors
                .iter()
                .find(|a| a.name == "101")
                .unwrap()
                .remove_existing
                .value
        );
        assert!(
            !c.aors
                .iter()
                .find(|a| a.name == "103")
                .unwrap()
                .remove_existing
                .value
        );
        // The endpoint override, and max_contacts on 103 alone.
        let e = edit_option(TPL, "endpoint", "102", None, "rewrite_contact", "no").unwrap();
        assert!(
            !controls(&e.text)
                .endpoints
                .iter()
                .find(|x| x.name == "102")
                .unwrap()
                .rewrite_contact
                .value
        );
        assert!(
            controls(&e.text)
                .endpoints
                .iter()
                .find(|x| x.name == "101")
                .unwrap()
                .rewrite_contact
                .value
        );
        let e = edit_option(TPL, "aor", "103", None, "max_contacts", "5").unwrap();
        let c = controls(&e.text);
        let max = |n: &str| {
            c.aors
                .iter()
                .find(|a| a.name == n)
                .unwrap()
                .max_contacts
                .value
        };
        assert_eq!((max("101"), max("103")), (1, 5));
    }

    #[test]
    fn template_edit_changes_every_user_and_keeps_the_comment() {
        let e = edit_option(TPL, "aor", "103", Some("aor-tpl"), "max_contacts", "4").unwrap();
        assert!(
            e.text.contains("max_contacts=4 ; one phone each"),
            "{}",
            e.text
        );
        assert_eq!(e.affects.len(), 3);
        assert_eq!(e.text.lines().count(), TPL.lines().count());
        let c = controls(&e.text);
        assert!(c.aors.iter().all(|a| a.max_contacts.value == 4));
        let err = edit_option(TPL, "aor", "103", Some("ep-tpl"), "max_contacts", "4").unwrap_err();
        assert!(err.contains("does not use a template"), "{err}");
        assert!(edit_option(TPL, "aor", "999", None, "max_contacts", "4").is_err());
    }
}
