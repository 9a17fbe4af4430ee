//! "Immediate dominators": who keeps a class's instances (or one object) alive, grouped by the
//! dominator's class, climbing past classes that match an editable skip pattern (MAT's
//! default skips the JDK's own classes) so the answer is the application object.

use heaplens::analysis::explore::DEFAULT_SKIP;
use leptos::prelude::*;

use crate::protocol::*;

use super::explore_list::{use_explore_list, ExploreFrame};
use super::route::{navigate, ExploreView, Route, Target};
use super::util::*;

const PAGE: u32 = 100;

#[component]
pub fn DominatorsView(target: Target, skip: Option<String>) -> impl IntoView {
    let selection = target.selection();
    let asked = skip.clone();
    let (head, pager, load) =
        use_explore_list::<req::ImmediateDominators>(move |offset| DominatorsQuery {
            selection: selection.clone(),
            skip: asked.clone(),
            offset,
            limit: PAGE,
        });
    let pattern = RwSignal::new(skip.clone().unwrap_or_else(|| DEFAULT_SKIP.to_string()));
    let apply = {
        let target = target.clone();
        move |p: String| {
            navigate(&Route::Explore {
                view: ExploreView::Dominators,
                target: target.clone(),
                option: (p != DEFAULT_SKIP).then_some(p),
            })
        }
    };
    let apply2 = apply.clone();
    let body = move |h: DominatorsPage| {
        view! {
            <p class="summary-line">
                {format!("{} selected", plural(h.selected, "object"))}
                {(h.unreachable > 0).then(|| format!(", {} unreachable (no dominator)", count(h.unreachable)))}
                {format!(" · {}", plural(h.total as u64, "dominator class"))}
                {if h.skip.is_empty() { " · nothing skipped".to_string() } else { String::new() }}
            </p>
            <div class="table-scroll">
                <table class="grid dominators">
                    <thead><tr>
                        <th title="The class of the objects that keep the selection alive; <ROOT>: only GC roots do">"Dominator class"</th>
                        <th class="num" title="Distinct dominators of this class">"Dominators"</th>
                        <th class="num" title="Selected objects they dominate">"Dominated"</th>
                        <th class="num" title="Shallow size of the dominated objects">"Dominated shallow"</th>
                        <th class="num" title="Retained size of the dominators (each counted once)">"Dominator retained"</th>
                        <th>"Biggest dominators"</th>
                    </tr></thead>
                    <tbody on:keydown=table_keys>
                        <For
                            each=move || pager.rows.get().into_iter().enumerate()
                            key=|(i, r)| (*i, r.class.clone())
                            children=move |(_, r)| view! {
                                <tr tabindex="0">
                                    <td class="name">{match r.class_index {
                                        Some(c) => view! { <a class="cls" href=Route::Instances { class: c, unreachable: false }.to_hash()><ClassName name=r.class.clone() /></a> }.into_any(),
                                        None => view! { <span class="cls muted">{r.class.clone()}</span> }.into_any(),
                                    }}</td>
                                    <td class="num">{count(r.dominators)}</td>
                                    <td class="num">{count(r.dominated)}</td>
                                    <td class="num"><Bytes value=r.dominated_shallow /></td>
                                    <td class="num"><Bytes value=r.dominator_retained /></td>
                                    <td class="top-dominators">{r.top.iter().map(|o| view! {
                                        <a class="oid-link" href=super::route::object_href(&o.object_id) title=format!("{} {}, retains {}", o.class, o.object_id, human(o.retained))><code>{o.object_id.clone()}</code></a>" "
                                    }).collect_view()}</td>
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
        <ExploreFrame class="dominators-view" view=ExploreView::Dominators target=target.clone() label=|h: &DominatorsPage| h.label.clone() pending="immediate dominators" head pager load body>
            <form class="controls skip-form" on:submit=move |ev| { ev.prevent_default(); apply(pattern.get_untracked()); }>
                <label for="skip-pattern" title="A regular expression over whole class names: dominators of these classes are climbed past">"Skip dominators of classes matching"</label>
                <input id="skip-pattern" class="mono" type="text" size="48" spellcheck="false" prop:value=move || pattern.get() on:input=move |ev| pattern.set(event_target_value(&ev)) />
                <button type="submit" class="secondary">"Apply"</button>
                <button type="button" class="secondary" title="MAT's default: the JDK's own classes" on:click=move |_| apply2(DEFAULT_SKIP.to_string())>"Default"</button>
            </form>
        </ExploreFrame>
    }
}
