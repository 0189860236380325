// Slots: what a box holds for its lifetime.
//
// Slots: each box running at once holds a slot, which gives it its uid/gid
// (kUidBase + slot) and the name of its cgroup. A slot is an flock on a file
// under the state folder, so boxes of different processes on one host never
// share a uid, and a crashed owner's slot frees itself.
//
// Thread-safety: safe to use from many threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sandbox/fd.hpp"

namespace sandbox::pools {

inline constexpr std::uint32_t kUidBase = 200000;
inline constexpr std::uint32_t kSlots = 4096;

// The host folder for slot locks, box roots and temporary working folders.
const std::string& state_dir();

class Slot {
public:
    static Slot acquire();  // throws std::system_error when none is free
    // Slot `i` if no one holds it.
    static std::optional<Slot> try_acquire(std::uint32_t i);
    std::uint32_t index() const { return index_; }
    std::uint32_t uid() const { return kUidBase + index_; }

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
