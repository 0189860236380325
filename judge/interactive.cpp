#include "judge/interactive.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <exception>
#include <system_error>
#include <thread>

#include "sandbox/fd.hpp"
#include "sandbox/fs_safe.hpp"

namespace judge {

namespace {

constexpr int kPipeBytes = 1 << 20;
constexpr std::uint64_t kInteractorExtraWallMs = 1000;

struct Pipe {
    sandbox::Fd read, write;
};

Pipe make_pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2()");
    Pipe r{sandbox::Fd(p[0]), sandbox::Fd(p[1])};
    // Best effort: an unprivileged limit (/proc/sys/fs/pipe-max-size) may
    // refuse; the default 64 KiB still works, only with more round trips.
    ::fcntl(r.write.get(), F_SETPIPE_SZ, kPipeBytes);
    return r;
}

sandbox::RunResult failed_run(const std::string& what) {
    sandbox::RunResult r;
    r.status = sandbox::Status::internal_error;
    r.message = what;
    return r;
}

}  // namespace

InteractiveResult run_interactive(Judge& judge, const Submission& solution, const Artifact& artifact,
                                  const CheckerRunner& checker, const Problem& problem, const ProblemTest& test,
                                  const std::vector<std::string>& validator_args) {
    InteractiveResult res;
    res.contestant.name = test.name;
    auto give_up = [&](const std::string& why) {
        res.interactor.verdict = Verdict::internal_error;
        res.interactor.message = why;
        res.contestant.verdict = VerdictDetail{Verdict::internal_error, why, 0, 0};
        res.contestant.message = why;
        return res;
    };
    if (!checker.artifact()) return give_up("interactive problem without a compiled interactor");
    if (problem.checker.protocol != Checker::Protocol::kattis && problem.checker.protocol != Checker::Protocol::testlib)
        return give_up("interactive problems take a Kattis or testlib interactor");

    sandbox::RunResult crun, irun;
    std::optional<TempDir> c_out, i_work, i_out;
    try {
        const std::string& base = judge.options().work_dir;
        c_out.emplace(base, "run-out");
        i_work.emplace(base, "interact");
        i_out.emplace(base, "interact-out");
        CheckerRunner::place(test.input_path, i_work->path() + "/in.txt");
        CheckerRunner::place(test.answer_path, i_work->path() + "/ans.txt");
        RunIo iio;
        iio.work_dir = i_work->path();
        iio.out_dir = i_out->path();
        if (problem.checker.protocol == Checker::Protocol::kattis) {
            const std::string fb = i_work->path() + "/feedback";
            if (::mkdir(fb.c_str(), 0777) != 0 || ::chmod(fb.c_str(), 0777) != 0)
                throw std::system_error(errno, std::generic_category(), "mkdir(\"" + fb + "\")");
            iio.args = {"in.txt", "ans.txt", "feedback/"};
            iio.args.insert(iio.args.end(), validator_args.begin(), validator_args.end());
        } else {
            iio.args = {"in.txt", "tout.txt", "ans.txt"};
        }

        // The contestant's wall limit is the pipeline's (2 x budget + 1 s
        // unless the submission set one); the interactor outlives it, so
        // that a deadlock ends on the contestant's clock (TLE), not as a
        // judge error.
        const auto budget_ms = static_cast<std::uint64_t>(
            std::ceil(static_cast<double>(solution.limits.cpu_time_ms) * solution.toolchain.time_multiplier));
        const std::uint64_t c_wall = solution.limits.wall_time_ms ? solution.limits.wall_time_ms : 2 * budget_ms + 1000;
        const Submission isub = checker.submission(c_wall + kInteractorExtraWallMs);

        Pipe to_interactor = make_pipe();   // contestant stdout -> interactor stdin
        Pipe to_contestant = make_pipe();   // interactor stdout -> contestant stdin
        RunIo cio;
        cio.stdin_fd = to_contestant.read.get();
        cio.stdout_fd = to_interactor.write.get();
        cio.out_dir = c_out->path();
        iio.stdin_fd = to_interactor.read.get();
        iio.stdout_fd = to_contestant.write.get();
        // Kept until the interactor's run returns (see the header).
        sandbox::Fd keep_contestant_stdin(::fcntl(to_contestant.read.get(), F_DUPFD_CLOEXEC, 0));
        if (!keep_contestant_stdin) throw std::system_error(errno, std::generic_category(), "fcntl(F_DUPFD_CLOEXEC)");

        std::thread interactor([&] {
            try {
                irun = judge.run_program(isub, *checker.artifact(), iio);
            } catch (const std::exception& e) {
                irun = failed_run(std::string("interactor: ") + e.what());
            }
            // Only now: the contestant sees EOF or SIGPIPE after the
            // interactor has ended.
            to_interactor.read.reset();
            to_contestant.write.reset();
            keep_contestant_stdin.reset();
        });
        try {
            crun = judge.run_program(solution, artifact, cio);
        } catch (const std::exception& e) {
            crun = failed_run(e.what());
        }
        to_contestant.read.reset();
        to_interactor.write.reset();
        interactor.join();
    } catch (const std::exception& e) {
        return give_up(std::string("interactive run: ") + e.what());
    }

    res.contestant_run = crun;
    res.interactor_run = irun;
    res.interactor = checker.interpret(irun, i_out->path(), i_work->path());
    res.contestant_exited_first = contestant_exited_first(crun, irun);
    res.contestant.verdict =
        interactive_verdict(crun, irun, res.interactor.verdict, res.interactor.message, problem.precedence);
    res.contestant.cpu_time_us = crun.cpu_time_us;
    res.contestant.wall_time_us = crun.wall_time_us;
    res.contestant.memory_bytes = crun.memory_bytes;
    res.contestant.exit_code = crun.exit_code;
    res.contestant.signal = crun.signal;
    const Verdict v = res.contestant.verdict.verdict;
    const bool from_interactor = v == res.interactor.verdict && crun.status == sandbox::Status::ok;
    res.contestant.message = from_interactor || v == Verdict::wrong_answer || v == Verdict::presentation_error
                                 ? res.interactor.message
                                 : (crun.message.empty() ? res.contestant.verdict.detail : crun.message);
    if (res.contestant.message.size() > 1024) res.contestant.message.resize(1024);
    try {
        bool cut = false;
        res.contestant.stderr_excerpt =
            sandbox::read_beneath(c_out->path(), "stderr", judge.options().excerpt_bytes, &cut);
    } catch (const std::exception&) {
    }
    return res;
}

}  // namespace judge
