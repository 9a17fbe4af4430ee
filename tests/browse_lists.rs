//! The lists a viewer pages through (`analysis::domtree`, `analysis::references`) on real JVM
//! dumps: the dominator tree's children and search, an object's references both ways, a
//! class's instances. Expected values come from the fixtures' facts and the JVM's own class
//! histograms.

mod common;

use heaplens::analysis::domtree::{self, ChildOrder};
use heaplens::analysis::references;
use heaplens::graph::{Dominance, HeapGraph, Node};
use serde_json::Value;

fn load(name: &str) -> (HeapGraph, Dominance, Value) {
    common::load_with_facts(name)
}

fn instances_named(g: &HeapGraph, class: &str) -> Vec<Node> {
    g.nodes()
        .filter(|&v| g.as_class(v).is_none() && g.class(v).name == class)
        .collect()
}

/// `#instances` of `class` in the JVM's histogram (`jcmd GC.class_histogram`) of the fixture.
fn jvm_count(name: &str, class: &str) -> u64 {
    let text = String::from_utf8(common::read_fixture(&format!("{name}.histo.txt"))).unwrap();
    text.lines()
        .find_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 4 && cols[3] == class).then(|| cols[1].parse().unwrap())
        })
        .unwrap_or_else(|| panic!("{class} not in {name}'s histogram"))
}

#[test]
fn queue_backlog_search_finds_the_queue_and_its_path_reveals_it() {
    let (g, d, f) = load("queue_backlog");
    let queue_class = f["queue_class"].as_str().unwrap();
    let found = domtree::search(&g, &d, "*ArrayBlockingQueue", 10);
    assert_eq!(found.classes, 1, "one class matches");
    let queue = found.top[0];
    assert_eq!(g.class(queue).name, queue_class);
    assert!(
        d.retained(queue) >= f["sizes"]["queue_retained_at_least"].as_u64().unwrap(),
        "{}",
        d.retained(queue)
    );
    // Every match is reachable and listed largest first.
    assert!(found
        .top
        .windows(2)
        .all(|w| d.retained(w[0]) >= d.retained(w[1])));
    assert_eq!(found.top.len() as u32, found.total.min(10));
    // The path's steps are where `children` (retained order) lists them.
    let path = domtree::path_from_top(&g, &d, queue, 128).expect("shallow enough");
    assert_eq!(path.last().unwrap().0, queue);
    let mut parent = g.super_root();
    for &(x, index) in &path {
        let kids = domtree::children(&g, &d, parent, ChildOrder::Retained, "");
        assert_eq!(kids[index as usize], x);
        parent = x;
    }
    // Depth limit: no path when the object is deeper than asked.
    assert_eq!(domtree::path_from_top(&g, &d, queue, path.len() - 1), None);
    // A class object matches as `class NAME`, an instance does not.
    let class_hit = domtree::search(&g, &d, "class java.util.concurrent.ArrayBlockingQueue", 5);
    assert_eq!(class_hit.total, 1);
    assert!(g.as_class(class_hit.top[0]).is_some());
    assert_eq!(domtree::search(&g, &d, "NoSuchClassAnywhere", 5).total, 0);
}

#[test]
fn queue_backlog_references_both_ways() {
    let (g, d, f) = load("queue_backlog");
    let sender = instances_named(&g, f["sender_class"].as_str().unwrap())[0];
    let field = f["queue_field"].as_str().unwrap();
    let queue = g.ref_field(sender, field).expect("m_queue is set");

    // Outgoing: the class edge first, then the fields; a page is a slice of the whole.
    let n = references::outgoing_count(&g, sender);
    let all = references::outgoing(&g, sender, 0, n);
    assert_eq!(all.len(), n);
    assert_eq!(all[0].1, references::CLASS_EDGE);
    assert_eq!(Some(all[0].0), g.class_node(sender));
    assert!(
        all.iter().any(|(t, l)| *t == queue && l == field),
        "{all:?}"
    );
    assert_eq!(references::outgoing(&g, sender, 1, 3), all[1..3.min(n)]);

    // The queue's items array: 100,000 slots, 84,000 messages; labels only for the page.
    let items = g.ref_field(queue, "items").expect("items");
    let capacity = f["queue_capacity"].as_u64().unwrap() as usize;
    assert_eq!(g.array_len(items) as usize, capacity);
    let messages = f["queue_messages"].as_u64().unwrap() as usize;
    assert_eq!(references::outgoing_count(&g, items), 1 + messages);
    let page = references::outgoing(&g, items, messages - 2, messages + 5);
    assert_eq!(page.len(), 3, "the page stops at the last element");
    assert_eq!(page[2].1, format!("[{}]", messages - 1));
    assert_eq!(g.class(page[2].0).name, "java.lang.String");

    // Incoming: the sender holds the queue through `m_queue`.
    let refs = references::referrers(&g, &d, queue);
    assert!(refs.contains(&sender), "{refs:?}");
    assert!(refs
        .windows(2)
        .all(|w| d.retained(w[0]) >= d.retained(w[1])));
    assert_eq!(
        references::reference_label(&g, sender, queue).as_deref(),
        Some(field)
    );
    assert_eq!(references::reference_label(&g, queue, sender), None);
    // Each message String has exactly one referrer: the items array.
    let message = page[2].0;
    assert_eq!(references::referrers(&g, &d, message), vec![items]);
    assert_eq!(
        references::reference_label(&g, items, message),
        Some(format!("[{}]", messages - 1))
    );
}

#[test]
fn instances_count_what_the_jvm_counted() {
    let (g, d, _) = load("retry_buffer");
    let class = "com.example.retry.ResultBatch";
    let ci = g.classes.iter().position(|c| c.name == class).unwrap() as u32;
    let live = references::instances(&g, &d, ci, false).unwrap();
    let dead = references::instances(&g, &d, ci, true).unwrap();
    assert_eq!(
        (live.len() + dead.len()) as u64,
        jvm_count("retry_buffer", class)
    );
    assert_eq!(live.len(), 2000);
    assert!(live.iter().all(|&v| g.class(v).name == class));
    assert!(live
        .windows(2)
        .all(|w| d.retained(w[0]) >= d.retained(w[1])));
    assert_eq!(references::instances(&g, &d, u32::MAX, false), None);
}

#[test]
fn children_orders_and_filter() {
    let (g, d, _) = load("retry_buffer");
    let top = domtree::children(&g, &d, g.super_root(), ChildOrder::Retained, "");
    assert_eq!(top, d.children(g.super_root()));
    let by_shallow = domtree::children(&g, &d, g.super_root(), ChildOrder::Shallow, "");
    assert_eq!(by_shallow.len(), top.len());
    assert!(by_shallow
        .windows(2)
        .all(|w| g.shallow(w[0]) >= g.shallow(w[1])));
    let by_class = domtree::children(&g, &d, g.super_root(), ChildOrder::Class, "");
    assert!(by_class
        .windows(2)
        .all(|w| g.display_class(w[0]) <= g.display_class(w[1])));
    let strings = domtree::children(&g, &d, g.super_root(), ChildOrder::Retained, "STRING");
    assert!(!strings.is_empty());
    assert!(strings
        .iter()
        .all(|&v| g.display_class(v).to_lowercase().contains("string")));
}
