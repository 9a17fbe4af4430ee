//! The worker's OQL request ([`req::Query`]) on a real incident dump, natively: counts against
//! the JVM's class histogram, field values the fixture program wrote (read again from the
//! `.hprof.gz` through inflater checkpoints), pages of kept rows, errors with positions, and
//! the same answers after the analysis moved to a fresh worker (snapshot + the file again).
#![cfg(not(target_arch = "wasm32"))]

use heaplens::query::Cell;
use heaplens_web::protocol::*;
use heaplens_web::worker::{NullHost, Service};

mod common;
use common::{fixture, open_retry_buffer as open};

fn query(s: &mut Service, text: &str, offset: u64, limit: u32) -> QueryPage {
    s.request::<req::Query>(&QueryParams {
        text: text.into(),
        offset,
        limit,
    })
    .unwrap()
}

/// Instances of `class` in the JVM's own histogram written next to the dump.
fn jvm_count(class: &str) -> u64 {
    let text = String::from_utf8(fixture("retry_buffer.histo.txt")).unwrap();
    text.lines()
        .find_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            (p.len() >= 4 && p[3] == class).then(|| p[1].parse().unwrap())
        })
        .unwrap_or_else(|| panic!("{class} not in the histogram"))
}

/// `payload[i]` is `(byte) seq` at `i % 64 == 0`, else `i % 64` (RetryBufferApp.java): array
/// elements are never kept in memory, so they are read from the file.
const BATCHES: &str = "SELECT b.sequence, toString(b.id), b.payload.@length, b.payload[0], b.payload[5] FROM com.example.retry.ResultBatch b";

#[test]
fn counts_fields_and_pages() {
    let (mut s, _) = open();
    let all = query(
        &mut s,
        "SELECT * FROM com.example.retry.ResultBatch",
        0,
        1000,
    );
    assert_eq!(all.error, None);
    assert_eq!(all.total, jvm_count("com.example.retry.ResultBatch"));
    assert_eq!(all.total, 2000);
    assert_eq!(all.columns, ["object"]);
    assert_eq!(all.rows.len(), 1000);
    let Cell::Object(first) = &all.rows[0][0] else {
        panic!("{:?}", all.rows[0])
    };
    assert!(first.object.starts_with("0x"));
    assert_eq!(first.class, "com.example.retry.ResultBatch");
    // The second page comes from the rows kept: no run (0 ms), the rest of the rows.
    let next = query(
        &mut s,
        "SELECT * FROM com.example.retry.ResultBatch",
        1000,
        5000,
    );
    assert_eq!((next.offset, next.rows.len(), next.ms), (1000, 1000, 0.0));
    assert!(next.rows.iter().all(|r| r[0] != all.rows[0][0]));
    let past = query(
        &mut s,
        "SELECT * FROM com.example.retry.ResultBatch",
        9999,
        10,
    );
    assert_eq!((past.offset, past.rows.len(), past.total), (2000, 0, 2000));

    // Fields of every batch, read from the .hprof.gz again: what the program wrote.
    let mut seqs = Vec::new();
    for offset in [0, 1000] {
        let page = query(&mut s, BATCHES, offset, 1000);
        assert_eq!(page.error, None);
        assert_eq!(page.total, 2000);
        for row in &page.rows {
            let Cell::Int(seq) = row[0] else {
                panic!("{row:?}")
            };
            assert_eq!(row[1], Cell::Str(format!("batch-{seq:06}")));
            assert_eq!(row[2], Cell::Int(4096));
            assert_eq!(row[3], Cell::Int(seq as i8 as i64));
            assert_eq!(row[4], Cell::Int(5));
            seqs.push(seq);
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=2000).collect::<Vec<_>>());
}

#[test]
fn errors_carry_their_position() {
    let (mut s, _) = open();
    let text = "SELECT * FROM com.example.retry.ResultBatch b WHERE b.sequence >";
    let page = query(&mut s, text, 0, 10);
    let e = page.error.expect("a parse error");
    assert_eq!(e.position, text.len(), "{e:?}");
    assert!(!e.message.is_empty());
    assert!(page.rows.is_empty());
    let text = "SELECT nosuch(b) FROM com.example.retry.ResultBatch b";
    let e = query(&mut s, text, 0, 10)
        .error
        .expect("an evaluation error");
    assert_eq!(e.position, text.find("nosuch").unwrap(), "{e:?}");
    // A good query after a bad one runs.
    assert_eq!(
        query(&mut s, "SELECT * FROM com.example.retry.ResultBatch", 0, 1).total,
        2000
    );
}

#[test]
fn without_the_file_field_reads_fail_with_a_hint() {
    let gz = fixture("retry_buffer.hprof.gz");
    let mut s = Service::new();
    let mut src: &[u8] = &gz;
    s.request_with::<req::Open>(
        &OpenParams {
            name: "x".into(),
            size: gz.len() as u64,
            settings: Default::default(),
            reserved_bytes: 0,
        },
        Some(&mut src),
        &mut NullHost,
    )
    .unwrap();
    // Counting needs no field.
    assert_eq!(
        query(&mut s, "SELECT * FROM com.example.retry.ResultBatch", 0, 1).total,
        2000
    );
    // Short Strings are whole in the graph's previews, application fields are kept; array
    // elements are read from the dump.
    let kept = "SELECT b.sequence, toString(b.id) FROM com.example.retry.ResultBatch b";
    assert_eq!(query(&mut s, kept, 0, 1).error, None);
    let e = query(&mut s, BATCHES, 0, 1).error.expect("no file to read");
    assert!(e.message.contains("not available"), "{e:?}");
}

#[test]
fn a_restored_analysis_reads_fields_from_the_file() {
    let (mut s, gz) = open();
    let before = query(&mut s, BATCHES, 0, 1000);
    s.request::<req::Suspects>(&()).unwrap();
    let plan = s.prepare_snapshot(&mut NullHost).unwrap();
    let mut bytes = Vec::new();
    s.write_snapshot(&plan, &mut |p| bytes.extend_from_slice(p));
    s.close();

    let mut fresh = Service::new();
    fresh.attach_file(Box::new(gz));
    let mut src: &[u8] = &bytes;
    fresh
        .request_with::<req::Restore>(&(), Some(&mut src), &mut NullHost)
        .unwrap();
    let after = query(&mut fresh, BATCHES, 0, 1000);
    assert_eq!(after.error, None);
    assert_eq!(after.rows, before.rows);
    assert_eq!(after.total, 2000);
}

#[test]
fn retained_set_pages_to_its_last_row() {
    let (mut s, _) = open();
    // Every object: more rows than one page, all kept as node indices.
    let total = query(&mut s, "SELECT * FROM java.lang.Object", 0, 0).total;
    let instances: u64 = query(&mut s, "SELECT * FROM INSTANCEOF java.lang.Object", 0, 0).total;
    assert!(instances >= total && total > 0, "{instances} {total}");
    let r = query(
        &mut s,
        "SELECT AS RETAINED SET * FROM com.example.retry.ResultBatch",
        0,
        1000,
    );
    assert_eq!(r.error, None);
    // Each batch retains itself, its id String (+ its byte[]) and its 4 KiB payload at least.
    assert!(r.total >= 2000 * 3, "{}", r.total);
    let last = query(
        &mut s,
        "SELECT AS RETAINED SET * FROM com.example.retry.ResultBatch",
        r.total - 1,
        10,
    );
    assert_eq!(last.rows.len(), 1);
}
