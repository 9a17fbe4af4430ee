//! A page of a comparison's class histogram delta, as a viewer asks for it: rows of one
//! grouping that pass a change filter and a name filter, sorted by a column's delta. The
//! browser worker keeps a [`Diff`] and answers each page from it (tested in
//! `tests/compare_growth.rs`).

use crate::analysis::views::{page_range, sort_rows, NameFilter};
use crate::analysis::Grouping;
use crate::compare::{Change, ClassDelta, Diff};
use serde::{Deserialize, Serialize};

/// Column of the histogram delta to sort by: the delta of the number (`Name`: the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeltaSort {
    Name,
    Instances,
    #[default]
    Shallow,
    Retained,
}

/// Which rows of the histogram delta to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeFilter {
    /// Every row that changed (new, vanished or different numbers).
    #[default]
    Changed,
    /// Only in the new dump.
    New,
    /// Only in the baseline.
    Vanished,
    /// Every row, unchanged ones included.
    All,
}

/// Params of the page's histogram delta (`compare_page`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompareHistogramQuery {
    pub group: Grouping,
    pub sort: DeltaSort,
    pub descending: bool,
    /// Substring (case-insensitive) or, with `regex`, a regular expression on the row name.
    pub filter: String,
    pub regex: bool,
    pub change: ChangeFilter,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareHistogramPage {
    pub query: CompareHistogramQuery,
    /// Rows matching the filters.
    pub total_rows: u32,
    pub rows: Vec<ClassDelta>,
    /// An invalid regular expression (rows are then empty).
    pub filter_error: Option<String>,
}

fn rows(diff: &Diff, group: Grouping) -> &[ClassDelta] {
    match group {
        Grouping::Class => &diff.histogram,
        Grouping::Package => &diff.packages,
        Grouping::ClassLoader => &diff.by_loader,
    }
}

fn shown(change: ChangeFilter, r: &ClassDelta) -> bool {
    match change {
        ChangeFilter::All => true,
        ChangeFilter::Changed => r.change != Change::Same,
        ChangeFilter::New => r.change == Change::New,
        ChangeFilter::Vanished => r.change == Change::Vanished,
    }
}

/// A page of the histogram delta: rows of the chosen grouping that pass the change filter and
/// the name filter (substring, case-insensitive, or a regular expression), sorted by the
/// delta of a column (ties by name), `offset..offset + limit` (at most `max_page`).
pub fn compare_page(diff: &Diff, q: CompareHistogramQuery, max_page: u32) -> CompareHistogramPage {
    let all = rows(diff, q.group);
    let (filter, filter_error) = match NameFilter::new(&q.filter, q.regex) {
        Ok(f) => (f, None),
        Err(e) => (NameFilter::Nothing, Some(e)),
    };
    let mut matched: Vec<&ClassDelta> = all
        .iter()
        .filter(|r| shown(q.change, r) && filter.matches(&r.class))
        .collect();
    let key = |r: &ClassDelta| match q.sort {
        DeltaSort::Name => 0,
        DeltaSort::Instances => r.instances_delta,
        DeltaSort::Shallow => r.shallow_delta,
        DeltaSort::Retained => r.retained_delta,
    };
    let by_column = (q.sort != DeltaSort::Name).then_some(key);
    sort_rows(&mut matched, |r| &r.class, by_column, q.descending);
    let page = page_range(matched.len(), q.offset, q.limit.min(max_page));
    CompareHistogramPage {
        total_rows: matched.len() as u32,
        rows: matched[page].iter().map(|r| (*r).clone()).collect(),
        filter_error,
        query: q,
    }
}
