//! Per-analysis timing of the full report (what `heaplens analyze` computes).
//!
//!   cargo run --release --example bench_report -- DUMP.hprof[.gz]
//!
//! Builds the graph and the dominator tree, then runs each analysis that
//! `report::build_report` runs, one at a time and in the same order, and times each; then
//! `build_report` itself (the whole "analyses" phase of `heaplens analyze --stats`) and its JSON
//! rendering. `scripts/bench.sh` only times the build and the histogram; this finds which
//! analysis grows faster than the object count. Output: `key=value` lines, seconds.

use heaplens::analysis::{self, PathFinder, PathOptions};
use heaplens::graph::{build_from_path, Dominance};
use heaplens::report::{build_report, to_json, ReportOptions};
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_report DUMP.hprof[.gz]");
        std::process::exit(2);
    };
    let (t, c) = (Instant::now(), cpu_s());
    let g = build_from_path(std::path::Path::new(&path), |_, _| {}).unwrap_or_else(|e| {
        eprintln!("bench_report: error: {e}");
        std::process::exit(1);
    });
    println!("objects={}", g.node_count());
    println!(
        "build_s={:.3} cpu_s={:.3}",
        t.elapsed().as_secs_f64(),
        cpu_s() - c
    );
    let (t, c) = (Instant::now(), cpu_s());
    let d = Dominance::compute(&g);
    println!(
        "dominators_s={:.3} cpu_s={:.3}",
        t.elapsed().as_secs_f64(),
        cpu_s() - c
    );
    println!("peak_rss_mib_after_build={}", peak_rss_kib() / 1024);

    // The machine may be shared: CPU seconds of this thread beside the wall seconds.
    let time = |name: &str, f: &mut dyn FnMut()| {
        let (t, c) = (Instant::now(), cpu_s());
        f();
        println!(
            "{name}_s={:.3} cpu_s={:.3}",
            t.elapsed().as_secs_f64(),
            cpu_s() - c
        );
    };
    time("summary", &mut || {
        std::hint::black_box(analysis::summarize(&g, &d));
    });
    time("histogram", &mut || {
        std::hint::black_box(analysis::histogram(&g, &d));
    });
    time("top_dominators", &mut || {
        let tree = d.child_index();
        let n: u64 = d
            .children(g.super_root())
            .iter()
            .take(100)
            .map(|&v| tree.retained_count(v))
            .sum();
        std::hint::black_box(n);
    });
    let mut finder = None;
    time("path_finder", &mut || {
        finder = Some(PathFinder::new(&g, PathOptions::default()));
    });
    let finder = finder.expect("set above");
    time("suspects", &mut || {
        std::hint::black_box(analysis::find_suspects(&g, &d, &finder));
    });
    let mut threads = Vec::new();
    time("threads", &mut || {
        threads = analysis::threads_with(&g, &d, Some(&finder));
    });
    time("thread_locals", &mut || {
        std::hint::black_box(analysis::thread_local_findings(&g, &d, &threads));
    });
    time("class_loaders", &mut || {
        std::hint::black_box(analysis::class_loaders(&g, &d));
    });
    time("duplicate_strings", &mut || {
        std::hint::black_box(analysis::duplicate_strings(&g, &d));
    });
    time("largest_arrays", &mut || {
        std::hint::black_box(analysis::largest_arrays_with(&g, &d, Some(&finder)));
    });
    time("collections", &mut || {
        std::hint::black_box(analysis::collection_fill(&g, &d));
    });
    drop(finder);
    let mut report = None;
    time("build_report", &mut || {
        report = Some(build_report(&g, &d, &ReportOptions::default()));
    });
    let report = report.expect("set above");
    time("json", &mut || {
        std::hint::black_box(to_json(&report));
    });
    println!("peak_rss_mib={}", peak_rss_kib() / 1024);
}

/// CPU seconds this thread has run (Linux `/proc/thread-self/schedstat`, ns); 0 elsewhere.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

/// The process's peak resident set so far (VmHWM), in KiB; 0 where /proc is missing.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
