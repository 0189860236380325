// Starting a box's init: clone into fresh namespaces, join the box's
// cgroups, exec judge-sandbox-init.
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
    int init_fd = -1;    // O_PATH descriptor of judge-sandbox-init
    int config_fd = -1;  // becomes fd 3
    int report_fd = -1;  // becomes fd 4
    int go_fd = -1;      // becomes fd 5
    int stdio[3] = {-1, -1, -1};
    const int* procs_fds = nullptr;  // cgroup.procs files to join
    std::size_t nprocs = 0;
    int netns_fd = -1;  // setns() into it; -1: keep the host's network
};

// Returns the init's pid (in the caller's namespace); throws
// std::system_error when clone itself fails.
pid_t start_init(const Args& args);

}  // namespace sandbox::spawn
