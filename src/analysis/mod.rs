//! Answers computed from the graph and its dominator tree: histogram, summary, and (in their
//! own modules) leak suspects, paths to GC roots, threads, class loaders and waste.

pub mod histogram;
pub mod summary;

pub use histogram::{group_rows, histogram, Grouping, Histogram, HistogramRow};
pub use summary::{summarize, Summary};
