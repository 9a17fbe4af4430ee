use super::*;
use crate::graph::{build_from_bytes, Dominance};
use crate::hprof::writer::{BasicType, HeapBuilder, RootKind, Value, WriteOptions};

/// A hostile class name as the dump spells it, and as the report shows it (Java source form
/// turns `/` into `.`).
const EVIL_JVM: &str = "<script>alert(1)</script>";
const EVIL: &str = "<script>alert(1)<.script>";

/// A holder class with a hostile name, rooted by a JNI global, holding 10 byte[1000] through an
/// Object[]; plus a little garbage.
fn evil_dump() -> Vec<u8> {
    let mut b = HeapBuilder::new(8);
    let obj = b.object_class();
    let holder_class = b.class(EVIL_JVM, Some(obj), &[("items", BasicType::Object)], &[]);
    let odd = b.class("we|rd`name*_[x](y)", Some(obj), &[], &[]);
    let arr_class = b.array_class("java/lang/Object");
    let payloads: Vec<_> = (0..10)
        .map(|_| Some(b.prim_array(BasicType::Byte, &[7u8; 1000])))
        .collect();
    let items = b.obj_array(arr_class, &payloads);
    let holder = b.instance(holder_class, &[("items", Value::from(items))]);
    b.root(holder, RootKind::JniGlobal { jni_ref_id: 1 });
    let o = b.instance(odd, &[]);
    b.root(o, RootKind::JniGlobal { jni_ref_id: 2 });
    b.prim_array(BasicType::Int, &[0u8; 40]); // unreachable
    b.write(&WriteOptions::default())
}

fn evil_report() -> Report {
    let g = build_from_bytes(&evil_dump()).unwrap();
    let d = Dominance::compute(&g);
    let opts = ReportOptions {
        source: Some(Source {
            name: "a<b>.hprof".into(),
            file_bytes: Some(1234),
        }),
        ..Default::default()
    };
    build_report(&g, &d, &opts)
}

#[test]
fn builds_and_serializes_the_documented_shape() {
    let r = evil_report();
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["schema"], 3);
    assert_eq!(v["tool"]["name"], "heaplens");
    assert_eq!(v["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["source"]["name"], "a<b>.hprof");
    for key in [
        "id_size",
        "objects_total",
        "objects_reachable",
        "objects_unreachable",
        "classes",
        "gc_roots",
        "threads",
        "heap_shallow_total",
        "heap_reachable",
        "heap_unreachable",
        "warnings",
        "format",
        "timestamp_ms",
        "dump_bytes",
        "roots_by_kind",
        "compressed_oops",
        "alignment",
        "size_rule",
    ] {
        assert!(v["summary"].get(key).is_some(), "summary.{key} missing");
    }
    let top = &v["dominators"][0];
    assert_eq!(top["class"], EVIL);
    assert!(top["object_id"].as_str().unwrap().starts_with("0x"));
    // holder + Object[10] + 10 × byte[1000] + the two array classes (only these objects refer
    // to them; array classes are not system-class roots).
    assert_eq!(top["retained_objects"], 14);
    let row = v["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["class"] == "byte[]")
        .unwrap();
    assert_eq!(row["instances"], 10);
    assert_eq!(v["unreachable_histogram"][0]["class"], "int[]");
    assert_eq!(v["unreachable_histogram"][0]["instances"], 1);
    // Histogram and summary agree.
    let shallow: u64 = r.histogram.iter().map(|h| h.shallow).sum();
    assert_eq!(shallow, r.summary.heap_reachable);
    assert!(r.histogram.iter().all(|h| h.retained >= h.shallow));
    assert!(r
        .histogram
        .windows(2)
        .all(|w| w[0].retained >= w[1].retained));
}

#[test]
fn html_escapes_dump_text() {
    let r = evil_report();
    assert_eq!(
        r.histogram.iter().filter(|h| h.class == EVIL).count(),
        1,
        "the class name survives as is"
    );
    let html = to_html(&r);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<script>alert"),
        "dump text reached the HTML unescaped"
    );
    assert!(!html.contains("a<b>"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;.script&gt;"));
    assert!(html.contains("a&lt;b&gt;.hprof"));
    // Exactly one script element: ours.
    assert_eq!(html.matches("<script").count(), 1);
    // Self-contained: nothing fetched.
    assert!(!html.contains("src=") && !html.contains("<link") && !html.contains("@import"));
    assert!(html.contains("prefers-color-scheme"));
    assert!(html.contains("@media print"));
    // Sizes: human text, exact bytes in the title.
    let top = &r.dominators[0];
    assert!(html.contains(&format!(
        "title=\"{} bytes\">{}</td>",
        format_count(top.retained),
        format_bytes(top.retained)
    )));
}

#[test]
fn markdown_neutralises_dump_text() {
    let r = evil_report();
    let md = to_markdown(&r);
    // Class names are code spans: shown literally, never parsed as HTML.
    assert!(md.contains(&format!("`{EVIL}`")));
    assert!(md.contains("# Heap dump report: `a<b>.hprof`"));
    // A `|` inside a table cell is escaped; a backtick widens the fence.
    assert!(md.contains("``we\\|rd`name*_[x](y)``"), "{md}");
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cols = line.matches(" | ").count();
        let header_cols = md
            .lines()
            .find(|l| l.starts_with("| #"))
            .unwrap()
            .matches(" | ")
            .count();
        assert!(cols <= header_cols + 1, "broken table row: {line}");
    }
}

#[test]
fn markdown_escapes() {
    use super::markdown::{code, para, text};
    assert_eq!(
        text("a*b_c <x> [l](u) |"),
        "a\\*b\\_c \\<x\\> \\[l\\](u) \\|"
    );
    assert_eq!(text("two\nlines"), "two lines");
    assert_eq!(para("# not a heading #"), "\\# not a heading #");
    assert_eq!(para("1. not a list"), "&#49;. not a list");
    assert_eq!(text("# ok inside a line"), "# ok inside a line");
    assert_eq!(code("java.lang.String"), "`java.lang.String`");
    assert_eq!(code("a`b"), "``a`b``");
    assert_eq!(code("`x"), "`` `x ``");
    assert_eq!(code("a|b"), "`a\\|b`");
    assert_eq!(code(""), "");
}

#[test]
fn empty_tables_say_so() {
    let mut r = evil_report();
    r.unreachable_histogram.clear();
    let md = to_markdown(&r);
    assert!(md.contains("No unreachable objects."));
    let html = to_html(&r);
    assert!(html.contains("No unreachable objects."));
}

#[test]
fn long_tables_are_cut_with_a_note() {
    let mut r = evil_report();
    let row = r.histogram[0].clone();
    r.histogram = vec![row; 60];
    let md = to_markdown(&r);
    assert!(md.contains("Showing the first 50 of 60 rows"));
    assert!(!to_html(&r).contains("Showing the first"));
}
