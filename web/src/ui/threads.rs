//! Threads: counts by name pattern (the "unable to create native thread" view), ThreadLocal
//! findings, every thread with its stack and locals.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::state::use_ctx;
use super::util::*;

/// Threads fetched per request.
const PAGE: u32 = 100;
/// Row height in px until measured (CSS `table.vtable tr.vrow`).
const ROW_H: f64 = 30.0;

#[component]
pub fn ThreadsView() -> impl IntoView {
    let ctx = use_ctx();
    let filter = RwSignal::new(String::new());
    // The thread list is virtualized: pages fetched as they scroll into view, the rows in view
    // (and a block around them) drawn.
    let model = StoredValue::new(Paged::<ThreadRow>::new(PAGE));
    let version = RwSignal::new(0u32);
    // Counts, name groups and ThreadLocal findings (from the latest first page; rows removed).
    let page = RwSignal::new(None::<ThreadsPage>);
    let error = RwSignal::new(None::<String>);
    // The thread whose stack is shown under its row: (index, object id).
    let open = RwSignal::new(None::<(usize, String)>);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let scroll_top = RwSignal::new(0.0f64);
    let viewport_h = RwSignal::new(500.0f64);
    let row_h = RwSignal::new(ROW_H);
    // Height of the open thread's stack row (measured when drawn).
    let detail_h = RwSignal::new(0.0f64);
    let details_loaded = RwSignal::new(0u32);
    let focus_req = RwSignal::new(None::<usize>);

    let fetch = move |p: u32, epoch: u32| {
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
                    let rows = std::mem::take(&mut t.rows);
                    if model.try_update_value(|m| m.fill(epoch, p, t.total, rows)) == Some(true) {
                        if p == 0 || page.with_untracked(|x| x.is_none()) {
                            page.set(Some(t));
                        }
                        error.set(None);
                        version.update(|v| *v += 1);
                    }
                }
                Err(e) => {
                    model.update_value(|m| m.failed(epoch, p));
                    error.set(Some(e));
                }
            }
        });
    };
    let reload = move || {
        let (epoch, pages) = model
            .try_update_value(|m| (m.reset(), m.claim(0, 1)))
            .unwrap_or_default();
        open.set(None);
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
        for p in pages {
            fetch(p, epoch);
        }
        version.update(|v| *v += 1);
    };
    reload();
    let set_filter = move |f: String| {
        filter.set(f);
        reload();
    };

    let len = move || {
        version.track();
        model.with_value(|m| m.len())
    };
    // The row at height `y` of the list (the open stack counts as part of its thread's row).
    let row_at = move |y: f64| -> usize {
        let h = row_h.get();
        match open.get() {
            Some((o, _)) if y > (o + 1) as f64 * h => {
                let y = y - detail_h.get();
                if y < (o + 1) as f64 * h {
                    o
                } else {
                    (y / h) as usize
                }
            }
            _ => (y / h) as usize,
        }
    };
    let window = Memo::new(move |_| {
        let top = scroll_top.get();
        block_window(row_at(top), row_at(top + viewport_h.get()) + 1, len())
    });
    Effect::new(move |_| {
        let (first, last) = window.get();
        let (epoch, pages) = model
            .try_update_value(|m| (m.epoch, m.claim(first, last)))
            .unwrap_or_default();
        for p in pages {
            fetch(p, epoch);
        }
    });
    let measure = move || {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let el: web_sys::HtmlElement = el.into();
        if let Some(h) = measured_row_height(&el) {
            if (h - row_h.get_untracked()).abs() > 0.25 {
                row_h.set(h);
            }
        }
        if let Ok(Some(d)) = el.query_selector("tr.thread-detail") {
            let h = d.get_bounding_client_rect().height();
            if (h - detail_h.get_untracked()).abs() > 0.5 {
                detail_h.set(h);
            }
        }
        viewport_h.set(el.client_height() as f64);
    };
    Effect::new(move |_| {
        window.track();
        version.track();
        open.track();
        details_loaded.track();
        focus_req.track();
        focus_pending(scroller.get_untracked().map(Into::into), focus_req);
        request_animation_frame(measure);
    });
    let on_scroll = move |_| {
        if let Some(el) = scroller.get() {
            scroll_top.set(el.scroll_top() as f64);
        }
        measure();
    };
    let on_key = move |ev| {
        let el = scroller.get_untracked().map(Into::into);
        virtual_keys(ev, len(), row_h.get_untracked(), el, focus_req);
    };
    let toggle = move |i: usize, id: String| {
        open.update(|o| {
            *o = if o.as_ref().is_some_and(|(_, x)| *x == id) {
                None
            } else {
                Some((i, id))
            }
        });
        detail_h.set(0.0);
    };
    let row = move |i: usize| -> AnyView {
        let Some(t) = model.with_value(|m| m.get(i).cloned()) else {
            return view! {
                <tr class="vrow pending" data-index=i.to_string() aria-rowindex=(i + 2).to_string() aria-busy="true">
                    <td class="muted">"…"</td><td></td><td></td><td></td>
                </tr>
            }
            .into_any();
        };
        let id = t.object_id.clone();
        let id2 = t.object_id.clone();
        let is_open = Memo::new(move |_| open.with(|o| o.as_ref().is_some_and(|(_, x)| *x == id)));
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
                <tr class="thread-detail"><td colspan="4"><ThreadDetailsView id=t.object_id.clone() loaded=details_loaded /></td></tr>
            })}
        }
        .into_any()
    };
    // Blank space for the rows not drawn (and the open stack when it is not drawn either).
    let spacer = move |rows: usize, with_detail: bool| {
        let h = rows as f64 * row_h.get() + if with_detail { detail_h.get() } else { 0.0 };
        (h > 0.0).then(|| view! {
            <tr class="spacer" aria-hidden="true"><td colspan="4" style=format!("height:{h:.1}px")></td></tr>
        })
    };
    let open_at = move || open.with(|o| o.as_ref().map(|(i, _)| *i));
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
                <div class="table-scroll vscroll" node_ref=scroller on:scroll=on_scroll>
                <table class="grid threads vtable" aria-rowcount=move || (len() + 1).to_string()>
                    <colgroup><col /><col class="c-state" /><col class="c-frames" /><col class="c-n" /></colgroup>
                    <thead><tr aria-rowindex="1"><th>"Name"</th><th>"State"</th><th class="num">"Frames"</th><th class="num">"Retained"</th></tr></thead>
                    <tbody on:keydown=on_key>
                        {move || {
                            let (first, _) = window.get();
                            spacer(first, open_at().is_some_and(|o| o < first))
                        }}
                        <For
                            each=move || {
                                version.track();
                                let (first, last) = window.get();
                                model.with_value(|m| (first..last).map(|i| (m.epoch, i, m.get(i).is_some())).collect::<Vec<_>>())
                            }
                            key=|k| *k
                            children=move |(_, i, _)| row(i)
                        />
                        {move || {
                            let (_, last) = window.get();
                            spacer(len().saturating_sub(last), open_at().is_some_and(|o| o >= last))
                        }}
                    </tbody>
                </table>
                </div>
                <p class="list-foot">
                    {move || page.with(|p| p.is_some()).then(|| {
                        let n = len();
                        if n == 0 { "No thread matches.".to_string() } else { visible_range(n, scroll_top.get(), viewport_h.get(), row_h.get()) }
                    })}
                </p>
            </section>
        </section>
    }
}

/// One thread's stack, locals and ThreadLocals; bumps `loaded` once drawn (its height changes).
#[component]
fn ThreadDetailsView(id: String, loaded: RwSignal<u32>) -> impl IntoView {
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
            loaded.update(|n| *n += 1);
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
