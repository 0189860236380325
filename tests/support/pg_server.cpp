#include "tests/support/pg_server.hpp"

#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>


namespace test_support {

namespace {

constexpr const char* bin = "/usr/lib/postgresql/15/bin";

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

void sh(const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    if (rc != 0) throw std::runtime_error("pg_server: `" + cmd + "` failed (" + std::to_string(rc) + ")");
}

}  // namespace

bool PgServer::available() { return ::access((std::string(bin) + "/initdb").c_str(), X_OK) == 0; }

PgServer& PgServer::instance() {
    if (!available())
        throw std::runtime_error("pg_server: " + std::string(bin) + "/initdb is missing: deploy/install-deps.sh "
                                 "--test installs postgresql-15");
    static PgServer server;
    return server;
}

PgServer::PgServer() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "judge-pg-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    dir_ = tmpl;
    port_ = 5432;  // only names the socket file, which is in our own folder
    std::string as;
    if (::geteuid() == 0) {
        const passwd* pw = ::getpwnam("nobody");
        if (pw == nullptr) throw std::runtime_error("pg_server: no user nobody to run PostgreSQL as");
        if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            throw std::system_error(errno, std::generic_category(), "chown " + dir_);
        as = "runuser -u nobody -- ";
    }
    as_ = as;
    sh(as + bin + "/initdb -D " + quoted(dir_ + "/data") + " -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 " +
       ">" + quoted(dir_ + "/initdb.log") + " 2>&1");
    start();
}

void PgServer::start() {
    if (running_) return;
    // Only the unix socket (no TCP port on the host); fsync stays on, as in production.
    sh(as_ + bin + "/pg_ctl -D " + quoted(dir_ + "/data") + " -l " + quoted(dir_ + "/server.log") +
       " -w -t 60 -o " + quoted("-k " + dir_ + " -c listen_addresses='' -p " + std::to_string(port_)) +
       " start >/dev/null");
    running_ = true;
}

void PgServer::stop() {
    if (!running_) return;
    sh(as_ + bin + "/pg_ctl -D " + quoted(dir_ + "/data") + " -m immediate -w -t 60 stop >/dev/null");
    running_ = false;
}

PgServer::~PgServer() {
    try {
        stop();
    } catch (const std::exception&) {
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string PgServer::conninfo(const std::string& db) const {
    return "host=" + dir_ + " port=" + std::to_string(port_) + " dbname=" + db + " user=judge";
}

void PgServer::psql(const std::string& db, const std::string& sql) const {
    sh("psql -X -q -h " + quoted(dir_) + " -p " + std::to_string(port_) + " -U postgres -d " + quoted(db) +
       " -v ON_ERROR_STOP=1 -c " + quoted(sql) + " >/dev/null");
}

// Each database is owned by `judge`, an ordinary role (no superuser, no
// CREATEDB): what the store must be able to work with.
std::string PgServer::fresh_database() {
    if (next_db_ == 0) psql("postgres", "CREATE ROLE judge LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
    const std::string db = "t" + std::to_string(++next_db_);
    psql("postgres", "CREATE DATABASE " + db + " OWNER judge");
    // PostgreSQL 15 no longer lets every role create in public: the owner of the database must own the schema.
    psql(db, "ALTER SCHEMA public OWNER TO judge");
    return conninfo(db);
}

}  // namespace test_support
