//! The worker's warm-up dump (`worker::warm`): a valid dump whose open goes through the whole
//! pipeline, with the objects, references and roots it was written with.
#![cfg(not(target_arch = "wasm32"))]

use heaplens_web::protocol::*;
use heaplens_web::worker::warm::{deep_object, dump, warm_up, WARM_UP_OBJECTS};
use heaplens_web::worker::{NullHost, Service};

#[test]
fn the_warm_up_dump_opens_with_what_it_holds() {
    let n = 1000u32;
    let bytes = dump(n);
    let mut s = Service::new();
    let params = OpenParams {
        name: "warm-up.hprof".into(),
        size: bytes.len() as u64,
        reserved_bytes: 0,
        settings: Default::default(),
    };
    let o = match s
        .request_with::<req::Open>(&params, Some(&mut bytes.as_slice()), &mut NullHost)
        .unwrap()
    {
        OpenOutcome::Opened(o) => o,
        other => panic!("not opened: {other:?}"),
    };
    // n nodes, n/2 byte[] payloads, one Object[], and the 4 classes.
    assert_eq!(o.summary.objects_total, 1000 + 500 + 1 + 4);
    assert_eq!(o.summary.classes, 4);
    // The tree's 999 child links, 500 payloads, the array's 16 (every 64th of 1000), and the
    // cross references of the childless nodes (i >= 500) with i % 3 == 0: 167 of them.
    let h = s
        .request::<req::Histogram>(&HistogramQuery {
            limit: 10,
            descending: true,
            ..Default::default()
        })
        .unwrap();
    let node = h.rows.iter().find(|r| r.name == "Node").expect("Node row");
    assert_eq!(node.instances, 1000);
    assert_eq!(
        h.rows
            .iter()
            .find(|r| r.name == "byte[]")
            .map(|r| r.instances),
        Some(500)
    );
    // Node 0 (a JNI global root) reaches everything but the Object[] holder (its own root).
    let top = s
        .request::<req::Children>(&ChildrenQuery {
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert!(top.rows.iter().any(|r| r.class == "Node"));
    assert!(s.request::<req::Suspects>(&()).is_ok());
    // The warm-up's "more paths" (`PathFinder::ordered_paths`): the deep leaf has at least its
    // path down the tree from node 0.
    let paths = s
        .request::<req::MorePaths>(&MorePathsQuery {
            object: deep_object(n),
            include_weak: false,
            offset: 0,
            limit: 10,
        })
        .unwrap();
    assert!(paths.total >= 1 && !paths.paths.is_empty(), "{paths:?}");
}

#[test]
fn warm_up_opens_its_dump() {
    // Small: the worker builds it in memory once (53 bytes per node, 26 per byte[]).
    let len = dump(WARM_UP_OBJECTS).len();
    assert!((4 << 20..5 << 20).contains(&len), "{len} bytes");
    assert!(warm_up(&mut NullHost));
}

/// The warm-up runs through the host it is given (the worker passes its own, quiet: V8's
/// optimized code then inlines the calls the real dump makes, `worker::warm`).
#[test]
fn warm_up_goes_through_the_given_host() {
    struct Counting {
        clock: f64,
        reads: usize,
        progress: usize,
    }
    impl heaplens_web::worker::Host for Counting {
        fn now_ms(&mut self) -> f64 {
            self.reads += 1;
            // 40 ms per read: the tracker's rate limit lets progress reports through.
            self.clock += 40.0;
            self.clock
        }
        fn progress(&mut self, _: &Progress) {
            self.progress += 1;
        }
    }
    let mut host = Counting {
        clock: 0.0,
        reads: 0,
        progress: 0,
    };
    assert!(warm_up(&mut host));
    assert!(host.reads > 10, "{} clock reads", host.reads);
    assert!(host.progress > 0);
}
