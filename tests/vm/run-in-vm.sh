#!/usr/bin/env bash
# run-in-vm.sh — run one command inside a throw-away qemu VM that has cgroup v2.
#
# The host only has cgroup v1, so the cgroup-v2 backend is tested for real by
# booting Debian 12's cloud kernel (taken from the apt repos) under qemu/TCG
# with a busybox initramfs as the whole root file system (no disk, no network).
#
# Usage:
#   tests/vm/run-in-vm.sh [--cache DIR] [--timeout SECONDS] [--mem MIB]
#                         [--file HOSTPATH[:VMPATH]]... [--env NAME=VALUE]...
#                         -- CMD [ARGS...]
#
#   --cache DIR        keeps the kernel .deb and its unpacked tree
#                      (default: <repo>/build/vm-cache)
#   --timeout SECONDS  kill the VM after this long, boot included (default 1200)
#   --mem MIB          guest memory (default 2048)
#   --file H[:V]       copy host file/directory H into the VM at V (default: the
#                      absolute path of H); ELF files get their shared libraries
#                      (per ldd, plus the dynamic loader) at the same paths.
#                      Libraries loaded with dlopen() are NOT found: pass them
#                      with --file too.
#   --env NAME=VALUE   export in the VM before CMD runs (may override PATH/HOME)
#
# Inside the VM: PID 1 is a busybox sh script; the root is the initramfs
# (re-rooted onto a bind mount so that pivot_root works); proc, sysfs,
# devtmpfs, devpts, tmpfs (/run, /tmp, /dev/shm) and cgroup2 (/sys/fs/cgroup,
# with +memory +pids +cpu enabled in the root's cgroup.subtree_control) are
# mounted, lo is up; /etc has passwd/group with root and nobody/nogroup. CMD
# runs as root in / with stdin from /dev/null, HOME=/root and
# PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin. The VM's console (CMD's
# stdout and stderr, kernel messages) is streamed live to stdout.
#
# Exit status: CMD's exit status; 124 if --timeout passed; 125 if the VM died
# without reporting one (kernel panic, qemu failure) or this script itself
# failed (bad usage, kernel download failed, ...).

set -Eeuo pipefail

readonly MARKER=@@VM-EXIT-CODE
readonly KERNEL_META=linux-image-cloud-amd64

die() { echo "run-in-vm: $*" >&2; exit 125; }
note() { echo "run-in-vm: $*" >&2; }
# Any unexpected failure is a failure of this script, not of CMD: map it to 125.
trap 'echo "run-in-vm: internal error (line $LINENO)" >&2; exit 125' ERR

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/../.." && pwd)

# ---------------------------------------------------------------- arguments
cache_dir=$repo_root/build/vm-cache
timeout_s=1200
mem_mib=2048
files=()
envs=()
while (($#)); do
    case $1 in
        --cache) (($# >= 2)) || die "--cache needs a value"; cache_dir=$2; shift 2 ;;
        --timeout) (($# >= 2)) || die "--timeout needs a value"; timeout_s=$2; shift 2 ;;
        --mem) (($# >= 2)) || die "--mem needs a value"; mem_mib=$2; shift 2 ;;
        --file) (($# >= 2)) || die "--file needs a value"; files+=("$2"); shift 2 ;;
        --env) (($# >= 2)) || die "--env needs a value"; envs+=("$2"); shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,/^set -E/{/^set -E/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) die "unknown option '$1' (the command goes after --)" ;;
    esac
done
(($#)) || die "no command given (usage: run-in-vm.sh [options] -- CMD [ARGS...])"
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive integer"
[[ $mem_mib =~ ^[1-9][0-9]*$ ]] || die "--mem must be a positive integer (MiB)"
for e in "${envs[@]}"; do
    [[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env '$e' is not NAME=VALUE"
done
mkdir -p "$cache_dir"
cache_dir=$(cd "$cache_dir" && pwd)

# ---------------------------------------------------------------- host tools
export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() {
    ((apt_updated)) && return 0
    apt_updated=1
    apt-get update -qq >/dev/null || note "apt-get update failed"
}
apt_install() {
    note "installing $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
        { apt_update; apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
# The initramfs needs the statically linked busybox (the "busybox" package is dynamic).
pkg_installed busybox-static || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
command -v ldd >/dev/null || missing+=(libc-bin)
((${#missing[@]} == 0)) || apt_install "${missing[@]}"
busybox_bin=
for f in /bin/busybox /usr/bin/busybox; do
    [[ -x $f ]] && { busybox_bin=$f; break; }
done
# ldd fails on a static binary.
if [[ -z $busybox_bin ]] || ldd "$busybox_bin" >/dev/null 2>&1; then
    die "no statically linked busybox found (is busybox-static installed?)"
fi

# ---------------------------------------------------------------- kernel
# The current cloud kernel is whatever the meta-package depends on, e.g.
# linux-image-6.1.0-56-cloud-amd64 (or its -unsigned variant).
resolve_kernel_pkg() {
    { apt-cache depends "$KERNEL_META" 2>/dev/null || true; } |
        sed -n 's/^ *|\{0,1\}Depends: <\{0,1\}\(linux-image-[^ >]*\)>\{0,1\}$/\1/p' | head -n1
}

# apt-get download writes into the current directory; go back afterwards since
# relative --file paths are resolved later.
apt_download() {
    local here=$PWD rc=0
    cd "$cache_dir/download"
    # Sandbox::User=root: the _apt user cannot write into a root-owned dir.
    apt-get download -qq -o APT::Sandbox::User=root "$1" >/dev/null || rc=$?
    cd "$here"
    return "$rc"
}

# Sets $kernel_image and $kernel_config; downloads and unpacks only if needed.
# flock: parallel invocations sharing a cache must not download concurrently.
fetch_kernel() {
    local pkg deb tree
    pkg=$(resolve_kernel_pkg)
    if [[ -z $pkg ]]; then
        apt_update
        pkg=$(resolve_kernel_pkg)
    fi
    if [[ -n $pkg ]]; then
        deb=$(compgen -G "$cache_dir/${pkg}_*.deb" | head -n1 || true)
        if [[ -z $deb ]]; then
            note "downloading $pkg"
            rm -rf "$cache_dir/download"
            mkdir -p "$cache_dir/download"
            apt_download "$pkg" || { apt_update; apt_download "$pkg"; } || die "could not download $pkg"
            deb=$(compgen -G "$cache_dir/download/${pkg}_*.deb" | head -n1) || die "download of $pkg produced no .deb"
            # Drop older kernels so the cache does not grow with every kernel update.
            rm -rf "$cache_dir"/linux-image-*
            mv "$deb" "$cache_dir/"
            deb=$cache_dir/${deb##*/}
            rmdir "$cache_dir/download"
        fi
    else
        # No apt lists and no way to get them: fall back to any cached kernel.
        deb=$(compgen -G "$cache_dir/linux-image-*.deb" | sort -V | tail -n1 || true)
        [[ -n $deb ]] || die "cannot resolve $KERNEL_META (apt-cache depends found nothing)"
        note "warning: cannot resolve $KERNEL_META; using cached ${deb##*/}"
    fi
    tree=${deb%.deb}
    if [[ ! -e $tree/.unpacked ]]; then
        rm -rf "$tree"
        dpkg -x "$deb" "$tree"
        touch "$tree/.unpacked"
    fi
    kernel_image=$(compgen -G "$tree/boot/vmlinuz-*" | head -n1) || die "no vmlinuz in $deb"
    kernel_config=$(compgen -G "$tree/boot/config-*" | head -n1) || die "no config in $deb"
}
exec {lock_fd}>"$cache_dir/.lock"
flock "$lock_fd"
fetch_kernel
exec {lock_fd}>&-

# Everything this script relies on must be built into the kernel (=y): the
# initramfs has no modules. Checked each time since the kernel may change.
for opt in BLK_DEV_INITRD SERIAL_8250_CONSOLE DEVTMPFS TMPFS PROC_FS SYSFS \
           CGROUPS MEMCG CGROUP_PIDS CGROUP_SCHED NAMESPACES PID_NS NET_NS \
           SECCOMP_FILTER UNIX98_PTYS BINFMT_SCRIPT; do
    grep -qx "CONFIG_$opt=y" "$kernel_config" ||
        note "warning: CONFIG_$opt is not built into ${kernel_image##*/}"
done

# ---------------------------------------------------------------- initramfs
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-in-vm.XXXXXX")
qemu_pid=
reader_pid=
fifo=$tmp/console
# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
    local fd
    # Stop only the qemu we started (through `timeout`, which forwards the signal).
    if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid" 2>/dev/null || true
        wait "$qemu_pid" 2>/dev/null || true
    fi
    if [[ -n $reader_pid ]] && kill -0 "$reader_pid" 2>/dev/null; then
        # The console reader may still wait to open the FIFO if qemu never did:
        # an O_RDWR open unblocks it and closing gives it EOF.
        exec {fd}<>"$fifo" && exec {fd}>&-
        wait "$reader_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

root=$tmp/root
mkdir -p "$root"/{dev,etc,newroot,proc,sys,run,tmp,root,usr/bin,usr/sbin,usr/lib,usr/local/bin}
chmod 1777 "$root/tmp"
# Mirror the host's merged-/usr layout (/bin -> usr/bin, ...) so that libraries
# and programs are at the paths ldd and shebangs name. Link targets are made
# relative so nothing written through them ever lands on the host.
for d in bin sbin lib lib32 lib64 libx32; do
    if [[ -L /$d ]]; then
        target=$(readlink "/$d")
        target=${target#/}
        mkdir -p "$root/$target"
        ln -s "$target" "$root/$d"
    elif [[ -d /$d ]]; then
        mkdir -p "$root/$d"
    fi
done
cp "$busybox_bin" "$root/bin/busybox"
# /init needs /bin/sh before it can run `busybox --install`; true for good measure.
ln -s busybox "$root/bin/sh"
ln -s busybox "$root/bin/true"
# The kernel opens /dev/console for init's stdio before devtmpfs is mounted.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files' >"$root/etc/nsswitch.conf"
printf '%s\n' '127.0.0.1 localhost' '::1 localhost' >"$root/etc/hosts"

# Refuse destinations that resolve outside the image (e.g. through an absolute
# symlink copied in with an earlier --file).
dest_in_root() {
    local real
    real=$(realpath -m "$root$1")
    [[ $real == "$root" || $real == "$root"/* ]] || die "VM path $1 would resolve outside the image"
}

is_elf() {
    local magic=
    LC_ALL=C IFS= read -r -n 4 -d '' magic <"$1" 2>/dev/null || true
    [[ $magic == $'\x7fELF' ]]
}

declare -A libs=()
collect_libs() { # ldd lines: "libx.so => /path (0x..)" or "/lib64/ld-linux-x86-64.so.2 (0x..)"
    local a b c _
    while read -r a b c _; do
        if [[ $b == "=>" ]]; then
            if [[ $c == /* ]]; then libs[$c]=1
            elif [[ $c == not ]]; then note "warning: $1 needs $a, which ldd cannot find"
            fi
        elif [[ $a == /* ]]; then
            libs[$a]=1
        fi
    done < <(ldd "$1" 2>/dev/null || true)
}

for spec in "${files[@]}"; do
    # Split HOSTPATH[:VMPATH] at the last colon, but only if what follows it is
    # an absolute path, so host paths containing colons still work.
    src=$spec vmpath=
    if [[ $spec == *:/* && ${spec##*:} == /* ]]; then
        src=${spec%:*} vmpath=${spec##*:}
    fi
    [[ -e $src ]] || die "--file: $src does not exist"
    [[ -n $vmpath ]] || vmpath=$(realpath -s "$src")
    [[ $vmpath == /* ]] || die "--file: VM path '$vmpath' must be absolute"
    dest_in_root "$vmpath"
    mkdir -p "$(dirname "$root$vmpath")"
    if [[ -d $src ]]; then
        mkdir -p "$root$vmpath"
        cp -a "$src/." "$root$vmpath/"
        while IFS= read -r -d '' f; do
            is_elf "$f" && collect_libs "$f"
        done < <(find "$src/" -type f -print0)
    else
        # -L: a symlink given on the command line is copied as the file it names.
        rm -f "$root$vmpath"
        cp -L --preserve=mode,timestamps "$src" "$root$vmpath"
        is_elf "$src" && collect_libs "$src"
    fi
done
for lib in "${!libs[@]}"; do
    [[ -e $root$lib ]] && continue
    dest_in_root "$lib"
    mkdir -p "$(dirname "$root$lib")"
    cp -L --preserve=mode "$lib" "$root$lib"
done

# Quote a string for sh: 'it'"'"'s' style, safe for any content.
shq() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
    cat <<'EOF'
#!/bin/sh
# PID 1 of the test VM (generated by run-in-vm.sh).
if [ "$1" != --in-root ]; then
    # The initramfs root ("rootfs") has no parent mount, so pivot_root(2) fails
    # with EINVAL on it, which sandboxes rely on. Re-root onto a bind mount of
    # it (what switch_root does, minus copying) and start over there.
    /bin/busybox mount --bind / /newroot
    cd /newroot
    /bin/busybox mount --move . /
    exec /bin/busybox chroot . /init --in-root
fi
/bin/busybox --install -s  # applet links; existing files (from --file) are kept
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# Only over empty folders: files copied in with --file may live under /tmp
# or /run (a CI checkout in /tmp, say); the initramfs is RAM-backed anyway.
[ -n "$(ls -A /run 2>/dev/null)" ] || mount -t tmpfs -o mode=755 tmpfs /run
[ -n "$(ls -A /tmp 2>/dev/null)" ] || mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# One at a time: a single write of "+memory +pids +cpu" fails as a whole if any is missing.
for c in memory pids cpu; do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
ip link set lo up 2>/dev/null
cd /
EOF
    for e in "${envs[@]}"; do
        printf 'export %s=%s\n' "${e%%=*}" "$(shq "${e#*=}")"
    done
    printf 'set --'
    for a in "$@"; do printf ' %s' "$(shq "$a")"; done
    printf '\n'
    cat <<EOF
"\$@"
rc=\$?
echo "${MARKER}=\$rc@@"
EOF
    cat <<'EOF'
sync
# Let the serial port drain the marker before the machine goes away.
sleep 0.1
poweroff -f
echo o >/proc/sysrq-trigger
EOF
} >"$root/init"
chmod 755 "$root/init"

# Uncompressed cpio: faster than gzip both here and for the emulated kernel.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$tmp/initrd.cpio"

# ---------------------------------------------------------------- boot
log=$tmp/console.log
mkfifo "$fifo"
# Console -> stdout live (CR of the serial line's CRLF dropped) and into $log.
sed -u 's/\r$//' <"$fifo" | tee -p "$log" &
reader_pid=$!
note "booting ${kernel_image##*/} (timeout ${timeout_s}s)"
# qboot (from qemu-system-data, a dependency of qemu-system-x86) is a minimal
# firmware: quicker than SeaBIOS, and SeaBIOS under -nographic writes its banner
# and terminal-reset escape sequences onto the serial console.
firmware=()
[[ -f /usr/share/qemu/qboot.rom ]] && firmware=(-bios /usr/share/qemu/qboot.rom)
# stdin from /dev/null: -nographic would otherwise put a terminal into raw mode.
timeout -k 10 "$timeout_s" qemu-system-x86_64 "${firmware[@]}" \
    -accel tcg -cpu max -smp 2 -m "$mem_mib" \
    -nographic -no-reboot -nic none \
    -kernel "$kernel_image" -initrd "$tmp/initrd.cpio" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3" \
    </dev/null >"$fifo" 2>&1 &
qemu_pid=$!
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
wait "$reader_pid" || true
reader_pid=

code=$(grep -aoE "${MARKER}=[0-9]+@@" "$log" | tail -n1 | tr -dc 0-9) || true
if [[ -n $code ]]; then
    exit "$code"
elif ((qemu_rc == 124 || qemu_rc == 137)); then
    note "timed out after ${timeout_s}s; VM killed"
    exit 124
else
    note "VM stopped without reporting an exit code (kernel panic or qemu failure, qemu status $qemu_rc)"
    exit 125
fi
