//! The worker room: everything that runs inside the analysis Web Worker.
//!
//! - [`entry`] (wasm32 only): the message loop — decodes requests, reads the posted `File` in
//!   slices, posts replies, progress and the hand-over snapshot.
//! - [`reader`] (wasm32 only): the dump's slices, read ahead by the page's file reader
//!   ([`crate::reader_worker`]) so that reading goes on while the analysis worker parses.
//! - [`open`]: the open pipeline ([`open::OpenJob`]), fed the file's bytes pass after pass.
//! - [`service`]: the request dispatcher ([`service::Service`]); it routes each request. It
//!   does not analyse.
//! - `session`: the open dump (graph, dominance, the core's analyses run on first use and kept,
//!   the lists kept between pages); `routes`: the requests about it, each answered with a page
//!   of the core's rows (`heaplens::analysis::views`); `handover`: snapshots (the hand-over to
//!   a fresh worker, kept analyses read back).
//! - [`query`]: OQL queries (the core's) over the dump's file, run in slices
//!   ([`query_run`]) so that a cancel or another request is handled meanwhile; their rows kept
//!   between pages.
//! - [`host`]: what the worker needs from its environment (bytes, clock, progress sink).
//! - `explore`: the investigation views' routes (retained set, immediate dominators, merged
//!   paths, group by value, contents, find object), results kept and paged.
//! - [`memory`]: the memory model that stops a dump too big for a wasm32 memory.
//! - `keep` (wasm32 only): "keep this analysis on this computer": the sealed snapshot written
//!   to and read from the Origin Private File System.
//! - [`warm`]: a small synthetic dump opened once per worker before the first real one, so
//!   that V8 optimizes the functions a real dump calls only once.
//! - [`compare`]: pages of a comparison of this worker's dump with another's digest.
//!
//! The worker room uses [`crate::protocol`] and the core, never [`crate::ui`]. Everything but
//! [`entry`] and [`reader`] is plain Rust and is tested natively (`cargo test -p heaplens-web`).

pub mod compare;
#[cfg(target_family = "wasm")]
pub mod entry;
mod explore;
mod handover;
pub mod host;
#[cfg(target_family = "wasm")]
mod keep;
pub mod memory;
pub mod open;
pub mod query;
pub mod query_run;
#[cfg(target_family = "wasm")]
pub mod reader;
mod routes;
pub mod service;
mod session;
pub mod warm;

pub use host::{DumpSource, Host, NullHost, CHUNK_BYTES};
pub use service::Service;
