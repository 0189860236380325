#include "server/config.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using server::Config;
using server::ConfigError;
using server::load_config;
using Env = std::map<std::string, std::string>;
using Args = std::vector<std::string>;

namespace {

// A config file in the temp folder, removed at scope end.
class TempFile {
public:
    explicit TempFile(const std::string& text) {
        static std::atomic<int> counter{0};
        path_ = (std::filesystem::temp_directory_path() /
                 ("judge-test-config-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".conf"))
                    .string();
        std::ofstream(path_) << text;
    }
    ~TempFile() { std::remove(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

std::string error_of(const Args& argv, const Env& env) {
    try {
        load_config(argv, env);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("config defaults are Judge0's", "[config]") {
    const Config c = load_config({}, {});
    const Config d;
    CHECK(c.listen_address == "0.0.0.0");
    CHECK(c.port == 2358);
    CHECK(c.workers == 0);
    CHECK(c.worker_nice == 10);
    CHECK(c.cpu_time_limit == 5);
    CHECK(c.max_cpu_time_limit == 15);
    CHECK(c.wall_time_limit == d.wall_time_limit);
    CHECK(c.memory_limit == 128000);
    CHECK(c.max_queue_size == 100);
    CHECK(c.authn_header == "X-Auth-Token");
    CHECK(c.authz_header == "X-Auth-User");
    CHECK(c.authn_tokens.empty());
    CHECK(c.allowed_languages_for_compile_options.empty());
    CHECK_FALSE(c.allow_enable_network);
}

TEST_CASE("config reads Judge0's environment names and ours", "[config]") {
    const Env env = {
        {"CPU_TIME_LIMIT", "2.5"},
        {"MAX_QUEUE_SIZE", "7"},
        {"ENABLE_WAIT_RESULT", "no"},
        {"ENABLE_SUBMISSION_DELETE", "YES"},
        {"ALLOW_ENABLE_NETWORK", "1"},
        {"MAINTENANCE_MODE", "0"},
        {"AUTHN_TOKEN", " a, b,,c "},
        {"AUTHN_HEADER", "X-Key"},
        {"AUTHZ_TOKEN", "root"},
        {"ALLOWED_LANGUAGES_FOR_COMPILE_OPTIONS", "C C++  Java"},
        {"JUDGED_WORKERS", "4"},
        {"JUDGED_WORKER_NICE", "0"},
        {"JUDGED_DATA_DIR", "/srv/judge"},
        {"JUDGED_LISTEN", "127.0.0.1:8080"},
        {"JUDGED_MAX_BODY_BYTES", "1048576"},
        {"JUDGED_SQLITE_SYNCHRONOUS", "normal"},
        {"MEMORY_LIMIT", "  "},  // blank: the default, as in Judge0's conf
        {"SOME_OTHER_VARIABLE", "whatever"},
        {"JUDGED_NOT_A_KEY", "ignored"},
    };
    const Config c = load_config({}, env);
    CHECK(c.cpu_time_limit == 2.5);
    CHECK(c.max_queue_size == 7);
    CHECK_FALSE(c.enable_wait_result);
    CHECK(c.enable_submission_delete);
    CHECK(c.allow_enable_network);
    CHECK_FALSE(c.maintenance_mode);
    CHECK(c.authn_tokens == std::vector<std::string>{"a", "b", "c"});
    CHECK(c.authn_header == "X-Key");
    CHECK(c.authz_tokens == std::vector<std::string>{"root"});
    CHECK(c.allowed_languages_for_compile_options == std::vector<std::string>{"C", "C++", "Java"});
    CHECK(c.workers == 4);
    CHECK(c.worker_nice == 0);
    CHECK(c.data_dir == "/srv/judge");
    CHECK(c.listen_address == "127.0.0.1");
    CHECK(c.port == 8080);
    CHECK(c.max_body_bytes == 1048576);
    CHECK(c.sqlite_synchronous == "NORMAL");
    CHECK(c.memory_limit == 128000);
}

TEST_CASE("config: allowed languages with commas keep names with spaces", "[config]") {
    const Config c = load_config({}, {{"ALLOWED_LANGUAGES_FOR_COMPILE_OPTIONS", "C++ (GCC 12.2.0), Java"}});
    CHECK(c.allowed_languages_for_compile_options == std::vector<std::string>{"C++ (GCC 12.2.0)", "Java"});
}

TEST_CASE("config flags", "[config]") {
    const Config c = load_config({"--listen", "[::1]:9000", "--data-dir=/tmp/x", "--workers", "256"}, {});
    CHECK(c.listen_address == "::1");
    CHECK(c.port == 9000);
    CHECK(c.data_dir == "/tmp/x");
    CHECK(c.workers == 256);

    const Config any = load_config({"--listen", ":2400"}, {});
    CHECK(any.listen_address == "0.0.0.0");
    CHECK(any.port == 2400);
}

TEST_CASE("config precedence: defaults < file < environment < flags", "[config]") {
    const TempFile file(
        "# judge.conf\n"
        "\n"
        "CPU_TIME_LIMIT=3\n"
        "WALL_TIME_LIMIT = 12\n"
        "MAX_QUEUE_SIZE=\"50\"\n"
        "JUDGED_WORKERS=2\n"
        "JUDGED_DATA_DIR=/from/file\n"
        "MEMORY_LIMIT=\n"  // Judge0's conf: empty is the default
        "   # indented comment\n"
        "AUTHN_TOKEN='t1,t2'\n");
    const Env env = {{"WALL_TIME_LIMIT", "14"}, {"JUDGED_WORKERS", "3"}, {"JUDGED_DATA_DIR", "/from/env"}};

    const Config only_file = load_config({"--config", file.path()}, {});
    CHECK(only_file.cpu_time_limit == 3);
    CHECK(only_file.wall_time_limit == 12);
    CHECK(only_file.max_queue_size == 50);
    CHECK(only_file.workers == 2);
    CHECK(only_file.memory_limit == 128000);
    CHECK(only_file.authn_tokens == std::vector<std::string>{"t1", "t2"});

    const Config c = load_config({"--config=" + file.path(), "--workers", "5"}, env);
    CHECK(c.cpu_time_limit == 3);               // file
    CHECK(c.max_queue_size == 50);              // file
    CHECK(c.wall_time_limit == 14);             // env over file
    CHECK(c.data_dir == "/from/env");           // env over file
    CHECK(c.workers == 5);                      // flag over env and file
    CHECK(c.max_cpu_time_limit == 15);          // default
}

TEST_CASE("config file errors name the file and line", "[config]") {
    {
        const TempFile file("CPU_TIME_LIMIT=2\nCPU_TIME_LIMT=3\n");
        const std::string e = error_of({"--config", file.path()}, {});
        CHECK(e == file.path() + ":2: unknown key CPU_TIME_LIMT");
    }
    {
        const TempFile file("# ok\nnot a pair\n");
        const std::string e = error_of({"--config", file.path()}, {});
        CHECK(e.rfind(file.path() + ":2: expected KEY=VALUE", 0) == 0);
    }
    {
        const TempFile file("\n\nENABLE_CALLBACKS=maybe\n");
        const std::string e = error_of({"--config", file.path()}, {});
        CHECK(e.rfind(file.path() + ":3: ENABLE_CALLBACKS: \"maybe\" is not a boolean", 0) == 0);
    }
    {
        const std::string e = error_of({"--config", "/nonexistent/judge.conf"}, {});
        CHECK(e.rfind("--config /nonexistent/judge.conf: cannot open", 0) == 0);
    }
}

TEST_CASE("config values are validated with the source and key", "[config]") {
    CHECK(error_of({}, {{"CPU_TIME_LIMIT", "abc"}}) == "environment CPU_TIME_LIMIT: \"abc\" is not a number");
    CHECK(error_of({}, {{"MAX_QUEUE_SIZE", "1.5"}}) == "environment MAX_QUEUE_SIZE: \"1.5\" is not an integer");
    CHECK(error_of({}, {{"MAX_QUEUE_SIZE", "0"}}).find("MAX_QUEUE_SIZE: \"0\" is out of range 1..") !=
          std::string::npos);
    CHECK(error_of({}, {{"CPU_TIME_LIMIT", "0"}}).find("environment CPU_TIME_LIMIT: \"0\" must be greater than 0.0") ==
          0);
    CHECK(error_of({}, {{"MAX_CPU_TIME_LIMIT", "inf"}}) ==
          "environment MAX_CPU_TIME_LIMIT: \"inf\" is not a number");
    CHECK(error_of({"--workers", "257"}, {}) == "--workers: JUDGED_WORKERS: \"257\" is out of range 0..256");
    CHECK(error_of({"--workers", "-1"}, {}).find("out of range") != std::string::npos);
    CHECK(error_of({}, {{"JUDGED_WORKER_NICE", "20"}}) ==
          "environment JUDGED_WORKER_NICE: \"20\" is out of range 0..19");
    CHECK(error_of({}, {{"JUDGED_WORKER_NICE", "-5"}}) ==
          "environment JUDGED_WORKER_NICE: \"-5\" is out of range 0..19");
    CHECK(error_of({}, {{"JUDGED_WORKER_NICE", "low"}}) == "environment JUDGED_WORKER_NICE: \"low\" is not an integer");
    CHECK(error_of({"--listen", "0.0.0.0:0"}, {}).find("--listen: JUDGED_LISTEN:") == 0);
    CHECK(error_of({"--listen", "0.0.0.0:65536"}, {}).find("port must be 1..65535") != std::string::npos);
    CHECK(error_of({"--listen", "localhost"}, {}).find("is not ADDR:PORT") != std::string::npos);
    CHECK(error_of({"--listen", "::1:80"}, {}).find("brackets") != std::string::npos);
    CHECK(error_of({}, {{"JUDGED_SQLITE_SYNCHRONOUS", "OFF"}}).find("is not FULL or NORMAL") != std::string::npos);
    CHECK(error_of({}, {{"AUTHN_HEADER", "X Auth"}}).find("is not an HTTP header name") != std::string::npos);
    // The ends of the range are fine.
    CHECK(load_config({}, {{"JUDGED_WORKER_NICE", "19"}}).worker_nice == 19);
    CHECK(load_config({}, {{"JUDGED_WORKER_NICE", "0"}}).worker_nice == 0);
    // 65535 is fine.
    CHECK(load_config({"--listen", "10.0.0.1:65535"}, {}).port == 65535);
}

TEST_CASE("config: a default above its maximum is refused, naming both and their sources", "[config]") {
    const std::string e = error_of({}, {{"CPU_TIME_LIMIT", "16"}});
    CHECK(e == "CPU_TIME_LIMIT=16.0 (environment) exceeds MAX_CPU_TIME_LIMIT=15.0 (default)");
    const TempFile file("MAX_MEMORY_LIMIT=100000\n");
    const std::string m = error_of({"--config", file.path()}, {});
    CHECK(m == "MEMORY_LIMIT=128000 (default) exceeds MAX_MEMORY_LIMIT=100000 (" + file.path() + ":1)");
    CHECK(error_of({}, {{"NUMBER_OF_RUNS", "5"}, {"MAX_NUMBER_OF_RUNS", "4"}}).find("NUMBER_OF_RUNS=5") == 0);
    // Raising both together is fine.
    const Config ok = load_config({}, {{"CPU_TIME_LIMIT", "16"}, {"MAX_CPU_TIME_LIMIT", "30"}});
    CHECK(ok.cpu_time_limit == 16);
}

TEST_CASE("config command line errors", "[config]") {
    CHECK(error_of({"--verbose"}, {}) == "unknown flag --verbose");
    CHECK(error_of({"--workers"}, {}) == "--workers: missing value");
    CHECK(error_of({"--workers="}, {}) == "--workers: empty value");
    CHECK(error_of({"serve"}, {}) == "unexpected argument \"serve\"");
    CHECK(error_of({"--help"}, {}) == "unknown flag --help");  // the caller handles --help first
}

TEST_CASE("config_info has exactly Judge0's keys with Judge0's types", "[config]") {
    Config c;
    c.allowed_languages_for_compile_options = {"C", "C++"};
    const auto j = nlohmann::json::parse(server::config_info_json(c));
    REQUIRE(j.is_object());
    const std::set<std::string> expected = {
        "allow_enable_network",
        "allow_enable_per_process_and_thread_memory_limit",
        "allow_enable_per_process_and_thread_time_limit",
        "allowed_languages_for_compile_options",
        "callbacks_max_tries",
        "callbacks_timeout",
        "cpu_extra_time",
        "cpu_time_limit",
        "enable_additional_files",
        "enable_batched_submissions",
        "enable_callbacks",
        "enable_command_line_arguments",
        "enable_compiler_options",
        "enable_network",
        "enable_per_process_and_thread_memory_limit",
        "enable_per_process_and_thread_time_limit",
        "enable_submission_delete",
        "enable_wait_result",
        "maintenance_mode",
        "max_cpu_extra_time",
        "max_cpu_time_limit",
        "max_extract_size",
        "max_file_size",
        "max_max_file_size",
        "max_max_processes_and_or_threads",
        "max_memory_limit",
        "max_number_of_runs",
        "max_processes_and_or_threads",
        "max_queue_size",
        "max_stack_limit",
        "max_submission_batch_size",
        "max_wall_time_limit",
        "memory_limit",
        "number_of_runs",
        "redirect_stderr_to_stdout",
        "stack_limit",
        "submission_cache_duration",
        "use_docs_as_homepage",
        "wall_time_limit",
    };
    std::set<std::string> got;
    for (const auto& [k, v] : j.items()) got.insert(k);
    CHECK(got == expected);
    CHECK(got.size() == 39);

    const std::set<std::string> floats = {"callbacks_timeout",  "cpu_extra_time",      "cpu_time_limit",
                                          "max_cpu_extra_time", "max_cpu_time_limit",  "max_wall_time_limit",
                                          "wall_time_limit",    "submission_cache_duration"};
    for (const auto& [k, v] : j.items()) {
        INFO(k);
        if (k == "allowed_languages_for_compile_options") {
            CHECK(v == nlohmann::json::array({"C", "C++"}));
        } else if (floats.count(k)) {
            CHECK(v.is_number_float());
        } else if (k.rfind("enable_", 0) == 0 || k.rfind("allow_", 0) == 0 || k == "maintenance_mode" ||
                   k == "redirect_stderr_to_stdout" || k == "use_docs_as_homepage") {
            CHECK(v.is_boolean());
        } else {
            CHECK(v.is_number_integer());
        }
    }
    CHECK(j["cpu_time_limit"].get<double>() == 5.0);
    CHECK(server::config_info_json(c).find("\"cpu_time_limit\":5.0") != std::string::npos);
    CHECK(j["max_queue_size"] == 100);
}

TEST_CASE("config_help lists every key with its default", "[config]") {
    const std::string help = server::config_help();
    for (const char* key : {"JUDGED_LISTEN", "JUDGED_WORKERS", "JUDGED_WORKER_NICE", "JUDGED_DATA_DIR",
                            "JUDGED_MAX_BODY_BYTES", "AUTHN_TOKEN", "AUTHZ_HEADER", "CPU_TIME_LIMIT", "MAX_QUEUE_SIZE",
                            "ALLOWED_LANGUAGES_FOR_COMPILE_OPTIONS", "MAINTENANCE_MODE", "WALL_TIME_LIMIT"}) {
        INFO(key);
        CHECK(help.find(std::string("\n") + key + " ") != std::string::npos);
    }
    CHECK(help.find("0.0.0.0:2358") != std::string::npos);
    CHECK(help.find("X-Auth-Token") != std::string::npos);
}

TEST_CASE("environment() reads the process environment", "[config]") {
    ::setenv("JUDGE_TEST_CONFIG_VAR", "a=b", 1);
    const auto env = server::environment();
    ::unsetenv("JUDGE_TEST_CONFIG_VAR");
    REQUIRE(env.count("JUDGE_TEST_CONFIG_VAR") == 1);
    CHECK(env.at("JUDGE_TEST_CONFIG_VAR") == "a=b");
}

TEST_CASE("config: a real judge0.conf loads, Judge0-only keys ignored with one warning each, POSTGRES_* used", "[config]") {
    // The shape of Judge0 CE 1.13.1's judge0.conf: every section, secrets
    // set, most service keys left empty for their defaults.
    TempFile f(R"(################################################################################
# Judge0 Configuration File
################################################################################
# RAILS_ENV=production
RAILS_MAX_THREADS=
RAILS_SERVER_PROCESSES=
SECRET_KEY_BASE=
ALLOW_ORIGIN=
DISALLOW_ORIGIN=
ALLOW_IP=
DISALLOW_IP=
AUTHN_HEADER=
AUTHN_TOKEN=
AUTHZ_HEADER=
AUTHZ_TOKEN=operator1
MAINTENANCE_MODE=
MAINTENANCE_MESSAGE=
ENABLE_WAIT_RESULT=
ENABLE_COMPILER_OPTIONS=
ALLOWED_LANGUAGES_FOR_COMPILE_OPTIONS=
ENABLE_COMMAND_LINE_ARGUMENTS=
ENABLE_SUBMISSION_DELETE=
ENABLE_CALLBACKS=
CALLBACKS_MAX_TRIES=
CALLBACKS_TIMEOUT=
ENABLE_ADDITIONAL_FILES=
SUBMISSION_CACHE_DURATION=
USE_DOCS_AS_HOMEPAGE=
JUDGE0_TELEMETRY_ENABLE=
REDIS_HOST=redis
REDIS_PORT=
REDIS_PASSWORD=YourPasswordHere1234
POSTGRES_HOST=db
POSTGRES_PORT=
POSTGRES_DB=judge0
POSTGRES_USER=judge0
POSTGRES_PASSWORD=YourPasswordHere1234
INTERVAL=
COUNT=3
MAX_QUEUE_SIZE=
CPU_TIME_LIMIT=
MAX_CPU_TIME_LIMIT=
CPU_EXTRA_TIME=
MAX_CPU_EXTRA_TIME=
WALL_TIME_LIMIT=
MAX_WALL_TIME_LIMIT=
MEMORY_LIMIT=
MAX_MEMORY_LIMIT=
STACK_LIMIT=
MAX_STACK_LIMIT=
MAX_PROCESSES_AND_OR_THREADS=
MAX_MAX_PROCESSES_AND_OR_THREADS=
ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT=
ALLOW_ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT=
ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT=
ALLOW_ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT=
MAX_FILE_SIZE=
MAX_MAX_FILE_SIZE=
NUMBER_OF_RUNS=
MAX_NUMBER_OF_RUNS=
REDIRECT_STDERR_TO_STDOUT=
MAX_EXTRACT_SIZE=
ENABLE_BATCHED_SUBMISSIONS=
MAX_SUBMISSION_BATCH_SIZE=
ENABLE_NETWORK=
ALLOW_ENABLE_NETWORK=
)");
    const Config c = load_config({"--config", f.path()}, {});
    CHECK(c.workers == 3);  // COUNT
    CHECK(c.authz_tokens == std::vector<std::string>{"operator1"});
    CHECK(c.max_queue_size == 100);
    REQUIRE(c.warnings.size() == 2);
    std::set<std::string> warned;
    for (const auto& w : c.warnings) {
        CHECK(w.find(f.path() + ":") == 0);
        CHECK(w.find("ignored") != std::string::npos);
        CHECK(w.find("YourPasswordHere1234") == std::string::npos);  // values are never repeated
        warned.insert(w.substr(w.find(": ") + 2, w.find(' ', w.find(": ") + 2) - w.find(": ") - 2));
    }
    CHECK(warned == std::set<std::string>{"REDIS_HOST", "REDIS_PASSWORD"});
    // Judge0's database settings point the store at its server.
    CHECK(server::effective_store_url(c) ==
          "host='db' port=5432 dbname='judge0' user='judge0' password='YourPasswordHere1234'");
    CHECK(server::redacted_store_url(c).find("YourPasswordHere1234") == std::string::npos);

    // A key that is nobody's is still an error.
    TempFile typo("MAX_QUEUE_SIZ=5\n");
    CHECK(error_of({"--config", typo.path()}, {}) == typo.path() + ":1: unknown key MAX_QUEUE_SIZ");
}

TEST_CASE("config: Judge0's client filters, origins and addresses", "[config]") {
    TempFile f("ALLOW_ORIGIN=\"www.judge0.example judge0.example\"\nDISALLOW_ORIGIN=http://bad.example\n"
               "ALLOW_IP=10.0.0.1 192.168.0.0/16,::1\nDISALLOW_IP=192.168.9.0/24\n");
    const Config c = load_config({"--config", f.path()}, {});
    CHECK(c.allow_origin == std::vector<std::string>{"www.judge0.example", "judge0.example"});
    CHECK(c.disallow_origin == std::vector<std::string>{"http://bad.example"});
    CHECK(c.allow_ip == std::vector<std::string>{"10.0.0.1", "192.168.0.0/16", "::1"});
    CHECK(c.disallow_ip == std::vector<std::string>{"192.168.9.0/24"});
    CHECK(c.warnings.empty());
    const std::string bad = error_of({}, {{"ALLOW_IP", "10.0.0.1 10.0.0.0/40"}});
    CHECK(bad.find("ALLOW_IP") != std::string::npos);
    CHECK(bad.find("\"10.0.0.0/40\": the prefix length must be 0..32") != std::string::npos);
    CHECK(error_of({}, {{"DISALLOW_IP", "somehost"}}).find("is not an IP address or a CIDR range") != std::string::npos);
}

TEST_CASE("config: per-process limits on by default are refused", "[config]") {
    CHECK(error_of({}, {{"ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT", "true"}})
              .find("ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT=true (environment): per-process limits are not "
                    "supported") == 0);
    CHECK(error_of({}, {{"ENABLE_PER_PROCESS_AND_THREAD_MEMORY_LIMIT", "1"}}).find("per-process") != std::string::npos);
    CHECK(load_config({}, {{"ALLOW_ENABLE_PER_PROCESS_AND_THREAD_TIME_LIMIT", "true"}})
              .allow_enable_per_process_and_thread_time_limit);
}

TEST_CASE("config: JUDGED_MAX_CONNECTIONS_PER_IP", "[config]") {
    CHECK(load_config({}, {}).max_connections_per_ip == 128);
    CHECK(load_config({}, {{"JUDGED_MAX_CONNECTIONS_PER_IP", "4"}}).max_connections_per_ip == 4);
    CHECK(error_of({}, {{"JUDGED_MAX_CONNECTIONS_PER_IP", "0"}}).find("JUDGED_MAX_CONNECTIONS_PER_IP") !=
          std::string::npos);
}

TEST_CASE("config: the store's url, the lease settings and the role", "[config]") {
    Config c = load_config({}, {});
    CHECK(server::effective_store_url(c) == "sqlite:///var/lib/judge/judge.db");
    CHECK(c.role == "all");
    CHECK(c.lease_seconds == 20);
    CHECK(c.heartbeat_seconds == 5);
    c = load_config({"--data-dir", "/srv/j", "--role", "worker"}, {});
    CHECK(server::effective_store_url(c) == "sqlite:///srv/j/judge.db");
    CHECK(c.role == "worker");
    c = load_config({}, {{"JUDGED_STORE", "postgresql://judge:s3cret@db.example:6432/judge"},
                         {"POSTGRES_HOST", "ignored-when-JUDGED_STORE-is-set"}});
    CHECK(server::effective_store_url(c) == "postgresql://judge:s3cret@db.example:6432/judge");
    CHECK(server::redacted_store_url(c) == "postgresql://judge:***@db.example:6432/judge");
    c = load_config({}, {{"POSTGRES_HOST", "/run/postgresql"}, {"POSTGRES_PASSWORD", "it's"}});
    CHECK(server::effective_store_url(c) ==
          "host='/run/postgresql' port=5432 dbname='judge0' user='judge0' password='it\\'s'");
    CHECK(error_of({}, {{"JUDGED_STORE", "mysql://x"}}).find("neither sqlite:///PATH nor postgresql://") !=
          std::string::npos);
    CHECK(error_of({"--role", "judge"}, {}) == "--role: JUDGED_ROLE: \"judge\" is not api, worker or all");
    CHECK(error_of({}, {{"JUDGED_LEASE_SECONDS", "8"}, {"JUDGED_HEARTBEAT_SECONDS", "5"}})
              .find("more than half of JUDGED_LEASE_SECONDS=8") != std::string::npos);
}
