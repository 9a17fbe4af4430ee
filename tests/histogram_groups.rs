//! Grouped histogram rows (by package, by class loader) on real dumps: a group retains the
//! union of its objects, so no group retains more than the reachable heap, and the one-pass
//! computation equals a naive one (each member walks up its dominator chain looking for
//! another member of its group).

mod common;

use heaplens::analysis::{group_rows, histogram, package_key, Grouping};
use heaplens::graph::{build_from_bytes, Dominance, HeapGraph};
use std::collections::HashMap;

const DUMPS: &[&str] = &[
    "retry_buffer.hprof.gz",
    "classloader_leak.hprof.gz",
    "healthy_app.hprof.gz",
    "threadlocal_leak.hprof.gz",
    "outside/mat/openjdk_jdk11_04_x64.hprof.gz",
    "outside/mat/sun_jdk6_18_x32.hprof.gz",
];

/// Retained size of the union of the objects whose class has group `key_of(class)`, per key.
fn naive(g: &HeapGraph, d: &Dominance, key_of: &dyn Fn(u32) -> String) -> HashMap<String, u64> {
    let keys: Vec<String> = (0..g.classes.len() as u32).map(key_of).collect();
    let mut out: HashMap<String, u64> = HashMap::new();
    for v in g.nodes() {
        if !d.is_reachable(v) {
            continue;
        }
        let k = &keys[g.class_index(v) as usize];
        let mut up = d.idom(v);
        let mut dominated = false;
        while let Some(p) = up {
            if p == d.super_root() {
                break;
            }
            if &keys[g.class_index(p) as usize] == k {
                dominated = true;
                break;
            }
            up = d.idom(p);
        }
        if !dominated {
            *out.entry(k.clone()).or_insert(0) += d.retained(v);
        }
    }
    out
}

#[test]
fn groups_retain_the_union_of_their_objects() {
    for name in DUMPS {
        let bytes = common::read_fixture(name);
        let g = build_from_bytes(&bytes).expect("fixture parses");
        let d = Dominance::compute(&g);
        let h = histogram(&g, &d);
        let heap = d.reachable_bytes();
        let by_pkg = naive(&g, &d, &|c| package_key(&g.classes[c as usize].name));
        let by_loader = naive(&g, &d, &|c| {
            heaplens::analysis::loader_name(&g, g.classes[c as usize].loader)
        });
        for (by, expect) in [
            (Grouping::Package, &by_pkg),
            (Grouping::ClassLoader, &by_loader),
        ] {
            let rows = group_rows(&g, &h, false, by);
            assert!(!rows.is_empty());
            let mut sum_of_classes = 0;
            for r in &rows {
                assert!(
                    r.retained <= heap,
                    "{name} {by:?} {}: {} > heap {heap}",
                    r.name,
                    r.retained
                );
                assert_eq!(
                    r.retained,
                    expect.get(&r.name).copied().unwrap_or(0),
                    "{name} {by:?} {}",
                    r.name
                );
                assert!(r.retained >= r.shallow, "{name} {by:?} {}", r.name);
                sum_of_classes += r.shallow;
            }
            assert_eq!(sum_of_classes, heap, "{name}: groups cover the heap");
            // The old sum of class rows overstated the biggest group.
            let top = &rows[0];
            let summed: u64 = h
                .reachable
                .iter()
                .filter(|c| match by {
                    Grouping::Package => package_key(&c.name) == top.name,
                    _ => {
                        heaplens::analysis::loader_name(&g, g.classes[c.class as usize].loader)
                            == top.name
                    }
                })
                .map(|c| c.retained)
                .sum();
            assert!(summed >= top.retained, "{name}");
            eprintln!(
                "{name} {by:?}: top {} retains {} (the sum of its classes' {summed}), heap {heap}",
                top.name, top.retained
            );
        }
        // Unreachable groups retain nothing.
        for r in group_rows(&g, &h, true, Grouping::Package) {
            assert_eq!(r.retained, 0);
        }
    }
}
