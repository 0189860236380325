#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "judge/scoring.hpp"

using judge::Aggregation;
using judge::Problem;
using judge::ProblemScore;
using judge::ProblemType;
using judge::score_problem;
using judge::TestGroup;
using judge::TestOutcome;
using judge::Verdict;

namespace Catch {
template <>
struct StringMaker<Verdict> {
    static std::string convert(Verdict v) { return judge::to_string(v); }
};
}  // namespace Catch

namespace {

constexpr auto AC = Verdict::accepted;
constexpr auto WA = Verdict::wrong_answer;
constexpr auto PE = Verdict::presentation_error;
constexpr auto TLE = Verdict::time_limit_exceeded;
constexpr auto RTE = Verdict::runtime_error;
constexpr auto IE = Verdict::internal_error;

TestGroup group(const std::string& name, std::size_t tests, Aggregation agg, double max_score,
                std::vector<std::string> require = {}) {
    TestGroup g;
    g.name = name;
    g.sample = name == "sample";
    g.tests.resize(tests);
    g.aggregation = agg;
    g.max_score = max_score;
    g.require_pass = std::move(require);
    return g;
}

Problem scoring(std::vector<TestGroup> groups) {
    Problem p;
    p.type = ProblemType::scoring;
    p.groups = std::move(groups);
    for (const auto& g : p.groups) p.max_score += g.sample ? 0 : g.max_score;
    return p;
}

TestOutcome out(Verdict v) {
    TestOutcome t;
    t.verdict = v;
    return t;
}

TestOutcome frac(Verdict v, double f) {
    TestOutcome t = out(v);
    t.fraction = f;
    return t;
}

TestOutcome abs_score(Verdict v, double a) {
    TestOutcome t = out(v);
    t.absolute = a;
    return t;
}

TestOutcome skipped() {
    TestOutcome t;  // its verdict stays the default (Internal Error) and must not count
    t.skipped = true;
    return t;
}

}  // namespace

TEST_CASE("scoring: pass-fail groups are all or nothing", "[scoring]") {
    const Problem p =
        scoring({group("secret/a", 2, Aggregation::pass_fail, 40), group("secret/b", 2, Aggregation::pass_fail, 60)});
    ProblemScore s = score_problem(p, {{out(AC), out(AC)}, {out(AC), out(WA)}});
    CHECK(s.score == 40);
    CHECK(s.max_score == 100);
    CHECK(s.verdict == WA);
    REQUIRE(s.groups.size() == 2);
    CHECK(s.groups[0].passed);
    CHECK(s.groups[0].score == 40);
    CHECK(s.groups[0].verdict == AC);
    CHECK_FALSE(s.groups[1].passed);
    CHECK(s.groups[1].score == 0);
    CHECK(s.groups[1].max_score == 60);
    CHECK(s.groups[1].verdict == WA);

    s = score_problem(p, {{out(AC), out(AC)}, {out(AC), out(AC)}});
    CHECK(s.score == 100);
    CHECK(s.verdict == AC);
    // A partial fraction does not pass a pass-fail group.
    s = score_problem(p, {{out(AC), frac(WA, 0.9)}, {out(AC), out(AC)}});
    CHECK(s.score == 60);
}

TEST_CASE("scoring: sum groups share the points among tests", "[scoring]") {
    const Problem p = scoring({group("secret", 4, Aggregation::sum, 100)});
    ProblemScore s = score_problem(p, {{out(AC), frac(WA, 0.5), frac(AC, 1.0), out(TLE)}});
    CHECK(s.score == 62.5);
    CHECK(s.verdict == WA);
    CHECK_FALSE(s.groups[0].passed);
    // Thirds add up to the whole, not 99.99999.
    const Problem thirds = scoring({group("secret", 3, Aggregation::sum, 100)});
    CHECK(score_problem(thirds, {{out(AC), out(AC), out(AC)}}).score == 100);
    CHECK(score_problem(thirds, {{out(AC), out(WA), out(AC)}}).score == Approx(66.666667));
    // Absolute scores count as they are, the group's max caps them.
    s = score_problem(p, {{abs_score(AC, 10), abs_score(AC, 7.5), out(AC), abs_score(WA, 0)}});
    CHECK(s.score == 42.5);
    CHECK(score_problem(p, {{abs_score(AC, 90), abs_score(AC, 90), out(WA), out(WA)}}).score == 100);
    // Fractions outside [0, 1] are clamped.
    CHECK(score_problem(p, {{frac(AC, 2), frac(WA, -1), out(WA), out(WA)}}).score == 25);
}

TEST_CASE("scoring: min groups take the worst test", "[scoring]") {
    const Problem p = scoring({group("secret/g", 3, Aggregation::min, 50)});
    CHECK(score_problem(p, {{out(AC), frac(WA, 0.4), frac(WA, 0.8)}}).score == 20);
    CHECK(score_problem(p, {{out(AC), out(AC), out(AC)}}).score == 50);
    CHECK(score_problem(p, {{out(AC), out(RTE), out(AC)}}).score == 0);
    CHECK(score_problem(p, {{out(AC), abs_score(AC, 30), out(AC)}}).score == 30);
}

TEST_CASE("scoring: partial credit only from the checker", "[scoring]") {
    // A fraction that arrives with a crash or a limit is not credit.
    const Problem p = scoring({group("secret", 2, Aggregation::sum, 100)});
    CHECK(score_problem(p, {{frac(TLE, 1.0), frac(PE, 0.5)}}).score == 25);
    CHECK(score_problem(p, {{abs_score(RTE, 50), out(AC)}}).score == 50);
}

TEST_CASE("scoring: require_pass", "[scoring]") {
    const Problem p =
        scoring({group("sample", 1, Aggregation::pass_fail, 0), group("secret/group1", 2, Aggregation::pass_fail, 20),
                 group("secret/group2", 2, Aggregation::sum, 30),
                 group("secret/group3", 2, Aggregation::min, 50, {"secret/group1"}),
                 group("secret/group4", 1, Aggregation::sum, 0, {"sample", "secret/group2"})});
    ProblemScore s =
        score_problem(p, {{out(AC)}, {out(AC), out(WA)}, {out(AC), out(AC)}, {out(AC), out(AC)}, {out(AC)}});
    CHECK(s.score == 30);
    CHECK(s.max_score == 100);
    CHECK(s.groups[3].score == 0);
    CHECK(s.groups[3].max_score == 50);
    CHECK(s.groups[3].verdict == AC);
    CHECK(s.groups[3].passed);  // its own tests passed; it just does not count
    CHECK(s.groups[3].note == "requires secret/group1, which did not pass");
    CHECK(s.groups[4].note.empty());

    s = score_problem(p, {{out(WA)}, {out(AC), out(AC)}, {out(AC), out(AC)}, {out(AC), out(AC)}, {out(AC)}});
    CHECK(s.score == 100);   // the sample never counts...
    CHECK(s.verdict == WA);  // ...but its verdict is the first error
    CHECK(s.groups[4].note == "requires sample, which did not pass");
}

TEST_CASE("scoring: samples never count", "[scoring]") {
    // Even with a max_score set by hand, a sample scores 0 of 0.
    const Problem p =
        scoring({group("sample", 2, Aggregation::sum, 10), group("secret", 1, Aggregation::pass_fail, 100)});
    const ProblemScore s = score_problem(p, {{out(AC), out(AC)}, {out(AC)}});
    CHECK(s.score == 100);
    CHECK(s.max_score == 100);
    CHECK(s.groups[0].score == 0);
    CHECK(s.groups[0].max_score == 0);
    CHECK(s.groups[0].passed);
}

TEST_CASE("scoring: skipped tests count as rejected without a verdict", "[scoring]") {
    const Problem p =
        scoring({group("secret/a", 3, Aggregation::pass_fail, 50), group("secret/b", 2, Aggregation::sum, 50)});
    ProblemScore s = score_problem(p, {{out(AC), out(TLE), skipped()}, {out(AC), skipped()}});
    CHECK(s.verdict == TLE);  // a skipped test's default Internal Error is not looked at
    CHECK(s.groups[0].verdict == TLE);
    CHECK(s.groups[1].verdict == AC);
    CHECK_FALSE(s.groups[1].passed);
    CHECK(s.groups[1].score == 25);
    CHECK(s.score == 25);
    s = score_problem(p, {{out(AC), out(AC), out(AC)}, {skipped(), skipped()}});
    CHECK(s.verdict == AC);
    CHECK(s.groups[1].note == "not run");
    CHECK(s.score == 50);
}

TEST_CASE("scoring: the verdict is the first error, Internal Error above all", "[scoring]") {
    const Problem p = scoring({group("sample", 1, Aggregation::pass_fail, 0),
                               group("secret/a", 3, Aggregation::sum, 50), group("secret/b", 2, Aggregation::sum, 50)});
    // First error in run order, not the worst: WA before TLE and RTE.
    ProblemScore s = score_problem(p, {{out(AC)}, {out(AC), out(WA), out(RTE)}, {out(TLE), out(AC)}});
    CHECK(s.verdict == WA);
    CHECK(s.groups[1].verdict == WA);
    CHECK(s.groups[2].verdict == TLE);
    CHECK(s.score == Approx(16.666667 + 25));
    // The sample runs first.
    s = score_problem(p, {{out(PE)}, {out(AC), out(WA), out(AC)}, {out(AC), out(AC)}});
    CHECK(s.verdict == PE);
    // Internal Error anywhere wins, even after an earlier rejection.
    s = score_problem(p, {{out(AC)}, {out(WA), out(AC), out(AC)}, {out(AC), out(IE)}});
    CHECK(s.verdict == IE);
    CHECK(s.groups[1].verdict == WA);
    CHECK(s.groups[2].verdict == IE);
    s = score_problem(p, {{out(AC)}, {out(AC), out(AC), out(AC)}, {out(AC), out(AC)}});
    CHECK(s.verdict == AC);
    CHECK(s.score == 100);
}

TEST_CASE("scoring: pass-fail problems score nothing", "[scoring]") {
    Problem p = scoring({group("secret", 2, Aggregation::pass_fail, 100)});
    p.type = ProblemType::pass_fail;
    const ProblemScore s = score_problem(p, {{out(AC), out(AC)}});
    CHECK(s.verdict == AC);
    CHECK(s.score == 0);
    CHECK(s.max_score == 0);
    CHECK(s.groups[0].passed);
}

TEST_CASE("scoring: outcomes must match the problem's shape", "[scoring]") {
    const Problem p = scoring({group("secret", 2, Aggregation::sum, 100)});
    CHECK_THROWS_AS(score_problem(p, {}), std::invalid_argument);
    CHECK_THROWS_AS(score_problem(p, {{out(AC)}}), std::invalid_argument);
}
