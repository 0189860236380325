// Prepared boxes: the run-independent half of a box, made ahead of time.
//
// Most of a box's cost is the same for every run: cloning into fresh PID,
// mount, IPC, UTS and network namespaces (the network namespace alone is
// about half a millisecond of kernel time here), the clone of init
// (spawn.hpp), its /proc and /etc. A background thread does that on an idle
// core and keeps a few such boxes waiting; a run takes one, sends its run
// config and stdio, and the box finishes itself (/tmp, working folder,
// binds). Every box is still used once: nothing of a finished run is
// ever reused.
//
// Thread-safety: take() and set_pool_size() are safe from many threads.
// Errors: std::system_error / std::runtime_error naming the failing step.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sandbox/cgroup.hpp"
#include "sandbox/fd.hpp"
#include "sandbox/init_protocol.hpp"
#include "sandbox/network.hpp"
#include "sandbox/pools.hpp"
#include "sandbox/spawn.hpp"

namespace sandbox::prepared {

// A box that could not be made or set up: its init failed a step or died
// before it said so, or its factory could not start it. Nothing of any
// program ran in it.
struct SetupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Box {
public:
    // Spawns init in fresh namespaces, sends the prepare config and waits
    // for "prepared"; with `network`, then attaches the box's user-mode
    // network stack (network.hpp). Throws SetupError when that fails.
    static Box make(bool network);

    Box(Box&& o) noexcept
        : slot_(std::move(o.slot_)),
          network_(o.network_),
          cgroup_(std::move(o.cgroup_)),
          init_(std::move(o.init_)),
          control_(std::move(o.control_)),
          report_(std::move(o.report_)),
          net_(std::move(o.net_)) {}
    Box& operator=(Box&&) = delete;
    Box(const Box&) = delete;
    ~Box() = default;  // init is killed and reaped before the cgroup goes

    spawn::Init& init() { return init_; }
    int control_fd() const { return control_.get(); }
    int report_fd() const { return report_.get(); }
    const pools::Slot& slot() const { return slot_; }
    // The box's cgroup, made with the box, still without limits or members.
    cgroup::BoxCgroup& cgroup() { return *cgroup_; }
    bool network() const { return network_; }

    // The run config with, in order, the program's stdin, stdout and stderr,
    // and the mount trees of the working folder and of each bind.
    void send_run(const proto::InitConfig& cfg, const std::vector<int>& fds) const;

private:
    Box(pools::Slot slot, bool network) : slot_(std::move(slot)), network_(network) {}
    pools::Slot slot_;
    bool network_;
    std::optional<cgroup::BoxCgroup> cgroup_;  // destroyed after init is gone
    spawn::Init init_;
    Fd control_;
    Fd report_;
    std::optional<network::Stack> net_;  // the network boxes' way out
};

// A prepared box: from the pool when one is waiting (never for `network`
// boxes) whose init is alive and whose template is current, else made on
// the spot.
Box take(bool network);

// The nice value (0..19) every box started from now on runs at: its init
// and hence the program. A service raises it so that judging yields the CPU
// to answering requests; a box's CPU time is measured, not its wall time, so
// its verdicts do not change. Default 0. Throws std::invalid_argument out
// of range.
void set_box_nice(int nice);

// How many boxes to keep prepared (0 turns the pool off; default 0 until
// set: one-shot programs like the CLI pay nothing for a pool they would not
// use). Setting a size starts the background thread.
void set_pool_size(unsigned n);

// Tears a used box down on a background thread: waits for its init to exit
// and has the factory reap it, removes its cgroup, frees its slot. Only for
// a box whose processes are all gone but init, which has been killed (init
// reports "exited" only then). With a few boxes already waiting, the caller
// does the teardown itself. Boxes retired are torn down at exit too.
void retire(Box box);

// Returns once every box retired so far is torn down and the pool's thread
// is not in the middle of making a box (a test that checks the host for
// leftovers calls it first; with the pool off, no thread of this library
// opens or closes a descriptor after it returns, until the next run).
void settle();

}  // namespace sandbox::prepared
