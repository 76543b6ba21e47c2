//! Maps keyed by a short name (endpoint, AOR) whose key lives in the hash
//! table's bucket itself. A REGISTER looks up its endpoint, its AOR and the
//! AOR's bindings by name; with a `String` key, confirming a hit reads the key
//! text from its own heap block, one more cache miss per look-up on a large
//! site. Names up to [`INLINE`] bytes (almost every real one) are compared in
//! the bucket; longer ones stay on the heap and behave the same.

use crate::store::FastMap;
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

/// The longest name kept inline.
const INLINE: usize = 30;

/// A name as a map key (its bytes).
#[derive(Clone)]
enum Name {
    Inline(u8, [u8; INLINE]),
    Heap(Box<[u8]>),
}

impl Name {
    fn new(s: &str) -> Name {
        let b = s.as_bytes();
        if b.len() <= INLINE {
            let mut buf = [0; INLINE];
            buf[..b.len()].copy_from_slice(b);
            Name::Inline(b.len() as u8, buf)
        } else {
            Name::Heap(b.into())
        }
    }
    fn bytes(&self) -> &[u8] {
        match self {
            Name::Inline(n, buf) => &buf[..*n as usize],
            Name::Heap(b) => b,
        }
    }
}

// Hash and equality are the bytes', so a `&[u8]` finds its `Name`.
impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.bytes().hash(state)
    }
}
impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.bytes() == other.bytes()
    }
}
impl Eq for Name {}
impl Borrow<[u8]> for Name {
    fn borrow(&self) -> &[u8] {
        self.bytes()
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.bytes()))
    }
}

/// A hash map from names to `V` (see the module's text).
#[derive(Debug, Clone)]
pub(crate) struct NameMap<V>(FastMap<Name, V>);

impl<V> Default for NameMap<V> {
    fn default() -> NameMap<V> {
        NameMap(FastMap::default())
    }
}

impl<V> NameMap<V> {
    pub(crate) fn get(&self, name: &str) -> Option<&V> {
        self.0.get(name.as_bytes())
    }
    pub(crate) fn insert(&mut self, name: &str, v: V) -> Option<V> {
        self.0.insert(Name::new(name), v)
    }
}

impl<'a, V> FromIterator<(&'a str, V)> for NameMap<V> {
    fn from_iter<I: IntoIterator<Item = (&'a str, V)>>(it: I) -> NameMap<V> {
        NameMap(it.into_iter().map(|(k, v)| (Name::new(k), v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_names_are_found_by_their_text() {
        let long = "a".repeat(INLINE + 5);
        let edge = "b".repeat(INLINE);
        let mut m = NameMap::default();
        for (i, k) in ["", "p1", "p1@example.com", &edge, &long]
            .iter()
            .enumerate()
        {
            assert_eq!(m.insert(k, i), None);
        }
        assert_eq!(m.get("p1"), Some(&1));
        assert_eq!(m.get(&edge), Some(&3));
        assert_eq!(m.get(&long), Some(&4));
        assert_eq!(m.get(&long[1..]), None);
        assert_eq!(m.get("p1@example.co"), None);
        assert_eq!(m.get(""), Some(&0));
        assert_eq!(m.insert(&long, 9), Some(4), "the same long name again");
        assert_eq!(m.get(&long), Some(&9));
    }
}
