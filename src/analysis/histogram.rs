//! Class histogram: instances, shallow and retained bytes per class, reachable and unreachable
//! objects apart (MAT's default), and the same rows grouped by package or by class loader.
//!
//! Retained sizes of a class and of a group are the retained size of the *union* of their
//! objects, as MAT computes them: the sum over the members that no other member of the same
//! class (group) dominates. Summing the classes' retained sizes instead counts an object once
//! per class above it (`java.lang` retained 77.4 MiB of a 38.1 MiB heap that way).

use crate::graph::{package_of, DomPreorder, Dominance, HeapGraph, Node, NO_NODE};
use crate::hprof::Id;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramRow {
    /// Class index (`HeapGraph::classes`), or a group's first class for grouped rows.
    pub class: u32,
    /// Class name (or package / loader for grouped rows).
    pub name: String,
    pub instances: u64,
    pub shallow: u64,
    /// MAT's retained heap of the class: the union of what its instances retain (instances
    /// dominated by another instance of the same class are not counted twice). 0 for
    /// unreachable rows.
    pub retained: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Histogram {
    /// Reachable objects, by class, largest retained first.
    pub reachable: Vec<HistogramRow>,
    /// Unreachable objects (excluded from the dominator tree), largest shallow first.
    pub unreachable: Vec<HistogramRow>,
    /// Retained bytes of each package (the union of its classes' instances).
    #[serde(default)]
    pub package_retained: Vec<(String, u64)>,
    /// Retained bytes of the classes each class loader defines (by loader id; 0 = bootstrap).
    #[serde(default)]
    pub loader_retained: Vec<(Id, u64)>,
    /// Retained object counts (the node itself included) of the nodes retaining at least the
    /// comparison's key floor ([`crate::compare::key_floor`]), sorted by node. Counted on
    /// this walk of the whole dominator tree for a comparison's keyed objects, which would
    /// otherwise walk the whole tree again.
    #[serde(default)]
    pub big_counts: Vec<(Node, u64)>,
}

/// Computes both histograms. Class retained sizes come from one iterative walk of the dominator
/// tree that counts, per class, how many instances are on the current path: an instance adds
/// its retained size only if no ancestor in the dominator tree has its class.
pub fn histogram(g: &HeapGraph, d: &Dominance) -> Histogram {
    histogram_with_progress(g, d, &mut |_| {})
}

/// [`histogram`] given the class totals of `g` and `d` (from
/// [`crate::analysis::summarize_and_totals`]).
pub fn histogram_from_totals(g: &HeapGraph, d: &Dominance, totals: ClassTotals) -> Histogram {
    let pre = DomPreorder::new(d);
    let walk = walk_tree(g, d, &pre, &mut |_| {});
    assemble(g, &pre, totals, walk).0
}

/// [`histogram`], reporting the fraction done (0.0..=1.0) every million objects.
pub(crate) fn histogram_with_progress(
    g: &HeapGraph,
    d: &Dominance,
    progress: &mut dyn FnMut(f64),
) -> Histogram {
    histogram_and_top_counts(g, d, progress).0
}

/// [`histogram_with_progress`], and the retained object counts of the super-root's children
/// (in [`Dominance::children`] order; each one's subtree size, itself included), counted
/// during the histogram's walk of the whole dominator tree: the report's dominator rows then
/// need no walk of their own.
pub(crate) fn histogram_and_top_counts(
    g: &HeapGraph,
    d: &Dominance,
    progress: &mut dyn FnMut(f64),
) -> (Histogram, Vec<u64>) {
    histogram_over(g, d, &DomPreorder::new(d), progress)
}

/// [`histogram_and_top_counts`] over a dominator tree already laid out in preorder.
pub(crate) fn histogram_over(
    g: &HeapGraph,
    d: &Dominance,
    pre: &DomPreorder,
    progress: &mut dyn FnMut(f64),
) -> (Histogram, Vec<u64>) {
    let totals = class_totals(g, d, &mut |f| progress(0.3 * f));
    let walk = walk_tree(g, d, pre, &mut |f| progress(0.3 + 0.7 * f));
    assemble(g, pre, totals, walk)
}

/// Instances and shallow bytes per class, reachable and not: one read of every node, which
/// needs neither the preorder nor the walk (so the report computes it beside them). Made once
/// by [`crate::analysis::summarize_and_totals`], it spares the leak suspects
/// ([`crate::analysis::find_suspects_from_totals`]) and the histogram
/// ([`histogram_from_totals`]) their own read of every object.
#[derive(Clone)]
pub struct ClassTotals {
    reach: Vec<(u64, u64)>,
    unreach: Vec<(u64, u64)>,
}

impl ClassTotals {
    /// Instances and shallow bytes of the reachable objects, by class index.
    pub(crate) fn reachable(&self) -> &[(u64, u64)] {
        &self.reach
    }
    /// Instances and shallow bytes of the unreachable objects, by class index.
    pub(crate) fn unreachable(&self) -> &[(u64, u64)] {
        &self.unreach
    }
    /// Shallow bytes of all objects and of the unreachable ones.
    pub(crate) fn shallow_sums(&self) -> (u64, u64) {
        let sum = |t: &[(u64, u64)]| t.iter().map(|c| c.1).sum::<u64>();
        let unreachable = sum(&self.unreach);
        (sum(&self.reach) + unreachable, unreachable)
    }
}

/// [`ClassTotals`] of every node.
pub(crate) fn class_totals(
    g: &HeapGraph,
    d: &Dominance,
    progress: &mut dyn FnMut(f64),
) -> ClassTotals {
    let nc = g.classes.len();
    let total = g.node_count().max(1) as f64;
    let mut reach = vec![(0u64, 0u64); nc];
    let mut unreach = vec![(0u64, 0u64); nc];
    let sizes = g.size_table();
    for v in g.nodes() {
        if v.get() % (1 << 20) == 0 {
            progress(v.get() as f64 / total);
        }
        let c = g.class_index(v) as usize;
        let s = g.shallow_by(v, &sizes);
        let t = if d.is_reachable(v) {
            &mut reach[c]
        } else {
            &mut unreach[c]
        };
        t.0 += 1;
        t.1 += s;
    }
    ClassTotals { reach, unreach }
}

/// What the walk of the whole dominator tree finds: retained bytes per class, package and
/// loader (each counted once per topmost instance), and the big nodes' retained counts.
pub(crate) struct TreeWalk {
    class_retained: Vec<u64>,
    pkg_names: Vec<String>,
    pkg_retained: Vec<u64>,
    ldr_ids: Vec<Id>,
    ldr_retained: Vec<u64>,
    big_counts: Vec<(Node, u64)>,
}

/// Retained per class and per group: DFS over the dominator tree, counting per class and per
/// group how many of the current node's ancestors belong to it; a node adds its retained
/// size to its class (group) only when none does.
pub(crate) fn walk_tree(
    g: &HeapGraph,
    d: &Dominance,
    pre: &DomPreorder,
    progress: &mut dyn FnMut(f64),
) -> TreeWalk {
    let groups = Groups::of(g, d);
    let part = walk_range(g, d, pre.order(), 1..pre.order().len(), &groups, progress);
    groups.with(part)
}

/// [`walk_tree`] with the preorder cut in two at its middle, the halves walked at once where a
/// second thread can be started ([`crate::parallel::join`]); the result is the same. (Cutting
/// between the super-root's children would be simpler, but one of them usually holds almost
/// the whole heap.) The second half starts with the path to its first node open, as the
/// first half leaves it: those nodes are counted as ancestors (their retained sizes were added
/// by the first half), and a big one's subtree size is where the second half closes it minus
/// where the first half entered it.
pub(crate) fn walk_tree_in_two(
    g: &HeapGraph,
    d: &Dominance,
    pre: &DomPreorder,
    threads: usize,
) -> TreeWalk {
    let order = pre.order();
    if !crate::parallel::two_threads(threads) || order.len() < MIN_SPLIT {
        return walk_tree(g, d, pre, &mut |_| {});
    }
    walk_cut(g, d, pre, order.len() / 2, threads)
}

/// [`walk_tree`] as two walks, of `order[1..mid]` and `order[mid..]` (`1 <= mid <= len`).
fn walk_cut(
    g: &HeapGraph,
    d: &Dominance,
    pre: &DomPreorder,
    mid: usize,
    threads: usize,
) -> TreeWalk {
    let order = pre.order();
    let groups = Groups::of(g, d);
    let (mut a, mut b) = crate::parallel::join(
        threads,
        || walk_range(g, d, order, 1..mid, &groups, &mut |_| {}),
        || walk_range(g, d, order, mid..order.len(), &groups, &mut |_| {}),
    );
    for (x, y) in [
        (&mut a.class_retained, b.class_retained),
        (&mut a.pkg_retained, b.pkg_retained),
        (&mut a.ldr_retained, b.ldr_retained),
    ] {
        x.iter_mut().zip(y).for_each(|(x, y)| *x += y);
    }
    // The big nodes open across the cut: entered in the first half, closed in the second.
    let mut entered = std::mem::take(&mut a.left_open);
    let mut closed = std::mem::take(&mut b.closed_seeds);
    entered.sort_unstable();
    closed.sort_unstable();
    debug_assert_eq!(entered.len(), closed.len());
    for (&(v, at), &(w, end)) in entered.iter().zip(&closed) {
        debug_assert_eq!(v, w);
        a.big_counts.push((v, (end - at) as u64));
    }
    a.big_counts.extend(b.big_counts);
    a.big_counts.sort_unstable();
    groups.with(a)
}

/// Below this many reachable objects the walk is not cut (a thread costs more than it saves).
const MIN_SPLIT: usize = 1 << 16;

/// The walk's class groups (by package, by loader) and the key floor, shared by its ranges.
struct Groups {
    pkg_of: Vec<u32>,
    pkg_names: Vec<String>,
    ldr_of: Vec<u32>,
    ldr_ids: Vec<Id>,
    floor: u64,
}

impl Groups {
    fn of(g: &HeapGraph, d: &Dominance) -> Groups {
        let (pkg_of, pkg_names) = package_groups(g);
        let (ldr_of, ldr_ids) = loader_groups(g);
        Groups {
            pkg_of,
            pkg_names,
            ldr_of,
            ldr_ids,
            floor: crate::compare::key_floor(d),
        }
    }

    fn with(self, part: WalkPart) -> TreeWalk {
        TreeWalk {
            class_retained: part.class_retained,
            pkg_names: self.pkg_names,
            pkg_retained: part.pkg_retained,
            ldr_ids: self.ldr_ids,
            ldr_retained: part.ldr_retained,
            big_counts: part.big_counts,
        }
    }
}

/// What a walk of part of the preorder finds (see [`TreeWalk`]).
struct WalkPart {
    class_retained: Vec<u64>,
    pkg_retained: Vec<u64>,
    ldr_retained: Vec<u64>,
    /// Big nodes closed inside the part, with their subtree sizes.
    big_counts: Vec<(Node, u64)>,
    /// Big nodes still open at the part's end, with the positions they were entered at.
    left_open: Vec<(Node, usize)>,
    /// Big nodes open at the part's start (entered before it), with the positions they were
    /// closed at.
    closed_seeds: Vec<(Node, usize)>,
}

/// The walk over `order[range]` (`range.start >= 1`: the super-root is never open). It starts
/// with the path to its first node open and leaves the path to the node after it open.
fn walk_range(
    g: &HeapGraph,
    d: &Dominance,
    order: &[Node],
    range: std::ops::Range<usize>,
    groups: &Groups,
    progress: &mut dyn FnMut(f64),
) -> WalkPart {
    let nc = g.classes.len();
    let total = g.node_count().max(1) as f64;
    let (pkg_of, ldr_of) = (&groups.pkg_of, &groups.ldr_of);
    let mut class_retained = vec![0u64; nc];
    let mut pkg_active = vec![0u32; groups.pkg_names.len()];
    let mut ldr_active = vec![0u32; groups.ldr_ids.len()];
    let mut pkg_retained = vec![0u64; groups.pkg_names.len()];
    let mut ldr_retained = vec![0u64; groups.ldr_ids.len()];
    let mut active = vec![0u32; nc];
    // The dominator tree in preorder, read front to back: a node's dominator is on the stack
    // of open nodes (the path from the super-root); the nodes closed before it are popped.
    // Each open node keeps its class, whether it is big, and its position when entered: when
    // it is closed, the nodes after it so far are its dominator subtree.
    let floor = groups.floor;
    let mut big_counts: Vec<(Node, u64)> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut closed_seeds = Vec::new();
    // The path from the super-root to the first node (excluded both), entered before.
    if let Some(&first) = order.get(range.start) {
        let mut path = Vec::new();
        let mut x = first;
        while let Some(p) = d.idom(x).filter(|&p| p != d.super_root()) {
            path.push(p);
            x = p;
        }
        for &v in path.iter().rev() {
            let c = g.class_index(v) as usize;
            active[c] += 1;
            pkg_active[pkg_of[c] as usize] += 1;
            ldr_active[ldr_of[c] as usize] += 1;
            open.push(Open {
                node: v,
                class: c as u32,
                big: d.retained(v) >= floor,
                entered: SEED,
            });
        }
    }
    // The node after the range, whose dominator's path stays open.
    let after = order.get(range.end).copied();
    let order = &order[..range.end];
    // Each node's dominator, class and retained size sit at random places of three columns.
    // They are gathered for a batch of the preorder at a time, in a loop that does nothing
    // else, so that the processor has many of these independent misses in flight; the walk
    // below, branchy and with its stack, would otherwise wait for them a few at a time.
    let mut batch = Gathered::default();
    // One step past the end closes every node still open (no node is dominated by NO_NODE).
    for i in range.start..=order.len() {
        if i % (1 << 20) == 0 {
            progress(i as f64 / total);
        }
        let next = order.get(i).copied();
        if next.is_some() && i >= batch.end {
            batch.gather(g, d, order, i);
        }
        let k = i.wrapping_sub(batch.start);
        let p = match (next, after) {
            (Some(_), _) => Node::new(batch.idom[k]),
            (None, Some(a)) => Node::new(d.idom[a.index()]),
            (None, None) => NO_NODE,
        };
        while open.last().is_some_and(|o| o.node != p) {
            let Some(o) = open.pop() else { break };
            if o.big && o.entered == SEED {
                closed_seeds.push((o.node, i));
            } else if o.big {
                big_counts.push((o.node, (i - o.entered) as u64));
            }
            let c = o.class as usize;
            active[c] -= 1;
            pkg_active[pkg_of[c] as usize] -= 1;
            ldr_active[ldr_of[c] as usize] -= 1;
        }
        let Some(w) = next else { break };
        let c = batch.class[k] as usize;
        let (pk, l) = (pkg_of[c] as usize, ldr_of[c] as usize);
        let r = batch.retained[k];
        if active[c] == 0 {
            class_retained[c] += r;
        }
        if pkg_active[pk] == 0 {
            pkg_retained[pk] += r;
        }
        if ldr_active[l] == 0 {
            ldr_retained[l] += r;
        }
        active[c] += 1;
        pkg_active[pk] += 1;
        ldr_active[l] += 1;
        open.push(Open {
            node: w,
            class: c as u32,
            big: r >= floor,
            entered: i,
        });
    }
    big_counts.sort_unstable();
    let left_open = open
        .iter()
        .filter(|o| o.big && o.entered != SEED)
        .map(|o| (o.node, o.entered))
        .collect();
    WalkPart {
        class_retained,
        pkg_retained,
        ldr_retained,
        big_counts,
        left_open,
        closed_seeds,
    }
}

/// [`Open::entered`] of a node entered before the walked part.
const SEED: usize = usize::MAX;

/// The histogram's rows from the class totals and the walk, and the super-root children's
/// retained object counts (from the preorder's layout).
pub(crate) fn assemble(
    g: &HeapGraph,
    pre: &DomPreorder,
    totals: ClassTotals,
    walk: TreeWalk,
) -> (Histogram, Vec<u64>) {
    let top_counts = pre.top_counts();
    let row = |c: usize, n: u64, s: u64, r: u64| HistogramRow {
        class: c as u32,
        name: g.classes[c].name.clone(),
        instances: n,
        shallow: s,
        retained: r,
    };
    let mut reachable: Vec<_> = totals
        .reach
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0 > 0)
        .map(|(c, r)| row(c, r.0, r.1, walk.class_retained[c]))
        .collect();
    reachable.sort_by(|a, b| {
        b.retained
            .cmp(&a.retained)
            .then(b.shallow.cmp(&a.shallow))
            .then(a.name.cmp(&b.name))
    });
    let mut unreachable: Vec<_> = totals
        .unreach
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0 > 0)
        .map(|(c, r)| row(c, r.0, r.1, 0))
        .collect();
    unreachable.sort_by(|a, b| b.shallow.cmp(&a.shallow).then(a.name.cmp(&b.name)));
    let h = Histogram {
        reachable,
        unreachable,
        package_retained: walk.pkg_names.into_iter().zip(walk.pkg_retained).collect(),
        loader_retained: walk.ldr_ids.into_iter().zip(walk.ldr_retained).collect(),
        big_counts: walk.big_counts,
    };
    (h, top_counts)
}

/// Nodes gathered per batch of the histogram's walk (a few KiB, in L1).
const BATCH: usize = 256;

/// The dominator, class and retained size of `order[start..end]`, by position from `start`.
struct Gathered {
    start: usize,
    end: usize,
    idom: [u32; BATCH],
    class: [u32; BATCH],
    retained: [u64; BATCH],
}

impl Default for Gathered {
    fn default() -> Self {
        Gathered {
            start: 0,
            end: 0,
            idom: [0; BATCH],
            class: [0; BATCH],
            retained: [0; BATCH],
        }
    }
}

impl Gathered {
    fn gather(&mut self, g: &HeapGraph, d: &Dominance, order: &[Node], from: usize) {
        let nodes = &order[from..(from + BATCH).min(order.len())];
        for (k, &w) in nodes.iter().enumerate() {
            self.idom[k] = d.idom[w.index()];
        }
        for (k, &w) in nodes.iter().enumerate() {
            self.class[k] = g.class_index(w);
        }
        for (k, &w) in nodes.iter().enumerate() {
            self.retained[k] = d.retained(w);
        }
        self.start = from;
        self.end = from + nodes.len();
    }
}

/// A node on the histogram walk's path from the super-root.
struct Open {
    node: Node,
    class: u32,
    /// Retains at least the comparison's key floor (counted in `big_counts`).
    big: bool,
    /// Its position in the preorder.
    entered: usize,
}

/// The package group of a class name (`<default package>` for none).
pub fn package_key(class_name: &str) -> String {
    let p = package_of(class_name);
    if p.is_empty() {
        "<default package>".to_string()
    } else {
        p.to_string()
    }
}

/// Group index of each class by package, and the packages.
fn package_groups(g: &HeapGraph) -> (Vec<u32>, Vec<String>) {
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut names = Vec::new();
    let of = g
        .classes
        .iter()
        .map(|c| {
            let k = package_key(&c.name);
            *index.entry(k.clone()).or_insert_with(|| {
                names.push(k);
                names.len() as u32 - 1
            })
        })
        .collect();
    (of, names)
}

/// Group index of each class by defining loader, and the loaders' ids.
fn loader_groups(g: &HeapGraph) -> (Vec<u32>, Vec<Id>) {
    let mut index: HashMap<Id, u32> = HashMap::new();
    let mut ids = Vec::new();
    let of = g
        .classes
        .iter()
        .map(|c| {
            *index.entry(c.loader).or_insert_with(|| {
                ids.push(c.loader);
                ids.len() as u32 - 1
            })
        })
        .collect();
    (of, ids)
}

/// How to group histogram rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    #[default]
    Class,
    Package,
    ClassLoader,
}

/// The reachable (`unreachable == false`) or unreachable rows of `h`, grouped by package or by
/// defining class loader. A reachable group's retained bytes are the retained size of the
/// union of its objects (computed by [`histogram`]), never more than the reachable heap;
/// unreachable rows retain 0.
pub fn group_rows(
    g: &HeapGraph,
    h: &Histogram,
    unreachable: bool,
    by: Grouping,
) -> Vec<HistogramRow> {
    let rows = if unreachable {
        &h.unreachable
    } else {
        &h.reachable
    };
    if by == Grouping::Class {
        return rows.to_vec();
    }
    let pkg: HashMap<&str, u64> = h
        .package_retained
        .iter()
        .map(|(k, r)| (k.as_str(), *r))
        .collect();
    let ldr: HashMap<Id, u64> = h.loader_retained.iter().copied().collect();
    let mut groups: HashMap<String, HistogramRow> = HashMap::new();
    for r in rows {
        let loader = g.classes[r.class as usize].loader;
        let (key, retained) = match by {
            Grouping::Package => {
                let k = package_key(&r.name);
                let ret = pkg.get(k.as_str()).copied().unwrap_or(0);
                (k, ret)
            }
            Grouping::ClassLoader => (
                loader_name(g, loader),
                ldr.get(&loader).copied().unwrap_or(0),
            ),
            Grouping::Class => unreachable!(),
        };
        let e = groups.entry(key.clone()).or_insert(HistogramRow {
            class: r.class,
            name: key,
            instances: 0,
            shallow: 0,
            retained: if unreachable { 0 } else { retained },
        });
        e.instances += r.instances;
        e.shallow += r.shallow;
    }
    let mut out: Vec<_> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.retained
            .cmp(&a.retained)
            .then(b.shallow.cmp(&a.shallow))
            .then(a.name.cmp(&b.name))
    });
    out
}

/// `<bootstrap>` or `jdk.internal.loader.ClassLoaders$AppClassLoader @ 0x…`.
pub fn loader_name(g: &HeapGraph, loader: crate::hprof::Id) -> String {
    if loader.is_null() {
        return "<bootstrap>".to_string();
    }
    match g.node_of(loader) {
        Some(n) => format!("{} @ 0x{loader:x}", g.display_class(n)),
        None => format!("<loader 0x{loader:x}>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk cut anywhere (at the ends, in deep paths, at every few nodes) finds what the
    /// walk in one piece does.
    #[test]
    fn a_walk_cut_in_two_finds_what_one_walk_finds() {
        for name in ["queue_backlog.hprof.gz", "classloader_leak.hprof.gz"] {
            let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
            let g = crate::graph::build_from_path(std::path::Path::new(&path), |_, _| {})
                .expect("fixture builds");
            let d = Dominance::compute(&g);
            let pre = DomPreorder::new(&d);
            let whole = walk_tree(&g, &d, &pre, &mut |_| {});
            assert!(
                !whole.big_counts.is_empty(),
                "{name}: the walk counts big nodes"
            );
            let len = pre.order().len();
            let step = (len / 40).max(1);
            let cuts = (1..=len).step_by(step).chain([2, len / 2, len - 1, len]);
            for (k, mid) in cuts.enumerate() {
                // Both the threaded and the sequential join.
                let cut = walk_cut(&g, &d, &pre, mid, 1 + k % 2);
                assert_eq!(
                    cut.class_retained, whole.class_retained,
                    "{name} cut at {mid}"
                );
                assert_eq!(cut.pkg_retained, whole.pkg_retained, "{name} cut at {mid}");
                assert_eq!(cut.ldr_retained, whole.ldr_retained, "{name} cut at {mid}");
                assert_eq!(cut.big_counts, whole.big_counts, "{name} cut at {mid}");
            }
        }
    }
}
