// judge: grade a submission against a folder of tests, or list languages.
//
//   judge run --lang ID|KEY|NAME --source FILE [--tests DIR] [--stdin FILE]
//             [--time S] [--memory MIB] [--comparator NAME] [--stop-on-failure] [--json]
//   judge languages [--json]
//
// --file puts an additional file (a header, a module) beside the source.
// DIR holds NAME.in with NAME.ans (Kattis) or NAME.out. Without --tests,
// --stdin gives one input and the program's output is shown, not judged.
// A line per test as it finishes, then a summary; --json prints the whole
// result as one JSON object instead.
// Exit status: 0 when every test is Accepted, 1 when some is not, 2 on bad
// usage or an internal error.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"

namespace {

const char* kUsage =
    "usage: judge run --lang ID|KEY|NAME --source FILE [--file EXTRA]... [--tests DIR | --stdin FILE]\n"
    "                 [--time SECONDS] [--memory MIB] [--comparator exact|judge0|tokens|lines|floats]\n"
    "                 [--compile-flags \"FLAGS\"]\n"
    "                 [--stop-on-failure] [--json]\n"
    "       judge languages [--json]\n";

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

int cmd_languages(bool json) {
    judge::Catalog catalog = judge::Catalog::load_default();
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

    judge::Catalog catalog = judge::Catalog::load_default();
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

    judge::JudgeOptions opts;
    if (const char* d = std::getenv("JUDGE_DATA_DIR"); d && *d) {
        opts.work_dir = std::string(d) + "/work";
        opts.cache_dir = std::string(d) + "/compile-cache";
    }
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

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage_error("missing command");
    std::string cmd = argv[1];
    try {
        if (cmd == "run") return cmd_run(argc, argv);
        if (cmd == "languages") return cmd_languages(argc > 2 && std::string(argv[2]) == "--json");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "judge: internal error: %s\n", e.what());
        return 2;
    }
    usage_error("unknown command " + cmd);
}
