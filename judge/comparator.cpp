#include "judge/comparator.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace judge {
namespace {

constexpr std::size_t kBufferBytes = 64 * 1024;
// Bytes made readable at the start of every token and whitespace segment, so
// that a difference near its start can still be shown from that start.
constexpr std::size_t kLookahead = 64;
constexpr std::size_t kShownBytes = 24;    // of each side, in a message
constexpr std::size_t kShownChars = 32;    // the same, once escaped
constexpr std::size_t kFromStart = 16;     // a mismatch this close to a token's start shows it whole
constexpr std::size_t kContext = 8;        // bytes shown before a mismatch deep inside a token
constexpr std::size_t kNumberCap = 1024;   // a longer token is never a number
constexpr std::size_t kMessageCap = 200;
constexpr const char* kEllipsis = "\xe2\x80\xa6";  // "…"

constexpr std::array<bool, 256> make_space_table() {
    std::array<bool, 256> t{};
    for (unsigned char c : {' ', '\t', '\n', '\v', '\f', '\r'}) t[c] = true;
    return t;
}
constexpr std::array<bool, 256> kSpace = make_space_table();

bool is_space(unsigned char c) { return kSpace[c]; }
bool is_space(int c) { return c >= 0 && kSpace[static_cast<unsigned char>(c)]; }
bool is_hspace(int c) { return c != '\n' && is_space(c); }
unsigned char fold(unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), what);
}

// One side's input through a fixed buffer. Consumed bytes stay buffered until
// the buffer is compacted, and even then the last kLookahead of them stay:
// that is what lets a message show a token from its start, or the bytes just
// before a difference.
class Reader {
public:
    Reader(int fd, std::string name)
        : fd_(fd), name_(std::move(name)), buf_(std::make_unique_for_overwrite<unsigned char[]>(kBufferBytes)) {}

    // The next byte, or -1 at the end of the input.
    int peek() {
        if (pos_ < end_) return buf_[pos_];
        return fill() ? buf_[pos_] : -1;
    }
    void skip() { ++pos_; }  // only after peek() returned a byte
    const unsigned char* data() const { return buf_.get() + pos_; }
    std::size_t available() const { return end_ - pos_; }
    void advance(std::size_t n) { pos_ += n; }
    std::uint64_t offset() const { return base_ + pos_; }  // bytes consumed so far

    // Makes min(n, what is left of the input) bytes readable at data();
    // n <= kLookahead.
    void ensure(std::size_t n) {
        if (end_ - pos_ >= n || eof_) return;
        if (kBufferBytes - pos_ < n) compact();
        while (end_ - pos_ < n && read_more()) {
        }
    }
    // Up to n bytes from the read position on (fewer only at the end).
    std::string_view ahead(std::size_t n) {
        ensure(n);
        return view(pos_, std::min(n, end_ - pos_));
    }
    // Up to n bytes just before the read position that are still buffered.
    std::string_view behind(std::size_t n) const {
        const std::size_t k = std::min(n, pos_);
        return view(pos_ - k, k);
    }
    // Up to n bytes from stream offset `from` on, when still buffered.
    std::optional<std::string_view> buffered(std::uint64_t from, std::size_t n) const {
        if (from < base_ || from > base_ + end_) return std::nullopt;
        const auto i = static_cast<std::size_t>(from - base_);
        return view(i, std::min(n, end_ - i));
    }

private:
    std::string_view view(std::size_t i, std::size_t n) const {
        return {reinterpret_cast<const char*>(buf_.get() + i), n};
    }
    // Called when every buffered byte is consumed; out of line so that
    // peek() stays small enough to inline.
    [[gnu::noinline]] bool fill() {
        if (eof_) return false;
        if (end_ == kBufferBytes) compact();
        return read_more();
    }
    // Moves the unread bytes, and up to kLookahead bytes before them, to the
    // front of the buffer.
    void compact() {
        const std::size_t from = pos_ - std::min(pos_, kLookahead);
        std::memmove(buf_.get(), buf_.get() + from, end_ - from);
        base_ += from;
        pos_ -= from;
        end_ -= from;
    }
    bool read_more() {
        if (eof_) return false;
        ssize_t n;
        do {
            n = ::read(fd_, buf_.get() + end_, kBufferBytes - end_);
        } while (n < 0 && errno == EINTR);
        if (n < 0) throw_errno(errno, "read(" + name_ + ")");
        if (n == 0) {
            eof_ = true;  // never read again: a terminal or socket could block
            return false;
        }
        end_ += static_cast<std::size_t>(n);
        return true;
    }

    int fd_;
    std::string name_;
    std::unique_ptr<unsigned char[]> buf_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
    std::uint64_t base_ = 0;  // stream offset of buf_[0]
    bool eof_ = false;
};

struct Side {
    Reader in;
    std::uint64_t line = 1;         // 1-based line of the read position
    std::uint64_t line_start = 0;   // stream offset where that line began
    std::uint64_t line_tokens = 0;  // tokens begun on that line
    std::uint64_t token_start = 0;  // stream offset of the current token

    std::uint64_t column() const { return in.offset() - line_start + 1; }
    bool at_end() { return in.peek() < 0; }
    void take_space(int c) {
        in.skip();
        if (c == '\n') {
            ++line;
            line_start = in.offset();
            line_tokens = 0;
        }
    }
    void skip_space() {
        for (int c = in.peek(); is_space(c); c = in.peek()) take_space(c);
    }
    void skip_hspace() {
        for (int c = in.peek(); is_hspace(c); c = in.peek()) in.skip();
    }
    void begin_token() {
        ++line_tokens;
        in.ensure(kLookahead);
        token_start = in.offset();
    }
};

// `bytes` quoted and escaped for a message: at most kShownBytes bytes and
// kShownChars characters, "…" in front when `cut_front`, "…" after when
// something follows that is not shown.
std::string quote(std::string_view bytes, bool cut_front, bool more) {
    std::string s = "\"";
    if (cut_front) s += kEllipsis;
    const std::size_t limit = s.size() + kShownChars;
    std::size_t i = 0;
    for (; i < bytes.size() && i < kShownBytes; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        char e[8];
        switch (c) {
            case '\n': std::strcpy(e, "\\n"); break;
            case '\r': std::strcpy(e, "\\r"); break;
            case '\t': std::strcpy(e, "\\t"); break;
            case '"': std::strcpy(e, "\\\""); break;
            case '\\': std::strcpy(e, "\\\\"); break;
            default:
                if (c >= 0x20 && c < 0x7f) {
                    e[0] = static_cast<char>(c);
                    e[1] = '\0';
                } else {
                    std::snprintf(e, sizeof e, "\\x%02x", static_cast<unsigned>(c));
                }
        }
        if (s.size() + std::strlen(e) > limit) break;
        s += e;
    }
    if (more || i < bytes.size()) s += kEllipsis;
    s += '"';
    return s;
}

// A token as it appears from the start of `v` (which was asked for
// kShownBytes + 1 bytes): cut at the first whitespace.
std::string show_token(std::string_view v, bool cut_front) {
    const auto end = std::find_if(v.begin(), v.end(), [](char c) { return is_space(static_cast<unsigned char>(c)); });
    if (end != v.end()) return quote(v.substr(0, static_cast<std::size_t>(end - v.begin())), cut_front, false);
    return quote(v, cut_front, false);  // quote() adds "…" when v is longer than shown
}

std::string clamp(std::string m) {
    if (m.size() <= kMessageCap) return m;
    std::size_t cut = kMessageCap - std::strlen(kEllipsis);
    while (cut > 0 && (static_cast<unsigned char>(m[cut]) & 0xC0) == 0x80) --cut;  // not inside "…"
    m.resize(cut);
    return m + kEllipsis;
}

// Decimal number grammar of the file comment; nullopt for anything else.
std::optional<double> parse_number(std::string_view t) {
    auto digit = [&](std::size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
    std::size_t i = 0;
    const bool negative = !t.empty() && t[0] == '-';
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) ++i;
    const std::size_t int_begin = i;
    while (digit(i)) ++i;
    const std::size_t int_end = i;
    std::size_t frac_begin = i, frac_end = i;
    if (i < t.size() && t[i] == '.') {
        frac_begin = ++i;
        while (digit(i)) ++i;
        frac_end = i;
    }
    if (int_end == int_begin && frac_end == frac_begin) return std::nullopt;
    long exponent = 0;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        const bool exp_negative = i < t.size() && t[i] == '-';
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        if (!digit(i)) return std::nullopt;
        for (; digit(i); ++i) exponent = std::min(exponent * 10 + (t[i] - '0'), 1'000'000L);
        if (exp_negative) exponent = -exponent;
    }
    if (i != t.size()) return std::nullopt;

    const char* first = t.data() + (t[0] == '+' ? 1 : 0);
    const char* last = t.data() + t.size();
    double v = 0;
    const auto r = std::from_chars(first, last, v, std::chars_format::general);
    if (r.ec == std::errc() && r.ptr == last) return v;
    if (r.ec != std::errc::result_out_of_range) return std::nullopt;
    // Out of range: the decade of the leading significant digit tells an
    // overflow (not a number: no finite double says it) from an underflow (0).
    long decade = 0;
    const std::size_t lead = t.find_first_not_of('0', int_begin);
    if (lead < int_end) {
        decade = static_cast<long>(int_end - lead);
    } else {
        const std::size_t frac_lead = t.find_first_not_of('0', frac_begin);
        decade = -static_cast<long>(std::min(frac_lead, frac_end) - frac_begin);
    }
    if (decade + exponent > 0) return std::nullopt;
    return negative ? -0.0 : 0.0;
}

class Comparison {
public:
    Comparison(int expected_fd, std::string expected_name, int actual_fd, std::string actual_name,
               const CompareOptions& o)
        : e_{Reader(expected_fd, std::move(expected_name))},
          a_{Reader(actual_fd, std::move(actual_name))},
          opt_(o),
          fold_(o.case_insensitive && o.kind != CompareKind::exact),
          pe_(o.presentation_error &&
              (o.kind == CompareKind::exact || o.kind == CompareKind::judge0 || o.kind == CompareKind::lines)) {}

    CompareResult run() {
        std::optional<std::string> layout;  // first difference in spacing or lines
        for (;;) {
            if (auto d = spaces()) {
                if (!pe_) return {CompareOutcome::wrong_answer, clamp(std::move(*d))};
                if (!layout) layout = std::move(d);
            }
            const bool e_end = e_.at_end(), a_end = a_.at_end();
            if (e_end && a_end) break;
            if (e_end) {
                return wrong("line " + std::to_string(a_.line) + ", token " + std::to_string(a_.line_tokens + 1) +
                             ": expected end of output, got " + show_token(a_.in.ahead(kShownBytes + 1), false));
            }
            if (a_end) {
                return wrong(where_token(1) + ": expected " + show_token(e_.in.ahead(kShownBytes + 1), false) +
                             ", got end of output");
            }
            e_.begin_token();
            a_.begin_token();
            auto d = opt_.kind == CompareKind::floats ? number_token() : stream_token(0);
            if (d) return wrong(std::move(*d));
        }
        if (layout) return {CompareOutcome::presentation_error, clamp(std::move(*layout))};
        return {};
    }

private:
    using Diff = std::optional<std::string>;

    static CompareResult wrong(std::string m) { return {CompareOutcome::wrong_answer, clamp(std::move(m))}; }

    // "line L, token T" of the expected side; `ahead` counts a token not yet begun.
    std::string where_token(std::uint64_t ahead = 0) const {
        return "line " + std::to_string(e_.line) + ", token " + std::to_string(e_.line_tokens + ahead);
    }
    std::string output_line() const {
        return a_.line == e_.line ? std::string() : " (output line " + std::to_string(a_.line) + ")";
    }
    static std::string here_or_end(Side& s) {
        return s.at_end() ? "end of output" : quote(s.in.ahead(kShownBytes + 1), false, false);
    }
    // Shows s's bytes from stream offset `from` (the start of a whitespace
    // segment), or "…" and what follows the read position when the buffer
    // has moved on.
    static std::string from_mark(Side& s, std::uint64_t from) {
        if (auto v = s.in.buffered(from, kShownBytes + 1)) return quote(*v, false, false);
        return quote(s.in.ahead(kShownBytes + 1), true, false);
    }

    // Both sides are at the start of a whitespace run (possibly empty); on
    // return, both are past it. A difference the mode cares about is returned.
    Diff spaces() {
        switch (opt_.kind) {
            case CompareKind::exact: return spaces_exact();
            case CompareKind::judge0: return spaces_judge0();
            case CompareKind::lines: return spaces_lines();
            case CompareKind::tokens:
            case CompareKind::floats: break;
        }
        e_.skip_space();
        a_.skip_space();
        return std::nullopt;
    }

    Diff spaces_exact() {
        for (;;) {
            const int ce = e_.in.peek(), ca = a_.in.peek();
            const bool es = is_space(ce), as = is_space(ca);
            if (!es && !as) return std::nullopt;
            if (es && as && ce == ca) {
                e_.take_space(ce);
                a_.take_space(ca);
                continue;
            }
            std::string m = "line " + std::to_string(e_.line) + ", column " + std::to_string(e_.column()) +
                            ": expected " + here_or_end(e_) + ", got " + here_or_end(a_);
            e_.skip_space();
            a_.skip_space();
            return m;
        }
    }

    // Segment by segment: the horizontal whitespace up to a line break, a
    // token or the end. A segment that ends a line is trailing whitespace and
    // ignored; the line breaks must pair up; the segments in front of the
    // next tokens must be equal; whatever comes after the last token is ignored.
    Diff spaces_judge0() {
        enum class End { newline, token, end };
        auto ending = [](Side& s) {
            const int c = s.in.peek();
            return c < 0 ? End::end : c == '\n' ? End::newline : End::token;
        };
        for (;;) {
            e_.in.ensure(kLookahead);
            a_.in.ensure(kLookahead);
            const std::uint64_t e_from = e_.in.offset(), a_from = a_.in.offset();
            const std::uint64_t line = e_.line, column = e_.column();
            bool equal = true;
            for (;;) {
                const int ce = e_.in.peek(), ca = a_.in.peek();
                const bool eh = is_hspace(ce), ah = is_hspace(ca);
                if (eh && ah && ce == ca) {
                    e_.in.skip();
                    a_.in.skip();
                    continue;
                }
                if (eh || ah) {
                    equal = false;
                    e_.skip_hspace();
                    a_.skip_hspace();
                }
                break;
            }
            const End te = ending(e_), ta = ending(a_);
            if (te == End::newline && ta == End::newline) {
                e_.take_space('\n');
                a_.take_space('\n');
                continue;
            }
            if (te == End::end || ta == End::end) break;
            if (te == End::token && ta == End::token && equal) return std::nullopt;
            // Unequal segments before the next tokens, or one side breaks the
            // line where the other goes on.
            std::string m = "line " + std::to_string(line) + ", column " + std::to_string(column) + ": expected " +
                            from_mark(e_, e_from) + ", got " + from_mark(a_, a_from);
            e_.skip_space();
            a_.skip_space();
            // Only trailing blank lines on the side that broke the line: the
            // token comparison reports the extra or missing token instead.
            if (e_.at_end() || a_.at_end()) return std::nullopt;
            return m;
        }
        e_.skip_space();
        a_.skip_space();
        return std::nullopt;
    }

    // Line breaks between two tokens must be as many on both sides; those
    // after the last token do not count.
    Diff spaces_lines() {
        const std::uint64_t e_line = e_.line, a_line = a_.line;
        e_.skip_space();
        a_.skip_space();
        if (e_.at_end() || a_.at_end()) return std::nullopt;
        const std::uint64_t ne = e_.line - e_line, na = a_.line - a_line;
        if (ne == na) return std::nullopt;
        const std::string at = "line " + std::to_string(e_line + std::min(ne, na)) + ": expected ";
        if (na < ne) return at + "end of line, got " + show_token(a_.in.ahead(kShownBytes + 1), false);
        return at + show_token(e_.in.ahead(kShownBytes + 1), false) + ", got end of line";
    }

    bool same(unsigned char x, unsigned char y) const { return fold_ ? fold(x) == fold(y) : x == y; }

    // Compares the current tokens as byte streams; `k` bytes of both are
    // already known equal and consumed.
    Diff stream_token(std::uint64_t k) {
        for (;;) {
            const int ce = e_.in.peek(), ca = a_.in.peek();
            const bool e_done = ce < 0 || is_space(ce), a_done = ca < 0 || is_space(ca);
            if (e_done && a_done) return std::nullopt;
            if (e_done || a_done || !same(static_cast<unsigned char>(ce), static_cast<unsigned char>(ca)))
                return token_mismatch(k);
            // The hot loop: both buffers' common contiguous stretch.
            const unsigned char* pe = e_.in.data();
            const unsigned char* pa = a_.in.data();
            const std::size_t n = std::min(e_.in.available(), a_.in.available());
            std::size_t i = 1;
            if (fold_) {
                while (i < n && !is_space(pe[i]) && fold(pe[i]) == fold(pa[i])) ++i;
            } else {
                while (i < n && pe[i] == pa[i] && !is_space(pe[i])) ++i;
            }
            e_.in.advance(i);
            a_.in.advance(i);
            k += i;
        }
    }

    // The current tokens differ at their byte k (or one of them ended there).
    std::string token_mismatch(std::uint64_t k) {
        if (k < kFromStart) {
            // begin_token() made kLookahead bytes readable, and fewer than
            // that were consumed: both tokens are still buffered whole.
            return where_token() + ": expected " + token_from_start(e_) + ", got " + token_from_start(a_) +
                   output_line();
        }
        return where_token() + ", byte " + std::to_string(k + 1) + ": expected " + token_around(e_) + ", got " +
               token_around(a_) + output_line();
    }
    static std::string token_from_start(Side& s) {
        if (auto v = s.in.buffered(s.token_start, kShownBytes + 1)) return show_token(*v, false);
        return token_around(s);
    }
    static std::string token_around(Side& s) {
        std::string text(s.in.behind(kContext));  // copied: ahead() may move the buffer
        text += s.in.ahead(kShownBytes + 1 - kContext);
        return show_token(text, true);
    }

    // Floats mode: tokens up to kNumberCap bytes are read whole and compared
    // as numbers when the expected one is a number; longer ones as strings.
    Diff number_token() {
        const std::string te = read_token(e_), ta = read_token(a_);
        if (te.size() <= kNumberCap && ta.size() <= kNumberCap) {
            if (const auto ve = parse_number(te)) {
                const auto va = parse_number(ta);
                if (!va) {
                    return where_token() + ": expected " + quote(te, false, false) + ", got " +
                           quote(ta, false, false) + " (not a number)" + output_line();
                }
                if (within(*ve, *va)) return std::nullopt;
                char diff[64];
                std::snprintf(diff, sizeof diff, " (difference %.3g)", std::fabs(*va - *ve));
                return where_token() + ": expected " + quote(te, false, false) + ", got " + quote(ta, false, false) +
                       diff + output_line();
            }
        }
        const std::size_t n = std::min(te.size(), ta.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (!same(static_cast<unsigned char>(te[i]), static_cast<unsigned char>(ta[i])))
                return string_mismatch(te, ta, i);
        }
        if (te.size() != ta.size()) return string_mismatch(te, ta, n);
        if (te.size() <= kNumberCap) return std::nullopt;
        return stream_token(te.size());  // both longer than the cap and equal so far
    }
    std::string string_mismatch(const std::string& te, const std::string& ta, std::size_t i) const {
        auto show = [i](const std::string& t) {
            const bool more = t.size() > kNumberCap;  // the token goes on beyond what was read
            if (i < kFromStart) return quote(t, false, more);
            const std::size_t from = i - kContext;
            return quote(std::string_view(t).substr(from), true, more);
        };
        std::string where = where_token();
        if (i >= kFromStart) where += ", byte " + std::to_string(i + 1);
        return where + ": expected " + show(te) + ", got " + show(ta) + output_line();
    }
    static std::string read_token(Side& s) {
        std::string t;
        for (int c = s.in.peek(); c >= 0 && !is_space(c) && t.size() <= kNumberCap; c = s.in.peek()) {
            t.push_back(static_cast<char>(c));
            s.in.skip();
        }
        return t;
    }
    // |a - e| within either tolerance. Decimal inputs are rounded to doubles
    // on the way in (half an ulp each), so a value exactly on the boundary in
    // decimal can land an ulp or so outside it: that much is forgiven.
    bool within(double e, double a) const {
        if (a == e) return true;
        constexpr double eps = std::numeric_limits<double>::epsilon();
        const double diff = std::fabs(a - e);
        const double slack = eps * std::max(std::fabs(a), std::fabs(e));
        if (opt_.abs_tolerance > 0 && diff <= opt_.abs_tolerance * (1 + eps) + slack) return true;
        if (opt_.rel_tolerance > 0 && diff <= opt_.rel_tolerance * std::fabs(e) * (1 + eps) + slack) return true;
        return false;
    }

    Side e_, a_;
    const CompareOptions& opt_;
    const bool fold_;
    const bool pe_;
};

void check(const CompareOptions& o) {
    if (!std::isfinite(o.abs_tolerance) || o.abs_tolerance < 0)
        throw std::invalid_argument("CompareOptions: abs_tolerance must be a finite number >= 0");
    if (!std::isfinite(o.rel_tolerance) || o.rel_tolerance < 0)
        throw std::invalid_argument("CompareOptions: rel_tolerance must be a finite number >= 0");
}

class InputFile {
public:
    explicit InputFile(const std::string& path) {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is
        // refused below anyway, and reads of a regular file ignore the flag.
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd_ < 0) throw_errno(errno, "open(\"" + path + "\")");
        struct stat st {};
        if (::fstat(fd_, &st) != 0) {
            const int err = errno;
            ::close(fd_);
            throw_errno(err, "fstat(\"" + path + "\")");
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd_);
            throw_errno(EINVAL, "open(\"" + path + "\"): not a regular file");
        }
    }
    ~InputFile() { ::close(fd_); }
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

}  // namespace

CompareResult compare(int expected_fd, int actual_fd, const CompareOptions& options) {
    check(options);
    return Comparison(expected_fd, "expected output, fd " + std::to_string(expected_fd), actual_fd,
                      "actual output, fd " + std::to_string(actual_fd), options)
        .run();
}

CompareResult compare_files(const std::string& expected_path, const std::string& actual_path,
                            const CompareOptions& options) {
    check(options);
    const InputFile expected(expected_path), actual(actual_path);
    return Comparison(expected.fd(), "\"" + expected_path + "\"", actual.fd(), "\"" + actual_path + "\"", options)
        .run();
}

std::optional<CompareKind> parse_compare_kind(std::string_view name) {
    for (CompareKind k : {CompareKind::exact, CompareKind::judge0, CompareKind::tokens, CompareKind::lines,
                          CompareKind::floats}) {
        if (name == to_string(k)) return k;
    }
    return std::nullopt;
}

const char* to_string(CompareKind kind) {
    switch (kind) {
        case CompareKind::exact: return "exact";
        case CompareKind::judge0: return "judge0";
        case CompareKind::tokens: return "tokens";
        case CompareKind::lines: return "lines";
        case CompareKind::floats: return "floats";
    }
    return "judge0";
}

const char* to_string(CompareOutcome outcome) {
    switch (outcome) {
        case CompareOutcome::accepted: return "accepted";
        case CompareOutcome::wrong_answer: return "wrong_answer";
        case CompareOutcome::presentation_error: return "presentation_error";
    }
    return "wrong_answer";
}

}  // namespace judge
