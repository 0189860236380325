#include "judge/checker.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "sandbox/fd.hpp"
#include "sandbox/fs_safe.hpp"

namespace judge {

namespace {

constexpr std::size_t kMessageBytes = 1024;
constexpr std::uint64_t kSourceBytes = 16ull << 20;  // a checker's sources, all files together

[[noreturn]] void fail(const std::string& call, int err) {
    throw std::system_error(err, std::generic_category(), call);
}

// At most kMessageBytes of a file the box may have written (or planted):
// beneath `dir`, never through a link, never a special file. Missing or
// refused: empty.
std::string read_box_file(const std::string& dir, const std::string& rel, std::size_t max = kMessageBytes,
                          bool* found = nullptr) {
    if (found) *found = false;
    try {
        bool cut = false;
        std::string s = sandbox::read_beneath(dir, rel, max, &cut);
        if (found) *found = true;
        return s;
    } catch (const std::exception&) {
        return {};
    }
}

std::string first_line(const std::string& s) {
    std::string l = s.substr(0, s.find('\n'));
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.pop_back();
    return l;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// A whole-string decimal number (surrounding whitespace allowed).
std::optional<double> parse_number(const std::string& text) {
    const std::string t = trim(text);
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(t.c_str(), &end);
    if (!end || *end != '\0' || !std::isfinite(d)) return std::nullopt;
    return d;
}

std::string read_host_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ProblemError("cannot read the checker source " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

CheckResult judge_error(std::string message) {
    CheckResult c;
    c.verdict = Verdict::internal_error;
    c.message = std::move(message);
    if (c.message.size() > kMessageBytes) c.message.resize(kMessageBytes);
    return c;
}

// How a checker's run ended when it did not simply exit.
std::string run_failure(const sandbox::RunResult& r) {
    std::string s = std::string("checker ") + sandbox::to_string(r.status);
    if (r.status == sandbox::Status::signaled) s += " (" + signal_name(r.signal) + ")";
    if (!r.message.empty()) s += ": " + r.message;
    return s;
}

std::string cms_message(const std::string& line) {
    if (line == "translate:success") return "Output is correct";
    if (line == "translate:partial") return "Output is partially correct";
    if (line == "translate:wrong") return "Output isn't correct";
    return line;
}

constexpr double kEps = 1e-9;

}  // namespace

std::optional<double> testlib_points(const std::string& stderr_text) {
    std::istringstream in(stderr_text);
    std::string word, number;
    if (!(in >> word) || word != "points" || !(in >> number)) return std::nullopt;
    return parse_number(number);
}

void CheckerRunner::place(const std::string& from, const std::string& to) {
    struct stat st {};
    if (::stat(from.c_str(), &st) != 0) fail("stat(\"" + from + "\")", errno);
    if (!S_ISREG(st.st_mode)) fail("stat(\"" + from + "\"): not a regular file", EINVAL);
    // A link shares the inode: only when the box user may read it as it is
    // (the package's own modes are never changed).
    if ((st.st_mode & 0444) == 0444 && ::link(from.c_str(), to.c_str()) == 0) return;
    sandbox::Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) fail("open(\"" + from + "\")", errno);
    sandbox::Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!out) fail("open(\"" + to + "\")", errno);
    if (::fchmod(out.get(), 0644) != 0) fail("fchmod(\"" + to + "\")", errno);
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0) fail("read(\"" + from + "\")", errno);
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            const ssize_t w = ::write(out.get(), buf + off, static_cast<std::size_t>(n - off));
            if (w < 0) fail("write(\"" + to + "\")", errno);
            off += w;
        }
    }
}

CheckerRunner::CheckerRunner(Judge& judge, const Catalog& catalog, const Problem& problem, CheckerLimits limits)
    : judge_(judge), problem_(problem), limits_(limits) {
    const Checker& ck = problem.checker;
    if (ck.protocol == Checker::Protocol::builtin) return;
    const Language* l = catalog.by_key(ck.language_key);
    if (!l) {
        const Language* any = catalog.find(ck.language_key);
        throw ProblemError("output validator " + ck.source_dir + ": language \"" + ck.language_key + "\" " +
                           (any ? "is not available on this host: " + any->unavailable_reason : "is unknown"));
    }
    toolchain_ = catalog.toolchain(*l);

    Submission s = submission();
    const std::string main_path = ck.main_file.find('/') != std::string::npos ? ck.main_file
                                                                               : ck.source_dir + "/" + ck.main_file;
    const std::string main_name = main_path.substr(main_path.rfind('/') + 1);
    s.source = read_host_file(main_path);
    std::uint64_t total = s.source.size();
    // Every other regular file of the folder beside it (headers such as
    // testlib.h, modules of a Python checker).
    DIR* d = ::opendir(ck.source_dir.c_str());
    if (!d) throw ProblemError("output validator " + ck.source_dir + ": cannot open the folder");
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n == "." || n == ".." || n == main_name) continue;
        struct stat st {};
        if (::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
        names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());  // a stable cache key
    for (const auto& n : names) {
        if (n == toolchain_.source_file)
            throw ProblemError("output validator " + ck.source_dir + ": the file " + n +
                               " would clash with the program's own source name " + toolchain_.source_file);
        s.additional_files.push_back({n, read_host_file(ck.source_dir + "/" + n)});
        total += s.additional_files.back().content.size();
        if (total > kSourceBytes)
            throw ProblemError("output validator " + ck.source_dir + ": sources larger than 16 MiB");
    }
    artifact_ = judge_.compile(s);
    if (artifact_->outcome.kind != CompileOutcome::Kind::ok)
        throw ProblemError("output validator " + ck.source_dir + " does not compile:\n" + artifact_->outcome.message);
}

Submission CheckerRunner::submission(std::uint64_t wall_time_ms) const {
    Submission s;
    s.toolchain = toolchain_;
    s.limits.cpu_time_ms = limits_.cpu_time_ms;
    s.limits.wall_time_ms = wall_time_ms ? wall_time_ms : limits_.wall_time_ms;
    s.limits.memory_bytes = limits_.memory_bytes;
    s.limits.output_bytes = 64ull << 20;
    return s;
}

CheckResult CheckerRunner::check(const ProblemTest& test, const std::string& output_path,
                                 const std::vector<std::string>& validator_args) const {
    try {
        const Checker& ck = problem_.checker;
        if (ck.protocol == Checker::Protocol::builtin) {
            const CompareOptions opts = validator_args.empty() ? ck.compare : default_validator_options(validator_args);
            const CompareResult r = compare_files(test.answer_path, output_path, opts);
            CheckResult c;
            c.verdict = verdict_of_compare(r.outcome);
            c.message = r.message;
            return c;
        }
        if (!artifact_) return judge_error("checker not compiled");
        const std::string& base = judge_.options().work_dir;
        TempDir work(base, "check");
        TempDir out(base, "check-out");
        place(test.input_path, work.path() + "/in.txt");
        place(test.answer_path, work.path() + "/ans.txt");
        RunIo io;
        io.work_dir = work.path();
        io.out_dir = out.path();
        switch (ck.protocol) {
            case Checker::Protocol::testlib:
                place(output_path, work.path() + "/out.txt");
                io.args = {"in.txt", "out.txt", "ans.txt"};
                break;
            case Checker::Protocol::cms:
                place(output_path, work.path() + "/out.txt");
                io.args = {"in.txt", "ans.txt", "out.txt"};
                break;
            case Checker::Protocol::kattis: {
                const std::string fb = work.path() + "/feedback";
                // The box's uid is picked by the sandbox at run time: the
                // folder is open to everyone (nothing else sees it).
                if (::mkdir(fb.c_str(), 0777) != 0) fail("mkdir(\"" + fb + "\")", errno);
                if (::chmod(fb.c_str(), 0777) != 0) fail("chmod(\"" + fb + "\")", errno);
                io.stdin_path = output_path;
                io.args = {"in.txt", "ans.txt", "feedback/"};
                io.args.insert(io.args.end(), validator_args.begin(), validator_args.end());
                break;
            }
            case Checker::Protocol::builtin: break;
        }
        const sandbox::RunResult r = judge_.run_program(submission(), *artifact_, io);
        return interpret(r, out.path(), work.path());
    } catch (const std::exception& e) {
        return judge_error(std::string("checker: ") + e.what());
    }
}

CheckResult CheckerRunner::interpret(const sandbox::RunResult& r, const std::string& out_dir,
                                     const std::string& work_dir) const {
    using sandbox::Status;
    if (!checker_run_counts(r)) return judge_error(run_failure(r));
    const std::string err = read_box_file(out_dir, "stderr");
    CheckResult c;
    switch (problem_.checker.protocol) {
        case Checker::Protocol::builtin: return judge_error("a builtin checker has no program");
        case Checker::Protocol::testlib: {
            c.message = trim(err);
            if (const std::optional<Verdict> v = verdict_of_testlib_exit(r.exit_code)) {
                c.verdict = *v;
                return c;
            }
            switch (r.exit_code) {
                case 3: return judge_error("checker failed (FAIL): " + c.message);
                case 7: {
                    const std::optional<double> p = testlib_points(err);
                    if (!p) return judge_error("checker exited 7 without \"points X\" first on stderr: " + c.message);
                    if (problem_.testlib_points == PointsRule::percent) {
                        if (*p < -kEps || *p > 100 + kEps)
                            return judge_error("checker gave points " + trim(err.substr(0, 40)) + " outside 0..100");
                        c.fraction = std::clamp(*p / 100.0, 0.0, 1.0);
                        c.verdict = verdict_of_fraction(*c.fraction);
                    } else {
                        if (*p < -kEps) return judge_error("checker gave negative points");
                        c.absolute = std::max(*p, 0.0);
                        c.verdict = verdict_of_points(*c.absolute);
                    }
                    return c;
                }
                default:
                    return judge_error("checker exited with " + std::to_string(r.exit_code) +
                                       " (testlib: 0, 1, 2, 7 or 8 expected)" + (c.message.empty() ? "" : ": " + c.message));
            }
        }
        case Checker::Protocol::kattis: {
            bool found = false;
            c.message = trim(read_box_file(work_dir, "feedback/judgemessage.txt", kMessageBytes, &found));
            if (c.message.empty()) c.message = trim(read_box_file(work_dir, "feedback/teammessage.txt"));
            if (c.message.empty()) c.message = trim(err);
            const std::optional<Verdict> v = verdict_of_kattis_exit(r.exit_code);
            if (!v)
                return judge_error("output validator exited with " + std::to_string(r.exit_code) +
                                   " (42 or 43 expected)" + (c.message.empty() ? "" : ": " + c.message));
            c.verdict = *v;
            const std::string score = read_box_file(work_dir, "feedback/score.txt", 256, &found);
            if (found) {
                c.absolute = parse_number(score);
                if (!c.absolute) return judge_error("output validator wrote an unreadable score.txt");
            }
            const std::string mult = read_box_file(work_dir, "feedback/score_multiplier.txt", 256, &found);
            if (found) {
                c.fraction = parse_number(mult);
                if (!c.fraction || *c.fraction < -kEps)
                    return judge_error("output validator wrote an unreadable score_multiplier.txt");
                c.fraction = std::max(*c.fraction, 0.0);
            }
            return c;
        }
        case Checker::Protocol::cms: {
            c.message = cms_message(first_line(err));
            if (r.status != Status::ok)
                return judge_error("checker exited with " + std::to_string(r.exit_code) +
                                   (c.message.empty() ? "" : ": " + c.message));
            const std::optional<double> f = parse_number(first_line(read_box_file(out_dir, "stdout", 256)));
            if (!f || *f < -kEps || *f > 1 + kEps)
                return judge_error("checker's first stdout line is not a number in [0, 1]" +
                                   (c.message.empty() ? "" : ": " + c.message));
            c.fraction = std::clamp(*f, 0.0, 1.0);
            c.verdict = verdict_of_fraction(*c.fraction);
            return c;
        }
    }
    return judge_error("unknown checker protocol");
}

}  // namespace judge
