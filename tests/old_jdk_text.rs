//! Texts on dumps from JDK 6 to 25 (Eclipse MAT's test dumps, the jhat and NetBeans test dumps,
//! a JDK 25 fixture with compact headers): thread names (`char[]` before JDK 9, `String` after; START
//! THREAD names in hprof-agent dumps), and every String's preview, length and content identity
//! checked against an independent decoding of the raw records (`char[]` values, JDK ≤ 6
//! `offset`/`count` slices, JDK 9+ `byte[]` with `coder`).

mod common;

use common::recorder::{parse_whole, Event};
use heaplens::analysis::threads;
use heaplens::graph::*;
use heaplens::hprof::{BasicType, Id};
use std::collections::HashMap;

const DUMPS: &[&str] = &[
    "outside/mat/sun_jdk6_18_x32.hprof.gz",
    "outside/mat/oracle_jdk7_21_hprofagent.hprof.gz",
    "outside/mat/oracle_jdk8_05_x64.hprof.gz",
    "outside/mat/openjdk_jdk11_04_x64.hprof.gz",
    "outside/jdk8-jhat-32bit.hprof.gz",
    "outside/netbeans-64bit.hprof.gz",
    // JDK 25 with compact object headers: Latin-1 and UTF-16 `byte[]` values.
    "variants/queue_backlog.jdk25-coh.hprof.gz",
];

fn build(name: &str) -> HeapGraph {
    build_from_bytes(&common::read_fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Names of every Thread object, reachable or not (the Threads list shows the reachable ones;
/// hidden VM threads such as "C2 CompilerThread0" are often unreachable, and their names are
/// decoded all the same).
fn thread_names(g: &HeapGraph) -> Vec<String> {
    let is_thread: Vec<bool> = (0..g.classes.len())
        .map(|c| {
            let mut k = c as u32;
            for _ in 0..64 {
                match g.classes.get(k as usize) {
                    Some(info) if info.name == "java.lang.Thread" => return true,
                    Some(info) => k = info.super_class,
                    None => return false,
                }
            }
            false
        })
        .collect();
    g.nodes()
        .filter(|&v| g.as_class(v).is_none() && is_thread[g.class_index(v) as usize])
        .filter_map(|v| heaplens::analysis::thread_name(g, v))
        .collect()
}

#[test]
fn thread_names_before_and_after_jdk9() {
    let expect: &[(&str, &[&str])] = &[
        (
            DUMPS[0],
            &[
                "main",
                "Finalizer",
                "Reference Handler",
                "Signal Dispatcher",
                "Low Memory Detector",
                "RMI TCP Accept-0",
                "RMI TCP Connection(4)-10.18.110.14",
            ],
        ),
        (
            DUMPS[1],
            &[
                "main",
                "Finalizer",
                "Reference Handler",
                "Signal Dispatcher",
            ],
        ),
        (
            DUMPS[2],
            &[
                "main",
                "Finalizer",
                "Reference Handler",
                "Signal Dispatcher",
                "Attach Listener",
                "C2 CompilerThread0",
                "Service Thread",
            ],
        ),
        (
            DUMPS[3],
            &[
                "main",
                "Finalizer",
                "Reference Handler",
                "Common-Cleaner",
                "Logging-Cleaner",
                "Sweeper thread",
            ],
        ),
        (
            DUMPS[4],
            &[
                "main",
                "Finalizer",
                "Reference Handler",
                "Signal Dispatcher",
                "SIGINT handler",
            ],
        ),
        (
            DUMPS[5],
            &[
                "main",
                "Finalizer",
                "Consumer 1",
                "Consumer 2",
                "Producer 1",
                "Producer 2",
            ],
        ),
    ];
    for &(dump, names) in expect {
        let g = build(dump);
        let got = thread_names(&g);
        for n in names {
            assert!(
                got.iter().any(|g| g == n),
                "{dump}: no thread {n:?} in {got:?}"
            );
        }
        // `<unnamed>` only where the thread object's `name` is null and no START THREAD record
        // names it (the hprof agent writes placeholder Thread objects with all fields zero).
        let d = Dominance::compute(&g);
        for t in threads(&g, &d) {
            if t.name == "<unnamed>" {
                assert_eq!(
                    g.field_value(t.node, "name"),
                    Some(heaplens::hprof::Value::Object(Id::NULL)),
                    "{dump}: thread 0x{:x} has a name the graph did not read",
                    g.id(t.node)
                );
            }
        }
    }
}

/// What the raw records say a String holds.
struct Expected {
    /// The whole text, as UTF-16 units.
    units: Vec<u16>,
}

/// Every String of the dump with the text of its value, decoded here from the records alone.
fn expected_strings(name: &str) -> HashMap<Id, Expected> {
    let run = parse_whole(&common::read_fixture(name));
    let mut id_size = 8;
    let mut utf8: HashMap<Id, String> = HashMap::new();
    let mut string_class = None;
    let mut layout: HashMap<&str, usize> = HashMap::new();
    let mut fields_len = 0;
    let mut arrays: HashMap<Id, (BasicType, &[u8])> = HashMap::new();
    let mut strings: Vec<(Id, &[u8])> = Vec::new();
    // The graph holds the file's first heap dump (hprof-agent files hold several): a dump ends
    // with its HEAP DUMP (0x0C) record or at HEAP DUMP END, as MAT numbers them.
    let (mut dump_closed, mut first_dump_ended) = (false, false);
    for e in &run.events {
        match e {
            Event::HeapDumpStart { tag, .. } => {
                first_dump_ended |= dump_closed;
                dump_closed |= *tag == 0x0C;
            }
            Event::HeapDumpEnd { .. } => dump_closed = true,
            Event::Instance { .. } | Event::PrimitiveArray { .. } if first_dump_ended => {}
            Event::Header(h) => id_size = h.id_size as usize,
            Event::Utf8 { id, bytes } => {
                utf8.insert(*id, String::from_utf8_lossy(bytes).into_owned());
            }
            Event::LoadClass(l) => {
                let n = utf8[&l.name_id].replace('.', "/");
                if n == "java/lang/String" {
                    string_class = Some(l.class_id);
                }
            }
            Event::ClassDump {
                class_id, fields, ..
            } if Some(*class_id) == string_class => {
                let mut off = 0;
                for f in fields {
                    let n = utf8[&f.name_id].as_str();
                    for want in ["value", "offset", "count", "coder"] {
                        if n == want {
                            layout.insert(want, off);
                        }
                    }
                    off += if f.ty == BasicType::Object {
                        id_size
                    } else {
                        f.ty.size(id_size as u8)
                    };
                }
                fields_len = off;
            }
            Event::Instance {
                id,
                class_id,
                fields,
                ..
            } if Some(*class_id) == string_class => strings.push((*id, fields)),
            Event::PrimitiveArray {
                array,
                data: Some(d),
            } => {
                arrays.entry(array.id).or_insert((array.elem, d));
            }
            _ => {}
        }
    }
    let be_id = |b: &[u8]| b.iter().take(id_size).fold(0u64, |a, &x| a << 8 | x as u64);
    let be_int = |b: &[u8]| i32::from_be_bytes(b[..4].try_into().unwrap());
    let mut out: HashMap<Id, Expected> = HashMap::new();
    let mut conflicting: Vec<Id> = Vec::new();
    for (id, f) in strings {
        if f.len() < fields_len {
            continue;
        }
        let value = be_id(&f[layout["value"]..]);
        let Some(&(elem, data)) = arrays.get(&Id::new(value)) else {
            continue;
        };
        let units: Vec<u16> = match elem {
            BasicType::Char => {
                let all: Vec<u16> = data
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                match (layout.get("offset"), layout.get("count")) {
                    (Some(&o), Some(&c)) => {
                        let (o, c) = (be_int(&f[o..]) as usize, be_int(&f[c..]) as usize);
                        all[o..o + c].to_vec()
                    }
                    _ => all,
                }
            }
            // JDK 9+: coder 0 Latin-1, 1 UTF-16 in the (little-endian x86) machine's order.
            BasicType::Byte => match f[layout["coder"]] {
                0 => data.iter().map(|&b| b as u16).collect(),
                _ => data
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect(),
            },
            other => panic!("{name}: String value of {other:?}"),
        };
        // hprof-agent files hold several dumps: a String that differs between them is skipped.
        match out.get(&id) {
            Some(e) if e.units != units => conflicting.push(id),
            Some(_) => {}
            None => {
                out.insert(id, Expected { units });
            }
        }
    }
    for id in conflicting {
        out.remove(&id);
    }
    out
}

#[test]
fn every_string_text_matches_the_records() {
    for &dump in DUMPS {
        let g = build(dump);
        let expected = expected_strings(dump);
        assert!(expected.len() > 400, "{dump}: {} strings", expected.len());
        let mut slices = 0;
        let mut by_identity: HashMap<u64, &[u16]> = HashMap::new();
        for (&id, e) in &expected {
            let v = g
                .node_of(id)
                .unwrap_or_else(|| panic!("{dump}: String 0x{id:x} in the graph"));
            let preview: Vec<u16> = e.units.iter().copied().take(STRING_PREVIEW_CHARS).collect();
            let preview = String::from_utf16_lossy(&preview);
            assert_eq!(
                g.string_value(v),
                Some(preview.as_str()),
                "{dump}: String 0x{id:x}"
            );
            assert_eq!(
                g.string_len(v),
                Some(e.units.len() as u64),
                "{dump}: length of 0x{id:x}"
            );
            let value = g.ref_field(v, "value").unwrap();
            if g.array_len(value) as usize != e.units.len() && g.class(value).name == "char[]" {
                slices += 1;
            }
            // Equal identity ⇔ equal text.
            let h = g.string_identity(v).unwrap();
            let prev = by_identity.entry(h).or_insert(&e.units);
            assert_eq!(*prev, &e.units[..], "{dump}: two texts share an identity");
        }
        let distinct: std::collections::HashSet<&[u16]> =
            expected.values().map(|e| &e.units[..]).collect();
        assert_eq!(by_identity.len(), distinct.len(), "{dump}: identities");
        println!(
            "{dump}: {} strings ({} slices of a bigger char[]), {} distinct",
            expected.len(),
            slices,
            distinct.len()
        );
        if dump.contains("jdk6") {
            // substring() shares its parent's array before JDK 7u6.
            assert!(slices > 100, "{dump}: {slices} slices");
        }
    }
}

#[test]
fn jdk6_duplicate_strings_group_equal_texts_only() {
    let g = build(DUMPS[0]);
    let d = Dominance::compute(&g);
    let dups = heaplens::analysis::duplicate_strings(&g, &d);
    assert!(!dups.groups.is_empty());
    for grp in &dups.groups {
        let texts: std::collections::HashSet<Option<&str>> =
            grp.nodes.iter().map(|&n| g.string_value(n)).collect();
        assert_eq!(texts.len(), 1, "group {:?}", grp.value);
        for &n in &grp.nodes {
            assert_eq!(g.string_len(n), Some(grp.length), "group {:?}", grp.value);
        }
    }
    // Before: the 34 substrings of the 803-char java.library.path were one "duplicate" group.
    assert!(dups.groups.iter().all(|grp| grp.length < 803));
}

/// A JDK 6 layout written by the project's HPROF writer: Strings sharing one `char[]` through
/// `offset`/`count`, corrupt ranges (no panic, no slice), a `char[]` thread name.
#[test]
fn jdk6_layout_slices_and_corrupt_ranges() {
    use heaplens_hprof_writer::{BasicType as T, HeapBuilder, RootKind, Value, WriteOptions};
    let mut b = HeapBuilder::new(4);
    let object = b.object_class();
    let string = b.class(
        "java/lang/String",
        Some(object),
        &[
            ("value", T::Object),
            ("offset", T::Int),
            ("count", T::Int),
            ("hash", T::Int),
        ],
        &[],
    );
    let thread = b.class(
        "java/lang/Thread",
        Some(object),
        &[("name", T::Object), ("priority", T::Int)],
        &[],
    );
    let holder = b.class("com/x/Holder", Some(object), &[("all", T::Object)], &[]);
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect() };
    let chars = b.prim_array(T::Char, &utf16("hello, wörld"));
    let mk = |b: &mut HeapBuilder, off: i32, count: i32| {
        b.instance(
            string,
            &[
                ("value", chars.into()),
                ("offset", Value::Int(off)),
                ("count", Value::Int(count)),
            ],
        )
    };
    let whole = mk(&mut b, 0, 12);
    let head = mk(&mut b, 0, 5);
    let tail = mk(&mut b, 7, 5);
    let tail2 = mk(&mut b, 7, 5);
    let past_end = mk(&mut b, 10, 5);
    let negative = mk(&mut b, -1, 3);
    let huge = mk(&mut b, i32::MAX, i32::MAX);
    let name = b.prim_array(T::Char, &utf16("worker-7"));
    let t = b.instance(
        thread,
        &[("name", name.into()), ("priority", Value::Int(5))],
    );
    let strings = [whole, head, tail, tail2, past_end, negative, huge];
    let arr_class = b.array_class("java/lang/String");
    let all = b.obj_array(arr_class, &strings.map(Some));
    let h = b.instance(holder, &[("all", all.into())]);
    b.root(h, RootKind::JniGlobal { jni_ref_id: 1 });
    b.root(t, RootKind::JniGlobal { jni_ref_id: 2 });
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let n = |o: heaplens_hprof_writer::ObjRef| g.node_of(Id::new(o.id())).unwrap();
    assert_eq!(g.string_value(n(whole)), Some("hello, wörld"));
    assert_eq!(g.string_len(n(whole)), Some(12));
    assert_eq!(g.string_value(n(head)), Some("hello"));
    assert_eq!(g.string_value(n(tail)), Some("wörld"));
    assert_eq!(g.string_len(n(tail)), Some(5));
    assert_eq!(
        g.string_identity(n(tail)),
        g.string_identity(n(tail2)),
        "equal slices, one identity"
    );
    assert_ne!(g.string_identity(n(tail)), g.string_identity(n(head)));
    // Ranges outside the array (a corrupt record): no slice of their own; such a String
    // reads as its whole array.
    for bad in [past_end, negative, huge] {
        assert!(!g.strings.contains(n(bad)));
        assert_eq!(g.string_value(n(bad)), Some("hello, wörld"));
    }
    assert_eq!(
        heaplens::analysis::thread_name(&g, n(t)).as_deref(),
        Some("worker-7")
    );
}
