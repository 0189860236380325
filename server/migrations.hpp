// The SQL migrations of schema/migrations/, compiled in (see
// server/embed_migrations.cmake). Numbered from 1 without gaps; a file's
// number is its PRAGMA user_version once applied.
#pragma once

#include <vector>

namespace server {

struct Migration {
    int number;
    const char* name;  // file name, "0001_init.sql"
    const char* sql;
};

// In number order.
const std::vector<Migration>& migrations();

}  // namespace server
