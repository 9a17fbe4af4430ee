//! Primitive field values of application objects (what the object inspector shows), against
//! what the fixture programs wrote.

mod common;

use heaplens::graph::build_from_bytes;
use heaplens::hprof::Value;

#[test]
fn retry_buffer_batches_keep_their_sequence_numbers() {
    let g =
        build_from_bytes(&common::read_fixture("retry_buffer.hprof.gz")).expect("fixture parses");
    let batch = g
        .classes
        .iter()
        .position(|c| c.name == "com.example.retry.ResultBatch")
        .expect("ResultBatch class") as u32;
    let mut checked = 0;
    for v in g.nodes() {
        if g.class_index(v) != batch || g.as_class(v).is_some() {
            continue;
        }
        // RetryBufferApp: id = String.format("batch-%06d", seq), sequence = seq.
        let Some(Value::Int(seq)) = g.field_value(v, "sequence") else {
            panic!("ResultBatch 0x{:x}: no int sequence value", g.id(v))
        };
        let id = g
            .ref_field(v, "id")
            .and_then(|s| g.string_value(s))
            .expect("id string");
        assert_eq!(id, format!("batch-{seq:06}"), "0x{:x}", g.id(v));
        assert!(matches!(g.field_value(v, "computedAtNanos"), Some(Value::Long(t)) if t != 0));
        checked += 1;
    }
    assert_eq!(checked, 2000);
}

#[test]
fn jdk_objects_outside_the_kept_list_keep_no_field_data() {
    let g =
        build_from_bytes(&common::read_fixture("retry_buffer.hprof.gz")).expect("fixture parses");
    let node = g
        .nodes()
        .find(|&v| g.class(v).name == "java.util.HashMap$Node")
        .expect("a HashMap$Node");
    assert_eq!(
        g.field_value(node, "hash"),
        None,
        "HashMap$Node fields are not kept (memory budget)"
    );
}
