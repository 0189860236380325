#include "server/store/store.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "server/store/sqlite/sqlite_store.hpp"
#include "server/store/postgres/postgres_store.hpp"

namespace server {

void Store::insert_batch(std::vector<Record>& rs) {
    if (rs.empty()) return;
    std::vector<InsertGroup> one(1);
    one[0].records = std::move(rs);
    try {
        insert_groups(one);
    } catch (...) {
        rs = std::move(one[0].records);
        throw;
    }
    rs = std::move(one[0].records);
    if (one[0].error) std::rethrow_exception(one[0].error);
}

std::int64_t Store::requeue_dead(std::string_view host, const std::function<bool(long pid)>& dead) {
    std::int64_t n = 0;
    const std::string prefix = std::string(host) + ":";
    for (const ClaimRow& c : claims_of_host(host)) {
        // host:pid:thread; a worker name of another shape is never ours to judge.
        const std::string rest = c.worker.substr(prefix.size());
        char* end = nullptr;
        errno = 0;
        const long pid = std::strtol(rest.c_str(), &end, 10);
        if (errno != 0 || end == rest.c_str() || *end != ':' || pid <= 0) continue;
        if (dead(pid) && release(c.token, c.worker, c.claim_no)) ++n;
    }
    return n;
}

std::unique_ptr<Store> open_store(const StoreOptions& opts) {
    const std::string& url = opts.url;
    // libpq's two forms: a URI, or key=value words (what POSTGRES_* make).
    const bool keywords = url.find('=') != std::string::npos && url.find('/') > url.find('=');
    if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0 || keywords)
        return std::make_unique<PostgresStore>(url, opts);
    std::string path = url;
    if (url.rfind("sqlite://", 0) == 0) path = url.substr(9);  // sqlite:///var/lib/x.db -> /var/lib/x.db
    else if (url.find("://") != std::string::npos)
        throw std::invalid_argument("store: '" + url + "': the scheme is neither sqlite:// nor postgresql://");
    if (path.empty()) throw std::invalid_argument("store: '" + url + "' names no database file");
    return std::make_unique<SqliteStore>(path, opts);
}

std::string new_token() {
    unsigned char b[16];
    std::size_t got = 0;
    while (got < sizeof b) {
        const ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::system_error(errno, std::generic_category(), "getrandom(16)");
        }
        got += static_cast<std::size_t>(n);
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (std::size_t i = 0; i < sizeof b; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[b[i] >> 4];
        s += hex[b[i] & 0x0f];
    }
    return s;
}

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace server
