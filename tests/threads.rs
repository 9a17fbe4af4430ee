//! Threads, stack frames, locals, thread-name groups and ThreadLocal findings: real JVM dumps
//! checked against their facts files, and a synthetic dump with known frames and maps.

mod common;

use heaplens::analysis::*;
use heaplens::graph::*;
use heaplens_hprof_writer::{BasicType, Frame, HeapBuilder, IdScheme, Value, WriteOptions};
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
fn thread_explosion_counts_and_groups() {
    let (g, d, facts) = load("thread_explosion");
    let threads = threads(&g, &d);
    // Every thread the dump lists as a GC root (ROOT THREAD OBJECT) is found, and nothing else
    // is a root; a few hidden VM threads (compiler, service…) and a never-started thread are
    // Thread instances without a root record.
    let live = threads.iter().filter(|t| t.gc_root).count() as u64;
    assert_eq!(live, num(&facts["threads_total"]));
    let roots = g
        .roots
        .iter()
        .filter(|r| r.kind == heaplens::hprof::RootKind::ThreadObject)
        .count() as u64;
    assert_eq!(roots, num(&facts["threads_total"]));
    assert!(threads.len() as u64 >= live);

    let groups = thread_groups(&threads);
    assert_eq!(
        groups.iter().map(|g| g.count as usize).sum::<usize>(),
        threads.len()
    );
    for (pattern, n) in facts["thread_groups"].as_object().unwrap() {
        let gr = groups
            .iter()
            .find(|g| &g.pattern == pattern)
            .unwrap_or_else(|| panic!("no group {pattern}"));
        assert_eq!(gr.count as u64, num(n), "{pattern}");
    }
    assert_eq!(groups[0].pattern, "pool-7-thread-*", "largest group first");
    assert_eq!(
        groups[0].sample_names,
        ["pool-7-thread-1", "pool-7-thread-2", "pool-7-thread-3"]
    );
    // States, as in facts.thread_states.
    let state_of = |p: &str| {
        groups
            .iter()
            .find(|g| g.pattern == p)
            .unwrap()
            .states
            .clone()
    };
    let app = num(&facts["app_threads"]);
    assert_eq!(
        state_of("pool-7-thread-*").get("WAITING").copied(),
        Some(num(&facts["thread_groups"]["pool-7-thread-*"]) as u32)
    );
    assert_eq!(
        state_of("OkHttp ConnectionPool-*").get("BLOCKED").copied(),
        Some(num(&facts["thread_groups"]["OkHttp ConnectionPool-*"]) as u32)
    );
    assert_eq!(
        state_of("OkHttp TaskRunner").get("WAITING").copied(),
        Some(1)
    );
    assert_eq!(2000 + 300 + 1, app);
    // Every name was decoded, and each app thread's name is unique.
    assert!(threads
        .iter()
        .all(|t| !t.name.is_empty() && t.name != "<unnamed>"));
    for i in [1, 999, 2000] {
        assert_eq!(
            threads
                .iter()
                .filter(|t| t.name == format!("pool-7-thread-{i}"))
                .count(),
            1
        );
    }
    for n in [
        "main",
        "Reference Handler",
        "Finalizer",
        "Signal Dispatcher",
        "Common-Cleaner",
        "Notification Thread",
    ] {
        assert!(threads.iter().any(|t| t.name == n && t.gc_root), "{n}");
    }
    // Parked workers: a stack trace ending in CountDownLatch.await, frames with source lines.
    let w = threads
        .iter()
        .find(|t| t.name == "pool-7-thread-1")
        .unwrap();
    assert!(w.daemon);
    assert_eq!(w.state_detail, Some("parked"));
    assert!(w
        .frames
        .iter()
        .any(|f| &*f.class == "java.util.concurrent.CountDownLatch"
            && &*f.method == "await"
            && f.line > 0));
    assert_eq!(
        &*w.frames[0].display,
        "jdk.internal.misc.Unsafe.park(Native Method)"
    );
    // JSON field names (the CLI schema).
    let j = serde_json::to_value(&groups[0]).unwrap();
    for k in ["pattern", "count", "daemon", "states", "retained"] {
        assert!(j.get(k).is_some(), "{k}");
    }
}

#[test]
fn threadlocal_leak_finding() {
    let (g, d, facts) = load("threadlocal_leak");
    let threads = threads(&g, &d);
    let n = num(&facts["pool_threads"]) as usize;
    let prefix = facts["thread_name_prefix"].as_str().unwrap();
    let mut pooled: Vec<&str> = threads
        .iter()
        .filter(|t| t.name.starts_with(prefix))
        .map(|t| t.name.as_str())
        .collect();
    pooled.sort_by(|a, b| heaplens::analysis::natural_cmp(a, b));
    let expected: Vec<String> = (1..=n).map(|i| format!("{prefix}{i}")).collect();
    assert_eq!(pooled, expected);
    let groups = thread_groups(&threads);
    for (pattern, c) in facts["thread_groups"].as_object().unwrap() {
        assert_eq!(
            groups
                .iter()
                .find(|g| &g.pattern == pattern)
                .map(|g| g.count as u64),
            Some(num(c)),
            "{pattern}"
        );
    }

    let report = thread_local_findings(&g, &d, &threads);
    let class = facts["threadlocal_value_class"].as_str().unwrap();
    let stale: Vec<_> = report
        .entries
        .iter()
        .filter(|e| e.stale && e.value_class.as_deref() == Some(class))
        .collect();
    assert_eq!(stale.len() as u64, num(&facts["stale_entries"]));
    assert!(stale
        .iter()
        .all(|e| e.key_object_id.is_none() && e.thread.starts_with(prefix)));
    // One stale entry per worker.
    let mut owners: Vec<&str> = stale.iter().map(|e| e.thread.as_str()).collect();
    owners.sort();
    owners.dedup();
    assert_eq!(
        owners.len() as u64,
        num(&facts["stale_entries"]) / num(&facts["stale_entries_per_thread"])
    );

    let f = &report.findings[0];
    assert!(f.significant && f.stale);
    assert_eq!(f.value_class, class);
    assert_eq!(f.threads as usize, n);
    assert_eq!(f.thread_patterns, [format!("{prefix}*")]);
    assert!(f.per_thread_retained >= num(&facts["buffer_bytes"]));
    assert_eq!(
        f.per_thread_retained,
        num(&facts["sizes"]["per_context_retained"])
    );
    assert_eq!(
        f.total_retained,
        num(&facts["sizes"]["all_contexts_retained"])
    );
    assert!(
        f.explanation.starts_with(&format!(
            "{n} threads (request-worker-*) each keep 256.1 KiB of {class}"
        )),
        "{}",
        f.explanation
    );
    // Nothing else is significant; the JDK's own ThreadLocals (main thread) are not stale.
    assert!(report.findings[1..]
        .iter()
        .all(|f| !f.significant && !f.stale));
    // The same entries hang off each ThreadInfo.
    let w = threads
        .iter()
        .find(|t| t.name == format!("{prefix}1"))
        .unwrap();
    assert_eq!(w.thread_locals.iter().filter(|e| e.stale).count(), 1);
    let j = serde_json::to_value(f).unwrap();
    for k in [
        "threads",
        "value_class",
        "stale",
        "per_thread_retained",
        "total_retained",
        "explanation",
    ] {
        assert!(j.get(k).is_some(), "{k}");
    }
}

#[test]
fn classloader_leak_image_local() {
    let (g, d, facts) = load("classloader_leak");
    let threads = threads(&g, &d);
    let t = threads
        .iter()
        .find(|t| t.name == facts["image_thread"].as_str().unwrap())
        .expect("decoder thread");
    assert!(t.daemon && t.gc_root);
    assert_eq!(t.state, ThreadState::Waiting);
    let full = facts["image_frame_method"].as_str().unwrap();
    let frame = t
        .frames
        .iter()
        .find(|f| format!("{}.{}", f.class, f.method) == full)
        .expect("decode frame");
    assert_eq!(frame.source_file.as_deref(), Some("ImageDecoder.java"));
    assert!(frame.line > 0);
    assert_eq!(frame.signature.as_deref(), Some("()J"));
    assert_eq!(
        &*frame.display,
        format!("{full}(ImageDecoder.java:{})", frame.line)
    );
    let img = frame
        .locals
        .iter()
        .find(|l| l.class == facts["image_array_class"].as_str().unwrap())
        .expect("image local");
    assert_eq!(img.kind.label(), "Java Local");
    assert_eq!(img.shallow, num(&facts["image_array_shallow"]));
    assert!(img.retained >= num(&facts["image_bytes"]));
    // The thread retains its image (only this frame holds it).
    assert!(t.retained >= num(&facts["image_bytes"]));
    assert_eq!(threads[0].name, "image-decoder", "largest retained first");
    // Frame depths are consecutive, top of stack first.
    assert!(t
        .frames
        .iter()
        .enumerate()
        .all(|(i, f)| f.depth == i as u32));
}

// ---- Synthetic dump ----------------------------------------------------------------------

struct Synthetic {
    bytes: Vec<u8>,
    payload_len: usize,
}

/// Three threads: `worker-1` (frames with locals, three ThreadLocals: a stale entry with a
/// collected key, a live one, one whose key is only weakly reachable), `worker-2` (a stale
/// entry like worker-1's) and `main`.
fn synthetic() -> Synthetic {
    use BasicType::*;
    let mut b = HeapBuilder::new(8).with_ids(IdScheme::Packed {
        start: 0x10_0000,
        align: 8,
    });
    let object = b.object_class();
    let thread_class = b.class(
        "java/lang/Thread",
        Some(object),
        &[
            ("name", Object),
            ("tid", Long),
            ("daemon", Boolean),
            ("priority", Int),
            ("threadStatus", Int),
            ("threadLocals", Object),
            ("inheritableThreadLocals", Object),
        ],
        &[],
    );
    let tl_class = b.class(
        "java/lang/ThreadLocal",
        Some(object),
        &[("threadLocalHashCode", Int)],
        &[],
    );
    let reference = b.class(
        "java/lang/ref/Reference",
        Some(object),
        &[
            ("referent", Object),
            ("queue", Object),
            ("next", Object),
            ("discovered", Object),
        ],
        &[],
    );
    let weak = b.class("java/lang/ref/WeakReference", Some(reference), &[], &[]);
    let entry_class = b.class(
        "java/lang/ThreadLocal$ThreadLocalMap$Entry",
        Some(weak),
        &[("value", Object)],
        &[],
    );
    let map_class = b.class(
        "java/lang/ThreadLocal$ThreadLocalMap",
        Some(object),
        &[("table", Object), ("size", Int), ("threshold", Int)],
        &[],
    );
    let entry_array = b.array_class("java/lang/ThreadLocal$ThreadLocalMap$Entry");
    let worker = b.class("com/example/Worker", Some(object), &[], &[]);
    let session = b.class("com/example/Session", Some(object), &[("id", Long)], &[]);
    let tl_strong = b.instance(tl_class, &[("threadLocalHashCode", Value::Int(1))]);
    let tl_weak = b.instance(tl_class, &[("threadLocalHashCode", Value::Int(2))]);
    // A bootstrap class (so a system-class root) holding the strong key.
    b.class(
        "com/example/Holder",
        Some(object),
        &[],
        &[("CONTEXT", Value::from(tl_strong))],
    );

    let payload_len = 1000;
    let payload = b.prim_array(Byte, &vec![7u8; payload_len]);
    let text = b.string("request-42");
    let t1 = b.thread(
        "worker-1",
        &[
            Frame {
                class: worker,
                method: "process",
                signature: "(I)V",
                source_file: "Worker.java",
                line: 42,
                locals: &[payload.id()],
            },
            Frame {
                class: worker,
                method: "run",
                signature: "()V",
                source_file: "Worker.java",
                line: -2,
                locals: &[text.id()],
            },
            Frame {
                class: thread_class,
                method: "run",
                signature: "()V",
                source_file: "Thread.java",
                line: 829,
                locals: &[],
            },
        ],
    );
    let t2 = b.thread(
        "worker-2",
        &[Frame {
            class: worker,
            method: "sleep",
            signature: "(J)V",
            source_file: "",
            line: -3,
            locals: &[],
        }],
    );
    let main = b.thread("main", &[]);

    let map_of = |b: &mut HeapBuilder,
                  entries: &[(
        Option<heaplens_hprof_writer::ObjRef>,
        heaplens_hprof_writer::ObjRef,
    )]| {
        let mut es = Vec::new();
        for &(key, value) in entries {
            let e = b.instance(
                entry_class,
                &[
                    ("referent", Value::from(key)),
                    ("value", Value::from(value)),
                ],
            );
            es.push(Some(e));
        }
        es.push(None); // an empty slot
        let table = b.obj_array(entry_array, &es);
        b.instance(
            map_class,
            &[
                ("table", Value::from(table)),
                ("size", Value::Int(entries.len() as i32)),
            ],
        )
    };
    let big1 = b.prim_array(Byte, &[0u8; 5000]);
    let big2 = b.prim_array(Byte, &[0u8; 5000]);
    let live_value = b.string("live-value");
    let sess = b.instance(session, &[("id", Value::Long(9))]);
    let m1 = map_of(
        &mut b,
        &[
            (None, big1),
            (Some(tl_strong), live_value),
            (Some(tl_weak), sess),
        ],
    );
    let m2 = map_of(&mut b, &[(None, big2)]);
    b.set_field(t1.object, "threadLocals", m1);
    b.set_field(t2.object, "inheritableThreadLocals", m2);
    for (t, daemon, status, prio) in [
        (t1, true, 0x0291, 7),
        (t2, true, 0x00A1 | 0x40, 5),
        (main, false, 0x0005, 5),
    ] {
        b.set_field(t.object, "daemon", Value::Boolean(daemon));
        b.set_field(t.object, "threadStatus", Value::Int(status));
        b.set_field(t.object, "priority", Value::Int(prio));
    }
    let opts = WriteOptions {
        start_thread_records: false,
        ..WriteOptions::default()
    };
    Synthetic {
        bytes: b.write(&opts),
        payload_len,
    }
}

#[test]
fn synthetic_frames_locals_and_thread_locals() {
    let s = synthetic();
    let g = build_from_bytes(&s.bytes).unwrap();
    let d = Dominance::compute(&g);
    assert_eq!(
        (g.sizes.reference, g.sizes.alignment),
        (8, 8),
        "packed ids: uncompressed, 8-byte aligned"
    );
    let threads = threads(&g, &d);
    let mut names: Vec<&str> = threads.iter().map(|t| t.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["main", "worker-1", "worker-2"]);
    assert!(threads
        .iter()
        .all(|t| t.gc_root && t.class == "java.lang.Thread"));

    let w1 = threads.iter().find(|t| t.name == "worker-1").unwrap();
    assert_eq!(
        (w1.state, w1.daemon, w1.priority, w1.state_detail),
        (ThreadState::Waiting, true, 7, Some("parked"))
    );
    assert_eq!(w1.frames.len(), 3);
    let f0 = &w1.frames[0];
    assert_eq!(
        (&*f0.class, &*f0.method, f0.signature.as_deref()),
        ("com.example.Worker", "process", Some("(I)V"))
    );
    assert_eq!(
        (f0.source_file.as_deref(), f0.line),
        (Some("Worker.java"), 42)
    );
    assert_eq!(&*f0.display, "com.example.Worker.process(Worker.java:42)");
    assert_eq!(f0.locals.len(), 1);
    // byte[1000]: align(align(16 + 4, 8) + 1000, 8) = 1024 with 8-byte references.
    let payload_shallow = (24 + s.payload_len as u64).div_ceil(8) * 8;
    assert_eq!(
        (
            f0.locals[0].class.as_str(),
            f0.locals[0].shallow,
            f0.locals[0].retained
        ),
        ("byte[]", payload_shallow, payload_shallow)
    );
    assert_eq!(
        &*w1.frames[1].display,
        "com.example.Worker.run(Compiled frame)"
    );
    assert_eq!(w1.frames[1].locals[0].class, "java.lang.String");
    assert!(w1.frames[2].locals.is_empty());
    assert!(w1.other_locals.is_empty());
    let w2 = threads.iter().find(|t| t.name == "worker-2").unwrap();
    assert_eq!(w2.state, ThreadState::TimedWaiting);
    assert_eq!(w2.state_detail, Some("sleeping"));
    assert_eq!(
        &*w2.frames[0].display,
        "com.example.Worker.sleep(Native Method)"
    );
    let main = threads.iter().find(|t| t.name == "main").unwrap();
    assert_eq!((main.state, main.daemon), (ThreadState::Runnable, false));
    assert!(main.frames.is_empty());

    let groups = thread_groups(&threads);
    assert_eq!(groups[0].pattern, "worker-*");
    assert_eq!((groups[0].count, groups[0].daemon), (2, 2));
    assert_eq!(groups[1].pattern, "main");

    // ThreadLocals: key collected → stale; key held by a static → live; key reachable only
    // through the entry's weak referent → stale.
    assert_eq!(w1.thread_locals.len(), 3);
    let by_value = |c: &str| {
        w1.thread_locals
            .iter()
            .find(|e| e.value_class.as_deref() == Some(c))
            .unwrap()
    };
    assert!(by_value("byte[]").stale && by_value("byte[]").key_object_id.is_none());
    assert!(!by_value("java.lang.String").stale);
    assert_eq!(
        by_value("java.lang.String").key_class.as_deref(),
        Some("java.lang.ThreadLocal")
    );
    let weak_key = by_value("com.example.Session");
    assert!(weak_key.stale && weak_key.key_object_id.is_some());
    assert_eq!(w2.thread_locals.len(), 1);
    assert_eq!(w2.thread_locals[0].map, "inheritableThreadLocals");

    let report = thread_local_findings(&g, &d, &threads);
    assert_eq!(report.entries.len(), 4);
    let f = &report.findings[0];
    assert_eq!(
        (f.value_class.as_str(), f.stale, f.threads, f.entries),
        ("byte[]", true, 2, 2)
    );
    let big = (24u64 + 5000).div_ceil(8) * 8;
    assert_eq!((f.per_thread_retained, f.total_retained), (big, 2 * big));
    assert_eq!(f.thread_patterns, ["worker-*"]);
    let sess = report
        .findings
        .iter()
        .find(|f| f.value_class == "com.example.Session")
        .unwrap();
    assert!(sess.stale && sess.threads == 1);
    assert!(sess.explanation.starts_with("thread worker-1 keeps"));
    let live = report
        .findings
        .iter()
        .find(|f| f.value_class == "java.lang.String")
        .unwrap();
    assert!(!live.stale && !live.significant);
}

#[test]
fn name_patterns_rule() {
    use heaplens::analysis::name_patterns;
    let p = name_patterns(&[
        "pool-7-thread-1",
        "pool-7-thread-2",
        "OkHttp ConnectionPool-1",
        "OkHttp ConnectionPool-12",
        "OkHttp TaskRunner",
        "Thread-0",
    ]);
    assert_eq!(
        p,
        [
            "pool-7-thread-*",
            "pool-7-thread-*",
            "OkHttp ConnectionPool-*",
            "OkHttp ConnectionPool-*",
            "OkHttp TaskRunner",
            "Thread-0"
        ]
    );
}

/// JDK 19+ keeps `daemon`, `priority` and `threadStatus` in `Thread.holder`
/// (`Thread$FieldHolder`). Reading them needs the graph to keep that class's field data.
#[test]
fn jdk21_field_holder() {
    use BasicType::*;
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    b.class(
        "java/lang/Thread",
        Some(object),
        &[("name", Object), ("tid", Long), ("holder", Object)],
        &[],
    );
    let holder_class = b.class(
        "java/lang/Thread$FieldHolder",
        Some(object),
        &[
            ("group", Object),
            ("task", Object),
            ("stackSize", Long),
            ("priority", Int),
            ("daemon", Boolean),
            ("threadStatus", Int),
        ],
        &[],
    );
    let t = b.thread("virtual-era", &[]);
    let h = b.instance(
        holder_class,
        &[
            ("priority", Value::Int(8)),
            ("daemon", Value::Boolean(true)),
            ("threadStatus", Value::Int(0x0401)),
        ],
    );
    b.set_field(t.object, "holder", h);
    let g = build_from_bytes(&b.write(&WriteOptions::default())).unwrap();
    let d = Dominance::compute(&g);
    let th = &threads(&g, &d)[0];
    assert_eq!(
        (th.name.as_str(), th.state, th.daemon, th.priority),
        ("virtual-era", ThreadState::Blocked, true, 8)
    );
}
