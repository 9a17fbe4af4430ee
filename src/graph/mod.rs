//! Compact object graph, dominator tree and retained sizes.

pub mod dominators;
