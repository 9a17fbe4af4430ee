//! Fuzz target `analyze`: small graphs built from generated dumps (`common/gen.rs`), then every
//! analysis, the report in its three renderings, paths to GC roots, and a snapshot round trip
//! that must report the same (`common/drive.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/drive.rs"]
mod drive;
#[path = "common/gen.rs"]
mod gen;

fuzz_target!(|data: &[u8]| {
    let dump = gen::dump(data);
    if let Some(g) = drive::build(&dump, 1 << 16) {
        drive::analyze(&g);
    }
});
