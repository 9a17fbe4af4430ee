//! Shared support of the worker's native tests: fixtures, and a service with an incident dump
//! open as the worker has it (its file attached for field reads).
#![allow(dead_code)]

use heaplens_web::protocol::*;
use heaplens_web::worker::{DumpSource, Host, NullHost, Service};

/// The bytes of `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The bytes of the incident dump `tests/fixtures/NAME.hprof.gz`.
pub fn incident(name: &str) -> Vec<u8> {
    fixture(&format!("{name}.hprof.gz"))
}

/// A new service that opened the dump `src` (as the worker opens a `File`) under `name` with
/// `settings`, telling `host` its progress: the service and the open's outcome.
pub fn open_source(
    src: &mut dyn DumpSource,
    name: &str,
    settings: OpenSettings,
    host: &mut dyn Host,
) -> (Service, OpenOutcome) {
    let mut s = Service::new();
    let params = OpenParams {
        name: name.into(),
        size: src.size(),
        settings,
        reserved_bytes: 0,
    };
    let r = s
        .request_with::<req::Open>(&params, Some(src), host)
        .expect("an open request is answered");
    (s, r)
}

/// [`open_source`] of bytes in memory, progress not kept.
pub fn open_bytes(bytes: &[u8], name: &str, settings: OpenSettings) -> (Service, OpenOutcome) {
    let mut src: &[u8] = bytes;
    open_source(&mut src, name, settings, &mut NullHost)
}

/// The overview of an open that must have succeeded.
pub fn opened(r: OpenOutcome) -> Box<Overview> {
    match r {
        OpenOutcome::Opened(o) => o,
        other => panic!("not opened: {other:?}"),
    }
}

/// A service with `retry_buffer.hprof.gz` open and its file attached (as the worker does), and
/// the file's bytes.
pub fn open_retry_buffer() -> (Service, Vec<u8>) {
    open_retry_buffer_with(true)
}

/// The same, with its file attached or not (`attach`: what a worker without the `File` has).
pub fn open_retry_buffer_with(attach: bool) -> (Service, Vec<u8>) {
    let gz = incident("retry_buffer");
    let mut s = Service::new();
    if attach {
        s.attach_file(Box::new(gz.clone()));
    }
    let mut src: &[u8] = &gz;
    let params = OpenParams {
        name: "retry_buffer.hprof.gz".into(),
        size: gz.len() as u64,
        settings: Default::default(),
        reserved_bytes: 0,
    };
    let r = s
        .request_with::<req::Open>(&params, Some(&mut src), &mut NullHost)
        .unwrap();
    assert!(matches!(r, OpenOutcome::Opened(_)), "{r:?}");
    (s, gz)
}
