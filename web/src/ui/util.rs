//! Small shared widgets and formatting: sizes (human, exact on hover), percentages with an
//! inline bar, object links with a copy button, keyboard navigation of table rows.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

pub use super::format::*;
pub use super::paged::*;
use super::route::object_href;

/// A size: human-readable, exact bytes on hover.
#[component]
pub fn Bytes(value: u64) -> impl IntoView {
    view! { <span class="bytes" title=exact(value)>{human(value)}</span> }
}

/// A class name that keeps its simple name visible when space is short: the name is cut at
/// its start, in the package part (`…alytics.pipeline.Stage`), by right-to-left overflow around
/// a left-to-right isolate (CSS `.cname`); the full name is the tooltip. One text node: copying
/// or searching finds the whole name.
#[component]
pub fn ClassName(#[prop(into)] name: String) -> impl IntoView {
    let title = name.clone();
    view! {
        <span class="cname" title=title><bdi>{name}</bdi></span>
    }
}

/// A percentage with an inline bar.
#[component]
pub fn Pct(pct: f64) -> impl IntoView {
    let w = pct.clamp(0.0, 100.0);
    view! {
        <span class="pct" title=format!("{} of the reachable heap", pct_precise(pct))>
            <span class="bar" aria-hidden="true">
                <span class="fill" style=format!("width:{w:.1}%")></span>
            </span>
            <span class="num">{pct_text(pct)}</span>
        </span>
    }
}

/// An object id: monospace, selectable as a whole, with a copy button.
#[component]
pub fn ObjId(id: String) -> impl IntoView {
    let copy_id = id.clone();
    let copied = RwSignal::new(false);
    view! {
        <span class="oid">
            <code>{id}</code>
            <button
                type="button"
                class="copy"
                title="Copy the object id"
                aria-label="Copy the object id"
                on:click=move |ev| {
                    ev.stop_propagation();
                    ev.prevent_default();
                    copy_text(&copy_id);
                    copied.set(true);
                }
            >
                {move || if copied.get() {
                    view! { <span class="copied">"✓"</span> }.into_any()
                } else {
                    view! { <span class="copy-icon" aria-hidden="true"></span> }.into_any()
                }}
            </button>
        </span>
    }
}

/// A link to an object's inspector (class name), followed by its id.
#[component]
pub fn ObjLink(id: String, class: String, #[prop(optional)] no_id: bool) -> impl IntoView {
    let href = object_href(&id);
    view! {
        <span class="objlink">
            <a href=href class="cls" title=format!("Inspect {class} {id}")>{class.clone()}</a>
            {(!no_id).then(|| view! { <ObjId id=id.clone() /> })}
        </span>
    }
}

pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Keyboard navigation for tables whose rows are focusable (`tabindex`): ↑/↓ move between
/// rows, Home/End to the ends, Enter activates the row's first link (or the row itself).
pub fn table_keys(ev: KeyboardEvent) {
    let Some(target) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(Some(row)) = target.closest("tr, .row") else {
        return;
    };
    if row != target {
        return; // keys inside inputs and links keep their meaning
    }
    let next = match ev.key().as_str() {
        "ArrowDown" => row.next_element_sibling(),
        "ArrowUp" => row.previous_element_sibling(),
        "Home" => row.parent_element().and_then(|p| p.first_element_child()),
        "End" => row.parent_element().and_then(|p| p.last_element_child()),
        "Enter" | " " => {
            ev.prevent_default();
            let el = row
                .query_selector("a, button")
                .ok()
                .flatten()
                .unwrap_or(row);
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                el.click();
            }
            return;
        }
        _ => return,
    };
    if let Some(el) = next.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = el.focus();
    }
}

/// "Loading…" / error placeholder for a `Result` that has not arrived.
#[component]
pub fn Pending(#[prop(into)] what: String) -> impl IntoView {
    view! { <p class="pending-note" aria-busy="true"><span class="spinner" aria-hidden="true"></span>{format!("Loading {what}…")}</p> }
}

#[component]
pub fn ErrorNote(message: String) -> impl IntoView {
    view! { <p class="error-note" role="alert">{message}</p> }
}

/// Save text as a file (Blob URL + `<a download>`: nothing leaves the browser).
pub fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let url = crate::jsapi::blob_url(text, mime).map_err(super::state::js_err)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(super::state::js_err)?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.set_attribute("hidden", "").ok();
    document
        .body()
        .ok_or("no body")?
        .append_child(&a)
        .map_err(super::state::js_err)?;
    a.click();
    a.remove();
    // Revoke later: the download starts asynchronously.
    let url2 = url.clone();
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url2);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}

// ---- long lists: pages fetched as they scroll into view, only the rows on screen rendered ----

/// Keyboard navigation of a virtualized table (rows are focusable `tr`s with `data-index`):
/// ↑ ↓ PgUp PgDn Home End move the focus, scrolling rows that are not rendered yet into view
/// (`focus_req` asks the view to focus a row once it is drawn, see [`focus_pending`]); Enter
/// and Space activate the row's first link or button. `row_h`: height of a row in px.
pub fn virtual_keys(
    ev: KeyboardEvent,
    len: usize,
    row_h: f64,
    scroller: Option<web_sys::HtmlElement>,
    focus_req: RwSignal<Option<usize>>,
) {
    let Some(target) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(Some(row)) = target.closest("tr[data-index]") else {
        return;
    };
    if row != target {
        return; // keys inside inputs and links keep their meaning
    }
    let key = ev.key();
    if key == "Enter" || key == " " {
        ev.prevent_default();
        let el = row
            .query_selector("a, button")
            .ok()
            .flatten()
            .unwrap_or(row);
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            el.click();
        }
        return;
    }
    let Some(scroller) = scroller else { return };
    let cur: usize = row
        .get_attribute("data-index")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let page = (scroller.client_height() as f64 / row_h) as usize;
    let Some(next) = nav_target(&key, cur, len, page.saturating_sub(1)) else {
        return;
    };
    ev.prevent_default();
    if let Ok(Some(el)) =
        scroller.query_selector(&format!("tr[data-index=\"{next}\"]:not(.pending)"))
    {
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
            return;
        }
    }
    // Not drawn yet: scroll there, and focus it once it is.
    let y = next as f64 * row_h;
    if key == "End" {
        scroller.set_scroll_top(scroller.scroll_height());
    } else {
        scroller.set_scroll_top(y as i32);
    }
    focus_req.set(Some(next));
}

/// Focus the row a [`virtual_keys`] jump asked for, once it is drawn (call after every render
/// of the rows).
pub fn focus_pending(scroller: Option<web_sys::HtmlElement>, focus_req: RwSignal<Option<usize>>) {
    let Some(i) = focus_req.get_untracked() else {
        return;
    };
    let Some(scroller) = scroller else { return };
    request_animation_frame(move || {
        // A row whose page has not arrived yet is replaced when it does: focus that one.
        if let Ok(Some(el)) =
            scroller.query_selector(&format!("tr[data-index=\"{i}\"]:not(.pending)"))
        {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
                if focus_req.get_untracked() == Some(i) {
                    focus_req.set(None);
                }
            }
        }
    });
}

/// Height of the first rendered row of a virtualized table (`tr.vrow`), if drawn: the row
/// height in px, measured (it follows the font size).
pub fn measured_row_height(scroller: &web_sys::HtmlElement) -> Option<f64> {
    let el = scroller.query_selector("tbody tr.vrow").ok().flatten()?;
    let h = el.get_bounding_client_rect().height();
    (h > 4.0).then_some(h)
}

/// Height of a virtualized table's sticky header row in px (approximate: it only shifts the
/// "12–34 of 5,000" count by a row).
pub const THEAD_H: f64 = 34.0;

/// `12–34 of 5,000`: the rows of a virtualized table in view.
pub fn visible_range(len: usize, top: f64, viewport_h: f64, row_h: f64) -> String {
    if len == 0 {
        return String::new();
    }
    let first = ((top / row_h) as usize + 1).min(len);
    let last = (((top + viewport_h - THEAD_H) / row_h).ceil() as usize).clamp(first, len);
    format!(
        "{}–{} of {}",
        count(first as u64),
        count(last as u64),
        count(len as u64)
    )
}

/// Whether the dump's warnings say it is incomplete (cut short or unfinished): then no view
/// may report the heap as healthy.
pub fn is_incomplete(warnings: &[String]) -> bool {
    warnings
        .iter()
        .any(|w| heaplens::analysis::is_incomplete_warning(w))
}

/// The "no leak suspect" outcome for an analyzed dump: `(healthy, text)`. An incomplete dump
/// is never healthy.
pub fn no_suspect_note(o: &crate::protocol::Overview) -> (bool, String) {
    let incomplete = is_incomplete(&o.summary.warnings);
    let text = heaplens::analysis::no_suspect_text(
        incomplete,
        o.top_dominators
            .first()
            .map(|r| (r.class.as_str(), r.retained)),
        o.summary.heap_reachable,
    );
    (!incomplete, text)
}

/// The dump's warnings, on every view (the page opens on the leak suspects, not on the
/// overview): an incomplete dump says first that every number covers only what was read.
#[component]
pub fn DumpWarnings(warnings: Vec<String>) -> impl IntoView {
    let incomplete = is_incomplete(&warnings);
    (!warnings.is_empty()).then(|| {
        view! {
            <div class="warnings dump-warnings" role="status">
                {incomplete.then(|| view! {
                    <p class="incomplete-note">
                        <strong>"Incomplete dump: "</strong>
                        "every view covers only the part of the file that could be read, so none can tell whether the heap is healthy."
                    </p>
                })}
                {warnings.into_iter().map(|w| view! { <p class="warning">"⚠ "{w}</p> }).collect_view()}
            </div>
        }
    })
}
