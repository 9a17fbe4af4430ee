//! The build on two threads (the CLI's `--threads 2`): the reads on a second thread
//! (`graph::feed_pass_ahead`) and pass 2's String previews on another
//! (`GraphBuilder::with_threads`, `graph::strings_ahead`). On every real-JVM dump of the
//! repository, raw and gzip, the graph and dominance are byte-for-byte those of the one-thread
//! build, for reads of 1 MiB, 65,537 and 4,099 bytes (pass 2 reading around the left-out
//! primitive-array contents); a truncated file gives the same graph and warnings; a read error
//! reaches the caller as an I/O error, a parse error as the same typed error at the same offset.

mod common;
use common::gunzip;
use heaplens::graph::{
    feed_pass, feed_pass_ahead, write_snapshot, BuildError, Dominance, GraphBuilder, PassOutcome,
};
use std::io::{Cursor, Read, Seek, SeekFrom};

/// Every real-JVM dump of the repository as stored (gzip): (name, bytes).
fn real_dumps() -> Vec<(String, Vec<u8>)> {
    common::real_dump_names()
        .into_iter()
        .map(|rel| {
            let bytes = common::read_fixture(&rel);
            (rel, bytes)
        })
        .collect()
}

/// The graph and dominance as snapshot bytes, and the build's warnings (or its error).
type Outcome = Result<(Vec<u8>, Vec<String>), String>;

/// Builds from `file` as the CLI does: two passes, pass 2 around the left-out ranges, reads of
/// `buf` bytes, on a second thread when `ahead`; String previews on a second thread when
/// `threads` is 2.
fn build<R: Read + Seek + Send>(file: &mut R, buf: usize, ahead: bool, threads: usize) -> Outcome {
    let size = file.seek(SeekFrom::End(0)).unwrap();
    let mut b = GraphBuilder::new()
        .leaving_out_payloads()
        .with_threads(threads);
    let mut scratch = vec![0u8; buf];
    loop {
        file.seek(SeekFrom::Start(0)).unwrap();
        let fed = if ahead {
            feed_pass_ahead(&mut b, file, size, buf, |_| {})
        } else {
            feed_pass(&mut b, file, size, &mut scratch, |_| {})
        };
        fed.map_err(|e| e.to_string())?;
        if b.end_pass().map_err(|e| e.to_string())? == PassOutcome::Done {
            break;
        }
    }
    let g = b.into_graph().unwrap();
    let d = Dominance::compute(&g);
    let mut snapshot = Vec::new();
    write_snapshot(&g, &d, &[], &mut |p| snapshot.extend_from_slice(p));
    let warnings = g.meta.warnings.iter().map(|w| w.to_string()).collect();
    Ok((snapshot, warnings))
}

#[test]
fn same_graph_with_reads_on_a_second_thread() {
    let mut skipped_somewhere = false;
    for (name, gz) in real_dumps() {
        let raw = gunzip(&gz);
        for buf in [1 << 20, 65_537, 4_099] {
            let one = build(&mut Cursor::new(&raw), buf, false, 1).unwrap();
            let reads = build(&mut Cursor::new(&raw), buf, true, 1).unwrap();
            assert!(one == reads, "{name}, reads of {buf}: graphs differ");
            let both = build(&mut Cursor::new(&raw), buf, true, 2).unwrap();
            assert!(
                one == both,
                "{name}, reads of {buf}, strings ahead: graphs differ"
            );
        }
        let strings = build(&mut Cursor::new(&raw), 65_537, false, 2).unwrap();
        let one = build(&mut Cursor::new(&raw), 65_537, false, 1).unwrap();
        assert!(one == strings, "{name}, strings ahead: graphs differ");
        // Gzip: read whole (its offsets are not the parser's), inflated on the parser's thread.
        let one = build(&mut Cursor::new(&gz), 65_537, false, 1).unwrap();
        let two = build(&mut Cursor::new(&gz), 65_537, true, 2).unwrap();
        assert!(one == two, "{name}, gzip: graphs differ");
        let mut b = GraphBuilder::new().leaving_out_payloads();
        b.feed(&raw).unwrap();
        b.end_pass().unwrap();
        skipped_somewhere |= !b.skips().is_empty();
    }
    assert!(
        skipped_somewhere,
        "no fixture has a range pass 2 leaves out"
    );
}

#[test]
fn truncated_file_same_graph_and_warnings() {
    let raw = gunzip(&common::read_fixture("oom_export.hprof.gz"));
    for cut in [raw.len() / 3, raw.len() / 2 + 7, raw.len() - 1] {
        let part = &raw[..cut];
        let one = build(&mut Cursor::new(part), 65_537, false, 1);
        let two = build(&mut Cursor::new(part), 65_537, true, 2);
        assert_eq!(one, two, "cut at {cut}");
        let (_, warnings) = two.unwrap();
        assert!(!warnings.is_empty(), "cut at {cut}: no truncation warning");
    }
}

#[test]
fn parse_error_is_the_same_typed_error() {
    let mut raw = gunzip(&common::read_fixture("oom_export.hprof.gz"));
    // A record tag no HPROF writer uses, a little way into the records.
    let at = raw.iter().position(|&b| b == 0).unwrap() + 1 + 4 + 8;
    raw[at] = 0xEE;
    let one = build(&mut Cursor::new(&raw), 4_099, false, 1);
    let two = build(&mut Cursor::new(&raw), 4_099, true, 2);
    assert!(one.is_err(), "a bad tag parsed");
    assert_eq!(one, two);
}

/// A reader whose reads fail past `fail_at` bytes.
struct Failing {
    inner: Cursor<Vec<u8>>,
    fail_at: u64,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inner.position() >= self.fail_at {
            return Err(std::io::Error::other("disk gone"));
        }
        let room = (self.fail_at - self.inner.position()) as usize;
        let n = buf.len().min(room);
        self.inner.read(&mut buf[..n])
    }
}

impl Seek for Failing {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

#[test]
fn read_error_reaches_the_caller() {
    let raw = gunzip(&common::read_fixture("oom_export.hprof.gz"));
    let size = raw.len() as u64;
    let mut file = Failing {
        fail_at: size / 2,
        inner: Cursor::new(raw),
    };
    let mut b = GraphBuilder::new().leaving_out_payloads();
    let r = feed_pass_ahead(&mut b, &mut file, size, 65_537, |_| {});
    match r {
        Err(BuildError::Io(e)) => assert_eq!(e.to_string(), "disk gone"),
        other => panic!("expected the read error, got {other:?}"),
    }
    // Everything before the failing read was parsed.
    assert!(b.input_bytes() > size / 3, "parsed {}", b.input_bytes());
}
