#!/usr/bin/env bash
# Speed benchmark: `dockguard scan` versus one batched `docker inspect` of the same containers.
#
# Usage: bench/scan.sh [COUNTS...]          (default: 10 100 1000)
#
# For each count N, exactly N containers named dgbench-1..dgbench-N, labelled dockguard.bench=1, are created
# (never started) from a FROM-scratch busybox image, reusing those left by the previous count. Then, after one
# warm-up run, each command is timed REPS times and the median is reported:
#   (a) docker inspect $(docker ps -aq --filter label=dockguard.bench=1) >/dev/null   (list + one batched inspect)
#   (b) dockguard scan --format json --container label=dockguard.bench=1 -o - >/dev/null
# Peak RSS of (b) is the maximum over all its runs, from /usr/bin/time -f %M.
#
# Note: the report goes to stdout (`-o -`) redirected to /dev/null rather than `-o /dev/null`: dockguard writes
# -o files atomically (temp file + rename), which, run as root, would replace the /dev/null device node.
#
# Environment:
#   REPS=5            timed repetitions per measurement (after one warm-up)
#   JOBS=16           parallel `docker create` processes while setting up
#   KEEP=1            keep the benchmark containers (and image) at the end
#   DOCKGUARD=path    binary to benchmark (default: target/release/dockguard, built if missing)
#   BUSYBOX=path      static busybox for the test image (default: /bin/busybox)
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C

REPS=${REPS:-5}
JOBS=${JOBS:-16}
KEEP=${KEEP:-0}
BUSYBOX=${BUSYBOX:-/bin/busybox}
LABEL=dockguard.bench=1
IMAGE=dockguard-bench/busybox:latest

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKGUARD=${DOCKGUARD:-$ROOT/target/release/dockguard}

die() { echo "bench/scan.sh: error: $*" >&2; exit 2; }
log() { echo "[bench] $*" >&2; }

COUNTS=("$@")
[[ ${#COUNTS[@]} -gt 0 ]] || COUNTS=(10 100 1000)
for n in "${COUNTS[@]}"; do
    [[ $n =~ ^[0-9]+$ && $n -gt 0 ]] || die "container count must be a positive integer, got '$n'"
done
[[ $REPS =~ ^[0-9]+$ && $REPS -ge 1 ]] || die "REPS must be a positive integer, got '$REPS'"
[[ $JOBS =~ ^[0-9]+$ && $JOBS -ge 1 ]] || die "JOBS must be a positive integer, got '$JOBS'"

# --- prerequisites -------------------------------------------------------------------------------------------
command -v docker >/dev/null || die "the docker CLI is not installed"
if ! docker_err=$(docker version -f '{{.Server.Version}}' 2>&1 >/dev/null); then
    die "the Docker daemon is not reachable (is dockerd running? DOCKER_HOST=${DOCKER_HOST:-unset}):
$docker_err"
fi
SERVER_VERSION=$(docker version -f '{{.Server.Version}}')

if [[ ! -x /usr/bin/time ]]; then
    log "/usr/bin/time is missing; installing package 'time'"
    if [[ $(id -u) -eq 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2 || die "cannot install package 'time'"
    else
        die "/usr/bin/time is missing: run 'sudo apt-get install -y time'"
    fi
fi

if [[ ! -x $DOCKGUARD ]]; then
    log "building $DOCKGUARD (cargo build --release -p dockguard)"
    (cd "$ROOT" && cargo build --release -p dockguard >&2) || die "cargo build failed"
    [[ -x $DOCKGUARD ]] || die "$DOCKGUARD does not exist after the build"
fi

# --- cleanup -------------------------------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dgbench.XXXXXX")
BUILT_IMAGE=0
CLEANED=0
cleanup() {
    [[ $CLEANED -eq 1 ]] && return
    CLEANED=1
    trap - INT TERM
    if [[ $KEEP != 1 ]]; then
        local ids
        ids=$(docker ps -aq --filter "label=$LABEL" 2>/dev/null || true)
        if [[ -n $ids ]]; then
            log "removing $(wc -w <<<"$ids") benchmark containers"
            # shellcheck disable=SC2086
            docker rm -f $ids >/dev/null 2>&1 || log "warning: some benchmark containers could not be removed"
        fi
        if [[ $BUILT_IMAGE -eq 1 ]]; then
            docker rmi "$IMAGE" >/dev/null 2>&1 || true
        fi
    else
        log "KEEP=1: leaving the benchmark containers (label $LABEL) and image $IMAGE"
    fi
    rm -rf "$TMP"
}
on_signal() {
    log "interrupted; cleaning up"
    cleanup
    exit 130
}
trap cleanup EXIT
trap on_signal INT TERM

# --- test image ----------------------------------------------------------------------------------------------
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    [[ -x $BUSYBOX ]] || die "$BUSYBOX not found (install busybox-static) or set BUSYBOX=path"
    file_out=$(file -L "$BUSYBOX" 2>/dev/null || true)
    if [[ -n $file_out && $file_out != *static* ]]; then
        die "$BUSYBOX is not statically linked (install busybox-static)"
    fi
    log "building $IMAGE FROM scratch with $BUSYBOX"
    mkdir -p "$TMP/ctx"
    cp "$BUSYBOX" "$TMP/ctx/busybox"
    printf '%s\n' 'FROM scratch' 'COPY busybox /bin/busybox' 'CMD ["/bin/busybox","sleep","3600"]' \
        >"$TMP/ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q --label "$LABEL" -t "$IMAGE" "$TMP/ctx" >/dev/null 2>"$TMP/build.err" \
        || { cat "$TMP/build.err" >&2; die "docker build of $IMAGE failed"; }
    BUILT_IMAGE=1
fi

# --- helpers -------------------------------------------------------------------------------------------------
bench_ids() { docker ps -aq --filter "label=$LABEL"; }

# Makes exactly N benchmark containers dgbench-1..dgbench-N exist (created, not started).
ensure_containers() {
    local n=$1 have
    have="$TMP/have"
    docker ps -a --filter "label=$LABEL" --format '{{.Names}}' | sort -u >"$have"
    # extra ones (from a larger previous count, or stray names) go away
    local extra
    extra=$(awk -v n="$n" '{ if (match($0, /^dgbench-[0-9]+$/) && substr($0, 9) + 0 <= n) next; print }' "$have")
    if [[ -n $extra ]]; then
        log "removing $(wc -l <<<"$extra") containers above $n"
        xargs -r docker rm -f <<<"$extra" >/dev/null
    fi
    local missing
    missing=$(seq 1 "$n" | sed 's/^/dgbench-/' | sort | comm -23 - "$have")
    if [[ -n $missing ]]; then
        local count t0
        count=$(wc -l <<<"$missing")
        log "creating $count containers (xargs -P $JOBS)"
        t0=$(date +%s%N)
        # batches of 25 names per shell, JOBS shells at a time. In the foreground on purpose: on Ctrl-C the
        # trap runs only after xargs has returned, so cleanup cannot race with creates still in flight.
        if ! xargs -P "$JOBS" -n 25 sh -c '
            img=$1; label=$2; shift 2
            for name in "$@"; do
                docker create --label "$label" --name "$name" "$img" >/dev/null || exit 255
            done' _ "$IMAGE" "$LABEL" <<<"$missing"; then
            die "docker create failed (a container named dgbench-* without label $LABEL may exist)"
        fi
        log "created $count in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
    fi
    local got
    got=$(bench_ids | wc -l)
    [[ $got -eq $n ]] || die "expected $n benchmark containers, found $got"
}

# Prints the median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# (a) one list + one batched inspect, like `docker inspect $(docker ps -aq ...)`.
run_inspect() {
    # shellcheck disable=SC2046
    docker inspect $(bench_ids) >/dev/null
}

# (b) dockguard scan; exit 1 (rules failed) is expected. Appends the peak RSS (KB) to $TMP/rss.
run_scan() {
    local rc=0
    /usr/bin/time -f %M -o "$TMP/rss.one" \
        "$DOCKGUARD" scan --format json --container "label=$LABEL" -o - >/dev/null 2>"$TMP/scan.err" || rc=$?
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        cat "$TMP/scan.err" >&2
        die "dockguard scan exited with $rc"
    fi
    tail -n 1 "$TMP/rss.one" >>"$TMP/rss"
}

# Times "$@" once in ms (wall clock).
time_ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@"
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
}

# Warm-up + REPS timed runs; prints the median in ms.
measure() {
    "$@"
    local i
    for ((i = 0; i < REPS; i++)); do time_ms "$@"; done | median
}

# --- run -----------------------------------------------------------------------------------------------------
ROWS=()
for n in "${COUNTS[@]}"; do
    ensure_containers "$n"
    log "N=$n: timing batched docker inspect ($REPS runs + warm-up)"
    t_inspect=$(measure run_inspect)
    log "N=$n: timing dockguard scan ($REPS runs + warm-up)"
    : >"$TMP/rss"
    t_scan=$(measure run_scan)
    rss_kb=$(sort -n "$TMP/rss" | tail -n 1)
    ratio=$(awk -v a="$t_scan" -v b="$t_inspect" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
    log "N=$n: inspect ${t_inspect} ms, scan ${t_scan} ms, ratio ${ratio}, RSS ${rss_mb} MB"
    ROWS+=("| $n | $t_inspect | $t_scan | $ratio | $rss_mb |")
done

echo "| containers | batched docker inspect (ms) | dockguard scan (ms) | ratio | peak RSS (MB) |"
echo "|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Machine: nproc=$(nproc), Docker server $SERVER_VERSION, $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC'); median of $REPS runs after 1 warm-up; inspect timing includes the docker ps listing."
