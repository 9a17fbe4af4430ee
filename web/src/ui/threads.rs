//! Threads: counts by name pattern (the "unable to create native thread" view), ThreadLocal
//! findings, every thread with its stack and locals.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::state::use_ctx;
use super::util::*;
use super::virtual_list::{VirtualRows, VirtualTable};

/// Threads fetched per request.
const PAGE: u32 = 100;

#[component]
pub fn ThreadsView() -> impl IntoView {
    let ctx = use_ctx();
    let filter = RwSignal::new(String::new());
    // Counts, name groups and ThreadLocal findings (from the latest first page; rows removed).
    let page = RwSignal::new(None::<ThreadsPage>);
    let error = RwSignal::new(None::<String>);
    // The thread whose stack is shown under its row (its object id; the row is
    // `rows.view.expanded`).
    let open = RwSignal::new(None::<String>);
    // The thread list is virtualized: pages fetched as they scroll into view, the rows in view
    // (and a block around them) drawn.
    let rows = VirtualRows::<ThreadRow>::new(PAGE, move |rows, p, epoch| {
        let f = filter.get_untracked();
        spawn_local(async move {
            match ctx
                .call::<req::Threads>(ThreadsQuery {
                    filter: f,
                    offset: p * PAGE,
                    limit: PAGE,
                })
                .await
            {
                Ok(mut t) => {
                    let data = std::mem::take(&mut t.rows);
                    if rows.fill(epoch, p, t.total, data) {
                        if p == 0 || page.with_untracked(|x| x.is_none()) {
                            page.set(Some(t));
                        }
                        error.set(None);
                    }
                }
                Err(e) => {
                    rows.failed(epoch, p);
                    if rows.epoch() == Some(epoch) {
                        error.set(Some(e));
                    }
                }
            }
        });
    });
    let reload = move || {
        open.set(None);
        rows.reset();
    };
    reload();
    let set_filter = move |f: String| {
        filter.set(f);
        reload();
    };
    let toggle = move |i: usize, id: String| {
        let close = open.with_untracked(|o| o.as_deref() == Some(id.as_str()));
        open.set((!close).then_some(id));
        rows.view.expanded.set((!close).then_some(i));
    };
    let row = move |i: usize, t: Option<ThreadRow>| -> AnyView {
        let Some(t) = t else {
            return view! {
                <tr class="vrow pending" data-index=i.to_string() aria-rowindex=(i + 2).to_string() aria-busy="true">
                    <td class="muted">"…"</td><td></td><td></td><td></td>
                </tr>
            }
            .into_any();
        };
        let id = t.object_id.clone();
        let id2 = t.object_id.clone();
        let is_open = Memo::new(move |_| open.with(|o| o.as_deref() == Some(id.as_str())));
        view! {
            <tr tabindex="0" class="vrow thread-row" class:open=move || is_open.get() data-index=i.to_string() aria-rowindex=(i + 2).to_string()>
                <td class="name">
                    <button type="button" class="link" title=t.name.clone() aria-expanded=move || is_open.get().to_string()
                        on:click=move |_| toggle(i, id2.clone())>
                        {t.name.clone()}
                    </button>
                    // Not a GC root: the dump does not list it as a running thread. Said in
                    // words (a "✝" read as "dead" on threads that were running).
                    {(!t.live).then(|| view! {
                        <span class="badge not-root" title="This Thread object is not listed as a GC root (ROOT THREAD OBJECT) in the dump: it had not been started, or had ended, when the dump was written">"not a GC root"</span>
                    })}
                    {t.daemon.then(|| view! { <span class="muted">" daemon"</span> })}
                </td>
                <td>{t.state.clone()}</td>
                <td class="num">{t.frames}</td>
                <td class="num"><Bytes value=t.retained /></td>
            </tr>
            {move || is_open.get().then(|| view! {
                <tr class="thread-detail vdetail"><td colspan="4"><ThreadDetailsView id=t.object_id.clone() rows /></td></tr>
            })}
        }
        .into_any()
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
                <form class="filter" role="search" on:submit=move |ev| { ev.prevent_default(); reload(); }>
                    <label for="thr-filter">"Name"</label>
                    <input id="thr-filter" type="search" placeholder="e.g. pool-7-thread-*"
                        prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev))
                        on:search=move |_: web_sys::Event| reload() />
                    <button type="submit">"Filter"</button>
                </form>
                <VirtualTable
                    rows=rows
                    class="threads"
                    cols=4usize
                    head=|| view! {
                        <colgroup><col /><col class="c-state" /><col class="c-frames" /><col class="c-n" /></colgroup>
                        <thead><tr aria-rowindex="1"><th>"Name"</th><th>"State"</th><th class="num">"Frames"</th><th class="num">"Retained"</th></tr></thead>
                    }
                    row=row
                />
                <p class="list-foot">
                    {move || page.with(|p| p.is_some()).then(|| {
                        if rows.is_empty() { "No thread matches.".to_string() } else { rows.visible_range() }
                    })}
                </p>
            </section>
        </section>
    }
}

/// One thread's stack, locals and ThreadLocals; measures `rows` again once drawn (its height
/// changes).
#[component]
fn ThreadDetailsView(id: String, rows: VirtualRows<ThreadRow>) -> impl IntoView {
    let ctx = use_ctx();
    let details = LocalResource::new(move || {
        let id = id.clone();
        async move {
            ctx.call::<req::Thread>(ObjectQuery { object: id })
                .await
                .map(|d| *d)
        }
    });
    Effect::new(move |_| {
        if details.with(|d| d.is_some()) {
            rows.remeasure();
        }
    });
    move || {
        match details.get() {
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
}
