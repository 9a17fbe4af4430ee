//! End to end: a dump whose names and strings carry terminal escape sequences, bidi controls,
//! links and markup, through `heaplens analyze` in all three formats, plain and `--redact`.
//! What reaches stdout must not be able to steer a terminal or plant a link, and a redacted
//! report must hold none of the dump's values.

use heaplens_hprof_writer::{BasicType, Frame, HeapBuilder, RootKind, Value, WriteOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// CSI and OSC sequences (7-bit and C1 forms), a bidi override and isolate.
const TERMINAL: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9b}31m\u{9d}8;;x\u{9c}\u{202e}\u{2066}";
const LINK: &str = "https://evil.example/a www.evil.example u@evil.example";
const SCRIPT_TAG: &str = "</script><img src=x onerror=alert(1)>";

fn hostile_dump() -> Vec<u8> {
    let mut b = HeapBuilder::new(8);
    let obj = b.object_class();
    let evil = b.class(
        &format!("Evil{TERMINAL}{SCRIPT_TAG}"),
        Some(obj),
        &[("s", BasicType::Object)],
        &[],
    );
    for i in 0..2 {
        let s = b.string(&format!("SECRET-S{TERMINAL}{LINK}"));
        let o = b.instance(evil, &[("s", Value::from(s))]);
        b.root(o, RootKind::JniGlobal { jni_ref_id: 10 + i });
    }
    let payload = b.prim_array(BasicType::Byte, &[1u8; 2000]);
    let method = format!("SECRETM{TERMINAL}");
    b.thread(
        &format!("SECRET-T1{TERMINAL}{LINK}"),
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

fn dump_file() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("SECRET-F.hprof");
    std::fs::write(&path, hostile_dump()).unwrap();
    path
}

fn analyze(path: &Path, args: &[&str]) -> String {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_heaplens"))
        .arg("analyze")
        .arg(path)
        .args(args)
        .output()
        .expect("run heaplens");
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}

/// No ESC, BEL, C1 control, DEL or bidi control anywhere (newlines are the documents' own).
fn assert_terminal_safe(what: &str, doc: &str) {
    if let Some(c) = doc
        .chars()
        .find(|&c| (c.is_control() && c != '\n') || heaplens::report::needs_json_escape(c))
    {
        let at = doc.find(c).unwrap();
        panic!(
            "{what}: raw U+{:04X} near {:?}",
            c as u32,
            &doc[at.saturating_sub(60)..at]
        );
    }
}

#[test]
fn hostile_names_cannot_attack_the_reader() {
    let path = dump_file();
    let json = analyze(&path, &["--format", "json"]);
    assert_terminal_safe("json", &json);
    assert!(json.contains("\\u001b[2J") && json.contains("\\u009b31m") && json.contains("\\u202e"));
    // Escaped, not lost: the names parse back exactly.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["threads"].as_array().unwrap().iter().any(|t| t["name"]
        .as_str()
        .unwrap()
        .starts_with(&format!("SECRET-T1{TERMINAL}"))));
    assert_eq!(v["contents"]["redacted"], false);
    assert!(v["contents"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k == "thread names"));

    let md = analyze(&path, &["--format", "md"]);
    assert_terminal_safe("md", &md);
    assert!(md.contains("<U+202E>"));
    assert!(md.contains("> **Contents:** This report holds data from the heap dump"));
    // Outside code spans, links are broken: `https\://`.
    assert!(!md.contains(" https://") && !md.contains("\"https://"));

    let html = analyze(&path, &["--format", "html"]);
    assert_terminal_safe("html", &html);
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the report's own script"
    );
    assert!(!html.contains("<img"));
    assert!(
        html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'")
    );
}

#[test]
fn redact_drops_the_dumps_values_in_every_format() {
    let path = dump_file();
    for format in ["json", "md", "html"] {
        let doc = analyze(&path, &["--format", format, "--redact"]);
        assert_terminal_safe(format, &doc);
        if let Some(at) = doc.find("SECRET") {
            panic!(
                "{format}: a value survived: {:?}",
                &doc[at.saturating_sub(100)..(at + 100).min(doc.len())]
            );
        }
        assert!(doc.contains("Evil"), "{format}: class names stay");
        assert!(
            doc.contains("<thread 1>") || doc.contains("&lt;thread 1&gt;"),
            "{format}"
        );
        assert!(doc.contains("Redacted for sharing"), "{format}");
    }
    let v: serde_json::Value =
        serde_json::from_str(&analyze(&path, &["--format", "json", "--redact"])).unwrap();
    assert_eq!(v["contents"]["redacted"], true);
    assert!(v.get("source").is_none());
}
