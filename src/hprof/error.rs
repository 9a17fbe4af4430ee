//! Typed parse errors and warnings. Every one names the byte offset (in the decompressed dump)
//! and the record or sub-record being read, so a user can locate the damage with a hex editor.

use serde::Serialize;
use std::fmt;

/// What was being read when something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Item {
    /// The gzip container (offset is in the compressed file).
    Gzip,
    /// The `JAVA PROFILE 1.0.x` file header.
    Header,
    /// A top-level record with this tag.
    Record(u8),
    /// A heap-dump sub-record with this tag.
    SubRecord(u8),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Item::Gzip => f.write_str("gzip stream"),
            Item::Header => f.write_str("file header"),
            Item::Record(t) => write!(f, "{} record (tag 0x{t:02X})", record_name(t)),
            Item::SubRecord(t) => {
                write!(f, "{} heap sub-record (tag 0x{t:02X})", sub_record_name(t))
            }
        }
    }
}

/// Why parsing failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ErrorKind {
    /// The input does not start with `JAVA PROFILE ` (nor gzip magic).
    NotHprof,
    /// A `JAVA PROFILE` header with a version we do not know.
    UnsupportedVersion(String),
    /// Identifier size other than 4 or 8.
    BadIdSize(u32),
    /// A top-level tag that is not part of the format.
    UnknownRecordTag,
    /// A heap sub-record tag that is not part of the format (sub-records cannot be skipped).
    UnknownSubRecordTag,
    /// A basic-type code outside the format's set.
    BadBasicType(u8),
    /// A record's declared length is too short for its own content.
    BadRecordLength { declared: u64, needed: u64 },
    /// A heap sub-record extends past the end of its enclosing HEAP DUMP (SEGMENT) record.
    SubRecordOverrunsRecord { needed: u64, remaining: u64 },
    /// An item that would have to be held in memory whole (an instance's field data) is larger
    /// than any a JVM writes ([`MAX_BUFFERED_ITEM`](super::parser::MAX_BUFFERED_ITEM)).
    TooLarge { len: u64, limit: u64 },
    /// The gzip container is damaged.
    Gzip(String),
    /// The dump holds more of something than the graph can number (`u32` node indices and edge
    /// positions): e.g. more than 4 billion references. Real counts, not claimed ones.
    TooMany { what: &'static str, count: u64 },
    /// The heap dump asked for (1-based) is not in the file, which holds `dumps` of them.
    NoSuchDump { wanted: u32, dumps: u32 },
    /// A byte range the caller left out of the input (a primitive array's payload the first
    /// pass found there, see [`Skip`](super::Skip)) is not where that payload is now, or is not
    /// its length: the file changed between the passes.
    SkipMismatch { start: u64, len: u64 },
}

/// A fatal parse error: parsing stopped at `offset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParseError {
    /// Byte offset where the failing item starts (decompressed stream, or compressed file for
    /// [`Item::Gzip`]).
    pub offset: u64,
    pub item: Item,
    pub kind: ErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {} in the {}: ", self.offset, self.item)?;
        match &self.kind {
            ErrorKind::NotHprof => f.write_str("not an HPROF heap dump (no `JAVA PROFILE` header, no gzip magic)"),
            ErrorKind::UnsupportedVersion(v) => write!(f, "unsupported format version {v:?}"),
            ErrorKind::BadIdSize(n) => write!(f, "identifier size {n} (expected 4 or 8)"),
            ErrorKind::UnknownRecordTag => f.write_str("unknown record tag"),
            ErrorKind::UnknownSubRecordTag => f.write_str("unknown heap sub-record tag"),
            ErrorKind::BadBasicType(t) => write!(f, "invalid basic type code {t}"),
            ErrorKind::BadRecordLength { declared, needed } => {
                write!(f, "declared length {declared} is shorter than its content ({needed} bytes)")
            }
            ErrorKind::SubRecordOverrunsRecord { needed, remaining } => write!(
                f,
                "sub-record needs {needed} bytes but only {remaining} remain in its heap dump record"
            ),
            ErrorKind::TooLarge { len, limit } => write!(
                f,
                "declared length {len} is larger than any such item a JVM writes (limit {limit})"
            ),
            ErrorKind::Gzip(m) => write!(f, "damaged gzip data: {m}"),
            ErrorKind::NoSuchDump { wanted, dumps } => {
                write!(f, "there is no heap dump {wanted}: the file holds {dumps}")
            }
            ErrorKind::SkipMismatch { start, len } => write!(
                f,
                "the {len} bytes left out at byte {start} are not a primitive array's contents here: the file changed since it was first read"
            ),
            ErrorKind::TooMany { what, count } => {
                write!(f, "the dump holds {count} {what}, more than heaplens can index (2^32 - 1)")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Something odd that did not stop parsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Warning {
    /// The input ended inside `item`, which started at `offset`; everything before it was parsed.
    Truncated { offset: u64, item: Item },
    /// A HEAP DUMP (SEGMENT) record declared length 0 and was read to the end of the file (what a
    /// VM that died while dumping leaves behind).
    HeapRecordRanToEnd { offset: u64 },
    /// Bytes after the last gzip member that are not another member.
    TrailingGarbage { offset: u64 },
    /// A top-level record longer than any a JVM writes was skipped, not decoded (it would have
    /// to be held in memory whole).
    RecordSkipped { offset: u64, item: Item, len: u64 },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::Truncated { offset, item } => write!(
                f,
                "the dump is truncated: it ends inside the {item} starting at byte {offset}; \
                 everything before it was analyzed"
            ),
            Warning::HeapRecordRanToEnd { offset } => write!(
                f,
                "the heap dump record at byte {offset} has length 0 (the dump was probably not \
                 finished) and was read to the end of the file"
            ),
            Warning::TrailingGarbage { offset } => {
                write!(f, "ignored {offset}.. : bytes after the last gzip member")
            }
            Warning::RecordSkipped { offset, item, len } => write!(
                f,
                "skipped the {item} at byte {offset}: its length {len} is larger than any such \
                 record a JVM writes"
            ),
        }
    }
}

/// Human name of a top-level record tag.
pub(crate) fn record_name(tag: u8) -> &'static str {
    match tag {
        0x01 => "UTF8",
        0x02 => "LOAD CLASS",
        0x03 => "UNLOAD CLASS",
        0x04 => "STACK FRAME",
        0x05 => "STACK TRACE",
        0x06 => "ALLOC SITES",
        0x07 => "HEAP SUMMARY",
        0x0A => "START THREAD",
        0x0B => "END THREAD",
        0x0C => "HEAP DUMP",
        0x0D => "CPU SAMPLES",
        0x0E => "CONTROL SETTINGS",
        0x1C => "HEAP DUMP SEGMENT",
        0x2C => "HEAP DUMP END",
        _ => "unknown",
    }
}

/// Human name of a heap sub-record tag.
pub(crate) fn sub_record_name(tag: u8) -> &'static str {
    match tag {
        0xFF => "ROOT UNKNOWN",
        0x01 => "ROOT JNI GLOBAL",
        0x02 => "ROOT JNI LOCAL",
        0x03 => "ROOT JAVA FRAME",
        0x04 => "ROOT NATIVE STACK",
        0x05 => "ROOT STICKY CLASS",
        0x06 => "ROOT THREAD BLOCK",
        0x07 => "ROOT MONITOR USED",
        0x08 => "ROOT THREAD OBJECT",
        0x20 => "CLASS DUMP",
        0x21 => "INSTANCE DUMP",
        0x22 => "OBJ ARRAY DUMP",
        0x23 => "PRIM ARRAY DUMP",
        0x89 => "ROOT INTERNED STRING",
        0x8A => "ROOT FINALIZING",
        0x8B => "ROOT DEBUGGER",
        0x8C => "ROOT REFERENCE CLEANUP",
        0x8D => "ROOT VM INTERNAL",
        0x8E => "ROOT JNI MONITOR",
        0x90 => "ROOT UNREACHABLE",
        0xC3 => "PRIM ARRAY NODATA",
        0xFE => "HEAP DUMP INFO",
        _ => "unknown",
    }
}
