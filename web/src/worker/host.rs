//! What the worker's request handling needs from its environment: the dump's bytes
//! ([`DumpSource`]), a clock and a progress sink ([`Host`]). The wasm entry implements them over
//! a `File` and `postMessage`; tests use `&[u8]` and [`NullHost`].

use crate::protocol::{PartialResults, Progress, QueryProgress};

/// Bytes read from the file per step (one `Blob.slice` in the browser).
pub const CHUNK_BYTES: usize = 8 << 20;

/// Random access to the dump's bytes (a browser `File`, or memory in tests).
pub trait DumpSource {
    /// Size in bytes.
    fn size(&self) -> u64;
    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read (0 at the end).
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String>;
}

impl DumpSource for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        // No `as usize`: on wasm32 an offset past 4 GiB must not wrap around.
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.len());
        let n = buf.len().min(self.len() - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// An owned copy (tests; a file kept for queries).
impl DumpSource for Vec<u8> {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        self.as_slice().read_at(offset, buf)
    }
}

/// What the service needs from its environment: a clock and a way to report progress.
pub trait Host {
    /// Milliseconds from an arbitrary origin.
    fn now_ms(&mut self) -> f64;
    /// Called at most every [`PROGRESS_INTERVAL_MS`] / 2 while working, and at phase changes.
    fn progress(&mut self, progress: &Progress);
    /// Called once per [`req::Open`], when the first pass is done and the rest of the
    /// analysis fits in memory (the worker posts it as [`FromWorker::Partial`]).
    fn partial(&mut self, _partial: &PartialResults) {}
    /// Called while a query runs in slices (the worker posts it as
    /// [`FromWorker::QueryProgress`](crate::protocol::FromWorker::QueryProgress)).
    fn query_progress(&mut self, _progress: &QueryProgress) {}
    /// Bytes of memory the worker has now (the wasm memory's size); 0 when unknown (native).
    fn memory_bytes(&mut self) -> u64 {
        0
    }
    /// While quiet, report nothing ([`progress`](Self::progress), [`partial`](Self::partial),
    /// [`query_progress`](Self::query_progress) do nothing), with the clock still running.
    /// The warm-up (`worker::warm`) runs through the real host this way: V8 inlines the
    /// indirect calls its optimized code saw, and a call to another host's method in the real
    /// run would send the running function back to baseline code for the rest of its call.
    fn set_quiet(&mut self, _quiet: bool) {}
}

/// A host without clock or progress (tests, `handle`).
pub struct NullHost;

impl Host for NullHost {
    fn now_ms(&mut self) -> f64 {
        0.0
    }
    fn progress(&mut self, _: &Progress) {}
}
