//! Answers computed from the graph and its dominator tree: histogram, summary, and (in their
//! own modules) leak suspects, paths to GC roots, threads, class loaders and waste, and the
//! lists a viewer pages through (dominator-tree children and search in `domtree`, an
//! object's references and a class's instances in `references`, one object's details in
//! `inspect`).

pub mod histogram;
pub mod inspect;
pub mod summary;

pub use histogram::{
    group_rows, histogram, histogram_with_progress, package_key, Grouping, Histogram, HistogramRow,
};
pub use summary::{summarize, Summary};
pub mod objread;
pub(crate) mod threadlocals;
pub mod threads;
pub use threadlocals::{
    thread_local_findings, ThreadLocalEntry, ThreadLocalFinding, ThreadLocalReport,
};
pub use threads::{
    thread_groups, threads, FrameInfo, LocalRef, ThreadGroupInfo, ThreadInfo, ThreadState,
};
pub(crate) mod classloaders;
pub use classloaders::{
    class_loaders, ClassLoaderInfo, ClassLoaderReport, DuplicateClass, OpenJar,
};

mod collection_entries;
pub mod collections;
mod collections_more;
pub mod domtree;
mod loader_leak;
pub(crate) mod oom;
pub mod paths;
pub mod patterns;
pub mod process_memory;
pub use process_memory::{process_memory, ProcessMemory};
pub mod suspects;
pub use paths::{
    MergedNode, MergedPaths, Path, PathFinder, PathIndex, PathOptions, PathStep, PathsPage,
};
pub mod explore;
pub mod references;
pub use suspects::{find_suspects, Suspect, SuspectKind};
pub mod waste;
pub use waste::{
    collection_fill, duplicate_strings, largest_arrays, waste, ArrayInfo, CollectionFillReport,
    DuplicateStrings, WasteReport,
};
