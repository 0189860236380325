// Checkers: problem-setter code that judges a contestant's output. Each
// protocol of ../shared/CONTEST-FORMATS.md, run like any untrusted program:
// compiled through the compile cache and run in a box of its own, with the
// test's input, answer and the contestant's output copied (or hard-linked)
// into its working folder read-only, and, for Kattis, a writable feedback
// folder.
//
//   testlib  checker in.txt out.txt ans.txt
//            exit 0 AC, 1 WA, 2 PE, 7 points (`points X` first on stderr),
//            8 unexpected EOF (PE, as testlib reports it when not built
//            with its own code), 3 FAIL and anything else: a judge error;
//            stderr is the message. Points: Problem::testlib_points says
//            percent (fraction X/100; 100 is Accepted, less is Wrong Answer
//            with the fraction kept, as for CMS) or absolute (the points as
//            they are; Accepted when X > 0, Wrong Answer at 0). Points
//            outside [0, 100] (percent) or below 0 are a judge error.
//   kattis   validator in.txt ans.txt feedback/ [args...] < contestant output
//            exit 42 AC, 43 WA, anything else a judge error;
//            feedback/judgemessage.txt (message; else teammessage.txt,
//            else stderr), score.txt (absolute), score_multiplier.txt
//            (fraction); the verdict is the exit code's either way; an
//            unreadable number in a score file is a judge error
//   cms      checker in.txt ans.txt out.txt
//            first stdout line a fraction in [0,1], first stderr line the
//            message; non-zero exit, a signal or a limit: a judge error.
//            Fraction 1 is Accepted; anything less is Wrong Answer with the
//            fraction kept for the score (a partly right test is not right).
//
// A checker that breaks its protocol, crashes, or runs out of its limits is
// a judge error (Internal Error), never the contestant's verdict.
//
// The files are hard links (copies where a link cannot be made, or the
// source is not readable by everyone) owned by root and read-only for the
// box's user; feedback/ is the one folder the box may write into besides
// its working folder. Everything the box left is read back beneath the
// folder, refusing links and special files; messages are cut at 1 KiB.
//
// Thread-safety: check() may be called from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "judge/problem.hpp"
#include "judge/verdict.hpp"

namespace judge {

struct CheckResult {
    Verdict verdict = Verdict::internal_error;  // AC, WA, PE, or IE (a judge error)
    std::optional<double> fraction;  // 0..1 when the checker gave one
    std::optional<double> absolute;  // Kattis score.txt, testlib absolute points
    std::string message;             // the checker's message (bounded, 1 KiB)
};

struct CheckerLimits {
    std::uint64_t cpu_time_ms = 10'000;
    std::uint64_t wall_time_ms = 20'000;
    std::uint64_t memory_bytes = 1024ull << 20;
};

class CheckerRunner {
public:
    // Compiles the problem's checker (once, through `judge`'s compile
    // cache). A builtin checker needs nothing. Throws ProblemError when the
    // checker does not compile (with the compiler's output) or its language
    // is unavailable.
    CheckerRunner(Judge& judge, const Catalog& catalog, const Problem& problem, CheckerLimits limits = {});

    // Judges `output_path` (the contestant's output, a host file) for one
    // test. `validator_args` are the group's extra arguments (Kattis).
    CheckResult check(const ProblemTest& test, const std::string& output_path,
                      const std::vector<std::string>& validator_args) const;

    // For interactive problems: the compiled validator/interactor (nullptr
    // for builtin) and its toolchain.
    const Artifact* artifact() const { return artifact_.get(); }
    const Toolchain& toolchain() const { return toolchain_; }
    const CheckerLimits& limits() const { return limits_; }
    // The checker's (or interactor's) submission: its toolchain and limits,
    // for Judge::run_program with artifact(); `wall_time_ms` 0 keeps the
    // limits' own.
    Submission submission(std::uint64_t wall_time_ms = 0) const;
    // Reads a finished checker run under the problem's protocol: `run` the
    // box's result, `out_dir` the folder holding its "stdout" and "stderr",
    // `work_dir` its working folder (with feedback/ for Kattis).
    CheckResult interpret(const sandbox::RunResult& run, const std::string& out_dir,
                          const std::string& work_dir) const;
    // Puts `from` (a trusted host file) at `to` for a box to read: a hard
    // link when the file is readable by everyone, else a copy (mode 0644).
    // Throws std::system_error.
    static void place(const std::string& from, const std::string& to);

private:
    Judge& judge_;
    const Problem& problem_;
    CheckerLimits limits_;
    Toolchain toolchain_;
    std::shared_ptr<const Artifact> artifact_;
};

// Parses testlib's "points X" stderr head (first token "points", then a
// number); nullopt when absent or malformed.
std::optional<double> testlib_points(const std::string& stderr_text);

}  // namespace judge
