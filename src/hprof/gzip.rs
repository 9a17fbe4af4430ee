//! Push-based gzip inflater (pure Rust via miniz_oxide, so it runs in Wasm too).
//!
//! Handles multi-member streams — JDK 15+'s `jcmd GC.heap_dump -gz` writes one member per block,
//! the first carrying the comment `HPROF BLOCKSIZE=<n>` — by starting a new member after each
//! trailer. CRC-32 and length of every member are verified.
//!
//! A member header is scanned once, as it arrives (its file name and comment are never buffered
//! and are capped at [`MAX_HEADER_FIELD`]), so its cost is linear however it is chunked.

use super::error::{ErrorKind, Item, ParseError, Warning};
use flate2::{Crc, Decompress, FlushDecompress, Status};

const OUT_BUF: usize = 256 * 1024;

/// The two bytes every gzip member starts with (RFC 1952): how a `.hprof.gz` is told from a raw
/// dump, whatever the file is called.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether the next bytes of `reader` are [`GZIP_MAGIC`]. Reads at most two bytes (a stream
/// shorter than that is not gzip); a caller that needs them again rewinds.
pub fn read_gzip_magic<R: std::io::Read + ?Sized>(reader: &mut R) -> std::io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut n = 0;
    while n < 2 {
        match reader.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n == 2 && magic == GZIP_MAGIC)
}

/// Longest gzip header file name or comment accepted (NUL excluded). `gzip` stores a file name,
/// `jcmd -gz` the comment `HPROF BLOCKSIZE=<n>`; a megabyte of either is not a dump's.
pub const MAX_HEADER_FIELD: usize = 1 << 20;

/// After the consumer of the inflated bytes failed, how much more output is inflated (and
/// checked, not delivered) to the end of the member before its error is reported. Damaged deflate
/// data often inflates to garbage before the inflater notices; the garbage then fails the parser
/// first, and reporting that ("not an HPROF dump", "unknown record tag") would hide the real
/// cause. Inflating on to the member's end (its CRC) tells the two apart.
const MAX_DRAIN: u64 = 64 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Body,
    Trailer,
    /// After a member: another one may follow.
    BetweenMembers,
    /// Garbage after the last member: ignored.
    Ignoring,
}

/// The part of a member header being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderPart {
    /// The 10 fixed bytes (gathered in `pending`).
    Fixed,
    /// FEXTRA's 2-byte length (gathered in `pending`, after the fixed bytes).
    ExtraLen,
    /// FEXTRA's data: `skip` bytes left.
    Extra,
    /// FNAME, NUL-terminated: `field` bytes seen so far.
    Name,
    /// FCOMMENT, NUL-terminated.
    Comment,
    /// FHCRC: `skip` bytes left.
    Crc,
}

pub(crate) struct GzipInflater {
    state: State,
    part: HeaderPart,
    flags: u8,
    /// Bytes still to skip in [`HeaderPart::Extra`] / [`HeaderPart::Crc`].
    skip: usize,
    /// Bytes of the current file name / comment seen so far.
    field: usize,
    inflate: Decompress,
    crc: Crc,
    /// Bytes of a header or trailer cut by a chunk boundary.
    pending: Vec<u8>,
    out: Vec<u8>,
    /// Compressed bytes consumed so far.
    offset: u64,
    member_start: u64,
    warnings: Vec<Warning>,
    /// The consumer's error, held back while the rest of the member is checked (see
    /// [`MAX_DRAIN`]); `drained` counts the output inflated since.
    sink_error: Option<ParseError>,
    drained: u64,
    /// The error returned: every later call returns it again.
    failed: Option<ParseError>,
}

impl Default for GzipInflater {
    fn default() -> Self {
        Self::new()
    }
}

impl GzipInflater {
    pub(crate) fn new() -> Self {
        GzipInflater {
            state: State::Header,
            part: HeaderPart::Fixed,
            flags: 0,
            skip: 0,
            field: 0,
            inflate: Decompress::new(false),
            crc: Crc::new(),
            pending: Vec::new(),
            out: vec![0; OUT_BUF],
            offset: 0,
            member_start: 0,
            warnings: Vec::new(),
            sink_error: None,
            drained: 0,
            failed: None,
        }
    }

    fn error(&self, offset: u64, msg: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            item: Item::Gzip,
            kind: ErrorKind::Gzip(msg.into()),
        }
    }

    /// Inflates `chunk`, handing decompressed bytes to `sink` as they come.
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.feed_inner(chunk, sink);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn feed_inner(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        let mut chunk = chunk;
        while !chunk.is_empty() {
            match self.state {
                State::Header => {
                    let used = self.header(chunk)?;
                    chunk = &chunk[used..];
                    self.offset += used as u64;
                }
                State::Trailer | State::BetweenMembers => {
                    // Small fixed parts: accumulate byte-exactly in `pending`.
                    let need = match self.state {
                        State::BetweenMembers => 2,
                        _ => 8,
                    };
                    if self.pending.len() >= need {
                        self.complete_small_part()?;
                        continue;
                    }
                    let take = (need - self.pending.len()).min(chunk.len());
                    self.pending.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    self.offset += take as u64;
                }
                State::Body => {
                    let before_in = self.inflate.total_in();
                    let before_out = self.inflate.total_out();
                    let result =
                        self.inflate
                            .decompress(chunk, &mut self.out, FlushDecompress::None);
                    let used = (self.inflate.total_in() - before_in) as usize;
                    let made = (self.inflate.total_out() - before_out) as usize;
                    chunk = &chunk[used..];
                    self.offset += used as u64;
                    // Also what was inflated just before damaged data: the same bytes reach
                    // the parser however the input is chunked.
                    self.deliver(made, sink)?;
                    // Where inside the deflate stream the damage is noticed depends on the
                    // inflater's read-ahead, hence on chunking: name the damaged member instead.
                    let status = result.map_err(|e| self.deflate_error(e))?;
                    if status == Status::StreamEnd {
                        self.state = State::Trailer;
                    } else if used == 0 && made == 0 {
                        return Err(self.error(self.member_start, "inflate made no progress"));
                    }
                }
                State::Ignoring => {
                    self.offset += chunk.len() as u64;
                    return Ok(());
                }
            }
        }
        self.complete_ready_part()?;
        // Drain output the inflater still holds (it may have more than one buffer's worth).
        while self.state == State::Body {
            let before_out = self.inflate.total_out();
            let result = self
                .inflate
                .decompress(&[], &mut self.out, FlushDecompress::None);
            let made = (self.inflate.total_out() - before_out) as usize;
            self.deliver(made, sink)?;
            let status = result.map_err(|e| self.deflate_error(e))?;
            if status == Status::StreamEnd {
                self.state = State::Trailer;
            }
            if made == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Hands `made` inflated bytes to the sink, or, once it failed, only checks them.
    fn deliver(
        &mut self,
        made: usize,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        if made == 0 {
            return Ok(());
        }
        self.crc.update(&self.out[..made]);
        match &self.sink_error {
            None => {
                if let Err(e) = sink(&self.out[..made]) {
                    self.sink_error = Some(e);
                }
                Ok(())
            }
            Some(e) => {
                self.drained += made as u64;
                if self.drained > MAX_DRAIN {
                    return Err(e.clone());
                }
                Ok(())
            }
        }
    }

    fn deflate_error(&self, e: flate2::DecompressError) -> ParseError {
        self.error(
            self.member_start,
            format!("corrupt deflate data in the gzip member that starts at this byte ({e})"),
        )
    }

    /// Completes a header/trailer whose last byte came with the last chunk.
    fn complete_ready_part(&mut self) -> Result<(), ParseError> {
        loop {
            let need = match self.state {
                State::BetweenMembers => 2,
                State::Trailer => 8,
                // A header with no optional part left ends here (a header with FNAME needs its
                // NUL, which `header` only sees in a chunk).
                State::Header => {
                    self.header(&[])?;
                    return Ok(());
                }
                _ => return Ok(()),
            };
            if self.pending.len() < need {
                return Ok(());
            }
            self.complete_small_part()?;
        }
    }

    fn complete_small_part(&mut self) -> Result<(), ParseError> {
        match self.state {
            State::Trailer => {
                let p = &self.pending;
                let crc = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
                let size = u32::from_le_bytes([p[4], p[5], p[6], p[7]]);
                if crc != self.crc.sum() {
                    return Err(self.error(
                        self.offset - 8,
                        "CRC-32 mismatch at the end of a gzip member",
                    ));
                }
                if size != self.crc.amount() {
                    return Err(self.error(
                        self.offset - 4,
                        "length mismatch at the end of a gzip member",
                    ));
                }
                self.pending.clear();
                self.state = State::BetweenMembers;
                if let Some(e) = &self.sink_error {
                    // The member is sound: the consumer's error stands.
                    return Err(e.clone());
                }
            }
            State::BetweenMembers => {
                if self.pending[..] == GZIP_MAGIC {
                    self.member_start = self.offset - 2;
                    self.state = State::Header; // keep the magic: the fixed part goes on from it
                    self.part = HeaderPart::Fixed;
                } else {
                    self.warnings.push(Warning::TrailingGarbage {
                        offset: self.offset - 2,
                    });
                    self.pending.clear();
                    self.state = State::Ignoring;
                }
            }
            State::Header | State::Body | State::Ignoring => {
                unreachable!("only trailers and member starts are gathered in `pending`")
            }
        }
        Ok(())
    }

    /// Ends the input; a stream cut inside a member gives a warning (what was inflated stands).
    pub(crate) fn finish(self) -> Vec<Warning> {
        let mut w = self.warnings;
        if matches!(self.state, State::Header | State::Body | State::Trailer) {
            w.push(Warning::Truncated {
                offset: self.member_start,
                item: Item::Gzip,
            });
        } else if self.state == State::BetweenMembers && !self.pending.is_empty() {
            // One byte after the last member: the start of a cut-off member, or garbage.
            let at = self.offset - self.pending.len() as u64;
            w.push(if self.pending[0] == 0x1f {
                Warning::Truncated {
                    offset: at,
                    item: Item::Gzip,
                }
            } else {
                Warning::TrailingGarbage { offset: at }
            });
        }
        w
    }
}

impl GzipInflater {
    /// Reads member-header bytes from the start of `chunk`; returns how many it used. Moves to
    /// [`State::Body`] when the header is complete (then the rest of `chunk` is deflate data).
    fn header(&mut self, chunk: &[u8]) -> Result<usize, ParseError> {
        let mut used = 0;
        loop {
            let rest = &chunk[used..];
            match self.part {
                HeaderPart::Fixed | HeaderPart::ExtraLen => {
                    let want = if self.part == HeaderPart::Fixed {
                        10
                    } else {
                        12
                    };
                    let take = (want - self.pending.len()).min(rest.len());
                    self.pending.extend_from_slice(&rest[..take]);
                    used += take;
                    fixed_header_check(&self.pending)
                        .map_err(|m| self.error(self.member_start, m))?;
                    if self.pending.len() < want {
                        return Ok(used);
                    }
                    if self.part == HeaderPart::Fixed {
                        self.flags = self.pending[3];
                        self.part = HeaderPart::ExtraLen;
                        if self.flags & 0x04 == 0 {
                            self.next_optional_part(HeaderPart::Extra);
                        }
                    } else {
                        self.skip =
                            u16::from_le_bytes([self.pending[10], self.pending[11]]) as usize;
                        self.part = HeaderPart::Extra;
                    }
                }
                HeaderPart::Extra | HeaderPart::Crc => {
                    let take = self.skip.min(rest.len());
                    self.skip -= take;
                    used += take;
                    if self.skip > 0 {
                        return Ok(used);
                    }
                    if self.part == HeaderPart::Extra {
                        self.next_optional_part(HeaderPart::Extra);
                    } else {
                        self.start_body();
                        return Ok(used);
                    }
                }
                HeaderPart::Name | HeaderPart::Comment => {
                    let nul = rest.iter().position(|&b| b == 0);
                    let n = nul.unwrap_or(rest.len());
                    self.field += n;
                    if self.field > MAX_HEADER_FIELD {
                        let what = if self.part == HeaderPart::Name {
                            "gzip header file name"
                        } else {
                            "gzip header comment"
                        };
                        return Err(self.error(
                            self.member_start,
                            format!("{what} longer than {MAX_HEADER_FIELD} bytes"),
                        ));
                    }
                    let Some(_) = nul else {
                        return Ok(used + n);
                    };
                    used += n + 1;
                    let part = self.part;
                    self.next_optional_part(part);
                }
            }
            if self.state == State::Body {
                return Ok(used);
            }
        }
    }

    /// After `done`, goes to the next optional header part the flags ask for, or to the body.
    fn next_optional_part(&mut self, done: HeaderPart) {
        let order = [
            (HeaderPart::Extra, 0x04),
            (HeaderPart::Name, 0x08),
            (HeaderPart::Comment, 0x10),
            (HeaderPart::Crc, 0x02),
        ];
        let after = order
            .iter()
            .position(|&(p, _)| p == done)
            .map_or(0, |i| i + 1);
        for &(part, flag) in &order[after..] {
            if self.flags & flag != 0 {
                self.part = part;
                self.field = 0;
                self.skip = 2; // used by Crc only
                return;
            }
        }
        self.start_body();
    }

    fn start_body(&mut self) {
        self.pending.clear();
        self.part = HeaderPart::Fixed;
        self.inflate.reset(false);
        self.crc.reset();
        self.state = State::Body;
    }
}

/// Checks the fixed header bytes gathered so far (as soon as each is there, so a non-gzip
/// stream is named at once).
fn fixed_header_check(h: &[u8]) -> Result<(), &'static str> {
    if h.len() >= 2 && h[..2] != GZIP_MAGIC {
        return Err("not a gzip member (bad magic)");
    }
    if h.len() >= 3 && h[2] != 8 {
        return Err("unsupported gzip compression method (not deflate)");
    }
    if h.len() >= 4 && h[3] & 0xE0 != 0 {
        return Err("reserved gzip header flags set");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per call, as a pipe may.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn gzip_magic_is_read_across_short_reads_and_short_files() {
        assert!(read_gzip_magic(&mut Trickle(&[0x1f, 0x8b, 8])).unwrap());
        assert!(!read_gzip_magic(&mut Trickle(b"JAVA PROFILE 1.0.2")).unwrap());
        assert!(!read_gzip_magic(&mut Trickle(&[0x1f])).unwrap());
        assert!(!read_gzip_magic(&mut Trickle(&[])).unwrap());
    }
}
