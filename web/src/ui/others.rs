//! Class loaders and waste (duplicate strings, largest arrays, collection fill ratios).

use leptos::prelude::*;

use crate::protocol::*;

use super::route::object_href;
use super::state::use_ctx;
use super::util::*;

#[component]
pub fn LoadersView() -> impl IntoView {
    let ctx = use_ctx();
    let data = LocalResource::new(move || async move { ctx.call::<req::ClassLoaders>(()).await });
    view! {
        <section class="view loaders-view" aria-labelledby="cl-title">
            <div class="view-head">
                <h2 id="cl-title">"Class loaders"</h2>
                <p class="hint">"A loader that should be gone but still defines many classes is the usual redeploy leak."</p>
            </div>
            {move || match data.get() {
                None => view! { <Pending what="class loaders" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(r)) => view! {
                    <table class="grid loaders">
                        <thead><tr>
                            <th>"Loader"</th><th class="num">"Classes"</th><th class="num">"Instances"</th>
                            <th class="num">"Retained"</th><th class="num">"Open jars"</th><th class="num">"Duplicated classes"</th><th>"Note"</th>
                        </tr></thead>
                        <tbody on:keydown=table_keys>
                            {r.loaders.iter().map(|l| view! {
                                <tr tabindex="0" class:candidate=l.leak_candidate>
                                    <td>
                                        {match &l.object_id {
                                            Some(id) => view! { <a href=object_href(id) class="cls">{l.class.clone()}</a> }.into_any(),
                                            None => view! { <span class="cls">{l.class.clone()}</span> }.into_any(),
                                        }}
                                        {l.name.clone().map(|n| view! { <span class="lbl">{format!("\"{n}\"")}</span> })}
                                    </td>
                                    <td class="num">{count(l.classes_defined as u64)}</td>
                                    <td class="num">{count(l.instances)}</td>
                                    <td class="num"><Bytes value=l.retained /></td>
                                    <td class="num">{count(l.open_jars as u64)}</td>
                                    <td class="num">{count(l.duplicated_classes as u64)}</td>
                                    <td>{l.leak_candidate.then(|| view! { <span class="pattern-badge">"leak candidate"</span>" " })}{l.reason.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {(!r.duplicate_classes.is_empty()).then(|| view! {
                        <section class="panel">
                            <h3>{format!("Classes loaded more than once ({})", count(r.duplicate_classes_total as u64))}</h3>
                            <table class="grid">
                                <thead><tr><th>"Class"</th><th>"Loaders"</th></tr></thead>
                                <tbody on:keydown=table_keys>
                                    {r.duplicate_classes.iter().take(100).map(|d| view! {
                                        <tr tabindex="0"><td><code>{d.class.clone()}</code></td><td>{format!("{} loaders", d.loaders.len())}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    })}
                    {(!r.open_jar_files.is_empty()).then(|| view! {
                        <section class="panel">
                            <h3>{format!("Open jar and zip files ({})", r.open_jar_files.len())}</h3>
                            <ul class="plain">
                                {r.open_jar_files.iter().take(100).map(|j| view! {
                                    <li><ObjLink id=j.object_id.clone() class=j.class.clone() />" "<code>{j.name.clone().unwrap_or_default()}</code></li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn WasteView() -> impl IntoView {
    let ctx = use_ctx();
    let data = LocalResource::new(move || async move { ctx.call::<req::Waste>(()).await });
    view! {
        <section class="view waste-view" aria-labelledby="waste-title">
            <div class="view-head">
                <h2 id="waste-title">"Waste"</h2>
                <p class="hint">"Memory that holds nothing new: duplicate strings, oversized arrays, mostly empty collections."</p>
            </div>
            {move || match data.get() {
                None => view! { <Pending what="waste analyses" /> }.into_any(),
                Some(Err(e)) => view! { <ErrorNote message=e /> }.into_any(),
                Some(Ok(w)) => view! {
                    <p class="summary-line">{w.summary.clone()}</p>
                    <section class="panel">
                        <h3>"Duplicate strings"</h3>
                        <p class="muted">
                            {format!("{} strings, {} duplicates wasting ", count(w.strings), count(w.duplicate_instances))}
                            <Bytes value=w.duplicate_wasted />
                        </p>
                        <table class="grid dups">
                            <thead><tr><th>"Value"</th><th class="num">"Copies"</th><th class="num">"Length"</th><th class="num">"Wasted"</th><th>"Held by"</th></tr></thead>
                            <tbody on:keydown=table_keys>
                                {w.duplicates.iter().take(100).map(|d| view! {
                                    <tr tabindex="0">
                                        <td class="strval">
                                            {match &d.example_id {
                                                Some(id) => view! { <a href=object_href(id)><code>{format!("\"{}\"", d.value)}</code></a> }.into_any(),
                                                None => view! { <code>{format!("\"{}\"", d.value)}</code> }.into_any(),
                                            }}
                                        </td>
                                        <td class="num">{count(d.count)}</td>
                                        <td class="num">{count(d.length)}</td>
                                        <td class="num"><Bytes value=d.wasted_bytes /></td>
                                        <td class="muted small">{d.holders.join(", ")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                    <section class="panel">
                        <h3>"Largest arrays"</h3>
                        <table class="grid arrays">
                            <thead><tr><th>"Array"</th><th class="num">"Length"</th><th class="num">"Shallow"</th><th class="num">"Retained"</th><th>"Held via"</th></tr></thead>
                            <tbody on:keydown=table_keys>
                                {w.arrays.iter().map(|a| view! {
                                    <tr tabindex="0">
                                        <td><ObjLink id=a.object_id.clone() class=a.class.clone() /></td>
                                        <td class="num">{count(a.length as u64)}</td>
                                        <td class="num"><Bytes value=a.shallow /></td>
                                        <td class="num"><Bytes value=a.retained /></td>
                                        <td class="muted small">{a.path.clone().unwrap_or_else(|| "only weakly reachable".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                    <section class="panel">
                        <h3>"Collection fill ratios"</h3>
                        <p class="muted">"Unused capacity: " <Bytes value=w.collections_wasted /></p>
                        <table class="grid cols">
                            <thead><tr><th>"Collection class"</th><th class="num">"Instances"</th><th class="num">"Empty"</th><th class="num">"Avg fill"</th><th class="num">"Wasted"</th></tr></thead>
                            <tbody on:keydown=table_keys>
                                {w.collections.iter().map(|c| view! {
                                    <tr tabindex="0">
                                        <td>
                                            {match &c.worst_id {
                                                Some(id) => view! { <a href=object_href(id) class="cls" title="Open the emptiest one">{c.class.clone()}</a> }.into_any(),
                                                None => view! { <span class="cls">{c.class.clone()}</span> }.into_any(),
                                            }}
                                        </td>
                                        <td class="num">{count(c.count)}</td>
                                        <td class="num">{count(c.empty)}</td>
                                        <td class="num">{c.avg_fill_ratio.map(|r| pct_whole(r * 100.0)).unwrap_or_else(|| "—".into())}</td>
                                        <td class="num"><Bytes value=c.wasted_bytes /></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any(),
            }}
        </section>
    }
}
