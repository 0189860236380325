#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>
#include <string>

#include "judge/pipeline.hpp"
#include "sandbox/fs_safe.hpp"

namespace {

std::string temp_dir() {
    char t[] = "/tmp/tempdir-test-XXXXXX";
    return ::mkdtemp(t);
}

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

}  // namespace

TEST_CASE("sweep_leftovers removes dead runs' folders and keeps live ones", "[tempdir]") {
    const std::string base = temp_dir();
    // A killed run's folder: a TempDir's name, nobody holding it.
    const std::string dead = base + "/run-Ab3dE9";
    REQUIRE(::mkdir(dead.c_str(), 0755) == 0);
    REQUIRE(::mkdir((dead + "/d").c_str(), 0755) == 0);
    std::ofstream(dead + "/d/f") << "x";
    const std::string other = base + "/not-mine";  // not a TempDir's name
    REQUIRE(::mkdir(other.c_str(), 0755) == 0);
    judge::TempDir live(base, "run");
    std::ofstream(live.path() + "/f") << "x";

    // Another process on the same data folder: the lock is what it sees.
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(judge::sweep_leftovers(base) == 1 ? 0 : 1);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK_FALSE(exists(dead));
    CHECK(exists(live.path() + "/f"));
    CHECK(exists(other));
    CHECK(judge::sweep_leftovers(base) == 0);
    sandbox::remove_tree(base);
}

TEST_CASE("a TempDir whose removal fails is reported and removed later", "[tempdir]") {
    const std::string base = temp_dir();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A private mount namespace: a mount point inside the folder makes
        // its removal fail, and nobody else sees the mount.
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            ::_exit(2);
        std::string warned;
        judge::set_warning_sink([&](const std::string& m) { warned += m; });
        std::string path;
        {
            judge::TempDir t(base, "run");
            path = t.path();
            if (::mkdir((path + "/m").c_str(), 0755) != 0 ||
                ::mount("tmpfs", (path + "/m").c_str(), "tmpfs", 0, "size=1m") != 0)
                ::_exit(3);
        }
        if (!exists(path) || warned.find(path) == std::string::npos) ::_exit(4);
        if (::umount2((path + "/m").c_str(), MNT_DETACH) != 0) ::_exit(5);
        { judge::TempDir next(base, "run"); }  // tries the failed one again
        judge::set_warning_sink({});
        ::_exit(exists(path) ? 6 : 0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    sandbox::remove_tree(base);
}

namespace {

bool mounted(const std::string& path) {
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);)
        if (line.find(" " + path + " ") != std::string::npos) return true;
    return false;
}

// Fills `dir` with 64 KiB files until a write or a create fails.
void fill(const std::string& dir) {
    const std::string block(64 << 10, 'x');
    for (int i = 0;; ++i) {
        std::ofstream f(dir + "/f" + std::to_string(i), std::ios::binary);
        if (!f || !(f << block).flush()) return;
    }
}

}  // namespace

TEST_CASE("a bounded TempDir holds its bytes and files, and a dead one's mount is swept", "[tempdir][root]") {
    const std::string base = temp_dir();
    const pid_t pid = ::fork();
    if (pid == 0) {
        // A private mount namespace: whatever this leaves mounted dies with it.
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
            ::_exit(2);
        std::string path;
        {
            judge::TempDir t(base, "run", judge::WorkBound{1 << 20, 64});
            path = t.path();
            if (!mounted(path) || t.full()) ::_exit(3);
            fill(path);
            if (!t.full()) ::_exit(4);
            // Held while it lives, by this process or any other.
            const pid_t sweeper = ::fork();
            if (sweeper == 0) ::_exit(judge::sweep_leftovers(base) == 0 && exists(path + "/f0") ? 0 : 1);
            int st = 0;
            if (::waitpid(sweeper, &st, 0) != sweeper || !WIFEXITED(st) || WEXITSTATUS(st) != 0) ::_exit(5);
            judge::TempDir files(base, "run", judge::WorkBound{1 << 20, 64});
            for (int i = 0; i < 100; ++i) std::ofstream(files.path() + "/e" + std::to_string(i));
            if (!files.full()) ::_exit(6);  // 64 inodes, the root's included
        }
        if (exists(path) || mounted(path)) ::_exit(7);
        // A run killed with its bound mounted: the next sweep detaches it
        // and removes the folder beneath.
        const pid_t dead = ::fork();
        if (dead == 0) {
            judge::TempDir* leaked = new judge::TempDir(base, "run", judge::WorkBound{1 << 20, 64});
            std::ofstream(leaked->path() + "/f") << "x";
            ::_exit(0);
        }
        int st = 0;
        if (::waitpid(dead, &st, 0) != dead) ::_exit(8);
        std::size_t before = 0;
        {
            std::ifstream in("/proc/self/mountinfo");
            for (std::string line; std::getline(in, line);) before += line.find(base + "/run-") != std::string::npos;
        }
        if (before != 1) ::_exit(9);
        if (judge::sweep_leftovers(base) != 1) ::_exit(10);
        std::ifstream in("/proc/self/mountinfo");
        for (std::string line; std::getline(in, line);)
            if (line.find(base + "/run-") != std::string::npos) ::_exit(11);
        ::_exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    sandbox::remove_tree(base);
}
