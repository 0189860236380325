#include "sandbox/seccomp.hpp"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "sandbox/fd.hpp"

namespace sandbox::seccomp {

namespace {

using When = Rule::When;

// Attack: only an exploit or an escape makes this call, so the box is
// killed and the call named (syscall_violation).
Rule deny(const char* name, const char* why) { return Rule{name, why, When::always, 0, 0, 0}; }

// Probe: runtimes call this to see whether the kernel offers it and fall
// back when it does not; the call fails with `err` and the program goes on.
Rule refuse(const char* name, int err, const char* why) { return Rule{name, why, When::always, 0, 0, err}; }

std::vector<Rule> make_policy() {
    std::vector<Rule> r = {
        // Mounting: the box's file system is fixed before the program starts.
        deny("mount", "changing mounts could expose host files or hide the box's limits"),
        deny("umount2", "unmounting could uncover what a mount hides"),
        deny("open_tree", "new mount API: clones mount trees"),
        deny("move_mount", "new mount API: attaches mounts"),
        deny("fsopen", "new mount API: creates file system contexts"),
        deny("fsconfig", "new mount API: configures file system contexts"),
        deny("fsmount", "new mount API: creates mounts"),
        deny("fspick", "new mount API: reconfigures existing mounts"),
        deny("mount_setattr", "new mount API: changes mount flags such as read-only"),
        deny("pivot_root", "changing the root is the sandbox's job alone"),
        deny("chroot", "classic chroot escapes need it"),
        // Namespaces: user namespaces are the largest kernel attack surface.
        deny("unshare", "new namespaces (user namespaces above all) expose kernel attack surface"),
        deny("setns", "joining other namespaces"),
        // Looking into or tampering with other processes.
        deny("ptrace", "tracing other processes, and seccomp bypass via ptrace"),
        deny("process_vm_readv", "reading another process's memory"),
        deny("process_vm_writev", "writing another process's memory"),
        deny("kcmp", "comparing kernel objects of other processes leaks kernel pointers' order"),
        deny("pidfd_getfd", "stealing file descriptors from other processes"),
        // Kernel keyrings: nothing a contest runtime probes for.
        deny("keyctl", "kernel keyrings: a history of privilege escalations"),
        deny("add_key", "kernel keyrings"),
        deny("request_key", "kernel keyrings"),
        // Large, often exploited subsystems that runtimes probe for (libuv
        // io_uring, the JVM userfaultfd and perf, libbpf/systemd bpf): the
        // answer a kernel without them (or without the privilege) gives.
        refuse("bpf", EPERM, "probed by libbpf-style feature checks; unprivileged bpf answers EPERM"),
        refuse("perf_event_open", EPERM, "probed by JVMs and profilers; perf_event_paranoid answers EPERM"),
        refuse("userfaultfd", EPERM, "probed by the JVM and others; vm.unprivileged_userfaultfd=0 answers EPERM"),
        refuse("io_uring_setup", ENOSYS, "probed by libuv and others, which fall back to epoll on ENOSYS"),
        refuse("io_uring_enter", ENOSYS, "io_uring, as io_uring_setup: no ring can exist"),
        refuse("io_uring_register", ENOSYS, "io_uring, as io_uring_setup: no ring can exist"),
        // Host administration: refused by missing capabilities, denied here too.
        deny("kexec_load", "loading a new kernel"),
        deny("kexec_file_load", "loading a new kernel"),
        deny("init_module", "loading kernel modules"),
        deny("finit_module", "loading kernel modules"),
        deny("delete_module", "unloading kernel modules"),
        deny("reboot", "rebooting the host"),
        deny("swapon", "enabling swap"),
        deny("swapoff", "disabling swap"),
        deny("acct", "process accounting to a file"),
        deny("quotactl", "disk quota administration"),
        deny("quotactl_fd", "disk quota administration"),
        deny("syslog", "reading the kernel log leaks kernel addresses"),
        deny("settimeofday", "setting the host's clock"),
        deny("clock_settime", "setting the host's clock"),
        // glibc's ntp_gettime and time-status readers call these read-only.
        refuse("clock_adjtime", EPERM, "reads clock status for ntp_gettime; writing needs CAP_SYS_TIME"),
        refuse("adjtimex", EPERM, "reads clock status for ntp_gettime; writing needs CAP_SYS_TIME"),
        deny("open_by_handle_at", "opens files by handle, bypassing the mount namespace (shocker escape)"),
        deny("name_to_handle_at", "pairs with open_by_handle_at"),
        deny("iopl", "raw I/O port access"),
        deny("ioperm", "raw I/O port access"),
    };
    // clone3 passes its flags in memory, which seccomp cannot inspect: answer
    // ENOSYS so libc falls back to clone, whose flags are checked below.
    r.push_back(Rule{"clone3", "flags in memory are invisible to seccomp; libc falls back to clone",
                     When::always, 0, 0, ENOSYS});
    struct Flag {
        unsigned long long bit;
        const char* why;
    };
    for (Flag f : {Flag{CLONE_NEWUSER, "clone into a new user namespace"},
                   Flag{CLONE_NEWNS, "clone into a new mount namespace"},
                   Flag{CLONE_NEWNET, "clone into a new network namespace"},
                   Flag{CLONE_NEWPID, "clone into a new PID namespace"},
                   Flag{CLONE_NEWIPC, "clone into a new IPC namespace"},
                   Flag{CLONE_NEWUTS, "clone into a new UTS namespace"},
                   Flag{CLONE_NEWCGROUP, "clone into a new cgroup namespace"}})
        r.push_back(Rule{"clone", f.why, When::arg_has_bits, 0, f.bit, 0});
    // Socket families: an allow-list of AF_UNIX (1), AF_INET (2) and
    // AF_INET6 (10), as the complement of every other value of argument 0
    // (compared as 64 bits: upper bits set land in "above AF_INET6").
    // Others fail with EAFNOSUPPORT rather than kill: glibc's getaddrinfo
    // and getifaddrs, Go and Node open AF_NETLINK and fall back on an error.
    static_assert(AF_UNIX == 1 && AF_INET == 2 && AF_INET6 == 10, "the family ranges below");
    const char* const why = "only AF_UNIX, AF_INET and AF_INET6 sockets; others answer EAFNOSUPPORT";
    for (const char* call : {"socket", "socketpair"}) {
        r.push_back(Rule{call, why, When::arg_eq, 0, AF_UNSPEC, EAFNOSUPPORT});
        for (int af = AF_INET + 1; af < AF_INET6; ++af)
            r.push_back(Rule{call, why, When::arg_eq, 0, static_cast<unsigned long long>(af), EAFNOSUPPORT});
        r.push_back(Rule{call, why, When::arg_gt, 0, AF_INET6, EAFNOSUPPORT});
    }
    return r;
}

struct CtxDeleter {
    void operator()(scmp_filter_ctx c) const { seccomp_release(c); }
};

void check(int rc, const std::string& what) {
    if (rc < 0) throw std::runtime_error(what + ": " + std::strerror(-rc));
}

std::vector<unsigned char> build() {
    std::unique_ptr<void, CtxDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
    if (!ctx) throw std::runtime_error("seccomp_init(SCMP_ACT_ALLOW) failed");
    // Only the native ABI: a call through another architecture's entry (the
    // 32-bit int 0x80 path, or x32 numbers) kills the whole process.
    check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
          "seccomp_attr_set(SCMP_FLTATR_ACT_BADARCH)");
    for (const Rule& rule : policy()) {
        int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
        if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
        std::uint32_t action = rule.errno_value ? SCMP_ACT_ERRNO(static_cast<std::uint16_t>(rule.errno_value))
                                                : SCMP_ACT_NOTIFY;
        int rc = 0;
        switch (rule.when) {
            case When::always: rc = seccomp_rule_add(ctx.get(), action, nr, 0); break;
            case When::arg_eq:
                rc = seccomp_rule_add(ctx.get(), action, nr, 1,
                                      SCMP_CMP(rule.arg, SCMP_CMP_EQ, rule.value));
                break;
            case When::arg_has_bits:
                rc = seccomp_rule_add(ctx.get(), action, nr, 1,
                                      SCMP_CMP(rule.arg, SCMP_CMP_MASKED_EQ, rule.value, rule.value));
                break;
            case When::arg_gt:
                rc = seccomp_rule_add(ctx.get(), action, nr, 1, SCMP_CMP(rule.arg, SCMP_CMP_GT, rule.value));
                break;
        }
        check(rc, "seccomp_rule_add(" + rule.syscall + ")");
    }
    Fd mem(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
    if (!mem) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
    check(seccomp_export_bpf(ctx.get(), mem.get()), "seccomp_export_bpf");
    off_t size = ::lseek(mem.get(), 0, SEEK_END);
    std::vector<unsigned char> out(static_cast<std::size_t>(size));
    if (::pread(mem.get(), out.data(), out.size(), 0) != size)
        throw std::runtime_error("pread(seccomp bpf) failed");
    return out;
}

}  // namespace

const std::vector<Rule>& policy() {
    static const std::vector<Rule> p = make_policy();
    return p;
}

const std::vector<unsigned char>& native_filter() {
    static const std::vector<unsigned char> f = build();
    return f;
}

std::string syscall_name(int nr) {
    char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
    if (!name) return "syscall " + std::to_string(nr);
    std::string s(name);
    std::free(name);
    return s;
}

}  // namespace sandbox::seccomp
