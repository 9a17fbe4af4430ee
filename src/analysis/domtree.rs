//! Browsing the dominator tree: a node's children in the order asked for, and MAT's "find in
//! the dominator tree" (every reachable object of a class, largest retained first, with its
//! path from the top of the tree, so a viewer can reveal it).
//!
//! The children of a node come from [`Dominance::children`] (largest retained first); other
//! orders sort that run. The search is one pass over the class column with a bounded heap,
//! so a page of matches costs O(objects) time and O(page end) memory whatever the pattern
//! matches. Nothing here allocates per node of the graph.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::graph::{Dominance, HeapGraph, Node};

/// Orders of a node's children (MAT's columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildOrder {
    /// Largest retained size first (the dominator tree's own order).
    #[default]
    Retained,
    /// Largest shallow size first.
    Shallow,
    /// By class name, then node.
    Class,
}

/// The dominator-tree children of `parent` (`g.super_root()` for the top level) whose class
/// name contains `filter` (case-insensitive; empty: all), in `order`.
pub fn children(
    g: &HeapGraph,
    d: &Dominance,
    parent: Node,
    order: ChildOrder,
    filter: &str,
) -> Vec<Node> {
    let filter = filter.to_lowercase();
    let kids = d.children(parent);
    let mut list: Vec<Node> = if filter.is_empty() {
        kids.to_vec()
    } else {
        kids.iter()
            .copied()
            .filter(|&v| g.display_class(v).to_lowercase().contains(&filter))
            .collect()
    };
    match order {
        ChildOrder::Retained => {}
        // A stable sort: equal sizes keep the retained order.
        ChildOrder::Shallow => list.sort_by_key(|&v| Reverse(g.shallow(v))),
        ChildOrder::Class => {
            let mut keyed: Vec<(String, Node)> =
                list.iter().map(|&v| (g.display_class(v), v)).collect();
            keyed.sort();
            list = keyed.into_iter().map(|(_, v)| v).collect();
        }
    }
    list
}

/// Case-insensitive glob with `*`, or a plain substring when there is no `*`.
pub fn name_matches(name: &str, pattern: &str) -> bool {
    if pattern.is_empty() {
        return true;
    }
    let name = name.to_lowercase();
    let pattern = pattern.to_lowercase();
    if !pattern.contains('*') {
        return name.contains(&pattern);
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = name.as_str();
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() {
            continue;
        }
        if i == 0 {
            match rest.strip_prefix(p) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else {
            match rest.find(p) {
                Some(k) => rest = &rest[k + p.len()..],
                None => return false,
            }
        }
    }
    true
}

/// What [`search`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeMatches {
    /// Reachable objects whose class matches.
    pub total: u32,
    /// Classes whose name matches.
    pub classes: u32,
    /// The `want` largest matches, largest retained first (ties: smaller node first).
    pub top: Vec<Node>,
}

/// Reachable objects anywhere in the dominator tree whose class name matches `pattern`
/// ([`name_matches`]; a class object matches as `class NAME`), keeping the `want` largest by
/// retained size.
pub fn search(g: &HeapGraph, d: &Dominance, pattern: &str, want: usize) -> TreeMatches {
    let pattern = pattern.trim();
    let mut out = TreeMatches::default();
    if pattern.is_empty() {
        return out;
    }
    // Class names are matched once per class, not per object.
    let instance_match: Vec<bool> = g
        .classes
        .iter()
        .map(|c| name_matches(&c.name, pattern))
        .collect();
    let class_object_match: Vec<bool> = g
        .classes
        .iter()
        .map(|c| name_matches(&format!("class {}", c.name), pattern))
        .collect();
    let is_class_class: Vec<bool> = g
        .classes
        .iter()
        .map(|c| c.name == "java.lang.Class")
        .collect();
    out.classes = instance_match.iter().filter(|&&m| m).count() as u32;
    if !instance_match.iter().chain(&class_object_match).any(|&m| m) {
        return out;
    }
    // A min-heap on (retained, smaller node first) holds the `want` largest.
    let mut heap: BinaryHeap<Reverse<(u64, Reverse<Node>)>> =
        BinaryHeap::with_capacity(want.min(1 << 16));
    for v in g.nodes() {
        let ci = g.class_index(v) as usize;
        // (`as_class` is a hash lookup: only for instances of java.lang.Class.)
        let hit = match is_class_class[ci].then(|| g.as_class(v)).flatten() {
            Some(k) => class_object_match[k as usize],
            None => instance_match[ci],
        };
        if !hit || !d.is_reachable(v) {
            continue;
        }
        out.total += 1;
        if want == 0 {
            continue;
        }
        let key = (d.retained(v), Reverse(v));
        if heap.len() < want {
            heap.push(Reverse(key));
        } else if heap.peek().is_some_and(|min| key > min.0) {
            heap.pop();
            heap.push(Reverse(key));
        }
    }
    let mut keys: Vec<(u64, Reverse<Node>)> = heap.into_vec().into_iter().map(|k| k.0).collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    out.top = keys.into_iter().map(|(_, v)| v.0).collect();
    out
}

/// The path from the top of the dominator tree down to `v` (a child of the super-root first,
/// `v` last), each node with its position among its siblings in [`ChildOrder::Retained`]
/// order; `None` when `v` is `max_depth` or more levels deep (or unreachable).
pub fn path_from_top(
    g: &HeapGraph,
    d: &Dominance,
    v: Node,
    max_depth: usize,
) -> Option<Vec<(Node, u32)>> {
    if !d.is_reachable(v) {
        return None;
    }
    let root = g.super_root();
    let mut chain = vec![v];
    let mut up = d.idom(v);
    while let Some(p) = up.filter(|&p| p != root) {
        if chain.len() >= max_depth {
            return None;
        }
        chain.push(p);
        up = d.idom(p);
    }
    let mut path = Vec::with_capacity(chain.len());
    let mut parent = root;
    for &x in chain.iter().rev() {
        path.push((x, sibling_index(d, parent, x)));
        parent = x;
    }
    Some(path)
}

/// Position of `v` among the dominator-tree children of `parent`, largest retained first.
pub(crate) fn sibling_index(d: &Dominance, parent: Node, v: Node) -> u32 {
    let kids = d.children(parent);
    let key = |x: Node| (Reverse(d.retained(x)), x);
    let i = kids.partition_point(|&x| key(x) < key(v));
    if kids.get(i) == Some(&v) {
        i as u32
    } else {
        // Equal keys out of node order: look it up.
        kids.iter().position(|&x| x == v).unwrap_or(0) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(name_matches("pool-7-thread-12", "pool-7-thread-*"));
        assert!(name_matches("pool-7-thread-12", "THREAD"));
        assert!(!name_matches("pool-8-thread-12", "pool-7-*"));
        assert!(name_matches("a-b-c", "*b*"));
        assert!(name_matches("abc", ""));
        assert!(name_matches("java.util.HashMap$Node", "*HashMap$Node"));
        assert!(!name_matches("java.util.HashMap$Node[]", "*HashMap$Node"));
    }
}
