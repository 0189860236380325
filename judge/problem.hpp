// Problems: a Kattis problem package (https://www.kattis.com/problem-package-format/,
// legacy and 2023-07 drafts) read from a folder into a value type the
// grader works from. See ../shared/CONTEST-FORMATS.md for the facts.
//
//   problem.yaml                      name, type, limits, validation, our extension keys
//   data/sample/*.in|*.ans            run first, never count toward the score
//   data/secret/*.in|*.ans            tests, or groups: data/secret/<group>/ (not both, no nesting)
//   data/**/testdata.yaml             per-folder settings (see TestGroup)
//   output_validators/<name>/ (legacy) or output_validator/ (2023+): one
//                                     checker's source (see Checker)
//   submissions/<category>/<file>     for judge verify
//
// Our extension keys live under `judged:` in problem.yaml (never in Kattis'
// own namespace):
//   judged:
//     checker_protocol: kattis | testlib | cms     (default kattis)
//     testlib_points: absolute | percent           (default percent: `points 40` = 40% of the test)
//     interactive_precedence: validator_first | contestant_first   (default validator_first, as Kattis)
//
// Thread-safety: a loaded Problem is an immutable value.
// Test data: data/sample and data/secret only (other data/ folders, files
// other than .in/.ans/testdata.yaml, and hidden entries are ignored); an
// .in without its .ans, or an .ans without its .in, is refused. testdata.yaml
// applies to its folder; legacy keys (on_reject, grader_flags, accept_score,
// output_validator_flags) and output_validator_args are inherited key by key
// from data/ and data/secret/, while score_aggregation, max_score and
// require_pass describe their own folder only (data/secret/testdata.yaml's
// max_score is the total the groups share).
//
// Errors: load_problem throws ProblemError naming the file and what is wrong
// (a missing folder, bad YAML, a test without its answer, groups nested,
// a dependency on an unknown or later group, an unknown problem type,
// a validator folder with no usable source, a path that is a symlink or
// special file anywhere in the package).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "judge/comparator.hpp"

namespace judge {

class ProblemError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class ProblemType { pass_fail, scoring };

enum class Aggregation { pass_fail, sum, min };

struct ProblemTest {
    std::string name;         // path below data/ without extension: "secret/group1/03-big"
    std::string input_path;   // absolute host paths inside the package folder
    std::string answer_path;
};

struct TestGroup {
    std::string name;  // "sample", "secret" (tests directly in secret/), or "secret/<group>"
    bool sample = false;  // runs first, never counts toward the score
    std::vector<ProblemTest> tests;  // lexicographic by file name
    Aggregation aggregation = Aggregation::pass_fail;
    // The group's points when every test is accepted (scoring problems).
    // Default: 0 for sample; for secret, the problem's max_score split evenly
    // among the groups that name none (100 in all when nothing names any).
    // The total is data/secret/testdata.yaml's max_score, else 100; a legacy
    // accept_score A names A x tests (sum) or A (min, pass-fail). Always 0 in
    // a pass-fail problem.
    double max_score = 0;
    // Groups (by name) that must pass (every test accepted) for this one to
    // count; only earlier groups or "sample". Kattis `require_pass`.
    std::vector<std::string> require_pass;
    // Stop at the first rejected test of the group (legacy on_reject: break;
    // default true for pass_fail aggregation, false for sum/min). Aggregation
    // itself defaults to pass_fail; legacy grader_flags sum / min set it too.
    bool stop_on_reject = true;
    // Extra argv for the output validator (output_validator_args /
    // legacy output_validator_flags), split into words, after problem.yaml's
    // validator_flags / output_validator_args. For the builtin checker they
    // are default-validator flags (checked at load): a group whose args
    // differ from problem.yaml's needs default_validator_options(validator_args).
    std::vector<std::string> validator_args;
};

struct Checker {
    enum class Protocol { builtin, kattis, testlib, cms };
    Protocol protocol = Protocol::builtin;
    // builtin: the default validator's comparison (from validator flags).
    CompareOptions compare;
    // Others: the checker's source folder and the language key it compiles
    // with ("cpp17" for .cpp/.cc, "c" for .c, "python3" for .py), and the
    // files to compile (every regular file of the folder).
    std::string source_dir;
    std::string language_key;
    // The main file is the only source (.cpp .cc .cxx .c .py) of the folder,
    // or the one named validator.*, checker.* or interactor.*; other files
    // (headers such as testlib.h) come along. output_validators/ (legacy)
    // holds one folder, or the files directly; subfolders are refused.
    std::string main_file;  // the one source file that is the program, a name inside source_dir
};

enum class InteractivePrecedence { validator_first, contestant_first };
enum class PointsRule { percent, absolute };

struct Problem {
    std::string root;  // the package folder (absolute)
    std::string short_name;  // the folder's name
    std::string name;        // problem.yaml `name` (a string, or the `en` entry of a map)
    ProblemType type = ProblemType::pass_fail;
    bool interactive = false;
    double time_limit_s = 1.0;   // limits.time_limit (2023) or `.timelimit` file, else 1 s
    std::uint64_t memory_mb = 2048;  // limits.memory (MiB), Kattis default 2048
    std::uint64_t output_mb = 8;     // limits.output (MiB), Kattis default 8
    double max_score = 0;            // sum of the secret groups' max_score (scoring); 0 for pass-fail
    std::vector<TestGroup> groups;   // sample first (if any), then secret groups in order
    Checker checker;
    InteractivePrecedence precedence = InteractivePrecedence::validator_first;
    PointsRule testlib_points = PointsRule::percent;
    // submissions/<category>/ -> files (absolute paths), for judge verify.
    std::map<std::string, std::vector<std::string>> submissions;
};

Problem load_problem(const std::string& dir);

// The default validator's flags (case_sensitive, space_change_sensitive,
// float_tolerance, float_absolute_tolerance, float_relative_tolerance) as
// comparator options: tokens, case-insensitive unless case_sensitive;
// exact whitespace (our "exact" kind) with space_change_sensitive; floats
// when a tolerance is given (float_tolerance sets both). Two approximations:
// the exact kind compares case too, and with a tolerance spacing is free
// even under space_change_sensitive. Throws ProblemError for an unknown flag,
// a missing, negative or non-finite number, or float_tolerance together
// with float_absolute_tolerance / float_relative_tolerance.
CompareOptions default_validator_options(const std::vector<std::string>& flags);

}  // namespace judge
