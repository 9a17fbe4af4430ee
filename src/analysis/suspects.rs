//! Leak suspects: Eclipse MAT's method, then the application-level story.
//!
//! **MAT's part.** Threshold: [`THRESHOLD`] (10%) of the reachable heap, and at least
//! [`MIN_SUSPECT_BYTES`] (1 MiB: ours, see there). *Single* suspects:
//! every top-level dominator (child of the super-root) retaining at least the threshold.
//! *Group* suspects: the remaining top-level dominators grouped by class; a class whose
//! members retain at least the threshold together. Both sorted by retained size.
//! *Accumulation point*: for a single suspect, descend the dominator tree to the largest child
//! while child / parent ≥ [`DESCENT_RATIO`] (0.7), stopping at the first big drop; for a group,
//! merge the shortest paths from the GC roots of up to [`GROUP_PATH_LIMIT`] (10,000) members
//! and descend while one node carries more than [`GROUP_COVER`] (80%) of them.
//!
//! **Our changes.**
//! - *Linked structures*: the descent never enters a chain of objects of one class (the
//!   biggest child has its parent's class: `LinkedList$Node`, `LinkedBlockingQueue$Node`,
//!   `ConcurrentLinkedQueue$Node`, `HashMap$Node` bins, nested `Object[]`); it stops at the
//!   chain's owner and the collection reader counts the elements instead.
//! - *Collections, not their arrays*: when the descent ends in the internals of a JDK
//!   collection (its `elementData`/`items`/`table` array or its nodes), the accumulation point
//!   is lifted to the collection itself (repeatedly: `HashSet` → `HashMap` → `table` gives the
//!   `HashSet`), so its element count and capacity can be read.
//! - *Application-level holder* (the rule): on the dominator chain from the top-level
//!   dominator down to the accumulation point, the **holder** is the deepest node strictly
//!   above the accumulation point that is *application-level*: an instance of a class outside
//!   `java.`, `javax.`, `jdk.`, `sun.`, `com.sun.` that is not a class loader, or the class
//!   object of such a class (a static holder); arrays never qualify. The holder's `field` is
//!   the chain of field labels from it to the accumulation point along the shortest path (a
//!   dominator lies on every path, so it is on that one). The **reported suspect**
//!   (`class`/`object_id`/`retained`) is the accumulation point if it is application-level
//!   itself, else the holder, else the top-level dominator. The top-level dominator (MAT's
//!   suspect, e.g. `AppClassLoader`) stays in `dominator`. When the chain has no
//!   application-level node, the holder comes from the shortest path instead: the last
//!   application-level object on it, else the thread of a stack local (`<Java Local> in
//!   frame`), else the accumulation point's direct referrer.
//! - *Threads*: top-level objects of `java.lang.Thread` and all its subclasses form one group
//!   (class `java.lang.Thread`; MAT groups per class), so the threads a suspect counts are the
//!   ones the Threads analysis lists (when every thread is a GC root, the usual case). A group
//!   of threads whose `ThreadLocalMap`s retain most of their size becomes a
//!   `ThreadLocal accumulation` suspect. If the dump has ≥ 1,000 live threads (or ≥ 100 threads
//!   retaining > 30% of the reachable objects) a `thread explosion` group suspect of all live
//!   threads is reported **even below the threshold**, replacing any group suspect of a
//!   `Thread` class.
//! - *JDK class objects*: top-level class objects of JDK classes (their statics: the runtime's
//!   own baseline) are not grouped into a `java.lang.Class` group suspect; application class
//!   objects still are.
//! - *Class loaders*: a non-JDK class loader defining ≥ 1,000 classes is reported as
//!   `class-loader retention` **even below the threshold** (class metadata lives in Metaspace,
//!   outside the heap the threshold measures). These come after the threshold suspects.
//!
//! - *Class-loader leaks*: several live loaders of one class defining same-named classes
//!   ([`super::loader_leak`]), at any share of the heap.
//! - *Unreachable objects* (a dump written at an OutOfMemoryError): when they are ≥ 10% of
//!   the file's bytes and ≥ 1 MiB, a finding names the biggest of them ([`super::oom`]); it
//!   comes first.
//! - *Nothing stands out*: no suspect is the outcome "no leak suspect"; a truncated dump never
//!   has that outcome ([`no_suspect_text`]).
//!
//! Patterns and explanation texts: [`super::patterns`].

use super::collections::{
    array_info, collection_info, sample_elements, CollectionInfo, CollectionKind,
};
use super::histogram;
use super::paths::{hex, Path, PathFinder, PathStep};
use super::patterns::*;
use crate::graph::{ChildIndex, ClassKind, DomPreorder, Dominance, HeapGraph, Node, SizeTable};
use crate::hprof::RootKind;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Fraction of the reachable heap a suspect must retain.
pub(crate) const THRESHOLD: f64 = 0.10;
/// Descend to the biggest dominator-tree child while child / parent ≥ this.
pub(crate) const DESCENT_RATIO: f64 = 0.7;
/// Group accumulation point: a node on more than this fraction of the members' paths.
pub(crate) const GROUP_COVER: f64 = 0.8;
/// Members of a group whose paths are merged.
pub(crate) const GROUP_PATH_LIMIT: usize = 10_000;

/// An object named in a suspect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SizedRef {
    pub object_id: String,
    pub class: String,
    pub retained: u64,
}

/// The application-level object holding the pile, and through which field(s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub object_id: String,
    pub class: String,
    /// Field labels from the holder to the accumulation point (`pendingBatches`, `m_queue`,
    /// `<static> INSTANCE`, `<Java Local> in com.example.X.m(X.java:42)`).
    pub field: String,
}

/// One class of the objects an accumulation point dominates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccumulatedRow {
    pub class: String,
    pub count: u64,
    /// Shallow bytes of those objects.
    pub bytes: u64,
}

/// Element count and capacity of a collection accumulation point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionFacts {
    pub class: String,
    pub kind: CollectionKind,
    pub size: u64,
    pub capacity: Option<u64>,
    pub bound: Option<u64>,
    /// Most common class among (up to 1,000 sampled) elements.
    pub element_class: Option<String>,
}

/// Thread facts of thread-related suspects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadFacts {
    pub threads: u64,
    pub groups: Vec<ThreadGroupRow>,
}

/// What a [`Suspect`] stands for; serialized as the report's `kind` (`single`, `group`,
/// `unreachable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectKind {
    /// One object (MAT's single suspect: a top-level dominator over the threshold).
    Single,
    /// Instances of one class together (MAT's group suspect), also a class-loader leak.
    Group,
    /// Objects no GC root reaches (see [`super::oom`]).
    Unreachable,
}

impl SuspectKind {
    /// The report's name for the kind.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SuspectKind::Single => "single",
            SuspectKind::Group => "group",
            SuspectKind::Unreachable => "unreachable",
        }
    }
}

impl std::fmt::Display for SuspectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A leak suspect (see the module docs for how each field is chosen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suspect {
    /// For [`SuspectKind::Unreachable`] (see [`super::oom`]) the sizes are of the unreachable
    /// objects, and `retained_pct` is their share of all objects in the file.
    pub kind: SuspectKind,
    /// The reported suspect: application-level object for single suspects (else the
    /// top-level dominator), the members' class for groups.
    pub class: String,
    pub object_id: String,
    pub instances: u64,
    pub retained: u64,
    /// Percent of the reachable heap (of the whole file for `unreachable`).
    pub retained_pct: f64,
    /// MAT's suspect: the top-level dominator (singles), the biggest member (groups).
    pub dominator: SizedRef,
    pub accumulation_point: Option<SizedRef>,
    pub holder: Option<Holder>,
    /// Shortest path from a GC root to the accumulation point (else to the suspect), root first.
    pub path_to_root: Vec<PathStep>,
    /// The kind of the path's GC root, serialized as MAT's label; `""` without a path.
    #[serde(
        serialize_with = "RootKind::serialize_label_or_empty",
        deserialize_with = "RootKind::deserialize_label_or_empty"
    )]
    pub root_kind: Option<RootKind>,
    pub root_detail: String,
    /// What the accumulation point dominates (for groups without one: the members and what
    /// they dominate), by class, top 10 by bytes.
    pub accumulated: Vec<AccumulatedRow>,
    pub pattern: LeakPattern,
    pub explanation: String,
    pub collection: Option<CollectionFacts>,
    pub threads: Option<ThreadFacts>,
}

/// What the suspect builders share.
pub(super) struct Cx<'a, 'g> {
    pub(super) g: &'a HeapGraph,
    pub(super) d: &'a Dominance,
    pub(super) paths: &'a PathFinder<'g>,
    /// The dominator subtrees the suspects read (accumulation points, threads).
    pub(super) subtrees: Subtrees<'a>,
    pub(super) total: u64,
    /// Instances and shallow bytes per class, reachable and not (one read of every node, for
    /// the out-of-memory finding and a lone suspect's classes).
    pub(super) totals: histogram::ClassTotals,
}

/// How the suspects read a dominator subtree: as one run of a preorder the caller has already
/// (the report shares the histogram's), or by walking the children index (the page asks for
/// the suspects before any histogram; laying out the whole tree in preorder for the few
/// subtrees they read cost more than the walks: its queue, two passes and scatter over every
/// node, against one pass over the children's starts).
pub(super) enum Subtrees<'a> {
    Preorder(&'a DomPreorder),
    Children(ChildIndex<'a>),
}

impl Subtrees<'_> {
    /// Calls `f` on runs of nodes that together are `t`'s dominator subtree (`t` itself when
    /// `include_top`), in no particular order.
    fn for_each(&self, d: &Dominance, t: Node, include_top: bool, mut f: impl FnMut(&[Node])) {
        match self {
            Subtrees::Preorder(pre) => {
                let sub = pre.subtree(d, t);
                let skip = usize::from(!include_top).min(sub.len());
                f(&sub[skip..]);
            }
            Subtrees::Children(index) => {
                if !d.is_reachable(t) || t == d.super_root() {
                    return;
                }
                if include_top {
                    f(&[t]);
                }
                walk_levels(index, index.children(t).to_vec(), None, &mut f);
            }
        }
    }

    /// Calls `f` on runs of nodes that together are the reachable objects outside `t`'s
    /// dominator subtree, `t` a reachable object, when the subtrees are read by walking the
    /// children index (false, and no call, when they are read as a preorder).
    fn for_each_outside(&self, d: &Dominance, t: Node, mut f: impl FnMut(&[Node])) -> bool {
        let Subtrees::Children(index) = self else {
            return false;
        };
        walk_levels(
            index,
            index.children(d.super_root()).to_vec(),
            Some(t),
            &mut f,
        );
        true
    }

    /// The node count of `t`'s dominator subtree, itself included (0 if unreachable).
    fn count(&self, d: &Dominance, t: Node) -> u64 {
        let mut n = 0;
        self.for_each(d, t, true, |run| n += run.len() as u64);
        n
    }
}

/// Calls `f` on each level of the dominator subtrees below the nodes of `level` (`level`
/// first), leaving out `skip`'s subtree. Level by level: the next level's children runs are
/// known a whole level ahead, so their reads overlap (a stack's next read waits for the last
/// one); and `f` reads a whole level in its own loop, its misses overlapping too. One function
/// (`f` is a `dyn`) for both of [`Subtrees`]' walks, so the page's warm-up, which takes one,
/// gets it optimized for the other.
fn walk_levels(
    index: &ChildIndex,
    mut level: Vec<Node>,
    skip: Option<Node>,
    f: &mut dyn FnMut(&[Node]),
) {
    let mut next = Vec::new();
    while !level.is_empty() {
        if let Some(t) = skip {
            level.retain(|&v| v != t);
        }
        for &v in &level {
            // Runs are a few nodes: a loop, not a `memcpy` call each.
            next.extend(index.children(v).iter().copied());
        }
        f(&level);
        std::mem::swap(&mut level, &mut next);
        next.clear();
    }
}

impl Cx<'_, '_> {
    pub(super) fn obj(&self, v: Node) -> SizedRef {
        SizedRef {
            object_id: hex(self.g.id(v)),
            class: self.g.display_class(v),
            retained: self.d.retained(v),
        }
    }
    pub(super) fn pct(&self, b: u64) -> f64 {
        pct(b, self.total)
    }
    /// `h`, holding the pile through `field`.
    fn holder(&self, h: Node, field: &str) -> Holder {
        Holder {
            object_id: hex(self.g.id(h)),
            class: self.g.display_class(h),
            field: field.to_string(),
        }
    }
}

impl Suspect {
    /// The part every kind of suspect fills alike: what is reported (`class`, the object
    /// `reported`, how many `instances` retaining `retained` bytes, its share), MAT's suspect
    /// `dominator`, and the path from a GC root (`path`, if one was found). The accumulation
    /// point, holder, accumulated classes, pattern, story and facts are the caller's.
    pub(super) fn base(
        cx: &Cx,
        kind: SuspectKind,
        class: String,
        reported: Node,
        (instances, retained): (u64, u64),
        dominator: Node,
        path: Option<&Path>,
    ) -> Suspect {
        Suspect {
            kind,
            class,
            object_id: hex(cx.g.id(reported)),
            instances,
            retained,
            retained_pct: cx.pct(retained),
            dominator: cx.obj(dominator),
            accumulation_point: None,
            holder: None,
            path_to_root: path.map(|p| p.steps.clone()).unwrap_or_default(),
            root_kind: path.map(|p| p.root_kind),
            root_detail: path.map(|p| p.root_detail.clone()).unwrap_or_default(),
            accumulated: Vec::new(),
            // A placeholder: every builder sets the pattern it recognised.
            pattern: LeakPattern::LargeObject,
            explanation: String::new(),
            collection: None,
            threads: None,
        }
    }
}

/// Finds the leak suspects of a dump, biggest first (then below-threshold class-loader
/// findings). `paths` should use the default options (weak references excluded).
pub fn find_suspects(g: &HeapGraph, d: &Dominance, paths: &PathFinder) -> Vec<Suspect> {
    find_suspects_in(g, d, paths, Subtrees::Children(d.child_index()), None)
}

/// [`find_suspects`] given the class totals of `g` and `d` (from
/// [`super::summarize_and_totals`]): one read of every object fewer.
pub fn find_suspects_from_totals(
    g: &HeapGraph,
    d: &Dominance,
    paths: &PathFinder,
    totals: histogram::ClassTotals,
) -> Vec<Suspect> {
    find_suspects_in(
        g,
        d,
        paths,
        Subtrees::Children(d.child_index()),
        Some(totals),
    )
}

/// [`find_suspects`] with the dominator tree in preorder and the class totals
/// (`histogram::class_totals`): the report shares the histogram's.
pub(crate) fn find_suspects_with(
    g: &HeapGraph,
    d: &Dominance,
    paths: &PathFinder,
    pre: &DomPreorder,
    totals: histogram::ClassTotals,
) -> Vec<Suspect> {
    find_suspects_in(g, d, paths, Subtrees::Preorder(pre), Some(totals))
}

fn find_suspects_in(
    g: &HeapGraph,
    d: &Dominance,
    paths: &PathFinder,
    subtrees: Subtrees,
    totals: Option<histogram::ClassTotals>,
) -> Vec<Suspect> {
    let total = d.reachable_bytes();
    let mut out = Vec::new();
    if total == 0 {
        return out;
    }
    let cx = Cx {
        g,
        d,
        paths,
        subtrees,
        total,
        totals: totals.unwrap_or_else(|| histogram::class_totals(g, d, &mut |_| {})),
    };
    let threshold = ((total as f64 * THRESHOLD).ceil() as u64).max(MIN_SUSPECT_BYTES);
    let top = d.children(g.super_root());
    let mut groups: HashMap<u32, Vec<Node>> = HashMap::new();
    // The threads form one group, `java.lang.Thread`, of exactly the threads the Threads
    // analysis lists (`threads::thread_nodes`: subclasses, and threads held by another object,
    // included), rather than the top-level instances of one class.
    let is_thread = super::objread::subclasses_of(g, "java.lang.Thread");
    let thread_class = g
        .classes
        .iter()
        .position(|c| c.name == "java.lang.Thread")
        .map(|c| c as u32);
    for &v in top {
        if d.retained(v) >= threshold {
            out.push(single(&cx, v));
        } else if g
            .as_class(v)
            .is_some_and(|c| is_jdk_class_name(&g.classes[c as usize].name))
        {
            // The JDK's own class objects (their statics) are the runtime's baseline, not a
            // group suspect; application classes' statics still group.
            continue;
        } else if thread_class.is_some()
            && g.as_class(v).is_none()
            && is_thread[g.class_index(v) as usize]
        {
            // In the threads' group below.
            continue;
        } else {
            groups.entry(g.class_index(v)).or_default().push(v);
        }
    }
    // Thread explosion first: it absorbs group suspects of Thread classes.
    let threads = live_threads(g, d);
    let thread_objects: u64 = threads.iter().map(|&t| cx.subtrees.count(d, t)).sum();
    let explosion = threads.len() >= THREAD_EXPLOSION_MIN
        || (threads.len() >= 100 && thread_objects as f64 > 0.3 * d.reachable as f64);
    let mut group_list: Vec<(u32, Vec<Node>, u64)> = groups
        .into_iter()
        .map(|(c, m)| {
            let sum = m.iter().map(|&v| d.retained(v)).sum();
            (c, m, sum)
        })
        .collect();
    if let Some(t) = thread_class {
        let members = super::threads::thread_nodes(g, d);
        // Retained without double counting: a thread held inside another thread's subtree
        // is already in that thread's retained size.
        let sum = members
            .iter()
            .filter(|&&v| !inside_another(d, v, &is_thread, g))
            .filter(|&&v| d.retained(v) < threshold)
            .map(|&v| d.retained(v))
            .sum();
        // Threads that alone pass the threshold are single suspects already.
        let members: Vec<Node> = members
            .into_iter()
            .filter(|&v| d.retained(v) < threshold)
            .collect();
        if !members.is_empty() {
            group_list.push((t, members, sum));
        }
    }
    group_list.retain(|e| e.2 >= threshold);
    group_list.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    for (c, members, sum) in group_list {
        let is_thread = !g.classes[c as usize].is_array()
            && super::paths::is_subclass_of(g, c, "java.lang.Thread");
        if explosion && is_thread {
            continue;
        }
        out.push(group(&cx, c, members, sum));
    }
    if explosion {
        out.push(thread_explosion(&cx, &threads));
    }
    out.sort_by(|a, b| {
        b.retained
            .cmp(&a.retained)
            .then(a.object_id.cmp(&b.object_id))
    });
    // Loaders of one class defining the same classes (old deployments), at any size.
    let mut leaks = super::loader_leak::loader_leaks(&cx);
    let leak_loaders: Vec<String> = leaks
        .iter()
        .flat_map(|l| l.loaders.iter().map(|&v| hex(g.id(v))))
        .collect();
    for mut leak in leaks.drain(..) {
        // A threshold suspect holding the leak's class copies becomes part of its story, at
        // its place in the order.
        match out
            .iter()
            .position(|o| super::loader_leak::absorb(&cx, &mut leak, o))
        {
            Some(i) => out[i] = leak.suspect,
            None => out.push(leak.suspect),
        }
    }
    // Class loaders defining many classes, even below the threshold.
    for l in loaders(g) {
        if (l.classes as usize) < LOADER_MIN_CLASSES {
            break;
        }
        if BUILTIN_LOADERS.contains(&g.class(l.node).name.as_str()) || !d.is_reachable(l.node) {
            continue;
        }
        let id = hex(g.id(l.node));
        if leak_loaders.contains(&id) {
            continue;
        }
        if out.iter().any(|s| {
            s.accumulation_point
                .as_ref()
                .is_some_and(|a| a.object_id == id)
        }) {
            continue;
        }
        out.push(loader_suspect(&cx, &l));
    }
    if let Some(u) = super::oom::unreachable_finding(g, d, &cx.totals) {
        out.insert(0, u);
    }
    out
}

/// The "no leak suspect" outcome, in words: what the dump shows when nothing stands out
/// (`biggest`: the biggest top-level dominator's class and retained bytes, `total`: the
/// reachable heap), or, for a dump that was cut (`incomplete`), that nothing can be said
/// about its health.
pub fn no_suspect_text(incomplete: bool, biggest: Option<(&str, u64)>, total: u64) -> String {
    if incomplete {
        return "No leak suspect was found in the part of the dump that could be read. The dump \
                is incomplete (see the warning), so this says nothing about the whole heap: take \
                a complete dump."
            .to_string();
    }
    let big = biggest
        .map(|(c, b)| {
            format!(
                " The biggest single retainer, {c}, holds {}.",
                fmt_bytes_pct(b, pct(b, total))
            )
        })
        .unwrap_or_default();
    format!(
        "No leak suspect: nothing stands out. No object or class retains both {}% of the \
         reachable heap and {}, and no known leak pattern was found.{big}",
        (THRESHOLD * 100.0).round(),
        fmt_size(MIN_SUSPECT_BYTES)
    )
}

/// Dominator-tree descent from `v` (see the module docs); returns the chain `v ..= ap`.
fn descend(cx: &Cx, v: Node) -> Vec<Node> {
    let (g, d) = (cx.g, cx.d);
    let mut chain = vec![v];
    loop {
        let cur = *chain.last().unwrap();
        let Some(&c) = d.children(cur).first() else {
            break;
        };
        if (d.retained(c) as f64) < DESCENT_RATIO * d.retained(cur) as f64 {
            break;
        }
        if same_class_chain(g, cur, c) {
            if chain.len() >= 2 {
                chain.pop();
            }
            break;
        }
        chain.push(c);
    }
    chain
}

fn same_class_chain(g: &HeapGraph, a: Node, b: Node) -> bool {
    g.class_index(a) == g.class_index(b) && g.as_class(a).is_none() && g.as_class(b).is_none()
}

/// Lifts an accumulation point inside a JDK collection's internals to the collection.
fn lift(g: &HeapGraph, chain: &mut Vec<Node>) {
    while chain.len() >= 2 {
        let a = chain[chain.len() - 1];
        let p = chain[chain.len() - 2];
        let internal = g.as_class(a).is_none()
            && (g.class(a).is_array() || is_jdk_class_name(&g.class(a).name));
        if internal
            && collection_info(g, p).is_some()
            && !(collection_info(g, a).is_some() && is_app_level(g, p))
        {
            chain.pop();
        } else {
            break;
        }
    }
}

/// The position of `v` on a path.
fn pos_on(path: &Path, v: Node) -> Option<usize> {
    path.steps.iter().position(|s| s.node == v)
}

/// Holder from a path (when the dominator chain has no application-level node).
fn holder_from_path(cx: &Cx, path: &Path) -> Option<(Node, String, Option<Node>)> {
    let n = path.steps.len();
    if n < 2 {
        return None;
    }
    for i in (0..n - 1).rev() {
        if is_app_level(cx.g, path.steps[i].node) {
            return Some((path.steps[i].node, path.fields_after(i), None));
        }
    }
    if path.steps[1].field == "<Java Local>" {
        let (t, l) = (path.steps[0].node, path.steps[1].node);
        let frame = cx
            .paths
            .local_frame(t, l)
            .map(|f| format!(" in {f}"))
            .unwrap_or_default();
        let mut field = format!("<Java Local>{frame}");
        let rest = path.fields_after(1);
        if !rest.is_empty() {
            field = format!("{field}.{rest}");
        }
        return Some((t, field, Some(l)));
    }
    Some((
        path.steps[n - 2].node,
        path.steps[n - 1].field.clone(),
        None,
    ))
}

/// Histogram of the dominator subtrees of `tops` (`include_tops`: count the tops too), by
/// class (class objects count as `java.lang.Class`).
pub(super) fn accumulated(cx: &Cx, tops: &[Node], include_tops: bool) -> Vec<AccumulatedRow> {
    let g = cx.g;
    let mut by: Vec<(u64, u64)> = vec![(0, 0); g.classes.len()];
    let sizes = g.size_table();
    match tops {
        // One top retaining most of the heap (the usual lone suspect), its subtree read by
        // walking: the subtree is the reachable heap less everything else, and everything else
        // is the shorter walk. A walk reads each node at random; the reachable totals read
        // every node in order.
        [t] if matches!(cx.subtrees, Subtrees::Children(_))
            && *t != cx.d.super_root()
            && cx.d.is_reachable(*t)
            && cx.d.retained(*t) > cx.total / 2 =>
        {
            by = cx.totals.reachable().to_vec();
            cx.subtrees
                .for_each_outside(cx.d, *t, |run| tally(g, &sizes, &mut by, run, u64::MAX));
            if !include_tops {
                tally(g, &sizes, &mut by, &[*t], u64::MAX);
            }
        }
        _ => {
            for &t in tops {
                cx.subtrees.for_each(cx.d, t, include_tops, |run| {
                    tally(g, &sizes, &mut by, run, 1)
                });
            }
        }
    }
    let mut rows: Vec<(u32, u64, u64)> = by
        .into_iter()
        .enumerate()
        .filter(|e| e.1 .0 > 0)
        .map(|(c, (n, b))| (c as u32, n, b))
        .collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    rows.truncate(10);
    rows.into_iter()
        .map(|(c, count, bytes)| AccumulatedRow {
            class: g.classes[c as usize].name.clone(),
            count,
            bytes,
        })
        .collect()
}

/// Counts the nodes of `run` (count, shallow bytes) into `by` by class (`sign` 1), or out of it
/// (`sign` `u64::MAX`: minus one, wrapping). `sizes`: [`HeapGraph::size_table`]. One function
/// for both directions (see [`walk_levels`]).
#[inline(never)]
fn tally(g: &HeapGraph, sizes: &SizeTable, by: &mut [(u64, u64)], run: &[Node], sign: u64) {
    for &v in run {
        let size = g.shallow_by(v, sizes);
        let e = &mut by[g.class_index(v) as usize];
        e.0 = e.0.wrapping_add(sign);
        e.1 = e.1.wrapping_add(size.wrapping_mul(sign));
    }
}

/// `its biggest parts: <static> CUSTOMERS (java.util.HashMap, 166,046 entries, 120.3 MiB,
/// 25.8% of the heap), …` — the dominator-tree children of `v` that retain ≥ 5% of it.
fn biggest_parts(cx: &Cx, v: Node) -> String {
    let (g, d) = (cx.g, cx.d);
    let total = d.retained(v).max(1);
    let mut parts = Vec::new();
    for &c in d.children(v).iter().take(4) {
        let r = d.retained(c);
        if r * 20 < total {
            break;
        }
        let label = match cx.paths.path_nodes(c) {
            Some(p) => match p.iter().position(|&x| x == v) {
                Some(i) => {
                    let steps: Vec<String> = p[i..]
                        .windows(2)
                        .map(|w| cx.paths.edge_label(w[0], w[1]))
                        .collect();
                    let mut s = String::new();
                    for l in steps {
                        if !s.is_empty() && !l.starts_with('[') {
                            s.push('.');
                        }
                        s.push_str(&l);
                    }
                    s
                }
                None => String::new(),
            },
            None => String::new(),
        };
        let size = collection_info(g, c)
            .map(|i| {
                format!(
                    ", {} {}",
                    fmt_count(i.size),
                    if i.kind == CollectionKind::Map {
                        "entries"
                    } else {
                        "elements"
                    }
                )
            })
            .unwrap_or_default();
        let label = if label.is_empty() {
            String::new()
        } else {
            format!("{label} ")
        };
        parts.push(format!(
            "{label}({}{size}, {})",
            g.display_class(c),
            fmt_bytes_pct(r, cx.pct(r))
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; its biggest parts: {}", parts.join(", "))
    }
}

fn collection_facts(g: &HeapGraph, info: &CollectionInfo) -> CollectionFacts {
    let sample = sample_elements(g, info, 1000);
    let mut by: HashMap<u32, u64> = HashMap::new();
    for &e in &sample {
        *by.entry(g.class_index(e)).or_insert(0) += 1;
    }
    let element_class = by
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(c, _)| g.classes[c as usize].name.clone());
    CollectionFacts {
        class: info.class.clone(),
        kind: info.kind,
        size: info.size,
        capacity: info.capacity,
        bound: info.bound,
        element_class,
    }
}

/// A few big primitive arrays directly in an object array: (count, element class, each size).
fn big_arrays(g: &HeapGraph, d: &Dominance, arr: Node) -> Option<(u64, String, u64, u64)> {
    if !matches!(g.class(arr).kind, ClassKind::ObjectArray) || g.as_class(arr).is_some() {
        return None;
    }
    // The big primitive arrays it dominates (other children, e.g. its class object, are small).
    let big: Vec<Node> = d
        .children(arr)
        .iter()
        .copied()
        .filter(|&k| {
            matches!(g.class(k).kind, ClassKind::PrimitiveArray(_))
                && g.shallow(k) >= HUGE_ARRAY_BYTES
        })
        .collect();
    if big.is_empty() || big.len() > 64 {
        return None;
    }
    let sum: u64 = big.iter().map(|&k| g.shallow(k)).sum();
    let len = big.iter().map(|&k| g.array_len(k)).max().unwrap_or(0);
    if (sum as f64) < 0.8 * d.retained(arr) as f64 {
        return None;
    }
    Some((big.len() as u64, g.display_class(big[0]), len as u64, sum))
}

fn single(cx: &Cx, top: Node) -> Suspect {
    let (g, d) = (cx.g, cx.d);
    let mut chain = descend(cx, top);
    lift(g, &mut chain);
    let ap = *chain.last().unwrap();
    let path = cx.paths.shortest_path(ap);
    // Holder: deepest application-level node strictly above the accumulation point.
    let holder_pos = chain[..chain.len() - 1]
        .iter()
        .rposition(|&v| is_app_level(g, v));
    let mut holder: Option<(Node, String, Option<Node>)> = None;
    if let Some(hp) = holder_pos {
        let h = chain[hp];
        let field = path
            .as_ref()
            .and_then(|p| pos_on(p, h).map(|i| p.fields_after(i)))
            .unwrap_or_else(|| cx.paths.edge_label(h, chain[hp + 1]));
        holder = Some((h, field, None));
    } else if let Some(p) = &path {
        holder = holder_from_path(cx, p);
    }
    let reported = if is_app_level(g, ap) {
        ap
    } else if let Some(hp) = holder_pos {
        chain[hp]
    } else {
        top
    };
    let threadlocal = chain
        .iter()
        .any(|&v| g.class(v).name == "java.lang.ThreadLocal$ThreadLocalMap");
    let mut s = Suspect {
        accumulation_point: Some(cx.obj(ap)),
        holder: holder.as_ref().map(|(h, f, _)| cx.holder(*h, f)),
        accumulated: accumulated(cx, &[ap], false),
        ..Suspect::base(
            cx,
            SuspectKind::Single,
            g.display_class(reported),
            reported,
            (1, d.retained(reported)),
            top,
            path.as_ref(),
        )
    };
    let holder_text = holder
        .as_ref()
        .map(|(h, f, l)| holder_phrase(g, cx.paths, *h, f, *l));
    let anchor = path
        .as_ref()
        .map(|p| anchors(cx, p, ap, holder_text.as_deref().unwrap_or("")))
        .unwrap_or_default();
    let ap_pct = cx.pct(d.retained(ap));
    let held_by = holder_text
        .as_ref()
        .map(|h| format!(" held by {h}"))
        .unwrap_or_default();

    if threadlocal {
        let t = chain
            .iter()
            .copied()
            .find(|&v| super::paths::is_subclass_of(g, g.class_index(v), "java.lang.Thread"));
        if let Some(t) = t.filter(|_| g.as_class(top).is_none()) {
            let st = threadlocal_stats(g, d, &[t]);
            s.pattern = LeakPattern::ThreadLocalAccumulation;
            s.explanation = threadlocal_text(cx, &st, 1, d.retained(t));
            s.threads = Some(ThreadFacts {
                threads: 1,
                groups: thread_groups(g, d, &[t]),
            });
            return s;
        }
    }
    if is_loader(g, ap) {
        let classes = g
            .classes
            .iter()
            .filter(|c| c.loader == g.id(ap) && !c.is_array())
            .count() as u64;
        s.pattern = LeakPattern::ClassLoaderRetention;
        s.explanation = format!(
            "{leak}: {}{held_by} defines {} classes and retains {}{anchor}. \
             A class loader lives as long as any of its classes or their instances is reachable; class metadata \
             (Metaspace) comes on top of the heap shown here.",
            loader_label(g, ap),
            fmt_count(classes),
            fmt_bytes_pct(d.retained(ap), ap_pct), leak = LeakPattern::ClassLoaderRetention
        );
        return s;
    }
    let info = collection_info(g, ap).or_else(|| {
        if big_arrays(g, d, ap).is_none() {
            array_info(g, ap)
        } else {
            None
        }
    });
    if let Some(info) = info {
        let facts = collection_facts(g, &info);
        s.explanation = collection_text(&info, &facts, &held_by, ap_pct, d.retained(ap), &anchor);
        s.pattern = if info.is_queue() {
            LeakPattern::QueueBacklog
        } else {
            LeakPattern::CollectionAccumulation
        };
        s.collection = Some(facts);
        return s;
    }
    if let Some((n, class, len, sum)) = big_arrays(g, d, ap) {
        let elem = class.trim_end_matches("[]");
        s.pattern = LeakPattern::HugeArray;
        s.explanation = format!(
            "{leak}: {} × {elem}[{}] of {} each, {} together{held_by} (a {} of length {}){anchor}. \
             Large buffers held together, typical of a buffer pool: check that its size is intended (one dump cannot tell a fixed pool from a growing one).",
            fmt_count(n),
            fmt_count(len),
            fmt_size(sum / n.max(1)),
            fmt_bytes_pct(sum, cx.pct(sum)),
            g.display_class(ap),
            fmt_count(g.array_len(ap) as u64), leak = LeakPattern::HugeArray
        );
        return s;
    }
    if g.class(ap).is_array() && g.as_class(ap).is_none() && g.shallow(ap) * 2 >= d.retained(ap) {
        let elem = g.display_class(ap);
        let elem = elem.trim_end_matches("[]");
        s.pattern = LeakPattern::HugeArray;
        s.explanation = format!(
            "{leak}: {elem}[{}] of {}{held_by}{anchor}.",
            fmt_count(g.array_len(ap) as u64),
            fmt_bytes_pct(g.shallow(ap), cx.pct(g.shallow(ap))),
            leak = LeakPattern::HugeArray
        );
        return s;
    }
    s.pattern = LeakPattern::LargeObject;
    let mostly = s
        .accumulated
        .first()
        .map(|r| {
            format!(
                ", mostly {} ({} objects, {})",
                r.class,
                fmt_count(r.count),
                fmt_size(r.bytes)
            )
        })
        .unwrap_or_default();
    let parts = biggest_parts(cx, ap);
    s.explanation = format!(
        "{leak}: {}{held_by} retains {}{mostly}{parts}{anchor}.",
        g.display_class(ap),
        fmt_bytes_pct(d.retained(ap), ap_pct),
        leak = LeakPattern::LargeObject
    );
    s
}

/// `; reachable from static field …` (plus up to two other static fields / stack locals that
/// also keep `target` alive), leaving out what `holder_text` already says.
fn anchors(cx: &Cx, path: &Path, target: Node, holder_text: &str) -> String {
    let first = anchor_phrase(cx.g, cx.paths, path);
    let mut seen = vec![first.clone()];
    for p in cx.paths.paths(target, 6).iter().skip(1) {
        if let Some(a) = path_anchor(cx.g, cx.paths, p) {
            if !seen.contains(&a) {
                seen.push(a);
            }
        }
        if seen.len() >= 3 {
            break;
        }
    }
    let local_holder = holder_text.starts_with("a local variable");
    let shown: Vec<&String> = seen
        .iter()
        .enumerate()
        .filter(|(i, a)| !holder_text.contains(a.as_str()) && (*i != 0 || !local_holder))
        .map(|(_, a)| a)
        .collect();
    match shown.split_first() {
        None => String::new(),
        Some((f, [])) => format!("; reachable from {f}"),
        Some((f, rest)) => {
            let rest: Vec<&str> = rest.iter().map(|s| s.as_str()).collect();
            format!("; reachable from {f} (also from {})", rest.join(", "))
        }
    }
}

fn collection_text(
    info: &CollectionInfo,
    f: &CollectionFacts,
    held_by: &str,
    pct_heap: f64,
    retained: u64,
    anchor: &str,
) -> String {
    let what = match info.kind {
        CollectionKind::Map => "entries",
        _ => "elements",
    };
    let elem = f
        .element_class
        .as_ref()
        .map(|c| format!("{c}, "))
        .unwrap_or_default();
    let name = if info.class == info.jdk_class || info.class.starts_with("java.") {
        info.class.clone()
    } else {
        format!("{} (a {})", info.class, info.jdk_class)
    };
    let capacity = match (f.bound, f.capacity) {
        (Some(b), _) => format!(
            "; capacity {} ({} full)",
            fmt_count(b),
            fmt_pct(if b == 0 {
                0.0
            } else {
                f.size as f64 * 100.0 / b as f64
            })
        ),
        (None, Some(c)) if info.kind == CollectionKind::Map => {
            format!("; {} hash buckets, no size bound", fmt_count(c))
        }
        (None, Some(c)) => format!("; backing array capacity {}, no size bound", fmt_count(c)),
        (None, None) => "; no size bound".to_string(),
    };
    let full = f.bound.filter(|&b| b > 0 && f.size * 10 >= b * 9).is_some();
    let (pattern, advice) = if info.is_queue() {
        (
            LeakPattern::QueueBacklog,
            if full {
                "A queue this full suggests that its consumer is stalled, slow or disconnected; one dump cannot show the rate, a second one taken later shows whether the backlog moves."
            } else {
                "A backlog this size suggests that its consumer is stalled, slow or disconnected; one dump cannot show the rate, a second one taken later shows whether the backlog moves."
            },
        )
    } else if info.kind == CollectionKind::Array {
        (
            LeakPattern::CollectionAccumulation,
            "An array this size suggests a buffer or table that is not trimmed; one dump cannot show growth, compare with a second dump taken later.",
        )
    } else {
        (
            LeakPattern::CollectionAccumulation,
            "A collection this size suggests an unbounded buffer (e.g. kept for retries while a downstream is down) or a cache without eviction; one dump cannot show growth, compare with a second dump taken later.",
        )
    };
    format!(
        "{pattern}: {name}{held_by} holds {} {what} ({elem}{} of the heap){capacity}. It retains {}{anchor}. {advice}",
        fmt_count(f.size),
        fmt_pct(pct_heap),
        fmt_bytes(retained),
    )
}

fn threadlocal_text(cx: &Cx, st: &ThreadLocalStats, threads: u64, threads_retained: u64) -> String {
    let groups = describe_thread_groups(&st.groups, 3);
    let value = match &st.value_class {
        Some(c) => format!(
            "{} × {c} retaining {} together ({} each on average)",
            fmt_count(st.value_count),
            fmt_bytes(st.value_bytes),
            fmt_bytes(st.value_bytes / st.value_count.max(1))
        ),
        None => format!("{} entries", fmt_count(st.entries)),
    };
    let stale = if st.stale > 0 {
        format!(
            " {} of the {} entries are stale: their ThreadLocal was garbage-collected but remove() was never called, so the values live as long as the (pooled) threads.",
            fmt_count(st.stale),
            fmt_count(st.entries)
        )
    } else {
        " The ThreadLocals are still set: values stay until remove() is called or the thread ends."
            .to_string()
    };
    // One count of threads throughout: those whose maps hold the values, said as a part of the
    // group when only some of them do (on a truncated dump, the others' values may be cut off).
    let heavy = st.threads.max(1).min(threads.max(1));
    let whose = if threads <= 1 {
        "the thread".to_string()
    } else if heavy == threads {
        format!("the {} threads", fmt_count(threads))
    } else {
        format!("{} of the {} threads", fmt_count(heavy), fmt_count(threads))
    };
    let retain = if threads <= 1 {
        "the thread retains".to_string()
    } else {
        format!("together the {} threads retain", fmt_count(threads))
    };
    let cut = if super::summary::is_incomplete(cx.g) {
        " The dump is truncated: these counts cover only the part that could be read; threads \
         and values past the cut are not in them."
    } else {
        ""
    };
    format!(
        "{leak}: the ThreadLocalMaps of {whose} ({groups}) hold {value}; {retain} {}.{stale}{cut}",
        fmt_bytes_pct(threads_retained, cx.pct(threads_retained)),
        leak = LeakPattern::ThreadLocalAccumulation
    )
}

/// Whether a thread other than `v` is on `v`'s dominator chain.
fn inside_another(d: &Dominance, v: Node, is_thread: &[bool], g: &HeapGraph) -> bool {
    let root = g.super_root();
    let mut u = d.idom(v);
    while let Some(x) = u {
        if x == root {
            return false;
        }
        if g.as_class(x).is_none() && is_thread[g.class_index(x) as usize] {
            return true;
        }
        u = d.idom(x);
    }
    false
}

fn group(cx: &Cx, c: u32, mut members: Vec<Node>, sum: u64) -> Suspect {
    let (g, d) = (cx.g, cx.d);
    members.sort_by(|&a, &b| d.retained(b).cmp(&d.retained(a)).then(a.cmp(&b)));
    let biggest = members[0];
    let class = g.classes[c as usize].name.clone();
    let merged = cx.paths.merge_paths(&members, GROUP_PATH_LIMIT);
    let mut ap = merged
        .accumulation_point(GROUP_COVER)
        .map(|i| merged.nodes[i as usize].node);
    // Lift to an owning collection along the path.
    let mut path = ap.and_then(|a| cx.paths.shortest_path(a));
    if let (Some(a), Some(p)) = (ap, &path) {
        let mut chain: Vec<Node> = p.steps.iter().map(|s| s.node).collect();
        lift(g, &mut chain);
        if *chain.last().unwrap() != a {
            ap = chain.last().copied();
            path = ap.and_then(|a| cx.paths.shortest_path(a));
        }
    }
    let path_for = path.clone().or_else(|| cx.paths.shortest_path(biggest));
    let holder = match (ap, &path) {
        (Some(_), Some(p)) => holder_from_path(cx, p),
        _ => None,
    };
    let is_thread = super::paths::is_subclass_of(g, c, "java.lang.Thread");
    let mut s = Suspect {
        accumulation_point: ap.map(|a| cx.obj(a)),
        holder: holder.as_ref().map(|(h, f, _)| cx.holder(*h, f)),
        accumulated: accumulated(cx, &members, true),
        ..Suspect::base(
            cx,
            SuspectKind::Group,
            class.clone(),
            biggest,
            (members.len() as u64, sum),
            biggest,
            path_for.as_ref(),
        )
    };
    if is_thread {
        let st = threadlocal_stats(g, d, &members);
        s.threads = Some(ThreadFacts {
            threads: members.len() as u64,
            groups: thread_groups(g, d, &members),
        });
        if st.map_retained * 2 >= sum && st.map_retained > 0 {
            s.pattern = LeakPattern::ThreadLocalAccumulation;
            s.explanation = threadlocal_text(cx, &st, members.len() as u64, sum);
            return s;
        }
    }
    let held_by = holder
        .as_ref()
        .map(|(h, f, l)| format!(" held by {}", holder_phrase(g, cx.paths, *h, f, *l)))
        .unwrap_or_default();
    if let Some(a) = ap {
        if let Some(info) = collection_info(g, a).or_else(|| array_info(g, a)) {
            let facts = collection_facts(g, &info);
            let anchor = path
                .as_ref()
                .map(|p| anchors(cx, p, a, &held_by))
                .unwrap_or_default();
            s.pattern = if info.is_queue() {
                LeakPattern::QueueBacklog
            } else {
                LeakPattern::CollectionAccumulation
            };
            s.explanation = format!(
                "{}: {} instances of {class} retain {}; {} of them are reached through {}{held_by}, which holds {} {}{anchor}.",
                s.pattern,
                fmt_count(members.len() as u64),
                fmt_bytes_pct(sum, s.retained_pct),
                fmt_count(merged.nodes.iter().find(|n| n.node == a).map_or(0, |n| n.count)),
                info.class,
                fmt_count(facts.size),
                if info.kind == CollectionKind::Map { "entries" } else { "elements" },
            );
            s.collection = Some(facts);
            return s;
        }
    }
    s.pattern = LeakPattern::ManyInstances;
    let through = match ap {
        Some(a) => {
            let anchor = path
                .as_ref()
                .map(|p| anchors(cx, p, a, &held_by))
                .unwrap_or_default();
            format!(
                "; most of them are referenced through {}{held_by}{anchor}",
                g.display_class(a)
            )
        }
        None => match &path_for {
            Some(p) => format!(
                "; no common holder (the biggest is reachable from {})",
                anchor_phrase(g, cx.paths, p)
            ),
            None => String::new(),
        },
    };
    s.explanation = format!(
        "{leak}: {} instances of {class} retain {} together, none dominating another{through}.",
        fmt_count(members.len() as u64),
        fmt_bytes_pct(sum, s.retained_pct),
        leak = LeakPattern::ManyInstances
    );
    s
}

fn thread_explosion(cx: &Cx, threads: &[Node]) -> Suspect {
    let (g, d) = (cx.g, cx.d);
    let mut ts = threads.to_vec();
    ts.sort_by(|&a, &b| d.retained(b).cmp(&d.retained(a)).then(a.cmp(&b)));
    let sum: u64 = ts.iter().map(|&t| d.retained(t)).sum();
    let groups = thread_groups(g, d, &ts);
    // Representative: the biggest thread of the biggest name group.
    let biggest = groups
        .first()
        .and_then(|grp| {
            ts.iter().copied().find(|&t| {
                name_pattern(&super::threads::thread_name(g, t).unwrap_or_default()) == grp.pattern
            })
        })
        .unwrap_or(ts[0]);
    let path = cx.paths.shortest_path(biggest);
    let mut explanation = format!(
        "{leak}: {} live threads: {}. Every thread also has its own native stack outside the Java heap \
         (hundreds of KiB to 1 MiB each), so the process footprint is far above the {} the Thread \
         objects retain. So many threads at once suggests a pool or a connection manager without a bound.",
        fmt_count(ts.len() as u64),
        describe_thread_groups(&groups, 4),
        fmt_bytes_pct(sum, cx.pct(sum)), leak = LeakPattern::ThreadExplosion
    );
    let st = threadlocal_stats(g, d, &ts);
    if st.map_retained * 2 >= sum && st.map_retained > 0 {
        explanation.push(' ');
        explanation.push_str(&threadlocal_text(cx, &st, ts.len() as u64, sum));
    }
    Suspect {
        accumulated: accumulated(cx, &ts, true),
        pattern: LeakPattern::ThreadExplosion,
        explanation,
        threads: Some(ThreadFacts {
            threads: ts.len() as u64,
            groups,
        }),
        ..Suspect::base(
            cx,
            SuspectKind::Group,
            "java.lang.Thread".into(),
            biggest,
            (ts.len() as u64, sum),
            biggest,
            path.as_ref(),
        )
    }
}

fn loader_suspect(cx: &Cx, l: &LoaderInfo) -> Suspect {
    let (g, d) = (cx.g, cx.d);
    let v = l.node;
    let path = cx.paths.shortest_path(v);
    let holder = path.as_ref().and_then(|p| holder_from_path(cx, p));
    let held_by = holder
        .as_ref()
        .map(|(h, f, loc)| format!(", held by {},", holder_phrase(g, cx.paths, *h, f, *loc)))
        .unwrap_or_default();
    let dup = if l.duplicated > 0 {
        format!(
            " {} of them are also defined by another loader (a redeployed or duplicated copy).",
            fmt_count(l.duplicated)
        )
    } else {
        String::new()
    };
    let pkg = if l.main_package.is_empty() {
        String::new()
    } else {
        format!(" (mostly {}.*)", l.main_package)
    };
    let explanation = format!(
        "{leak}: {}{held_by} defines {} classes{pkg} and retains {} on the heap; \
         the classes' metadata lives in Metaspace, outside the heap, so the real cost is higher. A loader and all its \
         classes stay alive while anything references the loader, one of its classes or their instances; \
         see the class loaders view.{dup}",
        loader_label(g, v),
        fmt_count(l.classes),
        fmt_bytes_pct(d.retained(v), cx.pct(d.retained(v))), leak = LeakPattern::ClassLoaderRetention
    );
    Suspect {
        accumulation_point: Some(cx.obj(v)),
        holder: holder.map(|(h, f, _)| cx.holder(h, &f)),
        accumulated: accumulated(cx, &[v], false),
        pattern: LeakPattern::ClassLoaderRetention,
        explanation,
        ..Suspect::base(
            cx,
            SuspectKind::Single,
            g.display_class(v),
            v,
            (1, d.retained(v)),
            top_dominator(d, v),
            path.as_ref(),
        )
    }
}

/// The top-level dominator above `v` (the child of the super-root on its dominator chain).
fn top_dominator(d: &Dominance, mut v: Node) -> Node {
    while let Some(p) = d.idom(v) {
        if p == d.super_root() {
            break;
        }
        v = p;
    }
    v
}
