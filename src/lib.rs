//! heaplens analysis core.
//!
//! No web dependency lives here: the browser worker (`web/`) and the native CLI (`cli/`) are
//! thin shells over this crate. See `ARCHITECTURE.md` for the map.
//!
//! - [`hprof`]: push-based streaming HPROF parser (any chunking, 4/8-byte ids, gzip); object ids
//!   are [`hprof::Id`], a newtype (not a `u64`), so one cannot be passed as a node index.
//! - [`graph`]: compact object graph (dense `u32` node indices, CSR edges), dominator tree,
//!   retained sizes.
//! - [`analysis`]: histogram, leak suspects, paths to GC roots, threads, class loaders, waste.
//! - [`query`]: OQL (Eclipse MAT's object query language) over the graph.
//! - [`compare`]: what grew between two dumps (summary, histogram and growth deltas).
//! - [`report`]: the stable JSON schema and Markdown/HTML renderings.
//!
//! The public API is what the CLI, the web crate (worker, UI, its tests), the integration tests,
//! the examples and the fuzz targets use (ARCHITECTURE.md, "The core's public API"); everything
//! else is `pub(crate)`. Data types the report and the protocol serialize keep public fields.

#![forbid(unsafe_code)]

pub mod analysis;
pub mod compare;
pub mod graph;
pub mod hprof;
pub mod query;
pub mod report;
