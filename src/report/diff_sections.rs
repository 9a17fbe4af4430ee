//! The sections of a dump comparison ([`crate::compare::Diff`]), built once for the Markdown
//! and HTML renderings (`diff_markdown.rs`, `diff_html.rs`), which do all the escaping.

use super::doc::*;
use super::format::{format_count, format_timestamp_ms};
use crate::compare::histogram::Change;
use crate::compare::{ClassDelta, Diff, DumpSummary, Match};

/// The comparison's frame: the two dumps' names and the diff schema.
pub(crate) fn diff_frame(diff: &Diff) -> Frame<'_> {
    let name = |s: &Option<String>| s.clone().unwrap_or_else(|| "(unnamed)".into());
    Frame {
        heading: "Heap dump comparison",
        sources: vec![name(&diff.baseline.source), name(&diff.new.source)],
        tool: &diff.tool,
        schema_name: "diff",
        schema: diff.schema,
        contents: None,
    }
}

/// Every section of the comparison, in display order (at most `limits.rows` rows per table).
pub(crate) fn diff_sections(diff: &Diff, limits: Limits) -> Vec<Section> {
    vec![
        summary(diff),
        growth(diff, limits),
        histogram(
            "histogram",
            "Class histogram delta",
            "Reachable objects by class in each dump, most grown (shallow bytes) first. New \
             classes exist only in the new dump, vanished ones only in the baseline. Classes \
             with the same numbers in both dumps are left out here (the JSON lists them).",
            "Class",
            &diff.histogram,
            limits,
        ),
        histogram(
            "packages",
            "By package",
            "The class histogram delta by package (retained: the union of the package's objects, \
             each counted once).",
            "Package",
            &diff.packages,
            limits,
        ),
        histogram(
            "by-loader",
            "By class loader",
            "The class histogram delta by the class of each class's defining loader (every \
             loader of one class together; retained: the union of their classes' objects).",
            "Loader class",
            &diff.by_loader,
            limits,
        ),
        threads(diff, limits),
        loaders(diff, limits),
    ]
}

fn side(label: &str, s: &DumpSummary) -> (String, Cell) {
    let name = s.source.clone().unwrap_or_else(|| "(unnamed)".into());
    (
        label.into(),
        Cell::Text(format!("{name}, {}", format_timestamp_ms(s.timestamp_ms))),
    )
}

fn summary(diff: &Diff) -> Section {
    let (a, b, d) = (&diff.baseline, &diff.new, &diff.delta);
    let mut blocks = vec![Block::Facts(vec![
        side("Baseline", a),
        side("New", b),
        (
            "Application classes in common".into(),
            Cell::Percent(diff.app_classes_in_common * 100.0),
        ),
    ])];
    if !diff.warnings.is_empty() {
        blocks.push(Block::List {
            items: diff.warnings.clone(),
            warn: true,
        });
    }
    let bytes = |t: &str, x: u64, y: u64, z: i64| {
        vec![
            Cell::Text(t.into()),
            Cell::Bytes(x),
            Cell::Bytes(y),
            Cell::DeltaBytes(z),
        ]
    };
    let count = |t: &str, x: u64, y: u64, z: i64| {
        vec![
            Cell::Text(t.into()),
            Cell::Count(x),
            Cell::Count(y),
            Cell::DeltaCount(z),
        ]
    };
    blocks.push(Block::Table(Table {
        columns: vec![
            Column::text(""),
            Column::num("Baseline"),
            Column::num("New"),
            Column::num("Change"),
        ],
        rows: vec![
            bytes("Heap (reachable)", a.heap, b.heap, d.heap),
            count("Objects (reachable)", a.objects, b.objects, d.objects),
            count("Classes", a.classes, b.classes, d.classes),
            count(
                "Class loaders",
                a.class_loaders,
                b.class_loaders,
                d.class_loaders,
            ),
            count("Threads", a.threads, b.threads, d.threads),
            count("GC roots", a.gc_roots, b.gc_roots, d.gc_roots),
            bytes(
                "Heap (with unreachable)",
                a.heap_total,
                b.heap_total,
                d.heap_total,
            ),
            count(
                "Objects (with unreachable)",
                a.objects_total,
                b.objects_total,
                d.objects_total,
            ),
        ],
    }));
    Section {
        id: "summary".into(),
        title: "Summary".into(),
        blocks,
    }
}

fn growth(diff: &Diff, limits: Limits) -> Section {
    let mut blocks = vec![Block::Paragraph(
        "Holders whose retained size grew, matched between the dumps by their path from the GC \
         roots (object ids change between dumps), largest growth first. Each row is where the \
         growth accumulates: the collection that gained elements, or the object below which it \
         splits."
            .into(),
    )];
    if diff.growth.is_empty() {
        blocks.push(Block::Paragraph(
            "Nothing grew by more than 0.1% of the new heap (structures that kept their size \
             while their entries were replaced are not growth)."
                .into(),
        ));
    } else {
        blocks.push(Block::List {
            items: diff
                .growth
                .iter()
                .take(10)
                // The JSON's code spans (`X`) would show as escaped backticks here.
                .map(|g| g.explanation.replace('`', ""))
                .collect(),
            warn: false,
        });
        let shown = diff.growth.len().min(limits.rows);
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::num("#"),
                Column::text("Holder"),
                Column::text("Path"),
                Column::text("Accumulation point"),
                Column::text("Elements of"),
                Column::num("Retained before"),
                Column::num("Retained now"),
                Column::num("Growth"),
                Column::num("Elements"),
                Column::text("Matched by"),
            ],
            rows: diff.growth[..shown]
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    vec![
                        Cell::Count(i as u64 + 1),
                        Cell::Code(g.holder.clone()),
                        Cell::Code(g.path.clone()),
                        Cell::Code(g.accumulation_point.clone()),
                        g.element_class.clone().map_or(Cell::Empty, Cell::Code),
                        Cell::Bytes(g.retained_base),
                        Cell::Bytes(g.retained_new),
                        Cell::DeltaBytes(g.retained_delta),
                        Cell::DeltaCount(g.elements_delta),
                        Cell::Text(
                            match g.matched_by {
                                Match::Path => "path",
                                Match::Holder => "holder",
                                Match::Shape => "class",
                                Match::None => "new",
                            }
                            .into(),
                        ),
                    ]
                })
                .collect(),
        }));
        if shown < diff.growth.len() {
            blocks.push(Block::Note(format!(
                "Showing {} of {} rows; the JSON has all of them.",
                format_count(shown as u64),
                format_count(diff.growth.len() as u64)
            )));
        }
    }
    Section {
        id: "growth".into(),
        title: "What grew".into(),
        blocks,
    }
}

fn histogram(
    id: &str,
    title: &str,
    intro: &str,
    first: &str,
    rows: &[ClassDelta],
    limits: Limits,
) -> Section {
    let changed: Vec<&ClassDelta> = rows.iter().filter(|r| r.change != Change::Same).collect();
    let mut blocks = vec![Block::Paragraph(intro.into())];
    let shown = changed.len().min(limits.rows);
    if changed.is_empty() {
        blocks.push(Block::Paragraph("No differences.".into()));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::text(first),
                Column::text("Change"),
                Column::num("Instances before"),
                Column::num("Instances now"),
                Column::num("Δ instances"),
                Column::num("Shallow before"),
                Column::num("Shallow now"),
                Column::num("Δ shallow"),
                Column::num("Δ retained"),
            ],
            rows: changed[..shown]
                .iter()
                .map(|r| {
                    vec![
                        Cell::Code(r.class.clone()),
                        Cell::Text(
                            match r.change {
                                Change::New => "new",
                                Change::Vanished => "vanished",
                                Change::Changed => "changed",
                                Change::Same => "same",
                            }
                            .into(),
                        ),
                        Cell::Count(r.instances_base),
                        Cell::Count(r.instances_new),
                        Cell::DeltaCount(r.instances_delta),
                        Cell::Bytes(r.shallow_base),
                        Cell::Bytes(r.shallow_new),
                        Cell::DeltaBytes(r.shallow_delta),
                        Cell::DeltaBytes(r.retained_delta),
                    ]
                })
                .collect(),
        }));
    }
    if shown < changed.len() {
        blocks.push(Block::Note(format!(
            "Showing {} of {} changed rows (most grown first); the JSON has all {} rows.",
            format_count(shown as u64),
            format_count(changed.len() as u64),
            format_count(rows.len() as u64)
        )));
    }
    Section {
        id: id.into(),
        title: title.into(),
        blocks,
    }
}

fn threads(diff: &Diff, limits: Limits) -> Section {
    let mut blocks = vec![Block::Paragraph(
        "Live threads by name pattern (a trailing number is `*`) whose count changed.".into(),
    )];
    if diff.threads.is_empty() {
        blocks.push(Block::Paragraph("No change.".into()));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::text("Thread name"),
                Column::num("Before"),
                Column::num("Now"),
                Column::num("Change"),
            ],
            rows: diff
                .threads
                .iter()
                .take(limits.rows)
                .map(|t| {
                    vec![
                        Cell::Code(t.pattern.clone()),
                        Cell::Count(t.base),
                        Cell::Count(t.new),
                        Cell::DeltaCount(t.delta),
                    ]
                })
                .collect(),
        }));
    }
    Section {
        id: "threads".into(),
        title: "Threads".into(),
        blocks,
    }
}

fn loaders(diff: &Diff, limits: Limits) -> Section {
    let mut blocks = vec![Block::Paragraph(
        "Class loader instances by class whose count (or number of classes defined) changed."
            .into(),
    )];
    if diff.class_loaders.is_empty() {
        blocks.push(Block::Paragraph("No change.".into()));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![
                Column::text("Loader class"),
                Column::num("Before"),
                Column::num("Now"),
                Column::num("Change"),
                Column::num("Δ classes defined"),
            ],
            rows: diff
                .class_loaders
                .iter()
                .take(limits.rows)
                .map(|l| {
                    vec![
                        Cell::Code(l.class.clone()),
                        Cell::Count(l.loaders_base),
                        Cell::Count(l.loaders_new),
                        Cell::DeltaCount(l.loaders_delta),
                        Cell::DeltaCount(l.classes_delta),
                    ]
                })
                .collect(),
        }));
    }
    Section {
        id: "class-loaders".into(),
        title: "Class loaders".into(),
        blocks,
    }
}
