//! Pass 2 without the primitive-array contents it does not need (`GraphBuilder::skips`): on
//! every real dump, the graph built from the file minus those ranges is byte-for-byte the graph
//! built from the whole file, for any read size; a truncated file gives the same graph and
//! warnings either way; a file that changed between the passes is a typed error at the skipped
//! range's offset, never a panic or a misparse.

mod common;
use common::gunzip;
use heaplens::graph::{write_snapshot, Dominance, GraphBuilder, HeapGraph, PassOutcome};
use heaplens::hprof::*;

/// Every real-JVM dump of the repository, uncompressed: (name, bytes).
fn real_dumps() -> Vec<(String, Vec<u8>)> {
    common::real_dump_names()
        .into_iter()
        .map(|rel| {
            let bytes = gunzip(&common::read_fixture(&rel));
            (rel, bytes)
        })
        .collect()
}

/// What a build gave: the graph and dominance as snapshot bytes, the ranges pass 2 left out.
struct Built {
    snapshot: Vec<u8>,
    skips: Vec<Skip>,
    warnings: Vec<Warning>,
}

/// Builds from `bytes` as a reader of a file does: pass 1 whole, pass 2 in the reads
/// `read_ranges` plans (without the skips when `leave_out`), `chunk` bytes at most each.
fn build(bytes: &[u8], leave_out: bool, chunk: u64) -> Result<Built, ParseError> {
    build_changed(bytes, bytes, leave_out, chunk)
}

/// [`build`] with pass 2 reading `second` (a file changed between the passes).
fn build_changed(
    first: &[u8],
    second: &[u8],
    leave_out: bool,
    chunk: u64,
) -> Result<Built, ParseError> {
    let mut b = GraphBuilder::new();
    if leave_out {
        b = b.leaving_out_payloads();
    }
    let mut skips = Vec::new();
    let mut input = first;
    loop {
        let plan = b.skips().to_vec();
        if !plan.is_empty() {
            skips = plan.clone();
        }
        for (offset, len) in read_ranges(&plan, input.len() as u64, chunk) {
            b.feed(&input[offset as usize..(offset + len) as usize])?;
        }
        if b.end_pass()? == PassOutcome::Done {
            break;
        }
        input = second;
    }
    let g: HeapGraph = b.into_graph().unwrap();
    let d = Dominance::compute(&g);
    let mut snapshot = Vec::new();
    write_snapshot(&g, &d, &[], &mut |p| snapshot.extend_from_slice(p));
    Ok(Built {
        snapshot,
        skips,
        warnings: g.meta.warnings.clone(),
    })
}

/// Every primitive array's payload in `bytes`: (start, length), as an independent visitor sees
/// the records.
fn payloads(bytes: &[u8]) -> Vec<(u64, u64, Id)> {
    struct V(Vec<(u64, u64, Id)>, u8);
    impl Visitor for V {
        fn header(&mut self, h: &Header) {
            self.1 = h.id_size;
        }
        fn primitive_array(&mut self, a: &PrimitiveArray, _: Option<&[u8]>) {
            let len = a.length as u64 * a.elem.size(self.1) as u64;
            self.0.push((a.offset + 1 + self.1 as u64 + 9, len, a.id));
        }
    }
    let mut v = V(Vec::new(), 0);
    parse_slice(bytes, &mut v).unwrap();
    v.0
}

#[test]
fn leaving_out_payloads_builds_the_same_graph_on_every_real_dump() {
    let mut skipped_dumps = 0;
    for (name, bytes) in real_dumps() {
        let whole = build(&bytes, false, 1 << 20).unwrap();
        assert!(
            whole.skips.is_empty(),
            "{name}: nothing left out unless asked"
        );
        let all = payloads(&bytes);
        for chunk in [1 << 20, 65_537, 4099] {
            let out = build(&bytes, true, chunk).unwrap();
            assert!(
                out.snapshot == whole.snapshot,
                "{name}, reads of {chunk}: graphs differ"
            );
            // Each range is exactly one array's payload of at least 64 KiB.
            for s in &out.skips {
                assert!(s.len >= 64 << 10, "{name}: {s:?}");
                assert!(
                    all.iter()
                        .any(|&(start, len, _)| start == s.start && len == s.len),
                    "{name}: {s:?} is no payload"
                );
            }
        }
        let out = build(&bytes, true, 1 << 20).unwrap();
        if !out.skips.is_empty() {
            skipped_dumps += 1;
        }
        // Large payloads that are not left out are texts (String values) pass 2 reads.
        let large = all.iter().filter(|p| p.1 >= 64 << 10).count();
        eprintln!(
            "{name}: {} of {large} payloads >= 64 KiB left out, {} of {} bytes",
            out.skips.len(),
            out.skips.iter().map(|s| s.len).sum::<u64>(),
            bytes.len()
        );
    }
    assert!(skipped_dumps > 0);
}

#[test]
fn gzip_input_is_read_whole() {
    let gz = common::read_fixture("oom_export.hprof.gz");
    let raw = build(&gunzip(&gz), true, 1 << 20).unwrap();
    assert!(
        !raw.skips.is_empty(),
        "the uncompressed dump has ranges to leave out"
    );
    let zipped = build(&gz, true, 1 << 20).unwrap();
    assert!(
        zipped.skips.is_empty(),
        "offsets in a gzip file are not the parser's"
    );
    assert!(zipped.snapshot == raw.snapshot);
}

#[test]
fn truncated_dumps_build_the_same_with_and_without_skips() {
    let bytes = gunzip(&common::read_fixture("oom_export.hprof.gz"));
    let skips = build(&bytes, true, 1 << 20).unwrap().skips;
    let s = skips[skips.len() / 2];
    // Cuts inside a left-out payload, just after its header, just after it, and elsewhere.
    let cuts = [
        s.start - 3,
        s.start,
        s.start + 1,
        s.start + s.len / 2,
        s.end() - 1,
        s.end(),
        s.end() + 5,
        bytes.len() as u64 / 3,
        bytes.len() as u64 - 1,
    ];
    for cut in cuts {
        let cut_bytes = &bytes[..cut as usize];
        let whole = build(cut_bytes, false, 1 << 20).unwrap();
        let out = build(cut_bytes, true, 8191).unwrap();
        assert!(
            out.snapshot == whole.snapshot,
            "cut at {cut}: graphs differ"
        );
        assert_eq!(out.warnings, whole.warnings, "cut at {cut}");
        if cut > s.start && cut < s.end() {
            assert!(
                out.warnings.contains(&Warning::Truncated {
                    offset: s.start - 1 - 8 - 9,
                    item: Item::SubRecord(0x23)
                }),
                "cut at {cut}: {:?}",
                out.warnings
            );
        }
        // No range reaches past the cut.
        assert!(out.skips.iter().all(|k| k.end() <= cut), "cut at {cut}");
    }
}

#[test]
fn a_file_changed_between_the_passes_is_a_typed_error_at_the_skip() {
    let bytes = gunzip(&common::read_fixture("oom_export.hprof.gz"));
    let skips = build(&bytes, true, 1 << 20).unwrap().skips;
    let s = skips[0];
    let expected = ErrorKind::SkipMismatch {
        start: s.start,
        len: s.len,
    };
    // The array's length field (4 bytes before its element type, just before the payload)
    // changed: the payload is not what pass 1 left out. (A longer one overruns its heap
    // record: another typed error.)
    let mut shorter = bytes.clone();
    let at = s.start as usize - 5;
    let length = u32::from_be_bytes(shorter[at..at + 4].try_into().unwrap());
    shorter[at..at + 4].copy_from_slice(&(length - 1).to_be_bytes());
    let e = build_changed(&bytes, &shorter, true, 1 << 20)
        .err()
        .expect("an error");
    assert_eq!((e.offset, &e.kind), (s.start, &expected), "{e}");
    // Bytes inserted before it: the records no longer line up with the ranges.
    let mut shifted = bytes.clone();
    shifted.splice(s.start as usize - 100..s.start as usize - 100, [0u8; 7]);
    let e = build_changed(&bytes, &shifted, true, 4099)
        .err()
        .expect("an error");
    assert!(e.offset <= s.start, "{e}");
    // A file cut short inside the left-out range: the reads stop, pass 2 ends as truncated.
    let short = &bytes[..(s.start + 10) as usize];
    // (What it returns depends on where the cut falls; that it returns is the point.)
    let _ = build_changed(&bytes, short, true, 1 << 20);
}
