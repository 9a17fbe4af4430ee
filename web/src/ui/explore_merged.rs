//! "Merged paths to GC roots": the shortest path of every selected object from a GC root,
//! merged into one tree with the number of objects (and their shallow bytes) below each node
//! (MAT's "Merge Shortest Paths to GC Roots"). Weak, soft, phantom and final references are
//! left out unless asked. The tree is fetched one level at a time; a level with a single
//! branch opens by itself, so the chain down to where the paths part is shown at once.

use leptos::prelude::*;

use crate::protocol::*;

use super::explore::{use_explore_pages, ExploreHead, PagerFoot};
use super::route::{navigate, object_href, ExploreView, Route, Target};
use super::util::*;

const PAGE: u32 = 100;
/// Single-branch levels opened by themselves, at most (a chain can be thousands deep).
const AUTO_OPEN: u32 = 40;

#[component]
pub fn MergedView(target: Target, weak: bool) -> impl IntoView {
    let head = RwSignal::new(None::<MergedPathsPage>);
    let selection = target.selection();
    let label = Signal::derive(move || {
        head.with(|h| h.as_ref().map(|h| h.label.clone()).unwrap_or_default())
    });
    let toggle = {
        let target = target.clone();
        move |ev| {
            navigate(&Route::Explore {
                view: ExploreView::Merged,
                target: target.clone(),
                option: event_target_checked(&ev).then(|| "weak".to_string()),
            })
        }
    };
    view! {
        <section class="view explore-view merged-view" aria-labelledby="explore-title">
            <ExploreHead view=ExploreView::Merged target=target.clone() label />
            <label class="toggle">
                <input type="checkbox" prop:checked=weak on:change=toggle />
                " Include weak, soft, phantom and final references"
            </label>
            {move || head.get().map(|h| view! {
                <p class="summary-line merged-summary" data-selected=h.selected data-without-path=h.without_path>
                    {format!("{} selected", plural(h.selected, "object"))}
                    {(h.without_path > 0).then(|| format!(
                        ", {} without a path from a GC root{}",
                        count(h.without_path),
                        if h.include_weak { " (unreachable)" } else { " (unreachable, or reached only through weak references)" }
                    ))}
                    " · Objects: selected objects whose shortest path runs through the node"
                </p>
            })}
            <div class="table-scroll merged-tree" role="tree" aria-label="Merged paths from the GC roots">
                <div class="mrow mhead" aria-hidden="true">
                    <span class="mname">"Reference · object"</span>
                    <span class="num" title="Selected objects whose shortest path runs through this node">"Objects"</span>
                    <span class="num" title="Shallow size of those objects, summed">"Their shallow"</span>
                    <span class="num" title="This node's own shallow size">"Shallow"</span>
                </div>
                <MergedLevel selection weak parent=None depth=0 head />
            </div>
        </section>
    }
}

/// One level of the tree: the children of `parent` (`None`: the GC roots), paged.
#[component]
fn MergedLevel(
    selection: ExploreSelection,
    weak: bool,
    parent: Option<u32>,
    depth: u32,
    head: RwSignal<Option<MergedPathsPage>>,
) -> impl IntoView {
    let sel = selection.clone();
    // The first level's answer heads the view (its sums are the selection's).
    let (pager, load) = use_explore_pages::<req::MergedPaths>(
        move |offset| MergedPathsQuery {
            selection: sel.clone(),
            include_weak: weak,
            parent,
            offset,
            limit: PAGE,
        },
        move |p| {
            if parent.is_none() {
                head.set(Some(p));
            }
        },
    );
    let single = move || pager.total.get_untracked() == Some(1);
    view! {
        {move || pager.error.get().map(|e| view! { <ErrorNote message=e /> })}
        {move || (pager.total.get().is_none() && pager.error.get().is_none()).then(|| view! { <Pending what="paths" /> })}
        {move || (parent.is_none() && pager.total.get() == Some(0)).then(|| view! {
            <p class="muted">"No path: none of these objects is reachable from a GC root through the references followed."</p>
        })}
        <For
            each=move || pager.rows.get().into_iter().enumerate()
            key=|(i, r)| (*i, r.index)
            children=move |(_, r)| {
                let open = RwSignal::new(r.children > 0 && single() && depth < AUTO_OPEN);
                let selection = selection.clone();
                let index = r.index;
                let kids = r.children;
                let indent = format!("padding-left:{:.1}rem", depth as f64 * 1.1);
                view! {
                    <div class="mrow" role="treeitem" data-depth=depth aria-expanded=move || (kids > 0).then(|| open.get().to_string()) data-field=r.field.clone() data-objects=r.objects class:selected=r.selected>
                        <span class="mname" style=indent>
                            {if kids > 0 {
                                view! { <button type="button" class="twisty" aria-label=move || if open.get() { "Collapse" } else { "Expand" } on:click=move |_| open.update(|o| *o = !*o)>{move || if open.get() { "▾" } else { "▸" }}</button> }.into_any()
                            } else {
                                view! { <span class="twisty leaf" aria-hidden="true">"·"</span> }.into_any()
                            }}
                            {match r.root_kind.clone() {
                                Some(k) => view! { <span class="root-kind" title="GC root kind">{k}</span>" " }.into_any(),
                                None => view! { <span class="via" title="Reference from the node above">{r.field.clone()}</span>" " }.into_any(),
                            }}
                            <a class="cls" href=object_href(&r.object_id) title=format!("Inspect {} {}", r.class, r.object_id)><ClassName name=r.class.clone() /></a>
                            " "<code class="muted small">{r.object_id.clone()}</code>
                        </span>
                        <span class="num">{count(r.objects)}</span>
                        <span class="num"><Bytes value=r.objects_shallow /></span>
                        <span class="num"><Bytes value=r.shallow /></span>
                    </div>
                    {move || open.get().then(|| view! {
                        <MergedLevel selection=selection.clone() weak parent=Some(index) depth=depth + 1 head />
                    }.into_any())}
                }
            }
        />
        {move || pager.more().then(|| view! {
            <div class="mrow more" style=format!("padding-left:{:.1}rem", depth as f64 * 1.1)><PagerFoot pager load /></div>
        })}
    }
}
