//! Params and responses of the investigation views ([`super::req::RetainedSet`],
//! [`super::req::ImmediateDominators`], [`super::req::MergedPaths`], [`super::req::MorePaths`],
//! [`super::req::GroupByValue`], [`super::req::Contents`], [`super::req::FindObject`],
//! [`super::req::InstancesCsv`]): the wire form of the core's `analysis::explore` results
//! (which are `Serialize` only), every list paged.

use heaplens::analysis::collections::CollectionKind;
use serde::{Deserialize, Serialize};

use super::RootPath;

/// What a view runs over: the core's selection as it is.
pub use heaplens::analysis::views::ExploreSelection;

/// What the object page needs to offer the investigation views for one object (the core's
/// `analysis::inspect::explore_facts`).
pub use heaplens::analysis::inspect::ExploreFacts;

/// Params of [`super::req::RetainedSet`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetainedSetQuery {
    pub selection: ExploreSelection,
    pub offset: u32,
    pub limit: u32,
}

/// One class of a retained set: the core's row as it is.
pub use heaplens::analysis::explore::RetainedClassRow as RetainedClassView;

/// A page of the retained set's class histogram, with the set's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetainedSetPage {
    /// What the selection is: a class name, `com.x.Foo @ 0x…`, `3 objects` or the text.
    pub label: String,
    pub selected: u64,
    /// Selected objects that are unreachable (left out: they retain nothing).
    pub unreachable: u64,
    /// Objects in the retained set.
    pub objects: u64,
    /// Their shallow sizes summed: the selection's retained size.
    pub bytes: u64,
    /// Percent of the reachable heap.
    pub pct: f64,
    /// Classes in the set (`rows` is a page of them, largest shallow first).
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<RetainedClassView>,
}

/// Params of [`super::req::ImmediateDominators`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DominatorsQuery {
    pub selection: ExploreSelection,
    /// Regular expression over whole class names of dominators to climb past; `None`: the
    /// default (`heaplens::analysis::explore::DEFAULT_SKIP`, MAT's),
    /// `Some("")`: skip nothing.
    pub skip: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

/// Dominators of one class, with the biggest to open (`analysis::views`).
pub use heaplens::analysis::views::{DominatorClassView, DOMINATORS_LISTED};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DominatorsPage {
    pub label: String,
    pub selected: u64,
    pub unreachable: u64,
    /// The skip pattern in effect.
    pub skip: String,
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<DominatorClassView>,
}

/// Params of [`super::req::MergedPaths`]: one level of the merged tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPathsQuery {
    pub selection: ExploreSelection,
    pub include_weak: bool,
    /// A node's `index` (from an earlier page) for its children; `None`: the GC roots.
    pub parent: Option<u32>,
    pub offset: u32,
    pub limit: u32,
}

/// One node of the merged tree (`analysis::views`).
pub use heaplens::analysis::views::MergedNodeView;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPathsPage {
    pub label: String,
    pub selected: u64,
    /// Selected objects without a path (unreachable, or only through excluded references).
    pub without_path: u64,
    pub include_weak: bool,
    pub parent: Option<u32>,
    /// Children of `parent` in all.
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<MergedNodeView>,
}

/// Params of [`super::req::MorePaths`]: a page of one object's paths from GC roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MorePathsQuery {
    pub object: String,
    pub include_weak: bool,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MorePathsPage {
    pub object_id: String,
    pub include_weak: bool,
    /// Paths known in all.
    pub total: u64,
    /// False when the scan stopped at the referrer limit (more paths exist).
    pub complete: bool,
    pub offset: u32,
    pub paths: Vec<RootPath>,
}

/// Params of [`super::req::GroupByValue`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupByValueQuery {
    pub selection: ExploreSelection,
    pub offset: u32,
    pub limit: u32,
}

/// One value of a selection grouped by value (`analysis::views`).
pub use heaplens::analysis::views::ValueGroupView;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupByValuePage {
    pub label: String,
    pub selected: u64,
    /// Values that could not be read.
    pub unreadable: u64,
    /// Bytes wasted by copies, over every value.
    pub wasted: u64,
    /// Distinct values.
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<ValueGroupView>,
}

/// Params of [`super::req::Contents`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentsQuery {
    pub object: String,
    pub offset: u32,
    pub limit: u32,
}

/// A collection's entries and their keys or values (`analysis::views`).
pub use heaplens::analysis::views::{ContentItemView, ContentRowView};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentsPage {
    pub object_id: String,
    pub class: String,
    /// The JDK class the contents were read as.
    pub jdk_class: String,
    /// `list`, `set`, `map`, `queue`, `deque` or `array` on the wire.
    pub kind: CollectionKind,
    /// What the collection says it holds.
    pub size: u64,
    pub capacity: Option<u64>,
    /// Entries read (differs from `size` when a walk meets a damaged structure).
    pub total: u64,
    pub offset: u32,
    pub rows: Vec<ContentRowView>,
}

/// Params of [`super::req::FindObject`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindObjectQuery {
    /// `0x…` (or bare hex), as typed or pasted.
    pub address: String,
}

/// The object at an address (`analysis::views`).
pub use heaplens::analysis::views::FoundObjectView;

/// Params of [`super::req::InstancesCsv`]: the instances of a class as a CSV file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancesCsvQuery {
    pub class: u32,
    pub unreachable: bool,
}

/// Rows of an instances CSV at most (a class can have millions of instances; the file says
/// when it was cut).
pub const CSV_MAX_ROWS: usize = 1_000_000;
