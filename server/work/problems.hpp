// Problems on the server: Kattis packages uploaded as zip archives. The
// store keeps a row per version and the zip itself (once per sha256), so any
// worker on any host can grade any problem; each host unpacks a version once
// into <data>/problems/<id>/<version>-<sha256 prefix>/ and loads it from there. An upload is unpacked into a folder of its own, loaded and checked
// (the package must load, its checker must compile) and only then moved into
// place and recorded: a refused upload leaves nothing behind, and an upload
// never touches an existing version (a submission pins its version).
//
// Thread-safety: every member may be called from many threads; uploads are
// serialised by a mutex (they are rare and slow).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "judge/languages.hpp"
#include "judge/pipeline.hpp"
#include "judge/problem.hpp"
#include "server/judge0/zip.hpp"
#include "server/store/store.hpp"

namespace server {

// A package the service refuses, with the reason for the client (422).
class PackageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct PackageLimits {
    std::uint64_t max_total_bytes = 256ull << 20;  // unpacked
    std::uint64_t max_entry_bytes = 64ull << 20;
    std::size_t max_entries = 20000;
};

class Problems {
public:
    // compile_checkers: an upload compiles its checker at once (a node with
    // boxes); an api node has none, and its uploads are checked for their
    // structure only, the checker compiling on the worker that first grades.
    Problems(Store& store, judge::Judge& judge, const judge::Catalog& catalog, std::string data_dir,
             PackageLimits limits = {}, bool compile_checkers = true);

    // Unpacks, checks and records a new version of problem `id` ([a-z0-9_-],
    // 1..64 chars; when empty, the package's top folder name or
    // problem.yaml's name made into one). Throws PackageError.
    ProblemRow upload(const std::string& zip_bytes, std::string id);

    // The loaded package of a version (cached while the store's row names
    // the same package).
    std::shared_ptr<const judge::Problem> load(const std::string& id, std::int64_t version);

    // JSON describing a version for the API.
    static nlohmann::json describe(const ProblemRow& row);

    // Removes every version (rows and folders). False when a queued or
    // running submission uses the problem; nullopt when there is no such problem.
    std::optional<bool> remove(const std::string& id);

private:
    std::string local_folder(const ProblemRow& row) const;
    std::vector<zip::Entry> read_zip(const std::string& zip_bytes) const;
    // The version's folder on this host, unpacked from the store when this
    // host has none yet. Throws std::runtime_error.
    std::string unpack_stored(const ProblemRow& row);

    Store& store_;
    judge::Judge& judge_;
    const judge::Catalog& catalog_;
    std::string dir_;
    PackageLimits limits_;
    bool compile_checkers_;
    std::mutex upload_mu_;  // serialises uploads and removals
    std::mutex cache_mu_;   // guards cache_
    // (id, version) -> (package sha256, loaded package): an entry counts only
    // while the store's row still names that package.
    std::map<std::pair<std::string, std::int64_t>, std::pair<std::string, std::shared_ptr<const judge::Problem>>>
        cache_;
};

// A problem id is [a-z0-9_-]{1,64}.
bool valid_problem_id(const std::string& id);

}  // namespace server
