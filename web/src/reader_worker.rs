//! The file reader worker (wasm32 only), between the two rooms: the UI's engine starts one next
//! to each dump it opens ([`start`]) and hands the analysis worker the other end of its
//! `MessagePort`, over which `worker::reader` asks it for the dump's slices, one job per pass.
//! `reader_worker.js` says what it does and why; its messages are documented there.
//!
//! Started by the page rather than by the analysis worker: Firefox ESR 128 now and then never
//! returns from `new Worker` inside a worker that (or whose page) terminated a nested worker
//! before: 4 of 6 runs of a bare page that starts and terminates 40 nested workers in turn
//! hung, at the 3rd to 37th start; none of 3 that reuse one nested worker; the app hung at a
//! dump's second open 1 time in 12 when the analysis worker started its reader itself.

use wasm_bindgen::prelude::*;
use web_sys::{MessageChannel, MessagePort, Worker, WorkerOptions};

/// The reader's script.
const READER_JS: &str = include_str!("reader_worker.js");

thread_local! {
    /// The script's `blob:` URL, made once per page (a few KiB, kept for the next dump).
    static SCRIPT_URL: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn script_url() -> Result<String, JsValue> {
    if let Some(url) = SCRIPT_URL.with(|u| u.borrow().clone()) {
        return Ok(url);
    }
    let url = crate::jsapi::blob_url(READER_JS, "text/javascript")?;
    SCRIPT_URL.with(|u| *u.borrow_mut() = Some(url.clone()));
    Ok(url)
}

/// Starts a reader; returns it and the port to hand to the analysis worker (transferred).
pub fn start() -> Result<(Worker, MessagePort), JsValue> {
    let options = WorkerOptions::new();
    options.set_name("heaplens file reader");
    let worker = Worker::new_with_options(&script_url()?, &options)?;
    let channel = MessageChannel::new()?;
    let theirs = channel.port2();
    if let Err(e) = worker.post_message_with_transfer(&theirs, &js_sys::Array::of1(&theirs)) {
        worker.terminate();
        return Err(e);
    }
    Ok((worker, channel.port1()))
}
