#include "server/store/postgres/postgres_store.hpp"

#include <endian.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <thread>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "server/store/migrations.hpp"
#include "server/store/record_columns.hpp"

namespace server {

namespace {

// The database server's clock, in Unix milliseconds (leases use it).
constexpr const char* db_now_ms = "(extract(epoch from clock_timestamp()) * 1000)::bigint";
// pg_advisory_xact_lock's key for migrations: any fixed number of our own.
constexpr const char* migration_lock = "7308604720180781313";

constexpr Oid bytea_oid = 17;

// Parameters bound in order ($1, $2, ...): byte strings as binary BYTEA
// (exact bytes), everything else as text the server parses.
class Binder {
public:
    void bytes(const std::string& v) { add(v, 1, bytea_oid); }
    void bytes(const std::optional<std::string>& v) {
        if (v) bytes(*v);
        else null();
    }
    void text(std::string_view v) { add(std::string(v), 0, 0); }
    void integer(std::int64_t v) { add(std::to_string(v), 0, 0); }
    void integer(int v) { add(std::to_string(v), 0, 0); }
    void integer(bool v) { add(v ? "true" : "false", 0, 0); }
    void integer(const std::optional<int>& v) {
        if (v) integer(*v);
        else null();
    }
    void integer(const std::optional<std::int64_t>& v) {
        if (v) integer(*v);
        else null();
    }
    void real(double v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", v);
        add(buf, 0, 0);
    }
    void real(const std::optional<double>& v) {
        if (v) real(*v);
        else null();
    }
    void null() {
        values_.emplace_back();
        formats_.push_back(0);
        types_.push_back(0);
    }

    int size() const { return static_cast<int>(values_.size()); }
    // Pointer arrays for libpq, valid while the Binder lives unchanged.
    void arrays(std::vector<const char*>& v, std::vector<int>& len) const {
        v.clear();
        len.clear();
        for (const auto& x : values_) {
            v.push_back(x ? x->data() : nullptr);
            len.push_back(x ? static_cast<int>(x->size()) : 0);
        }
    }
    const int* formats() const { return formats_.data(); }
    const Oid* types() const { return types_.data(); }

private:
    void add(std::string v, int format, Oid type) {
        if (v.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            throw StoreError("store: a value of " + std::to_string(v.size()) + " bytes is too big to bind");
        values_.emplace_back(std::move(v));
        formats_.push_back(format);
        types_.push_back(type);
    }
    std::vector<std::optional<std::string>> values_;
    std::vector<int> formats_;
    std::vector<Oid> types_;
};

// A result, freed with it.
struct Result {
    explicit Result(PGresult* res = nullptr) : r(res) {}
    ~Result() {
        if (r) PQclear(r);
    }
    Result(Result&& o) noexcept : r(std::exchange(o.r, nullptr)) {}
    Result& operator=(Result&& o) noexcept {
        if (this != &o) {
            if (r) PQclear(r);
            r = std::exchange(o.r, nullptr);
        }
        return *this;
    }
    int rows() const { return PQntuples(r); }
    PGresult* r;
};

// Reads one row's columns 0, 1, ... in order, from binary results.
class Reader {
public:
    Reader(const Result& res, int row) : r_(res.r), row_(row) {}

    std::string bytes() {
        const int c = next_++;
        if (PQgetisnull(r_, row_, c)) return {};
        return std::string(PQgetvalue(r_, row_, c), static_cast<std::size_t>(PQgetlength(r_, row_, c)));
    }
    std::optional<std::string> opt_bytes() {
        if (PQgetisnull(r_, row_, next_)) return skip<std::string>();
        return bytes();
    }
    std::int64_t int64() {
        const int c = next_++;
        if (PQgetisnull(r_, row_, c)) return 0;
        const char* p = PQgetvalue(r_, row_, c);
        switch (PQgetlength(r_, row_, c)) {
            case 8: {
                std::uint64_t v;
                std::memcpy(&v, p, 8);
                return static_cast<std::int64_t>(be64toh(v));
            }
            case 4: {
                std::uint32_t v;
                std::memcpy(&v, p, 4);
                return static_cast<std::int32_t>(be32toh(v));
            }
            case 2: {
                std::uint16_t v;
                std::memcpy(&v, p, 2);
                return static_cast<std::int16_t>(be16toh(v));
            }
            case 1:
                return static_cast<unsigned char>(*p);  // boolean
            default:
                throw StoreError("store: an integer column of " + std::to_string(PQgetlength(r_, row_, c)) +
                                 " bytes");
        }
    }
    int int32() { return static_cast<int>(int64()); }
    bool boolean() { return int64() != 0; }
    double real() {
        const int c = next_++;
        if (PQgetisnull(r_, row_, c)) return 0;
        if (PQgetlength(r_, row_, c) != 8) throw StoreError("store: a float column not of 8 bytes");
        std::uint64_t v;
        std::memcpy(&v, PQgetvalue(r_, row_, c), 8);
        v = be64toh(v);
        double d;
        std::memcpy(&d, &v, 8);
        return d;
    }
    std::optional<int> opt_int32() {
        if (PQgetisnull(r_, row_, next_)) return skip<int>();
        return int32();
    }
    std::optional<std::int64_t> opt_int64() {
        if (PQgetisnull(r_, row_, next_)) return skip<std::int64_t>();
        return int64();
    }
    std::optional<double> opt_real() {
        if (PQgetisnull(r_, row_, next_)) return skip<double>();
        return real();
    }

private:
    template <class T>
    std::optional<T> skip() {
        ++next_;
        return std::nullopt;
    }
    PGresult* r_;
    int row_;
    int next_ = 0;
};

std::string select_records(const std::string& rest) {
    return std::string("SELECT id, ") + record_columns + ", " + claim_columns_tail + " FROM submissions " + rest;
}

std::string insert_sql() {
    std::string sql = std::string("INSERT INTO submissions (") + record_columns + ") VALUES ($1";
    for (int i = 2; i <= record_column_count; ++i) sql += ", $" + std::to_string(i);
    return sql + ") RETURNING id";
}

// SQLSTATE classes the caller's data causes (23 integrity, 22 data): such a
// failure undoes one insert group, not the whole batch.
bool data_error(const std::string& sqlstate) {
    return sqlstate.rfind("23", 0) == 0 || sqlstate.rfind("22", 0) == 0 || sqlstate == "54000";
}

// A failure of the connection rather than of the statement: class 08, or the
// server shutting down (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03
// cannot_connect_now).
bool connection_error(const std::string& sqlstate) {
    return sqlstate.rfind("08", 0) == 0 || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

// A statement failed: StoreError carrying the SQLSTATE (and whether the
// connection is gone).
class PgError : public StoreError {
public:
    PgError(const std::string& what, std::string state, bool broken)
        : StoreError(what, 0, broken), sqlstate(std::move(state)) {}
    std::string sqlstate;
};

}  // namespace

// One connection and the statements prepared on it (SQL text -> name).
struct PgConn {
    explicit PgConn(PGconn* conn) : c(conn) {}
    ~PgConn() { PQfinish(c); }
    PgConn(const PgConn&) = delete;
    PgConn& operator=(const PgConn&) = delete;

    bool broken() const { return PQstatus(c) != CONNECTION_OK; }

    // Runs `sql` with `b`'s parameters, as a prepared statement of this
    // connection; results in binary. Throws PgError.
    Result exec(const std::string& op, const std::string& sql, const Binder& b = Binder()) {
        auto it = prepared.find(sql);
        if (it == prepared.end()) {
            const std::string name = "s" + std::to_string(prepared.size());
            Result p(PQprepare(c, name.c_str(), sql.c_str(), b.size(), b.types()));
            check(op, p, sql);
            it = prepared.emplace(sql, name).first;
        }
        std::vector<const char*> values;
        std::vector<int> lengths;
        b.arrays(values, lengths);
        Result r(PQexecPrepared(c, it->second.c_str(), b.size(), values.data(), lengths.data(), b.formats(), 1));
        check(op, r, sql);
        return r;
    }

    // A statement without parameters or prepared plan (BEGIN, COMMIT, DDL).
    void run(const std::string& op, const std::string& sql) {
        Result r(PQexec(c, sql.c_str()));
        check(op, r, sql);
    }

    void check(const std::string& op, const Result& r, const std::string& sql) {
        const ExecStatusType st = r.r ? PQresultStatus(r.r) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
        const char* state = r.r ? PQresultErrorField(r.r, PG_DIAG_SQLSTATE) : nullptr;
        std::string sqlstate = state ? state : "";
        std::string msg = r.r ? PQresultErrorMessage(r.r) : PQerrorMessage(c);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        // An error the server sent always has a SQLSTATE; one without is
        // libpq's own, about the connection (a write to a closed socket
        // may leave PQstatus OK until the next read).
        const bool lost = broken() || sqlstate.empty() || connection_error(sqlstate);
        static_cast<void>(sql);
        throw PgError("store: " + op + ": " + msg + (sqlstate.empty() ? "" : " (SQLSTATE " + sqlstate + ")"),
                      sqlstate, lost);
    }

    PGconn* c;
    std::unordered_map<std::string, std::string> prepared;
};

struct PostgresStore::Impl {
    Impl(std::string info, const StoreOptions& o) : conninfo(std::move(info)), opts(o) {}

    // Runs f(conn) on a connection of the pool. A broken connection is
    // dropped with every idle one (they share its fate: a restarted server);
    // `idempotent` (a read, a renewal, a finish that recognises its own
    // earlier commit) runs f once more on a fresh connection then.
    template <class F>
    auto with(const char* op, bool idempotent, F&& f) {
        for (int attempt = 0;; ++attempt) {
            std::unique_ptr<PgConn> c = take(op);
            try {
                auto result = f(*c);
                give_back(std::move(c));
                return result;
            } catch (const PgError& e) {
                if (!e.unavailable()) {
                    settle(*c, op);
                    give_back(std::move(c));
                    throw;
                }
                c.reset();
                drop_idle();
                if (!idempotent || attempt > 0) throw;
            } catch (...) {
                settle(*c, op);
                give_back(std::move(c));
                throw;
            }
        }
    }

    // A connection left inside a transaction by a failure is rolled back
    // before it is pooled again (give_back drops it if that fails).
    static void settle(PgConn& c, const char* op) {
        if (c.broken() || PQtransactionStatus(c.c) == PQTRANS_IDLE) return;
        try {
            c.run(op, "ROLLBACK");
        } catch (const std::exception&) {
        }
    }

    // In one transaction (BEGIN ... COMMIT); rolled back when f throws.
    template <class F>
    auto in_tx(const char* op, const char* begin, F&& f) {
        return with(op, false, [&](PgConn& c) {
            c.run(op, begin);
            auto result = f(c);
            c.run(op, "COMMIT");
            return result;
        });
    }

    std::unique_ptr<PgConn> take(const char* op) {
        std::unique_lock lock(mu);
        for (;;) {
            if (!idle.empty()) {
                std::unique_ptr<PgConn> c = std::move(idle.back());
                idle.pop_back();
                return c;
            }
            if (open < std::max(1u, opts.pool_size)) break;
            if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return !idle.empty() || open < opts.pool_size; }))
                throw StoreError(std::string("store: ") + op + ": every one of the " +
                                     std::to_string(opts.pool_size) + " database connections stayed busy for 10 s",
                                 0, true);
        }
        const auto now = std::chrono::steady_clock::now();
        if (now < next_connect)
            throw StoreError(std::string("store: ") + op + ": the database is unreachable (" + last_error +
                                 "); the next try is in " +
                                 std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(next_connect - now)
                                                    .count()) +
                                 " ms",
                             0, true);
        ++open;
        lock.unlock();
        std::unique_ptr<PgConn> c;
        std::string error;
        try {
            c = connect();
        } catch (const std::exception& e) {
            error = e.what();
        }
        lock.lock();
        if (!c) {
            --open;
            last_error = error;
            next_connect = std::chrono::steady_clock::now() + backoff;
            backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
            cv.notify_one();
            throw StoreError(std::string("store: ") + op + ": " + error, 0, true);
        }
        backoff = std::chrono::milliseconds(100);
        return c;
    }

    void give_back(std::unique_ptr<PgConn> c) {
        std::lock_guard lock(mu);
        if (c && !c->broken() && PQtransactionStatus(c->c) == PQTRANS_IDLE) idle.push_back(std::move(c));
        else if (c) {
            c.reset();
            --open;
        }
        cv.notify_one();
    }

    // Called with a broken connection in hand (it is not given back): it and
    // every idle one go.
    void drop_idle() {
        std::vector<std::unique_ptr<PgConn>> gone;
        {
            std::lock_guard lock(mu);
            gone.swap(idle);
            open -= static_cast<unsigned>(gone.size()) + 1;
            cv.notify_all();
        }
    }

    std::unique_ptr<PgConn> connect() {
        // connect_timeout before dbname: the URL's own value, if any, wins.
        const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
        const char* values[] = {"5", "judged", conninfo.c_str(), nullptr};
        PGconn* raw = PQconnectdbParams(keys, values, 1);
        if (raw == nullptr) throw StoreError("store: connect: out of memory");
        auto c = std::make_unique<PgConn>(raw);
        if (PQstatus(raw) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(raw);
            while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
            throw StoreError("connect: " + msg, 0, true);
        }
        // Every session the same: UTC for the day buckets of statistics(),
        // no statement left hanging on a lock forever.
        c->run("connect", "SET TIME ZONE 'UTC'; SET lock_timeout = '10s'; SET statement_timeout = '60s'");
        return c;
    }

    void migrate();
    void listen_loop(Events on);

    std::thread listener;
    std::mutex listen_mu;  // guards stop_listen
    bool stop_listen = false;
    int wake_pipe[2] = {-1, -1};  // written by stop_listening: the listener's poll returns

    const std::string conninfo;
    const StoreOptions opts;
    std::mutex mu;  // guards idle, open, next_connect, backoff, last_error
    std::condition_variable cv;
    std::vector<std::unique_ptr<PgConn>> idle;
    unsigned open = 0;  // connections that exist (idle or in use)
    std::chrono::steady_clock::time_point next_connect{};
    std::chrono::milliseconds backoff{100};
    std::string last_error;
};

// All missing migrations in one transaction under an advisory lock: a node
// starting while another migrates waits, then finds the work done.
void PostgresStore::Impl::migrate() {
    const std::vector<Migration>& all = postgres_migrations();
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].number != static_cast<int>(i) + 1)
            throw StoreError(std::string("store: migrations: ") + all[i].name +
                             " is out of sequence (expected number " + std::to_string(i + 1) + ")");
    }
    const int latest = all.empty() ? 0 : all.back().number;
    in_tx("migrate", "BEGIN", [&](PgConn& c) {
        c.run("migrate", std::string("SELECT pg_advisory_xact_lock(") + migration_lock + ")");
        c.run("migrate",
              "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL, "
              "applied_at_ms BIGINT NOT NULL)");
        Result v = c.exec("migrate", "SELECT coalesce(max(number), 0)::bigint FROM schema_migrations");
        Reader rd(v, 0);
        const std::int64_t version = rd.int64();
        if (version > latest)
            throw StoreError("store: open: database schema version " + std::to_string(version) +
                             " is newer than this binary's " + std::to_string(latest));
        for (const Migration& m : all) {
            if (m.number <= version) continue;
            try {
                c.run("migrate", m.sql);
            } catch (const PgError& e) {
                throw PgError(std::string("store: migrate to ") + m.name + ": " + e.what(), e.sqlstate,
                              e.unavailable());
            }
            Binder b;
            b.integer(m.number);
            b.text(m.name);
            b.integer(now_ms());
            c.exec("migrate", "INSERT INTO schema_migrations (number, name, applied_at_ms) VALUES ($1, $2, $3)", b);
        }
        return 0;
    });
}

PostgresStore::PostgresStore(const std::string& conninfo, const StoreOptions& opts)
    : impl_(std::make_unique<Impl>(conninfo, opts)) {
    impl_->migrate();
}

PostgresStore::~PostgresStore() { stop_listening(); }

bool PostgresStore::listen(Events on) {
    if (impl_->listener.joinable()) return true;
    if (::pipe2(impl_->wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::system_error(errno, std::generic_category(), "store: listen: pipe2");
    impl_->listener = std::thread([this, on = std::move(on)] { impl_->listen_loop(on); });
    return true;
}

void PostgresStore::stop_listening() {
    if (!impl_->listener.joinable()) return;
    {
        std::lock_guard lock(impl_->listen_mu);
        impl_->stop_listen = true;
    }
    const char b = 0;
    if (::write(impl_->wake_pipe[1], &b, 1) != 1) {
        // The pipe is empty and ours: cannot fail; the poll's 1 s timeout would do anyway.
    }
    impl_->listener.join();
    ::close(impl_->wake_pipe[0]);
    ::close(impl_->wake_pipe[1]);
}

// LISTEN on a connection of its own, then wait on its socket (and the stop
// pipe) and hand each notification on. A lost connection is made again with
// a backoff; after that, resync: what was sent meanwhile is not replayed.
void PostgresStore::Impl::listen_loop(Events on) {
    ::pthread_setname_np(::pthread_self(), "store-listen");
    std::chrono::milliseconds delay(100);
    bool first = true;
    for (;;) {
        {
            std::lock_guard lock(listen_mu);
            if (stop_listen) return;
        }
        std::unique_ptr<PgConn> c;
        try {
            c = connect();
            c->run("listen", "LISTEN judge_queued; LISTEN judge_finished");
            delay = std::chrono::milliseconds(100);
            if (!first && on.resync) on.resync();
            first = false;
        } catch (const std::exception&) {  // the server is away: try again after the delay
            c.reset();
        }
        while (c && !c->broken()) {
            pollfd fds[2] = {{PQsocket(c->c), POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};
            const int n = ::poll(fds, 2, 1000);
            if (n < 0 && errno != EINTR) break;
            if (fds[1].revents) return;
            if (n <= 0 || !fds[0].revents) continue;
            if (PQconsumeInput(c->c) == 0) break;  // the connection is gone
            while (PGnotify* note = PQnotifies(c->c)) {
                const std::string channel = note->relname, payload = note->extra ? note->extra : "";
                PQfreemem(note);
                try {
                    if (channel == "judge_queued" && on.queued) on.queued();
                    else if (channel == "judge_finished" && on.finished) on.finished(payload);
                } catch (const std::exception&) {  // a handler's failure is its own: keep listening
                }
            }
        }
        pollfd stop{wake_pipe[0], POLLIN, 0};
        if (::poll(&stop, 1, static_cast<int>(delay.count())) > 0) return;
        delay = std::min(delay * 2, std::chrono::milliseconds(2000));
    }
}

int PostgresStore::schema_version() {
    return impl_->with("schema_version", true, [&](PgConn& c) {
        Result r = c.exec("schema_version", "SELECT coalesce(max(number), 0)::bigint FROM schema_migrations");
        Reader rd(r, 0);
        return static_cast<int>(rd.int64());
    });
}

int PostgresStore::latest_schema_version() const {
    const std::vector<Migration>& all = postgres_migrations();
    return all.empty() ? 0 : all.back().number;
}

namespace {

std::optional<Record> get_row(PgConn& c, std::string_view token) {
    static const std::string sql = select_records("WHERE token = $1");
    Binder b;
    b.text(token);
    Result r = c.exec("get", sql, b);
    if (r.rows() == 0) return std::nullopt;
    Reader rd(r, 0);
    return read_record_columns(rd);
}

StagedInsert stage_insert(PgConn& c, const Record& r, const std::optional<std::string>& key, std::int64_t keys_since_ms) {
    StagedInsert st;
    if (key) {
        {
            static const std::string sql = select_records(
                "WHERE id = (SELECT submission_id FROM idempotency_keys WHERE key = $1 AND created_at_ms >= $2)");
            Binder b;
            b.bytes(*key);
            b.integer(keys_since_ms);
            Result q = c.exec("insert", sql, b);
            if (q.rows() > 0) {
                Reader rd(q, 0);
                st.earlier = read_record_columns(rd);
                st.outcome = same_inputs(st.earlier, r) ? InsertGroup::Outcome::replayed
                                                        : InsertGroup::Outcome::key_conflict;
                return st;
            }
        }
        // Only an expired key: a fresh one here was committed by another
        // node after the lookup above, and must stand (this group then fails
        // unique on its own key and is run again, replaying that row).
        Binder b;
        b.bytes(*key);
        b.integer(keys_since_ms);
        c.exec("insert", "DELETE FROM idempotency_keys WHERE key = $1 AND created_at_ms < $2", b);
    }
    st.token = r.token.empty() ? new_token() : r.token;
    st.created_at_ms = now_ms();
    {
        static const std::string sql = insert_sql();
        Binder b;
        bind_record(b, r, st.token, st.created_at_ms);
        Result q = c.exec("insert", sql, b);
        Reader rd(q, 0);
        st.id = rd.int64();
    }
    if (key) {
        Binder b;
        b.bytes(*key);
        b.integer(st.id);
        b.integer(st.created_at_ms);
        c.exec("insert", "INSERT INTO idempotency_keys (key, submission_id, created_at_ms) VALUES ($1, $2, $3)", b);
    }
    return st;
}

// One group in a savepoint: a data error undoes that group alone (its
// error), and a key another node committed meanwhile runs it once more.
void stage_group(PgConn& c, const InsertGroup& group, std::int64_t keys_since_ms, std::vector<StagedInsert>& staged,
                 std::exception_ptr& error) {
    // Two api nodes given one idempotency key at once: the second's key
    // insert waits for the first's commit, then fails unique. Run the group
    // again: its lookup now sees the first row and replays it (READ
    // COMMITTED: each statement sees the latest).
    for (int attempt = 0;; ++attempt) {
        c.run("insert", "SAVEPOINT insert_group");
        try {
            for (std::size_t i = 0; i < group.records.size(); ++i)
                staged.push_back(stage_insert(c, group.records[i],
                                              group.keys.empty() ? std::nullopt : group.keys[i], keys_since_ms));
            c.run("insert", "RELEASE insert_group");
            return;
        } catch (const PgError& e) {
            if (e.unavailable() || !data_error(e.sqlstate)) throw;
            c.run("insert", "ROLLBACK TO insert_group");
            c.run("insert", "RELEASE insert_group");
            staged.clear();
            if (e.sqlstate == "23505" && !group.keys.empty() && attempt == 0) continue;  // unique_violation
            error = std::make_exception_ptr(StoreError(e.what()));
            return;
        }
    }
}

}  // namespace

// Each group in a savepoint of its own, so a row the database refuses fails
// its group alone. That costs two round trips a group, most of a single
// POST's: groups without keys go first without one, and only when some
// statement fails does the whole transaction run again with savepoints.
void PostgresStore::insert_groups(std::vector<InsertGroup>& groups) {
    check_insert_groups(groups);
    const std::int64_t keys_since_ms = now_ms() - impl_->opts.idempotency_retention_seconds * 1000;
    std::vector<std::vector<StagedInsert>> staged(groups.size());
    std::vector<std::exception_ptr> errors(groups.size());
    for (const bool careful : {false, true}) {
        try {
            impl_->in_tx("insert", "BEGIN", [&](PgConn& c) {
                bool any = false;
                for (std::size_t g = 0; g < groups.size(); ++g) {
                    staged[g].clear();
                    errors[g] = nullptr;
                    const InsertGroup& group = groups[g];
                    if (!careful && group.keys.empty()) {
                        for (const Record& r : group.records)
                            staged[g].push_back(stage_insert(c, r, std::nullopt, keys_since_ms));
                    } else {
                        stage_group(c, group, keys_since_ms, staged[g], errors[g]);
                    }
                    for (const StagedInsert& st : staged[g])
                        any = any || st.outcome == InsertGroup::Outcome::inserted;
                }
                if (any) c.run("insert", "NOTIFY judge_queued");
                return 0;
            });
            break;
        } catch (const PgError& e) {
            if (careful || e.unavailable() || !data_error(e.sqlstate)) throw;
        }
    }
    apply_staged(groups, staged, errors);
}

std::optional<Record> PostgresStore::get(std::string_view token) {
    return impl_->with("get", true, [&](PgConn& c) { return get_row(c, token); });
}

std::vector<std::optional<Record>> PostgresStore::get_many(const std::vector<std::string>& tokens) {
    return impl_->with("get_many", true, [&](PgConn& c) {
        c.run("get_many", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");  // one snapshot for all
        std::vector<std::optional<Record>> out;
        out.reserve(tokens.size());
        for (const std::string& t : tokens) out.push_back(get_row(c, t));
        c.run("get_many", "COMMIT");
        return out;
    });
}

Store::Page PostgresStore::list(std::int64_t page, std::int64_t per_page) {
    if (page < 1 || per_page < 1)
        throw std::invalid_argument("store: list: page and per_page must be at least 1 (got " + std::to_string(page) +
                                    ", " + std::to_string(per_page) + ")");
    return impl_->with("list", true, [&](PgConn& c) {
        Page out;
        c.run("list", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        {
            Result r = c.exec("list", "SELECT count(*) FROM submissions");
            Reader rd(r, 0);
            out.total = rd.int64();
        }
        if (page - 1 <= std::numeric_limits<std::int64_t>::max() / per_page) {
            static const std::string sql = select_records("ORDER BY created_at_ms DESC, id DESC LIMIT $1 OFFSET $2");
            Binder b;
            b.integer(per_page);
            b.integer((page - 1) * per_page);
            Result r = c.exec("list", sql, b);
            for (int i = 0; i < r.rows(); ++i) {
                Reader rd(r, i);
                out.records.push_back(read_record_columns(rd));
            }
        }
        c.run("list", "COMMIT");
        return out;
    });
}

Store::RemoveResult PostgresStore::remove(std::string_view token, Record* out) {
    return impl_->in_tx("remove", "BEGIN", [&](PgConn& c) {
        static const std::string sql = select_records("WHERE token = $1 FOR UPDATE");
        Binder b;
        b.text(token);
        Result r = c.exec("remove", sql, b);
        if (r.rows() == 0) return RemoveResult::not_found;
        Reader rd(r, 0);
        Record row = read_record_columns(rd);
        if (row.status_id == status::in_queue || row.status_id == status::processing) return RemoveResult::busy;
        Binder d;
        d.integer(row.id);
        c.exec("remove", "DELETE FROM submissions WHERE id = $1", d);
        if (out != nullptr) *out = std::move(row);
        return RemoveResult::removed;
    });
}

std::optional<Record> PostgresStore::claim(std::string_view worker, std::chrono::milliseconds lease) {
    // One statement, so one transaction. SKIP LOCKED: a row another claimer
    // holds is passed over, not waited for. RETURNING reads the row as
    // updated (worker, claim_no + 1). Durable: the server may crash while
    // the worker lives on, and a lost claim would have that worker judge a
    // row another worker is judging too.
    static const std::string sql =
        std::string("UPDATE submissions SET status_id = 2, worker = $1, claimed_at_ms = ") + db_now_ms +
        ", lease_expires_ms = " + db_now_ms +
        " + $2, claim_no = claim_no + 1 WHERE id = (SELECT id FROM submissions WHERE status_id = 1 ORDER BY id "
        "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, " +
        record_columns + ", " + claim_columns_tail;
    return impl_->with("claim", false, [&](PgConn& c) -> std::optional<Record> {
        Binder b;
        b.text(worker);
        b.integer(static_cast<std::int64_t>(lease.count()));
        Result r = c.exec("claim", sql, b);
        if (r.rows() == 0) return std::nullopt;
        Reader rd(r, 0);
        return read_record_columns(rd);
    });
}

bool PostgresStore::renew(std::string_view token, std::string_view worker, std::int64_t claim_no,
                          std::chrono::milliseconds lease) {
    static const std::string sql = std::string("UPDATE submissions SET lease_expires_ms = ") + db_now_ms +
                                   " + $1 WHERE token = $2 AND status_id = 2 AND claim_no = $3 AND worker = $4";
    return impl_->with("renew", true, [&](PgConn& c) {
        Binder b;
        b.integer(static_cast<std::int64_t>(lease.count()));
        b.text(token);
        b.integer(claim_no);
        b.text(worker);
        Result r = c.exec("renew", sql, b);
        return std::strcmp(PQcmdTuples(r.r), "0") != 0;
    });
}

bool PostgresStore::finish(const Record& r) {
    require_final_status(r);
    // pg_notify in the same statement: every node hears of it at the commit.
    static const std::string sql =
        "WITH u AS (UPDATE submissions SET status_id = $1, stdout = $2, stderr = $3, compile_output = $4, "
        "message = $5, exit_code = $6, exit_signal = $7, time = $8, wall_time = $9, memory = $10, "
        "finished_at_ms = $11, verdict_json = $12, test_results_json = $13, problem_result_json = $14, "
        "lease_expires_ms = NULL WHERE token = $15 AND status_id = 2 AND claim_no = $16 AND worker = $17 "
        "RETURNING token) "
        "SELECT pg_notify('judge_finished', token) FROM u";
    return impl_->with("finish", true, [&](PgConn& c) {
        Binder b;
        bind_outputs(b, r);
        b.text(r.token);
        b.integer(r.claim_no);
        b.text(r.worker);
        if (c.exec("finish", sql, b).rows() > 0) return true;
        // Nothing updated: still ours only if an earlier try of this very
        // claim committed and its answer was lost with the connection.
        Binder q;
        q.text(r.token);
        q.integer(r.claim_no);
        q.text(r.worker);
        return c.exec("finish",
                      "SELECT 1 FROM submissions WHERE token = $1 AND claim_no = $2 AND worker = $3 AND "
                      "status_id >= 3",
                      q)
                   .rows() > 0;
    });
}

bool PostgresStore::release(std::string_view token, std::string_view worker, std::int64_t claim_no) {
    static const std::string sql =
        "WITH u AS (UPDATE submissions SET status_id = 1, worker = NULL, claimed_at_ms = NULL, "
        "lease_expires_ms = NULL WHERE token = $1 AND status_id = 2 AND claim_no = $2 AND worker = $3 "
        "RETURNING token) SELECT pg_notify('judge_queued', '') FROM u";
    return impl_->with("release", false, [&](PgConn& c) {
        Binder b;
        b.text(token);
        b.integer(claim_no);
        b.text(worker);
        return c.exec("release", sql, b).rows() > 0;
    });
}

std::vector<std::string> PostgresStore::requeue_expired() {
    static const std::string sql =
        std::string("WITH u AS (UPDATE submissions SET status_id = 1, worker = NULL, claimed_at_ms = NULL, "
                    "lease_expires_ms = NULL WHERE status_id = 2 AND (lease_expires_ms IS NULL OR lease_expires_ms < ") +
        db_now_ms + ") RETURNING token) SELECT token, pg_notify('judge_queued', '') FROM u";
    return impl_->with("requeue_expired", false, [&](PgConn& c) {
        Result r = c.exec("requeue_expired", sql);
        std::vector<std::string> out;
        for (int i = 0; i < r.rows(); ++i) {
            Reader rd(r, i);
            out.push_back(rd.bytes());
        }
        return out;
    });
}

namespace {
constexpr const char* claim_select =
    "SELECT token, worker, claim_no, coalesce(claimed_at_ms, 0), coalesce(lease_expires_ms, 0) FROM submissions ";
std::vector<ClaimRow> read_claims(const Result& r) {
    std::vector<ClaimRow> out;
    for (int i = 0; i < r.rows(); ++i) {
        Reader rd(r, i);
        ClaimRow c;
        c.token = rd.bytes();
        c.worker = rd.bytes();
        c.claim_no = rd.int64();
        c.claimed_at_ms = rd.int64();
        c.lease_expires_ms = rd.int64();
        out.push_back(std::move(c));
    }
    return out;
}
}  // namespace

std::vector<ClaimRow> PostgresStore::claims() {
    return impl_->with("claims", true, [&](PgConn& c) {
        return read_claims(c.exec("claims", std::string(claim_select) + "WHERE status_id = 2 ORDER BY id"));
    });
}

void PostgresStore::beat_node(const NodeRow& n, std::chrono::milliseconds expiry) {
    // One statement: the dead are forgotten in the same beat that keeps us.
    static const std::string sql =
        std::string("WITH gone AS (DELETE FROM nodes WHERE node <> $1 AND seen_at_ms < ") + db_now_ms +
        " - $5) INSERT INTO nodes (node, role, workers, started_at_ms, seen_at_ms) VALUES ($1, $2, $3, $4, " +
        db_now_ms +
        ") ON CONFLICT (node) DO UPDATE SET role = excluded.role, workers = excluded.workers, "
        "started_at_ms = excluded.started_at_ms, seen_at_ms = excluded.seen_at_ms";
    impl_->with("beat_node", true, [&](PgConn& c) {
        Binder b;
        b.text(n.node);
        b.text(n.role);
        b.integer(n.workers);
        b.integer(n.started_at_ms);
        b.integer(static_cast<std::int64_t>(expiry.count()));
        c.exec("beat_node", sql, b);
        return true;
    });
}

std::vector<NodeRow> PostgresStore::nodes(std::chrono::milliseconds within) {
    static const std::string sql =
        std::string("SELECT node, role, workers, started_at_ms, seen_at_ms FROM nodes WHERE seen_at_ms >= ") +
        db_now_ms + " - $1 ORDER BY node";
    return impl_->with("nodes", true, [&](PgConn& c) {
        Binder b;
        b.integer(static_cast<std::int64_t>(within.count()));
        Result r = c.exec("nodes", sql, b);
        std::vector<NodeRow> out;
        for (int i = 0; i < r.rows(); ++i) {
            Reader rd(r, i);
            NodeRow n;
            n.node = rd.bytes();
            n.role = rd.bytes();
            n.workers = rd.int64();
            n.started_at_ms = rd.int64();
            n.seen_at_ms = rd.int64();
            out.push_back(std::move(n));
        }
        return out;
    });
}

bool PostgresStore::remove_node(std::string_view node) {
    return impl_->with("remove_node", true, [&](PgConn& c) {
        Binder b;
        b.text(node);
        Result r = c.exec("remove_node", "DELETE FROM nodes WHERE node = $1", b);
        return std::strcmp(PQcmdTuples(r.r), "0") != 0;
    });
}

std::vector<ClaimRow> PostgresStore::claims_of_host(std::string_view host) {
    return impl_->with("claims_of_host", true, [&](PgConn& c) {
        Binder b;
        b.text(std::string(host) + ":");
        return read_claims(c.exec("claims_of_host",
                                  std::string(claim_select) + "WHERE status_id = 2 AND starts_with(worker, $1) ORDER BY id",
                                  b));
    });
}

namespace {
std::int64_t count(PgConn& c, const char* op, const std::string& sql) {
    Result r = c.exec(op, sql);
    Reader rd(r, 0);
    return rd.int64();
}
}  // namespace

std::int64_t PostgresStore::count_in_queue() {
    return impl_->with("count_in_queue", true,
                       [&](PgConn& c) { return count(c, "count_in_queue", "SELECT count(*) FROM submissions WHERE status_id = 1"); });
}

std::int64_t PostgresStore::count_processing() {
    return impl_->with("count_processing", true, [&](PgConn& c) {
        return count(c, "count_processing", "SELECT count(*) FROM submissions WHERE status_id = 2");
    });
}

std::int64_t PostgresStore::purge_finished_before(std::int64_t before_ms) {
    return impl_->with("purge_finished_before", false, [&](PgConn& c) {
        Binder b;
        b.integer(before_ms);
        Result r = c.exec("purge_finished_before",
                          "DELETE FROM submissions WHERE status_id >= 3 AND created_at_ms < $1", b);
        return static_cast<std::int64_t>(std::stoll(PQcmdTuples(r.r)));
    });
}

std::int64_t PostgresStore::purge_idempotency_keys() {
    const std::int64_t before_ms = now_ms() - impl_->opts.idempotency_retention_seconds * 1000;
    return impl_->with("purge_idempotency_keys", false, [&](PgConn& c) {
        Binder b;
        b.integer(before_ms);
        Result r = c.exec("purge_idempotency_keys", "DELETE FROM idempotency_keys WHERE created_at_ms < $1", b);
        return static_cast<std::int64_t>(std::stoll(PQcmdTuples(r.r)));
    });
}

Statistics PostgresStore::statistics() {
    return impl_->with("statistics", true, [&](PgConn& c) {
        Statistics s;
        c.run("statistics", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        s.total = count(c, "statistics", "SELECT count(*) FROM submissions");
        {
            Result r = c.exec("statistics",
                              "SELECT to_char(to_timestamp((created_at_ms / 1000)::double precision), 'YYYY-MM-DD') "
                              "AS day, count(*) FROM submissions GROUP BY day");
            for (int i = 0; i < r.rows(); ++i) {
                Reader rd(r, i);
                const std::string day = rd.bytes();
                s.by_day[day] = rd.int64();
            }
        }
        for (const auto& [sql, into] : {std::pair{"SELECT language_id, count(*) FROM submissions GROUP BY language_id",
                                                  &s.by_language},
                                        std::pair{"SELECT status_id, count(*) FROM submissions GROUP BY status_id",
                                                  &s.by_status}}) {
            Result r = c.exec("statistics", sql);
            for (int i = 0; i < r.rows(); ++i) {
                Reader rd(r, i);
                const int key = rd.int32();
                (*into)[key] = rd.int64();
            }
        }
        s.database_bytes = count(c, "statistics", "SELECT pg_database_size(current_database())");
        c.run("statistics", "COMMIT");
        return s;
    });
}

bool PostgresStore::writable() {
    try {
        return impl_->with("writable", false, [&](PgConn& c) {
            Binder b;
            b.integer(now_ms());
            c.exec("writable",
                   "INSERT INTO health (id, checked_at_ms) VALUES (1, $1) "
                   "ON CONFLICT (id) DO UPDATE SET checked_at_ms = excluded.checked_at_ms",
                   b);
            return true;
        });
    } catch (const std::exception&) {
        return false;
    }
}

// --- Problems.

namespace {
constexpr const char* problem_select =
    "SELECT id, version, name, summary_json, path, created_at_ms, package_sha256 FROM problems ";
std::vector<ProblemRow> read_problems(const Result& r) {
    std::vector<ProblemRow> out;
    for (int i = 0; i < r.rows(); ++i) {
        Reader rd(r, i);
        ProblemRow p;
        p.id = rd.bytes();
        p.version = rd.int64();
        p.name = rd.bytes();
        p.summary_json = rd.bytes();
        p.path = rd.bytes();
        p.created_at_ms = rd.int64();
        p.package_sha256 = rd.opt_bytes().value_or("");
        out.push_back(std::move(p));
    }
    return out;
}
}  // namespace

std::int64_t PostgresStore::next_problem_version(std::string_view id) {
    return impl_->with("next_problem_version", true, [&](PgConn& c) {
        Binder b;
        b.text(id);
        Result r = c.exec("next_problem_version",
                          "SELECT (coalesce(max(version), 0) + 1)::bigint FROM problems WHERE id = $1", b);
        Reader rd(r, 0);
        return rd.int64();
    });
}

void PostgresStore::add_problem(const ProblemRow& p, std::string_view package) {
    impl_->in_tx("add_problem", "BEGIN", [&](PgConn& c) {
        if (!p.package_sha256.empty()) {
            Binder k;
            k.text(p.package_sha256);
            k.bytes(std::string(package));
            k.integer(p.created_at_ms);
            c.exec("add_package",
                   "INSERT INTO problem_packages (sha256, zip, created_at_ms) VALUES ($1, $2, $3) "
                   "ON CONFLICT (sha256) DO NOTHING",
                   k);
        }
        Binder b;
        b.text(p.id);
        b.integer(p.version);
        b.bytes(p.name);
        b.bytes(p.summary_json);
        b.bytes(p.path);
        b.integer(p.created_at_ms);
        if (p.package_sha256.empty()) b.null();
        else b.text(p.package_sha256);
        c.exec("add_problem",
               "INSERT INTO problems (id, version, name, summary_json, path, created_at_ms, package_sha256) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7)",
               b);
        return 0;
    });
}

std::optional<std::string> PostgresStore::package(std::string_view sha256) {
    return impl_->with("package", true, [&](PgConn& c) -> std::optional<std::string> {
        Binder b;
        b.text(sha256);
        Result r = c.exec("package", "SELECT zip FROM problem_packages WHERE sha256 = $1", b);
        if (r.rows() == 0) return std::nullopt;
        Reader rd(r, 0);
        return rd.bytes();
    });
}

std::optional<ProblemRow> PostgresStore::problem(std::string_view id, std::optional<std::int64_t> version) {
    return impl_->with("problem", true, [&](PgConn& c) -> std::optional<ProblemRow> {
        Binder b;
        b.text(id);
        if (version) b.integer(*version);
        auto rows = read_problems(c.exec(
            "problem", std::string(problem_select) +
                           (version ? "WHERE id = $1 AND version = $2" : "WHERE id = $1 ORDER BY version DESC LIMIT 1"),
            b));
        if (rows.empty()) return std::nullopt;
        return std::move(rows.front());
    });
}

std::vector<ProblemRow> PostgresStore::problems() {
    return impl_->with("problems", true, [&](PgConn& c) {
        return read_problems(c.exec("problems", std::string(problem_select) +
                                                    "p WHERE version = (SELECT max(version) FROM problems WHERE id = "
                                                    "p.id) ORDER BY id"));
    });
}

std::vector<ProblemRow> PostgresStore::problem_versions(std::string_view id) {
    return impl_->with("problem_versions", true, [&](PgConn& c) {
        Binder b;
        b.text(id);
        return read_problems(c.exec("problem_versions", std::string(problem_select) + "WHERE id = $1 ORDER BY version", b));
    });
}

bool PostgresStore::problem_in_use(std::string_view id) {
    return impl_->with("problem_in_use", true, [&](PgConn& c) {
        Binder b;
        b.bytes(std::string(id));
        return c.exec("problem_in_use", "SELECT 1 FROM submissions WHERE problem_id = $1 AND status_id <= 2 LIMIT 1", b)
                   .rows() > 0;
    });
}

std::vector<ProblemRow> PostgresStore::remove_problem(std::string_view id) {
    return impl_->with("remove_problem", false, [&](PgConn& c) {
        Binder b;
        b.text(id);
        // One statement: the packages go with the last row using them (the
        // NOT EXISTS sees the rows as before the delete, hence id <> $1).
        return read_problems(c.exec(
            "remove_problem",
            "WITH gone AS (DELETE FROM problems WHERE id = $1 RETURNING id, version, name, summary_json, path, "
            "created_at_ms, package_sha256), pk AS (DELETE FROM problem_packages k WHERE k.sha256 IN "
            "(SELECT package_sha256 FROM gone) AND NOT EXISTS (SELECT 1 FROM problems q WHERE q.package_sha256 = "
            "k.sha256 AND q.id <> $1)) SELECT * FROM gone ORDER BY version",
            b));
    });
}

// --- Callback outbox.

std::int64_t PostgresStore::add_callback(std::string_view token, const std::string& url, const std::string& body,
                                         std::string_view owner, std::chrono::milliseconds lease) {
    static const std::string sql =
        std::string("INSERT INTO callbacks (token, url, body, tries_used, created_at_ms, owner, lease_expires_ms) "
                    "VALUES ($1, $2, $3, 0, $4, $5, CASE WHEN $5::text IS NULL THEN NULL ELSE ") +
        db_now_ms + " + $6 END) RETURNING id";
    return impl_->with("add_callback", false, [&](PgConn& c) {
        Binder b;
        b.text(token);
        b.bytes(url);
        b.bytes(body);
        b.integer(now_ms());
        if (owner.empty()) b.null();
        else b.text(owner);
        b.integer(static_cast<std::int64_t>(lease.count()));
        Result r = c.exec("add_callback", sql, b);
        Reader rd(r, 0);
        return rd.int64();
    });
}

std::int64_t PostgresStore::renew_callbacks(std::string_view owner, std::chrono::milliseconds lease) {
    static const std::string sql =
        std::string("UPDATE callbacks SET lease_expires_ms = ") + db_now_ms + " + $1 WHERE owner = $2";
    return impl_->with("renew_callbacks", true, [&](PgConn& c) {
        Binder b;
        b.integer(static_cast<std::int64_t>(lease.count()));
        b.text(owner);
        Result r = c.exec("renew_callbacks", sql, b);
        return static_cast<std::int64_t>(std::atoll(PQcmdTuples(r.r)));
    });
}

namespace {
constexpr const char* callback_columns = "id, token, url, body, tries_used, created_at_ms, owner, lease_expires_ms";
std::vector<CallbackRow> read_callbacks(const Result& r) {
    std::vector<CallbackRow> out;
    for (int i = 0; i < r.rows(); ++i) {
        Reader rd(r, i);
        CallbackRow row;
        row.id = rd.int64();
        row.token = rd.bytes();
        row.url = rd.bytes();
        row.body = rd.bytes();
        row.tries_used = rd.int64();
        row.created_at_ms = rd.int64();
        row.owner = rd.opt_bytes().value_or("");
        row.lease_expires_ms = rd.opt_int64().value_or(0);
        out.push_back(std::move(row));
    }
    return out;
}
// A text[] literal: each element quoted, " and \ escaped.
std::string text_array(const std::vector<std::string>& v) {
    std::string out = "{";
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char ch : v[i]) {
            if (ch == '"' || ch == '\\') out += '\\';
            out += ch;
        }
        out += '"';
    }
    return out + "}";
}
}  // namespace

std::vector<CallbackRow> PostgresStore::adopt_callbacks(std::string_view owner, std::chrono::milliseconds lease,
                                                        const std::vector<std::string>& dead_owners) {
    // SKIP LOCKED: a row another node is adopting now is left to it.
    static const std::string sql =
        std::string("UPDATE callbacks SET owner = $1, lease_expires_ms = ") + db_now_ms +
        " + $2 WHERE id IN (SELECT id FROM callbacks WHERE owner IS NULL OR lease_expires_ms IS NULL OR "
        "lease_expires_ms < " + db_now_ms + " OR owner = ANY($3::text[]) FOR UPDATE SKIP LOCKED) RETURNING " +
        callback_columns;
    return impl_->with("adopt_callbacks", true, [&](PgConn& c) {
        Binder b;
        b.text(owner);
        b.integer(static_cast<std::int64_t>(lease.count()));
        b.text(text_array(dead_owners));
        auto rows = read_callbacks(c.exec("adopt_callbacks", sql, b));
        std::sort(rows.begin(), rows.end(), [](const CallbackRow& x, const CallbackRow& y) { return x.id < y.id; });
        return rows;
    });
}

std::int64_t PostgresStore::callback_attempt(std::int64_t id) {
    return impl_->with("callback_attempt", false, [&](PgConn& c) {
        Binder b;
        b.integer(id);
        Result r = c.exec("callback_attempt",
                          "UPDATE callbacks SET tries_used = tries_used + 1 WHERE id = $1 RETURNING tries_used", b);
        if (r.rows() == 0) return std::int64_t{0};
        Reader rd(r, 0);
        return rd.int64();
    });
}

bool PostgresStore::remove_callback(std::int64_t id) {
    return impl_->with("remove_callback", false, [&](PgConn& c) {
        Binder b;
        b.integer(id);
        Result r = c.exec("remove_callback", "DELETE FROM callbacks WHERE id = $1", b);
        return std::strcmp(PQcmdTuples(r.r), "0") != 0;
    });
}

std::vector<CallbackRow> PostgresStore::pending_callbacks() {
    return impl_->with("pending_callbacks", true, [&](PgConn& c) {
        return read_callbacks(
            c.exec("pending_callbacks", std::string("SELECT ") + callback_columns + " FROM callbacks ORDER BY id"));
    });
}

}  // namespace server
