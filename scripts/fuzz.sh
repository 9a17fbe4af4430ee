#!/usr/bin/env bash
# Fuzz heaplens with cargo-fuzz (libFuzzer). Not part of CI.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   # default 600 s each; targets: parse graph_build analyze snapshot
#
# Targets (fuzz/fuzz_targets/, see fuzz/README.md):
#   parse     the first 4 bytes of an input choose chunk sizes, the rest is a dump (raw or gzip);
#             parsed whole and in those chunks through DumpDecoder: same events and result.
#   graph_build  the graph build (both passes) over a dump generated from the input
#             (fuzz_targets/common/gen.rs), so that it gets past the parser.
#   analyze   every analysis, the report in three renderings, paths, and a snapshot round trip
#             over small graphs built from generated dumps.
#   snapshot  read_snapshot over arbitrary bytes.
#
# Every run has per-input limits, so a blow-up is a finding, not a hung or swapping machine:
# -timeout (FUZZ_TIMEOUT, default 10 s), -rss_limit_mb and -malloc_limit_mb (FUZZ_RSS_MB,
# default 512: issue 12's bound for any small input).
#
# - Installs cargo-fuzz into ~/.cargo/bin if it is missing.
# - The toolchain is stable: cargo-fuzz needs -Z flags, so RUSTC_BOOTSTRAP=1 unlocks them.
# - Seeds: fuzz/corpus/<target>/ (committed; parse's are regenerated with
#   `cargo test --test parser_chunking -- --ignored write_fuzz_seed_corpus`, snapshot's with
#   `cargo test --test fuzz_regressions_build -- --ignored write_snapshot_seed_corpus`). New
#   inputs that libFuzzer finds go to fuzz/corpus-work/<target>/ (ignored by git).
# - A crash is written to fuzz/artifacts/<target>/. Minimize it with
#   `RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> fuzz/artifacts/<target>/crash-…` (run in fuzz/),
#   then save it as tests/fixtures/fuzz-regressions/<name>.bin (parse: replayed by
#   tests/parser_errors.rs) or tests/fixtures/fuzz-regressions/<target>/<name>.bin (graph_build,
#   analyze, snapshot: replayed by tests/fuzz_regressions_build.rs).
# - FUZZ_JOBS (default 1) and FUZZ_MAX_LEN (default 16384) tune libFuzzer.
set -euo pipefail
SECONDS_TO_RUN="${1:-600}"
shift || true
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
    TARGETS=(parse graph_build analyze snapshot)
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz…"
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
cd "$ROOT/fuzz"
RSS_MB="${FUZZ_RSS_MB:-512}"
status=0
for target in "${TARGETS[@]}"; do
    echo "== fuzz target $target: ${SECONDS_TO_RUN} s"
    mkdir -p "corpus-work/$target" "corpus/$target"
    cargo fuzz run "$target" "corpus-work/$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_TO_RUN" \
        -jobs="${FUZZ_JOBS:-1}" -workers="${FUZZ_JOBS:-1}" \
        -max_len="${FUZZ_MAX_LEN:-16384}" \
        -timeout="${FUZZ_TIMEOUT:-10}" \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" \
        -print_final_stats=1 || status=$?
done
exit "$status"
