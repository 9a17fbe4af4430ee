//! Where each node's edges start in the CSR arrays, in about 1.1 bytes per node.
//!
//! Most objects have a handful of references, so a node's out-degree is stored in one byte and
//! its start is the start of its block of [`BLOCK`] nodes, plus the start of its sub-block of
//! [`SUB`] nodes within the block (a `u16`), plus the degrees before it in the sub-block (at
//! most 15 bytes to add). Degrees of 255 or more (large object arrays, classes with many statics)
//! are kept exactly in a side table sorted by node; blocks holding one take a slower path.

const BLOCK: usize = 64;
const SUB: usize = 16;
const BIG: u8 = u8::MAX;

#[derive(Default)]
pub(crate) struct EdgeOffsets {
    /// Position of the first edge of each block's first node.
    block_start: Vec<u32>,
    /// Per sub-block: its first edge relative to its block's (valid in blocks without a big
    /// degree: 64 × 254 edges fit a `u16`).
    sub_start: Vec<u16>,
    /// Blocks holding a node with a big degree, one bit each.
    has_big: Vec<u64>,
    degree: Vec<u8>,
    /// (node, degree) of the nodes with `BIG` edges or more.
    big: Vec<(u32, u32)>,
}

/// [`EdgeOffsets::raw_parts`]: `(block_start, sub_start, has_big, degree, big)`.
pub(crate) type EdgeOffsetsParts<'a> =
    (&'a [u32], &'a [u16], &'a [u64], &'a [u8], &'a [(u32, u32)]);

/// Builds [`EdgeOffsets`] from the degrees of nodes `0, 1, 2…` in order.
pub(crate) struct EdgeOffsetsBuilder {
    e: EdgeOffsets,
    total: u32,
    block_total: u32,
}

impl EdgeOffsetsBuilder {
    pub(crate) fn with_capacity(n: usize) -> Self {
        EdgeOffsetsBuilder {
            e: EdgeOffsets {
                block_start: Vec::with_capacity(n.div_ceil(BLOCK)),
                sub_start: Vec::with_capacity(n.div_ceil(SUB)),
                has_big: vec![0; n.div_ceil(BLOCK).div_ceil(64)],
                degree: Vec::with_capacity(n),
                big: Vec::new(),
            },
            total: 0,
            block_total: 0,
        }
    }
    /// The next node has `d` edges.
    #[inline]
    pub(crate) fn push(&mut self, d: u32) {
        let v = self.e.degree.len();
        if v % BLOCK == 0 {
            self.e.block_start.push(self.total);
            self.block_total = self.total;
        }
        if v % SUB == 0 {
            // Truncated in blocks with a big degree, where it is not used.
            self.e
                .sub_start
                .push((self.total - self.block_total) as u16);
        }
        if d < BIG as u32 {
            self.e.degree.push(d as u8);
        } else {
            self.e.degree.push(BIG);
            self.e.big.push((v as u32, d));
            let b = v / BLOCK;
            self.e.has_big[b / 64] |= 1 << (b % 64);
        }
        self.total += d;
    }
    pub(crate) fn finish(self) -> EdgeOffsets {
        self.e
    }
}

impl EdgeOffsets {
    /// From every node's degree in order, in the column's own coding (`BIG` for the degrees
    /// of 255 or more, listed in `big` by node): the degree column is taken over, not copied.
    pub(crate) fn from_degrees(degree: Vec<u8>, big: Vec<(u32, u32)>) -> EdgeOffsets {
        let n = degree.len();
        let mut block_start = Vec::with_capacity(n.div_ceil(BLOCK));
        let mut sub_start = Vec::with_capacity(n.div_ceil(SUB));
        let mut has_big = vec![0u64; n.div_ceil(BLOCK).div_ceil(64)];
        let (mut total, mut block_total) = (0u32, 0u32);
        let mut next_big = big.iter().peekable();
        for (v, &d) in degree.iter().enumerate() {
            if v % BLOCK == 0 {
                block_start.push(total);
                block_total = total;
            }
            if v % SUB == 0 {
                sub_start.push((total - block_total) as u16);
            }
            total += match d {
                BIG => {
                    let b = v / BLOCK;
                    has_big[b / 64] |= 1 << (b % 64);
                    next_big
                        .next_if(|e| e.0 as usize == v)
                        .expect("big degree recorded")
                        .1
                }
                d => d as u32,
            };
        }
        EdgeOffsets {
            block_start,
            sub_start,
            has_big,
            degree,
            big,
        }
    }

    /// Calls `f(degree)` for every node in order.
    pub(crate) fn for_each_degree(&self, mut f: impl FnMut(u32)) {
        let mut next_big = self.big.iter();
        for &d in &self.degree {
            f(match d {
                BIG => next_big.next().map_or(0, |e| e.1),
                d => d as u32,
            });
        }
    }

    /// The number of edge positions of all nodes.
    pub(crate) fn total(&self) -> usize {
        self.degree
            .len()
            .checked_sub(1)
            .map_or(0, |v| self.range(v).1)
    }

    /// From CSR offsets (`n + 1` entries, non-decreasing).
    #[cfg(test)]
    pub(crate) fn from_offsets(offsets: &[u32]) -> EdgeOffsets {
        let n = offsets.len().saturating_sub(1);
        let mut b = EdgeOffsetsBuilder::with_capacity(n);
        for v in 0..n {
            b.push(offsets[v + 1] - offsets[v]);
        }
        b.finish()
    }

    #[inline]
    fn degree_of(&self, v: usize, d: u8) -> usize {
        if d == BIG {
            let k = self
                .big
                .binary_search_by_key(&(v as u32), |e| e.0)
                .expect("big degree recorded");
            self.big[k].1 as usize
        } else {
            d as usize
        }
    }

    /// The edge positions `start..end` of node `v` (empty when out of range).
    #[inline]
    pub(crate) fn range(&self, v: usize) -> (usize, usize) {
        let Some(&d) = self.degree.get(v) else {
            return (0, 0);
        };
        let b = v / BLOCK;
        if self.has_big[b / 64] & (1 << (b % 64)) == 0 {
            let first = v - v % SUB;
            let before: usize = self.degree[first..v].iter().map(|&x| x as usize).sum();
            let start = self.block_start[b] as usize + self.sub_start[v / SUB] as usize + before;
            return (start, start + d as usize);
        }
        self.range_slow(v, d)
    }

    /// `v`'s degree byte (0 out of range), read only to have it cached: see
    /// [`HeapGraph::touch`](super::HeapGraph::touch).
    #[inline]
    pub(crate) fn touch(&self, v: usize) -> u32 {
        self.degree.get(v).copied().unwrap_or(0) as u32
    }

    /// The edge positions of node `v` when `prev_end` is where node `v - 1`'s end: `range(v)`
    /// without the sum over its block (one byte read where `v`'s degree is not big). A reader
    /// meeting the nodes in order (pass 2: 99.98% of objects on the bench dumps) pays this.
    #[inline]
    pub(crate) fn range_after(&self, v: usize, prev_end: usize) -> (usize, usize) {
        match self.degree.get(v) {
            Some(&d) if d != BIG => (prev_end, prev_end + d as usize),
            _ => self.range(v),
        }
    }

    #[inline(never)]
    fn range_slow(&self, v: usize, d: u8) -> (usize, usize) {
        let first = v - v % BLOCK;
        let run = &self.degree[first..v];
        let mut before: usize = run.iter().map(|&x| x as usize).sum();
        if run.contains(&BIG) {
            before = run
                .iter()
                .enumerate()
                .map(|(k, &x)| self.degree_of(first + k, x))
                .sum();
        }
        let start = self.block_start[v / BLOCK] as usize + before;
        (start, start + self.degree_of(v, d))
    }

    /// The raw columns `(block_start, sub_start, has_big, degree, big)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> EdgeOffsetsParts<'_> {
        (
            &self.block_start,
            &self.sub_start,
            &self.has_big,
            &self.degree,
            &self.big,
        )
    }

    /// Reassembles offsets from [`raw_parts`](Self::raw_parts) (trusted: not re-validated).
    pub(crate) fn from_raw_parts(
        block_start: Vec<u32>,
        sub_start: Vec<u16>,
        has_big: Vec<u64>,
        degree: Vec<u8>,
        big: Vec<(u32, u32)>,
    ) -> EdgeOffsets {
        EdgeOffsets {
            block_start,
            sub_start,
            has_big,
            degree,
            big,
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.block_start.capacity() * 4
            + self.sub_start.capacity() * 2
            + self.has_big.capacity() * 8
            + self.degree.capacity()
            + self.big.capacity() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_match_the_offsets() {
        let mut offsets = vec![0u32];
        for v in 0..1000u32 {
            // Nodes 0..256 without big degrees (the fast path), then some.
            let d = match v % 50 {
                0 if v >= 256 => 300,
                7 if v >= 256 => 255,
                8 => 254,
                _ => v % 5,
            };
            offsets.push(offsets.last().unwrap() + d);
        }
        let e = EdgeOffsets::from_offsets(&offsets);
        for v in 0..1000 {
            assert_eq!(
                e.range(v),
                (offsets[v] as usize, offsets[v + 1] as usize),
                "node {v}"
            );
            if v > 0 {
                assert_eq!(e.range_after(v, e.range(v - 1).1), e.range(v), "node {v}");
            }
        }
        assert_eq!(e.range_after(1000, 7), (0, 0));
        assert_eq!(e.range(1000), (0, 0));
        assert_eq!(e.total(), *offsets.last().unwrap() as usize);
        let mut degrees = Vec::new();
        e.for_each_degree(|d| degrees.push(d));
        let again = EdgeOffsets::from_degrees(e.degree.clone(), e.big.clone());
        for (v, &d) in degrees.iter().enumerate() {
            assert_eq!(d as usize, e.range(v).1 - e.range(v).0);
            assert_eq!(again.range(v), e.range(v), "node {v}");
        }
        assert_eq!(EdgeOffsets::from_offsets(&[0]).range(0), (0, 0));
    }
}
