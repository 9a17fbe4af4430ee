//! MAT's "Merge Shortest Paths to GC Roots" for a selection: each object's shortest path from a
//! GC root (weak, soft, phantom and final references excluded unless asked:
//! [`PathOptions::include_weak`]), merged into one tree that grows from the roots, each node
//! counting the selected objects whose path runs through it and their shallow sizes (MAT's
//! "Ref. Objects" and "Ref. Shallow Heap").
//!
//! The tree is [`PathFinder::merge_paths`]'s (flat, pre-order, no recursion); this view adds
//! the per-node byte sums and hands out one level at a time ([`MergedPathsView::children`]), so
//! a page never carries a 100,000-node tree. Differs from MAT: one shortest path per object
//! (the breadth-first tree's; MAT may pick another of equal length), and the tree is grouped
//! from the GC roots only (MAT's `FROM_GC_ROOTS`, its default).

use super::Page;
use crate::analysis::paths::{MergedPaths, PathFinder};
use crate::graph::{HeapGraph, Node};
use crate::hprof::RootKind;
use serde::Serialize;

/// One node of the merged tree as a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedRow {
    /// Index in the tree (ask [`MergedPathsView::children`] with it for the next level).
    pub index: u32,
    pub object_id: String,
    pub node: Node,
    pub class: String,
    /// Reference from the parent (`<GC root>` for roots).
    pub field: String,
    pub depth: u32,
    /// Selected objects whose shortest path runs through this node (itself included).
    pub objects: u64,
    /// Their shallow sizes summed.
    pub objects_shallow: u64,
    /// This node's own shallow size.
    pub shallow: u64,
    /// Child count.
    pub children: u32,
    /// For roots: the root's kind, serialized as MAT's label (`Thread`, `System Class`…).
    #[serde(serialize_with = "RootKind::serialize_label_opt")]
    pub root_kind: Option<RootKind>,
    /// Whether this node is one of the selected objects.
    pub selected: bool,
}

/// A merged-paths tree with its per-node sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergedPathsView {
    /// Objects selected.
    pub selected: u64,
    /// Objects merged (at most the limit the view was built with).
    pub considered: u64,
    /// Considered objects without a path (unreachable, or reachable only through excluded
    /// references).
    pub without_path: u64,
    pub include_weak: bool,
    /// Every tree node, pre-order.
    pub rows: Vec<MergedRow>,
    /// Indices of the roots, most objects first.
    pub roots: Vec<u32>,
    #[serde(skip)]
    kids: Vec<Vec<u32>>,
}

/// Merges the shortest paths of (the first `limit`, 0 = all, of) `selection`.
pub fn merged_paths(paths: &PathFinder, selection: &[Node], limit: usize) -> MergedPathsView {
    let g = paths.graph();
    let tree = paths.merge_paths(selection, limit);
    from_tree(
        g,
        &tree,
        paths.options().include_weak,
        selection.len() as u64,
    )
}

fn from_tree(g: &HeapGraph, t: &MergedPaths, include_weak: bool, selected: u64) -> MergedPathsView {
    // Shallow bytes of the selected objects below each node: children follow their parent
    // in pre-order, so one reverse sweep adds each node into its parent.
    let mut bytes: Vec<u64> = t
        .nodes
        .iter()
        .map(|n| n.objects * g.shallow(n.node))
        .collect();
    for i in (0..t.nodes.len()).rev() {
        if let Some(p) = t.nodes[i].parent {
            bytes[p as usize] += bytes[i];
        }
    }
    let rows = t
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| MergedRow {
            index: i as u32,
            object_id: n.object_id.clone(),
            node: n.node,
            class: n.class.clone(),
            field: n.field.clone(),
            depth: n.depth,
            objects: n.count,
            objects_shallow: bytes[i],
            shallow: g.shallow(n.node),
            children: n.children.len() as u32,
            root_kind: n.root_kind,
            selected: n.objects > 0,
        })
        .collect();
    MergedPathsView {
        selected,
        considered: t.considered,
        without_path: t.without_path,
        include_weak,
        rows,
        roots: t.roots.clone(),
        kids: t.nodes.iter().map(|n| n.children.clone()).collect(),
    }
}

impl MergedPathsView {
    /// A page of the children of node `parent` (`None`: the roots), most objects first.
    pub fn children(&self, parent: Option<u32>, offset: u64, limit: usize) -> Page<MergedRow> {
        let ids: &[u32] = match parent {
            None => &self.roots,
            Some(p) => self.kids.get(p as usize).map_or(&[][..], |k| &k[..]),
        };
        let page = Page::of(ids, offset, limit);
        Page {
            offset: page.offset,
            total: page.total,
            rows: page
                .rows
                .iter()
                .map(|&i| self.rows[i as usize].clone())
                .collect(),
        }
    }
}
