//! The typed message protocol between the UI (main thread) and the analysis worker.
//!
//! Every message is one JSON string passed to `postMessage` (structured clone of a string is a
//! cheap copy, and both ends are Rust, so a JSON text is the simplest stable wire format; it is
//! also readable in devtools and from the Playwright tests). Bulk binary data (the dump itself)
//! does NOT go through JSON: [`req::Open`] is posted as a two-element array
//! `[json_text, blob]`, the `File`/`Blob` next to the text (a structured clone of a `File` is a
//! handle, not a copy of its bytes; the worker reads it in slices).
//!
//! Lifecycle:
//! 1. The UI starts the worker; the worker posts [`FromWorker::Ready`] once its wasm is running
//!    (messages posted to it before that would be lost, so the UI waits for `Ready`).
//! 2. The UI posts [`ToWorker`] requests, each with a fresh [`RequestId`]; the worker answers
//!    each with exactly one [`FromWorker::Reply`] carrying the same id, in request order but
//!    for [`req::Query`]: a query that must run is answered when its run ends (it runs in
//!    slices; requests that come meanwhile are answered between them, [`req::CancelQuery`]
//!    stops it), with [`FromWorker::QueryProgress`] messages while it runs.
//! 3. While it works on a request (reading a dump, computing an analysis) the worker also posts
//!    unsolicited [`FromWorker::Progress`] messages, at least every [`PROGRESS_INTERVAL_MS`].
//!    While it opens a dump, it also posts one [`FromWorker::Partial`] when the first pass is
//!    done: the overview numbers and class histogram that need no references, shown while the
//!    references and the dominator tree are computed.
//!
//! One worker analyzes one dump: the UI starts a fresh worker for every [`req::Open`]
//! (and to cancel one), because a wasm instance's memory never shrinks. For the same reason the
//! analysis changes workers once, after opening: the building worker's memory has grown to the
//! build's peak (~60 bytes per object), what is kept needs ~32. Once it has answered the first
//! requests after `Open` (the overview, the leak suspects) and no request has come for a
//! moment, that worker posts
//! [`FromWorker::Handoff`] with a snapshot of the analysis (an `ArrayBuffer`, transferred:
//! `[json_text, buffer]`) and answers nothing more; the UI's engine terminates it, starts a
//! fresh worker, posts it [`req::Restore`] with the snapshot, then again every request the
//! old worker left unanswered.
//!
//! Object ids travel as `0x…` hex strings (ids can exceed JavaScript's exact integer range).
//! Every list that can be long is paged (`offset`/`limit`, capped at [`MAX_PAGE`]): no message
//! carries millions of rows.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

mod compare;
pub use compare::*;
pub mod explore;
pub use explore::*;
pub mod kept;
pub use kept::{KeepParams, KeptManifest, OpenKeptParams};
pub mod limits;

/// Bumped on any incompatible change, so a UI can detect a stale (cached) worker.
pub const PROTOCOL_VERSION: u32 = 10;

/// Upper bound of every page the worker returns.
pub const MAX_PAGE: u32 = 1000;

/// The worker posts [`FromWorker::Progress`] at least this often while it works.
pub const PROGRESS_INTERVAL_MS: f64 = 200.0;

/// Correlates a [`FromWorker::Reply`] with its [`ToWorker`] request.
pub type RequestId = u32;

/// UI → worker: one request, by its [`Request::METHOD`], with its params as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToWorker {
    pub id: RequestId,
    pub method: String,
    #[serde(default)]
    pub params: serde_json::Value,
}

impl ToWorker {
    /// The message asking `R` with `params`.
    pub fn new<R: Request>(id: RequestId, params: &R::Params) -> ToWorker {
        ToWorker {
            id,
            method: R::METHOD.to_string(),
            params: serde_json::to_value(params).expect("protocol params always serialize"),
        }
    }

    /// The params, if this message is an `R`.
    pub fn params<R: Request>(&self) -> Option<Result<R::Params, String>> {
        (self.method == R::METHOD).then(|| params_of::<R>(self.params.clone()))
    }
}

/// Decodes `R`'s params from a message's JSON (a malformed message is an error reply, not a
/// panic).
pub fn params_of<R: Request>(params: serde_json::Value) -> Result<R::Params, String> {
    serde_json::from_value(params).map_err(|e| format!("bad params for {}: {e}", R::METHOD))
}

/// Decodes `R`'s response from a reply's JSON.
pub fn response_of<R: Request>(result: serde_json::Value) -> Result<R::Response, String> {
    serde_json::from_value(result).map_err(|e| format!("undecodable answer to {}: {e}", R::METHOD))
}

/// A request the UI can send to the worker, as `lsp_types` declares LSP's: the method name on
/// the wire, the params it takes and the response it gets. The UI asks
/// `engine.request::<req::Histogram>(query)` and receives a `HistogramPage`: a request
/// cannot be answered with another request's type. The marker types are in [`req`].
///
/// To add a request: a marker in [`req`] with its params and response types here, a route in
/// the worker's dispatcher (`worker::service`), and (if it is an analysis) the analysis
/// itself in the core.
pub trait Request {
    type Params: Serialize + DeserializeOwned;
    type Response: Serialize + DeserializeOwned;
    const METHOD: &'static str;
}

/// The requests (marker types; see [`Request`]).
pub mod req {
    use super::*;

    macro_rules! requests {
        ($($(#[$doc:meta])* $name:ident = $method:literal: $params:ty => $response:ty;)*) => {
            $(
                $(#[$doc])*
                #[derive(Debug)]
                pub enum $name {}
                impl Request for $name {
                    type Params = $params;
                    type Response = $response;
                    const METHOD: &'static str = $method;
                }
            )*
            /// Every request's method name.
            pub const METHODS: &[&str] = &[$($method),*];
        };
    }

    requests! {
        /// Liveness check: answers its `echo`.
        Ping = "ping": PingParams => String;
        /// Get V8's optimizing compiler onto the analysis code now (`worker::warm`: a small
        /// synthetic dump opened and asked what the page asks), so that a dump opened later
        /// does not wait for it. Answers whether it ran (once per worker; an [`Open`] runs it
        /// first where it has not).
        WarmUp = "warm_up": () => bool;
        /// Analyze the dump posted next to this message (see the module docs). Answered once
        /// the graph and dominator tree are built (other analyses run on demand).
        Open = "open": OpenParams => OpenOutcome;
        /// Load the snapshot (an `ArrayBuffer` posted next to this message) that another
        /// worker made of its analysis ([`FromWorker::Handoff`]); answered like [`Open`].
        Restore = "restore": () => OpenOutcome;
        /// Keep the open dump's analysis on this computer (only when the user asked): the
        /// worker writes a sealed snapshot and its manifest to the Origin Private File System
        /// (`protocol::kept`), after checking the storage quota; answers the manifest.
        Keep = "keep": KeepParams => KeptManifest;
        /// Open the dump posted next to this message (`[json, file]`, as [`Open`]) from its
        /// kept analysis: no parsing, the sealed snapshot is read back; answered like [`Open`].
        OpenKept = "open-kept": OpenKeptParams => OpenOutcome;
        /// The overview of the open dump.
        Summary = "summary": () => Box<Overview>;
        Histogram = "histogram": HistogramQuery => HistogramPage;
        /// Children of one dominator-tree node.
        Children = "children": ChildrenQuery => ChildrenPage;
        /// Objects anywhere in the dominator tree whose class name matches `pattern`
        /// (case-insensitive substring, or a glob with `*`), largest retained first, a page at
        /// a time; each with its path from the top of the tree.
        TreeSearch = "tree_search": TreeSearchQuery => TreeSearchPage;
        /// One object's details.
        Object = "object": ObjectQuery => Box<ObjectDetails>;
        /// A page of an object's outgoing or incoming references.
        References = "references": ReferencesQuery => ReferencePage;
        /// Paths from GC roots to an object (shortest first).
        Paths = "paths": PathsQuery => PathsResult;
        /// A page of the instances of a class (histogram row), largest retained first.
        Instances = "instances": InstancesQuery => InstancesPage;
        Suspects = "suspects": () => SuspectsResult;
        /// A page of the threads (largest retained first), their name groups and ThreadLocal
        /// findings.
        Threads = "threads": ThreadsQuery => ThreadsPage;
        /// One thread's stack frames with their locals, and its ThreadLocal entries.
        Thread = "thread": ObjectQuery => Box<ThreadDetails>;
        ClassLoaders = "class_loaders": () => ClassLoadersResult;
        Waste = "waste": () => WasteResult;
        Export = "export": ExportQuery => ExportFile;
        /// A page of an OQL query's rows (`heaplens::query`, Eclipse MAT's language), with
        /// its columns and total; a query that does not parse or run answers its error (with
        /// the position in the text), not a failed request.
        Query = "query": QueryParams => QueryPage;
        /// Stops the query running (its requests are answered with a cancelled error, kind
        /// `cancelled`); answers whether one was running. A query with another text also
        /// stops the one running.
        CancelQuery = "cancel_query": () => bool;
        /// The open dump reduced to what a comparison needs (`heaplens::compare::digest`), as
        /// JSON text for the other dump's worker ([`compare`](self::super::CompareParams)).
        Digest = "digest": () => DigestText;
        /// Compares a baseline (its digest) with the open dump, the newer; the comparison is
        /// kept for [`CompareHistogram`].
        Compare = "compare": CompareParams => Box<CompareResult>;
        /// A page of the kept comparison's class histogram delta.
        CompareHistogram = "compare_histogram": CompareHistogramQuery => CompareHistogramPage;
        /// What a selection keeps alive: a page of its retained set's class histogram.
        RetainedSet = "retained_set": RetainedSetQuery => RetainedSetPage;
        /// A selection's immediate dominators by class, climbing past a skip pattern.
        ImmediateDominators = "immediate_dominators": DominatorsQuery => DominatorsPage;
        /// One level of a selection's merged shortest paths from the GC roots.
        MergedPaths = "merged_paths": MergedPathsQuery => MergedPathsPage;
        /// A page of one object's paths from GC roots (beyond the first few).
        MorePaths = "more_paths": MorePathsQuery => MorePathsPage;
        /// A selection grouped by value (Strings, boxed primitives, enums).
        GroupByValue = "group_by_value": GroupByValueQuery => GroupByValuePage;
        /// A page of a collection's elements, or a map's keys and values.
        Contents = "contents": ContentsQuery => ContentsPage;
        /// The object at (or spanning) an address.
        FindObject = "find_object": FindObjectQuery => FoundObjectView;
        /// The instances of a class as a CSV file.
        InstancesCsv = "instances_csv": InstancesCsvQuery => ExportFile;
        /// Memory beyond the heap (direct and mapped buffers, thread stacks, class metadata,
        /// the JVM's own figures): the core's `analysis::process_memory`.
        ProcessMemory = "process_memory": () => Box<ProcessMemoryView>;
    }
}

/// Params of [`req::Ping`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingParams {
    pub echo: String,
}

/// Params of [`req::Open`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenParams {
    pub name: String,
    pub size: u64,
    /// Bytes other analyses of this tab already hold (the baseline's worker, when two dumps
    /// are compared): the memory check plans for both. Absent on the wire when 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reserved_bytes: u64,
    /// How to read the dump (absent on the wire when it is the default).
    #[serde(default, skip_serializing_if = "OpenSettings::is_default")]
    pub settings: OpenSettings,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Choices that change what opening a dump computes, so that changing one re-opens it: the
/// heap dump of a multi-dump file, and the shallow-size rule. The page keeps them in its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OpenSettings {
    /// Heap dump to read (1-based) of a file that holds several; `None`: the first.
    #[serde(default)]
    pub dump: Option<u32>,
    /// The JVM's sizes (inferred from the dump, the default) or Eclipse MAT's rule.
    #[serde(default)]
    pub sizes: heaplens::graph::SizeMode,
}

impl OpenSettings {
    pub fn is_default(&self) -> bool {
        *self == OpenSettings::default()
    }
}

/// The answer to [`req::Open`] and [`req::Restore`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OpenOutcome {
    Opened(Box<Overview>),
    Failed(OpenError),
}

/// Params of [`req::TreeSearch`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TreeSearchQuery {
    pub pattern: String,
    pub offset: u32,
    pub limit: u32,
}

/// Params of [`req::Object`] and [`req::Thread`]: one object by its `0x…` id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectQuery {
    pub object: String,
}

/// Params of [`req::References`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferencesQuery {
    pub object: String,
    pub incoming: bool,
    pub offset: u32,
    pub limit: u32,
}

/// Params of [`req::Paths`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathsQuery {
    pub object: String,
    pub include_weak: bool,
    pub max: u32,
}

/// Params of [`req::Instances`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstancesQuery {
    pub class: u32,
    pub unreachable: bool,
    pub offset: u32,
    pub limit: u32,
}

/// Params of [`req::Threads`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ThreadsQuery {
    pub filter: String,
    pub offset: u32,
    pub limit: u32,
}

/// Params of [`req::Export`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportQuery {
    pub format: ExportFormat,
    /// Replace the dump's data (strings, thread names, frames…) with placeholders
    /// (`heaplens::report::redact`): a report to share.
    #[serde(default)]
    pub redact: bool,
}

/// Params of [`req::Query`]: the query's text and the rows wanted. The worker runs a query once
/// and pages the rows it kept; asking for another text runs that one instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryParams {
    pub text: String,
    #[serde(default)]
    pub offset: u64,
    /// At most [`MAX_PAGE`].
    pub limit: u32,
}

/// Answer of [`req::Query`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryPage {
    pub text: String,
    pub offset: u64,
    /// Column names (`object` for `SELECT *`, `AS RETAINED SET`, `OBJECTS`).
    pub columns: Vec<String>,
    /// Rows `offset..offset + rows.len()`; object cells carry the object's `0x…` id.
    pub rows: Vec<Vec<heaplens::query::Cell>>,
    /// All rows of the result.
    pub total: u64,
    /// Why the query did not run (`position`: byte offset in `text`); then no rows.
    pub error: Option<heaplens::query::QueryError>,
    /// Milliseconds the query took to run (0 when the page came from the rows kept).
    pub ms: f64,
}

/// How far a running query is ([`FromWorker::QueryProgress`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryProgress {
    /// The query's text.
    pub text: String,
    pub phase: heaplens::query::Phase,
    /// Objects done of `total` in this phase (the outermost scan's objects, the objects
    /// marked for a retained set, the objects indexed for `inbounds()`).
    pub done: u64,
    pub total: u64,
    /// Rows of the result so far.
    pub rows: u64,
    pub elapsed_ms: f64,
}

/// Worker → UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    /// Posted once, when the worker's wasm has started and its message handler is installed.
    Ready {
        protocol: u32,
        /// `heaplens-web` crate version of the worker build.
        version: String,
    },
    /// The answer to the request with the same `id`: its [`Request::Response`] as JSON, or
    /// why it could not be served (bad message, no dump open, unknown object…).
    Reply {
        id: RequestId,
        /// On the wire `"response": {…}` or `"error": "…"` beside the id.
        #[serde(flatten, with = "reply_result")]
        result: Result<serde_json::Value, String>,
    },
    /// Unsolicited: how far the current request is.
    Progress(Progress),
    /// Unsolicited, while a [`req::Query`] runs: how far it is (at most every
    /// [`PROGRESS_INTERVAL_MS`] / 2).
    QueryProgress(QueryProgress),
    /// Unsolicited, during [`req::Open`], once the first pass is done (before the reply).
    Partial(Box<PartialResults>),
    /// Unsolicited, after the replies to [`req::Open`] and to the first requests: the
    /// analysis' snapshot (`bytes` long) is posted next to this message, and this worker will
    /// answer nothing more. Terminate it, post the snapshot with [`req::Restore`] to a fresh
    /// worker, then the requests left unanswered. See the module documentation.
    Handoff { bytes: u64 },
}

/// [`FromWorker::Reply`]'s result as two plain keys, `response` or `error` (readable in
/// devtools and by the browser tests without knowing Rust's `Result`).
mod reply_result {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum WireRef<'a> {
        Response(&'a Value),
        Error(&'a str),
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Wire {
        Response(Value),
        Error(String),
    }

    pub fn serialize<S: Serializer>(r: &Result<Value, String>, s: S) -> Result<S::Ok, S::Error> {
        match r {
            Ok(v) => WireRef::Response(v),
            Err(e) => WireRef::Error(e),
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Result<Value, String>, D::Error> {
        Ok(match Wire::deserialize(d)? {
            Wire::Response(v) => Ok(v),
            Wire::Error(e) => Err(e),
        })
    }
}

/// Phases of the work, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// First pass over the file: numbering objects, reading classes.
    Indexing,
    /// Second pass: reading references.
    Linking,
    /// Dominator tree and retained sizes.
    Dominators,
    /// Histogram, paths, leak suspects and the other analyses.
    Analyses,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Indexing => "Reading and indexing",
            Phase::Linking => "Linking references",
            Phase::Dominators => "Computing dominators",
            Phase::Analyses => "Analyzing",
        }
    }
}

/// Wall-clock time of one completed phase, measured in the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTime {
    pub phase: Phase,
    pub ms: f64,
}

/// Progress of the current request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub phase: Phase,
    /// What is being done (`leak suspects`), empty if the phase says it all.
    pub detail: String,
    /// File bytes read so far, over both passes (0..=2 × file size).
    pub bytes_done: u64,
    pub bytes_total: u64,
    /// Whole job, 0..=100.
    pub percent: f64,
    pub elapsed_ms: f64,
    /// Estimated time left, when it can be estimated.
    pub eta_ms: Option<f64>,
}

// ---- Open / overview ---------------------------------------------------------------------

/// Why a dump could not be analyzed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenError {
    pub message: String,
    /// Byte offset of the damage (decompressed stream; compressed file for gzip errors).
    pub offset: Option<u64>,
    /// The file is not a heap dump at all.
    pub not_hprof: bool,
    /// The analysis would not fit in a browser tab's memory (decided after, or during, the
    /// first pass): use the command-line analyzer.
    #[serde(default)]
    pub too_big: Option<TooBig>,
}

/// Why a dump is too big for the browser (see [`OpenError::too_big`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TooBig {
    /// Objects in the dump (extrapolated from the part read, when the first pass was stopped
    /// early).
    pub objects: u64,
    /// Estimated peak memory of the analysis in a wasm32 worker.
    pub needed_bytes: u64,
    /// What a wasm32 worker can use (with `reserved_bytes`: the two analyses together).
    pub available_bytes: u64,
    /// What the other analysis of this tab holds (0 for a single dump).
    #[serde(default)]
    pub reserved_bytes: u64,
}

/// What the first pass found (see [`FromWorker::Partial`]): numbers that need no references.
/// Counts cover all objects, reachable or not (reachability needs the references).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartialResults {
    pub file_name: String,
    pub file_size: u64,
    pub format: String,
    pub id_size: u8,
    pub timestamp_ms: u64,
    pub dump_bytes: u64,
    pub objects_total: u64,
    pub classes: u64,
    pub gc_roots: u64,
    /// Threads the dump lists as GC roots (pass 1 cannot tell reachability; the final count,
    /// [`Overview::threads`], is every reachable `Thread`, so it can be larger).
    pub thread_roots: u64,
    pub heap_shallow_total: u64,
    pub compressed_oops: bool,
    pub alignment: u32,
    /// Upper bound of the references (every reference field and array element non-null).
    pub edges_estimate: u64,
    pub warnings: Vec<String>,
    /// Classes by shallow size, largest first, at most [`MAX_PAGE`]; `retained` is 0 (not
    /// known yet).
    pub histogram: Vec<HistogramRow>,
    /// Classes with objects (`histogram` holds the first of them).
    pub histogram_classes: u32,
    /// Phases completed so far, in order.
    pub phases: Vec<PhaseTime>,
    /// Estimated peak memory of the rest of the analysis (it fits, or Open would have failed).
    pub memory_estimate_bytes: u64,
    /// Size of the worker's wasm memory now (0 outside a browser).
    pub wasm_memory_bytes: u64,
}

/// Overview of an analyzed dump: the core's [`Summary`](heaplens::analysis::Summary) (flattened:
/// its fields sit beside these on the wire) and what only the page needs: the file as the user
/// chose it, the settings it was opened with, the tree's first rows and the worker's timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub file_name: String,
    /// Size of the file as stored (compressed size for `.gz`).
    pub file_size: u64,
    /// The numbers, as the report's `summary`; its warnings worded for the page (a
    /// multi-dump file points at the page's chooser, not at `--dump N`). `size_rule` is the
    /// rule in effect: the one asked for ([`OpenSettings::sizes`]), except that a dump whose
    /// ids are not object addresses always gets MAT's rule.
    #[serde(flatten)]
    pub summary: heaplens::analysis::Summary,
    /// What was asked to open it.
    #[serde(default)]
    pub settings: OpenSettings,
    /// Biggest dominator-tree children of the super-root.
    pub top_dominators: Vec<TreeRow>,
    /// Dominator-tree children of the super-root (for the tree's first level).
    pub root_children: u32,
    /// Wall time per phase, in order.
    pub phases: Vec<PhaseTime>,
    /// Wall time of the whole analysis in the worker (Open to reply), ms.
    pub analysis_ms: f64,
    /// Bytes the worker holds for the graph and dominator tree.
    pub memory_bytes: u64,
    /// Size of the worker's wasm memory after the analysis (a wasm memory never shrinks: its
    /// peak); 0 outside a browser.
    pub wasm_memory_bytes: u64,
}

// ---- Histogram ---------------------------------------------------------------------------

/// The histogram's pages: the core's (`analysis::views::histogram_page`), as they are.
pub use heaplens::analysis::views::{
    HistogramPage, HistogramPageRow as HistogramRow, HistogramQuery, HistogramSort,
};
pub use heaplens::analysis::Grouping;

// ---- Dominator tree ------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreeSort {
    #[default]
    Retained,
    Shallow,
    Class,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChildrenQuery {
    /// `None`: children of the super-root (the GC roots' dominators).
    pub parent: Option<String>,
    pub sort: TreeSort,
    /// Case-insensitive substring of the class name.
    pub filter: String,
    pub offset: u32,
    pub limit: u32,
}

/// One object as a dominator-tree row (also every list of objects): the core's
/// `analysis::views::ObjectRow`.
pub use heaplens::analysis::views::ObjectRow as TreeRow;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildrenPage {
    pub query: ChildrenQuery,
    /// Children matching the filter.
    pub total: u32,
    pub rows: Vec<TreeRow>,
}

/// [`req::TreeSearch`]'s pages: the core's (`analysis::views::tree_search`).
pub use heaplens::analysis::views::{
    TreeSearchPage, TreeSearchRow, TreeStep, MAX_SEARCH_DEPTH, MAX_SEARCH_RESULTS,
};

// ---- Objects -------------------------------------------------------------------------------

/// Answer of [`req::Object`]: the core's inspector (`analysis::inspect`), as is.
pub use heaplens::analysis::inspect::{
    ClassDetails, FieldRow, ObjectDetails, ObjectKind, ObjectRef,
};

/// An object's reference and the object at its other end (`analysis::views`).
pub use heaplens::analysis::views::ReferenceRow;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferencePage {
    pub object_id: String,
    pub incoming: bool,
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<ReferenceRow>,
}

/// A path from a GC root, as the core finds it (`analysis::Path`: steps root first, the root's
/// kind as MAT's label on the wire); `RootPath` names it for the page.
pub use heaplens::analysis::{Path as RootPath, PathStep};
pub use heaplens::hprof::RootKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathsResult {
    pub object_id: String,
    pub include_weak: bool,
    /// Empty: no path (unreachable, or only through weak references when they are excluded).
    pub paths: Vec<RootPath>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstancesPage {
    pub class: u32,
    pub class_name: String,
    pub unreachable: bool,
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<TreeRow>,
    /// The class has a value to group by (Strings, boxed primitives, enums).
    #[serde(default)]
    pub groupable: bool,
}

// ---- Suspects ------------------------------------------------------------------------------

pub use heaplens::analysis::{Holder, SizedRef, ThreadFacts};
pub use heaplens::analysis::{LeakPattern, Suspect, SuspectKind};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuspectsResult {
    /// The core's suspects as the report holds them.
    pub suspects: Vec<Suspect>,
    /// Reachable heap the percentages refer to.
    pub heap_reachable: u64,
}

// ---- Threads -------------------------------------------------------------------------------
//
// The page's shapes (`analysis::views`): a row of the list carries counts, not the thread's
// frames, locals and ThreadLocal entries, and the details carry frames as their `jstack` text.

pub use heaplens::analysis::views::{FrameView, ThreadDetails, ThreadLocalView, ThreadRow};
pub use heaplens::analysis::{ThreadGroupInfo, ThreadLocalFinding};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadsPage {
    /// Every `java.lang.Thread` instance of the dump.
    pub total_threads: u32,
    /// Those listed as GC roots (alive when the dump was taken).
    pub live_threads: u32,
    /// Threads matching the filter.
    pub total: u32,
    pub offset: u32,
    pub rows: Vec<ThreadRow>,
    /// Name groups, most threads first (at most 200).
    pub groups: Vec<ThreadGroupInfo>,
    pub group_count: u32,
    pub thread_local_findings: Vec<ThreadLocalFinding>,
}

// ---- Class loaders, waste --------------------------------------------------------------------

/// Answer of [`req::ClassLoaders`]: the core's report, its lists cut for a message (at most
/// 200 duplicated classes, `duplicate_classes_total` counts them all; 500 open jar files).
pub use heaplens::analysis::{ClassLoaderInfo, ClassLoaderReport as ClassLoadersResult};

// Waste: the page's shapes (`analysis::views::WasteView`): holders as one line each, one
// example object to open, a path as its `root → field → …` text.
pub use heaplens::analysis::views::{
    ArrayView, CollectionFillView, DuplicateStringView, WasteView as WasteResult,
};

// ---- Process memory --------------------------------------------------------------------------

pub use heaplens::analysis::process_memory::{
    BufferHolder, BufferKind, ClassMetadata, Figure, FigureKind, JvmFacts, Tally, ThreadStacks,
};

/// Memory beyond the heap (`analysis::views::ProcessMemoryView`: the core's `ProcessMemory`
/// with each of the largest buffers' paths as one line of text).
pub use heaplens::analysis::views::{BufferRow, ProcessMemoryView};

// ---- Export --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Json,
    Html,
    Markdown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    pub file_name: String,
    pub mime: String,
    pub text: String,
}

/// Encode a message for `postMessage`.
pub fn encode<T: Serialize>(msg: &T) -> String {
    // Our message types contain only strings, numbers, options, vectors and enums:
    // serialization cannot fail (non-finite floats become `null`).
    serde_json::to_string(msg).expect("protocol messages always serialize")
}

/// Decode a message received from `postMessage`.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_format_is_tagged_json() {
        let msg = ToWorker::new::<req::Ping>(7, &PingParams { echo: "hi".into() });
        assert_eq!(
            encode(&msg),
            r#"{"id":7,"method":"ping","params":{"echo":"hi"}}"#
        );
        assert_eq!(
            msg.params::<req::Ping>(),
            Some(Ok(PingParams { echo: "hi".into() }))
        );
        assert_eq!(msg.params::<req::Open>(), None);
        let ready = FromWorker::Ready {
            protocol: PROTOCOL_VERSION,
            version: "0.1.0".into(),
        };
        assert_eq!(
            encode(&ready),
            format!(r#"{{"type":"ready","protocol":{PROTOCOL_VERSION},"version":"0.1.0"}}"#)
        );
        let reply = FromWorker::Reply {
            id: 5,
            result: Ok(serde_json::json!({"type": "opened"})),
        };
        assert_eq!(
            encode(&reply),
            r#"{"type":"reply","id":5,"response":{"type":"opened"}}"#
        );
        let failed = FromWorker::Reply {
            id: 6,
            result: Err("no".into()),
        };
        assert_eq!(encode(&failed), r#"{"type":"reply","id":6,"error":"no"}"#);
        let handoff = FromWorker::Handoff { bytes: 12 };
        assert_eq!(encode(&handoff), r#"{"type":"handoff","bytes":12}"#);
        let restore = ToWorker::new::<req::Restore>(2, &());
        assert_eq!(
            encode(&restore),
            r#"{"id":2,"method":"restore","params":null}"#
        );
        let open = ToWorker::new::<req::Open>(
            1,
            &OpenParams {
                name: "a.hprof".into(),
                size: 9,
                settings: Default::default(),
                reserved_bytes: 0,
            },
        );
        assert_eq!(
            encode(&open),
            r#"{"id":1,"method":"open","params":{"name":"a.hprof","size":9}}"#
        );
        let q = ToWorker::new::<req::Histogram>(
            3,
            &HistogramQuery {
                limit: 10,
                ..Default::default()
            },
        );
        let text = encode(&q);
        assert!(
            text.starts_with(r#"{"id":3,"method":"histogram","params":{"#)
                && text.contains(r#""group":"class""#)
                && text.contains(r#""sort":"retained""#),
            "{text}"
        );
        // A request's response type is what the worker's JSON decodes into.
        let page: Result<String, String> = response_of::<req::Ping>(serde_json::json!("hi"));
        assert_eq!(page.unwrap(), "hi");
        assert!(response_of::<req::Histogram>(serde_json::json!("hi")).is_err());
    }

    #[test]
    fn round_trips() {
        let msgs = [
            FromWorker::Ready {
                protocol: 1,
                version: "x".into(),
            },
            FromWorker::Reply {
                id: 1,
                result: Ok(serde_json::json!("é \" \\ \n")),
            },
            FromWorker::Reply {
                id: u32::MAX,
                result: Err("no".into()),
            },
            FromWorker::Progress(Progress {
                phase: Phase::Linking,
                detail: String::new(),
                bytes_done: 5,
                bytes_total: 10,
                percent: 25.0,
                elapsed_ms: 1.5,
                eta_ms: None,
            }),
            FromWorker::Reply {
                id: 3,
                result: Ok(serde_json::to_value(OpenOutcome::Failed(OpenError {
                    message: "m".into(),
                    offset: Some(0),
                    not_hprof: true,
                    too_big: None,
                }))
                .unwrap()),
            },
            FromWorker::Reply {
                id: 4,
                result: Ok(serde_json::to_value(OpenOutcome::Failed(OpenError {
                    message: "big".into(),
                    offset: None,
                    not_hprof: false,
                    too_big: Some(TooBig {
                        objects: 1 << 33,
                        needed_bytes: 1 << 40,
                        available_bytes: 1 << 32,
                        reserved_bytes: 0,
                    }),
                }))
                .unwrap()),
            },
            FromWorker::Partial(Box::new(PartialResults {
                file_name: "a.hprof".into(),
                file_size: 1 << 33,
                format: "JAVA PROFILE 1.0.2".into(),
                id_size: 8,
                timestamp_ms: 1,
                dump_bytes: 1 << 33,
                objects_total: 3,
                classes: 1,
                gc_roots: 1,
                thread_roots: 0,
                heap_shallow_total: 48,
                compressed_oops: true,
                alignment: 8,
                edges_estimate: 2,
                warnings: vec![],
                histogram: vec![HistogramRow {
                    class: Some(0),
                    name: "java.lang.Object".into(),
                    instances: 3,
                    shallow: 48,
                    retained: 0,
                }],
                histogram_classes: 1,
                phases: vec![PhaseTime {
                    phase: Phase::Indexing,
                    ms: 12.5,
                }],
                memory_estimate_bytes: 1 << 20,
                wasm_memory_bytes: 1 << 21,
            })),
        ];
        for m in msgs {
            assert_eq!(decode::<FromWorker>(&encode(&m)).unwrap(), m);
        }
    }

    #[test]
    fn rejects_unknown_messages() {
        assert!(decode::<ToWorker>(r#"{"id":1}"#).is_err());
        let unknown = decode::<ToWorker>(r#"{"id":1,"method":"format_disk"}"#).unwrap();
        assert!(!req::METHODS.contains(&unknown.method.as_str()));
        let bad = decode::<ToWorker>(r#"{"id":1,"method":"object","params":{"id":3}}"#).unwrap();
        assert!(bad.params::<req::Object>().unwrap().is_err());
        assert!(decode::<ToWorker>("not json").is_err());
    }
}
