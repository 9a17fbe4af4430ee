//! Class histogram (sortable, filterable, grouped by class / package / class loader) and the
//! instances of one class.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::object::ObjectTable;
use super::route::{navigate, Route};
use super::state::use_ctx;
use super::util::*;

#[component]
pub fn HistogramView() -> impl IntoView {
    let ctx = use_ctx();
    let q = ctx.histogram;
    let page = LocalResource::new(move || {
        let query = q.get();
        async move {
            match ctx.call(Request::Histogram(query)).await {
                Ok(Response::Histogram(p)) => Ok(p),
                Ok(other) => Err(format!("unexpected answer: {other:?}")),
                Err(e) => Err(e),
            }
        }
    });
    let filter_text = RwSignal::new(q.get_untracked().filter);
    // Debounced filtering as you type.
    let typed = RwSignal::new(0u32);
    let on_input = move |ev| {
        filter_text.set(event_target_value(&ev));
        let n = typed.get_untracked() + 1;
        typed.set(n);
        set_timeout(
            move || {
                if typed.get_untracked() == n {
                    let f = filter_text.get_untracked();
                    q.update(|q| {
                        q.filter = f;
                        q.offset = 0;
                        q.limit = 200;
                    });
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    let header = move |label: &'static str, sort: HistogramSort, num: bool| {
        let active = move || q.with(|q| q.sort == sort);
        view! {
            <th class:num=num aria-sort=move || if active() { if q.with(|q| q.descending) { "descending" } else { "ascending" } } else { "none" }>
                <button
                    type="button"
                    class="th-sort"
                    class:active=active
                    on:click=move |_| q.update(|q| {
                        if q.sort == sort {
                            q.descending = !q.descending;
                        } else {
                            q.sort = sort;
                            q.descending = sort != HistogramSort::Name;
                        }
                        q.offset = 0;
                    })
                >
                    {label}
                    {move || if active() { if q.with(|q| q.descending) { " ▾" } else { " ▴" } } else { "" }}
                </button>
            </th>
        }
    };
    view! {
        <section class="view histogram-view" aria-labelledby="hist-title">
            <div class="view-head">
                <h2 id="hist-title">"Class histogram"</h2>
                <div class="controls">
                    <label for="hist-filter">"Filter"</label>
                    <input
                        id="hist-filter"
                        type="search"
                        placeholder=move || if q.with(|q| q.regex) { "regular expression" } else { "class name contains…" }
                        prop:value=move || filter_text.get()
                        on:input=on_input
                    />
                    <label class="toggle">
                        <input
                            type="checkbox"
                            prop:checked=move || q.with(|q| q.regex)
                            on:change=move |ev| q.update(|q| {
                                q.regex = event_target_checked(&ev);
                                q.offset = 0;
                            })
                        />
                        " regex"
                    </label>
                    <label for="hist-group">"Group by"</label>
                    <select
                        id="hist-group"
                        on:change=move |ev| {
                            let g = match event_target_value(&ev).as_str() {
                                "package" => Grouping::Package,
                                "loader" => Grouping::ClassLoader,
                                _ => Grouping::Class,
                            };
                            q.update(|q| {
                                q.group = g;
                                q.offset = 0;
                            });
                        }
                    >
                        <option value="class" selected=move || q.with(|q| q.group == Grouping::Class)>"class"</option>
                        <option value="package" selected=move || q.with(|q| q.group == Grouping::Package)>"package"</option>
                        <option value="loader" selected=move || q.with(|q| q.group == Grouping::ClassLoader)>"class loader"</option>
                    </select>
                    <label class="toggle">
                        <input
                            type="checkbox"
                            prop:checked=move || q.with(|q| q.unreachable)
                            on:change=move |ev| q.update(|q| {
                                q.unreachable = event_target_checked(&ev);
                                q.offset = 0;
                            })
                        />
                        " unreachable objects"
                    </label>
                </div>
            </div>
            {move || match page.get() {
                None => view! { <Pending what="histogram" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(p)) => {
                    let grouped = p.query.group != Grouping::Class;
                    let unreachable = p.query.unreachable;
                    let shown = p.rows.len() as u32 + p.query.offset;
                    view! {
                        {p.filter_error.clone().map(|e| view! { <ErrorNote message=format!("Invalid regular expression: {e}") /> })}
                        <p class="summary-line">
                            {format!("{} {} · {} objects · ", count(p.total_rows as u64), if grouped { "groups" } else { "classes" }, count(p.total_instances))}
                            <Bytes value=p.total_shallow />
                            " shallow"
                        </p>
                        <div class="table-scroll">
                        <table class="grid histogram">
                            <thead>
                                <tr>
                                    {header(if grouped { "Group" } else { "Class" }, HistogramSort::Name, false)}
                                    {header("Objects", HistogramSort::Instances, true)}
                                    {header("Shallow", HistogramSort::Shallow, true)}
                                    {(!unreachable).then(|| header("Retained", HistogramSort::Retained, true))}
                                </tr>
                            </thead>
                            <tbody on:keydown=table_keys>
                                {p.rows.iter().map(|r| {
                                    let name = r.name.clone();
                                    let class = r.class;
                                    let group = p.query.group;
                                    let go = move |_| match (class, group) {
                                        (Some(c), _) => navigate(&Route::Instances { class: c, unreachable }),
                                        (None, Grouping::Package) => {
                                            let f = if name.starts_with('<') { String::new() } else { format!("{name}.") };
                                            q.update(|q| {
                                                q.group = Grouping::Class;
                                                q.filter = f;
                                                q.regex = false;
                                                q.offset = 0;
                                            });
                                        }
                                        _ => {}
                                    };
                                    let title = if class.is_some() { "List the instances" } else { "Show the classes of this package" };
                                    view! {
                                        <tr tabindex="0">
                                            <td class="name">
                                                <button type="button" class="link cls" title=title on:click=go>{r.name.clone()}</button>
                                            </td>
                                            <td class="num">{count(r.instances)}</td>
                                            <td class="num"><Bytes value=r.shallow /></td>
                                            {(!unreachable).then(|| view! { <td class="num"><Bytes value=r.retained /></td> })}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                        <p class="list-foot pager">
                            {format!(
                                "{}–{} of {}",
                                count((p.query.offset + 1).min(p.total_rows) as u64),
                                count(shown as u64),
                                count(p.total_rows as u64)
                            )}
                            {(p.query.offset > 0).then(|| view! {
                                " "
                                <button type="button" class="secondary" on:click=move |_| q.update(|q| q.offset = q.offset.saturating_sub(q.limit))>"← Previous"</button>
                            })}
                            {(shown < p.total_rows).then(|| view! {
                                " "
                                <button type="button" class="secondary" on:click=move |_| q.update(|q| q.offset += q.limit)>"Next →"</button>
                            })}
                        </p>
                    }.into_any()
                }
            }}
        </section>
    }
}

const PAGE: u32 = 100;

#[component]
pub fn InstancesView(class: u32, unreachable: bool) -> impl IntoView {
    let ctx = use_ctx();
    let rows = RwSignal::new(Vec::<TreeRow>::new());
    let total = RwSignal::new(None::<u32>);
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let load = move || {
        let offset = rows.with_untracked(|r| r.len() as u32);
        spawn_local(async move {
            match ctx.call(Request::Instances { class, unreachable, offset, limit: PAGE }).await {
                Ok(Response::Instances(p)) => {
                    name.set(p.class_name);
                    total.set(Some(p.total));
                    rows.update(|r| r.extend(p.rows));
                }
                Ok(other) => error.set(Some(format!("unexpected answer: {other:?}"))),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    view! {
        <section class="view instances-view" aria-labelledby="inst-title">
            <div class="view-head">
                <h2 id="inst-title">
                    {move || format!("{} of ", if unreachable { "Unreachable instances" } else { "Instances" })}
                    <code>{move || name.get()}</code>
                </h2>
                <p class="hint"><a href="#/histogram">"← Histogram"</a>" · largest retained first"</p>
            </div>
            {move || error.get().map(|e| view! { <ErrorNote message=e /> })}
            {move || match total.get() {
                None => view! { <Pending what="instances" /> }.into_any(),
                Some(t) => view! {
                    <ObjectTable rows=rows />
                    <p class="list-foot">
                        {move || format!("{} of {}", count(rows.with(|r| r.len()) as u64), count(t as u64))}
                        {move || (rows.with(|r| r.len() as u32) < t).then(|| view! {
                            " " <button type="button" class="secondary" on:click=move |_| load()>"Show more"</button>
                        })}
                    </p>
                }.into_any(),
            }}
        </section>
    }
}
