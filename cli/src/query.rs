//! `heaplens query DUMP 'SELECT …' [--format json|csv|md] [--limit N] [--offset N] [--sizes
//! jvm|mat] [--dump N]`: runs an
//! OQL query (see docs/oql.md) and prints one page of its rows with the total count.

use crate::flags::{Arg, Flags};
use crate::{finish, load_graph, terminal_safe, write_output, Failure};
use heaplens::graph::{Dominance, SizeMode};
use heaplens::hprof::reread::open_path;
use heaplens::query::{csv_line, execute, Cell, QueryEnv, QueryError, QueryResult};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub use crate::flags::TableFormat as QueryFormat;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryArgs {
    pub dump: String,
    pub query: String,
    pub format: QueryFormat,
    pub limit: usize,
    pub offset: u64,
    pub output: Option<String>,
    /// Print build and query times and the record index's size to stderr.
    pub stats: bool,
    /// Shallow sizes (`@usedHeapSize`, `@retainedHeapSize`): the JVM's or MAT's rule.
    pub sizes: SizeMode,
    /// `--dump N`: the heap dump to query in a multi-dump file (1-based; `None`: the first).
    pub heap_dump: Option<u32>,
}

/// Parses the arguments after `query`.
pub fn parse_args(rest: &[String]) -> Result<QueryArgs, String> {
    let mut pos = Vec::new();
    let mut format = QueryFormat::Json;
    let mut limit = 1000usize;
    let mut offset = 0u64;
    let mut output = None;
    let mut stats = false;
    let mut sizes = SizeMode::default();
    let mut heap_dump = None;
    let mut flags = Flags::new("query", rest);
    while let Some(arg) = flags.next_arg() {
        match arg {
            Arg::Option(n @ ("-f" | "--format")) => format = flags.table_format(n)?,
            Arg::Option(n @ "--limit") => limit = flags.parsed(n, "a number")?,
            Arg::Option(n @ "--offset") => offset = flags.parsed(n, "a number")?,
            Arg::Option(n @ ("-o" | "--output")) => {
                output = Some(flags.value(n, "a file")?.to_string())
            }
            Arg::Option("--stats") => stats = true,
            Arg::Option(n @ "--sizes") => sizes = flags.sizes(n)?,
            Arg::Option(n @ "--dump") => heap_dump = Some(flags.dump(n)?),
            // After DUMP, a text that looks like an option is the query.
            Arg::Option(_) if pos.len() == 1 => pos.push(flags.raw().to_string()),
            Arg::Option(other) => return Err(flags.unknown(other)),
            Arg::Positional(p) => pos.push(p.to_string()),
        }
    }
    match <[String; 2]>::try_from(pos) {
        Ok([dump, query]) => Ok(QueryArgs {
            dump,
            query,
            format,
            limit,
            offset,
            output,
            stats,
            sizes,
            heap_dump,
        }),
        Err(_) => Err("query: expected DUMP and 'SELECT …'".into()),
    }
}

/// The query with a caret under the error's position.
fn explain(query: &str, e: &QueryError) -> String {
    let mut out = format!("query error at {}: {}\n", e.position, e.message);
    let line_start = query[..e.position.min(query.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = query[line_start..]
        .find('\n')
        .map_or(query.len(), |i| line_start + i);
    let col = query[line_start..e.position.min(query.len())]
        .chars()
        .count();
    out.push_str(&format!(
        "  {}\n  {}^",
        &query[line_start..line_end],
        " ".repeat(col)
    ));
    if !e.hint.is_empty() {
        out.push_str(&format!("\n  hint: {}", e.hint));
    }
    out
}

pub fn run(a: &QueryArgs) -> ExitCode {
    let mut progress = crate::progress::Progress::new();
    match run_query(a, &mut progress) {
        // A query error spans lines (message, query, caret, hint): each is made terminal-safe
        // on its own so the caret stays under its column.
        Err(f) if f.message.contains('\n') => {
            progress.clear();
            let mut lines = f.message.lines();
            eprintln!("heaplens: {}", terminal_safe(lines.next().unwrap_or("")));
            for line in lines {
                eprintln!("{}", terminal_safe(line));
            }
            ExitCode::from(f.code)
        }
        r => finish(&mut progress, r),
    }
}

fn run_query(a: &QueryArgs, progress: &mut crate::progress::Progress) -> Result<(), Failure> {
    // Syntax errors before the dump is read.
    heaplens::query::parse(&a.query).map_err(|e| Failure::parse(explain(&a.query, &e)))?;
    let path = Path::new(&a.dump);
    let t0 = Instant::now();
    let g = load_graph(path, a.sizes, a.heap_dump, progress)?;
    let t_built = Instant::now();
    let lower = a.query.to_ascii_lowercase();
    let dom = if lower.contains("retained") || lower.contains("dominator") {
        progress.phase("dominators");
        Some(Dominance::compute(&g))
    } else {
        None
    };
    let t_dom = Instant::now();
    progress.phase("query");
    let mut source =
        open_path(path).map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?;
    let env = QueryEnv {
        graph: &g,
        dominance: dom.as_ref(),
        source: Some(source.as_mut()),
        cancel: None,
    };
    let result = execute(env, &a.query, a.offset, a.limit)
        .map_err(|e| Failure::parse(explain(&a.query, &e)))?;
    progress.clear();
    if a.stats {
        let n = g.node_count().max(1) as f64;
        eprintln!(
            "build {:.2} s, dominators {:.2} s, query {:.3} s; {} objects, {} rows; record index {:.3} B/object ({} breaks)",
            (t_built - t0).as_secs_f64(),
            (t_dom - t_built).as_secs_f64(),
            t_dom.elapsed().as_secs_f64(),
            g.node_count(),
            result.total,
            g.locations.heap_bytes() as f64 / n,
            g.locations.breaks(),
        );
    }
    let text = match a.format {
        QueryFormat::Json => {
            let mut s = serde_json::to_string(&result).expect("serializable");
            s.push('\n');
            s
        }
        QueryFormat::Csv => to_csv(&result),
        QueryFormat::Markdown => to_markdown(&result),
    };
    write_output(a.output.as_deref(), text.as_bytes())
}

/// RFC 4180 CSV: a header line, then the rows of the page.
pub fn to_csv(r: &QueryResult) -> String {
    let mut out = csv_line(&r.columns);
    for row in &r.rows {
        out.push_str(&csv_line(
            &row.iter().map(Cell::display).collect::<Vec<_>>(),
        ));
    }
    out
}

fn md_field(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// A Markdown table of the page, then how many rows there are in all.
pub fn to_markdown(r: &QueryResult) -> String {
    let mut out = String::new();
    let cols: Vec<String> = r.columns.iter().map(|c| md_field(c)).collect();
    out.push_str(&format!("| {} |\n", cols.join(" | ")));
    out.push_str(&format!("|{}\n", " --- |".repeat(cols.len())));
    for row in &r.rows {
        let cells: Vec<String> = row.iter().map(|c| md_field(&c.display())).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out.push_str(&format!("\n{} of {} rows\n", r.rows.len(), r.total));
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
            "SELECT * FROM x",
            "--format=csv",
            "--limit",
            "5",
        ]))
        .unwrap();
        assert_eq!(a.format, QueryFormat::Csv);
        assert_eq!(a.limit, 5);
        assert_eq!(a.query, "SELECT * FROM x");
        assert!(parse_args(&s(&["d.hprof"])).is_err());
        assert!(parse_args(&s(&["d.hprof", "q", "--format", "xml"])).is_err());
        assert_eq!(
            parse_args(&s(&["d.hprof", "q", "--dump", "2"]))
                .unwrap()
                .heap_dump,
            Some(2)
        );
        assert!(parse_args(&s(&["d.hprof", "q", "--dump", "0"])).is_err());
    }

    #[test]
    fn caret_under_the_error() {
        let q = "SELECT * FORM x";
        let e = heaplens::query::parse(q).unwrap_err();
        let text = explain(q, &e);
        assert!(text.contains("\n           ^"), "{text}");
    }
}
