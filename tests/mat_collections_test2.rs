//! Eclipse MAT's `ExtractCollectionEntriesTest2`/`Test4` (plugins/org.eclipse.mat.tests) on
//! its JDK 8 and JDK 11 dumps, which hold `CreateCollectionDump`'s test data: every collection
//! in the `collections` array of each `ListCollectionTestData` / `NonListCollectionTestData`
//! holds `COUNT` elements, every map in `MapTestData.maps` `COUNT` entries (singletons,
//! `List12`/`Set12` and `JobStateReasons` 1; `PrinterStateReasons` and `jar.Attributes` 1 in
//! the JDK 8 dump, as MAT's test says), and the `Empty*` variants 0. `COUNT` is read from the
//! dump (the static of the data class or its superclass), as MAT's test reads it.

mod common;

use heaplens::analysis::collections::{entries, extract};
use heaplens::graph::*;
use heaplens::hprof::Value;

const PREFIX: &str = "org.eclipse.mat.tests.CreateCollectionDump$";

/// (data class, array field, empty?)
const DATA: &[(&str, &str, bool)] = &[
    ("ListCollectionTestData", "collections", false),
    ("NonListCollectionTestData", "collections", false),
    ("EmptyListCollectionTestData", "collections", true),
    ("EmptyNonListCollectionTestData", "collections", true),
    ("MapTestData", "maps", false),
    ("EmptyMapTestData", "maps", true),
];

/// The int static `COUNT` of class `c` or of its superclass.
fn count_static(g: &HeapGraph, mut c: u32) -> Option<u64> {
    for _ in 0..4 {
        let class = &g.classes[c as usize];
        for s in &class.statics {
            if g.symbol(s.name) == "COUNT" {
                if let Value::Int(n) = s.value {
                    return Some(n as u64);
                }
            }
        }
        c = class.super_class;
        if c == NO_CLASS {
            break;
        }
    }
    None
}

fn check(dump: &str, jdk8: bool) -> usize {
    let g = build_from_bytes(&common::read_fixture(dump)).unwrap();
    let mut checked = 0;
    let mut bad = Vec::new();
    for &(data, field, empty) in DATA {
        let name = format!("{PREFIX}{data}");
        let Some(c) = g.classes.iter().position(|c| c.name == name) else {
            panic!("{dump}: no {name}");
        };
        let count = count_static(&g, c as u32).expect("COUNT");
        for v in g
            .nodes()
            .filter(|&v| g.as_class(v).is_none() && g.class_index(v) == c as u32)
        {
            let arr = g.ref_field(v, field).expect("the array field");
            for (x, _) in g.edges(arr) {
                let class = g.class(x).name.clone();
                let mut want = if empty { 0 } else { count };
                if !empty
                    && (class.contains("Singleton")
                        || class.ends_with("List12")
                        || class.ends_with("Set12")
                        || class == "javax.print.attribute.standard.JobStateReasons"
                        || (jdk8
                            && (class == "javax.print.attribute.standard.PrinterStateReasons"
                                || class == "java.util.jar.Attributes")))
                {
                    want = 1;
                }
                checked += 1;
                let Some(i) = extract(&g, x) else {
                    bad.push(format!("{data}: {class} not read"));
                    continue;
                };
                let n = entries(&g, &i, usize::MAX).len() as u64;
                if i.size != want || n != want {
                    bad.push(format!(
                        "{data}: {class}: size {} entries {n}, want {want}",
                        i.size
                    ));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{dump}: {} of {checked}:\n{}",
        bad.len(),
        bad.join("\n")
    );
    checked
}

#[test]
fn mat_collection_test_data_on_jdk8() {
    // The JDK 8 dump predates most of CreateCollectionDump's data: 35 collections.
    assert_eq!(check("outside/mat/oracle_jdk8_05_x64.hprof.gz", true), 35);
}

#[test]
fn mat_collection_test_data_on_jdk11() {
    assert_eq!(
        check("outside/mat/openjdk_jdk11_04_x64.hprof.gz", false),
        943
    );
}
