#!/usr/bin/env bash
# Regenerates the real-JVM heap-dump test fixtures.
#
#   scripts/gen-fixtures.sh [OUTDIR]             (default: tests/fixtures/ of this repository)
#   scripts/gen-fixtures.sh --variants [OUTDIR]  (default: tests/fixtures/variants/)
#   scripts/gen-fixtures.sh --process-memory [OUTDIR]  (only step 3 below)
#
# --variants: the JVM-layout variants used by tests/histogram_vs_jvm.rs to check shallow sizes
# against the JVM's own histogram on other object layouts: two of the programs (queue_backlog,
# String-heavy; thread_explosion, Thread-heavy) on JDK 25 with and without compact object
# headers, and on JDK 17 with compressed oops off; queue_backlog with 60,000 messages of 20
# chars (short Strings, where header sizes show). Files are NAME.VARIANT.{hprof.gz,histo.txt}
# (no facts: those state JDK 17's default layout); VARIANT is jdk25, jdk25-coh or jdk17-nocoops.
# JDK 25 is taken from $JAVA25_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64).
#
# Compiles tests/java/**/*.java into a temporary directory, runs each fixture program (each one
# builds its incident's state, then writes NAME.histo.txt, NAME.hprof and NAME.facts.json
# itself, see tests/java/com/example/fixtures/FixtureDump.java), gzips each dump with
# `gzip -9 -n` and copies NAME.hprof.gz, NAME.histo.txt and NAME.facts.json into OUTDIR.
#
# Needs a JDK 17 (java + javac). If javac is missing: run as root with HEAPLENS_INSTALL=1 to
# apt-get install openjdk-17-jdk-headless, or install it yourself.
# Idempotent: every run rewrites the same files (the dumps differ in addresses and timestamps
# only; the facts are the same). Works from any cwd. Takes ~30 s on 2 idle cores.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VARIANTS=0
PROCMEM_ONLY=0
if [[ "${1:-}" == --variants ]]; then
    VARIANTS=1
    shift
elif [[ "${1:-}" == --process-memory ]]; then
    PROCMEM_ONLY=1
    shift
fi
if ((VARIANTS)); then
    OUT="${1:-$ROOT/tests/fixtures/variants}"
else
    OUT="${1:-$ROOT/tests/fixtures}"
fi
JAVA25_HOME="${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
BUDGET_BYTES=$((14 * 1000 * 1000)) # all *.hprof.gz together

ensure_jdk() {
    if command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
        return
    fi
    if [[ "$(id -u)" == 0 && "${HEAPLENS_INSTALL:-0}" == 1 ]]; then
        echo "gen-fixtures: installing openjdk-17-jdk-headless (HEAPLENS_INSTALL=1)" >&2
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jdk-headless
        return
    fi
    echo "gen-fixtures: error: a JDK 17 (java and javac) is needed and 'javac' is not on PATH." >&2
    echo "  Install it:  apt-get install openjdk-17-jdk-headless" >&2
    echo "  or, as root: HEAPLENS_INSTALL=1 $0 [OUTDIR]" >&2
    exit 1
}
ensure_jdk

JAVA_MAJOR="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ "$JAVA_MAJOR" != 17 ]]; then
    echo "gen-fixtures: warning: java is version $JAVA_MAJOR, the fixtures' README and the Rust" >&2
    echo "  tests' expectations were made with JDK 17 (other versions change the JDK baseline)." >&2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/heaplens-fixtures.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/classes" "$WORK/out" "$WORK/tmp" "$OUT"

mapfile -d '' SOURCES < <(find "$ROOT/tests/java" -name '*.java' -print0 | sort -z)
echo "gen-fixtures: compiling ${#SOURCES[@]} sources"
javac -nowarn -d "$WORK/classes" "${SOURCES[@]}"

# [JAVA=path] [VARIANT=suffix] run NAME MAIN-CLASS JVM-FLAGS...  (all runs: serial GC for a
# small, deterministic JDK baseline, and a compacting full GC before the dump, which the size
# inference of the variants relies on; compressed oops are the default under 32 GB)
run() {
    local name="$1" main="$2" java="${JAVA:-java}" variant="${VARIANT:-}"
    shift 2
    local t0=$SECONDS dir="$WORK/out/${variant:-default}"
    mkdir -p "$dir"
    "$java" -XX:+UseSerialGC -XX:-UsePerfData -Djava.io.tmpdir="$WORK/tmp" "$@" \
        -cp "$WORK/classes" "$main" "$dir"
    for f in "$name.hprof" "$name.histo.txt" "$name.facts.json"; do
        [[ -s "$dir/$f" ]] || { echo "gen-fixtures: $main did not write $f" >&2; exit 1; }
    done
    gzip -9 -n -f "$dir/$name.hprof"
    local to="$name${variant:+.$variant}" ext exts=(hprof.gz histo.txt)
    [[ -n "$variant" ]] || exts+=(facts.json)
    for ext in "${exts[@]}"; do
        install -m 644 "$dir/$name.$ext" "$OUT/$to.$ext"
    done
    echo "gen-fixtures: $to: $(stat -c %s "$OUT/$to.hprof.gz") bytes gzipped ($((SECONDS - t0)) s)"
}

if ((VARIANTS)); then
    [[ -x "$JAVA25_HOME/bin/java" ]] || {
        echo "gen-fixtures: error: no JDK 25 at $JAVA25_HOME (set JAVA25_HOME)" >&2
        exit 1
    }
    variant_lane() { # VARIANT JAVA FLAGS...
        local v="$1" j="$2"
        shift 2
        VARIANT=$v JAVA=$j run queue_backlog com.example.monitor.QueueBacklogApp "$@" -Xmx64m \
            -Dfixture.messages=60000 -Dfixture.messageLength=20
        VARIANT=$v JAVA=$j run thread_explosion com.example.threads.ThreadExplosionApp "$@" -Xmx64m -Xss256k
    }
    variant_lane jdk25 "$JAVA25_HOME/bin/java" -XX:-UseCompactObjectHeaders & pid_a=$!
    variant_lane jdk25-coh "$JAVA25_HOME/bin/java" -XX:+UseCompactObjectHeaders & pid_b=$!
    rc=0
    wait "$pid_a" || rc=1
    wait "$pid_b" || rc=1
    variant_lane jdk17-nocoops java -XX:-UseCompressedOops || rc=1
    if ((rc != 0)); then
        echo "gen-fixtures: error: a fixture program failed (see above)" >&2
        exit 1
    fi
    echo "gen-fixtures: variants: $(du -cb "$OUT"/*.hprof.gz | tail -1 | cut -f1) bytes of .hprof.gz in $OUT"
    exit 0
fi

# Step 3 (also alone with --process-memory): the process-memory fixtures (issue 19), memory
# beyond the heap. direct_memory: 320 MiB of direct buffers in a pool-like holder, plus a
# mapped file, with -XX:MaxDirectMemorySize (JDK 17, and JDK 25 as direct_memory.jdk25:
# Deallocator became a record, Buffer.segment a MemorySegment); thread_stacks: 3,000 parked
# threads with -Xss384k, JVM arguments read through RuntimeMXBean before the dump.
PROCMEM_BUDGET_BYTES=$((3 * 1000 * 1000)) # each
process_memory() {
    run direct_memory com.example.offheap.DirectMemoryApp -Xmx64m -XX:MaxDirectMemorySize=512m
    run thread_stacks com.example.stacks.ThreadStacksApp -Xmx64m -Xss384k
    if [[ -x "$JAVA25_HOME/bin/java" ]]; then
        VARIANT=jdk25 JAVA="$JAVA25_HOME/bin/java" run direct_memory \
            com.example.offheap.DirectMemoryApp -Xmx64m -XX:MaxDirectMemorySize=512m
        install -m 644 "$WORK/out/jdk25/direct_memory.facts.json" "$OUT/direct_memory.jdk25.facts.json"
    else
        echo "gen-fixtures: warning: no JDK 25 at $JAVA25_HOME: direct_memory.jdk25 not made" >&2
    fi
    local f
    for f in direct_memory thread_stacks direct_memory.jdk25; do
        [[ -f "$OUT/$f.hprof.gz" ]] || continue
        if (($(stat -c %s "$OUT/$f.hprof.gz") > PROCMEM_BUDGET_BYTES)); then
            echo "gen-fixtures: error: $f.hprof.gz is over $PROCMEM_BUDGET_BYTES bytes" >&2
            exit 1
        fi
    done
}
if ((PROCMEM_ONLY)); then
    process_memory
    exit 0
fi

# Two lanes in parallel (2 cores); the long one has the child javac of the class loader fixture.
lane_a() {
    run classloader_leak com.example.agent.ClassLoaderLeakApp     -Xmx96m
    run thread_explosion com.example.threads.ThreadExplosionApp   -Xmx64m -Xss256k
    run plugin_redeploy  com.example.plugins.host.PluginRedeployApp -Xmx64m
}
lane_b() {
    run retry_buffer     com.example.retry.RetryBufferApp         -Xmx64m
    run queue_backlog    com.example.monitor.QueueBacklogApp      -Xmx64m
    run threadlocal_leak com.example.tlleak.ThreadLocalLeakApp    -Xmx64m
    run healthy_app      com.example.healthy.HealthyApp           -Xmx64m
    # Not a FixtureDump: the JVM itself writes the dump (into run's dir) at the OutOfMemoryError.
    run oom_export       com.example.oom.OomExportApp             -Xmx32m \
        -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$WORK/out/default/oom_export.hprof"
}
lane_a & pid_a=$!
lane_b & pid_b=$!
rc=0
wait "$pid_a" || rc=1
wait "$pid_b" || rc=1
if ((rc != 0)); then
    echo "gen-fixtures: error: a fixture program failed (see above)" >&2
    exit 1
fi

total=0
for n in retry_buffer queue_backlog threadlocal_leak thread_explosion classloader_leak healthy_app oom_export plugin_redeploy; do
    total=$((total + $(stat -c %s "$OUT/$n.hprof.gz")))
done
echo "gen-fixtures: total of the .hprof.gz: $total bytes (budget $BUDGET_BYTES) in $OUT"
if ((total > BUDGET_BYTES)); then
    echo "gen-fixtures: error: over the commit budget; lower the counts in tests/java" >&2
    exit 1
fi

# Step 2: the growth fixture for `heaplens diff` (tests/java/com/example/growth/GrowthApp.java):
# one JVM writes two dumps, growth_base and growth_new (each with its histogram), and
# growth.facts.json. Budgeted apart from the six incident dumps.
GROWTH_BUDGET_BYTES=$((3 * 1000 * 1000))
t0=$SECONDS
java -XX:+UseSerialGC -XX:-UsePerfData -Djava.io.tmpdir="$WORK/tmp" -Xmx64m \
    -cp "$WORK/classes" com.example.growth.GrowthApp "$WORK/out"
growth_total=0
for n in growth_base growth_new; do
    for f in "$n.hprof" "$n.histo.txt"; do
        [[ -s "$WORK/out/$f" ]] || { echo "gen-fixtures: GrowthApp did not write $f" >&2; exit 1; }
    done
    gzip -9 -n -f "$WORK/out/$n.hprof"
    install -m 644 "$WORK/out/$n.hprof.gz" "$WORK/out/$n.histo.txt" "$OUT/"
    growth_total=$((growth_total + $(stat -c %s "$OUT/$n.hprof.gz")))
done
install -m 644 "$WORK/out/growth.facts.json" "$OUT/"
echo "gen-fixtures: growth_base + growth_new: $growth_total bytes gzipped ($((SECONDS - t0)) s; budget $GROWTH_BUDGET_BYTES)"
if ((growth_total > GROWTH_BUDGET_BYTES)); then
    echo "gen-fixtures: error: the growth dumps are over their budget; lower the counts in GrowthApp" >&2
    exit 1
fi

process_memory
