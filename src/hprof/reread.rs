//! Reading bytes of the dump again, by offset in the *decompressed* stream, after the passes:
//! how a query or the inspector gets the fields the graph does not keep.
//!
//! [`ObjectSource`] is the one operation a shell provides (a seek in the CLI; the page can
//! implement it over `Blob.slice`). [`MemorySource`] holds a dump in memory, [`RawSource`] reads
//! an uncompressed file, [`GzipSource`] a `.hprof.gz` (single- or multi-member) without
//! inflating from the start each time: as it inflates it keeps *checkpoints* — a copy of the
//! inflater's whole state (miniz_oxide's `DecompressorOxide`, ~11 KiB, plus its 32 KiB window)
//! every [`CHECKPOINT_EVERY`] bytes of output — and restarts from the nearest one at or before
//! the offset asked. Raw deflate cannot be resumed from the window alone at an arbitrary point
//! (the bit position inside a block matters), so the state snapshot is what makes any offset a
//! restart point: ~43 KiB per MiB of dump (about 4%; every 4 MiB cost a 109 MB dump's
//! node-order scans 3× more time, each of its 1,331 run boundaries re-inflating 2 MiB on average).
//!
//! Checkpoints are made lazily, by the reads themselves: the first read near the end of a dump
//! inflates up to there once (as the passes did), later reads restart nearby. Both sources keep
//! the pages they read lately (16 MiB raw, 128 MiB inflated), so the back-and-forth of a scan in
//! node order (a String, its value array in another run of the file, the next String) costs
//! one read or one inflate per page.

use super::gzip::{read_gzip_magic, GZIP_MAGIC};
use miniz_oxide::inflate::core::{decompress_with_limit, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;
use std::io::{Read, Seek, SeekFrom};

/// Failure of a read again (I/O, or a compressed stream that does not inflate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// Decompressed offset asked for.
    pub offset: u64,
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot read the dump again at offset {}: {}",
            self.offset, self.message
        )
    }
}

impl std::error::Error for SourceError {}

/// Random access to the decompressed dump.
pub trait ObjectSource {
    /// Fills `buf` from decompressed `offset`; returns the bytes read (fewer only at the end of
    /// the dump).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SourceError>;
}

/// A borrowed source (to hand one to an owner of a `Box<dyn ObjectSource>` for a while).
impl<T: ObjectSource + ?Sized> ObjectSource for &mut T {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SourceError> {
        (**self).read_at(offset, buf)
    }
}

/// A decompressed dump held in memory (tests, small dumps).
pub struct MemorySource(pub Vec<u8>);

impl ObjectSource for MemorySource {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SourceError> {
        let start = (offset as usize).min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }
}

impl MemorySource {
    /// From a dump's bytes as stored (raw or gzip).
    pub fn from_stored(bytes: &[u8]) -> Result<Self, SourceError> {
        if !bytes.starts_with(&GZIP_MAGIC) {
            return Ok(MemorySource(bytes.to_vec()));
        }
        let mut src = GzipSource::new(std::io::Cursor::new(bytes));
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = src.read_at(out.len() as u64, &mut buf)?;
            if n == 0 {
                return Ok(MemorySource(out));
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
}

/// Size of the pages both sources cache.
const PAGE: usize = 64 << 10;

/// Pages of the decompressed dump, the least recently used dropped first: a scan in node order
/// visits a few thousand address-sorted runs of the file in turn, and a String's record and
/// its value array's are often in different runs.
struct PageCache {
    pages: std::collections::HashMap<u64, (Vec<u8>, u64)>,
    tick: u64,
    cap: usize,
}

impl PageCache {
    fn new(cap: usize) -> Self {
        PageCache {
            pages: Default::default(),
            tick: 0,
            cap,
        }
    }
    fn put(&mut self, index: u64, data: Vec<u8>) {
        if self.pages.len() >= self.cap && !self.pages.contains_key(&index) {
            if let Some(&old) = self.pages.iter().min_by_key(|(_, v)| v.1).map(|(k, _)| k) {
                self.pages.remove(&old);
            }
        }
        self.tick += 1;
        self.pages.insert(index, (data, self.tick));
    }
    /// Copies what the cached pages hold of `offset..`; `None` if a page is missing (a short
    /// page ends the dump).
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Option<usize> {
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let (index, within) = (at / PAGE as u64, (at % PAGE as u64) as usize);
            self.tick += 1;
            let page = self.pages.get_mut(&index)?;
            page.1 = self.tick;
            let n = (buf.len() - done).min(page.0.len().saturating_sub(within));
            buf[done..done + n].copy_from_slice(&page.0[within..within + n]);
            done += n;
            if page.0.len() < PAGE && within + n >= page.0.len() {
                break;
            }
        }
        Some(done)
    }
}

/// An uncompressed dump read with seeks, through a cache of 256 pages of 64 KiB.
pub(crate) struct RawSource<R> {
    reader: R,
    cache: PageCache,
}

impl<R: Read + Seek> RawSource<R> {
    pub(crate) fn new(reader: R) -> Self {
        RawSource {
            reader,
            cache: PageCache::new(256),
        }
    }
    fn fill(&mut self, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.seek(SeekFrom::Start(offset))?;
        let mut done = 0;
        while done < buf.len() {
            match self.reader.read(&mut buf[done..]) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}

impl<R: Read + Seek> ObjectSource for RawSource<R> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SourceError> {
        let err = |e: std::io::Error| SourceError {
            offset,
            message: e.to_string(),
        };
        if buf.len() > 4 * PAGE {
            return self.fill(offset, buf).map_err(err);
        }
        loop {
            if let Some(n) = self.cache.read(offset, buf) {
                return Ok(n);
            }
            // Load the first missing page and try again.
            let mut at = offset;
            while self.cache.pages.contains_key(&(at / PAGE as u64)) {
                at += PAGE as u64 - at % PAGE as u64;
            }
            let index = at / PAGE as u64;
            let mut page = vec![0u8; PAGE];
            let n = self.fill(index * PAGE as u64, &mut page).map_err(err)?;
            page.truncate(n);
            self.cache.put(index, page);
        }
    }
}

/// Whether the file at `path` is gzip-compressed (starts with [`GZIP_MAGIC`]), as
/// [`open_path`] decides.
pub fn is_gzip_file(path: &std::path::Path) -> std::io::Result<bool> {
    read_gzip_magic(&mut std::fs::File::open(path)?)
}

/// Opens a dump file for reading again, raw or gzip (sniffed by its magic bytes).
pub fn open_path(path: &std::path::Path) -> std::io::Result<Box<dyn ObjectSource>> {
    from_reader(std::fs::File::open(path)?)
}

/// A dump as stored (raw or gzip, sniffed by its magic bytes) behind any seekable reader: a
/// file, or the page's `File` read in slices.
pub fn from_reader<R: Read + Seek + 'static>(
    mut reader: R,
) -> std::io::Result<Box<dyn ObjectSource>> {
    let gzip = read_gzip_magic(&mut reader)?;
    reader.seek(SeekFrom::Start(0))?;
    Ok(if gzip {
        Box::new(GzipSource::new(reader))
    } else {
        Box::new(RawSource::new(reader))
    })
}

/// Output between two checkpoints.
pub(crate) const CHECKPOINT_EVERY: u64 = 1 << 20;
const WINDOW: usize = miniz_oxide::inflate::core::TINFL_LZ_DICT_SIZE;
const IN_CHUNK: usize = 64 << 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// At a member header (compressed offset `inp`).
    Header,
    Body,
    /// The stream ended (or garbage follows the last member).
    End,
}

/// Everything needed to continue inflating from a point.
#[derive(Clone)]
struct InflateState {
    phase: Phase,
    dec: Box<DecompressorOxide>,
    window: Box<[u8]>,
    /// Next write position in `window`.
    wpos: usize,
    /// Decompressed bytes produced before this point.
    out: u64,
    /// Compressed offset of the next byte to feed.
    inp: u64,
}

/// A gzip dump read again through inflater checkpoints (see the module doc).
pub struct GzipSource<R> {
    reader: R,
    cur: InflateState,
    /// Compressed bytes read ahead, starting at `in_base`.
    inbuf: Vec<u8>,
    in_base: u64,
    checkpoints: Vec<InflateState>,
    /// Output pages inflated lately (128 MiB), and the page being filled (ending at `cur.out`).
    cache: PageCache,
    filling: Vec<u8>,
}

impl<R: Read + Seek> GzipSource<R> {
    pub fn new(reader: R) -> Self {
        let start = InflateState {
            phase: Phase::Header,
            dec: Box::default(),
            window: vec![0u8; WINDOW].into_boxed_slice(),
            wpos: 0,
            out: 0,
            inp: 0,
        };
        GzipSource {
            reader,
            cur: start.clone(),
            inbuf: Vec::new(),
            in_base: 0,
            checkpoints: vec![start],
            cache: PageCache::new(2048),
            filling: Vec::new(),
        }
    }

    /// Makes the compressed bytes at `inp` (at least `want` of them unless the file ends)
    /// available in `inbuf`; returns where they start there.
    fn input(&mut self, want: usize) -> std::io::Result<usize> {
        let inp = self.cur.inp;
        let have = self.in_base + self.inbuf.len() as u64;
        if inp < self.in_base || inp + want as u64 > have {
            self.reader.seek(SeekFrom::Start(inp))?;
            self.inbuf.resize(IN_CHUNK.max(want), 0);
            let mut n = 0;
            while n < self.inbuf.len() {
                match self.reader.read(&mut self.inbuf[n..]) {
                    Ok(0) => break,
                    Ok(k) => n += k,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.inbuf.truncate(n);
            self.in_base = inp;
        }
        Ok((inp - self.in_base) as usize)
    }

    /// Parses a member header at `cur.inp`; `false` at the end of the stream.
    fn member_header(&mut self) -> Result<bool, String> {
        let at = self.input(64 << 10).map_err(|e| e.to_string())?;
        let b = &self.inbuf[at..];
        if b.len() < 10 || b[..2] != GZIP_MAGIC {
            return Ok(false);
        }
        if b[2] != 8 {
            return Err("gzip member with a compression method other than deflate".into());
        }
        let flags = b[3];
        let mut at = 10usize;
        let short = || "gzip header longer than 64 KiB or cut".to_string();
        if flags & 4 != 0 {
            let x = b.get(at..at + 2).ok_or_else(short)?;
            at += 2 + u16::from_le_bytes([x[0], x[1]]) as usize;
        }
        for bit in [8u8, 16] {
            if flags & bit != 0 {
                let nul = b.get(at..).and_then(|r| r.iter().position(|&c| c == 0));
                at += nul.ok_or_else(short)? + 1;
            }
        }
        if flags & 2 != 0 {
            at += 2;
        }
        if at > b.len() {
            return Err(short());
        }
        self.cur.inp += at as u64;
        *self.cur.dec = DecompressorOxide::new();
        Ok(true)
    }

    /// Inflates one step; hands `(decompressed offset, bytes)` produced to `sink`. Returns
    /// `false` at the end of the stream.
    fn step(&mut self, sink: &mut dyn FnMut(u64, &[u8])) -> Result<bool, String> {
        match self.cur.phase {
            Phase::End => return Ok(false),
            Phase::Header => {
                if !self.member_header()? {
                    self.cur.phase = Phase::End;
                    let last = std::mem::take(&mut self.filling);
                    if !last.is_empty() {
                        self.cache.put(self.cur.out / PAGE as u64, last);
                    }
                    return Ok(false);
                }
                self.cur.phase = Phase::Body;
            }
            Phase::Body => {}
        }
        let at = self.input(IN_CHUNK).map_err(|e| e.to_string())?;
        let data = &self.inbuf[at..];
        let more = data.len() >= IN_CHUNK;
        let flags = if more {
            inflate_flags::TINFL_FLAG_HAS_MORE_INPUT
        } else {
            0
        };
        // Stop at page boundaries: pages are cached whole, checkpoints fall on them.
        let to_page = PAGE - (self.cur.out % PAGE as u64) as usize;
        let (status, used, produced) = decompress_with_limit(
            &mut self.cur.dec,
            data,
            &mut self.cur.window,
            self.cur.wpos,
            to_page,
            flags,
        );
        let start = self.cur.wpos;
        let out = &self.cur.window[start..start + produced];
        sink(self.cur.out, out);
        self.filling.extend_from_slice(out);
        self.cur.wpos = (start + produced) & (WINDOW - 1);
        self.cur.out += produced as u64;
        self.cur.inp += used as u64;
        match status {
            TINFLStatus::Done => {
                // Skip the CRC-32 and length trailer (the passes verified them).
                self.cur.inp += 8;
                self.cur.phase = Phase::Header;
            }
            TINFLStatus::NeedsMoreInput if !more => {
                return Err("the compressed stream is cut".into());
            }
            TINFLStatus::NeedsMoreInput | TINFLStatus::HasMoreOutput => {}
            s => return Err(format!("inflate failed ({s:?})")),
        }
        if used == 0 && produced == 0 && status != TINFLStatus::Done {
            return Err("inflate makes no progress".into());
        }
        if self.cur.out % PAGE as u64 == 0 && !self.filling.is_empty() {
            let page = std::mem::take(&mut self.filling);
            self.cache.put(self.cur.out / PAGE as u64 - 1, page);
        }
        let last = self.checkpoints.last().map_or(0, |c| c.out);
        if self.cur.out % CHECKPOINT_EVERY == 0 && self.cur.out > last {
            self.checkpoints.push(self.cur.clone());
        }
        Ok(true)
    }
}

impl<R: Read + Seek> ObjectSource for GzipSource<R> {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SourceError> {
        let end = offset + buf.len() as u64;
        if let Some(n) = self.cache.read(offset, buf) {
            if n == buf.len() || self.cur.phase == Phase::End {
                return Ok(n);
            }
        }
        // Continue inflating if the page being filled starts at or before `offset` and no
        // checkpoint is closer; else restart from the nearest checkpoint.
        let filling_from = self.cur.out - self.filling.len() as u64;
        let i = self.checkpoints.partition_point(|c| c.out <= offset);
        let best = &self.checkpoints[i.saturating_sub(1)];
        if filling_from > offset || best.out > filling_from {
            self.cur = best.clone();
            self.filling.clear();
        }
        let mut filled = 0u64;
        // Bytes of the read already produced (in the page being filled).
        let from = self.cur.out - self.filling.len() as u64;
        if offset < self.cur.out {
            let at = (offset - from) as usize;
            let n = ((self.cur.out - offset) as usize).min(buf.len());
            buf[..n].copy_from_slice(&self.filling[at..at + n]);
            filled = n as u64;
        }
        while self.cur.out < end {
            let mut copy = |at: u64, bytes: &[u8]| {
                let lo = at.max(offset);
                let hi = (at + bytes.len() as u64).min(end);
                if lo < hi {
                    buf[(lo - offset) as usize..(hi - offset) as usize]
                        .copy_from_slice(&bytes[(lo - at) as usize..(hi - at) as usize]);
                    filled = filled.max(hi - offset);
                }
            };
            match self.step(&mut copy) {
                Ok(true) => {}
                Ok(false) => break,
                Err(message) => return Err(SourceError { offset, message }),
            }
        }
        Ok(filled as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    fn gzip(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in parts {
            let mut e = GzEncoder::new(Vec::new(), Compression::fast());
            e.write_all(p).unwrap();
            out.extend(e.finish().unwrap());
        }
        out
    }

    #[test]
    fn random_reads_match_the_plain_bytes() {
        // 10 MiB of mildly compressible bytes in two members: checkpoints are made and used.
        let plain: Vec<u8> = (0..10u32 << 20)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 & 0x3f)
            .collect();
        let gz = gzip(&[&plain[..3 << 20], &plain[3 << 20..]]);
        let mut src = GzipSource::new(std::io::Cursor::new(gz));
        for &(off, len) in &[
            (9u64 << 20, 100usize),
            (5, 40_000),
            ((3 << 20) - 7, 20),
            ((10 << 20) - 10, 50),
            (7 << 20, 70_000),
            ((7 << 20) + 10, 10),
        ] {
            let mut buf = vec![0u8; len];
            let n = src.read_at(off, &mut buf).unwrap();
            let want = &plain[off as usize..(off as usize + len).min(plain.len())];
            assert_eq!(&buf[..n], want, "at {off}");
        }
        assert!(src.checkpoints.len() >= 2);
        let m = MemorySource::from_stored(&gzip(&[&plain[..1000]])).unwrap();
        assert_eq!(m.0, &plain[..1000]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut src = GzipSource::new(std::io::Cursor::new(vec![
            0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
        ]));
        let mut buf = [0u8; 10];
        assert!(src.read_at(0, &mut buf).is_err());
    }
}
