#include "judge/languages.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "judge/pipeline.hpp"

namespace judge {
namespace {

using nlohmann::json;

// The PATH a box gets by default; bare command names are looked up along it.
constexpr const char* kBoxPath = "/usr/local/bin:/usr/bin:/bin";

const std::set<std::string, std::less<>> kFields = {
    "key",    "ids",  "name_template", "version_cmd",    "version_regex",   "source_file",
    "compile", "binary", "run",         "binds",          "env",             "time_multiplier",
    "memory_extra_mb", "processes", "compile_processes", "heap_flag", "notes", "source", "compile_if",
    "needs_file"};

std::string errno_text(int err) { return std::string(std::strerror(err)); }

// ---- Validation ------------------------------------------------------------

// Builds "ORIGIN: entry N ("key"): field "f": WHAT".
class EntryContext {
public:
    EntryContext(const std::string& origin, std::size_t index) : origin_(origin), index_(index) {}
    void set_key(const std::string& key) { key_ = key; }

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        std::string msg = origin_ + ": entry " + std::to_string(index_);
        if (!key_.empty()) msg += " (\"" + key_ + "\")";
        if (!field.empty()) msg += ": field \"" + field + "\"";
        throw CatalogError(msg + ": " + what);
    }

private:
    const std::string& origin_;
    std::size_t index_;
    std::string key_;
};

const json& need(const json& e, const char* field, const EntryContext& ctx) {
    auto it = e.find(field);
    if (it == e.end()) ctx.fail(field, "missing");
    return *it;
}

std::string need_string(const json& e, const char* field, const EntryContext& ctx, bool allow_empty = false) {
    const json& v = need(e, field, ctx);
    if (!v.is_string()) ctx.fail(field, "must be a string");
    std::string s = v.get<std::string>();
    if (!allow_empty && s.empty()) ctx.fail(field, "must not be empty");
    return s;
}

// null or missing -> "".
std::string optional_string(const json& e, const char* field, const EntryContext& ctx, bool allow_empty) {
    auto it = e.find(field);
    if (it == e.end() || it->is_null()) return {};
    if (!it->is_string()) ctx.fail(field, "must be a string or null");
    std::string s = it->get<std::string>();
    if (!allow_empty && s.empty()) ctx.fail(field, "must not be empty (use null)");
    return s;
}

std::vector<std::string> string_array(const json& v, const char* field, const EntryContext& ctx, bool allow_empty) {
    if (!v.is_array()) ctx.fail(field, "must be an array of strings");
    if (!allow_empty && v.empty()) ctx.fail(field, "must not be empty");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) ctx.fail(field, "item " + std::to_string(i) + " must be a string");
        std::string s = v[i].get<std::string>();
        if (s.empty()) ctx.fail(field, "item " + std::to_string(i) + " must not be empty");
        out.push_back(std::move(s));
    }
    return out;
}

std::uint32_t need_uint(const json& e, const char* field, const EntryContext& ctx, std::uint32_t min,
                        std::uint32_t max) {
    const json& v = need(e, field, ctx);
    const std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!v.is_number_integer()) ctx.fail(field, range);
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u < min || u > max) ctx.fail(field, range);
        return static_cast<std::uint32_t>(u);
    }
    const auto i = v.get<std::int64_t>();
    if (i < static_cast<std::int64_t>(min) || i > static_cast<std::int64_t>(max)) ctx.fail(field, range);
    return static_cast<std::uint32_t>(i);
}

// A plain file name in the working folder: no slash, not . or ..
void check_file_name(const std::string& s, const char* field, const EntryContext& ctx) {
    if (s == "." || s == ".." || s.find('/') != std::string::npos || s.find('\0') != std::string::npos)
        ctx.fail(field, "must be a plain file name, got \"" + s + "\"");
}

// Every {...} in `item` must be one of `inline_ok` (may sit inside the item)
// or `whole_ok` (must be the whole item). Returns the whole-item placeholder
// the item is, or "".
std::string check_placeholders(const std::string& item, const std::vector<std::string>& inline_ok,
                               const std::vector<std::string>& whole_ok, const char* field,
                               const EntryContext& ctx) {
    for (const auto& w : whole_ok)
        if (item == w) return w;
    std::size_t pos = 0;
    while ((pos = item.find('{', pos)) != std::string::npos) {
        const std::size_t end = item.find('}', pos);
        if (end == std::string::npos) ctx.fail(field, "unclosed placeholder in \"" + item + "\"");
        const std::string ph = item.substr(pos, end - pos + 1);
        if (std::find(inline_ok.begin(), inline_ok.end(), ph) == inline_ok.end()) {
            if (std::find(whole_ok.begin(), whole_ok.end(), ph) != whole_ok.end())
                ctx.fail(field, ph + " must be a whole argv item, not part of \"" + item + "\"");
            ctx.fail(field, "unknown placeholder " + ph + " in \"" + item + "\"");
        }
        pos = end + 1;
    }
    return {};
}

Language parse_entry(const json& e, const EntryContext& ctx_in) {
    EntryContext ctx = ctx_in;
    if (!e.is_object()) ctx.fail("", "must be an object");
    Language l;

    l.key = need_string(e, "key", ctx);
    if (!std::all_of(l.key.begin(), l.key.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        }))
        ctx.fail("key", "must be lower-case letters, digits and _, got \"" + l.key + "\"");
    ctx.set_key(l.key);

    for (auto it = e.begin(); it != e.end(); ++it)
        if (kFields.find(it.key()) == kFields.end()) ctx.fail(it.key(), "unknown field");

    const json& ids = need(e, "ids", ctx);
    if (!ids.is_array() || ids.empty()) ctx.fail("ids", "must be a non-empty array of integers");
    for (const auto& id : ids) {
        if (!id.is_number_integer() || id.get<std::int64_t>() <= 0 ||
            id.get<std::int64_t>() > std::numeric_limits<int>::max())
            ctx.fail("ids", "must hold positive integers, got " + id.dump());
        const int v = id.get<int>();
        if (std::find(l.ids.begin(), l.ids.end(), v) != l.ids.end())
            ctx.fail("ids", "lists " + std::to_string(v) + " twice");
        l.ids.push_back(v);
    }

    l.name_template = need_string(e, "name_template", ctx);
    check_placeholders(l.name_template, {"{version}"}, {}, "name_template", ctx);

    l.version_cmd = string_array(need(e, "version_cmd", ctx), "version_cmd", ctx, false);
    l.version_regex = need_string(e, "version_regex", ctx);
    try {
        const std::regex re(l.version_regex);
        if (re.mark_count() != 1)
            ctx.fail("version_regex", "must have exactly one capture group, has " + std::to_string(re.mark_count()));
    } catch (const std::regex_error& err) {
        ctx.fail("version_regex", std::string("does not compile: ") + err.what());
    }

    const std::string source = optional_string(e, "source", ctx, false);
    if (source == "executable") l.source = Language::Source::executable;
    else if (source == "none") l.source = Language::Source::none;
    else if (!source.empty() && source != "text") ctx.fail("source", "must be text, executable or none");
    if (l.source == Language::Source::none) {
        (void)need(e, "source_file", ctx);
        if (!e["source_file"].is_null()) ctx.fail("source_file", "must be null when source is none");
    } else {
        l.source_file = need_string(e, "source_file", ctx);
        check_file_name(l.source_file, "source_file", ctx);
    }
    l.compile_if = optional_string(e, "compile_if", ctx, false);
    l.needs_file = optional_string(e, "needs_file", ctx, false);
    if (!l.compile_if.empty()) check_file_name(l.compile_if, "compile_if", ctx);
    if (!l.needs_file.empty()) check_file_name(l.needs_file, "needs_file", ctx);

    const json& compile = need(e, "compile", ctx);
    if (!compile.is_null()) {
        // One argv, or a non-empty list of argvs.
        if (compile.is_array() && !compile.empty() && compile.front().is_array()) {
            for (std::size_t i = 0; i < compile.size(); ++i)
                l.compile.push_back(string_array(compile[i], "compile", ctx, false));
        } else {
            l.compile.push_back(string_array(compile, "compile", ctx, false));
        }
    }
    (void)need(e, "binary", ctx);
    l.binary = optional_string(e, "binary", ctx, false);
    if (l.compiled() && l.binary.empty() && l.source != Language::Source::none)
        ctx.fail("binary", "required when compile is set (unless source is none: the folder is the program)");
    if (!l.compiled() && !l.binary.empty()) ctx.fail("binary", "must be null when compile is null");
    if (!l.binary.empty()) check_file_name(l.binary, "binary", ctx);
    if (!l.compile_if.empty() && !l.compiled()) ctx.fail("compile_if", "must be null when compile is null");

    int extra_flags = 0;
    for (const auto& step : l.compile) {
        if (step.front().find('{') != std::string::npos)
            ctx.fail("compile", "the program (item 0) cannot hold a placeholder");
        for (const auto& item : step)
            extra_flags += check_placeholders(item, {"{source}", "{binary}"}, {"{extra_flags}"}, "compile", ctx) ==
                           "{extra_flags}";
    }
    if (extra_flags > 1) ctx.fail("compile", "{extra_flags} may appear once");

    l.run = string_array(need(e, "run", ctx), "run", ctx, false);
    std::vector<std::string> run_inline;
    if (l.source != Language::Source::none) run_inline.push_back("{source}");
    if (l.compiled()) run_inline.push_back("{binary}");
    int args = 0, heap = 0;
    for (const auto& item : l.run) {
        const std::string w = check_placeholders(item, run_inline, {"{args}", "{heap_flag}"}, "run", ctx);
        args += w == "{args}";
        heap += w == "{heap_flag}";
    }
    if (args > 1) ctx.fail("run", "{args} may appear once");
    if (heap > 1) ctx.fail("run", "{heap_flag} may appear once");
    if (l.run.front().find('{') != std::string::npos)
        ctx.fail("run", "the program (item 0) cannot hold a placeholder (write ./main, not {binary})");

    (void)need(e, "heap_flag", ctx);
    l.heap_flag = optional_string(e, "heap_flag", ctx, false);
    if (!l.heap_flag.empty()) {
        check_placeholders(l.heap_flag, {"{heap_mb}"}, {}, "heap_flag", ctx);
        if (l.heap_flag.find("{heap_mb}") == std::string::npos) ctx.fail("heap_flag", "must contain {heap_mb}");
        if (heap == 0) ctx.fail("run", "must contain {heap_flag} since heap_flag is set");
    } else if (heap) {
        ctx.fail("run", "holds {heap_flag} but heap_flag is null");
    }

    l.binds = string_array(need(e, "binds", ctx), "binds", ctx, true);
    for (const auto& b : l.binds) {
        if (b.front() != '/' || b == "/" || b.find("/../") != std::string::npos || b.ends_with("/..") ||
            b.find("/./") != std::string::npos)
            ctx.fail("binds", "must be absolute paths below /, got \"" + b + "\"");
        if (std::count(l.binds.begin(), l.binds.end(), b) > 1) ctx.fail("binds", "lists " + b + " twice");
    }

    l.env = string_array(need(e, "env", ctx), "env", ctx, true);
    std::set<std::string> env_names;
    for (const auto& kv : l.env) {
        const std::size_t eq = kv.find('=');
        const std::string name = kv.substr(0, eq);
        const bool ok = eq != std::string::npos && !name.empty() && !(name[0] >= '0' && name[0] <= '9') &&
                        std::all_of(name.begin(), name.end(), [](char c) {
                            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                   c == '_';
                        });
        if (!ok) ctx.fail("env", "items must be NAME=VALUE, got \"" + kv + "\"");
        if (!env_names.insert(name).second) ctx.fail("env", "sets " + name + " twice");
    }

    const json& tm = need(e, "time_multiplier", ctx);
    if (!tm.is_number() || !std::isfinite(tm.get<double>()) || tm.get<double>() <= 0.0 || tm.get<double>() > 100.0)
        ctx.fail("time_multiplier", "must be a number above 0 and at most 100");
    l.time_multiplier = tm.get<double>();

    l.memory_extra_mb = need_uint(e, "memory_extra_mb", ctx, 0, 65536);
    l.processes = need_uint(e, "processes", ctx, 1, 4096);
    l.compile_processes = need_uint(e, "compile_processes", ctx, 1, 4096);
    l.notes = optional_string(e, "notes", ctx, true);
    return l;
}

// ---- Expansion -------------------------------------------------------------

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}

std::string fill_names(const Language& l, const std::string& item) {
    // One pass, so a source name holding "{binary}" could not be expanded
    // twice (names are validated plain names, but keep it exact).
    std::string out;
    for (std::size_t i = 0; i < item.size();) {
        if (item.compare(i, 8, "{source}") == 0) {
            out += l.source_file;
            i += 8;
        } else if (item.compare(i, 8, "{binary}") == 0) {
            out += l.binary;
            i += 8;
        } else {
            out += item[i++];
        }
    }
    return out;
}

// ---- Detection -------------------------------------------------------------

// Is `name` an executable file on the host, as the box would find it?
bool host_executable(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0;
    std::stringstream dirs(kBoxPath);
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (::access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    return false;
}

// One version command running on the host.
struct Probe {
    Language* lang = nullptr;
    pid_t pid = -1;
    int fd = -1;        // read end of its stdout+stderr
    std::string output;
    int spawn_error = 0;
    int wait_status = 0;
    bool timed_out = false;
    std::string cache_key;  // empty: not cacheable (a program we could not stat)
    bool from_cache = false;
};

constexpr std::size_t kMaxVersionOutput = 64 * 1024;

void start_probe(Probe& p) {
    const auto& argv_s = p.lang->version_cmd;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        p.spawn_error = errno;
        return;
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    // Its own process group, so a timeout kills whatever it started too;
    // default signal dispositions and an empty mask whatever the caller has.
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    for (const auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    // A fixed environment: the C locale keeps messages untranslated, and
    // nothing of the service's own environment steers the toolchain.
    std::string path = std::string("PATH=") + kBoxPath;
    char lc_all[] = "LC_ALL=C";
    char home[] = "HOME=/nonexistent";
    char* envp[] = {path.data(), lc_all, home, nullptr};

    const int rc = ::posix_spawnp(&p.pid, argv[0], &fa, &attr, argv.data(), envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(fds[1]);
    if (rc != 0) {
        p.spawn_error = rc;
        p.pid = -1;
        ::close(fds[0]);
        return;
    }
    p.fd = fds[0];
}

// Reads every probe's output until each closes its pipe or the deadline
// passes, then reaps them all (killing the process group of a late one).
void finish_probes(std::vector<Probe>& probes, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::vector<pollfd> pfds;
        std::vector<Probe*> owners;
        for (auto& p : probes)
            if (p.fd >= 0) {
                pfds.push_back(pollfd{p.fd, POLLIN, 0});
                owners.push_back(&p);
            }
        if (pfds.empty()) break;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        const int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        for (std::size_t i = 0; n > 0 && i < pfds.size(); ++i) {
            if (!pfds[i].revents) continue;
            char buf[4096];
            const ssize_t got = ::read(pfds[i].fd, buf, sizeof buf);
            if (got > 0) {
                Probe& p = *owners[i];
                if (p.output.size() < kMaxVersionOutput)
                    p.output.append(buf, std::min(static_cast<std::size_t>(got), kMaxVersionOutput - p.output.size()));
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                ::close(owners[i]->fd);
                owners[i]->fd = -1;
            }
        }
    }
    for (auto& p : probes) {
        if (p.pid < 0) continue;
        if (p.fd >= 0) {  // still open at the deadline
            p.timed_out = true;
            ::kill(-p.pid, SIGKILL);
            ::close(p.fd);
            p.fd = -1;
        }
        // The pipe closed but the child may still run (it closed its
        // stdout): give it what is left of the deadline. WNOWAIT leaves it
        // a zombie, which keeps its pid and so its process group id ours
        // until the group is killed below.
        for (;;) {
            siginfo_t info{};
            const int r = ::waitid(P_PID, static_cast<id_t>(p.pid), &info, WEXITED | WNOHANG | WNOWAIT);
            if ((r == 0 && info.si_pid == p.pid) || (r < 0 && errno != EINTR)) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                p.timed_out = true;
                break;
            }
            ::usleep(2000);
        }
        ::kill(-p.pid, SIGKILL);  // a late one, and whatever it left behind in its group
        while (::waitpid(p.pid, &p.wait_status, 0) < 0 && errno == EINTR) {
        }
    }
}

std::string first_line(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    if (line.size() > 200) {
        line.resize(200);
        line += "...";
    }
    return line;
}

void conclude(Probe& p, std::chrono::milliseconds timeout) {
    Language& l = *p.lang;
    const std::string cmd = "version_cmd " + l.version_cmd.front();
    if (p.spawn_error) {
        l.unavailable_reason = cmd + ": " + errno_text(p.spawn_error);
    } else if (p.timed_out) {
        l.unavailable_reason = cmd + ": no answer within " + std::to_string(timeout.count()) + " ms";
    } else if (WIFSIGNALED(p.wait_status)) {
        l.unavailable_reason = cmd + ": killed by signal " + std::to_string(WTERMSIG(p.wait_status));
    } else if (!WIFEXITED(p.wait_status) || WEXITSTATUS(p.wait_status) != 0) {
        // posix_spawnp reports a missing program as exit status 127 on some
        // libcs (the exec failed in the child).
        l.unavailable_reason = cmd + ": exit status " + std::to_string(WEXITSTATUS(p.wait_status)) +
                               (p.output.empty() ? "" : ": " + first_line(p.output));
    } else {
        std::smatch m;
        const std::regex re(l.version_regex);
        if (std::regex_search(p.output, m, re) && m[1].matched && m[1].length() > 0) {
            l.version = m[1].str();
        } else {
            l.unavailable_reason = cmd + ": output does not match version_regex: " + first_line(p.output);
        }
    }
    if (!l.unavailable_reason.empty()) return;
    // The toolchain answered; check that what the box will need is there.
    for (const auto& b : l.binds) {
        struct stat st {};
        if (::stat(b.c_str(), &st) != 0) {
            l.unavailable_reason = "bind " + b + ": " + errno_text(errno);
            return;
        }
    }
    std::vector<const std::vector<std::string>*> argvs{&l.run};
    for (const auto& step : l.compile) argvs.push_back(&step);
    for (const auto* argv : argvs) {
        const std::string& prog = argv->front();
        if (prog.rfind("./", 0) == 0 || prog.find('{') != std::string::npos) continue;  // made by the compile
        if (!host_executable(prog)) {
            l.unavailable_reason = prog + ": no such executable";
            return;
        }
    }
    l.available = true;
}

// ---- Detection cache ---------------------------------------------------

constexpr const char* kCacheFile = "languages-detected.json";
constexpr int kCacheFormat = 1;

// What makes a version command's answer what it is: its argv, its regex,
// and the identity of every program file it names (the first item as the
// box would find it; any other absolute path, such as a script a VM runs).
// Empty when one of them cannot be found: such a probe always runs.
std::string probe_identity(const Language& l) {
    json id = json::array();
    id.push_back(l.version_cmd);
    id.push_back(l.version_regex);
    for (std::size_t i = 0; i < l.version_cmd.size(); ++i) {
        std::string path = l.version_cmd[i];
        if (i == 0 && path.find('/') == std::string::npos) {
            std::stringstream dirs(kBoxPath);
            for (std::string dir; std::getline(dirs, dir, ':');)
                if (::access((dir + "/" + path).c_str(), X_OK) == 0) {
                    path = dir + "/" + path;
                    break;
                }
        }
        if (path.empty() || path.front() != '/') {
            if (i == 0) return {};
            continue;
        }
        char resolved[PATH_MAX];
        struct stat st {};
        if (!::realpath(path.c_str(), resolved) || ::stat(resolved, &st) != 0 || !S_ISREG(st.st_mode)) {
            if (i == 0) return {};
            continue;
        }
        id.push_back(json::array({resolved, static_cast<std::uint64_t>(st.st_size),
                                  static_cast<std::int64_t>(st.st_mtim.tv_sec),
                                  static_cast<std::int64_t>(st.st_mtim.tv_nsec), static_cast<std::uint64_t>(st.st_ino),
                                  static_cast<std::uint64_t>(st.st_dev)}));
    }
    return id.dump();
}

// identity -> output. Anything unreadable or of another shape is no cache.
std::map<std::string, std::string> read_detect_cache(const std::string& dir) {
    std::map<std::string, std::string> out;
    std::ifstream in(dir + "/" + kCacheFile, std::ios::binary);
    if (!in) return out;
    try {
        const json doc = json::parse(in);
        if (!doc.is_object() || doc.value("format", 0) != kCacheFormat || !doc.contains("probes") ||
            !doc["probes"].is_object())
            return {};
        for (const auto& [key, v] : doc["probes"].items())
            if (v.is_string()) out.emplace(key, v.get<std::string>());
    } catch (const std::exception&) {
        return {};
    }
    return out;
}

// Best effort: a cache we cannot write only costs the next start its time.
void write_detect_cache(const std::string& dir, const std::map<std::string, std::string>& probes) {
    json doc{{"format", kCacheFormat}, {"probes", json::object()}};
    for (const auto& [key, output] : probes) doc["probes"][key] = output;
    const std::string text = doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
    ::mkdir(dir.c_str(), 0755);  // the data folder's first use; an error shows below
    std::string tmp = dir + "/." + kCacheFile + ".XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return;
    bool ok = ::fchmod(fd, 0644) == 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), (dir + "/" + kCacheFile).c_str()) != 0) ::unlink(tmp.c_str());
}

void detect(std::vector<Language>& langs, const LoadOptions& opts) {
    std::vector<Probe> probes(langs.size());
    const bool cached = opts.detect && !opts.cache_dir.empty();
    const std::map<std::string, std::string> known = cached ? read_detect_cache(opts.cache_dir)
                                                            : std::map<std::string, std::string>{};
    for (std::size_t i = 0; i < langs.size(); ++i) {
        Probe& p = probes[i];
        p.lang = &langs[i];
        if (!opts.detect) continue;
        if (cached) p.cache_key = probe_identity(langs[i]);
        if (auto it = known.find(p.cache_key); !p.cache_key.empty() && it != known.end()) {
            p.output = it->second;  // an exit-0 answer: wait_status 0
            p.from_cache = true;
            continue;
        }
        start_probe(p);
    }
    if (!opts.detect) {
        for (auto& l : langs) l.unavailable_reason = "not detected";
    } else {
        finish_probes(probes, opts.version_timeout);
        for (auto& p : probes) conclude(p, opts.version_timeout);
        if (cached) {
            // What this catalog's probes answered, and nothing else: an entry
            // for a program since changed or an entry since removed goes.
            std::map<std::string, std::string> now;
            bool fresh = false;
            for (const auto& p : probes) {
                const bool answered = p.from_cache || (p.pid >= 0 && !p.spawn_error && !p.timed_out &&
                                                       WIFEXITED(p.wait_status) && WEXITSTATUS(p.wait_status) == 0);
                if (p.cache_key.empty() || !answered) continue;
                now[p.cache_key] = p.output;
                fresh = fresh || !p.from_cache;
            }
            if (fresh || now.size() != known.size()) write_detect_cache(opts.cache_dir, now);
        }
    }
    for (auto& l : langs) {
        l.name = replace_all(l.name_template, "{version}", l.available ? l.version : "unavailable");
        if (!l.available) l.version.clear();
    }
}

std::string exe_dir() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return {};
    std::string p(buf, static_cast<std::size_t>(n));
    return p.substr(0, p.rfind('/'));
}

}  // namespace

// ---- Language --------------------------------------------------------------

std::vector<std::vector<std::string>> Language::compile_argvs(const std::vector<std::string>& extra_flags) const {
    std::vector<std::vector<std::string>> out;
    for (const auto& step : compile) {
        std::vector<std::string> argv;
        for (const auto& item : step) {
            if (item == "{extra_flags}") {
                argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
            } else {
                argv.push_back(fill_names(*this, item));
            }
        }
        out.push_back(std::move(argv));
    }
    return out;
}

std::vector<std::string> Language::compile_argv(const std::vector<std::string>& extra_flags) const {
    std::vector<std::vector<std::string>> all = compile_argvs(extra_flags);
    return all.empty() ? std::vector<std::string>{} : std::move(all.front());
}

std::vector<std::string> Language::run_argv(const std::vector<std::string>& args,
                                            std::optional<std::uint64_t> memory_limit_mb) const {
    std::vector<std::string> out;
    for (const auto& item : run) {
        if (item == "{args}") {
            out.insert(out.end(), args.begin(), args.end());
        } else if (item == "{heap_flag}") {
            out.push_back(memory_limit_mb
                              ? replace_all(heap_flag, "{heap_mb}", std::to_string(*memory_limit_mb + memory_extra_mb))
                              : heap_flag);
        } else {
            out.push_back(fill_names(*this, item));
        }
    }
    return out;
}

std::vector<std::string> Language::box_env(const std::vector<std::string>& base) const {
    std::vector<std::string> out = base;
    for (const auto& kv : env) {
        const std::string prefix = kv.substr(0, kv.find('=') + 1);
        auto it = std::find_if(out.begin(), out.end(), [&](const std::string& b) { return b.rfind(prefix, 0) == 0; });
        if (it != out.end()) {
            *it = kv;
        } else {
            out.push_back(kv);
        }
    }
    return out;
}

// ---- Catalog ---------------------------------------------------------------

Catalog Catalog::parse(std::string_view json_text, const std::string& origin, const LoadOptions& opts) {
    json doc;
    try {
        doc = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw CatalogError(origin + ": not valid JSON: " + e.what());
    }
    if (!doc.is_array()) throw CatalogError(origin + ": must be a JSON array of language entries");
    if (doc.empty()) throw CatalogError(origin + ": holds no language");

    Catalog c;
    std::map<int, std::string> id_owner;
    std::set<std::string> keys;
    for (std::size_t i = 0; i < doc.size(); ++i) {
        EntryContext ctx(origin, i);
        Language l = parse_entry(doc[i], ctx);
        ctx.set_key(l.key);
        if (!keys.insert(l.key).second) ctx.fail("key", "\"" + l.key + "\" is used by an earlier entry");
        for (int id : l.ids) {
            auto [it, fresh] = id_owner.emplace(id, l.key);
            if (!fresh) ctx.fail("ids", std::to_string(id) + " already belongs to \"" + it->second + "\"");
        }
        c.languages_.push_back(std::move(l));
    }
    detect(c.languages_, opts);
    return c;
}

Catalog Catalog::load(const std::string& path, const LoadOptions& opts) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CatalogError("open(\"" + path + "\"): " + errno_text(errno));
    std::stringstream s;
    s << in.rdbuf();
    if (in.bad()) throw CatalogError("read(\"" + path + "\"): " + errno_text(errno));
    return parse(s.str(), path, opts);
}

std::string Catalog::default_path() {
    if (const char* env = std::getenv("JUDGE_LANGUAGES"); env && *env) return env;
    std::vector<std::string> candidates;
    if (const std::string dir = exe_dir(); !dir.empty()) {
        candidates.push_back(dir + "/../schema/languages.json");
        candidates.push_back(dir + "/../../schema/languages.json");
    }
    candidates.emplace_back("/usr/local/share/judge/languages.json");
    candidates.emplace_back("/usr/share/judge/languages.json");
    // Last, the source tree this file was built from (a build folder
    // outside the tree, a test binary).
    if (const std::string self = __FILE__; self.ends_with("judge/languages.cpp"))
        candidates.push_back(self.substr(0, self.size() - std::string_view("judge/languages.cpp").size()) +
                             "schema/languages.json");
    for (const auto& c : candidates) {
        struct stat st {};
        if (::stat(c.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return c;
    }
    std::string tried;
    for (const auto& c : candidates) tried += (tried.empty() ? "" : ", ") + c;
    throw CatalogError("no language catalog found (set JUDGE_LANGUAGES); tried " + tried);
}

Catalog Catalog::load_default(const LoadOptions& opts) { return load(default_path(), opts); }

const Language* Catalog::by_id(int judge0_id) const {
    for (const auto& l : languages_)
        if (l.available && std::find(l.ids.begin(), l.ids.end(), judge0_id) != l.ids.end()) return &l;
    return nullptr;
}

const Language* Catalog::by_key(std::string_view key) const {
    for (const auto& l : languages_)
        if (l.available && l.key == key) return &l;
    return nullptr;
}

const Language* Catalog::by_name(std::string_view name) const {
    for (const auto& l : languages_)
        if (l.available && l.name == name) return &l;
    return nullptr;
}

const Language* Catalog::find(std::string_view what) const {
    for (const auto& l : languages_)
        if (l.key == what || l.name == what) return &l;
    if (!what.empty() && what.size() < 10 && std::all_of(what.begin(), what.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        const int id = std::stoi(std::string(what));
        for (const auto& l : languages_)
            if (std::find(l.ids.begin(), l.ids.end(), id) != l.ids.end()) return &l;
    }
    return nullptr;
}

std::vector<const Language*> Catalog::available() const {
    std::vector<const Language*> out;
    for (const auto& l : languages_)
        if (l.available) out.push_back(&l);
    return out;
}

std::vector<std::pair<int, const Language*>> Catalog::offered() const {
    std::vector<std::pair<int, const Language*>> out;
    for (const auto& l : languages_)
        if (l.available)
            for (int id : l.ids) out.emplace_back(id, &l);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.second->name != b.second->name ? a.second->name < b.second->name : a.first < b.first;
    });
    return out;
}

Toolchain Catalog::toolchain(const Language& l, const std::vector<std::string>& extra_flags,
                             const std::vector<std::string>& args) const {
    Toolchain t;
    t.key = l.key;
    t.name = l.name;
    t.version = l.version;
    t.source_file = l.source_file;
    t.source = l.source == Language::Source::text         ? Toolchain::Source::text
               : l.source == Language::Source::executable ? Toolchain::Source::executable
                                                          : Toolchain::Source::none;
    t.compile_if = l.compile_if;
    t.needs_file = l.needs_file;
    t.compile = l.compile_argvs(extra_flags);
    t.run = l.run_argv(args);
    // Where the heap flag landed: only that item gets {heap_mb} filled (a
    // submission's own argument that happens to spell "{heap_mb}" stays as is).
    std::size_t at = 0;
    for (const auto& item : l.run) {
        if (item == "{heap_flag}") t.heap_item = static_cast<int>(at);
        at += item == "{args}" ? args.size() : 1;
    }
    for (const auto& b : l.binds) t.binds.push_back(sandbox::Bind{b, "", false});
    t.env = l.box_env(sandbox::RunSpec{}.env);
    t.time_multiplier = l.time_multiplier;
    t.memory_extra_bytes = std::uint64_t{l.memory_extra_mb} << 20;
    t.processes = l.processes;
    t.compile_processes = l.compile_processes;
    return t;
}

// ---- split_words -----------------------------------------------------------

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string cur;
    bool in_word = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            if (in_word) words.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else if (c == '\'') {
            const std::size_t end = text.find('\'', i + 1);
            if (end == std::string_view::npos) throw std::invalid_argument("unterminated ' quote");
            cur.append(text.substr(i + 1, end - i - 1));
            i = end;
            in_word = true;
        } else if (c == '"') {
            std::size_t j = i + 1;
            for (;; ++j) {
                if (j >= text.size()) throw std::invalid_argument("unterminated \" quote");
                if (text[j] == '"') break;
                if (text[j] == '\\' && j + 1 < text.size() &&
                    std::string_view("\\\"$`\n").find(text[j + 1]) != std::string_view::npos) {
                    if (text[j + 1] != '\n') cur += text[j + 1];
                    ++j;
                } else {
                    cur += text[j];
                }
            }
            i = j;
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) throw std::invalid_argument("trailing backslash");
            if (text[i + 1] != '\n') {
                cur += text[i + 1];
                in_word = true;
            }
            ++i;
        } else {
            cur += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(cur));
    return words;
}

}  // namespace judge
