//! The worker's request handler: plain Rust, no JS, so it is unit-tested natively.
//!
//! The wasm glue in [`super::entry`] only decodes messages, wraps the posted `File` as a
//! [`DumpSource`], calls [`Service::handle_with`] and posts the reply. Everything the worker
//! keeps between requests (the graph, the dominator tree, cached analyses) lives in
//! [`Service`].
//!
//! Opening a dump ([`super::open::OpenJob`]) runs the two parsing passes, the dominator tree
//! and the summary, with progress in every phase. Between the passes it checks that the rest of
//! the analysis fits in a wasm32 worker's memory ([`super::memory`]) and hands the first pass's results
//! to [`Host::partial`] (overview numbers, histogram without retained sizes). Every other
//! analysis (class histogram, paths, leak suspects, threads, class loaders, waste) runs on the
//! first request that needs it and is cached. A snapshot of the analysis
//! ([`Service::prepare_snapshot`], [`req::Restore`]) moves it to a fresh worker. Lists are
//! answered a page at a time; the last sorted/filtered list of each kind is cached so that
//! scrolling through 100,000 children
//! costs one sort, not one per page.

use heaplens::analysis::Histogram;
use heaplens::analysis::{
    self, domtree, histogram, inspect, references, views, PathFinder, PathIndex, PathOptions,
};
use heaplens::compare::{compare, digest_from, Diff, Digest};
use heaplens::graph::{
    read_sealed, read_snapshot, snapshot_len, write_sealed, write_snapshot, Dominance, HeapGraph,
    Node, Snapshot, SEAL_LEN, SNAPSHOT_FORMAT,
};
use heaplens::hprof::reread::ObjectSource;
use heaplens::hprof::Id;
use heaplens::report;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

use super::explore::{self as explore_views, ExploreCache};
use super::host::{DumpSource, Host, NullHost, CHUNK_BYTES};
use super::open::{OpenJob, Opened};
use super::query::{Answer, Queries, SLICE_MS};
use super::query_run::SharedSource;
use crate::protocol::*;

/// A snapshot about to be written: see [`Service::prepare_snapshot`].
pub struct SnapshotPlan {
    /// What travels next to the graph: [`Carried`] as JSON.
    extra: Vec<u8>,
    /// The snapshot's size in bytes.
    pub bytes: u64,
}

/// What a restored dump needs besides the graph and the dominance (computed once, in the
/// worker that built them).
#[derive(Serialize, Deserialize)]
struct Carried {
    name: String,
    file_size: u64,
    #[serde(default)]
    settings: OpenSettings,
    hist: Histogram,
    summary: analysis::Summary,
    phases: Vec<PhaseTime>,
    analysis_ms: f64,
    suspects: Option<SuspectsResult>,
    /// The comparison state (a digest asked, a comparison made) survives the hand-over.
    #[serde(default)]
    digest: Option<Digest>,
    #[serde(default)]
    diff: Option<Diff>,
    #[serde(default)]
    process_memory: Option<Box<ProcessMemoryView>>,
}

/// Serves the requests of one UI; lives as long as the worker.
#[derive(Default)]
pub struct Service {
    dump: Option<Loaded>,
    /// OQL: the dump's file (to read fields again) and the last result's rows.
    queries: Queries,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("open", &self.dump.as_ref().map(|d| &d.name))
            .finish()
    }
}

impl Service {
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles a message that needs no attachment and reports no progress.
    pub fn handle(&mut self, msg: &ToWorker) -> Reply {
        self.handle_with(msg, None, &mut NullHost)
    }

    /// Handles one message: routes its method to the code that answers it and encodes the
    /// answer. `source` is what was posted next to it ([`req::Open`]'s file, [`req::Restore`]'s
    /// snapshot). An unknown method or malformed params are an error reply, never a panic.
    pub fn handle_with(
        &mut self,
        msg: &ToWorker,
        source: Option<&mut dyn DumpSource>,
        host: &mut dyn Host,
    ) -> Reply {
        let params = msg.params.clone();
        match msg.method.as_str() {
            req::Ping::METHOD => answer::<req::Ping>(params, |p| Ok(p.echo)),
            req::Open::METHOD => answer::<req::Open>(params, |p| {
                let src = source.ok_or("open: no file was posted with the request")?;
                Ok(self.open(p.name, p.size, p.settings, p.reserved_bytes, src, host))
            }),
            req::Restore::METHOD => answer::<req::Restore>(params, |()| {
                let src = source.ok_or("restore: no snapshot was posted with the request")?;
                self.restore(src, host)
            }),
            // The Origin Private File System is the worker's (`worker::keep`), not the service's.
            req::Keep::METHOD | req::OpenKept::METHOD => {
                Err(format!("{} needs the browser's worker", msg.method))
            }
            req::Query::METHOD => match self.dump.as_ref() {
                None => Err("no heap dump is open".into()),
                Some(dump) => answer::<req::Query>(params, |q| {
                    Ok(self.queries.page(&dump.graph, &dump.d, q, host))
                }),
            },
            // Reads values the build did not keep from the dump file (as the CLI does).
            req::GroupByValue::METHOD => match self.dump.as_mut() {
                None => Err("no heap dump is open".into()),
                Some(dump) => answer::<req::GroupByValue>(params, |q| {
                    announce(host, "group by value");
                    let mut shared = self.queries.reader().map(SharedSource);
                    let source = shared.as_mut().map(|s| s as &mut dyn ObjectSource);
                    dump.explore.group_by_value(&dump.graph, &dump.d, q, source)
                }),
            },
            // The inspector reads the fields the build did not keep from the dump too.
            req::Object::METHOD => match self.dump.as_mut() {
                None => Err("no heap dump is open".into()),
                Some(dump) => answer::<req::Object>(params, |q| {
                    let mut shared = self.queries.reader().map(SharedSource);
                    let source = shared.as_mut().map(|s| s as &mut dyn ObjectSource);
                    Ok(Box::new(dump.object(&q.object, source, host)?))
                }),
            },
            // Nothing runs between messages here (see `handle_stepwise`).
            req::CancelQuery::METHOD => {
                answer::<req::CancelQuery>(params, |()| Ok(self.queries.cancel().0))
            }
            method => match self.dump.as_mut() {
                _ if !req::METHODS.contains(&method) => Err(format!("unknown request {method:?}")),
                None => Err("no heap dump is open".into()),
                Some(dump) => dump.serve(method, params, host),
            },
        }
    }

    /// Handles one message as the worker does: a [`req::Query`] that must run starts a run in
    /// slices ([`Self::query_slice`]) and is answered when it ends; a [`req::CancelQuery`]
    /// or a newer query stops the run (its requests are answered: cancelled); anything else is
    /// answered now ([`Self::handle_with`]), also while a query runs. Returns the replies
    /// ready now, by request id.
    pub fn handle_stepwise(
        &mut self,
        msg: &ToWorker,
        source: Option<&mut dyn DumpSource>,
        host: &mut dyn Host,
    ) -> Vec<(RequestId, Reply)> {
        let id = msg.id;
        match msg.method.as_str() {
            req::Query::METHOD => {
                let Some(dump) = self.dump.as_ref() else {
                    return vec![(id, Err("no heap dump is open".into()))];
                };
                match params_of::<req::Query>(msg.params.clone()) {
                    Err(e) => vec![(id, Err(e))],
                    Ok(q) => encode_answers(self.queries.submit(id, q, &dump.graph, &dump.d, host)),
                }
            }
            req::CancelQuery::METHOD => {
                let (was, answers) = self.queries.cancel();
                let mut out = encode_answers(answers);
                out.push((id, Ok(serde_json::Value::Bool(was))));
                out
            }
            method => {
                // Another dump replaces this one: the query running stops first.
                let mut out = if method == req::Open::METHOD || method == req::Restore::METHOD {
                    encode_answers(self.queries.cancel().1)
                } else {
                    Vec::new()
                };
                out.push((id, self.handle_with(msg, source, host)));
                out
            }
        }
    }

    /// Whether a query is running ([`Self::query_slice`] should be called again soon).
    pub fn query_running(&self) -> bool {
        self.queries.running()
    }

    /// Runs the query running for about [`SLICE_MS`]; the replies of its requests once it
    /// has ended.
    pub fn query_slice(&mut self, host: &mut dyn Host) -> Vec<(RequestId, Reply)> {
        let Some(dump) = self.dump.as_ref() else {
            return encode_answers(self.queries.cancel().1);
        };
        encode_answers(self.queries.slice(SLICE_MS, &dump.graph, &dump.d, host))
    }

    /// Asks `R` as the UI would, through the JSON wire form (for native callers and tests).
    pub fn request<R: Request>(&mut self, params: &R::Params) -> Result<R::Response, String> {
        self.request_with::<R>(params, None, &mut NullHost)
    }

    /// [`Self::request`] with an attachment and a host.
    pub fn request_with<R: Request>(
        &mut self,
        params: &R::Params,
        source: Option<&mut dyn DumpSource>,
        host: &mut dyn Host,
    ) -> Result<R::Response, String> {
        let reply = self.handle_with(&ToWorker::new::<R>(0, params), source, host)?;
        response_of::<R>(reply)
    }

    fn open(
        &mut self,
        name: String,
        size: u64,
        settings: OpenSettings,
        reserved: u64,
        source: &mut dyn DumpSource,
        host: &mut dyn Host,
    ) -> OpenOutcome {
        let total = source.size().max(size);
        let mut job = match self.begin_open(name, total, settings, host) {
            Ok(job) => job.reserving(reserved),
            Err(e) => return OpenOutcome::Failed(e),
        };
        let mut buf = vec![0u8; CHUNK_BYTES];
        loop {
            // The file in order, without the ranges the pass leaves out, each read fed as it
            // comes; a read of nothing is where the file ends.
            'pass: for (offset, len) in job.reads(CHUNK_BYTES as u64) {
                let mut done = 0u64;
                while done < len {
                    let want = &mut buf[..(len - done) as usize];
                    let n = match source.read_at(offset + done, want) {
                        Ok(0) => break 'pass,
                        Ok(n) => n,
                        Err(e) => return OpenJob::read_failed(offset + done, &e),
                    };
                    if let Err(e) = job.feed(&want[..n], host) {
                        return OpenOutcome::Failed(e);
                    }
                    done += n as u64;
                }
            }
            match job.end_of_data(host) {
                Ok(true) => continue,
                Ok(false) => break,
                Err(e) => return OpenOutcome::Failed(e),
            }
        }
        drop(buf);
        self.complete(job, host)
    }

    /// Prepares a snapshot of the open dump for [`req::Restore`] in another worker: computes
    /// the leak suspects and the process memory first (the UI asks for them right after
    /// opening — the overview shows the process-memory verdict; computing them here keeps
    /// their working memory, the paths from GC roots, out of the next worker) and returns the
    /// snapshot's size and what [`Self::write_snapshot`] needs. `None` when no dump is open.
    pub fn prepare_snapshot(&mut self, host: &mut dyn Host) -> Option<SnapshotPlan> {
        let dump = self.dump.as_mut()?;
        let suspects = dump.suspects(host).clone();
        let process_memory = dump.process_memory(host).clone();
        let hist = dump.hist(host).clone();
        let carried = Carried {
            name: dump.name.clone(),
            file_size: dump.file_size,
            settings: dump.settings,
            hist,
            summary: dump.summary.clone(),
            phases: dump.phases.clone(),
            analysis_ms: dump.analysis_ms,
            suspects: Some(suspects),
            digest: dump.digest.clone(),
            diff: dump.diff.clone(),
            process_memory: Some(Box::new(process_memory)),
        };
        let extra = serde_json::to_vec(&carried).ok()?;
        let bytes = snapshot_len(dump.g(), &dump.d, &extra);
        Some(SnapshotPlan { extra, bytes })
    }

    /// Writes the snapshot `plan` describes, in pieces, to `sink` (`plan.bytes` in all).
    pub fn write_snapshot(&self, plan: &SnapshotPlan, sink: &mut dyn FnMut(&[u8])) {
        if let Some(dump) = &self.dump {
            write_snapshot(dump.g(), &dump.d, &plan.extra, sink);
        }
    }

    /// The dump's file, kept to read fields again for queries (the `File` of the `Open`, or
    /// of the `Restore` after a hand-over). Forgets the last query's rows.
    /// Returns the replies of a query it stopped.
    pub fn attach_file(&mut self, file: Box<dyn DumpSource>) -> Vec<(RequestId, Reply)> {
        encode_answers(self.queries.attach(file))
    }

    /// Whether the leak suspects of the open dump are computed.
    pub fn suspects_ready(&self) -> bool {
        self.dump.as_ref().is_some_and(|d| d.suspects.is_some())
    }

    /// Frees the open dump.
    pub fn close(&mut self) {
        self.dump = None;
    }

    /// Prepares keeping the open dump on this computer ([`req::Keep`]): the snapshot (as for
    /// the hand-over) and the manifest that goes next to it (`snapshot_bytes`: the sealed
    /// file's size). `None` when no dump is open.
    pub fn prepare_keep(
        &mut self,
        key: String,
        kept_ms: f64,
        host: &mut dyn Host,
    ) -> Option<(SnapshotPlan, KeptManifest)> {
        let plan = self.prepare_snapshot(host)?;
        let dump = self.dump.as_ref()?;
        let manifest = KeptManifest {
            key,
            format: SNAPSHOT_FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            name: dump.name.clone(),
            size: dump.file_size,
            settings: dump.settings,
            kept_ms,
            objects: dump.summary.objects_total,
            snapshot_bytes: plan.bytes + SEAL_LEN,
        };
        Some((plan, manifest))
    }

    /// Writes the sealed snapshot `plan` describes (`heaplens::graph::write_sealed`), in
    /// pieces, to `sink` (`plan.bytes + SEAL_LEN` in all).
    pub fn write_kept(&self, plan: &SnapshotPlan, sink: &mut dyn FnMut(&[u8])) {
        if let Some(dump) = &self.dump {
            write_sealed(dump.g(), &dump.d, &plan.extra, sink);
        }
    }

    /// Loads an analysis kept on this computer ([`req::OpenKept`]): `source` is the sealed
    /// snapshot, checked (seal, CRC-32) before anything is used; `name` the dump's file name
    /// now. Answers like opening, with the time it took as the analysis time; a damaged or
    /// stale file is an error (the caller deletes it and analyzes the dump).
    pub fn restore_kept(
        &mut self,
        source: &mut dyn DumpSource,
        name: String,
        host: &mut dyn Host,
    ) -> Result<OpenOutcome, String> {
        self.dump = None;
        let started = host.now_ms();
        let len = source.size();
        let snapshot = read_sealed(len, &mut |mut at, buf| {
            let mut done = 0;
            while done < buf.len() {
                let n = source.read_at(at, &mut buf[done..])?;
                if n == 0 {
                    return Err(format!("the kept file ends at byte {at}"));
                }
                done += n;
                at += n as u64;
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
        self.restored(snapshot, started, Some(name), host)
    }

    /// Loads a snapshot another worker made ([`Self::prepare_snapshot`]); answers like opening.
    fn restore(
        &mut self,
        source: &mut dyn DumpSource,
        host: &mut dyn Host,
    ) -> Result<OpenOutcome, String> {
        self.dump = None;
        let started = host.now_ms();
        let mut offset = 0u64;
        let mut fill = |buf: &mut [u8]| -> Result<(), String> {
            let mut done = 0;
            while done < buf.len() {
                let n = source.read_at(offset, &mut buf[done..])?;
                if n == 0 {
                    return Err(format!("the snapshot ends at byte {offset}"));
                }
                done += n;
                offset += n as u64;
            }
            Ok(())
        };
        let snapshot =
            read_snapshot(&mut fill).map_err(|e| format!("cannot restore the analysis: {e}"))?;
        self.restored(snapshot, started, None, host)
    }

    /// Keeps a snapshot read back: the hand-over's (`kept_as: None`: its time is added to the
    /// last phase), or a kept analysis opened as the dump `kept_as` (no phase ran: the
    /// analysis time is the reading time).
    fn restored(
        &mut self,
        snapshot: Snapshot,
        started: f64,
        kept_as: Option<String>,
        host: &mut dyn Host,
    ) -> Result<OpenOutcome, String> {
        let carried: Carried = serde_json::from_slice(&snapshot.extra)
            .map_err(|e| format!("cannot restore the analysis: {e}"))?;
        let Carried {
            name,
            file_size,
            settings,
            hist,
            summary,
            mut phases,
            analysis_ms,
            suspects,
            digest,
            diff,
            process_memory,
        } = carried;
        let restore_ms = host.now_ms() - started;
        let (name, analysis_ms) = match kept_as {
            Some(now_named) => {
                // Opened from disk: none of the analysis' phases ran now.
                phases.clear();
                (now_named, restore_ms)
            }
            None => {
                if let Some(last) = phases.last_mut() {
                    // The hand-over is part of the analysis as the user waits for it.
                    last.ms += restore_ms;
                }
                (name, analysis_ms + restore_ms)
            }
        };
        let memory = snapshot.graph.heap_bytes() as u64 + snapshot.dominance.heap_bytes() as u64;
        let opened = Opened {
            name,
            file_size,
            settings,
            graph: snapshot.graph,
            d: snapshot.dominance,
            summary,
            phases,
            analysis_ms,
            memory,
            wasm_memory: host.memory_bytes(),
        };
        let outcome = self.keep(opened, Some(hist), suspects, process_memory);
        if let Some(dump) = self.dump.as_mut() {
            dump.digest = digest;
            dump.diff = diff;
        }
        Ok(outcome)
    }

    /// Starts opening a dump of `total` bytes as `settings` say (the previous dump is freed
    /// first): the caller feeds the returned job the file's bytes, pass after pass, then calls
    /// [`Self::complete`].
    pub fn begin_open(
        &mut self,
        name: String,
        total: u64,
        settings: OpenSettings,
        host: &mut dyn Host,
    ) -> Result<OpenJob, OpenError> {
        self.dump = None;
        OpenJob::start(name, total, settings, host)
    }

    /// Ends opening after the job's last pass: computes the rest of the analysis and keeps the
    /// dump for the next requests. Answers its overview or why it failed.
    pub fn complete(&mut self, job: OpenJob, host: &mut dyn Host) -> OpenOutcome {
        let opened = match job.finish(host) {
            Ok(opened) => opened,
            Err(e) => return OpenOutcome::Failed(e),
        };
        self.keep(opened, None, None, None)
    }

    /// Keeps an opened (or restored) dump for the next requests, with the analyses already
    /// computed, and answers its overview.
    fn keep(
        &mut self,
        opened: Opened,
        hist: Option<Histogram>,
        suspects: Option<SuspectsResult>,
        process_memory: Option<Box<ProcessMemoryView>>,
    ) -> OpenOutcome {
        let Opened {
            name,
            file_size,
            settings,
            graph,
            d,
            summary,
            phases,
            analysis_ms,
            memory,
            wasm_memory,
        } = opened;
        let loaded = Loaded {
            name,
            file_size,
            settings,
            graph: Rc::new(graph),
            d: Rc::new(d),
            hist,
            summary,
            phases,
            analysis_ms,
            memory,
            wasm_memory,
            paths: None,
            weak_paths: None,
            suspects,
            process_memory,
            threads: None,
            loaders: None,
            waste: None,
            children_cache: None,
            incoming_cache: None,
            instances_cache: None,
            digest: None,
            diff: None,
            explore: ExploreCache::default(),
        };
        let overview = loaded.overview();
        self.dump = Some(loaded);
        // A query of the previous dump stopped when this one's Open or Restore came.
        let _ = self.queries.forget();
        OpenOutcome::Opened(Box::new(overview))
    }
}

/// The answer to one message: the request's response as JSON, or why it failed.
pub type Reply = Result<serde_json::Value, String>;

/// Query answers as replies.
fn encode_answers(answers: Vec<Answer>) -> Vec<(RequestId, Reply)> {
    answers
        .into_iter()
        .map(|(id, page)| {
            // A page holds strings, numbers and options: it always encodes.
            let v = serde_json::to_value(page).expect("a query page serializes");
            (id, Ok(v))
        })
        .collect()
}

/// Decodes `R`'s params, runs `f`, encodes its response: the one place a route meets JSON.
fn answer<R: Request>(
    params: serde_json::Value,
    f: impl FnOnce(R::Params) -> Result<R::Response, String>,
) -> Reply {
    let response = f(params_of::<R>(params)?)?;
    // Responses hold only strings, numbers, options, vectors and enums: they always encode.
    Ok(serde_json::to_value(response).expect("protocol responses always serialize"))
}

/// Analyses report progress only at their start (they have no callbacks).
fn announce(host: &mut dyn Host, detail: &str) {
    host.progress(&Progress {
        phase: Phase::Analyses,
        detail: detail.to_string(),
        bytes_done: 0,
        bytes_total: 0,
        percent: 95.0,
        elapsed_ms: 0.0,
        eta_ms: None,
    });
}

struct ThreadsCache {
    threads: Vec<analysis::ThreadInfo>,
    groups: Vec<ThreadGroupInfo>,
    findings: Vec<ThreadLocalFinding>,
    filtered: Option<(String, Vec<u32>)>,
}

#[derive(Clone, PartialEq)]
struct ChildrenKey {
    parent: Node,
    sort: TreeSort,
    filter: String,
}

/// One analyzed dump.
///
/// It owns the graph; what borrows the graph (a [`PathFinder`]) is made per request from an
/// owned index ([`PathIndex`]), so nothing here borrows a sibling field.
struct Loaded {
    name: String,
    file_size: u64,
    settings: OpenSettings,
    /// Shared (read only) with a query running in slices.
    graph: Rc<HeapGraph>,
    d: Rc<Dominance>,
    /// Computed on first use (the histogram view, an object's class, the hand-over), not
    /// before the overview is shown.
    hist: Option<Histogram>,
    summary: analysis::Summary,
    phases: Vec<PhaseTime>,
    analysis_ms: f64,
    memory: u64,
    wasm_memory: u64,
    /// Paths from GC roots (strong only, and with weak references): the BFS results, kept;
    /// a finder borrows one with the graph per request.
    paths: Option<PathIndex>,
    weak_paths: Option<PathIndex>,
    suspects: Option<SuspectsResult>,
    process_memory: Option<Box<ProcessMemoryView>>,
    threads: Option<ThreadsCache>,
    loaders: Option<ClassLoadersResult>,
    waste: Option<WasteResult>,
    children_cache: Option<(ChildrenKey, Vec<Node>)>,
    incoming_cache: Option<(Node, Vec<Node>)>,
    instances_cache: Option<((u32, bool), Vec<Node>)>,
    /// This dump reduced for a comparison ([`req::Digest`], [`req::Compare`]).
    digest: Option<Digest>,
    /// The comparison of a baseline with this dump ([`req::Compare`]), paged by
    /// [`req::CompareHistogram`].
    diff: Option<Diff>,
    /// The investigation views' last results.
    explore: ExploreCache,
}

/// The page `offset..` of a list of `len`, at most [`MAX_PAGE`] long.
fn page_bounds(len: usize, offset: u32, limit: u32) -> std::ops::Range<usize> {
    views::page_range(len, offset, limit.min(MAX_PAGE))
}

fn parse_id(text: &str) -> Result<Id, String> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    match hex {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse::<u64>(),
    }
    .map(Id::new)
    .map_err(|_| format!("not an object id: {text:?} (expected 0x… hex)"))
}

impl Loaded {
    fn g(&self) -> &HeapGraph {
        &self.graph
    }

    fn node(&self, id: &str) -> Result<Node, String> {
        let id = parse_id(id)?;
        self.g()
            .node_of(id)
            .ok_or_else(|| format!("no object {} in this dump", report::format_id(id)))
    }

    fn total(&self) -> u64 {
        self.d.reachable_bytes()
    }

    fn row(&self, v: Node) -> TreeRow {
        TreeRow::new(&self.graph, &self.d, v)
    }

    fn overview(&self) -> Overview {
        let mut summary = self.summary.clone();
        summary.warnings = summary
            .warnings
            .iter()
            .map(|w| page_warning(&self.summary, w))
            .collect();
        let root_children = self.d.children(self.g().super_root());
        Overview {
            file_name: self.name.clone(),
            file_size: self.file_size,
            summary,
            settings: self.settings,
            top_dominators: root_children
                .iter()
                .take(10)
                .map(|&v| self.row(v))
                .collect(),
            root_children: root_children.len() as u32,
            phases: self.phases.clone(),
            analysis_ms: self.analysis_ms,
            memory_bytes: self.memory,
            wasm_memory_bytes: self.wasm_memory,
        }
    }

    /// The path finder (`include_weak`: through weak references too), its BFS run on first use.
    fn paths(&mut self, include_weak: bool, host: &mut dyn Host) -> PathFinder<'_> {
        let slot = if include_weak {
            &mut self.weak_paths
        } else {
            &mut self.paths
        };
        if slot.is_none() {
            announce(host, "paths from GC roots");
            *slot = Some(PathIndex::new(&self.graph, PathOptions { include_weak }));
        }
        self.finder(include_weak).expect("built above")
    }

    /// A finder over the path index built by [`Self::paths`], if it was.
    fn finder(&self, include_weak: bool) -> Option<PathFinder<'_>> {
        let index = if include_weak {
            &self.weak_paths
        } else {
            &self.paths
        };
        Some(index.as_ref()?.finder(&self.graph))
    }

    /// Routes a request about the open dump (see [`Service::handle_with`]).
    fn serve(&mut self, method: &str, params: serde_json::Value, host: &mut dyn Host) -> Reply {
        use req::*;
        match method {
            Summary::METHOD => answer::<Summary>(params, |()| Ok(Box::new(self.overview()))),
            Histogram::METHOD => answer::<Histogram>(params, |q| Ok(self.histogram(q, host))),
            Children::METHOD => answer::<Children>(params, |q| self.children(q)),
            TreeSearch::METHOD => answer::<TreeSearch>(params, |q| {
                let limit = q.limit.min(MAX_PAGE);
                Ok(views::tree_search(
                    &self.graph,
                    &self.d,
                    q.pattern,
                    q.offset,
                    limit,
                ))
            }),
            References::METHOD => answer::<References>(params, |q| {
                self.references(&q.object, q.incoming, q.offset, q.limit)
            }),
            Paths::METHOD => answer::<Paths>(params, |q| {
                let v = self.node(&q.object)?;
                let found = self
                    .paths(q.include_weak, host)
                    .paths(v, q.max.clamp(1, 10) as usize);
                Ok(PathsResult {
                    object_id: q.object,
                    include_weak: q.include_weak,
                    paths: found,
                })
            }),
            Instances::METHOD => answer::<Instances>(params, |q| {
                self.instances(q.class, q.unreachable, q.offset, q.limit)
            }),
            Suspects::METHOD => answer::<Suspects>(params, |()| Ok(self.suspects(host).clone())),
            Threads::METHOD => answer::<Threads>(params, |q| {
                Ok(self.threads_page(&q.filter, q.offset, q.limit, host))
            }),
            Thread::METHOD => {
                answer::<Thread>(params, |q| Ok(Box::new(self.thread(&q.object, host)?)))
            }
            ClassLoaders::METHOD => {
                answer::<ClassLoaders>(params, |()| Ok(self.class_loaders(host).clone()))
            }
            Waste::METHOD => answer::<Waste>(params, |()| Ok(self.waste(host).clone())),
            Export::METHOD => {
                answer::<Export>(params, |q| Ok(self.export(q.format, q.redact, host)))
            }
            Digest::METHOD => answer::<Digest>(params, |()| {
                serde_json::to_string(self.digest(host))
                    .map(DigestText)
                    .map_err(|e| format!("cannot encode the digest: {e}"))
            }),
            Compare::METHOD => answer::<Compare>(params, |p| {
                let base: heaplens::compare::Digest = serde_json::from_str(&p.baseline.0)
                    .map_err(|e| format!("the baseline's digest is unreadable: {e}"))?;
                let this = self.digest(host);
                announce(host, "comparison");
                let diff = compare(&base, this);
                let result = super::compare::result(&diff);
                self.diff = Some(diff);
                Ok(Box::new(result))
            }),
            CompareHistogram::METHOD => answer::<CompareHistogram>(params, |q| {
                let diff = self
                    .diff
                    .as_ref()
                    .ok_or("no comparison: ask \"compare\" first")?;
                Ok(super::compare::page(diff, q))
            }),
            RetainedSet::METHOD => answer::<RetainedSet>(params, |q| {
                announce(host, "retained set");
                self.explore.retained_set(&self.graph, &self.d, q)
            }),
            ImmediateDominators::METHOD => answer::<ImmediateDominators>(params, |q| {
                self.explore.dominators(&self.graph, &self.d, q)
            }),
            MergedPaths::METHOD => answer::<MergedPaths>(params, |q| {
                self.paths(q.include_weak, host);
                announce(host, "merged paths");
                let index = if q.include_weak {
                    &self.weak_paths
                } else {
                    &self.paths
                };
                let finder = index.as_ref().expect("built above").finder(&self.graph);
                self.explore.merged_paths(&self.graph, &self.d, &finder, q)
            }),
            MorePaths::METHOD => answer::<MorePaths>(params, |q| {
                let v = self.node(&q.object)?;
                let page = self.paths(q.include_weak, host).paths_page(
                    v,
                    q.offset as u64,
                    q.limit.clamp(1, 100) as usize,
                );
                Ok(MorePathsPage {
                    object_id: q.object,
                    include_weak: q.include_weak,
                    total: page.total,
                    complete: page.complete,
                    offset: q.offset,
                    paths: page.paths,
                })
            }),
            Contents::METHOD => {
                answer::<Contents>(params, |q| explore_views::contents(&self.graph, q))
            }
            FindObject::METHOD => {
                answer::<FindObject>(params, |q| explore_views::find(&self.graph, &self.d, q))
            }
            InstancesCsv::METHOD => answer::<InstancesCsv>(params, |q| {
                self.instances(q.class, q.unreachable, 0, 0)?;
                let list = &self.instances_cache.as_ref().expect("filled").1;
                Ok(explore_views::instances_csv(
                    &self.graph,
                    &self.d,
                    list,
                    q.class,
                    q.unreachable,
                ))
            }),
            ProcessMemory::METHOD => answer::<ProcessMemory>(params, |()| {
                Ok(Box::new(self.process_memory(host).clone()))
            }),
            other => Err(format!("{other:?} is not a request about an open dump")),
        }
    }

    // ---- comparison ----

    /// This dump's digest for a comparison (computed once; reuses the kept histogram and
    /// strong paths).
    fn digest(&mut self, host: &mut dyn Host) -> &Digest {
        if self.digest.is_none() {
            self.hist(host);
            self.paths(false, host);
            announce(host, "comparison digest");
            let paths = self.finder(false).expect("strong paths computed above");
            let hist = self.hist.as_ref().expect("computed above");
            let d = digest_from(&self.graph, &self.d, hist, &paths, Some(self.name.clone()));
            self.digest = Some(d);
        }
        self.digest.as_ref().expect("filled")
    }

    // ---- histogram ----

    fn hist(&mut self, host: &mut dyn Host) -> &Histogram {
        if self.hist.is_none() {
            announce(host, "class histogram");
            self.hist = Some(histogram(self.g(), &self.d));
        }
        self.hist.as_ref().expect("filled")
    }

    fn histogram(&mut self, q: HistogramQuery, host: &mut dyn Host) -> HistogramPage {
        self.hist(host);
        let hist = self.hist.as_ref().expect("computed above");
        views::histogram_page(&self.graph, hist, q, MAX_PAGE)
    }

    // ---- dominator tree ----

    fn children(&mut self, q: ChildrenQuery) -> Result<ChildrenPage, String> {
        let parent = match &q.parent {
            None => self.graph.super_root(),
            Some(id) => self.node(id)?,
        };
        let key = ChildrenKey {
            parent,
            sort: q.sort,
            filter: q.filter.to_lowercase(),
        };
        if self.children_cache.as_ref().map(|(k, _)| k) != Some(&key) {
            let order = match q.sort {
                TreeSort::Retained => domtree::ChildOrder::Retained,
                TreeSort::Shallow => domtree::ChildOrder::Shallow,
                TreeSort::Class => domtree::ChildOrder::Class,
            };
            let list = domtree::children(&self.graph, &self.d, parent, order, &key.filter);
            self.children_cache = Some((key, list));
        }
        let list = &self.children_cache.as_ref().expect("filled").1;
        Ok(ChildrenPage {
            total: list.len() as u32,
            rows: list[page_bounds(list.len(), q.offset, q.limit)]
                .iter()
                .map(|&v| self.row(v))
                .collect(),
            query: q,
        })
    }

    // ---- objects ----

    /// One object's details; with the dump's file (`source`), the primitive fields the build
    /// did not keep are read from it (a failed read leaves them "(not kept)": the rest of the
    /// page is still right, and the file may have changed since it was opened).
    fn object(
        &mut self,
        object: &str,
        source: Option<&mut dyn ObjectSource>,
        host: &mut dyn Host,
    ) -> Result<ObjectDetails, String> {
        let v = self.node(object)?;
        if self.graph.as_class(v).is_some() {
            // A class's page shows its instance count: the histogram has it.
            self.hist(host);
        }
        let hist = self.hist.as_ref();
        Ok(inspect::object_details_from(&self.graph, &self.d, v, hist, source).0)
    }

    fn references(
        &mut self,
        object: &str,
        incoming: bool,
        offset: u32,
        limit: u32,
    ) -> Result<ReferencePage, String> {
        let v = self.node(object)?;
        let (g, d) = (&self.graph, &self.d);
        let (total, rows) = if incoming {
            if self.incoming_cache.as_ref().map(|c| c.0) != Some(v) {
                self.incoming_cache = Some((v, references::referrers(g, d, v)));
            }
            let refs = &self.incoming_cache.as_ref().expect("filled").1;
            let page = &refs[page_bounds(refs.len(), offset, limit)];
            (refs.len(), views::referrer_rows(g, d, v, page))
        } else {
            let total = references::outgoing_count(g, v);
            let page = page_bounds(total, offset, limit);
            (total, views::outgoing_rows(g, d, v, page.start, page.end))
        };
        Ok(ReferencePage {
            object_id: report::format_id(g.id(v)),
            incoming,
            total: total as u32,
            offset,
            rows,
        })
    }

    fn instances(
        &mut self,
        class: u32,
        unreachable: bool,
        offset: u32,
        limit: u32,
    ) -> Result<InstancesPage, String> {
        if self.instances_cache.as_ref().map(|c| c.0) != Some((class, unreachable)) {
            let list = references::instances(&self.graph, &self.d, class, unreachable)
                .ok_or_else(|| format!("no class #{class}"))?;
            self.instances_cache = Some(((class, unreachable), list));
        }
        let list = &self.instances_cache.as_ref().expect("filled").1;
        let page = page_bounds(list.len(), offset, limit);
        Ok(InstancesPage {
            class,
            class_name: self.graph.classes[class as usize].name.clone(),
            unreachable,
            total: list.len() as u32,
            offset,
            rows: list[page].iter().map(|&v| self.row(v)).collect(),
            groupable: heaplens::analysis::explore::has_value(&self.graph, class),
        })
    }

    // ---- analyses ----

    fn suspects(&mut self, host: &mut dyn Host) -> &SuspectsResult {
        if self.suspects.is_none() {
            self.paths(false, host);
            announce(host, "leak suspects");
            let finder = self.finder(false).expect("built above");
            let found = analysis::find_suspects(&self.graph, &self.d, &finder);
            self.suspects = Some(SuspectsResult {
                suspects: found,
                heap_reachable: self.total(),
            });
        }
        self.suspects.as_ref().expect("filled")
    }

    /// Memory beyond the heap: the core's analysis over the thread list (cached for the
    /// Threads view), the class loaders and the paths from GC roots without weak references.
    fn process_memory(&mut self, host: &mut dyn Host) -> &ProcessMemoryView {
        if self.process_memory.is_none() {
            self.paths(false, host);
            self.threads_cache(host);
            announce(host, "process memory");
            let g = &self.graph;
            let loaders = analysis::class_loaders(g, &self.d);
            let finder = self.finder(false).expect("built above");
            let threads = &self.threads.as_ref().expect("built above").threads;
            let pm = analysis::process_memory(g, &self.d, &finder, threads, &loaders);
            self.process_memory = Some(Box::new(pm.into()));
        }
        self.process_memory.as_ref().expect("filled")
    }

    fn threads_cache(&mut self, host: &mut dyn Host) -> &mut ThreadsCache {
        if self.threads.is_none() {
            let g = self.g();
            announce(host, "threads");
            // The leak suspects' PathFinder, when built, spares the walk for stale keys.
            let finder = self.paths.as_ref().map(|i| i.finder(g));
            let threads = analysis::threads_with(g, &self.d, finder.as_ref());
            let groups = analysis::thread_groups(&threads);
            let findings = analysis::thread_local_findings(g, &self.d, &threads).findings;
            self.threads = Some(ThreadsCache {
                threads,
                groups,
                findings,
                filtered: None,
            });
        }
        self.threads.as_mut().expect("filled")
    }

    fn threads_page(
        &mut self,
        filter: &str,
        offset: u32,
        limit: u32,
        host: &mut dyn Host,
    ) -> ThreadsPage {
        let c = self.threads_cache(host);
        if c.filtered.as_ref().map(|f| f.0.as_str()) != Some(filter) {
            let list = views::matching_threads(&c.threads, filter);
            c.filtered = Some((filter.to_string(), list));
        }
        let list = &c.filtered.as_ref().expect("filled").1;
        ThreadsPage {
            total_threads: c.threads.len() as u32,
            live_threads: c.threads.iter().filter(|t| t.gc_root).count() as u32,
            total: list.len() as u32,
            offset,
            rows: list[page_bounds(list.len(), offset, limit)]
                .iter()
                .map(|&i| ThreadRow::from(&c.threads[i as usize]))
                .collect(),
            groups: c.groups.iter().take(200).cloned().collect(),
            group_count: c.groups.len() as u32,
            thread_local_findings: c.findings.clone(),
        }
    }

    fn thread(&mut self, object: &str, host: &mut dyn Host) -> Result<ThreadDetails, String> {
        let v = self.node(object)?;
        let c = self.threads_cache(host);
        let t = c
            .threads
            .iter()
            .find(|t| t.node == v)
            .ok_or_else(|| format!("{object} is not a thread"))?;
        Ok(ThreadDetails::from(t))
    }

    fn class_loaders(&mut self, host: &mut dyn Host) -> &ClassLoadersResult {
        if self.loaders.is_none() {
            announce(host, "class loaders");
            let mut r = analysis::class_loaders(self.g(), &self.d);
            // A message carries a page, not every duplicate and jar of a big application.
            r.duplicate_classes.truncate(200);
            r.open_jar_files.truncate(500);
            self.loaders = Some(r);
        }
        self.loaders.as_ref().expect("filled")
    }

    fn waste(&mut self, host: &mut dyn Host) -> &WasteResult {
        if self.waste.is_none() {
            self.paths(false, host);
            announce(host, "duplicate strings, arrays and collections");
            let finder = self.finder(false).expect("built above");
            self.waste = Some(WasteResult::new(&self.graph, &self.d, &finder));
        }
        self.waste.as_ref().expect("filled")
    }

    fn export(&mut self, format: ExportFormat, redact: bool, host: &mut dyn Host) -> ExportFile {
        announce(host, "report");
        let g = self.g();
        let opts = report::ReportOptions {
            source: Some(report::Source {
                name: self.name.clone(),
                file_bytes: Some(self.file_size),
            }),
            redact,
            ..Default::default()
        };
        let r = report::build_report(g, &self.d, &opts);
        let stem = self
            .name
            .trim_end_matches(" (sample)")
            .trim_end_matches(".gz")
            .trim_end_matches(".hprof")
            .to_string();
        // A redacted report does not carry the dump's name in its file name either.
        let stem = if redact {
            "heap.redacted".to_string()
        } else if stem.is_empty() {
            "heap".to_string()
        } else {
            stem
        };
        match format {
            ExportFormat::Json => ExportFile {
                file_name: format!("{stem}.heaplens.json"),
                mime: "application/json".into(),
                text: report::to_json(&r),
            },
            ExportFormat::Html => ExportFile {
                file_name: format!("{stem}.heaplens.html"),
                mime: "text/html".into(),
                text: report::to_html(&r),
            },
            ExportFormat::Markdown => ExportFile {
                file_name: format!("{stem}.heaplens.md"),
                mime: "text/markdown".into(),
                text: report::to_markdown(&r),
            },
        }
    }
}

/// A summary warning as the page words it: a multi-dump file points at the page's chooser, not
/// at the command line's `--dump N`.
fn page_warning(s: &analysis::Summary, w: &str) -> String {
    use analysis::{multi_dump_warning, DumpChoice};
    if *w == multi_dump_warning(s.heap_dumps, s.dump_shown, DumpChoice::Cli) {
        multi_dump_warning(s.heap_dumps, s.dump_shown, DumpChoice::Page)
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_pongs() {
        let mut s = Service::new();
        assert_eq!(
            s.request::<req::Ping>(&PingParams { echo: "x".into() }),
            Ok("x".to_string())
        );
    }

    #[test]
    fn requests_without_a_dump_are_errors() {
        let mut s = Service::new();
        assert!(s.request::<req::Suspects>(&()).is_err());
        let unknown = ToWorker {
            id: 1,
            method: "format_disk".into(),
            params: serde_json::Value::Null,
        };
        assert_eq!(
            s.handle(&unknown),
            Err("unknown request \"format_disk\"".into())
        );
        assert!(s
            .request::<req::Open>(&OpenParams {
                name: "x".into(),
                size: 0,
                settings: Default::default(),
                reserved_bytes: 0,
            })
            .is_err());
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("0x1F"), Ok(Id::new(31)));
        assert_eq!(parse_id("31"), Ok(Id::new(31)));
        assert!(parse_id("zz").is_err());
    }
}
