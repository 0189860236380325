// CMS checker for "Sum and product":
//   checker <input> <answer> <output>      (the answer before the output!)
// First stdout line: the fraction of the test's points (0.5 per right line);
// first stderr line: the message for the contestant. A non-zero exit is a
// judge error, so broken jury files exit 1.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

[[noreturn]] void judge_error(const char* what) {
    std::fprintf(stderr, "judge error: %s\n", what);
    std::exit(1);
}

// The next line of `in` as exactly one integer; false when it is not.
bool integer_line(std::ifstream& in, long long& v) {
    std::string line;
    if (!std::getline(in, line)) return false;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::string t = line.substr(i);
    if (t.empty() || t.size() > 20) return false;
    for (std::size_t k = (t[0] == '-') ? 1 : 0; k < t.size(); ++k) {
        if (t[k] < '0' || t[k] > '9') return false;
    }
    if (t == "-") return false;
    char* end = nullptr;
    v = std::strtoll(t.c_str(), &end, 10);
    return *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) judge_error("usage: checker <input> <answer> <output>");
    std::ifstream ans(argv[2]), out(argv[3]);
    if (!ans || !out) judge_error("cannot open the answer or the output");
    long long sum = 0, product = 0;
    if (!integer_line(ans, sum) || !integer_line(ans, product)) judge_error("bad answer file");
    long long got = 0;
    double score = 0;
    if (integer_line(out, got) && got == sum) score += 0.5;
    if (integer_line(out, got) && got == product) score += 0.5;
    std::printf("%.1f\n", score);
    std::fprintf(stderr, "%s\n", score == 1.0   ? "translate:success"
                                 : score > 0.0 ? "translate:partial"
                                               : "translate:wrong");
    return 0;
}
