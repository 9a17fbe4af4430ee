//! End-to-end tests of `heaplens explore` (the investigation views) and `heaplens query
//! --dump N` on real dumps.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}

fn heaplens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heaplens"))
        .args(args)
        .output()
        .expect("run heaplens")
}

fn json(args: &[&str]) -> Value {
    let o = heaplens(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

#[test]
fn views_on_the_retry_buffer() {
    let f = fixture("retry_buffer.hprof.gz");
    let f = f.to_str().unwrap();
    // What the 2,000 batches keep alive: the facts' 2,000 × 4,200 bytes.
    let v = json(&[
        "explore",
        f,
        "retained-set",
        "com.example.retry.ResultBatch",
        "--limit",
        "2",
    ]);
    assert_eq!(v["view"], "retained-set");
    assert_eq!(v["bytes"], 8_400_000);
    assert_eq!(v["total"], 3);
    assert_eq!(v["rows"].as_array().unwrap().len(), 2);
    assert_eq!(v["rows"][0]["class"], "byte[]");
    // Their ids' immediate dominators, past the JDK: the batches.
    let v = json(&[
        "explore",
        f,
        "immediate-dominators",
        "SELECT b.id FROM com.example.retry.ResultBatch b",
    ]);
    assert_eq!(v["selected"], 2000);
    assert_eq!(v["rows"][0]["class"], "com.example.retry.ResultBatch");
    assert_eq!(v["rows"][0]["dominated"], 2000);
    // The list's contents, second page.
    let v = json(&[
        "explore",
        f,
        "contents",
        "SELECT p.pendingBatches FROM com.example.retry.RetryingPublisher p",
        "--offset",
        "10",
        "--limit",
        "3",
    ]);
    assert_eq!(v["page"]["total"], 2000);
    assert_eq!(v["page"]["rows"][0]["index"], 10);
    assert_eq!(
        v["page"]["rows"][0]["value"]["class"],
        "com.example.retry.ResultBatch"
    );
    // Markdown and CSV tables of the same views.
    let o = heaplens(&[
        "explore",
        f,
        "merged-paths",
        "com.example.retry.ResultBatch",
        "--format",
        "md",
    ]);
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(
        md.contains("| pendingBatches | java.util.ArrayList |"),
        "{md}"
    );
    let o = heaplens(&[
        "explore",
        f,
        "group-by-value",
        "java.lang.Boolean",
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(
        csv.starts_with("Value,Objects,Shallow,Bytes,Wasted,Avg retained,First object\r\n"),
        "{csv}"
    );
    // Errors: a view that takes one object, an unknown class, a bad address.
    for bad in [
        ["explore", f, "paths", "com.example.retry.ResultBatch"],
        ["explore", f, "retained-set", "no.such.Class"],
        ["explore", f, "object", "0xnothex"],
    ] {
        let o = heaplens(&bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(!o.stderr.is_empty());
    }
}

#[test]
fn find_an_object_and_its_paths() {
    let f = fixture("queue_backlog.hprof.gz");
    let f = f.to_str().unwrap();
    let q = json(&[
        "query",
        f,
        "SELECT s.m_queue FROM com.example.monitor.TcpSocketSender s",
    ]);
    let queue = q["rows"][0][0]["object"].as_str().unwrap().to_string();
    let v = json(&["explore", f, "object", &queue]);
    assert_eq!(v["class"], "java.util.concurrent.ArrayBlockingQueue");
    assert_eq!(v["reachable"], true);
    let v = json(&["explore", f, "paths", &queue, "--limit", "2"]);
    assert_eq!(v["paths"].as_array().unwrap().len(), 2);
    assert!(v["total"].as_u64().unwrap() >= 2);
    let last = v["paths"][0]["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["object_id"], queue.as_str());
    assert_eq!(last["field"], "m_queue");
}

#[test]
fn query_reads_the_heap_dump_asked_for() {
    // The JDK 7 hprof agent wrote two heap dumps into this file (MAT's MultipleSnapshots).
    let f = fixture("outside/mat/oracle_jdk7_21_hprofagent.hprof.gz");
    let f = f.to_str().unwrap();
    let count = |dump: &str| -> u64 {
        let v = json(&[
            "query",
            f,
            "SELECT * FROM java.lang.String",
            "--limit",
            "0",
            "--dump",
            dump,
        ]);
        v["total"].as_u64().unwrap()
    };
    let (one, two) = (count("1"), count("2"));
    assert!(one > 0 && two > 0);
    assert_ne!(one, two, "two different dumps");
    let o = heaplens(&["query", f, "SELECT * FROM java.lang.String", "--dump", "3"]);
    assert_eq!(o.status.code(), Some(2));
}
