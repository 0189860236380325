#!/usr/bin/env python3
"""Writes deploy/docker/seccomp.json, the container seccomp profile of a judge
worker (Docker's --security-opt seccomp=, Kubernetes' Localhost profile).

  deploy/docker/seccomp-profile.py [UNISTD_64_H] > deploy/docker/seccomp.json

Every box is filtered again, far more tightly, by the sandbox's own filter,
which names a refused call (Syscall violation) through SECCOMP_RET_USER_NOTIF.
The kernel ranks a filter's ERRNO above USER_NOTIF, whichever filter says
it, so this profile must never answer ERRNO for a call the box's filter
names: the box's verdict would become a bare EPERM its program may ignore.
Hence three kinds of call here:
- ERRNO (EPERM): calls that reach into the kernel or other tenants and that
  the box's filter lets fail with an error too (BPF, perf, userfaultfd,
  io_uring) or never sees in a box (fanotify, NUMA policy, obsolete calls);
- LOG (allowed, and logged by the kernel's audit): calls the box's filter
  names and that this container's SYS_ADMIN or root uid would let through
  for the service itself (swap, quotas, fspick, keyrings - not namespaced,
  so this root's keyring is the host root's -, the kernel log). A call the
  service never makes, so any log line of it is worth reading;
- ALLOW: everything else, the sandbox's own calls among them (mount and the
  new mount API, umount2, pivot_root - which Docker's default refuses even
  with SYS_ADMIN -, unshare, setns, sethostname, clone, clone3), and the calls
  Docker's default refuses that a capability this container lacks already
  stops (modules: SYS_MODULE; reboot, kexec: SYS_BOOT; clocks: SYS_TIME;
  ioperm, iopl: SYS_RAWIO; acct: SYS_PACCT; open_by_handle_at:
  DAC_READ_SEARCH; ptrace, process_vm_*, kcmp of another uid: SYS_PTRACE).
Unknown calls, and calls of other architectures than x86_64 and its 32-bit
entries, fail with EPERM. The names come from the kernel headers
(linux-libc-dev).
"""
import json
import re
import sys

# Refused, with the reason. Names absent from the header are ignored.
REFUSED = {
    "bpf": "loads programs into the kernel",
    "perf_event_open": "observes other processes and the kernel",
    "userfaultfd": "a common exploit primitive",
    "io_uring_setup": "bypasses seccomp for the calls it queues",
    "io_uring_enter": "bypasses seccomp for the calls it queues",
    "io_uring_register": "bypasses seccomp for the calls it queues",
    "fanotify_init": "watches the host's file systems, and SYS_ADMIN allows it",
    "lookup_dcookie": "kernel profiling, and SYS_ADMIN allows it",
    "mbind": "NUMA policy (CAP_SYS_NICE territory)",
    "set_mempolicy": "NUMA policy (CAP_SYS_NICE territory)",
    "get_mempolicy": "NUMA policy (CAP_SYS_NICE territory)",
    "set_mempolicy_home_node": "NUMA policy (CAP_SYS_NICE territory)",
    "migrate_pages": "NUMA policy (CAP_SYS_NICE territory)",
    "move_pages": "NUMA policy (CAP_SYS_NICE territory)",
    "nfsservctl": "obsolete",
    "sysfs": "obsolete",
    "_sysctl": "obsolete",
    "uselib": "obsolete",
    "ustat": "obsolete",
    "vm86": "obsolete",
    "vm86old": "obsolete",
    "personality": "allowed below for the harmless personas only",
}
# Named by the box's filter, so allowed here, and logged.
LOGGED = {
    "swapon": "host-wide, and SYS_ADMIN allows it",
    "swapoff": "host-wide, and SYS_ADMIN allows it",
    "quotactl": "host file system quotas, and SYS_ADMIN allows them",
    "quotactl_fd": "host file system quotas, and SYS_ADMIN allows them",
    "fspick": "reconfigures an existing superblock (the sandbox never does; SYS_ADMIN allows it)",
    "add_key": "kernel keyrings are not namespaced",
    "keyctl": "kernel keyrings are not namespaced",
    "request_key": "kernel keyrings are not namespaced",
    "syslog": "the kernel's log (readable without a capability where dmesg_restrict is 0)",
}
# personality: Linux, and with address randomization off (a debugger's
# choice); READ_IMPLIES_EXEC and the rest stay refused.
PERSONAS = [0x0, 0x0008, 0x20000, 0x20008, 0xFFFFFFFF]


def main() -> None:
    header = sys.argv[1] if len(sys.argv) > 1 else "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
    names = sorted(set(re.findall(r"^#define __NR_(\w+)\s+\d+", open(header).read(), re.M)))
    allowed = [n for n in names if n not in REFUSED and n not in LOGGED]
    logged = [n for n in names if n in LOGGED]
    for needed in ("mount", "umount2", "pivot_root", "unshare", "setns", "sethostname", "clone", "clone3",
                   "open_tree", "move_mount", "mount_setattr", "fsopen", "fsconfig", "fsmount", "seccomp",
                   "ptrace", "process_vm_readv", "kcmp", "init_module", "reboot", "clock_settime", "acct"):
        assert needed in allowed, needed
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 1,
        "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
        ],
        "syscalls": [
            {"names": allowed, "action": "SCMP_ACT_ALLOW"},
            {"names": logged, "action": "SCMP_ACT_LOG"},
        ] + [
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": v, "op": "SCMP_CMP_EQ"}]} for v in PERSONAS
        ],
    }
    json.dump(profile, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
