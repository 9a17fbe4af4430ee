//! "Group by value": a class's instances (Strings, boxed primitives, enums) grouped by value,
//! with the objects per value and the bytes the copies waste (MAT's "Group By Value").

use leptos::prelude::*;

use crate::protocol::*;

use super::explore_list::{use_explore_list, ExploreFrame};
use super::route::{object_href, ExploreView, Target};
use super::util::*;

const PAGE: u32 = 100;

#[component]
pub fn ValuesView(target: Target) -> impl IntoView {
    let selection = target.selection();
    let (head, pager, load) =
        use_explore_list::<req::GroupByValue>(move |offset| GroupByValueQuery {
            selection: selection.clone(),
            offset,
            limit: PAGE,
        });
    let body = move |h: GroupByValuePage| {
        view! {
            <p class="summary-line values-summary" data-values=h.total data-wasted=h.wasted>
                {format!("{} selected, {} · copies waste ", plural(h.selected, "object"), plural(h.total as u64, "distinct value"))}
                <strong><Bytes value=h.wasted /></strong>
                {(h.unreadable > 0).then(|| format!(" · {} not kept by the analysis (grouped under (no value))", plural(h.unreadable, "value")))}
            </p>
            <div class="table-scroll">
                <table class="grid values">
                    <thead><tr>
                        <th>"Value"</th>
                        <th class="num" title="Objects with this value">"Objects"</th>
                        <th class="num" title="Shallow size of the objects">"Shallow"</th>
                        <th class="num" title="Their bytes with the value arrays Strings own">"Bytes"</th>
                        <th class="num" title="What all copies but one cost: bytes × (objects − 1) / objects">"Wasted"</th>
                        <th class="num" title="Average retained size of one object">"Avg retained"</th>
                        <th>"First object"</th>
                    </tr></thead>
                    <tbody on:keydown=table_keys>
                        <For
                            each=move || pager.rows.get().into_iter().enumerate()
                            key=|(i, _)| *i
                            children=move |(_, r)| view! {
                                <tr tabindex="0">
                                    <td class="value-cell">{match r.value.clone() {
                                        Some(v) => view! { <code class="value" title=if r.truncated { "First characters of a longer text" } else { "" }>{v}</code> }.into_any(),
                                        None => view! { <span class="muted">"(no value)"</span> }.into_any(),
                                    }}</td>
                                    <td class="num">{count(r.objects)}</td>
                                    <td class="num"><Bytes value=r.shallow /></td>
                                    <td class="num"><Bytes value=r.bytes /></td>
                                    <td class="num"><Bytes value=r.wasted /></td>
                                    <td class="num"><Bytes value=r.avg_retained /></td>
                                    <td><a href=object_href(&r.first_object_id)><code>{r.first_object_id.clone()}</code></a></td>
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
        <ExploreFrame class="values-view" view=ExploreView::Values target label=|h: &GroupByValuePage| h.label.clone() pending="values" head pager load body />
    }
}
