//! `heaplens-hprof-writer`: a synthetic HPROF writer that builds dumps with known content for
//! heaplens' tests, fuzz seeds and benchmarks. A dev-only crate beside the core (as
//! `wasm-encoder` sits beside `wasmparser`): the core's tests, the CLI's and the web crate's
//! tests and the fuzz targets use it; nothing that ships does.
//!
//! Two layers:
//!
//! - [`HprofWriter`]: a low-level, byte-faithful writer of HotSpot/Android HPROF records
//!   (big-endian, 4- or 8-byte ids). It writes what it is told, including odd but legal shapes
//!   (tiny segments, zero-length heap records, duplicate records, dangling ids), and remembers
//!   where every record and heap sub-record starts so tests can truncate at each boundary.
//! - [`HeapBuilder`]: a Java-like heap (classes with field layouts, instances, arrays, strings,
//!   threads, roots) written through `HprofWriter` in HotSpot's order, with a [`DumpSummary`] of
//!   what was written so tests can compute the expected answers.
//!
//! [`gzip`] compresses a dump as `jmap -gz`/`HeapDumpGzipLevel` (JDK 15+) does: chunked
//! multi-member gzip whose first member carries the comment `HPROF BLOCKSIZE=<n>`.
//!
//! This crate depends only on std, byteorder and flate2 (never on the heaplens core), so it stays
//! a trustworthy independent oracle for the parser's tests. That is also why it owns its own
//! [`tag`] constants and [`BasicType`] rather than sharing the parser's: a wrong code in one
//! table shows up as a failing test instead of being written and read back consistently wrong.

#![forbid(unsafe_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use byteorder::{BigEndian, ByteOrder, LittleEndian, WriteBytesExt};
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

/// Record and sub-record tags, as in HotSpot's `heapDumper.cpp` and Android's `hprof.cc`.
pub mod tag {
    pub const UTF8: u8 = 0x01;
    pub const LOAD_CLASS: u8 = 0x02;
    pub const UNLOAD_CLASS: u8 = 0x03;
    pub const STACK_FRAME: u8 = 0x04;
    pub const STACK_TRACE: u8 = 0x05;
    pub const ALLOC_SITES: u8 = 0x06;
    pub const HEAP_SUMMARY: u8 = 0x07;
    pub const START_THREAD: u8 = 0x0A;
    pub const END_THREAD: u8 = 0x0B;
    pub const HEAP_DUMP: u8 = 0x0C;
    pub const CPU_SAMPLES: u8 = 0x0D;
    pub const CONTROL_SETTINGS: u8 = 0x0E;
    pub const HEAP_DUMP_SEGMENT: u8 = 0x1C;
    pub const HEAP_DUMP_END: u8 = 0x2C;

    pub const ROOT_UNKNOWN: u8 = 0xFF;
    pub const ROOT_JNI_GLOBAL: u8 = 0x01;
    pub const ROOT_JNI_LOCAL: u8 = 0x02;
    pub const ROOT_JAVA_FRAME: u8 = 0x03;
    pub const ROOT_NATIVE_STACK: u8 = 0x04;
    pub const ROOT_STICKY_CLASS: u8 = 0x05;
    pub const ROOT_THREAD_BLOCK: u8 = 0x06;
    pub const ROOT_MONITOR_USED: u8 = 0x07;
    pub const ROOT_THREAD_OBJECT: u8 = 0x08;
    pub const CLASS_DUMP: u8 = 0x20;
    pub const INSTANCE_DUMP: u8 = 0x21;
    pub const OBJ_ARRAY_DUMP: u8 = 0x22;
    pub const PRIM_ARRAY_DUMP: u8 = 0x23;
    // Android (ART) extensions.
    pub const HEAP_DUMP_INFO: u8 = 0xFE;
    pub const ROOT_INTERNED_STRING: u8 = 0x89;
    pub const ROOT_FINALIZING: u8 = 0x8A;
    pub const ROOT_DEBUGGER: u8 = 0x8B;
    pub const ROOT_REFERENCE_CLEANUP: u8 = 0x8C;
    pub const ROOT_VM_INTERNAL: u8 = 0x8D;
    pub const ROOT_JNI_MONITOR: u8 = 0x8E;
    pub const ROOT_UNREACHABLE: u8 = 0x90;
    pub const PRIM_ARRAY_NODATA: u8 = 0xC3;
}

/// Size of a top-level record header: u1 tag, u4 time, u4 length.
pub const RECORD_HEADER_LEN: usize = 9;

/// HotSpot's dummy stack trace (no frames) that every object and class refers to as its
/// allocation site (`STACK_TRACE_ID` in `heapDumper.cpp`).
pub const DUMMY_STACK_SERIAL: u32 = 1;

/// HPROF basic type codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum BasicType {
    Object = 2,
    Boolean = 4,
    Char = 5,
    Float = 6,
    Double = 7,
    Byte = 8,
    Short = 9,
    Int = 10,
    Long = 11,
}

impl BasicType {
    pub const fn code(self) -> u8 {
        self as u8
    }

    pub const fn from_code(code: u8) -> Option<BasicType> {
        Some(match code {
            2 => BasicType::Object,
            4 => BasicType::Boolean,
            5 => BasicType::Char,
            6 => BasicType::Float,
            7 => BasicType::Double,
            8 => BasicType::Byte,
            9 => BasicType::Short,
            10 => BasicType::Int,
            11 => BasicType::Long,
            _ => return None,
        })
    }

    /// Size in bytes in the dump; an object reference is `id_size` bytes.
    pub const fn size(self, id_size: u32) -> usize {
        match self {
            BasicType::Object => id_size as usize,
            BasicType::Boolean | BasicType::Byte => 1,
            BasicType::Char | BasicType::Short => 2,
            BasicType::Float | BasicType::Int => 4,
            BasicType::Double | BasicType::Long => 8,
        }
    }

    /// The default value of a field of this type (null / 0 / false).
    pub const fn zero(self) -> Value {
        match self {
            BasicType::Object => Value::Object(0),
            BasicType::Boolean => Value::Boolean(false),
            BasicType::Char => Value::Char(0),
            BasicType::Float => Value::Float(0.0),
            BasicType::Double => Value::Double(0.0),
            BasicType::Byte => Value::Byte(0),
            BasicType::Short => Value::Short(0),
            BasicType::Int => Value::Int(0),
            BasicType::Long => Value::Long(0),
        }
    }

    /// JVM name of the one-dimensional array class of this element type, as HotSpot writes it
    /// in LOAD CLASS (`[B`, `[I`, …; `[Ljava/lang/Object;` for objects).
    pub const fn array_class_name(self) -> &'static str {
        match self {
            BasicType::Object => "[Ljava/lang/Object;",
            BasicType::Boolean => "[Z",
            BasicType::Char => "[C",
            BasicType::Float => "[F",
            BasicType::Double => "[D",
            BasicType::Byte => "[B",
            BasicType::Short => "[S",
            BasicType::Int => "[I",
            BasicType::Long => "[J",
        }
    }
}

/// A typed value (static field, constant pool entry, instance field).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An object id; 0 is null.
    Object(u64),
    Boolean(bool),
    Char(u16),
    Float(f32),
    Double(f64),
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
}

impl Value {
    pub const NULL: Value = Value::Object(0);

    pub const fn basic_type(self) -> BasicType {
        match self {
            Value::Object(_) => BasicType::Object,
            Value::Boolean(_) => BasicType::Boolean,
            Value::Char(_) => BasicType::Char,
            Value::Float(_) => BasicType::Float,
            Value::Double(_) => BasicType::Double,
            Value::Byte(_) => BasicType::Byte,
            Value::Short(_) => BasicType::Short,
            Value::Int(_) => BasicType::Int,
            Value::Long(_) => BasicType::Long,
        }
    }

    /// Appends the value's bytes (no type code), big-endian.
    pub fn write_to(self, out: &mut Vec<u8>, id_size: u32) {
        match self {
            Value::Object(id) => put_id(out, id, id_size),
            Value::Boolean(b) => out.push(b as u8),
            Value::Char(c) => out.extend_from_slice(&c.to_be_bytes()),
            Value::Float(f) => out.extend_from_slice(&f.to_bits().to_be_bytes()),
            Value::Double(d) => out.extend_from_slice(&d.to_bits().to_be_bytes()),
            Value::Byte(b) => out.push(b as u8),
            Value::Short(s) => out.extend_from_slice(&s.to_be_bytes()),
            Value::Int(i) => out.extend_from_slice(&i.to_be_bytes()),
            Value::Long(l) => out.extend_from_slice(&l.to_be_bytes()),
        }
    }
}

/// Encodes values back to back (e.g. the data of a primitive array, or instance field bytes).
pub fn encode_values(values: &[Value], id_size: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        v.write_to(&mut out, id_size);
    }
    out
}

/// Java's "modified UTF-8" (as in UTF8 records): NUL is `C0 80`, supplementary characters are
/// written as two 3-byte surrogates. Equal to UTF-8 for everything else.
pub fn modified_utf8(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for unit in s.encode_utf16() {
        // Encoding UTF-16 units one by one yields surrogates as 3-byte sequences.
        match unit {
            0x0001..=0x007F => out.push(unit as u8),
            0x0000 | 0x0080..=0x07FF => {
                out.push(0xC0 | (unit >> 6) as u8);
                out.push(0x80 | (unit & 0x3F) as u8);
            }
            _ => {
                out.push(0xE0 | (unit >> 12) as u8);
                out.push(0x80 | ((unit >> 6) & 0x3F) as u8);
                out.push(0x80 | (unit & 0x3F) as u8);
            }
        }
    }
    out
}

/// Writes the low `id_size` bytes of `id`, big-endian.
fn put_id(out: &mut Vec<u8>, id: u64, id_size: u32) {
    let n = (id_size as usize).clamp(1, 8);
    debug_assert!(
        n == 8 || id >> (8 * n) == 0,
        "id {id:#x} does not fit in {n} bytes"
    );
    out.extend_from_slice(&id.to_be_bytes()[8 - n..]);
}

fn put_u4(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u2(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn len_u16(len: usize) -> u16 {
    debug_assert!(len <= u16::MAX as usize, "count {len} does not fit in u2");
    len as u16
}

fn len_u32(len: usize) -> u32 {
    debug_assert!(len <= u32::MAX as usize, "length {len} does not fit in u4");
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The kinds of GC root sub-records (HotSpot's and Android's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RootKind {
    Unknown,
    JniGlobal {
        jni_ref_id: u64,
    },
    /// `frame` is the depth in the thread's stack trace (0 = top); -1 as u32 when unknown.
    JniLocal {
        thread_serial: u32,
        frame: u32,
    },
    JavaFrame {
        thread_serial: u32,
        frame: u32,
    },
    NativeStack {
        thread_serial: u32,
    },
    StickyClass,
    ThreadBlock {
        thread_serial: u32,
    },
    MonitorUsed,
    ThreadObject {
        thread_serial: u32,
        stack_serial: u32,
    },
    InternedString,
    Finalizing,
    Debugger,
    ReferenceCleanup,
    VmInternal,
    JniMonitor {
        thread_serial: u32,
        stack_depth: u32,
    },
    Unreachable,
}

impl RootKind {
    pub const fn tag(self) -> u8 {
        match self {
            RootKind::Unknown => tag::ROOT_UNKNOWN,
            RootKind::JniGlobal { .. } => tag::ROOT_JNI_GLOBAL,
            RootKind::JniLocal { .. } => tag::ROOT_JNI_LOCAL,
            RootKind::JavaFrame { .. } => tag::ROOT_JAVA_FRAME,
            RootKind::NativeStack { .. } => tag::ROOT_NATIVE_STACK,
            RootKind::StickyClass => tag::ROOT_STICKY_CLASS,
            RootKind::ThreadBlock { .. } => tag::ROOT_THREAD_BLOCK,
            RootKind::MonitorUsed => tag::ROOT_MONITOR_USED,
            RootKind::ThreadObject { .. } => tag::ROOT_THREAD_OBJECT,
            RootKind::InternedString => tag::ROOT_INTERNED_STRING,
            RootKind::Finalizing => tag::ROOT_FINALIZING,
            RootKind::Debugger => tag::ROOT_DEBUGGER,
            RootKind::ReferenceCleanup => tag::ROOT_REFERENCE_CLEANUP,
            RootKind::VmInternal => tag::ROOT_VM_INTERNAL,
            RootKind::JniMonitor { .. } => tag::ROOT_JNI_MONITOR,
            RootKind::Unreachable => tag::ROOT_UNREACHABLE,
        }
    }

    /// Roots HotSpot writes while walking thread stacks (before the object iteration).
    const fn is_thread_root(self) -> bool {
        matches!(
            self,
            RootKind::ThreadObject { .. }
                | RootKind::JavaFrame { .. }
                | RootKind::JniLocal { .. }
                | RootKind::NativeStack { .. }
                | RootKind::ThreadBlock { .. }
        )
    }
}

/// Body of a CLASS DUMP (0x20) sub-record, field for field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClassDump {
    pub class_id: u64,
    pub stack_serial: u32,
    pub super_id: u64,
    pub loader_id: u64,
    pub signers_id: u64,
    pub protection_domain_id: u64,
    pub reserved1: u64,
    pub reserved2: u64,
    /// HotSpot writes the total bytes of instance field data (own + superclasses); MAT ignores it.
    pub instance_size: u32,
    /// Constant pool entries (HotSpot writes none).
    pub constants: Vec<(u16, Value)>,
    /// (name id, value).
    pub statics: Vec<(u64, Value)>,
    /// This class's own instance fields, (name id, type), in declaration order.
    pub fields: Vec<(u64, BasicType)>,
}

#[derive(Clone, Copy, Debug)]
struct OpenDump {
    start: usize,
    tag: u8,
}

/// Low-level HPROF byte writer. Writes exactly what it is told, in order.
///
/// Top-level record methods close an open heap dump first; heap sub-record methods open a
/// HEAP DUMP SEGMENT if none is open. Nothing else is implicit.
#[derive(Debug)]
pub struct HprofWriter {
    out: Vec<u8>,
    id_size: u32,
    header_len: usize,
    time_us: u32,
    records: Vec<u64>,
    subs: Vec<u64>,
    dump: Option<OpenDump>,
    max_segment_bytes: Option<usize>,
}

impl HprofWriter {
    /// Writes the header. `version` is the full string (`"JAVA PROFILE 1.0.2"`); the short forms
    /// `"1.0.1"`, `"1.0.2"`, `"1.0.3"` are expanded, anything else is written verbatim (for
    /// negative tests). `id_size` is 4 or 8.
    pub fn new(version: &str, id_size: u32, timestamp_ms: u64) -> HprofWriter {
        debug_assert!(id_size == 4 || id_size == 8, "HPROF id size must be 4 or 8");
        let mut out = Vec::with_capacity(1 << 16);
        if matches!(version, "1.0.1" | "1.0.2" | "1.0.3") {
            out.extend_from_slice(b"JAVA PROFILE ");
        }
        out.extend_from_slice(version.as_bytes());
        out.push(0);
        put_u4(&mut out, id_size);
        out.extend_from_slice(&timestamp_ms.to_be_bytes());
        HprofWriter {
            header_len: out.len(),
            out,
            id_size,
            time_us: 0,
            records: Vec::new(),
            subs: Vec::new(),
            dump: None,
            max_segment_bytes: None,
        }
    }

    /// Split heap dumps so that no record body exceeds `max` bytes (unless one sub-record alone
    /// is bigger): between two sub-records the record is closed and a new one with the same tag
    /// opened. `Some(1)` gives one sub-record per segment — the "thousands of tiny segments"
    /// shape some dumps (e.g. NetBeans') have.
    pub fn with_max_segment_bytes(mut self, max: Option<usize>) -> HprofWriter {
        self.max_segment_bytes = max;
        self
    }

    pub fn set_max_segment_bytes(&mut self, max: Option<usize>) {
        self.max_segment_bytes = max;
    }

    /// The u4 "microseconds since the header's time" written in subsequent record headers.
    pub fn set_time_offset_us(&mut self, us: u32) {
        self.time_us = us;
    }

    pub fn id_size(&self) -> u32 {
        self.id_size
    }

    /// Bytes written so far (the offset of the next byte).
    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Length of the file header (the offset of the first record).
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Byte offset of the start (tag byte) of every top-level record, in file order, including
    /// each heap dump segment opened by automatic splitting.
    pub fn record_offsets(&self) -> &[u64] {
        &self.records
    }

    /// Absolute byte offset of the tag byte of every heap sub-record, in file order.
    pub fn sub_record_offsets(&self) -> &[u64] {
        &self.subs
    }

    pub fn heap_dump_is_open(&self) -> bool {
        self.dump.is_some()
    }

    /// Closes an open heap dump (with its real length) and returns the file.
    pub fn finish(mut self) -> Vec<u8> {
        self.end_heap_dump();
        self.out
    }

    // ---- top-level records -------------------------------------------------------------

    fn begin_record(&mut self, tag: u8) -> usize {
        self.end_heap_dump();
        let start = self.out.len();
        self.records.push(start as u64);
        self.out.push(tag);
        put_u4(&mut self.out, self.time_us);
        put_u4(&mut self.out, 0);
        start
    }

    fn end_record(&mut self, start: usize) {
        let len = len_u32(self.out.len() - start - RECORD_HEADER_LEN);
        BigEndian::write_u32(&mut self.out[start + 5..start + 9], len);
    }

    /// UTF8 (0x01). The bytes are written as given: pass [`modified_utf8`] output for
    /// faithful names, or malformed bytes to test robustness.
    pub fn utf8(&mut self, id: u64, text: impl AsRef<[u8]>) {
        let s = self.begin_record(tag::UTF8);
        put_id(&mut self.out, id, self.id_size);
        self.out.extend_from_slice(text.as_ref());
        self.end_record(s);
    }

    /// LOAD CLASS (0x02).
    pub fn load_class(&mut self, serial: u32, class_id: u64, stack_serial: u32, name_id: u64) {
        let s = self.begin_record(tag::LOAD_CLASS);
        put_u4(&mut self.out, serial);
        put_id(&mut self.out, class_id, self.id_size);
        put_u4(&mut self.out, stack_serial);
        put_id(&mut self.out, name_id, self.id_size);
        self.end_record(s);
    }

    /// UNLOAD CLASS (0x03).
    pub fn unload_class(&mut self, serial: u32) {
        let s = self.begin_record(tag::UNLOAD_CLASS);
        put_u4(&mut self.out, serial);
        self.end_record(s);
    }

    /// STACK FRAME (0x04). `line`: > 0 a line number, -1 unknown, -2 compiled, -3 native.
    pub fn stack_frame(
        &mut self,
        frame_id: u64,
        method_name_id: u64,
        signature_id: u64,
        source_file_id: u64,
        class_serial: u32,
        line: i32,
    ) {
        let s = self.begin_record(tag::STACK_FRAME);
        for id in [frame_id, method_name_id, signature_id, source_file_id] {
            put_id(&mut self.out, id, self.id_size);
        }
        put_u4(&mut self.out, class_serial);
        self.out.extend_from_slice(&line.to_be_bytes());
        self.end_record(s);
    }

    /// STACK TRACE (0x05).
    pub fn stack_trace(&mut self, serial: u32, thread_serial: u32, frame_ids: &[u64]) {
        let s = self.begin_record(tag::STACK_TRACE);
        put_u4(&mut self.out, serial);
        put_u4(&mut self.out, thread_serial);
        put_u4(&mut self.out, len_u32(frame_ids.len()));
        for &f in frame_ids {
            put_id(&mut self.out, f, self.id_size);
        }
        self.end_record(s);
    }

    /// START THREAD (0x0A). HotSpot does not write it; the old hprof agent did.
    pub fn start_thread(
        &mut self,
        thread_serial: u32,
        thread_object_id: u64,
        stack_serial: u32,
        name_id: u64,
        group_name_id: u64,
        group_parent_name_id: u64,
    ) {
        let s = self.begin_record(tag::START_THREAD);
        put_u4(&mut self.out, thread_serial);
        put_id(&mut self.out, thread_object_id, self.id_size);
        put_u4(&mut self.out, stack_serial);
        for id in [name_id, group_name_id, group_parent_name_id] {
            put_id(&mut self.out, id, self.id_size);
        }
        self.end_record(s);
    }

    /// END THREAD (0x0B).
    pub fn end_thread(&mut self, thread_serial: u32) {
        let s = self.begin_record(tag::END_THREAD);
        put_u4(&mut self.out, thread_serial);
        self.end_record(s);
    }

    /// HEAP SUMMARY (0x07).
    pub fn heap_summary(
        &mut self,
        live_bytes: u32,
        live_instances: u32,
        alloc_bytes: u64,
        alloc_instances: u64,
    ) {
        let s = self.begin_record(tag::HEAP_SUMMARY);
        put_u4(&mut self.out, live_bytes);
        put_u4(&mut self.out, live_instances);
        self.out.extend_from_slice(&alloc_bytes.to_be_bytes());
        self.out.extend_from_slice(&alloc_instances.to_be_bytes());
        self.end_record(s);
    }

    /// Any record with a verbatim body (CPU SAMPLES 0x0D, ALLOC SITES 0x06, unknown tags…).
    pub fn raw_record(&mut self, tag: u8, body: &[u8]) {
        let s = self.begin_record(tag);
        self.out.extend_from_slice(body);
        self.end_record(s);
    }

    /// HEAP DUMP END (0x2C), empty body; HotSpot writes it after the last segment.
    pub fn heap_dump_end(&mut self) {
        let s = self.begin_record(tag::HEAP_DUMP_END);
        self.end_record(s);
    }

    // ---- heap dumps ----------------------------------------------------------------------

    /// Opens a HEAP DUMP SEGMENT (0x1C, `segment`) or a HEAP DUMP (0x0C, the 1.0.1 single-record
    /// form). Closes any open one first, so calling it twice yields two records (a file may
    /// hold several dumps).
    pub fn begin_heap_dump(&mut self, segment: bool) {
        let t = if segment {
            tag::HEAP_DUMP_SEGMENT
        } else {
            tag::HEAP_DUMP
        };
        let start = self.begin_record(t);
        self.dump = Some(OpenDump { start, tag: t });
    }

    /// Closes the open heap dump, patching its u4 length. No-op if none is open.
    pub fn end_heap_dump(&mut self) {
        if let Some(d) = self.dump.take() {
            self.end_record(d.start);
        }
    }

    /// Closes the open heap dump leaving its length 0: HotSpot writes 0 until the record is
    /// finished, so a truncated dump (crash mid-dump) has a last heap record of length 0 whose
    /// contents run to end of file. Write nothing after it to reproduce that faithfully.
    pub fn end_heap_dump_with_zero_length(&mut self) {
        self.dump = None;
    }

    fn sub(&mut self, t: u8, body: impl FnOnce(&mut Vec<u8>, u32)) {
        if self.dump.is_none() {
            self.begin_heap_dump(true);
        }
        let Some(dump) = self.dump else { return };
        let at = self.out.len();
        self.out.push(t);
        body(&mut self.out, self.id_size);
        self.subs.push(at as u64);
        let Some(max) = self.max_segment_bytes else {
            return;
        };
        let before = at - dump.start - RECORD_HEADER_LEN;
        let after = self.out.len() - dump.start - RECORD_HEADER_LEN;
        if before > 0 && after > max {
            // Close the record just before this sub-record and reopen one around it.
            BigEndian::write_u32(
                &mut self.out[dump.start + 5..dump.start + 9],
                len_u32(before),
            );
            let mut header = [dump.tag, 0, 0, 0, 0, 0, 0, 0, 0];
            BigEndian::write_u32(&mut header[1..5], self.time_us);
            self.out.splice(at..at, header);
            self.records.push(at as u64);
            if let Some(last) = self.subs.last_mut() {
                *last += RECORD_HEADER_LEN as u64;
            }
            self.dump = Some(OpenDump {
                start: at,
                tag: dump.tag,
            });
        }
    }

    /// Any root sub-record.
    pub fn root(&mut self, id: u64, kind: RootKind) {
        self.sub(kind.tag(), |o, n| {
            put_id(o, id, n);
            match kind {
                RootKind::JniGlobal { jni_ref_id } => put_id(o, jni_ref_id, n),
                RootKind::JniLocal {
                    thread_serial,
                    frame,
                }
                | RootKind::JavaFrame {
                    thread_serial,
                    frame,
                } => {
                    put_u4(o, thread_serial);
                    put_u4(o, frame);
                }
                RootKind::NativeStack { thread_serial }
                | RootKind::ThreadBlock { thread_serial } => put_u4(o, thread_serial),
                RootKind::ThreadObject {
                    thread_serial,
                    stack_serial,
                } => {
                    put_u4(o, thread_serial);
                    put_u4(o, stack_serial);
                }
                RootKind::JniMonitor {
                    thread_serial,
                    stack_depth,
                } => {
                    put_u4(o, thread_serial);
                    put_u4(o, stack_depth);
                }
                _ => {}
            }
        });
    }

    pub fn root_unknown(&mut self, id: u64) {
        self.root(id, RootKind::Unknown)
    }
    pub fn root_jni_global(&mut self, id: u64, jni_ref_id: u64) {
        self.root(id, RootKind::JniGlobal { jni_ref_id })
    }
    pub fn root_jni_local(&mut self, id: u64, thread_serial: u32, frame: u32) {
        self.root(
            id,
            RootKind::JniLocal {
                thread_serial,
                frame,
            },
        )
    }
    pub fn root_java_frame(&mut self, id: u64, thread_serial: u32, frame: u32) {
        self.root(
            id,
            RootKind::JavaFrame {
                thread_serial,
                frame,
            },
        )
    }
    pub fn root_native_stack(&mut self, id: u64, thread_serial: u32) {
        self.root(id, RootKind::NativeStack { thread_serial })
    }
    pub fn root_sticky_class(&mut self, id: u64) {
        self.root(id, RootKind::StickyClass)
    }
    pub fn root_thread_block(&mut self, id: u64, thread_serial: u32) {
        self.root(id, RootKind::ThreadBlock { thread_serial })
    }
    pub fn root_monitor_used(&mut self, id: u64) {
        self.root(id, RootKind::MonitorUsed)
    }
    pub fn root_thread_object(&mut self, id: u64, thread_serial: u32, stack_serial: u32) {
        self.root(
            id,
            RootKind::ThreadObject {
                thread_serial,
                stack_serial,
            },
        )
    }
    pub fn root_interned_string(&mut self, id: u64) {
        self.root(id, RootKind::InternedString)
    }
    pub fn root_finalizing(&mut self, id: u64) {
        self.root(id, RootKind::Finalizing)
    }
    pub fn root_debugger(&mut self, id: u64) {
        self.root(id, RootKind::Debugger)
    }
    pub fn root_reference_cleanup(&mut self, id: u64) {
        self.root(id, RootKind::ReferenceCleanup)
    }
    pub fn root_vm_internal(&mut self, id: u64) {
        self.root(id, RootKind::VmInternal)
    }
    pub fn root_jni_monitor(&mut self, id: u64, thread_serial: u32, stack_depth: u32) {
        self.root(
            id,
            RootKind::JniMonitor {
                thread_serial,
                stack_depth,
            },
        )
    }
    pub fn root_unreachable(&mut self, id: u64) {
        self.root(id, RootKind::Unreachable)
    }

    /// CLASS DUMP (0x20).
    pub fn class_dump(&mut self, c: &ClassDump) {
        self.sub(tag::CLASS_DUMP, |o, n| {
            put_id(o, c.class_id, n);
            put_u4(o, c.stack_serial);
            for id in [
                c.super_id,
                c.loader_id,
                c.signers_id,
                c.protection_domain_id,
                c.reserved1,
                c.reserved2,
            ] {
                put_id(o, id, n);
            }
            put_u4(o, c.instance_size);
            put_u2(o, len_u16(c.constants.len()));
            for &(index, v) in &c.constants {
                put_u2(o, index);
                o.push(v.basic_type().code());
                v.write_to(o, n);
            }
            put_u2(o, len_u16(c.statics.len()));
            for &(name, v) in &c.statics {
                put_id(o, name, n);
                o.push(v.basic_type().code());
                v.write_to(o, n);
            }
            put_u2(o, len_u16(c.fields.len()));
            for &(name, t) in &c.fields {
                put_id(o, name, n);
                o.push(t.code());
            }
        });
    }

    /// INSTANCE DUMP (0x21). `field_bytes`: own class's fields first, then each superclass's.
    pub fn instance(&mut self, id: u64, stack_serial: u32, class_id: u64, field_bytes: &[u8]) {
        self.sub(tag::INSTANCE_DUMP, |o, n| {
            put_id(o, id, n);
            put_u4(o, stack_serial);
            put_id(o, class_id, n);
            put_u4(o, len_u32(field_bytes.len()));
            o.extend_from_slice(field_bytes);
        });
    }

    /// OBJECT ARRAY DUMP (0x22).
    pub fn obj_array(&mut self, id: u64, stack_serial: u32, array_class_id: u64, elements: &[u64]) {
        self.sub(tag::OBJ_ARRAY_DUMP, |o, n| {
            put_id(o, id, n);
            put_u4(o, stack_serial);
            put_u4(o, len_u32(elements.len()));
            put_id(o, array_class_id, n);
            for &e in elements {
                put_id(o, e, n);
            }
        });
    }

    /// PRIMITIVE ARRAY DUMP (0x23). `data` is the raw big-endian element bytes; the element
    /// count written is `data.len() / elem_size`.
    pub fn prim_array(&mut self, id: u64, stack_serial: u32, elem_type: BasicType, data: &[u8]) {
        let size = elem_type.size(self.id_size);
        debug_assert!(elem_type != BasicType::Object, "primitive array of objects");
        debug_assert!(
            data.len() % size == 0,
            "array data is not a whole number of elements"
        );
        self.sub(tag::PRIM_ARRAY_DUMP, |o, n| {
            put_id(o, id, n);
            put_u4(o, stack_serial);
            put_u4(o, len_u32(data.len() / size));
            o.push(elem_type.code());
            o.extend_from_slice(data);
        });
    }

    /// Android HEAP DUMP INFO (0xFE): switches the current heap (app, image, zygote…).
    pub fn heap_dump_info(&mut self, heap_id: u32, name_id: u64) {
        self.sub(tag::HEAP_DUMP_INFO, |o, n| {
            put_u4(o, heap_id);
            put_id(o, name_id, n);
        });
    }

    /// Android PRIMITIVE ARRAY NODATA (0xC3): the 0x23 header without the data.
    pub fn prim_array_nodata(
        &mut self,
        id: u64,
        stack_serial: u32,
        len: u32,
        elem_type: BasicType,
    ) {
        self.sub(tag::PRIM_ARRAY_NODATA, |o, n| {
            put_id(o, id, n);
            put_u4(o, stack_serial);
            put_u4(o, len);
            o.push(elem_type.code());
        });
    }

    /// Any sub-record with a verbatim body (for unknown tags / fuzz seeds).
    pub fn raw_sub_record(&mut self, t: u8, body: &[u8]) {
        self.sub(t, |o, _| o.extend_from_slice(body));
    }
}

// ---- gzip ------------------------------------------------------------------------------------

/// Gzip-compresses `data`. `None`: one member, no comment (plain `gzip`). `Some(n)`: JDK 15+
/// `-gz` style — one member per `n` uncompressed bytes so readers can seek by member, the first
/// member's header carrying FCOMMENT `HPROF BLOCKSIZE=<n>`.
pub fn gzip(data: &[u8], member_size: Option<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    match member_size {
        Some(n) if n > 0 => {
            let comment = format!("HPROF BLOCKSIZE={n}");
            let mut chunks = data.chunks(n);
            gzip_member(&mut out, chunks.next().unwrap_or(&[]), Some(&comment));
            for chunk in chunks {
                gzip_member(&mut out, chunk, None);
            }
        }
        _ => gzip_member(&mut out, data, None),
    }
    out
}

fn gzip_member(out: &mut Vec<u8>, data: &[u8], comment: Option<&str>) {
    const FCOMMENT: u8 = 0x10;
    let flags = if comment.is_some() { FCOMMENT } else { 0 };
    // ID1 ID2 CM=deflate FLG MTIME(4)=0 XFL=0 OS=3 (Unix)
    out.extend_from_slice(&[0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3]);
    if let Some(c) = comment {
        out.extend_from_slice(c.as_bytes());
        out.push(0);
    }
    let mut enc = DeflateEncoder::new(std::mem::take(out), Compression::default());
    // Writing into a Vec cannot fail.
    enc.write_all(data).expect("deflate into Vec");
    *out = enc.finish().expect("deflate into Vec");
    let mut crc = Crc::new();
    crc.update(data);
    out.write_u32::<LittleEndian>(crc.sum()).expect("Vec write");
    out.write_u32::<LittleEndian>(data.len() as u32)
        .expect("Vec write"); // ISIZE is mod 2^32
}

// ---- HeapBuilder -----------------------------------------------------------------------------

/// A class created by [`HeapBuilder`]. Class objects are objects too: use [`ClassRef::id`] or
/// `Value::from(class)` to reference them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassRef {
    id: u64,
    index: u32,
}

impl ClassRef {
    pub fn id(self) -> u64 {
        self.id
    }
    /// The LOAD CLASS serial (1-based creation index), used by STACK FRAME records.
    pub fn serial(self) -> u32 {
        self.index + 1
    }
}

/// An instance or array created by [`HeapBuilder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    id: u64,
    index: u32,
}

impl ObjRef {
    pub fn id(self) -> u64 {
        self.id
    }
}

impl From<ObjRef> for u64 {
    fn from(o: ObjRef) -> u64 {
        o.id
    }
}
impl From<ClassRef> for u64 {
    fn from(c: ClassRef) -> u64 {
        c.id
    }
}
impl From<ObjRef> for Value {
    fn from(o: ObjRef) -> Value {
        Value::Object(o.id)
    }
}
impl From<ClassRef> for Value {
    fn from(c: ClassRef) -> Value {
        Value::Object(c.id)
    }
}
impl From<Option<ObjRef>> for Value {
    fn from(o: Option<ObjRef>) -> Value {
        Value::Object(o.map_or(0, |o| o.id))
    }
}

/// A thread created by [`HeapBuilder::thread`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadRef {
    /// The `java.lang.Thread` instance.
    pub object: ObjRef,
    pub serial: u32,
    pub stack_serial: u32,
}

/// One stack frame of [`HeapBuilder::thread`], top of stack first.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    pub class: ClassRef,
    pub method: &'a str,
    pub signature: &'a str,
    /// Empty: no source file (id 0).
    pub source_file: &'a str,
    /// > 0 a line number, -1 unknown, -2 compiled, -3 native.
    pub line: i32,
    /// Objects held by this frame: written as ROOT JAVA FRAME (thread serial, depth).
    pub locals: &'a [u64],
}

/// How [`HeapBuilder`] assigns object (and class object) ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdScheme {
    /// `start + step·n` for the n-th object, in creation order.
    Sequential { start: u64, step: u64 },
    /// Like `Sequential` but over a fixed pseudo-random permutation of `n` (within blocks of
    /// 65,536), so file order is not address order — heap walks in real dumps aren't sorted.
    Shuffled { start: u64, step: u64, seed: u64 },
    /// Each object starts where the previous one ends (its shallow size by MAT's formula,
    /// pointer = reference = id size, rounded to `align`). Fixed small steps make MAT-style
    /// inference see overlapping object arrays and conclude "compressed oops"; packed ids look
    /// like a real uncompressed heap, with alignment inferred as `align`.
    Packed { start: u64, align: u64 },
}

#[derive(Clone, Debug)]
struct IdAlloc {
    scheme: IdScheme,
    n: u64,
    next_packed: u64,
}

impl IdAlloc {
    fn new(scheme: IdScheme) -> IdAlloc {
        let next_packed = if let IdScheme::Packed { start, .. } = scheme {
            start
        } else {
            0
        };
        IdAlloc {
            scheme,
            n: 0,
            next_packed,
        }
    }

    /// Next id for an object of `size` bytes (only `Packed` uses the size).
    fn alloc(&mut self, size: u64) -> u64 {
        let i = self.n;
        self.n += 1;
        let id = match self.scheme {
            IdScheme::Sequential { start, step } => start.wrapping_add(step.wrapping_mul(i)),
            IdScheme::Shuffled { start, step, seed } => {
                // An affine map with an odd multiplier is a bijection modulo 2^16.
                let p = (i & !0xFFFF) | (i.wrapping_mul(0x9E37).wrapping_add(seed) & 0xFFFF);
                start.wrapping_add(step.wrapping_mul(p))
            }
            IdScheme::Packed { align, .. } => {
                let id = self.next_packed;
                self.next_packed = id + align_up(size.max(1), align.max(1));
                id
            }
        };
        debug_assert!(id != 0, "id scheme produced the null id");
        id
    }
}

fn align_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

/// Where [`HeapBuilder::write`] puts class dumps relative to objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DumpOrder {
    /// HotSpot's order: CLASS DUMPs, thread roots, objects, then the other roots.
    #[default]
    ClassesFirst,
    /// Objects, then CLASS DUMPs, then roots: every instance precedes its class dump, which a
    /// streaming parser must tolerate (HPROF guarantees no order).
    InstancesFirst,
}

/// Options of [`HeapBuilder::write`]. Writing the same builder with different options must give
/// the same analysis results (except `emit_basics`, which adds classes).
#[derive(Clone, Debug)]
pub struct WriteOptions {
    /// Header version; HotSpot always writes `JAVA PROFILE 1.0.2`.
    pub version: String,
    pub timestamp_ms: u64,
    /// HEAP DUMP SEGMENTs + HEAP DUMP END (HotSpot, 1.0.2) vs one HEAP DUMP record (1.0.1).
    pub segmented: bool,
    /// See [`HprofWriter::with_max_segment_bytes`].
    pub max_segment_bytes: Option<usize>,
    pub order: DumpOrder,
    /// Add `java/lang/Object` and `java/lang/Class` class dumps if the builder has none (every
    /// real dump has them; analyses look them up by name).
    pub emit_basics: bool,
    /// Write START THREAD records (the old hprof agent did; HotSpot doesn't).
    pub start_thread_records: bool,
    /// Write every LOAD CLASS record twice: real dumps may repeat them, parsers must not
    /// double-count.
    pub duplicate_load_class: bool,
}

impl Default for WriteOptions {
    fn default() -> WriteOptions {
        WriteOptions {
            version: "JAVA PROFILE 1.0.2".to_string(),
            timestamp_ms: 1_700_000_000_000,
            segmented: true,
            max_segment_bytes: None,
            order: DumpOrder::ClassesFirst,
            emit_basics: true,
            start_thread_records: true,
            duplicate_load_class: false,
        }
    }
}

/// What a [`HeapBuilder::write`] wrote: the expected answers for the parser and analyses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DumpSummary {
    /// CLASS DUMP sub-records.
    pub classes: usize,
    pub instances: usize,
    pub object_arrays: usize,
    pub primitive_arrays: usize,
    /// Root sub-records (including thread objects and frame locals).
    pub roots: usize,
    pub threads: usize,
    /// Instance / array count per class name in JVM form (`java/lang/String`, `[B`), every class
    /// listed (0 if none). Same-named classes of different loaders are merged.
    pub per_class: BTreeMap<String, usize>,
}

impl DumpSummary {
    /// Heap objects: class objects + instances + arrays.
    pub fn objects(&self) -> usize {
        self.classes + self.instances + self.object_arrays + self.primitive_arrays
    }
}

/// The bytes written by [`HeapBuilder::write_full`], with their layout and summary.
#[derive(Clone, Debug)]
pub struct Written {
    pub bytes: Vec<u8>,
    pub record_offsets: Vec<u64>,
    pub sub_record_offsets: Vec<u64>,
    pub summary: DumpSummary,
}

#[derive(Clone, Debug)]
struct Slot {
    name: String,
    ty: BasicType,
    offset: usize,
}

#[derive(Clone, Debug)]
struct ClassData {
    id: u64,
    name: String,
    name_id: u64,
    super_id: u64,
    loader_id: u64,
    statics: Vec<(String, u64, Value)>,
    own_fields: Vec<(u64, BasicType)>,
    /// Full instance layout: own fields first, then the superclass chain (HotSpot's order).
    layout: Vec<Slot>,
    field_bytes: usize,
    /// MAT's sizeRec(class), for `IdScheme::Packed`.
    rec_size: u64,
}

#[derive(Clone, Debug)]
enum ObjData {
    Instance {
        class: u32,
        bytes: Vec<u8>,
    },
    ObjArray {
        class: u32,
        elems: Vec<u64>,
    },
    PrimArray {
        class: u32,
        ty: BasicType,
        data: Vec<u8>,
    },
}

#[derive(Clone, Debug)]
struct FrameData {
    frame_id: u64,
    method_id: u64,
    signature_id: u64,
    source_id: u64,
    class_serial: u32,
    line: i32,
}

#[derive(Clone, Debug)]
struct ThreadData {
    r: ThreadRef,
    name_id: u64,
    frames: Vec<FrameData>,
}

/// Builds a Java-like heap with known content; see the module docs.
#[derive(Clone, Debug)]
pub struct HeapBuilder {
    id_size: u32,
    ids: IdAlloc,
    name_ids: IdAlloc,
    names: Vec<(u64, Vec<u8>)>,
    name_index: HashMap<String, u64>,
    classes: Vec<ClassData>,
    class_index: HashMap<String, u32>,
    objects: Vec<(u64, ObjData)>,
    roots: Vec<(u64, RootKind)>,
    threads: Vec<ThreadData>,
    next_frame_id: u64,
    default_loader: u64,
}

impl HeapBuilder {
    /// Object ids default to `Sequential { start: 0x1000, step: 16 }`; UTF8 name ids come from
    /// a separate range (0x7000_0000, step 8), as HotSpot's symbol addresses do.
    pub fn new(id_size: u32) -> HeapBuilder {
        debug_assert!(id_size == 4 || id_size == 8);
        HeapBuilder {
            id_size,
            ids: IdAlloc::new(IdScheme::Sequential {
                start: 0x1000,
                step: 16,
            }),
            name_ids: IdAlloc::new(IdScheme::Sequential {
                start: 0x7000_0000,
                step: 8,
            }),
            names: Vec::new(),
            name_index: HashMap::new(),
            classes: Vec::new(),
            class_index: HashMap::new(),
            objects: Vec::new(),
            roots: Vec::new(),
            threads: Vec::new(),
            next_frame_id: 1,
            default_loader: 0,
        }
    }

    /// Sets the object id scheme; call before creating anything.
    pub fn with_ids(mut self, scheme: IdScheme) -> HeapBuilder {
        debug_assert!(self.classes.is_empty() && self.objects.is_empty());
        self.ids = IdAlloc::new(scheme);
        self
    }

    /// Sets the UTF8 name id range; call before creating anything.
    pub fn with_name_ids(mut self, start: u64, step: u64) -> HeapBuilder {
        debug_assert!(self.names.is_empty());
        self.name_ids = IdAlloc::new(IdScheme::Sequential { start, step });
        self
    }

    pub fn id_size(&self) -> u32 {
        self.id_size
    }

    /// Interns a UTF8 string (class, field, method names…) and returns its id.
    pub fn name_id(&mut self, s: &str) -> u64 {
        if let Some(&id) = self.name_index.get(s) {
            return id;
        }
        let id = self.name_ids.alloc(0);
        self.names.push((id, modified_utf8(s)));
        self.name_index.insert(s.to_string(), id);
        id
    }

    /// Allocates an id that no object will have: for dangling references, which real dumps
    /// contain (analyses must skip them).
    pub fn reserve_id(&mut self) -> u64 {
        self.ids.alloc(self.id_size as u64)
    }

    /// Defines a class. `name` in JVM form as HotSpot writes it: `java/lang/String`, `[B`,
    /// `[Ljava/lang/Object;`. `super_class: None` means no superclass (only right for
    /// `java/lang/Object`; use [`HeapBuilder::object_class`] otherwise). `fields` are the class's
    /// own instance fields in declaration order. Statics may use any name, e.g. HotSpot's
    /// synthetic `<resolved_references>` (an `Object[]`).
    pub fn class(
        &mut self,
        name: &str,
        super_class: Option<ClassRef>,
        fields: &[(&str, BasicType)],
        statics: &[(&str, Value)],
    ) -> ClassRef {
        let n = self.id_size as usize;
        let mut layout = Vec::new();
        let mut own_fields = Vec::new();
        let mut off = 0;
        for &(fname, ty) in fields {
            own_fields.push((self.name_id(fname), ty));
            layout.push(Slot {
                name: fname.to_string(),
                ty,
                offset: off,
            });
            off += ty.size(self.id_size);
        }
        let own_bytes = off as u64;
        let (super_id, super_rec) =
            match super_class.and_then(|s| self.classes.get(s.index as usize)) {
                Some(s) => {
                    layout.extend(s.layout.iter().map(|f| Slot {
                        offset: f.offset + off,
                        ..f.clone()
                    }));
                    off += s.field_bytes;
                    (s.id, s.rec_size)
                }
                None => (0, 2 * n as u64),
            };
        let statics = statics
            .iter()
            .map(|&(s, v)| (s.to_string(), self.name_id(s), v))
            .collect::<Vec<_>>();
        let name_id = self.name_id(name);
        let id = self
            .ids
            .alloc(align_up(2 * n as u64 + 8 * statics.len() as u64 + 64, 8));
        let index = self.classes.len() as u32;
        self.classes.push(ClassData {
            id,
            name: name.to_string(),
            name_id,
            super_id,
            loader_id: self.default_loader,
            statics,
            own_fields,
            layout,
            field_bytes: off,
            rec_size: align_up(own_bytes + super_rec, n as u64),
        });
        self.class_index.entry(name.to_string()).or_insert(index);
        ClassRef { id, index }
    }

    /// The first class created with this name.
    pub fn class_by_name(&self, name: &str) -> Option<ClassRef> {
        let &index = self.class_index.get(name)?;
        Some(ClassRef {
            id: self.classes[index as usize].id,
            index,
        })
    }

    /// The class named `name`, or a new one extending `java/lang/Object` with `loader`.
    fn class_or(&mut self, name: &str, fields: &[(&str, BasicType)], loader: u64) -> ClassRef {
        if let Some(c) = self.class_by_name(name) {
            return c;
        }
        let object = self.object_class();
        let c = self.class(name, Some(object), fields, &[]);
        self.set_class_loader(c, loader);
        c
    }

    /// `java/lang/Object` (bootstrap loader), created on first use.
    pub fn object_class(&mut self) -> ClassRef {
        match self.class_by_name("java/lang/Object") {
            Some(c) => c,
            None => {
                let c = self.class("java/lang/Object", None, &[], &[]);
                self.set_class_loader(c, 0u64);
                c
            }
        }
    }

    /// The array class whose elements are `elem` (`"java/lang/String"` → `[Ljava/lang/String;`,
    /// `"[B"` → `[[B`), extending `java/lang/Object`, created on first use with the element
    /// class's loader (as the JVM does).
    pub fn array_class(&mut self, elem: &str) -> ClassRef {
        let name = if elem.starts_with('[') {
            format!("[{elem}")
        } else {
            format!("[L{elem};")
        };
        let loader = self
            .class_by_name(elem)
            .map_or(0, |c| self.classes[c.index as usize].loader_id);
        self.class_or(&name, &[], loader)
    }

    /// Sets a class's loader (an object id; 0 = bootstrap).
    pub fn set_class_loader(&mut self, class: ClassRef, loader: impl Into<u64>) {
        if let Some(c) = self.classes.get_mut(class.index as usize) {
            c.loader_id = loader.into();
        }
    }

    /// Loader of classes created by later [`HeapBuilder::class`] calls (default 0, bootstrap).
    /// JDK classes the builder creates itself (Object, String, Thread, `[B`…) stay bootstrap.
    pub fn set_default_class_loader(&mut self, loader: impl Into<u64>) {
        self.default_loader = loader.into();
    }

    /// Sets (or adds) a static field.
    pub fn set_static(&mut self, class: ClassRef, name: &str, value: Value) {
        let name_id = self.name_id(name);
        let Some(c) = self.classes.get_mut(class.index as usize) else {
            return;
        };
        match c.statics.iter_mut().find(|s| s.0 == name) {
            Some(s) => s.2 = value,
            None => c.statics.push((name.to_string(), name_id, value)),
        }
    }

    fn push_object(&mut self, size: u64, data: ObjData) -> ObjRef {
        let id = self.ids.alloc(size);
        let index = self.objects.len() as u32;
        self.objects.push((id, data));
        ObjRef { id, index }
    }

    /// An instance of `class`; unlisted fields are zero/null. A name resolves to the most
    /// derived class's field (as Java's shadowing does).
    pub fn instance(&mut self, class: ClassRef, fields: &[(&str, Value)]) -> ObjRef {
        let Some(c) = self.classes.get(class.index as usize) else {
            debug_assert!(false, "unknown class");
            return ObjRef {
                id: 0,
                index: u32::MAX,
            };
        };
        let mut bytes = vec![0u8; c.field_bytes];
        for &(name, v) in fields {
            put_field(c, &mut bytes, name, v, self.id_size);
        }
        let size = align_up(c.rec_size, 8);
        self.push_object(
            size,
            ObjData::Instance {
                class: class.index,
                bytes,
            },
        )
    }

    /// Sets a field of an instance after creation (so cycles can be built).
    pub fn set_field(&mut self, obj: ObjRef, name: &str, value: impl Into<Value>) {
        let id_size = self.id_size;
        if let Some((_, ObjData::Instance { class, bytes })) =
            self.objects.get_mut(obj.index as usize)
        {
            put_field(
                &self.classes[*class as usize],
                bytes,
                name,
                value.into(),
                id_size,
            );
        } else {
            debug_assert!(false, "set_field on a non-instance");
        }
    }

    /// Reads back an instance field.
    pub fn field(&self, obj: ObjRef, name: &str) -> Option<Value> {
        let (_, ObjData::Instance { class, bytes }) = self.objects.get(obj.index as usize)? else {
            return None;
        };
        let slot = self.classes[*class as usize]
            .layout
            .iter()
            .find(|s| s.name == name)?;
        let b = &bytes[slot.offset..slot.offset + slot.ty.size(self.id_size)];
        Some(match slot.ty {
            BasicType::Object => Value::Object(BigEndian::read_uint(b, b.len())),
            BasicType::Boolean => Value::Boolean(b[0] != 0),
            BasicType::Char => Value::Char(BigEndian::read_u16(b)),
            BasicType::Float => Value::Float(BigEndian::read_f32(b)),
            BasicType::Double => Value::Double(BigEndian::read_f64(b)),
            BasicType::Byte => Value::Byte(b[0] as i8),
            BasicType::Short => Value::Short(BigEndian::read_i16(b)),
            BasicType::Int => Value::Int(BigEndian::read_i32(b)),
            BasicType::Long => Value::Long(BigEndian::read_i64(b)),
        })
    }

    /// An object array of class `array_class` (e.g. from [`HeapBuilder::array_class`]).
    pub fn obj_array(&mut self, array_class: ClassRef, elements: &[Option<ObjRef>]) -> ObjRef {
        let ids: Vec<u64> = elements.iter().map(|e| e.map_or(0, |o| o.id)).collect();
        self.obj_array_ids(array_class, &ids)
    }

    /// An object array with raw element ids (0 = null; ids not in the dump are dangling).
    pub fn obj_array_ids(&mut self, array_class: ClassRef, elements: &[u64]) -> ObjRef {
        let n = self.id_size as u64;
        let size = 2 * n + 4 + n * elements.len() as u64;
        self.push_object(
            size,
            ObjData::ObjArray {
                class: array_class.index,
                elems: elements.to_vec(),
            },
        )
    }

    /// Sets an element of an object array after creation.
    pub fn set_element(&mut self, array: ObjRef, index: usize, value: Option<ObjRef>) {
        if let Some((_, ObjData::ObjArray { elems, .. })) =
            self.objects.get_mut(array.index as usize)
        {
            if let Some(e) = elems.get_mut(index) {
                *e = value.map_or(0, |o| o.id);
            }
        }
    }

    /// A primitive array; `data` is the raw big-endian element bytes (see [`encode_values`]).
    /// Its array class (`[B`, `[I`, …) is created on first use, as HotSpot dumps those too.
    pub fn prim_array(&mut self, elem_type: BasicType, data: &[u8]) -> ObjRef {
        debug_assert!(elem_type != BasicType::Object);
        let class = self.class_or(elem_type.array_class_name(), &[], 0).index;
        let n = self.id_size as u64;
        let size = align_up(2 * n + 4, n) + data.len() as u64;
        self.push_object(
            size,
            ObjData::PrimArray {
                class,
                ty: elem_type,
                data: data.to_vec(),
            },
        )
    }

    /// A `java.lang.String` laid out as JDK 17 does: `value` (byte[]), `coder` (0 LATIN1 when
    /// every char fits, else 1 UTF16 little-endian as on x86), `hash` (String.hashCode),
    /// `hashIsZero`. Creates `java/lang/String` and `[B` once; each call makes a new String
    /// (duplicates are what the duplicate-strings analysis looks for).
    pub fn string(&mut self, s: &str) -> ObjRef {
        use BasicType::*;
        let class = self.class_or(
            "java/lang/String",
            &[
                ("value", Object),
                ("coder", Byte),
                ("hash", Int),
                ("hashIsZero", Boolean),
            ],
            0,
        );
        let units: Vec<u16> = s.encode_utf16().collect();
        let latin1 = units.iter().all(|&u| u <= 0xFF);
        let bytes: Vec<u8> = if latin1 {
            units.iter().map(|&u| u as u8).collect()
        } else {
            units.iter().flat_map(|u| u.to_le_bytes()).collect()
        };
        let hash = units
            .iter()
            .fold(0i32, |h, &u| h.wrapping_mul(31).wrapping_add(u as i32));
        let value = self.prim_array(Byte, &bytes);
        let obj = self.instance(class, &[]);
        let fields = [
            ("value", Value::from(value)),
            ("coder", Value::Byte(!latin1 as i8)),
            ("hash", Value::Int(hash)),
            ("hashIsZero", Value::Boolean(hash == 0)),
        ];
        for (name, v) in fields {
            if self.has_field(class, name) {
                self.set_field(obj, name, v);
            }
        }
        obj
    }

    fn has_field(&self, class: ClassRef, name: &str) -> bool {
        self.classes[class.index as usize]
            .layout
            .iter()
            .any(|s| s.name == name)
    }

    /// Adds a root sub-record for `target` (dangling targets are allowed).
    pub fn root(&mut self, target: impl Into<u64>, kind: RootKind) {
        self.roots.push((target.into(), kind));
    }

    /// A thread as HotSpot dumps it: a `java/lang/Thread` instance (`name`, `tid`, `daemon`,
    /// `priority`; created once unless defined by the caller) with its name String, a ROOT
    /// THREAD OBJECT, STACK FRAME + STACK TRACE records (serial = thread serial + 1, as HotSpot
    /// numbers them after the dummy trace 1), a START THREAD record (optional at write) and one
    /// ROOT JAVA FRAME per frame local.
    pub fn thread(&mut self, name: &str, frames: &[Frame<'_>]) -> ThreadRef {
        use BasicType::*;
        let class = self.class_or(
            "java/lang/Thread",
            &[
                ("name", Object),
                ("tid", Long),
                ("daemon", Boolean),
                ("priority", Int),
            ],
            0,
        );
        let name_obj = self.string(name);
        let serial = self.threads.len() as u32 + 1;
        let stack_serial = DUMMY_STACK_SERIAL + serial;
        let object = self.instance(class, &[]);
        let fields = [
            ("name", Value::from(name_obj)),
            ("tid", Value::Long(serial as i64)),
            ("priority", Value::Int(5)),
        ];
        for (fname, v) in fields {
            if self.has_field(class, fname) {
                self.set_field(object, fname, v);
            }
        }
        self.root(
            object,
            RootKind::ThreadObject {
                thread_serial: serial,
                stack_serial,
            },
        );
        let mut data = Vec::new();
        for (depth, f) in frames.iter().enumerate() {
            let frame_id = self.next_frame_id;
            self.next_frame_id += 1;
            data.push(FrameData {
                frame_id,
                method_id: self.name_id(f.method),
                signature_id: self.name_id(f.signature),
                source_id: if f.source_file.is_empty() {
                    0
                } else {
                    self.name_id(f.source_file)
                },
                class_serial: f.class.serial(),
                line: f.line,
            });
            for &local in f.locals {
                self.root(
                    local,
                    RootKind::JavaFrame {
                        thread_serial: serial,
                        frame: depth as u32,
                    },
                );
            }
        }
        let r = ThreadRef {
            object,
            serial,
            stack_serial,
        };
        let name_id = self.name_id(name);
        self.threads.push(ThreadData {
            r,
            name_id,
            frames: data,
        });
        r
    }

    /// Classes `emit_basics` would add, with the ids they would get (the builder is unchanged).
    fn basics(&self, opts: &WriteOptions) -> (Vec<ClassData>, Vec<(u64, Vec<u8>)>) {
        let (mut classes, mut names) = (Vec::new(), Vec::new());
        if !opts.emit_basics {
            return (classes, names);
        }
        let mut ids = self.ids.clone();
        let mut name_ids = self.name_ids.clone();
        let n = self.id_size as u64;
        let mut object_id = self.class_by_name("java/lang/Object").map_or(0, |c| c.id);
        for name in ["java/lang/Object", "java/lang/Class"] {
            if self.class_index.contains_key(name) {
                continue;
            }
            let name_id = self.name_index.get(name).copied().unwrap_or_else(|| {
                let id = name_ids.alloc(0);
                names.push((id, modified_utf8(name)));
                id
            });
            let id = ids.alloc(align_up(2 * n + 64, 8));
            let super_id = if name == "java/lang/Object" {
                0
            } else {
                object_id
            };
            if name == "java/lang/Object" {
                object_id = id;
            }
            classes.push(ClassData {
                id,
                name: name.to_string(),
                name_id,
                super_id,
                loader_id: 0,
                statics: Vec::new(),
                own_fields: Vec::new(),
                layout: Vec::new(),
                field_bytes: 0,
                rec_size: 2 * n,
            });
        }
        (classes, names)
    }

    /// What [`HeapBuilder::write`] with these options writes.
    pub fn summary(&self, opts: &WriteOptions) -> DumpSummary {
        let (extra, _) = self.basics(opts);
        let mut s = DumpSummary {
            classes: self.classes.len() + extra.len(),
            roots: self.roots.len(),
            threads: self.threads.len(),
            ..DumpSummary::default()
        };
        for c in self.classes.iter().chain(&extra) {
            s.per_class.entry(c.name.clone()).or_insert(0);
        }
        for (_, o) in &self.objects {
            let class = match o {
                ObjData::Instance { class, .. } => {
                    s.instances += 1;
                    class
                }
                ObjData::ObjArray { class, .. } => {
                    s.object_arrays += 1;
                    class
                }
                ObjData::PrimArray { class, .. } => {
                    s.primitive_arrays += 1;
                    class
                }
            };
            if let Some(c) = self.classes.get(*class as usize) {
                *s.per_class.entry(c.name.clone()).or_insert(0) += 1;
            }
        }
        s
    }

    /// Writes the dump.
    pub fn write(&self, opts: &WriteOptions) -> Vec<u8> {
        self.write_full(opts).bytes
    }

    /// Writes the dump in HotSpot's record order: UTF8s, LOAD CLASSes, the dummy stack trace,
    /// each thread's frames + trace, START THREADs, the heap dump (see [`DumpOrder`]), HEAP DUMP
    /// END. Returns the bytes, record/sub-record offsets and the summary.
    pub fn write_full(&self, opts: &WriteOptions) -> Written {
        let (extra, extra_names) = self.basics(opts);
        let mut w = HprofWriter::new(&opts.version, self.id_size, opts.timestamp_ms)
            .with_max_segment_bytes(opts.max_segment_bytes);
        for (id, bytes) in self.names.iter().chain(&extra_names) {
            w.utf8(*id, bytes);
        }
        let classes: Vec<&ClassData> = self.classes.iter().chain(&extra).collect();
        for (i, c) in classes.iter().enumerate() {
            for _ in 0..if opts.duplicate_load_class { 2 } else { 1 } {
                w.load_class(i as u32 + 1, c.id, DUMMY_STACK_SERIAL, c.name_id);
            }
        }
        w.stack_trace(DUMMY_STACK_SERIAL, 0, &[]);
        for t in &self.threads {
            for f in &t.frames {
                w.stack_frame(
                    f.frame_id,
                    f.method_id,
                    f.signature_id,
                    f.source_id,
                    f.class_serial,
                    f.line,
                );
            }
            let ids: Vec<u64> = t.frames.iter().map(|f| f.frame_id).collect();
            w.stack_trace(t.r.stack_serial, t.r.serial, &ids);
        }
        if opts.start_thread_records {
            for t in &self.threads {
                w.start_thread(t.r.serial, t.r.object.id, t.r.stack_serial, t.name_id, 0, 0);
            }
        }
        w.begin_heap_dump(opts.segmented);
        let write_classes = |w: &mut HprofWriter| {
            for c in &classes {
                w.class_dump(&ClassDump {
                    class_id: c.id,
                    stack_serial: DUMMY_STACK_SERIAL,
                    super_id: c.super_id,
                    loader_id: c.loader_id,
                    instance_size: c.field_bytes as u32,
                    statics: c.statics.iter().map(|s| (s.1, s.2)).collect(),
                    fields: c.own_fields.clone(),
                    ..ClassDump::default()
                });
            }
        };
        let write_objects = |w: &mut HprofWriter| {
            for (id, o) in &self.objects {
                let class_id = |c: &u32| self.classes.get(*c as usize).map_or(0, |c| c.id);
                match o {
                    ObjData::Instance { class, bytes } => {
                        w.instance(*id, DUMMY_STACK_SERIAL, class_id(class), bytes)
                    }
                    ObjData::ObjArray { class, elems } => {
                        w.obj_array(*id, DUMMY_STACK_SERIAL, class_id(class), elems)
                    }
                    ObjData::PrimArray { ty, data, .. } => {
                        w.prim_array(*id, DUMMY_STACK_SERIAL, *ty, data)
                    }
                }
            }
        };
        let write_roots = |w: &mut HprofWriter, thread_roots: bool| {
            for &(id, kind) in self
                .roots
                .iter()
                .filter(|r| r.1.is_thread_root() == thread_roots)
            {
                w.root(id, kind);
            }
        };
        match opts.order {
            DumpOrder::ClassesFirst => {
                write_classes(&mut w);
                write_roots(&mut w, true);
                write_objects(&mut w);
                write_roots(&mut w, false);
            }
            DumpOrder::InstancesFirst => {
                write_objects(&mut w);
                write_classes(&mut w);
                write_roots(&mut w, true);
                write_roots(&mut w, false);
            }
        }
        w.end_heap_dump();
        if opts.segmented {
            w.heap_dump_end();
        }
        let record_offsets = w.record_offsets().to_vec();
        let sub_record_offsets = w.sub_record_offsets().to_vec();
        Written {
            bytes: w.finish(),
            record_offsets,
            sub_record_offsets,
            summary: self.summary(opts),
        }
    }
}

/// Writes `v` into the slot named `name` of an instance of `c` (converted to zero if the type
/// differs, so the layout never shifts).
fn put_field(c: &ClassData, bytes: &mut [u8], name: &str, v: Value, id_size: u32) {
    let Some(slot) = c.layout.iter().find(|s| s.name == name) else {
        debug_assert!(false, "class {} has no field {name}", c.name);
        return;
    };
    debug_assert_eq!(v.basic_type(), slot.ty, "field {}.{name}", c.name);
    let v = if v.basic_type() == slot.ty {
        v
    } else {
        slot.ty.zero()
    };
    let mut tmp = Vec::with_capacity(8);
    v.write_to(&mut tmp, id_size);
    bytes[slot.offset..slot.offset + tmp.len()].copy_from_slice(&tmp);
}
