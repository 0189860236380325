// Small helpers for kernel interface files (cgroupfs, procfs), internal to
// sandbox/. Errors are std::system_error naming the call and the path.
#pragma once

#include <optional>
#include <string>
#include <system_error>

namespace sandbox::io {

[[noreturn]] void throw_errno(const std::string& call, int err);
// "ENOENT: No such file or directory".
std::string errno_text(int err);

// Writes `value` to `name` beneath the folder `dirfd` in one write().
void write_at(int dirfd, const std::string& name, const std::string& value);
// Like write_at, false when the file does not exist (an optional knob).
bool write_at_if_exists(int dirfd, const std::string& name, const std::string& value);
// Whole (small) file; nullopt when it does not exist.
std::optional<std::string> read_at(int dirfd, const std::string& name);
std::optional<std::string> read_file(const std::string& path);
// pread of a whole small file from an open descriptor.
std::string pread_all(int fd);

}  // namespace sandbox::io
