//! The ThreadLocal story on a truncated dump (issue 11, item 10): `threadlocal_leak` cut at 60%
//! of its bytes still shows all 16 pooled `request-worker-*` threads, but only 6 of their
//! `RequestContext` values are before the cut. The story must use one count of threads
//! ("6 of the N threads", N = the Threads list's count: `threads::thread_nodes`, every reachable
//! `Thread`), and say that it covers only the part of the dump that could be read; on the
//! complete dump, the 16 workers of all the threads and no such clause.

mod common;

use heaplens::analysis::find_suspects;
use heaplens::analysis::threads;
use heaplens::analysis::LeakPattern;
use heaplens::analysis::{PathFinder, PathOptions};
use heaplens::graph::*;
use std::io::Read;

/// The ThreadLocal suspect's story, and how many threads the Threads list shows.
fn story(bytes: &[u8]) -> (String, usize) {
    let g = build_from_bytes(bytes).unwrap();
    let d = Dominance::compute(&g);
    let p = PathFinder::new(&g, PathOptions::default());
    let s = find_suspects(&g, &d, &p);
    s.iter()
        .find(|x| x.pattern == LeakPattern::ThreadLocalAccumulation)
        .map(|x| (x.explanation.clone(), threads(&g, &d).len()))
        .unwrap_or_else(|| panic!("no ThreadLocal suspect: {s:?}"))
}

#[test]
fn one_thread_count_and_the_cut_said() {
    let gz = common::read_fixture("threadlocal_leak.hprof.gz");
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();

    let (cut, n) = story(&raw[..raw.len() * 60 / 100]);
    assert!(n >= 16, "all 16 pooled workers are before the cut: {n}");
    assert!(
        cut.contains(&format!(
            "the ThreadLocalMaps of 6 of the {n} threads (6 request-worker-"
        )),
        "{cut}"
    );
    assert!(
        cut.contains("hold 6 × com.example.tlleak.RequestContext"),
        "{cut}"
    );
    assert!(
        cut.contains(&format!("together the {n} threads retain")),
        "{cut}"
    );
    assert!(
        cut.contains("The dump is truncated: these counts cover only the part"),
        "{cut}"
    );

    let (whole, n) = story(&raw);
    assert_eq!(n, 25, "the fixture's reachable threads");
    assert!(
        whole.contains("the ThreadLocalMaps of 16 of the 25 threads (16 request-worker-"),
        "{whole}"
    );
    assert!(
        whole.contains("hold 16 × com.example.tlleak.RequestContext"),
        "{whole}"
    );
    assert!(!whole.contains("truncated"), "{whole}");
}
