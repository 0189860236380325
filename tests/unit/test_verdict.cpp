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
        const VerdictDetail v = of(result(Status::syscall_violation, 0, 0, "forbidden system call: ptrace"));
        CHECK(v.verdict == Verdict::runtime_error);
        CHECK(v.detail == "syscall ptrace");
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
    CHECK(judge::verdict_of_compile(result(Status::syscall_violation, 0, 0, "forbidden system call: ptrace"))
              ->detail == "syscall ptrace");
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

TEST_CASE("Judge0 status ids", "[verdict]") {
    auto id = [](const sandbox::RunResult& r, std::optional<CompareResult> cmp = std::nullopt) {
        return judge::judge0_status_id(judge::verdict_of_run(r, cmp));
    };
    CHECK(id(result(Status::ok), kAccepted) == 3);
    CHECK(id(result(Status::ok)) == 3);
    CHECK(id(result(Status::ok), kWrong) == 4);
    CHECK(id(result(Status::ok), kPresentation) == 4);  // Judge0 has no PE
    CHECK(id(result(Status::time_limit)) == 5);
    CHECK(id(result(Status::wall_time_limit)) == 5);
    CHECK(judge::judge0_status_id(*judge::verdict_of_compile(result(Status::runtime_error, 1))) == 6);
    CHECK(id(result(Status::signaled, 0, SIGSEGV)) == 7);
    CHECK(id(result(Status::signaled, 0, SIGXFSZ)) == 8);
    CHECK(id(result(Status::output_limit)) == 8);  // Judge0 reports an exceeded output limit as SIGXFSZ
    CHECK(id(result(Status::signaled, 0, SIGFPE)) == 9);
    CHECK(id(result(Status::signaled, 0, SIGABRT)) == 10);
    CHECK(id(result(Status::runtime_error, 1)) == 11);
    CHECK(id(result(Status::runtime_error, 139)) == 11);  // an exit code, even one that looks like a signal
    CHECK(id(result(Status::signaled, 0, SIGKILL)) == 12);
    CHECK(id(result(Status::signaled, 0, SIGBUS)) == 12);
    CHECK(id(result(Status::syscall_violation, 0, 0, "forbidden system call: ptrace")) == 12);
    CHECK(id(result(Status::memory_limit)) == 12);  // Judge0: 12 with message "Memory limit exceeded"
    CHECK(id(result(Status::internal_error)) == 13);
    for (Verdict v : kAll) {
        const int i = judge::judge0_status_id({v, "", 0, 0});
        CHECK(i >= 3);
        CHECK(i <= 13);
    }
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
