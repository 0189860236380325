#!/bin/bash
# The API benchmark: starts BUILD_DIR/server/judged on 127.0.0.1 (a free
# high port, a fresh data dir under /var/tmp, MAX_QUEUE_SIZE=10000000,
# JUDGED_WORKERS=2) and drives it with BUILD_DIR/bench/api/loadgen:
#
#   (a) enqueue, saturation: POST /submissions (no wait) of Python 3
#       print(1), closed loop, 64 connections, 10 s, 2 loadgen threads: the
#       most judged answers. Its latency is queueing at that saturation (64
#       requests always in flight: mean latency = 64 / throughput).
#   (a2) enqueue at the target rate, on a fresh judged: the same request,
#       open loop at 5000 req/s offered (loadgen --rate: a fixed schedule,
#       latency from each request's scheduled time), 64 connections, 10 s.
#   In both, judged's 2 workers judge the growing queue on the same 2 cores
#   meanwhile. Target (issue 4): (a) >= 5000 req/s, and in (a2) achieved
#   >= 99% of offered with p99 < 10 ms.
#   (b) end to end, on a fresh judged (the queue of (a2) is huge): POST
#       /submissions?wait=true of Python print("hello") expecting "hello",
#       4 connections, 20 s; every response must be Accepted (status id 3).
#
# Usage (as root): bench/api/run.sh [BUILD_DIR]   (default: build)
# judged's settings come from the environment as usual, e.g.
# JUDGED_WORKER_NICE=0 bench/api/run.sh to judge at the HTTP threads' priority.
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

# figures FILE: "RPS P50 P99 OFFERED ACHIEVED" from loadgen's text report
# (OFFERED and ACHIEVED: "-" for a closed loop).
figures() {
    awk 'BEGIN { offered = "-"; achieved = "-" }
         $1 == "requests" { rps = $6; sub(/^\(/, "", rps) }
         $1 == "offered"  { offered = $2; achieved = $5 }
         $1 == "latency"  { p50 = $4; p99 = $8 }
         END { print rps, p50, p99, offered, achieved }' "$1"
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
echo "judged's workers and boxes at nice ${JUDGED_WORKER_NICE:-10 (default)} (JUDGED_WORKER_NICE from the environment)"
echo

# --- (a) enqueue: saturation throughput (closed loop).
echo "== (a) enqueue, saturation: POST /submissions (no wait), Python 3 print(1), closed loop, 64 connections, 10 s"
start_judged "$work/judged-a.log"
run_loadgen "$work/a.txt" --url "$base/submissions" --method POST --body-file "$work/enqueue.json" \
    --connections 64 --duration 10 --threads 2 --expect-status 201 || { failed=1; judged_log "$work/judged-a.log"; }
read -r a_rps a_p50 a_p99 _ _ < <(figures "$work/a.txt")
echo "enqueue, saturation: $a_rps req/s (p50 $a_p50 ms, p99 $a_p99 ms: queueing behind 64 requests in flight)"
stop_judged
echo

# --- (a2) enqueue at the target rate (open loop), on a fresh judged.
rate=5000
echo "== (a2) enqueue at $rate req/s offered: POST /submissions (no wait), Python 3 print(1), open loop, 64 connections, 10 s"
start_judged "$work/judged-a2.log"
a2_failed=0
run_loadgen "$work/a2.txt" --url "$base/submissions" --method POST --body-file "$work/enqueue.json" \
    --connections 64 --duration 10 --threads 2 --rate "$rate" --expect-status 201 ||
    { failed=1; a2_failed=1; judged_log "$work/judged-a2.log"; }
read -r _ a2_p50 a2_p99 a2_offered a2_achieved < <(figures "$work/a2.txt")
echo "enqueue at $a2_offered req/s offered: achieved $a2_achieved req/s, p50 $a2_p50 ms, p99 $a2_p99 ms"
stop_judged
echo

# Met only if every request of (a2) was answered 201 as well.
a_verdict=$(awk -v r="$a_rps" -v o="$a2_offered" -v ach="$a2_achieved" -v p="$a2_p99" -v f="$a2_failed" \
    'BEGIN { print (r >= 5000 && o >= 5000 && ach >= 0.99 * o && p < 10 && f == 0) ? "MET" : "MISSED" }')

# --- (b) end to end, on a fresh judged.
echo "== (b) end to end: POST /submissions?wait=true, Python 3 print(\"hello\"), 4 connections, 20 s"
start_judged "$work/judged-b.log"
run_loadgen "$work/b.txt" --url "$base/submissions?wait=true" --method POST --body-file "$work/e2e.json" \
    --connections 4 --duration 20 --threads 1 --expect-status 201 --expect-body-contains '"id":3' || { failed=1; judged_log "$work/judged-b.log"; }
read -r b_rps b_p50 b_p99 _ _ < <(figures "$work/b.txt")
echo "end to end: $b_rps submissions/s, p50 $b_p50 ms, p99 $b_p99 ms (every response must be Accepted)"
stop_judged
echo

echo "summary"
echo "  (a)  enqueue, saturation (closed loop)   $a_rps req/s  (p50 $a_p50 ms, p99 $a_p99 ms at saturation)"
echo "  (a2) enqueue at $a2_offered req/s (open loop)  achieved $a2_achieved req/s  p50 $a2_p50 ms  p99 $a2_p99 ms"
echo "       target: (a) >= 5000 req/s, (a2) achieved >= 99% of 5000 offered and p99 < 10 ms: $a_verdict"
echo "  (b)  end to end  $b_rps submissions/s  p50 $b_p50 ms  p99 $b_p99 ms"
if [[ $failed -ne 0 ]]; then
    echo "  some requests failed (see the errors lines above)"
    exit 1
fi
