//! `heaplens`: the native command-line shell over the heaplens core.
//!
//! ```text
//! heaplens analyze DUMP [--format json|md|html] [--output FILE] [--redact] [--stats] [--top N] [--threads N]
//! heaplens diff BASELINE NEW [--format json|md|html] [--output FILE] [--stats]
//! heaplens parse DUMP
//! heaplens query DUMP 'SELECT …' [--format json|csv|md] [--limit N] [--dump N]
//! heaplens explore DUMP VIEW SELECTION [--format json|csv|md] [--limit N] [--offset N]
//! heaplens --help | --version
//! ```
//!
//! Exit codes: 0 success (a truncated dump is a warning in the report, not an error), 1 the file
//! cannot be read or the output cannot be written, 2 the dump cannot be parsed or the command
//! line is wrong. stdout carries only the requested document; progress, statistics and errors
//! go to stderr (progress only when stderr is a terminal).
//!
//! Text from the dump is hostile until shown otherwise: the JSON goes through the core's
//! terminal-safe [`to_json`] (control and bidi characters as `\u` escapes), and what the CLI
//! itself prints to stderr from the dump or the file name goes through [`terminal_safe`].

// One module needs `unsafe`: the allocator (`huge_pages`), which maps large blocks itself.
#![deny(unsafe_code)]

mod args;
mod clock;
mod diff;
mod explore;
mod flags;
#[allow(unsafe_code)]
mod huge_pages;
mod progress;
mod query;

use args::{Command, Format};
use clock::{peak_rss_bytes, Stamp};
use heaplens::analysis::{PathIndex, PathOptions};
use heaplens::graph::{
    feed_pass, feed_pass_ahead, BuildError, BuildOptions, Dominance, GraphBuilder, HeapGraph,
    PassOutcome, Phase, SizeMode,
};
use heaplens::hprof::reread::is_gzip_file;
use heaplens::hprof::{DumpDecoder, ParseError};
use heaplens::report::{
    build_report_with_index, format_bytes, format_count, needs_json_escape, to_html, to_json,
    to_markdown, ReportOptions, Source,
};
use progress::Progress;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

#[global_allocator]
static ALLOC: huge_pages::HugePages = huge_pages::HugePages;

/// The file cannot be read, or the output cannot be written.
const EXIT_IO: u8 = 1;
/// The dump is not valid HPROF, or the command line is wrong.
const EXIT_PARSE: u8 = 2;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match args::parse(&argv) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("heaplens: {msg}");
            eprintln!("Try 'heaplens --help'.");
            return ExitCode::from(EXIT_PARSE);
        }
    };
    match cmd {
        Command::Help => {
            print!("{}", args::HELP);
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("heaplens {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Analyze(a) => analyze(&a),
        Command::Parse { dump } => parse(&dump),
        Command::Query(q) => query::run(&q),
        Command::Explore(a) => {
            let mut progress = Progress::new();
            let r = explore::run(&a, &mut progress);
            finish(&mut progress, r)
        }
        Command::Diff(a) => {
            let mut progress = Progress::new();
            let r = diff::run(&a, &mut progress);
            finish(&mut progress, r)
        }
    }
}

/// A failure, already worded for the user, and its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn io(message: String) -> Failure {
        Failure {
            code: EXIT_IO,
            message,
        }
    }
    fn parse(message: String) -> Failure {
        Failure {
            code: EXIT_PARSE,
            message,
        }
    }
}

fn finish(progress: &mut Progress, r: Result<(), Failure>) -> ExitCode {
    progress.clear();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("heaplens: {}", terminal_safe(&f.message));
            ExitCode::from(f.code)
        }
    }
}

fn analyze(a: &args::Analyze) -> ExitCode {
    let mut progress = Progress::new();
    let r = run_analyze(a, &mut progress);
    finish(&mut progress, r)
}

fn file_size(path: &Path) -> Result<u64, Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::io(format!("cannot read {}: {e}", path.display())))?;
    if meta.is_dir() {
        return Err(Failure::io(format!(
            "cannot read {}: it is a directory",
            path.display()
        )));
    }
    Ok(meta.len())
}

fn run_analyze(a: &args::Analyze, progress: &mut Progress) -> Result<(), Failure> {
    let path = Path::new(&a.dump);
    let size = file_size(path)?;
    if size <= 4 << 30 && !is_gzip_file(path).unwrap_or(false) {
        huge_pages::enable();
    }
    let t0 = Stamp::now();
    let threads = a.threads();
    let (g, t_linking) = build_graph(path, size, a.sizes, a.heap_dump, threads, progress)?;
    let t_built = Stamp::now();

    progress.phase("dominators");
    // The paths' index needs only the graph: with a second thread it is built beside the
    // dominator tree, and the report runs its analyses two at a time. Both cost memory (4 bytes
    // per object at the dominators' peak, about 8 at the analyses'), so only where that is
    // little: on the largest dumps memory, not time, is what runs out (`--threads 1` always
    // keeps the least).
    let overlap = threads >= 2 && g.node_count() as u64 * 8 <= OVERLAP_EXTRA_MAX;
    let (d, index) = if overlap {
        std::thread::scope(|s| {
            let index = s.spawn(|| PathIndex::new(&g, PathOptions::default()));
            let d = Dominance::compute_in(&g, threads, &mut |_| {});
            let index = index
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (d, Some(index))
        })
    } else {
        (Dominance::compute_in(&g, threads, &mut |_| {}), None)
    };
    let t_dom = Stamp::now();

    progress.phase("analyses");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.dump.clone());
    let opts = ReportOptions {
        top_dominators: a.top,
        source: Some(Source {
            name,
            file_bytes: Some(size),
        }),
        redact: a.redact,
        threads: if overlap { threads } else { 1 },
        ..Default::default()
    };
    let mut steps: Vec<(&'static str, Stamp)> = Vec::new();
    let report = build_report_with_index(&g, &d, index.as_ref(), &opts, &mut |name| {
        steps.push((name, Stamp::now()))
    });
    drop(index);
    let t_report = Stamp::now();

    progress.phase("rendering");
    let mut doc = match a.format {
        Format::Json => to_json(&report),
        Format::Markdown => to_markdown(&report),
        Format::Html => to_html(&report),
    };
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    let t_render = Stamp::now();
    progress.clear();
    write_output(a.output.as_deref(), doc.as_bytes())?;
    let t_end = Stamp::now();

    if a.stats {
        // Wall seconds, then the main thread's CPU seconds (the machine may be shared).
        let secs = |a: Stamp, b: Stamp| b.since(&a);
        let n = g.node_count().max(1) as f64;
        let mut s = String::new();
        s.push_str("heaplens stats\n");
        s.push_str(&format!("  indexing    {}\n", secs(t0, t_linking)));
        s.push_str(&format!("  linking     {}\n", secs(t_linking, t_built)));
        s.push_str(&format!("  dominators  {}\n", secs(t_built, t_dom)));
        s.push_str(&format!("  analyses    {}\n", secs(t_dom, t_report)));
        let mut since = t_dom;
        for (name, at) in &steps {
            // Steps that ran two analyses at once are named "this | beside": on a line of
            // their own when long.
            if name.len() > 20 {
                s.push_str(&format!(
                    "    {name}\n    {:<20} {}\n",
                    "",
                    secs(since, *at)
                ));
            } else {
                s.push_str(&format!("    {name:<20} {}\n", secs(since, *at)));
            }
            since = *at;
        }
        s.push_str(&format!("  rendering   {}\n", secs(t_report, t_render)));
        s.push_str(&format!("  output      {}\n", secs(t_render, t_end)));
        s.push_str(&format!("  total       {}\n", secs(t0, t_end)));
        let built_s = t_built.wall().duration_since(t0.wall()).as_secs_f64();
        let mbs = g.meta.bytes as f64 / built_s.max(1e-9) / 1e6;
        s.push_str(&format!(
            "  input       {} ({} bytes) as stored, {} ({} bytes) of HPROF; graph built at {mbs:.0} MB/s (both passes)\n",
            format_bytes(size),
            format_count(size),
            format_bytes(g.meta.bytes),
            format_count(g.meta.bytes)
        ));
        s.push_str(&format!(
            "  objects     {}\n",
            format_count(g.node_count() as u64)
        ));
        s.push_str(&format!(
            "  graph       {} ({:.1} bytes/object)\n",
            format_bytes(g.heap_bytes() as u64),
            g.heap_bytes() as f64 / n
        ));
        s.push_str(&format!(
            "  dominance   {} ({:.1} bytes/object)\n",
            format_bytes(d.heap_bytes() as u64),
            d.heap_bytes() as f64 / n
        ));
        match peak_rss_bytes() {
            Some(b) => s.push_str(&format!(
                "  peak RSS    {} ({:.1} bytes/object)\n",
                format_bytes(b),
                b as f64 / n
            )),
            None => s.push_str("  peak RSS    unknown (needs Linux /proc)\n"),
        }
        s.push_str(match huge_pages::pages() {
            huge_pages::Pages::Huge => "  pages       large blocks on 2 MiB pages (transparent huge pages, advised)\n",
            huge_pages::Pages::Small => "  pages       large blocks on 4 KiB pages: this guest hands freed memory to its host (virtio balloon free page reporting)\n",
            huge_pages::Pages::System => "  pages       the system allocator's\n",
        });
        eprint!("{s}");
    }
    Ok(())
}

/// The most memory the second thread's analyses may add (about 8 bytes per object): up to
/// 64 M objects. Beyond, the analyses run one at a time, as with `--threads 1`, and the peak
/// stays under 40 bytes per object (measured at 151.8 M objects, docs/scaling.md).
const OVERLAP_EXTRA_MAX: u64 = 512 << 20;

/// Bytes per read of the reader thread (3 in flight: `graph::feed_pass_ahead`).
const READ_AHEAD_BYTES: usize = 512 << 10;

/// The graph of `path` as `analyze` builds it, on the default threads: what `explore`, `query`
/// and `diff` start from (`heap_dump`: which dump of a file that holds several; the first if
/// none).
fn load_graph(
    path: &Path,
    sizes: SizeMode,
    heap_dump: Option<u32>,
    progress: &mut Progress,
) -> Result<HeapGraph, Failure> {
    let size = file_size(path)?;
    let threads = args::default_threads();
    let (g, _) = build_graph(path, size, sizes, heap_dump, threads, progress)?;
    Ok(g)
}

/// Reads the dump twice through the core's push builder (the same API the browser worker
/// uses), showing progress by bytes of the file as stored; with 2 `threads` the reads run on a
/// second thread ahead of the parser, and pass 2's String previews on another. Returns the graph and the instant the second pass started.
fn build_graph(
    path: &Path,
    size: u64,
    sizes: SizeMode,
    heap_dump: Option<u32>,
    threads: usize,
    progress: &mut Progress,
) -> Result<(HeapGraph, Stamp), Failure> {
    let io_err = |e: std::io::Error| Failure::io(format!("cannot read {}: {e}", path.display()));
    let parse_err = |e: ParseError| Failure::parse(format!("cannot parse {}: {e}", path.display()));
    let mut b = GraphBuilder::with_options(BuildOptions { sizes })
        .leaving_out_payloads()
        .with_threads(threads);
    if let Some(n) = heap_dump {
        b = b.with_dump(n);
    }
    // The reads' buffer (the reader thread has its own).
    let mut buf = if threads >= 2 {
        Vec::new()
    } else {
        vec![0u8; 1 << 20]
    };
    let mut t_linking = Stamp::now();
    loop {
        let label = match b.phase() {
            Phase::Indexing => "indexing",
            _ => {
                t_linking = Stamp::now();
                "linking"
            }
        };
        progress.bytes(label, 0, size);
        let mut file = std::fs::File::open(path).map_err(io_err)?;
        // Pass 2 seeks over the primitive-array contents it does not need.
        let fed = if threads >= 2 {
            feed_pass_ahead(&mut b, &mut file, size, READ_AHEAD_BYTES, |done| {
                progress.bytes(label, done, size)
            })
        } else {
            feed_pass(&mut b, &mut file, size, &mut buf, |done| {
                progress.bytes(label, done, size)
            })
        };
        fed.map_err(|e| match e {
            BuildError::Io(e) => io_err(e),
            BuildError::Parse(e) => parse_err(e),
        })?;
        if b.end_pass().map_err(parse_err)? == PassOutcome::Done {
            let g = b.into_graph().expect("the builder is done");
            return Ok((g, t_linking));
        }
    }
}

/// Writes the document to `path`, or to stdout. A closed pipe (`| head`) is not an error.
fn write_output(path: Option<&str>, bytes: &[u8]) -> Result<(), Failure> {
    match path {
        Some(p) if p != "-" => {
            std::fs::write(p, bytes).map_err(|e| Failure::io(format!("cannot write {p}: {e}")))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Failure::io(format!("cannot write to standard output: {e}"))),
            }
        }
    }
}

/// `s` with control and bidi characters written as `\u{…}`: for text the CLI prints itself
/// (messages naming the file, warnings) that could hold bytes from the dump or a hostile path.
fn terminal_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || needs_json_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

// ---- parse ---------------------------------------------------------------------------------

fn parse(dump: &str) -> ExitCode {
    let mut progress = Progress::new();
    let r = run_parse(dump, &mut progress);
    finish(&mut progress, r)
}

/// Parses only (no graph) and prints `key=value` lines: counts and throughput.
fn run_parse(dump: &str, progress: &mut Progress) -> Result<(), Failure> {
    let path = Path::new(dump);
    let size = file_size(path)?;
    let io_err = |e: std::io::Error| Failure::io(format!("cannot read {dump}: {e}"));
    let parse_err =
        |e: heaplens::hprof::ParseError| Failure::parse(format!("cannot parse {dump}: {e}"));
    let t = Instant::now();
    let mut file = std::fs::File::open(path).map_err(io_err)?;
    let mut buf = vec![0u8; 4 << 20];
    let mut v = heaplens::hprof::RecordCounts::default();
    let mut d = DumpDecoder::new();
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_err(e)),
        };
        d.feed(&buf[..n], &mut v).map_err(parse_err)?;
        progress.bytes("parsing", d.input_bytes(), size);
    }
    let gzip = d.is_gzip();
    let summary = d.finish(&mut v).map_err(parse_err)?;
    let wall = t.elapsed().as_secs_f64().max(1e-9);
    progress.clear();
    let objects = v.instances + v.object_arrays + v.primitive_arrays + v.classes;
    let mut o = String::new();
    o.push_str(&format!("file={}\n", terminal_safe(dump)));
    o.push_str(&format!("gzip={gzip}\n"));
    o.push_str(&format!("format={}\n", summary.header.version.as_str()));
    o.push_str(&format!("id_size={}\n", summary.header.id_size));
    o.push_str(&format!("input_bytes={size}\n"));
    o.push_str(&format!("decompressed_bytes={}\n", summary.bytes));
    o.push_str(&format!("records={}\n", v.records));
    o.push_str(&format!("heap_dump_records={}\n", v.heap_records));
    o.push_str(&format!("objects={objects}\n"));
    o.push_str(&format!("instances={}\n", v.instances));
    o.push_str(&format!("object_arrays={}\n", v.object_arrays));
    o.push_str(&format!("primitive_arrays={}\n", v.primitive_arrays));
    o.push_str(&format!("classes={}\n", v.classes));
    o.push_str(&format!("gc_roots={}\n", v.roots));
    o.push_str(&format!("array_elements={}\n", v.array_elements));
    o.push_str(&format!("warnings={}\n", summary.warnings.len()));
    o.push_str(&format!("wall_s={wall:.3}\n"));
    o.push_str(&format!("mb_s={:.1}\n", summary.bytes as f64 / wall / 1e6));
    for w in &summary.warnings {
        eprintln!("heaplens: warning: {}", terminal_safe(&w.to_string()));
    }
    write_output(None, o.as_bytes())
}
