//! The collections Eclipse MAT's extractors read (`KnownCollectionInfo`) beyond the classic
//! lists, maps and queues of [`super::collections`]: size and entries of
//!
//! - `java.util.ImmutableCollections` (JDK 9+): `List12`/`Set12` (`e0`, `e1`; a one-element
//!   instance holds the class's `EMPTY` sentinel, JDK 15+, or null in `e1`), `ListN`
//!   (`elements`, size = its length), `SetN` (`size`, a probe table with nulls), `Map1`
//!   (`k0`, `v0`), `MapN` (`size`, keys at even and values at odd indices of `table`), and
//!   JDK 9–10's `List0`/`List1`/`List2`/`Set0`/`Set1`/`Set2`/`Map0`;
//! - `ConcurrentSkipListMap` (the base level from `head.node` along `next`: nodes with a key
//!   and a value, JDK 8 `value` or JDK 11+ `val`; a deleted node has no value, a JDK 8 marker
//!   node has itself as value) and `ConcurrentSkipListSet` (its map's keys);
//! - `EnumMap` (`size`; value `i` of `vals` under key `keyUniverse[i]`, the `NULL` sentinel of a
//!   null value read as null) and `RegularEnumSet` (the bits of `elements` over `universe`);
//! - `Collections`' singletons (`element`, `k`/`v`), empties and `nCopies` (`n` × `element`),
//!   `Arrays.asList` (`a`), `ArrayList.subList` (`size` slots from `offset` of the root list's
//!   array), `DelayQueue` (its `PriorityQueue`), `SynchronousQueue` (always empty);
//! - the views of a map (`keySet()`, `values()`, `entrySet()` of `HashMap`, `LinkedHashMap`,
//!   `Hashtable`, `WeakHashMap`, `IdentityHashMap`, `TreeMap`, `ConcurrentHashMap`,
//!   `ConcurrentSkipListMap`, `EnumMap`, `AbstractMap`) and the wrappers MAT lists
//!   (`java.util.jar.Attributes`, `TabularDataSupport`, `SimpleBindings`, `RenderingHints`,
//!   `Properties$EntrySet`, `BeanContextSupport`, `System.getenv()`'s `ProcessEnvironment`
//!   views): read through the map they show.
//!
//! Where MAT differs: it sizes `SetN` by its array's length (the probe table is about twice the
//! set) and `ArrayDeque` as 0 when `tail` is 0 (a deque that wrapped exactly at the end of its
//! array); this module follows the JDK's own `size()` in both. `JumboEnumSet` (more than 64
//! constants) is not read, as in MAT: its bits are a `long[]` whose contents the graph does not
//! keep.

use super::collection_entries::Entry;
use super::collections::{CollectionInfo, CollectionKind, FieldCache, MAX_WALK};
use crate::graph::{HeapGraph, Node, NO_CLASS};
use crate::hprof::Value;

/// What a view or wrapper shows of the collection in its field.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shows {
    Keys,
    Values,
    Entries,
    /// The same collection (a wrapper).
    Same,
}

/// Views and wrappers by exact class name: the field holding the collection, what they show.
const VIEWS: &[(&str, &str, Shows)] = &[
    ("java.util.HashMap$KeySet", "this$0", Shows::Keys),
    ("java.util.HashMap$Values", "this$0", Shows::Values),
    ("java.util.HashMap$EntrySet", "this$0", Shows::Entries),
    (
        "java.util.LinkedHashMap$LinkedKeySet",
        "this$0",
        Shows::Keys,
    ),
    (
        "java.util.LinkedHashMap$LinkedValues",
        "this$0",
        Shows::Values,
    ),
    (
        "java.util.LinkedHashMap$LinkedEntrySet",
        "this$0",
        Shows::Entries,
    ),
    ("java.util.Hashtable$KeySet", "this$0", Shows::Keys),
    (
        "java.util.Hashtable$ValueCollection",
        "this$0",
        Shows::Values,
    ),
    ("java.util.Hashtable$EntrySet", "this$0", Shows::Entries),
    ("java.util.WeakHashMap$KeySet", "this$0", Shows::Keys),
    ("java.util.WeakHashMap$Values", "this$0", Shows::Values),
    ("java.util.WeakHashMap$EntrySet", "this$0", Shows::Entries),
    ("java.util.IdentityHashMap$KeySet", "this$0", Shows::Keys),
    ("java.util.IdentityHashMap$Values", "this$0", Shows::Values),
    (
        "java.util.IdentityHashMap$EntrySet",
        "this$0",
        Shows::Entries,
    ),
    ("java.util.TreeMap$KeySet", "m", Shows::Keys),
    ("java.util.TreeMap$Values", "this$0", Shows::Values),
    ("java.util.TreeMap$EntrySet", "this$0", Shows::Entries),
    (
        "java.util.concurrent.ConcurrentHashMap$ValuesView",
        "map",
        Shows::Values,
    ),
    (
        "java.util.concurrent.ConcurrentHashMap$EntrySetView",
        "map",
        Shows::Entries,
    ),
    (
        "java.util.concurrent.ConcurrentSkipListSet",
        "m",
        Shows::Keys,
    ),
    (
        "java.util.concurrent.ConcurrentSkipListMap$KeySet",
        "m",
        Shows::Keys,
    ),
    (
        "java.util.concurrent.ConcurrentSkipListMap$Values",
        "m",
        Shows::Values,
    ),
    (
        "java.util.concurrent.ConcurrentSkipListMap$EntrySet",
        "m",
        Shows::Entries,
    ),
    ("java.util.EnumMap$KeySet", "this$0", Shows::Keys),
    ("java.util.EnumMap$Values", "this$0", Shows::Values),
    ("java.util.EnumMap$EntrySet", "this$0", Shows::Entries),
    ("java.util.AbstractMap$1", "this$0", Shows::Keys),
    ("java.util.AbstractMap$2", "this$0", Shows::Values),
    ("java.util.Properties$EntrySet", "entrySet", Shows::Same),
    ("java.util.concurrent.DelayQueue", "q", Shows::Same),
    ("java.util.jar.Attributes", "map", Shows::Same),
    (
        "javax.management.openmbean.TabularDataSupport",
        "dataMap",
        Shows::Same,
    ),
    ("javax.script.SimpleBindings", "map", Shows::Same),
    ("java.awt.RenderingHints", "hintmap", Shows::Same),
    // A set of its children: the keys of the `children` HashMap (subclasses too).
    (
        "java.beans.beancontext.BeanContextSupport",
        "children",
        Shows::Keys,
    ),
    // `System.getenv()` and its views (Unix: `StringEnvironment` wraps a map of `Variable` →
    // `Value`, whose entries are read as those objects; Windows: the `Checked*` views).
    (
        "java.lang.ProcessEnvironment$StringEnvironment",
        "m",
        Shows::Same,
    ),
    (
        "java.lang.ProcessEnvironment$StringKeySet",
        "s",
        Shows::Same,
    ),
    (
        "java.lang.ProcessEnvironment$StringEntrySet",
        "s",
        Shows::Same,
    ),
    (
        "java.lang.ProcessEnvironment$StringValues",
        "c",
        Shows::Same,
    ),
    (
        "java.lang.ProcessEnvironment$CheckedKeySet",
        "s",
        Shows::Same,
    ),
    (
        "java.lang.ProcessEnvironment$CheckedEntrySet",
        "s",
        Shows::Same,
    ),
    (
        "java.lang.ProcessEnvironment$CheckedValues",
        "c",
        Shows::Same,
    ),
];

/// The view or wrapper `v` is an instance of (its class or a superclass, as MAT matches).
fn view(g: &HeapGraph, v: Node) -> Option<(&'static str, Shows)> {
    let mut c = g.class_index(v);
    for _ in 0..16 {
        if c == NO_CLASS {
            break;
        }
        let name = g.classes[c as usize].name.as_str();
        if let Some(&(_, f, s)) = VIEWS.iter().find(|(n, _, _)| *n == name) {
            return Some((f, s));
        }
        c = g.classes[c as usize].super_class;
    }
    None
}

/// The collection a view or wrapper shows (for `collections::innermost`).
pub(crate) fn view_inner(g: &HeapGraph, v: Node) -> Option<Node> {
    let (field, _) = view(g, v)?;
    g.ref_field(v, field)
}

fn int_field(g: &HeapGraph, v: Node, name: &str) -> Option<i64> {
    match g.field_value(v, name)? {
        Value::Int(i) => Some(i as i64),
        Value::Long(l) => Some(l),
        _ => None,
    }
}

/// The static `EMPTY` of `java.util.ImmutableCollections` (JDK 15+): what a one-element
/// `List12`/`Set12` holds in `e1`. Only a plain `java.lang.Object` can be it.
fn is_empty_sentinel(g: &HeapGraph, x: Node) -> bool {
    if g.class(x).name != "java.lang.Object" {
        return false;
    }
    let Some(c) = g
        .classes
        .iter()
        .find(|c| c.name == "java.util.ImmutableCollections")
    else {
        return false;
    };
    c.node.index() < g.node_count()
        && g.labelled_edges(c.node).iter().any(|(t, l)| {
            *t == x && matches!(l, crate::graph::EdgeLabel::Static(n) if n == "EMPTY")
        })
}

/// `e0` and, unless it is the `EMPTY` sentinel or null, `e1`.
fn pair12(g: &HeapGraph, v: Node) -> Vec<Node> {
    let mut out: Vec<Node> = g.ref_field(v, "e0").into_iter().collect();
    if let Some(e1) = g.ref_field(v, "e1") {
        if !is_empty_sentinel(g, e1) {
            out.push(e1);
        }
    }
    out
}

/// The base-level nodes of a `ConcurrentSkipListMap` that hold a mapping, at most `limit`.
fn skip_list_nodes(g: &HeapGraph, map: Node, limit: usize) -> Vec<(Node, Node)> {
    let mut out = Vec::new();
    let Some(head) = g.ref_field(map, "head") else {
        return out;
    };
    let (mut next_f, mut key_f) = (FieldCache::new("next"), FieldCache::new("key"));
    let (mut val_f, mut value_f) = (FieldCache::new("val"), FieldCache::new("value"));
    let mut x = g.ref_field(head, "node");
    let mut steps = 0usize;
    while let Some(n) = x {
        if out.len() >= limit || steps >= MAX_WALK {
            break;
        }
        steps += 1;
        let val = val_f.get(g, n).or_else(|| value_f.get(g, n));
        if let (Some(k), Some(val)) = (key_f.get(g, n), val) {
            if val != n {
                out.push((k, val));
            }
        }
        let next = next_f.get(g, n);
        if next == Some(n) {
            break;
        }
        x = next;
    }
    out
}

/// Elements of an object array by index, `0..len` (nulls as `None`), at most `limit`. Trailing
/// nulls past the last element are capped at [`MAX_COPIES`] (a crafted length is not a size).
fn by_index(g: &HeapGraph, a: Node, limit: usize) -> Vec<Option<Node>> {
    let last = g.indexed_edges(a).last().map_or(0, |(_, i)| i as usize + 1);
    let n = (g.array_len(a) as usize)
        .min(limit)
        .min(last.saturating_add(MAX_COPIES as usize));
    let mut out = vec![None; n];
    for (t, i) in g.indexed_edges(a) {
        match out.get_mut(i as usize) {
            Some(slot) => *slot = Some(t),
            None => break,
        }
    }
    out
}

/// Entries a `nCopies` list yields at most (its `n` may be 2³¹−1 copies of one element).
const MAX_COPIES: u64 = 1 << 20;

/// Reads `v` if its class is one of this module's; `inner` reads a nested collection (a view's
/// map) as `collections::collection_info` does.
pub(crate) fn info(
    g: &HeapGraph,
    v: Node,
    class: &str,
    inner: &dyn Fn(Node) -> Option<CollectionInfo>,
) -> Option<CollectionInfo> {
    use CollectionKind::*;
    let mk = |kind, size: u64, capacity: Option<u64>, from_field: bool| CollectionInfo {
        node: v,
        class: class.to_string(),
        jdk_class: class.to_string(),
        kind,
        size,
        capacity,
        bound: None,
        size_source: if from_field { "field" } else { "counted" },
        keys: false,
        inner: v,
    };
    if let Some((field, shows)) = view(g, v) {
        let mut i = inner(g.ref_field(v, field)?)?;
        i.node = v;
        i.class = class.to_string();
        i.jdk_class = class.to_string();
        match shows {
            Shows::Keys => {
                i.kind = Set;
                i.keys = true;
            }
            Shows::Values => i.kind = List,
            Shows::Entries => i.kind = Map,
            Shows::Same => {}
        }
        return Some(i);
    }
    let arr = |f: &str| g.ref_field(v, f);
    let len = |a: Option<Node>| a.map(|a| g.array_len(a) as u64);
    let non_null = |a: Option<Node>| a.map_or(0, |a| g.edges(a).count() as u64);
    let sized = |f: &str, counted: &dyn Fn() -> u64| match int_field(g, v, f) {
        Some(s) if s >= 0 => (s as u64, true),
        _ => (counted(), false),
    };
    Some(match class {
        "java.util.ImmutableCollections$List12" => mk(List, pair12(g, v).len() as u64, None, false),
        "java.util.ImmutableCollections$Set12" => mk(Set, pair12(g, v).len() as u64, None, false),
        "java.util.ImmutableCollections$List0"
        | "java.util.Collections$EmptyList"
        | "java.util.concurrent.SynchronousQueue" => mk(
            if class.ends_with("Queue") {
                Queue
            } else {
                List
            },
            0,
            None,
            true,
        ),
        "java.util.ImmutableCollections$Set0" | "java.util.Collections$EmptySet" => {
            mk(Set, 0, None, true)
        }
        "java.util.ImmutableCollections$Map0" | "java.util.Collections$EmptyMap" => {
            mk(Map, 0, None, true)
        }
        "java.util.ImmutableCollections$List1" | "java.util.ImmutableCollections$List2" => mk(
            List,
            (arr("e0").is_some() as u64) + (arr("e1").is_some() as u64),
            None,
            false,
        ),
        "java.util.ImmutableCollections$Set1" | "java.util.ImmutableCollections$Set2" => mk(
            Set,
            (arr("e0").is_some() as u64) + (arr("e1").is_some() as u64),
            None,
            false,
        ),
        "java.util.ImmutableCollections$ListN" | "java.util.Arrays$ArrayList" => {
            let a = arr(if class.ends_with("ListN") {
                "elements"
            } else {
                "a"
            });
            let n = len(a).unwrap_or(0);
            mk(List, n, Some(n), true)
        }
        "java.util.ImmutableCollections$SetN" => {
            let a = arr("elements");
            let (s, f) = sized("size", &|| non_null(a));
            mk(Set, s, len(a), f)
        }
        "java.util.ImmutableCollections$Map1" => mk(Map, 1, None, true),
        "java.util.ImmutableCollections$MapN" => {
            let t = arr("table");
            let (s, f) = sized("size", &|| non_null(t) / 2);
            mk(Map, s, len(t).map(|l| l / 2), f)
        }
        "java.util.Collections$SingletonList" => mk(List, 1, None, true),
        "java.util.Collections$SingletonSet" => mk(Set, 1, None, true),
        "java.util.Collections$SingletonMap" => mk(Map, 1, None, true),
        "java.util.Collections$CopiesList" => {
            let n = int_field(g, v, "n").filter(|&n| n >= 0)?;
            mk(List, n as u64, None, true)
        }
        "java.util.ArrayList$SubList" => {
            let n = int_field(g, v, "size").filter(|&n| n >= 0)?;
            mk(List, n as u64, None, true)
        }
        "java.util.concurrent.ConcurrentSkipListMap" => mk(
            Map,
            skip_list_nodes(g, v, usize::MAX).len() as u64,
            None,
            false,
        ),
        "java.util.EnumMap" => {
            let a = arr("vals");
            let (s, f) = sized("size", &|| non_null(a));
            mk(Map, s, len(a), f)
        }
        "java.util.RegularEnumSet" => {
            let bits = int_field(g, v, "elements")?;
            let universe = len(arr("universe"));
            mk(Set, (bits as u64).count_ones() as u64, universe, true)
        }
        _ => return None,
    })
}

/// The entries of `v` (the innermost collection: views are already followed) if its class is
/// one of this module's; `None` otherwise.
pub(crate) fn entries(g: &HeapGraph, v: Node, limit: usize) -> Option<Vec<Entry>> {
    let class = g.class(v).name.as_str();
    let element = |t: Option<Node>| Entry {
        key: None,
        value: t,
    };
    let pair = |k: Option<Node>, val: Option<Node>| Entry { key: k, value: val };
    let field = |f: &str| g.ref_field(v, f);
    let mut out: Vec<Entry> = match class {
        "java.util.ImmutableCollections$List12" | "java.util.ImmutableCollections$Set12" => {
            pair12(g, v).into_iter().map(|t| element(Some(t))).collect()
        }
        "java.util.ImmutableCollections$List1"
        | "java.util.ImmutableCollections$List2"
        | "java.util.ImmutableCollections$Set1"
        | "java.util.ImmutableCollections$Set2" => ["e0", "e1"]
            .iter()
            .filter_map(|f| field(f))
            .map(|t| element(Some(t)))
            .collect(),
        "java.util.ImmutableCollections$List0"
        | "java.util.ImmutableCollections$Set0"
        | "java.util.ImmutableCollections$Map0"
        | "java.util.Collections$EmptyList"
        | "java.util.Collections$EmptySet"
        | "java.util.Collections$EmptyMap"
        | "java.util.concurrent.SynchronousQueue" => Vec::new(),
        // Lists may hold nulls (`Arrays.asList`, a `ListN` from `Stream.toList()`): every slot.
        "java.util.ImmutableCollections$ListN" | "java.util.Arrays$ArrayList" => {
            let a = field(if class.ends_with("ListN") {
                "elements"
            } else {
                "a"
            });
            a.map_or_else(Vec::new, |a| {
                by_index(g, a, limit).into_iter().map(element).collect()
            })
        }
        "java.util.ImmutableCollections$SetN" => field("elements").map_or_else(Vec::new, |a| {
            g.edges(a)
                .take(limit)
                .map(|(t, _)| element(Some(t)))
                .collect()
        }),
        "java.util.ImmutableCollections$Map1" => vec![pair(field("k0"), field("v0"))],
        "java.util.ImmutableCollections$MapN" => field("table").map_or_else(Vec::new, |t| {
            let slots = by_index(g, t, usize::MAX);
            slots
                .chunks(2)
                .filter(|kv| kv.iter().any(Option::is_some))
                .take(limit)
                .map(|kv| pair(kv[0], kv.get(1).copied().flatten()))
                .collect()
        }),
        "java.util.Collections$SingletonList" | "java.util.Collections$SingletonSet" => {
            vec![element(field("element"))]
        }
        "java.util.Collections$SingletonMap" => vec![pair(field("k"), field("v"))],
        "java.util.Collections$CopiesList" => {
            let n = match g.field_value(v, "n") {
                Some(Value::Int(n)) if n > 0 => (n as u64).min(MAX_COPIES) as usize,
                _ => 0,
            };
            vec![element(field("element")); n.min(limit)]
        }
        "java.util.ArrayList$SubList" => {
            // JDK 9+: `root` is the ArrayList; JDK 8: the outer list is `this$0`.
            let root = field("root").or_else(|| field("this$0"));
            let a = root.and_then(|r| g.ref_field(r, "elementData"));
            let (off, n) = match (g.field_value(v, "offset"), g.field_value(v, "size")) {
                (Some(Value::Int(o)), Some(Value::Int(n))) if o >= 0 && n >= 0 => {
                    (o as usize, n as usize)
                }
                _ => return Some(Vec::new()),
            };
            a.map_or_else(Vec::new, |a| {
                by_index(g, a, off.saturating_add(n))
                    .into_iter()
                    .skip(off)
                    .map(element)
                    .collect()
            })
        }
        "java.util.concurrent.ConcurrentSkipListMap" => skip_list_nodes(g, v, limit)
            .into_iter()
            .map(|(k, val)| pair(Some(k), Some(val)))
            .collect(),
        "java.util.EnumMap" => {
            let (Some(vals), Some(keys)) = (field("vals"), field("keyUniverse")) else {
                return Some(Vec::new());
            };
            let keys = by_index(g, keys, usize::MAX);
            g.indexed_edges(vals)
                .take(limit)
                .map(|(val, i)| {
                    // `EnumMap.NULL`, an anonymous `Object`, stands for a null value.
                    let null = g.class(val).name == "java.util.EnumMap$1";
                    pair(
                        keys.get(i as usize).copied().flatten(),
                        (!null).then_some(val),
                    )
                })
                .collect()
        }
        "java.util.RegularEnumSet" => {
            let bits = match g.field_value(v, "elements") {
                Some(Value::Long(b)) => b as u64,
                _ => 0,
            };
            let universe = field("universe").map_or_else(Vec::new, |u| by_index(g, u, 64));
            (0..universe.len().min(64))
                .filter(|&i| bits >> i & 1 == 1)
                .map(|i| element(universe[i]))
                .take(limit)
                .collect()
        }
        _ => return None,
    };
    out.truncate(limit);
    Some(out)
}
