// The SQL migrations of schema/sqlite/ and schema/postgres/, compiled in
// (see server/store/embed_migrations.cmake). Each series is numbered from 1
// without gaps; a file's number is its PRAGMA user_version once applied
// (SQLite), or its row in schema_migrations (PostgreSQL).
#pragma once

#include <vector>

namespace server {

struct Migration {
    int number;
    const char* name;  // file name, "0001_init.sql"
    const char* sql;
};

// In number order.
const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

}  // namespace server
