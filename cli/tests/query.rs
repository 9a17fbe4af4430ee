//! End-to-end tests of `heaplens query` on real dumps (raw and gzip), in its three formats.

use serde_json::Value;
use std::io::Read;
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

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

const BATCHES: &str = "SELECT toString(b.id), b.payload.@length FROM com.example.retry.ResultBatch b WHERE b.sequence <= 3";

#[test]
fn json_rows_and_total_from_gzip_and_raw() {
    let gz = fixture("retry_buffer.hprof.gz");
    // The same dump uncompressed: fields are then read with seeks instead of inflating.
    let raw =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("q-{}.hprof", std::process::id()));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    std::fs::write(&raw, bytes).unwrap();
    for path in [&gz, &raw] {
        let o = heaplens(&["query", path.to_str().unwrap(), BATCHES, "--limit", "2"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert_eq!(
            v["columns"],
            serde_json::json!(["toString(b.id)", "b.payload.@length"])
        );
        assert_eq!(v["total"], 3);
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        for row in rows {
            assert!(row[0].as_str().unwrap().starts_with("batch-00000"));
            assert_eq!(row[1], 4096);
        }
    }
    let _ = std::fs::remove_file(raw);
}

#[test]
fn csv_markdown_and_object_cells() {
    let p = fixture("retry_buffer.hprof.gz");
    let p = p.to_str().unwrap();
    let o = heaplens(&["query", p, BATCHES, "--format", "csv"]);
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "toString(b.id),b.payload.@length");
    assert_eq!(lines.len(), 4);
    let o = heaplens(&["query", p, BATCHES, "--format", "md", "--limit", "1"]);
    let text = stdout(&o);
    assert!(
        text.starts_with("| toString(b.id) | b.payload.@length |\n| --- | --- |\n| batch-00000"),
        "{text}"
    );
    assert!(text.ends_with("1 of 3 rows\n"), "{text}");
    let o = heaplens(&[
        "query",
        p,
        "SELECT * FROM com.example.retry.RetryingPublisher",
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let cell = &v["rows"][0][0];
    assert_eq!(cell["class"], "com.example.retry.RetryingPublisher");
    assert!(cell["object"].as_str().unwrap().starts_with("0x"));
}

#[test]
fn a_bad_query_is_reported_with_its_position_before_reading_the_dump() {
    let o = heaplens(&[
        "query",
        "/nonexistent.hprof",
        "SELECT * FORM java.lang.String",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("query error at 9: expected FROM"), "{err}");
    assert!(err.contains("\n           ^"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}
