//! Small, exact edits of scenario text for the page's quick controls. The text
//! stays the single source of truth: a control changes one line (or adds one)
//! and leaves everything else — comments, spacing, order — as the user wrote it.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AorControls {
    pub name: String,
    pub max_contacts: u32,
    pub remove_existing: bool,
    pub remove_unavailable: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointControls {
    pub name: String,
    pub rewrite_contact: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Controls {
    pub version: String,
    pub aors: Vec<AorControls>,
    pub endpoints: Vec<EndpointControls>,
}

/// Line range (exclusive end) of the `pjsip.conf {` block's body.
fn conf_block(lines: &[&str]) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.first() == Some(&"pjsip.conf") && w.get(1) == Some(&"{")
    })?;
    let end = lines[start + 1..].iter().position(|l| l.trim() == "}")? + start + 1;
    Some((start + 1, end))
}

/// The current values the controls show (defaults where the text says nothing).
pub fn controls(text: &str) -> Controls {
    let lines: Vec<&str> = text.lines().collect();
    let version = lines
        .iter()
        .find_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("asterisk"))
                .then(|| w.next().map(str::to_string))
                .flatten()
        })
        .unwrap_or_else(|| "22".into());
    let mut out = Controls {
        version,
        aors: Vec::new(),
        endpoints: Vec::new(),
    };
    if let Some((a, b)) = conf_block(&lines) {
        let conf = lines[a..b].join("\n");
        let (cfg, _) = aorlab_registrar::parse_pjsip_conf(&conf);
        out.aors = cfg
            .aors
            .values()
            .map(|x| AorControls {
                name: x.name.clone(),
                max_contacts: x.max_contacts,
                remove_existing: x.remove_existing,
                remove_unavailable: x.remove_unavailable,
            })
            .collect();
        out.endpoints = cfg
            .endpoints
            .values()
            .map(|e| EndpointControls {
                name: e.name.clone(),
                rewrite_contact: e.rewrite_contact,
            })
            .collect();
    }
    out
}

fn strip_comment(l: &str) -> &str {
    l.split(';').next().unwrap_or("")
}

/// Set `option = value` in the section `[name]` of type `kind` inside the
/// pjsip.conf block. Replaces the last existing line of that option (keeping
/// its comment) or adds one after the `type` line. `None` if no such section.
pub fn set_option(text: &str, name: &str, kind: &str, option: &str, value: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (a, b) = conf_block(&lines)?;
    // Find sections: (header line, end line exclusive)
    let mut sections: Vec<(usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(b).skip(a) {
        if strip_comment(line).trim_start().starts_with('[') {
            if let Some(last) = sections.last_mut() {
                last.1 = i;
            }
            sections.push((i, b));
        }
    }
    let header_name = |i: usize| {
        let t = strip_comment(lines[i]).trim();
        t.strip_prefix('[')
            .and_then(|r| r.split(']').next())
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    let kv = |l: &str| -> Option<(String, String)> {
        let t = strip_comment(l);
        let (k, v) = t.split_once('=')?;
        Some((
            k.trim().to_string(),
            v.trim_start_matches('>').trim().to_string(),
        ))
    };
    let target = sections.iter().rev().find(|(h, e)| {
        header_name(*h) == name
            && (h + 1..*e).any(|i| {
                kv(lines[i]).is_some_and(|(k, v)| k == "type" && v.eq_ignore_ascii_case(kind))
            })
    })?;
    let (h, e) = *target;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    if let Some(i) = (h + 1..e)
        .rev()
        .find(|&i| kv(lines[i]).is_some_and(|(k, _)| k == option))
    {
        let l = lines[i];
        let comment = l.find(';').map(|c| &l[c..]).unwrap_or("");
        let (left, _) = strip_comment(l).split_once('=').unwrap_or((option, ""));
        let arrow = strip_comment(l).contains("=>");
        let sep = if arrow {
            "=> "
        } else if left.ends_with(' ') {
            "= "
        } else {
            "="
        };
        let mut new = format!("{left}{sep}{value}");
        if !comment.is_empty() {
            new.push(' ');
            new.push_str(comment);
        }
        out[i] = new;
    } else {
        let ti = (h + 1..e)
            .find(|&i| kv(lines[i]).is_some_and(|(k, _)| k == "type"))
            .unwrap_or(h);
        let spaced = lines[ti].contains(" = ");
        out.insert(
            ti + 1,
            if spaced {
                format!("{option} = {value}")
            } else {
                format!("{option}={value}")
            },
        );
    }
    let mut s = out.join("\n");
    if text.ends_with('\n') {
        s.push('\n');
    }
    Some(s)
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
        assert_eq!(c.aors[0].max_contacts, 2);
        assert!(!c.endpoints[0].rewrite_contact);
    }

    #[test]
    fn replaces_in_place_keeping_comments() {
        let t = set_option(T, "alice", "aor", "max_contacts", "6").unwrap();
        assert!(t.contains("max_contacts = 6 ; two phones\n"), "{t}");
        assert_eq!(t.lines().count(), T.lines().count());
        assert_eq!(controls(&t).aors[0].max_contacts, 6);
    }

    #[test]
    fn inserts_after_type_in_the_right_section() {
        let t = set_option(T, "alice", "endpoint", "rewrite_contact", "yes").unwrap();
        assert!(
            t.contains("type = endpoint\nrewrite_contact = yes\naors = alice"),
            "{t}"
        );
        assert!(controls(&t).endpoints[0].rewrite_contact);
        assert!(set_option(T, "bob", "aor", "max_contacts", "1").is_none());
    }

    #[test]
    fn version_line() {
        assert!(set_version(T, "13.17").contains("\nasterisk 13.17\n"));
        let no = "pjsip.conf {\n}\n";
        assert!(set_version(no, "16").starts_with("asterisk 16\n"));
    }
}
