//! Answers computed from the graph and its dominator tree: histogram, summary, and (in their
//! own modules) leak suspects, paths to GC roots, threads, class loaders and waste, and the
//! lists a viewer pages through (dominator-tree children and search in `domtree`, an
//! object's references and a class's instances in `references`, one object's details in
//! `inspect`).

pub(crate) mod classloaders;
mod collection_entries;
mod collections_more;
pub(crate) mod histogram;
mod loader_leak;
pub(crate) mod objread;
pub(crate) mod oom;
pub(crate) mod paths;
pub(crate) mod summary;
pub(crate) mod suspects;
pub(crate) mod threadlocals;
pub(crate) mod threads;
pub(crate) mod waste;

// Modules that are an API of their own: their functions are called by the module's name
// (`domtree::children`, `references::incoming`, `inspect::object_details`,
// `collections::extract`), or they name a family (`explore`'s views, `process_memory`'s
// report types, `patterns`' suspect pattern ids, `views`' rows and pages of the page's
// lists: `views::ObjectRow`, `views::histogram_page`, …).
pub mod collections;
pub mod domtree;
pub mod explore;
pub mod inspect;
pub mod patterns;
pub mod process_memory;
pub mod references;
pub mod views;

// One entry function and one serializable result per analysis: what the report, the CLI and
// the worker call.
pub use classloaders::{
    class_loaders, ClassLoaderInfo, ClassLoaderReport, DuplicateClass, OpenJar,
};
pub use histogram::{
    group_rows, histogram, histogram_from_totals, loader_name, package_key, ClassTotals, Grouping,
    Histogram, HistogramRow,
};
pub use paths::{
    MergedNode, MergedPaths, Path, PathFinder, PathIndex, PathOptions, PathStep, PathsPage,
};
pub use patterns::LeakPattern;
pub use process_memory::{process_memory, ProcessMemory};
pub use summary::{
    is_incomplete_warning, multi_dump_warning, summarize, summarize_and_totals, DumpChoice, Summary,
};
pub use suspects::{
    find_suspects, find_suspects_from_totals, no_suspect_text, AccumulatedRow, CollectionFacts,
    Holder, SizedRef, Suspect, SuspectKind, ThreadFacts,
};
pub use threadlocals::{
    thread_local_findings, ThreadLocalEntry, ThreadLocalFinding, ThreadLocalReport,
};
pub use threads::{
    name_patterns, natural_cmp, thread_groups, thread_name, threads, threads_with, FrameInfo,
    LocalRef, ThreadGroupInfo, ThreadInfo, ThreadState,
};
pub use waste::{
    collection_fill, duplicate_strings, largest_arrays, largest_arrays_with, waste, ArrayInfo,
    CollectionClassFill, CollectionFill, CollectionFillReport, DuplicateString, DuplicateStrings,
    PathSummary, StringHolder, WasteReport,
};
