//! Worker-side glue (wasm32 only): installs the message handler and announces readiness.
//!
//! Runs inside a dedicated Web Worker started by [`crate::engine::Engine::spawn`]. Its entry
//! script (`web/worker_loader.js`) imports the wasm-bindgen JS and instantiates the wasm, which
//! calls `main` of `src/bin/worker.rs`, which calls [`start`].
//!
//! A message is a JSON [`ToWorker`] text, or `[text, blob]` when a dump comes with it. The dump
//! is read synchronously in 8 MiB slices (`Blob.slice` + `FileReaderSync`: allowed in workers,
//! and it keeps the whole analysis one plain Rust call). Progress goes out as unsolicited
//! [`FromWorker::Progress`] messages while the request runs; the page's main thread stays free.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use web_sys::{Blob, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

use crate::protocol::{decode, encode, FromWorker, PartialResults, Progress, Response, ToWorker, PROTOCOL_VERSION};
use crate::service::{DumpSource, Host, Service};

/// Install the `onmessage` handler, then post [`FromWorker::Ready`].
pub fn start() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();

    // One service for the worker's lifetime. Requests are handled one at a time, in order.
    let service = RefCell::new(Service::new());
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let (text, attachment) = split_message(event.data());
        let reply = match text.as_deref().map(decode::<ToWorker>) {
            Some(Ok(ToWorker { id, request })) => {
                let mut host = WorkerHost { scope: reply_scope.clone() };
                let mut source = attachment.map(BlobSource::new);
                let response = service.borrow_mut().handle_with(
                    request,
                    source.as_mut().map(|s| s as &mut dyn DumpSource),
                    &mut host,
                );
                FromWorker::Reply { id, response }
            }
            // A malformed message has no usable id: answer with id 0 (never issued by the UI)
            // so the problem is visible instead of a request silently hanging.
            Some(Err(e)) => error_reply(format!("undecodable request: {e}")),
            None => error_reply("request is not a JSON string".into()),
        };
        post(&reply_scope, &reply);
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

/// A message to the worker: its JSON text, and the `Blob` posted next to it (`[text, blob]`).
pub fn split_message(data: JsValue) -> (Option<String>, Option<Blob>) {
    if js_sys::Array::is_array(&data) {
        let parts: js_sys::Array = data.unchecked_into();
        (parts.get(0).as_string(), parts.get(1).dyn_into::<Blob>().ok())
    } else {
        (data.as_string(), None)
    }
}

fn error_reply(message: String) -> FromWorker {
    FromWorker::Reply { id: 0, response: Response::Error { message } }
}

fn post(scope: &DedicatedWorkerGlobalScope, msg: &FromWorker) {
    if let Err(e) = scope.post_message(&JsValue::from_str(&encode(msg))) {
        web_sys::console::error_2(&"heaplens worker: postMessage failed".into(), &e);
    }
}

/// Clock and progress channel of the worker.
struct WorkerHost {
    scope: DedicatedWorkerGlobalScope,
}

impl Host for WorkerHost {
    fn now_ms(&mut self) -> f64 {
        js_sys::Date::now()
    }
    fn progress(&mut self, progress: &Progress) {
        post(&self.scope, &FromWorker::Progress(progress.clone()));
    }
    fn partial(&mut self, partial: &PartialResults) {
        post(&self.scope, &FromWorker::Partial(Box::new(partial.clone())));
    }
    fn memory_bytes(&mut self) -> u64 {
        wasm_memory_bytes()
    }
}

/// Size of this worker's wasm memory (`WebAssembly.Memory.buffer.byteLength`). Read as a
/// number: a full 4 GiB memory does not fit the `u32` of `ArrayBuffer::byte_length`.
pub fn wasm_memory_bytes() -> u64 {
    let buffer = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer();
    js_sys::Reflect::get(&buffer, &JsValue::from_str("byteLength")).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as u64
}

/// The posted `File`/`Blob`, read in slices with `FileReaderSync` (workers only).
pub struct BlobSource {
    blob: Blob,
    reader: Option<FileReaderSync>,
}

impl BlobSource {
    pub fn new(blob: Blob) -> Self {
        BlobSource { blob, reader: FileReaderSync::new().ok() }
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
        let reader = self.reader.as_ref().ok_or("FileReaderSync is not available")?;
        let slice = self
            .blob
            .slice_with_f64_and_f64(offset as f64, end as f64)
            .map_err(|e| format!("{e:?}"))?;
        let bytes = reader.read_as_array_buffer(&slice).map_err(|e| {
            // A file changed or removed on disk after it was chosen: a DOMException.
            e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_else(|| format!("{e:?}"))
        })?;
        let view = js_sys::Uint8Array::new(&bytes);
        let n = (view.length() as usize).min(buf.len());
        view.subarray(0, n as u32).copy_to(&mut buf[..n]);
        Ok(n)
    }
}
