#!/usr/bin/env bash
# Profiles the page's analysis worker on one dump, phase by phase, with `perf` (issue 17: "profile
# ... Chromium's profiler for the worker"): V8 writes a perf map naming its JIT and wasm code
# (--perf-basic-prof), and the worker's wasm keeps its function names.
#
#   scripts/profile-page.sh DUMP [OUT_DIR]     (default OUT_DIR: target/bench/profile)
#
# 1. the release worker as Trunk builds it (cargo, wasm-bindgen no-modules, wasm-opt -O2), but
#    with `--debuginfo` so that wasm-opt keeps the name section, into a copy of dist/
#    (target/profile-dist; dist/ must exist: `trunk build --release` or scripts/test.sh);
# 2. node bench/profile.mjs: perf record -a while the page analyzes DUMP, one perf file per
#    loading-screen phase, then a flat profile of the worker's thread per phase
#    (OUT_DIR/profile.md). Needs root or kernel.perf_event_paranoid <= 0 (system-wide perf), and
#    perf (Debian's linux-perf); software clock sampling where the VM has no hardware counters.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 1 && -f "$1" ]] || die "usage: scripts/profile-page.sh DUMP [OUT_DIR]"
dump="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="${2:-$ROOT/target/bench/profile}"
command -v perf >/dev/null || die "perf is not installed (Debian: apt-get install linux-perf)"
[[ -f dist/index.html ]] || die "no dist/: run trunk build --release first"

log "worker with function names"
cargo build --offline --release --quiet --target wasm32-unknown-unknown -p heaplens-web --bin worker
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" --out-name worker \
  target/wasm32-unknown-unknown/release/worker.wasm
wasm-opt -O2 --debuginfo "$tmp/worker_bg.wasm" -o "$tmp/worker_named.wasm"
rm -rf target/profile-dist
cp -r dist target/profile-dist
cp "$tmp/worker.js" target/profile-dist/worker.js
cp "$tmp/worker_named.wasm" target/profile-dist/worker_bg.wasm

log "profile of $(basename "$dump")"
HEAPLENS_DIST="$ROOT/target/profile-dist" node bench/profile.mjs --out "$out" "$dump"
