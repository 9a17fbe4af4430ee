//! Full-analysis benchmark (used by `scripts/bench.sh`).
//!
//!   cargo run --release --example bench_analyze -- DUMP.hprof[.gz]
//!
//! Does what `heaplens::graph::build_from_path` + `Dominance::compute` +
//! `heaplens::analysis::histogram` do, but drives `GraphBuilder` itself (file read in 4 MiB
//! chunks, twice) so that each phase is timed: pass 1 (indexing), pass 2 (references),
//! dominators (+ retained sizes), class histogram. Single thread. Also reports how many bytes per
//! object the graph and the dominance data keep in memory after the build (`heap_bytes()` of
//! each: what the browser tab holds), which is independent of the allocator and of the build's
//! transient peak (the peak RSS is measured from outside by `scripts/bench.sh`).
//! Output: `key=value` lines.

use heaplens::analysis::histogram;
use heaplens::graph::{feed_pass, Dominance, GraphBuilder, PassOutcome};
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: bench_analyze DUMP.hprof[.gz]");
        std::process::exit(2);
    };
    let start = Instant::now();
    // BENCH_READ_ALL=1: pass 2 reads the whole file (as before payloads were left out).
    let read_all = std::env::var_os("BENCH_READ_ALL").is_some_and(|v| v == "1");
    let mut b = GraphBuilder::new();
    if !read_all {
        b = b.leaving_out_payloads();
    }
    let mut buf = vec![0u8; 4 << 20];
    let mut pass_s = Vec::new();
    let mut pass_cpu = Vec::new();
    // Peak RSS so far after each phase (Linux; 0 elsewhere): where the build's peak is.
    let mut peaks: Vec<(String, u64)> = Vec::new();
    let mut input_bytes;
    // As `build_from_path`: feed the file (pass 2 around the skipped payloads), `end_pass`,
    // again until done.
    loop {
        let t = Instant::now();
        let c = cpu_s();
        let mut file = std::fs::File::open(&path)
            .unwrap_or_else(|e| fail(&format!("cannot open {path}: {e}")));
        let size = file.metadata().map_or(u64::MAX, |m| m.len());
        let skipped: u64 = b.skips().iter().map(|s| s.len).sum();
        if skipped > 0 {
            eprintln!(
                "pass 2 leaves out {} ranges, {skipped} bytes",
                b.skips().len()
            );
        }
        feed_pass(&mut b, &mut file, size, &mut buf, |_| {})
            .unwrap_or_else(|e| fail(&e.to_string()));
        input_bytes = b.input_bytes();
        let outcome = b.end_pass().unwrap_or_else(|e| fail(&e.to_string()));
        pass_s.push(t.elapsed().as_secs_f64());
        pass_cpu.push(cpu_s() - c);
        peaks.push((format!("pass{}", pass_s.len()), peak_rss_kib()));
        if outcome == PassOutcome::Done {
            break;
        }
    }
    drop(buf);
    let g = b.into_graph().expect("the builder reported Done");

    let t = Instant::now();
    let d = Dominance::compute(&g);
    let dom_s = t.elapsed().as_secs_f64();
    peaks.push(("dominators".into(), peak_rss_kib()));

    let t = Instant::now();
    let h = histogram(&g, &d);
    let histo_s = t.elapsed().as_secs_f64();
    peaks.push(("histogram".into(), peak_rss_kib()));
    let total_s = start.elapsed().as_secs_f64();

    let n = g.node_count().max(1) as f64;
    let (gb, db) = (g.heap_bytes(), d.heap_bytes());
    println!("file={path}");
    println!("input_bytes={input_bytes}");
    println!("objects={}", g.node_count());
    println!("edges={}", g.stats.edges);
    println!("classes={}", g.classes.len());
    println!("gc_root_nodes={}", g.root_nodes().len());
    println!("reachable_objects={}", d.reachable);
    println!("reachable_bytes={}", d.reachable_bytes());
    println!("histogram_rows={}", h.reachable.len() + h.unreachable.len());
    if let Some(top) = h.reachable.first() {
        println!("top_class={} retained={}", top.name, top.retained);
    }
    for (i, s) in pass_s.iter().enumerate() {
        println!("pass{}_s={s:.3}", i + 1);
        println!("pass{}_cpu_s={:.3}", i + 1, pass_cpu[i]);
    }
    println!("dominators_s={dom_s:.3}");
    println!("histogram_s={histo_s:.3}");
    println!("wall_s={total_s:.3}");
    for (phase, kib) in &peaks {
        println!(
            "peak_rss_after_{phase}_bytes_per_object={:.1}",
            *kib as f64 * 1024.0 / n
        );
    }
    for (name, bytes) in g.memory_breakdown() {
        println!("graph_{name}_bytes_per_object={:.1}", bytes as f64 / n);
    }
    println!("graph_bytes={gb}");
    println!("dominance_bytes={db}");
    println!("graph_bytes_per_object={:.1}", gb as f64 / n);
    println!("dominance_bytes_per_object={:.1}", db as f64 / n);
    println!("bytes_per_object={:.1}", (gb + db) as f64 / n);
}

fn fail(msg: &str) -> ! {
    eprintln!("bench_analyze: error: {msg}");
    std::process::exit(1);
}

/// CPU seconds (user + system) of the process so far, from /proc (Linux; 0 elsewhere): on a
/// shared machine, what compares between runs when wall seconds do not.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<&str> = s.rsplit_once(')')?.1.split_whitespace().collect();
            // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
            let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
            Some((ticks(11)? + ticks(12)?) / 100.0)
        })
        .unwrap_or(0.0)
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
