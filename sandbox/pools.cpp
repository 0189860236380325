#include "sandbox/pools.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <optional>
#include <stdexcept>

#include "sandbox/sys_io.hpp"

namespace sandbox::pools {

namespace {

void mkdir_p(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) io::throw_errno("mkdir(\"" + path + "\")", errno);
}

std::uint32_t parse_number(const char* name, const char* text, std::uint64_t lo, std::uint64_t hi) {
    const std::string t = text;
    std::uint64_t v = 0;
    bool ok = !t.empty() && t.size() <= 10 && t.find_first_not_of("0123456789") == std::string::npos;
    if (ok) v = std::stoull(t);
    if (!ok || v < lo || v > hi)
        throw std::invalid_argument(std::string(name) + "=\"" + t + "\": expected a whole number from " +
                                    std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<std::uint32_t>(v);
}

const std::pair<std::uint32_t, std::uint32_t>& uid_range() {
    static const auto range = parse_uid_range(std::getenv("JUDGE_SANDBOX_UID_BASE"), std::getenv("JUDGE_SANDBOX_SLOTS"));
    return range;
}

}  // namespace

std::pair<std::uint32_t, std::uint32_t> parse_uid_range(const char* base, const char* slots) {
    // Below 1000 are the system's own accounts; box uids and gids stay
    // within what a 32-bit id with (uid_t)-1 reserved allows.
    constexpr std::uint64_t kMaxId = 0xfffffffeULL;
    std::uint32_t b = base && *base ? parse_number("JUDGE_SANDBOX_UID_BASE", base, 1000, kMaxId) : kDefaultUidBase;
    std::uint32_t n = slots && *slots ? parse_number("JUDGE_SANDBOX_SLOTS", slots, 1, 65536) : kDefaultSlots;
    if (std::uint64_t{b} + n - 1 > kMaxId)
        throw std::invalid_argument("JUDGE_SANDBOX_UID_BASE + JUDGE_SANDBOX_SLOTS passes the largest uid " +
                                    std::to_string(kMaxId));
    return {b, n};
}

std::uint32_t uid_base() { return uid_range().first; }
std::uint32_t slot_count() { return uid_range().second; }

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
    const std::uint32_t n = slot_count();
    const std::string path = state_dir() + "/slots/" + std::to_string(i % n);
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) io::throw_errno("open(\"" + path + "\")", errno);
    // flock locks belong to the open file description: two threads of one
    // process exclude each other as two processes do.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return Slot(i % n, std::move(fd));
    if (errno != EWOULDBLOCK) io::throw_errno("flock(\"" + path + "\")", errno);
    return std::nullopt;
}

Slot Slot::acquire() {
    const std::uint32_t n = slot_count();
    static std::atomic<std::uint32_t> next{static_cast<std::uint32_t>(::getpid()) % n};
    for (std::uint32_t tries = 0; tries < n; ++tries)
        if (auto slot = try_acquire(next.fetch_add(1) % n)) return std::move(*slot);
    io::throw_errno("no free box slot", EAGAIN);
}

}  // namespace sandbox::pools
