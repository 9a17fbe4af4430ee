//! A one-line progress display on stderr, shown only when stderr is a terminal (never in pipes,
//! logs or tests), redrawn only when the text changes.

use std::io::{IsTerminal, Write};

pub struct Progress {
    enabled: bool,
    last: String,
}

const BAR: usize = 30;

impl Progress {
    pub fn new() -> Progress {
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Progress {
            enabled: std::io::stderr().is_terminal() && !dumb,
            last: String::new(),
        }
    }

    /// `phase` has read `done` of `total` input bytes (as stored: compressed bytes for .gz).
    pub fn bytes(&mut self, phase: &str, done: u64, total: u64) {
        if !self.enabled {
            return;
        }
        let pct = (done.min(total) * 100).checked_div(total).unwrap_or(100) as usize;
        let filled = pct * BAR / 100;
        let line = format!(
            "{phase:<11}{pct:>3}% [{}{}]",
            "#".repeat(filled),
            ".".repeat(BAR - filled)
        );
        self.draw(line);
    }

    /// A phase without a measurable fraction.
    pub fn phase(&mut self, phase: &str) {
        if self.enabled {
            self.draw(format!("{phase:<11}…"));
        }
    }

    /// Erases the line (before printing anything else to stderr, and at the end).
    pub fn clear(&mut self) {
        if self.enabled && !self.last.is_empty() {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K");
            let _ = e.flush();
            self.last.clear();
        }
    }

    fn draw(&mut self, line: String) {
        if line == self.last {
            return;
        }
        let mut e = std::io::stderr().lock();
        let _ = write!(e, "\r\x1b[2K{line}");
        let _ = e.flush();
        self.last = line;
    }
}
