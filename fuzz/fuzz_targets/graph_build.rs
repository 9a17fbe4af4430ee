//! Fuzz target `graph_build`: the graph build (pass 1 + pass 2) over dumps that get past the parser
//! (`common/gen.rs` turns the input into one). A panic, an overflow, a blow-up in time
//! (`-timeout`) or memory (`-rss_limit_mb`, `-malloc_limit_mb`) is a finding. The first input
//! byte after the generator's flags also picks the chunk size, so both passes see cut records.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/drive.rs"]
mod drive;
#[path = "common/gen.rs"]
mod gen;

fuzz_target!(|data: &[u8]| {
    let dump = gen::dump(data);
    let chunk = 1 + data.get(1).copied().unwrap_or(0) as usize * 7;
    let _ = drive::build(&dump, chunk);
});
