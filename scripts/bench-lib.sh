# shellcheck shell=bash
# Shared by scripts/bench.sh (native) and scripts/bench-browser.sh (browser): machine facts,
# GNU time, the pinned peers. Sourced, not run. The caller defines `log MESSAGE` and
# `die MESSAGE` (each script words its own errors) and sets PEERS (the peers' cargo root).

# The peers' versions are pinned so that results stay comparable over time.
SLURP_VERSION="0.10.0"
ANALYZER_VERSION="0.3.2"

# Bold/yellow only on a terminal (logs stay clean).
if [[ -t 2 ]]; then BENCH_YELLOW=$'\033[1;33m' BENCH_RESET=$'\033[0m'; else BENCH_YELLOW="" BENCH_RESET=""; fi

# Floating-point helper (bash has only integers): calc EXPR [DECIMALS].
calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# Machine facts, printed first (and again in the results) because numbers from a loaded machine
# are not comparable: other builds compete for the same cores and the same memory bandwidth.
# Sets CPU_MODEL, NPROC, MEM_MIB, LOAD_START and LOAD_WARNING (empty when the load is low).
bench_machine_facts() {
    CPU_MODEL="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
    NPROC="$(nproc)"
    MEM_MIB="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
    LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
    log "machine: $NPROC CPUs ($CPU_MODEL), $MEM_MIB MiB RAM, load average $LOAD_START"
    LOAD_WARNING=""
    if awk "BEGIN { exit !($(load1) > 1.5) }"; then
        LOAD_WARNING="load average $(load1) > 1.5 at start: the machine is busy, timings are pessimistic"
        printf '%sWARNING: %s%s\n' "$BENCH_YELLOW" "$LOAD_WARNING" "$BENCH_RESET" >&2
    fi
}

# GNU time gives the peak RSS of a process (bash's `time` does not). Installs the Debian
# package `time` when running as root.
bench_require_gnu_time() {
    [[ -x /usr/bin/time ]] && return
    if [[ "$(id -u)" == 0 ]]; then
        log "installing GNU time (Debian package 'time') for peak-RSS measurements"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q time >/dev/null ||
            { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q time; }
    else
        die "/usr/bin/time (GNU time) is missing: apt-get install time"
    fi
}

# install_peer CRATE VERSION: `cargo install` a peer into the scratch root $PEERS (keeps it out
# of ~/.cargo/bin), unless a binary of the pinned version is there (the install compiles for
# minutes).
install_peer() {
    local bin="$PEERS/bin/$1"
    if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -qF "$2"; then
        return
    fi
    # --locked: the crates' own Cargo.lock. Without it hprof-analyzer 0.3.2 does not compile
    # (cargo picks zip 2.6, whose ZipFile type changed).
    log "cargo install --locked --root $PEERS $1 --version $2 (once; takes minutes)"
    cargo install --locked --root "$PEERS" "$1" --version "$2"
}
