// cgroup v2 backend: memory.max with swap off, pids.max, cpu.stat,
// memory.peak (5.19+), memory.events, cgroup.kill (5.14+).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sandbox/cgroup.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox::cgroup::v2 {

void set_limits(int dirfd, const Limits& l, bool memory, bool pids) {
    if (memory) {
        io::write_at(dirfd, "memory.max", std::to_string(l.memory_bytes));
        // Absent when the kernel has no swap accounting: then no swap either.
        io::write_at_if_exists(dirfd, "memory.swap.max", "0");
        // On OOM the whole box goes, not one arbitrary process of it.
        io::write_at_if_exists(dirfd, "memory.oom.group", "1");
    }
    if (pids) io::write_at(dirfd, "pids.max", std::to_string(l.pids_max));
}

Fd open_cpu_usage(int dirfd) {
    Fd fd(::openat(dirfd, "cpu.stat", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) io::throw_errno("openat(\"cpu.stat\")", errno);
    return fd;
}

std::uint64_t cpu_usage_ns(int usage_fd) {
    return parse_key(io::pread_all(usage_fd), "usage_usec").value_or(0) * 1000;
}

std::optional<std::uint64_t> memory_peak(int dirfd) {
    auto text = io::read_at(dirfd, "memory.peak");
    if (!text) return std::nullopt;
    return std::stoull(*text);
}

std::uint64_t memory_current(int dirfd) {
    auto text = io::read_at(dirfd, "memory.current");
    return text ? std::stoull(*text) : 0;
}

std::uint64_t oom_kills(int dirfd) {
    auto text = io::read_at(dirfd, "memory.events");
    return text ? parse_key(*text, "oom_kill").value_or(0) : 0;
}

Fd events_fd(int dirfd) {
    Fd fd(::openat(dirfd, "memory.events", O_RDONLY | O_CLOEXEC));
    if (!fd) io::throw_errno("openat(\"memory.events\")", errno);
    return fd;
}

void kill(int dirfd) { io::write_at_if_exists(dirfd, "cgroup.kill", "1"); }

}  // namespace sandbox::cgroup::v2
