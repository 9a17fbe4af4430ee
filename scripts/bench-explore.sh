#!/usr/bin/env bash
# Native benchmark of the investigation views (`heaplens explore`) and of a few OQL queries
# (`heaplens query`) on one big generated dump.
#
#   scripts/bench-explore.sh [DUMP]   (default: target/bench/big1100.hprof, made by
#                                      scripts/gen-big-dump.sh target/bench/big1100.hprof 1100)
#
# Each line runs the release CLI once with --stats (the graph is built for each command: build =
# the two passes) under GNU time, and prints one markdown row: the command, build, dominators,
# the view or query's own time (wall), rows, CPU time (user+sys) and wall time of the whole
# command, and peak RSS. Selections are BigHeap's own classes
# (bench/java/BigHeap.java). The machine may be shared: the load average is printed.
# BENCH_NO_BUILD=1 uses target/release/heaplens as it is; BENCH_ONLY=query runs the queries only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUMP="${1:-$ROOT/target/bench/big1100.hprof}"
[[ -f "$DUMP" ]] || { echo "bench-explore: no dump $DUMP (scripts/gen-big-dump.sh $DUMP 1100)" >&2; exit 2; }
cd "$ROOT"
[[ "${BENCH_NO_BUILD:-0}" == 1 ]] || cargo build --release -q -p heaplens-cli
BIN="$ROOT/target/release/heaplens"
echo "dump: $DUMP ($(stat -c %s "$DUMP") bytes); $(nproc) CPUs; load average: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| command | build s | dominators s | view / query s | rows | CPU s (user+sys) | wall s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
run() {
    local label="$1"; shift
    local err; err="$(mktemp)"
    /usr/bin/time -f 'RSS %M CPU %U %S WALL %e' "$BIN" "$@" --stats >/dev/null 2>"$err" || { echo "| $label | failed: $(tail -1 "$err") |"; rm -f "$err"; return; }
    local line; line="$(grep -E '^build ' "$err" | tail -1)"
    local rss cpu wall
    rss="$(sed -n 's/^RSS \([0-9]*\) .*/\1/p' "$err")"
    cpu="$(sed -n 's/^RSS .* CPU \([0-9.]*\) \([0-9.]*\) .*/\1 \2/p' "$err" | awk '{printf "%.1f", $1 + $2}')"
    wall="$(sed -n 's/.* WALL \([0-9.]*\)$/\1/p' "$err")"
    local build dom view rows
    build="$(sed -n 's/^build \([0-9.]*\) s.*/\1/p' <<<"$line")"
    dom="$(sed -n 's/^build [0-9.]* s, dominators \([0-9.]*\) s.*/\1/p' <<<"$line")"
    # explore: "selection S s (N objects), VIEW T s"; query: "query T s; … N rows"
    if [[ "$line" == *selection* ]]; then
        view="$(sed -n 's/.*selection \([0-9.]*\) s (\([0-9]*\) objects), [a-z-]* \([0-9.]*\) s.*/\1 + \3/p' <<<"$line")"
        rows="$(sed -n 's/.*(\([0-9]*\) objects).*/\1 selected/p' <<<"$line")"
    else
        view="$(sed -n 's/.*query \([0-9.]*\) s.*/\1/p' <<<"$line")"
        rows="$(sed -n 's/.* \([0-9]*\) rows.*/\1/p' <<<"$line")"
    fi
    echo "| $label | $build | $dom | $view | $rows | $cpu | $wall | $((rss / 1024)) |"
    rm -f "$err"
}
O='com.example.bench.BigHeap$Order'
C='com.example.bench.BigHeap$Customer'
S='com.example.bench.BigHeap$Session'
if [[ "${BENCH_ONLY:-}" != query ]]; then
    run "explore retained-set $C" explore "$DUMP" retained-set "$C" --limit 5
    run "explore immediate-dominators java.lang.String" explore "$DUMP" immediate-dominators java.lang.String --limit 5
    run "explore merged-paths $S" explore "$DUMP" merged-paths "$S" --limit 5
    run "explore group-by-value java.lang.String" explore "$DUMP" group-by-value java.lang.String --limit 5
    run "explore group-by-value java.lang.Integer (fields read again)" explore "$DUMP" group-by-value java.lang.Integer --limit 5
    run "explore paths (one Customer, 10 paths)" explore "$DUMP" paths "SELECT c FROM $C c WHERE c.id = 1000" --limit 10
    run "explore contents (the 300 k-entry HashMap, by query)" explore "$DUMP" contents 'SELECT h FROM java.util.HashMap h WHERE h.size > 100000' --limit 5
fi
run "query: class scan with a field predicate" query "$DUMP" "SELECT * FROM $O o WHERE o.qty > 5" --limit 0
run "query: AS RETAINED SET" query "$DUMP" "SELECT AS RETAINED SET * FROM $C" --limit 0
run "query: regex over all Strings" query "$DUMP" 'SELECT * FROM java.lang.String s WHERE toString(s) LIKE ".*@.*"' --limit 0
