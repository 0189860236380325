#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds, and runs
# every test: unit and hostile-program suites on this host's cgroups, the unit
# tests again under ASan/UBSan, and the sandbox suite on cgroup v2 inside a
# qemu VM booted from Debian's cloud kernel. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "deploy/test.sh: run as root (namespaces, cgroups, uids)" >&2; exit 2; }

bash deploy/install-deps.sh --test
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

echo "== build (ASan/UBSan) of the unit tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DJUDGE_SANITIZE=ON -DJUDGE_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs" --target test_unit

echo "== judge-sandbox check"
build/sandbox/judge-sandbox check

echo "== tests on this host"
ASAN_OPTIONS=detect_leaks=1 build-asan/tests/unit/test_unit
(cd build && ctest --output-on-failure)

echo "== sandbox suite on cgroup v2 in a VM"
bash tests/vm/run-v2-suite.sh build
