//! Browser APIs called by name (wasm32 only), for both rooms: a method call, a promise awaited,
//! a plain options object, an exception's text. Used where a few calls (the Origin Private File
//! System, `crypto.subtle`) do not warrant web-sys features and a rebuild of every crate that
//! depends on web-sys. Neither room's code: the rooms still never import each other.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// An exception's `name: message` (a `DOMException` is not a `js_sys::Error` everywhere).
pub fn message(e: &JsValue) -> String {
    if let Some(e) = e.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(e.name()), String::from(e.message()));
    }
    let field = |k: &str| {
        js_sys::Reflect::get(e, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_string())
    };
    match (field("name"), field("message")) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        _ => format!("{e:?}"),
    }
}

/// The exception's `name` (`"NotFoundError"`), if it has one.
pub fn error_name(e: &str) -> &str {
    e.split(':').next().unwrap_or("")
}

pub fn get(o: &JsValue, key: &str) -> Result<JsValue, String> {
    js_sys::Reflect::get(o, &JsValue::from_str(key)).map_err(|e| message(&e))
}

/// `o[method](...args)`.
pub fn call(o: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, String> {
    let f: js_sys::Function = get(o, method)?
        .dyn_into()
        .map_err(|_| format!("{method} is not available in this browser"))?;
    let list = js_sys::Array::new();
    for a in args {
        list.push(a);
    }
    f.apply(o, &list).map_err(|e| message(&e))
}

/// Awaits a promise (or a plain value).
pub async fn wait(p: JsValue) -> Result<JsValue, String> {
    JsFuture::from(js_sys::Promise::resolve(&p))
        .await
        .map_err(|e| message(&e))
}

/// `{ k: v, ... }`.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// A `blob:` URL of `text` typed `mime` (a worker's script, a download).
pub fn blob_url(text: &str, mime: &str) -> Result<String, JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)?;
    web_sys::Url::create_object_url_with_blob(&blob)
}
