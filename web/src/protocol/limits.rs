//! The memory each build of the analysis worker can plan to use. Shared by the worker (its
//! memory model, `worker::memory`) and the UI (which build a dump goes to, `ui::worker_kind`).

/// A wasm32 memory's limit.
pub const WASM32_MAX_BYTES: u64 = 4 << 30;
/// A 64-bit memory's limit in Chromium and Firefox (V8's and SpiderMonkey's cap for memory64).
pub const MEMORY64_MAX_BYTES: u64 = 16 << 30;
/// What an analysis may plan to use in the wasm32 worker: the rest is the worker's code, data,
/// stack and room for the allocator's metadata.
pub const WASM32_AVAILABLE_BYTES: u64 = WASM32_MAX_BYTES - (256 << 20);
/// The same in the memory64 worker.
pub const MEMORY64_AVAILABLE_BYTES: u64 = MEMORY64_MAX_BYTES - (256 << 20);
