//! "Keep this analysis on this computer" (issue 18): what a kept analysis is called and what
//! its manifest says. The page names a dump by a fingerprint ([`fingerprint_prefix`] + the
//! SHA-256 of its first and last [`FINGERPRINT_EDGE`] bytes, taken in the page); the worker
//! writes the analysis (a sealed snapshot, `heaplens::graph::write_sealed`) and this manifest
//! into the browser's Origin Private File System, under [`KEPT_DIR`], as `<key>.snap` and
//! `<key>.json`. Nothing is written unless the user asks ([`crate::protocol::req::Keep`]).

use serde::{Deserialize, Serialize};

use super::OpenSettings;

/// The directory of the Origin Private File System that holds every kept analysis.
pub const KEPT_DIR: &str = "heaplens-kept";

/// Bytes hashed at each end of a dump for its fingerprint.
pub const FINGERPRINT_EDGE: u64 = 1 << 20;

/// A kept analysis' key: 32 lowercase hex digits (128 bits of the fingerprint's SHA-256).
pub fn valid_key(key: &str) -> bool {
    key.len() == 32
        && key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What the page hashes before the dump's first and last [`FINGERPRINT_EDGE`] bytes (the whole
/// file if it is at most twice that): the size and the settings that change the analysis, so
/// the same file analyzed with MAT's sizes or as its second heap dump is another entry.
pub fn fingerprint_prefix(size: u64, settings: &OpenSettings) -> String {
    let settings = serde_json::to_string(settings).unwrap_or_default();
    format!(
        "heaplens kept analysis 1\nsize {size}\nsettings {settings}\nedges {FINGERPRINT_EDGE}\n"
    )
}

/// The byte ranges of a dump of `size` bytes that its fingerprint hashes, in order.
pub fn fingerprint_ranges(size: u64) -> Vec<(u64, u64)> {
    if size <= 2 * FINGERPRINT_EDGE {
        vec![(0, size)]
    } else {
        vec![(0, FINGERPRINT_EDGE), (size - FINGERPRINT_EDGE, size)]
    }
}

/// [`crate::protocol::req::Keep`]: keep the open dump's analysis under `key`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeepParams {
    pub key: String,
}

/// [`crate::protocol::req::OpenKept`]: open the dump posted next to it from the analysis kept
/// under `key`; `name` is the file's name now (it may have been renamed since).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenKeptParams {
    pub key: String,
    pub name: String,
}

/// `<key>.json` next to a kept analysis: what the list of kept analyses shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptManifest {
    pub key: String,
    /// The snapshot format (`heaplens::graph::SNAPSHOT_FORMAT`): another one is stale.
    pub format: u32,
    /// The heaplens version that kept it.
    pub version: String,
    /// The dump's file name and size when it was analyzed.
    pub name: String,
    pub size: u64,
    #[serde(default)]
    pub settings: OpenSettings,
    /// When it was kept (ms since the Unix epoch).
    pub kept_ms: f64,
    pub objects: u64,
    /// Size of `<key>.snap` (the sealed snapshot).
    pub snapshot_bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_lowercase_hex_digits() {
        assert!(valid_key("0123456789abcdef0123456789abcdef"));
        assert!(!valid_key("0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_key("../../etc/passwd0123456789abcdef"));
        assert!(!valid_key("0123456789abcdef"));
    }

    #[test]
    fn the_fingerprint_names_size_settings_and_ends() {
        let default = fingerprint_prefix(10, &OpenSettings::default());
        let mat = fingerprint_prefix(
            10,
            &OpenSettings {
                sizes: heaplens::graph::SizeMode::Mat,
                ..OpenSettings::default()
            },
        );
        assert_ne!(default, mat);
        assert_ne!(default, fingerprint_prefix(11, &OpenSettings::default()));
        assert_eq!(fingerprint_ranges(100), vec![(0, 100)]);
        assert_eq!(fingerprint_ranges(2 << 20), vec![(0, 2 << 20)]);
        let big = 5 << 20;
        assert_eq!(
            fingerprint_ranges(big),
            vec![(0, 1 << 20), (big - (1 << 20), big)]
        );
    }
}
