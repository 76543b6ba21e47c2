//! Every SIP text in the recordings of a real Asterisk (../shared/oracle/cases,
//! see its README) goes through this crate the way pjsip handled it:
//!
//! * every recorded REGISTER and every response parses;
//! * each Contact of a 200 OK, parsed and printed in Contact context, is exactly
//!   the `uri` the recorder extracted;
//! * every URI Asterisk stored (astdb `uri`, printed by pjsip) is a fixed point of
//!   `parse` then `print(Contact)` — the stored string, and so its md5 contact
//!   id, is reproduced byte for byte.
//!
//! Skipped (with a message) when the recordings are not present.

use aorlab_sip::{Contact, Message, Uri, UriContext};
use json::Value;

/// A small JSON reader (the crate has no JSON dependency; this is test-only).
mod json {
    use std::collections::BTreeMap;

    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Num(f64),
        Str(String),
        Arr(Vec<Value>),
        Obj(BTreeMap<String, Value>),
    }

    static NULL: Value = Value::Null;

    impl std::ops::Index<&str> for Value {
        type Output = Value;
        fn index(&self, k: &str) -> &Value {
            match self {
                Value::Obj(m) => m.get(k).unwrap_or(&NULL),
                _ => &NULL,
            }
        }
    }

    impl Value {
        pub fn as_str(&self) -> Option<&str> {
            match self {
                Value::Str(s) => Some(s),
                _ => None,
            }
        }
        pub fn as_u64(&self) -> Option<u64> {
            match self {
                Value::Num(n) if *n >= 0.0 => Some(*n as u64),
                _ => None,
            }
        }
        pub fn as_array(&self) -> Option<&Vec<Value>> {
            match self {
                Value::Arr(a) => Some(a),
                _ => None,
            }
        }
    }

    pub fn from_str(s: &str) -> Result<Value, String> {
        let mut p = P {
            b: s.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        if p.i != p.b.len() {
            return Err(format!("trailing data at {}", p.i));
        }
        Ok(v)
    }

    struct P<'a> {
        b: &'a [u8],
        i: usize,
    }

    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> Result<(), String> {
            self.ws();
            if self.b.get(self.i) == Some(&c) {
                self.i += 1;
                Ok(())
            } else {
                Err(format!("expected '{}' at {}", c as char, self.i))
            }
        }
        fn value(&mut self) -> Result<Value, String> {
            self.ws();
            match self.b.get(self.i) {
                Some(b'{') => {
                    self.i += 1;
                    let mut m = BTreeMap::new();
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                        return Ok(Value::Obj(m));
                    }
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.eat(b':')?;
                        let v = self.value()?;
                        m.insert(k, v);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                return Ok(Value::Obj(m));
                            }
                            _ => return Err(format!("bad object at {}", self.i)),
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    let mut a = Vec::new();
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                        return Ok(Value::Arr(a));
                    }
                    loop {
                        a.push(self.value()?);
                        self.ws();
                        match self.b.get(self.i) {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                return Ok(Value::Arr(a));
                            }
                            _ => return Err(format!("bad array at {}", self.i)),
                        }
                    }
                }
                Some(b'"') => Ok(Value::Str(self.string()?)),
                Some(b't') if self.b[self.i..].starts_with(b"true") => {
                    self.i += 4;
                    Ok(Value::Bool(true))
                }
                Some(b'f') if self.b[self.i..].starts_with(b"false") => {
                    self.i += 5;
                    Ok(Value::Bool(false))
                }
                Some(b'n') if self.b[self.i..].starts_with(b"null") => {
                    self.i += 4;
                    Ok(Value::Null)
                }
                Some(_) => {
                    let st = self.i;
                    while self.i < self.b.len() && b"+-0123456789.eE".contains(&self.b[self.i]) {
                        self.i += 1;
                    }
                    std::str::from_utf8(&self.b[st..self.i])
                        .ok()
                        .and_then(|t| t.parse().ok())
                        .map(Value::Num)
                        .ok_or_else(|| format!("bad value at {st}"))
                }
                None => Err("unexpected end".into()),
            }
        }
        fn string(&mut self) -> Result<String, String> {
            if self.b.get(self.i) != Some(&b'"') {
                return Err(format!("expected string at {}", self.i));
            }
            self.i += 1;
            let mut out: Vec<u8> = Vec::new();
            while let Some(&c) = self.b.get(self.i) {
                self.i += 1;
                match c {
                    b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                    b'\\' => {
                        let e = *self.b.get(self.i).ok_or("bad escape")?;
                        self.i += 1;
                        let ch = match e {
                            b'n' => '\n',
                            b'r' => '\r',
                            b't' => '\t',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'u' => {
                                let mut cp = self.hex4()?;
                                if (0xD800..0xDC00).contains(&cp) {
                                    self.i += 2; // "\u"
                                    let lo = self.hex4()?;
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                }
                                char::from_u32(cp).ok_or("bad \\u escape")?
                            }
                            other => other as char,
                        };
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => out.push(c),
                }
            }
            Err("unterminated string".into())
        }
        fn hex4(&mut self) -> Result<u32, String> {
            let h = self.b.get(self.i..self.i + 4).ok_or("short \\u escape")?;
            self.i += 4;
            u32::from_str_radix(std::str::from_utf8(h).map_err(|e| e.to_string())?, 16)
                .map_err(|e| e.to_string())
        }
    }
}

fn cases_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle/cases")
}

#[test]
fn recorded_sip_text_parses_and_prints_like_pjsip() {
    let dir = cases_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("SKIPPED: no oracle recordings at {}", dir.display());
        return;
    };
    let (mut requests, mut responses, mut stored) = (0, 0, 0);
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let case: Value = json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for step in case["steps"].as_array().into_iter().flatten() {
            if let Some(raw) = step["replay"]["raw"].as_str() {
                let m = Message::parse(raw)
                    .unwrap_or_else(|e| panic!("{name}: request does not parse: {e}\n{raw}"));
                m.headers.contacts().unwrap();
                requests += 1;
            }
            let resp = &step["response"];
            if let Some(raw) = resp["raw"].as_str() {
                let m = Message::parse(raw)
                    .unwrap_or_else(|e| panic!("{name}: response does not parse: {e}\n{raw}"));
                assert_eq!(Some(m.status().unwrap() as u64), resp["status"].as_u64());
                let got: Vec<String> = m
                    .headers
                    .contacts()
                    .unwrap()
                    .into_iter()
                    .filter_map(|c| match c {
                        Contact::Addr(v) => Some(v.addr.uri.print(UriContext::Contact)),
                        Contact::Star => None,
                    })
                    .collect();
                let want: Vec<String> = resp["contacts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| c["uri"].as_str().unwrap().to_string())
                    .collect();
                assert_eq!(got, want, "{name}: 200 OK contacts");
                responses += 1;
            }
            for row in step["after"]["astdb"].as_array().into_iter().flatten() {
                let uri = row["uri"].as_str().unwrap();
                let u = Uri::parse(uri).unwrap_or_else(|e| panic!("{name}: stored {uri}: {e}"));
                assert_eq!(u.print(UriContext::Contact), uri, "{name}: stored URI");
                stored += 1;
            }
        }
    }
    eprintln!("{requests} requests, {responses} responses, {stored} stored URIs checked");
    assert!(requests > 0);
}
