#!/usr/bin/env bash
# The README's test command: installs what the tests need (toolchains of every
# language included), builds, and runs every test: static analysis (cppcheck),
# unit, hostile-program, judge (every language, real programs) and end-to-end
# (a real judged over HTTP on loopback, a page in headless Chromium) suites on
# this host's cgroups, the
# unit tests again under ASan/UBSan, short libFuzzer runs of every parser, and
# the sandbox suite on cgroup v2 inside a qemu VM booted from Debian's cloud
# kernel, the Kubernetes manifests rendered and validated offline, and the
# container image built and run with its documented privileges (Docker; a
# dockerd is started when none runs, and stopped again). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "deploy/test.sh: run as root (namespaces, cgroups, uids)" >&2; exit 2; }

bash deploy/install-deps.sh --test
bash deploy/install-languages.sh  # every toolchain of the catalog: the judge tests use them all
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

echo "== build (ASan/UBSan) of the unit tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DJUDGE_SANITIZE=ON -DJUDGE_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs" --target test_unit test_server judged judge-sandbox-init

passed=0 failed=0
suite() {  # suite NAME COMMAND...: runs one suite, counts it, goes on
  echo "== $1"
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "!! failed: $*"; fi
}

suite "static analysis (cppcheck)" bash deploy/lint.sh
suite "judge-sandbox check" build/sandbox/judge-sandbox check
suite "unit tests under ASan/UBSan" env ASAN_OPTIONS=detect_leaks=1 build-asan/tests/unit/test_unit
suite "server unit tests under ASan/UBSan" env ASAN_OPTIONS=detect_leaks=1 build-asan/tests/server/test_server
suite "judged start/stop loop under ASan/UBSan" /usr/bin/python3 tests/e2e/start_stop_asan.py --judged build-asan/server/judged
suite "unit, hostile, judge and end-to-end suites on this host (ctest)" ctest --test-dir build --output-on-failure
suite "fuzz every parser (libFuzzer, 20 s each)" bash tests/fuzz/run.sh 20
suite "sandbox suite on cgroup v2 in a VM" bash tests/vm/run-v2-suite.sh build
suite "Kubernetes manifests: render, validate offline" bash tests/k8s/run.sh
suite "the image: privileges removed one by one, hostile suite, api and workers on PostgreSQL, Compose" \
  bash tests/docker/run.sh build

echo "suites: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
