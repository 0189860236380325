#include "server/work/problems.hpp"

#include <filesystem>
#include <system_error>

#include "judge/checker.hpp"
#include "judge/sha256.hpp"
#include "server/log.hpp"
#include "server/judge0/zip.hpp"

namespace server {
namespace fs = std::filesystem;
using nlohmann::json;

bool valid_problem_id(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    return true;
}

namespace {

std::string slug(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            out += c;
        } else if (!out.empty() && out.back() != '-') {
            out += '-';
        }
        if (out.size() == 64) break;
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

const char* type_name(const judge::Problem& p) {
    return p.type == judge::ProblemType::scoring ? "scoring" : "pass-fail";
}

const char* protocol_name(judge::Checker::Protocol p) {
    switch (p) {
    case judge::Checker::Protocol::builtin: return "builtin";
    case judge::Checker::Protocol::kattis: return "kattis";
    case judge::Checker::Protocol::testlib: return "testlib";
    case judge::Checker::Protocol::cms: return "cms";
    }
    return "?";
}

json summary(const judge::Problem& p) {
    json groups = json::array();
    for (const auto& g : p.groups)
        groups.push_back(json{{"name", g.name},
                              {"sample", g.sample},
                              {"tests", g.tests.size()},
                              {"aggregation", g.aggregation == judge::Aggregation::sum   ? "sum"
                                              : g.aggregation == judge::Aggregation::min ? "min"
                                                                                          : "pass-fail"},
                              {"max_score", g.max_score},
                              {"require_pass", g.require_pass}});
    return json{{"name", p.name},
                {"type", type_name(p)},
                {"interactive", p.interactive},
                {"time_limit", p.time_limit_s},
                {"memory_limit_mb", p.memory_mb},
                {"output_limit_mb", p.output_mb},
                {"max_score", p.max_score},
                {"checker", protocol_name(p.checker.protocol)},
                {"groups", groups}};
}

// The package root inside the unpacked archive: the folder holding
// problem.yaml — the archive's root or its single top folder.
std::string package_root(const std::string& dir, std::string* top_name) {
    if (fs::exists(dir + "/problem.yaml")) return dir;
    std::vector<fs::directory_entry> entries;
    for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e);
    if (entries.size() == 1 && entries[0].is_directory() && !entries[0].is_symlink() &&
        fs::exists(entries[0].path() / "problem.yaml")) {
        *top_name = entries[0].path().filename().string();
        return entries[0].path().string();
    }
    throw PackageError("package: no problem.yaml at the archive's root or in its single top folder");
}

}  // namespace

Problems::Problems(Store& store, judge::Judge& judge, const judge::Catalog& catalog, std::string data_dir,
                   PackageLimits limits, bool compile_checkers)
    : store_(store),
      judge_(judge),
      catalog_(catalog),
      dir_(std::move(data_dir) + "/problems"),
      limits_(limits),
      compile_checkers_(compile_checkers) {
    // Unfinished uploads and unpackings of a dead run; another live process
    // on this data folder holds the lock of its own.
    if (fs::is_directory(dir_ + "/.incoming")) judge::sweep_leftovers(dir_ + "/.incoming");
}

// A version's local copy: named by the package's hash, so a folder of that
// name is complete (it appears by one rename) and is this very package,
// whichever host or earlier database made it.
std::string Problems::local_folder(const ProblemRow& row) const {
    if (row.package_sha256.empty()) return row.path;  // recorded before packages were stored
    return dir_ + "/" + row.id + "/" + std::to_string(row.version) + "-" + row.package_sha256.substr(0, 16);
}

std::vector<zip::Entry> Problems::read_zip(const std::string& zip_bytes) const {
    try {
        zip::Limits zl;
        zl.max_total_bytes = limits_.max_total_bytes;
        zl.max_entry_bytes = limits_.max_entry_bytes;
        zl.max_entries = limits_.max_entries;
        return zip::read(zip_bytes, zl);
    } catch (const zip::ZipError& e) {
        throw PackageError(std::string("package: ") + e.what());
    }
}

std::string Problems::unpack_stored(const ProblemRow& row) {
    const std::string folder = local_folder(row);
    if (fs::is_directory(folder)) return folder;
    auto zip_bytes = store_.package(row.package_sha256);
    if (!zip_bytes)
        throw std::runtime_error("problem " + row.id + " version " + std::to_string(row.version) +
                                 ": its package is not in the store");
    if (judge::sha256_hex(*zip_bytes) != row.package_sha256)
        throw std::runtime_error("problem " + row.id + " version " + std::to_string(row.version) +
                                 ": the stored package does not match its sha256");
    const std::vector<zip::Entry> entries = read_zip(*zip_bytes);
    fs::create_directories(dir_ + "/.incoming");
    judge::TempDir tmp(dir_ + "/.incoming", "unpack");
    zip::extract(entries, tmp.path());
    std::string top;
    const std::string root = package_root(tmp.path(), &top);
    fs::create_directories(dir_ + "/" + row.id);
    std::error_code ec;
    fs::rename(root, folder, ec);
    // Taken by another thread or process meanwhile: theirs is the same package.
    if (ec && !fs::is_directory(folder))
        throw std::runtime_error("problem " + row.id + ": moving the unpacked package into place: " + ec.message());
    log_line("problems", row.id, "version " + std::to_string(row.version) + " unpacked from the store");
    return folder;
}

ProblemRow Problems::upload(const std::string& zip_bytes, std::string id) {
    if (!id.empty() && !valid_problem_id(id)) throw PackageError("id: must be 1 to 64 of [a-z0-9_-]");
    const std::vector<zip::Entry> entries = read_zip(zip_bytes);
    std::lock_guard lock(upload_mu_);
    fs::create_directories(dir_ + "/.incoming");
    judge::TempDir tmp(dir_ + "/.incoming", "upload");
    try {
        zip::extract(entries, tmp.path());
    } catch (const std::exception& e) {
        throw PackageError(std::string("package: ") + e.what());
    }
    std::string top;
    const std::string root = package_root(tmp.path(), &top);
    judge::Problem p;
    try {
        p = judge::load_problem(root);
    } catch (const judge::ProblemError& e) {
        throw PackageError(std::string("package: ") + e.what());
    }
    // The checker must compile now, not when the first contestant arrives
    // (where this node can make boxes at all).
    if (compile_checkers_) {
        try {
            judge::CheckerRunner checker(judge_, catalog_, p);
        } catch (const judge::ProblemError& e) {
            throw PackageError(std::string("package: checker: ") + e.what());
        }
    }
    if (id.empty()) id = slug(!top.empty() ? top : p.name);
    if (!valid_problem_id(id)) throw PackageError("id: give ?id=NAME ([a-z0-9_-], 1 to 64 characters)");

    ProblemRow row;
    row.id = id;
    row.version = store_.next_problem_version(id);
    row.name = p.name;
    row.package_sha256 = judge::sha256_hex(zip_bytes);
    row.path = local_folder(row);
    row.created_at_ms = now_ms();
    row.summary_json = summary(p).dump();
    fs::create_directories(dir_ + "/" + id);
    std::error_code ec;
    fs::remove_all(row.path, ec);  // a folder of a row that never got recorded (crash)
    fs::rename(root, row.path);
    try {
        store_.add_problem(row, zip_bytes);  // the zip as uploaded: every worker unpacks it the same way
    } catch (...) {
        fs::remove_all(row.path, ec);
        throw;
    }
    log_line("problems", id, "version " + std::to_string(row.version) + " uploaded");
    return row;
}

std::shared_ptr<const judge::Problem> Problems::load(const std::string& id, std::int64_t version) {
    // The row first, every time: another node may have removed the problem
    // and uploaded it again, and its version 1 is then another package.
    auto row = store_.problem(id, version);
    if (!row) throw std::invalid_argument("problem " + id + " version " + std::to_string(version) + " is gone");
    {
        std::lock_guard lock(cache_mu_);
        auto it = cache_.find({id, version});
        if (it != cache_.end() && it->second.first == row->package_sha256) return it->second.second;
    }
    const std::string folder = row->package_sha256.empty() ? row->path : unpack_stored(*row);
    auto p = std::make_shared<const judge::Problem>(judge::load_problem(folder));
    std::lock_guard lock(cache_mu_);
    cache_[{id, version}] = {row->package_sha256, p};
    return p;
}

json Problems::describe(const ProblemRow& row) {
    json s = json::parse(row.summary_json, nullptr, false);
    return json{{"id", row.id},
                {"version", row.version},
                {"name", row.name},
                {"created_at_ms", row.created_at_ms},
                {"summary", s.is_discarded() ? json(nullptr) : s}};
}

std::optional<bool> Problems::remove(const std::string& id) {
    std::lock_guard lock(upload_mu_);
    if (!store_.problem(id)) return std::nullopt;
    if (store_.problem_in_use(id)) return false;
    for (const auto& row : store_.remove_problem(id)) {
        std::error_code ec;
        fs::remove_all(local_folder(row), ec);  // this host's copy; other hosts' are never used again
    }
    std::error_code ec;
    fs::remove(dir_ + "/" + id, ec);
    {
        std::lock_guard c(cache_mu_);
        for (auto it = cache_.begin(); it != cache_.end();) it = it->first.first == id ? cache_.erase(it) : std::next(it);
    }
    return true;
}

}  // namespace server
