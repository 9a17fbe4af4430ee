//! Push-based gzip inflater (pure Rust via miniz_oxide, so it runs in Wasm too).
//!
//! Handles multi-member streams — JDK 15+'s `jcmd GC.heap_dump -gz` writes one member per block,
//! the first carrying the comment `HPROF BLOCKSIZE=<n>` — by starting a new member after each
//! trailer. CRC-32 and length of every member are verified.

use super::error::{ErrorKind, Item, ParseError, Warning};
use flate2::{Crc, Decompress, FlushDecompress, Status};

const OUT_BUF: usize = 256 * 1024;

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

pub struct GzipInflater {
    state: State,
    inflate: Decompress,
    crc: Crc,
    /// Bytes of a header or trailer cut by a chunk boundary.
    pending: Vec<u8>,
    out: Vec<u8>,
    /// Compressed bytes consumed so far.
    offset: u64,
    member_start: u64,
    warnings: Vec<Warning>,
}

impl Default for GzipInflater {
    fn default() -> Self {
        Self::new()
    }
}

impl GzipInflater {
    pub fn new() -> Self {
        GzipInflater {
            state: State::Header,
            inflate: Decompress::new(false),
            crc: Crc::new(),
            pending: Vec::new(),
            out: vec![0; OUT_BUF],
            offset: 0,
            member_start: 0,
            warnings: Vec::new(),
        }
    }

    /// Compressed bytes consumed so far.
    pub fn compressed_offset(&self) -> u64 {
        self.offset
    }

    fn error(&self, offset: u64, msg: impl Into<String>) -> ParseError {
        ParseError {
            offset,
            item: Item::Gzip,
            kind: ErrorKind::Gzip(msg.into()),
        }
    }

    /// Inflates `chunk`, handing decompressed bytes to `sink` as they come.
    pub fn feed(
        &mut self,
        mut chunk: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        while !chunk.is_empty() {
            match self.state {
                State::Header | State::Trailer | State::BetweenMembers => {
                    // Small fixed/variable parts: accumulate byte-exactly in `pending`.
                    let need = match self.state {
                        State::BetweenMembers => 2,
                        State::Trailer => 8,
                        _ => match header_len(&self.pending) {
                            Ok(Some(n)) => n,
                            Ok(None) => self.pending.len() + 1,
                            Err(m) => return Err(self.error(self.member_start, m)),
                        },
                    };
                    if self.pending.len() >= need {
                        self.complete_small_part()?;
                        continue;
                    }
                    // Take what is needed, then recompute (a header's length grows as it is read).
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
                    if made > 0 {
                        // Also what was inflated just before damaged data: the same bytes reach
                        // the parser however the input is chunked.
                        self.crc.update(&self.out[..made]);
                        sink(&self.out[..made])?;
                    }
                    // Where inside the deflate stream the damage is noticed depends on the
                    // inflater's read-ahead, hence on chunking: name the damaged member instead.
                    let status = result.map_err(|e| {
                        self.error(
                            self.member_start,
                            format!("{e} (in the member that starts there)"),
                        )
                    })?;
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
            if made > 0 {
                self.crc.update(&self.out[..made]);
                sink(&self.out[..made])?;
            }
            let status = result.map_err(|e| {
                self.error(
                    self.member_start,
                    format!("{e} (in the member that starts there)"),
                )
            })?;
            if status == Status::StreamEnd {
                self.state = State::Trailer;
            }
            if made == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Completes a header/trailer whose last byte came with the last chunk.
    fn complete_ready_part(&mut self) -> Result<(), ParseError> {
        loop {
            let need = match self.state {
                State::BetweenMembers => 2,
                State::Trailer => 8,
                State::Header => match header_len(&self.pending) {
                    Ok(Some(n)) => n,
                    Ok(None) => return Ok(()),
                    Err(m) => return Err(self.error(self.member_start, m)),
                },
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
            State::Header => {
                self.pending.clear();
                self.inflate.reset(false);
                self.crc.reset();
                self.state = State::Body;
            }
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
            }
            State::BetweenMembers => {
                if self.pending[..] == [0x1f, 0x8b] {
                    self.member_start = self.offset - 2;
                    self.state = State::Header; // keep the magic: header_len re-reads it
                } else {
                    self.warnings.push(Warning::TrailingGarbage {
                        offset: self.offset - 2,
                    });
                    self.pending.clear();
                    self.state = State::Ignoring;
                }
            }
            State::Body | State::Ignoring => unreachable!(),
        }
        Ok(())
    }

    /// Ends the input; a stream cut inside a member gives a warning (what was inflated stands).
    pub fn finish(self) -> Vec<Warning> {
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

/// Length of the gzip member header at the start of `h`, `None` if more bytes are needed to tell.
fn header_len(h: &[u8]) -> Result<Option<usize>, &'static str> {
    if h.len() >= 2 && h[..2] != [0x1f, 0x8b] {
        return Err("not a gzip member (bad magic)");
    }
    if h.len() >= 3 && h[2] != 8 {
        return Err("unsupported gzip compression method (not deflate)");
    }
    if h.len() < 10 {
        return Ok(None);
    }
    let flags = h[3];
    if flags & 0xE0 != 0 {
        return Err("reserved gzip header flags set");
    }
    let mut pos = 10;
    if flags & 0x04 != 0 {
        // FEXTRA
        if h.len() < pos + 2 {
            return Ok(None);
        }
        pos += 2 + u16::from_le_bytes([h[pos], h[pos + 1]]) as usize;
    }
    for flag in [0x08, 0x10] {
        // FNAME, FCOMMENT: NUL-terminated
        if flags & flag != 0 {
            if h.len() <= pos {
                return Ok(None);
            }
            match h[pos..].iter().position(|&b| b == 0) {
                Some(n) => pos += n + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 0x02 != 0 {
        pos += 2; // FHCRC
    }
    Ok(if h.len() >= pos { Some(pos) } else { None })
}
