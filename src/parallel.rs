//! Two pieces of work at once where a second thread can be started, one after the other where
//! it cannot.
//!
//! Natively (the CLI's `--threads 2`: `ReportOptions::threads`, `GraphBuilder::with_threads`)
//! on a scoped second thread; on wasm32 one after the other (a wasm thread needs shared memory
//! and a worker of its own, which the page does not start). Its callers split work whose
//! result does not depend on the split (the report's independent analyses, halves of a sort),
//! so the output is the same bytes either way.

/// Whether [`join`] with `threads` runs its two closures at once.
pub(crate) fn two_threads(threads: usize) -> bool {
    cfg!(not(target_arch = "wasm32")) && threads >= 2
}

/// Runs `here` on this thread and `beside` on a second one when `threads >= 2` (and the target
/// has threads), else `here` then `beside` on this one; returns both results. A panic on the
/// second thread is resumed on this one.
pub(crate) fn join<A, B>(
    threads: usize,
    here: impl FnOnce() -> A,
    beside: impl FnOnce() -> B + Send,
) -> (A, B)
where
    B: Send,
{
    #[cfg(not(target_arch = "wasm32"))]
    if two_threads(threads) {
        return std::thread::scope(|s| {
            let other = s.spawn(beside);
            let a = here();
            let b = other
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (a, b)
        });
    }
    let _ = threads;
    (here(), beside())
}

#[cfg(test)]
mod tests {
    use super::join;

    #[test]
    fn both_results_whatever_the_thread_count() {
        for threads in [0, 1, 2, 8] {
            let (a, b) = join(threads, || 2 + 3, || "beside".len());
            assert_eq!((a, b), (5, 6));
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))]
    fn the_second_closure_runs_on_another_thread_when_asked() {
        let here = std::thread::current().id();
        let (_, there) = join(2, || (), || std::thread::current().id());
        assert_ne!(here, there);
        let (_, same) = join(1, || (), || std::thread::current().id());
        assert_eq!(here, same);
    }
}
