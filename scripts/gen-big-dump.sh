#!/usr/bin/env bash
# Generates a big, realistic heap dump for benchmarks (never commit it).
#
#   scripts/gen-big-dump.sh OUT.hprof [TARGET_MB [PAD_MB]]   (TARGET_MB default 600, 1100 ~ 1 GiB; PAD_MB default 0)
#
# Runs bench/java/BigHeap.java, which fills the heap with a realistic object mix (~5% of the
# objects left unreachable, dumped with live=false) and writes OUT.hprof (about TARGET_MB MiB),
# OUT.histo.txt (class histogram, -all) and OUT.facts.json (counts, sizes, timings).
# PAD_MB > 0 (-Dbigheap.pad_mb): after that same fill, PAD_MB MiB more of live 64 MiB byte[]
# arrays (non-zero pattern): the dump is about TARGET_MB + PAD_MB MiB with the object count of
# TARGET_MB alone (+ PAD_MB/64 arrays), e.g. 1100 3300 -> ~4.4 GB, ~17 M objects.
# Idempotent: an existing OUT.hprof is reused when OUT.facts.json says it was made for the same
# TARGET_MB and PAD_MB by the same BigHeap.java (sha256) and has the recorded size (or, without
# a facts file, when its size is within 15% of TARGET_MB + PAD_MB).
# Needs a JDK 17 (HEAPLENS_INSTALL=1 as root installs openjdk-17-jdk-headless with apt-get).
# MIX=strings (environment) runs bench/java/StringHeap.java instead: a second mix, strings and
# collections heavy, many small objects, deep linked chains (no padding knob; ~25 M objects at
# 1100 MB). Default MIX=app (BigHeap).
# Rough cost: TARGET_MB=600 -> ~9.4 M objects, 1100 -> ~17 M (measured: 16.9 M);
# heap -Xmx = 1.2 x TARGET + 512 MB + 33/32 x PAD_MB; disk ~1.2 x (TARGET + PAD_MB).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 3 || "$1" == -h || "$1" == --help ]]; then
    echo "usage: $0 OUT.hprof [TARGET_MB [PAD_MB]]   (TARGET_MB default 600, PAD_MB default 0)" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$1"
TARGET="${2:-600}"
PAD="${3:-0}"
[[ "$TARGET" =~ ^[0-9]+$ && "$TARGET" -ge 16 ]] || { echo "gen-big-dump: TARGET_MB must be an integer >= 16" >&2; exit 2; }
[[ "$PAD" =~ ^[0-9]+$ ]] || { echo "gen-big-dump: PAD_MB must be an integer >= 0" >&2; exit 2; }
PAD=$((10#$PAD))
case "$OUT" in *.hprof) BASE="${OUT%.hprof}" ;; *) BASE="$OUT" ;; esac
FACTS="$BASE.facts.json"
MIX="${MIX:-app}"
case "$MIX" in
    app) MAIN=BigHeap ;;
    strings) MAIN=StringHeap ;;
    *) echo "gen-big-dump: MIX must be app or strings" >&2; exit 2 ;;
esac
if [[ "$MIX" != app && "$PAD" != 0 ]]; then echo "gen-big-dump: PAD_MB needs MIX=app" >&2; exit 2; fi
SRC_SHA="$(sha256sum "$ROOT/bench/java/$MAIN.java" | cut -c1-64)"

if [[ -f "$OUT" ]]; then
    size=$(stat -c %s "$OUT")
    if [[ -f "$FACTS" ]]; then
        rec_target=$(sed -n 's/^ *"target_mb": \([0-9]*\).*/\1/p' "$FACTS")
        # Facts from before the padding knob have no pad_mb: they were made without padding.
        rec_pad=$(sed -n 's/^ *"pad_mb": \([0-9]*\).*/\1/p' "$FACTS")
        rec_pad="${rec_pad:-0}"
        rec_size=$(sed -n 's/^ *"hprof_bytes": \([0-9]*\).*/\1/p' "$FACTS")
        rec_sha=$(sed -n 's/^ *"source_sha256": "\([0-9a-f]*\)".*/\1/p' "$FACTS")
        if [[ "$rec_target" == "$TARGET" && "$rec_pad" == "$PAD" && "$rec_size" == "$size" && "$rec_sha" == "$SRC_SHA" ]]; then
            echo "gen-big-dump: reusing $OUT ($size bytes, made for ${TARGET} MB + ${PAD} MB padding by this $MAIN.java)"
            exit 0
        fi
    else
        want=$(((TARGET + PAD) * 1024 * 1024))
        if ((size * 100 >= want * 85 && size * 100 <= want * 115)); then
            echo "gen-big-dump: reusing $OUT ($size bytes, within 15% of ${TARGET} + ${PAD} MB; no $FACTS)"
            exit 0
        fi
    fi
    echo "gen-big-dump: $OUT exists but was not made for ${TARGET} MB + ${PAD} MB padding by this $MAIN.java: regenerating"
fi

if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 && "${HEAPLENS_INSTALL:-0}" == 1 ]]; then
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jdk-headless
    else
        echo "gen-big-dump: error: a JDK 17 (java and javac) is needed and 'javac' is not on PATH." >&2
        echo "  Install it: apt-get install openjdk-17-jdk-headless   (or as root: HEAPLENS_INSTALL=1 $0 ...)" >&2
        exit 1
    fi
fi

mkdir -p "$(dirname "$OUT")"
OUTDIR="$(cd "$(dirname "$OUT")" && pwd)"
case "$OUTDIR/" in
    "$ROOT"/*) echo "gen-big-dump: warning: $OUT is inside the repository; do not commit it" >&2 ;;
esac
avail_mb=$(df -Pm "$OUTDIR" | awk 'NR==2 {print $4}')
if ((avail_mb < (TARGET + PAD) * 12 / 10 + 64)); then
    echo "gen-big-dump: error: only ${avail_mb} MB free in $OUTDIR, need ~$(((TARGET + PAD) * 12 / 10)) MB" >&2
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/heaplens-bigdump.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
javac -nowarn -d "$WORK" "$ROOT/bench/java/$MAIN.java"

# The padding is live byte[] (PAD_MB MiB + headers) on top of the usual sizing; the young
# generation is sized for the unreachable objects as without it.
XMX=$((TARGET * 12 / 10 + 512 + PAD * 33 / 32))
XMN=$((TARGET / 5 + 64))
rm -f "$OUT"
start=$SECONDS
java -XX:+UseSerialGC -XX:-UsePerfData -Xms${XMX}m -Xmx${XMX}m -Xmn${XMN}m -Dbigheap.source="$SRC_SHA" \
    -Dbigheap.pad_mb="$PAD" \
    -cp "$WORK" "com.example.bench.$MAIN" "$OUT" "$TARGET"
objects=$(awk '/^Total/ {print $2}' "$BASE.histo.txt")
echo "gen-big-dump: $OUT: $(stat -c %s "$OUT") bytes, $objects objects (histogram -all), $((SECONDS - start)) s"
