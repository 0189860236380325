#include "sandbox/fs_safe.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
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
