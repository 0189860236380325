// judge: grade a submission against a folder of tests or a problem package,
// check a package's own submissions, or list languages.
//
//   judge run --lang ID|KEY|NAME --source FILE [--tests DIR] [--stdin FILE]
//             [--time S] [--memory MIB] [--comparator NAME] [--stop-on-failure] [--json]
//   judge problem DIR --lang ID|KEY|NAME --source FILE [--json]
//   judge verify DIR [--json]
//   judge languages [--json]
//
// run: --file puts an additional file (a header, a module) beside the
// source. DIR holds NAME.in with NAME.ans (Kattis) or NAME.out. Without
// --tests, --stdin gives one input and the program's output is shown, not
// judged. A line per test as it finishes, then a summary; --json prints the
// whole result as one JSON object instead. Exit status: 0 when every test is
// Accepted, 1 when some is not, 2 on bad usage or an internal error.
//
// problem: grades FILE against the package DIR (judge/contest.hpp): a line
// per test as it finishes, then a line per group with its score, then the
// verdict (and score). Exit status: 0 when the submission passes — verdict
// Accepted for a pass-fail problem, the full score (max_score) for a scoring
// problem —, 1 when it does not, 2 on bad usage, a broken package (a checker
// that does not compile, a malformed problem.yaml) or an Internal Error.
//
// verify: grades every file under DIR/submissions/<category>/ (language by
// file extension: the first available catalog language with that source
// extension) and checks it gets what its category promises:
//   accepted → Accepted (and the full score for a scoring problem),
//   wrong_answer → Wrong Answer (or Presentation Error), time_limit_exceeded →
//   Time Limit Exceeded, run_time_error → Runtime Error, memory_limit_exceeded
//   → Memory Limit Exceeded, output_limit_exceeded → Output Limit Exceeded,
//   compile_error → Compilation Error, partially_accepted → a score strictly
//   between 0 and max_score.
// Other categories, and files in no available language, are listed as not
// checked. Exit status: 0 when every checked submission matches, 1 when some
// does not, 2 on bad usage or a broken package.
//
// JUDGE_DATA_DIR (environment) moves the work and compile-cache folders
// from /var/lib/judge to $JUDGE_DATA_DIR/{work,compile-cache}.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "judge/contest.hpp"
#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "sandbox/fs_safe.hpp"
#include "judge/problem.hpp"

namespace {

const char* kUsage =
    "usage: judge run --lang ID|KEY|NAME --source FILE [--file EXTRA]... [--tests DIR | --stdin FILE]\n"
    "                 [--time SECONDS] [--memory MIB] [--comparator exact|judge0|tokens|lines|floats]\n"
    "                 [--compile-flags \"FLAGS\"]\n"
    "                 [--stop-on-failure] [--json]\n"
    "       judge problem DIR --lang ID|KEY|NAME --source FILE [--json]\n"
    "       judge verify DIR [--json]\n"
    "       judge languages [--json]\n"
    "       judge help\n";

[[noreturn]] void usage_error(const std::string& msg) {
    std::fprintf(stderr, "judge: %s\n%s", msg.c_str(), kUsage);
    std::exit(2);
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) usage_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool is_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// NAME.in with NAME.ans or NAME.out, sorted by name (natural order of
// numbers: 2 before 10).
std::vector<judge::TestCase> scan_tests(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) usage_error("cannot open the tests folder " + dir);
    std::vector<judge::TestCase> tests;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n.size() < 4 || n.compare(n.size() - 3, 3, ".in") != 0) continue;
        std::string base = n.substr(0, n.size() - 3);
        std::string ans = dir + "/" + base + ".ans";
        if (!is_file(ans)) ans = dir + "/" + base + ".out";
        if (!is_file(ans)) usage_error("test " + base + " has no " + base + ".ans or " + base + ".out");
        tests.push_back(judge::TestCase{base, dir + "/" + n, ans});
    }
    ::closedir(d);
    auto natural = [](const std::string& a, const std::string& b) {
        std::size_t i = 0, j = 0;
        while (i < a.size() && j < b.size()) {
            if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
                std::size_t i2 = i, j2 = j;
                while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
                while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
                std::string x = a.substr(i, i2 - i), y = b.substr(j, j2 - j);
                x.erase(0, std::min(x.find_first_not_of('0'), x.size() - 1));
                y.erase(0, std::min(y.find_first_not_of('0'), y.size() - 1));
                if (x.size() != y.size()) return x.size() < y.size();
                if (x != y) return x < y;
                i = i2;
                j = j2;
            } else {
                if (a[i] != b[j]) return a[i] < b[j];
                ++i;
                ++j;
            }
        }
        return a.size() - i < b.size() - j;
    };
    std::sort(tests.begin(), tests.end(), [&](const auto& x, const auto& y) { return natural(x.name, y.name); });
    if (tests.empty()) usage_error("no NAME.in files in " + dir);
    return tests;
}

nlohmann::json test_json(const judge::TestResult& t) {
    return {{"name", t.name},
            {"verdict", judge::short_name(t.verdict.verdict)},
            {"verdict_name", judge::to_string(t.verdict.verdict)},
            {"detail", t.verdict.detail},
            {"skipped", t.skipped},
            {"cpu_time_ms", static_cast<double>(t.cpu_time_us) / 1000.0},
            {"wall_time_ms", static_cast<double>(t.wall_time_us) / 1000.0},
            {"memory_kb", t.memory_bytes / 1024},
            {"exit_code", t.exit_code},
            {"signal", t.signal},
            {"message", t.message},
            {"stdout", t.stdout_excerpt},
            {"stderr", t.stderr_excerpt}};
}

void print_line(const judge::TestResult& t) {
    if (t.skipped) {
        std::printf("%-16s --   (skipped)\n", t.name.c_str());
    } else {
        std::printf("%-16s %-4s %8.3f s %9.1f MiB  %s%s%s\n", t.name.c_str(), judge::short_name(t.verdict.verdict),
                    static_cast<double>(t.cpu_time_us) / 1e6, static_cast<double>(t.memory_bytes) / 1048576.0,
                    t.verdict.detail.c_str(), t.verdict.detail.empty() || t.message.empty() ? "" : ": ",
                    t.message.c_str());
    }
    std::fflush(stdout);
}

// $JUDGE_DATA_DIR, else /var/lib/judge.
std::string data_dir() {
    const char* d = std::getenv("JUDGE_DATA_DIR");
    return d && *d ? d : "/var/lib/judge";
}

// The catalog, its version commands' answers cached in the data folder.
judge::Catalog load_catalog() {
    judge::LoadOptions lo;
    lo.cache_dir = data_dir();
    return judge::Catalog::load_default(lo);
}

int cmd_languages(bool json) {
    judge::Catalog catalog = load_catalog();
    nlohmann::json out = nlohmann::json::array();
    for (const judge::Language& l : catalog.all()) {
        if (json) {
            out.push_back({{"key", l.key}, {"ids", l.ids}, {"name", l.name}, {"available", l.available},
                           {"version", l.version}});
        } else {
            std::string ids;
            for (int id : l.ids) ids += (ids.empty() ? "" : ",") + std::to_string(id);
            std::printf("%-12s %-12s %-40s %s\n", l.key.c_str(), ids.c_str(), l.name.c_str(),
                        l.available ? "available" : ("unavailable: " + l.unavailable_reason).c_str());
        }
    }
    if (json) std::printf("%s\n", out.dump(2).c_str());
    return 0;
}

const char* kHelp =
    "\n"
    "judge run       grade FILE against a folder of NAME.in/NAME.ans tests (or show its output for --stdin).\n"
    "                exit 0: every test Accepted; 1: some test not; 2: bad usage or an internal error.\n"
    "judge problem   grade FILE against the problem package DIR (Kattis layout): a line per test as it\n"
    "                finishes, a line per group with its score, then the verdict and score.\n"
    "                exit 0: the submission passes: verdict Accepted for a pass-fail problem, the full\n"
    "                score (max_score) for a scoring problem; 1: it does not; 2: bad usage, a broken\n"
    "                package (a checker that does not compile, a malformed problem.yaml) or an\n"
    "                Internal Error.\n"
    "judge verify    grade every file under DIR/submissions/<category>/ (language by file extension) and\n"
    "                check it gets what its category promises: accepted -> AC (and full score),\n"
    "                wrong_answer -> WA (or PE), time_limit_exceeded -> TLE, run_time_error -> RE,\n"
    "                memory_limit_exceeded -> MLE, output_limit_exceeded -> OLE, compile_error -> CE,\n"
    "                partially_accepted -> 0 < score < max. Other categories and files in no available\n"
    "                language are listed as not checked.\n"
    "                exit 0: every checked submission matches; 1: some does not; 2: bad usage or a\n"
    "                broken package.\n"
    "judge languages list the catalog.\n"
    "\n"
    "JUDGE_DATA_DIR moves the work and compile-cache folders and the language detection cache\n"
    "(languages-detected.json) from /var/lib/judge to $JUDGE_DATA_DIR.\n";

judge::JudgeOptions judge_options() {
    judge::JudgeOptions opts;
    if (const char* d = std::getenv("JUDGE_DATA_DIR"); d && *d) {
        opts.work_dir = std::string(d) + "/work";
        opts.cache_dir = std::string(d) + "/compile-cache";
    }
    return opts;
}

int cmd_run(int argc, char** argv) {
    std::string lang, source, tests_dir, stdin_file, comparator = "judge0";
    std::vector<std::string> extra_files;
    std::string compile_flags;
    double time_s = 1.0, memory_mib = 256;
    bool json = false, stop = false;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(a + ": needs a value");
            return argv[++i];
        };
        auto number = [&](const std::string& v) {
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (!end || *end || !std::isfinite(d) || d <= 0) usage_error(a + ": expected a positive number, got " + v);
            return d;
        };
        if (a == "--lang") lang = value();
        else if (a == "--source") source = value();
        else if (a == "--tests") tests_dir = value();
        else if (a == "--stdin") stdin_file = value();
        else if (a == "--file") extra_files.push_back(value());
        else if (a == "--compile-flags") compile_flags = value();
        else if (a == "--time") time_s = number(value());
        else if (a == "--memory") memory_mib = number(value());
        else if (a == "--comparator") comparator = value();
        else if (a == "--json") json = true;
        else if (a == "--stop-on-failure") stop = true;
        else usage_error("unknown option " + a);
    }
    if (lang.empty() || source.empty()) usage_error("--lang and --source are required");
    if (tests_dir.empty() == stdin_file.empty()) usage_error("give exactly one of --tests DIR and --stdin FILE");
    if (time_s > 60 || memory_mib > 8192) usage_error("limits out of range (at most 60 s, 8192 MiB)");

    judge::Catalog catalog = load_catalog();
    const judge::Language* l = catalog.find(lang);
    if (!l) usage_error("unknown language \"" + lang + "\" (see: judge languages)");
    if (!l->available) usage_error("language " + l->name + " is not available on this host: " + l->unavailable_reason);
    auto kind = judge::parse_compare_kind(comparator);
    if (!kind) usage_error("unknown comparator \"" + comparator + "\"");

    judge::Submission s;
    try {
        s.toolchain = catalog.toolchain(*l, judge::split_words(compile_flags));
    } catch (const std::invalid_argument& e) {
        usage_error(std::string("--compile-flags: ") + e.what());
    }
    s.source = read_all(source);
    for (const auto& f : extra_files)
        s.additional_files.push_back({f.substr(f.rfind('/') + 1), read_all(f)});
    s.limits.cpu_time_ms = static_cast<std::uint64_t>(std::llround(time_s * 1000));
    s.limits.memory_bytes = static_cast<std::uint64_t>(memory_mib * 1048576.0);
    s.compare.kind = *kind;
    s.stop_at_first_failure = stop;
    const bool show_only = !stdin_file.empty();
    if (show_only) {
        s.tests.push_back(judge::TestCase{"stdin", stdin_file, ""});
        s.compare_output = false;
    } else {
        s.tests = scan_tests(tests_dir);
    }

    judge::JudgeOptions opts = judge_options();
    try {
        judge::validate(s);
    } catch (const std::invalid_argument& e) {
        usage_error(e.what());
    }
    judge::Judge judge(opts);
    judge::JudgeResult r = judge.judge(s, [&](const judge::TestResult& t) {
        if (!json && !show_only) print_line(t);
    });

    if (json) {
        nlohmann::json out = {{"language", l->name},
                              {"verdict", judge::short_name(r.verdict)},
                              {"verdict_name", judge::to_string(r.verdict)},
                              {"compile_output", r.compile.message},
                              {"compile_cached", r.compile_cached},
                              {"tests", nlohmann::json::array()}};
        for (const auto& t : r.tests) out["tests"].push_back(test_json(t));
        std::printf("%s\n", out.dump(2).c_str());
    } else if (r.verdict == judge::Verdict::compilation_error || r.verdict == judge::Verdict::internal_error) {
        std::printf("%s\n%s\n", judge::to_string(r.verdict), r.compile.message.c_str());
    } else if (show_only) {
        const auto& t = r.tests.front();
        std::fwrite(t.stdout_excerpt.data(), 1, t.stdout_excerpt.size(), stdout);
        std::fprintf(stderr, "%s %.3f s %.1f MiB %s\n", judge::short_name(t.verdict.verdict),
                     static_cast<double>(t.cpu_time_us) / 1e6, static_cast<double>(t.memory_bytes) / 1048576.0, t.message.c_str());
    } else {
        std::size_t ac = 0, worst_cpu = 0, worst_mem = 0;
        for (const auto& t : r.tests) {
            ac += t.verdict.verdict == judge::Verdict::accepted;
            worst_cpu = std::max<std::size_t>(worst_cpu, t.cpu_time_us);
            worst_mem = std::max<std::size_t>(worst_mem, t.memory_bytes);
        }
        std::printf("\n%-16s %s\n%-16s %zu / %zu accepted\n%-16s %.3f s\n%-16s %.1f MiB\n%-16s %s\n", "language:",
                    l->name.c_str(), "tests:", ac, r.tests.size(), "max CPU time:", static_cast<double>(worst_cpu) / 1e6,
                    "max memory:", static_cast<double>(worst_mem) / 1048576.0, "verdict:", judge::to_string(r.verdict));
    }
    if (r.verdict == judge::Verdict::internal_error) return 2;
    return r.verdict == judge::Verdict::accepted ? 0 : 1;
}


constexpr double kScoreEps = 1e-6;

std::string fmt_score(double x) {
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", x);
    return b;
}

bool passes(const judge::Problem& p, const judge::ContestResult& r) {
    if (r.verdict == judge::Verdict::internal_error || r.verdict == judge::Verdict::compilation_error) return false;
    if (p.type == judge::ProblemType::scoring) return r.score.score >= r.score.max_score - kScoreEps;
    return r.verdict == judge::Verdict::accepted;
}

nlohmann::json contest_test_json(const judge::ContestTestResult& t) {
    nlohmann::json j = test_json(t.run);
    j["group"] = t.group;
    j["fraction"] = t.fraction ? nlohmann::json(*t.fraction) : nlohmann::json(nullptr);
    j["absolute"] = t.absolute ? nlohmann::json(*t.absolute) : nlohmann::json(nullptr);
    return j;
}

nlohmann::json contest_json(const judge::Problem& p, const judge::ContestResult& r) {
    nlohmann::json out = {{"problem", p.short_name},
                          {"type", p.type == judge::ProblemType::scoring ? "scoring" : "pass-fail"},
                          {"verdict", judge::short_name(r.verdict)},
                          {"verdict_name", judge::to_string(r.verdict)},
                          {"score", r.score.score},
                          {"max_score", r.score.max_score},
                          {"passed", passes(p, r)},
                          {"compile_output", r.compile.message},
                          {"groups", nlohmann::json::array()},
                          {"tests", nlohmann::json::array()}};
    for (const auto& g : r.score.groups)
        out["groups"].push_back({{"name", g.name},
                                 {"verdict", judge::short_name(g.verdict)},
                                 {"passed", g.passed},
                                 {"score", g.score},
                                 {"max_score", g.max_score},
                                 {"note", g.note}});
    for (const auto& t : r.tests) out["tests"].push_back(contest_test_json(t));
    return out;
}

void print_contest_line(const judge::ContestTestResult& t) {
    if (t.run.skipped) {
        std::printf("%-32s --   (skipped)\n", t.run.name.c_str());
    } else {
        std::string extra;
        if (t.fraction) extra += " [" + fmt_score(*t.fraction) + "]";
        if (t.absolute) extra += " [" + fmt_score(*t.absolute) + " pts]";
        const std::string& d = t.run.verdict.detail;
        const std::string& m = t.run.message;
        std::string text = d;
        if (!m.empty() && m != d) text += (text.empty() ? "" : ": ") + m;
        std::replace(text.begin(), text.end(), '\n', ' ');
        std::printf("%-32s %-4s %8.3f s %9.1f MiB%s  %s\n", t.run.name.c_str(), judge::short_name(t.run.verdict.verdict),
                    static_cast<double>(t.run.cpu_time_us) / 1e6, static_cast<double>(t.run.memory_bytes) / 1048576.0,
                    extra.c_str(), text.c_str());
    }
    std::fflush(stdout);
}

judge::Problem load_or_exit(const std::string& dir) {
    try {
        return judge::load_problem(dir);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "judge: problem package %s: %s\n", dir.c_str(), e.what());
        std::exit(2);
    }
}

int cmd_problem(int argc, char** argv) {
    std::string dir, lang, source;
    bool json = false;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(a + ": needs a value");
            return argv[++i];
        };
        if (a == "--lang") lang = value();
        else if (a == "--source") source = value();
        else if (a == "--json") json = true;
        else if (a == "--help" || a == "-h") {
            std::printf("%s%s", kUsage, kHelp);
            return 0;
        } else if (!a.empty() && a[0] != '-' && dir.empty()) dir = a;
        else usage_error("unknown option " + a);
    }
    if (dir.empty() || lang.empty() || source.empty()) usage_error("problem: DIR, --lang and --source are required");
    const judge::Problem problem = load_or_exit(dir);
    judge::Catalog catalog = load_catalog();
    const judge::Language* l = catalog.find(lang);
    if (!l) usage_error("unknown language \"" + lang + "\" (see: judge languages)");
    if (!l->available) usage_error("language " + l->name + " is not available on this host: " + l->unavailable_reason);
    judge::Submission s;
    s.toolchain = catalog.toolchain(*l);
    s.source = read_all(source);
    judge::Judge judge(judge_options());
    judge::ContestOptions co;
    co.on_test = [&](const judge::ContestTestResult& t) {
        if (!json) print_contest_line(t);
    };
    judge::ContestResult r;
    try {
        r = judge::grade(judge, catalog, problem, s, co);
    } catch (const judge::ProblemError& e) {
        std::fprintf(stderr, "judge: problem package %s: %s\n", dir.c_str(), e.what());
        return 2;
    } catch (const std::invalid_argument& e) {
        usage_error(e.what());
    }
    if (json) {
        nlohmann::json out = contest_json(problem, r);
        out["language"] = l->name;
        std::printf("%s\n", out.dump(2).c_str());
    } else if (r.verdict == judge::Verdict::compilation_error ||
               (r.verdict == judge::Verdict::internal_error && r.tests.empty())) {
        std::printf("%s\n%s\n", judge::to_string(r.verdict), r.compile.message.c_str());
    } else {
        std::printf("\n");
        for (const auto& g : r.score.groups) {
            bool ran = false;  // a group whose every test was skipped has no verdict of its own
            for (const auto& t : r.tests) ran = ran || (t.group == g.name && !t.run.skipped);
            std::printf("%-32s %-4s", g.name.c_str(), ran ? judge::short_name(g.verdict) : "--");
            if (problem.type == judge::ProblemType::scoring)
                std::printf(" %8s / %-8s", fmt_score(g.score).c_str(), fmt_score(g.max_score).c_str());
            std::printf("%s%s\n", g.note.empty() ? "" : "  ", g.note.c_str());
        }
        std::printf("\n%-16s %s\n%-16s %s\n", "problem:", problem.short_name.c_str(), "language:", l->name.c_str());
        if (problem.type == judge::ProblemType::scoring)
            std::printf("%-16s %s / %s\n", "score:", fmt_score(r.score.score).c_str(),
                        fmt_score(r.score.max_score).c_str());
        std::printf("%-16s %s\n", "verdict:", judge::to_string(r.verdict));
    }
    if (r.verdict == judge::Verdict::internal_error) return 2;
    return passes(problem, r) ? 0 : 1;
}

// What a submissions/<category>/ promises; nullopt: a category we do not check.
std::optional<std::string> expectation(const std::string& category, const judge::Problem& p) {
    if (category == "accepted")
        return p.type == judge::ProblemType::scoring ? "AC, full score" : "AC";
    if (category == "wrong_answer") return "WA";
    if (category == "time_limit_exceeded") return "TLE";
    if (category == "run_time_error") return "RE";
    if (category == "memory_limit_exceeded") return "MLE";
    if (category == "output_limit_exceeded") return "OLE";
    if (category == "compile_error") return "CE";
    if (category == "partially_accepted") return "0 < score < max";
    return std::nullopt;
}

bool meets(const std::string& category, const judge::Problem& p, const judge::ContestResult& r) {
    using judge::Verdict;
    const Verdict v = r.verdict;
    if (category == "accepted") return v == Verdict::accepted && passes(p, r);
    if (category == "wrong_answer") return v == Verdict::wrong_answer || v == Verdict::presentation_error;
    if (category == "time_limit_exceeded") return v == Verdict::time_limit_exceeded;
    if (category == "run_time_error") return v == Verdict::runtime_error;
    if (category == "memory_limit_exceeded") return v == Verdict::memory_limit_exceeded;
    if (category == "output_limit_exceeded") return v == Verdict::output_limit_exceeded;
    if (category == "compile_error") return v == Verdict::compilation_error;
    if (category == "partially_accepted")
        return v != Verdict::internal_error && r.score.score > kScoreEps &&
               r.score.score < r.score.max_score - kScoreEps;
    return false;
}

// The first available language whose source file has this extension
// (catalog order: cpp17 before cpp20, python3 before pypy3).
const judge::Language* language_for(const judge::Catalog& catalog, const std::string& file) {
    const std::size_t slash = file.rfind('/');
    const std::string base = file.substr(slash == std::string::npos ? 0 : slash + 1);
    const std::size_t dot = base.rfind('.');
    if (dot == std::string::npos) return nullptr;
    std::string ext = base.substr(dot + 1);
    if (ext == "cc" || ext == "cxx" || ext == "c++" || ext == "C") ext = "cpp";
    for (const judge::Language* l : catalog.available()) {
        const std::size_t d = l->source_file.rfind('.');
        if (d != std::string::npos && l->source_file.substr(d + 1) == ext) return l;
    }
    return nullptr;
}

int cmd_verify(int argc, char** argv) {
    std::string dir;
    bool json = false;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json") json = true;
        else if (a == "--help" || a == "-h") {
            std::printf("%s%s", kUsage, kHelp);
            return 0;
        } else if (!a.empty() && a[0] != '-' && dir.empty()) dir = a;
        else usage_error("unknown option " + a);
    }
    if (dir.empty()) usage_error("verify: DIR is required");
    const judge::Problem problem = load_or_exit(dir);
    judge::Catalog catalog = load_catalog();
    judge::Judge judge(judge_options());
    nlohmann::json rows = nlohmann::json::array();
    std::size_t checked = 0, matched = 0, unchecked = 0;
    if (!json)
        std::printf("%-22s %-28s %-10s %-16s %-6s %-14s %s\n", "category", "submission", "language", "expected",
                    "got", "score", "result");
    for (const auto& [category, files] : problem.submissions) {
        for (const auto& file : files) {
            const std::string name = file.substr(file.rfind('/') + 1);
            const std::optional<std::string> expected = expectation(category, problem);
            const judge::Language* l = language_for(catalog, file);
            nlohmann::json row = {{"category", category}, {"submission", name}, {"path", file}};
            std::string got = "-", score = "-", result, lang_name = l ? l->key : "-";
            if (!expected) {
                result = "not checked (unknown category)";
                ++unchecked;
            } else if (!l) {
                result = "not checked (no available language for the extension)";
                ++unchecked;
            } else {
                judge::Submission s;
                s.toolchain = catalog.toolchain(*l);
                s.source = read_all(file);
                judge::ContestResult r;
                try {
                    r = judge::grade(judge, catalog, problem, s);
                } catch (const judge::ProblemError& e) {
                    std::fprintf(stderr, "judge: problem package %s: %s\n", dir.c_str(), e.what());
                    return 2;
                }
                got = judge::short_name(r.verdict);
                if (problem.type == judge::ProblemType::scoring)
                    score = fmt_score(r.score.score) + "/" + fmt_score(r.score.max_score);
                ++checked;
                const bool ok = meets(category, problem, r);
                matched += ok;
                result = ok ? "OK" : "MISMATCH";
                row["verdict"] = got;
                row["score"] = r.score.score;
                row["max_score"] = r.score.max_score;
                row["matches"] = ok;
                if (!ok && r.verdict == judge::Verdict::compilation_error) row["compile_output"] = r.compile.message;
                if (!ok && r.verdict == judge::Verdict::internal_error)
                    for (const auto& t : r.tests)
                        if (t.run.verdict.verdict == judge::Verdict::internal_error) {
                            result += " (" + t.run.name + ": " + t.run.message.substr(0, 200) + ")";
                            break;
                        }
            }
            row["language"] = lang_name;
            row["expected"] = expected ? *expected : "";
            row["result"] = result;
            rows.push_back(row);
            if (!json) {
                std::printf("%-22s %-28s %-10s %-16s %-6s %-14s %s\n", category.c_str(), name.c_str(),
                            lang_name.c_str(), expected ? expected->c_str() : "-", got.c_str(), score.c_str(),
                            result.c_str());
                std::fflush(stdout);
            }
        }
    }
    const bool all = matched == checked;
    if (json) {
        nlohmann::json out = {{"problem", problem.short_name}, {"checked", checked}, {"matched", matched},
                              {"unchecked", unchecked}, {"ok", all}, {"submissions", rows}};
        std::printf("%s\n", out.dump(2).c_str());
    } else {
        std::printf("\n%zu of %zu checked submissions as expected%s\n", matched, checked,
                    unchecked ? (", " + std::to_string(unchecked) + " not checked").c_str() : "");
    }
    return all ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage_error("missing command");
    std::string cmd = argv[1];
    try {
        // Working folders are bounded tmpfs mounts: kept in a mount
        // namespace of this process (still one thread here), gone with it.
        if ((cmd == "run" || cmd == "problem" || cmd == "verify") && ::geteuid() == 0)
            sandbox::enter_own_mount_namespace();
        if (cmd == "run") return cmd_run(argc, argv);
        if (cmd == "problem") return cmd_problem(argc, argv);
        if (cmd == "verify") return cmd_verify(argc, argv);
        if (cmd == "languages") return cmd_languages(argc > 2 && std::string(argv[2]) == "--json");
        if (cmd == "help" || cmd == "--help" || cmd == "-h") {
            std::printf("%s%s", kUsage, kHelp);
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "judge: internal error: %s\n", e.what());
        return 2;
    }
    usage_error("unknown command " + cmd);
}
