//! Share links: the whole scenario (and the view worth keeping) in a URL fragment.
//!
//! Format `v1.<base64url(raw deflate(payload))>`, payload = one line of view state
//! (`key=value&…`, may be empty), a newline, then the scenario text. A new format
//! gets a new prefix; every old prefix stays decodable forever.
//!
//! A two-sided link (Compare: A as written, B changed) is the same format with the
//! key `ab=N` in the view line: the first N bytes of the text are A, the rest B.
//! Old links have no `ab` and decode as before (an older aorlab opening a
//! two-sided link shows A followed by B in one text: nothing is lost).

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
    /// Side B of a two-sided (Compare) link; `text` is then side A.
    pub b: Option<String>,
    pub view: View,
    /// Set when the link was damaged: what went wrong; `text` then holds what
    /// could be recovered (possibly empty).
    pub problem: Option<String>,
}

/// Encode a scenario (and view) as a fragment, without the leading `#`.
pub fn encode(text: &str, view: &View) -> String {
    pack(&format!("{}\n{text}", view.to_line()))
}

/// Encode both sides of a comparison: A as written, B changed. Opens into Compare.
pub fn encode_pair(a: &str, b: &str, view: &View) -> String {
    let line = view.to_line();
    let sep = if line.is_empty() { "" } else { "&" };
    pack(&format!("{line}{sep}ab={}\n{a}{b}", a.len()))
}

fn pack(payload: &str) -> String {
    let packed = miniz_oxide::deflate::compress_to_vec(payload.as_bytes(), 10);
    format!("v1.{}", URL_SAFE_NO_PAD.encode(packed))
}

/// The view, side A (or the only side) and side B.
fn split_payload(bytes: &[u8]) -> (View, String, Option<String>) {
    let s = String::from_utf8_lossy(bytes);
    let Some((v, t)) = s.split_once('\n') else {
        return (View::default(), s.into_owned(), None);
    };
    let a_len = v
        .split('&')
        .find_map(|kv| kv.strip_prefix("ab="))
        .and_then(|n| n.parse::<usize>().ok());
    match a_len {
        // A truncated pair (B cut off or A cut short) keeps what is whole as A.
        Some(n) if n <= t.len() && t.is_char_boundary(n) => (
            View::from_line(v),
            t[..n].to_string(),
            Some(t[n..].to_string()),
        ),
        _ => (View::from_line(v), t.to_string(), None),
    }
}

/// Decode a fragment (with or without `#`). Never panics; a refused or damaged
/// link comes back with `problem` set and whatever text could be recovered.
pub fn decode(fragment: &str) -> Decoded {
    let f = fragment.trim().trim_start_matches('#');
    let fail = |problem: String| Decoded {
        text: String::new(),
        b: None,
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
            let (view, text, b) = split_payload(&out);
            Decoded {
                text,
                b,
                view,
                problem: None,
            }
        }
        Ok(out) => {
            let (view, text, b) = split_payload(&out);
            Decoded {
                text,
                b,
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
            let (view, text, b) = split_payload(&e.output[..end]);
            let why = b64_problem.unwrap_or_else(|| "the link is truncated or damaged".into());
            let problem = if text.is_empty() {
                format!("This link could not be opened: {why}. Nothing could be recovered.")
            } else {
                format!("This link could not be opened completely: {why}. The text below is what could be recovered.")
            };
            Decoded {
                text,
                b,
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

    /// Made by aorlab before two-sided links existed: it must open the same forever.
    const OLD_LINK: &str = "v1.K7E1NgABtQLbnMSUlNQirsTiktSizOJsBSMjrtK8kswcBcMMLgA";

    #[test]
    fn old_links_still_decode() {
        let d = decode(OLD_LINK);
        assert_eq!(d.problem, None);
        assert_eq!(d.text, "asterisk 22\nuntil 1h\n");
        assert_eq!(d.b, None);
        assert_eq!(d.view.t, Some(300_000));
        assert_eq!(d.view.panel.as_deref(), Some("ladder"));
    }

    #[test]
    fn two_sided_links_round_trip() {
        let a = "asterisk 22\nuntil 1h # é\n";
        let b = "asterisk 20\nuntil 1h # é\n";
        let v = View {
            t: Some(5_000),
            panel: None,
        };
        let d = decode(&encode_pair(a, b, &v));
        assert_eq!(d.problem, None);
        assert_eq!((d.text.as_str(), d.b.as_deref()), (a, Some(b)));
        assert_eq!(d.view, v);
        let d = decode(&encode_pair(a, "", &View::default()));
        assert_eq!((d.text.as_str(), d.b.as_deref()), (a, Some("")));
        // A length that does not fit (a damaged link) keeps everything as A.
        let (_, text, b) = split_payload("ab=999\nabc".as_bytes());
        assert_eq!((text.as_str(), b), ("abc", None));
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
