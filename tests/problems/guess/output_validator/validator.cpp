// Interactor for "Guess the number" (Kattis interactive output validator):
//   validator <input> <answer> <feedback_dir> [args...]
// stdin: the contestant's guesses, one integer per line; stdout: our
// replies, one per guess: "<" (the number is smaller), ">" (larger) or "="
// (found; then the contestant must stop). At most 30 guesses for a number
// in 1..10^9. Exit 42 accepted, 43 wrong answer; judgemessage.txt says why.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {

constexpr long kMax = 1000000000;
constexpr int kMaxGuesses = 30;
std::string g_feedback;

void message(const std::string& text) {
    std::ofstream(g_feedback + "/judgemessage.txt", std::ios::app) << text << '\n';
}

[[noreturn]] void verdict(int code, const std::string& text) {
    message(text);
    std::exit(code);
}

bool to_long(const std::string& t, long& v) {
    if (t.empty() || t.size() > 10) return false;
    v = 0;
    for (char c : t) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    // A contestant that dies mid-game closes its stdin: our write then fails
    // with EPIPE instead of killing us, and we give a verdict.
    std::signal(SIGPIPE, SIG_IGN);
    if (argc < 4) {
        std::fprintf(stderr, "usage: validator <input> <answer> <feedback_dir>\n");
        return 1;
    }
    g_feedback = argv[3];
    long secret = 0;
    {
        std::ifstream in(argv[1]);
        std::string t;
        if (!(in >> t) || !to_long(t, secret) || secret < 1 || secret > kMax) {
            std::fprintf(stderr, "bad input file\n");
            return 1;
        }
    }
    std::string t;
    for (int guesses = 1;; ++guesses) {
        if (!(std::cin >> t)) verdict(43, "the contestant stopped before finding the number");
        long g = 0;
        if (!to_long(t, g) || g < 1 || g > kMax) verdict(43, "guess " + std::to_string(guesses) + " is not in 1..10^9: \"" + t.substr(0, 30) + "\"");
        if (guesses > kMaxGuesses) verdict(43, "more than " + std::to_string(kMaxGuesses) + " guesses");
        const char* reply = secret < g ? "<" : secret > g ? ">" : "=";
        std::cout << reply << std::endl;  // flushed: the contestant is waiting
        if (g == secret) {
            if (std::cin >> t) verdict(43, "output after the number was found: \"" + t.substr(0, 30) + "\"");
            verdict(42, "found " + std::to_string(secret) + " in " + std::to_string(guesses) + " guesses");
        }
    }
}
