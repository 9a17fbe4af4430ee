//! Leak patterns and their plain-language explanations.
//!
//! Patterns recognised (the `pattern` string of a [`Suspect`](super::suspects::Suspect)):
//!
//! | pattern | when |
//! |---|---|
//! | `queue backlog` | the accumulation point is a JDK queue/deque (`ArrayBlockingQueue`, `LinkedBlockingQueue`, `ConcurrentLinkedQueue`, `ArrayDeque`, …): element count from its counter (`count`, `size`, `AtomicInteger`), capacity/bound |
//! | `collection accumulation` | the accumulation point is a list, set, map or bare object array: element count and capacity |
//! | `huge array` | the accumulation point is one primitive array taking most of what it retains, or an array of a few (≤ 64) primitive arrays of ≥ 1 MiB each (a buffer pool) |
//! | `ThreadLocal accumulation` | threads whose `ThreadLocalMap`s retain most of their size (a group of pooled threads, or a single thread whose dominator chain runs through its map); counts stale entries (cleared key, `remove()` never called) |
//! | `class-loader retention` | the accumulation point is a class loader, or (reported even below the 10% threshold, since class metadata lives in Metaspace) a non-JDK loader defining ≥ [`LOADER_MIN_CLASSES`] classes |
//! | `class-loader leak` | ≥ [`LOADER_LEAK_MIN`] live loaders of one (non-JDK) class that define classes of the same names: old copies of a redeployed application or plugin (any heap share) |
//! | `unreachable objects` | unreachable objects are ≥ 10% of the file's objects and ≥ [`MIN_SUSPECT_BYTES`]: what a dump written at an OutOfMemoryError keeps (the biggest named) |
//! | `thread explosion` | ≥ [`THREAD_EXPLOSION_MIN`] live threads, or ≥ 100 threads retaining > 30% of the reachable objects |
//! | `large object` / `many instances` | fallbacks for single and group suspects |
//!
//! **Voice.** One dump is one moment: it cannot show growth, rates or what code did. The
//! explanations say what the dump shows (size, share of the heap, holder, element type,
//! fill) and what that suggests ("suggests", "typical of"), never "keeps growing" or "is never
//! removed".
//!
//! Numbers in explanations use thousands separators; sizes are human-readable (KiB/MiB/GiB,
//! binary) followed by the exact byte count.

use crate::analysis::paths::PathFinder;
use crate::analysis::threads::thread_name;
use crate::graph::{Dominance, HeapGraph, Node, NO_NODE};
use crate::hprof::{Id, RootKind, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The leak pattern a [`Suspect`](super::suspects::Suspect) was recognised as (the table
/// above). Serialized as its label (`"queue backlog"`, …), so the report JSON and the web
/// protocol carry the same text as before the kinds were typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LeakPattern {
    #[serde(rename = "queue backlog")]
    QueueBacklog,
    #[serde(rename = "collection accumulation")]
    CollectionAccumulation,
    #[serde(rename = "huge array")]
    HugeArray,
    #[serde(rename = "ThreadLocal accumulation")]
    ThreadLocalAccumulation,
    #[serde(rename = "class-loader retention")]
    ClassLoaderRetention,
    #[serde(rename = "class-loader leak")]
    ClassLoaderLeak,
    #[serde(rename = "unreachable objects")]
    UnreachableObjects,
    #[serde(rename = "thread explosion")]
    ThreadExplosion,
    #[serde(rename = "large object")]
    LargeObject,
    #[serde(rename = "many instances")]
    ManyInstances,
}

impl LeakPattern {
    /// Every pattern, in the order of the table above.
    pub const ALL: [LeakPattern; 10] = [
        LeakPattern::QueueBacklog,
        LeakPattern::CollectionAccumulation,
        LeakPattern::HugeArray,
        LeakPattern::ThreadLocalAccumulation,
        LeakPattern::ClassLoaderRetention,
        LeakPattern::ClassLoaderLeak,
        LeakPattern::UnreachableObjects,
        LeakPattern::ThreadExplosion,
        LeakPattern::LargeObject,
        LeakPattern::ManyInstances,
    ];

    /// The label shown in reports and serialized (`"huge array"`).
    pub const fn label(self) -> &'static str {
        match self {
            LeakPattern::QueueBacklog => "queue backlog",
            LeakPattern::CollectionAccumulation => "collection accumulation",
            LeakPattern::HugeArray => "huge array",
            LeakPattern::ThreadLocalAccumulation => "ThreadLocal accumulation",
            LeakPattern::ClassLoaderRetention => "class-loader retention",
            LeakPattern::ClassLoaderLeak => "class-loader leak",
            LeakPattern::UnreachableObjects => "unreachable objects",
            LeakPattern::ThreadExplosion => "thread explosion",
            LeakPattern::LargeObject => "large object",
            LeakPattern::ManyInstances => "many instances",
        }
    }

    /// A class-loader finding (retention or leak): such suspects list the loader's classes.
    pub const fn is_class_loader(self) -> bool {
        matches!(
            self,
            LeakPattern::ClassLoaderRetention | LeakPattern::ClassLoaderLeak
        )
    }
}

impl std::fmt::Display for LeakPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Bytes a suspect must retain besides MAT's 10% of the reachable heap. On a heap of a few MiB
/// 10% is the JDK's own baseline (`System`'s print streams, the launcher's class loader), not
/// something that can exhaust memory; a MiB is more than any single JDK structure of an idle
/// JVM. Does not apply to the patterns reported below the threshold (threads, class loaders).
pub const MIN_SUSPECT_BYTES: u64 = 1 << 20;
/// Live loaders of one class defining same-named classes from which they are a leak.
pub(crate) const LOADER_LEAK_MIN: usize = 3;
/// Live threads from which a dump is a thread explosion.
pub(crate) const THREAD_EXPLOSION_MIN: usize = 1_000;
/// Classes a non-JDK class loader must define to be reported below the heap threshold.
pub(crate) const LOADER_MIN_CLASSES: usize = 1_000;
/// A primitive array at least this big counts as "huge" inside a buffer pool.
pub(crate) const HUGE_ARRAY_BYTES: u64 = 1 << 20;

// ---- formatting -----------------------------------------------------------------------------

/// `84000` → `84,000`.
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `8408040` → `8.0 MiB` (binary units, one decimal; bytes below 1 KiB).
pub fn fmt_size(b: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// `8.0 MiB (8,408,040 bytes)`.
pub fn fmt_bytes(b: u64) -> String {
    if b < 1024 {
        return format!("{} bytes", fmt_count(b));
    }
    format!("{} ({} bytes)", fmt_size(b), fmt_count(b))
}

/// `8.0 MiB (8,408,040 bytes, 84.1% of the heap)`.
pub(crate) fn fmt_bytes_pct(b: u64, pct: f64) -> String {
    if b < 1024 {
        return format!("{} bytes ({} of the heap)", fmt_count(b), fmt_pct(pct));
    }
    format!(
        "{} ({} bytes, {} of the heap)",
        fmt_size(b),
        fmt_count(b),
        fmt_pct(pct)
    )
}

/// `84.1%`.
pub(crate) fn fmt_pct(p: f64) -> String {
    format!("{p:.1}%")
}

pub(crate) fn pct(part: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        ((part as f64 * 1000.0 / total as f64).round()) / 10.0
    }
}

// ---- application vs infrastructure ----------------------------------------------------------

pub(crate) use crate::graph::is_jdk_class_name;

/// Whether class index `c` is `java.lang.ClassLoader` or a subclass.
pub(crate) fn is_loader_class(g: &HeapGraph, c: u32) -> bool {
    super::paths::is_subclass_of(g, c, "java.lang.ClassLoader")
}

/// Whether `v` is an application-level object: an instance of a non-JDK class that is not a
/// class loader, or the class object of such a class (a static holder). Arrays never are.
pub(crate) fn is_app_level(g: &HeapGraph, v: Node) -> bool {
    if v.index() >= g.node_count() {
        return false;
    }
    if let Some(ci) = g.as_class(v) {
        let c = &g.classes[ci as usize];
        return !c.is_array() && !is_jdk_class_name(&c.name) && !is_loader_class(g, ci);
    }
    let c = g.class(v);
    !c.is_array() && !is_jdk_class_name(&c.name) && !is_loader_class(g, g.class_index(v))
}

/// Whether `v` is a class loader instance.
pub(crate) fn is_loader(g: &HeapGraph, v: Node) -> bool {
    g.as_class(v).is_none() && is_loader_class(g, g.class_index(v))
}

// ---- threads --------------------------------------------------------------------------------

/// Live threads: the objects of ROOT THREAD OBJECT records (falling back to the instances of
/// `java.lang.Thread` and subclasses when a dump has none), reachable ones only.
pub fn live_threads(g: &HeapGraph, d: &Dominance) -> Vec<Node> {
    let mut t: Vec<Node> = g
        .roots
        .iter()
        .filter(|r| r.kind == RootKind::ThreadObject && d.is_reachable(r.node))
        .map(|r| r.node)
        .collect();
    t.sort_unstable();
    t.dedup();
    if t.is_empty() {
        let thread_classes: Vec<bool> = (0..g.classes.len())
            .map(|c| super::paths::is_subclass_of(g, c as u32, "java.lang.Thread"))
            .collect();
        t = g
            .nodes()
            .filter(|&v| {
                g.as_class(v).is_none()
                    && thread_classes[g.class_index(v) as usize]
                    && d.is_reachable(v)
            })
            .collect();
    }
    t
}

/// `pool-7-thread-12` → `pool-7-thread-*` (a trailing number becomes `*`).
pub(crate) fn name_pattern(name: &str) -> String {
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if trimmed.len() < name.len() && !trimmed.is_empty() {
        format!("{trimmed}*")
    } else {
        name.to_string()
    }
}

/// Thread state from `Thread.threadStatus` (JDK 19+: `Thread.holder.threadStatus`), JVMTI
/// bits decoded as `jdk.internal.misc.VM.toThreadState` does.
pub(crate) fn thread_state(g: &HeapGraph, t: Node) -> Option<&'static str> {
    let status = g
        .field_value(t, "threadStatus")
        .or_else(|| g.field_value(g.ref_field(t, "holder")?, "threadStatus"));
    let s = match status? {
        Value::Int(i) => i,
        _ => return None,
    };
    Some(if s & 0x0004 != 0 {
        "RUNNABLE"
    } else if s & 0x0400 != 0 {
        "BLOCKED"
    } else if s & 0x0010 != 0 {
        "WAITING"
    } else if s & 0x0020 != 0 {
        "TIMED_WAITING"
    } else if s & 0x0002 != 0 {
        "TERMINATED"
    } else if s & 0x0001 == 0 {
        "NEW"
    } else {
        "RUNNABLE"
    })
}

/// Threads grouped by name pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadGroupRow {
    /// `pool-7-thread-*`, or the full name of a single thread.
    pub pattern: String,
    pub count: u64,
    /// The most common state in the group (`WAITING`, `BLOCKED`…), when known.
    pub state: Option<String>,
    /// Heap retained by the group's Thread objects.
    pub retained: u64,
}

/// Groups `threads` by [`name_pattern`], largest group first.
pub(crate) fn thread_groups(g: &HeapGraph, d: &Dominance, threads: &[Node]) -> Vec<ThreadGroupRow> {
    let mut by: HashMap<String, (u64, u64, HashMap<&'static str, u64>)> = HashMap::new();
    for &t in threads {
        let name = thread_name(g, t).unwrap_or_else(|| "<unnamed>".into());
        let e = by.entry(name_pattern(&name)).or_default();
        e.0 += 1;
        e.1 += d.retained(t);
        if let Some(s) = thread_state(g, t) {
            *e.2.entry(s).or_insert(0) += 1;
        }
    }
    let mut rows: Vec<ThreadGroupRow> = by
        .into_iter()
        .map(|(pattern, (count, retained, states))| {
            let state = states
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|s| s.0.to_string());
            ThreadGroupRow {
                pattern,
                count,
                state,
                retained,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.pattern.cmp(&b.pattern)));
    rows
}

/// `2,000 pool-7-thread-* (WAITING), 300 OkHttp ConnectionPool-* (BLOCKED), 7 others`.
pub(crate) fn describe_thread_groups(rows: &[ThreadGroupRow], max: usize) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut shown = 0;
    for r in rows.iter().take(max) {
        if r.count < 2 && shown >= 1 && rows.len() > max {
            break;
        }
        let state = r
            .state
            .as_ref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        parts.push(format!("{} {}{state}", fmt_count(r.count), r.pattern));
        shown += 1;
    }
    let rest: u64 = rows.iter().skip(shown).map(|r| r.count).sum();
    if rest > 0 {
        parts.push(format!(
            "{} other{}",
            fmt_count(rest),
            if rest == 1 { "" } else { "s" }
        ));
    }
    parts.join(", ")
}

/// What the `ThreadLocalMap`s of a set of threads hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct ThreadLocalStats {
    /// Threads whose maps retain at least half of what the thread retains (and > 0).
    pub threads: u64,
    /// Bytes retained by the maps (those dominated by their thread).
    pub map_retained: u64,
    pub entries: u64,
    /// Entries whose `ThreadLocal` key (the weak referent) is gone.
    pub stale: u64,
    /// The value class retaining most, its count and retained bytes.
    pub value_class: Option<String>,
    pub value_count: u64,
    pub value_bytes: u64,
    /// Threads of the `threads` count, grouped by name.
    pub groups: Vec<ThreadGroupRow>,
}

/// Inspects `threadLocals` / `inheritableThreadLocals` of each thread. A thread counts (and
/// its entries are inspected) when its maps retain at least half of what the thread retains
/// and at least a tenth of the biggest thread's maps (so `main`'s few small ThreadLocals do not
/// join a pool's leak).
pub(crate) fn threadlocal_stats(
    g: &HeapGraph,
    d: &Dominance,
    threads: &[Node],
) -> ThreadLocalStats {
    let mut st = ThreadLocalStats::default();
    let maps_of = |t: Node| -> Vec<Node> {
        ["threadLocals", "inheritableThreadLocals"]
            .iter()
            .filter_map(|f| g.ref_field(t, f))
            .filter(|&m| d.idom(m) == Some(t))
            .collect()
    };
    let per: Vec<(Node, u64)> = threads
        .iter()
        .map(|&t| (t, maps_of(t).iter().map(|&m| d.retained(m)).sum::<u64>()))
        .collect();
    let max = per.iter().map(|p| p.1).max().unwrap_or(0);
    let mut values: HashMap<u32, (u64, u64)> = HashMap::new();
    let mut heavy = Vec::new();
    for &(t, maps) in &per {
        st.map_retained += maps;
        let tr = d.retained(t);
        if maps == 0 || maps * 2 < tr || maps * 10 < max {
            continue;
        }
        st.threads += 1;
        heavy.push(t);
        for map in maps_of(t) {
            let Some(table) = g.ref_field(map, "table") else {
                continue;
            };
            for (e, _) in g.edges(table) {
                st.entries += 1;
                if matches!(g.field_value(e, "referent"), Some(Value::Object(Id::NULL))) {
                    st.stale += 1;
                }
                if let Some(val) = g.ref_field(e, "value") {
                    let x = values.entry(g.class_index(val)).or_default();
                    x.0 += 1;
                    x.1 += d.retained(val);
                }
            }
        }
    }
    if let Some((&c, &(n, b))) = values
        .iter()
        .max_by(|a, b| a.1 .1.cmp(&b.1 .1).then(b.0.cmp(a.0)))
    {
        st.value_class = Some(g.classes[c as usize].name.clone());
        st.value_count = n;
        st.value_bytes = b;
    }
    st.groups = thread_groups(g, d, &heavy);
    st
}

// ---- class loaders ---------------------------------------------------------------------------

/// The JDK's own loaders (never reported for the number of classes they define).
pub(crate) const BUILTIN_LOADERS: &[&str] = &[
    "jdk.internal.loader.ClassLoaders$AppClassLoader",
    "jdk.internal.loader.ClassLoaders$PlatformClassLoader",
    "jdk.internal.loader.ClassLoaders$BootClassLoader",
    "jdk.internal.reflect.DelegatingClassLoader",
    "sun.misc.Launcher$AppClassLoader",
    "sun.misc.Launcher$ExtClassLoader",
    "sun.reflect.DelegatingClassLoader",
];

/// A class loader and the classes it defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoaderInfo {
    pub node: Node,
    pub classes: u64,
    /// Of those, names another loader defines too (a redeployed copy).
    pub duplicated: u64,
    /// The package most of its classes are in.
    pub main_package: String,
}

/// Loaders by the number of classes they define (instances of `ClassLoader` subclasses that
/// are in the dump), most first.
pub(crate) fn loaders(g: &HeapGraph) -> Vec<LoaderInfo> {
    let mut by_loader: HashMap<Id, Vec<u32>> = HashMap::new();
    let mut loaders_of_name: HashMap<&str, u32> = HashMap::new();
    for (i, c) in g.classes.iter().enumerate() {
        if c.node == NO_NODE || c.loader.is_null() || c.is_array() {
            continue;
        }
        by_loader.entry(c.loader).or_default().push(i as u32);
        *loaders_of_name.entry(c.name.as_str()).or_insert(0) += 1;
    }
    let mut out = Vec::new();
    for (id, classes) in by_loader {
        let Some(node) = g.node_of(id) else { continue };
        let duplicated = classes
            .iter()
            .filter(|&&c| loaders_of_name[g.classes[c as usize].name.as_str()] > 1)
            .count() as u64;
        let mut pk: HashMap<&str, u64> = HashMap::new();
        for &c in &classes {
            *pk.entry(crate::graph::package_of(&g.classes[c as usize].name))
                .or_insert(0) += 1;
        }
        let main_package = pk
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|p| p.0.to_string())
            .unwrap_or_default();
        out.push(LoaderInfo {
            node,
            classes: classes.len() as u64,
            duplicated,
            main_package,
        });
    }
    out.sort_by(|a, b| b.classes.cmp(&a.classes).then(a.node.cmp(&b.node)));
    out
}

/// `java.net.URLClassLoader "agent-loader"`.
pub(crate) fn loader_label(g: &HeapGraph, v: Node) -> String {
    let name = g
        .ref_field(v, "name")
        .and_then(|n| g.string_value(n))
        .map(|s| format!(" \"{s}\""))
        .unwrap_or_default();
    format!("{}{name}", g.display_class(v))
}

// ---- holder phrases --------------------------------------------------------------------------

/// How a holder holds the pile, for sentences: `com.example.Foo.field`,
/// `static field com.example.Foo.INSTANCE`, `a local variable of … in thread "t"`.
pub(crate) fn holder_phrase(
    g: &HeapGraph,
    paths: &PathFinder<'_>,
    holder: Node,
    field: &str,
    local: Option<Node>,
) -> String {
    if let Some(l) = local {
        let frame = paths
            .local_frame(holder, l)
            .map(|f| format!(" of {f}"))
            .unwrap_or_default();
        return format!("a local variable{frame} in {}", paths.thread_label(holder));
    }
    if let Some(ci) = g.as_class(holder) {
        let cname = &g.classes[ci as usize].name;
        if let Some(rest) = field.strip_prefix("<static> ") {
            let (first, tail) = rest.split_once('.').map_or((rest, ""), |(a, b)| (a, b));
            return if tail.is_empty() {
                format!("static field {cname}.{first}")
            } else {
                format!("static field {cname}.{first} (via {tail})")
            };
        }
        return format!("class {cname} ({field})");
    }
    let class = g.display_class(holder);
    if field.is_empty() {
        class
    } else {
        format!("{class}.{field}")
    }
}

/// What anchors a path's target, nearest to the target: the last static field
/// (`static field C.F`) or stack local (`Java Local in frame of thread "t"`) on the path.
pub(crate) fn path_anchor(
    g: &HeapGraph,
    paths: &PathFinder<'_>,
    path: &super::paths::Path,
) -> Option<String> {
    for i in (1..path.steps.len()).rev() {
        let f = &path.steps[i].field;
        let owner = path.steps[i - 1].node;
        if let Some(f) = f.strip_prefix("<static> ") {
            let cname = g
                .as_class(owner)
                .map(|c| g.classes[c as usize].name.clone())?;
            return Some(format!("static field {cname}.{f}"));
        }
        if f == "<Java Local>" {
            let frame = paths
                .local_frame(owner, path.steps[i].node)
                .map(|f| format!(" in {f}"))
                .unwrap_or_default();
            return Some(format!(
                "Java Local{frame} of {}",
                paths.thread_label(owner)
            ));
        }
    }
    None
}

/// What keeps a path's target alive, for sentences: [`path_anchor`], else the root.
pub(crate) fn anchor_phrase(
    g: &HeapGraph,
    paths: &PathFinder<'_>,
    path: &super::paths::Path,
) -> String {
    match path_anchor(g, paths, path) {
        Some(s) => s,
        None => {
            if matches!(
                path.root_kind,
                RootKind::ThreadObject
                    | RootKind::StickyClass
                    | RootKind::JavaFrame
                    | RootKind::JniLocal
                    | RootKind::JniGlobal
            ) {
                path.root_detail.clone()
            } else {
                format!("{} ({})", path.root_detail, path.root_kind)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(84_000), "84,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_size(512), "512 B");
        assert_eq!(fmt_size(8_408_040), "8.0 MiB");
        assert_eq!(fmt_bytes(20_560_160), "19.6 MiB (20,560,160 bytes)");
        assert_eq!(name_pattern("pool-7-thread-12"), "pool-7-thread-*");
        assert_eq!(name_pattern("main"), "main");
        assert_eq!(name_pattern("123"), "123");
        assert!(is_jdk_class_name("java.util.ArrayList"));
        assert!(is_jdk_class_name("class java.lang.System"));
        assert!(is_jdk_class_name("byte[]"));
        assert!(!is_jdk_class_name("com.example.Foo"));
        assert!(!is_jdk_class_name("class com.example.Foo"));
    }
}
