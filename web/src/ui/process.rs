//! The Process memory view (`#/process-memory`): what the dump says about memory beyond the
//! heap — direct and mapped buffers, thread stacks, class metadata, the JVM's own figures —
//! each number a fact (where the heap holds it) or an estimate (its formula), as the core's
//! `analysis::process_memory` computes them (docs/process-memory.md). Also the one-line
//! verdict the overview shows when these outweigh the heap.

use leptos::prelude::*;

use crate::protocol::*;

use super::route::{object_href, paths_href};
use super::state::use_ctx;
use super::util::*;

#[component]
pub fn ProcessMemoryView() -> impl IntoView {
    let ctx = use_ctx();
    let data = LocalResource::new(move || async move { ctx.call::<req::ProcessMemory>(()).await });
    view! {
        <section class="view process-view" aria-labelledby="pm-title">
            <div class="view-head">
                <h2 id="pm-title">"Process memory"</h2>
                <p class="hint">
                    "What this heap dump says about the process's memory beyond the heap (a container's limit counts it too). "
                    "A heap dump cannot measure native memory: "<strong>"facts"</strong>" are read from the heap (the source says where), "
                    <strong>"estimates"</strong>" are derived (the formula is given)."
                </p>
            </div>
            {move || match data.get() {
                None => view! { <Pending what="process memory" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(pm)) => view! { <Sections pm=*pm /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Sections(pm: ProcessMemoryView) -> impl IntoView {
    let area =
        |a: &str| -> Vec<Figure> { pm.figures.iter().filter(|f| f.area == a).cloned().collect() };
    let t = pm.thread_stacks.clone();
    let m = pm.class_metadata.clone();
    let stack_origin = if t.stack_size_from_arguments {
        format!(
            "{} per thread, from the JVM arguments ({})",
            human(t.stack_size),
            t.stack_size_source
        )
    } else {
        format!(
            "{} per thread: an estimate, the platform default ({}), because the JVM arguments are not in the heap",
            human(t.stack_size),
            t.stack_size_source
        )
    };
    view! {
        {pm.verdict.clone().map(|v| view! { <p class="warn-note process-verdict">{v}</p> })}
        <section class="panel" aria-labelledby="pm-heap">
            <h3 id="pm-heap">"Heap and beyond"</h3>
            <FigureTable figures=area("heap") />
        </section>
        <section class="panel pm-buffers" aria-labelledby="pm-direct">
            <h3 id="pm-direct">"Direct and mapped buffers"</h3>
            <p class="hint">
                "Buffers that still own native memory (not views, Cleaner not run), by capacity; the JVM's own counters beside them when the heap holds them."
            </p>
            <FigureTable figures=area("direct") />
            {(!pm.holders.is_empty()).then(|| view! {
                <h4>"Held by"</h4>
                <HolderTable holders=pm.holders.clone() />
            })}
            {(!pm.largest.is_empty()).then(|| view! {
                <h4>"Largest buffers"</h4>
                <table class="grid buffers">
                    <thead><tr><th>"Buffer"</th><th class="num">"Capacity"</th><th>"Holder"</th><th>"Held via"</th><th></th></tr></thead>
                    <tbody on:keydown=table_keys>
                        {pm.largest.iter().map(|b| view! {
                            <tr tabindex="0">
                                <td><ObjLink id=b.object_id.clone() class=b.class.clone() /><span class="lbl">{kind(b.kind)}</span></td>
                                <td class="num"><Bytes value=b.capacity /></td>
                                <td><span class="cls">{b.holder.clone()}</span><span class="lbl">{b.category.clone()}</span></td>
                                <td class="muted small">{b.path.clone().unwrap_or_else(|| "no strong path: awaiting GC".into())}</td>
                                <td><a href=paths_href(&b.object_id)>"Paths to GC roots"</a></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(!pm.without_cleaner_holders.is_empty()).then(|| view! {
                <h4>"Buffers without a Cleaner (not counted above)"</h4>
                <p class="hint">"Memory not allocated by allocateDirect: JNI, Netty's no-cleaner allocator, the JDK's mapped module image."</p>
                <HolderTable holders=pm.without_cleaner_holders.clone() />
            })}
        </section>
        <section class="panel pm-threads" aria-labelledby="pm-threads">
            <h3 id="pm-threads">"Thread stacks"</h3>
            <p class="stack-origin" data-from-arguments=t.stack_size_from_arguments.to_string()>"Stack size: "{stack_origin}</p>
            <FigureTable figures=area("threads") />
            {(!t.groups.is_empty()).then(|| view! {
                <h4>"Live threads by name"</h4>
                <table class="grid stack-groups">
                    <thead><tr>
                        <th>"Name pattern"</th><th class="num">"Threads"</th><th class="num">"Waiting (no timeout)"</th>
                        <th class="num">"Stack size each"</th><th class="num">"Reserved (estimate)"</th>
                    </tr></thead>
                    <tbody on:keydown=table_keys>
                        {t.groups.iter().take(100).map(|g| view! {
                            <tr tabindex="0">
                                <td class="cls">{g.pattern.clone()}</td>
                                <td class="num">{count(g.threads)}</td>
                                <td class="num">{count(g.waiting)}</td>
                                <td class="num"><Bytes value=g.reserved.checked_div(g.threads).unwrap_or(0) /></td>
                                <td class="num"><Bytes value=g.reserved /></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {(t.groups.len() > 100).then(|| view! { <p class="list-foot">{format!("The first 100 of {} name patterns.", count(t.groups.len() as u64))}</p> })}
            })}
        </section>
        <section class="panel pm-classes" aria-labelledby="pm-classes">
            <h3 id="pm-classes">"Class metadata"</h3>
            <FigureTable figures=area("classes") />
            {(!m.notable_loaders.is_empty()).then(|| view! {
                <h4>"Loaders with many or duplicated classes"</h4>
                <table class="grid">
                    <thead><tr><th>"Loader"</th><th class="num">"Classes"</th><th class="num">"Duplicated"</th><th class="num">"Metadata (estimate)"</th></tr></thead>
                    <tbody on:keydown=table_keys>
                        {m.notable_loaders.iter().map(|l| view! {
                            <tr tabindex="0">
                                <td>
                                    {match &l.object_id {
                                        Some(id) => view! { <a href=object_href(id) class="cls">{l.class.clone()}</a> }.into_any(),
                                        None => view! { <span class="cls">{l.class.clone()}</span> }.into_any(),
                                    }}
                                    {l.name.clone().map(|n| view! { <span class="lbl">{format!("\"{n}\"")}</span> })}
                                </td>
                                <td class="num">{count(l.classes as u64)}</td>
                                <td class="num">{count(l.duplicated_classes as u64)}</td>
                                <td class="num"><Bytes value=l.metadata_estimate /></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="list-foot"><a href="#/loaders">"All class loaders →"</a></p>
            })}
        </section>
        <section class="panel pm-jvm" aria-labelledby="pm-jvm">
            <h3 id="pm-jvm">"The JVM's own figures"</h3>
            <FigureTable figures=area("jvm") />
            {pm.jvm.arguments.clone().map(|args| view! {
                <h4>"JVM arguments (as RuntimeMXBean cached them)"</h4>
                <ul class="plain jvm-args">
                    {args.into_iter().map(|a| view! { <li><code>{a}</code></li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

fn kind(k: BufferKind) -> &'static str {
    match k {
        BufferKind::Direct => "direct",
        BufferKind::Mapped => "mapped",
    }
}

/// Held buffers grouped by holder.
#[component]
fn HolderTable(holders: Vec<BufferHolder>) -> impl IntoView {
    view! {
        <table class="grid holders">
            <thead><tr><th>"Holder"</th><th>"Category"</th><th>"Kind"</th><th class="num">"Buffers"</th><th class="num">"Capacity"</th><th>"Via"</th></tr></thead>
            <tbody on:keydown=table_keys>
                {holders.into_iter().take(100).map(|h| view! {
                    <tr tabindex="0">
                        <td class="cls">{h.holder}</td>
                        <td>{h.category}</td>
                        <td>{kind(h.kind)}</td>
                        <td class="num">{count(h.count)}</td>
                        <td class="num"><Bytes value=h.capacity /></td>
                        <td class="muted small"><code>{h.via}</code></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Figures as rows: what, the value, fact or estimate, and where it comes from (a fact) or
/// how it is computed (an estimate).
#[component]
fn FigureTable(figures: Vec<Figure>) -> impl IntoView {
    view! {
        <table class="grid figures">
            <thead><tr><th>"What"</th><th class="num">"Value"</th><th>"Kind"</th><th>"Source or formula"</th></tr></thead>
            <tbody on:keydown=table_keys>
                {figures.into_iter().map(|f| {
                    let estimate = f.kind == FigureKind::Estimate;
                    view! {
                        <tr tabindex="0" data-kind=if estimate { "estimate" } else { "fact" }>
                            <td>{f.label}</td>
                            <td class="num">
                                {f.count.map(|n| view! { <span class="count">{count(n)}</span> })}
                                {(f.count.is_some() && f.bytes.is_some()).then_some(" · ")}
                                {f.bytes.map(|b| view! { <Bytes value=b /> })}
                                {f.text.map(|t| view! { <span class="text">{t}</span> })}
                            </td>
                            <td><span class=if estimate { "kind-badge estimate" } else { "kind-badge fact" }>{if estimate { "estimate" } else { "fact" }}</span></td>
                            <td class="muted small">{f.source}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The overview's line about memory beyond the heap: the core's verdict, shown only when there
/// is one. Asked once the leak suspects are known (it reuses their paths from GC roots) and no
/// other request is waiting for the worker: the worker answers in order, so asked earlier it
/// would delay the rows of a view opened meanwhile (the dominator tree's by 0.6 s on a 17 M-object
/// dump).
#[component]
pub fn ProcessVerdict() -> impl IntoView {
    let ctx = use_ctx();
    let ready = RwSignal::new(false);
    Effect::new(move |_| {
        let quiet = ctx.suspects.with(|s| s.is_some()) && ctx.inflight.get() == 0;
        if quiet && !ready.get_untracked() {
            ready.set(true);
        }
    });
    let data = LocalResource::new(move || {
        let ready = ready.get();
        async move {
            if ready {
                ctx.call::<req::ProcessMemory>(()).await.ok()
            } else {
                None
            }
        }
    });
    move || {
        data.get()
            .flatten()
            .and_then(|pm| pm.verdict.clone())
            .map(|v| {
                view! {
                    <p class="warn-note process-verdict" role="note">
                        <strong>"Beyond the heap: "</strong>{v}" "
                        <a href="#/process-memory">"Process memory →"</a>
                    </p>
                }
            })
    }
}
