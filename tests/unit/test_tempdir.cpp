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
