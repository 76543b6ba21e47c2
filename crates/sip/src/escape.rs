//! %-escaping as pjlib does it: unescape on parse (`pj_str_unescape`: a '%' not
//! followed by two hex digits is kept as it is), escape everything outside the
//! component's character set on print (`pj_strncpy2_escape`, lower-case hex like
//! `pj_val_to_hex_digit`). pjsip's print sets all contain '%' itself, so a '%' is
//! never re-escaped: `;x=a%2541` parses to `a%41` and prints as `;x=a%41`.

/// A set of bytes as a 256-entry table: printing a URI tests every byte.
const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let unreserved = b"-_.!~*'()";
    let mut i = 0;
    while i < unreserved.len() {
        t[unreserved[i] as usize] = true;
        i += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

static USER: [bool; 256] = byte_set(b"&=+$,;?/%");
static PASSWORD: [bool; 256] = byte_set(b"&=+$,%");
static PARAM: [bool; 256] = byte_set(b"[]/:&+$%");
static HEADER: [bool; 256] = byte_set(b"[]/?:+$%");

/// pjsip `USER_SPEC`: the user part (RFC 3261 `user-unreserved`, plus '%').
pub fn is_user_char(c: u8) -> bool {
    USER[c as usize]
}

/// pjsip `PASSWD_SPEC`.
pub fn is_password_char(c: u8) -> bool {
    PASSWORD[c as usize]
}

/// pjsip `PARAM_CHAR_SPEC`: URI parameter names and values (`paramchar`).
pub fn is_param_char(c: u8) -> bool {
    PARAM[c as usize]
}

/// pjsip `HDR_CHAR_SPEC`: URI header names and values (`hnv-unreserved`).
pub fn is_header_char(c: u8) -> bool {
    HEADER[c as usize]
}

/// Decode `%XX` sequences like `pj_str_unescape`: a malformed escape (`%4`, `%zz`)
/// stays as written. Decoded bytes that are not UTF-8 become U+FFFD (pjsip keeps
/// the raw byte; this crate keeps text).
pub fn unescape(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) << 4 | hex(b[i + 2]));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// pjsip's `strtoi_validate` (built on `pj_strtol2`): optional leading
/// whitespace and sign, at least one digit, digits read up to the first
/// non-digit (`"5x"` is 5), and the value must lie in `min..=max`.
pub fn pj_strtoi_validate(s: &str, min: i64, max: i64) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let mut v: i64 = 0;
    for c in t[..digits].bytes() {
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    let v = if neg { -v } else { v };
    (min..=max).contains(&v).then_some(v)
}

/// Escape every byte outside `allowed`.
pub fn escape(s: &str, allowed: fn(u8) -> bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    // Usually nothing needs escaping: copy the text in one piece.
    let clean = s.bytes().take_while(|&c| allowed(c)).count();
    out.push_str(&s[..clean]);
    for &c in &s.as_bytes()[clean..] {
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
    fn byte_sets_are_pjsips() {
        let unreserved = |c: u8| c.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&c);
        for c in 0..=255u8 {
            assert_eq!(is_user_char(c), unreserved(c) || b"&=+$,;?/%".contains(&c));
            assert_eq!(is_password_char(c), unreserved(c) || b"&=+$,%".contains(&c));
            assert_eq!(is_param_char(c), unreserved(c) || b"[]/:&+$%".contains(&c));
            assert_eq!(is_header_char(c), unreserved(c) || b"[]/?:+$%".contains(&c));
        }
    }

    #[test]
    fn strtoi_like_pjsip() {
        assert_eq!(pj_strtoi_validate("5", 0, 255), Some(5));
        assert_eq!(pj_strtoi_validate("5x", 0, 255), Some(5));
        assert_eq!(pj_strtoi_validate(" +7", 0, 255), Some(7));
        assert_eq!(pj_strtoi_validate("-1", 0, 255), None);
        assert_eq!(pj_strtoi_validate("256", 0, 255), None);
        assert_eq!(pj_strtoi_validate("x5", 0, 255), None);
        assert_eq!(pj_strtoi_validate("", 0, 255), None);
        assert_eq!(pj_strtoi_validate("99999999999999999999999", 0, 255), None);
    }

    #[test]
    fn round_trip_of_escapes() {
        assert_eq!(unescape("a%20b"), "a b");
        assert_eq!(unescape("%4A"), "J");
        assert_eq!(unescape("%4a%"), "J%");
        // malformed escapes are kept, like pj_str_unescape
        assert_eq!(unescape("%4"), "%4");
        assert_eq!(unescape("%zz%41"), "%zzA");
        // not recursive
        assert_eq!(unescape("%2541"), "%41");
        let mut s = String::new();
        escape("a b@%", is_user_char, &mut s);
        // '%' is in every pjsip print set, so it is not escaped again
        assert_eq!(s, "a%20b%40%");
    }
}
