#!/usr/bin/env bash
# Native benchmark of comparing two dumps (`heaplens diff`) against the two analyses it needs.
#
#   scripts/bench-diff.sh [BASE NEW]   (default: two generated dumps of one application mix,
#                                       BENCH_MB and BENCH_MB2 MiB: 600 and 660)
#
# Environment: BENCH_DIR (default target/bench), BENCH_RUNS (best of N, default 1),
# BENCH_MB / BENCH_MB2 (sizes of the generated dumps), MIX (app, default: bigN.hprof; strings:
# strN.hprof, the strings and collections heavy mix of scripts/gen-big-dump.sh),
# HEAPLENS_BIN (a `heaplens` binary; default: cargo build --release -p heaplens-cli).
#
# Measures under GNU time (wall, user+sys CPU, peak RSS), the page cache warm:
#   bench_analyze BASE, bench_analyze NEW  (examples/bench_analyze.rs: the two passes, the
#                                           dominator tree, the class histogram: the least
#                                           any analysis does, and what a digest starts from)
#   heaplens analyze BASE, heaplens analyze NEW   (the full report, JSON to /dev/null: what a
#                                           user runs to look at each dump)
#   heaplens diff BASE NEW --format json --stats   (both analyses one after the other, a digest
#                                           of each, the comparison; the JSON to /dev/null)
# and prints one markdown table (also saved to $BENCH_DIR/diff-results.md) with the diff's cost
# over both baselines: the comparison should cost the two analyses plus a small fraction (the
# digests: one breadth-first search for the paths of the big objects, the keys of those; the
# comparison itself is milliseconds).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -ne 0 && $# -ne 2 ]] || [[ "${1:-}" == -h || "${1:-}" == --help ]]; then
    sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
BASE="" NEW=""
if [[ $# -eq 2 ]]; then
    [[ -f "$1" && -f "$2" ]] || { echo "bench-diff: error: no such file: $1 or $2" >&2; exit 2; }
    BASE="$(abs "$1")" NEW="$(abs "$2")"
fi
cd "$ROOT"

BENCH_DIR="${BENCH_DIR:-target/bench}"
mkdir -p "$BENCH_DIR/logs"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
LOGS="$BENCH_DIR/logs"
BENCH_RUNS="${BENCH_RUNS:-1}"
BENCH_MB="${BENCH_MB:-600}"
BENCH_MB2="${BENCH_MB2:-660}"
PEERS="$BENCH_DIR/peers"

if [[ -t 2 ]]; then BOLD=$'\033[1m' RESET=$'\033[0m'; else BOLD="" RESET=""; fi
log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
die() { printf 'bench-diff: error: %s\n' "$*" >&2; exit 1; }
source "$ROOT/scripts/bench-lib.sh"

bench_machine_facts
bench_require_gnu_time

log "cargo build --release --examples -p heaplens"
cargo build --release --examples -p heaplens
EXAMPLES="${CARGO_TARGET_DIR:-$ROOT/target}/release/examples"
if [[ -z "${HEAPLENS_BIN:-}" ]]; then
    log "cargo build --release -p heaplens-cli"
    cargo build --release -p heaplens-cli
    HEAPLENS_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/heaplens"
fi
[[ -x "$HEAPLENS_BIN" && -x "$EXAMPLES/bench_analyze" ]] || die "binaries not found"

if [[ -z "$BASE" ]]; then
    case "${MIX:-app}" in
        app) prefix=big ;;
        strings) prefix=str ;;
        *) die "MIX must be app or strings" ;;
    esac
    BASE="$BENCH_DIR/$prefix$BENCH_MB.hprof" NEW="$BENCH_DIR/$prefix$BENCH_MB2.hprof"
    log "dumps: $BASE, $NEW (generated once, then reused)"
    MIX="${MIX:-app}" "$ROOT/scripts/gen-big-dump.sh" "$BASE" "$BENCH_MB"
    MIX="${MIX:-app}" "$ROOT/scripts/gen-big-dump.sh" "$NEW" "$BENCH_MB2"
fi
log "warming the page cache"
cat "$BASE" "$NEW" >/dev/null

# measure NAME CMD...: best wall of BENCH_RUNS runs; sets WALL, CPU_S (user+sys of that run),
# RSS_MIB (largest peak) and OUT (its stdout).
measure() {
    local name="$1"; shift
    local i wall rss user sys
    WALL="" RSS_MIB=0 CPU_S="" OUT=""
    for ((i = 1; i <= BENCH_RUNS; i++)); do
        log "$name (run $i/$BENCH_RUNS): $*"
        if ! /usr/bin/time -o "$LOGS/$name.$i.time" -f '%e %M %U %S' "$@" \
            >"$LOGS/$name.$i.out" 2>"$LOGS/$name.$i.err"; then
            tail -20 "$LOGS/$name.$i.err" >&2
            die "$name failed (logs: $LOGS/$name.$i.*)"
        fi
        read -r wall rss user sys < <(tail -1 "$LOGS/$name.$i.time")
        rss=$((rss / 1024))
        if ((rss > RSS_MIB)); then RSS_MIB=$rss; fi
        if [[ -z "$WALL" ]] || awk "BEGIN { exit !($wall < $WALL) }"; then
            WALL=$wall CPU_S=$(calc "$user + $sys") OUT="$LOGS/$name.$i.out"
        fi
    done
}
field() { sed -n "s/^$1=//p" "$2" | head -1; }

measure analyze-base "$EXAMPLES/bench_analyze" "$BASE"
AW=$WALL AC=$CPU_S AR=$RSS_MIB AO="$(field objects "$OUT")"
measure analyze-new "$EXAMPLES/bench_analyze" "$NEW"
BW=$WALL BC=$CPU_S BR=$RSS_MIB BO="$(field objects "$OUT")"
measure report-base "$HEAPLENS_BIN" analyze "$BASE" --format json --output /dev/null
RAW=$WALL RAC=$CPU_S RAR=$RSS_MIB
measure report-new "$HEAPLENS_BIN" analyze "$NEW" --format json --output /dev/null
RBW=$WALL RBC=$CPU_S RBR=$RSS_MIB
measure diff "$HEAPLENS_BIN" diff "$BASE" "$NEW" --format json --stats --output /dev/null
DW=$WALL DC=$CPU_S DR=$RSS_MIB DERR="$LOGS/diff.1.err"
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

mib() { calc "$(stat -c %s "$1") / 1048576" 0; }
{
    echo "## heaplens diff benchmark"
    echo
    echo "- dumps: \`$(basename "$BASE")\` ($(mib "$BASE") MiB, $AO objects), \`$(basename "$NEW")\` ($(mib "$NEW") MiB, $BO objects)"
    echo "- machine: $NPROC CPUs, $CPU_MODEL, $MEM_MIB MiB RAM; load average at start $LOAD_START, at end $LOAD_END"
    if [[ -n "$LOAD_WARNING" ]]; then echo "- **WARNING: $LOAD_WARNING**"; fi
    echo "- runs per command: $BENCH_RUNS; heaplens $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'); $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "| command | wall s | CPU s (user+sys) | peak RSS MiB |"
    echo "|---|---:|---:|---:|"
    echo "| analysis of the baseline: graph, dominators, histogram (\`bench_analyze\`) | $AW | $AC | $AR |"
    echo "| analysis of the new dump (\`bench_analyze\`) | $BW | $BC | $BR |"
    echo "| **the two analyses** (the least each needs) | $(calc "$AW + $BW") | $(calc "$AC + $BC") | |"
    echo "| \`heaplens analyze\` of the baseline (the full report) | $RAW | $RAC | $RAR |"
    echo "| \`heaplens analyze\` of the new dump | $RBW | $RBC | $RBR |"
    echo "| **the two \`heaplens analyze\`** (what a user runs) | $(calc "$RAW + $RBW") | $(calc "$RAC + $RBC") | |"
    echo "| \`heaplens diff\` (both, digests, comparison) | $DW | $DC | $DR |"
    echo
    echo "diff / the two analyses: CPU $(calc "$DC / ($AC + $BC)") ×, wall $(calc "$DW / ($AW + $BW)") ×;"
    echo "diff / the two \`heaplens analyze\`: CPU $(calc "$DC / ($RAC + $RBC)") ×, wall $(calc "$DW / ($RAW + $RBW)") ×."
    echo "\`--stats\` of the diff:"
    echo
    echo '```'
    grep -v '^\s*$' "$DERR" | grep -iv 'progress\|%' | tail -12 || true
    echo '```'
} | tee "$BENCH_DIR/diff-results.md"
log "results saved to $BENCH_DIR/diff-results.md"
