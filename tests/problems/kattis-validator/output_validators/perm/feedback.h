// Kattis output validator plumbing: messages into the feedback folder and the
// two verdict exit codes.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace feedback {

constexpr int kAccept = 42;
constexpr int kWrongAnswer = 43;

inline std::string& folder() {
    static std::string dir;
    return dir;
}

// Appends to feedback_dir/judgemessage.txt (shown to judges).
inline void judge_message(const std::string& text) {
    const std::string path = folder() + "/judgemessage.txt";
    if (std::FILE* f = std::fopen(path.c_str(), "a")) {
        std::fprintf(f, "%s\n", text.c_str());
        std::fclose(f);
    }
}

[[noreturn]] inline void accept(const std::string& text) {
    judge_message(text);
    std::exit(kAccept);
}

[[noreturn]] inline void wrong_answer(const std::string& text) {
    judge_message(text);
    std::exit(kWrongAnswer);
}

// Broken jury data: any exit code but 42 and 43 is a judge error.
[[noreturn]] inline void judge_error(const std::string& text) {
    std::fprintf(stderr, "judge error: %s\n", text.c_str());
    std::exit(1);
}

}  // namespace feedback
