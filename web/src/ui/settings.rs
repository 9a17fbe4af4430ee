//! The analysis settings in the dump bar, on every view: the heap-dump chooser (a file that
//! holds several heap dumps, as the JDK ≤ 8 hprof agent writes them) and the "Sizes: JVM |
//! MAT" toggle. Changing one re-opens the same file with the new [`OpenSettings`] (a fresh
//! worker, as any open); the settings are kept in the URL's query ([`super::settings_url`]),
//! never on disk.

use std::sync::Arc;

use heaplens::graph::SizeMode;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

use crate::protocol::*;

use super::settings_url;
use super::state::use_ctx;

/// The settings the page's URL names.
pub fn read_url() -> OpenSettings {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    settings_url::parse(&search)
}

/// Puts `s` in the page's URL (same document: `history.replaceState`, no reload, no new
/// history entry). Where the browser refuses (some `file:` pages), the settings still apply;
/// only the URL does not show them.
pub fn write_url(s: OpenSettings) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let loc = window.location();
    let (Ok(path), Ok(search), Ok(hash)) = (loc.pathname(), loc.search(), loc.hash()) else {
        return;
    };
    let url = format!("{path}{}{hash}", settings_url::with_settings(&search, s));
    // `History` is called through Reflect: one method does not warrant another web-sys
    // feature (and a rebuild of every crate that depends on web-sys).
    let call = || -> Result<(), JsValue> {
        let history = js_sys::Reflect::get(&window, &JsValue::from_str("history"))?;
        let replace: js_sys::Function =
            js_sys::Reflect::get(&history, &JsValue::from_str("replaceState"))?.into();
        replace.call3(
            &history,
            &JsValue::NULL,
            &JsValue::from_str(""),
            &JsValue::from_str(&url),
        )?;
        Ok(())
    };
    let _ = call();
}

/// Heap-dump chooser (only for a file with several) and the size-rule toggle.
#[component]
pub fn SettingsBar(o: Arc<Overview>) -> impl IntoView {
    let ctx = use_ctx();
    let asked = o.settings;
    let dumps = o.summary.heap_dumps;
    let shown = o.summary.dump_shown;
    let chooser = (dumps > 1).then(|| {
        view! {
            <label class="dump-choice" title="This file holds several heap dumps (the JDK 8 hprof agent writes one per request): one is analyzed at a time">
                "Heap dump "
                <select
                    aria-label="Heap dump of this file to analyze"
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse::<u32>() {
                            ctx.reopen(OpenSettings { dump: Some(n), ..asked });
                        }
                    }
                >
                    {(1..=dumps).map(|n| view! {
                        <option value=n.to_string() selected=n == shown>{format!("{n} of {dumps}")}</option>
                    }).collect_view()}
                </select>
            </label>
        }
    });
    let rule_text = settings_url::size_rule_text(asked.sizes, o.summary.size_rule);
    let rule = match o.summary.size_rule {
        SizeMode::Jvm => "jvm",
        SizeMode::Mat => "mat",
    };
    let button = move |mode: SizeMode, label: &'static str, title: &'static str| {
        let on = asked.sizes == mode;
        view! {
            <button
                type="button"
                class="seg"
                class:on=on
                aria-pressed=if on { "true" } else { "false" }
                title=title
                on:click=move |_| {
                    if !on {
                        ctx.reopen(OpenSettings { sizes: mode, ..asked });
                    }
                }
            >
                {label}
            </button>
        }
    };
    view! {
        {chooser}
        <span class="sizes-toggle" role="group" aria-label="Object sizes" data-rule=rule title=format!("Sizes in effect: {rule_text}")>
            <span class="muted">"Sizes:"</span>
            {button(SizeMode::Jvm, "JVM", "The JVM's own object sizes, inferred from the dump (what jcmd GC.class_histogram counts): re-analyzes the dump")}
            {button(SizeMode::Mat, "MAT", "Eclipse MAT's size rule, to compare numbers with MAT: re-analyzes the dump")}
            {(asked.sizes != o.summary.size_rule).then(|| view! {
                <span class="size-fallback muted small" title="This dump's object ids are not addresses (an hprof-agent or jhat dump): the JVM's sizes cannot be inferred, so MAT's rule is used">"MAT's rule in effect"</span>
            })}
        </span>
    }
}

/// On an open that failed because the URL asked for a heap dump the file does not hold: open
/// the first one instead.
#[component]
pub fn FirstDumpButton() -> impl IntoView {
    let ctx = use_ctx();
    move || {
        let s = ctx.settings.get();
        s.dump.filter(|&n| n > 1).map(|_| {
            view! {
                <p>
                    <button type="button" class="primary" on:click=move |_| ctx.reopen(OpenSettings { dump: None, ..s })>
                        "Analyze the first heap dump instead"
                    </button>
                </p>
            }
        })
    }
}
