// Verdicts, in one place: how a sandbox run status and the comparator's
// outcome become a verdict, how verdicts of several tests combine, and how a
// verdict shows at the Judge0 API edge.
//
//   sandbox::RunResult run = sandbox::run(spec);
//   std::optional<judge::CompareResult> cmp;
//   if (run.status == sandbox::Status::ok) cmp = judge::compare_files(expected, actual);
//   judge::VerdictDetail v = judge::verdict_of_run(run, cmp);
//
// Thread-safety: every function is pure. Nothing throws.
#pragma once

#include <optional>
#include <string>

#include "judge/comparator.hpp"
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

const char* to_string(Verdict v);   // "Accepted", "Wrong Answer", "Time Limit Exceeded", ...
const char* short_name(Verdict v);  // "AC", "WA", "PE", "TLE", "MLE", "OLE", "RE", "CE", "IE"

// "SIGSEGV" for the standard signals, "signal N" for any other number.
std::string signal_name(int sig);

// The Judge0 status id (see ../shared/JUDGE0-API.md, "Statuses"). Judge0 has
// no Presentation Error, Memory or Output Limit Exceeded; on that surface:
//   Accepted 3 · Wrong Answer 4 · Presentation Error 4 · Time Limit 5 (cpu and wall) ·
//   Compilation Error 6 · RE by SIGSEGV 7 · Output Limit 8 and RE by SIGXFSZ 8 ·
//   RE by SIGFPE 9 · RE by SIGABRT 10 · RE by exit code 11 (NZEC) ·
//   RE by another signal or a forbidden call 12 · Memory Limit 12 · Internal Error 13.
// The API layer adds `message` "Memory limit exceeded" to 12 for MLE (and
// names PE, OLE in its message or its extension field).
int judge0_status_id(const VerdictDetail& v);

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

}  // namespace judge
