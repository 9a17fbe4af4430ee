//! Several heap dumps in one file: which heap records belong to which dump (the visitor that
//! lets only the chosen dump's objects and roots through is [`super::front::Front`]).
//!
//! The JDK ≤ 8 `-agentlib:hprof` agent appends one heap dump per request to the same file, so a
//! file may hold several; read together, each object would appear once per dump. Dumps are
//! numbered as Eclipse MAT numbers them (`Pass1Parser`): the counter moves on after every HEAP
//! DUMP (0x0C) record and at every HEAP DUMP END (0x2C), so HotSpot's segments (0x1C … 0x2C)
//! form one dump and each of the agent's HEAP DUMP records is a dump of its own. A dump is
//! counted (and can be chosen) only if some heap record carries its number: MAT's chooser
//! lists the same ones (`#1`, `#2`, …). MAT refuses a multi-dump file without a choice; here
//! the first dump is analyzed by default and the summary says so.
//!
//! Metadata records (strings, classes, frames, traces, threads) are shared by every dump and
//! always pass.

/// Which dump of the file a build reads, and what it has seen of the dumps so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct DumpSelect {
    /// The dump wanted (1-based), `None` for the first.
    wanted: Option<u32>,
    /// MAT's dump counter.
    mat_nr: u32,
    /// A HEAP DUMP (0x0C) record is open: the counter moves on when it ends.
    after_heap_dump: bool,
    /// The counter value of the last heap record that started a dump here.
    last_nr: Option<u32>,
    /// Dumps seen so far (1-based number of the current one).
    dumps: u32,
    /// The current heap record belongs to the chosen dump.
    active: bool,
}

impl DumpSelect {
    pub(crate) fn new(wanted: Option<u32>) -> DumpSelect {
        DumpSelect {
            wanted,
            ..DumpSelect::default()
        }
    }

    /// Starts a pass over the input again (the choice stays).
    pub(crate) fn restart(&mut self) {
        *self = DumpSelect::new(self.wanted);
    }

    /// Heap dumps seen so far (in the whole file once a pass has ended).
    pub(crate) fn dumps(&self) -> u32 {
        self.dumps
    }

    /// Whether the current heap record belongs to the chosen dump.
    pub(super) fn active(&self) -> bool {
        self.active
    }

    /// The dump read (1-based).
    pub(crate) fn chosen(&self) -> u32 {
        self.wanted.unwrap_or(1)
    }

    pub(super) fn heap_record(&mut self, tag: u8) {
        if std::mem::take(&mut self.after_heap_dump) {
            self.mat_nr += 1;
        }
        if self.last_nr != Some(self.mat_nr) {
            self.last_nr = Some(self.mat_nr);
            self.dumps += 1;
        }
        self.active = self.dumps == self.chosen();
        self.after_heap_dump = tag == 0x0C;
    }

    pub(super) fn heap_end(&mut self) {
        if std::mem::take(&mut self.after_heap_dump) {
            self.mat_nr += 1;
        }
        self.mat_nr += 1;
        self.active = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds a sequence of heap-record tags; returns (dumps, which records were active).
    fn run(tags: &[u8], wanted: Option<u32>) -> (u32, Vec<bool>) {
        let mut s = DumpSelect::new(wanted);
        let mut active = Vec::new();
        for &t in tags {
            if t == 0x2C {
                s.heap_end();
            } else {
                s.heap_record(t);
                active.push(s.active);
            }
        }
        (s.dumps(), active)
    }

    #[test]
    fn numbering_follows_mat() {
        // HotSpot: segments then one HEAP DUMP END: one dump.
        assert_eq!(run(&[0x1C, 0x1C, 0x1C, 0x2C], None), (1, vec![true; 3]));
        // Old single HEAP DUMP record (jhat, JDK 6 1.0.1).
        assert_eq!(run(&[0x0C], None), (1, vec![true]));
        // The agent: one HEAP DUMP per request.
        assert_eq!(run(&[0x0C, 0x0C], None), (2, vec![true, false]));
        assert_eq!(run(&[0x0C, 0x0C], Some(2)), (2, vec![false, true]));
        // Two segmented dumps.
        assert_eq!(
            run(&[0x1C, 0x1C, 0x2C, 0x1C, 0x2C], Some(2)),
            (2, vec![false, false, true])
        );
        // A HEAP DUMP followed by its END: MAT's counter moves twice, still one dump each.
        assert_eq!(run(&[0x0C, 0x2C, 0x0C, 0x2C], None), (2, vec![true, false]));
        // A dump number that does not exist: nothing is read.
        assert_eq!(run(&[0x0C], Some(3)), (1, vec![false]));
    }
}
