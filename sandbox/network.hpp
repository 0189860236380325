// The network of a box whose spec allows it (RunSpec::network).
//
// Every box has a network namespace of its own; a box with the network gets
// a user-mode stack attached to it: slirp4netns, on the host side, answers
// the box's tap0 (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) and makes
// the box's connections as its own sockets in the host's namespace. So the
// box can never reach a host abstract socket or a host listener directly,
// and what slirp4netns connects to is filtered:
//
//   - slirp4netns runs as uid 0 with the box's gid (uid_base() + slot) and no
//     groups, and drops every capability but CAP_NET_BIND_SERVICE once its
//     tap exists (--enable-sandbox, which also pivots it into an empty root;
//     --enable-seccomp); --disable-host-loopback stops 10.0.2.2 meaning the
//     host's loopback.
//   - the nftables table `inet judge_sandbox` (ours alone; re-installed
//     atomically before each stack starts) rejects, for sockets whose gid is
//     a box gid, every destination that is the host itself (fib daddr type
//     local), loopback, link-local (cloud metadata at 169.254.169.254), the
//     private and shared ranges (10/8, 172.16/12, 192.168/16, 100.64/10,
//     fc00::/7), multicast and the unspecified and mapped addresses.
//
// Fails closed: when the filter cannot be installed or the stack does not
// come up, attach() throws and the run is internal_error.
//
// Thread-safety: attach() may be called from many threads.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/fd.hpp"

namespace sandbox::network {

// The absolute path of a tool the network needs (slirp4netns, nft), from
// /usr/sbin, /usr/bin, /sbin or /bin only: the service's PATH must not choose
// what runs as root. Throws std::runtime_error when none has it.
std::string find_tool(const char* name);

// The nftables ruleset installed by install_filter() (`nft -f` input).
std::string filter_ruleset();

// Installs (or replaces, in one transaction) the filter table. Throws
// std::runtime_error naming nft and its message.
void install_filter();

// One box's slirp4netns; killed and reaped with the object.
class Stack {
public:
    // Installs the filter, starts slirp4netns for the network namespace of
    // `init_pid` running with gid `gid`, and returns once the box's
    // interface is up. Throws std::runtime_error / std::system_error naming
    // the step (and slirp4netns's own message).
    static Stack attach(pid_t init_pid, gid_t gid);

    Stack(Stack&& o) noexcept;
    Stack& operator=(Stack&&) = delete;
    Stack(const Stack&) = delete;
    ~Stack();

    pid_t pid() const { return pid_; }

private:
    Stack(pid_t pid, Fd exit_fd) : pid_(pid), exit_fd_(std::move(exit_fd)) {}
    pid_t pid_ = -1;
    Fd exit_fd_;  // slirp4netns exits when this closes
};

}  // namespace sandbox::network
