// Starting a box's init: clone into fresh namespaces, exec
// judge-sandbox-init. (The host puts init into the box's cgroup later, before
// the program exists.)
//
// The clone shares the caller's memory and suspends the calling thread until
// the exec (CLONE_VM | CLONE_VFORK, like posix_spawn), so its cost does not
// grow with the size of the process that starts the box: no page tables are
// copied. The child therefore runs only async-signal-safe code and touches
// nothing but its own stack; a failure is written as a setup_failed report to
// the report pipe.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace sandbox::spawn {

struct Args {
    int init_fd = -1;     // O_PATH descriptor of judge-sandbox-init
    int control_fd = -1;  // becomes fd 3
    int report_fd = -1;   // becomes fd 4
    int null_fd = -1;     // /dev/null, init's stdio until the run's arrives
    bool new_netns = true;  // false: share the host's network
    int nice = 0;           // init's (and so the program's) nice value
};

// Returns the init's pid (in the caller's namespace); throws
// std::system_error when clone itself fails.
pid_t start_init(const Args& args);

}  // namespace sandbox::spawn
