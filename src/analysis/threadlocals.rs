//! ThreadLocal values held by threads, and the classic leak: a pooled thread keeps a big value
//! in a ThreadLocal whose key (the `ThreadLocal` object) is gone, because `remove()` was never
//! called.
//!
//! A thread's `threadLocals` / `inheritableThreadLocals` is a `ThreadLocal$ThreadLocalMap`
//! whose `table` holds `ThreadLocal$ThreadLocalMap$Entry` objects: a `WeakReference` to the key
//! (`referent`) plus a strong `value`.
//!
//! **Stale entry** (the value can never be read again, yet stays until the thread dies or the
//! map happens to expunge it): the entry's `referent` is null (the key was collected — what a
//! `live` dump shows), or the key is only weakly reachable (reachable from the GC roots only
//! through `Reference.referent` edges; it would be collected at the next GC — what a non-live
//! dump shows).

use super::objread::{field_ref, human_bytes, id_str, StrongReach};
use super::threads::{name_patterns, ThreadInfo};
use crate::graph::{Dominance, HeapGraph, Node, NO_NODE};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One entry of a thread's ThreadLocal map.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadLocalEntry {
    /// Thread name.
    pub thread: String,
    pub thread_object_id: String,
    /// `threadLocals` or `inheritableThreadLocals`.
    pub map: &'static str,
    pub entry_object_id: String,
    /// The `ThreadLocal` (null when collected).
    pub key_object_id: Option<String>,
    pub key_class: Option<String>,
    /// Key collected, or only weakly reachable.
    pub stale: bool,
    pub value_object_id: Option<String>,
    pub value_class: Option<String>,
    pub value_retained: u64,
    #[serde(skip)]
    pub thread_node: Node,
    #[serde(skip)]
    pub key_node: Node,
    #[serde(skip)]
    pub value_node: Node,
}

/// ThreadLocal values of one class and staleness, over all threads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadLocalFinding {
    /// Number of threads holding such a value.
    pub threads: u32,
    /// Name pattern(s) of those threads (`request-worker-*`).
    pub thread_patterns: Vec<String>,
    /// Number of entries.
    pub entries: u32,
    pub value_class: String,
    pub stale: bool,
    /// `total_retained / threads`.
    pub per_thread_retained: u64,
    /// Largest retained size of one value.
    pub max_value_retained: u64,
    /// Sum of the retained sizes of the distinct values.
    pub total_retained: u64,
    /// Worth showing: stale and ≥ 64 KiB in total, or ≥ 1% of the reachable heap.
    pub significant: bool,
    pub explanation: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ThreadLocalReport {
    /// Every entry, largest value first.
    pub entries: Vec<ThreadLocalEntry>,
    /// By value class and staleness, largest total first.
    pub findings: Vec<ThreadLocalFinding>,
}

/// The ThreadLocal entries of one thread. `strong`: strong reachability for the "key only
/// weakly reachable" test; without it only a null key counts as stale (see
/// [`mark_weak_keys_stale`]).
pub(crate) fn entries_of_thread(
    g: &HeapGraph,
    d: &Dominance,
    thread: Node,
    thread_name: &str,
    strong: Option<&StrongReach>,
) -> Vec<ThreadLocalEntry> {
    let mut out = Vec::new();
    for map_field in ["threadLocals", "inheritableThreadLocals"] {
        let Some(map) = g.ref_field(thread, map_field) else {
            continue;
        };
        let Some(table) = field_ref(g, map, "table") else {
            continue;
        };
        if g.class(table).kind == crate::graph::ClassKind::Instance {
            continue;
        }
        for (entry, _) in g.edges(table) {
            let key = field_ref(g, entry, "referent");
            let value = field_ref(g, entry, "value");
            let stale = match key {
                None => true,
                Some(k) => strong.is_some_and(|s| !s.contains(k)),
            };
            out.push(ThreadLocalEntry {
                thread: thread_name.to_string(),
                thread_object_id: id_str(g, thread),
                map: if map_field == "threadLocals" {
                    "threadLocals"
                } else {
                    "inheritableThreadLocals"
                },
                entry_object_id: id_str(g, entry),
                key_object_id: key.map(|k| id_str(g, k)),
                key_class: key.map(|k| g.display_class(k)),
                stale,
                value_object_id: value.map(|v| id_str(g, v)),
                value_class: value.map(|v| g.display_class(v)),
                value_retained: value.map_or(0, |v| d.retained(v)),
                thread_node: thread,
                key_node: key.unwrap_or(NO_NODE),
                value_node: value.unwrap_or(NO_NODE),
            });
        }
    }
    out
}

/// Marks the entries whose key is only weakly reachable as stale (computes strong reachability
/// once, only if some entry has a key). Skips the walk when `paths` (without weak edges) shows
/// every key
/// strongly reachable: its BFS follows a subset of the strong edges (it also leaves out
/// `Finalizer.unfinalized`), so a key it reaches is never stale.
pub(crate) fn mark_weak_keys_stale_with(
    g: &HeapGraph,
    threads: &mut [ThreadInfo],
    paths: Option<&super::PathFinder>,
) {
    let mut keys = threads
        .iter()
        .flat_map(|t| &t.thread_locals)
        .filter(|e| e.key_node != NO_NODE)
        .peekable();
    if keys.peek().is_none() {
        return;
    }
    if let Some(p) = paths.filter(|p| !p.options().include_weak) {
        if keys.all(|e| p.has_path(e.key_node)) {
            return;
        }
    }
    let strong = StrongReach::compute(g);
    for e in threads.iter_mut().flat_map(|t| t.thread_locals.iter_mut()) {
        if e.key_node != NO_NODE && !strong.contains(e.key_node) {
            e.stale = true;
        }
    }
}

/// Every ThreadLocal entry of `threads` (from [`super::threads::threads`]) and the findings.
pub fn thread_local_findings(
    _g: &HeapGraph,
    d: &Dominance,
    threads: &[ThreadInfo],
) -> ThreadLocalReport {
    let mut entries: Vec<ThreadLocalEntry> = threads
        .iter()
        .flat_map(|t| t.thread_locals.iter().cloned())
        .collect();
    entries.sort_by(|a, b| {
        b.value_retained
            .cmp(&a.value_retained)
            .then_with(|| a.thread.cmp(&b.thread))
    });
    let reachable = d.reachable_bytes();

    struct Acc<'a> {
        threads: Vec<Node>,
        names: Vec<&'a str>,
        entries: u32,
        values: HashSet<Node>,
        total: u64,
        max: u64,
    }
    let mut groups: BTreeMap<(&str, bool), Acc> = BTreeMap::new();
    for e in &entries {
        let Some(class) = e.value_class.as_deref() else {
            continue;
        };
        let a = groups.entry((class, e.stale)).or_insert_with(|| Acc {
            threads: Vec::new(),
            names: Vec::new(),
            entries: 0,
            values: HashSet::new(),
            total: 0,
            max: 0,
        });
        if !a.threads.contains(&e.thread_node) {
            a.threads.push(e.thread_node);
            a.names.push(&e.thread);
        }
        a.entries += 1;
        if a.values.insert(e.value_node) {
            a.total += e.value_retained;
        }
        a.max = a.max.max(e.value_retained);
    }
    let mut findings: Vec<ThreadLocalFinding> = groups
        .into_iter()
        .map(|((class, stale), a)| {
            let n = a.threads.len() as u32;
            let per_thread = a.total / n.max(1) as u64;
            let mut patterns: Vec<String> = name_patterns(&a.names);
            patterns.sort();
            patterns.dedup();
            let who = if n == 1 {
                format!("thread {}", a.names[0])
            } else if patterns.len() == 1 {
                format!("{n} threads ({})", patterns[0])
            } else {
                format!("{n} threads")
            };
            let each = if n == 1 { "keeps" } else { "each keep" };
            let amount = if a.entries > n {
                format!("{} (in {} entries)", human_bytes(per_thread), a.entries)
            } else {
                human_bytes(per_thread)
            };
            let explanation = if stale {
                format!(
                    "{who} {each} {amount} of {class} in a ThreadLocal whose key is gone ({} in total). \
                     The ThreadLocal object was collected but remove() was never called, so the value stays \
                     in the thread's ThreadLocalMap until the thread dies — pooled threads never do. \
                     Call ThreadLocal.remove() in a finally block after use.",
                    human_bytes(a.total)
                )
            } else {
                format!("{who} {each} {amount} of {class} in a ThreadLocal ({} in total).", human_bytes(a.total))
            };
            ThreadLocalFinding {
                threads: n,
                thread_patterns: patterns,
                entries: a.entries,
                value_class: class.to_string(),
                stale,
                per_thread_retained: per_thread,
                max_value_retained: a.max,
                total_retained: a.total,
                significant: (stale && a.total >= 64 * 1024) || (reachable > 0 && a.total * 100 >= reachable),
                explanation,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        b.significant
            .cmp(&a.significant)
            .then(b.total_retained.cmp(&a.total_retained))
            .then_with(|| a.value_class.cmp(&b.value_class))
    });
    ThreadLocalReport { entries, findings }
}
