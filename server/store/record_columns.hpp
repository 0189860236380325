// What the backends share about a submission row: its columns' order, how a
// Record is bound into an INSERT (and its outputs into finish's UPDATE) and
// read back from a SELECT, and the bookkeeping of insert_groups around the
// backend's own transaction. Binder and Reader are the backend's own
// (sqlite/, postgres/), with the same members: bytes/text/integer/real/null
// to bind in order, bytes/opt_bytes/int32/int64/boolean/real/opt_* to read.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <vector>
#include <string>

#include "server/record.hpp"
#include "server/store/store.hpp"

namespace server {

// The columns of a Record, in the order read_record() reads and bind_record()
// binds them (the SELECTs put `id` in front).
inline constexpr const char* record_columns =
    "token, source_code, language_id, compiler_options, command_line_arguments, stdin, expected_output, "
    "callback_url, additional_files, cpu_time_limit, cpu_extra_time, wall_time_limit, memory_limit, stack_limit, "
    "max_file_size, max_processes_and_or_threads, number_of_runs, enable_per_process_and_thread_time_limit, "
    "enable_per_process_and_thread_memory_limit, redirect_stderr_to_stdout, enable_network, tests_json, "
    "comparator, status_id, stdout, stderr, compile_output, message, exit_code, exit_signal, time, wall_time, "
    "memory, created_at_ms, finished_at_ms, verdict_json, test_results_json, problem_id, problem_version, "
    "problem_result_json";
inline constexpr int record_column_count = 40;

// SELECTs read `id` first and the claim's columns last.
inline constexpr const char* claim_columns_tail = "worker, claim_no";

template <class Binder>
void bind_record(Binder& b, const Record& r, const std::string& token, std::int64_t created_at_ms) {
    b.text(token);
    b.bytes(r.source_code);
    b.integer(r.language_id);
    b.bytes(r.compiler_options);
    b.bytes(r.command_line_arguments);
    b.bytes(r.stdin_data);
    b.bytes(r.expected_output);
    b.bytes(r.callback_url);
    b.bytes(r.additional_files);
    b.real(r.cpu_time_limit);
    b.real(r.cpu_extra_time);
    b.real(r.wall_time_limit);
    b.integer(r.memory_limit);
    b.integer(r.stack_limit);
    b.integer(r.max_file_size);
    b.integer(r.max_processes_and_or_threads);
    b.integer(r.number_of_runs);
    b.integer(r.enable_per_process_and_thread_time_limit);
    b.integer(r.enable_per_process_and_thread_memory_limit);
    b.integer(r.redirect_stderr_to_stdout);
    b.integer(r.enable_network);
    b.bytes(r.tests_json);
    b.bytes(r.comparator);
    b.integer(status::in_queue);
    b.bytes(r.stdout_data);
    b.bytes(r.stderr_data);
    b.bytes(r.compile_output);
    b.bytes(r.message);
    b.integer(r.exit_code);
    b.integer(r.exit_signal);
    b.real(r.time);
    b.real(r.wall_time);
    b.integer(r.memory);
    b.integer(created_at_ms);
    b.integer(r.finished_at_ms);
    b.bytes(r.verdict_json);
    b.bytes(r.test_results_json);
    b.bytes(r.problem_id);
    b.integer(r.problem_version);
    b.bytes(r.problem_result_json);
}

template <class Reader>
Record read_record_columns(Reader& rd) {
    Record r;
    r.id = rd.int64();
    r.token = rd.bytes();
    r.source_code = rd.bytes();
    r.language_id = rd.int32();
    r.compiler_options = rd.opt_bytes();
    r.command_line_arguments = rd.opt_bytes();
    r.stdin_data = rd.opt_bytes();
    r.expected_output = rd.opt_bytes();
    r.callback_url = rd.opt_bytes();
    r.additional_files = rd.opt_bytes();
    r.cpu_time_limit = rd.real();
    r.cpu_extra_time = rd.real();
    r.wall_time_limit = rd.real();
    r.memory_limit = rd.int64();
    r.stack_limit = rd.int64();
    r.max_file_size = rd.int64();
    r.max_processes_and_or_threads = rd.int32();
    r.number_of_runs = rd.int32();
    r.enable_per_process_and_thread_time_limit = rd.boolean();
    r.enable_per_process_and_thread_memory_limit = rd.boolean();
    r.redirect_stderr_to_stdout = rd.boolean();
    r.enable_network = rd.boolean();
    r.tests_json = rd.bytes();
    r.comparator = rd.bytes();
    r.status_id = rd.int32();
    r.stdout_data = rd.opt_bytes();
    r.stderr_data = rd.opt_bytes();
    r.compile_output = rd.opt_bytes();
    r.message = rd.opt_bytes();
    r.exit_code = rd.opt_int32();
    r.exit_signal = rd.opt_int32();
    r.time = rd.opt_real();
    r.wall_time = rd.opt_real();
    r.memory = rd.opt_int64();
    r.created_at_ms = rd.int64();
    r.finished_at_ms = rd.opt_int64();
    r.verdict_json = rd.bytes();
    r.test_results_json = rd.bytes();
    r.problem_id = rd.opt_bytes();
    r.problem_version = rd.opt_int64();
    r.problem_result_json = rd.bytes();
    // The claim (the SELECTs' tail).
    r.worker = rd.opt_bytes().value_or("");
    r.claim_no = rd.int64();
    return r;
}

// The same request, as far as the store can tell: every input the client
// sent (after parsing and defaults) is equal.
inline bool same_inputs(const Record& a, const Record& b) {
    return a.source_code == b.source_code && a.language_id == b.language_id &&
           a.compiler_options == b.compiler_options && a.command_line_arguments == b.command_line_arguments &&
           a.stdin_data == b.stdin_data && a.expected_output == b.expected_output &&
           a.callback_url == b.callback_url && a.additional_files == b.additional_files &&
           a.cpu_time_limit == b.cpu_time_limit && a.cpu_extra_time == b.cpu_extra_time &&
           a.wall_time_limit == b.wall_time_limit && a.memory_limit == b.memory_limit &&
           a.stack_limit == b.stack_limit && a.max_file_size == b.max_file_size &&
           a.max_processes_and_or_threads == b.max_processes_and_or_threads &&
           a.number_of_runs == b.number_of_runs &&
           a.enable_per_process_and_thread_time_limit == b.enable_per_process_and_thread_time_limit &&
           a.enable_per_process_and_thread_memory_limit == b.enable_per_process_and_thread_memory_limit &&
           a.redirect_stderr_to_stdout == b.redirect_stderr_to_stdout && a.enable_network == b.enable_network &&
           a.tests_json == b.tests_json && a.comparator == b.comparator && a.problem_id == b.problem_id;
    // Not problem_version: it is pinned at acceptance, so a retry after a
    // new upload of the problem is still the same request.
}

// finish()'s outputs, in the order of its UPDATE's first 14 parameters:
// status_id, stdout, stderr, compile_output, message, exit_code, exit_signal,
// time, wall_time, memory, finished_at_ms (now when r has none), verdict_json,
// test_results_json, problem_result_json.
template <class Binder>
void bind_outputs(Binder& b, const Record& r) {
    b.integer(r.status_id);
    b.bytes(r.stdout_data);
    b.bytes(r.stderr_data);
    b.bytes(r.compile_output);
    b.bytes(r.message);
    b.integer(r.exit_code);
    b.integer(r.exit_signal);
    b.real(r.time);
    b.real(r.wall_time);
    b.integer(r.memory);
    b.integer(r.finished_at_ms.value_or(now_ms()));
    b.bytes(r.verdict_json);
    b.bytes(r.test_results_json);
    b.bytes(r.problem_result_json);
}

// finish()'s contract: only a final status (3..14) is stored.
inline void require_final_status(const Record& r) {
    if (r.status_id < status::accepted || status_description(r.status_id) == nullptr)
        throw std::invalid_argument("store: finish: status_id " + std::to_string(r.status_id) +
                                    " is not a final status");
}

// One record's part of insert_groups, inside its group's savepoint: what
// becomes of it once the transaction commits.
struct StagedInsert {
    InsertGroup::Outcome outcome = InsertGroup::Outcome::inserted;
    Record earlier;  // replayed: the row the key names
    std::int64_t id = 0;
    std::string token;
    std::int64_t created_at_ms = 0;
};

// insert_groups' contract on its argument: keys empty or one per record.
inline void check_insert_groups(const std::vector<InsertGroup>& groups) {
    for (const InsertGroup& g : groups) {
        if (!g.keys.empty() && g.keys.size() != g.records.size())
            throw std::invalid_argument("store: insert: " + std::to_string(g.keys.size()) + " keys for " +
                                        std::to_string(g.records.size()) + " records");
    }
}

// After the commit: each group's error or outcomes, and its records filled
// (an inserted one's id, token and time; a replayed one becomes the earlier row).
inline void apply_staged(std::vector<InsertGroup>& groups, std::vector<std::vector<StagedInsert>>& staged,
                         const std::vector<std::exception_ptr>& errors) {
    for (std::size_t g = 0; g < groups.size(); ++g) {
        InsertGroup& group = groups[g];
        group.error = errors[g];
        group.outcomes.clear();
        if (group.error) continue;
        for (std::size_t i = 0; i < group.records.size(); ++i) {
            StagedInsert& st = staged[g][i];
            group.outcomes.push_back(st.outcome);
            Record& r = group.records[i];
            if (st.outcome == InsertGroup::Outcome::replayed) {
                r = std::move(st.earlier);
            } else if (st.outcome == InsertGroup::Outcome::inserted) {
                r.id = st.id;
                r.token = std::move(st.token);
                r.created_at_ms = st.created_at_ms;
                r.status_id = status::in_queue;
            }
        }
    }
}

}  // namespace server
