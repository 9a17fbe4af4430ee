//! Growth matching on synthetic dumps from the HPROF writer: the same application written
//! twice with other object ids and another object order, then with a renamed field, then
//! with the growing holder moved under another parent. In every case the leak (an
//! `ArrayList` of events that gained 200 elements) must be the first growth row, and neither
//! the bigger stable table nor the churning cache may appear.

use heaplens::compare::{compare, digest, Diff, Match};
use heaplens::graph::{build_from_bytes, Dominance};
use heaplens_hprof_writer::{BasicType, HeapBuilder, IdScheme, ObjRef, RootKind, Value};
use heaplens_hprof_writer::{ClassRef, WriteOptions};

const EVENT_BYTES: usize = 500;
const ROWS: usize = 400;
const ROW_BYTES: usize = 2000;
const CACHE: usize = 60;

#[derive(Clone, Copy)]
enum Variant {
    /// `class App.TRAIL` → `Trail.pending` → `ArrayList`.
    Plain,
    /// The list field is called `queued`.
    Renamed,
    /// `class App.SERVICES` → `Services.audit` → `Trail.pending` (the trail moved).
    Moved,
}

/// One dump of the application. `seed` shuffles the object ids, `rows_first` the order.
fn dump(events: usize, cache_gen: u8, variant: Variant, seed: u64, rows_first: bool) -> Vec<u8> {
    use BasicType::*;
    let mut b = HeapBuilder::new(8).with_ids(IdScheme::Shuffled {
        start: 0x10_0000 + seed * 0x1000,
        step: 16,
        seed,
    });
    let object = b.object_class();
    let list_field = match variant {
        Variant::Renamed => "queued",
        _ => "pending",
    };
    let list = b.class(
        "java/util/ArrayList",
        Some(object),
        &[("elementData", Object), ("size", Int)],
        &[],
    );
    let arr = b.array_class("java/lang/Object");
    let event = b.class("com/example/Event", Some(object), &[("data", Object)], &[]);
    let trail = b.class(
        "com/example/Trail",
        Some(object),
        &[(list_field, Object)],
        &[],
    );
    let row = b.class("com/example/Row", Some(object), &[("cells", Object)], &[]);
    let table = b.class("com/example/Table", Some(object), &[("rows", Object)], &[]);
    let page = b.class("com/example/Page", Some(object), &[("body", Object)], &[]);
    let cache = b.class("com/example/Cache", Some(object), &[("slots", Object)], &[]);
    let services = b.class(
        "com/example/Services",
        Some(object),
        &[("audit", Object)],
        &[],
    );
    let app = b.class("com/example/App", Some(object), &[], &[]);

    let make_table = |b: &mut HeapBuilder| -> ObjRef {
        let rows: Vec<Option<ObjRef>> = (0..ROWS)
            .map(|i| {
                let cells = b.prim_array(Byte, &vec![i as u8; ROW_BYTES]);
                Some(b.instance(row, &[("cells", cells.into())]))
            })
            .collect();
        let a = b.obj_array(arr, &rows);
        b.instance(table, &[("rows", a.into())])
    };
    let make_trail = |b: &mut HeapBuilder| -> ObjRef {
        let evs: Vec<Option<ObjRef>> = (0..events)
            .map(|i| {
                let data = b.prim_array(Byte, &vec![i as u8; EVENT_BYTES]);
                Some(b.instance(event, &[("data", data.into())]))
            })
            .collect();
        let a = b.obj_array(arr, &evs);
        let l = b.instance(
            list,
            &[
                ("elementData", a.into()),
                ("size", Value::Int(events as i32)),
            ],
        );
        b.instance(trail, &[(list_field, l.into())])
    };
    let (t, tab) = if rows_first {
        let tab = make_table(&mut b);
        (make_trail(&mut b), tab)
    } else {
        let t = make_trail(&mut b);
        (t, make_table(&mut b))
    };
    // The cache: CACHE pages, all replaced between the dumps by pages of the same size.
    let pages: Vec<Option<ObjRef>> = (0..CACHE)
        .map(|_| {
            let body = b.prim_array(Byte, &vec![cache_gen; 1000]);
            Some(b.instance(page, &[("body", body.into())]))
        })
        .collect();
    let slots = b.obj_array(arr, &pages);
    let c = b.instance(cache, &[("slots", slots.into())]);
    b.set_static(app, "CACHE", c.into());
    b.set_static(app, "TABLE", tab.into());
    match variant {
        Variant::Moved => {
            let s = b.instance(services, &[("audit", t.into())]);
            b.set_static(app, "SERVICES", s.into());
        }
        _ => b.set_static(app, "TRAIL", t.into()),
    }
    // A thread root too, so the dump has more than class roots.
    b.root(c, RootKind::JniGlobal { jni_ref_id: 7 });
    let _: ClassRef = app;
    b.write(&WriteOptions::default())
}

fn diff(base: &[u8], new: &[u8]) -> Diff {
    let side = |bytes: &[u8]| {
        let g = build_from_bytes(bytes).expect("synthetic dump parses");
        let d = Dominance::compute(&g);
        digest(&g, &d, None)
    };
    compare(&side(base), &side(new))
}

fn check_leak(d: &Diff, field: &str, how: Match) {
    let g = d.growth.first().expect("a growth row");
    assert_eq!(g.holder, "com.example.Trail", "{g:#?}");
    assert_eq!(g.holder_path, field, "{g:#?}");
    assert_eq!(g.accumulation_point, "java.util.ArrayList");
    assert_eq!(g.element_class.as_deref(), Some("com.example.Event"));
    assert_eq!((g.elements_base, g.elements_new), (100, 300));
    assert_eq!(g.elements_delta, 200);
    assert_eq!(g.matched_by, how, "{g:#?}");
    // What grew is exactly the new events, their byte[]s and the longer elementData: the
    // shallow deltas of those three classes in the histogram delta (the cache's pages and
    // bodies are replaced by as many of the same size).
    let shallow = |c: &str| {
        d.histogram
            .iter()
            .find(|r| r.class == c)
            .map_or(0, |r| r.shallow_delta)
    };
    let expected = shallow("com.example.Event") + shallow("byte[]") + shallow("java.lang.Object[]");
    assert!(expected > 200 * EVENT_BYTES as i64);
    assert_eq!(g.retained_delta, expected, "{g:#?}");
    for g in &d.growth {
        for text in [&g.holder, &g.path, &g.accumulation_point] {
            assert!(
                !text.contains("Table") && !text.contains("Cache") && !text.contains("Page"),
                "stable table or churning cache reported as growth: {g:#?}"
            );
        }
    }
    assert!(
        d.growth[0].explanation.contains("Trail"),
        "{}",
        d.growth[0].explanation
    );
}

#[test]
fn reordered_objects_match_by_path() {
    let base = dump(100, 1, Variant::Plain, 3, false);
    let new = dump(300, 2, Variant::Plain, 11, true);
    let d = diff(&base, &new);
    check_leak(&d, "pending", Match::Path);
    assert_eq!(d.growth.len(), 1, "{:#?}", d.growth);
    assert!(
        d.growth[0].explanation.contains("Table")
            && d.growth[0].explanation.contains("stayed the same size"),
        "{}",
        d.growth[0].explanation
    );
    // The same dump against itself: nothing grew.
    let same = diff(&base, &base);
    assert!(same.growth.is_empty(), "{:#?}", same.growth);
}

#[test]
fn renamed_field_matches_by_shape() {
    let base = dump(100, 1, Variant::Plain, 3, false);
    let new = dump(300, 2, Variant::Renamed, 5, false);
    check_leak(&diff(&base, &new), "queued", Match::Shape);
}

#[test]
fn moved_holder_matches_by_holder() {
    let base = dump(100, 1, Variant::Plain, 3, false);
    let new = dump(300, 2, Variant::Moved, 7, false);
    let d = diff(&base, &new);
    check_leak(&d, "pending", Match::Holder);
    assert!(
        d.growth[0].path.contains("SERVICES.audit"),
        "{:#?}",
        d.growth[0]
    );
}

/// A linked chain that doubles: every node of the chain has its head's signature (the `next`
/// references between two `Node`s collapse), so the chain is one keyed entry, not 200,000.
#[test]
fn linked_chain_is_one_key() {
    use BasicType::*;
    let chain = |n: usize, seed: u64| -> Vec<u8> {
        let mut b = HeapBuilder::new(8).with_ids(IdScheme::Shuffled {
            start: 0x10_0000,
            step: 16,
            seed,
        });
        let object = b.object_class();
        let node = b.class(
            "com/example/Node",
            Some(object),
            &[("next", Object), ("payload", Object)],
            &[],
        );
        let app = b.class("com/example/App", Some(object), &[], &[]);
        let mut next: Option<ObjRef> = None;
        for i in 0..n {
            let p = b.prim_array(Byte, &[i as u8; 40]);
            next = Some(b.instance(node, &[("next", next.into()), ("payload", p.into())]));
        }
        b.set_static(app, "HEAD", next.unwrap().into());
        b.write(&WriteOptions::default())
    };
    let (base, new) = (chain(100_000, 1), chain(200_000, 2));
    let side = |bytes: &[u8]| {
        let g = build_from_bytes(bytes).unwrap();
        let d = Dominance::compute(&g);
        digest(&g, &d, None)
    };
    let (a, b) = (side(&base), side(&new));
    let heads = |dg: &heaplens::compare::Digest| {
        dg.keyed
            .iter()
            .filter(|k| k.class == "com.example.Node")
            .count()
    };
    assert_eq!((heads(&a), heads(&b)), (1, 1));
    let d = compare(&a, &b);
    let g = &d.growth[0];
    assert_eq!(g.path, "class com.example.App.HEAD", "{g:#?}");
    assert_eq!(g.accumulation_point, "com.example.Node");
    assert_eq!(
        (g.elements_are.as_str(), g.elements_delta),
        ("objects", 200_000)
    );
    assert_eq!(d.growth.len(), 1, "{:#?}", d.growth);
}
