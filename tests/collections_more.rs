//! The collections Eclipse MAT's extractors read beyond the classic ones (issue 11, item 4), on
//! real JDK 17 and JDK 25 dumps of `tests/java/com/example/collections/CollectionsApp.java`
//! (`scripts/gen-fixtures.sh --collections`): every static of `CollectionsApp` holds one
//! collection of a size known by construction; size, entry count and the first entries'
//! texts must be the program's. ArrayDeque and ArrayBlockingQueue wrap around their arrays.

mod common;

use heaplens::analysis::collections::{entries, extract, CollectionInfo};
use heaplens::graph::*;

const DUMPS: &[&str] = &[
    "collections/collections.jdk17.hprof.gz",
    "collections/collections.jdk25.hprof.gz",
];

/// (static field, class read, size, first entry as text: the element, or `key=value`).
const EXPECTED: &[(&str, &str, u64, Option<&str>)] = &[
    ("dequeWrapped", "java.util.ArrayDeque", 14, Some("d8")),
    ("dequePlain", "java.util.ArrayDeque", 5, Some("p0")),
    (
        "blockingWrapped",
        "java.util.concurrent.ArrayBlockingQueue",
        7,
        Some("q6"),
    ),
    (
        "skipListMap",
        "java.util.concurrent.ConcurrentSkipListMap",
        90,
        Some("1=v1"),
    ),
    (
        "skipListSet",
        "java.util.concurrent.ConcurrentSkipListSet",
        25,
        Some("k0"),
    ),
    ("enumMap", "java.util.EnumMap", 4, Some("RED=r")),
    (
        "regularEnumSet",
        "java.util.RegularEnumSet",
        3,
        Some("GREEN"),
    ),
    ("list0", "java.util.ImmutableCollections$ListN", 0, None),
    (
        "list12One",
        "java.util.ImmutableCollections$List12",
        1,
        Some("one"),
    ),
    (
        "list12Two",
        "java.util.ImmutableCollections$List12",
        2,
        Some("one"),
    ),
    (
        "listN",
        "java.util.ImmutableCollections$ListN",
        5,
        Some("a"),
    ),
    ("set0", "java.util.ImmutableCollections$SetN", 0, None),
    (
        "set12One",
        "java.util.ImmutableCollections$Set12",
        1,
        Some("one"),
    ),
    ("set12Two", "java.util.ImmutableCollections$Set12", 2, None),
    ("setN", "java.util.ImmutableCollections$SetN", 7, None),
    ("map0", "java.util.ImmutableCollections$MapN", 0, None),
    (
        "map1",
        "java.util.ImmutableCollections$Map1",
        1,
        Some("k=v"),
    ),
    ("mapN", "java.util.ImmutableCollections$MapN", 5, None),
    (
        "singletonList",
        "java.util.Collections$SingletonList",
        1,
        Some("only"),
    ),
    (
        "singletonSet",
        "java.util.Collections$SingletonSet",
        1,
        Some("only"),
    ),
    (
        "singletonMap",
        "java.util.Collections$SingletonMap",
        1,
        Some("key=value"),
    ),
    ("emptyList", "java.util.Collections$EmptyList", 0, None),
    ("emptySet", "java.util.Collections$EmptySet", 0, None),
    ("emptyMap", "java.util.Collections$EmptyMap", 0, None),
    (
        "copies",
        "java.util.Collections$CopiesList",
        7,
        Some("same"),
    ),
    ("asList", "java.util.Arrays$ArrayList", 4, Some("w")),
    ("subList", "java.util.ArrayList$SubList", 7, Some("b5")),
    ("delayQueue", "java.util.concurrent.DelayQueue", 3, None),
    (
        "synchronousQueue",
        "java.util.concurrent.SynchronousQueue",
        0,
        None,
    ),
    ("hashKeys", "java.util.HashMap$KeySet", 6, None),
    ("hashValues", "java.util.HashMap$Values", 6, None),
    ("hashEntries", "java.util.HashMap$EntrySet", 6, None),
    (
        "linkedKeys",
        "java.util.LinkedHashMap$LinkedKeySet",
        9,
        Some("l0"),
    ),
    ("treeKeys", "java.util.TreeMap$KeySet", 11, Some("t0")),
];

fn build(name: &str) -> HeapGraph {
    build_from_bytes(&common::read_fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The object each static of `CollectionsApp` holds.
fn statics(g: &HeapGraph) -> Vec<(String, Node)> {
    let c = g
        .classes
        .iter()
        .find(|c| c.name == "com.example.collections.CollectionsApp")
        .expect("CollectionsApp");
    g.labelled_edges(c.node)
        .into_iter()
        .filter_map(|(t, l)| match l {
            EdgeLabel::Static(n) => Some((n, t)),
            _ => None,
        })
        .collect()
}

/// A short text for an object: a String's value, an enum constant's name, an Integer's value.
fn text(g: &HeapGraph, v: Node) -> String {
    if let Some(s) = g.string_value(v) {
        return s.to_string();
    }
    if let Some(n) = g.ref_field(v, "name").and_then(|n| g.string_value(n)) {
        return n.to_string();
    }
    match g.field_value(v, "value") {
        Some(heaplens::hprof::Value::Int(i)) => i.to_string(),
        other => format!("{} {other:?}", g.class(v).name),
    }
}

fn show(g: &HeapGraph, i: &CollectionInfo, e: &heaplens::analysis::collections::Entry) -> String {
    let key = e.key.map(|k| text(g, k));
    let value = e.value.map(|v| text(g, v));
    match (key, value) {
        (Some(k), Some(v)) => format!("{k}={v}"),
        (Some(k), None) if i.kind == heaplens::analysis::collections::CollectionKind::Map => {
            format!("{k}=null")
        }
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => "null".into(),
    }
}

#[test]
fn every_collection_of_the_fixture_has_its_size_and_entries() {
    for dump in DUMPS {
        let g = build(dump);
        let held = statics(&g);
        for &(field, class, size, first) in EXPECTED {
            let &(_, v) = held
                .iter()
                .find(|(n, _)| n == field)
                .unwrap_or_else(|| panic!("{dump}: no static {field}"));
            let i = extract(&g, v)
                .unwrap_or_else(|| panic!("{dump}: {field} ({}) not read", g.class(v).name));
            assert_eq!(i.class, class, "{dump}: {field}");
            assert_eq!(i.size, size, "{dump}: size of {field} ({class})");
            let e = entries(&g, &i, usize::MAX);
            assert_eq!(e.len() as u64, size, "{dump}: entries of {field} ({class})");
            if let Some(first) = first {
                assert_eq!(show(&g, &i, &e[0]), first, "{dump}: first entry of {field}");
            }
        }
    }
}

#[test]
fn queue_order_and_view_contents() {
    let g = build(DUMPS[0]);
    let held = statics(&g);
    let get = |f: &str| held.iter().find(|(n, _)| n == f).unwrap().1;
    let texts = |f: &str| {
        let i = extract(&g, get(f)).unwrap();
        entries(&g, &i, usize::MAX)
            .iter()
            .map(|e| show(&g, &i, e))
            .collect::<Vec<_>>()
    };
    let deque: Vec<String> = (8..22).map(|i| format!("d{i}")).collect();
    assert_eq!(texts("dequeWrapped"), deque);
    let queue: Vec<String> = (6..13).map(|i| format!("q{i}")).collect();
    assert_eq!(texts("blockingWrapped"), queue);
    let sub: Vec<String> = (5..12).map(|i| format!("b{i}")).collect();
    assert_eq!(texts("subList"), sub);
    // EnumMap: ordinal order; BLUE maps to null (EnumMap's NULL sentinel).
    assert_eq!(
        texts("enumMap"),
        ["RED=r", "BLUE=null", "CYAN=c", "YELLOW=y"]
    );
    assert_eq!(texts("regularEnumSet"), ["GREEN", "CYAN", "MAGENTA"]);
    let mut set = texts("setN");
    set.sort();
    assert_eq!(set, ["a", "b", "c", "d", "e", "f", "g"]);
    let mut map = texts("mapN");
    map.sort();
    assert_eq!(map, ["k1=v1", "k2=v2", "k3=v3", "k4=v4", "k5=v5"]);
    // Views: keys, values and entries of one HashMap.
    let mut keys = texts("hashKeys");
    keys.sort();
    assert_eq!(keys, ["h0", "h1", "h2", "h3", "h4", "h5"]);
    let mut values = texts("hashValues");
    values.sort();
    assert_eq!(values, ["hv0", "hv1", "hv2", "hv3", "hv4", "hv5"]);
    assert!(texts("hashEntries").iter().all(|e| e.contains("=hv")));
    // The skip list: removed keys (multiples of 10) are gone, the rest in key order.
    let skip = texts("skipListMap");
    assert_eq!(skip[..3], ["1=v1", "2=v2", "3=v3"]);
    assert!(!skip.iter().any(|e| e.starts_with("10=")));
}
