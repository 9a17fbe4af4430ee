//! The histogram delta by class loader (`Diff::by_loader`) on dumps written by real JVMs.
//!
//! A group is every loader of one class (loader ids change between dumps, their classes do
//! not). Checked against an independent computation from the graph: instances and shallow
//! bytes are the sums over the classes those loaders define, retained bytes the union of the
//! group's objects (each reachable member walks up its dominator chain looking for another
//! member), and the delta rows of the growth pair are the differences of the two dumps'.

mod common;

use heaplens::analysis::histogram;
use heaplens::compare::{compare, digest, loader_class_counts, Change, ClassCount};
use heaplens::graph::{build_from_bytes, Dominance, HeapGraph};
use std::collections::HashMap;

fn load(name: &str) -> (HeapGraph, Dominance) {
    let g = build_from_bytes(&common::read_fixture(name)).expect("fixture parses");
    let d = Dominance::compute(&g);
    (g, d)
}

/// The group of each class, computed here: the loader object's class name.
fn key(g: &HeapGraph, c: usize) -> String {
    let loader = g.classes[c].loader;
    if loader.is_null() {
        return "<bootstrap>".into();
    }
    g.node_of(loader)
        .map(|n| g.class(n).name.clone())
        .unwrap_or_else(|| "<loader not in dump>".into())
}

/// Group → (instances, shallow, retained of the union), by walking every reachable object.
fn naive(g: &HeapGraph, d: &Dominance) -> HashMap<String, ClassCount> {
    let keys: Vec<String> = (0..g.classes.len()).map(|c| key(g, c)).collect();
    let mut out: HashMap<String, ClassCount> = HashMap::new();
    for v in g.nodes() {
        if !d.is_reachable(v) {
            continue;
        }
        let k = &keys[g.class_index(v) as usize];
        let e = out.entry(k.clone()).or_insert_with(|| ClassCount {
            class: k.clone(),
            ..Default::default()
        });
        e.instances += 1;
        e.shallow += g.shallow(v);
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
            e.retained += d.retained(v);
        }
    }
    out
}

#[test]
fn loader_groups_equal_an_independent_count_on_a_redeploy_leak() {
    let (g, d) = load("plugin_redeploy.hprof.gz");
    let h = histogram(&g, &d);
    let groups = loader_class_counts(&g, &d, &h);
    let expected = naive(&g, &d);
    assert_eq!(groups.len(), expected.len());
    for r in &groups {
        assert_eq!(Some(r), expected.get(&r.class), "{}", r.class);
        assert!(r.retained <= d.reachable_bytes(), "{}", r.class);
    }
    // The 36 PluginLoaders (35 of them undeployed, leaked) are one group holding the plugin
    // classes' instances of every generation.
    let plugins = groups
        .iter()
        .find(|r| r.class == "com.example.plugins.host.PluginLoader")
        .expect("a PluginLoader group");
    let plugin_instances: u64 = h
        .reachable
        .iter()
        .filter(|r| r.name.starts_with("com.example.plugins.impl."))
        .map(|r| r.instances)
        .sum();
    assert!(plugin_instances >= 36, "{plugin_instances}");
    assert!(plugins.instances >= plugin_instances);
    let total: u64 = groups.iter().map(|r| r.instances).sum();
    assert_eq!(total, d.reachable as u64);
    assert!(groups.iter().any(|r| r.class == "<bootstrap>"));
}

#[test]
fn loader_group_deltas_of_the_growth_pair() {
    let (ga, da) = load("growth_base.hprof.gz");
    let (gb, db) = load("growth_new.hprof.gz");
    let diff = compare(&digest(&ga, &da, None), &digest(&gb, &db, None));
    let (na, nb) = (naive(&ga, &da), naive(&gb, &db));
    let zero = ClassCount::default();
    let mut keys: Vec<&String> = na.keys().chain(nb.keys()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(diff.by_loader.len(), keys.len());
    for k in keys {
        let (a, b) = (na.get(k).unwrap_or(&zero), nb.get(k).unwrap_or(&zero));
        let row = diff
            .by_loader
            .iter()
            .find(|r| &r.class == k)
            .unwrap_or_else(|| panic!("{k} missing"));
        assert_eq!(
            (row.instances_base, row.instances_new),
            (a.instances, b.instances)
        );
        assert_eq!((row.shallow_base, row.shallow_new), (a.shallow, b.shallow));
        assert_eq!(
            (row.retained_base, row.retained_new),
            (a.retained, b.retained)
        );
        assert_eq!(row.instances_delta, b.instances as i64 - a.instances as i64);
        let change = match (na.contains_key(k), nb.contains_key(k)) {
            (false, _) => Change::New,
            (_, false) => Change::Vanished,
            _ if a == b => Change::Same,
            _ => Change::Changed,
        };
        assert_eq!(row.change, change, "{k}");
    }
    // The leak's classes are the application loader's: its group grew by at least the
    // 2,000 audit events the application added between the dumps.
    let app = diff
        .by_loader
        .iter()
        .find(|r| r.class.ends_with("$AppClassLoader"))
        .expect("the application loader's group");
    let events = diff
        .histogram
        .iter()
        .find(|r| r.class == "com.example.growth.GrowthApp$AuditEvent")
        .expect("AuditEvent row");
    assert!(events.instances_delta >= 2000, "{}", events.instances_delta);
    assert!(app.instances_delta >= events.instances_delta);
    assert!(app.retained_delta > 0);
    // Package rows retain the union too: none retains more than the reachable heap.
    for p in &diff.packages {
        assert!(p.retained_new <= diff.new.heap, "{}", p.class);
    }
}
