#include "server/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/http/client_filter.hpp"

extern char** environ;  // POSIX; <unistd.h> declares it only with _GNU_SOURCE

namespace server {
namespace {

// A malformed or out-of-range value; load_config adds the source and key.
struct BadValue {
    std::string what;
};

std::string_view trim(std::string_view s) {
    constexpr std::string_view ws = " \t\r\n\v\f";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Ruby's Float#to_s for the values a configuration holds: "5.0", "0.5".
std::string float_text(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
}

bool parse_bool_value(std::string_view s, bool* out) {
    const std::string v = lower(trim(s));
    if (v == "true" || v == "1" || v == "yes") {
        *out = true;
        return true;
    }
    if (v == "false" || v == "0" || v == "no") {
        *out = false;
        return true;
    }
    return false;
}

std::int64_t parse_integer(std::string_view s, std::int64_t min, std::int64_t max) {
    std::string_view t = trim(s);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    std::int64_t v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || r.ec == std::errc::invalid_argument || r.ptr != t.data() + t.size())
        throw BadValue{in_quotes(s) + " is not an integer"};
    if (r.ec == std::errc::result_out_of_range || v < min || v > max)
        throw BadValue{in_quotes(s) + " is out of range " + std::to_string(min) + ".." + std::to_string(max)};
    return v;
}

double parse_number(std::string_view s, double min, bool min_exclusive, double max) {
    std::string_view t = trim(s);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    double v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(v))
        throw BadValue{in_quotes(s) + " is not a number"};
    if (v < min || (min_exclusive && v == min) || v > max)
        throw BadValue{in_quotes(s) + " must be " + (min_exclusive ? "greater than " : "at least ") + float_text(min) +
                       " and at most " + float_text(max)};
    return v;
}

// Comma-separated, each item trimmed, empty items dropped.
std::vector<std::string> split_commas(std::string_view s) {
    std::vector<std::string> out;
    while (true) {
        const auto comma = s.find(',');
        const std::string_view item = trim(s.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

// Judge0's conf separates language names by spaces ("C C++ Java"); a list
// with a comma is split on commas instead, so full names with spaces
// ("C++ (GCC 12.2.0), Java") can be given too.
std::vector<std::string> split_languages(std::string_view s) {
    if (s.find(',') != std::string_view::npos) return split_commas(s);
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    for (std::string word; in >> word;) out.push_back(word);
    return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += sep;
        out += v[i];
    }
    return out;
}

// RFC 9110 token characters: what an HTTP header name may hold.
bool is_header_name(std::string_view s) {
    if (s.empty()) return false;
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

void set_listen(Config& c, std::string_view value) {
    const std::string_view v = trim(value);
    std::string_view addr, port;
    if (!v.empty() && v.front() == '[') {  // [v6]:port
        const auto close = v.find(']');
        if (close == std::string_view::npos || close + 1 >= v.size() || v[close + 1] != ':')
            throw BadValue{in_quotes(value) + " is not ADDR:PORT"};
        addr = v.substr(1, close - 1);
        port = v.substr(close + 2);
    } else {
        const auto colon = v.rfind(':');
        if (colon == std::string_view::npos) throw BadValue{in_quotes(value) + " is not ADDR:PORT"};
        addr = v.substr(0, colon);
        port = v.substr(colon + 1);
        if (addr.find(':') != std::string_view::npos)
            throw BadValue{in_quotes(value) + ": an IPv6 address goes in brackets, [::1]:2358"};
    }
    for (const char ch : addr)
        if (ch == ' ' || ch == '\t') throw BadValue{in_quotes(value) + " is not ADDR:PORT"};
    std::int64_t p = 0;
    try {
        p = parse_integer(port, 1, 65535);
    } catch (const BadValue&) {
        throw BadValue{in_quotes(value) + ": the port must be 1..65535"};
    }
    c.listen_address = addr.empty() ? std::string("0.0.0.0") : std::string(addr);
    c.port = static_cast<std::uint16_t>(p);
}

// One configuration key: its name (environment and file), how to set it
// from text, how to show its value, and what it means.
struct Entry {
    const char* name;
    std::function<void(Config&, std::string_view)> set;
    std::function<std::string(const Config&)> show;
    const char* help;
};

template <class T>
Entry integer(const char* name, T Config::*m, std::int64_t min, std::int64_t max, const char* help) {
    return {name,
            [m, min, max](Config& c, std::string_view v) { c.*m = static_cast<T>(parse_integer(v, min, max)); },
            [m](const Config& c) { return std::to_string(c.*m); }, help};
}

Entry number(const char* name, double Config::*m, double min, bool min_exclusive, double max, const char* help) {
    return {name, [=](Config& c, std::string_view v) { c.*m = parse_number(v, min, min_exclusive, max); },
            [m](const Config& c) { return float_text(c.*m); }, help};
}

Entry boolean(const char* name, bool Config::*m, const char* help) {
    return {name,
            [m](Config& c, std::string_view v) {
                if (!parse_bool_value(v, &(c.*m)))
                    throw BadValue{in_quotes(v) + " is not a boolean (true/false/1/0/yes/no)"};
            },
            [m](const Config& c) { return std::string(c.*m ? "true" : "false"); }, help};
}

Entry text(const char* name, std::string Config::*m, const char* help) {
    return {name, [m](Config& c, std::string_view v) { c.*m = std::string(trim(v)); },
            [m](const Config& c) { return c.*m; }, help};
}

Entry header(const char* name, std::string Config::*m, const char* help) {
    return {name,
            [m](Config& c, std::string_view v) {
                const std::string_view t = trim(v);
                if (!is_header_name(t)) throw BadValue{in_quotes(v) + " is not an HTTP header name"};
                c.*m = std::string(t);
            },
            [m](const Config& c) { return c.*m; }, help};
}

Entry tokens(const char* name, std::vector<std::string> Config::*m, const char* help) {
    return {name, [m](Config& c, std::string_view v) { c.*m = split_commas(v); },
            [m](const Config& c) { return join(c.*m, ","); }, help};
}

// Judge0's client lists: separated by spaces, commas or both.
std::vector<std::string> split_words(std::string_view s) {
    std::string t(s);
    std::replace(t.begin(), t.end(), ',', ' ');
    std::vector<std::string> out;
    std::istringstream in(t);
    for (std::string word; in >> word;) out.push_back(word);
    return out;
}

Entry origins(const char* name, std::vector<std::string> Config::*m, const char* help) {
    return {name,
            [m](Config& c, std::string_view v) {
                std::vector<std::string> list = split_words(v);
                for (const std::string& o : list)
                    for (const char ch : o)
                        if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f || ch == '"')
                            throw BadValue{in_quotes(o) + " is not an origin"};
                c.*m = std::move(list);
            },
            [m](const Config& c) { return join(c.*m, " "); }, help};
}

Entry addresses(const char* name, std::vector<std::string> Config::*m, const char* help) {
    return {name,
            [m](Config& c, std::string_view v) {
                std::vector<std::string> list = split_words(v);
                for (const std::string& a : list) {
                    try {
                        parse_address_range(a);
                    } catch (const std::invalid_argument& e) {
                        throw BadValue{e.what()};
                    }
                }
                c.*m = std::move(list);
            },
            [m](const Config& c) { return join(c.*m, " "); }, help};
}

constexpr std::int64_t kib_per_gib = 1 << 20;
constexpr std::int64_t one_gib = std::int64_t{1} << 30;

const std::vector<Entry>& entries() {
    static const std::vector<Entry> table = [] {
        std::vector<Entry> t;
        // --- Service (ours).
        t.push_back({"JUDGED_LISTEN", set_listen,
                     [](const Config& c) {
                         const bool v6 = c.listen_address.find(':') != std::string::npos;
                         return (v6 ? "[" + c.listen_address + "]" : c.listen_address) + ":" + std::to_string(c.port);
                     },
                     "address and port to listen on (ADDR:PORT, [V6ADDR]:PORT); flag --listen"});
        t.push_back({"JUDGED_DATA_DIR",
                     [](Config& c, std::string_view v) { c.data_dir = std::string(trim(v)); },
                     [](const Config& c) { return c.data_dir; },
                     "folder of judge.db, the compile cache and work folders; flag --data-dir"});
        t.push_back(integer("JUDGED_WORKERS", &Config::workers, 0, 256,
                            "judging threads, 0: one per CPU; flag --workers"));
        t.push_back(integer("JUDGED_WORKER_NICE", &Config::worker_nice, 0, 19,
                            "nice of the judging threads and their boxes (HTTP threads stay at 0)"));
        t.push_back(text("JUDGED_LANGUAGES_FILE", &Config::languages_file,
                         "language catalog file; empty: the built-in default path"));
        t.push_back(integer("JUDGED_MAX_BODY_BYTES", &Config::max_body_bytes, 1024, one_gib,
                            "largest request body accepted (413 beyond)"));
        t.push_back(integer("JUDGED_HEADER_TIMEOUT_SECONDS", &Config::header_timeout_seconds, 1, 3600,
                            "a request's header must arrive within"));
        t.push_back(integer("JUDGED_BODY_TIMEOUT_SECONDS", &Config::body_timeout_seconds, 1, 3600,
                            "a request's body must arrive within"));
        t.push_back(integer("JUDGED_IDLE_TIMEOUT_SECONDS", &Config::idle_timeout_seconds, 1, 86400,
                            "an idle keep-alive connection is closed after"));
        t.push_back(integer("JUDGED_MAX_CONNECTIONS", &Config::max_connections, 1, 1000000,
                            "open connections; beyond, new ones are closed at once"));
        t.push_back(integer("JUDGED_MAX_CONNECTIONS_PER_IP", &Config::max_connections_per_ip, 1, 1000000,
                            "open connections from one client address; beyond, new ones are closed at once"));
        t.push_back(integer("JUDGED_SHUTDOWN_GRACE_SECONDS", &Config::shutdown_grace_seconds, 0, 3600,
                            "on SIGTERM, running work may finish within"));
        t.push_back(integer("JUDGED_PURGE_AFTER_SECONDS", &Config::purge_after_seconds, 0,
                            std::int64_t{100} * 366 * 24 * 3600,
                            "finished submissions older than this are deleted; 0: never"));
        t.push_back(integer("JUDGED_IDEMPOTENCY_RETENTION_SECONDS", &Config::idempotency_retention_seconds, 1,
                            std::int64_t{100} * 366 * 24 * 3600,
                            "an Idempotency-Key names its submission for this long"));
        t.push_back(integer("JUDGED_MAX_SOURCE_BYTES", &Config::max_source_bytes, 1, one_gib,
                            "largest source_code (bytes, decoded)"));
        t.push_back(integer("JUDGED_MAX_STDIN_BYTES", &Config::max_stdin_bytes, 1, one_gib,
                            "largest stdin or expected_output, also per test (bytes, decoded)"));
        t.push_back(integer("JUDGED_MAX_TESTS", &Config::max_tests, 1, 100000,
                            "most tests in one submission (extension `tests`)"));
        t.push_back(integer("JUDGED_WORKDIR_MAX_BYTES", &Config::workdir_max_bytes, 1 << 20, std::int64_t{64} << 30,
                            "bytes one compile or run may leave in its working folder (a tmpfs of its own, "
                            "charged to the box's memory); over it: Output Limit Exceeded"));
        t.push_back(integer("JUDGED_WORKDIR_MAX_FILES", &Config::workdir_max_files, 64, 10000000,
                            "files and folders one compile or run may leave in its working folder"));
        t.push_back({"JUDGED_SQLITE_SYNCHRONOUS",
                     [](Config& c, std::string_view v) {
                         const std::string u = upper(trim(v));
                         if (u != "FULL" && u != "NORMAL") throw BadValue{in_quotes(v) + " is not FULL or NORMAL"};
                         c.sqlite_synchronous = u;
                     },
                     [](const Config& c) { return c.sqlite_synchronous; },
                     "SQLite synchronous mode: FULL (every commit durable) or NORMAL"});
        t.push_back({"JUDGED_STORE",
                     [](Config& c, std::string_view v) {
                         const std::string u(trim(v));
                         if (u.rfind("sqlite://", 0) != 0 && u.rfind("postgresql://", 0) != 0 &&
                             u.rfind("postgres://", 0) != 0)
                             throw BadValue{in_quotes(v) + " is neither sqlite:///PATH nor postgresql://..."};
                         c.store_url = u;
                     },
                     [](const Config& c) { return c.store_url; },
                     "the store: sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DB; empty: "
                     "POSTGRES_* when POSTGRES_HOST is set, else sqlite://DATA_DIR/judge.db"});
        t.push_back(integer("JUDGED_STORE_POOL", &Config::store_pool, 2, 256,
                            "PostgreSQL connections per process"));
        t.push_back(text("POSTGRES_HOST", &Config::postgres_host,
                         "Judge0's: the PostgreSQL server (a host name, address or socket folder), used when "
                         "JUDGED_STORE is empty"));
        t.push_back(integer("POSTGRES_PORT", &Config::postgres_port, 1, 65535, "Judge0's: its port"));
        t.push_back(text("POSTGRES_DB", &Config::postgres_db, "Judge0's: the database"));
        t.push_back(text("POSTGRES_USER", &Config::postgres_user, "Judge0's: the role"));
        t.push_back(text("POSTGRES_PASSWORD", &Config::postgres_password, "Judge0's: its password"));
        t.push_back(integer("JUDGED_LEASE_SECONDS", &Config::lease_seconds, 2, 3600,
                            "a claimed submission is queued again when its worker has not renewed it for this "
                            "long (a dead node)"));
        t.push_back(integer("JUDGED_HEARTBEAT_SECONDS", &Config::heartbeat_seconds, 1, 1800,
                            "how often a worker renews its leases and any node requeues expired ones; at most "
                            "half of JUDGED_LEASE_SECONDS"));
        t.push_back({"JUDGED_ROLE",
                     [](Config& c, std::string_view v) {
                         const std::string r(trim(v));
                         if (r != "api" && r != "worker" && r != "all")
                             throw BadValue{in_quotes(v) + " is not api, worker or all"};
                         c.role = r;
                     },
                     [](const Config& c) { return c.role; },
                     "api: serves HTTP, never judges; worker: judges, serves only /health, /health/live, "
                     "/metrics; all: both; flag --role"});
        // --- Auth (Judge0's names).
        t.push_back(header("AUTHN_HEADER", &Config::authn_header, "header carrying the authentication token"));
        t.push_back(tokens("AUTHN_TOKEN", &Config::authn_tokens,
                           "accepted authentication tokens, comma-separated; empty: no authentication"));
        t.push_back(header("AUTHZ_HEADER", &Config::authz_header, "header carrying the authorization token"));
        t.push_back(tokens("AUTHZ_TOKEN", &Config::authz_tokens,
                           "accepted authorization tokens, comma-separated; empty: Judge0's authorized routes "
                           "open, operator routes (problem upload/delete, submission delete) refused"));
        // --- Clients (Judge0's names).
        t.push_back(origins("ALLOW_ORIGIN", &Config::allow_origin,
                            "origins whose browser pages may call the API (scheme://host[:port], or host[:port] "
                            "for any scheme; space- or comma-separated); empty: every origin"));
        t.push_back(origins("DISALLOW_ORIGIN", &Config::disallow_origin,
                            "origins refused (403) even when ALLOW_ORIGIN would admit them"));
        t.push_back(addresses("ALLOW_IP", &Config::allow_ip,
                              "client addresses or CIDR ranges that may use the API (space- or comma-separated); "
                              "empty: every client; others get 403"));
        t.push_back(addresses("DISALLOW_IP", &Config::disallow_ip,
                              "client addresses or CIDR ranges refused (403)"));
        // --- Judge0's keys (GET /config_info), seconds and KB.
        t.push_back(boolean("ALLOW_ENABLE_NETWORK", &Config::allow_enable_network,
                            "a submission may set enable_network=true"));
        t.push_back(boolean("ALLOW_ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT",
                            &Config::allow_enable_per_process_and_thread_memory_limit,
                            "a submission may set enable_per_process_and_thread_memory_limit=true"));
        t.push_back(boolean("ALLOW_ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT",
                            &Config::allow_enable_per_process_and_thread_time_limit,
                            "a submission may set enable_per_process_and_thread_time_limit=true"));
        t.push_back({"ALLOWED_LANGUAGES_FOR_COMPILE_OPTIONS",
                     [](Config& c, std::string_view v) { c.allowed_languages_for_compile_options = split_languages(v); },
                     [](const Config& c) { return join(c.allowed_languages_for_compile_options, ","); },
                     "languages (name prefixes, space- or comma-separated) that take compiler_options; empty: all"});
        t.push_back(boolean("CALLBACKS_ALLOW_PRIVATE", &Config::callbacks_allow_private,
                            "callbacks may go to loopback and private addresses (link-local never)"));
        t.push_back(text("CALLBACKS_CA_FILE", &Config::callbacks_ca_file,
                         "PEM file of certificates trusted for https callbacks besides the system's store"));
        t.push_back(integer("CALLBACKS_MAX_TRIES", &Config::callbacks_max_tries, 1, 100,
                            "attempts to deliver a callback"));
        t.push_back(number("CALLBACKS_TIMEOUT", &Config::callbacks_timeout, 0, true, 3600,
                           "seconds each callback attempt may take"));
        t.push_back(number("CPU_EXTRA_TIME", &Config::cpu_extra_time, 0, false, 3600,
                           "default extra CPU seconds before a program over its limit is killed"));
        t.push_back(number("CPU_TIME_LIMIT", &Config::cpu_time_limit, 0, true, 86400, "default CPU time limit (s)"));
        t.push_back(boolean("ENABLE_ADDITIONAL_FILES", &Config::enable_additional_files,
                            "submissions may carry additional_files"));
        t.push_back(boolean("ENABLE_BATCHED_SUBMISSIONS", &Config::enable_batched_submissions,
                            "POST/GET /submissions/batch are served"));
        t.push_back(boolean("ENABLE_CALLBACKS", &Config::enable_callbacks, "submissions may set callback_url"));
        t.push_back(boolean("ENABLE_COMMAND_LINE_ARGUMENTS", &Config::enable_command_line_arguments,
                            "submissions may set command_line_arguments"));
        t.push_back(boolean("ENABLE_COMPILER_OPTIONS", &Config::enable_compiler_options,
                            "submissions may set compiler_options"));
        t.push_back(boolean("ENABLE_NETWORK", &Config::enable_network, "default of enable_network"));
        t.push_back(boolean("ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT",
                            &Config::enable_per_process_and_thread_memory_limit,
                            "default of enable_per_process_and_thread_memory_limit"));
        t.push_back(boolean("ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT",
                            &Config::enable_per_process_and_thread_time_limit,
                            "default of enable_per_process_and_thread_time_limit"));
        t.push_back(boolean("ENABLE_SUBMISSION_DELETE", &Config::enable_submission_delete,
                            "DELETE /submissions/{token} is served (needs the authorization token)"));
        t.push_back(boolean("ENABLE_WAIT_RESULT", &Config::enable_wait_result, "POST /submissions?wait=true is served"));
        t.push_back(boolean("MAINTENANCE_MODE", &Config::maintenance_mode, "refuse new submissions with 503"));
        t.push_back(number("MAX_CPU_EXTRA_TIME", &Config::max_cpu_extra_time, 0, false, 3600,
                           "largest cpu_extra_time a submission may ask (s)"));
        t.push_back(number("MAX_CPU_TIME_LIMIT", &Config::max_cpu_time_limit, 0, true, 86400,
                           "largest cpu_time_limit a submission may ask (s)"));
        t.push_back(integer("MAX_EXTRACT_SIZE", &Config::max_extract_size, 1, kib_per_gib * 16,
                            "largest additional_files, zipped and unzipped (KB)"));
        t.push_back(integer("MAX_FILE_SIZE", &Config::max_file_size, 0, kib_per_gib * 16,
                            "default largest file a program may write (KB)"));
        t.push_back(integer("MAX_MAX_FILE_SIZE", &Config::max_max_file_size, 1, kib_per_gib * 16,
                            "largest max_file_size a submission may ask (KB)"));
        t.push_back(integer("MAX_MAX_PROCESSES_AND_OR_THREADS", &Config::max_max_processes_and_or_threads, 1, 100000,
                            "largest max_processes_and_or_threads a submission may ask"));
        t.push_back(integer("MAX_MEMORY_LIMIT", &Config::max_memory_limit, 1, kib_per_gib * 1024,
                            "largest memory_limit a submission may ask (KB)"));
        t.push_back(integer("MAX_NUMBER_OF_RUNS", &Config::max_number_of_runs, 1, 1000,
                            "largest number_of_runs a submission may ask"));
        t.push_back(integer("MAX_PROCESSES_AND_OR_THREADS", &Config::max_processes_and_or_threads, 1, 100000,
                            "default processes and threads a program may have"));
        t.push_back(integer("MAX_QUEUE_SIZE", &Config::max_queue_size, 1, 100000000,
                            "submissions waiting beyond this are refused with 503"));
        t.push_back(integer("MAX_STACK_LIMIT", &Config::max_stack_limit, 1, kib_per_gib * 1024,
                            "largest stack_limit a submission may ask (KB)"));
        t.push_back(integer("MAX_SUBMISSION_BATCH_SIZE", &Config::max_submission_batch_size, 1, 10000,
                            "most submissions in one batch"));
        t.push_back(number("MAX_WALL_TIME_LIMIT", &Config::max_wall_time_limit, 0, true, 86400,
                           "largest wall_time_limit a submission may ask (s)"));
        t.push_back(integer("MEMORY_LIMIT", &Config::memory_limit, 1, kib_per_gib * 1024, "default memory limit (KB)"));
        t.push_back(integer("NUMBER_OF_RUNS", &Config::number_of_runs, 1, 1000, "default number_of_runs"));
        t.push_back(boolean("REDIRECT_STDERR_TO_STDOUT", &Config::redirect_stderr_to_stdout,
                            "default of redirect_stderr_to_stdout"));
        t.push_back(integer("STACK_LIMIT", &Config::stack_limit, 1, kib_per_gib * 1024, "default stack limit (KB)"));
        t.push_back(number("SUBMISSION_CACHE_DURATION", &Config::submission_cache_duration, 0, false, 86400,
                           "seconds a finished submission may be cached by clients (reported only)"));
        t.push_back(boolean("USE_DOCS_AS_HOMEPAGE", &Config::use_docs_as_homepage, "GET / shows the API documentation"));
        t.push_back(number("WALL_TIME_LIMIT", &Config::wall_time_limit, 0, true, 86400, "default wall time limit (s)"));
        return t;
    }();
    return table;
}

// Judge0's judge0.conf keys for parts this service does not have: read
// from a file, ignored with a warning each.
constexpr const char* judge0_ignored_keys[] = {
    "RAILS_ENV", "RAILS_MAX_THREADS", "RAILS_SERVER_PROCESSES", "RAILS_LOG_TO_STDOUT", "RAILS_SERVE_STATIC_FILES",
    "SECRET_KEY_BASE", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DB", "REDIS_USE_SSL", "REDIS_URL",
    "DATABASE_URL",
    "INTERVAL", "QUEUE", "JUDGE0_TELEMETRY_ENABLE", "MAINTENANCE_MESSAGE",
    "JUDGE0_HOMEPAGE", "JUDGE0_SOURCE_CODE", "JUDGE0_MAINTAINER", "JUDGE0_VERSION", "ISOLATE_BOX_ID_OFFSET",
};

const Entry* find_entry(std::string_view name) {
    for (const Entry& e : entries())
        if (name == e.name) return &e;
    return nullptr;
}

struct Flag {
    const char* flag;
    const char* key;  // nullptr: --config
};
constexpr Flag flags[] = {
    {"--listen", "JUDGED_LISTEN"},
    {"--data-dir", "JUDGED_DATA_DIR"},
    {"--workers", "JUDGED_WORKERS"},
    {"--role", "JUDGED_ROLE"},
    {"--config", nullptr},
};

// One value from one source, applied in order (later ones win).
struct Assignment {
    const Entry* entry;
    std::string value;
    std::string source;  // "judge.conf:12", "environment", "--workers"
};

std::vector<Assignment> read_file(const std::string& path, std::vector<std::string>* warnings) {
    std::ifstream in(path);
    if (!in) {
        const int err = errno;
        throw ConfigError("--config " + path + ": cannot open: " + std::strerror(err));
    }
    std::vector<Assignment> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const std::string where = path + ":" + std::to_string(number);
        const std::string_view t = trim(line);
        if (t.empty() || t.front() == '#') continue;
        const auto eq = t.find('=');
        if (eq == std::string_view::npos) throw ConfigError(where + ": expected KEY=VALUE, got " + in_quotes(t));
        std::string_view key = trim(t.substr(0, eq));
        std::string_view value = trim(t.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        // Judge0's conf lists every key with an empty value for "default".
        const bool empty = trim(value).empty();
        if (key == "COUNT") key = "JUDGED_WORKERS";  // Judge0's number of workers
        const Entry* e = find_entry(key);
        if (!e) {
            const auto is = [&](const auto& list) {
                return std::any_of(std::begin(list), std::end(list), [&](const char* k) { return key == k; });
            };
            if (is(judge0_ignored_keys)) {
                if (!empty) warnings->push_back(where + ": " + std::string(key) + " is Judge0's, not used here: ignored");
                continue;
            }
            throw ConfigError(where + ": unknown key " + std::string(key));
        }
        if (empty) continue;
        out.push_back({e, std::string(value), where});
    }
    if (in.bad()) throw ConfigError("--config " + path + ": read error");
    return out;
}

void check_at_most(const std::map<std::string, std::string>& origin, const char* key, double value,
                   const char* max_key, double max, bool integral) {
    if (value <= max) return;
    auto show = [integral](double v) {
        return integral ? std::to_string(static_cast<std::int64_t>(v)) : float_text(v);
    };
    throw ConfigError(std::string(key) + "=" + show(value) + " (" + origin.at(key) + ") exceeds " + max_key + "=" +
                      show(max) + " (" + origin.at(max_key) + ")");
}

}  // namespace

Config load_config(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    // The command line first: it names the file, and its values win last.
    std::vector<Assignment> from_argv;
    std::optional<std::string> config_file;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        std::string name = arg, value;
        bool has_value = false;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
            has_value = true;
        }
        const Flag* flag = nullptr;
        for (const Flag& f : flags)
            if (name == f.flag) flag = &f;
        if (!flag) throw ConfigError(arg.rfind("-", 0) == 0 ? "unknown flag " + name : "unexpected argument " + in_quotes(arg));
        if (!has_value) {
            if (i + 1 >= argv.size()) throw ConfigError(name + ": missing value");
            value = argv[++i];
        }
        if (trim(value).empty()) throw ConfigError(name + ": empty value");
        if (!flag->key)
            config_file = value;
        else
            from_argv.push_back({find_entry(flag->key), value, name});
    }

    std::vector<Assignment> all;
    std::vector<std::string> warnings;
    if (config_file) all = read_file(*config_file, &warnings);
    for (const Entry& e : entries()) {
        const auto it = env.find(e.name);
        if (it == env.end() || trim(it->second).empty()) continue;
        all.push_back({&e, it->second, "environment"});
    }
    all.insert(all.end(), from_argv.begin(), from_argv.end());

    Config c;
    std::map<std::string, std::string> origin;
    for (const Entry& e : entries()) origin[e.name] = "default";
    for (const Assignment& a : all) {
        try {
            a.entry->set(c, a.value);
        } catch (const BadValue& bad) {
            const std::string source = a.source == "environment" ? "environment " + std::string(a.entry->name)
                                                                  : a.source + ": " + a.entry->name;
            throw ConfigError(source + ": " + bad.what);
        }
        origin[a.entry->name] = a.source;
    }

    // A default above its maximum would make every submission that keeps
    // the default fail validation.
    check_at_most(origin, "CPU_TIME_LIMIT", c.cpu_time_limit, "MAX_CPU_TIME_LIMIT", c.max_cpu_time_limit, false);
    check_at_most(origin, "CPU_EXTRA_TIME", c.cpu_extra_time, "MAX_CPU_EXTRA_TIME", c.max_cpu_extra_time, false);
    check_at_most(origin, "WALL_TIME_LIMIT", c.wall_time_limit, "MAX_WALL_TIME_LIMIT", c.max_wall_time_limit, false);
    check_at_most(origin, "MEMORY_LIMIT", static_cast<double>(c.memory_limit), "MAX_MEMORY_LIMIT",
                  static_cast<double>(c.max_memory_limit), true);
    check_at_most(origin, "STACK_LIMIT", static_cast<double>(c.stack_limit), "MAX_STACK_LIMIT",
                  static_cast<double>(c.max_stack_limit), true);
    check_at_most(origin, "MAX_PROCESSES_AND_OR_THREADS", c.max_processes_and_or_threads,
                  "MAX_MAX_PROCESSES_AND_OR_THREADS", c.max_max_processes_and_or_threads, true);
    check_at_most(origin, "MAX_FILE_SIZE", static_cast<double>(c.max_file_size), "MAX_MAX_FILE_SIZE",
                  static_cast<double>(c.max_max_file_size), true);
    check_at_most(origin, "NUMBER_OF_RUNS", c.number_of_runs, "MAX_NUMBER_OF_RUNS", c.max_number_of_runs, true);
    if (c.heartbeat_seconds * 2 > c.lease_seconds)
        throw ConfigError("JUDGED_HEARTBEAT_SECONDS=" + std::to_string(c.heartbeat_seconds) + " (" +
                          origin.at("JUDGED_HEARTBEAT_SECONDS") + ") is more than half of JUDGED_LEASE_SECONDS=" +
                          std::to_string(c.lease_seconds) + " (" + origin.at("JUDGED_LEASE_SECONDS") +
                          "): one late renewal would lose a live worker's claim");
    // Limits are per box; a per-process default would refuse every
    // submission that keeps it (judge0::parse_submission answers 422).
    for (const char* key : {"ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT", "ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT"}) {
        const bool on = std::string_view(key).find("TIME") != std::string_view::npos
                            ? c.enable_per_process_and_thread_time_limit
                            : c.enable_per_process_and_thread_memory_limit;
        if (on)
            throw ConfigError(std::string(key) + "=true (" + origin.at(key) +
                              "): per-process limits are not supported; limits apply to the whole box");
    }
    c.warnings = std::move(warnings);
    return c;
}

namespace {
// A libpq key=value value, quoted (spaces, quotes and backslashes survive).
std::string conninfo_value(const std::string& v) {
    std::string out = "'";
    for (const char ch : v) {
        if (ch == '\'' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "'";
}

std::string store_url_of(const Config& c, bool redact) {
    if (!c.store_url.empty()) {
        if (!redact) return c.store_url;
        // scheme://user:password@host -> scheme://user:***@host
        const auto scheme = c.store_url.find("://");
        const auto at = c.store_url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
        if (scheme == std::string::npos || at == std::string::npos) return c.store_url;
        const auto colon = c.store_url.find(':', scheme + 3);
        if (colon == std::string::npos || colon > at) return c.store_url;
        return c.store_url.substr(0, colon + 1) + "***" + c.store_url.substr(at);
    }
    if (!c.postgres_host.empty()) {
        std::string s = "host=" + conninfo_value(c.postgres_host) + " port=" + std::to_string(c.postgres_port) +
                        " dbname=" + conninfo_value(c.postgres_db) + " user=" + conninfo_value(c.postgres_user);
        if (!c.postgres_password.empty()) s += " password=" + (redact ? std::string("***") : conninfo_value(c.postgres_password));
        return s;
    }
    return "sqlite://" + c.data_dir + "/judge.db";
}
}  // namespace

std::string effective_store_url(const Config& c) { return store_url_of(c, false); }
std::string redacted_store_url(const Config& c) { return store_url_of(c, true); }

std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view kv(*e);
        const auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return out;
}

std::string config_info_json(const Config& c) {
    // Judge0 CE 1.13.1's /config_info keys, exactly (../shared/JUDGE0-API.md);
    // seconds as JSON floats, sizes and counts as integers.
    nlohmann::ordered_json j;
    j["enable_wait_result"] = c.enable_wait_result;
    j["enable_compiler_options"] = c.enable_compiler_options;
    j["allowed_languages_for_compile_options"] = c.allowed_languages_for_compile_options;
    j["enable_command_line_arguments"] = c.enable_command_line_arguments;
    j["enable_submission_delete"] = c.enable_submission_delete;
    j["enable_callbacks"] = c.enable_callbacks;
    j["callbacks_max_tries"] = c.callbacks_max_tries;
    j["callbacks_timeout"] = c.callbacks_timeout;
    j["enable_additional_files"] = c.enable_additional_files;
    j["max_queue_size"] = c.max_queue_size;
    j["cpu_time_limit"] = c.cpu_time_limit;
    j["max_cpu_time_limit"] = c.max_cpu_time_limit;
    j["cpu_extra_time"] = c.cpu_extra_time;
    j["max_cpu_extra_time"] = c.max_cpu_extra_time;
    j["wall_time_limit"] = c.wall_time_limit;
    j["max_wall_time_limit"] = c.max_wall_time_limit;
    j["memory_limit"] = c.memory_limit;
    j["max_memory_limit"] = c.max_memory_limit;
    j["stack_limit"] = c.stack_limit;
    j["max_stack_limit"] = c.max_stack_limit;
    j["max_processes_and_or_threads"] = c.max_processes_and_or_threads;
    j["max_max_processes_and_or_threads"] = c.max_max_processes_and_or_threads;
    j["enable_per_process_and_thread_time_limit"] = c.enable_per_process_and_thread_time_limit;
    j["allow_enable_per_process_and_thread_time_limit"] = c.allow_enable_per_process_and_thread_time_limit;
    j["enable_per_process_and_thread_memory_limit"] = c.enable_per_process_and_thread_memory_limit;
    j["allow_enable_per_process_and_thread_memory_limit"] = c.allow_enable_per_process_and_thread_memory_limit;
    j["max_file_size"] = c.max_file_size;
    j["max_max_file_size"] = c.max_max_file_size;
    j["number_of_runs"] = c.number_of_runs;
    j["max_number_of_runs"] = c.max_number_of_runs;
    j["redirect_stderr_to_stdout"] = c.redirect_stderr_to_stdout;
    j["max_extract_size"] = c.max_extract_size;
    j["enable_batched_submissions"] = c.enable_batched_submissions;
    j["max_submission_batch_size"] = c.max_submission_batch_size;
    j["submission_cache_duration"] = c.submission_cache_duration;
    j["use_docs_as_homepage"] = c.use_docs_as_homepage;
    j["allow_enable_network"] = c.allow_enable_network;
    j["enable_network"] = c.enable_network;
    j["maintenance_mode"] = c.maintenance_mode;
    return j.dump();
}

std::string config_help() {
    const Config defaults;
    std::size_t width = 0;
    for (const Entry& e : entries()) width = std::max(width, std::strlen(e.name));
    std::string out =
        "Configuration (later sources win): built-in default < --config FILE (KEY=VALUE lines, '#' comments,\n"
        "empty value = default) < environment < flags --listen ADDR:PORT, --data-dir DIR, --workers N, --role R.\n"
        "Booleans: true/false/1/0/yes/no. Seconds may have decimals; sizes in KB unless named _BYTES.\n\n";
    for (const Entry& e : entries()) {
        std::string line = e.name;
        line.resize(width + 2, ' ');
        std::string def = e.show(defaults);
        if (def.empty()) def = "(empty)";
        line += def;
        line.resize(std::max(line.size() + 2, width + 2 + 18), ' ');
        line += e.help;
        out += line + "\n";
    }
    return out;
}

}  // namespace server
