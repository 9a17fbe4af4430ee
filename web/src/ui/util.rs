//! Small shared widgets and formatting: sizes (human, exact on hover), percentages with an
//! inline bar, object links with a copy button, keyboard navigation of table rows.

use heaplens::report::{format_bytes, format_count};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::route::object_href;

pub fn count(n: u64) -> String {
    format_count(n)
}

pub fn human(b: u64) -> String {
    format_bytes(b)
}

pub fn exact(b: u64) -> String {
    format!("{} bytes", format_count(b))
}

/// `12 s`, `3 min 05 s`.
pub fn duration(ms: f64) -> String {
    let s = (ms / 1000.0).max(0.0);
    if s < 10.0 {
        format!("{s:.1} s")
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else {
        let m = (s / 60.0).floor();
        format!("{m:.0} min {:02.0} s", s - m * 60.0)
    }
}

/// A size: human-readable, exact bytes on hover.
#[component]
pub fn Bytes(value: u64) -> impl IntoView {
    view! { <span class="bytes" title=exact(value)>{human(value)}</span> }
}

/// A percentage with an inline bar.
#[component]
pub fn Pct(pct: f64) -> impl IntoView {
    let w = pct.clamp(0.0, 100.0);
    view! {
        <span class="pct" title=format!("{pct:.2}% of the reachable heap")>
            <span class="bar" aria-hidden="true">
                <span class="fill" style=format!("width:{w:.1}%")></span>
            </span>
            <span class="num">{format!("{pct:.1}%")}</span>
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
    let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
    let Ok(Some(row)) = target.closest("tr, .row") else { return };
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
            let el = row.query_selector("a, button").ok().flatten().unwrap_or(row);
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
    let parts = js_sys::Array::of1(&text.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(super::state::js_err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(super::state::js_err)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(super::state::js_err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.set_attribute("hidden", "").ok();
    document.body().ok_or("no body")?.append_child(&a).map_err(super::state::js_err)?;
    a.click();
    a.remove();
    // Revoke later: the download starts asynchronously.
    let url2 = url.clone();
    leptos::prelude::set_timeout(move || {
        let _ = web_sys::Url::revoke_object_url(&url2);
    }, std::time::Duration::from_secs(30));
    Ok(())
}
