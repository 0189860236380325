#include "server/judge0/judge0.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "server/judge0/base64.hpp"

using nlohmann::json;
using server::Config;
using server::Record;
namespace api = server::judge0;
namespace b64 = server::base64;

namespace {

const std::map<int, std::string>& catalog() {
    static const std::map<int, std::string> m = {
        {50, "C (GCC 12.2.0)"},         {51, "C# (Mono 6.12.0)"}, {54, "C++ (GCC 12.2.0)"},
        {62, "Java (OpenJDK 17.0.6)"},  {71, "Python (3.11.2)"},  {89, "Multi-file program"},
    };
    return m;
}

api::LanguageLookup lookup() {
    return {[](int id) { return catalog().count(id) == 1; },
            [](int id) {
                auto it = catalog().find(id);
                return it == catalog().end() ? std::string() : it->second;
            }};
}

api::Parsed parse(const json& body, const Config& cfg = Config{}, bool base64 = false) {
    return api::parse_submission(body, cfg, lookup(), base64);
}

// The messages for one field ({} when it has none).
std::vector<std::string> errors_of(const api::Parsed& p, const std::string& field) {
    auto it = p.errors.find(field);
    return it == p.errors.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> one(const std::string& message) { return {message}; }

json minimal() { return {{"source_code", "print(1)"}, {"language_id", 71}}; }

json with(json body, const std::string& key, json value) {
    body[key] = std::move(value);
    return body;
}

const std::string binary("\x00\xff\xfe hello \x80\n", 12);

Record finished() {
    Record r;
    r.token = "d85cd024-1548-4165-96c7-7bc88673f194";
    r.source_code = "print(input())";
    r.language_id = 71;
    r.stdin_data = "hi";
    r.status_id = server::status::accepted;
    r.stdout_data = "hi\n";
    r.stderr_data = "";
    r.exit_code = 0;
    r.time = 0.012;
    r.wall_time = 0.0456;
    r.memory = 3272;
    r.created_at_ms = 1712576571856;
    r.finished_at_ms = 1712576572001;
    r.comparator = "judge0";
    return r;
}

}  // namespace

// --- parse_submission --------------------------------------------------------

TEST_CASE("judge0: a minimal submission takes the configured defaults", "[judge0]") {
    Config cfg;
    cfg.cpu_time_limit = 2;
    cfg.cpu_extra_time = 0.5;
    cfg.wall_time_limit = 7;
    cfg.memory_limit = 100000;
    cfg.stack_limit = 32000;
    cfg.max_processes_and_or_threads = 30;
    cfg.max_file_size = 512;
    cfg.number_of_runs = 2;
    cfg.redirect_stderr_to_stdout = true;
    const auto p = parse(minimal(), cfg);
    REQUIRE(p.bad_request.empty());
    REQUIRE(p.errors.empty());
    const Record& r = p.record;
    CHECK(r.source_code == "print(1)");
    CHECK(r.language_id == 71);
    CHECK_FALSE(r.stdin_data);
    CHECK_FALSE(r.expected_output);
    CHECK_FALSE(r.compiler_options);
    CHECK_FALSE(r.command_line_arguments);
    CHECK_FALSE(r.callback_url);
    CHECK_FALSE(r.additional_files);
    CHECK(r.cpu_time_limit == 2);
    CHECK(r.cpu_extra_time == 0.5);
    CHECK(r.wall_time_limit == 7);
    CHECK(r.memory_limit == 100000);
    CHECK(r.stack_limit == 32000);
    CHECK(r.max_processes_and_or_threads == 30);
    CHECK(r.max_file_size == 512);
    CHECK(r.number_of_runs == 2);
    CHECK(r.redirect_stderr_to_stdout);
    CHECK_FALSE(r.enable_per_process_and_thread_time_limit);
    CHECK_FALSE(r.enable_per_process_and_thread_memory_limit);
    CHECK_FALSE(r.enable_network);
    CHECK(r.tests_json.empty());
    CHECK(r.comparator == "judge0");
    CHECK(r.status_id == server::status::in_queue);
}

TEST_CASE("judge0: null means the default, unknown keys are ignored", "[judge0]") {
    json body = minimal();
    body["cpu_time_limit"] = nullptr;
    body["stdin"] = nullptr;
    body["memory_limit"] = "";
    body["contest_id"] = "1";
    body["question_id"] = 11;
    const auto p = parse(body);
    REQUIRE(p.errors.empty());
    CHECK(p.record.cpu_time_limit == 5);
    CHECK(p.record.memory_limit == 128000);
    CHECK_FALSE(p.record.stdin_data);
}

TEST_CASE("judge0: source_code and language_id are required", "[judge0]") {
    const auto p = parse(json::object());
    CHECK(errors_of(p, "source_code") == one("can't be blank"));
    CHECK(errors_of(p, "language_id") == one("can't be blank"));

    CHECK(errors_of(parse(with(minimal(), "source_code", " \n\t")), "source_code") == one("can't be blank"));
    CHECK(errors_of(parse(with(minimal(), "source_code", nullptr)), "source_code") == one("can't be blank"));
    CHECK(errors_of(parse(with(minimal(), "language_id", nullptr)), "language_id") == one("can't be blank"));
    CHECK(errors_of(parse(with(minimal(), "language_id", "")), "language_id") == one("can't be blank"));
}

TEST_CASE("judge0: language_id must name a language", "[judge0]") {
    CHECK(errors_of(parse(with(minimal(), "language_id", 999)), "language_id") ==
          one("language with id 999 doesn't exist"));
    CHECK(errors_of(parse(with(minimal(), "language_id", -3)), "language_id") ==
          one("language with id -3 doesn't exist"));
    CHECK(errors_of(parse(with(minimal(), "language_id", 1e12)), "language_id") ==
          one("language with id 1000000000000.0 doesn't exist"));
    CHECK(errors_of(parse(with(minimal(), "language_id", "abc")), "language_id") == one("is not a number"));
    CHECK(errors_of(parse(with(minimal(), "language_id", json::object())), "language_id") == one("is not a number"));

    const auto s = parse(with(minimal(), "language_id", "54"));
    REQUIRE(s.errors.empty());
    CHECK(s.record.language_id == 54);
    const auto f = parse(with(minimal(), "language_id", 62.0));
    REQUIRE(f.errors.empty());
    CHECK(f.record.language_id == 62);
}

TEST_CASE("judge0: numbers and booleans sent as strings are accepted", "[judge0]") {
    Config cfg;
    cfg.allow_enable_per_process_and_thread_memory_limit = true;
    json body = minimal();
    body["cpu_time_limit"] = "2.5";
    body["cpu_extra_time"] = " 0.5 ";
    body["wall_time_limit"] = "+8";
    body["memory_limit"] = "256000";
    body["stack_limit"] = "1e4";
    body["max_processes_and_or_threads"] = "10";
    body["max_file_size"] = "0";
    body["number_of_runs"] = "3";
    body["redirect_stderr_to_stdout"] = "true";
    body["enable_per_process_and_thread_memory_limit"] = "0";
    body["enable_per_process_and_thread_time_limit"] = "FALSE";
    body["enable_network"] = 0;
    const auto p = parse(body, cfg);
    REQUIRE(p.errors.empty());
    const Record& r = p.record;
    CHECK(r.cpu_time_limit == 2.5);
    CHECK(r.cpu_extra_time == 0.5);
    CHECK(r.wall_time_limit == 8);
    CHECK(r.memory_limit == 256000);
    CHECK(r.stack_limit == 10000);
    CHECK(r.max_processes_and_or_threads == 10);
    CHECK(r.max_file_size == 0);
    CHECK(r.number_of_runs == 3);
    CHECK(r.redirect_stderr_to_stdout);
    CHECK_FALSE(r.enable_per_process_and_thread_memory_limit);
    CHECK_FALSE(r.enable_per_process_and_thread_time_limit);
    CHECK_FALSE(r.enable_network);
}

TEST_CASE("judge0: integral limits are truncated as Judge0's integer columns do", "[judge0]") {
    json body = minimal();
    body["memory_limit"] = 100000.9;
    body["number_of_runs"] = 2.5;
    const auto p = parse(body);
    REQUIRE(p.errors.empty());
    CHECK(p.record.memory_limit == 100000);
    CHECK(p.record.number_of_runs == 2);
}

TEST_CASE("judge0: a wrong type is 'is not a number' / 'is not a boolean' on that field", "[judge0]") {
    for (const json& bad : {json::object(), json::array(), json(true), json("abc"), json("1.2.3"), json("inf"),
                            json("nan"), json("5 s")}) {
        INFO(bad.dump());
        const auto p = parse(with(minimal(), "cpu_time_limit", bad));
        CHECK(errors_of(p, "cpu_time_limit") == one("is not a number"));
        CHECK(p.errors.size() == 1);
    }
    CHECK(errors_of(parse(with(minimal(), "memory_limit", json::object())), "memory_limit") ==
          one("is not a number"));
    CHECK(errors_of(parse(with(minimal(), "number_of_runs", "many")), "number_of_runs") == one("is not a number"));
    for (const json& bad : {json("maybe"), json(2), json::object(), json("yes")}) {
        INFO(bad.dump());
        CHECK(errors_of(parse(with(minimal(), "redirect_stderr_to_stdout", bad)), "redirect_stderr_to_stdout") ==
              one("is not a boolean"));
    }
}

TEST_CASE("judge0: limits above the configured maxima, with Ruby's number format", "[judge0]") {
    struct Case {
        const char* field;
        json value;
        const char* message;
    };
    const Case cases[] = {
        {"cpu_time_limit", 15.5, "must be less than or equal to 15.0"},
        {"cpu_time_limit", "16", "must be less than or equal to 15.0"},
        {"cpu_extra_time", 6, "must be less than or equal to 5.0"},
        {"wall_time_limit", 21, "must be less than or equal to 20.0"},
        {"memory_limit", 512001, "must be less than or equal to 512000"},
        {"stack_limit", 128001, "must be less than or equal to 128000"},
        {"max_processes_and_or_threads", 121, "must be less than or equal to 120"},
        {"max_file_size", 4097, "must be less than or equal to 4096"},
        {"number_of_runs", 21, "must be less than or equal to 20"},
        {"cpu_time_limit", 0, "must be greater than 0.0"},
        {"cpu_time_limit", -1, "must be greater than 0.0"},
        {"wall_time_limit", 0, "must be greater than 0.0"},
        {"cpu_extra_time", -0.5, "must be greater than or equal to 0.0"},
        {"memory_limit", 0, "must be greater than 0"},
        {"stack_limit", -5, "must be greater than 0"},
        {"max_processes_and_or_threads", 0, "must be greater than 0"},
        {"max_file_size", -1, "must be greater than or equal to 0"},
        {"number_of_runs", 0, "must be greater than 0"},
    };
    for (const Case& c : cases) {
        INFO(c.field << " = " << c.value.dump());
        const auto p = parse(with(minimal(), c.field, c.value));
        CHECK(errors_of(p, c.field) == one(c.message));
        CHECK(p.errors.size() == 1);
    }
    // The maxima themselves are fine, and they follow the configuration.
    json at_max = minimal();
    at_max["cpu_time_limit"] = 15;
    at_max["wall_time_limit"] = 20;
    at_max["memory_limit"] = 512000;
    at_max["number_of_runs"] = 20;
    at_max["cpu_extra_time"] = 0;
    CHECK(parse(at_max).errors.empty());

    Config cfg;
    cfg.max_cpu_time_limit = 2.5;
    cfg.cpu_time_limit = 1;
    CHECK(errors_of(parse(with(minimal(), "cpu_time_limit", 3), cfg), "cpu_time_limit") ==
          one("must be less than or equal to 2.5"));
}

TEST_CASE("judge0: every field error is reported at once", "[judge0]") {
    json body = {{"language_id", 999}, {"cpu_time_limit", 99}, {"wall_time_limit", "x"}, {"number_of_runs", 0}};
    const auto p = parse(body);
    CHECK(p.errors.size() == 5);
    CHECK(p.errors.count("source_code"));
    CHECK(p.errors.count("language_id"));
    CHECK(p.errors.count("cpu_time_limit"));
    CHECK(p.errors.count("wall_time_limit"));
    CHECK(p.errors.count("number_of_runs"));
}

TEST_CASE("judge0: base64 fields are decoded, wrapped or not", "[judge0]") {
    const std::string source = "#include <cstdio>\nint main() { std::puts(\"\xc3\xa9\"); }\n";
    json body = {{"language_id", 54},
                 {"source_code", b64::encode_wrapped(source)},
                 {"stdin", b64::encode(binary)},
                 {"expected_output", b64::encode_wrapped(binary + binary + binary + binary + binary + binary)}};
    const auto p = parse(body, Config{}, true);
    REQUIRE(p.errors.empty());
    CHECK(p.record.source_code == source);
    CHECK(p.record.stdin_data == binary);
    CHECK(p.record.expected_output == binary + binary + binary + binary + binary + binary);

    // Without base64 the same text is taken as it is.
    const auto plain = parse(body, Config{}, false);
    REQUIRE(plain.errors.empty());
    CHECK(plain.record.source_code == b64::encode_wrapped(source));

    // Empty base64 is empty text.
    const auto empty = parse(with(with(minimal(), "source_code", b64::encode("x")), "stdin", ""), Config{}, true);
    REQUIRE(empty.errors.empty());
    CHECK(empty.record.stdin_data == std::string());
}

TEST_CASE("judge0: invalid base64 is a 422 on that field", "[judge0]") {
    json body = {{"language_id", 71}, {"source_code", "cHJpbnQoMSk="}, {"stdin", "not base64!"},
                 {"expected_output", "Zg="}};
    const auto p = parse(body, Config{}, true);
    CHECK(errors_of(p, "stdin") == one("is not valid base64"));
    CHECK(errors_of(p, "expected_output") == one("is not valid base64"));
    CHECK(p.errors.size() == 2);
    CHECK(errors_of(parse(with(minimal(), "source_code", "%%%"), Config{}, true), "source_code") ==
          one("is not valid base64"));
    CHECK(errors_of(parse(with(minimal(), "source_code", json::array()), Config{}, true), "source_code") ==
          one("must be a string"));
}

TEST_CASE("judge0: text fields accept numbers as text", "[judge0]") {
    const auto p = parse(with(minimal(), "stdin", 5));
    REQUIRE(p.errors.empty());
    CHECK(p.record.stdin_data == std::string("5"));
    CHECK(errors_of(parse(with(minimal(), "stdin", json::object())), "stdin") == one("must be a string"));
}

TEST_CASE("judge0: sizes are bounded after decoding", "[judge0]") {
    Config cfg;
    cfg.max_source_bytes = 10;
    cfg.max_stdin_bytes = 4;
    CHECK(parse(with(minimal(), "source_code", std::string(10, 'x')), cfg).errors.empty());
    CHECK(errors_of(parse(with(minimal(), "source_code", std::string(11, 'x')), cfg), "source_code") ==
          one("is too long (maximum is 10 bytes)"));
    CHECK(errors_of(parse(with(minimal(), "stdin", "12345"), cfg), "stdin") == one("is too long (maximum is 4 bytes)"));
    CHECK(errors_of(parse(with(minimal(), "expected_output", "12345"), cfg), "expected_output") ==
          one("is too long (maximum is 4 bytes)"));
    // 8 base64 characters are 4 bytes once decoded: within the limit.
    json body = {{"language_id", 71}, {"source_code", b64::encode("x")}, {"stdin", b64::encode("1234")}};
    CHECK(parse(body, cfg, true).errors.empty());
}

TEST_CASE("judge0: compiler_options", "[judge0]") {
    const json body = with(with(minimal(), "language_id", 54), "compiler_options", "-O2 -std=c++20");
    const auto p = parse(body);
    REQUIRE(p.errors.empty());
    CHECK(p.record.compiler_options == std::string("-O2 -std=c++20"));

    CHECK_FALSE(parse(with(body, "compiler_options", "")).record.compiler_options);
    CHECK(parse(with(body, "compiler_options", std::string(512, 'x'))).errors.empty());
    CHECK(errors_of(parse(with(body, "compiler_options", std::string(513, 'x'))), "compiler_options") ==
          one("is too long (maximum is 512 characters)"));
    // Characters, not bytes: 512 two-byte characters are fine.
    std::string accents;
    for (int i = 0; i < 512; ++i) accents += "\xc3\xa9";
    CHECK(parse(with(body, "compiler_options", accents)).errors.empty());
    CHECK(errors_of(parse(with(body, "compiler_options", std::string("-O2\0x", 5))), "compiler_options") ==
          one("must not contain NUL characters"));

    Config off;
    off.enable_compiler_options = false;
    CHECK(errors_of(parse(body, off), "compiler_options") ==
          one("setting compiler options is not allowed on this server"));
    CHECK(parse(with(body, "compiler_options", nullptr), off).errors.empty());
}

TEST_CASE("judge0: compiler_options only for the allowed languages", "[judge0]") {
    Config cfg;
    cfg.allowed_languages_for_compile_options = {"C++", "Java"};
    auto for_language = [&](int id) {
        return parse(with(with(minimal(), "language_id", id), "compiler_options", "-O2"), cfg);
    };
    CHECK(for_language(54).errors.empty());
    CHECK(for_language(62).errors.empty());
    CHECK(errors_of(for_language(50), "compiler_options") ==
          one("setting compiler options is not allowed for C (GCC 12.2.0) (allowed for: C++, Java)"));
    CHECK(errors_of(for_language(71), "compiler_options").size() == 1);

    cfg.allowed_languages_for_compile_options = {"C"};
    CHECK(for_language(50).errors.empty());
    CHECK_FALSE(for_language(54).errors.empty());  // "C" is not a prefix word of "C++ (GCC ...)"
    CHECK_FALSE(for_language(51).errors.empty());  // nor of "C# (Mono ...)"

    cfg.allowed_languages_for_compile_options = {"C++ (GCC 12.2.0)"};
    CHECK(for_language(54).errors.empty());
}

TEST_CASE("judge0: command_line_arguments", "[judge0]") {
    const auto p = parse(with(minimal(), "command_line_arguments", "a b"));
    REQUIRE(p.errors.empty());
    CHECK(p.record.command_line_arguments == std::string("a b"));
    CHECK(errors_of(parse(with(minimal(), "command_line_arguments", std::string(513, 'a'))),
                    "command_line_arguments") == one("is too long (maximum is 512 characters)"));
    Config off;
    off.enable_command_line_arguments = false;
    CHECK(errors_of(parse(with(minimal(), "command_line_arguments", "a"), off), "command_line_arguments") ==
          one("setting command line arguments is not allowed on this server"));
}

TEST_CASE("judge0: additional_files is base64 whatever base64_encoded says", "[judge0]") {
    const std::string zip = std::string("PK\x03\x04", 4) + binary;
    for (const bool base64 : {false, true}) {
        INFO("base64 " << base64);
        json body = {{"language_id", 71}, {"source_code", base64 ? b64::encode("x") : "x"},
                     {"additional_files", b64::encode_wrapped(zip)}};
        const auto p = parse(body, Config{}, base64);
        REQUIRE(p.errors.empty());
        CHECK(p.record.additional_files == zip);
    }
    CHECK(errors_of(parse(with(minimal(), "additional_files", "PK!!")), "additional_files") ==
          one("is not valid base64"));
    CHECK(errors_of(parse(with(minimal(), "additional_files", 5)), "additional_files") ==
          one("must be a string (a base64-encoded zip)"));
    CHECK_FALSE(parse(with(minimal(), "additional_files", "")).record.additional_files);

    Config small;
    small.max_extract_size = 1;  // KB
    CHECK(parse(with(minimal(), "additional_files", b64::encode(std::string(1024, 'z'))), small).errors.empty());
    CHECK(errors_of(parse(with(minimal(), "additional_files", b64::encode(std::string(1025, 'z'))), small),
                    "additional_files") == one("is too large (maximum is 1 KB)"));

    Config off;
    off.enable_additional_files = false;
    CHECK(errors_of(parse(with(minimal(), "additional_files", b64::encode(zip)), off), "additional_files") ==
          one("setting additional files is not allowed on this server"));
}

TEST_CASE("judge0: a multi-file program needs additional_files, not source_code", "[judge0]") {
    const json body = {{"language_id", 89}, {"additional_files", b64::encode("PK")}};
    const auto p = parse(body);
    REQUIRE(p.errors.empty());
    CHECK(p.record.source_code.empty());
    const auto missing = parse(json{{"language_id", 89}});
    CHECK(errors_of(missing, "additional_files") == one("can't be blank"));
    CHECK(errors_of(missing, "source_code").empty());
    // As Judge0: the zip is the program, a source beside it is refused.
    const auto both = parse(json{{"language_id", 89}, {"source_code", "echo hi"}, {"additional_files", b64::encode("PK")}});
    CHECK(errors_of(both, "source_code") == one("must be blank"));
}

TEST_CASE("judge0: callback_url", "[judge0]") {
    for (const char* ok : {"http://example.com", "https://example.com/cb?x=1", "HTTP://10.0.0.1:8080/hook",
                           "http://[::1]:9000/", "https://user@host.example/p#f"}) {
        INFO(ok);
        const auto p = parse(with(minimal(), "callback_url", ok));
        CHECK(p.errors.empty());
        CHECK(p.record.callback_url == std::string(ok));
    }
    for (const char* bad : {"ftp://example.com", "http://", "http:///path", "example.com", "http://host:0/",
                            "http://host:99999/", "http://host:/", "http://exa mple.com", "javascript:alert(1)",
                            "http://[::1/"}) {
        INFO(bad);
        CHECK(errors_of(parse(with(minimal(), "callback_url", bad)), "callback_url") ==
              one("must be an http:// or https:// URL with a host"));
    }
    CHECK_FALSE(parse(with(minimal(), "callback_url", "")).record.callback_url);
    CHECK(errors_of(parse(with(minimal(), "callback_url", "http://h/" + std::string(2048, 'a'))), "callback_url") ==
          one("is too long (maximum is 2048 characters)"));
    Config off;
    off.enable_callbacks = false;
    CHECK(errors_of(parse(with(minimal(), "callback_url", "http://example.com"), off), "callback_url") ==
          one("setting callback URL is not allowed on this server"));
}

TEST_CASE("judge0: enable_network and the per-process switches need the operator's allow_", "[judge0]") {
    CHECK(errors_of(parse(with(minimal(), "enable_network", true)), "enable_network") ==
          one("must be false (allow_enable_network is off)"));
    CHECK(errors_of(parse(with(minimal(), "enable_per_process_and_thread_time_limit", "true")),
                    "enable_per_process_and_thread_time_limit") ==
          one("must be false (allow_enable_per_process_and_thread_time_limit is off)"));
    CHECK(errors_of(parse(with(minimal(), "enable_per_process_and_thread_memory_limit", 1)),
                    "enable_per_process_and_thread_memory_limit") ==
          one("must be false (allow_enable_per_process_and_thread_memory_limit is off)"));
    CHECK(parse(with(minimal(), "enable_network", false)).errors.empty());

    Config allow;
    allow.allow_enable_network = true;
    json body = minimal();
    body["enable_network"] = true;
    const auto p = parse(body, allow);
    REQUIRE(p.errors.empty());
    CHECK(p.record.enable_network);

    // The configured default applies, and asking for it is never refused.
    Config net_default;
    net_default.enable_network = true;
    CHECK(parse(minimal(), net_default).record.enable_network);
    CHECK(parse(with(minimal(), "enable_network", true), net_default).errors.empty());
    CHECK_FALSE(parse(with(minimal(), "enable_network", false), net_default).record.enable_network);
}

TEST_CASE("judge0: per-process limits are refused with 422 even when allowed, never silently ignored", "[judge0]") {
    Config allow;
    allow.allow_enable_per_process_and_thread_time_limit = true;
    allow.allow_enable_per_process_and_thread_memory_limit = true;
    const std::string why =
        "is not supported by this server: time and memory limits apply to the whole box (all its processes "
        "together), not per process";
    CHECK(errors_of(parse(with(minimal(), "enable_per_process_and_thread_time_limit", true), allow),
                    "enable_per_process_and_thread_time_limit") == one(why));
    CHECK(errors_of(parse(with(minimal(), "enable_per_process_and_thread_memory_limit", "1"), allow),
                    "enable_per_process_and_thread_memory_limit") == one(why));
    CHECK(parse(with(minimal(), "enable_per_process_and_thread_time_limit", false), allow).errors.empty());
    CHECK(parse(minimal(), allow).errors.empty());
}

TEST_CASE("judge0: the tests extension", "[judge0]") {
    json body = minimal();
    body["tests"] = json::array({json{{"stdin", "1 2\n"}, {"expected_output", "3\n"}}, json{{"stdin", "5 5\n"}},
                                 json::object()});
    const auto p = parse(body);
    REQUIRE(p.errors.empty());
    const json tests = json::parse(p.record.tests_json);
    REQUIRE(tests.size() == 3);
    CHECK(b64::decode(tests[0]["stdin_b64"].get<std::string>()) == std::string("1 2\n"));
    CHECK(b64::decode(tests[0]["expected_output_b64"].get<std::string>()) == std::string("3\n"));
    CHECK(b64::decode(tests[1]["stdin_b64"].get<std::string>()) == std::string("5 5\n"));
    CHECK_FALSE(tests[1].contains("expected_output_b64"));
    CHECK(tests[2]["stdin_b64"] == "");

    // With base64 the items are decoded too, and binary bytes survive.
    json encoded = {{"language_id", 71},
                    {"source_code", b64::encode("x")},
                    {"tests", json::array({json{{"stdin", b64::encode_wrapped(binary)},
                                                {"expected_output", b64::encode(binary)}}})}};
    const auto e = parse(encoded, Config{}, true);
    REQUIRE(e.errors.empty());
    const json t = json::parse(e.record.tests_json);
    CHECK(b64::decode(t[0]["stdin_b64"].get<std::string>()) == binary);
    CHECK(b64::decode(t[0]["expected_output_b64"].get<std::string>()) == binary);
}

TEST_CASE("judge0: tests errors go under \"tests\"", "[judge0]") {
    CHECK(errors_of(parse(with(minimal(), "tests", "1 2")), "tests") ==
          one("must be an array of {\"stdin\", \"expected_output\"} objects"));
    CHECK(errors_of(parse(with(minimal(), "tests", json::array())), "tests") == one("must hold at least one test"));
    CHECK(errors_of(parse(with(minimal(), "tests", json::array({1}))), "tests") ==
          one("tests[0] must be an object"));
    Config cfg;
    cfg.max_tests = 2;
    cfg.max_stdin_bytes = 3;
    const json three = json::array({json::object(), json::object(), json::object()});
    CHECK(errors_of(parse(with(minimal(), "tests", three), cfg), "tests") == one("is too long (maximum is 2 tests)"));
    const json big = json::array({json{{"stdin", "ok"}}, json{{"stdin", "1234"}, {"expected_output", "12345"}}});
    CHECK(errors_of(parse(with(minimal(), "tests", big), cfg), "tests") ==
          std::vector<std::string>{"tests[1].stdin is too long (maximum is 3 bytes)",
                                   "tests[1].expected_output is too long (maximum is 3 bytes)"});
    json b = {{"language_id", 71}, {"source_code", b64::encode("x")},
              {"tests", json::array({json{{"stdin", "!!"}}})}};
    const auto p = parse(b, Config{}, true);
    CHECK(errors_of(p, "tests") == one("tests[0].stdin is not valid base64"));
    CHECK(p.record.tests_json.empty());
}

TEST_CASE("judge0: the comparator extension", "[judge0]") {
    for (const char* name : {"exact", "judge0", "tokens", "lines", "floats"}) {
        INFO(name);
        const auto p = parse(with(minimal(), "comparator", name));
        REQUIRE(p.errors.empty());
        CHECK(p.record.comparator == name);
    }
    CHECK(parse(with(minimal(), "comparator", "Floats")).record.comparator == "floats");
    CHECK(parse(with(minimal(), "comparator", nullptr)).record.comparator == "judge0");
    CHECK(errors_of(parse(with(minimal(), "comparator", "fuzzy")), "comparator") ==
          one("must be one of exact, judge0, tokens, lines, floats"));
    CHECK(errors_of(parse(with(minimal(), "comparator", 3)), "comparator").size() == 1);
}

TEST_CASE("judge0: a body that is not an object is a bad request", "[judge0]") {
    for (const json& body : {json::array(), json(5), json("text"), json(nullptr)}) {
        const auto p = parse(body);
        CHECK(p.bad_request == "request body must be a JSON object");
    }
}

TEST_CASE("judge0: parse_submission_text", "[judge0]") {
    const Config cfg;
    const auto ok = api::parse_submission_text(R"({"source_code":"x","language_id":"71"})", cfg, lookup(), false);
    CHECK(ok.bad_request.empty());
    CHECK(ok.errors.empty());

    const auto broken = api::parse_submission_text("{\"source_code\": x}", cfg, lookup(), false);
    CHECK(broken.bad_request.rfind("malformed JSON: parse error at line 1, column 17", 0) == 0);

    // The excerpt of a body that is not UTF-8 must not make the answer unserializable.
    const auto binary_body = api::parse_submission_text("{\"a\": \"\xff\xfe\"}", cfg, lookup(), false);
    REQUIRE_FALSE(binary_body.bad_request.empty());
    CHECK_NOTHROW(json{{"error", binary_body.bad_request}}.dump());

    // A number out of a double's range is nlohmann's out_of_range, not a
    // parse_error: still a 400, never an exception (found by fuzz_judge0).
    const auto huge = api::parse_submission_text(R"({"cpu_time_limit": 1e400})", cfg, lookup(), false);
    CHECK_FALSE(huge.bad_request.empty());
    const auto array = api::parse_submission_text("[1]", cfg, lookup(), false);
    CHECK(array.bad_request == "request body must be a JSON object");

    // No body at all: Judge0 answers with the required fields.
    const auto empty = api::parse_submission_text("  ", cfg, lookup(), false);
    CHECK(empty.bad_request.empty());
    CHECK(errors_of(empty, "source_code") == one("can't be blank"));
    CHECK(errors_of(empty, "language_id") == one("can't be blank"));
}

// --- fields ------------------------------------------------------------------

TEST_CASE("judge0: field lists", "[judge0]") {
    CHECK(api::default_fields() == std::vector<std::string>{"token", "time", "memory", "stdout", "stderr",
                                                           "compile_output", "message", "status"});
    const auto& all = api::all_judge0_fields();
    CHECK(all.size() == 35);
    CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
    CHECK(all.front() == "source_code");
    CHECK(all[all.size() - 2] == "status");
    CHECK(all.back() == "language");
    for (const auto& f : api::default_fields()) CHECK(std::find(all.begin(), all.end(), f) != all.end());
    for (const auto& f : api::extension_fields()) CHECK(std::find(all.begin(), all.end(), f) == all.end());
}

TEST_CASE("judge0: parse_fields", "[judge0]") {
    std::string error = "stale";
    CHECK(api::parse_fields(std::nullopt, &error) == api::default_fields());
    CHECK(error.empty());
    CHECK(api::parse_fields("", &error) == api::default_fields());
    CHECK(api::parse_fields("*", &error) == api::all_judge0_fields());
    CHECK(api::parse_fields("stdout,status_id,language_id", &error) ==
          std::vector<std::string>{"stdout", "status_id", "language_id"});
    CHECK(api::parse_fields(" token , verdict,test_results,tests,comparator ,", &error) ==
          std::vector<std::string>{"token", "verdict", "test_results", "tests", "comparator"});
    CHECK(api::parse_fields("token,token,status", &error) == std::vector<std::string>{"token", "status"});
    auto star_plus = api::parse_fields("*,verdict", &error);
    CHECK(star_plus.size() == 36);
    CHECK(star_plus.back() == "verdict");
    CHECK(error.empty());

    CHECK(api::parse_fields("token,x", &error).empty());
    CHECK(error == "invalid fields: [x]");
    CHECK(api::parse_fields("foo,stdout,bar", &error).empty());
    CHECK(error == "invalid fields: [foo, bar]");
    CHECK(api::parse_fields(std::string("a\xff\x01"), &error).empty());
    CHECK(error == "invalid fields: [a??]");
    CHECK(api::parse_fields("x", nullptr).empty());
}

// --- render ------------------------------------------------------------------

TEST_CASE("judge0: render the default fields", "[judge0]") {
    const json j = api::render(finished(), api::default_fields(), false, lookup());
    CHECK(j.size() == 8);
    CHECK(j["token"] == "d85cd024-1548-4165-96c7-7bc88673f194");
    CHECK(j["time"] == "0.012");
    CHECK(j["memory"] == 3272);
    CHECK(j["stdout"] == "hi\n");
    CHECK(j["stderr"].is_null());  // empty
    CHECK(j["compile_output"].is_null());
    CHECK(j["message"].is_null());
    CHECK(j["status"] == json{{"id", 3}, {"description", "Accepted"}});
}

TEST_CASE("judge0: render fields=* gives exactly Judge0's keys and types", "[judge0]") {
    Record r = finished();
    r.compiler_options = "-O2";
    r.additional_files = std::string("PK\x03\x04", 4);
    r.cpu_time_limit = 2.5;
    const json j = api::render(r, api::all_judge0_fields(), false, lookup());
    CHECK(j.size() == 35);
    for (const auto& f : api::all_judge0_fields()) CHECK(j.contains(f));
    CHECK(j["source_code"] == "print(input())");
    CHECK(j["language_id"] == 71);
    CHECK(j["stdin"] == "hi");
    CHECK(j["expected_output"].is_null());
    CHECK(j["status_id"] == 3);
    CHECK(j["created_at"] == "2024-04-08T11:42:51.856Z");
    CHECK(j["finished_at"] == "2024-04-08T11:42:52.001Z");
    CHECK(j["wall_time"] == "0.046");
    CHECK(j["number_of_runs"] == 1);
    CHECK(j["cpu_time_limit"] == "2.5");
    CHECK(j["cpu_extra_time"] == "1.0");
    CHECK(j["wall_time_limit"] == "10.0");
    CHECK(j["memory_limit"] == 128000);
    CHECK(j["stack_limit"] == 64000);
    CHECK(j["max_processes_and_or_threads"] == 60);
    CHECK(j["enable_per_process_and_thread_time_limit"] == false);
    CHECK(j["enable_per_process_and_thread_memory_limit"] == false);
    CHECK(j["max_file_size"] == 1024);
    CHECK(j["exit_code"] == 0);
    CHECK(j["exit_signal"].is_null());
    CHECK(j["compiler_options"] == "-O2");
    CHECK(j["command_line_arguments"].is_null());
    CHECK(j["redirect_stderr_to_stdout"] == false);
    CHECK(j["callback_url"].is_null());
    CHECK(j["additional_files"] == "UEsDBA==\n");
    CHECK(j["enable_network"] == false);
    CHECK(j["language"] == json{{"id", 71}, {"name", "Python (3.11.2)"}});
}

TEST_CASE("judge0: render an unfinished submission", "[judge0]") {
    Record r;
    r.token = "t";
    r.source_code = "x";
    r.language_id = 12345;  // a language no longer offered
    r.created_at_ms = 0;
    const json j = api::render(r, api::all_judge0_fields(), false, lookup());
    CHECK(j["status"] == json{{"id", 1}, {"description", "In Queue"}});
    CHECK(j["finished_at"].is_null());
    CHECK(j["time"].is_null());
    CHECK(j["wall_time"].is_null());
    CHECK(j["memory"].is_null());
    CHECK(j["exit_code"].is_null());
    CHECK(j["stdout"].is_null());
    CHECK(j["created_at"] == "1970-01-01T00:00:00.000Z");
    CHECK(j["language"] == json{{"id", 12345}, {"name", nullptr}});
}

TEST_CASE("judge0: render with base64 encodes the text fields, wrapped", "[judge0]") {
    Record r = finished();
    r.stdout_data = binary;
    r.compile_output = "warning";
    r.message = "Memory limit exceeded";
    r.expected_output = std::string(100, 'e');
    r.compiler_options = "-O2";
    const json j = api::render(r, api::all_judge0_fields(), true, lookup());
    CHECK(j["stdout"] == b64::encode_wrapped(binary));
    CHECK(j["stderr"].is_null());
    CHECK(j["compile_output"] == "d2FybmluZw==\n");
    CHECK(j["message"] == b64::encode_wrapped("Memory limit exceeded"));
    CHECK(j["source_code"] == b64::encode_wrapped("print(input())"));
    CHECK(j["stdin"] == "aGk=\n");
    const std::string eo = j["expected_output"];
    CHECK(eo.find('\n') == 60);
    CHECK(b64::decode(eo) == std::string(100, 'e'));
    // Not encoded by Judge0.
    CHECK(j["token"] == "d85cd024-1548-4165-96c7-7bc88673f194");
    CHECK(j["compiler_options"] == "-O2");
    CHECK(j["time"] == "0.012");
}

TEST_CASE("judge0: output that is not UTF-8 without base64 throws NotUtf8", "[judge0]") {
    for (const std::string& bad : {binary, std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                   std::string("\xf4\x90\x80\x80"), std::string("ok\xe2\x82")}) {
        Record r = finished();
        r.stderr_data = bad;
        CHECK_THROWS_AS(api::render(r, api::default_fields(), false, lookup()), api::NotUtf8);
        CHECK_NOTHROW(api::render(r, api::default_fields(), true, lookup()));
        // Only the requested fields count.
        CHECK_NOTHROW(api::render(r, {"token", "status"}, false, lookup()));
    }
    Record r = finished();
    r.source_code = binary;
    try {
        api::render(r, {"source_code"}, false, lookup());
        FAIL("no exception");
    } catch (const api::NotUtf8& e) {
        CHECK(std::string(e.what()) ==
              "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query "
              "parameter");
    }
    // Valid multi-byte text passes.
    r.stdout_data = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    CHECK(api::render(r, {"stdout"}, false, lookup())["stdout"] == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST_CASE("judge0: render the extensions only when named", "[judge0]") {
    Record r = finished();
    r.comparator = "tokens";
    r.verdict_json = R"({"name":"Accepted","short":"AC","detail":""})";
    r.tests_json = json::array({json{{"stdin_b64", b64::encode("1 2\n")}, {"expected_output_b64", b64::encode("3")}},
                                json{{"stdin_b64", b64::encode(binary)}}})
                       .dump();
    r.test_results_json =
        json::array({json{{"name", "1"}, {"stdout_b64", b64::encode("3\n")}, {"stderr_b64", ""}, {"time", 0.01}},
                     json{{"name", "2"}, {"stdout_b64", b64::encode(binary)}, {"skipped", false}}})
            .dump();

    const json star = api::render(r, api::all_judge0_fields(), false, lookup());
    for (const auto& ext : api::extension_fields()) CHECK_FALSE(star.contains(ext));

    const json j = api::render(r, {"verdict", "comparator", "tests", "test_results"}, false, lookup());
    CHECK(j.size() == 4);
    CHECK(j["verdict"] == json{{"name", "Accepted"}, {"short", "AC"}, {"detail", ""}});
    CHECK(j["comparator"] == "tokens");
    CHECK(j["tests"][0] == json{{"stdin", "1 2\n"}, {"expected_output", "3"}});
    CHECK(j["tests"][1] == json{{"stdin_b64", b64::encode(binary)}});  // not UTF-8: stays base64, key says so
    CHECK(j["test_results"][0] == json{{"name", "1"}, {"stdout", "3\n"}, {"stderr", ""}, {"time", 0.01}});
    CHECK(j["test_results"][1]["stdout_b64"] == b64::encode(binary));
    CHECK(j["test_results"][1]["skipped"] == false);
    CHECK_NOTHROW(j.dump());

    const json e = api::render(r, {"tests", "test_results"}, true, lookup());
    CHECK(e["tests"][0] == json{{"stdin", "MSAyCg==\n"}, {"expected_output", "Mw==\n"}});
    CHECK(e["tests"][1] == json{{"stdin", b64::encode_wrapped(binary)}});
    CHECK(e["test_results"][1]["stdout"] == b64::encode_wrapped(binary));

    Record bare = finished();
    bare.comparator.clear();
    const json n = api::render(bare, {"verdict", "test_results", "tests", "comparator"}, false, lookup());
    CHECK(n["verdict"].is_null());
    CHECK(n["test_results"].is_null());
    CHECK(n["tests"].is_null());
    CHECK(n["comparator"] == "judge0");
}

TEST_CASE("judge0: a parsed submission renders back to what was sent", "[judge0]") {
    json body = {{"source_code", "print(input())"},
                 {"language_id", 71},
                 {"stdin", "hi"},
                 {"expected_output", "hi"},
                 {"cpu_time_limit", "2"},
                 {"memory_limit", 64000},
                 {"command_line_arguments", "-v"},
                 {"tests", json::array({json{{"stdin", "a"}, {"expected_output", "a"}}})}};
    const auto p = parse(body);
    REQUIRE(p.errors.empty());
    const json j = api::render(p.record,
                              {"source_code", "stdin", "expected_output", "cpu_time_limit", "memory_limit",
                               "command_line_arguments", "tests", "comparator"},
                              false, lookup());
    CHECK(j["source_code"] == "print(input())");
    CHECK(j["stdin"] == "hi");
    CHECK(j["expected_output"] == "hi");
    CHECK(j["cpu_time_limit"] == "2.0");
    CHECK(j["memory_limit"] == 64000);
    CHECK(j["command_line_arguments"] == "-v");
    CHECK(j["tests"] == json::array({json{{"stdin", "a"}, {"expected_output", "a"}}}));
    CHECK(j["comparator"] == "judge0");
}

// --- formats -----------------------------------------------------------------

TEST_CASE("judge0: iso8601_ms", "[judge0]") {
    CHECK(api::iso8601_ms(0) == "1970-01-01T00:00:00.000Z");
    CHECK(api::iso8601_ms(1712576571856) == "2024-04-08T11:42:51.856Z");
    CHECK(api::iso8601_ms(1709251199999) == "2024-02-29T23:59:59.999Z");
    CHECK(api::iso8601_ms(4107542400000) == "2100-03-01T00:00:00.000Z");
    CHECK(api::iso8601_ms(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(api::iso8601_ms(5) == "1970-01-01T00:00:00.005Z");
}

TEST_CASE("judge0: seconds_text", "[judge0]") {
    CHECK(api::seconds_text(0.012) == "0.012");
    CHECK(api::seconds_text(0) == "0.000");
    CHECK(api::seconds_text(1) == "1.000");
    CHECK(api::seconds_text(12.3456) == "12.346");
    CHECK(api::seconds_text(0.0004) == "0.000");
    CHECK(api::seconds_text(15.018) == "15.018");
}

// --- query strings -----------------------------------------------------------

TEST_CASE("judge0: parse_query", "[judge0]") {
    using Q = std::map<std::string, std::string>;
    CHECK(api::parse_query("a=1&b=x%20y") == Q{{"a", "1"}, {"b", "x y"}});
    CHECK(api::parse_query("fields=stdout%2Cstatus&base64_encoded=true") ==
          Q{{"fields", "stdout,status"}, {"base64_encoded", "true"}});
    CHECK(api::parse_query("q=a+b%2Bc") == Q{{"q", "a b+c"}});
    CHECK(api::parse_query("x=%zz&y=%4&z=100%") == Q{{"x", "%zz"}, {"y", "%4"}, {"z", "100%"}});
    CHECK(api::parse_query("k=1&k=2") == Q{{"k", "2"}});
    CHECK(api::parse_query("wait&&=v&e=") == Q{{"wait", ""}, {"e", ""}});
    CHECK(api::parse_query("fie%6Cds=a=b") == Q{{"fields", "a=b"}});
    CHECK(api::parse_query("%41%62=%c3%A9") == Q{{"Ab", "\xc3\xa9"}});
    CHECK(api::parse_query("").empty());
    CHECK(api::parse_query("?page=2") == Q{{"page", "2"}});
}

TEST_CASE("judge0: parse_bool", "[judge0]") {
    CHECK(api::parse_bool("true") == true);
    CHECK(api::parse_bool("TRUE") == true);
    CHECK(api::parse_bool("True") == true);
    CHECK(api::parse_bool("1") == true);
    CHECK(api::parse_bool("false") == false);
    CHECK(api::parse_bool("FaLsE") == false);
    CHECK(api::parse_bool("0") == false);
    CHECK_FALSE(api::parse_bool("yes"));
    CHECK_FALSE(api::parse_bool(""));
    CHECK_FALSE(api::parse_bool(" true"));
    CHECK_FALSE(api::parse_bool("10"));
}
