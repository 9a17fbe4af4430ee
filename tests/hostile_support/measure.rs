//! Runs a dump through what the CLI does (two passes in 1 MiB chunks, dominators, report, all
//! three renderings) and measures it: wall time and the peak of live heap bytes of this thread
//! (a counting global allocator). Included by path by the native hostile tests, each of which
//! installs [`Counting`] as its global allocator.
#![allow(dead_code)]

use heaplens::graph::{Dominance, GraphBuilder, PassOutcome};
use heaplens::report::{build_report, to_html, to_markdown, ReportOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The bound for every crafted case.
pub const MAX_TIME: Duration = Duration::from_secs(10);
pub const MAX_BYTES: usize = 512 << 20;

pub struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn add(n: isize) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + n;
        l.set(v);
        let _ = PEAK.try_with(|p| p.set(p.get().max(v)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        add(l.size() as isize);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        add(l.size() as isize);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - l.size() as isize);
        unsafe { System.realloc(p, l, new_size) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        add(-(l.size() as isize));
        unsafe { System.dealloc(p, l) }
    }
}

/// How a run ended.
#[derive(Debug)]
pub enum End {
    /// The analysis finished; the warnings of the dump.
    Analysis {
        objects: usize,
        warnings: Vec<String>,
    },
    /// A typed parse error.
    Error(heaplens::hprof::ParseError),
    /// A panic (a bug in any case).
    Panic(String),
}

pub struct Measured {
    pub end: End,
    pub time: Duration,
    /// Peak live heap bytes of this thread above what it held at the start.
    pub peak: usize,
}

/// Live heap bytes of this thread (for a test that watches one step's allocations).
pub fn live_bytes() -> isize {
    LIVE.with(Cell::get)
}

/// Runs `f`, returning its result, the wall time and the peak of this thread's live heap bytes
/// above what it held at the start.
pub fn measured<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let start = Instant::now();
    let out = f();
    let time = start.elapsed();
    (out, time, (PEAK.with(Cell::get) - base).max(0) as usize)
}

/// Analyses `bytes` as the CLI does, measuring time and peak memory.
pub fn analyze(bytes: &[u8]) -> Measured {
    let (end, time, peak) = measured(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(bytes))).unwrap_or_else(|p| {
            End::Panic(
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
            )
        })
    });
    Measured { end, time, peak }
}

fn run(bytes: &[u8]) -> End {
    let mut b = GraphBuilder::new();
    loop {
        for chunk in bytes.chunks(1 << 20) {
            if let Err(e) = b.feed(chunk) {
                return End::Error(e);
            }
        }
        match b.end_pass() {
            Err(e) => return End::Error(e),
            Ok(PassOutcome::Done) => break,
            Ok(_) => {}
        }
    }
    let g = b.into_graph().expect("done");
    let d = Dominance::compute(&g);
    let report = build_report(&g, &d, &ReportOptions::default());
    let json = serde_json::to_string(&report).expect("serializes");
    let md = to_markdown(&report);
    let html = to_html(&report);
    assert!(!json.is_empty() && !md.is_empty() && !html.is_empty());
    End::Analysis {
        objects: g.node_count(),
        warnings: g.meta.warnings.iter().map(|w| w.to_string()).collect(),
    }
}

/// Asserts the bounds (≤ 10 s, ≤ 512 MiB, no panic) and prints the numbers.
pub fn assert_bounded(what: &str, m: &Measured) {
    eprintln!(
        "{what}: {:.3} s, peak {:.1} MiB, {:?}",
        m.time.as_secs_f64(),
        m.peak as f64 / (1 << 20) as f64,
        m.end
    );
    assert!(!matches!(m.end, End::Panic(_)), "{what}: {:?}", m.end);
    assert!(m.time <= MAX_TIME, "{what}: took {:?}", m.time);
    assert!(m.peak <= MAX_BYTES, "{what}: peak {} MiB", m.peak >> 20);
}
