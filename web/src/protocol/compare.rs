//! The protocol of comparing two dumps, each analyzed in its own worker
//! ([`super::req::Digest`], [`super::req::Compare`], [`super::req::CompareHistogram`]).
//!
//! Each worker reduces its dump to a `heaplens::compare::Digest` (its summary, class histogram
//! by class, package and loader class, the keyed big objects, threads, loaders). The UI fetches
//! the baseline's digest as an opaque JSON text ([`DigestText`]: the UI thread never decodes it,
//! it only passes it on), posts it to the worker of the newer dump ([`CompareParams`]), which
//! computes the comparison (`heaplens::compare::compare`), keeps it, and answers its bounded
//! parts ([`CompareResult`]); the class histogram delta (every class of either dump) is paged
//! ([`CompareHistogramQuery`]).

use heaplens::compare::{ClassDelta, DumpSummary, Growth, LoaderDelta, SummaryDelta, ThreadDelta};
use serde::{Deserialize, Serialize};

use super::Grouping;

/// A dump's `heaplens::compare::Digest` as compact JSON, passed through the UI untouched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DigestText(pub String);

/// Params of [`super::req::Compare`], asked of the newer dump's worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareParams {
    /// The baseline's digest ([`super::req::Digest`] of the other worker).
    pub baseline: DigestText,
}

/// The bounded parts of a comparison (the histogram delta is paged apart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareResult {
    pub baseline: DumpSummary,
    pub new: DumpSummary,
    /// `new − baseline` of each summary number.
    pub delta: SummaryDelta,
    /// Holders whose retained size grew, largest growth first (at most 100).
    pub growth: Vec<Growth>,
    /// Thread name patterns whose count changed, most added first (at most [`super::MAX_PAGE`]).
    pub threads: Vec<ThreadDelta>,
    /// Loader classes whose count changed, most added first (at most [`super::MAX_PAGE`]).
    pub class_loaders: Vec<LoaderDelta>,
    pub app_classes_in_common: f64,
    pub warnings: Vec<String>,
    /// Rows of the histogram delta by class, package and loader class.
    pub classes: u32,
    pub packages: u32,
    pub loader_groups: u32,
}

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

/// Params of [`super::req::CompareHistogram`].
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
