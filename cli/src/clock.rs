//! A stamp of wall time and this thread's CPU time, for `--stats`: on a shared machine the wall
//! time of a phase says little (other processes take the CPU), its CPU time is what the code
//! costs. The analysis runs on the main thread, so the thread's time is the work's.

use std::time::Instant;

#[derive(Clone, Copy)]
pub(crate) struct Stamp {
    wall: Instant,
    /// Seconds this thread has run (user + system), where Linux tells it.
    cpu: Option<f64>,
    /// The process's peak resident set so far, in bytes (Linux `VmHWM`).
    peak: Option<u64>,
}

impl Stamp {
    pub(crate) fn now() -> Stamp {
        Stamp {
            wall: Instant::now(),
            cpu: thread_cpu_s(),
            peak: peak_rss_bytes(),
        }
    }
    /// `"  1.234 s"` of wall time since `earlier`, then `" (cpu 0.987 s)"` and the peak
    /// resident set so far (`"  peak 645 MiB"`) where known.
    pub(crate) fn since(&self, earlier: &Stamp) -> String {
        let wall = self.wall.duration_since(earlier.wall).as_secs_f64();
        let mut s = match (self.cpu, earlier.cpu) {
            (Some(b), Some(a)) => format!("{wall:>8.3} s  (cpu {:.3} s)", (b - a).max(0.0)),
            _ => format!("{wall:>8.3} s"),
        };
        if let Some(p) = self.peak {
            s.push_str(&format!("  peak {} MiB", p >> 20));
        }
        s
    }
    pub(crate) fn wall(&self) -> Instant {
        self.wall
    }
}

/// Peak resident set size of this process (Linux `VmHWM`).
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The calling thread's time on a CPU (the first field of `/proc/thread-self/schedstat`, in
/// nanoseconds: user and system time together).
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}
