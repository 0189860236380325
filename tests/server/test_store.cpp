#include "server/store/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "server/work/inserter.hpp"
#include "server/metrics.hpp"
#include "server/store/migrations.hpp"
#include "server/store/postgres/postgres_store.hpp"
#include "server/store/sqlite/sqlite_store.hpp"
#include "tests/skip.hpp"
#include "tests/support/pg_server.hpp"
#include "server/work/workers.hpp"

using namespace std::string_literals;
using server::Record;
using server::SqliteStore;
using server::Store;
using server::StoreError;
namespace status = server::status;

namespace {

constexpr auto lease = std::chrono::seconds(60);

// The store of a backend for one test case: SQLite in memory, or a fresh
// database on the test's own PostgreSQL server.
std::unique_ptr<Store> open_backend(const std::string& backend, server::StoreOptions opts = {}) {
    if (backend == "sqlite") return std::make_unique<SqliteStore>(":memory:", opts);
    return std::make_unique<server::PostgresStore>(test_support::PgServer::instance().fresh_database(), opts);
}

server::StoreOptions nosync() {
    server::StoreOptions o;
    o.synchronous_full = false;
    return o;
}

// A mkdtemp folder, removed with everything in it at the end of the test.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "judge-store-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// A second, plain connection to a store's file: what another process, an
// older binary or an operator with sqlite3 would do to it.
SQLite::Database raw(const std::string& path) {
    return SQLite::Database(path, SQLite::OPEN_READWRITE, 5000);
}

std::int64_t raw_int(SQLite::Database& db, const std::string& sql) {
    SQLite::Statement q(db, sql);
    REQUIRE(q.executeStep());
    return q.getColumn(0).getInt64();
}

void set_created_at(SQLite::Database& db, std::int64_t id, std::int64_t ms) {
    SQLite::Statement q(db, "UPDATE submissions SET created_at_ms = ? WHERE id = ?");
    q.bind(1, ms);
    q.bind(2, id);
    REQUIRE(q.exec() == 1);
}

}  // namespace

// Each case using it runs once per backend (Catch2's GENERATE).
#define EACH_BACKEND(s)                                                                         \
    const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");            \
    INFO("backend: " << backend);                                                               \
    if (backend == "postgresql" && !test_support::PgServer::available())                        \
        SKIP_CASE("PostgreSQL 15 is not installed (apt-get install postgresql-15)");            \
    const std::unique_ptr<Store> s##_owner = open_backend(backend);                             \
    Store& s = *s##_owner

namespace {

// One record in a commit of its own (what a single POST gets).
void put(Store& s, Record& r) {
    std::vector<Record> one{r};
    s.insert_batch(one);
    r = std::move(one[0]);
}

Record small(int language_id = 71) {
    Record r;
    r.source_code = "print(1)";
    r.language_id = language_id;
    return r;
}

std::string all_bytes() {
    std::string s;
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
    return s;
}

// Every field set, none to its default; text with NUL and invalid UTF-8.
Record full_record() {
    Record r;
    r.token = "0f8fad5b-d9cb-469f-a165-70867728950e";
    r.source_code = "int main() {\0 return 0; }\xff\xfe"s + "\xc3\x28" + "\xed\xa0\x80";
    r.language_id = 54;
    r.compiler_options = "-O2 -DX=\"\0\""s;
    r.command_line_arguments = "a b\tc";
    r.stdin_data = "\0"s;
    r.expected_output = "3\n\xff"s;
    r.callback_url = "http://example.com/cb?x=1";
    r.additional_files = all_bytes() + all_bytes();
    r.cpu_time_limit = 2.5;
    r.cpu_extra_time = 0.125;
    r.wall_time_limit = 7.75;
    r.memory_limit = 256000;
    r.stack_limit = 32000;
    r.max_file_size = 4096;
    r.max_processes_and_or_threads = 3;
    r.number_of_runs = 2;
    r.enable_per_process_and_thread_time_limit = true;
    r.enable_per_process_and_thread_memory_limit = true;
    r.redirect_stderr_to_stdout = true;
    r.enable_network = true;
    r.tests_json = R"([{"stdin":"1","expected_output":"2"}])";
    r.comparator = "exact";
    r.stdout_data = "out\0put\x80"s;
    r.stderr_data = "";  // present but empty: not NULL
    r.compile_output = "warning: \xff"s;
    r.message = "Exited with error status 1";
    r.exit_code = -1;
    r.exit_signal = 9;
    r.time = 0.031;
    r.wall_time = 0.5;
    r.memory = 9876543210;
    r.finished_at_ms = 1795824000123;
    r.verdict_json = R"({"name":"Accepted","short":"AC","detail":""})";
    r.test_results_json = "[]";
    return r;
}

void check_same(const Record& a, const Record& b) {
    CHECK(a.id == b.id);
    CHECK(a.token == b.token);
    CHECK(a.source_code == b.source_code);
    CHECK(a.language_id == b.language_id);
    CHECK(a.compiler_options == b.compiler_options);
    CHECK(a.command_line_arguments == b.command_line_arguments);
    CHECK(a.stdin_data == b.stdin_data);
    CHECK(a.expected_output == b.expected_output);
    CHECK(a.callback_url == b.callback_url);
    CHECK(a.additional_files == b.additional_files);
    CHECK(a.cpu_time_limit == b.cpu_time_limit);
    CHECK(a.cpu_extra_time == b.cpu_extra_time);
    CHECK(a.wall_time_limit == b.wall_time_limit);
    CHECK(a.memory_limit == b.memory_limit);
    CHECK(a.stack_limit == b.stack_limit);
    CHECK(a.max_file_size == b.max_file_size);
    CHECK(a.max_processes_and_or_threads == b.max_processes_and_or_threads);
    CHECK(a.number_of_runs == b.number_of_runs);
    CHECK(a.enable_per_process_and_thread_time_limit == b.enable_per_process_and_thread_time_limit);
    CHECK(a.enable_per_process_and_thread_memory_limit == b.enable_per_process_and_thread_memory_limit);
    CHECK(a.redirect_stderr_to_stdout == b.redirect_stderr_to_stdout);
    CHECK(a.enable_network == b.enable_network);
    CHECK(a.tests_json == b.tests_json);
    CHECK(a.comparator == b.comparator);
    CHECK(a.status_id == b.status_id);
    CHECK(a.stdout_data == b.stdout_data);
    CHECK(a.stderr_data == b.stderr_data);
    CHECK(a.compile_output == b.compile_output);
    CHECK(a.message == b.message);
    CHECK(a.exit_code == b.exit_code);
    CHECK(a.exit_signal == b.exit_signal);
    CHECK(a.time == b.time);
    CHECK(a.wall_time == b.wall_time);
    CHECK(a.memory == b.memory);
    CHECK(a.created_at_ms == b.created_at_ms);
    CHECK(a.finished_at_ms == b.finished_at_ms);
    CHECK(a.verdict_json == b.verdict_json);
    CHECK(a.test_results_json == b.test_results_json);
}

// Claims the oldest queued row and finishes it with `final_status`.
Record claim_and_finish(Store& s, int final_status) {
    auto r = s.claim("w", lease);
    REQUIRE(r);
    r->status_id = final_status;
    REQUIRE(s.finish(*r));
    return *r;
}

}  // namespace

TEST_CASE("store: new_token is a lowercase uuid4", "[store]") {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        const std::string t = server::new_token();
        REQUIRE(t.size() == 36);
        for (std::size_t j = 0; j < t.size(); ++j) {
            if (j == 8 || j == 13 || j == 18 || j == 23) REQUIRE(t[j] == '-');
            else REQUIRE(((t[j] >= '0' && t[j] <= '9') || (t[j] >= 'a' && t[j] <= 'f')));
        }
        REQUIRE(t[14] == '4');                                  // version
        REQUIRE(std::string("89ab").find(t[19]) != std::string::npos);  // variant 10xx
        seen.insert(t);
    }
    CHECK(seen.size() == 1000);
}

TEST_CASE("store: now_ms is the system clock in milliseconds", "[store]") {
    using namespace std::chrono;
    const auto before = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    const std::int64_t now = server::now_ms();
    const auto after = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    CHECK(before <= now);
    CHECK(now <= after);
}

TEST_CASE("store: a fresh database has the latest schema", "[store]") {
    REQUIRE(SqliteStore::latest_version() == static_cast<int>(server::sqlite_migrations().size()));
    REQUIRE(SqliteStore::latest_version() >= 6);
    REQUIRE(static_cast<int>(server::postgres_migrations().size()) >= 1);
    EACH_BACKEND(s);
    CHECK(s.backend() == backend);
    CHECK(s.schema_version() == s.latest_schema_version());
    CHECK(s.count_in_queue() == 0);
    CHECK(s.count_processing() == 0);
    CHECK(s.list(1, 10).total == 0);
    CHECK(s.writable());
}

TEST_CASE("store: every field round-trips, bytes exactly", "[store]") {
    EACH_BACKEND(s);

    SECTION("all optionals present, binary text") {
        Record r = full_record();
        const Record sent = r;
        put(s, r);
        CHECK(r.id > 0);
        CHECK(r.token == sent.token);  // a given token is kept
        CHECK(r.status_id == status::in_queue);
        CHECK(r.created_at_ms > 0);
        auto got = s.get(r.token);
        REQUIRE(got);
        check_same(*got, r);
        REQUIRE(got->stderr_data);
        CHECK(got->stderr_data->empty());
        CHECK(got->source_code.size() == sent.source_code.size());
        CHECK(got->additional_files->size() == 512);
    }
    SECTION("all optionals absent, extensions empty") {
        Record r = small();
        put(s, r);
        CHECK(r.token.size() == 36);  // filled with a fresh uuid4
        auto got = s.get(r.token);
        REQUIRE(got);
        check_same(*got, r);
        CHECK_FALSE(got->compiler_options);
        CHECK_FALSE(got->command_line_arguments);
        CHECK_FALSE(got->stdin_data);
        CHECK_FALSE(got->expected_output);
        CHECK_FALSE(got->callback_url);
        CHECK_FALSE(got->additional_files);
        CHECK_FALSE(got->stdout_data);
        CHECK_FALSE(got->stderr_data);
        CHECK_FALSE(got->compile_output);
        CHECK_FALSE(got->message);
        CHECK_FALSE(got->exit_code);
        CHECK_FALSE(got->exit_signal);
        CHECK_FALSE(got->time);
        CHECK_FALSE(got->wall_time);
        CHECK_FALSE(got->memory);
        CHECK_FALSE(got->finished_at_ms);
        CHECK(got->tests_json.empty());
        CHECK(got->verdict_json.empty());
    }
    SECTION("insert sets In Queue whatever the record said") {
        Record r = small();
        r.status_id = status::accepted;
        r.id = 999;
        put(s, r);
        CHECK(r.id != 999);
        CHECK(s.get(r.token)->status_id == status::in_queue);
        CHECK(s.count_in_queue() == 1);
    }
}

TEST_CASE("store: get, get_many, and a duplicate token", "[store]") {
    EACH_BACKEND(s);
    Record a = small(), b = small(62);
    put(s, a);
    put(s, b);
    CHECK(a.id != b.id);
    CHECK(a.token != b.token);
    CHECK_FALSE(s.get("no-such-token"));
    CHECK_FALSE(s.get(""));
    CHECK_FALSE(s.get("\0\xff"s));

    auto many = s.get_many({b.token, "nope", a.token, b.token});
    REQUIRE(many.size() == 4);
    REQUIRE(many[0]);
    CHECK(many[0]->id == b.id);
    CHECK_FALSE(many[1]);
    REQUIRE(many[2]);
    CHECK(many[2]->id == a.id);
    REQUIRE(many[3]);
    CHECK(many[3]->language_id == 62);
    CHECK(s.get_many({}).empty());

    Record dup = small();
    dup.token = a.token;
    try {
        put(s, dup);
        FAIL("a duplicate token was accepted");
    } catch (const StoreError& e) {
        if (backend == "sqlite") CHECK(e.code() == SQLITE_CONSTRAINT);
        else CHECK(std::string(e.what()).find("SQLSTATE 23505") != std::string::npos);  // unique_violation
        CHECK(std::string(e.what()).rfind("store: insert: ", 0) == 0);
    }
    CHECK(dup.id == 0);  // untouched on failure
    CHECK(s.list(1, 10).total == 2);
}

TEST_CASE("store: insert_batch is all or none", "[store]") {
    EACH_BACKEND(s);
    std::vector<Record> ok{small(), small(), small()};
    s.insert_batch(ok);
    CHECK(ok[0].id < ok[1].id);
    CHECK(ok[1].id < ok[2].id);
    for (const Record& r : ok) {
        CHECK(r.token.size() == 36);
        CHECK(r.status_id == status::in_queue);
        REQUIRE(s.get(r.token));
    }

    std::vector<Record> bad{small(), small(), small()};
    bad[2].token = ok[0].token;
    REQUIRE_THROWS_AS(s.insert_batch(bad), StoreError);
    CHECK(bad[0].id == 0);
    CHECK(bad[0].token.empty());
    CHECK(s.list(1, 10).total == 3);  // nothing of the failed batch

    std::vector<Record> none;
    s.insert_batch(none);
    CHECK(s.list(1, 10).total == 3);
}

// Holds the database's write lock from another connection (what another
// process on the same file, or a commit stuck on a slow disk, looks like to
// the store) until release() or the end of the scope.
class WriteLock {
public:
    explicit WriteLock(const std::string& path) : db_(raw(path)) { db_.exec("BEGIN IMMEDIATE"); }
    ~WriteLock() { release(); }
    WriteLock(const WriteLock&) = delete;
    WriteLock& operator=(const WriteLock&) = delete;
    void release() {
        if (held_) db_.exec("ROLLBACK");
        held_ = false;
    }

private:
    SQLite::Database db_;
    bool held_ = true;
};

// Waits up to `seconds` for pred.
template <class Pred>
bool eventually(Pred pred, int seconds = 10) {
    for (int i = 0; i < seconds * 100; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

TEST_CASE("inserter: rows that arrive during a commit share the next one", "[store][inserter]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    constexpr int later = 50;
    std::mutex mu;
    std::vector<Record> stored;
    std::vector<std::string> errors;
    int seen_by_another_connection = 0;
    {
        server::Inserter ins(s);
        auto done = [&](server::InsertGroup& g, std::exception_ptr err) {
            std::lock_guard lock(mu);
            if (err) {
                errors.emplace_back("failed");
                return;
            }
            // Told only after the commit: another connection sees the row.
            SQLite::Database other = raw(path);
            SQLite::Statement q(other, "SELECT count(*) FROM submissions WHERE token = ?");
            q.bind(1, g.records[0].token);
            if (q.executeStep() && q.getColumn(0).getInt() == 1) ++seen_by_another_connection;
            stored.push_back(g.records[0]);
        };
        WriteLock lock(path);
        server::InsertGroup first;
        first.records.push_back(small());
        ins.submit(std::move(first), done);
        // The committer has the first row and waits for the lock (its commit is
        // "on its way to the disk"); everything submitted meanwhile is pending.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        std::vector<std::thread> clients;
        for (int t = 0; t < later; ++t) {
            clients.emplace_back([&ins, &done, t] {
                server::InsertGroup g;
                g.records.push_back(small(t));
                g.records[0].source_code = "client " + std::to_string(t);
                ins.submit(std::move(g), done);
            });
        }
        for (auto& c : clients) c.join();
        CHECK(ins.commits() == 0);
        lock.release();
        REQUIRE(eventually([&] {
            std::lock_guard l(mu);
            return stored.size() + errors.size() == later + 1;
        }));
        // One commit for the first row, one for all that arrived during it.
        CHECK(ins.commits() == 2);
        CHECK(ins.records() == later + 1);
    }
    CHECK(errors.empty());
    CHECK(seen_by_another_connection == later + 1);
    std::set<std::string> tokens;
    for (const Record& r : stored) {
        tokens.insert(r.token);
        auto got = s.get(r.token);
        REQUIRE(got);
        CHECK(got->id == r.id);
        CHECK(got->source_code == r.source_code);
    }
    CHECK(tokens.size() == later + 1);
    CHECK(s.count_in_queue() == later + 1);
}

TEST_CASE("inserter: a failed commit fails every group in it, and the next commit works", "[store][inserter]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    server::Inserter ins(s);
    std::mutex mu;
    int failed = 0, ok = 0;
    auto done = [&](server::InsertGroup&, std::exception_ptr err) {
        std::lock_guard lock(mu);
        ++(err ? failed : ok);
    };
    {
        WriteLock lock(path);  // held past the store's 5 s busy timeout: SQLITE_BUSY
        for (int i = 0; i < 3; ++i) {
            server::InsertGroup g;
            g.records.push_back(small());
            ins.submit(std::move(g), done);
        }
        REQUIRE(eventually([&] {
            std::lock_guard l(mu);
            return failed == 3;
        }, 20));  // up to two commits of 5 s each
    }
    CHECK(s.count_in_queue() == 0);
    server::InsertGroup g;
    g.records.push_back(small());
    ins.submit(std::move(g), done);
    REQUIRE(eventually([&] {
        std::lock_guard l(mu);
        return ok == 1;
    }));
    CHECK(s.count_in_queue() == 1);
}

TEST_CASE("store: a refused row fails only its group of the commit", "[store][inserter]") {
    EACH_BACKEND(s);
    Record taken = small();
    put(s, taken);
    std::vector<server::InsertGroup> groups(3);
    groups[0].records = {small(), small()};
    groups[1].records = {small(), small(), small()};
    groups[1].records[2].token = taken.token;  // a duplicate: SQLITE_CONSTRAINT
    groups[2].records = {small()};
    s.insert_groups(groups);
    CHECK_FALSE(groups[0].error);
    CHECK_FALSE(groups[2].error);
    REQUIRE(groups[1].error);
    try {
        std::rethrow_exception(groups[1].error);
    } catch (const StoreError& e) {
        if (backend == "sqlite") CHECK(e.code() == SQLITE_CONSTRAINT);
        else CHECK(std::string(e.what()).find("SQLSTATE 23505") != std::string::npos);  // unique_violation
    }
    CHECK(groups[1].records[0].id == 0);  // untouched
    CHECK(groups[1].outcomes.empty());
    REQUIRE(groups[0].outcomes.size() == 2);
    CHECK(groups[0].outcomes[0] == server::InsertGroup::Outcome::inserted);
    for (const auto* g : {&groups[0], &groups[2]})
        for (const Record& r : g->records) CHECK(s.get(r.token));
    CHECK(s.list(1, 1).total == 1 + 2 + 1);  // nothing of group 1
}

TEST_CASE("store: a read does not wait for a commit stuck on the write lock", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    Record known = small();
    put(s, known);
    WriteLock lock(path);
    std::vector<Record> batch{small()};
    std::thread writer([&] {
        try {
            s.insert_batch(batch);  // waits for the lock, up to the 5 s busy timeout
        } catch (const StoreError&) {
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the writer now holds the store's write side
    const auto t0 = std::chrono::steady_clock::now();
    auto got = s.get(known.token);
    auto page = s.list(1, 10);
    auto many = s.get_many({known.token});
    const auto queued = s.count_in_queue();
    const auto stats = s.statistics();
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    lock.release();
    writer.join();
    REQUIRE(got);
    CHECK(got->id == known.id);
    CHECK(page.total == 1);
    CHECK(many.size() == 1);
    CHECK(queued == 1);
    CHECK(stats.total == 1);
    CHECK(took < 2.0);  // the busy timeout is 5 s; a read behind the writer would take that long
    CHECK(s.count_in_queue() == 2);  // the stuck commit went through once the lock was free
}

TEST_CASE("store: claim takes the oldest In Queue row, once", "[store]") {
    EACH_BACKEND(s);
    CHECK_FALSE(s.claim("w1", lease));  // empty queue

    std::vector<Record> rs{small(), small(), small()};
    for (Record& r : rs) put(s, r);

    auto c1 = s.claim("w1", lease);
    REQUIRE(c1);
    CHECK(c1->id == rs[0].id);
    CHECK(c1->status_id == status::processing);
    check_same(*c1, [&] {
        Record want = rs[0];
        want.status_id = status::processing;
        return want;
    }());
    CHECK(s.get(rs[0].token)->status_id == status::processing);

    auto c2 = s.claim("w2", lease);
    REQUIRE(c2);
    CHECK(c2->id == rs[1].id);
    CHECK(s.count_in_queue() == 1);
    CHECK(s.count_processing() == 2);

    auto c3 = s.claim("w1", lease);
    REQUIRE(c3);
    CHECK(c3->id == rs[2].id);
    CHECK_FALSE(s.claim("w3", lease));
    CHECK(s.count_in_queue() == 0);
    CHECK(s.count_processing() == 3);
}

TEST_CASE("store: racing claims never share a row", "[store]") {
    static constexpr int rows = 100;
    auto race = [](Store& a, Store& b) {
        std::vector<std::int64_t> got_a, got_b;
        std::thread ta([&] {
            while (auto r = a.claim("a", lease)) got_a.push_back(r->id);
        });
        std::thread tb([&] {
            while (auto r = b.claim("b", lease)) got_b.push_back(r->id);
        });
        ta.join();
        tb.join();
        std::set<std::int64_t> all(got_a.begin(), got_a.end());
        all.insert(got_b.begin(), got_b.end());
        CHECK(all.size() == rows);
        CHECK(got_a.size() + got_b.size() == rows);
        CHECK(std::is_sorted(got_a.begin(), got_a.end()));
        CHECK(std::is_sorted(got_b.begin(), got_b.end()));
    };

    SECTION("two threads, one store") {
        SqliteStore s(":memory:");
        for (int i = 0; i < rows; ++i) {
            Record r = small();
            put(s, r);
        }
        race(s, s);
        CHECK(s.count_processing() == rows);
        CHECK(s.count_in_queue() == 0);
    }
    SECTION("two connections to one file (two processes)") {
        TempDir dir;
        SqliteStore s1(dir.file("judge.db"), nosync());
        SqliteStore s2(dir.file("judge.db"), nosync());
        std::vector<Record> rs(rows, small());
        s1.insert_batch(rs);
        race(s1, s2);
        CHECK(s2.count_processing() == rows);
        CHECK(s1.count_in_queue() == 0);
    }
}

TEST_CASE("store: finish writes outputs only for the worker holding the row", "[store]") {
    EACH_BACKEND(s);
    Record in = full_record();
    in.stdout_data.reset();
    in.exit_code.reset();
    in.finished_at_ms.reset();
    in.verdict_json.clear();
    put(s, in);

    Record unknown = small();
    unknown.token = "no-such-token";
    unknown.status_id = status::accepted;
    CHECK_FALSE(s.finish(unknown));

    auto c = s.claim("w1", lease);
    REQUIRE(c);
    Record out = *c;
    out.status_id = status::wrong_answer;
    out.stdout_data = "\0\x01\x02\xff"s;
    out.stderr_data.reset();
    out.compile_output = "";
    out.message = "m";
    out.exit_code = 0;
    out.exit_signal.reset();
    out.time = 1.5;
    out.wall_time = 2.25;
    out.memory = 1024;
    out.finished_at_ms.reset();  // the store stamps it
    out.verdict_json = R"({"name":"Wrong Answer"})";
    out.test_results_json = "[1]";
    // Inputs in the record given to finish are not written back.
    out.source_code = "changed";
    out.language_id = 1;

    CHECK(c->worker == "w1");
    CHECK(c->claim_no == 1);
    for (const std::int64_t other : {c->claim_no - 1, c->claim_no + 1}) {  // a stale claim, or one not made yet
        Record stale = out;
        stale.claim_no = other;
        CHECK_FALSE(s.finish(stale));
    }
    CHECK(s.get(in.token)->status_id == status::processing);

    const std::int64_t before = server::now_ms();
    REQUIRE(s.finish(out));
    auto got = s.get(in.token);
    REQUIRE(got);
    CHECK(got->status_id == status::wrong_answer);
    CHECK(got->stdout_data == out.stdout_data);
    CHECK_FALSE(got->stderr_data);
    REQUIRE(got->compile_output);
    CHECK(got->compile_output->empty());
    CHECK(got->message == out.message);
    CHECK(got->exit_code == 0);
    CHECK_FALSE(got->exit_signal);
    CHECK(got->time == 1.5);
    CHECK(got->wall_time == 2.25);
    CHECK(got->memory == 1024);
    REQUIRE(got->finished_at_ms);
    CHECK(*got->finished_at_ms >= before);
    CHECK(got->verdict_json == out.verdict_json);
    CHECK(got->test_results_json == "[1]");
    CHECK(got->source_code == in.source_code);
    CHECK(got->language_id == in.language_id);
    CHECK(got->stdin_data == in.stdin_data);

    CHECK(got->worker == "w1");  // who judged it stays
    CHECK(got->claim_no == 1);

    // Finished by this claim already (a retry after a lost answer): true,
    // and nothing is written again.
    out.finished_at_ms = 42;
    out.status_id = status::accepted;
    CHECK(s.finish(out));
    CHECK(s.get(in.token)->finished_at_ms != 42);
    CHECK(s.get(in.token)->status_id == status::wrong_answer);

    out.status_id = status::processing;
    CHECK_THROWS_AS(s.finish(out), std::invalid_argument);
    out.status_id = 15;
    CHECK_THROWS_AS(s.finish(out), std::invalid_argument);
}

TEST_CASE("store: release puts a claimed row back at its place", "[store]") {
    EACH_BACKEND(s);
    Record a = small(), b = small();
    put(s, a);
    put(s, b);
    auto c = s.claim("w1", lease);
    REQUIRE(c);
    CHECK_FALSE(s.release(a.token, "w1", c->claim_no + 1));
    CHECK_FALSE(s.release(a.token, "w2", c->claim_no));  // not that worker's
    CHECK_FALSE(s.release(b.token, "w1", 0));  // not claimed
    CHECK_FALSE(s.release("nope", "w1", 1));
    CHECK(s.release(a.token, "w1", c->claim_no));
    CHECK_FALSE(s.release(a.token, "w1", c->claim_no));
    CHECK(s.count_in_queue() == 2);

    c->status_id = status::accepted;
    CHECK_FALSE(s.finish(*c));  // the claim is gone
    auto again = s.claim("w3", lease);
    REQUIRE(again);
    CHECK(again->id == a.id);  // still the oldest
    CHECK(again->claim_no == c->claim_no + 1);
}

// SQLite groups concurrent claims and finishes into shared commits: each
// row is still claimed once and finished once, and a write the database
// refuses fails for its caller alone, not for the rest of its group.
TEST_CASE("store: grouped claims and finishes from eight threads", "[store]") {
    static constexpr int rows = 400;
    TempDir dir;
    const std::string path = dir.file("judge.db");
    std::vector<Record> rs(rows, small());
    std::string poisoned;
    {
        SqliteStore s(path);  // synchronous=FULL, as judged runs it
        s.insert_batch(rs);
        poisoned = rs[rows / 2].token;
        raw(path).exec("CREATE TRIGGER refuse BEFORE UPDATE OF status_id ON submissions WHEN NEW.token = '" +
                       poisoned + "' AND NEW.status_id >= 3 BEGIN SELECT RAISE(ABORT, 'refused'); END");
        std::mutex mu;
        std::vector<std::int64_t> claimed;
        std::vector<std::string> refused;
        std::vector<std::thread> ts;
        for (int w = 0; w < 8; ++w)
            ts.emplace_back([&, w] {
                const std::string name = "h:1:" + std::to_string(w);
                while (auto r = s.claim(name, lease)) {
                    r->status_id = status::accepted;
                    bool ok = false;
                    try {
                        ok = s.finish(*r);
                    } catch (const StoreError& e) {
                        std::lock_guard lock(mu);
                        refused.push_back(r->token + ": " + e.what());
                        continue;
                    }
                    std::lock_guard lock(mu);
                    CHECK(ok);
                    claimed.push_back(r->id);
                }
            });
        for (auto& t : ts) t.join();
        CHECK(std::set<std::int64_t>(claimed.begin(), claimed.end()).size() == rows - 1);
        REQUIRE(refused.size() == 1);
        CHECK(refused[0].find(poisoned) == 0);
        CHECK(refused[0].find("store: finish: refused") != std::string::npos);
    }
    // Reopened: every finish but the refused one is on disk.
    SqliteStore again(path);
    CHECK(again.count_processing() == 1);
    CHECK(again.count_in_queue() == 0);
    CHECK(again.get(poisoned)->status_id == status::processing);
    CHECK(again.get(rs[0].token)->status_id == status::accepted);
    CHECK(again.get(rs[rows - 1].token)->status_id == status::accepted);
}

TEST_CASE("store: a dead process's claims are queued again at once, a live one's are not", "[store][lease]") {
    EACH_BACKEND(s);
    Record a = small(), b = small(), c = small();
    put(s, a);
    put(s, b);
    put(s, c);
    auto ca = s.claim("hostA:123:0", lease);
    auto cb = s.claim("hostA:456:1", lease);
    auto cc = s.claim("hostB:123:0", lease);
    REQUIRE((ca && cb && cc));
    CHECK(s.requeue_expired().empty());  // every lease is live
    CHECK(s.claims().size() == 3);

    // pid 123 of hostA died; pid 456 lives; hostB is not this host.
    std::vector<long> asked;
    CHECK(s.requeue_dead("hostA", [&](long pid) {
        asked.push_back(pid);
        return pid == 123;
    }) == 1);
    CHECK(asked.size() == 2);
    CHECK(s.get(a.token)->status_id == status::in_queue);
    CHECK(s.get(b.token)->status_id == status::processing);
    CHECK(s.get(c.token)->status_id == status::processing);
    CHECK(s.requeue_dead("host", [](long) { return true; }) == 0);  // a prefix of a name is not the host

    Record stale = *ca;
    stale.status_id = status::accepted;
    CHECK_FALSE(s.finish(stale));  // the dead worker's claim is gone

    auto again = s.claim("hostA:789:0", lease);
    REQUIRE(again);
    CHECK(again->token == a.token);
    CHECK(again->claim_no == ca->claim_no + 1);
    again->status_id = status::accepted;
    CHECK(s.finish(*again));
    CHECK_FALSE(s.finish(stale));  // still not: one result per submission
    CHECK(s.get(a.token)->worker == "hostA:789:0");
}

// A claim can be lost while its worker lives on: SQLite's claims do not
// wait for the disk, and a failover to an asynchronous standby or a restore
// from a backup loses the last commits of any database. The row is then
// claimed again under the same number, by another worker, while the first
// still judges it. The worker is part of the fence.
TEST_CASE("store: a claim made again under its number by another worker fences out the first", "[store][lease]") {
    const std::string backend = GENERATE(as<std::string>{}, "sqlite", "postgresql");
    INFO("backend: " << backend);
    if (backend == "postgresql" && !test_support::PgServer::available())
        SKIP_CASE("PostgreSQL 15 is not installed (apt-get install postgresql-15)");
    TempDir dir;
    std::unique_ptr<Store> owner;
    std::function<void(const std::string&)> raw_exec;
    if (backend == "sqlite") {
        const std::string path = dir.file("judge.db");
        owner = std::make_unique<SqliteStore>(path, nosync());
        raw_exec = [path](const std::string& sql) { raw(path).exec(sql); };
    } else {
        const std::string conninfo = test_support::PgServer::instance().fresh_database();
        const std::string db = conninfo.substr(conninfo.find("dbname=") + 7, conninfo.find(" user=") -
                                                                                (conninfo.find("dbname=") + 7));
        owner = std::make_unique<server::PostgresStore>(conninfo);
        raw_exec = [db](const std::string& sql) { test_support::PgServer::instance().psql(db, sql); };
    }
    Store& s = *owner;
    Record a = small();
    put(s, a);
    auto first = s.claim("h:1:0", lease);
    REQUIRE(first);
    raw_exec("UPDATE submissions SET status_id = 1, worker = NULL, claimed_at_ms = NULL, lease_expires_ms = NULL, "
             "claim_no = claim_no - 1");  // as if the claim was never written
    auto second = s.claim("h:2:0", lease);
    REQUIRE(second);
    CHECK(second->claim_no == first->claim_no);
    CHECK_FALSE(s.renew(a.token, "h:1:0", first->claim_no, lease));
    Record late = *first;
    late.status_id = status::wrong_answer;
    CHECK_FALSE(s.finish(late));
    CHECK_FALSE(s.release(a.token, "h:1:0", first->claim_no));
    CHECK(s.renew(a.token, "h:2:0", second->claim_no, lease));
    second->status_id = status::accepted;
    CHECK(s.finish(*second));
    CHECK_FALSE(s.finish(late));
    CHECK(s.get(a.token)->status_id == status::accepted);
    CHECK(s.get(a.token)->worker == "h:2:0");
}

TEST_CASE("store: a lease not renewed runs out; a renewed one does not", "[store][lease]") {
    EACH_BACKEND(s);
    Record a = small(), b = small();
    put(s, a);
    put(s, b);
    auto ca = s.claim("h:1:0", std::chrono::milliseconds(300));
    auto cb = s.claim("h:1:1", std::chrono::milliseconds(300));
    REQUIRE((ca && cb));
    CHECK(s.renew(cb->token, "h:1:1", cb->claim_no, lease));
    CHECK_FALSE(s.renew(cb->token, "h:1:1", cb->claim_no + 1, lease));  // not that claim
    CHECK_FALSE(s.renew(cb->token, "h:1:0", cb->claim_no, lease));  // nor that worker's
    CHECK(s.requeue_expired().empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const std::vector<std::string> requeued = s.requeue_expired();
    REQUIRE(requeued.size() == 1);
    CHECK(requeued[0] == a.token);
    CHECK(s.count_in_queue() == 1);
    CHECK_FALSE(s.renew(ca->token, "h:1:0", ca->claim_no, lease));  // too late: no longer ours

    // The row is claimed again; the first worker's late result is refused.
    auto again = s.claim("h:2:0", lease);
    REQUIRE(again);
    CHECK(again->token == a.token);
    Record late = *ca;
    late.status_id = status::wrong_answer;
    CHECK_FALSE(s.finish(late));
    again->status_id = status::accepted;
    CHECK(s.finish(*again));
    CHECK(s.get(a.token)->status_id == status::accepted);
    const auto live = s.claims();
    REQUIRE(live.size() == 1);
    CHECK(live[0].token == b.token);
    CHECK(live[0].worker == "h:1:1");
    CHECK(live[0].lease_expires_ms > server::now_ms() + 30'000);
}

TEST_CASE("store: nodes beat, are listed while live, and are forgotten when dead or gone", "[store][lease]") {
    EACH_BACKEND(s);
    server::NodeRow a;
    a.node = "hostA:10";
    a.role = "worker";
    a.workers = 4;
    a.started_at_ms = 1000;
    server::NodeRow b = a;
    b.node = "hostB:20";
    b.role = "all";
    b.workers = 2;
    const auto long_expiry = std::chrono::minutes(10);
    s.beat_node(a, long_expiry);
    s.beat_node(b, long_expiry);
    auto live = s.nodes(std::chrono::seconds(30));
    REQUIRE(live.size() == 2);
    CHECK(live[0].node == "hostA:10");
    CHECK(live[0].role == "worker");
    CHECK(live[0].workers == 4);
    CHECK(live[0].started_at_ms == 1000);
    CHECK(std::llabs(live[0].seen_at_ms - server::now_ms()) < 10'000);
    CHECK(live[1].node == "hostB:20");

    a.workers = 3;  // a beat updates the row, never adds one
    s.beat_node(a, long_expiry);
    live = s.nodes(std::chrono::seconds(30));
    REQUIRE(live.size() == 2);
    CHECK(live[0].workers == 3);

    // B stops beating: no longer live after the window, and A's next beat
    // with a short expiry deletes it (A itself stays).
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    s.beat_node(a, long_expiry);
    live = s.nodes(std::chrono::milliseconds(300));
    REQUIRE(live.size() == 1);
    CHECK(live[0].node == "hostA:10");
    CHECK(s.nodes(std::chrono::seconds(30)).size() == 2);  // B not yet deleted
    s.beat_node(a, std::chrono::milliseconds(300));
    live = s.nodes(std::chrono::seconds(30));
    REQUIRE(live.size() == 1);
    CHECK(live[0].node == "hostA:10");

    CHECK(s.remove_node("hostA:10"));
    CHECK_FALSE(s.remove_node("hostA:10"));
    CHECK(s.nodes(std::chrono::seconds(30)).empty());
}

TEST_CASE("store: list pages newest first, with the total", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    std::vector<Record> rs(5, small());
    s.insert_batch(rs);
    {
        // created_at decides, then id (newest id first on a tie).
        SQLite::Database db = raw(path);
        set_created_at(db, rs[0].id, 3000);
        set_created_at(db, rs[1].id, 1000);
        set_created_at(db, rs[2].id, 2000);
        set_created_at(db, rs[3].id, 2000);
        set_created_at(db, rs[4].id, 500);
    }
    auto ids = [](const Store::Page& p) {
        std::vector<std::int64_t> out;
        for (const Record& r : p.records) out.push_back(r.id);
        return out;
    };
    const auto p1 = s.list(1, 2), p2 = s.list(2, 2), p3 = s.list(3, 2), p4 = s.list(4, 2);
    CHECK(ids(p1) == std::vector<std::int64_t>{rs[0].id, rs[3].id});
    CHECK(ids(p2) == std::vector<std::int64_t>{rs[2].id, rs[1].id});
    CHECK(ids(p3) == std::vector<std::int64_t>{rs[4].id});
    CHECK(p4.records.empty());
    CHECK(p1.total == 5);
    CHECK(p4.total == 5);
    CHECK(p1.records[0].created_at_ms == 3000);
    CHECK(s.list(1, 100).records.size() == 5);
    CHECK(s.list(INT64_MAX, INT64_MAX).records.empty());
    CHECK(s.list(INT64_MAX, 2).total == 5);
    CHECK_THROWS_AS(s.list(0, 10), std::invalid_argument);
    CHECK_THROWS_AS(s.list(1, 0), std::invalid_argument);
}

TEST_CASE("store: remove deletes finished rows only", "[store]") {
    EACH_BACKEND(s);
    Record queued = small(), running = small(), finished = small();
    put(s, running);
    put(s, finished);
    put(s, queued);
    auto c = s.claim("w1", lease);
    REQUIRE(c);
    REQUIRE(c->id == running.id);
    auto f = s.claim("w1", lease);
    REQUIRE(f);
    f->status_id = status::compilation_error;
    f->compile_output = "error";
    REQUIRE(s.finish(*f));

    Record out;
    CHECK(s.remove(queued.token, &out) == Store::RemoveResult::busy);
    CHECK(s.remove(running.token, &out) == Store::RemoveResult::busy);
    CHECK(out.id == 0);  // untouched unless removed
    CHECK(s.remove("nope", &out) == Store::RemoveResult::not_found);
    CHECK(s.remove(finished.token, &out) == Store::RemoveResult::removed);
    CHECK(out.id == finished.id);
    CHECK(out.status_id == status::compilation_error);
    CHECK(out.compile_output == "error");
    CHECK_FALSE(s.get(finished.token));
    CHECK(s.remove(finished.token, nullptr) == Store::RemoveResult::not_found);
    CHECK(s.get(queued.token));
    CHECK(s.get(running.token));
    CHECK(s.list(1, 10).total == 2);

    Record other = small();
    put(s, other);
    while (auto r = s.claim("w1", lease)) {
        r->status_id = status::accepted;
        REQUIRE(s.finish(*r));
    }
    CHECK(s.remove(other.token, nullptr) == Store::RemoveResult::removed);
}

TEST_CASE("store: purge deletes finished rows created before a time", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    std::vector<Record> rs(5, small());
    s.insert_batch(rs);
    // rs[0] Accepted, rs[1] Time Limit, rs[2] Processing, rs[3] In Queue,
    // rs[4] Internal Error; all created at 1000 but rs[1], at 5000.
    claim_and_finish(s, status::accepted);
    claim_and_finish(s, status::time_limit);
    REQUIRE(s.claim("w", lease));
    const auto x = s.claim("x", lease);  // rs[3], released below
    REQUIRE(x);
    claim_and_finish(s, status::internal_error);
    REQUIRE(s.release(rs[3].token, "x", x->claim_no));
    {
        SQLite::Database db = raw(path);
        for (const Record& r : rs) set_created_at(db, r.id, r.id == rs[1].id ? 5000 : 1000);
    }
    CHECK(s.purge_finished_before(0) == 0);
    CHECK(s.purge_finished_before(1000) == 0);  // strictly before
    CHECK(s.purge_finished_before(1001) == 2);  // rs[0], rs[4]
    CHECK_FALSE(s.get(rs[0].token));
    CHECK_FALSE(s.get(rs[4].token));
    CHECK(s.purge_finished_before(5000) == 0);
    CHECK(s.purge_finished_before(INT64_MAX) == 1);  // rs[1]
    CHECK(s.get(rs[2].token)->status_id == status::processing);
    CHECK(s.get(rs[3].token)->status_id == status::in_queue);
    CHECK(s.list(1, 10).total == 2);
}

TEST_CASE("store: statistics by UTC day, language and status", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    CHECK(s.statistics().total == 0);
    CHECK(s.statistics().by_day.empty());

    std::vector<Record> rs{small(54), small(54), small(71), small(71), small(62)};
    s.insert_batch(rs);
    claim_and_finish(s, status::accepted);     // rs[0]
    claim_and_finish(s, status::wrong_answer);  // rs[1]
    REQUIRE(s.claim("w", lease));                      // rs[2] Processing
    {
        constexpr std::int64_t nov28 = 1795824000000;  // 2026-11-28T00:00:00Z
        SQLite::Database db = raw(path);
        set_created_at(db, rs[0].id, nov28 - 1);  // 2026-11-27T23:59:59.999Z
        set_created_at(db, rs[1].id, nov28);
        set_created_at(db, rs[2].id, nov28 + 86399999);
        set_created_at(db, rs[3].id, nov28 + 86400000);
        set_created_at(db, rs[4].id, 0);
    }
    const server::Statistics st = s.statistics();
    CHECK(st.total == 5);
    CHECK(st.by_day == std::map<std::string, std::int64_t>{
                           {"1970-01-01", 1}, {"2026-11-27", 1}, {"2026-11-28", 2}, {"2026-11-29", 1}});
    CHECK(st.by_language == std::map<int, std::int64_t>{{54, 2}, {62, 1}, {71, 2}});
    CHECK(st.by_status == std::map<int, std::int64_t>{{status::in_queue, 2},
                                                       {status::processing, 1},
                                                       {status::accepted, 1},
                                                       {status::wrong_answer, 1}});
}

TEST_CASE("store: writable reports a failed write as false", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    CHECK(s.writable());
    CHECK(s.writable());
    {
        SQLite::Database db = raw(path);
        CHECK(raw_int(db, "SELECT checked_at_ms FROM health WHERE id = 1") > 0);
        db.exec("DROP TABLE health");
    }
    CHECK_FALSE(s.writable());
    CHECK(s.count_in_queue() == 0);  // the store still works otherwise
}

TEST_CASE("store: on disk, WAL, and reopening keeps the data", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    Record r = full_record();
    {
        SqliteStore s(path, nosync());
        put(s, r);
    }
    {
        SQLite::Database db = raw(path);
        SQLite::Statement q(db, "PRAGMA journal_mode");
        REQUIRE(q.executeStep());
        CHECK(q.getColumn(0).getString() == "wal");
        CHECK(raw_int(db, "PRAGMA user_version") == SqliteStore::latest_version());
    }
    SqliteStore s(path);
    CHECK(s.schema_version() == SqliteStore::latest_version());  // unchanged
    auto got = s.get(r.token);
    REQUIRE(got);
    check_same(*got, r);
}

TEST_CASE("store: migrations upgrade an older database and refuse a newer one", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    const std::vector<server::Migration>& all = server::sqlite_migrations();
    REQUIRE(all.size() >= 2);
    CHECK(std::string(all[0].name) == "0001_init.sql");

    // A database as version 1 left it: 0001 applied, one row written with
    // version 1's columns (that file never changes once released).
    auto make_v1 = [&] {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("PRAGMA journal_mode=WAL");
        db.exec(all[0].sql);
        db.exec("PRAGMA user_version = 1");
        db.exec(
            "INSERT INTO submissions (token, source_code, language_id, cpu_time_limit, cpu_extra_time, "
            "wall_time_limit, memory_limit, stack_limit, max_file_size, max_processes_and_or_threads, "
            "number_of_runs, enable_per_process_and_thread_time_limit, enable_per_process_and_thread_memory_limit, "
            "redirect_stderr_to_stdout, enable_network, tests_json, comparator, status_id, stdout, created_at_ms, "
            "finished_at_ms, verdict_json, test_results_json) VALUES ('v1-token', x'00ff', 71, 5, 1, 10, 128000, "
            "64000, 1024, 60, 1, 0, 0, 0, 0, x'', x'', 3, x'6f6b', 1000, 2000, x'', x'')");
    };
    auto index_count = [&](const char* name) {
        SQLite::Database db = raw(path);
        return raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '"s + name + "'");
    };

    SECTION("version 1 is upgraded to the latest, data kept") {
        make_v1();
        CHECK(index_count("submissions_finished_created") == 0);
        {
            SqliteStore s(path);
            CHECK(s.schema_version() == SqliteStore::latest_version());
            auto got = s.get("v1-token");
            REQUIRE(got);
            CHECK(got->source_code == "\0\xff"s);
            CHECK(got->stdout_data == "ok");
            CHECK_FALSE(got->stderr_data);
            CHECK(got->status_id == status::accepted);
            CHECK(s.purge_finished_before(1001) == 1);
        }
        CHECK(index_count("submissions_finished_created") == 1);
        SQLite::Database db = raw(path);
        CHECK(raw_int(db, "PRAGMA user_version") == SqliteStore::latest_version());
    }
    SECTION("a failing migration leaves the database at the last good version") {
        make_v1();
        {
            SQLite::Database db = raw(path);
            db.exec("CREATE INDEX submissions_finished_created ON submissions (token)");  // in 0002's way
        }
        try {
            SqliteStore s(path);
            FAIL("the migration did not fail");
        } catch (const StoreError& e) {
            CHECK(std::string(e.what()).find(all[1].name) != std::string::npos);
            CHECK(e.code() == SQLITE_ERROR);
        }
        {
            SQLite::Database db = raw(path);
            CHECK(raw_int(db, "PRAGMA user_version") == 1);
            db.exec("DROP INDEX submissions_finished_created");
        }
        SqliteStore s(path);  // the next start completes it
        CHECK(s.schema_version() == SqliteStore::latest_version());
        CHECK(s.get("v1-token"));
    }
    SECTION("a database of a newer version is refused, untouched") {
        { SqliteStore s(path); }
        {
            SQLite::Database db = raw(path);
            db.exec("PRAGMA user_version = " + std::to_string(SqliteStore::latest_version() + 1));
        }
        try {
            SqliteStore s(path);
            FAIL("a newer database was opened");
        } catch (const StoreError& e) {
            CHECK(std::string(e.what()).find("newer") != std::string::npos);
        }
        SQLite::Database db = raw(path);
        CHECK(raw_int(db, "PRAGMA user_version") == SqliteStore::latest_version() + 1);
    }
    SECTION("a file that is not a database is refused") {
        std::ofstream(path) << std::string(4096, 'x');
        CHECK_THROWS_AS(SqliteStore(path), StoreError);
    }
    SECTION("a path that cannot be opened is refused, naming it") {
        const std::string bad = dir.file("missing/judge.db");
        try {
            SqliteStore s(bad);
            FAIL("opened a file in a missing folder");
        } catch (const StoreError& e) {
            CHECK(std::string(e.what()).find(bad) != std::string::npos);
            CHECK(e.code() == SQLITE_CANTOPEN);
        }
    }
}

TEST_CASE("problems: versions, latest, in use, removal", "[store]") {
    EACH_BACKEND(s);
    CHECK(s.next_problem_version("aplusb") == 1);
    server::ProblemRow p{"aplusb", 1, "A plus B", R"({"type":"pass-fail"})", "/data/problems/aplusb/1", 1000};
    s.add_problem(p);
    CHECK_THROWS_AS(s.add_problem(p), server::StoreError);
    CHECK(s.next_problem_version("aplusb") == 2);
    p.version = 2;
    p.path = "/data/problems/aplusb/2";
    s.add_problem(p);
    s.add_problem(server::ProblemRow{"guess", 1, "Guess", "{}", "/data/problems/guess/1", 1001, ""});
    CHECK(s.problem("aplusb")->version == 2);
    CHECK(s.problem("aplusb", 1)->path == "/data/problems/aplusb/1");
    CHECK_FALSE(s.problem("aplusb", 3));
    CHECK_FALSE(s.problem("nope"));
    const auto all = s.problems();
    REQUIRE(all.size() == 2);
    CHECK((all[0].id == "aplusb" && all[0].version == 2 && all[1].id == "guess"));
    CHECK(s.problem_versions("aplusb").size() == 2);

    server::Record r;
    r.source_code = "x";
    r.language_id = 71;
    r.problem_id = "aplusb";
    r.problem_version = 2;
    put(s, r);
    CHECK(s.problem_in_use("aplusb"));
    CHECK_FALSE(s.problem_in_use("guess"));
    auto claimed = s.claim("w", lease);
    REQUIRE(claimed);
    CHECK(claimed->problem_id == std::optional<std::string>("aplusb"));
    CHECK(claimed->problem_version == 2);
    claimed->status_id = server::status::accepted;
    claimed->problem_result_json = R"({"score":100})";
    REQUIRE(s.finish(*claimed));
    CHECK_FALSE(s.problem_in_use("aplusb"));
    CHECK(s.get(r.token)->problem_result_json == R"({"score":100})");
    CHECK(s.remove_problem("aplusb").size() == 2);
    CHECK_FALSE(s.problem("aplusb"));
}

TEST_CASE("problems: packages are stored once per content and go with the last version using them", "[store]") {
    EACH_BACKEND(s);
    std::string zip_a = "PK\x03\x04 a package";
    zip_a += std::string(1, '\0') + "\xff bytes, exactly";
    const std::string zip_b = "PK\x03\x04 another";
    server::ProblemRow p{"aplusb", 1, "A plus B", "{}", "/data/problems/aplusb/1-aaaa", 1000, std::string(64, 'a')};
    s.add_problem(p, zip_a);
    p.version = 2;  // the same content again: one package row, two versions
    s.add_problem(p, zip_a);
    server::ProblemRow q{"other", 1, "Other", "{}", "/data/problems/other/1-aaaa", 1000, std::string(64, 'a')};
    s.add_problem(q, zip_a);  // another problem of the same bytes
    server::ProblemRow r{"guess", 1, "Guess", "{}", "/data/problems/guess/1-bbbb", 1000, std::string(64, 'b')};
    s.add_problem(r, zip_b);
    CHECK(s.problem("aplusb", 1)->package_sha256 == std::string(64, 'a'));
    CHECK(s.problems().size() == 3);
    CHECK(s.package(std::string(64, 'a')) == std::optional<std::string>(zip_a));
    CHECK(s.package(std::string(64, 'b')) == std::optional<std::string>(zip_b));
    CHECK_FALSE(s.package(std::string(64, 'c')));

    CHECK(s.remove_problem("aplusb").size() == 2);
    CHECK(s.package(std::string(64, 'a')));  // "other" still uses it
    CHECK(s.remove_problem("other").size() == 1);
    CHECK_FALSE(s.package(std::string(64, 'a')));
    CHECK(s.package(std::string(64, 'b')));
    // A row without a package (from before packages were stored) reads back empty.
    s.add_problem(server::ProblemRow{"old", 1, "Old", "{}", "/data/problems/old/1", 1000, ""});
    CHECK(s.problem("old")->package_sha256.empty());
}

TEST_CASE("store: callbacks are owned under a lease, renewed, and adopted when it runs out or the owner died", "[store][lease]") {
    EACH_BACKEND(s);
    const auto a = s.add_callback("tok-a", "http://h/a", "{}", "hostA:10", std::chrono::milliseconds(300));
    const auto b = s.add_callback("tok-b", "http://h/b", "{}", "hostB:20", std::chrono::milliseconds(300));
    const auto c = s.add_callback("tok-c", "http://h/c", "{}", "hostA:30", std::chrono::minutes(10));
    const auto d = s.add_callback("tok-d", "http://h/d", "{}");  // no owner (a row from before owners)
    auto rows = s.pending_callbacks();
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].owner == "hostA:10");
    CHECK(rows[0].lease_expires_ms > server::now_ms() - 10'000);
    CHECK(rows[3].owner.empty());
    CHECK(rows[3].lease_expires_ms == 0);

    // Only the unowned one is free now; hostA:30 is named dead, so its row goes too.
    auto got = s.adopt_callbacks("hostC:1", lease, {"hostA:30"});
    REQUIRE(got.size() == 2);
    CHECK(got[0].id == c);
    CHECK(got[1].id == d);
    CHECK(got[0].owner == "hostC:1");
    CHECK(s.adopt_callbacks("hostD:1", lease, {}).empty());  // C holds them now

    CHECK(s.renew_callbacks("hostB:20", lease) == 1);  // B lives; A does not renew
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    got = s.adopt_callbacks("hostD:1", lease, {});
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == a);
    CHECK(got[0].token == "tok-a");
    CHECK(got[0].tries_used == 0);
    rows = s.pending_callbacks();
    REQUIRE(rows.size() == 4);
    CHECK(rows[0].owner == "hostD:1");
    CHECK(rows[1].owner == "hostB:20");
    CHECK(rows[2].owner == "hostC:1");
    CHECK(s.renew_callbacks("nobody:1", lease) == 0);
    CHECK(s.remove_callback(b));
}

TEST_CASE("store: racing adopters never share a callback", "[store][lease]") {
    EACH_BACKEND(s);
    for (int i = 0; i < 40; ++i) s.add_callback("t" + std::to_string(i), "http://h/", "{}");
    std::mutex mu;
    std::vector<std::int64_t> seen;
    std::vector<std::thread> ts;
    for (int w = 0; w < 4; ++w)
        ts.emplace_back([&, w] {
            auto got = s.adopt_callbacks("host:" + std::to_string(w), lease, {});
            std::lock_guard lock(mu);
            for (const auto& r : got) seen.push_back(r.id);
        });
    for (auto& t : ts) t.join();
    std::sort(seen.begin(), seen.end());
    CHECK(seen.size() == 40);
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
}

TEST_CASE("store: a database that fails its integrity check is refused", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    {
        SqliteStore s(path);
        std::vector<Record> rs;
        for (int i = 0; i < 200; ++i) {
            rs.push_back(small());
            rs.back().source_code = std::string(1000, static_cast<char>('a' + i % 26));
        }
        s.insert_batch(rs);
    }  // the last connection's close checkpoints the WAL into the file
    std::int64_t page_size = 0, pages = 0;
    {
        SQLite::Database db = raw(path);
        page_size = raw_int(db, "PRAGMA page_size");
        pages = raw_int(db, "PRAGMA page_count");
    }
    REQUIRE(pages > 10);
    {
        SqliteStore s(path);  // intact: opens
        CHECK(s.list(1, 1).total == 200);
    }
    {
        // A page in the middle of the submissions table becomes garbage.
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        REQUIRE(f);
        f.seekp(static_cast<std::streamoff>(page_size * (pages / 2)));
        const std::string garbage(static_cast<std::size_t>(page_size), '\xa5');
        f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
        REQUIRE(f);
    }
    try {
        SqliteStore s(path);
        FAIL("a damaged database was opened");
    } catch (const StoreError& e) {
        const std::string what = e.what();
        CHECK(what.find("quick_check") != std::string::npos);
        CHECK(what.find("restore the file from a backup") != std::string::npos);
        CHECK(what.find(path) != std::string::npos);
    }
    CHECK(std::filesystem::file_size(path) == static_cast<std::uintmax_t>(page_size * pages));  // not rewritten
}

TEST_CASE("store: an empty or missing file where a database was is refused", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    const std::string marker = path + ".marker";
    {
        std::ofstream(path).flush();  // 0 bytes, no marker: a first start
        SqliteStore s(path);
        Record r = small();
        put(s, r);
    }
    REQUIRE(std::filesystem::exists(marker));
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    std::filesystem::resize_file(path, 0);  // the database lost
    auto refused = [&](const char* how) {
        try {
            SqliteStore s(path);
            FAIL("a lost database was replaced by a fresh one");
        } catch (const StoreError& e) {
            const std::string what = e.what();
            CHECK(what.find(how) != std::string::npos);
            CHECK(what.find(marker) != std::string::npos);
            CHECK(what.find("restore the file from a backup") != std::string::npos);
        }
    };
    refused("empty (0 bytes)");
    CHECK(std::filesystem::file_size(path) == 0);  // nothing was created over it
    std::filesystem::remove(path);
    refused("missing");
    CHECK_FALSE(std::filesystem::exists(path));

    std::filesystem::remove(marker);  // the operator's choice: start empty
    SqliteStore s(path);
    CHECK(s.list(1, 1).total == 0);
    CHECK(std::filesystem::exists(marker));
}

TEST_CASE("store: idempotency keys replay, conflict, expire and go with their row", "[store]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    server::StoreOptions opts;
    opts.idempotency_retention_seconds = 3600;
    SqliteStore s(path, opts);
    using Outcome = server::InsertGroup::Outcome;
    auto insert = [&](Record r, const std::string& key) {
        std::vector<server::InsertGroup> gs(1);
        gs[0].records.push_back(std::move(r));
        gs[0].keys.push_back(key);
        s.insert_groups(gs);
        REQUIRE_FALSE(gs[0].error);
        REQUIRE(gs[0].outcomes.size() == 1);
        return std::make_pair(gs[0].outcomes[0], gs[0].records[0]);
    };
    Record a = small();
    a.source_code = "print(1)";
    auto [o1, r1] = insert(a, "key-1");
    CHECK(o1 == Outcome::inserted);
    auto [o2, r2] = insert(a, "key-1");  // the retry of a lost 201
    CHECK(o2 == Outcome::replayed);
    CHECK(r2.token == r1.token);
    CHECK(r2.id == r1.id);
    CHECK(s.list(1, 1).total == 1);

    Record b = a;
    b.stdin_data = "other";
    auto [o3, r3] = insert(b, "key-1");  // the same key, another request
    CHECK(o3 == Outcome::key_conflict);
    CHECK(r3.id == 0);
    CHECK(s.list(1, 1).total == 1);

    // Two items of one group under one key: the second is the first's replay.
    std::vector<server::InsertGroup> gs(1);
    gs[0].records = {a, a, small()};
    gs[0].keys = {"key-2", "key-2", std::nullopt};
    s.insert_groups(gs);
    REQUIRE(gs[0].outcomes.size() == 3);
    CHECK(gs[0].outcomes[0] == Outcome::inserted);
    CHECK(gs[0].outcomes[1] == Outcome::replayed);
    CHECK(gs[0].outcomes[2] == Outcome::inserted);
    CHECK(gs[0].records[1].token == gs[0].records[0].token);
    CHECK(s.list(1, 1).total == 3);

    // Past the retention: the key names nothing (purged or not).
    {
        SQLite::Database db = raw(path);
        db.exec("UPDATE idempotency_keys SET created_at_ms = created_at_ms - 3601000 WHERE key = x'6b65792d31'");
    }
    auto [o4, r4] = insert(b, "key-1");
    CHECK(o4 == Outcome::inserted);
    CHECK(r4.token != r1.token);
    {
        SQLite::Database db = raw(path);
        db.exec("UPDATE idempotency_keys SET created_at_ms = created_at_ms - 3601000 WHERE key = x'6b65792d32'");
    }
    CHECK(s.purge_idempotency_keys() == 1);
    CHECK(s.purge_idempotency_keys() == 0);

    // A deleted submission takes its key along.
    auto [o5, r5] = insert(a, "key-3");
    REQUIRE(o5 == Outcome::inserted);
    {
        SQLite::Database db = raw(path);
        db.exec("UPDATE submissions SET status_id = 3 WHERE id = " + std::to_string(r5.id));
    }
    REQUIRE(s.remove(r5.token, nullptr) == Store::RemoveResult::removed);
    auto [o6, r6] = insert(a, "key-3");
    CHECK(o6 == Outcome::inserted);
    CHECK(r6.token != r5.token);

    std::vector<server::InsertGroup> bad(1);
    bad[0].records = {small(), small()};
    bad[0].keys = {std::string("k")};
    CHECK_THROWS_AS(s.insert_groups(bad), std::invalid_argument);
}

namespace {

// A small tmpfs mounted on a fresh folder, unmounted (lazily, should a file
// still be open) and removed at the end.
class SmallTmpfs {
public:
    explicit SmallTmpfs(const char* size) {
        if (::mount("judge-store-test", dir_.file("").c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                    (std::string("size=") + size).c_str()) != 0)
            throw std::system_error(errno, std::generic_category(), "mount tmpfs on " + dir_.file(""));
    }
    ~SmallTmpfs() { static_cast<void>(::umount2(dir_.file("").c_str(), MNT_DETACH)); }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    std::string file(const char* name) const { return dir_.file(name); }

private:
    TempDir dir_;
};

// Writes `path` until the filesystem is full (ENOSPC).
void fill(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    const std::string chunk(64 * 1024, 'x');
    for (;;) {
        const ssize_t n = ::write(fd, chunk.data(), chunk.size());
        if (n > 0) continue;
        const int err = errno;
        ::close(fd);
        REQUIRE(n < 0);
        REQUIRE(err == ENOSPC);
        return;
    }
}

}  // namespace

TEST_CASE("workers: a result the full disk refused is stored once space returns", "[store][workers]") {
    SmallTmpfs fs("4m");
    const std::string path = fs.file("judge.db");
    SqliteStore s(path);
    std::vector<Record> rs{small()};
    s.insert_batch(rs);
    auto claimed = s.claim("worker-0", lease);
    REQUIRE(claimed);
    Record result = *claimed;
    result.status_id = status::accepted;
    result.stdout_data = std::string(2 << 20, 'o');  // needs pages the full disk does not have
    fill(fs.file("filler"));

    server::Metrics metrics;
    int pauses = 0;
    std::optional<bool> stored;
    std::thread worker([&] {
        stored = server::store_result(s, result, metrics, [&](std::chrono::milliseconds d) {
            ++pauses;
            CHECK(d <= std::chrono::milliseconds(5000));
            if (pauses == 3) std::filesystem::remove(fs.file("filler"));  // space returns
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return pauses > 100;  // a backstop for the test only
        });
    });
    worker.join();
    REQUIRE(stored);
    CHECK(*stored);
    CHECK(pauses >= 3);
    CHECK(pauses <= 100);
    CHECK(metrics.render().find("judged_store_retries_total " + std::to_string(pauses) + "\n") != std::string::npos);
    auto got = s.get(result.token);
    REQUIRE(got);
    CHECK(got->status_id == status::accepted);
    CHECK(got->stdout_data == result.stdout_data);
}

TEST_CASE("workers: storing a result gives up only when told to stop", "[store][workers]") {
    TempDir dir;
    const std::string path = dir.file("judge.db");
    SqliteStore s(path);
    std::vector<Record> rs{small()};
    s.insert_batch(rs);
    auto claimed = s.claim("worker-0", lease);
    REQUIRE(claimed);
    claimed->status_id = status::accepted;
    server::Metrics metrics;
    WriteLock lock(path);
    std::vector<std::chrono::milliseconds> delays;
    // finish() waits 5 s for the lock each try; two tries, then stop.
    auto stored = server::store_result(s, *claimed, metrics, [&](std::chrono::milliseconds d) {
        delays.push_back(d);
        return delays.size() == 2;
    });
    CHECK_FALSE(stored);
    REQUIRE(delays.size() == 2);
    CHECK(delays[0] == std::chrono::milliseconds(100));
    CHECK(delays[1] == std::chrono::milliseconds(200));
    lock.release();
    CHECK(s.count_processing() == 1);  // still Processing: requeued at the next start
    Record other = *claimed;
    other.claim_no += 1;
    CHECK(server::store_result(s, other, metrics, [](auto) { return true; }) == false);  // not this claim
}
