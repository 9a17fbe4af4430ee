//! The overview numbers of a dump: one [`Summary`] type, which the report serializes as its
//! `summary` (docs/report-schema.md), the CLI prints and the page's overview carries.

use super::histogram::ClassTotals;
use crate::graph::{Dominance, HeapGraph, Node, SizeMode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Overview numbers. Sizes are bytes under the rule `size_rule` names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// `JAVA PROFILE 1.0.2` and the like.
    pub format: String,
    /// Identifier size of the dump (4 or 8).
    pub id_size: u8,
    /// Dump time from the file header, milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Decompressed HPROF bytes parsed.
    pub dump_bytes: u64,
    pub objects_total: u64,
    pub objects_reachable: u64,
    pub objects_unreachable: u64,
    /// Classes with a class object in the dump.
    pub classes: u64,
    /// Distinct GC-root objects (successors of the super-root).
    pub gc_roots: u64,
    /// Distinct objects that are GC roots of each kind (MAT's names and counts: an object
    /// named by several records of one kind counts once, e.g. 23 JNI Globals from 30 records).
    pub roots_by_kind: BTreeMap<String, u64>,
    /// Reachable `java.lang.Thread` objects ([`super::threads::thread_nodes`]).
    pub threads: u64,
    /// Shallow bytes of every object, reachable or not.
    pub heap_shallow_total: u64,
    /// Shallow bytes of the reachable objects (= retained size of the super-root).
    pub heap_reachable: u64,
    /// Shallow bytes of the unreachable objects.
    pub heap_unreachable: u64,
    /// Whether compressed references were inferred (reference size 4 with 8-byte ids).
    pub compressed_oops: bool,
    /// Inferred object alignment in bytes.
    pub alignment: u32,
    /// The shallow-size rule in effect (`SizeRule::mode`).
    #[serde(default)]
    pub size_rule: SizeMode,
    /// Heap dumps in the file (the JDK ≤ 8 hprof agent appends one per request; 1 for a
    /// JVM's own dump) and the one analyzed (1-based): see `graph::dumps`.
    #[serde(default = "one")]
    pub heap_dumps: u32,
    #[serde(default = "one")]
    pub dump_shown: u32,
    /// References between objects (object → class edges excluded).
    pub edges: u64,
    /// References to ids that are not in the dump (skipped).
    pub dangling_refs: u64,
    /// Root records naming ids that are not in the dump (skipped; not in `roots_by_kind`).
    #[serde(default)]
    pub dangling_roots: u64,
    /// Human-readable problems with the input (truncation and the like), most important first.
    pub warnings: Vec<String>,
}

fn one() -> u32 {
    1
}

/// Where the reader of a multi-dump warning chooses another dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpChoice {
    /// The command line: `--dump N` (the summary's own wording).
    Cli,
    /// The web page's heap-dump chooser.
    Page,
}

/// The warning of a file that holds `dumps` heap dumps, `shown` analyzed, worded for where the
/// reader can choose another.
pub fn multi_dump_warning(dumps: u32, shown: u32, choice: DumpChoice) -> String {
    let how = match choice {
        DumpChoice::Cli => "with `heaplens analyze --dump N`",
        DumpChoice::Page => "in the heap dump chooser above",
    };
    format!("the file holds {dumps} heap dumps; dump {shown} is shown (choose another {how})")
}

/// Whether a warning (as [`Summary::warnings`] words it) says the dump is incomplete: cut
/// short, or a heap record that was never finished. Such a dump never gets a "no leak
/// suspect" verdict.
pub fn is_incomplete_warning(warning: &str) -> bool {
    warning.starts_with("the dump is truncated") || warning.contains("was probably not finished")
}

/// Whether the parser found the dump incomplete (see [`is_incomplete_warning`]).
pub(crate) fn is_incomplete(g: &HeapGraph) -> bool {
    g.meta.warnings.iter().any(|w| {
        matches!(
            w,
            crate::hprof::Warning::Truncated { .. }
                | crate::hprof::Warning::HeapRecordRanToEnd { .. }
        )
    })
}

pub fn summarize(g: &HeapGraph, d: &Dominance) -> Summary {
    summarize_and_totals(g, d).0
}

/// [`summarize`], and the class totals it reads (one read of every object), for the leak
/// suspects and the histogram to reuse ([`super::find_suspects_from_totals`],
/// [`super::histogram_from_totals`]).
pub fn summarize_and_totals(g: &HeapGraph, d: &Dominance) -> (Summary, ClassTotals) {
    let totals = super::histogram::class_totals(g, d, &mut |_| {});
    let (shallow_total, unreachable_bytes) = totals.shallow_sums();
    (
        summarize_with(g, d, shallow_total, unreachable_bytes),
        totals,
    )
}

/// [`summarize`] given the shallow bytes of all objects and of the unreachable ones (the
/// report has them from the histogram's class totals, one read of every node fewer).
pub(crate) fn summarize_with(
    g: &HeapGraph,
    d: &Dominance,
    shallow_total: u64,
    unreachable_bytes: u64,
) -> Summary {
    let mut root_objects: Vec<(&'static str, Node)> =
        g.roots.iter().map(|r| (r.kind.label(), r.node)).collect();
    root_objects.sort_unstable();
    root_objects.dedup();
    let mut roots_by_kind = BTreeMap::new();
    for (kind, _) in root_objects {
        *roots_by_kind.entry(kind.to_string()).or_insert(0) += 1;
    }
    // The threads the Threads list shows (one definition: `threads::thread_nodes`).
    let threads = super::threads::thread_nodes(g, d).len() as u64;
    let mut warnings: Vec<String> = g.meta.warnings.iter().map(|w| w.to_string()).collect();
    if g.stats.heap_dumps > 1 {
        warnings.push(multi_dump_warning(
            g.stats.heap_dumps,
            g.stats.dump_shown,
            DumpChoice::Cli,
        ));
    }
    if g.stats.input_changed {
        warnings.push(
            "the dump changed between the two reading passes; results may be inconsistent".into(),
        );
    }
    if g.stats.duplicate_ids > 0 {
        warnings.push(format!(
            "{} object records repeat an id already seen; the first was kept",
            g.stats.duplicate_ids
        ));
    }
    if g.stats.malformed_instances > 0 {
        warnings.push(format!(
            "{} instances carry less field data than their class declares",
            g.stats.malformed_instances
        ));
    }
    Summary {
        format: g.meta.header.version.as_str().to_string(),
        id_size: g.id_size(),
        timestamp_ms: g.meta.header.timestamp_ms,
        dump_bytes: g.meta.bytes,
        objects_total: g.node_count() as u64,
        objects_reachable: d.reachable as u64,
        objects_unreachable: (g.node_count() - d.reachable) as u64,
        classes: g
            .classes
            .iter()
            .filter(|c| c.node != crate::graph::NO_NODE)
            .count() as u64,
        gc_roots: g.root_nodes().len() as u64,
        roots_by_kind,
        threads,
        heap_shallow_total: shallow_total,
        heap_reachable: d.reachable_bytes(),
        heap_unreachable: unreachable_bytes,
        compressed_oops: g.sizes.compressed_oops,
        alignment: g.sizes.alignment,
        size_rule: g.sizes.mode,
        heap_dumps: g.stats.heap_dumps.max(1),
        dump_shown: g.stats.dump_shown.max(1),
        edges: g.stats.edges,
        dangling_refs: g.stats.dangling_refs,
        dangling_roots: g.stats.dangling_roots,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hprof::{Item, Warning};

    #[test]
    fn incomplete_warnings_are_recognised_by_their_text() {
        let cut = Warning::Truncated {
            offset: 500_000,
            item: Item::Record(0x1c),
        };
        assert!(is_incomplete_warning(&cut.to_string()));
        let unfinished = Warning::HeapRecordRanToEnd { offset: 31 };
        assert!(is_incomplete_warning(&unfinished.to_string()));
        let garbage = Warning::TrailingGarbage { offset: 9 };
        assert!(!is_incomplete_warning(&garbage.to_string()));
    }
}
