//! The Leptos UI (wasm32 only). [`App`] is the root component mounted by `src/bin/app.rs`.
//!
//! The UI never parses or holds the heap: every view asks the analysis worker (through
//! [`state::Ctx::call`]) for the page of data it shows.

mod app;
mod histogram;
mod object;
mod others;
mod overview;
mod route;
mod state;
mod suspects;
mod threads;
mod tree;
mod util;

pub use app::App;
