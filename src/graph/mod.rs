//! The compact object graph, its dominator tree and retained sizes.
//!
//! Objects (instances, arrays, class objects) are numbered densely by `u32` *node index*: the
//! rank of the object id among all ids, so the sorted id array doubles as the id → node map.
//! Node indices are `u32` and object ids are [`Id`] (`u64`): the two never mix silently. The
//! virtual super-root is node `node_count()`, with an edge to every GC root.
//!
//! Edges are stored as CSR (`offsets`, `targets`) plus one byte per edge, the *slot*: the
//! field's reference index (instances), element index (object arrays) or static/link index
//! (class objects), modulo 256. Slots increase along a node's edges, so the exact field or array
//! index of an edge is recovered by walking the node's edges — that is how paths name
//! `table[13]` without storing field names per edge. The object → class edge is implicit (every
//! node has one; storing it would cost 5 bytes per object).

pub mod dominators;

mod build;
mod builder;
mod classes;
mod dumps;
mod ids;
mod layout;
mod names;
mod offsets;
mod retained;
pub mod snapshot;
mod store;

pub use builder::{
    build_from_bytes, build_from_bytes_with, build_from_path, build_from_reader, BuildError,
    BuildOptions, FirstPass, GraphBuilder, PassOutcome, Phase,
};
pub use classes::{
    layout, ClassInfo, ClassKind, FieldSlot, SizeMode, SizeRule, StaticSlot, NO_CLASS,
};
pub use dominators::NO_NODE;
pub use names::{is_jdk_class_name, java_class_name, package_of, JDK_PREFIXES};
pub use retained::{ChildIndex, Dominance, RetainedSizes};
pub use snapshot::{
    read_snapshot, snapshot_len, write_snapshot, Snapshot, SnapshotError, SnapshotErrorKind,
};
pub use store::{decode_preview, hash_bytes, FieldStore, StringStore, STRING_PREVIEW_CHARS};

use crate::hprof::*;
use dominators::Successors;
use ids::{ClassLenColumn, IdColumn, IdMap};
use serde::Serialize;
use std::collections::HashMap;

/// A node index: dense, `0..node_count()` for objects, `node_count()` for the super-root.
pub type Node = u32;

/// Metadata records of the dump (everything that is not a heap object).
#[derive(Debug, Default, Clone)]
pub struct DumpMeta {
    pub header: Header,
    /// UTF8 records (symbols: class, field, method, file and thread names).
    pub strings: IdMap<Id, String>,
    pub load_classes: Vec<LoadClass>,
    pub frames: IdMap<Id, StackFrame>,
    pub traces: HashMap<u32, StackTrace>,
    pub threads: Vec<StartThread>,
    pub heap_summary: Option<HeapSummary>,
    /// Parser warnings (truncation and the like).
    pub warnings: Vec<Warning>,
    /// Decompressed bytes parsed.
    pub bytes: u64,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            version: Version::V102,
            id_size: 8,
            timestamp_ms: 0,
        }
    }
}

/// Oddities counted while building (all normal in small numbers).
#[derive(Debug, Default, Clone, Serialize)]
pub struct BuildStats {
    pub heap_records: u32,
    /// Heap dumps in the file (the `-agentlib:hprof` agent appends one per request; see
    /// `graph::dumps`), and the one the graph holds (1-based).
    pub heap_dumps: u32,
    pub dump_shown: u32,
    pub edges: u64,
    /// References to ids not in the dump (skipped, as MAT does).
    pub dangling_refs: u64,
    /// Root records naming ids not in the dump.
    pub dangling_roots: u64,
    /// Object records repeating an id already seen (the first wins).
    pub duplicate_ids: u64,
    /// INSTANCE DUMPs with less field data than their class layout.
    pub malformed_instances: u64,
    /// The second pass saw a different object stream than the first.
    pub input_changed: bool,
}

/// One GC root record, resolved to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RootRef {
    pub node: Node,
    pub kind: RootKind,
    pub thread_serial: Option<u32>,
    pub frame: Option<u32>,
    /// For thread-related roots: the thread object's node, if known (else `NO_NODE`).
    pub thread_node: Node,
}

/// The object graph. Built by [`GraphBuilder`]; read-only afterwards.
pub struct HeapGraph {
    pub meta: DumpMeta,
    pub sizes: SizeRule,
    pub classes: Vec<ClassInfo>,
    ids: IdColumn,
    /// Class index and array length per node.
    class_len: ClassLenColumn,
    offsets: offsets::EdgeOffsets,
    targets: Vec<u32>,
    slots: Vec<u8>,
    /// (edge position, exact index) for edges whose index is 256 or more past the previous
    /// edge's (sparse arrays), where `slot mod 256` alone is ambiguous. Sorted.
    jumps: Vec<(u32, u32)>,
    /// Thread node → number of leading edges that are its stack locals.
    locals_count: IdMap<u32, u32>,
    class_by_node: IdMap<u32, u32>,
    /// Class indices of class objects (`java.lang.Class`; one in practice): only nodes of these
    /// need the `class_by_node` lookup.
    class_classes: Vec<u32>,
    /// Every root record (incl. thread locals, which are edges of their thread, not roots).
    pub roots: Vec<RootRef>,
    /// Distinct nodes the super-root points to.
    root_nodes: Vec<Node>,
    pub fields: FieldStore,
    pub strings: StringStore,
    pub stats: BuildStats,
}

/// How a reference leaves a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum EdgeLabel {
    /// The implicit object → class edge.
    Class,
    /// Instance field (name).
    Field(String),
    /// Object array element.
    Element(u32),
    /// Class object links.
    Super,
    Loader,
    Signers,
    ProtectionDomain,
    Static(String),
    /// A thread's stack local (Java frame / JNI local root).
    Local,
    /// From the super-root.
    Root,
}

impl std::fmt::Display for EdgeLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EdgeLabel::Class => f.write_str("<class>"),
            EdgeLabel::Field(n) => f.write_str(n),
            EdgeLabel::Element(i) => write!(f, "[{i}]"),
            EdgeLabel::Super => f.write_str("<super>"),
            EdgeLabel::Loader => f.write_str("<classloader>"),
            EdgeLabel::Signers => f.write_str("<signers>"),
            EdgeLabel::ProtectionDomain => f.write_str("<protection domain>"),
            EdgeLabel::Static(n) => write!(f, "<static> {n}"),
            EdgeLabel::Local => f.write_str("<Java Local>"),
            EdgeLabel::Root => f.write_str("<GC root>"),
        }
    }
}

impl HeapGraph {
    /// Number of objects (the super-root is not counted).
    pub fn node_count(&self) -> usize {
        self.ids.len()
    }
    /// The virtual super-root's node index.
    pub fn super_root(&self) -> Node {
        self.ids.len() as Node
    }
    pub fn id_size(&self) -> u8 {
        self.meta.header.id_size
    }
    /// Object id of a node (0 for the super-root).
    pub fn id(&self, node: Node) -> Id {
        self.ids.get(node as usize).unwrap_or(0)
    }
    /// Node of an object id.
    pub fn node_of(&self, id: Id) -> Option<Node> {
        self.ids.find(id)
    }
    /// Class index of a node (`java.lang.Class` for class objects).
    pub fn class_index(&self, node: Node) -> u32 {
        self.class_len.class(node as usize).expect("node in range")
    }
    pub fn class(&self, node: Node) -> &ClassInfo {
        &self.classes[self.class_index(node) as usize]
    }
    /// If `node` is a class object: its class index.
    pub fn as_class(&self, node: Node) -> Option<u32> {
        if !self
            .class_classes
            .contains(&self.class_len.class(node as usize)?)
        {
            return None;
        }
        self.class_by_node.get(&node).copied()
    }
    /// Array length (0 for instances and class objects).
    pub fn array_len(&self, node: Node) -> u32 {
        self.class_len.len(node as usize)
    }
    /// Display name: the class name, or `class java.lang.String` for a class object.
    pub fn display_class(&self, node: Node) -> String {
        if node == self.super_root() {
            return "<super-root>".into();
        }
        match self.as_class(node) {
            Some(c) => format!("class {}", self.classes[c as usize].name),
            None => self.class(node).name.clone(),
        }
    }
    /// Shallow size under [`SizeRule`] (0 for the super-root).
    pub fn shallow(&self, node: Node) -> u64 {
        let Some(c) = self.class_len.class(node as usize) else {
            return 0;
        };
        if let Some(k) = self.as_class(node) {
            return self.classes[k as usize].class_object_size as u64;
        }
        let class = &self.classes[c as usize];
        match class.kind {
            ClassKind::Instance => class.instance_size as u64,
            ClassKind::ObjectArray => self.sizes.object_array(self.class_len.len(node as usize)),
            ClassKind::PrimitiveArray(e) => self
                .sizes
                .primitive_array(e, self.class_len.len(node as usize)),
        }
    }
    /// Distinct GC-root nodes (successors of the super-root).
    pub fn root_nodes(&self) -> &[Node] {
        &self.root_nodes
    }
    /// Explicit outgoing edges `(target, slot)` of a node, excluding the implicit class edge.
    pub fn edges(&self, node: Node) -> impl Iterator<Item = (Node, u8)> + '_ {
        let (a, b) = if (node as usize) < self.ids.len() {
            self.offsets.range(node as usize)
        } else {
            (0, 0)
        };
        self.targets[a..b]
            .iter()
            .copied()
            .zip(self.slots[a..b].iter().copied())
    }
    /// The class-object node of `node`'s class, if the dump has it.
    pub fn class_node(&self, node: Node) -> Option<Node> {
        let c = self.classes[self.class_index(node) as usize].node;
        (c != NO_NODE).then_some(c)
    }
    /// Every outgoing reference with its label: class edge first, then locals (threads), then
    /// fields / elements / class links in order. For the super-root: its roots.
    pub fn labelled_edges(&self, node: Node) -> Vec<(Node, EdgeLabel)> {
        if node == self.super_root() {
            return self
                .root_nodes
                .iter()
                .map(|&r| (r, EdgeLabel::Root))
                .collect();
        }
        let mut out = Vec::new();
        if let Some(c) = self.class_node(node) {
            out.push((c, EdgeLabel::Class));
        }
        let locals = self.locals_count.get(&node).copied().unwrap_or(0) as usize;
        let class_of_class = self.as_class(node);
        let class = self.class(node);
        // Reference-field names by reference index (the flattened layout lists them in order).
        let ref_names: Vec<Id> = if class_of_class.is_none() && class.kind == ClassKind::Instance {
            self.layout(self.class_index(node))
                .filter(|f| f.ref_index != u32::MAX)
                .map(|f| f.name)
                .collect()
        } else {
            Vec::new()
        };
        let mut prev: i64 = -1;
        let first = self.offsets.range(node as usize).0 as u32;
        for (k, (t, slot)) in self.edges(node).enumerate() {
            if k < locals {
                out.push((t, EdgeLabel::Local));
                continue;
            }
            let pos = first + k as u32;
            let idx = match self.jumps.binary_search_by_key(&pos, |j| j.0) {
                Ok(i) => self.jumps[i].1 as u64,
                Err(_) => {
                    // The smallest index > prev that is ≡ slot (mod 256).
                    let base = (prev + 1) as u64;
                    let mut idx = (base & !0xFF) | slot as u64;
                    if idx < base {
                        idx += 256;
                    }
                    idx
                }
            };
            prev = idx as i64;
            let label = if let Some(ci) = class_of_class {
                match idx {
                    0 => EdgeLabel::Super,
                    1 => EdgeLabel::Loader,
                    2 => EdgeLabel::Signers,
                    3 => EdgeLabel::ProtectionDomain,
                    i => EdgeLabel::Static(
                        self.classes[ci as usize]
                            .statics
                            .get(i as usize - 4)
                            .map(|s| self.symbol(s.name).to_string())
                            .unwrap_or_default(),
                    ),
                }
            } else {
                match class.kind {
                    ClassKind::Instance => EdgeLabel::Field(
                        ref_names
                            .get(idx as usize)
                            .map(|&n| self.symbol(n).to_string())
                            .unwrap_or_else(|| format!("<field {idx}>")),
                    ),
                    _ => EdgeLabel::Element(idx as u32),
                }
            };
            out.push((t, label));
        }
        out
    }
    /// A primitive or reference field of a kept instance (see `FieldStore`), by name.
    pub fn field_value(&self, node: Node, name: &str) -> Option<Value> {
        let data = self.fields.get(node)?;
        let f = self.field_slot(self.class_index(node), name)?;
        let size = f.ty.size(self.id_size());
        let bytes = data.get(f.offset as usize..f.offset as usize + size)?;
        Some(Value::read(f.ty, bytes, self.id_size()))
    }
    /// Target of the reference field `name` of `node` (works for every instance, kept or not).
    pub fn ref_field(&self, node: Node, name: &str) -> Option<Node> {
        self.labelled_edges(node)
            .into_iter()
            .find(|(_, l)| matches!(l, EdgeLabel::Field(n) if n == name))
            .map(|(t, _)| t)
    }
    /// The text of a `java.lang.String` instance (preview of at most
    /// [`STRING_PREVIEW_CHARS`] chars), or of a value array directly.
    pub fn string_value(&self, node: Node) -> Option<&str> {
        if let Some(p) = self.strings.preview(node) {
            return Some(p);
        }
        let value = self.ref_field(node, "value")?;
        self.strings.preview(value)
    }
    /// Bytes held by the graph's structures (what stays in memory after the build).
    pub fn heap_bytes(&self) -> usize {
        self.memory_breakdown().iter().map(|&(_, b)| b).sum()
    }
    /// [`heap_bytes`](Self::heap_bytes) by structure (for the bench and the worker's stats).
    pub fn memory_breakdown(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("ids", self.ids.heap_bytes()),
            ("class_len", self.class_len.heap_bytes()),
            ("edge_offsets", self.offsets.heap_bytes()),
            ("edge_targets", self.targets.capacity() * 4),
            (
                "edge_slots",
                self.slots.capacity() + self.jumps.capacity() * 8,
            ),
            ("fields", self.fields.heap_bytes()),
            ("strings", self.strings.heap_bytes()),
            (
                "roots_classes",
                self.roots.capacity() * std::mem::size_of::<RootRef>()
                    + self.root_nodes.capacity() * 4
                    + self
                        .classes
                        .iter()
                        .map(|c| 200 + c.fields.len() * 24 + c.statics.len() * 32)
                        .sum::<usize>(),
            ),
        ]
    }
    /// The flattened instance-field layout of class `class` (see [`classes::layout`]).
    pub fn layout(&self, class: u32) -> impl Iterator<Item = FieldSlot> + '_ {
        classes::layout(&self.classes, class)
    }
    /// The first field named `name` in the flattened layout of class `class` (own fields first,
    /// as Java resolves a name hidden by a subclass).
    pub fn field_slot(&self, class: u32, name: &str) -> Option<FieldSlot> {
        self.layout(class).find(|f| self.symbol(f.name) == name)
    }
    /// Name of a UTF8 symbol id.
    pub fn symbol(&self, id: Id) -> &str {
        self.meta.strings.get(&id).map(String::as_str).unwrap_or("")
    }
}

impl Successors for HeapGraph {
    fn node_count(&self) -> usize {
        self.ids.len() + 1
    }
    #[inline]
    fn for_each_successor<F: FnMut(u32)>(&self, node: u32, mut f: F) {
        let n = self.ids.len();
        if node as usize == n {
            for &r in &self.root_nodes {
                f(r);
            }
            return;
        }
        let c = self.classes[self.class_index(node) as usize].node;
        if c != NO_NODE {
            f(c);
        }
        let (a, b) = self.offsets.range(node as usize);
        for &t in &self.targets[a..b] {
            f(t);
        }
    }
}
