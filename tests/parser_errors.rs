//! Damaged input: truncation anywhere, typed errors with exact offsets, hostile lengths, damaged
//! gzip, and every input the fuzzer ever crashed on (tests/fixtures/fuzz-regressions/).
//!
//! Truncation contract: a dump cut anywhere after its header never panics and never errors;
//! everything before the cut is delivered, and `finish` reports exactly one
//! `Warning::Truncated { offset, item }` naming the item the cut falls in (none when the cut is
//! exactly at a record boundary outside a heap record).

mod common;
use common::recorder::*;
use heaplens::hprof::*;
use heaplens_hprof_writer as w;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

// ---- allocation tracking (per thread, so parallel tests don't disturb each other) -------------

struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
    let _ = TOTAL.try_with(|c| c.set(c.get() + size));
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        note(l.size());
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(p, l, new_size) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static ALLOC: Tracking = Tracking;

/// Runs `f`, returning its result, the largest single allocation and the total bytes allocated
/// by this thread meanwhile.
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    LARGEST.with(|c| c.set(0));
    TOTAL.with(|c| c.set(0));
    let r = f();
    (r, LARGEST.with(Cell::get), TOTAL.with(Cell::get))
}

// ---- helpers -----------------------------------------------------------------------------------

fn err(offset: u64, item: Item, kind: ErrorKind) -> ParseError {
    ParseError { offset, item, kind }
}

/// Parses whole, in 1-byte chunks and in odd chunks: all three must agree. Returns the whole run.
fn parse_all_ways(bytes: &[u8], what: &str) -> Run {
    let whole = parse_whole(bytes);
    assert_same_run(
        &whole,
        &parse_chunked(bytes, &[1]),
        &format!("{what} (1-byte chunks)"),
    );
    assert_same_run(
        &whole,
        &parse_chunked(bytes, &[5, 3, 11, 64, 2]),
        &format!("{what} (odd chunks)"),
    );
    whole
}

/// Asserts the run failed with exactly `expected`, and that the message names the offset.
fn assert_error(run: &Run, expected: &ParseError, what: &str) {
    assert_eq!(
        run.outcome.as_ref().err(),
        Some(expected),
        "{what}: {:?}",
        run.outcome
    );
    let msg = expected.to_string();
    assert!(
        msg.contains(&format!("byte {}", expected.offset)),
        "{what}: message {msg:?} does not name the offset"
    );
}

fn u4(b: &[u8], at: u64) -> u32 {
    let at = at as usize;
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// The synthetic dump's items in file order: (start, item). Every record and sub-record gives
/// exactly one event (object arrays merged), so item `k` is event `k + 1` (event 0: header).
fn items(s: &Synth) -> Vec<(u64, Item)> {
    let mut v: Vec<(u64, Item)> = s
        .records
        .iter()
        .map(|&r| (r, Item::Record(s.bytes[r as usize])))
        .collect();
    v.extend(
        s.subs
            .iter()
            .map(|&r| (r, Item::SubRecord(s.bytes[r as usize]))),
    );
    v.sort_by_key(|x| x.0);
    v
}

/// What the parser must report for `s` cut at `cut`: (complete events, an extra event delivered
/// for the item the cut falls in, expected warnings).
fn expected_for_cut(
    s: &Synth,
    full: &[Event],
    id: u64,
    cut: u64,
) -> (usize, Option<Event>, Vec<Warning>) {
    let b = &s.bytes;
    let items = items(s);
    let end_of = |k: usize| items.get(k + 1).map_or(b.len() as u64, |x| x.0);
    let complete = items
        .iter()
        .enumerate()
        .filter(|(k, _)| end_of(*k) <= cut)
        .count();
    let mut warnings = Vec::new();
    // Zero-length heap records announce themselves once their header is read.
    for &r in &s.records {
        if matches!(b[r as usize], 0x0C | 0x1C) && u4(b, r + 5) == 0 && cut >= r + 9 {
            warnings.push(Warning::HeapRecordRanToEnd { offset: r });
        }
    }
    let mut extra = None;
    if let Some((k, &(start, item))) = items
        .iter()
        .enumerate()
        .find(|(k, x)| x.0 < cut && cut < end_of(*k))
    {
        // Strictly inside item k.
        warnings.push(Warning::Truncated {
            offset: start,
            item,
        });
        let event = &full[k + 1];
        match item {
            Item::Record(0x06 | 0x0D | 0x0E | 0x2C) if cut >= start + 9 => {
                extra = Some(event.clone())
            }
            Item::SubRecord(0x23) => {
                let len = u4(b, start + 1 + id + 4) as u64;
                let size = BasicType::from_code(b[(start + 1 + id + 8) as usize])
                    .unwrap()
                    .size(id as u8) as u64;
                if len * size > INLINE_PRIMITIVE_ARRAY_LIMIT as u64 && cut >= start + 1 + id + 9 {
                    extra = Some(event.clone());
                }
            }
            Item::SubRecord(0x22) => {
                let len = u4(b, start + 1 + id + 4) as u64;
                let hdr = 1 + 2 * id + 8;
                if len * id > 64 * 1024 && cut >= start + hdr + id {
                    let Event::ObjectArray { array, elements } = event else {
                        panic!("not an array: {event:?}")
                    };
                    let n = ((cut - start - hdr) / id) as usize;
                    extra = Some(Event::ObjectArray {
                        array: *array,
                        elements: elements[..n].to_vec(),
                    });
                }
            }
            _ => {}
        }
    } else if let Some(&r) = s.records.iter().rev().find(|&&r| r < cut) {
        // At an item boundary: inside a heap record that should go on?
        let len = u4(b, r + 5) as u64;
        if matches!(b[r as usize], 0x0C | 0x1C) && len > 0 && cut < r + 9 + len {
            warnings.push(Warning::Truncated {
                offset: r,
                item: Item::Record(b[r as usize]),
            });
        }
    }
    (1 + complete, extra, warnings)
}

fn check_cut(s: &Synth, full: &Run, cut: u64, what: &str) {
    let id = full.summary().header.id_size as u64;
    let cut_bytes = &s.bytes[..cut as usize];
    let what = format!("{what} cut at {cut}");
    let run = parse_all_ways(cut_bytes, &what);
    assert!(run.violations.is_empty(), "{what}: {:?}", run.violations);
    if cut < s.header_len {
        assert_error(&run, &err(0, Item::Header, ErrorKind::NotHprof), &what);
        assert!(run.events.is_empty());
        return;
    }
    let (complete, extra, warnings) = expected_for_cut(s, &full.events, id, cut);
    let mut expected = full.events[..complete].to_vec();
    expected.extend(extra);
    if let Some(d) = first_event_difference(&expected, &run.events) {
        panic!("{what}: {d}");
    }
    let summary = run.summary();
    assert_eq!(summary.warnings, warnings, "{what}");
    assert_eq!(summary.bytes, cut, "{what}");
    assert_eq!(summary.header, full.summary().header, "{what}");
    let truncations = summary
        .warnings
        .iter()
        .filter(|w| matches!(w, Warning::Truncated { .. }))
        .count();
    assert!(truncations <= 1, "{what}");
}

/// Cuts at every record and sub-record boundary, and just after each start, in the middle and
/// just before the end of every item (and inside the header).
fn cut_points(s: &Synth) -> Vec<u64> {
    let len = s.bytes.len() as u64;
    let items = items(s);
    let mut cuts: Vec<u64> = vec![0, 1, 5, 13, s.header_len - 1, s.header_len, len];
    for (k, &(start, _)) in items.iter().enumerate() {
        let end = items.get(k + 1).map_or(len, |x| x.0);
        cuts.extend([
            start,
            start + 1,
            start + 4,
            start + 8,
            start + 9,
            (start + end) / 2,
            end - 1,
        ]);
    }
    cuts.retain(|&c| c <= len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

fn truncation_shapes() -> Vec<SynthOptions> {
    let mut v = Vec::new();
    for id_size in [4, 8] {
        for version in ["1.0.1", "1.0.2", "1.0.3"] {
            v.push(SynthOptions {
                id_size,
                version,
                android: version == "1.0.3",
                two_dumps: true,
                ..SynthOptions::default()
            });
        }
        v.push(SynthOptions {
            id_size,
            max_segment_bytes: Some(40),
            instances_first: true,
            android: true,
            zero_length_tail: true,
            ..SynthOptions::default()
        });
    }
    v
}

// ---- truncation --------------------------------------------------------------------------------

#[test]
fn truncation_at_every_boundary_and_inside_items() {
    for o in truncation_shapes() {
        let s = synthetic_dump(&o);
        let full = parse_whole(&s.bytes);
        assert_eq!(
            full.events.len(),
            1 + s.records.len() + s.subs.len(),
            "{o:?}"
        );
        let what = format!("{o:?}");
        for cut in cut_points(&s) {
            check_cut(&s, &full, cut, &what);
        }
    }
}

#[test]
fn truncation_inside_streamed_arrays() {
    for id_size in [4, 8] {
        let o = SynthOptions {
            id_size,
            big_arrays: true,
            ..SynthOptions::default()
        };
        let s = synthetic_dump(&o);
        let full = parse_whole(&s.bytes);
        let what = format!("big arrays, id size {id_size}");
        let id = id_size as u64;
        let big: Vec<u64> = s
            .subs
            .iter()
            .copied()
            .filter(|&at| {
                matches!(s.bytes[at as usize], 0x22 | 0x23) && u4(&s.bytes, at + 1 + id + 4) >= 8192
            })
            .collect();
        assert_eq!(big.len(), 4, "{what}");
        for at in big {
            // In the header, just after it, after one element, in the middle.
            for delta in [
                1,
                1 + 2 * id + 8,
                1 + 3 * id + 8,
                1 + 3 * id + 9,
                1 + 3 * id + 10,
                30_001,
                500_001,
            ] {
                if at + delta < s.bytes.len() as u64 {
                    check_cut(&s, &full, at + delta, &what);
                }
            }
        }
    }
}

#[test]
fn truncated_gzip() {
    let s = synthetic_dump(&SynthOptions {
        id_size: 4,
        max_segment_bytes: Some(100),
        android: true,
        ..SynthOptions::default()
    });
    let raw = &s.bytes;
    for member in [None, Some(700)] {
        let gz = gzip(raw, member);
        // Member boundaries in the compressed file.
        let mut starts = vec![0u64];
        if let Some(m) = member {
            let mut at = 0;
            for (i, c) in raw.chunks(m).enumerate() {
                at += if i == 0 {
                    gzip(c, Some(m)).len()
                } else {
                    gzip(c, None).len()
                } as u64;
                starts.push(at);
            }
            assert_eq!(*starts.last().unwrap(), gz.len() as u64, "member layout");
            starts.pop();
        }
        let mut cuts: Vec<u64> = (0..gz.len() as u64).step_by(37).collect();
        cuts.extend(starts.iter().flat_map(|&s| [s, s + 1, s + 10, s + 25]));
        cuts.extend([gz.len() as u64 - 8, gz.len() as u64 - 1]);
        for cut in cuts {
            let what = format!("gzip {member:?} cut at {cut}");
            let run = parse_all_ways(&gz[..cut as usize], &what);
            let member_start = *starts.iter().rev().find(|&&s| s <= cut).unwrap();
            let at_member_boundary = cut == member_start && cut > 0;
            // Cut one byte into a new member (a lone 0x1f) is a truncated member too.
            let outcome = match &run.outcome {
                Err(e) => {
                    // Nothing of the HPROF header came out of the cut file.
                    assert_eq!(e, &err(0, Item::Header, ErrorKind::NotHprof), "{what}");
                    assert!(run.events.is_empty(), "{what}");
                    continue;
                }
                Ok(s) => s,
            };
            let expect_gz_warning = !at_member_boundary;
            let (gz_warnings, rest) = outcome.warnings.split_at(usize::from(expect_gz_warning));
            if expect_gz_warning {
                assert_eq!(
                    gz_warnings,
                    [Warning::Truncated {
                        offset: member_start,
                        item: Item::Gzip
                    }],
                    "{what}"
                );
            }
            // The rest is exactly what the decompressed prefix gives.
            let prefix = parse_whole(&raw[..outcome.bytes as usize]);
            assert_eq!(rest, prefix.summary().warnings, "{what}");
            if let Some(d) = first_event_difference(&prefix.events, &run.events) {
                panic!("{what}: {d}");
            }
            if let (true, Some(m)) = (at_member_boundary, member) {
                let k = starts.iter().position(|&s| s == cut).unwrap();
                assert_eq!(
                    outcome.bytes,
                    (k * m) as u64,
                    "{what}: whole members inflate whole"
                );
            }
        }
    }
}

// ---- typed errors --------------------------------------------------------------------------------

#[test]
fn not_hprof_inputs() {
    let png: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1,
    ];
    let no_nul = [b"JAVA PROFILE ".as_slice(), &[b'1'; 80]].concat();
    let gz_text = gzip(b"just some text, compressed\n", None);
    let cases: [(&str, &[u8]); 7] = [
        ("empty file", b""),
        ("one byte", b"J"),
        ("gzip magic only", &[0x1f, 0x8b]),
        ("text file", b"Hello, this is a README, not a heap dump.\n"),
        ("PNG", png),
        ("JAVA PROFILE without NUL", &no_nul),
        ("gzipped text", &gz_text),
    ];
    for (what, bytes) in cases {
        let run = parse_all_ways(bytes, what);
        // (Two bytes of gzip magic and nothing more: no HPROF header came out either.)
        assert_error(&run, &err(0, Item::Header, ErrorKind::NotHprof), what);
        assert!(run.events.is_empty(), "{what}");
    }
}

#[test]
fn unsupported_version() {
    for v in [
        "JAVA PROFILE 1.0.9",
        "JAVA PROFILE 1.0",
        "JAVA PROFILE 2.0.2",
    ] {
        let bytes = w::HprofWriter::new(v, 4, 0).finish();
        let run = parse_all_ways(&bytes, v);
        assert_error(
            &run,
            &err(
                0,
                Item::Header,
                ErrorKind::UnsupportedVersion(v.to_string()),
            ),
            v,
        );
    }
}

#[test]
fn bad_id_size() {
    for n in [0u32, 2, 5, 16, u32::MAX] {
        let mut bytes = b"JAVA PROFILE 1.0.2\0".to_vec();
        bytes.extend_from_slice(&n.to_be_bytes());
        bytes.extend_from_slice(&0u64.to_be_bytes());
        let run = parse_all_ways(&bytes, "bad id size");
        assert_error(
            &run,
            &err(19, Item::Header, ErrorKind::BadIdSize(n)),
            &format!("id size {n}"),
        );
    }
}

#[test]
fn unknown_record_tag() {
    for tag in [0x00u8, 0x08, 0x0F, 0x42, 0xFF] {
        let mut wr = w::HprofWriter::new("1.0.2", 8, 0);
        wr.utf8(0x10, "before");
        let at = wr.len() as u64;
        wr.raw_record(tag, &[1, 2, 3]);
        wr.utf8(0x20, "after");
        let run = parse_all_ways(&wr.finish(), "unknown tag");
        assert_error(
            &run,
            &err(at, Item::Record(tag), ErrorKind::UnknownRecordTag),
            &format!("tag {tag:#x}"),
        );
        assert_eq!(
            run.events.len(),
            2,
            "header and the UTF8 before it are delivered"
        );
    }
}

#[test]
fn unknown_sub_record_tag() {
    for tag in [0x00u8, 0x09, 0x24, 0x77, 0x8F, 0xC2] {
        let mut wr = w::HprofWriter::new("1.0.3", 4, 0);
        wr.root_sticky_class(0x100);
        let at = wr.len() as u64;
        wr.raw_sub_record(tag, &[0; 16]);
        let run = parse_all_ways(&wr.finish(), "unknown sub tag");
        assert_error(
            &run,
            &err(at, Item::SubRecord(tag), ErrorKind::UnknownSubRecordTag),
            &format!("tag {tag:#x}"),
        );
        assert_eq!(
            run.events.len(),
            3,
            "header, heap dump start, the root before it"
        );
    }
}

#[test]
fn bad_basic_type_in_class_dump() {
    for id_size in [4u32, 8] {
        let id = id_size as u64;
        // (where, bad code): a constant's type, a static's type, a field's type.
        for (place, code) in [
            ("constant", 0u8),
            ("static", 1),
            ("field", 3),
            ("field", 12),
            ("static", 0xFF),
        ] {
            let mut wr = w::HprofWriter::new("1.0.2", id_size, 0);
            let at = wr.len() as u64 + 9; // after the segment header
            let c = w::ClassDump {
                class_id: 0x100,
                constants: if place == "constant" {
                    vec![(1, w::Value::Int(7))]
                } else {
                    vec![]
                },
                statics: if place == "static" {
                    vec![(0x30, w::Value::Long(7))]
                } else {
                    vec![]
                },
                fields: if place == "field" {
                    vec![(0x40, w::BasicType::Int)]
                } else {
                    vec![]
                },
                ..Default::default()
            };
            wr.class_dump(&c);
            wr.root_sticky_class(0x100);
            let mut bytes = wr.finish();
            // Fixed part: tag, class id, stack serial, 6 ids, instance size, constant count.
            let fixed = at + 1 + id + 4 + 6 * id + 4 + 2;
            let type_at = match place {
                "constant" => fixed + 2,    // after the u2 index
                "static" => fixed + 2 + id, // after the statics count and name id
                _ => fixed + 2 + 2 + id,    // after both counts and the name id
            };
            bytes[type_at as usize] = code;
            let what = format!("id {id_size} bad {place} type {code}");
            let run = parse_all_ways(&bytes, &what);
            assert_error(
                &run,
                &err(at, Item::SubRecord(0x20), ErrorKind::BadBasicType(code)),
                &what,
            );
        }
    }
}

#[test]
fn bad_basic_type_in_primitive_arrays() {
    for id_size in [4u32, 8] {
        let id = id_size as u64;
        for (tag, code) in [
            (0x23u8, 2u8),
            (0x23, 3),
            (0x23, 0),
            (0x23, 12),
            (0xC3, 2),
            (0xC3, 1),
        ] {
            let mut wr = w::HprofWriter::new("1.0.3", id_size, 0);
            wr.root_sticky_class(0x100);
            let at = wr.len() as u64;
            if tag == 0x23 {
                wr.prim_array(0x200, 1, w::BasicType::Int, &[0; 8]);
            } else {
                wr.prim_array_nodata(0x200, 1, 2, w::BasicType::Int);
            }
            let mut bytes = wr.finish();
            bytes[(at + 1 + id + 8) as usize] = code;
            let what = format!("id {id_size} tag {tag:#x} type {code}");
            let run = parse_all_ways(&bytes, &what);
            assert_error(
                &run,
                &err(at, Item::SubRecord(tag), ErrorKind::BadBasicType(code)),
                &what,
            );
        }
    }
}

#[test]
fn records_shorter_than_their_content() {
    for id_size in [4u32, 8] {
        let id = id_size as u64;
        let mut cases: Vec<(u8, Vec<u8>, u64)> = Vec::new();
        // STACK TRACE whose frame count overruns its length: 1000 frames announced, 1 present.
        let mut st = [
            1u32.to_be_bytes(),
            1u32.to_be_bytes(),
            1000u32.to_be_bytes(),
        ]
        .concat();
        st.extend(std::iter::repeat_n(0xAB, id as usize));
        cases.push((0x05, st, 12 + 1000 * id));
        // u32::MAX frames: the multiplication must not overflow into a small number.
        let st = [
            1u32.to_be_bytes(),
            1u32.to_be_bytes(),
            u32::MAX.to_be_bytes(),
        ]
        .concat();
        cases.push((0x05, st, 12 + u32::MAX as u64 * id));
        cases.push((0x05, vec![0; 11], 12));
        cases.push((0x01, vec![0; id as usize - 1], id));
        cases.push((0x02, vec![0; 3], 8 + 2 * id));
        cases.push((0x03, vec![0; 2], 4));
        cases.push((0x04, vec![0; 4 * id as usize], 4 * id + 8));
        cases.push((0x07, vec![0; 23], 24));
        cases.push((0x0A, vec![0; 8], 8 + 4 * id));
        cases.push((0x0B, vec![], 4));
        for (tag, body, needed) in cases {
            let mut wr = w::HprofWriter::new("1.0.2", id_size, 0);
            wr.utf8(1, "x");
            let at = wr.len() as u64;
            wr.raw_record(tag, &body);
            wr.utf8(2, "y");
            let what = format!("id {id_size} tag {tag:#x} body {} bytes", body.len());
            let run = parse_all_ways(&wr.finish(), &what);
            let kind = ErrorKind::BadRecordLength {
                declared: body.len() as u64,
                needed,
            };
            assert_error(&run, &err(at, Item::Record(tag), kind), &what);
        }
    }
}

#[test]
fn sub_record_overrunning_its_segment() {
    // A HEAP DUMP SEGMENT whose declared length ends inside a sub-record, followed by more
    // records (so a whole-buffer parse has bytes after the segment to misread).
    for id_size in [4u32, 8] {
        let id = id_size as u64;
        type Write = fn(&mut w::HprofWriter);
        let subs: [(u8, Write); 6] = [
            (0x21, |wr| wr.instance(0x100, 1, 0x200, &[7; 12])),
            (0x22, |wr| wr.obj_array(0x100, 1, 0x200, &[1, 2, 3])),
            (0x23, |wr| {
                wr.prim_array(0x100, 1, w::BasicType::Short, &[1, 2, 3, 4, 5, 6])
            }),
            (0x20, |wr| {
                wr.class_dump(&w::ClassDump {
                    class_id: 0x200,
                    statics: vec![(0x30, w::Value::Int(1)), (0x31, w::Value::Double(2.0))],
                    fields: vec![(0x40, w::BasicType::Object), (0x41, w::BasicType::Char)],
                    ..Default::default()
                })
            }),
            (0x08, |wr| wr.root_thread_object(0x100, 1, 2)),
            (0xC3, |wr| {
                wr.prim_array_nodata(0x100, 1, 10, w::BasicType::Long)
            }),
        ];
        for (tag, write) in subs {
            let mut wr = w::HprofWriter::new("1.0.3", id_size, 0);
            let seg = wr.header_len() as u64;
            wr.begin_heap_dump(true);
            wr.root_sticky_class(0x200);
            let at = wr.len() as u64;
            write(&mut wr);
            let sub_len = wr.len() as u64 - at;
            wr.end_heap_dump();
            // A following segment whose bytes would be garbage as the rest of the sub-record.
            wr.raw_sub_record(0xFF, &[0xFF; 16]);
            wr.end_heap_dump();
            let good = wr.finish();
            assert_eq!(good[seg as usize], 0x1C, "segment layout");
            assert_eq!(seg + 9, at - 1 - id, "segment layout");
            // Cut the segment's length at every byte of the sub-record (0 would end the segment
            // before it: the sub-record's tag would then be read as a record tag).
            for keep in 1..sub_len {
                let mut bytes = good.clone();
                let remaining = keep;
                let len = at - (seg + 9) + remaining;
                bytes[seg as usize + 5..seg as usize + 9]
                    .copy_from_slice(&(len as u32).to_be_bytes());
                let what = format!(
                    "id {id_size} tag {tag:#x} with {remaining} of {sub_len} bytes in the segment"
                );
                let run = parse_all_ways(&bytes, &what);
                let e = run.error();
                assert_eq!(
                    (e.offset, e.item),
                    (at, Item::SubRecord(tag)),
                    "{what}: {e:?}"
                );
                let ErrorKind::SubRecordOverrunsRecord {
                    needed,
                    remaining: r,
                } = e.kind
                else {
                    panic!("{what}: {e:?}")
                };
                assert_eq!(r, remaining, "{what}");
                assert!(
                    needed > remaining && needed <= sub_len,
                    "{what}: needed {needed}"
                );
                assert!(e.to_string().contains(&format!("byte {at}")), "{what}: {e}");
            }
        }
    }
}

#[test]
fn sub_record_overrun_reports_what_the_record_shows() {
    // Regression (found by tests/parser_chunking.rs): a CLASS DUMP overrunning its segment was
    // reported as BadBasicType (read from the next record's bytes) when the whole buffer was fed,
    // but as SubRecordOverrunsRecord when fed in small chunks; and an INSTANCE overrun named a
    // different `needed` depending on the chunking.
    let mut wr = w::HprofWriter::new("1.0.2", 4, 0);
    wr.begin_heap_dump(true);
    let at = wr.len() as u64;
    wr.class_dump(&w::ClassDump {
        class_id: 0x200,
        fields: vec![(0x40, w::BasicType::Int)],
        ..Default::default()
    });
    wr.end_heap_dump();
    wr.utf8(0x2A2A2A2A, [0x2A; 8]); // 0x2A is no basic type
    let mut bytes = wr.finish();
    let seg = at as usize - 9;
    // Class dump: 1 + 4 + 4 + 24 + 4 + 2 + 2 + 2 + (4 + 1) = 48 bytes; keep 45 in the segment:
    // the field's name id (bytes 43..47) is the first thing that does not fit.
    bytes[seg + 5..seg + 9].copy_from_slice(&45u32.to_be_bytes());
    let run = parse_all_ways(&bytes, "class dump overrun");
    assert_error(
        &run,
        &err(
            at,
            Item::SubRecord(0x20),
            ErrorKind::SubRecordOverrunsRecord {
                needed: 47,
                remaining: 45,
            },
        ),
        "class dump",
    );

    let mut wr = w::HprofWriter::new("1.0.2", 4, 0);
    wr.begin_heap_dump(true);
    let at = wr.len() as u64;
    wr.instance(0x100, 1, 0x200, &[0; 100]);
    wr.end_heap_dump();
    wr.utf8(1, "x");
    let mut bytes = wr.finish();
    let seg = at as usize - 9;
    // The instance header (17 bytes) does not fit in 10: its field count is never read.
    bytes[seg + 5..seg + 9].copy_from_slice(&10u32.to_be_bytes());
    let run = parse_all_ways(&bytes, "instance overrun");
    assert_error(
        &run,
        &err(
            at,
            Item::SubRecord(0x21),
            ErrorKind::SubRecordOverrunsRecord {
                needed: 17,
                remaining: 10,
            },
        ),
        "instance",
    );
    bytes[seg + 5..seg + 9].copy_from_slice(&20u32.to_be_bytes());
    let run = parse_all_ways(&bytes, "instance overrun");
    assert_error(
        &run,
        &err(
            at,
            Item::SubRecord(0x21),
            ErrorKind::SubRecordOverrunsRecord {
                needed: 117,
                remaining: 20,
            },
        ),
        "instance",
    );
}

// ---- hostile lengths -------------------------------------------------------------------------------

/// Parses `bytes` (whole, then in 1-byte chunks) with a NullVisitor, asserting it is quick and
/// that no single allocation exceeds `max_alloc`. Returns the whole-buffer outcome.
fn hostile(bytes: &[u8], max_alloc: usize, what: &str) -> Result<ParseSummary, ParseError> {
    let start = Instant::now();
    let (whole, largest, total) = measure(|| parse_slice(bytes, &mut NullVisitor));
    assert!(
        largest <= max_alloc,
        "{what}: allocated {largest} bytes at once for a {}-byte input",
        bytes.len()
    );
    assert!(
        total <= 64 * max_alloc.max(bytes.len()),
        "{what}: allocated {total} bytes in all"
    );
    let (chunked, largest, _) = measure(|| {
        let mut d = DumpDecoder::new();
        for b in bytes.chunks(1) {
            d.feed(b, &mut NullVisitor)?;
        }
        d.finish(&mut NullVisitor)
    });
    assert!(
        largest <= max_alloc,
        "{what} (1-byte chunks): allocated {largest} bytes at once"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{what}: took {:?}",
        start.elapsed()
    );
    assert_eq!(whole, chunked, "{what}");
    whole
}

/// A small raw dump: header, then `body` (record bytes, possibly lying about lengths), padded
/// with `pad` bytes of 0x0A (type code `int`, so CLASS DUMP entries keep parsing) so the file is
/// about 100 bytes.
fn small_file(id_size: u32, body: &[u8], pad: usize) -> (Vec<u8>, u64) {
    let mut b = w::HprofWriter::new("1.0.2", id_size, 0).finish();
    let at = b.len() as u64;
    b.extend_from_slice(body);
    b.extend(std::iter::repeat_n(0x0A, pad));
    (b, at)
}

fn rec_header(tag: u8, len: u32) -> Vec<u8> {
    let mut v = vec![tag, 0, 0, 0, 0];
    v.extend_from_slice(&len.to_be_bytes());
    v
}

#[test]
fn hostile_record_lengths_allocate_nothing_big() {
    const SMALL: usize = 16 * 1024;
    for id_size in [4u32, 8] {
        // UTF8 claiming 4 GiB in a ~100-byte file.
        for tag in [0x01u8, 0x05, 0x02, 0x06, 0x0D] {
            let (bytes, at) = small_file(id_size, &rec_header(tag, u32::MAX), 60);
            let what = format!("id {id_size} record {tag:#x} of 4 GiB");
            let s = hostile(&bytes, SMALL, &what).unwrap_or_else(|e| panic!("{what}: {e}"));
            // Records decoded whole are skipped past MAX_BUFFERED_ITEM (never buffered), with a
            // warning; the others are skipped anyway.
            let mut expected = Vec::new();
            if matches!(tag, 0x01 | 0x05 | 0x02) {
                expected.push(Warning::RecordSkipped {
                    offset: at,
                    item: Item::Record(tag),
                    len: u32::MAX as u64,
                });
            }
            expected.push(Warning::Truncated {
                offset: at,
                item: Item::Record(tag),
            });
            assert_eq!(s.warnings, expected, "{what}");
        }
        let id = id_size as usize;
        // Sub-records announcing huge payloads inside a 4 GiB segment, and inside a zero-length
        // (to end of file) one.
        let mut subs: Vec<(u8, Vec<u8>)> = Vec::new();
        let mut inst = vec![0x21];
        inst.extend(vec![0; id + 4 + id]);
        inst.extend_from_slice(&0xFFFF_FF00u32.to_be_bytes());
        subs.push((0x21, inst));
        let mut oa = vec![0x22];
        oa.extend(vec![0; id + 4]);
        oa.extend_from_slice(&(0x0FFF_FFFFu32 / id as u32).to_be_bytes());
        oa.extend(vec![0; id]);
        subs.push((0x22, oa));
        let mut pa = vec![0x23];
        pa.extend(vec![0; id + 4]);
        pa.extend_from_slice(&0x0FFF_FFFFu32.to_be_bytes());
        pa.push(11); // long
        subs.push((0x23, pa));
        let mut cd = vec![0x20];
        cd.extend(vec![0; id + 4 + 6 * id + 4]);
        cd.extend_from_slice(&[0, 0, 0xFF, 0xFF]); // no constants, 65535 statics
        subs.push((0x20, cd.clone()));
        cd.truncate(cd.len() - 4);
        cd.extend_from_slice(&[0, 0, 0, 0, 0xFF, 0xFF]); // 65535 fields
        subs.push((0x20, cd));
        for (tag, sub) in subs {
            for seg_len in [u32::MAX, 0] {
                let mut body = rec_header(0x1C, seg_len);
                body.extend_from_slice(&sub);
                let (bytes, _) = small_file(id_size, &body, 30);
                let at = (bytes.len() - 30 - sub.len()) as u64;
                let what =
                    format!("id {id_size} sub-record {tag:#x} in a segment of length {seg_len:#x}");
                if tag == 0x21 {
                    // No instance has 4 GiB of fields: a typed error before anything is buffered.
                    let e = hostile(&bytes, SMALL, &what).unwrap_err();
                    assert_eq!(
                        e,
                        err(
                            at,
                            Item::SubRecord(0x21),
                            ErrorKind::TooLarge {
                                len: (1 + 2 * id + 8) as u64 + 0xFFFF_FF00,
                                limit: MAX_BUFFERED_ITEM,
                            }
                        ),
                        "{what}"
                    );
                    continue;
                }
                let s = hostile(&bytes, SMALL, &what).unwrap_or_else(|e| panic!("{what}: {e}"));
                let ran_to_end =
                    (seg_len == 0).then_some(Warning::HeapRecordRanToEnd { offset: at - 9 });
                let mut expected: Vec<Warning> = ran_to_end.into_iter().collect();
                expected.push(Warning::Truncated {
                    offset: at,
                    item: Item::SubRecord(tag),
                });
                assert_eq!(s.warnings, expected, "{what}");
            }
        }
    }
}

#[test]
fn hostile_lengths_through_gzip() {
    let (bytes, at) = small_file(8, &rec_header(0x01, u32::MAX), 60);
    let gz = gzip(&bytes, None);
    // The inflater's own buffers (256 KiB output, ~40 KiB of state) are the only big ones.
    let s = hostile(&gz, 512 * 1024, "gzip UTF8 of 4 GiB").unwrap();
    assert_eq!(
        s.warnings,
        vec![
            Warning::RecordSkipped {
                offset: at,
                item: Item::Record(0x01),
                len: u32::MAX as u64,
            },
            Warning::Truncated {
                offset: at,
                item: Item::Record(0x01)
            }
        ]
    );
}

// ---- gzip damage -----------------------------------------------------------------------------------

fn small_dump() -> Vec<u8> {
    synthetic_dump(&SynthOptions {
        id_size: 4,
        ..SynthOptions::default()
    })
    .bytes
}

fn gzip_error(offset: u64, msg: &str) -> ParseError {
    err(offset, Item::Gzip, ErrorKind::Gzip(msg.to_string()))
}

#[test]
fn bad_gzip_crc_and_length() {
    let raw = small_dump();
    let full = parse_whole(&raw);
    let gz = gzip(&raw, None);
    let n = gz.len() as u64;
    let mut bad = gz.clone();
    bad[n as usize - 8] ^= 1;
    let run = parse_all_ways(&bad, "bad CRC");
    assert_error(
        &run,
        &gzip_error(n - 8, "CRC-32 mismatch at the end of a gzip member"),
        "bad CRC",
    );
    assert_eq!(
        run.events, full.events,
        "the data was all delivered before the trailer"
    );
    let mut bad = gz.clone();
    bad[n as usize - 2] ^= 1;
    let run = parse_all_ways(&bad, "bad ISIZE");
    assert_error(
        &run,
        &gzip_error(n - 4, "length mismatch at the end of a gzip member"),
        "bad ISIZE",
    );

    // The CRC of the second member of a multi-member file.
    assert!(raw.len() > 1000);
    let gz = gzip(&raw, Some(500));
    let first = gzip(&raw[..500], Some(500)).len();
    let second_end = first + gzip(&raw[500..1000], None).len();
    let mut bad = gz.clone();
    bad[second_end - 5] ^= 0x80;
    let run = parse_all_ways(&bad, "bad CRC in member 2");
    assert_error(
        &run,
        &gzip_error(
            second_end as u64 - 8,
            "CRC-32 mismatch at the end of a gzip member",
        ),
        "member 2",
    );
}

#[test]
fn bad_gzip_headers_and_data() {
    let raw = small_dump();
    let gz = gzip(&raw, Some(1000));
    let second = gzip(&raw[..1000], Some(1000)).len();
    assert!(raw.len() > 1000);
    let cases: Vec<(&str, usize, u8, ParseError)> = vec![
        (
            "compression method",
            2,
            7,
            gzip_error(0, "unsupported gzip compression method (not deflate)"),
        ),
        (
            "reserved flags",
            3,
            0x30,
            gzip_error(0, "reserved gzip header flags set"),
        ),
        (
            "method of member 2",
            second + 2,
            0,
            gzip_error(
                second as u64,
                "unsupported gzip compression method (not deflate)",
            ),
        ),
    ];
    for (what, at, value, expected) in cases {
        let mut bad = gz.clone();
        bad[at] = value;
        let run = parse_all_ways(&bad, what);
        assert_error(&run, &expected, what);
    }
    // A reserved deflate block type (BTYPE = 11) at the start of member 2's data: the error names
    // the damaged member, and everything inflated before it was delivered.
    assert_eq!(gz[3], 0x10, "first member has a comment");
    let mut bad = gz.clone();
    bad[second + 10] = 0x07;
    let run = parse_all_ways(&bad, "bad deflate block");
    let e = run.error();
    assert_eq!((e.offset, e.item), (second as u64, Item::Gzip), "{e:?}");
    assert!(matches!(&e.kind, ErrorKind::Gzip(_)), "{e:?}");
    assert!(e.to_string().contains(&format!("byte {second}")), "{e}");
    let prefix = parse_whole(&raw[..1000]);
    assert_eq!(run.events, prefix.events, "member 1 delivered");
}

#[test]
fn gzip_trailing_garbage_is_a_warning() {
    let raw = small_dump();
    let full = parse_whole(&raw);
    for tail in [&b"garbage after the dump"[..], &[0u8; 512][..], b"\x1f"] {
        let mut gz = gzip(&raw, Some(700));
        let at = gz.len() as u64;
        gz.extend_from_slice(tail);
        let run = parse_all_ways(&gz, "trailing garbage");
        // A lone 0x1f is the start of a cut-off member; anything else is garbage.
        let expected: Vec<Warning> = if tail.len() >= 2 {
            vec![Warning::TrailingGarbage { offset: at }]
        } else {
            vec![Warning::Truncated {
                offset: at,
                item: Item::Gzip,
            }]
        };
        assert_eq!(run.summary().warnings, expected, "tail {tail:?}");
        assert_eq!(run.events, full.events);
    }
}

// ---- fuzz regressions -----------------------------------------------------------------------------

/// Every input in tests/fixtures/fuzz-regressions/ (inputs `cargo fuzz` once crashed on, see
/// fuzz/README.md): no panic, and the same events and result however it is chunked. The fuzz
/// target reads the first 4 bytes as chunk sizes; the dump is the rest — replayed here both with
/// that chunking and as-is.
#[test]
fn fuzz_regressions_replay() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "bin"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let result = std::panic::catch_unwind(|| {
            let (sizes, input) = fuzz_split(&data);
            let whole = parse_whole(input);
            assert_same_run(
                &whole,
                &parse_chunked(input, &sizes),
                &format!("{name} (fuzz chunking)"),
            );
            parse_all_ways(input, &name);
            parse_all_ways(&data, &format!("{name} (as-is)"));
        });
        assert!(result.is_ok(), "{name} panicked");
    }
}
