#!/bin/sh
# Builds bench_sandbox (Release) in a build folder of its own and runs it,
# passing every argument on (e.g. --runs 400 --json /tmp/bench.json).
# Must run as root. BENCH_BUILD overrides the build folder.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BENCH_BUILD:-/tmp/bench-build}
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
make -C "$build" -j2 bench_sandbox >/dev/null
exec "$build/bench/sandbox/bench_sandbox" "$@"
