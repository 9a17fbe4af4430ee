//! Issue 12's crafted dumps for the graph build and the thread analysis (memory sized from
//! claimed counts, names copied per field / frame, superclass layouts copied, `String` dumped
//! twice): each must end in an analysis or a typed error within 10 s and 512 MiB. The generators
//! are in `hostile_support/cases.rs`.
//!
//! Tests marked `#[ignore]` still fail on the input-layer branch: they are fixed in h-build (the
//! build layer's branch); run them with `--ignored`.

#[path = "hostile_support/cases.rs"]
mod cases;
#[path = "hostile_support/measure.rs"]
mod measure;

use measure::{analyze, assert_bounded, End};

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

fn bounded(what: &str, bytes: &[u8]) -> End {
    eprintln!("{what}: {} bytes", bytes.len());
    let m = analyze(bytes);
    assert_bounded(what, &m);
    m.end
}

#[test]
#[ignore = "fixed in h-build: field and static layouts copy their name strings"]
fn names_are_not_copied_per_field() {
    let end = bounded(
        "65,535 fields named by one 60 KB string",
        &cases::field_names_copied(),
    );
    assert!(matches!(end, End::Analysis { .. }), "{end:?}");
}

#[test]
#[ignore = "fixed in h-build: each class copies its superclass's flattened layout"]
fn superclass_layouts_are_shared() {
    // 2,000 classes, each a subclass of the previous with 40 fields: ~900 KB.
    let end = bounded("subclass chain", &cases::subclass_chain(2000, 40));
    assert!(matches!(end, End::Analysis { .. }), "{end:?}");
}

#[test]
#[ignore = "fixed in h-build: thread frames copy their method names"]
fn repeated_frames_do_not_copy_names() {
    // 100,000 references to one frame whose method name is 60 KB: ~860 KB.
    let end = bounded("repeated frames", &cases::repeated_frames(100_000));
    assert!(matches!(end, End::Analysis { .. }), "{end:?}");
}

#[test]
#[ignore = "fixed in h-build: edge room is reserved from claimed counts"]
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
#[ignore = "fixed in h-build: java.lang.String dumped twice with different layouts panics"]
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
            heaplens::hprof::writer::gzip(&cases::big_class_record(370), None),
        ),
        ("huge_utf8_1gib.hprof.gz", cases::huge_utf8_gz(1024)),
        (
            "gzip_long_file_name.hprof.gz",
            cases::gzip_long_file_name(200 * 1024),
        ),
        (
            "colliding_symbol_ids.hprof.gz",
            heaplens::hprof::writer::gzip(&cases::colliding_symbol_ids(100_000), None),
        ),
        ("field_names_copied.hprof.gz", cases::field_names_copied()),
        (
            "subclass_chain.hprof.gz",
            heaplens::hprof::writer::gzip(&cases::subclass_chain(2000, 40), None),
        ),
        (
            "repeated_frames.hprof.gz",
            heaplens::hprof::writer::gzip(&cases::repeated_frames(100_000), None),
        ),
        ("claimed_edge_room.hprof", cases::claimed_edge_room()),
        ("string_twice.hprof", cases::string_twice()),
    ];
    for (name, bytes) in files {
        std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
    }
}
