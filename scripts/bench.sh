#!/usr/bin/env bash
# Native benchmark: heaplens against the two Rust peers, on one big realistic dump.
#
#   scripts/bench.sh [DUMP]        (DUMP: .hprof or .hprof.gz; default: a generated 600 MB dump)
#
# Environment:
#   BENCH_DIR   scratch dir for the generated dump, the peers and the logs (default target/bench)
#   BENCH_RUNS  runs of each measured command; the best wall time is kept (default 1; 3 = best of 3)
#   BENCH_MB    size of the generated dump in MiB when no DUMP is given (default 600)
#   BENCH_PEERS 0 = skip the peers (heaplens only)
#
# What it does, in one invocation (see bench/README.md):
#   1. cargo build --release --examples -p heaplens   (examples/bench_parse.rs, bench_analyze.rs)
#   2. DUMP, or scripts/gen-big-dump.sh "$BENCH_DIR/big$BENCH_MB.hprof" $BENCH_MB (idempotent)
#   3. cargo install --locked --root "$BENCH_DIR/peers" hprof-slurp / hprof-analyzer, if missing
#   4. warms the page cache, then measures wall time and peak RSS (GNU time) of:
#        heaplens parse-only   vs  hprof-slurp (its default threads, and pinned to 1 CPU)
#        heaplens full analysis vs hprof-analyzer (default report: leak suspects, dominators...)
#   5. prints machine facts and one markdown table (also saved to $BENCH_DIR/results.md).
# The machine may be shared: the load average is printed, with a warning when it is high.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -gt 1 || "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
# Resolve DUMP before changing directory.
DUMP=""
if [[ $# -eq 1 ]]; then
    [[ -f "$1" ]] || { echo "bench: error: no such file: $1" >&2; exit 2; }
    DUMP="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
fi
cd "$ROOT"

BENCH_DIR="${BENCH_DIR:-target/bench}"
mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
BENCH_RUNS="${BENCH_RUNS:-1}"
BENCH_MB="${BENCH_MB:-600}"
BENCH_PEERS="${BENCH_PEERS:-1}"
[[ "$BENCH_RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "bench: error: BENCH_RUNS must be >= 1" >&2; exit 2; }
PEERS="$BENCH_DIR/peers"
LOGS="$BENCH_DIR/logs"
mkdir -p "$LOGS"

# Bold only on a terminal (logs stay clean).
if [[ -t 2 ]]; then BOLD=$'\033[1m' RESET=$'\033[0m'; else BOLD="" RESET=""; fi
log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }
# Shared with scripts/bench-browser.sh: calc, load1, machine facts, GNU time, the pinned peers
# (SLURP_VERSION, ANALYZER_VERSION) and install_peer.
source "$ROOT/scripts/bench-lib.sh"

# --- machine facts ------------------------------------------------------------------------
bench_machine_facts
bench_require_gnu_time

# --- 1. build ----------------------------------------------------------------------------
log "cargo build --release --examples -p heaplens"
cargo build --release --examples -p heaplens
EXAMPLES="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples"
[[ -x "$EXAMPLES/bench_parse" && -x "$EXAMPLES/bench_analyze" ]] || die "examples not found in $EXAMPLES"

# --- 2. the dump ---------------------------------------------------------------------------
if [[ -z "$DUMP" ]]; then
    DUMP="$BENCH_DIR/big$BENCH_MB.hprof"
    log "dump: $DUMP (generated once, then reused)"
    "$ROOT/scripts/gen-big-dump.sh" "$DUMP" "$BENCH_MB"
fi
DUMP_BYTES="$(stat -c %s "$DUMP")"
# hprof-slurp reads raw .hprof only ("invalid pointer size" on gzip): skip it for a .gz dump.
IS_GZIP=0
if [[ "$(head -c2 "$DUMP" | od -An -tx1 | tr -d ' \n')" == 1f8b ]]; then IS_GZIP=1; fi
RUN_SLURP=1
if [[ "$BENCH_PEERS" == 0 || "$IS_GZIP" == 1 ]]; then RUN_SLURP=0; fi

# --- 3. the peers --------------------------------------------------------------------------
# install_peer (scripts/bench-lib.sh) reuses a present binary of the pinned version.
if [[ "$BENCH_PEERS" != 0 ]]; then
    install_peer hprof-slurp "$SLURP_VERSION"
    install_peer hprof-analyzer "$ANALYZER_VERSION"
fi

# --- 4. measurements ---------------------------------------------------------------------
# Every tool reads the same file from the page cache, so the disk is out of the picture.
log "warming the page cache: cat $DUMP > /dev/null"
cat "$DUMP" >/dev/null

# measure NAME CMD...: runs CMD BENCH_RUNS times under GNU time; sets WALL (best wall s),
# RSS_MIB (largest peak RSS), CPU (CPU % of the best run) and OUT (stdout of the best run).
# Stdout/stderr of each run are kept in $LOGS/NAME.N.{out,err}.
measure() {
    local name="$1"; shift
    local i wall rss cpu
    WALL="" RSS_MIB=0 CPU="" OUT=""
    for ((i = 1; i <= BENCH_RUNS; i++)); do
        log "$name (run $i/$BENCH_RUNS): $*"
        if ! /usr/bin/time -o "$LOGS/$name.$i.time" -f '%e %M %P' "$@" \
            >"$LOGS/$name.$i.out" 2>"$LOGS/$name.$i.err"; then
            tail -20 "$LOGS/$name.$i.err" >&2
            die "$name failed (logs: $LOGS/$name.$i.*)"
        fi
        # With -o, a failing command adds a line before ours: keep the last line.
        read -r wall rss cpu < <(tail -1 "$LOGS/$name.$i.time")
        rss=$((rss / 1024)) # KiB -> MiB
        if ((rss > RSS_MIB)); then RSS_MIB=$rss; fi
        if [[ -z "$WALL" ]] || awk "BEGIN { exit !($wall < $WALL) }"; then
            WALL=$wall CPU=${cpu%\%} OUT="$LOGS/$name.$i.out"
        fi
    done
}
# Value of a `key=value` line of an example's output.
field() { sed -n "s/^$1=//p" "$2" | head -1; }

# heaplens parse-only: DumpDecoder + a counting visitor, 4 MiB chunks, one thread.
measure heaplens-parse "$EXAMPLES/bench_parse" "$DUMP"
P_WALL=$WALL P_RSS=$RSS_MIB P_CPU=$CPU
DECOMPRESSED="$(field decompressed_bytes "$OUT")"
P_OBJECTS="$(field objects "$OUT")"
mbs() { calc "$DECOMPRESSED / $1 / 1e6" 0; } # throughput over the decompressed dump

# hprof-slurp: one pass building a class histogram (shallow sizes). It has no thread option;
# it runs a 3-thread pipeline (reader, parser, recorder), so it is measured twice: with its
# default threads, and pinned to one CPU with taskset (= the single-threaded comparison).
if [[ "$RUN_SLURP" == 1 ]]; then
    measure hprof-slurp "$PEERS/bin/hprof-slurp" "$DUMP"
    S_WALL=$WALL S_RSS=$RSS_MIB S_CPU=$CPU
    measure hprof-slurp-1cpu taskset -c 0 "$PEERS/bin/hprof-slurp" "$DUMP"
    S1_WALL=$WALL S1_RSS=$RSS_MIB S1_CPU=$CPU
fi

# heaplens full analysis: two passes (graph), dominator tree + retained sizes, class histogram.
measure heaplens-analyze "$EXAMPLES/bench_analyze" "$DUMP"
A_WALL=$WALL A_RSS=$RSS_MIB A_CPU=$CPU A_OUT="$LOGS/heaplens-analyze.out"
cp "$OUT" "$A_OUT"

# hprof-analyzer: its default analysis (System Overview, Leak Suspects, Top Consumers with
# retained sizes = full dominator tree, threads), written as a JSON report. Its `heap ...`
# subcommands cache results in DUMP.hprof-cache/, which the default analysis must not reuse:
# a cache left next to the dump is set aside.
if [[ "$BENCH_PEERS" != 0 ]]; then
    if [[ -e "$DUMP.hprof-cache" ]]; then
        die "$DUMP.hprof-cache exists (hprof-analyzer cache): remove it for a fair measurement"
    fi
    measure hprof-analyzer "$PEERS/bin/hprof-analyzer" "$DUMP" "$LOGS/hprof-analyzer-report.json"
    H_WALL=$WALL H_RSS=$RSS_MIB H_CPU=$CPU
fi
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- 5. results ----------------------------------------------------------------------------
A_OBJECTS="$(field objects "$A_OUT")"
BPO="$(field bytes_per_object "$A_OUT") ($(field graph_bytes_per_object "$A_OUT") graph + $(field dominance_bytes_per_object "$A_OUT") dominators)"
# ratio PEER_WALL HEAPLENS_WALL PEER_RSS HEAPLENS_RSS -> "speed× / RSS×" (> 1: heaplens better)
ratio() { echo "$(calc "$1 / $2") × / $(calc "$3 / ($4 > 0 ? $4 : 1)") ×"; }
{
    echo "## heaplens native benchmark"
    echo
    echo "- dump: \`$DUMP\` ($(calc "$DUMP_BYTES / 1048576" 0) MiB on disk, $(calc "$DECOMPRESSED / 1048576" 0) MiB decompressed, $P_OBJECTS objects)"
    echo "- machine: $NPROC CPUs, $CPU_MODEL, $MEM_MIB MiB RAM; load average at start $LOAD_START, at end $LOAD_END"
    if [[ -n "$LOAD_WARNING" ]]; then echo "- **WARNING: $LOAD_WARNING**"; fi
    echo "- runs per command: $BENCH_RUNS (best wall time kept; peak RSS = largest of the runs)"
    PEER_VERSIONS=""
    if [[ "$BENCH_PEERS" != 0 ]]; then PEER_VERSIONS=", hprof-slurp $SLURP_VERSION, hprof-analyzer $ANALYZER_VERSION"; fi
    echo "- heaplens $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')$PEER_VERSIONS; $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "| tool | task | wall s | MB/s | peak RSS MiB | CPU % | bytes/object | heaplens speed × / RSS × |"
    echo "|---|---|---:|---:|---:|---:|---|---|"
    echo "| heaplens | parse only (1 thread) | $P_WALL | $(mbs "$P_WALL") | $P_RSS | $P_CPU | | |"
    if [[ "$RUN_SLURP" == 1 ]]; then
        echo "| hprof-slurp | parse + class histogram (default threads) | $S_WALL | $(mbs "$S_WALL") | $S_RSS | $S_CPU | | $(ratio "$S_WALL" "$P_WALL" "$S_RSS" "$P_RSS") |"
        echo "| hprof-slurp | parse + class histogram (taskset 1 CPU) | $S1_WALL | $(mbs "$S1_WALL") | $S1_RSS | $S1_CPU | | $(ratio "$S1_WALL" "$P_WALL" "$S1_RSS" "$P_RSS") |"
    fi
    if [[ "$BENCH_PEERS" != 0 && "$RUN_SLURP" == 0 ]]; then
        echo "| hprof-slurp | (skipped: it cannot read a gzip dump) | | | | | | |"
    fi
    echo "| heaplens | full analysis (graph, dominators, histogram; 1 thread) | $A_WALL | $(mbs "$A_WALL") | $A_RSS | $A_CPU | $BPO | |"
    if [[ "$BENCH_PEERS" != 0 ]]; then
        echo "| hprof-analyzer | full analysis (default report, JSON) | $H_WALL | $(mbs "$H_WALL") | $H_RSS | $H_CPU | | $(ratio "$H_WALL" "$A_WALL" "$H_RSS" "$A_RSS") |"
    fi
    echo
    echo "MB = 10^6 decompressed dump bytes. Wall and peak RSS of the whole process (GNU time)."
    echo "\"heaplens speed ×\" = peer wall / heaplens wall for the same task, \"RSS ×\" = peer RSS /"
    echo "heaplens RSS: above 1 means heaplens is faster / smaller. bytes/object = what the graph and the"
    echo "dominator data keep after the build (heap_bytes() / objects), not the peak."
    echo
    echo "heaplens full analysis, phases (s): pass 1 $(field pass1_s "$A_OUT"), pass 2 $(field pass2_s "$A_OUT"), dominators $(field dominators_s "$A_OUT"), histogram $(field histogram_s "$A_OUT") (in-process total $(field wall_s "$A_OUT")); $A_OBJECTS objects, $(field edges "$A_OUT") edges, $(field reachable_objects "$A_OUT") reachable."
} | tee "$BENCH_DIR/results.md"
log "results saved to $BENCH_DIR/results.md; logs in $LOGS"
