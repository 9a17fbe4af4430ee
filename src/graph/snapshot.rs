//! A compact binary snapshot of an analysed dump: [`HeapGraph`] + [`Dominance`] + an opaque
//! caller payload, so that one process (the browser's build worker, whose wasm memory has grown
//! to the build's peak and cannot shrink) can hand the result to a fresh one that holds only
//! what is kept.
//!
//! # Reading allocates each structure once
//!
//! [`read_snapshot`] pulls bytes from a `source` callback into one bounded scratch buffer
//! ([`PIECE`] = 1 MiB) and decodes every column straight into a vector allocated at its final
//! length (`Vec::with_capacity(exact)`, or for byte columns a zeroed vector the source fills in
//! place). The snapshot is never held whole next to the structures, and after reading every
//! vector's capacity equals its length. [`write_snapshot`] likewise converts columns through a
//! 1 MiB buffer (byte columns go to the sink as they are), so the sink sees pieces of about
//! 1 MiB or a whole byte column.
//!
//! # Format (version [`FORMAT_VERSION`]; all integers little-endian)
//!
//! ```text
//! header   magic "HLSNAP\r\n" · u32 version · u64 total length · u32 check of (version, length)
//! body     extra payload (u64 length + bytes)
//!          dump metadata, size rule, class table, ids, class/length column, edge offsets,
//!          targets, slots, jumps, thread locals, class nodes, roots, field store, string
//!          store, build stats, dominance (idom, retained units + granule + large table,
//!          children order, reachable)
//! trailer  "HLSNEND\n"
//! ```
//!
//! A column is a `u64` element count followed by its elements as raw little-endian bytes
//! (pairs such as `(u32, u64)` as the two values back to back); a string or byte blob is a
//! `u64` length and the bytes. Small metadata (symbols, frames, traces, threads, classes,
//! roots) uses the same primitives field by field: a count, then each record's fields in
//! declaration order; enums are a tag byte; `Option` is a tag byte and the value. Hash maps
//! are written as entries sorted by key, so the same graph always gives the same bytes.
//!
//! # What is checked on reading
//!
//! The snapshot is trusted: it is written by the same build moments before it is read. Reading
//! checks what keeps it from panicking or allocating without bound — the magic, the version,
//! the header's check word, every length against the bytes the header says remain (before
//! allocating), enum tags, UTF-8 of strings, the lengths that structures must agree on (node
//! count across columns, targets vs slots), the trailer and the total length — and returns a
//! [`SnapshotError`] naming the byte offset and the item being read. It does **not** re-check
//! graph invariants (node indices in range, sorted side tables, offsets consistent with
//! degrees): a snapshot altered after writing may read back as a graph whose queries panic.

use super::classes::{ClassInfo, ClassKind, FieldSlot, SizeRule, StaticSlot};
use super::ids::{ClassLenColumn, IdColumn, IdMap};
use super::offsets::EdgeOffsets;
use super::retained::{Dominance, RetainedSizes};
use super::store::{FieldStore, NodeRank, StringStore};
use super::{BuildStats, DumpMeta, HeapGraph, RootRef};
use crate::hprof::{
    BasicType, Header, HeapSummary, Id, Item, LoadClass, RootKind, StackFrame, StackTrace, StartThread, Value, Version,
    Warning,
};
use std::collections::HashMap;
use std::fmt;

/// The first 8 bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"HLSNAP\r\n";
/// The last 8 bytes of every snapshot.
const TRAILER: [u8; 8] = *b"HLSNEND\n";
/// Version of the format written by this build (the only one it reads).
pub const FORMAT_VERSION: u32 = 1;
/// Header: magic, version, total length, check word.
const HEADER_LEN: u64 = 8 + 4 + 8 + 4;
/// Size of the scratch buffer used to convert columns, and of the pieces handed to the sink.
pub const PIECE: usize = 1 << 20;

/// A snapshot read back by [`read_snapshot`].
pub struct Snapshot {
    pub graph: HeapGraph,
    pub dominance: Dominance,
    /// The caller's payload, as given to [`write_snapshot`].
    pub extra: Vec<u8>,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("nodes", &self.graph.node_count())
            .field("reachable", &self.dominance.reachable)
            .field("extra_len", &self.extra.len())
            .finish()
    }
}

/// Why a snapshot could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotErrorKind {
    /// The input does not start with [`MAGIC`]: not a snapshot.
    BadMagic,
    /// A snapshot of another format version.
    UnsupportedVersion(u32),
    /// The header's check word does not match its version and length (a damaged header).
    BadHeader,
    /// A length that needs more bytes than the snapshot has left.
    TooLong { needed: u64, remaining: u64 },
    /// The source could not deliver the bytes (a truncated snapshot, an I/O error).
    Source(String),
    /// A value the format does not allow (unknown tag, invalid UTF-8, bad trailer).
    Invalid(String),
    /// Structures whose lengths disagree.
    Inconsistent(String),
}

/// A snapshot read failure: where (byte offset in the snapshot of the item being read), what
/// was being read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError {
    pub offset: u64,
    /// The item being read, e.g. ``column `targets` ``.
    pub what: &'static str,
    pub kind: SnapshotErrorKind,
}

impl fmt::Display for SnapshotErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotErrorKind::BadMagic => f.write_str("not a heaplens snapshot (bad magic bytes)"),
            SnapshotErrorKind::UnsupportedVersion(v) => {
                write!(f, "snapshot format version {v}; this build reads version {FORMAT_VERSION}")
            }
            SnapshotErrorKind::BadHeader => f.write_str("damaged header (check word mismatch)"),
            SnapshotErrorKind::TooLong { needed, remaining } => {
                write!(f, "length needs {needed} bytes but only {remaining} remain")
            }
            SnapshotErrorKind::Source(m) => write!(f, "could not read: {m}"),
            SnapshotErrorKind::Invalid(m) => write!(f, "invalid value: {m}"),
            SnapshotErrorKind::Inconsistent(m) => write!(f, "inconsistent lengths: {m}"),
        }
    }
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "snapshot byte {}, reading {}: {}", self.offset, self.what, self.kind)
    }
}

impl std::error::Error for SnapshotError {}

/// Exact size in bytes of the snapshot [`write_snapshot`] produces.
pub fn snapshot_len(g: &HeapGraph, d: &Dominance, extra: &[u8]) -> u64 {
    let mut c = Count(0);
    encode(&mut c, g, d, extra);
    HEADER_LEN + c.0
}

/// Writes the snapshot as consecutive pieces (about [`PIECE`] bytes each, or a whole byte
/// column); their total is [`snapshot_len`].
pub fn write_snapshot(g: &HeapGraph, d: &Dominance, extra: &[u8], sink: &mut dyn FnMut(&[u8])) {
    let total = snapshot_len(g, d, extra);
    let mut s = Sink { sink, buf: Vec::with_capacity(PIECE), written: 0 };
    s.bytes(&MAGIC);
    s.u32(FORMAT_VERSION);
    s.u64(total);
    s.u32(header_check(FORMAT_VERSION, total));
    encode(&mut s, g, d, extra);
    s.flush();
    debug_assert_eq!(s.written, total, "snapshot_len disagrees with write_snapshot");
}

/// Reads a snapshot. `source(buf)` must fill `buf` entirely with the next bytes of the
/// snapshot, or return `Err(message)`. It is never asked for bytes past the snapshot's end.
pub fn read_snapshot(source: &mut dyn FnMut(&mut [u8]) -> Result<(), String>) -> Result<Snapshot, SnapshotError> {
    let mut r =
        In { source, buf: Vec::new(), head: 0, tail: 0, fetched: 0, total: HEADER_LEN, item: 0, what: "header" };
    let mut magic = [0u8; 8];
    r.direct(&mut magic)?;
    if magic != MAGIC {
        return Err(r.err(SnapshotErrorKind::BadMagic));
    }
    let mut rest = [0u8; (HEADER_LEN - 8) as usize];
    r.direct(&mut rest)?;
    let version = u32::from_le_bytes(rest[0..4].try_into().expect("4 bytes"));
    let total = u64::from_le_bytes(rest[4..12].try_into().expect("8 bytes"));
    let check = u32::from_le_bytes(rest[12..16].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(r.err(SnapshotErrorKind::UnsupportedVersion(version)));
    }
    if check != header_check(version, total) || total < HEADER_LEN + TRAILER.len() as u64 {
        return Err(r.err(SnapshotErrorKind::BadHeader));
    }
    r.total = total;
    r.buf = vec![0u8; (PIECE as u64).min(total - HEADER_LEN) as usize];
    let snapshot = decode(&mut r)?;
    r.begin("trailer");
    if r.take(TRAILER.len())? != TRAILER {
        return Err(r.err(SnapshotErrorKind::Invalid("trailer missing".into())));
    }
    if r.pos() != total {
        return Err(r.err(SnapshotErrorKind::Inconsistent(format!("snapshot ends at {} of {total} bytes", r.pos()))));
    }
    Ok(snapshot)
}

fn header_check(version: u32, total: u64) -> u32 {
    let h = (total ^ (version as u64).rotate_left(32) ^ 0x5EED_5EED).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 32) ^ h) as u32
}

// ---- Elements of columns ----------------------------------------------------------------------

/// A fixed-size value stored as little-endian bytes.
trait Elem: Copy {
    const SIZE: usize;
    fn put(self, out: &mut [u8]);
    fn get(b: &[u8]) -> Self;
}

impl Elem for u16 {
    const SIZE: usize = 2;
    #[inline]
    fn put(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        u16::from_le_bytes(b.try_into().expect("2 bytes"))
    }
}

impl Elem for u32 {
    const SIZE: usize = 4;
    #[inline]
    fn put(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        u32::from_le_bytes(b.try_into().expect("4 bytes"))
    }
}

impl Elem for u64 {
    const SIZE: usize = 8;
    #[inline]
    fn put(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        u64::from_le_bytes(b.try_into().expect("8 bytes"))
    }
}

impl Elem for (u32, u32) {
    const SIZE: usize = 8;
    #[inline]
    fn put(self, out: &mut [u8]) {
        self.0.put(&mut out[..4]);
        self.1.put(&mut out[4..]);
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        (u32::get(&b[..4]), u32::get(&b[4..]))
    }
}

impl Elem for (u32, u64) {
    const SIZE: usize = 12;
    #[inline]
    fn put(self, out: &mut [u8]) {
        self.0.put(&mut out[..4]);
        self.1.put(&mut out[4..]);
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        (u32::get(&b[..4]), u64::get(&b[4..]))
    }
}

// ---- Writing ---------------------------------------------------------------------------------

/// Where encoded bytes go: a counter (for [`snapshot_len`]) or the caller's sink.
trait Out {
    fn bytes(&mut self, b: &[u8]);
    fn elems<T: Elem>(&mut self, v: &[T]);

    fn u8(&mut self, x: u8) {
        self.bytes(&[x]);
    }
    fn bool(&mut self, x: bool) {
        self.u8(x as u8);
    }
    fn u32(&mut self, x: u32) {
        self.bytes(&x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.bytes(&x.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    /// A byte blob or byte column: length, then the bytes.
    fn blob(&mut self, b: &[u8]) {
        self.len(b.len());
        self.bytes(b);
    }
    fn str(&mut self, s: &str) {
        self.blob(s.as_bytes());
    }
    /// A numeric column: element count, then the elements.
    fn col<T: Elem>(&mut self, v: &[T]) {
        self.len(v.len());
        self.elems(v);
    }
    fn opt_u32(&mut self, x: Option<u32>) {
        match x {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.u32(v);
            }
        }
    }
}

struct Count(u64);

impl Out for Count {
    fn bytes(&mut self, b: &[u8]) {
        self.0 += b.len() as u64;
    }
    fn elems<T: Elem>(&mut self, v: &[T]) {
        self.0 += (v.len() * T::SIZE) as u64;
    }
}

struct Sink<'a> {
    sink: &'a mut dyn FnMut(&[u8]),
    /// Small items and converted columns, handed over in pieces of at most [`PIECE`] bytes.
    buf: Vec<u8>,
    written: u64,
}

impl Sink<'_> {
    fn flush(&mut self) {
        if !self.buf.is_empty() {
            (self.sink)(&self.buf);
            self.written += self.buf.len() as u64;
            self.buf.clear();
        }
    }
}

impl Out for Sink<'_> {
    fn bytes(&mut self, b: &[u8]) {
        if b.len() >= PIECE / 2 {
            // Big byte columns go out as they are, in one piece (after what precedes them).
            self.flush();
            (self.sink)(b);
            self.written += b.len() as u64;
            return;
        }
        if self.buf.len() + b.len() > PIECE {
            self.flush();
        }
        self.buf.extend_from_slice(b);
    }
    fn elems<T: Elem>(&mut self, mut v: &[T]) {
        while !v.is_empty() {
            let room = (PIECE - self.buf.len()) / T::SIZE;
            if room == 0 {
                self.flush();
                continue;
            }
            let k = room.min(v.len());
            let start = self.buf.len();
            self.buf.resize(start + k * T::SIZE, 0);
            for (out, &x) in self.buf[start..].chunks_exact_mut(T::SIZE).zip(&v[..k]) {
                x.put(out);
            }
            v = &v[k..];
        }
    }
}

fn encode<O: Out>(o: &mut O, g: &HeapGraph, d: &Dominance, extra: &[u8]) {
    o.blob(extra);
    encode_meta(o, &g.meta);
    let s = &g.sizes;
    o.u32(s.pointer);
    o.u32(s.reference);
    o.u32(s.alignment);
    o.bool(s.compressed_oops);
    o.len(g.classes.len());
    for c in &g.classes {
        encode_class(o, c);
    }

    let (shift, block_base, deltas, big) = g.ids.raw_parts();
    o.u32(shift);
    o.col(block_base);
    o.blob(deltas);
    o.col(big);

    match &g.class_len {
        ClassLenColumn::Packed { packed, long_lens } => {
            o.u8(0);
            o.col(packed);
            o.col(long_lens);
        }
        ClassLenColumn::Split { class_of, lens } => {
            o.u8(1);
            o.col(class_of);
            o.col(lens);
        }
    }

    let (block_start, sub_start, has_big, degree, big) = g.offsets.raw_parts();
    o.col(block_start);
    o.col(sub_start);
    o.col(has_big);
    o.blob(degree);
    o.col(big);

    o.col(&g.targets);
    o.blob(&g.slots);
    o.col(&g.jumps);
    o.col(&sorted_pairs(&g.locals_count));
    o.col(&sorted_pairs(&g.class_by_node));
    o.col(&g.class_classes);

    o.len(g.roots.len());
    for r in &g.roots {
        o.u32(r.node);
        o.u8(root_kind_code(r.kind));
        o.opt_u32(r.thread_serial);
        o.opt_u32(r.frame);
        o.u32(r.thread_node);
    }
    o.col(&g.root_nodes);

    let (members, starts, data) = g.fields.raw_parts();
    encode_rank(o, members);
    o.col(starts);
    o.blob(data);
    let (members, preview_at, text, utf16) = g.strings.raw_parts();
    encode_rank(o, members);
    o.col(preview_at);
    o.blob(text);
    o.col(utf16);

    let st = &g.stats;
    o.u32(st.heap_records);
    o.u64(st.edges);
    o.u64(st.dangling_refs);
    o.u64(st.dangling_roots);
    o.u64(st.duplicate_ids);
    o.u64(st.malformed_instances);
    o.bool(st.input_changed);

    let (retained, by_parent) = d.raw_parts();
    let (units, granule, large) = retained.raw_parts();
    o.col(&d.idom);
    o.col(units);
    o.u64(granule);
    o.col(large);
    o.col(by_parent);
    o.u64(d.reachable as u64);

    o.bytes(&TRAILER);
}

fn sorted_pairs(m: &IdMap<u32, u32>) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = m.iter().map(|(&k, &x)| (k, x)).collect();
    v.sort_unstable();
    v
}

fn encode_rank<O: Out>(o: &mut O, r: &NodeRank) {
    let (bits, before) = r.raw_parts();
    o.col(bits);
    o.col(before);
}

fn encode_meta<O: Out>(o: &mut O, m: &DumpMeta) {
    o.u8(match m.header.version {
        Version::V101 => 0,
        Version::V102 => 1,
        Version::V103 => 2,
    });
    o.u8(m.header.id_size);
    o.u64(m.header.timestamp_ms);

    let mut strings: Vec<(&Id, &String)> = m.strings.iter().collect();
    strings.sort_unstable_by_key(|e| *e.0);
    o.len(strings.len());
    for (&id, s) in strings {
        o.u64(id);
        o.str(s);
    }

    o.len(m.load_classes.len());
    for l in &m.load_classes {
        o.u32(l.serial);
        o.u64(l.class_id);
        o.u32(l.stack_serial);
        o.u64(l.name_id);
    }

    let mut frames: Vec<(&Id, &StackFrame)> = m.frames.iter().collect();
    frames.sort_unstable_by_key(|e| *e.0);
    o.len(frames.len());
    for (&id, f) in frames {
        o.u64(id);
        o.u64(f.frame_id);
        o.u64(f.method_name_id);
        o.u64(f.signature_id);
        o.u64(f.source_file_id);
        o.u32(f.class_serial);
        o.u32(f.line as u32);
    }

    let mut traces: Vec<(&u32, &StackTrace)> = m.traces.iter().collect();
    traces.sort_unstable_by_key(|e| *e.0);
    o.len(traces.len());
    for (&k, t) in traces {
        o.u32(k);
        o.u32(t.serial);
        o.u32(t.thread_serial);
        o.col(&t.frame_ids);
    }

    o.len(m.threads.len());
    for t in &m.threads {
        o.u32(t.thread_serial);
        o.u64(t.thread_object_id);
        o.u32(t.stack_serial);
        o.u64(t.name_id);
        o.u64(t.group_name_id);
        o.u64(t.parent_group_name_id);
    }

    match &m.heap_summary {
        None => o.u8(0),
        Some(h) => {
            o.u8(1);
            o.u32(h.live_bytes);
            o.u32(h.live_instances);
            o.u64(h.allocated_bytes);
            o.u64(h.allocated_instances);
        }
    }

    o.len(m.warnings.len());
    for w in &m.warnings {
        match *w {
            Warning::Truncated { offset, item } => {
                o.u8(0);
                o.u64(offset);
                let (tag, t) = match item {
                    Item::Gzip => (0, 0),
                    Item::Header => (1, 0),
                    Item::Record(t) => (2, t),
                    Item::SubRecord(t) => (3, t),
                };
                o.u8(tag);
                o.u8(t);
            }
            Warning::HeapRecordRanToEnd { offset } => {
                o.u8(1);
                o.u64(offset);
            }
            Warning::TrailingGarbage { offset } => {
                o.u8(2);
                o.u64(offset);
            }
        }
    }
    o.u64(m.bytes);
}

fn encode_class<O: Out>(o: &mut O, c: &ClassInfo) {
    o.u64(c.id);
    o.u32(c.node);
    o.str(&c.name);
    o.u32(c.super_class);
    o.u64(c.loader);
    match c.kind {
        ClassKind::Instance => o.u8(0),
        ClassKind::ObjectArray => o.u8(1),
        ClassKind::PrimitiveArray(e) => {
            o.u8(2);
            o.u8(e as u8);
        }
    }
    o.len(c.layout.len());
    for f in &c.layout {
        o.str(&f.name);
        o.u8(f.ty as u8);
        o.u32(f.offset);
        o.u32(f.ref_index);
    }
    o.u32(c.field_bytes);
    o.u32(c.ref_fields);
    o.len(c.statics.len());
    for s in &c.statics {
        o.str(&s.name);
        encode_value(o, s.value);
    }
    o.u32(c.vm_instance_size);
    o.u32(c.instance_size);
    o.u32(c.class_object_size);
}

fn encode_value<O: Out>(o: &mut O, v: Value) {
    match v {
        Value::Object(id) => {
            o.u8(0);
            o.u64(id);
        }
        Value::Boolean(b) => {
            o.u8(1);
            o.bool(b);
        }
        Value::Char(c) => {
            o.u8(2);
            o.bytes(&c.to_le_bytes());
        }
        Value::Float(f) => {
            o.u8(3);
            o.u32(f.to_bits());
        }
        Value::Double(f) => {
            o.u8(4);
            o.u64(f.to_bits());
        }
        Value::Byte(b) => {
            o.u8(5);
            o.u8(b as u8);
        }
        Value::Short(s) => {
            o.u8(6);
            o.bytes(&s.to_le_bytes());
        }
        Value::Int(i) => {
            o.u8(7);
            o.u32(i as u32);
        }
        Value::Long(l) => {
            o.u8(8);
            o.u64(l as u64);
        }
    }
}

/// Root kinds by their code in the format.
const ROOT_KINDS: [RootKind; 16] = [
    RootKind::Unknown,
    RootKind::JniGlobal,
    RootKind::JniLocal,
    RootKind::JavaFrame,
    RootKind::NativeStack,
    RootKind::StickyClass,
    RootKind::ThreadBlock,
    RootKind::MonitorUsed,
    RootKind::ThreadObject,
    RootKind::InternedString,
    RootKind::Finalizing,
    RootKind::Debugger,
    RootKind::ReferenceCleanup,
    RootKind::VmInternal,
    RootKind::JniMonitor,
    RootKind::Unreachable,
];

fn root_kind_code(k: RootKind) -> u8 {
    // Exhaustive, so a new kind is a compile error here (and gets a code after these).
    match k {
        RootKind::Unknown => 0,
        RootKind::JniGlobal => 1,
        RootKind::JniLocal => 2,
        RootKind::JavaFrame => 3,
        RootKind::NativeStack => 4,
        RootKind::StickyClass => 5,
        RootKind::ThreadBlock => 6,
        RootKind::MonitorUsed => 7,
        RootKind::ThreadObject => 8,
        RootKind::InternedString => 9,
        RootKind::Finalizing => 10,
        RootKind::Debugger => 11,
        RootKind::ReferenceCleanup => 12,
        RootKind::VmInternal => 13,
        RootKind::JniMonitor => 14,
        RootKind::Unreachable => 15,
    }
}

// ---- Reading ---------------------------------------------------------------------------------

struct In<'a> {
    source: &'a mut dyn FnMut(&mut [u8]) -> Result<(), String>,
    /// Scratch: `buf[head..tail]` are bytes fetched but not yet decoded.
    buf: Vec<u8>,
    head: usize,
    tail: usize,
    /// Bytes taken from the source so far.
    fetched: u64,
    /// Snapshot length (from the header).
    total: u64,
    /// Offset and name of the item being read, for errors.
    item: u64,
    what: &'static str,
}

type Res<T> = Result<T, SnapshotError>;

impl In<'_> {
    /// Offset of the next byte to decode.
    fn pos(&self) -> u64 {
        self.fetched - (self.tail - self.head) as u64
    }
    fn remaining(&self) -> u64 {
        self.total - self.pos()
    }
    fn begin(&mut self, what: &'static str) {
        self.item = self.pos();
        self.what = what;
    }
    /// Names the structure that started at `offset` (for the length checks after reading it).
    fn at(&mut self, offset: u64, what: &'static str) {
        self.item = offset;
        self.what = what;
    }
    fn err(&self, kind: SnapshotErrorKind) -> SnapshotError {
        SnapshotError { offset: self.item, what: self.what, kind }
    }
    fn invalid(&self, m: impl Into<String>) -> SnapshotError {
        self.err(SnapshotErrorKind::Invalid(m.into()))
    }
    fn check(&self, ok: bool, m: impl FnOnce() -> String) -> Res<()> {
        if ok {
            Ok(())
        } else {
            Err(self.err(SnapshotErrorKind::Inconsistent(m())))
        }
    }
    /// Fills `out` straight from the source (the scratch buffer must be empty).
    fn direct(&mut self, out: &mut [u8]) -> Res<()> {
        debug_assert_eq!(self.head, self.tail);
        (self.source)(out).map_err(|m| self.err(SnapshotErrorKind::Source(m)))?;
        self.fetched += out.len() as u64;
        Ok(())
    }
    /// Fails unless `bytes` more bytes remain.
    fn need(&self, bytes: u64) -> Res<()> {
        let remaining = self.remaining();
        if bytes > remaining {
            return Err(self.err(SnapshotErrorKind::TooLong { needed: bytes, remaining }));
        }
        Ok(())
    }
    /// Makes at least `n` (≤ the scratch size) bytes available in the scratch buffer.
    fn fill(&mut self, n: usize) -> Res<()> {
        let avail = self.tail - self.head;
        if avail >= n {
            return Ok(());
        }
        self.need(n as u64)?;
        self.buf.copy_within(self.head..self.tail, 0);
        self.head = 0;
        self.tail = avail;
        let want = ((self.buf.len() - avail) as u64).min(self.total - self.fetched) as usize;
        (self.source)(&mut self.buf[avail..avail + want]).map_err(|m| self.err(SnapshotErrorKind::Source(m)))?;
        self.fetched += want as u64;
        self.tail += want;
        Ok(())
    }
    fn take(&mut self, n: usize) -> Res<&[u8]> {
        self.fill(n)?;
        let s = &self.buf[self.head..self.head + n];
        self.head += n;
        Ok(s)
    }
    fn u8(&mut self) -> Res<u8> {
        Ok(self.take(1)?[0])
    }
    fn bool(&mut self) -> Res<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.invalid(format!("boolean {b}"))),
        }
    }
    fn u32(&mut self) -> Res<u32> {
        Ok(u32::get(self.take(4)?))
    }
    fn u64(&mut self) -> Res<u64> {
        Ok(u64::get(self.take(8)?))
    }
    /// A count of things taking at least `min_size` bytes each, checked against what remains.
    fn len(&mut self, min_size: u64) -> Res<usize> {
        let n = self.u64()?;
        self.need(n.saturating_mul(min_size))?;
        usize::try_from(n).map_err(|_| self.invalid(format!("length {n} exceeds the address space")))
    }
    fn opt_u32(&mut self) -> Res<Option<u32>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.u32()?)),
            t => Err(self.invalid(format!("option tag {t}"))),
        }
    }
    /// A byte blob or byte column, read into a vector of its exact length, mostly in place.
    fn blob(&mut self, what: &'static str) -> Res<Vec<u8>> {
        self.begin(what);
        let n = self.len(1)?;
        let mut v = vec![0u8; n];
        let from_buf = n.min(self.tail - self.head);
        v[..from_buf].copy_from_slice(&self.buf[self.head..self.head + from_buf]);
        self.head += from_buf;
        if from_buf < n {
            self.direct(&mut v[from_buf..])?;
        }
        Ok(v)
    }
    fn string(&mut self, what: &'static str) -> Res<String> {
        let b = self.blob(what)?;
        String::from_utf8(b).map_err(|e| self.invalid(format!("string is not UTF-8: {e}")))
    }
    /// A numeric column, decoded through the scratch buffer into a vector of its exact length.
    fn col<T: Elem>(&mut self, what: &'static str) -> Res<Vec<T>> {
        self.begin(what);
        let n = self.len(T::SIZE as u64)?;
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            self.fill(T::SIZE)?;
            let k = (n - v.len()).min((self.tail - self.head) / T::SIZE);
            let bytes = &self.buf[self.head..self.head + k * T::SIZE];
            v.extend(bytes.chunks_exact(T::SIZE).map(T::get));
            self.head += k * T::SIZE;
        }
        Ok(v)
    }
}

fn decode(r: &mut In<'_>) -> Res<Snapshot> {
    let extra = r.blob("extra payload")?;
    let meta = decode_meta(r)?;
    r.begin("size rule");
    let sizes = SizeRule { pointer: r.u32()?, reference: r.u32()?, alignment: r.u32()?, compressed_oops: r.bool()? };
    r.begin("class table");
    // A class takes at least 69 bytes (three empty lengths, no fields).
    let n_classes = r.len(69)?;
    let mut classes = Vec::with_capacity(n_classes);
    for _ in 0..n_classes {
        classes.push(decode_class(r)?);
    }

    r.begin("id column");
    let start = r.pos();
    let shift = r.u32()?;
    let block_base = r.col::<u64>("column `ids.block_base`")?;
    let deltas = r.blob("column `ids.deltas`")?;
    let big = r.col::<(u32, u64)>("column `ids.big`")?;
    let n = deltas.len();
    r.at(start, "id column");
    r.check(block_base.len() == n.div_ceil(64), || format!("{} id blocks for {n} nodes", block_base.len()))?;
    if shift >= 64 {
        return Err(r.invalid(format!("id shift {shift}")));
    }
    let ids = IdColumn::from_raw_parts(shift, block_base, deltas, big);

    r.begin("class/length column");
    let start = r.pos();
    let class_len = match r.u8()? {
        0 => ClassLenColumn::Packed {
            packed: r.col("column `class_len.packed`")?,
            long_lens: r.col("column `class_len.long_lens`")?,
        },
        1 => ClassLenColumn::Split {
            class_of: r.col("column `class_len.class_of`")?,
            lens: r.col("column `class_len.lens`")?,
        },
        t => return Err(r.invalid(format!("class/length column tag {t}"))),
    };
    r.at(start, "class/length column");
    if let ClassLenColumn::Split { class_of, lens } = &class_len {
        r.check(class_of.len() == lens.len(), || format!("{} classes for {} lengths", class_of.len(), lens.len()))?;
    }
    r.check(class_len.node_count() == n, || {
        format!("class/length column of {} nodes, not {n}", class_len.node_count())
    })?;

    let start = r.pos();
    let block_start = r.col::<u32>("column `offsets.block_start`")?;
    let sub_start = r.col::<u16>("column `offsets.sub_start`")?;
    let has_big = r.col::<u64>("column `offsets.has_big`")?;
    let degree = r.blob("column `offsets.degree`")?;
    let big = r.col::<(u32, u32)>("column `offsets.big`")?;
    r.at(start, "edge offsets");
    r.check(
        degree.len() == n
            && block_start.len() == n.div_ceil(64)
            && sub_start.len() == n.div_ceil(16)
            && has_big.len() == n.div_ceil(64).div_ceil(64),
        || format!("edge offsets sized for {} nodes, not {n}", degree.len()),
    )?;
    let offsets = EdgeOffsets::from_raw_parts(block_start, sub_start, has_big, degree, big);

    let start = r.pos();
    let targets = r.col::<u32>("column `targets`")?;
    let slots = r.blob("column `slots`")?;
    r.at(start, "edges");
    r.check(targets.len() == slots.len(), || format!("{} targets, {} slots", targets.len(), slots.len()))?;
    let jumps = r.col::<(u32, u32)>("column `jumps`")?;
    let locals_count = pairs_map(r.col::<(u32, u32)>("column `locals_count`")?);
    let class_by_node = pairs_map(r.col::<(u32, u32)>("column `class_by_node`")?);
    let class_classes = r.col::<u32>("column `class_classes`")?;

    r.begin("roots");
    let n_roots = r.len(4 + 1 + 1 + 1 + 4)?;
    let mut roots = Vec::with_capacity(n_roots);
    for _ in 0..n_roots {
        let node = r.u32()?;
        let code = r.u8()?;
        let kind = *ROOT_KINDS.get(code as usize).ok_or_else(|| r.invalid(format!("root kind {code}")))?;
        roots.push(RootRef { node, kind, thread_serial: r.opt_u32()?, frame: r.opt_u32()?, thread_node: r.u32()? });
    }
    let root_nodes = r.col::<u32>("column `root_nodes`")?;

    let members = decode_rank(r, "column `fields.members.bits`", "column `fields.members.before`")?;
    let starts = r.col::<u32>("column `fields.starts`")?;
    let data = r.blob("column `fields.data`")?;
    let fields = FieldStore::from_raw_parts(members, starts, data);
    let members = decode_rank(r, "column `strings.members.bits`", "column `strings.members.before`")?;
    let preview_at = r.col::<u32>("column `strings.preview_at`")?;
    let text = r.blob("column `strings.text`")?;
    let utf16 = r.col::<u32>("column `strings.utf16`")?;
    let strings = StringStore::from_raw_parts(members, preview_at, text, utf16);

    r.begin("build stats");
    let stats = BuildStats {
        heap_records: r.u32()?,
        edges: r.u64()?,
        dangling_refs: r.u64()?,
        dangling_roots: r.u64()?,
        duplicate_ids: r.u64()?,
        malformed_instances: r.u64()?,
        input_changed: r.bool()?,
    };

    let start = r.pos();
    let idom = r.col::<u32>("column `idom`")?;
    let units = r.col::<u32>("column `retained.units`")?;
    r.begin("retained granule");
    let granule = r.u64()?;
    let large = r.col::<(u32, u64)>("column `retained.large`")?;
    let by_parent = r.col::<u32>("column `by_parent`")?;
    r.begin("reachable count");
    let reachable = r.u64()?;
    r.at(start, "dominance");
    r.check(idom.len() == n + 1 && units.len() == n + 1, || {
        format!("dominance of {} / {} nodes for a graph of {n} (+ super-root)", idom.len(), units.len())
    })?;
    r.check(by_parent.len() as u64 == reachable, || format!("{} children for {reachable} reachable", by_parent.len()))?;
    let reachable = by_parent.len();
    let dominance =
        Dominance::from_raw_parts(idom, RetainedSizes::from_raw_parts(units, granule, large), by_parent, reachable);

    let graph = HeapGraph {
        meta,
        sizes,
        classes,
        ids,
        class_len,
        offsets,
        targets,
        slots,
        jumps,
        locals_count,
        class_by_node,
        class_classes,
        roots,
        root_nodes,
        fields,
        strings,
        stats,
    };
    Ok(Snapshot { graph, dominance, extra })
}

fn pairs_map(pairs: Vec<(u32, u32)>) -> IdMap<u32, u32> {
    let mut m = IdMap::with_capacity_and_hasher(pairs.len(), Default::default());
    m.extend(pairs);
    m
}

fn decode_rank(r: &mut In<'_>, bits: &'static str, before: &'static str) -> Res<NodeRank> {
    let start = r.pos();
    let bits = r.col::<u64>(bits)?;
    let before = r.col::<u32>(before)?;
    r.at(start, "node set");
    r.check(bits.len() == before.len(), || format!("{} rank words, {} rank counts", bits.len(), before.len()))?;
    Ok(NodeRank::from_raw_parts(bits, before))
}

fn basic_type(r: &In<'_>, code: u8) -> Res<BasicType> {
    BasicType::from_code(code).ok_or_else(|| r.invalid(format!("basic type {code}")))
}

fn decode_meta(r: &mut In<'_>) -> Res<DumpMeta> {
    r.begin("dump header");
    let version = match r.u8()? {
        0 => Version::V101,
        1 => Version::V102,
        2 => Version::V103,
        v => return Err(r.invalid(format!("HPROF version tag {v}"))),
    };
    let header = Header { version, id_size: r.u8()?, timestamp_ms: r.u64()? };

    r.begin("symbols");
    let n = r.len(16)?;
    let mut strings = IdMap::with_capacity_and_hasher(n, Default::default());
    for _ in 0..n {
        r.begin("symbol id");
        let id = r.u64()?;
        let s = r.string("symbol text")?;
        strings.insert(id, s);
    }

    r.begin("LOAD CLASS records");
    let n = r.len(24)?;
    let mut load_classes = Vec::with_capacity(n);
    for _ in 0..n {
        load_classes.push(LoadClass {
            serial: r.u32()?,
            class_id: r.u64()?,
            stack_serial: r.u32()?,
            name_id: r.u64()?,
        });
    }

    r.begin("stack frames");
    let n = r.len(48)?;
    let mut frames = IdMap::with_capacity_and_hasher(n, Default::default());
    for _ in 0..n {
        let key = r.u64()?;
        let f = StackFrame {
            frame_id: r.u64()?,
            method_name_id: r.u64()?,
            signature_id: r.u64()?,
            source_file_id: r.u64()?,
            class_serial: r.u32()?,
            line: r.u32()? as i32,
        };
        frames.insert(key, f);
    }

    r.begin("stack traces");
    let n = r.len(20)?;
    let mut traces = HashMap::with_capacity(n);
    for _ in 0..n {
        r.begin("stack trace");
        let key = r.u32()?;
        let serial = r.u32()?;
        let thread_serial = r.u32()?;
        let frame_ids = r.col::<u64>("stack trace frame ids")?;
        traces.insert(key, StackTrace { serial, thread_serial, frame_ids });
    }

    r.begin("START THREAD records");
    let n = r.len(40)?;
    let mut threads = Vec::with_capacity(n);
    for _ in 0..n {
        threads.push(StartThread {
            thread_serial: r.u32()?,
            thread_object_id: r.u64()?,
            stack_serial: r.u32()?,
            name_id: r.u64()?,
            group_name_id: r.u64()?,
            parent_group_name_id: r.u64()?,
        });
    }

    r.begin("heap summary");
    let heap_summary = match r.u8()? {
        0 => None,
        1 => Some(HeapSummary {
            live_bytes: r.u32()?,
            live_instances: r.u32()?,
            allocated_bytes: r.u64()?,
            allocated_instances: r.u64()?,
        }),
        t => return Err(r.invalid(format!("option tag {t}"))),
    };

    r.begin("warnings");
    let n = r.len(9)?;
    let mut warnings = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = r.u8()?;
        let offset = r.u64()?;
        warnings.push(match tag {
            0 => {
                let (t, x) = (r.u8()?, r.u8()?);
                let item = match t {
                    0 => Item::Gzip,
                    1 => Item::Header,
                    2 => Item::Record(x),
                    3 => Item::SubRecord(x),
                    t => return Err(r.invalid(format!("item tag {t}"))),
                };
                Warning::Truncated { offset, item }
            }
            1 => Warning::HeapRecordRanToEnd { offset },
            2 => Warning::TrailingGarbage { offset },
            t => return Err(r.invalid(format!("warning tag {t}"))),
        });
    }
    r.begin("dump byte count");
    let bytes = r.u64()?;
    Ok(DumpMeta { header, strings, load_classes, frames, traces, threads, heap_summary, warnings, bytes })
}

fn decode_class(r: &mut In<'_>) -> Res<ClassInfo> {
    r.begin("class");
    let id = r.u64()?;
    let node = r.u32()?;
    let name = r.string("class name")?;
    r.begin("class");
    let super_class = r.u32()?;
    let loader = r.u64()?;
    let kind = match r.u8()? {
        0 => ClassKind::Instance,
        1 => ClassKind::ObjectArray,
        2 => {
            let code = r.u8()?;
            ClassKind::PrimitiveArray(basic_type(r, code)?)
        }
        t => return Err(r.invalid(format!("class kind tag {t}"))),
    };
    r.begin("class field layout");
    let n = r.len(8 + 1 + 4 + 4)?;
    let mut layout = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string("field name")?;
        r.begin("field slot");
        let code = r.u8()?;
        layout.push(FieldSlot { name, ty: basic_type(r, code)?, offset: r.u32()?, ref_index: r.u32()? });
    }
    r.begin("class");
    let field_bytes = r.u32()?;
    let ref_fields = r.u32()?;
    r.begin("class statics");
    let n = r.len(8 + 2)?;
    let mut statics = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string("static field name")?;
        r.begin("static field value");
        statics.push(StaticSlot { name, value: decode_value(r)? });
    }
    r.begin("class sizes");
    Ok(ClassInfo {
        id,
        node,
        name,
        super_class,
        loader,
        kind,
        layout,
        field_bytes,
        ref_fields,
        statics,
        vm_instance_size: r.u32()?,
        instance_size: r.u32()?,
        class_object_size: r.u32()?,
    })
}

fn decode_value(r: &mut In<'_>) -> Res<Value> {
    Ok(match r.u8()? {
        0 => Value::Object(r.u64()?),
        1 => Value::Boolean(r.bool()?),
        2 => Value::Char(u16::get(r.take(2)?)),
        3 => Value::Float(f32::from_bits(r.u32()?)),
        4 => Value::Double(f64::from_bits(r.u64()?)),
        5 => Value::Byte(r.u8()? as i8),
        6 => Value::Short(u16::get(r.take(2)?) as i16),
        7 => Value::Int(r.u32()? as i32),
        8 => Value::Long(r.u64()? as i64),
        t => return Err(r.invalid(format!("value tag {t}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::build_from_bytes;
    use crate::hprof::writer::{BasicType as WType, HeapBuilder, RootKind as WRoot, Value as WValue, WriteOptions};

    fn tiny() -> (HeapGraph, Dominance) {
        let mut b = HeapBuilder::new(8);
        let object = b.object_class();
        let link = b.class("com/x/Link", Some(object), &[("next", WType::Object), ("n", WType::Int)], &[]);
        let holder = b.class("com/x/Holder", Some(object), &[("items", WType::Object)], &[]);
        b.set_static(holder, "COUNT", WValue::Long(-7));
        let arr_class = b.array_class("com/x/Link");
        let l2 = b.instance(link, &[("n", WValue::Int(2))]);
        let l1 = b.instance(link, &[("next", l2.into()), ("n", WValue::Int(1))]);
        let arr = b.obj_array(arr_class, &[Some(l1), None, Some(l2)]);
        let h = b.instance(holder, &[("items", arr.into())]);
        b.root(h, WRoot::JniGlobal { jni_ref_id: 0x77 });
        let s = b.string("hello snapshot");
        b.root(s, WRoot::JniGlobal { jni_ref_id: 0x78 });
        b.prim_array(WType::Byte, &[1, 2, 3]);
        let g = build_from_bytes(&b.write(&WriteOptions::default())).expect("synthetic dump parses");
        let d = Dominance::compute(&g);
        (g, d)
    }

    fn write(g: &HeapGraph, d: &Dominance, extra: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_snapshot(g, d, extra, &mut |p| out.extend_from_slice(p));
        out
    }

    fn read(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        let mut at = 0usize;
        read_snapshot(&mut |buf| {
            let end = at + buf.len();
            let src = bytes.get(at..end).ok_or_else(|| format!("only {} bytes", bytes.len()))?;
            buf.copy_from_slice(src);
            at = end;
            Ok(())
        })
    }

    #[test]
    fn tiny_graph_round_trips_byte_for_byte() {
        let (g, d) = tiny();
        let bytes = write(&g, &d, b"payload");
        assert_eq!(bytes.len() as u64, snapshot_len(&g, &d, b"payload"));
        let s = read(&bytes).expect("reads back");
        assert_eq!(s.extra, b"payload");
        assert_eq!(s.graph.node_count(), g.node_count());
        for v in 0..=g.node_count() as u32 {
            assert_eq!(s.graph.id(v), g.id(v));
            assert_eq!(s.graph.shallow(v), g.shallow(v));
            assert_eq!(s.graph.labelled_edges(v), g.labelled_edges(v));
            assert_eq!(s.dominance.retained(v), d.retained(v));
            assert_eq!(s.dominance.children(v), d.children(v));
            assert_eq!(s.graph.string_value(v), g.string_value(v));
        }
        // Everything that is written is read back: writing again gives the same bytes.
        assert_eq!(write(&s.graph, &s.dominance, &s.extra), bytes);
        assert!(s.graph.heap_bytes() <= g.heap_bytes());
        assert!(s.dominance.heap_bytes() <= d.heap_bytes());
    }

    #[test]
    fn errors_name_offset_and_item() {
        let (g, d) = tiny();
        let bytes = write(&g, &d, &[]);
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        assert_eq!(read(&bad).unwrap_err().kind, SnapshotErrorKind::BadMagic);
        let mut bad = bytes.clone();
        bad[8] = 99;
        assert_eq!(read(&bad).unwrap_err().kind, SnapshotErrorKind::UnsupportedVersion(99));
        let mut bad = bytes.clone();
        bad[12] ^= 0x40;
        assert_eq!(read(&bad).unwrap_err().kind, SnapshotErrorKind::BadHeader);
        // The extra payload's length claims more than the snapshot holds.
        let mut bad = bytes.clone();
        bad[HEADER_LEN as usize + 7] = 0x10;
        let e = read(&bad).unwrap_err();
        assert!(matches!(e.kind, SnapshotErrorKind::TooLong { .. }), "{e}");
        assert_eq!((e.offset, e.what), (HEADER_LEN, "extra payload"));
        let e = read(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(matches!(e.kind, SnapshotErrorKind::Source(_)), "{e}");
        assert!(e.to_string().contains("snapshot byte"), "{e}");
    }
}
