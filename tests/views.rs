//! The page's shapes of the core's results (`analysis::views`), on real JVM dumps checked
//! against their facts files: an object as a row, the tree search's paths, references, the
//! histogram's pages, threads as rows, waste and process memory as the page shows them.

mod common;

use heaplens::analysis::views::*;
use heaplens::analysis::*;
use heaplens::graph::*;
use heaplens::report::format_id;
use serde_json::Value as Json;

fn load(name: &str) -> (HeapGraph, Dominance, Json) {
    common::load_with_facts(name)
}

fn num(j: &Json) -> u64 {
    j.as_u64().unwrap_or_else(|| panic!("not a number: {j}"))
}

/// The queue of 84,000 messages: its row, found by the tree search with its path down the
/// dominator tree, and its references both ways.
#[test]
fn queue_backlog_rows_search_and_references() {
    let (g, d, f) = load("queue_backlog");
    let sizes = &f["sizes"];
    let page = tree_search(
        &g,
        &d,
        "java.util.concurrent.ArrayBlockingQueue".into(),
        0,
        10,
    );
    assert!(page.total >= 1 && page.listed == page.total.min(MAX_SEARCH_RESULTS));
    let hit = &page.rows[0];
    let row = &hit.row;
    assert_eq!(row.class, "java.util.concurrent.ArrayBlockingQueue");
    assert!(
        row.retained >= num(&sizes["queue_retained_at_least"]),
        "{row:?}"
    );
    assert_eq!(
        row.pct,
        row.retained as f64 * 100.0 / d.reachable_bytes() as f64
    );
    // The path ends at the object; each step is a position among its siblings.
    assert_eq!(hit.path.len() as u32, hit.depth + 1);
    assert_eq!(hit.path.last().unwrap().object_id, row.object_id);
    let v = g.node_of(parse(&row.object_id)).unwrap();
    assert_eq!(*row, ObjectRow::new(&g, &d, v));
    assert_eq!(row.children as usize, d.children(v).len());
    assert_eq!(row.shallow, g.shallow(v));
    let top = &hit.path[0];
    let top_node = g.node_of(parse(&top.object_id)).unwrap();
    assert_eq!(
        domtree::children(&g, &d, g.super_root(), domtree::ChildOrder::Retained, "")
            [top.index as usize],
        top_node
    );
    // Paging: the second match alone is the first page's second row.
    if page.rows.len() > 1 {
        let second = tree_search(&g, &d, page.pattern.clone(), 1, 1);
        assert_eq!(second.rows, page.rows[1..2]);
        assert_eq!(second.offset, 1);
    }

    // Outgoing: `<class>` first, then the fields; its items array holds the messages.
    let total = references::outgoing_count(&g, v);
    let out = outgoing_rows(&g, &d, v, 0, total);
    assert_eq!(out.len(), total);
    assert_eq!(out[0].field, "<class>");
    let items = out.iter().find(|r| r.field == "items").expect("items");
    assert_eq!(items.object.class, "java.lang.Object[]");
    assert_eq!(items.object.shallow, num(&sizes["items_array_shallow"]));
    // Incoming: the sender's field holds the queue.
    let refs = references::referrers(&g, &d, v);
    let incoming = referrer_rows(&g, &d, v, &refs);
    let sender = incoming
        .iter()
        .find(|r| r.object.class == f["sender_class"].as_str().unwrap())
        .expect("the sender refers to its queue");
    assert_eq!(sender.field, f["queue_field"].as_str().unwrap());
}

fn parse(id: &str) -> heaplens::hprof::Id {
    heaplens::hprof::Id::new(u64::from_str_radix(id.trim_start_matches("0x"), 16).unwrap())
}

#[test]
fn page_ranges_never_panic() {
    assert_eq!(page_range(10, 0, 3), 0..3);
    assert_eq!(page_range(10, 8, 5), 8..10);
    assert_eq!(page_range(10, 20, 5), 10..10);
    assert_eq!(page_range(10, u32::MAX, u32::MAX), 10..10);
}

/// The histogram's pages: filters (substring, regular expression, a bad one), sorts, groups,
/// sums over every matching row, pages that never overlap.
#[test]
fn queue_backlog_histogram_pages() {
    let (g, d, f) = load("queue_backlog");
    let hist = histogram(&g, &d);
    let q = HistogramQuery {
        filter: "TCPSOCKETSENDER".into(),
        descending: true,
        limit: 50,
        ..Default::default()
    };
    let page = histogram_page(&g, &hist, q.clone(), 1000);
    assert_eq!(page.query, q);
    assert_eq!(page.total_rows, 1);
    let row = &page.rows[0];
    assert_eq!(row.name, f["sender_class"].as_str().unwrap());
    assert_eq!(row.instances, 1);
    let class = row.class.expect("a class row has its index");
    assert_eq!(g.classes[class as usize].name, row.name);

    // Strings: 84,000 messages at least, sized 24 bytes each.
    let strings = histogram_page(
        &g,
        &hist,
        HistogramQuery {
            filter: "^java\\.lang\\.string$".into(),
            regex: true,
            limit: 10,
            ..Default::default()
        },
        1000,
    );
    assert_eq!(strings.total_rows, 1);
    assert!(strings.rows[0].instances >= num(&f["queue_messages"]));
    assert_eq!(
        strings.total_shallow,
        strings.rows[0].instances * num(&f["sizes"]["message_string_shallow"])
    );
    let bad = histogram_page(
        &g,
        &hist,
        HistogramQuery {
            filter: "(".into(),
            regex: true,
            ..Default::default()
        },
        1000,
    );
    assert!(bad.filter_error.is_some() && bad.rows.is_empty() && bad.total_rows == 0);

    // All classes by retained size, descending, in pages of 7 capped at 5: the pages join up
    // to the whole sorted list, and the sums cover every row.
    let all = HistogramQuery {
        descending: true,
        limit: 7,
        ..Default::default()
    };
    let first = histogram_page(&g, &hist, all.clone(), 5);
    assert_eq!(first.rows.len(), 5);
    assert_eq!(first.total_rows as usize, hist.reachable.len());
    assert_eq!(
        first.total_instances,
        hist.reachable.iter().map(|r| r.instances).sum::<u64>()
    );
    let next = histogram_page(&g, &hist, HistogramQuery { offset: 5, ..all }, 5);
    let joined: Vec<_> = first.rows.iter().chain(&next.rows).collect();
    assert!(joined.windows(2).all(|w| w[0].retained >= w[1].retained));
    assert_eq!(joined[5].name, {
        let mut rows = hist.reachable.clone();
        rows.sort_by(|a, b| {
            b.retained
                .cmp(&a.retained)
                .then_with(|| a.name.cmp(&b.name))
        });
        rows[5].name.clone()
    });

    // By package: groups carry no class index; the app's package holds the sender.
    let by_package = histogram_page(
        &g,
        &hist,
        HistogramQuery {
            group: Grouping::Package,
            filter: "com.example.monitor".into(),
            limit: 10,
            ..Default::default()
        },
        1000,
    );
    assert_eq!(by_package.rows[0].name, "com.example.monitor");
    assert!(by_package.rows.iter().all(|r| r.class.is_none()));
    assert_eq!(
        serde_json::to_value(Grouping::ClassLoader).unwrap(),
        "class_loader"
    );
}

/// Threads as rows and as one thread's page, on 2,307 live threads in named groups.
#[test]
fn thread_explosion_rows_and_details() {
    let (g, d, f) = load("thread_explosion");
    let threads = threads(&g, &d);
    let rows: Vec<ThreadRow> = threads.iter().map(ThreadRow::from).collect();
    assert_eq!(
        rows.iter().filter(|r| r.live).count() as u64,
        num(&f["threads_total"])
    );
    let pool = matching_threads(&threads, "POOL-7-THREAD-");
    assert_eq!(
        pool.len() as u64,
        num(&f["thread_groups"]["pool-7-thread-*"])
    );
    let t = &threads[pool[0] as usize];
    let row = &rows[pool[0] as usize];
    assert!(row.name.starts_with("pool-7-thread-"));
    assert_eq!(row.state, "WAITING");
    assert_eq!(row.frames as usize, t.frames.len());
    assert!(row.frames > 0);
    let details = ThreadDetails::from(t);
    assert_eq!(details.row, *row);
    assert_eq!(details.frames.len(), t.frames.len());
    assert_eq!(&*details.frames[0].display, &*t.frames[0].display);
    assert!(details
        .frames
        .iter()
        .any(|fr| fr.display.contains("CountDownLatch.await")));
    assert!(matching_threads(&threads, "no such thread").is_empty());
    assert_eq!(matching_threads(&threads, "").len(), threads.len());
}

/// Process memory as the page shows it: 40 chunks of 8 MiB held by the pool, each largest
/// buffer with how a GC root holds it as one line.
#[test]
fn direct_memory_view() {
    let (g, d, f) = load("direct_memory");
    let finder = PathFinder::new(&g, PathOptions::default());
    let threads = threads(&g, &d);
    let loaders = class_loaders(&g, &d);
    let pm = process_memory(&g, &d, &finder, &threads, &loaders);
    let view = ProcessMemoryView::from(pm.clone());
    assert_eq!(view.direct.capacity, num(&f["direct_total_capacity"]));
    assert_eq!(view.holders, pm.buffers.holders);
    assert_eq!(view.largest.len(), pm.buffers.largest.len());
    let chunk = &view.largest[0];
    assert_eq!(chunk.capacity, num(&f["chunk_bytes"]));
    assert_eq!(chunk.holder, f["pool_holder"].as_str().unwrap());
    let path = chunk
        .path
        .as_deref()
        .expect("a held chunk has a strong path");
    let summary = pm.buffers.largest[0].path.as_ref().unwrap();
    assert!(path.starts_with(&summary.root_detail), "{path}");
    assert_eq!(path, path_text(summary));
    assert_eq!(
        path.matches(" → ").count(),
        summary.steps.len() - 1 + usize::from(summary.omitted > 0 && summary.steps.len() > 3)
    );
    assert_eq!(
        view.largest
            .iter()
            .filter(|b| b.holder == f["pool_holder"].as_str().unwrap())
            .count() as u64,
        num(&f["pool_buffers"]).min(view.largest.len() as u64)
    );
}

/// Waste as the page shows it: the summary line, holders as one line each, an example id
/// that is a String of the dump.
#[test]
fn queue_backlog_waste_view() {
    let (g, d, _) = load("queue_backlog");
    let finder = PathFinder::new(&g, PathOptions::default());
    let w = WasteView::new(&g, &d, &finder);
    let dups = duplicate_strings(&g, &d);
    assert_eq!(w.duplicate_wasted, dups.wasted_bytes);
    assert_eq!(w.duplicates.len(), dups.groups.len());
    assert!(w.summary.starts_with(&format!(
        "{} in {} duplicate strings; ",
        heaplens::report::format_bytes(dups.wasted_bytes),
        heaplens::report::format_count(dups.duplicate_instances)
    )));
    let x = w.duplicates.first().expect("the messages are duplicates");
    let id = x.example_id.as_deref().expect("an example");
    let v = g.node_of(parse(id)).unwrap();
    assert_eq!(g.class(v).name, "java.lang.String");
    assert_eq!(format_id(g.id(v)), id);
    assert!(x.count > 1 && !x.holders.is_empty());
    assert!(
        x.holders.iter().all(|h| h.contains(" ×")),
        "{:?}",
        x.holders
    );
    let arrays = largest_arrays_with(&g, &d, Some(&finder));
    assert_eq!(w.arrays.len(), arrays.len());
    assert_eq!(w.arrays[0].object_id, arrays[0].object_id);
    assert_eq!(
        w.arrays[0].path,
        arrays[0].path.as_ref().map(path_text),
        "the largest array's path as text"
    );
    assert!(w.collections.len() <= 100);
}

/// The investigation views' rows on the queue of 84,000 messages: its entries, the messages'
/// dominator (the queue's array, with the biggest to open), their merged paths, their values,
/// and the queue found by its address.
#[test]
fn queue_backlog_explore_rows() {
    use heaplens::analysis::explore::*;
    let (g, d, f) = load("queue_backlog");
    let queue_class = f["queue_class"].as_str().unwrap();
    let queue = g
        .nodes()
        .filter(|&v| g.class(v).name == queue_class && g.as_class(v).is_none())
        .max_by_key(|&v| d.retained(v))
        .unwrap();
    let messages = num(&f["queue_messages"]);

    // Contents: each entry's value is a String of the queue, its text the preview.
    let c = collection_contents(&g, queue, 0, 3).unwrap();
    assert_eq!(c.info.size, messages);
    let rows: Vec<ContentRowView> = c.page.rows.clone().into_iter().map(Into::into).collect();
    assert_eq!(rows.len(), 3);
    for (view, row) in rows.iter().zip(&c.page.rows) {
        assert_eq!(view.index, row.index);
        let item = view.value.as_ref().expect("a queue entry has a value");
        let core = row.value.as_ref().unwrap();
        assert_eq!(item.object_id, core.object.object_id);
        assert_eq!(item.class, "java.lang.String");
        assert_eq!(item.text, core.text);
        assert!(view.key.is_none());
    }

    // The messages (the queue's Strings) are dominated by its items array.
    let items = g.ref_field(queue, "items").unwrap();
    let strings: Vec<_> = g.edges(items).map(|(t, _)| t).take(1000).collect();
    let dom = immediate_dominators(&g, &d, &strings, None).unwrap();
    let row = &dom.rows[0];
    let view = DominatorClassView::new(&g, &d, row);
    assert_eq!(view.class, "java.lang.Object[]");
    assert_eq!(view.dominated, 1000);
    assert_eq!(
        view.top.len(),
        row.dominator_nodes.len().min(DOMINATORS_LISTED)
    );
    assert_eq!(view.top[0].object_id, format_id(g.id(items)));
    assert_eq!(view.top[0].retained, d.retained(items));

    // Their merged paths: one root, the selected Strings at the leaves.
    let finder = PathFinder::new(&g, PathOptions::default());
    let m = merged_paths(&finder, &strings, 0);
    let roots: Vec<MergedNodeView> = m
        .children(None, 0, 10)
        .rows
        .into_iter()
        .map(Into::into)
        .collect();
    assert!(!roots.is_empty());
    assert!(roots
        .iter()
        .all(|r| r.field == "<GC root>" && r.root_kind.is_some()));
    assert_eq!(roots.iter().map(|r| r.objects).sum::<u64>(), 1000);

    // Grouped by value: 1,000 messages, each group with an object to open.
    let values = group_by_value(&g, Some(&d), &strings, None, None).unwrap();
    let views: Vec<ValueGroupView> = values.rows.iter().map(Into::into).collect();
    assert_eq!(views.iter().map(|v| v.objects).sum::<u64>(), 1000);
    assert_eq!(
        views[0].first_object_id,
        format_id(g.id(values.rows[0].first))
    );

    // Found by its address; an address inside it names the queue too.
    let at = format_id(g.id(queue));
    let found = FoundObjectView::from(find_object(&g, Some(&d), &at).unwrap());
    assert_eq!(found.object_id, at);
    assert_eq!(found.class, queue_class);
    assert_eq!(
        (found.shallow, found.retained),
        (g.shallow(queue), d.retained(queue))
    );
    assert!(found.reachable && found.inside_at.is_none());
    let inside = format!("0x{:x}", g.id(queue).get() + 8);
    let found = FoundObjectView::from(find_object(&g, Some(&d), &inside).unwrap());
    assert_eq!(found.inside_at.as_deref(), Some(inside.as_str()));
}

/// The histograms' name filter: substring, regular expression, an invalid one.
#[test]
fn name_filters() {
    let any = NameFilter::new("", true).unwrap();
    assert!(any.matches("java.lang.String"));
    let sub = NameFilter::new("LANG.str", false).unwrap();
    assert!(sub.matches("java.lang.String") && !sub.matches("java.util.HashMap"));
    let re = NameFilter::new("^java\\.(lang|util)\\.", true).unwrap();
    assert!(re.matches("java.util.HashMap") && !re.matches("com.java.util.X"));
    let err = NameFilter::new("a(", true)
        .err()
        .expect("an invalid pattern");
    assert!(err.contains("unclosed"), "{err}");
    assert!(!NameFilter::Nothing.matches("x"));
}

/// An investigation view's selection resolved as the page sends it: the sender's class (one
/// instance in the fixture program), its id, the same class typed as the CLI reads it, and
/// the errors for what the dump does not have.
#[test]
fn explore_selections_resolve_to_objects_and_labels() {
    let (g, d, f) = load("queue_backlog");
    let name = f["sender_class"].as_str().unwrap();
    let class = g.classes.iter().position(|c| c.name == name).unwrap() as u32;
    let by_class =
        resolve_view_selection(&g, &d, &ExploreSelection::Class { class }).expect("class");
    assert_eq!(by_class.label, name);
    assert_eq!(by_class.nodes.len(), 1);
    let sender = by_class.nodes[0];
    let id = format_id(g.id(sender));

    let by_id = resolve_view_selection(
        &g,
        &d,
        &ExploreSelection::Objects {
            ids: vec![id.clone(), format!("  {id} ")],
        },
    )
    .expect("ids");
    assert_eq!(by_id.nodes, vec![sender]);
    assert_eq!(by_id.label, format!("{name} @ {id}"));

    let by_text = resolve_view_selection(
        &g,
        &d,
        &ExploreSelection::Text {
            text: format!(" {name} "),
        },
    )
    .expect("text");
    assert_eq!(by_text.nodes, vec![sender]);
    assert_eq!(by_text.label, name);

    let none = ExploreSelection::Class {
        class: g.classes.len() as u32,
    };
    assert!(resolve_view_selection(&g, &d, &none).is_err());
    let empty = ExploreSelection::Objects { ids: vec![] };
    assert_eq!(
        resolve_view_selection(&g, &d, &empty).unwrap_err(),
        "the selection names no object"
    );
    assert!(node_by_address(&g, "0xzz").is_err());
    assert!(node_by_address(&g, "0x1")
        .unwrap_err()
        .contains("no object at"));
}
