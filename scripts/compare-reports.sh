#!/usr/bin/env bash
# Checks that a change leaves every analysis result unchanged: runs two `heaplens` binaries
# (before and after) with `analyze --format json` on each dump and compares the outputs byte for
# byte.
#
#   scripts/compare-reports.sh BEFORE_BIN AFTER_BIN [DUMP...]
#
# Without DUMPs: every tests/fixtures/*.hprof.gz, tests/fixtures/outside/mat/*.hprof.gz and, when
# present, /work/shared/real-dumps/**/*.hprof*. Exit status 1 when any report differs (the diff's
# first lines are printed), 0 when all are identical. Reports are written to a temporary
# directory (kept on a difference, for inspection).
set -euo pipefail

if [[ $# -lt 2 || "$1" == -h || "$1" == --help ]]; then
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BEFORE="$1" AFTER="$2"
shift 2
for b in "$BEFORE" "$AFTER"; do
    [[ -x "$b" ]] || { echo "compare-reports: not an executable: $b" >&2; exit 2; }
done
DUMPS=("$@")
if [[ ${#DUMPS[@]} -eq 0 ]]; then
    shopt -s nullglob globstar
    DUMPS=("$ROOT"/tests/fixtures/*.hprof.gz "$ROOT"/tests/fixtures/outside/mat/*.hprof.gz
        /work/shared/real-dumps/**/*.hprof /work/shared/real-dumps/**/*.hprof.gz)
fi
OUT="$(mktemp -d "${TMPDIR:-/tmp}/heaplens-compare.XXXXXX")"
differ=0
for dump in "${DUMPS[@]}"; do
    name="$(basename "$dump")"
    # Exit codes are compared too (a dump both versions refuse must fail alike).
    rb=0 ra=0
    "$BEFORE" analyze --format json "$dump" >"$OUT/$name.before.json" 2>"$OUT/$name.before.err" || rb=$?
    "$AFTER" analyze --format json "$dump" >"$OUT/$name.after.json" 2>"$OUT/$name.after.err" || ra=$?
    if [[ "$rb" != "$ra" ]] || ! cmp -s "$OUT/$name.before.json" "$OUT/$name.after.json"; then
        echo "DIFFERENT: $dump (exit $rb -> $ra)"
        diff "$OUT/$name.before.json" "$OUT/$name.after.json" | head -20 || true
        differ=1
    else
        echo "same: $dump ($(stat -c %s "$OUT/$name.after.json") bytes of JSON)"
    fi
done
if [[ "$differ" == 0 ]]; then
    rm -rf "$OUT"
    echo "compare-reports: all ${#DUMPS[@]} reports identical"
else
    echo "compare-reports: reports differ; outputs kept in $OUT" >&2
    exit 1
fi
