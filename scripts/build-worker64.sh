#!/usr/bin/env bash
# Builds the memory64 analysis worker (docs/scaling.md): the same worker bin as Trunk's wasm32
# one, compiled for `wasm64-unknown-unknown` (a 64-bit memory: up to 16 GiB in Chromium and
# Firefox, where a wasm32 memory stops at 4 GiB), for the dumps that do not fit wasm32.
#
#   scripts/build-worker64.sh OUT_DIR     writes OUT_DIR/worker64.js and OUT_DIR/worker64_bg.wasm
#
# Called by scripts/post-build.sh (Trunk's post_build hook) for every Trunk build. wasm64 has no
# prebuilt std: the pinned nightly ($NIGHTLY in scripts/lib.sh, installed with rust-src by
# scripts/setup.sh) builds it (-Zbuild-std). Its own target directory (target/wasm64) keeps
# the nightly's artifacts apart from the stable toolchain's. Only the worker is built: the UI
# stays wasm32 (Leptos is a wasm32-only dependency of heaplens-web).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 1 ]] || die "usage: scripts/build-worker64.sh OUT_DIR"
out="$(mkdir -p "$1" && cd "$1" && pwd)"
rustup component list --toolchain "$NIGHTLY" --installed 2>/dev/null | grep -q "^rust-src" ||
  die "the memory64 worker needs $NIGHTLY with rust-src: run scripts/setup.sh"

target_dir="$ROOT/target/wasm64"
# --offline: scripts/setup.sh fetched the crates, std's included (as Trunk builds offline).
# The release profile is the workspace's (as Trunk's wasm32 build); `panic_abort` as wasm32's.
cargo "+$NIGHTLY" build --offline --release --quiet \
  -Zbuild-std=std,panic_abort \
  --target wasm64-unknown-unknown \
  --target-dir "$target_dir" \
  -p heaplens-web --bin worker
wasm="$target_dir/wasm64-unknown-unknown/release/worker.wasm"

# The glue as Trunk makes the wasm32 worker's ("no-modules": web/worker_loader.js imports it).
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target no-modules --no-typescript --out-dir "$tmp" --out-name worker64 "$wasm"
# -O2 as the wasm32 worker (index.html's data-wasm-opt); binaryen reads the features
# (memory64 included) from the module's target_features section.
wasm-opt -O2 "$tmp/worker64_bg.wasm" -o "$out/worker64_bg.wasm"
cp "$tmp/worker64.js" "$out/worker64.js"
