//! OQL, Eclipse MAT's object query language, over a [`HeapGraph`]: `SELECT [DISTINCT | AS
//! RETAINED SET] [OBJECTS] … FROM [OBJECTS] [INSTANCEOF] <class | "regex" | 0x… | (subquery)>
//! [alias] [WHERE …] [UNION (…)]`. See `docs/oql.md` for what is supported and where it
//! differs from MAT.
//!
//! [`parse`] gives the syntax tree (errors carry the byte position and a hint); [`execute`]
//! runs a query and keeps one page of rows while counting all of them; [`stream`] hands every
//! row to a callback. Field values the build did not keep are read again from the dump through
//! an [`ObjectSource`] (see `hprof::reread`); without one, only kept fields are readable.

pub(crate) mod ast;
mod eval;
mod execution;
mod functions;
mod lexer;
pub(crate) mod objects;
mod parser;
pub(crate) mod value;

pub use execution::{Execution, Phase, Progress, RowSink, Step};
pub use parser::parse;
pub use value::{csv_line, Cell, ObjectCell};

use crate::graph::{Dominance, HeapGraph};
use crate::hprof::reread::ObjectSource;
use serde::{Deserialize, Serialize};
use std::sync::atomic::AtomicBool;

/// A query that cannot be parsed or run: where (byte offset in the query text), what, and a hint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryError {
    pub position: usize,
    pub message: String,
    pub hint: String,
    #[serde(default)]
    pub kind: QueryErrorKind,
}

/// Why a query gave no result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryErrorKind {
    /// The query is wrong (syntax, an unknown name) or could not read what it asks for.
    #[default]
    Invalid,
    /// It was stopped before its end (a cancel, a newer query); it may be asked again.
    Cancelled,
}

impl QueryError {
    pub(crate) fn at(position: usize, message: impl Into<String>, hint: &str) -> Self {
        QueryError {
            position,
            message: message.into(),
            hint: hint.to_string(),
            kind: QueryErrorKind::Invalid,
        }
    }
    /// The error of a query stopped before its end.
    pub fn cancelled() -> Self {
        QueryError {
            kind: QueryErrorKind::Cancelled,
            ..QueryError::at(0, "the query was cancelled", "")
        }
    }
    pub fn is_cancelled(&self) -> bool {
        self.kind == QueryErrorKind::Cancelled
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at {}: {}", self.position, self.message)?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for QueryError {}

/// What a query runs against.
pub struct QueryEnv<'a> {
    pub graph: &'a HeapGraph,
    /// For `@retainedHeapSize`, `dominators()`, `dominatorof()` and `AS RETAINED SET`.
    pub dominance: Option<&'a Dominance>,
    /// The dump, to read the fields the graph does not keep.
    pub source: Option<&'a mut dyn ObjectSource>,
    /// Set it (from another thread) to stop the query with a "cancelled" error.
    pub cancel: Option<&'a AtomicBool>,
}

/// One page of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// All rows of the result, also those not in `rows`.
    pub total: u64,
}

/// Runs `text`, handing each row (its index and cells) to `row`.
pub(crate) fn stream(
    env: QueryEnv<'_>,
    text: &str,
    row: &mut dyn FnMut(u64, Vec<Cell>),
) -> Result<Vec<String>, QueryError> {
    stream_filtered(env, text, &mut |_| true, row)
}

/// [`stream`], converting to cells only the rows `want` accepts (by index): a page of a huge
/// result costs no more than counting it. Runs an [`Execution`] in one step.
fn stream_filtered(
    env: QueryEnv<'_>,
    text: &str,
    want: &mut dyn FnMut(u64) -> bool,
    row: &mut dyn FnMut(u64, Vec<Cell>),
) -> Result<Vec<String>, QueryError> {
    struct Fns<'f> {
        want: &'f mut dyn FnMut(u64) -> bool,
        row: &'f mut dyn FnMut(u64, Vec<Cell>),
    }
    impl RowSink for Fns<'_> {
        fn want(&mut self, index: u64) -> bool {
            (self.want)(index)
        }
        fn row(&mut self, index: u64, cells: Vec<Cell>) {
            (self.row)(index, cells)
        }
    }
    let ex = Execution::from_env(env, text, Box::new(Fns { want, row }))?;
    let columns = ex.columns().to_vec();
    ex.finish()?;
    Ok(columns)
}

/// Runs `text`; keeps rows `offset..offset + limit` and counts all.
pub fn execute(
    env: QueryEnv<'_>,
    text: &str,
    offset: u64,
    limit: usize,
) -> Result<QueryResult, QueryError> {
    let mut rows = Vec::new();
    let mut total = 0u64;
    let end = offset.saturating_add(limit as u64);
    let columns = stream_filtered(
        env,
        text,
        &mut |i| {
            total = i + 1;
            i >= offset && i < end
        },
        &mut |_, cells| rows.push(cells),
    )?;
    Ok(QueryResult {
        columns,
        rows,
        total,
    })
}
