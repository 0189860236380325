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
Parsed parse_submission(const nlohmann::json& body, const Config& cfg, const LanguageLookup& languages,
                        bool base64);

// The same from the raw request body: malformed JSON -> bad_request naming
// where it broke.
Parsed parse_submission_text(std::string_view body, const Config& cfg, const LanguageLookup& languages,
                             bool base64);

// Judge0's key list for `fields=*`, in Judge0's order.
const std::vector<std::string>& all_judge0_fields();
// Our extensions, rendered only when named: "verdict", "test_results", "tests", "comparator".
const std::vector<std::string>& extension_fields();
// Default: token,time,memory,stdout,stderr,compile_output,message,status.
const std::vector<std::string>& default_fields();

// The `fields` query parameter: nullopt param -> default_fields(); "*" ->
// all_judge0_fields(); otherwise a comma list of known names (Judge0 keys or
// extensions). An unknown name fills *error with Judge0's message
// "invalid fields: [x, y]" and returns {}.
std::vector<std::string> parse_fields(std::optional<std::string_view> param, std::string* error);

class NotUtf8 : public std::runtime_error {
public:
    NotUtf8();  // Judge0's message asking for base64_encoded=true
};

// A submission as a JSON object with exactly `fields` (in that order). With
// `base64`, stdout, stderr, compile_output, message, and also source_code,
// stdin, expected_output leave base64-encoded (Judge0's wrapped form: a
// newline every 60 characters and at the end). Times as strings with three
// decimals ("0.012"), created_at/finished_at as 2024-04-08T11:42:51.856Z,
// status as {"id","description"}, language as {"id","name"}.
nlohmann::json render(const Record& r, const std::vector<std::string>& fields, bool base64,
                      const LanguageLookup& languages);

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
