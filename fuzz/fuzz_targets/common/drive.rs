//! What the build and analysis fuzz targets do with a dump, shared with the regression test
//! that replays their findings (`tests/fuzz_regressions_build.rs`, included by path).
#![allow(dead_code)]

use heaplens::analysis::{self, PathFinder, PathOptions};
use heaplens::graph::{
    read_snapshot, write_snapshot, Dominance, GraphBuilder, HeapGraph, Node, PassOutcome,
};
use heaplens::report::{build_report, to_html, to_markdown, ReportOptions};

/// Both passes over `dump`, fed in `chunk`-byte pieces. `None` on a (typed) parse error.
pub fn build(dump: &[u8], chunk: usize) -> Option<HeapGraph> {
    let mut b = GraphBuilder::new();
    loop {
        for c in dump.chunks(chunk.max(1)) {
            b.feed(c).ok()?;
        }
        if b.end_pass().ok()? == PassOutcome::Done {
            return b.into_graph();
        }
    }
}

/// Every analysis and rendering the CLI and the worker run, plus paths from a few nodes, and a
/// snapshot round trip that must give the same report.
pub fn analyze(g: &HeapGraph) {
    let d = Dominance::compute(g);
    let report = build_report(g, &d, &ReportOptions::default());
    let json = serde_json::to_string(&report).expect("serializes");
    let _ = to_markdown(&report);
    let _ = to_html(&report);
    let finder = PathFinder::new(g, PathOptions::default());
    let n = g.node_count() as u32;
    for v in [0, n / 2, n.saturating_sub(1)] {
        if v < n {
            let _ = finder.paths(Node::new(v), 3);
        }
    }
    let threads = analysis::threads(g, &d);
    let _ = analysis::thread_groups(&threads);
    let _ = analysis::histogram(g, &d);

    let mut snap = Vec::new();
    write_snapshot(g, &d, b"extra", &mut |p| snap.extend_from_slice(p));
    let mut at = 0;
    let s = read_snapshot(&mut |buf| {
        let end = at + buf.len();
        buf.copy_from_slice(&snap[at..end]);
        at = end;
        Ok(())
    })
    .expect("a snapshot we wrote reads back");
    let report2 = build_report(&s.graph, &s.dominance, &ReportOptions::default());
    assert_eq!(
        json,
        serde_json::to_string(&report2).expect("serializes"),
        "the restored analysis reports the same"
    );
}
