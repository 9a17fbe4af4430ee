//! Worker-side glue (wasm32 only): installs the message handler and announces readiness.
//!
//! Runs inside a dedicated Web Worker started by the UI's engine (`crate::ui::engine`). Its entry
//! script (`web/worker_loader.js`) imports the wasm-bindgen JS and instantiates the wasm, which
//! calls `main` of `src/bin/worker.rs`, which calls [`start`].
//!
//! A message is a JSON [`ToWorker`] text, or `[text, blob]` when a dump comes with it (`[text,
//! blob, port]` when the page started a file reader for it, [`crate::reader_worker`]). The dump
//! is read in 8 MiB slices with `Blob.arrayBuffer()` by that reader ([`super::reader`]),
//! [`READ_AHEAD`] slices ahead of the one being parsed, and fed to an [`OpenJob`]; messages
//! that arrive meanwhile wait their turn.
//! Progress goes out as unsolicited [`FromWorker::Progress`] messages while the request runs;
//! the page's main thread stays free.
//!
//! A query runs in slices ([`Service::query_slice`], ~40 ms each): after each, the next one is
//! scheduled by a post to a `MessageChannel` of the worker's own, a macrotask queued behind
//! the messages that came meanwhile (a resolved promise would run before them; `setTimeout(0)`
//! is clamped to 4 ms once nested). So a cancel, a newer query, or another view's request is
//! handled between two slices, with no `SharedArrayBuffer` (static hosting and `file://` keep
//! working).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{
    Blob, DedicatedWorkerGlobalScope, FileReaderSync, MessageChannel, MessageEvent, MessagePort,
};

use super::host::{DumpSource, Host, CHUNK_BYTES};
use super::open::OpenJob;
use super::reader::{ReaderPort, Slices};
use super::service::Service;
use crate::jsapi::message;
use crate::protocol::{
    decode, encode, req, FromWorker, OpenOutcome, OpenParams, PartialResults, Progress,
    QueryProgress, Request, RequestId, ToWorker, PROTOCOL_VERSION,
};

/// Slices of the `File` read ahead while the current one is parsed. Chromium reads a `Blob`
/// in its browser process: with reads in flight, the file's bytes arrive while the worker
/// computes (a synchronous `FileReaderSync` read stops the worker for each slice, ~4 s per
/// pass over 1.1 GB on the 2-core bench machine, against ~1.7 s with 2–4 reads in flight).
pub const READ_AHEAD: usize = 3;

/// The worker's state: the service, and the messages that arrived while a dump was opening.
struct Worker {
    scope: DedicatedWorkerGlobalScope,
    service: RefCell<Service>,
    /// An [`req::Open`] is being read (asynchronously): other messages wait in `queue`
    /// so that requests are still answered one at a time, in order.
    opening: Cell<bool>,
    queue: RefCell<VecDeque<JsValue>>,
    /// A dump was opened here: hand it over once the first requests are answered.
    hand_over_when_ready: Cell<bool>,
    /// Handed over: the engine re-sends whatever this worker has not answered to the next one.
    retired: Cell<bool>,
    /// Messages received so far, and whether a hand-over waits for a quiet moment.
    activity: Cell<u64>,
    hand_over_armed: Cell<bool>,
    /// The port whose messages run the next slice of a query, and whether one is posted.
    slicer: RefCell<Option<MessagePort>>,
    slice_posted: Cell<bool>,
}

/// The hand-over waits until no message has come for this long: requests made meanwhile (the
/// dominator tree's first page while the suspects were computed) are answered here first,
/// instead of waiting for the fresh worker.
const HAND_OVER_IDLE_MS: i32 = 300;

/// Gives the core's id hash tables secret keys (`heaplens::graph::add_hash_entropy`): wasm32's
/// standard library has no randomness, so without this a crafted dump could predict the seeds
/// and make every id collide. `crypto.getRandomValues` is in every worker scope; looked up
/// dynamically so no extra web-sys feature is needed.
fn seed_id_hashes() {
    let global = js_sys::global();
    let Ok(crypto) = js_sys::Reflect::get(&global, &"crypto".into()) else {
        return;
    };
    let Ok(get) = js_sys::Reflect::get(&crypto, &"getRandomValues".into()) else {
        return;
    };
    let Some(get) = get.dyn_ref::<js_sys::Function>() else {
        return;
    };
    let words = js_sys::Uint32Array::new_with_length(4);
    if get.call1(&crypto, &words).is_ok() {
        for pair in words.to_vec().chunks(2) {
            heaplens::graph::add_hash_entropy((pair[0] as u64) << 32 | pair[1] as u64);
        }
    }
}

/// Install the `onmessage` handler, then post [`FromWorker::Ready`].
pub fn start() {
    console_error_panic_hook::set_once();
    seed_id_hashes();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();

    // One service for the worker's lifetime.
    let worker = Rc::new(Worker {
        scope: scope.clone(),
        service: RefCell::new(Service::new()),
        opening: Cell::new(false),
        queue: RefCell::default(),
        hand_over_when_ready: Cell::new(false),
        retired: Cell::new(false),
        activity: Cell::new(0),
        hand_over_armed: Cell::new(false),
        slicer: RefCell::new(None),
        slice_posted: Cell::new(false),
    });
    install_slicer(&worker);
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        worker.activity.set(worker.activity.get() + 1);
        if worker.retired.get() {
            // Handed over: only its own snapshot back (no fresh worker could start) revives it.
            let (text, _) = split_message(event.data());
            match text.as_deref().map(decode::<ToWorker>) {
                Some(Ok(msg)) if msg.method == req::Restore::METHOD => worker.retired.set(false),
                _ => return,
            }
        }
        if worker.opening.get() {
            // A warm-up asked for while a dump opens (the open ran it first) is answered now:
            // the page calls the worker ready on its answer.
            match warm_up_request(&event.data()) {
                Some(id) => post(
                    &worker.scope,
                    &FromWorker::Reply {
                        id,
                        result: Ok(serde_json::Value::Bool(false)),
                    },
                ),
                None => worker.queue.borrow_mut().push_back(event.data()),
            }
        } else {
            dispatch(&worker, event.data());
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler must live as long as the worker itself.
    on_message.forget();

    post(
        &scope,
        &FromWorker::Ready {
            protocol: PROTOCOL_VERSION,
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
    );
}

/// The id of a [`req::WarmUp`] message.
fn warm_up_request(data: &JsValue) -> Option<RequestId> {
    let msg = decode::<ToWorker>(&data.as_string()?).ok()?;
    (msg.method == req::WarmUp::METHOD).then_some(msg.id)
}

/// Creates the `MessageChannel` whose messages run a query's slices (see the module docs).
fn install_slicer(worker: &Rc<Worker>) {
    let Ok(channel) = MessageChannel::new() else {
        return;
    };
    let w = worker.clone();
    let on_slice = Closure::<dyn Fn(MessageEvent)>::new(move |_: MessageEvent| run_slice(&w));
    channel
        .port1()
        .set_onmessage(Some(on_slice.as_ref().unchecked_ref()));
    // Lives as long as the worker.
    on_slice.forget();
    *worker.slicer.borrow_mut() = Some(channel.port2());
}

/// Queues the next slice of the query running (once).
fn schedule_slice(worker: &Rc<Worker>) {
    if worker.slice_posted.replace(true) {
        return;
    }
    let posted = worker
        .slicer
        .borrow()
        .as_ref()
        .is_some_and(|port| port.post_message(&JsValue::NULL).is_ok());
    if !posted {
        // No channel: a timeout does the same, a little slower.
        let w = worker.clone();
        let callback = Closure::once_into_js(move || run_slice(&w));
        let _ = worker
            .scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(callback.unchecked_ref(), 0);
    }
}

/// Runs one slice of the query running; posts the replies if it ended, else queues the next.
fn run_slice(worker: &Rc<Worker>) {
    worker.slice_posted.set(false);
    if worker.retired.get() || worker.opening.get() {
        return;
    }
    let mut host = WorkerHost::new(&worker.scope);
    let replies = worker.service.borrow_mut().query_slice(&mut host);
    post_replies(&worker.scope, replies);
    if worker.service.borrow().query_running() {
        schedule_slice(worker);
    }
}

fn post_replies(
    scope: &DedicatedWorkerGlobalScope,
    replies: Vec<(RequestId, Result<serde_json::Value, String>)>,
) {
    for (id, result) in replies {
        post(scope, &FromWorker::Reply { id, result });
    }
}

/// Handles one message: an open with its `File` asynchronously (the file is read ahead while
/// it is parsed), anything else synchronously.
fn dispatch(worker: &Rc<Worker>, data: JsValue) {
    let file = third_part::<Blob>(&data);
    let reader = third_part::<MessagePort>(&data);
    let (text, attachment) = split_message(data);
    let msg = match text.as_deref().map(decode::<ToWorker>) {
        Some(Ok(msg)) => msg,
        // A malformed message has no usable id: answer with id 0 (never issued by the UI) so
        // that the problem is visible instead of a request silently hanging.
        Some(Err(e)) => {
            return post(
                &worker.scope,
                &error_reply(format!("undecodable request: {e}")),
            )
        }
        None => {
            return post(
                &worker.scope,
                &error_reply("request is not a JSON string".into()),
            )
        }
    };
    let mut host = WorkerHost::new(&worker.scope);
    let blob = attachment
        .as_ref()
        .and_then(|a| a.dyn_ref::<Blob>().cloned());
    if msg.method == req::Keep::METHOD || msg.method == req::OpenKept::METHOD {
        return run_kept(worker, msg, blob);
    }
    let id = msg.id;
    match (msg.params::<req::Open>(), blob) {
        (Some(Ok(params)), Some(blob)) => {
            // Kept to read fields again for queries (a query running stops).
            let stopped = worker
                .service
                .borrow_mut()
                .attach_file(Box::new(BlobSource::new(blob.clone())));
            post_replies(&worker.scope, stopped);
            worker.opening.set(true);
            let worker = worker.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let response = open_async(
                    &worker.service,
                    params,
                    &blob,
                    CHUNK_BYTES,
                    READ_AHEAD,
                    reader,
                    &mut host,
                )
                .await;
                worker
                    .hand_over_when_ready
                    .set(matches!(response, OpenOutcome::Opened(_)));
                let result = Ok(serde_json::to_value(response).expect("an outcome serializes"));
                post(&worker.scope, &FromWorker::Reply { id, result });
                worker.opening.set(false);
                // What arrived meanwhile, in order, until one of them opens a dump again.
                while !worker.opening.get() && !worker.retired.get() {
                    let Some(next) = worker.queue.borrow_mut().pop_front() else {
                        break;
                    };
                    dispatch(&worker, next);
                }
            });
        }
        _ => {
            // A `Restore` brings the dump's `File` as a third part (the engine's), for queries.
            if let Some(file) = file.filter(|_| msg.method == req::Restore::METHOD) {
                let stopped = worker
                    .service
                    .borrow_mut()
                    .attach_file(Box::new(BlobSource::new(file)));
                post_replies(&worker.scope, stopped);
            }
            let mut blob_source = attachment
                .as_ref()
                .and_then(|a| a.dyn_ref::<Blob>())
                .map(|b| BlobSource::new(b.clone()));
            let mut buffer_source = attachment
                .and_then(|a| a.dyn_into::<js_sys::Array>().ok())
                .and_then(|a| BufferSource::new(&a));
            let source: Option<&mut dyn DumpSource> = match (&mut blob_source, &mut buffer_source) {
                (Some(b), _) => Some(b),
                (None, Some(b)) => Some(b),
                (None, None) => None,
            };
            let replies = worker
                .service
                .borrow_mut()
                .handle_stepwise(&msg, source, &mut host);
            post_replies(&worker.scope, replies);
            if worker.service.borrow().query_running() {
                schedule_slice(worker);
            }
            arm_hand_over(worker);
        }
    }
}

/// Once the suspects are computed (the UI asks for them right after opening), the building
/// worker's memory is worth giving back, at the next quiet moment.
fn arm_hand_over(worker: &Rc<Worker>) {
    if worker.hand_over_when_ready.get()
        && !worker.hand_over_armed.get()
        && worker.service.borrow().suspects_ready()
    {
        worker.hand_over_armed.set(true);
        hand_over_when_idle(worker);
    }
}

/// [`req::Keep`] and [`req::OpenKept`]: the Origin Private File System is reached through
/// promises, so like an open they run asynchronously while later messages wait their turn.
fn run_kept(worker: &Rc<Worker>, msg: ToWorker, file: Option<Blob>) {
    worker.opening.set(true);
    let worker = worker.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let mut host = WorkerHost::new(&worker.scope);
        let to_json =
            |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| e.to_string());
        let result = match (msg.params::<req::Keep>(), msg.params::<req::OpenKept>()) {
            (Some(params), _) => match params {
                Ok(p) => super::keep::keep(&worker.service, p, &mut host)
                    .await
                    .and_then(|m| to_json(serde_json::to_value(m))),
                Err(e) => Err(e),
            },
            (_, Some(params)) => match params {
                Ok(p) => {
                    if let Some(file) = file {
                        // The dump's file, to read fields again (queries, group by value); a
                        // query running stops.
                        let stopped = worker
                            .service
                            .borrow_mut()
                            .attach_file(Box::new(BlobSource::new(file)));
                        post_replies(&worker.scope, stopped);
                    }
                    // Read back from disk with exact-size structures: nothing to hand over.
                    worker.hand_over_when_ready.set(false);
                    super::keep::open_kept(&worker.service, p, &mut host)
                        .await
                        .and_then(|o| to_json(serde_json::to_value(o)))
                }
                Err(e) => Err(e),
            },
            _ => Err(format!("{} is not a kept-analysis request", msg.method)),
        };
        post(&worker.scope, &FromWorker::Reply { id: msg.id, result });
        worker.opening.set(false);
        while !worker.opening.get() && !worker.retired.get() {
            let Some(next) = worker.queue.borrow_mut().pop_front() else {
                break;
            };
            dispatch(&worker, next);
        }
        // A hand-over put off while this ran, and the slices of a query paused meanwhile.
        if !worker.opening.get() && !worker.retired.get() {
            arm_hand_over(&worker);
            if worker.service.borrow().query_running() {
                schedule_slice(&worker);
            }
        }
    });
}

/// Hands the analysis over once no message has come for [`HAND_OVER_IDLE_MS`].
fn hand_over_when_idle(worker: &Rc<Worker>) {
    let seen = worker.activity.get();
    let w = worker.clone();
    let callback = Closure::once_into_js(move || {
        if w.retired.get() || w.opening.get() || !w.hand_over_when_ready.get() {
            w.hand_over_armed.set(false);
        } else if w.activity.get() != seen || w.service.borrow().query_running() {
            // Busy: a query holds the analysis until it ends or is cancelled.
            hand_over_when_idle(&w);
        } else {
            w.hand_over_armed.set(false);
            w.hand_over_when_ready.set(false);
            let mut host = WorkerHost::new(&w.scope);
            if hand_over(&w, &mut host) {
                w.retired.set(true);
            }
        }
    });
    if worker
        .scope
        .set_timeout_with_callback_and_timeout_and_arguments_0(
            callback.unchecked_ref(),
            HAND_OVER_IDLE_MS,
        )
        .is_err()
    {
        worker.hand_over_armed.set(false);
    }
}

/// The largest `ArrayBuffer` of a snapshot: Chromium cannot post one over 2 GiB ("size exceeds
/// the supported range"), so a memory64 worker's snapshot (2.1 GB at 74 M objects) is cut.
const SNAPSHOT_PIECE: u64 = 1 << 30;

/// Hands the analysis over to a fresh worker (see the protocol's module docs): writes its
/// snapshot into new `ArrayBuffer`s of at most [`SNAPSHOT_PIECE`] bytes, frees the dump and
/// posts [`FromWorker::Handoff`] with them (an array) transferred. `false` when no snapshot
/// could be made (then the dump stays here).
fn hand_over(worker: &Worker, host: &mut dyn Host) -> bool {
    let mut service = worker.service.borrow_mut();
    let Some(plan) = service.prepare_snapshot(host) else {
        return false;
    };
    let buffers = js_sys::Array::new();
    let mut views = Vec::new();
    let mut left = plan.bytes;
    while left > 0 || views.is_empty() {
        let len = left.min(SNAPSHOT_PIECE);
        let buffer = big::new_array_buffer(len as f64);
        views.push(js_sys::Uint8Array::new(&buffer));
        buffers.push(&buffer);
        left -= len;
    }
    // Offsets as JS numbers: a memory64 worker's piece positions pass js-sys's `u32`.
    let mut at = 0u64;
    service.write_snapshot(&plan, &mut |mut piece| {
        while !piece.is_empty() {
            let (i, off) = ((at / SNAPSHOT_PIECE) as usize, at % SNAPSHOT_PIECE);
            let Some(view) = views.get(i) else { return };
            let n = (SNAPSHOT_PIECE - off).min(piece.len() as u64) as usize;
            big::subarray(view, off as f64, (off + n as u64) as f64).copy_from(&piece[..n]);
            at += n as u64;
            piece = &piece[n..];
        }
    });
    if at != plan.bytes {
        return false;
    }
    let handoff = js_sys::Array::of2(
        &JsValue::from_str(&encode(&FromWorker::Handoff { bytes: plan.bytes })),
        &buffers,
    );
    match worker.scope.post_message_with_transfer(&handoff, &buffers) {
        Ok(()) => {
            service.close();
            true
        }
        Err(e) => {
            web_sys::console::warn_1(
                &format!("heaplens worker: no hand-over: {}", message(&e)).into(),
            );
            false
        }
    }
}

/// A snapshot posted as an array of `ArrayBuffer`s ([`req::Restore`]), read as one.
pub struct BufferSource {
    pieces: Vec<js_sys::Uint8Array>,
    /// Where each piece starts, and the total at the end.
    starts: Vec<u64>,
}

impl BufferSource {
    /// `None` when `buffers` holds anything but `ArrayBuffer`s.
    pub fn new(buffers: &js_sys::Array) -> Option<Self> {
        let mut pieces = Vec::new();
        let mut starts = vec![0u64];
        for b in buffers.iter() {
            let buffer = b.dyn_into::<js_sys::ArrayBuffer>().ok()?;
            let len = big::byte_length(&buffer) as u64;
            pieces.push(js_sys::Uint8Array::new(&buffer));
            starts.push(starts.last().copied().unwrap_or(0) + len);
        }
        Some(BufferSource { pieces, starts })
    }
}

impl DumpSource for BufferSource {
    fn size(&self) -> u64 {
        self.starts.last().copied().unwrap_or(0)
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        if offset >= self.size() || buf.is_empty() {
            return Ok(0);
        }
        // The piece holding `offset`; a read stops at its end (callers read again).
        let i = self.starts.partition_point(|&s| s <= offset) - 1;
        let (start, end) = (self.starts[i], self.starts[i + 1]);
        let n = (end - offset).min(buf.len() as u64);
        let off = offset - start;
        big::subarray(&self.pieces[i], off as f64, (off + n) as f64)
            .copy_to(&mut buf[..n as usize]);
        Ok(n as usize)
    }
}

/// `ArrayBuffer`s and views past 4 GiB (the memory64 worker's snapshots): js-sys takes and
/// returns lengths and offsets as `u32`; these bindings pass JS numbers (exact to 2^53).
mod big {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_name = ArrayBuffer)]
        type BigArrayBuffer;
        #[wasm_bindgen(constructor, js_class = "ArrayBuffer")]
        fn new(len: f64) -> BigArrayBuffer;
        #[wasm_bindgen(method, getter, js_class = "ArrayBuffer", js_name = byteLength)]
        fn byte_length(this: &BigArrayBuffer) -> f64;
        #[wasm_bindgen(js_name = Uint8Array)]
        type BigUint8Array;
        #[wasm_bindgen(method, js_class = "Uint8Array", js_name = subarray)]
        fn subarray(this: &BigUint8Array, begin: f64, end: f64) -> js_sys::Uint8Array;
    }

    pub fn new_array_buffer(len: f64) -> js_sys::ArrayBuffer {
        BigArrayBuffer::new(len).unchecked_into()
    }

    pub fn byte_length(buffer: &js_sys::ArrayBuffer) -> f64 {
        buffer.unchecked_ref::<BigArrayBuffer>().byte_length()
    }

    pub fn subarray(view: &js_sys::Uint8Array, begin: f64, end: f64) -> js_sys::Uint8Array {
        view.unchecked_ref::<BigUint8Array>().subarray(begin, end)
    }
}

/// Opens `blob` into `service` like [`Service::handle_with`] does with a [`req::Open`],
/// reading `chunk`-byte slices with up to `read_ahead` of them read ahead, by the file reader at
/// the other end of `reader` where there is one, else by this worker (see [`super::reader`]).
/// The service is only borrowed between awaits.
pub async fn open_async(
    service: &RefCell<Service>,
    params: OpenParams,
    blob: &Blob,
    chunk: usize,
    read_ahead: usize,
    reader: Option<MessagePort>,
    host: &mut dyn Host,
) -> OpenOutcome {
    let reader = reader.map(ReaderPort::new);
    let blob_size = blob.size() as u64;
    // The analysis code onto TurboFan (`worker::warm`), before the job allocates anything: the
    // warm-up's memory, freed, is then one free stretch at the bottom of the heap. Run after
    // the job's first allocations, it cost the building worker 65 MiB more wasm memory on a
    // 25 M-object dump.
    super::warm::warm_up_once(host);
    let mut job = match service.borrow_mut().begin_open(
        params.name,
        blob_size.max(params.size),
        params.settings,
        host,
    ) {
        Ok(job) => job.reserving(params.reserved_bytes),
        Err(e) => return OpenOutcome::Failed(e),
    };
    let mut buf = Vec::new();
    loop {
        // Pass 2 of an uncompressed file reads around the contents of primitive arrays it does
        // not need (`OpenJob::skips`): one slice per stretch between two of them.
        let reads = job
            .reads(chunk as u64)
            .into_iter()
            .filter(|&(at, _)| at < blob_size)
            .map(|(at, len)| (at, len.min(blob_size - at)))
            .collect();
        let mut slices = Slices::start(blob, reads, read_ahead, reader.as_ref());
        while let Some(slice) = slices.next().await {
            let offset = job.offset();
            let bytes = match slice {
                Ok(bytes) => bytes,
                Err(e) => return OpenJob::read_failed(offset, &e),
            };
            let view = js_sys::Uint8Array::new(&bytes);
            buf.resize(view.length() as usize, 0);
            view.copy_to(&mut buf);
            if let Err(e) = job.feed(&buf, host) {
                return OpenOutcome::Failed(e);
            }
        }
        match job.end_of_data(host) {
            Ok(true) => continue,
            Ok(false) => break,
            Err(e) => return OpenOutcome::Failed(e),
        }
    }
    drop(buf);
    service.borrow_mut().complete(job, host)
}

/// A message: its JSON text, and what was posted next to it (`[text, blob]`: a dump's `Blob`,
/// or `[text, buffer]`: a snapshot's `ArrayBuffer`).
pub fn split_message(data: JsValue) -> (Option<String>, Option<JsValue>) {
    if js_sys::Array::is_array(&data) {
        let parts: js_sys::Array = data.unchecked_into();
        let attachment = parts.get(1);
        (
            parts.get(0).as_string(),
            (!attachment.is_undefined() && !attachment.is_null()).then_some(attachment),
        )
    } else {
        (data.as_string(), None)
    }
}

/// The `File` of a `[text, buffer, file]` message (a [`req::Restore`] after a hand-over).
fn third_part<T: JsCast>(data: &JsValue) -> Option<T> {
    if !js_sys::Array::is_array(data) {
        return None;
    }
    let parts: &js_sys::Array = data.unchecked_ref();
    parts.get(2).dyn_into::<T>().ok()
}

fn error_reply(message: String) -> FromWorker {
    FromWorker::Reply {
        id: 0,
        result: Err(message),
    }
}

fn post(scope: &DedicatedWorkerGlobalScope, msg: &FromWorker) {
    if let Err(e) = scope.post_message(&JsValue::from_str(&encode(msg))) {
        web_sys::console::error_2(&"heaplens worker: postMessage failed".into(), &e);
    }
}

/// Clock and progress channel of the worker.
struct WorkerHost {
    scope: DedicatedWorkerGlobalScope,
    /// Posts nothing (the warm-up: [`Host::set_quiet`]).
    quiet: bool,
}

impl WorkerHost {
    fn new(scope: &DedicatedWorkerGlobalScope) -> Self {
        WorkerHost {
            scope: scope.clone(),
            quiet: false,
        }
    }
}

impl Host for WorkerHost {
    fn now_ms(&mut self) -> f64 {
        js_sys::Date::now()
    }
    fn progress(&mut self, progress: &Progress) {
        if !self.quiet {
            post(&self.scope, &FromWorker::Progress(progress.clone()));
        }
    }
    fn partial(&mut self, partial: &PartialResults) {
        if !self.quiet {
            post(&self.scope, &FromWorker::Partial(Box::new(partial.clone())));
        }
    }
    fn query_progress(&mut self, progress: &QueryProgress) {
        if !self.quiet {
            post(&self.scope, &FromWorker::QueryProgress(progress.clone()));
        }
    }
    fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }
    fn memory_bytes(&mut self) -> u64 {
        wasm_memory_bytes()
    }
}

/// Size of this worker's wasm memory (`WebAssembly.Memory.buffer.byteLength`). Read as a
/// number: a full 4 GiB memory does not fit the `u32` of `ArrayBuffer::byte_length`.
pub fn wasm_memory_bytes() -> u64 {
    let buffer = wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer();
    js_sys::Reflect::get(&buffer, &JsValue::from_str("byteLength"))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0) as u64
}

/// The posted `File`/`Blob`, read in slices with `FileReaderSync` (workers only).
pub struct BlobSource {
    blob: Blob,
    reader: Option<FileReaderSync>,
}

impl BlobSource {
    pub fn new(blob: Blob) -> Self {
        BlobSource {
            blob,
            reader: FileReaderSync::new().ok(),
        }
    }
}

impl DumpSource for BlobSource {
    fn size(&self) -> u64 {
        self.blob.size() as u64
    }
    /// Offsets are `u64` all the way to `Blob.slice`, whose `f64` arguments are exact up to
    /// 2^53: files beyond 4 GiB are sliced where asked.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        let size = self.size();
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let end = (offset + buf.len() as u64).min(size);
        let reader = self
            .reader
            .as_ref()
            .ok_or("FileReaderSync is not available")?;
        let slice = self
            .blob
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|e| format!("{e:?}"))?;
        let bytes = reader
            .read_as_array_buffer(&slice)
            .map_err(|e| message(&e))?;
        let view = js_sys::Uint8Array::new(&bytes);
        let n = (view.length() as usize).min(buf.len());
        view.subarray(0, n as u32).copy_to(&mut buf[..n]);
        Ok(n)
    }
}
