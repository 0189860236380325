// The box's file system, in two layers.
//
// The template, built once by each box factory in a mount namespace of its
// own, which then becomes its root (pivot_root): a small tmpfs with
// read-only, nosuid, nodev binds of the toolchain folders (non-recursive,
// so no host submount leaks in), a /dev of our own device nodes (the host's
// nodes may carry host permissions, e.g. a 0644 /dev/null), the loader's
// cache, and empty folders for what each box mounts itself. It is mounted
// read-only. No path leads from it back to the host.
//
// Each box's init starts in a copy of that namespace (unshare CLONE_NEWNS)
// and adds its own: a /proc of the box's PID namespace; /etc, a small
// tmpfs with the box user's /etc/passwd and /etc/group; size-limited /tmp
// and /dev/shm (tmpfs pages are charged to the writer's memory cgroup, so
// their contents count against the box's memory); the working folder
// read-write at /box and the run's binds, attached from mount trees the
// host cloned. Then /etc becomes read-only too. Nothing of this per-box
// work needs a pivot_root or an unmount, whose RCU grace period is costly.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "sandbox/box_setup.hpp"

namespace sandbox::box {

void fail(const std::string& step, int err) { throw StepError{step, err}; }

namespace {

void do_mount(const char* src, const std::string& dst, const char* type, unsigned long flags,
              const char* data) {
    if (::mount(src, dst.c_str(), type, flags, data) != 0)
        fail(std::string("mount(") + (src ? src : "none") + " -> " + dst + ")", errno);
}

// Creates each folder along `rel` ("/a/b", or empty for none) below `base`,
// which exists: only the folders below it, each a system call, which in a
// VM is worth counting.
void mkdirs(const std::string& base, const std::string& rel, mode_t mode) {
    std::size_t pos = 0;
    while (pos < rel.size()) {
        pos = rel.find('/', pos + 1);
        if (pos == std::string::npos) pos = rel.size();
        const std::string cur = base + rel.substr(0, pos);
        if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) fail("mkdir(" + cur + ")", errno);
    }
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) fail("open(" + path + ")", errno);
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        int e = errno;
        ::close(fd);
        fail("write(" + path + ")", e);
    }
    ::close(fd);
}

// An empty folder or file for a mount to cover, unless there is one.
void make_mountpoint(const std::string& dst, bool dir) {
    if (dir) {
        if (::mkdir(dst.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir(" + dst + ")", errno);
        return;
    }
    struct stat st {};
    if (::lstat(dst.c_str(), &st) == 0) return;
    int fd = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) fail("open(" + dst + ")", errno);
    ::close(fd);
}

// Binds host `b.host` at `root + b.box`. A symlink at the top (Debian's
// merged-/usr /bin -> usr/bin) is recreated as the same symlink instead.
void bind_one(const std::string& root, const proto::BindEntry& b) {
    struct stat st {};
    if (::lstat(b.host.c_str(), &st) != 0) {
        if (b.optional && errno == ENOENT) return;
        fail("lstat(" + b.host + ")", errno);
    }
    const std::string& rel = b.box.empty() ? b.host : b.box;
    const std::string dst = root + rel;
    mkdirs(root, rel.substr(0, rel.rfind('/')), 0755);
    if (S_ISLNK(st.st_mode) && b.optional) {
        char target[4096];
        ssize_t n = ::readlink(b.host.c_str(), target, sizeof target - 1);
        if (n < 0) fail("readlink(" + b.host + ")", errno);
        target[n] = '\0';
        if (::symlink(target, dst.c_str()) != 0 && errno != EEXIST)
            fail("symlink(" + dst + ")", errno);
        return;
    }
    if (::stat(b.host.c_str(), &st) != 0) fail("stat(" + b.host + ")", errno);
    make_mountpoint(dst, S_ISDIR(st.st_mode));
    do_mount(b.host.c_str(), dst, nullptr, MS_BIND, nullptr);
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV;
    if (!b.writable) flags |= MS_RDONLY;
    do_mount(nullptr, dst, nullptr, flags, nullptr);
}

void make_dev(const std::string& root) {
    const std::string dev = root + "/dev";
    mkdirs(root, "/dev", 0755);
    do_mount("box-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755");
    struct Node {
        const char* name;
        unsigned minor;
    };
    // Mode 0666 exactly, whatever init's umask (restored after: the program
    // inherits it).
    const mode_t umask_was = ::umask(0);
    for (Node n : {Node{"null", 3}, Node{"zero", 5}, Node{"full", 7}, Node{"random", 8},
                   Node{"urandom", 9}}) {
        const std::string p = dev + "/" + n.name;
        if (::mknod(p.c_str(), S_IFCHR | 0666, makedev(1, n.minor)) != 0) {
            const int err = errno;
            ::umask(umask_was);
            fail("mknod(" + p + ")", err);
        }
    }
    ::umask(umask_was);
    struct Link {
        const char* name;
        const char* target;
    };
    for (Link l : {Link{"fd", "/proc/self/fd"}, Link{"stdin", "/proc/self/fd/0"},
                   Link{"stdout", "/proc/self/fd/1"}, Link{"stderr", "/proc/self/fd/2"}}) {
        const std::string p = dev + "/" + l.name;
        if (::symlink(l.target, p.c_str()) != 0) fail("symlink(" + p + ")", errno);
    }
    mkdirs(dev, "/shm", 01777);
}

// The root's own mount (the template's tmpfs) read-only, or writable.
void remount_root(bool read_only) {
    const unsigned long ro = read_only ? MS_RDONLY : 0;
    do_mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | ro, nullptr);
}

void mount_tmpfs(const std::string& path, std::uint64_t bytes, unsigned long flags) {
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=1777";
    do_mount("box-tmp", path, "tmpfs", flags, opts.c_str());
}

}  // namespace

void build_template(const std::string& root, const std::vector<std::string>& binds) {
    if (::unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS)", errno);
    // Nothing we mount may propagate back to the host's namespace.
    do_mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    do_mount("box-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755");

    for (const auto& path : binds) bind_one(root, proto::BindEntry{path, path, false, true});
    make_dev(root);
    do_mount(nullptr, root + "/dev", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, nullptr);
    mkdirs(root, "/proc", 0555);
    mkdirs(root, "/etc", 0755);
    mkdirs(root, "/tmp", 01777);
    mkdirs(root, "/box", 0755);

    // pivot_root(".", ".") stacks the old root on top of the new one; the
    // detach below then takes it away, leaving no path back to the host.
    if (::chdir(root.c_str()) != 0) fail("chdir(" + root + ")", errno);
    if (::syscall(SYS_pivot_root, ".", ".") != 0) fail("pivot_root(" + root + ")", errno);
    if (::umount2(".", MNT_DETACH) != 0) fail("umount2(old root)", errno);
    if (::chdir("/") != 0) fail("chdir(/)", errno);
    remount_root(true);
}

int prepare_root(const proto::InitConfig& prep) {
    do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);

    // The loader's cache is the template's; the rest of /etc is the box's.
    const int cache = static_cast<int>(
        ::open_tree(AT_FDCWD, "/etc/ld.so.cache", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW));
    if (cache < 0 && errno != ENOENT) fail("open_tree(/etc/ld.so.cache)", errno);
    do_mount("box-etc", "/etc", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,nr_inodes=64,mode=0755");
    const std::string uid = std::to_string(prep.uid), gid = std::to_string(prep.gid);
    write_file("/etc/passwd",
               "root:x:0:0:root:/:/usr/sbin/nologin\nbox:x:" + uid + ":" + gid + ":box:/box:/bin/sh\n", 0644);
    write_file("/etc/group", "root:x:0:\nbox:x:" + gid + ":\n", 0644);
    write_file("/etc/hosts", "127.0.0.1 localhost box\n::1 localhost\n", 0644);
    if (cache >= 0) {
        make_mountpoint("/etc/ld.so.cache", false);
        const int rc = ::move_mount(cache, "", AT_FDCWD, "/etc/ld.so.cache", MOVE_MOUNT_F_EMPTY_PATH);
        const int err = errno;
        ::close(cache);
        if (rc != 0) fail("move_mount(-> /etc/ld.so.cache)", err);
    }
    // For finish_root to make this /etc read-only once the run's binds have
    // their mount points in it, even should one of them cover /etc itself.
    const int etc = ::open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (etc < 0) fail("open(/etc, O_PATH)", errno);
    return etc;
}

namespace {

// The folders and the empty file or folder a mount at `dst` needs. The
// root is the template's, shared by every box of the factory and mounted
// read-only: where a mount point is missing there (a run's bind at a path
// the template lacks), this box's view of it is made writable for as long
// as it takes to add it. Other boxes then see that empty folder or file.
void make_mount_path(const std::string& dst, bool dir) {
    const std::string parent = dst.substr(0, dst.rfind('/'));
    const auto make = [&] {
        mkdirs("", parent, 0755);
        make_mountpoint(dst, dir);
    };
    try {
        make();
    } catch (const StepError& e) {
        if (e.err != EROFS) throw;
        remount_root(false);
        try {
            make();  // may still fail: EROFS from another read-only mount on the way, say
        } catch (const StepError&) {
            remount_root(true);
            throw;
        }
        remount_root(true);
    }
}

// Attaches a detached mount tree the host cloned (open_tree
// OPEN_TREE_CLONE) at `dst`, then sets its flags.
void attach(int tree, const std::string& dst, unsigned long flags) {
    struct stat st {};
    if (::fstat(tree, &st) != 0) fail("fstat(mount tree for " + dst + ")", errno);
    make_mount_path(dst, S_ISDIR(st.st_mode));
    if (::move_mount(tree, "", AT_FDCWD, dst.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        fail("move_mount(-> " + dst + ")", errno);
    do_mount(nullptr, dst, nullptr, MS_BIND | MS_REMOUNT | flags, nullptr);
}

}  // namespace

void finish_root(const proto::InitConfig& run, const int* trees, int etc) {
    mount_tmpfs("/tmp", run.tmp_bytes, MS_NOSUID | MS_NODEV);
    mount_tmpfs("/dev/shm", run.tmp_bytes, MS_NOSUID | MS_NODEV | MS_NOEXEC);
    attach(trees[0], "/box", MS_NOSUID | MS_NODEV);
    for (std::size_t i = 0; i < run.binds.size(); ++i)
        attach(trees[i + 1], run.binds[i].box,
               MS_NOSUID | MS_NODEV | (run.binds[i].writable ? 0ul : static_cast<unsigned long>(MS_RDONLY)));
    mount_attr ro{};
    ro.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    const int rc = ::mount_setattr(etc, "", AT_EMPTY_PATH, &ro, sizeof ro);
    const int err = errno;
    ::close(etc);
    if (rc != 0) fail("mount_setattr(/etc, MOUNT_ATTR_RDONLY)", err);
    if (::chdir("/box") != 0) fail("chdir(/box)", errno);
}

}  // namespace sandbox::box
