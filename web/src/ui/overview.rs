//! Overview of the open dump, the first pass's results shown while it is analyzed, and the
//! export buttons.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::route::object_href;
use super::state::use_ctx;
use super::util::*;
use super::worker_kind::WorkerKind;

/// The build of the worker holding the dump (`Wasm32` when none runs).
fn engine_kind(ctx: super::state::Ctx) -> WorkerKind {
    ctx.engine
        .with_value(|e| e.as_ref().map(|e| e.kind()))
        .unwrap_or(WorkerKind::Wasm32)
}

#[component]
pub fn OverviewView(o: Arc<Overview>) -> impl IntoView {
    let ctx = use_ctx();
    let reach_pct = if o.summary.heap_shallow_total == 0 {
        100.0
    } else {
        o.summary.heap_reachable as f64 * 100.0 / o.summary.heap_shallow_total as f64
    };
    let when = taken(o.summary.timestamp_ms);
    // After the hand-over to a fresh worker: its memory, and the building worker's peak.
    let stats = {
        let o = o.clone();
        move || {
            // Per object only when there are enough objects for it to mean something (a dump
            // cut before its heap records has none: 3 MiB "per object" is nonsense).
            let per = |b: u64| {
                (o.summary.objects_total >= 1_000)
                    .then(|| format!("{} bytes/object", count(b / o.summary.objects_total)))
            };
            // The memory64 worker (a dump beyond a wasm32 memory) says so: its memory can pass 4 GiB.
            let worker = match engine_kind(ctx) {
                WorkerKind::Wasm32 => "worker",
                WorkerKind::Memory64 => "64-bit worker",
            };
            match ctx.handed_over_memory.get() {
                Some(now) => format!(
                    "Analyzed in {} · {worker} memory {} ({}{} while building)",
                    duration(o.analysis_ms),
                    mib_up(now),
                    per(now).map(|p| format!("{p}; ")).unwrap_or_default(),
                    mib_up(o.wasm_memory_bytes),
                ),
                None => format!(
                    "Analyzed in {} · {worker} memory {}{}",
                    duration(o.analysis_ms),
                    mib_up(o.wasm_memory_bytes),
                    per(o.wasm_memory_bytes)
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default(),
                ),
            }
        }
    };
    let o_sus = o.clone();
    let suspects = move || {
        match ctx.suspects.get() {
        None => view! { <p class="pending-note"><span class="spinner" aria-hidden="true"></span>"Looking for leak suspects…"</p> }.into_any(),
        Some(Err(e)) => view! { <ErrorNote message=format!("Leak suspects failed: {e}") /> }.into_any(),
        Some(Ok(s)) if s.suspects.is_empty() => {
            let (healthy, text) = no_suspect_note(&o_sus);
            view! { <p class=if healthy { "ok-note" } else { "warn-note" }>{text}</p> }.into_any()
        }
        Some(Ok(s)) => {
            let first = s.suspects[0].clone();
            view! {
                <div class="suspect-teaser">
                    <p>
                        <strong>{format!("{} leak suspect{}", s.suspects.len(), if s.suspects.len() == 1 { "" } else { "s" })}</strong>
                        " · "
                        <a href="#/suspects">"Open the leak suspects →"</a>
                    </p>
                    <p class="explanation">{first.explanation}</p>
                </div>
            }.into_any()
        }
    }
    };
    let max_pct = o
        .top_dominators
        .first()
        .map(|r| r.pct)
        .unwrap_or(100.0)
        .max(1.0);
    view! {
        <section class="view overview" aria-labelledby="ov-title">
            <h2 id="ov-title" class="sr-only">"Overview"</h2>
            <super::process::ProcessVerdict />
            <section class="panel suspects-summary" aria-label="Leak suspects">{suspects}</section>
            <div class="cards">
                <section class="card">
                    <h3>"Dump"</h3>
                    <dl class="facts">
                        <dt>"File"</dt><dd class="file-name" title=o.file_name.clone()>{o.file_name.clone()}</dd>
                        <dt>"File size"</dt><dd><Bytes value=o.file_size /></dd>
                        <dt>"HPROF data"</dt><dd><Bytes value=o.summary.dump_bytes /></dd>
                        <dt>"Format"</dt><dd>{o.summary.format.clone()}</dd>
                        <dt>"Identifiers"</dt>
                        <dd>{format!("{} bytes{}", o.summary.id_size, if o.summary.compressed_oops { ", compressed oops" } else { "" })}</dd>
                        <dt>"Taken"</dt><dd>{when}</dd>
                        {(o.summary.heap_dumps > 1).then(|| view! {
                            <dt>"Heap dump"</dt>
                            <dd class="dump-shown">{format!("{} of the {} in this file", o.summary.dump_shown, o.summary.heap_dumps)}</dd>
                        })}
                    </dl>
                </section>
                <section class="card">
                    <h3>"Objects"</h3>
                    <dl class="facts">
                        <dt>"Objects"</dt><dd>{count(o.summary.objects_total)}</dd>
                        <dt>"Reachable"</dt><dd>{count(o.summary.objects_reachable)}</dd>
                        <dt>"Unreachable"</dt><dd>{count(o.summary.objects_unreachable)}</dd>
                        <dt>"Classes"</dt><dd>{count(o.summary.classes)}</dd>
                        <dt>"GC roots"</dt><dd>{count(o.summary.gc_roots)}</dd>
                        <dt>"Threads"</dt><dd><a href="#/threads">{count(o.summary.threads)}</a></dd>
                    </dl>
                </section>
                <section class="card">
                    <h3>"Heap"</h3>
                    <dl class="facts">
                        <dt>"Reachable"</dt><dd><Bytes value=o.summary.heap_reachable /></dd>
                        <dt>"Unreachable"</dt><dd><Bytes value=o.summary.heap_unreachable /></dd>
                        <dt>"Total"</dt><dd class="heap-total"><Bytes value=o.summary.heap_shallow_total /></dd>
                        <dt>"Sizes"</dt>
                        <dd
                            class="size-rule"
                            data-rule=match o.summary.size_rule { heaplens::graph::SizeMode::Jvm => "jvm", heaplens::graph::SizeMode::Mat => "mat" }
                            title=super::settings_url::size_rule_text(o.settings.sizes, o.summary.size_rule)
                        >
                            {super::settings_url::size_rule_label(o.settings.sizes, o.summary.size_rule)}
                        </dd>
                    </dl>
                    <div class="stack-bar" role="img" aria-label=format!("{} of the heap is reachable", pct_text(reach_pct))>
                        <span class="reach" style=format!("width:{reach_pct:.1}%")></span>
                    </div>
                    <p class="legend"><span class="sw reach"></span>" reachable "<span class="sw unreach"></span>" unreachable (garbage)"</p>
                </section>
            </div>
            <section class="panel" aria-labelledby="top-title">
                <h3 id="top-title">"Biggest objects"</h3>
                <p class="hint">"Objects that alone keep the most memory alive (top of the "<a href="#/dominators">"dominator tree"</a>")."</p>
                <ol class="bars">
                    {o.top_dominators.iter().map(|r| {
                        let w = (r.pct / max_pct * 100.0).clamp(0.5, 100.0);
                        view! {
                            <li>
                                <a class="bar-row" href=object_href(&r.object_id) title=format!("{} {} — {}", r.class, r.object_id, exact(r.retained))>
                                    <span class="bar-label"><span class="cls">{r.class.clone()}</span>{r.label.clone().map(|l| view! { <span class="lbl">{l}</span> })}</span>
                                    <span class="bar-track"><span class="bar-fill" style=format!("width:{w:.1}%")></span></span>
                                    <span class="bar-value">{format!("{} · {}", human(r.retained), pct_text(r.pct))}</span>
                                </a>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
            <div class="two-col">
                <section class="panel" aria-labelledby="roots-title">
                    <h3 id="roots-title">"GC roots by kind"</h3>
                    <table class="grid">
                        <thead><tr><th>"Kind"</th><th class="num">"Objects"</th></tr></thead>
                        <tbody on:keydown=table_keys>
                            {roots_most_first(&o.summary).into_iter().map(|(k, n)| view! { <tr tabindex="0"><td>{k.to_string()}</td><td class="num">{count(n)}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                </section>
                <section class="panel" aria-labelledby="an-title">
                    <h3 id="an-title">"Analysis"</h3>
                    <p class="hint analysis-stats" data-engine=move || engine_kind(ctx).glue_name() title=format!("{} bytes of wasm memory", exact(o.wasm_memory_bytes))>{stats}</p>
                    <dl class="facts">
                        {o.phases.iter().map(|p| view! { <dt>{p.phase.label()}</dt><dd>{duration(p.ms)}</dd> }).collect_view()}
                        <dt>"Graph and dominator tree"</dt><dd><Bytes value=o.memory_bytes /></dd>
                        <dt>"References"</dt><dd>{count(o.summary.edges)}</dd>
                        <dt>"Object alignment"</dt><dd>{format!("{} bytes", o.summary.alignment)}</dd>
                    </dl>
                    <Export />
                </section>
            </div>
        </section>
    }
}

/// `2024-05-01 12:00:00 UTC`, or `unknown`.
fn taken(timestamp_ms: u64) -> String {
    if timestamp_ms > 0 {
        String::from(
            js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(timestamp_ms as f64))
                .to_iso_string(),
        )
        .replace('T', " ")
        .trim_end_matches('Z')
        .trim_end_matches(".000")
        .to_string()
            + " UTC"
    } else {
        "unknown".into()
    }
}

/// Histogram rows the first-results table shows at most (of the ≤ 1,000 the worker sends; the
/// filter searches them all). Few, so that the page renders them at once while the worker
/// goes on.
const PARTIAL_ROWS: usize = 100;

/// What the first pass found, shown under the progress while the references, the dominator
/// tree and the other analyses run: the overview numbers that need no references and the
/// class histogram by shallow size (retained sizes pending).
/// GC roots by kind, most first (ties by name): the summary keeps them by name.
fn roots_most_first(s: &heaplens::analysis::Summary) -> Vec<(&str, u64)> {
    let mut roots: Vec<(&str, u64)> = s
        .roots_by_kind
        .iter()
        .map(|(k, n)| (k.as_str(), *n))
        .collect();
    roots.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    roots
}

#[component]
pub fn PartialOverview(p: Arc<PartialResults>) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let matching = {
        let p = p.clone();
        move || {
            let f = filter.get().trim().to_lowercase();
            p.histogram
                .iter()
                .filter(|r| f.is_empty() || r.name.to_lowercase().contains(&f))
                .cloned()
                .collect::<Vec<HistogramRow>>()
        }
    };
    let matching = Memo::new(move |_| matching());
    let foot = move || {
        let n = matching.with(|m| m.len());
        (n > PARTIAL_ROWS).then(|| view! { <p class="list-foot">{format!("{PARTIAL_ROWS} of {} matching classes shown", count(n as u64))}</p> })
    };
    let rows = move || {
        matching.with(|matched| {
            let shown = matched.len().min(PARTIAL_ROWS);
            matched[..shown]
                .iter()
                .map(|r| {
                    view! {
                        <tr tabindex="0">
                            <td class="cls">{r.name.clone()}</td>
                            <td class="num">{count(r.instances)}</td>
                            <td class="num"><Bytes value=r.shallow /></td>
                            <td class="num pending" title="Retained sizes come with the dominator tree">"pending…"</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    let sent = p.histogram.len() as u64;
    let note = if (p.histogram_classes as u64) > sent {
        format!("The {} classes with the most shallow bytes (of {}), over all objects: reachability is not known yet.", count(sent), count(p.histogram_classes as u64))
    } else {
        format!(
            "{} classes, over all objects: reachability is not known yet.",
            count(sent)
        )
    };
    view! {
        <section class="view overview partial-results" aria-labelledby="partial-title" data-objects=p.objects_total>
            <h2 id="partial-title">"First results"</h2>
            <p class="hint">
                "From the first pass over the file. Reachability, retained sizes, the dominator tree and the leak suspects follow when the analysis completes."
            </p>
            {(!p.warnings.is_empty()).then(|| view! {
                <div class="warnings" role="status">
                    {p.warnings.iter().map(|w| view! { <p class="warning">"⚠ "{w.clone()}</p> }).collect_view()}
                </div>
            })}
            <div class="cards">
                <section class="card">
                    <h3>"Dump"</h3>
                    <dl class="facts">
                        <dt>"File size"</dt><dd><Bytes value=p.file_size /></dd>
                        <dt>"HPROF data"</dt><dd><Bytes value=p.dump_bytes /></dd>
                        <dt>"Format"</dt><dd>{p.format.clone()}</dd>
                        <dt>"Identifiers"</dt>
                        <dd>{format!("{} bytes{}", p.id_size, if p.compressed_oops { ", compressed oops" } else { "" })}</dd>
                        <dt>"Taken"</dt><dd>{taken(p.timestamp_ms)}</dd>
                    </dl>
                </section>
                <section class="card">
                    <h3>"Objects"</h3>
                    <dl class="facts">
                        <dt>"Objects"</dt><dd class="partial-objects">{count(p.objects_total)}</dd>
                        <dt>"Classes"</dt><dd>{count(p.classes)}</dd>
                        <dt>"GC roots"</dt><dd>{count(p.gc_roots)}</dd>
                        <dt>"Thread roots"</dt><dd>{count(p.thread_roots)}</dd>
                        <dt>"References"</dt><dd title="Every reference field and array element counted as non-null">{format!("at most {}", count(p.edges_estimate))}</dd>
                    </dl>
                </section>
                <section class="card">
                    <h3>"Heap"</h3>
                    <dl class="facts">
                        <dt>"Total"</dt><dd><Bytes value=p.heap_shallow_total /></dd>
                        <dt>"Reachable"</dt><dd class="muted">"pending…"</dd>
                        <dt>"Analysis memory"</dt>
                        <dd title="Estimated peak of the worker's memory for the rest of the analysis">{format!("~{}", mib_up(p.memory_estimate_bytes))}</dd>
                    </dl>
                </section>
            </div>
            <section class="panel" aria-labelledby="partial-histo-title">
                <h3 id="partial-histo-title">"Classes by shallow size"</h3>
                <p class="hint">{note}</p>
                <p class="controls">
                    <input
                        type="search"
                        placeholder="Filter classes"
                        aria-label="Filter classes"
                        on:input=move |ev| filter.set(event_target_value(&ev))
                    />
                </p>
                <table class="grid partial-histogram">
                    <thead><tr><th>"Class"</th><th class="num">"Objects"</th><th class="num">"Shallow"</th><th class="num">"Retained"</th></tr></thead>
                    <tbody on:keydown=table_keys>{rows}</tbody>
                </table>
                {foot}
            </section>
        </section>
    }
}

/// Export buttons: the report as JSON, HTML or Markdown, saved locally.
#[component]
pub fn Export() -> impl IntoView {
    let ctx = use_ctx();
    let status = RwSignal::new(None::<String>);
    // Off by default: the full report is what the user analyses; redaction is for sharing.
    let redact = RwSignal::new(false);
    let export = move |format: ExportFormat| {
        status.set(Some("Preparing the report…".into()));
        let redact = redact.get_untracked();
        spawn_local(async move {
            match ctx
                .call::<req::Export>(ExportQuery { format, redact })
                .await
            {
                Ok(f) => match download(&f.file_name, &f.mime, &f.text) {
                    Ok(()) => status.set(Some(format!(
                        "Saved {} ({})",
                        f.file_name,
                        human(f.text.len() as u64)
                    ))),
                    Err(e) => status.set(Some(format!("Cannot save: {e}"))),
                },
                Err(e) => status.set(Some(e)),
            }
        });
    };
    view! {
        <div class="export" role="group" aria-label="Export the report">
            <span class="muted">"Export report: "</span>
            <button type="button" class="secondary" on:click=move |_| export(ExportFormat::Html)>"HTML"</button>
            <button type="button" class="secondary" on:click=move |_| export(ExportFormat::Json)>"JSON"</button>
            <button type="button" class="secondary" on:click=move |_| export(ExportFormat::Markdown)>"Markdown"</button>
            <label class="export-redact" title="For a report to share: string values, thread names, frame methods, class-loader and jar names and the file name are replaced with placeholders; class names, sizes and structure stay.">
                <input type="checkbox" class="redact-values"
                    prop:checked=move || redact.get()
                    on:change=move |e| redact.set(event_target_checked(&e)) />
                " Redact values"
            </label>
            <p class="export-note muted">
                {move || if redact.get() {
                    "Redacted: no string values, thread names, frame methods, loader or jar names, no file name."
                } else {
                    "Contains string values, thread names and stack frames from the dump."
                }}
            </p>
            <p class="export-status muted" aria-live="polite">{move || status.get()}</p>
        </div>
    }
}
