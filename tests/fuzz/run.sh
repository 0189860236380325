#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for
# SECONDS (default 20) on a scratch copy of its seed corpus, so the
# repository's corpus/ never grows. Prints every target's exec count and
# exits non-zero if any target crashed, leaked, timed out or ran out of memory
# (libFuzzer then leaves a crash-*/leak-*/timeout-*/oom-* file, kept in
# build-fuzz/artifacts/<target>/).
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# Needs clang and libclang-rt-14-dev (deploy/install-deps.sh --test).
set -euo pipefail

seconds=${1:-20}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-fuzz
targets=("$@")
((${#targets[@]})) || targets=(fuzz_zip fuzz_base64 fuzz_judge0 fuzz_query fuzz_yaml)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DJUDGE_FUZZ=ON -DJUDGE_BUILD_TESTS=OFF -DJUDGE_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/judge-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

failed=()
for t in "${targets[@]}"; do
  corpus=$scratch/$t
  artifacts=$build/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  seeds=$here/corpus/${t#fuzz_}
  [[ -d $seeds ]] && cp -r "$seeds/." "$corpus/"
  log=$scratch/$t.log
  status=0
  "$build/tests/fuzz/$t" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  # libFuzzer's last line on a clean run: "Done 123456 runs in 20 second(s)".
  runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)
  if ((status != 0)) || [[ -z $runs ]]; then
    failed+=("$t")
    echo "$t: FAILED (exit $status); last lines of its log:"
    tail -n 40 "$log" | sed 's/^/    /'
  else
    echo "$t: $runs runs in ${seconds}s, corpus $(find "$corpus" -type f | wc -l) files"
  fi
done

if ((${#failed[@]})); then
  echo "crashed: ${failed[*]} (reproducers in $build/artifacts/)"
  exit 1
fi
echo "all ${#targets[@]} fuzz targets ran clean"
