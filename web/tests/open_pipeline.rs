//! Opening a dump, natively: progress in every phase, the first pass's results before the
//! reply (and consistent with it), the memory-fit check, and the memory model itself.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use heaplens_web::protocol::*;
use heaplens_web::worker::memory::{self, AVAILABLE_BYTES};
use heaplens_web::worker::{DumpSource, Host, Service};

/// What the worker would post, in order.
#[derive(Debug)]
enum Posted {
    Progress(Progress),
    Partial(Box<PartialResults>),
}

/// A host whose clock advances `tick` ms per reading, reporting `memory` bytes of wasm memory.
struct Recorder {
    t: f64,
    tick: f64,
    memory: u64,
    posted: Vec<Posted>,
}

impl Recorder {
    fn new(tick: f64, memory: u64) -> Self {
        Recorder {
            t: 0.0,
            tick,
            memory,
            posted: Vec::new(),
        }
    }
    fn progress(&self) -> Vec<&Progress> {
        self.posted
            .iter()
            .filter_map(|p| {
                if let Posted::Progress(p) = p {
                    Some(p)
                } else {
                    None
                }
            })
            .collect()
    }
    fn partials(&self) -> Vec<&PartialResults> {
        self.posted
            .iter()
            .filter_map(|p| {
                if let Posted::Partial(p) = p {
                    Some(&**p)
                } else {
                    None
                }
            })
            .collect()
    }
}

impl Host for Recorder {
    fn now_ms(&mut self) -> f64 {
        self.t += self.tick;
        self.t
    }
    fn progress(&mut self, p: &Progress) {
        self.posted.push(Posted::Progress(p.clone()));
    }
    fn partial(&mut self, p: &PartialResults) {
        self.posted.push(Posted::Partial(Box::new(p.clone())));
    }
    fn memory_bytes(&mut self) -> u64 {
        self.memory
    }
}

fn open_with(bytes: &[u8], name: &str, host: &mut Recorder) -> (Service, OpenOutcome) {
    let mut src: &[u8] = bytes;
    common::open_source(&mut src, name, Default::default(), host)
}

fn histogram(s: &mut Service, unreachable: bool) -> Vec<HistogramRow> {
    let mut rows = Vec::new();
    loop {
        let q = HistogramQuery {
            unreachable,
            offset: rows.len() as u32,
            limit: MAX_PAGE,
            descending: true,
            ..Default::default()
        };
        let h = s.request::<req::Histogram>(&q).unwrap();
        let done = h.rows.len() < MAX_PAGE as usize;
        rows.extend(h.rows);
        if done {
            return rows;
        }
    }
}

#[test]
fn first_results_come_before_the_reply_and_agree_with_it() {
    let gz = common::incident("queue_backlog");
    let mut host = Recorder::new(10.0, 0);
    let (mut s, r) = open_with(&gz, "queue_backlog.hprof.gz", &mut host);
    let OpenOutcome::Opened(o) = r else {
        panic!("{r:?}")
    };
    let partials = host.partials();
    assert_eq!(partials.len(), 1, "one partial result per open");
    let p = partials[0];
    // Posted after pass 1, before pass 2's progress.
    let at = host
        .posted
        .iter()
        .position(|x| matches!(x, Posted::Partial(_)))
        .unwrap();
    assert!(host.posted[..at]
        .iter()
        .all(|x| matches!(x, Posted::Progress(p) if p.phase == Phase::Indexing)));
    assert!(host.posted[at + 1..]
        .iter()
        .any(|x| matches!(x, Posted::Progress(p) if p.phase == Phase::Linking)));

    assert_eq!(p.file_name, "queue_backlog.hprof.gz");
    assert_eq!(
        (p.format.as_str(), p.id_size, p.timestamp_ms),
        (
            o.summary.format.as_str(),
            o.summary.id_size,
            o.summary.timestamp_ms
        )
    );
    assert_eq!(p.dump_bytes, o.summary.dump_bytes);
    assert_eq!(p.objects_total, o.summary.objects_total);
    assert_eq!(p.classes, o.summary.classes);
    assert_eq!(p.gc_roots, o.summary.gc_roots);
    // Pass 1 counts the threads that are GC roots; the overview every reachable Thread.
    assert!(
        p.thread_roots > 0 && p.thread_roots <= o.summary.threads,
        "{} {}",
        p.thread_roots,
        o.summary.threads
    );
    assert_eq!(p.heap_shallow_total, o.summary.heap_shallow_total);
    assert_eq!(
        (p.compressed_oops, p.alignment),
        (o.summary.compressed_oops, o.summary.alignment)
    );
    assert!(
        p.edges_estimate >= o.summary.edges,
        "{} < {}",
        p.edges_estimate,
        o.summary.edges
    );
    assert!(
        p.edges_estimate <= 2 * o.summary.edges,
        "a useful bound: {} vs {}",
        p.edges_estimate,
        o.summary.edges
    );
    assert_eq!(
        p.phases.iter().map(|x| x.phase).collect::<Vec<_>>(),
        [Phase::Indexing]
    );
    assert!(p.memory_estimate_bytes > 0 && p.memory_estimate_bytes < AVAILABLE_BYTES);

    // The histogram: every class, largest shallow first, no retained sizes yet; the same
    // instances and shallow bytes as the final histogram's reachable + unreachable rows.
    assert!(p.histogram.len() <= MAX_PAGE as usize);
    assert_eq!(p.histogram.len() as u32, p.histogram_classes.min(MAX_PAGE));
    assert!(p.histogram.windows(2).all(|w| w[0].shallow >= w[1].shallow));
    assert!(p
        .histogram
        .iter()
        .all(|r| r.retained == 0 && r.class.is_some()));
    assert_eq!(
        p.histogram.iter().map(|r| r.instances).sum::<u64>(),
        p.objects_total
    );
    assert_eq!(
        p.histogram.iter().map(|r| r.shallow).sum::<u64>(),
        p.heap_shallow_total
    );
    let mut fin = std::collections::HashMap::<u32, (u64, u64)>::new();
    for r in histogram(&mut s, false)
        .into_iter()
        .chain(histogram(&mut s, true))
    {
        let e = fin.entry(r.class.unwrap()).or_default();
        e.0 += r.instances;
        e.1 += r.shallow;
    }
    for r in &p.histogram {
        assert_eq!(
            fin.get(&r.class.unwrap()),
            Some(&(r.instances, r.shallow)),
            "{}",
            r.name
        );
    }
    let string = p
        .histogram
        .iter()
        .find(|r| r.name == "java.lang.String")
        .unwrap();
    assert!(string.instances >= 84_000);

    // The reply: phases in order, their sum within the whole.
    let order: Vec<Phase> = o.phases.iter().map(|x| x.phase).collect();
    assert_eq!(
        order,
        [
            Phase::Indexing,
            Phase::Linking,
            Phase::Dominators,
            Phase::Analyses
        ]
    );
    assert!(o.phases.iter().all(|x| x.ms > 0.0));
    assert!(o.phases.iter().map(|x| x.ms).sum::<f64>() <= o.analysis_ms);
    assert_eq!(o.phases[0], p.phases[0]);
}

#[test]
fn progress_in_every_phase_monotone_and_sensible() {
    let gz = common::incident("queue_backlog");
    // 100 ms per clock reading: every report the core makes passes the rate limit.
    let mut host = Recorder::new(100.0, 0);
    let (_, r) = open_with(&gz, "q", &mut host);
    assert!(matches!(r, OpenOutcome::Opened(_)));
    let seen = host.progress();
    // Inside the end of pass 1, the end of pass 2 and the dominator computation, not just at
    // their start.
    for detail in [
        "numbering objects",
        "ordering references",
        "dominator tree and retained sizes",
    ] {
        let n = seen.iter().filter(|p| p.detail == detail).count();
        assert!(
            n >= 2,
            "{n} reports for {detail:?}: {:?}",
            seen.iter()
                .map(|p| (&p.detail, p.percent))
                .collect::<Vec<_>>()
        );
    }
    let phases: Vec<Phase> = seen.iter().map(|p| p.phase).collect();
    let mut order = phases.clone();
    order.dedup();
    assert_eq!(
        order,
        [
            Phase::Indexing,
            Phase::Linking,
            Phase::Dominators,
            Phase::Analyses
        ]
    );
    assert!(
        seen.windows(2).all(|w| w[0].percent <= w[1].percent),
        "monotone percent"
    );
    assert!(seen.windows(2).all(|w| w[0].elapsed_ms <= w[1].elapsed_ms));
    assert!(seen.windows(2).all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert!(seen.iter().all(|p| (0.0..=100.0).contains(&p.percent)));
    assert!(seen.iter().all(|p| p.bytes_done <= p.bytes_total));
    assert!(seen
        .iter()
        .filter_map(|p| p.eta_ms)
        .all(|e| e.is_finite() && e >= 0.0));
    // The ETA settles: once past half-way it stays under the time spent so far.
    let late: Vec<&&Progress> = seen
        .iter()
        .filter(|p| p.percent >= 50.0 && p.eta_ms.is_some())
        .collect();
    assert!(!late.is_empty());
    assert!(
        late.iter().all(|p| p.eta_ms.unwrap() <= 1.5 * p.elapsed_ms),
        "{late:?}"
    );
    assert!(seen.len() < 400, "{} reports", seen.len());
}

#[test]
fn a_dump_too_big_for_the_tab_stops_with_a_typed_error() {
    // A worker already near the 4 GiB ceiling: the first check (after the first MiB) fails.
    let gz = common::incident("queue_backlog");
    let mut host = Recorder::new(10.0, AVAILABLE_BYTES + 1);
    let (mut s, r) = open_with(&gz, "big.hprof", &mut host);
    let OpenOutcome::Failed(e) = r else {
        panic!("{r:?}")
    };
    let t = e.too_big.clone().expect("typed: too big");
    assert!(t.objects > 0);
    assert!(t.needed_bytes > t.available_bytes);
    assert_eq!(t.available_bytes, AVAILABLE_BYTES);
    assert!(!e.not_hprof);
    assert!(e.message.starts_with("This dump has ~"), "{}", e.message);
    assert!(
        e.message.contains("GiB to analyze in a browser tab"),
        "{}",
        e.message
    );
    assert!(
        e.message
            .ends_with("use the CLI: heaplens analyze big.hprof"),
        "{}",
        e.message
    );
    assert!(
        host.partials().is_empty(),
        "no partial results for a dump that cannot be analyzed"
    );
    assert!(s.request::<req::Summary>(&()).is_err());
}

#[test]
fn memory_model_covers_the_measured_peak() {
    // big600 (scripts/gen-big-dump.sh): 9,352,322 objects, 9,931,499 references (first-pass
    // bound 12,008,671), 2,288,355 strings. Peaks of live heap bytes measured with a counting
    // allocator (core of 2026-11-22, "build peak 47 bytes/object"): 423,137,406 ending pass 1,
    // 467,709,252 in pass 2, 438,632,403 computing dominators. In Chromium the worker's wasm
    // memory ended at 579,010,560 bytes.
    let (n, e_bound, strings) = (9_352_322u64, 12_008_671u64, 2_288_355u64);
    let est = memory::after_first_pass(n, e_bound, strings);
    let (peak, wasm) = (467_709_252u64, 579_010_560u64);
    assert!(est >= wasm, "{est}");
    assert!(est <= wasm * 12 / 10, "not wildly pessimistic: {est}");
    assert!(
        memory::pass2_peak(n, e_bound, strings) >= peak,
        "pass 2 peak"
    );
    assert!(
        memory::dominators_peak(n, 9_931_499, strings) >= 438_632_403,
        "dominators peak"
    );
    assert!(
        memory::pass1_end_peak(n, strings) >= 423_137_406,
        "pass 1 end peak"
    );
    assert!(
        memory::lower_bound(n, strings) <= est,
        "the lower bound is one"
    );
    assert!(memory::check_first_pass(n, e_bound, strings, 0, 0).is_ok());

    // Where the line is: ~56 M objects of this kind fit, ~75 M do not.
    let scaled =
        |k: u64| memory::check_first_pass(n * k / 10, e_bound * k / 10, strings * k / 10, 0, 0);
    assert!(scaled(60).is_ok(), "{:?}", scaled(60));
    assert!(scaled(80).is_err());
    let t = scaled(80).unwrap_err();
    assert_eq!(t.objects, n * 8);
    assert!(t.needed_bytes > AVAILABLE_BYTES);

    // During pass 1, from the objects and strings read so far: a small count passes whatever
    // comes, a huge one stops early (before ending pass 1 needs its peak), quoting the
    // extrapolated count.
    assert!(memory::check_objects(1_000_000, 250_000, 2_000_000, 50 << 20, 0).is_ok());
    let t = memory::check_objects(110_000_000, 25_000_000, 180_000_000, 2 << 30, 0).unwrap_err();
    assert_eq!(t.objects, 180_000_000);
    assert!(t.needed_bytes >= memory::typical(180_000_000));
    // Never rejected early on the lower bound of a dump that fits the typical estimate.
    for n in [1u64 << 20, 10_000_000, 55_000_000] {
        assert!(memory::lower_bound(n, n / 4) <= memory::typical(n));
        assert!(memory::check_objects(n, n / 4, n, 0, 0).is_ok(), "{n}");
    }
    // Ending pass 1 is checked before it happens: its peak grows with the columns' capacity.
    assert!(memory::lower_bound(1 << 27, 0) >= memory::pass1_end_peak(1 << 27, 0));
    // The worker's current memory is a floor.
    assert!(memory::check_first_pass(1000, 1000, 100, AVAILABLE_BYTES + 1, 0).is_err());
    assert!(!memory::fits(1, AVAILABLE_BYTES + 1, 0));
    assert!(memory::fits(AVAILABLE_BYTES, 0, 0));

    // Two dumps compared in one tab: the other analysis's memory counts. The bench dump
    // (fits alone with room to spare) next to a baseline holding 3.5 GiB does not.
    assert!(memory::check_first_pass(n, e_bound, strings, 0, 1 << 30).is_ok());
    let t = memory::check_first_pass(n, e_bound, strings, 0, 7 << 29).unwrap_err();
    assert_eq!(t.reserved_bytes, 7 << 29);
    assert_eq!(t.needed_bytes, est);
    assert!(memory::check_objects(n, strings, n, 0, 7 << 29).is_err());
    assert!(!memory::fits(AVAILABLE_BYTES, 0, 1));
}

#[test]
fn too_big_errors_read_well() {
    let e = memory::too_big_error(
        "prod-heap.hprof",
        TooBig {
            objects: 57_300_000,
            needed_bytes: 5 << 30,
            available_bytes: AVAILABLE_BYTES,
            reserved_bytes: 0,
        },
    );
    assert_eq!(
        e.message,
        "This dump has ~57.3 million objects and needs ~5.0 GiB to analyze in a browser tab (its analysis worker can use at most 3.8 GiB); use the CLI: heaplens analyze prod-heap.hprof"
    );
    assert_eq!(e.too_big.unwrap().objects, 57_300_000);
    // The second dump of a comparison: the message says the pair does not fit.
    let e = memory::too_big_error(
        "friday.hprof",
        TooBig {
            objects: 30_000_000,
            needed_bytes: 2 << 30,
            available_bytes: AVAILABLE_BYTES,
            reserved_bytes: 2 << 30,
        },
    );
    assert_eq!(
        e.message,
        "These two dumps do not fit in one browser tab together: this one has ~30.0 million objects and needs ~2.0 GiB, the other dump's analysis holds 2.0 GiB, and two analyses can use at most 3.8 GiB together; compare them with the CLI: heaplens diff BASELINE friday.hprof"
    );
}

#[test]
fn offsets_are_u64() {
    let bytes = [1u8, 2, 3];
    let mut src: &[u8] = &bytes;
    let mut buf = [0u8; 4];
    assert_eq!(src.read_at(1 << 40, &mut buf), Ok(0));
    assert_eq!(src.read_at(u64::MAX, &mut buf), Ok(0));
    assert_eq!(src.read_at(1, &mut buf), Ok(2));
}
