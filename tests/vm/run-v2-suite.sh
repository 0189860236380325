#!/usr/bin/env bash
# Runs the sandbox's own tests on cgroup v2, for real: boots Debian's cloud
# kernel under qemu (tests/vm/run-in-vm.sh) with the built binaries, makes
# the suite's cgroup a non-root one (so the service-leaf move and controller
# delegation are exercised, as under systemd), and runs `judge-sandbox
# check`, a CLI run and the hostile-program suite there.
#   tests/vm/run-v2-suite.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)

files=(
  "$build/sandbox/judge-sandbox"
  "$build/sandbox/judge-sandbox-init"
  "$build/tests/hostile/test_hostile"
  "$build/tests/hostile/pool_user"
  "$build/tests/hostile/box_host"
  "$build/tests/hostile/progs"
  "$build/tests/unit/test_unit"
  /usr/bin/unshare:/usr/local/bin/unshare-ul  # util-linux's: busybox's has no --cgroup
)
args=()
for f in "${files[@]}"; do
  [[ -e "${f%%:*}" ]] || { echo "run-v2-suite: missing ${f%%:*} (build first)" >&2; exit 2; }
  args+=(--file "$f")
done

# Three hostile cases run on the host only, as they test nothing of cgroups
# and need what the VM's initramfs lacks: [network] (nf_tables and veth are
# kernel modules there; slirp4netns, nft, ip), [host-files] (the host's
# /etc/ld.so.cache and python3) and [runtimes] (the JVM, Node, Go, .NET).
# Inside the VM: cgroup2 is mounted at /sys/fs/cgroup with memory, pids and
# cpu enabled for the root's children.
# The first command enters /sys/fs/cgroup/suite and, being the service, moves
# itself into suite/judge-service and enables controllers on suite; later
# ones start directly in that leaf, as a restarted service would.
script=$(cat <<INNER
set -e
mkdir -p /sys/fs/cgroup/suite
in_suite() { sh -c 'echo \$\$ > /sys/fs/cgroup/suite/cgroup.procs 2>/dev/null || echo \$\$ > /sys/fs/cgroup/suite/judge-service/cgroup.procs; exec "\$@"' in_suite "\$@"; }
in_suite $build/sandbox/judge-sandbox check
echo "suite: \$(cat /sys/fs/cgroup/suite/cgroup.subtree_control) / leaf: \$(ls /sys/fs/cgroup/suite | grep judge-)"
mkdir -p /tmp/w && cp /bin/busybox /tmp/w/busybox
in_suite $build/sandbox/judge-sandbox run --workdir /tmp/w --time 1 --memory 64 -- ./busybox sh -c 'echo hello from a v2 box; cat /proc/self/cgroup'
in_suite $build/tests/unit/test_unit --use-colour no "[cgroup],[seccomp],[runspec],[fs_safe]"
in_suite $build/tests/hostile/test_hostile --use-colour no "~[network]~[host-files]~[runtimes]"
# A container's view: a private cgroup namespace rooted at a cgroup that is
# not the real root, cgroup2 mounted afresh in it, so /proc/self/cgroup reads
# 0::/ and the base is the mount point; the service must still move into a
# leaf before enabling controllers (the real root alone has no cgroup.type).
mkdir -p /sys/fs/cgroup/ctr
sh -c 'echo \$\$ > /sys/fs/cgroup/ctr/cgroup.procs; exec unshare-ul --cgroup --mount sh -c "umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && cat /proc/self/cgroup && exec $build/sandbox/judge-sandbox check"'
echo "ctr: \$(cat /sys/fs/cgroup/ctr/cgroup.subtree_control) / leaf: \$(ls /sys/fs/cgroup/ctr | grep judge-)"
INNER
)
exec bash "$here/run-in-vm.sh" --timeout 1500 --mem 3072 "${args[@]}" -- sh -c "$script"
