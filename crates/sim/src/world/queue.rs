//! The event queue: events ordered by (time, sequence number), a monotone radix
//! heap. Every key pushed is later than the last one popped (events are
//! scheduled at `now` or later, with a fresh sequence number, or — a re-armed
//! idle check — strictly later in time), which is all a radix heap asks. Keys are
//! unique (sequence numbers are), so the order is exactly a binary heap's; but a
//! push is an append, and a pop moves each key down a bucket at most a few
//! times, touching memory in order instead of walking a large heap's levels
//! (the binary heap's sift was about 7 % of a 10,000-phone run).

use super::SimMs;

/// Bucket `i > 0` holds keys whose highest bit differing from `last` is bit `i - 1`;
/// bucket 0 holds `last` itself.
const BUCKETS: usize = 129;

pub(super) struct Queue {
    /// The smallest key popped or found so far: every key held is at least this.
    last: u128,
    buckets: Vec<Vec<(u128, usize)>>,
    /// Bit `i` set: bucket `i` may hold keys (bucket 0 is checked directly).
    /// Finds the first bucket in use without scanning the empty ones: keys differ
    /// from `last` in their time, so they sit in buckets above 64.
    used: [u64; 3],
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            last: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            used: [0; 3],
        }
    }
}

fn key(at: SimMs, seq: u64) -> u128 {
    (u128::from(at) << 64) | u128::from(seq)
}

fn bucket(key: u128, last: u128) -> usize {
    (128 - (key ^ last).leading_zeros()) as usize
}

impl Queue {
    /// Queue event `slot` at (`at`, `seq`), no earlier than the last one popped.
    pub fn push(&mut self, at: SimMs, seq: u64, slot: usize) {
        let k = key(at, seq);
        debug_assert!(k >= self.last, "the queue only moves forward");
        let b = bucket(k, self.last);
        self.buckets[b].push((k, slot));
        self.used[b / 64] |= 1 << (b % 64);
    }

    /// The lowest bucket above 0 marked as in use.
    fn first_used(&self) -> Option<usize> {
        let low = self.used[0] & !1;
        if low != 0 {
            return Some(low.trailing_zeros() as usize);
        }
        (1..3)
            .find(|&w| self.used[w] != 0)
            .map(|w| w * 64 + self.used[w].trailing_zeros() as usize)
    }

    /// Make bucket 0 hold the smallest key, if there is any.
    fn settle(&mut self) -> bool {
        if !self.buckets[0].is_empty() {
            return true;
        }
        let Some(i) = self.first_used() else {
            return false;
        };
        self.used[i / 64] &= !(1 << (i % 64));
        let mut b = std::mem::take(&mut self.buckets[i]);
        debug_assert!(!b.is_empty(), "a bucket marked in use holds keys");
        self.last = b.iter().map(|e| e.0).min().expect("not empty");
        // Relative to the new `last`, every key of bucket `i` lands below `i`.
        for e in b.drain(..) {
            let to = bucket(e.0, self.last);
            self.buckets[to].push(e);
            self.used[to / 64] |= 1 << (to % 64);
        }
        self.buckets[i] = b;
        true
    }

    /// The earliest event: (time, sequence, slot).
    pub fn pop(&mut self) -> Option<(SimMs, u64, usize)> {
        if !self.settle() {
            return None;
        }
        let (k, slot) = self.buckets[0].pop()?;
        Some(((k >> 64) as SimMs, k as u64, slot))
    }

    /// The earliest event's (time, sequence), without taking it.
    #[cfg(test)]
    pub fn peek(&mut self) -> Option<(SimMs, u64)> {
        if !self.settle() {
            return None;
        }
        self.buckets[0]
            .last()
            .map(|&(k, _)| ((k >> 64) as SimMs, k as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn pops_in_the_same_order_as_a_binary_heap() {
        // A world-like load: events scheduled at now + a spread of delays, with
        // fresh sequence numbers, and some re-armed with an older sequence number.
        let (mut q, mut h) = (Queue::default(), BinaryHeap::new());
        let (mut seq, mut now, mut rng) = (0u64, 0u64, 0x9e37_79b9_7f4a_7c15u64);
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut popped = 0;
        for step in 0..200_000u64 {
            let r = next();
            if r % 3 != 0 || h.is_empty() {
                seq += 1;
                let delay = [0, 1, 20, 40, 500, 32_000, 120_000, 600_001][(r >> 8) as usize % 8];
                let at = now + delay;
                // Now and then a later entry keeps an earlier sequence number
                // (odd numbers: keys stay unique, as the world's are).
                let s = if r % 7 == 0 && seq > 10 && delay > 0 {
                    2 * (seq - 5) + 1
                } else {
                    2 * seq
                };
                q.push(at, s, step as usize);
                h.push(Reverse((at, s, step as usize)));
            } else {
                let Reverse(want) = h.pop().unwrap();
                assert_eq!(q.peek(), Some((want.0, want.1)));
                assert_eq!(q.pop(), Some(want));
                now = want.0;
                popped += 1;
            }
        }
        while let Some(Reverse(want)) = h.pop() {
            assert_eq!(q.pop(), Some(want));
        }
        assert_eq!(q.pop(), None);
        assert!(popped > 50_000);
    }

    #[test]
    fn an_empty_queue_pops_nothing_and_takes_keys_again() {
        let mut q = Queue::default();
        assert_eq!(q.pop(), None);
        q.push(5, 1, 10);
        q.push(5, 2, 11);
        assert_eq!(q.pop(), Some((5, 1, 10)));
        q.push(7, 3, 12);
        assert_eq!(q.pop(), Some((5, 2, 11)));
        assert_eq!(q.pop(), Some((7, 3, 12)));
        assert_eq!(q.pop(), None);
        q.push(7, 4, 13);
        assert_eq!(q.peek(), Some((7, 4)));
    }
}
