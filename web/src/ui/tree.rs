//! The dominator tree: lazy (children fetched a page at a time when they scroll into view),
//! virtualized (only the rows in the viewport are in the DOM, so a node with 100,000 children
//! costs 100,000 small slots, not 100,000 DOM rows), keyboard-driven (↑ ↓ ← → Home End PgUp PgDn
//! Enter), and a `treegrid` for assistive technologies (every row has its level, position
//! among its siblings, expanded and selected state; the selection is the grid's active
//! descendant).
//!
//! Finding a class searches the whole tree, not only its first level (MAT's "find in the
//! dominator tree"): the matching objects are listed flat, largest retained first, a page at a
//! time as they scroll into view; one of them opens in the inspector, or is revealed in the
//! tree: the pages holding its ancestors are fetched, the ancestors expanded, and the row
//! scrolled to and selected.

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::custom_attribute;
use leptos::task::spawn_local;
use web_sys::KeyboardEvent;

use crate::protocol::*;

use super::route::{explore_href, navigate, object_href, paths_href, ExploreView, Route, Target};
use super::state::{use_ctx, Ctx};
use super::tree_model::*;
use super::util::*;

/// Fetch one page of children of `parent` and store it; false if it failed or is stale.
async fn fetch_children(ctx: Ctx, parent: u32, page: u32) -> bool {
    let Some((query, epoch)) = ctx
        .tree
        .try_update_value(|m| children_query(m, parent, page))
        .flatten()
    else {
        return false;
    };
    let r = ctx.call::<req::Children>(query).await;
    ctx.tree
        .try_update_value(|m| {
            if m.epoch != epoch {
                return false;
            }
            let ok = match r {
                Ok(answer) => {
                    m.fill(parent, page, answer);
                    true
                }
                _ => {
                    // Allow a retry when the rows scroll into view again.
                    if let Some(kids) = m.kids_mut(parent) {
                        kids.requested.remove(&page);
                    }
                    false
                }
            };
            m.flatten();
            ok
        })
        .unwrap_or(false)
}

/// Ask for one page of children of `parent` (if not asked yet).
fn load_page(ctx: Ctx, version: RwSignal<u32>, parent: u32, page: u32) {
    let fresh = ctx
        .tree
        .try_update_value(|m| m.kids_mut(parent).is_some_and(|k| k.requested.insert(page)))
        .unwrap_or(false);
    if fresh {
        spawn_local(async move {
            fetch_children(ctx, parent, page).await;
            version.update(|v| *v += 1);
        });
    }
}

/// Start a search over the whole tree (`pattern` empty: back to the tree).
fn start_search(ctx: Ctx, version: RwSignal<u32>, pattern: String) {
    let pattern = pattern.trim().to_string();
    let same = ctx
        .tree
        .with_value(|m| m.search.as_ref().map(|s| s.pattern.as_str()) == Some(pattern.as_str()));
    if same {
        ctx.tree.update_value(|m| m.show_search = true);
        version.update(|v| *v += 1);
        return;
    }
    ctx.tree.update_value(|m| {
        m.search_epoch += 1;
        if pattern.is_empty() {
            m.search = None;
            m.show_search = false;
            return;
        }
        let mut rows = Paged::new(SEARCH_PAGE);
        rows.epoch = m.search_epoch;
        m.search = Some(Search {
            pattern,
            rows,
            counts: None,
            error: None,
            selected: 0,
            scroll_top: 0.0,
        });
        m.show_search = true;
    });
    load_search_pages(ctx, version, 0, 1);
    version.update(|v| *v += 1);
}

/// Fetch the pages of search matches `first..last` not asked for yet.
fn load_search_pages(ctx: Ctx, version: RwSignal<u32>, first: usize, last: usize) {
    let asks = ctx
        .tree
        .try_update_value(|m| {
            let s = m.search.as_mut()?;
            let pages = s.rows.claim(first, last);
            Some((s.pattern.clone(), s.rows.epoch, pages))
        })
        .flatten();
    let Some((pattern, epoch, pages)) = asks else {
        return;
    };
    for page in pages {
        let pattern = pattern.clone();
        spawn_local(async move {
            let query = TreeSearchQuery {
                pattern,
                offset: page * SEARCH_PAGE,
                limit: SEARCH_PAGE,
            };
            let r = ctx.call::<req::TreeSearch>(query).await;
            ctx.tree.update_value(|m| {
                let Some(s) = m.search.as_mut().filter(|s| s.rows.epoch == epoch) else {
                    return;
                };
                match r {
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
            });
            version.update(|v| *v += 1);
        });
    }
}

/// Expand the tree down to a search match: fetch the page of each ancestor (the path says
/// where each is among its siblings, in retained order), expand it, go on. Returns the
/// match's row in the flattened tree.
async fn reveal_path(
    ctx: Ctx,
    version: RwSignal<u32>,
    hit: &TreeSearchRow,
    root_children: u32,
) -> Option<usize> {
    ctx.tree.update_value(|m| {
        m.show_search = false;
        // The path's positions are in retained order.
        if m.sort != TreeSort::Retained {
            m.reset(TreeSort::Retained, root_children);
        }
    });
    version.update(|v| *v += 1);
    let epoch = ctx.tree.with_value(|m| m.epoch);
    let mut parent = ROOT;
    let mut target = None;
    for (k, step) in hit.path.iter().enumerate() {
        let page = step.index / PAGE;
        let loaded = ctx.tree.with_value(|m| {
            m.kids(parent)
                .is_some_and(|kids| kids.pages.contains_key(&page))
        });
        if !loaded && !fetch_children(ctx, parent, page).await {
            return None;
        }
        if ctx.tree.with_value(|m| m.epoch) != epoch {
            return None; // re-sorted meanwhile
        }
        let idx = ctx
            .tree
            .with_value(|m| m.find_child(parent, page, &step.object_id))?;
        if k + 1 < hit.path.len() {
            ctx.tree.update_value(|m| m.set_expanded(idx, true));
        }
        parent = idx;
        target = Some(idx);
    }
    let target = target?;
    ctx.tree.with_value(|m| {
        m.flat
            .iter()
            .position(|s| matches!(*s, Slot::Node { idx, .. } if idx == target))
    })
}

#[component]
pub fn DominatorTree(root_children: u32) -> impl IntoView {
    let ctx = use_ctx();
    let version = RwSignal::new(0u32);
    let scroll_top = RwSignal::new(ctx.tree.with_value(|m| m.scroll_top));
    let viewport_h = RwSignal::new(600.0f64);
    let selected = RwSignal::new(ctx.tree.with_value(|m| m.selected));
    let scroller = NodeRef::<leptos::html::Div>::new();
    // The search's list of matches.
    let s_scroll_top = RwSignal::new(
        ctx.tree
            .with_value(|m| m.search.as_ref().map_or(0.0, |s| s.scroll_top)),
    );
    let s_viewport_h = RwSignal::new(600.0f64);
    let s_selected = RwSignal::new(
        ctx.tree
            .with_value(|m| m.search.as_ref().map_or(0, |s| s.selected)),
    );
    let s_scroller = NodeRef::<leptos::html::Div>::new();
    // A reveal in progress (its steps are round trips to the worker).
    let revealing = RwSignal::new(false);

    if !ctx.tree.with_value(|m| m.started) {
        ctx.tree
            .update_value(|m| m.reset(TreeSort::Retained, root_children));
    }
    let total_rows = move || {
        version.get();
        ctx.tree.with_value(|m| m.flat.len())
    };
    let show_search = move || {
        version.get();
        ctx.tree.with_value(|m| m.show_search && m.search.is_some())
    };
    let search_len = move || {
        version.get();
        ctx.tree
            .with_value(|m| m.search.as_ref().map_or(0, |s| s.rows.len()))
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
    // The same for the search's matches.
    Effect::new(move |_| {
        version.get();
        if !show_search() {
            return;
        }
        let (first, last) = window(s_scroll_top.get(), s_viewport_h.get());
        load_search_pages(ctx, version, first, last);
    });

    // Restore the scroll positions and measure the viewports once mounted; coming back to a
    // tree already walked (Back from an object), the keyboard is where it was: on the tree.
    let returning = ctx
        .tree
        .with_value(|m| !m.flat.is_empty() && !m.show_search);
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            viewport_h.set(el.client_height() as f64);
            el.set_scroll_top(scroll_top.get_untracked() as i32);
            if returning {
                let _ = el.focus();
            }
        }
        if let Some(el) = s_scroller.get() {
            s_viewport_h.set(el.client_height() as f64);
            el.set_scroll_top(s_scroll_top.get_untracked() as i32);
        }
    });

    let rows = move || {
        version.get();
        let sel = selected.get();
        let (first, last) = window(scroll_top.get(), viewport_h.get());
        ctx.tree.with_value(|m| {
            let end = last.min(m.flat.len());
            let start = first.min(end);
            (start..end)
                .map(|i| render_slot(ctx, version, selected, m, i, i == sel))
                .collect_view()
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

    // Switch between the matches and the tree; an element that was hidden gets its scroll
    // position back once drawn.
    let show = move |search: bool| {
        ctx.tree
            .update_value(|m| m.show_search = search && m.search.is_some());
        version.update(|v| *v += 1);
        request_animation_frame(move || {
            if search {
                if let Some(el) = s_scroller.get_untracked() {
                    el.set_scroll_top(s_scroll_top.get_untracked() as i32);
                    s_viewport_h.set(el.client_height() as f64);
                    let _ = el.focus();
                }
            } else if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(scroll_top.get_untracked() as i32);
                viewport_h.set(el.client_height() as f64);
            }
        });
    };

    // Reveal the `i`-th match in the tree (or, too deep to reveal, open it in the inspector).
    let reveal = move |i: usize| {
        let Some(hit) = ctx.tree.with_value(|m| m.search_row(i).cloned()) else {
            return;
        };
        select_match(ctx, s_selected, i);
        if hit.path.is_empty() {
            navigate(&Route::Object {
                id: hit.row.object_id.clone(),
                paths: false,
            });
            return;
        }
        revealing.set(true);
        spawn_local(async move {
            let at = reveal_path(ctx, version, &hit, root_children).await;
            revealing.set(false);
            version.update(|v| *v += 1);
            let Some(at) = at else { return };
            select(ctx, selected, at);
            // Scroll the row to the middle of the viewport once the tree is drawn again.
            request_animation_frame(move || {
                let Some(el) = scroller.get_untracked() else {
                    return;
                };
                let h = el.client_height() as f64;
                let y = (at as f64 * ROW_H - (h - HEAD_H) / 2.0 + ROW_H / 2.0).max(0.0);
                el.set_scroll_top(y as i32);
                scroll_top.set(el.scroll_top() as f64);
                viewport_h.set(h);
                ctx.tree
                    .update_value(|m| m.scroll_top = el.scroll_top() as f64);
                let _ = el.focus();
            });
        });
    };

    let on_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        let len = ctx.tree.with_value(|m| m.flat.len());
        if len == 0 {
            return;
        }
        let page = (((viewport_h.get_untracked() - HEAD_H) / ROW_H) as usize).max(1);
        let cur = selected.get_untracked().min(len - 1);
        let mut next = cur;
        match key.as_str() {
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
            k => match nav_target(k, cur, len, page) {
                Some(n) => next = n,
                None => return,
            },
        }
        ev.prevent_default();
        select(ctx, selected, next);
        keep_in_view(scroller.get_untracked().map(Into::into), next);
    };

    let on_search_key = move |ev: KeyboardEvent| {
        let len = search_len();
        if len == 0 {
            return;
        }
        let cur = s_selected.get_untracked().min(len - 1);
        let key = ev.key();
        if key == "Enter" {
            ev.prevent_default();
            reveal(cur);
            return;
        }
        let page = (((s_viewport_h.get_untracked() - HEAD_H) / ROW_H) as usize).max(1);
        let Some(next) = nav_target(&key, cur, len, page) else {
            return;
        };
        ev.prevent_default();
        select_match(ctx, s_selected, next);
        keep_in_view(s_scroller.get_untracked().map(Into::into), next);
    };

    let on_search_scroll = move |_| {
        if let Some(el) = s_scroller.get() {
            let top = el.scroll_top() as f64;
            s_scroll_top.set(top);
            s_viewport_h.set(el.client_height() as f64);
            ctx.tree.update_value(|m| {
                if let Some(s) = m.search.as_mut() {
                    s.scroll_top = top;
                }
            });
        }
    };

    let search_rows = move || {
        version.get();
        let sel = s_selected.get();
        let (first, last) = window(s_scroll_top.get(), s_viewport_h.get());
        ctx.tree.with_value(|m| {
            let end = last.min(m.search.as_ref().map_or(0, |s| s.rows.len()));
            let start = first.min(end);
            (start..end)
                .map(|i| render_match(m, i, i == sel, s_selected, reveal))
                .collect_view()
        })
    };

    let sort_button = move |label: &'static str, sort: TreeSort| {
        let active = move || {
            version.track();
            ctx.tree.with_value(|m| m.sort) == sort
        };
        view! {
            <span
                class=if sort == TreeSort::Class { "c-class" } else { "c-num" }
                role="columnheader"
                aria-sort=move || if !active() { "none" } else if sort == TreeSort::Class { "ascending" } else { "descending" }
            >
                <button
                    type="button"
                    class="th-sort"
                    class:active=active
                    aria-pressed=move || active().to_string()
                    on:click=move |_| {
                        ctx.tree.update_value(|m| m.reset(sort, root_children));
                        select(ctx, selected, 0);
                        if let Some(el) = scroller.get_untracked() {
                            el.set_scroll_top(0);
                        }
                        scroll_top.set(0.0);
                        version.update(|v| *v += 1);
                    }
                >
                    {label}
                    {move || if active() { " ▾" } else { "" }}
                </button>
            </span>
        }
    };

    let find_text = RwSignal::new(ctx.tree.with_value(|m| {
        m.search
            .as_ref()
            .map(|s| s.pattern.clone())
            .unwrap_or_default()
    }));
    let apply_search = move || {
        start_search(ctx, version, find_text.get_untracked());
        select_match(ctx, s_selected, 0);
        s_scroll_top.set(0.0);
        if let Some(el) = s_scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        request_animation_frame(move || {
            if let Some(el) = s_scroller.get_untracked() {
                s_viewport_h.set(el.client_height() as f64);
            }
        });
    };
    // Searching as you type (debounced).
    let typed = RwSignal::new(0u32);
    let on_input = move |ev| {
        find_text.set(event_target_value(&ev));
        let n = typed.get_untracked() + 1;
        typed.set(n);
        set_timeout(
            move || {
                if typed.get_untracked() == n {
                    apply_search();
                }
            },
            std::time::Duration::from_millis(300),
        );
    };

    let search_bar = move || {
        version.get();
        let (pattern, counts, error, showing) = ctx.tree.with_value(|m| {
            let s = m.search.as_ref()?;
            Some((s.pattern.clone(), s.counts, s.error.clone(), m.show_search))
        })?;
        let found = match counts {
            None => "Searching the whole tree…".to_string(),
            Some((0, _, _)) => format!("No reachable object's class matches “{pattern}”."),
            Some((total, listed, classes)) => format!(
                "{} {} of {} {} matching “{pattern}”{}, largest retained first.",
                count(total as u64),
                if total == 1 { "object" } else { "objects" },
                count(classes as u64),
                if classes == 1 { "class" } else { "classes" },
                if listed < total {
                    format!(" (the {} largest listed)", count(listed as u64))
                } else {
                    String::new()
                },
            ),
        };
        Some(view! {
            <div class="search-bar" role="status">
                {if showing {
                    view! {
                        <span class="search-count">{found}</span>
                        <span class="hint">" Click one to reveal it in the tree."</span>
                        <button type="button" class="secondary" on:click=move |_| show(false)>"Show the tree"</button>
                    }
                    .into_any()
                } else {
                    view! {
                        <button type="button" class="secondary back" on:click=move |_| show(true)>
                            {match counts {
                                Some((1, _, _)) => format!("← 1 match for “{pattern}”"),
                                Some((n, _, _)) => format!("← {} matches for “{pattern}”", count(n as u64)),
                                None => format!("← matches for “{pattern}”"),
                            }}
                        </button>
                        {move || revealing.get().then(|| view! { <span class="hint">" Expanding the tree…"</span> })}
                    }
                    .into_any()
                }}
                {error.map(|e| view! { <ErrorNote message=e /> })}
            </div>
        })
    };

    let header = move |matches: bool| {
        view! {
            <div class="trow thead" role="row" aria-rowindex="1">
                {if matches {
                    view! {
                        <span class="c-class" role="columnheader">"Class"</span>
                        <span class="c-id" role="columnheader">"Object"</span>
                        <span class="c-num" role="columnheader">"Shallow"</span>
                        <span class="c-num" role="columnheader" aria-sort="descending">"Retained ▾"</span>
                    }
                    .into_any()
                } else {
                    view! {
                        {sort_button("Class", TreeSort::Class)}
                        <span class="c-id" role="columnheader">"Object"</span>
                        {sort_button("Shallow", TreeSort::Shallow)}
                        {sort_button("Retained", TreeSort::Retained)}
                    }
                    .into_any()
                }}
                <span class="c-pct" role="columnheader">"% of heap"</span>
                <span class="c-act" role="columnheader"><span class="sr-only">"Actions"</span></span>
            </div>
        }
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
                        typed.update(|n| *n += 1);
                        apply_search();
                    }
                >
                    <label for="tree-filter">"Find class"</label>
                    <input
                        id="tree-filter"
                        type="search"
                        placeholder="e.g. HashMap, com.x.*Cache"
                        title="Class name (contains, case-insensitive; * as wildcard): lists every object of the tree whose class matches"
                        prop:value=move || find_text.get()
                        on:input=on_input
                        on:search=move |_: web_sys::Event| {
                            typed.update(|n| *n += 1);
                            apply_search();
                        }
                    />
                    <button type="submit">"Find"</button>
                </form>
            </div>
            {search_bar}
            <div class="match-list" hidden=move || !show_search()>
                <div
                    class="match-scroll"
                    node_ref=s_scroller
                    tabindex="0"
                    role="grid"
                    aria-label="Objects whose class matches, largest retained first"
                    aria-rowcount=move || (search_len() + 1).to_string()
                    aria-activedescendant=move || {
                        let sel = s_selected.get();
                        let (first, last) = window(s_scroll_top.get(), s_viewport_h.get());
                        (sel < search_len() && sel >= first && sel < last).then(|| format!("srow-{sel}"))
                    }
                    on:scroll=on_search_scroll
                    on:keydown=on_search_key
                >
                    {header(true)}
                    <div class="match-inner" role="rowgroup" style=move || format!("height:{}px", search_len() as f64 * ROW_H)>
                        {search_rows}
                    </div>
                </div>
            </div>
            <div class="tree" hidden=show_search>
                <div
                    class="tree-scroll"
                    node_ref=scroller
                    tabindex="0"
                    role="treegrid"
                    aria-label="Dominator tree"
                    aria-rowcount=move || (total_rows() + 1).to_string()
                    aria-colcount="6"
                    aria-activedescendant=move || {
                        let sel = selected.get();
                        let (first, last) = window(scroll_top.get(), viewport_h.get());
                        (sel < total_rows() && sel >= first && sel < last).then(|| format!("trow-{sel}"))
                    }
                    on:scroll=on_scroll
                    on:keydown=on_key
                >
                    {header(false)}
                    <div class="tree-inner" role="rowgroup" style=move || format!("height:{}px", total_rows() as f64 * ROW_H)>
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

/// Rows `first..last` to draw for a scroll position (header excluded), with overscan.
fn window(top: f64, h: f64) -> (usize, usize) {
    let first = ((top / ROW_H).floor() as usize).saturating_sub(OVERSCAN);
    let last = ((top + h - HEAD_H).max(0.0) / ROW_H).ceil() as usize + OVERSCAN;
    (first, last)
}

/// Scroll a list so that row `i` is in view below the sticky header.
fn keep_in_view(el: Option<web_sys::HtmlElement>, i: usize) {
    let Some(el) = el else { return };
    let top = el.scroll_top() as f64;
    let h = el.client_height() as f64 - HEAD_H;
    let y = i as f64 * ROW_H;
    if y < top {
        el.set_scroll_top(y as i32);
    } else if y + ROW_H > top + h {
        el.set_scroll_top((y + ROW_H - h).ceil() as i32);
    }
}

fn select(ctx: Ctx, selected: RwSignal<usize>, i: usize) {
    selected.set(i);
    ctx.tree.update_value(|m| m.selected = i);
}

fn select_match(ctx: Ctx, selected: RwSignal<usize>, i: usize) {
    selected.set(i);
    ctx.tree.update_value(|m| {
        if let Some(s) = m.search.as_mut() {
            s.selected = i;
        }
    });
}

fn render_slot(
    ctx: Ctx,
    version: RwSignal<u32>,
    selected: RwSignal<usize>,
    m: &TreeModel,
    i: usize,
    sel: bool,
) -> AnyView {
    let top = format!("top:{}px", i as f64 * ROW_H);
    let slot = m.flat[i];
    let (parent, pos) = slot.parent_pos();
    let setsize = m.kids(parent).map_or(0, |k| k.total);
    let level = (slot.depth() + 1).to_string();
    let row_id = format!("trow-{i}");
    let rowindex = (i + 2).to_string();
    match slot {
        Slot::Pending { depth, .. } => view! {
            <div
                class="trow pending"
                id=row_id
                role="row"
                aria-rowindex=rowindex
                aria-posinset=(pos + 1).to_string()
                aria-setsize=setsize.to_string()
                aria-selected=sel.to_string()
                data-depth=depth.to_string()
                aria-busy="true"
                style=top
            >
                <span class="c-class" role="gridcell" style=format!("padding-left:{}rem", depth as f64 * 1.1 + 1.6)>"…"</span>
            </div>
        }
        // (tachys knows no `aria-level` attribute: set by name)
        .add_any_attr(custom_attribute("aria-level", level))
        .into_any(),
        Slot::Node { idx, depth, .. } => {
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
                    id=row_id
                    role="row"
                    aria-rowindex=rowindex
                    aria-posinset=(pos + 1).to_string()
                    aria-setsize=setsize.to_string()
                    aria-expanded=has_kids.then(|| expanded.to_string())
                    aria-selected=sel.to_string()
                    data-depth=depth.to_string()
                    data-id=row.object_id.clone()
                    style=top
                    on:click=move |_| select(ctx, selected, i)
                    on:dblclick=move |_| navigate(&Route::Object { id: id2.clone(), paths: false })
                >
                    <span class="c-class" role="gridcell" style=format!("padding-left:{}rem", depth as f64 * 1.1 + 0.2)>
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
                            <ClassName name=row.class.clone() />
                        </a>
                        {row.label.clone().map(|l| view! { <span class="lbl" title=l.clone()>{l.clone()}</span> })}
                        {has_kids.then(|| view! { <span class="kids" title="dominated objects directly below">{format!("({})", count(row.children as u64))}</span> })}
                    </span>
                    <span class="c-id" role="gridcell"><code>{row.object_id.clone()}</code></span>
                    <span class="c-num" role="gridcell"><Bytes value=row.shallow /></span>
                    <span class="c-num" role="gridcell"><Bytes value=row.retained /></span>
                    <span class="c-pct" role="gridcell"><Pct pct=row.pct /></span>
                    <span class="c-act" role="gridcell">
                        <a class="roots" href=paths_href(&id) tabindex="-1" title="Paths to GC roots">"⇱ roots"</a>
                        " "
                        <a class="retained-set" href=explore_href(ExploreView::Retained, &Target::Object(id.clone())) tabindex="-1" title="Retained set: what this object keeps alive, by class">"∑ set"</a>
                    </span>
                </div>
            }
            .add_any_attr(custom_attribute("aria-level", level))
            .into_any()
        }
    }
}

/// One search match: a click reveals it in the tree, its link opens the inspector.
fn render_match(
    m: &TreeModel,
    i: usize,
    sel: bool,
    selected: RwSignal<usize>,
    reveal: impl Fn(usize) + Copy + 'static,
) -> AnyView {
    let top = format!("top:{}px", i as f64 * ROW_H);
    let rowindex = (i + 2).to_string();
    let Some(hit) = m.search_row(i) else {
        return view! {
            <div class="trow srow pending" id=format!("srow-{i}") role="row" aria-rowindex=rowindex aria-busy="true" style=top>
                <span class="c-class" role="gridcell">"…"</span>
            </div>
        }
        .into_any();
    };
    let row = hit.row.clone();
    let deep = hit.path.is_empty();
    let level = if deep {
        format!("level ≥ {}", hit.depth + 1)
    } else {
        format!("level {}", hit.depth + 1)
    };
    let title = if deep {
        format!(
            "{} ({level}: too deep to reveal in the tree; opens the inspector)",
            row.class
        )
    } else {
        format!("{} ({level}): reveal in the tree", row.class)
    };
    let id = row.object_id.clone();
    view! {
        <div
            class="trow srow"
            class:sel=sel
            id=format!("srow-{i}")
            role="row"
            aria-rowindex=rowindex
            aria-selected=sel.to_string()
            data-id=row.object_id.clone()
            data-tree-depth=hit.depth.to_string()
            style=top
            title=title
            on:click=move |_| {
                selected.set(i);
                reveal(i);
            }
        >
            <span class="c-class" role="gridcell">
                <span class="level" aria-label=level.clone()>{format!("L{}", hit.depth + 1)}</span>
                <span class="cls">{row.class.clone()}</span>
                {row.label.clone().map(|l| view! { <span class="lbl" title=l.clone()>{l.clone()}</span> })}
            </span>
            <span class="c-id" role="gridcell"><code>{row.object_id.clone()}</code></span>
            <span class="c-num" role="gridcell"><Bytes value=row.shallow /></span>
            <span class="c-num" role="gridcell"><Bytes value=row.retained /></span>
            <span class="c-pct" role="gridcell"><Pct pct=row.pct /></span>
            <span class="c-act" role="gridcell">
                <a
                    class="inspect"
                    href=object_href(&id)
                    tabindex="-1"
                    title="Open in the object inspector"
                    on:click=|ev: web_sys::MouseEvent| ev.stop_propagation()
                >
                    "inspect"
                </a>
            </span>
        </div>
    }
    .into_any()
}
