//! The CLI's allocator: the system's for small blocks; large blocks mapped on 2 MiB pages
//! and, once freed, kept for the next large block.
//!
//! The analysis keeps a few dozen arrays of tens to hundreds of MiB (ids, edges, the dominator
//! columns) and reads most of them at random. In 4 KiB pages that costs twice: a page fault
//! for every 4 KiB first touched (about a tenth of the CLI's CPU time on a 16.9 M-object dump,
//! `perf`) and a TLB miss on most random reads. Linux backs a range with 2 MiB pages when
//! asked (`madvise(MADV_HUGEPAGE)`; the default setting of
//! `/sys/kernel/mm/transparent_hugepage/enabled` is `madvise`), so every block of at least
//! [`LARGE`] bytes is its own mapping, aligned to 2 MiB and advised. Small blocks are left to
//! the system's allocator: most are freed soon, and a huge page would hold memory they never
//! touch.
//!
//! **Why freed large blocks are kept.** Each phase frees the previous one's temporaries and
//! allocates its own: on `str1100.hprof` (25.2 M objects, peak 1.1 GiB) the kernel faulted in
//! 3.6 GiB of huge pages, every one zeroed by the kernel on first touch: 14.5% of the CLI's
//! CPU time in `clear_page_erms` (`perf`, 2026-12-04; on this VM a fresh page costs 0.5–2
//! GB/s, a `memset` of memory already in place 30–70). A freed block therefore goes to a small
//! cache and the next large block is cut from it (`mremap`: shrunk in place, or grown with its
//! pages moved, never copied); `alloc_zeroed` clears what it reuses with `memset`. The cache
//! holds at most [`CACHE_BYTES`], and any large allocation takes from it first, so freed memory
//! stays resident only until the next large block.
//!
//! **Why not on a guest whose host takes freed memory back.** A virtual machine with a virtio
//! balloon that reports free pages (feature bit 5, `VIRTIO_BALLOON_F_REPORTING`) hands every
//! free 2 MiB block of its memory back to the host after a few seconds, and a huge page needs
//! such a block: a fresh one is then most often memory the host took back, and costs the host's
//! fault as well (~15 ms per 2 MiB page measured on such a guest, 2026-12-05), while 4 KiB pages
//! can come from the smaller free blocks the guest kept. There, on a 16.9 M-object dump, the
//! CLI's first run after a pause took 8.9–9.2 s with huge pages and 5.8–6.1 s without (run
//! again at once: 5.9–6.3 s and 5.8–6.2 s), so [`enable`] then asks for small pages
//! ([`Pages::Small`]); the cache stays (docs/scaling.md, "The native tools run twice").
//!
//! Only after [`enable`], and only if no large block was allocated before (the choice is
//! latched at the first one: a block must be freed by whoever allocated it). Elsewhere than
//! Linux, or without [`enable`], this is the system's allocator unchanged.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// Blocks from this size on are mapped here (glibc maps them too, from 32 MiB at the latest).
const LARGE: usize = 4 << 20;

/// The most freed memory kept for reuse. Larger than most of the analysis' temporaries (a
/// column of 25 M `u32`s is 96 MiB), small beside its peak.
#[cfg(target_os = "linux")]
const CACHE_BYTES: usize = 512 << 20;

/// Which allocator serves large blocks: undecided until [`enable`] or the first large block.
static MODE: AtomicU8 = AtomicU8::new(UNDECIDED);
const UNDECIDED: u8 = 0;
const SYSTEM: u8 = 1;
const MAPPED: u8 = 2;

/// Whether the large blocks mapped here are advised for huge pages (else against them).
static ADVISE_HUGE: AtomicBool = AtomicBool::new(true);

/// The pages the large blocks get.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pages {
    /// The system's allocator serves every block ([`enable`] was not called, or too late).
    System,
    /// Mapped here, on 2 MiB pages where the kernel has them.
    Huge,
    /// Mapped here on 4 KiB pages: the host takes freed memory back (see the module documentation).
    Small,
}

/// What [`enable`] chose, for `--stats`.
pub fn pages() -> Pages {
    match (
        MODE.load(Ordering::Relaxed),
        ADVISE_HUGE.load(Ordering::Relaxed),
    ) {
        (MAPPED, true) => Pages::Huge,
        (MAPPED, false) => Pages::Small,
        _ => Pages::System,
    }
}

/// Maps large blocks on huge pages from now on (on small pages where the host takes freed
/// memory back: see the module documentation), unless a large block was already allocated
/// (then nothing changes: the allocator stays the system's). `analyze` calls it first thing for
/// uncompressed dumps of at most 4 GiB (up to ~60–95 M objects on the two bench mixes): 10–18%
/// less time there on huge pages (measured on a machine whose host keeps freed memory). At 151.8 M objects (a 10.6 GB dump) huge pages peaked 450 MiB higher
/// (6,162 against 5,710 MiB, the duplicate strings' phase; also with THP turned off for the
/// process, so not the huge pages themselves: not understood yet), over issue 16's 40 bytes
/// per object, so it stays off there.
pub fn enable() {
    if cfg!(target_os = "linux") {
        // Before the mode: nothing is mapped here until it is set.
        ADVISE_HUGE.store(!host_takes_freed_memory(), Ordering::Relaxed);
        let _ = MODE.compare_exchange(UNDECIDED, MAPPED, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// Whether this Linux guest reports its free memory to the host: a virtio balloon device
/// bound to its driver that offers free page reporting.
fn host_takes_freed_memory() -> bool {
    let Ok(devices) = std::fs::read_dir("/sys/bus/virtio/drivers/virtio_balloon") else {
        return false;
    };
    devices.flatten().any(|d| {
        d.file_name().to_string_lossy().starts_with("virtio")
            && std::fs::read_to_string(d.path().join("features"))
                .is_ok_and(|f| reports_free_pages(&f))
    })
}

/// Whether a virtio device's `features` (sysfs: one `0`/`1` per feature bit, bit 0 first)
/// include the balloon's free page reporting, bit 5.
fn reports_free_pages(features: &str) -> bool {
    features.as_bytes().get(5) == Some(&b'1')
}

/// Whether `layout` is served by the mappings here (latches the mode at the first large one).
#[inline]
fn mapped(layout: &Layout) -> bool {
    if layout.size() < LARGE || layout.align() > PAGE {
        return false;
    }
    match MODE.load(Ordering::Relaxed) {
        UNDECIDED => {
            let _ = MODE.compare_exchange(UNDECIDED, SYSTEM, Ordering::Relaxed, Ordering::Relaxed);
            MODE.load(Ordering::Relaxed) == MAPPED
        }
        m => m == MAPPED,
    }
}

const PAGE: usize = 4096;

/// [`System`] for small blocks, [`map`] for large ones.
pub struct HugePages;

// SAFETY: small blocks (and large ones without `enable`) go to `System` with the caller's
// arguments unchanged. Large blocks are private anonymous mappings of at least the asked size,
// page-aligned (every `align` served here is at most a page), owned by the caller until
// `dealloc`; a block's route depends only on its layout's size and alignment and on `MODE`,
// which changes at most once, before the first large block, so every block is freed or
// resized by the allocator that made it.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(&layout) {
            map::alloc(layout.size(), false)
        } else {
            System.alloc(layout)
        }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(&layout) {
            map::alloc(layout.size(), true)
        } else {
            System.alloc_zeroed(layout)
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY (of the layout): the caller guarantees `new_size`, rounded up to `align`,
        // does not overflow `isize`.
        let new = Layout::from_size_align_unchecked(new_size, layout.align());
        match (mapped(&layout), mapped(&new)) {
            (false, false) => System.realloc(ptr, layout, new_size),
            (true, true) => map::realloc(ptr, layout.size(), new_size),
            (from_map, _) => {
                // Across the line: a new block from the other side, the bytes, the old freed.
                let p = self.alloc(new);
                if !p.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                    if from_map {
                        map::free(ptr, layout.size());
                    } else {
                        System.dealloc(ptr, layout);
                    }
                }
                p
            }
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(&layout) {
            map::free(ptr, layout.size())
        } else {
            System.dealloc(ptr, layout)
        }
    }
}

/// Large blocks: 2 MiB-aligned anonymous mappings, advised for huge pages, and the cache of
/// freed ones.
#[cfg(target_os = "linux")]
mod map {
    use super::CACHE_BYTES;
    use std::sync::Mutex;

    const HUGE: usize = 2 << 20;
    const SLOTS: usize = 16;

    /// Freed blocks `(address, mapped length)`, most recently freed last.
    struct Cache {
        blocks: [(usize, usize); SLOTS],
        len: usize,
        bytes: usize,
    }

    impl Cache {
        /// The block that serves `len` bytes best: the smallest that holds them, else the
        /// largest (grown by the caller).
        fn take(&mut self, len: usize) -> Option<(usize, usize)> {
            let blocks = &self.blocks[..self.len];
            let fits = (0..blocks.len())
                .filter(|&i| blocks[i].1 >= len)
                .min_by_key(|&i| blocks[i].1);
            let i = fits.or_else(|| (0..blocks.len()).max_by_key(|&i| blocks[i].1))?;
            let b = self.blocks[i];
            self.blocks.copy_within(i + 1..self.len, i);
            self.len -= 1;
            self.bytes -= b.1;
            Some(b)
        }
    }

    // A `Mutex` (a futex on Linux) never allocates, so it may be taken inside the allocator.
    static CACHE: Mutex<Cache> = Mutex::new(Cache {
        blocks: [(0, 0); SLOTS],
        len: 0,
        bytes: 0,
    });

    fn cache() -> std::sync::MutexGuard<'static, Cache> {
        CACHE.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mapped length of a block of `size` bytes.
    fn length(size: usize) -> usize {
        size.next_multiple_of(HUGE)
    }

    /// A block of at least `size` bytes (zeroed if asked), or null.
    pub(super) unsafe fn alloc(size: usize, zeroed: bool) -> *mut u8 {
        let len = length(size);
        let reused = cache().take(len);
        let Some((p, had)) = reused else {
            return fresh(len);
        };
        let p = p as *mut u8;
        let q = if had > len {
            // SAFETY: `[p + len, p + had)` is the tail of a block this module mapped and nobody
            // holds any more.
            libc::munmap(p.add(len).cast(), had - len);
            p
        } else if had < len {
            let q = libc::mremap(p.cast(), had, len, libc::MREMAP_MAYMOVE);
            if q == libc::MAP_FAILED {
                libc::munmap(p.cast(), had);
                return fresh(len);
            }
            advise(q.cast(), len);
            q.cast()
        } else {
            p
        };
        if zeroed {
            // The pages beyond `had`, if any, are new and zero already.
            std::ptr::write_bytes(q, 0, size.min(had));
        }
        q
    }

    /// A new mapping of `len` bytes (a multiple of 2 MiB) starting on a 2 MiB boundary, where
    /// huge pages can back all of it; null if the system refuses.
    unsafe fn fresh(len: usize) -> *mut u8 {
        let Some(over) = len.checked_add(HUGE) else {
            return std::ptr::null_mut();
        };
        let p = libc::mmap(
            std::ptr::null_mut(),
            over,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = (p as usize).next_multiple_of(HUGE);
        let head = start - p as usize;
        // SAFETY: both cut ranges lie in the mapping just made, outside `[start, start + len)`.
        if head > 0 {
            libc::munmap(p, head);
        }
        if over - head > len {
            libc::munmap((start + len) as *mut libc::c_void, over - head - len);
        }
        advise(start as *mut u8, len);
        start as *mut u8
    }

    /// The block at `p` of `old` bytes resized to `new` (its pages moved, not copied), or null
    /// (the block then stays as it was).
    pub(super) unsafe fn realloc(p: *mut u8, old: usize, new: usize) -> *mut u8 {
        let (had, len) = (length(old), length(new));
        if had == len {
            return p;
        }
        let q = libc::mremap(p.cast(), had, len, libc::MREMAP_MAYMOVE);
        if q == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        advise(q.cast(), len);
        q.cast()
    }

    /// Keeps the freed block for the next large one; beyond [`CACHE_BYTES`] the oldest kept
    /// blocks go back to the system.
    pub(super) unsafe fn free(p: *mut u8, size: usize) {
        let len = length(size);
        if len > CACHE_BYTES {
            libc::munmap(p.cast(), len);
            return;
        }
        let mut c = cache();
        while c.len == SLOTS || c.bytes + len > CACHE_BYTES {
            let (q, l) = c.blocks[0];
            let n = c.len;
            c.blocks.copy_within(1..n, 0);
            c.len -= 1;
            c.bytes -= l;
            libc::munmap(q as *mut libc::c_void, l);
        }
        let n = c.len;
        c.blocks[n] = (p as usize, len);
        c.len += 1;
        c.bytes += len;
    }

    /// Marks the whole 2 MiB pages of `[p, p + len)` for huge pages, or against them where
    /// the host takes freed memory back (only advice: where the kernel refuses, nothing
    /// changes).
    unsafe fn advise(p: *mut u8, len: usize) {
        let start = (p as usize).next_multiple_of(HUGE);
        let end = (p as usize + len) & !(HUGE - 1);
        let advice = if super::ADVISE_HUGE.load(std::sync::atomic::Ordering::Relaxed) {
            libc::MADV_HUGEPAGE
        } else {
            libc::MADV_NOHUGEPAGE
        };
        if end > start {
            libc::madvise(start as *mut libc::c_void, end - start, advice);
        }
    }
}

/// Elsewhere than Linux [`enable`] never takes effect, so nothing is routed here.
#[cfg(not(target_os = "linux"))]
mod map {
    pub(super) unsafe fn alloc(_: usize, _: bool) -> *mut u8 {
        unreachable!("large blocks are mapped on Linux only")
    }
    pub(super) unsafe fn realloc(_: *mut u8, _: usize, _: usize) -> *mut u8 {
        unreachable!("large blocks are mapped on Linux only")
    }
    pub(super) unsafe fn free(_: *mut u8, _: usize) {
        unreachable!("large blocks are mapped on Linux only")
    }
}

#[cfg(test)]
mod feature_tests {
    use super::reports_free_pages;

    /// sysfs `features` of a Firecracker guest's balloon (stats, deflate on OOM, free page
    /// reporting) and of one without reporting.
    #[test]
    fn free_page_reporting_is_feature_bit_five() {
        let with = "0110010100000000000000000000000010000000000000000000000000000000\n";
        let without = "0110000100000000000000000000000010000000000000000000000000000000\n";
        assert!(reports_free_pages(with));
        assert!(!reports_free_pages(without));
        assert!(!reports_free_pages(""));
        assert!(!reports_free_pages("0110"));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::map;

    const MIB: usize = 1 << 20;

    /// A reused block is cleared when asked for zeroed memory, resized blocks keep their bytes,
    /// and blocks larger than what is kept go straight back.
    #[test]
    fn kept_blocks_are_reused_cleared_and_resized_with_their_bytes() {
        // SAFETY: every block is used within its size and freed once, with its size.
        unsafe {
            let a = map::alloc(8 * MIB, false);
            assert!(!a.is_null());
            assert_eq!(
                a as usize % (2 * MIB),
                0,
                "2 MiB-aligned where huge pages can back it"
            );
            std::ptr::write_bytes(a, 0xAB, 8 * MIB);
            map::free(a, 8 * MIB);

            // Smaller: cut from the kept block, cleared.
            let b = map::alloc(6 * MIB, true);
            assert!(!b.is_null());
            let s = std::slice::from_raw_parts(b, 6 * MIB);
            assert!(
                s.iter().all(|&x| x == 0),
                "a reused block is zeroed when asked"
            );
            std::ptr::write_bytes(b, 0x5A, 6 * MIB);

            // Grown and shrunk: the bytes stay.
            let c = map::realloc(b, 6 * MIB, 40 * MIB);
            assert!(!c.is_null());
            let s = std::slice::from_raw_parts(c, 40 * MIB);
            assert!(s[..6 * MIB].iter().all(|&x| x == 0x5A));
            assert!(s[6 * MIB..].iter().all(|&x| x == 0), "new pages are zero");
            let d = map::realloc(c, 40 * MIB, 5 * MIB);
            assert!(std::slice::from_raw_parts(d, 5 * MIB)
                .iter()
                .all(|&x| x == 0x5A));
            map::free(d, 5 * MIB);

            // Larger than any kept block: the largest is grown, and cleared where it was used.
            let e = map::alloc(20 * MIB, true);
            assert!(std::slice::from_raw_parts(e, 20 * MIB)
                .iter()
                .all(|&x| x == 0));
            map::free(e, 20 * MIB);

            // More than the cache keeps: unmapped at once (nothing to assert but no crash).
            let big = super::CACHE_BYTES + 2 * MIB;
            let f = map::alloc(big, false);
            assert!(!f.is_null());
            *f.add(big - 1) = 1;
            map::free(f, big);
        }
    }
}
