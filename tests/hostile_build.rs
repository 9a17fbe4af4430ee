//! Crafted dumps (issue 12, the graph build): tiny files whose counts, names, hierarchies or
//! traces would make a build sized by what the file *claims* allocate gigabytes (memory sized
//! from claimed counts, names copied per field / frame, superclass layouts copied, `String`
//! dumped twice). Each is analyzed end to end (graph, dominators, the full report); each must
//! finish in at most 10 s with at most 512 MiB allocated at any moment, and end in an analysis
//! (possibly with warnings) or a typed error, never a panic.
//!
//! Two sets of files: those written here with the HPROF writer, record by record, and the
//! generated ones of `hostile_support/cases.rs` (shared with `hostile_input.rs` and the wasm32
//! tests, and written to disk for the CLI and the browser by `write_hostile_fixtures`).
//!
//! Memory is measured by a counting global allocator (`hostile_support/measure.rs`) that counts
//! each thread's own allocations, so every test's peak is its own.

#[path = "hostile_support/cases.rs"]
mod cases;
#[path = "hostile_support/measure.rs"]
mod measure;

use heaplens::graph::Dominance;
use heaplens::graph::{build_from_bytes, GraphBuilder, PassOutcome};
use heaplens::hprof::Id;
use heaplens::report::{build_report, ReportOptions};
use heaplens_hprof_writer::{BasicType, ClassDump, HprofWriter, RootKind, Value};
use measure::{analyze as analyze_as_cli, assert_bounded, measured, End, MAX_BYTES, MAX_TIME};

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

/// What analyzing `bytes` ended in: `Ok(report JSON)` or the typed error's text; asserts the
/// bounds.
fn analyze(name: &str, bytes: &[u8]) -> Result<String, String> {
    // To try the same files with another build: HEAPLENS_WRITE_HOSTILE=DIR writes them there.
    if let Some(dir) = std::env::var_os("HEAPLENS_WRITE_HOSTILE") {
        let path = std::path::Path::new(&dir).join(format!("{}.hprof", name.replace(' ', "_")));
        std::fs::write(path, bytes).unwrap();
    }
    let (out, took, peak) = measured(|| {
        build_from_bytes(bytes).map_err(|e| e.to_string()).map(|g| {
            let d = Dominance::compute(&g);
            let mut report = build_report(&g, &d, &ReportOptions::default());
            // Not measured here: the rendering of every thread's frames, whose text is threads ×
            // frames × name length (`repeated_frames_are_shared` would write gigabytes of JSON).
            // The analysis shares them; capping what a report prints is the output's job.
            for t in &mut report.threads {
                t.frames = Default::default();
            }
            serde_json::to_string(&report).unwrap()
        })
    });
    eprintln!(
        "{name}: {} bytes, {took:?}, peak {:.1} MB",
        bytes.len(),
        peak as f64 / 1e6
    );
    assert!(took <= MAX_TIME, "{name}: {took:?}");
    assert!(peak <= MAX_BYTES, "{name}: peak {peak} bytes allocated");
    out
}

/// Analyzes `bytes` as the CLI does (all three renderings) within the bounds; how it ended.
fn bounded(what: &str, bytes: &[u8]) -> End {
    eprintln!("{what}: {} bytes", bytes.len());
    let m = analyze_as_cli(bytes);
    assert_bounded(what, &m);
    m.end
}

fn writer(id_size: u32) -> HprofWriter {
    HprofWriter::new("1.0.2", id_size, 0)
}

fn put_id(o: &mut Vec<u8>, id: u64, id_size: u32) {
    if id_size == 4 {
        o.extend_from_slice(&(id as u32).to_be_bytes());
    } else {
        o.extend_from_slice(&id.to_be_bytes());
    }
}

/// Names class `id` (UTF8 + LOAD CLASS); its CLASS DUMP is written separately.
fn class(w: &mut HprofWriter, serial: u32, id: u64, name_id: u64, name: &str) {
    w.utf8(name_id, name);
    w.load_class(serial, id, 1, name_id);
}

/// An OBJ ARRAY DUMP claiming 4 G elements, with two present, in a last heap record of length 0
/// that runs to the end of the file (a crash mid-dump): the edge room must be the 2 elements
/// seen, not 4 G (16 GiB of `u32` targets before).
#[test]
fn claimed_array_length_is_not_allocated() {
    let mut w = writer(4);
    class(&mut w, 1, 0x100, 1, "[Ljava/lang/Object;");
    w.class_dump(&ClassDump {
        class_id: 0x100,
        ..ClassDump::default()
    });
    w.root(0x200, RootKind::Unknown);
    let mut body = Vec::new();
    put_id(&mut body, 0x200, 4);
    body.extend_from_slice(&0u32.to_be_bytes());
    body.extend_from_slice(&u32::MAX.to_be_bytes());
    put_id(&mut body, 0x100, 4);
    put_id(&mut body, 0x100, 4);
    put_id(&mut body, 0x200, 4);
    w.raw_sub_record(0x22, &body);
    w.end_heap_dump_with_zero_length();
    let bytes = w.finish();
    assert!(bytes.len() < 200, "{}", bytes.len());
    let report = analyze("claimed array", &bytes).expect("a truncated dump is analyzed");
    assert!(report.contains("truncated"), "{report}");
}

/// A class with 65,535 reference fields and 20,000 instances that carry no field data: the
/// edge room is what the instances' bytes can hold (nothing), not 65,535 × 20,000.
#[test]
fn claimed_reference_fields_are_not_allocated() {
    let mut w = writer(4);
    w.utf8(9, "f");
    class(&mut w, 1, 0x100, 1, "Wide");
    w.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![(9, BasicType::Object); 65_535],
        ..ClassDump::default()
    });
    for i in 0..20_000u64 {
        w.instance(0x1000 + 8 * i, 1, 0x100, &[]);
    }
    w.root(0x1000, RootKind::Unknown);
    let bytes = w.finish();
    let report = analyze("wide class", &bytes).expect("analyzed");
    assert!(report.contains("carry less field data"), "{report}");
}

/// 65,535 fields and statics all named by one 60 KB symbol: names are symbol ids, not copies
/// (3.9 GB of copied names before).
#[test]
fn long_names_are_stored_once() {
    let mut w = writer(4);
    w.utf8(9, "n".repeat(60_000));
    class(&mut w, 1, 0x100, 1, "Named");
    w.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![(9, BasicType::Int); 65_535],
        statics: vec![(9, Value::Int(7)); 65_535],
        ..ClassDump::default()
    });
    w.instance(0x1000, 1, 0x100, &vec![0u8; 4 * 65_535]);
    w.root(0x1000, RootKind::Unknown);
    let bytes = w.finish();
    assert!(bytes.len() < 2 << 20);
    analyze("long names", &bytes).expect("analyzed");
}

/// A chain of 20,000 subclasses, each declaring one reference field, with an instance of the
/// deepest: layouts are shared with the superclasses, not copied (N²/2 fields before: 3.9 GB
/// for an 800 KB chain).
#[test]
fn deep_hierarchy_shares_layouts() {
    const DEPTH: u64 = 20_000;
    let mut w = writer(4);
    w.utf8(9, "next");
    for k in 0..DEPTH {
        let id = 0x10_0000 + 8 * k;
        class(&mut w, k as u32 + 1, id, 100 + k, &format!("C{k}"));
        w.class_dump(&ClassDump {
            class_id: id,
            super_id: if k == 0 { 0 } else { id - 8 },
            fields: vec![(9, BasicType::Object)],
            ..ClassDump::default()
        });
    }
    // An instance of the deepest class, every `next` field pointing at itself.
    let leaf = 0x10_0000 + 8 * (DEPTH - 1);
    let mut data = Vec::new();
    for _ in 0..DEPTH {
        put_id(&mut data, 0x9000_0000, 4);
    }
    w.instance(0x9000_0000, 1, leaf, &data);
    w.root(0x9000_0000, RootKind::Unknown);
    let bytes = w.finish();
    analyze("deep hierarchy", &bytes).expect("analyzed");
    // The flattened layout is still whole: 20,000 `next` fields, own first.
    let g = build_from_bytes(&bytes).unwrap();
    let v = g.node_of(Id::new(0x9000_0000)).unwrap();
    assert_eq!(g.layout(g.class_index(v)).count(), DEPTH as usize);
    assert_eq!(g.ref_field(v, "next"), Some(v));
}

/// A superclass cycle (a corrupt dump) ends every walk up the hierarchy.
#[test]
fn superclass_cycle_is_cut() {
    let mut w = writer(4);
    w.utf8(9, "x");
    class(&mut w, 1, 0x100, 1, "A");
    class(&mut w, 2, 0x108, 2, "B");
    for (id, sup) in [(0x100, 0x108), (0x108, 0x100)] {
        w.class_dump(&ClassDump {
            class_id: id,
            super_id: sup,
            fields: vec![(9, BasicType::Int)],
            ..ClassDump::default()
        });
    }
    w.instance(0x1000, 1, 0x100, &[0; 8]);
    w.root(0x1000, RootKind::Unknown);
    analyze("superclass cycle", &w.finish()).expect("analyzed");
}

/// One frame with a 10 KB method name repeated 100,000 times in a trace that 100 threads share
/// (START THREAD records): frame texts are built once and shared (2 GB for 804 KB before).
#[test]
fn repeated_frames_are_shared() {
    let mut w = writer(4);
    w.utf8(9, "m".repeat(10_000));
    w.utf8(10, "()V");
    w.utf8(11, "name");
    class(&mut w, 1, 0x100, 1, "java/lang/Thread");
    w.stack_frame(0x77, 9, 10, 0, 1, 5);
    w.stack_trace(5, 1, &vec![0x77; 100_000]);
    w.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![(11, BasicType::Object)],
        ..ClassDump::default()
    });
    for t in 0..100u64 {
        let id = 0x1000 + 16 * t;
        w.instance(id, 1, 0x100, &[0; 4]);
        w.root_thread_object(id, t as u32 + 1, 5);
        // A local in the shared trace: each thread would want its own copy of the frames.
        w.root_java_frame(0x100, t as u32 + 1, 3);
        w.start_thread(t as u32 + 1, id, 5, 11, 11, 11);
    }
    let bytes = w.finish();
    assert!(bytes.len() < 1 << 20, "{}", bytes.len());
    let report = analyze("repeated frames", &bytes).expect("analyzed");
    assert!(report.contains("Thread"));
}

/// `java.lang.String` dumped twice, the second time with a layout too short for the first's
/// `value` offset (a panic before).
#[test]
fn string_class_dumped_twice() {
    let mut w = writer(8);
    w.utf8(9, "value");
    w.utf8(10, "coder");
    w.utf8(11, "hash");
    class(&mut w, 1, 0x100, 1, "java/lang/String");
    w.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![
            (11, BasicType::Int),
            (9, BasicType::Object),
            (10, BasicType::Byte),
        ],
        ..ClassDump::default()
    });
    w.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![(11, BasicType::Int)],
        ..ClassDump::default()
    });
    w.instance(0x1000, 1, 0x100, &[0, 0, 0, 1]);
    w.instance(0x1008, 1, 0x100, &[0; 13]);
    w.root(0x1000, RootKind::Unknown);
    let bytes = w.finish();
    assert!(bytes.len() < 500, "{}", bytes.len());
    analyze("String twice", &bytes).expect("analyzed");
}

/// Signers and protection domain are not edges by default (MAT's `hprofAddClassRefs` is off);
/// `with_class_refs(true)` restores them.
#[test]
fn class_refs_follow_mats_default() {
    let mut w = writer(8);
    class(&mut w, 1, 0x100, 1, "Signed");
    class(&mut w, 2, 0x200, 2, "Domain");
    w.class_dump(&ClassDump {
        class_id: 0x100,
        signers_id: 0x1000,
        protection_domain_id: 0x1010,
        ..ClassDump::default()
    });
    w.class_dump(&ClassDump {
        class_id: 0x200,
        ..ClassDump::default()
    });
    w.instance(0x1000, 1, 0x200, &[]);
    w.instance(0x1010, 1, 0x200, &[]);
    let bytes = w.finish();
    let edges = |refs: bool| {
        let mut b = GraphBuilder::new().with_class_refs(refs);
        loop {
            b.feed(&bytes).unwrap();
            if b.end_pass().unwrap() == PassOutcome::Done {
                break;
            }
        }
        let g = b.into_graph().unwrap();
        let v = g.node_of(Id::new(0x100)).unwrap();
        g.labelled_edges(v)
            .into_iter()
            .map(|(_, l)| l.to_string())
            .collect::<Vec<_>>()
    };
    assert!(!edges(false).iter().any(|l| l.contains("signers")));
    let with = edges(true);
    assert!(with.contains(&"<signers>".to_string()), "{with:?}");
    assert!(
        with.contains(&"<protection domain>".to_string()),
        "{with:?}"
    );
}

/// The build's largest allocation (5 bytes per reference of room) happens when pass 2 starts,
/// after `first_pass()` has said how big it is: a caller with bounded memory (the browser
/// worker) decides "too big" from real counts before it.
#[test]
fn edge_room_is_allocated_after_first_pass_is_known() {
    const N: usize = 2_000_000;
    let mut w = writer(4);
    class(&mut w, 1, 0x100, 1, "[Ljava/lang/Object;");
    w.class_dump(&ClassDump {
        class_id: 0x100,
        ..ClassDump::default()
    });
    w.obj_array(0x200, 1, 0x100, &vec![0x200; N]);
    w.root(0x200, RootKind::Unknown);
    let bytes = w.finish();
    let mut b = GraphBuilder::new();
    b.feed(&bytes).unwrap();
    assert!(b.references_seen() >= N as u64);
    let before = measure::live_bytes();
    assert_eq!(b.end_pass().unwrap(), PassOutcome::NeedsSecondPass);
    let ending_pass_1 = (measure::live_bytes() - before).max(0) as usize;
    let first = b.first_pass().unwrap();
    assert_eq!(first.edges_upper_bound, N as u64 + 4);
    assert!(ending_pass_1 < N, "{ending_pass_1} bytes before pass 2");
    b.feed(&bytes).unwrap();
    assert!(measure::live_bytes() - before >= 5 * N as isize);
    assert_eq!(b.end_pass().unwrap(), PassOutcome::Done);
    assert_eq!(b.into_graph().unwrap().stats.edges, N as u64);
}

// ---- the generated cases (hostile_support/cases.rs) ----------------------------------------

#[test]
fn names_are_not_copied_per_field() {
    let end = bounded(
        "65,535 fields named by one 60 KB string",
        &cases::field_names_copied(),
    );
    assert!(matches!(end, End::Analysis { .. }), "{end:?}");
}

#[test]
fn superclass_layouts_are_shared() {
    // 2,000 classes, each a subclass of the previous with 40 fields: ~900 KB.
    let end = bounded("subclass chain", &cases::subclass_chain(2000, 40));
    assert!(matches!(end, End::Analysis { .. }), "{end:?}");
}

#[test]
fn repeated_frames_do_not_copy_names() {
    // 100,000 references to one frame whose method name is 60 KB: ~860 KB.
    let end = bounded("repeated frames", &cases::repeated_frames(100_000));
    assert!(matches!(end, End::Analysis { .. }), "{end:?}");
}

#[test]
fn edge_room_comes_from_real_counts() {
    let end = bounded(
        "object array claiming 2^32-1 elements",
        &cases::claimed_edge_room(),
    );
    assert!(
        matches!(end, End::Analysis { .. } | End::Error(_)),
        "{end:?}"
    );
}

#[test]
fn string_dumped_twice() {
    let end = bounded("java.lang.String twice", &cases::string_twice());
    assert!(
        matches!(end, End::Analysis { .. } | End::Error(_)),
        "{end:?}"
    );
}

/// Writes every crafted file of issue 12 to tests/fixtures/hostile/ (for trying them in the CLI
/// and the browser): `cargo test --test hostile_build -- --ignored write_hostile_fixtures`.
#[test]
#[ignore = "writes files"]
fn write_hostile_fixtures() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/hostile");
    std::fs::create_dir_all(dir).unwrap();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("huge_object_array.hprof", cases::huge_object_array()),
        ("huge_instance.hprof", cases::huge_instance()),
        ("huge_primitive_array.hprof", cases::huge_primitive_array()),
        ("huge_stack_trace.hprof", cases::huge_stack_trace()),
        (
            "big_class_record.hprof.gz",
            heaplens_hprof_writer::gzip(&cases::big_class_record(370), None),
        ),
        ("huge_utf8_1gib.hprof.gz", cases::huge_utf8_gz(1024)),
        (
            "gzip_long_file_name.hprof.gz",
            cases::gzip_long_file_name(200 * 1024),
        ),
        (
            "colliding_symbol_ids.hprof.gz",
            heaplens_hprof_writer::gzip(&cases::colliding_symbol_ids(100_000), None),
        ),
        ("field_names_copied.hprof.gz", cases::field_names_copied()),
        (
            "subclass_chain.hprof.gz",
            heaplens_hprof_writer::gzip(&cases::subclass_chain(2000, 40), None),
        ),
        (
            "repeated_frames.hprof.gz",
            heaplens_hprof_writer::gzip(&cases::repeated_frames(100_000), None),
        ),
        ("claimed_edge_room.hprof", cases::claimed_edge_room()),
        ("string_twice.hprof", cases::string_twice()),
    ];
    for (name, bytes) in files {
        std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    }
}
