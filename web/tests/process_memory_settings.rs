//! The worker's answers for the Process memory view ([`req::ProcessMemory`]) and for the open
//! settings the page's header changes ([`OpenSettings`]: the heap dump of a multi-dump file,
//! the size rule), natively on real dumps. The expected numbers are what the programs that
//! wrote the fixtures allocated, and what `heaplens analyze --format json` (the same core)
//! prints for the same file and options.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use heaplens::analysis::{multi_dump_warning, DumpChoice};
use heaplens::graph::{build_from_bytes_with, BuildOptions, Dominance, SizeMode};
use heaplens::report::{build_report, ReportOptions};
use heaplens_web::protocol::*;
use heaplens_web::worker::{DumpSource, NullHost, Service};

fn open_with(bytes: &[u8], name: &str, settings: OpenSettings) -> (Service, OpenOutcome) {
    common::open_bytes(bytes, name, settings)
}

fn overview(r: OpenOutcome) -> Overview {
    *common::opened(r)
}

/// The core's own process memory for the same dump (what the CLI's reports show).
fn core_process_memory(bytes: &[u8]) -> heaplens::analysis::ProcessMemory {
    let raw = {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    let g = build_from_bytes_with(&raw, BuildOptions::default()).unwrap();
    let d = Dominance::compute(&g);
    build_report(&g, &d, &ReportOptions::default()).process_memory
}

#[test]
fn direct_buffers_as_the_program_allocated_them() {
    let gz = common::fixture("direct_memory.hprof.gz");
    let (mut s, r) = open_with(&gz, "direct_memory.hprof.gz", OpenSettings::default());
    overview(r);
    let pm = s.request::<req::ProcessMemory>(&()).unwrap();
    // 40 pooled 8 MiB chunks, 3 decoders × 64 KiB, … = Bits.TOTAL_CAPACITY after the dump.
    assert_eq!(pm.direct.count, 45);
    assert_eq!(pm.direct.capacity, 335_849_120);
    let pool = &pm.holders[0];
    assert_eq!(pool.holder, "com.example.offheap.ChunkPool");
    assert_eq!((pool.count, pool.capacity), (40, 40 * 8 * 1024 * 1024));
    assert_eq!(pool.kind, BufferKind::Direct);
    let biggest = &pm.largest[0];
    assert_eq!(biggest.capacity, 8 * 1024 * 1024);
    assert_eq!(biggest.holder, "com.example.offheap.ChunkPool");
    let path = biggest.path.as_deref().expect("a strong path");
    assert!(path.contains("free → elements"), "{path}");
    // The buffer is an object of the dump: the view links to its paths to GC roots.
    let paths = s
        .request::<req::Paths>(&PathsQuery {
            object: biggest.object_id.clone(),
            include_weak: false,
            max: 1,
        })
        .unwrap();
    assert_eq!(paths.paths.len(), 1);
    let total = pm
        .figures
        .iter()
        .find(|f| f.label == "Bits total capacity")
        .expect("the JVM's counter");
    assert_eq!(total.bytes, Some(335_849_120));
    assert_eq!(total.kind, FigureKind::Fact);
    let verdict = pm.verdict.clone().expect("buffers outweigh the heap");
    assert!(
        verdict.starts_with(
            "320.3 MiB of direct buffers held (45 buffers, most by com.example.offheap.ChunkPool)"
        ),
        "{verdict}"
    );
    // The worker routes the core's analysis: the same figures as the reports.
    let core = core_process_memory(&gz);
    assert_eq!(pm.verdict, core.verdict);
    assert_eq!(pm.figures, core.figures);
    assert_eq!(pm.holders, core.buffers.holders);
}

#[test]
fn thread_stacks_from_xss() {
    let gz = common::fixture("thread_stacks.hprof.gz");
    let (mut s, r) = open_with(&gz, "thread_stacks.hprof.gz", OpenSettings::default());
    overview(r);
    let pm = s.request::<req::ProcessMemory>(&()).unwrap();
    let t = &pm.thread_stacks;
    // 3,000 parked threads plus the JVM's 6 (the program's getAllStackTraces()), -Xss384k.
    assert_eq!(t.live_threads, 3006);
    assert_eq!(t.stack_size, 393_216);
    assert!(t.stack_size_from_arguments);
    assert!(t.stack_size_source.starts_with("-Xss384k"), "{t:?}");
    assert_eq!(t.reserved, 3006 * 393_216);
    let groups: Vec<(&str, u64)> = t
        .groups
        .iter()
        .take(2)
        .map(|g| (g.pattern.as_str(), g.threads))
        .collect();
    assert_eq!(
        groups,
        [("http-nio-8080-exec-*", 2400), ("scheduler-*", 600)]
    );
    let size = pm
        .figures
        .iter()
        .find(|f| f.label == "Stack size per thread")
        .unwrap();
    assert_eq!(size.kind, FigureKind::Fact);
    let reserved = pm
        .figures
        .iter()
        .find(|f| f.label == "Thread stacks reserved")
        .unwrap();
    assert_eq!(reserved.kind, FigureKind::Estimate);
    assert!(pm.class_metadata.formula.contains("× 7 KiB"));
    assert!(pm
        .jvm
        .arguments
        .as_ref()
        .is_some_and(|a| a.iter().any(|x| x == "-Xss384k")));
}

const AGENT: &str = "outside/mat/oracle_jdk7_21_hprofagent.hprof.gz";

#[test]
fn the_heap_dump_chosen_is_the_one_analyzed() {
    let bytes = common::fixture(AGENT);
    let open_dump = |dump: Option<u32>| {
        open_with(
            &bytes,
            "agent.hprof.gz",
            OpenSettings {
                dump,
                ..Default::default()
            },
        )
    };
    let first = overview(open_dump(None).1);
    let second = overview(open_dump(Some(2)).1);
    // `heaplens analyze --dump 1` / `--dump 2`: 3,632 and 3,665 objects.
    assert_eq!((first.summary.heap_dumps, first.summary.dump_shown), (2, 1));
    assert_eq!(
        (second.summary.heap_dumps, second.summary.dump_shown),
        (2, 2)
    );
    assert_eq!(first.summary.objects_total, 3632);
    assert_eq!(second.summary.objects_total, 3665);
    assert_eq!(second.settings.dump, Some(2));
    // The page's wording points at its chooser, not at the command line.
    assert_eq!(
        second.summary.warnings,
        [multi_dump_warning(2, 2, DumpChoice::Page)]
    );
    assert_eq!(
        overview(open_dump(Some(1)).1).summary.objects_total,
        first.summary.objects_total
    );
    // A dump the file does not hold (a stale link): a clear error, not a panic.
    match open_dump(Some(3)).1 {
        OpenOutcome::Failed(e) => {
            assert!(
                e.message
                    .contains("there is no heap dump 3: the file holds 2"),
                "{e:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    // One dump: nothing to choose.
    let one = overview(
        open_with(
            &common::fixture("queue_backlog.hprof.gz"),
            "q",
            OpenSettings::default(),
        )
        .1,
    );
    assert_eq!((one.summary.heap_dumps, one.summary.dump_shown), (1, 1));
}

#[test]
fn the_size_rule_asked_for_sizes_the_heap() {
    // JDK 25 with compact object headers: MAT's rule overstates every object header.
    let bytes = common::fixture("variants/queue_backlog.jdk25-coh.hprof.gz");
    let open_sizes = |sizes: SizeMode| {
        overview(
            open_with(
                &bytes,
                "coh.hprof.gz",
                OpenSettings {
                    sizes,
                    ..Default::default()
                },
            )
            .1,
        )
    };
    let jvm = open_sizes(SizeMode::Jvm);
    let mat = open_sizes(SizeMode::Mat);
    // `heaplens analyze` and `heaplens analyze --sizes mat`.
    assert_eq!(
        (
            jvm.summary.size_rule,
            jvm.summary.heap_shallow_total,
            jvm.summary.heap_reachable
        ),
        (SizeMode::Jvm, 5_623_568, 5_532_600)
    );
    assert_eq!(
        (
            mat.summary.size_rule,
            mat.summary.heap_shallow_total,
            mat.summary.heap_reachable
        ),
        (SizeMode::Mat, 6_054_216, 5_958_336)
    );
    assert_eq!(mat.settings.sizes, SizeMode::Mat);
    assert_eq!(jvm.summary.objects_total, mat.summary.objects_total);
    // A dump whose ids are not addresses gets MAT's rule whatever was asked.
    let agent = overview(open_with(&common::fixture(AGENT), "a", OpenSettings::default()).1);
    assert_eq!(
        (agent.settings.sizes, agent.summary.size_rule),
        (SizeMode::Jvm, SizeMode::Mat)
    );
}

#[test]
fn settings_and_process_memory_travel_with_the_snapshot() {
    let bytes = common::fixture(AGENT);
    let settings = OpenSettings {
        dump: Some(2),
        sizes: SizeMode::Mat,
    };
    let (mut s, r) = open_with(&bytes, "agent.hprof.gz", settings);
    let before = overview(r);
    let plan = s.prepare_snapshot(&mut NullHost).unwrap();
    let pm = s.request::<req::ProcessMemory>(&()).unwrap();
    let mut snapshot = Vec::new();
    s.write_snapshot(&plan, &mut |piece| snapshot.extend_from_slice(piece));
    let mut fresh = Service::new();
    let mut src: &[u8] = &snapshot;
    let after = match fresh
        .request_with::<req::Restore>(&(), Some(&mut src as &mut dyn DumpSource), &mut NullHost)
        .unwrap()
    {
        OpenOutcome::Opened(o) => *o,
        other => panic!("{other:?}"),
    };
    assert_eq!(after.settings, settings);
    assert_eq!(
        (
            after.summary.heap_dumps,
            after.summary.dump_shown,
            after.summary.warnings.clone()
        ),
        (
            before.summary.heap_dumps,
            before.summary.dump_shown,
            before.summary.warnings
        )
    );
    assert_eq!(fresh.request::<req::ProcessMemory>(&()).unwrap(), pm);
}

#[test]
fn open_settings_on_the_wire() {
    // The default settings are not sent (the message of older pages is unchanged).
    let open = ToWorker::new::<req::Open>(
        1,
        &OpenParams {
            name: "a".into(),
            size: 1,
            settings: OpenSettings::default(),
            reserved_bytes: 0,
        },
    );
    assert_eq!(
        encode(&open),
        r#"{"id":1,"method":"open","params":{"name":"a","size":1}}"#
    );
    let open = ToWorker::new::<req::Open>(
        1,
        &OpenParams {
            name: "a".into(),
            size: 1,
            settings: OpenSettings {
                dump: Some(2),
                sizes: SizeMode::Mat,
            },
            reserved_bytes: 0,
        },
    );
    let text = encode(&open);
    assert!(
        text.contains(r#""settings":{"dump":2,"sizes":"mat"}"#),
        "{text}"
    );
    assert_eq!(
        decode::<ToWorker>(&text)
            .unwrap()
            .params::<req::Open>()
            .unwrap()
            .unwrap()
            .settings
            .dump,
        Some(2)
    );
}
