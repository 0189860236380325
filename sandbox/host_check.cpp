#include "sandbox/host_check.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <sstream>
#include <system_error>

#include "sandbox/cgroup.hpp"
#include "sandbox/network.hpp"
#include "sandbox/seccomp.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox {

namespace {

struct Capability {
    int number;
    const char* name;  // as Docker's --cap-add and Kubernetes' capabilities.add spell it
    const char* why;
};

// Each one was shown needed by removing it alone in a container (see the
// README's privilege table); CAP_FOWNER, CAP_NET_RAW and the rest of Docker's
// defaults were not.
const Capability kRequired[] = {
    {CAP_SYS_ADMIN, "SYS_ADMIN", "namespaces, the box's mounts and pivot_root"},
    {CAP_MKNOD, "MKNOD", "the box's own /dev nodes (never the host's)"},
    {CAP_SETPCAP, "SETPCAP", "emptying the box's capability bounding set"},
    {CAP_SETUID, "SETUID", "the box's own uid"},
    {CAP_SETGID, "SETGID", "the box's own gid and empty groups"},
    {CAP_CHOWN, "CHOWN", "giving the box its working folder"},
    {CAP_DAC_OVERRIDE, "DAC_OVERRIDE", "reading and removing what the box's uid wrote"},
    {CAP_KILL, "KILL", "ending box processes, which run as other uids"},
};
// Only where submissions may ask for the network (ALLOW_ENABLE_NETWORK).
const Capability kNetwork[] = {
    {CAP_NET_ADMIN, "NET_ADMIN", "a networked box's interface and nft rules"},
    {CAP_NET_BIND_SERVICE, "NET_BIND_SERVICE", "slirp4netns, which keeps it in a sandbox of its own"},
};

// A field of /proc/self/status (its text read once by the caller).
std::string status_field(const std::string& status, const char* name) {
    std::istringstream in(status);
    std::string line;
    const std::string key = std::string(name) + ":";
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) {
            std::string v = line.substr(key.size());
            v.erase(0, v.find_first_not_of(" \t"));
            return v;
        }
    return "";
}

// Calls the sandbox needs and container profiles refuse (Docker's default
// refuses pivot_root even with SYS_ADMIN; without SYS_ADMIN it refuses all of
// these). Each is made with arguments the kernel rejects after the
// permission checks, so it changes nothing: an errno other than EPERM/ENOSYS
// means the call got through. Meaningful only with CAP_SYS_ADMIN, which the
// kernel itself checks before the arguments.
struct Probe {
    const char* name;
    long (*call)();
};
const Probe kProbes[] = {
    {"pivot_root", [] { return ::syscall(SYS_pivot_root, "", ""); }},
    {"mount", [] { return ::syscall(SYS_mount, "", "", "", 0UL, nullptr); }},
    {"umount2", [] { return ::syscall(SYS_umount2, "", 0); }},
    {"unshare", [] { return ::syscall(SYS_unshare, -1L); }},
    {"setns", [] { return ::syscall(SYS_setns, -1, 0); }},
    {"open_tree", [] { return ::syscall(SYS_open_tree, -1, "", 0U); }},
    {"move_mount", [] { return ::syscall(SYS_move_mount, -1, "", -1, "", 0U); }},
    {"mount_setattr", [] { return ::syscall(SYS_mount_setattr, -1, "", 0U, nullptr, 0UL); }},
    {"fsopen", [] { return ::syscall(SYS_fsopen, "", 0U); }},
    {"fsconfig", [] { return ::syscall(SYS_fsconfig, -1, 0U, nullptr, nullptr, 0); }},
    {"fsmount", [] { return ::syscall(SYS_fsmount, -1, 0U, 0U); }},
};

std::string refused_calls() {
    std::string refused;
    for (const Probe& p : kProbes) {
        errno = 0;
        const long rc = p.call();
        if (rc >= 0) ::close(static_cast<int>(rc));  // never expected: the arguments are invalid
        if (rc < 0 && (errno == EPERM || errno == ENOSYS)) refused += std::string(refused.empty() ? "" : ", ") + p.name;
    }
    return refused;
}

}  // namespace

bool all_ok(const std::vector<HostCheckLine>& lines) {
    for (const auto& l : lines)
        if (!l.ok) return false;
    return true;
}

std::vector<HostCheckLine> check_host(const HostCheckOptions& opts) {
    std::vector<HostCheckLine> out;
    auto line = [&](std::string what, bool ok, std::string detail) {
        out.push_back(HostCheckLine{std::move(what), ok, std::move(detail)});
        return ok;
    };
    utsname u{};
    ::uname(&u);
    line("kernel", true, u.release);
    const bool root = ::geteuid() == 0;
    line("running as root", root, root ? "" : "the sandbox needs root (namespaces, cgroups, uid changes)");

    const std::string status = io::read_file("/proc/self/status").value_or("");
    const std::string cap_eff = status_field(status, "CapEff");
    const std::uint64_t caps = cap_eff.empty() ? 0 : std::stoull(cap_eff, nullptr, 16);
    auto cap_line = [&](const Capability& c) {
        const bool has = (caps >> c.number) & 1U;
        return line(std::string("capability ") + c.name, has,
                    has ? c.why
                        : std::string("missing: needed for ") + c.why + " (docker run --cap-add " + c.name +
                              "; Kubernetes: securityContext.capabilities.add)");
    };
    bool sys_admin = true;
    for (const Capability& c : kRequired) {
        const bool has = cap_line(c);
        if (c.number == CAP_SYS_ADMIN) sys_admin = has;
    }
    if (opts.network) {
        for (const Capability& c : kNetwork) cap_line(c);
        struct stat tun{};
        const bool has_tun = ::stat("/dev/net/tun", &tun) == 0 && S_ISCHR(tun.st_mode);
        line("device /dev/net/tun", has_tun,
             has_tun ? "" : "missing: slirp4netns makes a networked box's interface with it (docker run --device "
                            "/dev/net/tun)");
        for (const char* tool : {"slirp4netns", "nft"}) {
            try {
                line(std::string("network tool ") + tool, true, network::find_tool(tool));
            } catch (const std::runtime_error& e) {
                line(std::string("network tool ") + tool, false,
                     std::string(e.what()) + ": networked boxes (ALLOW_ENABLE_NETWORK) need it");
            }
        }
    }

    for (const char* ns : {"pid", "mnt", "net", "ipc", "uts", "cgroup"}) {
        const bool has = ::access((std::string("/proc/self/ns/") + ns).c_str(), F_OK) == 0;
        line(std::string("namespace ") + ns, has, has ? "" : "kernel built without it");
    }

    // A seccomp filter on this process is a container runtime's profile.
    const std::string mode = status_field(status, "Seccomp");
    if (sys_admin) {
        const std::string refused = refused_calls();
        line("seccomp profile", refused.empty(),
             refused.empty() ? (mode == "2" ? "a filter is on, and lets the sandbox's calls through" : "no filter on")
                             : "this process's seccomp filter refuses " + refused +
                                   " (docker run --security-opt seccomp=deploy/docker/seccomp.json; Kubernetes: "
                                   "seccompProfile Localhost with that file)");
    }

    // AppArmor's docker-default refuses every mount; only reported, since a
    // profile of one's own may allow them (the box run below then says).
    std::optional<std::string> aa;
    try {
        aa = io::read_file("/proc/self/attr/current");
    } catch (const std::system_error&) {  // EINVAL: no security module on this kernel
    }
    if (aa) {
        std::string label = *aa;
        while (!label.empty() && (label.back() == '\n' || label.back() == '\0')) label.pop_back();
        if (!label.empty() && label != "unconfined")
            line("security label", true,
                 label + " (an AppArmor profile such as docker-default refuses mounts: apparmor=unconfined)");
    }

    try {
        const auto& l = cgroup::host_layout();
        auto place = [&](const char* what, const cgroup::Placement& p) {
            std::string where = std::string(p.version == cgroup::Version::v1 ? "v1" : "v2") + " at " + p.base;
            const bool writable = ::access(p.base.c_str(), W_OK) == 0;
            const int err = errno;
            line(std::string("cgroup ") + what, writable,
                 writable ? where
                          : where + ": " + std::strerror(err) +
                                (err == EROFS ? " (a container's cgroup mount is read-only: remount it read-write, "
                                                "as the image's entrypoint does with SYS_ADMIN)"
                                              : ""));
        };
        place("memory", l.memory);
        place("pids", l.pids);
        place("cpu accounting", l.cpu);
    } catch (const std::exception& e) {
        line("cgroups", false,
             std::string(e.what()) + " — mount the memory, pids and cpuacct controllers (v1) "
                                     "or a cgroup2 with them delegated, writable by the service");
    }

    const bool filter_on = ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
    try {
        const std::size_t n = seccomp::native_filter().size() / 8;
        line("seccomp box filter", filter_on,
             std::to_string(n) + " BPF instructions, " + std::to_string(seccomp::policy().size()) + " rules");
    } catch (const std::exception& e) {
        line("seccomp box filter", false, e.what());
    }
    auto notif = io::read_file("/proc/sys/kernel/seccomp/actions_avail");
    const bool has_notif = notif && notif->find("user_notif") != std::string::npos;
    line("seccomp user_notif", has_notif, has_notif ? "" : "kernel older than 5.0: violations cannot be named");
    return out;
}

}  // namespace sandbox
