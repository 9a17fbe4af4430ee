//! The entries of a collection read by [`super::collections::collection_info`]: key/value node
//! pairs of maps, the elements of lists, sets, queues and arrays, in storage order, for every
//! layout the reader knows (JDK 6 to 25; MAT's collection extractors are the reference):
//!
//! - hash tables: `HashMap`/`LinkedHashMap` (`Entry` or `Node`, JDK 8+ `TreeNode`s through
//!   their `next` chain), `Hashtable`/`Properties`, `WeakHashMap` (the key is the entry's
//!   `referent`), `ConcurrentHashMap` (JDK 8+ `val`, `TreeBin.first`; JDK 5–7 `segments`, each
//!   with its own `table`), `ThreadLocal$ThreadLocalMap` (open addressing: key = the entry's
//!   `referent`, the ThreadLocal);
//! - `IdentityHashMap`: keys at even, values at odd indices of `table`;
//! - `TreeMap`: in order (`left`, `right`);
//! - arrays: `ArrayList`, `Vector`, `CopyOnWriteArrayList`, `PriorityQueue`,
//!   `PriorityBlockingQueue`; circular ones in queue order, from `head`/`takeIndex` to
//!   `tail`/`putIndex`: `ArrayDeque`, `ArrayBlockingQueue`;
//! - linked: `LinkedList` (JDK 7+ `first`, JDK ≤ 6 the ring around `header`), the
//!   `item`-carrying nodes of `LinkedBlockingQueue`/`Deque`, `ConcurrentLinkedQueue`/`Deque`,
//!   `LinkedTransferQueue`.
//!
//! - the classes of [`super::collections_more`] (immutable collections, skip lists, enum maps,
//!   singletons, views of maps).
//!
//! Sets yield their elements as keys; lists, queues and a map's `values()` their elements as
//! values. Walks are bounded and iterative (a corrupt dump can hold
//! cycles; chains can be millions long).

use super::collections::{tree_nodes, CollectionInfo, CollectionKind, FieldCache};
use crate::graph::{ClassKind, HeapGraph, Node};
use crate::hprof::Value;

/// One entry. Lists, queues and arrays: `value` is the element, `key` is `None`. Sets: `key`
/// is the element. Maps: both (either may be null).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: Option<Node>,
    pub value: Option<Node>,
}

/// Steps any one walk may take.
const MAX_STEPS: usize = 50_000_000;

/// Up to `limit` entries of the collection `info` (from `collection_info` or `array_info`).
pub fn entries(g: &HeapGraph, info: &CollectionInfo, limit: usize) -> Vec<Entry> {
    let v = super::collections::innermost(g, info.inner);
    let mut out = Vec::new();
    let jdk = super::collections::jdk_ancestor(g, v).unwrap_or("");
    let field = |f: &str| g.ref_field(v, f);
    let element = |t: Node| Entry {
        key: None,
        value: Some(t),
    };
    match jdk {
        // Lists may hold nulls: the first `size` slots, null ones as `value: None`.
        "java.util.ArrayList" | "java.util.Vector" => {
            list_prefix(g, field("elementData"), info.size, &mut out, limit)
        }
        "java.util.concurrent.CopyOnWriteArrayList" => {
            let a = field("array");
            let n = a.map_or(0, |a| g.array_len(a) as u64);
            list_prefix(g, a, n, &mut out, limit)
        }
        // Circular arrays, in queue order: from `head` (`takeIndex`) to `tail` (`putIndex`),
        // wrapping around the end (MAT's extractor reads them so too).
        "java.util.ArrayDeque" => {
            let (h, t) = (int(g, v, "head"), int(g, v, "tail"));
            circular(g, field("elements"), h, t, false, &mut out, limit)
        }
        "java.util.concurrent.ArrayBlockingQueue" => {
            let (h, t) = (int(g, v, "takeIndex"), int(g, v, "putIndex"));
            let full = int(g, v, "count").is_some_and(|c| c > 0) && h == t;
            circular(g, field("items"), h, t, full, &mut out, limit)
        }
        "java.util.PriorityQueue" | "java.util.concurrent.PriorityBlockingQueue" => {
            from_array(g, field("queue"), &mut out, limit)
        }
        "java.util.LinkedList" => match field("header") {
            // JDK ≤ 6: a ring around the sentinel `header` (whose element is null).
            Some(h) => walk_items(
                g,
                g.ref_field(h, "next"),
                Some(h),
                "element",
                &mut out,
                limit,
            ),
            None => walk_items(g, field("first"), None, "item", &mut out, limit),
        },
        "java.util.concurrent.LinkedBlockingQueue"
        | "java.util.concurrent.LinkedBlockingDeque"
        | "java.util.concurrent.ConcurrentLinkedQueue"
        | "java.util.concurrent.ConcurrentLinkedDeque"
        | "java.util.concurrent.LinkedTransferQueue" => {
            let first = field("first").or_else(|| field("head"));
            walk_items(g, first, None, "item", &mut out, limit)
        }
        "java.util.HashMap"
        | "java.util.Hashtable"
        | "java.util.WeakHashMap"
        | "java.util.concurrent.ConcurrentHashMap$Segment" => {
            from_table(g, field("table"), &mut out, limit)
        }
        "java.util.concurrent.ConcurrentHashMap" => match field("segments") {
            Some(segs) => {
                for (seg, _) in g.edges(segs) {
                    from_table(g, g.ref_field(seg, "table"), &mut out, limit);
                    if out.len() >= limit {
                        break;
                    }
                }
            }
            None => from_table(g, field("table"), &mut out, limit),
        },
        "java.lang.ThreadLocal$ThreadLocalMap" => {
            if let Some(t) = field("table") {
                for (e, _) in g.edges(t).take(limit) {
                    out.push(Entry {
                        key: g.ref_field(e, "referent"),
                        value: g.ref_field(e, "value"),
                    });
                }
            }
        }
        "java.util.IdentityHashMap" => {
            // Keys at 2i, values at 2i + 1 (exact indices: the slot decoder's side table).
            if let Some(t) = field("table") {
                let mut pending: Option<(u32, Node)> = None;
                for (x, i) in g.indexed_edges(t) {
                    if out.len() >= limit {
                        break;
                    }
                    if i % 2 == 0 {
                        if let Some((_, k)) = pending.take() {
                            out.push(Entry {
                                key: Some(k),
                                value: None,
                            });
                        }
                        pending = Some((i, x));
                    } else {
                        match pending.take() {
                            Some((ki, k)) if ki + 1 == i => out.push(Entry {
                                key: Some(k),
                                value: Some(x),
                            }),
                            other => {
                                if let Some((_, k)) = other {
                                    out.push(Entry {
                                        key: Some(k),
                                        value: None,
                                    });
                                }
                                // A value whose key is null: `NULL_KEY` is an object, so
                                // this only happens in a corrupt dump.
                                out.push(Entry {
                                    key: None,
                                    value: Some(x),
                                });
                            }
                        }
                    }
                }
                if let Some((_, k)) = pending {
                    if out.len() < limit {
                        out.push(Entry {
                            key: Some(k),
                            value: None,
                        });
                    }
                }
            }
        }
        "java.util.TreeMap" => {
            for n in tree_nodes(g, field("root"), limit) {
                out.push(Entry {
                    key: g.ref_field(n, "key"),
                    value: g.ref_field(n, "value"),
                });
            }
        }
        _ => {
            if let Some(e) = super::collections_more::entries(g, v, limit) {
                out = e;
            } else if g.class(v).kind == ClassKind::ObjectArray && g.as_class(v).is_none() {
                out.extend(g.edges(v).map(|(t, _)| element(t)).take(limit));
            }
        }
    }
    out.truncate(limit);
    if info.keys {
        // A set backed by a map: its elements are the map's keys.
        for e in &mut out {
            *e = Entry {
                key: e.key,
                value: None,
            };
        }
    } else if info.kind == CollectionKind::Set {
        // A set backed by a list or array (`CopyOnWriteArraySet`): elements as keys.
        for e in &mut out {
            *e = Entry {
                key: e.value.or(e.key),
                value: None,
            };
        }
    } else if info.kind != CollectionKind::Map {
        // A list, queue or array: its elements are values (a map's `values()` view).
        for e in &mut out {
            e.key = None;
        }
    }
    out
}

fn int(g: &HeapGraph, v: Node, name: &str) -> Option<i64> {
    match g.field_value(v, name)? {
        Value::Int(i) => Some(i as i64),
        _ => None,
    }
}

/// The non-null elements of a circular array from `head` up to `tail` (exclusive), wrapping
/// around its end; all of them when `full` (`head == tail` then means full, not empty). Without
/// both indices: every non-null element, in storage order.
fn circular(
    g: &HeapGraph,
    a: Option<Node>,
    head: Option<i64>,
    tail: Option<i64>,
    full: bool,
    out: &mut Vec<Entry>,
    limit: usize,
) {
    let Some(a) = a else { return };
    let (Some(h), Some(t)) = (head, tail) else {
        return from_array(g, Some(a), out, limit);
    };
    let (h, t) = (h.max(0) as u64, t.max(0) as u64);
    let in_range = |i: u64, lo: u64, hi: u64| i >= lo && i < hi;
    let len = g.array_len(a) as u64;
    // (from, to) runs in queue order.
    let runs: [(u64, u64); 2] = if t > h {
        [(h, t), (0, 0)]
    } else if t < h || full {
        [(h, len), (0, t)]
    } else {
        return; // empty
    };
    for (lo, hi) in runs {
        for (x, i) in g.indexed_edges(a) {
            if out.len() >= limit {
                return;
            }
            if in_range(i as u64, lo, hi) {
                out.push(Entry {
                    key: None,
                    value: Some(x),
                });
            }
        }
    }
}

/// The non-null elements of an object array.
fn from_array(g: &HeapGraph, a: Option<Node>, out: &mut Vec<Entry>, limit: usize) {
    if let Some(a) = a {
        let room = limit.saturating_sub(out.len());
        out.extend(g.edges(a).take(room).map(|(t, _)| Entry {
            key: None,
            value: Some(t),
        }));
    }
}

/// Slots `0..n` of a list's array, null ones as `value: None`.
fn list_prefix(g: &HeapGraph, a: Option<Node>, n: u64, out: &mut Vec<Entry>, limit: usize) {
    let Some(a) = a else { return };
    let n = n.min(g.array_len(a) as u64);
    let mut next = 0u64;
    let push_nulls = |upto: u64, out: &mut Vec<Entry>, next: &mut u64| {
        while *next < upto && out.len() < limit {
            out.push(Entry {
                key: None,
                value: None,
            });
            *next += 1;
        }
    };
    for (t, i) in g.indexed_edges(a) {
        let i = i as u64;
        if i >= n || out.len() >= limit {
            break;
        }
        push_nulls(i, out, &mut next);
        if out.len() >= limit {
            return;
        }
        out.push(Entry {
            key: None,
            value: Some(t),
        });
        next = i + 1;
    }
    push_nulls(n, out, &mut next);
}

/// The non-null `item`s of a linked chain from `first` along `next`, stopping at `end` (the
/// sentinel of a ring), at a self-link (a removed node) or at the start again.
fn walk_items(
    g: &HeapGraph,
    first: Option<Node>,
    end: Option<Node>,
    item: &str,
    out: &mut Vec<Entry>,
    limit: usize,
) {
    let (mut next_f, mut item_f) = (FieldCache::new("next"), FieldCache::new(item));
    let mut x = first;
    let mut steps = 0;
    while let Some(n) = x {
        if out.len() >= limit || steps >= MAX_STEPS || Some(n) == end {
            break;
        }
        steps += 1;
        if let Some(it) = item_f.get(g, n) {
            out.push(Entry {
                key: None,
                value: Some(it),
            });
        }
        let next = next_f.get(g, n);
        if next == Some(n) || (next == first && steps > 1) {
            break;
        }
        x = next;
    }
}

/// The entries of a hash table's bins and their `next` chains: key `key` (or `referent`, for
/// weak entries), value `value` (or `val`, ConcurrentHashMap 8+). `TreeBin`s (ConcurrentHashMap
/// 8+) through their `first` chain; forwarding and reservation nodes hold no entry.
fn from_table(g: &HeapGraph, table: Option<Node>, out: &mut Vec<Entry>, limit: usize) {
    let Some(t) = table else { return };
    let mut next_f = FieldCache::new("next");
    for (bin, _) in g.edges(t) {
        let name = &g.class(bin).name;
        if name.ends_with("$ForwardingNode") || name.ends_with("$ReservationNode") {
            continue;
        }
        let mut x = if name.ends_with("$TreeBin") {
            g.ref_field(bin, "first")
        } else {
            Some(bin)
        };
        let mut steps = 0;
        while let Some(n) = x {
            if out.len() >= limit || steps >= MAX_STEPS {
                return;
            }
            steps += 1;
            let key = g.ref_field(n, "key").or_else(|| g.ref_field(n, "referent"));
            let value = g.ref_field(n, "value").or_else(|| g.ref_field(n, "val"));
            out.push(Entry { key, value });
            let next = next_f.get(g, n);
            if next == Some(n) {
                break;
            }
            x = next;
        }
    }
}
