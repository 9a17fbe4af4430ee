//! A first-in first-out queue of `u32`s stored in fixed blocks: its memory follows the most
//! entries waiting at once (a breadth-first search's frontier), not the number ever pushed.
//!
//! A `Vec` used as a queue (push at the end, read with a moving head) keeps every entry until
//! the search ends: 4 bytes per node of the whole graph, which at 150 M objects was part of the
//! analyses' peak. Here a block is released (and kept as the one spare for the next push) as
//! soon as it has been read through, so a search holds its frontier plus at most two blocks.

use std::collections::VecDeque;

/// Entries per block (256 KiB).
const BLOCK: usize = 1 << 16;

/// See the module docs. Pops return entries in the order they were pushed.
#[derive(Default)]
pub(crate) struct BlockFifo {
    blocks: VecDeque<Vec<u32>>,
    /// Entries of the front block already popped.
    head: usize,
    /// A read-through block, reused by the next push that needs a block.
    spare: Option<Vec<u32>>,
}

impl BlockFifo {
    pub(crate) fn new() -> BlockFifo {
        BlockFifo::default()
    }

    pub(crate) fn push(&mut self, x: u32) {
        match self.blocks.back_mut() {
            Some(b) if b.len() < BLOCK => b.push(x),
            _ => {
                let mut b = self
                    .spare
                    .take()
                    .unwrap_or_else(|| Vec::with_capacity(BLOCK));
                b.push(x);
                self.blocks.push_back(b);
            }
        }
    }

    pub(crate) fn pop(&mut self) -> Option<u32> {
        loop {
            let front = self.blocks.front()?;
            if let Some(&x) = front.get(self.head) {
                self.head += 1;
                return Some(x);
            }
            // Read through: a full block is done (later pushes go to a new one); a partial
            // one is the last block and is simply empty for now.
            if front.len() < BLOCK {
                return None;
            }
            let mut done = self.blocks.pop_front()?;
            done.clear();
            self.spare = Some(done);
            self.head = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_push_order_across_blocks_and_frees_read_blocks() {
        let mut q = BlockFifo::new();
        let mut expect = std::collections::VecDeque::new();
        let mut next = 0u32;
        // Interleaved pushes and pops, the queue growing to several blocks then draining.
        for round in 0..6 {
            for _ in 0..(BLOCK + 123) * (round % 3 + 1) {
                q.push(next);
                expect.push_back(next);
                next += 1;
            }
            for _ in 0..BLOCK * 2 - 7 {
                assert_eq!(q.pop(), expect.pop_front());
            }
            assert!(q.blocks.len() <= expect.len() / BLOCK + 2);
        }
        while let Some(x) = expect.pop_front() {
            assert_eq!(q.pop(), Some(x));
        }
        assert_eq!(q.pop(), None);
        q.push(7);
        assert_eq!(q.pop(), Some(7));
        assert_eq!(q.pop(), None);
        assert!(q.blocks.len() <= 1);
    }
}
