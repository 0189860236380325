// sandbox::run, read top to bottom: validate -> slot (uid) -> working folder
// -> stdio -> cgroup -> config for init -> network namespace -> start init
// -> watch -> account -> clean up (RAII, in reverse).
#include "sandbox/sandbox.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "sandbox/cgroup.hpp"
#include "sandbox/fs_safe.hpp"
#include "sandbox/init_protocol.hpp"
#include "sandbox/monitor.hpp"
#include "sandbox/pools.hpp"
#include "sandbox/prepared.hpp"
#include "sandbox/seccomp.hpp"
#include "sandbox/spawn.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox {

const char* to_string(Status s) {
    switch (s) {
        case Status::ok: return "ok";
        case Status::runtime_error: return "runtime_error";
        case Status::signaled: return "signaled";
        case Status::time_limit: return "time_limit";
        case Status::wall_time_limit: return "wall_time_limit";
        case Status::memory_limit: return "memory_limit";
        case Status::output_limit: return "output_limit";
        case Status::syscall_violation: return "syscall_violation";
        case Status::internal_error: return "internal_error";
    }
    return "internal_error";
}

void validate(const RunSpec& s) {
    auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
    if (s.argv.empty() || s.argv[0].empty()) bad("argv: a program is required");
    for (const auto& a : s.argv)
        if (a.find('\0') != std::string::npos) bad("argv: NUL byte in an argument");
    for (const auto& e : s.env)
        if (e.find('=') == std::string::npos || e.front() == '=' || e.find('\0') != std::string::npos)
            bad("env: \"" + e + "\" is not NAME=VALUE");
    if (s.cpu_time_ms == 0 || s.cpu_time_ms > 3'600'000) bad("cpu_time_ms: must be in 1..3600000");
    if (s.wall_time_ms > 7'200'000) bad("wall_time_ms: must be at most 7200000");
    if (s.memory_bytes < (4ull << 20) || s.memory_bytes > (64ull << 30)) bad("memory_bytes: must be in 4 MiB..64 GiB");
    if (s.pids_max == 0 || s.pids_max > 4096) bad("pids_max: must be in 1..4096");
    if (s.output_bytes == 0 || s.output_bytes > (64ull << 30)) bad("output_bytes: must be in 1 B..64 GiB");
    if (s.open_files < 4 || s.open_files > 65536) bad("open_files: must be in 4..65536");
    if (s.stack_bytes != 0 && s.stack_bytes < (64ull << 10)) bad("stack_bytes: at least 64 KiB (or 0)");
    if (s.tmp_bytes > (64ull << 30)) bad("tmp_bytes: must be at most 64 GiB");
    if (s.binds.size() > proto::kMaxBinds) bad("binds: at most " + std::to_string(proto::kMaxBinds));
    for (const auto& b : s.binds) {
        if (b.host_path.empty() || b.host_path.front() != '/') bad("binds: host path must be absolute");
        const std::string& box = b.box_path.empty() ? b.host_path : b.box_path;
        if (box.front() != '/' || box.find("/..") != std::string::npos || box == "/")
            bad("binds: box path \"" + box + "\" must be absolute, not / and without ..");
        for (const char* reserved : {"/proc", "/dev", "/tmp", "/box"})
            if (box == reserved || box.rfind(std::string(reserved) + "/", 0) == 0)
                bad("binds: \"" + box + "\" is reserved for the box");
    }
    if (!s.workdir.empty() && s.workdir.front() != '/') bad("workdir: must be an absolute path");
}

std::string to_json(const RunResult& r) {
    std::string msg;
    for (unsigned char c : r.message) {
        if (c == '"' || c == '\\') {
            msg += '\\';
            msg += static_cast<char>(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            msg += buf;
        } else {
            msg += static_cast<char>(c);
        }
    }
    char head[512];
    std::snprintf(head, sizeof head,
                  "{\"status\":\"%s\",\"exit_code\":%d,\"signal\":%d,\"cpu_time_ms\":%.3f,"
                  "\"wall_time_ms\":%.3f,\"memory_kb\":%llu,\"message\":\"",
                  to_string(r.status), r.exit_code, r.signal, static_cast<double>(r.cpu_time_us) / 1000.0,
                  static_cast<double>(r.wall_time_us) / 1000.0,
                  static_cast<unsigned long long>(r.memory_bytes / 1024));
    return head + msg + "\"}";
}

namespace {

unsigned online_cpus() {
    static const unsigned n = [] {
        long c = ::sysconf(_SC_NPROCESSORS_ONLN);
        return c > 0 ? static_cast<unsigned>(c) : 1u;
    }();
    return n;
}

Fd open_input(const RunSpec& s) {
    const std::string path = s.stdin_path.empty() ? "/dev/null" : s.stdin_path;
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!fd) io::throw_errno("open(\"" + path + "\")", errno);
    int fl = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

Fd open_output(const std::string& path) {
    // Discarding is the one special file an output may go to.
    if (path.empty() || path == "/dev/null") {
        Fd fd(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        if (!fd) io::throw_errno("open(\"/dev/null\")", errno);
        return fd;
    }
    return create_output(path);
}

bool over_output_limit(int fd, std::uint64_t limit) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) >= limit;
}

// The working folder, owned by the box user for the run and given back
// (or removed, when the sandbox made it) afterwards.
class Workdir {
public:
    Workdir(const RunSpec& s, const pools::Slot& slot) {
        if (s.workdir.empty()) {
            path_ = pools::state_dir() + "/work/" + std::to_string(slot.index());
            remove_tree(path_);  // a crashed owner's leftovers
            if (::mkdir(path_.c_str(), 0755) != 0) io::throw_errno("mkdir(\"" + path_ + "\")", errno);
            owned_ = true;
        } else {
            path_ = s.workdir;
        }
        fd_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd_) io::throw_errno("open(\"" + path_ + "\", O_DIRECTORY|O_NOFOLLOW)", errno);
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) io::throw_errno("fstat(\"" + path_ + "\")", errno);
        old_uid_ = st.st_uid;
        old_gid_ = st.st_gid;
        if (::fchown(fd_.get(), slot.uid(), slot.uid()) != 0) io::throw_errno("fchown(\"" + path_ + "\")", errno);
    }
    ~Workdir() {
        if (owned_) {
            try {
                remove_tree(path_);
            } catch (...) {  // best effort; the next owner of the slot retries
            }
        } else if (fd_) {
            [[maybe_unused]] int rc = ::fchown(fd_.get(), old_uid_, old_gid_);
        }
    }
    Workdir(const Workdir&) = delete;
    Workdir& operator=(const Workdir&) = delete;
    const std::string& path() const { return path_; }
    int fd() const { return fd_.get(); }

private:
    std::string path_;
    Fd fd_;
    bool owned_ = false;
    uid_t old_uid_ = 0;
    gid_t old_gid_ = 0;
};

// A detached clone of the mount at `path` (relative to `dirfd`; empty: the
// folder `dirfd` itself, so what was checked is what is bound).
Fd mount_tree(int dirfd, const std::string& path) {
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (path.empty() ? AT_EMPTY_PATH : 0u);
    Fd fd(::open_tree(dirfd, path.c_str(), flags));
    if (!fd) io::throw_errno("open_tree(\"" + path + "\", OPEN_TREE_CLONE)", errno);
    return fd;
}

// The run half of init's configuration (the prepare half went with the box).
proto::InitConfig make_config(const RunSpec& s, const std::string& workdir) {
    proto::InitConfig c;
    c.tmp_bytes = s.tmp_bytes ? s.tmp_bytes : s.memory_bytes;
    // Backstop only, a second past the budget; the host kills first.
    c.rlimit_cpu_s = (s.cpu_time_ms + 999) / 1000 + 1;
    c.rlimit_fsize = s.output_bytes;
    c.rlimit_nofile = s.open_files;
    c.rlimit_stack = s.stack_bytes ? s.stack_bytes : s.memory_bytes;
    c.rlimit_nproc = s.pids_max;
    c.workdir = workdir;
    c.argv = s.argv;
    c.env = s.env;
    for (const auto& b : s.binds)
        c.binds.push_back(proto::BindEntry{b.host_path, b.box_path.empty() ? b.host_path : b.box_path, b.writable, false});
    c.bpf = seccomp::native_filter();
    return c;
}

std::uint64_t w_limit_ms(const RunSpec& s) { return s.wall_time_ms ? s.wall_time_ms : 2 * s.cpu_time_ms + 1000; }

std::string memory_message(const RunSpec& s) {
    return "memory limit of " + std::to_string(s.memory_bytes >> 10) + " KiB reached (the box's cgroup OOM-killed it)";
}

std::string output_message(const RunSpec& s) {
    return "output limit of " + std::to_string(s.output_bytes) + " bytes per file reached";
}

RunResult account(const RunSpec& s, const monitor::Outcome& o, const cgroup::BoxCgroup& cg, int out_fd,
                  int err_fd, const std::string& workdir, unsigned box_uid) {
    RunResult r;
    r.cpu_time_us = o.cpu_ns / 1000;
    r.wall_time_us = o.wall_ns / 1000;
    r.end_time_ns = o.end_ns;
    r.memory_bytes = cg.memory_peak();
    const std::uint64_t oom = cg.oom_kills();
    const std::uint64_t cpu_limit_ns = s.cpu_time_ms * 1'000'000ull;
    // Files stop at the limit; one that reached it means the program hit it.
    auto hit_output_limit = [&] {
        return over_output_limit(out_fd, s.output_bytes) || over_output_limit(err_fd, s.output_bytes) ||
               has_file_of_size(workdir, s.output_bytes, box_uid);
    };
    using monitor::Ending;
    switch (o.ending) {
        case Ending::setup_failed:
            r.status = Status::internal_error;
            r.message = "box set-up failed: " + o.text + ": " + io::errno_text(o.value);
            return r;
        case Ending::exec_failed:
            r.status = Status::internal_error;
            r.message = "execve(\"" + o.text + "\"): " + io::errno_text(o.value);
            return r;
        case Ending::init_lost:
            if (oom > 0) {
                r.status = Status::memory_limit;
                r.message = memory_message(s);
                return r;
            }
            r.status = Status::internal_error;
            r.message = o.text + (o.value ? ": " + io::errno_text(o.value) : "");
            return r;
        case Ending::violation:
            r.status = Status::syscall_violation;
            r.refused_syscall = o.value;
            r.refused_syscall_name = seccomp::syscall_name(o.value);
            r.message = "forbidden system call: " + r.refused_syscall_name;
            return r;
        case Ending::cpu_limit:
        case Ending::wall_limit:
            // A program that ignores SIGXFSZ spins on EFBIG until a clock
            // runs out; the output limit is what it hit first.
            if (hit_output_limit()) {
                r.status = Status::output_limit;
                r.message = output_message(s);
            } else if (o.ending == Ending::cpu_limit) {
                r.status = Status::time_limit;
                r.message = "CPU time limit of " + std::to_string(s.cpu_time_ms) + " ms exceeded";
            } else {
                r.status = Status::wall_time_limit;
                r.message = "wall time limit of " + std::to_string(w_limit_ms(s)) + " ms exceeded";
            }
            return r;
        case Ending::oom:
            r.status = Status::memory_limit;
            r.message = memory_message(s);
            return r;
        case Ending::exited: break;
    }
    const int st = o.wait_status;
    if (WIFSIGNALED(st)) r.signal = WTERMSIG(st);
    if (WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
    if (oom > 0) {
        r.status = Status::memory_limit;
        r.message = memory_message(s);
    } else if (o.cpu_ns > cpu_limit_ns || r.signal == SIGXCPU) {
        r.status = Status::time_limit;
        r.message = "CPU time limit of " + std::to_string(s.cpu_time_ms) + " ms exceeded";
    } else if (r.signal == SIGSYS) {
        // Only seccomp's kill action sends SIGSYS this way: a call through a
        // foreign ABI (32-bit entry, x32 numbers).
        r.status = Status::syscall_violation;
        r.message = "system call through a foreign ABI (32-bit or x32)";
    } else if (r.signal == SIGXFSZ || hit_output_limit()) {
        r.status = Status::output_limit;
        r.message = output_message(s);
    } else if (WIFSIGNALED(st)) {
        r.status = Status::signaled;
        r.message = std::string("killed by signal ") + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
    } else {
        r.status = r.exit_code == 0 ? Status::ok : Status::runtime_error;
    }
    return r;
}

// One try in `box`. `lost_early` is set when the box's init died before the
// program was told to start: nothing of the program ran.
RunResult run_in(const RunSpec& s, prepared::Box box, bool& lost_early) {
    lost_early = false;
    auto lost = [&](std::string why) {
        lost_early = true;
        RunResult r;
        r.status = Status::internal_error;
        r.message = std::move(why);
        return r;
    };
    Workdir workdir(s, box.slot());

    Fd in = s.stdin_fd >= 0 ? Fd(::fcntl(s.stdin_fd, F_DUPFD_CLOEXEC, 0)) : open_input(s);
    Fd out = s.stdout_fd >= 0 ? Fd(::fcntl(s.stdout_fd, F_DUPFD_CLOEXEC, 0)) : open_output(s.stdout_path);
    Fd err = s.stderr_fd >= 0 ? Fd(::fcntl(s.stderr_fd, F_DUPFD_CLOEXEC, 0)) : open_output(s.stderr_path);
    if (!in || !out || !err) io::throw_errno("fcntl(F_DUPFD_CLOEXEC, stdio)", errno);

    // pids.max counts init as well as the program's processes and threads.
    cgroup::BoxCgroup& cg = box.cgroup();
    cg.set_limits(cgroup::Limits{s.memory_bytes, s.pids_max + 1});
    // Init joins before the program exists; the program inherits the cgroup
    // and never runs an instruction outside it.
    // An init found dead here died with its factory (reparented, perhaps
    // reaped by someone else already): its pid must not be written.
    if (!box.init().alive()) return lost("box init died before the run");
    try {
        cg.add(box.init().pid());
    } catch (const std::system_error& e) {
        if (e.code().value() != ESRCH) throw;
        return lost(e.what());  // init died just now, before the program existed
    }
    // The working folder and the binds, cloned here where their paths mean
    // what the caller meant, then attached inside the box (which has long
    // left the host's mount namespace).
    std::vector<Fd> trees;
    trees.push_back(mount_tree(workdir.fd(), ""));
    for (const auto& b : s.binds) trees.push_back(mount_tree(AT_FDCWD, b.host_path));
    std::vector<int> fds = {in.get(), out.get(), err.get()};
    for (const auto& t : trees) fds.push_back(t.get());
    try {
        box.send_run(make_config(s, workdir.path()), fds);
    } catch (const std::system_error& e) {
        if (e.code().value() != EPIPE && e.code().value() != ECONNRESET) throw;
        return lost(e.what());  // init is gone: nobody reads the run config
    }
    trees.clear();

    monitor::Watch w;
    w.init = &box.init();
    w.report_fd = box.report_fd();
    w.go_fd = box.control_fd();
    w.cg = &cg;
    w.cpu_limit_ns = s.cpu_time_ms * 1'000'000ull;
    w.wall_limit_ns = w_limit_ms(s) * 1'000'000ull;
    w.cpus = std::min(online_cpus(), s.pids_max);
    monitor::Outcome o = monitor::watch(w);
    RunResult r = account(s, o, cg, out.get(), err.get(), workdir.path(), box.slot().uid());
    // A failed set-up step ran nothing of the program either (it fails
    // before the exec): a host file the box needed may have been replaced
    // just then.
    lost_early = (o.ending == monitor::Ending::init_lost && !o.program_started &&
                  r.status == Status::internal_error) ||
                 o.ending == monitor::Ending::setup_failed;
    // Nothing of the box runs any more but its init, killed, on its way
    // out: the rest of the teardown happens in the background.
    if (o.ending == monitor::Ending::exited) prepared::retire(std::move(box));
    return r;
}

RunResult run_checked(const RunSpec& s) {
    bool lost_early = false;
    try {
        RunResult r = run_in(s, prepared::take(s.network), lost_early);
        if (!lost_early) return r;
    } catch (const prepared::SetupError&) {
    }
    // The box could not be made or set up, or its init died before the
    // program started (a prepared box whose factory was killed while it
    // waited, say): nothing of the program ran, so it runs once more, in a
    // box made on the spot, from a fresh template should a host file the
    // last one binds have been replaced meanwhile.
    spawn::check_template_sources();
    return run_in(s, prepared::Box::make(s.network), lost_early);
}

}  // namespace

RunResult run(const RunSpec& spec) {
    validate(spec);
    try {
        return run_checked(spec);
    } catch (const std::exception& e) {
        RunResult r;
        r.status = Status::internal_error;
        r.message = e.what();
        return r;
    }
}

std::string describe_host() {
    std::string out = "namespaces pid, mount, network, ipc, uts, cgroup; a seccomp filter of " +
                      std::to_string(seccomp::policy().size()) + " rules; cgroups:";
    try {
        const cgroup::Layout& l = cgroup::host_layout();
        const auto place = [](const char* what, const cgroup::Placement& p) {
            return std::string(" ") + what + (p.version == cgroup::Version::v1 ? " v1" : " v2");
        };
        out += place("memory", l.memory) + "," + place("pids", l.pids) + "," + place("cpu", l.cpu);
    } catch (const std::exception& e) {
        out += std::string(" unusable (") + e.what() + ")";
    }
    return out;
}

}  // namespace sandbox
