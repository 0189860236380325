// Interactive problems: the contestant's program and the interactor (a
// Kattis output validator, or a testlib interactor) in two separate boxes,
// joined by two pipes (contestant stdout -> interactor stdin, interactor
// stdout -> contestant stdin; buffers enlarged with F_SETPIPE_SZ). Each side
// has its own limits and accounting; a deadlock ends at the wall limits
// (the contestant's: 2 x the time limit + 1 s, at least; the interactor's a
// little longer); who exited first is recorded.
//
// Verdicts: judge::interactive_verdict (verdict.hpp) under
// Problem::precedence, validator_first (Kattis, DOMjudge) or
// contestant_first (DMOJ, CMS).
//
// "Who exited first" is the kernel's order: each box's init reads
// CLOCK_MONOTONIC as it reaps its program (RunResult::end_time_ns), not the
// order in which the two host threads come back from sandbox::run (a
// thread may be held up after its box ended: accounting, removing the
// contestant's working folder). Each side's pipe ends are held by the host
// for as long as that side's sandbox::run lasts (the sandbox holds
// duplicates for the run; ours are closed right after it returns), so a
// side that ends because the other one did (EOF, SIGPIPE) always ends
// after it. The contestant's stdin (read end) is also kept open until the
// interactor's run returns: an interactor writing to a contestant that
// already left never dies of SIGPIPE (a spurious judge error); its writes
// land in the pipe buffer.
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
    bool contestant_exited_first = false;  // by the kernel's clock (see above)
};

// Runs one test. `solution` is the contestant's submission and its compiled
// artifact; `checker` holds the compiled interactor.
InteractiveResult run_interactive(Judge& judge, const Submission& solution, const Artifact& artifact,
                                  const CheckerRunner& checker, const Problem& problem, const ProblemTest& test,
                                  const std::vector<std::string>& validator_args);

}  // namespace judge
