#include "judge/contest.hpp"

#include <cmath>
#include <stdexcept>

#include "judge/interactive.hpp"
#include "sandbox/fs_safe.hpp"

namespace judge {

namespace {

std::string excerpt(const std::string& dir, const std::string& name, std::size_t max) {
    try {
        bool cut = false;
        return sandbox::read_beneath(dir, name, max, &cut);
    } catch (const std::exception&) {
        return {};
    }
}

// The contestant's submission with the problem's limits. The time limit is
// the package's; the language's time_multiplier is applied once, inside
// Judge::run_program.
Submission with_problem_limits(const Submission& in, const Problem& p) {
    Submission s = in;
    s.tests.clear();
    s.limits = Limits{};
    s.limits.cpu_time_ms = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(p.time_limit_s * 1000.0)));
    s.limits.memory_bytes = p.memory_mb << 20;
    s.limits.output_bytes = p.output_mb << 20;
    s.limits.stderr_to_stdout = false;
    s.limits.processes = in.limits.processes;
    s.compare_output = true;
    s.stop_at_first_failure = false;
    return s;
}

ContestTestResult run_one(Judge& judge, const Submission& s, const Artifact& a, const CheckerRunner& checker,
                          const Problem& problem, const TestGroup& group, const ProblemTest& test) {
    ContestTestResult r;
    r.group = group.name;
    r.run.name = test.name;
    if (problem.interactive) {
        InteractiveResult ir = run_interactive(judge, s, a, checker, problem, test, group.validator_args);
        r.run = std::move(ir.contestant);
        r.check = std::move(ir.interactor);
        if (r.run.verdict.verdict == r.check.verdict) {  // the interactor's verdict stands
            r.fraction = r.check.fraction;
            r.absolute = r.check.absolute;
        }
        return r;
    }
    TempDir out(judge.options().work_dir, "run-out");
    RunIo io;
    io.stdin_path = test.input_path;
    io.out_dir = out.path();
    const sandbox::RunResult run = judge.run_program(s, a, io);
    r.run.cpu_time_us = run.cpu_time_us;
    r.run.wall_time_us = run.wall_time_us;
    r.run.memory_bytes = run.memory_bytes;
    r.run.exit_code = run.exit_code;
    r.run.signal = run.signal;
    const std::size_t ex = judge.options().excerpt_bytes;
    r.run.stdout_excerpt = excerpt(out.path(), "stdout", ex);
    r.run.stderr_excerpt = excerpt(out.path(), "stderr", ex);
    if (run.status != sandbox::Status::ok) {
        r.run.verdict = verdict_of_run(run, std::nullopt);
        r.run.message = run.message;
        return r;
    }
    CheckResult c = checker.check(test, out.path() + "/stdout", group.validator_args);
    r.run.verdict = verdict_of_checked_run(run, c.verdict, c.message);
    r.run.message = c.message;
    r.fraction = c.fraction;
    r.absolute = c.absolute;
    if (problem.checker.protocol != Checker::Protocol::builtin) r.check = std::move(c);
    return r;
}

}  // namespace

ContestResult grade(Judge& judge, const Catalog& catalog, const Problem& problem, const Submission& submission,
                    const ContestOptions& opts) {
    const Submission s = with_problem_limits(submission, problem);
    validate(s);
    ContestResult result;
    result.score.max_score = problem.max_score;
    std::shared_ptr<const Artifact> a = judge.compile(s);
    result.compile = a->outcome;
    if (const std::optional<Verdict> cv = verdict_of_compile_outcome(a->outcome)) {
        result.verdict = *cv;
        result.score.verdict = result.verdict;
        return result;
    }
    if (problem.interactive && problem.checker.protocol == Checker::Protocol::builtin)
        throw ProblemError(problem.root + ": an interactive problem needs an output validator (interactor)");
    const CheckerRunner checker(judge, catalog, problem);

    std::vector<std::vector<TestOutcome>> outcomes(problem.groups.size());
    // Kattis' first_error for pass-fail problems: once a test is rejected the
    // verdict is decided and nothing later can change it.
    bool stop_all = false;
    for (std::size_t g = 0; g < problem.groups.size(); ++g) {
        const TestGroup& group = problem.groups[g];
        bool stop = false;
        for (const ProblemTest& test : group.tests) {
            ContestTestResult r;
            TestOutcome o;
            if (stop || stop_all) {
                r.group = group.name;
                r.run.name = test.name;
                r.run.skipped = true;
                o.skipped = true;
                o.verdict = Verdict::accepted;  // not run: rejected by the scorer as skipped
            } else {
                try {
                    r = run_one(judge, s, *a, checker, problem, group, test);
                } catch (const std::exception& e) {
                    r = ContestTestResult{};
                    r.group = group.name;
                    r.run.name = test.name;
                    r.run.verdict = VerdictDetail{Verdict::internal_error, e.what(), 0, 0};
                    r.run.message = e.what();
                }
                o.verdict = r.run.verdict.verdict;
                o.fraction = r.fraction;
                o.absolute = r.absolute;
                if (o.verdict != Verdict::accepted) {
                    if (group.stop_on_reject) stop = true;
                    if (problem.type == ProblemType::pass_fail) stop_all = true;
                }
            }
            outcomes[g].push_back(o);
            if (opts.on_test) opts.on_test(r);
            result.tests.push_back(std::move(r));
        }
    }
    result.score = score_problem(problem, outcomes);
    result.verdict = result.score.verdict;
    return result;
}

}  // namespace judge
