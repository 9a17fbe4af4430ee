//! The investigation views MAT users reach for after the first answer, each over a *selection*
//! (a class, `0x…` addresses or an OQL query; [`parse_selection`], [`resolve_selection`]):
//!
//! - [`retained_set`]: what a set of objects keeps alive, as a class histogram and a total
//!   (MAT's "Show Retained Set");
//! - [`immediate_dominators`]: who keeps the objects alive, grouped by the dominator's class,
//!   skipping JDK classes so the answer is the application object (MAT's "Immediate
//!   Dominators");
//! - [`merged_paths`]: the shortest paths of the objects from the GC roots merged into one tree
//!   with counts (MAT's "Merge Shortest Paths to GC Roots"); more paths for one object are
//!   [`super::PathFinder::paths_page`];
//! - [`group_by_value`]: Strings, boxed primitives and enums grouped by value, with counts and
//!   the bytes the copies waste (MAT's "Group By Value");
//! - [`collection_contents`]: a list's elements or a map's keys and values, every JDK layout;
//! - [`find_object`]: an address to its object (or the object it lies inside).
//!
//! Every result is a plain serializable type holding all its rows, computed once; a caller
//! (the CLI, the browser worker) keeps it and hands out pages with [`Page::of`], so no message
//! carries more than a page.

pub(crate) mod collection_contents;
pub(crate) mod find_object;
pub(crate) mod group_by_value;
pub(crate) mod immediate_dominators;
pub(crate) mod merged_paths;
pub(crate) mod retained_set;
pub(crate) mod selection;

// The views' API: one entry function and one serializable result per view (the CLI's
// `explore` command, the worker's explore routes, tests/explore.rs).
pub use collection_contents::{
    collection_contents, CollectionContents, ContentItem, ContentRow, NotACollection,
};
pub use find_object::{find_object, FindError, FoundObject};
pub use group_by_value::{group_by_value, has_value, GroupByValue, ValueGroup};
pub use immediate_dominators::{
    immediate_dominators, BadPattern, DominatorClassRow, ImmediateDominators, DEFAULT_SKIP,
};
pub use merged_paths::{merged_paths, MergedPathsView, MergedRow};
pub use retained_set::{retained_nodes, retained_set, RetainedClassRow, RetainedSet};
pub use selection::{parse_address, parse_selection, resolve_selection, Selection, SelectionError};

use serde::Serialize;

/// Rows `offset..offset + limit` of a result, and how many rows it has in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub offset: u64,
    /// All rows of the result, also those not in `rows`.
    pub total: u64,
    pub rows: Vec<T>,
}

impl<T: Clone> Page<T> {
    /// The page of `rows` starting at `offset` (empty past the end).
    pub(crate) fn of(rows: &[T], offset: u64, limit: usize) -> Page<T> {
        let start = (offset.min(rows.len() as u64)) as usize;
        let end = start.saturating_add(limit).min(rows.len());
        Page {
            offset,
            total: rows.len() as u64,
            rows: rows[start..end].to_vec(),
        }
    }
}

/// An object as a view's row names it: the link (`0x…`), node and class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectLink {
    pub object_id: String,
    pub node: crate::graph::Node,
    /// Class name; `class com.example.Foo` for a class object.
    pub class: String,
}

impl ObjectLink {
    pub(crate) fn new(g: &crate::graph::HeapGraph, node: crate::graph::Node) -> ObjectLink {
        ObjectLink {
            object_id: format!("0x{:x}", g.id(node)),
            node,
            class: g.display_class(node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn pages() {
        let rows = [1, 2, 3, 4, 5];
        assert_eq!(Page::of(&rows, 1, 2).rows, vec![2, 3]);
        assert_eq!(Page::of(&rows, 4, 10).rows, vec![5]);
        assert_eq!(Page::of(&rows, 9, 10).rows, Vec::<i32>::new());
        assert_eq!(Page::of(&rows, 9, 10).total, 5);
        assert_eq!(Page::of(&rows, 0, usize::MAX).rows.len(), 5);
    }
}
