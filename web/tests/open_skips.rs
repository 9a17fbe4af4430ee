//! Opening an uncompressed dump reads pass 2 around the primitive-array contents it does not
//! need: the worker's reads never touch those ranges, and the analysis is the one of the whole
//! file (the same dump gzip-compressed, which is read whole).
#![cfg(not(target_arch = "wasm32"))]

use heaplens_web::protocol::*;
use heaplens_web::worker::{DumpSource, NullHost, Service};
use std::io::Read;

fn gz_fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/{name}.hprof.gz",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The file's bytes, noting every read (offset, bytes returned).
struct Logged<'a> {
    bytes: &'a [u8],
    reads: Vec<(u64, usize)>,
}

impl DumpSource for Logged<'_> {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        let n = self.bytes.read_at(offset, buf)?;
        self.reads.push((offset, n));
        Ok(n)
    }
}

fn open(bytes: &[u8], name: &str) -> (Service, Overview, Vec<(u64, usize)>) {
    let mut s = Service::new();
    let mut src = Logged {
        bytes,
        reads: Vec::new(),
    };
    let r = s
        .request_with::<req::Open>(
            &OpenParams {
                name: name.into(),
                size: bytes.len() as u64,
                settings: Default::default(),
                reserved_bytes: 0,
            },
            Some(&mut src as &mut dyn DumpSource),
            &mut NullHost,
        )
        .expect("an open request is answered");
    let OpenOutcome::Opened(o) = r else {
        panic!("{name}: {r:?}")
    };
    (s, *o, src.reads)
}

#[test]
fn pass_two_reads_around_the_arrays_it_does_not_need() {
    // oom_export holds two 8 MiB byte[] export buffers: 18.9 MB of its 23.0 MB.
    let gz = gz_fixture("oom_export");
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    let (mut s_raw, raw_o, reads) = open(&raw, "oom_export.hprof");
    let (mut s_gz, gz_o, _) = open(&gz, "oom_export.hprof.gz");

    // Pass 1 reads the whole file from 0; pass 2 starts again at 0 and leaves out the contents
    // of the export buffer and of the giant byte[] that failed to fit (the fixture's facts).
    let facts: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{}/../tests/fixtures/oom_export.facts.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let left_out =
        facts["export_buffer_capacity"].as_u64().unwrap() + facts["giant_length"].as_u64().unwrap();
    let restart = reads.iter().skip(1).position(|r| r.0 == 0).unwrap() + 1;
    let (pass1, pass2) = reads.split_at(restart);
    let read = |r: &[(u64, usize)]| r.iter().map(|x| x.1 as u64).sum::<u64>();
    assert_eq!(read(pass1), raw.len() as u64);
    assert_eq!(read(pass2), raw.len() as u64 - left_out);
    assert!(pass2.windows(2).all(|w| w[0].0 + w[0].1 as u64 <= w[1].0));

    // The same analysis as of the whole (compressed) file.
    let strip = |o: &Overview| {
        let mut v = serde_json::to_value(o).unwrap();
        for k in [
            "file_name",
            "file_size",
            "phases",
            "analysis_ms",
            "warnings",
        ] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(strip(&raw_o), strip(&gz_o));
    let h = |s: &mut Service| {
        s.request::<req::Histogram>(&HistogramQuery {
            limit: MAX_PAGE,
            descending: true,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(
        serde_json::to_string(&h(&mut s_raw)).unwrap(),
        serde_json::to_string(&h(&mut s_gz)).unwrap()
    );
}
