//! Parser throughput benchmark (used by `scripts/bench.sh`).
//!
//!   cargo run --release --example bench_parse -- DUMP.hprof[.gz] [RUNS]
//!
//! Streams the file in 4 MiB chunks through `heaplens::hprof::DumpDecoder` (single thread, the
//! same push API the browser worker uses) with a visitor that only counts records, so it measures
//! the parser and not any graph building. Reads the file from disk on every run (keep it in the
//! page cache: `cat DUMP > /dev/null`); with RUNS > 1 it prints each run and the best.
//! Output: `key=value` lines (`wall_s`, `mb_s` with MB = 10^6 decompressed bytes, `objects`...)
//! that `scripts/bench.sh` reads.

use heaplens::hprof::*;
use std::io::Read;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bench_parse DUMP.hprof[.gz] [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args
        .next()
        .map(|r| r.parse().expect("RUNS must be a number"))
        .unwrap_or(1)
        .max(1);

    let mut best = f64::INFINITY;
    let mut last = None;
    for run in 1..=runs {
        let t = Instant::now();
        let mut file = std::fs::File::open(&path)
            .unwrap_or_else(|e| fail(&format!("cannot open {path}: {e}")));
        let mut buf = vec![0u8; 4 << 20];
        let mut v = RecordCounts::default();
        let mut d = DumpDecoder::new();
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => fail(&format!("cannot read {path}: {e}")),
            };
            d.feed(&buf[..n], &mut v)
                .unwrap_or_else(|e| fail(&e.to_string()));
        }
        let input = d.input_bytes();
        let summary = d.finish(&mut v).unwrap_or_else(|e| fail(&e.to_string()));
        let wall = t.elapsed().as_secs_f64();
        eprintln!(
            "bench_parse: run {run}/{runs}: {wall:.3} s, {:.0} MB/s",
            summary.bytes as f64 / wall / 1e6
        );
        best = best.min(wall);
        last = Some((v, summary, input));
    }
    let (v, summary, input) = last.expect("at least one run");
    let objects = v.instances + v.object_arrays + v.primitive_arrays + v.classes;
    println!("file={path}");
    println!("input_bytes={input}");
    println!("decompressed_bytes={}", summary.bytes);
    println!("instances={}", v.instances);
    println!("object_arrays={}", v.object_arrays);
    println!("primitive_arrays={}", v.primitive_arrays);
    println!("classes={}", v.classes);
    println!("objects={objects}");
    println!("gc_roots={}", v.roots);
    println!("array_elements={}", v.array_elements);
    println!("warnings={}", summary.warnings.len());
    println!("runs={runs}");
    println!("wall_s={best:.3}");
    println!("mb_s={:.1}", summary.bytes as f64 / best / 1e6);
}

fn fail(msg: &str) -> ! {
    eprintln!("bench_parse: error: {msg}");
    std::process::exit(1);
}
