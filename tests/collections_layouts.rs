//! Collections in every JDK layout from 6 to 11, on real dumps: the element counts Eclipse
//! MAT's `ExtractCollectionEntriesTest` expects on its JDK 6 dump (segmented
//! `ConcurrentHashMap`, JDK ≤ 6 `LinkedList` ring, `Properties`, `ThreadLocalMap`…), and on
//! dumps from JDK 6, 7 (hprof agent), 8, 11, 17 and 25, entries enumerated = the size the
//! collection's own counter field says, for every collection instance.

mod common;

use heaplens::analysis::collections::{entries, extract, CollectionInfo};
use heaplens::graph::*;
use heaplens::hprof::Id;

const DUMPS: &[&str] = &[
    "outside/mat/sun_jdk6_18_x32.hprof.gz",
    "outside/mat/oracle_jdk7_21_hprofagent.hprof.gz",
    "outside/mat/oracle_jdk8_05_x64.hprof.gz",
    "outside/mat/openjdk_jdk11_04_x64.hprof.gz",
    "outside/jdk8-jhat-32bit.hprof.gz",
    "outside/netbeans-64bit.hprof.gz",
];

fn build(name: &str) -> HeapGraph {
    build_from_bytes(&common::read_fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn info(g: &HeapGraph, id: u64) -> CollectionInfo {
    let v = g
        .node_of(Id::new(id))
        .unwrap_or_else(|| panic!("no object 0x{id:x}"));
    extract(g, v)
        .unwrap_or_else(|| panic!("0x{id:x} ({}) not read as a collection", g.display_class(v)))
}

#[test]
fn mat_expected_entries_on_jdk6() {
    let g = build(DUMPS[0]);
    // (address, class, entries): ExtractCollectionEntriesTest, SUN_JDK6_18_32BIT.
    let cases: &[(u64, &str, u64)] = &[
        (0x241957d0, "java.util.HashMap", 60),
        (0x24166668, "java.util.LinkedHashMap", 45),
        (0x241abf40, "java.util.HashSet", 2),
        (0x2416f090, "java.util.LinkedHashSet", 23),
        (0x2416b168, "java.util.Hashtable", 19),
        (0x24120b38, "java.util.Properties", 53),
        (0x2416b9f0, "java.util.WeakHashMap", 11),
        (0x241a10b8, "java.lang.ThreadLocal$ThreadLocalMap", 2),
        (
            0x24196fd8,
            "java.util.concurrent.ConcurrentHashMap$Segment",
            8,
        ),
        (0x2419d490, "java.util.concurrent.ConcurrentHashMap", 65),
        (0x24185f68, "java.util.TreeMap", 16),
        (0x24196458, "java.util.TreeMap", 0),
    ];
    for &(id, class, n) in cases {
        let i = info(&g, id);
        assert_eq!(i.class, class, "0x{id:x}");
        assert_eq!(i.size, n, "size of {class} 0x{id:x}");
        let e = entries(&g, &i, usize::MAX);
        assert_eq!(e.len() as u64, n, "entries of {class} 0x{id:x}");
    }
    // MAT's hash_entries over every IdentityHashMap of the dump: 3 (one map has two keys with
    // null values).
    let ihm: u64 = g
        .nodes()
        .filter(|&v| g.as_class(v).is_none() && g.class(v).name == "java.util.IdentityHashMap")
        .map(|v| entries(&g, &extract(&g, v).unwrap(), usize::MAX).len() as u64)
        .sum();
    assert_eq!(ihm, 3);
}

#[test]
fn entries_match_the_size_fields_on_every_dump() {
    // Every outside dump, the hprof-agent ones (array classes named in source form) included.
    let outside = DUMPS.iter();
    // The project's own fixtures: HotSpot 17, and 25 with and without compact headers; the
    // collections fixture (immutable collections, skip lists, enum maps, views, wrapped deques).
    let own = [
        "collections/collections.jdk17.hprof.gz",
        "collections/collections.jdk25.hprof.gz",
        "variants/queue_backlog.jdk25.hprof.gz",
        "variants/queue_backlog.jdk25-coh.hprof.gz",
        "healthy_app.hprof.gz",
        "queue_backlog.hprof.gz",
        "retry_buffer.hprof.gz",
        "threadlocal_leak.hprof.gz",
        "classloader_leak.hprof.gz",
    ];
    for &dump in outside.chain(own.iter()) {
        let g = build(dump);
        let mut by_class: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        let mut bad = Vec::new();
        for v in g.nodes() {
            if g.as_class(v).is_some() || g.class(v).kind != ClassKind::Instance {
                continue;
            }
            let Some(i) = extract(&g, v) else { continue };
            if i.node != v {
                continue;
            }
            let n = entries(&g, &i, usize::MAX).len() as u64;
            let e = by_class.entry(i.class.clone()).or_default();
            e.0 += 1;
            if i.size_source == "field" && n != i.size {
                e.1 += 1;
                bad.push(format!(
                    "{} 0x{:x}: size {} entries {n}",
                    i.class,
                    g.id(v),
                    i.size
                ));
            }
        }
        println!("{dump}: {by_class:?}");
        assert!(bad.is_empty(), "{dump}: {bad:#?}");
    }
}
