//! Sections for the schema-2 analyses: how each analysis row reads as a table.

use super::doc::*;
use super::sections::table_section;
use super::Report;
use crate::analysis::waste::{CollectionClassFill, DuplicateString};
use crate::analysis::{
    ArrayInfo, ClassLoaderInfo, Suspect, ThreadGroupInfo, ThreadInfo, ThreadLocalFinding,
};

/// The analyses' sections, in display order (suspects first: they are the answer).
pub(crate) fn analysis_sections(r: &Report, ctx: Ctx, limits: Limits) -> Vec<Section> {
    let incomplete = r
        .summary
        .warnings
        .iter()
        .any(|w| crate::analysis::summary::is_incomplete_warning(w));
    let no_suspect = crate::analysis::suspects::no_suspect_text(
        incomplete,
        r.dominators.first().map(|d| (d.class.as_str(), d.retained)),
        r.summary.heap_reachable,
    );
    let mut intro =
        "Objects or groups that alone retain at least 10% of the reachable heap and 1 MiB \
         (and thread explosions or class-loader leaks below that), each with the pattern \
         recognised and where the memory accumulates; and unreachable objects when they are a \
         large share of the file (a dump written at an OutOfMemoryError). One dump shows one \
         moment: the explanations say what it shows and what that suggests, not how it changes."
            .to_string();
    if incomplete && !r.suspects.is_empty() {
        intro.push_str(
            " The dump is incomplete (see the warning): these come from the part that could be \
             read.",
        );
    }
    let mut suspects = table_section(
        "suspects",
        "Leak suspects",
        &intro,
        &no_suspect,
        &r.suspects,
        ctx,
        limits,
    );
    suspects.blocks.extend(suspect_paths(&r.suspects, limits));
    vec![
        suspects,
        table_section(
            "thread-groups",
            "Threads by name",
            "Live threads grouped by name pattern: thousands in one group is the \"unable to \
             create new native thread\" picture.",
            "No threads.",
            &r.thread_groups,
            ctx,
            limits,
        ),
        table_section("threads", "Threads", "Every thread, largest retained first.", "No threads.", &r.threads, ctx, limits),
        table_section(
            "thread-locals",
            "ThreadLocal findings",
            "Values kept in threads' ThreadLocalMaps, grouped by value class; stale entries are \
             those whose ThreadLocal key is gone but whose value was never removed.",
            "No ThreadLocal values.",
            &r.thread_locals.findings,
            ctx,
            limits,
        ),
        table_section(
            "class-loaders",
            "Class loaders",
            "Class loaders with the classes they define and what they retain.",
            "No class loaders.",
            &r.class_loaders.loaders,
            ctx,
            limits,
        ),
        table_section(
            "duplicate-strings",
            "Duplicate strings",
            "Strings with equal contents held more than once, by wasted bytes.",
            "No duplicate strings.",
            &r.duplicate_strings.groups,
            ctx,
            limits,
        ),
        table_section("largest-arrays", "Largest arrays", "The biggest arrays and what holds them.", "No arrays.", &r.largest_arrays, ctx, limits),
        table_section(
            "collections",
            "Collection fill ratios",
            "Standard JDK collections: how full their backing arrays are and the bytes of unused capacity.",
            "No standard collections.",
            &r.collections.classes,
            ctx,
            limits,
        ),
    ]
}

/// Each suspect's shortest path from a GC root (the JSON's `path_to_root`), root first: a
/// sub-heading naming the suspect and the root, then one item per step.
fn suspect_paths(suspects: &[Suspect], limits: Limits) -> Vec<Block> {
    let mut out = Vec::new();
    for (i, s) in suspects.iter().take(limits.rows).enumerate() {
        if s.path_to_root.is_empty() {
            continue;
        }
        let kind = s.root_kind.map(|k| k.label()).unwrap_or_default();
        let root = if s.root_detail.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}: {}", s.root_detail)
        };
        out.push(Block::Subheading(format!(
            "Suspect {}, {}: path from a GC root ({root})",
            i + 1,
            s.class
        )));
        out.push(Block::List {
            items: s
                .path_to_root
                .iter()
                .map(|step| format!("{} → {} @ {}", step.field, step.class, step.object_id))
                .collect(),
            warn: false,
        });
    }
    out
}

impl Tabular for Suspect {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Pattern"),
            Column::text("Suspect"),
            Column::num("Retained"),
            Column::num("% of heap"),
            Column::text("Explanation"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Text(self.pattern.to_string()),
            Cell::Code(self.class.clone()),
            Cell::Bytes(self.retained),
            Cell::Percent(self.retained_pct),
            Cell::Text(self.explanation.clone()),
        ]
    }
}

impl Tabular for ThreadGroupInfo {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Name pattern"),
            Column::num("Threads"),
            Column::num("Daemon"),
            Column::text("States"),
            Column::num("Retained"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        let states = self
            .states
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        vec![
            Cell::Code(self.pattern.clone()),
            Cell::Count(self.count as u64),
            Cell::Count(self.daemon as u64),
            Cell::Text(states),
            Cell::Bytes(self.retained),
        ]
    }
}

impl Tabular for ThreadInfo {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Name"),
            Column::text("State"),
            Column::text("Daemon"),
            Column::num("Frames"),
            Column::num("Retained"),
            Column::text("Top frame"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.name.clone()),
            Cell::Text(format!("{:?}", self.state)),
            Cell::Bool(self.daemon),
            Cell::Count(self.frames.len() as u64),
            Cell::Bytes(self.retained),
            self.frames
                .first()
                .map_or(Cell::Empty, |f| Cell::Code(f.display.to_string())),
        ]
    }
}

impl Tabular for ThreadLocalFinding {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Value class"),
            Column::num("Threads"),
            Column::text("Stale"),
            Column::num("Per thread"),
            Column::num("Total"),
            Column::text("Explanation"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.value_class.clone()),
            Cell::Count(self.threads as u64),
            Cell::Bool(self.stale),
            Cell::Bytes(self.per_thread_retained),
            Cell::Bytes(self.total_retained),
            Cell::Text(self.explanation.clone()),
        ]
    }
}

impl Tabular for ClassLoaderInfo {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Loader"),
            Column::text("Name"),
            Column::num("Classes"),
            Column::num("Instances"),
            Column::num("Retained"),
            Column::text("Leak candidate"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.class.clone()),
            self.name.clone().map_or(Cell::Empty, Cell::Code),
            Cell::Count(self.classes_defined as u64),
            Cell::Count(self.instances),
            Cell::Bytes(self.retained),
            if self.leak_candidate {
                Cell::Text(self.reason.clone())
            } else {
                Cell::Bool(false)
            },
        ]
    }
}

impl Tabular for DuplicateString {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Value"),
            Column::num("Length"),
            Column::num("Count"),
            Column::num("Wasted"),
            Column::text("Top holder"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.value.clone()),
            Cell::Count(self.length),
            Cell::Count(self.count),
            Cell::Bytes(self.wasted_bytes),
            self.top_holders.first().map_or(Cell::Empty, |h| {
                Cell::Code(format!("{}.{} ({})", h.class, h.field, h.count))
            }),
        ]
    }
}

impl Tabular for ArrayInfo {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Array"),
            Column::text("Object"),
            Column::num("Length"),
            Column::num("Shallow"),
            Column::num("Retained"),
            Column::text("Root"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.class.clone()),
            Cell::Id(self.object_id.clone()),
            Cell::Count(self.length as u64),
            Cell::Bytes(self.shallow),
            Cell::Bytes(self.retained),
            self.path
                .as_ref()
                .map_or(Cell::Empty, |p| Cell::Text(p.root_detail.clone())),
        ]
    }
}

impl Tabular for CollectionClassFill {
    fn columns(_: &Ctx) -> Vec<Column> {
        vec![
            Column::text("Collection"),
            Column::num("Count"),
            Column::num("Empty"),
            Column::num("Fill"),
            Column::num("Unused capacity"),
        ]
    }
    fn cells(&self, _: &Ctx) -> Vec<Cell> {
        vec![
            Cell::Code(self.class.clone()),
            Cell::Count(self.count),
            Cell::Count(self.empty),
            self.total_fill_ratio
                .map_or(Cell::Empty, |f| Cell::Percent(f * 100.0)),
            Cell::Bytes(self.wasted_bytes),
        ]
    }
}
