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
    exited,        // the program ended; `wait_status` says how
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
    bool program_started = false;  // "go" was sent: the program may have run
    // Ending::exited: init had emptied the box before reporting, and is
    // left to exit (killed, not yet reaped: the caller's to reap, perhaps
    // later). Otherwise init has been reaped.
    bool init_pending = false;
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
// init has been reaped, and with it every process of the box.
Outcome watch(const Watch& w);

}  // namespace sandbox::monitor
