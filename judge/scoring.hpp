// Scores and verdicts of a problem from its tests' outcomes: per group by its
// aggregation, dependencies between groups, the problem's total. Pure.
//
// A test's outcome is its verdict plus, for scored checkers, a fraction in
// [0, 1] (CMS score, testlib points as a percentage, Kattis
// score_multiplier) or an absolute score (Kattis score.txt, testlib points
// with the absolute rule). An accepted test without either has fraction 1;
// a rejected one has 0.
//
//   pass_fail  the group's max_score when every test is accepted, else 0
//   sum        each test is worth max_score / number of tests, times its fraction
//              (an absolute score counts as is)
//   min        max_score times the smallest fraction among the tests
// A group whose require_pass groups did not all pass scores 0 (and says why).
// Sample groups never score. A skipped test (stop on reject) counts as rejected.
//
// The problem's verdict: Accepted when every test that ran was accepted,
// otherwise the verdict of the first rejected test in run order (samples
// first) — Kattis' first_error. Internal Error anywhere makes the verdict
// Internal Error (a result that cannot be trusted must surface).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "judge/problem.hpp"
#include "judge/verdict.hpp"

namespace judge {

struct TestOutcome {
    Verdict verdict = Verdict::internal_error;
    bool skipped = false;
    std::optional<double> fraction;  // 0..1
    std::optional<double> absolute;  // points as is
};

struct GroupScore {
    std::string name;
    Verdict verdict = Verdict::accepted;  // first rejected test's, or Accepted
    bool passed = false;                  // every test accepted
    double score = 0, max_score = 0;
    std::string note;  // "requires secret/group1, which did not pass"
};

struct ProblemScore {
    Verdict verdict = Verdict::accepted;
    double score = 0, max_score = 0;
    std::vector<GroupScore> groups;  // in the problem's group order
};

// `outcomes[g][t]` is test t of problem.groups[g].
ProblemScore score_problem(const Problem& problem, const std::vector<std::vector<TestOutcome>>& outcomes);

}  // namespace judge
