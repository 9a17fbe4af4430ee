//! Self-test of the synthetic HPROF writer (`heaplens_hprof_writer`): the produced bytes have
//! the layout of the HPROF format, checked with a tiny hand-written decoder below (on purpose
//! independent of the real parser, so the writer can serve as the parser's oracle).

use std::io::Read;

use heaplens_hprof_writer::*;

// ---- a minimal independent decoder ---------------------------------------------------------

fn u2(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}
fn u4(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}
fn u8be(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap())
}
fn id(b: &[u8], at: usize, n: usize) -> u64 {
    if n == 4 {
        u4(b, at) as u64
    } else {
        u8be(b, at)
    }
}

/// (version, id size, timestamp, header length)
fn header(b: &[u8]) -> (String, usize, u64, usize) {
    let nul = b.iter().position(|&c| c == 0).unwrap();
    let n = u4(b, nul + 1) as usize;
    (
        String::from_utf8(b[..nul].to_vec()).unwrap(),
        n,
        u8be(b, nul + 5),
        nul + 13,
    )
}

#[derive(Debug, Clone, Copy)]
struct Rec {
    offset: usize,
    tag: u8,
    time: u32,
    body: usize,
    len: usize,
}

fn records(b: &[u8]) -> Vec<Rec> {
    let mut at = header(b).3;
    let mut out = Vec::new();
    while at < b.len() {
        let mut len = u4(b, at + 5) as usize;
        if len == 0 && matches!(b[at], 0x0C | 0x1C) {
            len = b.len() - at - 9; // a zero-length heap record runs to EOF
        }
        out.push(Rec {
            offset: at,
            tag: b[at],
            time: u4(b, at + 1),
            body: at + 9,
            len,
        });
        at += 9 + len;
    }
    assert_eq!(at, b.len(), "records must tile the file exactly");
    out
}

fn type_size(t: u8, n: usize) -> usize {
    match t {
        2 => n,
        4 | 8 => 1,
        5 | 9 => 2,
        6 | 10 => 4,
        7 | 11 => 8,
        _ => panic!("bad basic type {t}"),
    }
}

/// Length of the sub-record at `at` (tag included).
fn sub_len(b: &[u8], at: usize, n: usize) -> usize {
    let body = at + 1;
    1 + match b[at] {
        0xFF | 0x05 | 0x07 | 0x89..=0x8D | 0x90 => n,
        0x01 => 2 * n,
        0x02 | 0x03 | 0x08 | 0x8E => n + 8,
        0x04 | 0x06 => n + 4,
        0xFE => 4 + n,
        0xC3 => n + 9,
        0x21 => 2 * n + 8 + u4(b, body + 2 * n + 4) as usize,
        0x22 => 2 * n + 8 + n * u4(b, body + n + 4) as usize,
        0x23 => n + 9 + u4(b, body + n + 4) as usize * type_size(b[body + n + 8], n),
        0x20 => {
            let mut p = body + 7 * n + 10;
            for _ in 0..u2(b, p - 2) {
                p += 3 + type_size(b[p + 2], n);
            }
            p += 2;
            for _ in 0..u2(b, p - 2) {
                p += n + 1 + type_size(b[p + n], n);
            }
            p += 2;
            p += u2(b, p - 2) as usize * (n + 1);
            p - body
        }
        t => panic!("unknown sub-record tag {t:#x} at {at}"),
    }
}

/// (offset, tag) of every sub-record of every heap record; checks they tile each record.
fn sub_records(b: &[u8]) -> Vec<(usize, u8)> {
    let n = header(b).1;
    let mut out = Vec::new();
    for r in records(b)
        .into_iter()
        .filter(|r| matches!(r.tag, 0x0C | 0x1C))
    {
        let mut at = r.body;
        while at < r.body + r.len {
            out.push((at, b[at]));
            at += sub_len(b, at, n);
        }
        assert_eq!(at, r.body + r.len, "sub-records must tile the heap record");
    }
    out
}

fn count(subs: &[(usize, u8)], tag: u8) -> usize {
    subs.iter().filter(|s| s.1 == tag).count()
}

// ---- HprofWriter ------------------------------------------------------------------------------

#[test]
fn header_layout() {
    for (v, full) in [
        ("JAVA PROFILE 1.0.1", "JAVA PROFILE 1.0.1"),
        ("1.0.2", "JAVA PROFILE 1.0.2"),
        ("JAVA PROFILE 1.0.3", "JAVA PROFILE 1.0.3"),
    ] {
        for n in [4u32, 8] {
            let w = HprofWriter::new(v, n, 0x0102_0304_0506_0708);
            assert_eq!(w.header_len(), full.len() + 1 + 4 + 8);
            let b = w.finish();
            assert_eq!(&b[..full.len()], full.as_bytes());
            assert_eq!(b[full.len()], 0);
            assert_eq!(
                &b[full.len() + 1..],
                &[0, 0, 0, n as u8, 1, 2, 3, 4, 5, 6, 7, 8]
            );
        }
    }
}

#[test]
fn top_level_records_hand_decoded() {
    for n in [4usize, 8] {
        let mut w = HprofWriter::new("JAVA PROFILE 1.0.2", n as u32, 7);
        w.utf8(0x11, "java/lang/Object");
        w.set_time_offset_us(99);
        w.load_class(1, 0x1000, 1, 0x11);
        w.stack_frame(5, 0x12, 0x13, 0, 1, -3);
        w.stack_trace(2, 1, &[5, 6]);
        w.start_thread(1, 0x2000, 2, 0x14, 0x15, 0);
        w.heap_summary(10, 20, 30, 40);
        w.raw_record(tag::CPU_SAMPLES, &[0, 0, 0, 0, 0, 0, 0, 0]);
        w.unload_class(1);
        w.end_thread(1);
        w.heap_dump_end();
        let offsets: Vec<u64> = w.record_offsets().to_vec();
        let b = w.finish();
        let recs = records(&b);
        let tags: Vec<u8> = recs.iter().map(|r| r.tag).collect();
        assert_eq!(
            tags,
            [0x01, 0x02, 0x04, 0x05, 0x0A, 0x07, 0x0D, 0x03, 0x0B, 0x2C]
        );
        assert_eq!(
            offsets,
            recs.iter().map(|r| r.offset as u64).collect::<Vec<_>>()
        );
        assert_eq!(recs[0].time, 0);
        assert!(recs[1..].iter().all(|r| r.time == 99));

        let r = recs[0];
        assert_eq!(r.len, n + 16);
        assert_eq!(id(&b, r.body, n), 0x11);
        assert_eq!(&b[r.body + n..r.body + r.len], b"java/lang/Object");

        let r = recs[1];
        assert_eq!(r.len, 8 + 2 * n);
        assert_eq!(u4(&b, r.body), 1);
        assert_eq!(id(&b, r.body + 4, n), 0x1000);
        assert_eq!(u4(&b, r.body + 4 + n), 1);
        assert_eq!(id(&b, r.body + 8 + n, n), 0x11);

        let r = recs[2];
        assert_eq!(r.len, 4 * n + 8);
        assert_eq!(id(&b, r.body, n), 5);
        assert_eq!(id(&b, r.body + 3 * n, n), 0);
        assert_eq!(u4(&b, r.body + 4 * n), 1);
        assert_eq!(u4(&b, r.body + 4 * n + 4) as i32, -3);

        let r = recs[3];
        assert_eq!(
            (u4(&b, r.body), u4(&b, r.body + 4), u4(&b, r.body + 8)),
            (2, 1, 2)
        );
        assert_eq!((id(&b, r.body + 12, n), id(&b, r.body + 12 + n, n)), (5, 6));

        let r = recs[4];
        assert_eq!(r.len, 8 + 4 * n);
        assert_eq!(id(&b, r.body + 4, n), 0x2000);
        assert_eq!(u4(&b, r.body + 4 + n), 2);

        let r = recs[5];
        assert_eq!(r.len, 24);
        assert_eq!((u4(&b, r.body), u4(&b, r.body + 4)), (10, 20));
        assert_eq!((u8be(&b, r.body + 8), u8be(&b, r.body + 16)), (30, 40));

        assert_eq!(recs[6].len, 8);
        assert_eq!(recs[9].len, 0);
    }
}

/// Writes one of every sub-record kind.
fn all_sub_records(w: &mut HprofWriter) {
    w.class_dump(&ClassDump {
        class_id: 0x100,
        stack_serial: 1,
        super_id: 0x90,
        loader_id: 0x80,
        instance_size: 13,
        constants: vec![(3, Value::Short(-2))],
        statics: vec![
            (0x21, Value::Object(0x300)),
            (0x22, Value::Double(1.5)),
            (0x23, Value::Boolean(true)),
        ],
        fields: vec![
            (0x24, BasicType::Object),
            (0x25, BasicType::Int),
            (0x26, BasicType::Char),
        ],
        ..ClassDump::default()
    });
    w.instance(0x200, 1, 0x100, &[9; 13]);
    w.obj_array(0x300, 1, 0x101, &[0x200, 0, 0xdead]);
    w.prim_array(
        0x400,
        1,
        BasicType::Int,
        &encode_values(&[Value::Int(1), Value::Int(-1)], 8),
    );
    w.prim_array(0x401, 1, BasicType::Long, &[]);
    w.root_unknown(1);
    w.root_jni_global(2, 0x77);
    w.root_jni_local(3, 1, 0);
    w.root_java_frame(4, 1, 2);
    w.root_native_stack(5, 1);
    w.root_sticky_class(0x100);
    w.root_thread_block(6, 1);
    w.root_monitor_used(7);
    w.root_thread_object(8, 1, 2);
    w.heap_dump_info(0x41, 0x22);
    w.root_interned_string(9);
    w.root_finalizing(10);
    w.root_debugger(11);
    w.root_reference_cleanup(12);
    w.root_vm_internal(13);
    w.root_jni_monitor(14, 1, 3);
    w.root_unreachable(15);
    w.prim_array_nodata(0x500, 1, 1000, BasicType::Char);
    let unknown_root = vec![0xAB; w.id_size() as usize];
    w.raw_sub_record(tag::ROOT_UNKNOWN, &unknown_root);
}

const ALL_TAGS: [u8; 24] = [
    0x20, 0x21, 0x22, 0x23, 0x23, 0xFF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xFE, 0x89,
    0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x90, 0xC3, 0xFF,
];

#[test]
fn heap_sub_records_hand_decoded() {
    let n = 8;
    let mut w = HprofWriter::new("JAVA PROFILE 1.0.3", n as u32, 0);
    w.begin_heap_dump(true);
    all_sub_records(&mut w);
    w.end_heap_dump();
    w.heap_dump_end();
    let subs_w: Vec<u64> = w.sub_record_offsets().to_vec();
    let b = w.finish();
    let subs = sub_records(&b);
    assert_eq!(subs.iter().map(|s| s.1).collect::<Vec<_>>(), ALL_TAGS);
    assert_eq!(subs_w, subs.iter().map(|s| s.0 as u64).collect::<Vec<_>>());
    let recs = records(&b);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0].tag, 0x1C);

    // CLASS DUMP, field by field.
    let c = subs[0].0 + 1;
    assert_eq!(id(&b, c, n), 0x100);
    assert_eq!(u4(&b, c + n), 1);
    assert_eq!(
        (id(&b, c + n + 4, n), id(&b, c + 2 * n + 4, n)),
        (0x90, 0x80)
    );
    assert_eq!(u4(&b, c + 7 * n + 4), 13);
    let p = c + 7 * n + 8;
    assert_eq!(u2(&b, p), 1); // constants
    assert_eq!(
        (u2(&b, p + 2), b[p + 4], u2(&b, p + 5)),
        (3, 9, (-2i16) as u16)
    );
    let p = p + 7;
    assert_eq!(u2(&b, p), 3); // statics
    assert_eq!(
        (id(&b, p + 2, n), b[p + 2 + n], id(&b, p + 3 + n, n)),
        (0x21, 2, 0x300)
    );
    let p = p + 3 + 2 * n;
    assert_eq!(
        (id(&b, p, n), b[p + n], u8be(&b, p + n + 1)),
        (0x22, 7, 1.5f64.to_bits())
    );
    let p = p + n + 9;
    assert_eq!((b[p + n], b[p + n + 1]), (4, 1));
    let p = p + n + 2;
    assert_eq!(u2(&b, p), 3); // instance fields
    assert_eq!((id(&b, p + 2, n), b[p + 2 + n]), (0x24, 2));
    assert_eq!(b[p + 2 + 3 * (n + 1) - 1], 5);

    // OBJECT ARRAY: id, stack, count, class, elements.
    let a = subs[2].0 + 1;
    assert_eq!(
        (id(&b, a, n), u4(&b, a + n + 4), id(&b, a + n + 8, n)),
        (0x300, 3, 0x101)
    );
    assert_eq!(id(&b, a + 2 * n + 8 + 2 * n, n), 0xdead);
    // PRIMITIVE ARRAY: id, stack, count, type, data.
    let a = subs[3].0 + 1;
    assert_eq!((u4(&b, a + n + 4), b[a + n + 8]), (2, 10));
    assert_eq!(u4(&b, a + n + 13), u32::MAX);
    // NODATA: count without data.
    let a = subs[22].0 + 1;
    assert_eq!((u4(&b, a + n + 4), b[a + n + 8]), (1000, 5));
}

#[test]
fn automatic_segment_splitting() {
    let mut unsplit = HprofWriter::new("1.0.2", 4, 0);
    all_sub_records(&mut unsplit);
    let whole = records(&unsplit.finish())[0];
    for max in [1usize, 20, 64, 100, 10_000] {
        for segment in [true, false] {
            let mut w = HprofWriter::new("1.0.2", 4, 0).with_max_segment_bytes(Some(max));
            w.utf8(1, "x");
            w.begin_heap_dump(segment);
            all_sub_records(&mut w);
            w.end_heap_dump();
            let offsets = w.record_offsets().to_vec();
            let subs_w = w.sub_record_offsets().to_vec();
            let b = w.finish();
            let recs = records(&b);
            assert_eq!(
                offsets,
                recs.iter().map(|r| r.offset as u64).collect::<Vec<_>>()
            );
            let subs = sub_records(&b);
            assert_eq!(subs.iter().map(|s| s.1).collect::<Vec<_>>(), ALL_TAGS);
            assert_eq!(subs_w, subs.iter().map(|s| s.0 as u64).collect::<Vec<_>>());
            let heap: Vec<Rec> = recs[1..].to_vec();
            let want = if segment { 0x1C } else { 0x0C };
            assert!(heap.iter().all(|r| r.tag == want));
            for r in &heap {
                let inside = subs
                    .iter()
                    .filter(|s| s.0 >= r.body && s.0 < r.body + r.len)
                    .count();
                assert!(
                    r.len <= max || inside == 1,
                    "max {max}: record of {} bytes with {inside} subs",
                    r.len
                );
            }
            if max == 1 {
                assert_eq!(heap.len(), ALL_TAGS.len(), "one sub-record per segment");
            }
            // Same sub-record bytes, just cut differently.
            let joined: Vec<u8> = heap
                .iter()
                .flat_map(|r| b[r.body..r.body + r.len].to_vec())
                .collect();
            assert_eq!(joined.len(), whole.len);
        }
    }
}

#[test]
fn zero_length_heap_record_runs_to_eof() {
    let mut w = HprofWriter::new("1.0.2", 8, 0);
    w.utf8(1, "a");
    w.begin_heap_dump(true);
    w.root_unknown(0x10);
    w.instance(0x10, 1, 0x20, &[1, 2, 3]);
    w.end_heap_dump_with_zero_length();
    let b = w.finish();
    let recs = records(&b);
    assert_eq!(u4(&b, recs[1].offset + 5), 0);
    assert_eq!(recs[1].len, 1 + 8 + 1 + 8 + 4 + 8 + 4 + 3);
    assert_eq!(sub_records(&b).len(), 2);
}

#[test]
fn truncation_points_are_record_boundaries() {
    let b = HeapBuilder::new(8);
    let mut b = b;
    let s = b.string("hello");
    b.root(s, RootKind::StickyClass);
    let out = b.write_full(&WriteOptions {
        max_segment_bytes: Some(40),
        ..WriteOptions::default()
    });
    for &off in &out.record_offsets {
        // Every prefix ending at a record boundary is a well-formed (shorter) file.
        let prefix = &out.bytes[..off as usize];
        records(prefix);
    }
    assert!(out
        .sub_record_offsets
        .iter()
        .all(|&o| out.record_offsets.iter().any(|&r| r < o)));
}

// ---- gzip ------------------------------------------------------------------------------------

/// Splits multi-member gzip into (header comment, decompressed member) by hand.
fn gzip_members(gz: &[u8]) -> Vec<(Option<String>, Vec<u8>)> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < gz.len() {
        assert_eq!(&gz[at..at + 3], &[0x1f, 0x8b, 8]);
        let flags = gz[at + 3];
        assert_eq!(flags & !0x10, 0);
        at += 10;
        let comment = if flags & 0x10 != 0 {
            let end = at + gz[at..].iter().position(|&c| c == 0).unwrap();
            let c = String::from_utf8(gz[at..end].to_vec()).unwrap();
            at = end + 1;
            Some(c)
        } else {
            None
        };
        let mut inflate = flate2::Decompress::new(false);
        let mut data = Vec::with_capacity(1 << 20);
        let status = inflate
            .decompress_vec(&gz[at..], &mut data, flate2::FlushDecompress::Finish)
            .unwrap();
        assert_eq!(status, flate2::Status::StreamEnd);
        at += inflate.total_in() as usize;
        let crc = u32::from_le_bytes(gz[at..at + 4].try_into().unwrap());
        let isize = u32::from_le_bytes(gz[at + 4..at + 8].try_into().unwrap());
        let mut c = flate2::Crc::new();
        c.update(&data);
        assert_eq!((crc, isize as usize), (c.sum(), data.len()));
        at += 8;
        out.push((comment, data));
    }
    out
}

#[test]
fn gzip_single_and_chunked() {
    let mut b = HeapBuilder::new(8);
    for i in 0..300 {
        b.string(&format!("string number {i}"));
    }
    let dump = b.write(&WriteOptions::default());
    assert!(dump.len() > 3000);

    let one = gzip(&dump, None);
    let members = gzip_members(&one);
    assert_eq!(members.len(), 1);
    assert_eq!(members[0], (None, dump.clone()));

    let chunked = gzip(&dump, Some(1000));
    let members = gzip_members(&chunked);
    assert_eq!(members.len(), dump.len().div_ceil(1000));
    assert_eq!(members[0].0.as_deref(), Some("HPROF BLOCKSIZE=1000"));
    assert!(members[1..]
        .iter()
        .all(|m| m.0.is_none() && m.1.len() <= 1000));
    assert_eq!(
        members.iter().flat_map(|m| m.1.clone()).collect::<Vec<_>>(),
        dump
    );

    // A standard multi-member reader agrees.
    let mut back = Vec::new();
    flate2::read::MultiGzDecoder::new(&chunked[..])
        .read_to_end(&mut back)
        .unwrap();
    assert_eq!(back, dump);
    assert_eq!(gzip_members(&gzip(&[], Some(64))).len(), 1);
}

// ---- HeapBuilder -----------------------------------------------------------------------------

#[test]
fn modified_utf8_encoding() {
    assert_eq!(modified_utf8("a\0b"), [b'a', 0xC0, 0x80, b'b']);
    assert_eq!(modified_utf8("é"), "é".as_bytes());
    assert_eq!(
        modified_utf8("\u{1F600}"),
        [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]
    );
}

struct Built {
    b: HeapBuilder,
    base: ClassRef,
    derived: ClassRef,
    obj: ObjRef,
    s: ObjRef,
}

fn sample(n: u32) -> Built {
    use BasicType::*;
    let mut b = HeapBuilder::new(n);
    let object = b.object_class();
    let base = b.class(
        "com/x/Base",
        Some(object),
        &[("a", Int), ("next", Object)],
        &[("COUNT", Value::Long(7))],
    );
    let derived = b.class(
        "com/x/Derived",
        Some(base),
        &[("flag", Boolean), ("c", Char)],
        &[],
    );
    let obj = b.instance(
        derived,
        &[
            ("a", Value::Int(0x0A0B0C0D)),
            ("flag", Value::Boolean(true)),
        ],
    );
    let other = b.instance(base, &[("next", obj.into())]);
    b.set_field(obj, "next", other); // a cycle
    b.set_static(base, "INSTANCE", obj.into());
    let s = b.string("hello");
    let arr_class = b.array_class("com/x/Base");
    let arr = b.obj_array(arr_class, &[Some(obj), None, Some(other)]);
    b.root(arr, RootKind::JniGlobal { jni_ref_id: 0x42 });
    b.root(base, RootKind::StickyClass);
    let dangling = b.reserve_id();
    b.obj_array_ids(arr_class, &[dangling]);
    b.thread(
        "main",
        &[
            Frame {
                class: derived,
                method: "run",
                signature: "()V",
                source_file: "Derived.java",
                line: 12,
                locals: &[obj.id(), s.id()],
            },
            Frame {
                class: base,
                method: "main",
                signature: "([Ljava/lang/String;)V",
                source_file: "",
                line: -1,
                locals: &[],
            },
        ],
    );
    Built {
        b,
        base,
        derived,
        obj,
        s,
    }
}

#[test]
fn builder_writes_what_it_summarizes() {
    for n in [4u32, 8] {
        let Built {
            b,
            base,
            derived,
            obj,
            s,
        } = sample(n);
        let nn = n as usize;
        assert_eq!(
            b.field(obj, "next").map(|v| v.basic_type()),
            Some(BasicType::Object)
        );
        let opts = WriteOptions::default();
        let out = b.write_full(&opts);
        let bytes = &out.bytes;
        let (version, id_size, _, _) = header(bytes);
        assert_eq!((version.as_str(), id_size), ("JAVA PROFILE 1.0.2", nn));
        let recs = records(bytes);
        let subs = sub_records(bytes);
        let sum = &out.summary;
        assert_eq!(count(&subs, 0x20), sum.classes);
        assert_eq!(count(&subs, 0x21), sum.instances);
        assert_eq!(count(&subs, 0x22), sum.object_arrays);
        assert_eq!(count(&subs, 0x23), sum.primitive_arrays);
        let root_tags = [0xFF, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
        assert_eq!(
            subs.iter().filter(|s| root_tags.contains(&s.1)).count(),
            sum.roots
        );
        // Object, Base, Derived, String, [B, [Lcom/x/Base;, Thread, Class (emit_basics).
        assert_eq!(sum.classes, 8);
        assert_eq!(
            (sum.instances, sum.object_arrays, sum.primitive_arrays),
            (5, 2, 2)
        );
        assert_eq!(sum.roots, 5); // jni global, sticky, thread object, 2 java frame locals
        assert_eq!(sum.per_class["java/lang/String"], 2);
        assert_eq!(sum.per_class["[B"], 2);
        assert_eq!(sum.per_class["com/x/Derived"], 1);
        assert_eq!(sum.per_class["java/lang/Class"], 0);
        assert_eq!(sum.objects(), 17);
        assert_eq!(
            out.record_offsets,
            recs.iter().map(|r| r.offset as u64).collect::<Vec<_>>()
        );
        assert_eq!(
            out.sub_record_offsets,
            subs.iter().map(|s| s.0 as u64).collect::<Vec<_>>()
        );

        // HotSpot's record order.
        let first = |t: u8| recs.iter().position(|r| r.tag == t).unwrap();
        let last = |t: u8| recs.iter().rposition(|r| r.tag == t).unwrap();
        assert!(last(0x01) < first(0x02) && last(0x02) < first(0x05) && last(0x05) < first(0x1C));
        assert_eq!(recs.last().unwrap().tag, 0x2C);
        assert_eq!(recs.iter().filter(|r| r.tag == 0x02).count(), 8);
        assert_eq!(recs.iter().filter(|r| r.tag == 0x04).count(), 2);
        assert_eq!(recs.iter().filter(|r| r.tag == 0x0A).count(), 1);
        // Thread trace: serial 2, thread 1, two frames.
        let t = recs.iter().filter(|r| r.tag == 0x05).nth(1).unwrap();
        assert_eq!(
            (
                u4(bytes, t.body),
                u4(bytes, t.body + 4),
                u4(bytes, t.body + 8)
            ),
            (2, 1, 2)
        );

        let name_of = |name_id: u64| -> String {
            let r = recs
                .iter()
                .find(|r| r.tag == 0x01 && id(bytes, r.body, nn) == name_id)
                .unwrap();
            String::from_utf8(bytes[r.body + nn..r.body + r.len].to_vec()).unwrap()
        };
        // LOAD CLASS names in slash form.
        let lc: Vec<(u64, String)> = recs
            .iter()
            .filter(|r| r.tag == 0x02)
            .map(|r| {
                (
                    id(bytes, r.body + 4, nn),
                    name_of(id(bytes, r.body + 8 + nn, nn)),
                )
            })
            .collect();
        assert!(lc.contains(&(derived.id(), "com/x/Derived".to_string())));
        assert!(lc.iter().any(|(_, n)| n == "[Lcom/x/Base;"));

        // Derived's CLASS DUMP: super = Base, instance size = all field bytes, own fields only.
        let cd = subs
            .iter()
            .find(|s| s.1 == 0x20 && id(bytes, s.0 + 1, nn) == derived.id())
            .unwrap()
            .0
            + 1;
        assert_eq!(id(bytes, cd + nn + 4, nn), base.id());
        assert_eq!(u4(bytes, cd + 7 * nn + 4) as usize, 1 + 2 + 4 + nn);
        let fields_at = cd + 7 * nn + 8 + 2 + 2;
        assert_eq!(u2(bytes, fields_at), 2);
        assert_eq!(name_of(id(bytes, fields_at + 2, nn)), "flag");

        // The instance: own fields (flag, c) first, then Base's (a, next).
        let inst = subs
            .iter()
            .find(|s| s.1 == 0x21 && id(bytes, s.0 + 1, nn) == obj.id())
            .unwrap()
            .0
            + 1;
        assert_eq!(id(bytes, inst + nn + 4, nn), derived.id());
        let len = u4(bytes, inst + 2 * nn + 4) as usize;
        assert_eq!(len, 1 + 2 + 4 + nn);
        let f = inst + 2 * nn + 8;
        assert_eq!(&bytes[f..f + 7], &[1, 0, 0, 0x0A, 0x0B, 0x0C, 0x0D]);
        let next = id(bytes, f + 7, nn);
        assert!(subs
            .iter()
            .any(|s| s.1 == 0x21 && id(bytes, s.0 + 1, nn) == next));

        // The string: value -> byte[] "hello", coder 0 (LATIN1), hash = "hello".hashCode().
        let si = subs
            .iter()
            .find(|x| x.1 == 0x21 && id(bytes, x.0 + 1, nn) == s.id())
            .unwrap()
            .0
            + 1;
        let f = si + 2 * nn + 8;
        let value = id(bytes, f, nn);
        assert_eq!(bytes[f + nn], 0);
        assert_eq!(u4(bytes, f + nn + 1) as i32, 99162322);
        let pa = subs
            .iter()
            .find(|s| s.1 == 0x23 && id(bytes, s.0 + 1, nn) == value)
            .unwrap()
            .0
            + 1;
        assert_eq!((u4(bytes, pa + nn + 4), bytes[pa + nn + 8]), (5, 8));
        assert_eq!(&bytes[pa + nn + 9..pa + nn + 14], b"hello");
    }
}

#[test]
fn write_options_change_shape_not_content() {
    let Built { b, derived, .. } = sample(8);
    let base_sum = b.summary(&WriteOptions::default());

    // Instances before their class dumps.
    let out = b.write_full(&WriteOptions {
        order: DumpOrder::InstancesFirst,
        ..WriteOptions::default()
    });
    let subs = sub_records(&out.bytes);
    let inst = subs
        .iter()
        .position(|s| s.1 == 0x21 && id(&out.bytes, s.0 + 1 + 12, 8) == derived.id())
        .unwrap();
    let cd = subs
        .iter()
        .position(|s| s.1 == 0x20 && id(&out.bytes, s.0 + 1, 8) == derived.id())
        .unwrap();
    assert!(inst < cd);
    assert_eq!(out.summary, base_sum);

    // 1.0.1: one HEAP DUMP record, no HEAP DUMP END; duplicate LOAD CLASS; no START THREAD.
    let opts = WriteOptions {
        version: "JAVA PROFILE 1.0.1".into(),
        segmented: false,
        duplicate_load_class: true,
        start_thread_records: false,
        ..WriteOptions::default()
    };
    let bytes = b.write(&opts);
    let recs = records(&bytes);
    assert_eq!(header(&bytes).0, "JAVA PROFILE 1.0.1");
    assert_eq!(recs.iter().filter(|r| r.tag == 0x0C).count(), 1);
    assert!(recs.iter().all(|r| !matches!(r.tag, 0x1C | 0x2C | 0x0A)));
    assert_eq!(recs.iter().filter(|r| r.tag == 0x02).count(), 16);
    assert_eq!(sub_records(&bytes).len(), out.sub_record_offsets.len());

    // Tiny segments.
    let bytes = b.write(&WriteOptions {
        max_segment_bytes: Some(1),
        ..WriteOptions::default()
    });
    let n_segments = records(&bytes).iter().filter(|r| r.tag == 0x1C).count();
    assert_eq!(n_segments, out.sub_record_offsets.len());

    // Without basics: no java/lang/Class.
    let sum = b.summary(&WriteOptions {
        emit_basics: false,
        ..WriteOptions::default()
    });
    assert_eq!(sum.classes, base_sum.classes - 1);
    assert!(!sum.per_class.contains_key("java/lang/Class"));
}

#[test]
fn id_schemes() {
    fn ids(scheme: IdScheme) -> Vec<u64> {
        let mut b = HeapBuilder::new(8).with_ids(scheme);
        let c = b.class("A", None, &[("x", BasicType::Long)], &[]);
        let mut ids = vec![c.id()];
        for i in 0..2000u64 {
            ids.push(b.instance(c, &[("x", Value::Long(i as i64))]).id());
        }
        let arr = b.array_class("A");
        ids.push(arr.id());
        ids.push(b.obj_array_ids(arr, &[1, 2, 3]).id());
        ids.push(b.instance(c, &[]).id());
        ids.push(b.prim_array(BasicType::Int, &[0; 40]).id());
        ids
    }
    let seq = ids(IdScheme::Sequential {
        start: 0x1000,
        step: 16,
    });
    assert!(seq.windows(2).all(|w| w[1] > w[0]));
    assert_eq!(seq[0], 0x1000);

    let shuffled = ids(IdScheme::Shuffled {
        start: 0x1000,
        step: 8,
        seed: 3,
    });
    let mut sorted = shuffled.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), shuffled.len(), "ids are unique");
    assert!(shuffled
        .iter()
        .all(|&i| i >= 0x1000 && (i - 0x1000) % 8 == 0));
    assert!(
        shuffled.windows(2).any(|w| w[1] < w[0]),
        "not in address order"
    );

    let packed = ids(IdScheme::Packed {
        start: 0x10000,
        align: 8,
    });
    assert!(packed
        .windows(2)
        .all(|w| w[1] > w[0] && (w[1] - w[0]) % 8 == 0));
    // An instance of A (header 16 + long 8) takes 24 bytes; the object array 16 + 4 + 3·8 → 48.
    assert_eq!(packed[2] - packed[1], 24);
    let n = packed.len();
    assert_eq!(packed[n - 2] - packed[n - 3], 48);
}
