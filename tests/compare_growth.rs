//! Comparing two dumps written by real JVMs.
//!
//! `growth_base` / `growth_new` (`tests/java/com/example/growth/GrowthApp.java`, one JVM, two
//! dumps, each with the JVM's own class histogram): the histogram delta of the application's
//! classes must equal the delta of the JVM's histograms; the first growth row must be the leak
//! (`AuditTrail.pending`), not the bigger `PriceTable`; the churning cache must not be growth;
//! the new threads and class loader must be listed. Then two dumps of unrelated applications.

mod common;

use heaplens::compare::{compare, compare_page, digest, Diff, Digest, Match};
use heaplens::compare::{Change, ChangeFilter, CompareHistogramQuery, DeltaSort};
use heaplens::graph::{build_from_bytes, java_class_name, Dominance};
use serde_json::Value as Json;
use std::collections::HashMap;

fn digest_of(name: &str) -> Digest {
    let g = build_from_bytes(&common::read_fixture(&format!("{name}.hprof.gz")))
        .expect("fixture parses");
    let d = Dominance::compute(&g);
    digest(&g, &d, Some(format!("{name}.hprof.gz")))
}

fn facts(name: &str) -> Json {
    serde_json::from_slice(&common::read_fixture(&format!("{name}.facts.json"))).unwrap()
}

/// Class name (Java source form) → (instances, bytes) of a `GC.class_histogram` text.
fn jvm_histogram(name: &str) -> HashMap<String, (i64, i64)> {
    let text = String::from_utf8(common::read_fixture(&format!("{name}.histo.txt"))).unwrap();
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            if !parts.next()?.ends_with(':') {
                return None;
            }
            let instances = parts.next()?.parse().ok()?;
            let bytes = parts.next()?.parse().ok()?;
            let name = java_class_name(&parts.next()?.replace('.', "/"));
            Some((name, (instances, bytes)))
        })
        .collect()
}

fn growth_diff() -> (Digest, Digest, Diff) {
    let (a, b) = (digest_of("growth_base"), digest_of("growth_new"));
    let d = compare(&a, &b);
    (a, b, d)
}

fn n(v: &Json) -> u64 {
    v.as_u64().expect("a number")
}

#[test]
fn histogram_delta_equals_the_jvm_histograms() {
    let (_, _, d) = growth_diff();
    let (ja, jb) = (jvm_histogram("growth_base"), jvm_histogram("growth_new"));
    let mut checked = 0;
    for (class, &(na, ba)) in &ja {
        if !class.starts_with("com.example.growth.") || class.contains("$$Lambda") {
            continue;
        }
        let (nb, bb) = jb.get(class).copied().unwrap_or((0, 0));
        let row = d
            .histogram
            .iter()
            .find(|r| &r.class == class)
            .unwrap_or_else(|| panic!("{class} missing from the histogram delta"));
        assert_eq!(
            (row.instances_base, row.instances_new),
            (na as u64, nb as u64),
            "{class}"
        );
        assert_eq!(row.instances_delta, nb - na, "{class}");
        assert_eq!(row.shallow_delta, bb - ba, "{class}");
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} application classes checked");
    let f = facts("growth");
    let events = d
        .histogram
        .iter()
        .find(|r| r.class == f["leak_element_class"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        events.instances_delta as u64,
        n(&f["events_new"]) - n(&f["events_base"])
    );
    assert_eq!(
        events.retained_delta as u64,
        n(&f["events_growth_bytes"]),
        "each event retains its String and byte[]"
    );
    // Every class of either dump is a row, exactly once.
    let mut names: Vec<&str> = d.histogram.iter().map(|r| r.class.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), d.histogram.len());
}

#[test]
fn the_leak_comes_first_not_the_biggest_holder() {
    let (_, b, d) = growth_diff();
    let f = facts("growth");
    let g = d.growth.first().expect("growth found");
    assert_eq!(g.holder, f["leak_holder_class"].as_str().unwrap(), "{g:#?}");
    assert_eq!(g.holder_path, f["leak_field"].as_str().unwrap());
    assert_eq!(
        g.accumulation_point,
        f["leak_collection_class"].as_str().unwrap()
    );
    assert_eq!(g.element_class.as_deref(), f["leak_element_class"].as_str());
    assert_eq!(g.matched_by, Match::Path);
    assert_eq!(
        (g.elements_base, g.elements_new),
        (n(&f["events_base"]), n(&f["events_new"]))
    );
    // The events themselves plus the ArrayList's longer backing array (at most 1.5 × 3,000
    // references of 4 bytes).
    let events = n(&f["events_growth_bytes"]) as i64;
    assert!(
        g.retained_delta >= events && g.retained_delta <= events + 6 * 3000,
        "{g:#?}"
    );
    assert!(
        g.explanation.contains("AuditTrail.pending")
            && g.explanation
                .contains("grew by 2,000 `GrowthApp$AuditEvent`")
            && g.explanation
                .contains("`GrowthApp$PriceTable`, the biggest holder")
            && g.explanation.contains("stayed the same size"),
        "{}",
        g.explanation
    );
    // The price table is bigger than the leak in the new dump, and is no growth row.
    let stable = f["stable_holder_class"].as_str().unwrap();
    let table = b
        .keyed
        .iter()
        .find(|k| k.class == stable)
        .expect("price table keyed");
    assert!(table.retained > g.retained_new);
    for row in &d.growth {
        let all = format!("{} {} {}", row.holder, row.path, row.accumulation_point);
        assert!(!all.contains("PriceTable"), "{row:#?}");
    }
}

#[test]
fn the_churning_cache_is_not_growth() {
    let (a, b, d) = growth_diff();
    let f = facts("growth");
    let cache = f["cache_holder_class"].as_str().unwrap();
    for row in &d.growth {
        let all = format!(
            "{} {} {} {:?}",
            row.holder, row.path, row.accumulation_point, row.element_class
        );
        assert!(
            !all.contains("PageCache") && !all.contains("CachedPage"),
            "{row:#?}"
        );
    }
    // Both dumps hold the same number of entries at the same path, with the same retained size,
    // but not the same objects (the histograms count 400 pages each time while 1,200 were put).
    let map = |dg: &Digest| {
        dg.keyed
            .iter()
            .find(|k| k.holder.as_deref() == Some(cache) && k.holder_path == "lru")
            .cloned()
            .expect("the cache's map is keyed")
    };
    let (ma, mb) = (map(&a), map(&b));
    assert_eq!(ma.sig, mb.sig);
    assert_eq!(ma.elements, Some(n(&f["cache_entries"])));
    assert_eq!(mb.elements, ma.elements);
    assert_eq!(mb.retained, ma.retained);
}

#[test]
fn new_threads_and_loaders_are_listed() {
    let (_, _, d) = growth_diff();
    let f = facts("growth");
    let t = d
        .threads
        .iter()
        .find(|t| t.pattern == f["new_thread_pattern"].as_str().unwrap())
        .expect("new threads listed");
    assert_eq!((t.base, t.new, t.delta), (0, n(&f["new_threads"]), 3));
    assert_eq!(d.threads[0].pattern, t.pattern, "most added first");
    let l = d
        .class_loaders
        .iter()
        .find(|l| l.class == f["new_loader_class"].as_str().unwrap())
        .expect("new loader listed");
    assert_eq!(l.loaders_delta, 1);
    assert_eq!(d.delta.threads, 3);
    assert_eq!(d.delta.class_loaders, 1);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    assert!(d.new.timestamp_ms >= d.baseline.timestamp_ms);
}

#[test]
fn json_has_the_documented_fields() {
    let (a, b, d) = growth_diff();
    // A digest travels between workers as JSON: the round trip keeps it, and the comparison.
    let back: Digest = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
    assert_eq!(compare(&back, &b), d);
    let j = serde_json::to_value(&d).unwrap();
    assert_eq!(j["schema"], 2);
    for side in ["baseline", "new"] {
        for k in [
            "heap",
            "objects",
            "classes",
            "class_loaders",
            "threads",
            "gc_roots",
        ] {
            assert!(j[side][k].is_u64(), "{side}.{k}");
        }
    }
    for k in [
        "class",
        "instances_base",
        "instances_new",
        "instances_delta",
        "shallow_base",
        "shallow_new",
        "shallow_delta",
        "retained_delta",
    ] {
        assert!(!j["histogram"][0][k].is_null(), "histogram[].{k}");
    }
    for k in [
        "holder",
        "path",
        "accumulation_point",
        "element_class",
        "retained_base",
        "retained_new",
        "retained_delta",
        "elements_delta",
        "explanation",
    ] {
        assert!(!j["growth"][0][k].is_null(), "growth[].{k}");
    }
    let md = heaplens::report::diff_to_markdown(&d);
    assert!(md.contains("## What grew") && md.contains("AuditTrail"));
    let html = heaplens::report::diff_to_html(&d);
    assert!(html.contains("<h2>What grew</h2>") && !html.contains("<script>alert"));
}

/// Two different applications: no crash, a warning, and what grew is what the new one has.
#[test]
fn unrelated_dumps_give_a_sensible_result() {
    let (retry, queue) = (digest_of("retry_buffer"), digest_of("queue_backlog"));
    for (a, b, app_b, app_a) in [
        (&retry, &queue, "com.example.monitor", "com.example.retry"),
        (&queue, &retry, "com.example.retry", "com.example.monitor"),
    ] {
        let d = compare(a, b);
        assert_eq!(d.app_classes_in_common, 0.0);
        assert!(
            d.warnings
                .iter()
                .any(|w| w.contains("different applications")),
            "{:?}",
            d.warnings
        );
        let first = d.growth.first().expect("the new dump's big structure");
        assert!(first.holder.starts_with(app_b), "{first:#?}");
        assert_eq!(first.matched_by, Match::None);
        for g in &d.growth {
            // Nothing of the baseline's application is matched to anything.
            assert!(!g.path.contains(app_a), "{g:#?}");
            assert!(g.matched_by == Match::None || !g.holder.starts_with("com.example"));
        }
    }
    let q = facts("queue_backlog");
    let d = compare(&retry, &queue);
    assert_eq!(d.growth[0].elements_new, n(&q["queue_messages"]));
    // The same dump against itself: nothing changed.
    let same = compare(&retry, &retry);
    assert!(same.growth.is_empty() && same.threads.is_empty());
    assert!(same.histogram.iter().all(|r| r.instances_delta == 0));
}

/// Dumps of other writers (32-bit ids, the JDK 7 hprof agent, jhat, NetBeans): every pair in a
/// ring compares without a panic, with a warning for the different id sizes where they differ.
#[test]
fn dumps_of_other_writers_compare() {
    let names = [
        "outside/jdk8-jhat-32bit",
        "outside/netbeans-64bit",
        "outside/mat/oracle_jdk7_21_hprofagent",
        "outside/mat/oracle_jdk8_05_x64",
        "outside/mat/sun_jdk6_18_x32",
    ];
    let digests: Vec<Digest> = names.iter().map(|n| digest_of(n)).collect();
    for i in 0..digests.len() {
        let (a, b) = (&digests[i], &digests[(i + 1) % digests.len()]);
        let d = compare(a, b);
        if a.summary.id_size != b.summary.id_size {
            assert!(
                d.warnings.iter().any(|w| w.contains("identifier sizes")),
                "{:?}",
                d.warnings
            );
        }
        assert_eq!(d.histogram.len(), {
            let mut all: Vec<&str> = a
                .classes
                .iter()
                .chain(&b.classes)
                .map(|c| c.class.as_str())
                .collect();
            all.sort_unstable();
            all.dedup();
            all.len()
        });
        let same = compare(a, a);
        assert!(same.growth.is_empty(), "{}: {:#?}", names[i], same.growth);
    }
}

/// Names come from the dump: a hostile class name is escaped in both renderings.
#[test]
fn renderings_escape_dump_text() {
    let (a, mut b, _) = growth_diff();
    let evil = "<script>alert(1)</script>|`x`";
    for k in &mut b.keyed {
        if k.holder.is_some() {
            k.holder = Some(evil.to_string());
        }
    }
    for c in &mut b.classes {
        if c.class.starts_with("com.example.growth.") {
            c.class = format!("{evil}{}", c.class);
        }
    }
    b.threads.insert(evil.to_string(), 2);
    let d = compare(&a, &b);
    assert!(d.growth[0].explanation.contains(evil));
    let html = heaplens::report::diff_to_html(&d);
    assert!(!html.contains("<script>alert"), "raw markup in the HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let md = heaplens::report::diff_to_markdown(&d);
    // Outside code spans (whose content CommonMark shows literally: the name contains one
    // backtick, so its span is fenced with two), no markup is left.
    let outside: String = md.split("``").step_by(2).collect();
    assert!(!outside.contains("<script>"), "raw markup in the Markdown");
    for line in md.lines().filter(|l| l.starts_with('|')) {
        // Every table row keeps its column count: `|` inside a cell is escaped.
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells >= 5, "{line}");
    }
}

/// The page a viewer asks for: new classes only, the leak's element class found by name (its
/// instance delta is the fixture's), every row a new one, pages that cut the list; a bad
/// regular expression is an error in the page, not a panic.
#[test]
fn histogram_delta_pages_filter_sort_and_cut() {
    let (_, _, d) = growth_diff();
    let f = facts("growth");
    let element = f["leak_element_class"].as_str().unwrap();
    let q = CompareHistogramQuery {
        sort: DeltaSort::Instances,
        descending: true,
        filter: element.to_string(),
        change: ChangeFilter::All,
        limit: 10,
        ..Default::default()
    };
    let p = compare_page(&d, q.clone(), 1000);
    assert_eq!(p.total_rows, 1, "{p:#?}");
    let row = &p.rows[0];
    assert_eq!(row.class, element);
    assert_eq!(
        row.instances_delta,
        (n(&f["events_new"]) - n(&f["events_base"])) as i64
    );

    let all = CompareHistogramQuery {
        change: ChangeFilter::Changed,
        sort: DeltaSort::Shallow,
        descending: true,
        limit: u32::MAX,
        ..Default::default()
    };
    let whole = compare_page(&d, all.clone(), 1000);
    let changed = d
        .histogram
        .iter()
        .filter(|r| r.change != Change::Same)
        .count();
    assert_eq!(whole.total_rows as usize, changed);
    assert_eq!(whole.rows.len(), changed.min(1000));
    assert!(whole
        .rows
        .windows(2)
        .all(|w| w[0].shallow_delta >= w[1].shallow_delta));
    let second = compare_page(
        &d,
        CompareHistogramQuery {
            offset: 3,
            limit: 2,
            ..all.clone()
        },
        1000,
    );
    assert_eq!(second.rows, whole.rows[3..5]);
    let capped = compare_page(&d, all.clone(), 4);
    assert_eq!(capped.rows, whole.rows[..4]);

    let new_only = compare_page(
        &d,
        CompareHistogramQuery {
            change: ChangeFilter::New,
            ..all.clone()
        },
        1000,
    );
    assert!(new_only.rows.iter().all(|r| r.change == Change::New));

    let bad = compare_page(
        &d,
        CompareHistogramQuery {
            filter: "(".into(),
            regex: true,
            ..all
        },
        1000,
    );
    assert!(bad.filter_error.is_some() && bad.rows.is_empty() && bad.total_rows == 0);
}
