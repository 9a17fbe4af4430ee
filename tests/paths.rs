//! Paths to GC roots: synthetic heaps with known answers, then a real fixture.

mod common;

use heaplens::analysis::{Path, PathFinder, PathIndex, PathOptions};
use heaplens::graph::{build_from_bytes, Dominance, HeapGraph, Node};
use heaplens::hprof::Id;
use heaplens_hprof_writer::{
    BasicType, ClassRef, Frame, HeapBuilder, ObjRef, RootKind, Value, WriteOptions,
};

fn build(b: &HeapBuilder) -> HeapGraph {
    build_from_bytes(&b.write(&WriteOptions::default())).expect("synthetic dump parses")
}

/// `java.lang.ref.WeakReference` under `java.lang.ref.Reference` (its `referent` excluded from
/// paths by default).
fn weak_reference_class(b: &mut HeapBuilder, object: ClassRef) -> ClassRef {
    let reference = b.class(
        "java/lang/ref/Reference",
        Some(object),
        &[
            ("referent", BasicType::Object),
            ("queue", BasicType::Object),
        ],
        &[],
    );
    b.class("java/lang/ref/WeakReference", Some(reference), &[], &[])
}

fn node(g: &HeapGraph, o: ObjRef) -> Node {
    g.node_of(Id::new(o.id())).expect("object in graph")
}

fn nodes(p: &Path) -> Vec<Node> {
    p.steps.iter().map(|s| s.node).collect()
}

fn fields(p: &Path) -> Vec<&str> {
    p.steps.iter().map(|s| s.field.as_str()).collect()
}

const JNI: RootKind = RootKind::JniGlobal { jni_ref_id: 0x77 };

#[test]
fn shortest_of_two_chains() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let link = b.class("com/x/Link", Some(object), &[("next", Object)], &[]);
    let target = b.instance(link, &[]);
    // Long chain: a1 → a2 → a3 → target, a1 a JNI global.
    let a3 = b.instance(link, &[("next", target.into())]);
    let a2 = b.instance(link, &[("next", a3.into())]);
    let a1 = b.instance(link, &[("next", a2.into())]);
    b.root(a1, JNI);
    // Short chain: b1 → target, b1 a JNI global.
    let b1 = b.instance(link, &[("next", target.into())]);
    b.root(b1, JNI);
    let g = build(&b);
    let f = PathFinder::new(&g, PathOptions::default());
    let p = f.shortest_path(node(&g, target)).unwrap();
    assert_eq!(nodes(&p), vec![node(&g, b1), node(&g, target)]);
    assert_eq!(fields(&p), vec!["<GC root>", "next"]);
    assert_eq!(p.root_kind.label(), "JNI Global");
    assert_eq!(p.steps[1].class, "com.x.Link");
    assert_eq!(p.steps[1].object_id, format!("0x{:x}", target.id()));
    assert_eq!(f.depth(node(&g, target)), Some(2));
    assert_eq!(f.shortest_path(node(&g, a3)).unwrap().len(), 3);

    // Two paths: the shortest, then the long chain (deviating at the target itself).
    let ps = f.paths(node(&g, target), 5);
    assert_eq!(ps.len(), 2);
    assert_eq!(nodes(&ps[0]), nodes(&p));
    assert_eq!(
        nodes(&ps[1]),
        [a1, a2, a3, target]
            .iter()
            .map(|&o| node(&g, o))
            .collect::<Vec<_>>()
    );
    assert_eq!(f.paths(node(&g, target), 1).len(), 1);
}

#[test]
fn weak_referent_excluded_by_default() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let weak = weak_reference_class(&mut b, object);
    let link = b.class("com/x/Link", Some(object), &[("next", Object)], &[]);
    let only_weak = b.instance(link, &[]);
    let both = b.instance(link, &[]);
    let w = b.instance(weak, &[("referent", only_weak.into())]);
    b.root(w, JNI);
    let w2 = b.instance(weak, &[("referent", both.into())]);
    b.root(w2, JNI);
    // `both` also has a longer strong path.
    let s2 = b.instance(link, &[("next", both.into())]);
    let s1 = b.instance(link, &[("next", s2.into())]);
    b.root(s1, JNI);
    let g = build(&b);

    let strong = PathFinder::new(&g, PathOptions::default());
    assert!(strong.shortest_path(node(&g, only_weak)).is_none());
    assert!(!strong.has_path(node(&g, only_weak)));
    let p = strong.shortest_path(node(&g, both)).unwrap();
    assert_eq!(
        nodes(&p),
        [s1, s2, both]
            .iter()
            .map(|&o| node(&g, o))
            .collect::<Vec<_>>()
    );
    // The weak referrer is no alternative either.
    assert!(strong
        .paths(node(&g, both), 5)
        .iter()
        .all(|p| !fields(p).contains(&"referent")));

    let weak_too = PathFinder::new(&g, PathOptions { include_weak: true });
    let p = weak_too.shortest_path(node(&g, only_weak)).unwrap();
    assert_eq!(nodes(&p), vec![node(&g, w), node(&g, only_weak)]);
    assert_eq!(fields(&p), vec!["<GC root>", "referent"]);
    let p = weak_too.shortest_path(node(&g, both)).unwrap();
    assert_eq!(nodes(&p), vec![node(&g, w2), node(&g, both)]);
}

#[test]
fn finalizer_unfinalized_excluded() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let reference = b.class(
        "java/lang/ref/Reference",
        Some(object),
        &[("referent", Object)],
        &[],
    );
    let fref = b.class("java/lang/ref/FinalReference", Some(reference), &[], &[]);
    let fin = b.class(
        "java/lang/ref/Finalizer",
        Some(fref),
        &[("next", Object)],
        &[],
    );
    let link = b.class("com/x/Link", Some(object), &[("next", Object)], &[]);
    let f1 = b.instance(fin, &[]);
    b.set_static(fin, "unfinalized", f1.into());
    b.root(fin, RootKind::StickyClass);
    b.root(link, RootKind::StickyClass);
    let g = build(&b);
    let strong = PathFinder::new(&g, PathOptions::default());
    assert!(strong.shortest_path(node(&g, f1)).is_none());
    let all = PathFinder::new(&g, PathOptions { include_weak: true });
    let p = all.shortest_path(node(&g, f1)).unwrap();
    assert_eq!(fields(&p), vec!["<GC root>", "<static> unfinalized"]);
    assert_eq!(p.root_kind.label(), "System Class");
    assert_eq!(
        p.root_detail,
        "static field unfinalized of java.lang.ref.Finalizer"
    );
}

#[test]
fn field_labels_statics_and_array_indices() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let map = b.class(
        "java/util/HashMap",
        Some(object),
        &[("table", Object), ("size", Int)],
        &[],
    );
    let node_class = b.class(
        "java/util/HashMap$Node",
        Some(object),
        &[("key", Object), ("value", Object), ("next", Object)],
        &[],
    );
    let registry = b.class("com/example/Registry", Some(object), &[], &[]);
    let nodes_class = b.array_class("java/util/HashMap$Node");
    let value = b.string("payload");
    let entry = b.instance(node_class, &[("value", value.into())]);
    let filler = b.instance(node_class, &[]);
    let mut elems = vec![None; 16];
    elems[2] = Some(filler);
    elems[13] = Some(entry);
    let table = b.obj_array(nodes_class, &elems);
    let m = b.instance(map, &[("table", table.into()), ("size", Value::Int(2))]);
    b.set_static(registry, "INSTANCE", m.into());
    b.root(registry, RootKind::StickyClass);
    // An index above 255 (edge slots are stored modulo 256).
    let big = b.array_class("java/lang/Object");
    let mut many = vec![None; 400];
    let far = b.instance(object, &[]);
    // Gaps of 256 and more between non-null elements: the graph records their exact index.
    many[7] = Some(filler);
    many[300] = Some(far);
    many[399] = Some(filler);
    let arr = b.obj_array(big, &many);
    b.root(arr, JNI);
    let g = build(&b);
    let f = PathFinder::new(&g, PathOptions::default());

    let p = f.shortest_path(node(&g, value)).unwrap();
    assert_eq!(
        fields(&p),
        vec!["<GC root>", "<static> INSTANCE", "table", "[13]", "value"]
    );
    assert_eq!(p.steps[0].class, "class com.example.Registry");
    assert_eq!(p.steps[3].class, "java.util.HashMap$Node");
    assert_eq!(p.fields_after(0), "<static> INSTANCE.table[13].value");
    assert_eq!(p.fields_after(1), "table[13].value");
    assert_eq!(p.root_kind.label(), "System Class");
    assert_eq!(
        p.root_detail,
        "static field INSTANCE of com.example.Registry"
    );
    assert_eq!(p.target(), Some(node(&g, value)));

    let p = f.shortest_path(node(&g, far)).unwrap();
    assert_eq!(fields(&p), vec!["<GC root>", "[300]"]);
    let labels: Vec<String> = g
        .labelled_edges(node(&g, arr))
        .iter()
        .map(|(_, l)| l.to_string())
        .collect();
    assert_eq!(labels, ["<class>", "[7]", "[300]", "[399]"]);
    assert_eq!(p.root_detail, "JNI Global reference to java.lang.Object[]");
}

#[test]
fn java_local_roots_name_the_frame() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let worker = b.class("com/example/Worker", Some(object), &[("buf", Object)], &[]);
    let buf = b.prim_array(BasicType::Byte, &[0u8; 64]);
    let w = b.instance(worker, &[("buf", buf.into())]);
    b.thread(
        "worker-1",
        &[
            Frame {
                class: worker,
                method: "run",
                signature: "()V",
                source_file: "Worker.java",
                line: 42,
                locals: &[w.id()],
            },
            Frame {
                class: worker,
                method: "main",
                signature: "()V",
                source_file: "",
                line: -1,
                locals: &[],
            },
        ],
    );
    let _ = Object;
    let g = build(&b);
    let f = PathFinder::new(&g, PathOptions::default());
    let p = f.shortest_path(node(&g, buf)).unwrap();
    assert_eq!(fields(&p), vec!["<GC root>", "<Java Local>", "buf"]);
    assert_eq!(p.steps[0].class, "java.lang.Thread");
    assert_eq!(p.root_kind.label(), "Java Local");
    assert_eq!(
        p.root_detail,
        "Java Local in com.example.Worker.run(Worker.java:42) of thread \"worker-1\""
    );
    // The thread itself.
    let t = p.steps[0].node;
    let pt = f.shortest_path(t).unwrap();
    assert_eq!(pt.len(), 1);
    assert_eq!(pt.root_kind.label(), "Thread");
    assert_eq!(pt.root_detail, "thread \"worker-1\"");
}

#[test]
fn several_paths_prefer_new_roots() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let holder = b.class(
        "com/x/Holder",
        Some(object),
        &[("a", Object), ("b", Object)],
        &[],
    );
    let target = b.instance(object, &[]);
    // Root 1 references target through two fields of one holder, root 2 through a chain.
    let h1 = b.instance(holder, &[("a", target.into()), ("b", target.into())]);
    b.root(h1, JNI);
    let mid = b.instance(holder, &[("a", target.into())]);
    let h2 = b.instance(holder, &[("b", mid.into())]);
    b.root(h2, JNI);
    let g = build(&b);
    let f = PathFinder::new(&g, PathOptions::default());
    let ps = f.paths(node(&g, target), 3);
    assert_eq!(ps.len(), 2, "h1 (twice, one path) and h2 → mid");
    assert_eq!(nodes(&ps[0]), vec![node(&g, h1), node(&g, target)]);
    assert_eq!(
        nodes(&ps[1]),
        vec![node(&g, h2), node(&g, mid), node(&g, target)]
    );
    assert_eq!(fields(&ps[1]), vec!["<GC root>", "b", "a"]);
    assert!(f.paths(node(&g, target), 0).is_empty());
}

#[test]
fn merge_paths_counts_objects() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let container = b.class(
        "com/x/Container",
        Some(object),
        &[("list", Object), ("other", Object)],
        &[],
    );
    let item = b.class("com/x/Item", Some(object), &[], &[]);
    let items: Vec<ObjRef> = (0..4).map(|_| b.instance(item, &[])).collect();
    let arr_class = b.array_class("com/x/Item");
    let arr = b.obj_array(arr_class, &[Some(items[0]), Some(items[1]), Some(items[2])]);
    let c = b.instance(
        container,
        &[("list", arr.into()), ("other", items[3].into())],
    );
    b.root(c, JNI);
    let orphan = b.instance(item, &[]);
    let g = build(&b);
    let f = PathFinder::new(&g, PathOptions::default());
    let mut objs: Vec<Node> = items.iter().map(|&o| node(&g, o)).collect();
    objs.push(node(&g, orphan));
    let m = f.merge_paths(&objs, 0);
    assert_eq!((m.requested, m.considered, m.without_path), (5, 5, 1));
    assert_eq!(m.roots.len(), 1);
    let root = &m.nodes[m.roots[0] as usize];
    assert_eq!((root.node, root.count, root.depth), (node(&g, c), 4, 0));
    assert_eq!(root.root_kind.map(|k| k.label()), Some("JNI Global"));
    assert_eq!(root.children.len(), 2);
    let list = &m.nodes[root.children[0] as usize];
    assert_eq!(
        (list.node, list.count, list.field.as_str(), list.objects),
        (node(&g, arr), 3, "list", 0)
    );
    assert_eq!(list.children.len(), 3);
    let first = &m.nodes[list.children[0] as usize];
    assert_eq!(
        (
            first.count,
            first.objects,
            first.field.as_str(),
            first.depth
        ),
        (1, 1, "[0]", 2)
    );
    assert_eq!(first.parent, Some(root.children[0]));
    let other = &m.nodes[root.children[1] as usize];
    assert_eq!((other.count, other.field.as_str()), (1, "other"));
    // Pre-order: every parent precedes its children.
    for (i, n) in m.nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            assert!((p as usize) < i);
        }
    }
    // Accumulation point: 3 of 4 go through the array (75%): not > 80%, so the container.
    assert_eq!(
        m.accumulation_point(0.8).map(|i| m.nodes[i as usize].node),
        Some(node(&g, c))
    );
    assert_eq!(
        m.accumulation_point(0.7).map(|i| m.nodes[i as usize].node),
        Some(node(&g, arr))
    );
    // Limit.
    let m2 = f.merge_paths(&objs, 2);
    assert_eq!(
        (m2.considered, m2.nodes[m2.roots[0] as usize].count),
        (2, 2)
    );
}

#[test]
fn merge_paths_of_a_long_chain_stops_at_its_owner() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let list = b.class(
        "java/util/LinkedList",
        Some(object),
        &[("first", Object), ("size", Int)],
        &[],
    );
    let nclass = b.class(
        "java/util/LinkedList$Node",
        Some(object),
        &[("item", Object), ("next", Object)],
        &[],
    );
    let n = 20_000;
    let mut next: Option<ObjRef> = None;
    let mut items = Vec::new();
    for _ in 0..n {
        let it = b.instance(object, &[]);
        items.push(it);
        next = Some(b.instance(nclass, &[("item", it.into()), ("next", next.into())]));
    }
    let l = b.instance(list, &[("first", next.into()), ("size", Value::Int(n))]);
    b.root(l, JNI);
    let g = build(&b);
    let f = PathFinder::new(&g, PathOptions::default());
    let objs: Vec<Node> = items.iter().map(|&o| node(&g, o)).collect();
    let m = f.merge_paths(&objs, 0);
    assert_eq!(m.nodes[m.roots[0] as usize].count, n as u64);
    // 1 list + n nodes + n items, each once.
    assert_eq!(m.nodes.len(), 1 + 2 * n as usize);
    let ap = m.accumulation_point(0.8).unwrap();
    assert_eq!(
        m.nodes[ap as usize].node,
        node(&g, l),
        "the list owning the chain"
    );
    // The deepest item's path is the whole chain.
    let p = f.shortest_path(objs[0]).unwrap();
    assert_eq!(p.len(), n as usize + 2);
}

// ---- a real dump ---------------------------------------------------------------------------

#[test]
fn queue_items_path_on_real_dump() {
    let bytes = common::read_fixture("queue_backlog.hprof.gz");
    let g = build_from_bytes(&bytes).unwrap();
    let f = PathFinder::new(&g, PathOptions::default());
    let sender = g
        .nodes()
        .find(|&v| {
            g.as_class(v).is_none() && g.class(v).name == "com.example.monitor.TcpSocketSender"
        })
        .expect("the sender");
    let queue = g.ref_field(sender, "m_queue").unwrap();
    let items = g.ref_field(queue, "items").unwrap();
    let p = f.shortest_path(items).unwrap();
    assert_eq!(p.target(), Some(items));
    assert_eq!(p.steps.last().unwrap().class, "java.lang.Object[]");
    let labels = fields(&p);
    assert!(
        labels.contains(&"m_queue") && labels.ends_with(&["items"]),
        "{labels:?}"
    );
    assert!(
        ["System Class", "Java Local", "Thread", "JNI Global"].contains(&p.root_kind.label()),
        "{}",
        p.root_kind
    );
    assert!(!p.root_detail.is_empty());
    // Alternative paths: the sender is also held by the static QueueBacklogApp.SENDER.
    let ps = f.paths(items, 4);
    assert!(ps.len() >= 2);
    assert!(
        ps.iter().any(|p| fields(p).contains(&"<static> SENDER")),
        "{:?}",
        ps.iter()
            .map(|p| (p.root_detail.clone(), fields(p).join(" / ")))
            .collect::<Vec<_>>()
    );
    for q in &ps {
        assert_eq!(q.target(), Some(items));
        assert!(q.steps.windows(2).all(|w| w[0].node != w[1].node));
    }
    // Merged paths of the queued strings: all through the items array.
    let strings: Vec<Node> = g.edges(items).map(|(t, _)| t).collect();
    assert_eq!(strings.len(), 84_000);
    let m = f.merge_paths(&strings, 10_000);
    assert_eq!(m.considered, 10_000);
    let ap = m.accumulation_point(0.8).map(|i| m.nodes[i as usize].node);
    assert_eq!(ap, Some(items));
    serde_json::to_string(&m).unwrap();
    serde_json::to_string(&p).unwrap();
}

/// A heap big enough for many full batches of the search, with cycles, shared targets, wide
/// arrays, weak references, objects reached only through those and objects without a path.
fn tangled_heap() -> HeapGraph {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let link = b.class(
        "com/x/Link",
        Some(object),
        &[("a", Object), ("b", Object), ("c", Object)],
        &[],
    );
    let arrays = b.array_class("com/x/Link");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let objs: Vec<ObjRef> = (0..3000).map(|_| b.instance(link, &[])).collect();
    for (i, &o) in objs.iter().enumerate() {
        for f in ["a", "b", "c"] {
            // Mostly near neighbours (long chains), some far (cycles, shared targets), some null.
            let t = match next(10) {
                0..=4 => Some(objs[(i + 1 + next(3)) % objs.len()]),
                5..=7 => Some(objs[next(objs.len())]),
                _ => None,
            };
            b.set_field(o, f, t);
        }
    }
    for _ in 0..40 {
        let elems: Vec<Option<ObjRef>> = (0..next(400))
            .map(|_| Some(objs[next(objs.len())]))
            .collect();
        let arr = b.obj_array(arrays, &elems);
        if next(2) == 0 {
            b.root(arr, JNI);
        } else {
            b.set_field(objs[next(objs.len())], "c", arr);
        }
    }
    for _ in 0..5 {
        b.root(objs[next(objs.len())], JNI);
    }
    // Weak references, some to objects only they reach.
    let weak = weak_reference_class(&mut b, object);
    for i in 0..30 {
        let target = match i % 3 {
            0 => b.instance(link, &[("a", objs[next(objs.len())].into())]),
            _ => objs[next(objs.len())],
        };
        let w = b.instance(weak, &[("referent", target.into())]);
        b.set_field(objs[next(objs.len())], "b", Some(w));
    }
    build(&b)
}

/// The search reads its queue in batches: the parents it picks must be those of the plain
/// one-at-a-time breadth-first search (class edge first, then the edges in order).
#[test]
fn batched_search_picks_the_plain_search_parents() {
    use std::collections::VecDeque;
    let g = tangled_heap();
    let mut parent: Vec<Option<Node>> = vec![None; g.node_count()];
    let mut queue = VecDeque::new();
    for &r in g.root_nodes() {
        if parent[r.get() as usize].is_none() {
            parent[r.get() as usize] = Some(g.super_root());
            queue.push_back(r);
        }
    }
    while let Some(v) = queue.pop_front() {
        for w in g
            .class_node(v)
            .into_iter()
            .chain(g.edges(v).map(|(t, _)| t))
        {
            if parent[w.get() as usize].is_none() {
                parent[w.get() as usize] = Some(v);
                queue.push_back(w);
            }
        }
    }

    let f = PathFinder::new(&g, PathOptions { include_weak: true });
    let mut reached = 0;
    for v in g.nodes() {
        let path = f.shortest_path(v).map(|p| nodes(&p));
        let mut want = Vec::new();
        let mut x = Some(v);
        while let Some(y) = x.filter(|&y| y != g.super_root()) {
            want.push(y);
            x = parent[y.get() as usize];
        }
        want.reverse();
        match path {
            Some(p) => {
                reached += 1;
                assert_eq!(p, want, "path of {v:?}");
            }
            None => assert!(parent[v.get() as usize].is_none(), "{v:?} has a path"),
        }
    }
    assert!(reached > 2500, "most of the heap reached: {reached}");
}

/// A lazy index runs its search only as far as each query needs, and answers as the search run
/// to the end does: queried in a scrambled order (objects without a path among them, which run
/// it to the end), with and without weak references, shortest and further paths alike.
#[test]
fn lazy_index_answers_as_the_whole_search() {
    let g = tangled_heap();
    let all: Vec<Node> = g.nodes().collect();
    let mut order = all.clone();
    // A fixed scramble: a stride coprime with the count.
    let n = order.len();
    let stride = (1..n)
        .rev()
        .find(|s| gcd(*s, n) == 1 && *s < n / 3)
        .unwrap_or(1);
    for (i, slot) in order.iter_mut().enumerate() {
        *slot = all[(i * stride + 7) % n];
    }
    let d = Dominance::compute(&g);
    for include_weak in [false, true] {
        let opts = PathOptions { include_weak };
        let whole = PathIndex::new(&g, opts);
        let whole = whole.finder(&g);
        // The first queries are of nodes the search finds early: the lazy search stops short
        // of the end for them.
        let lazy = PathIndex::lazy(&g, &d, opts);
        let finder = lazy.finder(&g);
        let near: Vec<Node> = g.root_nodes().iter().copied().take(3).collect();
        for &v in &near {
            assert_eq!(finder.shortest_path(v), whole.shortest_path(v));
        }
        for &v in &order {
            assert_eq!(finder.has_path(v), whole.has_path(v), "{v:?}");
            assert_eq!(finder.shortest_path(v), whole.shortest_path(v), "{v:?}");
            assert_eq!(finder.depth(v), whole.depth(v), "{v:?}");
        }
        let lazy = PathIndex::lazy(&g, &d, opts);
        let finder = lazy.finder(&g);
        for &v in order.iter().step_by(97) {
            assert_eq!(finder.paths(v, 4), whole.paths(v, 4), "{v:?}");
        }
        let lazy = PathIndex::lazy(&g, &d, opts);
        let finder = lazy.finder(&g);
        let some: Vec<Node> = order.iter().copied().step_by(13).collect();
        assert_eq!(finder.merge_paths(&some, 0), whole.merge_paths(&some, 0));
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// More referrers than the paths' scan collects (2,000): it stops at the first 2,000 in node
/// order and says the list is incomplete; through a field (2,500 rooted holders of the
/// object) and through a class edge (a static holds the object, and the class's 2,500 rooted
/// instances refer to the class object).
#[test]
fn more_paths_stop_at_the_first_referrers_in_node_order() {
    use BasicType::*;
    for through_class in [false, true] {
        let mut b = HeapBuilder::new(8);
        let object = b.object_class();
        let target = b.instance(object, &[]);
        let statics = if through_class {
            vec![("KEPT", Value::Object(target.id()))]
        } else {
            Vec::new()
        };
        let holder = b.class("com/x/Holder", Some(object), &[("a", Object)], &statics);
        let holders: Vec<ObjRef> = (0..2500)
            .map(|_| {
                let field = (!through_class).then_some(target);
                b.instance(holder, &[("a", field.into())])
            })
            .collect();
        for &h in &holders {
            b.root(h, JNI);
        }
        let g = build(&b);
        let f = PathFinder::new(&g, PathOptions::default());
        let page = f.paths_page(node(&g, target), 0, 5000);
        assert!(!page.complete, "through the class: {through_class}");
        assert_eq!(page.total, 2001, "through the class: {through_class}");
        let shortest_root = page.paths[0].steps[0].node;
        let mut deviating: Vec<Node> = page.paths[1..].iter().map(|p| p.steps[0].node).collect();
        deviating.sort_unstable();
        let mut want: Vec<Node> = holders
            .iter()
            .map(|&h| node(&g, h))
            .filter(|&h| h != shortest_root)
            .collect();
        want.sort_unstable();
        want.truncate(2000);
        assert!(deviating == want, "through the class: {through_class}");
    }
}
