//! heaplens analysis core.
//!
//! No web dependency lives here: the browser worker (`web/`) and the native CLI (`cli/`) are
//! thin shells over this crate. See `ARCHITECTURE.md` for the map.
//!
//! # The public API
//!
//! Its users: the CLI (`cli/`), the web crate (the worker's routes, the UI's formatting and the
//! protocol's reuse of the result types, `web/tests`), the integration tests (`tests/`), the
//! examples/benches (`examples/`) and the fuzz targets (`fuzz/`). Each of the six modules
//! below is a facade: its files are private (`pub(crate)`), and it re-exports what those users
//! name plus every type a public signature or field exposes (so each is nameable). A deep path
//! such as `graph::builder::GraphBuilder` does not exist outside the crate; `graph::GraphBuilder`
//! does. Everything else is `pub(crate)`. Result types keep public fields: the report, the diff
//! and the worker protocol serialize them and the page reads them back.
//!
//! - [`hprof`]: the streaming reader — [`hprof::Parser`] (push, any chunking, 4/8-byte ids),
//!   [`hprof::DumpDecoder`] (gzip sniffing), [`hprof::Visitor`], the record types,
//!   [`hprof::Id`] (a newtype, never a node index), [`hprof::ParseError`] (typed, with the
//!   offset), [`hprof::Skip`]; [`hprof::reread`] re-reads one record from the kept file
//!   (`ObjectSource`, `open_path`, `from_reader`).
//! - [`graph`]: [`graph::GraphBuilder`] (two passes) and `build_from_path`/`build_from_bytes`,
//!   [`graph::HeapGraph`] with [`graph::Node`], [`graph::Dominance`] (dominators, retained
//!   sizes), [`graph::SizeMode`], snapshots (`write_snapshot`/`read_snapshot`, sealed forms),
//!   `read_record`; [`graph::dominators`] is the semi-NCA algorithm over any graph.
//! - [`analysis`]: one entry function and one serializable result per analysis (`histogram`,
//!   `summarize`, `find_suspects`, `PathFinder`, `threads`, `class_loaders`, `waste`,
//!   `process_memory`); modules called by name: [`analysis::domtree`], [`analysis::references`],
//!   [`analysis::inspect`] (what a viewer pages through), [`analysis::explore`] (the
//!   investigation views), [`analysis::views`] (the page's rows and pages of those results),
//!   [`analysis::collections`], [`analysis::patterns`] (suspect pattern
//!   ids), [`analysis::process_memory`] (its report types).
//! - [`query`]: OQL — [`query::QueryEnv`], [`query::execute`], the stepped [`query::Execution`].
//! - [`compare`]: two dumps — [`compare::digest`], [`compare::compare`] → [`compare::Diff`].
//! - [`report`]: [`report::build_report`], `to_json`/`to_markdown`/`to_html`, the diff
//!   renderings, and the one number/id formatting (`format_bytes`, `format_count`, `format_id`,
//!   `percent`, …) the CLI and the page share.

#![forbid(unsafe_code)]

pub mod analysis;
pub mod compare;
pub mod graph;
pub mod hprof;
mod parallel;
pub mod query;
pub mod report;
