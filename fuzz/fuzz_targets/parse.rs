//! Fuzz target `parse`: the first 4 input bytes choose chunk sizes (see `fuzz_split`), the rest is
//! a dump (raw or gzip). It is parsed through `DumpDecoder` once whole and once in those chunks;
//! both must deliver the same events (object-array pieces merged) and the same result, and
//! neither may break the visitor contract. Panics, overflows and huge allocations are crashes.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/recorder.rs"]
mod recorder;
use recorder::*;

fuzz_target!(|data: &[u8]| {
    let (sizes, input) = fuzz_split(data);
    let whole = parse_whole(input);
    let chunked = parse_chunked(input, &sizes);
    if let Some(d) = diff_runs(&whole, &chunked) {
        panic!("chunk sizes {sizes:?}: {d}");
    }
    // Display of errors and warnings must not panic either.
    match &whole.outcome {
        Ok(s) => s.warnings.iter().for_each(|w| drop(w.to_string())),
        Err(e) => drop(e.to_string()),
    }
});
