//! Template resolution: the options a category holds once its `(tmpl,…)` list is read.
//!
//! Asterisk copies a template's options (its own and those it inherited) into the category
//! once for every time the template is listed (config.c, `ast_category_inherit`), so a
//! category may hold an option twice. aorlab does the same, but a chain such as
//! `[c](c,c,c)` repeated down the file multiplies at every step: the fuzzer found 3.9 KB
//! that took 1.9 s and 737 MB when every listed template was resolved again for each use.
//! So each (section, depth) is resolved once into a [`Node`] that shares its templates'
//! nodes; only the categories that become objects are flattened into options, and what
//! templates copy is bounded per category ([`MAX_INHERITED`]) and per file
//! ([`MAX_INHERITED_IN_FILE`]), each limit reported as an error where it is hit.

use std::collections::HashMap;
use std::rc::Rc;

use super::{options, ByName, ConfigDiagnostic, Diags, Item, Section, Severity};

/// The most options (and template problems) one category may take from its templates.
/// pjsip's largest object type, the endpoint, has about 200 options; a category past this
/// lists a template over and over.
pub(super) const MAX_INHERITED: usize = 1000;

/// The most options (and template problems) templates may copy into the whole file: 50 for
/// each of 10,000 phones. It bounds the work for any text (the fuzz target's inputs run to
/// 64 KB); past it the later categories take nothing more from their templates.
pub(super) const MAX_INHERITED_IN_FILE: usize = 500_000;

/// Template chains longer than this are reported as too deep (a loop?), as before: a
/// template must be defined above its use, so there is no real loop, but the limit and its
/// message stay what users have seen.
const MAX_DEPTH: usize = 16;

/// One section resolved at one depth: its templates' nodes and the problems met while
/// reading its template list, in list order, then (unless cut off) its own options.
struct Node {
    parts: Vec<Part>,
    /// The section whose own options follow the parts; `None` when the chain was cut off.
    own: Option<usize>,
    /// Whether flattening yields nothing (no option, no problem): skipped without a walk, so
    /// a fan-out of empty templates costs nothing.
    empty: bool,
    /// Whether flattening yields options (else only problems, reported once per category).
    options: bool,
}

enum Part {
    Template(Rc<Node>),
    Problem(ConfigDiagnostic),
}

/// Resolves sections' template lists, each (section, depth) once.
pub(super) struct Templates<'a> {
    sections: &'a [Section],
    names: &'a ByName<'a>,
    nodes: HashMap<(usize, usize), Rc<Node>>,
    /// The did-you-mean hint for an undefined template name (it depends on the name only).
    hints: HashMap<&'a str, Option<String>>,
    /// What [`MAX_INHERITED_IN_FILE`] still allows.
    file_left: usize,
}

impl<'a> Templates<'a> {
    pub(super) fn new(sections: &'a [Section], names: &'a ByName<'a>) -> Self {
        Templates {
            sections,
            names,
            nodes: HashMap::new(),
            hints: HashMap::new(),
            file_left: MAX_INHERITED_IN_FILE,
        }
    }

    /// The options of section `idx` with its templates' copied in front, in Asterisk's
    /// order; the problems found on the way are reported in `d`.
    pub(super) fn items(&mut self, idx: usize, d: &mut Diags) -> Vec<Item> {
        let node = self.node(idx, 0);
        let mut out = Flat {
            items: Vec::new(),
            problems: std::collections::HashSet::new(),
            walked: std::collections::HashSet::new(),
            section_left: MAX_INHERITED,
            file_left: self.file_left,
        };
        let complete = out.node(self.sections, &node, true, d);
        let file_was_left = self.file_left;
        self.file_left = out.file_left;
        if !complete {
            let s = &self.sections[idx];
            let (message, hint) = if out.section_left == 0 {
                (
                    format!(
                        "[{}] inherits more than {MAX_INHERITED} options and template problems; aorlab reads the first {MAX_INHERITED}",
                        s.name
                    ),
                    "Asterisk copies a template's options once for every time it is listed, also through other templates: list each template once",
                )
            } else if file_was_left > 0 {
                (
                    format!(
                        "templates have copied {MAX_INHERITED_IN_FILE} options into the file by [{}]; it and the categories after it take nothing more from their templates",
                        s.name
                    ),
                    "aorlab's limit for a whole pjsip.conf: is a template listed over and over?",
                )
            } else {
                return out.items;
            };
            d.error(s.line, 1, message, Some(hint.into()));
        }
        out.items
    }

    fn node(&mut self, idx: usize, depth: usize) -> Rc<Node> {
        if let Some(n) = self.nodes.get(&(idx, depth)) {
            return n.clone();
        }
        let s = &self.sections[idx];
        let node = if depth > MAX_DEPTH {
            let too_deep = ConfigDiagnostic {
                line: s.line,
                col: 1,
                severity: Severity::Error,
                message: format!("template chain of [{}] is too deep (a loop?)", s.name),
                hint: None,
                cause: None,
            };
            Node {
                parts: vec![Part::Problem(too_deep)],
                own: None,
                empty: false,
                options: false,
            }
        } else {
            let mut parts = Vec::with_capacity(s.inherits.len());
            for (t, line) in &s.inherits {
                let above = self.names.get(t.as_str()).and_then(|ix| {
                    let n = ix.partition_point(|&i| i < idx);
                    n.checked_sub(1).map(|k| ix[k])
                });
                match above {
                    Some(ti) => parts.push(Part::Template(self.node(ti, depth + 1))),
                    None => parts.push(Part::Problem(self.undefined(s, t, *line))),
                }
            }
            let empty = s.items.is_empty()
                && parts
                    .iter()
                    .all(|p| matches!(p, Part::Template(n) if n.empty));
            let options = !s.items.is_empty()
                || parts
                    .iter()
                    .any(|p| matches!(p, Part::Template(n) if n.options));
            Node {
                parts,
                own: Some(idx),
                empty,
                options,
            }
        };
        let node = Rc::new(node);
        self.nodes.insert((idx, depth), node.clone());
        node
    }

    /// `[s](t)` where no `t` is defined above `s`.
    fn undefined(&mut self, s: &Section, t: &'a str, line: u32) -> ConfigDiagnostic {
        let sections = self.sections;
        let hint = self
            .hints
            .entry(t)
            .or_insert_with(|| {
                options::nearest(
                    t,
                    sections
                        .iter()
                        .filter(|x| x.template)
                        .map(|x| x.name.as_str()),
                )
                .map(|n| format!("did you mean '{n}'?"))
                .or_else(|| Some("a template must be defined above its use, e.g. [base](!)".into()))
            })
            .clone();
        ConfigDiagnostic {
            line,
            col: 1,
            severity: Severity::Error,
            message: format!(
                "[{}] uses template '{t}', which is not defined above it",
                s.name
            ),
            hint,
            cause: None,
        }
    }
}

/// A category's options being flattened, with what the limits still allow.
struct Flat<'n> {
    items: Vec<Item>,
    /// The template problems already reported for this category: one problem reached
    /// through several templates is one problem (Asterisk stops at it).
    problems: std::collections::HashSet<(u32, u32, &'n str)>,
    /// The nodes without options already walked for this category: walking one again would
    /// only repeat its problems.
    walked: std::collections::HashSet<*const Node>,
    section_left: usize,
    file_left: usize,
}

impl<'n> Flat<'n> {
    /// Appends `node`'s options (its problems to `d`); the options of the category itself
    /// (`own`) cost nothing, everything copied from templates one unit of each limit.
    /// False when a limit ran out first.
    fn node(&mut self, sections: &[Section], node: &'n Node, own: bool, d: &mut Diags) -> bool {
        // `+=` below looks for an earlier value of this node's own list only.
        let start = self.items.len();
        for part in &node.parts {
            match part {
                Part::Template(n) if n.empty => {}
                Part::Template(n) if !n.options && !self.walked.insert(Rc::as_ptr(n)) => {}
                Part::Template(n) => {
                    if !self.node(sections, n, false, d) {
                        return false;
                    }
                }
                Part::Problem(p) => {
                    if !self.problems.insert((p.line, p.col, p.message.as_str())) {
                        continue;
                    }
                    if !self.spend() {
                        return false;
                    }
                    d.list.push(p.clone());
                }
            }
        }
        let Some(idx) = node.own else {
            return true;
        };
        for it in &sections[idx].items {
            // `+=` with nothing earlier in the section itself extends an inherited value.
            if it.append {
                if let Some(prev) = self.items[start..]
                    .iter_mut()
                    .rev()
                    .find(|i| i.key == it.key)
                {
                    prev.value.push_str(&it.value);
                    continue;
                }
            }
            if !own && !self.spend() {
                return false;
            }
            self.items.push(it.clone());
        }
        true
    }

    fn spend(&mut self) -> bool {
        if self.section_left == 0 || self.file_left == 0 {
            return false;
        }
        self.section_left -= 1;
        self.file_left -= 1;
        true
    }
}
