//! The report: one stable, versioned JSON document (`docs/report-schema.md`) and its Markdown and
//! self-contained HTML renderings.
//!
//! ```text
//! HeapGraph + Dominance ──build_report──▶ Report ──serde_json──▶ JSON (the contract)
//!                                            └──sections()──▶ Vec<Section> ──▶ to_markdown / to_html
//! ```
//!
//! Both renderers draw from the same list of [`doc::Section`]s, built once from the `Report` in
//! [`sections`]: a section is a title plus blocks (facts, tables, notes), and a table is rows of
//! typed [`doc::Cell`]s (text, code, bytes, counts, percentages). The renderers know nothing about
//! heaps; the section builders know nothing about HTML or Markdown.
//!
//! Everything here compiles for wasm32 (no files, clocks or threads): the browser exports the very
//! same JSON and HTML. Text that comes from the dump (class names, strings, thread names) is
//! untrusted and is escaped by the renderers.
//!
//! # Adding a field (extension point)
//!
//! The analyses still to come (`suspects`, `threads`, `thread_groups`, `thread_locals`,
//! `class_loaders`, `duplicate_strings`, `largest_arrays`, `collections`) each take three small
//! steps, marked `EXTENSION POINT` below and in `sections.rs`:
//!
//! 1. a field on [`Report`] — `pub suspects: Vec<Suspect>`, or for an analysis that may be absent
//!    `#[serde(default, skip_serializing_if = "Option::is_none")] pub suspects: Option<Vec<Suspect>>`
//!    (the row type needs only `Serialize`); bump [`SCHEMA_VERSION`] if the change is breaking
//!    (see the stability rules in `docs/report-schema.md`) and document the field there;
//! 2. fill it in [`build_report`];
//! 3. one `impl Tabular for Row` (columns + cells) and one `table_section(...)` line in
//!    [`sections::sections`]: Markdown and HTML then render it, escaped, sortable, with sizes in
//!    KiB/MiB.

mod analysis_sections;
mod diff_html;
mod diff_markdown;
pub(crate) mod diff_sections;
pub(crate) mod doc;
pub(crate) mod format;
mod html;
mod json;
mod markdown;
mod process_sections;
pub(crate) mod redact;
pub(crate) mod sections;

pub use diff_html::diff_to_html;
pub use diff_markdown::diff_to_markdown;
pub(crate) use format::format_percent;
pub use format::{
    format_approx_count, format_bytes, format_count, format_delta_bytes, format_delta_count,
    format_id, format_timestamp_ms, needs_json_escape, percent,
};
pub use html::to_html;
pub use json::{to_json, to_json_compact};
pub use markdown::to_markdown;
pub(crate) use redact::{redact, Contents};

use crate::analysis::histogram;
use crate::analysis::summary::summarize_with;
use crate::analysis::{PathFinder, PathIndex, PathOptions, Summary};
use crate::graph::{DomPreorder, Dominance, HeapGraph};
use crate::parallel::join;
use serde::Serialize;

/// Version of the JSON schema. Additive changes (new fields, new sections) keep it; renaming,
/// removing or changing the meaning or type of a field bumps it.
pub(crate) const SCHEMA_VERSION: u32 = 3;

/// Name the report gives for the tool.
pub(crate) const TOOL_NAME: &str = "heaplens";

/// The whole report. Serialize it with `serde_json` for the JSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`] of this document.
    pub schema: u32,
    pub tool: Tool,
    /// The dump file as the user named it (absent when the caller did not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Which of the dump's data (string values, thread names…) the report holds, or that it
    /// was redacted ([`redact`]).
    pub contents: Contents,
    /// The core's [`Summary`] as is: one type for the report, the CLI and the page.
    pub summary: Summary,
    /// Every class with reachable instances, largest retained first.
    pub histogram: Vec<ClassRow>,
    /// Every class with unreachable instances, largest shallow first.
    pub unreachable_histogram: Vec<UnreachableClassRow>,
    /// The biggest children of the dominator tree's super-root (objects that alone keep the
    /// most memory alive), largest retained first.
    pub dominators: Vec<DominatorRow>,
    // ---- Schema 2: the analyses. EXTENSION POINT: one line per new section (module docs).
    /// Leak suspects, biggest first (MAT's method, see docs/report-schema.md).
    pub suspects: Vec<crate::analysis::Suspect>,
    /// Every `java.lang.Thread`, largest retained first.
    pub threads: Vec<crate::analysis::ThreadInfo>,
    /// Threads grouped by name pattern (`pool-7-thread-*`), largest group first.
    pub thread_groups: Vec<crate::analysis::ThreadGroupInfo>,
    /// ThreadLocalMap entries of every thread and the findings drawn from them.
    pub thread_locals: crate::analysis::ThreadLocalReport,
    /// Class loaders, duplicate classes, open jar files.
    pub class_loaders: crate::analysis::ClassLoaderReport,
    /// Strings with the same contents held more than once.
    pub duplicate_strings: crate::analysis::DuplicateStrings,
    /// The largest arrays with their path to a GC root.
    pub largest_arrays: Vec<crate::analysis::ArrayInfo>,
    /// Fill ratios of the standard JDK collections.
    pub collections: crate::analysis::CollectionFillReport,
    /// Memory beyond the heap: direct and mapped buffers, thread stacks, class metadata and
    /// the JVM's own figures, each labelled a fact or an estimate (additive in schema 3).
    pub process_memory: crate::analysis::ProcessMemory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: TOOL_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The dump file as stored (the caller knows it; the core does not read files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// File name as given by the user (path or browser `File.name`). Untrusted text.
    pub name: String,
    /// Size of the file as stored (compressed size for `.gz`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_bytes: Option<u64>,
}

/// One class of the reachable histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassRow {
    /// Java source form: `java.lang.String`, `byte[]`, `java.util.HashMap$Node[]`.
    pub class: String,
    pub instances: u64,
    pub shallow: u64,
    /// Bytes freed if every instance were gone (instances dominated by another instance of the
    /// same class counted once). Always ≥ `shallow`.
    pub retained: u64,
}

/// One class of the unreachable histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreachableClassRow {
    pub class: String,
    pub instances: u64,
    pub shallow: u64,
}

/// One dominator-tree child of the super-root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DominatorRow {
    /// `0x…` (hex string: ids can exceed JavaScript's exact integer range).
    pub object_id: String,
    /// Class name; a class object shows as `class com.x.Foo`.
    pub class: String,
    pub shallow: u64,
    pub retained: u64,
    /// Objects retained, the object itself included.
    pub retained_objects: u64,
}

/// What [`build_report`] includes.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// How many super-root children to list in `dominators` (default 100).
    pub top_dominators: usize,
    /// Cap on `histogram` / `unreachable_histogram` rows (default: every class).
    pub histogram_limit: Option<usize>,
    /// The file, as the caller names it.
    pub source: Option<Source>,
    /// Replace the dump's data (string values, thread names, frame methods, loader and jar
    /// names, the file name) with placeholders: a report to share ([`redact`]).
    pub redact: bool,
    /// Threads the analyses may use (default 1). With 2 or more, natively, independent
    /// analyses run two at a time; the report is the same either way. Ignored on wasm32.
    pub threads: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            top_dominators: 100,
            histogram_limit: None,
            source: None,
            redact: false,
            threads: 1,
        }
    }
}

/// Builds the report of an analysed dump.
pub fn build_report(g: &HeapGraph, d: &Dominance, opts: &ReportOptions) -> Report {
    build_report_with_steps(g, d, opts, &mut |_| {})
}

/// [`build_report`], calling `step(name)` after each step with its name (the CLI's `--stats`
/// times them; the core has no clock, `std::time::Instant` panics on wasm32).
pub fn build_report_with_steps(
    g: &HeapGraph,
    d: &Dominance,
    opts: &ReportOptions,
    step: &mut dyn FnMut(&'static str),
) -> Report {
    build_report_with_index(g, d, None, opts, step)
}

/// [`build_report_with_steps`] with the index of shortest paths from the GC roots already built
/// (`PathIndex::new(g, PathOptions::default())`: the CLI builds it on a second thread while the
/// dominator tree is computed, since it needs only the graph). `None`: built here.
///
/// The steps, with two threads (`opts.threads`), run two analyses at a time; a step's name
/// says what ran on this thread, then (after `|`) what ran beside it. With one thread the
/// steps and their names are the same, run one after the other.
pub fn build_report_with_index(
    g: &HeapGraph,
    d: &Dominance,
    index: Option<&PathIndex>,
    opts: &ReportOptions,
    step: &mut dyn FnMut(&'static str),
) -> Report {
    use crate::analysis::{
        class_loaders, collection_fill, duplicate_strings, thread_groups, thread_local_findings,
    };
    let threads = opts.threads;
    let two = crate::parallel::two_threads(threads);

    // The histogram walks the whole dominator tree (laid out in preorder, shared with the
    // suspects' subtree histograms), in two halves at once on two threads; it counts the top
    // rows' retained objects on the way.
    // Beside it, what needs neither that layout nor much memory: the summary, the class
    // totals, the paths' index where none is given (what follows needs it), and on two
    // threads the class loaders, the threads and the largest arrays, which need only the
    // index (the preorder's making is the longer side).
    let threads_of = |finder: &PathFinder| {
        let threads = crate::analysis::threads::threads_with(g, d, Some(finder));
        let groups = thread_groups(&threads);
        let locals = thread_local_findings(g, d, &threads);
        (threads, groups, locals)
    };
    let arrays =
        |finder: &PathFinder| crate::analysis::waste::largest_arrays_with(g, d, Some(finder));
    let ((pre, walk), (summary, totals, own_index, early)) = join(
        threads,
        || {
            let pre = DomPreorder::new(d);
            let walk = histogram::walk_tree_in_two(g, d, &pre, threads);
            (pre, walk)
        },
        || {
            let totals = histogram::class_totals(g, d, &mut |_| {});
            let (shallow, unreachable) = totals.shallow_sums();
            let summary = summarize_with(g, d, shallow, unreachable);
            let own = index
                .is_none()
                .then(|| PathIndex::new(g, PathOptions::default()));
            let early = two.then(|| {
                let Some(index) = index.or(own.as_ref()) else {
                    unreachable!("the index is built when none is given")
                };
                let finder = index.finder(g);
                (class_loaders(g, d), (threads_of(&finder), arrays(&finder)))
            });
            (summary, totals, own, early)
        },
    );
    // The suspects read the same totals (the out-of-memory finding, a lone suspect's classes).
    let suspect_totals = totals.clone();
    let (h, top_counts) = histogram::assemble(g, &pre, totals, walk);
    step(
        "histogram | summary, class totals, path index (+ loaders, threads, arrays on two threads)",
    );
    let index = match (index, &own_index) {
        (Some(i), _) | (None, Some(i)) => i,
        (None, None) => unreachable!("the index is built when none is given"),
    };
    let finder = index.finder(g);
    let limit = opts.histogram_limit.unwrap_or(usize::MAX);
    let histogram = h
        .reachable
        .into_iter()
        .take(limit)
        .map(|r| ClassRow {
            class: r.name,
            instances: r.instances,
            shallow: r.shallow,
            retained: r.retained,
        })
        .collect();
    let unreachable_histogram = h
        .unreachable
        .into_iter()
        .take(limit)
        .map(|r| UnreachableClassRow {
            class: r.name,
            instances: r.instances,
            shallow: r.shallow,
        })
        .collect();

    let dominators = d
        .children(g.super_root())
        .iter()
        .zip(top_counts)
        .take(opts.top_dominators)
        .map(|(&v, retained_objects)| DominatorRow {
            object_id: format_id(g.id(v)),
            class: g.display_class(v),
            shallow: g.shallow(v),
            retained: d.retained(v),
            retained_objects,
        })
        .collect();

    // ---- Schema 2 analyses (EXTENSION POINT: compute new ones here).
    // The suspects drop the preorder as soon as they are done: the duplicate strings' table
    // (16 bytes per String) and the collections' records never sit beside its 8 bytes per
    // object of making, and on one thread not beside it at all. On two threads the collections
    // follow the suspects (beside the duplicate strings they took as long as the suspects,
    // threads and arrays together on the strings mix; the threads and arrays were done
    // beside the preorder's making). On one thread the order stays the one
    // measured at 151.8 M objects before these changes (class loaders, duplicate strings,
    // arrays, collections: 5,710 MiB); the 6.1 GiB first blamed on the order there was the
    // CLI's allocator (docs/scaling.md), so this branch may be foldable into the join's order.
    let suspects = |pre: DomPreorder| {
        let suspects =
            crate::analysis::suspects::find_suspects_with(g, d, &finder, &pre, suspect_totals);
        drop(pre);
        suspects
    };
    let (suspects, class_loaders, dups, (threads_part, largest_arrays), collections) = match early {
        Some((loaders, early)) => {
            let ((suspects, coll), dups) = join(
                threads,
                || (suspects(pre), collection_fill(g, d)),
                || duplicate_strings(g, d),
            );
            (suspects, loaders, dups, early, coll)
        }
        None => {
            let suspects = suspects(pre);
            let threads = threads_of(&finder);
            let loaders = class_loaders(g, d);
            let dups = duplicate_strings(g, d);
            let arr = arrays(&finder);
            (
                suspects,
                loaders,
                dups,
                (threads, arr),
                collection_fill(g, d),
            )
        }
    };
    let (threads, thread_groups, thread_locals) = threads_part;
    let duplicate_strings = dups;
    step("suspects, collections | duplicate strings (+ loaders, threads, arrays on one)");
    let process_memory = crate::analysis::process_memory(g, d, &finder, &threads, &class_loaders);
    step("process memory");

    let mut report = Report {
        schema: SCHEMA_VERSION,
        tool: Tool::default(),
        source: opts.source.clone(),
        contents: Contents::default(),
        summary,
        histogram,
        unreachable_histogram,
        dominators,
        suspects,
        threads,
        thread_groups,
        thread_locals,
        class_loaders,
        duplicate_strings,
        largest_arrays,
        collections,
        process_memory,
    };
    report.contents = redact::contents_of(&report);
    if opts.redact {
        redact(&mut report);
    }
    report
}

#[cfg(test)]
mod tests;
