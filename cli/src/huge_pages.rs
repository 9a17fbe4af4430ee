//! The CLI's allocator: the system's, with large blocks backed by transparent huge pages.
//!
//! The analysis keeps a few dozen arrays of tens to hundreds of MiB (ids, edges, the dominator
//! columns) and reads most of them at random. In 4 KiB pages that costs twice: a page fault
//! for every 4 KiB first touched (about a tenth of the CLI's CPU time on a 16.9 M-object dump,
//! `perf`) and a TLB miss on most random reads. Linux backs a range with 2 MiB pages when
//! asked (`madvise(MADV_HUGEPAGE)`; the default setting of
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `madvise`), so every block of at least
//! [`LARGE`] bytes is marked when it is allocated or moved. Small blocks are left alone: most
//! are freed soon, and a huge page would hold memory they never touch. Elsewhere, or where
//! the kernel refuses, nothing changes (the advice is only advice).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// Blocks from this size on are advised (glibc serves them with `mmap` already).
const LARGE: usize = 4 << 20;

/// Off until [`enable`]: the advice is for the dumps it was measured on.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Advises huge pages from now on. `analyze` calls it for uncompressed dumps of at most 4 GiB
/// (up to ~60–95 M objects on the two bench mixes): 10–18% less time there. At 151.8 M objects
/// (a 10.6 GB dump) the same allocator peaked 450 MiB higher (6,162 against 5,710 MiB, the
/// duplicate strings' phase; also with THP turned off for the process, so not the huge pages
/// themselves: not understood yet), over issue 16's 40 bytes per object, so it stays off there.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// [`System`], advising huge pages for blocks of at least [`LARGE`] bytes.
pub struct HugePages;

// SAFETY: every call goes to `System` with the caller's arguments unchanged; `advise` only
// marks whole 2 MiB pages inside the block just returned.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        advise(p, layout.size());
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        advise(p, layout.size());
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        advise(p, new_size);
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

/// Marks the whole 2 MiB pages of `[p, p + len)` for huge pages (Linux); no-op elsewhere.
#[inline]
fn advise(p: *mut u8, len: usize) {
    #[cfg(target_os = "linux")]
    if len >= LARGE && !p.is_null() && ENABLED.load(Ordering::Relaxed) {
        const HUGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + len) & !(HUGE - 1);
        if end > start {
            // SAFETY: the range lies inside the block `p` points to, owned by the caller;
            // MADV_HUGEPAGE changes how it is backed, never its contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (p, len);
}
