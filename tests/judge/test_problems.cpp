// Problem packages end to end: the sample packages of tests/problems/ graded
// submission by submission (each gets its category's verdict, and the
// score of expected_scores.txt where there is one), checkers that break
// their protocol (a judge error, never the contestant's verdict), interactive
// runs (a deadlock, who exited first, both precedence settings) and the
// `judge problem` / `judge verify` commands. Needs root (the sandbox);
// tagged [root].
#include "judge/contest.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "judge/checker.hpp"
#include "judge/interactive.hpp"
#include "judge/languages.hpp"
#include "judge/problem.hpp"
#include "sandbox/fs_safe.hpp"
#include "test_util.hpp"

namespace {

const std::string kProblems = std::string(JUDGE_SOURCE_DIR) + "/tests/problems";

using judge_test::read_file;

void write_file(const std::string& path, const std::string& content) {
    for (std::size_t p = path.find('/', 1); p != std::string::npos; p = path.find('/', p + 1))
        ::mkdir(path.substr(0, p).c_str(), 0755);
    std::ofstream(path, std::ios::binary) << content;
}

std::vector<std::string> sample_packages() {
    std::vector<std::string> names;
    DIR* d = ::opendir(kProblems.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        struct stat st {};
        if (n[0] != '.' && ::stat((kProblems + "/" + n + "/problem.yaml").c_str(), &st) == 0) names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

// submissions/<category>/<file> -> score, from expected_scores.txt.
std::map<std::string, double> expected_scores(const std::string& package) {
    std::map<std::string, double> m;
    std::istringstream in(read_file(kProblems + "/" + package + "/expected_scores.txt"));
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream l(line);
        std::string path;
        double score = 0;
        if (line.empty() || line[0] == '#' || !(l >> path >> score)) continue;
        m[path] = score;
    }
    return m;
}

struct Env {
    std::string dir;
    judge::Catalog catalog;
    judge::Judge judge;

    static std::string make_dir() {
        char t[] = "/tmp/judge-problems-XXXXXX";
        return ::mkdtemp(t);
    }
    Env() : Env(make_dir()) {}
    explicit Env(const std::string& d)
        : dir(d),
          catalog(judge::Catalog::load(std::string(JUDGE_SOURCE_DIR) + "/schema/languages.json")),
          judge(judge::JudgeOptions{d + "/work", d + "/cache", 256ull << 20, 1024, judge::WorkBound{}}) {}
    ~Env() { sandbox::remove_tree(dir); }

    // The first available language with the file's extension (as judge verify).
    const judge::Language* language_for(const std::string& file) const {
        std::string ext = file.substr(file.rfind('.') + 1);
        if (ext == "cc") ext = "cpp";
        for (const judge::Language* l : catalog.available())
            if (l->source_file.substr(l->source_file.rfind('.') + 1) == ext) return l;
        return nullptr;
    }

    judge::Submission submission(const std::string& key, const std::string& source) const {
        const judge::Language* l = catalog.by_key(key);
        REQUIRE(l != nullptr);
        judge::Submission s;
        s.toolchain = catalog.toolchain(*l);
        s.source = source;
        return s;
    }
};

Env& env() {
    static Env e;
    return e;
}

// Runs the judge CLI; returns its exit status and stdout.
std::pair<int, std::string> run_cli(const std::string& args) {
    const std::string data = env().dir + "/cli";
    ::mkdir(data.c_str(), 0755);
    const std::string cmd = "JUDGE_DATA_DIR=" + data + " " + std::string(JUDGE_CLI) + " " + args + " 2>/dev/null";
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int st = ::pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

bool verdict_fits(const std::string& category, judge::Verdict v, double score, double max) {
    using judge::Verdict;
    if (category == "accepted") return v == Verdict::accepted && score >= max - 1e-6;
    if (category == "wrong_answer") return v == Verdict::wrong_answer || v == Verdict::presentation_error;
    if (category == "time_limit_exceeded") return v == Verdict::time_limit_exceeded;
    if (category == "run_time_error") return v == Verdict::runtime_error;
    if (category == "partially_accepted") return score > 1e-6 && score < max - 1e-6;
    return false;
}

// A checker that does what the test's input says: "<exit code> <message>"
// (the message to stderr), or crash / hang / link / score / points.
const char* kUnrulyChecker = R"(#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
int main(int argc, char** argv) {
    if (argc < 4) return 9;
    std::ifstream in(argv[1]);
    std::string cmd, rest;
    in >> cmd;
    std::getline(in, rest);
    if (cmd == "crash") std::abort();
    if (cmd == "hang") { volatile unsigned long x = 0; for (;;) x = x + 1; }
    if (cmd == "link") {
        std::string fb = argv[3];
        if (symlink("/etc/shadow", (fb + "judgemessage.txt").c_str()) != 0) return 9;
        std::fprintf(stderr, "planted\n");
        return 43;
    }
    if (cmd == "score") { std::ofstream(std::string(argv[3]) + "score.txt") << "lots"; return 42; }
    if (cmd == "points") { std::fprintf(stderr, "points 40 partly right\n"); return 7; }
    std::fprintf(stderr, "%s\n", rest.c_str());
    return std::atoi(cmd.c_str());
}
)";

// A package in a temporary folder: one secret test per input, the checker
// above speaking `protocol`.
std::string unruly_package(const std::string& name, const std::string& protocol,
                           const std::vector<std::string>& inputs, const std::string& checker = kUnrulyChecker) {
    const std::string root = env().dir + "/" + name;
    write_file(root + "/problem.yaml", "problem_format_version: 2023-07-draft\nname: Unruly\ntype: pass-fail\n"
                                       "limits:\n  time_limit: 1\njudged:\n  checker_protocol: " +
                                           protocol + "\n");
    write_file(root + "/output_validator/checker.cpp", checker);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        const std::string t = root + "/data/secret/" + std::to_string(10 + i);
        write_file(t + ".in", inputs[i] + "\n");
        write_file(t + ".ans", "answer\n");
    }
    return root;
}

judge::ProblemTest find_test(const judge::Problem& p, const std::string& suffix) {
    for (const auto& g : p.groups)
        for (const auto& t : g.tests)
            if (t.name.size() >= suffix.size() && t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) == 0)
                return t;
    FAIL("no test " << suffix);
    return {};
}

}  // namespace

TEST_CASE("sample packages: every submission gets its category's verdict and expected score",
          "[root][problems][packages]") {
    SKIP_UNLESS_ROOT();
    Env& e = env();
    const std::vector<std::string> packages = sample_packages();
    for (const char* required : {"aplusb", "floats", "divisor", "kattis-validator", "cms-partial", "guess", "groups"})
        CHECK(std::find(packages.begin(), packages.end(), required) != packages.end());
    for (const std::string& name : packages) {
        const judge::Problem p = judge::load_problem(kProblems + "/" + name);
        const auto scores = expected_scores(name);
        REQUIRE_FALSE(p.submissions.empty());
        for (const auto& [category, files] : p.submissions) {
            for (const std::string& file : files) {
                const std::string rel = "submissions/" + category + "/" + file.substr(file.rfind('/') + 1);
                INFO(name << ": " << rel);
                const judge::Language* l = e.language_for(file);
                REQUIRE(l != nullptr);
                judge::Submission s;
                s.toolchain = e.catalog.toolchain(*l);
                s.source = read_file(file);
                std::size_t seen = 0;
                judge::ContestOptions opts;
                opts.on_test = [&](const judge::ContestTestResult&) { ++seen; };
                const judge::ContestResult r = judge::grade(e.judge, e.catalog, p, s, opts);
                INFO("verdict " << judge::to_string(r.verdict) << ", score " << r.score.score << " / "
                                << r.score.max_score);
                CHECK(seen == r.tests.size());
                CHECK(verdict_fits(category, r.verdict, r.score.score, r.score.max_score));
                if (const auto it = scores.find(rel); it != scores.end()) CHECK(r.score.score == Approx(it->second));
                for (const auto& t : r.tests)
                    if (!t.run.skipped) CHECK(t.run.verdict.verdict != judge::Verdict::internal_error);
            }
        }
    }
}

TEST_CASE("a testlib checker that fails, crashes or breaks its protocol is an Internal Error, never WA",
          "[root][problems][checker]") {
    SKIP_UNLESS_ROOT();
    Env& e = env();
    const std::string root = unruly_package(
        "unruly-testlib", "testlib",
        {"0 fine", "1 wrong", "2 format", "3 FAIL jury data broken", "crash", "5 weird", "points", "hang"});
    const judge::Problem p = judge::load_problem(root);
    const judge::CheckerRunner checker(e.judge, e.catalog, p, judge::CheckerLimits{500, 2000, 256ull << 20});
    write_file(e.dir + "/output.txt", "whatever\n");
    auto check = [&](const std::string& test) { return checker.check(find_test(p, test), e.dir + "/output.txt", {}); };

    CHECK(check("10").verdict == judge::Verdict::accepted);
    CHECK(check("11").verdict == judge::Verdict::wrong_answer);
    CHECK(check("11").message == "wrong");
    CHECK(check("12").verdict == judge::Verdict::presentation_error);
    const judge::CheckResult fail = check("13");
    CHECK(fail.verdict == judge::Verdict::internal_error);
    CHECK(fail.message.find("jury data broken") != std::string::npos);
    CHECK(check("14").verdict == judge::Verdict::internal_error);  // SIGABRT
    CHECK(check("15").verdict == judge::Verdict::internal_error);  // exit 5
    const judge::CheckResult points = check("16");                  // points 40, percent by default
    CHECK(points.verdict == judge::Verdict::wrong_answer);
    REQUIRE(points.fraction);
    CHECK(*points.fraction == Approx(0.4));
    CHECK(check("17").verdict == judge::Verdict::internal_error);  // over the checker's CPU limit

    // Graded as a whole, the checker's failure is the problem's verdict:
    // Internal Error, not the contestant's Wrong Answer.
    const judge::Problem failing = judge::load_problem(unruly_package("unruly-fail", "testlib", {"0 fine", "3 FAIL broken"}));
    const judge::ContestResult r = judge::grade(e.judge, e.catalog, failing,
                                                e.submission("cpp17", "#include <cstdio>\nint main(){std::puts(\"x\");}\n"));
    CHECK(r.verdict == judge::Verdict::internal_error);
    REQUIRE(r.tests.size() == 2);
    CHECK(r.tests[0].run.verdict.verdict == judge::Verdict::accepted);
    CHECK(r.tests[1].run.verdict.verdict == judge::Verdict::internal_error);
    CHECK(r.tests[1].check.message.find("broken") != std::string::npos);

    CHECK(judge::testlib_points("points 12.5 ok") == Approx(12.5));
    CHECK_FALSE(judge::testlib_points("ok points 12"));
    CHECK_FALSE(judge::testlib_points("points many"));
}

TEST_CASE("a Kattis validator's bad exit codes, planted links and bad score files are judge errors",
          "[root][problems][checker]") {
    SKIP_UNLESS_ROOT();
    Env& e = env();
    const std::string root =
        unruly_package("unruly-kattis", "kattis", {"42 fine", "43 nope", "0 zero", "link", "score", "crash"});
    const judge::Problem p = judge::load_problem(root);
    const judge::CheckerRunner checker(e.judge, e.catalog, p);
    write_file(e.dir + "/output.txt", "whatever\n");
    auto check = [&](const std::string& test) { return checker.check(find_test(p, test), e.dir + "/output.txt", {}); };

    CHECK(check("10").verdict == judge::Verdict::accepted);
    const judge::CheckResult nope = check("11");
    CHECK(nope.verdict == judge::Verdict::wrong_answer);
    CHECK(nope.message == "nope");  // no judgemessage.txt: stderr
    CHECK(check("12").verdict == judge::Verdict::internal_error);  // exit 0 is not a Kattis verdict
    const judge::CheckResult link = check("13");
    CHECK(link.verdict == judge::Verdict::wrong_answer);
    CHECK(link.message == "planted");  // the link is refused, never followed
    CHECK(check("14").verdict == judge::Verdict::internal_error);  // score.txt "lots"
    CHECK(check("15").verdict == judge::Verdict::internal_error);  // crash
}

TEST_CASE("a CMS checker without a fraction is a judge error; one that does not compile is the package's",
          "[root][problems][checker]") {
    SKIP_UNLESS_ROOT();
    Env& e = env();
    const std::string root = unruly_package("unruly-cms", "cms", {"0 no fraction on stdout", "1 exit one"});
    const judge::Problem p = judge::load_problem(root);
    const judge::CheckerRunner checker(e.judge, e.catalog, p);
    write_file(e.dir + "/output.txt", "whatever\n");
    CHECK(checker.check(find_test(p, "10"), e.dir + "/output.txt", {}).verdict == judge::Verdict::internal_error);
    CHECK(checker.check(find_test(p, "11"), e.dir + "/output.txt", {}).verdict == judge::Verdict::internal_error);

    const std::string broken = unruly_package("broken-checker", "testlib", {"0 fine"}, "this is not C++\n");
    const judge::Problem b = judge::load_problem(broken);
    CHECK_THROWS_AS(judge::CheckerRunner(e.judge, e.catalog, b), judge::ProblemError);
    CHECK_THROWS_AS(judge::grade(e.judge, e.catalog, b, e.submission("cpp17", "int main(){}\n")), judge::ProblemError);
}

TEST_CASE("interactive: a deadlock ends at the contestant's wall limit as TLE; both precedences on one run",
          "[root][problems][interactive]") {
    SKIP_UNLESS_ROOT();
    Env& e = env();
    judge::Problem p = judge::load_problem(kProblems + "/guess");
    REQUIRE(p.interactive);
    REQUIRE(p.precedence == judge::InteractivePrecedence::validator_first);
    const judge::CheckerRunner checker(e.judge, e.catalog, p);
    const judge::ProblemTest test = p.groups.back().tests.front();
    auto prepare = [&](const std::string& source) {
        judge::Submission s = e.submission("cpp17", source);
        s.limits.cpu_time_ms = 1000;
        s.limits.memory_bytes = 256ull << 20;
        auto a = e.judge.compile(s);
        REQUIRE(a->outcome.kind == judge::CompileOutcome::Kind::ok);
        return std::make_pair(s, a);
    };

    SECTION("a contestant that waits for the interactor, which waits for it") {
        auto [s, a] = prepare("#include <iostream>\nint main(){ long x; std::cin >> x; std::cout << x << std::endl; }\n");
        const judge::InteractiveResult r = judge::run_interactive(e.judge, s, *a, checker, p, test, {});
        CHECK(r.contestant.verdict.verdict == judge::Verdict::time_limit_exceeded);
        CHECK(r.contestant.verdict.detail == "wall");
        CHECK(r.contestant_exited_first);
        // The contestant's wall limit: 2 x 1 s + 1 s.
        CHECK(r.contestant.wall_time_us >= 2'900'000);
        CHECK(r.contestant.wall_time_us < 6'000'000);
        // The interactor saw the end of its input and said so; no judge error.
        CHECK(r.interactor.verdict == judge::Verdict::wrong_answer);
    }

    SECTION("the validator says WA first, then the contestant runs out of CPU time") {
        auto [s, a] = prepare(
            "#include <iostream>\nint main(){ std::cout << 0 << std::endl;"
            " volatile unsigned long x = 0; for (;;) x = x + 1; }\n");
        const judge::InteractiveResult r = judge::run_interactive(e.judge, s, *a, checker, p, test, {});
        CHECK_FALSE(r.contestant_exited_first);
        CHECK(r.interactor.verdict == judge::Verdict::wrong_answer);
        CHECK(r.contestant_run.status == sandbox::Status::time_limit);
        // Kattis and DOMjudge: the validator's WA stands.
        CHECK(r.contestant.verdict.verdict == judge::Verdict::wrong_answer);
        // DMOJ and CMS: the contestant's TLE wins, on the very same run.
        CHECK(judge::interactive_verdict(r.contestant_run, r.interactor_run, r.interactor.verdict,
                                         r.interactor.message, judge::InteractivePrecedence::contestant_first)
                  .verdict == judge::Verdict::time_limit_exceeded);
        CHECK(judge::interactive_verdict(r.contestant_run, r.interactor_run, r.interactor.verdict,
                                         r.interactor.message, judge::InteractivePrecedence::validator_first)
                  .verdict == judge::Verdict::wrong_answer);
        // And through grading with the setting switched.
        p.precedence = judge::InteractivePrecedence::contestant_first;
        const judge::InteractiveResult r2 = judge::run_interactive(e.judge, s, *a, checker, p, test, {});
        CHECK(r2.contestant.verdict.verdict == judge::Verdict::time_limit_exceeded);
    }

    SECTION("an interactor failure is a judge error under both settings") {
        sandbox::RunResult tle;
        tle.status = sandbox::Status::time_limit;
        sandbox::RunResult crashed;
        crashed.status = sandbox::Status::signaled;
        for (auto prec : {judge::InteractivePrecedence::validator_first, judge::InteractivePrecedence::contestant_first})
            CHECK(judge::interactive_verdict(tle, crashed, judge::Verdict::internal_error, "checker signaled", prec)
                      .verdict == judge::Verdict::internal_error);
    }
}

TEST_CASE("interactive: who exited first is the kernel's order, not the order the host threads return",
          "[root][problems][interactive]") {
    SKIP_UNLESS_ROOT();
    Env& e = env();
    // The contestant makes many files in its working folder, writes a guess
    // and exits 3 at once; the interactor reads the guess, waits 300 ms on
    // its own (not for the contestant: the host holds the pipe open) and
    // says "wrong answer". By the kernel's clock the contestant ended first;
    // its host thread, though, comes back long after the interactor's: the
    // sandbox accounts its folder and run_program removes it. (15,000
    // files: under the working folder's bound of 16,384, so the run stays
    // a Runtime Error.)
    const std::string root = e.dir + "/late-interactor";
    write_file(root + "/problem.yaml",
               "problem_format_version: 2023-07-draft\nname: Late interactor\ntype: interactive\n"
               "limits:\n  time_limit: 5\n");
    write_file(root + "/output_validator/validator.cpp",
               "#include <chrono>\n#include <fstream>\n#include <iostream>\n#include <string>\n#include <thread>\n"
               "int main(int argc, char** argv) {\n"
               "  std::string t;\n  std::cin >> t;\n"
               "  std::this_thread::sleep_for(std::chrono::milliseconds(300));\n"
               "  std::ofstream(std::string(argv[3]) + \"/judgemessage.txt\") << \"late no\\n\";\n"
               "  return 43;\n}\n");
    write_file(root + "/data/secret/1.in", "5\n");
    write_file(root + "/data/secret/1.ans", "5\n");
    judge::Problem p = judge::load_problem(root);
    REQUIRE(p.interactive);
    REQUIRE(p.precedence == judge::InteractivePrecedence::validator_first);
    const judge::CheckerRunner checker(e.judge, e.catalog, p);
    judge::Submission s = e.submission("cpp17",
                                       "#include <fcntl.h>\n#include <unistd.h>\n#include <cstdio>\n#include <string>\n"
                                       "int main() {\n"
                                       "  for (int i = 0; i < 15000; ++i) {\n"
                                       "    int fd = ::open((\"f\" + std::to_string(i)).c_str(), O_CREAT | O_WRONLY, 0644);\n"
                                       "    if (fd < 0) return 9;\n    ::close(fd);\n  }\n"
                                       "  std::printf(\"1\\n\");\n  std::fflush(stdout);\n  return 3;\n}\n");
    s.limits.cpu_time_ms = 5000;
    s.limits.wall_time_ms = 30'000;  // making the files is slow on a loaded machine
    s.limits.memory_bytes = 256ull << 20;
    auto a = e.judge.compile(s);
    REQUIRE(a->outcome.kind == judge::CompileOutcome::Kind::ok);
    const judge::ProblemTest test = p.groups.back().tests.front();

    const judge::InteractiveResult r = judge::run_interactive(e.judge, s, *a, checker, p, test, {});
    INFO("contestant: " << sandbox::to_string(r.contestant_run.status) << ", " << r.contestant_run.wall_time_us
                        << " us wall, " << r.contestant_run.cpu_time_us << " us CPU; " << r.contestant_run.message);
    REQUIRE(r.contestant_run.status == sandbox::Status::runtime_error);
    REQUIRE(r.contestant_run.exit_code == 3);
    REQUIRE(r.interactor.verdict == judge::Verdict::wrong_answer);
    REQUIRE(r.contestant_run.end_time_ns > 0);
    REQUIRE(r.interactor_run.end_time_ns > 0);
    // The kernel's order: the interactor ended ~300 ms after the contestant.
    CHECK(r.interactor_run.end_time_ns > r.contestant_run.end_time_ns + 250'000'000ull);
    CHECK(r.contestant_exited_first);
    // Kattis: the validator's WA counts only when it came first; here the
    // contestant's own runtime error stands.
    CHECK(r.contestant.verdict.verdict == judge::Verdict::runtime_error);
    CHECK(r.contestant.verdict.detail == "exit code 3");
}

TEST_CASE("judge verify exits 0 on every sample package; judge problem's exit status", "[root][problems][cli]") {
    SKIP_UNLESS_ROOT();
    for (const std::string& name : sample_packages()) {
        INFO(name);
        const auto [status, out] = run_cli("verify " + kProblems + "/" + name + " --json");
        INFO(out);
        CHECK(status == 0);
        const nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
        REQUIRE_FALSE(j.is_discarded());
        CHECK(j["ok"] == true);
        CHECK(j["checked"].get<int>() > 0);
        CHECK(j["checked"] == j["matched"]);
        const auto scores = expected_scores(name);
        for (const auto& row : j["submissions"]) {
            const std::string rel = "submissions/" + row["category"].get<std::string>() + "/" +
                                    row["submission"].get<std::string>();
            if (const auto it = scores.find(rel); it != scores.end())
                CHECK(row["score"].get<double>() == Approx(it->second));
        }
    }
    const std::string aplusb = kProblems + "/aplusb";
    CHECK(run_cli("problem " + aplusb + " --lang cpp17 --source " + aplusb + "/submissions/accepted/sum.cpp").first == 0);
    CHECK(run_cli("problem " + aplusb + " --lang python3 --source " + aplusb + "/submissions/wrong_answer/difference.py")
              .first == 1);
    const std::string groups = kProblems + "/groups";
    const auto [partial_status, partial] =
        run_cli("problem " + groups + " --lang cpp17 --source " + groups + "/submissions/partially_accepted/int64.cpp");
    CHECK(partial_status == 1);
    CHECK(partial.find("secret/group1") != std::string::npos);
    CHECK(run_cli("problem " + groups + " --lang cpp17 --source " + groups + "/submissions/accepted/int128.cpp --json")
              .first == 0);
    CHECK(run_cli("problem " + groups + " --lang cpp17").first == 2);  // usage
}
