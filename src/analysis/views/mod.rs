//! The page's shapes of the core's results: the rows a viewer lists and the pages it asks for,
//! built here from the result types so that the browser worker only routes (it asks for a page
//! and sends what it gets). A shape lives here only where the page needs another one than the
//! report's: a row of counts instead of a thread's whole stack, a path as one line of text, an
//! object as a row with its share of the heap. Each is tested natively on real dumps
//! (`tests/views.rs`).

mod explore;
mod histogram;
mod objects;
mod process_memory;
mod selection;
mod threads;
mod waste;

pub use explore::{
    ContentItemView, ContentRowView, DominatorClassView, FoundObjectView, MergedNodeView,
    ValueGroupView, DOMINATORS_LISTED,
};
pub use histogram::{
    histogram_page, sort_rows, HistogramPage, HistogramPageRow, HistogramQuery, HistogramSort,
    NameFilter,
};
pub use objects::{
    outgoing_rows, referrer_rows, tree_search, ObjectRow, ReferenceRow, TreeSearchPage,
    TreeSearchRow, TreeStep, MAX_SEARCH_DEPTH, MAX_SEARCH_RESULTS,
};
pub use process_memory::{BufferRow, ProcessMemoryView};
pub use selection::{node_by_address, resolve_view_selection, ExploreSelection, ResolvedSelection};
pub use threads::{matching_threads, FrameView, ThreadDetails, ThreadLocalView, ThreadRow};
pub use waste::{ArrayView, CollectionFillView, DuplicateStringView, WasteView};

use crate::analysis::PathSummary;
use std::ops::Range;

/// The indices of the page `offset..offset + limit` of a list of `len` items, cut to the list
/// (an offset past the end is an empty page, never a panic). The caller caps `limit` at its
/// own page size.
pub fn page_range(len: usize, offset: u32, limit: u32) -> Range<usize> {
    let start = (offset as usize).min(len);
    let end = start.saturating_add(limit as usize).min(len);
    start..end
}

/// `root detail → field → …` of a path summary, `…N…` where its middle steps are left out:
/// how the waste and process-memory views show how a GC root holds an object.
pub fn path_text(p: &PathSummary) -> String {
    let mut fields: Vec<String> = p.steps.iter().skip(1).map(|s| s.field.clone()).collect();
    if p.omitted > 0 && fields.len() >= 3 {
        fields.insert(2, format!("…{}…", p.omitted));
    }
    if fields.is_empty() {
        p.root_detail.clone()
    } else {
        format!("{} → {}", p.root_detail, fields.join(" → "))
    }
}
