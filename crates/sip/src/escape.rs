//! %-escaping as pjlib does it: unescape on parse, escape everything outside the
//! component's character set on print (lower-case hex, like `pj_val_to_hex_digit`).

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&c)
}

/// Characters allowed unescaped in the user part (RFC 3261 `user-unreserved`).
pub fn is_user_char(c: u8) -> bool {
    is_unreserved(c) || b"&=+$,;?/".contains(&c)
}

/// Characters allowed unescaped in the password.
pub fn is_password_char(c: u8) -> bool {
    is_unreserved(c) || b"&=+$,".contains(&c)
}

/// Characters allowed unescaped in URI parameter names and values (`paramchar`).
pub fn is_param_char(c: u8) -> bool {
    is_unreserved(c) || b"[]/:&+$".contains(&c)
}

/// Characters allowed unescaped in URI header names and values (`hnv-unreserved`).
pub fn is_header_char(c: u8) -> bool {
    is_unreserved(c) || b"[]/?:+$".contains(&c)
}

/// Decode `%XX` sequences; returns `None` for a malformed escape.
pub fn unescape(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Escape every byte outside `allowed`.
pub fn escape(s: &str, allowed: fn(u8) -> bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &c in s.as_bytes() {
        if allowed(c) {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_escapes() {
        assert_eq!(unescape("a%20b").unwrap(), "a b");
        assert_eq!(unescape("%4A").unwrap(), "J");
        assert!(unescape("%4").is_none());
        assert!(unescape("%zz").is_none());
        let mut s = String::new();
        escape("a b@", is_user_char, &mut s);
        assert_eq!(s, "a%20b%40");
    }
}
