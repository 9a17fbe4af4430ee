//! The Origin Private File System side of "keep this analysis on this computer" (wasm32 only;
//! issue 18). The worker that holds an analysis writes it, when the page asks
//! ([`crate::protocol::req::Keep`]), as a sealed snapshot streamed straight from its structures
//! (`Service::write_kept`, 1 MiB pieces: no second copy of the snapshot in memory) through a
//! `FileSystemSyncAccessHandle` (workers only; Chromium and Firefox), then its manifest; and
//! reads one back ([`crate::protocol::req::OpenKept`]) through the same kind of handle, checked
//! by its seal before anything is used. The storage quota is checked before writing
//! (`navigator.storage.estimate()`): an analysis that would not fit is not written.
//!
//! The browser APIs are called by name ([`crate::jsapi`]). Files: `<KEPT_DIR>/<key>.snap` and
//! `<key>.json` (`protocol::kept`); the page lists and deletes them.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::host::{DumpSource, Host};
use super::service::Service;
use crate::jsapi::{call, get, object, wait};
use crate::protocol::kept::{valid_key, KEPT_DIR};
use crate::protocol::{KeepParams, KeptManifest, OpenKeptParams, OpenOutcome};

/// Room left free on top of the snapshot when checking the quota (the manifest, metadata).
const QUOTA_MARGIN: u64 = 1 << 20;
/// Bytes read from the kept file per call.
const READ_PIECE: u32 = 1 << 20;

/// `navigator.storage` of this worker, if the browser gives the page storage at all.
fn storage() -> Result<JsValue, String> {
    let storage = get(&get(&js_sys::global(), "navigator")?, "storage")?;
    if storage.is_undefined() || storage.is_null() {
        return Err("this browser gives the page no storage (navigator.storage)".into());
    }
    Ok(storage)
}

/// The directory of kept analyses (created if `create`).
async fn kept_dir(create: bool) -> Result<JsValue, String> {
    let root = wait(call(&storage()?, "getDirectory", &[])?).await?;
    let opts = object(&[("create", JsValue::from_bool(create))]);
    wait(call(
        &root,
        "getDirectoryHandle",
        &[&KEPT_DIR.into(), &opts],
    )?)
    .await
}

/// Bytes this page may still store, as the browser estimates them (`None`: no estimate).
async fn free_bytes() -> Option<u64> {
    let estimate = wait(call(&storage().ok()?, "estimate", &[]).ok()?)
        .await
        .ok()?;
    let quota = get(&estimate, "quota").ok()?.as_f64()?;
    let usage = get(&estimate, "usage").ok()?.as_f64().unwrap_or(0.0);
    Some((quota - usage).max(0.0) as u64)
}

/// Writes the open dump's analysis under `params.key`: the quota first, then the sealed
/// snapshot, then the manifest (a manifest means a complete entry). On any failure nothing of
/// the entry is left.
pub async fn keep(
    service: &RefCell<Service>,
    params: KeepParams,
    host: &mut dyn Host,
) -> Result<KeptManifest, String> {
    if !valid_key(&params.key) {
        return Err("keep: not a kept-analysis key".into());
    }
    let (plan, manifest) = service
        .borrow_mut()
        .prepare_keep(params.key, js_sys::Date::now(), host)
        .ok_or("no heap dump is open")?;
    let needed = manifest.snapshot_bytes + QUOTA_MARGIN;
    if let Some(free) = free_bytes().await {
        if needed > free {
            return Err(format!(
                "the analysis needs {} on disk and the browser lets this page store {} more",
                heaplens::report::format_bytes(needed),
                heaplens::report::format_bytes(free)
            ));
        }
    }
    let dir = kept_dir(true).await?;
    let snap = format!("{}.snap", manifest.key);
    let json = format!("{}.json", manifest.key);
    let text = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
    let written = async {
        let n = write_file(&dir, &snap, &mut |sink| {
            service.borrow().write_kept(&plan, sink)
        })
        .await?;
        if n != manifest.snapshot_bytes {
            return Err(format!("wrote {n} of {} bytes", manifest.snapshot_bytes));
        }
        write_file(&dir, &json, &mut |sink| sink(&text)).await
    }
    .await;
    if let Err(e) = written {
        for name in [&json, &snap] {
            if let Ok(p) = call(&dir, "removeEntry", &[&name.into()]) {
                let _ = wait(p).await;
            }
        }
        // The estimate is only an estimate (Chromium enforces an origin's quota override that
        // its estimate does not report): a write refused for space says so plainly.
        return Err(if crate::jsapi::error_name(&e) == "QuotaExceededError" {
            format!("the browser's storage for this page is full ({e}); nothing was kept")
        } else {
            format!("{e}; nothing was kept")
        });
    }
    Ok(manifest)
}

/// What a file is written from: it gives its bytes, in pieces, to the sink it is handed.
type Fill<'a> = dyn FnMut(&mut dyn FnMut(&[u8])) + 'a;

/// Writes what `fill` gives its sink to the file `name` of `dir` (replacing it); answers the
/// bytes written.
async fn write_file(dir: &JsValue, name: &str, fill: &mut Fill<'_>) -> Result<u64, String> {
    let opts = object(&[("create", JsValue::TRUE)]);
    let file = wait(call(dir, "getFileHandle", &[&name.into(), &opts])?).await?;
    let handle = wait(call(&file, "createSyncAccessHandle", &[])?).await?;
    let result = (|| {
        call(&handle, "truncate", &[&JsValue::from_f64(0.0)])?;
        let mut at = 0u64;
        let mut failed: Option<String> = None;
        fill(&mut |piece: &[u8]| {
            if failed.is_some() || piece.is_empty() {
                return;
            }
            let bytes = js_sys::Uint8Array::from(piece);
            let opts = object(&[("at", JsValue::from_f64(at as f64))]);
            match call(&handle, "write", &[&bytes, &opts]) {
                Ok(n) if n.as_f64() == Some(piece.len() as f64) => at += piece.len() as u64,
                Ok(n) => failed = Some(format!("the disk took {n:?} of {} bytes", piece.len())),
                Err(e) => failed = Some(e),
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        call(&handle, "flush", &[])?;
        Ok(at)
    })();
    let _ = call(&handle, "close", &[]);
    result
}

/// Opens the analysis kept under `params.key` into `service` (no parsing). A missing, stale
/// or damaged entry is an error: the page deletes it and analyzes the dump.
pub async fn open_kept(
    service: &RefCell<Service>,
    params: OpenKeptParams,
    host: &mut dyn Host,
) -> Result<OpenOutcome, String> {
    if !valid_key(&params.key) {
        return Err("open-kept: not a kept-analysis key".into());
    }
    let dir = kept_dir(false).await?;
    let name = format!("{}.snap", params.key);
    let file = wait(call(&dir, "getFileHandle", &[&name.into()])?).await?;
    let handle = wait(call(&file, "createSyncAccessHandle", &[])?).await?;
    let result = match call(&handle, "getSize", &[]) {
        Ok(size) => {
            let mut source = KeptFile {
                handle: handle.clone(),
                size: size.as_f64().unwrap_or(0.0) as u64,
                scratch: js_sys::Uint8Array::new_with_length(READ_PIECE),
            };
            service
                .borrow_mut()
                .restore_kept(&mut source, params.name, host)
        }
        Err(e) => Err(e),
    };
    // Closed at once: the page may delete the entry next.
    let _ = call(&handle, "close", &[]);
    result
}

/// A kept file, read by offset through its sync access handle.
struct KeptFile {
    handle: JsValue,
    size: u64,
    scratch: js_sys::Uint8Array,
}

impl DumpSource for KeptFile {
    fn size(&self) -> u64 {
        self.size
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, String> {
        if offset >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let n = (buf.len() as u64)
            .min(READ_PIECE as u64)
            .min(self.size - offset) as u32;
        let view = self.scratch.subarray(0, n);
        let opts = object(&[("at", JsValue::from_f64(offset as f64))]);
        let read = call(&self.handle, "read", &[&view, &opts])?
            .as_f64()
            .unwrap_or(0.0) as u32;
        let read = read.min(n);
        view.subarray(0, read).copy_to(&mut buf[..read as usize]);
        Ok(read as usize)
    }
}
