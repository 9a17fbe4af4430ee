//! The class histogram of one dump grouped by package and by defining class loader, keyed so
//! that two dumps can be matched.
//!
//! A group's retained bytes are the retained size of the union of its objects, as in the
//! histogram's own groups (`analysis::histogram`) and in Eclipse MAT: the sum over the members
//! that no other member of the group dominates (summing the classes' retained sizes instead
//! counts an object once per class above it).
//!
//! **Loader key.** The histogram view names a loader by its class and object id
//! (`…$AppClassLoader @ 0x…`); ids change between dumps, so here the key is the loader's class
//! alone (`<bootstrap>` for the bootstrap loader): the classes defined by every loader of one
//! class are one group (the 40 `PluginLoader`s of a redeploy leak are one row, with 40× the
//! instances). A loader object that is not in the dump is `<loader not in dump>`.

use super::histogram::ClassCount;
use crate::analysis::histogram::{package_key, Histogram};
use crate::graph::{Dominance, HeapGraph, Node};
use crate::hprof::Id;
use std::collections::HashMap;

/// Key of the bootstrap loader's group.
pub(crate) const BOOTSTRAP: &str = "<bootstrap>";
/// Key of the classes whose loader object is missing from the dump.
pub(crate) const MISSING_LOADER: &str = "<loader not in dump>";

/// The group key of every class (`HeapGraph::classes` order) and the keys, in first-seen order.
fn group_of_classes(g: &HeapGraph, key: impl Fn(usize) -> String) -> (Vec<u32>, Vec<String>) {
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut keys = Vec::new();
    let of = (0..g.classes.len())
        .map(|c| {
            let k = key(c);
            *index.entry(k).or_insert_with_key(|k| {
                keys.push(k.clone());
                keys.len() as u32 - 1
            })
        })
        .collect();
    (of, keys)
}

/// The loader key of class `c`: its defining loader's class name.
pub(crate) fn loader_key(g: &HeapGraph, c: usize) -> String {
    match g.classes[c].loader {
        Id::NULL => BOOTSTRAP.to_string(),
        id => match g.node_of(id) {
            Some(n) => g.class(n).name.clone(),
            None => MISSING_LOADER.to_string(),
        },
    }
}

/// Reachable instances and shallow bytes per group (from the histogram's rows), retained
/// bytes from `retained` (by group index).
fn rows(h: &Histogram, of: &[u32], keys: Vec<String>, retained: &[u64]) -> Vec<ClassCount> {
    let mut out: Vec<ClassCount> = keys
        .into_iter()
        .zip(retained)
        .map(|(class, &retained)| ClassCount {
            class,
            retained,
            ..Default::default()
        })
        .collect();
    for r in &h.reachable {
        let e = &mut out[of[r.class as usize] as usize];
        e.instances += r.instances;
        e.shallow += r.shallow;
    }
    out.retain(|c| c.instances > 0);
    out.sort_by(|a, b| a.class.cmp(&b.class));
    out
}

/// The reachable histogram by package; retained bytes are the histogram's own union per
/// package.
pub(crate) fn package_counts(g: &HeapGraph, h: &Histogram) -> Vec<ClassCount> {
    let (of, keys) = group_of_classes(g, |c| package_key(&g.classes[c].name));
    let by_name: HashMap<&str, u64> = h
        .package_retained
        .iter()
        .map(|(k, r)| (k.as_str(), *r))
        .collect();
    let retained: Vec<u64> = keys
        .iter()
        .map(|k| by_name.get(k.as_str()).copied().unwrap_or(0))
        .collect();
    rows(h, &of, keys, &retained)
}

/// The reachable histogram by the class of the defining loader (see the module docs).
///
/// When every group is one loader (the usual case: the bootstrap, platform and application
/// loaders), a group's union is that loader's, which the histogram already computed; only
/// several loaders of one class (a redeploy) need a walk of the dominator tree of their own.
pub fn loader_counts(g: &HeapGraph, d: &Dominance, h: &Histogram) -> Vec<ClassCount> {
    let (of, keys) = group_of_classes(g, |c| loader_key(g, c));
    let mut loader_of_group: Vec<Option<Id>> = vec![None; keys.len()];
    let mut single = true;
    for (c, &k) in of.iter().enumerate() {
        let loader = g.classes[c].loader;
        match loader_of_group[k as usize] {
            None => loader_of_group[k as usize] = Some(loader),
            Some(l) if l != loader => single = false,
            Some(_) => {}
        }
    }
    let retained = if single {
        let by_loader: HashMap<Id, u64> = h.loader_retained.iter().copied().collect();
        loader_of_group
            .iter()
            .map(|l| l.and_then(|l| by_loader.get(&l).copied()).unwrap_or(0))
            .collect()
    } else {
        union_retained(g, d, &of, keys.len())
    };
    rows(h, &of, keys, &retained)
}

/// Retained bytes of the union of each group's reachable objects (`of`: group of each class):
/// one iterative walk of the dominator tree counting, per group, the members among the current
/// node's ancestors; a member adds its retained size only when there is none.
fn union_retained(g: &HeapGraph, d: &Dominance, of: &[u32], groups: usize) -> Vec<u64> {
    let mut active = vec![0u32; groups];
    let mut retained = vec![0u64; groups];
    let tree = d.child_index();
    let root = g.super_root();
    let mut stack: Vec<(Node, u32)> = vec![(root, 0)];
    while let Some(top) = stack.last_mut() {
        let (v, i) = *top;
        let kids = tree.children(v);
        if (i as usize) < kids.len() {
            top.1 += 1;
            let w = kids[i as usize];
            let k = of[g.class_index(w) as usize] as usize;
            if active[k] == 0 {
                retained[k] += d.retained(w);
            }
            active[k] += 1;
            stack.push((w, 0));
        } else {
            stack.pop();
            if v != root {
                active[of[g.class_index(v) as usize] as usize] -= 1;
            }
        }
    }
    retained
}
