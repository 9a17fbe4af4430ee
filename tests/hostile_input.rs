//! Issue 12's crafted dumps for the input layer (parser, gzip, id table): each ends in an
//! analysis or a typed error within 10 s and 512 MiB (see `hostile_support/cases.rs` for what
//! each file lies about). The wasm32 twin of the length cases is `web/tests/hostile.rs`.

#[path = "hostile_support/cases.rs"]
mod cases;
#[path = "hostile_support/measure.rs"]
mod measure;

use heaplens::hprof::*;
use heaplens_hprof_writer as writer;
use measure::{analyze, assert_bounded, End};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: measure::Counting = measure::Counting;

fn parse_in_chunks(bytes: &[u8], chunk: usize) -> Result<ParseSummary, ParseError> {
    let mut d = DumpDecoder::new();
    for c in bytes.chunks(chunk) {
        d.feed(c, &mut NullVisitor)?;
    }
    d.finish(&mut NullVisitor)
}

#[test]
fn lengths_past_32_bits_are_streamed_or_typed_errors() {
    // 32 GiB object array, to-EOF segment: streamed, then the file ends inside it.
    let b = cases::huge_object_array();
    assert!(b.len() < 80, "{}", b.len());
    let m = analyze(&b);
    assert_bounded("huge object array", &m);
    assert!(matches!(m.end, End::Analysis { .. }), "{:?}", m.end);
    let s = parse_slice(&b, &mut NullVisitor).unwrap();
    assert!(
        s.warnings.iter().any(|w| matches!(
            w,
            Warning::Truncated {
                item: Item::SubRecord(0x22),
                ..
            }
        )),
        "{:?}",
        s.warnings
    );

    // 4 GiB of instance fields: a typed error before anything is buffered.
    let b = cases::huge_instance();
    let m = analyze(&b);
    assert_bounded("huge instance", &m);
    let End::Error(e) = &m.end else {
        panic!("{:?}", m.end)
    };
    assert!(
        matches!(e.kind, ErrorKind::TooLarge { limit, .. } if limit == MAX_BUFFERED_ITEM),
        "{e}"
    );

    // 32 GiB primitive array: skipped by count, truncated.
    let m = analyze(&cases::huge_primitive_array());
    assert_bounded("huge primitive array", &m);
    assert!(matches!(m.end, End::Analysis { .. }), "{:?}", m.end);

    // Frame count × 8 past 2³²: the exact length needed, in u64.
    let e = parse_slice(&cases::huge_stack_trace(), &mut NullVisitor).unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::BadRecordLength {
            declared: 40,
            needed: 12 + ((1u64 << 29) + 1) * 8
        }
    );
}

#[test]
fn a_class_record_cut_by_chunks_is_scanned_once() {
    // ~1 MiB class record (65,535 statics and 65,535 fields), fed in small chunks.
    let b = cases::big_class_record(1024);
    assert!(b.len() > 900 * 1024, "{}", b.len());
    let whole = parse_slice(&b, &mut NullVisitor).unwrap();
    for chunk in [4096, 1 << 16] {
        let t = Instant::now();
        let s = parse_in_chunks(&b, chunk).unwrap();
        eprintln!("class record in {chunk}-byte chunks: {:?}", t.elapsed());
        assert_eq!(s, whole);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
    // Through gzip (the inflater hands out 256 KiB pieces) and the whole analysis.
    let gz = writer::gzip(&b, None);
    let m = analyze(&gz);
    assert_bounded("class record, gzip", &m);
    assert!(
        matches!(m.end, End::Analysis { objects, .. } if objects >= 2),
        "{:?}",
        m.end
    );
}

#[test]
fn a_huge_top_level_record_is_skipped_not_buffered() {
    // 300 MiB of zeros in one UTF8 record: ~300 KB of gzip.
    let gz = cases::huge_utf8_gz(300);
    assert!(gz.len() < 400_000, "{}", gz.len());
    let m = analyze(&gz);
    assert_bounded("300 MiB UTF8 record", &m);
    let End::Analysis { objects, warnings } = &m.end else {
        panic!("{:?}", m.end)
    };
    assert!(*objects >= 1);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("skipped the UTF8 record")),
        "{warnings:?}"
    );
    assert!(m.peak < 64 << 20, "peak {} MiB", m.peak >> 20);
}

#[test]
fn a_long_gzip_file_name_is_read_once_and_capped() {
    let expected = parse_slice(&cases::small_dump(), &mut NullVisitor).unwrap();
    let gz = cases::gzip_long_file_name(200 * 1024);
    for chunk in [1, 4096, gz.len()] {
        let t = Instant::now();
        let s = parse_in_chunks(&gz, chunk).unwrap();
        eprintln!(
            "200 KB gzip file name in {chunk}-byte chunks: {:?}",
            t.elapsed()
        );
        assert_eq!(s.header, expected.header);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
    let m = analyze(&gz);
    assert_bounded("200 KB gzip file name", &m);
    assert!(matches!(m.end, End::Analysis { .. }), "{:?}", m.end);

    let gz = cases::gzip_long_file_name(MAX_HEADER_FIELD + 1);
    let e = parse_in_chunks(&gz, 1000).unwrap_err();
    assert_eq!((e.offset, e.item), (0, Item::Gzip));
    assert!(e.to_string().contains("file name longer than"), "{e}");
}

#[test]
fn random_bytes_in_a_gzip_stream_are_named_as_damaged_gzip() {
    let gz = writer::gzip(&cases::big_class_record(256), None);
    let mut named = 0;
    for (k, at) in [20, gz.len() / 4, gz.len() / 2, gz.len() * 3 / 4]
        .into_iter()
        .enumerate()
    {
        for seed in 0..4u64 {
            let bad = cases::damage(&gz, at, 16, seed * 10 + k as u64);
            let e = parse_slice(&bad, &mut NullVisitor).unwrap_err();
            // Never "not an HPROF dump" or a record error made up of inflated garbage.
            assert_eq!(e.item, Item::Gzip, "at {at}, seed {seed}: {e}");
            assert!(
                e.to_string().contains("corrupt deflate data")
                    || e.to_string()
                        .contains("mismatch at the end of a gzip member"),
                "{e}"
            );
            named += e.to_string().contains("corrupt deflate data") as u32;
            // The same however the input is chunked.
            assert_eq!(parse_in_chunks(&bad, 777).unwrap_err(), e, "at {at}");
        }
    }
    assert!(named > 0, "some damage is seen in the deflate data itself");
}

#[test]
fn a_parse_error_in_sound_gzip_data_stands() {
    // Sound gzip around a file that is not a dump: the parser's error, after the CRC check.
    let gz = writer::gzip(b"this is not a heap dump at all", None);
    let e = parse_slice(&gz, &mut NullVisitor).unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotHprof);
    assert_eq!(parse_in_chunks(&gz, 3).unwrap_err(), e);
}

#[test]
fn crafted_colliding_ids_do_not_slow_the_build() {
    let b = cases::colliding_symbol_ids(100_000);
    let m = analyze(&b);
    assert_bounded("100 k colliding symbol ids", &m);
    assert!(matches!(m.end, End::Analysis { .. }), "{:?}", m.end);
    assert!(m.time < Duration::from_secs(3), "{:?}", m.time);
}

#[test]
fn utf8_records_past_a_megabyte_are_skipped() {
    let mut wr = writer::HprofWriter::new("1.0.2", 8, 0);
    wr.utf8(1, vec![b'a'; 65_535]);
    wr.utf8(2, vec![b'b'; (MAX_UTF8_RECORD + 1) as usize]);
    let b = wr.finish();
    let at = writer::HprofWriter::new("1.0.2", 8, 0).finish().len() as u64 + 9 + 8 + 65_535;
    let s = parse_slice(&b, &mut NullVisitor).unwrap();
    assert_eq!(
        s.warnings,
        vec![Warning::RecordSkipped {
            offset: at,
            item: Item::Record(0x01),
            len: MAX_UTF8_RECORD + 1 + 8,
        }]
    );
}
