#include "sandbox/sandbox.hpp"

#include <catch2/catch.hpp>

#include "sandbox/init_protocol.hpp"

using sandbox::RunSpec;

namespace {
RunSpec good() {
    RunSpec s;
    s.argv = {"./prog"};
    return s;
}
}  // namespace

TEST_CASE("a default spec with a program is valid", "[runspec]") { CHECK_NOTHROW(sandbox::validate(good())); }

TEST_CASE("invalid specs are refused naming the field", "[runspec]") {
    struct Case {
        const char* field;
        void (*mutate)(RunSpec&);
    };
    const Case cases[] = {
        {"argv", [](RunSpec& s) { s.argv.clear(); }},
        {"argv", [](RunSpec& s) { s.argv = {""}; }},
        {"env", [](RunSpec& s) { s.env = {"NOEQUALS"}; }},
        {"env", [](RunSpec& s) { s.env = {"=x"}; }},
        {"cpu_time_ms", [](RunSpec& s) { s.cpu_time_ms = 0; }},
        {"cpu_time_ms", [](RunSpec& s) { s.cpu_time_ms = 3'600'001; }},
        {"wall_time_ms", [](RunSpec& s) { s.wall_time_ms = 7'200'001; }},
        {"memory_bytes", [](RunSpec& s) { s.memory_bytes = 1 << 20; }},
        {"memory_bytes", [](RunSpec& s) { s.memory_bytes = 65ull << 30; }},
        {"pids_max", [](RunSpec& s) { s.pids_max = 0; }},
        {"pids_max", [](RunSpec& s) { s.pids_max = 5000; }},
        {"output_bytes", [](RunSpec& s) { s.output_bytes = 0; }},
        {"open_files", [](RunSpec& s) { s.open_files = 2; }},
        {"stack_bytes", [](RunSpec& s) { s.stack_bytes = 1024; }},
        {"binds", [](RunSpec& s) { s.binds = {{"relative", "", false}}; }},
        {"binds", [](RunSpec& s) { s.binds = {{"/opt", "/", false}}; }},
        {"binds", [](RunSpec& s) { s.binds = {{"/opt", "/proc/x", false}}; }},
        {"binds", [](RunSpec& s) { s.binds = {{"/opt", "/box", true}}; }},
        {"binds", [](RunSpec& s) { s.binds = {{"/opt", "/a/../etc", false}}; }},
        {"workdir", [](RunSpec& s) { s.workdir = "relative/dir"; }},
    };
    for (const auto& c : cases) {
        RunSpec s = good();
        c.mutate(s);
        INFO(c.field);
        CHECK_THROWS_WITH(sandbox::validate(s), Catch::Contains(c.field));
    }
}

TEST_CASE("an invalid spec throws from run() before touching the host", "[runspec]") {
    RunSpec s;
    CHECK_THROWS_AS(sandbox::run(s), std::invalid_argument);
}

TEST_CASE("init config survives the wire and malformed buffers are refused", "[runspec]") {
    sandbox::proto::InitConfig c;
    c.uid = 200007;
    c.gid = 200007;
    c.tmp_bytes = 1 << 20;
    c.rlimit_stack = 123;
    c.hostname = "box";
    c.workdir = "/w";
    c.argv = {"./a", "b c", ""};
    c.env = {"A=1"};
    c.binds = {{"/usr", "/usr", false, true}, {"/data", "/in", true, false}};
    c.bpf = {1, 2, 3, 4, 5, 6, 7, 8};
    auto wire = sandbox::proto::encode(c);
    sandbox::proto::InitConfig d;
    REQUIRE(sandbox::proto::decode(wire.data(), wire.size(), d));
    CHECK(d.uid == 200007);
    CHECK(d.hostname == "box");
    CHECK(d.argv == c.argv);
    CHECK(d.env == c.env);
    REQUIRE(d.binds.size() == 2);
    CHECK(d.binds[1].box == "/in");
    CHECK(d.binds[1].writable);
    CHECK_FALSE(d.binds[1].optional);
    CHECK(d.bpf == c.bpf);
    for (std::size_t cut : {std::size_t{0}, std::size_t{7}, wire.size() / 2, wire.size() - 1}) {
        sandbox::proto::InitConfig e;
        INFO(cut);
        CHECK_FALSE(sandbox::proto::decode(wire.data(), cut, e));
    }
}

TEST_CASE("results serialise as the CLI's JSON object", "[runspec]") {
    sandbox::RunResult r;
    r.status = sandbox::Status::syscall_violation;
    r.cpu_time_us = 1500;
    r.wall_time_us = 2000;
    r.memory_bytes = 4096;
    r.message = "forbidden \"x\"\n";
    CHECK(sandbox::to_json(r) ==
          "{\"status\":\"syscall_violation\",\"exit_code\":0,\"signal\":0,\"cpu_time_ms\":1.500,"
          "\"wall_time_ms\":2.000,\"memory_kb\":4,\"message\":\"forbidden \\\"x\\\"\\u000a\"}");
}
