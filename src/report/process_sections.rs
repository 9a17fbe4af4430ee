//! The "Process memory" section: memory beyond the heap (`analysis::process_memory`) as one
//! table of figures, each labelled a fact (with where the heap holds it) or an estimate (with
//! its formula), then the buffers by holder, the largest buffers, thread stacks by name and
//! the class loaders of note.

use super::doc::*;
use crate::analysis::process_memory::{
    BufferHolder, BufferInfo, Figure, FigureKind, LoaderClasses, ProcessMemory, StackGroup,
};

/// The section (anchor `process-memory`).
pub(crate) fn process_memory_section(pm: &ProcessMemory, ctx: Ctx, limits: Limits) -> Section {
    let mut blocks = vec![Block::Paragraph(
        "What this heap dump says about the process's memory outside the heap: direct and \
         mapped buffers, thread stacks, class metadata and the JVM's own settings. A heap dump \
         cannot measure native memory: facts are read from the heap (the source says where), \
         estimates are derived (the source gives the formula)."
            .into(),
    )];
    if let Some(v) = &pm.verdict {
        blocks.push(Block::List {
            items: vec![v.clone()],
            warn: true,
        });
    }
    let mut table = |title: &str, rows: Vec<Vec<Cell>>, columns: Vec<Column>| {
        blocks.push(Block::Subheading(title.into()));
        let shown = rows.len().min(limits.rows);
        let total = rows.len();
        blocks.push(Block::Table(Table {
            columns,
            rows: rows.into_iter().take(shown).collect(),
        }));
        if shown < total {
            blocks.push(Block::Note(format!(
                "Showing the first {shown} of {total} rows; the JSON report has all of them."
            )));
        }
    };
    table(
        "Figures",
        pm.figures.iter().map(|f| f.cells(&ctx)).collect(),
        Figure::columns(&ctx),
    );
    if !pm.buffers.holders.is_empty() {
        table(
            "Buffers holding memory, by holder",
            pm.buffers.holders.iter().map(|h| h.cells(&ctx)).collect(),
            BufferHolder::columns(&ctx),
        );
    }
    if !pm.buffers.without_cleaner_holders.is_empty() {
        table(
            "Buffers without a Cleaner (not allocated by allocateDirect), by holder",
            pm.buffers
                .without_cleaner_holders
                .iter()
                .map(|h| h.cells(&ctx))
                .collect(),
            BufferHolder::columns(&ctx),
        );
    }
    if !pm.buffers.largest.is_empty() {
        table(
            "Largest buffers holding memory",
            pm.buffers.largest.iter().map(|b| b.cells(&ctx)).collect(),
            BufferInfo::columns(&ctx),
        );
    }
    if !pm.thread_stacks.groups.is_empty() {
        table(
            "Thread stacks by thread name (estimate)",
            pm.thread_stacks
                .groups
                .iter()
                .map(|s| s.cells(&ctx))
                .collect(),
            StackGroup::columns(&ctx),
        );
    }
    if !pm.class_metadata.notable_loaders.is_empty() {
        table(
            "Class loaders with many or duplicated classes",
            pm.class_metadata
                .notable_loaders
                .iter()
                .map(|l| l.cells(&ctx))
                .collect(),
            LoaderClasses::columns(&ctx),
        );
    }
    if let Some(args) = pm.jvm.arguments.as_ref().filter(|a| !a.is_empty()) {
        blocks.push(Block::Subheading(
            "JVM arguments (RuntimeMXBean's cache, a fact)".into(),
        ));
        blocks.push(Block::List {
            items: args.clone(),
            warn: false,
        });
    }
    Section {
        id: "process-memory".into(),
        title: "Process memory (beyond the heap)".into(),
        blocks,
    }
}

impl Tabular for Figure {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Area"),
            Column::text("Figure"),
            Column::text("Kind"),
            Column::num("Count"),
            Column::num("Bytes"),
            Column::text("Value"),
            Column::text("Source or formula"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Text(self.area.clone()),
            Cell::Text(self.label.clone()),
            Cell::Text(
                match self.kind {
                    FigureKind::Fact => "fact",
                    FigureKind::Estimate => "estimate",
                }
                .into(),
            ),
            self.count.map_or(Cell::Empty, Cell::Count),
            self.bytes.map_or(Cell::Empty, Cell::Bytes),
            self.text.clone().map_or(Cell::Empty, Cell::Code),
            Cell::Text(self.source.clone()),
        ]
    }
}

impl Tabular for BufferHolder {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Category"),
            Column::text("Holder"),
            Column::text("Kind"),
            Column::num("Buffers"),
            Column::num("Capacity"),
            Column::text("Via (largest)"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Text(self.category.clone()),
            Cell::Code(self.holder.clone()),
            Cell::Text(kind(self.kind).into()),
            Cell::Count(self.count),
            Cell::Bytes(self.capacity),
            Cell::Code(self.via.clone()),
        ]
    }
}

fn kind(k: crate::analysis::process_memory::BufferKind) -> &'static str {
    match k {
        crate::analysis::process_memory::BufferKind::Direct => "direct",
        crate::analysis::process_memory::BufferKind::Mapped => "mapped",
    }
}

impl Tabular for BufferInfo {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Buffer"),
            Column::text("Kind"),
            Column::num("Capacity"),
            Column::text("Holder"),
            Column::text("Path from a GC root"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        let path = match &self.path {
            Some(p) => {
                let mut s = p.root_detail.clone();
                for (i, st) in p.steps.iter().enumerate().skip(1) {
                    if i == 3 && p.omitted > 0 {
                        s.push_str(&format!(" → … {} more", p.omitted));
                    }
                    s.push_str(&format!(" → {} {}", st.field, st.class));
                }
                s
            }
            None => "no strong path".into(),
        };
        vec![
            Cell::Id(self.object_id.clone()),
            Cell::Text(kind(self.kind).into()),
            Cell::Bytes(self.capacity),
            Cell::Code(self.holder.clone()),
            Cell::Code(path),
        ]
    }
}

impl Tabular for StackGroup {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Name pattern"),
            Column::num("Threads"),
            Column::num("Waiting"),
            Column::num("Stack reserved"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.pattern.clone()),
            Cell::Count(self.threads),
            Cell::Count(self.waiting),
            Cell::Bytes(self.reserved),
        ]
    }
}

impl Tabular for LoaderClasses {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Loader"),
            Column::text("Name"),
            Column::num("Classes"),
            Column::num("Duplicated"),
            Column::num("Metadata (estimate)"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(match &self.object_id {
                Some(id) => format!("{} {id}", self.class),
                None => self.class.clone(),
            }),
            self.name.clone().map_or(Cell::Empty, Cell::Code),
            Cell::Count(self.classes as u64),
            Cell::Count(self.duplicated_classes as u64),
            Cell::Bytes(self.metadata_estimate),
        ]
    }
}
