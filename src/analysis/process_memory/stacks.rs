//! Thread stacks: every live platform thread reserves a native stack outside the heap. The
//! heap gives the threads (count by name pattern, state) and, when `RuntimeMXBean` cached
//! them, the JVM arguments with `-Xss` / `-XX:ThreadStackSize`; otherwise the platform's
//! default stack size is used and said so. A thread created with a stack size of its own
//! (`new Thread(group, task, name, stackSize)`: `Thread.stackSize`, JDK 19+ in
//! `Thread$FieldHolder`) counts that size.
//!
//! The result is an **estimate of reserved address space** (threads × stack size): the JVM
//! reserves the whole stack when it starts a thread, but only the pages a thread touched are
//! resident (what a container's memory limit counts); a thread parked in a shallow stack
//! touches tens of KiB. "unable to create new native thread" comes from the number of threads
//! (`ulimit -u`, a container's `pids.max`) or from address space, which this counts.
//! Virtual threads (JDK 21+) have no native stack and are left out; the VM's own threads (GC,
//! compiler) are not Java objects and are not in the heap.

use super::jvm::JvmFacts;
use crate::analysis::threads::name_patterns;
use crate::analysis::{ThreadInfo, ThreadState};
use crate::graph::HeapGraph;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Live threads of one name pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackGroup {
    /// `http-nio-8080-exec-*` (the thread analysis' patterns).
    pub pattern: String,
    pub threads: u64,
    /// WAITING without a timeout (parked or in `Object.wait()`): started and idle until
    /// something wakes them.
    pub waiting: u64,
    /// Estimate: the group's threads × their stack size.
    pub reserved: u64,
}

/// Thread stacks of the dump's live platform threads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadStacks {
    /// Live platform threads: the dump's thread roots (else threads neither NEW nor
    /// TERMINATED); virtual threads and hidden VM threads (compiler, service) excluded.
    pub live_threads: u64,
    /// Of those, WAITING without a timeout.
    pub waiting: u64,
    /// Virtual threads (no native stack of their own).
    pub virtual_threads: u64,
    /// The default stack size per thread in bytes.
    pub stack_size: u64,
    /// Where `stack_size` comes from: the argument (`-Xss384k`) or the platform default.
    pub stack_size_source: String,
    /// Whether `stack_size` was read from the JVM arguments in the heap (a fact) rather than
    /// assumed from the platform default.
    pub stack_size_from_arguments: bool,
    /// Threads created with a stack size of their own.
    pub explicit_stack_threads: u64,
    /// Estimate: reserved stack address space of the live threads.
    pub reserved: u64,
    /// How `reserved` is computed.
    pub formula: String,
    /// Live threads by name pattern, most first.
    pub groups: Vec<StackGroup>,
}

/// HotSpot's default `ThreadStackSize` for the platform the properties name: 2 MiB on
/// 64-bit ARM (Linux, macOS), 320 KiB on 32-bit x86 (the value of the 32-bit JDKs' docs; on
/// Windows the launcher executable's default), 1 MiB elsewhere (64-bit x86 everywhere).
fn platform_default(facts: &JvmFacts) -> (u64, String) {
    let os = facts.property("os.name");
    let arch = facts.property("os.arch");
    let bits32 = facts.property("sun.arch.data.model") == Some("32")
        || arch.is_some_and(|a| matches!(a, "x86" | "i386" | "i486" | "i586" | "i686"));
    match (os, arch) {
        (Some(os), Some(arch)) => {
            let (bytes, text) = if bits32 {
                (320 << 10, "320 KiB")
            } else if arch == "aarch64" && !os.starts_with("Windows") {
                (2 << 20, "2 MiB")
            } else {
                (1 << 20, "1 MiB")
            };
            (
                bytes,
                format!(
                    "platform default for {os} {arch} ({text}; the heap holds no -Xss or \
                     -XX:ThreadStackSize)"
                ),
            )
        }
        _ => (
            1 << 20,
            "assumed 1 MiB (HotSpot's default on 64-bit x86; the heap holds neither the JVM \
             arguments nor os.arch)"
                .to_string(),
        ),
    }
}

/// A thread's own stack size (`Thread.stackSize`, JDK 19+ `holder.stackSize`), if non-zero.
fn own_stack_size(g: &HeapGraph, t: &ThreadInfo) -> Option<u64> {
    let read = |n| crate::analysis::objread::int_field(g, n, "stackSize");
    let v = read(t.node).or_else(|| g.ref_field(t.node, "holder").and_then(read))?;
    u64::try_from(v).ok().filter(|&s| s > 0)
}

pub(crate) fn thread_stacks(
    g: &HeapGraph,
    threads: &[ThreadInfo],
    facts: &JvmFacts,
) -> ThreadStacks {
    let (stack_size, source, from_args) = match &facts.thread_stack_size {
        Some(a) => (
            a.bytes,
            format!("{} (JVM arguments cached by RuntimeMXBean)", a.argument),
            true,
        ),
        None => {
            let (b, s) = platform_default(facts);
            (b, s, false)
        }
    };
    let mut out = ThreadStacks {
        stack_size,
        stack_size_source: source,
        stack_size_from_arguments: from_args,
        ..Default::default()
    };
    let mut live: Vec<(&ThreadInfo, u64)> = Vec::new();
    // The dumper writes a ROOT THREAD OBJECT per live thread it lists (what
    // Thread.getAllStackTraces() sees); Thread objects without one are hidden VM threads
    // (compiler, service) or not started. Dumps without thread roots (hprof agent): by state.
    let rooted = threads.iter().any(|t| t.gc_root);
    for t in threads {
        if t.class == "java.lang.VirtualThread" {
            out.virtual_threads += 1;
            continue;
        }
        if matches!(t.state, ThreadState::New | ThreadState::Terminated) || (rooted && !t.gc_root) {
            continue;
        }
        let own = own_stack_size(g, t);
        out.explicit_stack_threads += own.is_some() as u64;
        live.push((t, own.unwrap_or(stack_size)));
    }
    let names: Vec<&str> = live.iter().map(|(t, _)| t.name.as_str()).collect();
    let patterns = name_patterns(&names);
    let mut groups: HashMap<&str, StackGroup> = HashMap::new();
    for ((t, size), p) in live.iter().zip(&patterns) {
        let e = groups.entry(p.as_str()).or_insert_with(|| StackGroup {
            pattern: p.clone(),
            threads: 0,
            waiting: 0,
            reserved: 0,
        });
        let waiting = t.state == ThreadState::Waiting;
        e.threads += 1;
        e.waiting += waiting as u64;
        e.reserved += size;
        out.live_threads += 1;
        out.waiting += waiting as u64;
        out.reserved += size;
    }
    out.groups = groups.into_values().collect();
    out.groups.sort_by(|a, b| {
        b.threads
            .cmp(&a.threads)
            .then(b.reserved.cmp(&a.reserved))
            .then_with(|| a.pattern.cmp(&b.pattern))
    });
    out.formula = if out.explicit_stack_threads > 0 {
        format!(
            "live platform threads × stack size ({} each; {} threads with a size of their own \
             count that size)",
            crate::analysis::objread::human_bytes(stack_size),
            out.explicit_stack_threads
        )
    } else {
        format!(
            "live platform threads × stack size ({} × {})",
            crate::analysis::patterns::fmt_count(out.live_threads),
            crate::analysis::objread::human_bytes(stack_size)
        )
    };
    out
}
