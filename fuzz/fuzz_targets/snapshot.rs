//! Fuzz target `snapshot`: `read_snapshot` over arbitrary bytes (seeds: snapshots of small
//! graphs, `corpus/snapshot/`). A snapshot crosses a trust boundary (an `ArrayBuffer` between
//! workers), so a damaged one must be a typed error: no panic, no allocation past what its bytes
//! back. The source is fed in the reader's own pieces, as the worker does.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut at = 0usize;
    let r = heaplens::graph::read_snapshot(&mut |buf| {
        let end = at + buf.len();
        if end > data.len() {
            return Err("end of input".into());
        }
        buf.copy_from_slice(&data[at..end]);
        at = end;
        Ok(())
    });
    if let Err(e) = r {
        drop(e.to_string());
    }
});
