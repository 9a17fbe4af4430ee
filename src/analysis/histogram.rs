//! Class histogram: instances, shallow and retained bytes per class, reachable and unreachable
//! objects apart (MAT's default).

use crate::graph::{package_of, Dominance, HeapGraph, Node};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramRow {
    /// Class index (`HeapGraph::classes`), or a group's first class for grouped rows.
    pub class: u32,
    /// Class name (or package / loader for grouped rows).
    pub name: String,
    pub instances: u64,
    pub shallow: u64,
    /// MAT's retained heap of the class: the union of what its instances retain (instances
    /// dominated by another instance of the same class are not counted twice). 0 for
    /// unreachable rows.
    pub retained: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Histogram {
    /// Reachable objects, by class, largest retained first.
    pub reachable: Vec<HistogramRow>,
    /// Unreachable objects (excluded from the dominator tree), largest shallow first.
    pub unreachable: Vec<HistogramRow>,
}

/// Computes both histograms. Class retained sizes come from one iterative walk of the dominator
/// tree that counts, per class, how many instances are on the current path: an instance adds
/// its retained size only if no ancestor in the dominator tree has its class.
pub fn histogram(g: &HeapGraph, d: &Dominance) -> Histogram {
    histogram_with_progress(g, d, &mut |_| {})
}

/// [`histogram`], reporting the fraction done (0.0..=1.0) every million objects.
pub fn histogram_with_progress(
    g: &HeapGraph,
    d: &Dominance,
    progress: &mut dyn FnMut(f64),
) -> Histogram {
    let nc = g.classes.len();
    let total = g.node_count().max(1) as f64;
    let mut reach = vec![(0u64, 0u64, 0u64); nc];
    let mut unreach = vec![(0u64, 0u64); nc];
    for v in 0..g.node_count() as Node {
        if v % (1 << 20) == 0 {
            progress(0.3 * v as f64 / total);
        }
        let c = g.class_index(v) as usize;
        let s = g.shallow(v);
        if d.is_reachable(v) {
            reach[c].0 += 1;
            reach[c].1 += s;
        } else {
            unreach[c].0 += 1;
            unreach[c].1 += s;
        }
    }
    // Retained per class: DFS over the dominator tree.
    let mut active = vec![0u32; nc];
    let tree = d.child_index();
    progress(0.4);
    let mut walked = 0usize;
    let root = g.super_root();
    let mut stack: Vec<(Node, u32)> = vec![(root, 0)];
    while let Some(top) = stack.last_mut() {
        let (v, i) = *top;
        let kids = tree.children(v);
        if (i as usize) < kids.len() {
            top.1 += 1;
            let w = kids[i as usize];
            walked += 1;
            if walked % (1 << 20) == 0 {
                progress(0.4 + 0.6 * walked as f64 / total);
            }
            let c = g.class_index(w) as usize;
            if active[c] == 0 {
                reach[c].2 += d.retained(w);
            }
            active[c] += 1;
            stack.push((w, 0));
        } else {
            stack.pop();
            if v != root {
                active[g.class_index(v) as usize] -= 1;
            }
        }
    }
    let row = |c: usize, n: u64, s: u64, r: u64| HistogramRow {
        class: c as u32,
        name: g.classes[c].name.clone(),
        instances: n,
        shallow: s,
        retained: r,
    };
    let mut reachable: Vec<_> = reach
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0 > 0)
        .map(|(c, r)| row(c, r.0, r.1, r.2))
        .collect();
    reachable.sort_by(|a, b| {
        b.retained
            .cmp(&a.retained)
            .then(b.shallow.cmp(&a.shallow))
            .then(a.name.cmp(&b.name))
    });
    let mut unreachable: Vec<_> = unreach
        .iter()
        .enumerate()
        .filter(|(_, r)| r.0 > 0)
        .map(|(c, r)| row(c, r.0, r.1, 0))
        .collect();
    unreachable.sort_by(|a, b| b.shallow.cmp(&a.shallow).then(a.name.cmp(&b.name)));
    Histogram {
        reachable,
        unreachable,
    }
}

/// How to group histogram rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Grouping {
    Class,
    Package,
    ClassLoader,
}

/// Groups rows by package or by defining class loader. Retained bytes of a group are the sum of
/// its classes' (an upper bound: two classes of a group may retain the same objects), as MAT
/// shows for grouped histograms.
pub fn group_rows(g: &HeapGraph, rows: &[HistogramRow], by: Grouping) -> Vec<HistogramRow> {
    if by == Grouping::Class {
        return rows.to_vec();
    }
    let mut groups: HashMap<String, HistogramRow> = HashMap::new();
    for r in rows {
        let key = match by {
            Grouping::Package => {
                let p = package_of(&r.name);
                if p.is_empty() {
                    "<default package>".to_string()
                } else {
                    p.to_string()
                }
            }
            Grouping::ClassLoader => loader_name(g, g.classes[r.class as usize].loader),
            Grouping::Class => unreachable!(),
        };
        let e = groups.entry(key.clone()).or_insert(HistogramRow {
            class: r.class,
            name: key,
            instances: 0,
            shallow: 0,
            retained: 0,
        });
        e.instances += r.instances;
        e.shallow += r.shallow;
        e.retained += r.retained;
    }
    let mut out: Vec<_> = groups.into_values().collect();
    out.sort_by(|a, b| {
        b.retained
            .cmp(&a.retained)
            .then(b.shallow.cmp(&a.shallow))
            .then(a.name.cmp(&b.name))
    });
    out
}

/// `<bootstrap>` or `jdk.internal.loader.ClassLoaders$AppClassLoader @ 0x…`.
pub fn loader_name(g: &HeapGraph, loader: crate::hprof::Id) -> String {
    if loader == 0 {
        return "<bootstrap>".to_string();
    }
    match g.node_of(loader) {
        Some(n) => format!("{} @ 0x{loader:x}", g.display_class(n)),
        None => format!("<loader 0x{loader:x}>"),
    }
}
