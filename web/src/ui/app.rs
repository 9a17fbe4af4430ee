use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::compare::{comparing, CompareInput, CompareView, PairBanner, SideSwitch};
use super::explore::ExplorePage;
use super::find::FindBox;
use super::histogram::{HistogramView, InstancesView};
use super::keep::{KeepBanner, KeptPanel};
use super::object::ObjectView;
use super::others::{LoadersView, WasteView};
use super::overview::{Export, OverviewView, PartialOverview};
use super::process::ProcessMemoryView;
use super::query::QueryView;
use super::route::{current_hash, Route, TABS};
use super::settings::{FirstDumpButton, SettingsBar};
use super::state::{use_ctx, Ctx, DumpState, EngineState, Theme};
use super::suspects::SuspectsView;
use super::threads::ThreadsView;
use super::tree::DominatorTree;
use super::util::*;

/// Root component: header (engine status, theme, file picker), then the landing page, the
/// progress of an analysis, its error, or the loaded dump's views.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx::new();
    provide_context(ctx);
    ctx.start();

    // Routing by URL hash.
    ctx.route.set(Route::parse(&current_hash()));
    let _ = window_event_listener(ev::hashchange, move |_| {
        let hash = current_hash();
        if ctx.auto_hash.get_value().as_deref() == Some(hash.as_str()) {
            ctx.auto_hash.set_value(None);
        } else {
            ctx.navigated.set_value(true);
        }
        ctx.route.set(Route::parse(&hash));
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });

    // Leaving (reload, closing the tab) while a dump is open or being analyzed loses the
    // analysis: the browser asks first.
    let _ = window_event_listener(ev::beforeunload, move |e: web_sys::BeforeUnloadEvent| {
        if matches!(
            ctx.dump.get_untracked(),
            DumpState::Ready(_) | DumpState::Loading { .. }
        ) {
            e.prevent_default();
            e.set_return_value("The analysis of this dump will be lost.");
        }
    });

    // Theme: saved choice, else the system's.
    let saved = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("heaplens-theme").ok().flatten());
    ctx.theme.set(match saved.as_deref() {
        Some("light") => Theme::Light,
        Some("dark") => Theme::Dark,
        _ => Theme::Auto,
    });
    Effect::new(move |_| {
        let t = ctx.theme.get();
        let name = match t {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        };
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Some(root) = doc.document_element() {
                let _ = root.set_attribute("data-theme", name);
            }
        }
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item("heaplens-theme", name);
        }
    });

    // The window title says what the page does, never which dump: a tab title is shown to
    // whoever sees the screen or a screen share, kept in the browser's history and sent to
    // window managers and tab-sync services; a dump's file name often names a host, a customer
    // or an incident (issue 12).
    Effect::new(move |_| {
        let title = match ctx.dump.get() {
            DumpState::Ready(_) => "Analysis — heaplens",
            DumpState::Loading { .. } => "Analyzing… — heaplens",
            _ => "heaplens",
        };
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(title);
        }
    });

    // Drop a dump anywhere on the page.
    let dragging = RwSignal::new(false);
    let _ = window_event_listener(ev::dragover, move |e: web_sys::DragEvent| {
        e.prevent_default();
        dragging.set(true);
    });
    let _ = window_event_listener(ev::dragleave, move |e: web_sys::DragEvent| {
        if e.related_target().is_none() {
            dragging.set(false);
        }
    });
    let _ = window_event_listener(ev::drop, move |e: web_sys::DragEvent| {
        e.prevent_default();
        dragging.set(false);
        if let Some(files) = e.data_transfer().and_then(|d| d.files()) {
            open_files(ctx, &files);
        }
    });

    view! {
        <div class="app" class:dragging=move || dragging.get()>
            <header class="top">
                <a class="brand" href="#/overview"><h1>"heaplens"</h1></a>
                <p class="tagline">"Java heap dump analysis that never leaves your browser"</p>
                <EngineStatus />
                <FindBox />
                <FilePicker />
                <ThemeToggle />
            </header>
            {move || match ctx.dump.get() {
                DumpState::Empty => view! { <Landing /> }.into_any(),
                DumpState::Loading { name, size } => view! { <Loading name size /> }.into_any(),
                DumpState::Failed { name, error } => view! {
                    <main class="landing">
                        <section class="error-card" role="alert">
                            <h2>{format!("Cannot analyze {name}")}</h2>
                            {match error.too_big.clone() {
                                // Too big for a tab: the numbers, and the command that works.
                                Some(t) => view! {
                                    <p class="open-error too-big" data-objects=t.objects data-needed-bytes=t.needed_bytes>
                                        {format!(
                                            "This dump has {} objects and needs ~{} to analyze in a browser tab (its analysis worker can use at most {}). Use the command-line analyzer:",
                                            heaplens::report::format_approx_count(t.objects),
                                            gib(t.needed_bytes),
                                            gib(t.available_bytes),
                                        )}
                                    </p>
                                    <pre class="cli"><code>{format!("heaplens analyze {}", shell_word(&name))}</code></pre>
                                }.into_any(),
                                None => view! { <p class="open-error">{error.message.clone()}</p> }.into_any(),
                            }}
                            {error.offset.filter(|_| !error.not_hprof).map(|o| view! { <p class="muted">{format!("Byte offset: {}", byte_offset(o))}</p> })}
                            <FirstDumpButton />
                        </section>
                        <DropZone />
                    </main>
                }.into_any(),
                DumpState::Ready(o) => {
                    let root_children = o.root_children;
                    let warnings = o.summary.warnings.clone();
                    view! {
                        <DumpBar name=o.file_name.clone() size=o.file_size o=o.clone() />
                        <PairBanner />
                        <KeepBanner />
                        <Tabs />
                        <DumpWarnings warnings />
                        <main class="content">
                            {move || {
                                let o = o.clone();
                                match ctx.route.get() {
                                    Route::Overview => view! { <OverviewView o=o /> }.into_any(),
                                    Route::Suspects => view! { <SuspectsView /> }.into_any(),
                                    Route::Dominators => view! { <DominatorTree root_children /> }.into_any(),
                                    Route::Histogram => view! { <HistogramView /> }.into_any(),
                                    Route::Instances { class, unreachable } => view! { <InstancesView class unreachable /> }.into_any(),
                                    Route::Threads => view! { <ThreadsView /> }.into_any(),
                                    Route::Loaders => view! { <LoadersView /> }.into_any(),
                                    Route::Waste => view! { <WasteView /> }.into_any(),
                                    Route::ProcessMemory => view! { <ProcessMemoryView /> }.into_any(),
                                    Route::Object { id, paths } => view! { <ObjectView id paths_first=paths /> }.into_any(),
                                    Route::Query { text } => view! { <QueryView text /> }.into_any(),
                                    Route::Compare => view! { <CompareView /> }.into_any(),
                                    Route::Explore { view, target, option } => view! { <ExplorePage view target option /> }.into_any(),
                                }
                            }}
                        </main>
                    }.into_any()
                }
            }}
            <div class="drop-overlay" aria-hidden="true"><p>"Drop the heap dump to analyze it here, in your browser"</p></div>
        </div>
    }
}

#[component]
fn Landing() -> impl IntoView {
    view! {
        <main class="landing">
            <DropZone />
            <section class="about">
                <h2>"What you get"</h2>
                <ul>
                    <li>"Leak suspects with the path from a GC root and a plain explanation"</li>
                    <li>"Dominator tree and retained sizes, as Eclipse MAT computes them"</li>
                    <li>"Class histogram, threads and their stacks, class loaders, duplicate strings"</li>
                </ul>
                <p class="muted">
                    "Private by construction: the page loads only its own files and its security policy forbids connections elsewhere. "
                    "The dump is read by a Web Worker on this computer; it works offline once loaded."
                </p>
            </section>
            <KeptPanel />
        </main>
    }
}

#[component]
fn DropZone() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section class="drop-zone" aria-label="Heap dump drop zone">
            <p class="drop-title">"Drop an .hprof heap dump here"</p>
            <p class="drop-hint">"The file is read locally by this page. Nothing is uploaded. Two dumps of one application at once: what grew between them."</p>
            <p class="drop-actions">
                <ChooseFile class="button primary" label="Choose a file…" />
                <button class="sample" type="button" on:click=move |_| ctx.open_sample()>"Try a sample dump"</button>
            </p>
            <p class="muted small">".hprof or .hprof.gz, as written by jcmd GC.heap_dump, jmap or -XX:+HeapDumpOnOutOfMemoryError"</p>
        </section>
    }
}

/// One dump: analyze it; two: analyze both and compare them (the older is the baseline);
/// more: the first two are compared.
fn open_files(ctx: Ctx, files: &web_sys::FileList) {
    match (files.get(0), files.get(1)) {
        (Some(a), Some(b)) => ctx.compare_files(a, b),
        (Some(a), None) => ctx.open(a.name(), a.into()),
        _ => {}
    }
}

/// A button that opens the file chooser of the hidden input: a real button, so Tab reaches it
/// and its focus ring shows (a `<label>` for a hidden input is skipped by Tab).
#[component]
fn ChooseFile(class: &'static str, label: &'static str) -> impl IntoView {
    let choose = move |_| {
        if let Some(input) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("file-input"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.click();
        }
    };
    view! { <button type="button" class=class on:click=choose>{label}</button> }
}

/// The (visually hidden) file inputs, always present: "Choose a file…" labels point at the
/// first (one dump, or two to compare), "Compare with another dump…" at the second.
#[component]
fn FilePicker() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <input
            id="file-input"
            class="file-input"
            type="file"
            multiple=true
            tabindex="-1"
            accept=".hprof,.gz,.hprof.gz,.bin,application/octet-stream"
            aria-label="Open a heap dump, or two to compare"
            on:change=move |ev| {
                let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
                if let Some(files) = input.files() {
                    open_files(ctx, &files);
                }
                // Choosing the same file again must fire `change` again.
                input.set_value("");
            }
        />
        <CompareInput />
    }
}

#[component]
fn Loading(name: String, size: u64) -> impl IntoView {
    let ctx = use_ctx();
    // A local clock: the elapsed time moves even while the worker is in a phase that reports
    // no progress (the dominator tree of a huge dump).
    let started = super::state::now_ms();
    let now = RwSignal::new(started);
    if let Ok(h) = set_interval_with_handle(
        move || now.set(super::state::now_ms()),
        std::time::Duration::from_millis(250),
    ) {
        on_cleanup(move || h.clear());
    }
    let phases = [
        (crate::protocol::Phase::Indexing, "Indexing"),
        (crate::protocol::Phase::Linking, "Linking"),
        (crate::protocol::Phase::Dominators, "Dominators"),
        (crate::protocol::Phase::Analyses, "Analyses"),
    ];
    view! {
        <main class="landing">
            <section class="loading card" aria-live="polite" aria-busy="true">
                <h2>"Analyzing "<span class="file-name">{name}</span></h2>
                {(size > 0).then(|| view! { <p class="muted"><Bytes value=size />" · read twice, in slices, by a Web Worker"</p> })}
                <ol class="phases">
                    {phases.into_iter().map(|(ph, label)| {
                        let state = move || match ctx.progress.get() {
                            None => "todo",
                            Some(p) if p.phase == ph => "now",
                            Some(p) if (p.phase as u8) > (ph as u8) => "done",
                            _ => "todo",
                        };
                        view! { <li data-state=state>{label}</li> }
                    }).collect_view()}
                </ol>
                <progress max="100" value=move || ctx.progress.get().map(|p| p.percent).unwrap_or(0.0)></progress>
                <p class="progress-text">
                    {move || match ctx.progress.get() {
                        None => format!("Starting the analysis engine… · {} elapsed", duration(now.get() - started)),
                        Some(p) => {
                            let mut s = format!("{} · {}", if p.detail.is_empty() { p.phase.label().to_string() } else { format!("{}: {}", p.phase.label(), p.detail) }, pct_whole(p.percent));
                            let size = p.bytes_total / 2;
                            match p.phase {
                                crate::protocol::Phase::Indexing if size > 0 => {
                                    s += &format!(" · pass 1: {} of {}", human(p.bytes_done.min(size)), human(size));
                                }
                                crate::protocol::Phase::Linking if size > 0 => {
                                    s += &format!(" · pass 2: {} of {}", human(p.bytes_done.saturating_sub(size).min(size)), human(size));
                                }
                                _ => {}
                            }
                            s += &format!(" · {} elapsed", duration(now.get() - started));
                            if let Some(eta) = p.eta_ms {
                                s += &format!(" · about {} left", duration(eta));
                            }
                            s
                        }
                    }}
                </p>
                {move || ctx.pair.with(|p| p.as_ref().is_some_and(|p| p.sides.is_none())).then(|| view! {
                    <p class="muted pair-note">"Two dumps: each is analyzed in its own worker, one after the other, then they are compared."</p>
                })}
                <button type="button" class="cancel" on:click=move |_| ctx.cancel()>"Cancel"</button>
            </section>
            {move || ctx.partial.get().map(|p| view! { <PartialOverview p /> })}
        </main>
    }
}

/// `name` as one shell word (quoted when it needs to be).
fn shell_word(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/+:@%".contains(c))
    {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

#[component]
fn DumpBar(name: String, size: u64, o: std::sync::Arc<crate::protocol::Overview>) -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <div class="dumpbar">
            <span class="file-name" title=name.clone()>{name.clone()}</span>
            <span class="muted"><Bytes value=size /></span>
            <span class="busy" aria-live="polite">
                {move || (ctx.inflight.get() > 0).then(|| {
                    let what = ctx.progress.get().filter(|p| !p.detail.is_empty()).map(|p| format!("Computing {}…", p.detail)).unwrap_or_else(|| "Working…".into());
                    view! { <span class="spinner" aria-hidden="true"></span>{what} }
                })}
            </span>
            <SideSwitch />
            <span class="spacer"></span>
            <label class="button secondary" for="compare-input">"Compare with another dump…"</label>
            <SettingsBar o />
            <ChooseFile class="button secondary" label="Open another dump" />
            <details class="export-menu">
                <summary class="button secondary">"Export"</summary>
                <div class="menu"><Export /></div>
            </details>
        </div>
    }
}

#[component]
fn Tabs() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <nav class="tabs" aria-label="Views">
            {move || comparing(ctx).then(|| {
                let current = move || ctx.route.with(|r| *r == Route::Compare);
                view! {
                    <a href=Route::Compare.to_hash() class="tab compare-tab" class:current=current aria-current=move || current().then_some("page")>"Comparison"</a>
                }
            })}
            {TABS.iter().map(|(route, label)| {
                let r = route.clone();
                let href = route.to_hash();
                let current = move || ctx.route.with(|cur| cur.tab().as_ref() == Some(&r));
                let count = match route {
                    Route::Suspects => Some(move || match ctx.suspects.get() {
                        Some(Ok(s)) => Some(s.suspects.len()),
                        _ => None,
                    }),
                    _ => None,
                };
                view! {
                    <a href=href class="tab" class:current=current.clone() aria-current=move || current().then_some("page")>
                        {*label}
                        {count.map(|c| move || c().filter(|n| *n > 0).map(|n| view! { <span class="tab-count">{n}</span> }))}
                    </a>
                }
            }).collect_view()}
        </nav>
    }
}

#[component]
fn ThemeToggle() -> impl IntoView {
    let ctx = use_ctx();
    let label = move || match ctx.theme.get() {
        Theme::Auto => "◐ Auto",
        Theme::Light => "☀ Light",
        Theme::Dark => "☾ Dark",
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            title="Color theme: automatic (system), light or dark"
            on:click=move |_| ctx.theme.update(|t| *t = match t {
                Theme::Auto => Theme::Light,
                Theme::Light => Theme::Dark,
                Theme::Dark => Theme::Auto,
            })
        >
            {label}
        </button>
    }
}

#[component]
fn EngineStatus() -> impl IntoView {
    let ctx = use_ctx();
    move || match ctx.engine_state.get() {
        EngineState::Starting => view! {
            <p class="engine-status" data-state="starting">"Starting analysis engine…"</p>
        }
        .into_any(),
        EngineState::Ready {
            version,
            round_trip_ms,
        } => {
            let detail = match round_trip_ms {
                Some(ms) => format!("v{version}, round trip {ms:.1} ms"),
                None => format!("v{version}"),
            };
            let pinged = if round_trip_ms.is_some() {
                "ok"
            } else {
                "pending"
            };
            view! {
                <p class="engine-status" data-state="ready" data-ping=pinged>
                    "Analysis engine ready"
                    <span class="engine-detail">{detail}</span>
                </p>
            }
            .into_any()
        }
        EngineState::Failed(message) => view! {
            <p class="engine-status" data-state="failed" role="alert">
                "Analysis engine failed: " {message}
            </p>
        }
        .into_any(),
    }
}
