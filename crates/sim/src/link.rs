//! Share links: the whole scenario (and the view worth keeping) in a URL fragment.
//!
//! Format `v1.<base64url(raw deflate(payload))>`, payload = one line of view state
//! (`key=value&…`, may be empty), a newline, then the scenario text. A new format
//! gets a new prefix; every old prefix stays decodable forever.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

/// Longest fragment accepted (characters after `#`).
pub const MAX_LINK_CHARS: usize = 32 * 1024;
/// Largest payload a link may inflate to.
pub const MAX_INFLATED_BYTES: usize = 256 * 1024;

/// The view state a link keeps (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct View {
    /// Cursor time in ms.
    pub t: Option<u64>,
    /// Selected panel: contacts, ladder, log.
    pub panel: Option<String>,
}

impl View {
    fn to_line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = self.t {
            parts.push(format!("t={t}"));
        }
        if let Some(p) = &self.panel {
            let clean: String = p
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(20)
                .collect();
            parts.push(format!("p={clean}"));
        }
        parts.join("&")
    }
    fn from_line(line: &str) -> View {
        let mut v = View::default();
        for kv in line.split('&') {
            match kv.split_once('=') {
                Some(("t", n)) => v.t = n.parse().ok(),
                Some(("p", p)) => {
                    let clean: String = p
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                        .take(20)
                        .collect();
                    v.panel = (!clean.is_empty()).then_some(clean);
                }
                _ => {} // unknown keys from newer versions are ignored
            }
        }
        v
    }
}

/// What opening a link gives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decoded {
    pub text: String,
    pub view: View,
    /// Set when the link was damaged: what went wrong; `text` then holds what
    /// could be recovered (possibly empty).
    pub problem: Option<String>,
}

/// Encode a scenario (and view) as a fragment, without the leading `#`.
pub fn encode(text: &str, view: &View) -> String {
    let payload = format!("{}\n{text}", view.to_line());
    let packed = miniz_oxide::deflate::compress_to_vec(payload.as_bytes(), 10);
    format!("v1.{}", URL_SAFE_NO_PAD.encode(packed))
}

fn split_payload(bytes: &[u8]) -> (View, String) {
    let s = String::from_utf8_lossy(bytes);
    match s.split_once('\n') {
        Some((v, t)) => (View::from_line(v), t.to_string()),
        None => (View::default(), s.into_owned()),
    }
}

/// Decode a fragment (with or without `#`). Never panics; a refused or damaged
/// link comes back with `problem` set and whatever text could be recovered.
pub fn decode(fragment: &str) -> Decoded {
    let f = fragment.trim().trim_start_matches('#');
    let fail = |problem: String| Decoded {
        text: String::new(),
        view: View::default(),
        problem: Some(problem),
    };
    if f.len() > MAX_LINK_CHARS {
        return fail(format!(
            "This link is {} characters long; links longer than {} are refused.",
            f.len(),
            MAX_LINK_CHARS
        ));
    }
    let Some((prefix, data)) = f.split_once('.') else {
        return fail("This link does not hold an aorlab scenario (no 'v1.' prefix).".into());
    };
    match prefix {
        "v1" => {}
        other => {
            let shown: String = other.chars().take(12).collect();
            return fail(format!("This link uses format '{shown}', which this version of aorlab does not know (a newer aorlab made it?)."));
        }
    }
    // Keep the longest decodable prefix of the base64 text (a truncated link).
    let clean: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    let (bytes, b64_problem) = match URL_SAFE_NO_PAD.decode(clean.as_bytes()) {
        Ok(b) => (b, None),
        Err(e) => {
            let valid: String = clean
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            let usable = &valid[..valid.len() - valid.len() % 4];
            (
                URL_SAFE_NO_PAD
                    .decode(usable.as_bytes())
                    .unwrap_or_default(),
                Some(format!("the link's text is damaged ({e})")),
            )
        }
    };
    match miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_INFLATED_BYTES) {
        Ok(out) if b64_problem.is_none() => {
            let (view, text) = split_payload(&out);
            Decoded {
                text,
                view,
                problem: None,
            }
        }
        Ok(out) => {
            let (view, text) = split_payload(&out);
            Decoded {
                text,
                view,
                problem: b64_problem,
            }
        }
        Err(e) => {
            if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput {
                return fail(format!(
                    "This link would unpack to more than {} KB; it is refused.",
                    MAX_INFLATED_BYTES / 1024
                ));
            }
            // The partial buffer may end in unwritten zero bytes.
            let end = e.output.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            let (view, text) = split_payload(&e.output[..end]);
            let why = b64_problem.unwrap_or_else(|| "the link is truncated or damaged".into());
            let problem = if text.is_empty() {
                format!("This link could not be opened: {why}. Nothing could be recovered.")
            } else {
                format!("This link could not be opened completely: {why}. The text below is what could be recovered.")
            };
            Decoded {
                text,
                view,
                problem: Some(problem),
            }
        }
    }
}

/// A full URL for the playground (or the embed page) at `base`.
pub fn url(base: &str, text: &str, view: &View, embed: bool) -> String {
    let base = base.trim_end_matches('/');
    let page = if embed { "/embed.html" } else { "/" };
    format!("{base}{page}#{}", encode(text, view))
}

/// Accept a full URL or a bare fragment and return the fragment part.
pub fn fragment_of(link: &str) -> &str {
    match link.find('#') {
        Some(i) => &link[i + 1..],
        None => link,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let v = View {
            t: Some(300_000),
            panel: Some("ladder".into()),
        };
        let f = encode("asterisk 22\nuntil 1h\n", &v);
        assert!(f.starts_with("v1."));
        let d = decode(&f);
        assert_eq!(d.problem, None);
        assert_eq!(d.text, "asterisk 22\nuntil 1h\n");
        assert_eq!(d.view, v);
    }

    #[test]
    fn hostile_links() {
        assert!(decode("v9.abc").problem.unwrap().contains("does not know"));
        assert!(decode("hello").problem.is_some());
        assert!(decode(&"v1.".repeat(20_000))
            .problem
            .unwrap()
            .contains("longer than"));
        let bomb = encode(&"a".repeat(400_000), &View::default());
        assert!(bomb.len() < MAX_LINK_CHARS);
        assert!(decode(&bomb)
            .problem
            .unwrap()
            .contains("unpack to more than"));
        let long: String = (0..60)
            .map(|i| format!("at {i}m register desk{i}\n"))
            .collect();
        let good = encode(&format!("title x\n{long}"), &View::default());
        let cut = &good[..good.len() / 2];
        let d = decode(cut);
        assert!(d.problem.is_some());
        assert!(
            d.text.starts_with("title x"),
            "recovers the beginning: {:?}",
            d.text
        );
    }
}
