//! Where each object's record lies in the (decompressed) dump, so that any field of any object
//! can be read again on demand instead of being kept in memory.
//!
//! Records arrive in file order, nodes are numbered in id order; a HotSpot dump is a few
//! thousand id-sorted runs of back-to-back records, so node `v + 1`'s record nearly always starts
//! exactly where node `v`'s ends. The index keeps, per block of 64 nodes, the offset of the
//! block's first node (8 bytes per 64 objects), plus a sorted side table of the *breaks*: nodes
//! whose record does not start where their predecessor node's record ends (run boundaries,
//! segment headers, class dumps in between). Reading node `v` starts at the nearest break or
//! block start at or before `v` in its block and skips the records in between by their headers
//! (at most 63, each a header read). The record found is checked against the node's id, so a
//! wrong index can only give an error, never another object's data.

use super::Node;
use crate::hprof::BasicType;

const BLOCK: usize = 64;
/// Offset of a block whose first node has no recorded location (a class object, or an object
/// the second pass did not see).
const UNKNOWN: u64 = u64::MAX;

/// The record locations of a graph's objects (instances and arrays; class objects are described
/// by their `ClassInfo`).
#[derive(Debug, Default, Clone)]
pub struct ObjectLocations {
    blocks: Vec<u64>,
    break_nodes: Vec<u32>,
    break_offsets: Vec<u64>,
}

impl ObjectLocations {
    /// Where to start reading for `node`: (offset of a record, records to skip after it).
    pub(crate) fn start_of(&self, node: Node) -> Option<(u64, u32)> {
        let block = node.index() / BLOCK;
        let first = (block * BLOCK) as u32;
        let i = self.break_nodes.partition_point(|&b| b <= node.get());
        if i > 0 && self.break_nodes[i - 1] >= first {
            return Some((
                self.break_offsets[i - 1],
                node.get() - self.break_nodes[i - 1],
            ));
        }
        let off = *self.blocks.get(block)?;
        (off != UNKNOWN).then_some((off, node.get() - first))
    }
    /// Whether the dump's records were located (false for a graph restored without them).
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
    /// Breaks in the index (records not right after their predecessor node's).
    pub fn breaks(&self) -> usize {
        self.break_nodes.len()
    }
    /// The columns (block offsets, break nodes, break offsets), for the snapshot.
    pub(crate) fn raw_parts(&self) -> (&[u64], &[u32], &[u64]) {
        (&self.blocks, &self.break_nodes, &self.break_offsets)
    }
    /// From the columns of [`Self::raw_parts`] (a snapshot); the caller checks that the break
    /// nodes are strictly increasing and as many as their offsets ([`Self::check`]).
    pub(crate) fn from_raw_parts(
        blocks: Vec<u64>,
        break_nodes: Vec<u32>,
        break_offsets: Vec<u64>,
    ) -> Self {
        ObjectLocations {
            blocks,
            break_nodes,
            break_offsets,
        }
    }
    /// Why these columns cannot be a graph of `nodes` nodes' index, if they cannot: lookups
    /// rely on one block per 64 nodes (or none: not located), one offset per break, and break
    /// nodes sorted, unique and in range (a `start_of` on anything else could underflow).
    pub(crate) fn check(&self, nodes: usize) -> Result<(), String> {
        if !self.blocks.is_empty() && self.blocks.len() != nodes.div_ceil(BLOCK) {
            return Err(format!(
                "{} location blocks for {nodes} nodes",
                self.blocks.len()
            ));
        }
        if self.break_nodes.len() != self.break_offsets.len() {
            return Err(format!(
                "{} break nodes but {} break offsets",
                self.break_nodes.len(),
                self.break_offsets.len()
            ));
        }
        if self.break_nodes.windows(2).any(|w| w[0] >= w[1])
            || self
                .break_nodes
                .last()
                .is_some_and(|&b| b as usize >= nodes)
        {
            return Err("location breaks not sorted or out of range".into());
        }
        Ok(())
    }
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * 8
            + self.break_nodes.capacity() * 4
            + self.break_offsets.capacity() * 8
    }
}

/// Collects locations during pass 2 (records in file order).
#[derive(Debug, Default)]
pub(crate) struct LocationsBuilder {
    blocks: Vec<u64>,
    breaks: Vec<(u32, u64)>,
    /// The previous located record: its node and the offset just past it.
    prev: Option<(u32, u64)>,
}

impl LocationsBuilder {
    pub(crate) fn new(nodes: usize) -> Self {
        LocationsBuilder {
            blocks: vec![UNKNOWN; nodes.div_ceil(BLOCK)],
            breaks: Vec::new(),
            prev: None,
        }
    }
    /// An object record of `node` spanning `offset..end`.
    pub(crate) fn record(&mut self, node: Node, offset: u64, end: u64) {
        let contiguous = matches!(self.prev, Some((p, e)) if p + 1 == node.get() && e == offset);
        if node.index() % BLOCK == 0 {
            if let Some(b) = self.blocks.get_mut(node.index() / BLOCK) {
                *b = offset;
            }
        } else if !contiguous {
            self.breaks.push((node.get(), offset));
        }
        self.prev = Some((node.get(), end));
    }
    /// A record the index cannot locate (class dump, duplicate id): the next one is a break.
    pub(crate) fn interrupt(&mut self) {
        self.prev = None;
    }
    pub(crate) fn finish(mut self) -> ObjectLocations {
        self.breaks.sort_unstable();
        // A node seen twice (input changed between passes) keeps its first location.
        self.breaks.dedup_by_key(|b| b.0);
        ObjectLocations {
            blocks: self.blocks,
            break_nodes: self.breaks.iter().map(|b| b.0).collect(),
            break_offsets: self.breaks.iter().map(|b| b.1).collect(),
        }
    }
}

/// Total length of a heap object sub-record from its header (`hdr` holds at least
/// [`record_header_len`] bytes), or `None` for a tag that is not an object record.
pub(crate) fn record_len(hdr: &[u8], id_size: u8) -> Option<u64> {
    let id = id_size as u64;
    let u32_at = |at: u64| -> Option<u64> {
        let b = hdr.get(at as usize..at as usize + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64)
    };
    match *hdr.first()? {
        0x21 => Some(1 + 2 * id + 8 + u32_at(1 + 2 * id + 4)?),
        0x22 => Some(1 + 2 * id + 8 + u32_at(1 + id + 4)? * id),
        0x23 => {
            let n = u32_at(1 + id + 4)?;
            let ty = BasicType::from_code(*hdr.get(1 + id as usize + 8)?)?;
            Some(1 + id + 9 + n * ty.size(id_size) as u64)
        }
        0xC3 => Some(1 + id + 9),
        _ => None,
    }
}

/// Bytes of header [`record_len`] needs for any object record.
pub(crate) fn record_header_len(id_size: u8) -> usize {
    1 + 2 * id_size as usize + 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_and_blocks() {
        let mut b = LocationsBuilder::new(130);
        // Nodes 0..=2 back to back, 3 elsewhere, 64 at a block start, 65 contiguous.
        b.record(Node::new(0), 100, 110);
        b.record(Node::new(1), 110, 120);
        b.record(Node::new(2), 120, 130);
        b.record(Node::new(3), 500, 510);
        b.interrupt();
        b.record(Node::new(64), 1000, 1010);
        b.record(Node::new(65), 1010, 1020);
        b.record(Node::new(66), 2000, 2010);
        let l = b.finish();
        assert_eq!(l.start_of(Node::new(0)), Some((100, 0)));
        assert_eq!(l.start_of(Node::new(2)), Some((100, 2)));
        assert_eq!(l.start_of(Node::new(3)), Some((500, 0)));
        assert_eq!(l.start_of(Node::new(4)), Some((500, 1)));
        assert_eq!(l.start_of(Node::new(65)), Some((1000, 1)));
        assert_eq!(l.start_of(Node::new(66)), Some((2000, 0)));
        assert_eq!(l.start_of(Node::new(128)), None);
        assert_eq!(l.breaks(), 2);
        assert_eq!(l.check(130), Ok(()));
        // What a damaged snapshot could hold: each is refused before any lookup.
        let (b, n, o) = l.raw_parts();
        let parts = |b: &[u64], n: &[u32], o: &[u64]| {
            ObjectLocations::from_raw_parts(b.to_vec(), n.to_vec(), o.to_vec())
        };
        assert!(parts(b, n, o).check(200).is_err(), "block count");
        assert!(
            parts(b, &n[..1], o).check(130).is_err(),
            "offsets per break"
        );
        assert!(parts(b, &[66, 3], o).check(130).is_err(), "unsorted");
        assert!(parts(b, &[3, 3], o).check(130).is_err(), "duplicate");
        assert!(parts(b, &[3, 130], o).check(130).is_err(), "out of range");
        assert_eq!(parts(&[], &[], &[]).check(130), Ok(()));
    }
}
