//! One object's references, both ways, and a class's instances: the lists an object inspector
//! pages through (MAT's "list objects with outgoing / incoming references" and a class's
//! "list objects").
//!
//! Outgoing references are the graph's edges plus the implicit edge to the object's class
//! (MAT shows it as `<class>`). Incoming references need a scan of every edge: no reverse
//! index is kept (it would cost 4 bytes per edge for a view most dumps never open), so callers
//! that page through them keep the list ([`referrers`]) between pages.

use std::cmp::Reverse;

use crate::graph::{ClassKind, Dominance, HeapGraph, Node};

/// The label of the implicit object → class edge.
pub const CLASS_EDGE: &str = "<class>";

/// How many outgoing references `v` has (its class edge included).
pub fn outgoing_count(g: &HeapGraph, v: Node) -> usize {
    usize::from(g.class_node(v).is_some()) + g.edges(v).count()
}

/// Outgoing references `start..end` of `v` (in [`outgoing_count`] numbering), each with its
/// label: `<class>` first, then field names, `[i]` for array elements, `<Java Local>`… For
/// object arrays only the requested elements are labelled (an array may hold millions).
pub fn outgoing(g: &HeapGraph, v: Node, start: usize, end: usize) -> Vec<(Node, String)> {
    let class_edge = g.class_node(v).map(|c| (c, CLASS_EDGE.to_string()));
    let take = end.saturating_sub(start);
    let is_array = g.as_class(v).is_none() && g.class(v).kind == ClassKind::ObjectArray;
    if is_array {
        class_edge
            .into_iter()
            .chain(g.indexed_edges(v).map(|(t, i)| (t, format!("[{i}]"))))
            .skip(start)
            .take(take)
            .collect()
    } else {
        // (`labelled_edges` lists the class edge first itself.)
        g.labelled_edges(v)
            .into_iter()
            .skip(start)
            .take(take)
            .map(|(t, l)| (t, l.to_string()))
            .collect()
    }
}

/// Every object that references `v` (through a field, an element, a class link or as its
/// class), largest retained first (ties: node order). One scan of all edges (and, for a class
/// object, of every object's class).
pub fn referrers(g: &HeapGraph, d: &Dominance, v: Node) -> Vec<Node> {
    let mut class_hit: Vec<bool> = g.classes.iter().map(|c| c.node == v).collect();
    if !class_hit.contains(&true) {
        class_hit.clear();
    }
    let mut refs = Vec::new();
    g.nodes_referring(0..g.node_count(), |t| t == v.get(), &class_hit, &mut refs);
    refs.sort_by_key(|&q| Reverse(d.retained(q)));
    refs
}

/// The label of the (first) reference from `from` to `to`: `<class>`, a field name, `[i]`…;
/// `None` if `from` does not reference `to`.
pub fn reference_label(g: &HeapGraph, from: Node, to: Node) -> Option<String> {
    g.labelled_edges(from)
        .into_iter()
        .find(|(t, _)| *t == to)
        .map(|(_, l)| l.to_string())
}

/// The instances of class `class` (its index in `g.classes`), reachable ones largest retained
/// first, or with `unreachable` the unreachable ones largest shallow first (they retain
/// nothing). `None` when there is no such class.
pub fn instances(g: &HeapGraph, d: &Dominance, class: u32, unreachable: bool) -> Option<Vec<Node>> {
    g.classes.get(class as usize)?;
    let mut list: Vec<Node> = g
        .nodes()
        .filter(|&v| g.class_index(v) == class && d.is_reachable(v) != unreachable)
        .collect();
    if unreachable {
        list.sort_by_key(|&v| Reverse(g.shallow(v)));
    } else {
        list.sort_by_key(|&v| Reverse(d.retained(v)));
    }
    Some(list)
}
