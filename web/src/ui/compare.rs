//! The comparison of two dumps (`#/compare`): the summary delta, what grew (holders matched by
//! their path from a GC root, not by object id), the class histogram delta (paged from the
//! newer dump's worker, grouped by class, package or loader class) and the threads and class
//! loaders that appeared; plus the side switch and the "Compare with another dump…" input.
//! The numbers are the core's comparison (`heaplens::compare`, the CLI's `heaplens diff`).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::protocol::*;

use super::format::{delta_pct, format_delta_bytes, format_delta_count, format_timestamp_ms};
use super::pair::{PairStatus, Side};
use super::route::object_href;
use super::state::{use_ctx, DumpState};
use super::util::*;

/// The cell class of a change: `up` (grew), `down` (shrank).
fn delta_class(d: i64) -> &'static str {
    match d.signum() {
        1 => "num delta up",
        -1 => "num delta down",
        _ => "num delta",
    }
}

/// The core's explanation text, its `` `code` `` spans as code (the text stays the same).
fn ticked(text: &str) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_string();
            if i % 2 == 1 {
                view! { <code>{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

/// Histogram delta rows per page.
const PAGE: u32 = 100;

/// The hidden input behind "Compare with another dump…".
#[component]
pub fn CompareInput() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <input
            id="compare-input"
            class="file-input"
            type="file"
            accept=".hprof,.gz,.hprof.gz,.bin,application/octet-stream"
            aria-label="Compare with another heap dump"
            on:change=move |ev| {
                let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
                if let Some(file) = input.files().and_then(|f| f.get(0)) {
                    ctx.compare_with(file);
                }
                input.set_value("");
            }
        />
    }
}

/// Which dump the usual views show, while two are open.
#[component]
pub fn SideSwitch() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let pair = ctx.pair.get()?;
        let (base, new) = pair.sides.clone()?;
        let button = move |side: Side, o: Arc<Overview>| {
            let on = move || {
                ctx.pair
                    .with(|p| p.as_ref().is_some_and(|p| p.active == side))
            };
            view! {
                <button type="button" class="side" data-side=side.label().to_lowercase()
                    aria-pressed=move || if on() { "true" } else { "false" }
                    class:current=on
                    title=format!("{} dump: {}, written {}", side.label(), o.file_name, format_timestamp_ms(o.summary.timestamp_ms))
                    on:click=move |_| ctx.show_side(side)>
                    <span class="side-label">{side.label()}</span>" "<span class="file-name">{o.file_name.clone()}</span>
                </button>
            }
        };
        Some(view! {
            <span class="side-switch" role="group" aria-label="Dump shown in the views">
                {button(Side::Baseline, base)}
                {button(Side::New, new)}
            </span>
        })
    }
}

/// A comparison that failed before both dumps were open (the first stays on screen).
#[component]
pub fn PairBanner() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let pair = ctx.pair.get()?;
        match (&pair.sides, pair.status) {
            (None, PairStatus::Failed(m)) => Some(view! {
                <div class="pair-banner" role="alert">
                    <p class="open-error">{format!("Cannot compare: {m}")}</p>
                    <button type="button" class="button secondary" on:click=move |_| ctx.drop_pair()>"Dismiss"</button>
                </div>
            }.into_any()),
            (None, PairStatus::Opening { second }) => Some(view! {
                <div class="pair-banner" aria-live="polite">
                    <p class="muted">{format!("Comparing: {second} is analyzed next, in its own worker.")}</p>
                </div>
            }.into_any()),
            _ => None,
        }
    }
}

#[component]
pub fn CompareView() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section class="view compare-view" aria-labelledby="cmp-title">
            <div class="view-head">
                <h2 id="cmp-title">"Comparison"</h2>
                <p class="hint">"What changed from the baseline (the older dump, by the dumps' own timestamps) to the new dump. Objects are matched by their path from a GC root, not by id. One pair of dumps shows what changed between them, not a trend."</p>
            </div>
            {move || match ctx.pair.get().map(|p| p.status) {
                None => view! {
                    <div class="card">
                        <p>"Open two dumps of the same application to see what grew between them: choose both files at once, or compare the open dump with another one."</p>
                        <p><label class="button primary" for="compare-input">"Compare with another dump…"</label></p>
                    </div>
                }.into_any(),
                Some(PairStatus::Opening { .. }) => view! { <Pending what="the second dump" /> }.into_any(),
                Some(PairStatus::Comparing) => view! { <Pending what="the comparison" /> }.into_any(),
                Some(PairStatus::Failed(m)) => view! { <ErrorNote message=m /> }.into_any(),
                Some(PairStatus::Ready(r)) => view! { <Comparison r /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Comparison(r: Arc<CompareResult>) -> impl IntoView {
    let (a, b, d) = (&r.baseline, &r.new, &r.delta);
    let name = |s: &heaplens::compare::DumpSummary| s.source.clone().unwrap_or_default();
    let bytes_row = |label: &'static str, x: u64, y: u64, z: i64| {
        view! {
            <tr data-row=label>
                <th scope="row">{label}</th>
                <td class="num"><Bytes value=x /></td>
                <td class="num"><Bytes value=y /></td>
                <td class=delta_class(z) data-delta=z.to_string()>{format_delta_bytes(z)}</td>
                <td class="num">{delta_pct(x, z)}</td>
            </tr>
        }
    };
    let count_row = |label: &'static str, x: u64, y: u64, z: i64| {
        view! {
            <tr data-row=label>
                <th scope="row">{label}</th>
                <td class="num">{count(x)}</td>
                <td class="num">{count(y)}</td>
                <td class=delta_class(z) data-delta=z.to_string()>{format_delta_count(z)}</td>
                <td class="num">{delta_pct(x, z)}</td>
            </tr>
        }
    };
    view! {
        {(!r.warnings.is_empty()).then(|| view! {
            <ul class="warnings" role="note">{r.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
        })}
        <section class="panel cmp-summary" aria-labelledby="cmp-sum">
            <h3 id="cmp-sum">"Summary"</h3>
            <table class="grid">
                <thead><tr>
                    <th></th>
                    <th class="num" title=format_timestamp_ms(a.timestamp_ms)>{format!("Baseline: {}", name(a))}</th>
                    <th class="num" title=format_timestamp_ms(b.timestamp_ms)>{format!("New: {}", name(b))}</th>
                    <th class="num">"Change"</th><th class="num">"%"</th>
                </tr></thead>
                <tbody>
                    <tr><th scope="row">"Written"</th><td class="num">{format_timestamp_ms(a.timestamp_ms)}</td><td class="num">{format_timestamp_ms(b.timestamp_ms)}</td><td></td><td></td></tr>
                    {bytes_row("Heap (reachable)", a.heap, b.heap, d.heap)}
                    {count_row("Objects (reachable)", a.objects, b.objects, d.objects)}
                    {count_row("Classes", a.classes, b.classes, d.classes)}
                    {count_row("Class loaders", a.class_loaders, b.class_loaders, d.class_loaders)}
                    {count_row("Threads", a.threads, b.threads, d.threads)}
                    {count_row("GC roots", a.gc_roots, b.gc_roots, d.gc_roots)}
                </tbody>
            </table>
            <p class="muted small">{format!("Application classes in common: {}", pct_whole(r.app_classes_in_common * 100.0))}</p>
        </section>
        <GrowthList r=r.clone() />
        <HistogramDelta r=r.clone() />
        <Appeared r />
    }
}

/// A link opening an object in one side's views (the side comes on screen first).
#[component]
fn OpenIn(side: Side, id: String) -> impl IntoView {
    let ctx = use_ctx();
    let label = match side {
        Side::Baseline => "in baseline",
        Side::New => "in new",
    };
    view! {
        <a class="open-in" href=object_href(&id) data-side=side.label().to_lowercase() data-id=id.clone()
            title=format!("Open {id} in the {} dump", side.label().to_lowercase())
            on:click=move |_| ctx.show_side(side)>{label}</a>
    }
}

#[component]
fn GrowthList(r: Arc<CompareResult>) -> impl IntoView {
    if r.growth.is_empty() {
        return view! {
            <section class="panel cmp-growth" aria-labelledby="cmp-growth">
                <h3 id="cmp-growth">"What grew"</h3>
                <p>"No holder grew by a noticeable amount (0.1% of the new heap and 16 KiB) between these dumps."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="panel cmp-growth" aria-labelledby="cmp-growth">
            <h3 id="cmp-growth">{format!("What grew ({})", r.growth.len())}</h3>
            <p class="hint">"Holders whose retained size grew, largest growth first, each with the collection (accumulation point) that grew."</p>
            <table class="grid growth">
                <thead><tr>
                    <th class="num">"#"</th><th>"Holder and path"</th><th>"Accumulation point"</th><th>"Elements of"</th>
                    <th class="num">"Retained (baseline → new)"</th><th class="num">"Change"</th><th class="num">"Elements"</th><th>"Open"</th>
                </tr></thead>
                <tbody on:keydown=table_keys>
                    {r.growth.iter().enumerate().map(|(i, g)| {
                        let matched = serde_json::to_value(g.matched_by).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                        let elements = g.elements_are.clone();
                        let elements_title = format!("{}: {} → {}", elements, count(g.elements_base), count(g.elements_new));
                        view! {
                            <tr tabindex="0" class="growth-row" data-holder=g.holder.clone() data-path=g.path.clone()
                                data-accumulation=g.accumulation_point.clone() data-retained-delta=g.retained_delta.to_string()
                                data-elements-delta=g.elements_delta.to_string()>
                                <td class="num">{i + 1}</td>
                                <td class="name">
                                    <p class="explanation">{ticked(&g.explanation)}</p>
                                    <code class="cls">{g.holder.clone()}</code>
                                    {(!g.holder_path.is_empty()).then(|| view! { <code>{format!(".{}", g.holder_path)}</code> })}
                                    <p class="muted small path" title="Path from the GC root in the new dump">{g.path.clone()}</p>
                                </td>
                                <td><code class="cls">{g.accumulation_point.clone()}</code></td>
                                <td>{g.element_class.clone().map(|c| view! { <code class="cls">{c}</code> })}</td>
                                <td class="num"><Bytes value=g.retained_base />" → "<Bytes value=g.retained_new /></td>
                                <td class="num delta up" title=format!("{} bytes", g.retained_delta)>{format_delta_bytes(g.retained_delta)}</td>
                                <td class="num" title=elements_title>
                                    {format_delta_count(g.elements_delta)}" "<span class="muted small">{elements}</span>
                                </td>
                                <td>
                                    {g.object_id_base.clone().map(|id| view! { <OpenIn side=Side::Baseline id /> })}
                                    " "<OpenIn side=Side::New id=g.object_id_new.clone() />
                                    <span class="muted small" title="How the object was matched across the dumps">{format!(" matched by {matched}")}</span>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn HistogramDelta(r: Arc<CompareResult>) -> impl IntoView {
    let ctx = use_ctx();
    let q = RwSignal::new(CompareHistogramQuery {
        sort: DeltaSort::Shallow,
        descending: true,
        limit: PAGE,
        ..Default::default()
    });
    let page = RwSignal::new(None::<Result<CompareHistogramPage, String>>);
    Effect::new(move |_| {
        let query = q.get();
        spawn_local(async move {
            let p = ctx.call_new::<req::CompareHistogram>(query.clone()).await;
            // Only the latest query's answer, and only while the view is there (the side
            // switch re-renders it: its signals are gone then).
            if q.try_get_untracked().as_ref() == Some(&query) {
                page.try_set(Some(p));
            }
        });
    });
    let typed = RwSignal::new(0u32);
    let on_input = move |ev| {
        let text = event_target_value(&ev);
        let n = typed.get_untracked() + 1;
        typed.set(n);
        set_timeout(
            move || {
                if typed.try_get_untracked() == Some(n)
                    && q.try_with_untracked(|q| q.filter != text) == Some(true)
                {
                    q.try_update(|q| {
                        q.filter = text;
                        q.offset = 0;
                    });
                }
            },
            std::time::Duration::from_millis(250),
        );
    };
    let header = move |label: &'static str, sort: DeltaSort| {
        let active = move || q.with(|q| q.sort == sort);
        view! {
            <th class="num" aria-sort=move || if active() { if q.with(|q| q.descending) { "descending" } else { "ascending" } } else { "none" }>
                <button type="button" class="th-sort" class:active=active data-sort=format!("{sort:?}").to_lowercase()
                    on:click=move |_| q.update(|q| {
                        if q.sort == sort { q.descending = !q.descending } else { q.sort = sort; q.descending = sort != DeltaSort::Name }
                        q.offset = 0;
                    })>
                    {label}{move || if active() { if q.with(|q| q.descending) { " ▾" } else { " ▴" } } else { "" }}
                </button>
            </th>
        }
    };
    let totals = format!(
        "{} classes, {} packages, {} loader classes in either dump",
        count(r.classes as u64),
        count(r.packages as u64),
        count(r.loader_groups as u64)
    );
    view! {
        <section class="panel cmp-histogram" aria-labelledby="cmp-hist">
            <h3 id="cmp-hist">"Class histogram delta"</h3>
            <p class="hint">{format!("Reachable objects in each dump. {totals}. Retained sizes of a group are the union of its objects.")}</p>
            <div class="controls">
                <label>"Group by "
                    <select aria-label="Group by" on:change=move |ev| {
                        let group = match event_target_value(&ev).as_str() { "package" => Grouping::Package, "loader" => Grouping::ClassLoader, _ => Grouping::Class };
                        q.update(|q| { q.group = group; q.offset = 0; });
                    }>
                        <option value="class">"class"</option>
                        <option value="package">"package"</option>
                        <option value="loader">"class loader (its class)"</option>
                    </select>
                </label>
                <label>"Show "
                    <select aria-label="Show" on:change=move |ev| {
                        let change = match event_target_value(&ev).as_str() { "new" => ChangeFilter::New, "vanished" => ChangeFilter::Vanished, "all" => ChangeFilter::All, _ => ChangeFilter::Changed };
                        q.update(|q| { q.change = change; q.offset = 0; });
                    }>
                        <option value="changed">"changed"</option>
                        <option value="new">"new only"</option>
                        <option value="vanished">"vanished only"</option>
                        <option value="all">"all, unchanged too"</option>
                    </select>
                </label>
                <input type="search" class="cmp-filter" placeholder="Filter by name" aria-label="Filter the histogram delta by name" on:input=on_input />
                <label class="small"><input type="checkbox" on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    q.update(|q| { q.regex = on; q.offset = 0; });
                } />" regex"</label>
            </div>
            {move || match page.get() {
                None => view! { <Pending what="the histogram delta" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(p)) => {
                    if let Some(e) = p.filter_error.clone() {
                        return view! { <ErrorNote message=format!("Invalid regular expression: {e}") /> }.into_any();
                    }
                    let (start, total) = (p.query.offset, p.total_rows);
                    let end = start + p.rows.len() as u32;
                    view! {
                        <table class="grid hist-delta">
                            <thead>
                                <tr>
                                    <th rowspan="2">
                                        <button type="button" class="th-sort" data-sort="name" on:click=move |_| q.update(|q| { q.sort = DeltaSort::Name; q.descending = !q.descending; q.offset = 0; })>"Name"</button>
                                    </th>
                                    <th colspan="4" class="group">"Instances"</th>
                                    <th colspan="4" class="group">"Shallow"</th>
                                    <th colspan="4" class="group">"Retained"</th>
                                </tr>
                                <tr>
                                    <th class="num">"baseline"</th><th class="num">"new"</th>{header("change", DeltaSort::Instances)}<th class="num">"%"</th>
                                    <th class="num">"baseline"</th><th class="num">"new"</th>{header("change", DeltaSort::Shallow)}<th class="num">"%"</th>
                                    <th class="num">"baseline"</th><th class="num">"new"</th>{header("change", DeltaSort::Retained)}<th class="num">"%"</th>
                                </tr>
                            </thead>
                            <tbody on:keydown=table_keys>
                                {p.rows.into_iter().map(|row| {
                                    let change = serde_json::to_value(row.change).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                                    view! {
                                        <tr tabindex="0" class="delta-row" data-class=row.class.clone() data-change=change.clone()
                                            data-instances-base=row.instances_base.to_string() data-instances-new=row.instances_new.to_string()
                                            data-instances-delta=row.instances_delta.to_string() data-shallow-delta=row.shallow_delta.to_string()
                                            data-retained-delta=row.retained_delta.to_string()>
                                            <td class="name"><code class="cls">{row.class.clone()}</code>
                                                {matches!(change.as_str(), "new" | "vanished").then(|| view! { " "<span class="pattern-badge" data-badge=change.clone()>{change.clone()}</span> })}
                                            </td>
                                            <td class="num">{count(row.instances_base)}</td>
                                            <td class="num">{count(row.instances_new)}</td>
                                            <td class=delta_class(row.instances_delta)>{format_delta_count(row.instances_delta)}</td>
                                            <td class="num">{delta_pct(row.instances_base, row.instances_delta)}</td>
                                            <td class="num"><Bytes value=row.shallow_base /></td>
                                            <td class="num"><Bytes value=row.shallow_new /></td>
                                            <td class=delta_class(row.shallow_delta) title=format!("{} bytes", row.shallow_delta)>{format_delta_bytes(row.shallow_delta)}</td>
                                            <td class="num">{delta_pct(row.shallow_base, row.shallow_delta)}</td>
                                            <td class="num"><Bytes value=row.retained_base /></td>
                                            <td class="num"><Bytes value=row.retained_new /></td>
                                            <td class=delta_class(row.retained_delta) title=format!("{} bytes", row.retained_delta)>{format_delta_bytes(row.retained_delta)}</td>
                                            <td class="num">{delta_pct(row.retained_base, row.retained_delta)}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="pager">
                            <button type="button" class="button secondary" disabled={start == 0}
                                on:click=move |_| q.update(|q| q.offset = q.offset.saturating_sub(PAGE))>"‹ Previous"</button>
                            <span class="muted" data-total=total.to_string()>{if total == 0 { "No rows".to_string() } else { format!("Rows {}–{} of {}", count(start as u64 + 1), count(end as u64), count(total as u64)) }}</span>
                            <button type="button" class="button secondary" disabled={end >= total}
                                on:click=move |_| q.update(|q| q.offset += PAGE)>"Next ›"</button>
                        </p>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Appeared(r: Arc<CompareResult>) -> impl IntoView {
    view! {
        <div class="cards">
            <section class="panel cmp-threads" aria-labelledby="cmp-threads">
                <h3 id="cmp-threads">"Threads that appeared or ended"</h3>
                {if r.threads.is_empty() {
                    view! { <p class="muted">"The same live threads by name pattern in both dumps."</p> }.into_any()
                } else {
                    view! {
                        <table class="grid">
                            <thead><tr><th>"Name pattern"</th><th class="num">"baseline"</th><th class="num">"new"</th><th class="num">"change"</th></tr></thead>
                            <tbody>{r.threads.iter().map(|t| view! {
                                <tr data-pattern=t.pattern.clone()><td><code>{t.pattern.clone()}</code></td><td class="num">{count(t.base)}</td><td class="num">{count(t.new)}</td>
                                <td class=delta_class(t.delta)>{format_delta_count(t.delta)}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
            <section class="panel cmp-loaders" aria-labelledby="cmp-loaders">
                <h3 id="cmp-loaders">"Class loaders that appeared or went"</h3>
                {if r.class_loaders.is_empty() {
                    view! { <p class="muted">"The same class loaders by class in both dumps."</p> }.into_any()
                } else {
                    view! {
                        <table class="grid">
                            <thead><tr><th>"Loader class"</th><th class="num">"loaders"</th><th class="num">"change"</th><th class="num">"classes defined"</th><th class="num">"change"</th></tr></thead>
                            <tbody>{r.class_loaders.iter().map(|l| view! {
                                <tr data-loader=l.class.clone()><td><code class="cls">{l.class.clone()}</code></td>
                                <td class="num">{format!("{} → {}", count(l.loaders_base), count(l.loaders_new))}</td>
                                <td class=delta_class(l.loaders_delta)>{format_delta_count(l.loaders_delta)}</td>
                                <td class="num">{format!("{} → {}", count(l.classes_base), count(l.classes_new))}</td>
                                <td class="num delta">{format_delta_count(l.classes_delta)}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

/// Whether the comparison tab is offered: two dumps are (being) compared.
pub fn comparing(ctx: super::state::Ctx) -> bool {
    ctx.pair
        .with(|p| p.as_ref().is_some_and(|p| p.sides.is_some()))
        && ctx.dump.with(|d| matches!(d, DumpState::Ready(_)))
}
