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
// is a judge error (Internal Error) in both; so is a sandbox failure on
// either side. In contestant_first, a contestant killed by SIGPIPE after
// the interactor had exited wrote to a closed pipe: that is the
// interactor's verdict, not a runtime error of its own.
//
// Pipes and "who exited first": each side's pipe ends are held by the host
// for exactly as long as that side's sandbox::run lasts (the sandbox holds
// duplicates for the run; ours are closed right after it returns, once the
// return is recorded), so a side that ends because the other one did (EOF,
// SIGPIPE) is always recorded second. The contestant's stdin (read end) is
// also kept open until the interactor's run returns: an interactor writing
// to a contestant that already left never dies of SIGPIPE (a spurious judge
// error); its writes land in the pipe buffer.
//
// Protocols: kattis — `validator in.txt ans.txt feedback/ [args]`, 42/43 as
// in checker.hpp; testlib — `interactor in.txt tout.txt ans.txt`, exit codes
// as a testlib checker.
#pragma once

#include <string>
#include <vector>

#include "judge/checker.hpp"
#include "judge/pipeline.hpp"
#include "judge/problem.hpp"

namespace judge {

struct InteractiveResult {
    TestResult contestant;      // its run (times, memory, exit) and the final verdict
    sandbox::RunResult contestant_run;  // as the box ended (CPU budget rule applied)
    CheckResult interactor;     // the interactor's verdict and message
    sandbox::RunResult interactor_run;
    bool contestant_exited_first = false;
};

// The final verdict of one interactive test from both sides' results (pure;
// the rules above). `contestant` is the contestant's run with the CPU
// budget rule applied (Judge::run_program).
VerdictDetail interactive_verdict(const sandbox::RunResult& contestant, const CheckResult& interactor,
                                  bool contestant_exited_first, InteractivePrecedence precedence);

// Runs one test. `solution` is the contestant's submission and its compiled
// artifact; `checker` holds the compiled interactor.
InteractiveResult run_interactive(Judge& judge, const Submission& solution, const Artifact& artifact,
                                  const CheckerRunner& checker, const Problem& problem, const ProblemTest& test,
                                  const std::vector<std::string>& validator_args);

}  // namespace judge
