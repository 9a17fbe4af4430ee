//! `heaplens diff BASELINE NEW`: compares two dumps (see `heaplens::compare`).
//!
//! The dumps are analysed one after the other and each is reduced to its digest before the
//! next is read, so the peak memory is that of the bigger dump alone, not of both.

use super::{load_graph, write_output, Failure};
use crate::args::Format;
use crate::clock::peak_rss_bytes;
use crate::flags::{Arg, Flags};
use crate::progress::Progress;
use heaplens::analysis::{histogram, PathFinder, PathOptions};
use heaplens::compare::{compare, digest_from, Digest};
use heaplens::graph::{Dominance, SizeMode};
use heaplens::report::{diff_to_html, diff_to_markdown, format_bytes, to_json};
use std::path::Path;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffArgs {
    pub baseline: String,
    pub new: String,
    pub format: Format,
    pub output: Option<String>,
    pub stats: bool,
    pub sizes: SizeMode,
}

/// Parses the arguments after `diff`.
pub fn parse_args(rest: &[String]) -> Result<DiffArgs, String> {
    let mut dumps: Vec<String> = Vec::new();
    let mut format = Format::Json;
    let mut output = None;
    let mut stats = false;
    let mut sizes = SizeMode::default();
    let mut flags = Flags::new("diff", rest);
    while let Some(arg) = flags.next_arg() {
        match arg {
            Arg::Option(n @ ("-f" | "--format")) => format = crate::args::format(&mut flags, n)?,
            Arg::Option(n @ ("-o" | "--output")) => {
                output = Some(flags.value(n, "a file name")?.to_string())
            }
            Arg::Option("--stats") => stats = true,
            Arg::Option(n @ "--sizes") => sizes = flags.sizes(n)?,
            Arg::Option(other) => return Err(flags.unknown(other)),
            Arg::Positional(d) => dumps.push(d.to_string()),
        }
    }
    match <[String; 2]>::try_from(dumps) {
        Ok([baseline, new]) => Ok(DiffArgs {
            baseline,
            new,
            format,
            output,
            stats,
            sizes,
        }),
        Err(d) if d.len() < 2 => Err("diff: needs two dumps, BASELINE and NEW".into()),
        Err(_) => Err("diff: more than two dumps".into()),
    }
}

/// Times of one side.
struct SideTimes {
    build: f64,
    dominators: f64,
    /// The digest's parts: the class histogram, the strong paths (one breadth-first search),
    /// the rest (keys of the big objects, summary, groups).
    histogram: f64,
    paths: f64,
    digest: f64,
}

fn side(
    path: &str,
    sizes: SizeMode,
    progress: &mut Progress,
) -> Result<(Digest, SideTimes), Failure> {
    let p = Path::new(path);
    let t0 = Instant::now();
    // The first heap dump of a file that holds several (as `analyze` without `--dump`).
    let g = load_graph(p, sizes, None, progress)?;
    let t1 = Instant::now();
    progress.phase("dominators");
    let d = Dominance::compute(&g);
    let t2 = Instant::now();
    progress.phase("class histogram");
    let h = histogram(&g, &d);
    let t3 = Instant::now();
    progress.phase("paths");
    let paths = PathFinder::new(&g, PathOptions::default());
    let t4 = Instant::now();
    progress.phase("digest");
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    let dg = digest_from(&g, &d, &h, &paths, Some(name));
    let t5 = Instant::now();
    let secs = |a: Instant, b: Instant| b.duration_since(a).as_secs_f64();
    Ok((
        dg,
        SideTimes {
            build: secs(t0, t1),
            dominators: secs(t1, t2),
            histogram: secs(t2, t3),
            paths: secs(t3, t4),
            digest: secs(t4, t5),
        },
    ))
}

pub fn run(a: &DiffArgs, progress: &mut Progress) -> Result<(), Failure> {
    let t0 = Instant::now();
    let (base, tb) = side(&a.baseline, a.sizes, progress)?;
    let (new, tn) = side(&a.new, a.sizes, progress)?;
    let t1 = Instant::now();
    progress.phase("comparing");
    let diff = compare(&base, &new);
    let t2 = Instant::now();
    progress.clear();
    if new.summary.timestamp_ms < base.summary.timestamp_ms {
        eprintln!(
            "heaplens: warning: {} is older than {} (dump timestamps); comparing in the order given",
            a.new, a.baseline
        );
    }
    let mut doc = match a.format {
        Format::Json => to_json(&diff),
        Format::Markdown => diff_to_markdown(&diff),
        Format::Html => diff_to_html(&diff),
    };
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    write_output(a.output.as_deref(), doc.as_bytes())?;
    if a.stats {
        let secs = |x: Instant, y: Instant| y.duration_since(x).as_secs_f64();
        let mut s = String::from("heaplens diff stats\n");
        for (label, t) in [("baseline", &tb), ("new", &tn)] {
            s.push_str(&format!(
                "  {label:<9} build {:>8.3} s  dominators {:>8.3} s  histogram {:>8.3} s  paths {:>8.3} s  keys {:>8.3} s\n",
                t.build, t.dominators, t.histogram, t.paths, t.digest
            ));
        }
        s.push_str(&format!("  compare   {:>8.3} s\n", secs(t1, t2)));
        s.push_str(&format!(
            "  total     {:>8.3} s\n",
            secs(t0, Instant::now())
        ));
        s.push_str(&format!(
            "  keyed     {} + {} objects\n",
            base.keyed.len(),
            new.keyed.len()
        ));
        if let Some(b) = peak_rss_bytes() {
            s.push_str(&format!("  peak RSS  {}\n", format_bytes(b)));
        }
        eprint!("{s}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<DiffArgs, String> {
        parse_args(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments() {
        let a = p(&["a.hprof", "b.hprof"]).unwrap();
        assert_eq!(
            (a.baseline.as_str(), a.new.as_str()),
            ("a.hprof", "b.hprof")
        );
        assert_eq!(a.format, Format::Json);
        let a = p(&["--format=md", "a", "-o", "x.md", "b", "--stats"]).unwrap();
        assert_eq!(a.format, Format::Markdown);
        assert_eq!(a.output.as_deref(), Some("x.md"));
        assert!(a.stats);
        assert_eq!(a.sizes, SizeMode::default());
        assert_eq!(p(&["a", "b", "--sizes=mat"]).unwrap().sizes, SizeMode::Mat);
        assert!(p(&["a", "b", "--sizes", "x"]).is_err());
        assert!(p(&["a"]).is_err());
        assert!(p(&["a", "b", "c"]).is_err());
        assert!(p(&["a", "b", "--format", "pdf"]).is_err());
        assert!(p(&["a", "b", "--top", "3"]).is_err());
    }
}
