//! What an investigation view runs over, as the page names it: a histogram row's class, the
//! ids of objects on screen, or a selection typed as the CLI reads it. [`resolve_view_selection`]
//! turns it into the objects and the label the views show above their result.

use crate::analysis::explore::{parse_address, parse_selection, resolve_selection};
use crate::graph::{Dominance, HeapGraph, Node};
use crate::hprof::Id;
use crate::query::QueryEnv;
use crate::report::{format_count, format_id};
use serde::{Deserialize, Serialize};

/// What a view runs over.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExploreSelection {
    /// The instances (reachable and unreachable) of one class, by its index (a histogram row).
    Class { class: u32 },
    /// Objects by their `0x…` ids (a tree row, an object page).
    Objects { ids: Vec<String> },
    /// A selection as the CLI reads it: a class name, `instanceof NAME`, a class-name
    /// regular expression, `0x…` addresses or an OQL `SELECT` (docs/explore.md).
    Text { text: String },
}

/// A selection's objects and what to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSelection {
    /// The objects, in node order for a class, in the given order (repeats next to each other
    /// dropped) for ids, as the query gives them for text.
    pub nodes: Vec<Node>,
    /// The class name, `Class @ 0x…` for one object, `N objects`, or the selection's text.
    pub label: String,
}

/// The objects `sel` names and its label; an error says what is wrong with the selection
/// (a class index or an id the dump does not have, no object, a selection that does not parse).
pub fn resolve_view_selection(
    g: &HeapGraph,
    d: &Dominance,
    sel: &ExploreSelection,
) -> Result<ResolvedSelection, String> {
    match sel {
        ExploreSelection::Class { class } => {
            let info = g
                .classes
                .get(*class as usize)
                .ok_or_else(|| format!("no class #{class} in this dump"))?;
            let nodes = g
                .nodes()
                .filter(|&v| g.class_index(v) == *class && g.as_class(v).is_none())
                .collect();
            Ok(ResolvedSelection {
                nodes,
                label: info.name.clone(),
            })
        }
        ExploreSelection::Objects { ids } => {
            let mut nodes = Vec::with_capacity(ids.len());
            for id in ids {
                nodes.push(node_by_address(g, id)?);
            }
            nodes.dedup();
            let label = match nodes.as_slice() {
                [] => return Err("the selection names no object".into()),
                [one] => format!("{} @ {}", g.display_class(*one), format_id(g.id(*one))),
                many => format!("{} objects", format_count(many.len() as u64)),
            };
            Ok(ResolvedSelection { nodes, label })
        }
        ExploreSelection::Text { text } => {
            let parsed = parse_selection(text).map_err(|e| e.to_string())?;
            let env = QueryEnv {
                graph: g,
                dominance: Some(d),
                source: None,
                cancel: None,
            };
            let nodes = resolve_selection(g, &parsed, Some(env)).map_err(|e| e.to_string())?;
            Ok(ResolvedSelection {
                nodes,
                label: text.trim().to_string(),
            })
        }
    }
}

/// The node of a `0x…` id, or why there is none.
pub fn node_by_address(g: &HeapGraph, id: &str) -> Result<Node, String> {
    let t = id.trim();
    let addr = parse_address(t)
        .ok_or_else(|| format!("{t:?} is not an object id (0x followed by hex digits)"))?;
    g.node_of(Id::new(addr))
        .ok_or_else(|| format!("the dump has no object at {}", format_id(Id::new(addr))))
}
