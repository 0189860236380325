// cgroups of boxes, v1 and v2 behind one interface.
//
// Each controller the sandbox needs (memory, pids, CPU accounting) is used in
// whichever hierarchy holds it, so hybrid hosts (v1 controllers beside an
// empty v2 mount) work as well as pure v1 or v2. A box's cgroup is created
// beneath the cgroup this process runs in, in each hierarchy used; the
// sandbox never moves, limits or removes a cgroup it did not create. On v2 the
// process first moves itself into a leaf of its own ("judge-service") so its
// cgroup may have controllers enabled for children (no internal processes).
//
// Errors: std::system_error naming the call and path (e.g.
// `mkdir("/sys/fs/cgroup/memory/x/judge-box-3"): Permission denied`).
// Thread-safety: host_layout() is safe to call concurrently; a BoxCgroup is
// used by one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/fd.hpp"

namespace sandbox::cgroup {

enum class Version { v1, v2 };

// Where one controller lives: the folder that box cgroups go beneath.
struct Placement {
    Version version = Version::v1;
    std::string base;
    bool found = false;
};

struct Layout {
    Placement memory, pids, cpu;  // cpu: cpuacct (v1) or cpu.stat (v2)
    std::string v2_mount;         // empty when there is no cgroup2 mount
    std::string describe() const;
};

using FileReader = std::function<std::optional<std::string>(const std::string& path)>;

// Pure: decides the layout from /proc/self/mountinfo and /proc/self/cgroup
// texts; `read` gives v2 folders' cgroup.controllers. Unit-tested on fakes.
Layout detect(const std::string& mountinfo, const std::string& self_cgroup, const FileReader& read);

// The layout of this host, detected once; on a v2 placement the process has
// moved itself into its own leaf and enabled the controllers it needs.
// Throws std::system_error when the host cannot host boxes.
const Layout& host_layout();

struct Limits {
    std::uint64_t memory_bytes = 0;
    std::uint32_t pids_max = 0;
};

// Per-version backends on an open cgroup folder (cgroup_v1.cpp, cgroup_v2.cpp).
// open_cpu_usage: the CPU usage file, kept open and re-read with pread (a
// kernfs file shows fresh values from offset 0); cpu_usage_ns reads it.
namespace v1 {
void set_limits(int dirfd, const Limits& l, bool memory, bool pids);
Fd open_cpu_usage(int dirfd);
std::uint64_t cpu_usage_ns(int usage_fd);
std::uint64_t memory_peak(int dirfd);
std::uint64_t oom_kills(int dirfd);
Fd oom_eventfd(int dirfd);  // eventfd that becomes readable on OOM
}  // namespace v1
namespace v2 {
void set_limits(int dirfd, const Limits& l, bool memory, bool pids);
Fd open_cpu_usage(int dirfd);
std::uint64_t cpu_usage_ns(int usage_fd);
std::optional<std::uint64_t> memory_peak(int dirfd);  // nullopt before 5.19
std::uint64_t memory_current(int dirfd);
std::uint64_t oom_kills(int dirfd);
Fd events_fd(int dirfd);  // memory.events; POLLPRI on change
void kill(int dirfd);     // cgroup.kill where the kernel has it
}  // namespace v2

// Parsers shared by both backends (unit-tested).
std::optional<std::uint64_t> parse_key(const std::string& text, const std::string& key);

// One box's cgroup: created empty (a prepared box makes it ahead of its
// run), limited, joined, then killed and removed on destruction (RAII).
// Move-only.
class BoxCgroup {
public:
    BoxCgroup(const Layout& layout, const std::string& name);
    void set_limits(const Limits& limits) const;
    BoxCgroup(BoxCgroup&&) = default;
    BoxCgroup& operator=(BoxCgroup&&) = delete;
    ~BoxCgroup();

    // Moves process `pid` (and so everything it starts later) in.
    void add(pid_t pid) const;
    std::uint64_t cpu_usage_ns() const;
    // Peak memory; on v2 kernels without memory.peak, the highest
    // memory.current seen by sample().
    std::uint64_t memory_peak() const;
    void sample();
    std::uint64_t oom_kills() const;
    // Readable (v1 eventfd) or POLLPRI (v2) when the box hits OOM.
    int oom_event_fd() const { return oom_event_.get(); }
    short oom_event_mask() const;
    void consume_oom_event();
    // Kills every process in the cgroup: cgroup.kill on v2; on v1, which has
    // none, each pid listed in cgroup.procs (for a crashed owner's cgroup).
    void kill();
    // cgroup.kill where there is one (v2); nothing on v1, where a box's
    // processes die with its PID namespace's init.
    void kill_if_cheap();
    void destroy();

private:
    struct Dir {
        Version version;
        std::string path;
        Fd fd;
        Fd procs;
    };
    std::size_t find_or_add(const Placement& p, const std::string& name);
    std::vector<Dir> dirs_;
    std::size_t mem_ = 0, pids_ = 0, cpu_ = 0;
    Fd cpu_usage_;  // read at the start, end and checkpoints of every run
    Fd oom_event_;
    std::uint64_t sampled_peak_ = 0;
    bool sample_current_ = false;  // v2 before 5.19: no memory.peak
};

}  // namespace sandbox::cgroup
