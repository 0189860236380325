#include "judge/problem.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "judge/yaml.hpp"

namespace judge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Bounds on what a package may hold: a hostile archive must not make the
// loader walk forever or read a huge file into memory.
constexpr std::size_t kMaxYamlBytes = 1 << 20;
constexpr std::size_t kMaxEntries = 200'000;
constexpr int kMaxDepth = 16;

// Every message names the file (relative to the package root) first.
[[noreturn]] void fail(const std::string& where, const std::string& what) { throw ProblemError(where + ": " + what); }

bool hidden(const std::string& name) { return !name.empty() && name.front() == '.'; }

bool has_control(const std::string& s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split_words(std::string_view s) {
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

// Refuses symlinks and anything that is neither a regular file nor a folder,
// anywhere below the root, before anything else reads the package: a link
// could point out of the package (at /etc/shadow, or at a FIFO that blocks
// the loader), and a device node has no business in test data.
void check_tree(const fs::path& root) {
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
    if (ec) fail(root.string(), "cannot read the folder: " + ec.message());
    std::size_t entries = 0;
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) fail(root.string(), "cannot walk the package: " + ec.message());
        const fs::path& p = it->path();
        const std::string rel = p.lexically_relative(root).string();
        if (++entries > kMaxEntries) fail(rel, "the package holds too many files");
        if (it.depth() > kMaxDepth) fail(rel, "nested too deeply");
        if (has_control(p.filename().string())) fail(rel, "a control character in a file name");
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) fail(rel, std::string("lstat: ") + std::strerror(errno));
        if (S_ISLNK(st.st_mode)) fail(rel, "symbolic links are not allowed in a package");
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) fail(rel, "only regular files and folders are allowed");
    }
    if (ec) fail(root.string(), "cannot walk the package: " + ec.message());
}

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(fs::symlink_status(p, ec));
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(fs::symlink_status(p, ec));
}

std::string read_text(const fs::path& p, const std::string& rel, std::size_t max_bytes) {
    std::ifstream in(p, std::ios::binary);
    if (!in) fail(rel, "cannot open");
    std::string text;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_bytes) fail(rel, "larger than " + std::to_string(max_bytes) + " bytes");
    }
    if (in.bad()) fail(rel, "read error");
    return text;
}

json read_yaml(const fs::path& p, const std::string& rel) {
    try {
        json y = parse_yaml(read_text(p, rel, kMaxYamlBytes));
        if (y.is_null()) return json::object();
        if (!y.is_object()) fail(rel, "must be a mapping of keys to values");
        return y;
    } catch (const YamlError& e) {
        fail(rel, e.what());
    }
}

// Sorted names in a folder, hidden ones (".git", ".gitkeep") left out.
std::vector<std::string> list_dir(const fs::path& dir, const std::string& rel) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        std::string n = it->path().filename().string();
        if (!hidden(n)) names.push_back(std::move(n));
    }
    if (ec) fail(rel, "cannot list: " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

std::string where(const std::string& rel, const std::string& key) { return rel + " (" + key + ")"; }

const std::string& as_string(const json& v, const std::string& file, const std::string& key) {
    if (!v.is_string()) fail(where(file, key), "must be a string");
    return v.get_ref<const std::string&>();
}

double as_number(const json& v, const std::string& file, const std::string& key) {
    if (!v.is_number()) fail(where(file, key), "must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(where(file, key), "must be finite");
    return d;
}

std::uint64_t as_mib(const json& v, const std::string& file, const std::string& key) {
    if (!v.is_number_integer() && !v.is_number_unsigned()) fail(where(file, key), "must be a whole number of MiB");
    const auto n = v.get<std::int64_t>();
    if (n <= 0 || n > (1 << 20)) fail(where(file, key), "must be between 1 and 1048576 MiB");
    return static_cast<std::uint64_t>(n);
}

// A string of words or a list of strings (output_validator_args, ...).
std::vector<std::string> as_args(const json& v, const std::string& file, const std::string& key) {
    if (v.is_null()) return {};
    if (v.is_string()) return split_words(v.get_ref<const std::string&>());
    if (v.is_array()) {
        std::vector<std::string> out;
        for (const json& a : v) {
            if (a.is_string()) {
                out.push_back(a.get<std::string>());
            } else if (a.is_number()) {
                out.push_back(a.dump());
            } else {
                fail(where(file, key), "must be a string or a list of strings");
            }
        }
        return out;
    }
    fail(where(file, key), "must be a string or a list of strings");
}

// One folder's testdata.yaml, read. Kattis legacy keys (on_reject,
// grader_flags, accept_score, output_validator_flags) and 2023 keys
// (score_aggregation, max_score, require_pass, output_validator_args).
struct Settings {
    std::optional<Aggregation> aggregation;
    std::optional<bool> stop_on_reject;
    std::optional<double> accept_score;
    std::optional<std::vector<std::string>> validator_args;
    // Not inherited by subfolders: they describe this folder itself.
    std::optional<Aggregation> own_aggregation;  // score_aggregation
    std::optional<double> max_score;
    std::vector<std::string> require_pass;
};

Settings read_settings(const fs::path& dir, const std::string& rel) {
    Settings s;
    const fs::path file = dir / "testdata.yaml";
    const std::string frel = rel + "/testdata.yaml";
    if (!is_file(file)) return s;
    const json y = read_yaml(file, frel);
    for (const auto& [key, v] : y.items()) {
        if (key == "on_reject") {
            const std::string& r = as_string(v, frel, key);
            if (r == "break") {
                s.stop_on_reject = true;
            } else if (r == "continue") {
                s.stop_on_reject = false;
            } else {
                fail(where(frel, key), "must be break or continue, not \"" + r + "\"");
            }
        } else if (key == "grading") {
            const std::string& g = as_string(v, frel, key);
            if (g != "default") fail(where(frel, key), "only the default grader is supported, not \"" + g + "\"");
        } else if (key == "grader_flags") {
            for (const std::string& f : split_words(as_string(v, frel, key))) {
                if (f == "sum") {
                    s.aggregation = Aggregation::sum;
                } else if (f == "min") {
                    s.aggregation = Aggregation::min;
                } else if (f == "first_error" || f == "worst_error" || f == "ignore_sample") {
                    // Our verdict is always the first error; samples never count.
                } else {
                    fail(where(frel, key), "unsupported grader flag \"" + f + "\"");
                }
            }
        } else if (key == "accept_score") {
            const double a = as_number(v, frel, key);
            if (a < 0) fail(where(frel, key), "must not be negative");
            s.accept_score = a;
        } else if (key == "reject_score") {
            if (as_number(v, frel, key) != 0) fail(where(frel, key), "only 0 is supported");
        } else if (key == "score_aggregation") {
            const std::string& a = as_string(v, frel, key);
            if (a == "pass-fail") {
                s.own_aggregation = Aggregation::pass_fail;
            } else if (a == "sum") {
                s.own_aggregation = Aggregation::sum;
            } else if (a == "min") {
                s.own_aggregation = Aggregation::min;
            } else {
                fail(where(frel, key), "must be pass-fail, sum or min, not \"" + a + "\"");
            }
        } else if (key == "max_score") {
            if (v.is_string()) fail(where(frel, key), "must be a number (unbounded scores are not supported)");
            const double m = as_number(v, frel, key);
            if (m < 0) fail(where(frel, key), "must not be negative");
            s.max_score = m;
        } else if (key == "require_pass") {
            if (v.is_string()) {
                s.require_pass = {v.get<std::string>()};
            } else if (v.is_array()) {
                for (const json& r : v) s.require_pass.push_back(as_string(r, frel, key));
            } else {
                fail(where(frel, key), "must be a group name or a list of group names");
            }
        } else if (key == "output_validator_args" || key == "output_validator_flags") {
            std::vector<std::string> args = as_args(v, frel, key);
            if (s.validator_args) {
                s.validator_args->insert(s.validator_args->end(), args.begin(), args.end());
            } else {
                s.validator_args = std::move(args);
            }
        }
        // Anything else (range, input_validator_flags, full_feedback, ...)
        // concerns validation or display, not grading.
    }
    return s;
}

// The child's inheritable settings over the parent's (the closest
// testdata.yaml wins, key by key).
Settings inherit(const Settings& parent, Settings child) {
    if (!child.aggregation) child.aggregation = parent.aggregation;
    if (!child.stop_on_reject) child.stop_on_reject = parent.stop_on_reject;
    if (!child.accept_score) child.accept_score = parent.accept_score;
    if (!child.validator_args) child.validator_args = parent.validator_args;
    return child;
}

// The .in/.ans pairs of one folder (sorted by name) and its subfolders.
struct Listing {
    std::vector<ProblemTest> tests;
    std::vector<std::string> subdirs;
};

Listing list_tests(const fs::path& dir, const std::string& rel) {
    Listing out;
    std::set<std::string> ins, anss;
    for (const std::string& n : list_dir(dir, rel)) {
        const fs::path p = dir / n;
        if (is_dir(p)) {
            out.subdirs.push_back(n);
        } else if (ends_with(n, ".in")) {
            ins.insert(n.substr(0, n.size() - 3));
        } else if (ends_with(n, ".ans")) {
            anss.insert(n.substr(0, n.size() - 4));
        }
        // Other files (.desc, .hint, .png, .interaction, testdata.yaml) are
        // for people and tools, not for grading.
    }
    for (const std::string& stem : ins) {
        if (stem.empty()) fail(rel + "/.in", "a test needs a name");
        if (anss.count(stem) == 0) fail(rel + "/" + stem + ".in", "has no answer file " + stem + ".ans");
        ProblemTest t;
        t.name = rel.substr(std::string_view("data/").size()) + "/" + stem;
        t.input_path = (dir / (stem + ".in")).string();
        t.answer_path = (dir / (stem + ".ans")).string();
        out.tests.push_back(std::move(t));
    }
    for (const std::string& stem : anss) {
        if (ins.count(stem) == 0) fail(rel + "/" + stem + ".ans", "has no input file " + stem + ".in");
    }
    return out;
}

std::optional<std::string> language_of(const std::string& file) {
    const std::string ext = fs::path(file).extension().string();
    if (ext == ".cpp" || ext == ".cc" || ext == ".cxx") return "cpp17";
    if (ext == ".c") return "c";
    if (ext == ".py") return "python3";
    return std::nullopt;
}

// The validator's folder and its main source file.
void find_checker_source(const fs::path& root, Checker& checker) {
    const fs::path legacy = root / "output_validators";
    const fs::path modern = root / "output_validator";
    fs::path dir;
    std::string rel;
    if (is_dir(legacy) && is_dir(modern))
        fail("output_validator", "both output_validators/ and output_validator/ exist");
    if (is_dir(legacy)) {
        dir = legacy;
        rel = "output_validators";
        const std::vector<std::string> names = list_dir(dir, rel);
        std::vector<std::string> dirs;
        for (const std::string& n : names) {
            if (is_dir(dir / n)) dirs.push_back(n);
        }
        if (dirs.size() == 1 && names.size() == 1) {
            dir /= dirs.front();
            rel += "/" + dirs.front();
        } else if (!dirs.empty()) {
            fail(rel, "must hold one validator: a single folder, or its files directly");
        }
    } else {
        dir = modern;
        rel = "output_validator";
    }
    std::vector<std::string> sources;
    for (const std::string& n : list_dir(dir, rel)) {
        if (is_dir(dir / n)) fail(rel + "/" + n, "folders inside the validator's folder are not supported");
        if (language_of(n)) sources.push_back(n);
    }
    if (sources.empty()) fail(rel, "no validator source (.cpp, .cc, .c or .py)");
    std::string main;
    if (sources.size() == 1) {
        main = sources.front();
    } else {
        std::vector<std::string> named;
        for (const std::string& s : sources) {
            const std::string stem = fs::path(s).stem().string();
            if (stem == "validator" || stem == "checker" || stem == "interactor") named.push_back(s);
        }
        if (named.size() != 1) {
            fail(rel, "several source files and not exactly one named validator.*, checker.* or interactor.*");
        }
        main = named.front();
    }
    checker.source_dir = dir.string();
    checker.main_file = main;
    checker.language_key = *language_of(main);
}

struct YamlView {
    bool scoring = false;
    bool interactive = false;
    std::optional<bool> custom_validation;  // legacy `validation`
    std::vector<std::string> flags;         // validator_flags / output_validator_args
    std::optional<Checker::Protocol> protocol;
};

void read_type(const json& y, YamlView& v) {
    const std::string file = "problem.yaml";
    if (y.contains("type")) {
        const json& t = y["type"];
        std::vector<std::string> types;
        if (t.is_string()) {
            types = split_words(t.get<std::string>());
        } else if (t.is_array()) {
            for (const json& e : t) types.push_back(as_string(e, file, "type"));
        } else {
            fail(where(file, "type"), "must be a string or a list of strings");
        }
        bool pass_fail = false;
        for (const std::string& s : types) {
            if (s == "pass-fail") {
                pass_fail = true;
            } else if (s == "scoring") {
                v.scoring = true;
            } else if (s == "interactive") {
                v.interactive = true;
            } else if (s == "multi-pass" || s == "submit-answer") {
                fail(where(file, "type"), "problem type " + s + " is not supported");
            } else {
                fail(where(file, "type"), "unknown problem type \"" + s + "\"");
            }
        }
        if (pass_fail && v.scoring) fail(where(file, "type"), "pass-fail and scoring exclude each other");
    }
    if (y.contains("validation")) {
        const std::vector<std::string> words = split_words(as_string(y["validation"], file, "validation"));
        if (words.empty() || (words[0] != "default" && words[0] != "custom")) {
            fail(where(file, "validation"), "must be default or custom [interactive] [score]");
        }
        v.custom_validation = words[0] == "custom";
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (words[0] != "custom") fail(where(file, "validation"), "default takes no modifiers");
            if (words[i] == "interactive") {
                v.interactive = true;
            } else if (words[i] != "score") {
                fail(where(file, "validation"), "unknown modifier \"" + words[i] + "\"");
            }
        }
    }
}

void read_judged(const json& y, YamlView& v, Problem& p) {
    if (!y.contains("judged") || y["judged"].is_null()) return;
    const std::string file = "problem.yaml";
    const json& j = y["judged"];
    if (!j.is_object()) fail(where(file, "judged"), "must be a mapping");
    for (const auto& [key, val] : j.items()) {
        const std::string k = "judged." + key;
        if (key == "checker_protocol") {
            const std::string& s = as_string(val, file, k);
            if (s == "kattis") {
                v.protocol = Checker::Protocol::kattis;
            } else if (s == "testlib") {
                v.protocol = Checker::Protocol::testlib;
            } else if (s == "cms") {
                v.protocol = Checker::Protocol::cms;
            } else {
                fail(where(file, k), "must be kattis, testlib or cms, not \"" + s + "\"");
            }
        } else if (key == "testlib_points") {
            const std::string& s = as_string(val, file, k);
            if (s == "percent") {
                p.testlib_points = PointsRule::percent;
            } else if (s == "absolute") {
                p.testlib_points = PointsRule::absolute;
            } else {
                fail(where(file, k), "must be percent or absolute, not \"" + s + "\"");
            }
        } else if (key == "interactive_precedence") {
            const std::string& s = as_string(val, file, k);
            if (s == "validator_first") {
                p.precedence = InteractivePrecedence::validator_first;
            } else if (s == "contestant_first") {
                p.precedence = InteractivePrecedence::contestant_first;
            } else {
                fail(where(file, k), "must be validator_first or contestant_first, not \"" + s + "\"");
            }
        } else {
            // Our own namespace: a typo must not pass silently.
            fail(where(file, k), "unknown key");
        }
    }
}

double read_timelimit(const fs::path& file) {
    const std::string text = read_text(file, ".timelimit", 64);
    std::string_view t = text;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front())) != 0) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())) != 0) t.remove_suffix(1);
    double d = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), d);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size() || !(d > 0) || d > 3600) {
        fail(".timelimit", "must hold a number of seconds above 0 and at most 3600");
    }
    return d;
}

void read_problem_yaml(const fs::path& root, Problem& p, YamlView& v) {
    const std::string file = "problem.yaml";
    if (!is_file(root / file)) fail(file, "missing");
    const json y = read_yaml(root / file, file);

    bool time_set = false;
    p.name = p.short_name;
    if (y.contains("name") && !y["name"].is_null()) {
        const json& n = y["name"];
        if (n.is_string()) {
            p.name = n.get<std::string>();
        } else if (n.is_object() && !n.empty()) {
            for (const auto& [lang, text] : n.items()) as_string(text, file, "name." + lang);
            p.name = n.contains("en") ? n["en"].get<std::string>() : n.begin()->get<std::string>();
        } else {
            fail(where(file, "name"), "must be a string or a map of language to string");
        }
    }
    if (y.contains("problem_format_version") && !y["problem_format_version"].is_string()) {
        fail(where(file, "problem_format_version"), "must be a string");
    }
    read_type(y, v);

    if (y.contains("limits") && !y["limits"].is_null()) {
        const json& l = y["limits"];
        if (!l.is_object()) fail(where(file, "limits"), "must be a mapping");
        if (l.contains("time_limit")) {
            const double t = as_number(l["time_limit"], file, "limits.time_limit");
            if (t <= 0 || t > 3600) fail(where(file, "limits.time_limit"), "must be above 0 and at most 3600 seconds");
            p.time_limit_s = t;
            time_set = true;
        }
        if (l.contains("memory")) p.memory_mb = as_mib(l["memory"], file, "limits.memory");
        if (l.contains("output")) p.output_mb = as_mib(l["output"], file, "limits.output");
        // time_multiplier, time_safety_margin, compilation_* and validation_*
        // limits concern tools that derive limits, not grading.
    }
    // DOMjudge's file for legacy packages, which state no time limit.
    if (!time_set && is_file(root / ".timelimit")) p.time_limit_s = read_timelimit(root / ".timelimit");

    for (const char* key : {"validator_flags", "output_validator_args"}) {
        if (y.contains(key)) {
            std::vector<std::string> a = as_args(y[key], file, key);
            v.flags.insert(v.flags.end(), a.begin(), a.end());
        }
    }
    read_judged(y, v, p);
}

// Secret group names as require_pass may spell them: "sample",
// "secret/group1", or "group1" for secret/group1.
std::string resolve_group_name(const std::string& name, const std::string& file) {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos || has_control(name)) {
        fail(where(file, "require_pass"), "bad group name \"" + name + "\"");
    }
    if (name == "sample" || name.rfind("secret/", 0) == 0) return name;
    return "secret/" + name;
}

}  // namespace

CompareOptions default_validator_options(const std::vector<std::string>& flags) {
    CompareOptions o;
    o.kind = CompareKind::tokens;
    o.case_insensitive = true;
    bool space_sensitive = false, both = false, one = false;
    auto number = [&](std::size_t& i) {
        const std::string& flag = flags[i];
        if (i + 1 >= flags.size()) throw ProblemError("validator flag " + flag + " needs a number");
        const std::string& s = flags[++i];
        double d = 0;
        const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
        if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(d) || d < 0) {
            throw ProblemError("validator flag " + flag + " needs a non-negative number, not \"" + s + "\"");
        }
        return d;
    };
    for (std::size_t i = 0; i < flags.size(); ++i) {
        const std::string& f = flags[i];
        if (f == "case_sensitive") {
            o.case_insensitive = false;
        } else if (f == "space_change_sensitive") {
            space_sensitive = true;
        } else if (f == "float_tolerance") {
            o.abs_tolerance = o.rel_tolerance = number(i);
            both = true;
        } else if (f == "float_absolute_tolerance") {
            o.abs_tolerance = number(i);
            one = true;
        } else if (f == "float_relative_tolerance") {
            o.rel_tolerance = number(i);
            one = true;
        } else {
            throw ProblemError("unknown validator flag \"" + f + "\"");
        }
    }
    if (both && one) {
        throw ProblemError(
            "float_tolerance cannot be combined with float_absolute_tolerance or float_relative_tolerance");
    }
    if (both || one) {
        // Tolerances need number-aware tokens; the floats kind ignores
        // spacing, so space_change_sensitive is not enforced together with them.
        o.kind = CompareKind::floats;
    } else if (space_sensitive) {
        // Byte for byte: the exact kind compares case too.
        o.kind = CompareKind::exact;
    }
    return o;
}

Problem load_problem(const std::string& dir) {
    if (dir.empty()) throw ProblemError("empty package path");
    for (const fs::path& part : fs::path(dir)) {
        if (part == "..") throw ProblemError(dir + ": \"..\" is not allowed in a package path");
    }
    fs::path root = fs::absolute(fs::path(dir)).lexically_normal();
    if (!root.has_filename()) root = root.parent_path();
    struct stat st {};
    if (::stat(root.c_str(), &st) != 0) throw ProblemError(root.string() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) throw ProblemError(root.string() + ": not a folder");

    Problem p;
    p.root = root.string();
    p.short_name = root.filename().string();
    try {
        check_tree(root);

        YamlView v;
        read_problem_yaml(root, p, v);
        p.type = v.scoring ? ProblemType::scoring : ProblemType::pass_fail;
        p.interactive = v.interactive;

        // The checker.
        const bool has_validator = is_dir(root / "output_validators") || is_dir(root / "output_validator");
        if (!has_validator) {
            if (p.interactive)
                fail("problem.yaml",
                     "an interactive problem needs an output validator (output_validators/ or output_validator/)");
            if (v.custom_validation.value_or(false))
                fail("problem.yaml", "validation: custom needs output_validators/");
            if (v.protocol) fail("problem.yaml", "judged.checker_protocol needs an output validator folder");
            p.checker.protocol = Checker::Protocol::builtin;
            try {
                p.checker.compare = default_validator_options(v.flags);
            } catch (const ProblemError& e) {
                fail("problem.yaml", e.what());
            }
        } else {
            if (v.custom_validation && !*v.custom_validation) {
                fail("problem.yaml", "validation: default, but the package has an output validator folder");
            }
            find_checker_source(root, p.checker);
            p.checker.protocol = v.protocol.value_or(Checker::Protocol::kattis);
            if (p.interactive && p.checker.protocol == Checker::Protocol::cms) {
                fail("problem.yaml", "interactive problems with a cms checker are not supported");
            }
        }

        // Test data.
        const fs::path data = root / "data";
        if (!is_dir(data)) fail("data", "missing");
        const Settings data_settings = read_settings(data, "data");
        auto make_group = [&](const std::string& name, std::vector<ProblemTest> tests, const Settings& s,
                              const std::string& settings_file) {
            TestGroup g;
            g.name = name;
            g.sample = name == "sample";
            g.tests = std::move(tests);
            g.aggregation = s.own_aggregation.value_or(s.aggregation.value_or(Aggregation::pass_fail));
            g.stop_on_reject = s.stop_on_reject.value_or(g.aggregation == Aggregation::pass_fail);
            g.validator_args = v.flags;
            if (s.validator_args)
                g.validator_args.insert(g.validator_args.end(), s.validator_args->begin(), s.validator_args->end());
            if (p.checker.protocol == Checker::Protocol::builtin) {
                try {
                    default_validator_options(g.validator_args);
                } catch (const ProblemError& e) {
                    fail(settings_file, e.what());
                }
            }
            return g;
        };

        if (is_dir(data / "sample")) {
            const Settings s = inherit(data_settings, read_settings(data / "sample", "data/sample"));
            if (!s.require_pass.empty()) fail("data/sample/testdata.yaml", "the sample group cannot require others");
            Listing l = list_tests(data / "sample", "data/sample");
            if (!l.subdirs.empty())
                fail("data/sample/" + l.subdirs.front(), "groups inside data/sample are not supported");
            if (!l.tests.empty())
                p.groups.push_back(make_group("sample", std::move(l.tests), s, "data/sample/testdata.yaml"));
        }

        const fs::path secret = data / "secret";
        if (!is_dir(secret)) fail("data/secret", "missing");
        const Settings secret_settings = inherit(data_settings, read_settings(secret, "data/secret"));
        Listing top = list_tests(secret, "data/secret");
        if (!top.tests.empty() && !top.subdirs.empty()) fail("data/secret", "holds both tests and groups (folders)");
        if (top.tests.empty() && top.subdirs.empty()) fail("data/secret", "has no tests");
        const double total = secret_settings.max_score.value_or(100);

        // Which groups named their max_score (or, legacy, an accept_score).
        std::vector<std::optional<double>> named;
        if (!top.tests.empty()) {
            if (!secret_settings.require_pass.empty()) fail("data/secret/testdata.yaml", "require_pass needs groups");
            TestGroup g = make_group("secret", std::move(top.tests), secret_settings, "data/secret/testdata.yaml");
            g.max_score = total;
            p.groups.push_back(std::move(g));
            named.push_back(total);
        } else {
            if (secret_settings.own_aggregation && *secret_settings.own_aggregation != Aggregation::sum) {
                fail("data/secret/testdata.yaml", "groups always add up: score_aggregation must be sum");
            }
            if (!secret_settings.require_pass.empty())
                fail("data/secret/testdata.yaml", "require_pass belongs in a group's testdata.yaml");
            for (const std::string& gname : top.subdirs) {
                const fs::path gdir = secret / gname;
                const std::string grel = "data/secret/" + gname;
                const std::string gfile = grel + "/testdata.yaml";
                Settings own = read_settings(gdir, grel);
                const Settings s = inherit(secret_settings, own);
                Listing l = list_tests(gdir, grel);
                if (!l.subdirs.empty()) fail(grel + "/" + l.subdirs.front(), "groups do not nest");
                if (l.tests.empty()) fail(grel, "a group without tests");
                TestGroup g = make_group("secret/" + gname, std::move(l.tests), s, gfile);
                std::optional<double> m = own.max_score;
                if (!m && s.accept_score) {
                    m = g.aggregation == Aggregation::sum ? *s.accept_score * static_cast<double>(g.tests.size())
                                                          : *s.accept_score;
                }
                named.push_back(m);
                for (const std::string& r : s.require_pass) {
                    const std::string name = resolve_group_name(r, gfile);
                    const auto it = std::find_if(p.groups.begin(), p.groups.end(),
                                                 [&](const TestGroup& e) { return e.name == name; });
                    if (it == p.groups.end()) {
                        fail(where(gfile, "require_pass"), "\"" + r + "\" is not an earlier group");
                    }
                    if (std::find(g.require_pass.begin(), g.require_pass.end(), name) == g.require_pass.end()) {
                        g.require_pass.push_back(name);
                    }
                }
                p.groups.push_back(std::move(g));
            }
        }

        // Max scores: named ones as named; the rest of the total, evenly.
        double named_sum = 0;
        std::size_t unnamed = 0;
        for (const auto& m : named) {
            if (m) {
                named_sum += *m;
            } else {
                ++unnamed;
            }
        }
        const double share = unnamed == 0 ? 0 : (total - named_sum) / static_cast<double>(unnamed);
        if (share < 0) {
            std::ostringstream msg;
            msg << "the groups' max_score add up to " << named_sum << ", above the total " << total
                << ", leaving nothing for the groups that name none";
            fail("data/secret", msg.str());
        }
        std::size_t k = 0;
        p.max_score = 0;
        for (TestGroup& g : p.groups) {
            if (g.sample) continue;
            const std::optional<double>& m = named[k++];
            g.max_score = p.type == ProblemType::scoring ? m.value_or(share) : 0;
            p.max_score += g.max_score;
        }

        // Submissions, for judge verify.
        const fs::path subs = root / "submissions";
        if (is_dir(subs)) {
            for (const std::string& cat : list_dir(subs, "submissions")) {
                const fs::path cdir = subs / cat;
                if (!is_dir(cdir)) continue;
                std::vector<std::string>& files = p.submissions[cat];
                for (const std::string& f : list_dir(cdir, "submissions/" + cat)) {
                    if (is_file(cdir / f)) files.push_back((cdir / f).string());
                }
            }
        }
    } catch (const fs::filesystem_error& e) {
        throw ProblemError(p.short_name + ": " + e.what());
    }
    return p;
}

}  // namespace judge
