#include "sandbox/fs_safe.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>

namespace {
struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/fs-safe-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { sandbox::remove_tree(path); }
};
}  // namespace

TEST_CASE("read_beneath reads regular files and caps the size", "[fs_safe]") {
    TempDir d;
    std::ofstream(d.path + "/a.txt") << "hello world";
    bool truncated = true;
    CHECK(sandbox::read_beneath(d.path, "a.txt", 100, &truncated) == "hello world");
    CHECK_FALSE(truncated);
    CHECK(sandbox::read_beneath(d.path, "a.txt", 5, &truncated) == "hello");
    CHECK(truncated);
}

TEST_CASE("read_beneath refuses links, escapes and special files", "[fs_safe]") {
    TempDir d;
    TempDir outside;
    std::ofstream(outside.path + "/secret") << "secret";
    REQUIRE(::symlink((outside.path + "/secret").c_str(), (d.path + "/link").c_str()) == 0);
    REQUIRE(::symlink(outside.path.c_str(), (d.path + "/dirlink").c_str()) == 0);
    REQUIRE(::mkfifo((d.path + "/fifo").c_str(), 0644) == 0);
    REQUIRE(::mkdir((d.path + "/sub").c_str(), 0755) == 0);
    CHECK_THROWS_AS(sandbox::read_beneath(d.path, "link", 100), std::system_error);
    CHECK_THROWS_AS(sandbox::read_beneath(d.path, "dirlink/secret", 100), std::system_error);
    CHECK_THROWS_AS(sandbox::read_beneath(d.path, "../" + outside.path.substr(5) + "/secret", 100), std::system_error);
    CHECK_THROWS_AS(sandbox::read_beneath(d.path, outside.path + "/secret", 100), std::system_error);
    CHECK_THROWS_AS(sandbox::read_beneath(d.path, "fifo", 100), std::system_error);  // and does not block
    CHECK_THROWS_AS(sandbox::read_beneath(d.path, "sub", 100), std::system_error);
}

TEST_CASE("create_output refuses a planted final symlink", "[fs_safe]") {
    TempDir d;
    TempDir outside;
    std::ofstream(outside.path + "/victim") << "keep";
    REQUIRE(::symlink((outside.path + "/victim").c_str(), (d.path + "/out").c_str()) == 0);
    CHECK_THROWS_AS(sandbox::create_output(d.path + "/out"), std::system_error);
    CHECK(sandbox::read_beneath(outside.path, "victim", 100) == "keep");
    sandbox::Fd fd = sandbox::create_output(d.path + "/new");
    CHECK(fd);
}

TEST_CASE("remove_tree never follows links out of the tree", "[fs_safe]") {
    TempDir outside;
    std::ofstream(outside.path + "/keep") << "keep";
    char t[] = "/tmp/fs-safe-tree-XXXXXX";
    std::string root = ::mkdtemp(t);
    REQUIRE(::mkdir((root + "/a").c_str(), 0755) == 0);
    std::ofstream(root + "/a/f") << "x";
    REQUIRE(::symlink(outside.path.c_str(), (root + "/a/out").c_str()) == 0);
    REQUIRE(::mkfifo((root + "/fifo").c_str(), 0644) == 0);
    sandbox::remove_tree(root);
    CHECK(::access(root.c_str(), F_OK) != 0);
    CHECK(sandbox::read_beneath(outside.path, "keep", 100) == "keep");
    CHECK_NOTHROW(sandbox::remove_tree(root));  // missing: no error
}

namespace {

// Runs `body` in a forked child (its own limits, its own working folder)
// and says whether it exited 0.
template <class F>
bool in_child(F body) {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(body() ? 0 : 1);
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

TEST_CASE("remove_tree removes a 25,000-deep tree with 64 descriptors", "[fs_safe]") {
    char t[] = "/tmp/fs-safe-deep-XXXXXX";
    const std::string root = ::mkdtemp(t);
    const bool ok = in_child([&] {
        // On a tmpfs of a private mount namespace: a disk takes minutes to
        // make and remove 25,000 folders on a loaded host.
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("tmpfs", root.c_str(), "tmpfs", 0, "size=64m") != 0)
            return false;
        const std::string tree = root + "/tree";
        if (::mkdir(tree.c_str(), 0755) != 0) return false;
        const rlimit lim{64, 64};
        if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
        // The nest a box makes: one level at a time, never a long path.
        if (::chdir(tree.c_str()) != 0) return false;
        for (int i = 0; i < 25000; ++i) {
            if (::mkdir("d", 0755) != 0 || ::chdir("d") != 0) return false;
            if (i % 1000 == 0 && ::close(::open("f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) != 0) return false;
        }
        if (::chdir("/") != 0) return false;
        try {
            sandbox::remove_tree(tree);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "remove_tree: %s\n", e.what());
            return false;
        }
        return ::access(tree.c_str(), F_OK) != 0 && errno == ENOENT;
    });
    CHECK(ok);
    sandbox::remove_tree(root);  // the tmpfs went with the child's namespace
}

TEST_CASE("remove_tree removes a wide folder and empty sub-folders", "[fs_safe]") {
    char t[] = "/tmp/fs-safe-wide-XXXXXX";
    const std::string root = ::mkdtemp(t);
    for (int i = 0; i < 10000; ++i) std::ofstream(root + "/f" + std::to_string(i)) << "x";
    for (int i = 0; i < 50; ++i) {
        const std::string d = root + "/d" + std::to_string(i);
        REQUIRE(::mkdir(d.c_str(), 0755) == 0);
        if (i % 2) REQUIRE(::mkdir((d + "/e").c_str(), 0000) == 0);
        if (i % 3 == 0) std::ofstream(d + "/\n weird name \x01") << "x";
    }
    sandbox::remove_tree(root);
    CHECK(::access(root.c_str(), F_OK) != 0);
}

TEST_CASE("remove_tree does not cross into another file system", "[fs_safe]") {
    char t[] = "/tmp/fs-safe-mnt-XXXXXX";
    const std::string root = ::mkdtemp(t);
    const std::string mnt = root + "/a/m";
    REQUIRE(::mkdir((root + "/a").c_str(), 0755) == 0);
    REQUIRE(::mkdir(mnt.c_str(), 0755) == 0);
    // A private mount namespace: nothing else on the host sees the tmpfs.
    const bool ok = in_child([&] {
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            return false;
        if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) return false;
        std::ofstream(mnt + "/keep") << "keep";
        try {
            sandbox::remove_tree(root);
            return false;
        } catch (const std::system_error& e) {
            if (e.code().value() != EXDEV) return false;
        }
        return ::access((mnt + "/keep").c_str(), F_OK) == 0;
    });
    CHECK(ok);
    sandbox::remove_tree(root);
    CHECK(::access(root.c_str(), F_OK) != 0);
}
