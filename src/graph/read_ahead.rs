//! One pass of a file read on a second thread while the caller's thread parses (native only).
//!
//! [`feed_pass_ahead`] does what [`feed_pass`](super::feed_pass) does — the same reads, around
//! the same left-out ranges, in the same order, so the parser sees the same bytes — but the
//! `read` system calls (the kernel's copy out of the page cache, a disk wait on a cold file)
//! run on a reader thread, a few buffers ahead of the parser. Buffers go round between the two
//! threads (a filled one to the parser, an empty one back), so the memory is `depth` buffers
//! whatever the file's size, and the parser never waits on a read the reader could have done
//! while it parsed. Not built for wasm32: the page reads its `File` asynchronously already
//! (`worker::entry::ReadAhead`), and a wasm32 thread cannot be spawned without shared memory.

use super::builder::{read_full, BuildError, GraphBuilder};
use crate::hprof::read_ranges;
use std::io::{Read, Seek, SeekFrom};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

/// Buffers in flight between the reader and the parser (one being parsed, the others read).
const DEPTH: usize = 3;

/// [`feed_pass`](super::feed_pass) with the reads on a second thread: `buf_size` bytes per read
/// (at least 1), [`DEPTH`] buffers. Stops early, without error, where the file ends; a read
/// error is returned as the parser reaches it (the bytes before it are parsed, as with
/// `feed_pass`).
pub fn feed_pass_ahead<R: Read + Seek + Send>(
    b: &mut GraphBuilder,
    file: &mut R,
    size: u64,
    buf_size: usize,
    mut progress: impl FnMut(u64),
) -> Result<(), BuildError> {
    let skips = b.skips().to_vec();
    let buf_size = buf_size.max(1);
    let plan: Vec<(u64, u64)> = if skips.is_empty() {
        Vec::new()
    } else {
        read_ranges(&skips, size, buf_size as u64).collect()
    };
    std::thread::scope(|s| {
        let (full_tx, full_rx) = sync_channel::<std::io::Result<(Vec<u8>, usize)>>(DEPTH);
        let (empty_tx, empty_rx) = channel::<Vec<u8>>();
        for _ in 0..DEPTH {
            // Cannot fail: the receiver is alive.
            let _ = empty_tx.send(vec![0u8; buf_size]);
        }
        s.spawn(move || read_all(file, &plan, size, &empty_rx, &full_tx));
        // Returning drops `full_rx` and `empty_tx`: a reader still going then stops at its
        // next send or receive, and the scope joins it.
        for msg in full_rx.iter() {
            let (buf, n) = msg?;
            b.feed(&buf[..n])?;
            progress(b.input_bytes());
            let _ = empty_tx.send(buf);
        }
        Ok(())
    })
}

/// The reader thread: the planned reads (around left-out ranges), then the rest of the file
/// from `size` on (a file that grew), each into an empty buffer sent on as it fills. Ends at
/// the file's end, at the first error (sent on), or when the parser hangs up.
fn read_all<R: Read + Seek>(
    file: &mut R,
    plan: &[(u64, u64)],
    size: u64,
    empties: &Receiver<Vec<u8>>,
    full: &SyncSender<std::io::Result<(Vec<u8>, usize)>>,
) {
    let result = (|| -> std::io::Result<()> {
        let mut pos = 0u64;
        for &(offset, len) in plan {
            if offset != pos {
                file.seek(SeekFrom::Start(offset))?;
            }
            let Ok(mut buf) = empties.recv() else {
                return Ok(());
            };
            let n = read_full(file, &mut buf[..len as usize])?;
            pos = offset + n as u64;
            if !send(full, buf, n) || n < len as usize {
                return Ok(());
            }
        }
        if !plan.is_empty() && pos != size {
            file.seek(SeekFrom::Start(size))?;
        }
        loop {
            let Ok(mut buf) = empties.recv() else {
                return Ok(());
            };
            let n = read_full(file, &mut buf)?;
            if n == 0 || !send(full, buf, n) {
                return Ok(());
            }
        }
    })();
    if let Err(e) = result {
        let _ = full.send(Err(e));
    }
}

/// Sends a filled buffer on; false when the parser has hung up.
fn send(full: &SyncSender<std::io::Result<(Vec<u8>, usize)>>, buf: Vec<u8>, n: usize) -> bool {
    n == 0 || full.send(Ok((buf, n))).is_ok()
}
