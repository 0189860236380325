// What the box factory and each box's init do before the program starts,
// one concern per function, in the order init_main.cpp calls them. These
// run in judge-sandbox-init (the factory, or an init it cloned), never in
// the host.
//
// Errors: each throws StepError naming the call, its argument and errno;
// init turns it into a setup_failed report, which the host reports as an
// internal error (never the program's verdict).
#pragma once

#include <string>
#include <vector>

#include "sandbox/init_protocol.hpp"

namespace sandbox::box {

struct StepError {
    std::string step;  // e.g. "mount(/usr -> /run/judge-sandbox/root/usr)"
    int err;           // errno
};

[[noreturn]] void fail(const std::string& step, int err);

// mounts.cpp. build_template: in the box factory, once: a mount namespace
// of its own whose root becomes the read-only template every box starts
// from (`root`, an empty host folder, gets the tmpfs; `binds` are the host's
// toolchain paths, each bound read-only where it exists). Then, in each
// box's copy of it, two halves, so that the first can run before the run is
// known:
// prepare_root: /proc, and /etc with the box user's passwd and group;
// returns an O_PATH descriptor of that /etc, for finish_root.
// finish_root: /tmp and /dev/shm sized for the run; the working folder
// (trees[0]) and the run's extra binds (trees[1..]) attached from detached
// mount trees the host cloned; /etc (`etc`, closed here) made read-only.
void build_template(const std::string& root, const std::vector<std::string>& binds);
int prepare_root(const proto::InitConfig& prep);
void finish_root(const proto::InitConfig& run, const int* trees, int etc);

// credentials.cpp. In init, while preparing: an empty capability bounding
// set, which the program child inherits. In the program child, the last
// steps before exec: resource limits, no supplementary groups, the box
// uid/gid (which clears every capability), no_new_privs. Seccomp follows.
void drop_bounding_set();
void apply_rlimits(const proto::InitConfig& cfg);
void drop_privileges(const proto::InitConfig& cfg);

}  // namespace sandbox::box
