use super::html::REPORT_CSP;
use super::*;
use crate::graph::{build_from_bytes, Dominance};
use heaplens_hprof_writer::{BasicType, HeapBuilder, RootKind, Value, WriteOptions};

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
    assert_eq!(para("1. not a list"), "1\\. not a list");
    assert_eq!(para("12) not a list"), "12\\) not a list");
    // Issue 11 (12a): a count at the start of a line stays a count, not `&#51;632`.
    assert_eq!(
        para("3632 object records repeat an id"),
        "3632 object records repeat an id"
    );
    assert_eq!(para("3,632 objects"), "3,632 objects");
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

// ---- Hostile dump text (issue 12: output that cannot attack the reader) ----------------------

/// CSI and OSC escape sequences, their one-character C1 forms, a bidi override and isolate.
const TERMINAL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{9d}8;;x\u{9c}\u{202e}\u{2066}";
/// What would become links, images or markup in Markdown and HTML.
const MARKUP: &str =
    "https://evil.example/a www.evil.example u@evil.example <https://evil.example> [c](https://evil.example) |x| `t` <b>";
const SCRIPT_TAG: &str = "</script><img src=x onerror=alert(1)>";

/// A dump whose class names, thread names, frame methods, loader name and strings carry
/// [`TERMINAL`], [`MARKUP`] and [`SCRIPT_TAG`], each value also marked `SECRET` so that
/// redaction can be checked for leftovers.
fn hostile_dump() -> Vec<u8> {
    use heaplens_hprof_writer::Frame;
    let mut b = HeapBuilder::new(8);
    let obj = b.object_class();
    let evil = b.class(
        &format!("Evil{TERMINAL}{SCRIPT_TAG}"),
        Some(obj),
        &[("s", BasicType::Object)],
        &[],
    );
    let loader_class = b.class(
        "java/lang/ClassLoader",
        Some(obj),
        &[("parent", BasicType::Object), ("name", BasicType::Object)],
        &[],
    );
    let loader_name = b.string(&format!("SECRET-L {MARKUP}"));
    let loader = b.instance(loader_class, &[("name", Value::from(loader_name))]);
    b.root(loader, RootKind::JniGlobal { jni_ref_id: 9 });
    b.set_class_loader(evil, loader);
    // A duplicated string (the report shows duplicated values).
    for i in 0..3 {
        let s = b.string(&format!("SECRET-S{TERMINAL}{MARKUP}"));
        let o = b.instance(evil, &[("s", Value::from(s))]);
        b.root(o, RootKind::JniGlobal { jni_ref_id: 10 + i });
    }
    let payload = b.prim_array(BasicType::Byte, &[1u8; 2000]);
    let method = format!("SECRETM{TERMINAL}");
    b.thread(
        &format!("SECRET-T1{TERMINAL}https://evil.example/t"),
        &[Frame {
            class: evil,
            method: &method,
            signature: "()V",
            source_file: "Evil.java",
            line: 7,
            locals: &[payload.id()],
        }],
    );
    b.thread(&format!("SECRET-T2 {SCRIPT_TAG}"), &[]);
    b.write(&WriteOptions::default())
}

fn hostile_report(redact: bool) -> Report {
    let g = build_from_bytes(&hostile_dump()).unwrap();
    let d = Dominance::compute(&g);
    let opts = ReportOptions {
        source: Some(Source {
            name: format!("SECRET-F{TERMINAL}{SCRIPT_TAG}.hprof"),
            file_bytes: Some(1),
        }),
        redact,
        ..Default::default()
    };
    build_report(&g, &d, &opts)
}

/// Characters that must never reach any rendering raw.
fn raw_hazard(c: char) -> bool {
    (c.is_control() && c != '\n') || super::format::needs_json_escape(c)
}

#[test]
fn hostile_dump_reaches_the_report_intact() {
    let r = hostile_report(false);
    assert!(
        r.threads.iter().any(|t| t.name.contains(TERMINAL)),
        "{:?}",
        r.threads
    );
    assert!(r.histogram.iter().any(|h| h.class.contains(TERMINAL)));
    assert!(r
        .duplicate_strings
        .groups
        .iter()
        .any(|g| g.value.starts_with("SECRET-S\u{1b}")));
    assert!(r.class_loaders.loaders.iter().any(|l| l.name.is_some()));
    assert!(r
        .threads
        .iter()
        .any(|t| t.frames.iter().any(|f| f.method.contains("SECRETM"))));
    assert!(!r.contents.redacted);
    for k in [
        redact::FILE_NAME,
        redact::STRING_VALUES,
        redact::THREAD_NAMES,
        redact::STACK_FRAMES,
        redact::LOADER_NAMES,
    ] {
        assert!(
            r.contents.values.iter().any(|v| v == k),
            "{k}: {:?}",
            r.contents
        );
    }
}

#[test]
fn json_escapes_terminal_and_bidi_controls() {
    let r = hostile_report(false);
    let json = to_json(&r);
    assert!(
        !json.chars().any(raw_hazard),
        "raw control or bidi character in the JSON"
    );
    for esc in [
        "\\u001b[2J",
        "\\u009b31m",
        "\\u009d8;;x\\u009c",
        "\\u202e",
        "\\u2066",
        "\\u0007",
    ] {
        assert!(json.contains(esc), "{esc} missing");
    }
    // Lossless: the values parse back as the dump spelled them.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let names: Vec<&str> = v["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.iter().any(|n| n.contains(TERMINAL)), "{names:?}");
    assert_eq!(v, serde_json::to_value(&r).unwrap());
    assert_eq!(v["contents"]["redacted"], false);
}

/// `line` with its code spans cut out (CommonMark: a run of n backticks up to the next run of
/// exactly n).
fn outside_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' && (i == 0 || b[i - 1] != b'\\') {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let fence = "`".repeat(n);
            let mut j = i + n;
            let mut end = None;
            while let Some(p) = line[j..].find(&fence) {
                let at = j + p;
                let run = b[at..].iter().take_while(|&&c| c == b'`').count();
                if run == n {
                    end = Some(at + n);
                    break;
                }
                j = at + run;
            }
            match end {
                Some(e) => {
                    out.push(' ');
                    i = e;
                    continue;
                }
                None => {
                    out.push_str(&line[i..i + n]);
                    i += n;
                    continue;
                }
            }
        }
        let c = line[i..].chars().next().unwrap();
        out.push(c);
        i += c.len_utf8();
    }
    out
}

#[test]
fn markdown_neutralises_hostile_text() {
    let r = hostile_report(false);
    let md = to_markdown(&r);
    assert!(
        !md.chars().any(raw_hazard),
        "raw control or bidi character in the Markdown"
    );
    assert!(
        md.contains("<U+202E>"),
        "bidi override shown as a visible code point"
    );
    for line in md.lines() {
        // Backslash-escaped characters are plain text: drop them before looking for syntax.
        let mut prose = String::new();
        let mut chars = outside_code_spans(line)
            .chars()
            .collect::<Vec<_>>()
            .into_iter();
        while let Some(c) = chars.next() {
            if c == '\\' {
                chars.next();
                prose.push('_');
            } else {
                prose.push(c);
            }
        }
        for live in ["://", "www.", "<b>", "<img", "<https"] {
            assert!(
                !prose.contains(live),
                "{live:?} live in Markdown prose: {line}"
            );
        }
        // Inline links: only the table of contents' own `](#anchor)`.
        assert!(
            prose
                .match_indices("](")
                .all(|(i, _)| prose[i + 2..].starts_with('#')),
            "a link in Markdown prose: {line}"
        );
        assert!(
            !prose.contains('@'),
            "unescaped @ (GFM email autolink): {line}"
        );
    }
    // The top line says what the file holds.
    assert!(md.contains("> **Contents:** This report holds data from the heap dump: file name, string values, thread names"), "{md}");
    // The text escaping rules one by one.
    use super::markdown::{code, text};
    assert_eq!(
        text("see https://evil.example/x"),
        "see https\\://evil.example/x"
    );
    assert_eq!(text("WWW.evil.example"), "WWW\\.evil.example");
    assert_eq!(text("a@b.example"), "a\\@b.example");
    assert_eq!(text("time 12:30 // ok"), "time 12:30 // ok");
    assert_eq!(text("a\u{202e}b"), "a\\<U+202E\\>b");
    assert_eq!(text("a\u{1b}[2Jb\u{9b}c"), "a \\[2Jb c");
    assert_eq!(code("x\u{2067}y"), "`x<U+2067>y`");
    assert_eq!(code("https://evil.example"), "`https://evil.example`");
}

#[test]
fn html_escapes_hostile_text_and_carries_its_own_csp() {
    let r = hostile_report(false);
    let html = to_html(&r);
    assert!(
        !html.chars().any(raw_hazard),
        "raw control or bidi character in the HTML"
    );
    // The class name `</script><img …>` yields no element: our one script, no image.
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("</script>").count(), 1);
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<b>") && !html.contains("href=\"https"));
    assert!(html.contains("&lt;U+202E&gt;"));
    // The CSP comes first in <head> and allows exactly our script, by hash.
    let head = &html[..html.find("<title>").unwrap()];
    assert!(head.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{REPORT_CSP}\">"
    )));
    use sha2::Digest;
    let digest = sha2::Sha256::digest(super::html::SCRIPT.as_bytes());
    let hash = format!("'sha256-{}'", base64(&digest));
    assert!(
        REPORT_CSP.contains(&hash),
        "the script changed: put {hash} into html.rs's script_sha256!"
    );
    for d in [
        "default-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ] {
        assert!(REPORT_CSP.contains(d), "{d}");
    }
    assert!(
        !REPORT_CSP.contains("unsafe-eval") && !REPORT_CSP.contains("script-src 'unsafe-inline'")
    );
    assert!(html.contains(
        "<p class=\"contents\" id=\"contents\">This report holds data from the heap dump"
    ));
}

/// Standard base64 with padding (as CSP hashes are written).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn redacted_reports_keep_structure_and_drop_values() {
    let full = hostile_report(false);
    let r = hostile_report(true);
    assert!(r.contents.redacted && r.contents.values.is_empty());
    assert!(r.contents.removed.iter().any(|k| k == redact::THREAD_NAMES));
    assert!(
        r.contents
            .note
            .starts_with("Redacted for sharing: file name, string values, thread names"),
        "{}",
        r.contents.note
    );
    // Structure and sizes are the same.
    assert_eq!(r.summary, full.summary);
    assert_eq!(r.histogram, full.histogram);
    assert_eq!(r.dominators, full.dominators);
    assert_eq!(r.threads.len(), full.threads.len());
    assert_eq!(
        r.threads
            .iter()
            .map(|t| (t.retained, t.frames.len()))
            .collect::<Vec<_>>(),
        full.threads
            .iter()
            .map(|t| (t.retained, t.frames.len()))
            .collect::<Vec<_>>()
    );
    assert!(r.threads.iter().all(|t| t.name.starts_with("<thread ")));
    let g = &r.duplicate_strings.groups[0];
    assert_eq!(g.value, "<string 1>");
    assert_eq!(
        (g.count, g.length),
        (3, full.duplicate_strings.groups[0].length)
    );
    // Nothing marked SECRET survives in any format; class names do.
    let json = to_json(&r);
    for (what, doc) in [
        ("JSON", &json),
        ("Markdown", &to_markdown(&r)),
        ("HTML", &to_html(&r)),
    ] {
        assert!(
            !doc.contains("SECRET"),
            "{what} keeps a value: {}",
            &doc[doc.find("SECRET").unwrap().saturating_sub(200)..][..400]
        );
        assert!(doc.contains("Evil"), "{what} lost the class names");
        assert!(
            doc.contains("Redacted for sharing"),
            "{what} does not say it is redacted"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["contents"]["redacted"], true);
    assert!(v.get("source").is_none());
    assert_eq!(
        super::sections::report_frame(&r).title(),
        "Heap dump report"
    );
}
