#!/usr/bin/env bash
# Browser benchmark: big heap dumps opened in the release web app in headless Chromium, against
# the native CLI and hprof-analyzer on the same files.
#
#   scripts/bench-browser.sh [DUMP...]   (default: a generated ~1 GiB dump, ~17 M objects)
#
# Environment:
#   BENCH_DIR      scratch dir: generated dumps, the peer, results (default target/bench)
#   BENCH_SIZES    sizes in MiB of the generated dumps when no DUMP is given (default "1100")
#   BENCH_HUGE     1 = also two > 4 GiB dumps (slow): big1100pP.hprof, 1100 MiB of the usual mix
#                  + P MiB of live byte[] padding (~17 M objects: fits a wasm32 tab, file offsets
#                  beyond 2^32; ~5 GiB of Java heap, ~4.4 GB of disk), and bigM.hprof (M = 10000:
#                  ~152 M objects, 10.6 GB, ~12.5 GiB of Java heap for ~1 min; analyzed by the
#                  memory64 worker, ~8.2 GiB of wasm memory while building; BENCH_PEERS=0 spares
#                  the peer's run on it)
#   BENCH_HUGE_PAD_MB  P (default 3300; 0 = no padded dump)
#   BENCH_HUGE_MB  M (default 10000)
#   BENCH_BUILD    0 = use the existing dist/ and target/release/heaplens as they are
#   BENCH_PEERS    0 = skip hprof-analyzer
#   BENCH_NATIVE_RUNS  runs of the CLI and of hprof-analyzer, each in a row (default 2: the first
#                  maps memory another process just freed, the second runs again at once)
#   BENCH_TIMEOUT_MIN  per dump in the browser (default 30)
#   BENCH_DIFF     1 = instead, the comparison of two dumps (bench/browser-diff.mjs): the two
#                  DUMPs given (baseline, new), else two generated ones of BENCH_DIFF_SIZES
#                  (default "600 660"); each opened alone, then both at once to the Comparison
#                  view (results in $BENCH_DIR/browser-diff-results.md)
#
# What it does, in one invocation (see bench/README.md):
#   1. trunk build --release -> dist/ (offline, like scripts/test.sh); cargo build --release -p heaplens-cli
#   2. DUMP..., or scripts/gen-big-dump.sh "$BENCH_DIR/bigN.hprof" N for each size (idempotent;
#      BENCH_HUGE=1: also big1100pP.hprof 1100 P, then bigM.hprof M)
#   3. cargo install --locked --root "$BENCH_DIR/peers" hprof-analyzer, if missing
#   4. node bench/browser.mjs: per dump, the native CLI under GNU time (twice), then the page in
#      headless Chromium (file input; times to first results, dominator rows, suspects; phases;
#      memory; main-thread long tasks), then hprof-analyzer under GNU time (twice)
#   5. prints machine facts and one markdown table per dump (saved to $BENCH_DIR/browser-results.md)
set -euo pipefail

if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
# Resolve the DUMPs before lib.sh changes directory.
DUMPS=()
for d in "$@"; do
    [[ -f "$d" ]] || { echo "bench-browser: error: no such file: $d" >&2; exit 2; }
    DUMPS+=("$(cd "$(dirname "$d")" && pwd)/$(basename "$d")")
done

# PATH (node_modules/.bin first: npm's wasm-opt), TRUNK_OFFLINE, log, die; cd to the root.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# calc, load1, machine facts, GNU time, ANALYZER_VERSION, install_peer.
source "$ROOT/scripts/bench-lib.sh"

BENCH_DIR="${BENCH_DIR:-target/bench}"
mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
BENCH_SIZES="${BENCH_SIZES:-1100}"
BENCH_HUGE="${BENCH_HUGE:-0}"
BENCH_HUGE_MB="${BENCH_HUGE_MB:-10000}"
BENCH_HUGE_PAD_MB="${BENCH_HUGE_PAD_MB:-3300}"
BENCH_BUILD="${BENCH_BUILD:-1}"
BENCH_PEERS="${BENCH_PEERS:-1}"
BENCH_TIMEOUT_MIN="${BENCH_TIMEOUT_MIN:-30}"
BENCH_DIFF="${BENCH_DIFF:-0}"
if [[ "$BENCH_DIFF" == 1 ]]; then
    ((${#DUMPS[@]} == 0 || ${#DUMPS[@]} == 2)) || die "BENCH_DIFF=1 compares two dumps: give BASELINE and NEW, or none"
    BENCH_SIZES="${BENCH_DIFF_SIZES:-600 660}" BENCH_HUGE=0 BENCH_PEERS=0
fi
PEERS="$BENCH_DIR/peers"
export HEAPLENS_DIST="${HEAPLENS_DIST:-$ROOT/dist}"

bench_machine_facts
bench_require_gnu_time
[[ -x "${CHROMIUM:-/usr/bin/chromium}" ]] || die "no Chromium at ${CHROMIUM:-/usr/bin/chromium}: run scripts/setup.sh"
[[ -d node_modules/playwright-core ]] || die "playwright-core is not installed: run scripts/setup.sh"

# --- 1. build ----------------------------------------------------------------------------
if [[ "$BENCH_BUILD" != 0 ]]; then
    command -v trunk >/dev/null || die "trunk is not installed: run scripts/setup.sh"
    # As scripts/test.sh: plain cargo first (Trunk hides rustc's diagnostics), then Trunk
    # finds everything fresh.
    log "web: cargo build --release --target wasm32-unknown-unknown -p heaplens-web --bins"
    cargo build --release --target wasm32-unknown-unknown -p heaplens-web --bins
    log "web: trunk build --release -> $HEAPLENS_DIST"
    trunk build --release --dist "$HEAPLENS_DIST"
    log "cli: cargo build --release -p heaplens-cli"
    cargo build --release -p heaplens-cli
fi
[[ -f "$HEAPLENS_DIST/index.html" ]] || die "no build in $HEAPLENS_DIST: run without BENCH_BUILD=0"
# Two Trunk builds at once (they share target/wasm-bindgen/) can leave a wasm of zeros behind.
for wasm in "$HEAPLENS_DIST"/*.wasm; do
    [[ "$(head -c4 "$wasm" | od -An -tx1 | tr -d ' \n')" == 0061736d ]] ||
        die "$wasm is not a wasm module (another trunk build at the same time?): build again"
done
CLI="${CARGO_TARGET_DIR:-$ROOT/target}/release/heaplens"
[[ -x "$CLI" ]] || die "no CLI at $CLI: run without BENCH_BUILD=0"

# --- 2. the dumps ----------------------------------------------------------------------------
if ((${#DUMPS[@]} == 0)); then
    # "TARGET_MB" or "TARGET_MB:PAD_MB" (file bigTARGETpPAD.hprof).
    SIZES=($BENCH_SIZES)
    if [[ "$BENCH_HUGE" == 1 ]]; then
        [[ "$BENCH_HUGE_PAD_MB" =~ ^[0-9]+$ ]] || die "BENCH_HUGE_PAD_MB: not a size in MiB: $BENCH_HUGE_PAD_MB"
        # > 4 GiB but ~17 M objects: fits a wasm32 tab. Then ~150 M objects: the memory64 worker.
        if ((BENCH_HUGE_PAD_MB > 0)); then SIZES+=("1100:$BENCH_HUGE_PAD_MB"); fi
        SIZES+=("$BENCH_HUGE_MB")
    fi
    for size in "${SIZES[@]}"; do
        mb="${size%%:*}" pad=0 name="big${size%%:*}"
        if [[ "$size" == *:* ]]; then pad="${size#*:}" name="big${mb}p$pad"; fi
        [[ "$mb" =~ ^[0-9]+$ ]] || die "BENCH_SIZES: not a size in MiB: $mb"
        log "dump: $BENCH_DIR/$name.hprof (generated once, then reused)"
        "$ROOT/scripts/gen-big-dump.sh" "$BENCH_DIR/$name.hprof" "$mb" "$pad"
        DUMPS+=("$BENCH_DIR/$name.hprof")
    done
fi

# --- 3. the peer ---------------------------------------------------------------------------
ANALYZER=""
if [[ "$BENCH_PEERS" != 0 ]]; then
    install_peer hprof-analyzer "$ANALYZER_VERSION"
    ANALYZER="$PEERS/bin/hprof-analyzer"
fi

# --- 4 + 5. measurements and report ------------------------------------------------------------
if [[ "$BENCH_DIFF" == 1 ]]; then
    log "comparing ${DUMPS[0]} with ${DUMPS[1]} in the page"
    BENCH_LOAD_START="$LOAD_START" BENCH_LOAD_WARNING="$LOAD_WARNING" \
        BENCH_GIT="$(git describe --always --dirty 2>/dev/null || echo '?')" \
        node "$ROOT/bench/browser-diff.mjs" --out "$BENCH_DIR/browser-diff-results.md" \
        --json-dir "$BENCH_DIR/browser" --timeout-min "$BENCH_TIMEOUT_MIN" "${DUMPS[@]}"
    exit 0
fi
log "measuring ${#DUMPS[@]} dump(s): native CLI, browser, peer"
BENCH_CLI="$CLI" BENCH_ANALYZER="$ANALYZER" BENCH_ANALYZER_VERSION="$ANALYZER_VERSION" \
    BENCH_LOAD_START="$LOAD_START" BENCH_LOAD_WARNING="$LOAD_WARNING" \
    BENCH_GIT="$(git describe --always --dirty 2>/dev/null || echo '?')" \
    node "$ROOT/bench/browser.mjs" --out "$BENCH_DIR/browser-results.md" --json-dir "$BENCH_DIR/browser" \
    --timeout-min "$BENCH_TIMEOUT_MIN" "${DUMPS[@]}"
if awk "BEGIN { exit !($(load1) > 1.5) }"; then
    printf '%sWARNING: load average %s at the end: the machine was busy%s\n' "$BENCH_YELLOW" "$(load1)" "$BENCH_RESET" >&2
fi
