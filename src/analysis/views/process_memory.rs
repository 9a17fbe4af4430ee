//! Process memory as the page shows it: the core's [`ProcessMemory`] with the buffers'
//! report flattened and each of the largest buffers' paths as one line of text (as the
//! waste views show paths).

use crate::analysis::process_memory::{
    BufferHolder, BufferInfo, BufferKind, ClassMetadata, Figure, JvmFacts, Tally, ThreadStacks,
};
use crate::analysis::ProcessMemory;
use serde::{Deserialize, Serialize};

use super::path_text;

/// Memory beyond the heap, as the core computes it ([`crate::analysis::process_memory()`]);
/// every number of `figures` is labelled a fact (with where the heap holds it) or an estimate
/// (with its formula).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessMemoryView {
    /// One line when memory beyond the heap outweighs the heap (the core's sentence).
    pub verdict: Option<String>,
    pub figures: Vec<Figure>,
    /// Direct buffers holding memory (strongly reachable), and the JVM's own view of them.
    pub direct: Tally,
    /// Held buffers by holder, largest capacity first.
    pub holders: Vec<BufferHolder>,
    /// Buffers over memory not allocated by `allocateDirect`, by holder.
    pub without_cleaner_holders: Vec<BufferHolder>,
    /// The largest held buffers.
    pub largest: Vec<BufferRow>,
    pub thread_stacks: ThreadStacks,
    pub class_metadata: ClassMetadata,
    pub jvm: JvmFacts,
}

/// One of the largest held buffers (the core's [`BufferInfo`] with its path as text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferRow {
    pub object_id: String,
    pub class: String,
    pub kind: BufferKind,
    pub capacity: u64,
    pub holder: String,
    pub category: String,
    /// `root detail → field → …`: how a GC root holds it (`None`: no strong path).
    pub path: Option<String>,
}

impl From<BufferInfo> for BufferRow {
    fn from(x: BufferInfo) -> Self {
        BufferRow {
            path: x.path.as_ref().map(path_text),
            object_id: x.object_id,
            class: x.class,
            kind: x.kind,
            capacity: x.capacity,
            holder: x.holder,
            category: x.category,
        }
    }
}

impl From<ProcessMemory> for ProcessMemoryView {
    fn from(pm: ProcessMemory) -> Self {
        let b = pm.buffers;
        ProcessMemoryView {
            verdict: pm.verdict,
            figures: pm.figures,
            direct: b.direct,
            holders: b.holders,
            without_cleaner_holders: b.without_cleaner_holders,
            largest: b.largest.into_iter().map(BufferRow::from).collect(),
            thread_stacks: pm.thread_stacks,
            class_metadata: pm.class_metadata,
            jvm: pm.jvm,
        }
    }
}
