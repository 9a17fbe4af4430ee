//! Dominator tree and retained sizes.
//!
//! # Why this algorithm
//!
//! Heap dumps give object graphs of 15–100 M nodes whose reference chains (linked lists,
//! queues) can be millions deep, so everything here is iterative: recursion would overflow the
//! stack long before the graph ends. Among the near-linear dominator algorithms, semi-NCA
//! (Georgiadis, "Linear-time algorithms for dominators and related problems", 2005; the
//! variant LLVM uses) is the one that needs the least state: it computes Lengauer–Tarjan
//! semidominators with simple (unbalanced) path compression, then finds each immediate
//! dominator as the nearest common ancestor of its DFS parent and its semidominator by
//! climbing the partially built dominator tree. That drops the `bucket` lists and the second
//! `eval` pass of Lengauer–Tarjan, which in turn is what lets the arrays below be reused.
//! On real heaps the NCA climb is short (the tree is shallow where fan-in is high), and it is
//! what makes semi-NCA faster in practice than the asymptotically better LT variants.
//!
//! # Why the memory looks like this
//!
//! The working state is `u32` arrays indexed by DFS preorder number rather than node id, so
//! they are only as long as the reachable part (`r` nodes) of the graph, and each phase hands
//! its arrays to the next instead of allocating new ones. At this size every pass is bound by
//! cache misses, not arithmetic, so state read together is interleaved into pairs.
//!
//! * DFS: `slot[2n] = [preorder number, in-degree]` pairs by node id, `vertex[r]` (number →
//!   node, becomes [`DominatorTree::preorder`]), the DFS parents as a byte stream (`number -
//!   parent` in LEB128: mostly one byte, as a first child's parent is the number before it) and
//!   one explicit `u32` stack. Counting in-degrees here, next to the visited test on the same
//!   cache line, saves a separate counting pass over all edges. The stack holds the
//!   not-yet-visited successors of the nodes on the current path plus, per non-leaf node on
//!   it, a marker and the parent to return to: bounded by `reachable edges + 2 × depth`, far
//!   smaller on heap graphs. Visiting on pop (not on push) is what keeps the tree a true DFS
//!   tree (every edge `u → w` with `pre[u] < pre[w]` goes to a descendant), which
//!   semidominators rely on; the trait only offers "call `f` for each successor", so a
//!   resumable per-frame edge cursor is not available.
//! * Predecessors: lists by preorder number in one array (`preds[E']`), each list's length in
//!   a byte (`degrees[r]`, 255 or more in a side table: the lists are read in order, so their
//!   starts are running sums). The in-degree half of `slot` becomes each node's fill cursor and
//!   is moved, in place, to the first half; the numbers are dropped: the fill walks sources in
//!   preorder, so a source's number is the loop index. Edges into the root and self-loops
//!   cannot change a semidominator and are left out.
//! * Semidominators: `ab[2r] = [anc, best]` pairs (ancestor pointer, path-compressed in place,
//!   and the minimum semidominator on the compressed path; `eval` always reads both), made from
//!   the parent stream. An unprocessed node's `anc` is still its DFS parent, so no parent
//!   array is kept. `eval` reverses the ancestor pointers on the way up and restores them,
//!   compressed, on the way down, so it needs no stack either. A node's predecessor list is
//!   dead once the node is processed and always has at least one slot (its DFS parent's edge
//!   or the root's), so its semidominator is stored in that slot and its DFS parent in the
//!   second, if any. A list of one entry is the parent's or the root's edge: the semidominator
//!   is then the parent or the root, and so is the immediate dominator.
//! * NCA pass: `idom[i]` is written over `ab` (dead after the semidominators; the climb reads
//!   only `idom[d]` for `d < i`), which is then cut to `r`. The output `idom[n]` (by node id) is
//!   allocated only after the predecessor lists are gone.
//!
//! Peak, in `u32`s, with `E'` kept reachable edges: DFS `2n + r + stack` (and the parent
//! stream, ~`r/4`), predecessor build `n + r + E'` (and the stream, and `r/4` for the
//! degrees), semidominators `3r + E'` (and `r/4`), output `n + 2r`. So about 13 bytes per
//! reachable node and 4 per kept reachable edge at the semidominators, of which `vertex` (4
//! bytes × `r`) is the returned preorder; the returned tree keeps 4 bytes × (`n + r`). It was
//! `5r + E'` `u32`s before 2026-12-04 (a parent and an idom array, `u32` list offsets).

/// Sentinel for "no node" (unreachable / no dominator).
/// Raw "no node" in the working and idom columns (`NO_NODE.get()`).
pub const NO_IDX: u32 = u32::MAX;

/// A read-only directed graph over dense node indices 0..node_count().
pub trait Successors {
    fn node_count(&self) -> usize;
    /// Calls `f` for each successor of `node` (duplicates and self-loops allowed).
    fn for_each_successor<F: FnMut(u32)>(&self, node: u32, f: F);
}

/// A simple CSR graph (offsets.len() == n+1), usable in tests and as a generic input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsrGraph {
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
}

impl CsrGraph {
    /// Builds the CSR of `n` nodes; each node's successors keep the order of `edges`.
    /// Panics if an endpoint is `>= n`.
    pub fn from_edges(n: usize, edges: &[(u32, u32)]) -> Self {
        assert!(n < NO_IDX as usize, "too many nodes for u32 indices: {n}");
        assert!(
            edges.len() < u32::MAX as usize,
            "too many edges for u32 offsets"
        );
        let mut offsets = vec![0u32; n + 1];
        for &(s, t) in edges {
            assert!(
                (s as usize) < n && (t as usize) < n,
                "edge ({s}, {t}) out of range for {n} nodes"
            );
            offsets[s as usize] += 1;
        }
        // Inclusive prefix sum: offsets[x] = end of x's range; the fill below walks it back to
        // the start (iterating edges backwards keeps each list in input order).
        let mut acc = 0u32;
        for o in &mut offsets[..n] {
            acc += *o;
            *o = acc;
        }
        offsets[n] = acc;
        let mut targets = vec![0u32; edges.len()];
        for &(s, t) in edges.iter().rev() {
            let o = &mut offsets[s as usize];
            *o -= 1;
            targets[*o as usize] = t;
        }
        CsrGraph { offsets, targets }
    }
}

impl Successors for CsrGraph {
    #[inline]
    fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    #[inline]
    fn for_each_successor<F: FnMut(u32)>(&self, node: u32, mut f: F) {
        let start = self.offsets[node as usize] as usize;
        let end = self.offsets[node as usize + 1] as usize;
        for &t in &self.targets[start..end] {
            f(t);
        }
    }
}

/// Immediate dominators of the nodes reachable from one root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DominatorTree {
    /// idom[v] = immediate dominator of v; idom[root] = root; NO_IDX if v is unreachable from root.
    pub idom: Vec<u32>,
    /// Reachable nodes in DFS preorder from the root (root first). Every node's idom appears before it.
    /// Successors are visited in the order `for_each_successor` yields them.
    pub preorder: Vec<u32>,
}

impl DominatorTree {
    /// The root the tree was computed from, or `None` for an empty tree.
    pub fn root(&self) -> Option<u32> {
        self.preorder.first().copied()
    }

    /// Whether `v` is reachable from the root (false for out-of-range `v`).
    #[inline]
    pub fn is_reachable(&self, v: u32) -> bool {
        self.idom.get(v as usize).is_some_and(|&d| d != NO_IDX)
    }

    /// Number of nodes reachable from the root (root included).
    #[inline]
    pub fn reachable_count(&self) -> usize {
        self.preorder.len()
    }

    /// Children lists of the dominator tree in CSR form (offsets n+1, children), children of each node sorted by node index.
    pub fn children_csr(&self) -> (Vec<u32>, Vec<u32>) {
        let n = self.idom.len();
        let is_child = |v: usize, d: u32| d != NO_IDX && d as usize != v;
        let mut offsets = vec![0u32; n + 1];
        let mut m = 0u32;
        for (v, &d) in self.idom.iter().enumerate() {
            if is_child(v, d) {
                offsets[d as usize] += 1;
                m += 1;
            }
        }
        let mut acc = 0u32;
        for o in &mut offsets[..n] {
            acc += *o;
            *o = acc;
        }
        offsets[n] = m;
        let mut children = vec![0u32; m as usize];
        // Filling from the highest node down leaves each list ascending.
        for (v, &d) in self.idom.iter().enumerate().rev() {
            if is_child(v, d) {
                let o = &mut offsets[d as usize];
                *o -= 1;
                children[*o as usize] = v as u32;
            }
        }
        (offsets, children)
    }
}

/// Iterative (no recursion anywhere: graphs have 100 M nodes and chains millions deep) semi-NCA
/// dominators from `root`. See the module documentation for the memory profile.
///
/// Panics if `root >= graph.node_count()`, if the graph has `u32::MAX` nodes or more, or if a
/// successor index is out of range.
pub fn compute<G: Successors>(graph: &G, root: u32) -> DominatorTree {
    compute_with_progress(graph, root, &mut |_| {})
}

/// Work items between two progress reports (a few milliseconds of work).
const PROGRESS_EVERY: usize = 1 << 18;

/// [`compute`], calling `progress` with the fraction done (0.0..=1.0) every few milliseconds,
/// so that a caller on a single thread (the browser worker) can report it.
pub(crate) fn compute_with_progress<G: Successors>(
    graph: &G,
    root: u32,
    progress: &mut dyn FnMut(f64),
) -> DominatorTree {
    let n = graph.node_count();
    // Phase weights (measured shares of the run time on large heaps).
    let mut report = |phase_start: f64, phase_len: f64, done: usize, total: usize| {
        if done % PROGRESS_EVERY == 0 {
            progress(phase_start + phase_len * done as f64 / total.max(1) as f64);
        }
    };
    assert!(n < NO_IDX as usize, "too many nodes for u32 indices: {n}");
    assert!((root as usize) < n, "root {root} out of range ({n} nodes)");

    // ---- Phase 1: iterative DFS, numbering nodes in preorder and counting in-degrees. ----
    // slot[2 node] = preorder number (NO_IDX = not visited yet), slot[2 node + 1] = kept
    // in-degree: the visited test and the in-degree count of an edge's target hit the same
    // cache line. Flat (not pairs) so that phase 2 can keep the second half in place.
    let mut slot: Vec<u32> = vec![0; 2 * n];
    for s in slot.iter_mut().step_by(2) {
        *s = NO_IDX;
    }
    // vertex[number] = node (the returned preorder). Reserving `n` only reserves address
    // space: untouched pages are never committed.
    let mut vertex: Vec<u32> = Vec::with_capacity(n);
    // The DFS parents, as `number - parent number` in LEB128: read only in order (phase 3),
    // and mostly small (a first child's parent is the number before it).
    let mut parents = ParentStream::default();
    // Edges into the root and self-loops are not counted (nor stored below): neither can lower
    // a semidominator. Nor are edges into the root's own successors other than the root's: their
    // semidominator and immediate dominator are the root whatever else points at them (on heaps
    // that skips most object → class edges, the system classes being GC roots).
    // Every non-root node keeps at least one edge: its DFS parent's, or the root's.
    let mut root_child = vec![0u64; n.div_ceil(64)];
    graph.for_each_successor(root, |w| root_child[w as usize / 64] |= 1 << (w % 64));
    let keep = |x: u32, w: u32| {
        w != x && w != root && (x == root || root_child[w as usize / 64] & (1 << (w % 64)) == 0)
    };
    let mut total: u64 = 0;
    {
        // A MARK below a node's pushed successors means "that node's subtree is done": popping
        // it moves `cur` back up to the parent, which the stack holds right below the MARK.
        const MARK: u32 = NO_IDX;
        let mut stack: Vec<u32> = vec![root];
        let mut cur: u32 = 0; // number of the node whose successors are being explored
        while let Some(x) = stack.pop() {
            if x == MARK {
                cur = stack.pop().unwrap_or(0);
                continue;
            }
            if slot[2 * x as usize] != NO_IDX {
                continue; // reached through another edge since it was pushed
            }
            let num = vertex.len() as u32;
            report(0.0, 0.35, num as usize, n);
            slot[2 * x as usize] = num;
            vertex.push(x);
            parents.push(num - cur); // the root gets 0, i.e. itself
            let base = stack.len();
            stack.push(cur);
            stack.push(MARK);
            graph.for_each_successor(x, |w| {
                let s = 2 * w as usize;
                if slot[s] == NO_IDX {
                    stack.push(w);
                }
                if keep(x, w) {
                    slot[s + 1] += 1;
                    total += 1;
                }
            });
            if stack.len() == base + 2 {
                stack.truncate(base); // leaf: no subtree to close
            } else {
                // Pop order = successor order, as a recursive DFS would go.
                stack[base + 2..].reverse();
                cur = num;
            }
        }
    }
    let r = vertex.len();
    vertex.shrink_to_fit();

    // ---- Phase 2: predecessor lists over preorder numbers. ----
    assert!(
        total < u32::MAX as u64,
        "too many reachable edges for u32 offsets: {total}"
    );
    // Each number's list length; the in-degree half of `slot` becomes the node's fill cursor.
    let mut degrees = Degrees::with_capacity(r);
    let mut acc = 0u32;
    for &v in &vertex {
        let s = &mut slot[2 * v as usize + 1];
        let deg = *s;
        *s = acc;
        acc += deg;
        degrees.push(deg);
    }
    // Only the cursors are needed from here on: keep them, by node, in the first half.
    for v in 0..n {
        slot[v] = slot[2 * v + 1];
    }
    slot.truncate(n);
    slot.shrink_to_fit();
    let mut cursor = slot;
    let mut preds = vec![0u32; total as usize];
    // Sources in preorder: the number of a source is then the loop index, so no node →
    // number map is kept (4 bytes per node less at this phase's peak). Every successor of a
    // reachable node is reachable, so every cursor read here was set above.
    for (i, &u) in vertex.iter().enumerate() {
        report(0.35, 0.2, i, r);
        graph.for_each_successor(u, |w| {
            if keep(u, w) {
                let c = &mut cursor[w as usize];
                preds[*c as usize] = i as u32;
                *c += 1;
            }
        });
    }
    drop(cursor);
    drop(root_child);

    // ---- Phase 3: semidominators, in reverse preorder. ----
    // Nodes numbered > i are "linked" (processed). ab[2v], ab[2v + 1] = anc, best: anc is a
    // compressed ancestor pointer for linked nodes, still the DFS parent for the others; best is
    // the minimum semidominator on the compressed path. Interleaved because `eval` reads both.
    let mut ab: Vec<u32> = Vec::with_capacity(2 * r);
    parents.for_each(|i, p| {
        ab.push(i - p);
        ab.push(0);
    });
    drop(parents);
    let mut end = total as usize;
    let mut back = degrees.backward();
    for i in (1..r).rev() {
        report(0.55, 0.3, r - i, r);
        let iu = i as u32;
        let start = end - back.next(&degrees, i) as usize;
        debug_assert!(
            start < end,
            "every non-root node has its DFS parent or the root as predecessor"
        );
        let parent = ab[2 * i]; // unlinked, so still the DFS parent
        let mut semi = parent; // the DFS parent is a predecessor, so semi <= parent
        for &v in &preds[start..end] {
            let c = if v < iu { v } else { eval(&mut ab, v, iu) };
            semi = semi.min(c);
        }
        ab[2 * i + 1] = semi;
        // This list is dead now: keep semi[i] in its first slot and, where there is a second
        // one, the DFS parent (phase 4 starts its climb there). A list of one is the parent's
        // edge or the root's, whence semi is the parent or the root, and so is the idom.
        preds[start] = semi;
        if end - start >= 2 {
            preds[start + 1] = parent;
        }
        end = start;
    }

    // ---- Phase 4: idom = NCA(parent, semi), climbing the dominator tree built so far. ----
    // idom[i] goes to ab[i]: every pair there is dead (phase 3 is over), and the climb reads
    // only idom[d] for d < i, written before.
    let idom = &mut ab;
    idom[0] = 0;
    let mut fwd = degrees.forward();
    let mut start = fwd.next(&degrees, 0) as usize; // the root's list: empty
    for i in 1..r {
        report(0.85, 0.1, i, r);
        let deg = fwd.next(&degrees, i) as usize;
        let semi = preds[start];
        let mut d = if deg >= 2 { preds[start + 1] } else { semi };
        while d > semi {
            d = idom[d as usize];
        }
        idom[i] = d;
        start += deg;
    }
    drop(preds);
    drop(degrees);
    ab.truncate(r);
    ab.shrink_to_fit();

    progress(0.95);
    let mut idom_out = vec![NO_IDX; n];
    for (&v, &d) in vertex.iter().zip(ab.iter()) {
        idom_out[v as usize] = vertex[d as usize];
    }
    drop(ab);
    progress(1.0);
    DominatorTree {
        idom: idom_out,
        preorder: vertex,
    }
}

/// Predecessor-list lengths by preorder number, one byte each; 255 or more in a side table
/// (read in order, forwards or backwards, so no search is needed).
struct Degrees {
    small: Vec<u8>,
    /// (number, length) of the lists of 255 entries or more, by number.
    big: Vec<(u32, u32)>,
}

impl Degrees {
    fn with_capacity(r: usize) -> Self {
        Degrees {
            small: Vec::with_capacity(r),
            big: Vec::new(),
        }
    }
    fn push(&mut self, d: u32) {
        if d < u8::MAX as u32 {
            self.small.push(d as u8);
        } else {
            self.big.push((self.small.len() as u32, d));
            self.small.push(u8::MAX);
        }
    }
    fn backward(&self) -> DegreeCursor {
        DegreeCursor {
            big: self.big.len(),
            forward: false,
        }
    }
    fn forward(&self) -> DegreeCursor {
        DegreeCursor {
            big: 0,
            forward: true,
        }
    }
}

/// A position in [`Degrees::big`] for a pass over the numbers in one direction.
struct DegreeCursor {
    big: usize,
    forward: bool,
}

impl DegreeCursor {
    /// The length of list `i`; `i` must follow the previous call's in this cursor's direction.
    #[inline]
    fn next(&mut self, d: &Degrees, i: usize) -> u32 {
        match d.small[i] {
            u8::MAX => {
                let e = if self.forward {
                    self.big += 1;
                    d.big[self.big - 1]
                } else {
                    self.big -= 1;
                    d.big[self.big]
                };
                debug_assert_eq!(e.0 as usize, i);
                e.1
            }
            s => s as u32,
        }
    }
}

/// The DFS parents in preorder, as LEB128 differences `number - parent`.
#[derive(Default)]
struct ParentStream {
    bytes: Vec<u8>,
}

impl ParentStream {
    fn push(&mut self, mut delta: u32) {
        while delta >= 0x80 {
            self.bytes.push(delta as u8 | 0x80);
            delta >>= 7;
        }
        self.bytes.push(delta as u8);
    }
    /// Calls `f(number, delta)` for every number in order.
    fn for_each(&self, mut f: impl FnMut(u32, u32)) {
        let (mut i, mut delta, mut shift) = (0u32, 0u32, 0u32);
        for &b in &self.bytes {
            delta |= ((b & 0x7F) as u32) << shift;
            if b & 0x80 == 0 {
                f(i, delta);
                i += 1;
                (delta, shift) = (0, 0);
            } else {
                shift += 7;
            }
        }
    }
}

/// Lengauer–Tarjan `eval` for a linked node `v` (`v > i`): the minimum semidominator on the
/// ancestor path from `v` up to, excluding, the first unlinked node (`<= i`), compressing
/// that path. `ab[2x], ab[2x + 1] = anc, best`.
#[inline]
fn eval(ab: &mut [u32], v: u32, i: u32) -> u32 {
    let (a, b) = (ab[2 * v as usize], ab[2 * v as usize + 1]);
    if a <= i {
        b
    } else {
        eval_compress(ab, v, i)
    }
}

/// Slow path of [`eval`], iterative: walk up reversing the `anc` pointers (so the way back is
/// known without a stack), then walk back down propagating the minimum and pointing every
/// node at the path's unlinked root. The path's top node keeps its pointer, as in the
/// recursive formulation.
#[inline(never)]
fn eval_compress(ab: &mut [u32], v: u32, i: u32) -> u32 {
    let mut prev = NO_IDX;
    let mut x = v;
    loop {
        let a = ab[2 * x as usize];
        if a <= i {
            break;
        }
        ab[2 * x as usize] = prev;
        prev = x;
        x = a;
    }
    let (root, mut b) = (ab[2 * x as usize], ab[2 * x as usize + 1]);
    while prev != NO_IDX {
        let p = 2 * prev as usize;
        prev = ab[p];
        if b < ab[p + 1] {
            ab[p + 1] = b;
        } else {
            b = ab[p + 1];
        }
        ab[p] = root;
    }
    b
}

/// Retained size and retained object count of every node by one bottom-up pass over
/// `tree.preorder` in reverse: retained[v] = shallow[v] + sum retained[children]. Unreachable
/// nodes get 0. Returns (retained_bytes, retained_objects).
pub fn retained_sizes(tree: &DominatorTree, shallow: impl Fn(u32) -> u64) -> (Vec<u64>, Vec<u32>) {
    let n = tree.idom.len();
    let mut bytes = vec![0u64; n];
    let mut objects = vec![0u32; n];
    // Reverse preorder visits every node after all nodes it dominates.
    for &v in tree.preorder.iter().rev() {
        let vi = v as usize;
        let b = bytes[vi] + shallow(v);
        let c = objects[vi] + 1;
        bytes[vi] = b;
        objects[vi] = c;
        let d = tree.idom[vi];
        if d != v {
            bytes[d as usize] += b;
            objects[d as usize] += c;
        }
    }
    (bytes, objects)
}
