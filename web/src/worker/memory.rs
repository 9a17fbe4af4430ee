//! Planning the memory of an analysis in a wasm32 worker, from the first pass's counts: a dump
//! that cannot fit stops with [`TooBig`] before the tab runs out of memory.
//!
//! The model is the peak of live heap bytes per phase, measured with a counting allocator on a
//! 9.35 M-object dump (`big600`: 9.9 M references, 12.0 M reference slots, 2.3 M strings) and
//! checked against the structures' sizes (`Vec` capacities count whole, as in wasm, where
//! reserved = committed):
//! - ending pass 1 (numbering objects): 24 B/object + 8 B × the pass-1 object columns'
//!   capacity (a power of two) + 16 B × the string list's — 45 B/object measured;
//! - pass 2 (the peak): 25 B/object of pass-1 results, 5 B per reference slot (edges are laid
//!   out in node order from the start, room for every slot), ~80 B per `String` (preview, hash,
//!   dedup table) and the kept JDK fields — 50 B/object measured;
//! - dominators: the graph (8 B/object + 5 B/edge + 25 B/string) and the semi-NCA state
//!   (24 B/object + 4 B/edge, see `heaplens::graph::dominators`) — 47 B/object measured.
//!
//! The wasm heap's high-water mark adds allocator slack on top ([`SLACK`]): in Chromium the
//! worker's memory ended at 579 MB on that dump, 1.24 × the native peak of live bytes (the
//! model says 621 MB). A wasm memory never shrinks, so what the worker already has counts as a
//! floor.
//!
//! **Two dumps compared** in one tab: each is analyzed in its own worker (its own wasm32
//! memory), but both live in the tab's renderer process. The second dump is opened with the
//! bytes the first one's worker holds (`reserved`, its memory after the hand-over, ~32 B/object)
//! and the plan is for both together to stay within what a single analysis may use
//! ([`AVAILABLE_BYTES`]): we plan a tab for one wasm32 memory's worth of analyses, not two.
//! A pair that does not fit stops with a [`TooBig`] whose `reserved_bytes` says so, and whose
//! message points at `heaplens diff`.

use heaplens::report::format_approx_count;

use crate::protocol::{OpenError, TooBig};

pub use crate::protocol::limits::WASM32_MAX_BYTES;
use crate::protocol::limits::{MEMORY64_AVAILABLE_BYTES, WASM32_AVAILABLE_BYTES};

/// What the analysis may plan to use in this build of the worker: a wasm32 memory's, or (the
/// memory64 worker, `scripts/build-worker64.sh`) a 64-bit memory's. Native tests plan for
/// wasm32, the default worker.
pub const AVAILABLE_BYTES: u64 = if cfg!(target_arch = "wasm64") {
    MEMORY64_AVAILABLE_BYTES
} else {
    WASM32_AVAILABLE_BYTES
};
/// Read buffer, decoder, metadata and wasm code, whatever the dump.
pub const FIXED_BYTES: u64 = 24 << 20;
/// High-water mark of the wasm heap over the peak of live bytes (free lists, fragments).
pub const SLACK: f64 = 1.25;

fn pow2(n: u64) -> u64 {
    n.max(4).checked_next_power_of_two().unwrap_or(u64::MAX)
}

/// Peak of live bytes while pass 1 ends (ids numbered, classes resolved).
pub fn pass1_end_peak(objects: u64, strings: u64) -> u64 {
    24 * objects + 8 * pow2(objects) + if strings > 0 { 16 * pow2(strings) } else { 0 }
}

/// Peak of live bytes in pass 2 (`edges`: reference slots, the first pass's bound).
pub fn pass2_peak(objects: u64, edges: u64, strings: u64) -> u64 {
    25 * objects + 5 * edges + 80 * strings
}

/// Peak of live bytes while the dominator tree is computed.
pub fn dominators_peak(objects: u64, edges: u64, strings: u64) -> u64 {
    33 * objects + 9 * edges + 25 * strings
}

fn with_slack(live: u64) -> u64 {
    FIXED_BYTES + (live as f64 * SLACK) as u64
}

/// Memory the rest of the analysis needs once pass 1 is done (`edges`: an upper bound).
pub fn after_first_pass(objects: u64, edges: u64, strings: u64) -> u64 {
    with_slack(pass2_peak(objects, edges, strings).max(dominators_peak(objects, edges, strings)))
}

/// A lower bound of what analyzing `objects` objects with `strings` strings needs, known
/// during pass 1 (references not counted): ending pass 1 and the rest.
pub fn lower_bound(objects: u64, strings: u64) -> u64 {
    with_slack(
        pass1_end_peak(objects, strings)
            .max(pass2_peak(objects, 0, strings))
            .max(dominators_peak(objects, 0, strings)),
    )
}

/// What a typical dump of `objects` objects needs (1.3 reference slots and 0.25 strings
/// per object): the figure quoted when pass 1 stops early.
pub fn typical(objects: u64) -> u64 {
    let strings = objects / 4;
    after_first_pass(objects, objects + objects * 3 / 10, strings)
        .max(lower_bound(objects, strings))
}

/// Whether `needed` bytes fit, given that the worker already has `current` bytes and the
/// tab's other analysis holds `reserved`.
pub fn fits(needed: u64, current: u64, reserved: u64) -> bool {
    needed.max(current).saturating_add(reserved) <= AVAILABLE_BYTES
}

/// During pass 1: `seen` objects and `strings` strings read so far (lower bounds: the
/// decision, made before ending pass 1 costs its peak), `extrapolated` the whole dump's
/// objects (for the message), `reserved` what the tab's other analysis holds.
pub fn check_objects(
    seen: u64,
    strings: u64,
    extrapolated: u64,
    current: u64,
    reserved: u64,
) -> Result<(), TooBig> {
    let needed = lower_bound(seen, strings);
    if fits(needed, current, reserved) {
        return Ok(());
    }
    let objects = extrapolated.max(seen);
    Err(TooBig {
        objects,
        needed_bytes: typical(objects).max(needed).max(current),
        available_bytes: AVAILABLE_BYTES,
        reserved_bytes: reserved,
    })
}

/// After pass 1: the estimate of the rest of the analysis, or why it cannot fit.
pub fn check_first_pass(
    objects: u64,
    edges: u64,
    strings: u64,
    current: u64,
    reserved: u64,
) -> Result<u64, TooBig> {
    let needed = after_first_pass(objects, edges, strings);
    if fits(needed, current, reserved) {
        Ok(needed)
    } else {
        Err(TooBig {
            objects,
            needed_bytes: needed.max(current),
            available_bytes: AVAILABLE_BYTES,
            reserved_bytes: reserved,
        })
    }
}

/// The error for a dump too big for the browser (`name`: the file's name).
pub fn too_big_error(name: &str, t: TooBig) -> OpenError {
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let file = if name.is_empty() { "FILE" } else { name };
    if t.reserved_bytes > 0 {
        return OpenError {
            message: format!(
                "These two dumps do not fit in one browser tab together: this one has {} objects \
                 and needs ~{:.1} GiB, the other dump's analysis holds {:.1} GiB, and two \
                 analyses can use at most {:.1} GiB together; compare them with the CLI: \
                 heaplens diff BASELINE {file}",
                format_approx_count(t.objects),
                gib(t.needed_bytes),
                gib(t.reserved_bytes),
                gib(t.available_bytes),
            ),
            offset: None,
            not_hprof: false,
            too_big: Some(t),
        };
    }
    OpenError {
        message: format!(
            "This dump has {} objects and needs ~{:.1} GiB to analyze in a browser tab \
             (its analysis worker can use at most {:.1} GiB); use the CLI: heaplens analyze {}",
            format_approx_count(t.objects),
            gib(t.needed_bytes),
            gib(t.available_bytes),
            file,
        ),
        offset: None,
        not_hprof: false,
        too_big: Some(t),
    }
}
