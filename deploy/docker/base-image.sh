#!/usr/bin/env bash
# Makes the image debian:bookworm-slim locally when it is not there: where no
# registry can be reached, it is debootstrap's minbase of Debian 12 from the
# host's own apt mirror, imported as that tag (the Dockerfile's FROM).
set -euo pipefail
tag=debian:bookworm-slim
docker image inspect "$tag" >/dev/null 2>&1 && { echo "base-image.sh: $tag present"; exit 0; }
command -v debootstrap >/dev/null || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}
# The host's Debian mirror (deb822 or one-line sources), else the default.
mirror=$(grep -rhoE 'https?://[^ ]*debian\.org/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
           | grep -v security | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/judge-base-XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "base-image.sh: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
# What the slim image leaves out: apt lists and caches, docs beyond copyrights.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import - "$tag" >/dev/null
echo "base-image.sh: $tag made ($(docker image inspect -f '{{.Size}}' "$tag") bytes)"
