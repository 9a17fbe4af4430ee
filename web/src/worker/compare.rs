//! The worker's side of comparing two dumps: the bounded parts of a kept
//! `heaplens::compare::Diff` ([`result`]) and pages of its class histogram delta ([`page`]).
//! The comparison itself is the core's (`heaplens::compare::compare`); this only filters
//! (the histograms' `NameFilter`), sorts and pages its rows.

use heaplens::analysis::views::{page_range, sort_rows, NameFilter};
use heaplens::compare::{Change, ClassDelta, Diff};

use crate::protocol::*;

/// What [`req::Compare`] answers: everything but the histogram rows (at most [`MAX_PAGE`]
/// threads and loaders; the growth list is already bounded by the core).
pub fn result(diff: &Diff) -> CompareResult {
    let cap = MAX_PAGE as usize;
    CompareResult {
        baseline: diff.baseline.clone(),
        new: diff.new.clone(),
        delta: diff.delta.clone(),
        growth: diff.growth.clone(),
        threads: diff.threads.iter().take(cap).cloned().collect(),
        class_loaders: diff.class_loaders.iter().take(cap).cloned().collect(),
        app_classes_in_common: diff.app_classes_in_common,
        warnings: diff.warnings.clone(),
        classes: diff.histogram.len() as u32,
        packages: diff.packages.len() as u32,
        loader_groups: diff.by_loader.len() as u32,
    }
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
/// delta of a column (ties by name), `offset..offset + limit` (at most [`MAX_PAGE`]).
pub fn page(diff: &Diff, q: CompareHistogramQuery) -> CompareHistogramPage {
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
    let page = page_range(matched.len(), q.offset, q.limit.min(MAX_PAGE));
    CompareHistogramPage {
        total_rows: matched.len() as u32,
        rows: matched[page].iter().map(|r| (*r).clone()).collect(),
        filter_error,
        query: q,
    }
}
