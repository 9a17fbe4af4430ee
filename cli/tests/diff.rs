//! End-to-end tests of `heaplens diff` on the growth fixture (two dumps of one JVM).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("diff-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn heaplens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_heaplens"))
        .args(args)
        .output()
        .expect("run heaplens")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn diff_json_names_the_growing_holder() {
    let (a, b) = (
        fixture("growth_base.hprof.gz"),
        fixture("growth_new.hprof.gz"),
    );
    let o = heaplens(&["diff", &a, &b]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "",
        "no warning, no progress when not a terminal"
    );
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["schema"], 2);
    assert_eq!(j["baseline"]["source"], "growth_base.hprof.gz");
    assert_eq!(
        j["growth"][0]["holder"],
        "com.example.growth.GrowthApp$AuditTrail"
    );
    assert_eq!(j["growth"][0]["elements_delta"], 2000);
    assert_eq!(j["delta"]["threads"], 3);

    // The other order: a warning, and no growth (the leak shrank).
    let o = heaplens(&["diff", &b, &a]);
    assert!(o.status.success());
    assert!(stderr(&o).contains("is older than"), "{}", stderr(&o));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        j["growth"].as_array().unwrap().is_empty(),
        "{}",
        j["growth"]
    );
    assert!(j["warnings"][0].as_str().unwrap().contains("older"));
}

#[test]
fn diff_markdown_and_html_files() {
    let (a, b) = (
        fixture("growth_base.hprof.gz"),
        fixture("growth_new.hprof.gz"),
    );
    for (fmt, name, marker) in [
        ("md", "d.md", "# Heap dump comparison"),
        ("html", "d.html", "<h1>Heap dump comparison</h1>"),
    ] {
        let out = tmp(name);
        let o = heaplens(&[
            "diff",
            &a,
            &b,
            "--format",
            fmt,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains(marker), "{fmt}");
        assert!(text.contains("AuditTrail.pending"), "{fmt}");
        assert!(text.contains("ingest-worker-"), "{fmt}");
    }
}

#[test]
fn diff_errors() {
    let a = fixture("growth_base.hprof.gz");
    let o = heaplens(&["diff", &a]);
    assert_eq!(o.status.code(), Some(2));
    let o = heaplens(&["diff", &a, "/nonexistent/x.hprof"]);
    assert_eq!(o.status.code(), Some(1));
    let bad = tmp("bad.hprof");
    std::fs::write(&bad, b"not a heap dump at all").unwrap();
    let o = heaplens(&["diff", bad.to_str().unwrap(), &a]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
