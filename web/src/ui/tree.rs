//! The dominator tree: lazy (children fetched a page at a time when they scroll into view),
//! virtualized (only the rows in the viewport are in the DOM, so a node with 100,000 children
//! costs 100,000 small slots, not 100,000 DOM rows), keyboard-driven (↑ ↓ ← → Home End PgUp PgDn
//! Enter).

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::KeyboardEvent;

use crate::protocol::*;

use super::route::{navigate, object_href, paths_href, Route};
use super::state::{use_ctx, Ctx};
use super::util::*;

/// Row height in px (CSS `.trow` must match).
pub const ROW_H: f64 = 28.0;
/// Children fetched per request.
const PAGE: u32 = 200;
/// Rows rendered above and below the viewport.
const OVERSCAN: usize = 12;
/// Parent marker for the super-root's children.
const ROOT: u32 = u32::MAX;

#[derive(Debug, Clone, Default)]
struct Kids {
    total: u32,
    pages: HashMap<u32, Vec<u32>>,
    requested: HashSet<u32>,
}

#[derive(Debug, Clone)]
struct TNode {
    row: TreeRow,
    expanded: bool,
    kids: Option<Kids>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Node { idx: u32, depth: u16 },
    Pending { parent: u32, page: u32, depth: u16 },
}

impl Slot {
    fn depth(self) -> u16 {
        match self {
            Slot::Node { depth, .. } | Slot::Pending { depth, .. } => depth,
        }
    }
}

/// State of the tree (kept across navigation, reset per dump).
#[derive(Debug, Clone, Default)]
pub struct TreeModel {
    nodes: Vec<TNode>,
    root: Kids,
    flat: Vec<Slot>,
    pub sort: TreeSort,
    pub filter: String,
    /// Bumped when sort/filter change: answers for an older epoch are dropped.
    epoch: u32,
    started: bool,
    pub selected: usize,
    pub scroll_top: f64,
}

impl TreeModel {
    fn kids_mut(&mut self, parent: u32) -> Option<&mut Kids> {
        if parent == ROOT {
            Some(&mut self.root)
        } else {
            self.nodes.get_mut(parent as usize)?.kids.as_mut()
        }
    }

    fn flatten(&mut self) {
        let mut out = Vec::new();
        self.push_kids(&self.root, ROOT, 0, &mut out);
        self.flat = out;
        if self.selected >= self.flat.len() {
            self.selected = self.flat.len().saturating_sub(1);
        }
    }

    fn push_kids(&self, kids: &Kids, parent: u32, depth: u16, out: &mut Vec<Slot>) {
        for p in 0..kids.total.div_ceil(PAGE) {
            match kids.pages.get(&p) {
                Some(list) => {
                    for &i in list {
                        out.push(Slot::Node { idx: i, depth });
                        let n = &self.nodes[i as usize];
                        if n.expanded {
                            if let Some(k) = &n.kids {
                                self.push_kids(k, i, depth + 1, out);
                            }
                        }
                    }
                }
                None => {
                    let count = PAGE.min(kids.total - p * PAGE);
                    out.extend((0..count).map(|_| Slot::Pending { parent, page: p, depth }));
                }
            }
        }
    }

    fn reset(&mut self, sort: TreeSort, filter: String, root_total: u32) {
        let epoch = self.epoch + 1;
        *self = TreeModel { sort, filter, epoch, started: true, ..Default::default() };
        self.root.total = root_total;
        self.flatten();
    }

    fn set_expanded(&mut self, idx: u32, expanded: bool) {
        let Some(n) = self.nodes.get_mut(idx as usize) else { return };
        if n.row.children == 0 {
            return;
        }
        n.expanded = expanded;
        if expanded && n.kids.is_none() {
            n.kids = Some(Kids { total: n.row.children, ..Default::default() });
        }
        self.flatten();
    }

    fn parent_slot(&self, at: usize) -> Option<usize> {
        let d = self.flat.get(at)?.depth();
        (0..at).rev().find(|&i| self.flat[i].depth() + 1 == d)
    }
}

/// Ask for one page of children of `parent` (if not asked yet).
fn load_page(ctx: Ctx, version: RwSignal<u32>, parent: u32, page: u32) {
    let mut query = None;
    ctx.tree.update_value(|m| {
        let (sort, filter, epoch) = (m.sort, m.filter.clone(), m.epoch);
        let parent_id = if parent == ROOT { None } else { m.nodes.get(parent as usize).map(|n| n.row.object_id.clone()) };
        if parent != ROOT && parent_id.is_none() {
            return;
        }
        let Some(kids) = m.kids_mut(parent) else { return };
        if !kids.requested.insert(page) {
            return;
        }
        query = Some((
            ChildrenQuery {
                parent: parent_id,
                sort,
                // The class-name search applies to the first level (the biggest objects).
                filter: if parent == ROOT { filter } else { String::new() },
                offset: page * PAGE,
                limit: PAGE,
            },
            epoch,
        ));
    });
    let Some((query, epoch)) = query else { return };
    spawn_local(async move {
        let r = ctx.call(Request::Children(query)).await;
        ctx.tree.update_value(|m| {
            if m.epoch != epoch {
                return;
            }
            match r {
                Ok(Response::Children(page_rows)) => {
                    let base = m.nodes.len() as u32;
                    let n = page_rows.rows.len() as u32;
                    m.nodes.extend(page_rows.rows.into_iter().map(|row| TNode { row, expanded: false, kids: None }));
                    if let Some(kids) = m.kids_mut(parent) {
                        kids.total = page_rows.total;
                        kids.pages.insert(page, (base..base + n).collect());
                    }
                }
                _ => {
                    // Allow a retry when the rows scroll into view again.
                    if let Some(kids) = m.kids_mut(parent) {
                        kids.requested.remove(&page);
                    }
                }
            }
            m.flatten();
        });
        version.update(|v| *v += 1);
    });
}

#[component]
pub fn DominatorTree(root_children: u32) -> impl IntoView {
    let ctx = use_ctx();
    let version = RwSignal::new(0u32);
    let scroll_top = RwSignal::new(ctx.tree.with_value(|m| m.scroll_top));
    let viewport_h = RwSignal::new(600.0f64);
    let selected = RwSignal::new(ctx.tree.with_value(|m| m.selected));
    let scroller = NodeRef::<leptos::html::Div>::new();

    if !ctx.tree.with_value(|m| m.started) {
        ctx.tree.update_value(|m| m.reset(TreeSort::Retained, String::new(), root_children));
    }
    let total_rows = move || {
        version.get();
        ctx.tree.with_value(|m| m.flat.len())
    };

    // Fetch the pages of the placeholder rows in view.
    Effect::new(move |_| {
        version.get();
        let top = scroll_top.get();
        let h = viewport_h.get();
        let (first, last) = window(top, h);
        let wanted: Vec<(u32, u32)> = ctx.tree.with_value(|m| {
            let mut w: Vec<(u32, u32)> = m.flat[first.min(m.flat.len())..last.min(m.flat.len())]
                .iter()
                .filter_map(|s| match *s {
                    Slot::Pending { parent, page, .. } => Some((parent, page)),
                    _ => None,
                })
                .collect();
            w.dedup();
            w
        });
        for (parent, page) in wanted {
            load_page(ctx, version, parent, page);
        }
    });

    // Restore the scroll position and measure the viewport once mounted.
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            viewport_h.set(el.client_height() as f64);
            el.set_scroll_top(scroll_top.get_untracked() as i32);
        }
    });

    let rows = move || {
        version.get();
        let sel = selected.get();
        let (first, last) = window(scroll_top.get(), viewport_h.get());
        ctx.tree.with_value(|m| {
            let end = last.min(m.flat.len());
            let start = first.min(end);
            (start..end).map(|i| render_slot(ctx, version, selected, m, i, i == sel)).collect_view()
        })
    };

    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            let top = el.scroll_top() as f64;
            scroll_top.set(top);
            viewport_h.set(el.client_height() as f64);
            ctx.tree.update_value(|m| m.scroll_top = top);
        }
    };

    let on_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        let len = ctx.tree.with_value(|m| m.flat.len());
        if len == 0 {
            return;
        }
        let page = ((viewport_h.get_untracked() / ROW_H) as usize).max(1);
        let cur = selected.get_untracked().min(len - 1);
        let mut next = cur;
        match key.as_str() {
            "ArrowDown" => next = (cur + 1).min(len - 1),
            "ArrowUp" => next = cur.saturating_sub(1),
            "PageDown" => next = (cur + page).min(len - 1),
            "PageUp" => next = cur.saturating_sub(page),
            "Home" => next = 0,
            "End" => next = len - 1,
            "ArrowRight" | "ArrowLeft" | "Enter" => {
                let slot = ctx.tree.with_value(|m| m.flat[cur]);
                let Slot::Node { idx, .. } = slot else { return };
                let (expanded, has_kids, id) = ctx.tree.with_value(|m| {
                    let n = &m.nodes[idx as usize];
                    (n.expanded, n.row.children > 0, n.row.object_id.clone())
                });
                match key.as_str() {
                    "Enter" => {
                        ev.prevent_default();
                        navigate(&Route::Object { id, paths: false });
                        return;
                    }
                    "ArrowRight" if has_kids && !expanded => {
                        ctx.tree.update_value(|m| m.set_expanded(idx, true));
                        version.update(|v| *v += 1);
                    }
                    "ArrowRight" if has_kids => next = (cur + 1).min(len - 1),
                    "ArrowLeft" if expanded => {
                        ctx.tree.update_value(|m| m.set_expanded(idx, false));
                        version.update(|v| *v += 1);
                    }
                    "ArrowLeft" => {
                        if let Some(p) = ctx.tree.with_value(|m| m.parent_slot(cur)) {
                            next = p;
                        }
                    }
                    _ => {}
                }
            }
            _ => return,
        }
        ev.prevent_default();
        select(ctx, selected, next);
        // Keep the selection in view.
        if let Some(el) = scroller.get() {
            let top = el.scroll_top() as f64;
            let h = el.client_height() as f64;
            let y = next as f64 * ROW_H;
            if y < top {
                el.set_scroll_top(y as i32);
            } else if y + ROW_H > top + h {
                el.set_scroll_top((y + ROW_H - h) as i32);
            }
        }
    };

    let sort_button = move |label: &'static str, sort: TreeSort| {
        let active = move || {
            version.track();
            ctx.tree.with_value(|m| m.sort) == sort
        };
        view! {
            <button
                type="button"
                class="th-sort"
                class:active=active
                aria-pressed=move || active().to_string()
                on:click=move |_| {
                    let filter = ctx.tree.with_value(|m| m.filter.clone());
                    let total = if filter.is_empty() { root_children } else { PAGE };
                    ctx.tree.update_value(|m| m.reset(sort, filter, total));
                    select(ctx, selected, 0);
                    version.update(|v| *v += 1);
                }
            >
                {label}
                {move || if active() { " ▾" } else { "" }}
            </button>
        }
    };

    let filter_text = RwSignal::new(ctx.tree.with_value(|m| m.filter.clone()));
    let apply_filter = move || {
        let filter = filter_text.get_untracked().trim().to_string();
        let sort = ctx.tree.with_value(|m| m.sort);
        // With a filter, the first answer tells the real count.
        let total = if filter.is_empty() { root_children } else { PAGE };
        ctx.tree.update_value(|m| m.reset(sort, filter, total));
        select(ctx, selected, 0);
        if let Some(el) = scroller.get() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
        version.update(|v| *v += 1);
    };

    view! {
        <section class="view tree-view" aria-labelledby="tree-title">
            <div class="view-head">
                <h2 id="tree-title">"Dominator tree"</h2>
                <p class="hint">
                    "Each object keeps alive (retains) everything below it. ↑ ↓ select, → expand, ← collapse, Enter inspect."
                </p>
                <form
                    class="filter"
                    role="search"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        apply_filter();
                    }
                >
                    <label for="tree-filter">"Class name"</label>
                    <input
                        id="tree-filter"
                        type="search"
                        placeholder="filter top level, e.g. HashMap"
                        prop:value=move || filter_text.get()
                        on:input=move |ev| filter_text.set(event_target_value(&ev))
                        on:search=move |_: web_sys::Event| apply_filter()
                    />
                    <button type="submit">"Filter"</button>
                </form>
            </div>
            <div class="tree" role="tree" aria-label="Dominator tree" aria-rowcount=move || total_rows().to_string()>
                <div class="trow thead" role="presentation">
                    <span class="c-class">{sort_button("Class", TreeSort::Class)}</span>
                    <span class="c-id">"Object"</span>
                    <span class="c-num">{sort_button("Shallow", TreeSort::Shallow)}</span>
                    <span class="c-num">{sort_button("Retained", TreeSort::Retained)}</span>
                    <span class="c-pct">"% of heap"</span>
                    <span class="c-act"></span>
                </div>
                <div class="tree-scroll" node_ref=scroller tabindex="0" on:scroll=on_scroll on:keydown=on_key>
                    <div class="tree-inner" style=move || format!("height:{}px", total_rows() as f64 * ROW_H)>
                        {rows}
                    </div>
                </div>
                <p class="tree-foot">
                    {move || {
                        let n = total_rows();
                        format!("{} rows", count(n as u64))
                    }}
                </p>
            </div>
        </section>
    }
}

fn window(top: f64, h: f64) -> (usize, usize) {
    let first = ((top / ROW_H).floor() as usize).saturating_sub(OVERSCAN);
    let last = ((top + h) / ROW_H).ceil() as usize + OVERSCAN;
    (first, last)
}

fn select(ctx: Ctx, selected: RwSignal<usize>, i: usize) {
    selected.set(i);
    ctx.tree.update_value(|m| m.selected = i);
}

fn render_slot(ctx: Ctx, version: RwSignal<u32>, selected: RwSignal<usize>, m: &TreeModel, i: usize, sel: bool) -> AnyView {
    let top = format!("top:{}px", i as f64 * ROW_H);
    match m.flat[i] {
        Slot::Pending { depth, .. } => view! {
            <div class="trow pending" role="treeitem" data-depth=depth.to_string() aria-busy="true" style=top>
                <span class="c-class" style=format!("padding-left:{}rem", depth as f64 * 1.1 + 1.6)>"…"</span>
            </div>
        }
        .into_any(),
        Slot::Node { idx, depth } => {
            let n = &m.nodes[idx as usize];
            let row = n.row.clone();
            let has_kids = row.children > 0;
            let expanded = n.expanded;
            let toggle = move |ev: web_sys::MouseEvent| {
                ev.stop_propagation();
                ctx.tree.update_value(|m| m.set_expanded(idx, !expanded));
                select(ctx, selected, i);
                version.update(|v| *v += 1);
            };
            let id = row.object_id.clone();
            let id2 = row.object_id.clone();
            view! {
                <div
                    class="trow"
                    class:sel=sel
                    role="treeitem"
                    aria-expanded=has_kids.then(|| expanded.to_string())
                    aria-selected=sel.to_string()
                    data-depth=depth.to_string()
                    data-id=row.object_id.clone()
                    style=top
                    on:click=move |_| select(ctx, selected, i)
                    on:dblclick=move |_| navigate(&Route::Object { id: id2.clone(), paths: false })
                >
                    <span class="c-class" style=format!("padding-left:{}rem", depth as f64 * 1.1 + 0.2)>
                        {if has_kids {
                            view! {
                                <button
                                    type="button"
                                    class="twisty"
                                    tabindex="-1"
                                    aria-label=if expanded { "Collapse" } else { "Expand" }
                                    on:click=toggle
                                >
                                    {if expanded { "▾" } else { "▸" }}
                                </button>
                            }
                            .into_any()
                        } else {
                            view! { <span class="twisty leaf" aria-hidden="true"></span> }.into_any()
                        }}
                        <a class="cls" href=object_href(&id) tabindex="-1" title=row.class.clone()>
                            {row.class.clone()}
                        </a>
                        {row.label.clone().map(|l| view! { <span class="lbl" title=l.clone()>{l.clone()}</span> })}
                        {has_kids.then(|| view! { <span class="kids" title="dominated objects directly below">{format!("({})", count(row.children as u64))}</span> })}
                    </span>
                    <span class="c-id"><code>{row.object_id.clone()}</code></span>
                    <span class="c-num"><Bytes value=row.shallow /></span>
                    <span class="c-num"><Bytes value=row.retained /></span>
                    <span class="c-pct"><Pct pct=row.pct /></span>
                    <span class="c-act">
                        <a class="roots" href=paths_href(&id) tabindex="-1" title="Paths to GC roots">"⇱ roots"</a>
                    </span>
                </div>
            }
            .into_any()
        }
    }
}
