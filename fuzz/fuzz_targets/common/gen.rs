//! Turns fuzzer bytes into an HPROF dump that gets past the parser: a byte-driven interpreter
//! over `heaplens_hprof_writer` (classes, instances, arrays, roots, threads, frames, with ids
//! from a small pool so references resolve, and the JDK class and field names the analyses look
//! for), plus raw sub-records with fuzzer-chosen bytes. The build and analysis targets then see
//! dumps whose structure is wrong in the ways that matter (duplicate classes, layouts that do
//! not match instances, cycles, dangling ids), not dumps the parser rejects at byte 20.
//!
//! Also used by `tests/fuzz_regressions_build.rs` (included by path) to replay findings.
#![allow(dead_code)]

use heaplens_hprof_writer::{self as w, BasicType, ClassDump, HprofWriter, RootKind, Value};

/// Reads the fuzzer's bytes; zeros once they run out.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn take(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.u8()).collect()
    }
}

/// Names the analyses look up (classes, then fields), as UTF8 symbols 1..=NAMES.len().
const NAMES: &[&str] = &[
    "java/lang/Object",
    "java/lang/String",
    "java/lang/Thread",
    "java/lang/ThreadGroup",
    "java/lang/ClassLoader",
    "java/lang/ThreadLocal$ThreadLocalMap",
    "java/lang/ThreadLocal$ThreadLocalMap$Entry",
    "java/lang/ref/Reference",
    "java/lang/ref/Finalizer",
    "java/util/HashMap",
    "java/util/HashMap$Node",
    "java/util/ArrayList",
    "java/util/concurrent/ConcurrentHashMap",
    "java/util/concurrent/LinkedBlockingQueue",
    "java/net/URLClassLoader",
    "[B",
    "[C",
    "[Ljava/lang/Object;",
    "[Ljava/util/HashMap$Node;",
    "app/Holder",
    "value",
    "coder",
    "hash",
    "name",
    "next",
    "key",
    "table",
    "size",
    "count",
    "elementData",
    "threadLocals",
    "referent",
    "parent",
    "head",
    "last",
    "classes",
    "unfinalized",
    "contextClassLoader",
    "holder",
    "group",
];

const POOL: u64 = 48;

/// An id from a pool of aligned addresses (0 = null now and then).
fn id(b: &mut Bytes, base: u64) -> u64 {
    let k = b.u8() as u64 % (POOL + 2);
    if k >= POOL {
        0
    } else {
        base + k * 16
    }
}

fn name(b: &mut Bytes) -> u64 {
    1 + b.u8() as u64 % NAMES.len() as u64
}

const TYPES: [BasicType; 9] = [
    BasicType::Object,
    BasicType::Boolean,
    BasicType::Char,
    BasicType::Float,
    BasicType::Double,
    BasicType::Byte,
    BasicType::Short,
    BasicType::Int,
    BasicType::Long,
];

fn value(b: &mut Bytes, ty: BasicType, objects: u64) -> Value {
    match ty {
        BasicType::Object => Value::Object(id(b, objects)),
        BasicType::Boolean => Value::Boolean(b.u8() & 1 == 1),
        BasicType::Char => Value::Char(b.u16()),
        BasicType::Float => Value::Float(f32::from_bits(b.u32())),
        BasicType::Double => Value::Double(f64::from_bits(b.u32() as u64)),
        BasicType::Byte => Value::Byte(b.u8() as i8),
        BasicType::Short => Value::Short(b.u16() as i16),
        BasicType::Int => Value::Int(b.u32() as i32),
        BasicType::Long => Value::Long(b.u32() as i64),
    }
}

/// The dump the bytes describe (raw HPROF; the first byte's top bit asks for gzip).
pub fn dump(data: &[u8]) -> Vec<u8> {
    let mut b = Bytes::new(data);
    let flags = b.u8();
    let id_size = if flags & 1 == 1 { 4 } else { 8 };
    // Classes and objects share one pool when bit 1 is set (ids of both kinds collide).
    let classes = 0x1000;
    let objects = if flags & 2 == 2 { classes } else { 0x10_0000 };
    let mut wr = HprofWriter::new("1.0.2", id_size, 0);
    for (i, n) in NAMES.iter().enumerate() {
        wr.utf8(i as u64 + 1, n);
    }
    let mut serial = 0u32;
    while !b.done() {
        match b.u8() % 12 {
            0 => {
                serial += 1;
                let class = id(&mut b, classes);
                let n = name(&mut b);
                wr.load_class(serial, class, 0, n);
            }
            1 | 2 => {
                let class_id = id(&mut b, classes);
                let super_id = id(&mut b, classes);
                let loader_id = id(&mut b, objects);
                let n_fields = b.u8() % 8;
                let n_statics = b.u8() % 4;
                let fields = (0..n_fields)
                    .map(|_| (name(&mut b), TYPES[b.u8() as usize % 9]))
                    .collect();
                let statics = (0..n_statics)
                    .map(|_| {
                        let n = name(&mut b);
                        let ty = TYPES[b.u8() as usize % 9];
                        (n, value(&mut b, ty, objects))
                    })
                    .collect();
                wr.class_dump(&ClassDump {
                    class_id,
                    super_id,
                    loader_id,
                    instance_size: b.u8() as u32,
                    fields,
                    statics,
                    ..Default::default()
                });
            }
            3 | 4 => {
                let obj = id(&mut b, objects);
                let class = id(&mut b, classes);
                // Field bytes: ids from the pool, or raw bytes.
                let n = b.u8() % 6;
                let mut bytes = Vec::new();
                for _ in 0..n {
                    if b.u8() & 1 == 0 {
                        let v = id(&mut b, objects);
                        bytes.extend_from_slice(&v.to_be_bytes()[8 - id_size as usize..]);
                    } else {
                        bytes.extend(b.take(4));
                    }
                }
                wr.instance(obj, 0, class, &bytes);
            }
            5 => {
                let obj = id(&mut b, objects);
                let class = id(&mut b, classes);
                let n = b.u8() % 8;
                let elements: Vec<u64> = (0..n).map(|_| id(&mut b, objects)).collect();
                wr.obj_array(obj, 0, class, &elements);
            }
            6 => {
                let obj = id(&mut b, objects);
                let ty = TYPES[1 + b.u8() as usize % 8];
                let n = b.u8() as usize % 24;
                let data = b.take(n * ty.size(id_size));
                wr.prim_array(obj, 0, ty, &data);
            }
            7 => {
                let target = id(&mut b, objects);
                let thread_serial = b.u8() as u32 % 4;
                let kind = match b.u8() % 8 {
                    0 => RootKind::Unknown,
                    1 => RootKind::StickyClass,
                    2 => RootKind::JniGlobal { jni_ref_id: 0 },
                    3 => RootKind::JavaFrame {
                        thread_serial,
                        frame: b.u8() as u32 % 4,
                    },
                    4 => RootKind::JniLocal {
                        thread_serial,
                        frame: b.u8() as u32 % 4,
                    },
                    5 => RootKind::ThreadObject {
                        thread_serial,
                        stack_serial: b.u8() as u32 % 4,
                    },
                    6 => RootKind::MonitorUsed,
                    _ => RootKind::Unreachable,
                };
                wr.root(target, kind);
            }
            8 => {
                let frame = 0x50 + b.u8() as u64 % 4;
                let (m, s, f) = (name(&mut b), name(&mut b), name(&mut b));
                let class_serial = b.u8() as u32 % 4;
                let line = b.u8() as i8 as i32;
                wr.stack_frame(frame, m, s, f, class_serial, line);
            }
            9 => {
                let serial = b.u8() as u32 % 4;
                let thread = b.u8() as u32 % 4;
                let n = b.u8() as usize % 6;
                let frames: Vec<u64> = (0..n).map(|_| 0x50 + b.u8() as u64 % 5).collect();
                wr.stack_trace(serial, thread, &frames);
            }
            10 if b.u8() != 0 => {
                // A sticky-class root: classes as GC roots (and, with shared pools, objects).
                let class = id(&mut b, classes);
                wr.root(class, RootKind::StickyClass);
            }
            10 => {
                // Rarely (a parse error ends the build): a raw sub-record, fuzzer bytes as its
                // body, whose length may disagree with its tag's layout.
                let tags = [0x20, 0x21, 0x22, 0x23, 0xFF, 0x08, 0xFE];
                let t = tags[b.u8() as usize % tags.len()];
                let n = b.u8() as usize % 40;
                let body = b.take(n);
                wr.raw_sub_record(t, &body);
            }
            _ => {
                if b.u8() & 1 == 0 {
                    wr.end_heap_dump();
                } else {
                    let n = b.u8() as usize % 16;
                    let text = b.take(n);
                    wr.utf8(1 + b.u8() as u64 % 64, text);
                }
            }
        }
    }
    wr.end_heap_dump();
    let bytes = wr.finish();
    if flags & 0x80 != 0 {
        w::gzip(&bytes, Some(97))
    } else {
        bytes
    }
}
