//! A tiny document model shared by the Markdown and HTML renderers: sections of blocks, tables of
//! typed cells. Section builders (`sections.rs`) fill it from a [`Report`](super::Report); the
//! renderers turn it into text and do all the escaping, so no builder ever handles markup.

/// What surrounds a document's sections (the report's, the comparison's): each renderer lays
/// it out its own way, once for both documents.
pub(crate) struct Frame<'a> {
    /// The document's kind: `Heap dump report`, `Heap dump comparison`.
    pub heading: &'static str,
    /// The dumps' names (plain, untrusted text; none when unknown), shown joined by ` → `.
    pub sources: Vec<String>,
    pub tool: &'a super::Tool,
    /// Which schema the JSON form follows: `report`, `diff`.
    pub schema_name: &'static str,
    pub schema: u32,
    /// A note on what of the dump's data the document holds, shown above the contents.
    pub contents: Option<&'a str>,
}

impl Frame<'_> {
    /// The document's title: `Heap dump comparison: a → b`.
    pub(crate) fn title(&self) -> String {
        if self.sources.is_empty() {
            self.heading.to_string()
        } else {
            format!("{}: {}", self.heading, self.sources.join(" → "))
        }
    }
}

/// One report section (a heading with an anchor).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    /// Anchor id: lower-case ASCII letters, digits and `-` only (never dump text).
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A sub-heading inside the section (plain text), e.g. one per kind of process memory.
    Subheading(String),
    /// A paragraph of plain (untrusted, escaped) text.
    Paragraph(String),
    /// Key–value facts (the summary), rendered as a compact two-column list.
    Facts(Vec<(String, Cell)>),
    /// A bulleted list of plain text items; `warn` renders them as warnings.
    List {
        items: Vec<String>,
        warn: bool,
    },
    Table(Table),
    /// A small print note (e.g. "showing 50 of 2,034 rows").
    Note(String),
}

/// A table: header and rows of cells (each row as long as `columns`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub title: String,
    /// Numbers are right-aligned and sort numerically.
    pub numeric: bool,
}

impl Column {
    /// A left-aligned text column.
    pub(crate) fn text(title: &str) -> Column {
        Column {
            title: title.into(),
            numeric: false,
        }
    }
    /// A right-aligned numeric column.
    pub(crate) fn num(title: &str) -> Column {
        Column {
            title: title.into(),
            numeric: true,
        }
    }
}

/// A typed value; the renderer decides how it looks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Plain text (escaped).
    Text(String),
    /// Identifiers and text from the dump: class names, object ids, strings (monospace, escaped).
    Code(String),
    /// An object id (`0x…`): monospace, never wrapped.
    Id(String),
    /// A size in bytes: `20.6 MiB`, exact bytes on hover (HTML) / in facts.
    Bytes(u64),
    /// A count with thousands separators.
    Count(u64),
    /// A percentage 0..=100 (HTML draws a bar).
    Percent(f64),
    /// Yes / no.
    Bool(bool),
    /// A signed change in bytes: `+1.2 MiB`, `−512 B`, `0 B`.
    DeltaBytes(i64),
    /// A signed change in a count: `+12,000`, `−3`, `0`.
    DeltaCount(i64),
    Empty,
}

/// Rows that render as a table: implement this for a report row type, then add it with
/// [`super::sections::table_section`].
pub(crate) trait Tabular {
    /// The header (same for every row).
    fn columns(ctx: &Ctx) -> Vec<Column>;
    /// This row's cells, one per column.
    fn cells(&self, ctx: &Ctx) -> Vec<Cell>;
}

/// What row renderers may need from the rest of the report (e.g. the reachable heap for
/// percentages).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ctx {
    /// Reachable heap in bytes (`summary.heap_reachable`).
    pub heap_reachable: u64,
}

impl Ctx {
    /// `bytes` as a percentage of the reachable heap.
    pub(crate) fn pct(&self, bytes: u64) -> Cell {
        Cell::Percent(super::format::percent(bytes, self.heap_reachable))
    }
}

/// How many rows a rendering shows per table (the JSON always has everything).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub rows: usize,
}
