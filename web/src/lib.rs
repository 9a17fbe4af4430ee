//! heaplens in the browser.
//!
//! Two wasm binaries share this library:
//! - `app` (`src/bin/app.rs`): the Leptos UI, running on the page's main thread.
//! - `worker` (`src/bin/worker.rs`): a dedicated Web Worker that runs the analysis core, so
//!   parsing a multi-GB dump never blocks the UI.
//!
//! They talk only through [`protocol`] (typed messages, JSON-encoded). The worker's request
//! handling lives in [`service`], which is plain Rust: it compiles and is unit-tested natively.
//! Everything that touches JS ([`engine`], [`worker`], [`ui`]) is wasm32-only.

pub mod open;
pub mod protocol;
pub mod service;

#[cfg(target_arch = "wasm32")]
pub mod engine;
#[cfg(target_arch = "wasm32")]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker;
