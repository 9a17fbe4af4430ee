//! `heaplens analyze` reports memory beyond the heap (issue 19): the JSON's `process_memory`
//! equals what the fixture programs allocated, and the Markdown shows the section and the
//! overview's verdict.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}

fn analyze(name: &str, format: &str) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_heaplens"))
        .args([
            "analyze",
            fixture(name).to_str().unwrap(),
            "--format",
            format,
        ])
        .output()
        .expect("run heaplens");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn facts(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixture(&format!("{name}.facts.json"))).unwrap()).unwrap()
}

#[test]
fn direct_buffers_in_the_json() {
    let r: Value = serde_json::from_str(&analyze("direct_memory.hprof.gz", "json")).unwrap();
    let f = facts("direct_memory");
    let b = &r["process_memory"]["buffers"];
    assert_eq!(b["direct"]["capacity"], f["direct_total_capacity"]);
    assert_eq!(b["direct"]["count"], f["direct_count"]);
    assert_eq!(b["counters"]["total_capacity"], f["direct_total_capacity"]);
    let pool = b["holders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["holder"] == f["pool_holder"])
        .expect("the pool");
    assert_eq!(pool["capacity"], f["pool_capacity"]);
    assert_eq!(pool["count"], f["pool_buffers"]);
    assert_eq!(pool["kind"], "direct");
    assert_eq!(b["mapped"]["capacity"], f["mapped_bytes"]);
    assert!(r["process_memory"]["verdict"]
        .as_str()
        .unwrap()
        .contains("com.example.offheap.ChunkPool"));
}

#[test]
fn thread_stacks_in_the_json_and_markdown() {
    let r: Value = serde_json::from_str(&analyze("thread_stacks.hprof.gz", "json")).unwrap();
    let f = facts("thread_stacks");
    let t = &r["process_memory"]["thread_stacks"];
    assert_eq!(t["live_threads"], f["threads_total"]);
    assert_eq!(t["stack_size"], f["xss_bytes"]);
    assert_eq!(t["stack_size_from_arguments"], true);
    let groups = t["groups"].as_array().unwrap();
    assert_eq!(groups[0]["pattern"], "http-nio-8080-exec-*");
    assert_eq!(
        groups[0]["threads"],
        f["thread_groups"]["http-nio-8080-exec-*"]
    );
    assert_eq!(groups[1]["threads"], f["thread_groups"]["scheduler-*"]);
    assert_eq!(
        t["reserved"].as_u64().unwrap(),
        f["threads_total"].as_u64().unwrap() * f["xss_bytes"].as_u64().unwrap()
    );
    let md = analyze("thread_stacks.hprof.gz", "md");
    assert!(md.contains("Beyond the heap (see Process memory): 3,006 live threads"));
    assert!(md.contains("## Process memory (beyond the heap)"));
    assert!(md.contains("| threads | Stack size per thread | fact |"));
}
