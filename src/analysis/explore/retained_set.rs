//! MAT's "Show Retained Set": the objects a set `S` keeps alive (those the garbage collector
//! could free if `S` were gone: every path from a GC root to them passes through `S`), `S`
//! included, as a class histogram with the total.
//!
//! One object: its dominator subtree (the dominator tree already answers it). Several: as MAT's
//! `getRetainedSet`, mark everything reachable from the GC roots without entering `S`; the
//! retained set is `S` plus the reachable objects left unmarked. The union of the members'
//! subtrees would be too small: an object two members both reference is dominated by neither,
//! yet retained by the two together. Edges are the dominator tree's (implicit class edge,
//! thread locals, fields, elements, class links; `Reference.referent` counts, as in MAT).
//! Unreachable members are left out (they retain nothing the heap still holds).

use crate::graph::{Dominance, HeapGraph, Node};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};

/// One class of a retained set (the page's row as it is: it reads it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RetainedClassRow {
    /// Class name (class objects count as `java.lang.Class`, as in MAT's histogram).
    pub class: String,
    pub class_index: u32,
    pub objects: u64,
    pub shallow: u64,
}

/// The retained set of a selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetainedSet {
    /// Objects selected.
    pub selected: u64,
    /// Of those, unreachable (left out).
    pub unreachable: u64,
    /// Objects in the retained set (the reachable selected ones included).
    pub objects: u64,
    /// Their shallow sizes summed: the selection's retained size.
    pub bytes: u64,
    /// By class, largest shallow first.
    pub rows: Vec<RetainedClassRow>,
}

/// The retained set of `selection` (see the module docs). `None` when `cancel` was set.
pub fn retained_set(
    g: &HeapGraph,
    d: &Dominance,
    selection: &[Node],
    cancel: Option<&AtomicBool>,
) -> Option<RetainedSet> {
    let nodes = retained_nodes(g, d, selection, cancel)?;
    let unreachable = selection
        .iter()
        .filter(|&&v| v.index() < g.node_count() && !d.is_reachable(v))
        .count() as u64;
    Some(histogram_of(g, selection.len() as u64, unreachable, &nodes))
}

/// The nodes of the retained set of `selection`, in node order.
pub fn retained_nodes(
    g: &HeapGraph,
    d: &Dominance,
    selection: &[Node],
    cancel: Option<&AtomicBool>,
) -> Option<Vec<Node>> {
    let mut members: Vec<Node> = selection
        .iter()
        .copied()
        .filter(|&v| v.index() < g.node_count() && d.is_reachable(v))
        .collect();
    members.sort_unstable();
    members.dedup();
    match members.len() {
        0 => Some(Vec::new()),
        1 => Some(subtree(d, members[0])),
        _ => by_marking(g, d, &members, cancel),
    }
}

/// The dominator subtree of `v`, in node order.
fn subtree(d: &Dominance, v: Node) -> Vec<Node> {
    let mut out = vec![v];
    let mut i = 0;
    while i < out.len() {
        let x = out[i];
        out.extend_from_slice(d.children(x));
        i += 1;
    }
    out.sort_unstable();
    out
}

/// MAT's marking: reachable from the roots without entering `members` (sorted); the rest of
/// the reachable objects, plus `members`, is retained.
pub(crate) fn by_marking(
    g: &HeapGraph,
    d: &Dominance,
    members: &[Node],
    cancel: Option<&AtomicBool>,
) -> Option<Vec<Node>> {
    let n = g.node_count();
    let mut marked = vec![0u64; n.div_ceil(64)];
    let set = |m: &mut [u64], v: Node| {
        let (w, b) = (v.index() / 64, v.get() % 64);
        let was = m[w] >> b & 1 == 1;
        m[w] |= 1 << b;
        !was
    };
    for &s in members {
        set(&mut marked, s);
    }
    let mut stack: Vec<Node> = Vec::new();
    for &r in g.root_nodes() {
        if set(&mut marked, r) {
            stack.push(r);
        }
    }
    let mut steps = 0u32;
    while let Some(v) = stack.pop() {
        steps = steps.wrapping_add(1);
        if steps % 65_536 == 0 && cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return None;
        }
        if let Some(c) = g.class_node(v) {
            if set(&mut marked, c) {
                stack.push(c);
            }
        }
        for (t, _) in g.edges(v) {
            if set(&mut marked, t) {
                stack.push(t);
            }
        }
    }
    let is_member = |v: Node| members.binary_search(&v).is_ok();
    Some(
        ((0..n as u32).map(Node::new))
            .filter(|&v| {
                d.is_reachable(v)
                    && (marked[v.index() / 64] >> (v.get() % 64) & 1 == 0 || is_member(v))
            })
            .collect(),
    )
}

/// The class histogram of `nodes`.
fn histogram_of(g: &HeapGraph, selected: u64, unreachable: u64, nodes: &[Node]) -> RetainedSet {
    let mut by_class: Vec<(u64, u64)> = vec![(0, 0); g.classes.len()];
    let mut bytes = 0u64;
    for &v in nodes {
        let s = g.shallow(v);
        let e = &mut by_class[g.class_index(v) as usize];
        e.0 += 1;
        e.1 += s;
        bytes += s;
    }
    let mut rows: Vec<RetainedClassRow> = by_class
        .iter()
        .enumerate()
        .filter(|(_, e)| e.0 > 0)
        .map(|(c, e)| RetainedClassRow {
            class: g.classes[c].name.clone(),
            class_index: c as u32,
            objects: e.0,
            shallow: e.1,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.shallow
            .cmp(&a.shallow)
            .then(b.objects.cmp(&a.objects))
            .then_with(|| a.class.cmp(&b.class))
    });
    RetainedSet {
        selected,
        unreachable,
        objects: nodes.len() as u64,
        bytes,
        rows,
    }
}
