//! Reading one object's record again from the dump ([`ObjectSource`]), located by the graph's
//! [`ObjectLocations`](super::locate::ObjectLocations): the fields of any instance, the elements
//! of any array, whether or not the build kept them.

use super::locate::{record_header_len, record_len};
use super::{HeapGraph, Node};
use crate::hprof::reread::{ObjectSource, SourceError};
use crate::hprof::{read_id, BasicType, Id};

/// Why a record could not be read again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The graph has no location for the node (a class object, or a restored snapshot).
    NotLocated(Node),
    Source(SourceError),
    /// The bytes at the located offset are not the node's record (the file changed?).
    Mismatch {
        node: Node,
        offset: u64,
    },
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordError::NotLocated(n) => write!(f, "object {n} has no record location"),
            RecordError::Source(e) => e.fmt(f),
            RecordError::Mismatch { node, offset } => write!(
                f,
                "the record at offset {offset} is not object {node}'s: has the file changed?"
            ),
        }
    }
}

impl std::error::Error for RecordError {}

impl From<SourceError> for RecordError {
    fn from(e: SourceError) -> Self {
        RecordError::Source(e)
    }
}

/// An object record read again.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRecord {
    pub offset: u64,
    pub id: Id,
    pub kind: RecordKind,
    /// Instance field bytes, object-array ids or primitive-array elements (big-endian), at most
    /// the `max_data` asked.
    pub data: Vec<u8>,
    /// Whether `data` stops before the record's end.
    pub truncated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Instance,
    ObjectArray { length: u32 },
    PrimitiveArray { length: u32, elem: BasicType },
}

fn read_exact(
    src: &mut dyn ObjectSource,
    offset: u64,
    buf: &mut [u8],
    node: Node,
) -> Result<(), RecordError> {
    if src.read_at(offset, buf)? < buf.len() {
        return Err(RecordError::Mismatch { node, offset });
    }
    Ok(())
}

/// Reads `node`'s record again (data cut at `max_data` bytes).
pub fn read_record(
    g: &HeapGraph,
    src: &mut dyn ObjectSource,
    node: Node,
    max_data: usize,
) -> Result<ObjectRecord, RecordError> {
    let (mut offset, skip) = g
        .locations
        .start_of(node)
        .ok_or(RecordError::NotLocated(node))?;
    let id_size = g.id_size();
    let hl = record_header_len(id_size);
    let mut hdr = vec![0u8; hl];
    for _ in 0..skip {
        read_exact(src, offset, &mut hdr, node)?;
        offset += record_len(&hdr, id_size).ok_or(RecordError::Mismatch { node, offset })?;
    }
    read_exact(src, offset, &mut hdr, node)?;
    let total = record_len(&hdr, id_size).ok_or(RecordError::Mismatch { node, offset })?;
    let id = read_id(&hdr[1..], id_size);
    if id != g.id(node) {
        return Err(RecordError::Mismatch { node, offset });
    }
    let ids = id_size as usize;
    let u32_at = |at: usize| u32::from_be_bytes([hdr[at], hdr[at + 1], hdr[at + 2], hdr[at + 3]]);
    let (kind, data_at) = match hdr[0] {
        0x21 => (RecordKind::Instance, hl as u64),
        0x22 => (
            RecordKind::ObjectArray {
                length: u32_at(1 + ids + 4),
            },
            hl as u64,
        ),
        _ => {
            let elem = BasicType::from_code(hdr[1 + ids + 8]).unwrap_or(BasicType::Byte);
            let length = if hdr[0] == 0xC3 {
                0
            } else {
                u32_at(1 + ids + 4)
            };
            (
                RecordKind::PrimitiveArray { length, elem },
                1 + ids as u64 + 9,
            )
        }
    };
    let data_len = total.saturating_sub(data_at);
    let take = data_len.min(max_data as u64) as usize;
    let mut data = vec![0u8; take];
    read_exact(src, offset + data_at, &mut data, node)?;
    Ok(ObjectRecord {
        offset,
        id,
        kind,
        data,
        truncated: (take as u64) < data_len,
    })
}
