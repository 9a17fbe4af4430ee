//! Threads: counts by name pattern (the "unable to create native thread" view), ThreadLocal
//! findings, every thread with its stack and locals.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::state::use_ctx;
use super::util::*;

const PAGE: u32 = 100;

#[component]
pub fn ThreadsView() -> impl IntoView {
    let ctx = use_ctx();
    let filter = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<ThreadRow>::new());
    let page = RwSignal::new(None::<ThreadsPage>);
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(None::<String>);
    let load = move |reset: bool| {
        let offset = if reset { 0 } else { rows.with_untracked(|r| r.len() as u32) };
        let f = filter.get_untracked();
        spawn_local(async move {
            match ctx.call(Request::Threads { filter: f, offset, limit: PAGE }).await {
                Ok(Response::Threads(p)) => {
                    if reset {
                        rows.set(p.rows.clone());
                    } else {
                        rows.update(|r| r.extend(p.rows.iter().cloned()));
                    }
                    page.set(Some(p));
                }
                Ok(other) => error.set(Some(format!("unexpected answer: {other:?}"))),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(true);
    let set_filter = move |f: String| {
        filter.set(f);
        open.set(None);
        load(true);
    };
    view! {
        <section class="view threads-view" aria-labelledby="thr-title">
            <div class="view-head">
                <h2 id="thr-title">"Threads"</h2>
            </div>
            {move || error.get().map(|e| view! { <ErrorNote message=e /> })}
            {move || match page.get() {
                None => view! { <Pending what="threads" /> }.into_any(),
                Some(p) => view! {
                    <p class="summary-line thread-count">
                        <strong>{format!("{} live threads", count(p.live_threads as u64))}</strong>
                        {format!(" ({} Thread objects) in {} name groups", count(p.total_threads as u64), count(p.group_count as u64))}
                    </p>
                    {(!p.thread_local_findings.is_empty()).then(|| view! {
                        <section class="panel" aria-labelledby="tl-title">
                            <h3 id="tl-title">"ThreadLocal values"</h3>
                            {p.thread_local_findings.iter().map(|f| view! {
                                <p class="finding" class:significant=f.significant>
                                    {f.stale.then(|| view! { <span class="pattern-badge">"stale"</span>" " })}
                                    {f.explanation.clone()}
                                </p>
                            }).collect_view()}
                        </section>
                    })}
                    <section class="panel" aria-labelledby="grp-title">
                        <h3 id="grp-title">"By name"</h3>
                        <table class="grid groups">
                            <thead><tr><th>"Name pattern"</th><th class="num">"Threads"</th><th>"States"</th><th class="num">"Daemon"</th><th class="num">"Retained"</th></tr></thead>
                            <tbody on:keydown=table_keys>
                                {p.groups.iter().take(50).map(|g| {
                                    let pattern = g.pattern.clone();
                                    view! {
                                        <tr tabindex="0">
                                            <td><button type="button" class="link" title="Show these threads" on:click=move |_| set_filter(pattern.clone())><code>{g.pattern.clone()}</code></button></td>
                                            <td class="num">{count(g.count as u64)}</td>
                                            <td>{g.states.iter().map(|(s, n)| format!("{s} {}", count(*n as u64))).collect::<Vec<_>>().join(", ")}</td>
                                            <td class="num">{count(g.daemon as u64)}</td>
                                            <td class="num"><Bytes value=g.retained /></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any(),
            }}
            <section class="panel" aria-labelledby="all-title">
                <h3 id="all-title">"All threads"</h3>
                <form class="filter" role="search" on:submit=move |ev| { ev.prevent_default(); load(true); }>
                    <label for="thr-filter">"Name"</label>
                    <input id="thr-filter" type="search" placeholder="e.g. pool-7-thread-*"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                        on:search=move |_: web_sys::Event| load(true) />
                    <button type="submit">"Filter"</button>
                </form>
                <div class="table-scroll">
                <table class="grid threads">
                    <thead><tr><th>"Name"</th><th>"State"</th><th class="num">"Frames"</th><th class="num">"Retained"</th></tr></thead>
                    <tbody on:keydown=table_keys>
                        <For
                            each=move || rows.get()
                            key=|t| t.object_id.clone()
                            children=move |t| {
                                let id = t.object_id.clone();
                                let id2 = t.object_id.clone();
                                let is_open = Memo::new(move |_| open.get().as_deref() == Some(id.as_str()));
                                view! {
                                    <tr tabindex="0" class="thread-row" class:open=move || is_open.get()>
                                        <td>
                                            <button type="button" class="link" aria-expanded=move || is_open.get().to_string()
                                                on:click=move |_| open.update(|o| *o = if o.as_deref() == Some(id2.as_str()) { None } else { Some(id2.clone()) })>
                                                {if t.live { "" } else { "✝ " }}{t.name.clone()}
                                            </button>
                                            {t.daemon.then(|| view! { <span class="muted">" daemon"</span> })}
                                        </td>
                                        <td>{t.state.clone()}</td>
                                        <td class="num">{t.frames}</td>
                                        <td class="num"><Bytes value=t.retained /></td>
                                    </tr>
                                    {move || is_open.get().then(|| view! {
                                        <tr class="thread-detail"><td colspan="4"><ThreadDetailsView id=t.object_id.clone() /></td></tr>
                                    })}
                                }
                            }
                        />
                    </tbody>
                </table>
                </div>
                {move || page.get().map(|p| {
                    let shown = rows.with(|r| r.len() as u32);
                    view! {
                        <p class="list-foot">
                            {format!("{} of {}", count(shown as u64), count(p.total as u64))}
                            {(shown < p.total).then(|| view! { " " <button type="button" class="secondary" on:click=move |_| load(false)>"Show more"</button> })}
                        </p>
                    }
                })}
            </section>
        </section>
    }
}

#[component]
fn ThreadDetailsView(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let details = LocalResource::new(move || {
        let id = id.clone();
        async move {
            match ctx.call(Request::Thread { object: id }).await {
                Ok(Response::Thread(d)) => Ok(*d),
                Ok(other) => Err(format!("unexpected answer: {other:?}")),
                Err(e) => Err(e),
            }
        }
    });
    move || match details.get() {
        None => view! { <Pending what="stack" /> }.into_any(),
        Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
        Some(Ok(d)) => view! {
            <div class="thread-details">
                <p>
                    <ObjLink id=d.row.object_id.clone() class=d.row.class.clone() />
                    {format!(" · {}{} · priority {} · shallow ", d.row.state, d.state_detail.map(|s| format!(" ({s})")).unwrap_or_default(), d.priority)}
                    <Bytes value=d.row.shallow />
                </p>
                {if d.frames.is_empty() {
                    view! { <p class="muted">"No stack trace in the dump."</p> }.into_any()
                } else {
                    view! {
                        <ol class="frames">
                            {d.frames.iter().map(|f| view! {
                                <li>
                                    <code>{format!("at {}", f.display)}</code>
                                    {(!f.locals.is_empty()).then(|| view! {
                                        <ul class="locals">
                                            {f.locals.iter().map(|l| view! {
                                                <li><span class="muted">{format!("{} ", l.kind)}</span><ObjLink id=l.object_id.clone() class=l.class.clone() />" "<Bytes value=l.retained /></li>
                                            }).collect_view()}
                                        </ul>
                                    })}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
                {(!d.thread_locals.is_empty()).then(|| view! {
                    <h4>"ThreadLocals"</h4>
                    <ul class="locals">
                        {d.thread_locals.iter().map(|t| view! {
                            <li>
                                {t.stale.then(|| view! { <span class="pattern-badge">"stale"</span>" " })}
                                <code>{t.key_class.clone().unwrap_or_else(|| "(collected key)".into())}</code>
                                " → "
                                {match (&t.value_object_id, &t.value_class) {
                                    (Some(id), Some(c)) => view! { <ObjLink id=id.clone() class=c.clone() /> }.into_any(),
                                    _ => view! { <span class="muted">"null"</span> }.into_any(),
                                }}
                                " "<Bytes value=t.value_retained />
                            </li>
                        }).collect_view()}
                    </ul>
                })}
            </div>
        }.into_any(),
    }
}
