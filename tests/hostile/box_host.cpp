// A host process for the cases where the host itself changes or ends under
// its boxes (test_hostile.cpp runs it as a child, with prepared boxes as a
// service has them):
//
//   box_host host-change SCRATCH
//     In a mount namespace of its own (so the real host is untouched), with
//     a copy of /etc on a tmpfs over /etc: runs boxes, replaces
//     /etc/ld.so.cache and a RunSpec::binds source folder by rename (as
//     ldconfig and a package manager do), and runs boxes again. Exits 0 when
//     every run is ok and, once the change can have been noticed, sees the
//     new files (a change not yet noticed included: that box is set up
//     again, from a fresh template); else prints what went wrong and
//     exits 1.
//   box_host hold PROGRAM SCRATCH kill|term
//     Runs PROGRAM (which never ends) in a box with a long wall limit and
//     prints "running" once it is started. "term" ends the process the way
//     judged does past its shutdown grace (std::_Exit from a SIGTERM);
//     "kill" waits for SIGKILL.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "sandbox/prepared.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/spawn.hpp"

namespace fs = std::filesystem;

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "box_host: %s: %s\n", what.c_str(), std::strerror(errno));
    std::exit(2);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void put(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) die("write " + path);
}

unsigned long inode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) die("stat " + path);
    return st.st_ino;
}

// Writes a copy of `path` beside it and renames it over `path`: a new inode
// at the same name, the old one unlinked.
void replace_by_rename(const std::string& path) {
    const std::string next = path + ".next";
    fs::copy_file(path, next, fs::copy_options::overwrite_existing);
    if (::rename(next.c_str(), path.c_str()) != 0) die("rename " + next);
}

// A new folder with `text` in its file f takes the place of `dir`; the old
// one is removed.
void replace_folder(const std::string& dir, const std::string& text) {
    const std::string next = dir + ".next", old = dir + ".old";
    fs::create_directory(next);
    put(next + "/f", text + "\n");
    if (::rename(dir.c_str(), old.c_str()) != 0) die("rename " + dir);
    if (::rename(next.c_str(), dir.c_str()) != 0) die("rename " + next);
    fs::remove_all(old);
}

int host_change(const std::string& scratch) {
    if (::unshare(CLONE_NEWNS) != 0) die("unshare(CLONE_NEWNS)");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die("mount(/, MS_PRIVATE)");
    if (::mount("box-host", scratch.c_str(), "tmpfs", 0, "size=64m") != 0) die("mount(tmpfs " + scratch + ")");
    const std::string etc = scratch + "/etc", src = scratch + "/src", out = scratch + "/out";
    fs::copy("/etc", etc, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    if (::mount(etc.c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0) die("mount(" + etc + " -> /etc)");
    fs::create_directory(src);
    put(src + "/f", "v1\n");

    sandbox::prepared::set_pool_size(2);
    sandbox::RunSpec spec;
    spec.argv = {"/bin/sh", "-c", "stat -c %i /etc/ld.so.cache && cat /data/f && python3 -c 'print(7)'"};
    spec.binds.push_back({src, "/data", false});
    spec.stdout_path = out;
    spec.stderr_path = scratch + "/err";
    spec.cpu_time_ms = 5000;
    spec.memory_bytes = 256ull << 20;
    int failures = 0;
    // `fresh`: the change is old enough to have been noticed, so the box
    // must see the cache that is there now (the bind is always cloned anew).
    auto run = [&](const std::string& when, const std::string& text, bool fresh) {
        const sandbox::RunResult r = sandbox::run(spec);
        const std::string got = slurp(out);
        const std::string want = std::to_string(inode_of("/etc/ld.so.cache")) + "\n" + text + "\n7\n";
        const bool ok = r.status == sandbox::Status::ok &&
                        (fresh ? got == want : got.substr(got.find('\n') + 1) == want.substr(want.find('\n') + 1));
        if (!ok) {
            ++failures;
            std::fprintf(stderr, "box_host: %s: status %s (%s), stdout \"%s\", wanted \"%s\", stderr \"%s\"\n",
                         when.c_str(), sandbox::to_string(r.status), r.message.c_str(), got.c_str(), want.c_str(),
                         slurp(scratch + "/err").c_str());
        }
    };
    run("before any change", "v1", true);
    for (int round = 1; round <= 2; ++round) {
        const std::string text = "v" + std::to_string(round + 1);
        replace_by_rename("/etc/ld.so.cache");
        replace_folder(src, text);
        const std::string when = "round " + std::to_string(round) + ", ";
        for (int i = 0; i < 3; ++i) run(when + "at once, run " + std::to_string(i), text, false);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        for (int i = 0; i < 4; ++i) run(when + "later, run " + std::to_string(i), text, true);
    }
    // A change no look has noticed yet (the interval made long, so none is
    // due): the first box meets a template on the old cache, fails to set
    // up, and runs again from a fresh one.
    sandbox::prepared::set_pool_size(0);
    sandbox::prepared::settle();
    sandbox::spawn::set_source_check_interval(std::chrono::hours(1));
    sandbox::spawn::check_template_sources();
    run("round 3, before the change", "v3", true);
    replace_by_rename("/etc/ld.so.cache");
    for (int i = 0; i < 2; ++i) run("round 3, unnoticed change, run " + std::to_string(i), "v3", true);
    return failures == 0 ? 0 : 1;
}

int hold(const std::string& program, const std::string& scratch, bool term) {
    if (term) {
        // judged past its grace: the process leaves at once, boxes running.
        struct sigaction sa {};
        sa.sa_handler = [](int) { std::_Exit(0); };
        ::sigaction(SIGTERM, &sa, nullptr);
    }
    sandbox::prepared::set_pool_size(2);
    sandbox::RunSpec spec;
    const std::string work = scratch + "/work";
    fs::create_directory(work);
    fs::copy_file(program, work + "/prog");
    fs::permissions(work + "/prog", static_cast<fs::perms>(0755));
    spec.argv = {"./prog"};
    spec.workdir = work;
    spec.cpu_time_ms = 600'000;
    spec.wall_time_ms = 600'000;
    std::thread([spec] {
        const sandbox::RunResult r = sandbox::run(spec);
        std::fprintf(stderr, "box_host: the run ended: %s %s\n", sandbox::to_string(r.status), r.message.c_str());
        std::_Exit(1);
    }).detach();
    std::printf("running\n");
    std::fflush(stdout);
    for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "host-change") == 0) return host_change(argv[2]);
    if (argc == 5 && std::strcmp(argv[1], "hold") == 0 &&
        (std::strcmp(argv[4], "kill") == 0 || std::strcmp(argv[4], "term") == 0))
        return hold(argv[2], argv[3], std::strcmp(argv[4], "term") == 0);
    std::fprintf(stderr, "usage: box_host host-change SCRATCH | box_host hold PROGRAM SCRATCH kill|term\n");
    return 2;
}
