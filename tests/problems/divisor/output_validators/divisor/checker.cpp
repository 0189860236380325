// Checker for "Any divisor", in testlib's protocol without testlib.h:
//   checker <input> <output> <answer> [<result-file>]
// exit 0 ok, 1 wrong answer, 2 wrong output format (presentation error),
// 3 FAIL (the jury's data is broken); the message goes to stderr.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

enum Exit { kOk = 0, kWrongAnswer = 1, kPresentation = 2, kFail = 3 };

[[noreturn]] void quit(Exit code, const std::string& message) {
    static const char* const kPrefix[] = {"ok ", "wrong answer ", "wrong output format ", "FAIL "};
    std::fprintf(stderr, "%s%s\n", kPrefix[code], message.c_str());
    std::exit(code);
}

std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) quit(kFail, std::string("cannot open ") + path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A whole token that is an integer fitting a long long.
bool to_integer(const std::string& token, long long& value) {
    if (token.empty() || token.size() > 20) return false;
    std::size_t i = token[0] == '-' ? 1 : 0;
    if (i == token.size()) return false;
    for (std::size_t k = i; k < token.size(); ++k) {
        if (token[k] < '0' || token[k] > '9') return false;
    }
    if (token.size() - i > 1 && token[i] == '0') return false;  // no leading zeros
    errno = 0;
    char* end = nullptr;
    value = std::strtoll(token.c_str(), &end, 10);
    return errno == 0 && *end == '\0';
}

bool is_divisor(long long n, long long d) { return d > 1 && d < n && n % d == 0; }

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) quit(kFail, "usage: checker <input> <output> <answer>");
    long long n = 0, jury = 0;
    {
        std::istringstream in(read_file(argv[1]));
        std::string token;
        if (!(in >> token) || !to_integer(token, n) || n < 4) quit(kFail, "bad input file");
        std::istringstream ans(read_file(argv[3]));
        if (!(ans >> token) || !to_integer(token, jury) || !is_divisor(n, jury)) quit(kFail, "bad answer file");
    }
    std::istringstream out(read_file(argv[2]));
    std::string token;
    if (!(out >> token)) quit(kPresentation, "expected an integer, got end of file");
    long long d = 0;
    if (!to_integer(token, d)) {
        quit(kPresentation, "expected an integer, got \"" + token.substr(0, 40) + "\"");
    }
    std::string extra;
    if (out >> extra) quit(kPresentation, "extra output after the answer: \"" + extra.substr(0, 40) + "\"");
    if (d <= 1 || d >= n) quit(kWrongAnswer, std::to_string(d) + " is not between 2 and " + std::to_string(n - 1));
    if (n % d != 0) quit(kWrongAnswer, std::to_string(d) + " does not divide " + std::to_string(n));
    quit(kOk, std::to_string(d) + " divides " + std::to_string(n));
}
