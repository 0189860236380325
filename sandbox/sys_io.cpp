#include "sandbox/sys_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/fd.hpp"

namespace sandbox::io {

std::string errno_text(int err) {
    const char* name = ::strerrorname_np(err);
    return std::string(name ? name : std::to_string(err).c_str()) + ": " + std::strerror(err);
}

void throw_errno(const std::string& call, int err) {
    throw std::system_error(err, std::generic_category(), call);
}

bool write_at_if_exists(int dirfd, const std::string& name, const std::string& value) {
    Fd fd(::openat(dirfd, name.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return false;
        throw_errno("openat(\"" + name + "\")", errno);
    }
    // A cgroup v1 memory limit write fails with EINTR whenever the writing
    // thread has a signal pending (mem_cgroup_resize_max checks before it
    // even tries): such writes are idempotent, so try again.
    for (int tries = 0;; ++tries) {
        ssize_t n = ::write(fd.get(), value.data(), value.size());
        if (n == static_cast<ssize_t>(value.size())) return true;
        if (n < 0 && errno == EINTR && tries < 1000) continue;
        throw_errno("write(\"" + name + "\", \"" + value + "\")", n < 0 ? errno : EIO);
    }
}

void write_at(int dirfd, const std::string& name, const std::string& value) {
    if (!write_at_if_exists(dirfd, name, value)) throw_errno("openat(\"" + name + "\")", ENOENT);
}

std::string pread_all(int fd) {
    std::string out;
    char buf[4096];
    off_t off = 0;
    for (;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, off);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("pread()", errno);
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        off += n;
    }
    return out;
}

std::optional<std::string> read_at(int dirfd, const std::string& name) {
    Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        throw_errno("openat(\"" + name + "\")", errno);
    }
    return pread_all(fd.get());
}

std::optional<std::string> read_file(const std::string& path) { return read_at(AT_FDCWD, path); }

}  // namespace sandbox::io
