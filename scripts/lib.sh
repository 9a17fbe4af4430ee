# shellcheck shell=bash
# Shared by scripts/setup.sh, serve.sh and test.sh (sourced, not run).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Pinned tool versions. wasm-bindgen is not listed: its version is whatever Cargo.lock says
# (the CLI must match the library exactly), see wasm_bindgen_version below.
TRUNK_VERSION="0.21.14"
WASM_OPT_VERSION="132" # npm binaryen, see package.json and Trunk.toml
# The memory64 worker only (scripts/build-worker64.sh): wasm64 needs nightly `-Zbuild-std`.
NIGHTLY="nightly-2026-05-20"

# cargo-installed tools live here; npm's wasm-opt must win over any system (Debian) wasm-opt,
# which Trunk would otherwise find first and reject for its version.
export PATH="$ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Trunk must never touch the network: only package registries are reachable, and we pin our
# tools. The env var (unlike `offline` in Trunk.toml) also skips Trunk's "new version?" check.
export TRUNK_OFFLINE=true
export TRUNK_SKIP_VERSION_CHECK=true
# No prompts, ever (CI has no stdin).
export DEBIAN_FRONTEND=noninteractive
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Bold only on a terminal: CI logs stay free of escape codes.
if [[ -t 2 ]]; then
  log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
else
  log() { printf '==> %s\n' "$*" >&2; }
fi
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The exact wasm-bindgen version resolved in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

# Phase timing: `phase NAME` starts a phase (ending the previous one); `phase_summary` prints all.
PHASE_NAMES=()
PHASE_SECS=()
_phase_name=""
_phase_start=0
phase() {
  phase_end
  _phase_name="$1"
  _phase_start=$SECONDS
  log "$1"
}
phase_end() {
  if [[ -n "$_phase_name" ]]; then
    PHASE_NAMES+=("$_phase_name")
    PHASE_SECS+=($((SECONDS - _phase_start)))
    _phase_name=""
  fi
}
phase_summary() {
  phase_end
  local i
  printf '\nphase timings:\n' >&2
  for i in "${!PHASE_NAMES[@]}"; do
    printf '  %5ss  %s\n' "${PHASE_SECS[$i]}" "${PHASE_NAMES[$i]}" >&2
  done
}
