//! Objects as rows: one object with its share of the heap ([`ObjectRow`], the dominator
//! tree's row and every list of objects), an object's references labelled by field, and the
//! dominator tree's search with each match's path down the tree.

use crate::analysis::{domtree, inspect, references};
use crate::graph::{Dominance, HeapGraph, Node};
use crate::report::{format_id, percent};
use serde::{Deserialize, Serialize};

use super::page_range;

/// One object as a dominator-tree row (also every other list of objects).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectRow {
    pub object_id: String,
    /// Class name; `class com.x.Foo` for a class object.
    pub class: String,
    pub shallow: u64,
    pub retained: u64,
    /// Percent of the reachable heap.
    pub pct: f64,
    /// Dominator-tree children.
    pub children: u32,
    /// A short value preview (string text, array length…), if any.
    pub label: Option<String>,
}

impl ObjectRow {
    /// Object `v` as a row.
    pub fn new(g: &HeapGraph, d: &Dominance, v: Node) -> Self {
        let retained = d.retained(v);
        ObjectRow {
            object_id: format_id(g.id(v)),
            class: g.display_class(v),
            shallow: g.shallow(v),
            retained,
            pct: percent(retained, d.reachable_bytes()),
            children: d.children(v).len() as u32,
            label: inspect::preview(g, v),
        }
    }
}

/// One reference of an object: the field (or element) and the object at its other end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferenceRow {
    /// Field / element label (`table[3]`, `<class>`, `<Java Local>`…).
    pub field: String,
    pub object: ObjectRow,
}

/// `referrers` (of `v`, as [`references::referrers`] lists them) as rows, each labelled by the
/// field through which it refers to `v` (`?` if none does any more).
pub fn referrer_rows(
    g: &HeapGraph,
    d: &Dominance,
    v: Node,
    referrers: &[Node],
) -> Vec<ReferenceRow> {
    referrers
        .iter()
        .map(|&q| ReferenceRow {
            field: references::reference_label(g, q, v).unwrap_or_else(|| "?".into()),
            object: ObjectRow::new(g, d, q),
        })
        .collect()
}

/// Outgoing references `start..end` of `v` ([`references::outgoing`]) as rows.
pub fn outgoing_rows(
    g: &HeapGraph,
    d: &Dominance,
    v: Node,
    start: usize,
    end: usize,
) -> Vec<ReferenceRow> {
    references::outgoing(g, v, start, end)
        .into_iter()
        .map(|(t, field)| ReferenceRow {
            field,
            object: ObjectRow::new(g, d, t),
        })
        .collect()
}

/// Objects listed by a tree search at most (the largest retained ones); `total` still counts
/// every match.
pub const MAX_SEARCH_RESULTS: u32 = 100_000;

/// Paths from the top of the dominator tree longer than this are not sent
/// ([`TreeSearchRow::path`] is then empty: the object is too deep to reveal in the tree).
pub const MAX_SEARCH_DEPTH: u32 = 128;

/// One step of a path down the dominator tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeStep {
    pub object_id: String,
    /// Position among its dominator-tree siblings, largest retained first (the order of
    /// [`domtree::ChildOrder::Retained`]): the page of children that holds it is
    /// `index / page size`.
    pub index: u32,
}

/// One match of [`tree_search`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeSearchRow {
    pub row: ObjectRow,
    /// Level in the dominator tree (0: a child of the super-root, i.e. a top-level row);
    /// [`MAX_SEARCH_DEPTH`] means at least that deep.
    pub depth: u32,
    /// From the top-level ancestor down to the object itself (`depth + 1` steps); empty when
    /// `depth` ≥ [`MAX_SEARCH_DEPTH`].
    pub path: Vec<TreeStep>,
}

/// A page of [`tree_search`]'s matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeSearchPage {
    pub pattern: String,
    /// Reachable objects whose class matches.
    pub total: u32,
    /// Of those, how many can be paged through (at most [`MAX_SEARCH_RESULTS`]).
    pub listed: u32,
    /// Classes whose name matches.
    pub classes: u32,
    pub offset: u32,
    pub rows: Vec<TreeSearchRow>,
}

/// Matches `offset..offset + limit` of a search of the dominator tree ([`domtree::search`]):
/// the largest retained objects whose class matches `pattern`, at most
/// [`MAX_SEARCH_RESULTS`], each with its path down the tree (at most [`MAX_SEARCH_DEPTH`]
/// steps). Nothing is kept between pages: a page costs a few ms per million objects.
pub fn tree_search(
    g: &HeapGraph,
    d: &Dominance,
    pattern: String,
    offset: u32,
    limit: u32,
) -> TreeSearchPage {
    let want = (offset as usize)
        .saturating_add(limit as usize)
        .min(MAX_SEARCH_RESULTS as usize);
    let found = domtree::search(g, d, &pattern, want);
    let rows = found.top[page_range(found.top.len(), offset, limit)]
        .iter()
        .map(|&v| {
            let path = domtree::path_from_top(g, d, v, MAX_SEARCH_DEPTH as usize);
            TreeSearchRow {
                row: ObjectRow::new(g, d, v),
                depth: path
                    .as_ref()
                    .map_or(MAX_SEARCH_DEPTH, |p| p.len() as u32 - 1),
                path: path
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(x, index)| TreeStep {
                        object_id: format_id(g.id(x)),
                        index,
                    })
                    .collect(),
            }
        })
        .collect();
    TreeSearchPage {
        pattern,
        total: found.total,
        listed: found.total.min(MAX_SEARCH_RESULTS),
        classes: found.classes,
        offset,
        rows,
    }
}
