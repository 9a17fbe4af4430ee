//! Command-line parsing (by hand: three commands and a handful of options).

use crate::flags::{Arg, Flags};
use heaplens::graph::SizeMode;

pub const HELP: &str = "\
heaplens — Java heap dump (HPROF) analyzer

Usage:
  heaplens analyze DUMP [--format json|md|html] [--output FILE] [--stats] [--top N]
                        [--sizes jvm|mat] [--dump N] [--redact] [--threads N]
  heaplens diff BASELINE NEW [--format json|md|html] [--output FILE] [--stats]
                        [--sizes jvm|mat]
  heaplens parse DUMP
  heaplens query DUMP 'SELECT …' [--format json|csv|md] [--limit N] [--offset N] [--output FILE] [--stats]
                        [--sizes jvm|mat] [--dump N]
  heaplens explore DUMP VIEW SELECTION [--format json|csv|md] [--limit N] [--offset N]
                        [--output FILE] [--stats] [--sizes jvm|mat] [--dump N]
                        [--skip PATTERN] [--include-weak]
  heaplens --help | --version

Commands:
  analyze   Build the object graph and dominator tree, and write the report: summary, class
            histogram (reachable and unreachable objects) and the biggest objects.
  diff      Compare two dumps of one application: summary and class histogram deltas, the
            holders whose retained size grew (matched by their path from the GC roots, not by
            object id), threads and class loaders that appeared. BASELINE is the older dump;
            a warning says so when NEW is older (by the dumps' own timestamps).
  parse     Only parse the dump (no graph): print record and object counts and the
            throughput as key=value lines.
  query     Run an OQL query (Eclipse MAT's language; docs/oql.md) and print one page of its
            rows (--limit, default 1000, from --offset) with the total count. JSON is
            {\"columns\": [...], \"rows\": [[...], ...], \"total\": N}; objects are
            {\"object\": \"0x…\", \"node\": N, \"class\": \"…\"}.
  explore   An investigation view over a selection, one page of rows (--limit, default 100,
            from --offset) with the total. SELECTION is a class name (`instanceof NAME` adds
            subclasses; a regular expression when no class has the name), 0x… addresses, or
            a SELECT query. VIEW is one of:
              retained-set          what the objects keep alive, by class (MAT's Show Retained Set)
              immediate-dominators  who keeps them alive, by class; --skip PATTERN (default
                                    java\\..*|javax\\..*|com\\.sun\\..*|sun\\..*|jdk\\..*, MAT's)
              merged-paths          shortest paths from the GC roots merged into a tree with
                                    counts; weak/soft/phantom/final references only with
                                    --include-weak (MAT's Merge Shortest Paths to GC Roots)
              paths                 paths from the GC roots to one object, shortest first
              group-by-value        Strings, boxed primitives, enums by value; wasted bytes
              contents              a collection's elements or a map's keys and values
              object                the object at (or spanning) an address
            See docs/explore.md.

Options (analyze, diff):
  -f, --format FORMAT   json (default; schema in docs/report-schema.md, for diff
                        docs/diff-schema.md), md (Markdown) or
                        html (one self-contained file)
  -o, --output FILE     write the report to FILE instead of standard output
      --redact          for a report to share: replace the dump's data (string values,
                        thread names, frame methods, loader and jar names, the file name)
                        with placeholders; class names, sizes and structure stay
      --stats           print phase times, memory per object and peak RSS to stderr
      --top N           biggest objects to list (default 100; analyze only)
      --sizes RULE      shallow sizes: jvm (default; the JVM's own sizes, inferred from the
                        dump's object addresses, as `jcmd GC.class_histogram` counts them) or
                        mat (Eclipse MAT's rule, to compare numbers with MAT)
      --dump N          (analyze, query, explore) which heap dump to analyze when the file holds several (the JDK <= 8
                        hprof agent appends one per request): 1 (default) is the first; the
                        summary's warnings say how many there are
      --threads N       (analyze) threads to use: 1 does everything on one, with the least
                        memory; 2 or more read the file on a second thread ahead of the
                        parser, build the String previews on another, and (dumps up to 64 M
                        objects) run the analyses two at a time, for up to 8 bytes per
                        object more (at most 2 busy at once; default: the CPUs available).
                        The report is the same whatever N

DUMP is an .hprof file, gzip-compressed or not (detected from its content). It is read twice.
Progress is shown on stderr when stderr is a terminal; stdout carries only the report.
Every report says on top which of the dump's data it holds. Text from the dump cannot steer
a terminal: JSON escapes control and bidi characters, Markdown and HTML replace them.

Exit status: 0 success (a truncated dump is reported as a warning), 1 a file cannot be read
or written, 2 the dump is not valid HPROF or the command line is wrong.
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Html,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyze {
    pub dump: String,
    pub format: Format,
    pub output: Option<String>,
    pub stats: bool,
    pub top: usize,
    pub sizes: SizeMode,
    /// `--dump N`: the heap dump to read in a multi-dump file (1-based; `None`: the first).
    pub heap_dump: Option<u32>,
    pub redact: bool,
    /// `--threads N` (at least 1; `None`: the CPUs available). See [`Analyze::threads`].
    pub threads: Option<usize>,
}

impl Analyze {
    /// Threads the analysis uses: `--threads`, else the CPUs available, at most 2 (the work
    /// that runs side by side is two-way: a reader and a parser).
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(default_threads).clamp(1, 2)
    }
}

/// The CPUs available to this process (1 where it cannot be told): the thread count of the
/// commands without `--threads` (diff, query, explore), and of `analyze` without it.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Analyze(Analyze),
    Parse { dump: String },
    Query(crate::query::QueryArgs),
    Explore(crate::explore::ExploreArgs),
    Diff(crate::diff::DiffArgs),
}

/// Parses the arguments after the program name.
pub fn parse(argv: &[String]) -> Result<Command, String> {
    if argv.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Command::Help);
    }
    if argv.iter().any(|a| a == "-V" || a == "--version") {
        return Ok(Command::Version);
    }
    let Some((cmd, rest)) = argv.split_first() else {
        return Err("missing command (analyze, diff, explore, parse or query)".into());
    };
    match cmd.as_str() {
        "help" => Ok(Command::Help),
        "analyze" => analyze(rest).map(Command::Analyze),
        "query" => crate::query::parse_args(rest).map(Command::Query),
        "explore" => crate::explore::parse_args(rest).map(Command::Explore),
        "diff" => crate::diff::parse_args(rest).map(Command::Diff),
        "parse" => {
            let mut dump = None;
            let mut flags = Flags::new("parse", rest);
            while let Some(arg) = flags.next_arg() {
                match arg {
                    Arg::Option(other) => return Err(flags.unknown(other)),
                    Arg::Positional(d) => {
                        if dump.replace(d.to_string()).is_some() {
                            return Err("parse: more than one DUMP".into());
                        }
                    }
                }
            }
            Ok(Command::Parse {
                dump: dump.ok_or("parse: missing DUMP")?,
            })
        }
        other => Err(format!(
            "unknown command {other:?} (expected analyze, diff, explore, parse or query)"
        )),
    }
}

/// `--format` of `analyze` and `diff`.
pub fn format(flags: &mut Flags, name: &str) -> Result<Format, String> {
    flags.choice(
        name,
        "format",
        "json, md or html",
        &[
            ("json", Format::Json),
            ("md", Format::Markdown),
            ("markdown", Format::Markdown),
            ("html", Format::Html),
        ],
    )
}

fn analyze(rest: &[String]) -> Result<Analyze, String> {
    let mut dump = None;
    let mut format = Format::Json;
    let mut output = None;
    let mut stats = false;
    let mut top = 100usize;
    let mut sizes = SizeMode::default();
    let mut heap_dump = None;
    let mut redact = false;
    let mut threads = None;
    let mut flags = Flags::new("analyze", rest);
    while let Some(arg) = flags.next_arg() {
        match arg {
            Arg::Option(n @ ("-f" | "--format")) => format = self::format(&mut flags, n)?,
            Arg::Option(n @ ("-o" | "--output")) => {
                output = Some(flags.value(n, "a file name")?.to_string())
            }
            Arg::Option("--stats") => stats = true,
            Arg::Option("--redact") => redact = true,
            Arg::Option(n @ "--top") => top = flags.parsed(n, "a number")?,
            Arg::Option(n @ "--dump") => heap_dump = Some(flags.dump(n)?),
            Arg::Option(n @ "--sizes") => sizes = flags.sizes(n)?,
            Arg::Option(n @ "--threads") => {
                let t: usize = flags.parsed(n, "a number of threads (1, 2, …)")?;
                if t == 0 {
                    return Err(format!("analyze: {n} expects 1, 2, …, not \"0\""));
                }
                threads = Some(t);
            }
            Arg::Option(other) => return Err(flags.unknown(other)),
            Arg::Positional(d) => {
                if dump.replace(d.to_string()).is_some() {
                    return Err("analyze: more than one DUMP".into());
                }
            }
        }
    }
    Ok(Analyze {
        dump: dump.ok_or("analyze: missing DUMP")?,
        format,
        output,
        stats,
        top,
        sizes,
        heap_dump,
        redact,
        threads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn commands() {
        assert_eq!(p(&["--help"]), Ok(Command::Help));
        assert_eq!(p(&["analyze", "x", "-h"]), Ok(Command::Help));
        assert_eq!(p(&["--version"]), Ok(Command::Version));
        assert_eq!(
            p(&["parse", "d.hprof"]),
            Ok(Command::Parse {
                dump: "d.hprof".into()
            })
        );
        assert_eq!(
            p(&["analyze", "d.hprof"]),
            Ok(Command::Analyze(Analyze {
                dump: "d.hprof".into(),
                format: Format::Json,
                output: None,
                stats: false,
                top: 100,
                sizes: SizeMode::Jvm,
                heap_dump: None,
                redact: false,
                threads: None
            }))
        );
        assert_eq!(
            p(&[
                "analyze",
                "--format=html",
                "-o",
                "r.html",
                "d.hprof",
                "--stats",
                "--top",
                "5",
                "--sizes=mat",
                "--redact"
            ]),
            Ok(Command::Analyze(Analyze {
                dump: "d.hprof".into(),
                format: Format::Html,
                output: Some("r.html".into()),
                stats: true,
                top: 5,
                sizes: SizeMode::Mat,
                heap_dump: None,
                redact: true,
                threads: None
            }))
        );
        assert!(
            matches!(p(&["analyze", "d", "--dump", "2"]), Ok(Command::Analyze(a)) if a.heap_dump == Some(2))
        );
        assert!(
            matches!(p(&["analyze", "d", "--threads", "1"]), Ok(Command::Analyze(a)) if a.threads() == 1)
        );
        assert!(
            matches!(p(&["analyze", "d", "--threads=8"]), Ok(Command::Analyze(a)) if a.threads() == 2)
        );
        assert!(
            matches!(p(&["analyze", "-f", "md", "--", "-weird"]), Ok(Command::Analyze(a)) if a.dump == "-weird" && a.format == Format::Markdown)
        );
    }

    #[test]
    fn errors() {
        assert!(p(&[]).is_err());
        assert!(p(&["frobnicate"]).is_err());
        assert!(p(&["analyze"]).is_err());
        assert!(p(&["analyze", "a", "b"]).is_err());
        assert!(p(&["analyze", "a", "--format", "pdf"]).is_err());
        assert!(p(&["analyze", "a", "--format"]).is_err());
        assert!(p(&["analyze", "a", "--bogus"]).is_err());
        assert!(p(&["analyze", "a", "--top", "x"]).is_err());
        assert!(p(&["analyze", "a", "--sizes", "hotspot"]).is_err());
        assert!(p(&["analyze", "a", "--dump", "0"]).is_err());
        assert!(p(&["analyze", "a", "--threads", "0"]).is_err());
        assert!(p(&["analyze", "a", "--threads", "two"]).is_err());
        assert!(p(&["parse"]).is_err());
    }
}
