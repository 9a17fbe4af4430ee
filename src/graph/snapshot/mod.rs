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
//!          store, build stats, record locations (block offsets, break nodes and offsets;
//!          since version 3), dominance (idom, retained units + granule + large table,
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

use super::classes::{ClassInfo, ClassKind, FieldSlot, SizeMode, SizeRule, StaticSlot};
use super::ids::{ClassLenColumn, IdColumn, IdMap};
use super::locate::ObjectLocations;
use super::offsets::EdgeOffsets;
use super::retained::{Dominance, RetainedSizes};
use super::store::{FieldStore, NodeRank, StringStore};
use super::{BuildStats, DumpMeta, HeapGraph, RootRef};
use crate::hprof::{
    BasicType, Header, HeapSummary, Id, Item, LoadClass, RootKind, StackFrame, StackTrace,
    StartThread, Value, Version, Warning,
};
use std::collections::HashMap;
use std::fmt;

mod decode;
mod encode;
mod seal;

pub use seal::{
    read_sealed, sealed_len, write_sealed, SealError, Sealer, SEAL_LEN, SNAPSHOT_FORMAT,
};

use decode::{decode, In};
use encode::{encode, Count, Out, Sink};

/// The first 8 bytes of every snapshot.
pub(crate) const MAGIC: [u8; 8] = *b"HLSNAP\r\n";
/// The last 8 bytes of every snapshot.
const TRAILER: [u8; 8] = *b"HLSNEND\n";
/// Version of the format written by this build (the only one it reads).
pub(crate) const FORMAT_VERSION: u32 = 3;
/// Header: magic, version, total length, check word.
const HEADER_LEN: u64 = 8 + 4 + 8 + 4;
/// Size of the scratch buffer used to convert columns, and of the pieces handed to the sink.
pub(crate) const PIECE: usize = 1 << 20;

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
                write!(
                    f,
                    "snapshot format version {v}; this build reads version {FORMAT_VERSION}"
                )
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
        write!(
            f,
            "snapshot byte {}, reading {}: {}",
            self.offset, self.what, self.kind
        )
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
    let mut s = Sink {
        sink,
        buf: Vec::with_capacity(PIECE),
        written: 0,
    };
    s.bytes(&MAGIC);
    s.u32(FORMAT_VERSION);
    s.u64(total);
    s.u32(header_check(FORMAT_VERSION, total));
    encode(&mut s, g, d, extra);
    s.flush();
    debug_assert_eq!(
        s.written, total,
        "snapshot_len disagrees with write_snapshot"
    );
}

/// Reads a snapshot. `source(buf)` must fill `buf` entirely with the next bytes of the
/// snapshot, or return `Err(message)`. It is never asked for bytes past the snapshot's end.
pub fn read_snapshot(
    source: &mut dyn FnMut(&mut [u8]) -> Result<(), String>,
) -> Result<Snapshot, SnapshotError> {
    let mut r = In {
        source,
        buf: Vec::new(),
        head: 0,
        tail: 0,
        fetched: 0,
        total: HEADER_LEN,
        item: 0,
        what: "header",
    };
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
        return Err(r.err(SnapshotErrorKind::Inconsistent(format!(
            "snapshot ends at {} of {total} bytes",
            r.pos()
        ))));
    }
    Ok(snapshot)
}

fn header_check(version: u32, total: u64) -> u32 {
    let h = (total ^ (version as u64).rotate_left(32) ^ 0x5EED_5EED)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((h >> 32) ^ h) as u32
}

// ---- Elements of columns ----------------------------------------------------------------------

/// A fixed-size value stored as little-endian bytes.
trait Elem: Copy {
    const SIZE: usize;
    fn put(self, out: &mut [u8]);
    fn get(b: &[u8]) -> Self;
}

/// Unsigned integers: their little-endian bytes.
macro_rules! uint_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("the element's size"))
            }
        }
    )*};
}

uint_elem!(u16, u32, u64);

/// Object ids: their raw value's bytes (the same layout as a `u64` column).
impl Elem for crate::hprof::Id {
    const SIZE: usize = 8;
    #[inline]
    fn put(self, out: &mut [u8]) {
        self.get().put(out)
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        crate::hprof::Id::new(u64::get(b))
    }
}

/// Node indices: their raw value's bytes (the same layout as a `u32` column).
impl Elem for crate::graph::Node {
    const SIZE: usize = 4;
    #[inline]
    fn put(self, out: &mut [u8]) {
        self.get().put(out)
    }
    #[inline]
    fn get(b: &[u8]) -> Self {
        crate::graph::Node::new(u32::get(b))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::build_from_bytes;
    use heaplens_hprof_writer::{
        BasicType as WType, HeapBuilder, RootKind as WRoot, Value as WValue, WriteOptions,
    };

    fn tiny() -> (HeapGraph, Dominance) {
        let mut b = HeapBuilder::new(8);
        let object = b.object_class();
        let link = b.class(
            "com/x/Link",
            Some(object),
            &[("next", WType::Object), ("n", WType::Int)],
            &[],
        );
        let holder = b.class(
            "com/x/Holder",
            Some(object),
            &[("items", WType::Object)],
            &[],
        );
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
        let g =
            build_from_bytes(&b.write(&WriteOptions::default())).expect("synthetic dump parses");
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
            let src = bytes
                .get(at..end)
                .ok_or_else(|| format!("only {} bytes", bytes.len()))?;
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
        for v in (0..=g.node_count() as u32).map(crate::graph::Node::new) {
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
        assert_eq!(
            read(&bad).unwrap_err().kind,
            SnapshotErrorKind::UnsupportedVersion(99)
        );
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
