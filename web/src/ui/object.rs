//! The object inspector: what an object is, its fields, who keeps it alive (paths to GC roots,
//! dominator chain), what it references and what references it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::protocol::*;

use super::explore::ExploreActions;
use super::route::{object_href, Route, Target};
use super::state::use_ctx;
use super::util::*;

#[component]
pub fn ObjectView(id: String, paths_first: bool) -> impl IntoView {
    let ctx = use_ctx();
    let details = LocalResource::new({
        let id = id.clone();
        move || {
            let id = id.clone();
            async move {
                ctx.call::<req::Object>(ObjectQuery { object: id })
                    .await
                    .map(|d| *d)
            }
        }
    });
    let paths_ref = NodeRef::<leptos::html::Section>::new();
    if paths_first {
        // "⇱ roots": scroll to the paths once the head above them is drawn (before that the
        // section is at the top and the head pushes it down).
        Effect::new(move |_| {
            if matches!(details.get(), Some(Ok(_))) {
                request_animation_frame(move || {
                    if let Some(el) = paths_ref.get_untracked() {
                        el.scroll_into_view();
                    }
                });
            }
        });
    }
    view! {
        <section class="view object-view" aria-labelledby="obj-title">
            {move || match details.get() {
                None => view! { <Pending what="object" /> }.into_any(),
                // One error, nothing else asked about an object that is not there.
                Some(Err(e)) => view! { <h2 id="obj-title">"Object"</h2><ErrorNote message=e /> }.into_any(),
                Some(Ok(d)) => {
                    let id = d.object_id.clone();
                    view! {
                        <ObjectHead d=d />
                        <section class="panel" node_ref=paths_ref aria-labelledby="paths-title">
                            <h3 id="paths-title">"Paths to GC roots"</h3>
                            <PathsPanel id=id.clone() />
                        </section>
                        <section class="panel" aria-labelledby="kids-title">
                            <h3 id="kids-title">"Retains (dominator-tree children)"</h3>
                            <DominatedList id=id.clone() />
                        </section>
                        <div class="two-col">
                            <section class="panel" aria-labelledby="out-title">
                                <h3 id="out-title">"References from this object"</h3>
                                <RefList id=id.clone() incoming=false />
                            </section>
                            <section class="panel" aria-labelledby="in-title">
                                <h3 id="in-title">"Referenced by"</h3>
                                <RefList id=id incoming=true />
                            </section>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn ObjectHead(d: ObjectDetails) -> impl IntoView {
    let instances_link = d.class_info.as_ref().map(|c| {
        let href = Route::Instances {
            class: c.class_index,
            unreachable: false,
        }
        .to_hash();
        view! { <a href=href>{plural(c.instances, "instance")}</a> }
    });
    // A class object's heading is its kind and its name ("class com.x.Foo"), not
    // "class class com.x.Foo".
    let shown_class = match (d.kind, d.class.strip_prefix("class ")) {
        (ObjectKind::Class, Some(name)) => name.to_string(),
        _ => d.class.clone(),
    };
    let actions = match (&d.class_info, d.explore.class_index) {
        // A class: the views over its instances.
        (Some(c), _) if d.kind == ObjectKind::Class => Some(view! {
            <p class="muted small">"Its instances:"</p>
            <ExploreActions target=Target::Class(c.class_index) groupable=d.explore.groupable />
        }.into_any()),
        _ => Some(view! {
            <ExploreActions target=Target::Object(d.object_id.clone()) groupable=d.explore.groupable collection=d.explore.collection.is_some() />
        }.into_any()),
    };
    view! {
        <header class="obj-head">
            <h2 id="obj-title">
                <span class="kind-badge">{d.kind.label()}</span>
                " "
                <span class="cls">{shown_class}</span>
            </h2>
            <p class="obj-id">
                <ObjId id=d.object_id.clone() />
                {d.class_object_id.clone().map(|c| view! { " · " <a href=object_href(&c)>"its class"</a> })}
                {instances_link.map(|l| view! { " · " {l} })}
            </p>
            {d.string_value.clone().map(|s| view! { <p class="string-value" title="String value (preview)">"“"{s}"”"</p> })}
            {d.explore.collection.clone().map(|c| view! {
                <p class="collection-fact">{format!("A {c} holding {}", plural(d.explore.collection_size.unwrap_or(0), "entry"))}</p>
            })}
            {actions}
            <dl class="facts">
                <dt title="The object's own bytes">"Shallow"</dt><dd><Bytes value=d.shallow /></dd>
                <dt title="What would be freed with it: its bytes and those of every object only it keeps alive">"Retained"</dt>
                <dd><Bytes value=d.retained />" "<Pct pct=d.pct />{format!(" · {}", plural(d.retained_objects, "object"))}</dd>
                {d.array_length.map(|n| view! { <dt>"Length"</dt><dd>{count(n as u64)}</dd> })}
                <dt>"Reachable"</dt>
                <dd>{if d.reachable { "yes" } else { "no (garbage: it would be collected)" }}</dd>
                {(!d.gc_roots.is_empty()).then(|| view! { <dt>"GC root"</dt><dd>{d.gc_roots.join(", ")}</dd> })}
                {d.class_info.clone().map(|c| view! {
                    <dt>"Class"</dt><dd><code>{c.name}</code></dd>
                    <dt>"Superclass"</dt><dd><code>{c.super_class.unwrap_or_else(|| "—".into())}</code></dd>
                    <dt>"Loader"</dt><dd><code>{c.loader}</code></dd>
                    <dt>"Instance size"</dt><dd><Bytes value=c.instance_size as u64 /></dd>
                })}
            </dl>
            {(!d.dominator_chain.is_empty()).then(|| view! {
                <nav class="dom-chain" aria-label="Dominator chain">
                    <span class="muted">"Kept alive by: "</span>
                    <ol>
                        {d.dominator_chain.iter().map(|o| view! {
                            <li><a href=object_href(&o.object_id) title=o.object_id.clone()>{o.class.clone()}</a></li>
                        }).collect_view()}
                    </ol>
                </nav>
            })}
            {(!d.fields.is_empty()).then(|| {
                let title = if d.kind == ObjectKind::Class { "Static fields" } else { "Fields" };
                view! {
                    <details class="panel fields" open=true>
                        <summary>{format!("{title} ({})", d.fields.len())}</summary>
                        <table class="grid">
                            <thead><tr><th>"Name"</th><th>"Type"</th><th>"Value"</th></tr></thead>
                            <tbody on:keydown=table_keys>
                                {d.fields.iter().map(|f| {
                                    let value = match &f.target {
                                        Some(t) => view! {
                                            <a href=object_href(&t.object_id) title=format!("{} {}", t.class, t.object_id)>{f.value.clone()}</a>
                                            <span class="muted">{format!(" {}", t.class)}</span>
                                        }.into_any(),
                                        // Read from the dump when the worker has its file; else not known.
                                        None if f.value == heaplens::analysis::inspect::NOT_KEPT => view! {
                                            <span class="muted not-kept" title="Not kept by the analysis, and the dump file could not be read again">{f.value.clone()}</span>
                                        }.into_any(),
                                        None => view! { <code>{f.value.clone()}</code> }.into_any(),
                                    };
                                    view! {
                                        <tr tabindex="0"><td><code>{f.name.clone()}</code></td><td class="muted">{f.ty.clone()}</td><td>{value}</td></tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </details>
                }
            })}
        </header>
    }
}

#[component]
pub fn PathsPanel(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let include_weak = RwSignal::new(false);
    let object = id.clone();
    let paths = LocalResource::new(move || {
        let id = object.clone();
        let weak = include_weak.get();
        async move {
            ctx.call::<req::Paths>(PathsQuery {
                object: id,
                include_weak: weak,
                max: 3,
            })
            .await
        }
    });
    // "More paths": pages of the same ordered list, after the first three.
    let more = RwSignal::new(Vec::<RootPath>::new());
    let more_total = RwSignal::new(None::<(u64, bool)>);
    let more_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        include_weak.track();
        more.set(Vec::new());
        more_total.set(None);
        more_error.set(None);
    });
    let load_more = move |shown: usize| {
        let id = id.clone();
        let weak = include_weak.get_untracked();
        spawn_local(async move {
            match ctx
                .call::<req::MorePaths>(MorePathsQuery {
                    object: id,
                    include_weak: weak,
                    offset: shown as u32,
                    limit: 10,
                })
                .await
            {
                Ok(p) => {
                    more_total.set(Some((p.total, p.complete)));
                    more.update(|m| m.extend(p.paths));
                }
                Err(e) => more_error.set(Some(e)),
            }
        });
    };
    view! {
        <label class="toggle">
            <input
                type="checkbox"
                prop:checked=move || include_weak.get()
                on:change=move |ev| include_weak.set(event_target_checked(&ev))
            />
            " Include weak, soft and phantom references"
        </label>
        {move || match paths.get() {
            None => view! { <Pending what="paths" /> }.into_any(),
            Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
            Some(Ok(p)) if p.paths.is_empty() => view! {
                <p class="muted paths-none">
                    {if p.include_weak {
                        "No path: the object is not reachable from a GC root (it is garbage)."
                    } else {
                        "No strong path: the object is unreachable, or reachable only through weak/soft references (tick the box above)."
                    }}
                </p>
            }.into_any(),
            Some(Ok(p)) => {
                let first = p.paths.len();
                let load_more = load_more.clone();
                view! {
                    <div class="paths">
                        {p.paths.into_iter().enumerate().map(|(i, path)| view! { <PathView path=path index=i /> }).collect_view()}
                        {move || more.get().into_iter().enumerate().map(|(i, path)| view! { <PathView path=path index=first + i /> }).collect_view()}
                    </div>
                    {move || more_error.get().map(|e| view! { <ErrorNote message=e /> })}
                    {
                        let load_more = load_more.clone();
                        move || {
                            let shown = first + more.with(|m| m.len());
                            let known = more_total.get();
                            let can = match known {
                                None => first >= 3,
                                Some((total, _)) => (shown as u64) < total,
                            };
                            let load_more = load_more.clone();
                            view! {
                                <p class="list-foot paths-foot">
                                    {known.map(|(total, complete)| format!(
                                        "{} of {}{}",
                                        count(shown as u64),
                                        plural(total, "path"),
                                        if complete { "" } else { " found before the referrer limit (more exist)" }
                                    ))}
                                    {can.then(|| view! {
                                        " " <button type="button" class="secondary more-paths" on:click=move |_| load_more(shown)>"More paths"</button>
                                    })}
                                </p>
                            }
                        }
                    }
                }.into_any()
            }
        }}
    }
}

/// One path, GC root first.
#[component]
pub fn PathView(path: RootPath, #[prop(optional)] index: usize) -> impl IntoView {
    let n = path.steps.len();
    view! {
        <figure class="path">
            <figcaption>
                {if index == 0 { "Shortest path".to_string() } else { format!("Path {}", index + 1) }}
                " · "
                <span class="root-kind">{path.root_kind.label()}</span>
                " · "
                <span class="muted">{path.root_detail.clone()}</span>
            </figcaption>
            <ol class="path-steps">
                {path.steps.into_iter().enumerate().map(|(i, s)| view! {
                    <li class:last=i + 1 == n>
                        {(i > 0).then(|| view! { <span class="via" title="reference">{s.field.clone()}</span> })}
                        <ObjLink id=s.object_id.clone() class=s.class.clone() />
                    </li>
                }).collect_view()}
            </ol>
        </figure>
    }
}

const REF_PAGE: u32 = 100;

#[component]
fn RefList(id: String, incoming: bool) -> impl IntoView {
    let ctx = use_ctx();
    let rows = RwSignal::new(Vec::<ReferenceRow>::new());
    let total = RwSignal::new(None::<u32>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Incoming references scan every edge of the heap: only on request.
    let started = RwSignal::new(!incoming);
    let load = {
        let id = id.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            let offset = rows.with_untracked(|r| r.len() as u32);
            let id = id.clone();
            spawn_local(async move {
                match ctx
                    .call::<req::References>(ReferencesQuery {
                        object: id,
                        incoming,
                        offset,
                        limit: REF_PAGE,
                    })
                    .await
                {
                    Ok(p) => {
                        total.set(Some(p.total));
                        rows.update(|r| r.extend(p.rows));
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        }
    };
    if !incoming {
        load();
    }
    let load2 = load.clone();
    view! {
        {move || (!started.get()).then(|| {
            let load = load2.clone();
            view! {
                <button type="button" class="secondary" on:click=move |_| { started.set(true); load(); }>
                    "Find referrers"
                </button>
                <span class="muted">" (scans the whole heap)"</span>
            }
        })}
        {move || error.get().map(|e| view! { <ErrorNote message=e /> })}
        {move || (started.get() && total.get().is_none() && error.get().is_none()).then(|| view! { <Pending what="references" /> })}
        {move || total.get().map(|t| view! {
            <div class="table-scroll short">
            <table class="grid refs">
                <thead><tr><th>"Field"</th><th>"Object"</th><th class="num">"Retained"</th></tr></thead>
                <tbody on:keydown=table_keys>
                    <For
                        each=move || rows.get().into_iter().enumerate()
                        key=|(i, r)| (*i, r.object.object_id.clone())
                        children=move |(_, r)| view! {
                            <tr tabindex="0">
                                <td><code>{r.field.clone()}</code></td>
                                <td><ObjLink id=r.object.object_id.clone() class=r.object.class.clone() />
                                    {r.object.label.clone().map(|l| view! { <span class="lbl">{l}</span> })}</td>
                                <td class="num"><Bytes value=r.object.retained /></td>
                            </tr>
                        }
                    />
                </tbody>
            </table>
            </div>
            <p class="list-foot">
                {move || format!("{} of {}", count(rows.with(|r| r.len()) as u64), count(t as u64))}
                {
                    let load = load.clone();
                    move || (rows.with(|r| r.len() as u32) < t).then(|| {
                        let load = load.clone();
                        view! { " " <button type="button" class="secondary" on:click=move |_| load()>"Show more"</button> }
                    })
                }
            </p>
        })}
    }
}

#[component]
fn DominatedList(id: String) -> impl IntoView {
    let ctx = use_ctx();
    let rows = RwSignal::new(Vec::<TreeRow>::new());
    let total = RwSignal::new(None::<u32>);
    let error = RwSignal::new(None::<String>);
    let load = move |id: String| {
        let offset = rows.with_untracked(|r| r.len() as u32);
        spawn_local(async move {
            let q = ChildrenQuery {
                parent: Some(id),
                offset,
                limit: REF_PAGE,
                ..Default::default()
            };
            match ctx.call::<req::Children>(q).await {
                Ok(p) => {
                    total.set(Some(p.total));
                    rows.update(|r| r.extend(p.rows));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(id.clone());
    view! {
        {move || error.get().map(|e| view! { <ErrorNote message=e /> })}
        {move || match total.get() {
            None => view! { <Pending what="dominated objects" /> }.into_any(),
            Some(0) => view! { <p class="muted">"Nothing: this object retains only itself."</p> }.into_any(),
            Some(t) => {
                let id = id.clone();
                view! {
                    <ObjectTable rows=rows />
                    <p class="list-foot">
                        {move || format!("{} of {}", count(rows.with(|r| r.len()) as u64), count(t as u64))}
                        {move || (rows.with(|r| r.len() as u32) < t).then(|| {
                            let id = id.clone();
                            view! { " " <button type="button" class="secondary" on:click=move |_| load(id.clone())>"Show more"</button> }
                        })}
                    </p>
                }.into_any()
            }
        }}
    }
}

/// A table of objects (class, id, shallow, retained, %).
#[component]
pub fn ObjectTable(rows: RwSignal<Vec<TreeRow>>) -> impl IntoView {
    view! {
        <div class="table-scroll short">
        <table class="grid objects">
            <thead>
                <tr><th>"Object"</th><th class="num">"Shallow"</th><th class="num">"Retained"</th><th>"% of heap"</th></tr>
            </thead>
            <tbody on:keydown=table_keys>
                <For
                    each=move || rows.get().into_iter().enumerate()
                    key=|(i, r)| (*i, r.object_id.clone())
                    children=move |(_, r)| view! {
                        <tr tabindex="0">
                            <td><ObjLink id=r.object_id.clone() class=r.class.clone() />
                                {r.label.clone().map(|l| view! { <span class="lbl">{l}</span> })}</td>
                            <td class="num"><Bytes value=r.shallow /></td>
                            <td class="num"><Bytes value=r.retained /></td>
                            <td><Pct pct=r.pct /></td>
                        </tr>
                    }
                />
            </tbody>
        </table>
        </div>
    }
}
