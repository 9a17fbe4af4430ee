//! Reading the dump's `File` in slices, ahead of the parser: [`Slices`].
//!
//! Each slice is a `Blob.slice(..).arrayBuffer()` read. Chromium feeds such a read through a
//! data pipe drained by the thread that asked for it, so reads the analysis worker asks for
//! advance only while it waits, not while it parses: on a 1.1 GB file that was ~1.1 s of each
//! pass (measured with a stand-in parser of 27 ms per 8 MiB slice: 4.75 s for the pass where
//! the parsing alone took 3.67 s). So the page starts a file reader next to each dump it opens
//! ([`crate::reader_worker`]) and the analysis worker asks it for the slices through a
//! [`ReaderPort`]; the reader transfers each slice's `ArrayBuffer` (the same stand-in pass took
//! 3.97 s). Without a port (a caller that gives none), or once the reader fails or does not
//! answer for [`STALL_MS`], the analysis worker reads the rest itself.
//!
//! Slices arrive in order. The analysis worker keeps at most `depth` slices read or waiting;
//! the file reader at most `depth` × the longest slice's bytes (so more slices where they are
//! short), and at most [`MOST_SLICES`].

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::ArrayBuffer;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, MessageEvent, MessagePort};

use crate::jsapi::{get, message, object};

/// Slices the file reader has asked for and not handed over, at most: where slices are short
/// (pass 2 reads between skipped array contents: 187 of `big1100.hprof`'s 427 reads are under
/// 64 KiB) their bytes allow more than `depth` of them.
const MOST_SLICES: usize = 32;

/// Slices of a `Blob` (`reads`: offset and length of each, in order), read ahead of the
/// caller: see the module documentation.
pub enum Slices<'a> {
    ByReader(PortReader<'a>),
    InWorker(ReadAhead),
}

impl<'a> Slices<'a> {
    /// Reads by `reader` where there is one that still works, else in this worker.
    pub fn start(
        blob: &Blob,
        reads: Vec<(u64, u64)>,
        depth: usize,
        reader: Option<&'a ReaderPort>,
    ) -> Slices<'a> {
        let depth = depth.max(1);
        if let Some(by_reader) =
            reader.and_then(|r| PortReader::start(r, blob, reads.clone(), depth))
        {
            return Slices::ByReader(by_reader);
        }
        Slices::InWorker(ReadAhead::new(blob.clone(), reads, depth))
    }

    /// The next slice's bytes, `None` after the last.
    pub async fn next(&mut self) -> Option<Result<ArrayBuffer, String>> {
        loop {
            let by_reader = match self {
                Slices::InWorker(r) => return r.next().await,
                Slices::ByReader(r) => r,
            };
            match by_reader.next().await {
                Next::Slice(slice) => return Some(slice),
                Next::End => return None,
                Next::Gone => {
                    by_reader.port.gone.set(true);
                    *self = Slices::InWorker(by_reader.rest_here());
                }
            }
        }
    }
}

/// Slices read by the analysis worker, each requested up to `depth` slices before it is
/// needed.
pub struct ReadAhead {
    blob: Blob,
    reads: std::vec::IntoIter<(u64, u64)>,
    depth: usize,
    in_flight: VecDeque<JsFuture>,
}

impl ReadAhead {
    fn new(blob: Blob, reads: Vec<(u64, u64)>, depth: usize) -> Self {
        let mut reader = ReadAhead {
            blob,
            reads: reads.into_iter(),
            depth,
            in_flight: VecDeque::new(),
        };
        reader.request();
        reader
    }

    /// Requests slices until `depth` are in flight or none is left.
    fn request(&mut self) {
        while self.in_flight.len() < self.depth {
            let Some((start, len)) = self.reads.next() else {
                return;
            };
            // `f64` offsets are exact up to 2^53: files beyond 4 GiB are sliced where asked.
            let promise = match self
                .blob
                .slice_with_f64_and_f64(start as f64, (start + len) as f64)
            {
                Ok(slice) => slice.array_buffer(),
                Err(e) => js_sys::Promise::reject(&e),
            };
            self.in_flight.push_back(JsFuture::from(promise));
        }
    }

    async fn next(&mut self) -> Option<Result<ArrayBuffer, String>> {
        let future = self.in_flight.pop_front()?;
        let result = future.await;
        // Keep `depth` reads going while the caller parses this slice.
        self.request();
        Some(result.map(|v| v.unchecked_into()).map_err(|e| message(&e)))
    }
}

/// The file reader's end of the page's `MessageChannel` (see [`crate::reader_worker`]), for one
/// dump: its passes are jobs, numbered.
pub struct ReaderPort {
    port: MessagePort,
    inbox: Rc<RefCell<Inbox>>,
    /// The last job given.
    jobs: Cell<u32>,
    /// The reader failed or stalled: the rest of this dump's reads stay in the analysis worker.
    gone: Cell<bool>,
    /// How long a wait for the reader's next message may last ([`STALL_MS`]).
    stall_ms: i32,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// What the reader sent and no one took yet, or the promise waiting for its next message.
#[derive(Default)]
struct Inbox {
    arrived: VecDeque<JsValue>,
    waiting: Option<js_sys::Function>,
}

impl Inbox {
    fn deliver(inbox: &RefCell<Inbox>, data: JsValue) {
        let waiting = inbox.borrow_mut().waiting.take();
        match waiting {
            Some(resolve) => {
                let _ = resolve.call1(&JsValue::NULL, &data);
            }
            None => inbox.borrow_mut().arrived.push_back(data),
        }
    }
}

/// What a wait for the reader's next message found instead of a message.
const STALLED: &str = "stalled";

/// How long a wait for the reader's next slice may last before the analysis worker reads the
/// rest itself. Far longer than an 8 MiB read from any local disk; a reader that does not answer
/// must not leave the page waiting forever.
const STALL_MS: i32 = 15_000;

impl ReaderPort {
    /// Listens on `port` (the reader's messages).
    pub fn new(port: MessagePort) -> ReaderPort {
        ReaderPort::with_stall_ms(port, STALL_MS)
    }

    /// As [`ReaderPort::new`], with `stall_ms` instead of [`STALL_MS`] (a test's reader that
    /// never answers need not keep it waiting 15 s).
    pub fn with_stall_ms(port: MessagePort, stall_ms: i32) -> ReaderPort {
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        let to = inbox.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            Inbox::deliver(&to, e.data())
        });
        port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ReaderPort {
            port,
            inbox,
            jobs: Cell::new(0),
            gone: Cell::new(false),
            stall_ms,
            _on_message: on_message,
        }
    }

    /// The reader's next message, or [`STALLED`] after `stall_ms` without one.
    async fn message(&self) -> JsValue {
        let arrived = self.inbox.borrow_mut().arrived.pop_front();
        if let Some(data) = arrived {
            return data;
        }
        let (inbox, stall_ms) = (self.inbox.clone(), self.stall_ms);
        let message = js_sys::Promise::new(&mut |resolve, _| {
            let stalled: js_sys::Function = resolve
                .bind1(&JsValue::NULL, &STALLED.into())
                .unchecked_into();
            let _ = js_sys::global()
                .unchecked_into::<web_sys::WorkerGlobalScope>()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&stalled, stall_ms);
            inbox.borrow_mut().waiting = Some(resolve);
        });
        JsFuture::from(message).await.unwrap_or_else(|e| e)
    }

    fn post(&self, key: &str, job: u32) {
        let _ = self.port.post_message(&object(&[(key, job.into())]));
    }
}

impl Drop for ReaderPort {
    fn drop(&mut self) {
        self.port.set_onmessage(None);
        self.port.close();
    }
}

/// One pass's slices, read by the file reader.
pub struct PortReader<'a> {
    port: &'a ReaderPort,
    job: u32,
    blob: Blob,
    reads: Vec<(u64, u64)>,
    /// Slices handed out so far.
    taken: usize,
    depth: usize,
}

/// What the file reader gave.
enum Next {
    Slice(Result<ArrayBuffer, String>),
    End,
    /// It failed or stalled: the rest is to be read elsewhere.
    Gone,
}

impl<'a> PortReader<'a> {
    fn start(
        port: &'a ReaderPort,
        blob: &Blob,
        reads: Vec<(u64, u64)>,
        depth: usize,
    ) -> Option<PortReader<'a>> {
        if port.gone.get() {
            return None;
        }
        let job = port.jobs.get() + 1;
        port.jobs.set(job);
        let pairs = js_sys::Float64Array::new_with_length(2 * reads.len() as u32);
        for (i, &(start, len)) in reads.iter().enumerate() {
            // Exact up to 2^53 bytes.
            pairs.set_index(2 * i as u32, start as f64);
            pairs.set_index(2 * i as u32 + 1, len as f64);
        }
        // `depth` of the longest slices; more of them where they are shorter.
        let longest = reads.iter().map(|r| r.1).max().unwrap_or(0);
        let budget = depth as f64 * longest as f64;
        let m = object(&[
            ("job", job.into()),
            ("file", blob.into()),
            ("reads", pairs.into()),
            ("budget", budget.into()),
            ("most", (MOST_SLICES as f64).into()),
        ]);
        port.port.post_message(&m).ok()?;
        Some(PortReader {
            port,
            job,
            blob: blob.clone(),
            reads,
            taken: 0,
            depth,
        })
    }

    async fn next(&mut self) -> Next {
        if self.taken == self.reads.len() {
            return Next::End;
        }
        loop {
            let data = self.port.message().await;
            if data.is_string() {
                return Next::Gone; // `STALLED`
            }
            let of = get(&data, "job").ok();
            if of.and_then(|j| j.as_f64()) != Some(self.job as f64) {
                continue; // a slice of an earlier job, still in flight when it was dropped
            }
            let buffer = get(&data, "buffer").unwrap_or_default();
            if let Ok(bytes) = buffer.dyn_into::<ArrayBuffer>() {
                self.taken += 1;
                // One slice taken: the reader may start another.
                self.port.post("ack", self.job);
                return Next::Slice(Ok(bytes));
            }
            let error = get(&data, "error").unwrap_or_default();
            self.taken = self.reads.len();
            return Next::Slice(Err(error
                .as_string()
                .unwrap_or_else(|| "the file reader sent something else".into())));
        }
    }

    /// The slices not handed out yet, read by the analysis worker instead.
    fn rest_here(&self) -> ReadAhead {
        ReadAhead::new(
            self.blob.clone(),
            self.reads[self.taken..].to_vec(),
            self.depth,
        )
    }
}

impl Drop for PortReader<'_> {
    fn drop(&mut self) {
        // Reads of a job ended early (a parse error) stop; a finished job's stop is ignored.
        self.port.post("stop", self.job);
    }
}
