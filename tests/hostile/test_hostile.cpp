// Hostile programs against the sandbox: each case runs one attack from
// tests/hostile/*.c in a box and checks the exact verdict, then checks,
// without the library's help, that the host is unharmed: no box process
// left, no box cgroup left, the host's mount table unchanged and the
// library's own work folder empty.
//
// Needs root and cgroups (tag [root]); without root every case is skipped
// and ctest reports the suite as skipped (tests/skip.hpp). The host checks
// look at the whole machine: the ctest entry is RUN_SERIAL, and boxes another process runs at the same moment (a
// developer's concurrent test run) are told apart by their held slot lock.
// The cases that compare wall and CPU time assume otherwise idle cores.
#include "sandbox/sandbox.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/prepared.hpp"

#include "sandbox/fs_safe.hpp"
#include "sandbox/spawn.hpp"

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "tests/skip.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using sandbox::Status;

namespace Catch {
template <>
struct StringMaker<sandbox::Status> {
    static std::string convert(sandbox::Status s) { return sandbox::to_string(s); }
};
}  // namespace Catch

namespace {

constexpr std::uint64_t MiB = 1ull << 20;

// Every case needs root (namespaces, cgroups, uid switching).
#define SKIP_UNLESS_ROOT() JUDGE_SKIP_UNLESS_ROOT("the hostile suite needs root (namespaces, cgroups, setuid)")

// How many prepared boxes the suite keeps: JUDGE_TEST_POOL, else 2.
unsigned test_pool_size() {
    const char* env = std::getenv("JUDGE_TEST_POOL");
    return env && *env ? static_cast<unsigned>(std::strtoul(env, nullptr, 10)) : 2u;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string describe(const sandbox::RunResult& r) {
    std::ostringstream s;
    s << "status=" << sandbox::to_string(r.status) << " exit_code=" << r.exit_code
      << " signal=" << r.signal << " cpu_time_us=" << r.cpu_time_us
      << " wall_time_us=" << r.wall_time_us << " memory_bytes=" << r.memory_bytes
      << " message=\"" << r.message << '"';
    return s.str();
}

// ---------------------------------------------------------------------------
// Host checks, independent of the library.

// Mount points of every cgroup (v1) and cgroup2 hierarchy of the host.
std::vector<std::string> cgroup_mounts() {
    std::vector<std::string> out;
    std::istringstream in(read_file("/proc/self/mountinfo"));
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::vector<std::string> fields;
        for (std::string w; f >> w;) fields.push_back(w);
        std::size_t dash = 0;
        while (dash < fields.size() && fields[dash] != "-") ++dash;
        if (dash + 1 >= fields.size() || fields.size() < 5) continue;
        const std::string& type = fields[dash + 1];
        if (type != "cgroup" && type != "cgroup2") continue;
        // Mount points escape space, tab, newline and backslash as \ooo.
        std::string mp;
        const std::string& raw = fields[4];
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] == '\\' && i + 3 < raw.size()) {
                mp += static_cast<char>(std::stoi(raw.substr(i + 1, 3), nullptr, 8));
                i += 3;
            } else {
                mp += raw[i];
            }
        }
        out.push_back(mp);
    }
    return out;
}

// Something of a box found on the host, with the box's slot when its name
// tells it (uid 200000 + slot, cgroup judge-box-<uid>, work/<slot>).
struct Leftover {
    std::string what;
    long slot = -1;
};

long slot_from_suffix(const std::string& digits) {
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stol(digits);
}

// Check 1: host processes whose real uid is a box uid.
std::vector<Leftover> box_processes() {
    std::vector<Leftover> found;
    DIR* d = ::opendir("/proc");
    if (!d) return {{"cannot list /proc", -1}};
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        std::istringstream in(read_file(std::string("/proc/") + e->d_name + "/status"));
        std::string name;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("Name:", 0) == 0) name = line.substr(6);
            // A box's network stack runs with the box's gid (uid 0).
            const bool uid_line = line.rfind("Uid:", 0) == 0;
            if (uid_line || line.rfind("Gid:", 0) == 0) {
                unsigned long id = std::strtoul(line.c_str() + 4, nullptr, 10);
                if (id >= 200000 && id < 204096) {
                    found.push_back({std::string("process ") + e->d_name + " (" + name + ") " +
                                         (uid_line ? "uid " : "gid ") + std::to_string(id),
                                     static_cast<long>(id - 200000)});
                    break;
                }
                if (!uid_line) break;
            }
        }
    }
    ::closedir(d);
    return found;
}

// Check 2: folders named judge-box-* anywhere beneath any cgroup mount.
std::vector<Leftover> box_cgroups() {
    std::vector<Leftover> found;
    for (const std::string& mp : cgroup_mounts()) {
        std::error_code ec;
        fs::recursive_directory_iterator it(
            mp, fs::directory_options::skip_permission_denied, ec);
        for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code tec;
            if (it->is_symlink(tec) || !it->is_directory(tec)) continue;
            const std::string name = it->path().filename().string();
            if (name.rfind("judge-box-", 0) == 0) {
                const long uid = slot_from_suffix(name.substr(10));
                found.push_back({"cgroup " + it->path().string(), uid >= 200000 ? uid - 200000 : -1});
            }
        }
    }
    return found;
}

// Check 4: entries in the folder where the library keeps the work folders
// it creates itself.
std::vector<Leftover> library_work_leftovers() {
    std::vector<Leftover> found;
    std::error_code ec;
    for (fs::directory_iterator it("/run/judge-sandbox/work", ec), end; !ec && it != end;
         it.increment(ec))
        found.push_back({"work folder entry " + it->path().string(),
                         slot_from_suffix(it->path().filename().string())});
    return found;
}

// Slots whose lock someone holds right now: boxes of another process on
// this machine (a developer's concurrent test run), or the prepared boxes
// of this one's pool (waiting for a run, with their cgroup made ahead), not
// the box of a finished run. The library documents a slot as an flock on
// <state>/slots/<slot> (pools.hpp); this is read passively from /proc/locks,
// without touching the locks. With `others_only`, only other processes'.
std::set<long> slots_in_use(bool others_only = false) {
    std::set<std::pair<std::string, unsigned long>> locked;  // "maj:min" (hex), inode
    std::istringstream in(read_file("/proc/locks"));
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::vector<std::string> w;
        for (std::string x; f >> x;) w.push_back(x);
        if (w.size() < 6 || w[1] != "FLOCK") continue;
        if (others_only && w[4] == std::to_string(::getpid())) continue;
        const std::string& id = w[5];  // maj:min:inode
        const std::size_t cut = id.rfind(':');
        if (cut == std::string::npos) continue;
        locked.insert({id.substr(0, cut), std::strtoul(id.c_str() + cut + 1, nullptr, 10)});
    }
    std::set<long> slots;
    if (locked.empty()) return slots;
    std::error_code ec;
    for (fs::directory_iterator it("/run/judge-sandbox/slots", ec), end; !ec && it != end;
         it.increment(ec)) {
        struct stat st {};
        if (::stat(it->path().c_str(), &st) != 0) continue;
        char dev[32];
        std::snprintf(dev, sizeof dev, "%02x:%02x", ::major(st.st_dev), ::minor(st.st_dev));
        if (locked.count({dev, st.st_ino}))
            slots.insert(slot_from_suffix(it->path().filename().string()));
    }
    return slots;
}

// Take one before a case; check() after it (and after its cleanup).
class HostSnapshot {
public:
    HostSnapshot() : mountinfo_(read_file("/proc/self/mountinfo")) {
        for (const Leftover& l : everything()) before_.insert(l.what);
    }

    // Checks 1, 2 and 4 count only what the case made: whatever was there
    // when the snapshot was taken (another service's boxes, a developer's
    // run) is not the case's. Of what appeared since, other processes'
    // boxes running right now (their slot locked) are passed over; anything
    // else found is reported, unless it was seen to vanish before the next
    // look (a box of another process that ended between our scan and our
    // look at the locks: ours ended before run() returned).
    void check() const {
        // Boxes this process ran are torn down in the background: first
        // wait for those, which are ours to have cleaned up.
        sandbox::prepared::settle();
        std::vector<std::string> stuck;
        bool others = false;
        for (int attempt = 0; attempt < 4; ++attempt) {
            const std::set<long> before = slots_in_use();
            const std::vector<Leftover> found = everything();
            const std::set<long> after = slots_in_use();
            std::vector<std::string> unexplained;
            for (const Leftover& l : found) {
                if (before_.count(l.what)) continue;
                if (l.slot >= 0 && (before.count(l.slot) || after.count(l.slot))) {
                    others = others || slots_in_use(true).count(l.slot) > 0;
                    continue;
                }
                if (attempt == 0 || std::find(stuck.begin(), stuck.end(), l.what) != stuck.end())
                    unexplained.push_back(l.what);
            }
            stuck = unexplained;
            if (stuck.empty() || !others) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (others)
            WARN("other processes ran boxes during this check; their (slot-locked) entries were "
                 "passed over");
        INFO("box processes, cgroups or work folders left on the host:\n" << join(stuck));
        CHECK(stuck.empty());
        std::string now = read_file("/proc/self/mountinfo");
        INFO("host mount table before:\n" << mountinfo_ << "after:\n" << now);
        CHECK(now == mountinfo_);
    }

private:
    static std::vector<Leftover> everything() {
        std::vector<Leftover> found = box_processes();
        for (auto& l : box_cgroups()) found.push_back(l);
        for (auto& l : library_work_leftovers()) found.push_back(l);
        return found;
    }
    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (const std::string& x : v) s += "  " + x + "\n";
        return s;
    }
    std::string mountinfo_;
    std::set<std::string> before_;  // what was there before the case
};

// ---------------------------------------------------------------------------
// Fixtures.

class TempDir {
public:
    TempDir(const std::string& prefix, mode_t mode) {
        std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
        if (!::mkdtemp(tmpl.data()))
            throw std::system_error(errno, std::generic_category(), "mkdtemp(" + tmpl + ")");
        path_ = tmpl;
        if (::chmod(path_.c_str(), mode) != 0)
            throw std::system_error(errno, std::generic_category(), "chmod(" + path_ + ")");
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() { remove(); }

    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }
    void remove() noexcept {
        if (path_.empty()) return;
        try {
            sandbox::remove_tree(path_);
        } catch (...) {
        }
        path_.clear();
    }

private:
    std::string path_;
};

// One case: a fresh working folder holding the program as ./prog, a
// separate folder for the captured output, and a spec with small limits.
class Box {
public:
    explicit Box(const std::string& program)
        : work_("hostile-work", 0755), out_("hostile-out", 0700) {
        if (!program.empty()) {
            std::string dest = work_ / "prog";
            fs::copy_file(std::string(HOSTILE_DIR) + "/hostile_" + program, dest);
            fs::permissions(dest, static_cast<fs::perms>(0755));
            spec.argv = {"./prog"};
        }
        spec.workdir = work_.path();
        spec.cpu_time_ms = 1000;
        spec.memory_bytes = 64 * MiB;
    }

    sandbox::RunSpec spec;

    const std::string& workdir() const { return work_.path(); }
    // Captures stdout / stderr in files outside the working folder.
    std::string capture_stdout() { return spec.stdout_path = out_ / "stdout"; }
    std::string capture_stderr() { return spec.stderr_path = out_ / "stderr"; }
    std::string err() const { return spec.stderr_path.empty() ? "" : read_file(spec.stderr_path); }
    std::string out() const { return spec.stdout_path.empty() ? "" : read_file(spec.stdout_path); }

    sandbox::RunResult run() { return sandbox::run(spec); }
    void cleanup() {
        work_.remove();
        out_.remove();
    }

private:
    TempDir work_;
    TempDir out_;
};

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Runs the box and logs the result (and the program's stderr, if captured)
// with every assertion that follows in the same scope.
#define RUN_BOX(r, box)                              \
    const sandbox::RunResult r = (box).run();        \
    INFO("result: " << describe(r));                 \
    INFO("program stderr: " << (box).err())

// Runs an attack that must be refused by the seccomp policy.
void expect_violation(const std::vector<std::string>& argv_tail, const std::string& program,
                      const std::string& name) {
    HostSnapshot host;
    Box box(program);
    box.spec.argv.insert(box.spec.argv.end(), argv_tail.begin(), argv_tail.end());
    box.capture_stderr();
    RUN_BOX(r, box);
    INFO("call: " << name);
    CHECK(r.status == Status::syscall_violation);
    if (!name.empty()) CHECK(contains(r.message, name));
    if (!name.empty()) CHECK(r.refused_syscall_name == name);
    if (!name.empty()) CHECK(r.refused_syscall >= 0);
    CHECK(r.end_time_ns > 0);
    box.cleanup();
    host.check();
}

// Runs a program that must exit 0.
void expect_ok(const std::vector<std::string>& argv_tail, const std::string& program) {
    HostSnapshot host;
    Box box(program);
    box.spec.argv.insert(box.spec.argv.end(), argv_tail.begin(), argv_tail.end());
    box.capture_stderr();
    RUN_BOX(r, box);
    CHECK(r.status == Status::ok);
    CHECK(r.exit_code == 0);
    box.cleanup();
    host.check();
}

}  // namespace

// ---------------------------------------------------------------------------
// Processes, CPU and the clock.

TEST_CASE("fork bomb of spinning processes hits the CPU limit, nothing survives",
          "[root][hostile][pids]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("fork_bomb");
    box.spec.pids_max = 16;
    RUN_BOX(r, box);
    CHECK(r.status == Status::time_limit);
    CHECK(r.cpu_time_us >= 1'000'000);
    box.cleanup();
    host.check();
}

TEST_CASE("two spinning processes share one CPU limit", "[root][hostile][cpu]") {
    SKIP_UNLESS_ROOT();
    // "stop": two processes of 0.6 s each, then exit 0: only the sum is over
    // 1 s, so this proves the sum is what counts, parallel or not.
    // "forever": both spin; the kill must land promptly after the sum.
    const std::string mode = GENERATE(as<std::string>{}, "stop", "forever");
    INFO("mode " << mode);
    HostSnapshot host;
    Box box("cpu_procs");
    box.spec.argv.push_back(mode);
    box.spec.wall_time_ms = 10'000;
    RUN_BOX(r, box);
    CHECK(r.status == Status::time_limit);
    CHECK(r.cpu_time_us >= 1'000'000);
    CHECK(r.cpu_time_us < 1'300'000);
    box.cleanup();
    host.check();
}

TEST_CASE("two spinning threads share one CPU limit", "[root][hostile][cpu]") {
    SKIP_UNLESS_ROOT();
    // "stop": two threads of 0.6 s each, then exit 0: only the sum is over
    // 1 s, so this proves the sum is what counts, parallel or not.
    // "forever": both spin; the kill must land promptly after the sum.
    const std::string mode = GENERATE(as<std::string>{}, "stop", "forever");
    INFO("mode " << mode);
    HostSnapshot host;
    Box box("cpu_threads");
    box.spec.argv.push_back(mode);
    box.spec.wall_time_ms = 10'000;
    RUN_BOX(r, box);
    CHECK(r.status == Status::time_limit);
    CHECK(r.cpu_time_us >= 1'000'000);
    CHECK(r.cpu_time_us < 1'300'000);
    box.cleanup();
    host.check();
}

TEST_CASE("an infinite loop is stopped just past the CPU limit", "[root][hostile][cpu]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("loop");
    RUN_BOX(r, box);
    CHECK(r.status == Status::time_limit);
    CHECK(r.cpu_time_us >= 1'000'000);
    CHECK(r.cpu_time_us < 1'200'000);
    box.cleanup();
    host.check();
}

TEST_CASE("sleeping forever hits the wall-clock limit", "[root][hostile][cpu]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("sleep");
    box.spec.wall_time_ms = 1500;
    RUN_BOX(r, box);
    CHECK(r.status == Status::wall_time_limit);
    CHECK(r.wall_time_us >= 1'500'000);
    CHECK(r.wall_time_us < 2'500'000);
    CHECK(r.cpu_time_us < 100'000);
    box.cleanup();
    host.check();
}

TEST_CASE("an orphaned setsid daemon dies with the run, which ends at once",
          "[root][hostile][pids]") {
    SKIP_UNLESS_ROOT();
    const std::string mode = GENERATE(as<std::string>{}, "spin", "sleep");
    INFO("daemon " << mode);
    HostSnapshot host;
    Box box("daemon");
    box.spec.argv.push_back(mode);
    box.spec.cpu_time_ms = 2000;
    box.spec.wall_time_ms = 4000;
    box.capture_stderr();
    RUN_BOX(r, box);
    // Gone by the time run() returns, before the box's teardown (which
    // goes on in the background) has necessarily finished: init empties
    // the box before it reports the exit.
    const std::set<long> others = slots_in_use(true);
    for (const Leftover& l : box_processes()) {
        INFO("still running when run() returned: " << l.what);
        CHECK(others.count(l.slot) > 0);
    }
    CHECK(r.status == Status::ok);
    CHECK(r.exit_code == 0);
    CHECK(r.wall_time_us < 1'000'000);
    box.cleanup();
    host.check();
}

TEST_CASE("kill(-1, SIGKILL) inside reaches no host process", "[root][hostile][pids]") {
    SKIP_UNLESS_ROOT();
    pid_t bystander = ::fork();
    REQUIRE(bystander >= 0);
    if (bystander == 0) {
        for (;;) ::pause();
    }
    {
        HostSnapshot host;
        Box box("kill_all");
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::ok);
        CHECK(r.exit_code == 0);
        int status = 0;
        CHECK(::waitpid(bystander, &status, WNOHANG) == 0);  // not dead, not a zombie
        CHECK(::kill(bystander, 0) == 0);
        box.cleanup();
        host.check();
    }
    ::kill(bystander, SIGKILL);
    ::waitpid(bystander, nullptr, 0);
}

// ---------------------------------------------------------------------------
// Memory.

TEST_CASE("a memory bomb hits the memory limit", "[root][hostile][memory]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("mem_bomb");
    // Time to fault in 64 MiB, not a limit under test (see the deep-recursion
    // case: the cgroup-v2 VM emulates the CPU).
    box.spec.cpu_time_ms = 10'000;
    box.spec.wall_time_ms = 20'000;
    RUN_BOX(r, box);
    CHECK(r.status == Status::memory_limit);
    CHECK(r.memory_bytes >= 60 * MiB);
    box.cleanup();
    host.check();
}

TEST_CASE("memory spread over eight live children hits the box's memory limit",
          "[root][hostile][memory]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("mem_spread");
    // Time for eight children to touch 128 MiB, not a limit under test (see
    // the deep-recursion case: the cgroup-v2 VM emulates the CPU).
    box.spec.cpu_time_ms = 10'000;
    box.spec.wall_time_ms = 20'000;
    RUN_BOX(r, box);
    CHECK(r.status == Status::memory_limit);
    box.cleanup();
    host.check();
}

TEST_CASE("deep recursion fits the default stack", "[root][hostile][memory]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("recursion");
    box.spec.memory_bytes = 256 * MiB;
    // Time to touch 130 MB of stack, not a limit under test: qemu's software
    // emulation (the cgroup-v2 VM) faults pages in ten times slower.
    box.spec.cpu_time_ms = 10'000;
    box.capture_stdout();
    box.capture_stderr();
    RUN_BOX(r, box);
    CHECK(r.status == Status::ok);
    CHECK(box.out() == "1000000\n");
    box.cleanup();
    host.check();
}

TEST_CASE("the box's tmpfs folders are bounded", "[root][hostile][memory][output]") {
    SKIP_UNLESS_ROOT();
    const std::string dir = GENERATE(as<std::string>{}, "/tmp", "/dev/shm");
    INFO("folder " << dir);

    SECTION("by their size: ENOSPC, the program's own error") {
        HostSnapshot host;
        Box box("tmp_fill");
        box.spec.argv.insert(box.spec.argv.end(), {dir, "16"});
        box.spec.tmp_bytes = 8 * MiB;
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::runtime_error);
        CHECK(r.exit_code == 3);
        box.cleanup();
        host.check();
    }
    SECTION("by the memory limit: their pages count against the box") {
        HostSnapshot host;
        Box box("tmp_fill");
        box.spec.argv.insert(box.spec.argv.end(), {dir, "200"});
        box.spec.tmp_bytes = 256 * MiB;
        box.spec.output_bytes = 512 * MiB;  // so only memory can stop it
        box.spec.cpu_time_ms = 10'000;      // and not the CPU budget, in the VM's slow emulation either
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::memory_limit);
        box.cleanup();
        host.check();
    }
}

// ---------------------------------------------------------------------------
// Output.

TEST_CASE("an output flood on stdout hits the output limit", "[root][hostile][output]") {
    SKIP_UNLESS_ROOT();
    const std::string mode = GENERATE(as<std::string>{}, "", "ignore", "ignore-exit");
    INFO("mode \"" << mode << "\" (ignore*: SIGXFSZ ignored, writes go on failing with EFBIG)");
    HostSnapshot host;
    Box box("output_flood");
    if (!mode.empty()) box.spec.argv.push_back(mode);
    box.spec.output_bytes = 1 * MiB;
    const std::string out = box.capture_stdout();
    RUN_BOX(r, box);
    CHECK(r.status == Status::output_limit);
    struct stat st {};
    REQUIRE(::lstat(out.c_str(), &st) == 0);
    CHECK(static_cast<std::uint64_t>(st.st_size) <= 1 * MiB);
    box.cleanup();
    host.check();
}

TEST_CASE("files the box did not write never count as its output", "[root][hostile][output]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    Box box("devnodes");  // exits 0 and writes nothing to its working folder
    box.spec.output_bytes = 1 * MiB;
    {
        std::ofstream big(box.workdir() + "/input.txt", std::ios::binary);
        big << std::string(2 * MiB, 'x');  // a judge's input, larger than the output limit
    }
    RUN_BOX(r, box);
    CHECK(r.status == Status::ok);
    box.cleanup();
    host.check();
}

TEST_CASE("one big file in the working folder hits the output limit",
          "[root][hostile][output]") {
    SKIP_UNLESS_ROOT();
    const std::string mode = GENERATE(as<std::string>{}, "", "ignore-exit");
    INFO("mode \"" << mode << "\" (ignore-exit: SIGXFSZ ignored, exits 0 after EFBIG)");
    HostSnapshot host;
    Box box("fill_workdir");
    if (!mode.empty()) box.spec.argv.push_back(mode);
    box.spec.output_bytes = 1 * MiB;
    RUN_BOX(r, box);
    CHECK(r.status == Status::output_limit);
    struct stat st {};
    if (::lstat((box.workdir() + "/big").c_str(), &st) == 0) {
        CHECK(S_ISREG(st.st_mode));
        CHECK(static_cast<std::uint64_t>(st.st_size) <= 1 * MiB);
    }
    box.cleanup();
    host.check();
}

// ---------------------------------------------------------------------------
// Isolation: network, files, devices, identity, descriptors, environment.

TEST_CASE("the network is unreachable, host loopback included", "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 8) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    const int port = ntohs(addr.sin_port);
    {
        HostSnapshot host;
        Box box("net");
        box.spec.argv.push_back(std::to_string(port));
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::ok);
        CHECK(r.exit_code == 0);
        int conn = ::accept(listener, nullptr, nullptr);
        CHECK(conn < 0);  // nothing reached the host's listener
        if (conn >= 0) ::close(conn);
        box.cleanup();
        host.check();
    }
    ::close(listener);
}

namespace {

void run_ip(const std::string& args) {
    const std::string cmd = "ip " + args + " 2>&1";
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
}

// A TCP listener on ip:0 in the calling thread's network namespace; the
// port it got goes to `port`.
int listen_on(const char* ip, int& port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip, &a.sin_addr);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 8) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        return -1;
    }
    port = ntohs(a.sin_port);
    return fd;
}

// True when a connection is waiting on the (non-blocking) listener.
bool was_reached(int listener) {
    int conn = ::accept(listener, nullptr, nullptr);
    if (conn < 0) return false;
    ::close(conn);
    return true;
}

// A network namespace standing in for the internet: joined to the host by
// a veth, host end 198.18.77.1/30 and its end 198.18.77.2/30 (the
// benchmark range, neither private nor routed; it exists only here). A
// child of ours holds it (no /run/netns mount: the host's mount table
// stays as it was); it goes, veth included, with the child.
class Internet {
public:
    Internet() : veth_("jti" + std::to_string(::getpid())) {
        int p[2];
        REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
        holder_ = ::fork();
        REQUIRE(holder_ >= 0);
        if (holder_ == 0) {
            // It execs (never just waits): this process's other threads'
            // close-on-exec descriptors, a factory's error pipe say, must
            // not stay open in it.
            char c = ::unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
            [[maybe_unused]] ssize_t n = ::write(p[1], &c, 1);
            ::execl("/bin/sleep", "sleep", "3600", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(p[1]);
        char c = 0;
        const bool ok = ::read(p[0], &c, 1) == 1 && c == 'y';
        ::close(p[0]);
        try {
            REQUIRE(ok);
            const std::string pid = std::to_string(holder_);
            run_ip("link add " + veth_ + " type veth peer name inet0 netns " + pid);
            run_ip("addr add 198.18.77.1/30 dev " + veth_);
            run_ip("link set " + veth_ + " up");
            in_ns("addr add 198.18.77.2/30 dev inet0");
            in_ns("link set inet0 up");
            in_ns("link set lo up");
        } catch (...) {
            end();
            throw;
        }
    }
    ~Internet() { end(); }
    Internet(const Internet&) = delete;
    Internet& operator=(const Internet&) = delete;

    // A listener at 198.18.77.2 inside the namespace (the socket stays
    // there while this thread goes back).
    int listen(int& port) const {
        int self = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        int there = ::open(("/proc/" + std::to_string(holder_) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
        int fd = -1;
        if (self >= 0 && there >= 0 && ::setns(there, CLONE_NEWNET) == 0) {
            fd = listen_on("198.18.77.2", port);
            if (::setns(self, CLONE_NEWNET) != 0) std::abort();  // this thread must not stay there
        }
        if (self >= 0) ::close(self);
        if (there >= 0) ::close(there);
        return fd;
    }

private:
    void in_ns(const std::string& args) const {
        const std::string cmd = "nsenter -t " + std::to_string(holder_) + " -n ip " + args + " 2>&1";
        INFO(cmd);
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    void end() {
        if (holder_ <= 0) return;
        ::kill(holder_, SIGKILL);
        int st;
        ::waitpid(holder_, &st, 0);
        holder_ = -1;
        // Gone with the namespace; deleted here should that lag.
        [[maybe_unused]] int rc = std::system(("ip link del " + veth_ + " 2>/dev/null").c_str());
    }
    std::string veth_;
    pid_t holder_ = -1;
};

}  // namespace

TEST_CASE("with the network a box reaches the outside, never the host", "[root][hostile][isolation][network]") {
    SKIP_UNLESS_ROOT();
    Internet internet;
    int inet_port = 0, host_port = 0, lo_port = 0;
    int inet = internet.listen(inet_port);
    REQUIRE(inet >= 0);
    int host = listen_on("198.18.77.1", host_port);
    REQUIRE(host >= 0);
    int lo = listen_on("127.0.0.1", lo_port);
    REQUIRE(lo >= 0);
    const std::string abstract_name = "judge-test-abstract-" + std::to_string(::getpid());
    int unix_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(unix_fd >= 0);
    sockaddr_un ua{};
    ua.sun_family = AF_UNIX;
    std::memcpy(ua.sun_path + 1, abstract_name.data(), abstract_name.size());
    const auto ua_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size());
    REQUIRE(::bind(unix_fd, reinterpret_cast<sockaddr*>(&ua), ua_len) == 0);
    REQUIRE(::listen(unix_fd, 8) == 0);

    // The internet's side: echoes one byte to whoever connects.
    std::atomic<bool> stop{false};
    std::atomic<int> served{0};
    std::thread echo([&] {
        while (!stop) {
            pollfd p{inet, POLLIN, 0};
            if (::poll(&p, 1, 50) != 1) continue;
            int c = ::accept4(inet, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            pollfd q{c, POLLIN, 0};
            char b;
            if (::poll(&q, 1, 3000) == 1 && ::read(c, &b, 1) == 1 && ::write(c, &b, 1) == 1) ++served;
            ::close(c);
        }
    });
    {
        HostSnapshot snapshot;
        Box box("net_out");
        box.spec.argv.insert(box.spec.argv.end(), {"198.18.77.2", std::to_string(inet_port), "198.18.77.1",
                                                   std::to_string(host_port), std::to_string(lo_port),
                                                   abstract_name});
        box.spec.network = true;
        box.spec.wall_time_ms = 30'000;
        box.capture_stderr();
        RUN_BOX(r, box);
        stop = true;
        echo.join();
        CHECK(r.status == Status::ok);
        CHECK(r.exit_code == 0);
        CHECK(served == 1);
        CHECK_FALSE(was_reached(host));
        CHECK_FALSE(was_reached(lo));
        CHECK_FALSE(was_reached(unix_fd));
        box.cleanup();
        snapshot.check();
    }
    if (echo.joinable()) {
        stop = true;
        echo.join();
    }
    ::close(unix_fd);
    ::close(lo);
    ::close(host);
    ::close(inet);
}

TEST_CASE("without the network a box cannot reach a host abstract socket", "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    const std::string abstract_name = "judge-test-abstract-" + std::to_string(::getpid());
    int unix_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    REQUIRE(unix_fd >= 0);
    sockaddr_un ua{};
    ua.sun_family = AF_UNIX;
    std::memcpy(ua.sun_path + 1, abstract_name.data(), abstract_name.size());
    const auto ua_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_name.size());
    REQUIRE(::bind(unix_fd, reinterpret_cast<sockaddr*>(&ua), ua_len) == 0);
    REQUIRE(::listen(unix_fd, 8) == 0);
    {
        HostSnapshot snapshot;
        Box box("net_out");
        // Nothing is reachable offline: exit 1 (the internet is not reached
        // either), but the abstract socket must not be.
        box.spec.argv.insert(box.spec.argv.end(), {"198.18.77.2", "9", "198.18.77.1", "9", "9", abstract_name});
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::runtime_error);
        CHECK(contains(box.err(), "connect @" + abstract_name));
        CHECK_FALSE(was_reached(unix_fd));
        box.cleanup();
        snapshot.check();
    }
    ::close(unix_fd);
}

TEST_CASE("host files, processes, /sys and devices are out of sight; / and /usr read-only",
          "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    std::string pid1 = read_file("/proc/1/cmdline");
    for (char& c : pid1)
        if (c == '\0') c = ' ';
    while (!pid1.empty() && pid1.back() == ' ') pid1.pop_back();
    if (pid1.empty()) pid1 = "-";
    expect_ok({pid1}, "host_files");
}

TEST_CASE("the box's /dev nodes work for its user", "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    expect_ok({}, "devnodes");
}

TEST_CASE("binds attach where the template has no mount point and inside /etc; both stay read-only",
          "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    TempDir ro("hostile-bind-ro", 0755), rw("hostile-bind-rw", 0777);
    {
        std::ofstream(ro / "in.txt") << "bind-ok\n";
    }
    // Twice: the first run adds the mount points to the template, the
    // second finds them there.
    for (int round = 0; round < 2; ++round) {
        INFO("round " << round);
        HostSnapshot host;
        Box box("binds");
        box.spec.binds = {sandbox::Bind{ro.path(), "/opt/judge-test/ro", false},
                          sandbox::Bind{rw.path(), "/etc/judge-test", true}};
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::ok);
        CHECK(r.exit_code == 0);
        CHECK(read_file(rw / "out.txt") == "written\n");
        ::unlink((rw / "out.txt").c_str());
        box.cleanup();
        host.check();
    }
}

TEST_CASE("the program runs as a box uid without groups, capabilities, host name or terminal",
          "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    char name[256] = {};
    REQUIRE(::gethostname(name, sizeof name - 1) == 0);
    expect_ok({name}, "identity");
}

TEST_CASE("host descriptors opened without O_CLOEXEC do not reach the box",
          "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    std::vector<int> fds;
    fds.push_back(::open("/etc/passwd", O_RDONLY));
    fds.push_back(::open("/", O_RDONLY | O_DIRECTORY));  // fchdir() would escape
    int p[2];
    REQUIRE(::pipe(p) == 0);
    fds.push_back(p[0]);
    fds.push_back(p[1]);
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    for (int high : {1000, 4000})
        if (static_cast<rlim_t>(high) < lim.rlim_cur) fds.push_back(::dup2(fds[0], high));
    for (int fd : fds) REQUIRE(fd >= 0);
    expect_ok({}, "fds");
    for (int fd : fds) ::close(fd);
}

TEST_CASE("the environment is exactly the spec's", "[root][hostile][isolation]") {
    SKIP_UNLESS_ROOT();
    ::setenv("HOSTILE_HOST_SECRET", "leaked", 1);
    HostSnapshot host;
    Box box("env");
    box.spec.env = {"A=1", "B=two"};
    box.capture_stdout();
    RUN_BOX(r, box);
    CHECK(r.status == Status::ok);
    CHECK(box.out() == "A=1\nB=two\n");
    box.cleanup();
    host.check();
    ::unsetenv("HOSTILE_HOST_SECRET");
}

// ---------------------------------------------------------------------------
// The seccomp policy.

TEST_CASE("ptrace is refused", "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    const std::string mode = GENERATE(as<std::string>{}, "traceme", "attach");
    INFO("ptrace " << mode);
    expect_violation({mode}, "ptrace", "ptrace");
}

TEST_CASE("every denied call is a syscall violation naming the call",
          "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    static const char* const denied[] = {
        "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree",
        "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "ptrace",
        "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "keyctl", "add_key",
        "request_key", "kexec_load", "kexec_file_load", "init_module",
        "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct", "quotactl",
        "syslog", "settimeofday", "clock_settime", "open_by_handle_at", "name_to_handle_at"};
    for (const char* name : denied) expect_violation({name}, "syscall", name);
    expect_violation({"unshare_newuser"}, "syscall", "unshare");
}

TEST_CASE("calls runtimes probe for fail with an error and the program goes on",
          "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    const std::string call =
        GENERATE(as<std::string>{}, "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
                 "io_uring_enter", "io_uring_register", "clock_adjtime", "adjtimex");
    INFO("call: " << call);
    expect_ok({"probe_" + call}, "syscall");
}

TEST_CASE("clone() into new namespaces is refused", "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    const std::string call =
        GENERATE(as<std::string>{}, "clone_newuser", "clone_newnet", "clone_newns");
    expect_violation({call}, "syscall", "clone");
}

TEST_CASE("sockets outside AF_UNIX, AF_INET and AF_INET6 fail with EAFNOSUPPORT",
          "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    const std::string call =
        GENERATE(as<std::string>{}, "socket_netlink", "socket_packet", "socket_alg", "socket_vsock",
                 "socket_packet_highbits", "socketpair_netlink", "socketpair_packet");
    INFO("call: " << call);
    expect_ok({call}, "syscall");
}

TEST_CASE("the x32 ABI is refused", "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    expect_violation({"x32_getpid"}, "syscall", "");
}

TEST_CASE("the 32-bit entry (int 0x80) is refused", "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    // Probe on the host first: without 32-bit emulation int 0x80 faults
    // (SIGSEGV) before seccomp sees it, and there is nothing to refuse.
    const std::string prog = std::string(HOSTILE_DIR) + "/hostile_syscall";
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::execl(prog.c_str(), prog.c_str(), "int80_getpid", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
        // Nothing for seccomp to refuse; the call must still not go through.
        WARN("this kernel has no 32-bit syscall entry (int 0x80 faults on the host)");
        HostSnapshot host;
        Box box("syscall");
        box.spec.argv.push_back("int80_getpid");
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::signaled);
        CHECK(r.signal == SIGSEGV);
        box.cleanup();
        host.check();
        return;
    }
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 10);  // on the host the call goes through
    expect_violation({"int80_getpid"}, "syscall", "");
}

TEST_CASE("clone3 fails with ENOSYS so libc falls back; fork, threads, inet sockets work",
          "[root][hostile][seccomp]") {
    SKIP_UNLESS_ROOT();
    const std::string call =
        GENERATE(as<std::string>{}, "clone3", "fork", "pthread", "socket_inet");
    INFO("call: " << call);
    expect_ok({call}, "syscall");
}

// ---------------------------------------------------------------------------
// The host side of the working folder.

namespace {

// True when remove_tree() of a folder holding links to `decoy` (directly and
// one level down) leaves `decoy` and its canary alone: the guard that must
// hold before remove_tree() meets a planted link to "/".
bool remove_tree_spares_link_targets(const TempDir& decoy) {
    TempDir probe("hostile-probe", 0755);
    fs::create_directory(probe / "sub");
    fs::create_symlink(decoy.path(), probe / "link");
    fs::create_symlink(decoy.path(), probe / "sub/link");
    sandbox::remove_tree(probe.path());
    struct stat st {};
    return ::lstat(probe.path().c_str(), &st) != 0 && errno == ENOENT &&
           read_file(decoy / "canary") == "canary";
}

}  // namespace

TEST_CASE("planted links and FIFOs are refused by the host-side file functions",
          "[root][hostile][files]") {
    SKIP_UNLESS_ROOT();
    const std::string passwd_before = read_file("/etc/passwd");
    struct stat passwd_st {};
    REQUIRE(::stat("/etc/passwd", &passwd_st) == 0);
    TempDir decoy("hostile-decoy", 0755);
    { std::ofstream(decoy / "canary") << "canary"; }
    // remove_tree() will meet `dir -> /` (here and in every cleanup path):
    // first prove on a probe with links to the decoy that it follows none.
    REQUIRE(remove_tree_spares_link_targets(decoy));

    HostSnapshot host;
    Box box("links");
    box.spec.argv.push_back(decoy.path());
    box.capture_stderr();
    RUN_BOX(r, box);
    REQUIRE(r.status == Status::ok);
    const std::string dir = box.workdir();

    CHECK_THROWS_AS(sandbox::read_beneath(dir, "out.txt", 1 << 20), std::system_error);
    CHECK_THROWS_AS(sandbox::read_beneath(dir, "dir/etc/passwd", 1 << 20), std::system_error);
    CHECK_THROWS_AS(sandbox::read_beneath(dir, "decoy/canary", 1 << 20), std::system_error);

    // A reader blocked on the FIFO is released by a watchdog that opens the
    // write end (which only succeeds while someone waits to read).
    {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        std::atomic<bool> blocked{false};
        const std::string fifo = dir + "/fifo";
        std::thread watchdog([&] {
            std::unique_lock<std::mutex> lock(m);
            if (cv.wait_for(lock, std::chrono::seconds(3), [&] { return done; })) return;
            int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd >= 0) {
                blocked = true;
                ::close(fd);
            }
        });
        const auto start = std::chrono::steady_clock::now();
        CHECK_THROWS_AS(sandbox::read_beneath(dir, "fifo", 1 << 20), std::system_error);
        const auto took = std::chrono::steady_clock::now() - start;
        {
            std::lock_guard<std::mutex> lock(m);
            done = true;
        }
        cv.notify_all();
        watchdog.join();
        CHECK_FALSE(blocked);
        CHECK(took < std::chrono::seconds(2));
    }

    CHECK(sandbox::read_beneath(dir, "ok.txt", 1 << 20) == "fine");
    CHECK_THROWS_AS(sandbox::create_output(dir + "/out.txt"), std::system_error);

    sandbox::remove_tree(dir);
    struct stat st {};
    CHECK((::lstat(dir.c_str(), &st) != 0 && errno == ENOENT));
    CHECK(read_file(decoy / "canary") == "canary");
    CHECK(read_file("/etc/passwd") == passwd_before);
    struct stat after {};
    REQUIRE(::stat("/etc/passwd", &after) == 0);
    CHECK(after.st_ino == passwd_st.st_ino);
    CHECK(after.st_mtim.tv_sec == passwd_st.st_mtim.tv_sec);
    CHECK(after.st_mtim.tv_nsec == passwd_st.st_mtim.tv_nsec);
    CHECK(::access("/usr/bin", F_OK) == 0);

    box.cleanup();
    host.check();
}

TEST_CASE("a work folder the library made is removed without following planted links",
          "[root][hostile][files]") {
    SKIP_UNLESS_ROOT();
    TempDir decoy("hostile-decoy", 0755);
    { std::ofstream(decoy / "canary") << "canary"; }
    HostSnapshot host;
    Box box("");
    box.spec.workdir.clear();  // the library makes and removes its own
    box.spec.argv = {"/bin/sh", "-c",
                     "ln -s " + decoy.path() + " decoy && mkdir d && ln -s " + decoy.path() +
                         " d/decoy && mkfifo fifo && echo hi > f"};
    box.capture_stderr();
    RUN_BOX(r, box);
    CHECK(r.status == Status::ok);
    CHECK(r.exit_code == 0);
    CHECK(read_file(decoy / "canary") == "canary");
    box.cleanup();
    host.check();
}

// ---------------------------------------------------------------------------
// Usage errors are the sandbox's, never the program's.

TEST_CASE("a missing program is an internal error naming execve and ENOENT",
          "[root][hostile][usage]") {
    SKIP_UNLESS_ROOT();
    const bool own_workdir = GENERATE(true, false);
    INFO((own_workdir ? "in our working folder" : "in a working folder the library makes"));
    HostSnapshot host;
    Box box("");
    if (!own_workdir) box.spec.workdir.clear();
    box.spec.argv = {"./missing"};
    RUN_BOX(r, box);
    CHECK(r.status == Status::internal_error);
    CHECK(contains(r.message, "execve"));
    // The errno by name or by its text, as the project's messages give it
    // (STYLE.md: "the exact call ... plus the errno text").
    INFO("strerror(ENOENT) = " << std::strerror(ENOENT));
    CHECK((contains(r.message, "ENOENT") || contains(r.message, std::strerror(ENOENT))));
    box.cleanup();
    host.check();
}

// ---------------------------------------------------------------------------
// Multi-threaded runtimes start their GC/JIT threads under the filter.

TEST_CASE("multi-threaded runtimes run under the seccomp filter", "[root][hostile][runtimes]") {
    SKIP_UNLESS_ROOT();
    struct Runtime {
        const char* name;
        const char* binary;  // deploy/install-languages.sh installs it
        const char* file;
        const char* source;
        std::vector<std::string> argv;
        std::vector<sandbox::Bind> binds;
    };
    const std::vector<Runtime> runtimes = {
        {"Java (HotSpot, G1 GC threads)", "/usr/bin/java", "Main.java",
         "public class Main { public static void main(String[] a) throws Exception {"
         " Thread t = new Thread(() -> System.out.println(\"thread\")); t.start(); t.join();"
         " System.out.println(\"done\"); } }",
         {"/usr/bin/java", "Main.java"},
         {{"/etc/alternatives", "", false}, {"/etc/java-17-openjdk", "", false}}},
        {"Node.js (libuv thread pool)", "/usr/bin/node", "a.js",
         "require('fs').readFile('a.js', () => { console.log('thread'); console.log('done'); });",
         {"/usr/bin/node", "a.js"},
         {}},
        {"Python 3 (threading)", "/usr/bin/python3", "a.py",
         "import threading\nt = threading.Thread(target=print, args=('thread',)); t.start(); t.join()\nprint('done')\n",
         {"/usr/bin/python3", "a.py"},
         {}},
    };
    for (const auto& rt : runtimes) {
        INFO(rt.name);
        INFO(rt.binary << " (deploy/install-languages.sh installs it)");
        REQUIRE(::access(rt.binary, X_OK) == 0);
        for (const auto& b : rt.binds) {
            INFO("configuration folder " << b.host_path);
            REQUIRE(::access(b.host_path.c_str(), F_OK) == 0);
        }
        HostSnapshot host;
        Box box("");
        std::ofstream(box.workdir() + "/" + rt.file) << rt.source;
        box.spec.argv = rt.argv;
        box.spec.binds = rt.binds;
        box.spec.cpu_time_ms = 10'000;
        box.spec.wall_time_ms = 20'000;
        box.spec.memory_bytes = 1024 * MiB;
        box.spec.pids_max = 64;
        box.capture_stdout();
        box.capture_stderr();
        RUN_BOX(r, box);
        CHECK(r.status == Status::ok);
        CHECK(box.out() == "thread\ndone\n");
        box.cleanup();
        host.check();
    }
}

// ---------------------------------------------------------------------------
// Prepared boxes own cgroups before their run: none may outlive its process.

namespace {
int spawn_wait(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int st = 0;
    ::waitpid(pid, &st, 0);
    return st;
}
}  // namespace

TEST_CASE("a process that exits with prepared boxes leaves nothing behind", "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    int st = spawn_wait({POOL_USER, "exit"});
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    host.check();
}

TEST_CASE("prepared boxes of a killed process are swept by the next one", "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    int st = spawn_wait({POOL_USER, "crash"});
    REQUIRE(WIFSIGNALED(st));
    CHECK(WTERMSIG(st) == SIGKILL);
    // The CLI's first box sweeps box cgroups whose slot no process holds.
    st = spawn_wait({JUDGE_SANDBOX_CLI, "run", "--stdout", "/dev/null", "--", "/bin/true"});
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    host.check();
}

// ---------------------------------------------------------------------------
// The box factories: one per box a process holds at once, each the parent
// of its box's init (one at a time).

namespace {
struct ProcInfo {
    pid_t pid;
    char state;
    std::string cmdline;
};

// This process's children, from /proc/<pid>/stat (field 4 is the parent).
std::vector<ProcInfo> children_of(pid_t parent) {
    std::vector<ProcInfo> out;
    DIR* d = ::opendir("/proc");
    if (!d) return out;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        const std::string dir = std::string("/proc/") + e->d_name;
        const std::string stat = read_file(dir + "/stat");
        const std::size_t close = stat.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream in(stat.substr(close + 2));
        char state = 0;
        long ppid = 0;
        in >> state >> ppid;
        if (ppid != parent) continue;
        std::string cmd = read_file(dir + "/cmdline");
        std::replace(cmd.begin(), cmd.end(), '\0', ' ');
        out.push_back({static_cast<pid_t>(std::atol(e->d_name)), state, cmd});
    }
    ::closedir(d);
    return out;
}

std::vector<pid_t> find_factories() {
    std::vector<pid_t> out;
    for (const ProcInfo& p : children_of(::getpid()))
        if (p.cmdline.find("--factory") != std::string::npos) out.push_back(p.pid);
    return out;
}

// Kills every box factory of this process and waits (up to 2 s each) until
// their inits, the prepared ones included, have died with them
// (PDEATHSIG). Returns the factories' pids, none when there was none.
std::vector<pid_t> kill_factories() {
    const std::vector<pid_t> factories = find_factories();
    for (pid_t f : factories) REQUIRE(::kill(f, SIGKILL) == 0);
    for (pid_t f : factories)
        for (int attempt = 0; attempt < 100 && !children_of(f).empty(); ++attempt)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return factories;
}

sandbox::RunResult run_true() {
    sandbox::RunSpec spec;
    spec.argv = {"/bin/true"};
    return sandbox::run(spec);
}
}  // namespace

// Two sandboxes in one cgroup with state folders and uid ranges of their
// own (two containers sharing a host's cgroup tree look the same to each
// other): each runs its boxes as its own uids and its start-up sweep of stale
// box cgroups passes over the other's live ones.
TEST_CASE("a sandbox with its own uid range and state folder leaves this one's boxes alone", "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    REQUIRE(run_true().status == Status::ok);
    sandbox::prepared::settle();  // the run's box is gone; the prepared ones wait, their cgroups made
    const std::string base = sandbox::cgroup::host_layout().memory.base;
    std::vector<std::string> ours;
    for (const auto& e : fs::directory_iterator(base))
        if (e.path().filename().string().rfind("judge-box-", 0) == 0) ours.push_back(e.path().string());
    if (test_pool_size() > 0) REQUIRE_FALSE(ours.empty());

    TempDir state("hostile-state", 0755), work("hostile-range", 0755);
    fs::copy_file(std::string(HOSTILE_DIR) + "/hostile_identity", work / "identity");
    char name[256] = {};
    REQUIRE(::gethostname(name, sizeof name - 1) == 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv("JUDGE_SANDBOX_UID_BASE", "300000", 1);
        ::setenv("JUDGE_SANDBOX_SLOTS", "4096", 1);  // covers this process's slot numbers
        ::setenv("JUDGE_SANDBOX_STATE", state.path().c_str(), 1);
        const std::string result = work / "result.json";
        ::execl(JUDGE_SANDBOX_CLI, JUDGE_SANDBOX_CLI, "run", "--workdir", work.path().c_str(), "--result",
                result.c_str(), "--stderr", (work / "stderr.txt").c_str(), "--", "./identity", name, "300000", "4096",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
    const std::string result = read_file(work / "result.json");
    INFO("result: " << result << " stderr: " << read_file(work / "stderr.txt"));
    CHECK(result.find("\"status\":\"ok\"") != std::string::npos);
    CHECK(result.find("\"exit_code\":0") != std::string::npos);
    for (const auto& dir : ours) CHECK(fs::is_directory(dir));
    CHECK(run_true().status == Status::ok);
    work.remove();
    state.remove();
    host.check();
}

TEST_CASE("the box factory reaps every init the host is done with", "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    for (int i = 0; i < 5; ++i) {
        const sandbox::RunResult r = run_true();
        INFO("result: " << describe(r));
        REQUIRE(r.status == Status::ok);
    }
    sandbox::prepared::settle();  // the host is done with every box it ran
    const std::vector<pid_t> factories = find_factories();
    REQUIRE(!factories.empty());
    // What is left are the prepared boxes waiting for a run (the pool keeps
    // 2): live, never a zombie of a finished box; and a factory holds one
    // init at most.
    auto inits = [&] {
        std::vector<ProcInfo> all;
        for (pid_t f : factories) {
            const std::vector<ProcInfo> kids = children_of(f);
            CHECK(kids.size() <= 1);
            all.insert(all.end(), kids.begin(), kids.end());
        }
        return all;
    };
    std::vector<ProcInfo> kids;
    for (int attempt = 0; attempt < 50; ++attempt) {
        kids = inits();
        if (std::none_of(kids.begin(), kids.end(), [](const ProcInfo& p) { return p.state == 'Z'; })) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::string listing;
    for (const ProcInfo& p : kids) listing += std::to_string(p.pid) + " " + p.state + " " + p.cmdline + "\n";
    INFO("inits of the factories:\n" << listing);
    CHECK(std::none_of(kids.begin(), kids.end(), [](const ProcInfo& p) { return p.state == 'Z'; }));
    CHECK(kids.size() <= 2);
    host.check();
}

TEST_CASE("a killed box factory is replaced; boxes it had prepared are never handed out",
          "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    REQUIRE(run_true().status == Status::ok);
    const std::vector<pid_t> killed = kill_factories();
    REQUIRE(!killed.empty());
    for (int i = 0; i < 4; ++i) {
        const sandbox::RunResult r = run_true();
        INFO("run " << i << " after the kill: " << describe(r));
        CHECK(r.status == Status::ok);
    }
    const std::vector<pid_t> next = find_factories();
    CHECK(!next.empty());
    for (pid_t f : next) CHECK(std::find(killed.begin(), killed.end(), f) == killed.end());
    host.check();
}

TEST_CASE("a box factory starts whichever descriptor numbers its inputs have", "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    REQUIRE(run_true().status == Status::ok);
    // While this test moves fd 3 about, no other thread may open or close a
    // descriptor: the pool's thread stops making boxes, the used ones are
    // torn down. (Otherwise a descriptor of the pool's, on 3, is replaced
    // here, or ours closed there: execveat then failed with EACCES.)
    sandbox::prepared::set_pool_size(0);
    sandbox::prepared::settle();
    REQUIRE(!kill_factories().empty());
    // The next factory starts from an init binary on fd 3, a number the
    // factory's own socket must take: a process whose first open() after
    // its standard streams is that binary has it there.
    const int saved3 = ::fcntl(3, F_DUPFD_CLOEXEC, 100);  // -1: fd 3 was free
    const int exe = ::open(JUDGE_SANDBOX_INIT_BIN, O_PATH | O_CLOEXEC);
    REQUIRE(exe >= 0);
    if (exe != 3) {
        REQUIRE(::dup2(exe, 3) == 3);
        ::close(exe);
    }
    int control[2], report[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control) == 0);
    REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    sandbox::spawn::Args a;
    a.init_fd = 3;
    a.control_fd = control[1];
    a.report_fd = report[1];
    a.null_fd = null_fd;
    std::string error;
    try {
        sandbox::spawn::Init init = sandbox::spawn::start_init(a);
        CHECK(init.alive());
    } catch (const std::exception& e) {  // the Init, if made, is killed and reaped above
        error = e.what();
    }
    if (saved3 >= 0) {
        ::dup2(saved3, 3);
        ::close(saved3);
    } else {
        ::close(3);
    }
    for (int fd : {control[0], control[1], report[0], report[1], null_fd}) ::close(fd);
    sandbox::prepared::set_pool_size(test_pool_size());
    INFO(error);
    CHECK(error.empty());
    CHECK(run_true().status == Status::ok);
    host.check();
}

TEST_CASE("boxes run at the nice value set for them, their session's autogroup included",
          "[root][hostile][pool]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    // Prepared boxes keep the nice they were made with: start from none.
    sandbox::prepared::set_pool_size(0);
    sandbox::prepared::set_box_nice(7);
    Box box("");
    // Field 19 of /proc/self/stat is the nice value (of cat, the shell's child).
    box.spec.argv = {"/bin/sh", "-c",
                     "set -- $(cat /proc/self/stat); echo \"nice=${19}\"; cat /proc/self/autogroup 2>/dev/null || echo none"};
    box.capture_stdout();
    RUN_BOX(r, box);
    sandbox::prepared::set_box_nice(0);
    sandbox::prepared::set_pool_size(test_pool_size());
    CHECK(r.status == Status::ok);
    const std::string out = box.out();
    INFO("stdout: " << out);
    CHECK(out.rfind("nice=7\n", 0) == 0);
    // "/autogroup-N nice 7" where the kernel schedules sessions as groups.
    if (out.find("autogroup") != std::string::npos) CHECK(out.find(" nice 7") != std::string::npos);
    CHECK_THROWS_AS(sandbox::prepared::set_box_nice(20), std::invalid_argument);
    CHECK_THROWS_AS(sandbox::prepared::set_box_nice(-1), std::invalid_argument);
    box.cleanup();
    host.check();
}

// ---------------------------------------------------------------------------
// The host under a running service: its files change, or it ends.

TEST_CASE("the loader cache and a bind source replaced by rename break no later box", "[root][hostile][host][host-files]") {
    SKIP_UNLESS_ROOT();
    HostSnapshot host;
    // box_host does it all in a mount namespace of its own, over a copy of
    // /etc: the host's files are never touched.
    TempDir scratch("hostile-change", 0755);
    const int st = spawn_wait({BOX_HOST, "host-change", scratch.path()});
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 0);
    scratch.remove();
    host.check();
}

namespace {
// A process as seen once: its start time tells it from a later one that
// reused the pid.
struct Seen {
    pid_t pid;
    unsigned long long start;
    std::string cmdline;
};

// Field 22 of /proc/PID/stat; 0 when the process is gone or a zombie.
unsigned long long start_time(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream in(stat.substr(close + 2));
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    if (f.size() < 20 || f[0] == "Z" || f[0] == "X") return 0;
    return std::strtoull(f[19].c_str(), nullptr, 10);
}

// Every live descendant of `root`.
std::vector<Seen> descendants(pid_t root) {
    std::vector<Seen> out;
    std::vector<pid_t> todo{root};
    while (!todo.empty()) {
        const pid_t p = todo.back();
        todo.pop_back();
        for (const ProcInfo& c : children_of(p)) {
            if (c.state == 'Z') continue;
            out.push_back({c.pid, start_time(c.pid), c.cmdline});
            todo.push_back(c.pid);
        }
    }
    return out;
}

std::vector<Seen> still_alive(const std::vector<Seen>& seen) {
    std::vector<Seen> alive;
    for (const Seen& s : seen)
        if (s.start != 0 && start_time(s.pid) == s.start) alive.push_back(s);
    return alive;
}

// Starts box_host holding a box of the sleep program, ends it with `sig`,
// and checks that every process it had made (factories, inits, the
// program, prepared boxes) is gone within two seconds.
void host_ends_with(int sig) {
    HostSnapshot host;
    TempDir scratch("hostile-hold", 0755);
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    const std::string prog = std::string(HOSTILE_DIR) + "/hostile_sleep";
    const char* mode = sig == SIGKILL ? "kill" : "term";
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::execl(BOX_HOST, BOX_HOST, "hold", prog.c_str(), scratch.path().c_str(), mode, static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    char buf[16] = {};
    const ssize_t n = ::read(out[0], buf, sizeof buf - 1);
    ::close(out[0]);
    CHECK(std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0) == "running\n");
    // Until the program runs in its box and the pool has its two boxes:
    // three factories and their three inits (which, sharing a factory's
    // memory, show its command line).
    std::vector<Seen> seen;
    bool running = false;
    for (int attempt = 0; attempt < 250 && !running; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        seen = descendants(pid);
        const auto ours = std::count_if(seen.begin(), seen.end(), [](const Seen& s) {
            return s.cmdline.find("--factory") != std::string::npos;
        });
        running = ours >= 6 && std::any_of(seen.begin(), seen.end(), [](const Seen& s) {
            return s.cmdline.rfind("./prog", 0) == 0;
        });
    }
    std::string listing;
    for (const Seen& s : seen) listing += "  " + std::to_string(s.pid) + " " + s.cmdline + "\n";
    INFO("the host's processes:\n" << listing);
    CHECK(running);
    REQUIRE(::kill(pid, sig) == 0);
    int st = 0;
    REQUIRE(::waitpid(pid, &st, 0) == pid);
    const auto ended = std::chrono::steady_clock::now();
    std::vector<Seen> alive = still_alive(seen);
    while (!alive.empty() && std::chrono::steady_clock::now() - ended < std::chrono::seconds(2)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        alive = still_alive(seen);
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ended).count();
    std::string left;
    for (const Seen& s : alive) left += "  " + std::to_string(s.pid) + " " + s.cmdline + "\n";
    INFO("alive " << ms << " ms after the host ended:\n" << left);
    CHECK(alive.empty());
    // What the test made must not outlive it, whatever the outcome above.
    for (const Seen& s : alive)
        if (start_time(s.pid) == s.start) ::kill(s.pid, SIGKILL);
    for (int attempt = 0; attempt < 200 && !still_alive(alive).empty(); ++attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    // The dead host's box cgroups are swept by the next process's first box.
    st = spawn_wait({JUDGE_SANDBOX_CLI, "run", "--stdout", "/dev/null", "--", "/bin/true"});
    CHECK(WIFEXITED(st));
    scratch.remove();
    host.check();
}
}  // namespace

TEST_CASE("a box dies within a second or two of its host killed with SIGKILL", "[root][hostile][host]") {
    SKIP_UNLESS_ROOT();
    host_ends_with(SIGKILL);
}

TEST_CASE("a box dies within a second or two of its host leaving past its shutdown grace",
          "[root][hostile][host]") {
    SKIP_UNLESS_ROOT();
    host_ends_with(SIGTERM);
}

// Runs the suite through prepared boxes, as the service does (the CLI covers
// boxes made on the spot); JUDGE_TEST_POOL=0 runs it without the pool.
int main(int argc, char** argv) {
    if (::geteuid() == 0) sandbox::prepared::set_pool_size(test_pool_size());
    Catch::Session session;
    const int rc = session.applyCommandLine(argc, argv);
    if (rc != 0) return rc;
    return judge_test::suite_exit_code(session.run());
}
