#include "sandbox/spawn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sandbox/fd_passing.hpp"
#include "sandbox/init_protocol.hpp"
#include "sandbox/pools.hpp"
#include "sandbox/sys_io.hpp"

namespace sandbox::spawn {

namespace {

constexpr std::size_t kStackSize = 64 * 1024;

struct FactoryArgs {
    int init_fd;
    int sock_fd;  // becomes fd 3
    int null_fd;
    int err_pipe;  // the errno of a failed execveat goes here
    char* const* argv;
};

// judge-sandbox-init --factory ROOT BIND...: the folder the template root
// covers, and the toolchain folders bound read-only into it, with the
// loader's cache (without it every dynamically linked program probes a
// dozen folders per library). Those the host lacks are skipped.
constexpr const char* kTemplateSources[] = {"/usr",  "/bin",   "/sbin",   "/lib",
                                            "/lib64", "/lib32", "/libx32", "/etc/ld.so.cache"};

std::vector<std::string> factory_argv() {
    std::vector<std::string> v{"judge-sandbox-init", "--factory", pools::state_dir() + "/root"};
    for (const char* d : kTemplateSources) v.emplace_back(d);
    return v;
}

// What a template bind was made from: enough to tell a replaced or removed
// source (a new inode, another type, absence) from one changed in place,
// which a bind shows as it is anyway.
struct SourceId {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    mode_t type = 0;
    bool operator==(const SourceId&) const = default;
};

std::vector<SourceId> source_ids() {
    std::vector<SourceId> ids;
    for (const char* path : kTemplateSources) {
        struct stat st {};
        SourceId id;
        if (::lstat(path, &st) == 0) id = SourceId{true, st.st_dev, st.st_ino, static_cast<mode_t>(st.st_mode & S_IFMT)};
        ids.push_back(id);
    }
    return ids;
}

std::int64_t monotonic_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

class TemplateSources {
public:
    std::uint64_t epoch() {
        if (monotonic_ms() >= next_check_ms_.load(std::memory_order_acquire)) check();
        return epoch_.load(std::memory_order_acquire);
    }
    void check() {
        std::lock_guard lk(mu_);
        std::vector<SourceId> now = source_ids();
        if (now != ids_) {
            // The first look starts epoch 1 (nothing was built before it).
            ids_ = std::move(now);
            epoch_.fetch_add(1, std::memory_order_acq_rel);
        }
        next_check_ms_.store(monotonic_ms() + interval_ms_.load(std::memory_order_relaxed), std::memory_order_release);
    }
    void set_interval(std::int64_t ms) { interval_ms_.store(ms, std::memory_order_relaxed); }

private:
    std::mutex mu_;  // one look at a time; guards ids_
    std::vector<SourceId> ids_;
    std::atomic<std::uint64_t> epoch_{0};
    std::atomic<std::int64_t> next_check_ms_{0};
    std::atomic<std::int64_t> interval_ms_{100};
};

TemplateSources& template_sources() {
    static auto* t = new TemplateSources();  // never destroyed: boxes may outlive main
    return *t;
}

// The errno of a failed step, for the parent; then the child ends.
[[noreturn]] void factory_child_fail(int err_pipe, int err) {
    [[maybe_unused]] ssize_t n = ::write(err_pipe, &err, sizeof err);
    ::_exit(127);
}

// The factory's child between clone and exec: async-signal-safe only (it
// shares the host's memory, CLONE_VM | CLONE_VFORK).
int factory_child(void* p) {
    const auto& a = *static_cast<const FactoryArgs*>(p);
    // Every descriptor we still need after the dup2s below is first moved
    // above them: any of them may sit on 0..3 (whatever number open()
    // returned in the host), and would be clobbered. (An init binary on fd
    // 3 became the socket, and execveat failed with EACCES.)
    int err_pipe = ::fcntl(a.err_pipe, F_DUPFD_CLOEXEC, 16);
    if (err_pipe < 0) ::_exit(127);  // the parent then reads EOF and sees the child's exit
    const int exe = ::fcntl(a.init_fd, F_DUPFD_CLOEXEC, 16);
    int err = exe < 0 ? errno : 0;
    const int src[4] = {a.null_fd, a.null_fd, a.null_fd, a.sock_fd};
    int tmp[4];
    for (int i = 0; i < 4 && !err; ++i)
        if ((tmp[i] = ::fcntl(src[i], F_DUPFD, 16)) < 0) err = errno;
    for (int i = 0; i < 4 && !err; ++i)
        if (::dup2(tmp[i], i) != i) err = errno;
    if (!err) {
        // Not one host descriptor beyond these reaches the factory (and so
        // no box): the init binary's O_PATH descriptor and the error pipe
        // stay open only until the exec.
        if (::syscall(SYS_close_range, 4, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
            for (int fd = 4; fd < 65536; ++fd) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        char* envp[] = {nullptr};
        ::syscall(SYS_execveat, exe, "", a.argv, envp, AT_EMPTY_PATH);
        err = errno;
    }
    factory_child_fail(err_pipe, err);
}

// The pid a pidfd refers to, in our PID namespace (its fdinfo's "Pid:"
// line); -1 once it has been reaped, 0 if not visible to us.
pid_t pid_of(int pidfd) {
    const auto text = io::read_file("/proc/self/fdinfo/" + std::to_string(pidfd));
    if (!text) io::throw_errno("read(/proc/self/fdinfo of a pidfd)", ENOENT);
    const std::size_t at = text->find("\nPid:");
    if (at == std::string::npos) io::throw_errno("/proc/self/fdinfo of a pidfd: no Pid line", EPROTO);
    return static_cast<pid_t>(std::strtol(text->c_str() + at + 5, nullptr, 10));
}

}  // namespace

// One factory process: one box at a time (it waits in clone while its
// init lives), so a host holds as many as it has boxes at once.
class Factory {
public:
    Init spawn(const Args& args) {
        std::lock_guard lk(mu_);
        for (int attempt = 0;; ++attempt) {
            // A template on host files since replaced: a new factory builds
            // one from what is there now.
            if (sock_ && epoch_ != template_epoch()) stop();
            if (!sock_) start(args);
            proto::FactoryRequest rq{};
            rq.magic = proto::kMagic;
            rq.op = proto::FactoryOp::spawn;
            rq.nice = args.nice;
            rq.new_netns = args.new_netns ? 1 : 0;
            const int fds[2] = {args.control_fd, args.report_fd};
            proto::FactoryReply reply{};
            std::vector<int> got;
            ssize_t n = fdpass::send(sock_.get(), &rq, sizeof rq, fds, 2);
            if (n == static_cast<ssize_t>(sizeof rq)) n = fdpass::recv(sock_.get(), &reply, sizeof reply, got);
            if (n != static_cast<ssize_t>(sizeof reply)) {
                const int err = n < 0 ? errno : EPIPE;
                for (int fd : got) ::close(fd);
                stop();  // the factory died (or broke the protocol): a new one, once
                if (attempt == 0) continue;
                io::throw_errno("box factory: request", err);
            }
            if (reply.err != 0 || got.size() != 1) {
                for (int fd : got) ::close(fd);
                reply.step[sizeof reply.step - 1] = '\0';
                if (reply.err == 0) {
                    // An init that answered without a pidfd: a broken factory.
                    stop();
                    io::throw_errno("box factory: reply without a pidfd", EPROTO);
                }
                io::throw_errno(std::string("box factory: ") + reply.step, reply.err);
            }
            // The init answered itself; its pid comes from its pidfd. It
            // cannot have been reaped yet: the factory reaps it only when
            // asked (and were the factory killed, the pidfd would say so).
            // Should that fail, the init is killed: the factory waits in
            // clone until it has exited.
            Fd pidfd(got[0]);
            pid_t pid = -1;
            try {
                pid = pid_of(pidfd.get());
                if (pid <= 0) io::throw_errno("box factory: the new init's pid", ESRCH);
            } catch (...) {
                ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
                throw;
            }
            return Init(pid, std::move(pidfd), this, generation_, epoch_);
        }
    }

    void reap(pid_t pid, std::uint64_t generation) {
        std::lock_guard lk(mu_);
        // An init of an earlier factory died with it; whoever inherited the
        // zombie reaps it.
        if (generation == generation_ && sock_) send_reap(pid);
    }

private:
    void send_reap(pid_t pid) {
        proto::FactoryRequest rq{};
        rq.magic = proto::kMagic;
        rq.op = proto::FactoryOp::reap;
        rq.pid = pid;
        // No reply. If the factory is gone, the next spawn finds out.
        [[maybe_unused]] ssize_t n = fdpass::send(sock_.get(), &rq, sizeof rq, nullptr, 0);
    }

    void start(const Args& args) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) io::throw_errno("socketpair()", errno);
        Fd mine(sv[0]), theirs(sv[1]);
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) io::throw_errno("pipe2()", errno);
        Fd err_read(p[0]), err_write(p[1]);
        // The sources as they are now, before the factory binds them: a
        // change from here on starts a later epoch than this template's.
        template_sources().check();
        const std::uint64_t epoch = template_epoch();
        // Made before the clone: the child may not allocate.
        std::vector<std::string> arg_text = factory_argv();
        std::vector<char*> argv;
        for (auto& t : arg_text) argv.push_back(t.data());
        argv.push_back(nullptr);
        FactoryArgs a{args.init_fd, theirs.get(), args.null_fd, err_write.get(), argv.data()};
        thread_local std::unique_ptr<char[]> stack(new char[kStackSize]);
        sigset_t all, old;
        sigfillset(&all);
        // No signal handler may run in the child: it shares our memory.
        ::pthread_sigmask(SIG_SETMASK, &all, &old);
        // No PR_SET_PDEATHSIG: that fires when the *thread* that started the
        // factory ends, and every thread of this process uses it. The factory
        // ends when this process does, at EOF on its socket.
        pid_t pid = ::clone(factory_child, stack.get() + kStackSize, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
        const int clone_err = errno;
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        if (pid < 0) io::throw_errno("clone() for the box factory", clone_err);
        // The vfork-style clone returns after the exec (or the child's
        // _exit): a successful exec closed the pipe's write end in the child.
        err_write.reset();
        int err = 0;
        if (::read(err_read.get(), &err, sizeof err) == static_cast<ssize_t>(sizeof err)) {
            int st;
            while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            io::throw_errno("execveat(judge-sandbox-init --factory)", err);
        }
        pid_ = pid;
        sock_ = std::move(mine);
        ++generation_;
        epoch_ = epoch;
    }

    void stop() {
        sock_.reset();  // EOF: a live factory exits
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int st;
            while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
            }
        }
        pid_ = -1;
    }

    std::mutex mu_;  // one request at a time; guards everything below
    Fd sock_;
    pid_t pid_ = -1;
    std::uint64_t generation_ = 0;
    std::uint64_t epoch_ = 0;  // template_epoch() of this factory's template
};

namespace {

// The factories: each either idle or holding one box's init. Never
// destroyed (boxes may outlive main), nor shrunk: a host needs as many as
// it ever held boxes at once.
class Factories {
public:
    Init spawn(const Args& args) {
        Factory* f = take();
        try {
            return f->spawn(args);
        } catch (...) {
            give_back(f);
            throw;
        }
    }

    void give_back(Factory* f) {
        std::lock_guard lk(mu_);
        idle_.push_back(f);
    }

private:
    Factory* take() {
        std::lock_guard lk(mu_);
        if (idle_.empty()) {
            all_.push_back(std::make_unique<Factory>());
            return all_.back().get();
        }
        Factory* f = idle_.back();
        idle_.pop_back();
        return f;
    }

    std::mutex mu_;  // guards all_ and idle_
    std::vector<std::unique_ptr<Factory>> all_;
    std::vector<Factory*> idle_;
};

Factories& factories() {
    static auto* f = new Factories();
    return *f;
}

}  // namespace

std::uint64_t template_epoch() { return template_sources().epoch(); }
void check_template_sources() { template_sources().check(); }
void set_source_check_interval(std::chrono::milliseconds interval) {
    if (interval < std::chrono::milliseconds(1) || interval > std::chrono::hours(24))
        throw std::invalid_argument("source-check interval must be in 1 ms..1 day");
    template_sources().set_interval(interval.count());
}

Init::Init(Init&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::move(o.pidfd_)),
      factory_(std::exchange(o.factory_, nullptr)),
      generation_(o.generation_),
      epoch_(o.epoch_) {}

Init& Init::operator=(Init&& o) noexcept {
    if (this != &o) {
        kill();
        reap();
        pid_ = std::exchange(o.pid_, -1);
        pidfd_ = std::move(o.pidfd_);
        factory_ = std::exchange(o.factory_, nullptr);
        generation_ = o.generation_;
        epoch_ = o.epoch_;
    }
    return *this;
}

Init::~Init() {
    kill();
    reap();
}

bool Init::alive() const {
    if (pid_ <= 0) return false;
    pollfd p{pidfd_.get(), POLLIN, 0};
    int rc;
    do rc = ::poll(&p, 1, 0);
    while (rc < 0 && errno == EINTR);
    return rc == 0;
}

void Init::kill() const {
    if (pid_ > 0) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
}

void Init::reap() {
    if (pid_ <= 0) return;
    // Readable once init has exited; PID 1's exit waits for the rest of its
    // namespace to die first.
    pollfd p{pidfd_.get(), POLLIN, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    try {
        factory_->reap(pid_, generation_);
    } catch (...) {  // a lock failure: the zombie waits for the factory's end
    }
    // Its init gone, the factory is free for the next box.
    factories().give_back(factory_);
    factory_ = nullptr;
    pid_ = -1;
    pidfd_.reset();
}

Init start_init(const Args& args) { return factories().spawn(args); }

}  // namespace sandbox::spawn
