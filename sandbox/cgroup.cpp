#include "sandbox/cgroup.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <sstream>
#include <thread>

#include "sandbox/sys_io.hpp"

namespace sandbox::cgroup {

namespace {

constexpr const char* kServiceLeaf = "judge-service";

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep)) out.push_back(cur);
    return out;
}

bool has_item(const std::string& list, const std::string& item, char sep) {
    for (const auto& x : split(list, sep))
        if (x == item) return true;
    return false;
}

std::string join_path(const std::string& mount, const std::string& mount_root, std::string path) {
    // /proc/self/cgroup paths are relative to the cgroup namespace root,
    // which is the mount's root when the mount was made inside it.
    if (mount_root != "/" && path.rfind(mount_root, 0) == 0) path = path.substr(mount_root.size());
    if (path.empty() || path == "/") return mount;
    if (path.front() != '/') path = "/" + path;
    return mount + path;
}

struct Mount {
    std::string root, point, fstype, superopts;
};

std::vector<Mount> cgroup_mounts(const std::string& mountinfo) {
    std::vector<Mount> out;
    std::istringstream in(mountinfo);
    std::string line;
    while (std::getline(in, line)) {
        auto sep = line.find(" - ");
        if (sep == std::string::npos) continue;
        auto left = split(line.substr(0, sep), ' ');
        auto right = split(line.substr(sep + 3), ' ');
        if (left.size() < 5 || right.size() < 3) continue;
        if (right[0] != "cgroup" && right[0] != "cgroup2") continue;
        out.push_back(Mount{left[3], left[4], right[0], right[2]});
    }
    return out;
}

}  // namespace

std::optional<std::uint64_t> parse_key(const std::string& text, const std::string& key) {
    std::istringstream in(text);
    std::string k;
    std::uint64_t v;
    while (in >> k >> v)
        if (k == key) return v;
    return std::nullopt;
}

std::string Layout::describe() const {
    auto one = [](const char* name, const Placement& p) {
        if (!p.found) return std::string(name) + ": missing";
        return std::string(name) + ": " + (p.version == Version::v1 ? "v1" : "v2") + " at " + p.base;
    };
    return one("memory", memory) + "\n" + one("pids", pids) + "\n" + one("cpu accounting", cpu);
}

Layout detect(const std::string& mountinfo, const std::string& self_cgroup, const FileReader& read) {
    Layout layout;
    auto mounts = cgroup_mounts(mountinfo);
    std::string v2_path;
    std::vector<std::pair<std::string, std::string>> v1_paths;  // controllers, path
    {
        std::istringstream in(self_cgroup);
        std::string line;
        while (std::getline(in, line)) {
            auto a = line.find(':'), b = line.find(':', a + 1);
            if (a == std::string::npos || b == std::string::npos) continue;
            std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
            if (line.substr(0, a) == "0" && ctrls.empty())
                v2_path = path;
            else
                v1_paths.emplace_back(ctrls, path);
        }
    }
    const Mount* v2 = nullptr;
    for (const auto& m : mounts)
        if (m.fstype == "cgroup2" && !v2) v2 = &m;
    std::string v2_base;
    if (v2) {
        layout.v2_mount = v2->point;
        v2_base = join_path(v2->point, v2->root, v2_path);
        // A service restarted inside the leaf it made earlier: boxes still
        // go beside that leaf, beneath the service's own cgroup.
        auto slash = v2_base.rfind('/');
        if (v2_base != v2->point && slash != std::string::npos && v2_base.substr(slash + 1) == kServiceLeaf)
            v2_base.resize(slash);
    }
    auto place = [&](const std::string& v1_name, const std::string& v2_name) {
        Placement p;
        for (const auto& m : mounts) {
            if (m.fstype != "cgroup" || !has_item(m.superopts, v1_name, ',')) continue;
            for (const auto& [ctrls, path] : v1_paths)
                if (has_item(ctrls, v1_name, ',')) {
                    p = Placement{Version::v1, join_path(m.point, m.root, path), true};
                    return p;
                }
        }
        if (v2) {
            bool available = v2_name.empty();  // cpu.stat needs no controller
            if (!available) {
                // At the root every controller is listed; below it, what the
                // parent delegated.
                auto ctl = read(v2_base + "/cgroup.controllers");
                available = ctl && has_item(ctl->substr(0, ctl->find('\n')), v2_name, ' ');
            }
            if (available) p = Placement{Version::v2, v2_base, true};
        }
        return p;
    };
    layout.memory = place("memory", "memory");
    layout.pids = place("pids", "pids");
    layout.cpu = place("cpuacct", "");
    return layout;
}

namespace {

// v2 "no internal processes": a cgroup with controllers enabled for its
// children may hold no process itself. Move this process into a leaf of its
// own first (as go-judge does), then enable what the boxes need.
void prepare_v2(const Layout& l) {
    std::vector<std::string> ctrls;
    if (l.memory.found && l.memory.version == Version::v2) ctrls.push_back("memory");
    if (l.pids.found && l.pids.version == Version::v2) ctrls.push_back("pids");
    std::string base;
    for (const Placement* p : {&l.memory, &l.pids, &l.cpu})
        if (p->found && p->version == Version::v2) base = p->base;
    if (base.empty()) return;
    Fd dir(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) io::throw_errno("open(\"" + base + "\")", errno);
    // Only the real root may hold processes and enable controllers at once.
    // The mount point is not proof of it: in a private cgroup namespace (a
    // container's) /proc/self/cgroup reads 0::/ for a cgroup deep in the
    // tree. The real root alone has no cgroup.type.
    const bool real_root = ::faccessat(dir.get(), "cgroup.type", F_OK, 0) != 0 && errno == ENOENT;
    if (!real_root) {
        const std::string leaf = base + "/" + kServiceLeaf;
        if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) io::throw_errno("mkdir(\"" + leaf + "\")", errno);
        Fd leaf_fd(::open(leaf.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!leaf_fd) io::throw_errno("open(\"" + leaf + "\")", errno);
        io::write_at(leaf_fd.get(), "cgroup.procs", std::to_string(::getpid()));
    }
    for (const auto& c : ctrls) {
        try {
            io::write_at(dir.get(), "cgroup.subtree_control", "+" + c);
        } catch (const std::system_error& e) {
            throw std::system_error(e.code(), std::string(e.what()) + " in " + base +
                                                  " (the service's cgroup must hold only the service and "
                                                  "have the controller delegated, e.g. systemd Delegate=yes)");
        }
    }
}

}  // namespace

const Layout& host_layout() {
    static std::once_flag once;
    static Layout layout;
    std::call_once(once, [] {
        auto mi = io::read_file("/proc/self/mountinfo");
        auto cg = io::read_file("/proc/self/cgroup");
        if (!mi || !cg) io::throw_errno("read(/proc/self/{mountinfo,cgroup})", ENOENT);
        Layout l = detect(*mi, *cg, [](const std::string& p) { return io::read_file(p); });
        std::string missing;
        if (!l.memory.found) missing += " memory";
        if (!l.pids.found) missing += " pids";
        if (!l.cpu.found) missing += " cpuacct";
        if (!missing.empty())
            throw std::system_error(ENOTSUP, std::generic_category(),
                                    "cgroup controllers missing:" + missing +
                                        " (mount them, or delegate them to the service's cgroup)");
        prepare_v2(l);
        layout = l;
    });
    return layout;
}

std::size_t BoxCgroup::find_or_add(const Placement& p, const std::string& name) {
    const std::string path = p.base + "/" + name;
    for (std::size_t i = 0; i < dirs_.size(); ++i)
        if (dirs_[i].path == path) return i;
    if (::mkdir(path.c_str(), 0700) != 0) {
        if (errno != EEXIST) io::throw_errno("mkdir(\"" + path + "\")", errno);
        // Left by a crashed owner of this slot (the slot lock proves it is
        // gone): the folder and its processes are ours to clear. Cleared on
        // its own: this box's folders in the other hierarchies stay.
        std::vector<Dir> made = std::move(dirs_);
        dirs_.clear();
        dirs_.push_back(Dir{p.version, path, Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)), Fd()});
        destroy();
        dirs_ = std::move(made);
        if (::mkdir(path.c_str(), 0700) != 0) io::throw_errno("mkdir(\"" + path + "\")", errno);
    }
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        int e = errno;
        ::rmdir(path.c_str());
        io::throw_errno("open(\"" + path + "\")", e);
    }
    dirs_.push_back(Dir{p.version, path, std::move(fd), Fd()});
    Dir& d = dirs_.back();
    d.procs.reset(::openat(d.fd.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC));
    if (!d.procs) io::throw_errno("openat(\"" + path + "/cgroup.procs\")", errno);
    return dirs_.size() - 1;
}

BoxCgroup::BoxCgroup(const Layout& layout, const std::string& name) {
    try {
        mem_ = find_or_add(layout.memory, name);
        pids_ = find_or_add(layout.pids, name);
        cpu_ = find_or_add(layout.cpu, name);
        const Dir& c = dirs_[cpu_];
        cpu_usage_ = c.version == Version::v1 ? v1::open_cpu_usage(c.fd.get()) : v2::open_cpu_usage(c.fd.get());
        const Dir& m = dirs_[mem_];
        sample_current_ = m.version == Version::v2 && ::faccessat(m.fd.get(), "memory.peak", F_OK, 0) != 0;
        oom_event_ = m.version == Version::v1 ? v1::oom_eventfd(m.fd.get()) : v2::events_fd(m.fd.get());
    } catch (...) {
        destroy();
        throw;
    }
}

BoxCgroup::~BoxCgroup() { destroy(); }

void BoxCgroup::set_limits(const Limits& limits) const {
    for (std::size_t i = 0; i < dirs_.size(); ++i) {
        const Dir& d = dirs_[i];
        if (d.version == Version::v1)
            v1::set_limits(d.fd.get(), limits, i == mem_, i == pids_);
        else
            v2::set_limits(d.fd.get(), limits, i == mem_, i == pids_);
    }
}

void BoxCgroup::add(pid_t pid) const {
    const std::string text = std::to_string(pid);
    for (const auto& d : dirs_)
        if (::write(d.procs.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
            io::throw_errno("write(\"" + d.path + "/cgroup.procs\", " + text + ")", errno);
}

std::uint64_t BoxCgroup::cpu_usage_ns() const {
    return dirs_[cpu_].version == Version::v1 ? v1::cpu_usage_ns(cpu_usage_.get()) : v2::cpu_usage_ns(cpu_usage_.get());
}

void BoxCgroup::sample() {
    if (!sample_current_) return;  // the kernel keeps the peak itself
    std::uint64_t cur = v2::memory_current(dirs_[mem_].fd.get());
    if (cur > sampled_peak_) sampled_peak_ = cur;
}

std::uint64_t BoxCgroup::memory_peak() const {
    const Dir& d = dirs_[mem_];
    if (d.version == Version::v1) return v1::memory_peak(d.fd.get());
    auto p = v2::memory_peak(d.fd.get());
    return p ? *p : sampled_peak_;
}

std::uint64_t BoxCgroup::oom_kills() const {
    const Dir& d = dirs_[mem_];
    return d.version == Version::v1 ? v1::oom_kills(d.fd.get()) : v2::oom_kills(d.fd.get());
}

short BoxCgroup::oom_event_mask() const { return dirs_[mem_].version == Version::v1 ? POLLIN : POLLPRI; }

void BoxCgroup::consume_oom_event() {
    if (dirs_[mem_].version == Version::v1) {
        std::uint64_t n;
        [[maybe_unused]] ssize_t r = ::read(oom_event_.get(), &n, sizeof n);
    } else {
        (void)io::pread_all(oom_event_.get());  // re-arms the kernfs notification
    }
}

void BoxCgroup::kill() {
    kill_if_cheap();
    for (const auto& d : dirs_) {
        if (d.version == Version::v2) continue;
        // v1 has no cgroup.kill. The sandbox kills boxes through their PID
        // namespace's init; this sweeps what a crashed owner left behind.
        if (auto procs = io::read_at(d.fd.get(), "cgroup.procs")) {
            std::istringstream in(*procs);
            pid_t pid;
            while (in >> pid) ::kill(pid, SIGKILL);
        }
    }
}

void BoxCgroup::kill_if_cheap() {
    for (const auto& d : dirs_)
        if (d.version == Version::v2) v2::kill(d.fd.get());
}

void BoxCgroup::destroy() {
    if (dirs_.empty()) return;
    oom_event_.reset();
    cpu_usage_.reset();
    // Normally every process is gone (the sandbox waits for the box's
    // init, the last of them): rmdir at once. Only a busy cgroup (a
    // crashed owner's, or one whose tasks have not left yet) is swept, and
    // again every 100 ms while it stays busy.
    const auto sweep = [this] {
        try {
            kill();
        } catch (...) {  // destructors never throw; rmdir reports nothing either
        }
    };
    for (auto& d : dirs_) {
        d.procs.reset();
        // Tasks leave a cgroup asynchronously after their last reap.
        for (int i = 0; i < 500; ++i) {
            if (::rmdir(d.path.c_str()) == 0 || errno == ENOENT) break;
            if (errno != EBUSY) break;
            if (i % 50 == 0) sweep();
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
    }
    dirs_.clear();
}

}  // namespace sandbox::cgroup
