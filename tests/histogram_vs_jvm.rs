//! Per-class instance counts and shallow sizes against the JVM's own class histogram
//! (`jcmd GC.class_histogram`, taken by the fixture programs just before the dump).
//!
//! The histogram and the dump are two snapshots a few milliseconds apart, so the JDK's own
//! bookkeeping (reflection caches, interned strings...) may differ slightly between them; the
//! application's classes (`com.example.*`) do not move and must match exactly, in count and in
//! bytes.
//!
//! - JVM sizes (the default, `SizeMode::Jvm`): on every fixture — JDK 17, and the variants of
//!   `tests/fixtures/variants/` (JDK 25 with and without compact object headers, JDK 17 without
//!   compressed oops) — the total and every class above [`FLOOR`] bytes are within 1% of the
//!   histogram.
//! - MAT's rule (`SizeMode::Mat`): every class the rule gets right stays right (at most 5% of
//!   the JDK classes differ from HotSpot 17: injected fields, `@Contended`, field packing), and
//!   on MAT's own JDK 6 dump the per-instance sizes equal the jmap histogram, as MAT's
//!   `TestInstanceSizes` asserts (0 errors).

mod common;

use heaplens::graph::{build_from_bytes_with, java_class_name, BuildOptions, HeapGraph, SizeMode};
use std::collections::HashMap;

/// Classes with fewer bytes than this in the JVM's histogram are not compared one by one
/// (a class of a few small objects moves by more than 1% when one object comes or goes).
const FLOOR: u64 = 4096;

/// (class name in Java source form, instances, bytes) of a `GC.class_histogram` (or jmap
/// `-histo`) text, and its `Total` line's bytes.
fn jvm_histogram(text: &str) -> (Vec<(String, u64, u64)>, Option<u64>) {
    let mut total = None;
    let rows = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let first = parts.next()?;
            if first == "Total" {
                parts.next()?;
                total = parts.next()?.parse().ok();
                return None;
            }
            // `GC.class_histogram` numbers its rows (`1:`), old jmap texts do not.
            let instances = if first.ends_with(':') {
                parts.next()?
            } else {
                first
            };
            let instances = instances.parse().ok()?;
            let bytes = parts.next()?.parse().ok()?;
            let name = parts.next()?;
            // Hidden classes (lambdas): the JVM prints `Foo$$Lambda$1/0x…` with the slash made a
            // dot; the dump names them `Foo$$Lambda$1+0x…`.
            let name = java_class_name(&name.replace('.', "/"))
                .replace("/0x", "+0x")
                .replace(".0x", "+0x");
            Some((name, instances, bytes))
        })
        .collect();
    (rows, total)
}

fn build(dump: &str, sizes: SizeMode) -> HeapGraph {
    build_from_bytes_with(&common::read_fixture(dump), BuildOptions { sizes })
        .unwrap_or_else(|e| panic!("{dump}: {e}"))
}

/// (instances, shallow bytes) by class name, class objects under `java.lang.Class`; and the
/// total of all objects.
fn ours(g: &HeapGraph) -> (HashMap<String, (u64, u64)>, u64) {
    let mut by_class: HashMap<String, (u64, u64)> = HashMap::new();
    let mut total = 0;
    for v in g.nodes() {
        let name = match g.as_class(v) {
            Some(_) => "java.lang.Class",
            None => g.class(v).name.as_str(),
        };
        let e = by_class.entry(name.to_string()).or_default();
        let s = g.shallow(v);
        e.0 += 1;
        e.1 += s;
        total += s;
    }
    (by_class, total)
}

fn within_1_percent(ours: u64, jvm: u64) -> bool {
    ours.abs_diff(jvm) * 100 <= jvm
}

/// Checks one fixture; returns (JVM histogram total, heaplens total).
fn check(fixture: &str, sizes: SizeMode) -> (u64, u64) {
    let g = build(&format!("{fixture}.hprof.gz"), sizes);
    assert_eq!(g.sizes.mode, sizes, "{fixture}: the size rule in effect");
    let (ours, our_total) = ours(&g);
    let text = std::fs::read_to_string(common::fixture(&format!("{fixture}.histo.txt")))
        .expect("histogram text");
    let (mut jvm, jvm_total) = jvm_histogram(&text);
    let jvm_total = jvm_total.expect("a Total line");
    // JDK 19+ fills heap gaps with `jdk.internal.vm.FillerElement[]`, which the dump writes
    // as `int[]`.
    if let Some(f) = jvm
        .iter()
        .position(|r| r.0 == "jdk.internal.vm.FillerElement[]")
    {
        let (_, n, b) = jvm.remove(f);
        if let Some(r) = jvm.iter_mut().find(|r| r.0 == "int[]") {
            r.1 += n;
            r.2 += b;
        }
    }
    // java.lang.Class: the JVM counts every mirror in the heap, the primitive types' too (INSTANCE
    // DUMPs of java.lang.Class in the dump, so counted here too), but with the CDS archived heap
    // in use (JDK 25; JDK 17 with G1) the dumper leaves out the mirrors of archived classes not
    // loaded yet (holes in the dump's addresses as big as the missing mirrors). With all mirrors dumped, the totals are compared; else the totals
    // without java.lang.Class, and the mirrors' average size.
    let class_row = |h: &HashMap<String, (u64, u64)>| h.get("java.lang.Class").copied();
    let (our_mirrors, our_mirror_bytes) = class_row(&ours).unwrap_or_default();
    let (jvm_mirrors, jvm_mirror_bytes) = jvm
        .iter()
        .find(|r| r.0 == "java.lang.Class")
        .map(|r| (r.1, r.2))
        .unwrap_or_default();
    assert!(
        jvm.len() > 300,
        "{fixture}: parsed only {} histogram rows",
        jvm.len()
    );
    let mut differing = Vec::new();
    let mut sized_differently = Vec::new();
    let (mut app, mut same) = (0, 0);
    for (name, instances, bytes) in &jvm {
        // java.lang.Class: the JVM counts every mirror (the primitive types' too), the dump only
        // the classes it writes; checked through the total.
        if name == "java.lang.Class" {
            continue;
        }
        let (n, b) = ours.get(name.as_str()).copied().unwrap_or_default();
        if name.starts_with("com.example.") {
            app += 1;
            assert_eq!(
                (n, b),
                (*instances, *bytes),
                "{fixture}: {name}: (instances, bytes) heaplens vs JVM"
            );
        } else if n == *instances {
            same += 1;
            let off = match sizes {
                SizeMode::Jvm => *bytes >= FLOOR && !within_1_percent(b, *bytes),
                SizeMode::Mat => b != *bytes,
            };
            if off {
                sized_differently.push(format!(
                    "{name}: {n} instances, heaplens {b} B, JVM {bytes} B"
                ));
            }
        } else {
            differing.push(format!("{name}: heaplens {n}, JVM {instances}"));
            assert!(
                n.abs_diff(*instances) <= 5,
                "{fixture}: {name}: heaplens {n} instances, JVM {instances}"
            );
            // The same class of the churn: its instances' size (arrays vary by length).
            if sizes == SizeMode::Jvm && !name.ends_with("[]") && n > 0 && *bytes >= FLOOR {
                assert!(
                    within_1_percent(b / n, bytes / instances),
                    "{fixture}: {name}: heaplens {} B per instance, JVM {}",
                    b / n,
                    bytes / instances
                );
            }
        }
    }
    assert!(
        app > 0,
        "{fixture}: no application class in the JVM histogram"
    );
    match sizes {
        SizeMode::Jvm => {
            assert!(
                sized_differently.is_empty(),
                "{fixture}: classes over {FLOOR} B not within 1% of the JVM's bytes: \
                 {sized_differently:#?}"
            );
            if our_mirrors == jvm_mirrors {
                assert!(
                    within_1_percent(our_total, jvm_total),
                    "{fixture}: total {our_total} B, JVM {jvm_total} B"
                );
            } else {
                let (ours, theirs) = (our_total - our_mirror_bytes, jvm_total - jvm_mirror_bytes);
                assert!(
                    within_1_percent(ours, theirs),
                    "{fixture}: total without java.lang.Class {ours} B, JVM {theirs} B"
                );
                assert!(
                    within_1_percent(
                        our_mirror_bytes / our_mirrors.max(1),
                        jvm_mirror_bytes / jvm_mirrors.max(1)
                    ),
                    "{fixture}: java.lang.Class: {our_mirrors} mirrors, {our_mirror_bytes} B; \
                     JVM {jvm_mirrors}, {jvm_mirror_bytes} B"
                );
            }
        }
        // MAT's size rule is not HotSpot's layout for a few JDK classes: fields the VM injects
        // (MemberName, Module, ClassLoader), @Contended padding (Thread, ForkJoinPool), and
        // subclass fields packed into a superclass's alignment gap (JDK 15+; MAT aligns each
        // class level). See docs/semantics.md, "Shallow size".
        SizeMode::Mat => assert!(
            sized_differently.len() * 100 <= same * 5,
            "{fixture}: {} of {same} classes sized unlike HotSpot: {sized_differently:#?}",
            sized_differently.len()
        ),
    }
    // The JDK's churn between the two snapshots: a handful of classes, a few objects each.
    assert!(
        differing.len() <= 10,
        "{fixture}: {} classes differ: {differing:#?}",
        differing.len()
    );
    let pct = |a: u64, b: u64| (a as f64 - b as f64) * 100.0 / b as f64;
    eprintln!(
        "{fixture} ({sizes:?} sizes): heaplens {our_total} B, JVM histogram {jvm_total} B \
         ({:+.2}%); without java.lang.Class {:+.2}% ({our_mirrors} vs {jvm_mirrors} mirrors)",
        pct(our_total, jvm_total),
        pct(our_total - our_mirror_bytes, jvm_total - jvm_mirror_bytes),
    );
    (jvm_total, our_total)
}

const JDK17: [&str; 6] = [
    "retry_buffer",
    "queue_backlog",
    "threadlocal_leak",
    "thread_explosion",
    "classloader_leak",
    "healthy_app",
];

/// `tests/fixtures/variants/`: see `scripts/gen-fixtures.sh --variants`.
const VARIANTS: [&str; 6] = [
    "variants/queue_backlog.jdk25",
    "variants/queue_backlog.jdk25-coh",
    "variants/queue_backlog.jdk17-nocoops",
    "variants/thread_explosion.jdk25",
    "variants/thread_explosion.jdk25-coh",
    "variants/thread_explosion.jdk17-nocoops",
];

#[test]
fn jvm_sizes_on_jdk17_fixtures() {
    for f in JDK17 {
        check(f, SizeMode::Jvm);
    }
}

#[test]
fn jvm_sizes_on_jdk25_and_uncompressed_oops() {
    for f in VARIANTS {
        check(f, SizeMode::Jvm);
    }
}

#[test]
fn mat_rule_on_jdk17_fixtures() {
    for f in JDK17 {
        check(f, SizeMode::Mat);
    }
}

/// What the JVM sizes change: Thread on JDK 17 (VM-injected fields and `@Contended` padding)
/// and the compact headers of JDK 25, where MAT's rule counts 12-byte headers.
#[test]
fn jvm_sizes_fix_what_mat_rule_misses() {
    let thread = |g: &HeapGraph| {
        let c = g
            .classes
            .iter()
            .find(|c| c.name == "java.lang.Thread")
            .expect("java.lang.Thread");
        c.instance_size
    };
    let jvm = build("thread_explosion.hprof.gz", SizeMode::Jvm);
    let mat = build("thread_explosion.hprof.gz", SizeMode::Mat);
    assert_eq!((thread(&mat), thread(&jvm)), (112, 368));
    let coh = build("variants/queue_backlog.jdk25-coh.hprof.gz", SizeMode::Jvm);
    assert_eq!(
        (coh.sizes.instance_header, coh.sizes.object_array_base),
        (8, 12),
        "compact object headers"
    );
    assert!(coh.sizes.compressed_oops);
    let plain = build("variants/queue_backlog.jdk25.hprof.gz", SizeMode::Jvm);
    assert_eq!(
        (plain.sizes.instance_header, plain.sizes.object_array_base),
        (12, 16)
    );
    let wide = build(
        "variants/queue_backlog.jdk17-nocoops.hprof.gz",
        SizeMode::Jvm,
    );
    assert_eq!(
        (wide.sizes.reference, wide.sizes.compressed_oops),
        (8, false)
    );
}

/// Eclipse MAT's `TestInstanceSizes` on its JDK 6 32-bit dump and the jmap histogram of the same
/// JVM (taken at another moment: counts differ, sizes per instance do not): every class's
/// instance size, and every array class's total when the counts agree, equal the histogram's
/// (MAT expects 0 errors). Returns the classes that differ.
fn instance_size_errors(sizes: SizeMode) -> (usize, Vec<String>) {
    let g = build("outside/mat/sun_jdk6_18_x32.hprof.gz", sizes);
    let text =
        std::fs::read_to_string(common::fixture("outside/mat/histogram_sun_jdk6_18_x32.txt"))
            .expect("histogram text");
    let (jvm, _) = jvm_histogram(&text);
    let (ours, _) = ours(&g);
    let (mut checked, mut errors) = (0, Vec::new());
    for (name, instances, bytes) in &jvm {
        if name.starts_with('<') || name == "java.lang.Class" {
            continue;
        }
        let Some(class) = g.classes.iter().find(|c| &c.name == name) else {
            continue; // MAT: "Cannot find class in heap dump"
        };
        if class.is_array() {
            let (n, b) = ours.get(name).copied().unwrap_or_default();
            if n == *instances {
                checked += 1;
                if b != *bytes {
                    errors.push(format!(
                        "{name}: {n} arrays, heaplens {b} B, jmap {bytes} B"
                    ));
                }
            }
        } else {
            checked += 1;
            if class.instance_size as u64 != bytes / instances {
                errors.push(format!(
                    "{name}: heaplens {} B, jmap {} B",
                    class.instance_size,
                    bytes / instances
                ));
            }
        }
    }
    (checked, errors)
}

#[test]
fn mat_rule_matches_mat_test_instance_sizes() {
    let (checked, errors) = instance_size_errors(SizeMode::Mat);
    assert!(checked > 100, "only {checked} classes compared");
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn jvm_sizes_match_jmap_on_jdk6_32_bit() {
    let (checked, errors) = instance_size_errors(SizeMode::Jvm);
    assert!(checked > 100, "only {checked} classes compared");
    assert!(errors.is_empty(), "{errors:#?}");
}
