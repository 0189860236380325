// Output comparators: does a program's output match the expected output?
//
//   judge::CompareOptions opt;                 // judge0 rule by default
//   judge::CompareResult r = judge::compare(expected_fd, actual_fd, opt);
//   if (r.outcome != judge::CompareOutcome::accepted) log(r.message);
//
// Both sides are read once, front to back, through a fixed 64 KiB buffer each:
// outputs of any size are compared in constant memory, and pipes work as well
// as files. Bytes are bytes: NUL and non-ASCII bytes are ordinary token
// characters, and nothing is decoded.
//
// Every mode sees the output as tokens (maximal runs of non-whitespace) and
// the whitespace runs between them. Whitespace is exactly space, \t, \n, \v,
// \f, \r. A line ends at \n only; \r is whitespace like a space, so "\r\n"
// behaves as "\n" wherever trailing whitespace is ignored.
//
//   exact   byte for byte.
//   judge0  Judge0's rule: whitespace at the end of every line and blank
//           lines at the end of the output are ignored; everything else is
//           exact, leading and inner spaces and blank lines before the last
//           token included. "1 2 \r\n\n" equals "1 2"; "" equals "\n".
//   tokens  the same token sequence; whitespace of any kind and amount is free.
//   lines   the same lines, each compared as tokens: a line's spacing is free,
//           line breaks are not. Blank (or whitespace-only) lines before the
//           last token count as lines; blank lines at the end are ignored.
//   floats  tokens; a token is compared as a number when the expected token
//           is one (see below), otherwise as a string.
//
// Numbers (floats mode): [+-]? (digits [. digits?] | . digits) ([eE] [+-]?
// digits)? and nothing else — no "nan", "inf", hex, or thousands separators;
// such tokens compare as strings. Integers are numbers too, so "1" equals
// "1.0" (and, being doubles, integers beyond 2^53 lose precision). A value
// that underflows is 0; one that overflows a double is not a number. A token
// longer than 1 KiB is never a number. When the expected token is a number
// the actual one must be a number within tolerance: |a - e| <= abs_tolerance
// or |a - e| <= rel_tolerance * |e| (either suffices, as in Kattis); both
// tolerances 0 demand equal values. Boundaries are inclusive in decimal terms:
// the few units of rounding that decimal-to-double conversion introduces are
// forgiven, so 1.1 is within 0.1 of 1.
//
// case_insensitive folds ASCII letters only, in token comparisons of the
// judge0, tokens, lines and floats modes; exact mode ignores it.
//
// presentation_error (exact, judge0 and lines modes): when the outputs differ
// under the mode but have equal token sequences, the outcome is
// presentation_error instead of wrong_answer. The token comparison is
// case-insensitive only where the mode's own is (never in exact mode).
//
// Messages: empty when accepted; otherwise at most 200 bytes, printable ASCII
// plus "…", naming where (1-based line of the expected output, token index
// within that line, byte index inside a long token, column for a spacing
// difference) and showing escaped excerpts:
//   line 3, token 2: expected "5", got "6"
//   line 3, token 2: expected "5", got "6" (output line 4)    tokens on other lines
//   line 1, column 4: expected "\n", got end of output        exact, judge0
//   line 2: expected end of line, got "7"                     lines
//   line 5, token 1: expected end of output, got "7"          extra output: its own line
// A wrong answer's message shows the difference that decided it: with
// presentation_error on, that is the first token difference; otherwise the
// first difference under the mode.
//
// Thread-safety: all functions are safe to call concurrently (on different
// descriptors). Errors: a failing read or open throws std::system_error naming
// the call and the file; invalid options throw std::invalid_argument.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace judge {

enum class CompareKind { exact, judge0, tokens, lines, floats };

struct CompareOptions {
    CompareKind kind = CompareKind::judge0;
    bool case_insensitive = false;  // judge0, tokens, lines, floats
    double abs_tolerance = 0;       // floats; finite and >= 0
    double rel_tolerance = 0;       // floats; finite and >= 0
    bool presentation_error = false;  // exact, judge0, lines
};

enum class CompareOutcome { accepted, wrong_answer, presentation_error };

struct CompareResult {
    CompareOutcome outcome = CompareOutcome::accepted;
    std::string message;  // empty when accepted; see the file comment
};

// Compares what is left to read of both descriptors (from their current
// offsets to the end). The descriptors stay open; both are read to the end
// only when needed (a wrong answer stops early).
CompareResult compare(int expected_fd, int actual_fd, const CompareOptions& options = {});

// Opens both paths read-only (following symlinks: they are trusted host
// paths) and compares them. Anything but a regular file is refused with
// EINVAL, so a FIFO never blocks the caller. A file in a box's folder is not
// a trusted path: open it with sandbox::open_beneath and call compare().
CompareResult compare_files(const std::string& expected_path, const std::string& actual_path,
                            const CompareOptions& options = {});

// "exact", "judge0", "tokens", "lines", "floats"; anything else: nullopt.
std::optional<CompareKind> parse_compare_kind(std::string_view name);
const char* to_string(CompareKind kind);
const char* to_string(CompareOutcome outcome);  // "accepted", "wrong_answer", "presentation_error"

}  // namespace judge
