//! Which build of the analysis worker a dump gets: the wasm32 one (a 4 GiB memory) or the
//! memory64 one (the same bin compiled for `wasm64-unknown-unknown` by
//! `scripts/build-worker64.sh`: up to 16 GiB in Chromium and Firefox). See docs/scaling.md.
//!
//! wasm32 stays the default: its code is faster (no 64-bit bounds checks), and its memory
//! model is the measured one. A dump goes to the memory64 worker when its file alone says
//! that it cannot fit a wasm32 memory, or when the wasm32 worker stopped it as too big at the
//! end of its first pass (its estimate is in the [`TooBig`]) and the estimate fits memory64.

use std::cell::Cell;

use crate::protocol::limits::{MEMORY64_AVAILABLE_BYTES, WASM32_AVAILABLE_BYTES};
use crate::protocol::TooBig;

/// A build of the analysis worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerKind {
    /// `worker.js` + `worker_bg.wasm` (Trunk's build).
    Wasm32,
    /// `worker64.js` + `worker64_bg.wasm`.
    Memory64,
}

impl WorkerKind {
    /// The base name of the build's glue and wasm (what `web/worker_loader.js` loads).
    pub fn glue_name(self) -> &'static str {
        match self {
            WorkerKind::Wasm32 => "worker",
            WorkerKind::Memory64 => "worker64",
        }
    }

    /// The worker's name (`new Worker(…, { name })`): the offline page recognises its engine by
    /// it (scripts/offline-boot.js).
    pub fn worker_name(self) -> &'static str {
        match self {
            WorkerKind::Wasm32 => "heaplens-engine",
            WorkerKind::Memory64 => "heaplens-engine64",
        }
    }
}

/// An uncompressed dump from this size on goes straight to the memory64 worker: a wasm32
/// analysis can hold ~3.75 GiB at ~60 bytes/object (~65 M objects), and HPROF files hold
/// 60–90 bytes per object, so no dump this big has ever fit. Below it the wasm32 worker tries,
/// and hands a dump it stops over to memory64 (a part of the first pass read twice).
pub const MEMORY64_FROM_BYTES: u64 = 5 << 30;
/// The same for a gzip-compressed dump (HPROF compresses 4–8×).
pub const MEMORY64_FROM_GZ_BYTES: u64 = 1 << 30;

/// The worker to start for a dump of `size` bytes named `name` (`forced`: the URL's
/// `?engine=` override), given whether this page can run the memory64 one.
pub fn choose(name: &str, size: u64, forced: Option<WorkerKind>, memory64: bool) -> WorkerKind {
    if !memory64 {
        return WorkerKind::Wasm32;
    }
    if let Some(kind) = forced {
        return kind;
    }
    let from = if name.to_ascii_lowercase().ends_with(".gz") {
        MEMORY64_FROM_GZ_BYTES
    } else {
        MEMORY64_FROM_BYTES
    };
    if size >= from {
        WorkerKind::Memory64
    } else {
        WorkerKind::Wasm32
    }
}

/// The build the URL's query asks for (`?engine=memory64` or `?engine=wasm32`; for tests, and
/// for a user who wants one): `None` when it names none.
pub fn url_override(query: &str) -> Option<WorkerKind> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| match p.split_once('=') {
            Some(("engine", "memory64" | "wasm64")) => Some(WorkerKind::Memory64),
            Some(("engine", "wasm32")) => Some(WorkerKind::Wasm32),
            _ => None,
        })
}

/// Whether a dump the wasm32 worker stopped as too big fits the memory64 worker.
pub fn fits_memory64(too_big: &TooBig) -> bool {
    // The wasm32 worker's estimate is of wasm32 bytes; pointers and `usize`s double in wasm64,
    // but the analysis's bulk is u32/u64 columns: 10% covers the rest.
    let needed = too_big
        .needed_bytes
        .saturating_add(too_big.needed_bytes / 10);
    too_big.available_bytes <= WASM32_AVAILABLE_BYTES
        && needed.saturating_add(too_big.reserved_bytes) <= MEMORY64_AVAILABLE_BYTES
}

thread_local! {
    static MEMORY64: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Whether this page can start the memory64 worker: the browser validates a module with a
/// 64-bit memory, and the page has the build. A page without it says so by setting
/// `heaplensMemory64 = false` (the offline single file embeds both builds, and sets it only
/// when made from a `dist/` that has no memory64 worker: scripts/offline-html.py).
#[cfg(target_arch = "wasm32")]
pub fn memory64_available() -> bool {
    if let Some(known) = MEMORY64.with(Cell::get) {
        return known;
    }
    // (module (memory i64 0)): magic, version, a memory section with one 64-bit memory.
    const MODULE: [u8; 13] = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 4, 0];
    let bytes = js_sys::Uint8Array::from(&MODULE[..]);
    let valid = js_sys::WebAssembly::validate(&bytes).unwrap_or(false);
    let global = js_sys::global();
    let disabled = js_sys::Reflect::get(&global, &"heaplensMemory64".into())
        .map(|v| v == wasm_bindgen::JsValue::FALSE)
        .unwrap_or(false);
    let known = valid && !disabled;
    MEMORY64.with(|m| m.set(Some(known)));
    known
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wasm32_worker_is_the_default_below_the_threshold() {
        assert_eq!(choose("a.hprof", 4 << 30, None, true), WorkerKind::Wasm32);
        assert_eq!(choose("a.hprof", 5 << 30, None, true), WorkerKind::Memory64);
        assert_eq!(
            choose("a.hprof.GZ", 1 << 30, None, true),
            WorkerKind::Memory64
        );
        assert_eq!(
            choose("a.hprof.gz", 900 << 20, None, true),
            WorkerKind::Wasm32
        );
    }

    #[test]
    fn the_url_may_name_the_build() {
        assert_eq!(url_override("?engine=memory64"), Some(WorkerKind::Memory64));
        assert_eq!(
            url_override("dump=2&engine=wasm64"),
            Some(WorkerKind::Memory64)
        );
        assert_eq!(url_override("?engine=wasm32&x"), Some(WorkerKind::Wasm32));
        assert_eq!(url_override("?engine=big"), None);
        assert_eq!(url_override(""), None);
    }

    #[test]
    fn without_memory64_every_dump_gets_wasm32() {
        assert_eq!(choose("a.hprof", 13 << 30, None, false), WorkerKind::Wasm32);
        let forced = Some(WorkerKind::Memory64);
        assert_eq!(choose("a.hprof", 1, forced, false), WorkerKind::Wasm32);
        assert_eq!(choose("a.hprof", 1, forced, true), WorkerKind::Memory64);
    }

    #[test]
    fn a_dump_too_big_for_wasm32_moves_when_its_estimate_fits() {
        let too_big = |needed: u64, reserved: u64| TooBig {
            objects: 0,
            needed_bytes: needed,
            available_bytes: WASM32_AVAILABLE_BYTES,
            reserved_bytes: reserved,
        };
        assert!(fits_memory64(&too_big(9 << 30, 0)));
        assert!(!fits_memory64(&too_big(15 << 30, 0)));
        assert!(!fits_memory64(&too_big(9 << 30, 6 << 30)));
        // Stopped by the memory64 worker itself: nowhere else to go.
        let mut t = too_big(17 << 30, 0);
        t.available_bytes = MEMORY64_AVAILABLE_BYTES;
        assert!(!fits_memory64(&t));
    }
}
