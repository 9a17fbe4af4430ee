//! The overview numbers of each dump and their deltas; threads and class loaders that appeared.

use crate::analysis::histogram::Histogram;
use crate::analysis::patterns::{is_loader_class, live_threads, name_pattern};
use crate::analysis::threads::thread_name;
use crate::graph::{Dominance, HeapGraph, SizeMode, NO_NODE};
use crate::hprof::{Id, RootKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What one side of a comparison shows in its summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DumpSummary {
    /// File name (or whatever the caller named the dump), if known.
    pub source: Option<String>,
    /// The dump header's timestamp (milliseconds since the epoch).
    pub timestamp_ms: u64,
    pub format: String,
    pub id_size: u8,
    /// The shallow-size rule of every size (`jvm` or `mat`, as in the report).
    pub size_rule: SizeMode,
    /// Decompressed HPROF bytes.
    pub dump_bytes: u64,
    /// Bytes of the objects reachable from the GC roots (the "heap" of the comparison).
    pub heap: u64,
    /// Bytes of every object in the dump, unreachable ones included.
    pub heap_total: u64,
    /// Reachable objects.
    pub objects: u64,
    /// Every object in the dump.
    pub objects_total: u64,
    /// Classes (CLASS DUMP records).
    pub classes: u64,
    /// Class loader instances (the bootstrap loader not counted).
    pub class_loaders: u64,
    /// Live threads (ROOT THREAD OBJECT records).
    pub threads: u64,
    /// Distinct GC-root objects.
    pub gc_roots: u64,
}

/// `new − baseline` of each summary number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryDelta {
    pub heap: i64,
    pub heap_total: i64,
    pub objects: i64,
    pub objects_total: i64,
    pub classes: i64,
    pub class_loaders: i64,
    pub threads: i64,
    pub gc_roots: i64,
}

/// `b − a` as a signed number (saturating).
pub(crate) fn delta(a: u64, b: u64) -> i64 {
    if b >= a {
        i64::try_from(b - a).unwrap_or(i64::MAX)
    } else {
        i64::try_from(a - b).map(|x| -x).unwrap_or(i64::MIN)
    }
}

impl SummaryDelta {
    pub(crate) fn of(a: &DumpSummary, b: &DumpSummary) -> SummaryDelta {
        SummaryDelta {
            heap: delta(a.heap, b.heap),
            heap_total: delta(a.heap_total, b.heap_total),
            objects: delta(a.objects, b.objects),
            objects_total: delta(a.objects_total, b.objects_total),
            classes: delta(a.classes, b.classes),
            class_loaders: delta(a.class_loaders, b.class_loaders),
            threads: delta(a.threads, b.threads),
            gc_roots: delta(a.gc_roots, b.gc_roots),
        }
    }
}

/// Loader instances of one loader class in one dump.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderCount {
    pub class: String,
    pub loaders: u64,
    /// Classes those loaders define together.
    pub classes_defined: u64,
}

/// The summary of one dump, from its class histogram (whose rows add up to every object's
/// shallow size) and its [`loader_counts`]: neither is computed a second time.
pub(crate) fn summary(
    g: &HeapGraph,
    d: &Dominance,
    h: &Histogram,
    loaders: &[LoaderCount],
    source: Option<String>,
) -> DumpSummary {
    let total = h
        .reachable
        .iter()
        .chain(&h.unreachable)
        .map(|r| r.shallow)
        .sum();
    DumpSummary {
        source,
        timestamp_ms: g.meta.header.timestamp_ms,
        format: g.meta.header.version.as_str().to_string(),
        id_size: g.id_size(),
        size_rule: g.sizes.mode,
        dump_bytes: g.meta.bytes,
        heap: d.reachable_bytes(),
        heap_total: total,
        objects: d.reachable as u64,
        objects_total: g.node_count() as u64,
        classes: g.classes.iter().filter(|c| c.node != NO_NODE).count() as u64,
        class_loaders: loaders.iter().map(|l| l.loaders).sum(),
        threads: g
            .roots
            .iter()
            .filter(|r| r.kind == RootKind::ThreadObject)
            .map(|r| r.node)
            .collect::<BTreeSet<_>>()
            .len() as u64,
        gc_roots: g.root_nodes().len() as u64,
    }
}

/// Live threads by name pattern (`pool-7-thread-*`: 2,000).
pub(crate) fn thread_patterns(g: &HeapGraph, d: &Dominance) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for t in live_threads(g, d) {
        let name = thread_name(g, t).unwrap_or_else(|| "<unnamed>".into());
        *out.entry(name_pattern(&name)).or_insert(0) += 1;
    }
    out
}

/// Class loader instances by loader class, with the classes they define.
pub(crate) fn loader_counts(g: &HeapGraph) -> Vec<LoaderCount> {
    let is_loader: Vec<bool> = (0..g.classes.len() as u32)
        .map(|c| !g.classes[c as usize].is_array() && is_loader_class(g, c))
        .collect();
    let mut defined: BTreeMap<Id, u64> = BTreeMap::new();
    for c in &g.classes {
        if c.node != NO_NODE && !c.loader.is_null() {
            *defined.entry(c.loader).or_insert(0) += 1;
        }
    }
    let mut by: BTreeMap<String, LoaderCount> = BTreeMap::new();
    for v in g.nodes() {
        if !is_loader[g.class_index(v) as usize] || g.as_class(v).is_some() {
            continue;
        }
        let class = g.class(v).name.clone();
        let e = by.entry(class.clone()).or_insert(LoaderCount {
            class,
            ..Default::default()
        });
        e.loaders += 1;
        e.classes_defined += defined.get(&g.id(v)).copied().unwrap_or(0);
    }
    by.into_values().collect()
}
