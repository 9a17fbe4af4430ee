//! Process memory beyond the heap (issue 19): what one heap dump says about the native memory
//! of the process that wrote it — for containers killed by the kernel while the heap was far
//! from full, and for "unable to create new native thread".
//!
//! A heap dump cannot measure native memory, but it holds strong evidence of it:
//! - [`buffers`]: direct and mapped NIO buffers and the memory each still holds (exact
//!   capacities), grouped by holder, with the JVM's own `java.nio.Bits` counters;
//! - [`stacks`]: live threads × their stack size (from `-Xss` when the heap holds the JVM
//!   arguments, else the platform default, said so);
//! - [`metadata`]: classes and loaders, with an order-of-magnitude Metaspace estimate;
//! - [`jvm`]: the JVM's arguments, system properties and container objects, as facts.
//!
//! Every number is a [`Figure`], labelled a **fact** (read from the heap: where) or an
//! **estimate** (derived: the formula). [`ProcessMemory::verdict`] is one line, only when
//! these outweigh the heap by at least [`VERDICT_FLOOR`] bytes, worded no stronger than the
//! evidence (memory held by buffers; stack address space reserved; metadata estimated).
//! Eclipse MAT has no such view (docs/process-memory.md).

pub(crate) mod buffers;
pub(crate) mod jvm;
pub(crate) mod metadata;
pub(crate) mod read;
pub(crate) mod stacks;

pub use buffers::{BufferHolder, BufferInfo, BufferKind, BufferReport, DirectCounters, Tally};
pub use jvm::{ArgSize, Container, JvmFacts, Property};
pub use metadata::{ClassMetadata, LoaderClasses};
pub use stacks::{StackGroup, ThreadStacks};

use crate::analysis::objread::human_bytes;
use crate::analysis::{ClassLoaderReport, PathFinder, ThreadInfo};
use crate::graph::{Dominance, HeapGraph};
use serde::{Deserialize, Serialize};

/// Memory beyond the heap under this many bytes never makes a verdict (a small test heap
/// next to a few dozen thread stacks is not an incident).
pub(crate) const VERDICT_FLOOR: u64 = 128 << 20;

/// Whether a figure was read from the heap or derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureKind {
    Fact,
    Estimate,
}

/// One number (or text) of the view, ready to show as a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    /// `direct`, `threads`, `classes`, `jvm` or `heap`: the section it belongs to.
    pub area: String,
    pub label: String,
    pub kind: FigureKind,
    /// A size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// A count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// A value that is neither (a cgroup version, a property).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A fact: where the heap holds it. An estimate: its formula.
    pub source: String,
}

/// The whole view: one serializable struct the page and every report format show as-is.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcessMemory {
    /// One line when memory beyond the heap outweighs it (see the module docs).
    pub verdict: Option<String>,
    /// Every figure below, facts and estimates, in display order.
    pub figures: Vec<Figure>,
    pub buffers: BufferReport,
    pub thread_stacks: ThreadStacks,
    pub class_metadata: ClassMetadata,
    pub jvm: JvmFacts,
}

/// Computes the view. `threads` and `loaders` are the thread and class-loader analyses'
/// results; `finder` excludes weak references (paths to GC roots as MAT shows them).
pub fn process_memory(
    g: &HeapGraph,
    d: &Dominance,
    finder: &PathFinder<'_>,
    threads: &[ThreadInfo],
    loaders: &ClassLoaderReport,
) -> ProcessMemory {
    let jvm = jvm::jvm_facts(g);
    let mut pm = ProcessMemory {
        buffers: buffers::buffers(g, d, finder),
        thread_stacks: stacks::thread_stacks(g, threads, &jvm),
        class_metadata: metadata::class_metadata(g, loaders),
        jvm,
        ..Default::default()
    };
    pm.figures = figures(&pm, d.reachable_bytes());
    pm.verdict = verdict(&pm, d.reachable_bytes());
    pm
}

fn fact(area: &str, label: &str, source: &str) -> Figure {
    Figure {
        area: area.into(),
        label: label.into(),
        kind: FigureKind::Fact,
        bytes: None,
        count: None,
        text: None,
        source: source.into(),
    }
}

fn estimate(area: &str, label: &str, formula: &str) -> Figure {
    Figure {
        kind: FigureKind::Estimate,
        ..fact(area, label, formula)
    }
}

impl Figure {
    fn bytes(mut self, b: u64) -> Figure {
        self.bytes = Some(b);
        self
    }
    fn count(mut self, n: u64) -> Figure {
        self.count = Some(n);
        self
    }
    fn text(mut self, t: impl Into<String>) -> Figure {
        self.text = Some(t.into());
        self
    }
}

fn figures(pm: &ProcessMemory, heap_reachable: u64) -> Vec<Figure> {
    let mut f = Vec::new();
    let (b, c, t, j) = (
        &pm.buffers,
        &pm.buffers.counters,
        &pm.thread_stacks,
        &pm.jvm,
    );
    f.push(
        fact(
            "heap",
            "Reachable heap",
            "shallow sizes of the objects reachable from GC roots",
        )
        .bytes(heap_reachable),
    );
    if let Some(a) = &j.max_heap {
        f.push(
            fact(
                "heap",
                "Maximum heap",
                &format!("{} (JVM arguments)", a.argument),
            )
            .bytes(a.bytes),
        );
    }

    f.push(
        fact(
            "direct",
            "Direct buffers holding memory",
            "capacity of strongly reachable DirectByteBuffers that own memory (not views) and \
             whose Cleaner has not run",
        )
        .count(b.direct.count)
        .bytes(b.direct.capacity),
    );
    if b.direct_awaiting_gc.count > 0 {
        f.push(
            fact(
                "direct",
                "Direct buffers awaiting GC",
                "capacity of DirectByteBuffers that own memory but that no strong path reaches: \
                 held until a GC finds them and their Cleaner runs",
            )
            .count(b.direct_awaiting_gc.count)
            .bytes(b.direct_awaiting_gc.capacity),
        );
    }
    if b.mapped.count + b.mapped_awaiting_gc.count > 0 {
        f.push(
            fact(
                "direct",
                "Mapped buffers",
                "capacity of MappedByteBuffers still mapped (file-backed pages: resident only \
                 as far as touched)",
            )
            .count(b.mapped.count + b.mapped_awaiting_gc.count)
            .bytes(b.mapped_held()),
        );
    }
    if b.without_cleaner.count > 0 {
        f.push(
            fact(
                "direct",
                "Direct buffers without a Cleaner",
                "capacity of DirectByteBuffers over memory not allocated by allocateDirect (JNI \
                 NewDirectByteBuffer, Netty's no-cleaner allocator, perf data): not counted above",
            )
            .count(b.without_cleaner.count)
            .bytes(b.without_cleaner.capacity),
        );
    }
    if b.freed.count > 0 {
        f.push(
            fact(
                "direct",
                "Freed direct buffers",
                "Cleaner already run: objects left, no memory",
            )
            .count(b.freed.count)
            .bytes(b.freed.capacity),
        );
    }
    if let Some(n) = c.total_capacity {
        f.push(
            fact(
                "direct",
                "Bits total capacity",
                "java.nio.Bits TOTAL_CAPACITY (what BufferPoolMXBean \"direct\" reports)",
            )
            .bytes(n),
        );
    }
    if let Some(n) = c.count {
        f.push(fact("direct", "Bits buffer count", "java.nio.Bits COUNT").count(n));
    }
    if let Some(n) = c.reserved {
        f.push(
            fact(
                "direct",
                "Bits reserved memory",
                "java.nio.Bits RESERVED_MEMORY",
            )
            .bytes(n),
        );
    }
    if let Some(n) = c.max_memory {
        f.push(
            fact(
                "direct",
                "Direct memory limit",
                "java.nio.Bits MAX_MEMORY (what allocateDirect enforces)",
            )
            .bytes(n),
        );
    } else if let Some(n) = c.vm_max_direct_memory {
        f.push(
            fact(
                "direct",
                "Direct memory limit",
                "jdk.internal.misc.VM directMemory",
            )
            .bytes(n),
        );
    }
    if let Some(a) = &j.max_direct_memory_arg {
        f.push(
            fact(
                "direct",
                "-XX:MaxDirectMemorySize",
                &format!("{} (JVM arguments)", a.argument),
            )
            .bytes(a.bytes),
        );
    }
    if let (Some(n), Some(cap)) = (c.mapped_count, c.mapped_total_capacity) {
        if n > 0 {
            f.push(
                fact(
                    "direct",
                    "Mapped pool",
                    "FileChannelImpl unmapper counters (BufferPoolMXBean \"mapped\")",
                )
                .count(n)
                .bytes(cap),
            );
        }
    }

    f.push(
        fact(
            "threads",
            "Live platform threads",
            "java.lang.Thread objects neither NEW nor TERMINATED (virtual threads excluded)",
        )
        .count(t.live_threads),
    );
    if t.waiting > 0 {
        f.push(
            fact(
                "threads",
                "Waiting without timeout",
                "threads in WAITING: parked or in Object.wait() until woken",
            )
            .count(t.waiting),
        );
    }
    let size = if t.stack_size_from_arguments {
        fact("threads", "Stack size per thread", &t.stack_size_source)
    } else {
        estimate("threads", "Stack size per thread", &t.stack_size_source)
    };
    f.push(size.bytes(t.stack_size));
    f.push(estimate("threads", "Thread stacks reserved", &t.formula).bytes(t.reserved));

    let m = &pm.class_metadata;
    f.push(
        fact(
            "classes",
            "Classes",
            "CLASS DUMP records (array classes included)",
        )
        .count(m.classes),
    );
    f.push(
        fact(
            "classes",
            "Class loaders",
            "defining loaders of the classes, bootstrap included",
        )
        .count(m.loaders),
    );
    if m.duplicated_class_names > 0 {
        f.push(
            fact(
                "classes",
                "Class names defined by several loaders",
                "same name, different defining loaders",
            )
            .count(m.duplicated_class_names as u64),
        );
    }
    f.push(estimate("classes", "Class metadata", &m.formula).bytes(m.metaspace_estimate));
    if let Some(a) = &j.max_metaspace {
        f.push(
            fact(
                "classes",
                "-XX:MaxMetaspaceSize",
                &format!("{} (JVM arguments)", a.argument),
            )
            .bytes(a.bytes),
        );
    }

    match &j.arguments {
        Some(a) => f.push(
            fact(
                "jvm",
                "JVM arguments",
                "RuntimeMXBean's cache (sun.management.VMManagementImpl vmArgs)",
            )
            .count(a.len() as u64),
        ),
        None => f.push(
            fact(
                "jvm",
                "JVM arguments",
                "not in the heap: nothing asked RuntimeMXBean for them before the dump",
            )
            .text("not in the heap"),
        ),
    }
    for a in &j.container_arguments {
        f.push(fact("jvm", "Container argument", "JVM arguments").text(a.clone()));
    }
    match &j.container {
        Some(c) => {
            let mut where_ = c.cgroup.clone();
            if let Some(p) = &c.memory_mount {
                where_.push_str(&format!(", memory controller at {p}"));
            }
            f.push(fact("jvm", "Container support", "jdk.internal.platform cgroup objects (the limits are read from the cgroup files on demand; they are not in the heap)").text(where_));
        }
        None => f.push(fact("jvm", "Container support", "no jdk.internal.platform cgroup objects in the heap (not in a container, JDK 8, or nothing asked for container metrics)").text("not in the heap")),
    }
    f.push(
        fact("jvm", "Perf counters", "jdk.internal.perf.PerfCounter objects: names only; their values (and the VM's sun.rt.* counters) live in the perf-data memory, not in the heap: jcmd PID PerfCounter.print")
            .count(j.perf_counters),
    );
    for p in &j.properties {
        f.push(fact("jvm", &p.key, "system property").text(p.value.clone()));
    }

    let total = b.direct_held() + t.reserved + m.metaspace_estimate;
    f.push(
        estimate(
            "heap",
            "Beyond the heap",
            "direct buffers holding memory (also awaiting GC) + thread stacks reserved + class \
             metadata; mapped files and the JVM's own native memory (GC, JIT, code cache) not \
             included",
        )
        .bytes(total),
    );
    f
}

fn verdict(pm: &ProcessMemory, heap_reachable: u64) -> Option<String> {
    let (heap, heap_text) = match &pm.jvm.max_heap {
        Some(a) => (
            a.bytes.max(heap_reachable),
            format!(
                "the maximum heap's {} ({})",
                human_bytes(a.bytes),
                a.argument
            ),
        ),
        None => (
            heap_reachable,
            format!(
                "the heap's {} (reachable objects)",
                human_bytes(heap_reachable)
            ),
        ),
    };
    let outweighs = |b: u64| b > heap && b >= VERDICT_FLOOR;
    let mut parts = Vec::new();
    let b = &pm.buffers;
    if outweighs(b.direct_held()) {
        let top = b
            .holders
            .first()
            .map(|h| h.holder.clone())
            .unwrap_or_default();
        let mut s = format!(
            "{} of direct buffers held ({} buffers",
            human_bytes(b.direct_held()),
            crate::analysis::patterns::fmt_count(b.direct.count + b.direct_awaiting_gc.count)
        );
        if !top.is_empty() {
            s.push_str(&format!(", most by {top}"));
        }
        s.push(')');
        parts.push(s);
    }
    let t = &pm.thread_stacks;
    if outweighs(t.reserved) {
        parts.push(format!(
            "{} live threads reserving ~{} of stack ({} each, {})",
            crate::analysis::patterns::fmt_count(t.live_threads),
            human_bytes(t.reserved),
            human_bytes(t.stack_size),
            if t.stack_size_from_arguments {
                "from the JVM arguments"
            } else {
                "the platform default"
            }
        ));
    }
    let m = &pm.class_metadata;
    if outweighs(m.metaspace_estimate) {
        parts.push(format!(
            "~{} of class metadata estimated for {} classes",
            human_bytes(m.metaspace_estimate),
            crate::analysis::patterns::fmt_count(m.instance_classes)
        ));
    }
    if parts.is_empty() {
        return None;
    }
    // Buffers hold committed memory; stacks are reserved address space, resident only as far
    // as touched: the ending claims no more than the parts do.
    let ending = if outweighs(b.direct_held()) {
        "a container's memory limit counts both"
    } else {
        "native memory that -Xmx does not bound (stack pages count once touched)"
    };
    Some(format!(
        "{} — more than {heap_text}: {ending}.",
        parts.join("; ")
    ))
}
