//! Reading JDK collections in a dump: element count, capacity, backing storage, elements.
//!
//! Counts come from the collection's own fields where the graph keeps them (`size`, `count`,
//! `elementCount`, `baseCount`, `AtomicInteger.value` — see `KEEP_FIELDS_OF` in the graph
//! builder); otherwise they are counted: non-null elements of the backing array, nodes of a
//! linked chain (bounded walk), or entries of a hash table's bins. Subclasses of the JDK
//! collections (an application's `MyList extends ArrayList`) are read as their JDK ancestor;
//! `Collections$Synchronized*`, `Collections$Unmodifiable*`, `HashSet`, `TreeSet`,
//! `Collections$SetFromMap` and `ConcurrentHashMap$KeySetView` are read through the collection
//! they wrap.

use crate::graph::{ClassKind, HeapGraph, Node, NO_CLASS};
use crate::hprof::Value;
use serde::Serialize;

/// What kind of container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    pub fn is_queue(&self) -> bool {
        matches!(self.kind, CollectionKind::Queue | CollectionKind::Deque)
    }
}

const MAX_WALK: usize = 50_000_000;

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

/// Target of the object field with reference index `want` of a (non-thread) instance, found by
/// walking its edges without building labels (the edge slot walk of `labelled_edges`).
fn ref_at(g: &HeapGraph, v: Node, want: u32) -> Option<Node> {
    let mut prev: i64 = -1;
    for (t, slot) in g.edges(v) {
        let base = (prev + 1) as u64;
        let mut idx = (base & !0xFF) | slot as u64;
        if idx < base {
            idx += 256;
        }
        prev = idx as i64;
        if idx == want as u64 {
            return Some(t);
        }
        if idx > want as u64 {
            return None;
        }
    }
    None
}

/// Fast field access along a chain of nodes of (usually) one class.
struct FieldCache<'a> {
    name: &'a str,
    class: u32,
    index: Option<u32>,
}

impl<'a> FieldCache<'a> {
    fn new(name: &'a str) -> Self {
        FieldCache {
            name,
            class: u32::MAX,
            index: None,
        }
    }
    fn get(&mut self, g: &HeapGraph, v: Node) -> Option<Node> {
        let c = g.class_index(v);
        if c != self.class {
            self.class = c;
            let info = &g.classes[c as usize];
            let thread = super::paths::is_subclass_of(g, c, "java.lang.Thread");
            self.index = if info.is_array() || g.as_class(v).is_some() || thread {
                None
            } else {
                g.field_slot(c, self.name)
                    .filter(|f| f.ref_index != u32::MAX)
                    .map(|f| f.ref_index)
            };
            if thread {
                return g.ref_field(v, self.name);
            }
        }
        ref_at(g, v, self.index?)
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
fn jdk_ancestor(g: &HeapGraph, v: Node) -> Option<&str> {
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
    "java.util.concurrent.ConcurrentHashMap$KeySetView",
    "java.util.Collections$SetFromMap",
];

/// Whether `v` is a collection this module can read.
pub fn is_collection(g: &HeapGraph, v: Node) -> bool {
    collection_info(g, v).is_some()
}

/// Reads the collection `v`, if it is one (JDK collection, subclass or wrapper).
pub fn collection_info(g: &HeapGraph, v: Node) -> Option<CollectionInfo> {
    info_depth(g, v, 0)
}

fn info_depth(g: &HeapGraph, v: Node, depth: u32) -> Option<CollectionInfo> {
    if depth > 4 || (v as usize) >= g.node_count() {
        return None;
    }
    let class = g.display_class(v);
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
            let (s, f) = sized("size", &|| walk_chain(g, arr("first"), None));
            mk(List, s, None, None, f)
        }
        "java.util.ArrayDeque" => {
            let a = arr("elements");
            mk(
                Deque,
                a.map_or(0, |a| non_null(g, a)),
                array_len(g, a),
                None,
                false,
            )
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
            let (s, f) = sized("size", &|| 0);
            mk(Map, s, None, None, f)
        }
        "java.util.concurrent.ConcurrentHashMap" => {
            let t = arr("table");
            let cells = g.ref_field(v, "counterCells");
            let base = int_field(g, v, "baseCount");
            let (s, f) = match (cells, base) {
                (None, Some(b)) if b >= 0 => (b as u64, true),
                _ => (count_table(g, t), false),
            };
            mk(Map, s, array_len(g, t), None, f)
        }
        _ => return None,
    })
}

/// Up to `limit` elements of a collection (values for maps, keys for sets), in storage order.
/// Object arrays work too (their non-null elements).
pub fn sample_elements(g: &HeapGraph, info: &CollectionInfo, limit: usize) -> Vec<Node> {
    let mut out = Vec::new();
    let v = innermost(g, info.inner);
    let jdk = jdk_ancestor(g, v).unwrap_or("");
    let from_array = |a: Option<Node>, out: &mut Vec<Node>| {
        if let Some(a) = a {
            out.extend(g.edges(a).map(|(t, _)| t).take(limit));
        }
    };
    match jdk {
        "java.util.ArrayList" | "java.util.Vector" => {
            from_array(g.ref_field(v, "elementData"), &mut out)
        }
        "java.util.concurrent.CopyOnWriteArrayList" => {
            from_array(g.ref_field(v, "array"), &mut out)
        }
        "java.util.ArrayDeque" => from_array(g.ref_field(v, "elements"), &mut out),
        "java.util.PriorityQueue" | "java.util.concurrent.PriorityBlockingQueue" => {
            from_array(g.ref_field(v, "queue"), &mut out)
        }
        "java.util.concurrent.ArrayBlockingQueue" => from_array(g.ref_field(v, "items"), &mut out),
        "java.util.LinkedList"
        | "java.util.concurrent.LinkedBlockingQueue"
        | "java.util.concurrent.LinkedBlockingDeque"
        | "java.util.concurrent.ConcurrentLinkedQueue"
        | "java.util.concurrent.ConcurrentLinkedDeque"
        | "java.util.concurrent.LinkedTransferQueue" => {
            let mut x = ["first", "head"].iter().find_map(|f| g.ref_field(v, f));
            let (mut next_f, mut item_f) = (FieldCache::new("next"), FieldCache::new("item"));
            let mut steps = 0;
            while let Some(n) = x {
                if out.len() >= limit || steps > MAX_WALK {
                    break;
                }
                steps += 1;
                if let Some(item) = item_f.get(g, n) {
                    out.push(item);
                }
                let next = next_f.get(g, n);
                if next == Some(n) {
                    break;
                }
                x = next;
            }
        }
        "java.util.HashMap"
        | "java.util.Hashtable"
        | "java.util.WeakHashMap"
        | "java.util.concurrent.ConcurrentHashMap" => {
            let field = if info.keys { "key" } else { "value" };
            if let Some(t) = g.ref_field(v, "table") {
                'bins: for (bin, _) in g.edges(t) {
                    let mut x = Some(bin);
                    if g.class(bin).name.ends_with("$TreeBin") {
                        x = g.ref_field(bin, "first");
                    }
                    let mut steps = 0;
                    while let Some(n) = x {
                        if out.len() >= limit {
                            break 'bins;
                        }
                        steps += 1;
                        if steps > 100_000 {
                            break;
                        }
                        if let Some(e) = g.ref_field(n, field) {
                            out.push(e);
                        }
                        x = g.ref_field(n, "next");
                    }
                }
            }
        }
        "java.util.IdentityHashMap" => {
            if let Some(t) = g.ref_field(v, "table") {
                // Keys at even, values at odd indices; edges carry no index here, take keys
                // and values alike when asked for values (best effort).
                out.extend(g.edges(t).map(|(x, _)| x).take(limit));
            }
        }
        _ => {
            if matches!(g.class(v).kind, ClassKind::ObjectArray) && g.as_class(v).is_none() {
                from_array(Some(v), &mut out);
            }
        }
    }
    out.truncate(limit);
    out
}

/// Follows wrappers (`Collections$*`, `HashSet.map`, …) down to the collection holding data.
fn innermost(g: &HeapGraph, mut v: Node) -> Node {
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
                _ => None,
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
pub fn array_info(g: &HeapGraph, v: Node) -> Option<CollectionInfo> {
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
