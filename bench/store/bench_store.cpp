// bench_store [--rows N] [--rounds R]: claim+finish cycles per second, SQLite
// (a file, synchronous=FULL, as judged runs it; and synchronous=NORMAL, its
// JUDGED_SQLITE_SYNCHRONOUS option) and PostgreSQL (a server of its own on a
// unix socket, fsync on), with 1 and 8 concurrent workers. Each round queues N
// rows (one batch insert), then the workers claim and finish until the queue
// is empty; a cycle is one claim plus one finish, through the store as the
// workers call it (SQLite groups concurrent calls into shared commits; claims
// do not wait for the disk, finishes do). Prints each round and the median.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/record.hpp"
#include "server/store/postgres/postgres_store.hpp"
#include "server/store/sqlite/sqlite_store.hpp"
#include "tests/support/pg_server.hpp"

namespace {

server::Record row() {
    server::Record r;
    r.source_code = "a, b = map(int, input().split())\nprint(a + b)\n";
    r.language_id = 71;
    r.stdin_data = "1 2";
    r.expected_output = "3";
    r.comparator = "judge0";
    return r;
}

double round_once(server::Store& s, int rows, int workers) {
    std::vector<server::Record> rs(static_cast<std::size_t>(rows), row());
    for (std::size_t i = 0; i < rs.size(); i += 500) {
        std::vector<server::Record> part(rs.begin() + static_cast<long>(i),
                                         rs.begin() + static_cast<long>(std::min(rs.size(), i + 500)));
        s.insert_batch(part);
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> ts;
    std::vector<long> done(static_cast<std::size_t>(workers));
    for (int w = 0; w < workers; ++w)
        ts.emplace_back([&, w] {
            const std::string name = "bench:1:" + std::to_string(w);
            while (auto r = s.claim(name, std::chrono::seconds(60))) {
                r->status_id = server::status::accepted;
                r->stdout_data = "3\n";
                r->time = 0.01;
                r->memory = 1024;
                if (!s.finish(*r)) std::fprintf(stderr, "bench_store: a finish was refused\n");
                ++done[static_cast<std::size_t>(w)];
            }
        });
    for (auto& t : ts) t.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    long total = 0;
    for (long d : done) total += d;
    if (total != rows) std::fprintf(stderr, "bench_store: %ld cycles for %d rows\n", total, rows);
    return static_cast<double>(total) / secs;
}

void bench(const char* name, server::Store& s, int rows, int rounds, int workers) {
    std::vector<double> rates;
    for (int i = 0; i < rounds; ++i) rates.push_back(round_once(s, rows, workers));
    std::vector<double> sorted = rates;
    std::sort(sorted.begin(), sorted.end());
    std::printf("%-10s %d worker%s: median %8.0f cycles/s (rounds:", name, workers, workers == 1 ? " " : "s",
                sorted[sorted.size() / 2]);
    for (double r : rates) std::printf(" %.0f", r);
    std::printf(")\n");
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    int rows = 4000, rounds = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--rows") == 0) rows = std::atoi(argv[i + 1]);
        else if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
    }
    if (rows < 1 || rounds < 1) {
        std::fprintf(stderr, "usage: bench_store [--rows N] [--rounds R]\n");
        return 2;
    }
    std::string dir = (std::filesystem::temp_directory_path() / "bench-store-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return 1;
    std::printf("claim+finish cycles, %d rows a round, %d rounds\n", rows, rounds);
    {
        server::SqliteStore s(dir + "/judge.db");
        for (int w : {1, 8}) bench("sqlite", s, rows, rounds, w);
    }
    {
        // JUDGED_SQLITE_SYNCHRONOUS=NORMAL: safe against a crash of the
        // process, not of the machine.
        server::StoreOptions o;
        o.synchronous_full = false;
        server::SqliteStore s(dir + "/normal.db", o);
        for (int w : {1, 8}) bench("sqlite-nrm", s, rows, rounds, w);
    }
    if (test_support::PgServer::available()) {
        server::StoreOptions o;
        o.pool_size = 9;
        server::PostgresStore s(test_support::PgServer::instance().fresh_database(), o);
        for (int w : {1, 8}) bench("postgresql", s, rows, rounds, w);
    } else {
        std::printf("postgresql: not installed (postgresql-15), skipped\n");
    }
    std::filesystem::remove_all(dir);
    return 0;
}
