#!/usr/bin/env bash
# CPU-time benchmark of `heaplens analyze` binaries and hprof-analyzer, side by side, on one or
# more dumps (the machine may be shared, so user+sys CPU seconds are printed next to the wall
# time).
#
#   scripts/bench-mixes.sh DUMP... -- HEAPLENS_BIN...
#
#   e.g. MIX=strings scripts/gen-big-dump.sh /work/big/str1100.hprof 1100
#        scripts/bench-mixes.sh /work/big/big1100.hprof /work/big/str1100.hprof -- old/heaplens target/release/heaplens
#
# For each dump: the page cache is warmed, then each heaplens binary runs `analyze --stats
# --format json` and hprof-analyzer (BENCH_PEER, default target/bench/peers/bin/hprof-analyzer as
# scripts/bench.sh installs it; BENCH_PEERS=0 skips it) its default report, one after the other,
# under GNU time. Prints one markdown row per run: wall s, user+sys s, peak RSS, the most
# threads the process had at once (sampled every 0.2 s), and heaplens's own phases (indexing,
# linking, dominators, analyses: wall s / the main thread's CPU s). A "binary" may be a wrapper
# script that adds options (`--threads 1`). Logs go to BENCH_DIR (default target/bench/mixes).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUMPS=() BINS=()
while [[ $# -gt 0 && "$1" != -- ]]; do DUMPS+=("$1"); shift; done
[[ $# -gt 0 ]] && shift
BINS=("$@")
if [[ ${#DUMPS[@]} -eq 0 || ${#BINS[@]} -eq 0 ]]; then
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
[[ -x /usr/bin/time ]] || { echo "bench-mixes: GNU time (/usr/bin/time) is needed" >&2; exit 1; }
PEER="${BENCH_PEER:-$ROOT/target/bench/peers/bin/hprof-analyzer}"
BENCH_PEERS="${BENCH_PEERS:-1}"
if [[ "$BENCH_PEERS" != 0 && ! -x "$PEER" ]]; then
    echo "bench-mixes: no $PEER (run scripts/bench.sh once, or BENCH_PEERS=0)" >&2
    exit 1
fi
LOGS="${BENCH_DIR:-$ROOT/target/bench/mixes}"
mkdir -p "$LOGS"

# run NAME CMD...: GNU time -v into $LOGS/NAME.time; sets WALL, CPU (user+sys), RSS_MIB and
# THREADS (the most threads of the timed process's children seen at once).
run() {
    local name="$1"; shift
    /usr/bin/time -v -o "$LOGS/$name.time" "$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
    local tpid=$! most=0 n kid
    while kill -0 "$tpid" 2>/dev/null; do
        for kid in $(pgrep -P "$tpid" 2>/dev/null); do
            # A wrapper script's own child is the analysis.
            for k in "$kid" $(pgrep -P "$kid" 2>/dev/null); do
                # The process may end between the listing and now: ls then fails (pipefail).
                n=$( (ls "/proc/$k/task" 2>/dev/null || true) | wc -l)
                ((n > most)) && most=$n
            done
        done
        sleep 0.2
    done
    THREADS=$most
    wait "$tpid" || {
        tail -5 "$LOGS/$name.err" >&2
        echo "bench-mixes: $name failed (logs in $LOGS)" >&2
        exit 1
    }
    local t="$LOGS/$name.time"
    WALL=$(awk -F': ' '/Elapsed/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s}' "$t")
    CPU=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.1f", u + s}' "$t")
    RSS_MIB=$(awk -F': ' '/Maximum resident/ {printf "%d", $2 / 1024}' "$t")
}
# phase NAME ERR: "wall / cpu" seconds of a phase of `--stats` (`  indexing  2.075 s  (cpu 1.892 s)`).
phase() { awk -v k="$1" '$1 == k {c = $5; sub(/\)$/, "", c); print $2 " / " c}' "$2"; }

echo "| dump | tool | wall s | user+sys s | peak RSS MiB | threads | indexing | linking | dominators | analyses |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for dump in "${DUMPS[@]}"; do
    name="$(basename "$dump")"
    cat "$dump" >/dev/null
    for bin in "${BINS[@]}"; do
        tag="$name.$(echo "$bin" | tr '/' '_')"
        run "$tag" "$bin" analyze --stats --format json -o "$LOGS/$tag.json" "$dump"
        e="$LOGS/$tag.err"
        echo "| $name | $bin | $WALL | $CPU | $RSS_MIB | $THREADS | $(phase indexing "$e") | $(phase linking "$e") | $(phase dominators "$e") | $(phase analyses "$e") |"
    done
    if [[ "$BENCH_PEERS" != 0 ]]; then
        [[ -e "$dump.hprof-cache" ]] && { echo "bench-mixes: remove $dump.hprof-cache first" >&2; exit 1; }
        run "$name.peer" "$PEER" "$dump" "$LOGS/$name.peer-report.json"
        echo "| $name | hprof-analyzer | $WALL | $CPU | $RSS_MIB | $THREADS | | | | |"
    fi
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
