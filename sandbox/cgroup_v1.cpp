// cgroup v1 backend: memory (+memsw), pids, cpuacct, each possibly in a
// hierarchy of its own.
#include <sys/eventfd.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/cgroup.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox::cgroup::v1 {

namespace {
std::uint64_t read_number(int dirfd, const char* name) {
    auto text = io::read_at(dirfd, name);
    if (!text) io::throw_errno(std::string("openat(\"") + name + "\")", ENOENT);
    return std::stoull(*text);
}
}  // namespace

void set_limits(int dirfd, const Limits& l, bool memory, bool pids) {
    if (memory) {
        const std::string bytes = std::to_string(l.memory_bytes);
        io::write_at(dirfd, "memory.limit_in_bytes", bytes);
        // memory+swap at the same value: swap cannot extend the limit. The
        // file exists only with swap accounting compiled in and enabled.
        io::write_at_if_exists(dirfd, "memory.memsw.limit_in_bytes", bytes);
        io::write_at_if_exists(dirfd, "memory.swappiness", "0");
    }
    if (pids) io::write_at(dirfd, "pids.max", std::to_string(l.pids_max));
}

Fd open_cpu_usage(int dirfd) {
    Fd fd(::openat(dirfd, "cpuacct.usage", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) io::throw_errno("openat(\"cpuacct.usage\")", errno);
    return fd;
}

std::uint64_t cpu_usage_ns(int usage_fd) { return std::stoull(io::pread_all(usage_fd)); }

std::uint64_t memory_peak(int dirfd) {
    // memsw's peak includes swap; without swap the two are equal.
    return read_number(dirfd, "memory.max_usage_in_bytes");
}

std::uint64_t oom_kills(int dirfd) {
    auto text = io::read_at(dirfd, "memory.oom_control");
    if (!text) return 0;
    // "oom_kill" appeared in 4.13; before it, being under OOM is the signal.
    if (auto n = parse_key(*text, "oom_kill")) return *n;
    return parse_key(*text, "under_oom").value_or(0);
}

Fd oom_eventfd(int dirfd) {
    Fd efd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!efd) io::throw_errno("eventfd()", errno);
    Fd oc(::openat(dirfd, "memory.oom_control", O_RDONLY | O_CLOEXEC));
    if (!oc) io::throw_errno("openat(\"memory.oom_control\")", errno);
    io::write_at(dirfd, "cgroup.event_control", std::to_string(efd.get()) + " " + std::to_string(oc.get()));
    return efd;
}

}  // namespace sandbox::cgroup::v1
