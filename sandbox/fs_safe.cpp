#include "sandbox/fs_safe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "sandbox/sys_io.hpp"

namespace sandbox {

namespace {

int openat2_beneath(int dirfd, const std::string& rel, std::uint64_t flags) {
    open_how how{};
    how.flags = flags | O_CLOEXEC | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    return static_cast<int>(::syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
}

}  // namespace

Fd open_beneath(int dirfd, const std::string& relpath) {
    if (relpath.empty() || relpath.front() == '/')
        io::throw_errno("openat2(\"" + relpath + "\"): path must be relative", EINVAL);
    // O_NONBLOCK: a planted FIFO must not block the host's reader.
    Fd fd(openat2_beneath(dirfd, relpath, O_RDONLY | O_NONBLOCK));
    if (!fd) io::throw_errno("openat2(\"" + relpath + "\", RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) io::throw_errno("fstat(\"" + relpath + "\")", errno);
    if (!S_ISREG(st.st_mode)) io::throw_errno("open(\"" + relpath + "\"): not a regular file", EINVAL);
    int fl = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

std::string read_beneath(const std::string& dir, const std::string& relpath, std::size_t max_bytes,
                         bool* truncated) {
    Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd) io::throw_errno("open(\"" + dir + "\")", errno);
    Fd fd = open_beneath(dfd.get(), relpath);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            io::throw_errno("read(\"" + relpath + "\")", errno);
        }
        if (n == 0) break;
        std::size_t take = std::min(static_cast<std::size_t>(n), max_bytes - out.size());
        out.append(buf, take);
        if (out.size() >= max_bytes) {
            char extra;
            bool more = take < static_cast<std::size_t>(n) || ::read(fd.get(), &extra, 1) > 0;
            if (truncated) *truncated = more;
            return out;
        }
    }
    if (truncated) *truncated = false;
    return out;
}

Fd create_output(const std::string& path) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644));
    if (!fd) io::throw_errno("open(\"" + path + "\", O_NOFOLLOW)", errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) io::throw_errno("fstat(\"" + path + "\")", errno);
    if (!S_ISREG(st.st_mode)) io::throw_errno("open(\"" + path + "\"): not a regular file", EINVAL);
    // Not when already empty (a new file): truncating, even to the same
    // size, makes ext4 write the file back when it is closed.
    if (st.st_size != 0 && ::ftruncate(fd.get(), 0) != 0) io::throw_errno("ftruncate(\"" + path + "\")", errno);
    int fl = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

namespace {

// One folder on the way down: what identifies it, and its name in its
// parent. No descriptor is kept per level, so the depth of a tree costs
// memory only, never file descriptors or stack.
struct Level {
    dev_t dev;
    ino_t ino;
    std::string name;
};

// Up to `max` entries of `dfd` other than "." and ".." (none: it is empty).
// Always from the start: the duplicate shares the offset of `dfd`, and
// entries removed since the last read leave no gap to trip over.
std::vector<std::string> some_entries(int dfd, const std::string& where, std::size_t max) {
    int dup = ::fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) io::throw_errno("fcntl(\"" + where + "\", F_DUPFD_CLOEXEC)", errno);
    DIR* d = ::fdopendir(dup);
    if (!d) {
        const int err = errno;
        ::close(dup);
        io::throw_errno("fdopendir(\"" + where + "\")", err);
    }
    ::rewinddir(d);
    std::vector<std::string> names;
    errno = 0;
    while (names.size() < max) {
        dirent* e = ::readdir(d);
        if (!e) break;
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(std::move(n));
        errno = 0;
    }
    const int err = errno;
    ::closedir(d);
    if (names.empty() && err != 0) io::throw_errno("readdir(\"" + where + "\")", err);
    return names;
}

// Empties the folder `root` (opened without following links) with at most
// three descriptors open at once: walks down into the first sub-folder that
// is not empty, and climbs back through ".." once a folder is empty,
// checking that ".." is the very folder it came from.
void remove_contents(Fd root, const std::string& path) {
    struct stat st {};
    if (::fstat(root.get(), &st) != 0) io::throw_errno("fstat(\"" + path + "\")", errno);
    const dev_t dev = st.st_dev;
    std::vector<Level> down;  // the folders from below the root to `cur`
    Fd cur = std::move(root);
    // Which level we are at, for messages only.
    auto where = [&] { return path + (down.empty() ? "" : "/<depth " + std::to_string(down.size()) + ">"); };
    for (;;) {
        const std::vector<std::string> names = some_entries(cur.get(), where(), 4096);
        if (names.empty()) {
            if (down.empty()) return;
            Fd parent(::openat(cur.get(), "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!parent) io::throw_errno("openat(\"" + where() + "/..\")", errno);
            struct stat pst {};
            if (::fstat(parent.get(), &pst) != 0) io::throw_errno("fstat(\"" + where() + "/..\")", errno);
            const Level child = std::move(down.back());
            down.pop_back();
            const dev_t want_dev = down.empty() ? dev : down.back().dev;
            const ino_t want_ino = down.empty() ? st.st_ino : down.back().ino;
            if (pst.st_dev != want_dev || pst.st_ino != want_ino)
                io::throw_errno("remove_tree(\"" + path + "\"): a folder moved while being removed", ESTALE);
            cur = std::move(parent);
            if (::unlinkat(cur.get(), child.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
                io::throw_errno("unlinkat(\"" + where() + "/" + child.name + "\", AT_REMOVEDIR)", errno);
            continue;
        }
        for (const auto& n : names) {
            if (::unlinkat(cur.get(), n.c_str(), 0) == 0 || errno == ENOENT) continue;
            if (errno != EISDIR && errno != EPERM)
                io::throw_errno("unlinkat(\"" + where() + "/" + n + "\")", errno);
            // An empty folder goes at once; only a full one is walked into.
            if (::unlinkat(cur.get(), n.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) continue;
            // EBUSY: a mount point, refused below as another file system.
            if (errno != ENOTEMPTY && errno != EEXIST && errno != EBUSY)
                io::throw_errno("unlinkat(\"" + where() + "/" + n + "\", AT_REMOVEDIR)", errno);
            Fd sub(::openat(cur.get(), n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!sub) io::throw_errno("openat(\"" + where() + "/" + n + "\")", errno);
            struct stat sst {};
            if (::fstat(sub.get(), &sst) != 0) io::throw_errno("fstat(\"" + where() + "/" + n + "\")", errno);
            if (sst.st_dev != dev)
                io::throw_errno("remove_tree: \"" + where() + "/" + n + "\" is another file system", EXDEV);
            down.push_back(Level{sst.st_dev, sst.st_ino, n});
            cur = std::move(sub);
            break;  // the rest of this batch is read again on the way back up
        }
    }
}

bool scan_for_size(int dfd, std::uint64_t bytes, unsigned owner, std::size_t& budget, int depth) {
    int dup = ::fcntl(dfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return false;
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        return false;
    }
    bool found = false;
    while (dirent* e = ::readdir(d)) {
        if (budget == 0 || found) break;
        --budget;
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        struct stat st {};
        if (::fstatat(dfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode) && st.st_uid == owner && static_cast<std::uint64_t>(st.st_size) >= bytes) {
            found = true;
        } else if (S_ISDIR(st.st_mode) && depth > 0) {
            Fd sub(::openat(dfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (sub) found = scan_for_size(sub.get(), bytes, owner, budget, depth - 1);
        }
    }
    ::closedir(d);
    return found;
}

}  // namespace

bool has_file_of_size(const std::string& dir, std::uint64_t bytes, unsigned owner, std::size_t max_entries) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return false;
    return scan_for_size(fd.get(), bytes, owner, max_entries, 16);
}

void remove_tree(const std::string& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) return;
        if (errno == ENOTDIR || errno == ELOOP) {
            if (::unlink(path.c_str()) != 0 && errno != ENOENT) io::throw_errno("unlink(\"" + path + "\")", errno);
            return;
        }
        io::throw_errno("open(\"" + path + "\")", errno);
    }
    remove_contents(std::move(fd), path);
    if (::rmdir(path.c_str()) != 0 && errno != ENOENT) io::throw_errno("rmdir(\"" + path + "\")", errno);
}

Fd make_bounded_tmpfs(std::uint64_t bytes, std::uint64_t inodes) {
    Fd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
    if (!fs) io::throw_errno("fsopen(\"tmpfs\")", errno);
    const std::string size = std::to_string(bytes), count = std::to_string(inodes);
    for (const auto& [key, value] : {std::pair<const char*, const char*>{"size", size.c_str()},
                                     {"nr_inodes", count.c_str()},
                                     {"mode", "0755"}})
        if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value, 0) != 0)
            io::throw_errno(std::string("fsconfig(tmpfs, ") + key + "=" + value + ")", errno);
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
        io::throw_errno("fsconfig(tmpfs, FSCONFIG_CMD_CREATE)", errno);
    Fd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
    if (!mnt) io::throw_errno("fsmount(tmpfs)", errno);
    return mnt;
}

void attach_mount(int mount_fd, const std::string& path) {
    if (::move_mount(mount_fd, "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        io::throw_errno("move_mount(-> \"" + path + "\")", errno);
}

void enter_own_mount_namespace() {
    if (::unshare(CLONE_NEWNS) != 0) io::throw_errno("unshare(CLONE_NEWNS)", errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
        io::throw_errno("mount(\"/\", MS_REC | MS_SLAVE)", errno);
}

void detach_mount(const std::string& path) {
    if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT)
        io::throw_errno("umount2(\"" + path + "\", MNT_DETACH)", errno);
}

bool file_system_full(int fd) {
    struct statvfs v {};
    if (::fstatvfs(fd, &v) != 0) return false;
    return v.f_bavail == 0 || (v.f_files != 0 && v.f_favail == 0);
}

}  // namespace sandbox
