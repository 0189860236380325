#include "judge/verdict.hpp"

#include <csignal>
#include <string_view>
#include <utility>

namespace judge {
namespace {

// sandbox.cpp words a seccomp violation as this prefix and the call's name.
constexpr std::string_view kForbiddenCall = "forbidden system call: ";

VerdictDetail runtime_error(std::string detail, int sig, int exit_code) {
    return {Verdict::runtime_error, std::move(detail), sig, exit_code};
}

// The verdict of a run that did not end normally (status other than ok),
// shared by test runs and compiles.
VerdictDetail verdict_of_failure(const sandbox::RunResult& run) {
    using sandbox::Status;
    switch (run.status) {
        case Status::time_limit: return {Verdict::time_limit_exceeded, "cpu", 0, 0};
        case Status::wall_time_limit: return {Verdict::time_limit_exceeded, "wall", 0, 0};
        case Status::memory_limit: return {Verdict::memory_limit_exceeded, "", 0, 0};
        case Status::output_limit: return {Verdict::output_limit_exceeded, "", 0, 0};
        case Status::syscall_violation: {
            // A Runtime Error, as Judge0-like judges report a call the policy
            // kills for: the program misbehaved, and no limit was reached. The
            // detail names the call so that the contestant can tell.
            std::string_view m = run.message;
            if (m.starts_with(kForbiddenCall))
                return runtime_error("syscall " + std::string(m.substr(kForbiddenCall.size())), 0, 0);
            return runtime_error(m.empty() ? "syscall" : "syscall: " + run.message, 0, 0);
        }
        case Status::signaled: return runtime_error(signal_name(run.signal), run.signal, 0);
        case Status::runtime_error: return runtime_error("exit code " + std::to_string(run.exit_code), 0, run.exit_code);
        case Status::ok:  // not a failure; callers handle it
        case Status::internal_error: break;
    }
    return {Verdict::internal_error, run.message.empty() ? "sandbox failure" : run.message, 0, 0};
}

int rank(Verdict v) {
    switch (v) {
        case Verdict::accepted: return 0;
        case Verdict::presentation_error: return 1;
        case Verdict::wrong_answer: return 2;
        case Verdict::output_limit_exceeded: return 3;
        case Verdict::memory_limit_exceeded: return 4;
        case Verdict::time_limit_exceeded: return 5;
        case Verdict::runtime_error: return 6;
        case Verdict::compilation_error: return 7;
        case Verdict::internal_error: return 8;
    }
    return 8;
}

}  // namespace

VerdictDetail verdict_of_run(const sandbox::RunResult& run, const std::optional<CompareResult>& cmp) {
    if (run.status != sandbox::Status::ok) return verdict_of_failure(run);
    if (!cmp) return {Verdict::accepted, "", 0, 0};
    switch (cmp->outcome) {
        case CompareOutcome::accepted: return {Verdict::accepted, "", 0, 0};
        case CompareOutcome::wrong_answer: return {Verdict::wrong_answer, cmp->message, 0, 0};
        case CompareOutcome::presentation_error: return {Verdict::presentation_error, cmp->message, 0, 0};
    }
    return {Verdict::wrong_answer, cmp->message, 0, 0};
}

std::optional<VerdictDetail> verdict_of_compile(const sandbox::RunResult& run) {
    if (run.status == sandbox::Status::ok) return std::nullopt;
    VerdictDetail v = verdict_of_failure(run);
    // A compiler refused a call by our own policy is the judge's problem
    // (the catalog or the policy must change), not the submission's.
    if (run.status == sandbox::Status::syscall_violation) v.verdict = Verdict::internal_error;
    else if (v.verdict != Verdict::internal_error) v.verdict = Verdict::compilation_error;
    return v;
}

const char* to_string(Verdict v) {
    switch (v) {
        case Verdict::accepted: return "Accepted";
        case Verdict::wrong_answer: return "Wrong Answer";
        case Verdict::presentation_error: return "Presentation Error";
        case Verdict::time_limit_exceeded: return "Time Limit Exceeded";
        case Verdict::memory_limit_exceeded: return "Memory Limit Exceeded";
        case Verdict::output_limit_exceeded: return "Output Limit Exceeded";
        case Verdict::runtime_error: return "Runtime Error";
        case Verdict::compilation_error: return "Compilation Error";
        case Verdict::internal_error: return "Internal Error";
    }
    return "Internal Error";
}

const char* short_name(Verdict v) {
    switch (v) {
        case Verdict::accepted: return "AC";
        case Verdict::wrong_answer: return "WA";
        case Verdict::presentation_error: return "PE";
        case Verdict::time_limit_exceeded: return "TLE";
        case Verdict::memory_limit_exceeded: return "MLE";
        case Verdict::output_limit_exceeded: return "OLE";
        case Verdict::runtime_error: return "RE";
        case Verdict::compilation_error: return "CE";
        case Verdict::internal_error: return "IE";
    }
    return "IE";
}

std::string signal_name(int sig) {
    // The standard signals by the platform's own numbers (they differ
    // between architectures); real-time and unknown ones by number.
    switch (sig) {
        case SIGHUP: return "SIGHUP";
        case SIGINT: return "SIGINT";
        case SIGQUIT: return "SIGQUIT";
        case SIGILL: return "SIGILL";
        case SIGTRAP: return "SIGTRAP";
        case SIGABRT: return "SIGABRT";
        case SIGBUS: return "SIGBUS";
        case SIGFPE: return "SIGFPE";
        case SIGKILL: return "SIGKILL";
        case SIGUSR1: return "SIGUSR1";
        case SIGSEGV: return "SIGSEGV";
        case SIGUSR2: return "SIGUSR2";
        case SIGPIPE: return "SIGPIPE";
        case SIGALRM: return "SIGALRM";
        case SIGTERM: return "SIGTERM";
        case SIGCHLD: return "SIGCHLD";
        case SIGCONT: return "SIGCONT";
        case SIGSTOP: return "SIGSTOP";
        case SIGTSTP: return "SIGTSTP";
        case SIGTTIN: return "SIGTTIN";
        case SIGTTOU: return "SIGTTOU";
        case SIGURG: return "SIGURG";
        case SIGXCPU: return "SIGXCPU";
        case SIGXFSZ: return "SIGXFSZ";
        case SIGVTALRM: return "SIGVTALRM";
        case SIGPROF: return "SIGPROF";
        case SIGWINCH: return "SIGWINCH";
        case SIGIO: return "SIGIO";
        case SIGSYS: return "SIGSYS";
        default: return "signal " + std::to_string(sig);
    }
}

int judge0_status_id(const VerdictDetail& v) {
    switch (v.verdict) {
        case Verdict::accepted: return 3;
        case Verdict::wrong_answer:
        case Verdict::presentation_error: return 4;
        case Verdict::time_limit_exceeded: return 5;
        case Verdict::compilation_error: return 6;
        case Verdict::output_limit_exceeded: return 8;  // as Judge0 reports a file too large
        case Verdict::memory_limit_exceeded: return 12;
        case Verdict::runtime_error:
            if (v.signal == SIGSEGV) return 7;
            if (v.signal == SIGXFSZ) return 8;
            if (v.signal == SIGFPE) return 9;
            if (v.signal == SIGABRT) return 10;
            if (v.signal == 0 && v.exit_code != 0) return 11;
            return 12;
        case Verdict::internal_error: return 13;
    }
    return 13;
}

Verdict worst(Verdict a, Verdict b) { return rank(b) > rank(a) ? b : a; }

}  // namespace judge
