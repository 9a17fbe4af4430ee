//! OQL in the worker ([`req::Query`](crate::protocol::req::Query)): runs a query of the core
//! (`heaplens::query`) once, keeps its rows, and answers pages of them.
//!
//! Field values the graph does not keep are read again from the dump: the worker keeps the
//! dump's `File` (posted with `Open`, and with `Restore` after a hand-over) and reads it through
//! the core's [`ObjectSource`]s (`heaplens::hprof::reread`: 64 KiB pages for a raw dump, inflater
//! checkpoints made as it reads for a `.hprof.gz`), over [`DumpReader`] (`Blob.slice` +
//! `FileReaderSync` in the browser).
//!
//! Rows are kept compactly: a result whose rows are all one object (`SELECT *`, `AS RETAINED
//! SET`, `OBJECTS`) as node indices (4 bytes a row), any other as cells, in both cases up to
//! [`KEEP_BYTES`]; a page past the rows kept runs the query again for that page only (the core
//! converts only the rows asked to cells). A query cannot be interrupted in the worker (its
//! messages wait while it runs): a newer query is run after it, and the page shows the newest.

use std::io::{Read, Seek, SeekFrom};

use heaplens::graph::{Dominance, HeapGraph, Node};
use heaplens::hprof::reread::{from_reader, ObjectSource};
use heaplens::query::{execute, stream, Cell, ObjectCell, QueryEnv, QueryError};

use super::host::{DumpSource, Host};
use crate::protocol::{QueryPage, QueryParams, MAX_PAGE};

/// Memory the rows of the last result may take; past it, pages are computed again.
pub const KEEP_BYTES: usize = 64 << 20;

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

/// The rows of the last result that were kept.
enum Rows {
    /// One object per row (node indices).
    Objects(Vec<Node>),
    Cells(Vec<Vec<Cell>>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Objects(v) => v.len(),
            Rows::Cells(v) => v.len(),
        }
    }
}

/// The last query's result.
struct Kept {
    text: String,
    columns: Vec<String>,
    total: u64,
    /// Rows `0..rows.len()` of the result.
    rows: Rows,
    ms: f64,
}

/// The worker's query state: how to read the dump again, and the last result.
#[derive(Default)]
pub struct Queries {
    source: Option<Box<dyn ObjectSource>>,
    /// Why the dump cannot be read again (shown with a query that needs it).
    source_error: Option<String>,
    kept: Option<Kept>,
}

/// An object cell as the core makes it.
fn object_cell(g: &HeapGraph, v: Node) -> Cell {
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

impl Queries {
    /// Reads fields from `file` from now on (the dump just opened or restored); forgets the
    /// last result.
    pub fn attach(&mut self, file: Box<dyn DumpSource>) {
        self.kept = None;
        match from_reader(DumpReader::new(file)) {
            Ok(source) => {
                self.source = Some(source);
                self.source_error = None;
            }
            Err(e) => {
                self.source = None;
                self.source_error = Some(format!("the dump file cannot be read again: {e}"));
            }
        }
    }

    /// Forgets the last result (another dump was opened).
    pub fn forget(&mut self) {
        self.kept = None;
    }

    /// Whether a dump file is attached.
    pub fn has_file(&self) -> bool {
        self.source.is_some()
    }

    /// The attached dump, to read objects again (for the investigation views too).
    pub fn source_mut(&mut self) -> Option<&mut dyn ObjectSource> {
        self.source
            .as_mut()
            .map(|b| &mut **b as &mut dyn ObjectSource)
    }

    /// A page of `q.text`'s result over the graph: from the rows kept, else by running it.
    pub fn page(
        &mut self,
        g: &HeapGraph,
        d: &Dominance,
        q: QueryParams,
        host: &mut dyn Host,
    ) -> QueryPage {
        let limit = q.limit.min(MAX_PAGE) as usize;
        let fresh = self.kept.as_ref().is_none_or(|k| k.text != q.text);
        if fresh {
            self.kept = None;
            let started = host.now_ms();
            match self.run(g, d, &q.text) {
                Ok(kept) => {
                    self.kept = Some(Kept {
                        ms: host.now_ms() - started,
                        ..kept
                    })
                }
                Err(error) => {
                    return QueryPage {
                        text: q.text,
                        offset: q.offset,
                        columns: Vec::new(),
                        rows: Vec::new(),
                        total: 0,
                        error: Some(self.explain(error)),
                        ms: host.now_ms() - started,
                    }
                }
            }
        }
        let kept = self.kept.as_ref().expect("kept above");
        let start = q.offset.min(kept.total);
        let end = start.saturating_add(limit as u64).min(kept.total);
        let rows = if end <= kept.rows.len() as u64 {
            let (s, e) = (start as usize, end as usize);
            match &kept.rows {
                Rows::Objects(v) => v[s..e].iter().map(|&n| vec![object_cell(g, n)]).collect(),
                Rows::Cells(v) => v[s..e].to_vec(),
            }
        } else {
            // Past the rows kept: run again, converting only this page's rows.
            let env = QueryEnv {
                graph: g,
                dominance: Some(d),
                source: self
                    .source
                    .as_mut()
                    .map(|b| &mut **b as &mut dyn ObjectSource),
                cancel: None,
            };
            match execute(env, &q.text, start, (end - start) as usize) {
                Ok(r) => r.rows,
                Err(error) => {
                    let error = self.explain(error);
                    return QueryPage {
                        text: q.text,
                        offset: q.offset,
                        columns: Vec::new(),
                        rows: Vec::new(),
                        total: 0,
                        error: Some(error),
                        ms: 0.0,
                    };
                }
            }
        };
        QueryPage {
            columns: kept.columns.clone(),
            total: kept.total,
            ms: if fresh { kept.ms } else { 0.0 },
            text: q.text,
            offset: start,
            rows,
            error: None,
        }
    }

    /// Runs `text` once, keeping its rows within [`KEEP_BYTES`] and counting all.
    fn run(&mut self, g: &HeapGraph, d: &Dominance, text: &str) -> Result<Kept, QueryError> {
        let env = QueryEnv {
            graph: g,
            dominance: Some(d),
            source: self
                .source
                .as_mut()
                .map(|b| &mut **b as &mut dyn ObjectSource),
            cancel: None,
        };
        let mut rows = Rows::Objects(Vec::new());
        let mut bytes = 0usize;
        let mut full = false;
        let mut total = 0u64;
        let columns = stream(env, text, &mut |_, row| {
            total += 1;
            if full {
                return;
            }
            if let (Rows::Objects(nodes), [Cell::Object(o)]) = (&mut rows, row.as_slice()) {
                nodes.push(o.node);
                bytes += 4;
            } else {
                if let Rows::Objects(nodes) = &rows {
                    // A row that is not one object: the kept rows become cells.
                    let cells: Vec<Vec<Cell>> =
                        nodes.iter().map(|&n| vec![object_cell(g, n)]).collect();
                    bytes = cells.iter().map(|r| row_bytes(r)).sum();
                    rows = Rows::Cells(cells);
                }
                if let Rows::Cells(cells) = &mut rows {
                    bytes += row_bytes(&row);
                    cells.push(row);
                }
            }
            full = bytes >= KEEP_BYTES;
        })?;
        Ok(Kept {
            text: text.to_string(),
            columns,
            total,
            rows,
            ms: 0.0,
        })
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
