#!/usr/bin/env bash
# Install everything heaplens needs to build and test, skipping what is already there at the
# right version. Safe to run again and again (scripts/serve.sh and scripts/test.sh always do).
#
# Assumes the base machine has: rustup + cargo, Python 3, Node >= 20 with npm, Debian apt.
# Cold, on 2 cores, the two `cargo install`s dominate (~14 min trunk, ~12 min wasm-bindgen-cli).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- base tools we do not install --------------------------------------------------------
for tool in cargo rustup python3 node npm; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "Node >= 20 is required (found $(node --version))"

# --- Rust: wasm target, crates -------------------------------------------------------------
phase "rust: wasm32 target"
# Format and lint checks (scripts/test.sh) need these components.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    rustup component add "$component"
  fi
done
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# The memory64 worker (dumps beyond a wasm32 memory's 4 GiB; docs/scaling.md) is built by
# scripts/build-worker64.sh with a pinned, dated nightly: `wasm64-unknown-unknown` has no
# prebuilt std, so it needs `rust-src` and `-Zbuild-std`. Bump the date deliberately (and
# check the page's tests), never follow `nightly`.
phase "rust: $NIGHTLY (rust-src) for the memory64 worker"
if ! rustup component list --toolchain "$NIGHTLY" --installed 2>/dev/null | grep -q "^rust-src"; then
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src
fi
# std's own dependencies (library/Cargo.lock), so that the build can run offline.
cargo "+$NIGHTLY" fetch --quiet \
  --manifest-path "$(rustc "+$NIGHTLY" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"

# Trunk builds with `cargo --offline` (Trunk.toml offline = true), so every crate must be
# downloaded beforehand. This also creates Cargo.lock if missing, which the next step reads.
phase "rust: cargo fetch"
cargo fetch --quiet

# Dev tools need no link-time optimization: trunk's own release profile asks for fat LTO with
# one codegen unit: its final crate alone took ~10 min to build here (2 busy cores).
# These env overrides (honoured by `cargo install`) trade a slightly slower tool for that time.
# (Only for the installs: they must not leak into the project's own release builds.)
fast_install() { CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"; }

phase "rust: trunk $TRUNK_VERSION"
if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]]; then
  fast_install trunk --version "$TRUNK_VERSION" --locked
fi

# The wasm-bindgen CLI (and its test runner) must be exactly the library's version.
WBG_VERSION="$(wasm_bindgen_version)"
[[ -n "$WBG_VERSION" ]] || die "no wasm-bindgen in Cargo.lock"
grep -qx "wasm_bindgen = \"$WBG_VERSION\"" Trunk.toml ||
  die "Trunk.toml [tools] wasm_bindgen must be \"$WBG_VERSION\" (the version in Cargo.lock)"
phase "rust: wasm-bindgen-cli $WBG_VERSION"
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WBG_VERSION" ||
  "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" != *" $WBG_VERSION"* ]]; then
  # Not --locked: the crate's published lockfile does not build with current rustc.
  fast_install wasm-bindgen-cli --version "$WBG_VERSION"
fi

# --- Debian packages: Chromium + its WebDriver (tests), Firefox ESR (the Firefox smoke test,
# tests/browser/firefox.test.mjs), Java (makes test heap dumps) ------------------------------
phase "apt: chromium, chromium-driver, firefox-esr, java"
apt_pkgs=()
[[ -x /usr/bin/chromium ]] || apt_pkgs+=(chromium)
[[ -x /usr/bin/chromedriver ]] || apt_pkgs+=(chromium-driver)
[[ -x /usr/bin/firefox-esr ]] || apt_pkgs+=(firefox-esr)
command -v java >/dev/null || apt_pkgs+=(openjdk-17-jdk-headless)
if ((${#apt_pkgs[@]})); then
  as_root apt-get update -q
  as_root apt-get install -y -q "${apt_pkgs[@]}"
fi

# --- npm: wasm-opt (binaryen) for Trunk; playwright-core (Chromium) and puppeteer-core
# (Firefox over WebDriver BiDi) for the browser tests ---------------------------------------
# `npm ci` only when node_modules does not match package-lock.json. --ignore-scripts: no
# package needs an install script, and the drivers' would try to download a browser (we drive
# Debian's). puppeteer-core stays on 24.x: 25 needs Node >= 22.12, the machines have Node 20.
phase "npm: binaryen, playwright-core, puppeteer-core"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "$(cat node_modules/.heaplens-lock 2>/dev/null || true)" != "$lock_sum" ]]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  echo "$lock_sum" >node_modules/.heaplens-lock
fi
[[ "$(wasm-opt --version)" == *"(version_$WASM_OPT_VERSION)"* ]] ||
  die "wasm-opt on PATH is not binaryen $WASM_OPT_VERSION: $(command -v wasm-opt)"

phase_summary
log "setup complete"
