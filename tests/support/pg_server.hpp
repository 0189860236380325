// A PostgreSQL 15 server of the test's own (Debian's postgresql-15): initdb
// in a temporary folder, run by an unprivileged user (nobody when the test
// runs as root: PostgreSQL refuses root), listening only on a unix socket in
// that folder. Started on first use, stopped (and its folder removed) when
// the process exits. Each fresh_database() is a new empty database, so test
// cases do not see each other's rows.
//
// available() says whether the server binaries are there (a test skips
// without them, tests/skip.hpp, which fails as root).
#pragma once

#include <string>

namespace test_support {

class PgServer {
public:
    static bool available();
    // The process's server, started if need be (throws when unavailable).
    static PgServer& instance();

    // libpq key=value conninfo of a new empty database.
    std::string fresh_database();
    // conninfo of an existing database.
    std::string conninfo(const std::string& db) const;
    // Runs SQL through psql as the server's superuser (throws on failure).
    void psql(const std::string& db, const std::string& sql) const;
    // Stops the server fast (immediate), or starts it again, on the same folder and socket.
    void stop();
    void start();
    const std::string& socket_dir() const { return dir_; }
    int port() const { return port_; }

    ~PgServer();

private:
    PgServer();
    std::string dir_;   // data in dir_/data, socket in dir_
    std::string as_;    // "runuser -u nobody -- " as root, else empty
    int port_ = 0;
    int next_db_ = 0;
    bool running_ = false;
};

}  // namespace test_support
