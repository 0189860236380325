#!/usr/bin/env bash
# Installs what the project needs from Debian 12's packages, nothing else.
#   deploy/install-deps.sh          build and run (compiler, CMake, libraries
#                                   (libpq for the PostgreSQL store), slirp4netns
#                                   and nftables for network boxes)
#   deploy/install-deps.sh --test   also what the tests need (Catch2, qemu,
#                                   busybox and cpio for the cgroup-v2 VM,
#                                   Chromium for the browser test, PostgreSQL 15
#                                   for the store's tests: its binaries only, the
#                                   tests start servers of their own)
set -euo pipefail

packages=(build-essential cmake pkg-config libseccomp-dev
          libboost-dev libboost-system-dev nlohmann-json3-dev libsqlitecpp-dev libsqlite3-dev
          libssl-dev libpq-dev ca-certificates slirp4netns nftables)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(catch2 qemu-system-x86 busybox-static cpio clang libclang-rt-14-dev cppcheck iproute2 chromium openssl
            postgresql-15 postgresql-client-15 curl docker.io docker-compose debootstrap)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # postgresql-common would make and start a "main" cluster: the tests run
  # servers of their own, so none is made (Debian's createcluster.conf switch).
  if [[ " ${missing[*]} " == *" postgresql-15 "* && ! -e /etc/postgresql-common/createcluster.conf ]]; then
    mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
