#!/usr/bin/env bash
# Verifies every available language of schema/languages.json for real, in the
# sandbox, through the judge-sandbox CLI, with exactly the argv, binds and
# environment the catalog gives (read through judge/languages.cpp by a small
# tool built here):
#   compile ac, wa, re, tle, mle (must succeed) and ce (must fail) in a box
#   ac   on every tests/languages/aplusb test: ok, right answer
#   wa   on every test: ok each time, a wrong answer at least once
#   re   runtime_error or signaled
#   tle  time_limit (1 s x the language's time_multiplier)
#   mle  memory_limit (256 MiB + the language's memory_extra_mb)
# tests/languages/KEY/ holds ac.EXT wa.EXT ce.EXT re.EXT tle.EXT mle.EXT; an
# optional PROGRAMS file there lists the ones it has instead, and an optional
# TESTS file the aplusb tests that apply (Plain Text: one fixed answer).
# Prints a table (language, step, expected, got, detail) and exits 1 on any
# mismatch, 2 when it cannot run at all.
#   tests/languages/check-all.sh [KEY...]     default: every available language
# Environment: SANDBOX (default build/sandbox/judge-sandbox), CATALOG
# (default schema/languages.json), KEEP=1 keeps the scratch folder.
# Needs root (the sandbox does), g++ and nlohmann-json3-dev.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
sandbox=${SANDBOX:-$root/build/sandbox/judge-sandbox}
catalog=${CATALOG:-$root/schema/languages.json}
here=$root/tests/languages
tests=$here/aplusb

[[ $(id -u) -eq 0 ]] || { echo "check-all: run as root (the sandbox needs it)" >&2; exit 2; }
[[ -x "$sandbox" ]] || { echo "check-all: no sandbox CLI at $sandbox (build it first)" >&2; exit 2; }

scratch=$(mktemp -d /tmp/check-languages.XXXXXX)
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$scratch"' EXIT
tool=$scratch/catalog_tool
if ! g++ -std=c++20 -O1 -I"$root" "$here/catalog_tool.cpp" "$root/judge/languages.cpp" -o "$tool"; then
  echo "check-all: cannot build the catalog tool" >&2
  exit 2
fi

echo "== catalog ($catalog)"
"$tool" "$catalog" table || exit 2
compile_time=15 compile_memory=1024 memory=256
info=$scratch/catalog
"$tool" "$catalog" dump "$info" "$memory" || exit 2
if (($#)); then keys=("$@"); else mapfile -t keys < "$info/available"; fi

failures=0 passes=0
printf '\n%-11s %-14s %-24s %-30s %s\n' language step expected got detail
printf '%-11s %-14s %-24s %-30s %s\n' -------- ---- -------- --- ------

row() {  # key step expected got detail ok(0|1)
  local mark=""
  if [[ $6 != 0 ]]; then mark="   <-- MISMATCH"; failures=$((failures + 1)); else passes=$((passes + 1)); fi
  printf '%-11s %-14s %-24s %-30s %s%s\n' "$1" "$2" "$3" "$4" "$5" "$mark"
}

field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\)\"\{0,1\}[,}].*/\1/p" "$2"; }

# Trailing blanks of each line and trailing blank lines do not count.
normalize() {
  awk '{ sub(/[ \t\r]+$/, ""); line[NR] = $0 }
       END { n = NR; while (n > 0 && line[n] == "") n--; for (i = 1; i <= n; i++) print line[i] }' "$1"
}

# box DIR RESULT TIME MEMORY PROCESSES STDIN STDOUT STDERR -- argv...
box() {
  local dir=$1 result=$2 time=$3 mem=$4 procs=$5 in=$6 out=$7 err=$8
  shift 9
  local opts=(--workdir "$dir" --time "$time" --memory "$mem" --processes "$procs" --result "$result"
              --stdin "$in" --stdout "$out" --stderr "$err")
  local b e
  for b in "${binds[@]}"; do opts+=(--dir "$b"); done
  for e in "${envs[@]}"; do opts+=(--env "$e"); done
  "$sandbox" run "${opts[@]}" -- "$@" 2>>"$scratch/sandbox.log" || true
  [[ -s "$result" ]] || echo '{"status":"internal_error","message":"no result"}' > "$result"
}

detail_of() {  # RESULT
  printf '%s ms, %s KiB' "$(field cpu_time_ms "$1" | cut -d. -f1)" "$(field memory_kb "$1")"
}

for key in "${keys[@]}"; do
  dir=$here/$key
  if [[ ! -d $info/$key ]]; then
    row "$key" catalog available unavailable "see the catalog table above" 1
    continue
  fi
  [[ -d $dir ]] || { row "$key" programs "tests/languages/$key" missing "" 1; continue; }
  # Executable and Multi-file programs are not one source file compiled by
  # one command: the judge suite (tests/judge) builds and judges them.
  if [[ $key == executable || $key == multi_file ]]; then
    echo "$key: judged by tests/judge only (its program is a binary or a folder)"
    continue
  fi
  src=$(sed -n 's/^source_file=//p' "$info/$key/vars")
  procs=$(sed -n 's/^processes=//p' "$info/$key/vars")
  cprocs=$(sed -n 's/^compile_processes=//p' "$info/$key/vars")
  extra=$(sed -n 's/^memory_extra_mb=//p' "$info/$key/vars")
  mult=$(sed -n 's/^time_multiplier=//p' "$info/$key/vars")
  mapfile -t binds < "$info/$key/binds"
  mapfile -t envs < "$info/$key/env"
  mapfile -t compile < "$info/$key/compile"
  mapfile -t run < "$info/$key/run"
  run_memory=$((memory + extra))
  tle_time=$(awk -v m="$mult" 'BEGIN { printf "%g", m }')
  ls "$dir"/ac.* >/dev/null 2>&1 || { row "$key" programs ac.* missing "" 1; continue; }
  ext=$(basename "$(ls "$dir"/ac.*)"); ext=${ext#ac.}
  work=$scratch/$key
  mkdir -p "$work"

  # Every language has ac, wa, re, tle and mle, and ce when it compiles;
  # a PROGRAMS file in its folder may say otherwise (Plain Text: ac wa).
  if [[ -f $dir/PROGRAMS ]]; then
    read -r -a programs < "$dir/PROGRAMS"
  else
    programs=(ac wa re tle mle)
    ((${#compile[@]})) && programs+=(ce)
  fi

  # Compile (or just place) each program; built[NAME] is its folder.
  declare -A built=()
  for prog in ac wa ce re tle mle; do
    file=$dir/$prog.$ext
    if [[ ! -f $file ]]; then
      [[ " ${programs[*]} " == *" $prog "* ]] && row "$key" "$prog.$ext" present missing "" 1
      continue
    fi
    d=$work/compile-$prog
    mkdir -p "$d"
    cp "$file" "$d/$src"
    if ((${#compile[@]} == 0)); then
      [[ $prog == ce ]] && { row "$key" "compile ce" "(compiled only)" "no compiler" "ce.$ext should not exist" 1; continue; }
      built[$prog]=$d
      continue
    fi
    res=$work/compile-$prog.json
    box "$d" "$res" "$compile_time" "$compile_memory" "$cprocs" /dev/null "$work/compile-$prog.out" \
        "$work/compile-$prog.out" -- "${compile[@]}"
    status=$(field status "$res")
    if [[ $prog == ce ]]; then
      # The compiler must refuse it by itself (a non-zero exit), not hit a limit.
      ok=1; [[ $status == runtime_error ]] && grep -q . "$work/compile-$prog.out" && ok=0
      row "$key" "compile ce" "runtime_error+message" "$status" "$(detail_of "$res")" $ok
    else
      ok=1; [[ $status == ok ]] && ok=0
      row "$key" "compile $prog" ok "$status" "$(detail_of "$res")" $ok
      if [[ $ok == 0 ]]; then built[$prog]=$d; else sed 's/^/    | /' "$work/compile-$prog.out" | head -20; fi
    fi
  done

  # run PROG TEST TIME MEMORY -> sets status, out, res
  run_prog() {
    local prog=$1 test=$2 time=$3 mem=$4
    local d
    d=$work/run-$prog-$(basename "$test" .in)
    rm -rf "$d"; mkdir -p "$d"
    cp -a "${built[$prog]}/." "$d/"
    res=$d.json out=$d.stdout
    box "$d" "$res" "$time" "$mem" "$procs" "$test" "$out" "$d.stderr" -- "${run[@]}"
    status=$(field status "$res")
  }

  # Which tests apply: all of aplusb, or those listed in the language's TESTS.
  mapfile -t tlist < <(if [[ -f $dir/TESTS ]]; then sed "s|^|$tests/|; s|$|.in|" "$dir/TESTS"; else ls "$tests"/*.in; fi)

  if [[ -n ${built[ac]:-} ]]; then
    for t in "${tlist[@]}"; do
      run_prog ac "$t" 5 "$run_memory"
      ok=1 got=$status
      if [[ $status == ok ]]; then
        if [[ "$(normalize "${t%.in}.ans")" == "$(normalize "$out")" ]]; then ok=0; got="ok, right"
        else got="ok, wrong: $(head -c 30 "$out" | tr '\n' ' ')"; fi
      fi
      row "$key" "ac $(basename "$t" .in)" "ok, right answer" "$got" "$(detail_of "$res")" $ok
    done
  fi
  if [[ -n ${built[wa]:-} ]]; then
    wrong=0 bad=""
    for t in "${tlist[@]}"; do
      run_prog wa "$t" 5 "$run_memory"
      [[ $status == ok ]] || bad="$status on $(basename "$t")"
      [[ "$(normalize "${t%.in}.ans")" == "$(normalize "$out")" ]] || wrong=$((wrong + 1))
    done
    ok=1 got="ok, $wrong of ${#tlist[@]} wrong"
    [[ -z $bad && $wrong -gt 0 ]] && ok=0
    [[ -n $bad ]] && got=$bad
    row "$key" wa "ok, wrong answer" "$got" "" $ok
  fi
  first=${tlist[0]}
  if [[ -n ${built[re]:-} ]]; then
    run_prog re "$first" 5 "$run_memory"
    ok=1; [[ $status == runtime_error || $status == signaled ]] && ok=0
    row "$key" re "runtime_error|signaled" "$status (exit $(field exit_code "$res"), sig $(field signal "$res"))" \
        "$(detail_of "$res")" $ok
  fi
  if [[ -n ${built[tle]:-} ]]; then
    run_prog tle "$first" "$tle_time" "$run_memory"
    ok=1; [[ $status == time_limit ]] && ok=0
    row "$key" "tle (${tle_time}s)" time_limit "$status" "$(detail_of "$res")" $ok
  fi
  if [[ -n ${built[mle]:-} ]]; then
    run_prog mle "$first" 10 "$run_memory"
    ok=1; [[ $status == memory_limit ]] && ok=0
    got=$status; [[ $status == memory_limit ]] || got="$status (exit $(field exit_code "$res"))"
    row "$key" "mle (${run_memory}M)" memory_limit "$got" "$(detail_of "$res")" $ok
    [[ $ok == 0 ]] || sed 's/^/    | /' "$work/run-mle-$(basename "$first" .in).stderr" | head -5
  fi
  unset built
done

echo
echo "check-all: $passes passed, $failures failed"
((failures == 0))
