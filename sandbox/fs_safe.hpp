// Host-side access to files a box could have touched.
//
// A program controls everything in its working folder: it can plant symlinks
// to host files, FIFOs that block a reader forever, or device nodes. Every
// host-side read or removal of box content goes through these functions,
// which resolve paths strictly beneath a folder (openat2 RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV) and refuse
// anything but regular files and folders.
//
// Errors: std::system_error carrying the call, the path and errno
// (ELOOP for a planted link, EINVAL for a special file).
// Thread-safety: all functions are safe to call concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sandbox/fd.hpp"

namespace sandbox {

// Opens `relpath` beneath the folder `dirfd` read-only. Refuses links,
// "..", absolute paths and non-regular files.
Fd open_beneath(int dirfd, const std::string& relpath);

// Reads at most `max_bytes` of `relpath` beneath `dir`. Sets `*truncated`
// (when given) if the file was longer.
std::string read_beneath(const std::string& dir, const std::string& relpath,
                         std::size_t max_bytes, bool* truncated = nullptr);

// Creates (or truncates) `path` for writing on the host, refusing a final
// symlink or a special file at that name.
Fd create_output(const std::string& path);

// True when some regular file beneath `dir` owned by `owner` (links not
// followed, at most `max_entries` entries looked at) is at least `bytes`
// long: how the host learns that a program which ignored SIGXFSZ hit the
// file size limit. Files the box did not create (its inputs, the program
// itself) belong to someone else and do not count.
bool has_file_of_size(const std::string& dir, std::uint64_t bytes, unsigned owner,
                      std::size_t max_entries = 10000);

// A working folder's bound: a tmpfs of its own, of at most `bytes` (whole
// pages) and `inodes` files and folders (its root included), nosuid and
// nodev, root mode 0755. Made detached (fsopen/fsmount), so that its root can
// be opened and locked before any other process can see it; attach_mount
// then puts it on a folder. Its pages are charged to the memory cgroup of
// whoever writes them: a box's writes count against the box's memory limit.
Fd make_bounded_tmpfs(std::uint64_t bytes, std::uint64_t inodes);
// Moves the calling process into a mount namespace of its own whose mounts
// never reach the host's (the host's new mounts still arrive: MS_SLAVE), so
// that bounded working folders go with the process however it ends (a
// kill -9 leaves no tmpfs on the host's mount table). Call while the
// process has one thread (unshare refuses CLONE_FS otherwise).
void enter_own_mount_namespace();
// Attaches the detached mount `mount_fd` on the folder `path`.
void attach_mount(int mount_fd, const std::string& path);
// Detaches whatever is mounted on `path` (lazily: a file still open in it
// stays readable to whoever holds it). Not a mount point: no error.
void detach_mount(const std::string& path);
// True when the file system `fd` is on has no block or no inode left for an
// unprivileged writer: a bound reached (or a host disk full).
bool file_system_full(int fd);

// Removes a folder and everything in it without following any symlink and
// without leaving the file system it is on. Missing: no error.
void remove_tree(const std::string& path);

}  // namespace sandbox
