// Grading a submission against a problem package: the one code path used by
// `judge problem`, `judge verify` and the service's workers.
//
// Compile the solution (compile cache); compile the checker; then group by
// group in the problem's order (sample first): run each test in a fresh box
// with the problem's limits (time limit x the language's multiplier; memory
// and output from the package), judge its output with the checker (or run it
// interactively), stop a group at its first rejection when the group says
// so, and score everything (judge/scoring.hpp).
//
// Thread-safety: grade() may run for many submissions at once.
// Errors: std::invalid_argument for a malformed submission; a checker that
// does not compile is a ProblemError (the package's fault, caught at upload
// time by the service); everything the programs do comes back as verdicts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "judge/checker.hpp"
#include "judge/pipeline.hpp"
#include "judge/problem.hpp"
#include "judge/scoring.hpp"

namespace judge {

struct ContestTestResult {
    std::string group;     // TestGroup::name
    TestResult run;        // the contestant's run; run.verdict is the test's final verdict
    CheckResult check;     // the checker's (or interactor's) result; empty for builtin
    std::optional<double> fraction, absolute;
};

struct ContestResult {
    Verdict verdict = Verdict::internal_error;
    CompileOutcome compile;
    std::vector<ContestTestResult> tests;  // in run order
    ProblemScore score;
};

struct ContestOptions {
    // Called as each test finishes (CLI lines, progress).
    std::function<void(const ContestTestResult&)> on_test;
};

// `submission` carries the toolchain and source (its limits and tests are
// ignored: the problem's apply).
ContestResult grade(Judge& judge, const Catalog& catalog, const Problem& problem, const Submission& submission,
                    const ContestOptions& opts = {});

}  // namespace judge
