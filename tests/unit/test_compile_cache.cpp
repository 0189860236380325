#include "judge/compile_cache.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "judge/sha256.hpp"
#include "sandbox/fs_safe.hpp"

using judge::CompileCache;
using judge::CompileOutcome;

namespace {

// Declared before the cache it holds, so it goes after the cache.
struct TempDir {
    std::string path;
    TempDir() {
        char t[] = "/tmp/compile-cache-XXXXXX";
        path = ::mkdtemp(t);
    }
    ~TempDir() { sandbox::remove_tree(path); }
};

bool exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

CompileCache::Compiler writes(std::atomic<int>& calls, std::size_t bytes = 10) {
    return [&calls, bytes](const std::string& out) {
        ++calls;
        std::ofstream(out + "/a.out") << std::string(bytes, 'x');
        return CompileOutcome{CompileOutcome::Kind::ok, ""};
    };
}

}  // namespace

TEST_CASE("sha256 matches the FIPS 180-4 test vectors", "[compile_cache]") {
    CHECK(judge::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(judge::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(judge::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    judge::Sha256 h;
    for (int i = 0; i < 1000; ++i) h.update(std::string(1000, 'a'));
    CHECK(h.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("length-prefixed fields keep keys apart", "[compile_cache]") {
    judge::Sha256 a, b;
    a.update_field("a");
    a.update_field("bc");
    b.update_field("ab");
    b.update_field("c");
    CHECK(a.hex_digest() != b.hex_digest());
}

TEST_CASE("a hit does not run the compiler again", "[compile_cache]") {
    TempDir base;
    CompileCache cache(base.path + "/cache", 1 << 20);
    std::atomic<int> calls{0};
    auto first = cache.get("k1", writes(calls));
    auto second = cache.get("k1", writes(calls));
    CHECK(calls == 1);
    CHECK(first == second);
    CHECK(exists(first->dir + "/a.out"));
    CHECK(cache.stats().hits == 1);
    CHECK(cache.stats().misses == 1);
}

TEST_CASE("compilation errors are cached, internal errors are not", "[compile_cache]") {
    TempDir base;
    CompileCache cache(base.path + "/cache", 1 << 20);
    int ce = 0, ie = 0;
    auto fail = [&](const std::string&) {
        ++ce;
        return CompileOutcome{CompileOutcome::Kind::compilation_error, "main.c:1: error"};
    };
    auto broken = [&](const std::string&) -> CompileOutcome {
        ++ie;
        throw std::runtime_error("sandbox failed");
    };
    CHECK(cache.get("ce", fail)->outcome.kind == CompileOutcome::Kind::compilation_error);
    CHECK(cache.get("ce", fail)->outcome.message == "main.c:1: error");
    CHECK(ce == 1);
    CHECK(cache.get("ie", broken)->outcome.kind == CompileOutcome::Kind::internal_error);
    CHECK(cache.get("ie", broken)->outcome.message == "sandbox failed");
    CHECK(ie == 2);
}

TEST_CASE("two identical compiles at once compile once", "[compile_cache]") {
    TempDir base;
    CompileCache cache(base.path + "/cache", 1 << 20);
    std::atomic<int> calls{0};
    auto slow = [&](const std::string& out) {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::ofstream(out + "/a.out") << "x";
        return CompileOutcome{CompileOutcome::Kind::ok, ""};
    };
    std::vector<std::thread> threads;
    std::vector<std::shared_ptr<const judge::Artifact>> got(8);
    for (int i = 0; i < 8; ++i) threads.emplace_back([&, i] { got[static_cast<std::size_t>(i)] = cache.get("same", slow); });
    for (auto& t : threads) t.join();
    CHECK(calls == 1);
    for (const auto& a : got) CHECK(a == got[0]);
}

TEST_CASE("the cache stays within its size, evicting least recently used", "[compile_cache]") {
    TempDir base;
    CompileCache cache(base.path + "/cache", 3 * 8192);
    std::atomic<int> calls{0};
    std::string dir_a;
    {
        auto a = cache.get("a", writes(calls, 8000));
        dir_a = a->dir;
        cache.get("b", writes(calls, 8000));
        cache.get("c", writes(calls, 8000));
        cache.get("a", writes(calls, 8000));  // a is now the most recent
    }
    cache.get("d", writes(calls, 8000));  // over the bound: b (oldest unused) goes
    CHECK(cache.stats().evictions >= 1);
    CHECK(cache.stats().bytes <= 3 * 8192);
    CHECK(exists(dir_a));
    int before = calls;
    cache.get("a", writes(calls, 8000));
    CHECK(calls == before);  // still cached
    cache.get("b", writes(calls, 8000));
    CHECK(calls == before + 1);  // was evicted, compiled again
}

TEST_CASE("an artifact in use is not removed by eviction", "[compile_cache]") {
    TempDir base;
    CompileCache cache(base.path + "/cache", 8192);
    std::atomic<int> calls{0};
    auto held = cache.get("held", writes(calls, 8000));
    cache.get("other", writes(calls, 8000));
    cache.get("third", writes(calls, 8000));
    CHECK(exists(held->dir + "/a.out"));
}

TEST_CASE("a hit whose files are gone compiles again", "[compile_cache]") {
    TempDir tmp;
    const std::string& base = tmp.path;
    CompileCache cache(base + "/cache", 1 << 20);
    std::atomic<int> calls{0};
    std::string dir;
    {
        auto first = cache.get("k", writes(calls));
        dir = first->dir;
    }
    REQUIRE(::unlink((dir + "/a.out").c_str()) == 0);
    auto again = cache.get("k", writes(calls));
    CHECK(calls == 2);
    CHECK(again->outcome.kind == CompileOutcome::Kind::ok);
    CHECK(exists(again->dir + "/a.out"));
    sandbox::remove_tree(again->dir);  // the whole folder this time
    auto third = cache.get("k", writes(calls));
    CHECK(calls == 3);
    CHECK(exists(third->dir + "/a.out"));
    CHECK(cache.get("k", writes(calls)) == third);  // and a hit again
    CHECK(calls == 3);
}

TEST_CASE("a removed cache folder is made again and its entries dropped", "[compile_cache]") {
    TempDir tmp;
    const std::string& base = tmp.path;
    CompileCache cache(base + "/cache", 1 << 20);
    std::atomic<int> calls{0};
    cache.get("a", writes(calls));
    cache.get("b", writes(calls));
    REQUIRE(calls == 2);
    sandbox::remove_tree(base + "/cache");
    auto c = cache.get("c", writes(calls));  // a miss: needs the folder back
    CHECK(c->outcome.kind == CompileOutcome::Kind::ok);
    CHECK(exists(c->dir + "/a.out"));
    CHECK(cache.stats().entries == 1);  // a and b went with the folder
    auto a = cache.get("a", writes(calls));
    CHECK(calls == 4);
    CHECK(exists(a->dir + "/a.out"));
}

TEST_CASE("a failure the compiler's limits caused is not cached", "[compile_cache]") {
    TempDir tmp;
    const std::string& base = tmp.path;
    CompileCache cache(base + "/cache", 1 << 20);
    int runs = 0;
    auto limited = [&](const std::string&) {
        ++runs;
        CompileOutcome o{CompileOutcome::Kind::compilation_error, "compiler stopped: wall time limit"};
        o.cacheable = false;
        return o;
    };
    CHECK(cache.get("slow", limited)->outcome.kind == CompileOutcome::Kind::compilation_error);
    CHECK(cache.get("slow", limited)->outcome.kind == CompileOutcome::Kind::compilation_error);
    CHECK(runs == 2);
    CHECK(cache.stats().entries == 0);
}
