#!/bin/bash
# The image's entrypoint. A container's cgroup mounts are read-only; the
# sandbox makes box cgroups beneath its own cgroup, which is what these
# mounts show, so the ones it uses (memory, pids, cpuacct, or the cgroup2
# tree) are remounted read-write in this container's mount namespace alone
# where SYS_ADMIN allows (an api container has none and needs none; a worker
# without it is refused by judged, which names what is missing). Then
# judged becomes PID 1 (exec): the only process of the container's cgroup, as
# cgroup v2 requires of a cgroup that enables controllers. judged checks every
# privilege a worker needs before it listens and exits 3 naming each one
# missing (`judge-sandbox check` prints them all).
#   docker run … judge [judged options]     e.g. --role worker
#   docker run … judge COMMAND [ARGS...]    runs COMMAND instead of judged, cgroups prepared the same way
set -euo pipefail
while read -r _ _ _ _ mnt opts rest; do
  fstype=${rest#*- }
  fstype=${fstype%% *}
  super=${rest##* }
  case $fstype in
    cgroup2) ;;
    cgroup) [[ ,$super, =~ ,(memory|pids|cpuacct), ]] || continue ;;
    *) continue ;;
  esac
  [[ ,$opts, == *,ro,* ]] || continue
  mount -o remount,bind,rw "$mnt" 2>/dev/null || true
done </proc/self/mountinfo
if [[ $# -gt 0 && $1 != -* ]]; then exec "$@"; fi
exec judged "$@"
