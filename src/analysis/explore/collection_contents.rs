//! The contents of one collection (MAT's "Extract List Values" and "Hash Entries"): a list's,
//! queue's or array's elements, a set's members, a map's keys and values, in storage order,
//! for every JDK layout [`crate::analysis::collections`] reads (JDK 6 to 25, wrappers such as
//! `Collections$UnmodifiableMap` or `HashSet` unwrapped). Each key and value comes with its
//! class and, for Strings and boxed values the build kept, a short text.

use super::{ObjectLink, Page};
use crate::analysis::collection_entries::entries;
use crate::analysis::collections::{extract, CollectionInfo, CollectionKind};
use crate::graph::{HeapGraph, Node};
use serde::Serialize;

/// One entry: lists, queues and arrays have `value` only, sets `key` only, maps both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentRow {
    /// Position in storage order.
    pub index: u64,
    pub key: Option<ContentItem>,
    pub value: Option<ContentItem>,
}

/// A key or value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentItem {
    #[serde(flatten)]
    pub object: ObjectLink,
    /// The text of a String (its kept preview), when there is one.
    pub text: Option<String>,
}

/// One page of a collection's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionContents {
    pub info: CollectionInfo,
    /// Entries read (`info.size` is what the collection says it holds; they differ when a
    /// walk meets a damaged or cyclic structure).
    pub page: Page<ContentRow>,
}

/// Why there are no contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotACollection {
    pub object_id: String,
    pub class: String,
}

impl std::fmt::Display for NotACollection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} @ {} is not a collection heaplens can read (a JDK list, set, map, queue or an object array)",
            self.class, self.object_id
        )
    }
}

impl std::error::Error for NotACollection {}

/// Entries `offset..offset + limit` of collection `v`; `page.total` counts every entry.
pub fn collection_contents(
    g: &HeapGraph,
    v: Node,
    offset: u64,
    limit: usize,
) -> Result<CollectionContents, NotACollection> {
    let not = || NotACollection {
        object_id: format!("0x{:x}", g.id(v)),
        class: g.display_class(v),
    };
    if v.index() >= g.node_count() {
        return Err(not());
    }
    let info = extract(g, v).ok_or_else(not)?;
    let all = entries(g, &info, usize::MAX);
    let keys_only = info.kind == CollectionKind::Set;
    let item = |n: Option<Node>| {
        n.map(|n| ContentItem {
            object: ObjectLink::new(g, n),
            text: g.string_value(n).map(str::to_string),
        })
    };
    let rows: Vec<ContentRow> = all
        .iter()
        .enumerate()
        .skip(offset.min(usize::MAX as u64) as usize)
        .take(limit)
        .map(|(i, e)| ContentRow {
            index: i as u64,
            key: item(e.key),
            value: if keys_only { None } else { item(e.value) },
        })
        .collect();
    Ok(CollectionContents {
        info,
        page: Page {
            offset,
            total: all.len() as u64,
            rows,
        },
    })
}
