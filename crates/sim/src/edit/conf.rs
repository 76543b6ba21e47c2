//! A light reading of the `pjsip.conf {` block for the quick controls: which
//! lines hold which sections and options, and how templates chain. The
//! registrar's parser decides the values; this only says where they are
//! written, so an edit lands on the line that really decides them.

use std::collections::HashMap;

/// One `key = value` line of a section (line index into the scenario text).
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub key: String,
    pub line: usize,
}

/// A `[name]`, `[name](!)` or `[name](tmpl,…)` category and its own lines.
#[derive(Debug, Clone)]
pub(super) struct Section {
    pub name: String,
    pub header: usize,
    pub template: bool,
    pub inherits: Vec<String>,
    pub items: Vec<Item>,
}

/// The sections of the block, in text order (as Asterisk reads them).
#[derive(Debug)]
pub(super) struct Conf {
    pub sections: Vec<Section>,
    /// Every section's index by name, in text order: a site has thousands of sections, and a
    /// template lookup must not scan them all.
    by_name: HashMap<String, Vec<usize>>,
}

/// Deeper template chains are loops (the registrar reports them).
const MAX_DEPTH: usize = 16;

/// Line range (exclusive end) of the `pjsip.conf {` block's body.
pub(super) fn conf_block(lines: &[&str]) -> Option<(usize, usize)> {
    let start = lines.iter().position(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.first() == Some(&"pjsip.conf") && w.get(1) == Some(&"{")
    })?;
    let end = lines[start + 1..].iter().position(|l| l.trim() == "}")? + start + 1;
    Some((start + 1, end))
}

/// The text of a line without its `;` comment; `in_block` follows `;-- --;`.
pub(super) fn strip_comment<'a>(line: &'a str, in_block: &mut bool) -> &'a str {
    if *in_block {
        // Text after a closing `--;` is rare; the line counts as comment.
        if line.contains("--;") {
            *in_block = false;
        }
        return "";
    }
    let mut from = 0;
    while let Some(i) = line[from..].find(';').map(|i| i + from) {
        if i > 0 && line.as_bytes()[i - 1] == b'\\' {
            from = i + 1;
            continue;
        }
        if line[i..].starts_with(";--") && !line[i + 3..].contains("--;") {
            *in_block = true;
        }
        return &line[..i];
    }
    line
}

impl Conf {
    /// Reads the sections of lines `a..b` (the block body).
    pub fn read(lines: &[&str], a: usize, b: usize) -> Conf {
        let mut sections: Vec<Section> = Vec::new();
        let mut in_block = false;
        // Index of the section new options go to (a `(+)` header reopens an earlier one).
        let mut current: Option<usize> = None;
        for (i, raw) in lines.iter().enumerate().take(b).skip(a) {
            let t = strip_comment(raw, &mut in_block).trim();
            if let Some(rest) = t.strip_prefix('[') {
                let Some(close) = rest.find(']') else {
                    continue;
                };
                let name = rest[..close].trim().to_string();
                let after = rest[close + 1..].trim();
                let inner = after
                    .strip_prefix('(')
                    .and_then(|x| x.strip_suffix(')'))
                    .unwrap_or("");
                let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
                if parts.contains(&"+") {
                    current = sections.iter().rposition(|s| s.name == name);
                    continue;
                }
                sections.push(Section {
                    name,
                    header: i,
                    template: parts.contains(&"!"),
                    inherits: parts
                        .iter()
                        .filter(|p| !p.is_empty() && **p != "!")
                        .map(|p| p.to_string())
                        .collect(),
                    items: Vec::new(),
                });
                current = Some(sections.len() - 1);
            } else if let (Some((k, _)), Some(c)) = (t.split_once('='), current) {
                let key = k.trim().trim_end_matches('+').trim().to_string();
                sections[c].items.push(Item { key, line: i });
            }
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in sections.iter().enumerate() {
            by_name.entry(s.name.clone()).or_default().push(i);
        }
        Conf { sections, by_name }
    }

    /// The category a `[x](name)` at section `idx` inherits from: the latest one
    /// of that name above it (what Asterisk's config loader does).
    fn parent(&self, idx: usize, name: &str) -> Option<usize> {
        let all = self.by_name.get(name)?;
        all[..all.partition_point(|&i| i < idx)].last().copied()
    }

    /// Where `key` is decided for section `idx`: its own last line, else the
    /// last template in its chain (later templates win over earlier ones).
    pub fn lookup(&self, idx: usize, key: &str) -> Option<(usize, &Item)> {
        self.lookup_depth(idx, key, 0, &mut HashMap::new())
    }

    /// `failed`: sections already searched without finding `key`, with the smallest depth
    /// they were searched from (searched again from as deep or deeper, they fail again).
    /// Without it a `[c](c,c,…)` chain is walked once per path: k^16 of them.
    fn lookup_depth(
        &self,
        idx: usize,
        key: &str,
        depth: usize,
        failed: &mut HashMap<usize, usize>,
    ) -> Option<(usize, &Item)> {
        if failed.get(&idx).is_some_and(|&d| d <= depth) {
            return None;
        }
        let s = &self.sections[idx];
        if let Some(it) = s.items.iter().rev().find(|i| i.key == key) {
            return Some((idx, it));
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        let found = s.inherits.iter().rev().find_map(|t| {
            let p = self.parent(idx, t)?;
            self.lookup_depth(p, key, depth + 1, failed)
        });
        if found.is_none() {
            failed.insert(idx, depth);
        }
        found
    }

    /// The object type of section `idx`, its own `type` or an inherited one.
    pub fn kind(&self, idx: usize, lines: &[&str]) -> Option<String> {
        let (_, it) = self.lookup(idx, "type")?;
        let mut in_block = false;
        let t = strip_comment(lines[it.line], &mut in_block);
        let v = t.split_once('=')?.1.trim_start_matches('>').trim();
        Some(v.to_ascii_lowercase())
    }

    /// The section Asterisk builds object `name` of type `kind` from (the last one).
    pub fn object(&self, name: &str, kind: &str, lines: &[&str]) -> Option<usize> {
        self.by_name
            .get(name)?
            .iter()
            .rev()
            .copied()
            .find(|&i| !self.sections[i].template && self.kind(i, lines).as_deref() == Some(kind))
    }

    /// Every category in the template chain of `idx` (nearest first), without `idx`.
    pub fn chain(&self, idx: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.collect_chain(idx, 0, &mut out);
        out
    }

    fn collect_chain(&self, idx: usize, depth: usize, out: &mut Vec<usize>) {
        if depth >= MAX_DEPTH {
            return;
        }
        for t in self.sections[idx].inherits.iter().rev() {
            if let Some(p) = self.parent(idx, t) {
                if !out.contains(&p) {
                    out.push(p);
                    self.collect_chain(p, depth + 1, out);
                }
            }
        }
    }

    /// Every template's users: the non-template sections whose chain includes it (who a
    /// template edit reaches), all in one pass over the sections.
    pub fn all_users(&self) -> HashMap<usize, Vec<usize>> {
        let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in (0..self.sections.len()).filter(|&i| !self.sections[i].template) {
            for t in self.chain(i) {
                out.entry(t).or_default().push(i);
            }
        }
        out
    }
}
