//! `heaplens explore DUMP VIEW SELECTION [--format json|md|csv] [--limit N] [--offset N] …`:
//! the investigation views of `heaplens::analysis::explore` over a selection (a class name,
//! `0x…` addresses or a `SELECT` query), one page of rows with the total count.
//!
//! JSON is the core's result with `rows` cut to the page and `total`/`offset` beside them;
//! Markdown and CSV show the same page as a table.

use crate::flags::{Arg, Flags};
use crate::{load_graph, terminal_safe, write_output, Failure};
use heaplens::analysis::explore::collection_contents;
use heaplens::analysis::explore::find_object;
use heaplens::analysis::explore::group_by_value;
use heaplens::analysis::explore::merged_paths;
use heaplens::analysis::explore::retained_set;
use heaplens::analysis::explore::{immediate_dominators, DEFAULT_SKIP};
use heaplens::analysis::explore::{parse_selection, resolve_selection};
use heaplens::analysis::{PathFinder, PathOptions};
use heaplens::graph::{Dominance, HeapGraph, Node, SizeMode};
use heaplens::hprof::reread::open_path;
use heaplens::query::QueryEnv;
use heaplens::report::{needs_json_escape, to_json_compact};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Instant;

/// The views, by their command-line names.
pub const VIEWS: &[(&str, &str)] = &[
    ("retained-set", "what the objects keep alive, by class, and its total (MAT's Show Retained Set)"),
    ("immediate-dominators", "who keeps the objects alive, by the dominator's class; --skip PATTERN (MAT's Immediate Dominators)"),
    ("merged-paths", "shortest paths from the GC roots merged into one tree with counts; --include-weak (MAT's Merge Shortest Paths to GC Roots)"),
    ("paths", "the paths from GC roots to one object, shortest first, as many as --limit"),
    ("group-by-value", "Strings, boxed primitives and enums grouped by value, with wasted bytes (MAT's Group By Value)"),
    ("contents", "one collection's elements, or a map's keys and values, every JDK layout"),
    ("object", "the object at an address (or the one the address lies in)"),
];

pub use crate::flags::TableFormat;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExploreArgs {
    pub dump: String,
    pub view: String,
    pub selection: String,
    pub format: TableFormat,
    pub limit: usize,
    pub offset: u64,
    pub output: Option<String>,
    pub stats: bool,
    pub sizes: SizeMode,
    pub heap_dump: Option<u32>,
    /// Immediate dominators: the skip pattern (`None`: MAT's default; `""`: skip nothing).
    pub skip: Option<String>,
    /// Merged paths and paths: follow weak, soft, phantom and final references too.
    pub include_weak: bool,
}

/// Parses the arguments after `explore`.
pub fn parse_args(rest: &[String]) -> Result<ExploreArgs, String> {
    let mut pos = Vec::new();
    let mut a = ExploreArgs {
        dump: String::new(),
        view: String::new(),
        selection: String::new(),
        format: TableFormat::Json,
        limit: 100,
        offset: 0,
        output: None,
        stats: false,
        sizes: SizeMode::default(),
        heap_dump: None,
        skip: None,
        include_weak: false,
    };
    let mut flags = Flags::new("explore", rest);
    while let Some(arg) = flags.next_arg() {
        match arg {
            Arg::Option(n @ ("-f" | "--format")) => a.format = flags.table_format(n)?,
            Arg::Option(n @ "--limit") => a.limit = flags.parsed(n, "a number")?,
            Arg::Option(n @ "--offset") => a.offset = flags.parsed(n, "a number")?,
            Arg::Option(n @ ("-o" | "--output")) => {
                a.output = Some(flags.value(n, "a file")?.to_string())
            }
            Arg::Option("--stats") => a.stats = true,
            Arg::Option("--include-weak") => a.include_weak = true,
            Arg::Option(n @ "--skip") => a.skip = Some(flags.value(n, "a pattern")?.to_string()),
            Arg::Option(n @ "--dump") => a.heap_dump = Some(flags.dump(n)?),
            Arg::Option(n @ "--sizes") => a.sizes = flags.sizes(n)?,
            Arg::Option(other) => return Err(flags.unknown(other)),
            Arg::Positional(p) => pos.push(p.to_string()),
        }
    }
    let [dump, view, selection] = <[String; 3]>::try_from(pos).map_err(|_| {
        "explore: expected DUMP VIEW SELECTION (views: ".to_string()
            + &VIEWS.iter().map(|v| v.0).collect::<Vec<_>>().join(", ")
            + ")"
    })?;
    if !VIEWS.iter().any(|v| v.0 == view) {
        return Err(format!(
            "explore: unknown view {view:?} (expected {})",
            VIEWS.iter().map(|v| v.0).collect::<Vec<_>>().join(", ")
        ));
    }
    a.dump = dump;
    a.view = view;
    a.selection = selection;
    Ok(a)
}

/// A view's answer: the JSON document, and the same page as a table.
struct Answer {
    json: Value,
    columns: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    /// A line under the table (totals).
    note: String,
}

pub fn run(a: &ExploreArgs, progress: &mut crate::progress::Progress) -> Result<(), Failure> {
    let sel = parse_selection(&a.selection).map_err(|e| Failure::parse(format!("explore: {e}")))?;
    let path = Path::new(&a.dump);
    let t0 = Instant::now();
    let g = load_graph(path, a.sizes, a.heap_dump, progress)?;
    let t_built = Instant::now();
    progress.phase("dominators");
    let d = Dominance::compute(&g);
    let t_dom = Instant::now();
    progress.phase("selection");
    let mut source =
        open_path(path).map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?;
    let answer = if a.view == "object" {
        None
    } else {
        let env = QueryEnv {
            graph: &g,
            dominance: Some(&d),
            source: Some(source.as_mut()),
            cancel: None,
        };
        Some(
            resolve_selection(&g, &sel, Some(env))
                .map_err(|e| Failure::parse(format!("explore: {e}")))?,
        )
    };
    let t_sel = Instant::now();
    progress.phase(&a.view);
    let objects = answer.unwrap_or_default();
    let ans = view(a, &g, &d, &objects, source.as_mut())?;
    let t_view = Instant::now();
    progress.clear();
    if a.stats {
        eprintln!(
            "build {:.2} s, dominators {:.2} s, selection {:.3} s ({} objects), {} {:.3} s; {} objects in the dump",
            (t_built - t0).as_secs_f64(),
            (t_dom - t_built).as_secs_f64(),
            (t_sel - t_dom).as_secs_f64(),
            objects.len(),
            a.view,
            (t_view - t_sel).as_secs_f64(),
            g.node_count(),
        );
    }
    let mut json = ans.json;
    if let Value::Object(m) = &mut json {
        m.insert("view".into(), Value::String(a.view.clone()));
        m.insert("selection".into(), Value::String(a.selection.clone()));
    }
    let text = match a.format {
        TableFormat::Json => to_json_compact(&json) + "\n",
        TableFormat::Csv => to_csv(&ans.columns, &ans.rows),
        TableFormat::Markdown => to_markdown(&ans.columns, &ans.rows, &ans.note),
    };
    write_output(a.output.as_deref(), text.as_bytes())
}

/// `value` with its `rows` array cut to the page, and `offset`/`total` beside it.
fn paged(mut value: Value, offset: u64, limit: usize) -> (Value, Vec<Value>) {
    let all = match value.get_mut("rows") {
        Some(Value::Array(r)) => std::mem::take(r),
        _ => Vec::new(),
    };
    let total = all.len() as u64;
    let page: Vec<Value> = all
        .into_iter()
        .skip(offset.min(usize::MAX as u64) as usize)
        .take(limit)
        .collect();
    if let Value::Object(m) = &mut value {
        m.insert("offset".into(), json!(offset));
        m.insert("total".into(), json!(total));
        m.insert("rows".into(), Value::Array(page.clone()));
    }
    (value, page)
}

/// Table cells from a row's JSON fields.
fn cells(row: &Value, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| match row.pointer(k) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        })
        .collect()
}

fn one_object(a: &ExploreArgs, objects: &[Node]) -> Result<Node, Failure> {
    match objects {
        [one] => Ok(*one),
        _ => Err(Failure::parse(format!(
            "explore: {} takes one object; the selection names {}",
            a.view,
            objects.len()
        ))),
    }
}

fn view(
    a: &ExploreArgs,
    g: &HeapGraph,
    d: &Dominance,
    objects: &[Node],
    source: &mut dyn heaplens::hprof::reread::ObjectSource,
) -> Result<Answer, Failure> {
    macro_rules! to_value {
        ($v:expr) => {
            serde_json::to_value($v).expect("serializable")
        };
    }
    Ok(match a.view.as_str() {
        "retained-set" => {
            let r = retained_set(g, d, objects, None).expect("not cancelled");
            let (json, page) = paged(to_value!(&r), a.offset, a.limit);
            Answer {
                columns: vec!["Class", "Objects", "Shallow"],
                rows: page
                    .iter()
                    .map(|r| cells(r, &["/class", "/objects", "/shallow"]))
                    .collect(),
                note: format!(
                    "{} objects selected ({} unreachable) retain {} objects, {} bytes",
                    r.selected, r.unreachable, r.objects, r.bytes
                ),
                json,
            }
        }
        "immediate-dominators" => {
            let skip = a.skip.as_deref().unwrap_or(DEFAULT_SKIP);
            let r = immediate_dominators(g, d, objects, Some(skip))
                .map_err(|e| Failure::parse(format!("explore: {e}")))?;
            let (json, page) = paged(to_value!(&r), a.offset, a.limit);
            Answer {
                columns: vec![
                    "Dominator class",
                    "Dominators",
                    "Dominated",
                    "Dominator shallow",
                    "Dominated shallow",
                    "Dominator retained",
                ],
                rows: page
                    .iter()
                    .map(|r| {
                        cells(
                            r,
                            &[
                                "/class",
                                "/dominators",
                                "/dominated",
                                "/dominator_shallow",
                                "/dominated_shallow",
                                "/dominator_retained",
                            ],
                        )
                    })
                    .collect(),
                note: format!(
                    "{} objects selected ({} unreachable); skip pattern {:?}",
                    r.selected, r.unreachable, r.skip
                ),
                json,
            }
        }
        "merged-paths" => {
            let pf = PathFinder::new(
                g,
                PathOptions {
                    include_weak: a.include_weak,
                },
            );
            let m = merged_paths(&pf, objects, 0);
            let (json, page) = paged(to_value!(&m), a.offset, a.limit);
            Answer {
                columns: vec!["Depth", "Reference", "Class", "Object", "Objects", "Objects shallow", "Shallow", "GC root"],
                rows: page
                    .iter()
                    .map(|r| cells(r, &["/depth", "/field", "/class", "/object_id", "/objects", "/objects_shallow", "/shallow", "/root_kind"]))
                    .collect(),
                note: format!(
                    "{} objects selected, {} without a path from a GC root{}; rows in tree order (a parent before its children)",
                    m.selected,
                    m.without_path,
                    if a.include_weak { "" } else { " (weak, soft, phantom and final references excluded)" }
                ),
                json,
            }
        }
        "paths" => {
            let v = one_object(a, objects)?;
            let pf = PathFinder::new(
                g,
                PathOptions {
                    include_weak: a.include_weak,
                },
            );
            let p = pf.paths_page(v, a.offset, a.limit);
            let rows = p
                .paths
                .iter()
                .enumerate()
                .map(|(i, path)| {
                    let chain: Vec<String> = path
                        .steps
                        .iter()
                        .map(|s| format!("{} {} @ {}", s.field, s.class, s.object_id))
                        .collect();
                    vec![
                        (p.offset + i as u64 + 1).to_string(),
                        path.root_detail.clone(),
                        path.steps.len().to_string(),
                        chain.join(" → "),
                    ]
                })
                .collect();
            Answer {
                columns: vec!["#", "GC root", "Length", "Path (root first)"],
                rows,
                note: format!(
                    "{} paths{}",
                    p.total,
                    if p.complete {
                        ""
                    } else {
                        " found before the referrer limit (more exist)"
                    }
                ),
                json: to_value!(&p),
            }
        }
        "group-by-value" => {
            let mut r =
                group_by_value(g, Some(d), objects, Some(source), None).expect("not cancelled");
            // Millions of values: cut to the page before making JSON of them.
            let (values, all) = (r.rows.len(), std::mem::take(&mut r.rows));
            let start = (a.offset.min(values as u64)) as usize;
            r.rows = all[start..(start.saturating_add(a.limit)).min(values)].to_vec();
            let mut json = to_value!(&r);
            let page = json["rows"].as_array().cloned().unwrap_or_default();
            json["offset"] = json!(a.offset);
            json["total"] = json!(values);
            Answer {
                columns: vec![
                    "Value",
                    "Objects",
                    "Shallow",
                    "Bytes",
                    "Wasted",
                    "Avg retained",
                    "First object",
                ],
                rows: page
                    .iter()
                    .map(|r| {
                        cells(
                            r,
                            &[
                                "/value",
                                "/objects",
                                "/shallow",
                                "/bytes",
                                "/wasted",
                                "/avg_retained",
                                "/first_object_id",
                            ],
                        )
                    })
                    .collect(),
                note: format!(
                    "{} objects selected, {} values, {} bytes wasted by copies{}",
                    r.selected,
                    values,
                    r.wasted,
                    if r.unreadable > 0 {
                        format!("; {} values unreadable", r.unreadable)
                    } else {
                        String::new()
                    }
                ),
                json,
            }
        }
        "contents" => {
            let v = one_object(a, objects)?;
            let c = collection_contents(g, v, a.offset, a.limit)
                .map_err(|e| Failure::parse(format!("explore: {e}")))?;
            let json = to_value!(&c);
            let rows = json
                .pointer("/page/rows")
                .and_then(Value::as_array)
                .map(|rows| {
                    rows.iter()
                        .map(|r| {
                            cells(
                                r,
                                &[
                                    "/index",
                                    "/key/class",
                                    "/key/object_id",
                                    "/key/text",
                                    "/value/class",
                                    "/value/object_id",
                                    "/value/text",
                                ],
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            Answer {
                columns: vec![
                    "#",
                    "Key class",
                    "Key",
                    "Key text",
                    "Value class",
                    "Value",
                    "Value text",
                ],
                rows,
                note: format!(
                    "{} ({}) holds {} entries; {} read",
                    c.info.class, c.info.jdk_class, c.info.size, c.page.total
                ),
                json,
            }
        }
        "object" => {
            let o = find_object(g, Some(d), &a.selection)
                .map_err(|e| Failure::parse(format!("explore: {e}")))?;
            let json = to_value!(&o);
            Answer {
                columns: vec![
                    "Object",
                    "Class",
                    "Shallow",
                    "Retained",
                    "Reachable",
                    "GC roots",
                    "Inside at",
                ],
                rows: vec![vec![
                    o.object.object_id.clone(),
                    o.object.class.clone(),
                    o.shallow.to_string(),
                    o.retained.to_string(),
                    o.reachable.to_string(),
                    o.gc_roots.join(", "),
                    o.inside_at.clone().unwrap_or_default(),
                ]],
                note: String::new(),
                json,
            }
        }
        other => return Err(Failure::parse(format!("explore: unknown view {other:?}"))),
    })
}

/// Dump text made safe for a terminal and a table cell: control and bidi characters become
/// `\u{…}`.
fn safe(s: &str) -> String {
    terminal_safe(s)
        .chars()
        .map(|c| if needs_json_escape(c) { '\u{fffd}' } else { c })
        .collect()
}

fn to_csv(columns: &[&str], rows: &[Vec<String>]) -> String {
    let field = |s: &str| {
        let s = safe(s);
        if s.contains([',', '"']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    };
    let mut out = columns
        .iter()
        .map(|c| field(c))
        .collect::<Vec<_>>()
        .join(",")
        + "\r\n";
    for r in rows {
        out.push_str(&(r.iter().map(|c| field(c)).collect::<Vec<_>>().join(",") + "\r\n"));
    }
    out
}

fn to_markdown(columns: &[&str], rows: &[Vec<String>], note: &str) -> String {
    let cell = |s: &str| safe(s).replace('\\', "\\\\").replace('|', "\\|");
    let mut out = format!(
        "| {} |\n|{}\n",
        columns.join(" | "),
        " --- |".repeat(columns.len())
    );
    for r in rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    if !note.is_empty() {
        out.push_str(&format!("\n{}\n", safe(note)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn arguments() {
        let a = parse_args(&s(&[
            "d.hprof",
            "retained-set",
            "java.lang.String",
            "--format=md",
            "--limit",
            "5",
        ]))
        .unwrap();
        assert_eq!(
            (a.view.as_str(), a.format, a.limit),
            ("retained-set", TableFormat::Markdown, 5)
        );
        let a = parse_args(&s(&[
            "d.hprof",
            "immediate-dominators",
            "char[]",
            "--skip",
            "",
        ]))
        .unwrap();
        assert_eq!(a.skip.as_deref(), Some(""));
        assert!(parse_args(&s(&["d.hprof", "retained-set"])).is_err());
        assert!(parse_args(&s(&["d.hprof", "frobnicate", "x"])).is_err());
        assert!(parse_args(&s(&["d.hprof", "paths", "0x1", "--dump", "0"])).is_err());
        assert!(parse_args(&s(&["d.hprof", "paths", "0x1", "--bogus"])).is_err());
    }

    #[test]
    fn tables_are_safe() {
        let md = to_markdown(&["A"], &[vec!["x|y\u{202e}\u{1b}".into()]], "");
        assert!(md.contains("x\\|y"));
        assert!(!md.contains('\u{202e}') && !md.contains('\u{1b}'));
        let csv = to_csv(&["A", "B"], &[vec!["1,2".into(), "q\"".into()]]);
        assert_eq!(csv, "A,B\r\n\"1,2\",\"q\"\"\"\r\n");
    }
}
