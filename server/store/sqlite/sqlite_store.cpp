#include "server/store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/random.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/store/migrations.hpp"
#include "server/store/record_columns.hpp"

namespace server {

namespace {

// How long a statement waits for another connection's lock (another process
// on the same file) before failing with "database is locked".
constexpr int busy_timeout_ms = 5000;

std::string select_records(const char* rest) {
    return std::string("SELECT id, ") + record_columns + ", " + claim_columns_tail + " FROM submissions " + rest;
}

std::string insert_sql() {
    std::string sql = std::string("INSERT INTO submissions (") + record_columns + ") VALUES (?";
    for (int i = 1; i < record_column_count; ++i) sql += ", ?";
    return sql + ")";
}

int primary_code(const SQLite::Exception& e) {
    const int code = e.getErrorCode();
    return code > 0 ? (code & 0xff) : code;  // SQLiteCpp's own errors are -1
}

StoreError store_error(const std::string& op, const SQLite::Exception& e) {
    return StoreError("store: " + op + ": " + e.what(), primary_code(e));
}

// Binds parameters 1, 2, ... in order. Byte strings go in as blobs: SQLite
// keeps them bit for bit (a text binding would be too, but a blob never
// invites a conversion).
class Binder {
public:
    explicit Binder(SQLite::Statement& s) : s_(s) {}

    void bytes(const std::string& v) {
        if (v.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            throw SQLite::Exception("string or blob too big", SQLITE_TOOBIG);
        s_.bind(next_++, v.data(), static_cast<int>(v.size()));  // data() is never null: "" is a blob, not NULL
    }
    void bytes(const std::optional<std::string>& v) {
        if (v) bytes(*v);
        else null();
    }
    void text(std::string_view v) { s_.bind(next_++, std::string(v)); }
    void integer(std::int64_t v) { s_.bind(next_++, v); }
    void integer(int v) { s_.bind(next_++, v); }
    void integer(bool v) { s_.bind(next_++, v ? 1 : 0); }
    void integer(const std::optional<int>& v) {
        if (v) integer(*v);
        else null();
    }
    void integer(const std::optional<std::int64_t>& v) {
        if (v) integer(*v);
        else null();
    }
    void real(double v) { s_.bind(next_++, v); }
    void real(const std::optional<double>& v) {
        if (v) real(*v);
        else null();
    }
    void null() { s_.bind(next_++); }

private:
    SQLite::Statement& s_;
    int next_ = 1;
};

// Reads columns 0, 1, ... in order.
class Reader {
public:
    explicit Reader(const SQLite::Statement& s) : s_(s) {}

    std::string bytes() {
        const SQLite::Column c = s_.getColumn(next_++);
        const void* p = c.getBlob();  // blob first, then its size (SQLite's rule)
        const int n = c.getBytes();
        if (p == nullptr || n <= 0) return {};
        return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
    }
    std::optional<std::string> opt_bytes() {
        if (s_.isColumnNull(next_)) return skip<std::string>();
        return bytes();
    }
    std::int64_t int64() { return s_.getColumn(next_++).getInt64(); }
    int int32() { return s_.getColumn(next_++).getInt(); }
    bool boolean() { return int64() != 0; }
    double real() { return s_.getColumn(next_++).getDouble(); }
    std::optional<int> opt_int32() {
        if (s_.isColumnNull(next_)) return skip<int>();
        return int32();
    }
    std::optional<std::int64_t> opt_int64() {
        if (s_.isColumnNull(next_)) return skip<std::int64_t>();
        return int64();
    }
    std::optional<double> opt_real() {
        if (s_.isColumnNull(next_)) return skip<double>();
        return real();
    }

private:
    template <class T>
    std::optional<T> skip() {
        ++next_;
        return std::nullopt;
    }

    const SQLite::Statement& s_;
    int next_ = 0;
};

Record read_record(const SQLite::Statement& s) {
    Reader rd(s);
    return read_record_columns(rd);
}

// A cached statement in use: reset and unbound when the use ends, so no read
// snapshot stays open and no bound blob stays in memory.
class Use {
public:
    explicit Use(SQLite::Statement& s) : s_(s) {}
    ~Use() {
        static_cast<void>(s_.tryReset());
        try {
            s_.clearBindings();
        } catch (...) {  // sqlite3_clear_bindings cannot fail; a destructor never throws
        }
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    SQLite::Statement& operator*() const { return s_; }
    SQLite::Statement* operator->() const { return &s_; }

private:
    SQLite::Statement& s_;
};

std::int64_t query_int(SQLite::Database& db, const char* sql) {
    SQLite::Statement q(db, sql);
    if (!q.executeStep()) return 0;
    return q.getColumn(0).getInt64();
}

}  // namespace

// One SQLite connection and its cached statements (the SQL text is the key;
// a statement lives as long as its connection).
struct Conn {
    Conn(const std::string& path, int flags) : db(path, flags, busy_timeout_ms) {}

    SQLite::Statement& prepared(const std::string& sql) {
        auto& slot = statements[sql];
        if (!slot) slot = std::make_unique<SQLite::Statement>(db, sql);
        return *slot;
    }

    SQLite::Database db;
    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements;
};

struct SqliteStore::Impl {
    Impl(const std::string& p, const StoreOptions& o)
        : path(p), opts(o), writer(p, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE) {}

    // Runs f(writer) under the writer's mutex; SQLite's exceptions come out
    // as StoreError naming `op`.
    template <class F>
    auto locked(const char* op, F&& f) {
        std::lock_guard lock(writer_mutex);
        try {
            synchronous(opts.synchronous_full);  // back from a group's relaxed commit
            return f(writer);
        } catch (const SQLite::Exception& e) {
            throw store_error(op, e);
        }
    }

    // Group commit: runs f(writer) in a transaction shared with every
    // grouped write other threads asked for meanwhile, one commit (one fsync)
    // for them all. The first caller leads: it takes what is queued, runs
    // each in a savepoint of its own (one's failure is its caller's alone),
    // and commits; those that came during the commit form the next group.
    // A group with no durable write commits without waiting for the disk
    // (synchronous=NORMAL for that commit: safe against a crash of the
    // process, not of the machine, where it loses only such writes).
    template <class F>
    auto grouped(const char* op, bool durable, F&& f) {
        using R = decltype(f(writer));
        std::optional<R> result;
        GroupWrite w{op, [&](Conn& c) { result = f(c); }, durable, false, nullptr};
        std::unique_lock lock(group_mutex);
        group_queue.push_back(&w);
        while (!w.done) {
            if (group_leading) {
                group_cv.wait(lock);
                continue;
            }
            group_leading = true;
            std::vector<GroupWrite*> group;
            group.swap(group_queue);
            lock.unlock();
            commit_group(group);
            lock.lock();
            group_leading = false;
            group_cv.notify_all();
        }
        if (w.error) std::rethrow_exception(w.error);
        return std::move(*result);
    }

    struct GroupWrite {
        const char* op;
        std::function<void(Conn&)> run;
        bool durable;
        bool done = false;
        std::exception_ptr error;
    };
    void commit_group(const std::vector<GroupWrite*>& group);
    void synchronous(bool full);

    // Runs f on a read-only connection of the pool (one per concurrent
    // reader), never waiting for the writer. An in-memory database is one
    // connection's alone, so there the writer serves reads too.
    template <class F>
    auto reading(const char* op, F&& f) {
        if (path == ":memory:") return locked(op, std::forward<F>(f));
        try {
            std::unique_ptr<Conn> c = take_reader();
            auto result = f(*c);
            give_back(std::move(c));
            return result;
        } catch (const SQLite::Exception& e) {  // the connection is dropped, not pooled
            throw store_error(op, e);
        }
    }

    std::unique_ptr<Conn> take_reader() {
        {
            std::lock_guard lock(readers_mutex);
            if (!idle_readers.empty()) {
                std::unique_ptr<Conn> c = std::move(idle_readers.back());
                idle_readers.pop_back();
                return c;
            }
        }
        return std::make_unique<Conn>(path, SQLite::OPEN_READONLY);
    }

    void give_back(std::unique_ptr<Conn> c) {
        std::lock_guard lock(readers_mutex);
        if (idle_readers.size() < max_idle_readers) idle_readers.push_back(std::move(c));
    }

    int user_version(Conn& c) { return static_cast<int>(query_int(c.db, "PRAGMA user_version")); }

    void configure();
    void check_integrity();
    void migrate();

    // A reader left idle beyond this many is closed (a burst of readers
    // does not keep its connections).
    static constexpr std::size_t max_idle_readers = 8;

    const std::string path;
    const StoreOptions opts;
    std::mutex writer_mutex;  // guards writer, writer_full
    Conn writer;
    bool writer_full = false;  // its synchronous setting now
    std::mutex group_mutex;  // guards group_queue, group_leading and each queued write's done and error
    std::condition_variable group_cv;
    std::vector<GroupWrite*> group_queue;
    bool group_leading = false;
    std::mutex readers_mutex;  // guards idle_readers
    std::vector<std::unique_ptr<Conn>> idle_readers;
};

namespace {

std::int64_t insert_row(Conn& c, const Record& r, const std::string& token, std::int64_t created_at_ms) {
    static const std::string sql = insert_sql();
    Use q(c.prepared(sql));
    Binder b(*q);
    bind_record(b, r, token, created_at_ms);
    q->exec();
    return c.db.getLastInsertRowid();
}

std::optional<Record> get_row(Conn& c, std::string_view token) {
    static const std::string sql = select_records("WHERE token = ?");
    Use q(c.prepared(sql));
    q->bind(1, std::string(token));
    if (!q->executeStep()) return std::nullopt;
    return read_record(*q);
}

}  // namespace

void SqliteStore::Impl::commit_group(const std::vector<GroupWrite*>& group) {
    bool durable = false;
    for (const GroupWrite* w : group) durable = durable || w->durable;
    std::vector<std::exception_ptr> errors(group.size());
    std::exception_ptr failed;  // the group's own: the transaction or its commit
    {
        std::lock_guard lock(writer_mutex);
        try {
            synchronous(opts.synchronous_full && durable);
            SQLite::Transaction tx(writer.db, SQLite::TransactionBehavior::IMMEDIATE);
            for (std::size_t i = 0; i < group.size(); ++i) {
                writer.db.exec("SAVEPOINT grouped");
                try {
                    group[i]->run(writer);
                    writer.db.exec("RELEASE grouped");
                } catch (const SQLite::Exception& e) {
                    errors[i] = std::make_exception_ptr(store_error(group[i]->op, e));
                } catch (...) {
                    errors[i] = std::current_exception();
                }
                if (errors[i]) {
                    writer.db.exec("ROLLBACK TO grouped");
                    writer.db.exec("RELEASE grouped");
                }
            }
            tx.commit();
        } catch (const SQLite::Exception& e) {
            failed = std::make_exception_ptr(store_error(group.front()->op, e));
        } catch (...) {
            failed = std::current_exception();
        }
    }
    std::lock_guard lock(group_mutex);
    for (std::size_t i = 0; i < group.size(); ++i) {
        group[i]->error = failed ? failed : errors[i];
        group[i]->done = true;
    }
}

// The writer's commits wait for the disk (FULL) or not (NORMAL). Set
// outside a transaction only (SQLite refuses it inside one); called with
// writer_mutex held.
void SqliteStore::Impl::synchronous(bool full) {
    if (writer_full == full) return;
    writer.db.exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    writer_full = full;
}

void SqliteStore::Impl::configure() {
    const std::string op = "open '" + path + "'";
    try {
        // Refuse a newer database before anything writes to it (switching to
        // WAL rewrites the file header).
        const int version = user_version(writer);
        if (version > latest_version())
            throw StoreError("store: " + op + ": database schema version " + std::to_string(version) +
                             " is newer than this binary's " + std::to_string(latest_version()));
        check_integrity();
        if (path != ":memory:") {
            SQLite::Statement q(writer.db, "PRAGMA journal_mode=WAL");
            const std::string mode = q.executeStep() ? q.getColumn(0).getString() : std::string();
            if (mode != "wal")
                throw StoreError("store: " + op + ": journal_mode=WAL refused (still '" + mode + "')");
        }
        writer.db.exec(opts.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        writer_full = opts.synchronous_full;
        writer.db.exec("PRAGMA foreign_keys=ON");
    } catch (const SQLite::Exception& e) {
        throw store_error(op, e);
    }
}

// quick_check reads every page (not the indexes' agreement with their
// tables, which only a full integrity_check costs): a damaged page is found
// now, not by the first request that reads it.
void SqliteStore::Impl::check_integrity() {
    std::string report;
    try {
        SQLite::Statement q(writer.db, "PRAGMA quick_check(10)");
        while (q.executeStep()) {
            if (!report.empty()) report += "; ";
            report += q.getColumn(0).getString();
        }
    } catch (const SQLite::Exception& e) {
        report = e.what();
    }
    if (report == "ok") return;
    throw StoreError("store: open '" + path + "': the database failed its integrity check (PRAGMA quick_check: " +
                         report + "). Not starting on it: restore the file from a backup, or recover what is " +
                         "readable with `sqlite3 '" + path + "' .recover | sqlite3 recovered.db` and move " +
                         "recovered.db in its place",
                     SQLITE_CORRUPT);
}

// Each missing migration in its own IMMEDIATE transaction, which also sets
// user_version: a failure leaves the database at the last good version, and
// two processes starting at once do not both apply a migration (the second
// one re-reads the version once it holds the write lock).
void SqliteStore::Impl::migrate() {
    const std::vector<Migration>& all = sqlite_migrations();
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i].number != static_cast<int>(i) + 1)
            throw StoreError(std::string("store: migrations: ") + all[i].name + " is out of sequence (expected number " +
                             std::to_string(i + 1) + ")");
    }
    int version = 0;
    try {
        version = user_version(writer);
    } catch (const SQLite::Exception& e) {
        throw store_error("open '" + path + "'", e);
    }
    SQLite::Database& db = writer.db;
    for (const Migration& m : all) {
        if (m.number <= version) continue;
        try {
            SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
            version = user_version(writer);
            if (version > latest_version())
                throw StoreError("store: open '" + path + "': database schema version " + std::to_string(version) +
                                 " is newer than this binary's " + std::to_string(latest_version()));
            if (m.number <= version) continue;  // applied by another process meanwhile; tx rolls back
            db.exec(m.sql);
            db.exec("PRAGMA user_version = " + std::to_string(m.number));
            tx.commit();
            version = m.number;
        } catch (const SQLite::Exception& e) {
            throw store_error(std::string("migrate '") + path + "' to " + m.name, e);
        }
    }
}

namespace {

std::string marker_path(const std::string& path) { return path + ".marker"; }

// A database that existed (its marker is there) but whose file is now empty
// or gone was lost: opening it would make a fresh, empty one, and every
// earlier token would answer 404 as if it had never been.
void refuse_lost_database(const std::string& path) {
    if (path == ":memory:") return;
    std::error_code ec;
    if (!std::filesystem::exists(marker_path(path), ec)) return;
    const bool gone = !std::filesystem::exists(path, ec);
    if (!gone && std::filesystem::file_size(path, ec) != 0) return;
    if (ec && !gone) return;  // its size cannot be read: SQLite's open reports why
    throw StoreError("store: open '" + path + "': the database file is " + (gone ? "missing" : "empty (0 bytes)") +
                     " but '" + marker_path(path) + "' says a database was made here before. Not starting " +
                     "a fresh one over it: restore the file from a backup; to start empty on purpose, delete '" +
                     marker_path(path) + "'");
}

// Written (and made durable) once the database exists, for refuse_lost_database.
void write_marker(const std::string& path) {
    if (path == ":memory:") return;
    const std::string marker = marker_path(path);
    std::error_code ec;
    if (std::filesystem::exists(marker, ec)) return;
    const int fd = ::open(marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        throw StoreError("store: open '" + path + "': open('" + marker + "'): " + std::strerror(errno));
    static constexpr char text[] = "judged: the database beside this file exists; see server/store.hpp\n";
    const bool ok = ::write(fd, text, sizeof text - 1) == static_cast<ssize_t>(sizeof text - 1) && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok) throw StoreError("store: open '" + path + "': write('" + marker + "'): " + std::strerror(err));
    const std::string dir = std::filesystem::path(marker).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {  // the marker's name durable too; a failure here costs only the marker
        static_cast<void>(::fsync(dfd));
        ::close(dfd);
    }
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, StoreOptions opts) {
    refuse_lost_database(path);
    try {
        impl_ = std::make_unique<Impl>(path, opts);
    } catch (const SQLite::Exception& e) {
        throw store_error("open '" + path + "'", e);
    }
    impl_->configure();
    impl_->migrate();
    write_marker(path);
}

SqliteStore::~SqliteStore() = default;

int SqliteStore::schema_version() {
    return impl_->reading("schema_version", [&](Conn& c) { return impl_->user_version(c); });
}

int SqliteStore::latest_version() {
    const std::vector<Migration>& all = sqlite_migrations();
    return all.empty() ? 0 : all.back().number;
}

int SqliteStore::latest_schema_version() const { return latest_version(); }

namespace {

StagedInsert stage_insert(Conn& c, const Record& r, const std::optional<std::string>& key, std::int64_t keys_since_ms) {
    StagedInsert st;
    if (key) {
        {
            static const std::string sql = select_records(
                "WHERE id = (SELECT submission_id FROM idempotency_keys WHERE key = ? AND created_at_ms >= ?)");
            Use q(c.prepared(sql));
            Binder b(*q);
            b.bytes(*key);
            b.integer(keys_since_ms);
            if (q->executeStep()) {
                st.earlier = read_record(*q);
                st.outcome = same_inputs(st.earlier, r) ? InsertGroup::Outcome::replayed
                                                        : InsertGroup::Outcome::key_conflict;
                return st;
            }
        }
        // A key past its retention that the purge has not removed yet names nothing now.
        Use d(c.prepared("DELETE FROM idempotency_keys WHERE key = ?"));
        Binder b(*d);
        b.bytes(*key);
        d->exec();
    }
    st.token = r.token.empty() ? new_token() : r.token;
    st.created_at_ms = now_ms();
    st.id = insert_row(c, r, st.token, st.created_at_ms);
    if (key) {
        Use k(c.prepared("INSERT INTO idempotency_keys (key, submission_id, created_at_ms) VALUES (?, ?, ?)"));
        Binder b(*k);
        b.bytes(*key);
        b.integer(st.id);
        b.integer(st.created_at_ms);
        k->exec();
    }
    return st;
}

}  // namespace

// Each group in a savepoint: a row the database refuses on its own (a
// duplicate token, a blob too big) undoes just its group and the
// transaction goes on. Anything else (the disk, the lock, the commit) fails
// the whole call. Nothing is written to the records before the commit.
void SqliteStore::insert_groups(std::vector<InsertGroup>& groups) {
    check_insert_groups(groups);
    const std::int64_t keys_since_ms = now_ms() - impl_->opts.idempotency_retention_seconds * 1000;
    std::vector<std::vector<StagedInsert>> staged(groups.size());
    std::vector<std::exception_ptr> errors(groups.size());
    impl_->locked("insert", [&](Conn& c) {
        SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const InsertGroup& group = groups[g];
            c.db.exec("SAVEPOINT insert_group");
            try {
                for (std::size_t i = 0; i < group.records.size(); ++i)
                    staged[g].push_back(stage_insert(c, group.records[i],
                                                     group.keys.empty() ? std::nullopt : group.keys[i], keys_since_ms));
                c.db.exec("RELEASE insert_group");
            } catch (const SQLite::Exception& e) {
                const int code = primary_code(e);
                const bool group_only = (code == SQLITE_CONSTRAINT || code == SQLITE_TOOBIG) &&
                                        sqlite3_get_autocommit(c.db.getHandle()) == 0;
                if (!group_only) throw;
                c.db.exec("ROLLBACK TO insert_group");
                c.db.exec("RELEASE insert_group");
                staged[g].clear();
                errors[g] = std::make_exception_ptr(store_error("insert", e));
            }
        }
        tx.commit();
    });
    apply_staged(groups, staged, errors);
}

std::optional<Record> SqliteStore::get(std::string_view token) {
    return impl_->reading("get", [&](Conn& c) { return get_row(c, token); });
}

std::vector<std::optional<Record>> SqliteStore::get_many(const std::vector<std::string>& tokens) {
    return impl_->reading("get_many", [&](Conn& c) {
        std::vector<std::optional<Record>> out;
        out.reserve(tokens.size());
        SQLite::Transaction tx(c.db);  // one snapshot for all
        for (const std::string& t : tokens) out.push_back(get_row(c, t));
        tx.commit();
        return out;
    });
}

Store::Page SqliteStore::list(std::int64_t page, std::int64_t per_page) {
    if (page < 1 || per_page < 1)
        throw std::invalid_argument("store: list: page and per_page must be at least 1 (got " + std::to_string(page) +
                                    ", " + std::to_string(per_page) + ")");
    return impl_->reading("list", [&](Conn& c) {
        Page out;
        SQLite::Transaction tx(c.db);  // the total and the page from one snapshot
        out.total = query_int(c.db, "SELECT count(*) FROM submissions");
        if (page - 1 <= std::numeric_limits<std::int64_t>::max() / per_page) {
            static const std::string sql = select_records("ORDER BY created_at_ms DESC, id DESC LIMIT ? OFFSET ?");
            Use q(c.prepared(sql));
            q->bind(1, per_page);
            q->bind(2, (page - 1) * per_page);
            while (q->executeStep()) out.records.push_back(read_record(*q));
        }  // else: an offset past any possible row
        tx.commit();
        return out;
    });
}

Store::RemoveResult SqliteStore::remove(std::string_view token, Record* out) {
    return impl_->locked("remove", [&](Conn& c) {
        SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
        std::optional<Record> r = get_row(c, token);
        if (!r) return RemoveResult::not_found;
        if (r->status_id == status::in_queue || r->status_id == status::processing) return RemoveResult::busy;
        Use q(c.prepared("DELETE FROM submissions WHERE id = ?"));
        q->bind(1, r->id);
        q->exec();
        tx.commit();
        if (out != nullptr) *out = std::move(*r);
        return RemoveResult::removed;
    });
}

// Grouped, and not durable on its own: a claim lost with the machine
// leaves its row In Queue, where a worker of the restarted host takes it.
std::optional<Record> SqliteStore::claim(std::string_view worker, std::chrono::milliseconds lease) {
    return impl_->grouped("claim", false, [&](Conn& c) -> std::optional<Record> {
        // In the group's IMMEDIATE transaction: the write lock is taken
        // before the SELECT, so another connection to the same file cannot
        // claim the same row in between.
        std::optional<Record> r;
        {
            static const std::string sql = select_records("WHERE status_id = 1 ORDER BY id LIMIT 1");
            Use q(c.prepared(sql));
            if (!q->executeStep()) return std::nullopt;  // empty queue: nothing written
            r = read_record(*q);
        }
        const std::int64_t now = now_ms();
        Use u(c.prepared(
            "UPDATE submissions SET status_id = 2, worker = ?, claimed_at_ms = ?, lease_expires_ms = ?, "
            "claim_no = claim_no + 1 WHERE id = ?"));
        u->bind(1, std::string(worker));
        u->bind(2, now);
        u->bind(3, now + static_cast<std::int64_t>(lease.count()));
        u->bind(4, r->id);
        u->exec();
        r->status_id = status::processing;
        r->worker = std::string(worker);
        ++r->claim_no;
        return r;
    });
}

bool SqliteStore::renew(std::string_view token, std::string_view worker, std::int64_t claim_no,
                        std::chrono::milliseconds lease) {
    return impl_->locked("renew", [&](Conn& c) {
        Use q(c.prepared("UPDATE submissions SET lease_expires_ms = ? WHERE token = ? AND status_id = 2 AND "
                         "claim_no = ? AND worker = ?"));
        q->bind(1, now_ms() + static_cast<std::int64_t>(lease.count()));
        q->bind(2, std::string(token));
        q->bind(3, claim_no);
        q->bind(4, std::string(worker));
        return q->exec() > 0;
    });
}

bool SqliteStore::finish(const Record& r) {
    require_final_status(r);
    return impl_->grouped("finish", true, [&](Conn& c) {
        Use q(c.prepared(
            "UPDATE submissions SET status_id = ?, stdout = ?, stderr = ?, compile_output = ?, message = ?, "
            "exit_code = ?, exit_signal = ?, time = ?, wall_time = ?, memory = ?, finished_at_ms = ?, "
            "verdict_json = ?, test_results_json = ?, problem_result_json = ?, lease_expires_ms = NULL "
            "WHERE token = ? AND status_id = 2 AND claim_no = ? AND worker = ?"));
        Binder b(*q);
        bind_outputs(b, r);
        b.text(r.token);
        b.integer(r.claim_no);
        b.text(r.worker);
        if (q->exec() > 0) return true;
        // Nothing updated: true only if this very claim finished it before.
        Use done(c.prepared(
            "SELECT 1 FROM submissions WHERE token = ? AND claim_no = ? AND worker = ? AND status_id >= 3"));
        done->bind(1, r.token);
        done->bind(2, r.claim_no);
        done->bind(3, r.worker);
        return done->executeStep();
    });
}

bool SqliteStore::release(std::string_view token, std::string_view worker, std::int64_t claim_no) {
    return impl_->locked("release", [&](Conn& c) {
        Use q(c.prepared(
            "UPDATE submissions SET status_id = 1, worker = NULL, claimed_at_ms = NULL, lease_expires_ms = NULL "
            "WHERE token = ? AND status_id = 2 AND claim_no = ? AND worker = ?"));
        q->bind(1, std::string(token));
        q->bind(2, claim_no);
        q->bind(3, std::string(worker));
        return q->exec() > 0;
    });
}

std::vector<std::string> SqliteStore::requeue_expired() {
    return impl_->locked("requeue_expired", [&](Conn& c) {
        Use q(c.prepared(
            "UPDATE submissions SET status_id = 1, worker = NULL, claimed_at_ms = NULL, lease_expires_ms = NULL "
            "WHERE status_id = 2 AND (lease_expires_ms IS NULL OR lease_expires_ms < ?) RETURNING token"));
        q->bind(1, now_ms());
        std::vector<std::string> out;
        while (q->executeStep()) out.push_back(q->getColumn(0).getString());
        return out;
    });
}

namespace {
constexpr const char* claim_columns =
    "SELECT token, worker, claim_no, coalesce(claimed_at_ms, 0), coalesce(lease_expires_ms, 0) FROM submissions ";
ClaimRow read_claim(const SQLite::Statement& q) {
    ClaimRow c;
    c.token = q.getColumn(0).getString();
    c.worker = q.getColumn(1).getString();
    c.claim_no = q.getColumn(2).getInt64();
    c.claimed_at_ms = q.getColumn(3).getInt64();
    c.lease_expires_ms = q.getColumn(4).getInt64();
    return c;
}
}  // namespace

std::vector<ClaimRow> SqliteStore::claims() {
    return impl_->reading("claims", [&](Conn& c) {
        Use q(c.prepared(std::string(claim_columns) + "WHERE status_id = 2 ORDER BY id"));
        std::vector<ClaimRow> out;
        while (q->executeStep()) out.push_back(read_claim(*q));
        return out;
    });
}

void SqliteStore::beat_node(const NodeRow& n, std::chrono::milliseconds expiry) {
    impl_->locked("beat_node", [&](Conn& c) {
        SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::int64_t now = now_ms();
        {
            Use d(c.prepared("DELETE FROM nodes WHERE node <> ? AND seen_at_ms < ?"));
            d->bind(1, n.node);
            d->bind(2, now - static_cast<std::int64_t>(expiry.count()));
            d->exec();
        }
        Use q(c.prepared(
            "INSERT INTO nodes (node, role, workers, started_at_ms, seen_at_ms) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (node) DO UPDATE SET role = excluded.role, workers = excluded.workers, "
            "started_at_ms = excluded.started_at_ms, seen_at_ms = excluded.seen_at_ms"));
        q->bind(1, n.node);
        q->bind(2, n.role);
        q->bind(3, n.workers);
        q->bind(4, n.started_at_ms);
        q->bind(5, now);
        q->exec();
        tx.commit();
        return true;
    });
}

std::vector<NodeRow> SqliteStore::nodes(std::chrono::milliseconds within) {
    return impl_->reading("nodes", [&](Conn& c) {
        Use q(c.prepared("SELECT node, role, workers, started_at_ms, seen_at_ms FROM nodes "
                         "WHERE seen_at_ms >= ? ORDER BY node"));
        q->bind(1, now_ms() - static_cast<std::int64_t>(within.count()));
        std::vector<NodeRow> out;
        while (q->executeStep()) {
            NodeRow n;
            n.node = q->getColumn(0).getString();
            n.role = q->getColumn(1).getString();
            n.workers = q->getColumn(2).getInt64();
            n.started_at_ms = q->getColumn(3).getInt64();
            n.seen_at_ms = q->getColumn(4).getInt64();
            out.push_back(std::move(n));
        }
        return out;
    });
}

bool SqliteStore::remove_node(std::string_view node) {
    return impl_->locked("remove_node", [&](Conn& c) {
        Use q(c.prepared("DELETE FROM nodes WHERE node = ?"));
        q->bind(1, std::string(node));
        return q->exec() > 0;
    });
}

std::vector<ClaimRow> SqliteStore::claims_of_host(std::string_view host) {
    return impl_->locked("claims_of_host", [&](Conn& c) {
        // substr, not LIKE: a host name may hold '_' or '%'.
        Use q(c.prepared(std::string(claim_columns) +
                         "WHERE status_id = 2 AND substr(worker, 1, ?) = ? ORDER BY id"));
        const std::string prefix = std::string(host) + ":";
        q->bind(1, static_cast<int>(prefix.size()));
        q->bind(2, prefix);
        std::vector<ClaimRow> out;
        while (q->executeStep()) out.push_back(read_claim(*q));
        return out;
    });
}

namespace {
ProblemRow read_problem(const SQLite::Statement& q) {
    ProblemRow p;
    p.id = q.getColumn(0).getString();
    p.version = q.getColumn(1).getInt64();
    p.name = q.getColumn(2).getString();
    p.summary_json = q.getColumn(3).getString();
    p.path = q.getColumn(4).getString();
    p.created_at_ms = q.getColumn(5).getInt64();
    if (!q.getColumn(6).isNull()) p.package_sha256 = q.getColumn(6).getString();
    return p;
}
constexpr const char* problem_columns =
    "SELECT id, version, name, summary_json, path, created_at_ms, package_sha256 FROM problems ";
}  // namespace

std::int64_t SqliteStore::next_problem_version(std::string_view id) {
    return impl_->locked("next_problem_version", [&](Conn& c) {
        SQLite::Statement q(c.db, "SELECT coalesce(max(version), 0) + 1 FROM problems WHERE id = ?");
        q.bind(1, std::string(id));
        q.executeStep();
        return q.getColumn(0).getInt64();
    });
}

void SqliteStore::add_problem(const ProblemRow& p, std::string_view package) {
    impl_->locked("add_problem", [&](Conn& c) {
        SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
        if (!p.package_sha256.empty()) {
            SQLite::Statement k(c.db,
                                "INSERT INTO problem_packages (sha256, zip, created_at_ms) VALUES (?, ?, ?) "
                                "ON CONFLICT (sha256) DO NOTHING");
            k.bind(1, p.package_sha256);
            k.bind(2, package.data(), static_cast<int>(package.size()));
            k.bind(3, p.created_at_ms);
            k.exec();
        }
        SQLite::Statement q(c.db,
                            "INSERT INTO problems (id, version, name, summary_json, path, created_at_ms, package_sha256) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, p.id);
        q.bind(2, p.version);
        q.bind(3, p.name.data(), static_cast<int>(p.name.size()));
        q.bind(4, p.summary_json.data(), static_cast<int>(p.summary_json.size()));
        q.bind(5, p.path.data(), static_cast<int>(p.path.size()));
        q.bind(6, p.created_at_ms);
        if (p.package_sha256.empty()) q.bind(7);
        else q.bind(7, p.package_sha256);
        q.exec();
        tx.commit();
    });
}

std::optional<std::string> SqliteStore::package(std::string_view sha256) {
    return impl_->reading("package", [&](Conn& c) -> std::optional<std::string> {
        SQLite::Statement q(c.db, "SELECT zip FROM problem_packages WHERE sha256 = ?");
        q.bind(1, std::string(sha256));
        if (!q.executeStep()) return std::nullopt;
        const SQLite::Column z = q.getColumn(0);
        return std::string(static_cast<const char*>(z.getBlob()), static_cast<std::size_t>(z.getBytes()));
    });
}

std::optional<ProblemRow> SqliteStore::problem(std::string_view id, std::optional<std::int64_t> version) {
    return impl_->reading("problem", [&](Conn& c) -> std::optional<ProblemRow> {
        SQLite::Statement q(c.db, std::string(problem_columns) +
                                           (version ? "WHERE id = ? AND version = ?"
                                                    : "WHERE id = ? ORDER BY version DESC LIMIT 1"));
        q.bind(1, std::string(id));
        if (version) q.bind(2, *version);
        if (!q.executeStep()) return std::nullopt;
        return read_problem(q);
    });
}

std::vector<ProblemRow> SqliteStore::problems() {
    return impl_->reading("problems", [&](Conn& c) {
        SQLite::Statement q(c.db, std::string(problem_columns) +
                                           "p WHERE version = (SELECT max(version) FROM problems WHERE id = p.id) "
                                           "ORDER BY id");
        std::vector<ProblemRow> out;
        while (q.executeStep()) out.push_back(read_problem(q));
        return out;
    });
}

std::vector<ProblemRow> SqliteStore::problem_versions(std::string_view id) {
    return impl_->reading("problem_versions", [&](Conn& c) {
        SQLite::Statement q(c.db, std::string(problem_columns) + "WHERE id = ? ORDER BY version");
        q.bind(1, std::string(id));
        std::vector<ProblemRow> out;
        while (q.executeStep()) out.push_back(read_problem(q));
        return out;
    });
}

bool SqliteStore::problem_in_use(std::string_view id) {
    return impl_->reading("problem_in_use", [&](Conn& c) {
        SQLite::Statement q(c.db, "SELECT 1 FROM submissions WHERE problem_id = ? AND status_id <= 2 LIMIT 1");
        const std::string idv(id);
        q.bind(1, idv.data(), static_cast<int>(idv.size()));  // stored as a blob
        return q.executeStep();
    });
}

std::vector<ProblemRow> SqliteStore::remove_problem(std::string_view id) {
    return impl_->locked("remove_problem", [&](Conn& c) {
        SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
        std::vector<ProblemRow> out;
        {
            SQLite::Statement q(c.db, std::string(problem_columns) + "WHERE id = ? ORDER BY version");
            q.bind(1, std::string(id));
            while (q.executeStep()) out.push_back(read_problem(q));
        }
        SQLite::Statement d(c.db, "DELETE FROM problems WHERE id = ?");
        d.bind(1, std::string(id));
        d.exec();
        for (const ProblemRow& r : out) {
            if (r.package_sha256.empty()) continue;
            SQLite::Statement k(c.db,
                                "DELETE FROM problem_packages WHERE sha256 = ? AND NOT EXISTS "
                                "(SELECT 1 FROM problems WHERE package_sha256 = problem_packages.sha256)");
            k.bind(1, r.package_sha256);
            k.exec();
        }
        tx.commit();
        return out;
    });
}

std::int64_t SqliteStore::count_in_queue() {
    return impl_->reading("count_in_queue", [&](Conn& c) { return query_int(c.db, "SELECT count(*) FROM submissions WHERE status_id = 1"); });
}

std::int64_t SqliteStore::count_processing() {
    return impl_->reading("count_processing", [&](Conn& c) { return query_int(c.db, "SELECT count(*) FROM submissions WHERE status_id = 2"); });
}

std::int64_t SqliteStore::purge_idempotency_keys() {
    const std::int64_t before_ms = now_ms() - impl_->opts.idempotency_retention_seconds * 1000;
    return impl_->locked("purge_idempotency_keys", [&](Conn& c) {
        Use q(c.prepared("DELETE FROM idempotency_keys WHERE created_at_ms < ?"));
        q->bind(1, before_ms);
        return static_cast<std::int64_t>(q->exec());
    });
}

std::int64_t SqliteStore::purge_finished_before(std::int64_t before_ms) {
    return impl_->locked("purge_finished_before", [&](Conn& c) {
        // `status_id >= 3` literally, so the partial index of 0002 applies.
        Use q(c.prepared("DELETE FROM submissions WHERE status_id >= 3 AND created_at_ms < ?"));
        q->bind(1, before_ms);
        return static_cast<std::int64_t>(q->exec());
    });
}

Statistics SqliteStore::statistics() {
    return impl_->reading("statistics", [&](Conn& c) {
        Statistics s;
        SQLite::Transaction tx(c.db);  // one snapshot for all counts
        s.total = query_int(c.db, "SELECT count(*) FROM submissions");
        {
            SQLite::Statement q(c.db,
                                "SELECT strftime('%Y-%m-%d', created_at_ms / 1000, 'unixepoch') AS day, count(*) "
                                "FROM submissions GROUP BY day");
            while (q.executeStep()) s.by_day[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
        }
        {
            SQLite::Statement q(c.db, "SELECT language_id, count(*) FROM submissions GROUP BY language_id");
            while (q.executeStep()) s.by_language[q.getColumn(0).getInt()] = q.getColumn(1).getInt64();
        }
        {
            SQLite::Statement q(c.db, "SELECT status_id, count(*) FROM submissions GROUP BY status_id");
            while (q.executeStep()) s.by_status[q.getColumn(0).getInt()] = q.getColumn(1).getInt64();
        }
        s.database_bytes = query_int(c.db, "PRAGMA page_count") * query_int(c.db, "PRAGMA page_size");
        tx.commit();
        return s;
    });
}

bool SqliteStore::writable() {
    try {
        return impl_->locked("writable", [&](Conn& c) {
            SQLite::Transaction tx(c.db, SQLite::TransactionBehavior::IMMEDIATE);
            Use q(c.prepared(
                "INSERT INTO health (id, checked_at_ms) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET checked_at_ms = excluded.checked_at_ms"));
            q->bind(1, now_ms());
            q->exec();
            tx.commit();
            return true;
        });
    } catch (const std::exception&) {
        return false;
    }
}

// --- Callback outbox.

namespace {
// Rows of a statement selecting (or returning) id, token, url, body,
// tries_used, created_at_ms, owner, lease_expires_ms.
std::vector<CallbackRow> read_callbacks(SQLite::Statement& q) {
    std::vector<CallbackRow> out;
    while (q.executeStep()) {
        CallbackRow row;
        row.id = q.getColumn(0).getInt64();
        row.token = q.getColumn(1).getString();
        row.url = q.getColumn(2).getString();
        row.body = q.getColumn(3).getString();
        row.tries_used = q.getColumn(4).getInt64();
        row.created_at_ms = q.getColumn(5).getInt64();
        row.owner = q.getColumn(6).getString();             // NULL reads as ""
        row.lease_expires_ms = q.getColumn(7).getInt64();  // NULL reads as 0
        out.push_back(std::move(row));
    }
    return out;
}
}  // namespace

std::int64_t SqliteStore::add_callback(std::string_view token, const std::string& url, const std::string& body,
                                       std::string_view owner, std::chrono::milliseconds lease) {
    return impl_->locked("add_callback", [&](Conn& c) {
        Use q(c.prepared("INSERT INTO callbacks (token, url, body, tries_used, created_at_ms, owner, lease_expires_ms) "
                         "VALUES (?, ?, ?, 0, ?, ?, ?)"));
        const std::int64_t now = now_ms();
        Binder b(*q);
        b.text(token);
        b.bytes(url);
        b.bytes(body);
        b.integer(now);
        if (owner.empty()) {
            b.null();
            b.null();
        } else {
            b.text(owner);
            b.integer(now + static_cast<std::int64_t>(lease.count()));
        }
        q->exec();
        return c.db.getLastInsertRowid();
    });
}

std::int64_t SqliteStore::renew_callbacks(std::string_view owner, std::chrono::milliseconds lease) {
    return impl_->locked("renew_callbacks", [&](Conn& c) {
        Use q(c.prepared("UPDATE callbacks SET lease_expires_ms = ? WHERE owner = ?"));
        q->bind(1, now_ms() + static_cast<std::int64_t>(lease.count()));
        q->bind(2, std::string(owner));
        return static_cast<std::int64_t>(q->exec());
    });
}

std::vector<CallbackRow> SqliteStore::adopt_callbacks(std::string_view owner, std::chrono::milliseconds lease,
                                                      const std::vector<std::string>& dead_owners) {
    return impl_->locked("adopt_callbacks", [&](Conn& c) {
        // One statement, so one write transaction: no other connection adopts
        // the same row. Only the rows adopted are read.
        std::string sql = "UPDATE callbacks SET owner = ?, lease_expires_ms = ? WHERE owner IS NULL OR "
                          "lease_expires_ms IS NULL OR lease_expires_ms < ?";
        for (std::size_t i = 0; i < dead_owners.size(); ++i) sql += " OR owner = ?";
        sql += " RETURNING id, token, url, body, tries_used, created_at_ms, owner, lease_expires_ms";
        SQLite::Statement q(c.db, sql);
        const std::int64_t now = now_ms();
        q.bind(1, std::string(owner));
        q.bind(2, now + static_cast<std::int64_t>(lease.count()));
        q.bind(3, now);
        for (std::size_t i = 0; i < dead_owners.size(); ++i) q.bind(static_cast<int>(i) + 4, dead_owners[i]);
        std::vector<CallbackRow> out = read_callbacks(q);
        std::sort(out.begin(), out.end(), [](const CallbackRow& x, const CallbackRow& y) { return x.id < y.id; });
        return out;
    });
}

std::int64_t SqliteStore::callback_attempt(std::int64_t id) {
    return impl_->locked("callback_attempt", [&](Conn& c) {
        Use q(c.prepared("UPDATE callbacks SET tries_used = tries_used + 1 WHERE id = ? RETURNING tries_used"));
        q->bind(1, id);
        // RETURNING: the update is done by the first step (id is unique).
        return q->executeStep() ? q->getColumn(0).getInt64() : std::int64_t{0};
    });
}

bool SqliteStore::remove_callback(std::int64_t id) {
    return impl_->locked("remove_callback", [&](Conn& c) {
        Use q(c.prepared("DELETE FROM callbacks WHERE id = ?"));
        q->bind(1, id);
        return q->exec() > 0;
    });
}

std::vector<CallbackRow> SqliteStore::pending_callbacks() {
    return impl_->locked("pending_callbacks", [&](Conn& c) {
        Use q(c.prepared("SELECT id, token, url, body, tries_used, created_at_ms, owner, lease_expires_ms FROM callbacks "
                         "ORDER BY id"));
        return read_callbacks(*q);
    });
}

}  // namespace server
