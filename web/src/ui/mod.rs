//! The UI room: the Leptos page (wasm32 only) and the pure models it draws from.
//!
//! The UI never parses or holds the heap: every view asks the analysis worker, through the
//! [`engine`] (`Engine::request::<R>(params)` returns `R::Response`), for the page of data it
//! shows. The UI room uses [`crate::protocol`] and the core's formatting, never
//! [`crate::worker`].
//!
//! Where things go: a new view is a component file here, listed in `route` and `app`; a list
//! that can be long renders through `virtual_list` (`VirtualRows` + `VirtualTable`; the tree's
//! `div` grid is `virtual_grid`, on the same `viewport` geometry); numbers and ids are formatted by
//! [`format`]; state that is not Leptos-specific (the dominator tree's expansion) lives in a pure
//! model ([`tree_model`]) tested natively.

pub mod format;
pub mod paged;
pub mod settings_url;
pub mod tree_model;
pub mod worker_kind;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod compare;
#[cfg(target_arch = "wasm32")]
pub mod engine;
#[cfg(target_arch = "wasm32")]
mod explore;
#[cfg(target_arch = "wasm32")]
mod explore_contents;
#[cfg(target_arch = "wasm32")]
mod explore_dominators;
#[cfg(target_arch = "wasm32")]
mod explore_list;
#[cfg(target_arch = "wasm32")]
mod explore_merged;
#[cfg(target_arch = "wasm32")]
mod explore_retained;
#[cfg(target_arch = "wasm32")]
mod explore_values;
#[cfg(target_arch = "wasm32")]
mod find;
#[cfg(target_arch = "wasm32")]
mod histogram;
#[cfg(target_arch = "wasm32")]
mod keep;
#[cfg(target_arch = "wasm32")]
mod kept_store;
#[cfg(target_arch = "wasm32")]
mod object;
#[cfg(target_arch = "wasm32")]
mod others;
#[cfg(target_arch = "wasm32")]
mod overview;
#[cfg(target_arch = "wasm32")]
mod pair;
#[cfg(target_arch = "wasm32")]
mod process;
#[cfg(target_arch = "wasm32")]
mod query;
#[cfg(target_arch = "wasm32")]
mod route;
#[cfg(target_arch = "wasm32")]
mod settings;
#[cfg(target_arch = "wasm32")]
mod state;
#[cfg(target_arch = "wasm32")]
mod suspects;
#[cfg(target_arch = "wasm32")]
mod threads;
#[cfg(target_arch = "wasm32")]
mod tree;
#[cfg(target_arch = "wasm32")]
mod util;
#[cfg(target_arch = "wasm32")]
mod viewport;
#[cfg(target_arch = "wasm32")]
mod virtual_grid;
#[cfg(target_arch = "wasm32")]
mod virtual_list;

#[cfg(target_arch = "wasm32")]
pub use app::App;
