#!/usr/bin/env bash
# Query benchmark: three OQL queries natively and in the page, side by side (bench/queries.mjs).
#
#   scripts/bench-queries.sh [DUMP...]   (default: target/bench/big1100.hprof)
#
# Environment: BENCH_BUILD=0 uses dist/ and target/release/heaplens as they are;
# BENCH_TIMEOUT_MIN per page step (default 30). The report goes to target/bench/query-results.md.
set -euo pipefail
DUMPS=()
for d in "$@"; do
    [[ -f "$d" ]] || { echo "bench-queries: error: no such file: $d" >&2; exit 2; }
    DUMPS+=("$(cd "$(dirname "$d")" && pwd)/$(basename "$d")")
done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
((${#DUMPS[@]})) || DUMPS=("$ROOT/target/bench/big1100.hprof")
export HEAPLENS_DIST="${HEAPLENS_DIST:-$ROOT/dist}"
if [[ "${BENCH_BUILD:-1}" != 0 ]]; then
    log "web: cargo build --release --target wasm32-unknown-unknown -p heaplens-web --bins"
    cargo build --release --target wasm32-unknown-unknown -p heaplens-web --bins
    log "web: trunk build --release -> $HEAPLENS_DIST"
    trunk build --release --dist "$HEAPLENS_DIST"
    log "cli: cargo build --release -p heaplens-cli"
    cargo build --release -p heaplens-cli
fi
node bench/queries.mjs --timeout-min "${BENCH_TIMEOUT_MIN:-30}" "${DUMPS[@]}"
