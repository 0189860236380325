// Watching a running box from the host: the clock starts when init says the
// box is ready; then one poll() waits on init's reports and the cgroup's OOM
// event, with a timeout at the earliest moment the CPU budget could be spent
// (remaining budget / CPUs the box can use) or the wall deadline. No busy
// polling: a box that sleeps costs one wake-up per deadline.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "sandbox/cgroup.hpp"
#include "sandbox/spawn.hpp"

namespace sandbox::monitor {

enum class Ending {
    exited,        // the program ended; `wait_status` says how. init had
                   // killed and reaped every other process of the box; it is
                   // killed but left unreaped (the caller's to reap, perhaps
                   // later). After any other ending, init has been reaped.
    violation,     // a refused system call; `value` = its number
    exec_failed,   // `value` = errno, `text` = the path
    setup_failed,  // `value` = errno, `text` = the step
    cpu_limit,
    wall_limit,
    oom,
    init_lost,     // init vanished without a word
};

struct Outcome {
    Ending ending = Ending::init_lost;
    int wait_status = 0;
    int value = 0;
    std::string text;
    std::uint64_t cpu_ns = 0;   // the program's CPU time (set-up excluded)
    std::uint64_t wall_ns = 0;  // from "go" to the end
    // CLOCK_MONOTONIC ns when the program ended: init's reading when it
    // reports the end, else ours when we ended the box; 0 before "go".
    std::uint64_t end_ns = 0;
    bool program_started = false;  // "go" was sent: the program may have run
};

struct Watch {
    spawn::Init* init = nullptr;
    int report_fd = -1;
    int go_fd = -1;
    cgroup::BoxCgroup* cg = nullptr;
    std::uint64_t cpu_limit_ns = 0;
    std::uint64_t wall_limit_ns = 0;
    unsigned cpus = 1;  // how many CPUs the box can run on at once
};

// Runs the box to its end and kills whatever is left. When this returns,
// no process of the box is left but init, which is killed, and reaped too
// unless the ending is Ending::exited (see there).
Outcome watch(const Watch& w);

}  // namespace sandbox::monitor
