#include "judge/comparator.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using judge::CompareKind;
using judge::CompareOptions;
using judge::CompareOutcome;
using judge::CompareResult;

namespace Catch {
template <>
struct StringMaker<CompareOutcome> {
    static std::string convert(CompareOutcome o) { return judge::to_string(o); }
};
}  // namespace Catch

namespace {

constexpr auto AC = CompareOutcome::accepted;
constexpr auto WA = CompareOutcome::wrong_answer;
constexpr auto PE = CompareOutcome::presentation_error;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

void write_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw std::system_error(errno, std::generic_category(), "write");
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

// An anonymous in-memory file holding `content`, positioned at its start.
int memfile(std::string_view content) {
    const int fd = ::memfd_create("comparator-test", MFD_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
    write_all(fd, content.data(), content.size());
    ::lseek(fd, 0, SEEK_SET);
    return fd;
}

CompareResult run(std::string_view expected, std::string_view actual, const CompareOptions& o) {
    const Fd e(memfile(expected)), a(memfile(actual));
    return judge::compare(e.get(), a.get(), o);
}

CompareOptions mode(CompareKind k, bool pe = false, bool ci = false) {
    CompareOptions o;
    o.kind = k;
    o.presentation_error = pe;
    o.case_insensitive = ci;
    return o;
}

CompareOptions floats(double abs_tol, double rel_tol = 0) {
    CompareOptions o;
    o.kind = CompareKind::floats;
    o.abs_tolerance = abs_tol;
    o.rel_tolerance = rel_tol;
    return o;
}

CompareOutcome outcome(std::string_view expected, std::string_view actual, const CompareOptions& o) {
    return run(expected, actual, o).outcome;
}

std::string message(std::string_view expected, std::string_view actual, const CompareOptions& o) {
    return run(expected, actual, o).message;
}

// At most 200 bytes, printable ASCII and "…" only.
bool well_formed(const std::string& m) {
    if (m.size() > 200) return false;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const auto c = static_cast<unsigned char>(m[i]);
        if (c >= 0x20 && c < 0x7f) continue;
        if (m.compare(i, 3, "\xe2\x80\xa6") != 0) return false;
        i += 2;
    }
    return true;
}

std::string bytes(const char* p, std::size_t n) { return std::string(p, n); }

// ---- reference implementations over whole strings, for the differential test

bool ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::vector<std::string> split_tokens(const std::string& s) {
    std::vector<std::string> t;
    std::string cur;
    for (char c : s) {
        if (ws(c)) {
            if (!cur.empty()) t.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) t.push_back(cur);
    return t;
}

std::vector<std::string> split_lines(const std::string& s) {
    std::vector<std::string> lines(1);
    for (char c : s) {
        if (c == '\n') lines.emplace_back();
        else lines.back() += c;
    }
    return lines;
}

std::string judge0_normal(const std::string& s) {
    std::vector<std::string> lines = split_lines(s);
    for (auto& l : lines)
        while (!l.empty() && ws(l.back())) l.pop_back();
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
    return out;
}

std::vector<std::vector<std::string>> line_tokens(const std::string& s) {
    std::vector<std::vector<std::string>> out;
    for (const auto& l : split_lines(s)) out.push_back(split_tokens(l));
    while (!out.empty() && out.back().empty()) out.pop_back();
    return out;
}

// What the reference says about one pair, case-sensitive [0] and folded [1].
struct Reference {
    bool exact = false;
    bool judge0[2] = {}, tokens[2] = {}, lines[2] = {};

    Reference(const std::string& e, const std::string& a) {
        exact = e == a;
        for (int f = 0; f < 2; ++f) {
            const std::string fe = f ? lower(e) : e, fa = f ? lower(a) : a;
            judge0[f] = judge0_normal(fe) == judge0_normal(fa);
            tokens[f] = split_tokens(fe) == split_tokens(fa);
            lines[f] = line_tokens(fe) == line_tokens(fa);
        }
    }
    CompareOutcome outcome(const CompareOptions& o) const {
        const int f = o.case_insensitive && o.kind != CompareKind::exact ? 1 : 0;
        bool equal = false;
        switch (o.kind) {
            case CompareKind::exact: equal = exact; break;
            case CompareKind::judge0: equal = judge0[f]; break;
            case CompareKind::tokens: equal = tokens[f]; break;
            case CompareKind::lines: equal = lines[f]; break;
            case CompareKind::floats: throw std::logic_error("no reference for floats");
        }
        if (equal) return AC;
        return o.presentation_error && o.kind != CompareKind::tokens && tokens[f] ? PE : WA;
    }
};

// Writes `content` into a pipe from a thread, in pieces of random size, so
// that the reader sees reads of every length; compare() reads the other end.
class PipeFeed {
public:
    PipeFeed(std::string content, unsigned seed) {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        read_ = p[0];
        const int w = p[1];
        writer_ = std::thread([w, seed, c = std::move(content)] {
            std::mt19937 rng(seed);
            std::size_t at = 0;
            while (at < c.size()) {
                const std::size_t n = std::min<std::size_t>(c.size() - at, 1 + rng() % 3000);
                write_all(w, c.data() + at, n);
                at += n;
            }
            ::close(w);
        });
    }
    ~PipeFeed() {
        // Read what compare() left (it stops at a wrong answer), so the
        // writer finishes instead of dying of SIGPIPE.
        char buf[65536];
        while (::read(read_, buf, sizeof buf) > 0) {
        }
        writer_.join();
        ::close(read_);
    }
    PipeFeed(const PipeFeed&) = delete;
    PipeFeed& operator=(const PipeFeed&) = delete;
    int fd() const { return read_; }

private:
    int read_ = -1;
    std::thread writer_;
};

// ---- huge outputs, generated on the fly

// `head`, `count` copies of `pattern`, then `tail`, written to `fd` in 64 KiB blocks.
void write_pattern(int fd, const std::string& head, const std::string& pattern, std::uint64_t count,
                   const std::string& tail) {
    write_all(fd, head.data(), head.size());
    const std::size_t per_block = std::max<std::size_t>(1, 65536 / pattern.size());
    std::string block;
    for (std::size_t i = 0; i < per_block; ++i) block += pattern;
    while (count > 0) {
        const std::uint64_t k = std::min<std::uint64_t>(count, per_block);
        write_all(fd, block.data(), static_cast<std::size_t>(k) * pattern.size());
        count -= k;
    }
    write_all(fd, tail.data(), tail.size());
}

class PatternPipe {
public:
    PatternPipe(std::string head, std::string pattern, std::uint64_t count, std::string tail) {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        read_ = p[0];
        const int w = p[1];
        writer_ = std::thread([=] {
            write_pattern(w, head, pattern, count, tail);
            ::close(w);
        });
    }
    ~PatternPipe() {
        char buf[65536];
        while (::read(read_, buf, sizeof buf) > 0) {
        }
        writer_.join();
        ::close(read_);
    }
    PatternPipe(const PatternPipe&) = delete;
    PatternPipe& operator=(const PatternPipe&) = delete;
    int fd() const { return read_; }

private:
    int read_ = -1;
    std::thread writer_;
};

struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/comparator-XXXXXX";
        if (!::mkdtemp(t)) throw std::system_error(errno, std::generic_category(), "mkdtemp");
        path = t;
    }
    ~TempDir() {
        for (const char* f : {"/expected", "/actual", "/fifo", "/dir"}) {
            ::unlink((path + f).c_str());
            ::rmdir((path + f).c_str());
        }
        ::rmdir(path.c_str());
    }
    std::string write(const char* name, std::string_view content) const {
        const std::string p = path + "/" + name;
        const Fd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        write_all(fd.get(), content.data(), content.size());
        return p;
    }
};

long peak_rss_kb() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

constexpr long kMaxGrowthKb = 64 * 1024;

}  // namespace

TEST_CASE("exact compares byte for byte", "[comparator]") {
    const auto o = mode(CompareKind::exact);
    CHECK(outcome("", "", o) == AC);
    CHECK(outcome("1 2\n3\n", "1 2\n3\n", o) == AC);
    CHECK(outcome("", "\n", o) == WA);
    CHECK(outcome("\n", "", o) == WA);
    CHECK(outcome("1\n", "1", o) == WA);          // missing final newline
    CHECK(outcome("1", "1\n", o) == WA);
    CHECK(outcome("1\n", "1\r\n", o) == WA);       // CRLF is not LF here
    CHECK(outcome("1 2", "1 2 ", o) == WA);        // trailing space
    CHECK(outcome("1 2", "1  2", o) == WA);
    CHECK(outcome("1\n\n2", "1\n2", o) == WA);
    CHECK(outcome("Yes", "yes", o) == WA);
    CHECK(outcome("Yes", "yes", mode(CompareKind::exact, false, true)) == WA);  // case folding is not for exact
    CHECK(outcome(bytes("a\0b", 3), bytes("a\0b", 3), o) == AC);
    CHECK(outcome(bytes("a\0b", 3), bytes("a\0c", 3), o) == WA);
    CHECK(outcome(bytes("\0", 1), "", o) == WA);
    CHECK(outcome("\xff\xfe\x80", "\xff\xfe\x80", o) == AC);
    CHECK(outcome("\xff\xfe\x80", "\xff\xfe\x81", o) == WA);
}

TEST_CASE("exact messages say where the bytes differ", "[comparator]") {
    const auto o = mode(CompareKind::exact);
    CHECK(message("1 2\n3 4\n", "1 2\n3 5\n", o) == "line 2, token 2: expected \"4\", got \"5\"");
    CHECK(message("1 2\n", "1 2", o) == "line 1, column 4: expected \"\\n\", got end of output");
    CHECK(message("1 2", "1  2", o) == "line 1, column 3: expected \"2\", got \" 2\"");
    CHECK(message("1\r\n", "1\n", o) == "line 1, column 2: expected \"\\r\\n\", got \"\\n\"");
    CHECK(message(bytes("a\0b", 3), bytes("a\0c", 3), o) == "line 1, token 1: expected \"a\\x00b\", got \"a\\x00c\"");
    CHECK(message("1", "1 2", o) == "line 1, column 2: expected end of output, got \" 2\"");
    CHECK(run("same", "same", o).message.empty());
}

TEST_CASE("judge0 ignores trailing whitespace of lines and trailing blank lines only", "[comparator]") {
    const auto o = mode(CompareKind::judge0);
    CHECK(CompareOptions{}.kind == CompareKind::judge0);  // the default
    CHECK(outcome("1 2", "1 2 \n\n", o) == AC);
    CHECK(outcome("1 2 \n\n", "1 2", o) == AC);
    CHECK(outcome("", "\n", o) == AC);
    CHECK(outcome("", " \t\r\n\n  ", o) == AC);
    CHECK(outcome("1\n2\n", "1\r\n2\r\n", o) == AC);  // CRLF: CR is trailing whitespace
    CHECK(outcome("1\n2", "1 \t\n2\t\r\n\n", o) == AC);
    CHECK(outcome("x", "x\v\f", o) == AC);
    CHECK(outcome(" 1", "1", o) == WA);              // leading spaces count
    CHECK(outcome("1", " 1", o) == WA);
    CHECK(outcome("1 2", "1  2", o) == WA);          // inner spaces count
    CHECK(outcome("1 2", "1\t2", o) == WA);
    CHECK(outcome("1\r2", "1 2", o) == WA);          // a CR inside a line is not trailing
    CHECK(outcome("1\n\n2", "1\n2", o) == WA);       // blank lines before the last token count
    CHECK(outcome("\n1", "1", o) == WA);
    CHECK(outcome("1\n2", "1 2", o) == WA);
    CHECK(outcome("1\n", "1\n2", o) == WA);
    CHECK(outcome("1\n2", "1\n", o) == WA);
    CHECK(outcome("", "0", o) == WA);
    CHECK(outcome("Yes", "yes", o) == WA);
    CHECK(outcome("Yes", "yes", mode(CompareKind::judge0, false, true)) == AC);
    CHECK(outcome(bytes("a\0", 2), "a", o) == WA);    // NUL is not whitespace
    CHECK(outcome(bytes("a\0", 2), bytes("a\0 \n", 4), o) == AC);

    CHECK(message(" 1", "1", o) == "line 1, column 1: expected \" 1\", got \"1\"");
    CHECK(message("1\n2", "1 2", o) == "line 1, column 2: expected \"\\n2\", got \" 2\"");
    CHECK(message("1\n", "1\n2", o) == "line 2, token 1: expected end of output, got \"2\"");
    CHECK(message("1\n2\n", "1\n", o) == "line 2, token 1: expected \"2\", got end of output");
}

TEST_CASE("tokens ignores whitespace of every kind and amount", "[comparator]") {
    const auto o = mode(CompareKind::tokens);
    CHECK(outcome("1 2 3", "1\n2\t3\r\n", o) == AC);
    CHECK(outcome("1 2 3", "\v\f 1 \r\r 2\n\n\n3", o) == AC);
    CHECK(outcome("", " \n\n", o) == AC);
    CHECK(outcome("", "", o) == AC);
    CHECK(outcome("1 2", "1 2 3", o) == WA);
    CHECK(outcome("1 2 3", "1 2", o) == WA);
    CHECK(outcome("12", "1 2", o) == WA);
    CHECK(outcome("1 2", "12", o) == WA);
    CHECK(outcome("abc", "ABC", o) == WA);
    CHECK(outcome("abc", "ABC", mode(CompareKind::tokens, false, true)) == AC);
    CHECK(outcome("a\xc3\x89", "A\xc3\xa9", mode(CompareKind::tokens, false, true)) == WA);  // ASCII folding only
    CHECK(outcome(bytes("a\0b c", 5), bytes("a\0b\nc", 5), o) == AC);
    CHECK(outcome(bytes("a\0b", 3), "a b", o) == WA);

    CHECK(message("1 2 3", "1 2 4", o) == "line 1, token 3: expected \"3\", got \"4\"");
    CHECK(message("1\n2\n3", "1 2 4", o) == "line 3, token 1: expected \"3\", got \"4\" (output line 1)");
    CHECK(message("1 2", "1 2 3", o) == "line 1, token 3: expected end of output, got \"3\"");
    CHECK(message("1 abcdef", "1 abcdeg", o) == "line 1, token 2: expected \"abcdef\", got \"abcdeg\"");
}

TEST_CASE("lines compares lines of tokens", "[comparator]") {
    const auto o = mode(CompareKind::lines);
    CHECK(outcome("1 2\n3\n", "1   2\r\n3", o) == AC);
    CHECK(outcome("1 2\n3", "\t1 2 \n 3 \n\n\n", o) == AC);
    CHECK(outcome("1\n\n\n", "1", o) == AC);           // trailing blank lines ignored
    CHECK(outcome("1\n  \n2", "1\n\n2", o) == AC);     // a whitespace-only line is blank
    CHECK(outcome("", "\n\n", o) == AC);
    CHECK(outcome("1 2\n3", "1 2 3", o) == WA);
    CHECK(outcome("1 2\n3", "1\n2\n3", o) == WA);
    CHECK(outcome("1\n\n2", "1\n2", o) == WA);         // blank lines before the last token count
    CHECK(outcome("\n1", "1", o) == WA);
    CHECK(outcome("1\n2", "1\n3", o) == WA);
    CHECK(outcome("a b", "A B", mode(CompareKind::lines, false, true)) == AC);

    CHECK(message("1 2\n3", "1 2 3", o) == "line 1: expected end of line, got \"3\"");
    CHECK(message("1 2\n3", "1\n2\n3", o) == "line 1: expected \"2\", got end of line");
    CHECK(message("1\n\n2", "1\n2", o) == "line 2: expected end of line, got \"2\"");
    CHECK(message("1\n2 3\n4", "1\n2 5\n4", o) == "line 2, token 2: expected \"3\", got \"5\"");
}

TEST_CASE("floats compares numbers within either tolerance", "[comparator]") {
    SECTION("integers and reals are numbers alike") {
        const auto o = floats(0);
        CHECK(outcome("1", "1.0", o) == AC);
        CHECK(outcome("1.0", "1", o) == AC);
        CHECK(outcome("1.5", "1.50000", o) == AC);
        CHECK(outcome("+5", "5", o) == AC);
        CHECK(outcome("-0", "0", o) == AC);
        CHECK(outcome("1.", "1", o) == AC);
        CHECK(outcome(".25", "0.25", o) == AC);
        CHECK(outcome("0.1", "0.1000001", o) == WA);  // both tolerances 0: equal values only
        CHECK(outcome("1", "2", o) == WA);
        CHECK(outcome("YES 1.0\n2", "YES 1 2", o) == AC);
    }
    SECTION("exponents and negative numbers") {
        const auto o = floats(1e-9);
        CHECK(outcome("1e3", "1000", o) == AC);
        CHECK(outcome("1E-3", "0.001", o) == AC);
        CHECK(outcome("1e+3", "1000.0", o) == AC);
        CHECK(outcome("2.5e-1", ".25", o) == AC);
        CHECK(outcome("-1.5e2", "-150", o) == AC);
        CHECK(outcome("-1.5", "1.5", o) == WA);
        CHECK(outcome("0", "1e-400", o) == AC);   // underflow is 0
        CHECK(outcome("0", "-1e-400", o) == AC);
        CHECK(outcome("1e400", "1e400", o) == AC);  // overflow: not a number, equal strings
        CHECK(outcome("1e400", "2e400", o) == WA);
        CHECK(outcome("1.5", "1e400", o) == WA);
        CHECK(outcome("-1.5", "-1.55", floats(0.05)) == AC);
        CHECK(outcome("-1.5", "-1.56", floats(0.05)) == WA);
    }
    SECTION("absolute tolerance only, inclusive at the boundary") {
        const auto o = floats(0.1);
        CHECK(outcome("1", "1.1", o) == AC);
        CHECK(outcome("1", "0.9", o) == AC);
        CHECK(outcome("1", "1.1000001", o) == WA);
        CHECK(outcome("1", "0.8999999", o) == WA);
        CHECK(outcome("1000", "1000.1", o) == AC);
        CHECK(outcome("1000", "1000.1001", o) == WA);
        CHECK(outcome("1e15", "1000000000000000.5", o) == WA);  // rounding slack stays tiny
        CHECK(outcome("0", "0.1", floats(0.1)) == AC);
        CHECK(outcome("0", "-0.10000001", floats(0.1)) == WA);
    }
    SECTION("relative tolerance only") {
        const auto o = floats(0, 0.01);
        CHECK(outcome("100", "101", o) == AC);
        CHECK(outcome("100", "99", o) == AC);
        CHECK(outcome("100", "101.01", o) == WA);
        CHECK(outcome("-100", "-99", o) == AC);
        CHECK(outcome("-100", "-98.9", o) == WA);
        CHECK(outcome("1e-20", "1.01e-20", o) == AC);  // relative: scale-free
        CHECK(outcome("1e-20", "1.02e-20", o) == WA);
        CHECK(outcome("0", "1e-300", o) == WA);         // relative to 0 is exactly 0
        CHECK(outcome("0", "0.0", o) == AC);
    }
    SECTION("both: either one suffices") {
        const auto o = floats(0.5, 0.001);
        CHECK(outcome("1000", "1001", o) == AC);    // within rel (1 <= 1), not abs
        CHECK(outcome("1000", "1001.2", o) == WA);  // within neither
        CHECK(outcome("0.001", "0.4", o) == AC);    // within abs, not rel
        CHECK(outcome("0.001", "0.6", o) == WA);
    }
    SECTION("what is not a number compares as a string") {
        const auto o = floats(1);
        CHECK(outcome("nan", "nan", o) == AC);
        CHECK(outcome("nan", "NaN", o) == WA);
        CHECK(outcome("nan", "NaN", CompareOptions{CompareKind::floats, true, 1, 0, false}) == AC);
        CHECK(outcome("inf", "1e999", o) == WA);
        CHECK(outcome("16", "0x10", o) == WA);      // hex is not a number
        CHECK(outcome("0x10", "0x10", o) == AC);
        CHECK(outcome("1e", "1e", o) == AC);
        CHECK(outcome("1e", "1", o) == WA);
        CHECK(outcome(".", ".", o) == AC);
        CHECK(outcome("1,5", "1.5", o) == WA);
        CHECK(outcome("abc", "ABC", o) == WA);
        CHECK(outcome("abc", "ABC", CompareOptions{CompareKind::floats, true, 1, 0, false}) == AC);
        CHECK(outcome("3", "three", o) == WA);      // a number was expected
        CHECK(outcome("1.5", "nan", o) == WA);
        CHECK(outcome("1.5", "inf", o) == WA);
        CHECK(outcome("three", "3", o) == WA);
        // A token longer than 1 KiB is never a number.
        const std::string long_zero = "0." + std::string(1100, '0');
        CHECK(outcome(long_zero, "0", o) == WA);
        CHECK(outcome(long_zero, long_zero, o) == AC);
        CHECK(outcome(std::string(2000, '7'), std::string(1999, '7') + "8", o) == WA);
        CHECK(outcome(std::string(2000, '7'), std::string(2001, '7'), o) == WA);
        CHECK(outcome(std::string(2000, '7'), std::string(1024, '7'), o) == WA);
        CHECK(outcome(std::string(1024, '7'), std::string(1025, '7'), o) == WA);
    }
    SECTION("messages") {
        CHECK(message("1 2.5", "1 2.7", floats(0.1)) == "line 1, token 2: expected \"2.5\", got \"2.7\" (difference 0.2)");
        CHECK(message("3", "three", floats(0.1)) == "line 1, token 1: expected \"3\", got \"three\" (not a number)");
        CHECK(message("YES", "NO", floats(0.1)) == "line 1, token 1: expected \"YES\", got \"NO\"");
        const std::string m = message(std::string(2000, '7'), std::string(1999, '7') + "8", floats(0));
        CHECK(m.find("byte 2000") != std::string::npos);
        CHECK(well_formed(m));
    }
}

TEST_CASE("presentation errors: right tokens, wrong layout", "[comparator]") {
    SECTION("exact") {
        const auto o = mode(CompareKind::exact, true);
        CHECK(outcome("1 2\n", "1  2\n", o) == PE);
        CHECK(outcome("1 2\n", "1 2", o) == PE);
        CHECK(outcome("1 2\n", "1\n2\n", o) == PE);
        CHECK(outcome("1\n", "1\r\n", o) == PE);
        CHECK(outcome("1 2\n", "1 2\n", o) == AC);
        CHECK(outcome("1 2", "1 3", o) == WA);
        CHECK(outcome("A", "a", o) == WA);                              // never case-folded in exact mode
        CHECK(outcome("A", "a", mode(CompareKind::exact, true, true)) == WA);
        CHECK(outcome("1 2", "1  2", mode(CompareKind::exact)) == WA);  // off: a plain wrong answer
        CHECK(message("1 2\n", "1  2\n", o) == "line 1, column 3: expected \"2\\n\", got \" 2\\n\"");
        // A wrong answer's message names the token that made it wrong.
        CHECK(message("1 2 3", "1  2 4", o) == "line 1, token 3: expected \"3\", got \"4\"");
    }
    SECTION("judge0") {
        const auto o = mode(CompareKind::judge0, true);
        CHECK(outcome("1 2", "1\n2", o) == PE);
        CHECK(outcome(" 1", "1", o) == PE);
        CHECK(outcome("1\n\n2", "1\n2", o) == PE);
        CHECK(outcome("1 2 \n", "1 2", o) == AC);   // equal under judge0 is accepted, not PE
        CHECK(outcome("1 2", "1 3", o) == WA);
        CHECK(outcome("1\n", "1 2", o) == WA);
        CHECK(outcome("Yes", "yes", o) == WA);
        CHECK(outcome("Yes  no", "yes no", mode(CompareKind::judge0, true, true)) == PE);
    }
    SECTION("lines") {
        const auto o = mode(CompareKind::lines, true);
        CHECK(outcome("1 2\n3", "1 2 3", o) == PE);
        CHECK(outcome("1\n\n2", "1\n2", o) == PE);
        CHECK(outcome("1 2\n3", "1   2\n3", o) == AC);
        CHECK(outcome("1 2\n3", "1 2 4", o) == WA);
        CHECK(message("1 2\n3", "1 2 3", o) == "line 1: expected end of line, got \"3\"");
    }
    SECTION("tokens and floats have no layout to get wrong") {
        CHECK(outcome("1 2", "1\n\n2", mode(CompareKind::tokens, true)) == AC);
        auto f = floats(0.1);
        f.presentation_error = true;
        CHECK(outcome("1 2", "1\n\n2.05", f) == AC);
        CHECK(outcome("1 2", "1 3", f) == WA);
    }
}

TEST_CASE("messages are bounded and printable", "[comparator]") {
    const auto o = mode(CompareKind::exact);
    const std::string junk_e = "\x01\x02\x7f\xff\"\\" + std::string(300, '\x80');
    const std::string junk_a = "\x01\x02\x7f\xfe\"\\" + std::string(300, '\x80');
    const std::string m = message(junk_e, junk_a, o);
    CHECK(m.rfind("line 1, token 1: expected \"\\x01\\x02\\x7f\\xff", 0) == 0);
    CHECK(well_formed(m));

    std::string many_lines;
    for (int i = 0; i < 5000; ++i) many_lines += "line " + std::to_string(i) + "\n";
    std::string changed = many_lines;
    changed[changed.find("line 3456") + 5] = '9';
    CHECK(message(many_lines, changed, o) == "line 3457, token 2: expected \"3456\", got \"9456\"");

    // A difference deep inside a long token: shown with the bytes around it.
    std::string e(5'000'000, 'a'), a = e;
    a[1'000'000] = 'b';
    const std::string deep = message(e, a, mode(CompareKind::tokens));
    CHECK(deep.rfind("line 1, token 1, byte 1000001: expected \"\xe2\x80\xa6" "aaaaaaaaa", 0) == 0);
    CHECK(deep.find("got \"\xe2\x80\xa6" "aaaaaaaab") != std::string::npos);
    CHECK(well_formed(deep));

    // Right after a buffer refill (64 KiB): the bytes before are still shown.
    const std::string block(65536, 'x');
    CHECK(message(block + "y", block + "z", o) ==
          "line 1, token 1, byte 65537: expected \"\xe2\x80\xa6xxxxxxxxy\", got \"\xe2\x80\xa6xxxxxxxxz\"");
    // A whitespace run longer than the buffer: shown from where the reading is.
    CHECK(message("x", std::string(100'000, ' ') + "x", mode(CompareKind::judge0)) ==
          "line 1, column 1: expected \"x\", got \"\xe2\x80\xa6x\"");
    CHECK(message("x", std::string(100, ' ') + "x", mode(CompareKind::judge0)) ==
          "line 1, column 1: expected \"x\", got \"                        \xe2\x80\xa6\"");

    for (CompareKind k : {CompareKind::exact, CompareKind::judge0, CompareKind::tokens, CompareKind::lines}) {
        const std::string lw(10'000, ' ');
        const std::string m2 = message(lw + "x", " x", mode(k));
        INFO(judge::to_string(k) << ": " << m2);
        CHECK(well_formed(m2));
    }
}

TEST_CASE("every mode agrees with a reference on random outputs read in random pieces", "[comparator]") {
    std::mt19937 rng(20240611);
    const std::string alphabet = "ab1A  \n\n\r\t";
    auto random_text = [&](std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s += alphabet[rng() % alphabet.size()];
        return s;
    };
    auto mutate = [&](std::string s) {
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int i = 0; i < edits; ++i) {
            const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
            switch (rng() % 4) {
                case 0: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
                case 1: if (at < s.size()) s.erase(at, 1); break;
                case 2: if (at < s.size()) s[at] = alphabet[rng() % alphabet.size()]; break;
                default: s.insert(at, 1, ws(s.empty() ? 'x' : s[at % s.size()]) ? ' ' : '\n'); break;
            }
        }
        return s;
    };
    int counts[3] = {};
    for (int round = 0; round < 1000; ++round) {
        // Small ones, and some long enough to cross several buffer refills.
        const std::size_t n = round % 40 == 0 ? 150'000 + rng() % 60'000 : rng() % 40;
        const std::string e = random_text(n);
        const std::string a = rng() % 4 == 0 ? e : mutate(e);
        const Reference ref(e, a);
        for (CompareKind k : {CompareKind::exact, CompareKind::judge0, CompareKind::tokens, CompareKind::lines}) {
            for (int flags = 0; flags < 4; ++flags) {
                const CompareOptions o = mode(k, flags & 1, flags & 2);
                const CompareOutcome want = ref.outcome(o);
                CompareResult got;
                if (n > 1000) {
                    const PipeFeed fe(e, static_cast<unsigned>(rng())), fa(a, static_cast<unsigned>(rng()));
                    got = judge::compare(fe.fd(), fa.fd(), o);
                } else {
                    got = run(e, a, o);
                }
                INFO("mode " << judge::to_string(k) << " flags " << flags << " round " << round << " sizes "
                             << e.size() << "/" << a.size() << ": " << got.message);
                REQUIRE(got.outcome == want);
                REQUIRE(got.message.empty() == (want == AC));
                REQUIRE(well_formed(got.message));
                ++counts[static_cast<int>(want)];
            }
        }
    }
    // The random cases exercised every outcome.
    CHECK(counts[0] > 100);
    CHECK(counts[1] > 100);
    CHECK(counts[2] > 100);
}

TEST_CASE("compare reads descriptors from their offsets; compare_files opens paths", "[comparator]") {
    TempDir d;
    const std::string e = d.write("expected", "1 2\n3\n");
    const std::string a = d.write("actual", "1 2 \n3");
    CHECK(judge::compare_files(e, a).outcome == AC);
    CHECK(judge::compare_files(e, a, mode(CompareKind::exact)).outcome == WA);
    CHECK(judge::compare_files(e, a, mode(CompareKind::exact, true)).outcome == PE);

    const Fd ef(memfile("skip 1 2")), af(memfile("1 2"));
    ::lseek(ef.get(), 5, SEEK_SET);
    CHECK(judge::compare(ef.get(), af.get()).outcome == AC);

    CHECK_THROWS_AS(judge::compare_files(d.path + "/missing", a), std::system_error);
    CHECK_THROWS_AS(judge::compare_files(e, d.path + "/missing"), std::system_error);
    REQUIRE(::mkdir((d.path + "/dir").c_str(), 0700) == 0);
    CHECK_THROWS_AS(judge::compare_files(e, d.path + "/dir"), std::system_error);
    REQUIRE(::mkfifo((d.path + "/fifo").c_str(), 0600) == 0);
    CHECK_THROWS_AS(judge::compare_files(e, d.path + "/fifo"), std::system_error);  // and does not block
    CHECK_THROWS_AS(judge::compare(-1, af.get(), {}), std::system_error);
}

TEST_CASE("options and kind names", "[comparator]") {
    CHECK_THROWS_AS(run("1", "1", floats(-1)), std::invalid_argument);
    CHECK_THROWS_AS(run("1", "1", floats(0, -0.5)), std::invalid_argument);
    CHECK_THROWS_AS(run("1", "1", floats(std::numeric_limits<double>::quiet_NaN())), std::invalid_argument);
    CHECK_THROWS_AS(run("1", "1", floats(0, std::numeric_limits<double>::infinity())), std::invalid_argument);

    for (CompareKind k : {CompareKind::exact, CompareKind::judge0, CompareKind::tokens, CompareKind::lines,
                          CompareKind::floats}) {
        CHECK(judge::parse_compare_kind(judge::to_string(k)) == k);
    }
    CHECK(judge::parse_compare_kind("exact") == CompareKind::exact);
    CHECK(judge::parse_compare_kind("floats") == CompareKind::floats);
    CHECK_FALSE(judge::parse_compare_kind("Exact"));
    CHECK_FALSE(judge::parse_compare_kind("float"));
    CHECK_FALSE(judge::parse_compare_kind(""));
    CHECK_FALSE(judge::parse_compare_kind(std::string_view("exact\0", 6)));
}

TEST_CASE("200 MB outputs compare in constant memory", "[comparator][huge]") {
    const std::string line = "123456789 987654321\n";  // 20 bytes
    const std::uint64_t lines = 10'000'000;           // 200 MB

    SECTION("equal, through pipes") {
        const long before = peak_rss_kb();
        const PatternPipe e("", line, lines, ""), a("", line, lines, "");
        const CompareResult r = judge::compare(e.fd(), a.fd(), mode(CompareKind::judge0));
        CHECK(r.outcome == AC);
        CHECK(peak_rss_kb() - before < kMaxGrowthKb);
    }
    SECTION("different in the last byte, through files") {
        TempDir d;
        {
            const Fd e(::open((d.path + "/expected").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
            const Fd a(::open((d.path + "/actual").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
            write_pattern(e.get(), "", line, lines, "1 7");
            write_pattern(a.get(), "", line, lines, "1 8");
        }
        const long before = peak_rss_kb();
        const CompareResult r = judge::compare_files(d.path + "/expected", d.path + "/actual", mode(CompareKind::exact));
        CHECK(peak_rss_kb() - before < kMaxGrowthKb);
        CHECK(r.outcome == WA);
        CHECK(r.message == "line 10000001, token 2: expected \"7\", got \"8\"");
    }
}

TEST_CASE("a 100 MB token is compared as a stream", "[comparator][huge]") {
    const std::uint64_t n = 100ull << 20;
    const long before = peak_rss_kb();
    SECTION("equal") {
        const PatternPipe e("", "x", n, "\n"), a("", "x", n, "");
        CHECK(judge::compare(e.fd(), a.fd(), mode(CompareKind::tokens)).outcome == AC);
    }
    SECTION("different in the last byte") {
        const PatternPipe e("", "x", n - 1, "y"), a("", "x", n - 1, "z");
        const CompareResult r = judge::compare(e.fd(), a.fd(), mode(CompareKind::tokens));
        CHECK(r.outcome == WA);
        CHECK(r.message.rfind("line 1, token 1, byte 104857600: expected \"\xe2\x80\xa6xxxxxxxxy\"", 0) == 0);
        CHECK(well_formed(r.message));
    }
    SECTION("longer by one byte, in floats mode") {
        const PatternPipe e("", "7", n, ""), a("", "7", n, "7");
        const CompareResult r = judge::compare(e.fd(), a.fd(), floats(1e-6));
        CHECK(r.outcome == WA);
        CHECK(r.message.find("byte 104857601") != std::string::npos);
    }
    SECTION("100 MB of whitespace between two tokens") {
        const PatternPipe e("", "a", 1, " b"), a("a", " \r\n", n / 3, "b \n");
        CHECK(judge::compare(e.fd(), a.fd(), mode(CompareKind::tokens)).outcome == AC);
    }
    SECTION("100 MB of spaces at the end of a line, and of blank lines at the end") {
        const PatternPipe e("", "a", 1, "\nb"), a("a", " ", n, "\nb" + std::string(1 << 20, '\n'));
        CHECK(judge::compare(e.fd(), a.fd(), mode(CompareKind::judge0)).outcome == AC);
    }
    CHECK(peak_rss_kb() - before < kMaxGrowthKb);
}
