//! A query run in steps: [`Execution::step`] evaluates until a budget of work units is spent
//! (one unit per object scanned, per object marked for a retained set, per object indexed for
//! `inbounds()`, per row handed from a subquery), then returns with the progress; the next
//! step resumes where it stopped, however deeply nested the evaluation was. Dropping the
//! execution (or [`Execution::cancel`]) stops it: nothing of the run is kept.
//!
//! Why steps: a single-threaded host (the page's worker, with no `SharedArrayBuffer` so that
//! static hosting and `file://` work) cannot be told to stop while a call runs; it can only
//! stop between calls. It runs a query in slices of a few tens of milliseconds and handles
//! its messages (cancel, a newer query, a page of the tree) between them. Native callers run
//! the same evaluation in one step ([`Execution::finish`]); a thread may still cancel through
//! [`super::QueryEnv::cancel`].
//!
//! How: the evaluator (`super::eval`) is written with `async` loops whose unit of work may
//! suspend; an execution polls that one future by hand with a no-op waker. Nothing else is
//! asynchronous, no runtime is involved.

use super::eval::Eval;
use super::objects::Heap;
use super::value::Cell;
use super::{parse, QueryEnv, QueryError};
use crate::graph::{Dominance, HeapGraph};
use crate::hprof::reread::ObjectSource;
use serde::{Deserialize, Serialize};
use std::cell::Cell as Shared;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Receives the rows of a result, in order.
pub trait RowSink {
    /// Whether row `index` is wanted as cells (converting a row the caller drops is the
    /// costly part of a huge result); every row is counted either way.
    fn want(&mut self, _index: u64) -> bool {
        true
    }
    /// Row `index`, when [`Self::want`] said so.
    fn row(&mut self, index: u64, cells: Vec<Cell>);
}

/// What a running query is doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Scanning the objects of the outermost FROM (`done` of `total` objects).
    #[default]
    Scan,
    /// Marking what the selected objects retain (`AS RETAINED SET`).
    RetainedSet,
    /// Indexing the references for `inbounds()` (two passes over the objects).
    Inbounds,
}

/// Progress of an execution.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
    /// Rows of the result so far.
    pub rows: u64,
}

/// What a step ended with.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The budget is spent; more steps are needed.
    Running(Progress),
    /// The query finished (every row went to the sink), or failed.
    Done(Result<(), QueryError>),
}

/// The budget of the current step and the progress, shared by an execution and its
/// evaluator.
#[derive(Default)]
pub(crate) struct Pace {
    pub(crate) left: Shared<u64>,
    progress: Shared<Progress>,
}

impl Pace {
    pub(crate) fn report(&self, phase: Phase, done: u64, total: u64, rows: u64) {
        self.progress.set(Progress {
            phase,
            done,
            total,
            rows,
        });
    }
}

type Run<'a> = Pin<Box<dyn Future<Output = Result<(), QueryError>> + 'a>>;

/// A query being run (see the module docs).
pub struct Execution<'a> {
    columns: Vec<String>,
    pace: Rc<Pace>,
    /// `None` once finished.
    run: Option<Run<'a>>,
}

impl<'a> Execution<'a> {
    /// Parses `text` and prepares its run over `graph` (a `&HeapGraph`, or an `Rc` a host
    /// keeps between steps), with the dominator tree (for retained sizes, `dominators()`,
    /// `AS RETAINED SET`) and the dump (to read fields the graph does not keep), rows to
    /// `sink`. Nothing is evaluated before the first step. A syntax error is returned here.
    pub fn new<G, D>(
        graph: G,
        dominance: Option<D>,
        source: Option<Box<dyn ObjectSource + 'a>>,
        text: &str,
        sink: Box<dyn RowSink + 'a>,
    ) -> Result<Self, QueryError>
    where
        G: Deref<Target = HeapGraph> + 'a,
        D: Deref<Target = Dominance> + 'a,
    {
        Self::with_cancel(graph, dominance, source, None, text, sink)
    }

    /// An execution over a [`QueryEnv`] (its cancel flag is checked every 4,096 units).
    pub(crate) fn from_env<'e: 'a>(
        env: QueryEnv<'e>,
        text: &str,
        sink: Box<dyn RowSink + 'a>,
    ) -> Result<Self, QueryError> {
        let source = env
            .source
            .map(|s| Box::new(s) as Box<dyn ObjectSource + 'a>);
        let cancel: Option<&'a std::sync::atomic::AtomicBool> = env.cancel;
        Self::with_cancel(env.graph, env.dominance, source, cancel, text, sink)
    }

    fn with_cancel<G, D>(
        graph: G,
        dominance: Option<D>,
        mut source: Option<Box<dyn ObjectSource + 'a>>,
        cancel: Option<&'a std::sync::atomic::AtomicBool>,
        text: &str,
        sink: Box<dyn RowSink + 'a>,
    ) -> Result<Self, QueryError>
    where
        G: Deref<Target = HeapGraph> + 'a,
        D: Deref<Target = Dominance> + 'a,
    {
        let q = parse(text)?;
        let columns = Eval::columns(&q);
        let pace = Rc::new(Pace::default());
        let shared = pace.clone();
        let run: Run<'a> = Box::pin(async move {
            let heap = Heap::new(
                &graph,
                dominance.as_deref(),
                source.as_deref_mut().map(|s| s as &mut dyn ObjectSource),
            );
            let mut ev = Eval::new(heap, cancel, shared, sink);
            ev.run_top(&q).await
        });
        Ok(Execution {
            columns,
            pace,
            run: Some(run),
        })
    }

    /// The result's column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Where the run is.
    pub fn progress(&self) -> Progress {
        self.pace.progress.get()
    }

    /// Runs until `units` units of work are spent (see the module docs) or the query ends.
    /// After `Done`, further steps answer `Done` with an error.
    pub fn step(&mut self, units: u64) -> Step {
        let Some(run) = self.run.as_mut() else {
            return Step::Done(Err(QueryError::at(0, "the query has already ended", "")));
        };
        self.pace.left.set(units.max(1));
        let mut cx = Context::from_waker(Waker::noop());
        match run.as_mut().poll(&mut cx) {
            Poll::Pending => Step::Running(self.progress()),
            Poll::Ready(r) => {
                self.run = None;
                Step::Done(r)
            }
        }
    }

    /// Runs to the end.
    pub(crate) fn finish(mut self) -> Result<(), QueryError> {
        loop {
            if let Step::Done(r) = self.step(u64::MAX) {
                return r;
            }
        }
    }

    /// Stops the run (whatever it held is freed) and says so: the [`QueryError`] of a
    /// cancelled query ([`QueryError::is_cancelled`]).
    pub fn cancel(self) -> QueryError {
        drop(self);
        QueryError::cancelled()
    }
}
