#!/usr/bin/env bash
# Static analysis of the project's own code (sandbox/ judge/ server/; not the
# tests, not build folders) with Debian 12's cppcheck 2.10. Exits non-zero on
# any finding. A false positive is silenced where it occurs, with
#   // cppcheck-suppress <id> -- why it is not a bug
# on the line before.
#
# Plain file list with -I . rather than --project=compile_commands.json: no
# build folder needed, the same result, and well under a minute on 2 cores
# (system headers are not parsed; cppcheck's std/posix library files describe
# them instead).
#   deploy/lint.sh            (cppcheck: deploy/install-deps.sh --test)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cppcheck >/dev/null; then
  echo "lint: cppcheck not installed (deploy/install-deps.sh --test)" >&2
  exit 2
fi

checks=warning,performance,portability
# readdirCalled (posix library) is wrong advice rather than a false positive
# at one place: it recommends readdir_r, which glibc deprecated in 2.24 and
# POSIX.1-2024 made obsolete. readdir is safe when each DIR stream belongs to
# one thread, as all of ours do (a local in the function that opened it).
mapfile -t files < <(find sandbox judge server -type f \( -name '*.cpp' -o -name '*.c' \) | sort)

echo "lint: $(cppcheck --version), ${#files[@]} files in sandbox/ judge/ server/"
echo "lint: checks enabled: error (always on), ${checks//,/, }; libraries std, posix; --std=c++20;" \
     "inline suppressions honoured; suppressed: missingIncludeSystem, readdirCalled"

start=$SECONDS
status=0
cppcheck --enable="$checks" --std=c++20 --language=c++ --library=posix \
  --error-exitcode=1 --inline-suppr --suppress=missingIncludeSystem --suppress=readdirCalled \
  -I . -j2 --quiet \
  --template='{file}:{line}:{column}: {severity} ({id}): {message}' \
  "${files[@]}" || status=$?

if ((status == 0)); then
  echo "lint: no findings ($((SECONDS - start))s)"
else
  echo "lint: findings above ($((SECONDS - start))s)" >&2
fi
exit "$status"
