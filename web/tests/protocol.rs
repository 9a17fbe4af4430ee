//! The worker protocol in a real browser, inside a dedicated Web Worker (where the analysis
//! runs): messages survive the actual transport (a `MessageChannel`, the same structured-clone
//! path as `Worker.postMessage`) and look, to JavaScript, like the documented JSON; a dump posted
//! as a `Blob` next to the JSON text is read in slices (`FileReaderSync`, and the worker's own
//! asynchronous read-ahead) and analyzed; the
//! replies and progress messages decode on the other side.
//!
//! Runs in headless Chromium: `cargo test -p heaplens-web --target wasm32-unknown-unknown`
//! (runner and driver set up by `.cargo/config.toml`, `web/webdriver.json`, scripts/test.sh).
#![cfg(target_arch = "wasm32")]

use futures_channel::oneshot;
use heaplens_web::protocol::*;
use heaplens_web::reader_worker;
use heaplens_web::worker::entry::{open_async, split_message, BlobSource};
use heaplens_web::worker::reader::{ReaderPort, Slices};
use heaplens_web::worker::{DumpSource, Host, Service};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::{Blob, MessageChannel, MessageEvent};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// A real incident dump (1.3 MB gzip), compiled into the test.
const RETRY_BUFFER: &[u8] = include_bytes!("../../tests/fixtures/retry_buffer.hprof.gz");

/// Post `value` through a real `MessageChannel` and return what arrives on the other side.
async fn through_channel(value: &JsValue) -> JsValue {
    let channel = MessageChannel::new().unwrap();
    let (tx, rx) = oneshot::channel::<JsValue>();
    let tx = std::cell::Cell::new(Some(tx));
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(e.data());
        }
    });
    channel
        .port2()
        .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    channel.port1().post_message(value).unwrap();
    let data = rx.await.unwrap();
    channel.port1().close();
    channel.port2().close();
    data
}

async fn text_through_channel(text: &str) -> String {
    through_channel(&JsValue::from_str(text))
        .await
        .as_string()
        .expect("a string arrives as a string")
}

fn blob_of(bytes: &[u8]) -> Blob {
    let array = js_sys::Uint8Array::from(bytes);
    Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&array)).unwrap()
}

/// Collects progress and serves the clock, like the worker's host.
#[derive(Default)]
struct Recorder {
    seen: Vec<Progress>,
    quiet: bool,
}

impl Host for Recorder {
    fn now_ms(&mut self) -> f64 {
        js_sys::Date::now()
    }
    fn progress(&mut self, p: &Progress) {
        // As the worker's host: nothing of the warm-up's synthetic dump (`worker::warm`).
        if !self.quiet {
            self.seen.push(p.clone());
        }
    }
    fn set_quiet(&mut self, quiet: bool) {
        self.quiet = quiet;
    }
}

#[wasm_bindgen_test]
async fn request_round_trips_through_a_message_channel() {
    let sent = ToWorker::new::<req::Ping>(
        42,
        &PingParams {
            echo: "héllo \u{1F600} \"q\"".into(),
        },
    );
    let text = text_through_channel(&encode(&sent)).await;
    assert_eq!(decode::<ToWorker>(&text).unwrap(), sent);
}

#[wasm_bindgen_test]
async fn worker_service_answers_ping_over_the_wire() {
    // What the worker glue does, minus the Worker: decode, handle, encode, transport, decode.
    let request = decode::<ToWorker>(
        &text_through_channel(&encode(&ToWorker::new::<req::Ping>(
            1,
            &PingParams { echo: "x".into() },
        )))
        .await,
    )
    .unwrap();
    let reply = FromWorker::Reply {
        id: request.id,
        result: Service::new().handle(&request),
    };
    let back = text_through_channel(&encode(&reply)).await;
    assert_eq!(
        decode::<FromWorker>(&back).unwrap(),
        FromWorker::Reply {
            id: 1,
            result: Ok(serde_json::json!("x"))
        }
    );
}

#[wasm_bindgen_test]
fn javascript_sees_the_documented_shape() {
    let text = encode(&FromWorker::Ready {
        protocol: PROTOCOL_VERSION,
        version: "9.9.9".into(),
    });
    let obj = js_sys::JSON::parse(&text).unwrap();
    let get = |k: &str| js_sys::Reflect::get(&obj, &k.into()).unwrap();
    assert_eq!(get("type").as_string().as_deref(), Some("ready"));
    assert_eq!(get("protocol").as_f64(), Some(PROTOCOL_VERSION as f64));
    assert_eq!(get("version").as_string().as_deref(), Some("9.9.9"));
    let open = js_sys::JSON::parse(&encode(&ToWorker::new::<req::Open>(
        3,
        &OpenParams {
            name: "a".into(),
            size: 1,
            settings: Default::default(),
            reserved_bytes: 0,
        },
    )))
    .unwrap();
    let method = js_sys::Reflect::get(&open, &"method".into()).unwrap();
    assert_eq!(method.as_string().as_deref(), Some("open"));
    let params = js_sys::Reflect::get(&open, &"params".into()).unwrap();
    assert_eq!(
        js_sys::Reflect::get(&params, &"name".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("a")
    );
}

#[wasm_bindgen_test]
async fn a_dump_travels_next_to_the_json_not_inside_it() {
    // As `Engine::request_with` posts it: `[json, blob]`; structured clone keeps the Blob a Blob.
    let request = ToWorker::new::<req::Open>(
        7,
        &OpenParams {
            name: "retry_buffer.hprof.gz".into(),
            size: RETRY_BUFFER.len() as u64,
            settings: Default::default(),
            reserved_bytes: 0,
        },
    );
    let text = encode(&request);
    assert!(text.len() < 200, "the JSON carries no bytes: {text}");
    let message = js_sys::Array::of2(&JsValue::from_str(&text), &blob_of(RETRY_BUFFER));
    let (text, blob) = split_message(through_channel(&message).await);
    assert_eq!(decode::<ToWorker>(&text.unwrap()).unwrap(), request);
    assert_eq!(
        blob.expect("the blob arrives")
            .dyn_into::<Blob>()
            .expect("a Blob")
            .size() as usize,
        RETRY_BUFFER.len()
    );
    // A plain text message has no attachment.
    let (text, blob) = split_message(JsValue::from_str("{}"));
    assert_eq!((text.as_deref(), blob.is_none()), (Some("{}"), true));
}

#[wasm_bindgen_test]
fn blob_source_reads_slices_with_file_reader_sync() {
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut src = BlobSource::new(blob_of(&bytes));
    assert_eq!(src.size(), bytes.len() as u64);
    let mut buf = vec![0u8; 4096];
    for offset in [0u64, 1, 4095, 50_000, 99_000] {
        let n = src.read_at(offset, &mut buf).unwrap();
        let end = (offset as usize + 4096).min(bytes.len());
        assert_eq!(n, end - offset as usize);
        assert_eq!(&buf[..n], &bytes[offset as usize..end]);
    }
    assert_eq!(src.read_at(100_000, &mut buf).unwrap(), 0);
}

/// Takes every slice of `reads` from `slices`, checks it against `bytes`, then the end.
async fn read_all(mut slices: Slices<'_>, reads: &[(u64, u64)], bytes: &[u8], what: &str) {
    for &(at, len) in reads {
        let got = slices.next().await.expect("a slice").expect("readable");
        let got = js_sys::Uint8Array::new(&got).to_vec();
        assert_eq!(got, &bytes[at as usize..(at + len) as usize], "{what}");
    }
    assert!(slices.next().await.is_none(), "{what}");
}

/// The dump's slices, read ahead by a file reader (`reader_worker`, started here as the page
/// starts it) or by the analysis worker: every asked range, in order, whatever the depth; then
/// no more. One reader serves job after job: a job dropped after its first slice leaves nothing
/// behind for the next.
#[wasm_bindgen_test]
async fn slices_arrive_in_order_from_either_reader() {
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 253) as u8).collect();
    let blob = blob_of(&bytes);
    // Ranges with gaps (pass 2 reads around skipped payloads), one empty, one at the end.
    let reads = vec![
        (0u64, 1000u64),
        (1000, 65_536),
        (70_000, 3),
        (70_003, 0),
        (100_000, 150_000),
        (299_990, 10),
    ];
    let (reader, port) = reader_worker::start().expect("a file reader starts");
    let port = ReaderPort::new(port);
    for (by_reader, depth) in [(true, 1usize), (true, 3), (false, 2)] {
        let slices = Slices::start(&blob, reads.clone(), depth, by_reader.then_some(&port));
        assert_eq!(matches!(slices, Slices::ByReader(_)), by_reader);
        read_all(slices, &reads, &bytes, &format!("{by_reader}/{depth}")).await;
    }
    for round in 0..3 {
        let mut dropped = Slices::start(&blob, reads.clone(), 1, Some(&port));
        assert!(dropped.next().await.unwrap().is_ok());
        drop(dropped);
        let slices = Slices::start(&blob, reads[3..].to_vec(), 2, Some(&port));
        read_all(
            slices,
            &reads[3..],
            &bytes,
            &format!("after a dropped job, {round}"),
        )
        .await;
    }
    reader.terminate();
}

/// A file reader that never answers (nothing listens at the channel's other end): after the
/// stall time the analysis worker reads the slices itself, all of them in order, and the next
/// pass does not ask that reader again.
#[wasm_bindgen_test]
async fn slices_are_read_in_the_worker_when_the_reader_stalls() {
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let blob = blob_of(&bytes);
    let reads = vec![(0u64, 40_000u64), (40_000, 10), (50_000, 50_000)];
    let channel = web_sys::MessageChannel::new().expect("a channel");
    let port = ReaderPort::with_stall_ms(channel.port1(), 50);
    let slices = Slices::start(&blob, reads.clone(), 2, Some(&port));
    assert!(matches!(slices, Slices::ByReader(_)));
    read_all(slices, &reads, &bytes, "stalled reader").await;
    let next_pass = Slices::start(&blob, reads.clone(), 2, Some(&port));
    assert!(
        matches!(next_pass, Slices::InWorker(_)),
        "a stalled reader is not asked again"
    );
    read_all(next_pass, &reads, &bytes, "after the stall").await;
}

#[wasm_bindgen_test]
async fn a_dump_is_analyzed_from_a_blob_in_the_worker() {
    let mut service = Service::new();
    let mut host = Recorder::default();
    let mut src = BlobSource::new(blob_of(RETRY_BUFFER));
    let request = ToWorker::new::<req::Open>(
        9,
        &OpenParams {
            name: "retry_buffer.hprof.gz".into(),
            size: RETRY_BUFFER.len() as u64,
            settings: Default::default(),
            reserved_bytes: 0,
        },
    );
    let result = service.handle_with(&request, Some(&mut src as &mut dyn DumpSource), &mut host);
    let Ok(OpenOutcome::Opened(overview)) = result.clone().and_then(response_of::<req::Open>)
    else {
        panic!("{result:?}")
    };
    assert_eq!(overview.file_size, RETRY_BUFFER.len() as u64);
    assert!(overview.summary.objects_total > 10_000);
    assert!(
        overview.summary.warnings.is_empty(),
        "{:?}",
        overview.summary.warnings
    );
    // Progress went out for every phase, and survives the wire.
    let phases: Vec<Phase> = host.seen.iter().map(|p| p.phase).collect();
    for phase in [
        Phase::Indexing,
        Phase::Linking,
        Phase::Dominators,
        Phase::Analyses,
    ] {
        assert!(phases.contains(&phase), "{phase:?} missing from {phases:?}");
    }
    let last = FromWorker::Progress(host.seen.last().unwrap().clone());
    assert_eq!(
        decode::<FromWorker>(&text_through_channel(&encode(&last)).await).unwrap(),
        last
    );
    // The reply, through the wire.
    let reply = FromWorker::Reply { id: 9, result };
    assert_eq!(
        decode::<FromWorker>(&text_through_channel(&encode(&reply)).await).unwrap(),
        reply
    );

    // The leak suspect, and a page of the dominator tree.
    let s = service.request::<req::Suspects>(&()).unwrap();
    let first = &s.suspects[0];
    assert_eq!(first.pattern.label(), "collection accumulation");
    assert!(
        first
            .explanation
            .contains("com.example.retry.RetryingPublisher.pendingBatches"),
        "{}",
        first.explanation
    );
    let page = service
        .request::<req::Children>(&ChildrenQuery {
            limit: 5,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.rows.len(), 5);
    assert!(page.rows[0].retained >= page.rows[1].retained);
}

/// The worker's own path: `Blob.arrayBuffer()` reads kept in flight ahead of the parser, by a
/// file reader (started here as the page starts it) or by the analysis worker itself. Slices of an odd size (so records and
/// gzip blocks straddle them) and 1 to 4 reads ahead give the same analysis as the synchronous
/// reader.
#[wasm_bindgen_test]
async fn a_dump_read_ahead_asynchronously_gives_the_same_analysis() {
    let blob = blob_of(RETRY_BUFFER);
    let mut sync = Service::new();
    let mut src = BlobSource::new(blob.clone());
    let params = OpenParams {
        name: "r.hprof.gz".into(),
        size: RETRY_BUFFER.len() as u64,
        settings: Default::default(),
        reserved_bytes: 0,
    };
    let Ok(OpenOutcome::Opened(expected)) = sync.request_with::<req::Open>(
        &params,
        Some(&mut src as &mut dyn DumpSource),
        &mut Recorder::default(),
    ) else {
        panic!("the synchronous open failed")
    };
    let runs = [
        (65_537usize, 1usize, true),
        (300_001, 4, true),
        (8 << 20, 3, true),
        (65_537, 1, false),
        (300_001, 4, false),
    ];
    for (chunk, ahead, by_reader) in runs {
        let reader = by_reader.then(|| reader_worker::start().expect("a file reader starts"));
        let service = std::cell::RefCell::new(Service::new());
        let mut host = Recorder::default();
        let response = open_async(
            &service,
            OpenParams {
                name: "r.hprof.gz".into(),
                size: RETRY_BUFFER.len() as u64,
                settings: Default::default(),
                reserved_bytes: 0,
            },
            &blob,
            chunk,
            ahead,
            reader.as_ref().map(|r| r.1.clone()),
            &mut host,
        )
        .await;
        if let Some((worker, _)) = reader {
            worker.terminate();
        }
        let OpenOutcome::Opened(got) = response else {
            panic!("{chunk}/{ahead}/{by_reader}: {response:?}")
        };
        assert_eq!(
            (
                got.summary.objects_total,
                got.summary.objects_reachable,
                got.summary.heap_shallow_total,
                got.summary.heap_reachable,
                got.summary.edges
            ),
            (
                expected.summary.objects_total,
                expected.summary.objects_reachable,
                expected.summary.heap_shallow_total,
                expected.summary.heap_reachable,
                expected.summary.edges
            ),
            "{chunk}/{ahead}/{by_reader}"
        );
        // Two passes over the whole file, as progress says.
        let last_bytes = host.seen.iter().map(|p| p.bytes_done).max().unwrap();
        assert_eq!(last_bytes, 2 * RETRY_BUFFER.len() as u64);
        let s = service.borrow_mut().request::<req::Suspects>(&()).unwrap();
        assert!(s.suspects[0]
            .explanation
            .contains("RetryingPublisher.pendingBatches"));
    }
    // A file that is not a dump fails the same way.
    let service = std::cell::RefCell::new(Service::new());
    let junk = blob_of(b"<html>not a heap dump</html>");
    let r = open_async(
        &service,
        OpenParams {
            name: "x.html".into(),
            size: 28,
            settings: Default::default(),
            reserved_bytes: 0,
        },
        &junk,
        5,
        2,
        None,
        &mut Recorder::default(),
    )
    .await;
    let OpenOutcome::Failed(e) = r else {
        panic!("{r:?}")
    };
    assert!(e.not_hprof);
}

#[wasm_bindgen_test]
fn a_file_that_is_not_a_dump_is_an_answer_not_a_crash() {
    let mut service = Service::new();
    let mut src = BlobSource::new(blob_of(b"<html>not a heap dump</html>"));
    let r = service.request_with::<req::Open>(
        &OpenParams {
            name: "x.html".into(),
            size: 28,
            settings: Default::default(),
            reserved_bytes: 0,
        },
        Some(&mut src as &mut dyn DumpSource),
        &mut Recorder::default(),
    );
    let Ok(OpenOutcome::Failed(e)) = r else {
        panic!("{r:?}")
    };
    assert!(e.not_hprof);
    assert!(service.request::<req::Summary>(&()).is_err());
}
