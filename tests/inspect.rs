//! One object's details (`analysis::inspect`, the page's object view) on a real JVM dump: the
//! queue of `queue_backlog` (its fields, dominator chain, sizes), its class object (static
//! fields, instance count from the histogram or counted), a message String's preview (its first
//! `STRING_PREVIEW_CHARS` characters), and the wire form of the kinds. Expected values come
//! from the fixture's facts.

mod common;

use heaplens::analysis::histogram;
use heaplens::analysis::inspect::{self, ObjectKind};
use heaplens::graph::{Dominance, HeapGraph, Node, STRING_PREVIEW_CHARS};
use heaplens::hprof::Id;
use serde_json::Value;

fn load(name: &str) -> (HeapGraph, Dominance, Value) {
    common::load_with_facts(name)
}

fn only_instance(g: &HeapGraph, class: &str) -> Node {
    let all: Vec<Node> = g
        .nodes()
        .filter(|&v| g.as_class(v).is_none() && g.class(v).name == class)
        .collect();
    assert_eq!(all.len(), 1, "one {class}");
    all[0]
}

#[test]
fn queue_backlog_queue_and_its_class() {
    let (g, d, f) = load("queue_backlog");
    let n = |k: &str| f["sizes"][k].as_u64().unwrap();
    let queue = only_instance(&g, f["queue_class"].as_str().unwrap());
    let q = inspect::object_details(&g, &d, queue, None);
    assert_eq!(q.kind, ObjectKind::Instance);
    assert_eq!(q.class, "java.util.concurrent.ArrayBlockingQueue");
    assert!(q.retained >= n("queue_retained_at_least"), "{}", q.retained);
    assert!(q.reachable);
    let field = |name: &str| q.fields.iter().find(|x| x.name == name).unwrap();
    assert_eq!(field("count").value, f["queue_messages"].to_string());
    assert_eq!(field("count").ty, "int");
    let items = field("items");
    assert_eq!(items.ty, "Object");
    let items_ref = items.target.as_ref().expect("items is set");
    assert_eq!(items_ref.class, "java.lang.Object[]");
    assert_eq!(items.value, items_ref.object_id);
    // The items array: its capacity, its shallow size from the facts, held by the queue.
    let items_node = g
        .node_of(Id::new(
            u64::from_str_radix(&items_ref.object_id[2..], 16).unwrap(),
        ))
        .unwrap();
    let a = inspect::object_details(&g, &d, items_node, None);
    assert_eq!(a.kind, ObjectKind::ObjectArray);
    assert_eq!(
        a.array_length,
        Some(f["queue_capacity"].as_u64().unwrap() as u32)
    );
    assert_eq!(a.shallow, n("items_array_shallow"));
    assert!(a.fields.is_empty());
    assert_eq!(a.dominator.as_ref().unwrap().object_id, q.object_id);
    assert_eq!(a.dominator_chain.last(), a.dominator.as_ref());
    assert_eq!(
        inspect::preview(&g, items_node),
        Some(format!("length {}", f["queue_capacity"]))
    );
    // The queue is held by the sender (its dominator chain runs through it).
    assert!(
        q.dominator_chain
            .iter()
            .any(|o| o.class == f["sender_class"].as_str().unwrap()),
        "{:?}",
        q.dominator_chain
    );

    // Its class object: static fields, the instance count, with or without the histogram.
    let class_node = g
        .node_of(Id::new(
            u64::from_str_radix(&q.class_object_id.clone().unwrap()[2..], 16).unwrap(),
        ))
        .unwrap();
    let hist = histogram(&g, &d);
    let c = inspect::object_details(&g, &d, class_node, Some(&hist));
    assert_eq!(c.kind, ObjectKind::Class);
    assert_eq!(c.class, "class java.util.concurrent.ArrayBlockingQueue");
    let info = c.class_info.as_ref().unwrap();
    assert_eq!(info.instances, 1);
    assert_eq!(info.super_class.as_deref(), Some("java.util.AbstractQueue"));
    assert_eq!(info.loader, "<bootstrap>");
    assert_eq!(
        inspect::object_details(&g, &d, class_node, None).class_info,
        c.class_info
    );
    assert!(
        c.gc_roots.contains(&"System Class".to_string()),
        "{:?}",
        c.gc_roots
    );
    assert!(c.fields.iter().any(|x| x.name == "serialVersionUID"));
    assert_eq!(inspect::preview(&g, class_node), None);

    // One message: a String whose preview is its text, 200 characters.
    let first = g
        .edges(items_node)
        .next()
        .map(|(t, _)| t)
        .expect("a message");
    let m = inspect::object_details(&g, &d, first, None);
    assert_eq!(m.class, "java.lang.String");
    let text = m.string_value.expect("text kept");
    // The build keeps a preview of every String (the message is 200 characters long).
    assert!(f["message_length"].as_u64().unwrap() as usize > STRING_PREVIEW_CHARS);
    assert_eq!(text.chars().count(), STRING_PREVIEW_CHARS);

    assert_eq!(inspect::preview(&g, first), Some(format!("\"{text}\"")));
    assert_eq!(m.retained, n("per_message_retained"));
}

#[test]
fn kinds_serialize_as_words() {
    let json = serde_json::to_string(&[
        ObjectKind::Instance,
        ObjectKind::ObjectArray,
        ObjectKind::PrimitiveArray,
        ObjectKind::Class,
    ])
    .unwrap();
    assert_eq!(
        json,
        r#"["instance","object array","primitive array","class"]"#
    );
    let back: Vec<ObjectKind> = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.iter().map(|k| k.label()).collect::<Vec<_>>().join(","),
        "instance,object array,primitive array,class"
    );
}

/// Java's `String.hashCode` (UTF-16 code units), then `HashMap.hash`'s spread.
fn hashmap_hash(key: &str) -> i32 {
    let h = key
        .encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32));
    h ^ ((h as u32) >> 16) as i32
}

/// Fields the build does not keep (a JDK `HashMap$Node`'s `hash`, outside the kept list) are
/// read again from the dump by `object_details_from`, as the page's inspector does: each equals
/// what the JVM computed from the node's String key; without the file they stay "(not kept)".
#[test]
fn unkept_fields_are_read_from_the_dump() {
    use heaplens::hprof::reread::{MemorySource, ObjectSource};
    let bytes = common::read_fixture("retry_buffer.hprof.gz");
    let g = heaplens::graph::build_from_bytes(&bytes).expect("fixture parses");
    let d = Dominance::compute(&g);
    let mut src = MemorySource::from_stored(&bytes).expect("inflates");
    let mut checked = 0;
    for v in g.nodes() {
        if g.as_class(v).is_some() || g.class(v).name != "java.util.HashMap$Node" {
            continue;
        }
        let Some(key) = g
            .ref_field(v, "key")
            .filter(|&k| g.class(k).name == "java.lang.String")
            .and_then(|k| g.string_value(k))
            .filter(|t| t.chars().count() < STRING_PREVIEW_CHARS)
            .map(str::to_string)
        else {
            continue;
        };
        let kept = inspect::object_details(&g, &d, v, None);
        let hash = |f: &[inspect::FieldRow]| {
            f.iter()
                .find(|x| x.name == "hash")
                .map(|x| (x.ty.clone(), x.value.clone()))
                .unwrap()
        };
        assert_eq!(hash(&kept.fields), ("int".into(), inspect::NOT_KEPT.into()));
        let (read, error) =
            inspect::object_details_from(&g, &d, v, None, Some(&mut src as &mut dyn ObjectSource));
        assert_eq!(error, None);
        assert_eq!(
            hash(&read.fields),
            ("int".into(), hashmap_hash(&key).to_string()),
            "key {key:?}"
        );
        // Reference fields are the same either way; nothing is left unread.
        assert!(read.fields.iter().all(|x| x.value != inspect::NOT_KEPT));
        let refs = |f: &[inspect::FieldRow]| {
            f.iter()
                .filter(|x| x.ty == "Object")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(refs(&read.fields), refs(&kept.fields));
        checked += 1;
    }
    assert!(
        checked >= 100,
        "only {checked} HashMap nodes with a String key"
    );
}

/// Every field of a JDK object, kept or not, with the file: `java.io.UnixFileSystem`'s `char`
/// separators are the platform's (`/`, `:`), each `java.util.Hashtable`'s `float` load factor is
/// the default 0.75 (no fixture program creates one with another), and nothing stays unread.
#[test]
fn char_and_float_fields_of_jdk_objects() {
    use heaplens::hprof::reread::{MemorySource, ObjectSource};
    let bytes = common::read_fixture("retry_buffer.hprof.gz");
    let g = heaplens::graph::build_from_bytes(&bytes).expect("fixture parses");
    let d = Dominance::compute(&g);
    let mut src = MemorySource::from_stored(&bytes).expect("inflates");
    let mut details = |class: &str| -> Vec<Vec<inspect::FieldRow>> {
        g.nodes()
            .filter(|&v| g.as_class(v).is_none() && g.class(v).name == class)
            .map(|v| {
                let src = Some(&mut src as &mut dyn ObjectSource);
                let (o, error) = inspect::object_details_from(&g, &d, v, None, src);
                assert_eq!(error, None);
                assert!(o.fields.iter().all(|f| f.value != inspect::NOT_KEPT));
                o.fields
            })
            .collect()
    };
    let value = |fields: &[inspect::FieldRow], name: &str| {
        let f = fields.iter().find(|f| f.name == name).unwrap();
        format!("{} {}", f.ty, f.value)
    };
    let fs = details("java.io.UnixFileSystem");
    assert_eq!(fs.len(), 1);
    assert_eq!(value(&fs[0], "slash"), "char '/'");
    assert_eq!(value(&fs[0], "colon"), "char ':'");
    let tables = details("java.util.Hashtable");
    assert!(!tables.is_empty());
    for t in &tables {
        assert_eq!(value(t, "loadFactor"), "float 0.75");
    }
}
