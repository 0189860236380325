#include "judge/pipeline.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>

#include "judge/sha256.hpp"
#include "sandbox/fd.hpp"
#include "sandbox/fs_safe.hpp"

namespace judge {

namespace {

[[noreturn]] void fail(const std::string& call, int err) {
    throw std::system_error(err, std::generic_category(), call);
}

void mkdir_p(const std::string& path) {
    std::size_t pos = 0;
    while ((pos = path.find('/', pos + 1)) != std::string::npos) ::mkdir(path.substr(0, pos).c_str(), 0755);
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) fail("mkdir(\"" + path + "\")", errno);
}

void write_file(const std::string& path, const std::string& data, mode_t mode) {
    sandbox::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) fail("open(\"" + path + "\")", errno);
    std::size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
        if (n < 0) fail("write(\"" + path + "\")", errno);
        off += static_cast<std::size_t>(n);
    }
}

// The folders and regular files in `dir` (links and special files are left
// out: never followed, never copied).
std::vector<std::pair<std::string, bool>> list_entries(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) fail("opendir(\"" + dir + "\")", errno);
    std::vector<std::pair<std::string, bool>> entries;  // name, is a folder
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n == "." || n == "..") continue;
        struct stat st {};
        if (::fstatat(::dirfd(d), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) entries.emplace_back(n, S_ISDIR(st.st_mode));
    }
    ::closedir(d);
    return entries;
}

// Copies `rel` beneath the folder `base` (opened without following any
// link) to `dst`, keeping the executable bit.
void copy_file(int base, const std::string& rel, const std::string& dst) {
    sandbox::Fd in = sandbox::open_beneath(base, rel);
    struct stat st {};
    if (::fstat(in.get(), &st) != 0) fail("fstat(\"" + rel + "\")", errno);
    const mode_t mode = (st.st_mode & 0111) ? 0755 : 0644;
    sandbox::Fd out(::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!out) fail("open(\"" + dst + "\")", errno);
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(in.get(), buf, sizeof buf);
        if (n < 0) fail("read(\"" + rel + "\")", errno);
        if (n == 0) break;
        if (::write(out.get(), buf, static_cast<std::size_t>(n)) != n) fail("write(\"" + dst + "\")", errno);
    }
}

// Copies the folders and regular files a box left in `from` into `to`.
void copy_box_files(const std::string& from, const std::string& to, const std::string& rel = "") {
    sandbox::Fd base(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!base) fail("open(\"" + from + "\")", errno);
    for (const auto& [name, is_dir] : list_entries(rel.empty() ? from : from + "/" + rel)) {
        const std::string r = rel.empty() ? name : rel + "/" + name;
        if (is_dir) {
            mkdir_p(to + "/" + r);
            copy_box_files(from, to, r);
        } else {
            copy_file(base.get(), r, to + "/" + r);
        }
    }
}

// The artifact into a run's working folder: hard links where the file
// systems allow (the box cannot write root's files), else copies.
void install_artifact(const std::string& from, const std::string& to) {
    sandbox::Fd base(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!base) fail("open(\"" + from + "\")", errno);
    for (const auto& [name, is_dir] : list_entries(from)) {
        const std::string src = from + "/" + name, dst = to + "/" + name;
        if (is_dir) {
            mkdir_p(dst);
            // The box's own, as in the compile's folder (see place_program).
            if (::chmod(dst.c_str(), 0777) != 0) fail("chmod(\"" + dst + "\")", errno);
            install_artifact(src, dst);
        } else if (::link(src.c_str(), dst.c_str()) != 0) {
            if (errno != EXDEV && errno != EPERM && errno != EMLINK) fail("link(\"" + dst + "\")", errno);
            copy_file(base.get(), name, dst);
        }
    }
}

std::string read_excerpt(const std::string& dir, const std::string& name, std::size_t max, bool* truncated) {
    try {
        return sandbox::read_beneath(dir, name, max, truncated);
    } catch (const std::exception&) {
        return {};
    }
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
    return s;
}

// The program's files in its working folder. Folders are the box's own
// (0777: the box's uid is picked at run time, and nothing else sees them);
// files stay root's, readable.
void place_program(const Submission& s, const std::string& dir) {
    const Toolchain& tc = s.toolchain;
    const auto folder = [&dir](const std::string& rel) {
        std::string path = dir;
        std::size_t from = 0;
        while (from < rel.size()) {
            const std::size_t slash = rel.find('/', from);
            path += "/" + rel.substr(from, slash == std::string::npos ? std::string::npos : slash - from);
            if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) fail("mkdir(\"" + path + "\")", errno);
            if (::chmod(path.c_str(), 0777) != 0) fail("chmod(\"" + path + "\")", errno);
            if (slash == std::string::npos) break;
            from = slash + 1;
        }
    };
    for (const auto& f : s.additional_files) {
        if (f.folder) {
            folder(f.name);
            continue;
        }
        const std::size_t slash = f.name.rfind('/');
        if (slash != std::string::npos) folder(f.name.substr(0, slash));
        write_file(dir + "/" + f.name, f.content, f.executable ? 0755 : 0644);
    }
    if (tc.source != Toolchain::Source::none)
        write_file(dir + "/" + tc.source_file, s.source, tc.source == Toolchain::Source::executable ? 0755 : 0644);
}

bool has_file(const std::string& dir, const std::string& name) {
    struct stat st {};
    return ::lstat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// What a later compile step may still use of a limit (0 stays "the
// sandbox's default"); at least 1 ms, so an exhausted budget is a limit hit.
std::uint64_t budget_left(std::uint64_t limit_ms, std::uint64_t used_ms) {
    if (limit_ms == 0) return 0;
    return used_ms >= limit_ms ? 1 : limit_ms - used_ms;
}

CompileOutcome compile_in_box(const Submission& s, const JudgeOptions& o, const std::string& out_dir) {
    const Toolchain& tc = s.toolchain;
    TempDir work(o.work_dir, "compile", o.work_bound);
    place_program(s, work.path());
    if (!tc.needs_file.empty() && !has_file(work.path(), tc.needs_file))
        return CompileOutcome{CompileOutcome::Kind::compilation_error,
                              "the program has no file named " + tc.needs_file + " at the top of its additional_files "
                              "(" + tc.name + " runs it)"};
    if (tc.compile.empty() || (!tc.compile_if.empty() && !has_file(work.path(), tc.compile_if))) {
        // Nothing to compile: the files are the artifact.
        copy_box_files(work.path(), out_dir);
        return CompileOutcome{CompileOutcome::Kind::ok, ""};
    }
    // The log is kept in memory (charged to the box, bounded like any file
    // the compiler writes): on a full disk it would be lost together with
    // the linker's line that says so.
    sandbox::Fd log(::memfd_create("compiler-log", MFD_CLOEXEC));
    if (!log) fail("memfd_create(\"compiler-log\")", errno);
    // The steps share the folder, the log and the limits: each gets what the
    // ones before left of the CPU and wall budgets; the first that fails ends it.
    sandbox::RunResult r;
    std::uint64_t cpu_used_ms = 0, wall_used_ms = 0;
    for (const auto& argv : tc.compile) {
        sandbox::RunSpec spec;
        spec.argv = argv;
        spec.env = tc.env;
        spec.workdir = work.path();
        spec.stdout_fd = log.get();
        spec.stderr_fd = log.get();
        spec.cpu_time_ms = budget_left(s.compile_limits.cpu_time_ms, cpu_used_ms);
        spec.wall_time_ms = budget_left(s.compile_limits.wall_time_ms, wall_used_ms);
        spec.memory_bytes = s.compile_limits.memory_bytes;
        spec.output_bytes = s.compile_limits.output_bytes;
        spec.pids_max = tc.compile_processes;
        spec.binds = tc.binds;
        r = sandbox::run(spec);
        if (r.status != sandbox::Status::ok) break;
        cpu_used_ms += r.cpu_time_us / 1000;
        wall_used_ms += r.wall_time_us / 1000;
    }
    struct stat log_st {};
    if (::fstat(log.get(), &log_st) != 0) fail("fstat(compiler log)", errno);
    const auto log_size = static_cast<std::size_t>(log_st.st_size);
    std::string text(std::min(log_size, s.compile_limits.message_bytes), '\0');
    const ssize_t got = ::pread(log.get(), text.data(), text.size(), 0);
    text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    if (log_size > text.size())
        text += "\n[compiler output cut at " + std::to_string(s.compile_limits.message_bytes) + " of " +
                std::to_string(log_size) + " bytes]";
    const std::optional<VerdictDetail> v = verdict_of_compile(r);
    if (!v) {
        copy_box_files(work.path(), out_dir);
        return CompileOutcome{CompileOutcome::Kind::ok, text};
    }
    if (v->verdict == Verdict::internal_error) throw std::runtime_error("compile: " + r.message);
    // The compiler writes only into its bounded folder, its box's /tmp and
    // the in-memory log: a full host disk cannot fail it (what it produced
    // is copied out afterwards, and a failure there throws). Out of room is
    // the source's doing, a Compilation Error that says which bound it met
    // (a linker removes its partial output, so the folder may not be full
    // any more; its message is then the sign, and whoever wrote that text
    // gets a Compilation Error either way).
    const bool out_of_room = work.full() || text.find("No space left on device") != std::string::npos;
    if (out_of_room)
        text = "the compile ran out of room (its working folder holds at most " + std::to_string(o.work_bound.bytes) +
               " bytes and " + std::to_string(o.work_bound.files) + " files)" + (text.empty() ? "" : "\n") + text;
    // Why it stopped, when it was not just an error exit: a limit or a signal.
    std::string why;
    if (r.status != sandbox::Status::runtime_error)
        why = "compiler stopped: " + (r.message.empty() ? v->detail : r.message);
    CompileOutcome ce{CompileOutcome::Kind::compilation_error, why + (why.empty() || text.empty() ? "" : "\n") + text};
    // Stopped by a limit (an overloaded host's wall clock above all, or the
    // folder's bound, which an operator may raise) or a signal: the same
    // source may compile next time.
    ce.cacheable = r.status == sandbox::Status::runtime_error && !out_of_room;
    return ce;
}

}  // namespace

namespace {

std::mutex warn_mu;
std::function<void(const std::string&)> warn_sink;  // guarded by warn_mu

void warn(const std::string& message) {
    std::lock_guard lk(warn_mu);
    if (warn_sink) {
        warn_sink(message);
        return;
    }
    const std::string line = "judge: " + message + "\n";
    [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

// Folders whose removal failed, tried again when the next TempDir is made.
std::mutex pending_mu;
std::vector<std::string> pending;  // guarded by pending_mu

bool try_remove(const std::string& path) {
    for (int attempt = 0;; ++attempt) {
        try {
            sandbox::remove_tree(path);
            return true;
        } catch (const std::exception& e) {
            if (attempt == 2) {
                warn("removing " + path + " failed: " + e.what());
                return false;
            }
        }
    }
}

void retry_pending() {
    std::vector<std::string> todo;
    {
        std::lock_guard lk(pending_mu);
        if (pending.empty()) return;
        todo.swap(pending);
    }
    std::vector<std::string> failed;
    for (const auto& p : todo)
        if (!try_remove(p)) failed.push_back(p);
    std::lock_guard lk(pending_mu);
    pending.insert(pending.end(), failed.begin(), failed.end());
}

}  // namespace

void set_warning_sink(std::function<void(const std::string&)> sink) {
    std::lock_guard lk(warn_mu);
    warn_sink = std::move(sink);
}

TempDir::TempDir(const std::string& parent, const char* prefix, const std::optional<WorkBound>& bound) {
    retry_pending();
    for (;;) {
        std::string t = parent + "/" + prefix + "-XXXXXX";
        if (!::mkdtemp(t.data())) fail("mkdtemp(\"" + t + "\")", errno);
        sandbox::Fd fd(::open(t.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) fail("open(\"" + t + "\")", errno);
        if (::flock(fd.get(), LOCK_EX) != 0) fail("flock(\"" + t + "\", LOCK_EX)", errno);
        // A sweep may have taken the folder between mkdtemp and flock: then
        // the name is gone (or another's) and this one is made again.
        struct stat held {}, named {};
        if (::fstat(fd.get(), &held) != 0) fail("fstat(\"" + t + "\")", errno);
        if (::lstat(t.c_str(), &named) != 0 || named.st_ino != held.st_ino || named.st_dev != held.st_dev) continue;
        path_ = t;
        lock_ = std::move(fd);
        break;
    }
    if (::chmod(path_.c_str(), 0755) != 0) fail("chmod(\"" + path_ + "\")", errno);
    if (!bound) return;
    try {
        // Locked before it is attached: a sweep that opens the name then
        // finds the tmpfs's root held, never an unlocked live mount.
        sandbox::Fd mnt = sandbox::make_bounded_tmpfs(bound->bytes, bound->files);
        bound_root_.reset(::openat(mnt.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!bound_root_) fail("open(tmpfs root)", errno);
        if (::flock(bound_root_.get(), LOCK_EX) != 0) fail("flock(tmpfs root, LOCK_EX)", errno);
        sandbox::attach_mount(mnt.get(), path_);
    } catch (...) {
        bound_root_.reset();
        try_remove(path_);
        throw;
    }
}

TempDir::~TempDir() {
    if (bound_root_) {
        try {
            sandbox::detach_mount(path_);
        } catch (const std::exception& e) {
            warn(std::string("unmounting a working folder failed: ") + e.what());
        }
        bound_root_.reset();
    }
    // Removed while still locked, so that no sweep races this removal.
    if (!try_remove(path_)) {
        std::lock_guard lk(pending_mu);
        pending.push_back(path_);
    }
}

bool TempDir::full() const { return bound_root_ && sandbox::file_system_full(bound_root_.get()); }

std::size_t sweep_leftovers(const std::string& parent) {
    DIR* d = ::opendir(parent.c_str());
    if (!d) {
        if (errno != ENOENT) warn("sweep: opendir(\"" + parent + "\") failed: " + std::strerror(errno));
        return 0;
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        // Only names a TempDir makes ("<prefix>-XXXXXX"): a folder shared with
        // anything else keeps what is not the judge's.
        if (n.size() >= 8 && n[n.size() - 7] == '-') names.push_back(std::move(n));
    }
    ::closedir(d);
    struct stat parent_st {};
    if (::stat(parent.c_str(), &parent_st) != 0) return 0;
    std::size_t removed = 0;
    for (const auto& n : names) {
        const std::string path = parent + "/" + n;
        sandbox::Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) continue;  // not a folder: not a TempDir's
        // Held by a live TempDir (in any process): not ours to touch. A
        // bound's tmpfs is locked by its TempDir as well as the folder.
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
        struct stat st {};
        if (::fstat(fd.get(), &st) == 0 && st.st_dev != parent_st.st_dev) {
            // A dead run's bound, still mounted: detached, then the folder
            // beneath is removed (its lock died with its process).
            fd.reset();
            try {
                sandbox::detach_mount(path);
            } catch (const std::exception& e) {
                warn(std::string("sweep: ") + e.what());
                continue;
            }
            fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!fd || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;
        }
        if (try_remove(path)) ++removed;
    }
    return removed;
}

std::string compile_key(const Submission& s) {
    Sha256 h;
    const Toolchain& tc = s.toolchain;
    h.update_field("judge-compile-v1");
    h.update_field(tc.key);
    h.update_field(tc.version);
    h.update_field(tc.source_file);
    h.update_field(std::to_string(static_cast<int>(tc.source)) + tc.compile_if + "/" + tc.needs_file);
    // One step hashes as a bare argv did (older cache entries stay valid);
    // "&&" separates further steps.
    for (std::size_t i = 0; i < tc.compile.size(); ++i) {
        if (i > 0) h.update_field("&&");
        for (const auto& a : tc.compile[i]) h.update_field(a);
    }
    h.update_field("--");
    h.update_field(s.source);
    h.update_field(std::to_string(s.additional_files.size()));
    for (const auto& f : s.additional_files) {
        h.update_field(f.name);
        h.update_field(f.folder ? "d" : f.executable ? "x" : "f");
        h.update_field(f.content);
    }
    return h.hex_digest();
}

namespace {

// The folders the judge works in, made before the cache claims its own.
JudgeOptions prepared(JudgeOptions o) {
    mkdir_p(o.work_dir);
    sweep_leftovers(o.work_dir);  // what a killed run left
    mkdir_p(o.cache_dir);
    sweep_leftovers(o.cache_dir);  // the caches of processes that are gone
    return o;
}

}  // namespace

Judge::Judge(JudgeOptions opts)
    : opts_(prepared(std::move(opts))),
      cache_home_(opts_.cache_dir, "judge"),
      cache_(cache_home_.path() + "/entries", opts_.cache_bytes) {}

void validate(const Submission& s) {
    const std::string& source = s.toolchain.source_file;
    for (const auto& f : s.additional_files) {
        bool ok = !f.name.empty() && f.name.find('\0') == std::string::npos;
        for (std::size_t from = 0; ok;) {  // every part a plain name
            const std::size_t slash = f.name.find('/', from);
            const std::string part = f.name.substr(from, slash == std::string::npos ? std::string::npos : slash - from);
            ok = !part.empty() && part != "." && part != "..";
            if (slash == std::string::npos) break;
            from = slash + 1;
        }
        const bool clashes = !source.empty() && (f.name == source || f.name.rfind(source + "/", 0) == 0);
        if (!ok || clashes)
            throw std::invalid_argument("additional file \"" + f.name +
                                        "\": must be a relative path of plain names, other than the source's");
    }
    if (s.toolchain.source == Toolchain::Source::none && !s.source.empty())
        throw std::invalid_argument("toolchain " + s.toolchain.key + " takes no source: its program is its files");
    if (s.toolchain.run.empty()) throw std::invalid_argument("toolchain " + s.toolchain.key + ": no run command");
}

std::shared_ptr<const Artifact> Judge::compile(const Submission& s, bool* cached) {
    validate(s);
    bool ran = false;
    auto a = cache_.get(compile_key(s), [&](const std::string& out_dir) {
        ran = true;
        return compile_in_box(s, opts_, out_dir);
    });
    if (cached) *cached = !ran;
    return a;
}

sandbox::RunResult Judge::run_program(const Submission& s, const Artifact& a, const RunIo& io) {
    const Toolchain& tc = s.toolchain;
    std::optional<TempDir> fresh;
    std::string work = io.work_dir;
    if (work.empty()) {
        fresh.emplace(opts_.work_dir, "run", opts_.work_bound);
        work = fresh->path();
    }
    install_artifact(a.dir, work);

    // The language's multiplier stretches the limit; the grace only makes
    // the measurement honest: past the limit is TLE even if it finished.
    const auto budget_ms = static_cast<std::uint64_t>(std::ceil(static_cast<double>(s.limits.cpu_time_ms) * tc.time_multiplier));
    sandbox::RunSpec spec;
    spec.memory_bytes = s.limits.memory_bytes + tc.memory_extra_bytes;
    // A VM's heap may grow to the whole box: the box's cgroup, not the VM,
    // must be what stops a program that allocates too much (MLE, not a
    // runtime's own out-of-memory error).
    const std::string heap_mb = std::to_string(spec.memory_bytes >> 20);
    spec.argv = tc.run;
    if (tc.heap_item >= 0 && static_cast<std::size_t>(tc.heap_item) < spec.argv.size())
        spec.argv[static_cast<std::size_t>(tc.heap_item)] =
            replace_all(spec.argv[static_cast<std::size_t>(tc.heap_item)], "{heap_mb}", heap_mb);
    spec.argv.insert(spec.argv.end(), io.args.begin(), io.args.end());
    spec.env = tc.env;
    spec.workdir = work;
    if (io.stdin_fd >= 0) spec.stdin_fd = io.stdin_fd;
    else spec.stdin_path = io.stdin_path;
    if (io.stdout_fd >= 0) spec.stdout_fd = io.stdout_fd;
    else if (!io.out_dir.empty()) spec.stdout_path = io.out_dir + "/stdout";
    if (!io.out_dir.empty()) spec.stderr_path = io.out_dir + "/stderr";
    sandbox::Fd merged;
    if (s.limits.stderr_to_stdout) {
        // One open file for both: the two streams interleave as written, as
        // with 2>&1 in a shell.
        if (io.stdout_fd < 0 && !spec.stdout_path.empty()) {
            merged = sandbox::create_output(spec.stdout_path);
            spec.stdout_fd = merged.get();
        }
        spec.stdout_path.clear();
        spec.stderr_path.clear();
        spec.stderr_fd = spec.stdout_fd;
    }
    spec.stack_bytes = s.limits.stack_bytes;
    spec.network = s.limits.network;
    spec.cpu_time_ms = budget_ms + s.limits.extra_time_ms;
    spec.wall_time_ms = s.limits.wall_time_ms ? s.limits.wall_time_ms : 2 * budget_ms + 1000;
    spec.output_bytes = s.limits.output_bytes;
    // The runtime needs its own threads whatever the submission asks for.
    spec.pids_max = std::max(s.limits.processes, tc.processes);
    spec.binds = tc.binds;
    sandbox::RunResult r = sandbox::run(spec);
    apply_cpu_budget(r, budget_ms);
    if (fresh) apply_work_bound(r, fresh->full(), opts_.work_bound.bytes, opts_.work_bound.files);
    return r;
}

TestResult Judge::run_test(const Submission& s, const Artifact& a, const TestCase& t, const std::string& out_dir) {
    TestResult res;
    res.name = t.name;
    // The folder serves every test of the submission (one at a time): what
    // an earlier test left in it is removed first, so that nothing of it can
    // pass for this test's output, even when this run never starts. Removed,
    // not truncated: ext4 writes back a file truncated to zero when it is
    // closed (auto_da_alloc), which would cost a disk write per test.
    for (const char* name : {"stdout", "stderr"}) {
        const std::string path = out_dir + "/" + name;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail("unlink(\"" + path + "\")", errno);
    }
    RunIo io;
    io.stdin_path = t.input_path;
    io.out_dir = out_dir;
    const sandbox::RunResult r = run_program(s, a, io);
    std::optional<CompareResult> cmp;
    if (r.status == sandbox::Status::ok && s.compare_output) {
        cmp = compare_files(t.answer_path, out_dir + "/stdout", s.compare);
        res.message = cmp->message;
    } else {
        res.message = r.message;
    }
    res.verdict = verdict_of_run(r, cmp);
    res.cpu_time_us = r.cpu_time_us;
    res.wall_time_us = r.wall_time_us;
    res.memory_bytes = r.memory_bytes;
    res.exit_code = r.exit_code;
    res.signal = r.signal;
    bool cut = false;
    res.stdout_excerpt = read_excerpt(out_dir, "stdout", opts_.excerpt_bytes, &cut);
    res.stderr_excerpt = read_excerpt(out_dir, "stderr", opts_.excerpt_bytes, &cut);
    return res;
}

JudgeResult Judge::judge(const Submission& s, const std::function<void(const TestResult&)>& on_test) {
    JudgeResult result;
    std::shared_ptr<const Artifact> a = compile(s, &result.compile_cached);
    result.compile = a->outcome;
    if (const std::optional<Verdict> cv = verdict_of_compile_outcome(a->outcome)) {
        result.verdict = *cv;
        return result;
    }
    result.verdict = Verdict::accepted;
    // One folder for the outputs of all tests: making and removing a folder
    // and two files per test costs more than the run of a small program.
    std::optional<TempDir> out;
    bool stopped = false;
    for (const auto& t : s.tests) {
        TestResult tr;
        if (stopped) {
            tr.name = t.name;
            tr.skipped = true;
        } else {
            try {
                if (!out) out.emplace(opts_.work_dir, "run-out");
                tr = run_test(s, *a, t, out->path());
            } catch (const std::exception& e) {
                tr.name = t.name;
                tr.verdict = VerdictDetail{Verdict::internal_error, e.what()};
                tr.message = e.what();
            }
            result.verdict = worst(result.verdict, tr.verdict.verdict);
            if (s.stop_at_first_failure && tr.verdict.verdict != Verdict::accepted) stopped = true;
        }
        if (on_test) on_test(tr);
        result.tests.push_back(std::move(tr));
    }
    return result;
}

}  // namespace judge
