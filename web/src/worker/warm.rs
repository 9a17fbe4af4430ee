//! Getting V8's optimizing compiler onto the analysis code before a real dump reaches it.
//!
//! V8 runs a wasm function first as Liftoff code (its baseline compiler: fast to compile, slower
//! code) and recompiles it with TurboFan once it has used a budget of work; the
//! new code serves the function's *next* call — V8 has no on-stack replacement for wasm, so a
//! call that is already running stays on Liftoff code until it returns. The pipeline's biggest
//! loops are in functions called once per dump (numbering the objects at the end of pass 1,
//! ordering the references, the dominators, the retained sizes): in the page they ran entirely
//! as Liftoff code. Profiled with `perf` and V8's `--perf-basic-prof` on a 1.1 GB dump
//! (17 M objects), those four were 39% of the worker's CPU time, all of it Liftoff code.
//!
//! So before the first dump a worker opens, it opens a small synthetic dump ([`dump`]) through
//! the very code paths of a real open (the service, [`super::open::OpenJob`], the first
//! requests the page makes after it): each of those functions uses up its budget there, V8
//! compiles them with TurboFan in the background while the real file's first pass runs, and
//! the real dump's single calls get the optimized code. It costs a worker a fraction of a second
//! once (its pipeline on ~98 k objects); what it saves is measured in the README ("Browser
//! benchmark"). Nothing of the synthetic dump stays: its service is dropped before the real
//! open begins, and it runs before the real job allocates anything.
//!
//! The page asks for it ([`crate::protocol::req::WarmUp`]) as soon as a worker runs, and calls
//! the worker ready only once it is done: so it runs while the user picks a file (it was
//! 0.3–0.45 s between the file's choice and pass 1 when the open ran it). An open in a worker
//! that was not warmed runs it first.
//!
//! It runs through the worker's own [`Host`], told to be quiet ([`Host::set_quiet`]), not a
//! stand-in: V8's optimized code inlines the indirect calls it has seen (the progress
//! callbacks end in `Host::now_ms` and `Host::progress`), and when the real dump's first
//! progress report called another type's method, V8 dropped that code and the rest of the
//! call ran as Liftoff code again: the whole dominator computation, one call. Measured in the
//! page (README, "Browser benchmark"): the dominators' worker CPU 7.1–7.3 s with a stand-in
//! host, 5.3 s with the worker's own, as with V8's deoptimization turned off
//! (`--js-flags=--no-wasm-deopt`: 5.2–5.5 s).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::protocol::{
    req, ChildrenQuery, HistogramQuery, MorePathsQuery, OpenOutcome, OpenParams,
};

use super::host::Host;
use super::service::Service;

/// `Node` instances of the synthetic dump (with their `byte[]`s and the classes: ~98 k
/// objects): enough that every hot loop exhausts V8's tier-up budget
/// (`--wasm-tiering-budget`, 1.8 M, spent per loop iteration by the size of its body), small
/// enough to cost little (a 4.4 MB dump).
pub const WARM_UP_OBJECTS: u32 = 1 << 16;

/// [`warm_up`] through `host`, quiet, the first time only (per worker: V8's optimized code
/// stays for its lifetime). Returns whether it ran now.
pub fn warm_up_once(host: &mut dyn Host) -> bool {
    static DONE: AtomicBool = AtomicBool::new(false);
    let first = !DONE.swap(true, Ordering::Relaxed);
    if first {
        host.set_quiet(true);
        warm_up(host);
        host.set_quiet(false);
    }
    first
}

/// Opens [`dump`] in a throwaway [`Service`] and asks what the page asks first (suspects,
/// the dominator tree's top, the histogram), all through `host`: the worker passes its own,
/// quiet ([`Host::set_quiet`]), so that the optimized code is made for the host the real dump
/// meets (measured in the README, "Browser benchmark": with a host of another type the
/// dominators ran on baseline code). Returns whether it opened (a failure only means no
/// warm-up: the real open does not depend on it).
pub fn warm_up(host: &mut dyn Host) -> bool {
    let bytes = dump(WARM_UP_OBJECTS);
    let mut service = Service::new();
    let params = OpenParams {
        name: "warm-up.hprof".into(),
        size: bytes.len() as u64,
        reserved_bytes: 0,
        settings: Default::default(),
    };
    let opened = service
        .request_with::<req::Open>(&params, Some(&mut bytes.as_slice()), host)
        .is_ok_and(|o| matches!(o, OpenOutcome::Opened(_)));
    if opened {
        let _ = service.request_with::<req::Suspects>(&(), None, host);
        let children = ChildrenQuery {
            limit: 100,
            ..Default::default()
        };
        let _ = service.request_with::<req::Children>(&children, None, host);
        let histogram = HistogramQuery {
            limit: 100,
            descending: true,
            ..Default::default()
        };
        let _ = service.request_with::<req::Histogram>(&histogram, None, host);
        // Paths beyond the shortest: `PathFinder::ordered_paths` scans every edge, in one call
        // per suspect (the roots that also hold it) and per "more paths" page. The suspects of
        // the synthetic dump do not ask for them, so on a real dump its first call ran as
        // Liftoff code: 14% of the worker's CPU for the suspects of a 17 M-object dump
        // (`scripts/profile-page.sh`).
        let paths = MorePathsQuery {
            object: deep_object(WARM_UP_OBJECTS),
            include_weak: false,
            offset: 0,
            limit: 10,
        };
        let _ = service.request_with::<req::MorePaths>(&paths, None, host);
    }
    opened
}

/// The id (`0x…`) of the last `Node` of [`dump`]`(objects)`: a leaf deep in its tree (its
/// paths are found by one scan of every edge however many there are).
pub fn deep_object(objects: u32) -> String {
    format!("{:#x}", node_address(objects.max(4) as u64 - 1))
}

/// Where `Node` `i` of [`dump`] lives.
fn node_address(i: u64) -> u64 {
    HEAP + i * 32
}

/// HPROF tags and sub-record tags written here (the format: docs/pipeline.md).
const UTF8: u8 = 0x01;
const LOAD_CLASS: u8 = 0x02;
const HEAP_DUMP_SEGMENT: u8 = 0x1C;
const HEAP_DUMP_END: u8 = 0x2C;
const ROOT_JNI_GLOBAL: u8 = 0x01;
const ROOT_STICKY_CLASS: u8 = 0x05;
const CLASS_DUMP: u8 = 0x20;
const INSTANCE_DUMP: u8 = 0x21;
const OBJECT_ARRAY: u8 = 0x22;
const PRIMITIVE_ARRAY: u8 = 0x23;
const T_OBJECT: u8 = 2;
const T_BYTE: u8 = 8;
const T_INT: u8 = 10;

/// Class and string ids (below every object address).
const OBJECT_CLASS: u64 = 0x100;
const NODE_CLASS: u64 = 0x200;
const ARRAY_CLASS: u64 = 0x300;
const BYTES_CLASS: u64 = 0x400;
/// Objects live from here, 32 bytes apart (addresses, as a JVM's: the sizes come from the gaps).
const HEAP: u64 = 0x1_0000_0000;

/// A synthetic HPROF 1.0.2 dump (8-byte ids) of `objects` objects with a shape that exercises
/// the whole pipeline: a tree of `Node` instances (two references and an int each), half of
/// them with a short `byte[]` payload, cross references (so dominators differ from parents),
/// an `Object[]` holding every 64th node, two GC roots, and the class records they need.
pub fn dump(objects: u32) -> Vec<u8> {
    let n = objects.max(4) as u64;
    let node = node_address;
    // byte[] payloads live after the nodes; the Object[] after those.
    let payload = |i: u64| HEAP + n * 32 + (i / 2) * 32;
    let holder = HEAP + n * 32 + n.div_ceil(2) * 32;

    let mut out = Vec::with_capacity(n as usize * 66 + 20_000);
    out.extend_from_slice(b"JAVA PROFILE 1.0.2\0");
    out.extend_from_slice(&8u32.to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());

    let names: [(u64, &str); 8] = [
        (1, "java/lang/Object"),
        (2, "Node"),
        (3, "[Ljava/lang/Object;"),
        (4, "[B"),
        (5, "left"),
        (6, "right"),
        (7, "value"),
        (8, "payload"),
    ];
    for (id, name) in names {
        let mut body = id.to_be_bytes().to_vec();
        body.extend_from_slice(name.as_bytes());
        record(&mut out, UTF8, &body);
    }
    for (serial, (class, name)) in [
        (OBJECT_CLASS, 1u64),
        (NODE_CLASS, 2),
        (ARRAY_CLASS, 3),
        (BYTES_CLASS, 4),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = (serial as u32 + 1).to_be_bytes().to_vec();
        body.extend_from_slice(&class.to_be_bytes());
        body.extend_from_slice(&0u32.to_be_bytes());
        body.extend_from_slice(&name.to_be_bytes());
        record(&mut out, LOAD_CLASS, &body);
    }

    // The HEAP DUMP SEGMENT is written in place (no second copy of the dump in memory: the
    // warm-up's peak stays in the wasm memory's high-water mark); its length is set at the end.
    out.extend_from_slice(&[HEAP_DUMP_SEGMENT, 0, 0, 0, 0, 0, 0, 0, 0]);
    let body = out.len();
    let heap = &mut out;
    for class in [OBJECT_CLASS, NODE_CLASS, ARRAY_CLASS, BYTES_CLASS] {
        heap.push(ROOT_STICKY_CLASS);
        heap.extend_from_slice(&class.to_be_bytes());
    }
    let fields: &[(u64, u8)] = &[(5, T_OBJECT), (6, T_OBJECT), (8, T_OBJECT), (7, T_INT)];
    class_dump(heap, OBJECT_CLASS, 0, 0, &[]);
    class_dump(heap, NODE_CLASS, OBJECT_CLASS, 28, fields);
    class_dump(heap, ARRAY_CLASS, OBJECT_CLASS, 0, &[]);
    class_dump(heap, BYTES_CLASS, OBJECT_CLASS, 0, &[]);
    for (root, id) in [(node(0), 0x10u64), (holder, 0x11)] {
        heap.push(ROOT_JNI_GLOBAL);
        heap.extend_from_slice(&root.to_be_bytes());
        heap.extend_from_slice(&id.to_be_bytes());
    }
    for i in 0..n {
        // A tree (children 2i+1, 2i+2), and from every third node a reference across it.
        let left = if 2 * i + 1 < n { node(2 * i + 1) } else { 0 };
        let right = match (2 * i + 2 < n, i % 3) {
            (true, _) => node(2 * i + 2),
            (false, 0) => node(i.wrapping_mul(7919) % n),
            (false, _) => 0,
        };
        let bytes = if i % 2 == 0 { payload(i) } else { 0 };
        heap.push(INSTANCE_DUMP);
        heap.extend_from_slice(&node(i).to_be_bytes());
        heap.extend_from_slice(&0u32.to_be_bytes());
        heap.extend_from_slice(&NODE_CLASS.to_be_bytes());
        heap.extend_from_slice(&28u32.to_be_bytes());
        heap.extend_from_slice(&left.to_be_bytes());
        heap.extend_from_slice(&right.to_be_bytes());
        heap.extend_from_slice(&bytes.to_be_bytes());
        heap.extend_from_slice(&(i as u32).to_be_bytes());
    }
    for i in (0..n).step_by(2) {
        heap.push(PRIMITIVE_ARRAY);
        heap.extend_from_slice(&payload(i).to_be_bytes());
        heap.extend_from_slice(&0u32.to_be_bytes());
        heap.extend_from_slice(&8u32.to_be_bytes());
        heap.push(T_BYTE);
        heap.extend_from_slice(&i.to_le_bytes());
    }
    let held: Vec<u64> = (0..n).step_by(64).map(node).collect();
    heap.push(OBJECT_ARRAY);
    heap.extend_from_slice(&holder.to_be_bytes());
    heap.extend_from_slice(&0u32.to_be_bytes());
    heap.extend_from_slice(&(held.len() as u32).to_be_bytes());
    heap.extend_from_slice(&ARRAY_CLASS.to_be_bytes());
    for id in held {
        heap.extend_from_slice(&id.to_be_bytes());
    }
    let len = (out.len() - body) as u32;
    out[body - 4..body].copy_from_slice(&len.to_be_bytes());
    record(&mut out, HEAP_DUMP_END, &[]);
    out
}

/// One top-level record: tag, time offset 0, body length, body.
fn record(out: &mut Vec<u8>, tag: u8, body: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(body);
}

/// A CLASS DUMP sub-record without constant pool or statics; `fields`: (name id, type).
fn class_dump(heap: &mut Vec<u8>, class: u64, superclass: u64, size: u32, fields: &[(u64, u8)]) {
    heap.push(CLASS_DUMP);
    heap.extend_from_slice(&class.to_be_bytes());
    heap.extend_from_slice(&0u32.to_be_bytes());
    heap.extend_from_slice(&superclass.to_be_bytes());
    // Loader, signers, protection domain, two reserved ids.
    heap.extend_from_slice(&[0u8; 5 * 8]);
    heap.extend_from_slice(&size.to_be_bytes());
    heap.extend_from_slice(&0u16.to_be_bytes()); // constant pool
    heap.extend_from_slice(&0u16.to_be_bytes()); // statics
    heap.extend_from_slice(&(fields.len() as u16).to_be_bytes());
    for &(name, ty) in fields {
        heap.extend_from_slice(&name.to_be_bytes());
        heap.push(ty);
    }
}
