//! The build's compact working layouts (issue 16: stream order → node run-length coded, the
//! edge room as compact offsets, the dominators' parent stream, byte degrees and in-place
//! arrays) against independent references: the references a synthetic dump was written with,
//! in file order and in shuffled address order (which makes the stream-order map fall back to
//! its plain column), and a textbook dominator algorithm (Cooper, Harvey and Kennedy's
//! iterative one) on dumps written by real JVMs.

mod common;

use heaplens::graph::dominators::{Successors, NO_IDX};
use heaplens::graph::{build_from_bytes, build_from_path, Dominance, HeapGraph, Node};
use heaplens::hprof::Id;
use heaplens_hprof_writer::{
    BasicType, HeapBuilder, IdScheme, ObjRef, RootKind, Value, WriteOptions,
};

/// A heap of chains, cross links and sparse arrays (null fields and null elements included);
/// returns the dump and, per object, its non-null references in field / element order.
fn heap(ids: IdScheme) -> (Vec<u8>, Vec<(ObjRef, Vec<ObjRef>)>) {
    let mut b = HeapBuilder::new(8).with_ids(ids);
    let object = b.object_class();
    let item = b.class(
        "com/x/Item",
        Some(object),
        &[
            ("next", BasicType::Object),
            ("v", BasicType::Int),
            ("other", BasicType::Object),
        ],
        &[],
    );
    let items = b.array_class("com/x/Item");
    let mut objs: Vec<(ObjRef, Vec<ObjRef>)> = Vec::new();
    let mut prev: Option<ObjRef> = None;
    for k in 0..3000usize {
        let next = prev.filter(|_| k % 7 != 0);
        let other = (k % 3 == 0 && k > 10).then(|| objs[k * 7 % (k - 1)].0);
        let o = b.instance(
            item,
            &[
                ("next", next.into()),
                ("v", Value::Int(k as i32)),
                ("other", other.into()),
            ],
        );
        objs.push((o, next.into_iter().chain(other).collect()));
        prev = Some(o);
        if k % 500 == 499 {
            // A sparse array over the last 300 items: every third slot set.
            let elements: Vec<Option<ObjRef>> = (0..300)
                .map(|i| (i % 3 == 0).then(|| objs[k - i].0))
                .collect();
            let a = b.obj_array(items, &elements);
            objs.push((a, elements.iter().flatten().copied().collect()));
            b.root(
                a,
                RootKind::JniGlobal {
                    jni_ref_id: k as u64,
                },
            );
        }
    }
    b.root(prev.expect("items"), RootKind::StickyClass);
    (b.write(&WriteOptions::default()), objs)
}

fn node(g: &HeapGraph, o: ObjRef) -> Node {
    g.node_of(Id::new(o.id())).expect("object in graph")
}

#[test]
fn edges_and_dominators_do_not_depend_on_the_stream_order() {
    let sequential = IdScheme::Sequential {
        start: 0x1000_0000,
        step: 32,
    };
    let shuffled = IdScheme::Shuffled {
        start: 0x1000_0000,
        step: 32,
        seed: 7,
    };
    let mut idoms = Vec::new();
    for ids in [sequential, shuffled] {
        let (dump, objs) = heap(ids);
        let g = build_from_bytes(&dump).expect("synthetic dump builds");
        assert!(!g.stats.input_changed);
        for (o, refs) in &objs {
            let got: Vec<Node> = g.edges(node(&g, *o)).map(|(t, _)| t).collect();
            let want: Vec<Node> = refs.iter().map(|&r| node(&g, r)).collect();
            assert_eq!(got, want, "edges of {:x}", o.id());
        }
        let d = Dominance::compute(&g);
        assert_eq!(d.idom, reference_idom(&g, g.super_root().get()));
        // Dominators by object (ids differ between the two dumps), and retained sizes.
        let index: std::collections::HashMap<Node, usize> = objs
            .iter()
            .enumerate()
            .map(|(k, o)| (node(&g, o.0), k))
            .collect();
        let by_object: Vec<(Option<usize>, u64)> = objs
            .iter()
            .map(|(o, _)| {
                let v = node(&g, *o);
                (
                    d.idom(v).and_then(|p| index.get(&p).copied()),
                    d.retained(v),
                )
            })
            .collect();
        idoms.push(by_object);
    }
    assert_eq!(idoms[0], idoms[1]);
}

#[test]
fn dominators_match_a_textbook_algorithm_on_real_dumps() {
    for name in [
        "queue_backlog.hprof.gz",
        "thread_explosion.hprof.gz",
        "classloader_leak.hprof.gz",
    ] {
        let g = build_from_path(&common::fixture(name), |_, _| {}).expect("fixture builds");
        let d = Dominance::compute(&g);
        assert!(d.reachable > 1000, "{name}: {} reachable", d.reachable);
        assert_eq!(
            d.idom,
            reference_idom(&g, g.super_root().get()),
            "{name}: immediate dominators"
        );
        // Children runs: every reachable node once, under its idom, largest retained first.
        let mut seen = 0;
        for v in 0..g.node_count() + 1 {
            let kids = d.children(Node::new(v as u32));
            seen += kids.len();
            for w in kids.windows(2) {
                assert!(
                    d.retained(w[0]) >= d.retained(w[1]),
                    "{name}: order under {v}"
                );
            }
            for &k in kids {
                assert_eq!(d.idom[k.get() as usize], v as u32, "{name}: child {k:?}");
            }
        }
        assert_eq!(seen, d.reachable, "{name}");
    }
}

/// Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001): iterate
/// `idom(v) = intersect(processed predecessors)` in reverse postorder to a fixed point. Shares
/// nothing with the semi-NCA code but the graph.
fn reference_idom(g: &impl Successors, root: u32) -> Vec<u32> {
    let n = g.node_count();
    let succ: Vec<Vec<u32>> = (0..n as u32)
        .map(|v| {
            let mut s = Vec::new();
            g.for_each_successor(v, |w| s.push(w));
            s
        })
        .collect();
    // Postorder by an iterative DFS.
    let mut post = Vec::new();
    let mut seen = vec![false; n];
    let mut stack = vec![(root, 0usize)];
    seen[root as usize] = true;
    while let Some(&mut (v, ref mut i)) = stack.last_mut() {
        if let Some(&w) = succ[v as usize].get(*i) {
            *i += 1;
            if !seen[w as usize] {
                seen[w as usize] = true;
                stack.push((w, 0));
            }
        } else {
            post.push(v);
            stack.pop();
        }
    }
    let mut rank = vec![u32::MAX; n];
    for (k, &v) in post.iter().enumerate() {
        rank[v as usize] = k as u32;
    }
    let mut preds = vec![Vec::new(); n];
    for &v in &post {
        for &w in &succ[v as usize] {
            preds[w as usize].push(v);
        }
    }
    let mut idom = vec![NO_IDX; n];
    idom[root as usize] = root;
    let mut changed = true;
    while changed {
        changed = false;
        for &v in post.iter().rev() {
            if v == root {
                continue;
            }
            let mut new = NO_IDX;
            for &p in &preds[v as usize] {
                if idom[p as usize] == NO_IDX {
                    continue;
                }
                new = if new == NO_IDX {
                    p
                } else {
                    let (mut a, mut b) = (p, new);
                    while a != b {
                        while rank[a as usize] < rank[b as usize] {
                            a = idom[a as usize];
                        }
                        while rank[b as usize] < rank[a as usize] {
                            b = idom[b as usize];
                        }
                    }
                    a
                };
            }
            if idom[v as usize] != new {
                idom[v as usize] = new;
                changed = true;
            }
        }
    }
    idom
}
