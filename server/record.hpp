// One submission as the service keeps it: what the client sent (after
// validation and base64 decoding), and what judging produced. The store
// persists it (server/store/store.hpp); the Judge0 mapping reads it from requests
// and renders it into responses (server/judge0/judge0.hpp); the workers fill its
// outputs. Plain value type: copy it freely, no locking inside.
//
// Units are Judge0's, so the mapping is 1:1: seconds for times (double),
// kilobytes for memory and file sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace server {

// Judge0's 14 status ids (../shared/JUDGE0-API.md, "Statuses").
namespace status {
inline constexpr int in_queue = 1, processing = 2, accepted = 3, wrong_answer = 4, time_limit = 5,
                     compilation_error = 6, sigsegv = 7, sigxfsz = 8, sigfpe = 9, sigabrt = 10, nzec = 11,
                     runtime_other = 12, internal_error = 13, exec_format_error = 14;
}
// "In Queue", "Accepted", "Runtime Error (SIGSEGV)", ...; nullptr for an id
// outside 1..14.
const char* status_description(int id);

struct Record {
    std::int64_t id = 0;  // store's row id; 0 until inserted
    std::string token;    // uuid4 text, 36 chars

    // --- Input (Judge0 names and units).
    std::string source_code;
    int language_id = 0;
    std::optional<std::string> compiler_options, command_line_arguments;
    std::optional<std::string> stdin_data, expected_output;
    std::optional<std::string> callback_url;
    std::optional<std::string> additional_files;  // the zip's bytes (decoded from base64)
    double cpu_time_limit = 5, cpu_extra_time = 1, wall_time_limit = 10;  // seconds
    std::int64_t memory_limit = 128000, stack_limit = 64000, max_file_size = 1024;  // KB
    int max_processes_and_or_threads = 60;
    int number_of_runs = 1;
    bool enable_per_process_and_thread_time_limit = false;
    bool enable_per_process_and_thread_memory_limit = false;
    bool redirect_stderr_to_stdout = false;
    bool enable_network = false;
    // Extension: several tests in one submission. Empty, or a JSON array of
    // {"stdin_b64": base64, "expected_output_b64": base64-or-absent}: the
    // decoded bytes, base64-encoded (unwrapped) since they need not be UTF-8.
    std::string tests_json;
    // Extension: judged against a problem package (issue: contest
    // semantics). The version is pinned when the submission is accepted.
    std::optional<std::string> problem_id;
    std::optional<std::int64_t> problem_version;
    // Extension: the comparator's name ("judge0" default; see judge/comparator.hpp).
    std::string comparator;

    // --- Output.
    int status_id = status::in_queue;
    std::optional<std::string> stdout_data, stderr_data, compile_output, message;
    std::optional<int> exit_code, exit_signal;
    std::optional<double> time, wall_time;  // seconds
    std::optional<std::int64_t> memory;     // KB
    std::int64_t created_at_ms = 0;         // Unix time in milliseconds
    std::optional<std::int64_t> finished_at_ms;
    // Extension: our own verdict ("Memory Limit Exceeded"; see judge/verdict.hpp)
    // as a JSON object text {"name","short","detail"}; empty until finished.
    std::string verdict_json;
    // Extension: per-test results, a JSON array text; empty unless the
    // submission had `tests`.
    std::string test_results_json;
    // Extension: a problem submission's result (verdict, score, groups,
    // tests) as JSON text; empty otherwise.
    std::string problem_result_json;

    // --- The claim (the store's; see server/store/store.hpp): the worker
    // that holds or last held it (host:pid:thread; empty before any claim)
    // and the claim's number. Kept after finish as who judged it.
    std::string worker;
    std::int64_t claim_no = 0;
};

}  // namespace server
