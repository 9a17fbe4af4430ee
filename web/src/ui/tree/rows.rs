//! How the dominator tree's rows look: a tree row (or the placeholder of one whose page is on
//! its way) with its treegrid facts, a search match, and the header of either list.

use leptos::prelude::*;
use leptos::tachys::html::attribute::custom::custom_attribute;

use crate::protocol::*;

use super::super::route::{
    explore_href, navigate, object_href, paths_href, ExploreView, Route, Target,
};
use super::super::state::Ctx;
use super::super::tree_model::*;
use super::super::util::*;

/// Select row `i` of the tree (kept in the model: Back from an object finds it selected).
pub fn select(ctx: Ctx, i: usize) {
    ctx.tree.update(|m| m.selected = i);
}

/// Select match `i` of the search's list.
pub fn select_match(ctx: Ctx, i: usize) {
    ctx.tree.update(|m| {
        if let Some(s) = m.search.as_mut() {
            s.selected = i;
        }
    });
}

/// One row of the tree; `sel`: the selected row.
pub fn tree_row(ctx: Ctx, key: RowKey, sel: Memo<usize>) -> AnyView {
    let RowKey {
        i,
        slot,
        expanded,
        aria,
        ..
    } = key;
    let top = format!("top:{}px", i as f64 * ROW_H);
    let is_sel = move || sel.get() == i;
    let depth = slot.depth();
    // (tachys knows no `aria-level` attribute: set by name)
    let level = custom_attribute("aria-level", aria.level.to_string());
    let Slot::Node { idx, .. } = slot else {
        return view! {
            <div
                class="trow pending"
                id=format!("trow-{i}")
                role="row"
                aria-rowindex=(i + 2).to_string()
                aria-posinset=aria.posinset.to_string()
                aria-setsize=aria.setsize.to_string()
                aria-selected=move || is_sel().to_string()
                data-depth=depth.to_string()
                aria-busy="true"
                style=top
            >
                <span class="c-class" role="gridcell" style=format!("padding-left:{}rem", depth as f64 * 1.1 + 1.6)>"…"</span>
            </div>
        }
        .add_any_attr(level)
        .into_any();
    };
    let Some(row) = ctx
        .tree
        .with_untracked(|m| m.nodes.get(idx as usize).map(|n| n.row.clone()))
    else {
        return ().into_any();
    };
    let has_kids = row.children > 0;
    let toggle = move |ev: web_sys::MouseEvent| {
        ev.stop_propagation();
        ctx.tree.update(|m| {
            m.set_expanded(idx, !expanded);
            m.selected = i;
        });
    };
    let id = row.object_id.clone();
    let open = id.clone();
    view! {
        <div
            class="trow"
            class:sel=is_sel
            id=format!("trow-{i}")
            role="row"
            aria-rowindex=(i + 2).to_string()
            aria-posinset=aria.posinset.to_string()
            aria-setsize=aria.setsize.to_string()
            aria-expanded=has_kids.then(|| expanded.to_string())
            aria-selected=move || is_sel().to_string()
            data-depth=depth.to_string()
            data-id=row.object_id.clone()
            style=top
            on:click=move |_| select(ctx, i)
            on:dblclick=move |_| navigate(&Route::Object { id: open.clone(), paths: false })
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
            {size_cells(&row)}
            <span class="c-act" role="gridcell">
                <a class="roots" href=paths_href(&id) tabindex="-1" title="Paths to GC roots">"⇱ roots"</a>
                " "
                <a class="retained-set" href=explore_href(ExploreView::Retained, &Target::Object(id.clone())) tabindex="-1" title="Retained set: what this object keeps alive, by class">"∑ set"</a>
            </span>
        </div>
    }
    .add_any_attr(level)
    .into_any()
}

/// One search match (`hit`: `None` while its page is on its way): a click reveals it in the
/// tree, its link opens the inspector.
pub fn match_row(
    i: usize,
    hit: Option<TreeSearchRow>,
    sel: Memo<usize>,
    reveal: impl Fn(usize) + Copy + Send + Sync + 'static,
) -> AnyView {
    let top = format!("top:{}px", i as f64 * ROW_H);
    let rowindex = (i + 2).to_string();
    let Some(hit) = hit else {
        return view! {
            <div class="trow srow pending" id=format!("srow-{i}") role="row" aria-rowindex=rowindex aria-busy="true" style=top>
                <span class="c-class" role="gridcell">"…"</span>
            </div>
        }
        .into_any();
    };
    let is_sel = move || sel.get() == i;
    let row = hit.row;
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
            class:sel=is_sel
            id=format!("srow-{i}")
            role="row"
            aria-rowindex=rowindex
            aria-selected=move || is_sel().to_string()
            data-id=row.object_id.clone()
            data-tree-depth=hit.depth.to_string()
            style=top
            title=title
            on:click=move |_| reveal(i)
        >
            <span class="c-class" role="gridcell">
                <span class="level" aria-label=level.clone()>{format!("L{}", hit.depth + 1)}</span>
                <span class="cls">{row.class.clone()}</span>
                {row.label.clone().map(|l| view! { <span class="lbl" title=l.clone()>{l.clone()}</span> })}
            </span>
            {size_cells(&row)}
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

/// The object id, shallow, retained and % of heap cells a tree row and a match share.
fn size_cells(row: &TreeRow) -> impl IntoView {
    view! {
        <span class="c-id" role="gridcell"><code>{row.object_id.clone()}</code></span>
        <span class="c-num" role="gridcell"><Bytes value=row.shallow /></span>
        <span class="c-num" role="gridcell"><Bytes value=row.retained /></span>
        <span class="c-pct" role="gridcell"><Pct pct=row.pct /></span>
    }
}

/// The header row of the matches (sorted by retained size) or of the tree (`on_sort`: a sort
/// button was pressed).
pub fn header(
    ctx: Ctx,
    matches: bool,
    on_sort: impl Fn(TreeSort) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let sort = Memo::new(move |_| ctx.tree.with(|m| m.sort));
    let sort_button = move |label: &'static str, by: TreeSort| {
        let active = move || sort.get() == by;
        view! {
            <span
                class=if by == TreeSort::Class { "c-class" } else { "c-num" }
                role="columnheader"
                aria-sort=move || if !active() { "none" } else if by == TreeSort::Class { "ascending" } else { "descending" }
            >
                <button
                    type="button"
                    class="th-sort"
                    class:active=active
                    aria-pressed=move || active().to_string()
                    on:click=move |_| on_sort(by)
                >
                    {label}
                    {move || if active() { " ▾" } else { "" }}
                </button>
            </span>
        }
    };
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
}
