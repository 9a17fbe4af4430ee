//! The push parser: feed it chunks of any size, it calls a [`Visitor`] for every record.
//!
//! Design, in short:
//! - Items (records, sub-records) that lie wholly inside the caller's chunk are decoded in place:
//!   no copy. Only an item cut by a chunk boundary is assembled in a small carry-over buffer, and
//!   only as many bytes as it needs are copied into it — so chunk size never changes the result.
//! - Large payloads are streamed, never buffered: object-array elements are delivered in pieces,
//!   primitive arrays above [`INLINE_PRIMITIVE_ARRAY_LIMIT`] and skipped records are skipped.
//!   The carry-over buffer only grows as data actually arrives, and a length read from the file is
//!   first checked against the bytes left in its enclosing record, so a hostile length can never
//!   make us allocate more than the input holds.
//! - Errors are values with the offset and the item being read; after one, the parser stays failed.

use super::error::{ErrorKind, Item, ParseError, Warning};
use super::skip::Skip;
use super::types::*;
use super::visitor::Visitor;

/// Primitive arrays of at most this many bytes are handed to the visitor with their contents
/// (strings, thread names, small buffers); larger ones are skipped without buffering.
pub const INLINE_PRIMITIVE_ARRAY_LIMIT: usize = 1 << 20;

/// Object arrays whose elements take at most this many bytes are delivered in one piece even when
/// cut by a chunk boundary; larger ones are streamed in pieces.
const OBJECT_ARRAY_BUFFER_LIMIT: u64 = 64 * 1024;

/// Largest item (a top-level record decoded whole, or an instance's field data) that is ever
/// assembled in memory. Nothing a JVM writes comes near it (a HotSpot symbol is at most 64 KiB,
/// an instance's fields at most a few MiB, a class dump ~2.5 MiB by the format's u16 counts);
/// larger top-level records are skipped with a warning, larger instances are an error, so a tiny
/// gzip file of zeros cannot make us buffer gigabytes.
pub const MAX_BUFFERED_ITEM: u64 = 64 << 20;

/// Longest UTF8 record decoded (longer ones are skipped with a warning): 16× the longest symbol
/// HotSpot has (its length is a u16). Pass 1 keeps every name, so this bounds what one record
/// can make it hold.
pub const MAX_UTF8_RECORD: u64 = 1 << 20;

/// Longest header string we accept before the NUL (`JAVA PROFILE 1.0.2` is 18).
const MAX_HEADER_STRING: usize = 64;

const RECORD_HEADER_LEN: usize = 9;

#[derive(Debug, Clone, Copy)]
enum State {
    Header,
    RecordHeader,
    /// A top-level record whose body is decoded whole.
    Body {
        tag: u8,
        len: u32,
        start: u64,
    },
    /// A top-level record skipped by length.
    SkipRecord {
        tag: u8,
        remaining: u64,
        start: u64,
    },
    /// Inside HEAP DUMP / HEAP DUMP SEGMENT; `remaining` is `None` when it runs to EOF.
    Heap(HeapRecord),
    /// Streaming the elements of a large object array.
    ObjectElements {
        heap: HeapRecord,
        array: ObjectArray,
        next: u32,
    },
    /// Skipping the data of a large primitive array.
    SkipArrayData {
        heap: HeapRecord,
        remaining: u64,
        start: u64,
    },
    Failed,
}

#[derive(Debug, Clone, Copy)]
struct HeapRecord {
    tag: u8,
    start: u64,
    remaining: Option<u64>,
}

impl HeapRecord {
    fn consume(&mut self, n: usize) {
        if let Some(r) = &mut self.remaining {
            *r -= n as u64;
        }
    }
    fn check(&self, needed: u64, offset: u64, sub_tag: u8) -> Result<(), ParseError> {
        match self.remaining {
            Some(r) if needed > r => Err(ParseError {
                offset,
                item: Item::SubRecord(sub_tag),
                kind: ErrorKind::SubRecordOverrunsRecord {
                    needed,
                    remaining: r,
                },
            }),
            _ => Ok(()),
        }
    }
    fn done(&self) -> bool {
        self.remaining == Some(0)
    }
}

enum Step {
    /// `n` bytes of the input were used (0 only for a pure state change).
    Consumed(usize),
    /// `consumed` bytes of the input were used, then the `skipped` bytes that follow them in
    /// the file, which the caller left out of the input (see [`Parser::skip_ranges`]).
    Skipped { consumed: usize, skipped: u64 },
    /// The current item needs `n` bytes from the start of the input (more than it has).
    Need(usize),
}

/// Streaming HPROF parser. See the module docs.
pub struct Parser {
    state: State,
    /// Absolute offset of the first unconsumed byte.
    offset: u64,
    /// Carry-over: the start of an item cut by a chunk boundary (begins at `offset`).
    carry: Vec<u8>,
    id_size: u8,
    header: Option<Header>,
    warnings: Vec<Warning>,
    error: Option<ParseError>,
    /// How far the length scan of a CLASS DUMP cut by a chunk boundary got, so that each new
    /// chunk resumes it instead of rescanning the record from its start (quadratic otherwise).
    class_scan: ClassScan,
    /// Ranges of the file the caller leaves out of the input (sorted), and the next one.
    skips: Vec<Skip>,
    next_skip: usize,
}

/// What a completed parse produced besides the visitor's callbacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseSummary {
    pub header: Header,
    /// Decompressed bytes parsed.
    pub bytes: u64,
    pub warnings: Vec<Warning>,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    pub fn new() -> Self {
        Parser {
            state: State::Header,
            offset: 0,
            carry: Vec::new(),
            id_size: 0,
            header: None,
            warnings: Vec::new(),
            error: None,
            class_scan: ClassScan::default(),
            skips: Vec::new(),
            next_skip: 0,
        }
    }

    /// Declares the ranges of the file the caller will leave out of the input: each must be
    /// the whole payload of a PRIM ARRAY DUMP (its header ends where the range starts), which
    /// the visitor then gets without data. Sorted and disjoint, as the first pass recorded them
    /// (`GraphBuilder::skips`). Set before the first byte; a range that is not such a payload is
    /// [`ErrorKind::SkipMismatch`].
    pub(crate) fn skip_ranges(&mut self, skips: Vec<Skip>) {
        self.skips = skips;
        self.next_skip = 0;
    }

    /// Bytes consumed so far (decompressed).
    pub(crate) fn offset(&self) -> u64 {
        self.offset + self.carry.len() as u64
    }

    /// Feeds the next chunk (any size, including empty).
    pub fn feed<V: Visitor>(&mut self, mut chunk: &[u8], v: &mut V) -> Result<(), ParseError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        // First complete an item cut by the previous chunk boundary.
        while !self.carry.is_empty() {
            let carry = std::mem::take(&mut self.carry);
            let step = self.step(&carry, v);
            match step {
                Err(e) => return Err(self.fail(e)),
                Ok(Step::Consumed(n)) => {
                    self.offset += n as u64;
                    self.carry = carry;
                    self.carry.drain(..n);
                }
                Ok(Step::Skipped { consumed, skipped }) => {
                    self.offset += consumed as u64 + skipped;
                    self.carry = carry;
                    self.carry.drain(..consumed);
                }
                Ok(Step::Need(n)) => {
                    let take = (n - carry.len()).min(chunk.len());
                    self.carry = carry;
                    self.carry.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    if self.carry.len() < n {
                        return Ok(()); // chunk exhausted
                    }
                }
            }
        }
        // Then decode in place.
        while !chunk.is_empty() || matches!(self.state, State::Heap(h) if h.done()) {
            match self.step(chunk, v) {
                Err(e) => return Err(self.fail(e)),
                Ok(Step::Consumed(n)) => {
                    self.offset += n as u64;
                    chunk = &chunk[n..];
                }
                Ok(Step::Skipped { consumed, skipped }) => {
                    self.offset += consumed as u64 + skipped;
                    chunk = &chunk[consumed..];
                }
                Ok(Step::Need(_)) => {
                    self.carry.extend_from_slice(chunk);
                    break;
                }
            }
        }
        Ok(())
    }

    /// Ends the input. A dump cut inside an item is not an error: everything before the cut was
    /// delivered, and the summary carries a [`Warning::Truncated`].
    pub fn finish(mut self) -> Result<ParseSummary, ParseError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let at = self.offset;
        let cut = match self.state {
            State::Header => {
                return Err(ParseError {
                    offset: 0,
                    item: Item::Header,
                    kind: ErrorKind::NotHprof,
                })
            }
            State::RecordHeader => self.carry.first().map(|&t| (at, Item::Record(t))),
            State::Body { tag, start, .. } | State::SkipRecord { tag, start, .. } => {
                Some((start, Item::Record(tag)))
            }
            State::Heap(h) => match (self.carry.first(), h.remaining) {
                (Some(&t), _) => Some((at, Item::SubRecord(t))),
                (None, Some(r)) if r > 0 => Some((h.start, Item::Record(h.tag))),
                _ => None,
            },
            State::ObjectElements { array, .. } => Some((array.offset, Item::SubRecord(0x22))),
            State::SkipArrayData { start, .. } => Some((start, Item::SubRecord(0x23))),
            State::Failed => None,
        };
        if let Some((offset, item)) = cut {
            self.warnings.push(Warning::Truncated { offset, item });
        }
        let header = self
            .header
            .expect("header parsed in every state but Header");
        Ok(ParseSummary {
            header,
            bytes: self.offset + self.carry.len() as u64,
            warnings: self.warnings,
        })
    }

    fn fail(&mut self, e: ParseError) -> ParseError {
        self.state = State::Failed;
        self.carry = Vec::new();
        self.error = Some(e.clone());
        e
    }

    /// Decodes at most one item from the start of `input`.
    #[inline]
    fn step<V: Visitor>(&mut self, input: &[u8], v: &mut V) -> Result<Step, ParseError> {
        let Some(&skip) = self.skips.get(self.next_skip) else {
            return self.step_within(input, v);
        };
        // The input jumps over the skipped range: never read across its start. Only a primitive
        // array's header that ends exactly there steps over it (`primitive_array`); any other
        // item reaching it means the file is not what the first pass read.
        let mismatch = ParseError {
            offset: skip.start,
            item: Item::SubRecord(0x23),
            kind: ErrorKind::SkipMismatch {
                start: skip.start,
                len: skip.len,
            },
        };
        let Some(before) = skip.start.checked_sub(self.offset).filter(|&b| b > 0) else {
            return Err(mismatch);
        };
        let input = match usize::try_from(before) {
            Ok(b) if b < input.len() => &input[..b],
            _ => input,
        };
        match self.step_within(input, v)? {
            Step::Need(n) if self.offset + n as u64 > skip.start => Err(mismatch),
            step => Ok(step),
        }
    }

    /// [`Self::step`] on input that ends before the next skipped range, if any.
    #[inline]
    fn step_within<V: Visitor>(&mut self, input: &[u8], v: &mut V) -> Result<Step, ParseError> {
        match self.state {
            State::Heap(mut heap) => {
                if heap.done() {
                    self.state = State::RecordHeader;
                    return Ok(Step::Consumed(0));
                }
                // Never look past the end of the heap record: otherwise what a sub-record that
                // overruns it is reported as (and its `needed`) would depend on how many bytes of
                // the following records happen to be in the chunk.
                let input = match heap.remaining {
                    Some(r) if r < input.len() as u64 => &input[..r as usize],
                    _ => input,
                };
                let step = self.sub_record(input, &mut heap, v)?;
                if let State::Heap(_) = self.state {
                    self.state = State::Heap(heap);
                }
                Ok(step)
            }
            State::RecordHeader => self.record_header(input, v),
            State::Body { tag, len, start } => {
                // At most MAX_BUFFERED_ITEM (record_header skips longer ones): fits any usize.
                let len = len as usize;
                if input.len() < len {
                    return Ok(Step::Need(len));
                }
                self.record_body(tag, &input[..len], start, v)?;
                self.state = State::RecordHeader;
                Ok(Step::Consumed(len))
            }
            State::SkipRecord {
                tag,
                remaining,
                start,
            } => {
                let n = (remaining.min(input.len() as u64)) as usize;
                let remaining = remaining - n as u64;
                self.state = if remaining == 0 {
                    State::RecordHeader
                } else {
                    State::SkipRecord {
                        tag,
                        remaining,
                        start,
                    }
                };
                Ok(Step::Consumed(n))
            }
            State::ObjectElements {
                mut heap,
                array,
                next,
            } => {
                let id = self.id_size as usize;
                let left = (array.length - next) as usize;
                let n = (input.len() / id).min(left);
                if n == 0 {
                    return Ok(Step::Need(id));
                }
                v.object_array(&array, next, IdList::new(&input[..n * id], self.id_size));
                heap.consume(n * id);
                let next = next + n as u32;
                self.state = if next == array.length {
                    State::Heap(heap)
                } else {
                    State::ObjectElements { heap, array, next }
                };
                Ok(Step::Consumed(n * id))
            }
            State::SkipArrayData {
                mut heap,
                remaining,
                start,
            } => {
                let n = (remaining.min(input.len() as u64)) as usize;
                heap.consume(n);
                let remaining = remaining - n as u64;
                self.state = if remaining == 0 {
                    State::Heap(heap)
                } else {
                    State::SkipArrayData {
                        heap,
                        remaining,
                        start,
                    }
                };
                Ok(Step::Consumed(n))
            }
            State::Header => self.file_header(input, v),
            State::Failed => unreachable!("feed() returns the stored error first"),
        }
    }

    fn file_header<V: Visitor>(&mut self, input: &[u8], v: &mut V) -> Result<Step, ParseError> {
        const MAGIC: &[u8] = b"JAVA PROFILE ";
        let not_hprof = || ParseError {
            offset: 0,
            item: Item::Header,
            kind: ErrorKind::NotHprof,
        };
        let prefix = input.len().min(MAGIC.len());
        if input[..prefix] != MAGIC[..prefix] {
            return Err(not_hprof());
        }
        let scan = &input[..input.len().min(MAX_HEADER_STRING + 1)];
        let Some(nul) = scan.iter().position(|&b| b == 0) else {
            return if input.len() > MAX_HEADER_STRING {
                Err(not_hprof())
            } else {
                Ok(Step::Need(input.len() + 1))
            };
        };
        let total = nul + 1 + 4 + 8;
        if input.len() < total {
            return Ok(Step::Need(total));
        }
        let version = match &input[..nul] {
            b"JAVA PROFILE 1.0.1" => Version::V101,
            b"JAVA PROFILE 1.0.2" => Version::V102,
            b"JAVA PROFILE 1.0.3" => Version::V103,
            other => {
                return Err(ParseError {
                    offset: 0,
                    item: Item::Header,
                    kind: ErrorKind::UnsupportedVersion(
                        String::from_utf8_lossy(other).into_owned(),
                    ),
                })
            }
        };
        let id_size = be_u32(&input[nul + 1..]);
        if id_size != 4 && id_size != 8 {
            return Err(ParseError {
                offset: nul as u64 + 1,
                item: Item::Header,
                kind: ErrorKind::BadIdSize(id_size),
            });
        }
        let header = Header {
            version,
            id_size: id_size as u8,
            timestamp_ms: be_u64(&input[nul + 5..]),
        };
        self.id_size = id_size as u8;
        v.header(&header);
        self.header = Some(header);
        self.state = State::RecordHeader;
        Ok(Step::Consumed(total))
    }

    fn record_header<V: Visitor>(&mut self, input: &[u8], v: &mut V) -> Result<Step, ParseError> {
        if input.len() < RECORD_HEADER_LEN {
            return Ok(Step::Need(RECORD_HEADER_LEN));
        }
        let tag = input[0];
        let len = be_u32(&input[5..]);
        let start = self.offset;
        self.state = match tag {
            0x01 | 0x02 | 0x03 | 0x04 | 0x05 | 0x07 | 0x0A | 0x0B => {
                let limit = if tag == 0x01 {
                    MAX_UTF8_RECORD + self.id_size as u64
                } else {
                    MAX_BUFFERED_ITEM
                };
                if len as u64 > limit {
                    // Decoded whole, it would be buffered whole: skip it instead.
                    self.warnings.push(Warning::RecordSkipped {
                        offset: start,
                        item: Item::Record(tag),
                        len: len as u64,
                    });
                    skip_or_header(tag, len, start)
                } else {
                    State::Body { tag, len, start }
                }
            }
            0x0C | 0x1C => {
                v.heap_dump_start(tag, start, len);
                let remaining = if len == 0 {
                    // A VM that died mid-dump leaves the length unpatched: read to EOF.
                    self.warnings
                        .push(Warning::HeapRecordRanToEnd { offset: start });
                    None
                } else {
                    Some(len as u64)
                };
                State::Heap(HeapRecord {
                    tag,
                    start,
                    remaining,
                })
            }
            0x2C => {
                v.heap_dump_end(start);
                skip_or_header(tag, len, start)
            }
            0x06 | 0x0D | 0x0E => {
                v.other_record(tag, start, len);
                skip_or_header(tag, len, start)
            }
            _ => {
                return Err(ParseError {
                    offset: start,
                    item: Item::Record(tag),
                    kind: ErrorKind::UnknownRecordTag,
                })
            }
        };
        Ok(Step::Consumed(RECORD_HEADER_LEN))
    }

    fn record_body<V: Visitor>(
        &mut self,
        tag: u8,
        b: &[u8],
        start: u64,
        v: &mut V,
    ) -> Result<(), ParseError> {
        let id = self.id_size as usize;
        let bad_len = |needed: usize| ParseError {
            offset: start,
            item: Item::Record(tag),
            kind: ErrorKind::BadRecordLength {
                declared: b.len() as u64,
                needed: needed as u64,
            },
        };
        let need = |n: usize| if b.len() < n { Err(bad_len(n)) } else { Ok(()) };
        let rid = |at: usize| read_id(&b[at..], self.id_size);
        match tag {
            0x01 => {
                need(id)?;
                v.utf8(rid(0), &b[id..]);
            }
            0x02 => {
                need(4 + id + 4 + id)?;
                v.load_class(&LoadClass {
                    serial: be_u32(b),
                    class_id: rid(4),
                    stack_serial: be_u32(&b[4 + id..]),
                    name_id: rid(8 + id),
                });
            }
            0x03 => {
                need(4)?;
                v.unload_class(be_u32(b));
            }
            0x04 => {
                need(4 * id + 8)?;
                v.stack_frame(&StackFrame {
                    frame_id: rid(0),
                    method_name_id: rid(id),
                    signature_id: rid(2 * id),
                    source_file_id: rid(3 * id),
                    class_serial: be_u32(&b[4 * id..]),
                    line: be_u32(&b[4 * id + 4..]) as i32,
                });
            }
            0x05 => {
                need(12)?;
                // In u64 (a usize is 32 bits on wasm32), checked before slicing or allocating:
                // n comes from the file. Past the check the length is within `b`.
                let frames_len = 12 + be_u32(&b[8..]) as u64 * id as u64;
                if (b.len() as u64) < frames_len {
                    return Err(ParseError {
                        offset: start,
                        item: Item::Record(tag),
                        kind: ErrorKind::BadRecordLength {
                            declared: b.len() as u64,
                            needed: frames_len,
                        },
                    });
                }
                v.stack_trace(&StackTrace {
                    serial: be_u32(b),
                    thread_serial: be_u32(&b[4..]),
                    frame_ids: IdList::new(&b[12..frames_len as usize], self.id_size)
                        .iter()
                        .collect(),
                });
            }
            0x07 => {
                need(24)?;
                v.heap_summary(&HeapSummary {
                    live_bytes: be_u32(b),
                    live_instances: be_u32(&b[4..]),
                    allocated_bytes: be_u64(&b[8..]),
                    allocated_instances: be_u64(&b[16..]),
                });
            }
            0x0A => {
                need(4 + id + 4 + 3 * id)?;
                v.start_thread(&StartThread {
                    thread_serial: be_u32(b),
                    thread_object_id: rid(4),
                    stack_serial: be_u32(&b[4 + id..]),
                    name_id: rid(8 + id),
                    group_name_id: rid(8 + 2 * id),
                    parent_group_name_id: rid(8 + 3 * id),
                });
            }
            0x0B => {
                need(4)?;
                v.end_thread(be_u32(b));
            }
            _ => unreachable!("record_header routes only decoded tags here"),
        }
        Ok(())
    }

    /// Decodes one heap sub-record (or starts streaming a large array).
    #[inline]
    fn sub_record<V: Visitor>(
        &mut self,
        input: &[u8],
        heap: &mut HeapRecord,
        v: &mut V,
    ) -> Result<Step, ParseError> {
        let id = self.id_size as usize;
        let id_size = self.id_size;
        let offset = self.offset;
        let tag = input[0];
        let rid = |at: usize| read_id(&input[at..], id_size);
        let root = Some::<RootKind>;
        // Variable-size sub-records return early; fixed-size ones yield (size, root kind).
        let (size, kind) = match tag {
            0x21 => {
                let hdr = 1 + 2 * id + 8;
                if input.len() < hdr {
                    heap.check(hdr as u64, offset, tag)?;
                    return Ok(Step::Need(hdr));
                }
                // Sizes in u64: `hdr + n` overflows a 32-bit usize (wasm32).
                let total = hdr as u64 + be_u32(&input[1 + 2 * id + 4..]) as u64;
                heap.check(total, offset, tag)?;
                too_large(total, offset, tag)?;
                let total = total as usize; // <= MAX_BUFFERED_ITEM
                if input.len() < total {
                    return Ok(Step::Need(total));
                }
                v.instance(&Instance {
                    id: rid(1),
                    stack_serial: be_u32(&input[1 + id..]),
                    class_id: rid(1 + id + 4),
                    fields: &input[hdr..total],
                    offset,
                });
                heap.consume(total);
                return Ok(Step::Consumed(total));
            }
            0x22 => return self.object_array(input, heap, v),
            0x23 | 0xC3 => return self.primitive_array(input, heap, v),
            0x20 => return self.class_dump(input, heap, v),
            0xFF => (1 + id, root(RootKind::Unknown)),
            0x01 => (1 + 2 * id, root(RootKind::JniGlobal)),
            0x02 => (1 + id + 8, root(RootKind::JniLocal)),
            0x03 => (1 + id + 8, root(RootKind::JavaFrame)),
            0x04 => (1 + id + 4, root(RootKind::NativeStack)),
            0x05 => (1 + id, root(RootKind::StickyClass)),
            0x06 => (1 + id + 4, root(RootKind::ThreadBlock)),
            0x07 => (1 + id, root(RootKind::MonitorUsed)),
            0x08 => (1 + id + 8, root(RootKind::ThreadObject)),
            0x89 => (1 + id, root(RootKind::InternedString)),
            0x8A => (1 + id, root(RootKind::Finalizing)),
            0x8B => (1 + id, root(RootKind::Debugger)),
            0x8C => (1 + id, root(RootKind::ReferenceCleanup)),
            0x8D => (1 + id, root(RootKind::VmInternal)),
            0x8E => (1 + id + 8, root(RootKind::JniMonitor)),
            0x90 => (1 + id, root(RootKind::Unreachable)),
            0xFE => (1 + 4 + id, None),
            _ => {
                return Err(ParseError {
                    offset,
                    item: Item::SubRecord(tag),
                    kind: ErrorKind::UnknownSubRecordTag,
                })
            }
        };
        heap.check(size as u64, offset, tag)?;
        if input.len() < size {
            return Ok(Step::Need(size));
        }
        match kind {
            None => v.heap_info(be_u32(&input[1..]), rid(5)),
            Some(kind) => {
                let u32_at = |at: usize| be_u32(&input[at..]);
                let (thread_serial, frame, stack_serial) = match tag {
                    0x02 | 0x03 => (Some(u32_at(1 + id)), Some(u32_at(1 + id + 4)), None),
                    0x04 | 0x06 => (Some(u32_at(1 + id)), None, None),
                    0x08 => (Some(u32_at(1 + id)), None, Some(u32_at(1 + id + 4))),
                    _ => (None, None, None),
                };
                v.gc_root(&GcRoot {
                    kind,
                    object_id: rid(1),
                    thread_serial,
                    frame,
                    stack_serial,
                });
            }
        }
        heap.consume(size);
        Ok(Step::Consumed(size))
    }

    fn object_array<V: Visitor>(
        &mut self,
        input: &[u8],
        heap: &mut HeapRecord,
        v: &mut V,
    ) -> Result<Step, ParseError> {
        let id = self.id_size as usize;
        let offset = self.offset;
        let hdr = 1 + id + 8 + id;
        if input.len() < hdr {
            heap.check(hdr as u64, offset, 0x22)?;
            return Ok(Step::Need(hdr));
        }
        let length = be_u32(&input[1 + id + 4..]);
        let data = length as u64 * id as u64;
        heap.check(hdr as u64 + data, offset, 0x22)?;
        let array = ObjectArray {
            id: read_id(&input[1..], self.id_size),
            stack_serial: be_u32(&input[1 + id..]),
            length,
            class_id: read_id(&input[1 + id + 8..], self.id_size),
            offset,
        };
        // Compared in u64 (up to 32 GiB, more than a wasm32 usize), converted only once known
        // to be within the input or small.
        let total = hdr as u64 + data;
        if input.len() as u64 >= total {
            let total = total as usize;
            v.object_array(&array, 0, IdList::new(&input[hdr..total], self.id_size));
            heap.consume(total);
            return Ok(Step::Consumed(total));
        }
        if data <= OBJECT_ARRAY_BUFFER_LIMIT {
            return Ok(Step::Need(total as usize));
        }
        heap.consume(hdr);
        self.state = State::ObjectElements {
            heap: *heap,
            array,
            next: 0,
        };
        Ok(Step::Consumed(hdr))
    }

    fn primitive_array<V: Visitor>(
        &mut self,
        input: &[u8],
        heap: &mut HeapRecord,
        v: &mut V,
    ) -> Result<Step, ParseError> {
        let id = self.id_size as usize;
        let offset = self.offset;
        let tag = input[0];
        let hdr = 1 + id + 9;
        if input.len() < hdr {
            heap.check(hdr as u64, offset, tag)?;
            return Ok(Step::Need(hdr));
        }
        let length = be_u32(&input[1 + id + 4..]);
        let code = input[1 + id + 8];
        let elem = BasicType::from_code(code)
            .filter(|t| *t != BasicType::Object)
            .ok_or(ParseError {
                offset,
                item: Item::SubRecord(tag),
                kind: ErrorKind::BadBasicType(code),
            })?;
        let array = PrimitiveArray {
            id: read_id(&input[1..], self.id_size),
            stack_serial: be_u32(&input[1 + id..]),
            length,
            elem,
            offset,
            no_data: tag == 0xC3,
        };
        let data = if tag == 0xC3 {
            0
        } else {
            length as u64 * elem.size(self.id_size) as u64
        };
        heap.check(hdr as u64 + data, offset, tag)?;
        if let Some(skip) = self.skips.get(self.next_skip) {
            if skip.start == offset + hdr as u64 && tag != 0xC3 {
                if skip.len != data {
                    return Err(ParseError {
                        offset: skip.start,
                        item: Item::SubRecord(tag),
                        kind: ErrorKind::SkipMismatch {
                            start: skip.start,
                            len: skip.len,
                        },
                    });
                }
                self.next_skip += 1;
                v.primitive_array(&array, None);
                heap.consume(hdr);
                if let Some(r) = &mut heap.remaining {
                    *r -= data; // checked above: within the record
                }
                return Ok(Step::Skipped {
                    consumed: hdr,
                    skipped: data,
                });
            }
        }
        if tag == 0xC3 {
            v.primitive_array(&array, None);
            heap.consume(hdr);
            return Ok(Step::Consumed(hdr));
        }
        if data <= INLINE_PRIMITIVE_ARRAY_LIMIT as u64 {
            let total = hdr + data as usize; // small: no overflow on 32 bits
            if input.len() < total {
                return Ok(Step::Need(total));
            }
            v.primitive_array(&array, Some(&input[hdr..total]));
            heap.consume(total);
            return Ok(Step::Consumed(total));
        }
        v.primitive_array(&array, None);
        heap.consume(hdr);
        self.state = State::SkipArrayData {
            heap: *heap,
            remaining: data,
            start: offset,
        };
        Ok(Step::Consumed(hdr))
    }

    fn class_dump<V: Visitor>(
        &mut self,
        input: &[u8],
        heap: &mut HeapRecord,
        v: &mut V,
    ) -> Result<Step, ParseError> {
        let offset = self.offset;
        // First find where the record ends, resuming a scan an earlier chunk began: a class dump
        // cut by chunk boundaries is then scanned once, however small the chunks.
        if self.class_scan.offset != Some(offset) {
            self.class_scan = ClassScan {
                offset: Some(offset),
                ..ClassScan::default()
            };
        }
        match self.class_scan.scan(input, self.id_size) {
            Ok(_) => self.class_scan = ClassScan::default(),
            Err(CursorError::Need(n)) => {
                heap.check(n as u64, offset, 0x20)?;
                return Ok(Step::Need(n));
            }
            Err(CursorError::BadType(code)) => {
                return Err(ParseError {
                    offset,
                    item: Item::SubRecord(0x20),
                    kind: ErrorKind::BadBasicType(code),
                })
            }
        }
        // The whole record is in `input` and well formed: decode it (cannot run out now).
        let mut c = Cursor {
            b: input,
            pos: 1,
            id_size: self.id_size,
        };
        let parsed = (|| -> Result<ClassDump, CursorError> {
            let class_id = c.id()?;
            let stack_serial = c.u32()?;
            let super_id = c.id()?;
            let loader_id = c.id()?;
            let signers_id = c.id()?;
            let protection_domain_id = c.id()?;
            c.id()?; // reserved
            c.id()?; // reserved
            let instance_size = c.u32()?;
            let constants = c.u16()?;
            for _ in 0..constants {
                c.u16()?;
                let ty = c.basic_type()?;
                c.value(ty)?;
            }
            let n_statics = c.u16()?;
            // Counts come from the file: reserve no more than the bytes at hand can hold (a static
            // takes at least id + 2 bytes, a field id + 1).
            let mut statics =
                Vec::with_capacity((n_statics as usize).min(c.left() / (c.id_size as usize + 2)));
            for _ in 0..n_statics {
                let name_id = c.id()?;
                let ty = c.basic_type()?;
                statics.push(StaticField {
                    name_id,
                    value: c.value(ty)?,
                });
            }
            let n_fields = c.u16()?;
            let mut fields =
                Vec::with_capacity((n_fields as usize).min(c.left() / (c.id_size as usize + 1)));
            for _ in 0..n_fields {
                let name_id = c.id()?;
                fields.push(FieldDecl {
                    name_id,
                    ty: c.basic_type()?,
                });
            }
            Ok(ClassDump {
                class_id,
                stack_serial,
                super_id,
                loader_id,
                signers_id,
                protection_domain_id,
                instance_size,
                statics,
                fields,
            })
        })();
        match parsed {
            Ok(class) => {
                heap.check(c.pos as u64, offset, 0x20)?;
                v.class_dump(&class);
                heap.consume(c.pos);
                Ok(Step::Consumed(c.pos))
            }
            Err(CursorError::Need(n)) => {
                heap.check(n as u64, offset, 0x20)?;
                Ok(Step::Need(n))
            }
            Err(CursorError::BadType(code)) => Err(ParseError {
                offset,
                item: Item::SubRecord(0x20),
                kind: ErrorKind::BadBasicType(code),
            }),
        }
    }
}

/// An item assembled in memory (here an instance's field data) must not exceed
/// [`MAX_BUFFERED_ITEM`].
fn too_large(len: u64, offset: u64, tag: u8) -> Result<(), ParseError> {
    if len > MAX_BUFFERED_ITEM {
        return Err(ParseError {
            offset,
            item: Item::SubRecord(tag),
            kind: ErrorKind::TooLarge {
                len,
                limit: MAX_BUFFERED_ITEM,
            },
        });
    }
    Ok(())
}

/// Where a resumable length scan of a CLASS DUMP stands: `pos` is the end of the last complete
/// entry, `part` the list being read and `left` its entries still to read.
#[derive(Debug, Clone, Copy, Default)]
struct ClassScan {
    /// Offset of the class dump this scan belongs to (`None`: no scan under way).
    offset: Option<u64>,
    pos: usize,
    part: ClassPart,
    left: u16,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum ClassPart {
    /// The fixed part up to and including the constant-pool count.
    #[default]
    Fixed,
    Constants,
    /// Before the static-field count.
    StaticsCount,
    Statics,
    FieldsCount,
    Fields,
}

impl ClassScan {
    /// Scans on from where the last call stopped; returns the record's length. The `Need`s are
    /// those a single full decode would report, so errors do not depend on the chunking.
    fn scan(&mut self, input: &[u8], id_size: u8) -> Result<usize, CursorError> {
        let id = id_size as usize;
        let mut c = Cursor {
            b: input,
            pos: self.pos,
            id_size,
        };
        loop {
            match self.part {
                ClassPart::Fixed => {
                    // Piece by piece, as the decode reads them: class id, stack serial, super,
                    // loader, signers, protection domain, 2 reserved, instance size, count.
                    c.pos = 1;
                    c.id()?;
                    c.u32()?;
                    for _ in 0..6 {
                        c.id()?;
                    }
                    c.u32()?;
                    self.left = c.u16()?;
                    self.part = ClassPart::Constants;
                }
                ClassPart::Constants if self.left > 0 => {
                    c.u16()?;
                    let ty = c.basic_type()?;
                    c.take(ty.size(id_size))?;
                    self.left -= 1;
                }
                ClassPart::Constants => self.part = ClassPart::StaticsCount,
                ClassPart::StaticsCount => {
                    self.left = c.u16()?;
                    self.part = ClassPart::Statics;
                }
                ClassPart::Statics if self.left > 0 => {
                    c.take(id)?;
                    let ty = c.basic_type()?;
                    c.take(ty.size(id_size))?;
                    self.left -= 1;
                }
                ClassPart::Statics => self.part = ClassPart::FieldsCount,
                ClassPart::FieldsCount => {
                    self.left = c.u16()?;
                    self.part = ClassPart::Fields;
                }
                ClassPart::Fields if self.left > 0 => {
                    c.take(id)?;
                    c.basic_type()?;
                    self.left -= 1;
                }
                ClassPart::Fields => return Ok(c.pos),
            }
            self.pos = c.pos; // an entry (or count) is complete: never read again
        }
    }
}

fn skip_or_header(tag: u8, len: u32, start: u64) -> State {
    if len == 0 {
        State::RecordHeader
    } else {
        State::SkipRecord {
            tag,
            remaining: len as u64,
            start,
        }
    }
}

enum CursorError {
    Need(usize),
    BadType(u8),
}

/// Bounds-checked reader for variable-length sub-records: running out reports how many bytes
/// the item needs at least.
struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
    id_size: u8,
}

impl Cursor<'_> {
    fn left(&self) -> usize {
        self.b.len() - self.pos
    }
    fn take(&mut self, n: usize) -> Result<&[u8], CursorError> {
        let end = self.pos + n;
        if end > self.b.len() {
            return Err(CursorError::Need(end));
        }
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, CursorError> {
        let s = self.take(2)?;
        Ok(u16::from_be_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, CursorError> {
        Ok(be_u32(self.take(4)?))
    }
    fn id(&mut self) -> Result<Id, CursorError> {
        let n = self.id_size;
        Ok(read_id(self.take(n as usize)?, n))
    }
    fn basic_type(&mut self) -> Result<BasicType, CursorError> {
        let code = self.take(1)?[0];
        BasicType::from_code(code).ok_or(CursorError::BadType(code))
    }
    fn value(&mut self, ty: BasicType) -> Result<Value, CursorError> {
        let n = self.id_size;
        Ok(Value::read(ty, self.take(ty.size(n))?, n))
    }
}
