#include "sandbox/pools.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <optional>

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

std::optional<Slot> Slot::try_acquire(std::uint32_t i) {
    const std::string path = state_dir() + "/slots/" + std::to_string(i % kSlots);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) io::throw_errno("open(\"" + path + "\")", errno);
    // flock locks belong to the open file description: two threads of one
    // process exclude each other as two processes do.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return Slot(i % kSlots, std::move(fd));
    if (errno != EWOULDBLOCK) io::throw_errno("flock(\"" + path + "\")", errno);
    return std::nullopt;
}

Slot Slot::acquire() {
    static std::atomic<std::uint32_t> next{static_cast<std::uint32_t>(::getpid()) % kSlots};
    for (std::uint32_t tries = 0; tries < kSlots; ++tries)
        if (auto slot = try_acquire(next.fetch_add(1) % kSlots)) return std::move(*slot);
    io::throw_errno("no free box slot", EAGAIN);
}

}  // namespace sandbox::pools
