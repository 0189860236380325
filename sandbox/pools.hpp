// Slots: what a box holds for its lifetime.
//
// Slots: each box running at once holds a slot, which gives it its uid/gid
// (uid_base() + slot) and the name of its cgroup. A slot is an flock on a file
// under the state folder, so boxes of different processes on one host never
// share a uid, and a crashed owner's slot frees itself. Processes that do not
// share a state folder (two containers on one kernel) must not share a uid
// range either: JUDGE_SANDBOX_UID_BASE and JUDGE_SANDBOX_SLOTS set it.
//
// Thread-safety: safe to use from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "sandbox/fd.hpp"

namespace sandbox::pools {

inline constexpr std::uint32_t kDefaultUidBase = 200000;
inline constexpr std::uint32_t kDefaultSlots = 4096;

// The first box uid and the number of slots (uids uid_base() .. uid_base() +
// slot_count() - 1), from JUDGE_SANDBOX_UID_BASE and JUDGE_SANDBOX_SLOTS, read
// once; throws std::invalid_argument naming the variable when one is malformed
// or out of range.
std::uint32_t uid_base();
std::uint32_t slot_count();
// Pure: the range those variables describe (nullptr: unset). Throws as above.
std::pair<std::uint32_t, std::uint32_t> parse_uid_range(const char* base, const char* slots);

// The host folder for slot locks, box roots and temporary working folders.
const std::string& state_dir();

class Slot {
public:
    static Slot acquire();  // throws std::system_error when none is free
    // Slot `i` if no one holds it.
    static std::optional<Slot> try_acquire(std::uint32_t i);
    std::uint32_t index() const { return index_; }
    std::uint32_t uid() const { return uid_base() + index_; }

private:
    Slot(std::uint32_t i, Fd lock) : index_(i), lock_(std::move(lock)) {}

public:
    Slot(Slot&&) noexcept = default;
    Slot& operator=(Slot&&) noexcept = default;

private:
    std::uint32_t index_;
    Fd lock_;
};

}  // namespace sandbox::pools
