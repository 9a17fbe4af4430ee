//! Issue 12's crafted build-layer cases (names copied per field, frame or class; superclass
//! layouts copied; edge room reserved from claimed counts; `String` dumped twice; a huge
//! top-level record; damaged gzip data) through the worker's request handler: opened, then
//! every analysis the page asks for (suspects, histogram, threads, class loaders, waste) and
//! the three exports, on wasm32 (`cargo test -p heaplens-web --target wasm32-unknown-unknown
//! --test hostile_build_layer`, in headless Chromium: a `usize` is 32 bits and memory ends at
//! 4 GiB) and natively. Each must end in answers or a typed "cannot be parsed", never a trap,
//! within the 512 MiB (a counting allocator, both targets) and, natively, 10 s. The
//! generators are shared with the native tests (`tests/hostile_support/`).

#[path = "../../tests/hostile_support/cases.rs"]
mod cases;
#[path = "../../tests/hostile_support/class_names.rs"]
mod class_names;

use heaplens_web::protocol::*;
use heaplens_web::worker::{DumpSource, NullHost, Service};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::*;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Live and peak heap bytes of this thread (the tests run one case at a time per thread).
struct Counting;
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
#[global_allocator]
static ALLOC: Counting = Counting;

const MAX_BYTES: isize = 512 << 20;

/// How the worker answered the `Open`.
enum Opened {
    Analysis(Box<Overview>),
    Failed(OpenError),
}

/// Opens `bytes` as the page does, then asks for every analysis and export; checks the bounds.
fn run(what: &str, bytes: &[u8]) -> Opened {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    #[cfg(not(target_arch = "wasm32"))]
    let start = std::time::Instant::now();
    let mut s = Service::new();
    let mut src: &[u8] = bytes;
    let opened = match s
        .request_with::<req::Open>(
            &OpenParams {
                name: "crafted.hprof".into(),
                size: bytes.len() as u64,
                settings: Default::default(),
                reserved_bytes: 0,
            },
            Some(&mut src as &mut dyn DumpSource),
            &mut NullHost,
        )
        .unwrap_or_else(|e| panic!("{what}: open: {e}"))
    {
        OpenOutcome::Opened(o) => Opened::Analysis(o),
        OpenOutcome::Failed(e) => Opened::Failed(e),
    };
    if matches!(opened, Opened::Analysis(_)) {
        let ok = |label: &str, r: Result<(), String>| {
            assert!(r.is_ok(), "{what}: {label}: {r:?}");
        };
        ok("summary", s.request::<req::Summary>(&()).map(drop));
        ok("suspects", s.request::<req::Suspects>(&()).map(drop));
        let threads = ThreadsQuery {
            filter: String::new(),
            offset: 0,
            limit: 1000,
        };
        ok("threads", s.request::<req::Threads>(&threads).map(drop));
        ok(
            "class loaders",
            s.request::<req::ClassLoaders>(&()).map(drop),
        );
        ok("waste", s.request::<req::Waste>(&()).map(drop));
        for format in [
            ExportFormat::Json,
            ExportFormat::Markdown,
            ExportFormat::Html,
        ] {
            let q = ExportQuery {
                format,
                redact: false,
            };
            ok(
                &format!("export {format:?}"),
                s.request::<req::Export>(&q).map(drop),
            );
        }
    }
    let peak = PEAK.with(Cell::get) - base;
    #[cfg(not(target_arch = "wasm32"))]
    {
        let t = start.elapsed();
        eprintln!("{what}: {:.3} s, peak {} MiB", t.as_secs_f64(), peak >> 20);
        assert!(t.as_secs() <= 10, "{what}: {t:?}");
    }
    assert!(peak <= MAX_BYTES, "{what}: peak {} MiB", peak >> 20);
    opened
}

fn analysis(what: &str, bytes: &[u8]) -> Box<Overview> {
    match run(what, bytes) {
        Opened::Analysis(o) => o,
        Opened::Failed(e) => panic!("{what}: {e:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn names_are_not_copied_per_field() {
    analysis(
        "65,535 fields named by one 60 KB string",
        &cases::field_names_copied(),
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn superclass_layouts_are_shared() {
    analysis("2,000 subclasses", &cases::subclass_chain(2000, 40));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn repeated_frames_do_not_copy_names() {
    analysis("100,000 repeated frames", &cases::repeated_frames(100_000));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn one_huge_class_name_is_not_copied_per_class() {
    let o = analysis(
        "2,000 classes named by one 1 MiB string",
        &class_names::one_name_many_classes(2000, 1 << 20),
    );
    assert_eq!(o.summary.objects_total, 4000, "instances and class objects");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn edge_room_comes_from_real_counts() {
    // 142 bytes claiming 2³²−1 elements: a truncated dump, analysed.
    let o = analysis("claimed edge room", &cases::claimed_edge_room());
    assert!(
        o.summary.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        o.summary.warnings
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn string_dumped_twice() {
    run("java.lang.String twice", &cases::string_twice());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_huge_top_level_record_is_skipped() {
    // A 300 MiB UTF8 record in a ~300 KB `.gz`: skipped with a warning, not buffered.
    let o = analysis("300 MiB record", &cases::huge_utf8_gz(300));
    assert!(
        o.summary.warnings.iter().any(|w| w.contains("skipped")),
        "{:?}",
        o.summary.warnings
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn damaged_gzip_data_is_named() {
    let gz = heaplens_hprof_writer::gzip(&cases::big_class_record(64), None);
    let bad = cases::damage(&gz, gz.len() / 2, 16, 7);
    match run("damaged gzip", &bad) {
        Opened::Failed(e) => assert!(
            e.message.contains("gzip") || e.message.contains("deflate"),
            "{}",
            e.message
        ),
        Opened::Analysis(o) => assert!(!o.summary.warnings.is_empty()),
    }
}
