//! Process memory beyond the heap (issue 19) on real JVM dumps whose programs allocated known
//! amounts: direct buffers (capacity exactly, per holder), mapped buffers, the JVM's `Bits`
//! counters, thread stacks from `-Xss` read through RuntimeMXBean's cache, class metadata.

mod common;

use heaplens::analysis::process_memory::*;
use heaplens::analysis::*;
use heaplens::graph::*;
use serde_json::Value as Json;

fn load(name: &str) -> (ProcessMemory, Json, u64) {
    let bytes = common::read_fixture(&format!("{name}.hprof.gz"));
    let g = build_from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let d = Dominance::compute(&g);
    let finder = PathFinder::new(&g, PathOptions::default());
    let threads = threads(&g, &d);
    let loaders = class_loaders(&g, &d);
    let pm = process_memory(&g, &d, &finder, &threads, &loaders);
    let facts: Json =
        serde_json::from_slice(&common::read_fixture(&format!("{name}.facts.json"))).unwrap();
    (pm, facts, d.reachable_bytes())
}

fn num(j: &Json) -> u64 {
    j.as_u64().unwrap_or_else(|| panic!("not a number: {j}"))
}

fn holder<'a>(pm: &'a ProcessMemory, class: &str) -> &'a BufferHolder {
    pm.buffers
        .holders
        .iter()
        .find(|h| h.holder == class)
        .unwrap_or_else(|| panic!("no holder {class}: {:?}", pm.buffers.holders))
}

/// Direct and mapped buffers equal what the program allocated, and the JVM's own counters.
fn check_direct_memory(name: &str) {
    let (pm, f, _) = load(name);
    let b = &pm.buffers;
    // Every buffer that holds memory, against the JVM's BufferPoolMXBean figures read right
    // after the dump (java.nio.Bits' counters).
    assert_eq!(b.direct.count, num(&f["direct_count"]), "{name}");
    assert_eq!(
        b.direct.capacity,
        num(&f["direct_total_capacity"]),
        "{name}"
    );
    assert_eq!(b.direct_awaiting_gc, Tally::default(), "{name}");
    assert_eq!(b.counters.count, Some(num(&f["direct_count"])));
    assert_eq!(
        b.counters.total_capacity,
        Some(num(&f["direct_total_capacity"]))
    );
    assert_eq!(b.counters.reserved, Some(num(&f["direct_memory_used"])));
    assert_eq!(b.counters.max_memory, Some(num(&f["max_direct_memory"])));
    assert_eq!(
        b.counters.vm_max_direct_memory,
        Some(num(&f["max_direct_memory"]))
    );
    // By holder: the pool exactly, the decoders exactly (their slices not counted again).
    let pool = holder(&pm, f["pool_holder"].as_str().unwrap());
    assert_eq!(pool.category, "application");
    assert_eq!(pool.kind, BufferKind::Direct);
    assert_eq!(pool.count, num(&f["pool_buffers"]));
    assert_eq!(pool.capacity, num(&f["pool_capacity"]));
    assert!(pool.via.starts_with("free."), "{}", pool.via);
    let dec = holder(&pm, f["decoder_holder"].as_str().unwrap());
    assert_eq!(
        (dec.count, dec.capacity),
        (num(&f["decoder_buffers"]), num(&f["decoder_capacity"]))
    );
    assert_eq!(dec.via, "input");
    assert!(b.views.count >= num(&f["decoder_slices"]));
    // The mapped file.
    let mapped = holder(&pm, f["mapped_holder"].as_str().unwrap());
    assert_eq!(mapped.kind, BufferKind::Mapped);
    assert_eq!(
        (mapped.count, mapped.capacity),
        (1, num(&f["mapped_bytes"]))
    );
    assert_eq!(b.mapped.capacity, num(&f["mapped_total_capacity"]));
    assert_eq!(b.counters.mapped_count, Some(num(&f["mapped_count"])));
    assert_eq!(
        b.counters.mapped_total_capacity,
        Some(num(&f["mapped_total_capacity"]))
    );
    // The buffer freed by invokeCleaner is an object without memory.
    assert_eq!(
        b.freed,
        Tally {
            count: 1,
            capacity: num(&f["freed_buffer_bytes"])
        }
    );
    // The largest: a pool chunk, with its path from a GC root.
    let top = &b.largest[0];
    assert_eq!(top.capacity, num(&f["chunk_bytes"]));
    assert_eq!(top.holder, pool.holder);
    let path = top.path.as_ref().expect("a path");
    // (shortened to its first and last three steps: … ChunkPool.free → elements → buffer)
    assert_eq!(
        path.steps.last().unwrap().class,
        "java.nio.DirectByteBuffer"
    );
    assert!(path.steps.iter().any(|s| s.class == "java.util.ArrayDeque"));
    // The verdict: held direct memory outweighs the 1-2 MiB heap.
    let v = pm.verdict.as_deref().expect("a verdict");
    assert!(v.starts_with("320.") && v.contains("ChunkPool"), "{v}");
    // Facts the heap holds.
    assert_eq!(pm.jvm.property("java.version"), f["java_version"].as_str());
    assert_eq!(
        pm.jvm.property("sun.nio.MaxDirectMemorySize"),
        Some("536870912")
    );
    assert!(pm.jvm.arguments.is_none(), "nothing asked RuntimeMXBean");
    assert!(pm
        .figures
        .iter()
        .any(|x| x.label == "Direct buffers holding memory"
            && x.kind == FigureKind::Fact
            && x.bytes == Some(num(&f["direct_total_capacity"]))));
}

#[test]
fn direct_memory_jdk17() {
    check_direct_memory("direct_memory");
    let (pm, f, _) = load("direct_memory");
    // JDK 17's per-thread temporary buffer cache kept the nio-writer's buffer.
    let nio = holder(&pm, "sun.nio.ch.Util$BufferCache");
    assert_eq!(nio.category, "NIO");
    assert!(nio.capacity >= num(&f["nio_temp_buffer_bytes"]));
}

#[test]
fn direct_memory_jdk25() {
    check_direct_memory("direct_memory.jdk25");
}

#[test]
fn thread_stacks_from_xss() {
    let (pm, f, _) = load("thread_stacks");
    let t = &pm.thread_stacks;
    let xss = num(&f["xss_bytes"]);
    assert_eq!(t.live_threads, num(&f["threads_total"]));
    for (pattern, n) in f["thread_groups"].as_object().unwrap() {
        let g = t
            .groups
            .iter()
            .find(|g| &g.pattern == pattern)
            .expect(pattern);
        assert_eq!(g.threads, num(n), "{pattern}");
        assert_eq!(g.waiting, num(n), "{pattern}: parked");
        assert_eq!(g.reserved, num(n) * xss, "{pattern}");
    }
    assert_eq!(t.stack_size, xss);
    assert!(t.stack_size_from_arguments);
    assert!(
        t.stack_size_source.starts_with("-Xss384k"),
        "{}",
        t.stack_size_source
    );
    assert_eq!(t.reserved, num(&f["threads_total"]) * xss);
    let args = pm.jvm.arguments.as_ref().expect("RuntimeMXBean's cache");
    for a in f["jvm_args"].as_array().unwrap() {
        assert!(args.iter().any(|x| x == a.as_str().unwrap()), "{a}");
    }
    assert_eq!(pm.jvm.max_heap.as_ref().map(|a| a.bytes), Some(64 << 20));
    let v = pm.verdict.as_deref().expect("a verdict");
    assert!(
        v.starts_with("3,006 live threads reserving ~1.1 GiB") && v.contains("-Xmx64m"),
        "{v}"
    );
    let size = pm
        .figures
        .iter()
        .find(|x| x.label == "Stack size per thread")
        .unwrap();
    assert_eq!((size.kind, size.bytes), (FigureKind::Fact, Some(xss)));
}

#[test]
fn thread_stacks_platform_default_when_no_arguments() {
    // thread_explosion ran with -Xss256k but never asked RuntimeMXBean: the default is used
    // and labelled an estimate.
    let (pm, f, _) = load("thread_explosion");
    let t = &pm.thread_stacks;
    assert_eq!(t.live_threads, num(&f["threads_total"]));
    assert!(!t.stack_size_from_arguments);
    assert_eq!(t.stack_size, 1 << 20);
    assert!(t
        .stack_size_source
        .starts_with("platform default for Linux amd64"));
    let size = pm
        .figures
        .iter()
        .find(|x| x.label == "Stack size per thread")
        .unwrap();
    assert_eq!(size.kind, FigureKind::Estimate);
    assert_eq!(t.groups[0].pattern, "pool-7-thread-*");
    assert_eq!(t.groups[0].threads, 2000);
}

#[test]
fn class_metadata_of_a_loader_leak() {
    let (pm, f, _) = load("classloader_leak");
    let m = &pm.class_metadata;
    let agent = m
        .notable_loaders
        .iter()
        .find(|l| l.name.as_deref() == f["loader_name"].as_str())
        .expect("the agent loader");
    assert!(agent.classes as u64 >= num(&f["generated_classes"]));
    assert_eq!(agent.metadata_estimate, agent.classes as u64 * 7 * 1024);
    assert_eq!(m.metaspace_estimate, m.instance_classes * 7 * 1024);
    assert_eq!(m.classes, m.instance_classes + m.array_classes);
    // Small healthy-sized numbers make no verdict.
    assert!(pm.verdict.is_none(), "{:?}", pm.verdict);
    let (pm, _, _) = load("plugin_redeploy");
    assert!(pm.class_metadata.duplicated_class_names >= 2);
    assert!(
        pm.class_metadata
            .notable_loaders
            .iter()
            .filter(|l| l.duplicated_classes > 0)
            .count()
            >= 36
    );
}

#[test]
fn report_formats_and_redaction() {
    use heaplens::report::{build_report, to_html, to_json, to_markdown, ReportOptions};
    let bytes = common::read_fixture("thread_stacks.hprof.gz");
    let g = build_from_bytes(&bytes).unwrap();
    let d = Dominance::compute(&g);
    let r = build_report(&g, &d, &ReportOptions::default());
    let json: Json = serde_json::from_str(&to_json(&r)).unwrap();
    assert_eq!(
        json["process_memory"]["thread_stacks"]["stack_size"],
        393_216
    );
    let md = to_markdown(&r);
    assert!(md.contains("## Process memory (beyond the heap)"));
    assert!(md.contains("Beyond the heap (see Process memory): 3,006 live threads"));
    assert!(to_html(&r).contains("id=\"process-memory\""));
    assert!(to_json(&r).contains("-Djava.io.tmpdir="));
    let red = build_report(
        &g,
        &d,
        &ReportOptions {
            redact: true,
            ..Default::default()
        },
    );
    for doc in [to_json(&red), to_markdown(&red), to_html(&red)] {
        assert!(!doc.contains("java.io.tmpdir"), "JVM -D argument left");
        assert!(!doc.contains("/sys/fs/cgroup"), "cgroup path left");
        assert!(!doc.contains("http-nio-8080"), "thread pattern left");
        assert!(doc.contains("-Xss384k"));
    }
}
