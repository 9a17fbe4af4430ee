//! "Contents": one collection's elements (lists, queues, sets, arrays) or a map's keys and
//! values, in storage order, for every JDK layout the core reads (MAT's "Extract List Values"
//! and "Hash Entries").

use leptos::prelude::*;

use crate::protocol::*;
use heaplens::analysis::collections::CollectionKind;

use super::explore_list::{use_explore_list, ExploreFrame};
use super::route::{ExploreView, Target};
use super::util::*;

const PAGE: u32 = 100;

#[component]
pub fn ContentsView(id: String) -> impl IntoView {
    let object = id.clone();
    let (head, pager, load) = use_explore_list::<req::Contents>(move |offset| ContentsQuery {
        object: object.clone(),
        offset,
        limit: PAGE,
    });
    let is_map = move || head.with(|h| h.as_ref().is_some_and(|h| h.kind == CollectionKind::Map));
    let item = |i: Option<ContentItemView>| match i {
        Some(i) => view! {
            <ObjLink id=i.object_id.clone() class=i.class.clone() />
            {i.text.map(|t| view! { <span class="lbl">{format!("\"{t}\"")}</span> })}
        }
        .into_any(),
        None => view! { <span class="muted">"null"</span> }.into_any(),
    };
    let body = move |h: ContentsPage| {
        view! {
            <p class="summary-line contents-summary" data-size=h.size data-total=h.total>
                {format!("{} ({}, read as {}) holds {}", h.class, h.kind, h.jdk_class, plural(h.size, if h.kind == CollectionKind::Map { "entry" } else { "element" }))}
                {h.capacity.map(|c| format!(", capacity {}", count(c)))}
                {(h.total != h.size).then(|| format!("; {} could be read", count(h.total)))}
            </p>
            <div class="table-scroll">
                <table class="grid contents">
                    <thead><tr>
                        <th class="num">"#"</th>
                        {move || if is_map() {
                            view! { <th>"Key"</th><th>"Value"</th> }.into_any()
                        } else {
                            view! { <th>"Element"</th> }.into_any()
                        }}
                    </tr></thead>
                    <tbody on:keydown=table_keys>
                        <For
                            each=move || pager.rows.get().into_iter()
                            key=|r| r.index
                            children=move |r| {
                                let map = is_map();
                                // Sets list their members as keys; lists as values.
                                let (first, second) = if map { (r.key, r.value) } else { (r.key.or(r.value), None) };
                                view! {
                                    <tr tabindex="0">
                                        <td class="num">{count(r.index)}</td>
                                        <td>{item(first)}</td>
                                        {map.then(|| view! { <td>{item(second)}</td> })}
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <ExploreFrame class="contents-view" view=ExploreView::Contents target=Target::Object(id) label=|h: &ContentsPage| format!("{} @ {}", h.class, h.object_id) pending="contents" head pager load body />
    }
}
