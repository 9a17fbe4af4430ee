//! The worker's side of comparing two dumps: the bounded parts of a kept
//! `heaplens::compare::Diff` ([`result`]) and pages of its class histogram delta ([`page`]).
//! The comparison and its pages are the core's (`heaplens::compare::compare`,
//! `heaplens::compare::compare_page`); this only routes.

use heaplens::compare::{compare_page, Diff};

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

/// A page of the histogram delta (the core's [`compare_page`], at most [`MAX_PAGE`] rows).
pub fn page(diff: &Diff, q: CompareHistogramQuery) -> CompareHistogramPage {
    compare_page(diff, q, MAX_PAGE)
}
