//! Object id → node index lookup used while building edges.
//!
//! Node indices are ranks in the sorted id array, so the sorted ids *are* the map; this adds a
//! bucket table over the address range (about one bucket per two objects) so a lookup is one
//! table read plus a scan of a handful of ids instead of a 24-step binary search. The table is
//! dropped after the build; later lookups (rare, user-driven) binary-search the ids.

use crate::parallel::join;
pub(crate) struct IdIndex {
    min: u64,
    max: u64,
    shift: u32,
    /// `starts[b]` = first node whose id falls in bucket `b`; one extra entry at the end.
    starts: Vec<u32>,
}

impl IdIndex {
    /// `ids` must be sorted ascending and unique.
    pub(crate) fn new<K: Copy + Into<u64>>(ids: &[K]) -> IdIndex {
        let (Some(&min), Some(&max)) = (ids.first(), ids.last()) else {
            return IdIndex {
                min: 1,
                max: 0,
                shift: 0,
                starts: vec![0],
            };
        };
        let (min, max): (u64, u64) = (min.into(), max.into());
        let target = (ids.len() / 2).max(1) as u64;
        let span = max - min;
        let mut shift = 0u32;
        while shift < 63 && (span >> shift) + 1 > target {
            shift += 1;
        }
        let buckets = ((span >> shift) + 1) as usize;
        let mut starts = vec![0u32; buckets + 1];
        let mut b = 0usize;
        for (i, &id) in ids.iter().enumerate() {
            let ib = ((id.into() - min) >> shift) as usize;
            while b <= ib {
                starts[b] = i as u32;
                b += 1;
            }
        }
        while b <= buckets {
            starts[b] = ids.len() as u32;
            b += 1;
        }
        IdIndex {
            min,
            max,
            shift,
            starts,
        }
    }

    #[inline]
    pub(crate) fn get<K: Copy + Into<u64>>(&self, ids: &[K], id: u64) -> Option<u32> {
        if id < self.min || id > self.max {
            return None;
        }
        let b = ((id - self.min) >> self.shift) as usize;
        let (lo, hi) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        let run = &ids[lo..hi];
        if run.len() <= 8 {
            run.iter()
                .position(|&x| x.into() == id)
                .map(|p| (lo + p) as u32)
        } else {
            run.binary_search_by(|&x| x.into().cmp(&id))
                .ok()
                .map(|p| (lo + p) as u32)
        }
    }
}

/// The sorted ids while the graph is built: 4 bytes each when the heap's address range allows
/// (ids are addresses sharing an alignment, so `(id - base) >> shift` fits a `u32` for any
/// heap up to 32 GiB at 8-byte alignment), with the bucket index for fast lookups.
pub(crate) struct SortedIds {
    base: u64,
    shift: u32,
    keys: Keys,
    index: IdIndex,
}

enum Keys {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

/// Result of numbering the objects of pass 1 (see [`SortedIds::number`]).
pub(crate) struct Numbering {
    pub ids: SortedIds,
    /// Stream position → node (`u32::MAX` for records repeating an id).
    pub seq_to_node: Vec<u32>,
    pub duplicates: u64,
}

impl SortedIds {
    /// Numbers objects by the rank of their id: `ids` in stream order (consumed).
    #[cfg(test)]
    pub(crate) fn number(ids: Vec<u64>) -> Numbering {
        Self::number_with_progress(ids, 1, &mut |_| {})
    }

    /// [`number`](Self::number), reporting the fraction done (0.0..=1.0) as it sorts; with
    /// `threads` ≥ 2 (native) the sort runs on two threads (the same result).
    pub(crate) fn number_with_progress(
        ids: Vec<u64>,
        threads: usize,
        progress: &mut dyn FnMut(f64),
    ) -> Numbering {
        let (Some(&base), Some(&max)) = (ids.iter().min(), ids.iter().max()) else {
            return Numbering {
                ids: SortedIds::wide(Vec::new()),
                seq_to_node: Vec::new(),
                duplicates: 0,
            };
        };
        let shift = ids
            .iter()
            .filter(|&&id| id != base)
            .map(|&id| (id - base).trailing_zeros())
            .min()
            .unwrap_or(0)
            .min(16);
        if (max - base) >> shift < u32::MAX as u64 {
            let order: Vec<(u32, u32)> = ids
                .iter()
                .enumerate()
                .map(|(s, &id)| (((id - base) >> shift) as u32, s as u32))
                .collect();
            drop(ids);
            let (keys, seq_to_node, duplicates) = rank(order, threads, progress);
            let index = IdIndex::new(&keys);
            Numbering {
                ids: SortedIds {
                    base,
                    shift,
                    keys: Keys::Narrow(keys),
                    index,
                },
                seq_to_node,
                duplicates,
            }
        } else {
            let order: Vec<(u64, u32)> = ids
                .iter()
                .enumerate()
                .map(|(s, &id)| (id, s as u32))
                .collect();
            drop(ids);
            let (keys, seq_to_node, duplicates) = rank(order, threads, progress);
            Numbering {
                ids: SortedIds::wide(keys),
                seq_to_node,
                duplicates,
            }
        }
    }

    fn wide(keys: Vec<u64>) -> SortedIds {
        let index = IdIndex::new(&keys);
        SortedIds {
            base: 0,
            shift: 0,
            keys: Keys::Wide(keys),
            index,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.keys {
            Keys::Narrow(k) => k.len(),
            Keys::Wide(k) => k.len(),
        }
    }

    /// The id of node `i`.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> u64 {
        match &self.keys {
            Keys::Narrow(k) => self.base + ((k[i] as u64) << self.shift),
            Keys::Wide(k) => k[i],
        }
    }

    /// The node of `id`.
    #[inline]
    pub(crate) fn position(&self, id: u64) -> Option<u32> {
        match &self.keys {
            Keys::Narrow(k) => {
                let off = id.checked_sub(self.base)?;
                if off & ((1u64 << self.shift) - 1) != 0 {
                    return None;
                }
                self.index.get(k, off >> self.shift)
            }
            Keys::Wide(k) => self.index.get(k, id),
        }
    }

    /// The compact column the graph keeps.
    pub(crate) fn into_column(self) -> IdColumn {
        IdColumn::from_sorted_iter(self.len(), || (0..self.len()).map(|i| self.get(i)))
    }
}

/// Stream position → node while pass 2 reads: run-length coded, 8 bytes per run of positions
/// whose nodes follow each other (or that are all `u32::MAX`, records repeating an id). A
/// HotSpot dump is a few thousand id-sorted runs of records, so this is a few kilobytes where
/// the plain column was 4 bytes per object; a stream in no useful order keeps the column.
pub(crate) struct SeqNodes {
    len: usize,
    /// (first position, its node) per run, by position; or the plain column.
    runs: Result<Vec<(u32, u32)>, Vec<u32>>,
}

/// Where a sequential reading of [`SeqNodes`] is.
#[derive(Debug, Default)]
pub(crate) struct SeqCursor {
    seq: usize,
    run: usize,
}

impl SeqNodes {
    pub(crate) fn new(column: Vec<u32>) -> SeqNodes {
        let len = column.len();
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut expect = None;
        for (seq, &node) in column.iter().enumerate() {
            if expect != Some(node) {
                if runs.len() >= len / 4 {
                    // Runs would cost more than the column they code.
                    return SeqNodes {
                        len,
                        runs: Err(column),
                    };
                }
                runs.push((seq as u32, node));
            }
            expect = match node {
                u32::MAX => Some(u32::MAX),
                v => v.checked_add(1).filter(|&w| w != u32::MAX),
            };
        }
        drop(column);
        runs.shrink_to_fit();
        SeqNodes {
            len,
            runs: Ok(runs),
        }
    }

    /// Positions in the stream.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The node at `cursor`'s position (`None` past the end), moving it to the next one.
    #[inline]
    pub(crate) fn next(&self, cursor: &mut SeqCursor) -> Option<u32> {
        let seq = cursor.seq;
        if seq >= self.len {
            return None;
        }
        cursor.seq += 1;
        match &self.runs {
            Err(column) => Some(column[seq]),
            Ok(runs) => {
                while runs
                    .get(cursor.run + 1)
                    .is_some_and(|r| r.0 as usize <= seq)
                {
                    cursor.run += 1;
                }
                let (first, node) = runs[cursor.run];
                Some(match node {
                    u32::MAX => u32::MAX,
                    v => v + (seq - first as usize) as u32,
                })
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        match &self.runs {
            Ok(runs) => runs.capacity() * 8,
            Err(column) => column.capacity() * 4,
        }
    }
}

/// Sorts (key, stream position) pairs; keys, stream position → rank, duplicates dropped.
fn rank<K: Copy + Ord + Default + Send + Sync>(
    mut order: Vec<(K, u32)>,
    threads: usize,
    progress: &mut dyn FnMut(f64),
) -> (Vec<K>, Vec<u32>, u64) {
    sort_with_progress(&mut order, threads, &mut |f| progress(0.9 * f));
    let mut seq_to_node = vec![u32::MAX; order.len()];
    let mut keys = Vec::with_capacity(order.len());
    let mut duplicates = 0;
    for (k, &(key, seq)) in order.iter().enumerate() {
        if k > 0 && order[k - 1].0 == key {
            duplicates += 1;
            continue; // the first record of a duplicated id wins (stable sort: lowest seq first)
        }
        seq_to_node[seq as usize] = keys.len() as u32;
        keys.push(key);
    }
    keys.shrink_to_fit();
    progress(1.0);
    (keys, seq_to_node, duplicates)
}

/// Elements sorted or merged between two progress reports.
const SORT_STEP: usize = 1 << 20;

/// A stable sort that reports progress at least every [`SORT_STEP`] elements (the browser
/// worker must say something every 200 ms; one `sort` of 17 M pairs takes longer): sorts
/// chunks (the stream's sorted runs make each cheap), then merges them pairwise, bottom-up,
/// where a run is a sequence of chunks already in order with each other (a dump in address
/// order is one or a few runs: no merge level copies what is in place).
/// With `threads` ≥ 2 (native) half the chunks are sorted on a second thread and every merge
/// is cut in two at its middle output position (`co_rank`), one half on each thread: the
/// same result (a stable merge of the same runs), in about half the time. Progress is
/// reported by this thread's half.
fn sort_with_progress<T: Copy + Ord + Default + Send + Sync>(
    v: &mut Vec<T>,
    threads: usize,
    progress: &mut dyn FnMut(f64),
) {
    let n = v.len();
    if n <= SORT_STEP {
        v.sort();
        return;
    }
    let levels = (n.div_ceil(SORT_STEP) as f64).log2().ceil().max(1.0);
    let total = 1.0 + levels;
    // Two threads only where they exist: on one, progress must keep coming from every chunk.
    let two = crate::parallel::two_threads(threads);
    if two {
        let chunks = n.div_ceil(SORT_STEP);
        let (here, beside) = v.split_at_mut(chunks.div_ceil(2) * SORT_STEP);
        let here_len = here.len() as f64;
        let mut sorted = 0;
        join(
            threads,
            || {
                for chunk in here.chunks_mut(SORT_STEP) {
                    chunk.sort();
                    sorted += chunk.len();
                    progress(sorted as f64 / here_len / total);
                }
            },
            || beside.chunks_mut(SORT_STEP).for_each(|c| c.sort()),
        );
    } else {
        let mut sorted = 0;
        for chunk in v.chunks_mut(SORT_STEP) {
            chunk.sort();
            sorted += chunk.len();
            progress(sorted as f64 / n as f64 / total);
        }
    }
    // Runs to merge: the sorted chunks, where a chunk that follows its predecessor in order
    // (its first element not before the last one's) joins its run. A dump's objects come
    // mostly in address order, so the chunks form few runs (the class objects, written
    // first, make the first chunk one of its own) and most merge levels of a plain bottom-up
    // merge of chunks would copy what is already in place.
    let mut bounds: Vec<usize> = vec![0];
    for start in (SORT_STEP..n).step_by(SORT_STEP) {
        if v[start] < v[start - 1] {
            bounds.push(start);
        }
    }
    bounds.push(n);
    // Fractions of `total`: the chunks were 1.
    let mut done = 1.0;
    if bounds.len() > 2 {
        let mut src = std::mem::take(v);
        let mut dst: Vec<T> = vec![T::default(); n];
        while bounds.len() > 2 {
            let mut merged = vec![0];
            let mut out = dst.as_mut_slice();
            let mut i = 0;
            while i + 1 < bounds.len() {
                // Runs `start..mid` and `mid..end`; a last run without a partner is copied.
                let (start, mid) = (bounds[i], bounds[i + 1]);
                let end = bounds.get(i + 2).copied().unwrap_or(mid);
                i += 2;
                let (o, rest) = out.split_at_mut(end - start);
                out = rest;
                let (a, b) = (&src[start..mid], &src[mid..end]);
                let mut report = |k: usize| progress((done + k as f64 / n as f64) / total);
                if b.is_empty() {
                    o.copy_from_slice(a);
                } else if two && end - start >= 2 * SORT_STEP {
                    // Cut at the middle output position: each half is a merge of its own.
                    let k = (end - start) / 2;
                    let i = co_rank(a, b, k);
                    let (o1, o2) = o.split_at_mut(k);
                    let ((a1, a2), (b1, b2)) = (a.split_at(i), b.split_at(k - i));
                    join(
                        threads,
                        || merge(a1, b1, o1, &mut |k| report(2 * k)),
                        || merge(a2, b2, o2, &mut |_| {}),
                    );
                } else {
                    merge(a, b, o, &mut report);
                }
                done += (end - start) as f64 / n as f64;
                merged.push(end);
            }
            std::mem::swap(&mut src, &mut dst);
            bounds = merged;
        }
        *v = src;
    }
    progress(1.0);
}

/// How many of `a`'s elements are among the first `k` of the stable merge of `a` and `b`
/// (`a`'s elements first among equals): the smallest `i` such that `a[i]` does not have to
/// precede `b[k - i - 1]`.
fn co_rank<T: Ord>(a: &[T], b: &[T], k: usize) -> usize {
    let (mut lo, mut hi) = (k.saturating_sub(b.len()), k.min(a.len()));
    while lo < hi {
        let i = lo + (hi - lo) / 2;
        let j = k - i;
        // Too few of `a`: its next element is due before the last `b` taken.
        if j > 0 && i < a.len() && a[i] <= b[j - 1] {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    lo
}

/// Stable merge of two sorted runs into `out` (`a`'s elements first among equals).
fn merge<T: Copy + Ord>(a: &[T], b: &[T], out: &mut [T], progress: &mut dyn FnMut(usize)) {
    let (mut i, mut j) = (0, 0);
    for (k, o) in out.iter_mut().enumerate() {
        if k % SORT_STEP == SORT_STEP - 1 {
            progress(k);
        }
        *o = if j >= b.len() || (i < a.len() && a[i] <= b[j]) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_and_nothing_else() {
        let ids: Vec<u64> = (0..1000u64)
            .map(|i| 0x1000 + i * 24 + (i % 7) * 8)
            .collect();
        let mut ids = ids;
        ids.sort();
        ids.dedup();
        let idx = IdIndex::new(&ids);
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(idx.get(&ids, id), Some(i as u32));
            assert_eq!(idx.get(&ids, id + 1), None);
        }
        assert_eq!(idx.get(&ids, 0), None);
        assert_eq!(idx.get(&ids, u64::MAX), None);
        let empty = IdIndex::new::<u64>(&[]);
        assert_eq!(empty.get::<u64>(&[], 5), None);
        let one = IdIndex::new(&[42u32]);
        assert_eq!(one.get(&[42u32], 42), Some(0));
    }

    #[test]
    fn sort_with_progress_sorts_stably_and_reports() {
        // Three "stream runs" across several chunks, with duplicates keyed apart by position.
        let n = 3 * SORT_STEP + 12_345;
        let mut v: Vec<(u32, u32)> = (0..n as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) % 1_000_003 / 7, i))
            .collect();
        let mut expected = v.clone();
        expected.sort();
        let mut reports = Vec::new();
        sort_with_progress(&mut v, 1, &mut |f| reports.push(f));
        assert_eq!(v, expected);
        assert!(reports.len() >= 8, "{reports:?}");
        assert!(
            reports.windows(2).all(|w| w[0] <= w[1] + 1e-9),
            "{reports:?}"
        );
        assert!(reports.iter().all(|&f| (0.0..=1.0 + 1e-9).contains(&f)));
    }

    #[test]
    fn sort_on_two_threads_is_the_same_stable_sort() {
        // Sizes of one chunk and a bit, several, many; keys with many equals, so that merges
        // are cut inside runs of equal keys.
        for (n, keys) in [
            (SORT_STEP + 1, 3u32),
            (3 * SORT_STEP + 12_345, 1_000_003),
            (5 * SORT_STEP, 2),
        ] {
            let v: Vec<(u32, u32)> = (0..n as u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) % keys, i % 1_000))
                .collect();
            let mut whole = v.clone();
            whole.sort();
            let mut one = v.clone();
            sort_with_progress(&mut one, 1, &mut |_| {});
            let mut two = v;
            let mut reports = Vec::new();
            sort_with_progress(&mut two, 2, &mut |f| reports.push(f));
            assert_eq!(one, whole, "n {n}");
            assert_eq!(two, whole, "n {n}");
            assert!(reports.iter().all(|&f| (0.0..=1.0 + 1e-9).contains(&f)));
            assert!(
                reports.windows(2).all(|w| w[0] <= w[1] + 1e-9),
                "{reports:?}"
            );
        }
    }

    /// Input mostly in order, as a dump's objects come: sorted, sorted but for outliers in
    /// the first chunk (class objects), a run out of place in the middle, a last short chunk
    /// out of order; on one thread and two.
    #[test]
    fn sort_of_runs_in_order_is_the_sort() {
        let n = 6 * SORT_STEP + 777;
        let sorted: Vec<(u32, u32)> = (0..n as u32).map(|i| (i * 3, i)).collect();
        let mut outliers = sorted.clone();
        for k in 0..500 {
            outliers[k * 7].0 = 3 * n as u32 + k as u32; // high keys in the first chunk
        }
        let mut moved = sorted.clone();
        moved[2 * SORT_STEP..3 * SORT_STEP]
            .iter_mut()
            .for_each(|e| e.0 += 5 * n as u32);
        let mut tail = sorted.clone();
        tail[6 * SORT_STEP..].iter_mut().for_each(|e| e.0 /= 2);
        for (name, v) in [
            ("sorted", sorted),
            ("outliers", outliers),
            ("moved", moved),
            ("tail", tail),
        ] {
            let mut whole = v.clone();
            whole.sort();
            for threads in [1, 2] {
                let mut got = v.clone();
                let mut reports = Vec::new();
                sort_with_progress(&mut got, threads, &mut |f| reports.push(f));
                assert!(got == whole, "{name}, {threads} threads");
                assert_eq!(reports.last().copied(), Some(1.0), "{name}");
                assert!(reports.windows(2).all(|w| w[0] <= w[1] + 1e-9), "{name}");
            }
        }
    }

    #[test]
    fn co_rank_cuts_a_stable_merge() {
        // Naive: merge stably, then count how many of the first k came from `a`.
        let cases: [(&[u32], &[u32]); 5] = [
            (&[1, 2, 2, 2, 5], &[2, 2, 3]),
            (&[], &[1, 2]),
            (&[1, 2], &[]),
            (&[7, 7, 7], &[7, 7]),
            (&[1, 3, 5, 7], &[2, 4, 6, 8]),
        ];
        for (a, b) in cases {
            let mut tagged: Vec<(u32, u8)> = a.iter().map(|&x| (x, 0)).collect();
            tagged.extend(b.iter().map(|&x| (x, 1)));
            tagged.sort(); // equal values: `a` (tag 0) first
            for k in 0..=a.len() + b.len() {
                let from_a = tagged[..k].iter().filter(|e| e.1 == 0).count();
                assert_eq!(co_rank(a, b, k), from_a, "{a:?} {b:?} k {k}");
            }
        }
    }

    #[test]
    fn seq_nodes_read_back_the_column() {
        let mut column: Vec<u32> = (100..200).collect();
        column.extend([5, 6, u32::MAX, u32::MAX, 7, 0, 1, 2, u32::MAX, 300]);
        column.extend(1000..1100);
        let coded = SeqNodes::new(column.clone());
        assert!(coded.heap_bytes() < column.len(), "{}", coded.heap_bytes());
        let mut cursor = SeqCursor::default();
        let read: Vec<u32> = std::iter::from_fn(|| coded.next(&mut cursor)).collect();
        assert_eq!(read, column);
        assert_eq!(coded.len(), column.len());
        // No useful order: the column itself.
        let shuffled: Vec<u32> = (0..64u32).map(|i| i.wrapping_mul(37) % 64).collect();
        let plain = SeqNodes::new(shuffled.clone());
        let mut cursor = SeqCursor::default();
        let read: Vec<u32> = std::iter::from_fn(|| plain.next(&mut cursor)).collect();
        assert_eq!(read, shuffled);
        let empty = SeqNodes::new(Vec::new());
        assert_eq!(empty.next(&mut SeqCursor::default()), None);
    }

    #[test]
    fn numbering_ranks_ids_and_drops_duplicates() {
        // Stream order: two sorted runs, a duplicate id (the first record wins).
        let stream = vec![0x1010u64, 0x1020, 0x1040, 0x1000, 0x1030, 0x1020];
        let n = SortedIds::number(stream.clone());
        assert_eq!(n.duplicates, 1);
        assert_eq!(n.seq_to_node, vec![1, 2, 4, 0, 3, u32::MAX]);
        assert_eq!(
            (0..n.ids.len()).map(|i| n.ids.get(i)).collect::<Vec<_>>(),
            vec![0x1000, 0x1010, 0x1020, 0x1030, 0x1040]
        );
        for (i, id) in [0x1000u64, 0x1010, 0x1020, 0x1030, 0x1040]
            .into_iter()
            .enumerate()
        {
            assert_eq!(n.ids.position(id), Some(i as u32));
            assert_eq!(n.ids.position(id + 8), None);
        }
        assert_eq!(n.ids.position(0xfff), None);
        // Too wide for u32 keys: the ids stay 8 bytes.
        let wide = SortedIds::number(vec![1 << 50, 8, 1 << 60]);
        assert_eq!(wide.ids.position(1 << 60), Some(2));
        assert_eq!(wide.ids.into_column().get(1), Some(1 << 50));
        assert_eq!(SortedIds::number(Vec::new()).ids.len(), 0);
    }
}

/// A fast keyed hasher for object ids, symbol ids and node indices: one 64×64→128-bit multiply
/// of the key xor a secret by a second secret, folded (the `folded_multiply` of foldhash and
/// wyhash). Ids come from the file, so an unkeyed hash lets a crafted dump put every key in one
/// probe sequence (100 k crafted ids took 46 s instead of 0.08 s); with secrets the file cannot
/// know, the keys spread. Seeds come from [`IdBuildHasher::default`].
#[derive(Clone, Copy)]
pub struct IdHasher {
    state: u64,
    key: u64,
}

#[inline]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let p = (a as u128) * (b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.state = folded_multiply(self.state ^ i, self.key);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // One more fold by a fixed odd constant: the keyed multiply leaves the low bits (the
        // bucket) depending on only a few bits of the key for ids that differ in high bits, so
        // some keys would pile crafted ids into few buckets.
        folded_multiply(self.state, 0x9E37_79B9_7F4A_7C15)
    }
}

/// Builds [`IdHasher`]s with this map's secrets.
#[derive(Clone, Copy)]
pub struct IdBuildHasher {
    seed: u64,
    key: u64,
}

/// Extra secret bits mixed into every later seed (see [`add_hash_entropy`]).
static ENTROPY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static MAPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Mixes `x` into the seeds of every id map created afterwards. Natively the standard library's
/// random keys already make them secret; a host without them (wasm32 in a browser, where std has
/// no randomness) should call this once with random bits (e.g. `crypto.getRandomValues`).
pub fn add_hash_entropy(x: u64) {
    use std::sync::atomic::Ordering;
    let _ = ENTROPY.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |e| {
        Some(folded_multiply(e ^ x, 0x9E37_79B9_7F4A_7C15) ^ x)
    });
}

impl Default for IdBuildHasher {
    /// Fresh secrets per map: std's per-process random keys (native), the address of a stack
    /// slot and of a fresh heap cell (which vary with the run), a counter, and any entropy the
    /// host added. Nothing here is read from the dump.
    fn default() -> Self {
        use std::hash::BuildHasher;
        use std::sync::atomic::Ordering;
        let n = MAPS.fetch_add(1, Ordering::Relaxed);
        let std_random = std::collections::hash_map::RandomState::new().hash_one(n);
        let local = 0u8;
        let stack = std::ptr::addr_of!(local) as usize as u64;
        let cell = Box::new(0u8);
        let heap = std::ptr::addr_of!(*cell) as usize as u64;
        let entropy = ENTROPY.load(Ordering::Relaxed);
        const K1: u64 = 0x9E37_79B9_7F4A_7C15;
        const K2: u64 = 0xD6E8_FEB8_6659_FD93;
        let a = folded_multiply(std_random ^ stack ^ K1, entropy ^ n ^ K2);
        let b = folded_multiply(a ^ heap ^ K2, std_random.rotate_left(32) ^ K1);
        IdBuildHasher {
            seed: a,
            // Odd and with high bits set, so the multiply never collapses.
            key: b | 1 | (1 << 63),
        }
    }
}

impl std::hash::BuildHasher for IdBuildHasher {
    type Hasher = IdHasher;
    #[inline]
    fn build_hasher(&self) -> IdHasher {
        IdHasher {
            state: self.seed,
            key: self.key,
        }
    }
}

/// HashMap keyed by ids or node indices (keyed hash: see [`IdHasher`]).
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, IdBuildHasher>;

/// The sorted object ids of the graph, about 1.2 bytes each.
///
/// Ids are addresses sharing an alignment (`1 << shift`), so consecutive sorted ids differ by
/// an object's size in alignment units, nearly always under 255 (2 KiB at 8-byte alignment).
/// Each id is stored as that difference in one byte; blocks of [`BLOCK`] ids start from a full
/// id, so reading one sums at most `BLOCK - 1` bytes. Differences of 255 units or more are
/// kept exactly in a side table sorted by node.
pub(crate) struct IdColumn {
    shift: u32,
    /// First id of each block.
    block_base: Vec<u64>,
    /// Per id: difference to the previous id in units, `BIG` if in `big`; 0 for block starts.
    deltas: Vec<u8>,
    /// (node, difference in units) of the differences of `BIG` units or more.
    big: Vec<(u32, u64)>,
}

const BLOCK: usize = 64;
const BIG: u8 = u8::MAX;

/// [`IdColumn::raw_parts`]: `(shift, block_base, deltas, big)`.
pub(crate) type IdColumnParts<'a> = (u32, &'a [u64], &'a [u8], &'a [(u32, u64)]);

impl IdColumn {
    /// `ids` sorted ascending and unique.
    #[cfg(test)]
    pub(crate) fn from_sorted(ids: Vec<u64>) -> IdColumn {
        Self::from_sorted_iter(ids.len(), || ids.iter().copied())
    }

    /// From `len` sorted unique ids, yielded twice by `ids()` (once to find the alignment).
    pub(crate) fn from_sorted_iter<I: Iterator<Item = u64>>(
        len: usize,
        ids: impl Fn() -> I,
    ) -> IdColumn {
        let mut base = None;
        let mut shift = 16u32;
        for id in ids() {
            let b = *base.get_or_insert(id);
            if id != b {
                shift = shift.min((id - b).trailing_zeros());
            }
        }
        let mut col = IdColumn {
            shift,
            block_base: Vec::with_capacity(len.div_ceil(BLOCK)),
            deltas: Vec::with_capacity(len),
            big: Vec::new(),
        };
        let mut prev = 0u64;
        for (i, id) in ids().enumerate() {
            if i % BLOCK == 0 {
                col.block_base.push(id);
                col.deltas.push(0);
            } else {
                let units = (id - prev) >> shift;
                if units < BIG as u64 {
                    col.deltas.push(units as u8);
                } else {
                    col.deltas.push(BIG);
                    col.big.push((i as u32, units));
                }
            }
            prev = id;
        }
        col
    }

    #[inline]
    fn units(&self, i: usize, d: u8) -> u64 {
        if d == BIG {
            let k = self
                .big
                .binary_search_by_key(&(i as u32), |e| e.0)
                .expect("big delta recorded");
            self.big[k].1
        } else {
            d as u64
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<u64> {
        if i >= self.deltas.len() {
            return None;
        }
        let start = i - i % BLOCK;
        let run = &self.deltas[start + 1..=i];
        let mut units: u64 = run.iter().map(|&d| d as u64).sum();
        if run.contains(&BIG) {
            units = run
                .iter()
                .enumerate()
                .map(|(k, &d)| self.units(start + 1 + k, d))
                .sum();
        }
        Some(self.block_base[i / BLOCK] + (units << self.shift))
    }

    pub(crate) fn find(&self, id: u64) -> Option<u32> {
        let b = self
            .block_base
            .partition_point(|&x| x <= id)
            .checked_sub(1)?;
        let start = b * BLOCK;
        let mut cur = self.block_base[b];
        let end = (start + BLOCK).min(self.deltas.len());
        for i in start..end {
            if i > start {
                cur += self.units(i, self.deltas[i]) << self.shift;
            }
            if cur == id {
                return Some(i as u32);
            }
            if cur > id {
                return None;
            }
        }
        None
    }

    pub(crate) fn len(&self) -> usize {
        self.deltas.len()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.block_base.capacity() * 8 + self.deltas.capacity() + self.big.capacity() * 16
    }

    /// The raw columns `(shift, block_base, deltas, big)` (for `graph::snapshot`).
    pub(crate) fn raw_parts(&self) -> IdColumnParts<'_> {
        (self.shift, &self.block_base, &self.deltas, &self.big)
    }

    /// Reassembles a column from [`raw_parts`](Self::raw_parts) (trusted: not re-validated).
    pub(crate) fn from_raw_parts(
        shift: u32,
        block_base: Vec<u64>,
        deltas: Vec<u8>,
        big: Vec<(u32, u64)>,
    ) -> IdColumn {
        IdColumn {
            shift,
            block_base,
            deltas,
            big,
        }
    }
}

#[cfg(test)]
mod column_tests {
    use super::*;

    #[test]
    fn delta_column_round_trips() {
        // Mostly small gaps, some huge ones (big arrays, far regions), odd alignment.
        let mut ids: Vec<u64> = Vec::new();
        let mut id = 0xfd00_0000u64;
        for i in 0..5000u64 {
            id += 24
                + (i % 7) * 8
                + if i % 97 == 0 { 1 << 20 } else { 0 }
                + if i == 3000 { 1 << 45 } else { 0 };
            ids.push(id);
        }
        let col = IdColumn::from_sorted(ids.clone());
        assert_eq!(col.len(), ids.len());
        assert!(col.heap_bytes() < ids.len() * 2);
        for (i, &id) in ids.iter().enumerate() {
            assert_eq!(col.get(i), Some(id));
            assert_eq!(col.find(id), Some(i as u32));
            assert_eq!(col.find(id + 8), None);
            assert_eq!(col.find(id + 1), None);
        }
        assert_eq!(col.get(ids.len()), None);
        assert_eq!(col.find(0), None);
        assert_eq!(col.find(u64::MAX), None);
        let odd = IdColumn::from_sorted(vec![1, 1 << 40, 1 << 50]);
        assert_eq!(odd.find(1 << 40), Some(1));
        assert_eq!(odd.get(2), Some(1 << 50));
        assert_eq!(IdColumn::from_sorted(vec![]).find(5), None);
        assert_eq!(IdColumn::from_sorted(vec![7]).get(0), Some(7));
    }
}

/// Class index and array length of every node in one `u32` when possible: 20 bits of class
/// (a million classes) and 12 bits of length; lengths ≥ 4095 (rare: big arrays) live in a
/// sorted side table. Saves 4 bytes per object over two columns; dumps with more classes keep
/// two columns.
pub(crate) enum ClassLenColumn {
    Packed {
        packed: Vec<u32>,
        long_lens: Vec<(u32, u32)>,
    },
    Split {
        class_of: Vec<u32>,
        lens: Vec<u32>,
    },
}

const CLASS_BITS: u32 = 20;
const CLASS_MASK: u32 = (1 << CLASS_BITS) - 1;
const LEN_ESCAPE: u32 = (1 << (32 - CLASS_BITS)) - 1;

impl ClassLenColumn {
    pub(crate) fn new(class_of: Vec<u32>, lens: Vec<u32>, classes: usize) -> ClassLenColumn {
        if classes > CLASS_MASK as usize {
            return ClassLenColumn::Split { class_of, lens };
        }
        let mut long_lens = Vec::new();
        let packed = class_of
            .iter()
            .zip(&lens)
            .enumerate()
            .map(|(node, (&c, &len))| {
                let l = if len >= LEN_ESCAPE {
                    long_lens.push((node as u32, len));
                    LEN_ESCAPE
                } else {
                    len
                };
                c | (l << CLASS_BITS)
            })
            .collect();
        ClassLenColumn::Packed { packed, long_lens }
    }

    pub(crate) fn node_count(&self) -> usize {
        match self {
            ClassLenColumn::Packed { packed, .. } => packed.len(),
            ClassLenColumn::Split { class_of, .. } => class_of.len(),
        }
    }

    #[inline]
    pub(crate) fn class(&self, node: usize) -> Option<u32> {
        match self {
            ClassLenColumn::Packed { packed, .. } => packed.get(node).map(|&p| p & CLASS_MASK),
            ClassLenColumn::Split { class_of, .. } => class_of.get(node).copied(),
        }
    }

    #[inline]
    pub(crate) fn len(&self, node: usize) -> u32 {
        match self {
            ClassLenColumn::Packed { packed, long_lens } => {
                let l = packed[node] >> CLASS_BITS;
                if l != LEN_ESCAPE {
                    return l;
                }
                let i = long_lens
                    .binary_search_by_key(&(node as u32), |e| e.0)
                    .expect("escaped length recorded");
                long_lens[i].1
            }
            ClassLenColumn::Split { lens, .. } => lens[node],
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        match self {
            ClassLenColumn::Packed { packed, long_lens } => {
                packed.capacity() * 4 + long_lens.capacity() * 8
            }
            ClassLenColumn::Split { class_of, lens } => (class_of.capacity() + lens.capacity()) * 4,
        }
    }
}

#[cfg(test)]
mod class_len_tests {
    use super::*;

    #[test]
    fn packs_and_escapes() {
        let class_of = vec![0, 5, CLASS_MASK, 7];
        let lens = vec![0, 4094, 4095, u32::MAX];
        let col = ClassLenColumn::new(class_of.clone(), lens.clone(), CLASS_MASK as usize);
        assert!(matches!(col, ClassLenColumn::Packed { .. }));
        for i in 0..4 {
            assert_eq!(col.class(i), Some(class_of[i]));
            assert_eq!(col.len(i), lens[i]);
        }
        let split = ClassLenColumn::new(class_of.clone(), lens.clone(), CLASS_MASK as usize + 1);
        assert!(matches!(split, ClassLenColumn::Split { .. }));
        assert_eq!(split.len(3), u32::MAX);
    }
}

#[cfg(test)]
mod hash_tests {
    use super::*;

    #[test]
    fn maps_get_different_secrets_and_spread_crafted_keys() {
        let (a, b) = (IdBuildHasher::default(), IdBuildHasher::default());
        assert!(a.seed != b.seed || a.key != b.key);
        // Keys differing only in their high bits (which a single multiply never moves down)
        // land in many buckets of a small table.
        let mut buckets = std::collections::HashSet::new();
        for k in 0..1000u64 {
            use std::hash::BuildHasher;
            buckets.insert(a.hash_one(k << 40) & 1023);
        }
        assert!(buckets.len() > 500, "{}", buckets.len());
    }

    /// Old (unkeyed, one multiply) vs keyed hash on address-like ids: insert + lookup of 2 M.
    /// `cargo test --release -p heaplens --lib hash_speed -- --ignored --nocapture`.
    #[test]
    #[ignore = "measures"]
    fn hash_speed() {
        #[derive(Default, Clone, Copy)]
        struct Old(u64);
        impl std::hash::Hasher for Old {
            fn write(&mut self, _: &[u8]) {
                unimplemented!()
            }
            fn write_u64(&mut self, i: u64) {
                self.0 = (self.0 ^ i ^ (i >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
            fn finish(&self) -> u64 {
                self.0 ^ (self.0 >> 32)
            }
        }
        let ids: Vec<u64> = (0..2_000_000u64).map(|i| 0x7_0000_0000 + i * 24).collect();
        fn run<S: std::hash::BuildHasher + Default>(ids: &[u64]) -> (f64, u64) {
            let t = std::time::Instant::now();
            let mut m: std::collections::HashMap<u64, u32, S> = Default::default();
            for (i, &id) in ids.iter().enumerate() {
                m.insert(id, i as u32);
            }
            let mut s = 0u64;
            for _ in 0..4 {
                for &id in ids {
                    s += *m.get(&id).unwrap() as u64;
                }
            }
            (t.elapsed().as_secs_f64(), s)
        }
        let old = run::<std::hash::BuildHasherDefault<Old>>(&ids);
        let new = run::<IdBuildHasher>(&ids);
        assert_eq!(old.1, new.1);
        eprintln!(
            "2 M inserts + 8 M lookups: unkeyed {:.3} s, keyed {:.3} s",
            old.0, new.0
        );
    }
}
