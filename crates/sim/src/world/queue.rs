//! The event queue: events ordered by (time, sequence number). A monotone radix
//! heap on the time, with the events of the earliest time kept apart, sorted by
//! sequence number. Every event pushed is no earlier than the last one popped
//! (events are scheduled at `now` or later, with a fresh sequence number, or — a
//! re-armed idle check — strictly later in time), which is all a radix heap asks.
//! Keys are unique (sequence numbers are), so the order is exactly a binary
//! heap's; but a push is an append, and a pop moves each event down a bucket at
//! most a few times, touching memory in order instead of walking a large heap's
//! levels (the binary heap's sift was about 7 % of a 10,000-phone run). Keyed on
//! the time alone, events of one instant are sorted once, when their instant
//! comes, instead of descending through one bucket per bit of their sequence
//! numbers (the 128-bit (time, sequence) heap spent about 6 % of a 500-phone
//! day in its pops).

use super::SimMs;
use std::collections::VecDeque;

/// Bucket `i > 0` holds events whose time's highest bit differing from `now`
/// is bit `i - 1`.
const BUCKETS: usize = 65;

/// (time, sequence number, event slot)
type Entry = (SimMs, u64, usize);

pub(super) struct Queue {
    /// The time of the earliest event held (or of the last one popped).
    now: SimMs,
    /// The events at `now`, by sequence number.
    front: VecDeque<(u64, usize)>,
    /// Events later than `now`, by the highest bit their time differs in.
    buckets: Vec<Vec<Entry>>,
    /// Bit `i` set: bucket `i` may hold events. Finds the first bucket in use
    /// without scanning the empty ones.
    used: u128,
}

impl Default for Queue {
    fn default() -> Queue {
        Queue {
            now: 0,
            front: VecDeque::new(),
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            used: 0,
        }
    }
}

fn bucket(at: SimMs, now: SimMs) -> usize {
    (64 - (at ^ now).leading_zeros()) as usize
}

impl Queue {
    /// Queue event `slot` at (`at`, `seq`), no earlier than the last one popped.
    pub fn push(&mut self, at: SimMs, seq: u64, slot: usize) {
        debug_assert!(at >= self.now, "the queue only moves forward");
        if at == self.now {
            return self.push_front(seq, slot);
        }
        let b = bucket(at, self.now);
        self.buckets[b].push((at, seq, slot));
        self.used |= 1 << b;
    }

    /// An event at `now`: a fresh sequence number goes last, as it mostly is.
    fn push_front(&mut self, seq: u64, slot: usize) {
        if self.front.back().is_none_or(|&(s, _)| s < seq) {
            self.front.push_back((seq, slot));
        } else {
            let k = self.front.partition_point(|&(s, _)| s < seq);
            self.front.insert(k, (seq, slot));
        }
    }

    /// Make `front` hold the earliest events, if there are any.
    fn settle(&mut self) -> bool {
        if !self.front.is_empty() {
            return true;
        }
        if self.used == 0 {
            return false;
        }
        let i = self.used.trailing_zeros() as usize;
        self.used &= !(1 << i);
        let mut b = std::mem::take(&mut self.buckets[i]);
        debug_assert!(!b.is_empty(), "a bucket marked in use holds events");
        self.now = b.iter().map(|e| e.0).min().expect("not empty");
        // Relative to the new `now`, every event of bucket `i` lands below `i`.
        for e in b.drain(..) {
            if e.0 == self.now {
                self.front.push_back((e.1, e.2));
            } else {
                let to = bucket(e.0, self.now);
                self.buckets[to].push(e);
                self.used |= 1 << to;
            }
        }
        self.buckets[i] = b;
        self.front.make_contiguous().sort_unstable_by_key(|e| e.0);
        true
    }

    /// The earliest event: (time, sequence, slot).
    pub fn pop(&mut self) -> Option<(SimMs, u64, usize)> {
        if !self.settle() {
            return None;
        }
        let (seq, slot) = self.front.pop_front()?;
        Some((self.now, seq, slot))
    }

    /// The earliest event's (time, sequence), without taking it.
    #[cfg(test)]
    pub fn peek(&mut self) -> Option<(SimMs, u64)> {
        if !self.settle() {
            return None;
        }
        self.front.front().map(|&(seq, _)| (self.now, seq))
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

    #[test]
    fn events_of_one_instant_pop_by_sequence_number_whenever_they_were_queued() {
        let mut q = Queue::default();
        q.push(9, 30, 0);
        q.push(5, 20, 1);
        q.push(5, 10, 2);
        assert_eq!(q.pop(), Some((5, 10, 2)));
        // Queued at the current instant while it is being handled: after the
        // fresh number's elders, before its juniors.
        q.push(5, 40, 3);
        q.push(5, 15, 4);
        assert_eq!(q.pop(), Some((5, 15, 4)));
        assert_eq!(q.pop(), Some((5, 20, 1)));
        assert_eq!(q.pop(), Some((5, 40, 3)));
        assert_eq!(q.pop(), Some((9, 30, 0)));
        assert_eq!(q.pop(), None);
    }
}
