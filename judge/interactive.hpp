// Interactive problems: the contestant's program and the interactor (a
// Kattis output validator, or a testlib interactor) in two separate boxes,
// joined by two pipes (contestant stdout -> interactor stdin, interactor
// stdout -> contestant stdin; buffers enlarged with F_SETPIPE_SZ). Each side
// has its own limits and accounting; a deadlock ends at the wall limits
// (the contestant's: 2 x the time limit + 1 s, at least; the interactor's a
// little longer); who exited first is recorded.
//
// Verdicts (Problem::precedence):
//   validator_first (Kattis, DOMjudge): the interactor exiting first with
//     "wrong answer" gives Wrong Answer even when the contestant then hit a
//     limit or crashed; otherwise the contestant's Time Limit > Runtime
//     Error (and MLE/OLE) > the interactor's verdict.
//   contestant_first (DMOJ, CMS): any resource or runtime verdict of the
//     contestant wins over the interactor's.
// An interactor that crashes, runs out of its limits or breaks its protocol
// is a judge error (Internal Error) in both.
//
// Protocols: kattis — `validator in.txt ans.txt feedback/ [args]`, 42/43 as
// in checker.hpp; testlib — `interactor in.txt tout.txt ans.txt`, exit codes
// as a testlib checker.
#pragma once

#include <string>

#include "judge/checker.hpp"
#include "judge/pipeline.hpp"
#include "judge/problem.hpp"

namespace judge {

struct InteractiveResult {
    TestResult contestant;      // its run (times, memory, exit) and the final verdict
    CheckResult interactor;     // the interactor's verdict and message
    sandbox::RunResult interactor_run;
    bool contestant_exited_first = false;
};

// Runs one test. `solution` is the contestant's submission and its compiled
// artifact; `checker` holds the compiled interactor.
InteractiveResult run_interactive(Judge& judge, const Submission& solution, const Artifact& artifact,
                                  const CheckerRunner& checker, const Problem& problem, const ProblemTest& test,
                                  const std::vector<std::string>& validator_args);

}  // namespace judge
