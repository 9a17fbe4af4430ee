//! Graph snapshots (`graph::snapshot`): every fixture round-trips to the same report, and damaged
//! snapshots are errors, never panics. `cargo test --test snapshot -- --nocapture` prints the
//! size per object and the write/read speeds.

mod common;

use heaplens::graph::{
    build_from_bytes, read_snapshot, snapshot_len, write_snapshot, Dominance, HeapGraph, Snapshot,
    SnapshotError, SnapshotErrorKind,
};
use heaplens::report::{build_report, ReportOptions};
use std::time::Instant;

const FIXTURES: [&str; 6] = [
    "classloader_leak",
    "healthy_app",
    "queue_backlog",
    "retry_buffer",
    "thread_explosion",
    "threadlocal_leak",
];

fn load(name: &str) -> (HeapGraph, Dominance) {
    let bytes = common::read_fixture(&format!("{name}.hprof.gz"));
    let g = build_from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let d = Dominance::compute(&g);
    (g, d)
}

fn report_json(g: &HeapGraph, d: &Dominance) -> String {
    serde_json::to_string(&build_report(g, d, &ReportOptions::default()))
        .expect("report serializes")
}

/// The sink's pieces, as written.
fn write_pieces(g: &HeapGraph, d: &Dominance, extra: &[u8]) -> Vec<Vec<u8>> {
    let mut pieces = Vec::new();
    write_snapshot(g, d, extra, &mut |p| pieces.push(p.to_vec()));
    pieces
}

/// Reads `bytes` from a source that holds them in pieces of odd sizes (so the reader's requests
/// straddle piece boundaries), failing when asked for bytes past the end.
fn read_chunked(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    const SIZES: [usize; 6] = [1, 7, 4093, 65_537, 3, (1 << 20) + 11];
    let mut chunks: Vec<&[u8]> = Vec::new();
    let (mut at, mut k) = (0, 0);
    while at < bytes.len() {
        let end = (at + SIZES[k % SIZES.len()]).min(bytes.len());
        chunks.push(&bytes[at..end]);
        at = end;
        k += 1;
    }
    let (mut chunk, mut within) = (0usize, 0usize);
    read_snapshot(&mut |buf: &mut [u8]| {
        let mut filled = 0;
        while filled < buf.len() {
            let Some(c) = chunks.get(chunk) else {
                return Err(format!(
                    "end of input after {} of {} bytes",
                    filled,
                    buf.len()
                ));
            };
            let n = (c.len() - within).min(buf.len() - filled);
            buf[filled..filled + n].copy_from_slice(&c[within..within + n]);
            filled += n;
            within += n;
            if within == c.len() {
                chunk += 1;
                within = 0;
            }
        }
        Ok(())
    })
}

/// Reads from one contiguous slice (the fast path for timing and the damage tests).
fn read_slice(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let mut at = 0usize;
    read_snapshot(&mut |buf: &mut [u8]| {
        let src = bytes
            .get(at..at + buf.len())
            .ok_or_else(|| format!("only {} bytes", bytes.len()))?;
        buf.copy_from_slice(src);
        at += buf.len();
        Ok(())
    })
}

#[test]
fn every_fixture_round_trips_to_the_same_report() {
    for name in FIXTURES {
        let (g, d) = load(name);
        let extra: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let pieces = write_pieces(&g, &d, &extra);
        let bytes: Vec<u8> = pieces.concat();
        assert_eq!(
            bytes.len() as u64,
            snapshot_len(&g, &d, &extra),
            "{name}: snapshot_len"
        );
        // Big columns go out in big pieces: a handful per MiB at most.
        assert!(
            pieces.len() <= 16 + 4 * (bytes.len() >> 20),
            "{name}: {} pieces for {} bytes",
            pieces.len(),
            bytes.len()
        );

        let s = read_chunked(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.extra, extra, "{name}: extra payload");
        assert_eq!(s.graph.node_count(), g.node_count(), "{name}");
        assert_eq!(s.dominance.reachable, d.reachable, "{name}");
        assert!(
            s.graph.heap_bytes() <= g.heap_bytes(),
            "{name}: {} > {}",
            s.graph.heap_bytes(),
            g.heap_bytes()
        );
        assert!(s.dominance.heap_bytes() <= d.heap_bytes(), "{name}");
        assert!(
            report_json(&s.graph, &s.dominance) == report_json(&g, &d),
            "{name}: reports differ"
        );
        // Nothing is lost or reordered: the restored graph writes the very same bytes.
        assert!(
            write_pieces(&s.graph, &s.dominance, &s.extra).concat() == bytes,
            "{name}: re-written snapshot differs"
        );
    }
}

/// A restored graph reads fields from the dump again, as the graph it was written from: the
/// record locations travel in the snapshot (the page queries after the hand-over).
#[test]
fn restored_graph_reads_fields_from_the_dump() {
    use heaplens::hprof::reread::{MemorySource, ObjectSource};
    use heaplens::query::{execute, Cell, QueryEnv};
    let bytes = common::read_fixture("retry_buffer.hprof.gz");
    let (g, d) = load("retry_buffer");
    let s = read_chunked(&write_pieces(&g, &d, &[]).concat()).unwrap();
    assert!(!s.graph.locations.is_empty());
    assert_eq!(s.graph.locations.breaks(), g.locations.breaks());
    assert_eq!(s.graph.locations.heap_bytes(), g.locations.heap_bytes());
    let mut src = MemorySource::from_stored(&bytes).unwrap();
    // The fixture program numbered 2,000 batches `batch-000001`… with a 4 KiB payload each.
    let text =
        "SELECT b.sequence, toString(b.id), b.payload.@length FROM com.example.retry.ResultBatch b";
    let mut run = |g: &HeapGraph, d: &Dominance| {
        let env = QueryEnv {
            graph: g,
            dominance: Some(d),
            source: Some(&mut src as &mut dyn ObjectSource),
            cancel: None,
        };
        execute(env, text, 0, 10_000).unwrap()
    };
    let before = run(&g, &d);
    let after = run(&s.graph, &s.dominance);
    assert_eq!(after, before);
    assert_eq!(after.total, 2000);
    for row in &after.rows {
        let Cell::Int(seq) = row[0] else {
            panic!("{row:?}")
        };
        assert_eq!(row[1], Cell::Str(format!("batch-{seq:06}")));
        assert_eq!(row[2], Cell::Int(4096));
    }
}

/// Damage anywhere (the locations columns included) is an error or a snapshot, never a panic;
/// damaged location columns are checked on reading (`ObjectLocations::check`, unit-tested).
#[test]
fn damage_anywhere_never_panics() {
    let (g, d) = load("threadlocal_leak");
    let bytes = write_pieces(&g, &d, &[]).concat();
    for at in (0..bytes.len()).step_by(bytes.len() / 400 + 1) {
        let mut bad = bytes.clone();
        bad[at] ^= 0x5A;
        let _ = read_slice(&bad);
    }
}

#[test]
fn empty_extra_and_huge_extra() {
    let (g, d) = load("threadlocal_leak");
    let s = read_slice(&write_pieces(&g, &d, &[]).concat()).unwrap();
    assert!(s.extra.is_empty());
    // Payloads around the writer's piece size (1 MiB), after the header in its buffer.
    for len in [(1 << 19) - 1, 1 << 19, (1 << 20) - 30, (1 << 20) + 3] {
        let extra: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
        let s = read_chunked(&write_pieces(&g, &d, &extra).concat())
            .unwrap_or_else(|e| panic!("{len}: {e}"));
        assert!(s.extra == extra, "payload of {len} bytes");
    }
    let big = vec![0xA5u8; 3 << 20];
    let pieces = write_pieces(&g, &d, &big);
    assert!(
        pieces.iter().any(|p| p.len() == big.len()),
        "a big payload goes out as one piece"
    );
    assert_eq!(read_slice(&pieces.concat()).unwrap().extra, big);
}

#[test]
fn truncated_snapshots_are_errors() {
    let (g, d) = load("threadlocal_leak");
    let bytes = write_pieces(&g, &d, b"extra").concat();
    let mut cuts: Vec<usize> = (0..=64).collect();
    cuts.extend((0..200).map(|k| k * bytes.len() / 200));
    cuts.push(bytes.len() - 1);
    for cut in cuts {
        match read_slice(&bytes[..cut]) {
            Ok(_) => panic!("a snapshot cut at {cut} of {} read back", bytes.len()),
            Err(e) => assert!(
                matches!(
                    e.kind,
                    SnapshotErrorKind::Source(_) | SnapshotErrorKind::TooLong { .. }
                ),
                "cut at {cut}: {e}"
            ),
        }
    }
    // Longer sources are fine: the reader stops at the snapshot's end.
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"trailing");
    assert!(read_slice(&longer).is_ok());
}

#[test]
fn damaged_headers_and_lengths_never_panic() {
    let (g, d) = load("threadlocal_leak");
    let bytes = write_pieces(&g, &d, b"extra").concat();
    // Header, extra-payload length and the start of the metadata, byte by byte.
    let mut positions: Vec<usize> = (0..256).collect();
    // Column lengths: the u64 counts equal to the node count, node count + 1, edges, reachable.
    let n = g.node_count() as u64;
    for len in [n, n + 1, g.stats.edges, d.reachable as u64] {
        let pat = len.to_le_bytes();
        for at in bytes
            .windows(8)
            .enumerate()
            .filter(|(_, w)| *w == pat)
            .map(|(i, _)| i)
        {
            positions.extend(at..at + 8);
        }
    }
    assert!(positions.len() > 256 + 8 * 6, "found the column lengths");
    let mut errors = 0;
    for &at in &positions {
        for flip in [0x01u8, 0x80, 0xFF] {
            let mut bad = bytes.clone();
            bad[at] ^= flip;
            if read_slice(&bad).is_err() {
                errors += 1;
            }
        }
    }
    assert!(
        errors > positions.len(),
        "most damage is detected ({errors} of {})",
        3 * positions.len()
    );

    let e = read_slice(&common::read_fixture("threadlocal_leak.hprof.gz")).unwrap_err();
    assert_eq!(e.kind, SnapshotErrorKind::BadMagic);
    assert_eq!((e.offset, e.what), (0, "header"));
    assert!(e.to_string().contains("not a heaplens snapshot"), "{e}");
    let mut old = bytes.clone();
    old[8] = 0;
    assert_eq!(
        read_slice(&old).unwrap_err().kind,
        SnapshotErrorKind::UnsupportedVersion(0)
    );
    assert!(matches!(
        read_slice(&[]).unwrap_err().kind,
        SnapshotErrorKind::Source(_)
    ));
}

/// Best of five (seconds): writing into a buffer of the final size, reading from a slice.
fn time_write_read(g: &HeapGraph, d: &Dominance) -> (usize, f64, f64) {
    let len = snapshot_len(g, d, &[]) as usize;
    let mut best_w = f64::MAX;
    let mut best_r = f64::MAX;
    let mut out = Vec::with_capacity(len);
    for _ in 0..5 {
        out.clear();
        let t = Instant::now();
        write_snapshot(g, d, &[], &mut |p| out.extend_from_slice(p));
        best_w = best_w.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let s = read_slice(&out).unwrap();
        best_r = best_r.min(t.elapsed().as_secs_f64());
        drop(s);
    }
    (len, best_w, best_r)
}

/// Not an assertion: bytes per object and speeds (`-- --nocapture`).
#[test]
fn measure() {
    for name in FIXTURES {
        let (g, d) = load(name);
        let (len, best_w, best_r) = time_write_read(&g, &d);
        let mb = len as f64 / 1e6;
        eprintln!(
            "{name:>18}: {} objects, {} edges, snapshot {len} B = {:.2} B/object (graph {:.2} + dominance {:.2} B/object kept); write {:.0} MB/s, read {:.0} MB/s",
            g.node_count(),
            g.stats.edges,
            len as f64 / g.node_count() as f64,
            g.heap_bytes() as f64 / g.node_count() as f64,
            d.heap_bytes() as f64 / g.node_count() as f64,
            mb / best_w,
            mb / best_r,
        );
    }
    // The per-object part alone (what dominates big dumps): without the dump's metadata
    // (symbols, frames: a fixed ~2.3 MB here) and the class table.
    let (g, d) = load("queue_backlog");
    let mut s = read_slice(&write_pieces(&g, &d, &[]).concat()).unwrap();
    s.graph.meta = Default::default();
    s.graph.classes.clear();
    let (len, w, r) = time_write_read(&s.graph, &s.dominance);
    eprintln!(
        "queue_backlog columns only: {len} B = {:.2} B/object; write {:.0} MB/s, read {:.0} MB/s",
        len as f64 / g.node_count() as f64,
        len as f64 / 1e6 / w,
        len as f64 / 1e6 / r,
    );
}
