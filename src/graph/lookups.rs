//! Two small lookups the build makes once per object, kept off the keyed hash for the common
//! case: the keyed hash ([`IdHasher`](super::ids::IdHasher)) multiplies 64 × 64 → 128 bits,
//! one instruction natively but a library call (`__multi3`) in wasm, where these lookups were
//! 12% of pass 2's and 5% of pass 1's worker CPU in the page (`scripts/profile-page.sh` on a
//! 17 M-object dump).
//!
//! - [`LocalsOf`]: a thread node's range of stack locals. Pass 2 asks for every object; a bit
//!   filter answers "none" for nearly every node that is not a thread without hashing.
//! - [`SlotCache`]: pass 1's class id → class slot, behind a small direct-mapped cache (a few
//!   hundred classes hold most objects).
//!
//! Both answer exactly what the map answers; the map stays the truth (crafted ids that collide
//! in the filter or the cache only cost a hash lookup).

use super::ids::IdMap;
use crate::hprof::Id;

/// Thread node → `(first, end)`: its range in the build's list of stack locals.
pub(crate) struct LocalsOf {
    map: IdMap<u32, (u32, u32)>,
    /// Bit `node & mask` is set for every thread node in `map`.
    bits: Vec<u64>,
    mask: u32,
}

impl LocalsOf {
    /// From `(thread node, local node)` pairs grouped by thread (a thread's locals are one
    /// run of the list).
    pub(crate) fn new(locals: &[(u32, u32)]) -> LocalsOf {
        let mut map: IdMap<u32, (u32, u32)> = IdMap::default();
        for (k, &(t, _)) in locals.iter().enumerate() {
            map.entry(t).or_insert((k as u32, k as u32)).1 = k as u32 + 1;
        }
        // ~32 bits per thread: a non-thread node passes the filter with probability < 1/32.
        let len_bits = (map.len() * 32).next_power_of_two().clamp(64, 1 << 24);
        let mask = (len_bits - 1) as u32;
        let mut bits = vec![0u64; len_bits / 64];
        for &t in map.keys() {
            let b = t & mask;
            bits[(b / 64) as usize] |= 1 << (b % 64);
        }
        LocalsOf { map, bits, mask }
    }

    /// The range of `node`'s locals, if it has any.
    #[inline]
    pub(crate) fn get(&self, node: u32) -> Option<(u32, u32)> {
        let b = node & self.mask;
        if self.bits[(b / 64) as usize] & (1 << (b % 64)) == 0 {
            return None;
        }
        self.map.get(&node).copied()
    }

    /// Every thread node with its range (in no particular order).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, (u32, u32))> + '_ {
        self.map.iter().map(|(&t, &r)| (t, r))
    }
}

/// Entries of [`SlotCache`]: a power of two.
const SLOT_CACHE: usize = 256;

/// Class id → slot, in front of pass 1's map: `(id, slot + 1)` per entry, 0 = empty.
pub(crate) struct SlotCache {
    entries: Box<[(u64, u32); SLOT_CACHE]>,
}

impl Default for SlotCache {
    fn default() -> Self {
        SlotCache {
            entries: Box::new([(0, 0); SLOT_CACHE]),
        }
    }
}

impl SlotCache {
    /// Class ids are addresses (8-byte aligned, often 16 or more): drop the alignment bits and
    /// fold in higher ones so that classes a few KiB apart land in different entries.
    #[inline]
    fn entry(id: u64) -> usize {
        ((id >> 3) ^ (id >> 11) ^ (id >> 19)) as usize & (SLOT_CACHE - 1)
    }

    /// The slot cached for `id`.
    #[inline]
    pub(crate) fn get(&self, id: Id) -> Option<u32> {
        let (k, s) = self.entries[Self::entry(id.get())];
        (s != 0 && k == id.get()).then(|| s - 1)
    }

    /// Remembers `id`'s slot (replacing whatever shared its entry).
    #[inline]
    pub(crate) fn put(&mut self, id: Id, slot: u32) {
        if let Some(plus_one) = slot.checked_add(1) {
            self.entries[Self::entry(id.get())] = (id.get(), plus_one);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locals_of_answers_what_the_map_answers() {
        // Threads at nodes that share low bits (the filter's collisions) and far apart.
        let threads = [3u32, 3 + 64, 3 + 4096, 77, 1 << 20, u32::MAX - 1];
        let mut locals = Vec::new();
        for (i, &t) in threads.iter().enumerate() {
            for k in 0..=i as u32 {
                locals.push((t, 1000 + k));
            }
        }
        let l = LocalsOf::new(&locals);
        let mut naive: std::collections::HashMap<u32, (u32, u32)> = Default::default();
        for (k, &(t, _)) in locals.iter().enumerate() {
            naive.entry(t).or_insert((k as u32, k as u32)).1 = k as u32 + 1;
        }
        for node in (0..10_000u32).chain(threads).chain([u32::MAX, 1 << 20 | 1]) {
            assert_eq!(l.get(node), naive.get(&node).copied(), "node {node}");
        }
        assert_eq!(l.iter().count(), threads.len());
        assert_eq!(LocalsOf::new(&[]).get(0), None);
    }

    #[test]
    fn the_slot_cache_never_answers_a_wrong_slot() {
        let mut c = SlotCache::default();
        assert_eq!(c.get(Id::new(0)), None);
        // Ids that share an entry replace each other; an id not put is never found.
        let a = Id::new(0x1000);
        let b = Id::new(0x1000 + (SLOT_CACHE as u64) * 8 * 0x10101);
        c.put(a, 7);
        assert_eq!(c.get(a), Some(7));
        c.put(b, 9);
        assert_eq!(c.get(b), Some(9));
        assert!(matches!(c.get(a), None | Some(7)));
        c.put(Id::new(0), 0);
        assert_eq!(c.get(Id::new(0)), Some(0));
        c.put(Id::new(5), u32::MAX); // not cacheable: asked of the map each time
        assert_eq!(c.get(Id::new(5)), None);
        for i in 0..10_000u64 {
            let id = Id::new(i * 24);
            c.put(id, i as u32);
            assert_eq!(c.get(id), Some(i as u32));
        }
    }
}
