// Passing descriptors over a Unix socket (SCM_RIGHTS), used on both sides:
// the host sends the run's stdio and mount trees to init, and a spawn
// request's sockets to the box factory, which answers with the new init's
// pidfd. Header-only: init links nothing of the host library. Both return
// -1 with errno set on failure.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace sandbox::fdpass {

inline constexpr std::size_t kMaxFds = 72;

// One datagram of `len` bytes carrying `n` descriptors.
inline ssize_t send(int sock, const void* data, std::size_t len, const int* fds, std::size_t n) {
    if (n > kMaxFds) {
        errno = EINVAL;
        return -1;
    }
    iovec iov{const_cast<void*>(data), len};
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (n) {
        msg.msg_control = ctrl;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        std::memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    ssize_t r;
    do r = ::sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (r < 0 && errno == EINTR);
    return r;
}

// One datagram into `buf`; received descriptors (close-on-exec) into `fds`.
// A truncated datagram or descriptor list is an error (EMSGSIZE).
inline ssize_t recv(int sock, void* buf, std::size_t len, std::vector<int>& fds) {
    iovec iov{buf, len};
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctrl;
    msg.msg_controllen = sizeof ctrl;
    ssize_t r;
    do r = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    fds.clear();
    if (r < 0) return r;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const std::size_t at = fds.size();
        fds.resize(at + got);
        std::memcpy(fds.data() + at, CMSG_DATA(c), sizeof(int) * got);
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        errno = EMSGSIZE;
        return -1;
    }
    return r;
}

}  // namespace sandbox::fdpass
