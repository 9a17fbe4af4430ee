//! Retained size on a real JVM dump, checked by hand arithmetic.
//!
//! `retry_buffer` (tests/java/com/example/retry): `RetryingPublisher.INSTANCE.pendingBatches` is
//! an `ArrayList` (capacity exactly 2,000) holding 2,000 `ResultBatch`, each with one
//! `byte[4096]` payload and one 12-char id `String`. With 64-bit HotSpot, compressed oops and
//! class pointers, 8-byte alignment (what the facts file states and the histogram confirms):
//!
//! ```text
//! ResultBatch          12 header + 3 fields·4 (+ padding)         =    32
//! byte[4096]           align8(16 + 4096)                          = 4,112
//! String               12 header + value(4) coder(1) hash(4) hashIsZero(1) → align8(22) = 24
//! byte[12]             align8(16 + 12)                            =    32
//! per batch                                                       = 4,200
//! ArrayList            12 header + modCount(4) size(4) elementData(4) → 24
//! Object[2000]         align8(16 + 2000·4)                        = 8,016
//! pendingBatches       24 + 8,016 + 2,000 · 4,200                 = 8,408,040
//! ```
//!
//! Nothing else reaches the batches, so the ArrayList dominates all of them and its retained size
//! in the dominator tree must be exactly that number.

mod common;

use heaplens::graph::{build_from_bytes, Dominance, HeapGraph, Node};
use serde_json::Value;

fn facts() -> Value {
    serde_json::from_slice(&common::read_fixture("retry_buffer.facts.json")).unwrap()
}

fn instance_of(g: &HeapGraph, class: &str) -> Vec<Node> {
    g.nodes()
        .filter(|&v| g.as_class(v).is_none() && g.class(v).name == class)
        .collect()
}

#[test]
fn retry_buffer_pending_batches_retained_to_the_byte() {
    let f = facts();
    let sizes = &f["sizes"];
    let g = build_from_bytes(&common::read_fixture("retry_buffer.hprof.gz")).unwrap();
    let d = Dominance::compute(&g);

    // The size rule the arithmetic relies on.
    assert!(g.sizes.compressed_oops, "compressed oops must be inferred");
    assert_eq!(g.sizes.alignment, 8);

    let holders = instance_of(&g, f["holder_class"].as_str().unwrap());
    assert_eq!(holders.len(), 1, "one RetryingPublisher");
    let holder = holders[0];
    let list = g
        .ref_field(holder, f["collection_field"].as_str().unwrap())
        .expect("pendingBatches is set");
    assert_eq!(g.class(list).name, f["collection_class"].as_str().unwrap());
    assert_eq!(
        g.shallow(list),
        sizes["array_list_shallow"].as_u64().unwrap()
    );

    let data = g.ref_field(list, "elementData").expect("elementData");
    assert_eq!(g.class(data).name, "java.lang.Object[]");
    assert_eq!(g.array_len(data), 2000);
    assert_eq!(
        g.shallow(data),
        sizes["element_data_shallow"].as_u64().unwrap()
    );

    // Every element: a ResultBatch of the documented shape, dominated by the list.
    let batches: Vec<Node> = g
        .labelled_edges(data)
        .into_iter()
        .skip(1)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(batches.len() as u64, f["batches"].as_u64().unwrap());
    for &b in &batches {
        assert_eq!(g.class(b).name, f["batch_class"].as_str().unwrap());
        assert_eq!(
            g.shallow(b),
            sizes["result_batch_shallow"].as_u64().unwrap()
        );
        assert_eq!(
            d.retained(b),
            sizes["per_batch_retained"].as_u64().unwrap(),
            "batch 0x{:x}",
            g.id(b)
        );
        assert!(d.dominates(list, b));
    }
    let first = batches[0];
    let payload = g
        .labelled_edges(first)
        .into_iter()
        .find(|(t, _)| g.class(*t).name == "byte[]")
        .map(|(t, _)| t)
        .expect("payload");
    assert_eq!(
        g.array_len(payload) as u64,
        f["payload_bytes"].as_u64().unwrap()
    );
    assert_eq!(
        g.shallow(payload),
        sizes["payload_array_shallow"].as_u64().unwrap()
    );

    let expected = sizes["pending_batches_retained"].as_u64().unwrap();
    // The facts' own arithmetic, spelled out.
    assert_eq!(
        expected,
        sizes["array_list_shallow"].as_u64().unwrap()
            + sizes["element_data_shallow"].as_u64().unwrap()
            + 2000 * sizes["per_batch_retained"].as_u64().unwrap()
    );
    assert_eq!(
        d.retained(list),
        expected,
        "retained size of pendingBatches"
    );
    // 1 list + 1 array + 2,000 × (batch + payload + String + its byte[]).
    assert_eq!(d.retained_count(list), 2 + 2000 * 4);
}
