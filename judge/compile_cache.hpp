// The compile cache: content-addressed compile results.
//
// The key is a SHA-256 over everything that decides the compiler's output:
// the language, the toolchain's version, the flags and the exact source and
// additional files (the caller builds it; see compile_key in pipeline.hpp). A
// hit skips the compiler entirely. Successful compiles keep their artifact
// folder; compilation errors keep their message (the same source fails the
// same way). Internal errors, and failures a limit caused, are never cached.
// Two identical compiles at once compile once: the second caller waits for
// the first's result. A hit whose files are gone (someone removed them, or
// the whole cache folder) is dropped and compiled again; the cache folder is
// made again when it is missing.
//
// Bounded: when the artifacts' total size passes `max_bytes`, the least
// recently used entries nobody is using right now are removed.
//
// Thread-safety: every member is safe to call from many threads.
// Errors: std::system_error for the cache folder itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace judge {

struct CompileOutcome {
    enum class Kind { ok, compilation_error, internal_error } kind = Kind::internal_error;
    std::string message;  // compiler output (bounded) or the internal error
    // false: the same source may well compile next time (the compiler was
    // stopped by a limit, not refused by the source), so it is not cached.
    bool cacheable = true;
};

struct Artifact {
    std::string key;
    std::string dir;  // folder with the compiled files (ok only)
    CompileOutcome outcome;
    std::uint64_t bytes = 0;
    std::vector<std::string> files;  // the top-level names in dir, checked on a hit
};

class CompileCache {
public:
    // Fills `out_dir` (an empty folder) with the artifact and says how the
    // compile went.
    using Compiler = std::function<CompileOutcome(const std::string& out_dir)>;

    CompileCache(std::string dir, std::uint64_t max_bytes);
    ~CompileCache();
    CompileCache(const CompileCache&) = delete;
    CompileCache& operator=(const CompileCache&) = delete;

    // The artifact for `key`, compiling with `compile` on a miss. The
    // artifact's folder stays on disk while the returned pointer lives.
    std::shared_ptr<const Artifact> get(const std::string& key, const Compiler& compile);

    struct Stats {
        std::uint64_t hits = 0, misses = 0, evictions = 0, bytes = 0, entries = 0;
    };
    Stats stats() const;

private:
    struct Slot;
    void evict_locked();
    // False when the files of a successful compile are no longer there.
    static bool intact(const Artifact& a);
    void drop_locked(const std::string& key);
    void recreate();  // the cache folder again, and only the entries still on disk
    std::string dir_;
    std::uint64_t max_bytes_;
    mutable std::mutex mu_;  // guards everything below
    std::condition_variable done_;
    std::map<std::string, std::shared_ptr<Slot>> slots_;
    std::list<std::string> lru_;  // front: most recently used
    Stats stats_;
    std::uint64_t serial_ = 0;
};

}  // namespace judge
