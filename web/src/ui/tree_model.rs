//! The dominator tree's state as pure data: which nodes are loaded (a page of children at a
//! time), which are expanded, the flattened rows on screen ([`Slot`]s), the selection and the
//! class search. No Leptos here: the component (`tree`) keeps a [`TreeModel`] in a store and
//! asks the worker for what it lacks; this model is tested natively.

use std::collections::{HashMap, HashSet};

use crate::protocol::{ChildrenPage, ChildrenQuery, TreeRow, TreeSearchRow, TreeSort};

use super::paged::Paged;

/// Row height in px (CSS `.trow` must match).
pub const ROW_H: f64 = 28.0;
/// Height of the sticky header row in px (CSS `.trow.thead` must match).
pub const HEAD_H: f64 = 32.0;
/// Children fetched per request.
pub const PAGE: u32 = 200;
/// Search matches fetched per request.
pub const SEARCH_PAGE: u32 = 200;
/// Rows rendered above and below the viewport.
pub const OVERSCAN: usize = 12;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    pub fn search_row(&self, i: usize) -> Option<&TreeSearchRow> {
        self.search.as_ref()?.rows.get(i)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, children: u32) -> TreeRow {
        TreeRow {
            object_id: format!("0x{id:x}"),
            class: "com.x.Node".into(),
            shallow: 16,
            retained: 100_000 - id as u64,
            pct: 0.0,
            children,
            label: None,
        }
    }

    fn page(
        parent: Option<&str>,
        total: u32,
        ids: std::ops::Range<u32>,
        kids: u32,
    ) -> ChildrenPage {
        ChildrenPage {
            query: ChildrenQuery {
                parent: parent.map(str::to_string),
                ..Default::default()
            },
            total,
            rows: ids.map(|i| row(i, kids)).collect(),
        }
    }

    fn ids(m: &TreeModel) -> Vec<String> {
        m.flat
            .iter()
            .map(|s| match *s {
                Slot::Node { idx, depth, .. } => {
                    format!(
                        "{}{}",
                        " ".repeat(depth as usize),
                        m.nodes[idx as usize].row.object_id
                    )
                }
                Slot::Pending { depth, page, .. } => {
                    format!("{}…{page}", " ".repeat(depth as usize))
                }
            })
            .collect()
    }

    #[test]
    fn pages_load_expand_and_flatten_without_recursion() {
        let mut m = TreeModel::default();
        m.reset(TreeSort::Retained, PAGE + 2);
        // Nothing loaded: one pending slot per row, in two pages.
        assert_eq!(m.flat.len(), PAGE as usize + 2);
        assert!(matches!(
            m.flat[PAGE as usize],
            Slot::Pending { page: 1, .. }
        ));
        let (q, epoch) = children_query(&mut m, ROOT, 0).unwrap();
        assert_eq!((q.parent, q.offset, q.limit, epoch), (None, 0, PAGE, 1));
        assert!(m.root.requested.contains(&0));
        m.fill(ROOT, 0, page(None, PAGE + 2, 1..PAGE + 1, 2));
        m.flatten();
        assert_eq!(m.flat.len(), PAGE as usize + 2);
        assert_eq!(ids(&m)[0], "0x1");
        assert_eq!(ids(&m)[PAGE as usize], "…1");
        // A second answer for the same page is ignored.
        m.fill(ROOT, 0, page(None, PAGE + 2, 500..510, 0));
        assert_eq!(m.nodes.len(), PAGE as usize);

        // Expanding the first node shows its two children as pending, then loaded.
        let first = m.find_child(ROOT, 0, "0x1").unwrap();
        m.set_expanded(first, true);
        assert_eq!(ids(&m)[..4], ["0x1", " …0", " …0", "0x2"]);
        let (q, _) = children_query(&mut m, first, 0).unwrap();
        assert_eq!(q.parent.as_deref(), Some("0x1"));
        m.fill(first, 0, page(Some("0x1"), 2, 900..902, 0));
        m.flatten();
        assert_eq!(ids(&m)[..4], ["0x1", " 0x384", " 0x385", "0x2"]);
        assert_eq!(m.parent_slot(2), Some(0));
        assert_eq!(m.parent_slot(3), None);
        // A leaf cannot expand; collapsing hides the children again.
        let leaf = m.find_child(first, 0, "0x385").unwrap();
        m.set_expanded(leaf, true);
        assert_eq!(m.flat.len(), PAGE as usize + 4);
        m.set_expanded(first, false);
        assert_eq!(m.flat.len(), PAGE as usize + 2);
    }

    #[test]
    fn a_deep_chain_flattens_and_a_resort_starts_over() {
        let mut m = TreeModel::default();
        m.reset(TreeSort::Retained, 1);
        m.fill(ROOT, 0, page(None, 1, 0..1, 1));
        // 20,000 levels, each with one child: no recursion, so no stack overflow.
        let mut parent = m.find_child(ROOT, 0, "0x0").unwrap();
        for level in 1..20_000u32 {
            m.nodes[parent as usize].expanded = true;
            m.nodes[parent as usize].kids = Some(Kids {
                total: 1,
                ..Default::default()
            });
            m.fill(parent, 0, page(None, 1, level..level + 1, 1));
            parent = m.find_child(parent, 0, &format!("0x{level:x}")).unwrap();
        }
        m.flatten();
        assert_eq!(m.flat.len(), 20_000);
        assert_eq!(m.flat.last().unwrap().depth(), 19_999);
        m.selected = 19_999;
        // Another sort: back to the first level, a new epoch (older answers are dropped).
        m.reset(TreeSort::Class, 3);
        assert_eq!((m.flat.len(), m.epoch, m.sort), (3, 2, TreeSort::Class));
        assert_eq!(m.selected, 0, "a new order starts at the top");
    }
}
