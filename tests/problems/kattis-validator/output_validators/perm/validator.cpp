// Kattis output validator for "No neighbours":
//   validator <input> <answer> <feedback_dir> [args...] < contestant_output
// Accepts any permutation of 1..n with no two adjacent numbers differing by
// exactly 1: exit 42, else 43, with the reason in judgemessage.txt.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "feedback.h"

namespace {

// A token that is a positive integer of at most 9 digits.
bool to_int(const std::string& t, long& v) {
    if (t.empty() || t.size() > 9 || t[0] == '0') return false;
    v = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    return true;
}

std::string excerpt(const std::string& t) { return t.size() > 30 ? t.substr(0, 30) + "..." : t; }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) feedback::judge_error("usage: validator <input> <answer> <feedback_dir>");
    feedback::folder() = argv[3];
    long n = 0;
    {
        std::ifstream in(argv[1]);
        std::string t;
        if (!(in >> t) || !to_int(t, n) || n < 4) feedback::judge_error("bad input file");
        std::ifstream ans(argv[2]);
        if (!ans) feedback::judge_error("cannot open the answer file");
    }
    std::vector<bool> seen(static_cast<std::size_t>(n) + 1, false);
    long prev = 0;
    std::string t;
    for (long i = 1; i <= n; ++i) {
        if (!(std::cin >> t)) {
            feedback::wrong_answer("expected " + std::to_string(n) + " numbers, got " + std::to_string(i - 1));
        }
        long v = 0;
        if (!to_int(t, v) || v > n) {
            feedback::wrong_answer("number " + std::to_string(i) + ": \"" + excerpt(t) + "\" is not in 1.." +
                                   std::to_string(n));
        }
        if (seen[static_cast<std::size_t>(v)]) feedback::wrong_answer(std::to_string(v) + " appears twice");
        seen[static_cast<std::size_t>(v)] = true;
        if (i > 1 && (v - prev == 1 || prev - v == 1)) {
            feedback::wrong_answer("positions " + std::to_string(i - 1) + " and " + std::to_string(i) + " hold " +
                                   std::to_string(prev) + " and " + std::to_string(v));
        }
        prev = v;
    }
    if (std::cin >> t) feedback::wrong_answer("extra output: \"" + excerpt(t) + "\"");
    feedback::accept("a valid permutation of 1.." + std::to_string(n));
}
