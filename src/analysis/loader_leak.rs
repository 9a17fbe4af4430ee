//! Class-loader leaks: several live loaders of one class that define classes of the same names.
//!
//! Each deployment of an application or plugin gets its own class loader, which defines its own
//! copy of the classes. When an old deployment is not released (a static registry, a thread, a
//! `ThreadLocal` or a JDK cache still references the loader, one of its classes or an instance),
//! its loader and every class it defined stay alive next to the new ones: the dump shows N live
//! loaders of one class, each defining the same class names. That is reported whatever share of
//! the heap they retain (class metadata lives in Metaspace, outside the heap), naming the
//! loaders, the duplicated classes and what keeps the loaders reachable.

use super::patterns::*;
use super::suspects::{accumulated, Cx, Suspect, SuspectKind};
use crate::graph::{Dominance, Node, NO_NODE};
use crate::hprof::Id;
use std::collections::HashMap;

/// A class-loader leak: the suspect, its loaders and the duplicated class names.
pub(super) struct LoaderLeak {
    pub(super) suspect: Suspect,
    pub(super) loaders: Vec<Node>,
    pub(super) classes: Vec<String>,
}

/// The class-loader leaks of a dump, biggest first.
pub(super) fn loader_leaks(cx: &Cx) -> Vec<LoaderLeak> {
    let g = cx.g;
    // Live loaders (instances), by loader class, with the class names each defines.
    let mut defined: HashMap<Id, Vec<&str>> = HashMap::new();
    for c in &g.classes {
        if c.node != NO_NODE && !c.loader.is_null() && !c.is_array() {
            defined.entry(c.loader).or_default().push(c.name.as_str());
        }
    }
    let mut by_class: HashMap<u32, Vec<(Node, &Vec<&str>)>> = HashMap::new();
    for (id, names) in &defined {
        let Some(v) = g.node_of(*id) else { continue };
        if !cx.d.is_reachable(v) || BUILTIN_LOADERS.contains(&g.class(v).name.as_str()) {
            continue;
        }
        by_class
            .entry(g.class_index(v))
            .or_default()
            .push((v, names));
    }
    let mut out = Vec::new();
    for (class, loaders) in by_class {
        if loaders.len() < LOADER_LEAK_MIN {
            continue;
        }
        let mut copies: HashMap<&str, u64> = HashMap::new();
        for (_, names) in &loaders {
            for n in names.iter() {
                *copies.entry(n).or_insert(0) += 1;
            }
        }
        let leaking: Vec<Node> = loaders
            .iter()
            .filter(|(_, names)| names.iter().any(|n| copies[n] > 1))
            .map(|(v, _)| *v)
            .collect();
        if leaking.len() < LOADER_LEAK_MIN {
            continue;
        }
        let mut dup: Vec<(&str, u64)> = copies.into_iter().filter(|e| e.1 > 1).collect();
        dup.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        out.push(LoaderLeak {
            suspect: leak_suspect(cx, class, &leaking, &dup),
            loaders: leaking,
            classes: dup.iter().map(|e| e.0.to_string()).collect(),
        });
    }
    out.sort_by_key(|l| std::cmp::Reverse(l.suspect.retained));
    out
}

/// Folds a threshold suspect that holds the leak's objects (a collection of instances of the
/// duplicated classes, or a group of them) into the leak: one story, the holder named, and the
/// retained size of the union of the loaders and that suspect's accumulation point. Returns
/// whether `other` was folded in (the caller drops it).
pub(super) fn absorb(cx: &Cx, leak: &mut LoaderLeak, other: &Suspect) -> bool {
    let holds_copies = other
        .collection
        .as_ref()
        .and_then(|c| c.element_class.as_ref())
        .is_some_and(|c| leak.classes.contains(c))
        || (other.kind == SuspectKind::Group && leak.classes.contains(&other.class));
    if !holds_copies {
        return false;
    }
    let node_of = |hex: &str| {
        u64::from_str_radix(hex.trim_start_matches("0x"), 16)
            .ok()
            .and_then(|id| cx.g.node_of(Id::new(id)))
    };
    let mut nodes = leak.loaders.clone();
    let held = other
        .accumulation_point
        .as_ref()
        .and_then(|a| node_of(&a.object_id))
        .or_else(|| node_of(&other.object_id));
    nodes.extend(held);
    let retained = union_retained(cx.d, &nodes);
    // The holder's sentence of the other story, without its pattern and its advice.
    let text = other
        .explanation
        .split_once(": ")
        .map_or(other.explanation.as_str(), |(_, t)| t);
    let text = text.split(". It retains").next().unwrap_or(text);
    let text = text
        .split(". ")
        .next()
        .unwrap_or(text)
        .trim_end_matches('.');
    let s = &mut leak.suspect;
    s.explanation.push_str(&format!(
        " Where their instances are: {text}. Loaders and instances together retain {}.",
        fmt_bytes_pct(retained, cx.pct(retained))
    ));
    s.retained = retained;
    s.retained_pct = cx.pct(retained);
    if s.holder.is_none() {
        s.holder = other.holder.clone();
    }
    if s.accumulation_point.is_none() {
        s.accumulation_point = other.accumulation_point.clone();
        s.collection = other.collection.clone();
    }
    true
}

/// Bytes retained by the union of `nodes` (those dominated by another one counted once).
fn union_retained(d: &Dominance, nodes: &[Node]) -> u64 {
    let set: std::collections::HashSet<Node> = nodes.iter().copied().collect();
    nodes
        .iter()
        .filter(|&&v| {
            let mut up = d.idom(v);
            while let Some(p) = up {
                if p == d.super_root() {
                    return true;
                }
                if set.contains(&p) {
                    return false;
                }
                up = d.idom(p);
            }
            true
        })
        .map(|&v| d.retained(v))
        .sum()
}

fn leak_suspect(cx: &Cx, class: u32, loaders: &[Node], dup: &[(&str, u64)]) -> Suspect {
    let (g, d) = (cx.g, cx.d);
    let mut loaders = loaders.to_vec();
    loaders.sort_by(|&a, &b| d.retained(b).cmp(&d.retained(a)).then(a.cmp(&b)));
    let biggest = loaders[0];
    let class_name = g.classes[class as usize].name.clone();
    let retained = union_retained(d, &loaders);
    let n = loaders.len() as u64;
    let max_copies = dup.first().map_or(0, |e| e.1);
    let examples: Vec<&str> = dup.iter().take(3).map(|e| e.0).collect();
    let pkg = main_package(dup);
    // What keeps them: distinct anchors of the loaders' shortest paths (a few).
    let path = cx.paths.shortest_path(biggest);
    let mut anchors: Vec<String> = Vec::new();
    for &v in loaders.iter().take(200) {
        if let Some(p) = cx.paths.shortest_path(v) {
            let a = anchor_phrase(g, cx.paths, &p);
            if !anchors.contains(&a) {
                anchors.push(a);
            }
        }
        if anchors.len() >= 3 {
            break;
        }
    }
    let kept = match anchors.as_slice() {
        [] => String::new(),
        [a] => format!(" They are reachable from {a}."),
        more => format!(" They are reachable from {}.", more.join("; ")),
    };
    let explanation = format!(
        "{leak}: {} class loaders of class {class_name} are alive and define the same \
         classes: {} class names{pkg} are defined {}, one copy per loader (e.g. {}). Several live \
         copies of the same classes are the footprint of an application or plugin that was \
         redeployed or undeployed while something still references its old loader, one of its \
         classes or an instance. Together the loaders retain {} on the heap; the classes' \
         metadata (Metaspace) comes on top.{kept} See the class loaders view for each loader and \
         its duplicated classes.",
        fmt_count(n),
        fmt_count(dup.len() as u64),
        if max_copies == n {
            "by each of them".to_string()
        } else {
            format!("by up to {} of them", fmt_count(max_copies))
        },
        examples.join(", "),
        fmt_bytes_pct(retained, cx.pct(retained)),
        leak = LeakPattern::ClassLoaderLeak
    );
    Suspect {
        accumulated: accumulated(cx, &loaders, true),
        pattern: LeakPattern::ClassLoaderLeak,
        explanation,
        ..Suspect::base(
            cx,
            SuspectKind::Group,
            class_name,
            biggest,
            (n, retained),
            biggest,
            path.as_ref(),
        )
    }
}

/// ` (mostly com.example.plugin.*)` when most duplicated names share a package.
fn main_package(dup: &[(&str, u64)]) -> String {
    let mut pk: HashMap<&str, usize> = HashMap::new();
    for (n, _) in dup {
        *pk.entry(crate::graph::package_of(n)).or_insert(0) += 1;
    }
    match pk
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
    {
        Some((p, k)) if !p.is_empty() && k * 2 > dup.len() => format!(" (mostly {p}.*)"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_of_the_duplicates() {
        let dup = [("com.x.A", 3), ("com.x.B", 3), ("org.y.C", 2)];
        assert_eq!(main_package(&dup), " (mostly com.x.*)");
        assert_eq!(main_package(&dup[2..]), " (mostly org.y.*)");
    }
}
