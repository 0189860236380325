#include "server/work/grading.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <system_error>

#include <nlohmann/json.hpp>

#include "server/judge0/base64.hpp"
#include "server/judge0/judge0.hpp"
#include "server/judge0/zip.hpp"

namespace server {
namespace {

using nlohmann::json;

void write_file(const std::string& path, const std::string& bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open(\"" + path + "\")");
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int e = errno;
            ::close(fd);
            throw std::system_error(e, std::generic_category(), "write(\"" + path + "\")");
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

std::uint64_t ms(double seconds) { return static_cast<std::uint64_t>(std::llround(seconds * 1000.0)); }

std::string decode_b64_field(const json& item, const char* key) {
    auto it = item.find(key);
    if (it == item.end() || it->is_null()) return {};
    auto bytes = base64::decode(it->get<std::string>());
    if (!bytes) throw std::invalid_argument(std::string("tests: ") + key + " is not base64");
    return *bytes;
}

std::optional<std::string> non_empty(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return s;
}

// Judge0's message for a run that did not end well (isolate's wording where
// Judge0 shows it), and ours for the statuses Judge0 cannot name.
std::optional<std::string> message_of(const judge::TestResult& t) {
    using judge::Verdict;
    switch (t.verdict.verdict) {
    case Verdict::time_limit_exceeded:
        return t.verdict.detail == "wall" ? "Wall time limit exceeded" : "Time limit exceeded";
    case Verdict::memory_limit_exceeded: return "Memory limit exceeded";
    case Verdict::output_limit_exceeded: return "Output limit exceeded";
    case Verdict::runtime_error:
        if (t.verdict.signal) return "Caught fatal signal " + std::to_string(t.verdict.signal);
        if (t.verdict.exit_code) return "Exited with error status " + std::to_string(t.verdict.exit_code);
        return non_empty(t.verdict.detail);  // a forbidden system call
    case Verdict::internal_error: return non_empty(t.message.empty() ? t.verdict.detail : t.message);
    default: return std::nullopt;
    }
}

json verdict_object(const judge::VerdictDetail& v) {
    return json{{"name", judge::to_string(v.verdict)}, {"short", judge::short_name(v.verdict)}, {"detail", v.detail}};
}

void set_run_fields(Record& r, const judge::TestResult& t) {
    r.stdout_data = non_empty(t.stdout_excerpt);
    r.stderr_data = non_empty(t.stderr_excerpt);
    r.message = message_of(t);
    if (t.signal) {
        r.exit_signal = t.signal;
        r.exit_code.reset();
    } else {
        r.exit_code = t.exit_code;
        r.exit_signal.reset();
    }
    r.status_id = judge0::status_id(t.verdict);
}

}  // namespace

std::vector<judge::ExtraFile> unpack_additional_files(const std::string& zip_bytes, const Config& cfg) {
    zip::Limits lim;
    lim.max_total_bytes = static_cast<std::uint64_t>(cfg.max_extract_size) * 1024;
    lim.max_entry_bytes = lim.max_total_bytes;
    std::vector<judge::ExtraFile> out;
    std::vector<zip::Entry> entries;
    try {
        entries = zip::read(zip_bytes, lim);
    } catch (const zip::ZipError& e) {
        throw std::invalid_argument(e.what());
    }
    // Folders as Judge0 allows them, within bounds a file system and a
    // removal handle at ease (zip::read already refused links, "..",
    // absolute paths, devices and duplicates).
    constexpr std::size_t max_depth = 32, max_path = 1024, max_part = 255;
    for (auto& e : entries) {
        const std::size_t depth = static_cast<std::size_t>(std::count(e.path.begin(), e.path.end(), '/')) + 1;
        std::size_t longest = 0;
        for (std::size_t from = 0;;) {
            const std::size_t slash = e.path.find('/', from);
            longest = std::max(longest, (slash == std::string::npos ? e.path.size() : slash) - from);
            if (slash == std::string::npos) break;
            from = slash + 1;
        }
        if (depth > max_depth || e.path.size() > max_path || longest > max_part)
            throw std::invalid_argument("additional_files: '" + e.path.substr(0, 80) + (e.path.size() > 80 ? "…" : "") +
                                        "': paths may be at most " + std::to_string(max_depth) + " folders deep, " +
                                        std::to_string(max_path) + " bytes long, with names of at most " +
                                        std::to_string(max_part) + " bytes");
        out.push_back(judge::ExtraFile{e.path, std::move(e.content), e.executable, e.is_dir});
    }
    return out;
}

judge::Submission to_judge_submission(const Record& r, const judge::Catalog& catalog, const Config& cfg,
                                      const std::string& dir) {
    const judge::Language* lang = catalog.by_id(r.language_id);
    if (!lang) throw std::invalid_argument("language with id " + std::to_string(r.language_id) + " is not available");
    const auto flags = r.compiler_options ? judge::split_words(*r.compiler_options) : std::vector<std::string>{};
    const auto args = r.command_line_arguments ? judge::split_words(*r.command_line_arguments) : std::vector<std::string>{};

    judge::Submission s;
    s.toolchain = catalog.toolchain(*lang, flags, args);
    s.source = r.source_code;
    if (r.additional_files) s.additional_files = unpack_additional_files(*r.additional_files, cfg);
    s.limits.cpu_time_ms = ms(r.cpu_time_limit);
    s.limits.extra_time_ms = ms(r.cpu_extra_time);
    s.limits.wall_time_ms = std::max<std::uint64_t>(ms(r.wall_time_limit), 1);
    s.limits.memory_bytes = static_cast<std::uint64_t>(r.memory_limit) * 1024;
    s.limits.stack_bytes = static_cast<std::uint64_t>(r.stack_limit) * 1024;
    s.limits.output_bytes = static_cast<std::uint64_t>(r.max_file_size) * 1024;
    s.limits.processes = static_cast<std::uint32_t>(std::max(r.max_processes_and_or_threads, 1));
    s.limits.stderr_to_stdout = r.redirect_stderr_to_stdout;
    s.limits.network = r.enable_network;  // the API refuses it unless ALLOW_ENABLE_NETWORK
    if (!r.comparator.empty()) {
        auto kind = judge::parse_compare_kind(r.comparator);
        if (!kind) throw std::invalid_argument("unknown comparator " + r.comparator);
        s.compare.kind = *kind;
    }

    if (!r.tests_json.empty()) {
        const json tests = json::parse(r.tests_json);
        bool any_expected = false;
        std::size_t i = 0;
        for (const auto& item : tests) {
            ++i;
            const std::string name = "test" + std::to_string(i);
            const std::string in = dir + "/" + name + ".in", ans = dir + "/" + name + ".ans";
            write_file(in, decode_b64_field(item, "stdin_b64"));
            const bool has = item.contains("expected_output_b64") && !item["expected_output_b64"].is_null();
            any_expected = any_expected || has;
            write_file(ans, decode_b64_field(item, "expected_output_b64"));
            s.tests.push_back(judge::TestCase{name, in, ans});
        }
        s.compare_output = any_expected;
        s.stop_at_first_failure = false;
    } else {
        write_file(dir + "/stdin", r.stdin_data.value_or(""));
        write_file(dir + "/expected", r.expected_output.value_or(""));
        for (int i = 1; i <= std::max(r.number_of_runs, 1); ++i)
            s.tests.push_back(judge::TestCase{"run" + std::to_string(i), dir + "/stdin", dir + "/expected"});
        s.compare_output = r.expected_output.has_value();
        s.stop_at_first_failure = true;
    }
    return s;
}

judge::Submission to_problem_submission(const Record& r, const judge::Catalog& catalog, const Config& cfg) {
    const judge::Language* lang = catalog.by_id(r.language_id);
    if (!lang) throw std::invalid_argument("language with id " + std::to_string(r.language_id) + " is not available");
    const auto flags = r.compiler_options ? judge::split_words(*r.compiler_options) : std::vector<std::string>{};
    judge::Submission s;
    s.toolchain = catalog.toolchain(*lang, flags, {});
    s.source = r.source_code;
    if (r.additional_files) s.additional_files = unpack_additional_files(*r.additional_files, cfg);
    return s;
}

void apply_contest_result(Record& r, const judge::ContestResult& res, const judge::Problem& p) {
    r.compile_output = non_empty(res.compile.message);
    json groups = json::array();
    for (const auto& g : res.score.groups)
        groups.push_back(json{{"name", g.name},
                              {"verdict", judge::short_name(g.verdict)},
                              {"passed", g.passed},
                              {"score", g.score},
                              {"max_score", g.max_score},
                              {"note", g.note}});
    json tests = json::array();
    const judge::ContestTestResult* decisive = nullptr;
    double cpu_max = 0, wall_max = 0, mem_max = 0;
    for (const auto& t : res.tests) {
        json o{{"group", t.group}, {"name", t.run.name}, {"skipped", t.run.skipped}};
        if (!t.run.skipped) {
            o["verdict"] = verdict_object(t.run.verdict);
            o["time"] = static_cast<double>(t.run.cpu_time_us) / 1e6;
            o["wall_time"] = static_cast<double>(t.run.wall_time_us) / 1e6;
            o["memory"] = t.run.memory_bytes / 1024;
            o["message"] = t.check.message.empty() ? t.run.message : t.check.message;
            if (t.fraction) o["fraction"] = *t.fraction;
            if (t.absolute) o["score"] = *t.absolute;
            cpu_max = std::max(cpu_max, static_cast<double>(t.run.cpu_time_us));
            wall_max = std::max(wall_max, static_cast<double>(t.run.wall_time_us));
            mem_max = std::max(mem_max, static_cast<double>(t.run.memory_bytes));
            if (!decisive && t.run.verdict.verdict == res.verdict) decisive = &t;
        }
        tests.push_back(std::move(o));
    }
    json result{{"problem_id", r.problem_id.value_or("")},
                {"problem_version", r.problem_version.value_or(0)},
                {"verdict", judge::short_name(res.verdict)},
                {"score", res.score.score},
                {"max_score", res.score.max_score},
                {"scoring", p.type == judge::ProblemType::scoring},
                {"groups", groups},
                {"tests", tests}};
    r.problem_result_json = result.dump();

    judge::VerdictDetail v;
    v.verdict = res.verdict;
    if (res.verdict == judge::Verdict::compilation_error) {
        r.status_id = status::compilation_error;
        r.verdict_json = verdict_object(v).dump();
        return;
    }
    if (!decisive && res.verdict == judge::Verdict::internal_error) {
        const std::string why = res.compile.message.empty() ? "the judge failed" : res.compile.message;
        const std::string keep = r.problem_result_json;
        apply_internal_error(r, why);
        r.problem_result_json = keep;
        return;
    }
    if (decisive) {
        set_run_fields(r, decisive->run);
        v = decisive->run.verdict;
    } else {
        r.status_id = judge0::status_id(v);
    }
    r.time = cpu_max / 1e6;
    r.wall_time = wall_max / 1e6;
    r.memory = static_cast<std::int64_t>(mem_max / 1024);
    json vj = verdict_object(v);
    vj["score"] = res.score.score;
    vj["max_score"] = res.score.max_score;
    r.verdict_json = vj.dump();
}

void apply_internal_error(Record& r, const std::string& message) {
    r.status_id = status::internal_error;
    r.message = message;
    r.stdout_data.reset();
    r.stderr_data.reset();
    r.exit_code.reset();
    r.exit_signal.reset();
    r.time.reset();
    r.wall_time.reset();
    r.memory.reset();
    judge::VerdictDetail v;
    v.verdict = judge::Verdict::internal_error;
    v.detail = message;
    r.verdict_json = verdict_object(v).dump();
}

void apply_result(Record& r, const judge::JudgeResult& res) {
    r.compile_output = non_empty(res.compile.message);
    if (res.verdict == judge::Verdict::compilation_error || res.tests.empty() ||
        (res.verdict == judge::Verdict::internal_error && res.compile.kind != judge::CompileOutcome::Kind::ok)) {
        judge::VerdictDetail v;
        v.verdict = res.verdict;
        if (res.verdict == judge::Verdict::compilation_error) {
            r.status_id = status::compilation_error;
            r.message.reset();
        } else {
            const std::string why = res.compile.message.empty() ? "the judge failed" : res.compile.message;
            apply_internal_error(r, why);
            r.compile_output.reset();
            return;
        }
        r.verdict_json = verdict_object(v).dump();
        return;
    }

    // The deciding run: the first that is not Accepted, else the last that ran.
    const judge::TestResult* decisive = nullptr;
    double cpu_sum = 0, wall_sum = 0, mem_sum = 0, cpu_max = 0, wall_max = 0, mem_max = 0;
    int ran = 0;
    for (const auto& t : res.tests) {
        if (t.skipped) continue;
        ++ran;
        cpu_sum += static_cast<double>(t.cpu_time_us);
        wall_sum += static_cast<double>(t.wall_time_us);
        mem_sum += static_cast<double>(t.memory_bytes);
        cpu_max = std::max(cpu_max, static_cast<double>(t.cpu_time_us));
        wall_max = std::max(wall_max, static_cast<double>(t.wall_time_us));
        mem_max = std::max(mem_max, static_cast<double>(t.memory_bytes));
        if (!decisive && t.verdict.verdict != judge::Verdict::accepted) decisive = &t;
    }
    const bool multi = !r.tests_json.empty();
    if (multi) {
        // Over distinct tests the overall verdict is the worst (judge/verdict.hpp);
        // the fields show the first test that has it.
        for (const auto& t : res.tests)
            if (!t.skipped && t.verdict.verdict == res.verdict) {
                decisive = &t;
                break;
            }
    }
    if (!decisive) {
        for (auto it = res.tests.rbegin(); it != res.tests.rend(); ++it)
            if (!it->skipped) {
                decisive = &*it;
                break;
            }
    }
    if (!decisive) {
        apply_internal_error(r, "no test ran");
        return;
    }
    set_run_fields(r, *decisive);
    const double n = ran ? ran : 1;
    // Judge0's number_of_runs reports means; over distinct tests the worst
    // (the test that needed most) is the useful figure.
    r.time = (multi ? cpu_max : cpu_sum / n) / 1e6;
    r.wall_time = (multi ? wall_max : wall_sum / n) / 1e6;
    r.memory = static_cast<std::int64_t>((multi ? mem_max : mem_sum / n) / 1024);

    const judge::VerdictDetail& overall = decisive->verdict;
    json vj = verdict_object(overall);
    if (multi) {
        vj["detail"] = decisive->verdict.verdict == judge::Verdict::accepted
                           ? ""
                           : decisive->name + ": " + decisive->verdict.detail;
        json arr = json::array();
        for (const auto& t : res.tests) {
            json o{{"name", t.name}, {"skipped", t.skipped}};
            if (!t.skipped) {
                o["verdict"] = verdict_object(t.verdict);
                o["status"] = {{"id", judge0::status_id(t.verdict)},
                               {"description", status_description(judge0::status_id(t.verdict))}};
                o["time"] = static_cast<double>(t.cpu_time_us) / 1e6;
                o["wall_time"] = static_cast<double>(t.wall_time_us) / 1e6;
                o["memory"] = t.memory_bytes / 1024;
                o["exit_code"] = t.signal ? json(nullptr) : json(t.exit_code);
                o["exit_signal"] = t.signal ? json(t.signal) : json(nullptr);
                o["stdout_b64"] = base64::encode(t.stdout_excerpt);
                o["stderr_b64"] = base64::encode(t.stderr_excerpt);
                o["message"] = t.message;
            }
            arr.push_back(std::move(o));
        }
        r.test_results_json = arr.dump();
    }
    r.verdict_json = vj.dump();
}

}  // namespace server
