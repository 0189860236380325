// Verdicts, in one place: every rule that turns what happened into a verdict
// lives here, and the rest of judge/ calls it. How a sandbox run status and
// the comparator's or checker's outcome become a verdict, how a compile
// ends, who wins in an interactive run, how verdicts of several tests
// combine. Judge0's status ids are the API layer's (server/judge0.hpp).
//
//   sandbox::RunResult run = sandbox::run(spec);
//   std::optional<judge::CompareResult> cmp;
//   if (run.status == sandbox::Status::ok) cmp = judge::compare_files(expected, actual);
//   judge::VerdictDetail v = judge::verdict_of_run(run, cmp);
//
// Thread-safety: every function is pure. Nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "judge/comparator.hpp"
#include "judge/compile_cache.hpp"
#include "judge/problem.hpp"
#include "sandbox/sandbox.hpp"

namespace judge {

enum class Verdict {
    accepted,
    wrong_answer,
    presentation_error,
    time_limit_exceeded,
    memory_limit_exceeded,
    output_limit_exceeded,
    runtime_error,
    compilation_error,
    internal_error,
};

struct VerdictDetail {
    Verdict verdict = Verdict::internal_error;
    // Short and stable, for people and logs: "cpu" or "wall" (TLE);
    // "SIGSEGV", "signal 40" or "exit code 3" (RE); "syscall ptrace" (RE by a
    // forbidden call); the comparator's message (WA, PE); the sandbox's
    // message (IE); empty for AC, MLE and OLE.
    std::string detail;
    int signal = 0;     // RE by a signal: its number; else 0
    int exit_code = 0;  // RE by a non-zero exit (NZEC): the code; else 0
};

// The verdict of one test run. `cmp` is the comparison of its output and is
// looked at only when the run is ok; an ok run without one (nothing to
// compare against, as in Judge0 without expected_output) is Accepted.
//
//   internal_error     -> Internal Error (the sandbox failed: never the program's fault)
//   time_limit         -> Time Limit Exceeded, "cpu"
//   wall_time_limit    -> Time Limit Exceeded, "wall"
//   memory_limit       -> Memory Limit Exceeded
//   output_limit       -> Output Limit Exceeded
//   syscall_violation  -> Runtime Error, "syscall NAME"
//   signaled           -> Runtime Error, the signal's name
//   runtime_error      -> Runtime Error, "exit code N"
//   ok                 -> by cmp: Accepted, Wrong Answer, Presentation Error
VerdictDetail verdict_of_run(const sandbox::RunResult& run, const std::optional<CompareResult>& cmp);

// The compile step's outcome: nullopt when the compiler succeeded;
// Compilation Error when it failed, whatever stopped it (an error exit, a
// signal, a limit — a compiler that runs out of time or memory did not
// produce a program either), with the same details as verdict_of_run;
// Internal Error when the sandbox failed or refused the compiler a system
// call (our policy's fault, not the submission's).
std::optional<VerdictDetail> verdict_of_compile(const sandbox::RunResult& run);

// A finished compile: nullopt when it produced a program; Compilation Error
// or Internal Error (the judge's failure) otherwise.
std::optional<Verdict> verdict_of_compile_outcome(const CompileOutcome& outcome);

// The CPU budget rule: a run that finished but spent more CPU than its
// budget (the sandbox's limit has a grace on top, to measure honestly) is
// Time Limit Exceeded all the same. Rewrites `run`'s status and message.
void apply_cpu_budget(sandbox::RunResult& run, std::uint64_t budget_ms);

// The working folder's bound (JudgeOptions::work_bound): a run that left
// it full, no byte or no file to spare, is Output Limit Exceeded when it
// ended by itself (ok, an error exit or a signal: a write that failed for
// want of room is what made it fail). A time or memory limit, a forbidden
// call or a sandbox failure keeps its own verdict. Rewrites `run`.
void apply_work_bound(sandbox::RunResult& run, bool bound_reached, std::uint64_t bytes, std::uint64_t files);

// The comparator's outcome: Accepted, Wrong Answer, Presentation Error.
Verdict verdict_of_compare(CompareOutcome outcome);

// Checkers. A checker (or interactor) run counts only when it ended by an
// exit of its own (any code): one stopped by a limit, a signal, a forbidden
// call or the sandbox is a judge error, never the contestant's verdict.
bool checker_run_counts(const sandbox::RunResult& checker_run);
// Exit codes with a verdict of their own: testlib 0 AC, 1 WA, 2 and 8 PE;
// Kattis 42 AC, 43 WA. nullopt for any other code (testlib's 3 "fail", 7
// "points", and codes outside the protocol: the checker's to explain).
std::optional<Verdict> verdict_of_testlib_exit(int exit_code);
std::optional<Verdict> verdict_of_kattis_exit(int exit_code);
// A partial score: Accepted only when whole (within 1e-9), else Wrong Answer.
Verdict verdict_of_fraction(double fraction);
// Absolute points (testlib): Accepted when more than 0.
Verdict verdict_of_points(double points);

// A test judged by a checker: the run's own verdict when it did not end
// with exit 0 (the checker is not asked), else the checker's.
VerdictDetail verdict_of_checked_run(const sandbox::RunResult& run, Verdict checker_verdict,
                                     const std::string& checker_message);

// Interactive runs. Who exited first is decided by the kernel's clock
// (RunResult::end_time_ns, read by each box's init as it reaps its
// program), never by the order in which the host's threads return. A tie,
// or a side without an end time (it never ran: an internal error, which
// decides the verdict anyway), counts as the contestant first.
bool contestant_exited_first(const sandbox::RunResult& contestant, const sandbox::RunResult& interactor);

// The final verdict of one interactive test. `contestant` is the
// contestant's run with the CPU budget rule applied; `interactor` the
// interactor's run, and `interactor_verdict` / `interactor_message` how
// its checker protocol read it (Internal Error for a judge error).
//   Internal Error on either side (the sandbox, or an interactor that
//   crashed, ran out of its limits or broke its protocol) -> Internal Error.
//   validator_first (Kattis, DOMjudge): the interactor exiting first with
//     "wrong answer" gives Wrong Answer even when the contestant then hit a
//     limit or crashed; otherwise the contestant's Time Limit > Runtime
//     Error (and MLE/OLE) > the interactor's verdict.
//   contestant_first (DMOJ, CMS): any resource or runtime verdict of the
//     contestant wins over the interactor's, except SIGPIPE after the
//     interactor had exited (it wrote to a closed pipe: the interactor's
//     verdict stands).
VerdictDetail interactive_verdict(const sandbox::RunResult& contestant, const sandbox::RunResult& interactor,
                                  Verdict interactor_verdict, const std::string& interactor_message,
                                  InteractivePrecedence precedence);

const char* to_string(Verdict v);   // "Accepted", "Wrong Answer", "Time Limit Exceeded", ...
const char* short_name(Verdict v);  // "AC", "WA", "PE", "TLE", "MLE", "OLE", "RE", "CE", "IE"

// "SIGSEGV" for the standard signals, "signal N" for any other number.
std::string signal_name(int sig);

// The verdict of several tests when all of them ran: the worse of the two.
// From best to worst:
//   Accepted < Presentation Error < Wrong Answer < Output Limit < Memory Limit
//     < Time Limit < Runtime Error < Compilation Error < Internal Error
// Why: Internal Error above all, because a result with a sandbox failure in
// it cannot be trusted and must surface (to be rejudged), never be hidden by
// the program's own faults. Compilation Error next: nothing could run. Then a
// program that did not run to its end (crashed, or stopped by a limit) ranks
// above one that ended with a wrong output, since its output was never fully
// judged; among those, a crash is a definite defect and ranks above running
// out of a resource. Time, memory, output among the limits is a fixed
// convention (the order of most judges' verdict lists) that keeps results
// reproducible, not a claim that one is worse. A wrong answer ranks above a
// mere presentation error. A judge that stops at the first failing test
// reports that test's verdict instead.
Verdict worst(Verdict a, Verdict b);

// Problem packages judge tests in order (Kattis' first_error): the verdict
// is the first test's that was not Accepted. Folded test by test:
// first_rejection keeps `so_far` once it is not Accepted; first_error also
// lets an Internal Error anywhere win (a result with a judge failure in it
// must surface, to be rejudged).
Verdict first_rejection(Verdict so_far, Verdict next);
Verdict first_error(Verdict so_far, Verdict next);

// The verdicts a checker gives (Accepted, Wrong Answer, Presentation
// Error): only a test that ended with one keeps partial credit; a crash or
// a limit scores 0 whatever fraction came with it.
bool judged_by_checker(Verdict v);

}  // namespace judge
