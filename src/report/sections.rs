//! The report's sections, in display order, built once for both renderers.

use super::doc::*;
use super::format::{format_bytes, format_count, format_timestamp_ms};
use super::{ClassRow, DominatorRow, Report, UnreachableClassRow};
use crate::graph::SizeMode;

/// Every section of `report`, in order. Renderers show at most `limits.rows` rows per table.
pub fn sections(report: &Report, limits: Limits) -> Vec<Section> {
    let ctx = Ctx {
        heap_reachable: report.summary.heap_reachable,
    };
    let mut out = vec![summary_section(report)];

    out.push(table_section(
        "dominators",
        "Biggest objects (dominator tree)",
        "Objects that alone keep the most memory alive: each one's retained size is what the \
         garbage collector could free if that object were gone. A single object near the top \
         retaining most of the heap is the usual sign of a leak.",
        "No reachable objects.",
        &report.dominators,
        ctx,
        limits,
    ));
    out.push(table_section(
        "histogram",
        "Class histogram",
        "Reachable objects by class, largest retained size first. Retained counts an object \
         once even when several instances of the class hold it.",
        "No reachable objects.",
        &report.histogram,
        ctx,
        limits,
    ));
    out.push(table_section(
        "unreachable",
        "Unreachable objects",
        "Objects no GC root reaches (garbage the JVM had not collected yet when it wrote the \
         dump). They are left out of the dominator tree and of retained sizes.",
        "No unreachable objects.",
        &report.unreachable_histogram,
        ctx,
        limits,
    ));

    // ---- EXTENSION POINT: schema-2 analyses (suspects first, after the summary); new
    // sections go in `analysis_sections.rs`.
    let analyses = super::analysis_sections::analysis_sections(report, ctx, limits);
    let mut analyses = analyses.into_iter();
    if let Some(suspects) = analyses.next() {
        out.insert(1, suspects);
    }
    out.extend(analyses);
    out.push(super::process_sections::process_memory_section(
        &report.process_memory,
        ctx,
        limits,
    ));

    out
}

/// A section holding one table of `rows` (at most `limits.rows` of them, with a note saying how
/// many the JSON report has), prefixed by a `#` rank column. `intro` and `empty` are plain text.
pub fn table_section<T: Tabular>(
    id: &str,
    title: &str,
    intro: &str,
    empty: &str,
    rows: &[T],
    ctx: Ctx,
    limits: Limits,
) -> Section {
    let mut blocks = vec![Block::Paragraph(intro.into())];
    if rows.is_empty() {
        blocks.push(Block::Paragraph(empty.into()));
    } else {
        let mut columns = vec![Column::num("#")];
        columns.extend(T::columns(&ctx));
        let shown = rows.len().min(limits.rows);
        let table_rows = rows[..shown]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut cells = vec![Cell::Count(i as u64 + 1)];
                cells.extend(r.cells(&ctx));
                cells
            })
            .collect();
        blocks.push(Block::Table(Table {
            columns,
            rows: table_rows,
        }));
        if shown < rows.len() {
            blocks.push(Block::Note(format!(
                "Showing the first {} of {} rows; the JSON report has all of them.",
                format_count(shown as u64),
                format_count(rows.len() as u64)
            )));
        }
    }
    Section {
        id: id.into(),
        title: title.into(),
        blocks,
    }
}

fn summary_section(r: &Report) -> Section {
    let s = &r.summary;
    let mut blocks = Vec::new();
    if let Some(v) = &r.process_memory.verdict {
        blocks.push(Block::Paragraph(format!(
            "Beyond the heap (see Process memory): {v}"
        )));
    }
    if !s.warnings.is_empty() {
        blocks.push(Block::List {
            items: s.warnings.clone(),
            warn: true,
        });
    }
    let mut facts: Vec<(String, Cell)> = Vec::new();
    if let Some(src) = &r.source {
        facts.push(("File".into(), Cell::Code(src.name.clone())));
        if let Some(b) = src.file_bytes {
            facts.push(("File size".into(), Cell::Bytes(b)));
        }
    }
    facts.push(("Format".into(), Cell::Text(s.format.clone())));
    let mut ids = format!("{} bytes", s.id_size);
    if s.compressed_oops {
        ids.push_str(", compressed references");
    }
    facts.push(("Identifiers".into(), Cell::Text(ids)));
    facts.push((
        "Alignment".into(),
        Cell::Text(format!("{} bytes", s.alignment)),
    ));
    facts.push((
        "Shallow sizes".into(),
        Cell::Text(
            match s.size_rule {
                SizeMode::Jvm => "the JVM's (inferred from the dump's object addresses)",
                SizeMode::Mat => "Eclipse MAT's rule",
            }
            .into(),
        ),
    ));
    if s.timestamp_ms > 0 {
        facts.push((
            "Written".into(),
            Cell::Text(format_timestamp_ms(s.timestamp_ms)),
        ));
    }
    facts.push(("HPROF data".into(), Cell::Bytes(s.dump_bytes)));
    facts.push(("Reachable heap".into(), Cell::Bytes(s.heap_reachable)));
    facts.push(("Unreachable heap".into(), Cell::Bytes(s.heap_unreachable)));
    facts.push(("Objects".into(), Cell::Count(s.objects_total)));
    facts.push(("Reachable objects".into(), Cell::Count(s.objects_reachable)));
    facts.push((
        "Unreachable objects".into(),
        Cell::Count(s.objects_unreachable),
    ));
    facts.push(("Classes".into(), Cell::Count(s.classes)));
    facts.push(("GC roots".into(), Cell::Count(s.gc_roots)));
    facts.push(("Threads".into(), Cell::Count(s.threads)));
    if let Some(top) = r.dominators.first() {
        facts.push((
            "Biggest object".into(),
            Cell::Code(format!("{} @ {}", top.class, top.object_id)),
        ));
        facts.push((
            "It retains".into(),
            Cell::Text(format!(
                "{} ({:.1}% of the reachable heap)",
                format_bytes(top.retained),
                super::format::percent(top.retained, s.heap_reachable)
            )),
        ));
    }
    blocks.push(Block::Facts(facts));
    if !s.roots_by_kind.is_empty() {
        let mut rows: Vec<(&String, &u64)> = s.roots_by_kind.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        blocks.push(Block::Table(Table {
            columns: vec![Column::text("GC root kind"), Column::num("Objects")],
            rows: rows
                .into_iter()
                .map(|(k, n)| vec![Cell::Text(k.clone()), Cell::Count(*n)])
                .collect(),
        }));
    }
    Section {
        id: "summary".into(),
        title: "Summary".into(),
        blocks,
    }
}

impl Tabular for DominatorRow {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Class"),
            Column::text("Object"),
            Column::num("Shallow"),
            Column::num("Retained"),
            Column::num("% of heap"),
            Column::num("Objects"),
        ]
    }
    fn cells(&self, ctx: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.class.clone()),
            Cell::Id(self.object_id.clone()),
            Cell::Bytes(self.shallow),
            Cell::Bytes(self.retained),
            ctx.pct(self.retained),
            Cell::Count(self.retained_objects),
        ]
    }
}

impl Tabular for ClassRow {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Class"),
            Column::num("Instances"),
            Column::num("Shallow"),
            Column::num("Retained"),
            Column::num("% of heap"),
        ]
    }
    fn cells(&self, ctx: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.class.clone()),
            Cell::Count(self.instances),
            Cell::Bytes(self.shallow),
            Cell::Bytes(self.retained),
            ctx.pct(self.retained),
        ]
    }
}

impl Tabular for UnreachableClassRow {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Class"),
            Column::num("Instances"),
            Column::num("Shallow"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.class.clone()),
            Cell::Count(self.instances),
            Cell::Bytes(self.shallow),
        ]
    }
}
