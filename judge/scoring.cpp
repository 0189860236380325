#include "judge/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace judge {
namespace {

double clamp01(double x) { return std::isnan(x) ? 0.0 : std::clamp(x, 0.0, 1.0); }

// Scores are sums of shares like 30/3: rounding to a millionth keeps
// 49.99999999 from showing (and from comparing unequal to 50).
double tidy(double x) { return std::round(x * 1e6) / 1e6; }

// A test's share of a group worth `worth` for it: an absolute score as is,
// else its fraction of `worth`; partial credit only as judged_by_checker says.
double test_points(const TestOutcome& t, double worth) {
    if (t.skipped || !judged_by_checker(t.verdict)) return 0;
    if (t.absolute) return std::isfinite(*t.absolute) ? std::max(0.0, *t.absolute) : 0.0;
    if (t.fraction) return worth * clamp01(*t.fraction);
    return t.verdict == Verdict::accepted ? worth : 0;
}

}  // namespace

ProblemScore score_problem(const Problem& problem, const std::vector<std::vector<TestOutcome>>& outcomes) {
    if (outcomes.size() != problem.groups.size()) {
        throw std::invalid_argument("score_problem: " + std::to_string(outcomes.size()) + " groups of outcomes for " +
                                    std::to_string(problem.groups.size()) + " groups");
    }
    ProblemScore result;

    for (std::size_t gi = 0; gi < problem.groups.size(); ++gi) {
        const TestGroup& group = problem.groups[gi];
        const std::vector<TestOutcome>& tests = outcomes[gi];
        if (tests.size() != group.tests.size()) {
            throw std::invalid_argument("score_problem: group " + group.name + " has " +
                                        std::to_string(group.tests.size()) + " tests, " + std::to_string(tests.size()) +
                                        " outcomes");
        }
        GroupScore gs;
        gs.name = group.name;
        gs.max_score = group.sample || problem.type != ProblemType::scoring ? 0 : group.max_score;
        gs.passed = !tests.empty();
        bool any_skipped = false;
        for (const TestOutcome& t : tests) {
            if (t.skipped) {
                // Skipped after a rejection: not accepted, but no verdict of its own.
                gs.passed = false;
                any_skipped = true;
                continue;
            }
            if (t.verdict != Verdict::accepted) gs.passed = false;
            gs.verdict = first_rejection(gs.verdict, t.verdict);
            result.verdict = first_error(result.verdict, t.verdict);
        }

        double score = 0;
        if (gs.max_score > 0) {
            switch (group.aggregation) {
                case Aggregation::pass_fail: score = gs.passed ? gs.max_score : 0; break;
                case Aggregation::sum: {
                    const double worth = gs.max_score / static_cast<double>(tests.size());
                    for (const TestOutcome& t : tests) score += test_points(t, worth);
                    break;
                }
                case Aggregation::min: {
                    score = std::numeric_limits<double>::infinity();
                    for (const TestOutcome& t : tests) score = std::min(score, test_points(t, gs.max_score));
                    if (tests.empty()) score = 0;
                    break;
                }
            }
            score = std::clamp(score, 0.0, gs.max_score);
        }

        for (const std::string& req : group.require_pass) {
            const auto it = std::find_if(result.groups.begin(), result.groups.end(),
                                         [&](const GroupScore& e) { return e.name == req; });
            if (it == result.groups.end() || !it->passed) {
                score = 0;
                gs.note = "requires " + req + ", which did not pass";
                break;
            }
        }
        if (gs.note.empty() && any_skipped && gs.verdict == Verdict::accepted) gs.note = "not run";
        gs.score = tidy(score);
        result.score += gs.score;
        result.max_score += gs.max_score;
        result.groups.push_back(std::move(gs));
    }
    result.score = tidy(result.score);
    result.max_score = tidy(result.max_score);
    return result;
}

}  // namespace judge
