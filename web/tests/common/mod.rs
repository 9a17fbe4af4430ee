//! Shared support of the worker's native tests: fixtures, and a service with an incident dump
//! open as the worker has it (its file attached for field reads).
#![allow(dead_code)]

use heaplens_web::protocol::*;
use heaplens_web::worker::{NullHost, Service};

/// The bytes of `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A service with `retry_buffer.hprof.gz` open and its file attached (as the worker does), and
/// the file's bytes.
pub fn open_retry_buffer() -> (Service, Vec<u8>) {
    open_retry_buffer_with(true)
}

/// The same, with its file attached or not (`attach`: what a worker without the `File` has).
pub fn open_retry_buffer_with(attach: bool) -> (Service, Vec<u8>) {
    let gz = fixture("retry_buffer.hprof.gz");
    let mut s = Service::new();
    if attach {
        s.attach_file(Box::new(gz.clone()));
    }
    let mut src: &[u8] = &gz;
    let r = s
        .request_with::<req::Open>(
            &OpenParams {
                name: "retry_buffer.hprof.gz".into(),
                size: gz.len() as u64,
                settings: Default::default(),
                reserved_bytes: 0,
            },
            Some(&mut src),
            &mut NullHost,
        )
        .unwrap();
    assert!(matches!(r, OpenOutcome::Opened(_)), "{r:?}");
    (s, gz)
}
