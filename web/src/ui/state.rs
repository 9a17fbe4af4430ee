//! App-wide state: the analysis engine (one worker per dump), what is loaded, the route.
//!
//! [`Ctx`] is `Copy` (signals and arena handles) and provided as context; every view takes it
//! with [`use_ctx`]. Views ask the worker for what they show with [`Ctx::call`]; answers that
//! arrive after another dump was opened are dropped (`generation`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use futures_channel::oneshot;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::engine::{Engine, EngineError, EngineEvent};
use super::worker_kind::{self, WorkerKind};
use crate::protocol::*;

use super::pair::{Pair, Parked};
use super::route::{navigate, Route};
use super::tree_model::TreeModel;

/// What the header shows about the analysis worker.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineState {
    Starting,
    Ready {
        version: String,
        round_trip_ms: Option<f64>,
    },
    Failed(String),
}

/// The dump being analyzed.
#[derive(Debug, Clone, PartialEq)]
pub enum DumpState {
    /// Nothing opened yet (or cancelled).
    Empty,
    Loading {
        name: String,
        size: u64,
    },
    Failed {
        name: String,
        error: OpenError,
    },
    Ready(Arc<Overview>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Auto,
    Light,
    Dark,
}

/// Resolves with a spawned worker's version once it runs, or why it could not start.
type Starting = oneshot::Receiver<Result<String, String>>;

/// Leak suspects of the open dump (requested right after it opens).
pub type SuspectsState = Option<Result<Arc<SuspectsResult>, String>>;

#[derive(Clone, Copy)]
pub struct Ctx {
    pub(super) engine: StoredValue<Option<Rc<Engine>>, LocalStorage>,
    /// Which spawned worker is current (events of others are ignored).
    pub(super) engine_id: StoredValue<u32>,
    next_engine_id: StoredValue<u32>,
    /// The current worker already received a dump: the next one gets a fresh worker.
    used: StoredValue<bool>,
    pub engine_state: RwSignal<EngineState>,
    pub dump: RwSignal<DumpState>,
    /// Progress of the current open (or of an analysis computed on demand).
    pub progress: RwSignal<Option<Progress>>,
    /// How far the query running is (the Query view's progress line).
    pub query_progress: RwSignal<Option<QueryProgress>>,
    /// What the first pass of the dump being opened found (shown until it is analyzed).
    pub partial: RwSignal<Option<Arc<PartialResults>>>,
    /// The analysis moved to a fresh worker after opening: that worker's memory (bytes).
    pub handed_over_memory: RwSignal<Option<u64>>,
    /// When the current `Open` was posted (`now_ms`), for the metrics.
    open_posted: StoredValue<Option<f64>>,
    /// Requests in flight (a busy indicator).
    pub inflight: RwSignal<u32>,
    /// Bumped by every open/cancel: stale answers are dropped.
    pub generation: RwSignal<u32>,
    pub route: RwSignal<Route>,
    pub suspects: RwSignal<SuspectsState>,
    pub theme: RwSignal<Theme>,
    /// The dominator tree's state survives navigation (reset per dump); its view redraws
    /// from this signal.
    pub tree: RwSignal<TreeModel>,
    /// Histogram settings survive navigation too.
    pub histogram: RwSignal<HistogramQuery>,
    /// The user navigated since the dump opened (then we don't jump to the suspects).
    pub navigated: StoredValue<bool>,
    /// A hash the app itself navigated to (its `hashchange` is not the user's).
    pub auto_hash: StoredValue<Option<String>>,
    /// Two dumps compared (see `pair`): which is which, the comparison.
    pub pair: RwSignal<Option<Pair>>,
    /// The other dump of the pair, its worker and what the UI holds of it, while this one is
    /// on screen.
    pub(super) parked: StoredValue<Option<Parked>, LocalStorage>,
    /// How the next dump is opened (heap dump, size rule): from the URL's query at start,
    /// changed by the dump bar's settings (`ui::settings`).
    pub settings: RwSignal<OpenSettings>,
    /// The file last opened (a handle: its bytes stay on disk), to re-open it with other
    /// settings.
    file: StoredValue<Option<(String, web_sys::Blob)>, LocalStorage>,
    /// Analyses kept on this computer (opt-in; `ui::keep`).
    pub keep: super::keep::Keep,
}

pub fn use_ctx() -> Ctx {
    use_context::<Ctx>().expect("Ctx is provided by App")
}

impl Ctx {
    pub fn new() -> Ctx {
        Ctx {
            engine: StoredValue::new_local(None),
            engine_id: StoredValue::new(0),
            next_engine_id: StoredValue::new(0),
            used: StoredValue::new(false),
            engine_state: RwSignal::new(EngineState::Starting),
            dump: RwSignal::new(DumpState::Empty),
            progress: RwSignal::new(None),
            query_progress: RwSignal::new(None),
            partial: RwSignal::new(None),
            handed_over_memory: RwSignal::new(None),
            open_posted: StoredValue::new(None),
            inflight: RwSignal::new(0),
            generation: RwSignal::new(0),
            route: RwSignal::new(Route::Overview),
            suspects: RwSignal::new(None),
            theme: RwSignal::new(Theme::Auto),
            tree: RwSignal::new(TreeModel::default()),
            histogram: RwSignal::new(default_histogram()),
            navigated: StoredValue::new(false),
            auto_hash: StoredValue::new(None),
            pair: RwSignal::new(None),
            parked: StoredValue::new_local(None),
            settings: RwSignal::new(super::settings::read_url()),
            file: StoredValue::new_local(None),
            keep: super::keep::Keep::new(),
        }
    }

    /// Start a worker. Its events reach the app's state only while it is the current engine
    /// (`engine_id`): a candidate that fails to start leaves the current one alone.
    /// Resolves with the worker's version once it runs, or why it could not start.
    fn spawn_engine(self, kind: WorkerKind) -> (Option<(u32, Rc<Engine>)>, Starting) {
        let eid = self.next_engine_id.get_value() + 1;
        self.next_engine_id.set_value(eid);
        let current = move || self.engine_id.get_value() == eid;
        let (tx, rx) = oneshot::channel();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let settle = move |r: Result<String, String>| {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(r);
            }
        };
        let spawned = Engine::spawn(kind, move |event| match event {
            EngineEvent::Ready { protocol, version } if protocol != PROTOCOL_VERSION => {
                let m = format!(
                    "analysis engine {version} speaks protocol {protocol}, this page {PROTOCOL_VERSION}: reload the page"
                );
                if current() {
                    self.engine_state.set(EngineState::Failed(m.clone()));
                }
                settle(Err(m));
            }
            EngineEvent::Ready { version, .. } => {
                if current() {
                    self.engine_state.set(EngineState::Ready {
                        version: version.clone(),
                        round_trip_ms: None,
                    });
                    self.ping();
                }
                settle(Ok(version));
            }
            EngineEvent::Failed(message) => {
                if current() {
                    self.engine_state.set(EngineState::Failed(message.clone()));
                }
                settle(Err(message));
            }
            EngineEvent::QueryProgress(p) => {
                if current() {
                    // The worker answers a query now: an earlier analysis's progress is over
                    // (the dump bar says "Working…", not "Computing <that analysis>…").
                    self.progress.set(None);
                    self.query_progress.set(Some(p));
                }
            }
            EngineEvent::Progress(p) => {
                if current() {
                    self.progress.set(Some(p));
                }
            }
            EngineEvent::HandedOver { overview, fresh } => {
                // Only for the dump on screen: a hand-over can finish after the next dump was
                // posted to the same worker (offline, the UI keeps its worker).
                let same = |o: &Overview| {
                    o.file_name == overview.file_name
                        && o.summary.objects_total == overview.summary.objects_total
                        && o.summary.timestamp_ms == overview.summary.timestamp_ms
                };
                if current()
                    && matches!(self.dump.get_untracked(), DumpState::Ready(ref o) if same(o))
                {
                    metrics::handed_over(&overview, fresh);
                    if fresh {
                        self.handed_over_memory
                            .set(Some(overview.wasm_memory_bytes));
                    }
                }
            }
            EngineEvent::Partial(p) => {
                if current() && matches!(self.dump.get_untracked(), DumpState::Loading { .. }) {
                    if let Some(t0) = self.open_posted.get_value() {
                        metrics::partial(&p, now_ms() - t0);
                    }
                    self.partial.set(Some(Arc::from(p)));
                }
            }
        });
        match spawned {
            Ok(e) => (Some((eid, Rc::new(e))), rx),
            Err(e) => {
                // No engine will ever call back: settle through a fresh channel.
                let (tx2, rx2) = oneshot::channel();
                let _ = tx2.send(Err(format!("cannot start the worker: {e:?}")));
                (None, rx2)
            }
        }
    }

    /// Make `engine` the current worker, terminating the previous one (which frees its memory).
    fn install(self, eid: u32, engine: Rc<Engine>) {
        if let Some(old) = self.engine.get_value() {
            old.terminate();
        }
        self.engine_id.set_value(eid);
        self.engine.set_value(Some(engine));
        self.used.set_value(false);
    }

    /// Replace the worker now (cancel, first start): the new one is current from the start.
    fn restart_engine(self) {
        // Before any dump: the wasm32 worker, unless the URL asks for the other.
        let memory64 = worker_kind::memory64_available();
        let kind = worker_kind::choose("", 0, url_kind_override(), memory64);
        let (spawned, _ready) = self.spawn_engine(kind);
        self.engine_state.set(EngineState::Starting);
        match spawned {
            Some((eid, e)) => self.install(eid, e),
            None => {
                if let Some(old) = self.engine.get_value() {
                    old.terminate();
                }
                self.engine.set_value(None);
                self.engine_state.set(EngineState::Failed(
                    "cannot start the analysis worker".into(),
                ));
            }
        }
    }

    /// A fresh worker for the next dump (fresh memory). If none can start (offline, and the
    /// worker's files are not cached), the current idle worker is reused: the service drops
    /// the previous dump before reading the next.
    async fn fresh_engine(self, kind: WorkerKind) -> Result<(), String> {
        let (spawned, ready) = self.spawn_engine(kind);
        let result = ready
            .await
            .unwrap_or_else(|_| Err("the analysis worker did not start".into()));
        match (spawned, result) {
            (Some((eid, e)), Ok(version)) => {
                self.install(eid, e);
                self.engine_state.set(EngineState::Ready {
                    version,
                    round_trip_ms: None,
                });
                self.ping();
                Ok(())
            }
            (spawned, Err(m)) => {
                if let Some((_, e)) = spawned {
                    e.terminate();
                }
                if self.engine.get_value().is_some_and(|e| e.kind() == kind)
                    && matches!(self.engine_state.get_untracked(), EngineState::Ready { .. })
                {
                    Ok(())
                } else {
                    Err(m)
                }
            }
            (None, Ok(_)) => Err("the analysis worker did not start".into()),
        }
    }

    /// Start the first worker (so a broken setup shows at once, before any dump).
    pub fn start(self) {
        metrics::reset();
        self.restart_engine();
    }

    /// One round trip through the protocol: the header shows it.
    fn ping(self) {
        let Some(engine) = self.engine.get_value() else {
            return;
        };
        spawn_local(async move {
            let start = now_ms();
            match engine
                .request::<req::Ping>(PingParams {
                    echo: "hello".into(),
                })
                .await
            {
                Ok(echo) if echo == "hello" => {
                    let rtt = now_ms() - start;
                    self.engine_state.update(|s| {
                        if let EngineState::Ready { round_trip_ms, .. } = s {
                            *round_trip_ms = Some(rtt);
                        }
                    });
                }
                // A worker terminated in the meantime (a dump was opened): not a failure.
                Err(EngineError::Gone) => {}
                other => self.engine_state.set(EngineState::Failed(format!(
                    "bad answer to ping: {other:?}"
                ))),
            }
        });
    }

    /// Asks the worker `R` about the open dump; its error answer becomes `Err`.
    pub async fn call<R: Request>(self, params: R::Params) -> Result<R::Response, String> {
        let generation = self.generation.get_untracked();
        let Some(engine) = self.engine.get_value() else {
            return Err("the analysis engine is not running".into());
        };
        self.inflight.update(|n| *n += 1);
        let r = engine.request::<R>(params).await;
        self.inflight.update(|n| *n = n.saturating_sub(1));
        if self.generation.get_untracked() != generation {
            return Err("superseded by another dump".into());
        }
        r.map_err(|e| match e {
            EngineError::Gone => "the analysis worker stopped (out of memory?)".into(),
            EngineError::Send(m) | EngineError::Failed(m) => m,
        })
    }

    /// Re-opens the file on screen with other settings (the dump bar's chooser and toggle).
    pub fn reopen(self, settings: OpenSettings) {
        self.settings.set(settings);
        super::settings::write_url(settings);
        if let Some((name, blob)) = self.file.get_value() {
            self.drop_pair();
            // Same file, other numbers: stay on the view the user is on (no jump to the
            // leak suspects as after a first open).
            spawn_local(async move {
                self.open_dump(name, blob, 0, true).await;
            });
        }
    }

    /// Analyze a dump (a `File` or a fetched `Blob`) with [`Self::settings`]: a fresh worker,
    /// the previous dump (and a compared pair) dropped.
    pub fn open(self, name: String, blob: web_sys::Blob) {
        self.drop_pair();
        spawn_local(async move {
            self.open_dump(name, blob, 0, false).await;
        });
    }

    /// Opens a dump in a fresh worker and resolves once it is analyzed (true) or failed
    /// (false; the error is in `dump`). `reserved`: bytes the parked dump's worker holds, for
    /// the memory check (two dumps compared). `stay`: the same file again, keep the user's view.
    pub(super) async fn open_dump(
        self,
        name: String,
        blob: web_sys::Blob,
        reserved: u64,
        stay: bool,
    ) -> bool {
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        let size = blob.size() as u64;
        // A heap-dump number chosen for one file means nothing for another (the URL's applies
        // to the first file opened).
        let same_file = |(n, b): &(String, web_sys::Blob)| *n == name && b.size() as u64 == size;
        if self
            .file
            .with_value(|f| f.as_ref().is_some_and(|f| !same_file(f)))
            && self.settings.get_untracked().dump.is_some()
        {
            self.settings.update(|s| s.dump = None);
            super::settings::write_url(self.settings.get_untracked());
        }
        self.file.set_value(Some((name.clone(), blob.clone())));
        let settings = self.settings.get_untracked();
        self.suspects.set(None);
        self.progress.set(None);
        self.partial.set(None);
        self.handed_over_memory.set(None);
        self.open_posted.set_value(None);
        metrics::reset();
        self.tree.set(TreeModel::default());
        self.histogram.set(default_histogram());
        // Links into the previous dump's objects mean nothing in the next one; but a link
        // followed before any dump was open (a deep link, a reload) is what the user wants to
        // see once this one is analyzed: keep it, and do not jump to the suspects over it.
        let had_dump = matches!(self.dump.get_untracked(), DumpState::Ready(_));
        let route = self.route.get_untracked();
        let into_dump = matches!(
            route,
            Route::Object { .. } | Route::Instances { .. } | Route::Explore { .. }
        );
        if had_dump && into_dump {
            self.go(Route::Overview);
        }
        // A re-open of the same file (`stay`) keeps the view the user is on, too.
        self.navigated
            .set_value(stay || (!had_dump && route != Route::Overview));
        self.dump.set(DumpState::Loading {
            name: name.clone(),
            size,
        });
        let memory64 = worker_kind::memory64_available();
        let mut kind = worker_kind::choose(&name, size, url_kind_override(), memory64);
        loop {
            let reusable = !self.used.get_value()
                && self.engine.get_value().is_some_and(|e| e.kind() == kind)
                && matches!(self.engine_state.get_untracked(), EngineState::Ready { .. });
            if !reusable {
                let ready = self.fresh_engine(kind).await;
                if self.generation.get_untracked() != generation {
                    return false;
                }
                if let Err(m) = ready {
                    self.fail(name, format!("The analysis engine failed to start: {m}"));
                    return false;
                }
            }
            self.used.set_value(true);
            let Some(engine) = self.engine.get_value() else {
                return false;
            };
            let t0 = now_ms();
            self.open_posted.set_value(Some(t0));
            // Kept on this computer (opt-in): opened from there, without parsing.
            let kept = super::keep::open_kept(self, &engine, &name, &blob, settings).await;
            let r = match kept {
                Some(o) => Ok(OpenOutcome::Opened(o)),
                None => {
                    engine
                        .request_with::<req::Open>(
                            OpenParams {
                                name: name.clone(),
                                size,
                                reserved_bytes: reserved,
                                settings,
                            },
                            blob.as_ref(),
                        )
                        .await
                }
            };
            drop(engine);
            if self.generation.get_untracked() != generation {
                return false;
            }
            self.progress.set(None);
            self.partial.set(None);
            match r {
                Ok(OpenOutcome::Opened(o)) => {
                    metrics::done(&o, now_ms() - t0);
                    self.dump.set(DumpState::Ready(Arc::new(*o)));
                    self.load_suspects(generation);
                    return true;
                }
                // Too big for a wasm32 memory, not for a 64-bit one: the memory64 worker reads
                // the dump again (the wasm32 worker stopped within its first pass).
                Ok(OpenOutcome::Failed(error))
                    if kind == WorkerKind::Wasm32
                        && memory64
                        && error.too_big.as_ref().is_some_and(worker_kind::fits_memory64) =>
                {
                    kind = WorkerKind::Memory64;
                    continue;
                }
                Ok(OpenOutcome::Failed(error)) => {
                    metrics::error(&error.message, error.too_big.as_ref().map(|t| t.objects));
                    self.dump.set(DumpState::Failed { name, error })
                }
                Err(EngineError::Gone) => self.fail(
                    name,
                    match kind {
                        WorkerKind::Wasm32 => "The analysis worker stopped. The dump is probably too big for this browser's memory \
                             (a worker gets at most 4 GiB; the analysis needs about 60 bytes per object). \
                             Try the command-line analyzer for this dump.",
                        WorkerKind::Memory64 => "The analysis worker stopped. The dump is probably too big for this computer's or \
                             this browser's memory (the 64-bit worker can use up to 16 GiB; the analysis needs about \
                             60 bytes per object). Try the command-line analyzer for this dump.",
                    }
                    .into(),
                ),
                Err(EngineError::Send(m) | EngineError::Failed(m)) => self.fail(name, m),
            }
            return false;
        }
    }

    fn fail(self, name: String, message: String) {
        self.progress.set(None);
        self.partial.set(None);
        metrics::error(&message, None);
        self.dump.set(DumpState::Failed {
            name,
            error: OpenError {
                message,
                offset: None,
                not_hprof: false,
                too_big: None,
            },
        });
    }

    fn load_suspects(self, generation: u32) {
        spawn_local(async move {
            // Let the views mounted for the new dump ask first (the worker answers in order:
            // the overview, the histogram and the tree appear before suspects are computed).
            sleep_ms(60).await;
            if self.generation.get_untracked() != generation {
                return;
            }
            let r = self.call::<req::Suspects>(()).await.map(Arc::new);
            if self.generation.get_untracked() != generation {
                return;
            }
            let any = matches!(&r, Ok(s) if !s.suspects.is_empty());
            self.suspects.set(Some(r));
            // Leak suspects first, unless the user went somewhere already.
            if any
                && !self.navigated.get_value()
                && matches!(self.route.get_untracked(), Route::Overview)
            {
                self.go(Route::Suspects);
            }
        });
    }

    /// Navigate on the app's own initiative (not counted as the user's navigation).
    pub fn go(self, route: Route) {
        let hash = route.to_hash();
        if super::route::current_hash() == hash {
            return;
        }
        self.auto_hash.set_value(Some(hash));
        self.route.set(route.clone());
        navigate(&route);
    }

    /// Stop the analysis in progress: terminate the worker (its memory is freed) and start a
    /// fresh one.
    pub fn cancel(self) {
        self.drop_pair();
        self.generation.update(|g| *g += 1);
        self.progress.set(None);
        self.partial.set(None);
        self.dump.set(DumpState::Empty);
        self.restart_engine();
    }

    /// Fetch the bundled sample dump (a same-origin static file) and analyze it.
    pub fn open_sample(self) {
        const SAMPLE: &str = "queue_backlog.hprof.gz";
        // As `open` does: a link into the dump on screen means nothing in the sample.
        if matches!(self.dump.get_untracked(), DumpState::Ready(_))
            && !matches!(self.route.get_untracked(), Route::Overview)
        {
            self.go(Route::Overview);
        }
        self.dump.set(DumpState::Loading {
            name: format!("{SAMPLE} (sample)"),
            size: 0,
        });
        spawn_local(async move {
            match fetch_blob(&format!("./{SAMPLE}")).await {
                Ok(blob) => self.open(format!("{SAMPLE} (sample)"), blob),
                Err(m) => self.fail(SAMPLE.into(), format!("Cannot load the sample dump: {m}")),
            }
        });
    }
}

/// `window.__heaplensMetrics`, what the browser benchmark reads, updated as the worker's
/// messages arrive (reset when a dump is opened):
///
/// ```text
/// { phases: [{ name, ms }],   // completed worker phases in order (indexing, linking,
///                              // dominators, analyses), wall-clock ms measured in the worker
///   wasmMemoryBytes,           // the worker's WebAssembly.Memory size (after the analysis;
///                              // after the hand-over, the fresh worker's)
///   buildMemoryBytes,          // the building worker's, once handed over (null before)
///   handedOver,                // the analysis was handed over (snapshot restored)
///   freshWorker,               // ... to a fresh worker (false: offline, the same one)
///   objects,                   // the first pass's count, then the graph's
///   edges,                     // the graph's references (0 until the dump is analyzed)
///   firstResultsMs,            // Open posted → partial results received (null before)
///   doneMs,                    // Open posted → Opened received (null before)
///   error }                    // why the open failed (null if it did not)
/// ```
pub mod metrics {
    use wasm_bindgen::JsValue;

    use crate::protocol::{Overview, PartialResults, Phase, PhaseTime};

    const NAME: &str = "__heaplensMetrics";

    /// The metrics object, created on first use.
    fn object() -> Option<js_sys::Object> {
        let window = web_sys::window()?;
        let existing = js_sys::Reflect::get(&window, &JsValue::from_str(NAME))
            .ok()
            .filter(|v| v.is_object());
        Some(match existing {
            Some(v) => v.into(),
            None => {
                let o = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&window, &JsValue::from_str(NAME), &o);
                o
            }
        })
    }

    fn set(key: &str, value: &JsValue) {
        if let Some(o) = object() {
            let _ = js_sys::Reflect::set(&o, &JsValue::from_str(key), value);
        }
    }

    fn phase_name(p: Phase) -> &'static str {
        match p {
            Phase::Indexing => "indexing",
            Phase::Linking => "linking",
            Phase::Dominators => "dominators",
            Phase::Analyses => "analyses",
        }
    }

    fn phases(list: &[PhaseTime]) {
        let array = js_sys::Array::new();
        for p in list {
            let item = js_sys::Object::new();
            let _ = js_sys::Reflect::set(
                &item,
                &JsValue::from_str("name"),
                &JsValue::from_str(phase_name(p.phase)),
            );
            let _ = js_sys::Reflect::set(&item, &JsValue::from_str("ms"), &JsValue::from_f64(p.ms));
            array.push(&item);
        }
        set("phases", &array);
    }

    /// Empty metrics (page start, and every new dump); keeps the object's identity.
    pub fn reset() {
        phases(&[]);
        set("wasmMemoryBytes", &JsValue::from_f64(0.0));
        set("buildMemoryBytes", &JsValue::NULL);
        set("handedOver", &JsValue::FALSE);
        set("freshWorker", &JsValue::NULL);
        set("objects", &JsValue::from_f64(0.0));
        set("edges", &JsValue::from_f64(0.0));
        set("firstResultsMs", &JsValue::NULL);
        set("doneMs", &JsValue::NULL);
        set("error", &JsValue::NULL);
    }

    /// The first pass's results arrived, `ms` after the Open was posted.
    pub fn partial(p: &PartialResults, ms: f64) {
        phases(&p.phases);
        set(
            "wasmMemoryBytes",
            &JsValue::from_f64(p.wasm_memory_bytes as f64),
        );
        set("objects", &JsValue::from_f64(p.objects_total as f64));
        // `edges` stays 0 until the references are read (the first pass only bounds them).
        set("firstResultsMs", &JsValue::from_f64(ms));
    }

    /// The dump is analyzed, `ms` after the Open was posted.
    pub fn done(o: &Overview, ms: f64) {
        phases(&o.phases);
        set(
            "wasmMemoryBytes",
            &JsValue::from_f64(o.wasm_memory_bytes as f64),
        );
        set(
            "objects",
            &JsValue::from_f64(o.summary.objects_total as f64),
        );
        set("edges", &JsValue::from_f64(o.summary.edges as f64));
        set("doneMs", &JsValue::from_f64(ms));
    }

    /// The analysis moved to a fresh worker (`fresh`; else the building worker restored its
    /// own snapshot): `wasmMemoryBytes` becomes that worker's memory, `buildMemoryBytes` keeps
    /// the building worker's.
    pub fn handed_over(o: &Overview, fresh: bool) {
        if let Some(obj) = object() {
            let build = js_sys::Reflect::get(&obj, &JsValue::from_str("wasmMemoryBytes"))
                .unwrap_or(JsValue::NULL);
            set("buildMemoryBytes", &build);
        }
        set(
            "wasmMemoryBytes",
            &JsValue::from_f64(o.wasm_memory_bytes as f64),
        );
        set("handedOver", &JsValue::TRUE);
        set("freshWorker", &JsValue::from_bool(fresh));
    }

    /// The open failed; `objects`: the dump's objects, if known (a dump too big).
    pub fn error(message: &str, objects: Option<u64>) {
        set("error", &JsValue::from_str(message));
        if let Some(n) = objects {
            set("objects", &JsValue::from_f64(n as f64));
        }
    }
}

pub(super) fn default_histogram() -> HistogramQuery {
    HistogramQuery {
        descending: true,
        limit: 200,
        ..Default::default()
    }
}

async fn fetch_blob(url: &str) -> Result<web_sys::Blob, String> {
    let window = web_sys::window().ok_or("no window")?;
    let resp = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(js_err)?;
    let resp: web_sys::Response = resp.dyn_into().map_err(js_err)?;
    if !resp.ok() {
        return Err(format!("HTTP {} for {url}", resp.status()));
    }
    let blob = wasm_bindgen_futures::JsFuture::from(resp.blob().map_err(js_err)?)
        .await
        .map_err(js_err)?;
    blob.dyn_into().map_err(js_err)
}

pub fn js_err(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"))
}

pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// The worker build the page's URL asks for (`?engine=`), if any.
fn url_kind_override() -> Option<WorkerKind> {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    worker_kind::url_override(&search)
}
