//! A query running in the worker in slices ([`QueryRun`]): the core's
//! [`Execution`](heaplens::query::Execution) stepped for a few tens of milliseconds at a time
//! ([`QueryRun::slice`]), its rows collected as they come (within
//! [`KEEP_BYTES`](super::query::KEEP_BYTES), or only the page asked for), so that the worker's
//! message loop can handle a cancel, a newer query or another view's request between slices.
//!
//! The execution owns what it reads: the graph and the dominator tree as `Rc`s shared with the
//! service (read only), the dump through [`SharedSource`] (the worker's one reader, borrowed
//! for each read). Dropping a run frees everything it held.

use std::cell::RefCell;
use std::rc::Rc;

use heaplens::graph::{Dominance, HeapGraph, Node};
use heaplens::hprof::reread::{ObjectSource, SourceError};
use heaplens::query::{Cell, Execution, ObjectCell, Progress, QueryError, RowSink, Step};

use super::host::Host;

/// The dump's reader, shared by the queries and the investigation views.
pub type SharedReader = Rc<RefCell<Box<dyn ObjectSource>>>;

/// An [`ObjectSource`] over the shared reader (borrowed for each read only).
pub struct SharedSource(pub SharedReader);

impl ObjectSource for SharedSource {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SourceError> {
        self.0.borrow_mut().read_at(offset, buf)
    }
}

/// The rows of a result that are kept.
pub enum Rows {
    /// One object per row (node indices).
    Objects(Vec<Node>),
    Cells(Vec<Vec<Cell>>),
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Objects(v) => v.len(),
            Rows::Cells(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An object cell as the core makes it.
pub fn object_cell(g: &HeapGraph, v: Node) -> Cell {
    Cell::Object(ObjectCell {
        object: format!("0x{:x}", g.id(v)),
        node: v,
        class: g.display_class(v),
    })
}

/// Approximate heap bytes of a row of cells.
fn row_bytes(row: &[Cell]) -> usize {
    fn cell(c: &Cell) -> usize {
        std::mem::size_of::<Cell>()
            + match c {
                Cell::Str(s) => s.len(),
                Cell::Object(o) => o.object.len() + o.class.len(),
                Cell::List(l) => l.iter().map(cell).sum(),
                _ => 0,
            }
    }
    std::mem::size_of::<Vec<Cell>>() + row.iter().map(cell).sum::<usize>()
}

/// Which rows a run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// From the first, up to this many bytes (a fresh result, paged from then on).
    First { bytes: usize },
    /// Rows `start..end` only (a page past the rows kept, by running the query again).
    Range { start: u64, end: u64 },
}

/// What a run has collected.
pub struct Collected {
    pub keep: Keep,
    pub rows: Rows,
    /// Rows of the result so far (all of them once the run is done).
    pub total: u64,
    bytes: usize,
    full: bool,
    graph: Rc<HeapGraph>,
}

impl Collected {
    fn new(keep: Keep, graph: Rc<HeapGraph>) -> Self {
        Collected {
            keep,
            rows: Rows::Objects(Vec::new()),
            total: 0,
            bytes: 0,
            full: false,
            graph,
        }
    }

    fn push(&mut self, row: Vec<Cell>) {
        if let (Rows::Objects(nodes), [Cell::Object(o)]) = (&mut self.rows, row.as_slice()) {
            nodes.push(o.node);
            self.bytes += 4;
        } else {
            if let Rows::Objects(nodes) = &self.rows {
                // A row that is not one object: the kept rows become cells.
                let g = &self.graph;
                let cells: Vec<Vec<Cell>> =
                    nodes.iter().map(|&n| vec![object_cell(g, n)]).collect();
                self.bytes = cells.iter().map(|r| row_bytes(r)).sum();
                self.rows = Rows::Cells(cells);
            }
            if let Rows::Cells(cells) = &mut self.rows {
                self.bytes += row_bytes(&row);
                cells.push(row);
            }
        }
        if let Keep::First { bytes } = self.keep {
            self.full = self.bytes >= bytes;
        }
    }
}

/// The execution's sink: the shared [`Collected`].
struct Sink(Rc<RefCell<Collected>>);

impl RowSink for Sink {
    fn want(&mut self, index: u64) -> bool {
        let mut c = self.0.borrow_mut();
        c.total = index + 1;
        match c.keep {
            Keep::First { .. } => !c.full,
            Keep::Range { start, end } => index >= start && index < end,
        }
    }
    fn row(&mut self, _: u64, cells: Vec<Cell>) {
        self.0.borrow_mut().push(cells);
    }
}

/// Units of work the first step of a slice gets; later steps adapt to the time one took.
const FIRST_UNITS: u64 = 4096;
/// A step aims at this many milliseconds, so that a slice ends close to its time.
const STEP_MS: f64 = 8.0;

/// How a slice ended.
pub enum SliceEnd {
    /// The slice's time is spent: run another slice later.
    Running(Progress),
    /// The query ended: its rows are in [`QueryRun::collected`].
    Done(Result<(), QueryError>),
}

/// A query running in slices.
pub struct QueryRun {
    pub text: String,
    pub columns: Vec<String>,
    execution: Execution<'static>,
    collected: Rc<RefCell<Collected>>,
    /// Units of work per step (adapted to the time a step takes).
    units: u64,
    pub started_ms: f64,
    /// When progress was last reported.
    pub reported_ms: f64,
}

impl QueryRun {
    /// Parses `text` and prepares its run; a syntax error is returned at once.
    pub fn start(
        graph: &Rc<HeapGraph>,
        d: &Rc<Dominance>,
        reader: Option<&SharedReader>,
        text: &str,
        keep: Keep,
        now_ms: f64,
    ) -> Result<Self, QueryError> {
        let collected = Rc::new(RefCell::new(Collected::new(keep, graph.clone())));
        let source = reader.map(|r| Box::new(SharedSource(r.clone())) as Box<dyn ObjectSource>);
        let execution = Execution::new(
            graph.clone(),
            Some(d.clone()),
            source,
            text,
            Box::new(Sink(collected.clone())),
        )?;
        Ok(QueryRun {
            text: text.to_string(),
            columns: execution.columns().to_vec(),
            execution,
            collected,
            units: FIRST_UNITS,
            started_ms: now_ms,
            reported_ms: now_ms,
        })
    }

    /// Runs for about `ms` milliseconds of `host`'s clock (at least one step).
    pub fn slice(&mut self, ms: f64, host: &mut dyn Host) -> SliceEnd {
        let start = host.now_ms();
        loop {
            let before = host.now_ms();
            match self.execution.step(self.units) {
                Step::Done(r) => return SliceEnd::Done(r),
                Step::Running(p) => {
                    let now = host.now_ms();
                    let took = now - before;
                    // Double while a step is short, halve when it is long: a step whose objects
                    // each read the dump (tens of µs) takes as long as one over kept fields.
                    if took < STEP_MS / 2.0 {
                        self.units = (self.units * 2).min(1 << 24);
                    } else if took > STEP_MS * 2.0 {
                        self.units = (self.units / 2).max(64);
                    }
                    if now - start >= ms {
                        return SliceEnd::Running(p);
                    }
                }
            }
        }
    }

    /// Where the run is.
    pub fn progress(&self) -> Progress {
        self.execution.progress()
    }

    /// What the run collected (its rows once done).
    pub fn collected(self) -> Collected {
        let QueryRun {
            execution,
            collected,
            ..
        } = self;
        // The execution held the only other handle.
        drop(execution);
        match Rc::try_unwrap(collected) {
            Ok(c) => c.into_inner(),
            Err(shared) => {
                let mut c = shared.borrow_mut();
                let empty = Collected::new(c.keep, c.graph.clone());
                std::mem::replace(&mut *c, empty)
            }
        }
    }
}
