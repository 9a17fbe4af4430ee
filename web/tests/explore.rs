//! The investigation views through the worker's request handler, natively, on the real
//! `retry_buffer` incident dump (a JDK 17 program that piled 2,000 `ResultBatch` objects into
//! `RetryingPublisher.pendingBatches`): what the page is told equals what
//! `heaplens explore` prints on the same dump, and the program's facts (`retry_buffer.facts.json`).
#![cfg(not(target_arch = "wasm32"))]

use heaplens_web::protocol::*;
use heaplens_web::worker::Service;

fn open_retry_buffer() -> Service {
    open_retry_buffer_with(false)
}

/// `attach`: keep the dump file to read objects again, as the worker does.
mod common;

fn open_retry_buffer_with(attach: bool) -> Service {
    common::open_retry_buffer_with(attach).0
}

fn class_index(s: &mut Service, name: &str) -> u32 {
    let h = s
        .request::<req::Histogram>(&HistogramQuery {
            filter: format!("^{}$", regex_escape(name)),
            regex: true,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(h.rows.len(), 1, "{name}");
    h.rows[0].class.unwrap()
}

fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
        .replace('$', "\\$")
        .replace('[', "\\[")
}

const BATCH: &str = "com.example.retry.ResultBatch";
const BATCHES: u64 = 2000;
const PER_BATCH_RETAINED: u64 = 4200;

#[test]
fn retained_set_dominators_merged_paths_of_the_leaking_class() {
    let mut s = open_retry_buffer();
    let batch = class_index(&mut s, BATCH);
    let sel = ExploreSelection::Class { class: batch };

    // Retained set (CLI: 2000 selected, 8000 objects, 8,400,000 bytes; byte[] 4000 8,288,000).
    let r = s
        .request::<req::RetainedSet>(&RetainedSetQuery {
            selection: sel.clone(),
            offset: 0,
            limit: 2,
        })
        .unwrap();
    assert_eq!(r.label, BATCH);
    assert_eq!((r.selected, r.unreachable), (BATCHES, 0));
    assert_eq!(r.objects, 4 * BATCHES);
    assert_eq!(r.bytes, BATCHES * PER_BATCH_RETAINED);
    assert_eq!(r.total, 3);
    assert_eq!(r.rows.len(), 2);
    assert_eq!(
        (
            r.rows[0].class.as_str(),
            r.rows[0].objects,
            r.rows[0].shallow
        ),
        ("byte[]", 4000, 8_288_000)
    );
    let rest = s
        .request::<req::RetainedSet>(&RetainedSetQuery {
            selection: sel.clone(),
            offset: 2,
            limit: 10,
        })
        .unwrap();
    assert_eq!(rest.rows.len(), 1);
    assert_eq!(
        (
            rest.rows[0].class.as_str(),
            rest.rows[0].objects,
            rest.rows[0].shallow
        ),
        ("java.lang.String", 2000, 48_000)
    );
    // The same set named by text, as the CLI takes it.
    let t = s
        .request::<req::RetainedSet>(&RetainedSetQuery {
            selection: ExploreSelection::Text { text: BATCH.into() },
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!((t.objects, t.bytes), (r.objects, r.bytes));

    // Immediate dominators, default skip pattern: the publisher, one of it.
    let d = s
        .request::<req::ImmediateDominators>(&DominatorsQuery {
            selection: sel.clone(),
            skip: None,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(d.total, 1);
    let row = &d.rows[0];
    assert_eq!(row.class, "com.example.retry.RetryingPublisher");
    assert_eq!(
        (
            row.dominators,
            row.dominated,
            row.dominator_shallow,
            row.dominated_shallow
        ),
        (1, BATCHES, 40, 64_000)
    );
    assert_eq!(row.dominator_retained, 8_408_080);
    assert_eq!(row.top.len(), 1);
    assert_eq!(row.top[0].retained, 8_408_080);
    // Skipping nothing: the ArrayList's Object[] dominates them.
    let d = s
        .request::<req::ImmediateDominators>(&DominatorsQuery {
            selection: sel.clone(),
            skip: Some(String::new()),
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(d.rows[0].class, "java.lang.Object[]");
    assert!(s
        .request::<req::ImmediateDominators>(&DominatorsQuery {
            selection: sel.clone(),
            skip: Some("(".into()),
            offset: 0,
            limit: 10,
        })
        .unwrap_err()
        .contains("bad skip pattern"));

    // Merged paths: one root, then one node per level down to pendingBatches' array.
    let mut parent = None;
    let mut chain = Vec::new();
    for _ in 0..7 {
        let p = s
            .request::<req::MergedPaths>(&MergedPathsQuery {
                selection: sel.clone(),
                include_weak: false,
                parent,
                offset: 0,
                limit: 10,
            })
            .unwrap();
        assert_eq!((p.selected, p.without_path), (BATCHES, 0));
        assert_eq!(p.total, 1, "one branch at {chain:?}");
        let n = &p.rows[0];
        assert_eq!((n.objects, n.objects_shallow), (BATCHES, 64_000));
        chain.push((n.field.clone(), n.class.clone()));
        parent = Some(n.index);
    }
    assert_eq!(
        chain[0].1,
        "jdk.internal.loader.ClassLoaders$AppClassLoader"
    );
    assert_eq!(
        chain[4],
        (
            "<static> INSTANCE".into(),
            "com.example.retry.RetryingPublisher".into()
        )
    );
    assert_eq!(
        chain[5],
        ("pendingBatches".into(), "java.util.ArrayList".into())
    );
    assert_eq!(
        chain[6],
        ("elementData".into(), "java.lang.Object[]".into())
    );
    let leaves = s
        .request::<req::MergedPaths>(&MergedPathsQuery {
            selection: sel,
            include_weak: false,
            parent,
            offset: 0,
            limit: 5000,
        })
        .unwrap();
    assert_eq!(leaves.total as u64, BATCHES);
    assert_eq!(leaves.rows.len() as u32, MAX_PAGE, "pages are capped");
    assert!(leaves.rows.iter().all(|r| r.selected && r.objects == 1));
}

#[test]
fn contents_group_by_value_find_object_and_more_paths() {
    let mut s = open_retry_buffer();
    let batch = class_index(&mut s, BATCH);
    // The list: from the merged tree (the node whose field is pendingBatches).
    let mut parent = None;
    let list = loop {
        let p = s
            .request::<req::MergedPaths>(&MergedPathsQuery {
                selection: ExploreSelection::Class { class: batch },
                include_weak: false,
                parent,
                offset: 0,
                limit: 1,
            })
            .unwrap();
        let n = p.rows.into_iter().next().expect("a branch");
        if n.field == "pendingBatches" {
            break n.object_id;
        }
        parent = Some(n.index);
    };
    let c = s
        .request::<req::Contents>(&ContentsQuery {
            object: list.clone(),
            offset: 1998,
            limit: 10,
        })
        .unwrap();
    assert_eq!(
        (c.jdk_class.as_str(), c.kind.label()),
        ("java.util.ArrayList", "list")
    );
    assert_eq!((c.size, c.total), (BATCHES, BATCHES));
    assert_eq!(c.rows.len(), 2);
    assert_eq!(c.rows[1].index, 1999);
    let last = c.rows[1].value.as_ref().expect("a list has values");
    assert_eq!(last.class, BATCH);
    assert!(c.rows[1].key.is_none());
    // Not a collection: a clear error.
    let e = s
        .request::<req::Contents>(&ContentsQuery {
            object: last.object_id.clone(),
            offset: 0,
            limit: 10,
        })
        .unwrap_err();
    assert!(e.contains("is not a collection"), "{e}");

    // Group by value over Strings (CLI: 9,179 Strings, 8,139 values, 59,192 bytes wasted).
    let strings = class_index(&mut s, "java.lang.String");
    let g = s
        .request::<req::GroupByValue>(&GroupByValueQuery {
            selection: ExploreSelection::Class { class: strings },
            offset: 0,
            limit: 3,
        })
        .unwrap();
    assert_eq!((g.selected, g.total, g.wasted), (9179, 8139, 59_192));
    assert_eq!(g.unreadable, 0);
    assert_eq!(
        g.rows[0].value.as_deref(),
        Some("java.lang.management.ManagementPermission")
    );
    assert_eq!((g.rows[0].objects, g.rows[0].wasted), (38, 3256));

    // Find by address: the start of the list, inside it, nowhere, not an address.
    let f = s
        .request::<req::FindObject>(&FindObjectQuery {
            address: list.clone(),
        })
        .unwrap();
    assert_eq!((f.object_id.as_str(), f.inside_at), (list.as_str(), None));
    let inside = format!(
        "0x{:x}",
        u64::from_str_radix(list.trim_start_matches("0x"), 16).unwrap() + 4
    );
    let f = s
        .request::<req::FindObject>(&FindObjectQuery {
            address: inside.clone(),
        })
        .unwrap();
    assert_eq!(
        (f.object_id.as_str(), f.inside_at),
        (list.as_str(), Some(inside))
    );
    assert!(s
        .request::<req::FindObject>(&FindObjectQuery {
            address: "0x8".into()
        })
        .unwrap_err()
        .contains("no object at 0x8"));
    assert!(s
        .request::<req::FindObject>(&FindObjectQuery {
            address: "0xnope".into()
        })
        .unwrap_err()
        .contains("is not an address"));

    // More paths: page 2 of the list's paths continues page 1.
    let all = s
        .request::<req::MorePaths>(&MorePathsQuery {
            object: list.clone(),
            include_weak: false,
            offset: 0,
            limit: 100,
        })
        .unwrap();
    assert!(all.total >= 1);
    assert_eq!(
        all.paths[0].steps.last().map(|s| s.object_id.as_str()),
        Some(list.as_str())
    );
    if all.total > 1 {
        let second = s
            .request::<req::MorePaths>(&MorePathsQuery {
                object: list.clone(),
                include_weak: false,
                offset: 1,
                limit: 1,
            })
            .unwrap();
        assert_eq!(second.paths[0], all.paths[1]);
    }

    // The instances as CSV: a header and one line per batch.
    let csv = s
        .request::<req::InstancesCsv>(&InstancesCsvQuery {
            class: batch,
            unreachable: false,
        })
        .unwrap();
    assert_eq!(csv.mime, "text/csv");
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines[0], "object,class,shallow,retained,reachable");
    assert_eq!(lines.len() as u64, BATCHES + 1);
    assert!(
        lines[1].ends_with(&format!(",{BATCH},32,{PER_BATCH_RETAINED},true")),
        "{}",
        lines[1]
    );
}

/// With the dump file attached (as the worker keeps it), group by value can read what the
/// build did not keep, as the CLI does; the numbers equal `heaplens explore
/// retry_buffer.hprof.gz group-by-value java.lang.Integer` (285 Integers, 280 values, 80 bytes
/// wasted, `1024` six times, none unreadable). (On this small dump every Integer's value is
/// also kept, so this checks the path, not the difference; big dumps keep fewer fields.)
#[test]
fn group_by_value_reads_the_file_again() {
    let mut s = open_retry_buffer_with(true);
    let integers = class_index(&mut s, "java.lang.Integer");
    let g = s
        .request::<req::GroupByValue>(&GroupByValueQuery {
            selection: ExploreSelection::Class { class: integers },
            offset: 0,
            limit: 3,
        })
        .unwrap();
    assert_eq!(
        (g.selected, g.total, g.wasted, g.unreadable),
        (285, 280, 80, 0)
    );
    assert_eq!(g.rows[0].value.as_deref(), Some("1024"));
    assert_eq!(g.rows[0].objects, 6);
}

/// The inspector reads the fields the build did not keep from the attached file (a JDK
/// `HashMap$Node`'s `hash` is not kept): each equals what the JVM computed from the node's
/// String key (`String.hashCode`, then `HashMap.hash`'s spread). A worker without the file
/// shows them "(not kept)".
#[test]
fn the_inspector_reads_unkept_fields_from_the_file() {
    use heaplens::analysis::inspect::NOT_KEPT;
    let (mut with_file, gz) = common::open_retry_buffer_with(true);
    let mut without = open_retry_buffer();
    let g = heaplens::graph::build_from_bytes(&gz).unwrap();
    let spread = |key: &str| {
        let h = key
            .encode_utf16()
            .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32));
        h ^ ((h as u32) >> 16) as i32
    };
    let nodes: Vec<(String, String)> = g
        .nodes()
        .filter(|&v| g.as_class(v).is_none() && g.class(v).name == "java.util.HashMap$Node")
        .filter_map(|v| {
            let key = g.ref_field(v, "key")?;
            let text = g.string_value(key).filter(|t| t.chars().count() < 40)?;
            (g.class(key).name == "java.lang.String")
                .then(|| (format!("0x{:x}", g.id(v)), spread(text).to_string()))
        })
        .take(50)
        .collect();
    assert_eq!(nodes.len(), 50);
    let hash = |s: &mut Service, id: &str| {
        let o = s
            .request::<req::Object>(&ObjectQuery { object: id.into() })
            .unwrap();
        o.fields.into_iter().find(|f| f.name == "hash").unwrap()
    };
    for (id, want) in &nodes {
        let f = hash(&mut with_file, id);
        assert_eq!(
            (f.ty.as_str(), f.value.as_str()),
            ("int", want.as_str()),
            "{id}"
        );
        assert_eq!(hash(&mut without, id).value, NOT_KEPT, "{id}");
    }
}
