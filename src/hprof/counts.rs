//! A visitor that only counts.

use super::types::*;
use super::visitor::Visitor;

/// Counts records and objects; cheap enough not to disturb a throughput measurement (used by
/// `heaplens parse` and the parse benchmark).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecordCounts {
    pub records: u64,
    pub heap_records: u64,
    pub instances: u64,
    pub object_arrays: u64,
    pub primitive_arrays: u64,
    pub classes: u64,
    pub roots: u64,
    pub array_elements: u64,
}

impl Visitor for RecordCounts {
    fn utf8(&mut self, _: Id, _: &[u8]) {
        self.records += 1;
    }
    fn load_class(&mut self, _: &LoadClass) {
        self.records += 1;
    }
    fn unload_class(&mut self, _: u32) {
        self.records += 1;
    }
    fn stack_frame(&mut self, _: &StackFrame) {
        self.records += 1;
    }
    fn stack_trace(&mut self, _: &StackTrace) {
        self.records += 1;
    }
    fn start_thread(&mut self, _: &StartThread) {
        self.records += 1;
    }
    fn end_thread(&mut self, _: u32) {
        self.records += 1;
    }
    fn heap_summary(&mut self, _: &HeapSummary) {
        self.records += 1;
    }
    fn other_record(&mut self, _: u8, _: u64, _: u32) {
        self.records += 1;
    }
    fn heap_dump_start(&mut self, _: u8, _: u64, _: u32) {
        self.records += 1;
        self.heap_records += 1;
    }
    fn heap_dump_end(&mut self, _: u64) {
        self.records += 1;
    }
    fn gc_root(&mut self, _: &GcRoot) {
        self.roots += 1;
    }
    fn class_dump(&mut self, _: &ClassDump) {
        self.classes += 1;
    }
    fn instance(&mut self, _: &Instance<'_>) {
        self.instances += 1;
    }
    fn object_array(&mut self, _: &ObjectArray, first_index: u32, elements: IdList<'_>) {
        // An array may arrive in several pieces: count it once.
        if first_index == 0 {
            self.object_arrays += 1;
        }
        self.array_elements += elements.len() as u64;
    }
    fn primitive_array(&mut self, _: &PrimitiveArray, _: Option<&[u8]>) {
        self.primitive_arrays += 1;
    }
}
