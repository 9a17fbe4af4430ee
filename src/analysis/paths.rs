//! Paths from GC roots to objects, and MAT's "merge shortest paths".
//!
//! [`PathFinder`] runs one breadth-first search from the virtual super-root over the forward
//! edges (implicit class edge, thread stack locals, fields, array elements, class links and
//! statics) and keeps one `u32` parent per node (4 bytes per object; the BFS queue holds the
//! frontier only, and is freed when the search ends). The parent pointers form a
//! shortest-path tree: the shortest path of any object is read by walking its parents.
//!
//! **Lazy search** ([`PathIndex::lazy`], the page's): the search runs only as far as the
//! queries need, resumed by a query about an object it has not reached; the leak suspects'
//! paths sit among its first few thousand nodes, so they no longer wait for the whole heap's
//! search. Same answers, same parents as the whole search ([`PathIndex::new`], the CLI's, built
//! beside the dominator tree on a second thread).
//!
//! **Excluded edges** (unless [`PathOptions::include_weak`]), as MAT's defaults for paths and
//! leak suspects: the `referent` field of every instance of `java.lang.ref.Reference` and its
//! subclasses (weak, soft, phantom and final references, `ThreadLocalMap$Entry`,
//! `WeakHashMap$Entry`, `Finalizer`…), and the static `unfinalized` of
//! `java.lang.ref.Finalizer` (MAT's third default, `java.lang.Runtime.<Unfinalized>`, is a
//! pseudo-field MAT invents for IBM dumps; HPROF has nothing like it). These edges still count
//! for the dominator tree (MAT semantics); an object reachable only through them has no path.
//!
//! **Orientation**: every [`Path`] lists its steps **root first, object last**. `steps[0]` is
//! the GC root object; `steps[i].field` names the reference from `steps[i - 1]` to `steps[i]`
//! (`table[13]`, `value`, `<static> INSTANCE`, `<Java Local>`, `<class>`…); the root's own
//! `field` is `<GC root>`.
//!
//! **Stack locals**: as in the dominator tree, a ROOT JAVA FRAME / JNI LOCAL whose thread is
//! known hangs off its thread (edge label `<Java Local>`), so such a path starts at the thread
//! object (the ROOT THREAD OBJECT) and its second step is the local. Its `root_kind` is then
//! `"Java Local"` (or `"JNI Local"`) and `root_detail` names the frame:
//! `Java Local in com.example.Foo.run(Foo.java:42) of thread "worker-1"`.
//!
//! **Several paths** ([`PathFinder::paths`]): the shortest path, then alternatives that
//! *deviate from the shortest path as close to the object as possible*: for each node `v` of the
//! shortest path (the object first, then its referrer, and so on up to the root) and each other
//! referrer `q` of `v` (a reference not used by the shortest path), the candidate is the
//! shortest path to `q` followed by the shortest path's tail from `v` (candidates that would
//! visit a node twice are dropped). So two returned paths always differ in their *last
//! deviation point* (the first differing node seen from the object). Candidates are ordered by
//! length, then by how close to the object they deviate; paths from a GC root not used by an
//! earlier path are taken first, so `k` paths show as many different roots as exist.

use super::threads::thread_name;
use crate::graph::{java_class_name, ClassKind, Dominance, EdgeLabel, HeapGraph, Node, NO_NODE};
use crate::hprof::{Id, RootKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Options of a [`PathFinder`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathOptions {
    /// Follow `Reference.referent` and `Finalizer.unfinalized` too (MAT excludes them).
    pub include_weak: bool,
}

/// One object on a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStep {
    pub node: Node,
    /// `0x…`
    pub object_id: String,
    /// Class name; `class com.example.Foo` for a class object.
    pub class: String,
    /// How the previous step references this one (`table[13]`, `value`, `<static> INSTANCE`,
    /// `<Java Local>`); `<GC root>` for the first step.
    pub field: String,
}

/// A reference chain from a GC root to an object: `steps` root first, object last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Path {
    pub steps: Vec<PathStep>,
    /// The root's kind, serialized as MAT's name: `Thread`, `Java Local`, `System Class`,
    /// `JNI Global`, `Busy Monitor`, … (`Java Local` when the path goes thread →
    /// `<Java Local>`; `Unknown` when the first node is not a recorded GC root).
    #[serde(
        serialize_with = "RootKind::serialize_label",
        deserialize_with = "RootKind::deserialize_label"
    )]
    pub root_kind: RootKind,
    /// Plain description of the root: `thread "main"`,
    /// `Java Local in com.example.Foo.run(Foo.java:42) of thread "worker-1"`,
    /// `static field INSTANCE of com.example.Registry`, `JNI Global reference to …`.
    pub root_detail: String,
}

impl Path {
    pub fn len(&self) -> usize {
        self.steps.len()
    }
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
    /// The object the path leads to.
    pub fn target(&self) -> Option<Node> {
        self.steps.last().map(|s| s.node)
    }
    /// The field labels joined by `.` from step `from` (exclusive) to the end: the reference
    /// chain `from` holds the target through (`m_queue`, `table[3].value`).
    pub fn fields_after(&self, from: usize) -> String {
        let mut out = String::new();
        for s in self.steps.iter().skip(from + 1) {
            if !out.is_empty() && !s.field.starts_with('[') {
                out.push('.');
            }
            out.push_str(&s.field);
        }
        out
    }
}

/// Referrers of a path's objects [`PathFinder::paths`] collects at most (each gives one
/// alternative path).
pub(crate) const MAX_REFERRERS: usize = 2000;
/// Words of `ordered_paths`' filter of the path's nodes (65,536 bits).
const FILTER_WORDS: usize = 1024;
/// Nodes `ordered_paths` scans for referrers at a time.
const SCAN_BLOCK: usize = 1 << 16;

/// A page of the paths to one object ([`PathFinder::paths_page`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathsPage {
    pub offset: u64,
    /// Paths known in all (the shortest plus one per other referrer of the shortest path's
    /// objects, without cycles).
    pub total: u64,
    /// False when the scan stopped at [`MAX_REFERRERS`] referrers: more paths exist.
    pub complete: bool,
    pub paths: Vec<Path>,
}

/// One node of a [`MergedPaths`] tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedNode {
    pub node: Node,
    pub object_id: String,
    pub class: String,
    /// Reference from the parent node (`<GC root>` for roots).
    pub field: String,
    /// Distance from the root (roots: 0).
    pub depth: u32,
    /// How many of the objects have their shortest path through this node (itself included).
    pub count: u64,
    /// How many of the objects are this node itself.
    pub objects: u64,
    /// Index of the parent in [`MergedPaths::nodes`] (`None` for roots).
    pub parent: Option<u32>,
    /// Indices of the children in [`MergedPaths::nodes`], largest `count` first.
    pub children: Vec<u32>,
    /// For roots: the root's kind, serialized as MAT's label (`Thread`, `System Class`…).
    #[serde(serialize_with = "RootKind::serialize_label_opt")]
    pub root_kind: Option<RootKind>,
}

/// MAT's "merge shortest paths to GC roots" of a set of objects: the union of their shortest
/// paths as a tree growing from the GC roots, each node counting the objects below it. Stored
/// flat (indices), so even a 100,000-deep linked list serializes without recursion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MergedPaths {
    /// Objects asked for.
    pub requested: u64,
    /// Objects considered (at most the limit).
    pub considered: u64,
    /// Considered objects without a path (unreachable, or reachable only through excluded
    /// weak references).
    pub without_path: u64,
    /// Tree nodes in depth-first pre-order (a parent precedes its children).
    pub nodes: Vec<MergedNode>,
    /// Indices of the root nodes, largest `count` first.
    pub roots: Vec<u32>,
}

impl MergedPaths {
    /// MAT's accumulation point of the objects: descend from the roots while one child carries
    /// more than `fraction` (MAT: 0.8) of the objects that have a path; the deepest such node.
    /// Never walks down a chain of one class (a linked list's nodes): when the next node has the
    /// current one's class, the answer is the chain's owner (the parent of its first node), not
    /// its 46,000th node.
    pub fn accumulation_point(&self, fraction: f64) -> Option<u32> {
        let total = self.considered - self.without_path;
        if total == 0 {
            return None;
        }
        let need = fraction * total as f64;
        let mut best = None;
        let mut level: &[u32] = &self.roots;
        while let Some(&top) = level.first() {
            let n = &self.nodes[top as usize];
            if (n.count as f64) <= need {
                break;
            }
            if let Some(bi) = best {
                let b: &MergedNode = &self.nodes[bi as usize];
                if b.class == n.class && !n.class.starts_with("class ") {
                    // `b` starts a chain: answer its owner.
                    best = b.parent.or(best);
                    break;
                }
            }
            best = Some(top);
            level = &n.children;
        }
        best
    }
}

/// Excluded edges, precomputed per class.
struct Exclusions {
    /// Per class index: the reference index (edge slot order) of `referent`, or `u32::MAX`.
    instance_ref: Vec<u32>,
    /// (class-object node, edge index) of excluded static fields.
    statics: Vec<(Node, u32)>,
}

impl Exclusions {
    fn new(g: &HeapGraph, include_weak: bool) -> Exclusions {
        let mut instance_ref = vec![u32::MAX; g.classes.len()];
        let mut statics = Vec::new();
        if include_weak {
            return Exclusions {
                instance_ref,
                statics,
            };
        }
        for (i, c) in g.classes.iter().enumerate() {
            if c.kind != ClassKind::Instance {
                continue;
            }
            if is_subclass_of(g, i as u32, "java.lang.ref.Reference") {
                if let Some(f) = g.field_slot(i as u32, "referent") {
                    instance_ref[i] = f.ref_index;
                }
            }
            if c.name == "java.lang.ref.Finalizer" && c.node != NO_NODE {
                if let Some(pos) = c
                    .statics
                    .iter()
                    .position(|s| g.symbol(s.name) == "unfinalized")
                {
                    statics.push((c.node, 4 + pos as u32));
                }
            }
        }
        Exclusions {
            instance_ref,
            statics,
        }
    }

    /// Index of the excluded edge of `v` (field reference index / class-link index), if any.
    #[inline]
    fn excluded_index(&self, g: &HeapGraph, v: Node) -> Option<u32> {
        let r = self.instance_ref[g.class_index(v) as usize];
        if r != u32::MAX {
            return Some(r);
        }
        if !self.statics.is_empty() {
            return self.statics.iter().find(|s| s.0 == v).map(|s| s.1);
        }
        None
    }

    fn is_excluded_label(&self, g: &HeapGraph, from: Node, label: &EdgeLabel) -> bool {
        match label {
            EdgeLabel::Field(n) if n == "referent" => {
                self.instance_ref[g.class_index(from) as usize] != u32::MAX
            }
            EdgeLabel::Static(n) if n == "unfinalized" => self.statics.iter().any(|s| s.0 == from),
            _ => false,
        }
    }
}

/// Whether class `c` is `name` or a subclass of it.
pub(crate) fn is_subclass_of(g: &HeapGraph, mut c: u32, name: &str) -> bool {
    let mut depth = 0;
    while (c as usize) < g.classes.len() && depth < 64 {
        if g.classes[c as usize].name == name {
            return true;
        }
        c = g.classes[c as usize].super_class;
        depth += 1;
    }
    false
}

/// Nodes of the breadth-first search's queue read at a time ([`PathIndex::new`]).
const BFS_BATCH: usize = 256;

/// The result of the one BFS a [`PathFinder`] needs, owned and without a borrow of the graph:
/// a long-lived holder (the web worker, which keeps the graph for the whole session) keeps the
/// index beside the graph and borrows a finder per call ([`PathIndex::finder`]).
///
/// [`PathIndex::new`] runs the search to the end; [`PathIndex::lazy`] only as far as the
/// queries need (see there). Either answers every query the same.
pub struct PathIndex {
    opts: PathOptions,
    excl: Exclusions,
    /// The search's state, advanced by queries of a lazy index (a lock, not a `RefCell`: the
    /// report's analyses share one index across two threads).
    search: Mutex<Search>,
    /// A lazy index's bit per node: reachable through any reference (the dominator tree's
    /// objects). The search's edges are among those, so an object without the bit has no path
    /// and is answered without running the search to the end. Empty for a whole search.
    reachable: Vec<u64>,
    /// Thread serial → stack trace serial.
    trace_of_thread: HashMap<u32, u32>,
    /// LOAD CLASS serial → class name id.
    class_name_of_serial: HashMap<u32, Id>,
}

/// The breadth-first search from the GC roots, as far as it has run.
struct Search {
    /// BFS parent of each node (`NO_NODE`: none found yet, or none at all once `done`); the
    /// super-root's parent is itself.
    parent: Vec<Node>,
    /// The frontier only (a `Vec` read with a moving head would hold 4 bytes per node to the
    /// end: at 150 M objects, part of the analyses' peak next to `parent`).
    queue: crate::graph::BlockFifo,
    /// The queue ran empty: every node with a path has its parent.
    done: bool,
}

impl Search {
    fn start(g: &HeapGraph) -> Search {
        let n = g.node_count();
        let sr = g.super_root();
        let mut parent = vec![NO_NODE; n + 1];
        parent[n] = sr;
        let mut queue = crate::graph::BlockFifo::new();
        for &r in g.root_nodes() {
            if parent[r.index()] == NO_NODE {
                parent[r.index()] = sr;
                queue.push(r.get());
            }
        }
        Search {
            parent,
            queue,
            done: false,
        }
    }

    /// Runs the search until `until` has its parent (`None`: to the end).
    ///
    /// The queue is read in batches, each in four sweeps: a read of the nodes' class and
    /// degree entries, their classes and edge runs, a read of every target's `parent` entry,
    /// then the visits in order. The nodes after the first in a batch are known before it is
    /// visited, so the sweeps' reads (a cache miss each, on a big heap) are independent and
    /// overlap; visited one at a time, each node's reads waited for the last node's. The
    /// visits, and so the parents chosen, are those of the one-at-a-time search: what a batch
    /// discovers goes behind it in the queue either way; and a search stopped after a batch
    /// and resumed later visits what the uninterrupted one would.
    fn run(&mut self, g: &HeapGraph, excl: &Exclusions, until: Option<Node>) {
        let Search {
            parent,
            queue,
            done,
        } = self;
        let mut popped: Vec<Node> = Vec::with_capacity(BFS_BATCH);
        let mut batch: Vec<(Node, Node, Option<u32>, &[u32])> = Vec::with_capacity(BFS_BATCH);
        while !*done && until.is_none_or(|t| parent[t.index()] == NO_NODE) {
            popped.clear();
            while popped.len() < BFS_BATCH {
                let Some(v) = queue.pop() else { break };
                popped.push(Node::new(v));
            }
            if popped.is_empty() {
                *done = true;
                break;
            }
            let touched = popped.iter().fold(0, |acc, &v| acc ^ g.touch(v));
            std::hint::black_box(touched);
            batch.clear();
            batch.extend(popped.iter().map(|&v| {
                let class = g.class_node(v).unwrap_or(NO_NODE);
                (v, class, excl.excluded_index(g, v), g.edge_targets(v))
            }));
            let touched = batch.iter().fold(0u32, |acc, &(_, _, _, targets)| {
                targets.iter().fold(acc, |acc, &t| {
                    acc ^ parent.get(t as usize).map_or(0, |p| p.get())
                })
            });
            std::hint::black_box(touched);
            for &(v, class, skip, targets) in &batch {
                let mut visit = |w: Node| {
                    if parent[w.index()] == NO_NODE {
                        parent[w.index()] = v;
                        queue.push(w.get());
                    }
                };
                if class != NO_NODE {
                    visit(class);
                }
                match skip {
                    None => targets.iter().for_each(|&t| visit(Node::new(t))),
                    Some(skip) => g
                        .indexed_edges(v)
                        .filter(|&(_, idx)| idx != skip)
                        .for_each(|(t, _)| visit(t)),
                }
            }
        }
        if *done {
            // The frontier's blocks are no longer needed.
            *queue = crate::graph::BlockFifo::new();
        }
    }
}

/// A [`PathFinder`]'s index: its own, or borrowed from a longer-lived holder.
enum IndexRef<'g> {
    Owned(Box<PathIndex>),
    Borrowed(&'g PathIndex),
}

impl std::ops::Deref for IndexRef<'_> {
    type Target = PathIndex;
    fn deref(&self) -> &PathIndex {
        match self {
            IndexRef::Owned(i) => i,
            IndexRef::Borrowed(i) => i,
        }
    }
}

/// Shortest paths from the GC roots (see the module docs).
pub struct PathFinder<'g> {
    g: &'g HeapGraph,
    idx: IndexRef<'g>,
}

impl PathIndex {
    /// One BFS over the whole graph: O(nodes + edges) time, 4 bytes per node kept (and the
    /// BFS frontier while it runs).
    pub fn new(g: &HeapGraph, opts: PathOptions) -> PathIndex {
        let index = PathIndex::started(g, opts, Vec::new());
        index.lock().run(g, &index.excl, None);
        index
    }

    /// An index whose search runs only as far as its queries need: a query about a node the
    /// search has not reached yet resumes it until the node is found. `d` (the dominator tree
    /// of `g`) says which objects no reference reaches: those are answered "no path" at once;
    /// one reachable only through a weak reference runs the search to the end. A leak
    /// suspect's shortest path, and its other referrers', are usually found among the first
    /// nodes of the search (a few thousand of 16–25 M on the bench's dumps), so the suspects no
    /// longer wait for a search of the whole heap. The answers are [`PathIndex::new`]'s, the
    /// parents chosen the same; the rest of the search runs in the first query that needs it.
    pub fn lazy(g: &HeapGraph, d: &Dominance, opts: PathOptions) -> PathIndex {
        let n = g.node_count();
        let mut reachable = vec![0u64; n.div_ceil(64)];
        for (i, word) in reachable.iter_mut().enumerate() {
            for b in 0..64.min(n - i * 64) {
                *word |= (d.is_reachable(Node::new((i * 64 + b) as u32)) as u64) << b;
            }
        }
        PathIndex::started(g, opts, reachable)
    }

    fn started(g: &HeapGraph, opts: PathOptions, reachable: Vec<u64>) -> PathIndex {
        PathIndex {
            opts,
            excl: Exclusions::new(g, opts.include_weak),
            search: Mutex::new(Search::start(g)),
            reachable,
            trace_of_thread: g
                .meta
                .traces
                .values()
                .map(|t| (t.thread_serial, t.serial))
                .collect(),
            class_name_of_serial: g
                .meta
                .load_classes
                .iter()
                .map(|l| (l.serial, l.name_id))
                .collect(),
        }
    }

    /// The search; a panic while it ran leaves it consistent up to its last whole batch.
    fn lock(&self) -> std::sync::MutexGuard<'_, Search> {
        self.search.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The BFS parent of `v` (`NO_NODE`: no path), the search run as far as that needs.
    fn parent_of(&self, g: &HeapGraph, v: Node) -> Node {
        let mut s = self.lock();
        let unreached = || {
            self.reachable
                .get(v.index() / 64)
                .map(|w| w >> (v.index() % 64) & 1 == 0)
        };
        if s.parent[v.index()] == NO_NODE && !s.done && unreached() != Some(true) {
            s.run(g, &self.excl, Some(v));
        }
        s.parent[v.index()]
    }

    /// A finder over `g`, which must be the graph this index was built from (the index holds
    /// one entry per node of that graph).
    pub fn finder<'g>(&'g self, g: &'g HeapGraph) -> PathFinder<'g> {
        debug_assert_eq!(
            self.lock().parent.len(),
            g.node_count() + 1,
            "index of another graph"
        );
        PathFinder {
            g,
            idx: IndexRef::Borrowed(self),
        }
    }
}

impl<'g> PathFinder<'g> {
    /// One BFS over the whole graph: O(nodes + edges) time, 4 bytes per node kept.
    pub fn new(g: &'g HeapGraph, opts: PathOptions) -> PathFinder<'g> {
        PathFinder {
            g,
            idx: IndexRef::Owned(Box::new(PathIndex::new(g, opts))),
        }
    }

    pub(crate) fn graph(&self) -> &'g HeapGraph {
        self.g
    }
    pub(crate) fn options(&self) -> PathOptions {
        self.idx.opts
    }
    /// Whether `node` has a path from a GC root (under this finder's options).
    pub fn has_path(&self, node: Node) -> bool {
        node.index() < self.g.node_count() && self.idx.parent_of(self.g, node) != NO_NODE
    }
    /// The BFS-tree parent of `node` (`None` for roots and objects without a path).
    pub(crate) fn parent(&self, node: Node) -> Option<Node> {
        if node.index() >= self.g.node_count() {
            return None;
        }
        match self.idx.parent_of(self.g, node) {
            p if p != NO_NODE && p != self.g.super_root() => Some(p),
            _ => None,
        }
    }
    /// Length in references of the shortest path (root = 1), `None` without a path.
    pub fn depth(&self, node: Node) -> Option<u32> {
        if !self.has_path(node) {
            return None;
        }
        let mut d = 1;
        let mut v = node;
        while let Some(p) = self.parent(v) {
            v = p;
            d += 1;
        }
        Some(d)
    }
    /// The index's bytes: the parents, and a lazy index's reachability bits.
    pub fn heap_bytes(&self) -> usize {
        self.idx.lock().parent.capacity() * 4 + self.idx.reachable.capacity() * 8
    }

    /// Nodes of the shortest path, root first.
    pub(crate) fn path_nodes(&self, node: Node) -> Option<Vec<Node>> {
        if !self.has_path(node) {
            return None;
        }
        let mut out = vec![node];
        let mut v = node;
        while let Some(p) = self.parent(v) {
            out.push(p);
            v = p;
        }
        out.reverse();
        Some(out)
    }

    /// The shortest path from a GC root to `node` (root first), `None` if there is none.
    pub fn shortest_path(&self, node: Node) -> Option<Path> {
        self.path_nodes(node).map(|nodes| self.make_path(&nodes))
    }

    /// Up to `k` paths to `node`: the shortest first, then alternatives as defined in the
    /// module docs (each deviates from the shortest path at a different place or through a
    /// different referrer). Costs one scan of all edges when `k > 1`.
    pub fn paths(&self, node: Node, k: usize) -> Vec<Path> {
        match k {
            0 => Vec::new(),
            1 => self.shortest_path(node).into_iter().collect(),
            _ => self
                .ordered_paths(node)
                .0
                .iter()
                .take(k)
                .map(|p| self.make_path(p))
                .collect(),
        }
    }

    /// Paths `offset..offset + limit` of [`paths`](Self::paths)' order ("more paths" beyond
    /// the first few), with how many there are. The order does not depend on the page: page
    /// `k` of size `n` is `paths(node, (k + 1) n)[k n..]`. Costs one scan of all edges.
    pub fn paths_page(&self, node: Node, offset: u64, limit: usize) -> PathsPage {
        let (all, complete) = self.ordered_paths(node);
        let start = offset.min(all.len() as u64) as usize;
        let end = start.saturating_add(limit).min(all.len());
        PathsPage {
            offset,
            total: all.len() as u64,
            complete,
            paths: all[start..end].iter().map(|p| self.make_path(p)).collect(),
        }
    }

    /// Every path [`paths`](Self::paths) would list, in its order, as node lists; and whether
    /// all referrers were scanned (false past [`MAX_REFERRERS`]).
    fn ordered_paths(&self, node: Node) -> (Vec<Vec<Node>>, bool) {
        let Some(shortest) = self.path_nodes(node) else {
            return (Vec::new(), true);
        };
        let g = self.g;
        // Positions of the shortest path's nodes.
        let mut pos: Vec<(Node, usize)> =
            shortest.iter().enumerate().map(|(i, &v)| (v, i)).collect();
        pos.sort_unstable();
        let find = |w: Node| pos.binary_search_by_key(&w, |e| e.0).ok().map(|i| pos[i].1);
        // Referrers (q, position) with q not the shortest path's own predecessor.
        let mut refs: Vec<(Node, usize)> = Vec::new();
        let mut complete = true;
        // Most references point at none of the path's nodes: a bit per (node mod 65,536)
        // turns them away before the search (8 KiB, in the first-level cache).
        let mut maybe = vec![0u64; FILTER_WORDS];
        for &v in &shortest {
            maybe[(v.get() as usize >> 6) % FILTER_WORDS] |= 1 << (v.get() & 63);
        }
        let on_path = |t: u32| maybe[(t as usize >> 6) % FILTER_WORDS] & (1 << (t & 63)) != 0;
        // The classes whose class object is on the path: their instances refer to it (none
        // marked: no scan of the class column).
        let mut class_hit: Vec<bool> = g.classes.iter().map(|c| find(c.node).is_some()).collect();
        if !class_hit.contains(&true) {
            class_hit.clear();
        }
        // The objects that may refer to the path, a block of nodes at a time (so that a path
        // with many referrers stops at `MAX_REFERRERS` without collecting them all), each
        // then read as a whole, in node order.
        let mut candidates = Vec::new();
        'scan: for start in (0..g.node_count()).step_by(SCAN_BLOCK) {
            candidates.clear();
            g.nodes_referring(
                start..start + SCAN_BLOCK,
                on_path,
                &class_hit,
                &mut candidates,
            );
            for &q in &candidates {
                // Whether `q` has a path is asked only of a referrer (a lazy index's search
                // runs on only for those).
                let mut consider = |t: Node| {
                    if let Some(i) = find(t) {
                        if (i == 0 || shortest[i - 1] != q) && self.has_path(q) {
                            refs.push((q, i));
                        }
                    }
                };
                if let Some(c) = g.class_node(q) {
                    consider(c);
                }
                match self.idx.excl.excluded_index(g, q) {
                    None => g
                        .edge_targets(q)
                        .iter()
                        .filter(|&&t| on_path(t))
                        .for_each(|&t| consider(Node::new(t))),
                    Some(skip) => g
                        .indexed_edges(q)
                        .filter(|&(_, idx)| idx != skip)
                        .for_each(|(t, _)| consider(t)),
                }
                if refs.len() >= MAX_REFERRERS {
                    complete = q.index() + 1 == g.node_count();
                    break 'scan;
                }
            }
        }
        refs.sort_unstable();
        refs.dedup();
        // Candidates: path(q) ++ shortest[i..].
        let mut cands: Vec<(usize, usize, Vec<Node>)> = Vec::new();
        for &(q, i) in &refs {
            let Some(mut p) = self.path_nodes(q) else {
                continue;
            };
            let tail = &shortest[i..];
            if p.iter().any(|v| tail.contains(v)) {
                continue;
            }
            p.extend_from_slice(tail);
            cands.push((p.len(), shortest.len() - i, p));
        }
        cands.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        // Paths from a GC root not used by an earlier path first, then the rest in order.
        let mut roots: Vec<Node> = vec![shortest[0]];
        let mut chosen: Vec<Vec<Node>> = vec![shortest];
        let mut taken = vec![false; cands.len()];
        for pass in 0..2 {
            for (ci, c) in cands.iter().enumerate() {
                if taken[ci] || (pass == 0 && roots.contains(&c.2[0])) {
                    continue;
                }
                taken[ci] = true;
                roots.push(c.2[0]);
                chosen.push(c.2.clone());
            }
        }
        (chosen, complete)
    }

    /// MAT's "merge shortest paths to GC roots" for `objects` (the first `limit` of them;
    /// `limit == 0` means all). Linear in the number of distinct nodes on the paths.
    pub fn merge_paths(&self, objects: &[Node], limit: usize) -> MergedPaths {
        let g = self.g;
        let take = if limit == 0 {
            objects.len()
        } else {
            objects.len().min(limit)
        };
        let mut out = MergedPaths {
            requested: objects.len() as u64,
            considered: take as u64,
            ..Default::default()
        };
        // Arena of touched nodes: (node, parent arena index or MAX, depth, count, objects).
        let mut index: HashMap<Node, u32> = HashMap::new();
        let mut arena: Vec<(Node, u32, u32, u64, u64)> = Vec::new();
        let mut chain: Vec<Node> = Vec::new();
        for &o in &objects[..take] {
            if !self.has_path(o) {
                out.without_path += 1;
                continue;
            }
            if let Some(&a) = index.get(&o) {
                arena[a as usize].4 += 1;
                continue;
            }
            // Climb to an already-touched node or a root.
            chain.clear();
            let mut v = o;
            let mut join: Option<u32> = None;
            loop {
                chain.push(v);
                match self.parent(v) {
                    None => break,
                    Some(p) => {
                        if let Some(&a) = index.get(&p) {
                            join = Some(a);
                            break;
                        }
                        v = p;
                    }
                }
            }
            let (mut parent_idx, mut depth) = match join {
                Some(a) => (a, arena[a as usize].2 + 1),
                None => (u32::MAX, 0),
            };
            for &w in chain.iter().rev() {
                let a = arena.len() as u32;
                arena.push((w, parent_idx, depth, 0, 0));
                index.insert(w, a);
                parent_idx = a;
                depth += 1;
            }
            arena[index[&o] as usize].4 += 1;
        }
        // Counts bottom-up.
        let mut order: Vec<u32> = (0..arena.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| arena[b as usize].2.cmp(&arena[a as usize].2));
        for &a in &order {
            let (_, p, _, c, own) = arena[a as usize];
            let total = c + own;
            arena[a as usize].3 = total;
            if p != u32::MAX {
                arena[p as usize].3 += total;
            }
        }
        // Children lists, then a pre-order layout.
        let mut kids: Vec<Vec<u32>> = vec![Vec::new(); arena.len()];
        let mut tops: Vec<u32> = Vec::new();
        for (a, e) in arena.iter().enumerate() {
            if e.1 == u32::MAX {
                tops.push(a as u32);
            } else {
                kids[e.1 as usize].push(a as u32);
            }
        }
        let by_count = |v: &mut Vec<u32>| {
            v.sort_by(|&x, &y| {
                arena[y as usize]
                    .3
                    .cmp(&arena[x as usize].3)
                    .then(x.cmp(&y))
            })
        };
        by_count(&mut tops);
        for k in kids.iter_mut() {
            by_count(k);
        }
        let mut new_index = vec![u32::MAX; arena.len()];
        let root_label = EdgeLabel::Root.to_string();
        let mut stack: Vec<(u32, Option<u32>, String)> = tops
            .iter()
            .rev()
            .map(|&t| (t, None, root_label.clone()))
            .collect();
        while let Some((a, parent, field)) = stack.pop() {
            let (node, _, depth, count, own) = arena[a as usize];
            let ni = out.nodes.len() as u32;
            new_index[a as usize] = ni;
            let root_kind = parent.is_none().then(|| self.root_of(node, None).0);
            out.nodes.push(MergedNode {
                node,
                object_id: hex(g.id(node)),
                class: g.display_class(node),
                field,
                depth,
                count,
                objects: own,
                parent,
                children: Vec::new(),
                root_kind,
            });
            if let Some(p) = parent {
                out.nodes[p as usize].children.push(ni);
            }
            let kid_nodes: Vec<Node> = kids[a as usize]
                .iter()
                .map(|&c| arena[c as usize].0)
                .collect();
            let labels = self.edge_labels(node, &kid_nodes);
            for (&c, label) in kids[a as usize].iter().zip(labels).rev() {
                stack.push((c, Some(ni), label));
            }
        }
        out.roots = tops.iter().map(|&t| new_index[t as usize]).collect();
        out
    }

    /// Labels of the references `from → to` for several targets, with one walk of `from`'s
    /// edges (a 100,000-element array is walked once, not once per target).
    pub(crate) fn edge_labels(&self, from: Node, targets: &[Node]) -> Vec<String> {
        if targets.len() <= 1 {
            return targets.iter().map(|&t| self.edge_label(from, t)).collect();
        }
        let mut want: HashMap<Node, Option<String>> = targets.iter().map(|&t| (t, None)).collect();
        for (t, l) in self.g.labelled_edges(from) {
            if let Some(slot @ None) = want.get_mut(&t) {
                if !self.idx.excl.is_excluded_label(self.g, from, &l) {
                    *slot = Some(l.to_string());
                }
            }
        }
        targets
            .iter()
            .map(|t| want.get(t).cloned().flatten().unwrap_or_else(|| "?".into()))
            .collect()
    }

    /// The label of the (first non-excluded) reference `from → to`.
    pub(crate) fn edge_label(&self, from: Node, to: Node) -> String {
        if from == self.g.super_root() {
            return EdgeLabel::Root.to_string();
        }
        self.g
            .labelled_edges(from)
            .into_iter()
            .find(|(t, l)| *t == to && !self.idx.excl.is_excluded_label(self.g, from, l))
            .map(|(_, l)| l.to_string())
            .unwrap_or_else(|| "?".into())
    }

    fn make_path(&self, nodes: &[Node]) -> Path {
        let g = self.g;
        let steps: Vec<PathStep> = nodes
            .iter()
            .enumerate()
            .map(|(i, &v)| PathStep {
                node: v,
                object_id: hex(g.id(v)),
                class: g.display_class(v),
                field: if i == 0 {
                    EdgeLabel::Root.to_string()
                } else {
                    self.edge_label(nodes[i - 1], v)
                },
            })
            .collect();
        let next = steps.get(1).map(|s| (s.node, s.field.as_str()));
        let (root_kind, root_detail) = self.root_of(nodes[0], next);
        Path {
            steps,
            root_kind,
            root_detail,
        }
    }

    /// Root kind label and description of root `r`; `next` is the path's second step (node,
    /// field label), which refines stack locals and static fields.
    pub(crate) fn root_of(&self, r: Node, next: Option<(Node, &str)>) -> (RootKind, String) {
        let g = self.g;
        if let Some((local, "<Java Local>")) = next {
            if let Some(rr) = g.roots.iter().find(|x| {
                x.node == local
                    && x.thread_node == r
                    && matches!(x.kind, RootKind::JavaFrame | RootKind::JniLocal)
            }) {
                let frame = match (rr.thread_serial, rr.frame) {
                    (Some(s), Some(f)) => self.frame_text(s, f),
                    _ => None,
                };
                let thread = self.thread_label(r);
                let detail = match frame {
                    Some(f) => format!("{} in {f} of {thread}", rr.kind.label()),
                    None => format!("{} of {thread}", rr.kind.label()),
                };
                return (rr.kind, detail);
            }
            return (
                RootKind::JavaFrame,
                format!("Java Local of {}", self.thread_label(r)),
            );
        }
        // The most telling of the node's own root records.
        const PRIORITY: &[RootKind] = &[
            RootKind::ThreadObject,
            RootKind::StickyClass,
            RootKind::JniGlobal,
            RootKind::JavaFrame,
            RootKind::JniLocal,
            RootKind::NativeStack,
            RootKind::ThreadBlock,
            RootKind::MonitorUsed,
        ];
        let own: Vec<_> = g
            .roots
            .iter()
            .filter(|x| {
                x.node == r
                    && x.kind != RootKind::Unreachable
                    && !(matches!(x.kind, RootKind::JavaFrame | RootKind::JniLocal)
                        && x.thread_node != NO_NODE
                        && x.thread_node != r)
            })
            .collect();
        let Some(rr) = own
            .iter()
            .min_by_key(|x| {
                PRIORITY
                    .iter()
                    .position(|k| *k == x.kind)
                    .unwrap_or(PRIORITY.len())
            })
            .copied()
        else {
            return (
                RootKind::Unknown,
                format!("{} (not a recorded GC root)", g.display_class(r)),
            );
        };
        let kind = rr.kind.label();
        let class = g.display_class(r);
        let detail = match rr.kind {
            RootKind::ThreadObject => self.thread_label(r),
            RootKind::StickyClass => {
                let name = class.strip_prefix("class ").unwrap_or(&class).to_string();
                match next.and_then(|(_, f)| f.strip_prefix("<static> ")) {
                    Some(field) => format!("static field {field} of {name}"),
                    None => format!("system class {name}"),
                }
            }
            RootKind::JniGlobal => format!("JNI Global reference to {class}"),
            RootKind::MonitorUsed => format!("{class} used as a monitor (Busy Monitor)"),
            RootKind::JavaFrame | RootKind::JniLocal => {
                let frame = match (rr.thread_serial, rr.frame) {
                    (Some(s), Some(f)) => self.frame_text(s, f),
                    _ => None,
                };
                let thread = match (rr.thread_node, rr.thread_serial) {
                    (t, _) if t != NO_NODE => self.thread_label(t),
                    (_, Some(s)) => format!("thread serial {s}"),
                    _ => "an unknown thread".into(),
                };
                match frame {
                    Some(f) => format!("{kind} in {f} of {thread}"),
                    None => format!("{kind} of {thread}"),
                }
            }
            RootKind::NativeStack | RootKind::ThreadBlock | RootKind::JniMonitor => {
                if rr.thread_node != NO_NODE {
                    format!("{kind} of {}", self.thread_label(rr.thread_node))
                } else {
                    format!("{kind}: {class}")
                }
            }
            _ => format!("{kind}: {class}"),
        };
        (rr.kind, detail)
    }

    /// The frame (`com.example.Foo.run(Foo.java:42)`) of the stack-local root by which `thread`
    /// holds `local`, if known.
    pub(crate) fn local_frame(&self, thread: Node, local: Node) -> Option<String> {
        let rr = self.g.roots.iter().find(|x| {
            x.node == local
                && x.thread_node == thread
                && matches!(x.kind, RootKind::JavaFrame | RootKind::JniLocal)
        })?;
        self.frame_text(rr.thread_serial?, rr.frame?)
    }

    /// `thread "name"` (or the class and id when the name is unknown).
    pub(crate) fn thread_label(&self, t: Node) -> String {
        match thread_name(self.g, t) {
            Some(n) => format!("thread \"{n}\""),
            None => format!("thread {} @ {}", self.g.display_class(t), hex(self.g.id(t))),
        }
    }

    /// `com.example.Foo.run(Foo.java:42)` for frame `frame` (0 = top) of a thread's stack trace.
    pub(crate) fn frame_text(&self, thread_serial: u32, frame: u32) -> Option<String> {
        let g = self.g;
        let trace = g
            .meta
            .traces
            .get(self.idx.trace_of_thread.get(&thread_serial)?)?;
        let fid = trace.frame_ids.get(frame as usize)?;
        let f = g.meta.frames.get(fid)?;
        let class = self
            .idx
            .class_name_of_serial
            .get(&f.class_serial)
            .map(|&id| java_class_name(g.symbol(id)))
            .unwrap_or_else(|| "?".into());
        let method = g.symbol(f.method_name_id);
        let file = g.symbol(f.source_file_id);
        let location = match f.line {
            l if l > 0 && !file.is_empty() => format!("{file}:{l}"),
            -2 => "Compiled Code".into(),
            -3 => "Native Method".into(),
            _ if !file.is_empty() => file.to_string(),
            _ => "Unknown Source".into(),
        };
        Some(format!("{class}.{method}({location})"))
    }
}

/// `0x…` form of an object id.
pub(crate) fn hex(id: Id) -> String {
    format!("0x{id:x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::build_from_bytes;
    use heaplens_hprof_writer::{BasicType, HeapBuilder, RootKind, WriteOptions};

    /// A lazy index's search stops once the asked node is found, and does not run for an object
    /// no reference reaches (the answers themselves: `tests/paths.rs`).
    #[test]
    fn lazy_search_runs_only_as_far_as_asked() {
        let mut b = HeapBuilder::new(8);
        let object = b.object_class();
        let link = b.class(
            "com/x/Link",
            Some(object),
            &[("next", BasicType::Object)],
            &[],
        );
        let chain: Vec<_> = (0..5000).map(|_| b.instance(link, &[])).collect();
        for w in chain.windows(2) {
            b.set_field(w[0], "next", Some(w[1]));
        }
        let stray = b.instance(link, &[]);
        b.root(chain[0], RootKind::JniGlobal { jni_ref_id: 1 });
        let g = build_from_bytes(&b.write(&WriteOptions::default())).expect("dump parses");
        let node =
            |o: heaplens_hprof_writer::ObjRef| g.node_of(Id::new(o.id())).expect("in the graph");
        let d = Dominance::compute(&g);
        let index = PathIndex::lazy(&g, &d, PathOptions::default());
        let finder = index.finder(&g);
        assert_eq!(finder.depth(node(chain[2])), Some(3));
        let searched = |i: &PathIndex| i.lock().parent.iter().filter(|&&p| p != NO_NODE).count();
        assert!(!index.lock().done);
        assert!(searched(&index) < 1000, "searched {}", searched(&index));
        // Reached by no reference (the dominator tree says so): answered without searching.
        assert!(!finder.has_path(node(stray)));
        assert!(!index.lock().done);
        assert!(searched(&index) < 1000, "searched {}", searched(&index));
        assert_eq!(finder.depth(node(chain[4999])), Some(5000));
    }
}
