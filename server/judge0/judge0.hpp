// The Judge0 CE 1.13.1 mapping (../shared/JUDGE0-API.md): request bodies and
// query parameters in, Records out; Records in, response JSON out. Pure
// functions: no I/O, no store, no sockets, so the unit tests and the fuzz
// targets drive them directly.
//
// Thread-safety: every function is pure (reentrant).
// Errors: nothing throws for bad client input; it comes back as values
// (FieldErrors for 422, a message for 400). render() throws NotUtf8 when an
// output is not valid UTF-8 and base64 is off (the caller answers 400).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "judge/verdict.hpp"
#include "server/config.hpp"
#include "server/record.hpp"

namespace server::judge0 {

// Judge0's 422 body: field name -> messages, e.g.
// {"wall_time_limit": ["must be less than or equal to 20.0"]}.
using FieldErrors = std::map<std::string, std::vector<std::string>>;

struct LanguageLookup {
    // True when the id names a language this host offers (GET /languages).
    std::function<bool(int)> exists;
    // The language's display name ("C++ (GCC 12.2.0)"); empty for an unknown id.
    std::function<std::string(int)> name;
};

struct Parsed {
    Record record;       // valid only when errors is empty and bad_request is empty
    FieldErrors errors;  // 422
    std::string bad_request;  // 400 message (the body is not a JSON object, ...)
    nlohmann::json body;      // parse_submission_text: the parsed body (extension keys the caller reads)
};

// One submission object (the body of POST /submissions, or one item of a
// batch). Applies Judge0's defaults from `cfg`, accepts numbers and booleans
// sent as strings, ignores unknown keys, decodes base64 fields when `base64`
// (wrapped or unwrapped), checks every limit against cfg's maxima and every
// feature switch (enable_compiler_options, allowed_languages_for_compile_options,
// enable_command_line_arguments, enable_additional_files, enable_callbacks,
// allow_enable_network, ...), the extension `tests` (array of
// {"stdin","expected_output"}, at most cfg.max_tests, sizes within
// cfg.max_stdin_bytes) and `comparator` (exact, judge0, tokens, lines, floats).
// Sizes: source_code within cfg.max_source_bytes, stdin and expected_output
// within cfg.max_stdin_bytes, callback_url an http(s) URL.
// Details: messages are Rails' ("can't be blank", "is not a number",
// "must be less than or equal to 15.0" with Ruby's number format);
// cpu_time_limit, wall_time_limit, memory_limit, stack_limit,
// max_processes_and_or_threads and number_of_runs must be > 0 (a zero limit
// would mean no limit to a sandbox), cpu_extra_time and max_file_size >= 0;
// integral limits sent with a fraction are truncated (Judge0's integer
// columns); null or "" is the default; an empty compiler_options,
// command_line_arguments, callback_url or additional_files is absent; a
// switch (enable_network, enable_per_process_*) may be true only with its
// allow_ key, or when true is the configured default; language 89
// ("Multi-file program") needs additional_files instead of source_code.
// `tests` lands in record.tests_json as documented in record.hpp; an empty
// array is an error.
Parsed parse_submission(const nlohmann::json& body, const Config& cfg, const LanguageLookup& languages,
                        bool base64);

// The same from the raw request body (what POST /submissions runs):
// malformed JSON, invalid UTF-8 in a string included -> bad_request naming
// where it broke, in printable ASCII.
Parsed parse_submission_text(std::string_view body, const Config& cfg, const LanguageLookup& languages,
                             bool base64);

// Judge0's key list for `fields=*`, in Judge0's order.
const std::vector<std::string>& all_judge0_fields();
// Our extensions, rendered only when named: "verdict", "test_results", "tests", "comparator",
// "problem_id", "problem_version", "problem_result".
const std::vector<std::string>& extension_fields();
// Default: token,time,memory,stdout,stderr,compile_output,message,status.
const std::vector<std::string>& default_fields();

// The `fields` query parameter: nullopt (or blank) param -> default_fields();
// "*" -> all_judge0_fields(); otherwise a comma list of known names (Judge0
// keys or extensions), spaces around names ignored, a repeated name once; "*"
// may stand in a list ("*,verdict") and expands in place. An unknown name
// fills *error with Judge0's message "invalid fields: [x, y]" (non-printable
// bytes shown as '?') and returns {}.
std::vector<std::string> parse_fields(std::optional<std::string_view> param, std::string* error);

class NotUtf8 : public std::runtime_error {
public:
    NotUtf8();  // Judge0's message asking for base64_encoded=true
};

// A submission as a JSON object with exactly `fields`. (nlohmann::json keeps
// keys sorted, so the text lists them alphabetically, not in `fields` order:
// JSON objects are unordered and clients, Judge0's SDK included, read keys by
// name.) With
// `base64`, stdout, stderr, compile_output, message, and also source_code,
// stdin, expected_output leave base64-encoded (Judge0's wrapped form: a
// newline every 60 characters and at the end); additional_files always does.
// Times as strings with three decimals ("0.012"), the limits cpu_time_limit,
// cpu_extra_time, wall_time_limit as Judge0's decimal strings ("5.0"),
// created_at/finished_at as 2024-04-08T11:42:51.856Z, status as
// {"id","description"}, language as {"id","name"}. stdout, stderr,
// compile_output and message are null when empty.
// Extensions: "verdict" and "test_results" are the stored JSON (null when
// empty); "tests" is the stored tests_json; in both arrays a key "X_b64"
// (base64 text written by the parser or the worker) leaves as "X": the
// decoded text without `base64`, the wrapped base64 with it; a value that is
// not UTF-8 without `base64` stays "X_b64" (base64) rather than failing the
// whole answer. "comparator" is the comparator's name.
// Throws NotUtf8 when !base64 and a rendered text field is not UTF-8.
nlohmann::json render(const Record& r, const std::vector<std::string>& fields, bool base64,
                      const LanguageLookup& languages);

// The Judge0 status id of a verdict: the one table from judge verdicts to
// Judge0 statuses (../shared/JUDGE0-API.md, "Statuses"). Judge0 has no
// Presentation Error, Memory or Output Limit Exceeded; on this surface:
//   Accepted 3 · Wrong Answer 4 · Presentation Error 4 · Time Limit 5 (cpu and wall) ·
//   Compilation Error 6 · RE by SIGSEGV 7 · Output Limit 8 and RE by SIGXFSZ 8 ·
//   RE by SIGFPE 9 · RE by SIGABRT 10 · RE by exit code 11 (NZEC) ·
//   RE by another signal or a forbidden call 12 · Memory Limit 12 · Internal Error 13.
// Grading adds `message` "Memory limit exceeded" to 12 for MLE (and names
// PE, OLE in its message or the verdict extension field).
int status_id(const judge::VerdictDetail& v);

// ISO 8601 UTC with milliseconds and Z.
std::string iso8601_ms(std::int64_t unix_ms);

// "0.012": seconds with three decimals, as Judge0 sends them.
std::string seconds_text(double s);

// --- Query strings (used by the HTTP layer; here so they are fuzzed too).
// "a=1&b=x%20y" -> {a:1, b:"x y"}; '+' is a space; malformed %-escapes are
// kept literally; a repeated key keeps the last value.
std::map<std::string, std::string> parse_query(std::string_view query);
// "true"/"false" (any case), "1"/"0"; anything else -> nullopt.
std::optional<bool> parse_bool(std::string_view s);

}  // namespace server::judge0
