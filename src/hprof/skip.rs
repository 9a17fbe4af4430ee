//! Byte ranges a reader leaves out: the contents of primitive arrays a pass does not need.
//!
//! The graph's second pass reads references; the bytes of a `byte[]` or `long[]` hold none, and
//! in a typical dump they are a large share of the file. The first pass records where the large
//! ones lie ([`Skip`]); on an uncompressed file the second pass's caller then reads the file
//! *without* them ([`read_ranges`]: a seek natively, `Blob.slice` in the browser) and the
//! [`Parser`](super::Parser), told the same ranges, steps over each where its array's header
//! ends. The parser checks that every range is exactly the payload of the array whose header
//! precedes it, so a file that changed between the passes is a typed error
//! ([`ErrorKind::SkipMismatch`](super::ErrorKind::SkipMismatch)), never a silent misparse.

/// A range of the (uncompressed) input left out: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skip {
    pub start: u64,
    pub len: u64,
}

impl Skip {
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// The reads that cover `0..size` without the `skips` (sorted, disjoint, as the builder gives
/// them), each at most `chunk` bytes, in order: `(offset, length)`. A skip reaching past `size`
/// ends the reads where it starts.
pub fn read_ranges(skips: &[Skip], size: u64, chunk: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
    let chunk = chunk.max(1);
    let mut at = 0u64;
    let mut next = 0usize;
    std::iter::from_fn(move || loop {
        let (gap_start, gap_end) = match skips.get(next) {
            Some(s) => (s.start.min(size), s.end().min(size)),
            None => (size, size),
        };
        if at < gap_start {
            let len = (gap_start - at).min(chunk);
            let range = (at, len);
            at += len;
            return Some(range);
        }
        if next >= skips.len() {
            return None;
        }
        at = at.max(gap_end);
        next += 1;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_everything_but_the_skips_in_bounded_pieces() {
        let skips = [
            Skip { start: 10, len: 5 },
            Skip { start: 15, len: 3 },
            Skip {
                start: 40,
                len: 100,
            },
        ];
        let reads: Vec<_> = read_ranges(&skips, 60, 8).collect();
        assert_eq!(reads, vec![(0, 8), (8, 2), (18, 8), (26, 8), (34, 6)]);
        assert_eq!(
            read_ranges(&[], 17, 8).collect::<Vec<_>>(),
            vec![(0, 8), (8, 8), (16, 1)]
        );
        assert_eq!(read_ranges(&[], 0, 8).count(), 0);
        // A skip at the very start, and one that ends the file.
        let skips = [Skip { start: 0, len: 4 }, Skip { start: 6, len: 4 }];
        assert_eq!(
            read_ranges(&skips, 10, 100).collect::<Vec<_>>(),
            vec![(4, 2)]
        );
    }
}
