// Starting a box's init. A host process runs a box factory per box it
// holds at once: a judge-sandbox-init started with --factory (clone +
// execveat, once per factory), idle between boxes. For a box the factory
// clones its init into a fresh PID namespace, sharing the factory's memory
// (CLONE_VM), and waits in clone until that init has exited (CLONE_VFORK);
// the init makes its other namespaces itself: mount, IPC, UTS and network. Nothing of the factory is
// copied per box and no address space is made or torn down for init: on a
// VM that is most of what a fork and an exit cost. The init answers the
// host with its pidfd (CLONE_PIDFD). (The host puts init into the box's
// cgroup later, before the program exists.)
//
// The factory is the init's parent and reaps it only when the host says so,
// after the host has seen it exit: until then the pid cannot be reused, so
// writing it into a cgroup can never move a stranger; the factory is then
// free for the next box. If a factory dies, its init dies with it
// (PR_SET_PDEATHSIG) and its next box restarts it; when the host process
// ends, each init sees its control socket hang up and ends its box, and
// the factories, back from clone, see EOF and exit.
//
// Thread-safety: start_init and every Init member may be called from many
// threads (one request at a time goes to a factory).
#pragma once

#include <sys/types.h>

#include <chrono>
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
    bool new_netns = true;  // false: share the host's network (no box does)
    int nice = 0;           // init's (and so the program's) nice value
};

class Factory;

// The host files a factory's template binds (the toolchain folders, the
// loader's cache) are pinned as they were when it was built: a bind holds
// the inode it was made from. A file replaced by rename (ldconfig, any
// package install) leaves the template on the old, unlinked inode, and
// every box made from it then fails to attach its loader cache. So the
// sources' identity (lstat: device, inode, type, or absence) is noted, and
// looked at again at most every source-check interval (100 ms unless set
// otherwise) when a box is made or
// taken: any change starts a new epoch, factories of an earlier one are
// replaced before their next box, and prepared boxes made from one are
// dropped. The current epoch; cheap between checks (no system call).
std::uint64_t template_epoch();
// Looks at the sources now, whenever the last look was (after a box's
// set-up failed: a source may have just changed).
void check_template_sources();
// The source-check interval, from the next look on (a test sets a long one
// to meet a change nobody has noticed yet). Throws std::invalid_argument
// unless in 1 ms..1 day.
void set_source_check_interval(std::chrono::milliseconds interval);

// A box's init as the host holds it.
class Init {
public:
    Init() = default;
    // What start_init returns: a live init, its pidfd, its factory and
    // that factory's generation (it is restarted after a death).
    // `epoch`: template_epoch() when that factory built its template.
    Init(pid_t pid, Fd pidfd, Factory* factory, std::uint64_t generation, std::uint64_t epoch)
        : pid_(pid), pidfd_(std::move(pidfd)), factory_(factory), generation_(generation), epoch_(epoch) {}
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
    // False once a host file its template binds has been replaced or
    // removed since the template was built (see template_epoch()).
    bool template_current() const { return epoch_ == template_epoch(); }
    // SIGKILL, through the pidfd. Init's death ends its PID namespace.
    void kill() const;
    // Waits until init has exited (its whole PID namespace with it), then
    // has the factory reap it. Idempotent.
    void reap();

private:
    pid_t pid_ = -1;
    Fd pidfd_;
    Factory* factory_ = nullptr;  // the factory that made it, busy until reap()
    std::uint64_t generation_ = 0;
    std::uint64_t epoch_ = 0;
};

// Throws std::system_error (naming the step) when the factory cannot be
// started or cannot fork the init.
Init start_init(const Args& args);

}  // namespace sandbox::spawn
