//! Find in the dominator tree, as pure state: the pattern, its matches fetched a page at a
//! time ([`Paged`]), the latest counts or error, where the list was left (selection, scroll),
//! and whether the matches or the tree are on screen.

use crate::protocol::{TreeSearchPage, TreeSearchQuery, TreeSearchRow};

use super::super::paged::Paged;
use super::{TreeModel, SEARCH_PAGE};

/// A class search over the whole tree and where its list was left.
#[derive(Debug, Clone)]
pub struct Search {
    pub pattern: String,
    pub rows: Paged<TreeSearchRow>,
    /// (matches, listed, classes) of the latest answer.
    pub counts: Option<(u32, u32, u32)>,
    pub error: Option<String>,
    pub selected: usize,
    pub scroll_top: f64,
}

impl TreeModel {
    /// Start a search for `pattern` (trimmed; empty: back to the tree). The same pattern
    /// again only shows its matches. True when a new list must be fetched.
    pub fn start_search(&mut self, pattern: &str) -> bool {
        let pattern = pattern.trim();
        if self.search.as_ref().map(|s| s.pattern.as_str()) == Some(pattern) {
            self.show_search = true;
            return false;
        }
        self.search_epoch += 1;
        if pattern.is_empty() {
            self.search = None;
            self.show_search = false;
            return false;
        }
        let mut rows = Paged::new(SEARCH_PAGE);
        rows.epoch = self.search_epoch;
        self.search = Some(Search {
            pattern: pattern.to_string(),
            rows,
            counts: None,
            error: None,
            selected: 0,
            scroll_top: 0.0,
        });
        self.show_search = true;
        true
    }

    /// The requests for the pages of matches `first..last` not asked for yet (marked as
    /// asked), with the epoch their answers must carry back.
    pub fn claim_matches(&mut self, first: usize, last: usize) -> Vec<(TreeSearchQuery, u32)> {
        let Some(s) = self.search.as_mut() else {
            return Vec::new();
        };
        let epoch = s.rows.epoch;
        s.rows
            .claim(first, last)
            .into_iter()
            .map(|page| {
                let q = TreeSearchQuery {
                    pattern: s.pattern.clone(),
                    offset: page * SEARCH_PAGE,
                    limit: SEARCH_PAGE,
                };
                (q, epoch)
            })
            .collect()
    }

    /// Store the answer for a page of matches (dropped if a newer search started).
    pub fn answer_matches(
        &mut self,
        epoch: u32,
        offset: u32,
        answer: Result<TreeSearchPage, String>,
    ) {
        let Some(s) = self.search.as_mut().filter(|s| s.rows.epoch == epoch) else {
            return;
        };
        let page = offset / SEARCH_PAGE;
        match answer {
            Ok(p) => {
                s.counts = Some((p.total, p.listed, p.classes));
                s.error = None;
                s.rows.fill(epoch, page, p.listed, p.rows);
            }
            Err(e) => {
                s.rows.failed(epoch, page);
                s.error = Some(e);
            }
        }
    }

    pub fn search_row(&self, i: usize) -> Option<&TreeSearchRow> {
        self.search.as_ref()?.rows.get(i)
    }

    /// Matches in the list (0 until the first page arrives).
    pub fn search_len(&self) -> usize {
        self.search.as_ref().map_or(0, |s| s.rows.len())
    }

    /// The matches are on screen (else the tree).
    pub fn showing_search(&self) -> bool {
        self.show_search && self.search.is_some()
    }
}
