//! Streaming HPROF reader.
//!
//! [`Parser`] is push-based: hand it chunks of any size, it calls a [`Visitor`]. [`DumpDecoder`]
//! puts gzip detection (by magic bytes) and inflation in front of it. [`parse_slice`] and
//! [`parse_read`] are conveniences for whole buffers and `std::io::Read`ers.

mod counts;
mod error;
mod gzip;
mod input;
mod parser;
mod skip;
mod types;
mod visitor;

pub mod reread;

pub use counts::RecordCounts;
pub use error::{ErrorKind, Item, ParseError, Warning};
pub use gzip::{read_gzip_magic, GZIP_MAGIC, MAX_HEADER_FIELD};
pub use input::{parse_read, parse_slice, DumpDecoder};
pub use parser::{
    ParseSummary, Parser, INLINE_PRIMITIVE_ARRAY_LIMIT, MAX_BUFFERED_ITEM, MAX_UTF8_RECORD,
};
pub use skip::{read_ranges, Skip};
pub use types::*;
pub use visitor::{NullVisitor, Visitor};
