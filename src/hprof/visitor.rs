//! The callbacks a [`Parser`](super::Parser) drives. Every method has an empty default, so a
//! consumer implements only what it needs (a first pass that counts objects never sees strings).
//!
//! Borrowed data (`&[u8]`, [`IdList`]) points into the caller's chunk or the parser's small
//! carry-over buffer: copy what you keep.

use super::types::*;

#[allow(unused_variables)]
pub trait Visitor {
    fn header(&mut self, header: &Header) {}
    /// UTF8 (0x01): `bytes` are modified UTF-8.
    fn utf8(&mut self, id: Id, bytes: &[u8]) {}
    fn load_class(&mut self, record: &LoadClass) {}
    fn unload_class(&mut self, serial: u32) {}
    fn stack_frame(&mut self, record: &StackFrame) {}
    fn stack_trace(&mut self, record: &StackTrace) {}
    fn start_thread(&mut self, record: &StartThread) {}
    fn end_thread(&mut self, thread_serial: u32) {}
    fn heap_summary(&mut self, record: &HeapSummary) {}
    /// A top-level record the parser skips by length (ALLOC SITES, CPU SAMPLES, CONTROL SETTINGS).
    fn other_record(&mut self, tag: u8, offset: u64, length: u32) {}
    /// Start of a HEAP DUMP (0x0C) or HEAP DUMP SEGMENT (0x1C) record. `length` 0 means "to EOF".
    fn heap_dump_start(&mut self, tag: u8, offset: u64, length: u32) {}
    /// HEAP DUMP END (0x2C).
    fn heap_dump_end(&mut self, offset: u64) {}
    fn gc_root(&mut self, root: &GcRoot) {}
    fn class_dump(&mut self, class: &ClassDump) {}
    fn instance(&mut self, instance: &Instance<'_>) {}
    /// OBJ ARRAY DUMP elements. Called one or more times per array: `first_index` is the index of
    /// `elements.get(0)`; the pieces are in order and cover `0..array.length` (an empty array
    /// gets one call with no elements). How an array is split depends on the input's chunking.
    fn object_array(&mut self, array: &ObjectArray, first_index: u32, elements: IdList<'_>) {}
    /// PRIM ARRAY DUMP. `data` holds the raw big-endian elements when the array is at most
    /// [`INLINE_PRIMITIVE_ARRAY_LIMIT`](super::INLINE_PRIMITIVE_ARRAY_LIMIT) bytes; larger arrays
    /// are skipped without buffering (and Android's PRIM ARRAY NODATA has none).
    fn primitive_array(&mut self, array: &PrimitiveArray, data: Option<&[u8]>) {}
    /// Android HEAP DUMP INFO (0xFE): the following sub-records belong to heap `heap_id`.
    fn heap_info(&mut self, heap_id: u32, name_id: Id) {}
}

/// A visitor that ignores everything (useful to validate a file).
pub struct NullVisitor;
impl Visitor for NullVisitor {}
