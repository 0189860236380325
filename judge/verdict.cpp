#include "judge/verdict.hpp"

#include <csignal>
#include <utility>

namespace judge {
namespace {

constexpr double kEps = 1e-9;

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
            if (!run.refused_syscall_name.empty()) return runtime_error("syscall " + run.refused_syscall_name, 0, 0);
            if (run.refused_syscall >= 0) return runtime_error("syscall " + std::to_string(run.refused_syscall), 0, 0);
            return runtime_error(run.message.empty() ? "syscall" : "syscall: " + run.message, 0, 0);
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

Verdict verdict_of_compare(CompareOutcome outcome) {
    switch (outcome) {
        case CompareOutcome::accepted: return Verdict::accepted;
        case CompareOutcome::wrong_answer: return Verdict::wrong_answer;
        case CompareOutcome::presentation_error: return Verdict::presentation_error;
    }
    return Verdict::wrong_answer;
}

VerdictDetail verdict_of_run(const sandbox::RunResult& run, const std::optional<CompareResult>& cmp) {
    if (run.status != sandbox::Status::ok) return verdict_of_failure(run);
    if (!cmp) return {Verdict::accepted, "", 0, 0};
    const Verdict v = verdict_of_compare(cmp->outcome);
    return {v, v == Verdict::accepted ? "" : cmp->message, 0, 0};
}

VerdictDetail verdict_of_checked_run(const sandbox::RunResult& run, Verdict checker_verdict,
                                     const std::string& checker_message) {
    if (run.status != sandbox::Status::ok) return verdict_of_failure(run);
    return {checker_verdict, checker_message, 0, 0};
}

std::optional<Verdict> verdict_of_compile_outcome(const CompileOutcome& outcome) {
    switch (outcome.kind) {
        case CompileOutcome::Kind::ok: return std::nullopt;
        case CompileOutcome::Kind::compilation_error: return Verdict::compilation_error;
        case CompileOutcome::Kind::internal_error: break;
    }
    return Verdict::internal_error;
}

void apply_cpu_budget(sandbox::RunResult& run, std::uint64_t budget_ms) {
    if (run.status == sandbox::Status::internal_error || run.status == sandbox::Status::time_limit) return;
    if (run.cpu_time_us <= budget_ms * 1000) return;
    run.status = sandbox::Status::time_limit;
    run.message = "CPU time " + std::to_string(run.cpu_time_us / 1000) + " ms over the limit of " +
                  std::to_string(budget_ms) + " ms";
}

void apply_work_bound(sandbox::RunResult& run, bool bound_reached, std::uint64_t bytes, std::uint64_t files) {
    if (!bound_reached) return;
    using sandbox::Status;
    if (run.status != Status::ok && run.status != Status::runtime_error && run.status != Status::signaled) return;
    run.status = Status::output_limit;
    run.message = "the working folder reached its bound (" + std::to_string(bytes) + " bytes, " +
                  std::to_string(files) + " files)";
}

bool checker_run_counts(const sandbox::RunResult& checker_run) {
    return checker_run.status == sandbox::Status::ok || checker_run.status == sandbox::Status::runtime_error;
}

std::optional<Verdict> verdict_of_testlib_exit(int exit_code) {
    switch (exit_code) {
        case 0: return Verdict::accepted;
        case 1: return Verdict::wrong_answer;
        case 2:
        case 8: return Verdict::presentation_error;
        default: return std::nullopt;
    }
}

std::optional<Verdict> verdict_of_kattis_exit(int exit_code) {
    if (exit_code == 42) return Verdict::accepted;
    if (exit_code == 43) return Verdict::wrong_answer;
    return std::nullopt;
}

Verdict verdict_of_fraction(double fraction) { return fraction >= 1 - kEps ? Verdict::accepted : Verdict::wrong_answer; }

Verdict verdict_of_points(double points) { return points > kEps ? Verdict::accepted : Verdict::wrong_answer; }

bool contestant_exited_first(const sandbox::RunResult& contestant, const sandbox::RunResult& interactor) {
    if (contestant.end_time_ns == 0 || interactor.end_time_ns == 0) return true;
    return contestant.end_time_ns <= interactor.end_time_ns;
}

VerdictDetail interactive_verdict(const sandbox::RunResult& contestant, const sandbox::RunResult& interactor,
                                  Verdict interactor_verdict, const std::string& interactor_message,
                                  InteractivePrecedence precedence) {
    const VerdictDetail own = verdict_of_run(contestant, std::nullopt);
    if (own.verdict == Verdict::internal_error) return own;
    if (interactor_verdict == Verdict::internal_error || interactor.status == sandbox::Status::internal_error)
        return {Verdict::internal_error, "interactor: " + interactor_message, 0, 0};
    const VerdictDetail theirs{interactor_verdict, interactor_message, 0, 0};
    const bool interactor_first = !contestant_exited_first(contestant, interactor);
    const bool rejected =
        interactor_verdict == Verdict::wrong_answer || interactor_verdict == Verdict::presentation_error;
    if (precedence == InteractivePrecedence::validator_first) {
        // Kattis: a validator that had already said "wrong" caused whatever
        // the contestant did afterwards.
        if (interactor_first && rejected) return theirs;
        if (own.verdict != Verdict::accepted) return own;  // TLE, MLE, OLE, RE
        return theirs;
    }
    if (own.verdict != Verdict::accepted) {
        const bool broken_pipe = contestant.status == sandbox::Status::signaled && contestant.signal == SIGPIPE;
        if (!(broken_pipe && interactor_first)) return own;
    }
    return theirs;
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

Verdict worst(Verdict a, Verdict b) { return rank(b) > rank(a) ? b : a; }

Verdict first_rejection(Verdict so_far, Verdict next) { return so_far != Verdict::accepted ? so_far : next; }

Verdict first_error(Verdict so_far, Verdict next) {
    if (next == Verdict::internal_error) return next;
    return first_rejection(so_far, next);
}

bool judged_by_checker(Verdict v) {
    return v == Verdict::accepted || v == Verdict::wrong_answer || v == Verdict::presentation_error;
}

}  // namespace judge
