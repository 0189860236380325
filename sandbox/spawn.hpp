// Starting a box's init. Each host process runs one box factory: a
// judge-sandbox-init started with --factory (clone + execveat, once), which
// forks every box's init into fresh PID, mount, IPC, UTS and (unless the box
// shares the host's network) network namespaces. A fork of that small,
// already started process costs a fraction of an exec of a fresh one. (The
// host puts init into the box's cgroup later, before the program exists.)
//
// The factory is the init's parent and reaps it only when the host says so,
// after the host has seen it exit: until then the pid cannot be reused, so
// writing it into a cgroup can never move a stranger. If the factory dies,
// its inits die with it (PR_SET_PDEATHSIG) and the next start makes a new
// one; when the host process ends, the factory sees EOF and exits.
//
// Thread-safety: start_init and every Init member may be called from many
// threads (one request at a time goes to the factory).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "sandbox/fd.hpp"

namespace sandbox::spawn {

struct Args {
    int init_fd = -1;     // O_PATH descriptor of judge-sandbox-init
    int control_fd = -1;  // becomes the init's fd 3
    int report_fd = -1;   // becomes the init's fd 4
    int null_fd = -1;     // /dev/null, the factory's stdio (and init's until the run's arrives)
    bool new_netns = true;  // false: share the host's network
    int nice = 0;           // init's (and so the program's) nice value
};

// A box's init as the host holds it.
class Init {
public:
    Init() = default;
    // What start_init returns: a live init, its pidfd, the factory's
    // generation.
    Init(pid_t pid, Fd pidfd, std::uint64_t factory) : pid_(pid), pidfd_(std::move(pidfd)), factory_(factory) {}
    Init(Init&& o) noexcept;
    Init& operator=(Init&& o) noexcept;
    Init(const Init&) = delete;
    Init& operator=(const Init&) = delete;
    ~Init();  // kill() and reap() unless reaped already

    // The init's pid in the host's PID namespace; valid until reap().
    pid_t pid() const { return pid_; }
    explicit operator bool() const { return pid_ > 0; }
    // False once init has exited (killed, or its factory died).
    bool alive() const;
    // SIGKILL, through the pidfd. Init's death ends its PID namespace.
    void kill() const;
    // Waits until init has exited (its whole PID namespace with it), then
    // has the factory reap it. Idempotent.
    void reap();

private:
    pid_t pid_ = -1;
    Fd pidfd_;
    std::uint64_t factory_ = 0;  // generation of the factory that made it
};

// Throws std::system_error (naming the step) when the factory cannot be
// started or cannot fork the init.
Init start_init(const Args& args);

}  // namespace sandbox::spawn
