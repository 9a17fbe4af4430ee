//! The ThreadLocal story on a truncated dump (issue 11, item 10): `threadlocal_leak` cut at 60%
//! of its bytes still shows all 16 pooled `request-worker-*` threads, but only 6 of their
//! `RequestContext` values are before the cut. The story must use one count of threads
//! ("6 of the 16 threads"), and say that it covers only the part of the dump that could be
//! read; on the complete dump, the 16 workers of the 21 threads in the suspect (the group of
//! every `Thread` instance the suspect gathers) and no such clause.

mod common;

use heaplens::analysis::paths::{PathFinder, PathOptions};
use heaplens::analysis::patterns::THREADLOCAL_ACCUMULATION;
use heaplens::analysis::suspects::find_suspects;
use heaplens::graph::*;
use std::io::Read;

fn story(bytes: &[u8]) -> String {
    let g = build_from_bytes(bytes).unwrap();
    let d = Dominance::compute(&g);
    let p = PathFinder::new(&g, PathOptions::default());
    let s = find_suspects(&g, &d, &p);
    s.iter()
        .find(|x| x.pattern == THREADLOCAL_ACCUMULATION)
        .map(|x| x.explanation.clone())
        .unwrap_or_else(|| panic!("no ThreadLocal suspect: {s:?}"))
}

#[test]
fn one_thread_count_and_the_cut_said() {
    let gz = common::read_fixture("threadlocal_leak.hprof.gz");
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();

    let cut = story(&raw[..raw.len() * 60 / 100]);
    assert!(
        cut.contains("the ThreadLocalMaps of 6 of the 16 threads (6 request-worker-"),
        "{cut}"
    );
    assert!(
        cut.contains("hold 6 × com.example.tlleak.RequestContext"),
        "{cut}"
    );
    assert!(cut.contains("together the 16 threads retain"), "{cut}");
    assert!(
        cut.contains("The dump is truncated: these counts cover only the part"),
        "{cut}"
    );

    let whole = story(&raw);
    assert!(
        whole.contains("the ThreadLocalMaps of 16 of the 21 threads (16 request-worker-"),
        "{whole}"
    );
    assert!(
        whole.contains("hold 16 × com.example.tlleak.RequestContext"),
        "{whole}"
    );
    assert!(!whole.contains("truncated"), "{whole}");
}
