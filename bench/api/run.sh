#!/bin/bash
# The API benchmark: starts BUILD_DIR/server/judged on 127.0.0.1 (a free
# high port, a fresh data dir under /var/tmp, MAX_QUEUE_SIZE=10000000,
# JUDGED_WORKERS=2) and drives it with BUILD_DIR/bench/api/loadgen:
#
#   (a) enqueue: POST /submissions (no wait) of Python 3 print(1), 64
#       connections, 10 s, 2 loadgen threads. Target: >= 5000 req/s, p99 < 10 ms.
#   (b) end to end, on a fresh judged (the queue of (a) is huge): POST
#       /submissions?wait=true of Python print("hello") expecting "hello",
#       4 connections, 20 s; every response must be Accepted (status id 3).
#
# Usage (as root): bench/api/run.sh [BUILD_DIR]   (default: build)
# Build first: cmake --build BUILD_DIR --target judged loadgen
# Exit status: 0 if every request succeeded, 1 otherwise (targets missed are
# reported, not failed), 2 if judged or loadgen could not be run.
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
# A relative BUILD_DIR: from the current folder, else from the source tree.
if [[ $build != /* && ! -d $build && -d $src/$build ]]; then build=$src/$build; fi
build=$(cd "$build" && pwd)
judged=$build/server/judged
loadgen=$build/bench/api/loadgen

if [[ $(id -u) -ne 0 ]]; then
    echo "run.sh: must run as root (judged needs namespaces and cgroups)" >&2
    exit 2
fi
for bin in "$judged" "$loadgen"; do
    if [[ ! -x $bin ]]; then
        echo "run.sh: $bin not found; build it: cmake --build $build --target judged loadgen" >&2
        exit 2
    fi
done

judged_pid=
data_dir=
work=$(mktemp -d /var/tmp/judge-bench-api.XXXXXX)  # request bodies, logs, results

stop_judged() {
    [[ -n $judged_pid ]] || return 0
    if kill -0 "$judged_pid" 2>/dev/null; then
        kill -TERM "$judged_pid" 2>/dev/null || true
        # Grace for running work (JUDGED_SHUTDOWN_GRACE_SECONDS, 20 s by
        # default), then SIGKILL to that pid only.
        for _ in $(seq 1 600); do
            kill -0 "$judged_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$judged_pid" 2>/dev/null; then
            echo "run.sh: judged (pid $judged_pid) still running 60 s after SIGTERM; SIGKILL" >&2
            kill -KILL "$judged_pid" 2>/dev/null || true
        fi
    fi
    wait "$judged_pid" 2>/dev/null || true
    judged_pid=
    if [[ -n $data_dir && -d $data_dir ]]; then rm -rf -- "$data_dir"; fi
    data_dir=
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_judged
    rm -rf -- "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        # Nothing listening there: the connection is refused.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "run.sh: no free port found" >&2
    return 1
}

# start_judged LOG: a fresh data dir and port; sets judged_pid, port, base.
start_judged() {
    local log=$1
    data_dir=$(mktemp -d /var/tmp/judge-bench-data.XXXXXX)
    port=$(free_port)
    base=http://127.0.0.1:$port
    echo "+ MAX_QUEUE_SIZE=10000000 JUDGED_WORKERS=2 JUDGED_LISTEN=127.0.0.1:$port JUDGED_DATA_DIR=$data_dir $judged"
    MAX_QUEUE_SIZE=10000000 JUDGED_WORKERS=2 JUDGED_LISTEN=127.0.0.1:$port JUDGED_DATA_DIR=$data_dir \
        "$judged" >"$log" 2>&1 &
    judged_pid=$!
    for _ in $(seq 1 300); do  # 30 s
        if ! kill -0 "$judged_pid" 2>/dev/null; then
            wait "$judged_pid" && st=0 || st=$?
            judged_pid=
            echo "run.sh: judged exited (status $st) before it was live; its log:" >&2
            tail -n 30 "$log" >&2
            exit 2
        fi
        if curl -fsS -o /dev/null --max-time 1 "$base/health/live" 2>/dev/null; then
            echo "judged live: pid $judged_pid, $base, data dir $data_dir"
            return 0
        fi
        sleep 0.1
    done
    echo "run.sh: judged not live on $base after 30 s; its log:" >&2
    tail -n 30 "$log" >&2
    exit 2
}

# figures FILE: "RPS P50 P99" from loadgen's text report.
figures() {
    awk '$1 == "requests" { rps = $6; sub(/^\(/, "", rps) }
         $1 == "latency"  { p50 = $4; p99 = $8 }
         END { print rps, p50, p99 }' "$1"
}

# run_loadgen OUT ARGS...: prints the command line and the report; returns
# loadgen's status (1: some requests failed).
run_loadgen() {
    local out=$1
    shift
    echo "+ $loadgen$(printf ' %q' "$@")"
    local rc=0
    "$loadgen" "$@" >"$out" || rc=$?
    cat "$out"
    return "$rc"
}

judged_log() {
    echo "-- last lines of judged's log:"
    tail -n 20 "$1"
}

printf '%s\n' '{"source_code": "print(1)", "language_id": 71}' >"$work/enqueue.json"
printf '%s\n' '{"source_code": "print(\"hello\")", "language_id": 71, "expected_output": "hello"}' >"$work/e2e.json"

failed=0
echo "judge API benchmark: $(nproc) CPUs, $(uname -r), judged $judged"
echo

# --- (a) enqueue throughput.
echo "== (a) enqueue: POST /submissions (no wait), Python 3 print(1), 64 connections, 10 s"
start_judged "$work/judged-a.log"
run_loadgen "$work/a.txt" --url "$base/submissions" --method POST --body-file "$work/enqueue.json" \
    --connections 64 --duration 10 --threads 2 --expect-status 201 || { failed=1; judged_log "$work/judged-a.log"; }
read -r a_rps a_p50 a_p99 < <(figures "$work/a.txt")
a_verdict=$(awk -v r="$a_rps" -v p="$a_p99" 'BEGIN { print (r >= 5000 && p < 10) ? "met" : "MISSED" }')
echo "enqueue: $a_rps req/s, p50 $a_p50 ms, p99 $a_p99 ms   (target: >= 5000 req/s, p99 < 10 ms: $a_verdict)"
stop_judged
echo

# --- (b) end to end, on a fresh judged.
echo "== (b) end to end: POST /submissions?wait=true, Python 3 print(\"hello\"), 4 connections, 20 s"
start_judged "$work/judged-b.log"
run_loadgen "$work/b.txt" --url "$base/submissions?wait=true" --method POST --body-file "$work/e2e.json" \
    --connections 4 --duration 20 --threads 1 --expect-status 201 --expect-body-contains '"id":3' || { failed=1; judged_log "$work/judged-b.log"; }
read -r b_rps b_p50 b_p99 < <(figures "$work/b.txt")
echo "end to end: $b_rps submissions/s, p50 $b_p50 ms, p99 $b_p99 ms (every response must be Accepted)"
stop_judged
echo

echo "summary"
echo "  (a) enqueue     $a_rps req/s  p50 $a_p50 ms  p99 $a_p99 ms  target >= 5000 req/s, p99 < 10 ms: $a_verdict"
echo "  (b) end to end  $b_rps submissions/s  p50 $b_p50 ms  p99 $b_p99 ms"
if [[ $failed -ne 0 ]]; then
    echo "  some requests failed (see the errors lines above)"
    exit 1
fi
