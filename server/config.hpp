// The service's configuration: Judge0's keys (the ones GET /config_info
// reports, same names, same units and defaults as Judge0 CE 1.13.1 except
// where a comment says why not) and the service's own.
//
// Sources, each overriding the one before: built-in defaults; the file given
// by --config (lines KEY=VALUE, '#' comments, keys are the environment
// names); the environment (Judge0's names, upper case: MAX_QUEUE_SIZE,
// AUTHN_TOKEN, CPU_TIME_LIMIT, ...; ours prefixed JUDGED_); the command line
// (--listen ADDR:PORT, --data-dir DIR, --workers N, --role R, --config FILE).
// A real judge0.conf loads: Judge0's keys of parts this service does not
// have (REDIS_*, RAILS_*, SECRET_KEY_BASE, ...) are ignored with a warning
// each, POSTGRES_* name the store's server, COUNT is the number of workers; per-process limits turned
// on by default are refused.
//
// Thread-safety: a loaded Config is immutable and shared read-only.
// Errors: load_config throws ConfigError naming the source (file:line, the
// variable, the flag) and the key for any unknown flag, malformed value or
// value out of range.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace server {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Config {
    // --- Service (ours).
    std::string listen_address = "0.0.0.0";
    std::uint16_t port = 2358;
    std::string data_dir = "/var/lib/judge";  // judge.db, compile cache, work folders
    unsigned workers = 0;                     // 0: the number of CPUs
    int worker_nice = 10;                     // 0..19: workers' threads and their boxes; HTTP stays at 0
    std::string languages_file;               // empty: judge::Catalog::default_path()
    std::size_t max_body_bytes = 32u << 20;   // request body cap (413 beyond)
    unsigned header_timeout_seconds = 10;     // a request's header must arrive within
    unsigned body_timeout_seconds = 30;       // and its body within
    unsigned idle_timeout_seconds = 60;       // keep-alive connection idle
    unsigned max_connections = 1024;          // beyond: accepted and closed at once
    unsigned max_connections_per_ip = 128;    // from one client address; beyond: the same
    unsigned shutdown_grace_seconds = 20;     // SIGTERM: running work may finish within
    std::int64_t purge_after_seconds = 7 * 24 * 3600;  // finished submissions older go; 0: never
    std::int64_t idempotency_retention_seconds = 86400;  // an Idempotency-Key names its submission for this long
    std::int64_t max_source_bytes = 1 << 20;           // source_code
    std::int64_t max_stdin_bytes = 8 << 20;            // stdin, expected_output (each test)
    std::int64_t max_tests = 200;                      // extension `tests`
    std::int64_t workdir_max_bytes = 256 << 20;        // what one compile or run may leave in its folder
    std::int64_t workdir_max_files = 16384;            // and how many files and folders
    std::string sqlite_synchronous = "FULL";           // FULL or NORMAL
    // The store (server/store/store.hpp): empty is sqlite://<data_dir>/judge.db,
    // or Judge0's POSTGRES_* below when POSTGRES_HOST is set.
    std::string store_url;
    unsigned store_pool = 8;                 // PostgreSQL connections per process
    std::string postgres_host, postgres_db = "judge0", postgres_user = "judge0", postgres_password;
    unsigned postgres_port = 5432;
    // Leases: a claim holds its row this long unless renewed every heartbeat.
    // A dead node's work is queued again within lease + heartbeat.
    unsigned lease_seconds = 20;
    unsigned heartbeat_seconds = 5;
    std::string role = "all";  // api (HTTP, no judging), worker (judging, health and metrics only), all
    std::string release = "0.1.0";                     // our own release (GET /about)

    // --- Auth (Judge0: AUTHN_HEADER/AUTHN_TOKEN, AUTHZ_HEADER/AUTHZ_TOKEN;
    // tokens comma-separated; empty: open).
    std::string authn_header = "X-Auth-Token";
    std::vector<std::string> authn_tokens;
    std::string authz_header = "X-Auth-User";
    std::vector<std::string> authz_tokens;

    // --- Clients (Judge0's names): lists separated by spaces or commas;
    // empty: everyone. See server/cors.hpp and server/client_filter.hpp.
    std::vector<std::string> allow_origin, disallow_origin;
    std::vector<std::string> allow_ip, disallow_ip;

    // --- Judge0 keys (GET /config_info). Units: seconds, KB.
    bool allow_enable_network = false;  // Judge0: true. A box is offline unless the operator says so.
    bool allow_enable_per_process_and_thread_memory_limit = false;  // limits are per box, see README
    bool allow_enable_per_process_and_thread_time_limit = false;
    std::vector<std::string> allowed_languages_for_compile_options;  // language names; empty: all
    int callbacks_max_tries = 3;
    bool callbacks_allow_private = false;  // extension: loopback/private receivers (tests)
    std::string callbacks_ca_file;         // extension: PEM roots trusted for https callbacks besides the system's
    double callbacks_timeout = 5;
    double cpu_extra_time = 1, cpu_time_limit = 5;
    bool enable_additional_files = true;
    bool enable_batched_submissions = true;
    bool enable_callbacks = true;
    bool enable_command_line_arguments = true;
    bool enable_compiler_options = true;
    bool enable_network = false;
    bool enable_per_process_and_thread_memory_limit = false;
    bool enable_per_process_and_thread_time_limit = false;
    bool enable_submission_delete = false;
    bool enable_wait_result = true;
    bool maintenance_mode = false;
    double max_cpu_extra_time = 5, max_cpu_time_limit = 15;
    std::int64_t max_extract_size = 10240;  // KB, additional_files unzipped
    std::int64_t max_file_size = 1024, max_max_file_size = 4096;
    int max_max_processes_and_or_threads = 120;
    std::int64_t max_memory_limit = 512000;
    int max_number_of_runs = 20;
    int max_processes_and_or_threads = 60;
    int max_queue_size = 100;
    std::int64_t max_stack_limit = 128000;
    int max_submission_batch_size = 20;
    double max_wall_time_limit = 20;
    std::int64_t memory_limit = 128000;
    int number_of_runs = 1;
    bool redirect_stderr_to_stdout = false;
    std::int64_t stack_limit = 64000;
    double submission_cache_duration = 1;
    bool use_docs_as_homepage = false;
    double wall_time_limit = 10;

    // What load_config read but does not use (Judge0's keys of parts this
    // service does not have: Redis, Postgres, Rails, ...): one line each,
    // naming the key and the source, never the value. The caller logs them.
    std::vector<std::string> warnings;
};

// The store's url: store_url, else PostgreSQL from POSTGRES_HOST..., else
// sqlite://<data_dir>/judge.db.
std::string effective_store_url(const Config& c);
// The same with any password replaced by "***", for logs.
std::string redacted_store_url(const Config& c);

// `env` is the environment as NAME -> value (pass the process's; tests pass
// their own). `argv` without the program name.
Config load_config(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);

// The process's environment as a map, for load_config.
std::map<std::string, std::string> environment();

// GET /config_info: every Judge0 key above, exactly those, as JSON text.
std::string config_info_json(const Config& c);

// A table of every key (environment name, default, meaning) for --help and
// the README.
std::string config_help();

}  // namespace server
