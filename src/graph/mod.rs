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

// The dominator algorithm (semi-NCA over any [`dominators::Successors`] graph) is an API of its
// own: its tests drive it on small hand-made graphs.
pub mod dominators;

mod build;
mod builder;
mod classes;
mod dumps;
mod fifo;
mod front;
mod ids;
mod layout;
pub(crate) mod locate;
mod lookups;
mod names;
mod node;
mod offsets;
mod preorder;
#[cfg(not(target_arch = "wasm32"))]
mod read_ahead;
pub(crate) mod record;
mod retained;
mod skips;
pub(crate) mod snapshot;
mod store;
mod strings_ahead;
mod text;

pub use builder::{
    build_from_bytes, build_from_bytes_with, build_from_path, feed_pass, BuildError, BuildOptions,
    GraphBuilder, PassOutcome, Phase,
};
pub use classes::{
    layout, ClassInfo, ClassKind, FieldSlot, SizeMode, SizeRule, StaticSlot, NO_CLASS,
};
pub use dominators::NO_IDX;
pub use node::Node;
#[cfg(not(target_arch = "wasm32"))]
pub use read_ahead::feed_pass_ahead;
pub use record::{read_record, ObjectRecord, RecordError, RecordKind};

/// "No node": an unreachable object's dominator, an id not in the dump.
pub const NO_NODE: Node = Node::NONE;
pub(crate) use fifo::BlockFifo;
pub use ids::add_hash_entropy;
pub use names::java_class_name;
pub(crate) use names::{bounded_class_name, is_jdk_class_name, package_of};
pub(crate) use preorder::DomPreorder;
pub use retained::{ChildIndex, Dominance};
pub use snapshot::{
    read_sealed, read_snapshot, sealed_len, snapshot_len, write_sealed, write_snapshot, SealError,
    Sealer, Snapshot, SnapshotError, SnapshotErrorKind, SEAL_LEN, SNAPSHOT_FORMAT,
};
pub use store::STRING_PREVIEW_CHARS;
pub(crate) use store::{FieldStore, StringStore};

use crate::hprof::*;
use dominators::Successors;
use ids::{ClassLenColumn, IdColumn, IdMap};
use serde::Serialize;
use std::collections::HashMap;

/// Per class, how its objects' shallow sizes are found ([`HeapGraph::size_table`]): a plain
/// instance size (the top bit clear); an array's base and element size (`ARRAY`, the element
/// size in bits 32..40, the base in bits 0..32); or [`Self::PER_OBJECT`] (class objects).
pub(crate) struct SizeTable {
    per_class: Vec<u64>,
    alignment: u64,
}

impl SizeTable {
    const ARRAY: u64 = 1 << 63;
    const PER_OBJECT: u64 = u64::MAX;
}

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
    /// Where each object's record lies in the dump (empty for a restored snapshot).
    pub locations: locate::ObjectLocations,
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
    /// Every object's node, in node order (the super-root excluded).
    pub fn nodes(&self) -> impl Iterator<Item = Node> + Clone {
        (0..self.ids.len() as u32).map(Node::new)
    }
    /// The virtual super-root's node index.
    pub fn super_root(&self) -> Node {
        Node::new(self.ids.len() as u32)
    }
    pub(crate) fn id_size(&self) -> u8 {
        self.meta.header.id_size
    }
    /// Object id of a node (0 for the super-root).
    pub fn id(&self, node: Node) -> Id {
        Id::new(self.ids.get(node.index()).unwrap_or(0))
    }
    /// Node of an object id.
    pub fn node_of(&self, id: Id) -> Option<Node> {
        self.ids.find(id.get()).map(Node::new)
    }
    /// Class index of a node (`java.lang.Class` for class objects).
    pub fn class_index(&self, node: Node) -> u32 {
        self.class_len.class(node.index()).expect("node in range")
    }
    pub fn class(&self, node: Node) -> &ClassInfo {
        &self.classes[self.class_index(node) as usize]
    }
    /// If `node` is a class object: its class index.
    #[inline]
    pub fn as_class(&self, node: Node) -> Option<u32> {
        if !self
            .class_classes
            .contains(&self.class_len.class(node.index())?)
        {
            return None;
        }
        self.class_by_node.get(&node.get()).copied()
    }
    /// How each class's objects are sized, for loops over many objects: [`shallow_by`]
    /// then skips [`shallow`](Self::shallow)'s class-object lookup and `ClassInfo` read (and,
    /// in wasm, a call) for plain instances and arrays alike; only objects of
    /// `java.lang.Class` (class objects, sized by their statics) go through `shallow`.
    ///
    /// [`shallow_by`]: Self::shallow_by
    pub(crate) fn size_table(&self) -> SizeTable {
        let per_class = self
            .classes
            .iter()
            .enumerate()
            .map(|(c, class)| {
                if self.class_classes.contains(&(c as u32)) {
                    return SizeTable::PER_OBJECT;
                }
                let (base, elem) = match class.kind {
                    ClassKind::Instance => return class.instance_size as u64,
                    ClassKind::ObjectArray => (self.sizes.object_array_base, self.sizes.reference),
                    ClassKind::PrimitiveArray(e) => (
                        self.sizes.primitive_array_base[classes::elem_size_index(e)],
                        e.size(8) as u32,
                    ),
                };
                SizeTable::ARRAY | (elem as u64) << 32 | base as u64
            })
            .collect();
        SizeTable {
            per_class,
            alignment: self.sizes.alignment as u64,
        }
    }
    /// [`shallow`](Self::shallow), `table` being [`size_table`](Self::size_table)'s.
    #[inline]
    pub(crate) fn shallow_by(&self, node: Node, table: &SizeTable) -> u64 {
        let entry = self
            .class_len
            .class(node.index())
            .and_then(|c| table.per_class.get(c as usize))
            .copied()
            .unwrap_or(SizeTable::PER_OBJECT);
        if entry & SizeTable::ARRAY == 0 {
            return entry;
        }
        if entry == SizeTable::PER_OBJECT {
            return self.shallow(node);
        }
        let (base, elem) = (entry as u32, (entry >> 32) as u8 as u32);
        classes::array_bytes(
            base,
            elem,
            self.class_len.len(node.index()),
            table.alignment,
        )
    }
    /// Array length (0 for instances and class objects).
    pub fn array_len(&self, node: Node) -> u32 {
        self.class_len.len(node.index())
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
    #[inline]
    pub fn shallow(&self, node: Node) -> u64 {
        let Some(c) = self.class_len.class(node.index()) else {
            return 0;
        };
        if let Some(k) = self.as_class(node) {
            return self.classes[k as usize].class_object_size as u64;
        }
        let class = &self.classes[c as usize];
        match class.kind {
            ClassKind::Instance => class.instance_size as u64,
            ClassKind::ObjectArray => self.sizes.object_array(self.class_len.len(node.index())),
            ClassKind::PrimitiveArray(e) => self
                .sizes
                .primitive_array(e, self.class_len.len(node.index())),
        }
    }
    /// Distinct GC-root nodes (successors of the super-root).
    pub fn root_nodes(&self) -> &[Node] {
        &self.root_nodes
    }
    /// Explicit outgoing edges `(target, slot)` of a node, excluding the implicit class edge.
    pub fn edges(&self, node: Node) -> impl Iterator<Item = (Node, u8)> + '_ {
        let (a, b) = self.edge_range(node);
        self.targets[a..b]
            .iter()
            .map(|&t| Node::new(t))
            .zip(self.slots[a..b].iter().copied())
    }
    /// Where `node`'s explicit edges lie in `targets` / `slots` (empty for the super-root).
    #[inline]
    fn edge_range(&self, node: Node) -> (usize, usize) {
        if node.index() < self.ids.len() {
            self.offsets.range(node.index())
        } else {
            (0, 0)
        }
    }
    /// The targets of [`edges`](Self::edges) as stored (node numbers), without their slots.
    #[inline]
    pub(crate) fn edge_targets(&self, node: Node) -> &[u32] {
        let (a, b) = self.edge_range(node);
        &self.targets[a..b]
    }
    /// Reads what [`class_node`](Self::class_node) and [`edge_targets`](Self::edge_targets) of
    /// `node` read first (its class column entry, its degree) and returns a meaningless mix of
    /// them. A tight loop of these over nodes known ahead (a search's queue) starts their
    /// cache misses together, so the lookups that follow find them cached: a prefetch, which
    /// WebAssembly has no instruction for.
    #[inline]
    pub(crate) fn touch(&self, node: Node) -> u32 {
        self.class_len.class(node.index()).unwrap_or(0) ^ self.offsets.touch(node.index())
    }
    /// The objects among `nodes` (a range of node numbers) that may refer to a few given
    /// objects: those with a reference whose target passes `hit`, or (its class edge) whose
    /// class index is marked in `class_hit` (empty: none marked); appended to `out` in node
    /// order, each once. A scan of the flat reference array and the class column, with no
    /// work per object that refers to none of them: a scan of every object's run pays
    /// a degree and a class read per object. `hit` may
    /// pass more than the given objects (a filter); the caller checks each object found.
    pub(crate) fn nodes_referring(
        &self,
        nodes: std::ops::Range<usize>,
        hit: impl Fn(u32) -> bool,
        class_hit: &[bool],
        out: &mut Vec<Node>,
    ) {
        let end = nodes.end.min(self.ids.len());
        if nodes.start >= end {
            return;
        }
        let first = out.len();
        let (a, _) = self.offsets.range(nodes.start);
        let (_, b) = self.offsets.range(end - 1);
        // The node owning an edge position: runs follow each other in node order.
        let mut from = nodes.start;
        for (k, &t) in self.targets[a..b].iter().enumerate() {
            if hit(t) {
                // The first node from `from` on whose run ends after `e`.
                let e = a + k;
                let (mut lo, mut hi) = (from, end);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    if self.offsets.range(mid).1 <= e {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                out.push(Node::new(lo as u32));
                from = lo;
            }
        }
        let class_hits = out.len();
        if !class_hit.is_empty() {
            for v in nodes.start..end {
                let c = self.class_len.class(v).unwrap_or(0) as usize;
                if class_hit.get(c).copied().unwrap_or(false) {
                    out.push(Node::new(v as u32));
                }
            }
        }
        if class_hits > first && out.len() > class_hits {
            out[first..].sort_unstable();
        }
        let mut kept = first;
        for i in first..out.len() {
            if kept == first || out[kept - 1] != out[i] {
                out[kept] = out[i];
                kept += 1;
            }
        }
        out.truncate(kept);
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
        for (t, _) in self.edges(node).take(self.locals_of(node)) {
            out.push((t, EdgeLabel::Local));
        }
        for (t, idx) in self.indexed_edges(node) {
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
                    _ => EdgeLabel::Element(idx),
                }
            };
            out.push((t, label));
        }
        out
    }
    /// Number of leading edges of `node` that are its stack locals (threads only).
    pub(crate) fn locals_of(&self, node: Node) -> usize {
        self.locals_count.get(&node.get()).copied().unwrap_or(0) as usize
    }
    /// The explicit edges of `node` after its stack locals, each with its exact index: field
    /// reference index (instances), element index (object arrays) or class-link index (class
    /// objects: 0 super, 1 loader, 2 signers, 3 protection domain, 4 + i static i). The one
    /// decoder of edge slots: `slot` is the index mod 256, read as the smallest index past the
    /// previous edge's with that residue, except where the build recorded the exact index in
    /// the side table (an index 256 or more past the previous one: sparse arrays).
    pub fn indexed_edges(&self, node: Node) -> IndexedEdges<'_> {
        let (a, b) = self.edge_range(node);
        let a = (a + self.locals_of(node)).min(b);
        let first_jump = self.jumps.partition_point(|j| (j.0 as usize) < a);
        let jumps_end = self.jumps.partition_point(|j| (j.0 as usize) < b);
        IndexedEdges {
            targets: &self.targets[a..b],
            slots: &self.slots[a..b],
            pos: a as u32,
            jumps: &self.jumps[first_jump..jumps_end],
            prev: -1,
        }
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
        if node.index() >= self.ids.len() || self.as_class(node).is_some() {
            return None;
        }
        let class = self.class(node);
        if class.kind != ClassKind::Instance {
            return None;
        }
        let want = self
            .field_slot(self.class_index(node), name)
            .filter(|f| f.ref_index != u32::MAX)?
            .ref_index;
        self.ref_at(node, want)
    }
    /// Target of the reference field with reference index `want` of an instance (`None` when
    /// it is null or dangling).
    pub(crate) fn ref_at(&self, node: Node, want: u32) -> Option<Node> {
        self.indexed_edges(node)
            .take_while(|&(_, i)| i <= want)
            .find(|&(_, i)| i == want)
            .map(|(t, _)| t)
    }
    /// The text of a `java.lang.String` instance (preview of at most
    /// [`STRING_PREVIEW_CHARS`] chars), or of a value array directly (`char[]` thread names of
    /// JDK ≤ 8 too).
    pub fn string_value(&self, node: Node) -> Option<&str> {
        self.strings.preview(self.text_node(node)?)
    }
    /// Length in chars (`String.length()`) of the text of a String or value array.
    pub fn string_len(&self, node: Node) -> Option<u64> {
        let t = self.text_node(node)?;
        if let Some(n) = self.strings.char_len(t) {
            return Some(n);
        }
        // A value array: its length, in chars (a UTF-16 `byte[]` holds 2 bytes a char).
        let len = self.array_len(t) as u64;
        let byte_utf16 = self.class(t).kind == ClassKind::PrimitiveArray(BasicType::Byte)
            && self.strings.is_utf16(t);
        Some(if byte_utf16 { len / 2 } else { len })
    }
    /// Identity of the whole text of a String or value array: equal texts, equal values
    /// (see [`StringStore::content_hash`]).
    pub fn string_identity(&self, node: Node) -> Option<u64> {
        self.strings.content_hash(self.text_node(node)?)
    }
    /// The string store member holding `node`'s text: `node` itself (a value array, or a JDK ≤ 6
    /// String that is a slice of its array), else its `value` array.
    fn text_node(&self, node: Node) -> Option<Node> {
        if node.index() >= self.node_count() {
            return None;
        }
        if self.strings.contains(node) {
            return Some(node);
        }
        self.ref_field(node, "value")
            .filter(|&v| self.strings.contains(v))
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
            ("locations", self.locations.heap_bytes()),
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
    pub(crate) fn field_slot(&self, class: u32, name: &str) -> Option<FieldSlot> {
        self.layout(class).find(|f| self.symbol(f.name) == name)
    }
    /// Name of a UTF8 symbol id.
    pub fn symbol(&self, id: Id) -> &str {
        self.meta.strings.get(&id).map(String::as_str).unwrap_or("")
    }
}

/// Iterator of [`HeapGraph::indexed_edges`]: `(target, exact index)`.
pub struct IndexedEdges<'a> {
    targets: &'a [u32],
    slots: &'a [u8],
    /// Edge position of `targets[0]` (the side table is keyed by position).
    pos: u32,
    /// Side-table entries at or after `pos` within this node, in position order.
    jumps: &'a [(u32, u32)],
    prev: i64,
}

impl Iterator for IndexedEdges<'_> {
    type Item = (Node, u32);
    #[inline]
    fn next(&mut self) -> Option<(Node, u32)> {
        let (&t, targets) = self.targets.split_first()?;
        let (&slot, slots) = self.slots.split_first()?;
        self.targets = targets;
        self.slots = slots;
        let idx = match self.jumps.first() {
            Some(&(p, exact)) if p == self.pos => {
                self.jumps = &self.jumps[1..];
                exact as i64
            }
            _ => {
                // The smallest index > prev that is ≡ slot (mod 256).
                let base = self.prev + 1;
                let mut idx = (base & !0xFF) | slot as i64;
                if idx < base {
                    idx += 256;
                }
                idx
            }
        };
        self.pos += 1;
        self.prev = idx;
        Some((Node::new(t), idx as u32))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.targets.len(), Some(self.targets.len()))
    }
}

impl ExactSizeIterator for IndexedEdges<'_> {}

impl Successors for HeapGraph {
    fn node_count(&self) -> usize {
        self.ids.len() + 1
    }
    #[inline]
    fn for_each_successor<F: FnMut(u32)>(&self, node: u32, mut f: F) {
        let n = self.ids.len();
        if node as usize == n {
            for &r in &self.root_nodes {
                f(r.get());
            }
            return;
        }
        let c = self.classes[self.class_index(Node::new(node)) as usize].node;
        if c != NO_NODE {
            f(c.get());
        }
        let (a, b) = self.offsets.range(node as usize);
        for &t in &self.targets[a..b] {
            f(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::{build_from_bytes, SizeTable};
    use heaplens_hprof_writer::{BasicType, HeapBuilder, RootKind, Value, WriteOptions};

    /// The flat scan for referrers finds what a scan of every node's run finds, over any block
    /// of nodes, with and without class edges marked, across blocks of degrees with no edge,
    /// one, and more than a byte holds.
    #[test]
    fn referring_scan_finds_what_each_run_holds() {
        let mut b = HeapBuilder::new(8);
        let object = b.object_class();
        let link = b.class(
            "com/x/Link",
            Some(object),
            &[("next", BasicType::Object)],
            &[],
        );
        let arrays = b.array_class("com/x/Link");
        let mut last = None;
        let mut all = Vec::new();
        for i in 0..700usize {
            let o = b.instance(link, &[("next", last.into())]);
            last = Some(o);
            all.push(Some(o));
            if i % 97 == 0 {
                let len = [0, 1, 300, 254, 255, 256, 1000, 2][i / 97 % 8];
                let arr = b.obj_array(arrays, &all[all.len().saturating_sub(len)..]);
                all.push(Some(arr));
            }
        }
        let holder = b.obj_array(arrays, &all);
        b.root(holder, RootKind::JniGlobal { jni_ref_id: 1 });
        let g = build_from_bytes(&b.write(&WriteOptions::default())).expect("dump parses");
        assert!(g.nodes().any(|v| g.edge_targets(v).len() > 255));
        let link_class = g
            .classes
            .iter()
            .position(|c| c.name == "com.x.Link")
            .unwrap();
        for modulus in [1u32, 37, 997] {
            let hit = |t: u32| t % modulus == 5 % modulus;
            let mut by_class = vec![false; g.classes.len()];
            by_class[link_class] = modulus == 37;
            let class_hit: &[bool] = if modulus == 997 { &[] } else { &by_class };
            for block in [1usize, 100, 1 << 16] {
                let mut found = Vec::new();
                for start in (0..g.node_count()).step_by(block) {
                    g.nodes_referring(start..start + block, hit, class_hit, &mut found);
                }
                let naive: Vec<crate::graph::Node> = g
                    .nodes()
                    .filter(|&v| {
                        g.edge_targets(v).iter().any(|&t| hit(t))
                            || class_hit
                                .get(g.class_index(v) as usize)
                                .copied()
                                .unwrap_or(false)
                    })
                    .collect();
                assert_eq!(found, naive, "targets ≡ 5 mod {modulus}, blocks of {block}");
            }
        }
    }

    /// The per-class shortcut answers what `shallow` does, for instances, arrays of both kinds
    /// and class objects (with statics, so their sizes differ).
    #[test]
    fn shallow_by_is_shallow() {
        let mut b = HeapBuilder::new(8);
        let object = b.object_class();
        let link = b.class(
            "com/x/Link",
            Some(object),
            &[("next", BasicType::Object), ("n", BasicType::Int)],
            &[("COUNT", Value::Long(7)), ("NAME", Value::Object(0))],
        );
        let arrays = b.array_class("com/x/Link");
        let mut all = Vec::new();
        for i in 0..50usize {
            all.push(Some(b.instance(link, &[])));
            all.push(Some(b.prim_array(BasicType::Byte, &vec![1; i])));
            all.push(Some(b.prim_array(BasicType::Long, &vec![0; 8 * (i % 5)])));
        }
        // A length past the packed column's 12 bits (read from its side table).
        all.push(Some(b.prim_array(BasicType::Char, &vec![7; 5000])));
        let holder = b.obj_array(arrays, &all);
        b.root(holder, RootKind::JniGlobal { jni_ref_id: 1 });
        let g = build_from_bytes(&b.write(&WriteOptions::default())).expect("dump parses");
        let sizes = g.size_table();
        for v in g.nodes() {
            assert_eq!(
                g.shallow_by(v, &sizes),
                g.shallow(v),
                "{}",
                g.display_class(v)
            );
        }
        assert!(g.nodes().any(|v| g.as_class(v).is_some()));
        // Instances by size, arrays by base and element size, class objects one by one.
        let kinds = |test: fn(u64) -> bool| sizes.per_class.iter().any(|&e| test(e));
        assert!(kinds(|e| e & SizeTable::ARRAY == 0));
        assert!(kinds(
            |e| e & SizeTable::ARRAY != 0 && e != SizeTable::PER_OBJECT
        ));
        assert!(kinds(|e| e == SizeTable::PER_OBJECT));
    }
}
