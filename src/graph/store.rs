//! What the graph keeps of object *contents*: field data of a few JDK classes the analyses read
//! (threads, collections, counters), and a bounded preview plus a hash of every String's value.
//!
//! Everything else of the dump's bytes is dropped after the build; that is what keeps the graph
//! within a few tens of bytes per object.

use crate::hprof::BasicType;
use std::collections::HashMap;

/// Field data of selected instances, looked up by node.
#[derive(Debug, Default)]
pub struct FieldStore {
    /// (node, offset in `data`, length), sorted by node after the build.
    index: Vec<(u32, u32, u32)>,
    data: Vec<u8>,
}

impl FieldStore {
    pub(crate) fn insert(&mut self, node: u32, fields: &[u8]) {
        self.index.push((node, self.data.len() as u32, fields.len() as u32));
        self.data.extend_from_slice(fields);
    }
    pub(crate) fn seal(&mut self) {
        self.index.sort_unstable_by_key(|e| e.0);
    }
    /// The INSTANCE DUMP field data of `node`, if kept.
    pub fn get(&self, node: u32) -> Option<&[u8]> {
        let i = self.index.binary_search_by_key(&node, |e| e.0).ok()?;
        let (_, off, len) = self.index[i];
        Some(&self.data[off as usize..(off + len) as usize])
    }
    pub fn heap_bytes(&self) -> usize {
        self.index.capacity() * 12 + self.data.capacity()
    }
}

/// Characters of a String value kept for display.
pub const STRING_PREVIEW_CHARS: usize = 48;

/// Per String-value array: hash of the full contents and a deduplicated preview.
#[derive(Debug, Default)]
pub struct StringStore {
    /// (node of the value array, preview index, content hash), sorted by node.
    entries: Vec<(u32, u32, u64)>,
    /// Distinct previews, UTF-8, back to back; preview `i` is `text[starts[i]..starts[i + 1]]`.
    text: String,
    starts: Vec<u32>,
    /// Nodes (sorted) of value arrays holding UTF-16 (coder 1 / char[]).
    utf16: Vec<u32>,
}

impl StringStore {
    fn find(&self, node: u32) -> Option<&(u32, u32, u64)> {
        self.entries.binary_search_by_key(&node, |e| e.0).ok().map(|i| &self.entries[i])
    }
    /// Preview (≤ [`STRING_PREVIEW_CHARS`] chars) of the string whose value array is `node`.
    pub fn preview(&self, node: u32) -> Option<&str> {
        self.find(node).map(|e| &self.text[self.starts[e.1 as usize] as usize..self.starts[e.1 as usize + 1] as usize])
    }
    /// Hash of the full contents of the value array `node` (equal contents, equal hash).
    pub fn content_hash(&self, node: u32) -> Option<u64> {
        self.find(node).map(|e| e.2)
    }
    /// Whether the value array `node` holds UTF-16 (2 bytes per char).
    pub fn is_utf16(&self, node: u32) -> bool {
        self.utf16.binary_search(&node).is_ok()
    }
    /// All (value array node, content hash), sorted by node.
    pub fn hashes(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.entries.iter().map(|e| (e.0, e.2))
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * 16
            + self.text.capacity()
            + self.starts.capacity() * 4
            + self.utf16.capacity() * 4
    }
}

pub(crate) struct StringStoreBuilder {
    store: StringStore,
    dedup: HashMap<(u64, usize), u32>,
}

impl StringStoreBuilder {
    pub fn new(mut utf16: Vec<u32>) -> Self {
        utf16.sort_unstable();
        utf16.dedup();
        StringStoreBuilder { store: StringStore { utf16, starts: vec![0], ..StringStore::default() }, dedup: HashMap::new() }
    }

    pub fn insert(&mut self, node: u32, elem: BasicType, data: &[u8]) {
        let hash = hash_bytes(data);
        let key = (hash, data.len());
        let preview = match self.dedup.get(&key) {
            Some(&p) => p,
            None => {
                let text = decode_preview(elem, self.store.is_utf16(node), data);
                let p = self.store.starts.len() as u32 - 1;
                self.store.text.push_str(&text);
                self.store.starts.push(self.store.text.len() as u32);
                self.dedup.insert(key, p);
                p
            }
        };
        self.store.entries.push((node, preview, hash));
    }

    pub fn finish(mut self) -> StringStore {
        self.store.entries.sort_unstable_by_key(|e| e.0);
        self.store.entries.shrink_to_fit();
        self.store.text.shrink_to_fit();
        self.store.starts.shrink_to_fit();
        self.store
    }
}

/// Decodes up to [`STRING_PREVIEW_CHARS`] characters: `byte[]` is Latin-1 (coder 0) or UTF-16
/// in the dumping machine's byte order (coder 1, little-endian on x86/ARM); `char[]` is UTF-16
/// big-endian as HPROF writes chars.
pub fn decode_preview(elem: BasicType, utf16: bool, data: &[u8]) -> String {
    let mut s = String::new();
    match (elem, utf16) {
        (BasicType::Byte, false) => {
            s.extend(data.iter().take(STRING_PREVIEW_CHARS).map(|&b| b as char));
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
            s.extend(char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)));
        }
        _ => {}
    }
    s
}

/// 64-bit content hash (word-at-a-time multiply-mix; not cryptographic, collisions only merge
/// duplicate-string statistics).
pub fn hash_bytes(data: &[u8]) -> u64 {
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
