//! Edge-slot decoding: an edge stores its field / element index mod 256, plus a side table for
//! indices 256 or more past the previous edge's (sparse arrays). Every reader — labels, the
//! exact-index iterator, paths, the object inspector's array pages (`objread::indexed_edges`),
//! field lookup — goes through one decoder (`HeapGraph::indexed_edges`); before, three of four
//! ignored the side table and named `[300]` `[44]`.

use heaplens::analysis::{PathFinder, PathOptions};
use heaplens::graph::{build_from_bytes, EdgeLabel, HeapGraph, Node};
use heaplens::hprof::Id;
use heaplens_hprof_writer::{BasicType, HeapBuilder, ObjRef, RootKind, Value, WriteOptions};

fn build(b: &HeapBuilder) -> HeapGraph {
    build_from_bytes(&b.write(&WriteOptions::default())).expect("synthetic dump parses")
}

fn node(g: &HeapGraph, o: ObjRef) -> Node {
    g.node_of(Id::new(o.id())).expect("object in graph")
}

#[test]
fn sparse_object_array_indices_everywhere() {
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let item = b.class("com/x/Item", Some(object), &[("v", BasicType::Int)], &[]);
    let holder = b.class(
        "com/x/Holder",
        Some(object),
        &[("items", BasicType::Object)],
        &[],
    );
    let items_class = b.array_class("com/x/Item");
    // Non-null at 0, 300, 399 (99 past 300: no side-table entry), 656 (257 past: one) and 999.
    let at = [0usize, 300, 399, 656, 999];
    let objs: Vec<ObjRef> = at
        .iter()
        .map(|&i| b.instance(item, &[("v", Value::Int(i as i32))]))
        .collect();
    let mut elements = vec![None; 1000];
    for (k, &i) in at.iter().enumerate() {
        elements[i] = Some(objs[k]);
    }
    let array = b.obj_array(items_class, &elements);
    let h = b.instance(holder, &[("items", array.into())]);
    b.root(h, RootKind::JniGlobal { jni_ref_id: 1 });
    let g = build(&b);
    let arr = node(&g, array);
    let want: Vec<(Node, u32)> = at
        .iter()
        .zip(&objs)
        .map(|(&i, &o)| (node(&g, o), i as u32))
        .collect();

    // The one decoder.
    assert_eq!(g.indexed_edges(arr).collect::<Vec<_>>(), want);
    // Labels (inspector references, tree labels).
    let labels: Vec<(Node, EdgeLabel)> = g
        .labelled_edges(arr)
        .into_iter()
        .filter(|(_, l)| *l != EdgeLabel::Class)
        .collect();
    assert_eq!(
        labels,
        want.iter()
            .map(|&(t, i)| (t, EdgeLabel::Element(i)))
            .collect::<Vec<_>>()
    );
    // The inspector's paged array view.
    assert_eq!(
        g.indexed_edges(arr)
            .map(|(t, i)| (t, i as u64))
            .collect::<Vec<_>>(),
        want.iter().map(|&(t, i)| (t, i as u64)).collect::<Vec<_>>()
    );
    // Paths to GC roots name the element.
    let f = PathFinder::new(&g, PathOptions::default());
    for (k, &i) in at.iter().enumerate() {
        let p = f.shortest_path(node(&g, objs[k])).unwrap();
        let fields: Vec<&str> = p.steps.iter().map(|s| s.field.as_str()).collect();
        assert_eq!(fields, ["<GC root>", "items", &format!("[{i}]")]);
    }
}

#[test]
fn sparse_reference_fields_of_an_instance() {
    // A class with 600 reference fields, only #2, #290 and #599 set: the field lookups that
    // walk edges (ref_field, objread::field_ref) must use the side table too.
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let names: Vec<String> = (0..600).map(|i| format!("f{i}")).collect();
    let decl: Vec<(&str, BasicType)> = names
        .iter()
        .map(|n| (n.as_str(), BasicType::Object))
        .collect();
    let wide = b.class("com/x/Wide", Some(object), &decl, &[]);
    let leaf = b.class("com/x/Leaf", Some(object), &[], &[]);
    let (a, c, d) = (
        b.instance(leaf, &[]),
        b.instance(leaf, &[]),
        b.instance(leaf, &[]),
    );
    let w = b.instance(
        wide,
        &[("f2", a.into()), ("f290", c.into()), ("f599", d.into())],
    );
    b.root(w, RootKind::JniGlobal { jni_ref_id: 1 });
    let g = build(&b);
    let wn = node(&g, w);
    for (f, o) in [("f2", a), ("f290", c), ("f599", d)] {
        assert_eq!(g.ref_field(wn, f), Some(node(&g, o)), "{f}");
    }
    assert_eq!(g.ref_field(wn, "f291"), None);
    assert_eq!(g.ref_field(wn, "f34"), None, "290 mod 256");
    let labels: Vec<String> = g
        .labelled_edges(wn)
        .into_iter()
        .skip(1)
        .map(|(_, l)| l.to_string())
        .collect();
    assert_eq!(labels, ["f2", "f290", "f599"]);
}
