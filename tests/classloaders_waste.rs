//! Class loaders (defined classes, leak candidates, open jars) and waste (duplicate strings,
//! largest arrays, collection fill ratios): real JVM dumps against their facts files, and
//! synthetic dumps with exact answers.

mod common;

use heaplens::analysis::*;
use heaplens::graph::*;
use heaplens_hprof_writer::{BasicType, HeapBuilder, IdScheme, ObjRef, Value, WriteOptions};
use serde_json::Value as Json;

fn load(name: &str) -> (HeapGraph, Dominance, Json) {
    let bytes = common::read_fixture(&format!("{name}.hprof.gz"));
    let g = build_from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let d = Dominance::compute(&g);
    let facts: Json =
        serde_json::from_slice(&common::read_fixture(&format!("{name}.facts.json"))).unwrap();
    (g, d, facts)
}

fn num(j: &Json) -> u64 {
    j.as_u64().unwrap_or_else(|| panic!("not a number: {j}"))
}

#[test]
fn classloader_leak_loaders() {
    let (g, d, facts) = load("classloader_leak");
    let r = class_loaders(&g, &d);
    let agent = r
        .loaders
        .iter()
        .find(|l| l.name.as_deref() == facts["loader_name"].as_str())
        .expect("agent loader");
    assert_eq!(agent.class, facts["loader_class"].as_str().unwrap());
    let generated = num(&facts["generated_classes"]) as u32;
    assert!(
        (generated..=generated + 5).contains(&agent.classes_defined),
        "{}",
        agent.classes_defined
    );
    assert!(!agent.builtin);
    assert!(agent.leak_candidate);
    assert!(
        agent
            .reason
            .contains(&format!("defines {} classes", agent.classes_defined)),
        "{}",
        agent.reason
    );
    // Open jars: the loader keeps its own agent.jar open; the plugin jars are held by a static
    // list of another loader's class, so they are open but not the agent loader's.
    let own = num(&facts["jarfile_instances"]) - num(&facts["open_jars"]);
    assert_eq!(agent.open_jars as u64, own);
    assert!(
        agent.reason.contains("keeps 1 jar file open"),
        "{}",
        agent.reason
    );
    assert_eq!(
        r.open_jar_files.len() as u64,
        num(&facts["jarfile_instances"])
    );
    assert!(r
        .open_jar_files
        .iter()
        .all(|j| j.class == "java.util.jar.JarFile" && j.name.is_some()));
    let owned: Vec<_> = r
        .open_jar_files
        .iter()
        .filter(|j| j.loader_id == agent.object_id)
        .collect();
    assert_eq!(owned.len() as u64, own);
    // The loader is listed first (the only leak candidate); its parent is the app loader.
    assert_eq!(r.loaders[0].name, agent.name);
    assert_eq!(r.loaders.iter().filter(|l| l.leak_candidate).count(), 1);
    let app = r
        .loaders
        .iter()
        .find(|l| l.class == "jdk.internal.loader.ClassLoaders$AppClassLoader")
        .unwrap();
    assert_eq!(agent.parent, app.object_id);
    assert!(app.builtin && !app.leak_candidate);
    let boot = r.loaders.iter().find(|l| l.class == "<bootstrap>").unwrap();
    assert!(boot.object_id.is_none() && boot.classes_defined > 1000 && !boot.leak_candidate);
    // Every CLASS DUMP is attributed to exactly one loader.
    let dumped = g.classes.iter().filter(|c| c.node != NO_NODE).count() as u32;
    assert_eq!(
        r.loaders.iter().map(|l| l.classes_defined).sum::<u32>(),
        dumped
    );
    // Every object is an instance of some loader's class.
    assert_eq!(
        r.loaders.iter().map(|l| l.instances).sum::<u64>(),
        g.node_count() as u64
    );
    assert!(r.duplicate_classes.is_empty());
    let j = serde_json::to_value(agent).unwrap();
    for k in [
        "object_id",
        "class",
        "name",
        "classes_defined",
        "instances",
        "retained",
        "parent",
        "leak_candidate",
        "reason",
    ] {
        assert!(j.get(k).is_some(), "{k}");
    }
}

#[test]
fn classloader_leak_largest_arrays() {
    let (g, d, facts) = load("classloader_leak");
    let arrays = largest_arrays(&g, &d);
    assert_eq!(arrays.len(), 50);
    let img = &arrays[0];
    assert_eq!(img.class, facts["image_array_class"].as_str().unwrap());
    assert_eq!(img.length as u64, num(&facts["image_length"]));
    assert_eq!(img.shallow, num(&facts["image_array_shallow"]));
    assert_eq!(img.retained, img.shallow);
    let path = img.path.as_ref().expect("path");
    assert_eq!(path.root_kind.label(), "Java Local");
    assert!(
        path.root_detail
            .contains(facts["image_thread"].as_str().unwrap()),
        "{}",
        path.root_detail
    );
    assert!(
        path.root_detail
            .contains(facts["image_frame_method"].as_str().unwrap()),
        "{}",
        path.root_detail
    );
    // Then the buffer pool's chunks.
    let chunks = num(&facts["pool_chunks"]) as usize;
    for a in &arrays[1..=chunks] {
        assert_eq!(
            (a.class.as_str(), a.length as u64, a.shallow),
            (
                "byte[]",
                num(&facts["pool_chunk_bytes"]),
                num(&facts["pool_chunk_array_shallow"])
            )
        );
        let p = a.path.as_ref().unwrap();
        assert!(
            p.steps.iter().any(|s| s.field == "<static> SHARED"),
            "{p:?}"
        );
        assert_eq!(p.steps.last().unwrap().object_id, a.object_id);
        assert!(p.steps.len() <= 6 && p.length == p.steps.len() + p.omitted);
    }
    assert!(arrays.windows(2).all(|w| w[0].shallow >= w[1].shallow));
}

#[test]
fn queue_backlog_fill_ratio() {
    let (g, d, facts) = load("queue_backlog");
    let r = collection_fill(&g, &d);
    let abq = r
        .classes
        .iter()
        .find(|c| c.class == facts["queue_class"].as_str().unwrap())
        .expect("queue class");
    let q = abq.worst.iter().max_by_key(|q| q.size).unwrap();
    let (msgs, cap) = (num(&facts["queue_messages"]), num(&facts["queue_capacity"]));
    assert_eq!((q.size, q.capacity), (msgs, Some(cap)));
    assert_eq!(q.fill_ratio, Some(msgs as f64 / cap as f64));
    // 16,000 empty slots × 4-byte compressed references.
    assert_eq!(q.wasted_bytes, (cap - msgs) * 4);
    assert_eq!(abq.total_fill_ratio, Some(0.84));
    assert!(q.retained >= num(&facts["sizes"]["queue_retained_at_least"]));
    // Largest array: the queue's items, reached from the sender thread's local.
    let arrays = largest_arrays(&g, &d);
    assert_eq!(
        (arrays[0].class.as_str(), arrays[0].shallow),
        (
            "java.lang.Object[]",
            num(&facts["sizes"]["items_array_shallow"])
        )
    );
    let p = arrays[0].path.as_ref().unwrap();
    assert!(
        p.root_detail
            .contains(facts["sender_thread"].as_str().unwrap()),
        "{}",
        p.root_detail
    );
    assert_eq!(p.steps.last().unwrap().field, "items");
}

// ---- Synthetic dumps -----------------------------------------------------------------------

/// Strings with known duplicates: "hello-duplicate" ×5 in an `Object[]` held by a static,
/// "abc" ×3 as `Person.name`, "shared" ×2 sharing one value array, "unique" once.
#[test]
fn duplicate_strings_exact() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8).with_ids(IdScheme::Packed {
        start: 0x10_0000,
        align: 8,
    });
    let object = b.object_class();
    let person = b.class(
        "com/example/Person",
        Some(object),
        &[("name", Object), ("age", Int)],
        &[],
    );
    let obj_array = b.array_class("java/lang/Object");
    let mut items: Vec<Option<ObjRef>> =
        (0..5).map(|_| Some(b.string("hello-duplicate"))).collect();
    let people: Vec<ObjRef> = (0..3)
        .map(|i| {
            let s = b.string("abc");
            b.instance(
                person,
                &[("name", Value::from(s)), ("age", Value::Int(30 + i))],
            )
        })
        .collect();
    items.extend(people.iter().map(|&p| Some(p)));
    let shared = b.string("shared");
    let string_class = b.class_by_name("java/lang/String").unwrap();
    let Some(Value::Object(arr)) = b.field(shared, "value") else {
        panic!()
    };
    let copy = b.instance(string_class, &[]);
    b.set_field(copy, "value", Value::Object(arr));
    items.push(Some(shared));
    items.push(Some(copy));
    items.push(Some(b.string("unique")));
    let list = b.obj_array(obj_array, &items);
    b.class(
        "com/example/Cache",
        Some(object),
        &[],
        &[("ITEMS", Value::from(list))],
    );
    let bytes = b.write(&WriteOptions::default());

    let g = build_from_bytes(&bytes).unwrap();
    let d = Dominance::compute(&g);
    assert_eq!((g.sizes.reference, g.sizes.alignment), (8, 8));
    let r = duplicate_strings(&g, &d);
    assert_eq!(r.strings, 5 + 3 + 2 + 1);
    assert_eq!(r.duplicated_values, 3);
    assert_eq!(r.duplicate_instances, 4 + 2 + 1);
    // Size rule, 8-byte references: String = align(16 + 8 + 1 + 4 + 1) = 32;
    // byte[n] = align(align(16 + 4, 8) + n, 8).
    let string = 32u64;
    let bytes_of = |n: u64| (24 + n).div_ceil(8) * 8;
    let hello = 4 * (string + bytes_of(15));
    let abc = 2 * (string + bytes_of(3));
    let shared_waste = string; // one array for both
    assert_eq!(r.groups.len(), 3);
    let g0 = &r.groups[0];
    assert_eq!(
        (
            g0.value.as_str(),
            g0.length,
            g0.count,
            g0.distinct_arrays,
            g0.wasted_bytes
        ),
        ("hello-duplicate", 15, 5, 5, hello)
    );
    assert_eq!(g0.top_holders.len(), 1);
    assert_eq!(
        (
            g0.top_holders[0].class.as_str(),
            g0.top_holders[0].field.as_str(),
            g0.top_holders[0].count
        ),
        ("java.lang.Object[]", "[]", 5)
    );
    let g1 = &r.groups[1];
    assert_eq!(
        (g1.value.as_str(), g1.count, g1.wasted_bytes),
        ("abc", 3, abc)
    );
    assert_eq!(
        (
            g1.top_holders[0].class.as_str(),
            g1.top_holders[0].field.as_str(),
            g1.top_holders[0].count
        ),
        ("com.example.Person", "name", 3)
    );
    let g2 = &r.groups[2];
    assert_eq!(
        (
            g2.value.as_str(),
            g2.count,
            g2.distinct_arrays,
            g2.wasted_bytes
        ),
        ("shared", 2, 1, shared_waste)
    );
    assert_eq!(r.wasted_bytes, hello + abc + shared_waste);
    let j = serde_json::to_value(g0).unwrap();
    for k in ["value", "count", "wasted_bytes", "top_holders"] {
        assert!(j.get(k).is_some(), "{k}");
    }
}

/// ArrayList / HashMap / ArrayBlockingQueue with known sizes and capacities.
#[test]
fn collection_fill_exact() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8).with_ids(IdScheme::Packed {
        start: 0x10_0000,
        align: 8,
    });
    let object = b.object_class();
    let list_class = b.class(
        "java/util/ArrayList",
        Some(object),
        &[("elementData", Object), ("size", Int), ("modCount", Int)],
        &[],
    );
    let map_class = b.class(
        "java/util/HashMap",
        Some(object),
        &[("table", Object), ("size", Int), ("threshold", Int)],
        &[],
    );
    let node_class = b.class(
        "java/util/HashMap$Node",
        Some(object),
        &[
            ("key", Object),
            ("value", Object),
            ("next", Object),
            ("hash", Int),
        ],
        &[],
    );
    let abq_class = b.class(
        "java/util/concurrent/ArrayBlockingQueue",
        Some(object),
        &[("items", Object), ("count", Int)],
        &[],
    );
    let obj_array = b.array_class("java/lang/Object");
    let node_array = b.array_class("java/util/HashMap$Node");
    let item = b.instance(object, &[]);
    // ArrayList: 3 of 10.
    let mut slots = vec![Some(item); 3];
    slots.resize(10, None);
    let data = b.obj_array(obj_array, &slots);
    let list = b.instance(
        list_class,
        &[("elementData", Value::from(data)), ("size", Value::Int(3))],
    );
    // An empty ArrayList without a backing array.
    let empty = b.instance(list_class, &[]);
    // HashMap: 3 entries in 2 of 16 buckets (a chain of two).
    let n3 = b.instance(
        node_class,
        &[("key", Value::from(item)), ("hash", Value::Int(3))],
    );
    let n2 = b.instance(
        node_class,
        &[("key", Value::from(item)), ("next", Value::from(n3))],
    );
    let n1 = b.instance(node_class, &[("key", Value::from(item))]);
    let mut buckets = vec![None; 16];
    buckets[1] = Some(n1);
    buckets[5] = Some(n2);
    let table = b.obj_array(node_array, &buckets);
    let map = b.instance(
        map_class,
        &[("table", Value::from(table)), ("size", Value::Int(3))],
    );
    // ArrayBlockingQueue: 4 of 8.
    let mut qs = vec![Some(item); 4];
    qs.resize(8, None);
    let items = b.obj_array(obj_array, &qs);
    let queue = b.instance(
        abq_class,
        &[("items", Value::from(items)), ("count", Value::Int(4))],
    );
    let holder = b.obj_array(
        obj_array,
        &[Some(list), Some(empty), Some(map), Some(queue)],
    );
    b.class(
        "com/example/Registry",
        Some(object),
        &[],
        &[("ALL", Value::from(holder))],
    );
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let d = Dominance::compute(&g);
    assert_eq!(g.sizes.reference, 8);
    let r = collection_fill(&g, &d);
    let class = |n: &str| {
        r.classes
            .iter()
            .find(|c| c.class == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let al = class("java.util.ArrayList");
    assert_eq!(
        (al.count, al.empty, al.total_size, al.total_capacity),
        (2, 1, 3, 10)
    );
    assert_eq!(al.total_fill_ratio, Some(0.3));
    assert_eq!(al.wasted_bytes, 7 * 8);
    let hm = class("java.util.HashMap");
    assert_eq!(
        (hm.count, hm.total_size, hm.total_capacity, hm.wasted_bytes),
        (1, 3, 16, 14 * 8)
    );
    let q = class("java.util.concurrent.ArrayBlockingQueue");
    assert_eq!(
        (
            q.total_size,
            q.total_capacity,
            q.avg_fill_ratio,
            q.wasted_bytes
        ),
        (4, 8, Some(0.5), 4 * 8)
    );
    assert_eq!(r.wasted_bytes, (7 + 14 + 4) * 8);
    assert_eq!(r.worst[0].class, "java.util.HashMap");
    // `HashMap$Node` is no collection; the empty list has no capacity (no fill ratio).
    assert!(r
        .classes
        .iter()
        .all(|c| c.class != "java.util.HashMap$Node"));
    let e = al.worst.iter().find(|w| w.size == 0).unwrap();
    assert_eq!((e.capacity, e.fill_ratio), (None, None));
}

/// Two loaders of the same class defining the same classes (a redeploy leak) and one with
/// many classes.
#[test]
fn synthetic_loaders_duplicates() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let cl = b.class(
        "java/lang/ClassLoader",
        Some(object),
        &[("parent", Object), ("name", Object)],
        &[],
    );
    let webapp = b.class("org/example/WebappClassLoader", Some(cl), &[], &[]);
    let name1 = b.string("webapp-1");
    let l1 = b.instance(webapp, &[("name", Value::from(name1))]);
    let l2 = b.instance(webapp, &[]);
    let holder_array = b.array_class("java/lang/Object");
    let mut keep = vec![Some(l1), Some(l2)];
    for (loader, n) in [(l1, 12), (l2, 12)] {
        b.set_default_class_loader(loader);
        for i in 0..n {
            let c = b.class(&format!("org/example/app/C{i}"), Some(object), &[], &[]);
            if i == 0 {
                keep.push(Some(b.instance(c, &[])));
            }
        }
    }
    b.set_default_class_loader(0u64);
    let all = b.obj_array(holder_array, &keep);
    b.class(
        "org/example/Server",
        Some(object),
        &[],
        &[("LOADERS", Value::from(all))],
    );
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let d = Dominance::compute(&g);
    let r = class_loaders(&g, &d);
    let webapps: Vec<_> = r
        .loaders
        .iter()
        .filter(|l| l.class == "org.example.WebappClassLoader")
        .collect();
    assert_eq!(webapps.len(), 2);
    for l in &webapps {
        assert_eq!(
            (l.classes_defined, l.instances, l.duplicated_classes),
            (12, 1, 12)
        );
        assert!(
            l.leak_candidate
                && l.reason
                    .contains("12 of its classes are also defined by another"),
            "{}",
            l.reason
        );
    }
    assert_eq!(
        webapps
            .iter()
            .filter(|l| l.name.as_deref() == Some("webapp-1"))
            .count(),
        1
    );
    assert_eq!(r.duplicate_classes_total, 12);
    assert_eq!(r.duplicate_classes[0].loaders.len(), 2);
    assert_eq!(r.duplicate_classes[0].class, "org.example.app.C0");
}
