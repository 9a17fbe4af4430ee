//! Input front-end: detects gzip by its magic bytes (never by file name) and feeds the parser.

use super::error::{ParseError, Warning};
use super::gzip::GzipInflater;
use super::parser::{ParseSummary, Parser};
use super::visitor::Visitor;

enum Mode {
    /// Fewer than two bytes seen: cannot tell yet.
    Sniffing(Vec<u8>),
    Raw,
    Gzip(Box<GzipInflater>),
}

/// A [`Parser`] behind optional gzip inflation. Feed it the file's bytes in chunks of any size.
pub struct DumpDecoder {
    mode: Mode,
    parser: Parser,
    /// Input bytes fed (compressed bytes for gzip input).
    input_bytes: u64,
}

impl Default for DumpDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DumpDecoder {
    pub fn new() -> Self {
        DumpDecoder {
            mode: Mode::Sniffing(Vec::new()),
            parser: Parser::new(),
            input_bytes: 0,
        }
    }

    /// Input bytes fed so far (of the file as stored, i.e. compressed for gzip), and the ranges
    /// left out before them ([`Self::skip_ranges`]): where in the file the input is.
    pub fn input_bytes(&self) -> u64 {
        match self.mode {
            Mode::Raw => self.parser.offset(),
            _ => self.input_bytes,
        }
    }

    pub fn is_gzip(&self) -> bool {
        matches!(self.mode, Mode::Gzip(_))
    }

    /// Ranges of the file the caller leaves out of an uncompressed input: see
    /// [`Parser::skip_ranges`]. Set before the first byte. (Offsets are the file's: a gzip
    /// input, whose parser sees other offsets, must not be given any.)
    pub(crate) fn skip_ranges(&mut self, skips: Vec<super::Skip>) {
        self.parser.skip_ranges(skips);
    }

    pub fn feed<V: Visitor>(&mut self, chunk: &[u8], v: &mut V) -> Result<(), ParseError> {
        self.input_bytes += chunk.len() as u64;
        if let Mode::Sniffing(seen) = &mut self.mode {
            let take = (2 - seen.len()).min(chunk.len());
            seen.extend_from_slice(&chunk[..take]);
            if seen.len() < 2 {
                return Ok(());
            }
            let seen = std::mem::take(seen);
            self.mode = if seen == super::gzip::GZIP_MAGIC {
                Mode::Gzip(Box::default())
            } else {
                Mode::Raw
            };
            self.feed_detected(&seen, v)?;
            return self.feed_detected(&chunk[take..], v);
        }
        self.feed_detected(chunk, v)
    }

    fn feed_detected<V: Visitor>(&mut self, chunk: &[u8], v: &mut V) -> Result<(), ParseError> {
        match &mut self.mode {
            Mode::Raw => self.parser.feed(chunk, v),
            Mode::Gzip(gz) => {
                let parser = &mut self.parser;
                gz.feed(chunk, &mut |out| parser.feed(out, v))
            }
            Mode::Sniffing(_) => unreachable!("feed() decides the mode first"),
        }
    }

    /// Ends the input; see [`Parser::finish`].
    pub fn finish<V: Visitor>(self, v: &mut V) -> Result<ParseSummary, ParseError> {
        let (parser, gz_warnings): (Parser, Vec<Warning>) = match self.mode {
            Mode::Sniffing(seen) => {
                let mut p = Parser::new();
                p.feed(&seen, v)?;
                (p, Vec::new())
            }
            Mode::Raw => (self.parser, Vec::new()),
            Mode::Gzip(gz) => (self.parser, gz.finish()),
        };
        let mut summary = parser.finish()?;
        summary.warnings.splice(0..0, gz_warnings);
        Ok(summary)
    }
}

/// Parses a whole in-memory dump (raw or gzip).
pub fn parse_slice<V: Visitor>(bytes: &[u8], v: &mut V) -> Result<ParseSummary, ParseError> {
    let mut d = DumpDecoder::new();
    d.feed(bytes, v)?;
    d.finish(v)
}

/// Parses a dump from a reader (raw or gzip), in chunks of `chunk_size` bytes.
pub fn parse_read<R: std::io::Read, V: Visitor>(
    mut reader: R,
    chunk_size: usize,
    v: &mut V,
) -> std::io::Result<Result<ParseSummary, ParseError>> {
    let mut d = DumpDecoder::new();
    let mut buf = vec![0u8; chunk_size.max(1)];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Err(e) = d.feed(&buf[..n], v) {
            return Ok(Err(e));
        }
    }
    Ok(d.finish(v))
}
