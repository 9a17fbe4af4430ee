//! Reading JDK collections in a dump: element count, capacity, backing storage, and (through
//! [`entries`]) their key/value pairs. [`extract`] is the entry point for any object.
//!
//! Every layout from JDK 6 to 25 that Eclipse MAT's extractors know (`KnownCollectionInfo`):
//! `HashMap`/`LinkedHashMap` (`Entry` or `Node`/`TreeNode`), `Hashtable`, `Properties` (a
//! Hashtable, or from JDK 9 a wrapper of a `ConcurrentHashMap`), `WeakHashMap`,
//! `IdentityHashMap`, `TreeMap`, `ConcurrentHashMap` (JDK 8+ table with `baseCount` +
//! `counterCells`; JDK 5–7 `segments`, whose `Segment`s are read too), `ThreadLocalMap`,
//! `ArrayList`, `Vector`, `LinkedList` (JDK 7+ `first`, JDK ≤ 6 ring around `header`),
//! `ArrayDeque` (`head`/`tail`, as the JDK's `size()`), `PriorityQueue`,
//! `CopyOnWriteArrayList`/`Set`, the blocking and concurrent queues; and, in
//! [`super::collections_more`], the rest of MAT's list: `ImmutableCollections`, singletons and
//! empties, `nCopies`, `Arrays.asList`, `subList`, `ConcurrentSkipListMap`/`Set`, `EnumMap`,
//! `RegularEnumSet`, `DelayQueue`, `SynchronousQueue` and the key/value/entry views of maps.
//! Counts come from the collection's own fields where the graph keeps them (`size`,
//! `count`, `elementCount`, `baseCount`, `AtomicInteger.value` — see `KEEP_FIELDS_OF` in the
//! graph builder); otherwise they are counted: non-null elements of the backing array, nodes of
//! a linked chain or tree (bounded walk), or entries of a hash table's bins. Subclasses of the
//! JDK collections (an application's `MyList extends ArrayList`) are read as their JDK
//! ancestor; `Collections$Synchronized*`, `Collections$Unmodifiable*`, `HashSet`, `TreeSet`,
//! `Collections$SetFromMap` and `ConcurrentHashMap$KeySetView` are read through the collection
//! they wrap.

pub use super::collection_entries::{entries, Entry};
use crate::graph::{ClassKind, HeapGraph, Node, NO_CLASS};
use crate::hprof::Value;
use serde::{Deserialize, Serialize};

/// What kind of container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectionKind {
    List,
    Set,
    Map,
    Queue,
    Deque,
    /// A bare object array (not owned by a known collection).
    Array,
}

impl CollectionKind {
    /// `list`, `set`, `map`, `queue`, `deque` or `array` (the serialized form).
    pub fn label(self) -> &'static str {
        match self {
            CollectionKind::List => "list",
            CollectionKind::Set => "set",
            CollectionKind::Map => "map",
            CollectionKind::Queue => "queue",
            CollectionKind::Deque => "deque",
            CollectionKind::Array => "array",
        }
    }
}

impl std::fmt::Display for CollectionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The state of one collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectionInfo {
    /// The object asked about (a wrapper, if it was one).
    pub node: Node,
    pub class: String,
    /// The JDK class its contents were read as (`java.util.ArrayList`).
    pub jdk_class: String,
    pub kind: CollectionKind,
    /// Number of elements (entries for maps).
    pub size: u64,
    /// Length of the backing array (hash tables: bucket count), when there is one.
    pub capacity: Option<u64>,
    /// A hard bound on the size (`ArrayBlockingQueue`, bounded `LinkedBlockingQueue`).
    pub bound: Option<u64>,
    /// How `size` was obtained: `field` (the collection's counter) or `counted`.
    pub size_source: &'static str,
    /// For sets: elements are the backing map's keys.
    #[serde(skip)]
    pub(crate) keys: bool,
    /// The object whose contents hold the elements (after unwrapping).
    #[serde(skip)]
    pub(crate) inner: Node,
}

impl CollectionInfo {
    pub(crate) fn is_queue(&self) -> bool {
        matches!(self.kind, CollectionKind::Queue | CollectionKind::Deque)
    }
}

pub(crate) const MAX_WALK: usize = 50_000_000;

fn int_field(g: &HeapGraph, v: Node, name: &str) -> Option<i64> {
    match g.field_value(v, name)? {
        Value::Int(i) => Some(i as i64),
        Value::Long(l) => Some(l),
        Value::Short(s) => Some(s as i64),
        _ => None,
    }
}

/// Non-null elements of an object array (the graph stores one edge per non-null element).
fn non_null(g: &HeapGraph, arr: Node) -> u64 {
    g.edges(arr).count() as u64
}

fn array_len(g: &HeapGraph, arr: Option<Node>) -> Option<u64> {
    arr.map(|a| g.array_len(a) as u64)
}

/// Fast field access along a chain of nodes of (usually) one class.
pub(crate) struct FieldCache<'a> {
    name: &'a str,
    class: u32,
    index: Option<u32>,
}

impl<'a> FieldCache<'a> {
    pub(crate) fn new(name: &'a str) -> Self {
        FieldCache {
            name,
            class: u32::MAX,
            index: None,
        }
    }
    pub(crate) fn get(&mut self, g: &HeapGraph, v: Node) -> Option<Node> {
        let c = g.class_index(v);
        if c != self.class {
            self.class = c;
            let info = &g.classes[c as usize];
            self.index = if info.is_array() || g.as_class(v).is_some() {
                None
            } else {
                g.field_slot(c, self.name)
                    .filter(|f| f.ref_index != u32::MAX)
                    .map(|f| f.ref_index)
            };
        }
        // `ref_at` reads past a thread's stack locals.
        g.ref_at(v, self.index?)
    }
}

/// Counts the nodes of a linked chain `first.next.next…` (optionally only those with a
/// non-null `item`), bounded.
fn walk_chain(g: &HeapGraph, first: Option<Node>, item: Option<&str>) -> u64 {
    let mut next_f = FieldCache::new("next");
    let mut item_f = item.map(FieldCache::new);
    let mut n = 0;
    let mut v = first;
    let mut steps = 0;
    let start = first;
    while let Some(x) = v {
        steps += 1;
        if steps > MAX_WALK {
            break;
        }
        if item_f.as_mut().is_none_or(|f| f.get(g, x).is_some()) {
            n += 1;
        }
        let next = next_f.get(g, x);
        if next == Some(x) || (next.is_some() && next == start && steps > 1) {
            break; // self-linked (removed node) or circular
        }
        v = next;
    }
    n
}

/// Nodes of a circular list around a sentinel (JDK ≤ 6 `LinkedList.header`), sentinel excluded.
fn walk_ring(g: &HeapGraph, header: Node) -> u64 {
    let mut next_f = FieldCache::new("next");
    let mut n = 0u64;
    let mut v = next_f.get(g, header);
    while let Some(x) = v {
        if x == header || n as usize >= MAX_WALK {
            break;
        }
        n += 1;
        let next = next_f.get(g, x);
        if next == Some(x) {
            break;
        }
        v = next;
    }
    n
}

/// Nodes of a binary tree (`TreeMap$Entry`: `left`, `right`), without recursion, bounded.
fn count_tree(g: &HeapGraph, root: Option<Node>) -> u64 {
    tree_nodes(g, root, MAX_WALK).len() as u64
}

/// In-order nodes of a binary tree (`left`, `right`), at most `limit`, without recursion.
pub(crate) fn tree_nodes(g: &HeapGraph, root: Option<Node>, limit: usize) -> Vec<Node> {
    let (mut left_f, mut right_f) = (FieldCache::new("left"), FieldCache::new("right"));
    let mut out = Vec::new();
    let mut stack: Vec<Node> = Vec::new();
    let mut cur = root;
    // A corrupt (cyclic) tree must not loop: at most `limit` steps in all.
    let mut steps = 0usize;
    loop {
        while let Some(x) = cur {
            steps += 1;
            if steps > limit.saturating_mul(2).max(1) {
                return out;
            }
            stack.push(x);
            cur = left_f.get(g, x);
        }
        let Some(x) = stack.pop() else { break };
        out.push(x);
        if out.len() >= limit {
            break;
        }
        cur = right_f.get(g, x);
    }
    out
}

/// Entries of a hash table (`HashMap`, `Hashtable`, `ConcurrentHashMap`, `WeakHashMap`):
/// bins and their `next` chains; `TreeBin`s through their `first` chain.
fn count_table(g: &HeapGraph, table: Option<Node>) -> u64 {
    let Some(t) = table else { return 0 };
    let mut n = 0;
    for (bin, _) in g.edges(t) {
        let name = &g.class(bin).name;
        if name.ends_with("$ForwardingNode") || name.ends_with("$ReservationNode") {
            continue;
        }
        if name.ends_with("$TreeBin") {
            n += walk_chain(g, g.ref_field(bin, "first"), None);
        } else {
            n += walk_chain(g, Some(bin), None);
        }
    }
    n
}

/// The nearest JDK collection class in `v`'s class hierarchy.
pub(crate) fn jdk_ancestor(g: &HeapGraph, v: Node) -> Option<&str> {
    if g.as_class(v).is_some() {
        return None;
    }
    let mut c = g.class_index(v);
    let mut depth = 0;
    while c != NO_CLASS && depth < 32 {
        let name = g.classes[c as usize].name.as_str();
        if KNOWN.contains(&name) {
            return Some(KNOWN[KNOWN.iter().position(|k| *k == name).unwrap()]);
        }
        c = g.classes[c as usize].super_class;
        depth += 1;
    }
    None
}

const KNOWN: &[&str] = &[
    "java.util.ArrayList",
    "java.util.Vector",
    "java.util.LinkedList",
    "java.util.ArrayDeque",
    "java.util.PriorityQueue",
    "java.util.HashMap",
    "java.util.Hashtable",
    "java.util.WeakHashMap",
    "java.util.IdentityHashMap",
    "java.util.TreeMap",
    "java.util.HashSet",
    "java.util.TreeSet",
    "java.util.concurrent.ArrayBlockingQueue",
    "java.util.concurrent.LinkedBlockingQueue",
    "java.util.concurrent.LinkedBlockingDeque",
    "java.util.concurrent.ConcurrentLinkedQueue",
    "java.util.concurrent.ConcurrentLinkedDeque",
    "java.util.concurrent.PriorityBlockingQueue",
    "java.util.concurrent.LinkedTransferQueue",
    "java.util.concurrent.CopyOnWriteArrayList",
    "java.util.concurrent.CopyOnWriteArraySet",
    "java.util.concurrent.ConcurrentHashMap",
    "java.util.concurrent.ConcurrentHashMap$Segment",
    "java.util.concurrent.ConcurrentHashMap$KeySetView",
    "java.lang.ThreadLocal$ThreadLocalMap",
    "java.util.Collections$SetFromMap",
];

/// Reads the collection `v`, if it is one (JDK collection, subclass or wrapper).
pub(crate) fn collection_info(g: &HeapGraph, v: Node) -> Option<CollectionInfo> {
    info_depth(g, v, 0)
}

fn info_depth(g: &HeapGraph, v: Node, depth: u32) -> Option<CollectionInfo> {
    if depth > 4 || v.index() >= g.node_count() {
        return None;
    }
    let class = g.display_class(v);
    // Immutable collections, singletons, skip lists, enum maps, views of maps, ….
    if g.as_class(v).is_none() {
        let read_inner = |x: Node| info_depth(g, x, depth + 1);
        if let Some(i) = super::collections_more::info(g, v, &g.class(v).name, &read_inner) {
            return Some(i);
        }
    }
    // Wrappers.
    if class.starts_with("java.util.Collections$") {
        let inner = ["c", "m", "list", "s"]
            .iter()
            .find_map(|f| g.ref_field(v, f))?;
        let mut i = info_depth(g, inner, depth + 1)?;
        i.node = v;
        if class.contains("Set") && i.kind == CollectionKind::Map {
            i.kind = CollectionKind::Set;
            i.keys = true;
        }
        i.class = class;
        return Some(i);
    }
    let jdk = jdk_ancestor(g, v)?;
    let wrap = |inner_field: &str, kind: CollectionKind, keys: bool| -> Option<CollectionInfo> {
        let inner = g.ref_field(v, inner_field)?;
        let mut i = info_depth(g, inner, depth + 1)?;
        i.node = v;
        i.class = class.clone();
        i.jdk_class = jdk.to_string();
        i.kind = kind;
        i.keys = keys;
        Some(i)
    };
    let mk = |kind, size: u64, capacity: Option<u64>, bound: Option<u64>, from_field: bool| {
        CollectionInfo {
            node: v,
            class: class.clone(),
            jdk_class: jdk.to_string(),
            kind,
            size,
            capacity,
            bound,
            size_source: if from_field { "field" } else { "counted" },
            keys: false,
            inner: v,
        }
    };
    use CollectionKind::*;
    let arr = |f: &str| g.ref_field(v, f);
    let sized = |f: &str, counted: &dyn Fn() -> u64| match int_field(g, v, f) {
        Some(s) if s >= 0 => (s as u64, true),
        _ => (counted(), false),
    };
    Some(match jdk {
        "java.util.HashSet" | "java.util.concurrent.ConcurrentHashMap$KeySetView" => {
            return wrap("map", Set, true);
        }
        "java.util.TreeSet" | "java.util.Collections$SetFromMap" => return wrap("m", Set, true),
        "java.util.concurrent.CopyOnWriteArraySet" => return wrap("al", Set, false),
        "java.util.ArrayList" => {
            let a = arr("elementData");
            let (s, f) = sized("size", &|| a.map_or(0, |a| non_null(g, a)));
            mk(List, s, array_len(g, a), None, f)
        }
        "java.util.Vector" => {
            let a = arr("elementData");
            let (s, f) = sized("elementCount", &|| a.map_or(0, |a| non_null(g, a)));
            mk(List, s, array_len(g, a), None, f)
        }
        "java.util.concurrent.CopyOnWriteArrayList" => {
            let a = arr("array");
            let n = array_len(g, a).unwrap_or(0);
            mk(List, n, Some(n), None, true)
        }
        "java.util.LinkedList" => {
            // JDK 7+: `first`; JDK ≤ 6: a circular list around the sentinel `header`.
            let (s, f) = sized("size", &|| match arr("header") {
                Some(h) => walk_ring(g, h),
                None => walk_chain(g, arr("first"), None),
            });
            mk(List, s, None, None, f)
        }
        // The JDK's `size()`: `tail - head`, plus the array length when the deque wrapped
        // around its end (MAT's extractor too, except that it says 0 whenever `tail` is 0).
        "java.util.ArrayDeque" => {
            let a = arr("elements");
            let cap = array_len(g, a);
            match (int_field(g, v, "head"), int_field(g, v, "tail"), cap) {
                (Some(h), Some(t), Some(c)) if h >= 0 && t >= 0 && (h as u64) < c.max(1) => {
                    let n = if t >= h { t - h } else { t - h + c as i64 };
                    mk(Deque, n.max(0) as u64, cap, None, true)
                }
                _ => mk(Deque, a.map_or(0, |a| non_null(g, a)), cap, None, false),
            }
        }
        "java.util.PriorityQueue" | "java.util.concurrent.PriorityBlockingQueue" => {
            let a = arr("queue");
            let (s, f) = sized("size", &|| a.map_or(0, |a| non_null(g, a)));
            mk(Queue, s, array_len(g, a), None, f)
        }
        "java.util.concurrent.ArrayBlockingQueue" => {
            let a = arr("items");
            let (s, f) = sized("count", &|| a.map_or(0, |a| non_null(g, a)));
            let cap = array_len(g, a);
            mk(Queue, s, cap, cap, f)
        }
        "java.util.concurrent.LinkedBlockingQueue" => {
            let counted = g
                .ref_field(v, "count")
                .and_then(|c| int_field(g, c, "value"));
            let (s, f) = match counted {
                Some(s) if s >= 0 => (s as u64, true),
                _ => (walk_chain(g, arr("head"), Some("item")), false),
            };
            let bound = int_field(g, v, "capacity")
                .filter(|&c| c > 0 && c < i32::MAX as i64)
                .map(|c| c as u64);
            mk(Queue, s, None, bound, f)
        }
        "java.util.concurrent.LinkedBlockingDeque" => {
            let (s, f) = sized("count", &|| walk_chain(g, arr("first"), Some("item")));
            let bound = int_field(g, v, "capacity")
                .filter(|&c| c > 0 && c < i32::MAX as i64)
                .map(|c| c as u64);
            mk(Deque, s, None, bound, f)
        }
        "java.util.concurrent.ConcurrentLinkedQueue" => mk(
            Queue,
            walk_chain(g, arr("head"), Some("item")),
            None,
            None,
            false,
        ),
        "java.util.concurrent.ConcurrentLinkedDeque" => mk(
            Deque,
            walk_chain(g, arr("head"), Some("item")),
            None,
            None,
            false,
        ),
        "java.util.concurrent.LinkedTransferQueue" => mk(
            Queue,
            walk_chain(g, arr("head"), Some("item")),
            None,
            None,
            false,
        ),
        "java.util.HashMap" | "java.util.WeakHashMap" => {
            let t = arr("table");
            let (s, f) = sized("size", &|| count_table(g, t));
            mk(Map, s, array_len(g, t), None, f)
        }
        // JDK 9+: a Properties keeps its entries in a ConcurrentHashMap (`map`); the
        // Hashtable it extends stays empty.
        "java.util.Hashtable" if g.ref_field(v, "map").is_some() => {
            return wrap("map", Map, false);
        }
        "java.util.Hashtable" => {
            let t = arr("table");
            let (s, f) = sized("count", &|| count_table(g, t));
            mk(Map, s, array_len(g, t), None, f)
        }
        "java.util.IdentityHashMap" => {
            let t = arr("table");
            let (s, f) = sized("size", &|| t.map_or(0, |t| non_null(g, t) / 2));
            mk(Map, s, array_len(g, t).map(|l| l / 2), None, f)
        }
        "java.util.TreeMap" => {
            let (s, f) = sized("size", &|| count_tree(g, arr("root")));
            mk(Map, s, None, None, f)
        }
        // JDK 5–7: `segments`, each a small hash table with its own `count` (MAT: the sum;
        // capacity: the segments' bucket counts).
        "java.util.concurrent.ConcurrentHashMap" if g.ref_field(v, "segments").is_some() => {
            let (mut size, mut cap, mut from_fields) = (0u64, 0u64, true);
            if let Some(segs) = arr("segments") {
                for (seg, _) in g.edges(segs) {
                    let t = g.ref_field(seg, "table");
                    match int_field(g, seg, "count") {
                        Some(c) if c >= 0 => size += c as u64,
                        _ => {
                            from_fields = false;
                            size += count_table(g, t);
                        }
                    }
                    cap += array_len(g, t).unwrap_or(0);
                }
            }
            mk(Map, size, Some(cap), None, from_fields)
        }
        "java.util.concurrent.ConcurrentHashMap" => {
            // JDK 8+: `baseCount` plus the `counterCells` of contended updates.
            let t = arr("table");
            let base = int_field(g, v, "baseCount");
            let cells = g.ref_field(v, "counterCells").map(|c| {
                g.edges(c)
                    .map(|(cell, _)| int_field(g, cell, "value"))
                    .sum::<Option<i64>>()
            });
            let (s, f) = match (base, cells) {
                (Some(b), None) if b >= 0 => (b as u64, true),
                (Some(b), Some(Some(c))) if b + c >= 0 => ((b + c) as u64, true),
                _ => (count_table(g, t), false),
            };
            mk(Map, s, array_len(g, t), None, f)
        }
        "java.util.concurrent.ConcurrentHashMap$Segment" => {
            let t = arr("table");
            let (s, f) = sized("count", &|| count_table(g, t));
            mk(Map, s, array_len(g, t), None, f)
        }
        // Open addressing: one `Entry` (a WeakReference to the ThreadLocal) per used slot.
        "java.lang.ThreadLocal$ThreadLocalMap" => {
            let t = arr("table");
            let (s, f) = sized("size", &|| t.map_or(0, |t| non_null(g, t)));
            mk(Map, s, array_len(g, t), None, f)
        }
        _ => return None,
    })
}

/// Up to `limit` elements of a collection (values for maps, keys for sets), in storage order.
/// Object arrays work too (their non-null elements). See [`entries`] for key/value pairs.
pub(crate) fn sample_elements(g: &HeapGraph, info: &CollectionInfo, limit: usize) -> Vec<Node> {
    let keys = info.keys || info.kind == CollectionKind::Set;
    entries(g, info, limit)
        .into_iter()
        .filter_map(|e| if keys { e.key } else { e.value })
        .collect()
}

/// Reads the collection `v` (see [`collection_info`]); a bare object array as [`array_info`].
/// Its entries: [`entries`].
pub fn extract(g: &HeapGraph, v: Node) -> Option<CollectionInfo> {
    collection_info(g, v).or_else(|| array_info(g, v))
}

/// Follows wrappers (`Collections$*`, `HashSet.map`, …) down to the collection holding data.
pub(crate) fn innermost(g: &HeapGraph, mut v: Node) -> Node {
    for _ in 0..4 {
        let name = g.display_class(v);
        let inner = if name.starts_with("java.util.Collections$") {
            ["c", "m", "list", "s"]
                .iter()
                .find_map(|f| g.ref_field(v, f))
        } else {
            match jdk_ancestor(g, v) {
                Some("java.util.HashSet")
                | Some("java.util.concurrent.ConcurrentHashMap$KeySetView") => {
                    g.ref_field(v, "map")
                }
                Some("java.util.TreeSet") | Some("java.util.Collections$SetFromMap") => {
                    g.ref_field(v, "m")
                }
                Some("java.util.concurrent.CopyOnWriteArraySet") => g.ref_field(v, "al"),
                _ => super::collections_more::view_inner(g, v),
            }
        };
        match inner {
            Some(i) => v = i,
            None => break,
        }
    }
    v
}

/// Info for a bare object array: size = non-null elements, capacity = length.
pub(crate) fn array_info(g: &HeapGraph, v: Node) -> Option<CollectionInfo> {
    if !matches!(g.class(v).kind, ClassKind::ObjectArray) || g.as_class(v).is_some() {
        return None;
    }
    let class = g.display_class(v);
    Some(CollectionInfo {
        node: v,
        class: class.clone(),
        jdk_class: class,
        kind: CollectionKind::Array,
        size: non_null(g, v),
        capacity: Some(g.array_len(v) as u64),
        bound: None,
        size_source: "counted",
        keys: false,
        inner: v,
    })
}
