//! MAT's "Immediate Dominators": for each selected object its immediate dominator (the one
//! object that keeps it alive), grouped by the dominator's class, climbing past dominators
//! whose class matches a *skip pattern* so the answer is an application object rather than the
//! `HashMap$Node[]` in between.
//!
//! As MAT's `SnapshotImpl.getDominatorsOf`: the skip pattern matches whole class names
//! (default [`DEFAULT_SKIP`], MAT's); a class object's class is `java.lang.Class` (so the
//! default skips it); an object whose climb reaches the virtual root is counted under
//! `<ROOT>`. Each row counts distinct dominators and distinct dominated objects with their
//! shallow sizes; rows are ordered by dominated shallow size, largest first (MAT's sort).
//! Differs from MAT: unreachable selected objects (MAT has discarded them) are counted apart.

use crate::graph::{Dominance, HeapGraph, Node};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// MAT's default skip pattern (`ImmediateDominatorsQuery.skipPattern`).
pub const DEFAULT_SKIP: &str = r"java\..*|javax\..*|com\.sun\..*|sun\..*|jdk\..*";

/// Dominators of one class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DominatorClassRow {
    /// Class name of the dominators; `<ROOT>` for objects only the GC roots keep alive.
    pub class: String,
    /// `None` for `<ROOT>`.
    pub class_index: Option<u32>,
    /// Distinct dominators of this class.
    pub dominators: u64,
    /// Distinct selected objects they dominate.
    pub dominated: u64,
    /// Shallow size of the dominators.
    pub dominator_shallow: u64,
    /// Shallow size of the dominated objects.
    pub dominated_shallow: u64,
    /// Retained size of the dominators (each counted once; nested ones not subtracted).
    pub dominator_retained: u64,
    /// The dominators, biggest retained first (for "open these objects").
    #[serde(skip)]
    pub dominator_nodes: Vec<Node>,
}

/// The immediate dominators of a selection, by class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImmediateDominators {
    /// Objects selected.
    pub selected: u64,
    /// Of those, unreachable (no dominator; left out).
    pub unreachable: u64,
    /// The skip pattern in effect (`""`: none).
    pub skip: String,
    pub rows: Vec<DominatorClassRow>,
}

/// A skip pattern that is not a valid regular expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadPattern {
    pub pattern: String,
    pub message: String,
}

impl std::fmt::Display for BadPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad skip pattern {:?}: {}", self.pattern, self.message)
    }
}

impl std::error::Error for BadPattern {}

/// Immediate dominators of `selection`; `skip` is a regular expression over whole class names
/// (`None` or `""`: skip nothing).
pub fn immediate_dominators(
    g: &HeapGraph,
    d: &Dominance,
    selection: &[Node],
    skip: Option<&str>,
) -> Result<ImmediateDominators, BadPattern> {
    let skip = skip.unwrap_or("");
    let re = if skip.is_empty() {
        None
    } else {
        Some(
            regex::Regex::new(&format!("^(?:{skip})$")).map_err(|e| BadPattern {
                pattern: skip.to_string(),
                message: e.to_string(),
            })?,
        )
    };
    // Per class index: skipped? (computed once per class, as MAT's include/exclude caches).
    let mut skipped: Vec<Option<bool>> = vec![None; g.classes.len()];
    let mut is_skipped = |c: u32| -> bool {
        *skipped[c as usize].get_or_insert_with(|| {
            re.as_ref()
                .is_some_and(|r| r.is_match(&g.classes[c as usize].name))
        })
    };
    let root = g.super_root();
    struct Acc {
        dominators: HashSet<Node>,
        dominated: HashSet<Node>,
        dominator_shallow: u64,
        dominated_shallow: u64,
    }
    let mut groups: HashMap<Option<u32>, Acc> = HashMap::new();
    let mut unreachable = 0u64;
    for &v in selection {
        if v.index() >= g.node_count() || !d.is_reachable(v) {
            unreachable += 1;
            continue;
        }
        let mut dom = d.idom(v).unwrap_or(root);
        while dom != root && is_skipped(g.class_index(dom)) {
            dom = d.idom(dom).unwrap_or(root);
        }
        let key = (dom != root).then(|| g.class_index(dom));
        let a = groups.entry(key).or_insert_with(|| Acc {
            dominators: HashSet::new(),
            dominated: HashSet::new(),
            dominator_shallow: 0,
            dominated_shallow: 0,
        });
        if dom != root && a.dominators.insert(dom) {
            a.dominator_shallow += g.shallow(dom);
        }
        if a.dominated.insert(v) {
            a.dominated_shallow += g.shallow(v);
        }
    }
    let mut rows: Vec<DominatorClassRow> = groups
        .into_iter()
        .map(|(key, a)| {
            let mut nodes: Vec<Node> = a.dominators.into_iter().collect();
            nodes.sort_by(|&x, &y| d.retained(y).cmp(&d.retained(x)).then(x.cmp(&y)));
            DominatorClassRow {
                class: key.map_or_else(
                    || "<ROOT>".to_string(),
                    |c| g.classes[c as usize].name.clone(),
                ),
                class_index: key,
                dominators: nodes.len() as u64,
                dominated: a.dominated.len() as u64,
                dominator_shallow: a.dominator_shallow,
                dominated_shallow: a.dominated_shallow,
                dominator_retained: nodes.iter().map(|&x| d.retained(x)).sum(),
                dominator_nodes: nodes,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.dominated_shallow
            .cmp(&a.dominated_shallow)
            .then(b.dominated.cmp(&a.dominated))
            .then_with(|| a.class.cmp(&b.class))
    });
    Ok(ImmediateDominators {
        selected: selection.len() as u64,
        unreachable,
        skip: skip.to_string(),
        rows,
    })
}
