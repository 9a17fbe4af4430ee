//! "Retained set": what a class's instances or one object keep alive, as a class histogram of
//! the objects that would be freed with them, and its total (MAT's "Show Retained Set").

use leptos::prelude::*;

use crate::protocol::*;

use super::explore_list::{use_explore_list, ExploreFrame};
use super::route::{ExploreView, Route, Target};
use super::util::*;

const PAGE: u32 = 100;

#[component]
pub fn RetainedView(target: Target) -> impl IntoView {
    let selection = target.selection();
    let (head, pager, load) =
        use_explore_list::<req::RetainedSet>(move |offset| RetainedSetQuery {
            selection: selection.clone(),
            offset,
            limit: PAGE,
        });
    let body = move |h: RetainedSetPage| {
        view! {
            <p class="summary-line retained-summary" data-objects=h.objects data-bytes=h.bytes>
                {format!("{} selected", plural(h.selected, "object"))}
                {(h.unreachable > 0).then(|| format!(" ({} unreachable, left out)", count(h.unreachable)))}
                {format!(" retain {}: ", plural(h.objects, "object"))}
                <strong><Bytes value=h.bytes /></strong>
                {format!(", {} of the reachable heap", pct_text(h.pct))}
            </p>
            <div class="table-scroll">
                <table class="grid retained-set">
                    <thead><tr>
                        <th>"Class"</th>
                        <th class="num" title="Objects of this class in the retained set">"Objects"</th>
                        <th class="num" title="Shallow size: the objects' own bytes, summed">"Shallow"</th>
                    </tr></thead>
                    <tbody on:keydown=table_keys>
                        <For
                            each=move || pager.rows.get().into_iter().enumerate()
                            key=|(i, r)| (*i, r.class_index)
                            children=move |(_, r)| view! {
                                <tr tabindex="0">
                                    <td class="name"><a class="cls" href=Route::Instances { class: r.class_index, unreachable: false }.to_hash() title=format!("{}: list its instances", r.class)><ClassName name=r.class.clone() /></a></td>
                                    <td class="num">{count(r.objects)}</td>
                                    <td class="num"><Bytes value=r.shallow /></td>
                                </tr>
                            }
                        />
                    </tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <ExploreFrame class="retained-view" view=ExploreView::Retained target label=|h: &RetainedSetPage| h.label.clone() pending="retained set" head pager load body />
    }
}
