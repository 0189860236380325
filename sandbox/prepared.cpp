#include "sandbox/prepared.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include <atomic>
#include <cerrno>
#include <set>
#include <climits>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "sandbox/fd_passing.hpp"
#include "sandbox/spawn.hpp"
#include "sandbox/sys_io.hpp"

#ifndef JUDGE_SANDBOX_INIT_PATH
#define JUDGE_SANDBOX_INIT_PATH "/usr/local/libexec/judge/judge-sandbox-init"
#endif

namespace sandbox::prepared {

namespace {

// judge-sandbox-init: $JUDGE_SANDBOX_INIT, else beside the running binary,
// else where the build put it.
int init_binary() {
    static const int fd = [] {
        std::vector<std::string> candidates;
        if (const char* env = std::getenv("JUDGE_SANDBOX_INIT"); env && *env) candidates.emplace_back(env);
        char self[PATH_MAX];
        ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            std::string dir(self, static_cast<std::size_t>(n));
            if (const auto slash = dir.rfind('/'); slash != std::string::npos) dir.resize(slash);
            candidates.push_back(dir + "/judge-sandbox-init");
        }
        candidates.emplace_back(JUDGE_SANDBOX_INIT_PATH);
        for (const auto& c : candidates) {
            int f = ::open(c.c_str(), O_PATH | O_CLOEXEC);
            if (f >= 0) return f;
        }
        return -1;
    }();
    if (fd < 0) io::throw_errno("open(judge-sandbox-init): set JUDGE_SANDBOX_INIT", ENOENT);
    return fd;
}

std::atomic<int> g_box_nice{0};

int dev_null() {
    static const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) io::throw_errno("open(\"/dev/null\")", errno);
    return fd;
}

void send_message(int sock, const std::vector<char>& data, const int* fds, std::size_t nfds) {
    if (nfds > proto::kMaxFds) throw std::invalid_argument("too many binds");
    if (data.size() > proto::kMaxMessage)
        throw std::invalid_argument("the run's argv, env and binds are too large (" + std::to_string(data.size()) +
                                    " bytes, at most " + std::to_string(proto::kMaxMessage) + ")");
    ssize_t n = fdpass::send(sock, data.data(), data.size(), fds, nfds);
    if (n != static_cast<ssize_t>(data.size())) io::throw_errno("sendmsg(box control)", n < 0 ? errno : EIO);
}

// Named by uid, which is unique across every process whose uid ranges are
// kept apart, not by slot, which is unique only within one state folder.
std::string box_cgroup_name(const pools::Slot& slot) { return "judge-box-" + std::to_string(slot.uid()); }

}  // namespace

// Box cgroups whose slot no one holds were left by a process that ended
// without tearing its boxes down (a crash, a kill): remove them, once. A box
// cgroup is named by its uid, and only uids of this process's range are
// considered: the slot lock proves nothing about another range's boxes (a
// process with a state folder and uid range of its own in the same cgroup).
void sweep_stale_cgroups() {
    static std::once_flag once;
    std::call_once(once, [] {
        const cgroup::Layout& layout = cgroup::host_layout();
        std::set<std::uint32_t> slots;
        for (const cgroup::Placement* p : {&layout.memory, &layout.pids, &layout.cpu}) {
            DIR* d = ::opendir(p->base.c_str());
            if (!d) continue;
            while (dirent* e = ::readdir(d)) {
                std::string n = e->d_name;
                if (n.rfind("judge-box-", 0) != 0 || n.size() == 10 || n.size() > 20) continue;
                if (n.find_first_not_of("0123456789", 10) != std::string::npos) continue;
                const std::uint64_t uid = std::stoull(n.substr(10));
                if (uid < pools::uid_base() || uid - pools::uid_base() >= pools::slot_count()) continue;
                slots.insert(static_cast<std::uint32_t>(uid - pools::uid_base()));
            }
            ::closedir(d);
        }
        for (std::uint32_t i : slots) {
            auto slot = pools::Slot::try_acquire(i);
            if (!slot) continue;  // a live box of some process
            try {
                // Takes over the stale folders, then removes them.
                cgroup::BoxCgroup stale(layout, box_cgroup_name(*slot));
            } catch (const std::exception&) {  // best effort; the slot's next owner retries
            }
        }
    });
}

Box Box::make(bool network) {
    sweep_stale_cgroups();
    Box box(pools::Slot::acquire(), network);
    box.cgroup_.emplace(cgroup::host_layout(), box_cgroup_name(box.slot_));
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) io::throw_errno("socketpair()", errno);
    box.control_.reset(sv[0]);
    Fd child_control(sv[1]);
    // Room for one whole run config in a single datagram.
    int size = static_cast<int>(proto::kMaxMessage * 2);
    if (::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) io::throw_errno("pipe2()", errno);
    box.report_.reset(p[0]);
    Fd child_report(p[1]);

    spawn::Args a;
    a.init_fd = init_binary();
    a.control_fd = child_control.get();
    a.report_fd = child_report.get();
    a.null_fd = dev_null();
    a.new_netns = true;  // always: a box never shares the host's network
    a.nice = g_box_nice.load(std::memory_order_relaxed);
    try {
        box.init_ = spawn::start_init(a);
    } catch (const std::system_error& e) {
        throw SetupError(e.what());
    }
    // Only init holds these ends now: EOF on the report pipe means init and
    // everything it started are gone.
    child_control.reset();
    child_report.reset();

    proto::InitConfig prep;
    prep.uid = prep.gid = box.slot_.uid();
    prep.hostname = "box";
    send_message(box.control_.get(), proto::encode(prep), nullptr, 0);

    pollfd pfd{box.report_.get(), POLLIN, 0};
    int rc;
    do rc = ::poll(&pfd, 1, 30'000);
    while (rc < 0 && errno == EINTR);
    proto::Report r{};
    if (rc <= 0 || ::read(box.report_.get(), &r, sizeof r) != static_cast<ssize_t>(sizeof r))
        throw SetupError("box init did not report prepared");
    if (r.kind != proto::ReportKind::prepared) {
        std::string text(r.text, strnlen(r.text, sizeof r.text));
        throw SetupError("box set-up failed: " + text + ": " + io::errno_text(r.a));
    }
    // Before the program can exist: its first connect already has a way out.
    if (network) box.net_.emplace(network::Stack::attach(box.init_.pid(), box.slot_.uid()));
    return box;
}

void Box::send_run(const proto::InitConfig& cfg, const std::vector<int>& fds) const {
    send_message(control_.get(), proto::encode(cfg), fds.data(), fds.size());
}

namespace {

class Pool;
Pool& pool();

class Pool {
public:
    Box take() {
        for (;;) {
            std::unique_lock lk(mu_);
            if (ready_.empty()) {
                lk.unlock();
                return Box::make(false);
            }
            Box b = std::move(ready_.front());
            ready_.pop_front();
            lk.unlock();
            cv_.notify_one();
            // A box whose init died while it waited (its factory was killed,
            // say) is dropped, never handed to a run; so is one whose
            // template binds host files since replaced.
            if (b.init().alive() && b.init().template_current()) return b;
        }
    }
    void set_target(unsigned n) {
        std::deque<Box> surplus;
        {
            std::lock_guard lk(mu_);
            target_ = n;
            while (ready_.size() > n) {
                surplus.push_back(std::move(ready_.back()));
                ready_.pop_back();
            }
            if (n > 0 && !started_) {
                started_ = true;
                // What the thread uses of this library's statics is made
                // first, so that it is destroyed only after the handler below
                // (exit destroys statics and runs handlers in reverse order).
                try {
                    sweep_stale_cgroups();
                } catch (const std::exception&) {  // take() reports a broken host when it makes a box
                }
                // Prepared boxes own cgroups: tear them down at exit, and let
                // a box being made finish before exit destroys anything.
                std::atexit([] {
                    set_pool_size(0);
                    pool().wait_idle();
                });
                // Lives for the whole process, asleep while the pool is full.
                // It is the parent of the boxes it makes: their
                // PDEATHSIG fires only when the process goes.
                std::thread([this] { fill(); }).detach();
            }
        }
        cv_.notify_one();
    }
    // Returns once the thread is not making a box.
    void wait_idle() {
        std::unique_lock lk(mu_);
        idle_cv_.wait(lk, [this] { return !making_; });
    }

private:
    void fill() {
        for (;;) {
            {
                std::unique_lock lk(mu_);
                cv_.wait(lk, [this] { return ready_.size() < target_; });
                making_ = true;
            }
            std::optional<Box> b;
            try {
                b.emplace(Box::make(false));
            } catch (const std::exception&) {
                // take() makes boxes itself and reports the failure there.
            }
            const bool failed = !b;
            {
                std::lock_guard lk(mu_);
                if (b && ready_.size() < target_) {
                    ready_.push_back(std::move(*b));
                    b.reset();
                }
            }
            b.reset();  // a surplus box (the target went down meanwhile)
            {
                std::lock_guard lk(mu_);
                making_ = false;
            }
            idle_cv_.notify_all();
            if (failed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    std::mutex mu_;  // guards ready_, target_, started_, making_
    std::condition_variable cv_;
    std::condition_variable idle_cv_;  // making_ went false
    std::deque<Box> ready_;
    unsigned target_ = 0;
    bool started_ = false;
    bool making_ = false;  // the thread is making a box
};

Pool& pool() {
    static auto* p = new Pool();  // never destroyed: its thread outlives main
    return *p;
}

// Used boxes whose init is yet to exit: torn down in order by one thread,
// so that a run's result need not wait for its init's exit (its memory and
// namespaces' teardown take a millisecond or more).
class Retirer {
public:
    void retire(Box box) {
        std::unique_lock lk(mu_);
        if (pending_.size() >= kMaxPending) {
            lk.unlock();
            return;  // `box` is destroyed on return: a teardown in line
        }
        pending_.push_back(std::move(box));
        if (!started_) {
            started_ = true;
            std::atexit([] { prepared::settle(); });
            std::thread([this] { run(); }).detach();
        }
        lk.unlock();
        cv_.notify_all();
    }
    void settle() {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [this] { return pending_.empty() && busy_ == 0; });
    }

private:
    static constexpr std::size_t kMaxPending = 8;
    void run() {
        for (;;) {
            std::optional<Box> b;
            {
                std::unique_lock lk(mu_);
                cv_.wait(lk, [this] { return !pending_.empty(); });
                b.emplace(std::move(pending_.front()));
                pending_.pop_front();
                ++busy_;
            }
            b.reset();  // init reaped, then the cgroup removed, the slot freed
            {
                std::lock_guard lk(mu_);
                --busy_;
            }
            cv_.notify_all();
        }
    }
    std::mutex mu_;  // guards everything below
    std::condition_variable cv_;
    std::deque<Box> pending_;
    unsigned busy_ = 0;
    bool started_ = false;
};

Retirer& retirer() {
    static auto* r = new Retirer();  // never destroyed: its thread outlives main
    return *r;
}

}  // namespace

Box take(bool network) { return network ? Box::make(true) : pool().take(); }
void retire(Box box) { retirer().retire(std::move(box)); }
void settle() {
    pool().wait_idle();
    retirer().settle();
}

void set_pool_size(unsigned n) { pool().set_target(n); }

void set_box_nice(int nice) {
    if (nice < 0 || nice > 19) throw std::invalid_argument("box nice value must be in 0..19");
    g_box_nice.store(nice, std::memory_order_relaxed);
}

}  // namespace sandbox::prepared
