//! The page's side of the kept analyses in the Origin Private File System (wasm32 only;
//! issue 18): whether this page may keep anything, the list of what is kept (each manifest and
//! the bytes its files take on disk), deleting one or all, and a dump's fingerprint. Writing
//! and reading the snapshots is the worker's (`worker::keep`, sync access handles).

use wasm_bindgen::prelude::*;

use crate::jsapi::{call, error_name, get, object, wait};
use crate::protocol::kept::{fingerprint_prefix, fingerprint_ranges, KEPT_DIR};
use crate::protocol::{KeptManifest, OpenSettings};

/// One kept analysis as listed: its manifest and the bytes of its two files.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptEntry {
    pub manifest: KeptManifest,
    pub disk_bytes: u64,
}

/// Everything under the kept directory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeptList {
    pub entries: Vec<KeptEntry>,
    /// Files of no complete entry (a write in progress or interrupted): counted, and removed
    /// by "Delete all".
    pub other_bytes: u64,
}

impl KeptList {
    pub fn total_bytes(&self) -> u64 {
        self.entries.iter().map(|e| e.disk_bytes).sum::<u64>() + self.other_bytes
    }
    pub fn get(&self, key: &str) -> Option<&KeptEntry> {
        self.entries.iter().find(|e| e.manifest.key == key)
    }
}

fn storage() -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let storage = get(&get(&window, "navigator")?, "storage")?;
    if storage.is_undefined() || storage.is_null() {
        return Err("this browser gives the page no storage".into());
    }
    Ok(storage)
}

async fn root() -> Result<JsValue, String> {
    wait(call(&storage()?, "getDirectory", &[])?).await
}

/// Whether this page can keep analyses; else why not, in the user's words (a page opened from
/// `file://`, a private window, a browser without the Origin Private File System).
pub async fn availability() -> Result<(), String> {
    let reason = match root().await {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    let file = web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "file:");
    Err(if file {
        "not available when the page is opened from a file (file://): the browser gives such a page no storage of its own".into()
    } else {
        format!("this browser does not let the page store files here (a private window?): {reason}")
    })
}

/// The kept directory, or `None` if nothing was ever kept.
async fn kept_dir() -> Result<Option<JsValue>, String> {
    let opts = object(&[("create", JsValue::FALSE)]);
    match wait(call(
        &root().await?,
        "getDirectoryHandle",
        &[&KEPT_DIR.into(), &opts],
    )?)
    .await
    {
        Ok(dir) => Ok(Some(dir)),
        Err(e) if error_name(&e) == "NotFoundError" => Ok(None),
        Err(e) => Err(e),
    }
}

/// Every kept analysis, newest first.
pub async fn list() -> Result<KeptList, String> {
    let Some(dir) = kept_dir().await? else {
        return Ok(KeptList::default());
    };
    // (name, size, manifest if a readable .json)
    let mut files: Vec<(String, u64, Option<KeptManifest>)> = Vec::new();
    let entries = call(&dir, "entries", &[])?;
    loop {
        let step = wait(call(&entries, "next", &[])?).await?;
        if get(&step, "done")?.is_truthy() {
            break;
        }
        let pair: js_sys::Array = get(&step, "value")?.unchecked_into();
        let name = pair.get(0).as_string().unwrap_or_default();
        let handle = pair.get(1);
        if get(&handle, "kind")?.as_string().as_deref() != Some("file") {
            continue;
        }
        let file = wait(call(&handle, "getFile", &[])?).await?;
        let size = get(&file, "size")?.as_f64().unwrap_or(0.0) as u64;
        let manifest = if name.ends_with(".json") {
            let text = wait(call(&file, "text", &[])?).await?;
            text.as_string()
                .and_then(|t| serde_json::from_str::<KeptManifest>(&t).ok())
                .filter(|m| name == format!("{}.json", m.key))
        } else {
            None
        };
        files.push((name, size, manifest));
    }
    let mut list = KeptList::default();
    let size_of = |name: &str| files.iter().find(|f| f.0 == name).map(|f| f.1);
    for (_, json_size, manifest) in &files {
        let Some(m) = manifest else { continue };
        // A manifest is written after its snapshot: without one it is not an entry.
        let Some(snap) = size_of(&format!("{}.snap", m.key)) else {
            continue;
        };
        list.entries.push(KeptEntry {
            manifest: m.clone(),
            disk_bytes: snap + json_size,
        });
    }
    let listed: u64 = list.entries.iter().map(|e| e.disk_bytes).sum();
    list.other_bytes = files.iter().map(|f| f.1).sum::<u64>() - listed;
    list.entries
        .sort_by(|a, b| b.manifest.kept_ms.total_cmp(&a.manifest.kept_ms));
    Ok(list)
}

/// Deletes the analysis kept under `key` (both files; a missing one is fine).
pub async fn delete(key: &str) -> Result<(), String> {
    let Some(dir) = kept_dir().await? else {
        return Ok(());
    };
    for name in [format!("{key}.json"), format!("{key}.snap")] {
        match wait(call(&dir, "removeEntry", &[&name.into()])?).await {
            Ok(_) => {}
            Err(e) if error_name(&e) == "NotFoundError" => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Deletes every kept analysis: the whole directory.
pub async fn delete_all() -> Result<(), String> {
    let opts = object(&[("recursive", JsValue::TRUE)]);
    match wait(call(
        &root().await?,
        "removeEntry",
        &[&KEPT_DIR.into(), &opts],
    )?)
    .await
    {
        Ok(_) => Ok(()),
        Err(e) if error_name(&e) == "NotFoundError" => Ok(()),
        Err(e) => Err(e),
    }
}

/// The key of a dump opened with `settings`: SHA-256 (`crypto.subtle`) of the
/// [`fingerprint_prefix`] and the file's first and last MiB, first 128 bits in hex.
pub async fn fingerprint(blob: &web_sys::Blob, settings: &OpenSettings) -> Result<String, String> {
    let size = blob.size() as u64;
    let parts = js_sys::Array::new();
    parts.push(&JsValue::from_str(&fingerprint_prefix(size, settings)));
    for (start, end) in fingerprint_ranges(size) {
        let slice = blob
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(|e| crate::jsapi::message(&e))?;
        parts.push(&slice);
    }
    let joined =
        web_sys::Blob::new_with_blob_sequence(&parts).map_err(|e| crate::jsapi::message(&e))?;
    let bytes = wait(joined.array_buffer().into()).await?;
    let window = web_sys::window().ok_or("no window")?;
    let subtle = get(&get(&window, "crypto")?, "subtle")?;
    if subtle.is_undefined() {
        return Err("crypto.subtle is not available on this page".into());
    }
    let digest = wait(call(&subtle, "digest", &[&"SHA-256".into(), &bytes])?).await?;
    let digest = js_sys::Uint8Array::new(&digest).to_vec();
    Ok(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}
