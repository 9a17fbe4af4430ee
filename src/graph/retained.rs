//! Dominator tree over the reachable graph and retained sizes (MAT semantics: the virtual
//! super-root's successors are the GC roots; `Reference.referent` is an ordinary edge here).
//!
//! # Memory: 12 bytes per object
//!
//! What stays after the computation is three `u32` columns: the immediate dominator, the
//! retained size (in units of the heap's size granule, see [`RetainedSizes`]), and the reachable
//! nodes ordered by (immediate dominator, retained size descending), which makes every node's
//! dominator-tree children one contiguous, already sorted run found by binary search. Retained
//! object counts are not stored: [`Dominance::retained_count`] walks the subtree when asked
//! (the report asks for 100 nodes, the UI for the rows on screen).

use super::classes::gcd_step;
use super::dominators::{compute_with_progress, NO_IDX};
use super::{HeapGraph, Node, NO_NODE};

/// Retained sizes of every node, 4 bytes each.
///
/// Every shallow size is a multiple of the heap's granule (the object alignment: 8 bytes on
/// HotSpot), so every retained size is too, and `u32` units of the granule reach 32 GiB. The
/// few nodes retaining more (the super-root and the top of the tree in huge heaps) are marked
/// `u32::MAX` and kept exactly in a small side table.
pub(crate) struct RetainedSizes {
    units: Vec<u32>,
    granule: u64,
    /// (node, bytes) of the nodes whose size does not fit, sorted by node.
    large: Vec<(u32, u64)>,
}

impl RetainedSizes {
    const LARGE: u32 = u32::MAX;

    #[inline]
    pub(crate) fn get(&self, v: Node) -> u64 {
        match self.units.get(v.index()) {
            Some(&Self::LARGE) => self
                .large
                .binary_search_by_key(&v.get(), |e| e.0)
                .map(|i| self.large[i].1)
                .unwrap_or(0),
            Some(&u) => u as u64 * self.granule,
            None => 0,
        }
    }
    /// The raw parts `(units, granule, large)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> (&[u32], u64, &[(u32, u64)]) {
        (&self.units, self.granule, &self.large)
    }
    /// Reassembles sizes from [`raw_parts`](Self::raw_parts) (trusted: not re-validated).
    pub(crate) fn from_raw_parts(
        units: Vec<u32>,
        granule: u64,
        large: Vec<(u32, u64)>,
    ) -> RetainedSizes {
        RetainedSizes {
            units,
            granule,
            large,
        }
    }
}

/// Accumulates sizes in granule units, spilling the ones that outgrow `u32` to a map.
struct SizeAccumulator {
    units: Vec<u32>,
    granule: u64,
    /// `log2(granule)` where the granule is a power of two (on every heap: the alignment), so
    /// that bytes become units by a shift, not a 64-bit division per object (slow in wasm).
    shift: Option<u32>,
    large: std::collections::HashMap<u32, u64>,
}

impl SizeAccumulator {
    fn new(n: usize, granule: u64) -> SizeAccumulator {
        SizeAccumulator {
            units: vec![0; n],
            granule,
            shift: granule.is_power_of_two().then(|| granule.trailing_zeros()),
            large: Default::default(),
        }
    }
    /// Adds `bytes` (a multiple of the granule) to `v`.
    #[inline]
    fn add(&mut self, v: usize, bytes: u64) {
        let units = match self.shift {
            Some(s) => bytes >> s,
            None => bytes / self.granule,
        };
        self.add_units(v, units);
    }
    /// Adds `child`'s size to `v`'s (in units, as they are kept).
    #[inline]
    fn add_child(&mut self, v: usize, child: usize) {
        match self.units[child] {
            RetainedSizes::LARGE => self.add(v, self.large[&(child as u32)]),
            u => self.add_units(v, u as u64),
        }
    }
    #[inline]
    fn add_units(&mut self, v: usize, units: u64) {
        let u = self.units[v];
        if u != RetainedSizes::LARGE {
            let sum = u as u64 + units;
            if sum < RetainedSizes::LARGE as u64 {
                self.units[v] = sum as u32;
                return;
            }
            self.units[v] = RetainedSizes::LARGE;
            self.large.insert(v as u32, sum * self.granule);
        } else {
            *self.large.get_mut(&(v as u32)).expect("large entry") += units * self.granule;
        }
    }
    fn finish(self) -> RetainedSizes {
        let mut large: Vec<(u32, u64)> = self.large.into_iter().collect();
        large.sort_unstable();
        RetainedSizes {
            units: self.units,
            granule: self.granule,
            large,
        }
    }
}

/// Dominator tree, retained sizes and the dominator-tree children of every reachable node.
pub struct Dominance {
    /// Immediate dominator; `NO_IDX` for unreachable objects; the super-root's is itself.
    pub idom: Vec<u32>,
    retained: RetainedSizes,
    /// Reachable nodes but the super-root, by (idom, retained descending, node).
    by_parent: Vec<Node>,
    /// Reachable objects (super-root excluded).
    pub reachable: usize,
}

impl Dominance {
    pub fn compute(g: &HeapGraph) -> Dominance {
        Self::compute_with_progress(g, &mut |_| {})
    }

    /// [`compute`](Self::compute), reporting the fraction done every few milliseconds.
    pub fn compute_with_progress(g: &HeapGraph, progress: &mut dyn FnMut(f64)) -> Dominance {
        Self::compute_in(g, 1, progress)
    }

    /// [`compute_with_progress`](Self::compute_with_progress) on up to `threads` threads
    /// ([`crate::parallel::join`]): the size granule beside the dominator tree, the children
    /// runs sorted in two halves. The same result for any `threads`.
    pub fn compute_in(g: &HeapGraph, threads: usize, progress: &mut dyn FnMut(f64)) -> Dominance {
        let root = g.super_root();
        let sizes = g.size_table();
        // The granule divides every shallow size; taken over all nodes in id order (reads in
        // order, not at random as the preorder's), it divides the reachable ones' too.
        let (tree, granule) = crate::parallel::join(
            threads,
            || compute_with_progress(g, root.get(), &mut |f| progress(f * 0.8)),
            || {
                g.nodes()
                    .fold(0u64, |acc, v| gcd_step(acc, g.shallow_by(v, &sizes)))
                    .max(1)
            },
        );
        let n = tree.idom.len();

        // Retained sizes, bottom-up: reverse preorder visits a node after all it dominates.
        let mut acc = SizeAccumulator::new(n, granule);
        let r = tree.preorder.len().max(1);
        for (k, &v) in tree.preorder.iter().rev().enumerate() {
            if k % (1 << 20) == 0 {
                progress(0.8 + 0.1 * k as f64 / r as f64);
            }
            let vi = v as usize;
            acc.add(vi, g.shallow_by(Node::new(v), &sizes));
            let d = tree.idom[vi];
            if d != v {
                acc.add_child(d as usize, vi);
            }
        }
        let retained = acc.finish();
        progress(0.9);

        // Children runs: counting sort of the reachable nodes by idom, then each run by size
        // (a total order, so the runs do not depend on the order nodes are placed in). The
        // nodes are taken in id order, not from the preorder, so that the preorder is freed
        // before `start` is allocated (4 bytes per object less at this step's peak).
        let idom = tree.idom;
        drop(tree.preorder);
        let is_child = |v: usize| {
            let d = idom[v];
            d != NO_IDX && d as usize != v
        };
        let mut start = vec![0u32; n + 1];
        for v in 0..n {
            if is_child(v) {
                start[idom[v] as usize + 1] += 1;
            }
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut by_parent = vec![NO_NODE; start[n] as usize];
        for v in 0..n {
            if is_child(v) {
                let s = &mut start[idom[v] as usize];
                by_parent[*s as usize] = Node::new(v as u32);
                *s += 1;
            }
        }
        // `start[d]` is now the end of d's run (= the start of d + 1's). The runs of the first
        // half of the parents and those of the second are sorted at once.
        let sort_runs =
            |runs: &mut [Node], ends: &[u32], base: usize, progress: &mut dyn FnMut(f64)| {
                let mut begin = base;
                for (d, &end) in ends.iter().enumerate() {
                    if d % (1 << 20) == 0 {
                        progress(d as f64 / ends.len() as f64);
                    }
                    let run = &mut runs[begin - base..end as usize - base];
                    if run.len() > 1 {
                        run.sort_unstable_by(|&a, &b| {
                            retained.get(b).cmp(&retained.get(a)).then(a.cmp(&b))
                        });
                    }
                    begin = end as usize;
                }
            };
        let half = n / 2;
        let cut = if half == 0 {
            0
        } else {
            start[half - 1] as usize
        };
        let (low, high) = by_parent.split_at_mut(cut);
        crate::parallel::join(
            threads,
            || sort_runs(low, &start[..half], 0, &mut |f| progress(0.9 + 0.1 * f)),
            || sort_runs(high, &start[half..n], cut, &mut |_| {}),
        );
        drop(start);
        progress(1.0);
        let reachable = by_parent.len();
        Dominance {
            idom,
            retained,
            by_parent,
            reachable,
        }
    }

    /// The private parts `(retained, by_parent)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> (&RetainedSizes, &[Node]) {
        (&self.retained, &self.by_parent)
    }
    /// Reassembles a dominance from its parts (trusted: not re-validated).
    pub(crate) fn from_raw_parts(
        idom: Vec<u32>,
        retained: RetainedSizes,
        by_parent: Vec<Node>,
        reachable: usize,
    ) -> Dominance {
        Dominance {
            idom,
            retained,
            by_parent,
            reachable,
        }
    }

    pub fn super_root(&self) -> Node {
        Node::new((self.idom.len() - 1) as u32)
    }
    pub fn is_reachable(&self, v: Node) -> bool {
        self.idom.get(v.index()).is_some_and(|&d| d != NO_IDX)
    }
    /// Immediate dominator (`None` for the super-root and unreachable objects).
    pub fn idom(&self, v: Node) -> Option<Node> {
        match self.idom.get(v.index()) {
            Some(&d) if d != NO_IDX && d != v.get() => Some(Node::new(d)),
            _ => None,
        }
    }
    /// Retained bytes of `v` (0 for unreachable objects).
    #[inline]
    pub fn retained(&self, v: Node) -> u64 {
        self.retained.get(v)
    }
    /// Dominator-tree children, largest retained first.
    pub fn children(&self, v: Node) -> &[Node] {
        let key = |x: &Node| self.idom[x.index()];
        let lo = self.by_parent.partition_point(|x| key(x) < v.get());
        let hi = lo + self.by_parent[lo..].partition_point(|x| key(x) <= v.get());
        &self.by_parent[lo..hi]
    }
    /// An O(1) children lookup for walks over the whole tree (4 bytes per node while it lives;
    /// [`children`](Self::children) costs two binary searches).
    pub fn child_index(&self) -> ChildIndex<'_> {
        ChildIndex {
            d: self,
            start: self.child_starts(),
        }
    }
    /// Where each node's run of children starts in `by_parent` (`n + 1` entries: node `v`'s
    /// children are `by_parent[start[v]..start[v + 1]]`).
    pub(super) fn child_starts(&self) -> Vec<u32> {
        let n = self.idom.len();
        let mut start = vec![0u32; n + 1];
        for &v in &self.by_parent {
            start[self.idom[v.index()] as usize + 1] += 1;
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        start
    }
    /// Objects retained by `v` (itself included; 0 if unreachable). Builds a [`ChildIndex`]
    /// (linear in the heap): for more than one node, build one and ask it.
    pub fn retained_count(&self, v: Node) -> u64 {
        self.child_index().retained_count(v)
    }
    /// Total retained heap of the reachable graph.
    pub fn reachable_bytes(&self) -> u64 {
        self.retained(self.super_root())
    }
    /// Whether `d` dominates `v` (reflexive).
    pub fn dominates(&self, d: Node, mut v: Node) -> bool {
        loop {
            if v == d {
                return true;
            }
            match self.idom(v) {
                Some(p) => v = p,
                None => return false,
            }
        }
    }
    pub fn heap_bytes(&self) -> usize {
        self.idom.capacity() * 4
            + self.retained.units.capacity() * 4
            + self.retained.large.capacity() * 16
            + self.by_parent.capacity() * 4
    }
}

/// See [`Dominance::child_index`].
pub struct ChildIndex<'a> {
    d: &'a Dominance,
    start: Vec<u32>,
}

impl ChildIndex<'_> {
    /// Dominator-tree children of `v`, largest retained first.
    #[inline]
    pub(crate) fn children(&self, v: Node) -> &[Node] {
        let v = v.index();
        if v + 1 >= self.start.len() {
            return &[];
        }
        &self.d.by_parent[self.start[v] as usize..self.start[v + 1] as usize]
    }
    /// Objects retained by `v` (itself included; 0 if unreachable): the size of its dominator
    /// subtree, counted by walking it.
    pub fn retained_count(&self, v: Node) -> u64 {
        if !self.d.is_reachable(v) {
            return 0;
        }
        let mut count = 0u64;
        let mut stack = vec![v];
        while let Some(x) = stack.pop() {
            count += 1;
            stack.extend_from_slice(self.children(x));
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units by shift (a power-of-two granule) or by division, children added in units, and
    /// sums past `u32` units spilled: every size is the plain byte sum.
    #[test]
    fn accumulated_sizes_are_the_byte_sums() {
        for granule in [8u64, 3, 1 << 20] {
            // A chain 0 ← 1 ← 2 ← 3 (each node's parent is the one before), leaves first.
            let shallow = [
                granule,
                5 * granule,
                (1u64 << 31) * granule,
                (1u64 << 32) * granule,
            ];
            let mut acc = SizeAccumulator::new(4, granule);
            let mut want = [0u64; 4];
            for v in (0..4).rev() {
                acc.add(v, shallow[v]);
                want[v] += shallow[v];
                if v > 0 {
                    acc.add_child(v - 1, v);
                    want[v - 1] += want[v];
                }
            }
            let sizes = acc.finish();
            for (v, &w) in want.iter().enumerate() {
                assert_eq!(
                    sizes.get(Node::new(v as u32)),
                    w,
                    "granule {granule}, node {v}"
                );
            }
            assert!(
                !sizes.large.is_empty(),
                "granule {granule}: some sums spilled"
            );
        }
    }
}
