// The box's file system, built inside its fresh mount namespace.
//
// Layout: a small tmpfs root; read-only, nosuid, nodev binds of the toolchain
// folders (non-recursive, so no host submount leaks in); a private /proc of
// the box's PID namespace; a /dev of our own device nodes (the host's nodes
// may carry host permissions, e.g. a 0644 /dev/null); size-limited /tmp and
// /dev/shm (tmpfs pages are charged to the writer's memory cgroup, so their
// contents count against the box's memory); generated /etc/passwd and
// /etc/group; the working folder read-write at /box. Then pivot_root, the old
// root detached, and the root tmpfs remounted read-only.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <string>

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

// An empty folder or file for a mount to cover.
void make_mountpoint(const std::string& dst, bool dir) {
    if (dir) {
        if (::mkdir(dst.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir(" + dst + ")", errno);
        return;
    }
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

void mount_tmpfs(const std::string& path, std::uint64_t bytes, unsigned long flags) {
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=1777";
    do_mount("box-tmp", path, "tmpfs", flags, opts.c_str());
}

}  // namespace

void prepare_root(const proto::InitConfig& prep) {
    // Nothing we mount may propagate back to the host's namespace.
    do_mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);

    const std::string& root = prep.root_mountpoint;
    do_mount("box-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755");

    for (const auto& b : prep.binds) bind_one(root, b);

    const std::string proc = root + "/proc";
    mkdirs(root, "/proc", 0555);
    do_mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);

    make_dev(root);
    // Sized for the run later (a remount); until then they hold nothing.
    mkdirs(root, "/tmp", 01777);
    mount_tmpfs(root + "/tmp", 4096, MS_NOSUID | MS_NODEV);
    mount_tmpfs(root + "/dev/shm", 4096, MS_NOSUID | MS_NODEV | MS_NOEXEC);

    const std::string etc = root + "/etc";
    mkdirs(root, "/etc", 0755);
    const std::string uid = std::to_string(prep.uid), gid = std::to_string(prep.gid);
    write_file(etc + "/passwd",
               "root:x:0:0:root:/:/usr/sbin/nologin\nbox:x:" + uid + ":" + gid + ":box:/box:/bin/sh\n",
               0644);
    write_file(etc + "/group", "root:x:0:\nbox:x:" + gid + ":\n", 0644);
    write_file(etc + "/hosts", "127.0.0.1 localhost box\n::1 localhost\n", 0644);
    mkdirs(root, "/box", 0755);

    // pivot_root(".", ".") stacks the old root on top of the new one; the
    // detach below then takes it away, leaving no path back to the host.
    // What the run needs from the host arrives as detached mount trees.
    if (::chdir(root.c_str()) != 0) fail("chdir(" + root + ")", errno);
    if (::syscall(SYS_pivot_root, ".", ".") != 0) fail("pivot_root(" + root + ")", errno);
    if (::umount2(".", MNT_DETACH) != 0) fail("umount2(old root)", errno);
    if (::chdir("/") != 0) fail("chdir(/)", errno);
}

namespace {

// Attaches a detached mount tree the host cloned (open_tree
// OPEN_TREE_CLONE) at `dst`, then sets its flags.
void attach(int tree, const std::string& dst, unsigned long flags) {
    struct stat st {};
    if (::fstat(tree, &st) != 0) fail("fstat(mount tree for " + dst + ")", errno);
    mkdirs("", dst.substr(0, dst.rfind('/')), 0755);
    make_mountpoint(dst, S_ISDIR(st.st_mode));
    if (::move_mount(tree, "", AT_FDCWD, dst.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
        fail("move_mount(-> " + dst + ")", errno);
    do_mount(nullptr, dst, nullptr, MS_BIND | MS_REMOUNT | flags, nullptr);
}

}  // namespace

void finish_root(const proto::InitConfig& run, const int* trees) {
    const std::string tmp_opts = "size=" + std::to_string(run.tmp_bytes);
    do_mount(nullptr, "/tmp", nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV, tmp_opts.c_str());
    do_mount(nullptr, "/dev/shm", nullptr, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC, tmp_opts.c_str());
    attach(trees[0], "/box", MS_NOSUID | MS_NODEV);
    for (std::size_t i = 0; i < run.binds.size(); ++i)
        attach(trees[i + 1], run.binds[i].box,
               MS_NOSUID | MS_NODEV | (run.binds[i].writable ? 0ul : static_cast<unsigned long>(MS_RDONLY)));
    do_mount(nullptr, "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr);
    if (::chdir("/box") != 0) fail("chdir(/box)", errno);
}

}  // namespace sandbox::box
