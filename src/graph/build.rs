//! Building the [`HeapGraph`] in two passes over the dump.
//!
//! Pass 1 ([`Pass1`]) reads every record but keeps only what is small or needed to number the
//! objects: metadata (strings, classes, frames, threads, roots) and, per object, its id, class
//! slot and array length. Between the passes ([`Pass1::finish`]) objects are sorted by id — a
//! node index is the rank of the id, so the sorted id array is also the id → node map — and
//! classes get their names, layouts and sizes. Pass 2 ([`Pass2`]) reads the dump again and
//! records each object's outgoing references as node indices, in stream order; the edges are then
//! permuted into node order (CSR).
//!
//! Why two passes and not one: references can point forward, and instances may precede their
//! CLASS DUMP, so edges cannot be decoded until every id and class layout is known. Re-reading
//! the input is cheap (the browser re-slices the `File`); holding the dump in memory is not.

use super::classes::*;
use super::dominators::NO_IDX;
use super::ids::{ClassLenColumn, IdMap, SeqCursor, SeqNodes, SortedIds};
use super::locate::LocationsBuilder;
use super::lookups::{LocalsOf, SlotCache};
use super::names::{bounded_class_name, is_jdk_class_name, java_class_name, jvm_class_name};
use super::offsets::{EdgeOffsets, EdgeOffsetsBuilder};
use super::skips::SkipCandidates;
use super::store::{FieldStoreBuilder, StringStoreBuilder};
use super::strings_ahead::Strings;
use super::text::TextProbe;
use super::{BuildStats, DumpMeta, HeapGraph, RootRef};
use super::{Node, NO_NODE};
use crate::hprof::*;
use std::collections::HashMap;

/// Class-slot values at or above this mark objects whose class is resolved after pass 1.
const PSEUDO: u32 = 0xFFFF_FF00;
/// Pseudo slot: the class of class objects (`java.lang.Class`).
const PSEUDO_CLASS_CLASS: u32 = PSEUDO + 0xFF;
// PSEUDO + type code: the one-dimensional primitive array class of that element type.

/// JDK classes whose instances keep their field data after the build (the analyses read their
/// primitive fields: thread names and flags, collection sizes, counters). Subclasses too.
const KEEP_FIELDS_OF: &[&str] = &[
    "java.lang.Thread",
    // JDK 19+ keeps a platform thread's state, daemon flag and priority here.
    "java.lang.Thread$FieldHolder",
    "java.lang.ThreadGroup",
    "java.lang.ThreadLocal",
    "java.lang.ref.Reference",
    "java.lang.ClassLoader",
    "java.util.HashMap",
    "java.util.Hashtable",
    "java.util.IdentityHashMap",
    "java.util.WeakHashMap",
    "java.util.TreeMap",
    "java.util.ArrayList",
    "java.util.Vector",
    "java.util.LinkedList",
    "java.util.ArrayDeque",
    "java.util.PriorityQueue",
    "java.util.concurrent.ConcurrentHashMap",
    // JDK 5–7 segments (`count`) and JDK 8+ striped counters (`value`): a few per map.
    "java.util.concurrent.ConcurrentHashMap$Segment",
    "java.util.concurrent.ConcurrentHashMap$CounterCell",
    "java.lang.ThreadLocal$ThreadLocalMap",
    "java.util.concurrent.PriorityBlockingQueue",
    "java.util.concurrent.ArrayBlockingQueue",
    "java.util.concurrent.LinkedBlockingQueue",
    "java.util.concurrent.LinkedBlockingDeque",
    "java.util.concurrent.ConcurrentLinkedQueue",
    "java.util.concurrent.CopyOnWriteArrayList",
    // `analysis::collections_more`: sizes, offsets and enum bit sets.
    "java.util.EnumMap",
    "java.util.RegularEnumSet",
    "java.util.ImmutableCollections$SetN",
    "java.util.ImmutableCollections$MapN",
    "java.util.Collections$CopiesList",
    "java.util.ArrayList$SubList",
    "java.util.concurrent.atomic.AtomicInteger",
    "java.util.concurrent.atomic.AtomicLong",
    "java.util.zip.ZipFile",
    "java.lang.Integer",
    "java.lang.Long",
    // Process memory (`analysis::process_memory`): direct and mapped buffers (`capacity`,
    // `address`; `DirectByteBuffer` extends `MappedByteBuffer` in JDK 8–25), what frees them,
    // and the container objects' flags. A few per buffer; heap buffers are not kept.
    "java.nio.MappedByteBuffer",
    "java.nio.DirectByteBuffer$Deallocator",
    "sun.nio.ch.FileChannelImpl$Unmapper",
    "jdk.internal.platform.cgroupv1.CgroupV1SubsystemController",
];

/// Pass 1: numbering and metadata.
#[derive(Default)]
pub(crate) struct Pass1 {
    id_size: u8,
    header: Option<Header>,
    obj_ids: Vec<u64>,
    obj_class: Vec<u32>,
    obj_len: Vec<u32>,
    slot_of: IdMap<Id, u32>,
    /// The slots of recent classes, in front of `slot_of` (see `graph::lookups`).
    slot_cache: SlotCache,
    slot_ids: Vec<Id>,
    dumps: IdMap<u32, ClassDump>,
    utf8: IdMap<Id, String>,
    class_name_id: IdMap<Id, Id>,
    load_classes: Vec<LoadClass>,
    frames: IdMap<Id, StackFrame>,
    traces: HashMap<u32, StackTrace>,
    threads: Vec<StartThread>,
    roots: Vec<GcRoot>,
    heap_summary: Option<HeapSummary>,
    /// String values and thread names (the arrays whose text pass 2 keeps).
    text: TextProbe,
    heap_records: u32,
    /// Per class slot: the most field bytes an instance of it carried. Reference offsets past it
    /// are never read, so pass 2 keeps none (a crafted class may declare 65,535 fields that no
    /// instance backs).
    max_fields_len: Vec<u32>,
    /// The object array being read: (stream position, claimed length, elements seen).
    open_array: Option<(usize, u32, u32)>,
    /// Whether class objects get edges to their signers and protection domain (MAT's
    /// non-default `hprofAddClassRefs` preference; off by default, as in MAT).
    pub(crate) class_refs: bool,
    /// (stream position, elements seen) of object arrays whose records held fewer elements than
    /// they claimed (a truncated dump): their edge room is what was seen, not what was claimed.
    short_arrays: Vec<(usize, u32)>,
    /// Which shallow sizes the graph gets.
    pub(super) size_mode: SizeMode,
    /// Large primitive-array payloads, some of which pass 2 need not read.
    skip_candidates: SkipCandidates,
}

impl Pass1 {
    #[inline]
    fn slot(&mut self, class_id: Id) -> u32 {
        if let Some(s) = self.slot_cache.get(class_id) {
            return s;
        }
        let s = match self.slot_of.get(&class_id) {
            Some(&s) => s,
            None => {
                let s = self.slot_ids.len() as u32;
                self.slot_ids.push(class_id);
                self.slot_of.insert(class_id, s);
                s
            }
        };
        self.slot_cache.put(class_id, s);
        s
    }

    fn push_object(&mut self, id: Id, class_slot: u32, len: u32) {
        self.close_array();
        self.obj_ids.push(id.get());
        self.obj_class.push(class_slot);
        self.obj_len.push(len);
    }
}

impl Pass1 {
    /// Ends the object array being read (see `short_arrays`).
    fn close_array(&mut self) {
        if let Some((seq, claimed, seen)) = self.open_array.take() {
            if seen < claimed {
                self.short_arrays.push((seq, seen));
            }
        }
    }
}

impl Visitor for Pass1 {
    fn header(&mut self, h: &Header) {
        self.id_size = h.id_size;
        self.header = Some(h.clone());
        self.text = TextProbe::new(h.id_size);
    }
    fn utf8(&mut self, id: Id, bytes: &[u8]) {
        self.utf8
            .insert(id, String::from_utf8_lossy(bytes).into_owned());
    }
    fn load_class(&mut self, r: &LoadClass) {
        self.class_name_id.insert(r.class_id, r.name_id);
        self.text
            .load_class(r.class_id, self.utf8.get(&r.name_id).map(String::as_str));
        self.load_classes.push(r.clone());
    }
    fn stack_frame(&mut self, r: &StackFrame) {
        self.frames.insert(r.frame_id, r.clone());
    }
    fn stack_trace(&mut self, r: &StackTrace) {
        self.traces.insert(r.serial, r.clone());
    }
    fn start_thread(&mut self, r: &StartThread) {
        self.threads.push(r.clone());
    }
    fn heap_summary(&mut self, r: &HeapSummary) {
        self.heap_summary = Some(r.clone());
    }
    fn heap_dump_start(&mut self, _: u8, _: u64, _: u32) {
        self.heap_records += 1;
    }
    fn gc_root(&mut self, r: &GcRoot) {
        self.roots.push(r.clone());
    }
    fn class_dump(&mut self, c: &ClassDump) {
        self.text.class_dump(c, &self.utf8);
        let slot = self.slot(c.class_id);
        self.dumps.insert(slot, c.clone());
        self.push_object(c.class_id, PSEUDO_CLASS_CLASS, 0);
    }
    fn instance(&mut self, i: &Instance<'_>) {
        let slot = self.slot(i.class_id);
        let (slot_of, dumps) = (&self.slot_of, &self.dumps);
        self.text
            .instance(i, slot, |id| slot_of.get(&id).and_then(|s| dumps.get(s)));
        // Until the end of pass 1 an instance's length column holds its field bytes: the room
        // for its edges is bounded by what its record carries (see `Pass1::finish`).
        let len = u32::try_from(i.fields.len()).unwrap_or(u32::MAX);
        if self.max_fields_len.len() <= slot as usize {
            self.max_fields_len.resize(slot as usize + 1, 0);
        }
        let m = &mut self.max_fields_len[slot as usize];
        *m = (*m).max(len);
        self.push_object(i.id, slot, len);
    }
    fn object_array(&mut self, a: &ObjectArray, first: u32, elements: IdList<'_>) {
        if first == 0 {
            let slot = self.slot(a.class_id);
            self.push_object(a.id, slot, a.length);
            self.open_array = Some((self.obj_ids.len() - 1, a.length, 0));
        }
        if let Some(open) = &mut self.open_array {
            open.2 = open.2.saturating_add(elements.len() as u32);
        }
    }
    fn primitive_array(&mut self, a: &PrimitiveArray, _: Option<&[u8]>) {
        self.skip_candidates
            .record(self.obj_ids.len(), a, self.id_size);
        self.push_object(a.id, PSEUDO + a.elem as u32, a.length);
    }
}

/// Everything the passes share after pass 1.
pub(crate) struct Pass2 {
    id_size: u8,
    ids: SortedIds,
    /// Class index and array length per node.
    class_len: ClassLenColumn,
    /// Stream position → node (`NO_IDX` for records repeating an id), read in order.
    seq_nodes: SeqNodes,
    seq_cursor: SeqCursor,
    classes: Vec<ClassInfo>,
    /// Per class: byte offsets of its reference fields in INSTANCE DUMP data, in slot order.
    ref_offsets: Vec<Vec<u32>>,
    /// Per class: whether its instances' field data is kept (see `KeepFields`).
    keep_fields: Vec<KeepFields>,
    /// Field bytes the application classes' instances may keep in all.
    app_fields_budget: usize,
    /// Stream position of the next object.
    seq: usize,
    /// Where each node's edges go: room for the most edges it can have (reference fields of
    /// its class, array length, class links and statics, thread locals), so that edges land in
    /// node order as they are read; `finish` closes the gaps. Coded as the graph's own edge
    /// offsets (about 1.2 bytes per node; `u32` offsets were 4).
    room: EdgeOffsets,
    targets: Vec<u32>,
    slots: Vec<u8>,
    /// Edges actually written per node (`u8::MAX`: see `big_degree`).
    degree: Vec<u8>,
    big_degree: Vec<(u32, u32)>,
    /// The last node begun and the end of its room (see `begin`).
    last_room: (u32, usize),
    /// The object being read: its node, next edge position and the end of its room.
    cur_node: u32,
    cur_start: u32,
    cur: u32,
    cur_end: u32,
    /// Thread node → range of its locals in `locals`.
    locals_of: LocalsOf,
    fields: FieldStoreBuilder,
    strings: Strings,
    meta: DumpMeta,
    roots: Vec<RootRef>,
    root_nodes: Vec<u32>,
    /// (thread node, local node) for Java-frame / JNI-local roots with a known thread.
    locals: Vec<(u32, u32)>,
    sizes: SizeRule,
    stats: BuildStats,
    string_nodes: Vec<u64>,
    /// See `Pass1::class_refs`.
    class_refs: bool,
    /// Strings whose text is part of their value array (JDK ≤ 6), by value array node.
    slices: Vec<super::text::NodeSlice>,
    /// Pass 2's own search for texts, where pass 1's was incomplete.
    late: Option<super::text::LateText>,
    /// Index of the current object's last edge (-1 before the first).
    last_index: i64,
    /// (edge position, exact index) where the index jumps by more than 256.
    jumps: Vec<(u32, u32)>,
    /// Where each object's record lies, to read its fields again on demand.
    locate: LocationsBuilder,
    /// Ranges of the input pass 2 does not need (see `graph::skips`).
    skips: Vec<Skip>,
}

impl Pass1 {
    /// Ends pass 1: numbers objects, resolves classes, sizes and roots.
    ///
    /// Every allocation here is sized from what pass 1 saw (objects, array elements and field
    /// bytes that were in the file), never from a count the file only claims. Fails (typed) when
    /// the real counts overflow the graph's `u32` indices.
    /// Ends pass 1; `threads` ≥ 2 (native) sorts the ids on two threads (the same order).
    pub(crate) fn finish(
        mut self,
        summary: &ParseSummary,
        threads: usize,
        progress: &mut dyn FnMut(f64),
    ) -> Result<Pass2, ParseError> {
        self.close_array();
        let id_size = self.id_size;
        let too_large = |what: &'static str, count: u64| ParseError {
            offset: summary.bytes,
            item: Item::Header,
            kind: ErrorKind::TooMany { what, count },
        };
        let mut stats = BuildStats {
            heap_records: self.heap_records,
            ..BuildStats::default()
        };

        // --- Class table: real slots, then pseudo slots mapped onto real classes by name.
        // Names in JVM form, also for writers that use source form for arrays (hprof agent).
        let jvm_name = |p: &Pass1, id: Id| -> Option<String> {
            p.class_name_id
                .get(&id)
                .and_then(|n| p.utf8.get(n))
                .map(|n| jvm_class_name(&bounded_class_name(n)).into_owned())
        };
        let mut by_jvm_name: HashMap<String, u32> = HashMap::new();
        for (slot, &id) in self.slot_ids.iter().enumerate() {
            if let Some(n) = jvm_name(&self, id) {
                by_jvm_name.entry(n).or_insert(slot as u32);
            }
        }
        // Pseudo slot (`PSEUDO + k`) → class slot, by `k`: a plain table, as it is read once
        // per primitive array (a SipHash map lookup each: ~0.2 s of the page's pass 1 on a
        // 25 M-object dump).
        let mut pseudo_map = [u32::MAX; 256];
        let mut n_slots = self.slot_ids.len() as u32;
        let mut synthetic: Vec<(u32, String)> = Vec::new();
        let mut resolve_pseudo = |pseudo: u32, jvm: &str| -> u32 {
            if let Some(&s) = by_jvm_name.get(jvm) {
                pseudo_map[(pseudo - PSEUDO) as usize] = s;
                return s;
            }
            let s = n_slots;
            n_slots += 1;
            synthetic.push((s, jvm.to_string()));
            by_jvm_name.insert(jvm.to_string(), s);
            pseudo_map[(pseudo - PSEUDO) as usize] = s;
            s
        };
        let mut used_pseudo: Vec<u32> = Vec::new();
        for &c in &self.obj_class {
            if c >= PSEUDO && !used_pseudo.contains(&c) {
                used_pseudo.push(c);
            }
        }
        used_pseudo.sort();
        for p in used_pseudo {
            let jvm = if p == PSEUDO_CLASS_CLASS {
                "java/lang/Class"
            } else {
                // Pseudo slots are made from parsed (valid) type codes only.
                let elem = BasicType::from_code((p - PSEUDO) as u8).unwrap_or(BasicType::Byte);
                primitive_array_jvm_name(elem)
            };
            resolve_pseudo(p, jvm);
        }

        // --- Objects: sort by id; node = rank.
        let numbering =
            SortedIds::number_with_progress(std::mem::take(&mut self.obj_ids), threads, &mut |f| {
                progress(0.05 + 0.45 * f)
            });
        progress(0.5);
        let (ids, seq_to_node) = (numbering.ids, numbering.seq_to_node);
        stats.duplicate_ids = numbering.duplicates;
        let n = ids.len();
        let mut class_of = vec![0u32; n];
        let mut lens = vec![0u32; n];
        for (seq, &node) in seq_to_node.iter().enumerate() {
            if node != NO_IDX {
                let c = self.obj_class[seq];
                class_of[node as usize] = if c >= PSEUDO {
                    pseudo_map[(c - PSEUDO) as usize]
                } else {
                    c
                };
                lens[node as usize] = self.obj_len[seq];
            }
        }
        self.obj_class = Vec::new();
        self.obj_len = Vec::new();
        progress(0.8);

        // --- Size rule inferred from addresses (MAT's heuristics).
        let sizes = infer_size_rule(id_size, &ids, &class_of, &lens, |slot| {
            let id = self.slot_ids.get(slot as usize).copied();
            let name = id.and_then(|id| jvm_name(&self, id));
            name.is_some_and(|n| n.starts_with('[') && primitive_array_elem(&n).is_none())
        });

        // --- Class infos.
        let mut classes: Vec<ClassInfo> = Vec::with_capacity(n_slots as usize);
        for slot in 0..n_slots {
            let (id, jvm) = if (slot as usize) < self.slot_ids.len() {
                let id = self.slot_ids[slot as usize];
                (id, jvm_name(&self, id))
            } else {
                (
                    Id::NULL,
                    synthetic
                        .iter()
                        .find(|(s, _)| *s == slot)
                        .map(|(_, n)| n.clone()),
                )
            };
            let name = match &jvm {
                Some(n) => java_class_name(n),
                None => format!("<unknown class 0x{id:x}>"),
            };
            let kind = match jvm.as_deref() {
                Some(n) if n.starts_with('[') => match primitive_array_elem(n) {
                    Some(e) => ClassKind::PrimitiveArray(e),
                    None => ClassKind::ObjectArray,
                },
                _ => ClassKind::Instance,
            };
            let dump = self.dumps.get(&slot);
            let node = if !id.is_null() && dump.is_some() {
                ids.position(id.get()).unwrap_or(NO_IDX)
            } else {
                NO_IDX
            };
            let statics: Vec<StaticSlot> = dump
                .map(|d| {
                    d.statics
                        .iter()
                        .map(|s| StaticSlot {
                            name: s.name_id,
                            value: s.value,
                        })
                        .collect()
                })
                .unwrap_or_default();
            classes.push(ClassInfo {
                id,
                node: Node::new(node),
                name,
                super_class: dump
                    .and_then(|d| self.slot_of.get(&d.super_id).copied())
                    .unwrap_or(NO_CLASS),
                loader: dump.map_or(Id::NULL, |d| d.loader_id),
                kind,
                fields: Vec::new(),
                field_bytes: 0,
                ref_fields: 0,
                class_object_size: sizes.class_object(&statics) as u32,
                statics,
                vm_instance_size: dump.map_or(0, |d| d.instance_size),
                instance_size: 0,
            });
        }
        layout_classes(&mut classes, &self.dumps, &sizes, id_size);
        let sizes = match self.size_mode {
            SizeMode::Jvm => super::layout::infer_jvm_sizes(
                &ids,
                &class_of,
                &lens,
                &mut classes,
                &sizes,
                &self.utf8,
            ),
            SizeMode::Mat => sizes,
        };
        // Flattened reference offsets for the classes that have instances, only as far as their
        // instances' data reaches (so bounded by the file's instance bytes).
        let ref_offsets = (0..classes.len())
            .map(|c| {
                let reach = self.max_fields_len.get(c).copied().unwrap_or(0) as u64;
                if reach == 0 {
                    return Vec::new();
                }
                super::classes::layout(&classes, c as u32)
                    .filter(|f| {
                        f.ty == BasicType::Object && f.offset as u64 + id_size as u64 <= reach
                    })
                    .map(|f| f.offset)
                    .collect()
            })
            .collect();
        self.max_fields_len = Vec::new();
        let keep_fields = keep_field_classes(&classes);

        progress(0.9);
        // --- Roots. Java-frame and JNI-local roots hang off their thread (MAT: the thread
        // dominates its locals), when the thread is known.
        let mut thread_by_serial: HashMap<u32, u32> = HashMap::new();
        for r in &self.roots {
            if r.kind == RootKind::ThreadObject {
                if let (Some(s), Some(node)) = (r.thread_serial, ids.position(r.object_id.get())) {
                    thread_by_serial.insert(s, node);
                }
            }
        }
        for t in &self.threads {
            if let Some(node) = ids.position(t.thread_object_id.get()) {
                thread_by_serial.entry(t.thread_serial).or_insert(node);
            }
        }
        let mut roots = Vec::with_capacity(self.roots.len());
        let mut root_nodes = Vec::new();
        let mut locals = Vec::new();
        let has_sticky = self.roots.iter().any(|r| r.kind == RootKind::StickyClass);
        for r in &self.roots {
            let Some(node) = ids.position(r.object_id.get()) else {
                stats.dangling_roots += 1;
                continue;
            };
            let thread = r
                .thread_serial
                .and_then(|s| thread_by_serial.get(&s).copied());
            roots.push(RootRef {
                node: Node::new(node),
                kind: r.kind,
                thread_serial: r.thread_serial,
                frame: r.frame,
                thread_node: Node::new(thread.unwrap_or(NO_IDX)),
            });
            match (r.kind, thread) {
                (RootKind::Unreachable, _) => {}
                (RootKind::JavaFrame | RootKind::JniLocal, Some(t)) if t != node => {
                    locals.push((t, node))
                }
                _ => root_nodes.push(node),
            }
        }
        if !has_sticky {
            // MAT: without STICKY CLASS roots, bootstrap-loaded classes are system-class roots.
            for c in &classes {
                if c.node != NO_NODE && c.loader.is_null() && !c.is_array() {
                    roots.push(RootRef {
                        node: c.node,
                        kind: RootKind::StickyClass,
                        thread_serial: None,
                        frame: None,
                        thread_node: NO_NODE,
                    });
                    root_nodes.push(c.node.get());
                }
            }
        }
        root_nodes.sort_unstable();
        root_nodes.dedup();
        locals.sort_unstable();
        locals.dedup();

        // --- Arrays whose text pass 2 keeps (String values, JDK ≤ 8 thread names).
        let text = std::mem::take(&mut self.text);
        let late = super::text::LateText::new(text.missed(), &classes, &self.utf8, id_size);
        let is_char_array = |node: u32| {
            classes[class_of[node as usize] as usize].kind
                == ClassKind::PrimitiveArray(BasicType::Char)
        };
        let kept = super::text::resolve(text, &ids, is_char_array, &lens);
        let value_arrays = kept.value_arrays;
        let (string_nodes, utf16, slices) = (kept.wanted, kept.utf16, kept.slices);
        let skips = std::mem::take(&mut self.skip_candidates).resolve(
            &seq_to_node,
            |v| {
                string_nodes
                    .get(v as usize / 64)
                    .is_some_and(|w| w & (1 << (v % 64)) != 0)
            },
            late.is_some(),
            summary.bytes,
        );

        let meta = DumpMeta {
            // The decoder fails before this without a header; a default keeps this total.
            header: self.header.clone().unwrap_or_default(),
            strings: std::mem::take(&mut self.utf8),
            load_classes: std::mem::take(&mut self.load_classes),
            frames: std::mem::take(&mut self.frames),
            traces: std::mem::take(&mut self.traces),
            threads: std::mem::take(&mut self.threads),
            heap_summary: self.heap_summary.take(),
            warnings: summary.warnings.clone(),
            bytes: summary.bytes,
        };
        let n_nodes = ids.len();
        let n_classes = classes.len();
        // Room for each node's edges (see `Pass2::edge_start`).
        let locals_of = LocalsOf::new(&locals);
        // Room per node first, then prefix sums in place: what the node's record carried (array
        // elements seen, references that fit in its field bytes), never a claimed count.
        let mut edge_start: Vec<u32> = Vec::with_capacity(n_nodes);
        for node in 0..n_nodes {
            let c = &classes[class_of[node] as usize];
            edge_start.push(match c.kind {
                ClassKind::ObjectArray => lens[node],
                ClassKind::PrimitiveArray(_) => 0,
                ClassKind::Instance => {
                    // `lens` holds an instance's field bytes until here (see `Pass1::instance`).
                    let fit = lens[node] / id_size.max(1) as u32;
                    lens[node] = 0;
                    c.ref_fields.min(fit)
                }
            });
        }
        for &(seq, seen) in &self.short_arrays {
            if let Some(&node) = seq_to_node.get(seq).filter(|&&v| v != NO_IDX) {
                edge_start[node as usize] = edge_start[node as usize].min(seen);
            }
        }
        self.short_arrays = Vec::new();
        for c in classes.iter().filter(|c| c.node != NO_NODE) {
            // Class objects: super, loader, signers, protection domain, then statics.
            let statics = c
                .statics
                .iter()
                .filter(|s| matches!(s.value, Value::Object(_)))
                .count();
            edge_start[c.node.index()] = 4 + statics as u32;
        }
        for (t, (a, b)) in locals_of.iter() {
            edge_start[t as usize] += b - a;
        }
        let mut acc = 0u64;
        for &e in &edge_start {
            acc += e as u64;
            if acc >= u32::MAX as u64 {
                return Err(too_large("references", acc));
            }
        }
        let mut room = EdgeOffsetsBuilder::with_capacity(n_nodes);
        for &e in &edge_start {
            room.push(e);
        }
        drop(edge_start);
        let room = room.finish();
        let seq_nodes = SeqNodes::new(seq_to_node);
        progress(1.0);
        Ok(Pass2 {
            id_size,
            strings: Strings::Here(StringStoreBuilder::new(utf16, value_arrays)),
            ids,
            class_len: ClassLenColumn::new(class_of, lens, n_classes),
            seq_nodes,
            seq_cursor: SeqCursor::default(),
            classes,
            ref_offsets,
            keep_fields,
            // Half a byte per object (4 MiB at least): every application object of an incident
            // dump, and a bounded share of a huge one.
            app_fields_budget: (n_nodes / 2).max(4 << 20),
            seq: 0,
            // Allocated when pass 2 starts (`Pass2::allocate_edges`), so that a caller can weigh
            // `first_pass()` before the largest allocation of the build.
            targets: Vec::new(),
            slots: Vec::new(),
            degree: vec![0; n_nodes],
            big_degree: Vec::new(),
            last_room: (NO_IDX, 0),
            cur_node: NO_IDX,
            cur_start: 0,
            cur: 0,
            cur_end: 0,
            locals_of,
            room,
            fields: FieldStoreBuilder::default(),
            meta,
            roots,
            root_nodes,
            locals,
            sizes,
            stats,
            string_nodes,
            class_refs: self.class_refs,
            slices,
            late,
            last_index: -1,
            jumps: Vec::new(),
            locate: LocationsBuilder::new(n_nodes),
            skips,
        })
    }
}

/// Compressed oops and alignment from the sorted addresses (MAT's heuristics, see [`SizeRule`]).
fn infer_size_rule(
    id_size: u8,
    ids: &SortedIds,
    class_of: &[u32],
    lens: &[u32],
    is_obj_array: impl Fn(u32) -> bool,
) -> SizeRule {
    let pointer = id_size as u32;
    let mut compressed = false;
    if id_size == 8 {
        // Per class: unknown / object array / not (instances' `lens` are non-zero here too).
        let mut obj_array_class: Vec<Option<bool>> = Vec::new();
        for i in 0..ids.len().saturating_sub(1) {
            if lens[i] == 0 {
                continue;
            }
            let c = class_of[i];
            if obj_array_class.len() <= c as usize {
                obj_array_class.resize(c as usize + 1, None);
            }
            let is_oa = *obj_array_class[c as usize].get_or_insert_with(|| is_obj_array(c));
            if is_oa && ids.get(i + 1) - ids.get(i) < 16 + 4 + lens[i] as u64 * 8 {
                compressed = true;
                break;
            }
        }
    }
    let mut gcd = 0u64;
    for i in 1..ids.len() {
        gcd = gcd_step(gcd, ids.get(i) - ids.get(i - 1));
        if gcd == 1 {
            break;
        }
    }
    let alignment = if gcd == 0 {
        8
    } else {
        gcd.clamp(8, 256) as u32
    };
    // A GCD that is not a power of two (odd synthetic ids) is not an alignment: fall back to 8.
    let alignment = if alignment.is_power_of_two() {
        alignment
    } else {
        8
    };
    SizeRule::mat(pointer, if compressed { 4 } else { pointer }, alignment)
}

/// Own-field layouts and instance sizes, supers before subclasses (iteratively: hierarchies
/// may be deep). A superclass cycle (a corrupt dump) is cut where it closes, so that every later
/// walk up the hierarchy ends. Each class stores only its own fields: a chain of N subclasses
/// costs N layouts, not N²/2 copied fields.
fn layout_classes(
    classes: &mut [ClassInfo],
    dumps: &IdMap<u32, ClassDump>,
    sizes: &SizeRule,
    id_size: u8,
) {
    const NEW: u8 = 0;
    const ON_CHAIN: u8 = 1;
    const DONE: u8 = 2;
    let n = classes.len();
    let mut state = vec![NEW; n];
    let mut size_rec = vec![0u64; n];
    let mut chain: Vec<u32> = Vec::new();
    for start in 0..n {
        // Chain from `start` up to the first laid-out ancestor.
        chain.clear();
        let mut c = start as u32;
        while c != NO_CLASS && (c as usize) < n && state[c as usize] == NEW {
            state[c as usize] = ON_CHAIN;
            chain.push(c);
            c = classes[c as usize].super_class;
        }
        if c != NO_CLASS && ((c as usize) >= n || state[c as usize] == ON_CHAIN) {
            if let Some(&last) = chain.last() {
                classes[last as usize].super_class = NO_CLASS;
            }
        }
        for &c in chain.iter().rev() {
            let ci = c as usize;
            let sup = classes[ci].super_class;
            let (super_bytes, super_refs, super_rec) = if sup != NO_CLASS {
                let s = &classes[sup as usize];
                (s.field_bytes, s.ref_fields, size_rec[sup as usize])
            } else {
                (0, 0, sizes.header())
            };
            let own: &[FieldDecl] = dumps.get(&c).map_or(&[], |d| &d.fields);
            let mut fields = Vec::with_capacity(own.len());
            let (mut off, mut refs) = (0u32, 0u32);
            for f in own {
                fields.push(FieldSlot {
                    name: f.name_id,
                    ty: f.ty,
                    offset: off,
                    ref_index: if f.ty == BasicType::Object {
                        refs += 1;
                        refs - 1
                    } else {
                        u32::MAX
                    },
                });
                off += f.ty.size(id_size) as u32;
            }
            let types: Vec<BasicType> = own.iter().map(|f| f.ty).collect();
            size_rec[ci] = sizes.size_rec(&types, super_rec);
            let info = &mut classes[ci];
            // Saturating: a crafted hierarchy may claim more than 4 GiB of fields per instance
            // (no instance can carry them; the edges read stop at the data's end).
            info.field_bytes = off.saturating_add(super_bytes);
            info.ref_fields = refs.saturating_add(super_refs);
            info.fields = fields;
            info.instance_size = sizes.align(size_rec[ci]).min(u32::MAX as u64) as u32;
            state[ci] = DONE;
        }
    }
}

/// Which instances keep their field data after the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeepFields {
    /// The JDK classes the analyses read ([`KEEP_FIELDS_OF`] and their subclasses).
    Always,
    /// Application classes: for the object inspector's primitive values, while the budget lasts.
    WithinBudget,
    No,
}

fn keep_field_classes(classes: &[ClassInfo]) -> Vec<KeepFields> {
    let mut keep = vec![KeepFields::No; classes.len()];
    for (i, k) in keep.iter_mut().enumerate() {
        let mut c = i as u32;
        let mut depth = 0;
        while c != NO_CLASS && depth < 64 {
            if KEEP_FIELDS_OF.contains(&classes[c as usize].name.as_str()) {
                *k = KeepFields::Always;
                break;
            }
            c = classes[c as usize].super_class;
            depth += 1;
        }
        let class = &classes[i];
        if *k == KeepFields::No
            && class.kind == ClassKind::Instance
            && class.field_bytes > 0
            && !is_jdk_class_name(&class.name)
        {
            *k = KeepFields::WithinBudget;
        }
    }
    keep
}

impl Pass2 {
    /// What pass 1 resolved, read-only, for results between the passes (see
    /// `GraphBuilder::first_pass`): class index and array length per node, the classes, the
    /// size rule, the metadata, the root records and the GC-root nodes.
    #[allow(clippy::type_complexity)]
    pub(crate) fn first_pass_view(
        &self,
    ) -> (
        &ClassLenColumn,
        &[ClassInfo],
        &SizeRule,
        &DumpMeta,
        &[RootRef],
        &[u32],
        u64,
    ) {
        let edge_room = self.room.total() as u64;
        (
            &self.class_len,
            &self.classes,
            &self.sizes,
            &self.meta,
            &self.roots,
            &self.root_nodes,
            edge_room,
        )
    }

    pub(crate) fn stats(&self) -> &BuildStats {
        &self.stats
    }

    /// Ranges of the input this pass does not need (see `graph::skips`).
    pub(crate) fn skips(&self) -> &[Skip] {
        &self.skips
    }

    /// Builds the String previews on a second thread (`graph::strings_ahead`); before the
    /// first record of pass 2.
    pub(crate) fn strings_on_second_thread(&mut self) {
        if let Strings::Here(b) = &mut self.strings {
            let b = std::mem::replace(b, StringStoreBuilder::new(Vec::new(), 0));
            self.strings = Strings::on_second_thread(b);
        }
    }

    /// Pass 2 reads the whole input (gzip, or a caller that does not seek).
    pub(crate) fn clear_skips(&mut self) {
        self.skips = Vec::new();
    }

    /// Records how many heap dumps the file holds and which one was read.
    pub(crate) fn set_dumps(&mut self, dumps: u32, shown: u32) {
        self.stats.heap_dumps = dumps;
        self.stats.dump_shown = shown;
    }

    /// Allocates the edge room (one target and one slot per reference pass 1 found room for);
    /// called before the first record of pass 2. Idempotent.
    pub(crate) fn allocate_edges(&mut self) {
        let room = self.room.total();
        if self.targets.len() != room {
            self.targets = vec![0; room];
            self.slots = vec![0; room];
        }
    }

    /// Starts the next object in stream order; returns its node (or `NO_IDX` for a duplicate
    /// or an object pass 1 did not see).
    #[inline]
    fn begin(&mut self) -> u32 {
        self.end_object();
        let node = match self.seq_nodes.next(&mut self.seq_cursor) {
            Some(v) => v,
            None => {
                self.stats.input_changed = true;
                NO_IDX
            }
        };
        self.seq += 1;
        if node != NO_IDX {
            // Objects come in node order almost always (99.98% on the bench dumps): the next
            // node's room starts where the last one's ended.
            let (start, end) = if self.last_room.0 != NO_IDX && node == self.last_room.0 + 1 {
                self.room.range_after(node as usize, self.last_room.1)
            } else {
                self.room.range(node as usize)
            };
            self.last_room = (node, end);
            self.cur_node = node;
            self.cur_start = start as u32;
            self.cur = start as u32;
            self.cur_end = end as u32;
            // A thread's stack locals come first among its edges (slot 0, not labelled by index).
            if let Some((a, b)) = self.locals_of.get(node) {
                for k in a..b {
                    let l = self.locals[k as usize].1;
                    self.targets[self.cur as usize] = l;
                    self.slots[self.cur as usize] = 0;
                    self.cur += 1;
                }
            }
        }
        self.last_index = -1;
        node
    }

    /// Records how many edges the current object got.
    #[inline]
    fn end_object(&mut self) {
        if self.cur_node == NO_IDX {
            return;
        }
        let v = self.cur_node as usize;
        let d = self.cur - self.cur_start;
        if d < u8::MAX as u32 {
            self.degree[v] = d as u8;
        } else {
            self.degree[v] = u8::MAX;
            self.big_degree.push((v as u32, d));
        }
        self.cur_node = NO_IDX;
    }

    #[inline]
    fn edge(&mut self, id: Id, slot: u32) {
        if id.is_null() {
            return;
        }
        if self.cur_node == NO_IDX {
            return; // a duplicate-id record: its edges go with it
        }
        match self.ids.position(id.get()) {
            Some(t) => {
                if self.cur >= self.cur_end {
                    // More references than pass 1 made room for: the file changed in between.
                    self.stats.input_changed = true;
                    return;
                }
                // Labels are recovered from `slot mod 256` assuming the next index is less than
                // 256 past the previous edge's; record the exact index where it is not.
                if slot as i64 - self.last_index > 256 {
                    self.jumps.push((self.cur, slot));
                }
                self.last_index = slot as i64;
                self.targets[self.cur as usize] = t;
                self.slots[self.cur as usize] = slot as u8;
                self.cur += 1;
            }
            None => self.stats.dangling_refs += 1,
        }
    }

    /// Ends pass 2: closes the gaps between the nodes' edges, the graph.
    pub(crate) fn finish(mut self, progress: &mut dyn FnMut(f64)) -> HeapGraph {
        self.end_object();
        if self.seq != self.seq_nodes.len() {
            self.stats.input_changed = true;
        }
        let n = self.ids.len();
        self.big_degree.sort_unstable();
        // Jumps were recorded in stream order; positions increase with the node.
        self.jumps.sort_unstable();
        let mut jumps = std::mem::take(&mut self.jumps);
        let mut j = 0;
        let mut locals_count: IdMap<u32, u32> = IdMap::default();
        for (t, (a, b)) in self.locals_of.iter() {
            locals_count.insert(t, b - a);
        }
        // Slide every node's edges down to the end of the previous node's (a forward move, so
        // in place); the degrees written become the graph's offsets as they are.
        let mut pos = 0usize;
        let mut src = 0usize;
        let mut v = 0usize;
        let mut big = self.big_degree.iter().peekable();
        let (degree, targets, slots) = (&self.degree, &mut self.targets, &mut self.slots);
        self.room.for_each_degree(|room| {
            if v % (1 << 20) == 0 {
                progress(0.8 * v as f64 / n.max(1) as f64);
            }
            let d = match degree[v] {
                // `end_object` records every degree of 255 or more in `big_degree`.
                u8::MAX => big
                    .next_if(|e| e.0 as usize == v)
                    .map_or(u8::MAX as usize, |e| e.1 as usize),
                d => d as usize,
            };
            if src != pos && d > 0 {
                targets.copy_within(src..src + d, pos);
                slots.copy_within(src..src + d, pos);
            }
            while j < jumps.len() && (jumps[j].0 as usize) < src + d {
                jumps[j].0 = (pos + jumps[j].0 as usize - src) as u32;
                j += 1;
            }
            pos += d;
            src += room as usize;
            v += 1;
        });
        drop(std::mem::take(&mut self.room));
        let offsets = EdgeOffsets::from_degrees(
            std::mem::take(&mut self.degree),
            std::mem::take(&mut self.big_degree),
        );
        let mut targets = std::mem::take(&mut self.targets);
        let mut slots = std::mem::take(&mut self.slots);
        targets.truncate(pos);
        targets.shrink_to_fit();
        slots.truncate(pos);
        slots.shrink_to_fit();
        let m = pos;
        progress(0.8);
        let mut class_classes: Vec<u32> = self
            .classes
            .iter()
            .filter(|c| c.node != NO_NODE)
            .filter_map(|c| self.class_len.class(c.node.index()))
            .collect();
        class_classes.sort_unstable();
        class_classes.dedup();
        let class_by_node = self
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.node != NO_NODE)
            .map(|(i, c)| (c.node.get(), i as u32))
            .collect();
        self.stats.edges = m as u64;
        let ids = self.ids.into_column();
        progress(0.85);
        let fields = self.fields.finish(n);
        progress(0.9);
        let strings = self.strings.finish(n);
        progress(1.0);
        HeapGraph {
            meta: self.meta,
            sizes: self.sizes,
            classes: self.classes,
            ids,
            class_len: self.class_len,
            offsets,
            targets,
            slots,
            locals_count,
            jumps,
            class_by_node,
            class_classes,
            roots: self.roots,
            root_nodes: self.root_nodes.into_iter().map(Node::new).collect(),
            fields,
            strings,
            stats: self.stats,
            locations: self.locate.finish(),
        }
    }

    fn string_wanted(&self, node: u32) -> bool {
        node != NO_IDX && self.string_nodes[node as usize / 64] & (1 << (node % 64)) != 0
    }
}

impl Visitor for Pass2 {
    fn class_dump(&mut self, c: &ClassDump) {
        self.locate.interrupt();
        let node = self.begin();
        if node == NO_IDX {
            return;
        }
        self.edge(c.super_id, 0);
        self.edge(c.loader_id, 1);
        // Slots 2 and 3 stay reserved for them either way, so static slots do not move.
        if self.class_refs {
            self.edge(c.signers_id, 2);
            self.edge(c.protection_domain_id, 3);
        }
        for (i, s) in c.statics.iter().enumerate() {
            if let Value::Object(id) = s.value {
                self.edge(id, 4 + i as u32);
            }
        }
    }

    fn instance(&mut self, i: &Instance<'_>) {
        let node = self.begin();
        if node == NO_IDX {
            return self.locate.interrupt();
        }
        let hdr = 1 + 2 * self.id_size as u64 + 8;
        let end = i.offset + hdr + i.fields.len() as u64;
        self.locate.record(Node::new(node), i.offset, end);
        let class = self.class_len.class(node as usize).unwrap_or(0) as usize;
        let id_size = self.id_size as usize;
        if i.fields.len() < self.classes[class].field_bytes as usize {
            self.stats.malformed_instances += 1;
        }
        let offsets = std::mem::take(&mut self.ref_offsets[class]);
        for (slot, &off) in offsets.iter().enumerate() {
            let off = off as usize;
            if off + id_size <= i.fields.len() {
                self.edge(read_id(&i.fields[off..], self.id_size), slot as u32);
            }
        }
        self.ref_offsets[class] = offsets;
        let keep = match self.keep_fields[class] {
            KeepFields::Always => true,
            KeepFields::WithinBudget => self.fields.data_len() < self.app_fields_budget,
            KeepFields::No => false,
        };
        if keep {
            self.fields.insert(Node::new(node), i.fields);
        }
        if let Some(late) = &mut self.late {
            let ids = &self.ids;
            late.instance(class as u32, i.fields, node, &self.string_nodes, |id| {
                ids.position(id.get())
            });
        }
    }

    fn object_array(&mut self, a: &ObjectArray, first: u32, elements: IdList<'_>) {
        if first == 0 {
            let node = self.begin();
            let id = self.id_size as u64;
            let end = a.offset + 1 + 2 * id + 8 + a.length as u64 * id;
            match node {
                NO_IDX => self.locate.interrupt(),
                _ => self.locate.record(Node::new(node), a.offset, end),
            }
        }
        // Pieces of one array arrive back to back, so their edges land in its seq range. The
        // elements of a duplicate-id record are dropped with it.
        if self.cur_node == NO_IDX {
            return;
        }
        for (k, id) in elements.iter().enumerate() {
            self.edge(id, first + k as u32);
        }
    }

    fn primitive_array(&mut self, a: &PrimitiveArray, data: Option<&[u8]>) {
        let node = self.begin();
        let id = self.id_size as u64;
        let end = a.offset + 1 + id + 9 + a.length as u64 * a.elem.size(self.id_size) as u64;
        match node {
            NO_IDX => self.locate.interrupt(),
            _ => self.locate.record(Node::new(node), a.offset, end),
        }
        if let Some(d) = data {
            let wanted = self.string_wanted(node);
            if wanted {
                self.strings.insert(Node::new(node), a.elem, d);
                super::text::insert_slices(&self.slices, node, a.elem, d, &mut self.strings);
            }
            if let Some(late) = self.late.as_mut().filter(|_| node != NO_IDX) {
                late.array(node, a.elem, d, &mut self.strings, wanted);
            }
        }
    }
}

impl std::fmt::Debug for Pass2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Pass2 {{ objects: {}, seq: {} }}",
            self.ids.len(),
            self.seq
        )
    }
}
