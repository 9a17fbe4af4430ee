//! UI-side client of the analysis worker (wasm32 only).
//!
//! [`Engine::spawn`] starts the worker and reports lifecycle events (and the worker's progress
//! messages) through a callback; [`Engine::request`] sends one [`Request`] and resolves with its
//! [`Response`]; [`Engine::request_with`] also hands the worker a `File`/`Blob` (the dump),
//! posted next to the JSON text, never inside it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::protocol::{decode, encode, FromWorker, PartialResults, Progress, Request, RequestId, Response, ToWorker};

/// The worker's entry script (`web/worker_loader.js`, copied to dist/ by Trunk). It loads the
/// worker's wasm-bindgen output, which Trunk never file-hashes, so all names are stable.
pub const WORKER_URL: &str = "./worker_loader.js";

/// Lifecycle of the worker, as reported to the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// The worker runs and accepts requests.
    Ready { protocol: u32, version: String },
    /// The worker could not start or crashed; no request will be answered.
    Failed(String),
    /// Unsolicited progress of the request the worker is working on.
    Progress(Progress),
    /// Unsolicited first-pass results of the dump being opened.
    Partial(Box<PartialResults>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// `postMessage` threw.
    Send(String),
    /// The worker died (or was dropped) before answering.
    Gone,
}

type Pending = RefCell<HashMap<RequestId, oneshot::Sender<Response>>>;

/// Handle to the worker. Dropping it terminates the worker.
pub struct Engine {
    worker: Worker,
    next_id: Cell<RequestId>,
    pending: Rc<Pending>,
    // Kept alive as long as the worker can call them.
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(Event)>,
}

impl Engine {
    /// Start the worker. `on_event` is called with [`EngineEvent::Ready`] once the worker's wasm
    /// runs (send requests only after that), or with [`EngineEvent::Failed`].
    pub fn spawn(on_event: impl Fn(EngineEvent) + 'static) -> Result<Engine, JsValue> {
        // The loader uses `importScripts` (wasm-bindgen `no-modules` output): a classic worker.
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Classic);
        options.set_name("heaplens-engine");
        let worker = Worker::new_with_options(WORKER_URL, &options)?;

        let pending: Rc<Pending> = Rc::default();
        let on_event = Rc::new(on_event);

        let on_message = {
            let pending = pending.clone();
            let on_event = on_event.clone();
            Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    on_event(EngineEvent::Failed("worker sent a non-string message".into()));
                    return;
                };
                match decode::<FromWorker>(&text) {
                    Ok(FromWorker::Ready { protocol, version }) => {
                        on_event(EngineEvent::Ready { protocol, version })
                    }
                    Ok(FromWorker::Progress(p)) => on_event(EngineEvent::Progress(p)),
                    Ok(FromWorker::Partial(p)) => on_event(EngineEvent::Partial(p)),
                    Ok(FromWorker::Reply { id, response }) => {
                        match pending.borrow_mut().remove(&id) {
                            // The receiver may have been dropped (caller lost interest): fine.
                            Some(tx) => drop(tx.send(response)),
                            None => web_sys::console::warn_1(
                                &format!("heaplens: reply to unknown request {id}: {text}").into(),
                            ),
                        }
                    }
                    Err(e) => on_event(EngineEvent::Failed(format!("undecodable reply: {e}"))),
                }
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));

        let on_error = {
            let pending = pending.clone();
            Closure::<dyn Fn(Event)>::new(move |event: Event| {
                // Fail every in-flight request: their senders are dropped, receivers see `Gone`.
                pending.borrow_mut().clear();
                // An uncaught exception in the worker is an `ErrorEvent`; a worker script that
                // cannot be fetched (offline, 404) fires a plain `Event`, without a message.
                let message = event.dyn_ref::<ErrorEvent>().map(|e| e.message()).unwrap_or_default();
                on_event(EngineEvent::Failed(if message.is_empty() {
                    "the analysis worker failed to start".into()
                } else {
                    message
                }));
            })
        };
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));

        Ok(Engine { worker, next_id: Cell::new(1), pending, _on_message: on_message, _on_error: on_error })
    }

    /// Send `request`; resolves with the worker's response.
    pub async fn request(&self, request: Request) -> Result<Response, EngineError> {
        self.send(request, None).await
    }

    /// Send `request` with a `File`/`Blob` next to it (posted as `[json, blob]`: structured
    /// clone passes the file handle, not its bytes). For [`Request::Open`].
    pub async fn request_with(&self, request: Request, attachment: &JsValue) -> Result<Response, EngineError> {
        self.send(request, Some(attachment)).await
    }

    async fn send(&self, request: Request, attachment: Option<&JsValue>) -> Result<Response, EngineError> {
        let id = self.next_id.get();
        // Id 0 is reserved for the worker's replies to undecodable messages.
        self.next_id.set(id.checked_add(1).unwrap_or(1));
        let (tx, rx) = oneshot::channel();
        self.pending.borrow_mut().insert(id, tx);
        let text = JsValue::from_str(&encode(&ToWorker { id, request }));
        let message = match attachment {
            None => text,
            Some(a) => js_sys::Array::of2(&text, a).into(),
        };
        if let Err(e) = self.worker.post_message(&message) {
            self.pending.borrow_mut().remove(&id);
            return Err(EngineError::Send(format!("{e:?}")));
        }
        rx.await.map_err(|_| EngineError::Gone)
    }
}

impl Engine {
    /// Stop the worker now (frees its memory): in-flight requests resolve with
    /// [`EngineError::Gone`]. Dropping the engine does the same, but an `Rc<Engine>` may still be
    /// held by a pending request's future.
    pub fn terminate(&self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
        self.pending.borrow_mut().clear();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
