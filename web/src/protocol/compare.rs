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

use heaplens::compare::{DumpSummary, Growth, LoaderDelta, SummaryDelta, ThreadDelta};
use serde::{Deserialize, Serialize};

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

/// Params and answer of [`super::req::CompareHistogram`]: the core's page of the histogram
/// delta as it is.
pub use heaplens::compare::{ChangeFilter, CompareHistogramPage, CompareHistogramQuery, DeltaSort};
