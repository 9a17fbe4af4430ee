//! Direct and mapped NIO buffers: the native memory a heap dump can attribute exactly.
//!
//! A `java.nio.DirectByteBuffer` (and `DirectByteBufferR`; both extend `MappedByteBuffer` in
//! JDK 8–25) owns native memory when it was allocated by `ByteBuffer.allocateDirect` or mapped
//! by `FileChannel.map`: then `att` is null (it is not a view) and `cleaner` (a
//! `jdk.internal.ref.Cleaner`, JDK 8's `sun.misc.Cleaner`) will free or unmap the memory. A
//! cleaner that has run is unlinked from the cleaners' list and points to itself (`next ==
//! this`, JDK 8–25), and JDK ≤ 24's `Deallocator`/`Unmapper` zero their `address` (JDK 25's
//! `Deallocator` is a record and keeps it): either marks memory already freed. A buffer whose
//! `fd` is set is a mapping (file-backed pages, not direct memory).
//!
//! States, per buffer object:
//! - **held**: owns memory, cleaner not run. Counted by `capacity` (what `Bits` and
//!   `BufferPoolMXBean.getTotalCapacity()` count; with `-XX:+PageAlignDirectMemory` the JVM
//!   reserves a page more per buffer, which `Bits.RESERVED_MEMORY` shows);
//! - **freed**: cleaner run (explicit `Unsafe.invokeCleaner`, Netty's `freeDirectBuffer`): no
//!   memory;
//! - **view**: a slice / duplicate / typed view (`att` set): shares its parent's memory;
//! - **no cleaner**: memory not allocated by `allocateDirect` (JNI `NewDirectByteBuffer`,
//!   Netty's no-cleaner allocator, the VM's perf-data buffers): its size is real but the heap
//!   cannot say who frees it, so it is counted apart;
//! - **segment**: a view of a `MemorySegment` (JDK 19+): the segment's arena owns the memory.
//!
//! Held buffers that no strong path reaches (only their Cleaner, or nothing: garbage of a
//! non-live dump) still hold their memory until a GC finds them: counted as "awaiting GC".

use super::read::{as_long, class_named, static_number, static_value};
use crate::analysis::objread::{id_str, int_field, subclasses_of};
use crate::analysis::waste::PathSummary;
use crate::analysis::PathFinder;
use crate::graph::{Dominance, HeapGraph, Node};
use crate::hprof::Value;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Buffers listed in [`BufferReport::largest`].
pub(crate) const LARGEST_BUFFERS: usize = 10;
/// Steps walked up a buffer's path looking for its holder.
const HOLDER_DEPTH: usize = 256;

/// A count of buffers and their total capacity in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub capacity: u64,
}

impl Tally {
    fn add(&mut self, cap: u64) {
        self.count += 1;
        self.capacity += cap;
    }
}

/// Direct or mapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BufferKind {
    Direct,
    Mapped,
}

/// Held buffers of one kind under one holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferHolder {
    /// `Netty`, `NIO`, `JDK`, `application`, or `awaiting GC` (no strong path).
    pub category: String,
    /// The holder's class: the nearest object on the shortest path from a GC root whose class
    /// is not a `java.*` class (collections, arrays and the buffers' own classes are skipped),
    /// `class X` for a static field, else the path's root object.
    pub holder: String,
    pub kind: BufferKind,
    pub count: u64,
    pub capacity: u64,
    /// How the holder reaches its largest buffer (`free.elements[3]`).
    pub via: String,
}

/// One held buffer of the largest.
#[derive(Debug, Clone, Serialize)]
pub struct BufferInfo {
    pub object_id: String,
    pub class: String,
    pub kind: BufferKind,
    pub capacity: u64,
    /// The holder class (see [`BufferHolder::holder`]).
    pub holder: String,
    pub category: String,
    /// Shortest path from a GC root without weak references (`None`: no strong path).
    pub path: Option<PathSummary>,
    #[serde(skip)]
    pub node: Node,
}

/// The JVM's own direct-memory counters (`java.nio.Bits`: what `BufferPoolMXBean("direct")`
/// reports) and limit, as the heap holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectCounters {
    /// `Bits.COUNT` (JDK 11+) / `count` (8): buffers allocated and not yet freed.
    pub count: Option<u64>,
    /// `Bits.TOTAL_CAPACITY` / `totalCapacity`: their capacities.
    pub total_capacity: Option<u64>,
    /// `Bits.RESERVED_MEMORY` / `reservedMemory`: bytes reserved (page-aligned when asked).
    pub reserved: Option<u64>,
    /// `Bits.MAX_MEMORY` / `maxMemory`: the limit `allocateDirect` enforces.
    pub max_memory: Option<u64>,
    /// `jdk.internal.misc.VM.directMemory` (`sun.misc.VM` in 8): the same limit as the VM
    /// computed it (`-XX:MaxDirectMemorySize`, else the maximum heap size).
    pub vm_max_direct_memory: Option<u64>,
    /// The mapped pool (`FileChannelImpl` unmapper statics `count`, `totalCapacity`).
    pub mapped_count: Option<u64>,
    pub mapped_total_capacity: Option<u64>,
}

/// Direct and mapped buffers of the dump.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BufferReport {
    /// Direct buffers that hold memory and are strongly reachable.
    pub direct: Tally,
    /// Mapped buffers still mapped and strongly reachable.
    pub mapped: Tally,
    /// Direct buffers that hold memory but that no strong path reaches (awaiting a GC and
    /// their Cleaner).
    pub direct_awaiting_gc: Tally,
    /// Mapped buffers still mapped that no strong path reaches.
    pub mapped_awaiting_gc: Tally,
    /// Buffers whose Cleaner already ran (memory freed / unmapped).
    pub freed: Tally,
    /// Slices, duplicates and typed views (no memory of their own).
    pub views: Tally,
    /// Buffers without a Cleaner (memory allocated outside `allocateDirect`; see module docs).
    pub without_cleaner: Tally,
    /// Views of a `MemorySegment` (the segment's arena owns the memory).
    pub segment_views: Tally,
    /// Held buffers by holder, largest capacity first.
    pub holders: Vec<BufferHolder>,
    /// Buffers without a Cleaner by holder (category `no Cleaner`), largest first: e.g. the
    /// JDK's mapped module image (`jdk.internal.jimage`), JNI or Netty no-cleaner memory.
    pub without_cleaner_holders: Vec<BufferHolder>,
    /// The largest held buffers, each with its path from a GC root.
    pub largest: Vec<BufferInfo>,
    pub counters: DirectCounters,
}

impl BufferReport {
    /// Direct memory held by buffers, reachable or awaiting GC.
    pub(crate) fn direct_held(&self) -> u64 {
        self.direct.capacity + self.direct_awaiting_gc.capacity
    }
    /// Mapped bytes held, reachable or awaiting GC.
    pub(crate) fn mapped_held(&self) -> u64 {
        self.mapped.capacity + self.mapped_awaiting_gc.capacity
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Held,
    Freed,
    View,
    NoCleaner,
    Segment,
}

fn state(g: &HeapGraph, v: Node) -> State {
    if g.ref_field(v, "att").is_some() {
        return State::View;
    }
    let Some(cleaner) = g.ref_field(v, "cleaner") else {
        return if g.ref_field(v, "segment").is_some() {
            State::Segment
        } else {
            State::NoCleaner
        };
    };
    // Unlinked cleaners point to themselves; JDK ≤ 24 thunks also zero their address.
    let unlinked = g.ref_field(cleaner, "next") == Some(cleaner);
    let zeroed = g
        .ref_field(cleaner, "thunk")
        .and_then(|t| g.field_value(t, "address"))
        .and_then(as_long)
        == Some(0);
    if unlinked || zeroed {
        State::Freed
    } else {
        State::Held
    }
}

/// Every direct/mapped `ByteBuffer` of the dump, classified (see the module docs).
pub(crate) fn buffers(g: &HeapGraph, d: &Dominance, finder: &PathFinder<'_>) -> BufferReport {
    let mut r = BufferReport {
        counters: counters(g),
        ..Default::default()
    };
    let is_buffer = subclasses_of(g, "java.nio.MappedByteBuffer");
    if !is_buffer.iter().any(|&b| b) {
        return r;
    }
    let mut groups: Groups = HashMap::new();
    let mut unowned = groups.clone();
    let mut held: Vec<(u64, Node, BufferKind)> = Vec::new();
    for v in g.nodes() {
        if !is_buffer[g.class_index(v) as usize] || g.as_class(v).is_some() {
            continue;
        }
        // A negative or missing capacity (a corrupt dump) counts 0.
        let cap = int_field(g, v, "capacity").unwrap_or(0).max(0) as u64;
        let kind = if g.ref_field(v, "fd").is_some() {
            BufferKind::Mapped
        } else {
            BufferKind::Direct
        };
        match state(g, v) {
            State::View => r.views.add(cap),
            State::NoCleaner => {
                r.without_cleaner.add(cap);
                let holder = if finder.has_path(v) {
                    holder_of(g, finder, v).1
                } else {
                    "no strong path".to_string()
                };
                let e = unowned
                    .entry(("no Cleaner".to_string(), holder, kind))
                    .or_insert((0, 0, 0, v));
                e.0 += 1;
                e.1 += cap;
                if cap > e.2 {
                    e.2 = cap;
                    e.3 = v;
                }
            }
            State::Segment => r.segment_views.add(cap),
            State::Freed => r.freed.add(cap),
            State::Held => {
                let strong = finder.has_path(v);
                let tally = match (kind, strong) {
                    (BufferKind::Direct, true) => &mut r.direct,
                    (BufferKind::Mapped, true) => &mut r.mapped,
                    (BufferKind::Direct, false) => &mut r.direct_awaiting_gc,
                    (BufferKind::Mapped, false) => &mut r.mapped_awaiting_gc,
                };
                tally.add(cap);
                let (category, holder) = if strong {
                    holder_of(g, finder, v)
                } else {
                    let why = if d.is_reachable(v) {
                        "only its Cleaner refers to it"
                    } else {
                        "unreachable"
                    };
                    ("awaiting GC".to_string(), why.to_string())
                };
                let e = groups
                    .entry((category, holder, kind))
                    .or_insert((0, 0, 0, v));
                e.0 += 1;
                e.1 += cap;
                if cap > e.2 {
                    e.2 = cap;
                    e.3 = v;
                }
                held.push((cap, v, kind));
            }
        }
    }
    r.holders = holder_rows(finder, groups);
    r.without_cleaner_holders = holder_rows(finder, unowned);
    held.sort_by(|a, b| b.0.cmp(&a.0).then(g.id(a.1).cmp(&g.id(b.1))));
    r.largest = held
        .into_iter()
        .take(LARGEST_BUFFERS)
        .map(|(capacity, v, kind)| {
            let (category, holder) = if finder.has_path(v) {
                holder_of(g, finder, v)
            } else {
                ("awaiting GC".to_string(), String::new())
            };
            BufferInfo {
                object_id: id_str(g, v),
                class: g.class(v).name.clone(),
                kind,
                capacity,
                holder,
                category,
                path: finder.shortest_path(v).map(PathSummary::from_path),
                node: v,
            }
        })
        .collect();
    r
}

type Groups = HashMap<(String, String, BufferKind), (u64, u64, u64, Node)>;

/// Rows of grouped buffers, largest capacity first.
fn holder_rows(finder: &PathFinder<'_>, groups: Groups) -> Vec<BufferHolder> {
    let mut rows: Vec<BufferHolder> = groups
        .into_iter()
        .map(
            |((category, holder, kind), (count, capacity, _, largest))| {
                let via = via(finder, largest, &holder);
                BufferHolder {
                    category,
                    holder,
                    kind,
                    count,
                    capacity,
                    via,
                }
            },
        )
        .collect();
    rows.sort_by(|a, b| {
        b.capacity
            .cmp(&a.capacity)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.holder.cmp(&b.holder))
    });
    rows
}

/// The category and class of the nearest holder above `v` on its shortest path.
fn holder_of(g: &HeapGraph, finder: &PathFinder<'_>, v: Node) -> (String, String) {
    let mut p = v;
    let mut top = v;
    for _ in 0..HOLDER_DEPTH {
        let Some(up) = finder.parent(p) else { break };
        p = up;
        top = up;
        if let Some(c) = g.as_class(p) {
            let name = &g.classes[c as usize].name;
            return (category(name), format!("class {name}"));
        }
        let class = g.class(p);
        if !class.is_array() && !class.name.starts_with("java.") {
            return (category(&class.name), class.name.clone());
        }
    }
    let name = g.display_class(top);
    (category(name.trim_start_matches("class ")), name)
}

/// Netty, NIO (the JDK's channels and their per-thread temporary buffer cache), other JDK
/// code, or the application.
fn category(class: &str) -> String {
    let c = if class.contains("io.netty.") {
        "Netty"
    } else if [
        "sun.nio.ch.",
        "sun.nio.fs.",
        "java.nio.channels.",
        "jdk.internal.net.",
    ]
    .iter()
    .any(|p| class.starts_with(p))
    {
        "NIO"
    } else if ["java.", "javax.", "jdk.", "sun.", "com.sun."]
        .iter()
        .any(|p| class.starts_with(p))
    {
        "JDK"
    } else {
        "application"
    };
    c.to_string()
}

/// The reference chain from the holder (by class name) down to buffer `v`.
fn via(finder: &PathFinder<'_>, v: Node, holder: &str) -> String {
    let Some(path) = finder.shortest_path(v) else {
        return String::new();
    };
    // The holder's step (a static holder's step is its class object, `class X`); the
    // path's root when the holder is the root itself.
    let at = path
        .steps
        .iter()
        .rposition(|s| s.class == holder && s.node != v)
        .unwrap_or(0);
    path.fields_after(at)
}

fn counters(g: &HeapGraph) -> DirectCounters {
    let n = |class: &str, fields: &[&str]| {
        static_number(g, class, fields).and_then(|x| u64::try_from(x).ok())
    };
    let vm = n("jdk.internal.misc.VM", &["directMemory"])
        .or_else(|| n("sun.misc.VM", &["directMemory"]));
    // The mapped pool's counters moved between JDK versions: the Unmapper class (8, 11), its
    // DefaultUnmapper subclass (14+).
    let mapped = |field: &[&str]| {
        [
            "sun.nio.ch.FileChannelImpl$DefaultUnmapper",
            "sun.nio.ch.FileChannelImpl$Unmapper",
        ]
        .iter()
        .find_map(|c| n(c, field))
    };
    // `Bits` is initialised by the first direct allocation: before that its statics are
    // absent or zero, and the counters are not facts yet.
    let bits_loaded = class_named(g, "java.nio.Bits")
        .and_then(|c| static_value(g, c, "MAX_MEMORY").or_else(|| static_value(g, c, "maxMemory")))
        .is_some_and(|v| !matches!(v, Value::Long(0)));
    DirectCounters {
        count: n("java.nio.Bits", &["COUNT", "count"]),
        total_capacity: n("java.nio.Bits", &["TOTAL_CAPACITY", "totalCapacity"]),
        reserved: n("java.nio.Bits", &["RESERVED_MEMORY", "reservedMemory"]),
        max_memory: if bits_loaded {
            n("java.nio.Bits", &["MAX_MEMORY", "maxMemory"])
        } else {
            None
        },
        vm_max_direct_memory: vm,
        mapped_count: mapped(&["count"]),
        mapped_total_capacity: mapped(&["totalCapacity"]),
    }
}
