//! The Query view (`#/query?q=…`): Eclipse MAT's OQL over the open dump. An editor
//! (Ctrl/Cmd+Enter runs), the queries run in this page session (in memory only, never stored),
//! examples, the error under the editor with its position marked, the result as a virtualized
//! table whose object cells open the inspector, and a CSV export of every row (fetched from the
//! worker in pages). The query is in the URL: a reload or a link runs it again.
//!
//! While a query runs, a progress line (what the worker reports: objects scanned of all,
//! rows so far, time) and a Cancel button (Esc too) are shown; the worker runs the query in
//! slices and stops it between two ([`req::CancelQuery`]). Running another query stops the
//! one running.

use std::cell::RefCell;

use heaplens::query::{csv_line, Cell, QueryError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::explore::ExploreActions;
use super::format::query_progress;
use super::route::{navigate, Route, Target};
use super::state::use_ctx;
use super::util::*;
use super::virtual_list::{VirtualRows, VirtualTable};

/// Rows fetched per request.
const PAGE: u32 = 200;
/// Queries remembered in the history (this page session only).
const HISTORY: usize = 20;

thread_local! {
    /// The queries run in this page session, newest first: memory only (nothing on disk).
    static RUN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn remember(text: &str) {
    RUN.with(|h| {
        let mut h = h.borrow_mut();
        h.retain(|t| t != text);
        h.insert(0, text.to_string());
        h.truncate(HISTORY);
    });
}

fn history() -> Vec<String> {
    RUN.with(|h| h.borrow().clone())
}

/// MAT-style starting points: (label, query).
const EXAMPLES: &[(&str, &str)] = &[
    (
        "Strings longer than 100 characters",
        "SELECT s, s.@retainedHeapSize FROM java.lang.String s WHERE toString(s).length() > 100",
    ),
    (
        "What all HashMaps retain",
        "SELECT AS RETAINED SET * FROM java.util.HashMap",
    ),
    (
        "Collections (instanceof) by size",
        "SELECT c, c.size FROM INSTANCEOF java.util.AbstractCollection c WHERE c.size > 1000",
    ),
    (
        "Who dominates the big byte arrays",
        "SELECT DISTINCT OBJECTS dominatorof(a) FROM byte[] a WHERE a.@length > 100000",
    ),
    (
        "Dominators of each thread",
        "SELECT t, dominators(t) FROM INSTANCEOF java.lang.Thread t",
    ),
];

/// The text of a cell (CSV, and the table's non-object cells).
fn cell_text(c: &Cell) -> String {
    c.display()
}

/// One cell of the result table: objects link to the inspector.
fn cell_view(c: Cell) -> AnyView {
    match c {
        Cell::Object(o) => view! { <td><ObjLink id=o.object class=o.class /></td> }.into_any(),
        Cell::Null => view! { <td class="muted">"null"</td> }.into_any(),
        Cell::Int(i) => view! { <td class="num">{i.to_string()}</td> }.into_any(),
        Cell::Float(f) => view! { <td class="num">{f.to_string()}</td> }.into_any(),
        c => {
            let text = cell_text(&c);
            view! { <td class="text" title=text.clone()>{text.clone()}</td> }.into_any()
        }
    }
}

/// The query text with the error's position marked (a byte offset; the mark covers one
/// character, or a blank past the end).
#[component]
fn ErrorAt(text: String, error: QueryError) -> impl IntoView {
    let mut at = error.position.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let rest = &text[at..];
    let len = rest.chars().next().map_or(0, char::len_utf8);
    let (marked, after) = rest.split_at(len);
    let marked = if marked.is_empty() || marked == "\n" {
        " ".to_string()
    } else {
        marked.to_string()
    };
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().unwrap_or("").chars().count() + 1;
    view! {
        <div class="query-error" role="alert">
            <p class="error-note">
                {format!("Line {line}, column {column}: {}", error.message)}
                {(!error.hint.is_empty()).then(|| view! { <span class="hint">{format!(" — {}", error.hint)}</span> })}
            </p>
            <pre class="query-at"><code>{text[..at].to_string()}<mark title="here">{marked}</mark>{after.to_string()}</code></pre>
        </div>
    }
}

#[component]
pub fn QueryView(text: String) -> impl IntoView {
    let ctx = use_ctx();
    let past = history();
    // An empty route (the tab) shows the last query, not run.
    let editor = RwSignal::new(if text.is_empty() {
        past.first().cloned().unwrap_or_default()
    } else {
        text.clone()
    });
    // The query shown (run), its columns/total/time, or its error.
    let shown = RwSignal::new(None::<String>);
    let meta = RwSignal::new(None::<Result<QueryPage, String>>);
    let exporting = RwSignal::new(None::<String>);

    let rows = VirtualRows::<Vec<Cell>>::new(PAGE, move |rows, page, epoch| {
        let Some(text) = shown.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let r = ctx
                .call::<req::Query>(QueryParams {
                    text,
                    offset: page as u64 * PAGE as u64,
                    limit: PAGE,
                })
                .await;
            match r {
                Ok(mut p) => {
                    let data = std::mem::take(&mut p.rows);
                    let total = u32::try_from(p.total).unwrap_or(u32::MAX);
                    let first = page == 0;
                    if rows.fill(epoch, page, total, data)
                        && (first || meta.get_untracked().is_none())
                    {
                        meta.set(Some(Ok(p)));
                    }
                }
                Err(e) => {
                    rows.failed(epoch, page);
                    if rows.epoch() == Some(epoch) {
                        meta.set(Some(Err(e)));
                    }
                }
            }
        });
    });

    let run_now = move |text: String| {
        ctx.query_progress.set(None);
        remember(&text);
        shown.set(Some(text));
        meta.set(None);
        rows.reset();
    };
    // Runs the editor's text: through the URL (a link to it reruns it), or again in place.
    let run = move || {
        let text = editor.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        if shown.get_untracked().as_deref() == Some(text.as_str()) {
            run_now(text);
        } else {
            navigate(&Route::Query { text });
        }
    };
    if !text.is_empty() {
        run_now(text);
    }

    // Running: a query is shown and its first page has not come back.
    let running = move || shown.with(Option::is_some) && meta.with(Option::is_none);
    let cancel = move || {
        spawn_local(async move {
            // The running query's own request is answered (cancelled): the view shows it.
            let _ = ctx.call::<req::CancelQuery>(()).await;
        });
    };
    let esc = window_event_listener(leptos::ev::keydown, move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" && running() {
            ev.prevent_default();
            cancel();
        }
    });
    on_cleanup(move || esc.remove());

    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            run();
        }
    };

    let export = move |_| {
        let Some(text) = shown.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let mut out = String::new();
            let mut offset = 0u64;
            loop {
                let page = match ctx
                    .call::<req::Query>(QueryParams {
                        text: text.clone(),
                        offset,
                        limit: MAX_PAGE,
                    })
                    .await
                {
                    Ok(p) => p,
                    Err(e) => {
                        exporting.set(Some(format!("Export failed: {e}")));
                        return;
                    }
                };
                if let Some(e) = page.error {
                    exporting.set(Some(format!("Export failed: {}", e.message)));
                    return;
                }
                if offset == 0 {
                    out.push_str(&csv_line(&page.columns));
                }
                for row in &page.rows {
                    out.push_str(&csv_line(&row.iter().map(cell_text).collect::<Vec<_>>()));
                }
                offset += page.rows.len() as u64;
                exporting.set(Some(format!(
                    "Exporting… {} of {} rows",
                    count(offset),
                    count(page.total)
                )));
                if page.rows.is_empty() || offset >= page.total {
                    break;
                }
            }
            exporting.set(match download("query.csv", "text/csv", &out) {
                Ok(()) => Some(format!("Exported {} rows to query.csv", count(offset))),
                Err(e) => Some(format!("Export failed: {e}")),
            });
        });
    };

    let columns = move || {
        meta.with(|m| match m {
            Some(Ok(p)) if p.error.is_none() => p.columns.clone(),
            _ => Vec::new(),
        })
    };
    let ok = move || meta.with(|m| matches!(m, Some(Ok(p)) if p.error.is_none()));
    let head = move || {
        view! {
            <thead>
                <tr aria-rowindex="1">
                    {move || columns().into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}
                </tr>
            </thead>
        }
    };
    let row = move |i: usize, cells: Option<Vec<Cell>>| -> AnyView {
        match cells {
            None => view! {
                <tr class="vrow pending" data-index=i.to_string() aria-rowindex=(i + 2).to_string() aria-busy="true">
                    <td class="muted">"…"</td>
                </tr>
            }
            .into_any(),
            Some(cells) => view! {
                <tr class="vrow" tabindex="0" data-index=i.to_string() aria-rowindex=(i + 2).to_string()>
                    {cells.into_iter().map(cell_view).collect_view()}
                </tr>
            }
            .into_any(),
        }
    };

    view! {
        <section class="view query-view" aria-labelledby="query-title">
            <div class="view-head">
                <h2 id="query-title">"Query"</h2>
                <p class="hint">
                    "Eclipse MAT's OQL: "<code>"SELECT … FROM class [alias] WHERE …"</code>
                    ". Fields are read from the dump file on your machine. Ctrl+Enter runs."
                </p>
            </div>
            <form class="query-form" on:submit=move |ev| { ev.prevent_default(); run(); }>
                <label for="query-text" class="sr-only">"OQL query"</label>
                <textarea
                    id="query-text"
                    rows="4"
                    spellcheck="false"
                    placeholder="SELECT * FROM java.lang.String s WHERE s.@retainedHeapSize > 1024"
                    prop:value=move || editor.get()
                    on:input=move |ev| editor.set(event_target_value(&ev))
                    on:keydown=on_key
                ></textarea>
                <div class="controls">
                    <button type="submit">"Run"</button>
                    <label for="query-examples">"Examples"</label>
                    <select id="query-examples" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        if let Some((_, q)) = EXAMPLES.iter().find(|(l, _)| *l == v) {
                            editor.set(q.to_string());
                        }
                    }>
                        <option value="" selected=true>"choose…"</option>
                        {EXAMPLES.iter().map(|(l, _)| view! { <option value=*l>{*l}</option> }).collect_view()}
                    </select>
                    {(!past.is_empty()).then(|| {
                        let past2 = past.clone();
                        view! {
                            <label for="query-history">"History"</label>
                            <select id="query-history" on:change=move |ev| {
                                let v = event_target_value(&ev);
                                if let Ok(i) = v.parse::<usize>() {
                                    if let Some(q) = past2.get(i) {
                                        editor.set(q.clone());
                                    }
                                }
                            }>
                                <option value="" selected=true>"this session…"</option>
                                {past.iter().enumerate().map(|(i, q)| view! { <option value=i.to_string() title=q.clone()>{q.chars().take(80).collect::<String>()}</option> }).collect_view()}
                            </select>
                        }
                    })}
                </div>
            </form>
            {move || match (meta.get(), shown.get()) {
                (_, None) => None,
                (None, Some(text)) => Some(view! {
                    <div class="query-running" role="status" aria-live="polite">
                        <Pending what="query results" />
                        <p class="summary-line query-progress">
                            {move || ctx.query_progress.get().filter(|p| p.text == text).map(|p| query_progress(&p))}
                            " "
                            <button type="button" class="secondary query-cancel" title="Stop this query (Esc)" on:click=move |_| cancel()>"Cancel"</button>
                        </p>
                    </div>
                }.into_any()),
                (Some(Err(e)), _) => Some(view! { <ErrorNote message=e /> }.into_any()),
                (Some(Ok(p)), Some(text)) => Some(match p.error.clone() {
                    Some(error) if error.is_cancelled() => view! {
                        <p class="summary-line query-cancelled" role="status">
                            "Cancelled. Run it again to see its result."
                        </p>
                    }.into_any(),
                    Some(error) => view! { <ErrorAt text error /> }.into_any(),
                    None => view! {
                        <p class="summary-line query-total">
                            {format!("{} rows", count(p.total))}
                            {(p.ms > 0.0).then(|| format!(" · ran in {}", if p.ms < 1000.0 { format!("{:.0} ms", p.ms.max(1.0)) } else { duration(p.ms) }))}
                            " "
                            <button type="button" class="secondary" on:click=export disabled=move || exporting.with(|e| e.as_deref().is_some_and(|e| e.starts_with("Exporting")))>"Export CSV"</button>
                            {move || exporting.get().map(|e| view! { <span class="muted export-note">" "{e}</span> })}
                        </p>
                        // The objects its rows name, as one selection for the investigation views.
                        {(p.total > 0).then(|| view! {
                            <div class="query-actions"><ExploreActions target=Target::Query(text.clone()) /></div>
                        })}
                    }.into_any(),
                }),
            }}
            <VirtualTable
                rows=rows
                class="query-results"
                cols=Signal::derive(move || columns().len().max(1))
                head=head
                row=row
                hidden=Signal::derive(move || !ok())
            />
            <p class="list-foot">
                {move || ok().then(|| if rows.is_empty() { "No rows.".to_string() } else { rows.visible_range() })}
            </p>
        </section>
    }
}
