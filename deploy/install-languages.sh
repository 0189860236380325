#!/usr/bin/env bash
# Installs the toolchains of the language catalog (schema/languages.json) from
# Debian 12's packages. Everything lands under /usr (plus a few files in /etc
# and /var/lib that the catalog binds into the box read-only).
#   deploy/install-languages.sh             every language of the catalog
#   deploy/install-languages.sh KEY...      only these catalog keys (c cpp17 java ...)
#   deploy/install-languages.sh --list      the keys and their packages
# Packages already installed (dpkg-query) are skipped; apt runs quietly.
# The whole set on a fresh Debian 12, beyond deploy/install-deps.sh: about
# 450 MB to download and 2.8 GiB installed (ghc 760 MiB, go 440, rustc 390,
# kotlin 340 with its jars, the JDK 290, clang 240, node 210); a minute or two
# on a fast mirror.
set -euo pipefail

# catalog key -> Debian packages. Keys missing here (plaintext) need nothing.
declare -A packages=(
  [c]="gcc libc6-dev"
  [cpp17]="g++"
  [cpp20]="g++"
  [c_clang]="clang"
  [cpp_clang]="clang g++"
  [python3]="python3"
  [pypy3]="pypy3"
  [java]="openjdk-17-jdk-headless"
  [javascript]="nodejs"
  [go]="golang-go"
  [rust]="rustc gcc libc6-dev"
  [pascal]="fp-compiler fp-units-rtl binutils"
  [ruby]="ruby"
  [csharp]="mono-mcs mono-runtime"
  [haskell]="ghc"
  [bash]="bash"
  [plaintext]=""
  [executable]=""
  [multi_file]="bash"
  [perl]="perl"
  [lua]="lua5.4"
  [php]="php-cli"
  [fortran]="gfortran"
  [cobol]="gnucobol3"
  [sql]="sqlite3"
  [nasm]="nasm binutils"
  [d]="gdc"
  [ocaml]="ocaml-nox"
  [prolog]="gprolog"
  [typescript]="node-typescript nodejs"
  [sbcl]="sbcl"
  [r]="r-base-core"
  [octave]="octave"
  [objective_c]="clang libgnustep-base-dev gnustep-make"
  [kotlin]="kotlin openjdk-17-jdk-headless"
  [scala]="scala openjdk-17-jdk-headless"
  [groovy]="groovy openjdk-17-jdk-headless"
  [clojure]="clojure openjdk-17-jdk-headless"
  [erlang]="erlang-base"
  [elixir]="elixir"
)
order=(c cpp17 cpp20 c_clang cpp_clang python3 pypy3 java javascript go rust pascal ruby csharp
       haskell bash plaintext executable multi_file perl lua php fortran cobol sql
       nasm d ocaml prolog typescript sbcl r octave objective_c kotlin scala groovy clojure erlang elixir)

# Keep this table in step with the catalog.
schema=$(dirname "$0")/../schema/languages.json
if [[ -f $schema ]]; then
  while read -r k; do
    [[ -v "packages[$k]" ]] || echo "install-languages: warning: catalog key '$k' has no packages here" >&2
  done < <(sed -n 's/^ *"key": *"\([a-z0-9_]*\)".*/\1/p' "$schema")
fi

if [[ "${1:-}" == "--list" ]]; then
  for k in "${order[@]}"; do printf '%-10s %s\n' "$k" "${packages[$k]}"; done
  exit 0
fi

keys=("$@")
((${#keys[@]})) || keys=("${order[@]}")

wanted=()
for k in "${keys[@]}"; do
  if [[ ! -v "packages[$k]" ]]; then
    echo "install-languages: unknown language key '$k' (see --list)" >&2
    exit 2
  fi
  for p in ${packages[$k]}; do wanted+=("$p"); done
done

missing=()
for p in "${wanted[@]}"; do
  [[ " ${missing[*]} " == *" $p "* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-languages: all toolchains present"
  exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "install-languages: run as root to install: ${missing[*]}" >&2; exit 2; }
echo "install-languages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
