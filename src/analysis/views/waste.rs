//! Waste as the page shows it: the three waste analyses (duplicate strings, largest arrays,
//! collection fill) cut for one message. The core's lists keep every node of a duplicated
//! String and each holder apart; the page gets the holders as one line each, one example
//! object to open, a path as its `root → field → …` text, and the 100 most wasteful
//! collection classes.

use crate::analysis::waste::summary_line;
use crate::analysis::{collection_fill, duplicate_strings, largest_arrays_with, PathFinder};
use crate::graph::{Dominance, HeapGraph};
use crate::report::{format_bytes, format_count, format_id};
use serde::{Deserialize, Serialize};

use super::path_text;

/// Collection classes a [`WasteView`] lists at most (most wasted bytes first).
const COLLECTION_CLASSES: usize = 100;

/// A String value held by several String objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateStringView {
    pub value: String,
    pub length: u64,
    pub count: u64,
    pub wasted_bytes: u64,
    /// `com.x.Foo.name ×1,000`.
    pub holders: Vec<String>,
    /// One of the instances.
    pub example_id: Option<String>,
}

/// One of the largest arrays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArrayView {
    pub object_id: String,
    pub class: String,
    pub length: u32,
    pub shallow: u64,
    pub retained: u64,
    /// `root kind: a.b[3].c`.
    pub path: Option<String>,
}

/// How full the collections of one class are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionFillView {
    pub class: String,
    pub count: u64,
    pub empty: u64,
    pub total_size: u64,
    pub total_capacity: u64,
    pub avg_fill_ratio: Option<f64>,
    pub wasted_bytes: u64,
    /// Worst instance (to open).
    pub worst_id: Option<String>,
}

/// The waste views' page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WasteView {
    /// `1.2 MiB in 3,456 duplicate strings; … of unused collection capacity; largest array …`.
    pub summary: String,
    pub strings: u64,
    pub duplicate_instances: u64,
    pub duplicate_wasted: u64,
    pub duplicates: Vec<DuplicateStringView>,
    pub arrays: Vec<ArrayView>,
    pub collections_wasted: u64,
    pub collections: Vec<CollectionFillView>,
}

impl WasteView {
    /// Runs the three waste analyses; the arrays' paths come from `finder` (strong references:
    /// how a GC root holds each array).
    pub fn new(g: &HeapGraph, d: &Dominance, finder: &PathFinder<'_>) -> Self {
        let dups = duplicate_strings(g, d);
        let arrays = largest_arrays_with(g, d, Some(finder));
        let cols = collection_fill(g, d);
        let summary = summary_line(&dups, &cols, &arrays, format_bytes, format_count);
        WasteView {
            summary,
            strings: dups.strings,
            duplicate_instances: dups.duplicate_instances,
            duplicate_wasted: dups.wasted_bytes,
            duplicates: dups
                .groups
                .into_iter()
                .map(|x| DuplicateStringView {
                    value: x.value,
                    length: x.length,
                    count: x.count,
                    wasted_bytes: x.wasted_bytes,
                    holders: x
                        .top_holders
                        .iter()
                        .map(|h| format!("{}.{} ×{}", h.class, h.field, format_count(h.count)))
                        .collect(),
                    example_id: x.nodes.first().map(|&v| format_id(g.id(v))),
                })
                .collect(),
            arrays: arrays
                .into_iter()
                .map(|a| ArrayView {
                    path: a.path.as_ref().map(path_text),
                    object_id: a.object_id,
                    class: a.class,
                    length: a.length,
                    shallow: a.shallow,
                    retained: a.retained,
                })
                .collect(),
            collections_wasted: cols.wasted_bytes,
            collections: cols
                .classes
                .into_iter()
                .take(COLLECTION_CLASSES)
                .map(|c| CollectionFillView {
                    worst_id: c.worst.first().map(|w| w.object_id.clone()),
                    class: c.class,
                    count: c.count,
                    empty: c.empty,
                    total_size: c.total_size,
                    total_capacity: c.total_capacity,
                    avg_fill_ratio: c.avg_fill_ratio,
                    wasted_bytes: c.wasted_bytes,
                })
                .collect(),
        }
    }
}
