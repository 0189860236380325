#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when dockerd
# is missing and starts dockerd in the background when none runs (its log in
# /var/log/dockerd-judge.log). A running engine is used as it is, never
# restarted or stopped. PIDFILE, when given, receives the pid of a dockerd
# this script started (and stays empty otherwise), so its caller can stop it.
#   deploy/docker/dockerd.sh [PIDFILE]
set -euo pipefail
if ! command -v dockerd >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
pidfile=${1:-}
[[ -z $pidfile ]] || : >"$pidfile"
docker info >/dev/null 2>&1 && exit 0
echo "dockerd.sh: starting dockerd"
nohup dockerd >/var/log/dockerd-judge.log 2>&1 &
[[ -z $pidfile ]] || echo $! >"$pidfile"
for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "dockerd.sh: dockerd did not answer within 60 s (see /var/log/dockerd-judge.log)" >&2
exit 1
