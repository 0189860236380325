#include "judge/verdict.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <set>
#include <string>
#include <vector>

using judge::CompareOutcome;
using judge::CompareResult;
using judge::Verdict;
using judge::VerdictDetail;
using sandbox::Status;

namespace Catch {
template <>
struct StringMaker<Verdict> {
    static std::string convert(Verdict v) { return judge::short_name(v); }
};
}  // namespace Catch

namespace {

const std::vector<Verdict> kAll = {
    Verdict::accepted,           Verdict::wrong_answer,      Verdict::presentation_error,
    Verdict::time_limit_exceeded, Verdict::memory_limit_exceeded, Verdict::output_limit_exceeded,
    Verdict::runtime_error,      Verdict::compilation_error, Verdict::internal_error,
};

sandbox::RunResult result(Status s, int exit_code = 0, int sig = 0, std::string message = "") {
    sandbox::RunResult r;
    r.status = s;
    r.exit_code = exit_code;
    r.signal = sig;
    r.message = std::move(message);
    return r;
}

VerdictDetail of(const sandbox::RunResult& r, std::optional<CompareResult> cmp = std::nullopt) {
    return judge::verdict_of_run(r, cmp);
}

const CompareResult kAccepted{CompareOutcome::accepted, ""};
const CompareResult kWrong{CompareOutcome::wrong_answer, "line 1, token 1: expected \"1\", got \"2\""};
const CompareResult kPresentation{CompareOutcome::presentation_error, "line 1, column 2: expected \" \", got \"  \""};

}  // namespace

TEST_CASE("an ok run takes the comparator's outcome", "[verdict]") {
    const auto ok = result(Status::ok);
    CHECK(of(ok, kAccepted).verdict == Verdict::accepted);
    CHECK(of(ok, kAccepted).detail.empty());
    CHECK(of(ok).verdict == Verdict::accepted);  // nothing to compare against
    const VerdictDetail wa = of(ok, kWrong);
    CHECK(wa.verdict == Verdict::wrong_answer);
    CHECK(wa.detail == kWrong.message);
    const VerdictDetail pe = of(ok, kPresentation);
    CHECK(pe.verdict == Verdict::presentation_error);
    CHECK(pe.detail == kPresentation.message);
}

TEST_CASE("run statuses map to verdicts with details", "[verdict]") {
    SECTION("limits") {
        const VerdictDetail cpu = of(result(Status::time_limit, 0, SIGKILL, "CPU time limit of 1000 ms exceeded"));
        CHECK(cpu.verdict == Verdict::time_limit_exceeded);
        CHECK(cpu.detail == "cpu");
        const VerdictDetail wall = of(result(Status::wall_time_limit, 0, SIGKILL));
        CHECK(wall.verdict == Verdict::time_limit_exceeded);
        CHECK(wall.detail == "wall");
        const VerdictDetail mle = of(result(Status::memory_limit, 0, SIGKILL));
        CHECK(mle.verdict == Verdict::memory_limit_exceeded);
        CHECK(mle.detail.empty());
        const VerdictDetail ole = of(result(Status::output_limit, 0, SIGXFSZ));
        CHECK(ole.verdict == Verdict::output_limit_exceeded);
        CHECK(ole.signal == 0);
    }
    SECTION("runtime errors") {
        const VerdictDetail nzec = of(result(Status::runtime_error, 3));
        CHECK(nzec.verdict == Verdict::runtime_error);
        CHECK(nzec.detail == "exit code 3");
        CHECK(nzec.exit_code == 3);
        CHECK(nzec.signal == 0);
        CHECK(of(result(Status::runtime_error, 255)).detail == "exit code 255");

        const VerdictDetail segv = of(result(Status::signaled, 0, SIGSEGV));
        CHECK(segv.verdict == Verdict::runtime_error);
        CHECK(segv.detail == "SIGSEGV");
        CHECK(segv.signal == SIGSEGV);
        CHECK(of(result(Status::signaled, 0, SIGFPE)).detail == "SIGFPE");
        CHECK(of(result(Status::signaled, 0, SIGABRT)).detail == "SIGABRT");
        CHECK(of(result(Status::signaled, 0, SIGXFSZ)).detail == "SIGXFSZ");
        CHECK(of(result(Status::signaled, 0, SIGKILL)).detail == "SIGKILL");
        CHECK(of(result(Status::signaled, 0, SIGBUS)).detail == "SIGBUS");
        CHECK(of(result(Status::signaled, 0, SIGRTMIN + 6)).detail == "signal " + std::to_string(SIGRTMIN + 6));
    }
    SECTION("a forbidden system call is a runtime error naming the call") {
        sandbox::RunResult refused = result(Status::syscall_violation, 0, 0, "forbidden system call: ptrace");
        refused.refused_syscall = 101;
        refused.refused_syscall_name = "ptrace";
        const VerdictDetail v = of(refused);
        CHECK(v.verdict == Verdict::runtime_error);
        CHECK(v.detail == "syscall ptrace");
        // The name comes from the structured field; the message is for people.
        refused.message = "whatever the sandbox says: forbidden system call: mount";
        CHECK(of(refused).detail == "syscall ptrace");
        refused.refused_syscall_name.clear();
        CHECK(of(refused).detail == "syscall 101");
        CHECK(v.signal == 0);
        CHECK(v.exit_code == 0);
        const VerdictDetail abi = of(result(Status::syscall_violation, 0, SIGSYS,
                                            "system call through a foreign ABI (32-bit or x32)"));
        CHECK(abi.verdict == Verdict::runtime_error);
        CHECK(abi.detail == "syscall: system call through a foreign ABI (32-bit or x32)");
        CHECK(abi.signal == 0);
        CHECK(of(result(Status::syscall_violation)).detail == "syscall");
    }
    SECTION("a sandbox failure is an internal error, whatever else is known") {
        const VerdictDetail ie = of(result(Status::internal_error, 0, 0, "box set-up failed: mount: EPERM"),
                                    kAccepted);
        CHECK(ie.verdict == Verdict::internal_error);
        CHECK(ie.detail == "box set-up failed: mount: EPERM");
        CHECK(of(result(Status::internal_error, 1, SIGSEGV), kWrong).verdict == Verdict::internal_error);
        CHECK_FALSE(of(result(Status::internal_error)).detail.empty());
    }
    SECTION("the comparison counts only for an ok run") {
        CHECK(of(result(Status::time_limit), kAccepted).verdict == Verdict::time_limit_exceeded);
        CHECK(of(result(Status::runtime_error, 1), kAccepted).verdict == Verdict::runtime_error);
        CHECK(of(result(Status::signaled, 0, SIGSEGV), kWrong).verdict == Verdict::runtime_error);
        CHECK(of(result(Status::memory_limit), kPresentation).verdict == Verdict::memory_limit_exceeded);
    }
}

TEST_CASE("a failed compile is a compilation error unless the sandbox failed", "[verdict]") {
    CHECK_FALSE(judge::verdict_of_compile(result(Status::ok)));
    const auto ce = judge::verdict_of_compile(result(Status::runtime_error, 1));
    REQUIRE(ce);
    CHECK(ce->verdict == Verdict::compilation_error);
    CHECK(ce->detail == "exit code 1");
    CHECK(judge::verdict_of_compile(result(Status::time_limit))->verdict == Verdict::compilation_error);
    CHECK(judge::verdict_of_compile(result(Status::time_limit))->detail == "cpu");
    CHECK(judge::verdict_of_compile(result(Status::memory_limit))->verdict == Verdict::compilation_error);
    CHECK(judge::verdict_of_compile(result(Status::output_limit))->verdict == Verdict::compilation_error);
    CHECK(judge::verdict_of_compile(result(Status::signaled, 0, SIGSEGV))->detail == "SIGSEGV");
    sandbox::RunResult refused = result(Status::syscall_violation, 0, 0, "forbidden system call: ptrace");
    refused.refused_syscall = 101;
    refused.refused_syscall_name = "ptrace";
    CHECK(judge::verdict_of_compile(refused)->detail == "syscall ptrace");
    CHECK(judge::verdict_of_compile(refused)->verdict == Verdict::internal_error);  // our policy's fault
    CHECK(judge::verdict_of_compile(result(Status::internal_error, 0, 0, "x"))->verdict == Verdict::internal_error);
}

TEST_CASE("verdict names", "[verdict]") {
    CHECK(std::string(judge::to_string(Verdict::accepted)) == "Accepted");
    CHECK(std::string(judge::to_string(Verdict::wrong_answer)) == "Wrong Answer");
    CHECK(std::string(judge::to_string(Verdict::presentation_error)) == "Presentation Error");
    CHECK(std::string(judge::to_string(Verdict::time_limit_exceeded)) == "Time Limit Exceeded");
    CHECK(std::string(judge::to_string(Verdict::memory_limit_exceeded)) == "Memory Limit Exceeded");
    CHECK(std::string(judge::to_string(Verdict::output_limit_exceeded)) == "Output Limit Exceeded");
    CHECK(std::string(judge::to_string(Verdict::runtime_error)) == "Runtime Error");
    CHECK(std::string(judge::to_string(Verdict::compilation_error)) == "Compilation Error");
    CHECK(std::string(judge::to_string(Verdict::internal_error)) == "Internal Error");

    const std::vector<std::string> shorts = {"AC", "WA", "PE", "TLE", "MLE", "OLE", "RE", "CE", "IE"};
    for (std::size_t i = 0; i < kAll.size(); ++i) CHECK(judge::short_name(kAll[i]) == shorts[i]);

    std::set<std::string> longs;
    for (Verdict v : kAll) longs.insert(judge::to_string(v));
    CHECK(longs.size() == kAll.size());

    CHECK(judge::signal_name(SIGSEGV) == "SIGSEGV");
    CHECK(judge::signal_name(SIGSYS) == "SIGSYS");
    CHECK(judge::signal_name(0) == "signal 0");
    CHECK(judge::signal_name(200) == "signal 200");
}

TEST_CASE("worst: precedence among tests", "[verdict]") {
    // From best to worst; every pair in this order.
    const std::vector<Verdict> order = {
        Verdict::accepted,
        Verdict::presentation_error,
        Verdict::wrong_answer,
        Verdict::output_limit_exceeded,
        Verdict::memory_limit_exceeded,
        Verdict::time_limit_exceeded,
        Verdict::runtime_error,
        Verdict::compilation_error,
        Verdict::internal_error,
    };
    REQUIRE(order.size() == kAll.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        CHECK(judge::worst(order[i], order[i]) == order[i]);
        CHECK(judge::worst(Verdict::accepted, order[i]) == order[i]);
        CHECK(judge::worst(order[i], Verdict::internal_error) == Verdict::internal_error);
        for (std::size_t j = i + 1; j < order.size(); ++j) {
            CHECK(judge::worst(order[i], order[j]) == order[j]);
            CHECK(judge::worst(order[j], order[i]) == order[j]);
        }
    }
    // Aggregating a run of tests: one internal error anywhere wins.
    Verdict total = Verdict::accepted;
    for (Verdict v : {Verdict::accepted, Verdict::wrong_answer, Verdict::internal_error, Verdict::runtime_error,
                      Verdict::time_limit_exceeded})
        total = judge::worst(total, v);
    CHECK(total == Verdict::internal_error);
    total = Verdict::accepted;
    for (Verdict v : {Verdict::presentation_error, Verdict::accepted, Verdict::wrong_answer, Verdict::accepted})
        total = judge::worst(total, v);
    CHECK(total == Verdict::wrong_answer);
}

TEST_CASE("the CPU budget rule: over the budget is TLE even when the run finished", "[verdict]") {
    sandbox::RunResult r = result(Status::ok);
    r.cpu_time_us = 1'000'000;
    judge::apply_cpu_budget(r, 1000);
    CHECK(r.status == Status::ok);  // at the budget, not over it
    r.cpu_time_us = 1'000'001;
    judge::apply_cpu_budget(r, 1000);
    CHECK(r.status == Status::time_limit);
    CHECK(r.message == "CPU time 1000 ms over the limit of 1000 ms");
    sandbox::RunResult crashed = result(Status::signaled, 0, SIGSEGV);
    crashed.cpu_time_us = 5'000'000;
    judge::apply_cpu_budget(crashed, 1000);
    CHECK(of(crashed).verdict == Verdict::time_limit_exceeded);
    sandbox::RunResult ie = result(Status::internal_error, 0, 0, "box set-up failed");
    ie.cpu_time_us = 5'000'000;
    judge::apply_cpu_budget(ie, 1000);
    CHECK(ie.status == Status::internal_error);  // a sandbox failure stays one
    CHECK(ie.message == "box set-up failed");
}

TEST_CASE("the working folder's bound: full after a run that ended by itself is OLE", "[verdict]") {
    for (Status st : {Status::ok, Status::runtime_error, Status::signaled}) {
        sandbox::RunResult r = result(st, st == Status::runtime_error ? 1 : 0, st == Status::signaled ? SIGABRT : 0);
        judge::apply_work_bound(r, false, 1 << 20, 64);
        CHECK(r.status == st);
        judge::apply_work_bound(r, true, 1 << 20, 64);
        CHECK(of(r).verdict == Verdict::output_limit_exceeded);
        CHECK(r.message == "the working folder reached its bound (1048576 bytes, 64 files)");
    }
    for (Status st : {Status::time_limit, Status::memory_limit, Status::syscall_violation, Status::internal_error}) {
        sandbox::RunResult r = result(st);
        judge::apply_work_bound(r, true, 1 << 20, 64);
        CHECK(r.status == st);
    }
}

TEST_CASE("compile outcomes and checker outcomes", "[verdict]") {
    using judge::CompileOutcome;
    CHECK_FALSE(judge::verdict_of_compile_outcome({CompileOutcome::Kind::ok, ""}));
    CHECK(judge::verdict_of_compile_outcome({CompileOutcome::Kind::compilation_error, "x"}) ==
          Verdict::compilation_error);
    CHECK(judge::verdict_of_compile_outcome({CompileOutcome::Kind::internal_error, "x"}) == Verdict::internal_error);

    CHECK(judge::verdict_of_compare(CompareOutcome::accepted) == Verdict::accepted);
    CHECK(judge::verdict_of_compare(CompareOutcome::wrong_answer) == Verdict::wrong_answer);
    CHECK(judge::verdict_of_compare(CompareOutcome::presentation_error) == Verdict::presentation_error);

    CHECK(judge::checker_run_counts(result(Status::ok)));
    CHECK(judge::checker_run_counts(result(Status::runtime_error, 1)));
    for (Status s : {Status::signaled, Status::time_limit, Status::wall_time_limit, Status::memory_limit,
                     Status::output_limit, Status::syscall_violation, Status::internal_error})
        CHECK_FALSE(judge::checker_run_counts(result(s, 0, SIGSEGV)));

    CHECK(judge::verdict_of_testlib_exit(0) == Verdict::accepted);
    CHECK(judge::verdict_of_testlib_exit(1) == Verdict::wrong_answer);
    CHECK(judge::verdict_of_testlib_exit(2) == Verdict::presentation_error);
    CHECK(judge::verdict_of_testlib_exit(8) == Verdict::presentation_error);
    for (int code : {3, 4, 7, 42, 43, 255}) CHECK_FALSE(judge::verdict_of_testlib_exit(code));
    CHECK(judge::verdict_of_kattis_exit(42) == Verdict::accepted);
    CHECK(judge::verdict_of_kattis_exit(43) == Verdict::wrong_answer);
    for (int code : {0, 1, 2, 41, 44}) CHECK_FALSE(judge::verdict_of_kattis_exit(code));
    CHECK(judge::verdict_of_fraction(1.0) == Verdict::accepted);
    CHECK(judge::verdict_of_fraction(1.0 - 1e-12) == Verdict::accepted);
    CHECK(judge::verdict_of_fraction(0.999) == Verdict::wrong_answer);
    CHECK(judge::verdict_of_points(0.5) == Verdict::accepted);
    CHECK(judge::verdict_of_points(0) == Verdict::wrong_answer);

    // A checked test: the run's own verdict unless it exited 0.
    CHECK(judge::verdict_of_checked_run(result(Status::ok), Verdict::wrong_answer, "no").detail == "no");
    CHECK(judge::verdict_of_checked_run(result(Status::runtime_error, 3), Verdict::accepted, "").verdict ==
          Verdict::runtime_error);
    CHECK(judge::verdict_of_checked_run(result(Status::internal_error), Verdict::accepted, "").verdict ==
          Verdict::internal_error);
}

TEST_CASE("interactive: who exited first comes from the end times", "[verdict]") {
    using judge::InteractivePrecedence;
    sandbox::RunResult contestant = result(Status::runtime_error, 3);
    sandbox::RunResult interactor = result(Status::runtime_error, 43);
    auto verdict = [&](InteractivePrecedence p) {
        return judge::interactive_verdict(contestant, interactor, Verdict::wrong_answer, "wrong guess", p);
    };
    SECTION("the interactor ended first: its WA stands under validator_first") {
        interactor.end_time_ns = 1'000'000;
        contestant.end_time_ns = 1'000'001;
        CHECK_FALSE(judge::contestant_exited_first(contestant, interactor));
        CHECK(verdict(InteractivePrecedence::validator_first).verdict == Verdict::wrong_answer);
        CHECK(verdict(InteractivePrecedence::validator_first).detail == "wrong guess");
        CHECK(verdict(InteractivePrecedence::contestant_first).verdict == Verdict::runtime_error);
    }
    SECTION("the contestant ended first: its own runtime error stands") {
        contestant.end_time_ns = 5'000'000'000;
        interactor.end_time_ns = 5'300'000'000;
        CHECK(judge::contestant_exited_first(contestant, interactor));
        CHECK(verdict(InteractivePrecedence::validator_first).verdict == Verdict::runtime_error);
        CHECK(verdict(InteractivePrecedence::contestant_first).verdict == Verdict::runtime_error);
    }
    SECTION("SIGPIPE after the interactor ended is the interactor's verdict under contestant_first") {
        contestant = result(Status::signaled, 0, SIGPIPE);
        interactor.end_time_ns = 10;
        contestant.end_time_ns = 20;
        CHECK(verdict(InteractivePrecedence::contestant_first).verdict == Verdict::wrong_answer);
        contestant.end_time_ns = 5;  // SIGPIPE before the interactor ended: its own fault
        CHECK(verdict(InteractivePrecedence::contestant_first).verdict == Verdict::runtime_error);
    }
    SECTION("a sandbox or interactor failure is an internal error under both settings") {
        contestant = result(Status::time_limit);
        contestant.end_time_ns = 10;
        interactor.end_time_ns = 5;
        for (auto p : {InteractivePrecedence::validator_first, InteractivePrecedence::contestant_first}) {
            CHECK(judge::interactive_verdict(contestant, interactor, Verdict::internal_error, "exit 3", p).verdict ==
                  Verdict::internal_error);
            CHECK(judge::interactive_verdict(result(Status::internal_error), interactor, Verdict::wrong_answer, "",
                                             p)
                      .verdict == Verdict::internal_error);
        }
    }
}

TEST_CASE("problem verdicts: the first rejection, an internal error anywhere wins", "[verdict]") {
    auto fold = [](std::vector<Verdict> vs, Verdict (*f)(Verdict, Verdict)) {
        Verdict v = Verdict::accepted;
        for (Verdict x : vs) v = f(v, x);
        return v;
    };
    CHECK(fold({Verdict::accepted, Verdict::accepted}, judge::first_error) == Verdict::accepted);
    CHECK(fold({Verdict::accepted, Verdict::wrong_answer, Verdict::runtime_error}, judge::first_error) ==
          Verdict::wrong_answer);
    CHECK(fold({Verdict::time_limit_exceeded, Verdict::wrong_answer}, judge::first_rejection) ==
          Verdict::time_limit_exceeded);
    CHECK(fold({Verdict::wrong_answer, Verdict::internal_error, Verdict::accepted}, judge::first_error) ==
          Verdict::internal_error);
    CHECK(fold({Verdict::wrong_answer, Verdict::internal_error}, judge::first_rejection) == Verdict::wrong_answer);
    for (Verdict v : kAll)
        CHECK(judge::judged_by_checker(v) ==
              (v == Verdict::accepted || v == Verdict::wrong_answer || v == Verdict::presentation_error));
}
