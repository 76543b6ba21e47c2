//! Finding a short piece of text (a parameter, a header name) in a message or
//! a header value: `memchr` for the first byte, then a compare. `str::find`
//! prepares a two-way searcher per call, which costs more than the search
//! itself on text this short.

/// The byte offset of the first `needle` in `haystack`.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return Some(0);
    };
    let mut at = 0;
    while let Some(k) = memchr::memchr(first, &h[at..]) {
        let start = at + k;
        if h[start + 1..].starts_with(rest) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_first_occurrence() {
        assert_eq!(find("a;branch=x;branch=y", ";branch="), Some(1));
        assert_eq!(find("abc", ""), Some(0));
        assert_eq!(find("abc", "abcd"), None);
        assert_eq!(find("ab", "b"), Some(1));
        assert_eq!(find("CSeq: 1\r\nCSeq: 2", "\r\nCSeq: "), Some(7));
    }

    proptest! {
        #[test]
        fn agrees_with_str_find(h in "[ab;=\r\n]{0,40}", n in "[ab;=]{0,4}") {
            prop_assert_eq!(find(&h, &n), h.find(&n));
        }
    }
}
