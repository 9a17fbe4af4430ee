//! The visitor in front of each build pass: every metadata record goes through, heap
//! sub-records only when they belong to the chosen dump ([`DumpSelect`]); in pass 1 it also
//! counts what passes ([`Seen`]), so the caller can weigh the build before pass 2 allocates.
//!
//! One wrapper for both jobs, so that the list of `Visitor` methods is forwarded in one place:
//! a method missing here would silently drop records.

use super::dumps::DumpSelect;
use crate::hprof::*;

/// Counts of pass 1 (see [`GraphBuilder::objects_seen`](super::GraphBuilder::objects_seen)).
#[derive(Default)]
pub(super) struct Seen {
    pub(super) objects: u64,
    pub(super) strings: u64,
    /// See [`GraphBuilder::references_seen`](super::GraphBuilder::references_seen).
    pub(super) references: u64,
    id_size: u8,
    /// UTF8 id of `java/lang/String`, then the class id it names (as `Pass1` finds them).
    string_name: Option<Id>,
    string_class: Option<Id>,
}

/// Forwards records to `inner`: all metadata, heap sub-records of the chosen dump only;
/// counts them into `seen` when given (pass 1).
pub(super) struct Front<'a, V> {
    pub(super) inner: &'a mut V,
    pub(super) select: &'a mut DumpSelect,
    pub(super) seen: Option<&'a mut Seen>,
}

impl<V> Front<'_, V> {
    /// The counts to update, if this pass counts.
    fn seen(&mut self) -> Option<&mut Seen> {
        self.seen.as_deref_mut()
    }
}

impl<V: Visitor> Visitor for Front<'_, V> {
    fn header(&mut self, header: &Header) {
        if let Some(seen) = self.seen() {
            seen.id_size = header.id_size;
        }
        self.inner.header(header)
    }
    fn utf8(&mut self, id: Id, bytes: &[u8]) {
        if let Some(seen) = self.seen() {
            if bytes == b"java/lang/String" {
                seen.string_name = Some(id);
            }
        }
        self.inner.utf8(id, bytes)
    }
    fn load_class(&mut self, record: &LoadClass) {
        if let Some(seen) = self.seen() {
            if Some(record.name_id) == seen.string_name {
                seen.string_class = Some(record.class_id);
            }
        }
        self.inner.load_class(record)
    }
    fn unload_class(&mut self, serial: u32) {
        self.inner.unload_class(serial)
    }
    fn stack_frame(&mut self, record: &StackFrame) {
        self.inner.stack_frame(record)
    }
    fn stack_trace(&mut self, record: &StackTrace) {
        self.inner.stack_trace(record)
    }
    fn start_thread(&mut self, record: &StartThread) {
        self.inner.start_thread(record)
    }
    fn end_thread(&mut self, thread_serial: u32) {
        self.inner.end_thread(thread_serial)
    }
    fn heap_summary(&mut self, record: &HeapSummary) {
        self.inner.heap_summary(record)
    }
    fn other_record(&mut self, tag: u8, offset: u64, length: u32) {
        self.inner.other_record(tag, offset, length)
    }
    fn heap_dump_start(&mut self, tag: u8, offset: u64, length: u32) {
        self.select.heap_record(tag);
        if self.select.active() {
            self.inner.heap_dump_start(tag, offset, length)
        }
    }
    fn heap_dump_end(&mut self, offset: u64) {
        self.select.heap_end();
        self.inner.heap_dump_end(offset)
    }
    fn gc_root(&mut self, root: &GcRoot) {
        if !self.select.active() {
            return;
        }
        if let Some(seen) = self.seen() {
            // A stack local becomes an edge of its thread.
            seen.references += 1;
        }
        self.inner.gc_root(root)
    }
    fn class_dump(&mut self, class: &ClassDump) {
        if !self.select.active() {
            return;
        }
        if let Some(seen) = self.seen() {
            seen.objects += 1;
            let statics = class.statics.iter();
            seen.references += 4 + statics
                .filter(|s| matches!(s.value, Value::Object(_)))
                .count() as u64;
        }
        self.inner.class_dump(class)
    }
    fn instance(&mut self, instance: &Instance<'_>) {
        if !self.select.active() {
            return;
        }
        if let Some(seen) = self.seen() {
            seen.objects += 1;
            seen.references += (instance.fields.len() / seen.id_size.max(1) as usize) as u64;
            if Some(instance.class_id) == seen.string_class {
                seen.strings += 1;
            }
        }
        self.inner.instance(instance)
    }
    fn object_array(&mut self, array: &ObjectArray, first_index: u32, elements: IdList<'_>) {
        if !self.select.active() {
            return;
        }
        if let Some(seen) = self.seen() {
            if first_index == 0 {
                seen.objects += 1;
            }
            seen.references += elements.len() as u64;
        }
        self.inner.object_array(array, first_index, elements)
    }
    fn primitive_array(&mut self, array: &PrimitiveArray, data: Option<&[u8]>) {
        if !self.select.active() {
            return;
        }
        if let Some(seen) = self.seen() {
            seen.objects += 1;
        }
        self.inner.primitive_array(array, data)
    }
    fn heap_info(&mut self, heap_id: u32, name_id: Id) {
        if self.select.active() {
            self.inner.heap_info(heap_id, name_id)
        }
    }
}
