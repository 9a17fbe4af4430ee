//! The worker's request handler on the real incident dumps, natively (fast, no browser): what
//! the UI will be told for each request. The wasm glue around it is tested in `protocol.rs`
//! (headless Chromium) and by the Playwright tests.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::Read;

use heaplens_web::protocol::*;
use heaplens_web::worker::{DumpSource, Host, NullHost, Service};

use common::incident as fixture;

fn gunzip(gz: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Records progress; the clock advances 10 ms per call.
#[derive(Default)]
struct Recorder {
    t: f64,
    seen: Vec<Progress>,
}

impl Host for Recorder {
    fn now_ms(&mut self) -> f64 {
        self.t += 10.0;
        self.t
    }
    fn progress(&mut self, p: &Progress) {
        self.seen.push(p.clone());
    }
}

/// Reads in small pieces, to exercise chunked feeding.
struct Small<'a>(&'a [u8]);

impl DumpSource for Small<'_> {
    fn size(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        let n = buf.len().min(100_003);
        let mut s: &[u8] = self.0;
        s.read_at(offset, &mut buf[..n])
    }
}

fn open(bytes: &[u8], name: &str) -> (Service, OpenOutcome, Recorder) {
    let mut host = Recorder::default();
    let (s, r) = common::open_source(&mut Small(bytes), name, Default::default(), &mut host);
    (s, r, host)
}

fn opened(r: &OpenOutcome) -> &Overview {
    match r {
        OpenOutcome::Opened(o) => o,
        other => panic!("not opened: {other:?}"),
    }
}

fn first_suspect(s: &mut Service) -> Suspect {
    let r = s.request::<req::Suspects>(&()).unwrap();
    r.suspects.into_iter().next().expect("a suspect")
}

#[test]
fn queue_backlog_end_to_end() {
    let gz = fixture("queue_backlog");
    let (mut s, r, host) = open(&gz, "queue_backlog.hprof.gz");
    let o = opened(&r);
    assert_eq!(o.file_name, "queue_backlog.hprof.gz");
    assert_eq!(o.summary.id_size, 8);
    assert!(
        o.summary.objects_total > 100_000,
        "{}",
        o.summary.objects_total
    );
    assert!(o.summary.warnings.is_empty(), "{:?}", o.summary.warnings);
    assert!(!o.top_dominators.is_empty());
    // Progress: both passes, then dominators and analyses; monotonic percent.
    let phases: Vec<Phase> = host.seen.iter().map(|p| p.phase).collect();
    for ph in [
        Phase::Indexing,
        Phase::Linking,
        Phase::Dominators,
        Phase::Analyses,
    ] {
        assert!(phases.contains(&ph), "{ph:?} in {phases:?}");
    }
    assert!(host.seen.windows(2).all(|w| w[0].percent <= w[1].percent));
    assert!(
        host.seen
            .iter()
            .filter(|p| p.phase == Phase::Linking)
            .count()
            >= 3
    );

    // Histogram: paged, sorted, filtered, grouped.
    let h = s
        .request::<req::Histogram>(&HistogramQuery {
            limit: 5,
            descending: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(h.rows.len(), 5);
    assert!(h.rows.windows(2).all(|w| w[0].retained >= w[1].retained));
    assert!(h.total_rows > 100);
    let h = s
        .request::<req::Histogram>(&HistogramQuery {
            filter: "^java\\.lang\\.String$".into(),
            regex: true,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(h.rows.len(), 1);
    assert!(h.rows[0].instances >= 84_000);
    let string_class = h.rows[0].class.expect("class rows carry the class index");
    let h = s
        .request::<req::Histogram>(&HistogramQuery {
            filter: "(".into(),
            regex: true,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(h.filter_error.is_some());
    let h = s
        .request::<req::Histogram>(&HistogramQuery {
            group: Grouping::Package,
            limit: 50,
            descending: true,
            ..Default::default()
        })
        .unwrap();
    assert!(h
        .rows
        .iter()
        .any(|r| r.name == "java.lang" && r.class.is_none()));

    // Instances of String, largest first, paged.
    let i = s
        .request::<req::Instances>(&InstancesQuery {
            class: string_class,
            unreachable: false,
            offset: 10,
            limit: 20,
        })
        .unwrap();
    assert_eq!(i.rows.len(), 20);
    assert!(i.total >= 84_000);

    // Dominator tree: two levels.
    let top = s
        .request::<req::Children>(&ChildrenQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(top.total, o.root_children);
    let first = &top.rows[0];
    assert!(first.children > 0);
    let kids = s
        .request::<req::Children>(&ChildrenQuery {
            parent: Some(first.object_id.clone()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(!kids.rows.is_empty());
    assert!(kids.rows.iter().all(|r| r.retained <= first.retained));

    // The suspect: the sender's queue.
    let x = first_suspect(&mut s);
    assert_eq!(x.pattern.label(), "queue backlog");
    assert_eq!(x.class, "com.example.monitor.TcpSocketSender");
    assert!(x.explanation.contains("m_queue"), "{}", x.explanation);
    let ap = x.accumulation_point.clone().expect("accumulation point");
    assert_eq!(ap.class, "java.util.concurrent.ArrayBlockingQueue");
    assert_eq!(x.collection.as_ref().unwrap().size, 84_000);

    // Object details and paths of the queue.
    let q = s
        .request::<req::Object>(&ObjectQuery {
            object: ap.object_id.clone(),
        })
        .unwrap();
    assert_eq!(q.class, "java.util.concurrent.ArrayBlockingQueue");
    assert!(q
        .fields
        .iter()
        .any(|f| f.name == "items" && f.target.is_some()));
    assert!(
        q.fields
            .iter()
            .any(|f| f.name == "count" && f.value == "84000"),
        "{:?}",
        q.fields
    );
    assert!(!q.dominator_chain.is_empty());
    let p = s
        .request::<req::Paths>(&PathsQuery {
            object: ap.object_id.clone(),
            include_weak: false,
            max: 3,
        })
        .unwrap();
    assert!(!p.paths.is_empty());
    assert_eq!(p.paths[0].steps.last().unwrap().object_id, ap.object_id);
    assert_eq!(p.paths[0].steps.last().unwrap().field, "m_queue");
    // The page gets the core's types back from the JSON: the suspect's path is the shortest.
    assert_eq!(Some(p.paths[0].root_kind), x.root_kind);
    assert_eq!(p.paths[0].steps, x.path_to_root);
    let inc = s
        .request::<req::References>(&ReferencesQuery {
            object: ap.object_id.clone(),
            incoming: true,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert!(
        inc.rows.iter().any(|r| r.field == "m_queue"),
        "{:?}",
        inc.rows
    );
    let items = q
        .fields
        .iter()
        .find(|f| f.name == "items")
        .unwrap()
        .target
        .clone()
        .unwrap();
    let out = s
        .request::<req::References>(&ReferencesQuery {
            object: items.object_id.clone(),
            incoming: false,
            offset: 1000,
            limit: 5,
        })
        .unwrap();
    assert_eq!(out.total, 84_001, "class edge + 84,000 elements");
    assert_eq!(out.rows[0].field, "[999]");

    // Export.
    let e = s
        .request::<req::Export>(&ExportQuery {
            format: ExportFormat::Json,
            redact: false,
        })
        .unwrap();
    assert_eq!(e.file_name, "queue_backlog.heaplens.json");
    let v: serde_json::Value = serde_json::from_str(&e.text).unwrap();
    assert!(v["summary"]["objects_total"].as_u64().unwrap() > 0);
    assert_eq!(v["contents"]["redacted"], false);
    // Redacted: no file name inside or in the file's name, no thread name.
    let r = s
        .request::<req::Export>(&ExportQuery {
            format: ExportFormat::Json,
            redact: true,
        })
        .unwrap();
    assert_eq!(r.file_name, "heap.redacted.heaplens.json");
    let rv: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(rv["contents"]["redacted"], true);
    assert_eq!(rv["summary"], v["summary"]);
    assert!(!r.text.contains("queue_backlog") && !r.text.contains("\"main\""));
    let e = s
        .request::<req::Export>(&ExportQuery {
            format: ExportFormat::Html,
            redact: false,
        })
        .unwrap();
    assert!(
        e.text.starts_with("<!") || e.text.starts_with("<html"),
        "{}",
        &e.text[..50]
    );

    // Waste and class loaders answer.
    assert!(s.request::<req::Waste>(&()).is_ok());
    assert!(s.request::<req::ClassLoaders>(&()).is_ok());
    // Bad ids are errors, not panics.
    assert!(s
        .request::<req::Object>(&ObjectQuery {
            object: "0x1".into()
        })
        .is_err());
    assert!(s
        .request::<req::Object>(&ObjectQuery {
            object: "hello".into()
        })
        .is_err());
}

#[test]
fn thread_explosion_threads() {
    let gz = fixture("thread_explosion");
    let (mut s, r, _) = open(&gz, "thread_explosion.hprof.gz");
    opened(&r);
    let t = s
        .request::<req::Threads>(&ThreadsQuery {
            filter: String::new(),
            offset: 0,
            limit: 50,
        })
        .unwrap();
    assert_eq!(t.live_threads, 2307);
    assert!(t.total_threads >= 2307);
    assert_eq!(t.rows.len(), 50);
    let pool = t
        .groups
        .iter()
        .find(|g| g.pattern == "pool-7-thread-*")
        .expect("pool group");
    assert_eq!(pool.count, 2000);
    let f = s
        .request::<req::Threads>(&ThreadsQuery {
            filter: "pool-7-thread-*".into(),
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert_eq!(f.total, 2000);
    let d = s
        .request::<req::Thread>(&ObjectQuery {
            object: f.rows[0].object_id.clone(),
        })
        .unwrap();
    assert!(!d.frames.is_empty());
    let x = first_suspect(&mut s);
    assert_eq!(x.pattern.label(), "thread explosion");
    println!("thread_explosion: {}", x.explanation);
}

#[test]
fn every_incident_has_a_first_suspect() {
    for name in ["retry_buffer", "threadlocal_leak", "classloader_leak"] {
        let gz = fixture(name);
        let (mut s, r, _) = open(&gz, name);
        opened(&r);
        let x = first_suspect(&mut s);
        println!("{name}: [{}] {} — {}", x.pattern, x.class, x.explanation);
    }
    let gz = fixture("healthy_app");
    let (mut s, r, _) = open(&gz, "healthy_app");
    opened(&r);
    let r = s.request::<req::Suspects>(&()).unwrap();
    assert!(r.suspects.is_empty());
}

#[test]
fn truncated_dump_warns_and_still_answers() {
    let raw = gunzip(&fixture("threadlocal_leak"));
    let cut = &raw[..raw.len() * 6 / 10];
    let (mut s, r, _) = open(cut, "cut.hprof");
    let o = opened(&r);
    assert!(
        o.summary.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        o.summary.warnings
    );
    assert!(o.summary.objects_total > 0);
    assert!(s.request::<req::Suspects>(&()).is_ok());
    // A truncated dump's analysis survives the hand-over too.
    let plan = s.prepare_snapshot(&mut NullHost).expect("open");
    let mut bytes = Vec::new();
    s.write_snapshot(&plan, &mut |piece| bytes.extend_from_slice(piece));
    let mut fresh = Service::new();
    let mut src = Small(&bytes);
    let r = fresh.request_with::<req::Restore>(&(), Some(&mut src), &mut Recorder::default());
    assert_eq!(
        opened(r.as_ref().unwrap()).summary.objects_total,
        o.summary.objects_total
    );
    assert!(fresh
        .request::<req::Children>(&ChildrenQuery {
            limit: 5,
            ..Default::default()
        })
        .is_ok());
}

#[test]
fn not_a_heap_dump_is_a_clear_error() {
    let (mut s, r, _) = open(
        b"PK\x03\x04 this is a zip file, not a heap dump",
        "notes.zip",
    );
    match r {
        OpenOutcome::Failed(e) => {
            assert!(e.not_hprof);
            assert_eq!(e.offset, Some(0));
            assert!(e.message.contains("not a Java heap dump"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    assert!(s.request::<req::Summary>(&()).is_err());
    // Damage after a valid header: a parse error with a byte offset.
    let mut raw = gunzip(&fixture("retry_buffer"));
    let at = 4096;
    raw[at..at + 64].fill(0xEE);
    let (_, r, _) = open(&raw, "damaged.hprof");
    match r {
        OpenOutcome::Failed(e) => {
            assert!(!e.not_hprof);
            assert!(e.offset.is_some());
            assert!(e.message.contains("at byte"), "{}", e.message);
        }
        OpenOutcome::Opened(o) => {
            assert!(!o.summary.warnings.is_empty(), "damage must show: {o:?}")
        }
    }
}

#[test]
fn opening_a_second_dump_replaces_the_first() {
    let (mut s, r, _) = open(&fixture("retry_buffer"), "a");
    opened(&r);
    let mut host = Recorder::default();
    let gz = fixture("healthy_app");
    let mut src: &[u8] = &gz;
    let r = s.request_with::<req::Open>(
        &OpenParams {
            name: "b".into(),
            size: gz.len() as u64,
            settings: Default::default(),
            reserved_bytes: 0,
        },
        Some(&mut src),
        &mut host,
    );
    assert_eq!(opened(r.as_ref().unwrap()).file_name, "b");
    let o = s.request::<req::Summary>(&()).unwrap();
    assert_eq!(o.file_name, "b");
}

#[test]
fn a_node_with_100_000_children_is_served_in_pages() {
    use heaplens_hprof_writer::{BasicType, HeapBuilder, RootKind, Value, WriteOptions};
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let item = b.class("com/x/Item", Some(object), &[("n", BasicType::Int)], &[]);
    let items: Vec<_> = (0..100_000)
        .map(|i| Some(b.instance(item, &[("n", Value::Int(i))])))
        .collect();
    let array_class = b.array_class("com/x/Item");
    let array = b.obj_array(array_class, &items);
    b.root(array, RootKind::JniGlobal { jni_ref_id: 1 });
    let bytes = b.write(&WriteOptions::default());
    let (mut s, r, _) = open(&bytes, "wide.hprof");
    opened(&r);
    let id = format!("0x{:x}", array.id());
    let page = |s: &mut Service, offset, sort, filter: &str| {
        s.request::<req::Children>(&ChildrenQuery {
            parent: Some(id.clone()),
            sort,
            filter: filter.into(),
            offset,
            limit: 200,
        })
        .unwrap()
    };
    let t = std::time::Instant::now();
    let first = page(&mut s, 0, TreeSort::Retained, "");
    // 100,000 items and the array's class object (referenced by the array alone).
    assert_eq!(first.total, 100_001);
    assert_eq!(first.rows.len(), 200);
    let last = page(&mut s, 99_900, TreeSort::Retained, "");
    assert_eq!(last.rows.len(), 101);
    // Re-sorting 100,000 children, then paging through the cached order.
    let by_class = page(&mut s, 50_000, TreeSort::Class, "x.item");
    assert_eq!((by_class.total, by_class.rows.len()), (100_001, 200));
    for k in 0..20 {
        page(&mut s, k * 200, TreeSort::Class, "x.item");
    }
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
    assert!(first
        .rows
        .iter()
        .filter(|r| r.class == "com.x.Item")
        .all(|r| r.children == 0));
    // The array's own outgoing references are paged too, labelled by index.
    let refs = s
        .request::<req::References>(&ReferencesQuery {
            object: id.clone(),
            incoming: false,
            offset: 99_990,
            limit: 50,
        })
        .unwrap();
    assert_eq!(refs.total, 100_001);
    assert_eq!(refs.rows.len(), 11);
    assert_eq!(refs.rows.last().unwrap().field, "[99999]");
}

fn search(s: &mut Service, pattern: &str, offset: u32, limit: u32) -> TreeSearchPage {
    s.request::<req::TreeSearch>(&TreeSearchQuery {
        pattern: pattern.into(),
        offset,
        limit,
    })
    .unwrap()
}

/// Follows a search row's path down the tree with `Children` pages (the way the UI reveals
/// it): every step is where the path says.
fn assert_path_leads_to(s: &mut Service, hit: &TreeSearchRow) {
    assert_eq!(hit.path.len() as u32, hit.depth + 1, "{hit:?}");
    assert_eq!(hit.path.last().unwrap().object_id, hit.row.object_id);
    let mut parent = None;
    for step in &hit.path {
        let p = s
            .request::<req::Children>(&ChildrenQuery {
                parent: parent.clone(),
                offset: step.index,
                limit: 1,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            p.rows[0].object_id, step.object_id,
            "step {step:?} under {parent:?}"
        );
        parent = Some(step.object_id.clone());
    }
}

#[test]
fn tree_search_finds_deep_objects_largest_first() {
    let f = |k: &str| -> serde_json::Value {
        let path = format!(
            "{}/../tests/fixtures/retry_buffer.facts.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(path).unwrap()).unwrap()
            [k]
            .clone()
    };
    let batches = f("batches").as_u64().unwrap() as u32;
    let (mut s, r, _) = open(&fixture("retry_buffer"), "retry_buffer");
    let o = opened(&r).clone();
    // ResultBatch is no top-level dominator: the tree's first level does not show it.
    assert!(o
        .top_dominators
        .iter()
        .all(|t| !t.class.contains("ResultBatch")));

    let t = std::time::Instant::now();
    let p = search(&mut s, "resultbatch", 0, 50);
    println!(
        "search of {} objects: {:?}",
        o.summary.objects_total,
        t.elapsed()
    );
    // Every batch, and the class object (`class com.example.retry.ResultBatch`).
    assert_eq!(p.total, batches + 1);
    assert_eq!(
        (p.listed, p.classes, p.offset, p.rows.len()),
        (batches + 1, 1, 0, 50)
    );
    assert!(p
        .rows
        .windows(2)
        .all(|w| w[0].row.retained >= w[1].row.retained));
    for hit in &p.rows {
        assert_eq!(hit.row.class, "com.example.retry.ResultBatch");
        assert!(hit.depth >= 2, "{hit:?}");
        assert!(hit.row.pct > 0.0 && hit.row.shallow > 0 && hit.row.retained >= hit.row.shallow);
    }
    assert_path_leads_to(&mut s, &p.rows[0]);
    assert_path_leads_to(&mut s, &p.rows[49]);
    // Its chain passes through the holder's list (the inspector's dominator chain agrees).
    let obj = s
        .request::<req::Object>(&ObjectQuery {
            object: p.rows[0].row.object_id.clone(),
        })
        .unwrap();
    let chain: Vec<&str> = obj
        .dominator_chain
        .iter()
        .map(|c| c.object_id.as_str())
        .collect();
    let path: Vec<&str> = p.rows[0]
        .path
        .iter()
        .map(|x| x.object_id.as_str())
        .collect();
    assert_eq!(chain, path[..path.len() - 1]);
    assert!(
        obj.dominator_chain
            .iter()
            .any(|c| c.class == "java.util.ArrayList"),
        "{:?}",
        obj.dominator_chain
    );

    // Pages: consecutive, the same order as one big page.
    let all = search(&mut s, "ResultBatch", 0, 5000);
    assert_eq!(
        all.rows.len() as u32,
        MAX_PAGE.min(batches),
        "a page is capped"
    );
    let mid = search(&mut s, "ResultBatch", 300, 20);
    let ids = |rows: &[TreeSearchRow]| {
        rows.iter()
            .map(|r| r.row.object_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&mid.rows), ids(&all.rows[300..320]));
    let end = search(&mut s, "ResultBatch", batches - 4, 200);
    assert_eq!(end.rows.len(), 5);
    assert!(search(&mut s, "ResultBatch", batches + 1, 200)
        .rows
        .is_empty());

    // Globs; class objects match as `class X`; no match; empty.
    let g = search(&mut s, "com.example.*.Result*", 0, 10);
    assert_eq!(g.total, batches);
    let c = search(&mut s, "class com.example.retry.ResultBatch", 0, 10);
    assert_eq!(c.total, 1);
    assert_eq!(c.rows[0].row.class, "class com.example.retry.ResultBatch");
    assert_path_leads_to(&mut s, &c.rows[0]);
    assert_eq!(search(&mut s, "NoSuchClassAnywhere", 0, 10).total, 0);
    let empty = search(&mut s, "  ", 0, 10);
    assert_eq!((empty.total, empty.rows.len()), (0, 0));
    // Many matches (every String): counted, paged, largest first.
    let strings = search(&mut s, "java.lang.String", 1000, 100);
    assert!(strings.total > 4000, "{}", strings.total);
    assert_eq!(strings.rows.len(), 100);
    assert!(strings
        .rows
        .windows(2)
        .all(|w| w[0].row.retained >= w[1].row.retained));
    for hit in strings.rows.iter().step_by(17) {
        assert_path_leads_to(&mut s, hit);
    }
}

#[test]
fn tree_search_on_a_wide_node_is_bounded() {
    use heaplens_hprof_writer::{BasicType, HeapBuilder, RootKind, Value, WriteOptions};
    let mut b = HeapBuilder::new(8);
    let object = b.object_class();
    let item = b.class("com/x/Item", Some(object), &[("n", BasicType::Int)], &[]);
    let items: Vec<_> = (0..120_000)
        .map(|i| Some(b.instance(item, &[("n", Value::Int(i))])))
        .collect();
    let array_class = b.array_class("com/x/Item");
    let array = b.obj_array(array_class, &items);
    b.root(array, RootKind::JniGlobal { jni_ref_id: 1 });
    let bytes = b.write(&WriteOptions::default());
    let (mut s, r, _) = open(&bytes, "wide.hprof");
    opened(&r);
    let t = std::time::Instant::now();
    let first = search(&mut s, "com.x.Item", 0, 100);
    // The array (`com.x.Item[]`), its 120,000 items and the two class objects; at most
    // MAX_SEARCH_RESULTS listed.
    assert_eq!(first.total, 120_003);
    assert_eq!(first.listed, MAX_SEARCH_RESULTS);
    assert_eq!(first.rows[0].row.class, "com.x.Item[]");
    assert_eq!(first.rows[0].depth, 0);
    let item = first
        .rows
        .iter()
        .find(|r| r.row.class == "com.x.Item")
        .expect("an item");
    assert_eq!(item.depth, 1);
    assert_eq!(item.path[0].object_id, first.rows[0].row.object_id);
    assert_path_leads_to(&mut s, item);
    // The last listed page, and nothing beyond.
    let last = search(&mut s, "com.x.Item", MAX_SEARCH_RESULTS - 3, 100);
    assert_eq!(last.rows.len(), 3);
    assert_path_leads_to(&mut s, &last.rows[2]);
    assert!(
        last.rows[2].path[1].index > 90_000,
        "{:?}",
        last.rows[2].path
    );
    assert!(search(&mut s, "com.x.Item", MAX_SEARCH_RESULTS, 100)
        .rows
        .is_empty());
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
}

/// Time of tree searches on a big dump (not part of the suite):
/// `HEAPLENS_BIG_DUMP=target/bench/big1100.hprof cargo test --release -p heaplens-web --test service big_dump -- --ignored --nocapture`
#[test]
#[ignore]
fn big_dump_tree_search_timing() {
    let Ok(path) = std::env::var("HEAPLENS_BIG_DUMP") else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let t = std::time::Instant::now();
    let (mut s, r, _) = open(&bytes, "big");
    drop(bytes);
    let o = opened(&r);
    println!(
        "{path}: {} objects, opened in {:?}",
        o.summary.objects_total,
        t.elapsed()
    );
    for (pattern, offset) in [
        ("java.lang.String", 0),
        ("java.lang.String", 50_000),
        ("HashMap$Node", 0),
        ("*Cache*", 0),
        ("NoSuchClass", 0),
    ] {
        let t = std::time::Instant::now();
        let p = search(&mut s, pattern, offset, 100);
        let json = encode(&FromWorker::Reply {
            id: 1,
            result: Ok(serde_json::to_value(&p).unwrap()),
        });
        println!(
            "search {pattern:?} @{offset}: {} matches, {} rows, deepest {}, {:?}, {} KiB answer",
            p.total,
            p.rows.len(),
            p.rows.iter().map(|r| r.depth).max().unwrap_or(0),
            t.elapsed(),
            json.len() / 1024
        );
    }
}

/// The hand-over between workers: a snapshot of an opened dump, restored in a fresh service,
/// answers every request as the original did (the leak suspects travel with it).
#[test]
fn a_restored_snapshot_answers_like_the_original() {
    for name in ["queue_backlog", "thread_explosion", "classloader_leak"] {
        let gz = fixture(name);
        let (mut s, r, mut host) = open(&gz, name);
        let before = opened(&r).clone();
        assert!(!s.suspects_ready());
        let suspects = s.request::<req::Suspects>(&());
        assert!(s.suspects_ready());
        let plan = s.prepare_snapshot(&mut host).expect("a dump is open");
        let mut bytes = Vec::new();
        s.write_snapshot(&plan, &mut |piece| bytes.extend_from_slice(piece));
        assert_eq!(bytes.len() as u64, plan.bytes, "{name}");
        let top = before.top_dominators[0].object_id.clone();
        let requests = [
            ToWorker::new::<req::Children>(
                1,
                &ChildrenQuery {
                    limit: 50,
                    ..Default::default()
                },
            ),
            ToWorker::new::<req::Histogram>(
                2,
                &HistogramQuery {
                    limit: 50,
                    ..Default::default()
                },
            ),
            ToWorker::new::<req::Threads>(
                3,
                &ThreadsQuery {
                    limit: 20,
                    ..Default::default()
                },
            ),
            ToWorker::new::<req::ClassLoaders>(4, &()),
            ToWorker::new::<req::Waste>(5, &()),
            ToWorker::new::<req::Paths>(
                6,
                &PathsQuery {
                    object: top.clone(),
                    include_weak: false,
                    max: 3,
                },
            ),
            ToWorker::new::<req::Object>(
                7,
                &ObjectQuery {
                    object: top.clone(),
                },
            ),
            ToWorker::new::<req::References>(
                8,
                &ReferencesQuery {
                    object: top.clone(),
                    incoming: false,
                    offset: 0,
                    limit: 20,
                },
            ),
        ];
        let expected: Vec<_> = requests.iter().map(|q| s.handle(q)).collect();
        assert!(expected.iter().all(|r| r.is_ok()), "{name}: {expected:?}");
        s.close();
        assert!(s.request::<req::Summary>(&()).is_err());

        let mut fresh = Service::new();
        let mut src = Small(&bytes);
        let r = fresh
            .request_with::<req::Restore>(&(), Some(&mut src), &mut Recorder::default())
            .unwrap();
        let mut after = opened(&r).clone();
        assert!(
            fresh.suspects_ready(),
            "{name}: the suspects travel with the snapshot"
        );
        // Only the clocks and the memory figures may differ.
        after.analysis_ms = before.analysis_ms;
        after.phases = before.phases.clone();
        after.wasm_memory_bytes = before.wasm_memory_bytes;
        assert!(after.memory_bytes <= before.memory_bytes, "{name}");
        after.memory_bytes = before.memory_bytes;
        assert_eq!(after, before, "{name}");
        assert_eq!(fresh.request::<req::Suspects>(&()), suspects, "{name}");
        for (q, want) in requests.iter().zip(&expected) {
            assert_eq!(&fresh.handle(q), want, "{name}: {q:?}");
        }
    }
    // Not a snapshot: an error, not a crash.
    let mut fresh = Service::new();
    let mut src: &[u8] = b"not a snapshot at all";
    let r = fresh.request_with::<req::Restore>(
        &(),
        Some(&mut src as &mut dyn DumpSource),
        &mut Recorder::default(),
    );
    assert!(r.is_err(), "{r:?}");
}
