//! Pass 2's String previews on a second thread (native only).
//!
//! Every String value pass 2 reads is hashed, deduplicated in a table far bigger than the caches
//! and its preview decoded (`store::StringStoreBuilder`): a sixth of pass 2's time on the
//! application mix, more on a strings-heavy one, and none of it needed by the rest of pass 2. So
//! with a second thread [`Strings`] hands the values to a builder on that thread: the parser's
//! thread copies each value's bytes into a batch buffer (a few buffers of [`BATCH_BYTES`] go
//! round between the threads, so the memory stays bounded whatever the dump), the string thread
//! replays the same calls, in the same order, on the one builder. The store is therefore the
//! same bytes as when built on one thread (`tests/read_ahead.rs`). Without a second thread
//! (wasm32, or one thread asked for) the calls go straight to the builder.

use super::node::Node;
use super::store::{StringStore, StringStoreBuilder};
use crate::hprof::BasicType;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread::JoinHandle;

/// Bytes of values per batch sent to the string thread.
const BATCH_BYTES: usize = 256 << 10;
/// Batches in flight (one being filled, the others queued or being replayed).
const DEPTH: usize = 3;

/// One call on the builder, encoded in a batch: tag, node (4 bytes LE), element type code,
/// length (4 bytes LE), the bytes.
const INSERT: u8 = 0;
const INSERT_SLICE: u8 = 1;
const INSERT_TEXT_UTF16: u8 = 2;
const INSERT_TEXT_LATIN1: u8 = 3;

/// Pass 2's string builder: here, or on a second thread.
pub(crate) enum Strings {
    Here(StringStoreBuilder),
    Ahead(Box<Ahead>),
}

/// The parser's side of a string thread.
pub(crate) struct Ahead {
    batch: Vec<u8>,
    full: SyncSender<Vec<u8>>,
    empties: Receiver<Vec<u8>>,
    thread: JoinHandle<StringStoreBuilder>,
}

impl Strings {
    /// Moves `builder` to a second thread; keeps it here where no thread can be started.
    pub(crate) fn on_second_thread(builder: StringStoreBuilder) -> Strings {
        let (full_tx, full_rx) = sync_channel::<Vec<u8>>(DEPTH);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        for _ in 1..DEPTH {
            let _ = empty_tx.send(Vec::with_capacity(BATCH_BYTES));
        }
        // The builder goes over once the thread runs, so that it stays here if none can start.
        let (hand_tx, hand_rx) = channel::<StringStoreBuilder>();
        let spawned = std::thread::Builder::new()
            .name("heaplens-strings".into())
            .spawn(move || {
                let b = hand_rx
                    .recv()
                    .unwrap_or_else(|_| StringStoreBuilder::new(Vec::new(), 0));
                replay(b, full_rx, empty_tx)
            });
        match spawned {
            Ok(thread) => {
                // Cannot fail: the thread holds the receiver until it has the builder.
                let _ = hand_tx.send(builder);
                Strings::Ahead(Box::new(Ahead {
                    batch: Vec::with_capacity(BATCH_BYTES),
                    full: full_tx,
                    empties: empty_rx,
                    thread,
                }))
            }
            Err(_) => Strings::Here(builder),
        }
    }

    /// See [`StringStoreBuilder::insert`].
    pub(crate) fn insert(&mut self, node: Node, elem: BasicType, data: &[u8]) {
        match self {
            Strings::Here(b) => b.insert(node, elem, data),
            Strings::Ahead(a) => a.push(INSERT, node, elem, data),
        }
    }

    /// See [`StringStoreBuilder::insert_slice`].
    pub(crate) fn insert_slice(&mut self, node: Node, elem: BasicType, data: &[u8]) {
        match self {
            Strings::Here(b) => b.insert_slice(node, elem, data),
            Strings::Ahead(a) => a.push(INSERT_SLICE, node, elem, data),
        }
    }

    /// See [`StringStoreBuilder::insert_text`].
    pub(crate) fn insert_text(&mut self, node: Node, elem: BasicType, utf16: bool, data: &[u8]) {
        match self {
            Strings::Here(b) => b.insert_text(node, elem, utf16, data),
            Strings::Ahead(a) => {
                let tag = if utf16 {
                    INSERT_TEXT_UTF16
                } else {
                    INSERT_TEXT_LATIN1
                };
                a.push(tag, node, elem, data)
            }
        }
    }

    /// The store: see [`StringStoreBuilder::finish`]. Waits for the string thread.
    pub(crate) fn finish(self, node_count: usize) -> StringStore {
        let builder = match self {
            Strings::Here(b) => b,
            Strings::Ahead(a) => a.join(),
        };
        builder.finish(node_count)
    }
}

impl Ahead {
    fn push(&mut self, tag: u8, node: Node, elem: BasicType, data: &[u8]) {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX) as usize;
        let need = 10 + len;
        if !self.batch.is_empty() && self.batch.len() + need > BATCH_BYTES {
            self.send();
        }
        self.batch.push(tag);
        self.batch.extend_from_slice(&node.get().to_le_bytes());
        self.batch.push(elem as u8);
        self.batch.extend_from_slice(&(len as u32).to_le_bytes());
        self.batch.extend_from_slice(&data[..len]);
    }

    /// Sends the batch being filled and takes an empty one (waiting for the string thread if
    /// all are in flight).
    fn send(&mut self) {
        let next = self.empties.recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        // A send fails only when the string thread has ended, i.e. panicked: `join` says so.
        let _ = self.full.send(full);
    }

    fn join(mut self) -> StringStoreBuilder {
        if !self.batch.is_empty() {
            let full = std::mem::take(&mut self.batch);
            let _ = self.full.send(full);
        }
        let Ahead { full, thread, .. } = self;
        drop(full);
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

/// The string thread: replays each batch's calls on the builder, hands the buffer back, and
/// returns the builder when the parser's side hangs up.
fn replay(
    mut b: StringStoreBuilder,
    full: Receiver<Vec<u8>>,
    empties: Sender<Vec<u8>>,
) -> StringStoreBuilder {
    for mut batch in full.iter() {
        let mut at = 0;
        while at + 10 <= batch.len() {
            let tag = batch[at];
            let node = Node::new(u32::from_le_bytes(
                batch[at + 1..at + 5].try_into().unwrap_or_default(),
            ));
            // Written from a parsed `BasicType`: always a valid code.
            let elem = BasicType::from_code(batch[at + 5]).unwrap_or(BasicType::Byte);
            let len = u32::from_le_bytes(batch[at + 6..at + 10].try_into().unwrap_or_default());
            let data = &batch[at + 10..at + 10 + len as usize];
            match tag {
                INSERT => b.insert(node, elem, data),
                INSERT_SLICE => b.insert_slice(node, elem, data),
                INSERT_TEXT_UTF16 => b.insert_text(node, elem, true, data),
                _ => b.insert_text(node, elem, false, data),
            }
            at += 10 + len as usize;
        }
        batch.clear();
        let _ = empties.send(batch);
    }
    b
}
