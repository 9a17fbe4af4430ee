#!/usr/bin/env bash
# Trunk post_build hook (Trunk.toml), in Trunk's staging dir (TRUNK_STAGING_DIR), in this order:
# Trunk starts all hooks of a stage at once, so the steps that depend on each other are one hook.
#   0. build-worker64.sh: the memory64 worker (worker64.js, worker64_bg.wasm) beside Trunk's;
#   1. csp-hash.py: allow Trunk's inline loader script by hash in index.html's CSP;
#   2. offline-html.py: heaplens-offline.html (the app in one file, for file://) and SHA256SUMS;
#   3. sw-assets.py: the service worker's list of the app's files (after 2: it leaves those out).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/build-worker64.sh" "${TRUNK_STAGING_DIR:?run by Trunk (Trunk.toml hook)}"
python3 "$here/csp-hash.py"
python3 "$here/offline-html.py"
python3 "$here/sw-assets.py"
