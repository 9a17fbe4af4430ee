//! "Keep this analysis on this computer" in the page (issue 18): the opt-in, the list of what
//! is kept with its delete buttons, the banner of a dump opened from its kept analysis, and the
//! two steps of an open that involve it ([`open_kept`] before parsing, [`keep_now`] after).
//!
//! Off by default. Nothing is written unless the user asks: the "Keep this analysis" button
//! (this dump), or the "Keep analyses on this computer" preference, which is itself stored
//! (`localStorage`, [`PREF_KEY`]) only once the user turns it on and removed when they turn it
//! off. A dump is fingerprinted (`kept_store::fingerprint`) only when something is kept or
//! keeping is on. The worker writes and reads the snapshots (`worker::keep`); this module only
//! lists and deletes.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::engine::{Engine, EngineError};
use super::format::{format_timestamp_ms, human};
use super::kept_store::{self, KeptList};
use super::state::{use_ctx, Ctx, DumpState};
use crate::protocol::*;

/// The `localStorage` key of the remembered preference (present only while it is on).
const PREF_KEY: &str = "heaplens-keep";

/// How keeping the dump on screen went.
#[derive(Debug, Clone, PartialEq)]
pub enum KeepStatus {
    /// Not asked.
    Idle,
    Writing,
    Kept {
        bytes: u64,
    },
    /// Not written (no space, no storage): why.
    NotKept(String),
}

/// What the page knows about the dump on screen and kept analyses.
#[derive(Clone, Copy)]
pub struct Keep {
    /// `None`: not checked yet; `Err`: why this page cannot keep anything.
    pub available: RwSignal<Option<Result<(), String>>>,
    pub remember: RwSignal<bool>,
    pub list: RwSignal<KeptList>,
    /// The dump on screen: its fingerprint (if taken), the date of the kept analysis it was
    /// opened from, how keeping it went, and a notice (a damaged kept analysis deleted).
    pub key: RwSignal<Option<String>>,
    pub opened_from: RwSignal<Option<f64>>,
    pub status: RwSignal<KeepStatus>,
    pub notice: RwSignal<Option<String>>,
    /// The dump on screen and its settings (to fingerprint it when the user asks to keep it).
    dump: StoredValue<Option<(web_sys::Blob, OpenSettings)>, LocalStorage>,
    /// The next open analyzes even if a kept analysis exists ("Re-analyze").
    bypass: StoredValue<bool>,
}

impl Keep {
    pub fn new() -> Keep {
        let remember = local_storage()
            .and_then(|s| s.get_item(PREF_KEY).ok().flatten())
            .is_some_and(|v| v == "on");
        let keep = Keep {
            available: RwSignal::new(None),
            remember: RwSignal::new(remember),
            list: RwSignal::new(KeptList::default()),
            key: RwSignal::new(None),
            opened_from: RwSignal::new(None),
            status: RwSignal::new(KeepStatus::Idle),
            notice: RwSignal::new(None),
            dump: StoredValue::new_local(None),
            bypass: StoredValue::new(false),
        };
        spawn_local(async move {
            let a = kept_store::availability().await;
            let ok = a.is_ok();
            keep.available.set(Some(a));
            if ok {
                keep.refresh().await;
            }
        });
        keep
    }

    fn is_available(self) -> bool {
        matches!(self.available.get_untracked(), Some(Ok(())))
    }

    /// Re-reads the list from disk.
    pub async fn refresh(self) {
        match kept_store::list().await {
            Ok(list) => self.list.set(list),
            Err(e) => self
                .notice
                .set(Some(format!("Cannot list the kept analyses: {e}"))),
        }
    }

    /// Turns the remembered preference on (stored) or off (forgotten).
    pub fn set_remember(self, on: bool) {
        self.remember.set(on);
        if let Some(s) = local_storage() {
            let _ = if on {
                s.set_item(PREF_KEY, "on")
            } else {
                s.remove_item(PREF_KEY)
            };
        }
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Before a dump is parsed: if this page keeps an analysis of the same dump with the same
/// settings, opens it from there (no parsing) and answers its overview. A kept analysis that
/// cannot be used (another version, damaged) is deleted, with a notice; then `None` and the
/// dump is analyzed as usual. Two dumps compared are never kept.
pub async fn open_kept(
    ctx: Ctx,
    engine: &Engine,
    name: &str,
    blob: &web_sys::Blob,
    settings: OpenSettings,
) -> Option<Box<Overview>> {
    let keep = ctx.keep;
    keep.key.set(None);
    keep.opened_from.set(None);
    keep.status.set(KeepStatus::Idle);
    keep.notice.set(None);
    metrics_from_kept(false);
    let bypass = keep.bypass.get_value();
    keep.bypass.set_value(false);
    if ctx.pair.get_untracked().is_some() {
        keep.dump.set_value(None);
        return None;
    }
    keep.dump.set_value(Some((blob.clone(), settings)));
    if keep.available.get_untracked().is_none() {
        keep.available.set(Some(kept_store::availability().await));
    }
    if !keep.is_available() {
        return None;
    }
    keep.refresh().await;
    // Fingerprint only when it can matter: something is kept, or keeping is on.
    if keep.list.with_untracked(|l| l.entries.is_empty()) && !keep.remember.get_untracked() {
        return None;
    }
    let key = kept_store::fingerprint(blob, &settings).await.ok()?;
    keep.key.set(Some(key.clone()));
    let entry = keep.list.with_untracked(|l| l.get(&key).cloned())?;
    if bypass {
        // Analyzed again on request; the kept analysis stays (the preference rewrites it).
        keep.status.set(KeepStatus::Kept {
            bytes: entry.disk_bytes,
        });
        return None;
    }
    let when = format_timestamp_ms(entry.manifest.kept_ms as u64);
    if entry.manifest.format != heaplens::graph::SNAPSHOT_FORMAT {
        let _ = kept_store::delete(&key).await;
        keep.refresh().await;
        keep.notice.set(Some(format!(
            "The kept analysis of {when} was made by another version of heaplens: it was deleted and the dump is analyzed again."
        )));
        return None;
    }
    let r = engine
        .request_with::<req::OpenKept>(
            OpenKeptParams {
                key: key.clone(),
                name: name.to_string(),
            },
            blob.as_ref(),
        )
        .await;
    let why = match r {
        Ok(OpenOutcome::Opened(o)) => {
            keep.opened_from.set(Some(entry.manifest.kept_ms));
            keep.status.set(KeepStatus::Kept {
                bytes: entry.disk_bytes,
            });
            metrics_from_kept(true);
            return Some(o);
        }
        Ok(OpenOutcome::Failed(e)) => e.message,
        Err(EngineError::Gone) => "the worker stopped".into(),
        Err(EngineError::Send(m) | EngineError::Failed(m)) => m,
    };
    let _ = kept_store::delete(&key).await;
    keep.refresh().await;
    keep.notice.set(Some(format!(
        "The kept analysis of {when} could not be used ({why}): it was deleted and the dump is analyzed again."
    )));
    None
}

/// Keeps the analysis on screen on this computer (the user asked: the button, or the
/// preference once the analysis is done). The worker checks the quota and writes.
pub fn keep_now(ctx: Ctx) {
    let keep = ctx.keep;
    if !matches!(ctx.dump.get_untracked(), DumpState::Ready(_))
        || !keep.is_available()
        || matches!(
            keep.status.get_untracked(),
            KeepStatus::Writing | KeepStatus::Kept { .. }
        )
    {
        return;
    }
    let Some((blob, settings)) = keep.dump.get_value() else {
        return;
    };
    let generation = ctx.generation.get_untracked();
    keep.status.set(KeepStatus::Writing);
    spawn_local(async move {
        let key = match keep.key.get_untracked() {
            Some(k) => k,
            None => match kept_store::fingerprint(&blob, &settings).await {
                Ok(k) => {
                    keep.key.set(Some(k.clone()));
                    k
                }
                Err(e) => {
                    keep.status.set(KeepStatus::NotKept(e));
                    return;
                }
            },
        };
        let r = ctx.call::<req::Keep>(KeepParams { key }).await;
        if ctx.generation.get_untracked() != generation {
            return;
        }
        keep.refresh().await;
        keep.status.set(match r {
            Ok(m) => KeepStatus::Kept {
                bytes: keep
                    .list
                    .with_untracked(|l| l.get(&m.key).map(|e| e.disk_bytes))
                    .unwrap_or(m.snapshot_bytes),
            },
            Err(e) => KeepStatus::NotKept(e),
        });
    });
}

/// `window.__heaplensMetrics.fromKept`: the dump on screen was opened from its kept analysis
/// (for the tests; next to `firstResultsMs`, which stays null when no first pass ran).
fn metrics_from_kept(yes: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(m) = js_sys::Reflect::get(&window, &"__heaplensMetrics".into()) {
        if m.is_object() {
            let _ = js_sys::Reflect::set(&m, &"fromKept".into(), &yes.into());
        }
    }
}

/// Under the dump bar: where the analysis on screen comes from, whether it is kept, and the
/// button to keep it. With the preference on, the analysis is kept once its suspects are in.
#[component]
pub fn KeepBanner() -> impl IntoView {
    let ctx = use_ctx();
    let keep = ctx.keep;
    Effect::new(move |_| {
        let done = ctx.suspects.with(|s| s.is_some());
        if done
            && keep.remember.get()
            && keep.opened_from.get().is_none()
            && keep.status.get() == KeepStatus::Idle
            && ctx.pair.with(|p| p.is_none())
        {
            keep_now(ctx);
        }
    });
    let reanalyze = move |_| {
        keep.bypass.set_value(true);
        ctx.reopen(ctx.settings.get_untracked());
    };
    view! {
        <Show when=move || ctx.pair.with(|p| p.is_none()) && keep.available.with(|a| matches!(a, Some(Ok(()))))>
            <div class="keep-banner" aria-live="polite">
                {move || keep.notice.get().map(|n| view! { <p class="keep-notice" role="alert">{n}</p> })}
                {move || keep.opened_from.get().map(|ms| view! {
                    <span class="kept-from">{format!("Opened from the kept analysis of {}", format_timestamp_ms(ms as u64))}</span>
                    <button type="button" class="secondary reanalyze" on:click=reanalyze>"Re-analyze"</button>
                })}
                {move || match keep.status.get() {
                    KeepStatus::Idle => view! {
                        <button type="button" class="secondary keep-this" on:click=move |_| keep_now(ctx)>"Keep this analysis on this computer"</button>
                    }.into_any(),
                    KeepStatus::Writing => view! { <span class="keep-status" data-state="writing">"Keeping this analysis on this computer…"</span> }.into_any(),
                    KeepStatus::Kept { bytes } => view! {
                        <span class="keep-status" data-state="kept">{format!("Kept on this computer ({}): reopening this dump is instant", human(bytes))}</span>
                    }.into_any(),
                    KeepStatus::NotKept(why) => view! { <span class="keep-status" data-state="not-kept">{format!("Not kept: {why}")}</span> }.into_any(),
                }}
                <details class="kept-details">
                    <summary>{move || keep.list.with(|l| format!("Kept analyses ({}, {} on disk)", l.entries.len(), human(l.total_bytes())))}</summary>
                    <KeptPanel />
                </details>
            </div>
        </Show>
    }
}

/// The opt-in and the list of kept analyses (start page, and the banner's details).
#[component]
pub fn KeptPanel() -> impl IntoView {
    let ctx = use_ctx();
    let keep = ctx.keep;
    let busy = RwSignal::new(false);
    let run =
        move |fut: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>| {
            busy.set(true);
            spawn_local(async move {
                if let Err(e) = fut.await {
                    keep.notice.set(Some(format!("Cannot delete: {e}")));
                }
                keep.refresh().await;
                // The dump on screen is no longer kept if its entry went.
                let gone = keep
                    .key
                    .get_untracked()
                    .is_none_or(|k| keep.list.with_untracked(|l| l.get(&k).is_none()));
                if gone && matches!(keep.status.get_untracked(), KeepStatus::Kept { .. }) {
                    keep.status.set(KeepStatus::Idle);
                }
                busy.set(false);
            });
        };
    view! {
        <section class="kept-panel" aria-label="Analyses kept on this computer">
            <h2>"Kept on this computer"</h2>
            {move || match keep.available.get() {
                None => view! { <p class="muted">"Checking this browser's storage…"</p> }.into_any(),
                Some(Err(why)) => view! {
                    <label class="keep-pref" data-available="false">
                        <input type="checkbox" disabled=true />
                        " Keep analyses on this computer"
                    </label>
                    <p class="muted small keep-unavailable">{format!("Unavailable: {why}.")}</p>
                }.into_any(),
                Some(Ok(())) => view! {
                    <label class="keep-pref" data-available="true">
                        <input
                            type="checkbox"
                            prop:checked=move || keep.remember.get()
                            on:change=move |ev| keep.set_remember(event_target_checked(&ev))
                        />
                        " Keep analyses on this computer"
                    </label>
                    <p class="muted small">
                        "Off by default. When on, each analysis is also saved in this browser's private storage for this page (Origin Private File System), never uploaded, so opening the same dump again is instant. It holds the analysis (object graph, names and values the views show), not the dump; anyone using this browser profile can open it. "
                        "Delete it here, or by clearing this site's data."
                    </p>
                    {move || {
                        let list = keep.list.get();
                        if list.entries.is_empty() && list.other_bytes == 0 {
                            return view! { <p class="muted kept-empty">"Nothing is kept."</p> }.into_any();
                        }
                        let total = list.total_bytes();
                        let n = list.entries.len() as u64;
                        view! {
                            <table class="kept-list">
                                <thead><tr><th>"Dump"</th><th class="num">"Size"</th><th>"Kept"</th><th class="num">"On disk"</th><th></th></tr></thead>
                                <tbody>
                                    {list.entries.into_iter().map(|e| {
                                        let m = e.manifest;
                                        let key = m.key.clone();
                                        let label = if m.settings.is_default() { m.name.clone() } else {
                                            let mut s = m.name.clone();
                                            if let Some(d) = m.settings.dump { s += &format!(" · heap dump {d}"); }
                                            if m.settings.sizes == heaplens::graph::SizeMode::Mat { s += " · MAT sizes"; }
                                            s
                                        };
                                        view! {
                                            <tr class="kept-entry" data-key=m.key.clone()>
                                                <td class="file-name">{label}</td>
                                                <td class="num">{human(m.size)}</td>
                                                <td>{format_timestamp_ms(m.kept_ms as u64)}</td>
                                                <td class="num">{human(e.disk_bytes)}</td>
                                                <td><button type="button" class="secondary kept-delete" disabled=move || busy.get()
                                                    on:click=move |_| { let key = key.clone(); run(Box::pin(async move { kept_store::delete(&key).await })) }>"Delete"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <p class="kept-total">
                                {format!("{} kept, {} on disk. ", if n == 1 { "1 analysis".to_string() } else { format!("{} analyses", super::format::count(n)) }, human(total))}
                                <button type="button" class="secondary kept-delete-all" disabled=move || busy.get()
                                    on:click=move |_| run(Box::pin(kept_store::delete_all()))>"Delete all"</button>
                            </p>
                        }.into_any()
                    }}
                }.into_any(),
            }}
        </section>
    }
}
