#include "sandbox/pools.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "sandbox/sys_io.hpp"

namespace sandbox::pools {

namespace {

void mkdir_p(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) io::throw_errno("mkdir(\"" + path + "\")", errno);
}

}  // namespace

const std::string& state_dir() {
    static const std::string dir = [] {
        const char* env = std::getenv("JUDGE_SANDBOX_STATE");
        std::string d = env && *env ? env : "/run/judge-sandbox";
        mkdir_p(d, 0755);
        mkdir_p(d + "/slots", 0700);
        mkdir_p(d + "/work", 0755);
        mkdir_p(d + "/root", 0755);  // every box mounts its root here, in its own namespace
        return d;
    }();
    return dir;
}

Slot Slot::acquire() {
    static std::atomic<std::uint32_t> next{static_cast<std::uint32_t>(::getpid()) % kSlots};
    const std::string dir = state_dir() + "/slots/";
    for (std::uint32_t tries = 0; tries < kSlots; ++tries) {
        std::uint32_t i = next.fetch_add(1) % kSlots;
        const std::string path = dir + std::to_string(i);
        Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd) io::throw_errno("open(\"" + path + "\")", errno);
        // flock locks belong to the open file description: two threads of
        // one process exclude each other as two processes do.
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return Slot(i, std::move(fd));
        if (errno != EWOULDBLOCK) io::throw_errno("flock(\"" + path + "\")", errno);
    }
    io::throw_errno("no free box slot", EAGAIN);
}

namespace {

Fd make_netns() {
    // unshare(CLONE_NEWNET) moves only the calling thread; a throwaway
    // thread keeps the caller's namespace untouched.
    Fd out;
    int err = 0;
    std::thread([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            err = errno;
            return;
        }
        out.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
        if (!out) err = errno;
    }).join();
    if (!out) io::throw_errno("unshare(CLONE_NEWNET)", err);
    return out;
}

class NetnsPool {
public:
    Fd take() {
        std::unique_lock lk(mu_);
        if (!started_ && target_ > 0) {
            started_ = true;
            std::thread([this] { fill(); }).detach();
        }
        if (ready_.empty()) {
            lk.unlock();
            cv_.notify_one();
            return make_netns();
        }
        Fd fd = std::move(ready_.front());
        ready_.pop_front();
        lk.unlock();
        cv_.notify_one();
        return fd;
    }
    void set_target(unsigned n) {
        std::lock_guard lk(mu_);
        target_ = n;
        while (ready_.size() > n) ready_.pop_back();
        cv_.notify_one();
    }

private:
    // The filler lives for the whole process, sleeping while the pool is full.
    void fill() {
        for (;;) {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [this] { return ready_.size() < target_; });
            lk.unlock();
            Fd fd;
            if (::unshare(CLONE_NEWNET) == 0) fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
            lk.lock();
            if (!fd) {  // leave the pool empty; take() creates on demand
                lk.unlock();
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            if (ready_.size() < target_) ready_.push_back(std::move(fd));
        }
    }
    std::mutex mu_;  // guards ready_, target_, started_
    std::condition_variable cv_;
    std::deque<Fd> ready_;
    unsigned target_ = 2;
    bool started_ = false;
};

NetnsPool& netns_pool() {
    static auto* pool = new NetnsPool();  // never destroyed: its thread outlives main
    return *pool;
}

}  // namespace

Fd take_netns() { return netns_pool().take(); }
void set_netns_pool_size(unsigned n) { netns_pool().set_target(n); }

}  // namespace sandbox::pools
