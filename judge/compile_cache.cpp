#include "judge/compile_cache.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "sandbox/fs_safe.hpp"

namespace judge {

struct CompileCache::Slot {
    bool ready = false;
    std::shared_ptr<const Artifact> artifact;  // set once ready (null: not cacheable)
    std::list<std::string>::iterator lru;
    bool in_lru = false;
};

namespace {

std::uint64_t folder_bytes(const std::string& dir) {
    std::uint64_t total = 0;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return 0;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        struct stat st {};
        if (::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(st.st_mode))
            total += folder_bytes(dir + "/" + n);
        else
            total += static_cast<std::uint64_t>(st.st_blocks) * 512;
    }
    ::closedir(d);
    return total;
}

std::vector<std::string> top_level_names(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return names;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(std::move(n));
    }
    ::closedir(d);
    return names;
}

void make_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::system_error(errno, std::generic_category(), "mkdir(\"" + dir + "\")");
}

}  // namespace

bool CompileCache::intact(const Artifact& a) {
    if (a.outcome.kind != CompileOutcome::Kind::ok) return true;  // only a message
    struct stat st {};
    if (::lstat(a.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    for (const auto& f : a.files)
        if (::lstat((a.dir + "/" + f).c_str(), &st) != 0) return false;
    return true;
}

void CompileCache::drop_locked(const std::string& key) {
    auto s = slots_.find(key);
    if (s == slots_.end()) return;
    if (s->second->artifact) stats_.bytes -= std::min(stats_.bytes, s->second->artifact->bytes);
    if (s->second->in_lru) lru_.erase(s->second->lru);
    slots_.erase(s);
}

CompileCache::CompileCache(std::string dir, std::uint64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {
    // The index lives in memory: what an earlier process left is unknown
    // to it, so start from an empty folder.
    sandbox::remove_tree(dir_);
    make_dir(dir_);
}

CompileCache::~CompileCache() {
    try {
        sandbox::remove_tree(dir_);
    } catch (...) {  // destructors never throw
    }
}

std::shared_ptr<const Artifact> CompileCache::get(const std::string& key, const Compiler& compile) {
    std::shared_ptr<Slot> slot;
    std::string work;
    {
        std::unique_lock lk(mu_);
        auto it = slots_.find(key);
        if (it != slots_.end()) {
            slot = it->second;
            done_.wait(lk, [&] { return slot->ready; });
            if (slot->artifact && intact(*slot->artifact)) {
                ++stats_.hits;
                if (slot->in_lru) lru_.splice(lru_.begin(), lru_, slot->lru);
                return slot->artifact;
            }
            // Not cacheable (the first attempt failed), or its files are
            // gone: compile again, as the owner of a fresh slot.
            if (slots_[key] == slot) drop_locked(key);
        }
        slot = std::make_shared<Slot>();
        slots_[key] = slot;
        ++stats_.misses;
        work = dir_ + "/" + key + "." + std::to_string(++serial_);
    }

    auto artifact = std::make_shared<Artifact>();
    artifact->key = key;
    try {
        if (::mkdir(work.c_str(), 0755) != 0) {
            if (errno != ENOENT) throw std::system_error(errno, std::generic_category(), "mkdir(\"" + work + "\")");
            // The cache folder itself was removed: make it again, and forget
            // every entry whose files went with it.
            recreate();
            if (::mkdir(work.c_str(), 0755) != 0)
                throw std::system_error(errno, std::generic_category(), "mkdir(\"" + work + "\")");
        }
        artifact->outcome = compile(work);
        artifact->dir = work;
        artifact->bytes = folder_bytes(work);
        artifact->files = top_level_names(work);
    } catch (const std::exception& e) {
        artifact->outcome = CompileOutcome{CompileOutcome::Kind::internal_error, e.what()};
    }
    const bool cacheable =
        artifact->outcome.kind != CompileOutcome::Kind::internal_error && artifact->outcome.cacheable;
    if (!cacheable) {
        try {
            sandbox::remove_tree(work);
        } catch (...) {
        }
        artifact->dir.clear();
    }
    // Removes the folder when the last user (cache or caller) lets go.
    std::shared_ptr<const Artifact> shared(artifact.get(), [artifact](const Artifact*) mutable {
        if (!artifact->dir.empty()) {
            try {
                sandbox::remove_tree(artifact->dir);
            } catch (...) {
            }
        }
        artifact.reset();
    });

    std::lock_guard lk(mu_);
    slot->ready = true;
    if (cacheable) {
        slot->artifact = shared;
        lru_.push_front(key);
        slot->lru = lru_.begin();
        slot->in_lru = true;
        stats_.bytes += artifact->bytes;
        evict_locked();
    } else if (slots_[key] == slot) {
        slots_.erase(key);
    }
    done_.notify_all();
    return shared;
}

void CompileCache::recreate() {
    make_dir(dir_);
    std::lock_guard lk(mu_);
    std::vector<std::string> gone;
    for (const auto& [key, slot] : slots_)
        if (slot->ready && slot->artifact && !intact(*slot->artifact)) gone.push_back(key);
    for (const auto& key : gone) drop_locked(key);
}

void CompileCache::evict_locked() {
    // Oldest first; an entry someone still uses stays (its folder is needed).
    auto it = lru_.end();
    while (stats_.bytes > max_bytes_ && it != lru_.begin()) {
        --it;
        auto s = slots_.find(*it);
        if (s == slots_.end() || !s->second->artifact || s->second->artifact.use_count() > 1) continue;
        stats_.bytes -= s->second->artifact->bytes;
        ++stats_.evictions;
        it = lru_.erase(it);
        slots_.erase(s);  // the folder goes with the last reference
    }
}

CompileCache::Stats CompileCache::stats() const {
    std::lock_guard lk(mu_);
    Stats s = stats_;
    s.entries = lru_.size();
    return s;
}

}  // namespace judge
