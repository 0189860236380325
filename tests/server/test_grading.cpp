#include "server/grading.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "server/base64.hpp"
#include "server/callbacks.hpp"
#include "server/metrics.hpp"

using server::Record;

namespace {

judge::TestResult test(judge::Verdict v, std::string name = "run1") {
    judge::TestResult t;
    t.name = std::move(name);
    t.verdict.verdict = v;
    t.cpu_time_us = 12'000;
    t.wall_time_us = 20'000;
    t.memory_bytes = 3 << 20;
    t.stdout_excerpt = "out\n";
    return t;
}

}  // namespace

TEST_CASE("a compile error shows the compiler's output and status 6", "[grading]") {
    Record r;
    judge::JudgeResult res;
    res.verdict = judge::Verdict::compilation_error;
    res.compile.kind = judge::CompileOutcome::Kind::compilation_error;
    res.compile.message = "main.c:1: error: expected ';'";
    server::apply_result(r, res);
    CHECK(r.status_id == 6);
    CHECK(r.compile_output == res.compile.message);
    CHECK_FALSE(r.stdout_data);
    CHECK(nlohmann::json::parse(r.verdict_json)["short"] == "CE");
}

TEST_CASE("the judge's own failure is Internal Error with its message, never the program's verdict", "[grading]") {
    Record r;
    judge::JudgeResult res;
    res.verdict = judge::Verdict::internal_error;
    res.compile.kind = judge::CompileOutcome::Kind::internal_error;
    res.compile.message = "sandbox: clone: EPERM";
    server::apply_result(r, res);
    CHECK(r.status_id == 13);
    CHECK(r.message == "sandbox: clone: EPERM");
    CHECK_FALSE(r.compile_output);
}

TEST_CASE("runs map to Judge0 statuses and messages", "[grading]") {
    struct Case {
        judge::Verdict v;
        int signal, exit_code;
        int status;
        std::optional<std::string> message;
    };
    const Case cases[] = {
        {judge::Verdict::accepted, 0, 0, 3, std::nullopt},
        {judge::Verdict::wrong_answer, 0, 0, 4, std::nullopt},
        {judge::Verdict::time_limit_exceeded, 0, 0, 5, "Time limit exceeded"},
        {judge::Verdict::memory_limit_exceeded, 0, 0, 12, "Memory limit exceeded"},
        {judge::Verdict::output_limit_exceeded, 0, 0, 8, "Output limit exceeded"},
        {judge::Verdict::runtime_error, 11, 0, 7, "Caught fatal signal 11"},
        {judge::Verdict::runtime_error, 8, 0, 9, "Caught fatal signal 8"},
        {judge::Verdict::runtime_error, 6, 0, 10, "Caught fatal signal 6"},
        {judge::Verdict::runtime_error, 0, 3, 11, "Exited with error status 3"},
    };
    for (const auto& c : cases) {
        Record r;
        judge::JudgeResult res;
        res.compile.kind = judge::CompileOutcome::Kind::ok;
        res.verdict = c.v;
        auto t = test(c.v);
        t.verdict.signal = c.signal;
        t.verdict.exit_code = c.exit_code;
        t.signal = c.signal;
        t.exit_code = c.exit_code;
        res.tests.push_back(t);
        server::apply_result(r, res);
        INFO(judge::to_string(c.v) << " signal " << c.signal);
        CHECK(r.status_id == c.status);
        CHECK(r.message == c.message);
        CHECK(r.stdout_data == std::optional<std::string>("out\n"));
        CHECK(r.time == Approx(0.012));
        CHECK(r.memory == 3072);
        if (c.signal) {
            CHECK(r.exit_signal == c.signal);
            CHECK_FALSE(r.exit_code);
        } else {
            CHECK(r.exit_code == c.exit_code);
        }
    }
}

TEST_CASE("number_of_runs: the first failing run decides, times are means", "[grading]") {
    Record r;
    judge::JudgeResult res;
    res.compile.kind = judge::CompileOutcome::Kind::ok;
    auto a = test(judge::Verdict::accepted, "run1");
    auto b = test(judge::Verdict::wrong_answer, "run2");
    b.cpu_time_us = 30'000;
    auto c = test(judge::Verdict::accepted, "run3");
    c.skipped = true;
    res.tests = {a, b, c};
    res.verdict = judge::Verdict::wrong_answer;
    server::apply_result(r, res);
    CHECK(r.status_id == 4);
    CHECK(r.time == Approx(0.021));
}

TEST_CASE("multi-test submissions get per-test results and the worst verdict", "[grading]") {
    Record r;
    r.tests_json = R"([{"stdin_b64":"MQ=="},{"stdin_b64":"Mg=="}])";
    judge::JudgeResult res;
    res.compile.kind = judge::CompileOutcome::Kind::ok;
    auto a = test(judge::Verdict::wrong_answer, "test1");
    auto b = test(judge::Verdict::memory_limit_exceeded, "test2");
    b.memory_bytes = 64 << 20;
    b.stdout_excerpt = std::string("\xff\x00", 2);
    res.tests = {a, b};
    res.verdict = judge::Verdict::memory_limit_exceeded;
    server::apply_result(r, res);
    CHECK(r.status_id == 12);
    CHECK(r.memory == 65536);
    const auto v = nlohmann::json::parse(r.verdict_json);
    CHECK(v["short"] == "MLE");
    const auto t = nlohmann::json::parse(r.test_results_json);
    REQUIRE(t.size() == 2);
    CHECK(t[0]["verdict"]["short"] == "WA");
    CHECK(t[1]["status"]["id"] == 12);
    CHECK(server::base64::decode(t[1]["stdout_b64"].get<std::string>()) == std::string("\xff\x00", 2));
}

TEST_CASE("to_judge_submission turns Judge0 units into the judge's", "[grading]") {
    judge::LoadOptions lo;
    const auto catalog = judge::Catalog::parse(R"json([{"key":"py","ids":[71],"name_template":"Python ({version})",
        "version_cmd":["/bin/echo","3.11.2"],"version_regex":"([0-9.]+)","source_file":"main.py",
        "compile":null,"binary":null,"run":["/usr/bin/python3","{source}","{args}"],"binds":[],"env":[],
        "time_multiplier":1,"memory_extra_mb":0,"processes":1,"compile_processes":1,"heap_flag":null,"notes":"test"}])json",
                                               "test", lo);
    char tmpl[] = "/tmp/grading-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    const std::string dir = tmpl;
    server::Config cfg;
    Record r;
    r.language_id = 71;
    r.source_code = "print(1)";
    r.cpu_time_limit = 2.5;
    r.cpu_extra_time = 0.5;
    r.wall_time_limit = 7;
    r.memory_limit = 65536;
    r.max_file_size = 100;
    r.number_of_runs = 3;
    r.command_line_arguments = "a 'b c'";
    r.stdin_data = "in";
    r.expected_output = "1";
    const judge::Submission s = server::to_judge_submission(r, catalog, cfg, dir);
    CHECK(s.limits.cpu_time_ms == 2500);
    CHECK(s.limits.extra_time_ms == 500);
    CHECK(s.limits.wall_time_ms == 7000);
    CHECK(s.limits.memory_bytes == 64ull << 20);
    CHECK(s.limits.output_bytes == 100 * 1024);
    CHECK(s.tests.size() == 3);
    CHECK(s.stop_at_first_failure);
    CHECK(s.compare_output);
    CHECK(s.toolchain.run == std::vector<std::string>{"/usr/bin/python3", "main.py", "a", "b c"});
    CHECK_FALSE(s.limits.network);
    r.language_id = 50;
    CHECK_THROWS_AS(server::to_judge_submission(r, catalog, cfg, dir + "/x"), std::invalid_argument);
    std::filesystem::remove_all(dir);
}

TEST_CASE("callback URLs: plain http only", "[callbacks]") {
    server::ParsedUrl u;
    REQUIRE(server::parse_http_url("http://127.0.0.1:8080/hook?x=1", &u));
    CHECK((u.host == "127.0.0.1" && u.port == "8080" && u.target == "/hook?x=1"));
    REQUIRE(server::parse_http_url("http://example.org", &u));
    CHECK((u.host == "example.org" && u.port == "80" && u.target == "/"));
    REQUIRE(server::parse_http_url("http://[::1]:9/x#frag", &u));
    CHECK((u.host == "::1" && u.port == "9" && u.target == "/x"));
    for (const char* bad : {"https://x/", "ftp://x", "http://", "http://user@x/", "http://x:0/", "http://x:99999/",
                            "http://x/a b", "http://x:12ab/"})
        CHECK_FALSE(server::parse_http_url(bad, &u));
}

TEST_CASE("metrics render in Prometheus text format", "[metrics]") {
    server::Metrics m;
    m.add_gauge("judged_queue_depth", "Submissions In Queue.", [] { return 3.0; });
    m.http_request(201);
    m.finished(3, 71, 0.2, 0.1);
    m.callback_failure();
    const std::string t = m.render();
    CHECK_THAT(t, Catch::Contains("judged_http_requests_total{code=\"201\"} 1"));
    CHECK_THAT(t, Catch::Contains("judged_submissions_total{status=\"3\",language=\"71\"} 1"));
    CHECK_THAT(t, Catch::Contains("judged_submission_latency_seconds_bucket{le=\"0.25\"} 1"));
    CHECK_THAT(t, Catch::Contains("judged_submission_latency_seconds_bucket{le=\"0.1\"} 0"));
    CHECK_THAT(t, Catch::Contains("judged_callback_failures_total 1"));
    CHECK_THAT(t, Catch::Contains("judged_queue_depth 3"));
}
