//! The dominator tree: lazy (children fetched a page at a time when they scroll into view),
//! virtualized (only the rows around the viewport are in the DOM, so a node with 100,000
//! children costs 100,000 small slots, not 100,000 DOM rows), keyboard-driven (↑ ↓ ← → Home End
//! PgUp PgDn Enter), and a `treegrid` for assistive technologies (every row has its level,
//! position among its siblings, expanded and selected state; the selection is the grid's
//! active descendant).
//!
//! Finding a class searches the whole tree, not only its first level (MAT's "find in the
//! dominator tree"): the matching objects are listed flat, largest retained first, a page at a
//! time as they scroll into view; one of them opens in the inspector, or is revealed in the
//! tree: the pages holding its ancestors are fetched, the ancestors expanded, and the row
//! scrolled to and selected.
//!
//! The state is the pure `TreeModel` in `ctx.tree` (a signal: it survives navigation, and a
//! change to it redraws what depends on it); both lists are `VirtualGrid`s over a `Viewport`,
//! the geometry the tables' virtual list shares. Here: the component; rows, keys, search and
//! the worker's round trips each in their own file.

mod keys;
mod load;
mod rows;
mod search;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::route::{navigate, Route};
use super::state::use_ctx;
use super::tree_model::{BLOCK, HEAD_H, ROW_H};
use super::util::count;
use super::viewport::Viewport;
use super::virtual_grid::VirtualGrid;
use crate::protocol::TreeSort;

#[component]
pub fn DominatorTree(root_children: u32) -> impl IntoView {
    let ctx = use_ctx();
    if !ctx.tree.with_untracked(|m| m.started) {
        ctx.tree
            .update(|m| m.reset(TreeSort::Retained, root_children));
    }
    let len = Memo::new(move |_| ctx.tree.with(|m| m.flat.len()));
    let selected = Memo::new(move |_| ctx.tree.with(|m| m.selected));
    let showing_search = Memo::new(move |_| ctx.tree.with(|m| m.showing_search()));
    let search_len = Memo::new(move |_| ctx.tree.with(|m| m.search_len()));
    let search_selected = Memo::new(move |_| {
        ctx.tree
            .with(|m| m.search.as_ref().map_or(0, |s| s.selected))
    });
    let tree_view = Viewport::new(len.into(), ROW_H, HEAD_H, BLOCK);
    let match_view = Viewport::new(search_len.into(), ROW_H, HEAD_H, BLOCK);
    // Where each list was left (coming back from an object).
    let (top, match_top) = ctx.tree.with_untracked(|m| {
        (
            m.scroll_top,
            m.search.as_ref().map_or(0.0, |s| s.scroll_top),
        )
    });
    tree_view.scroll_top.set(top);
    match_view.scroll_top.set(match_top);
    // A reveal in progress (its steps are round trips to the worker).
    let revealing = RwSignal::new(false);

    // Fetch the pages of the placeholder rows to draw, and of the matches to draw.
    Effect::new(move |_| {
        let (first, last) = tree_view.window.get();
        ctx.tree.track();
        load::load_pending(ctx, first, last);
    });
    Effect::new(move |_| {
        if !showing_search.get() {
            return;
        }
        let (first, last) = match_view.window.get();
        ctx.tree.track();
        load::load_matches(ctx, first, last.max(first + 1));
    });

    // Restore the scroll positions and measure the viewports once mounted; coming back to a
    // tree already walked (Back from an object), the keyboard is where it was: on the tree.
    let returning = ctx
        .tree
        .with_untracked(|m| !m.flat.is_empty() && !m.show_search);
    Effect::new(move |_| {
        if let Some(el) = tree_view.scroller.get() {
            tree_view.scroll_to(top);
            if returning {
                let _ = el.focus();
            }
        }
        if match_view.scroller.get().is_some() {
            match_view.scroll_to(match_top);
        }
    });

    // Switch between the matches and the tree; the list shown gets its scroll position back
    // (a hidden element has none) once drawn.
    let show = move |search: bool| {
        ctx.tree
            .update(|m| m.show_search = search && m.search.is_some());
        request_animation_frame(move || {
            let view = if search { match_view } else { tree_view };
            view.scroll_to(view.scroll_top.get_untracked());
            if let (true, Some(el)) = (search, match_view.scroller.get_untracked()) {
                let _ = el.focus();
            }
        });
    };

    // Reveal the `i`-th match in the tree (or, too deep to reveal, open it in the inspector).
    let reveal = move |i: usize| {
        let Some(hit) = ctx.tree.with_untracked(|m| m.search_row(i).cloned()) else {
            return;
        };
        rows::select_match(ctx, i);
        if hit.path.is_empty() {
            navigate(&Route::Object {
                id: hit.row.object_id.clone(),
                paths: false,
            });
            return;
        }
        revealing.set(true);
        spawn_local(async move {
            let at = load::reveal_path(ctx, &hit, root_children).await;
            revealing.try_set(false);
            let Some(at) = at else { return };
            rows::select(ctx, at);
            // Scroll the row to the middle of the viewport once the tree is drawn again.
            request_animation_frame(move || {
                let Some(el) = tree_view.scroller.get_untracked() else {
                    return;
                };
                tree_view.center(at);
                let top = tree_view.scroll_top.get_untracked();
                ctx.tree.update_untracked(|m| m.scroll_top = top);
                let _ = el.focus();
            });
        });
    };

    let apply_search = move |pattern: String| {
        ctx.tree.update(|m| {
            m.start_search(&pattern);
            if let Some(s) = m.search.as_mut() {
                s.selected = 0;
                s.scroll_top = 0.0;
            }
        });
        match_view.scroll_to(0.0);
        request_animation_frame(move || match_view.measure_height());
    };

    let on_sort = move |sort: TreeSort| {
        ctx.tree.update(|m| m.reset(sort, root_children));
        tree_view.scroll_to(0.0);
    };

    view! {
        <section class="view tree-view" aria-labelledby="tree-title">
            <div class="view-head">
                <h2 id="tree-title">"Dominator tree"</h2>
                <p class="hint">
                    "Each object keeps alive (retains) everything below it. ↑ ↓ select, → expand, ← collapse, Enter inspect."
                </p>
                {search::find_form(ctx, apply_search)}
            </div>
            {search::search_bar(ctx, revealing, show)}
            <div class="match-list" hidden=move || !showing_search.get()>
                <VirtualGrid
                    view=match_view
                    scroll_class="match-scroll"
                    inner_class="match-inner"
                    role="grid"
                    label="Objects whose class matches, largest retained first"
                    len=search_len
                    selected=search_selected
                    id_prefix="srow"
                    head=move || rows::header(ctx, true, on_sort)
                    keys=move |first, last| {
                        ctx.tree.with(|m| {
                            (first..last)
                                .map(|i| (m.search_epoch, i, m.search_row(i).is_some()))
                                .collect()
                        })
                    }
                    row=move |(_, i, _)| {
                        let hit = ctx.tree.with_untracked(|m| m.search_row(i).cloned());
                        rows::match_row(i, hit, search_selected, reveal)
                    }
                    on_key=move |ev| keys::match_key(ctx, match_view, ev, reveal)
                    on_scrolled=move |top| {
                        ctx.tree.update_untracked(|m| {
                            if let Some(s) = m.search.as_mut() {
                                s.scroll_top = top;
                            }
                        })
                    }
                />
            </div>
            <div class="tree" hidden=move || showing_search.get()>
                <VirtualGrid
                    view=tree_view
                    scroll_class="tree-scroll"
                    inner_class="tree-inner"
                    role="treegrid"
                    label="Dominator tree"
                    colcount="6"
                    len=len
                    selected=selected
                    id_prefix="trow"
                    head=move || rows::header(ctx, false, on_sort)
                    keys=move |first, last| ctx.tree.with(|m| m.row_keys(first, last))
                    row=move |key| rows::tree_row(ctx, key, selected)
                    on_key=move |ev| keys::tree_key(ctx, tree_view, ev)
                    on_scrolled=move |top| ctx.tree.update_untracked(|m| m.scroll_top = top)
                />
                <p class="tree-foot">{move || format!("{} rows", count(len.get() as u64))}</p>
            </div>
        </section>
    }
}
