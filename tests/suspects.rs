//! Leak suspects on the real JVM fixtures (ground truth in `tests/fixtures/*.facts.json`) and
//! on synthetic heaps. `DUMP_SUSPECTS=1 cargo test --test suspects -- --nocapture` prints the
//! JSON of every fixture's suspects.

mod common;

use heaplens::analysis::patterns;
use heaplens::analysis::{
    find_suspects, find_suspects_from_totals, histogram, histogram_from_totals, summarize,
    summarize_and_totals, Histogram, LeakPattern, Suspect, SuspectKind,
};
use heaplens::analysis::{PathFinder, PathIndex, PathOptions};
use heaplens::graph::{build_from_bytes, Dominance, HeapGraph};
use heaplens_hprof_writer::{BasicType, HeapBuilder, ObjRef, RootKind, Value, WriteOptions};
use serde_json::Value as Json;

/// The incident fixtures that have a leak suspect.
const INCIDENTS: [&str; 7] = [
    "retry_buffer",
    "queue_backlog",
    "threadlocal_leak",
    "thread_explosion",
    "classloader_leak",
    "oom_export",
    "plugin_redeploy",
];

fn facts(name: &str) -> Json {
    let text = std::fs::read_to_string(common::fixture(&format!("{name}.facts.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The suspects, found with the whole search's paths and again as the page finds them (a lazy
/// index, the summary's class totals): the same, byte for byte; and the histogram from those
/// totals is the histogram.
fn suspects_in(g: &HeapGraph, label: &str) -> Vec<Suspect> {
    let d = Dominance::compute(g);
    let p = PathFinder::new(g, PathOptions::default());
    let s = find_suspects(g, &d, &p);
    let lazy = PathIndex::lazy(g, &d, PathOptions::default());
    let again = find_suspects(g, &d, &lazy.finder(g));
    let json = |x: &Vec<Suspect>| serde_json::to_string(x).unwrap();
    assert_eq!(
        json(&again),
        json(&s),
        "{label}: suspects with a lazy path index"
    );
    // The page's: the class totals the summary read.
    let (summary, totals) = summarize_and_totals(g, &d);
    assert_eq!(summary, summarize(g, &d));
    let given = find_suspects_from_totals(g, &d, &lazy.finder(g), totals.clone());
    assert_eq!(
        json(&given),
        json(&s),
        "{label}: suspects given the class totals"
    );
    let hist = |h: &Histogram| serde_json::to_string(h).unwrap();
    assert_eq!(
        hist(&histogram_from_totals(g, &d, totals)),
        hist(&histogram(g, &d)),
        "{label}: histogram given the class totals"
    );
    if std::env::var("DUMP_SUSPECTS").is_ok() {
        eprintln!("=== {label}\n{}", serde_json::to_string_pretty(&s).unwrap());
    }
    s
}

fn suspects_of(name: &str) -> Vec<Suspect> {
    let bytes = common::read_fixture(&format!("{name}.hprof.gz"));
    let g = build_from_bytes(&bytes).expect("fixture parses");
    suspects_in(&g, name)
}

fn graph_of(name: &str) -> (HeapGraph, Dominance) {
    let bytes = common::read_fixture(&format!("{name}.hprof.gz"));
    let g = build_from_bytes(&bytes).expect("fixture parses");
    let d = Dominance::compute(&g);
    (g, d)
}

fn n(v: &Json) -> u64 {
    v.as_u64().unwrap()
}
fn s(v: &Json) -> &str {
    v.as_str().unwrap()
}
fn count(x: u64) -> String {
    patterns::fmt_count(x)
}

#[test]
fn retry_buffer_names_the_publisher() {
    let f = facts("retry_buffer");
    let all = suspects_of("retry_buffer");
    let x = &all[0];
    assert_eq!(x.kind, SuspectKind::Single);
    assert_eq!(x.class, s(&f["holder_class"]));
    assert!(
        x.dominator.class.contains("AppClassLoader"),
        "MAT's top dominator kept: {}",
        x.dominator.class
    );
    let ap = x.accumulation_point.as_ref().unwrap();
    assert_eq!(ap.class, s(&f["collection_class"]));
    assert_eq!(ap.retained, n(&f["sizes"]["pending_batches_retained"]));
    let h = x.holder.as_ref().unwrap();
    assert_eq!(
        (h.class.as_str(), h.field.as_str()),
        (s(&f["holder_class"]), s(&f["collection_field"]))
    );
    assert_eq!(x.pattern, LeakPattern::CollectionAccumulation);
    let c = x.collection.as_ref().unwrap();
    assert_eq!(c.size, n(&f["batches"]));
    assert_eq!(c.capacity, Some(n(&f["batches"])));
    assert_eq!(c.element_class.as_deref(), Some(s(&f["batch_class"])));
    let batches = count(n(&f["batches"]));
    for needle in [
        batches.as_str(),
        "com.example.retry.RetryingPublisher.pendingBatches",
        "static field com.example.retry.RetryingPublisher.INSTANCE",
    ] {
        assert!(
            x.explanation.contains(needle),
            "{needle:?} not in {}",
            x.explanation
        );
    }
    assert!(
        x.retained_pct > 80.0 && x.retained_pct < 95.0,
        "{}",
        x.retained_pct
    );
    // The path leads to the accumulation point through the static field.
    assert_eq!(x.path_to_root.last().unwrap().object_id, ap.object_id);
    assert!(x
        .path_to_root
        .iter()
        .any(|p| p.field == "<static> INSTANCE"));
    assert_eq!(x.path_to_root.last().unwrap().field, "pendingBatches");
    // What the list dominates: the batches and their payloads.
    assert!(x
        .accumulated
        .iter()
        .any(|r| r.class == s(&f["batch_class"]) && r.count == n(&f["batches"])));
    assert!(x.accumulated.len() <= 10);
    assert_eq!(
        all.len(),
        1,
        "{:?}",
        all.iter().map(|s| &s.explanation).collect::<Vec<_>>()
    );
}

#[test]
fn queue_backlog_counts_the_messages() {
    let f = facts("queue_backlog");
    let all = suspects_of("queue_backlog");
    let x = &all[0];
    assert_eq!(x.pattern, LeakPattern::QueueBacklog);
    let ap = x.accumulation_point.as_ref().unwrap();
    assert_eq!(ap.class, s(&f["queue_class"]));
    assert!(ap.retained >= n(&f["sizes"]["queue_retained_at_least"]));
    let h = x.holder.as_ref().unwrap();
    assert_eq!(
        (h.class.as_str(), h.field.as_str()),
        (s(&f["sender_class"]), s(&f["queue_field"]))
    );
    assert_eq!(x.class, s(&f["sender_class"]));
    let c = x.collection.as_ref().unwrap();
    assert_eq!(c.size, n(&f["queue_messages"]));
    assert_eq!(c.bound, Some(n(&f["queue_capacity"])));
    assert_eq!(c.element_class.as_deref(), Some("java.lang.String"));
    assert!(
        x.retained_pct > 90.0 && x.retained_pct < 97.0,
        "{}",
        x.retained_pct
    );
    let messages = count(n(&f["queue_messages"]));
    let capacity = count(n(&f["queue_capacity"]));
    let expected_start = format!(
        "queue backlog: java.util.concurrent.ArrayBlockingQueue held by com.example.monitor.TcpSocketSender.m_queue holds {messages} elements (java.lang.String, "
    );
    assert!(
        x.explanation.starts_with(&expected_start),
        "{}",
        x.explanation
    );
    assert!(
        x.explanation.contains(&format!("capacity {capacity}")),
        "{}",
        x.explanation
    );
    // Both anchors: the sender thread's frame and the static field.
    assert!(
        x.explanation
            .contains("static field com.example.monitor.QueueBacklogApp.SENDER"),
        "{}",
        x.explanation
    );
    assert!(
        x.explanation.contains(s(&f["sender_thread"])),
        "{}",
        x.explanation
    );
    assert!(["Java Local", "Thread", "System Class", "JNI Global"]
        .contains(&x.root_kind.unwrap().label()));
    assert!(x.path_to_root.iter().any(|p| p.field == "m_queue"));
    assert_eq!(all.len(), 1);
}

#[test]
fn threadlocal_leak_across_pooled_threads() {
    let f = facts("threadlocal_leak");
    let all = suspects_of("threadlocal_leak");
    let x = all
        .iter()
        .find(|x| x.pattern == LeakPattern::ThreadLocalAccumulation)
        .expect("a ThreadLocal suspect");
    assert_eq!(x.kind, SuspectKind::Group);
    assert_eq!(x.class, "java.lang.Thread");
    let pool = n(&f["pool_threads"]);
    let t = x.threads.as_ref().unwrap();
    let workers = t
        .groups
        .iter()
        .find(|g| g.pattern == "request-worker-*")
        .expect("the worker group");
    assert_eq!(workers.count, pool);
    // One count of threads: the pool's, as a part of the suspect's threads.
    let expected = format!(
        "the ThreadLocalMaps of {} of the {} threads ({} request-worker-* (WAITING)) hold {} × {} retaining {}",
        count(pool),
        count(t.threads),
        count(pool),
        count(n(&f["stale_entries"])),
        s(&f["threadlocal_value_class"]),
        patterns::fmt_bytes(n(&f["sizes"]["all_contexts_retained"])),
    );
    assert!(
        x.explanation.contains(&expected),
        "{expected:?} not in {}",
        x.explanation
    );
    let stale = format!(
        "{} of the {} entries are stale",
        count(n(&f["stale_entries"])),
        count(n(&f["stale_entries"]))
    );
    assert!(x.explanation.contains(&stale), "{}", x.explanation);
    assert!(x.retained_pct > 70.0, "{}", x.retained_pct);
    assert!(!all
        .iter()
        .any(|x| x.pattern == LeakPattern::ThreadExplosion));
    // One definition of "the threads": the card counts what the Threads analysis lists
    // (java.lang.Thread and its subclasses: Finalizer, Reference Handler, Common-Cleaner…).
    let (g, d) = graph_of("threadlocal_leak");
    let listed = heaplens::analysis::threads(&g, &d).len() as u64;
    assert_eq!(listed, 25, "28 Thread objects, 3 of them unreachable");
    assert_eq!(x.instances, listed);
    assert_eq!(t.threads, listed);
    assert!(
        x.explanation
            .contains(&format!("together the {listed} threads retain")),
        "{}",
        x.explanation
    );
}

#[test]
fn thread_explosion_counts_threads() {
    let f = facts("thread_explosion");
    let all = suspects_of("thread_explosion");
    let x = &all[0];
    assert_eq!(x.pattern, LeakPattern::ThreadExplosion);
    assert_eq!(x.kind, SuspectKind::Group);
    assert_eq!(x.instances, n(&f["threads_total"]));
    let groups = &x.threads.as_ref().unwrap().groups;
    for (pattern, c) in f["thread_groups"].as_object().unwrap() {
        let g = groups
            .iter()
            .find(|g| &g.pattern == pattern)
            .unwrap_or_else(|| panic!("{pattern}"));
        assert_eq!(g.count, n(c), "{pattern}");
    }
    let head = format!(
        "thread explosion: {} live threads: 2,000 pool-7-thread-* (WAITING), 300 OkHttp ConnectionPool-* (BLOCKED), ",
        count(n(&f["threads_total"]))
    );
    assert!(x.explanation.starts_with(&head), "{}", x.explanation);
    assert!(
        !all.iter()
            .any(|x| x.pattern == LeakPattern::ManyInstances && x.class == "java.lang.Class"),
        "the JDK's class objects are no suspect"
    );
    assert_eq!(
        all.len(),
        1,
        "{:?}",
        all.iter().map(|s| &s.explanation).collect::<Vec<_>>()
    );
}

#[test]
fn classloader_leak_arrays_and_loader() {
    let f = facts("classloader_leak");
    let all = suspects_of("classloader_leak");
    // The buffer pool (largest), then the decoded image held by a stack frame.
    let pool = &all[0];
    assert_eq!(pool.pattern, LeakPattern::HugeArray);
    assert_eq!(pool.class, s(&f["pool_class"]));
    let h = pool.holder.as_ref().unwrap();
    assert_eq!(
        (h.class.as_str(), h.field.as_str()),
        (s(&f["pool_class"]), "chunks")
    );
    let chunks = format!(
        "{} × byte[{}]",
        count(n(&f["pool_chunks"])),
        count(n(&f["pool_chunk_bytes"]))
    );
    assert!(pool.explanation.contains(&chunks), "{}", pool.explanation);
    assert!(
        pool.explanation
            .contains("static field com.example.agent.BufferPool.SHARED"),
        "{}",
        pool.explanation
    );

    let image = &all[1];
    assert_eq!(image.pattern, LeakPattern::HugeArray);
    assert_eq!(image.root_kind.unwrap().label(), "Java Local");
    let ap = image.accumulation_point.as_ref().unwrap();
    assert_eq!(
        (ap.class.as_str(), ap.retained),
        (s(&f["image_array_class"]), n(&f["image_array_shallow"]))
    );
    let (method, thread) = (s(&f["image_frame_method"]), s(&f["image_thread"]));
    let expected = format!(
        "huge array: int[{}] of {}",
        count(n(&f["image_length"])),
        patterns::fmt_size(n(&f["image_array_shallow"]))
    );
    assert!(
        image.explanation.starts_with(&expected),
        "{}",
        image.explanation
    );
    assert!(
        image
            .explanation
            .contains(&format!("held by a local variable of {method}(")),
        "{}",
        image.explanation
    );
    assert!(
        image
            .explanation
            .contains(&format!("in thread \"{thread}\"")),
        "{}",
        image.explanation
    );
    assert!(
        image.root_detail.contains(method) && image.root_detail.contains(thread),
        "{}",
        image.root_detail
    );
    let h = image.holder.as_ref().unwrap();
    assert_eq!(h.class, "java.lang.Thread");
    assert!(
        h.field
            .starts_with("<Java Local> in com.example.agent.ImageDecoder.decode("),
        "{}",
        h.field
    );

    // The agent loader, reported below the heap threshold for its 2,000 classes.
    let loader = all
        .iter()
        .find(|x| x.pattern == LeakPattern::ClassLoaderRetention)
        .expect("loader suspect");
    assert_eq!(loader.class, s(&f["loader_class"]));
    let classes = format!("defines {} classes", count(n(&f["generated_classes"])));
    for needle in [
        classes.as_str(),
        "\"agent-loader\"",
        "static field com.example.agent.AgentRegistry.LOADERS",
    ] {
        assert!(
            loader.explanation.contains(needle),
            "{needle:?} not in {}",
            loader.explanation
        );
    }
    assert_eq!(
        all.len(),
        3,
        "{:?}",
        all.iter().map(|s| &s.explanation).collect::<Vec<_>>()
    );
}

#[test]
fn healthy_app_has_no_suspect() {
    let all = suspects_of("healthy_app");
    assert!(
        all.is_empty(),
        "{:?}",
        all.iter().map(|s| &s.explanation).collect::<Vec<_>>()
    );
}

/// The JSON field names the report schema relies on.
#[test]
fn json_schema_field_names() {
    let all = suspects_of("retry_buffer");
    let j = serde_json::to_value(&all).unwrap();
    let x = &j[0];
    for k in [
        "kind",
        "class",
        "object_id",
        "instances",
        "retained",
        "retained_pct",
        "accumulation_point",
        "holder",
        "path_to_root",
        "root_kind",
        "root_detail",
        "accumulated",
        "pattern",
        "explanation",
    ] {
        assert!(x.get(k).is_some(), "missing {k}");
    }
    for k in ["object_id", "class", "retained"] {
        assert!(
            x["accumulation_point"].get(k).is_some(),
            "accumulation_point.{k}"
        );
    }
    for k in ["object_id", "class", "field"] {
        assert!(x["holder"].get(k).is_some(), "holder.{k}");
    }
    for k in ["node", "object_id", "class", "field"] {
        assert!(x["path_to_root"][0].get(k).is_some(), "path_to_root[].{k}");
    }
    for k in ["class", "count", "bytes"] {
        assert!(x["accumulated"][0].get(k).is_some(), "accumulated[].{k}");
    }
    assert!(s(&x["object_id"]).starts_with("0x"));
}

// ---- synthetic heaps -------------------------------------------------------------------------

/// `com.example.Sender.INSTANCE.queue` → a JDK queue of `n` String messages (plus some
/// baseline objects so the queue is not 100% of the heap).
fn sender_with_linked_queue(n: usize, concurrent_linked: bool) -> HeapGraph {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let atomic = b.class(
        "java/util/concurrent/atomic/AtomicInteger",
        Some(object),
        &[("value", Int)],
        &[],
    );
    let (queue_class, node_class) = if concurrent_linked {
        (
            b.class(
                "java/util/concurrent/ConcurrentLinkedQueue",
                Some(object),
                &[("head", Object), ("tail", Object)],
                &[],
            ),
            b.class(
                "java/util/concurrent/ConcurrentLinkedQueue$Node",
                Some(object),
                &[("item", Object), ("next", Object)],
                &[],
            ),
        )
    } else {
        (
            b.class(
                "java/util/concurrent/LinkedBlockingQueue",
                Some(object),
                &[
                    ("capacity", Int),
                    ("count", Object),
                    ("head", Object),
                    ("last", Object),
                ],
                &[],
            ),
            b.class(
                "java/util/concurrent/LinkedBlockingQueue$Node",
                Some(object),
                &[("item", Object), ("next", Object)],
                &[],
            ),
        )
    };
    let sender = b.class(
        "com/example/Sender",
        Some(object),
        &[("queue", Object)],
        &[],
    );
    // Head first: build from the tail.
    let mut next: Option<ObjRef> = None;
    let mut last = None;
    for i in 0..n {
        let msg = b.string(&format!("message number {i:06} with some padding"));
        let node = b.instance(node_class, &[("item", msg.into()), ("next", next.into())]);
        if last.is_none() {
            last = Some(node);
        }
        next = Some(node);
    }
    let q = if concurrent_linked {
        b.instance(queue_class, &[("head", next.into()), ("tail", last.into())])
    } else {
        let c = b.instance(atomic, &[("value", Value::Int(n as i32))]);
        b.instance(
            queue_class,
            &[
                ("capacity", Value::Int(i32::MAX)),
                ("count", c.into()),
                ("head", next.into()),
                ("last", last.into()),
            ],
        )
    };
    let s = b.instance(sender, &[("queue", q.into())]);
    b.set_static(sender, "INSTANCE", s.into());
    // Baseline: a few unrelated strings held by a JNI global array.
    let arr_class = b.array_class("java/lang/String");
    let base: Vec<Option<ObjRef>> = (0..200)
        .map(|i| Some(b.string(&format!("baseline {i}"))))
        .collect();
    let arr = b.obj_array(arr_class, &base);
    b.root(arr, RootKind::JniGlobal { jni_ref_id: 1 });
    build_from_bytes(&b.write(&WriteOptions::default())).unwrap()
}

#[test]
fn linked_queue_stops_at_the_collection() {
    for concurrent_linked in [false, true] {
        let n = 46_000;
        let g = sender_with_linked_queue(n, concurrent_linked);
        let all = suspects_in(&g, "linked queue");
        let x = &all[0];
        let queue = if concurrent_linked {
            "java.util.concurrent.ConcurrentLinkedQueue"
        } else {
            "java.util.concurrent.LinkedBlockingQueue"
        };
        assert_eq!(x.accumulation_point.as_ref().unwrap().class, queue);
        assert_eq!(x.class, "com.example.Sender");
        let h = x.holder.as_ref().unwrap();
        assert_eq!(
            (h.class.as_str(), h.field.as_str()),
            ("com.example.Sender", "queue")
        );
        assert_eq!(x.pattern, LeakPattern::QueueBacklog);
        let c = x.collection.as_ref().unwrap();
        assert_eq!(c.size, n as u64);
        assert_eq!(c.bound, None, "Integer.MAX_VALUE is no bound");
        assert_eq!(c.element_class.as_deref(), Some("java.lang.String"));
        assert!(
            x.explanation
                .contains("holds 46,000 elements (java.lang.String, "),
            "{}",
            x.explanation
        );
        assert!(x.explanation.contains("no size bound"), "{}", x.explanation);
        assert!(
            x.explanation
                .contains("static field com.example.Sender.INSTANCE"),
            "{}",
            x.explanation
        );
        assert!(
            x.path_to_root.len() <= 4,
            "the path ends at the queue, not down the chain"
        );
    }
}

#[test]
fn synthetic_thread_explosion_below_threshold() {
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    // A big unrelated array keeps the threads far below 10% of the heap.
    let big = b.prim_array(BasicType::Byte, &vec![0u8; 4 << 20]);
    b.root(big, RootKind::JniGlobal { jni_ref_id: 1 });
    let _ = object;
    for i in 0..1200 {
        b.thread(&format!("worker-{i}"), &[]);
    }
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let all = suspects_in(&g, "threads");
    let x = all
        .iter()
        .find(|x| x.pattern == LeakPattern::ThreadExplosion)
        .expect("thread explosion");
    assert_eq!(x.instances, 1200);
    assert!(x.retained_pct < 10.0);
    assert!(
        x.explanation.contains("1,200 live threads: 1,200 worker-*"),
        "{}",
        x.explanation
    );
    // The big array is the other suspect.
    assert!(all.iter().any(|x| x.pattern == LeakPattern::HugeArray));
}

// ---- robustness ------------------------------------------------------------------------------

/// Dumps written by other JVMs: no panic, paths consistent.
#[test]
fn outside_dumps_do_not_break_the_analysis() {
    for name in [
        "outside/jdk8-jhat-32bit.hprof.gz",
        "outside/netbeans-64bit.hprof.gz",
    ] {
        let g = build_from_bytes(&common::read_fixture(name)).unwrap();
        for x in suspects_in(&g, name) {
            assert!(!x.explanation.is_empty());
            if let (Some(ap), Some(last)) = (&x.accumulation_point, x.path_to_root.last()) {
                assert_eq!(&ap.object_id, &last.object_id);
            }
        }
    }
}

/// A big dump (e.g. `scripts/gen-big-dump.sh`): `HEAPLENS_BIG_DUMP=/path/big.hprof cargo test
/// --release --test suspects big_dump -- --ignored --nocapture` prints the timings.
#[test]
#[ignore]
fn big_dump_timing() {
    let Ok(path) = std::env::var("HEAPLENS_BIG_DUMP") else {
        return;
    };
    let t = std::time::Instant::now();
    let g = heaplens::graph::build_from_path(std::path::Path::new(&path), |_, _| {}).unwrap();
    let t_build = t.elapsed();
    let d = Dominance::compute(&g);
    let t_dom = t.elapsed();
    let p = PathFinder::new(&g, PathOptions::default());
    let t_paths = t.elapsed();
    let all = find_suspects(&g, &d, &p);
    let t_sus = t.elapsed();
    eprintln!(
        "objects {} build {:?} dominators {:?} path BFS {:?} suspects {:?} (paths {} B/object)",
        g.node_count(),
        t_build,
        t_dom - t_build,
        t_paths - t_dom,
        t_sus - t_paths,
        p.heap_bytes() / g.node_count().max(1)
    );
    for x in &all {
        eprintln!(
            "- {} {} {:.1}%: {}",
            x.kind, x.class, x.retained_pct, x.explanation
        );
    }
}

/// Many top-level dominators of one class, all reached through one array: a group suspect whose
/// accumulation point is the array, held by the application's cache.
#[test]
fn group_suspect_with_accumulation_point() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let session = b.class(
        "com/example/Session",
        Some(object),
        &[("data", Object)],
        &[],
    );
    let cache = b.class("com/example/Cache", Some(object), &[("byId", Object)], &[]);
    let registry = b.class("com/example/Registry", Some(object), &[], &[]);
    let list = b.class(
        "java/util/ArrayList",
        Some(object),
        &[("elementData", Object), ("size", Int)],
        &[],
    );
    let arr_class = b.array_class("java/lang/Object");
    let sessions: Vec<Option<ObjRef>> = (0..500)
        .map(|_| {
            // 500 × 4 KB: above the 1 MiB floor of a suspect.
            let data = b.prim_array(Byte, &[1u8; 4000]);
            Some(b.instance(session, &[("data", data.into())]))
        })
        .collect();
    // Path 1 (shorter): JNI global → Cache.byId → Object[] → sessions.
    let by_id = b.obj_array(arr_class, &sessions);
    let c = b.instance(cache, &[("byId", by_id.into())]);
    b.root(c, RootKind::JniGlobal { jni_ref_id: 1 });
    // Path 2: class Registry → static ALL → ArrayList → Object[] → sessions.
    let data = b.obj_array(arr_class, &sessions);
    let l = b.instance(
        list,
        &[("elementData", data.into()), ("size", Value::Int(500))],
    );
    b.set_static(registry, "ALL", l.into());
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let all = suspects_in(&g, "group");
    let x = &all[0];
    assert_eq!(
        (x.kind, x.class.as_str(), x.instances),
        (SuspectKind::Group, "com.example.Session", 500)
    );
    assert_eq!(
        x.accumulation_point.as_ref().unwrap().class,
        "java.lang.Object[]"
    );
    let h = x.holder.as_ref().unwrap();
    assert_eq!(
        (h.class.as_str(), h.field.as_str()),
        ("com.example.Cache", "byId")
    );
    assert_eq!(x.pattern, LeakPattern::CollectionAccumulation);
    assert_eq!(x.collection.as_ref().unwrap().size, 500);
    assert!(
        x.explanation
            .contains("500 instances of com.example.Session"),
        "{}",
        x.explanation
    );
    assert!(
        x.explanation
            .contains("held by com.example.Cache.byId, which holds 500 elements"),
        "{}",
        x.explanation
    );
    assert!(x
        .accumulated
        .iter()
        .any(|r| r.class == "byte[]" && r.count == 500));
}

// ---- stories: calibrated, OOM, class-loader leaks, incomplete dumps --------------------------

/// Every fixture: no explanation claims what one dump cannot show (growth, never removed).
#[test]
fn stories_claim_only_what_one_dump_shows() {
    for name in INCIDENTS.iter().chain(&["healthy_app"]) {
        for x in suspects_of(name) {
            let e = x.explanation.to_lowercase();
            for claim in [
                "keeps growing",
                "never removed",
                "are added and",
                "faster than",
                "never cleared",
            ] {
                assert!(!e.contains(claim), "{name}: {claim:?} in {}", x.explanation);
            }
        }
    }
}

/// A dump written by `-XX:+HeapDumpOnOutOfMemoryError`: the unreachable giant is named first.
#[test]
fn oom_export_names_the_unreachable_giant() {
    let f = facts("oom_export");
    let all = suspects_of("oom_export");
    let x = &all[0];
    assert_eq!(x.pattern, LeakPattern::UnreachableObjects);
    assert_eq!(x.kind, SuspectKind::Unreachable);
    assert_eq!(x.class, s(&f["giant_class"]));
    let giant = x.accumulation_point.as_ref().unwrap();
    assert_eq!(giant.retained, n(&f["giant_shallow"]));
    let what = format!("byte[{}]", count(n(&f["giant_length"])));
    let size = patterns::fmt_bytes(n(&f["giant_shallow"]));
    for needle in [what.as_str(), size.as_str(), "OutOfMemoryError"] {
        assert!(
            x.explanation.contains(needle),
            "{needle:?} not in {}",
            x.explanation
        );
    }
    assert!(x.retained >= n(&f["giant_shallow"]) && x.retained_pct > 40.0);
    // The export buffer is still reachable: the ByteArrayOutputStream's byte[capacity].
    let rest: Vec<&Suspect> = all[1..].iter().collect();
    assert!(
        rest.iter()
            .any(|x| x.retained >= n(&f["export_buffer_capacity"])),
        "{:?}",
        rest.iter().map(|x| &x.explanation).collect::<Vec<_>>()
    );
}

/// MAT's test dumps and the other outside dumps are small heaps where 10% is the JDK's own
/// baseline: no suspect below 1 MiB.
#[test]
fn small_heaps_have_no_noise_suspects() {
    for name in [
        "outside/jdk8-jhat-32bit.hprof.gz",
        "outside/netbeans-64bit.hprof.gz",
        "outside/mat/sun_jdk6_18_x32.hprof.gz",
        "outside/mat/oracle_jdk8_05_x64.hprof.gz",
    ] {
        let g = build_from_bytes(&common::read_fixture(name)).unwrap();
        let all = suspects_in(&g, name);
        assert!(
            all.iter()
                .all(|x| x.retained >= patterns::MIN_SUSPECT_BYTES),
            "{name}: {:?}",
            all.iter().map(|x| &x.explanation).collect::<Vec<_>>()
        );
    }
}

/// 35 live loaders of one plugin-loader class, each with its own copy of the plugin classes,
/// kept by a static registry: one class-loader leak naming them.
#[test]
fn synthetic_plugin_loaders_are_a_class_loader_leak() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let cl = b.class(
        "java/lang/ClassLoader",
        Some(object),
        &[("parent", Object)],
        &[],
    );
    let plugin_loader = b.class("com/example/PluginLoader", Some(cl), &[("id", Int)], &[]);
    let registry = b.class("com/example/Registry", Some(object), &[], &[]);
    let arr_class = b.array_class("java/lang/Object");
    let big = b.prim_array(Byte, &vec![0u8; 4 << 20]);
    b.root(big, RootKind::JniGlobal { jni_ref_id: 1 });
    let mut loaders = Vec::new();
    for i in 0..35 {
        let l = b.instance(plugin_loader, &[("id", Value::Int(i))]);
        for name in ["com/example/plugin/Plugin", "com/example/plugin/Util"] {
            let c = b.class(name, Some(object), &[], &[]);
            b.set_class_loader(c, l.id());
        }
        loaders.push(Some(l));
    }
    let all_loaders = b.obj_array(arr_class, &loaders);
    b.set_static(registry, "LOADERS", all_loaders.into());
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let all = suspects_in(&g, "plugin loaders");
    let x = all
        .iter()
        .find(|x| x.pattern == LeakPattern::ClassLoaderLeak)
        .expect("class-loader leak");
    assert_eq!(
        (x.class.as_str(), x.instances),
        ("com.example.PluginLoader", 35)
    );
    for needle in [
        "35 class loaders of class com.example.PluginLoader",
        "2 class names (mostly com.example.plugin.*) are defined by each of them",
        "static field com.example.Registry.LOADERS",
        "class loaders view",
    ] {
        assert!(
            x.explanation.contains(needle),
            "{needle:?} not in {}",
            x.explanation
        );
    }
    assert_eq!(
        all.iter().filter(|x| x.pattern.is_class_loader()).count(),
        1
    );
}

/// A dump cut at 500 KB: whatever was found, the report never says the heap is healthy.
#[test]
fn incomplete_dump_is_never_reported_healthy() {
    use std::io::Read;
    let gz = common::read_fixture("healthy_app.hprof.gz");
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    for cut in [500_000usize, raw.len() / 2] {
        let g = build_from_bytes(&raw[..cut]).unwrap();
        let d = Dominance::compute(&g);
        let r = heaplens::report::build_report(&g, &d, &Default::default());
        let md = heaplens::report::to_markdown(&r);
        assert!(md.contains("truncated"), "{cut}");
        assert!(!md.contains("nothing stands out"), "{cut}");
        if r.suspects.is_empty() {
            assert!(md.contains("says nothing about the whole heap"), "{cut}");
        }
    }
    // The complete dump: nothing stands out.
    let g = build_from_bytes(&raw).unwrap();
    let d = Dominance::compute(&g);
    let md =
        heaplens::report::to_markdown(&heaplens::report::build_report(&g, &d, &Default::default()));
    assert!(md.contains("No leak suspect: nothing stands out"));
}

/// 36 plugin loaders of one class, 35 of them undeployed, kept by a static listener list: one
/// class-loader leak naming the loaders, the duplicated classes and the list.
#[test]
fn plugin_redeploy_is_a_class_loader_leak() {
    let f = facts("plugin_redeploy");
    let all = suspects_of("plugin_redeploy");
    let x = &all[0];
    assert_eq!(x.pattern, LeakPattern::ClassLoaderLeak);
    assert_eq!(x.class, s(&f["loader_class"]));
    assert_eq!(x.instances, n(&f["loaders"]));
    let loaders = format!(
        "{} class loaders of class {}",
        count(n(&f["loaders"])),
        s(&f["loader_class"])
    );
    let names = f["plugin_classes"].as_array().unwrap();
    let classes = format!("{} class names", names.len());
    let mut needles = vec![
        loaders.as_str(),
        classes.as_str(),
        s(&f["registry"]),
        "class loaders view",
    ];
    needles.extend(names.iter().map(s));
    for needle in needles {
        assert!(
            x.explanation.contains(needle),
            "{needle:?} not in {}",
            x.explanation
        );
    }
    // The plugin objects (their caches) are part of it: the list that holds them is no
    // separate suspect.
    let caches = n(&f["plugin_cache_bytes"]) * n(&f["loaders"]);
    assert!(x.retained >= caches, "{} < {caches}", x.retained);
    assert_eq!(
        all.len(),
        1,
        "{:?}",
        all.iter().map(|s| &s.explanation).collect::<Vec<_>>()
    );
}

/// The Markdown and HTML reports carry each suspect's path from a GC root, as the JSON does.
#[test]
fn markdown_and_html_show_the_path_to_the_gc_root() {
    use heaplens::report::{build_report, to_html, to_markdown, ReportOptions};
    let (g, d) = graph_of("retry_buffer");
    let r = build_report(&g, &d, &ReportOptions::default());
    let s = &r.suspects[0];
    assert!(s.path_to_root.len() >= 3, "{:?}", s.path_to_root);
    let md = to_markdown(&r);
    let html = to_html(&r);
    assert!(md.contains("### Suspect 1, "), "{md}");
    assert!(md.contains("path from a GC root"));
    for step in &s.path_to_root {
        let line = format!("{} → {} @ {}", step.field, step.class, step.object_id);
        // Markdown escapes its punctuation with backslashes.
        assert!(
            md.replace('\\', "").contains(&line),
            "{line} not in the Markdown"
        );
        let html_line = line.replace('<', "&lt;").replace('>', "&gt;");
        assert!(html.contains(&html_line), "{html_line} not in the HTML");
    }
    assert!(s.path_to_root.iter().any(|p| p.field == "pendingBatches"));
}

/// The typed pattern serializes as the label the report JSON and the web protocol carried when
/// it was a string, and reads back from it.
#[test]
fn leak_pattern_serializes_as_its_label() {
    for p in LeakPattern::ALL {
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!("\"{}\"", p.label()));
        assert_eq!(serde_json::from_str::<LeakPattern>(&json).unwrap(), p);
    }
    assert_eq!(
        LeakPattern::ThreadLocalAccumulation.to_string(),
        "ThreadLocal accumulation"
    );
}

/// The page asks for the suspects alone, and they read each dominator subtree by walking the
/// children index; the report shares the histogram's preorder and reads runs of it. Both
/// readings give the same suspects (accumulated rows, thread counts) on every incident.
#[test]
fn suspects_alone_match_the_reports() {
    for name in INCIDENTS.iter().chain(&["thread_stacks"]) {
        let (g, d) = graph_of(name);
        let p = PathFinder::new(&g, PathOptions::default());
        let alone = find_suspects(&g, &d, &p);
        let report = heaplens::report::build_report(&g, &d, &Default::default());
        assert!(!alone.is_empty(), "{name}: a suspect");
        assert_eq!(
            serde_json::to_value(&alone).unwrap(),
            serde_json::to_value(&report.suspects).unwrap(),
            "{name}"
        );
    }
}
