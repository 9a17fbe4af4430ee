//! Find an object by address: a box in the header, and a `0x…` pasted anywhere on the page
//! (outside text fields) opens that object. An address inside an object opens the object it
//! lies in (MAT's "Find Object by Address"); one that names nothing says so once, in the box.

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::protocol::*;

use super::route::{navigate, Route};
use super::state::{use_ctx, DumpState};

/// `0x` and 1 to 16 hex digits (what a paste must be to be taken as an address).
fn looks_like_address(text: &str) -> bool {
    let t = text.trim();
    t.strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .is_some_and(|h| (1..=16).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The header's find box (while a dump is open), which also listens for pasted addresses.
#[component]
pub fn FindBox() -> impl IntoView {
    let ctx = use_ctx();
    let ready = move || matches!(ctx.dump.get(), DumpState::Ready(_));
    move || ready().then(|| view! { <FindForm /> })
}

#[component]
fn FindForm() -> impl IntoView {
    let ctx = use_ctx();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let find = move |address: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let r = ctx
                .call::<req::FindObject>(FindObjectQuery { address })
                .await;
            busy.set(false);
            match r {
                Ok(o) => {
                    text.set(String::new());
                    navigate(&Route::Object {
                        id: o.object_id,
                        paths: false,
                    });
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // An error is about the last try: gone once the user goes elsewhere.
    Effect::new(move |_| {
        ctx.route.track();
        error.set(None);
    });
    let handle = window_event_listener(ev::paste, move |e: web_sys::ClipboardEvent| {
        let in_field = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || el.is_content_editable()
            });
        if in_field {
            return;
        }
        let Some(pasted) = e.clipboard_data().and_then(|d| d.get_data("text").ok()) else {
            return;
        };
        if looks_like_address(&pasted) {
            e.prevent_default();
            text.set(pasted.trim().to_string());
            find(pasted.trim().to_string());
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <form class="find-box" role="search" on:submit=move |ev| { ev.prevent_default(); find(text.get_untracked()); }>
            <label for="find-address" class="sr-only">"Find an object by address"</label>
            <input
                id="find-address"
                type="search"
                class="mono"
                placeholder="Find 0x…"
                title="An object's address (0x…), typed here or pasted anywhere on the page; an address inside an object opens that object"
                spellcheck="false"
                autocomplete="off"
                prop:value=move || text.get()
                on:input=move |ev| { text.set(event_target_value(&ev)); error.set(None); }
            />
            <button type="submit" class="secondary" disabled=move || busy.get()>"Open"</button>
            {move || error.get().map(|e| view! { <span class="find-error" role="alert">{e}</span> })}
        </form>
    }
}
