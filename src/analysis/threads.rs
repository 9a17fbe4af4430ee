//! Threads: every `java.lang.Thread` instance with its name, state, stack trace, stack locals
//! and ThreadLocals, and a count of threads grouped by name pattern (the "unable to create new
//! native thread" view).
//!
//! Sources in the dump:
//! - fields of the Thread instance: `name` (a `String`; `char[]` in JDK ≤ 8), `daemon`,
//!   `priority`, `threadStatus` (JDK ≤ 18), or the same in `holder` (`Thread$FieldHolder`,
//!   JDK 19+);
//! - ROOT THREAD OBJECT gives the thread serial; the STACK TRACE with that thread serial lists
//!   the frames (top of stack first); each STACK FRAME names method, signature, source file,
//!   line and the class (by LOAD CLASS serial);
//! - ROOT JAVA FRAME / JNI LOCAL records of the thread give the locals of frame `frame`.
//!
//! Frame texts are built once per STACK FRAME record and shared (`Arc<str>`), and a stack
//! trace's frames once per trace: a dump that repeats one frame with a long name many times, or
//! gives thousands of threads one deep trace, costs memory in proportion to its records, not to
//! their product.

use super::objread::{bool_field, id_str, int_field, subclasses_of};
use super::threadlocals::{entries_of_thread, mark_weak_keys_stale_with, ThreadLocalEntry};
use crate::graph::{bounded_class_name, java_class_name, Dominance, HeapGraph, Node, NO_NODE};
use crate::hprof::{Id, RootKind, StackTrace};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// A Java thread state (`java.lang.Thread.State`), decoded from the JVMTI bits of
/// `threadStatus` as `jdk.internal.misc.VM.toThreadState` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ThreadState {
    New,
    Runnable,
    Blocked,
    Waiting,
    TimedWaiting,
    Terminated,
    /// No status field in the dump (e.g. an unknown Thread layout).
    Unknown,
}

impl ThreadState {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadState::New => "NEW",
            ThreadState::Runnable => "RUNNABLE",
            ThreadState::Blocked => "BLOCKED",
            ThreadState::Waiting => "WAITING",
            ThreadState::TimedWaiting => "TIMED_WAITING",
            ThreadState::Terminated => "TERMINATED",
            ThreadState::Unknown => "UNKNOWN",
        }
    }
}

impl std::fmt::Display for ThreadState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// JVMTI thread-state bits (jvmti.h).
const JVMTI_ALIVE: i64 = 0x0001;
const JVMTI_TERMINATED: i64 = 0x0002;
const JVMTI_RUNNABLE: i64 = 0x0004;
const JVMTI_WAITING_INDEFINITELY: i64 = 0x0010;
const JVMTI_WAITING_WITH_TIMEOUT: i64 = 0x0020;
const JVMTI_SLEEPING: i64 = 0x0040;
const JVMTI_IN_OBJECT_WAIT: i64 = 0x0100;
const JVMTI_PARKED: i64 = 0x0200;
const JVMTI_BLOCKED_ON_MONITOR_ENTER: i64 = 0x0400;
const JVMTI_IN_NATIVE: i64 = 0x0040_0000;

/// `jdk.internal.misc.VM.toThreadState`.
pub(crate) fn decode_thread_status(status: i64) -> ThreadState {
    if status & JVMTI_RUNNABLE != 0 {
        ThreadState::Runnable
    } else if status & JVMTI_BLOCKED_ON_MONITOR_ENTER != 0 {
        ThreadState::Blocked
    } else if status & JVMTI_WAITING_INDEFINITELY != 0 {
        ThreadState::Waiting
    } else if status & JVMTI_WAITING_WITH_TIMEOUT != 0 {
        ThreadState::TimedWaiting
    } else if status & JVMTI_TERMINATED != 0 {
        ThreadState::Terminated
    } else if status & JVMTI_ALIVE == 0 {
        ThreadState::New
    } else {
        ThreadState::Runnable
    }
}

/// What the thread is doing beyond its state, from the same bits: `parked`, `sleeping`,
/// `in Object.wait()`, `in native`.
pub(crate) fn thread_status_detail(status: i64) -> Option<&'static str> {
    if status & JVMTI_PARKED != 0 {
        Some("parked")
    } else if status & JVMTI_SLEEPING != 0 {
        Some("sleeping")
    } else if status & JVMTI_IN_OBJECT_WAIT != 0 {
        Some("in Object.wait()")
    } else if status & JVMTI_IN_NATIVE != 0 {
        Some("in native")
    } else {
        None
    }
}

/// An object held by a stack frame (ROOT JAVA FRAME / JNI LOCAL of the thread). Also the
/// protocol's form of a local: the page reads it back (`node` is the worker's and stays there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalRef {
    pub object_id: String,
    pub class: String,
    /// [`RootKind::JavaFrame`] or [`RootKind::JniLocal`], serialized as MAT's label (`Java Local`,
    /// `JNI Local`).
    #[serde(
        serialize_with = "RootKind::serialize_label",
        deserialize_with = "RootKind::deserialize_label"
    )]
    pub kind: RootKind,
    pub shallow: u64,
    pub retained: u64,
    #[serde(skip)]
    pub node: Node,
}

/// One stack frame, top of stack first.
#[derive(Debug, Clone, Serialize)]
pub struct FrameInfo {
    /// Depth in the stack trace (0 = top).
    pub depth: u32,
    /// Method name (`decode`).
    pub method: Arc<str>,
    /// JVM method signature (`()J`), if the dump names one.
    pub signature: Option<Arc<str>>,
    pub source_file: Option<Arc<str>>,
    /// > 0 a line number; -1 unknown, -2 compiled method, -3 native method.
    pub line: i32,
    /// Declaring class, Java form (`com.example.agent.ImageDecoder`).
    pub class: Arc<str>,
    /// `com.example.agent.ImageDecoder.decode(ImageDecoder.java:31)` — as `jstack` prints it.
    pub display: Arc<str>,
    pub locals: Vec<LocalRef>,
}

/// Longest frame text kept (method, signature, source file, class in `display`), in chars.
/// Real ones are far shorter; a crafted dump can name a frame with 64 KB, and a thread's
/// frames are written out once per frame in the JSON report, so a long name would multiply.
const MAX_FRAME_TEXT: usize = 256;

/// `s`, cut at [`MAX_FRAME_TEXT`] chars with an ellipsis.
fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_FRAME_TEXT) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

/// A `java.lang.Thread` instance.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadInfo {
    pub object_id: String,
    /// Thread class (`java.lang.Thread`, or a subclass).
    pub class: String,
    pub name: String,
    pub daemon: bool,
    pub state: ThreadState,
    /// Raw `threadStatus` (JVMTI bits), if present.
    pub thread_status: Option<i64>,
    /// `parked`, `sleeping`, `in Object.wait()`, `in native`.
    pub state_detail: Option<&'static str>,
    pub priority: i32,
    pub shallow: u64,
    pub retained: u64,
    /// The dump lists the thread as a GC root (ROOT THREAD OBJECT): it was alive.
    pub gc_root: bool,
    pub thread_serial: Option<u32>,
    /// Shared between threads with the same stack trace and no locals in it (see the module
    /// doc).
    pub frames: Arc<Vec<FrameInfo>>,
    /// Locals whose frame number is unknown or outside the stack trace.
    pub other_locals: Vec<LocalRef>,
    pub thread_locals: Vec<ThreadLocalEntry>,
    #[serde(skip)]
    pub node: Node,
}

/// Threads with the same name pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadGroupInfo {
    /// The pattern (`pool-7-thread-*`), or the literal name of a thread alone in its group.
    pub pattern: String,
    pub count: u32,
    /// How many of them are daemon threads.
    pub daemon: u32,
    /// Count per state (`WAITING`: 2000).
    pub states: BTreeMap<String, u32>,
    /// Sum of the threads' retained sizes (disjoint: no thread dominates another).
    pub retained: u64,
    /// Up to 3 names, in name order (natural: `-2` before `-10`).
    pub sample_names: Vec<String>,
}

/// Every thread of the dump ([`thread_nodes`]: each reachable instance of `java.lang.Thread`
/// or a subclass), sorted by retained size, largest first.
pub fn threads(g: &HeapGraph, d: &Dominance) -> Vec<ThreadInfo> {
    threads_with(g, d, None)
}

/// [`threads`], given the report's [`PathFinder`] (default options): a ThreadLocal key with a
/// path from a GC root is strongly reachable, so the search for stale keys (a walk of the whole
/// graph) runs only when some key has no path.
pub fn threads_with(
    g: &HeapGraph,
    d: &Dominance,
    paths: Option<&super::PathFinder>,
) -> Vec<ThreadInfo> {
    let nodes = thread_nodes(g, d);
    if nodes.is_empty() {
        return Vec::new();
    }
    let mut ctx = Ctx::new(g);
    let mut out: Vec<ThreadInfo> = nodes.iter().map(|&v| ctx.thread(g, d, v)).collect();
    mark_weak_keys_stale_with(g, &mut out, paths);
    out.sort_by(|a, b| {
        b.retained
            .cmp(&a.retained)
            .then_with(|| natural_cmp(&a.name, &b.name))
            .then(a.node.cmp(&b.node))
    });
    out
}

/// The threads every part of heaplens counts (the Threads list, the summary, thread suspects):
/// the reachable instances of `java.lang.Thread` and its subclasses, in node order. MAT's
/// thread overview lists the same (every instance of `Thread` and subclasses; MAT has
/// discarded unreachable objects). Not only the ROOT THREAD OBJECT records: HotSpot writes
/// none for its hidden threads (compiler threads), and a thread object not started yet is a
/// thread of the heap all the same.
pub(crate) fn thread_nodes(g: &HeapGraph, d: &Dominance) -> Vec<Node> {
    let is_thread = subclasses_of(g, "java.lang.Thread");
    g.nodes()
        .filter(|&v| {
            is_thread[g.class_index(v) as usize] && g.as_class(v).is_none() && d.is_reachable(v)
        })
        .collect()
}

/// Lookups built once for all threads.
struct Ctx<'g> {
    /// Thread node → its ROOT THREAD OBJECT serial.
    serial_of: HashMap<Node, u32>,
    /// Thread serial → stack trace.
    trace_of: HashMap<u32, &'g StackTrace>,
    /// Thread node → its local roots (Java frame / JNI local).
    locals_of: HashMap<Node, Vec<(RootKind, Option<u32>, Node)>>,
    /// LOAD CLASS serial → class name (Java form).
    class_by_serial: HashMap<u32, Arc<str>>,
    /// STACK FRAME id → the frame's texts (without locals), built on first use.
    frame_texts: HashMap<Id, FrameInfo>,
    /// STACK TRACE serial → its frames without locals, built on first use.
    trace_frames: HashMap<u32, Arc<Vec<FrameInfo>>>,
    /// Frames still to give to threads as their own copies (to hold their locals); past it,
    /// threads share their trace's frames and list their locals among `other_locals`. Real
    /// dumps give each thread its own trace and stay far below it.
    frame_budget: usize,
    /// START THREAD: thread object id → name symbol (old hprof agent dumps).
    start_names: HashMap<Id, Id>,
    /// Thread nodes with a ROOT THREAD OBJECT record.
    root_threads: HashSet<Node>,
}

impl<'g> Ctx<'g> {
    fn new(g: &'g HeapGraph) -> Ctx<'g> {
        let mut serial_of = HashMap::new();
        let mut root_threads = HashSet::new();
        let mut locals_of: HashMap<Node, Vec<(RootKind, Option<u32>, Node)>> = HashMap::new();
        for r in &g.roots {
            match r.kind {
                RootKind::ThreadObject => {
                    root_threads.insert(r.node);
                    if let Some(s) = r.thread_serial {
                        serial_of.entry(r.node).or_insert(s);
                    }
                }
                RootKind::JavaFrame | RootKind::JniLocal if r.thread_node != NO_NODE => {
                    locals_of
                        .entry(r.thread_node)
                        .or_default()
                        .push((r.kind, r.frame, r.node));
                }
                _ => {}
            }
        }
        for t in &g.meta.threads {
            if let Some(v) = g.node_of(t.thread_object_id) {
                serial_of.entry(v).or_insert(t.thread_serial);
            }
        }
        // Prefer the trace START THREAD names; otherwise the (non-empty) one with the serial.
        let mut trace_of: HashMap<u32, &StackTrace> = HashMap::new();
        let mut serials: Vec<&u32> = g.meta.traces.keys().collect();
        serials.sort();
        for s in serials {
            let t = &g.meta.traces[s];
            let e = trace_of.entry(t.thread_serial).or_insert(t);
            if e.frame_ids.is_empty() && !t.frame_ids.is_empty() {
                *e = t;
            }
        }
        for st in &g.meta.threads {
            if let Some(t) = g.meta.traces.get(&st.stack_serial) {
                trace_of.insert(st.thread_serial, t);
            }
        }
        // One text per UTF8 symbol, shared by every LOAD CLASS naming it (a crafted dump can
        // point thousands of them at one huge name).
        let mut by_symbol: HashMap<Id, Arc<str>> = HashMap::new();
        let class_by_serial = g
            .meta
            .load_classes
            .iter()
            .map(|l| {
                let name = by_symbol.entry(l.name_id).or_insert_with(|| {
                    Arc::from(java_class_name(&bounded_class_name(g.symbol(l.name_id))))
                });
                (l.serial, name.clone())
            })
            .collect();
        let trace_frames_total: usize = g.meta.traces.values().map(|t| t.frame_ids.len()).sum();
        let start_names = g
            .meta
            .threads
            .iter()
            .map(|t| (t.thread_object_id, t.name_id))
            .collect();
        Ctx {
            serial_of,
            trace_of,
            locals_of,
            class_by_serial,
            start_names,
            root_threads,
            frame_texts: HashMap::new(),
            trace_frames: HashMap::new(),
            frame_budget: trace_frames_total.saturating_mul(2).max(1 << 20),
        }
    }

    /// The texts of STACK FRAME `fid` at `depth` (no locals), shared with every use of it.
    fn frame_text(&mut self, g: &HeapGraph, fid: Id, depth: u32) -> Option<FrameInfo> {
        if let Some(f) = self.frame_texts.get(&fid) {
            return Some(FrameInfo { depth, ..f.clone() });
        }
        let f = g.meta.frames.get(&fid)?;
        let class = self
            .class_by_serial
            .get(&f.class_serial)
            .cloned()
            .unwrap_or_else(|| Arc::from("<unknown class>"));
        let method = clip(g.symbol(f.method_name_id));
        let signature = Some(clip(g.symbol(f.signature_id))).filter(|s| !s.is_empty());
        let source_file = Some(clip(g.symbol(f.source_file_id))).filter(|s| !s.is_empty());
        let location = match f.line {
            -2 => "Compiled frame".to_string(),
            -3 => "Native Method".to_string(),
            l if l > 0 => match &source_file {
                Some(s) => format!("{s}:{l}"),
                None => format!("line {l}"),
            },
            _ => source_file
                .clone()
                .unwrap_or_else(|| "Unknown Source".into()),
        };
        let display = format!("{}.{method}({location})", clip(&class));
        let info = FrameInfo {
            depth,
            method: method.into(),
            signature: signature.map(Arc::from),
            source_file: source_file.map(Arc::from),
            line: f.line,
            class,
            display: display.into(),
            locals: Vec::new(),
        };
        self.frame_texts.insert(fid, info.clone());
        Some(info)
    }

    /// The frames of trace `t` without locals, built once per trace.
    fn frames_of(&mut self, g: &HeapGraph, t: &StackTrace) -> Arc<Vec<FrameInfo>> {
        if let Some(f) = self.trace_frames.get(&t.serial) {
            return f.clone();
        }
        let frames: Vec<FrameInfo> = t
            .frame_ids
            .iter()
            .enumerate()
            .filter_map(|(depth, &fid)| self.frame_text(g, fid, depth as u32))
            .collect();
        let frames = Arc::new(frames);
        self.trace_frames.insert(t.serial, frames.clone());
        frames
    }

    fn thread(&mut self, g: &HeapGraph, d: &Dominance, v: Node) -> ThreadInfo {
        // JDK 19+: daemon, priority and threadStatus live in `holder` (Thread$FieldHolder).
        let holder = g.ref_field(v, "holder");
        let read_int = |name: &str| {
            int_field(g, v, name).or_else(|| holder.and_then(|h| int_field(g, h, name)))
        };
        let status = read_int("threadStatus");
        let daemon =
            bool_field(g, v, "daemon").or_else(|| holder.and_then(|h| bool_field(g, h, "daemon")));
        let priority = read_int("priority").unwrap_or(0) as i32;
        let state = status.map_or(ThreadState::Unknown, decode_thread_status);
        let serial = self.serial_of.get(&v).copied();
        let gc_root = self.root_threads.contains(&v);
        let name = thread_name(g, v)
            .or_else(|| {
                self.start_names
                    .get(&g.id(v))
                    .map(|&s| g.symbol(s).to_string())
                    .filter(|s| !s.is_empty())
            })
            .unwrap_or_else(|| "<unnamed>".to_string());

        let mut locals: Vec<(RootKind, Option<u32>, Node)> =
            self.locals_of.get(&v).cloned().unwrap_or_default();
        locals.sort_by_key(|l| (l.1, l.2));
        locals.dedup();
        let local_ref = |kind: RootKind, node: Node| LocalRef {
            object_id: id_str(g, node),
            class: g.display_class(node),
            kind,
            shallow: g.shallow(node),
            retained: d.retained(node),
            node,
        };
        let trace: Option<&'g StackTrace> = serial.and_then(|s| self.trace_of.get(&s)).copied();
        let n_frames = trace.map_or(0, |t| t.frame_ids.len()) as u32;
        let shared = match trace {
            Some(t) => self.frames_of(g, t),
            None => Arc::new(Vec::new()),
        };
        let in_frames = |l: &(RootKind, Option<u32>, Node)| l.1.is_some_and(|f| f < n_frames);
        // The thread gets its own copy of the frames only to hold its locals, within the budget.
        let own = locals.iter().any(in_frames) && self.frame_budget >= shared.len();
        let frames = if own {
            self.frame_budget -= shared.len();
            let mut by_depth: HashMap<u32, Vec<LocalRef>> = HashMap::new();
            for &(k, f, n) in locals.iter().filter(|l| in_frames(l)) {
                by_depth
                    .entry(f.unwrap_or(0))
                    .or_default()
                    .push(local_ref(k, n));
            }
            Arc::new(
                shared
                    .iter()
                    .map(|f| FrameInfo {
                        locals: by_depth.remove(&f.depth).unwrap_or_default(),
                        ..f.clone()
                    })
                    .collect(),
            )
        } else {
            shared
        };
        let other_locals = locals
            .iter()
            .filter(|l| !own || !in_frames(l))
            .map(|&(k, _, n)| local_ref(k, n))
            .collect();
        let thread_locals = entries_of_thread(g, d, v, &name, None);
        ThreadInfo {
            object_id: id_str(g, v),
            class: g.class(v).name.clone(),
            name,
            daemon: daemon.unwrap_or(false),
            state,
            thread_status: status,
            state_detail: status.and_then(thread_status_detail),
            priority,
            shallow: g.shallow(v),
            retained: d.retained(v),
            gc_root,
            thread_serial: serial,
            frames,
            other_locals,
            thread_locals,
            node: v,
        }
    }
}

/// The name of a thread object: its `name` field, a `String` (JDK 9+) or a `char[]` (JDK ≤ 8;
/// the graph keeps the text of both), else the name of its START THREAD record (hprof agent
/// dumps write one per live thread).
pub fn thread_name(g: &HeapGraph, thread: Node) -> Option<String> {
    if let Some(s) = g.ref_field(thread, "name").and_then(|n| g.string_value(n)) {
        return Some(s.to_string());
    }
    let id = g.id(thread);
    g.meta
        .threads
        .iter()
        .find(|t| t.thread_object_id == id)
        .map(|t| g.symbol(t.name_id))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Compares names with digit runs as numbers (`pool-7-thread-2` < `pool-7-thread-10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let lx = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let ly = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (nx, ny) = (&x[..lx], &y[..ly]);
                let tx = nx
                    .iter()
                    .position(|&c| c != b'0')
                    .map_or(&nx[nx.len()..], |p| &nx[p..]);
                let ty = ny
                    .iter()
                    .position(|&c| c != b'0')
                    .map_or(&ny[ny.len()..], |p| &ny[p..]);
                let o = tx
                    .len()
                    .cmp(&ty.len())
                    .then_with(|| tx.cmp(ty))
                    .then(lx.cmp(&ly));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[lx..];
                y = &y[ly..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

/// `name` with its last run of ASCII digits replaced by `*` (`None` if it has no digit).
fn collapse_last_digits(name: &str) -> Option<String> {
    let b = name.as_bytes();
    let end = b.iter().rposition(|c| c.is_ascii_digit())? + 1;
    let start = b[..end]
        .iter()
        .rposition(|c| !c.is_ascii_digit())
        .map_or(0, |p| p + 1);
    Some(format!("{}*{}", &name[..start], &name[end..]))
}

/// `name` with every run of ASCII digits replaced by `*`.
fn collapse_all_digits(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_digits = false;
    for ch in name.chars() {
        if ch.is_ascii_digit() {
            if !in_digits {
                out.push('*');
            }
            in_digits = true;
        } else {
            out.push(ch);
            in_digits = false;
        }
    }
    out
}

/// Fewest step-1 groups that merge into one wider pattern (see [`name_patterns`]).
const MERGE_MIN_GROUPS: usize = 3;

/// The name pattern of every name, by the grouping rule:
///
/// 1. **Last digit run.** Names that are equal once their *last* run of digits is replaced by
///    `*` form a group: `pool-7-thread-1` … `pool-7-thread-2000` → `pool-7-thread-*`,
///    `OkHttp ConnectionPool-1` … `-300` → `OkHttp ConnectionPool-*`. Earlier digit runs stay
///    literal, so two executors (`pool-7-…`, `pool-8-…`) are two groups. A name alone in its
///    group keeps its literal name (`OkHttp TaskRunner`, `main`, `C2 CompilerThread0`).
/// 2. **Merge.** Step-1 groups (lone names included) that become equal once *every* digit run
///    is replaced by `*` are candidates for that wider pattern. A *dominant* group — larger
///    than all the other candidates together, checked from the largest down — keeps its own
///    pattern; the rest merge if at least [`MERGE_MIN_GROUPS`] remain. So 500 single-thread
///    executors `pool-1-thread-1` … `pool-500-thread-1` (the executor-per-request leak) become
///    one group `pool-*-thread-*` of 500, while a big `pool-7-thread-*` keeps its name next to
///    a few small pools (which merge, or stay apart if fewer than three).
pub fn name_patterns(names: &[&str]) -> Vec<String> {
    // Step 1.
    let keys: Vec<Option<String>> = names.iter().map(|n| collapse_last_digits(n)).collect();
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for k in keys.iter().flatten() {
        *sizes.entry(k.as_str()).or_insert(0) += 1;
    }
    let step1: Vec<String> = names
        .iter()
        .zip(&keys)
        .map(|(n, k)| match k {
            Some(k) if sizes[k.as_str()] >= 2 => k.clone(),
            _ => n.to_string(),
        })
        .collect();
    // Step 2: step-1 groups (with sizes) per all-digits key.
    let mut group_size: HashMap<&str, usize> = HashMap::new();
    for p in &step1 {
        *group_size.entry(p.as_str()).or_insert(0) += 1;
    }
    let mut candidates: HashMap<String, Vec<(&str, usize)>> = HashMap::new();
    for (&p, &n) in &group_size {
        let k = collapse_all_digits(p);
        if k != p {
            candidates.entry(k).or_default().push((p, n));
        }
    }
    let mut merged: HashMap<&str, String> = HashMap::new();
    for (k, mut groups) in candidates {
        groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut rest: usize = groups.iter().map(|g| g.1).sum();
        let mut first = 0;
        while first < groups.len() && groups[first].1 > rest - groups[first].1 {
            rest -= groups[first].1;
            first += 1;
        }
        if groups.len() - first >= MERGE_MIN_GROUPS {
            for &(p, _) in &groups[first..] {
                merged.insert(p, k.clone());
            }
        }
    }
    step1
        .iter()
        .map(|p| merged.get(p.as_str()).cloned().unwrap_or_else(|| p.clone()))
        .collect()
}

/// Thread counts by name pattern (see [`name_patterns`]), most threads first.
pub fn thread_groups(threads: &[ThreadInfo]) -> Vec<ThreadGroupInfo> {
    let names: Vec<&str> = threads.iter().map(|t| t.name.as_str()).collect();
    let patterns = name_patterns(&names);
    let mut groups: HashMap<&str, (ThreadGroupInfo, Vec<&str>)> = HashMap::new();
    for (t, p) in threads.iter().zip(&patterns) {
        let (g, names) = groups.entry(p.as_str()).or_insert_with(|| {
            (
                ThreadGroupInfo {
                    pattern: p.clone(),
                    count: 0,
                    daemon: 0,
                    states: BTreeMap::new(),
                    retained: 0,
                    sample_names: Vec::new(),
                },
                Vec::new(),
            )
        });
        g.count += 1;
        g.daemon += t.daemon as u32;
        *g.states.entry(t.state.as_str().to_string()).or_insert(0) += 1;
        g.retained += t.retained;
        names.push(t.name.as_str());
    }
    let mut out: Vec<ThreadGroupInfo> = groups
        .into_values()
        .map(|(mut g, mut names)| {
            names.sort_by(|a, b| natural_cmp(a, b));
            names.dedup();
            g.sample_names = names.iter().take(3).map(|s| s.to_string()).collect();
            g
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.retained.cmp(&a.retained))
            .then_with(|| natural_cmp(&a.pattern, &b.pattern))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let mut names: Vec<String> = (1..=20).map(|i| format!("pool-7-thread-{i}")).collect();
        names.extend((1..=5).map(|i| format!("OkHttp ConnectionPool-{i}")));
        names.push("OkHttp TaskRunner".into());
        names.push("main".into());
        names.push("C2 CompilerThread0".into());
        names.extend((1..=4).map(|i| format!("pool-{}-thread-1", 100 + i)));
        names.push("pool-8-thread-1".into());
        names.push("pool-8-thread-2".into());
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let p = name_patterns(&refs);
        assert_eq!(p[0], "pool-7-thread-*");
        assert_eq!(p[20], "OkHttp ConnectionPool-*");
        assert_eq!(p[25], "OkHttp TaskRunner");
        assert_eq!(p[26], "main");
        assert_eq!(p[27], "C2 CompilerThread0");
        // pool-7-thread-* (20) dominates; the 4 single-thread pools and pool-8-thread-* merge.
        assert_eq!(p[28], "pool-*-thread-*");
        assert_eq!(p[32], "pool-*-thread-*");
        assert_eq!(p[33], "pool-*-thread-*");
        // Two small pools alone stay apart.
        let two = name_patterns(&[
            "pool-1-thread-1",
            "pool-1-thread-2",
            "pool-2-thread-1",
            "pool-2-thread-2",
        ]);
        assert_eq!(
            two,
            [
                "pool-1-thread-*",
                "pool-1-thread-*",
                "pool-2-thread-*",
                "pool-2-thread-*"
            ]
        );
        let many: Vec<String> = (1..=500).map(|i| format!("pool-{i}-thread-1")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(name_patterns(&many).iter().all(|p| p == "pool-*-thread-*"));
    }

    #[test]
    fn states() {
        assert_eq!(decode_thread_status(0), ThreadState::New);
        assert_eq!(decode_thread_status(0x0005), ThreadState::Runnable);
        assert_eq!(decode_thread_status(0x0291), ThreadState::Waiting); // parked
        assert_eq!(decode_thread_status(0x02A1), ThreadState::TimedWaiting);
        assert_eq!(decode_thread_status(0x0401), ThreadState::Blocked);
        assert_eq!(decode_thread_status(0x0002), ThreadState::Terminated);
        assert_eq!(thread_status_detail(0x0291), Some("parked"));
    }

    #[test]
    fn natural() {
        assert!(natural_cmp("pool-7-thread-2", "pool-7-thread-10").is_lt());
        assert!(natural_cmp("a", "b").is_lt());
        assert!(natural_cmp("x01", "x1").is_gt());
    }
}
