//! A name the registrar hands out as one `Arc` for a long time (an AOR's name
//! for the process, a binding's id and URI for its life), used as a map key
//! compared by address first: a look-up with the same `Arc` never reads the
//! stored key's text, which at thousands of phones is a cache miss per map.
//! Another `Arc` with the same text (a binding stored again) still matches by
//! text, so the map means what a map by text means.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub(super) struct SharedKey(pub Arc<str>);

impl SharedKey {
    pub fn of(name: &Arc<str>) -> SharedKey {
        SharedKey(Arc::clone(name))
    }
}

/// A map keyed by shared names (hashbrown's, for [`ByArc`] look-ups).
pub(super) type SharedMap<V> = hashbrown::HashMap<SharedKey, V, foldhash::fast::FixedState>;

/// A look-up key that borrows the caller's `Arc`: found as [`SharedKey::of`] it
/// would be, without touching the `Arc`'s count (two atomic operations, on a line
/// that may be cold, per look-up).
pub(super) struct ByArc<'a>(pub &'a Arc<str>);

impl Hash for ByArc<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (**self.0).hash(h)
    }
}

impl hashbrown::Equivalent<SharedKey> for ByArc<'_> {
    fn equivalent(&self, key: &SharedKey) -> bool {
        Arc::ptr_eq(self.0, &key.0) || **self.0 == *key.0
    }
}

impl PartialEq for SharedKey {
    fn eq(&self, other: &SharedKey) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl Eq for SharedKey {}

/// Hashes as its text does, so a look-up by `&str` finds it too.
impl Hash for SharedKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (*self.0).hash(h)
    }
}

impl Borrow<str> for SharedKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_found_by_the_same_arc_by_another_arc_with_its_text_and_by_str() {
        let a: Arc<str> = Arc::from("sip:alice@192.0.2.1:5060");
        let mut m = SharedMap::default();
        m.insert(SharedKey(a.clone()), 1);
        assert_eq!(m.get(&SharedKey(a.clone())), Some(&1));
        let same_text: Arc<str> = Arc::from("sip:alice@192.0.2.1:5060");
        assert!(!Arc::ptr_eq(&a, &same_text));
        assert_eq!(m.get(&SharedKey(same_text.clone())), Some(&1));
        // Borrowed: by address, by text, and not another text.
        assert_eq!(m.get(&ByArc(&a)), Some(&1));
        assert_eq!(m.get(&ByArc(&same_text)), Some(&1));
        assert_eq!(m.get(&ByArc(&Arc::from("sip:alice@192.0.2.1:5061"))), None);
        assert_eq!(m.get("sip:alice@192.0.2.1:5060"), Some(&1));
        assert_eq!(m.get("sip:alice@192.0.2.1:5061"), None);
        assert_eq!(m.get(&SharedKey(Arc::from("sip:bob@192.0.2.1"))), None);
    }
}
