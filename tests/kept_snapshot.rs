//! Kept snapshots (`graph::snapshot::seal`, the page's "keep this analysis on this computer"):
//! a sealed snapshot of a real JVM's dump reads back to the same report; a truncated file, a
//! flipped byte anywhere, another format version or a wrong length are typed errors, never a
//! panic and never a graph made of damaged bytes.

mod common;

use heaplens::graph::{
    build_from_bytes, read_sealed, sealed_len, write_sealed, Dominance, HeapGraph, SealError,
    Sealer, Snapshot, SEAL_LEN, SNAPSHOT_FORMAT,
};
use heaplens::report::{build_report, ReportOptions};

fn load(name: &str) -> (HeapGraph, Dominance) {
    let bytes = common::read_fixture(&format!("{name}.hprof.gz"));
    let g = build_from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let d = Dominance::compute(&g);
    (g, d)
}

fn report_json(g: &HeapGraph, d: &Dominance) -> String {
    serde_json::to_string(&build_report(g, d, &ReportOptions::default())).expect("serializes")
}

fn sealed(g: &HeapGraph, d: &Dominance, extra: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_sealed(g, d, extra, &mut |p| out.extend_from_slice(p));
    out
}

/// Reads `file` as the worker reads a kept file: by offset, asked only inside it.
fn read(file: &[u8]) -> Result<Snapshot, SealError> {
    read_sealed(file.len() as u64, &mut |at, buf| {
        let at = at as usize;
        let src = file
            .get(at..at + buf.len())
            .ok_or_else(|| format!("read past the end at {at}"))?;
        buf.copy_from_slice(src);
        Ok(())
    })
}

#[test]
fn a_sealed_snapshot_reads_back_to_the_same_report() {
    for name in ["queue_backlog", "retry_buffer"] {
        let (g, d) = load(name);
        let file = sealed(&g, &d, b"{\"carried\":1}");
        assert_eq!(file.len() as u64, sealed_len(&g, &d, b"{\"carried\":1}"));
        let back = read(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back.extra, b"{\"carried\":1}");
        assert_eq!(back.graph.node_count(), g.node_count(), "{name}");
        assert_eq!(
            report_json(&back.graph, &back.dominance),
            report_json(&g, &d),
            "{name}"
        );
        // The seal: magic, this build's format, the length of what precedes it.
        let seal = &file[file.len() - SEAL_LEN as usize..];
        assert_eq!(&seal[..8], b"HLKEPT\r\n");
        assert_eq!(
            u32::from_le_bytes(seal[8..12].try_into().unwrap()),
            SNAPSHOT_FORMAT
        );
        assert_eq!(
            u64::from_le_bytes(seal[16..24].try_into().unwrap()),
            file.len() as u64 - SEAL_LEN
        );
    }
}

#[test]
fn the_sealer_matches_the_writer_whatever_the_pieces() {
    let (g, d) = load("retry_buffer");
    let file = sealed(&g, &d, b"x");
    let body = &file[..file.len() - SEAL_LEN as usize];
    let mut s = Sealer::new();
    for piece in body.chunks(4093) {
        s.update(piece);
    }
    assert_eq!(&s.finish()[..], &file[body.len()..]);
}

#[test]
fn truncated_or_damaged_kept_files_are_typed_errors() {
    let (g, d) = load("queue_backlog");
    let file = sealed(&g, &d, b"extra");
    let n = file.len();
    // Cut anywhere (an interrupted write, a disk full): no seal, or too short.
    for cut in [0, 1, 23, 24, 25, 1000, n / 3, n / 2, n - 25, n - 24, n - 1] {
        match read(&file[..cut]) {
            Err(SealError::TooShort { .. } | SealError::NoSeal) => {}
            other => panic!("cut at {cut} of {n}: {:?}", other.map(|_| "read back")),
        }
    }
    // One flipped bit anywhere in the snapshot: the CRC-32 (or the decoder before it) says no.
    let step = (n / 97).max(1);
    for at in (0..n - SEAL_LEN as usize).step_by(step) {
        let mut bad = file.clone();
        bad[at] ^= 0x10;
        match read(&bad) {
            Err(SealError::Checksum { sealed, actual }) => assert_ne!(sealed, actual),
            Err(SealError::Snapshot(_)) => {}
            other => panic!("bit flipped at {at}: {:?}", other.map(|_| "read back")),
        }
    }
    // Another build's format: refused before reading the snapshot.
    let mut other = file.clone();
    other[n - 16..n - 12].copy_from_slice(&(SNAPSHOT_FORMAT + 1).to_le_bytes());
    assert_eq!(
        read(&other).unwrap_err(),
        SealError::OtherFormat(SNAPSHOT_FORMAT + 1)
    );
    assert!(read(&other)
        .unwrap_err()
        .to_string()
        .contains("another version"));
    // A length that is not the file's.
    let mut longer = file[..n - SEAL_LEN as usize].to_vec();
    longer.extend_from_slice(b"garbage!");
    longer.extend_from_slice(&file[n - SEAL_LEN as usize..]);
    assert!(matches!(read(&longer), Err(SealError::Length { .. })));
    // A read error of the file is reported as such.
    let e = read_sealed(n as u64, &mut |_, _| Err("gone".into())).unwrap_err();
    assert_eq!(e, SealError::Source("gone".into()));
}
