//! "Keep this analysis on this computer", the worker's plain-Rust half (issue 18): the sealed
//! snapshot `Service::write_kept` writes reopens (`Service::restore_kept`) into a service that
//! answers like the one that analyzed the dump, under the file's current name, with no phase
//! run; its manifest describes the dump; a damaged or truncated kept file is an error that
//! leaves no dump open (the page then deletes it and analyzes the dump). The OPFS glue around
//! it is tested by tests/browser/keep.test.mjs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use heaplens_web::protocol::*;
use heaplens_web::worker::{NullHost, Service};

fn open(bytes: &[u8], name: &str, settings: OpenSettings) -> (Service, Box<Overview>) {
    let (s, r) = common::open_bytes(bytes, name, settings);
    (s, common::opened(r))
}

const KEY: &str = "00112233445566778899aabbccddeeff";

fn keep(s: &mut Service) -> (Vec<u8>, KeptManifest) {
    let (plan, manifest) = s
        .prepare_keep(KEY.into(), 1.7e12, &mut NullHost)
        .expect("a dump is open");
    let mut file = Vec::new();
    s.write_kept(&plan, &mut |p| file.extend_from_slice(p));
    (file, manifest)
}

fn reopen(file: &[u8], name: &str) -> (Service, Result<OpenOutcome, String>) {
    let mut s = Service::new();
    let mut src: &[u8] = file;
    let r = s.restore_kept(&mut src, name.into(), &mut NullHost);
    (s, r)
}

#[test]
fn a_kept_analysis_reopens_like_the_original() {
    for (name, sizes) in [
        ("queue_backlog", heaplens::graph::SizeMode::Jvm),
        ("retry_buffer", heaplens::graph::SizeMode::Mat),
    ] {
        let gz = common::incident(name);
        let settings = OpenSettings {
            sizes,
            ..Default::default()
        };
        let (mut s, before) = open(&gz, &format!("{name}.hprof.gz"), settings);
        let suspects = s.request::<req::Suspects>(&()).unwrap();
        let hist_query = HistogramQuery {
            limit: 50,
            descending: true,
            ..Default::default()
        };
        let hist = s.request::<req::Histogram>(&hist_query).unwrap();
        let (file, manifest) = keep(&mut s);
        assert_eq!(manifest.snapshot_bytes, file.len() as u64, "{name}");
        assert_eq!(manifest.key, KEY);
        assert_eq!(manifest.format, heaplens::graph::SNAPSHOT_FORMAT);
        assert_eq!(manifest.name, format!("{name}.hprof.gz"));
        assert_eq!(manifest.size, gz.len() as u64);
        assert_eq!(manifest.objects, before.summary.objects_total);
        assert_eq!(manifest.settings, settings);
        drop(s);

        let (mut fresh, r) = reopen(&file, "renamed.hprof.gz");
        let mut after = match r.unwrap() {
            OpenOutcome::Opened(o) => o,
            OpenOutcome::Failed(e) => panic!("{name}: {e:?}"),
        };
        assert_eq!(after.file_name, "renamed.hprof.gz");
        assert!(after.phases.is_empty(), "{name}: no phase ran");
        assert_eq!(after.settings, settings);
        // Everything else is the original's; only the name, clocks and memory may differ.
        after.file_name = before.file_name.clone();
        after.phases = before.phases.clone();
        after.analysis_ms = before.analysis_ms;
        after.memory_bytes = before.memory_bytes;
        after.wasm_memory_bytes = before.wasm_memory_bytes;
        assert_eq!(after, before, "{name}");
        assert!(fresh.suspects_ready(), "{name}: the suspects are kept");
        assert_eq!(fresh.request::<req::Suspects>(&()).unwrap(), suspects);
        assert_eq!(fresh.request::<req::Histogram>(&hist_query).unwrap(), hist);
    }
}

#[test]
fn a_damaged_kept_file_is_an_error_and_no_dump_stays_open() {
    let gz = common::incident("retry_buffer");
    let (mut s, _) = open(&gz, "retry_buffer.hprof.gz", OpenSettings::default());
    let (file, _) = keep(&mut s);
    let n = file.len();
    let mut flipped = file.clone();
    flipped[n / 2] ^= 0x01;
    let cases: [(&str, &[u8]); 4] = [
        ("truncated", &file[..n / 2]),
        ("flipped", &flipped),
        ("empty", &[]),
        (
            "not a snapshot",
            b"{\"name\":\"x\"} and then some bytes, not a snapshot",
        ),
    ];
    for (what, bytes) in cases {
        let (mut fresh, r) = reopen(bytes, "x.hprof");
        let e = r.expect_err(what);
        assert!(e.contains("kept"), "{what}: {e}");
        assert!(fresh.request::<req::Summary>(&()).is_err(), "{what}");
    }
    // Through the wire, the kept methods are the browser worker's (no OPFS here).
    let e = Service::new()
        .request::<req::Keep>(&KeepParams { key: KEY.into() })
        .unwrap_err();
    assert!(e.contains("browser"), "{e}");
}
