//! The worker's routes for the investigation views: resolve the UI's selection, call the
//! core's `analysis::explore` view once, keep its result and hand out pages of it.
//!
//! Each view keeps its last result keyed by what it was asked (selection and options), so
//! paging or expanding the merged tree costs one computation, not one per page; asking another
//! selection replaces it. Nothing here computes an analysis: the core does
//! (`heaplens::analysis::explore`, tested natively there and in `web/tests/explore.rs`).

use heaplens::analysis::explore::collection_contents;
use heaplens::analysis::explore::find_object;
use heaplens::analysis::explore::{group_by_value, GroupByValue};
use heaplens::analysis::explore::{immediate_dominators, ImmediateDominators, DEFAULT_SKIP};
use heaplens::analysis::explore::{merged_paths, MergedPathsView};
use heaplens::analysis::explore::{retained_set, RetainedSet};
use heaplens::analysis::views::page_range;
use heaplens::analysis::views::{node_by_address, resolve_view_selection, ResolvedSelection};
use heaplens::analysis::PathFinder;
use heaplens::graph::{Dominance, HeapGraph, Node};
use heaplens::hprof::reread::ObjectSource;
use heaplens::report::{format_id, percent};

use crate::protocol::*;

/// The last result of each view (see the module docs), keyed by the selection and the view's
/// options.
#[derive(Default)]
pub(super) struct ExploreCache {
    retained: Kept<ExploreSelection, RetainedSet>,
    dominators: Kept<(ExploreSelection, String), ImmediateDominators>,
    merged: Kept<(ExploreSelection, bool), MergedPathsView>,
    values: Kept<ExploreSelection, GroupByValue>,
}

/// One view's last result: what it was asked (`K`), the objects of its selection, the result.
struct Kept<K, T>(Option<(K, ResolvedSelection, T)>);

impl<K, T> Default for Kept<K, T> {
    fn default() -> Self {
        Kept(None)
    }
}

impl<K: PartialEq, T> Kept<K, T> {
    /// The result for `key`: the kept one, or `make` over `selection` resolved (a failure
    /// keeps nothing, so asking again retries).
    fn get(
        &mut self,
        key: K,
        g: &HeapGraph,
        d: &Dominance,
        selection: &ExploreSelection,
        make: impl FnOnce(&ResolvedSelection) -> Result<T, String>,
    ) -> Result<(&ResolvedSelection, &T), String> {
        if self.0.as_ref().map(|c| &c.0) != Some(&key) {
            self.0 = None;
            let sel = resolve_view_selection(g, d, selection)?;
            let r = make(&sel)?;
            self.0 = Some((key, sel, r));
        }
        let (_, sel, r) = self.0.as_ref().expect("filled above");
        Ok((sel, r))
    }
}

/// The node of a `0x…` id.
pub(super) fn node(g: &HeapGraph, id: &str) -> Result<Node, String> {
    node_by_address(g, id)
}

/// The page `offset..` of a list of `len`, at most [`MAX_PAGE`] long.
fn window(len: usize, offset: u32, limit: u32) -> std::ops::Range<usize> {
    page_range(len, offset, limit.min(MAX_PAGE))
}

impl ExploreCache {
    pub(super) fn retained_set(
        &mut self,
        g: &HeapGraph,
        d: &Dominance,
        q: RetainedSetQuery,
    ) -> Result<RetainedSetPage, String> {
        let (sel, r) = self
            .retained
            .get(q.selection.clone(), g, d, &q.selection, |sel| {
                retained_set(g, d, &sel.nodes, None).ok_or_else(|| "cancelled".into())
            })?;
        Ok(RetainedSetPage {
            label: sel.label.clone(),
            selected: r.selected,
            unreachable: r.unreachable,
            objects: r.objects,
            bytes: r.bytes,
            pct: percent(r.bytes, d.reachable_bytes()),
            total: r.rows.len() as u32,
            offset: q.offset,
            rows: r.rows[window(r.rows.len(), q.offset, q.limit)].to_vec(),
        })
    }

    pub(super) fn dominators(
        &mut self,
        g: &HeapGraph,
        d: &Dominance,
        q: DominatorsQuery,
    ) -> Result<DominatorsPage, String> {
        let skip = q.skip.clone().unwrap_or_else(|| DEFAULT_SKIP.to_string());
        let key = (q.selection.clone(), skip.clone());
        let (sel, r) = self.dominators.get(key, g, d, &q.selection, |sel| {
            immediate_dominators(g, d, &sel.nodes, Some(&skip)).map_err(|e| e.to_string())
        })?;
        Ok(DominatorsPage {
            label: sel.label.clone(),
            selected: r.selected,
            unreachable: r.unreachable,
            skip: r.skip.clone(),
            total: r.rows.len() as u32,
            offset: q.offset,
            rows: r.rows[window(r.rows.len(), q.offset, q.limit)]
                .iter()
                .map(|row| DominatorClassView::new(g, d, row))
                .collect(),
        })
    }

    /// `finder` must follow weak references as `q.include_weak` says.
    pub(super) fn merged_paths(
        &mut self,
        g: &HeapGraph,
        d: &Dominance,
        finder: &PathFinder<'_>,
        q: MergedPathsQuery,
    ) -> Result<MergedPathsPage, String> {
        let key = (q.selection.clone(), q.include_weak);
        let (sel, m) = self.merged.get(key, g, d, &q.selection, |sel| {
            Ok(merged_paths(finder, &sel.nodes, 0))
        })?;
        let page = m.children(q.parent, q.offset as u64, q.limit.min(MAX_PAGE) as usize);
        Ok(MergedPathsPage {
            label: sel.label.clone(),
            selected: m.selected,
            without_path: m.without_path,
            include_weak: m.include_weak,
            parent: q.parent,
            total: page.total as u32,
            offset: q.offset,
            rows: page.rows.into_iter().map(MergedNodeView::from).collect(),
        })
    }

    pub(super) fn group_by_value<'a>(
        &mut self,
        g: &'a HeapGraph,
        d: &'a Dominance,
        q: GroupByValueQuery,
        source: Option<&'a mut dyn ObjectSource>,
    ) -> Result<GroupByValuePage, String> {
        // Values the build did not keep are read again from the dump file when the worker has
        // it (`source`); without it they count as unreadable.
        let (sel, r) = self
            .values
            .get(q.selection.clone(), g, d, &q.selection, |sel| {
                group_by_value(g, Some(d), &sel.nodes, source, None)
                    .ok_or_else(|| "cancelled".into())
            })?;
        Ok(GroupByValuePage {
            label: sel.label.clone(),
            selected: r.selected,
            unreadable: r.unreadable,
            wasted: r.wasted,
            total: r.rows.len() as u32,
            offset: q.offset,
            rows: r.rows[window(r.rows.len(), q.offset, q.limit)]
                .iter()
                .map(ValueGroupView::from)
                .collect(),
        })
    }
}

/// A page of a collection's contents.
pub(super) fn contents(g: &HeapGraph, q: ContentsQuery) -> Result<ContentsPage, String> {
    let v = node(g, &q.object)?;
    let c = collection_contents(g, v, q.offset as u64, q.limit.min(MAX_PAGE) as usize)
        .map_err(|e| e.to_string())?;
    Ok(ContentsPage {
        object_id: format_id(g.id(v)),
        class: c.info.class,
        jdk_class: c.info.jdk_class,
        kind: c.info.kind,
        size: c.info.size,
        capacity: c.info.capacity,
        total: c.page.total,
        offset: q.offset,
        rows: c.page.rows.into_iter().map(ContentRowView::from).collect(),
    })
}

/// The object at (or spanning) an address.
pub(super) fn find(
    g: &HeapGraph,
    d: &Dominance,
    q: FindObjectQuery,
) -> Result<FoundObjectView, String> {
    let o = find_object(g, Some(d), &q.address).map_err(|e| e.to_string())?;
    Ok(FoundObjectView::from(o))
}

/// The instances of a class as CSV (largest retained first; at most [`CSV_MAX_ROWS`]).
pub(super) fn instances_csv(
    g: &HeapGraph,
    d: &Dominance,
    list: &[Node],
    class: u32,
    unreachable: bool,
) -> ExportFile {
    let name = g
        .classes
        .get(class as usize)
        .map_or("class", |c| c.name.as_str());
    let mut text = String::from("object,class,shallow,retained,reachable\n");
    for &v in list.iter().take(CSV_MAX_ROWS) {
        text.push_str(&format!(
            "{},{},{},{},{}\n",
            format_id(g.id(v)),
            csv_field(&g.display_class(v)),
            g.shallow(v),
            d.retained(v),
            d.is_reachable(v)
        ));
    }
    let cut = if list.len() > CSV_MAX_ROWS {
        format!("-first-{CSV_MAX_ROWS}")
    } else {
        String::new()
    };
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ExportFile {
        file_name: format!(
            "instances-{safe}{}{cut}.csv",
            if unreachable { "-unreachable" } else { "" }
        ),
        mime: "text/csv".into(),
        text,
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break (class names can, in a
/// crafted dump); a leading `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet does
/// not run it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("java.lang.String"), "java.lang.String");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("x\"y"), "\"x\"\"y\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
