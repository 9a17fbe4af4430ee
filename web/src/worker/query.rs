//! OQL in the worker ([`req::Query`](crate::protocol::req::Query),
//! [`req::CancelQuery`](crate::protocol::req::CancelQuery)): runs a query of the core
//! (`heaplens::query`) in slices ([`super::query_run`]), keeps its rows, and answers pages of
//! them.
//!
//! A query is interruptible: the worker runs it for ~[`SLICE_MS`] at a time and handles its
//! messages between slices (the entry schedules the next slice with a `MessageChannel` post,
//! a macrotask, so the messages that came meanwhile are handled first). A
//! [`req::CancelQuery`](crate::protocol::req::CancelQuery) stops it, a query with another text
//! supersedes it (the requests waiting for the stopped one are answered with a cancelled
//! error), and other views' requests are answered between slices. Progress
//! ([`QueryProgress`]) goes to the host at most every [`PROGRESS_INTERVAL_MS`] / 2.
//!
//! Field values the graph does not keep are read again from the dump: the worker keeps the
//! dump's `File` (posted with `Open`, and with `Restore` after a hand-over) and reads it through
//! the core's [`ObjectSource`]s (`heaplens::hprof::reread`: 64 KiB pages for a raw dump, inflater
//! checkpoints made as it reads for a `.hprof.gz`), over [`DumpReader`] (`Blob.slice` +
//! `FileReaderSync` in the browser).
//!
//! Rows are kept compactly: a result whose rows are all one object (`SELECT *`, `AS RETAINED
//! SET`, `OBJECTS`) as node indices (4 bytes a row), any other as cells, in both cases up to
//! [`KEEP_BYTES`]; a page past the rows kept runs the query again (in slices too) for that
//! page only (the core converts only the rows asked to cells). A cancelled run keeps nothing:
//! the rows of a result are kept only once its run has ended.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::rc::Rc;

use heaplens::graph::{Dominance, HeapGraph};
use heaplens::hprof::reread::from_reader;
use heaplens::query::QueryError;

use super::host::{DumpSource, Host};
use super::query_run::{object_cell, Keep, QueryRun, Rows, SharedReader, SliceEnd};
use crate::protocol::{
    QueryPage, QueryParams, QueryProgress, RequestId, MAX_PAGE, PROGRESS_INTERVAL_MS,
};

/// Memory the rows of the last result may take; past it, pages are computed again.
pub const KEEP_BYTES: usize = 64 << 20;

/// How long the worker runs a query before it looks at its messages again.
pub const SLICE_MS: f64 = 40.0;

/// The dump's bytes as a seekable reader (for the core's [`from_reader`]).
pub struct DumpReader {
    file: Box<dyn DumpSource>,
    pos: u64,
}

impl DumpReader {
    pub fn new(file: Box<dyn DumpSource>) -> Self {
        DumpReader { file, pos: 0 }
    }
}

impl Read for DumpReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self
            .file
            .read_at(self.pos, buf)
            .map_err(std::io::Error::other)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for DumpReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let size = self.file.size();
        let pos = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = pos.ok_or_else(|| std::io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

/// The last query's result.
struct Kept {
    text: String,
    columns: Vec<String>,
    total: u64,
    /// Rows `0..rows.len()` of the result.
    rows: Rows,
}

/// An answer to a [`req::Query`](crate::protocol::req::Query) request.
pub type Answer = (RequestId, QueryPage);

/// The worker's query state: how to read the dump again, the query running, the requests
/// waiting for it, and the last result.
#[derive(Default)]
pub struct Queries {
    reader: Option<SharedReader>,
    /// Why the dump cannot be read again (shown with a query that needs it).
    source_error: Option<String>,
    kept: Option<Kept>,
    running: Option<QueryRun>,
    /// Requests for the running query's text, answered (in order) when it ends.
    waiting: VecDeque<(RequestId, QueryParams)>,
}

/// A page with no rows: the query failed (or was cancelled).
fn failed(q: &QueryParams, error: QueryError, ms: f64) -> QueryPage {
    QueryPage {
        text: q.text.clone(),
        offset: q.offset,
        columns: Vec::new(),
        rows: Vec::new(),
        total: 0,
        error: Some(error),
        ms,
    }
}

/// Rows `start..end` of `rows` (which begin at row `first`) as cells.
fn cells(
    g: &HeapGraph,
    rows: &Rows,
    first: u64,
    start: u64,
    end: u64,
) -> Vec<Vec<heaplens::query::Cell>> {
    let (s, e) = ((start - first) as usize, (end - first) as usize);
    let e = e.min(rows.len());
    let s = s.min(e);
    match rows {
        Rows::Objects(v) => v[s..e].iter().map(|&n| vec![object_cell(g, n)]).collect(),
        Rows::Cells(v) => v[s..e].to_vec(),
    }
}

impl Queries {
    /// Reads fields from `file` from now on (the dump just opened or restored); forgets the
    /// last result and stops the query running (its requests are answered: cancelled).
    pub fn attach(&mut self, file: Box<dyn DumpSource>) -> Vec<Answer> {
        let answers = self.cancel().1;
        self.kept = None;
        match from_reader(DumpReader::new(file)) {
            Ok(source) => {
                self.reader = Some(Rc::new(RefCell::new(source)));
                self.source_error = None;
            }
            Err(e) => {
                self.reader = None;
                self.source_error = Some(format!("the dump file cannot be read again: {e}"));
            }
        }
        answers
    }

    /// Forgets the last result and stops the query running (another dump was opened).
    pub fn forget(&mut self) -> Vec<Answer> {
        self.kept = None;
        self.cancel().1
    }

    /// Whether a dump file is attached.
    pub fn has_file(&self) -> bool {
        self.reader.is_some()
    }

    /// The attached dump, to read objects again (for the investigation views too).
    pub fn reader(&self) -> Option<SharedReader> {
        self.reader.clone()
    }

    /// Whether a query is running (more slices are needed).
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    /// A request for a page of `q.text`: answered now from the rows kept, or once a run ends
    /// (the run is started here; a run of another text is superseded). Returns the answers
    /// ready now.
    pub fn submit(
        &mut self,
        id: RequestId,
        q: QueryParams,
        g: &Rc<HeapGraph>,
        d: &Rc<Dominance>,
        host: &mut dyn Host,
    ) -> Vec<Answer> {
        let mut out = Vec::new();
        if let Some(run) = &self.running {
            if run.text == q.text {
                self.waiting.push_back((id, q));
                return out;
            }
            // A newer query: the one running stops, its requests are answered.
            out = self.cancel().1;
        }
        let limit = q.limit.min(MAX_PAGE) as u64;
        let keep = match &self.kept {
            Some(k) if k.text == q.text => {
                let start = q.offset.min(k.total);
                let end = start.saturating_add(limit).min(k.total);
                if end <= k.rows.len() as u64 {
                    out.push((id, self.kept_page(g, &q, 0.0)));
                    return out;
                }
                // Past the rows kept: run again, converting only this page's rows.
                Keep::Range { start, end }
            }
            _ => {
                self.kept = None;
                Keep::First { bytes: KEEP_BYTES }
            }
        };
        let now = host.now_ms();
        match QueryRun::start(g, d, self.reader.as_ref(), &q.text, keep, now) {
            Ok(run) => {
                self.running = Some(run);
                self.waiting.push_back((id, q));
            }
            Err(e) => {
                let e = self.explain(e);
                out.push((id, failed(&q, e, 0.0)));
            }
        }
        out
    }

    /// Stops the query running, if any: whether one ran, and its requests' answers
    /// (cancelled). Nothing of the run is kept.
    pub fn cancel(&mut self) -> (bool, Vec<Answer>) {
        let Some(run) = self.running.take() else {
            return (false, Vec::new());
        };
        drop(run);
        let answers = self
            .waiting
            .drain(..)
            .map(|(id, q)| {
                let page = failed(&q, QueryError::cancelled(), 0.0);
                (id, page)
            })
            .collect();
        (true, answers)
    }

    /// Runs the query for about `ms` milliseconds; the answers of its requests once it ends
    /// (the progress goes to `host` meanwhile).
    pub fn slice(
        &mut self,
        ms: f64,
        g: &Rc<HeapGraph>,
        d: &Rc<Dominance>,
        host: &mut dyn Host,
    ) -> Vec<Answer> {
        let Some(run) = self.running.as_mut() else {
            return Vec::new();
        };
        let result = match run.slice(ms, host) {
            SliceEnd::Running(p) => {
                let now = host.now_ms();
                if now - run.reported_ms >= PROGRESS_INTERVAL_MS / 2.0 {
                    run.reported_ms = now;
                    host.query_progress(&QueryProgress {
                        text: run.text.clone(),
                        phase: p.phase,
                        done: p.done,
                        total: p.total,
                        rows: p.rows,
                        elapsed_ms: now - run.started_ms,
                    });
                }
                return Vec::new();
            }
            SliceEnd::Done(r) => r,
        };
        let run = self.running.take().expect("matched above");
        let ms = host.now_ms() - run.started_ms;
        let text = run.text.clone();
        let columns = run.columns.clone();
        let collected = run.collected();
        let waiting: Vec<_> = self.waiting.drain(..).collect();
        if let Err(e) = result {
            let e = self.explain(e);
            return waiting
                .into_iter()
                .map(|(id, q)| (id, failed(&q, e.clone(), ms)))
                .collect();
        }
        let mut out = Vec::new();
        let mut rest = waiting.into_iter();
        match collected.keep {
            Keep::First { .. } => {
                self.kept = Some(Kept {
                    text,
                    columns,
                    total: collected.total,
                    rows: collected.rows,
                });
                // The request that started the run hears how long it took.
                if let Some((id, q)) = rest.next() {
                    out.extend(self.submit_timed(id, q, g, d, host, ms));
                }
            }
            Keep::Range { start, end } => {
                if let Some((id, q)) = rest.next() {
                    let page = match &self.kept {
                        Some(k) if k.text == q.text => QueryPage {
                            columns: k.columns.clone(),
                            total: k.total,
                            ms: 0.0,
                            text: q.text.clone(),
                            offset: start,
                            rows: cells(g, &collected.rows, start, start, end),
                            error: None,
                        },
                        _ => failed(&q, QueryError::cancelled(), 0.0),
                    };
                    out.push((id, page));
                }
            }
        }
        for (id, q) in rest {
            out.extend(self.submit(id, q, g, d, host));
        }
        out
    }

    /// [`Self::submit`], the page saying the run took `ms`.
    fn submit_timed(
        &mut self,
        id: RequestId,
        q: QueryParams,
        g: &Rc<HeapGraph>,
        d: &Rc<Dominance>,
        host: &mut dyn Host,
        ms: f64,
    ) -> Vec<Answer> {
        let mut out = self.submit(id, q, g, d, host);
        for (_, page) in &mut out {
            if page.error.is_none() {
                page.ms = ms;
            }
        }
        out
    }

    /// A page of the kept result (`q.text` is its text and the page is within the kept rows).
    fn kept_page(&self, g: &HeapGraph, q: &QueryParams, ms: f64) -> QueryPage {
        let kept = self.kept.as_ref().expect("checked by the caller");
        let limit = q.limit.min(MAX_PAGE) as u64;
        let start = q.offset.min(kept.total);
        let end = start.saturating_add(limit).min(kept.total);
        QueryPage {
            columns: kept.columns.clone(),
            total: kept.total,
            ms,
            text: q.text.clone(),
            offset: start,
            rows: cells(g, &kept.rows, 0, start, end),
            error: None,
        }
    }

    /// A page of `q.text`'s result, running the query to its end if needed (native callers:
    /// [`crate::worker::Service::handle_with`]).
    pub fn page(
        &mut self,
        g: &Rc<HeapGraph>,
        d: &Rc<Dominance>,
        q: QueryParams,
        host: &mut dyn Host,
    ) -> QueryPage {
        const ID: RequestId = RequestId::MAX;
        let fallback = q.clone();
        let mut answers = self.submit(ID, q, g, d, host);
        while self.running() {
            answers.extend(self.slice(f64::INFINITY, g, d, host));
        }
        answers
            .into_iter()
            .find(|(id, _)| *id == ID)
            .map(|(_, page)| page)
            .unwrap_or_else(|| failed(&fallback, QueryError::cancelled(), 0.0))
    }

    /// A read failure names the missing file when there is none.
    fn explain(&self, mut error: QueryError) -> QueryError {
        if let Some(why) = &self.source_error {
            if error.message.contains("not available") {
                error.hint = why.clone();
            }
        }
        error
    }
}
