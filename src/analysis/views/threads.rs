//! Threads as the page lists them. Not the core's [`ThreadInfo`]: a row of the list carries
//! counts, not the thread's frames, locals and ThreadLocal entries (a page of 1,000 threads
//! would carry their stacks), and the details carry frames as their `jstack` text.

use crate::analysis::{domtree, LocalRef, ThreadInfo, ThreadLocalEntry};
use serde::{Deserialize, Serialize};

/// One thread as a row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadRow {
    pub object_id: String,
    pub name: String,
    pub class: String,
    pub state: String,
    pub daemon: bool,
    pub shallow: u64,
    pub retained: u64,
    pub frames: u32,
    pub thread_locals: u32,
    /// Listed as a GC root (ROOT THREAD OBJECT): the thread was alive.
    pub live: bool,
}

impl From<&ThreadInfo> for ThreadRow {
    fn from(t: &ThreadInfo) -> Self {
        ThreadRow {
            object_id: t.object_id.clone(),
            name: t.name.clone(),
            class: t.class.clone(),
            state: t.state.as_str().to_string(),
            daemon: t.daemon,
            shallow: t.shallow,
            retained: t.retained,
            frames: t.frames.len() as u32,
            thread_locals: t.thread_locals.len() as u32,
            live: t.gc_root,
        }
    }
}

/// A frame as the thread view draws it: the core's `FrameInfo` keeps method, signature, file
/// and line apart (and `Arc<str>`s shared between threads); the page needs only its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameView {
    pub depth: u32,
    /// `com.example.Foo.run(Foo.java:42)`.
    pub display: String,
    pub locals: Vec<LocalRef>,
}

/// A ThreadLocal entry of one thread: the core's [`ThreadLocalEntry`] without the thread (the
/// view is that thread's) and without the node indices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadLocalView {
    pub map: String,
    pub key_class: Option<String>,
    pub stale: bool,
    pub value_object_id: Option<String>,
    pub value_class: Option<String>,
    pub value_retained: u64,
}

impl From<&ThreadLocalEntry> for ThreadLocalView {
    fn from(e: &ThreadLocalEntry) -> Self {
        ThreadLocalView {
            map: e.map.to_string(),
            key_class: e.key_class.clone(),
            stale: e.stale,
            value_object_id: e.value_object_id.clone(),
            value_class: e.value_class.clone(),
            value_retained: e.value_retained,
        }
    }
}

/// One thread's page: its row, stack with locals, and ThreadLocal entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadDetails {
    pub row: ThreadRow,
    pub state_detail: Option<String>,
    pub priority: i32,
    pub frames: Vec<FrameView>,
    /// Locals whose frame is unknown.
    pub other_locals: Vec<LocalRef>,
    pub thread_locals: Vec<ThreadLocalView>,
}

impl From<&ThreadInfo> for ThreadDetails {
    fn from(t: &ThreadInfo) -> Self {
        ThreadDetails {
            row: ThreadRow::from(t),
            state_detail: t.state_detail.map(str::to_string),
            priority: t.priority,
            frames: t
                .frames
                .iter()
                .map(|f| FrameView {
                    depth: f.depth,
                    display: f.display.to_string(),
                    locals: f.locals.clone(),
                })
                .collect(),
            other_locals: t.other_locals.clone(),
            thread_locals: t.thread_locals.iter().map(ThreadLocalView::from).collect(),
        }
    }
}

/// Indices (into `threads`) of the threads whose name matches `filter` as the tree's filter
/// does ([`domtree::name_matches`]: a case-insensitive substring), in order.
pub fn matching_threads(threads: &[ThreadInfo], filter: &str) -> Vec<u32> {
    threads
        .iter()
        .enumerate()
        .filter(|(_, t)| domtree::name_matches(&t.name, filter))
        .map(|(i, _)| i as u32)
        .collect()
}
