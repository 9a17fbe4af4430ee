//! Issue 12's crafted length cases through the worker's request handler, on wasm32 (where a
//! `usize` is 32 bits: `cargo test -p heaplens-web --target wasm32-unknown-unknown --test
//! hostile`, in headless Chromium) and natively. Each file lies about a length or count that a
//! 32-bit `usize` cannot hold (or that must not be buffered); each must end in an overview or a
//! typed "cannot be parsed" answer, never a trap. The files come from
//! `tests/hostile_support/cases.rs` (the native tests with time and memory bounds are
//! `tests/hostile_input.rs`).

#[path = "../../tests/hostile_support/cases.rs"]
mod cases;

use heaplens_web::protocol::*;
use heaplens_web::worker::{DumpSource, NullHost, Service};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::*;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn open(bytes: &[u8]) -> OpenOutcome {
    let mut s = Service::new();
    let mut src: &[u8] = bytes;
    s.request_with::<req::Open>(
        &OpenParams {
            name: "crafted.hprof".into(),
            size: bytes.len() as u64,
            settings: Default::default(),
            reserved_bytes: 0,
        },
        Some(&mut src as &mut dyn DumpSource),
        &mut NullHost,
    )
    .expect("an open request is answered")
}

fn opened(what: &str, bytes: &[u8]) -> Box<Overview> {
    match open(bytes) {
        OpenOutcome::Opened(o) => o,
        r => panic!("{what}: {r:?}"),
    }
}

fn failed(what: &str, bytes: &[u8]) -> OpenError {
    match open(bytes) {
        OpenOutcome::Failed(e) => e,
        r => panic!("{what}: {r:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_32_gib_object_array_is_streamed() {
    let o = opened("object array", &cases::huge_object_array());
    assert!(
        o.summary.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        o.summary.warnings
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_4_gib_instance_is_a_typed_error() {
    let e = failed("instance", &cases::huge_instance());
    assert!(
        e.message.contains("larger than any such item"),
        "{}",
        e.message
    );
    assert_eq!(e.offset, Some(40));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_32_gib_primitive_array_is_skipped() {
    opened("primitive array", &cases::huge_primitive_array());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_stack_trace_of_2_pow_29_frames_is_a_typed_error() {
    let e = failed("stack trace", &cases::huge_stack_trace());
    // The exact length needed, 12 + (2²⁹+1)·8, which a 32-bit usize cannot hold.
    assert!(e.message.contains("4294967316"), "{}", e.message);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_big_class_record_and_a_long_gzip_name_open() {
    let gz = heaplens_hprof_writer::gzip(&cases::big_class_record(370), None);
    opened("370 KB class record", &gz);
    opened(
        "200 KB gzip file name",
        &cases::gzip_long_file_name(200 * 1024),
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn crafted_colliding_ids_open() {
    opened("colliding ids", &cases::colliding_symbol_ids(100_000));
}
