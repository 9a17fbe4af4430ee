//! What the graph keeps of object *contents*: field data of a few JDK classes the analyses read
//! (threads, collections, counters), and a bounded preview plus a hash of every String's value.
//!
//! Everything else of the dump's bytes is dropped after the build; that is what keeps the graph
//! within a few tens of bytes per object.

use super::Node;
use crate::hprof::BasicType;

/// A set of nodes with their ranks: a bitmap plus the number of members before each 64-node
/// word, 0.19 bytes per node of the graph however many members there are. Member `v`'s data
/// lives at index `rank(v)` of a plain vector, which is how the stores below avoid keeping a
/// node number (4 bytes) next to each entry.
#[derive(Debug, Default)]
pub(crate) struct NodeRank {
    bits: Vec<u64>,
    before: Vec<u32>,
}

impl NodeRank {
    /// From member nodes in ascending order (duplicates ignored).
    fn from_sorted(nodes: impl Iterator<Item = u32>, node_count: usize) -> NodeRank {
        let words = node_count.div_ceil(64);
        let mut bits = vec![0u64; words];
        for v in nodes {
            bits[v as usize / 64] |= 1 << (v % 64);
        }
        let mut before = Vec::with_capacity(words);
        let mut acc = 0u32;
        for w in &bits {
            before.push(acc);
            acc += w.count_ones();
        }
        NodeRank { bits, before }
    }
    /// Index of member `v` among all members, `None` if `v` is not one.
    #[inline]
    pub(crate) fn rank(&self, v: u32) -> Option<usize> {
        let (w, b) = (v as usize / 64, v % 64);
        let word = *self.bits.get(w)?;
        if word & (1 << b) == 0 {
            return None;
        }
        Some(self.before[w] as usize + (word & ((1u64 << b) - 1)).count_ones() as usize)
    }
    fn heap_bytes(&self) -> usize {
        self.bits.capacity() * 8 + self.before.capacity() * 4
    }
    /// The raw columns `(bits, before)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> (&[u64], &[u32]) {
        (&self.bits, &self.before)
    }
    /// Reassembles a set from [`raw_parts`](Self::raw_parts) (trusted: not re-validated).
    pub(crate) fn from_raw_parts(bits: Vec<u64>, before: Vec<u32>) -> NodeRank {
        NodeRank { bits, before }
    }
}

/// Field data of selected instances, looked up by node.
#[derive(Debug, Default)]
pub struct FieldStore {
    members: NodeRank,
    /// Start of member `i`'s bytes in `data`; `starts[i + 1]` is its end.
    starts: Vec<u32>,
    data: Vec<u8>,
}

impl FieldStore {
    /// The INSTANCE DUMP field data of `node`, if kept.
    pub(crate) fn get(&self, node: Node) -> Option<&[u8]> {
        let i = self.members.rank(node.get())?;
        Some(&self.data[self.starts[i] as usize..self.starts[i + 1] as usize])
    }
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.heap_bytes() + self.starts.capacity() * 4 + self.data.capacity()
    }
    /// The raw parts `(members, starts, data)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> (&NodeRank, &[u32], &[u8]) {
        (&self.members, &self.starts, &self.data)
    }
    /// Reassembles a store from [`raw_parts`](Self::raw_parts) (trusted: not re-validated).
    pub(crate) fn from_raw_parts(members: NodeRank, starts: Vec<u32>, data: Vec<u8>) -> FieldStore {
        FieldStore {
            members,
            starts,
            data,
        }
    }
}

/// Collects field data in stream order; [`finish`](Self::finish) puts it in node order.
#[derive(Debug, Default)]
pub(crate) struct FieldStoreBuilder {
    /// (node, offset in `data`, length)
    index: Vec<(u32, u32, u32)>,
    data: Vec<u8>,
}

impl FieldStoreBuilder {
    /// Field bytes collected so far.
    pub(crate) fn data_len(&self) -> usize {
        self.data.len()
    }
    pub(crate) fn insert(&mut self, node: Node, fields: &[u8]) {
        self.index
            .push((node.get(), self.data.len() as u32, fields.len() as u32));
        self.data.extend_from_slice(fields);
    }
    pub(crate) fn finish(mut self, node_count: usize) -> FieldStore {
        self.index.sort_unstable_by_key(|e| e.0);
        self.index.dedup_by_key(|e| e.0);
        let mut starts = Vec::with_capacity(self.index.len() + 1);
        let mut data = Vec::with_capacity(self.index.iter().map(|e| e.2 as usize).sum());
        for &(_, off, len) in &self.index {
            starts.push(data.len() as u32);
            data.extend_from_slice(&self.data[off as usize..(off + len) as usize]);
        }
        starts.push(data.len() as u32);
        FieldStore {
            members: NodeRank::from_sorted(self.index.iter().map(|e| e.0), node_count),
            starts,
            data,
        }
    }
}

/// Characters of a String value kept for display.
pub const STRING_PREVIEW_CHARS: usize = 48;

/// First byte of a slice record in `StringStore::text` (never a preview's length byte).
const SLICE: u8 = 0xFF;

/// Per String-value array: a deduplicated preview, which doubles as the identity of the full
/// contents (equal contents share one preview entry: deduplication is by a 64-bit hash of the
/// whole value, its length and its coder).
#[derive(Debug, Default)]
pub struct StringStore {
    members: NodeRank,
    /// Per member (by rank): offset in `text` of its entry, one length byte (< [`SLICE`]) then
    /// the preview's UTF-8. A String that is a slice of its array (JDK ≤ 6) points instead to
    /// a record of its own: [`SLICE`], the offset of the (shared) entry as 4 bytes
    /// little-endian, its length in chars as a LEB128 varint. An array's length is its
    /// array's, so it is not stored: modern dumps pay nothing for slices.
    preview_at: Vec<u32>,
    text: Vec<u8>,
    /// Nodes (sorted) of value arrays holding UTF-16 (coder 1 / char[]).
    utf16: Vec<u32>,
}

impl StringStore {
    /// Preview (≤ [`STRING_PREVIEW_CHARS`] chars) of the string whose value array is `node`.
    ///
    /// Members are value arrays, and Strings whose text is part of their array (JDK ≤ 6
    /// `offset`/`count`: see `graph::text`), which take precedence over their array.
    pub(crate) fn preview(&self, node: Node) -> Option<&str> {
        let (at, _) = self.resolve(node)?;
        let len = *self.text.get(at)? as usize;
        std::str::from_utf8(self.text.get(at + 1..at + 1 + len)?).ok()
    }
    /// The preview entry of member `node`, and a slice's length in chars.
    fn resolve(&self, node: Node) -> Option<(usize, Option<u64>)> {
        let at = self.preview_at[self.members.rank(node.get())?] as usize;
        if *self.text.get(at)? != SLICE {
            return Some((at, None));
        }
        let target = u32::from_le_bytes(self.text.get(at + 1..at + 5)?.try_into().ok()?);
        let (count, _) = read_varint(&self.text, at + 5)?;
        Some((target as usize, Some(count)))
    }
    /// Length in chars (UTF-16 units, as `String.length()`) of member `node`'s text where the
    /// store knows it: a slice's, or a text shorter than its preview's limit. `None` for a
    /// longer value array: its length is the array's.
    pub(crate) fn char_len(&self, node: Node) -> Option<u64> {
        if let (_, Some(count)) = self.resolve(node)? {
            return Some(count);
        }
        let units = self.preview(node)?.encode_utf16().count();
        (units < STRING_PREVIEW_CHARS).then_some(units as u64)
    }
    /// Whether `node` has an entry of its own.
    pub fn contains(&self, node: Node) -> bool {
        self.members.rank(node.get()).is_some()
    }
    /// Identity of the full contents of the value array `node`: equal contents (and coder),
    /// equal value; different contents, different values (up to 64-bit hash collisions).
    pub(crate) fn content_hash(&self, node: Node) -> Option<u64> {
        self.resolve(node).map(|(at, _)| at as u64)
    }
    /// Whether the value array `node` holds UTF-16 (2 bytes per char: coder 1 or `char[]`).
    pub(crate) fn is_utf16(&self, node: Node) -> bool {
        self.utf16.binary_search(&node.get()).is_ok()
    }
    pub(crate) fn heap_bytes(&self) -> usize {
        self.members.heap_bytes()
            + self.preview_at.capacity() * 4
            + self.text.capacity()
            + self.utf16.capacity() * 4
    }
    /// The raw parts `(members, preview_at, text, utf16)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> (&NodeRank, &[u32], &[u8], &[u32]) {
        (&self.members, &self.preview_at, &self.text, &self.utf16)
    }
    /// Reassembles a store from [`raw_parts`](Self::raw_parts) (trusted: not re-validated).
    pub(crate) fn from_raw_parts(
        members: NodeRank,
        preview_at: Vec<u32>,
        text: Vec<u8>,
        utf16: Vec<u32>,
    ) -> StringStore {
        StringStore {
            members,
            preview_at,
            text,
            utf16,
        }
    }
}

pub(crate) struct StringStoreBuilder {
    utf16: Vec<u32>,
    /// (node, preview offset), in stream order.
    entries: Vec<(u32, u32)>,
    text: Vec<u8>,
    dedup: DedupTable,
    /// Values waiting for their lookup (fewer than [`BATCH`]).
    pending: Vec<PendingString>,
    /// Sink of the early slot loads (keeps them from being optimized away).
    touched: u32,
}

/// Open-addressing table from a 64-bit content key (non-zero) to a preview offset. Key and
/// value share one 12-byte slot, so a lookup costs one cache miss, not two (the table is far
/// bigger than the caches: one slot per distinct string, at most 70% full; the misses were most
/// of pass 2's string time).
struct DedupTable {
    /// `[key low, key high, value]`; key 0 = empty.
    slots: Vec<[u32; 3]>,
    len: usize,
}

impl DedupTable {
    /// A table that holds `expected` keys without growing: allocated once, so pass 2 does not
    /// leave a trail of outgrown tables in a wasm memory (which never shrinks).
    fn with_capacity(expected: usize) -> Self {
        let size = (expected.saturating_mul(10) / 7 + 1)
            .next_power_of_two()
            .max(1024);
        DedupTable {
            slots: vec![[0; 3]; size],
            len: 0,
        }
    }
    #[inline]
    fn key_of(slot: &[u32; 3]) -> u64 {
        slot[0] as u64 | (slot[1] as u64) << 32
    }
    /// The slot of `key` (non-zero): where it is, or the empty slot where it goes.
    #[inline]
    fn slot(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let k = Self::key_of(&self.slots[i]);
            if k == 0 || k == key {
                return i;
            }
            i = (i + 1) & mask;
        }
    }
    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 20) as usize & (self.slots.len() - 1)
    }
    fn get(&self, key: u64) -> Option<u32> {
        let slot = &self.slots[self.slot(key)];
        (Self::key_of(slot) == key).then_some(slot[2])
    }
    fn insert(&mut self, key: u64, value: u32) {
        if (self.len + 1) * 10 > self.slots.len() * 7 {
            let size = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, vec![[0; 3]; size]);
            for slot in old {
                let k = Self::key_of(&slot);
                if k != 0 {
                    let i = self.slot(k);
                    self.slots[i] = slot;
                }
            }
        }
        let i = self.slot(key);
        if Self::key_of(&self.slots[i]) == 0 {
            self.len += 1;
        }
        self.slots[i] = [key as u32, (key >> 32) as u32, value];
    }
}

/// String values looked up together (see [`StringStoreBuilder::insert`]).
const BATCH: usize = 16;
/// Bytes of a value that its preview can need: 48 UTF-16 units.
const PREVIEW_BYTES: usize = 2 * STRING_PREVIEW_CHARS;

/// A String value waiting for its lookup: what the lookup and the preview need.
#[derive(Clone, Copy)]
struct PendingString {
    node: Node,
    key: u64,
    elem: BasicType,
    utf16: bool,
    len: u8,
    /// Chars of the whole text.
    chars: u32,
    /// A String's slice of its array (gets a record of its own: see `StringStore`).
    slice: bool,
    head: [u8; PREVIEW_BYTES],
}

impl StringStoreBuilder {
    /// `utf16`: the value arrays with UTF-16 contents; `value_arrays`: how many String values
    /// pass 2 will see (at most), which sizes the tables once.
    pub(crate) fn new(mut utf16: Vec<u32>, value_arrays: usize) -> Self {
        utf16.sort_unstable();
        utf16.dedup();
        StringStoreBuilder {
            utf16,
            entries: Vec::with_capacity(value_arrays),
            text: Vec::new(),
            dedup: DedupTable::with_capacity(value_arrays),
            pending: Vec::with_capacity(BATCH),
            touched: 0,
        }
    }

    /// Takes one String value. Values are looked up in the dedup table (far bigger than the
    /// caches) [`BATCH`] at a time: a tight loop first loads all their slots, so that their
    /// cache misses overlap instead of each stalling pass 2 (they were 3/4 of its string time;
    /// this took pass 2 from 3.2 to 1.9 s on a 17 M-object dump natively). Plain loads work in
    /// wasm too, which has no prefetch instruction (and an x86 prefetch at insert was slower).
    pub(crate) fn insert(&mut self, node: Node, elem: BasicType, data: &[u8]) {
        let utf16 = self.utf16.binary_search(&node.get()).is_ok();
        self.insert_text(node, elem, utf16, data);
    }

    /// Takes the text of a member that is not a value array listed as UTF-16 (a String whose
    /// text is part of its `char[]`): UTF-16 `data`.
    pub(crate) fn insert_slice(&mut self, node: Node, elem: BasicType, data: &[u8]) {
        self.insert_any(node, elem, true, data, true);
    }

    /// Takes the text of value array `node` (`utf16`: 2 bytes per char).
    pub(crate) fn insert_text(&mut self, node: Node, elem: BasicType, utf16: bool, data: &[u8]) {
        self.insert_any(node, elem, utf16, data, false);
    }

    fn insert_any(&mut self, node: Node, elem: BasicType, utf16: bool, data: &[u8], slice: bool) {
        // One 64-bit key for contents, length and coder (0 means an empty slot).
        let key = (hash_bytes(data)
            ^ (data.len() as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93)
            ^ utf16 as u64)
            .max(1);
        let n = data.len().min(PREVIEW_BYTES);
        let mut head = [0u8; PREVIEW_BYTES];
        head[..n].copy_from_slice(&data[..n]);
        let chars = if utf16 || elem == BasicType::Char {
            data.len() / 2
        } else {
            data.len()
        };
        self.pending.push(PendingString {
            node,
            key,
            elem,
            utf16,
            len: n as u8,
            chars: chars.min(u32::MAX as usize) as u32,
            slice,
            head,
        });
        if self.pending.len() == BATCH {
            self.look_up_pending();
        }
    }

    /// Looks up the pending values, in order, after loading all their slots.
    fn look_up_pending(&mut self) {
        let mut touched = self.touched;
        for p in &self.pending {
            touched ^= self.dedup.slots[self.dedup.home(p.key)][0];
        }
        self.touched = touched;
        for i in 0..self.pending.len() {
            let p = self.pending[i];
            self.look_up(p);
        }
        self.pending.clear();
    }

    fn look_up(&mut self, s: PendingString) {
        let at = match self.dedup.get(s.key) {
            Some(at) => at,
            // Offsets are u32: past 4 GiB of previews, new contents get no preview (and no
            // duplicate statistics); 80 M distinct strings are needed to get there.
            None if self.text.len() > (u32::MAX - 512) as usize => return,
            None => {
                let at = self.text.len() as u32;
                // Length byte first, then the preview decoded in place (no temporary String).
                self.text.push(0);
                let start = self.text.len();
                decode_preview_into(s.elem, s.utf16, &s.head[..s.len as usize], &mut self.text);
                // ≤ 48 UTF-16 units make ≤ 144 UTF-8 bytes: the cut (below `SLICE`, at a char
                // boundary, where the next byte does not continue a character) is a safeguard.
                let len = self.text.len() - start;
                let mut end = len.min(SLICE as usize - 1);
                while end < len && self.text[start + end] & 0xC0 == 0x80 {
                    end -= 1;
                }
                self.text.truncate(start + end);
                self.text[start - 1] = end as u8;
                self.dedup.insert(s.key, at);
                at
            }
        };
        if s.slice {
            let rec = self.text.len() as u32;
            self.text.push(SLICE);
            self.text.extend_from_slice(&at.to_le_bytes());
            write_varint(&mut self.text, s.chars as u64);
            self.entries.push((s.node.get(), rec));
        } else {
            self.entries.push((s.node.get(), at));
        }
    }

    pub(crate) fn finish(mut self, node_count: usize) -> StringStore {
        self.look_up_pending();
        drop(self.dedup);
        self.entries.sort_unstable_by_key(|e| e.0);
        self.entries.dedup_by_key(|e| e.0);
        let members = NodeRank::from_sorted(self.entries.iter().map(|e| e.0), node_count);
        let preview_at = self.entries.iter().map(|e| e.1).collect();
        self.text.shrink_to_fit();
        StringStore {
            members,
            preview_at,
            text: self.text,
            utf16: self.utf16,
        }
    }
}

/// Appends `v` as an unsigned LEB128 varint (7 bits a byte, low first).
fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The varint at `at` and the position after it.
fn read_varint(b: &[u8], mut at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(at)?;
        at += 1;
        v |= ((byte & 0x7F) as u64) << shift;
        if byte & 0x80 == 0 {
            return Some((v, at));
        }
    }
    None
}

/// Decodes up to [`STRING_PREVIEW_CHARS`] characters, appending the UTF-8 to `out`: `byte[]` is
/// Latin-1 (coder 0) or UTF-16 in the dumping machine's byte order (coder 1, little-endian on
/// x86/ARM); `char[]` is UTF-16 big-endian as HPROF writes chars.
fn decode_preview_into(elem: BasicType, utf16: bool, data: &[u8], out: &mut Vec<u8>) {
    let mut buf = [0u8; 4];
    let mut push = |c: char| out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    match (elem, utf16) {
        // Latin-1; nearly always ASCII, whose bytes are their UTF-8: one copy, not a push per
        // char.
        (BasicType::Byte, false) => {
            let head = &data[..data.len().min(STRING_PREVIEW_CHARS)];
            if head.is_ascii() {
                out.extend_from_slice(head);
            } else {
                head.iter().for_each(|&b| push(b as char));
            }
        }
        (BasicType::Byte, true) | (BasicType::Char, _) => {
            let big = elem == BasicType::Char;
            let units = data.chunks_exact(2).take(STRING_PREVIEW_CHARS).map(|c| {
                if big {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units).for_each(|r| push(r.unwrap_or(char::REPLACEMENT_CHARACTER)));
        }
        _ => {}
    }
}

/// 64-bit content hash (word-at-a-time multiply-mix; not cryptographic, collisions only merge
/// duplicate-string statistics).
pub(crate) fn hash_bytes(data: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (data.len() as u64).wrapping_mul(K);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_previews_are_their_utf8() {
        for text in ["plain ascii", "", "café crème", "ÿ\u{80}", &"x".repeat(100)] {
            // Latin-1 bytes of `text` (all its chars are below U+0100).
            let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
            let mut out = Vec::new();
            decode_preview_into(BasicType::Byte, false, &latin1, &mut out);
            let want: String = text.chars().take(STRING_PREVIEW_CHARS).collect();
            assert_eq!(String::from_utf8(out).unwrap(), want, "{text:?}");
        }
    }
}
