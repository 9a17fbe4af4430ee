#!/usr/bin/env bash
# Fuzz the HPROF parser with cargo-fuzz (libFuzzer). Not part of CI.
#
#   scripts/fuzz.sh [SECONDS]     # default 600
#
# Target `parse` (fuzz/fuzz_targets/parse.rs): the first 4 bytes of an input choose chunk sizes,
# the rest is a dump (raw or gzip); it is parsed whole and in those chunks through DumpDecoder,
# and both must give the same events and result without panicking.
#
# - Installs cargo-fuzz into ~/.cargo/bin if it is missing.
# - The toolchain is stable: cargo-fuzz needs -Z flags, so RUSTC_BOOTSTRAP=1 unlocks them.
# - Seeds: fuzz/corpus/parse/ (committed; regenerate with
#   `cargo test --test parser_chunking -- --ignored write_fuzz_seed_corpus`). New inputs that
#   libFuzzer finds go to fuzz/corpus-work/parse/ (ignored by git), so the seeds stay small.
# - A crash is written to fuzz/artifacts/parse/. Minimize it with
#   `RUSTC_BOOTSTRAP=1 cargo fuzz tmin parse fuzz/artifacts/parse/crash-…` (run in fuzz/), then
#   save it as tests/fixtures/fuzz-regressions/<name>.bin: tests/parser_errors.rs replays every
#   file there (`fuzz_regressions_replay`).
# - FUZZ_JOBS (default 1) and FUZZ_MAX_LEN (default 16384) tune libFuzzer.
set -euo pipefail
SECONDS_TO_RUN="${1:-600}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz…"
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
cd "$ROOT/fuzz"
mkdir -p corpus-work/parse
exec cargo fuzz run parse corpus-work/parse corpus/parse -- \
    -max_total_time="$SECONDS_TO_RUN" \
    -jobs="${FUZZ_JOBS:-1}" -workers="${FUZZ_JOBS:-1}" \
    -max_len="${FUZZ_MAX_LEN:-16384}" \
    -rss_limit_mb=2048 \
    -print_final_stats=1
