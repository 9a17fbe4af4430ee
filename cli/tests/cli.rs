//! End-to-end tests of the `heaplens` binary on real dumps.

use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}

fn tmp(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn heaplens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heaplens"))
        .args(args)
        .output()
        .expect("run heaplens")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn analyze_json(path: &Path) -> Value {
    let o = heaplens(&["analyze", path.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "exit {:?}: {}", o.status, stderr(&o));
    // Not a terminal: no progress output at all.
    assert_eq!(
        stderr(&o),
        "",
        "stderr must stay quiet when it is not a terminal"
    );
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON document")
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("not an unsigned integer: {v}"))
}

fn sum(rows: &Value, key: &str) -> u64 {
    rows.as_array().unwrap().iter().map(|r| u(&r[key])).sum()
}

/// Checks that hold for every report.
fn check_invariants(r: &Value) {
    assert_eq!(r["schema"], 3);
    assert_eq!(r["tool"]["name"], "heaplens");
    let s = &r["summary"];
    let h = &r["histogram"];
    let uh = &r["unreachable_histogram"];
    assert_eq!(
        u(&s["objects_total"]),
        u(&s["objects_reachable"]) + u(&s["objects_unreachable"])
    );
    assert_eq!(sum(h, "instances"), u(&s["objects_reachable"]));
    assert_eq!(sum(uh, "instances"), u(&s["objects_unreachable"]));
    assert_eq!(
        sum(h, "shallow"),
        u(&s["heap_shallow_total"]) - sum(uh, "shallow")
    );
    assert_eq!(sum(h, "shallow"), u(&s["heap_reachable"]));
    assert_eq!(sum(uh, "shallow"), u(&s["heap_unreachable"]));
    for row in h.as_array().unwrap() {
        assert!(
            u(&row["retained"]) >= u(&row["shallow"]),
            "retained < shallow: {row}"
        );
        assert!(u(&row["retained"]) <= u(&s["heap_reachable"]), "{row}");
    }
    let rows = h.as_array().unwrap();
    assert!(
        rows.windows(2)
            .all(|w| u(&w[0]["retained"]) >= u(&w[1]["retained"])),
        "histogram sorted by retained"
    );
    let doms = r["dominators"].as_array().unwrap();
    assert!(!doms.is_empty() && doms.len() <= 100);
    assert!(doms
        .windows(2)
        .all(|w| u(&w[0]["retained"]) >= u(&w[1]["retained"])));
    for d in doms {
        assert!(d["object_id"].as_str().unwrap().starts_with("0x"));
        assert!(u(&d["retained"]) >= u(&d["shallow"]));
        assert!(u(&d["retained_objects"]) >= 1);
    }
    assert!(sum(&r["dominators"], "retained") <= u(&s["heap_reachable"]));
}

#[test]
fn queue_backlog_json() {
    let facts: Value =
        serde_json::from_slice(&std::fs::read(fixture("queue_backlog.facts.json")).unwrap())
            .unwrap();
    let r = analyze_json(&fixture("queue_backlog.hprof.gz"));
    check_invariants(&r);
    // Schema 2: the leak suspect and its story.
    assert_eq!(r["suspects"][0]["pattern"], "queue backlog");
    assert!(r["suspects"][0]["explanation"]
        .as_str()
        .unwrap()
        .contains("84,000"));
    assert_eq!(
        r["suspects"][0]["holder"]["class"],
        "com.example.monitor.TcpSocketSender"
    );
    let s = &r["summary"];
    assert_eq!(s["format"], "JAVA PROFILE 1.0.2");
    assert_eq!(s["id_size"], 8);
    assert_eq!(s["compressed_oops"], true);
    assert_eq!(s["alignment"], 8);
    assert_eq!(s["warnings"].as_array().unwrap().len(), 0);
    assert!(u(&s["threads"]) >= 2);
    assert_eq!(r["source"]["name"], "queue_backlog.hprof.gz");

    let top = &r["dominators"][0];
    assert_eq!(top["class"], facts["sender_class"]);
    assert!(
        u(&top["retained"]) >= u(&facts["sizes"]["queue_retained_at_least"]),
        "{top}"
    );
    // The sender retains the 84,000 messages: String + byte[] each, plus the items array.
    assert!(u(&top["retained_objects"]) > 2 * u(&facts["queue_messages"]));

    let rows = r["histogram"].as_array().unwrap();
    let string = rows
        .iter()
        .find(|row| row["class"] == "java.lang.String")
        .expect("java.lang.String row");
    assert!(u(&string["instances"]) >= 84_000, "{string}");
    let bytes = rows
        .iter()
        .find(|row| row["class"] == "byte[]")
        .expect("byte[] row");
    assert!(u(&bytes["shallow"]) >= 84_000 * u(&facts["sizes"]["message_bytes_array_shallow"]));
    assert!(rows
        .iter()
        .any(|row| row["class"] == "java.util.concurrent.ArrayBlockingQueue"));
    // Class objects are listed as `class X` among the dominators, and as java.lang.Class rows.
    assert!(r["dominators"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["class"].as_str().unwrap().starts_with("class ")));
    assert!(rows.iter().any(|row| row["class"] == "java.lang.Class"));
}

#[test]
fn jdk8_jhat_32bit_json() {
    // Counts from tests/fixtures/outside/README.md: 2,926 objects = 1,293 instances + 423 object
    // arrays + 849 primitive arrays + 361 classes.
    let r = analyze_json(&fixture("outside/jdk8-jhat-32bit.hprof.gz"));
    check_invariants(&r);
    let s = &r["summary"];
    assert_eq!(u(&s["objects_total"]), 2926);
    assert_eq!(s["format"], "JAVA PROFILE 1.0.1");
    assert_eq!(s["id_size"], 4);
    assert_eq!(u(&s["classes"]), 361);
    assert_eq!(s["compressed_oops"], false);
    let roots: u64 = s["roots_by_kind"]
        .as_object()
        .unwrap()
        .values()
        .map(u)
        .sum();
    // Distinct root objects per kind (tests/roots_by_kind.rs checks them against the records):
    // at most one per record of the 862; its 395 JNI Global records name 361 objects.
    assert!(roots + u(&s["dangling_roots"]) <= 862, "root objects");
    assert_eq!(u(&s["roots_by_kind"]["JNI Global"]), 361);

    // The same counts from the histograms (reachable + unreachable rows).
    let mut classes = 0;
    let mut prim_arrays = 0;
    let mut obj_arrays = 0;
    let mut instances = 0;
    for rows in [&r["histogram"], &r["unreachable_histogram"]] {
        for row in rows.as_array().unwrap() {
            let name = row["class"].as_str().unwrap();
            let n = u(&row["instances"]);
            let prims = [
                "boolean[]",
                "char[]",
                "float[]",
                "double[]",
                "byte[]",
                "short[]",
                "int[]",
                "long[]",
            ];
            if name == "java.lang.Class" {
                classes += n;
            } else if prims.contains(&name) {
                prim_arrays += n;
            } else if name.ends_with("[]") {
                obj_arrays += n;
            } else {
                instances += n;
            }
        }
    }
    // `java.lang.Class` rows hold the 361 class objects, but this JDK 8 dump also has 10 INSTANCE
    // DUMPs of class java.lang.Class, so only the sum of both is fixed.
    assert_eq!(
        (instances + classes, obj_arrays, prim_arrays),
        (1293 + 361, 423, 849)
    );
    assert!(classes >= 361);
}

#[test]
fn markdown_and_html() {
    let dump = fixture("queue_backlog.hprof.gz");
    let md = heaplens(&["analyze", dump.to_str().unwrap(), "--format", "md"]);
    assert!(md.status.success(), "{}", stderr(&md));
    let md = stdout(&md);
    assert!(md.starts_with("# Heap dump report"));
    assert!(md.contains("`com.example.monitor.TcpSocketSender`"));
    assert!(md.contains("| `java.lang.String` |"));

    let out = tmp("queue_backlog.html");
    let html = heaplens(&[
        "analyze",
        dump.to_str().unwrap(),
        "--format=html",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(html.status.success(), "{}", stderr(&html));
    assert!(html.stdout.is_empty(), "--output keeps stdout empty");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("com.example.monitor.TcpSocketSender"));
    assert!(html.contains("java.util.concurrent.ArrayBlockingQueue"));
    assert!(
        !html.contains("<link") && !html.contains(" src="),
        "self-contained"
    );
    let _ = std::fs::remove_file(&out);
}

#[test]
fn truncated_dump_is_a_warning() {
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(
        std::fs::File::open(fixture("queue_backlog.hprof.gz")).unwrap(),
    )
    .read_to_end(&mut raw)
    .unwrap();
    let cut = tmp("queue_backlog-60pct.hprof");
    std::fs::write(&cut, &raw[..raw.len() * 6 / 10]).unwrap();
    let r = analyze_json(&cut);
    check_invariants(&r);
    let warnings = r["summary"]["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("truncated")),
        "no truncation warning in {warnings:?}"
    );
    assert!(u(&r["summary"]["objects_total"]) > 1000);
    assert_eq!(u(&r["summary"]["dump_bytes"]), (raw.len() * 6 / 10) as u64);
    // The Markdown shows the warning too.
    let md = heaplens(&["analyze", cut.to_str().unwrap(), "-f", "md"]);
    assert!(md.status.success());
    assert!(stdout(&md).contains("**Warning:** the dump is truncated"));
    let _ = std::fs::remove_file(&cut);
}

#[test]
fn not_hprof_exits_2_naming_byte_0() {
    let bad = tmp("not-a-dump.txt");
    std::fs::write(&bad, "hello, this is not a heap dump\n").unwrap();
    for cmd in ["analyze", "parse"] {
        let o = heaplens(&[cmd, bad.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        assert!(o.stdout.is_empty());
        let err = stderr(&o);
        assert!(err.contains("byte 0"), "{err}");
        assert!(err.contains("not an HPROF heap dump"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
}

#[test]
fn io_errors_exit_1_and_usage_errors_2() {
    let o = heaplens(&["analyze", "/nonexistent/dump.hprof"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/dump.hprof"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        heaplens(&["analyze", dir.to_str().unwrap()]).status.code(),
        Some(1)
    );
    let dump = fixture("outside/jdk8-jhat-32bit.hprof.gz");
    let o = heaplens(&[
        "analyze",
        dump.to_str().unwrap(),
        "-o",
        "/nonexistent/dir/out.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    for args in [
        &["analyze"][..],
        &["analyze", "x", "--format", "pdf"],
        &["frobnicate"],
        &[],
    ] {
        let o = heaplens(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn help_version_parse_and_stats() {
    let o = heaplens(&["--help"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("heaplens analyze DUMP"));
    let o = heaplens(&["--version"]);
    assert_eq!(
        stdout(&o).trim(),
        format!("heaplens {}", env!("CARGO_PKG_VERSION"))
    );

    let dump = fixture("outside/jdk8-jhat-32bit.hprof.gz");
    let o = heaplens(&["parse", dump.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for line in [
        "objects=2926",
        "instances=1293",
        "object_arrays=423",
        "primitive_arrays=849",
        "classes=361",
        "gc_roots=862",
        "gzip=true",
        "id_size=4",
    ] {
        assert!(out.lines().any(|l| l == line), "missing {line} in\n{out}");
    }
    assert!(out.lines().any(|l| l.starts_with("mb_s=")));
    assert!(out.lines().any(|l| l.starts_with("records=")));

    let o = heaplens(&["analyze", dump.to_str().unwrap(), "--stats", "--top", "3"]);
    assert!(o.status.success());
    let r: Value = serde_json::from_slice(&o.stdout).expect("stats never reach stdout");
    assert_eq!(r["dominators"].as_array().unwrap().len(), 3);
    let err = stderr(&o);
    for key in [
        "indexing",
        "linking",
        "dominators",
        "analyses",
        "bytes/object",
        "peak RSS",
        "pages",
    ] {
        assert!(err.contains(key), "--stats lacks {key}: {err}");
    }
}

/// `--sizes`: the JVM's sizes by default (total within 1% of the JVM's own histogram, written
/// next to the dump), Eclipse MAT's rule with `--sizes mat`; the report says which.
#[test]
fn size_rules() {
    let dump = fixture("thread_explosion.hprof.gz");
    let histo = std::fs::read_to_string(fixture("thread_explosion.histo.txt")).unwrap();
    let jvm_total: u64 = histo
        .lines()
        .find_map(|l| {
            l.strip_prefix("Total")?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .expect("Total line");
    let jvm = analyze_json(&dump);
    assert_eq!(jvm["summary"]["size_rule"], "jvm");
    let total = u(&jvm["summary"]["heap_shallow_total"]);
    assert!(
        total.abs_diff(jvm_total) * 100 <= jvm_total,
        "{total} vs {jvm_total}"
    );

    let o = heaplens(&["analyze", dump.to_str().unwrap(), "--sizes", "mat"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mat: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(mat["summary"]["size_rule"], "mat");
    // MAT's rule misses the JDK's @Contended padding and injected fields of 2,307 threads.
    assert!(u(&mat["summary"]["heap_shallow_total"]) * 10 < total * 9);

    let o = heaplens(&["analyze", dump.to_str().unwrap(), "--sizes", "hotspot"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
