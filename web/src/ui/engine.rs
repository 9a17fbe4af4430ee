//! UI-side client of the analysis worker (wasm32 only).
//!
//! [`Engine::spawn`] starts the worker and reports lifecycle events (and the worker's progress
//! messages) through a callback; [`Engine::request`] sends one [`Request`] and resolves with its
//! [`Response`]; [`Engine::request_with`] also hands the worker a `File`/`Blob` (the dump),
//! posted next to the JSON text, never inside it. A hand-over ([`FromWorker::Handoff`]: the
//! building worker's snapshot) is carried out here, invisibly to the callers: the old worker is
//! terminated, a fresh one restores the snapshot and gets the requests left unanswered; the UI
//! hears of it through [`EngineEvent::HandedOver`] (the fresh worker's memory).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use super::worker_kind::WorkerKind;
use crate::protocol::{
    decode, encode, req, response_of, FromWorker, OpenOutcome, Overview, PartialResults, Progress,
    QueryProgress, Request, RequestId, ToWorker, PROTOCOL_VERSION,
};

/// The worker's entry script (`web/worker_loader.js`, copied to dist/ by Trunk). It loads the
/// worker's wasm-bindgen output, which Trunk never file-hashes, so all names are stable.
pub const WORKER_URL: &str = "./worker_loader.js";

thread_local! {
    /// The `blob:` URLs of the workers' bootstraps, per build (made once per page; never
    /// revoked: a few bytes, and every hand-over starts a worker from one).
    static BOOTSTRAP_URL: RefCell<HashMap<&'static str, String>> = RefCell::new(HashMap::new());
}

/// A `blob:` URL of a two-line classic script that imports [`WORKER_URL`] by absolute URL.
///
/// Why not `new Worker("./worker_loader.js")`: a worker started from a URL is governed by the
/// Content-Security-Policy *header of its own script's response* (CSP 3, and Chromium since
/// dedicated workers are fetched by the browser process), so on a static host that sends no
/// header (GitHub Pages, a plain file server) the worker ran without any policy: the page's
/// `<meta>` policy does not reach it. A worker started from a `blob:` URL has no response to
/// take a policy from and inherits its creator's policy container, the `<meta>` policy
/// included. So the worker is bound by the same `connect-src 'self'` as the page on every host
/// (tests/browser/privacy.test.mjs checks it, with and without the header).
///
/// `kind` picks the build the loader imports (`self.heaplensWorker`).
fn bootstrap_url(kind: WorkerKind) -> Result<String, JsValue> {
    let glue = kind.glue_name();
    if let Some(url) = BOOTSTRAP_URL.with(|u| u.borrow().get(glue).cloned()) {
        return Ok(url);
    }
    let page = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .location()
        .href()?;
    // A blob: worker's base URL is the blob's, so everything it loads is named absolutely.
    let loader = web_sys::Url::new_with_base(WORKER_URL, &page)?.href();
    let base = web_sys::Url::new_with_base("./", &page)?.href();
    // JSON strings are JavaScript string literals (URLs hold no U+2028/2029).
    let script = format!(
        "self.heaplensBase = {};\nself.heaplensWorker = {};\nimportScripts({});\n",
        serde_json::to_string(&base).map_err(|e| JsValue::from_str(&e.to_string()))?,
        serde_json::to_string(glue).map_err(|e| JsValue::from_str(&e.to_string()))?,
        serde_json::to_string(&loader).map_err(|e| JsValue::from_str(&e.to_string()))?,
    );
    let url = crate::jsapi::blob_url(&script, "text/javascript")?;
    BOOTSTRAP_URL.with(|u| u.borrow_mut().insert(glue, url.clone()));
    Ok(url)
}

/// Lifecycle of the worker, as reported to the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// The worker runs and accepts requests.
    Ready { protocol: u32, version: String },
    /// The worker could not start or crashed; no request will be answered.
    Failed(String),
    /// Unsolicited progress of the request the worker is working on.
    Progress(Progress),
    /// Unsolicited progress of the query running (in slices, between other requests).
    QueryProgress(QueryProgress),
    /// Unsolicited first-pass results of the dump being opened.
    Partial(Box<PartialResults>),
    /// The analysis moved to a fresh worker (whose memory holds only what is kept): its
    /// overview, the same as before but for the worker's memory.
    /// `fresh`: false when no fresh worker could start (offline) and the building worker
    /// restored its own snapshot (no memory saved).
    HandedOver {
        overview: Box<Overview>,
        fresh: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// `postMessage` threw.
    Send(String),
    /// The worker died (or was dropped) before answering.
    Gone,
    /// The worker answered that it could not serve the request (no dump open, unknown object,
    /// bad params…), or its answer did not decode as the request's response type.
    Failed(String),
}

/// A reply as it comes: the response's JSON, or the worker's error.
type Reply = Result<serde_json::Value, String>;

/// Requests not answered yet: how to answer them, and the message (re-sent after a hand-over).
type Pending = RefCell<HashMap<RequestId, (oneshot::Sender<Reply>, JsValue)>>;

/// Handle to the worker. Dropping it terminates the worker.
pub struct Engine {
    inner: Rc<Inner>,
}

struct Inner {
    /// The build of the worker (and of its hand-over candidates).
    kind: WorkerKind,
    /// The worker answering requests (replaced once per hand-over).
    worker: RefCell<Worker>,
    next_id: Cell<RequestId>,
    pending: Pending,
    on_event: Box<dyn Fn(EngineEvent)>,
    /// A hand-over in progress ([`FromWorker::Handoff`]): the snapshot, posted to the fresh
    /// worker as soon as it is ready (requests wait in `pending` until then).
    handoff: RefCell<Option<JsValue>>,
    /// The id of the [`req::Restore`] sent, and whether it went to a fresh worker.
    restoring: Cell<Option<(RequestId, bool)>>,
    /// The [`req::WarmUp`] sent when the worker said it runs, and the version it said: the
    /// engine is ready once it is answered (see [`Inner::warm_up`]).
    warming: RefCell<Option<(RequestId, String)>>,
    /// The worker that will take the hand-over, started with the dump's `Open` (while the page
    /// can still fetch it: a hand-over may come after the network is gone), and whether it
    /// runs. Without one the snapshot goes back to the building worker (no memory saved).
    candidate: RefCell<Option<Worker>>,
    candidate_ready: Cell<bool>,
    /// The dump's `File` (posted with the `Open`), posted again with the `Restore` so that the
    /// worker holding the analysis can read fields from the dump (queries).
    file: RefCell<Option<JsValue>>,
    /// The file reader of the dump being opened (`crate::reader_worker`), until it is read.
    reader: RefCell<Option<Worker>>,
    on_candidate_message: Listener<MessageEvent>,
    on_candidate_error: Listener<Event>,
    // Installed on every worker; they hold only a weak reference back.
    on_message: Listener<MessageEvent>,
    on_error: Listener<Event>,
}

/// An event listener installed on a worker, kept alive while it is installed.
type Listener<E> = RefCell<Option<Closure<dyn Fn(E)>>>;

/// A new worker of build `kind` running [`WORKER_URL`] through the [`bootstrap_url`] (for the
/// page's CSP).
fn new_worker(kind: WorkerKind) -> Result<Worker, JsValue> {
    // The loader uses `importScripts` (wasm-bindgen `no-modules` output): a classic worker.
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Classic);
    options.set_name(kind.worker_name());
    Worker::new_with_options(&bootstrap_url(kind)?, &options)
}

impl Engine {
    /// Start a worker of build `kind`. `on_event` is called with [`EngineEvent::Ready`] once
    /// the worker's wasm runs and has warmed up (send requests only after that), or with [`EngineEvent::Failed`].
    pub fn spawn(
        kind: WorkerKind,
        on_event: impl Fn(EngineEvent) + 'static,
    ) -> Result<Engine, JsValue> {
        let inner = Rc::new(Inner {
            kind,
            worker: RefCell::new(new_worker(kind)?),
            next_id: Cell::new(1),
            pending: RefCell::default(),
            on_event: Box::new(on_event),
            handoff: RefCell::default(),
            restoring: Cell::new(None),
            warming: RefCell::default(),
            candidate: RefCell::default(),
            candidate_ready: Cell::new(false),
            file: RefCell::default(),
            reader: RefCell::default(),
            on_message: RefCell::default(),
            on_error: RefCell::default(),
            on_candidate_message: RefCell::default(),
            on_candidate_error: RefCell::default(),
        });
        let weak = Rc::downgrade(&inner);
        *inner.on_message.borrow_mut() = Some(Closure::<dyn Fn(MessageEvent)>::new(
            move |event: MessageEvent| {
                if let Some(inner) = weak.upgrade() {
                    inner.on_message(event.data());
                }
            },
        ));
        let weak = Rc::downgrade(&inner);
        *inner.on_error.borrow_mut() = Some(Closure::<dyn Fn(Event)>::new(move |event: Event| {
            if let Some(inner) = weak.upgrade() {
                inner.on_error(event);
            }
        }));
        let weak = Rc::downgrade(&inner);
        *inner.on_candidate_message.borrow_mut() = Some(Closure::<dyn Fn(MessageEvent)>::new(
            move |event: MessageEvent| {
                if let Some(inner) = weak.upgrade() {
                    inner.on_candidate_message(event.data());
                }
            },
        ));
        let weak = Rc::downgrade(&inner);
        *inner.on_candidate_error.borrow_mut() =
            Some(Closure::<dyn Fn(Event)>::new(move |_: Event| {
                if let Some(inner) = weak.upgrade() {
                    inner.candidate_failed();
                }
            }));
        inner.install();
        Ok(Engine { inner })
    }

    /// Asks `R`; resolves with its response (`R::Response`: no other answer can come back).
    pub async fn request<R: Request>(&self, params: R::Params) -> Result<R::Response, EngineError> {
        self.send::<R>(params, None).await
    }

    /// Asks `R` with a `File`/`Blob` next to it (posted as `[json, blob]`: structured clone
    /// passes the file handle, not its bytes). For [`req::Open`].
    pub async fn request_with<R: Request>(
        &self,
        params: R::Params,
        attachment: &JsValue,
    ) -> Result<R::Response, EngineError> {
        self.send::<R>(params, Some(attachment)).await
    }

    async fn send<R: Request>(
        &self,
        params: R::Params,
        attachment: Option<&JsValue>,
    ) -> Result<R::Response, EngineError> {
        let inner = &self.inner;
        let id = inner.new_id();
        let (tx, rx) = oneshot::channel();
        let text = JsValue::from_str(&encode(&ToWorker::new::<R>(id, &params)));
        let message: JsValue = match attachment {
            None => text.clone(),
            Some(a) => js_sys::Array::of2(&text, a).into(),
        };
        inner.pending.borrow_mut().insert(id, (tx, message.clone()));
        let opening = attachment.filter(|_| R::METHOD == req::Open::METHOD);
        if let Some(file) = opening {
            *inner.file.borrow_mut() = Some(file.clone());
            inner.start_candidate();
        }
        // During a hand-over the request waits in `pending` for the fresh worker.
        if inner.handoff.borrow().is_some() {
        } else if let Err(e) = inner.post_request(&message, &text, opening) {
            inner.pending.borrow_mut().remove(&id);
            return Err(EngineError::Send(format!("{e:?}")));
        }
        let reply = rx.await.map_err(|_| EngineError::Gone);
        if opening.is_some() {
            inner.stop_reader();
        }
        let reply = reply?;
        reply
            .and_then(response_of::<R>)
            .map_err(EngineError::Failed)
    }
}

impl Inner {
    /// Posts a request; an [`req::Open`] of `file` goes with the port of a file reader started
    /// for it (`[text, file, port]`, see [`crate::reader_worker`]), or without one (the worker
    /// then reads the file itself) where none can start.
    fn post_request(
        &self,
        message: &JsValue,
        text: &JsValue,
        file: Option<&JsValue>,
    ) -> Result<(), JsValue> {
        let worker = self.worker.borrow();
        let Some(file) = file else {
            return worker.post_message(message);
        };
        let Ok((reader, port)) = crate::reader_worker::start() else {
            return worker.post_message(message);
        };
        let with_port = js_sys::Array::of3(text, file, &port);
        if let Err(e) = worker.post_message_with_transfer(&with_port, &js_sys::Array::of1(&port)) {
            reader.terminate();
            return Err(e);
        }
        self.stop_reader();
        *self.reader.borrow_mut() = Some(reader);
        Ok(())
    }

    /// Terminates the file reader (its dump is read).
    fn stop_reader(&self) {
        if let Some(reader) = self.reader.borrow_mut().take() {
            reader.terminate();
        }
    }

    fn new_id(&self) -> RequestId {
        let id = self.next_id.get();
        // Id 0 is reserved for the worker's replies to undecodable messages.
        self.next_id.set(id.checked_add(1).unwrap_or(1));
        id
    }

    /// The worker runs: it is asked to warm up ([`req::WarmUp`]) before the engine says it is
    /// ready, so that the warm-up (a few tenths of a second) runs while the user picks a file,
    /// not after it. A hand-over's candidate is not asked: it restores an analysis and opens
    /// no dump. A worker of another protocol is reported as it is (the page says why).
    fn warm_up(&self, protocol: u32, version: String) {
        if protocol != PROTOCOL_VERSION {
            return (self.on_event)(EngineEvent::Ready { protocol, version });
        }
        let id = self.new_id();
        let text = JsValue::from_str(&encode(&ToWorker::new::<req::WarmUp>(id, &())));
        if self.worker.borrow().post_message(&text).is_err() {
            return (self.on_event)(EngineEvent::Ready { protocol, version });
        }
        *self.warming.borrow_mut() = Some((id, version));
    }

    /// Starts the worker that will take the hand-over, unless there is one.
    fn start_candidate(&self) {
        if self.candidate.borrow().is_some() {
            return;
        }
        // Offline, or a broken server: no candidate, no hand-over; nothing else changes.
        let Ok(worker) = new_worker(self.kind) else {
            return;
        };
        worker.set_onmessage(
            self.on_candidate_message
                .borrow()
                .as_ref()
                .map(|c| c.as_ref().unchecked_ref()),
        );
        worker.set_onerror(
            self.on_candidate_error
                .borrow()
                .as_ref()
                .map(|c| c.as_ref().unchecked_ref()),
        );
        self.candidate_ready.set(false);
        *self.candidate.borrow_mut() = Some(worker);
    }

    fn on_candidate_message(&self, data: JsValue) {
        // Before it takes over, a candidate only says that it runs.
        if let Some(Ok(FromWorker::Ready { protocol, .. })) =
            data.as_string().map(|t| decode::<FromWorker>(&t))
        {
            if protocol != PROTOCOL_VERSION {
                return self.candidate_failed();
            }
            self.candidate_ready.set(true);
            if self.handoff.borrow().is_some() {
                self.promote_candidate();
            }
        }
    }

    /// The candidate could not start (its script did not load: offline?).
    fn candidate_failed(&self) {
        self.drop_candidate();
        // A hand-over waiting for it goes back to the building worker.
        self.restore_waiting(false);
    }

    /// The candidate becomes the worker: the building one is terminated (its memory freed),
    /// and the snapshot goes to the candidate.
    fn promote_candidate(&self) {
        let Some(candidate) = self.candidate.borrow_mut().take() else {
            return;
        };
        self.candidate_ready.set(false);
        self.stop_worker();
        *self.worker.borrow_mut() = candidate;
        self.install();
        self.restore_waiting(true);
    }

    /// Installs the handlers on the current worker.
    fn install(&self) {
        let worker = self.worker.borrow();
        worker.set_onmessage(
            self.on_message
                .borrow()
                .as_ref()
                .map(|c| c.as_ref().unchecked_ref()),
        );
        worker.set_onerror(
            self.on_error
                .borrow()
                .as_ref()
                .map(|c| c.as_ref().unchecked_ref()),
        );
    }

    fn drop_candidate(&self) {
        if let Some(worker) = self.candidate.borrow_mut().take() {
            worker.set_onmessage(None);
            worker.set_onerror(None);
            worker.terminate();
        }
        self.candidate_ready.set(false);
    }

    fn stop_worker(&self) {
        let worker = self.worker.borrow();
        worker.set_onmessage(None);
        worker.set_onerror(None);
        worker.terminate();
    }

    fn on_message(&self, data: JsValue) {
        // `[text, buffer]` is a hand-over; everything else is a JSON text.
        let (text, attachment) = if js_sys::Array::is_array(&data) {
            let parts: js_sys::Array = data.unchecked_into();
            (parts.get(0).as_string(), Some(parts.get(1)))
        } else {
            (data.as_string(), None)
        };
        let Some(text) = text else {
            (self.on_event)(EngineEvent::Failed(
                "worker sent a non-string message".into(),
            ));
            return;
        };
        match decode::<FromWorker>(&text) {
            Ok(FromWorker::Ready { protocol, version }) => self.warm_up(protocol, version),
            Ok(FromWorker::Reply { id, .. })
                if self
                    .warming
                    .borrow()
                    .as_ref()
                    .is_some_and(|(w, _)| *w == id) =>
            {
                // Ran or not (a failed warm-up only leaves the code to tier up on the dump).
                if let Some((_, version)) = self.warming.take() {
                    (self.on_event)(EngineEvent::Ready {
                        protocol: PROTOCOL_VERSION,
                        version,
                    });
                }
            }
            Ok(FromWorker::Progress(p)) => (self.on_event)(EngineEvent::Progress(p)),
            Ok(FromWorker::QueryProgress(p)) => (self.on_event)(EngineEvent::QueryProgress(p)),
            Ok(FromWorker::Partial(p)) => (self.on_event)(EngineEvent::Partial(p)),
            Ok(FromWorker::Reply { id, result })
                if self.restoring.get().is_some_and(|(r, _)| r == id) =>
            {
                let fresh = self.restoring.take().is_some_and(|(_, fresh)| fresh);
                match result.and_then(response_of::<req::Restore>) {
                    Ok(OpenOutcome::Opened(overview)) => {
                        (self.on_event)(EngineEvent::HandedOver { overview, fresh })
                    }
                    Ok(OpenOutcome::Failed(e)) => (self.on_event)(EngineEvent::Failed(format!(
                        "the analysis could not be handed over: {}",
                        e.message
                    ))),
                    Err(e) => (self.on_event)(EngineEvent::Failed(format!(
                        "the analysis could not be handed over: {e}"
                    ))),
                }
            }
            Ok(FromWorker::Reply { id, result }) => {
                let pending = self.pending.borrow_mut().remove(&id);
                match pending {
                    // The receiver may have been dropped (caller lost interest): fine.
                    Some((tx, _)) => drop(tx.send(result)),
                    None => web_sys::console::warn_1(
                        &format!("heaplens: reply to unknown request {id}: {text}").into(),
                    ),
                }
            }
            Ok(FromWorker::Handoff { .. }) => {
                let Some(snapshot) = attachment else {
                    (self.on_event)(EngineEvent::Failed("hand-over without its snapshot".into()));
                    return;
                };
                *self.handoff.borrow_mut() = Some(snapshot);
                if self.candidate_ready.get() {
                    self.promote_candidate();
                } else if self.candidate.borrow().is_none() {
                    // No fresh worker: the building worker restores its own snapshot.
                    self.restore_waiting(false);
                }
                // Else the candidate is still starting: it takes over once ready.
            }
            Err(e) => (self.on_event)(EngineEvent::Failed(format!("undecodable reply: {e}"))),
        }
    }

    /// Restores the hand-over that waits, if any, in the current worker (`fresh`: a new one).
    fn restore_waiting(&self, fresh: bool) {
        let snapshot = self.handoff.borrow_mut().take();
        if let Some(snapshot) = snapshot {
            self.restore(snapshot, fresh);
        }
    }

    /// Posts the snapshot ([`req::Restore`], buffer transferred; the dump's `File` beside it),
    /// then again every request not answered yet, in order (the old worker answered in order
    /// and stopped at the hand-over).
    fn restore(&self, snapshot: JsValue, fresh: bool) {
        let id = self.new_id();
        self.restoring.set(Some((id, fresh)));
        let text = JsValue::from_str(&encode(&ToWorker::new::<req::Restore>(id, &())));
        let worker = self.worker.borrow();
        let message = match self.file.borrow().as_ref() {
            Some(file) => js_sys::Array::of3(&text, &snapshot, file),
            None => js_sys::Array::of2(&text, &snapshot),
        };
        // The snapshot is an array of `ArrayBuffer`s (a piece per GiB): all are transferred.
        let transfer: js_sys::Array = snapshot.clone().unchecked_into();
        if let Err(e) = worker.post_message_with_transfer(&message, &transfer) {
            self.restoring.set(None);
            self.pending.borrow_mut().clear();
            (self.on_event)(EngineEvent::Failed(format!(
                "cannot hand the analysis over: {e:?}"
            )));
            return;
        }
        let mut unanswered: Vec<(RequestId, JsValue)> = self
            .pending
            .borrow()
            .iter()
            .map(|(id, (_, message))| (*id, message.clone()))
            .collect();
        unanswered.sort_by_key(|(id, _)| *id);
        for (id, message) in unanswered {
            if let Err(e) = worker.post_message(&message) {
                web_sys::console::warn_1(
                    &format!("heaplens: request {id} could not be re-sent: {e:?}").into(),
                );
            }
        }
    }

    fn on_error(&self, event: Event) {
        // Fail every in-flight request: their senders are dropped, receivers see `Gone`.
        self.pending.borrow_mut().clear();
        // An uncaught exception in the worker is an `ErrorEvent`; a worker script that cannot be
        // fetched (offline, 404) fires a plain `Event`, without a message.
        let message = event
            .dyn_ref::<ErrorEvent>()
            .map(|e| e.message())
            .unwrap_or_default();
        (self.on_event)(EngineEvent::Failed(if message.is_empty() {
            "the analysis worker failed to start".into()
        } else {
            message
        }));
    }
}

impl Engine {
    /// The build of this engine's worker.
    pub fn kind(&self) -> WorkerKind {
        self.inner.kind
    }

    /// Stop the worker now (frees its memory): in-flight requests resolve with
    /// [`EngineError::Gone`]. Dropping the engine does the same, but an `Rc<Engine>` may still be
    /// held by a pending request's future.
    pub fn terminate(&self) {
        self.inner.stop_worker();
        self.inner.stop_reader();
        self.inner.drop_candidate();
        self.inner.handoff.borrow_mut().take();
        self.inner.restoring.set(None);
        self.inner.pending.borrow_mut().clear();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.inner.stop_worker();
        self.inner.stop_reader();
        self.inner.drop_candidate();
    }
}
