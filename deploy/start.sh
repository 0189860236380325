#!/usr/bin/env bash
# The README's start command. Until the HTTP service (judged) lands, this sets
# up the sandbox, checks the host and runs programs in boxes through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "deploy/start.sh: run as root" >&2; exit 2; }
bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJUDGE_BUILD_TESTS=OFF -DJUDGE_BUILD_BENCH=OFF >/dev/null
cmake --build build -j "$(nproc)" --target judge-sandbox judge-sandbox-init
build/sandbox/judge-sandbox check
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include <stdio.h>\nint main(void){int a,b;if(scanf("%%d %%d",&a,&b)!=2)return 1;printf("%%d\\n",a+b);return 0;}\n' > "$work/a.c"
gcc -O2 -o "$work/a" "$work/a.c"
echo "3 4" > "$work/in.txt"
echo "== a+b in a box:"
build/sandbox/judge-sandbox run --workdir "$work" --stdin "$work/in.txt" --time 1 --memory 64 -- ./a
echo "== an infinite loop in a box:"
printf 'int main(void){for(;;);}\n' > "$work/loop.c" && gcc -o "$work/loop" "$work/loop.c"
build/sandbox/judge-sandbox run --workdir "$work" --time 0.5 -- ./loop
echo "judge-sandbox is ready: build/sandbox/judge-sandbox run [options] -- PROGRAM (see README.md)"
