#!/usr/bin/env bash
# The README's start command: installs what the service needs (build tools,
# libraries, the language toolchains), builds, checks that this host can make
# boxes, and starts judged in the foreground on its embedded default store
# (SQLite in /var/lib/judge) on port 2358, as Judge0 does.
#
#   bash deploy/start.sh [judged options]     e.g. --workers 4 --listen 127.0.0.1:2358
#
# Configuration: judged --help (environment variables, a --config file).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "deploy/start.sh: run as root (boxes need namespaces, cgroups, their own uids)" >&2; exit 2; }
bash deploy/install-deps.sh
bash deploy/install-languages.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJUDGE_BUILD_TESTS=OFF -DJUDGE_BUILD_BENCH=OFF >/dev/null
cmake --build build -j "$(nproc)" --target judged judge judge-sandbox judge-sandbox-init
build/sandbox/judge-sandbox check
echo "== starting judged (Ctrl-C or SIGTERM stops it gracefully)"
exec build/server/judged "$@"
