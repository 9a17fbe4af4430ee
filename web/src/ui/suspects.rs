//! Leak suspects: what piles up, where, who holds it, and the path from a GC root.

use leptos::prelude::*;

use crate::protocol::*;

use super::object::PathView;
use super::route::object_href;
use super::state::{use_ctx, DumpState};
use super::util::*;

#[component]
pub fn SuspectsView() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section class="view suspects-view" aria-labelledby="sus-title">
            <div class="view-head">
                <h2 id="sus-title">"Leak suspects"</h2>
                <p class="hint">
                    "Objects or groups retaining at least 10% of the reachable heap (Eclipse MAT's rule) and 1 MiB, known leak patterns, and unreachable objects when they are a large share of the file. One dump is one moment: the explanations say what it shows and what that suggests."
                </p>
            </div>
            {move || match ctx.suspects.get() {
                None => view! { <Pending what="leak suspects (computing paths and patterns)" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(r)) if r.suspects.is_empty() => {
                    let (healthy, text) = ctx.dump.with(|d| match d {
                        DumpState::Ready(o) => no_suspect_note(o),
                        _ => (false, String::new()),
                    });
                    view! {
                        <p class=if healthy { "ok-note" } else { "warn-note" }>
                            {text}" "
                            "See the "<a href="#/dominators">"dominator tree"</a>" and the "<a href="#/histogram">"histogram"</a>" for the biggest consumers."
                        </p>
                    }.into_any()
                }
                Some(Ok(r)) => view! {
                    <ol class="suspects">
                        {r.suspects.iter().enumerate().map(|(i, s)| view! { <SuspectCard s=s.clone() n=i + 1 /> }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </section>
    }
}

/// The histogram, filtered to exactly this class.
fn show_in_histogram(ctx: super::state::Ctx, class: &str) {
    let escaped: String = class
        .chars()
        .flat_map(|c| {
            if "\\.^$|?*+()[]{}".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect();
    ctx.histogram.update(|q| {
        q.group = Grouping::Class;
        q.filter = format!("^{escaped}$");
        q.regex = true;
        q.offset = 0;
    });
    super::route::navigate(&super::route::Route::Histogram);
}

#[component]
fn SuspectCard(s: Suspect, n: usize) -> impl IntoView {
    let ctx = use_ctx();
    let path = RootPath {
        steps: s.path_to_root.clone(),
        root_kind: s.root_kind.unwrap_or(RootKind::Unknown),
        root_detail: s.root_detail.clone(),
    };
    let has_path = !path.steps.is_empty();
    view! {
        <li class="suspect card" data-pattern=s.pattern.label()>
            <header>
                <span class="rank">{format!("#{n}")}</span>
                <span class="pattern-badge" title=pattern_help(s.pattern)>{s.pattern.label()}</span>
                <h3>
                    <a href=object_href(&s.object_id) class="cls">{s.class.clone()}</a>
                    {(s.kind == SuspectKind::Group).then(|| view! { <span class="muted">{format!(" · {} instances", count(s.instances))}</span> })}
                </h3>
                <span class="suspect-size"><Bytes value=s.retained />" "<Pct pct=s.retained_pct /></span>
            </header>
            <p class="explanation">{s.explanation.clone()}</p>
            <dl class="facts">
                {s.accumulation_point.clone().map(|a| view! {
                    <dt>"Accumulation point"</dt>
                    <dd><ObjLink id=a.object_id.clone() class=a.class.clone() />" retains "<Bytes value=a.retained /></dd>
                })}
                {s.holder.clone().map(|h| view! {
                    <dt>"Held by"</dt>
                    <dd><ObjLink id=h.object_id.clone() class=h.class.clone() />" via "<code>{h.field}</code></dd>
                })}
                {s.collection.clone().map(|c| view! {
                    <dt>"Collection"</dt>
                    <dd>
                        <code>{c.class}</code>
                        {format!(
                            ": {} elements{}{}{}",
                            count(c.size),
                            c.capacity.map(|x| format!(", capacity {}", count(x))).unwrap_or_default(),
                            c.bound.map(|x| format!(", bound {}", count(x))).unwrap_or_default(),
                            c.element_class.map(|x| format!(", mostly {x}")).unwrap_or_default(),
                        )}
                    </dd>
                })}
                {s.pattern.is_class_loader().then(|| view! {
                    <dt>"Class loaders"</dt>
                    <dd><a href="#/loaders" class="loaders-link">"Each loader, its classes and duplicates in the class loaders view →"</a></dd>
                })}
                {(s.kind == SuspectKind::Unreachable).then(|| view! {
                    <dt>"Unreachable objects"</dt>
                    <dd><a href="#/histogram" class="unreachable-link">"By class in the histogram (unreachable objects) →"</a></dd>
                })}
                <dt>{if s.kind == SuspectKind::Unreachable { "Biggest unreachable object" } else { "Top-level dominator" }}</dt>
                <dd><ObjLink id=s.dominator.object_id.clone() class=s.dominator.class.clone() />" retains "<Bytes value=s.dominator.retained /></dd>
                {s.threads.as_ref().map(|t| view! { <dt>"Threads"</dt><dd><a href="#/threads">{count(t.threads)}</a></dd> })}
            </dl>
            {s.threads.as_ref().filter(|t| !t.groups.is_empty()).map(|t| view! {
                <table class="grid">
                    <thead><tr><th>"Thread name"</th><th class="num">"Threads"</th><th>"State"</th><th class="num">"Retained"</th></tr></thead>
                    <tbody on:keydown=table_keys>
                        {t.groups.iter().take(20).map(|g| view! {
                            <tr tabindex="0"><td><code>{g.pattern.clone()}</code></td><td class="num">{count(g.count)}</td>
                            <td>{g.state.clone().unwrap_or_default()}</td><td class="num"><Bytes value=g.retained /></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {has_path.then(|| view! {
                <details class="suspect-path" open=true>
                    <summary>"Path from a GC root"</summary>
                    <PathView path=path.clone() />
                </details>
            })}
            {(!s.accumulated.is_empty()).then(|| view! {
                <details class="accumulated">
                    <summary>"Accumulated objects by class"</summary>
                    <table class="grid">
                        <thead><tr><th>"Class"</th><th class="num">"Objects"</th><th class="num">"Shallow"</th></tr></thead>
                        <tbody on:keydown=table_keys>
                            {s.accumulated.iter().map(|a| {
                                let class = a.class.clone();
                                view! {
                                    <tr tabindex="0">
                                        <td>
                                            <button type="button" class="link cls" title="Show this class in the histogram"
                                                on:click=move |_| show_in_histogram(ctx, &class)>{a.class.clone()}</button>
                                        </td>
                                        <td class="num">{count(a.count)}</td>
                                        <td class="num"><Bytes value=a.bytes /></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </details>
            })}
        </li>
    }
}

/// What a suspect's pattern badge means (its tooltip): what the dump shows, not a verdict.
fn pattern_help(pattern: LeakPattern) -> String {
    let what = match pattern {
        LeakPattern::QueueBacklog => "A queue holds many elements: what it holds waits for a consumer that is slower than the producer, or stopped",
        LeakPattern::CollectionAccumulation => "One collection holds most of this memory: elements added and never removed",
        LeakPattern::HugeArray => "One array holds most of this memory",
        LeakPattern::ThreadLocalAccumulation => "ThreadLocal values of many threads hold this memory",
        LeakPattern::ClassLoaderRetention => "A class loader and the classes it defined hold this memory",
        LeakPattern::ThreadExplosion => "Many live threads: each costs a stack outside the heap besides its objects",
        LeakPattern::ClassLoaderLeak => "Several live loaders of one class define the same classes: old deployments kept alive",
        LeakPattern::UnreachableObjects => "Objects no GC root reaches are a large share of the file (a dump written at an OutOfMemoryError)",
        LeakPattern::ManyInstances => "Many instances of one class together hold this memory",
        LeakPattern::LargeObject => "The shape of what holds this memory",
    };
    format!("{pattern}: {what}")
}
