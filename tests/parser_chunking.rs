//! Chunking must never change what the parser reports: for any way of cutting the input into
//! chunks, the visitor sees exactly the same events (object-array pieces merged) and `finish`
//! returns exactly the same summary (warnings included) — or the same error at the same offset —
//! as when the whole buffer is fed at once.
//!
//! Inputs: the real dumps in tests/fixtures/outside (raw and gzip), every real-JVM fixture in
//! tests/fixtures/*.hprof.gz, synthetic dumps from `heaplens_hprof_writer` in many shapes (id
//! sizes 4/8, versions 1.0.1/1.0.2/1.0.3, tiny segments, instances before their CLASS DUMP, every
//! sub-record kind, arrays on both sides of the streaming limits), single- and multi-member gzip,
//! and corrupted inputs (random byte flips, cuts).

mod common;
use common::gunzip;
use common::recorder::*;
use common::*;
use heaplens::hprof::Id;
use heaplens::hprof::*;
use heaplens_hprof_writer as w;
use proptest::prelude::*;
use std::io::Read;
use std::sync::OnceLock;

/// An input with its whole-buffer run, computed once.
struct Case {
    name: String,
    bytes: Vec<u8>,
    whole: Run,
}

impl Case {
    fn new(name: impl Into<String>, bytes: Vec<u8>) -> Case {
        let whole = parse_whole(&bytes);
        Case {
            name: name.into(),
            bytes,
            whole,
        }
    }
}

fn check(case: &Case, sizes: &[usize]) -> Result<(), TestCaseError> {
    let chunked = parse_chunked(&case.bytes, sizes);
    if let Some(d) = diff_runs(&case.whole, &chunked) {
        return Err(TestCaseError::fail(format!(
            "{} with chunk sizes {sizes:?}: {d}",
            case.name
        )));
    }
    Ok(())
}

/// Random chunk-size sequences (cycled over the input): mostly small, some up to 64 KiB.
fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![4 => 1usize..=16, 2 => 1usize..=700, 1 => 1usize..=65536],
        1..24,
    )
}

// ---- inputs ----------------------------------------------------------------------------------

/// The outside dumps (gzip as stored, and decompressed).
fn real_dumps() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let files = [
            fixture("outside/jdk8-jhat-32bit.hprof.gz"),
            fixture("outside/netbeans-64bit.hprof.gz"),
        ];
        let mut cases = Vec::new();
        for f in files {
            let gz = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let name = f.file_name().unwrap().to_string_lossy().into_owned();
            let raw = gunzip(&gz);
            cases.push(Case::new(format!("{name} (raw)"), raw));
            cases.push(Case::new(name, gz));
        }
        for c in &cases {
            let s = c.whole.summary();
            assert!(s.warnings.is_empty(), "{}: {:?}", c.name, s.warnings);
            assert!(
                c.whole.violations.is_empty(),
                "{}: {:?}",
                c.name,
                c.whole.violations
            );
        }
        cases
    })
}

/// Small synthetic dumps in every shape (a few KB each), raw.
fn small_synthetic() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut cases = Vec::new();
        for id_size in [4, 8] {
            for version in ["1.0.1", "1.0.2", "1.0.3"] {
                for (seg, first) in [
                    (None, false),
                    (Some(1), true),
                    (Some(64), false),
                    (Some(200), true),
                ] {
                    let o = SynthOptions {
                        id_size,
                        version,
                        max_segment_bytes: seg,
                        instances_first: first,
                        android: version == "1.0.3" || seg == Some(200),
                        big_arrays: false,
                        two_dumps: seg == Some(64),
                        zero_length_tail: first,
                    };
                    cases.push(Case::new(
                        format!("synthetic {o:?}"),
                        synthetic_dump(&o).bytes,
                    ));
                }
            }
            for (order, seg, segmented) in [
                (w::DumpOrder::ClassesFirst, None, true),
                (w::DumpOrder::InstancesFirst, Some(1), true),
                (w::DumpOrder::ClassesFirst, None, false),
            ] {
                let opts = w::WriteOptions {
                    version: if segmented {
                        "JAVA PROFILE 1.0.2"
                    } else {
                        "JAVA PROFILE 1.0.1"
                    }
                    .to_string(),
                    segmented,
                    max_segment_bytes: seg,
                    order,
                    duplicate_load_class: seg.is_some(),
                    ..w::WriteOptions::default()
                };
                cases.push(Case::new(
                    format!("builder id {id_size} {order:?} seg {seg:?} segmented {segmented}"),
                    builder_dump(id_size, &opts),
                ));
            }
        }
        for c in &cases {
            let s = c.whole.summary();
            let expected_warnings = usize::from(c.name.contains("zero_length_tail: true"));
            assert_eq!(
                s.warnings.len(),
                expected_warnings,
                "{}: {:?}",
                c.name,
                s.warnings
            );
            assert!(
                c.whole.violations.is_empty(),
                "{}: {:?}",
                c.name,
                c.whole.violations
            );
        }
        cases
    })
}

/// Synthetic dumps with arrays at and beyond the streaming limits (64 KiB of object-array
/// elements, 1 MiB of primitive-array data), id sizes 4 and 8, raw and multi-member gzip.
fn big_synthetic() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let mut cases = Vec::new();
        for (id_size, version, seg) in [(4, "1.0.3", None), (8, "1.0.2", Some(256 * 1024))] {
            let o = SynthOptions {
                id_size,
                version,
                max_segment_bytes: seg,
                android: id_size == 4,
                big_arrays: true,
                ..SynthOptions::default()
            };
            let raw = synthetic_dump(&o).bytes;
            let gz = gzip(&raw, Some(1 << 20));
            cases.push(Case::new(format!("big synthetic id {id_size} (raw)"), raw));
            cases.push(Case::new(
                format!("big synthetic id {id_size} (gzip, 1 MiB members)"),
                gz,
            ));
        }
        for c in &cases {
            c.whole.summary();
            assert!(
                c.whole.violations.is_empty(),
                "{}: {:?}",
                c.name,
                c.whole.violations
            );
        }
        cases
    })
}

// ---- real dumps --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn real_dumps_any_chunking(sizes in chunk_sizes()) {
        for case in real_dumps() {
            check(case, &sizes)?;
        }
    }

    #[test]
    fn real_dumps_bare_parser_any_chunking(sizes in chunk_sizes()) {
        for case in real_dumps().iter().filter(|c| c.name.ends_with("(raw)")) {
            let whole = parse_whole_raw_parser(&case.bytes);
            prop_assert!(diff_runs(&case.whole, &whole).is_none(), "{}: Parser and DumpDecoder differ", case.name);
            let chunked = parse_chunked_raw_parser(&case.bytes, &sizes);
            if let Some(d) = diff_runs(&whole, &chunked) {
                return Err(TestCaseError::fail(format!("{} (bare Parser), sizes {sizes:?}: {d}", case.name)));
            }
        }
    }
}

/// The real HotSpot fixtures (tests/fixtures/*.hprof.gz, 7–32 MB decompressed each): too big for
/// many random cases, so each is parsed in a few fixed mixed chunkings, as stored (gzip -9) and
/// decompressed, against its whole-buffer parse.
#[test]
fn real_jvm_fixtures_mixed_chunkings() {
    let mut files: Vec<_> = std::fs::read_dir(fixture(""))
        .expect("tests/fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".hprof.gz"))
        .collect();
    files.sort();
    for f in files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let gz = std::fs::read(&f).unwrap();
        let whole = parse_whole(&gz);
        let s = whole.summary();
        assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
        assert_eq!(
            (s.header.version, s.header.id_size),
            (Version::V102, 8),
            "{name}"
        );
        assert_same_run(
            &whole,
            &parse_chunked(&gz, &[1, 7, 300, 4096, 13, 65_536, 2]),
            &format!("{name} (gzip)"),
        );
        let raw = gunzip(&gz);
        assert_eq!(s.bytes, raw.len() as u64, "{name}");
        assert_same_run(
            &whole,
            &parse_chunked(&raw, &[9, 1000, 65_535, 3, 200_000, 17]),
            &format!("{name} (raw)"),
        );
    }
}

#[test]
fn real_dump_one_byte_at_a_time() {
    for case in real_dumps()
        .iter()
        .filter(|c| c.name.starts_with("jdk8-jhat"))
    {
        assert_same_run(&case.whole, &parse_chunked(&case.bytes, &[1]), &case.name);
    }
}

#[test]
fn real_dumps_fixed_chunk_sizes() {
    // Sizes around the record-header length, id sizes and the inflater's 256 KiB output buffer.
    for case in real_dumps() {
        for size in [2, 3, 9, 13, 4096, 65_535, 65_536, 262_144, 1 << 20] {
            assert_same_run(
                &case.whole,
                &parse_chunked(&case.bytes, &[size]),
                &format!("{} in chunks of {size}", case.name),
            );
        }
    }
}

// ---- synthetic dumps -----------------------------------------------------------------------------

#[test]
fn synthetic_one_byte_at_a_time() {
    for case in small_synthetic() {
        assert_same_run(&case.whole, &parse_chunked(&case.bytes, &[1]), &case.name);
        let gz = gzip(&case.bytes, Some(97));
        assert_same_run(
            &parse_whole(&gz),
            &parse_chunked(&gz, &[1]),
            &format!("{} (gzip)", case.name),
        );
    }
}

#[test]
fn synthetic_events_match_the_writers_layout() {
    // One event per header, record and sub-record (object arrays merged): the recorder's view of
    // the stream is exactly the writer's.
    for id_size in [4, 8] {
        for version in ["1.0.1", "1.0.2", "1.0.3"] {
            let o = SynthOptions {
                id_size,
                version,
                max_segment_bytes: Some(50),
                android: true,
                two_dumps: true,
                ..SynthOptions::default()
            };
            let s = synthetic_dump(&o);
            let run = parse_whole(&s.bytes);
            assert_eq!(run.summary().warnings, vec![]);
            assert_eq!(
                run.events.len(),
                1 + s.records.len() + s.subs.len(),
                "{o:?}"
            );
            assert_eq!(run.summary().header.id_size as u32, id_size);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every small synthetic shape, raw, single-member gzip and JDK-15-style multi-member gzip
    /// with a random member size.
    #[test]
    fn synthetic_any_chunking(
        index in any::<prop::sample::Index>(),
        form in 0u8..3,
        member in 1usize..5000,
        sizes in chunk_sizes(),
    ) {
        let case = index.get(small_synthetic());
        match form {
            0 => check(case, &sizes)?,
            _ => {
                let gz = gzip(&case.bytes, if form == 1 { None } else { Some(member) });
                let gz_case = Case::new(format!("{} (gzip form {form}, member {member})", case.name), gz);
                // Inflating changes nothing either.
                let expected = &case.whole;
                prop_assert!(
                    diff_runs(expected, &gz_case.whole).is_none(),
                    "{}: gzip vs raw: {:?}", gz_case.name, diff_runs(expected, &gz_case.whole)
                );
                check(&gz_case, &sizes)?;
            }
        }
    }

    /// Empty chunks between non-empty ones change nothing.
    #[test]
    fn empty_chunks_change_nothing(index in any::<prop::sample::Index>(), sizes in prop::collection::vec(0usize..40, 2..12)) {
        let case = index.get(small_synthetic());
        check(case, &sizes)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn big_arrays_any_chunking(sizes in chunk_sizes()) {
        for case in big_synthetic() {
            check(case, &sizes)?;
        }
    }
}

#[test]
fn big_arrays_take_the_streaming_paths() {
    for case in big_synthetic() {
        let whole = &case.whole;
        let arrays: Vec<_> = whole
            .events
            .iter()
            .filter(|e| matches!(e, Event::ObjectArray { .. }))
            .collect();
        let big = whole
            .events
            .iter()
            .find_map(|e| match e {
                Event::ObjectArray { array, elements } if array.length == 20_000 => {
                    Some((array, elements))
                }
                _ => None,
            })
            .expect("the 20,000-element array");
        assert_eq!(big.1.len(), 20_000);
        assert_eq!(big.1[19_999], Id::new(0x6_0000 + 19_999 * 8));
        // The 1 MiB int array is delivered with its data, the 1 MiB + 1 byte array without.
        let prim = |len: u32| {
            whole.events.iter().find_map(|e| match e {
                Event::PrimitiveArray { array, data } if array.length == len => Some(data.clone()),
                _ => None,
            })
        };
        assert_eq!(
            prim(1 << 18).expect("1 MiB int array").map(|d| d.len()),
            Some(1 << 20)
        );
        assert_eq!(prim((1 << 20) + 1).expect("1 MiB + 1 byte array"), None);

        // Small chunks split the streamed array into many pieces (and only that one).
        let chunked = parse_chunked(&case.bytes, &[1000]);
        assert_same_run(whole, &chunked, &case.name);
        assert!(
            chunked.object_array_pieces > arrays.len() as u64 + 10,
            "{}: {} pieces for {} arrays: the large array was not streamed",
            case.name,
            chunked.object_array_pieces,
            arrays.len()
        );
        if case.name.ends_with("(raw)") {
            assert_eq!(
                whole.object_array_pieces,
                arrays.len() as u64,
                "one piece per array when the buffer is whole"
            );
        }
    }
}

#[test]
fn parse_read_matches_whole_parse() {
    struct Trickle<'a>(&'a [u8], usize);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    for case in small_synthetic().iter().step_by(5) {
        for (chunk, trickle) in [(1, 1), (7, 3), (4096, 5000), (1 << 20, usize::MAX)] {
            let mut r = Recorder::new();
            let outcome =
                parse_read(Trickle(&case.bytes, trickle), chunk, &mut r).expect("no I/O error");
            let run = Run {
                events: r.events,
                violations: r.violations,
                outcome,
                object_array_pieces: 0,
            };
            assert_same_run(
                &case.whole,
                &run,
                &format!("{} via parse_read({chunk})", case.name),
            );
        }
    }
}

// ---- corrupted inputs ------------------------------------------------------------------------

fn flips() -> impl Strategy<Value = Vec<(prop::sample::Index, u8)>> {
    prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..5)
}

fn corrupt(
    bytes: &[u8],
    flips: &[(prop::sample::Index, u8)],
    cut: Option<prop::sample::Index>,
) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for (at, x) in flips {
        let i = at.index(b.len());
        b[i] ^= x;
    }
    if let Some(c) = cut {
        b.truncate(c.index(b.len() + 1));
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    /// Random byte flips (and optionally a cut) in a raw dump: whatever happens — events, a
    /// warning, an error — happens the same way for every chunking.
    #[test]
    fn corrupted_raw_any_chunking(
        index in any::<prop::sample::Index>(),
        flips in flips(),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        sizes in chunk_sizes(),
    ) {
        let case = index.get(small_synthetic());
        let bad = Case::new(format!("{} with flips {flips:?} cut {cut:?}", case.name), corrupt(&case.bytes, &flips, cut));
        check(&bad, &sizes)?;
        check(&bad, &[1])?;
        // The bare parser agrees with the decoder (no gzip magic can appear: a flip of the
        // first two bytes could make one, so compare only when the input is not gzip-looking).
        if !bad.bytes.starts_with(&[0x1f, 0x8b]) && !bad.bytes.is_empty() {
            let bare = parse_chunked_raw_parser(&bad.bytes, &sizes);
            prop_assert!(diff_runs(&bad.whole, &bare).is_none(), "{}: {:?}", bad.name, diff_runs(&bad.whole, &bare));
        }
    }

    /// Flips in gzip data (header, deflate stream, trailers): the same for every chunking.
    #[test]
    fn corrupted_gzip_any_chunking(
        index in any::<prop::sample::Index>(),
        member in prop::option::of(50usize..3000),
        flips in flips(),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        sizes in chunk_sizes(),
    ) {
        let case = index.get(small_synthetic());
        let gz = gzip(&case.bytes, member);
        let bad = Case::new(format!("{} gzip {member:?} with flips {flips:?} cut {cut:?}", case.name), corrupt(&gz, &flips, cut));
        check(&bad, &sizes)?;
        check(&bad, &[1])?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Flips in a real dump.
    #[test]
    fn corrupted_real_dump_any_chunking(flips in flips(), cut in proptest::option::of(any::<prop::sample::Index>()), sizes in chunk_sizes()) {
        let case = real_dumps().iter().find(|c| c.name == "jdk8-jhat-32bit.hprof.gz (raw)").expect("jhat dump");
        let bad = Case::new(format!("jhat with flips {flips:?} cut {cut:?}", ), corrupt(&case.bytes, &flips, cut));
        check(&bad, &sizes)?;
    }
}

// ---- fuzz seed corpus ----------------------------------------------------------------------------

/// Regenerates fuzz/corpus/parse/ (the seed corpus of `cargo fuzz run parse`, see
/// scripts/fuzz.sh): `cargo test --test parser_chunking -- --ignored write_fuzz_seed_corpus`.
/// Each seed is 4 chunk-size bytes (see `fuzz_split`) followed by a small dump.
#[test]
#[ignore]
fn write_fuzz_seed_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parse");
    std::fs::create_dir_all(&dir).unwrap();
    let synth = |o: SynthOptions| synthetic_dump(&o).bytes;
    let small4 = synth(SynthOptions {
        id_size: 4,
        ..SynthOptions::default()
    });
    let small8 = synth(SynthOptions {
        id_size: 8,
        version: "1.0.1",
        two_dumps: true,
        ..SynthOptions::default()
    });
    let android = synth(SynthOptions {
        id_size: 4,
        version: "1.0.3",
        max_segment_bytes: Some(1),
        instances_first: true,
        android: true,
        zero_length_tail: true,
        ..SynthOptions::default()
    });
    let jhat = gunzip(&read_fixture("outside/jdk8-jhat-32bit.hprof.gz"));
    // A real dump's header followed by its HEAP DUMP record shortened to the first ~2.5 KB of
    // sub-records (cut on a sub-record boundary and the length patched: a complete, valid dump).
    let run = parse_whole(&jhat);
    let heap = run.events.iter().find_map(|e| match e {
        Event::HeapDumpStart { offset, .. } => Some(*offset as usize),
        _ => None,
    });
    let heap = heap.expect("jhat dump has a HEAP DUMP");
    let end = run
        .events
        .iter()
        .find_map(|e| match e {
            Event::Instance { offset, .. } if *offset as usize > heap + 2500 => {
                Some(*offset as usize)
            }
            _ => None,
        })
        .expect("instances");
    let header_len = jhat.iter().position(|&b| b == 0).unwrap() + 13;
    let mut excerpt = jhat[..header_len].to_vec();
    excerpt.extend_from_slice(&jhat[heap..heap + 5]);
    excerpt.extend_from_slice(&((end - heap - 9) as u32).to_be_bytes());
    excerpt.extend_from_slice(&jhat[heap + 9..end]);
    let check = parse_whole(&excerpt);
    assert!(check.summary().warnings.is_empty(), "{:?}", check.outcome);
    let mut hostile = w::HprofWriter::new("1.0.2", 8, 0).finish();
    hostile.extend_from_slice(&[0x01, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    hostile.extend_from_slice(&[0x0A; 40]);
    let seeds: Vec<(&str, [u8; 4], Vec<u8>)> = vec![
        ("synthetic-id4-1.0.2", [0, 3, 40, 255], small4.clone()),
        (
            "synthetic-id8-1.0.1-two-dumps",
            [2, 17, 1, 90],
            small8.clone(),
        ),
        (
            "synthetic-id4-1.0.3-android-tiny-segments",
            [1, 5, 0, 30],
            android.clone(),
        ),
        ("synthetic-id4-gzip", [4, 60, 7, 200], gzip(&small4, None)),
        (
            "synthetic-id8-gzip-multi-member",
            [0, 9, 33, 2],
            gzip(&small8, Some(300)),
        ),
        (
            "synthetic-android-gzip-multi-member",
            [6, 1, 128, 11],
            gzip(&android, Some(700)),
        ),
        (
            "real-jhat-excerpt",
            [3, 30, 0, 100],
            std::mem::take(&mut excerpt),
        ),
        ("hostile-utf8-length", [0, 0, 0, 0], hostile),
    ];
    for (name, prefix, bytes) in seeds {
        let data = [prefix.as_slice(), &bytes].concat();
        std::fs::write(dir.join(format!("{name}.bin")), data).unwrap();
    }
}
