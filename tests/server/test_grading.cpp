#include "server/work/grading.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "judge/contest.hpp"
#include "judge/problem.hpp"
#include "sandbox/fs_safe.hpp"
#include "server/judge0/base64.hpp"
#include "server/work/callbacks.hpp"
#include "server/judge0/judge0.hpp"
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

void write_text(const std::string& path, const std::string& content) {
    for (std::size_t p = path.find('/', 1); p != std::string::npos; p = path.find('/', p + 1))
        ::mkdir(path.substr(0, p).c_str(), 0755);
    std::ofstream(path, std::ios::binary) << content;
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

TEST_CASE("the judge's own failure is Internal Error with its message, never the program's verdict",
          "[grading][root]") {
    if (::geteuid() != 0) {
        WARN("skipped: runs a checker in the sandbox: needs root");
        return;
    }
    // A real checker failure: the contestant's program runs to its end with
    // a wrong answer (its own verdict would be WA, status 4), then the
    // problem's testlib checker aborts. The sandbox reports the checker's
    // signal; the result must be the judge's failure (13), not WA, nor the
    // Accepted a checker's "exit" of 0 would read as.
    char dir_template[] = "/tmp/judge-grading-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    const std::string dir = dir_template;
    struct Cleanup {
        std::string dir;
        ~Cleanup() { sandbox::remove_tree(dir); }
    } cleanup{dir};
    const std::string root = dir + "/problem";
    write_text(root + "/problem.yaml",
               "problem_format_version: 2023-07-draft\nname: Crashing checker\ntype: pass-fail\n"
               "limits:\n  time_limit: 1\njudged:\n  checker_protocol: testlib\n");
    write_text(root + "/output_validator/checker.cpp", "#include <cstdlib>\nint main() { std::abort(); }\n");
    write_text(root + "/data/secret/1.in", "1\n");
    write_text(root + "/data/secret/1.ans", "2\n");
    const judge::Catalog catalog = judge::Catalog::load(std::string(JUDGE_SOURCE_DIR) + "/schema/languages.json");
    judge::Judge j(judge::JudgeOptions{dir + "/work", dir + "/cache", 256ull << 20, 1024, judge::WorkBound{}});
    const judge::Problem p = judge::load_problem(root);
    const judge::Language* cpp = catalog.by_key("cpp17");
    REQUIRE(cpp != nullptr);
    judge::Submission s;
    s.toolchain = catalog.toolchain(*cpp);
    s.source = "#include <cstdio>\nint main() { std::puts(\"1\"); }\n";

    const judge::ContestResult res = judge::grade(j, catalog, p, s);
    REQUIRE(res.tests.size() == 1);
    CHECK(res.tests[0].run.verdict.verdict == judge::Verdict::internal_error);
    CHECK(res.tests[0].run.exit_code == 0);  // the program itself finished normally
    Record r;
    server::apply_contest_result(r, res, p);
    CHECK(r.status_id == 13);
    REQUIRE(r.message);
    CHECK(r.message->find("checker signaled (SIGABRT)") != std::string::npos);
    CHECK(nlohmann::json::parse(r.verdict_json)["short"] == "IE");
    CHECK(nlohmann::json::parse(r.problem_result_json)["verdict"] == "IE");
}

TEST_CASE("Judge0 status ids: the one table", "[grading]") {
    using judge::CompareOutcome;
    using judge::CompareResult;
    using judge::Verdict;
    using sandbox::Status;
    auto run = [](Status st, int exit_code = 0, int sig = 0) {
        sandbox::RunResult r;
        r.status = st;
        r.exit_code = exit_code;
        r.signal = sig;
        return r;
    };
    auto id = [](const sandbox::RunResult& r, std::optional<CompareResult> cmp = std::nullopt) {
        return server::judge0::status_id(judge::verdict_of_run(r, cmp));
    };
    const CompareResult accepted{CompareOutcome::accepted, ""};
    const CompareResult wrong{CompareOutcome::wrong_answer, "x"};
    const CompareResult presentation{CompareOutcome::presentation_error, "x"};
    CHECK(id(run(Status::ok), accepted) == 3);
    CHECK(id(run(Status::ok)) == 3);
    CHECK(id(run(Status::ok), wrong) == 4);
    CHECK(id(run(Status::ok), presentation) == 4);  // Judge0 has no PE
    CHECK(id(run(Status::time_limit)) == 5);
    CHECK(id(run(Status::wall_time_limit)) == 5);
    CHECK(server::judge0::status_id(*judge::verdict_of_compile(run(Status::runtime_error, 1))) == 6);
    CHECK(id(run(Status::signaled, 0, SIGSEGV)) == 7);
    CHECK(id(run(Status::signaled, 0, SIGXFSZ)) == 8);
    CHECK(id(run(Status::output_limit)) == 8);  // Judge0 reports an exceeded output limit as SIGXFSZ
    CHECK(id(run(Status::signaled, 0, SIGFPE)) == 9);
    CHECK(id(run(Status::signaled, 0, SIGABRT)) == 10);
    CHECK(id(run(Status::runtime_error, 1)) == 11);
    CHECK(id(run(Status::runtime_error, 139)) == 11);  // an exit code, even one that looks like a signal
    CHECK(id(run(Status::signaled, 0, SIGKILL)) == 12);
    CHECK(id(run(Status::signaled, 0, SIGBUS)) == 12);
    sandbox::RunResult refused = run(Status::syscall_violation);
    refused.refused_syscall = 101;
    refused.refused_syscall_name = "ptrace";
    CHECK(id(refused) == 12);
    CHECK(id(run(Status::memory_limit)) == 12);  // Judge0: 12 with message "Memory limit exceeded"
    CHECK(id(run(Status::internal_error)) == 13);
    for (Verdict v : {Verdict::accepted, Verdict::wrong_answer, Verdict::presentation_error,
                      Verdict::time_limit_exceeded, Verdict::memory_limit_exceeded, Verdict::output_limit_exceeded,
                      Verdict::runtime_error, Verdict::compilation_error, Verdict::internal_error}) {
        const int i = server::judge0::status_id({v, "", 0, 0});
        CHECK(i >= 3);
        CHECK(i <= 13);
        CHECK(server::status_description(i) != nullptr);
    }
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

TEST_CASE("callback URLs: http and https, their default ports, nothing else", "[callbacks]") {
    server::ParsedUrl u;
    REQUIRE(server::parse_http_url("http://127.0.0.1:8080/hook?x=1", &u));
    CHECK((u.host == "127.0.0.1" && u.port == "8080" && u.target == "/hook?x=1"));
    REQUIRE(server::parse_http_url("http://example.org", &u));
    CHECK((u.host == "example.org" && u.port == "80" && u.target == "/"));
    REQUIRE(server::parse_http_url("http://[::1]:9/x#frag", &u));
    CHECK((u.host == "::1" && u.port == "9" && u.target == "/x"));
    CHECK_FALSE(u.tls);
    REQUIRE(server::parse_http_url("https://hooks.example/judge?x=1", &u));
    CHECK((u.tls && u.host == "hooks.example" && u.port == "443" && u.target == "/judge?x=1"));
    REQUIRE(server::parse_http_url("https://[2001:db8::1]:8443", &u));
    CHECK((u.tls && u.host == "2001:db8::1" && u.port == "8443" && u.target == "/"));
    for (const char* bad : {"ftp://x", "http://", "https://", "http://user@x/", "https://user@x/", "http://x:0/",
                            "http://x:99999/", "https://x:99999/", "http://x/a b", "http://x:12ab/", "httpss://x/",
                            "HTTPS//x"}) {
        INFO(bad);
        CHECK_FALSE(server::parse_http_url(bad, &u));
    }
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
