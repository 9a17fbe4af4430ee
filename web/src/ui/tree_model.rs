//! The dominator tree's state as pure data: which nodes are loaded (a page of children at a
//! time), which are expanded, the flattened rows on screen ([`Slot`]s), each row's treegrid
//! facts ([`RowAria`]), the selection and what a key does to it ([`TreeKey`]), the steps of
//! revealing a deep node ([`RevealStep`]) and the class search ([`search`]). No Leptos here:
//! the component (`tree`) keeps a [`TreeModel`] in a signal and asks the worker for what it
//! lacks; this model is tested natively (web/tests/tree_model.rs).

pub mod search;

use std::collections::{HashMap, HashSet};

use crate::protocol::{ChildrenPage, ChildrenQuery, TreeRow, TreeSort, TreeStep};

pub use search::Search;

/// Row height in px (CSS `.trow` must match).
pub const ROW_H: f64 = 28.0;
/// Height of the sticky header row in px (CSS `.trow.thead` must match).
pub const HEAD_H: f64 = 32.0;
/// Children fetched per request.
pub const PAGE: u32 = 200;
/// Search matches fetched per request.
pub const SEARCH_PAGE: u32 = 200;
/// Rows drawn at once by the tree's virtual list (a block either side of the ones in view):
/// smaller than the tables' blocks, a tree row holds more DOM.
pub const BLOCK: usize = 16;
/// Parent marker for the super-root's children.
pub const ROOT: u32 = u32::MAX;

#[derive(Debug, Clone, Default)]
pub struct Kids {
    pub total: u32,
    pub pages: HashMap<u32, Vec<u32>>,
    pub requested: HashSet<u32>,
}

#[derive(Debug, Clone)]
pub struct TNode {
    pub row: TreeRow,
    pub expanded: bool,
    pub kids: Option<Kids>,
}

/// One row of the flattened tree. `pos`: position among its siblings (under `parent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Node {
        idx: u32,
        depth: u16,
        parent: u32,
        pos: u32,
    },
    Pending {
        parent: u32,
        page: u32,
        depth: u16,
        pos: u32,
    },
}

impl Slot {
    pub fn depth(self) -> u16 {
        match self {
            Slot::Node { depth, .. } | Slot::Pending { depth, .. } => depth,
        }
    }
    pub fn parent_pos(self) -> (u32, u32) {
        match self {
            Slot::Node { parent, pos, .. } | Slot::Pending { parent, pos, .. } => (parent, pos),
        }
    }
}

/// State of the tree (kept across navigation, reset per dump).
#[derive(Debug, Clone, Default)]
pub struct TreeModel {
    pub nodes: Vec<TNode>,
    pub root: Kids,
    pub flat: Vec<Slot>,
    pub sort: TreeSort,
    /// Bumped when the sort changes: answers for an older epoch are dropped.
    pub epoch: u32,
    pub started: bool,
    pub selected: usize,
    pub scroll_top: f64,
    pub search: Option<Search>,
    /// The search's matches are on screen (else the tree).
    pub show_search: bool,
    /// Epoch of the latest search's list (answers for an older search are dropped).
    pub search_epoch: u32,
}

impl TreeModel {
    pub fn kids(&self, parent: u32) -> Option<&Kids> {
        if parent == ROOT {
            Some(&self.root)
        } else {
            self.nodes.get(parent as usize)?.kids.as_ref()
        }
    }

    pub fn kids_mut(&mut self, parent: u32) -> Option<&mut Kids> {
        if parent == ROOT {
            Some(&mut self.root)
        } else {
            self.nodes.get_mut(parent as usize)?.kids.as_mut()
        }
    }

    pub fn flatten(&mut self) {
        let mut out = Vec::new();
        // Explicit stack (no recursion: dominator chains can be very deep): (parent, next
        // position to emit, depth).
        let mut stack: Vec<(u32, u32, u16)> = vec![(ROOT, 0, 0)];
        while let Some(&(parent, pos, depth)) = stack.last() {
            let Some(kids) = self.kids(parent) else {
                stack.pop();
                continue;
            };
            if pos >= kids.total {
                stack.pop();
                continue;
            }
            let page = pos / PAGE;
            let end = ((page + 1) * PAGE).min(kids.total);
            match kids.pages.get(&page) {
                Some(list) => {
                    let j = (pos - page * PAGE) as usize;
                    let Some(&idx) = list.get(j) else {
                        // A short page (the list shrank): skip the rest of it.
                        stack.last_mut().expect("non-empty").1 = end;
                        continue;
                    };
                    out.push(Slot::Node {
                        idx,
                        depth,
                        parent,
                        pos,
                    });
                    stack.last_mut().expect("non-empty").1 = pos + 1;
                    let n = &self.nodes[idx as usize];
                    if n.expanded && n.kids.is_some() {
                        stack.push((idx, 0, depth + 1));
                    }
                }
                None => {
                    out.extend((pos..end).map(|p| Slot::Pending {
                        parent,
                        page,
                        depth,
                        pos: p,
                    }));
                    stack.last_mut().expect("non-empty").1 = end;
                }
            }
        }
        self.flat = out;
        if self.selected >= self.flat.len() {
            self.selected = self.flat.len().saturating_sub(1);
        }
    }

    /// Back to the first level, in `sort` order (the search, if any, is kept).
    pub fn reset(&mut self, sort: TreeSort, root_total: u32) {
        let epoch = self.epoch + 1;
        let search = self.search.take();
        let (show_search, search_epoch) = (self.show_search, self.search_epoch);
        *self = TreeModel {
            sort,
            epoch,
            started: true,
            search,
            show_search,
            search_epoch,
            ..Default::default()
        };
        self.root.total = root_total;
        self.flatten();
    }

    pub fn set_expanded(&mut self, idx: u32, expanded: bool) {
        let Some(n) = self.nodes.get_mut(idx as usize) else {
            return;
        };
        if n.row.children == 0 {
            return;
        }
        n.expanded = expanded;
        if expanded && n.kids.is_none() {
            n.kids = Some(Kids {
                total: n.row.children,
                ..Default::default()
            });
        }
        self.flatten();
    }

    pub fn parent_slot(&self, at: usize) -> Option<usize> {
        let d = self.flat.get(at)?.depth();
        (0..at).rev().find(|&i| self.flat[i].depth() + 1 == d)
    }

    /// Store a page of children (unless another answer for it came first).
    pub fn fill(&mut self, parent: u32, page: u32, answer: ChildrenPage) {
        if self
            .kids(parent)
            .is_none_or(|k| k.pages.contains_key(&page))
        {
            return;
        }
        let base = self.nodes.len() as u32;
        let n = answer.rows.len() as u32;
        self.nodes.extend(answer.rows.into_iter().map(|row| TNode {
            row,
            expanded: false,
            kids: None,
        }));
        let kids = self.kids_mut(parent).expect("checked above");
        kids.total = answer.total;
        kids.pages.insert(page, (base..base + n).collect());
    }

    /// The loaded child of `parent` with this object id (looked for in `page` first).
    pub fn find_child(&self, parent: u32, page: u32, object_id: &str) -> Option<u32> {
        let kids = self.kids(parent)?;
        let is = |&i: &u32| self.nodes[i as usize].row.object_id == object_id;
        kids.pages
            .get(&page)
            .and_then(|l| l.iter().copied().find(is))
            .or_else(|| kids.pages.values().flatten().copied().find(is))
    }

    /// Store the answer for one page of children asked at `epoch`; false if it failed or
    /// belongs to an older sort. A failed page may be asked again when it scrolls into view.
    pub fn answer(
        &mut self,
        parent: u32,
        page: u32,
        epoch: u32,
        answer: Result<ChildrenPage, String>,
    ) -> bool {
        if self.epoch != epoch {
            return false;
        }
        let ok = match answer {
            Ok(a) => {
                self.fill(parent, page, a);
                true
            }
            Err(_) => {
                if let Some(kids) = self.kids_mut(parent) {
                    kids.requested.remove(&page);
                }
                false
            }
        };
        self.flatten();
        ok
    }

    /// The pages of the placeholder rows among rows `first..last` not asked for yet, marked
    /// as asked: `(parent, page)`, each once.
    pub fn claim_pending(&mut self, first: usize, last: usize) -> Vec<(u32, u32)> {
        let end = last.min(self.flat.len());
        let mut wanted: Vec<(u32, u32)> = self.flat[first.min(end)..end]
            .iter()
            .filter_map(|s| match *s {
                Slot::Pending { parent, page, .. } => Some((parent, page)),
                _ => None,
            })
            .collect();
        wanted.dedup();
        wanted.retain(|&(parent, page)| {
            self.kids_mut(parent)
                .is_some_and(|k| k.requested.insert(page))
        });
        wanted
    }

    /// What a treegrid row announces: its level (1 for the first), its position among its
    /// siblings (from 1) and how many they are.
    pub fn aria(&self, i: usize) -> Option<RowAria> {
        let slot = *self.flat.get(i)?;
        let (parent, pos) = slot.parent_pos();
        Some(RowAria {
            level: slot.depth() as u32 + 1,
            posinset: pos + 1,
            setsize: self.kids(parent).map_or(0, |k| k.total),
        })
    }

    /// What rows `first..last` show, one key each: a row whose key is unchanged need not be
    /// drawn again (the epoch tells two sorts' nodes apart).
    pub fn row_keys(&self, first: usize, last: usize) -> Vec<RowKey> {
        let end = last.min(self.flat.len());
        (first.min(end)..end)
            .filter_map(|i| {
                let slot = self.flat[i];
                let expanded = match slot {
                    Slot::Node { idx, .. } => self.nodes[idx as usize].expanded,
                    Slot::Pending { .. } => false,
                };
                Some(RowKey {
                    epoch: self.epoch,
                    i,
                    slot,
                    expanded,
                    aria: self.aria(i)?,
                })
            })
            .collect()
    }

    /// The flattened row showing node `idx`, if drawn (its ancestors expanded).
    pub fn row_of(&self, idx: u32) -> Option<usize> {
        self.flat
            .iter()
            .position(|s| matches!(*s, Slot::Node { idx: n, .. } if n == idx))
    }

    /// What `key` does with row `cur` selected (`page`: rows in a screenful). ← on an
    /// expanded row collapses it, elsewhere selects its parent; → expands, then steps into
    /// the first child; Enter opens the object.
    pub fn key(&self, key: &str, cur: usize, page: usize) -> Option<TreeKey> {
        let len = self.flat.len();
        if len == 0 {
            return None;
        }
        let cur = cur.min(len - 1);
        if !matches!(key, "ArrowRight" | "ArrowLeft" | "Enter") {
            return super::paged::nav_target(key, cur, len, page).map(TreeKey::Select);
        }
        let Slot::Node { idx, .. } = self.flat[cur] else {
            return None;
        };
        let n = &self.nodes[idx as usize];
        let has_kids = n.row.children > 0;
        match key {
            "Enter" => Some(TreeKey::Open(n.row.object_id.clone())),
            "ArrowRight" if has_kids && !n.expanded => Some(TreeKey::Expand(idx)),
            "ArrowRight" if has_kids => Some(TreeKey::Select((cur + 1).min(len - 1))),
            "ArrowLeft" if n.expanded => Some(TreeKey::Collapse(idx)),
            "ArrowLeft" => self.parent_slot(cur).map(TreeKey::Select),
            _ => None,
        }
    }

    /// One step of revealing a node by its path from the top: the child of `parent` at
    /// `step` (positions in retained order), or the page to fetch first.
    pub fn reveal_step(&self, parent: u32, step: &TreeStep) -> RevealStep {
        let page = step.index / PAGE;
        match self.kids(parent) {
            None => RevealStep::Missing,
            Some(k) if !k.pages.contains_key(&page) => RevealStep::Fetch(page),
            Some(_) => self
                .find_child(parent, page, &step.object_id)
                .map_or(RevealStep::Missing, RevealStep::At),
        }
    }
}

/// The treegrid facts of one row (`aria-level`, `aria-posinset`, `aria-setsize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowAria {
    pub level: u32,
    pub posinset: u32,
    pub setsize: u32,
}

/// One drawn row of the tree: where it is, what it shows (see [`TreeModel::row_keys`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowKey {
    pub epoch: u32,
    pub i: usize,
    pub slot: Slot,
    pub expanded: bool,
    pub aria: RowAria,
}

/// What a key does in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeKey {
    /// Select this row.
    Select(usize),
    Expand(u32),
    Collapse(u32),
    /// Open this object in the inspector.
    Open(String),
}

/// The next step of a reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevealStep {
    /// The node, loaded: expand it and go on (or select it, the last step).
    At(u32),
    /// Fetch this page of the parent's children first.
    Fetch(u32),
    /// Not there (the tree changed, or the parent is not expanded).
    Missing,
}

/// The request for one page of children of `parent` (marked as asked), and the epoch it is for.
pub fn children_query(m: &mut TreeModel, parent: u32, page: u32) -> Option<(ChildrenQuery, u32)> {
    let parent_id = if parent == ROOT {
        None
    } else {
        Some(m.nodes.get(parent as usize)?.row.object_id.clone())
    };
    m.kids_mut(parent)?.requested.insert(page);
    let query = ChildrenQuery {
        parent: parent_id,
        sort: m.sort,
        filter: String::new(),
        offset: page * PAGE,
        limit: PAGE,
    };
    Some((query, m.epoch))
}
