//! heaplens in the browser.
//!
//! Two wasm binaries share this library:
//! - `app` (`src/bin/app.rs`): the Leptos UI, running on the page's main thread ([`ui`]).
//! - `worker` (`src/bin/worker.rs`): a dedicated Web Worker that runs the analysis core, so
//!   parsing a multi-GB dump never blocks the UI ([`worker`]).
//!
//! Two rooms and one corridor: [`worker`] and [`ui`] never import each other; they talk only
//! through [`protocol`] (typed requests, each carrying its response type; JSON on the wire).
//! Beside the corridor, `reader_worker` (wasm32 only): the file reader the UI starts for each
//! dump it opens and the worker reads the dump's slices from.
//! The worker's request handling and the UI's pure models (tree model, formatting) are plain
//! Rust and tested natively; what touches JS or Leptos is wasm32-only.

#![forbid(unsafe_code)]

#[cfg(target_family = "wasm")]
pub mod jsapi;
pub mod protocol;
#[cfg(target_family = "wasm")]
pub mod reader_worker;
pub mod ui;
pub mod worker;
