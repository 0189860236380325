#include "sandbox/cgroup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "sandbox/fs_safe.hpp"
#include "tests/skip.hpp"

using namespace sandbox::cgroup;

namespace {

// This very machine's shape: v1 controllers beside an empty v2 mount.
const char* kHybridMountinfo =
    "25 1 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "27 25 0:24 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "28 25 0:25 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "29 25 0:26 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "30 25 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
const char* kHybridSelf =
    "8:pids:/\n4:memory:/process_api/abc\n2:cpuacct:/\n1:cpu:/\n0::/\n";

const char* kV2Mountinfo = "30 1 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";

FileReader fake(std::map<std::string, std::string> files) {
    return [files](const std::string& p) -> std::optional<std::string> {
        auto it = files.find(p);
        if (it == files.end()) return std::nullopt;
        return it->second;
    };
}

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/cgroup-fake-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { sandbox::remove_tree(path); }
    void put(const std::string& name, const std::string& text) const { std::ofstream(path + "/" + name) << text; }
    std::string get(const std::string& name) const {
        std::ifstream in(path + "/" + name);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
    int fd() const { return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }
};

}  // namespace

TEST_CASE("hybrid host: every controller from its v1 hierarchy", "[cgroup]") {
    Layout l = detect(kHybridMountinfo, kHybridSelf, fake({{"/sys/fs/cgroup/unified/cgroup.controllers", "\n"}}));
    CHECK(l.memory.found);
    CHECK(l.memory.version == Version::v1);
    CHECK(l.memory.base == "/sys/fs/cgroup/memory/process_api/abc");
    CHECK(l.pids.base == "/sys/fs/cgroup/pids");
    CHECK(l.cpu.version == Version::v1);
    CHECK(l.cpu.base == "/sys/fs/cgroup/cpuacct");
    CHECK(l.v2_mount == "/sys/fs/cgroup/unified");
}

TEST_CASE("pure v2: boxes beneath the service's cgroup", "[cgroup]") {
    Layout l = detect(kV2Mountinfo, "0::/system.slice/judged.service\n",
                      fake({{"/sys/fs/cgroup/system.slice/judged.service/cgroup.controllers", "cpu memory pids\n"}}));
    CHECK(l.memory.version == Version::v2);
    CHECK(l.memory.base == "/sys/fs/cgroup/system.slice/judged.service");
    CHECK(l.pids.found);
    CHECK(l.cpu.found);
}

TEST_CASE("v2: a restarted service inside its own leaf still places boxes beside it", "[cgroup]") {
    Layout l = detect(kV2Mountinfo, "0::/svc/judge-service\n",
                      fake({{"/sys/fs/cgroup/svc/cgroup.controllers", "memory pids\n"}}));
    CHECK(l.memory.base == "/sys/fs/cgroup/svc");
}

TEST_CASE("v2 without delegated controllers reports them missing", "[cgroup]") {
    Layout l = detect(kV2Mountinfo, "0::/user.slice\n", fake({{"/sys/fs/cgroup/user.slice/cgroup.controllers", "cpu\n"}}));
    CHECK_FALSE(l.memory.found);
    CHECK_FALSE(l.pids.found);
    CHECK(l.cpu.found);  // cpu.stat needs no controller
}

TEST_CASE("mixed host: memory on v2, pids on v1", "[cgroup]") {
    std::string mi = std::string(kV2Mountinfo) + "31 1 0:28 / /sys/fs/cgroup-v1/pids rw - cgroup cgroup rw,pids\n";
    Layout l = detect(mi, "3:pids:/x\n0::/svc\n", fake({{"/sys/fs/cgroup/svc/cgroup.controllers", "memory\n"}}));
    CHECK(l.memory.version == Version::v2);
    CHECK(l.pids.version == Version::v1);
    CHECK(l.pids.base == "/sys/fs/cgroup-v1/pids/x");
}

TEST_CASE("combined cpu,cpuacct v1 mount and a mount rooted below /", "[cgroup]") {
    const char* mi = "26 25 0:23 /docker/ctr /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n";
    Layout l = detect(mi, "2:cpu,cpuacct:/docker/ctr/sub\n", fake({}));
    CHECK(l.cpu.base == "/sys/fs/cgroup/cpu,cpuacct/sub");
    CHECK_FALSE(l.memory.found);
}

TEST_CASE("v1 backend writes limits and reads stats from a fake tree", "[cgroup]") {
    TempDir d;
    d.put("memory.limit_in_bytes", "");
    d.put("memory.memsw.limit_in_bytes", "");
    d.put("pids.max", "");
    d.put("cpuacct.usage", "123456789\n");
    d.put("memory.max_usage_in_bytes", "4096000\n");
    d.put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    sandbox::Fd fd(d.fd());
    v1::set_limits(fd.get(), Limits{64 << 20, 17}, true, true);
    CHECK(d.get("memory.limit_in_bytes") == "67108864");
    CHECK(d.get("memory.memsw.limit_in_bytes") == "67108864");
    CHECK(d.get("pids.max") == "17");
    sandbox::Fd usage = v1::open_cpu_usage(fd.get());
    CHECK(v1::cpu_usage_ns(usage.get()) == 123456789u);
    d.put("cpuacct.usage", "987\n");  // the open file is re-read from its start
    CHECK(v1::cpu_usage_ns(usage.get()) == 987u);
    CHECK(v1::memory_peak(fd.get()) == 4096000u);
    CHECK(v1::oom_kills(fd.get()) == 2u);
}

TEST_CASE("v1 backend without swap accounting still limits memory", "[cgroup]") {
    TempDir d;
    d.put("memory.limit_in_bytes", "");
    sandbox::Fd fd(d.fd());
    v1::set_limits(fd.get(), Limits{8 << 20, 4}, true, false);
    CHECK(d.get("memory.limit_in_bytes") == "8388608");
}

TEST_CASE("v1 backend: a missing required file is an error naming it", "[cgroup]") {
    TempDir d;
    sandbox::Fd fd(d.fd());
    CHECK_THROWS_WITH(v1::set_limits(fd.get(), Limits{8 << 20, 4}, false, true), Catch::Contains("pids.max"));
}

TEST_CASE("v2 backend writes limits and reads stats from a fake tree", "[cgroup]") {
    TempDir d;
    for (const char* f : {"memory.max", "memory.swap.max", "memory.oom.group", "pids.max", "cgroup.kill"}) d.put(f, "");
    d.put("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    d.put("memory.peak", "1048576\n");
    d.put("memory.current", "4096\n");
    d.put("memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n");
    sandbox::Fd fd(d.fd());
    v2::set_limits(fd.get(), Limits{32 << 20, 9}, true, true);
    CHECK(d.get("memory.max") == "33554432");
    CHECK(d.get("memory.swap.max") == "0");
    CHECK(d.get("memory.oom.group") == "1");
    CHECK(d.get("pids.max") == "9");
    sandbox::Fd usage = v2::open_cpu_usage(fd.get());
    CHECK(v2::cpu_usage_ns(usage.get()) == 1'500'000u);
    d.put("cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
    CHECK(v2::cpu_usage_ns(usage.get()) == 2'500'000u);
    CHECK(v2::memory_peak(fd.get()) == std::optional<std::uint64_t>(1048576));
    CHECK(v2::memory_current(fd.get()) == 4096u);
    CHECK(v2::oom_kills(fd.get()) == 1u);
    v2::kill(fd.get());
    CHECK(d.get("cgroup.kill") == "1");
}

TEST_CASE("v2 backend before 5.19: no memory.peak", "[cgroup]") {
    TempDir d;
    sandbox::Fd fd(d.fd());
    CHECK_FALSE(v2::memory_peak(fd.get()).has_value());
}

TEST_CASE("parse_key finds keys and ignores others", "[cgroup]") {
    CHECK(parse_key("a 1\noom_kill 7\n", "oom_kill") == std::optional<std::uint64_t>(7));
    CHECK_FALSE(parse_key("oom 3\n", "oom_kill").has_value());
}

// What a killed process leaves for the next owner of its box slot: folders
// in every hierarchy. On a hybrid host those are separate folders, and
// clearing one must not take this box's others with it.
TEST_CASE("a box cgroup takes over the folders a dead owner left in each hierarchy", "[cgroup][root]") {
    JUDGE_SKIP_UNLESS_ROOT("real cgroups need root");
    const sandbox::cgroup::Layout& l = sandbox::cgroup::host_layout();
    const std::string name = "judge-test-stale-" + std::to_string(::getpid());
    const sandbox::cgroup::Placement* all[] = {&l.memory, &l.pids, &l.cpu};
    for (const auto* p : all) {
        const std::string path = p->base + "/" + name;
        REQUIRE((::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST));  // v2: one folder for all three
    }
    {
        sandbox::cgroup::BoxCgroup cg(l, name);
        CHECK(cg.oom_kills() == 0);
        CHECK_NOTHROW(cg.memory_peak());
        CHECK_NOTHROW(cg.cpu_usage_ns());
        for (const auto* p : all) CHECK(::access((p->base + "/" + name + "/cgroup.procs").c_str(), F_OK) == 0);
    }
    for (const auto* p : all) CHECK(::access((p->base + "/" + name).c_str(), F_OK) != 0);
}
