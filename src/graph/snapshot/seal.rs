//! A snapshot kept on disk (the page's "keep this analysis on this computer"): the snapshot's
//! bytes followed by a seal that says which format wrote them, how long they are, and their
//! CRC-32.
//!
//! The hand-over's snapshot is trusted because it is read moments after it was written by the
//! same build ([`super::read_snapshot`] checks only what keeps the reader itself safe). A kept
//! snapshot lives on disk for weeks: a later build, an interrupted write or a damaged disk can
//! leave bytes that decode into a graph whose queries would panic. The seal rejects all three
//! before anything is used: a file without a complete seal (an interrupted write, a truncated
//! file), another format version, another length, or bytes whose CRC-32 differs (every byte is
//! checked while it is decoded; the decoded structures are dropped if the sum disagrees).
//!
//! ```text
//! snapshot   the bytes of write_snapshot (format FORMAT_VERSION)
//! seal       magic "HLKEPT\r\n" · u32 format version · u32 CRC-32 of the snapshot ·
//!            u64 snapshot length (all little-endian; 24 bytes)
//! ```

use super::{read_snapshot, snapshot_len, write_snapshot, Snapshot, SnapshotError, FORMAT_VERSION};
use crate::graph::{Dominance, HeapGraph};
use std::fmt;

/// The seal's first 8 bytes.
const SEAL_MAGIC: [u8; 8] = *b"HLKEPT\r\n";
/// Size of the seal at the end of a kept snapshot.
pub const SEAL_LEN: u64 = 24;
/// The snapshot format this build writes and reads (kept entries of another are stale).
pub const SNAPSHOT_FORMAT: u32 = FORMAT_VERSION;

/// Why a kept snapshot cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// The file is shorter than a seal: an interrupted write or a truncated file.
    TooShort { len: u64 },
    /// The last bytes are not a seal (an interrupted write, a truncated or foreign file).
    NoSeal,
    /// Kept by a build that wrote another snapshot format.
    OtherFormat(u32),
    /// The seal's length is not the file's (bytes lost or added).
    Length { sealed: u64, actual: u64 },
    /// The bytes are not those that were sealed.
    Checksum { sealed: u32, actual: u32 },
    /// The snapshot itself does not decode.
    Snapshot(SnapshotError),
    /// The file could not be read.
    Source(String),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::TooShort { len } => write!(f, "the kept file has only {len} bytes"),
            SealError::NoSeal => f.write_str("the kept file is incomplete (no seal at its end)"),
            SealError::OtherFormat(v) => write!(
                f,
                "kept by another version (snapshot format {v}; this version reads {SNAPSHOT_FORMAT})"
            ),
            SealError::Length { sealed, actual } => write!(
                f,
                "the kept file has {actual} bytes of snapshot, {sealed} were written"
            ),
            SealError::Checksum { sealed, actual } => write!(
                f,
                "the kept file is damaged (CRC-32 {actual:08x}, {sealed:08x} was written)"
            ),
            SealError::Snapshot(e) => write!(f, "the kept snapshot does not read: {e}"),
            SealError::Source(m) => write!(f, "the kept file could not be read: {m}"),
        }
    }
}

impl std::error::Error for SealError {}

/// Exact size of what [`write_sealed`] produces.
pub fn sealed_len(g: &HeapGraph, d: &Dominance, extra: &[u8]) -> u64 {
    snapshot_len(g, d, extra) + SEAL_LEN
}

/// Writes the snapshot then its seal, in pieces, to `sink` ([`sealed_len`] bytes in all).
pub fn write_sealed(g: &HeapGraph, d: &Dominance, extra: &[u8], sink: &mut dyn FnMut(&[u8])) {
    let mut sealer = Sealer::new();
    write_snapshot(g, d, extra, &mut |piece| {
        sealer.update(piece);
        sink(piece);
    });
    sink(&sealer.finish());
}

/// Reads a kept file: `read_at(offset, buf)` fills `buf` with the bytes at `offset`.
pub(crate) type ReadAt<'a> = dyn FnMut(u64, &mut [u8]) -> Result<(), String> + 'a;

/// Computes the seal of bytes given in pieces.
pub struct Sealer {
    crc: crc32fast::Hasher,
    len: u64,
}

impl Default for Sealer {
    fn default() -> Self {
        Self::new()
    }
}

impl Sealer {
    pub fn new() -> Self {
        Sealer {
            crc: crc32fast::Hasher::new(),
            len: 0,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// The seal of everything given to [`Self::update`].
    pub fn finish(self) -> [u8; SEAL_LEN as usize] {
        let mut seal = [0u8; SEAL_LEN as usize];
        seal[0..8].copy_from_slice(&SEAL_MAGIC);
        seal[8..12].copy_from_slice(&SNAPSHOT_FORMAT.to_le_bytes());
        seal[12..16].copy_from_slice(&self.crc.finalize().to_le_bytes());
        seal[16..24].copy_from_slice(&self.len.to_le_bytes());
        seal
    }
}

/// Reads a kept snapshot of `file_len` bytes. `read_at(offset, buf)` must fill `buf` with the
/// file's bytes at `offset` (it is only asked for bytes inside the file). The seal is checked
/// first (its magic, format and length), the CRC-32 over every byte as it is decoded.
pub fn read_sealed(file_len: u64, read_at: &mut ReadAt<'_>) -> Result<Snapshot, SealError> {
    if file_len < SEAL_LEN {
        return Err(SealError::TooShort { len: file_len });
    }
    let body = file_len - SEAL_LEN;
    let mut seal = [0u8; SEAL_LEN as usize];
    read_at(body, &mut seal).map_err(SealError::Source)?;
    if seal[0..8] != SEAL_MAGIC {
        return Err(SealError::NoSeal);
    }
    let word = |at: usize| u32::from_le_bytes(seal[at..at + 4].try_into().expect("4 bytes"));
    let format = word(8);
    let sealed_crc = word(12);
    let sealed_len = u64::from_le_bytes(seal[16..24].try_into().expect("8 bytes"));
    if format != SNAPSHOT_FORMAT {
        return Err(SealError::OtherFormat(format));
    }
    if sealed_len != body {
        return Err(SealError::Length {
            sealed: sealed_len,
            actual: body,
        });
    }
    let mut crc = crc32fast::Hasher::new();
    let mut offset = 0u64;
    let mut fill = |buf: &mut [u8]| -> Result<(), String> {
        // The snapshot's own lengths keep it inside `body`; this guards the seal anyway.
        if offset + buf.len() as u64 > body {
            return Err(format!("the snapshot runs past its {body} bytes"));
        }
        read_at(offset, buf)?;
        crc.update(buf);
        offset += buf.len() as u64;
        Ok(())
    };
    let snapshot = read_snapshot(&mut fill).map_err(SealError::Snapshot)?;
    if offset != body {
        return Err(SealError::Length {
            sealed: body,
            actual: offset,
        });
    }
    let actual = crc.finalize();
    if actual != sealed_crc {
        return Err(SealError::Checksum {
            sealed: sealed_crc,
            actual,
        });
    }
    Ok(snapshot)
}
