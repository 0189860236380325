// What init does inside the box before the program starts, one concern per
// function, in the order init_main.cpp calls them. These run in the fresh
// box process (after exec of judge-sandbox-init), never in the host.
//
// Errors: each throws StepError naming the call, its argument and errno;
// init turns it into a setup_failed report, which the host reports as an
// internal error (never the program's verdict).
#pragma once

#include <string>

#include "sandbox/init_protocol.hpp"

namespace sandbox::box {

struct StepError {
    std::string step;  // e.g. "mount(/usr -> /run/judge-sandbox/root/usr)"
    int err;           // errno
};

[[noreturn]] void fail(const std::string& step, int err);

// mounts.cpp, in two halves so the first can run before the run is known:
// prepare_root: the tmpfs root with the default read-only binds, /proc,
// /dev, /tmp, /dev/shm, /etc/passwd and /etc/group; pivot_root with the old
// root detached.
// finish_root: /tmp and /dev/shm sized for the run; the working folder
// (trees[0]) and the run's extra binds (trees[1..]) attached from detached
// mount trees the host cloned; the root made read-only.
void prepare_root(const proto::InitConfig& prep);
void finish_root(const proto::InitConfig& run, const int* trees);

// credentials.cpp. In init, while preparing: an empty capability bounding
// set, which the program child inherits. In the program child, the last
// steps before exec: resource limits, no supplementary groups, the box
// uid/gid (which clears every capability), no_new_privs. Seccomp follows.
void drop_bounding_set();
void apply_rlimits(const proto::InitConfig& cfg);
void drop_privileges(const proto::InitConfig& cfg);

}  // namespace sandbox::box
