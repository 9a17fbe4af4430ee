//! Long lists on screen, as pure state: [`Paged`] rows fetched a page at a time as they scroll
//! into view, the window of rows to render ([`block_window`]) and keyboard moves
//! ([`nav_target`]). The Leptos side is `virtual_list`; this part is tested natively.

/// The rows of a long list, fetched from the worker a page at a time as they scroll into view.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    page: u32,
    /// Bumped by [`reset`](Self::reset): answers for an older epoch are dropped.
    pub epoch: u32,
    /// Rows in the list; `None` until the first page arrives.
    pub total: Option<u32>,
    pages: std::collections::HashMap<u32, Vec<T>>,
    requested: std::collections::HashSet<u32>,
}

impl<T> Paged<T> {
    pub fn new(page: u32) -> Self {
        Paged {
            page,
            epoch: 0,
            total: None,
            pages: Default::default(),
            requested: Default::default(),
        }
    }
    /// Forget every row (the query changed); returns the new epoch.
    pub fn reset(&mut self) -> u32 {
        self.epoch += 1;
        self.total = None;
        self.pages.clear();
        self.requested.clear();
        self.epoch
    }
    pub fn len(&self) -> usize {
        self.total.unwrap_or(0) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<&T> {
        let p = self.page as usize;
        self.pages.get(&((i / p) as u32))?.get(i % p)
    }
    /// The pages holding rows `first..last` that were not asked for yet, marked as asked (only
    /// the first page while the length is unknown).
    pub fn claim(&mut self, first: usize, last: usize) -> Vec<u32> {
        let wanted: Vec<u32> = match self.total {
            None => vec![0],
            Some(t) => {
                let last = last.min(t as usize);
                if first >= last {
                    Vec::new()
                } else {
                    let p = self.page as usize;
                    ((first / p) as u32..=((last - 1) / p) as u32).collect()
                }
            }
        };
        wanted
            .into_iter()
            .filter(|&p| self.requested.insert(p))
            .collect()
    }
    /// Store an answer; false if it belongs to an older epoch.
    pub fn fill(&mut self, epoch: u32, page: u32, total: u32, rows: Vec<T>) -> bool {
        if epoch != self.epoch {
            return false;
        }
        self.total = Some(total);
        self.requested.insert(page);
        self.pages.insert(page, rows);
        true
    }
    /// A request failed: it may be asked again.
    pub fn failed(&mut self, epoch: u32, page: u32) {
        if epoch == self.epoch {
            self.requested.remove(&page);
        }
    }
}

/// Rows rendered at once by [`block_window`].
pub const BLOCK: usize = 64;

/// Which rows of a virtualized table to render, given the first and last row in view: the
/// blocks of [`BLOCK`] rows that hold them plus one block either side. The DOM changes only
/// when a block boundary scrolls past (not at every scroll event) and never holds more than a
/// few hundred rows, however long the list.
pub fn block_window(first_visible: usize, last_visible: usize, len: usize) -> (usize, usize) {
    block_window_by(first_visible, last_visible, len, BLOCK)
}

/// [`block_window`] with blocks of `block` rows (the tree draws smaller blocks: its rows
/// hold more DOM).
pub fn block_window_by(
    first_visible: usize,
    last_visible: usize,
    len: usize,
    block: usize,
) -> (usize, usize) {
    let block = block.max(1);
    let first = (first_visible / block).saturating_sub(1) * block;
    let last = ((last_visible / block) + 2) * block;
    (first.min(len), last.min(len))
}

/// The index a keyboard key moves a list selection to (`None`: not a navigation key).
pub fn nav_target(key: &str, cur: usize, len: usize, page: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let last = len - 1;
    Some(match key {
        "ArrowDown" => (cur + 1).min(last),
        "ArrowUp" => cur.saturating_sub(1),
        "PageDown" => (cur + page.max(1)).min(last),
        "PageUp" => cur.saturating_sub(page.max(1)),
        "Home" => 0,
        "End" => last,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_claimed_once_and_stale_answers_dropped() {
        let mut p: Paged<u32> = Paged::new(10);
        assert_eq!(
            p.claim(0, 50),
            vec![0],
            "only the first page while the length is unknown"
        );
        assert_eq!(p.claim(0, 50), Vec::<u32>::new());
        assert!(p.fill(0, 0, 25, (0..10).collect()));
        assert_eq!(p.len(), 25);
        assert_eq!(p.claim(0, 100), vec![1, 2]);
        assert!(p.fill(0, 2, 25, (20..25).collect()));
        assert_eq!(p.get(22), Some(&22));
        assert_eq!(p.get(12), None, "page 1 not answered yet");
        p.failed(0, 1);
        assert_eq!(p.claim(10, 11), vec![1], "a failed page may be asked again");
        let e = p.reset();
        assert!(!p.fill(0, 1, 25, vec![]), "answer of an older epoch");
        assert!(p.fill(e, 0, 3, vec![7, 8, 9]));
        assert_eq!(p.get(2), Some(&9));
    }

    #[test]
    fn windows_and_keys() {
        assert_eq!(block_window(0, 20, 1000), (0, 128));
        assert_eq!(block_window(200, 230, 1000), (128, 320));
        assert_eq!(block_window(990, 999, 1000), (896, 1000));
        // The tree's blocks of 16: rows 40..61 in view draw the blocks 16..80 (one either side).
        assert_eq!(block_window_by(40, 61, 100_000, 16), (16, 80));
        assert_eq!(nav_target("ArrowDown", 4, 5, 10), Some(4));
        assert_eq!(nav_target("PageUp", 4, 5, 10), Some(0));
        assert_eq!(nav_target("End", 0, 5, 10), Some(4));
        assert_eq!(nav_target("x", 0, 5, 10), None);
        assert_eq!(nav_target("Home", 0, 0, 10), None);
    }
}
