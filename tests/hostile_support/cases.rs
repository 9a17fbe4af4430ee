//! The crafted dumps of issue 12 ("hostile dumps"), rebuilt as tiny generated files. Shared by
//! the native tests (`tests/hostile_input.rs`, `tests/hostile_build.rs`) and the wasm32 ones
//! (`web/tests/hostile.rs`, included by path): only `heaplens` and std.
//!
//! Each generator writes the smallest file that shows one problem; the comments say which
//! length or count is the lie.
#![allow(dead_code)]

use heaplens_hprof_writer::{self as w, BasicType, ClassDump, HprofWriter, Value};

fn header(id_size: u32) -> HprofWriter {
    HprofWriter::new("1.0.2", id_size, 0)
}

/// A record header: tag, time, length.
fn rec_header(out: &mut Vec<u8>, tag: u8, len: u32) {
    out.push(tag);
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&len.to_be_bytes());
}

fn id8(out: &mut Vec<u8>, id: u64) {
    out.extend_from_slice(&id.to_be_bytes());
}

/// A zero-length (runs to EOF) HEAP DUMP SEGMENT holding one OBJ ARRAY DUMP that claims
/// 2³²−1 elements of 8 bytes (32 GiB: more than a 32-bit `usize` can count), then a few bytes.
/// ~70 bytes. On wasm32 `header + length × 8` overflowed.
pub fn huge_object_array() -> Vec<u8> {
    let mut b = header(8).finish();
    rec_header(&mut b, 0x1C, 0);
    b.push(0x22);
    id8(&mut b, 0x1000);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&u32::MAX.to_be_bytes());
    id8(&mut b, 0x2000);
    b.extend_from_slice(&[0; 8]);
    b
}

/// An INSTANCE DUMP claiming 2³²−16 bytes of fields in a to-EOF segment: `header + n`
/// overflowed a 32-bit `usize`, and natively it was buffered as it arrived.
pub fn huge_instance() -> Vec<u8> {
    let mut b = header(8).finish();
    rec_header(&mut b, 0x1C, 0);
    b.push(0x21);
    id8(&mut b, 0x1000);
    b.extend_from_slice(&0u32.to_be_bytes());
    id8(&mut b, 0x2000);
    b.extend_from_slice(&(u32::MAX - 15).to_be_bytes());
    b.extend_from_slice(&[0; 16]);
    b
}

/// A primitive array of 2³²−1 longs (32 GiB) in a to-EOF segment, then the file ends.
pub fn huge_primitive_array() -> Vec<u8> {
    let mut b = header(8).finish();
    rec_header(&mut b, 0x1C, 0);
    b.push(0x23);
    id8(&mut b, 0x1000);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&u32::MAX.to_be_bytes());
    b.push(11); // long
    b.extend_from_slice(&[0; 16]);
    b
}

/// A STACK TRACE whose frame count × 8 overflows 32 bits (2²⁹+1 frames), in a record of 40
/// bytes: a typed "declared length is shorter" error on every target.
pub fn huge_stack_trace() -> Vec<u8> {
    let mut b = header(8).finish();
    rec_header(&mut b, 0x05, 40);
    b.extend_from_slice(&1u32.to_be_bytes());
    b.extend_from_slice(&1u32.to_be_bytes());
    b.extend_from_slice(&(1u32 << 29 | 1).to_be_bytes());
    b.extend_from_slice(&[0; 28]);
    b
}

/// One CLASS DUMP of about `kib` KiB (statics of type long, then fields), in a well-formed
/// dump with one instance. Fed in chunks, the record is cut many times.
pub fn big_class_record(kib: usize) -> Vec<u8> {
    let mut wr = header(8);
    let name = 0x10;
    wr.utf8(name, "Big");
    let f = 0x11;
    wr.utf8(f, "f");
    wr.load_class(1, 0x100, 0, name);
    let statics_n = (kib * 1024 / 2 / 17).min(65535);
    let fields_n = (kib * 1024 / 2 / 9).min(65535);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        statics: (0..statics_n).map(|i| (f, Value::Long(i as i64))).collect(),
        fields: (0..fields_n).map(|_| (f, BasicType::Boolean)).collect(),
        instance_size: fields_n as u32,
        ..Default::default()
    });
    wr.instance(0x1000, 0, 0x100, &vec![0; fields_n]);
    wr.root_unknown(0x1000);
    wr.end_heap_dump();
    wr.finish()
}

/// A UTF8 record of `mib` MiB of zeros (a 1 GB one gzips to ~1 MB). Returned gzip-compressed,
/// written member by member so the test never holds the raw bytes.
pub fn huge_utf8_gz(mib: usize) -> Vec<u8> {
    let mut head = header(8).finish();
    let len = (mib << 20) + 8;
    rec_header(&mut head, 0x01, len as u32);
    id8(&mut head, 0x10);
    let zeros = vec![0u8; 1 << 20];
    let mut out = w::gzip(&head, None);
    for _ in 0..mib {
        out.extend(w::gzip(&zeros, None));
    }
    // A small valid tail: one class and an instance, so an analysis can follow.
    let mut wr = header(8);
    wr.utf8(0x20, "Tail");
    wr.load_class(1, 0x100, 0, 0x20);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        ..Default::default()
    });
    wr.instance(0x1000, 0, 0x100, &[]);
    wr.root_unknown(0x1000);
    wr.end_heap_dump();
    let tail = wr.finish();
    out.extend(w::gzip(&tail[header(8).finish().len()..], None));
    out
}

/// A small valid dump, gzip-compressed with a header FNAME of `name_len` bytes (the header is
/// rescanned per byte in the old inflater: quadratic).
pub fn gzip_long_file_name(name_len: usize) -> Vec<u8> {
    let gz = w::gzip(&small_dump(), None);
    let mut out = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3];
    out.extend(std::iter::repeat_n(b'a', name_len));
    out.push(0);
    out.extend_from_slice(&gz[10..]);
    out
}

/// A small dump with one class, a String-free heap, a thread and a few objects.
pub fn small_dump() -> Vec<u8> {
    let mut h = w::HeapBuilder::new(8);
    let object = h.class("java.lang.Object", None, &[], &[]);
    let node = h.class("Node", Some(object), &[("next", BasicType::Object)], &[]);
    let a = h.instance(node, &[]);
    let b = h.instance(node, &[("next", a.into())]);
    h.root(b, w::RootKind::Unknown);
    h.write(&w::WriteOptions::default())
}

/// `gz` with `n` bytes at `at` replaced by pseudo-random ones (a fixed LCG seeded by `seed`).
pub fn damage(gz: &[u8], at: usize, n: usize, seed: u64) -> Vec<u8> {
    let mut out = gz.to_vec();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for b in &mut out[at..(at + n).min(gz.len())] {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *b = (x >> 56) as u8;
    }
    out
}

/// Ids on which the old unseeded id hash (`(i ^ i >> 29) · K`, folded `h ^ h >> 32`) gave
/// every key the same hash, `x << 32` with small `x`: `h = x << 32 | x` inverted through the
/// multiply and the xor-shift.
pub fn colliding_ids(n: usize) -> Vec<u64> {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    // K is odd: its inverse mod 2⁶⁴ by Newton's iteration.
    let mut inv = K;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(K.wrapping_mul(inv)));
    }
    (1..=n as u64)
        .map(|x| {
            let h = (x << 32) | x;
            let y = h.wrapping_mul(inv); // = i ^ (i >> 29)
            y ^ (y >> 29) ^ (y >> 58)
        })
        .collect()
}

/// `n` UTF8 records whose ids are [`colliding_ids`] (symbol ids are hashed in pass 1), then a
/// small heap.
pub fn colliding_symbol_ids(n: usize) -> Vec<u8> {
    let mut wr = header(8);
    for id in colliding_ids(n) {
        wr.utf8(id, "s");
    }
    wr.utf8(0x20, "C");
    wr.load_class(1, 0x100, 0, 0x20);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        ..Default::default()
    });
    wr.instance(0x1000, 0, 0x100, &[]);
    wr.root_unknown(0x1000);
    wr.end_heap_dump();
    wr.finish()
}

// ---- the build layer's cases (graph::build, analysis::threads) ---------------------------------

/// One 60,000-byte name used by all 65,535 fields and statics of a class, and by a class
/// with 65,535 reference fields: copying the name per field asks for gigabytes.
pub fn field_names_copied() -> Vec<u8> {
    let mut wr = header(8);
    let long_name = 0x10;
    wr.utf8(long_name, vec![b'n'; 60_000]);
    wr.utf8(0x20, "Wide");
    wr.load_class(1, 0x100, 0, 0x20);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        statics: (0..65535).map(|_| (long_name, Value::Int(0))).collect(),
        fields: (0..65535)
            .map(|_| (long_name, BasicType::Boolean))
            .collect(),
        instance_size: 65535,
        ..Default::default()
    });
    wr.instance(0x1000, 0, 0x100, &vec![0; 65535]);
    wr.root_unknown(0x1000);
    wr.end_heap_dump();
    w::gzip(&wr.finish(), None)
}

/// A chain of `n` classes, each the subclass of the previous with `fields` int fields: each
/// class copying its superclass's flattened layout is quadratic.
pub fn subclass_chain(n: usize, fields: usize) -> Vec<u8> {
    let mut wr = header(8);
    wr.utf8(0x10, "f");
    for i in 0..n as u64 {
        wr.utf8(0x1000 + i, format!("C{i}"));
        wr.load_class(i as u32 + 1, 0x10_0000 + i * 16, 0, 0x1000 + i);
    }
    for i in 0..n as u64 {
        wr.class_dump(&ClassDump {
            class_id: 0x10_0000 + i * 16,
            super_id: if i == 0 { 0 } else { 0x10_0000 + (i - 1) * 16 },
            fields: (0..fields).map(|_| (0x10, BasicType::Int)).collect(),
            instance_size: ((i as usize + 1) * fields * 4) as u32,
            ..Default::default()
        });
    }
    let last = 0x10_0000 + (n as u64 - 1) * 16;
    wr.instance(0x100_0000, 0, last, &vec![0; n * fields * 4]);
    wr.root_unknown(0x100_0000);
    wr.end_heap_dump();
    wr.finish()
}

/// One thread whose stack trace repeats one frame `n` times; the frame's method name is
/// 60,000 bytes: copying names per frame reference asks for gigabytes.
pub fn repeated_frames(n: usize) -> Vec<u8> {
    let mut wr = header(8);
    wr.utf8(0x10, vec![b'm'; 60_000]);
    wr.utf8(0x11, "()V");
    wr.utf8(0x12, "T.java");
    wr.utf8(0x13, "java.lang.Thread");
    wr.utf8(0x14, "main");
    wr.load_class(1, 0x100, 0, 0x13);
    wr.stack_frame(0x50, 0x10, 0x11, 0x12, 1, 10);
    wr.stack_trace(7, 1, &vec![0x50; n]);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        ..Default::default()
    });
    wr.instance(0x1000, 0, 0x100, &[]);
    wr.root(
        0x1000,
        w::RootKind::ThreadObject {
            thread_serial: 1,
            stack_serial: 7,
        },
    );
    wr.root(
        0x1000,
        w::RootKind::JavaFrame {
            thread_serial: 1,
            frame: 0,
        },
    );
    wr.end_heap_dump();
    wr.finish()
}

/// An object array claiming 2³²−1 elements in a to-EOF segment that ends right after its
/// header; and a class with 65,535 reference fields with one short instance: room for edges
/// reserved from claimed counts.
pub fn claimed_edge_room() -> Vec<u8> {
    let mut wr = header(8);
    wr.utf8(0x20, "[Ljava.lang.Object;");
    wr.load_class(1, 0x100, 0, 0x20);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        ..Default::default()
    });
    wr.end_heap_dump();
    let mut b = wr.finish();
    rec_header(&mut b, 0x1C, 0);
    b.push(0x22);
    id8(&mut b, 0x1000);
    b.extend_from_slice(&0u32.to_be_bytes());
    b.extend_from_slice(&u32::MAX.to_be_bytes());
    id8(&mut b, 0x100);
    b.extend_from_slice(&[0; 16]);
    b
}

/// `java.lang.String` dumped twice with different layouts: first `hash`, `value`; then only
/// `hash`; and a String instance laid out for the second (4 bytes of fields), so the `value`
/// offset kept from the first dump points past its end.
pub fn string_twice() -> Vec<u8> {
    let mut wr = header(8);
    wr.utf8(0x20, "java/lang/String");
    wr.utf8(0x21, "value");
    wr.utf8(0x22, "hash");
    wr.utf8(0x23, "[B");
    wr.load_class(1, 0x100, 0, 0x20);
    wr.load_class(2, 0x200, 0, 0x23);
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![(0x22, BasicType::Int), (0x21, BasicType::Object)],
        instance_size: 12,
        ..Default::default()
    });
    wr.class_dump(&ClassDump {
        class_id: 0x100,
        fields: vec![(0x22, BasicType::Int)],
        instance_size: 4,
        ..Default::default()
    });
    wr.class_dump(&ClassDump {
        class_id: 0x200,
        ..Default::default()
    });
    wr.instance(0x2000, 0, 0x100, &0u32.to_be_bytes());
    wr.prim_array(0x3000, 0, BasicType::Byte, b"hi");
    wr.root_unknown(0x2000);
    wr.end_heap_dump();
    wr.finish()
}
